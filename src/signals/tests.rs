use super::*;
use crate::definitions::{DefinitionFile, builtin};
use crate::model::{Event, EventKind, GcPause, LogRecord, LogTime};

fn log_event(code: Option<&str>, message: &str, detail: &[&str]) -> Event {
    Event {
        line: 1,
        time: LogTime::Uptime(0.0),
        level: Some(Level::Error),
        text: message.to_string(),
        host: None,
        kind: EventKind::Log(Box::new(LogRecord {
            code: code.map(str::to_string),
            message: message.to_string(),
            detail: detail
                .iter()
                .zip(2..)
                .map(|(d, line)| crate::model::DetailLine {
                    line,
                    text: d.to_string(),
                })
                .collect(),
            ..LogRecord::default()
        })),
    }
}

fn names(catalog: &SignalCatalog, event: &Event) -> Vec<String> {
    let mut scratch = Scratch::default();
    let mut names: Vec<String> = catalog
        .classify(SourceKind::NodeLog, event, &mut scratch)
        .iter()
        .map(|s| catalog.def(s.id).name.clone())
        .collect();
    names.sort();
    names
}

fn builtin_catalog() -> SignalCatalog {
    SignalCatalog::build(&builtin()).expect("built-in signals compile")
}

#[test]
fn exception_in_stack_trace_raises_db_and_sql_signals() {
    let catalog = builtin_catalog();
    let event = log_event(
        Some("DOM_10162"),
        "An exception occurred while updating the master election row.",
        &["Caused by: java.sql.SQLRecoverableException: ORA-01034: ORACLE not available"],
    );
    assert_eq!(
        names(&catalog, &event),
        ["db_heartbeat_failed", "db_unavailable_error", "sql_error"]
    );
}

#[test]
fn keywords_need_every_group() {
    let catalog = builtin_catalog();
    let master_only = log_event(None, "The master gateway node is healthy.", &[]);
    assert!(names(&catalog, &master_only).is_empty());
}

#[test]
fn structured_events_carry_their_figures() {
    let catalog = builtin_catalog();
    let event = Event {
        kind: EventKind::GcPause(Box::new(GcPause {
            duration_ms: 41000.0,
            cause: Some("Allocation Failure".into()),
            ..GcPause::default()
        })),
        ..log_event(None, "", &[])
    };
    let mut scratch = Scratch::default();
    let signals = catalog.classify(SourceKind::GcLog, &event, &mut scratch);
    assert_eq!(signals.len(), 1);
    assert_eq!(catalog.def(signals[0].id).name, "gc_pause");
    assert_eq!(
        signals[0].field(&event, "duration_ms"),
        Some(FieldValue::Number(41000.0))
    );
    assert!(
        signals[0].fields.is_empty(),
        "the event's figures are not copied into the signal"
    );
}

#[test]
fn user_file_replaces_a_builtin_signal_by_id() {
    let mut files = builtin();
    files.push(DefinitionFile {
        name: "site/signals.toml".into(),
        text: r#"
[[signal]]
id = "heartbeat_send_failed"
description = "site-specific code"
  [[signal.match]]
  codes = ["DOM_99999"]
"#
        .into(),
    });
    let catalog = SignalCatalog::build(&files).unwrap();
    let old = log_event(Some("DOM_10025"), "whatever", &[]);
    let new = log_event(Some("DOM_99999"), "whatever", &[]);
    assert!(names(&catalog, &old).is_empty());
    assert_eq!(names(&catalog, &new), ["heartbeat_send_failed"]);
}

#[test]
fn every_error_is_reported_with_its_line() {
    let file = DefinitionFile {
        name: "bad.toml".into(),
        text: r#"[[signal]]
id = "x"
description = "d"
sources = ["nodelog"]
  [[signal.match]]
  patterns = ['(unclosed']
  [[signal.match]]
  when = ["count >= 2"]
  [[signal.match]]
"#
        .into(),
    };
    let errors = SignalCatalog::build(&[file]).err().unwrap();
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [4, 6, 2, 8, 2], "{errors:?}");
    assert!(errors[0].message.contains("unknown source kind `nodelog`"));
    assert!(errors[2].message.contains("would read every line in full"));
    assert!(errors[3].message.contains("belong in rules"));
}

#[test]
fn a_later_file_extends_a_signal_with_blocks_tried_first() {
    let mut files = builtin();
    files.push(DefinitionFile {
        name: "site/signals/databases.toml".into(),
        text: r#"
[[signal]]
id = "db_unavailable_error"
extend = true
  [[signal.match]]
  patterns = ['ORA-01034']
  fields = { vendor = "oracle", vendor_code = "01034", db_kind = "site_kind" }
"#
        .into(),
    });
    let catalog = SignalCatalog::build(&files).expect("extension compiles");
    let event = log_event(
        None,
        "java.sql.SQLException: ORA-01034: ORACLE not available",
        &[],
    );
    let signals = catalog.classify(SourceKind::NodeLog, &event, &mut Scratch::default());
    let db = catalog.id("db_unavailable_error").unwrap();
    let fired = signals.iter().find(|s| s.id == db).expect("fires");
    assert_eq!(
        fired.fields.get("db_kind").unwrap().to_string(),
        "site_kind"
    );
    let other = log_event(
        None,
        "java.sql.SQLException: ORA-28000: the account is locked",
        &[],
    );
    let signals = catalog.classify(SourceKind::NodeLog, &other, &mut Scratch::default());
    let fired = signals
        .iter()
        .find(|s| s.id == db)
        .expect("the built-in blocks stay");
    assert_eq!(
        fired.fields.get("db_kind").unwrap().to_string(),
        "login_refused"
    );

    let orphan = DefinitionFile {
        name: "site/signals/x.toml".into(),
        text: "[[signal]]\nid = \"no_such_signal\"\nextend = true\n  [[signal.match]]\n  patterns = ['x']\n".into(),
    };
    let errors = SignalCatalog::build(&[orphan]).err().expect("an error");
    assert!(
        errors[0]
            .message
            .contains("no earlier file defines signal `no_such_signal`"),
        "{errors:?}"
    );
}

#[test]
fn threads_are_for_text_records_only() {
    let file = DefinitionFile {
        name: "site/signals/bad.toml".into(),
        text: "[[signal]]\nid = \"long_gc\"\ndescription = \"d\"\n  [[signal.match]]\n  event = \"gc_pause\"\n  threads = [\"main\"]\n".into(),
    };
    let errors = SignalCatalog::build(&[file]).err().expect("an error");
    assert!(
        errors[0].message.contains("cannot test `threads`"),
        "{errors:?}"
    );
    let catalog = builtin_catalog();
    let on = |thread: &str| {
        let mut event = log_event(None, "java.sql.SQLException: ORA-09999: unknown", &[]);
        if let EventKind::Log(record) = &mut event.kind {
            record.thread = Some(thread.to_string());
        }
        names(&catalog, &event)
    };
    assert_eq!(
        on("Master Elect Data Writer"),
        ["db_heartbeat_failed", "sql_error"]
    );
    assert_eq!(on("Domain Monitor"), ["sql_error"]);
}

#[test]
fn every_builtin_pattern_has_a_literal_prefilter() {
    let catalog = builtin_catalog();
    assert!(
        catalog.prefilter.is_some(),
        "a built-in pattern has no required literal, so every record would run the RegexSet"
    );
}

#[test]
fn prefilter_literals_come_from_prefixes_or_suffixes() {
    assert_eq!(
        super::prefilter::required_literals(r"\w*SQL\w*Exception"),
        Some(vec!["exception".to_string()])
    );
    assert_eq!(super::prefilter::required_literals(r"\d+|x"), None);
}

#[test]
fn prefilter_skips_a_term_below_the_level_its_matchers_need() {
    let catalog = builtin_catalog();
    // `heartbeat` alone is wanted only at WARN or above (FlinkServer's
    // heartbeat-to-peer matcher); INFO noise that says it is not built.
    let noise = "Sent heartbeat to the master gateway node.";
    let texts = || std::iter::once(noise);
    assert!(!catalog.may_match_record(Some("DOM_10120"), texts(), Some(Level::Info)));
    assert!(catalog.may_match_record(Some("DOM_10120"), texts(), Some(Level::Warn)));
    // A longer ungated term still admits at any level.
    let resumed = std::iter::once("The heartbeat resumed after 12 s.");
    assert!(catalog.may_match_record(None, resumed, Some(Level::Info)));
    // Codes count whatever their case.
    assert!(catalog.may_match_record(Some("dom_10025"), texts(), Some(Level::Info)));
}

#[test]
fn prefilter_agrees_with_classification_on_every_sample() {
    let catalog = builtin_catalog();
    for level in [Level::Debug, Level::Info, Level::Warn, Level::Error] {
        for (_, def) in catalog.defs() {
            for sample in &def.samples {
                let mut event = log_event(None, &sample.line, &[]);
                event.level = Some(level);
                let fires = !catalog
                    .classify_admitted(SourceKind::NodeLog, &event, &mut Scratch::default())
                    .is_empty();
                assert!(
                    !fires || catalog.may_match(&event),
                    "prefilter skips a record that raises a signal at {level:?}: {}",
                    sample.line
                );
            }
        }
    }
}

#[test]
fn prefilter_takes_each_matchers_most_selective_keyword_group() {
    let groups = vec![
        vec!["master gateway", "master node"],
        vec!["configuration database", "master election row"],
        vec!["shut down", "terminat"],
    ];
    assert_eq!(
        prefilter::most_selective(&groups),
        Some(&vec!["configuration database", "master election row"])
    );
}

#[test]
fn a_longer_term_stays_when_the_shorter_one_is_gated_higher() {
    let terms = vec![
        ("heartbeat".to_string(), Some(Level::Warn)),
        ("heartbeat resumed".to_string(), None),
        ("heartbeat lost".to_string(), Some(Level::Error)),
    ];
    assert_eq!(
        prefilter::without_redundant(terms),
        vec![
            ("heartbeat".to_string(), Some(Level::Warn)),
            ("heartbeat resumed".to_string(), None),
        ]
    );
}

/// Reads every text record of the fixtures, and checks that the prefilter
/// admits each one the full classification gives a signal: the prefilter may
/// only ever skip records no matcher wants.
#[test]
fn prefilter_admits_every_fixture_record_that_raises_a_signal() {
    use crate::discover::{detect, open};
    use crate::parse::{self, RecordPeek, Sink};
    use crate::read::{Line, LineReader};

    struct Check<'a> {
        catalog: &'a SignalCatalog,
        kind: SourceKind,
        admitted: bool,
        checked: usize,
        file: String,
    }
    impl Sink for Check<'_> {
        fn wants(&mut self, record: &RecordPeek<'_>) -> parse::Interest {
            self.admitted =
                self.catalog
                    .may_match_record(record.code, record.searchable(), record.level);
            parse::Interest::Wanted
        }
        fn event(&mut self, event: Event) {
            let signals =
                self.catalog
                    .classify_admitted(self.kind, &event, &mut Scratch::default());
            assert!(
                signals.is_empty() || self.admitted,
                "{}:{} raises {:?} but the prefilter skips it",
                self.file,
                event.line,
                signals
                    .iter()
                    .map(|s| &self.catalog.def(s.id).name)
                    .collect::<Vec<_>>()
            );
            self.checked += usize::from(!signals.is_empty());
        }
        fn unparsed(&mut self, _line: &Line<'_>) {}
        fn warning(&mut self, _line: u64, _message: String) {}
    }

    let catalog = builtin_catalog();
    let mut folders = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
    let mut checked = 0;
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let Some(kind) = detect::kind_from_name(&name) else {
                continue;
            };
            if parse::record_start(kind).is_none() {
                continue;
            }
            let Ok(opened) = open::open_text(&path) else {
                continue;
            };
            let mut parser = parse::parser_for(kind).unwrap();
            let mut check = Check {
                catalog: &catalog,
                kind,
                admitted: false,
                checked: 0,
                file: path.display().to_string(),
            };
            let mut lines = LineReader::new(opened.reader, crate::read::DEFAULT_MAX_LINE);
            while let Ok(Some(line)) = lines.next_line() {
                parser.line(&line, &mut check);
            }
            parser.finish(&mut check);
            checked += check.checked;
        }
    }
    assert!(
        checked > 50,
        "only {checked} signalling records in the fixtures"
    );
}

#[test]
fn a_repeated_record_is_classified_as_the_first_one_was() {
    let catalog = builtin_catalog();
    let flood = log_event(
        None,
        "Failed to synchronize users.",
        &["Caused by: java.net.SocketTimeoutException: Read timed out"],
    );
    let mut warm = Scratch::default();
    let first = catalog.classify(SourceKind::ExceptionsLog, &flood, &mut warm);
    let again = catalog.classify(SourceKind::ExceptionsLog, &flood, &mut warm);
    assert!(!first.is_empty());
    assert_eq!(first, again);
    assert_eq!(warm.proving_detail(), Some(0), "the proof is recalled too");

    let quiet = log_event(None, "Failed to synchronize users.", &[]);
    let reworded = catalog.classify(SourceKind::ExceptionsLog, &quiet, &mut warm);
    let fresh = catalog.classify(SourceKind::ExceptionsLog, &quiet, &mut Scratch::default());
    assert_eq!(reworded, fresh, "a record that differs is classified anew");
    assert_eq!(warm.proving_detail(), None);
}
