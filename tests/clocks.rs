//! Clock skew: a fixture bundle with one host's clock set wrong (every
//! timestamp in its files moved, as a clock that is off writes them) must
//! say so, with the events that show it, and keep the verdict of the bundle
//! whose clocks are right.

mod common;

use chrono::{Duration, NaiveDateTime};
use common::{analyze_json, copy_tree, files_under, fixture, incidents};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use regex::Regex;
use serde_json::Value;
use std::fs;
use std::io::{Read, Write};
use std::path::Path;

/// Copies fixture `name` into a temporary folder with every timestamp in
/// the files under `host/` moved by `seconds`.
fn with_clock_off(name: &str, host: &str, seconds: i64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture(name), dir.path());
    let stamp = Regex::new(r"(\d{4}-\d{2}-\d{2})([ T])(\d{2}:\d{2}:\d{2})").unwrap();
    for path in files_under(&dir.path().join(host)) {
        let gz = path.extension().is_some_and(|e| e == "gz");
        let text = read(&path, gz);
        let moved = stamp.replace_all(&text, |c: &regex::Captures<'_>| {
            let at =
                NaiveDateTime::parse_from_str(&format!("{} {}", &c[1], &c[3]), "%Y-%m-%d %H:%M:%S");
            match at {
                Ok(at) => {
                    let at = at + Duration::seconds(seconds);
                    format!(
                        "{}{}{}",
                        at.format("%Y-%m-%d"),
                        &c[2],
                        at.format("%H:%M:%S")
                    )
                }
                Err(_) => c[0].to_string(),
            }
        });
        write(&path, moved.as_bytes(), gz);
    }
    dir
}

fn read(path: &Path, gz: bool) -> String {
    let bytes = fs::read(path).unwrap();
    if !gz {
        return String::from_utf8(bytes).unwrap();
    }
    let mut text = String::new();
    GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn write(path: &Path, bytes: &[u8], gz: bool) {
    if !gz {
        return fs::write(path, bytes).unwrap();
    }
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    fs::write(path, encoder.finish().unwrap()).unwrap();
}

/// Each incident's kind, host, time and first rule.
fn verdicts(report: &Value) -> Vec<(String, String, String, String)> {
    incidents(report)
        .iter()
        .map(|i| {
            let text = |v: &Value| v.as_str().unwrap_or("").to_string();
            (
                text(&i["kind"]),
                text(&i["host"]),
                text(&i["time"]),
                text(&i["root_causes"][0]["rule"]),
            )
        })
        .collect()
}

fn skews(report: &Value) -> &Vec<Value> {
    report["clock_skews"].as_array().unwrap()
}

fn warned(report: &Value, part: &str) -> bool {
    report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["message"].as_str().unwrap().contains(part))
}

/// The skew's bounds hold `seconds`, and it names the two clocks.
fn assert_skew(skew: &Value, ahead: &str, behind: &str, seconds: f64) {
    assert_eq!(skew["ahead"], ahead, "{skew}");
    assert_eq!(skew["behind"], behind, "{skew}");
    let (min, max) = (
        skew["min_s"].as_f64().unwrap(),
        skew["max_s"].as_f64().unwrap(),
    );
    assert!(
        min > 2.0 && min <= seconds && seconds <= max,
        "{seconds} s in {min}–{max} s"
    );
    assert!(!skew["evidence"].as_array().unwrap().is_empty(), "{skew}");
}

#[test]
fn a_flinkserver_peer_40_s_ahead_is_found_corrected_and_keeps_the_verdict() {
    let right = analyze_json(&fixture("flink-network"), &[]);
    let off = with_clock_off("flink-network", "mrs-master2", 40);
    let report = analyze_json(off.path(), &[]);
    assert_eq!(skews(&report).len(), 1, "{}", report["clock_skews"]);
    let skew = &skews(&report)[0];
    assert_skew(skew, "mrs-master2", "mrs-master1", 40.0);
    assert_eq!(skew["corrected_clock"], "mrs-master2");
    assert_eq!(skew["verdicts_hold"], true);
    let pairs: Vec<&str> = skew["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pair"].as_str().unwrap())
        .collect();
    assert_eq!(pairs, ["flink_link_breaks_both_ways"]);
    assert!(warned(&report, "clock skew: mrs-master2 reads"));
    assert_eq!(verdicts(&report), verdicts(&right));
}

#[test]
fn a_gateway_40_s_ahead_is_found_from_the_new_master_and_keeps_the_verdicts() {
    let right = analyze_json(&fixture("db-outage"), &[]);
    let off = with_clock_off("db-outage", "infagw02", 40);
    let report = analyze_json(off.path(), &[]);
    assert_eq!(skews(&report).len(), 1, "{}", report["clock_skews"]);
    let skew = &skews(&report)[0];
    assert_skew(skew, "infagw02", "infawk01", 40.0);
    assert_eq!(skew["evidence"][0]["pair"], "new_master_reached");
    assert_eq!(skew["evidence"][0]["cause"]["host"], "infagw02");
    assert_eq!(skew["evidence"][0]["effect"]["host"], "infawk01");
    assert_eq!(skew["verdicts_hold"], true);
    assert_eq!(verdicts(&report), verdicts(&right));
}

#[test]
fn a_host_behind_its_alarms_is_corrected_and_the_doubt_is_told() {
    // mrs-master1's logs read 40 s early against the alarm export: as
    // written, its heartbeat errors fall before the alarm's window.
    let right = analyze_json(&fixture("flink-network"), &[]);
    let off = with_clock_off("flink-network", "mrs-master1", -40);
    let report = analyze_json(off.path(), &[]);
    assert_eq!(
        verdicts(&report),
        verdicts(&right),
        "the corrected clock gives the verdict back"
    );
    let skew = skews(&report)
        .iter()
        .find(|s| s["corrected_clock"] == "mrs-master1")
        .expect("mrs-master1 is the clock that is off");
    assert_eq!(skew["verdicts_hold"], false);
    let change = &skew["changes"][0];
    assert_eq!(change["verdict"], "network.flinkserver_link_broken");
    assert_eq!(change["alternative"], "unknown.flinkserver_no_rule_matched");
    assert_eq!(change["at_correction_s"], 0.0, "as written");
    assert!(warned(&report, "could change within the skew"));

    let as_written = analyze_json(off.path(), &["--keep-clocks"]);
    assert!(skews(&as_written).is_empty());
    assert_eq!(
        incidents(&as_written)[0]["root_causes"][0]["rule"],
        "unknown.flinkserver_no_rule_matched"
    );
}

#[test]
fn clocks_that_agree_give_no_skew() {
    // Their hosts' clocks are seconds apart on purpose, as the captures at
    // both ends measure (tests/packet_captures.rs).
    let skewed = ["packets-lost", "packets-gc-worker"];
    for entry in fs::read_dir(fixture("")).unwrap() {
        let path = entry.unwrap().path();
        if skewed.iter().any(|name| path.ends_with(name)) {
            continue;
        }
        let report = analyze_json(&path, &[]);
        assert!(
            skews(&report).is_empty(),
            "{}: {}",
            path.display(),
            report["clock_skews"]
        );
    }
}

#[test]
fn a_skew_within_the_lag_the_design_allows_is_not_claimed() {
    let off = with_clock_off("flink-network", "mrs-master2", 5);
    let report = analyze_json(off.path(), &[]);
    assert!(skews(&report).is_empty(), "{}", report["clock_skews"]);
}

#[test]
fn the_text_report_shows_the_skew_and_its_proving_lines() {
    let off = with_clock_off("flink-network", "mrs-master2", 40);
    let out = common::hbdiag(&["analyze", "-q", off.path().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Clock skew\n"), "{text}");
    assert!(text.contains("mrs-master2's times are moved -"), "{text}");
    assert!(text.contains("flink_link_breaks_both_ways"), "{text}");
    assert!(text.contains("Failed to send heartbeat to peer"), "{text}");
}
