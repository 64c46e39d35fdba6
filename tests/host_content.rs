//! Hosts named or confirmed by what the logs say (issue 10): where a
//! bundle's shape names no host, a sysstat header or a GC log's hostname
//! decoration does (`host_from: content`); where the shape names one,
//! content that disagrees is warned about and the shape's name kept.

mod common;

use common::*;
use serde_json::Value;

/// `sar -u` text as sysstat prints it on `host`.
fn sar(host: &str) -> String {
    format!(
        "Linux 5.14.0-70.22.1.el9_0.x86_64 ({host}) \t03/12/2026 \t_x86_64_\t(4 CPU)\n\
         \n\
         10:15:01 AM     CPU     %user     %nice   %system   %iowait    %steal     %idle\n\
         10:15:06 AM     all      3.20      0.00      1.05      0.20      0.00     95.55\n\
         10:15:11 AM     all      4.10      0.00      1.15      0.10      0.00     94.65\n"
    )
}

/// A JDK 17 unified GC log decorated with `time,hostname,level,tags`.
fn unified_gc(host: &str) -> String {
    [
        "[2026-03-12T10:15:00.001+0000][HOST][info][gc,init] Version: 17.0.1+12-LTS (release)",
        "[2026-03-12T10:15:00.002+0000][HOST][info][gc     ] Using G1",
        "[2026-03-12T10:15:20.100+0000][HOST][info][gc,start] GC(0) Pause Young (Normal) (G1 Evacuation Pause)",
        "[2026-03-12T10:15:20.106+0000][HOST][info][gc      ] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 24M->4M(256M) 5.780ms",
        "",
    ]
    .join("\n")
    .replace("HOST", host)
}

/// `(path, host, host_from)` of every source.
fn hosts_of(report: &Value) -> Vec<(String, String, String)> {
    report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["host"].as_str().unwrap().to_string(),
                s["host_from"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn host_names(report: &Value) -> Vec<&str> {
    report["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect()
}

/// The report's warnings about `file`.
fn warnings_about<'a>(report: &'a Value, file: &str) -> Vec<&'a str> {
    report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["file"] == file)
        .map(|w| w["message"].as_str().unwrap())
        .collect()
}

#[test]
fn a_flat_folder_of_two_hosts_files_gets_two_hosts_from_content() {
    let dir = tempfile::tempdir().unwrap();
    let flat = dir.path().join("flat");
    write(&flat, "a.log", sar("infagw01").as_bytes());
    write(
        &flat,
        "b.log",
        unified_gc("infawk01.corp.example").as_bytes(),
    );
    let report = analyze_json(&flat, &[]);
    assert_eq!(
        hosts_of(&report),
        [
            ("a.log".into(), "infagw01".into(), "content".into()),
            (
                "b.log".into(),
                "infawk01.corp.example".into(),
                "content".into()
            ),
        ]
    );
    assert_eq!(host_names(&report), ["infagw01", "infawk01.corp.example"]);
    assert_eq!(source(&report, "a.log")["kind"], "system_metrics");
    assert_eq!(source(&report, "b.log")["kind"], "gc_log");
    // The same whatever the number of workers.
    let one = hbdiag(&[
        "analyze",
        flat.to_str().unwrap(),
        "--format",
        "json",
        "-j",
        "1",
    ]);
    let two = hbdiag(&[
        "analyze",
        flat.to_str().unwrap(),
        "--format",
        "json",
        "-j",
        "2",
    ]);
    assert!(one.status.success() && two.status.success());
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn a_collection_folder_of_one_host_is_named_by_its_sar_header() {
    let dir = tempfile::tempdir().unwrap();
    let collected = dir.path().join("collected");
    let healthy = fixture("healthy").join("infagw01/logs/node01/node.log");
    write(&collected, "sar-u.txt", sar("infagw01").as_bytes());
    write(&collected, "node.log", &std::fs::read(healthy).unwrap());
    let report = analyze_json(&collected, &[]);
    for (path, host, from) in hosts_of(&report) {
        assert_eq!(
            (host.as_str(), from.as_str()),
            ("infagw01", "content"),
            "{path}"
        );
    }
    assert_eq!(host_names(&report), ["infagw01"]);
    assert!(warnings_about(&report, "sar-u.txt").is_empty());
}

#[test]
fn content_that_disagrees_with_the_folder_is_warned_about_not_obeyed() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let node_log = |host: &str| fixture("healthy").join(host).join("logs/node01/node.log");
    write(&bundle, "infagw01/sar.txt", sar("infagw02").as_bytes());
    write(
        &bundle,
        "infagw01/logs/node01/node.log",
        &std::fs::read(node_log("infagw01")).unwrap(),
    );
    write(
        &bundle,
        "infawk01/gc.log",
        unified_gc("infawk01").as_bytes(),
    );
    let report = analyze_json(&bundle, &[]);
    let sar_source = source(&report, "infagw01/sar.txt");
    assert_eq!(
        (&sar_source["host"], &sar_source["host_from"]),
        (&Value::from("infagw01"), &Value::from("folder"))
    );
    let warned = warnings_about(&report, "infagw01/sar.txt");
    assert_eq!(warned.len(), 1, "{:#}", report["warnings"]);
    assert!(
        warned[0].contains("`infagw02`") && warned[0].contains("read as host `infagw01`"),
        "{}",
        warned[0]
    );
    // Content that agrees says nothing.
    assert!(warnings_about(&report, "infawk01/gc.log").is_empty());
    assert_eq!(host_names(&report), ["infagw01", "infawk01"]);
}

#[test]
fn a_single_file_is_named_by_its_content() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "downloads/gc.log",
        unified_gc("mrs-master1").as_bytes(),
    );
    let report = analyze_json(&dir.path().join("downloads/gc.log"), &[]);
    assert_eq!(
        hosts_of(&report),
        [("gc.log".into(), "mrs-master1".into(), "content".into())]
    );
}

#[test]
fn node_logs_side_by_side_are_hosts_named_after_their_nodes_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let flat = dir.path().join("logs");
    for (host, node, name) in [
        ("infagw01", "node01", "a.log"),
        ("infawk01", "node03", "b.log"),
    ] {
        let from = fixture("healthy")
            .join(host)
            .join("logs")
            .join(node)
            .join("node.log");
        write(&flat, name, &std::fs::read(from).unwrap());
    }
    let report = analyze_json(&flat, &[]);
    assert_eq!(
        hosts_of(&report),
        [
            ("a.log".into(), "node01".into(), "content".into()),
            ("b.log".into(), "node03".into(), "content".into()),
        ]
    );
    for file in ["a.log", "b.log"] {
        let warned = warnings_about(&report, file);
        assert!(
            warned.iter().any(|w| w.contains("Informatica node")),
            "{file}: {warned:?}"
        );
    }
    assert_eq!(incidents(&report).len(), 0, "{:#}", report["incidents"]);
}
