//! The JVM bundles end to end: GC pauses and host starvation named as the
//! root cause, evidence pointing at GC log and vmstat lines, host offsets
//! learnt from GC datestamps, and `hbdiag gc` figures.

mod common;

use common::{
    analyze_json, assert_verdict, evidence_places, fixture, hbdiag, incident_of_kind,
    verdict_evidence,
};
use serde_json::Value;

/// The rules not evaluated for a host with a GC log but neither thread
/// dumps nor system or hypervisor metrics nor packet captures.
const NO_DUMPS_NOR_METRICS: [&str; 12] = [
    "blocked_thread.behind_database",
    "blocked_thread.behind_network",
    "blocked_thread.heartbeat",
    "db_unavailable.connection_reset",
    "network.nic_drops",
    "network.nic_drops_observer",
    "network.packet_loss",
    "starvation.disk_saturated",
    "starvation.host_overloaded",
    "starvation.memory_pressure",
    "starvation.vm_cpu_ready",
    "starvation.vm_memory_reclaimed",
];

/// The same for a master's DB timeout, which a JDBC spy log would also
/// test: one more rule, in the same (sorted) order.
fn no_dumps_metrics_nor_spy() -> Vec<&'static str> {
    let mut rules = NO_DUMPS_NOR_METRICS.to_vec();
    rules.push("db_unavailable.slow_heartbeat");
    rules.sort_unstable();
    rules
}

/// The root causes of an incident as `(cause, rule, confidence)`.
fn causes(incident: &Value) -> Vec<(String, String, f64)> {
    incident["root_causes"]
        .as_array()
        .expect("root_causes is an array")
        .iter()
        .map(|c| {
            (
                c["cause"].as_str().unwrap_or("").to_string(),
                c["rule"].as_str().unwrap_or("").to_string(),
                c["confidence"].as_f64().unwrap_or(0.0),
            )
        })
        .collect()
}

/// Asserts that no root cause of the incident is `cause`.
fn assert_no_cause(incident: &Value, cause: &str) {
    let causes = causes(incident);
    assert!(causes.iter().all(|(c, _, _)| c != cause), "{causes:?}");
}

/// Asserts that the verdict's evidence includes line `line` of `file`.
fn assert_evidence_at(incident: &Value, file: &str, line: u64) {
    let evidence = evidence_places(incident);
    assert!(
        evidence.contains(&(file.to_string(), line)),
        "{file}:{line} not in {evidence:?}"
    );
}

/// The host entry of a report.
fn host<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["hosts"]
        .as_array()
        .expect("hosts is an array")
        .iter()
        .find(|h| h["name"] == name)
        .unwrap_or_else(|| panic!("no host {name}"))
}

fn not_evaluated(incident: &Value) -> Vec<String> {
    incident["not_evaluated"]
        .as_array()
        .expect("not_evaluated is an array")
        .iter()
        .map(|n| n["rule"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn gc_master_terminates_after_a_35_s_full_gc() {
    let report = analyze_json(&fixture("gc-master"), &[]);
    let incident = incident_of_kind(&report, "master_db_timeout");
    assert_eq!(incident["host"], "infagw01");
    assert_verdict(incident, "gc_pause", "gc_pause.long_pause");
    assert_evidence_at(incident, "infagw01/logs/node01/gc.log", 514);
    assert!(
        causes(incident)
            .iter()
            .any(|(_, rule, _)| rule == "gc_pause.stopped_time")
    );
    let clock = host(&report, "infagw01");
    assert_eq!(clock["utc_offset"], "+08:00");
    assert_eq!(clock["offset_source"], "inferred");
    assert_eq!(clock["offset_evidence"], "infagw01/logs/node01/gc.log");
    assert_eq!(incident["time"], "2026-03-12T06:23:16.742Z");
}

#[test]
fn gc_worker_is_marked_dead_during_a_100_s_full_gc_with_heap_advice() {
    let report = analyze_json(&fixture("gc-worker"), &[]);
    let incident = incident_of_kind(&report, "node_marked_dead");
    assert_eq!(incident["host"], "infawk01");
    assert_verdict(incident, "gc_pause", "gc_pause.long_pause");
    assert_evidence_at(incident, "infawk01/logs/node03/gc.log", 2892);
    let pause = evidence_line(incident, "infawk01/logs/node03/gc.log", 2892);
    assert_eq!(
        pause["span"]["logged_at"], "end",
        "unified logging prints a pause when it ends"
    );
    assert_eq!(pause["span"]["start"], pause["time"]);
    let rules: Vec<String> = causes(incident).into_iter().map(|c| c.1).collect();
    assert!(
        rules.contains(&"gc_pause.heap_too_small".to_string()),
        "{rules:?}"
    );
    let advice = &incident["root_causes"][1];
    assert_eq!(advice["rule"], "gc_pause.heap_too_small");
    assert!(
        advice["procedure"][0]
            .as_str()
            .is_some_and(|s| s.contains("INFA_JAVA_OPTS")),
        "{advice:#}"
    );
    assert_eq!(
        not_evaluated(incident),
        NO_DUMPS_NOR_METRICS,
        "the bundle has no system or hypervisor metrics and no thread dumps"
    );
}

/// The evidence line `line` of `file` in the verdict.
fn evidence_line<'a>(incident: &'a Value, file: &str, line: u64) -> &'a Value {
    verdict_evidence(incident)
        .iter()
        .find(|e| e["file"] == file && e["line"] == line)
        .unwrap_or_else(|| panic!("{file}:{line} not in the verdict's evidence"))
}

#[test]
fn a_full_gc_that_began_before_the_window_and_covers_it_explains_the_dead_node() {
    // The worker's clock is 25 s behind the master's: its 120 s full GC
    // (JDK 8 datestamps) begins at 10:12:30, 8 s before the 105 s window of
    // the 10:14:23 incident, and ends after it.
    let report = analyze_json(&fixture("gc-worker-long-full-gc"), &[]);
    let incident = incident_of_kind(&report, "node_marked_dead");
    assert_eq!(incident["host"], "infawk01");
    assert_eq!(incident["window"]["start"], "2026-03-12T10:12:38.402Z");
    assert_verdict(incident, "gc_pause", "gc_pause.long_pause");
    let pause = evidence_line(incident, "infawk01/logs/node03/gc.log", 74);
    assert_eq!(pause["time"], "2026-03-12T10:12:30.118Z");
    assert_eq!(pause["span"]["start"], "2026-03-12T10:12:30.118Z");
    assert_eq!(pause["span"]["end"], "2026-03-12T10:14:30.530Z");
    assert_eq!(
        pause["span"]["logged_at"], "start",
        "a JDK 8 datestamp marks the start"
    );
    let explanation = incident["root_causes"][0]["explanation"]
        .as_str()
        .expect("an explanation");
    assert!(
        explanation.contains("stood still for 110 s of the 110 s window")
            && explanation.contains("122 % of the 90 s heartbeat timeout"),
        "{explanation}"
    );
    // The safepoint line is printed when the stop ends.
    let stopped = incident["root_causes"]
        .as_array()
        .expect("root causes")
        .iter()
        .find(|c| c["rule"] == "gc_pause.stopped_time")
        .expect("the stopped time agrees");
    let safepoint = &stopped["evidence"][0];
    assert_eq!(safepoint["line"], 75);
    assert_eq!(safepoint["span"]["logged_at"], "end");
    assert_eq!(safepoint["span"]["end"], "2026-03-12T10:14:30.531Z");
    // The silence of the worker's node.log is the GC's, not starvation.
    assert_no_cause(incident, "starvation");
    let text = hbdiag(&[
        "analyze",
        fixture("gc-worker-long-full-gc")
            .to_str()
            .expect("utf-8 path"),
    ]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("stopped 10:12:30.118 → 10:14:30.530 (120 s; the line's time is the start)"),
        "{text}"
    );
}

#[test]
fn starved_master_is_blamed_on_the_host_from_vmstat_and_gc_log() {
    let report = analyze_json(&fixture("starved-master"), &[]);
    let incident = incident_of_kind(&report, "master_db_timeout");
    assert_eq!(incident["host"], "infagw01");
    assert_verdict(incident, "starvation", "starvation.host_overloaded");
    let files: Vec<String> = evidence_places(incident).into_iter().map(|e| e.0).collect();
    assert!(
        files.contains(&"infagw01/vmstat-infagw01.log".to_string()),
        "{files:?}"
    );
    // The 25 s time-to-safepoint line supports it.
    assert_evidence_at(incident, "infagw01/logs/node01/gc.log", 561);
    assert_no_cause(incident, "gc_pause");
}

#[test]
fn starved_master_without_vmstat_is_still_starvation_with_less_confidence() {
    let with = analyze_json(&fixture("starved-master"), &[]);
    let without = analyze_json(&fixture("starved-master-novmstat"), &[]);
    let incident = incident_of_kind(&without, "master_db_timeout");
    assert_verdict(incident, "starvation", "starvation.jvm_stalled");
    assert_evidence_at(incident, "infagw01/logs/node01/gc.log", 561);
    assert_eq!(not_evaluated(incident), no_dumps_metrics_nor_spy());
    let confidence = |report: &Value| {
        incident_of_kind(report, "master_db_timeout")["root_causes"][0]["confidence"]
            .as_f64()
            .expect("a confidence")
    };
    assert!(confidence(&without) < confidence(&with));
}

#[test]
fn short_gc_pauses_do_not_explain_a_dead_node() {
    let report = analyze_json(&fixture("gc-short-pauses"), &[]);
    let incident = incident_of_kind(&report, "node_marked_dead");
    assert_eq!(incident["host"], "infawk01");
    assert_verdict(
        incident,
        "process_stopped",
        "process_stopped.log_ends_abruptly",
    );
    assert_no_cause(incident, "gc_pause");
}

/// Ordinary pauses under 500 ms are counted per file, not kept: the counts
/// agree with what `hbdiag gc` reads from the same log (all of its pauses
/// are short), and none of them is on the timeline.
#[test]
fn short_gc_pauses_are_counted_per_file_as_hbdiag_gc_counts_them() {
    let dir = fixture("gc-short-pauses");
    let report = analyze_json(&dir, &[]);
    let file = "infagw01/logs/node01/gc.log";
    let source = report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["path"] == file)
        .expect("the master's GC log");
    let out = hbdiag(&[
        "gc",
        dir.join(file).to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    let summary: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let stops = &source["short_stops"][0];
    assert_eq!(stops["kind"], "gc_pause");
    assert_eq!(stops["count"], summary[0]["pauses"]);
    assert_eq!(stops["total_ms"], summary[0]["total_pause_ms"]);
    assert_eq!(stops["longest_ms"], summary[0]["max_pause_ms"]);
    let timeline = hbdiag(&[
        "timeline",
        dir.to_str().expect("utf-8"),
        "--format",
        "ndjson",
    ]);
    let text = String::from_utf8_lossy(&timeline.stdout);
    assert!(
        timeline.status.success(),
        "{}",
        String::from_utf8_lossy(&timeline.stderr)
    );
    let pauses_on_timeline = text
        .lines()
        .filter(|l| l.contains(file) && l.contains("\"gc_pause\""))
        .count();
    assert_eq!(pauses_on_timeline, 0, "{text}");
}

#[test]
fn gc_command_reports_figures_and_findings_as_json() {
    let log = fixture("gc-worker").join("infawk01/logs/node03/gc.log");
    let out = hbdiag(&["gc", log.to_str().expect("utf-8 path"), "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summaries: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let summary = &summaries[0];
    assert_eq!(summary["collector"], "G1");
    assert_eq!(summary["max_pause_ms"], 100312.456);
    assert_eq!(summary["longest"][1]["duration_ms"], 38211.734);
    let kinds: Vec<&str> = summary["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["kind"].as_str())
        .collect();
    for kind in [
        "back_to_back_full_gc",
        "heap_full_after_full_gc",
        "evacuation_failure",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
}

#[test]
fn gc_command_warns_per_unreadable_file_and_fails_when_none_is_read() {
    let log = fixture("gc-master").join("infagw01/logs/node01/gc.log");
    let out = hbdiag(&["gc", "/no/such/gc.log", log.to_str().expect("utf-8 path")]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning: /no/such/gc.log"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Parallel"));

    let out = hbdiag(&["gc", "/no/such/gc.log"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no GC log could be read"), "{stderr}");
}

#[test]
fn gc_command_leaves_out_a_file_that_is_not_a_gc_log() {
    let node_log = fixture("db-outage").join("infagw01/logs/node01/node.log");
    let gc_log = fixture("gc-master").join("infagw01/logs/node01/gc.log");
    let out = hbdiag(&[
        "gc",
        node_log.to_str().expect("utf-8 path"),
        gc_log.to_str().expect("utf-8 path"),
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("node.log: no GC pause") && stderr.contains("not a GC log"),
        "{stderr}"
    );
    let summaries: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(summaries.as_array().map(Vec::len), Some(1), "{summaries:#}");

    let alone = hbdiag(&["gc", node_log.to_str().expect("utf-8 path")]);
    assert!(!alone.status.success(), "a node.log alone is no GC log");
}
