//! `hbdiag analyze` on the Huawei MRS FlinkServer bundles (ALM-45640): each
//! cause gets the right incident, verdict and filled-in procedure.

mod common;

use common::*;
use serde_json::{Value, json};

/// The only `flink_ha_heartbeat` incident of a bundle's report.
fn flink_incident(report: &Value) -> &Value {
    let found: Vec<&Value> = incidents(report)
        .iter()
        .filter(|i| i["kind"] == "flink_ha_heartbeat")
        .collect();
    assert_eq!(found.len(), 1, "{:#?}", incidents(report));
    found[0]
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

fn procedure(incident: &Value) -> Vec<String> {
    incident["root_causes"][0]["procedure"]
        .as_array()
        .expect("procedure is an array")
        .iter()
        .map(|s| text(s).to_string())
        .collect()
}

#[test]
fn invalid_float_ip_keeps_flinkserver_down_on_the_peer() {
    let report = analyze_json(&fixture("flink-float-ip"), &[]);
    let incident = flink_incident(&report);
    assert_eq!(incident["host"], "mrs-master1");
    assert_eq!(incident["affected_hosts"], json!(["mrs-master2"]));
    assert_eq!(incident["severity"], "medium");
    assert_eq!(incident["time"], "2026-03-01T10:14:58.000Z");
    assert_eq!(incident["timeout_s"], 30.0);
    assert_verdict(
        incident,
        "invalid_float_ip",
        "invalid_float_ip.flinkserver_prestart",
    );
    let evidence = verdict_evidence(incident);
    assert!(
        evidence.iter().any(|e| e["host"] == "mrs-master2"
            && text(&e["file"]).ends_with("flinkserver/prestart.log")
            && text(&e["text"]).contains("Float ip 192.168.10.200 is invalid")),
        "{evidence:#?}"
    );
    let steps = procedure(incident);
    assert!(
        steps
            .iter()
            .any(|s| s.contains("`Float ip 192.168.10.200 is invalid`")),
        "{steps:#?}"
    );
    assert!(
        steps
            .iter()
            .any(|s| s.contains("flink.ha.floatip") && s.contains("replace 192.168.10.200")),
        "{steps:#?}"
    );
    assert!(steps.iter().all(|s| !s.contains('?')), "{steps:#?}");
    assert!(text(&incident["summary"]).contains("not cleared"));
}

#[test]
fn float_ip_text_report_lists_the_manual_steps_in_order() {
    let out = hbdiag(&["analyze", fixture("flink-float-ip").to_str().unwrap()]);
    assert!(out.status.success());
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("Verdict: invalid_float_ip"), "{report}");
    let steps = [
        "1. Step 1–2: In FusionInsight Manager",
        "2. Step 7–8: Log in to the FlinkServer node that failed (normally mrs-master2)",
        "3. Step 9–11:",
        "4. Step 12: Wait about 5 minutes and check that ALM-45640 on mrs-master1 is cleared",
        "5. Step 13–16: If the alarm persists, download the Flink logs of mrs-master1 and mrs-master2",
    ];
    let positions: Vec<usize> = steps
        .iter()
        .map(|step| {
            report
                .find(step)
                .unwrap_or_else(|| panic!("{step:?} missing from:\n{report}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    let fix = &report[positions[2]..positions[3]];
    assert!(
        fix.contains("flink.ha.floatip") && fix.contains("192.168.10.200"),
        "{fix}"
    );
}

#[test]
fn stopped_peer_is_process_stopped_from_a_chinese_export() {
    let report = analyze_json(&fixture("flink-stopped"), &[]);
    let incident = flink_incident(&report);
    assert_eq!(incident["host"], "mrs-master1");
    assert_eq!(incident["affected_hosts"], json!(["mrs-master2"]));
    // The export says 14:02:46 GMT+08:00; the GC logs give both hosts +08:00.
    assert_eq!(incident["time"], "2026-03-04T06:02:46.000Z");
    assert_verdict(
        incident,
        "process_stopped",
        "process_stopped.flinkserver_peer_stopped",
    );
    let evidence = verdict_evidence(incident);
    assert!(
        evidence
            .iter()
            .any(|e| e["host"] == "mrs-master2" && text(&e["file"]).ends_with("stop.log")),
        "{evidence:#?}"
    );
    assert!(
        procedure(incident)
            .iter()
            .any(|s| s.starts_with("Step 2:") && s.contains("FlinkServer instance on mrs-master2"))
    );
    assert!(
        incident["not_evaluated"].as_array().unwrap().is_empty(),
        "the GC logs let every rule run: {:#?}",
        incident["not_evaluated"]
    );
}

#[test]
fn broken_link_is_one_split_brain_incident_for_both_raises() {
    let report = analyze_json(&fixture("flink-network"), &[]);
    let incident = flink_incident(&report);
    assert_eq!(incident["host"], "mrs-master1");
    assert_eq!(incident["affected_hosts"], json!(["mrs-master2"]));
    assert_eq!(incident["severity"], "high");
    assert_verdict(incident, "network", "network.flinkserver_link_broken");
    let summary = text(&incident["summary"]);
    assert!(summary.contains("mrs-master2 raised it too"), "{summary}");
    assert!(summary.contains("split-brain risk"), "{summary}");
    let cause = &incident["root_causes"][0];
    let explanation = text(&cause["explanation"]);
    assert!(
        explanation.contains("both may have become active")
            && explanation.contains("split-brain risk"),
        "{explanation}"
    );
    let evidence = verdict_evidence(incident);
    for host in ["mrs-master1", "mrs-master2"] {
        assert!(
            evidence.iter().any(|e| e["host"] == host),
            "no evidence from {host}: {evidence:#?}"
        );
    }
    assert!(
        incident["cascade"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["host"] == "mrs-master2"
                && text(&e["text"]).contains("changed from standby to active")),
        "the standby's switch to active belongs to the story"
    );
}

#[test]
fn short_glitch_is_low_impact() {
    let report = analyze_json(&fixture("flink-glitch"), &[]);
    let incident = flink_incident(&report);
    assert_eq!(incident["host"], "mrs-master2");
    assert_eq!(incident["affected_hosts"], json!(["mrs-master1"]));
    assert_eq!(incident["severity"], "low");
    assert!(
        text(&incident["summary"]).contains("after 45 s: a short glitch"),
        "{}",
        incident["summary"]
    );
    assert_verdict(incident, "network", "network.flinkserver_short_glitch");
    assert!(text(&incident["root_causes"][0]["explanation"]).contains("Low impact"));
    assert!(
        incident["root_causes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["rule"] != "network.flinkserver_link_broken")
    );
}
