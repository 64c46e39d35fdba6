//! Incidents found from what happened when the line that usually tells of
//! them is not there at all: a master whose DB heartbeat fails until its
//! log ends, or until FATAL lines of another thread; a worker whose log
//! just stops while the master goes on. The bundles are written here, in
//! the shape of real Informatica logs, with wording of our fixtures'
//! nowhere.

mod common;

use common::{analyze_json, incidents};
use serde_json::Value;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// Seconds after the bundle's start, as a log4j timestamp.
fn stamp(second: u32) -> String {
    let (h, m, s) = (8 + second / 3600, second / 60 % 60, second % 60);
    format!(
        "2026-05-20 {h:02}:{m:02}:{s:02},{:03}",
        (second * 37) % 1000
    )
}

const NOISE: [&str; 5] = [
    "INFO  [pool-4-thread-7] [LGS_10042] Log Service flushed 212 log events to the log directory.",
    "INFO  [RepositoryService_RS] [REP_12300] Repository Service [RS] processed request 88 from client [PowerCenter Client].",
    "INFO  [qtp2093-14] [ADMINCONSOLE_10000] User [ops] of security domain [Native] logged in to the Administrator tool.",
    "WARN  [IntegrationService_IS] [LM_36330] Session [s_m_load] has 17 rejected rows. See the reject file.",
    "INFO  [IntegrationService_IS] [LM_36435] Starting execution of workflow [wf_daily] in folder [DW].",
];

/// A node.log with a noise line every 4–9 s from `from` to `to` seconds,
/// and `events` (second, line) put in their place.
fn node_log(from: u32, to: u32, events: &[(u32, String)]) -> String {
    let mut lines: Vec<(u32, String)> = events.to_vec();
    let mut t = from;
    let mut n = 0usize;
    while t < to {
        lines.push((t, NOISE[n % NOISE.len()].to_string()));
        n += 1;
        t += 4 + (n as u32 * 7) % 6;
    }
    lines.sort_by_key(|(t, _)| *t);
    let mut out = String::new();
    for (t, line) in lines {
        let _ = writeln!(out, "{} {line}", stamp(t));
    }
    out
}

fn write(root: &Path, host: &str, node: &str, text: &str) {
    let dir = root.join(host).join("logs").join(node);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("node.log"), text).unwrap();
}

/// A failed DB heartbeat, with the stack trace the JDBC driver gives.
fn db_heartbeat_error() -> String {
    [
        "ERROR [MasterElectionDBWriter] Failed to refresh the master gateway entry in the domain repository.",
        "java.sql.SQLRecoverableException: ORA-01034: ORACLE not available",
        "ORA-27101: shared memory realm does not exist",
        "\tat oracle.jdbc.driver.T4CTTIoer11.processError(T4CTTIoer11.java:494)",
        "\tat oracle.jdbc.driver.T4CTTIfun.receive(T4CTTIfun.java:1052)",
        "\tat com.informatica.isp.domain.dao.GatewayDAO.refresh(GatewayDAO.java:212)",
        "\t... 9 more",
    ]
    .join("\n")
}

/// A three-node domain: gateway gw01 the master, gateway gw02, worker
/// wk01, each logging from 0 to `end` s unless given other lines.
fn domain(root: &Path, gw01: String, gw02: String, wk01: String) {
    write(root, "gw01", "node_gw01", &gw01);
    write(root, "gw02", "node_gw02", &gw02);
    write(root, "wk01", "node_wk01", &wk01);
}

fn only_incident<'r>(report: &'r Value, kind: &str, host: &str) -> &'r Value {
    let all = incidents(report);
    assert_eq!(all.len(), 1, "{all:#?}");
    let incident = &all[0];
    assert_eq!(incident["kind"], kind, "{incident:#}");
    assert_eq!(incident["host"], host, "{incident:#}");
    incident
}

const END: u32 = 1800;
const OUTAGE: u32 = 900;

#[test]
fn a_master_whose_db_heartbeat_fails_until_its_log_ends_lost_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let errors: Vec<(u32, String)> = (0..22)
        .map(|i| (OUTAGE + i * 8, db_heartbeat_error()))
        .collect();
    let last = OUTAGE + 21 * 8;
    domain(
        dir.path(),
        node_log(0, OUTAGE, &errors),
        node_log(0, END, &[]),
        node_log(0, END, &[]),
    );
    let report = analyze_json(dir.path(), &[]);
    let incident = only_incident(&report, "master_db_timeout", "gw01");
    assert_eq!(
        incident["time"],
        format!("2026-05-20T08:17:48.{:03}Z", (last * 37) % 1000)
    );
    assert!(
        incident["found_by"]
            .as_array()
            .unwrap()
            .contains(&"db_heartbeat_episode".into())
    );
    let verdict = &incident["root_causes"][0];
    assert_eq!(verdict["cause"], "db_unavailable", "{verdict:#}");
    let explanation = verdict["explanation"].as_str().unwrap();
    assert!(explanation.contains("01034"), "{explanation}");
    assert!(
        explanation.contains("database was down"),
        "the kind of DB error is named: {explanation}"
    );
}

#[test]
fn a_master_whose_db_heartbeat_fails_until_fatal_lines_of_another_thread_lost_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines: Vec<(u32, String)> = (0..10)
        .map(|i| (OUTAGE + i * 8, db_heartbeat_error()))
        .collect();
    let fatal = OUTAGE + 9 * 8 + 3;
    lines.push((
        fatal,
        "FATAL [ServiceManagerShutdownHook] Unrecoverable error in the Service Manager; the process exits.".into(),
    ));
    lines.push((fatal + 1, "FATAL [main] Exiting with status 1.".into()));
    domain(
        dir.path(),
        node_log(0, fatal, &lines),
        node_log(0, END, &[]),
        node_log(0, END, &[]),
    );
    let report = analyze_json(dir.path(), &[]);
    let incident = only_incident(&report, "master_db_timeout", "gw01");
    assert_eq!(
        incident["time"],
        format!("2026-05-20T08:16:15.{:03}Z", (fatal * 37) % 1000)
    );
    let verdict = &incident["root_causes"][0];
    assert_eq!(verdict["cause"], "db_unavailable", "{verdict:#}");
    let explanation = verdict["explanation"].as_str().unwrap();
    assert!(explanation.contains("database was down"), "{explanation}");
}

#[test]
fn a_worker_whose_log_just_stops_while_the_master_goes_on_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let stop = OUTAGE + 5;
    domain(
        dir.path(),
        node_log(0, END, &[]),
        node_log(0, END, &[]),
        node_log(0, stop, &[]),
    );
    let report = analyze_json(dir.path(), &[]);
    let incident = only_incident(&report, "node_marked_dead", "wk01");
    assert_eq!(incident["found_by"], serde_json::json!(["log_ended"]));
    let verdict = &incident["root_causes"][0];
    assert_eq!(verdict["cause"], "process_stopped", "{verdict:#}");
    let evidence = &verdict["evidence"][0];
    assert_eq!(evidence["file"], "wk01/logs/node_wk01/node.log");
}

#[test]
fn logs_collected_a_little_apart_are_no_incident() {
    let dir = tempfile::tempdir().unwrap();
    // The worker's log was copied four minutes before the gateways'. It
    // logged every few seconds, so four minutes is long for it, but bundles
    // are collected host by host, minutes apart: under five minutes a log
    // ending early is no incident by itself.
    domain(
        dir.path(),
        node_log(0, END, &[]),
        node_log(0, END - 30, &[]),
        node_log(0, END - 240, &[]),
    );
    let report = analyze_json(dir.path(), &[]);
    assert!(incidents(&report).is_empty(), "{:#}", report["incidents"]);
}

#[test]
fn every_host_says_which_time_its_logs_cover() {
    let dir = tempfile::tempdir().unwrap();
    let stop = OUTAGE + 5;
    domain(
        dir.path(),
        node_log(0, END, &[]),
        node_log(1200, END, &[]),
        node_log(0, stop, &[]),
    );
    let report = analyze_json(dir.path(), &[]);
    let incident = only_incident(&report, "node_marked_dead", "wk01");
    let coverage = incident["coverage"].as_array().unwrap();
    let of = |host: &str| coverage.iter().find(|c| c["host"] == host).unwrap();
    assert_eq!(of("gw01")["covers_window"], true);
    assert_eq!(
        of("gw02")["covers_window"],
        false,
        "gw02 logs only from 08:20"
    );
    assert_eq!(of("gw02")["logs_from"], "2026-05-20T08:20:00.400Z");
    assert_eq!(of("wk01")["covers_window"], true);
}

#[test]
fn a_rule_that_could_not_look_says_which_logs_do_not_cover_the_window() {
    // Without offsets the worker's clock is read 5.5 h early, so its logs
    // end before the master marks it dead: nothing can be said of it then.
    let report = analyze_json(&common::fixture("network-partition"), &[]);
    let incident = incidents(&report)
        .iter()
        .find(|i| i["time"] == "2026-03-12T11:02:31.007Z")
        .expect("the master's line is an incident");
    let verdict = &incident["root_causes"][0];
    assert_eq!(verdict["cause"], "unknown");
    assert_eq!(verdict["fallback"], true);
    let explanation = verdict["explanation"].as_str().unwrap();
    assert!(
        explanation.contains("No logs of infawk01 cover 2026-03-12 11:00:46"),
        "{explanation}"
    );
    assert!(!explanation.contains("evidence was found"), "{explanation}");
    let blocked = incident["not_evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["rule"] == "process_stopped.shutdown_before_timeout")
        .expect("the shutdown rule could not look");
    assert_eq!(blocked["uncovered"], serde_json::json!(["node_log"]));
    assert!(
        blocked["collect"]
            .as_str()
            .unwrap()
            .starts_with("no logs of infawk01 cover")
    );
}
