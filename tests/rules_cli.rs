//! `hbdiag rules …` and user definitions: a support engineer adds a signal
//! and a rule for a new message code and sees it work without recompiling.

mod common;

use common::*;
use std::fs;

const SITE_SIGNAL: &str = r#"
[[signal]]
id = "license_expired"
description = "The domain license expired and the Service Manager stops the node's services."
sources = ["node_log"]
  [[signal.match]]
  codes = ["LIC_10032"]
  [[signal.match]]
  keywords = [["license"], ["expired"]]
  [[signal.sample]]
  line = "2026-03-12 10:14:02,117 FATAL [Licensing] [LIC_10032] The license [Prod_2026] expired. The node will stop."
"#;

const SITE_RULE: &str = r#"
[rule]
id = "site.license_expired"
cause = "license_expired"
title = "The node stopped because its license expired"
incidents = ["node_marked_dead"]
confidence = 0.95
requires = ["node_log"]
explanation = "{subject} logged that its license expired before the master marked it dead."
procedure = ["Apply the renewed license key with `infacmd isp updateLicense` and restart {subject}."]

  [[rule.require]]
  signal = "license_expired"
  on = "subject"
  window = "-10m..+5s"

[[test]]
name = "license expired two minutes before"
incident = "node_marked_dead"
signals = [{ at = "-2m", signal = "license_expired" }]
expect = "match"
"#;

#[test]
fn a_new_signal_and_rule_work_without_recompiling() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("site-rules");
    fs::create_dir_all(rules.join("signals")).unwrap();
    fs::write(rules.join("signals/licensing.toml"), SITE_SIGNAL).unwrap();
    fs::write(rules.join("license.toml"), SITE_RULE).unwrap();

    let bundle = dir.path().join("bundle");
    fs::create_dir_all(bundle.join("gw01")).unwrap();
    fs::create_dir_all(bundle.join("wk02")).unwrap();
    fs::write(
        bundle.join("gw01/node.log"),
        "2026-03-12 10:16:00,000 WARN  [Domain Monitor] [DOM_10065] Node [wk02] did not send a heartbeat within the resilience timeout of 90 seconds.\n",
    )
    .unwrap();
    fs::write(
        bundle.join("wk02/node.log"),
        "2026-03-12 10:00:00,000 INFO  [main] [SPC_10014] Starting the node [wk02] of domain [Domain_Prod].\n\
         2026-03-12 10:14:02,117 FATAL [Licensing] [LIC_10032] The license [Prod_2026] expired. The node will stop.\n\
         2026-03-12 10:14:30,000 INFO  [main] still running\n",
    )
    .unwrap();

    let without = analyze_json(&bundle, &[]);
    assert_ne!(verdict(&incidents(&without)[0]).0, "license_expired");

    let with = analyze_json(&bundle, &["--rules", rules.to_str().unwrap()]);
    let incident = &incidents(&with)[0];
    assert_verdict(incident, "license_expired", "site.license_expired");
    assert_eq!(incident["root_causes"][0]["evidence"][0]["line"], 2);

    let check = hbdiag(&["rules", "check", rules.to_str().unwrap()]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let test = hbdiag(&["rules", "test", rules.to_str().unwrap()]);
    assert!(test.status.success());
    assert!(String::from_utf8_lossy(&test.stdout).contains(" passed, 0 failed"));
}

#[test]
fn rules_check_reports_every_error_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("broken.toml"),
        "[rule]\nid = \"Bad Id\"\ncause = \"network\"\ntitle = \"t\"\nincidents = [\"node_dead\"]\nconfidence = 1.5\nexplanation = \"{host}\"\nprocedure = []\n  [[rule.require]]\n  signal = \"no_such_signal\"\n  window = \"sometime\"\n",
    )
    .unwrap();
    let out = hbdiag(&["rules", "check", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let file = dir.path().join("broken.toml").display().to_string();
    for expected in [
        format!("{file}:2: rule id `Bad Id`"),
        format!("{file}:5: unknown incident kind `node_dead`"),
        format!("{file}:6: confidence 1.5"),
        format!("{file}:7: unknown placeholder `{{host}}`"),
        format!("{file}:10: unknown signal `no_such_signal`"),
        format!("{file}:11: window `sometime`"),
    ] {
        assert!(
            stderr.contains(&expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
}

#[test]
fn builtin_rules_are_listed_and_pass_their_tests() {
    let list = hbdiag(&["rules", "list"]);
    assert!(list.status.success());
    let text = String::from_utf8_lossy(&list.stdout);
    for id in [
        "db_unavailable.vendor_error",
        "network.connection_errors",
        "process_stopped.shutdown_before_timeout",
        "unknown.node_marked_dead",
    ] {
        assert!(text.contains(id), "{id} not listed");
    }
    let test = hbdiag(&["rules", "test"]);
    assert!(
        test.status.success(),
        "{}",
        String::from_utf8_lossy(&test.stdout)
    );
}

#[test]
fn timeline_merges_hosts_and_exports_ecs_ndjson() {
    let bundle = fixture("db-outage");
    let out = hbdiag(&[
        "timeline",
        bundle.to_str().unwrap(),
        "--around",
        "2026-03-12T10:15:50Z",
        "--window",
        "60s",
        "--format",
        "ndjson",
    ]);
    assert!(out.status.success());
    let docs: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(docs.len() >= 8, "{docs:#?}");
    let times: Vec<&str> = docs
        .iter()
        .map(|d| d["@timestamp"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "merged in time order"
    );
    assert!(
        times
            .iter()
            .all(|t| ("2026-03-12T10:14:50Z"..="2026-03-12T10:16:50Z").contains(t))
    );
    let hosts: std::collections::BTreeSet<&str> = docs
        .iter()
        .map(|d| d["host.name"].as_str().unwrap())
        .collect();
    assert_eq!(hosts.len(), 3);
    let termination = docs
        .iter()
        .find(|d| d["event.code"] == "DOM_10094")
        .unwrap();
    assert_eq!(termination["log.level"], "fatal");
    assert_eq!(
        termination["log.file.path"],
        "infagw01/logs/node01/node.log"
    );
    assert_eq!(termination["tags"][0], "master_terminated");

    let text = hbdiag(&[
        "timeline",
        bundle.to_str().unwrap(),
        "--host",
        "infawk01",
        "--level",
        "error",
    ]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.lines().count() >= 2);
    assert!(text.lines().all(|l| l.contains(" infawk01 ")), "{text}");
}

#[test]
fn rules_terms_lists_what_every_record_is_searched_for() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("site-rules");
    fs::create_dir_all(rules.join("signals")).unwrap();
    fs::write(rules.join("signals/licensing.toml"), SITE_SIGNAL).unwrap();

    let out = hbdiag(&["rules", "terms", "--rules", rules.to_str().unwrap()]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.contains(&"DOM_10025"), "{stdout}");
    assert!(lines.contains(&"LIC_10032"), "{stdout}");
    assert!(lines.contains(&"connection refused"), "{stdout}");
    // A term only WARN-or-worse records can use says so.
    assert!(lines.contains(&"heartbeat\twarn+"), "{stdout}");
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
}
