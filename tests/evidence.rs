//! Evidence that holds: a record written to two files of a host is one
//! event (counted once, shown once with both places), and each evidence
//! line shows the line inside the record that matched.

mod common;

use common::*;
use serde_json::Value;

/// Line `number` (1-based) of a fixture file.
fn fixture_line(path: &str, number: u64) -> String {
    let text = std::fs::read_to_string(fixture(path)).expect("the fixture file reads");
    text.lines()
        .nth(number as usize - 1)
        .unwrap_or_else(|| panic!("{path} has no line {number}"))
        .to_string()
}

fn places(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|e| format!("{}:{}", e["file"].as_str().unwrap(), e["line"]))
        .collect()
}

#[test]
fn db_outage_counts_each_db_heartbeat_error_once_and_proves_it_with_the_ora_line() {
    let report = analyze_json(&fixture("db-outage"), &[]);
    let incident = incident_of_kind(&report, "master_db_timeout");
    let summary = incident["summary"].as_str().unwrap();
    assert!(
        summary.contains("(5 DB heartbeat error(s) logged before)"),
        "five errors, each in node.log and exceptions.log: {summary}"
    );
    assert_verdict(incident, "db_unavailable", "db_unavailable.vendor_error");
    let explanation = incident["root_causes"][0]["explanation"].as_str().unwrap();
    assert!(
        explanation.contains("logged 5 database error(s)")
            && explanation.contains("(oracle 01034: ORACLE not available)"),
        "{explanation}"
    );

    let evidence = verdict_evidence(incident);
    assert_eq!(
        places(evidence),
        [
            "infagw01/logs/node01/exceptions.log:7",
            "infagw01/logs/node01/exceptions.log:20",
            "infagw01/logs/node01/exceptions.log:33",
            "infagw01/logs/node01/exceptions.log:46",
            "infagw01/logs/node01/exceptions.log:59",
        ],
        "one line per error, not one per copy"
    );
    for (item, node_line) in evidence.iter().zip(212u64..) {
        let first_line = item["line"].as_u64().unwrap();
        let matched = &item["matched"];
        let line = matched["line"].as_u64().expect("a matched line");
        assert!(line > first_line, "{item:#}");
        let in_file = fixture_line("db-outage/infagw01/logs/node01/exceptions.log", line);
        assert!(in_file.contains("ORA-01034"), "line {line}: {in_file}");
        assert_eq!(matched["text"].as_str().unwrap(), in_file.trim());
        assert_eq!(
            places(item["also_at"].as_array().unwrap()),
            [format!("infagw01/logs/node01/node.log:{node_line}")]
        );
        let copy = fixture_line("db-outage/infagw01/logs/node01/node.log", node_line);
        assert_eq!(copy, item["text"].as_str().unwrap(), "the same record");
        let signals = item["signals"].as_array().unwrap();
        for signal in ["db_heartbeat_failed", "db_unavailable_error"] {
            assert!(signals.iter().any(|s| s == signal), "{signal}: {item:#}");
        }
    }

    let cascade = incident["cascade"].as_array().unwrap();
    let errors: Vec<&Value> = cascade
        .iter()
        .filter(|e| e["text"].as_str().unwrap().contains("DOM_10162"))
        .collect();
    assert_eq!(errors.len(), 5, "{cascade:#?}");
    assert!(
        errors
            .iter()
            .all(|e| e["also_at"].as_array().unwrap().len() == 1)
    );
    let termination = cascade
        .iter()
        .find(|e| e["text"].as_str().unwrap().contains("DOM_10094"))
        .unwrap();
    assert_eq!(termination["also_at"], serde_json::json!([]));
    assert_eq!(
        termination["matched"],
        Value::Null,
        "its first line matched"
    );
}

#[test]
fn the_text_report_shows_the_other_copy_and_the_matched_line() {
    let out = hbdiag(&["analyze", fixture("db-outage").to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "infagw01/logs/node01/exceptions.log:7 (+node.log:212)",
        "└ line 13: Caused by: java.sql.SQLRecoverableException: ORA-01034: ORACLE not available",
        "(oracle 01034)",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(!text.contains("01034?"), "{text}");
}

#[test]
fn one_alarm_in_three_exports_is_one_event() {
    let report = analyze_json(&fixture("huawei-samples"), &[]);
    let incident = incident_of_kind(&report, "flink_ha_heartbeat");
    let cascade = incident["cascade"].as_array().unwrap();
    let mut times: Vec<&str> = cascade
        .iter()
        .map(|e| e["time"].as_str().unwrap())
        .collect();
    let listed = times.len();
    times.dedup();
    assert_eq!(times.len(), listed, "no alarm listed twice: {cascade:#?}");
    let raise = cascade
        .iter()
        .find(|e| e["time"] == "2026-03-01T02:15:22.000Z")
        .expect("the raise on mrs-master1");
    assert_eq!(raise["file"], "alarms-en.csv");
    assert_eq!(
        places(raise["also_at"].as_array().unwrap()),
        ["alarms-zh.csv:3", "alarms.txt:2"]
    );
}
