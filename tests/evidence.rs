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

/// An LDAP timeout every 5 s from 08:00:00 to 08:30:55 on infawk01, before
/// the records of the network-partition fixture's exceptions.log (the
/// incident's window opens at 08:30:40.7Z): the whole flood folds into one
/// kept event, its first line at 08:00:00.
fn flooded_exceptions_log() -> String {
    let original = std::fs::read_to_string(fixture(
        "network-partition/infawk01/logs/node03/exceptions.log",
    ))
    .expect("the fixture file reads");
    let mut text = String::new();
    for step in 0..=371 {
        let seconds = step * 5;
        text.push_str(&format!(
            "2026-03-12 08:{:02}:{:02},100 ERROR [LDAP Synchronization] [UM_10033] Failed to synchronize users from security domain [corp_ldap].\n\
             javax.naming.NamingException: LDAP response read timed out, timeout used:30000ms.; remaining name 'ou=users,dc=corp,dc=example,dc=com'\n",
            seconds / 60,
            seconds % 60
        ));
    }
    text + &original
}

/// The evidence of the flood in the verdict of `report`'s dead node.
fn flood_evidence(report: &Value) -> Value {
    let incident = incident_of_kind(report, "node_marked_dead");
    let evidence = incident["root_causes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["evidence"].as_array().unwrap())
        .find(|e| e["text"].as_str().unwrap().contains("UM_10033"))
        .unwrap_or_else(|| panic!("no flood line cited: {incident:#}"));
    evidence.clone()
}

#[test]
fn a_folded_flood_is_cited_by_its_first_line_inside_the_window_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    copy_tree(&fixture("network-partition"), &bundle);
    let log = "infawk01/logs/node03/exceptions.log";
    std::fs::write(bundle.join(log), flooded_exceptions_log()).unwrap();
    // 08:30:45, 08:30:50 and 08:30:55 lie inside; the first is record 369,
    // two lines each.
    let expected_line = 2 * 369 + 1;
    let report = analyze_json(&bundle, &[]);
    let evidence = flood_evidence(&report);
    assert_eq!(evidence["file"], log);
    assert_eq!(evidence["line"], expected_line);
    assert_eq!(evidence["time"], "2026-03-12T08:30:45.100Z");
    assert_eq!(evidence["repeats"], 3);
    let written = std::fs::read_to_string(bundle.join(log)).unwrap();
    let line = written.lines().nth(expected_line - 1).unwrap();
    assert_eq!(evidence["text"], line);
    assert_eq!(
        evidence["matched"]["line"],
        expected_line + 1,
        "{evidence:#}"
    );

    // The same bundle as a .tar.gz: the archive is walked again for it.
    let packed = dir.path().join("bundle.tar.gz");
    let encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&packed).unwrap(),
        flate2::Compression::fast(),
    );
    let mut builder = tar::Builder::new(encoder);
    builder.append_dir_all("bundle", &bundle).unwrap();
    builder.into_inner().unwrap().finish().unwrap();
    let from_archive = flood_evidence(&analyze_json(&packed, &[]));
    assert_eq!(
        from_archive["file"],
        format!("bundle.tar.gz!bundle/{log}").as_str()
    );
    for field in ["line", "time", "text", "repeats", "matched"] {
        assert_eq!(from_archive[field], evidence[field], "{field}");
    }
}
