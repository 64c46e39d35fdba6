//! The report's side of "why": every rule tried on an incident, each clause
//! with the events it saw and the figures its conditions compared, and one
//! sentence saying why the rule held or what ruled it out.

use super::{Context, WindowReport};
use crate::incidents::Incident;
use crate::model::SourceKind;
use crate::rules::{ClauseCheck, ClauseRole, ConditionCheck, Consideration, Outcome, Verdict};
use serde::Serialize;
use std::collections::BTreeMap;

/// Events quoted per clause; the JSON keeps them few, the count says how
/// many there were.
const EVENTS_PER_CLAUSE: usize = 3;

/// A rule tried on an incident and how it came out.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ConsideredReport {
    pub rule: String,
    pub cause: String,
    pub fallback: bool,
    pub outcome: Outcome,
    /// The rule's own confidence, before support clauses add theirs.
    pub base_confidence: f64,
    /// The confidence it reached when it held.
    pub confidence: Option<f64>,
    /// Why it held, or what ruled it out, in one sentence.
    pub reason: String,
    /// Inputs the bundle lacks for it (`not_evaluated`).
    pub missing: Vec<SourceKind>,
    /// Inputs present, but with no record in the incident's window.
    pub uncovered: Vec<SourceKind>,
    /// Every clause, require first, then absent, then support; empty when
    /// the rule was not evaluated.
    pub clauses: Vec<ClauseReport>,
}

/// One clause and what it saw.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ClauseReport {
    pub role: ClauseRole,
    pub signal: String,
    /// `subject`, `peers`, `observer` or `any`.
    pub on: String,
    /// The same, in words (`on any host`).
    #[serde(skip)]
    pub on_words: &'static str,
    pub window: WindowReport,
    /// Per-event filters, as written.
    pub filters: Vec<String>,
    /// Events selected, counting the identical lines each stands for.
    pub matched: u32,
    /// The conditions over them; empty means "at least one".
    pub conditions: Vec<ConditionReport>,
    pub held: bool,
    /// Confidence added when a support clause holds.
    pub boost: f64,
    /// The first events it selected.
    pub events: Vec<SeenEvent>,
}

/// A condition with the figures it compared.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ConditionReport {
    pub condition: String,
    /// What the selected events added up to; `null` when none had the field.
    pub value: Option<f64>,
    /// What it was compared with, the incident's timeout or interval applied.
    pub threshold: Option<f64>,
    pub held: bool,
}

/// An event a clause selected.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SeenEvent {
    pub time: String,
    pub host: String,
    pub file: String,
    pub line: u64,
    pub text: String,
}

impl super::IncidentReport {
    /// Every cause that no rule held for, with what ruled it out, in cause
    /// order.
    pub fn ruled_out(&self) -> Vec<LosingCause<'_>> {
        let held: Vec<&str> = self.root_causes.iter().map(|c| c.cause.as_str()).collect();
        let mut causes: BTreeMap<&str, LosingCause<'_>> = BTreeMap::new();
        for rule in &self.considered {
            if held.contains(&rule.cause.as_str()) || rule.outcome == Outcome::NotNeeded {
                continue;
            }
            let cause = causes.entry(rule.cause.as_str()).or_insert(LosingCause {
                nearest: rule,
                blocked: None,
            });
            if nearness(rule) > nearness(cause.nearest) {
                cause.nearest = rule;
            }
            if rule.outcome == Outcome::NotEvaluated && cause.blocked.is_none() {
                cause.blocked = Some(rule);
            }
        }
        causes.into_values().collect()
    }
}

/// A cause no rule held for.
pub struct LosingCause<'a> {
    /// The rule of that cause that came nearest to holding.
    pub nearest: &'a ConsideredReport,
    /// A rule of that cause that could not run for lack of input: the cause
    /// is then not ruled out for good.
    pub blocked: Option<&'a ConsideredReport>,
}

impl LosingCause<'_> {
    /// The cause's name.
    pub fn cause(&self) -> &str {
        &self.nearest.cause
    }

    /// Why the cause lost, in one sentence: the nearest rule's reason, and
    /// which rule could not run when that is another one.
    pub fn reason(&self) -> String {
        match self.blocked {
            Some(blocked) if blocked.rule != self.nearest.rule => format!(
                "{}; {} was {}",
                self.nearest.reason, blocked.rule, blocked.reason
            ),
            _ => self.nearest.reason.clone(),
        }
    }
}

/// How near a rule came to holding: ruled out by what it saw, then by the
/// most clauses that held, then not evaluated.
fn nearness(rule: &ConsideredReport) -> (u8, usize) {
    let held = rule.clauses.iter().filter(|c| c.held).count();
    match rule.outcome {
        Outcome::Excluded => (3, held),
        Outcome::NotMet => (2, held),
        Outcome::NotEvaluated => (1, 0),
        Outcome::Held | Outcome::NotNeeded => (0, 0),
    }
}

impl Context<'_> {
    pub(super) fn considered(
        &self,
        considered: &Consideration,
        verdict: &Verdict,
        incident: &Incident,
    ) -> ConsideredReport {
        let blocked = verdict
            .not_evaluated
            .iter()
            .find(|n| n.rule == considered.rule);
        ConsideredReport {
            rule: considered.rule.clone(),
            cause: considered.cause.to_string(),
            fallback: considered.fallback,
            outcome: considered.outcome,
            base_confidence: considered.base_confidence,
            confidence: considered.confidence,
            reason: self.reason(considered, verdict, incident),
            missing: blocked.map(|n| n.missing.clone()).unwrap_or_default(),
            uncovered: blocked.map(|n| n.uncovered.clone()).unwrap_or_default(),
            clauses: considered.clauses.iter().map(|c| self.clause(c)).collect(),
        }
    }

    fn clause(&self, clause: &ClauseCheck) -> ClauseReport {
        ClauseReport {
            role: clause.role,
            signal: clause.signal.clone(),
            on: clause.on.name().to_string(),
            on_words: clause.on.in_words(),
            window: self.window(clause.window),
            filters: clause.filters.clone(),
            matched: clause.matched,
            conditions: clause
                .conditions
                .iter()
                .map(|c| ConditionReport {
                    condition: c.condition.clone(),
                    value: c.measured.value.map(round),
                    threshold: c.measured.threshold.map(round),
                    held: c.measured.held,
                })
                .collect(),
            held: clause.held,
            boost: clause.boost,
            events: clause
                .events
                .iter()
                .take(EVENTS_PER_CLAUSE)
                .map(|&i| self.seen(i, clause.window))
                .collect(),
        }
    }

    /// An event the clause selected in `window`, cited as evidence is.
    fn seen(&self, index: usize, window: crate::incidents::Window) -> SeenEvent {
        let evidence = self.evidence_in(index, window);
        SeenEvent {
            time: evidence.time,
            host: evidence.host,
            file: evidence.file,
            line: evidence.line,
            text: evidence.text,
        }
    }

    fn reason(&self, considered: &Consideration, verdict: &Verdict, incident: &Incident) -> String {
        let best = verdict.findings.first();
        match considered.outcome {
            Outcome::Held => match best {
                Some(best) if best.rule == considered.rule => {
                    format!("held at {}: the verdict", percent(best.confidence))
                }
                Some(best) => format!(
                    "held at {}, below {} at {}",
                    percent(considered.confidence.unwrap_or(0.0)),
                    best.rule,
                    percent(best.confidence)
                ),
                None => "held".into(),
            },
            Outcome::NotMet | Outcome::Excluded => considered
                .deciding_clause()
                .map_or_else(|| "did not hold".into(), |c| self.clause_reason(c)),
            Outcome::NotEvaluated => self.blocked_reason(considered, verdict, incident),
            Outcome::NotNeeded => match best {
                Some(best) => format!("not needed: {} held", best.rule),
                None => "not needed".into(),
            },
        }
    }

    /// What a deciding clause saw, in words: the missing signal, the figure
    /// below its threshold, or the signal that must not be there.
    fn clause_reason(&self, clause: &ClauseCheck) -> String {
        let place = format!("{} in {}", clause.on.in_words(), clause.window.in_words());
        let filtered = match clause.filters.is_empty() {
            true => String::new(),
            false => format!(" with {}", clause.filters.join(" and ")),
        };
        if clause.role == ClauseRole::Absent {
            return format!(
                "ruled out: {}{filtered} was seen {place} ({} event(s)), which this cause does not fit",
                clause.signal, clause.matched
            );
        }
        let failing = clause.conditions.iter().find(|c| !c.measured.held);
        match failing {
            _ if clause.matched == 0 => format!("no {}{filtered} {place}", clause.signal),
            Some(condition) => format!(
                "{} {place}: {} is {} ({} event(s))",
                clause.signal,
                condition.condition,
                comparison(condition),
                clause.matched
            ),
            None => format!("no {}{filtered} {place}", clause.signal),
        }
    }

    fn blocked_reason(
        &self,
        considered: &Consideration,
        verdict: &Verdict,
        incident: &Incident,
    ) -> String {
        let Some(blocked) = verdict
            .not_evaluated
            .iter()
            .find(|n| n.rule == considered.rule)
        else {
            return "not evaluated".into();
        };
        let host = blocked
            .host
            .or(incident.subject)
            .map_or_else(|| "the failing host".into(), |h| self.host_name(h));
        let labels = |kinds: &[SourceKind]| {
            kinds
                .iter()
                .map(|k| k.label())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (blocked.missing.is_empty(), blocked.uncovered.is_empty()) {
            (false, _) => format!("not evaluated: no {} of {host}", labels(&blocked.missing)),
            (true, false) => format!(
                "not evaluated: the {} of {host} does not cover the window",
                labels(&blocked.uncovered)
            ),
            (true, true) => "not evaluated".into(),
        }
    }
}

fn comparison(condition: &ConditionCheck) -> String {
    let measured = condition.measured;
    figures(&condition.condition, measured.value, measured.threshold)
}

/// `1.2 s against 24 s`: a condition's figure and its threshold, in seconds
/// when the condition is about milliseconds.
pub fn figures(condition: &str, value: Option<f64>, threshold: Option<f64>) -> String {
    let in_seconds = condition.contains("_ms");
    let show = |v: f64| match in_seconds {
        true => seconds(v),
        false => number(v),
    };
    match (value, threshold) {
        (Some(value), Some(threshold)) => format!("{} against {}", show(value), show(threshold)),
        (Some(value), None) => show(value),
        (None, _) => "without a value (no event has the field)".into(),
    }
}

/// Milliseconds as seconds, with the precision a reader needs.
pub fn seconds(ms: f64) -> String {
    // Adding zero turns the -0 of an empty sum into 0.
    let s = ms / 1000.0 + 0.0;
    let digits = if s.abs() >= 100.0 {
        0
    } else if s.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{} s", trim_zeros(&format!("{s:.digits$}")))
}

/// A figure without needless decimals.
pub fn number(v: f64) -> String {
    trim_zeros(&format!("{:.2}", v + 0.0))
}

fn trim_zeros(text: &str) -> String {
    match text.contains('.') {
        true => text.trim_end_matches('0').trim_end_matches('.').to_string(),
        false => text.to_string(),
    }
}

fn round(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// A confidence as a person reads it: `95%`.
pub fn percent(confidence: f64) -> String {
    format!("{:.0}%", confidence * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_a_person_writes_them() {
        assert_eq!(seconds(45_000.0), "45 s");
        assert_eq!(seconds(1_234.0), "1.23 s");
        assert_eq!(seconds(24_000.0), "24 s");
        assert_eq!(seconds(123_456.0), "123 s");
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.755), "0.76");
        assert_eq!(seconds(-0.0), "0 s");
        assert_eq!(
            figures(
                "sum(duration_ms) >= 0.75 * timeout_ms",
                Some(3890.0),
                Some(24000.0)
            ),
            "3.89 s against 24 s"
        );
        assert_eq!(figures("count >= 2", Some(5.0), Some(2.0)), "5 against 2");
    }
}
