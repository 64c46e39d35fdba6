//! What a rule saw for one incident, clause by clause: the answer to "why
//! this cause and not that one". Every rule that applies to an incident's
//! kind leaves one [`Consideration`], whether it held or not.

use super::{Cause, HostScope};
use crate::incidents::Window;
use crate::signals::condition::Measured;

/// The part a clause plays in its rule.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClauseRole {
    /// Must hold for the rule to hold.
    Require,
    /// Raises the confidence when it holds.
    Support,
    /// Must not hold: the rule is ruled out when it does.
    Absent,
}

impl ClauseRole {
    /// The name rule files use for the block.
    pub fn name(self) -> &'static str {
        match self {
            ClauseRole::Require => "require",
            ClauseRole::Support => "support",
            ClauseRole::Absent => "absent",
        }
    }
}

/// How a rule came out.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every required clause held and no absent clause did: a candidate.
    Held,
    /// A required clause did not hold.
    NotMet,
    /// An absent clause held: what the rule must not see was there.
    Excluded,
    /// The bundle lacks an input the rule needs.
    NotEvaluated,
    /// A fallback rule, not tried because another rule held.
    NotNeeded,
}

/// One rule's evaluation for one incident.
#[derive(Clone, Debug, PartialEq)]
pub struct Consideration {
    pub rule: String,
    pub cause: Cause,
    pub fallback: bool,
    pub outcome: Outcome,
    /// The rule's own confidence, before support clauses.
    pub base_confidence: f64,
    /// The finding's confidence when the rule held.
    pub confidence: Option<f64>,
    /// Every clause, in the rule file's order: require, absent, support.
    /// Empty when the rule was not evaluated.
    pub clauses: Vec<ClauseCheck>,
}

impl Consideration {
    /// The first required clause that did not hold, or the absent clause
    /// that did: what ruled the rule out.
    pub fn deciding_clause(&self) -> Option<&ClauseCheck> {
        let role = match self.outcome {
            Outcome::NotMet => ClauseRole::Require,
            Outcome::Excluded => ClauseRole::Absent,
            _ => return None,
        };
        self.clauses
            .iter()
            .find(|c| c.role == role && c.held == (role == ClauseRole::Absent))
    }
}

/// One clause evaluated: which events it selected and what its conditions
/// found.
#[derive(Clone, Debug, PartialEq)]
pub struct ClauseCheck {
    pub role: ClauseRole,
    pub signal: String,
    pub on: HostScope,
    pub window: Window,
    /// Per-event filters (`where`), as written.
    pub filters: Vec<String>,
    /// Events selected, each counted with the identical lines it stands for.
    pub matched: u32,
    /// Timeline entries of the first selected events.
    pub events: Vec<usize>,
    /// The conditions over the selected set (`having`); empty means "at
    /// least one event".
    pub conditions: Vec<ConditionCheck>,
    pub held: bool,
    /// Confidence a support clause adds when it holds.
    pub boost: f64,
}

/// One `having` condition with the figures it compared.
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionCheck {
    /// As written in the rule file.
    pub condition: String,
    pub measured: Measured,
}
