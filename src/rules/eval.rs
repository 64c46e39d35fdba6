//! Evaluating compiled rules against one incident: select the signals each
//! clause asks for, test its conditions, and turn a rule that holds into a
//! finding that points at its evidence.

use super::template::{TemplateValues, render};
use super::{Cause, Clause, HostScope, Rule, RuleBook, WindowSpec};
use crate::incidents::{GRACE, Incident, Window, millis};
use crate::model::SourceKind;
use crate::scan::Repeats;
use crate::signals::Fields;
use crate::signals::condition::ParameterValues;
use crate::timeline::{HostId, Timeline};
use chrono::Duration;
use std::collections::{BTreeMap, BTreeSet};

/// Evidence lines kept per clause.
const EVIDENCE_PER_CLAUSE: usize = 6;
/// Confidence never reaches certainty.
const MAX_CONFIDENCE: f64 = 0.99;

/// What rules may look at besides the incident.
pub struct EvalContext<'a> {
    pub timeline: &'a Timeline,
    /// The kinds of input each host has in the bundle.
    pub inputs: &'a BTreeMap<HostId, BTreeSet<SourceKind>>,
}

/// A rule that held: a candidate root cause with its proof.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: String,
    pub cause: Cause,
    pub title: String,
    pub confidence: f64,
    /// A fallback rule's finding: no other rule held.
    pub fallback: bool,
    pub explanation: String,
    /// Timeline entries that prove it, in time order.
    pub evidence: Vec<usize>,
    pub procedure: Vec<String>,
    /// The window the rule's first clause looked at, for "why".
    pub window: Window,
}

/// A rule that could not be evaluated because the bundle lacks its inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotEvaluated {
    pub rule: String,
    pub cause: Cause,
    /// The host whose inputs are missing; `None` when the incident's subject
    /// has no logs in the bundle at all.
    pub host: Option<HostId>,
    /// Inputs the host does not have at all.
    pub missing: Vec<SourceKind>,
    /// Inputs the host has, none of which reaches into the incident's window.
    pub uncovered: Vec<SourceKind>,
}

/// Every rule's outcome for one incident.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Verdict {
    /// Sorted by confidence, highest first: the first is the verdict.
    pub findings: Vec<Finding>,
    pub not_evaluated: Vec<NotEvaluated>,
}

/// Evaluates every rule that applies to `incident`.
pub fn evaluate(book: &RuleBook, incident: &Incident, ctx: &EvalContext<'_>) -> Verdict {
    let mut verdict = Verdict::default();
    let (fallbacks, regular): (Vec<&Rule>, Vec<&Rule>) =
        book.for_kind(incident.kind).partition(|r| r.fallback);
    for rule in regular {
        if let Some(missing) = missing_inputs(rule, incident, ctx) {
            verdict.not_evaluated.push(missing);
        } else if let Some(finding) = apply(rule, incident, ctx) {
            verdict.findings.push(finding);
        }
    }
    if verdict.findings.is_empty() {
        verdict.findings.extend(
            fallbacks
                .into_iter()
                .filter_map(|rule| apply(rule, incident, ctx)),
        );
    }
    verdict.findings.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then_with(|| a.rule.cmp(&b.rule))
    });
    verdict
}

fn missing_inputs(rule: &Rule, incident: &Incident, ctx: &EvalContext<'_>) -> Option<NotEvaluated> {
    let have = incident.subject.and_then(|h| ctx.inputs.get(&h));
    let (mut missing, mut uncovered) = (Vec::new(), Vec::new());
    for &kind in &rule.requires {
        match incident.subject {
            Some(host) if have.is_some_and(|set| set.contains(&kind)) => {
                let window = incident.window;
                if !ctx
                    .timeline
                    .covers(host, Some(kind), window.start, window.end)
                {
                    uncovered.push(kind);
                }
            }
            _ => missing.push(kind),
        }
    }
    (!missing.is_empty() || !uncovered.is_empty()).then(|| NotEvaluated {
        rule: rule.id.clone(),
        cause: rule.cause.clone(),
        host: incident.subject,
        missing,
        uncovered,
    })
}

/// Evaluates one rule; `Some` when it holds.
pub(super) fn apply(rule: &Rule, incident: &Incident, ctx: &EvalContext<'_>) -> Option<Finding> {
    let params = parameters(incident);
    let mut evidence = Vec::new();
    let mut matched = 0;
    for clause in &rule.require {
        let selected = select(clause, incident, ctx);
        if !holds(clause, &selected, &params) {
            return None;
        }
        matched += selected.iter().map(|s| s.repeats).sum::<u32>() as usize;
        evidence.extend(selected.iter().take(EVIDENCE_PER_CLAUSE).map(|s| s.entry));
    }
    if rule
        .absent
        .iter()
        .any(|clause| holds(clause, &select(clause, incident, ctx), &params))
    {
        return None;
    }
    let mut confidence = rule.confidence;
    for clause in &rule.support {
        let selected = select(clause, incident, ctx);
        if holds(clause, &selected, &params) {
            confidence += clause.boost;
            evidence.extend(selected.iter().take(EVIDENCE_PER_CLAUSE).map(|s| s.entry));
        }
    }
    evidence.sort_unstable();
    evidence.dedup();
    let clause_signals: Vec<_> = rule
        .require
        .iter()
        .chain(&rule.support)
        .map(|c| c.signal)
        .collect();
    let evidence_fields: Vec<&Fields> = evidence
        .iter()
        .filter_map(|&i| {
            let signals = &ctx.timeline.entries[i].signals;
            clause_signals
                .iter()
                .find_map(|id| signals.iter().find(|s| s.id == *id))
                .map(|s| &s.fields)
        })
        .collect();
    let values = template_values(incident, ctx.timeline, matched, evidence_fields);
    Some(Finding {
        rule: rule.id.clone(),
        cause: rule.cause.clone(),
        title: rule.title.clone(),
        confidence: (confidence.min(MAX_CONFIDENCE) * 100.0).round() / 100.0,
        fallback: rule.fallback,
        explanation: render(&rule.explanation, &values).trim_end().to_string(),
        evidence,
        procedure: rule.procedure.iter().map(|p| render(p, &values)).collect(),
        window: rule
            .require
            .first()
            .map_or(incident.window, |c| resolve_window(c.window, incident)),
    })
}

fn parameters(incident: &Incident) -> ParameterValues {
    ParameterValues {
        timeout_ms: incident.timeout_ms,
        interval_ms: incident.interval_ms,
        window_ms: (incident.window.end - incident.window.start).num_milliseconds() as f64,
    }
}

/// A timeline entry a clause selected, with the fields of the clause's
/// signal and how many identical events the entry stands for.
struct Selected<'t> {
    entry: usize,
    fields: &'t Fields,
    repeats: u32,
}

fn holds(clause: &Clause, selected: &[Selected<'_>], params: &ParameterValues) -> bool {
    if clause.having.is_empty() {
        return !selected.is_empty();
    }
    let fields = selected.iter().map(|s| (s.fields, s.repeats));
    clause
        .having
        .iter()
        .all(|c| c.holds_over(fields.clone(), params))
}

/// The window a clause looks at for an incident.
pub(super) fn resolve_window(spec: WindowSpec, incident: &Incident) -> Window {
    match spec {
        WindowSpec::Incident => incident.window,
        WindowSpec::Timeout => Window {
            start: incident.anchor - millis(incident.timeout_ms),
            end: incident.anchor + GRACE,
        },
        WindowSpec::Relative { from_ms, to_ms } => Window {
            start: incident.anchor + millis(from_ms),
            end: incident.anchor + millis(to_ms),
        },
    }
}

fn hosts(scope: HostScope, incident: &Incident, timeline: &Timeline) -> Vec<HostId> {
    match scope {
        HostScope::Subject => incident.subject.into_iter().collect(),
        HostScope::Observer => incident.observer.into_iter().collect(),
        HostScope::Peers => incident.peers(),
        HostScope::Any => (0..timeline.hosts.len() as u16).map(HostId).collect(),
    }
}

/// The incident's other hosts; when it involves none (a lone glitch), the
/// bundle's other hosts, which are the subject's peers all the same.
fn peer_names(incident: &Incident, timeline: &Timeline) -> String {
    let involved: Vec<&str> = incident
        .peers()
        .iter()
        .map(|h| timeline.host(*h).name.as_str())
        .collect();
    let subject = incident.subject.map(|h| timeline.host(h).name.as_str());
    let names: Vec<&str> = if involved.is_empty() {
        timeline
            .hosts
            .iter()
            .map(|h| h.name.as_str())
            .filter(|name| Some(*name) != subject)
            .collect()
    } else {
        involved
    };
    if names.is_empty() {
        "none in this bundle".into()
    } else {
        names.join(", ")
    }
}

/// The entries (with the clause's signal's fields) a clause selects.
fn select<'t>(clause: &Clause, incident: &Incident, ctx: &EvalContext<'t>) -> Vec<Selected<'t>> {
    let window = resolve_window(clause.window, incident);
    let hosts = hosts(clause.on, incident, ctx.timeline);
    let params = parameters(incident);
    let entries = &ctx.timeline.entries;
    let folded_before = Duration::milliseconds(i64::from(Repeats::WINDOW_MS));
    let start = entries.partition_point(|e| e.time < window.start - folded_before);
    let end = entries.partition_point(|e| e.time <= window.end);
    (start..end)
        .filter(|&i| hosts.contains(&entries[i].host))
        .filter_map(|i| {
            let repeats = entries[i]
                .repeats
                .within(entries[i].time, window.start, window.end);
            (repeats > 0).then_some((i, repeats))
        })
        .filter_map(|(i, repeats)| {
            entries[i]
                .signals
                .iter()
                .find(|s| s.id == clause.signal)
                .filter(|s| {
                    clause
                        .filters
                        .iter()
                        .all(|c| c.holds_for(&s.fields, &params))
                })
                .map(|s| Selected {
                    entry: i,
                    fields: &s.fields,
                    repeats,
                })
        })
        .collect()
}

/// "No logs of infawk01 cover 2026-03-12 08:31:00–11:02:00Z." for the
/// incident's hosts whose files all lie outside its window; empty when
/// every host involved has logs of that time.
fn uncovered_sentence(incident: &Incident, timeline: &Timeline) -> String {
    let window = incident.window;
    let blind: Vec<&str> = incident
        .hosts()
        .into_iter()
        .filter(|&h| !timeline.covers(h, None, window.start, window.end))
        .map(|h| timeline.host(h).name.as_str())
        .collect();
    if blind.is_empty() {
        return String::new();
    }
    format!(
        "No logs of {} cover {}, so nothing could be looked for there.",
        blind.join(", "),
        window.in_words()
    )
}

fn template_values<'a>(
    incident: &Incident,
    timeline: &Timeline,
    count: usize,
    evidence: Vec<&'a Fields>,
) -> TemplateValues<'a> {
    let name = |h: Option<HostId>| h.map(|h| timeline.host(h).name.clone());
    TemplateValues {
        subject: name(incident.subject),
        node: incident.node.clone().or_else(|| name(incident.subject)),
        observer: name(incident.observer),
        peers: peer_names(incident, timeline),
        timeout_s: incident.timeout_ms / 1000.0,
        interval_s: incident.interval_ms / 1000.0,
        anchor: incident.anchor.format("%Y-%m-%d %H:%M:%SZ").to_string(),
        uncovered: uncovered_sentence(incident, timeline),
        count,
        evidence,
    }
}
