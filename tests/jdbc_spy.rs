//! JDBC spy logs end to end: a master gateway whose DB heartbeat timed out
//! with no SQL error is explained by the spy log's slow heartbeat UPDATE
//! (`fixtures/db-slow`, latencies measured against a real PostgreSQL by
//! `examples/jdbc_spy/`), and the verdict holds when the log is renamed,
//! moved, written by another spy or inside the node's stdout, or names its
//! thread and table differently; slow updates far from the incident, or no
//! spy log at all, give no such verdict.

mod common;

use common::{
    analyze_json, assert_verdict, cause_rules, copy_tree, evidence_places as evidence, explanation,
    fixture, incident_of_kind, source, write,
};
use serde_json::Value;
use std::path::Path;

const SPY: &str = "infagw01/logs/node01/spy.log";
const RULE: &str = "db_unavailable.slow_heartbeat";

fn master(report: &Value) -> &Value {
    incident_of_kind(report, "master_db_timeout")
}

fn fixture_spy() -> String {
    std::fs::read_to_string(fixture("db-slow").join(SPY)).unwrap()
}

fn test_data(file: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/jdbc-spy")
            .join(file),
    )
    .unwrap()
}

/// A copy of `fixtures/db-slow` with its spy log replaced by `logs`
/// (`(path in the bundle, text)`), in a scratch folder.
fn with_spy(logs: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("db-slow"), dir.path());
    std::fs::remove_file(dir.path().join(SPY)).unwrap();
    for (path, text) in logs {
        write(dir.path(), path, text.as_bytes());
    }
    dir
}

#[test]
fn a_slow_heartbeat_update_with_no_sql_error_is_the_cause() {
    let report = analyze_json(&fixture("db-slow"), &[]);
    let incident = master(&report);
    assert_verdict(incident, "db_unavailable", RULE);
    assert!(incident["root_causes"][0]["confidence"].as_f64().unwrap() < 0.9);
    let text = explanation(incident);
    for part in [
        "ISP_MASTER_ELECT",
        "\"Master Elect Data Writer\"",
        "found by thread",
        "slowest taking 34.0 s against a timeout of 32 s",
        "UPDATE ISP_MASTER_ELECT SET HEARTBEAT_TIME = ?",
    ] {
        assert!(text.contains(part), "{part:?} not in {text}");
    }
    let cited = evidence(incident);
    for line in [185, 232, 268, 315] {
        let at = (SPY.to_string(), line);
        assert!(cited.contains(&at), "{at:?} not in {cited:?}");
    }
    assert_eq!(source(&report, SPY)["kind"], "jdbc_spy");
}

#[test]
fn an_untelling_name_in_a_deeper_folder() {
    let dir = with_spy(&[("infagw01/collected/dbtrace/conn_0001.txt", fixture_spy())]);
    let report = analyze_json(dir.path(), &[]);
    assert_verdict(master(&report), "db_unavailable", RULE);
    assert_eq!(
        source(&report, "infagw01/collected/dbtrace/conn_0001.txt")["kind"],
        "jdbc_spy"
    );
}

#[test]
fn a_heartbeat_with_another_thread_and_table_is_found_by_its_repeats() {
    let spy = fixture_spy()
        .replace("Master Elect Data Writer", "pool-7-thread-2")
        .replace("ISP_MASTER_ELECT", "T_NODE_LEASE");
    let dir = with_spy(&[(SPY, spy)]);
    let report = analyze_json(dir.path(), &[]);
    let incident = master(&report);
    assert_verdict(incident, "db_unavailable", RULE);
    let text = explanation(incident);
    assert!(text.contains("found by repeat"), "{text}");
    assert!(text.contains("\"pool-7-thread-2\""), "{text}");
}

#[test]
fn slow_updates_an_hour_before_the_incident_do_not_count() {
    let spy = shifted(&fixture_spy(), -3600);
    let dir = with_spy(&[(SPY, spy)]);
    let report = analyze_json(dir.path(), &[]);
    let rules = cause_rules(master(&report));
    assert!(!rules.iter().any(|r| r == RULE), "{rules:?}");
}

#[test]
fn without_a_spy_log_the_rule_is_not_evaluated_and_says_how_to_collect() {
    let dir = with_spy(&[]);
    let out = common::hbdiag(&["explain", "INC-2", dir.path().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(RULE), "{text}");
    assert!(text.contains("JDBC spy log missing"), "{text}");
    assert!(text.contains("SpyAttributes=(log=(file)"), "{text}");
}

#[test]
fn p6spy_and_log4jdbc_logs_of_the_same_run_give_the_same_verdict() {
    for (file, found_by) in [("p6spy.log", "table"), ("log4jdbc.log", "thread")] {
        let dir = with_spy(&[(&format!("infagw01/logs/node01/{file}"), test_data(file))]);
        let report = analyze_json(dir.path(), &[]);
        let incident = master(&report);
        assert_verdict(incident, "db_unavailable", RULE);
        let text = explanation(incident);
        assert!(
            text.contains(&format!("found by {found_by}")),
            "{file}: {text}"
        );
    }
}

#[test]
fn spy_lines_in_the_node_stdout_under_a_log4j_header() {
    let stamped = fixture_spy();
    let bare = test_data("spy-tname.log");
    let stdout: String = stamped
        .lines()
        .zip(bare.lines())
        .map(|(with_time, line)| {
            if !with_time.starts_with("spy(") {
                return format!("{line}\n");
            }
            let time = &with_time[4..27];
            format!("{} INFO  [stdout] {line}\n", time.replace('.', ","))
        })
        .collect();
    let dir = with_spy(&[("infagw01/logs/node01/catalina.out", stdout)]);
    let report = analyze_json(dir.path(), &[]);
    assert_verdict(master(&report), "db_unavailable", RULE);
    assert_eq!(
        source(&report, "infagw01/logs/node01/catalina.out")["kind"],
        "jdbc_spy"
    );
}

/// The spy log with every time moved by `seconds`.
fn shifted(spy: &str, seconds: i64) -> String {
    spy.lines()
        .map(|line| {
            if !line.starts_with("spy(") {
                return format!("{line}\n");
            }
            let time = chrono::NaiveDateTime::parse_from_str(&line[4..27], "%Y-%m-%d %H:%M:%S%.3f")
                .unwrap()
                + chrono::Duration::seconds(seconds);
            format!(
                "spy({}{}\n",
                time.format("%Y-%m-%d %H:%M:%S%.3f"),
                &line[27..]
            )
        })
        .collect()
}

#[test]
fn a_spy_clock_a_few_seconds_off_keeps_the_verdict() {
    let spy = shifted(&fixture_spy(), -7);
    let dir = with_spy(&[(SPY, spy)]);
    let report = analyze_json(dir.path(), &[]);
    assert_verdict(master(&report), "db_unavailable", RULE);
}
