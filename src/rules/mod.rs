//! Rules stage: data files in `rules/rules/` that name a cause when given
//! signals appear around an incident. A rule is compiled once (signal names
//! resolved, conditions and windows parsed) and then only evaluated.

mod consideration;
mod eval;
pub mod selftest;
mod spec;
mod template;

use crate::definitions::{DefinitionError, DefinitionFile};
use crate::incidents::IncidentKind;
use crate::model::SourceKind;
use crate::signals::condition::Condition;
use crate::signals::{SignalCatalog, SignalId};
use std::collections::BTreeMap;
use std::fmt;

pub use consideration::{ClauseCheck, ClauseRole, ConditionCheck, Consideration, Outcome};
pub use eval::{Citation, EvalContext, Finding, NotEvaluated, Verdict, evaluate};
pub use spec::{RuleTest, parse_duration_ms};

/// A root cause name, as rule files spell it (`db_unavailable`, `network`, …).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Cause(String);

impl Cause {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which hosts a clause looks at, relative to the incident.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum HostScope {
    /// The host whose heartbeat failed.
    Subject,
    /// Every other host involved (observer and affected).
    Peers,
    /// The host that noticed the failure.
    Observer,
    /// Any host in the bundle.
    Any,
}

impl HostScope {
    /// Where a clause looked, in a sentence: `on the subject`, `on any host`.
    pub fn in_words(self) -> &'static str {
        match self {
            HostScope::Subject => "on the subject",
            HostScope::Peers => "on the peers",
            HostScope::Observer => "on the observer",
            HostScope::Any => "on any host",
        }
    }

    /// The name rule files use (`on = "subject"`).
    pub fn name(self) -> &'static str {
        match self {
            HostScope::Subject => "subject",
            HostScope::Peers => "peers",
            HostScope::Observer => "observer",
            HostScope::Any => "any",
        }
    }
}

/// When a clause looks, relative to the incident's anchor.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum WindowSpec {
    /// The incident's own window (timeout plus one interval before the anchor).
    Incident,
    /// Exactly the timeout before the anchor.
    Timeout,
    /// Offsets from the anchor, in ms.
    Relative { from_ms: f64, to_ms: f64 },
}

/// One condition block of a rule: these signals, on these hosts, in this window.
#[derive(Clone, Debug)]
pub struct Clause {
    pub signal: SignalId,
    pub signal_name: String,
    pub on: HostScope,
    pub window: WindowSpec,
    /// Per-signal filters.
    pub filters: Vec<Condition>,
    /// Conditions over the filtered set; empty means "at least one".
    pub having: Vec<Condition>,
    /// Confidence added when a support clause holds.
    pub boost: f64,
}

/// A compiled rule.
#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub cause: Cause,
    pub title: String,
    pub incidents: Vec<IncidentKind>,
    pub confidence: f64,
    /// Inputs the subject host must have for the rule to be evaluated.
    pub requires: Vec<SourceKind>,
    /// Evaluated only when no other rule explains the incident.
    pub fallback: bool,
    pub require: Vec<Clause>,
    pub support: Vec<Clause>,
    pub absent: Vec<Clause>,
    pub explanation: String,
    pub procedure: Vec<String>,
    pub tests: Vec<RuleTest>,
    pub file: String,
}

/// Every rule, compiled, in id order.
#[derive(Clone, Debug)]
pub struct RuleBook {
    rules: Vec<Rule>,
}

impl RuleBook {
    /// Compiles the rule files among `files` against `catalog`. A later file's
    /// rule replaces an earlier one with the same id. All errors are
    /// collected, each with its file and line.
    pub fn build(
        files: &[DefinitionFile],
        catalog: &SignalCatalog,
    ) -> Result<RuleBook, Vec<DefinitionError>> {
        let mut rules: BTreeMap<String, Rule> = BTreeMap::new();
        let mut errors = Vec::new();
        for file in files.iter().filter(|f| f.defines_rule()) {
            match spec::compile(file, catalog) {
                Ok(rule) => {
                    rules.insert(rule.id.clone(), rule);
                }
                Err(mut errs) => errors.append(&mut errs),
            }
        }
        if errors.is_empty() {
            Ok(RuleBook {
                rules: rules.into_values().collect(),
            })
        } else {
            Err(errors)
        }
    }

    /// Every rule in id order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rules that apply to an incident kind.
    pub fn for_kind(&self, kind: IncidentKind) -> impl Iterator<Item = &Rule> {
        self.rules
            .iter()
            .filter(move |r| r.incidents.contains(&kind))
    }
}
