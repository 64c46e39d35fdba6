//! Bad input never stops a run: each problem is a warning naming the file
//! (and line), the rest is used, and nothing is written into the input.

mod common;

use common::*;
use flate2::{Compression, write::GzEncoder};
use serde_json::Value;
use std::fs;
use std::io::Write;
use std::path::Path;

const RECORD: &str = "2026-03-12 10:15:40,001 ERROR [Domain Monitor] [DOM_10025] The node cannot send heartbeat messages to the master gateway node.";

fn warning_about<'a>(report: &'a Value, file: &str) -> Vec<&'a str> {
    report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["file"] == file)
        .map(|w| w["message"].as_str().unwrap())
        .collect()
}

#[test]
fn binary_truncated_gzip_bad_utf8_and_huge_lines_are_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "h1/core.12345",
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00",
    );
    write(root, "h1/node.log.bin", b"\x00\x01\x02binary\x00");
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    for i in 0..2000 {
        writeln!(gz, "2026-03-12 10:{:02}:{:02},000 INFO  [main] [LGS_10042] Log Service flushed {i} events.", i / 60 % 60, i % 60).unwrap();
    }
    let bytes = gz.finish().unwrap();
    write(root, "h1/node.log.1.gz", &bytes[..bytes.len() / 2]);
    let mut latin1 = format!("{RECORD}\n").into_bytes();
    latin1.extend_from_slice(
        b"2026-03-12 10:15:41,001 WARN  [main] Benutzer M\xfcller: Verbindung abgelehnt\n",
    );
    write(root, "h2/node.log", &latin1);
    let mut huge = format!("{RECORD}\n2026-03-12 10:15:40,500 INFO  [main] ").into_bytes();
    huge.extend(std::iter::repeat_n(b'x', 3 * 1024 * 1024));
    huge.extend_from_slice(format!("\n{RECORD}\n").as_bytes());
    write(root, "h3/node.log", &huge);

    let report = analyze_json(root, &[]);
    assert!(
        warning_about(&report, "h1/core.12345")
            .iter()
            .any(|m| m.contains("binary content"))
    );
    assert!(
        source(&report, "h1/node.log.bin")["skipped"]
            .as_str()
            .unwrap()
            .contains("binary")
    );
    let truncated = source(&report, "h1/node.log.1.gz");
    assert!(
        truncated["records"].as_u64().unwrap() > 0,
        "what was read before the cut is kept"
    );
    assert!(
        truncated["warnings"][0]
            .as_str()
            .unwrap()
            .contains("read stopped after line"),
        "{truncated:#}"
    );
    let latin = source(&report, "h2/node.log");
    assert_eq!(latin["records"], 2);
    assert!(
        latin["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("line 2: 1 line(s) had bytes that are not UTF-8")
    );
    let big = source(&report, "h3/node.log");
    assert_eq!(big["records"], 3);
    assert!(
        big["warnings"].as_array().unwrap().iter().any(|w| w
            .as_str()
            .unwrap()
            .starts_with("line 2: 1 line(s) longer than 64 KiB")),
        "{big:#}"
    );
    let hosts: Vec<&str> = incidents(&report)
        .iter()
        .map(|i| i["host"].as_str().unwrap())
        .collect();
    assert!(
        hosts.contains(&"h2") && hosts.contains(&"h3"),
        "records around the damage still count"
    );
}

#[test]
fn out_of_order_timestamps_are_reordered_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let log = format!(
        "2026-03-12 10:16:00,000 INFO  [main] later first\n{RECORD}\n2026-03-12 10:16:30,000 INFO  [main] after\n"
    );
    write(dir.path(), "h1/node.log", log.as_bytes());
    let report = analyze_json(dir.path(), &[]);
    let warnings = warning_about(&report, "h1/node.log");
    assert!(
        warnings
            .iter()
            .any(|m| m.contains("timestamp goes back 20.0 s")),
        "{warnings:?}"
    );
    assert_eq!(incidents(&report)[0]["time"], "2026-03-12T10:15:40.001Z");
}

#[test]
fn archives_get_a_clear_warning_and_lines_outside_records_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "h1/logs.zip", b"PK\x03\x04\x14\x00rest-of-zip");
    write(
        dir.path(),
        "h1/node.log",
        format!("stray line before any record\n{RECORD}\n").as_bytes(),
    );
    let report = analyze_json(dir.path(), &[]);
    let zip = source(&report, "h1/logs.zip");
    assert!(
        zip["skipped"]
            .as_str()
            .unwrap()
            .contains("no entry could be read from this archive: zip central directory unreadable"),
        "{zip:#}"
    );
    let log = source(&report, "h1/node.log");
    assert_eq!(log["skipped_lines"], 1);
    assert_eq!(
        log["unparsed_samples"][0]["text"],
        "stray line before any record"
    );
}

#[test]
fn empty_folder_or_missing_path_fails_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = hbdiag(&["analyze", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no log could be read"), "{stderr}");

    assert!(out.stdout.is_empty(), "no report before the error");

    // A path that does not exist is a usage error, before any report.
    let out = hbdiag(&["analyze", "/nonexistent/bundle", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/nonexistent/bundle: no such file or folder"),
        "{stderr}"
    );
}

#[test]
fn usage_errors_exit_with_2() {
    let healthy = fixture("healthy");
    for args in [
        vec!["analyze"],
        vec!["analyze", healthy.to_str().unwrap(), "--tz", "Mars/Olympus"],
        vec!["analyze", healthy.to_str().unwrap(), "--host-tz", "gw01"],
        vec![
            "timeline",
            healthy.to_str().unwrap(),
            "--since",
            "yesterday",
        ],
    ] {
        let out = hbdiag(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_input_folder_is_never_written() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "h1/node.log", format!("{RECORD}\n").as_bytes());
    let listing = |p: &Path| {
        let mut names: Vec<_> = walk(p);
        names.sort();
        names
    };
    let before = listing(dir.path());
    let modified = fs::metadata(dir.path().join("h1/node.log"))
        .unwrap()
        .modified()
        .unwrap();
    analyze_json(dir.path(), &[]);
    hbdiag(&["timeline", dir.path().to_str().unwrap()]);
    assert_eq!(listing(dir.path()), before);
    assert_eq!(
        fs::metadata(dir.path().join("h1/node.log"))
            .unwrap()
            .modified()
            .unwrap(),
        modified
    );
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        out.push(path.display().to_string());
        if path.is_dir() {
            out.extend(walk(&path));
        }
    }
    out
}

#[test]
fn garbled_interval_values_are_ignored_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "gw01/node.log",
        b"2026-03-12 09:00:01,212 INFO  [main] [SPC_10009] JVM options: -Dinfa.masterUpdateTimeInterval=99999999999999999999\n\
          2026-03-12 10:17:01,003 WARN  [Domain Monitor] [DOM_10065] Node [wk01] did not send a heartbeat within the resilience timeout of 90 seconds.\n",
    );
    let report = analyze_json(dir.path(), &[]);
    let note = report["config_notes"][0]["message"].as_str().unwrap();
    assert!(note.starts_with("ignored value_ms = "), "{note}");
    assert_eq!(incidents(&report)[0]["timeout_s"], 90.0);
    let out = hbdiag(&[
        "analyze",
        dir.path().to_str().unwrap(),
        "--master-update-interval",
        "1e20",
    ]);
    assert_eq!(out.status.code(), Some(2));
}
