//! Evaluating compiled rules against one incident: select the signals each
//! clause asks for, test its conditions, and turn a rule that holds into a
//! finding that points at its evidence.

use super::consideration::{ClauseCheck, ClauseRole, ConditionCheck, Consideration, Outcome};
use super::template::{TemplateValues, render};
use super::{Cause, Clause, HostScope, Rule, RuleBook, WindowSpec};
use crate::incidents::{GRACE, Incident, Window, millis};
use crate::model::{Event, SourceKind};
use crate::signals::condition::ParameterValues;
use crate::signals::{Fields, Signal, SignalId};
use crate::timeline::{HostId, Timeline};
use chrono::{DateTime, Duration, Utc};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// Evidence lines kept per clause.
const EVIDENCE_PER_CLAUSE: usize = 6;
/// Confidence never reaches certainty.
const MAX_CONFIDENCE: f64 = 0.99;
/// The field that makes a signal a stop or a silence with a length: its
/// event's time is the start, and it lasts this many milliseconds.
const DURATION: &str = "duration_ms";
/// How long before a window a stop may have begun and still be found
/// reaching into it. Each signal is looked back for by the longest stop it
/// has on the timeline, up to this cap: a GC pause or safepoint of more than
/// 10 minutes is beyond any heartbeat timeout the rules judge, while the log
/// gaps of a quiet node can last hours and would make every clause walk back
/// over hours of entries for nothing.
const MAX_LOOKBACK_MS: f64 = 600_000.0;

/// What rules may look at besides the incident.
pub struct EvalContext<'a> {
    pub timeline: &'a Timeline,
    /// The kinds of input each host has in the bundle.
    pub inputs: &'a BTreeMap<HostId, BTreeSet<SourceKind>>,
    /// Per signal id, how far before a window its entries must be looked
    /// for: its longest `duration_ms` on the timeline (capped), or the
    /// longest span of identical events folded into one, if longer.
    lookback_ms: Vec<f64>,
}

impl<'a> EvalContext<'a> {
    /// The context of `timeline`; one pass over it finds each signal's
    /// longest stop and longest fold.
    pub fn new(
        timeline: &'a Timeline,
        inputs: &'a BTreeMap<HostId, BTreeSet<SourceKind>>,
    ) -> EvalContext<'a> {
        let mut lookback_ms: Vec<f64> = Vec::new();
        for entry in &timeline.entries {
            let folded = f64::from(entry.repeats.span_ms());
            for signal in &entry.signals {
                let stop =
                    duration_of(signal, &entry.event).map_or(0.0, |d| d.min(MAX_LOOKBACK_MS));
                let i = usize::from(signal.id.0);
                if lookback_ms.len() <= i {
                    lookback_ms.resize(i + 1, 0.0);
                }
                lookback_ms[i] = lookback_ms[i].max(stop).max(folded);
            }
        }
        EvalContext {
            timeline,
            inputs,
            lookback_ms,
        }
    }

    /// How far before a window entries of `signal` may have begun and
    /// still reach into it: a stop by its length, a folded flood by its
    /// repeats.
    fn lookback(&self, signal: crate::signals::SignalId) -> Duration {
        let ms = self
            .lookback_ms
            .get(usize::from(signal.0))
            .copied()
            .unwrap_or(0.0);
        Duration::milliseconds(ms.ceil() as i64)
    }
}

/// The length of a stop or silence a signal stands for.
fn duration_of(signal: &Signal, event: &Event) -> Option<f64> {
    signal
        .field(event, DURATION)?
        .as_number()
        .filter(|d| d.is_finite() && *d >= 0.0)
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
    /// Timeline entries that prove it, in time order, each with the
    /// window of the clause that selected it.
    pub evidence: Vec<Citation>,
    pub procedure: Vec<String>,
    /// The window the rule's first clause looked at, for "why".
    pub window: Window,
}

/// A timeline entry a finding cites, and the window of the first clause
/// that selected it: the line shown for a folded flood is the first of its
/// repeats inside that window.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Citation {
    pub entry: usize,
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
    /// Every rule for the incident's kind, in id order, with what each of
    /// its clauses saw.
    pub considered: Vec<Consideration>,
}

/// Evaluates every rule that applies to `incident`.
pub fn evaluate(book: &RuleBook, incident: &Incident, ctx: &EvalContext<'_>) -> Verdict {
    let mut verdict = Verdict::default();
    let (fallbacks, regular): (Vec<&Rule>, Vec<&Rule>) =
        book.for_kind(incident.kind).partition(|r| r.fallback);
    for rule in regular {
        if let Some(missing) = missing_inputs(rule, incident, ctx) {
            verdict.not_evaluated.push(missing);
            verdict
                .considered
                .push(unevaluated(rule, Outcome::NotEvaluated));
            continue;
        }
        let (considered, finding) = apply(rule, incident, ctx);
        verdict.considered.push(considered);
        verdict.findings.extend(finding);
    }
    let needed = verdict.findings.is_empty();
    for rule in fallbacks {
        if !needed {
            verdict
                .considered
                .push(unevaluated(rule, Outcome::NotNeeded));
            continue;
        }
        let (considered, finding) = apply(rule, incident, ctx);
        verdict.considered.push(considered);
        verdict.findings.extend(finding);
    }
    verdict.considered.sort_by(|a, b| a.rule.cmp(&b.rule));
    verdict.findings.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then_with(|| a.rule.cmp(&b.rule))
    });
    verdict
}

/// A rule that was not run, and why.
fn unevaluated(rule: &Rule, outcome: Outcome) -> Consideration {
    Consideration {
        rule: rule.id.clone(),
        cause: rule.cause.clone(),
        fallback: rule.fallback,
        outcome,
        base_confidence: rule.confidence,
        confidence: None,
        clauses: Vec::new(),
    }
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

/// One clause evaluated, with the events it selected.
struct Checked {
    check: ClauseCheck,
    selected: Vec<Selected>,
}

fn check_clause(
    role: ClauseRole,
    clause: &Clause,
    incident: &Incident,
    ctx: &EvalContext<'_>,
    params: &ParameterValues,
) -> Checked {
    let selected = select(clause, incident, ctx);
    let fields = selected.iter().map(|s| (&s.counted, s.repeats));
    let conditions: Vec<ConditionCheck> = clause
        .having
        .iter()
        .map(|c| ConditionCheck {
            condition: c.to_string(),
            measured: c.measure_over(fields.clone(), params),
        })
        .collect();
    let held = match conditions.is_empty() {
        true => !selected.is_empty(),
        false => conditions.iter().all(|c| c.measured.held),
    };
    Checked {
        check: ClauseCheck {
            role,
            signal: clause.signal_name.clone(),
            on: clause.on,
            window: resolve_window(clause.window, incident),
            filters: clause.filters.iter().map(ToString::to_string).collect(),
            matched: selected.iter().map(|s| s.repeats).sum(),
            events: selected
                .iter()
                .take(EVIDENCE_PER_CLAUSE)
                .map(|s| s.entry)
                .collect(),
            conditions,
            held,
            boost: clause.boost,
        },
        selected,
    }
}

/// Evaluates one rule: every clause, whether or not an earlier one held, so
/// "why" can show all of them; the finding when the rule holds.
pub(super) fn apply(
    rule: &Rule,
    incident: &Incident,
    ctx: &EvalContext<'_>,
) -> (Consideration, Option<Finding>) {
    let params = parameters(incident);
    let check = |role: ClauseRole, clauses: &[Clause]| -> Vec<Checked> {
        clauses
            .iter()
            .map(|clause| check_clause(role, clause, incident, ctx, &params))
            .collect()
    };
    let required = check(ClauseRole::Require, &rule.require);
    let absent = check(ClauseRole::Absent, &rule.absent);
    let support = check(ClauseRole::Support, &rule.support);
    let outcome = if !required.iter().all(|c| c.check.held) {
        Outcome::NotMet
    } else if absent.iter().any(|c| c.check.held) {
        Outcome::Excluded
    } else {
        Outcome::Held
    };
    let finding =
        (outcome == Outcome::Held).then(|| finding(rule, incident, ctx, &required, &support));
    let considered = Consideration {
        rule: rule.id.clone(),
        cause: rule.cause.clone(),
        fallback: rule.fallback,
        outcome,
        base_confidence: rule.confidence,
        confidence: finding.as_ref().map(|f| f.confidence),
        clauses: required
            .into_iter()
            .chain(absent)
            .chain(support)
            .map(|c| c.check)
            .collect(),
    };
    (considered, finding)
}

/// The finding of a rule whose required clauses held.
fn finding(
    rule: &Rule,
    incident: &Incident,
    ctx: &EvalContext<'_>,
    required: &[Checked],
    support: &[Checked],
) -> Finding {
    let mut evidence: Vec<Citation> = Vec::new();
    let mut inside = Vec::new();
    let mut matched = 0;
    let mut confidence = rule.confidence;
    for clause in required {
        matched += clause.check.matched as usize;
        inside.extend(clause.selected.iter().filter_map(|s| s.inside));
        evidence.extend(citations(&clause.check));
    }
    for clause in support.iter().filter(|c| c.check.held) {
        confidence += clause.check.boost;
        evidence.extend(citations(&clause.check));
    }
    // Stable: an entry two clauses selected keeps the first clause's window.
    evidence.sort_by_key(|c| c.entry);
    evidence.dedup_by_key(|c| c.entry);
    let clause_signals: Vec<_> = rule
        .require
        .iter()
        .chain(&rule.support)
        .map(|c| c.signal)
        .collect();
    // Per evidence line, the fields of every clause signal it raised (the
    // earlier clause's value first): a failed heartbeat update that also
    // raised the SQL error gives the SQL error's code.
    let evidence_fields: Vec<Cow<'_, Fields>> = evidence
        .iter()
        .filter_map(|cited| {
            let entry = &ctx.timeline.entries[cited.entry];
            let mut ids: Vec<SignalId> = Vec::new();
            for id in &clause_signals {
                if !ids.contains(id) && entry.signals.iter().any(|s| s.id == *id) {
                    ids.push(*id);
                }
            }
            let mut found = ids
                .iter()
                .filter_map(|id| entry.signals.iter().find(|s| s.id == *id))
                .map(|s| s.all_fields(&entry.event));
            let mut fields = found.next()?;
            for more in found {
                for (name, value) in more.iter() {
                    if fields.get(name).is_none() {
                        fields.insert(name.to_string(), value.clone());
                    }
                }
            }
            Some(Cow::Owned(fields))
        })
        .collect();
    let window = rule
        .require
        .first()
        .map_or(incident.window, |c| resolve_window(c.window, incident));
    let mut values = template_values(incident, ctx.timeline, matched, evidence_fields);
    values.overlap_ms = (!inside.is_empty()).then(|| union_ms(inside));
    let times = || evidence.iter().map(|c| ctx.timeline.entries[c.entry].time);
    values.evidence_span_ms = times()
        .min()
        .zip(times().max())
        .map(|(from, to)| (to - from).num_milliseconds() as f64)
        .filter(|ms| *ms > 0.0);
    values.window_s = (window.end - window.start).num_milliseconds() as f64 / 1000.0;
    Finding {
        rule: rule.id.clone(),
        cause: rule.cause.clone(),
        title: rule.title.clone(),
        confidence: (confidence.min(MAX_CONFIDENCE) * 100.0).round() / 100.0,
        fallback: rule.fallback,
        explanation: render(&rule.explanation, &values).trim_end().to_string(),
        evidence,
        procedure: rule.procedure.iter().map(|p| render(p, &values)).collect(),
        window,
    }
}

/// The events a clause selected, as cited with its window.
fn citations(check: &ClauseCheck) -> impl Iterator<Item = Citation> + '_ {
    let window = check.window;
    check
        .events
        .iter()
        .map(move |&entry| Citation { entry, window })
}

/// How long the spans cover together, in ms: overlapping stops (a GC pause
/// and its safepoint, the silences of two streams) count once.
fn union_ms(mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)>) -> f64 {
    spans.sort_unstable();
    let mut total = Duration::zero();
    let mut current: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for (start, end) in spans {
        current = match current {
            Some((s, e)) if start <= e => Some((s, e.max(end))),
            Some((s, e)) => {
                total += e - s;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some((s, e)) = current {
        total += e - s;
    }
    total.num_milliseconds() as f64
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
struct Selected {
    entry: usize,
    /// The fields aggregates see: the signal's own, except that a stop
    /// reaching outside the window has for `duration_ms` only the part of it
    /// inside.
    counted: Fields,
    repeats: u32,
    /// For a stop, the part of `[start, end]` inside the window.
    inside: Option<(DateTime<Utc>, DateTime<Utc>)>,
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
///
/// An event with a `duration_ms` is a stop (GC pause, safepoint, allocation
/// stall) or a silence (log gap) from its time to its time plus that
/// length: it is selected when any part of it lies in the window, also when
/// it began before the window — stops up to the signal's longest on the
/// timeline (at most [`MAX_LOOKBACK_MS`]) before it are looked for. Its
/// per-signal filters (`where`) see its full length ("a pause of 0.5 s or
/// more"); the aggregates (`having`: sum, max, min) see the part inside the
/// window, so a 120 s pause over a 40 s window counts 40 s.
fn select(clause: &Clause, incident: &Incident, ctx: &EvalContext<'_>) -> Vec<Selected> {
    let window = resolve_window(clause.window, incident);
    let hosts = hosts(clause.on, incident, ctx.timeline);
    let params = parameters(incident);
    let entries = &ctx.timeline.entries;
    let before = ctx.lookback(clause.signal);
    let start = entries.partition_point(|e| e.time < window.start - before);
    let end = entries.partition_point(|e| e.time <= window.end);
    (start..end)
        .filter(|&i| hosts.contains(&entries[i].host))
        .filter_map(|i| {
            let entry = &entries[i];
            let signal = entry.signals.iter().find(|s| s.id == clause.signal)?;
            let fields = signal.all_fields(&entry.event);
            let duration = duration_of(signal, &entry.event);
            let (repeats, inside) = match duration {
                Some(duration) => {
                    let stop_end = crate::timeline::span_end(entry.time, duration);
                    let inside = (entry.time.max(window.start), stop_end.min(window.end));
                    if entry.time < window.start && stop_end <= window.start {
                        return None;
                    }
                    let repeats = if entry.time < window.start {
                        1 + entry.repeats.within(entry.time, window.start, window.end)
                    } else {
                        entry.repeats.within(entry.time, window.start, window.end)
                    };
                    (repeats, Some(inside))
                }
                None => (
                    entry.repeats.within(entry.time, window.start, window.end),
                    None,
                ),
            };
            if repeats == 0 || !clause.filters.iter().all(|c| c.holds_for(&fields, &params)) {
                return None;
            }
            let mut counted = fields;
            if let (Some((from, to)), Some(duration)) = (inside, duration) {
                let overlap = (to - from).num_microseconds().unwrap_or(0) as f64 / 1000.0;
                if overlap < duration {
                    counted.insert(DURATION, crate::signals::FieldValue::Number(overlap));
                }
            }
            Some(Selected {
                entry: i,
                counted,
                repeats,
                inside,
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
    evidence: Vec<Cow<'a, Fields>>,
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
        ..TemplateValues::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definitions::builtin;
    use crate::incidents::IncidentKind;
    use crate::model::{Event, EventKind, LogTime, SourceId};
    use crate::signals::{FieldValue, Signal, SignalCatalog};
    use crate::timeline::{Entry, HostClock, OffsetSource, Zone};

    fn anchor() -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_767_225_600, 0).expect("fixed time")
    }

    /// A two-host timeline with, on the subject,  `gc_pause` signals: (seconds from the anchor, duration in ms).
    fn pauses(catalog: &SignalCatalog, pauses: &[(i64, f64)]) -> Timeline {
        let id = catalog.id("gc_pause").expect("built in");
        Timeline {
            hosts: ["subject", "peer"]
                .map(|name| HostClock {
                    name: name.into(),
                    zone: Zone::utc(),
                    offset_source: OffsetSource::Assumed,
                })
                .into(),
            entries: pauses
                .iter()
                .map(|&(at_s, duration_ms)| Entry {
                    time: anchor() + Duration::seconds(at_s),
                    host: HostId(0),
                    source: SourceId(0),
                    event: Event {
                        line: 1,
                        time: LogTime::Uptime(0.0),
                        level: None,
                        text: String::new(),
                        host: None,
                        kind: EventKind::Log(Box::default()),
                    },
                    signals: vec![Signal {
                        id,
                        fields: [("duration_ms", FieldValue::Number(duration_ms))]
                            .into_iter()
                            .collect(),
                    }],
                    repeats: crate::scan::Repeats::default(),
                    also_at: Box::default(),
                })
                .collect(),
            coverage: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The `duration_ms` each selected pause counts for in the rule's aggregates.
    fn counted(rule: &Rule, incident: &Incident, ctx: &EvalContext<'_>) -> Vec<f64> {
        select(&rule.require[0], incident, ctx)
            .iter()
            .map(|s| {
                s.counted
                    .get(DURATION)
                    .and_then(FieldValue::as_number)
                    .expect("a duration")
            })
            .collect()
    }

    #[test]
    fn pauses_count_by_their_part_inside_the_window() {
        let files = builtin();
        let catalog = SignalCatalog::build(&files).expect("signals compile");
        let book = RuleBook::build(&files, &catalog).expect("rules compile");
        let rule = book
            .rules()
            .iter()
            .find(|r| r.id == "gc_pause.long_pause")
            .expect("built in");
        // The master's window: 40 s before the anchor to 5 s after it.
        let incident =
            super::super::selftest::synthetic_incident(IncidentKind::MasterDbTimeout, anchor());
        let inputs = BTreeMap::from([(HostId(0), BTreeSet::from([SourceKind::GcLog]))]);

        // A 120 s full GC from -100 s covers the whole 45 s window.
        let covering = pauses(&catalog, &[(-100, 120_000.0)]);
        let ctx = EvalContext::new(&covering, &inputs);
        assert_eq!(counted(rule, &incident, &ctx), [45_000.0]);
        let finding = apply(rule, &incident, &ctx)
            .1
            .expect("the pause explains the timeout");
        let cited: Vec<usize> = finding.evidence.iter().map(|c| c.entry).collect();
        assert_eq!(cited, [0]);
        assert!(
            finding
                .explanation
                .contains("for 45 s of the 45 s window before 2026-01-01 00:00:00Z, 141 % of the 32 s heartbeat timeout"),
            "{}",
            finding.explanation
        );

        // Two pauses reaching in from before (10 s inside), one inside (6 s)
        // and one that ended before the window: 16 s, below ¾ of 32 s.
        let partial = pauses(
            &catalog,
            &[(-200, 100_000.0), (-50, 20_000.0), (-20, 6_000.0)],
        );
        let ctx = EvalContext::new(&partial, &inputs);
        assert_eq!(counted(rule, &incident, &ctx), [10_000.0, 6_000.0]);
        assert!(apply(rule, &incident, &ctx).1.is_none());

        // The filter sees the full length: a 1.3 s pause of which 0.3 s is
        // inside still is "a pause of 0.5 s or more", counted for 0.3 s.
        let short = pauses(&catalog, &[(-41, 1_300.0)]);
        let ctx = EvalContext::new(&short, &inputs);
        let got = counted(rule, &incident, &ctx);
        assert_eq!(got.len(), 1);
        assert!((got[0] - 300.0).abs() < 1e-6, "{got:?}");
    }

    #[test]
    fn the_look_back_is_the_longest_stop_capped() {
        let files = builtin();
        let catalog = SignalCatalog::build(&files).expect("signals compile");
        let timeline = pauses(&catalog, &[(-100, 120_000.0), (-10, 3_600_000.0)]);
        let inputs = BTreeMap::new();
        let ctx = EvalContext::new(&timeline, &inputs);
        let gc = catalog.id("gc_pause").expect("built in");
        let other = catalog.id("network_error").expect("built in");
        assert_eq!(ctx.lookback(gc), Duration::milliseconds(600_000));
        assert_eq!(ctx.lookback(other), Duration::zero());
    }
}
