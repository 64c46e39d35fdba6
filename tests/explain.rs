//! `hbdiag explain` and `incidents[].considered[]`: every rule for an
//! incident's kind is accounted for, the trace agrees with the verdict, and
//! a reader can see why the losing causes lost.

mod common;

use common::{analyze_json, fixture, hbdiag, incidents};
use serde_json::Value;

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

#[test]
fn the_trace_agrees_with_the_verdict_on_every_fixture() {
    for name in common::fixture_names() {
        let report = analyze_json(&fixture(&name), &[]);
        for incident in incidents(&report) {
            let id = text(&incident["id"]);
            let considered = incident["considered"].as_array().unwrap();
            let held: Vec<&str> = considered
                .iter()
                .filter(|c| c["outcome"] == "held")
                .map(|c| text(&c["rule"]))
                .collect();
            let mut found: Vec<&str> = incident["root_causes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| text(&c["rule"]))
                .collect();
            found.sort();
            assert_eq!(held, found, "{name} {id}: held rules are the candidates");
            let blocked: Vec<&str> = incident["not_evaluated"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| text(&n["rule"]))
                .collect();
            for c in considered {
                let rule = text(&c["rule"]);
                let clauses = c["clauses"].as_array().unwrap();
                let failed_require = clauses
                    .iter()
                    .any(|k| k["role"] == "require" && k["held"] == false);
                let absent_held = clauses
                    .iter()
                    .any(|k| k["role"] == "absent" && k["held"] == true);
                match text(&c["outcome"]) {
                    "held" => assert!(!failed_require && !absent_held, "{name} {id} {rule}"),
                    "not_met" => assert!(failed_require, "{name} {id} {rule}"),
                    "excluded" => assert!(!failed_require && absent_held, "{name} {id} {rule}"),
                    "not_evaluated" => {
                        assert!(blocked.contains(&rule), "{name} {id} {rule}");
                        assert!(clauses.is_empty());
                    }
                    "not_needed" => assert!(c["fallback"] == true, "{name} {id} {rule}"),
                    other => panic!("{name} {id} {rule}: outcome {other}"),
                }
                assert!(!text(&c["reason"]).is_empty(), "{name} {id} {rule}");
                for clause in clauses {
                    let all_held = clause["conditions"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|k| k["held"] == true);
                    if !clause["conditions"].as_array().unwrap().is_empty() {
                        assert_eq!(clause["held"], all_held, "{name} {id} {rule}: {clause}");
                    } else {
                        assert_eq!(
                            clause["held"],
                            clause["matched"].as_u64().unwrap() > 0,
                            "{name} {id} {rule}: {clause}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn every_rule_for_the_kind_is_considered_once() {
    let rules = hbdiag(&["rules", "list"]);
    let listing = String::from_utf8_lossy(&rules.stdout);
    let report = analyze_json(&fixture("db-outage"), &[]);
    let incident = common::incident_of_kind(&report, "master_db_timeout");
    let considered: Vec<&str> = incident["considered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| text(&c["rule"]))
        .collect();
    let mut unique = considered.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique, considered, "sorted, each once");
    for rule in &considered {
        assert!(listing.contains(rule), "{rule} is a rule in force");
    }
    assert!(considered.contains(&"gc_pause.long_pause"));
    assert!(considered.contains(&"db_unavailable.vendor_error"));
}

#[test]
fn explain_shows_why_the_gc_verdict_won_and_the_database_lost() {
    let path = fixture("gc-master");
    let out = hbdiag(&["explain", "INC-1", path.to_str().unwrap(), "-q"]);
    assert!(out.status.success(), "{out:?}");
    let shown = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "Verdict: gc_pause (90%) by rule gc_pause.long_pause",
        "✔ gc_pause.long_pause · gc_pause · held at 90%",
        "sum(duration_ms) >= 0.75 * timeout_ms: is 35.4 s against 24 s; holds",
        "✘ db_unavailable.vendor_error · db_unavailable · not met",
        "no db_unavailable_error with db_kind == down on the subject in",
    ] {
        assert!(shown.contains(expected), "missing {expected:?} in\n{shown}");
    }
}

#[test]
fn explain_shows_a_candidate_that_held_and_lost_on_confidence() {
    let path = fixture("flink-float-ip");
    let report = analyze_json(&path, &[]);
    let fingerprint = text(&incidents(&report)[0]["fingerprint"]).to_string();
    let out = hbdiag(&["explain", &fingerprint, path.to_str().unwrap(), "-q"]);
    assert!(out.status.success(), "{out:?}");
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(
        shown.contains("held at 94%, below invalid_float_ip.flinkserver_prestart at 97%"),
        "{shown}"
    );
    let json = hbdiag(&[
        "explain",
        &fingerprint,
        path.to_str().unwrap(),
        "-q",
        "--format",
        "json",
    ]);
    let incident: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(incident["fingerprint"], fingerprint.as_str());
    assert!(!incident["considered"].as_array().unwrap().is_empty());
}

#[test]
fn an_unknown_incident_is_a_usage_error_listing_the_known_ones() {
    let path = fixture("db-outage");
    let out = hbdiag(&["explain", "INC-9", path.to_str().unwrap(), "-q"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no incident `INC-9`"), "{stderr}");
    assert!(
        stderr.contains("INC-2 (hb1-8a3474917f68b7e5, master_db_timeout)"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}
