//! `hbdiag gc` in garbagecat's shape (issue 11, part 7): a summary, findings
//! by severity with file:line and a numbered remedy, bottlenecks of low
//! throughput, and the JSON in step with the text.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A JDK 8 Parallel log whose worst pause is a 120 s full GC.
fn long_full_gc() -> PathBuf {
    fixture("gc-worker-long-full-gc").join("infawk01/logs/node03/gc.log")
}

/// A JDK 17 G1 log (unified logging) with to-space exhausted and full GCs.
fn g1_worker() -> PathBuf {
    fixture("gc-worker").join("infawk01/logs/node03/gc.log")
}

/// One young G1 pause called by `System.gc()` (see tests/data/gc/README.md).
fn system_gc() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gc/g1-system-gc-young.log")
}

fn gc(args: &[&str]) -> String {
    let mut all = vec!["gc"];
    all.extend_from_slice(args);
    let out = hbdiag(&all);
    assert!(
        out.status.success(),
        "{all:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn gc_json(path: &Path) -> Value {
    let text = gc(&[path.to_str().unwrap(), "--format", "json"]);
    serde_json::from_str::<Value>(&text).unwrap()[0].clone()
}

fn finding<'a>(summary: &'a Value, kind: &str) -> &'a Value {
    summary["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {:#}", summary["findings"]))
}

#[test]
fn text_has_the_sections_in_garbagecat_order() {
    let path = long_full_gc();
    let text = gc(&[path.to_str().unwrap()]);
    let at = |what: &str| {
        text.find(what)
            .unwrap_or_else(|| panic!("no {what:?}:\n{text}"))
    };
    let order = [
        at("Summary\n"),
        at("Findings by severity\n"),
        at("\nCritical\n"),
        at("\nWarning\n"),
        at("Bottlenecks: throughput under 90 % in a sliding 5-minute window"),
        at("Longest pauses\n"),
    ];
    assert!(order.is_sorted(), "{order:?}\n{text}");
    for line in [
        "  JVM:                Java HotSpot(TM) 64-Bit Server VM (25.361-b09) for linux-amd64 JRE (1.8.0_361-b09)",
        "  Collector:          Parallel",
        "  Time covered:       2026-03-12T10:00:19.800+00:00 to 2026-03-12T10:19:50.967+00:00 (19m 31s)",
        "  GC pauses:          53, 153300.7 ms in total",
        "  Max pause:          120412.3 ms (line 74)",
        "  Throughput:         86.91 %",
    ] {
        assert!(text.contains(line), "no {line:?}:\n{text}");
    }
    let long_pause = format!("  long_pause ×4 at {}:74\n", path.display());
    assert!(text.contains(&long_pause), "{text}");
    assert!(
        text.contains("    120412.3 ms full pause (Ergonomics)\n"),
        "{text}"
    );
    assert!(
        text.contains("    1. Give the old generation room: raise -Xmx"),
        "{text}"
    );
    assert!(text.contains("    2. This collector compacts") && text.contains("-XX:+UseG1GC"));
    assert!(
        text.contains("| 52.26    | 30     | 151790.9 | 42–100 |"),
        "{text}"
    );
}

#[test]
fn a_single_long_full_gc_is_a_critical_finding() {
    let summary = gc_json(&long_full_gc());
    let long = finding(&summary, "long_pause");
    assert_eq!(long["severity"], "critical");
    assert_eq!(
        (long["line"].as_u64(), long["count"].as_u64()),
        (Some(74), Some(4))
    );
    assert!(
        long["text"]
            .as_str()
            .unwrap()
            .contains("[Full GC (Ergonomics)")
    );
    let remedy: Vec<&str> = long["remedy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(remedy.len(), 2, "{remedy:?}");
    assert!(remedy[1].contains("-XX:MaxGCPauseMillis=200"), "{remedy:?}");

    let low = finding(&summary, "low_throughput");
    assert_eq!(
        (low["severity"].as_str(), low["line"].as_u64()),
        (Some("warning"), Some(74))
    );
    assert!(
        low["detail"].as_str().unwrap().starts_with(
            "throughput 52.3% from 2026-03-12T10:09:38.957+00:00 to 2026-03-12T10:14:38.957+00:00"
        ),
        "{low}"
    );
}

#[test]
fn json_keeps_its_fields_and_adds_the_sections() {
    let summary = gc_json(&long_full_gc());
    for field in [
        "path",
        "collector",
        "pauses",
        "max_pause_ms",
        "total_pause_ms",
        "safepoints",
        "stopped_total_ms",
        "allocation_stalls",
        "allocation_stall_total_ms",
        "first_time",
        "last_time",
        "run_ms",
        "throughput_pct",
        "longest",
        "findings",
        "jvm",
        "bottlenecks",
    ] {
        assert!(summary.get(field).is_some(), "no {field} in {summary:#}");
    }
    assert_eq!(summary["max_pause_ms"], 120412.3456);
    let bottleneck = &summary["bottlenecks"][0];
    assert_eq!(bottleneck["start"], "2026-03-12T10:06:35.196+00:00");
    assert_eq!(bottleneck["end"], "2026-03-12T10:18:44.860+00:00");
    assert_eq!(
        (
            bottleneck["first_line"].as_u64(),
            bottleneck["last_line"].as_u64()
        ),
        (Some(42), Some(100))
    );
    assert_eq!(bottleneck["pauses"], 30);
    for f in summary["findings"].as_array().unwrap() {
        assert!(f["line"].as_u64().unwrap() > 0, "{f}");
        assert!(!f["remedy"].as_array().unwrap().is_empty(), "{f}");
    }
}

#[test]
fn findings_come_most_severe_first_with_remedies_that_fit() {
    let summary = gc_json(&g1_worker());
    assert_eq!(summary["jvm"], "JDK 17.0.9+9-LTS (release)");
    let severities: Vec<&str> = summary["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    let rank = |s: &&str| ["critical", "warning", "info"].iter().position(|k| k == s);
    assert!(severities.iter().map(rank).is_sorted(), "{severities:?}");
    let evacuation = finding(&summary, "evacuation_failure");
    let remedy = evacuation["remedy"].to_string();
    assert!(remedy.contains("-XX:G1ReservePercent=20"), "{remedy}");
    // G1 fell back to full GCs: no advice to move to G1.
    let long = finding(&summary, "long_pause");
    assert!(!long["remedy"].to_string().contains("move to G1"), "{long}");
    assert!(
        long["remedy"]
            .to_string()
            .contains("InitiatingHeapOccupancyPercent")
    );
}

#[test]
fn explicit_gc_is_told_how_to_turn_off() {
    let summary = gc_json(&system_gc());
    assert_eq!(summary["collector"], "G1");
    let explicit = finding(&summary, "explicit_gc");
    assert_eq!(
        (explicit["severity"].as_str(), explicit["line"].as_u64()),
        (Some("info"), Some(1))
    );
    assert!(
        explicit["remedy"][0]
            .as_str()
            .unwrap()
            .contains("-XX:+DisableExplicitGC")
    );
    assert!(
        summary["bottlenecks"].as_array().unwrap().is_empty(),
        "a 4-minute run has no 5-minute window"
    );
    let text = gc(&[system_gc().to_str().unwrap()]);
    assert!(text.contains("\nInfo\n  explicit_gc at "), "{text}");
    assert!(text.contains("None: every window left the application that share or more."));
    assert!(
        text.contains("  JVM:                not named in the log"),
        "{text}"
    );
}
