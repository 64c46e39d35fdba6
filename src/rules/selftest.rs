//! `hbdiag rules test`: every signal's sample lines and every rule's test
//! incidents, run through the same code as a real analysis.

use super::eval::{EvalContext, apply};
use super::spec::{Expectation, RuleTest};
use super::{HostScope, Rule, RuleBook};
use crate::incidents::{GRACE, Incident, IncidentKind, Severity, Window, millis};
use crate::model::{Event, EventKind, LogTime, SourceId, SourceKind};
use crate::parse::{self, Sink};
use crate::read::Line;
use crate::scan::Repeats;
use crate::signals::{Scratch, Signal, SignalCatalog, SignalDef, SignalId};
use crate::timeline::{Entry, HostClock, HostId, OffsetSource, Timeline, Zone};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// The outcome of a self-test run.
#[derive(Debug, Default)]
pub struct SelfTestReport {
    pub passed: usize,
    /// One message per failed sample or test, naming its file.
    pub failures: Vec<String>,
}

/// Runs all samples and rule tests.
pub fn run(catalog: &SignalCatalog, book: &RuleBook) -> SelfTestReport {
    let mut report = SelfTestReport::default();
    for (id, def) in catalog.defs() {
        for sample in &def.samples {
            record(&mut report, check_sample(catalog, id, def, sample));
        }
    }
    for rule in book.rules() {
        for test in &rule.tests {
            record(&mut report, check_rule_test(catalog, rule, test));
        }
    }
    report
}

fn record(report: &mut SelfTestReport, outcome: Result<(), String>) {
    match outcome {
        Ok(()) => report.passed += 1,
        Err(message) => report.failures.push(message),
    }
}

#[derive(Default)]
struct FirstEvent(Option<Event>);

impl Sink for FirstEvent {
    fn event(&mut self, event: Event) {
        self.0.get_or_insert(event);
    }
    fn unparsed(&mut self, _: &Line<'_>) {}
    fn warning(&mut self, _: u64, _: String) {}
}

fn check_sample(
    catalog: &SignalCatalog,
    id: SignalId,
    def: &SignalDef,
    sample: &crate::signals::SampleSpec,
) -> Result<(), String> {
    let kind = sample
        .kind
        .or_else(|| def.sources.first().copied())
        .unwrap_or(SourceKind::NodeLog);
    let (file, line) = sample
        .origin
        .as_ref()
        .map_or((def.file.as_str(), def.line), |(f, l)| (f.as_str(), *l));
    let fail = |why: String| {
        Err(format!(
            "{file}:{line}: signal `{}` sample {:?}: {why}",
            def.name, sample.line
        ))
    };
    let Some(mut parser) = parse::parser_for(kind) else {
        return fail(format!("no parser for {kind}"));
    };
    let mut sink = FirstEvent::default();
    for (i, text) in sample.line.lines().enumerate() {
        parser.line(
            &Line {
                number: i as u64 + 1,
                text,
            },
            &mut sink,
        );
    }
    parser.finish(&mut sink);
    let Some(event) = sink.0 else {
        return fail(format!("the {kind} parser found no record in it"));
    };
    let text_record = matches!(event.kind, EventKind::Log(_));
    if text_record && sample.matches && !catalog.may_match(&event) {
        return fail(
            "the literal prefilter would skip this line; the signal could never fire".into(),
        );
    }
    let signals = catalog.classify(kind, &event, &mut Scratch::default());
    let fired = signals.iter().find(|s| s.id == id);
    match (fired, sample.matches) {
        (None, true) => fail("expected the signal, it did not fire".into()),
        (Some(_), false) => fail("expected no signal, it fired".into()),
        (None, false) => Ok(()),
        (Some(signal), true) => {
            for (name, want) in sample.fields.iter() {
                let got = signal.field(&event, name);
                let same = got
                    .as_ref()
                    .is_some_and(|g| g.to_string() == want.to_string());
                if !same {
                    return fail(format!("field {name}: expected {want}, got {got:?}"));
                }
            }
            Ok(())
        }
    }
}

/// Interval and timeout of a synthetic incident of each kind (the design defaults).
fn test_timing(kind: IncidentKind) -> (f64, f64) {
    match kind {
        IncidentKind::MasterDbTimeout => (8_000.0, 32_000.0),
        IncidentKind::NodeMarkedDead => (15_000.0, 90_000.0),
        IncidentKind::HeartbeatSendFailure => (15_000.0, 30_000.0),
        IncidentKind::TransientGlitch => (15_000.0, 15_000.0),
        IncidentKind::FlinkHaHeartbeat => (
            crate::incidents::FLINK_INTERVAL_MS,
            crate::incidents::FLINK_TIMEOUT_MS,
        ),
    }
}

/// The synthetic incident's hosts: its subject, and the peer that noticed.
const SUBJECT: HostId = HostId(0);
const PEER: HostId = HostId(1);

fn check_rule_test(catalog: &SignalCatalog, rule: &Rule, test: &RuleTest) -> Result<(), String> {
    let anchor = DateTime::<Utc>::from_timestamp(1_767_225_600, 0).expect("fixed time");
    let timeline = synthetic_timeline(catalog, test, anchor);
    let incident = synthetic_incident(test.incident, anchor);
    let present: BTreeSet<SourceKind> = test
        .inputs
        .clone()
        .unwrap_or_else(|| rule.requires.clone())
        .into_iter()
        .collect();
    let inputs = BTreeMap::from([(SUBJECT, present.clone())]);
    let ctx = EvalContext::new(&timeline, &inputs);
    let got = if rule.requires.iter().any(|k| !present.contains(k)) {
        Expectation::NotEvaluated
    } else if apply(rule, &incident, &ctx).1.is_some() {
        Expectation::Match
    } else {
        Expectation::NoMatch
    };
    if got == test.expect {
        Ok(())
    } else {
        Err(format!(
            "{}: rule `{}` test {:?}: expected {:?}, got {got:?}",
            rule.file, rule.id, test.name, test.expect
        ))
    }
}

/// A two-host timeline holding the test's signals around `anchor`.
fn synthetic_timeline(catalog: &SignalCatalog, test: &RuleTest, anchor: DateTime<Utc>) -> Timeline {
    let mut entries: Vec<Entry> = test
        .signals
        .iter()
        .map(|s| Entry {
            time: anchor + millis(s.at_ms),
            host: if s.on == HostScope::Subject {
                SUBJECT
            } else {
                PEER
            },
            source: SourceId(0),
            event: synthetic_event(&s.signal),
            signals: vec![Signal {
                id: catalog
                    .id(&s.signal)
                    .expect("checked when the rule was compiled"),
                fields: s.fields.clone(),
            }],
            repeats: Repeats::default(),
            also_at: Box::default(),
        })
        .collect();
    entries.sort_by_key(|e| e.time);
    Timeline {
        hosts: ["subject", "peer"]
            .iter()
            .map(|name| HostClock {
                name: name.to_string(),
                zone: Zone::utc(),
                offset_source: OffsetSource::Assumed,
            })
            .collect(),
        entries,
        coverage: Vec::new(),
        warnings: Vec::new(),
    }
}

/// An incident of `kind` anchored at `anchor`, with the design's timing.
pub(super) fn synthetic_incident(kind: IncidentKind, anchor: DateTime<Utc>) -> Incident {
    let (interval_ms, timeout_ms) = test_timing(kind);
    Incident {
        kind,
        subject: Some(SUBJECT),
        node: None,
        observer: Some(PEER),
        affected: Vec::new(),
        anchor,
        anchor_entry: 0,
        interval_ms,
        timeout_ms,
        window: Window {
            start: anchor - millis(timeout_ms + interval_ms),
            end: anchor + GRACE,
        },
        severity: Severity::High,
        summary: String::new(),
        cascade: Vec::new(),
        found_by: Vec::new(),
    }
}

fn synthetic_event(signal: &str) -> Event {
    Event {
        line: 1,
        time: LogTime::Uptime(0.0),
        level: None,
        text: format!("test signal {signal}"),
        host: None,
        kind: EventKind::Log(Box::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definitions::{DefinitionFile, builtin};

    fn books(extra: Vec<DefinitionFile>) -> (SignalCatalog, RuleBook) {
        let mut files = builtin();
        files.extend(extra);
        let catalog = SignalCatalog::build(&files).expect("signals compile");
        let book = RuleBook::build(&files, &catalog).expect("rules compile");
        (catalog, book)
    }

    #[test]
    fn builtin_definitions_pass_their_own_tests() {
        let (catalog, book) = books(Vec::new());
        let report = run(&catalog, &book);
        assert!(report.failures.is_empty(), "{:#?}", report.failures);
        assert!(report.passed > 30, "only {} checks ran", report.passed);
    }

    #[test]
    fn a_wrong_expectation_is_reported_with_its_file() {
        let rule = DefinitionFile {
            name: "site/rules/wrong.toml".into(),
            text: r#"
[rule]
id = "site.wrong"
cause = "network"
title = "t"
incidents = ["node_marked_dead"]
confidence = 0.5
explanation = "e"
procedure = []
  [[rule.require]]
  signal = "network_error"
[[test]]
name = "expects a match it cannot get"
incident = "node_marked_dead"
expect = "match"
"#
            .into(),
        };
        let (catalog, book) = books(vec![rule]);
        let report = run(&catalog, &book);
        assert_eq!(report.failures.len(), 1);
        assert!(
            report.failures[0].starts_with("site/rules/wrong.toml: rule `site.wrong`"),
            "{}",
            report.failures[0]
        );
    }
}
