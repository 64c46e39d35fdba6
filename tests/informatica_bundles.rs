//! `hbdiag analyze` on the Informatica fixture bundles: each cause gets the
//! right verdict, proven by the right lines.

mod common;

use common::*;

#[test]
fn db_outage_terminates_the_master_with_db_unavailable() {
    let report = analyze_json(&fixture("db-outage"), &[]);
    assert_eq!(report["schema_version"], "1");
    let incident = incident_of_kind(&report, "master_db_timeout");
    assert_eq!(incident["host"], "infagw01");
    assert_eq!(incident["node"], "node01");
    assert_eq!(incident["severity"], "critical");
    assert_eq!(incident["time"], "2026-03-12T10:15:50.410Z");
    assert_eq!(incident["timeout_s"], 32.0);
    assert_eq!(
        incident["affected_hosts"],
        serde_json::json!(["infagw02", "infawk01"])
    );
    assert_verdict(incident, "db_unavailable", "db_unavailable.vendor_error");
    let cause = &incident["root_causes"][0];
    let evidence = cause["evidence"].as_array().unwrap();
    assert!(evidence.iter().all(|e| e["host"] == "infagw01"));
    assert!(
        evidence
            .iter()
            .any(|e| e["file"] == "infagw01/logs/node01/exceptions.log"
                && e["text"].as_str().unwrap().contains("DOM_10162"))
    );
    assert!(
        cause["explanation"]
            .as_str()
            .unwrap()
            .contains("oracle 01034"),
        "{}",
        cause["explanation"]
    );
    assert!(cause["confidence"].as_f64().unwrap() >= 0.9);
    assert!(!cause["procedure"].as_array().unwrap().is_empty());
    assert!(
        incident["summary"]
            .as_str()
            .unwrap()
            .contains("node02 was elected the new master")
    );
}

#[test]
fn red_herring_sql_error_and_old_glitch_do_not_change_the_verdict() {
    let report = analyze_json(&fixture("db-outage"), &[]);
    let glitch = incident_of_kind(&report, "transient_glitch");
    assert_eq!(glitch["host"], "infawk01");
    assert_eq!(glitch["severity"], "low");
    // A lone glitch involves no other host; its peers are the bundle's others.
    let collect = glitch["root_causes"][0]["procedure"][0].as_str().unwrap();
    assert!(
        collect.contains("infawk01 and its peers (infagw01, infagw02)"),
        "{collect}"
    );
    assert_eq!(
        incidents(&report).len(),
        2,
        "the ORA-00942 at 08:41 is not an incident"
    );
    let master = incident_of_kind(&report, "master_db_timeout");
    let evidence = serde_json::to_string(&master["root_causes"]).unwrap();
    assert!(
        !evidence.contains("ORA-00942"),
        "the red herring is outside the window"
    );
}

#[test]
fn rotated_gzip_log_is_read_as_part_of_the_stream() {
    let report = analyze_json(&fixture("db-outage"), &[]);
    let rotated = report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"] == "infagw01/logs/node01/node.log.1.gz")
        .expect("the rotated file is listed");
    assert_eq!(rotated["kind"], "node_log");
    assert!(rotated["records"].as_u64().unwrap() > 100);
    assert_eq!(rotated["skipped_lines"], 0);
}

#[test]
fn network_partition_across_time_zones_is_network() {
    let report = analyze_json(
        &fixture("network-partition"),
        &["--tz", "+08:00", "--host-tz", "infawk01=+05:30"],
    );
    assert_eq!(
        kinds_and_hosts(&report),
        [("node_marked_dead".to_string(), "infawk01".to_string())],
        "with the right offsets the worker's failures join the master's incident"
    );
    let incident = &incidents(&report)[0];
    assert_eq!(incident["observer"], "infagw01");
    assert_eq!(incident["time"], "2026-03-12T03:02:31.007Z");
    assert_verdict(incident, "network", "network.connection_errors");
    let hosts = report["hosts"].as_array().unwrap();
    let worker = hosts.iter().find(|h| h["name"] == "infawk01").unwrap();
    assert_eq!(worker["utc_offset"], "+05:30");
    assert_eq!(worker["offset_source"], "host_flag");
}

#[test]
fn without_offsets_the_report_says_utc_is_assumed() {
    let report = analyze_json(&fixture("network-partition"), &[]);
    assert!(
        report["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["offset_source"] == "assumed" && h["utc_offset"] == "+00:00")
    );
    let warned = report["warnings"].as_array().unwrap().iter().any(|w| {
        w["message"]
            .as_str()
            .unwrap()
            .contains("no time zone is known for the logs of infagw01, infagw02, infawk01")
    });
    assert!(warned, "{}", report["warnings"]);
    let text = hbdiag(&[
        "analyze",
        "-q",
        fixture("network-partition").to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("+00:00 (assumed UTC)"), "{text}");
    assert!(
        text.contains("2026-03-12T11:02:31.007Z (assumed UTC)"),
        "{text}"
    );
}

#[test]
fn tz_flags_take_negative_offsets_and_zone_names_and_say_so() {
    let report = analyze_json(
        &fixture("network-partition"),
        &["--tz", "Asia/Shanghai", "--host-tz", "infawk01=+0530"],
    );
    let hosts: Vec<(&str, &str, &str)> = report["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["name"].as_str().unwrap(),
                h["utc_offset"].as_str().unwrap(),
                h["offset_source"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        hosts,
        [
            ("infagw01", "Asia/Shanghai", "flag"),
            ("infagw02", "Asia/Shanghai", "flag"),
            ("infawk01", "+05:30", "host_flag"),
        ]
    );
    assert_eq!(
        kinds_and_hosts(&report),
        [("node_marked_dead".to_string(), "infawk01".to_string())],
        "Asia/Shanghai is +08:00 all year: the same incident as with +08:00"
    );
    let shifted = analyze_json(&fixture("network-partition"), &["--tz", "-03:30"]);
    let master = &shifted["hosts"][0];
    assert_eq!(master["utc_offset"], "-03:30");
    assert_eq!(master["offset_source"], "flag");
}

#[test]
fn display_tz_moves_the_terminal_times_and_leaves_json_in_utc() {
    let args = ["--tz", "+08:00", "--host-tz", "infawk01=+05:30"];
    let path = fixture("network-partition");
    let mut cmd = vec!["analyze", "-q", path.to_str().unwrap()];
    cmd.extend(args);
    cmd.extend(["--display-tz", "America/St_Johns"]);
    let out = hbdiag(&cmd);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Time (America/St_Johns)"), "{text}");
    assert!(
        text.contains("· 2026-03-12T00:32:31.007-02:30"),
        "03:02:31Z is 00:32:31 in Newfoundland's daylight time: {text}"
    );
    let report = analyze_json(&path, &[&args[..], &["--display-tz", "local"]].concat());
    assert_eq!(incidents(&report)[0]["time"], "2026-03-12T03:02:31.007Z");
    let bad = hbdiag(&[
        "analyze",
        path.to_str().unwrap(),
        "--display-tz",
        "Moon/Base",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Moon/Base"));
}

#[test]
fn shutdown_and_killed_nodes_are_process_stopped() {
    let report = analyze_json(&fixture("process-stopped"), &[]);
    let verdicts: Vec<(String, (String, String))> = incidents(&report)
        .iter()
        .map(|i| (i["host"].as_str().unwrap().to_string(), verdict(i)))
        .collect();
    assert_eq!(
        verdicts,
        [
            (
                "infawk04".to_string(),
                (
                    "process_stopped".to_string(),
                    "process_stopped.shutdown_before_timeout".to_string()
                )
            ),
            (
                "infawk05".to_string(),
                (
                    "process_stopped".to_string(),
                    "process_stopped.log_ends_abruptly".to_string()
                )
            ),
        ]
    );
    let killed = &incidents(&report)[1]["root_causes"][0]["evidence"][0];
    assert_eq!(killed["file"], "infawk05/logs/node05/node.log");
}

#[test]
fn unexplained_incident_says_unknown_and_what_to_collect() {
    let report = analyze_json(&fixture("unexplained"), &[]);
    let incident = &incidents(&report)[0];
    assert_eq!(incident["kind"], "node_marked_dead");
    assert_eq!(verdict(incident).0, "unknown");
    let procedure = serde_json::to_string(&incident["root_causes"][0]["procedure"]).unwrap();
    assert!(procedure.contains("GC log"), "{procedure}");
}

#[test]
fn healthy_bundle_has_no_incident() {
    let report = analyze_json(&fixture("healthy"), &[]);
    assert!(incidents(&report).is_empty());
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains("read as UTC (assumed)"),
        "the one warning is that no zone is known: {warnings:?}"
    );
    let out = hbdiag(&["analyze", fixture("healthy").to_str().unwrap()]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("No heartbeat incident found"));
}

#[test]
fn same_input_gives_byte_identical_json() {
    let path = fixture("db-outage");
    let args = ["analyze", path.to_str().unwrap(), "--format", "json"];
    let first = hbdiag(&args).stdout;
    for _ in 0..3 {
        assert_eq!(hbdiag(&args).stdout, first);
    }
    let one_thread = [&args[..], &["--jobs", "1", "--quiet"]].concat();
    assert_eq!(
        hbdiag(&one_thread).stdout,
        first,
        "thread count changes nothing"
    );
}

#[test]
fn fingerprint_survives_recollection_of_a_smaller_bundle() {
    let full = analyze_json(&fixture("db-outage"), &[]);
    let master_only = analyze_json(&fixture("db-outage").join("infagw01"), &[]);
    let fingerprint =
        |r: &serde_json::Value| incident_of_kind(r, "master_db_timeout")["fingerprint"].clone();
    assert_eq!(fingerprint(&full), fingerprint(&master_only));
}

#[test]
fn text_report_shows_verdict_evidence_and_procedure() {
    let out = hbdiag(&["analyze", fixture("db-outage").to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "INC-2 · CRITICAL · master_db_timeout",
        "Verdict: db_unavailable (95%)",
        "Rule db_unavailable.vendor_error held.",
        "infagw01/logs/node01/exceptions.log:",
        "\nProcedure\n  1. Ask the DBA",
        "\nRuled out\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let out = hbdiag(&[
        "analyze",
        "--verbose",
        fixture("db-outage").to_str().unwrap(),
    ]);
    let verbose = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "Root cause: db_unavailable (95% confidence)",
        "Why: rule db_unavailable.vendor_error",
        "Heartbeat events of this incident:",
    ] {
        assert!(
            verbose.contains(expected),
            "missing {expected:?} in\n{verbose}"
        );
    }
}

#[test]
fn output_file_and_mismatched_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    for (host, interval) in [("gw01", 15000), ("wk01", 30000)] {
        let folder = bundle.join(host);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join("node.log"),
            format!("2026-03-12 09:00:01,212 INFO  [main] [SPC_10009] JVM options: -Xmx1024m -Dinfa.masterUpdateTimeInterval={interval}\n"),
        )
        .unwrap();
    }
    let out_file = dir.path().join("report.json");
    let out = hbdiag(&[
        "analyze",
        bundle.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        out_file.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_file).unwrap()).unwrap();
    let note = report["config_notes"][0]["message"].as_str().unwrap();
    assert!(note.contains("gw01=15000, wk01=30000"), "{note}");
}

#[test]
fn offsets_come_from_gc_datestamps_and_peers_share_them() {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "gw01/gc.log",
        "2026-03-12T18:15:30.100+0800: 5130.100: [Full GC (Ergonomics) [PSYoungGen: 11204K->6035K(248192K)] [ParOldGen: 781325K->786431K(786432K)] 792529K->792467K(1034624K), [Metaspace: 76972K->76972K(159936K)], 2.7347630 secs] [Times: user=5.29 sys=0.01, real=2.73 secs]\n",
    );
    write(
        "gw01/node.log",
        "2026-03-12 18:15:50,410 FATAL [Master Elect Data Writer] [DOM_10094] The master gateway node could not update the domain configuration database within the timeout period. The node will shut down.\n",
    );
    write(
        "wk01/node.log",
        "2026-03-12 18:15:58,009 ERROR [Domain Monitor] [DOM_10025] The node cannot send heartbeat messages to the master gateway node.\n",
    );
    let report = analyze_json(dir.path(), &[]);
    let offsets: Vec<(String, String, String)> = report["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["utc_offset"].as_str().unwrap().into(),
                h["offset_source"].as_str().unwrap().into(),
                h["offset_evidence"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        offsets,
        [
            ("+08:00".into(), "inferred".into(), "gw01/gc.log".into()),
            ("+08:00".into(), "peer".into(), "gw01/gc.log".into()),
        ] as [(String, String, String); 2]
    );
    let incident = incident_of_kind(&report, "master_db_timeout");
    assert_eq!(incident["time"], "2026-03-12T10:15:50.410Z");
    assert_eq!(incident["affected_hosts"], serde_json::json!(["wk01"]));

    let explicit = analyze_json(dir.path(), &["--tz", "+00:00"]);
    assert_eq!(explicit["hosts"][1]["offset_source"], "flag");
    assert_eq!(explicit["hosts"][1]["utc_offset"], "+00:00");
}

#[test]
fn floods_of_identical_errors_are_folded_but_counted_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut worker = String::from(
        "2026-03-12 10:13:00,000 INFO  [main] [SPC_10014] Starting the node [wk01] of domain [Domain_Prod].\n",
    );
    // One identical connection error every 2 s from 10:14:00 to 10:16:58:
    // 90 records, of which the 55 from 10:15:10 on fall in the incident's
    // window (105 s before the 10:16:55 anchor, to 5 s after it).
    for i in 0..90 {
        let (m, s) = (14 + i * 2 / 60, i * 2 % 60);
        worker.push_str(&format!(
            "2026-03-12 10:{m:02}:{s:02},000 ERROR [Domain Monitor] [DOM_10112] Request to the master gateway failed: java.net.ConnectException: Connection refused\n"
        ));
    }
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("wk01/node.log", &worker);
    write(
        "gw01/node.log",
        "2026-03-12 10:16:55,000 WARN  [Domain Monitor] [DOM_10065] Node [wk01] did not send a heartbeat within the resilience timeout of 90 seconds.\n",
    );
    let report = analyze_json(dir.path(), &[]);
    let cause = &incidents(&report)[0]["root_causes"][0];
    assert_eq!(cause["rule"], "network.connection_errors");
    let explanation = cause["explanation"].as_str().unwrap();
    assert!(
        explanation.contains("logged 55 network error(s)"),
        "{explanation}"
    );
    let evidence = cause["evidence"].as_array().unwrap();
    assert!(evidence.len() <= 4, "the flood is folded: {evidence:#?}");
    assert!(evidence.iter().all(|e| e["repeats"].as_u64().unwrap() > 1));
    // The kept line (10:14:00) lies before the window: the first error
    // inside it is cited by its own line, with the 55 it stands for there.
    assert_eq!(evidence[0]["line"], 37, "{evidence:#?}");
    assert_eq!(evidence[0]["time"], "2026-03-12T10:15:10.000Z");
    assert!(
        evidence[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("2026-03-12 10:15:10,000")
    );
    assert_eq!(evidence[0]["repeats"], 55);
    let timeline = hbdiag(&[
        "timeline",
        dir.path().to_str().unwrap(),
        "--host",
        "wk01",
        "--level",
        "fatal",
    ]);
    let lines = String::from_utf8(timeline.stdout).unwrap();
    let errors: Vec<&str> = lines
        .lines()
        .filter(|l| l.contains("[network_error]"))
        .collect();
    // Folded per day of the log's clock.
    assert_eq!(errors.len(), 1, "90 errors in one folded line:\n{lines}");
    assert!(errors[0].ends_with("(×90 identical lines)"), "{lines}");
}
