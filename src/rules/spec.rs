//! The rule file format and its compilation into a [`Rule`]. Every problem
//! is reported with the line it is on.

use super::{Cause, Clause, HostScope, Rule, WindowSpec, template};
use crate::definitions::{DefinitionError, DefinitionFile};
use crate::incidents::IncidentKind;
use crate::model::SourceKind;
use crate::signals::condition::Condition;
use crate::signals::{Fields, SignalCatalog};
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rule: RuleSpec,
    #[serde(default)]
    test: Vec<TestSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: Spanned<String>,
    cause: Spanned<String>,
    title: String,
    incidents: Vec<Spanned<String>>,
    confidence: Spanned<f64>,
    #[serde(default)]
    requires: Vec<Spanned<String>>,
    #[serde(default)]
    fallback: bool,
    #[serde(default)]
    require: Vec<ClauseSpec>,
    #[serde(default)]
    support: Vec<ClauseSpec>,
    #[serde(default)]
    absent: Vec<ClauseSpec>,
    explanation: Spanned<String>,
    procedure: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClauseSpec {
    signal: Spanned<String>,
    #[serde(default = "subject")]
    on: Spanned<String>,
    #[serde(default = "incident")]
    window: Spanned<String>,
    #[serde(default, rename = "where")]
    filters: Vec<Spanned<String>>,
    #[serde(default)]
    having: Vec<Spanned<String>>,
    #[serde(default)]
    boost: Option<f64>,
}

fn subject() -> Spanned<String> {
    Spanned::new(0..0, "subject".to_string())
}

fn incident() -> Spanned<String> {
    Spanned::new(0..0, "incident".to_string())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestSpec {
    name: String,
    incident: Spanned<String>,
    #[serde(default)]
    signals: Vec<TestSignalSpec>,
    #[serde(default)]
    inputs: Option<Vec<Spanned<String>>>,
    expect: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestSignalSpec {
    at: Spanned<String>,
    signal: Spanned<String>,
    #[serde(default = "subject")]
    on: Spanned<String>,
    #[serde(default)]
    fields: Fields,
}

/// What a rule test expects.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    Match,
    NoMatch,
    NotEvaluated,
}

/// A signal placed relative to a test incident's anchor.
#[derive(Clone, Debug)]
pub struct TestSignal {
    pub at_ms: f64,
    pub signal: String,
    /// `Subject` or `Peers` (the observer host).
    pub on: HostScope,
    pub fields: Fields,
}

/// A self-test shipped inside a rule file: a small incident and the
/// verdict the rule must give on it.
#[derive(Clone, Debug)]
pub struct RuleTest {
    pub name: String,
    pub incident: IncidentKind,
    pub signals: Vec<TestSignal>,
    /// Inputs present on the subject; `None` means the rule's requirements.
    pub inputs: Option<Vec<SourceKind>>,
    pub expect: Expectation,
}

struct Compiler<'a> {
    file: &'a DefinitionFile,
    catalog: &'a SignalCatalog,
    errors: Vec<DefinitionError>,
}

/// Compiles one rule file.
pub(super) fn compile(
    file: &DefinitionFile,
    catalog: &SignalCatalog,
) -> Result<Rule, Vec<DefinitionError>> {
    let parsed: RuleFile = file.parse().map_err(|e| vec![e])?;
    let mut c = Compiler {
        file,
        catalog,
        errors: Vec::new(),
    };
    let spec = parsed.rule;
    let rule = Rule {
        id: c.identifier(&spec.id, "rule id", true),
        cause: Cause(c.identifier(&spec.cause, "cause", false)),
        title: spec.title,
        incidents: spec
            .incidents
            .iter()
            .filter_map(|k| c.incident_kind(k))
            .collect(),
        confidence: c.confidence(&spec.confidence),
        requires: spec
            .requires
            .iter()
            .filter_map(|k| c.source_kind(k))
            .collect(),
        fallback: spec.fallback,
        require: spec.require.iter().filter_map(|s| c.clause(s)).collect(),
        support: spec.support.iter().filter_map(|s| c.clause(s)).collect(),
        absent: spec.absent.iter().filter_map(|s| c.clause(s)).collect(),
        explanation: c.template(&spec.explanation),
        procedure: spec.procedure.iter().map(|p| c.template(p)).collect(),
        tests: parsed.test.iter().filter_map(|t| c.test(t)).collect(),
        file: file.name.clone(),
    };
    if rule.incidents.is_empty() && c.errors.is_empty() {
        c.error(
            spec.id.span().start,
            "a rule needs at least one incident kind in `incidents`",
        );
    }
    if rule.require.is_empty() && !rule.fallback && c.errors.is_empty() {
        c.error(
            spec.id.span().start,
            "a rule needs at least one [[rule.require]] clause (or `fallback = true`)",
        );
    }
    if c.errors.is_empty() {
        Ok(rule)
    } else {
        Err(c.errors)
    }
}

impl Compiler<'_> {
    fn error(&mut self, at: usize, message: impl Into<String>) {
        self.errors.push(self.file.error_at(at, message));
    }

    fn identifier(&mut self, value: &Spanned<String>, what: &str, dots: bool) -> String {
        let ok = !value.get_ref().is_empty()
            && value.get_ref().bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || (dots && b == b'.')
            });
        if !ok {
            self.error(
                value.span().start,
                format!(
                    "{what} `{}` must be lowercase letters, digits and `_`",
                    value.get_ref()
                ),
            );
        }
        value.get_ref().clone()
    }

    fn confidence(&mut self, value: &Spanned<f64>) -> f64 {
        let v = *value.get_ref();
        if !(0.0..=1.0).contains(&v) {
            self.error(
                value.span().start,
                format!("confidence {v} must be between 0 and 1"),
            );
        }
        v
    }

    fn incident_kind(&mut self, value: &Spanned<String>) -> Option<IncidentKind> {
        let kind = IncidentKind::from_name(value.get_ref());
        if kind.is_none() {
            let known: Vec<&str> = IncidentKind::ALL.iter().map(|k| k.name()).collect();
            self.error(
                value.span().start,
                format!(
                    "unknown incident kind `{}`; known: {}",
                    value.get_ref(),
                    known.join(", ")
                ),
            );
        }
        kind
    }

    fn source_kind(&mut self, value: &Spanned<String>) -> Option<SourceKind> {
        let kind = SourceKind::from_name(value.get_ref());
        if kind.is_none() {
            let known: Vec<&str> = SourceKind::ALL.iter().map(|k| k.name()).collect();
            self.error(
                value.span().start,
                format!(
                    "unknown input `{}`; known: {}",
                    value.get_ref(),
                    known.join(", ")
                ),
            );
        }
        kind
    }

    fn scope(&mut self, value: &Spanned<String>) -> Option<HostScope> {
        let scope = match value.get_ref().as_str() {
            "subject" => HostScope::Subject,
            "peers" => HostScope::Peers,
            "observer" => HostScope::Observer,
            "any" => HostScope::Any,
            other => {
                self.error(
                    value.span().start,
                    format!("unknown host scope `{other}`; use subject, peers, observer or any"),
                );
                return None;
            }
        };
        Some(scope)
    }

    fn window(&mut self, value: &Spanned<String>) -> Option<WindowSpec> {
        let parsed = parse_window(value.get_ref());
        if let Err(message) = &parsed {
            self.error(value.span().start, message.clone());
        }
        parsed.ok()
    }

    fn conditions(&mut self, list: &[Spanned<String>], per_signal: bool) -> Vec<Condition> {
        let mut out = Vec::new();
        for item in list {
            match Condition::parse(item.get_ref()) {
                Ok(c) if c.is_per_signal() == per_signal => out.push(c),
                Ok(_) if per_signal => self.error(
                    item.span().start,
                    "`where` filters single signals; put count/sum/max/min in `having`",
                ),
                Ok(_) => self.error(
                    item.span().start,
                    "`having` takes aggregates (count, sum(f), max(f), min(f)); put field tests in `where`",
                ),
                Err(message) => self.error(item.span().start, message),
            }
        }
        out
    }

    fn clause(&mut self, spec: &ClauseSpec) -> Option<Clause> {
        let signal = self.catalog.id(spec.signal.get_ref());
        if signal.is_none() {
            self.error(
                spec.signal.span().start,
                format!(
                    "unknown signal `{}`; define it in a signal file",
                    spec.signal.get_ref()
                ),
            );
        }
        let on = self.scope(&spec.on);
        let window = self.window(&spec.window);
        let filters = self.conditions(&spec.filters, true);
        let having = self.conditions(&spec.having, false);
        Some(Clause {
            signal: signal?,
            signal_name: spec.signal.get_ref().clone(),
            on: on?,
            window: window?,
            filters,
            having,
            boost: spec.boost.unwrap_or(0.0),
        })
    }

    fn template(&mut self, text: &Spanned<String>) -> String {
        if let Err(message) = template::check(text.get_ref()) {
            self.error(text.span().start, message);
        }
        text.get_ref().clone()
    }

    fn test(&mut self, spec: &TestSpec) -> Option<RuleTest> {
        let incident = self.incident_kind(&spec.incident);
        let expect = match spec.expect.get_ref().as_str() {
            "match" => Some(Expectation::Match),
            "no_match" => Some(Expectation::NoMatch),
            "not_evaluated" => Some(Expectation::NotEvaluated),
            other => {
                self.error(
                    spec.expect.span().start,
                    format!("unknown expectation `{other}`; use match, no_match or not_evaluated"),
                );
                None
            }
        };
        let inputs = spec
            .inputs
            .as_ref()
            .map(|list| list.iter().filter_map(|k| self.source_kind(k)).collect());
        let signals = spec
            .signals
            .iter()
            .filter_map(|s| self.test_signal(s))
            .collect();
        Some(RuleTest {
            name: spec.name.clone(),
            incident: incident?,
            signals,
            inputs,
            expect: expect?,
        })
    }

    fn test_signal(&mut self, spec: &TestSignalSpec) -> Option<TestSignal> {
        if self.catalog.id(spec.signal.get_ref()).is_none() {
            self.error(
                spec.signal.span().start,
                format!("unknown signal `{}`", spec.signal.get_ref()),
            );
        }
        let at_ms = match parse_duration_ms(spec.at.get_ref()) {
            Ok(ms) => Some(ms),
            Err(message) => {
                self.error(spec.at.span().start, message);
                None
            }
        };
        let on = self.scope(&spec.on);
        Some(TestSignal {
            at_ms: at_ms?,
            signal: spec.signal.get_ref().clone(),
            on: on?,
            fields: spec.fields.clone(),
        })
    }
}

/// `incident`, `timeout`, or `FROM..TO` with signed offsets from the anchor
/// such as `-120s..+10s`, `-5m..0s`.
pub fn parse_window(text: &str) -> Result<WindowSpec, String> {
    match text.trim() {
        "incident" => return Ok(WindowSpec::Incident),
        "timeout" => return Ok(WindowSpec::Timeout),
        _ => {}
    }
    let bad = || {
        format!("window `{text}` must be `incident`, `timeout` or `FROM..TO` like `-120s..+10s`")
    };
    let (from, to) = text.split_once("..").ok_or_else(bad)?;
    let from_ms = parse_duration_ms(from).map_err(|_| bad())?;
    let to_ms = parse_duration_ms(to).map_err(|_| bad())?;
    if from_ms > to_ms {
        return Err(format!("window `{text}` ends before it starts"));
    }
    Ok(WindowSpec::Relative { from_ms, to_ms })
}

/// A signed duration: `-20s`, `+1.5m`, `500ms`, `0`.
pub fn parse_duration_ms(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let bad = || format!("`{text}` is not a duration; write it like -20s, +2m or 500ms");
    let (number, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let value: f64 = number.trim_start_matches('+').parse().map_err(|_| bad())?;
    let factor = match unit {
        "ms" => 1.0,
        "s" => 1000.0,
        "m" | "min" => 60_000.0,
        "h" => 3_600_000.0,
        _ => return Err(bad()),
    };
    /// A year: no window or offset around an incident is longer.
    const MAX_MS: f64 = 365.0 * 24.0 * 3_600_000.0;
    let ms = value * factor;
    if !ms.is_finite() || ms.abs() > MAX_MS {
        return Err(format!("`{text}` is longer than a year"));
    }
    Ok(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_offsets() {
        assert_eq!(parse_window("incident"), Ok(WindowSpec::Incident));
        assert_eq!(
            parse_window("-2m..+10s"),
            Ok(WindowSpec::Relative {
                from_ms: -120_000.0,
                to_ms: 10_000.0
            })
        );
        assert!(parse_window("+10s..-10s").is_err());
        assert!(parse_window("yesterday").is_err());
        assert_eq!(parse_duration_ms("500ms"), Ok(500.0));
        assert_eq!(parse_duration_ms("-20"), Ok(-20_000.0));
        assert!(parse_duration_ms("ten seconds").is_err());
        assert!(parse_duration_ms("-99999999999h").is_err());
    }
}
