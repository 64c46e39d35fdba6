//! Odd and hostile text inputs (issue 10, problem 4): line endings, byte
//! order marks, UTF-16, impossible times, over-long lines in a cut gzip,
//! impossible GC durations and control characters. Each is built in a temp
//! dir and run through the binary; nothing may panic, hang or be lost
//! silently.

mod common;

use common::*;
use flate2::{Compression, write::GzEncoder};
use serde_json::Value;
use std::fs;
use std::io::Write;
use std::path::Path;

const RECORD: &str = "2026-03-12 10:15:40,001 ERROR [Domain Monitor] [DOM_10025] The node cannot send heartbeat messages to the master gateway node.";

fn source_warnings(source: &Value) -> Vec<&str> {
    source["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect()
}

/// A change of a file's bytes.
type Change<'a> = &'a dyn Fn(&[u8]) -> Vec<u8>;

/// Copies the fixture `name` to `to`, each plain file's bytes changed by
/// `change` (compressed files are copied as they are).
fn copy_changed(name: &str, to: &Path, change: Change<'_>) {
    let from = fixture(name);
    for path in walk(&from) {
        let rel = path
            .strip_prefix(&from)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let bytes = fs::read(&path).unwrap();
        let changed = if rel.ends_with(".gz") {
            bytes
        } else {
            change(&bytes)
        };
        write(to, &rel, &changed);
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// What must not change when only the encoding of the files does: the
/// incidents, and each source's kind and counts.
fn essentials(report: &Value) -> (String, Vec<String>) {
    let sources = report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {} lines={} records={} skipped={}",
                s["path"], s["kind"], s["lines"], s["records"], s["skipped_lines"]
            )
        })
        .collect();
    (report["incidents"].to_string(), sources)
}

fn utf16(bytes: &[u8], big_endian: bool) -> Vec<u8> {
    let mark: &[u8] = if big_endian { b"\xfe\xff" } else { b"\xff\xfe" };
    [mark, &utf16_unmarked(bytes, big_endian)].concat()
}

/// UTF-16 without a byte-order mark, as some Windows tools export it.
fn utf16_unmarked(bytes: &[u8], big_endian: bool) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::with_capacity(2 * bytes.len());
    for unit in text.encode_utf16() {
        out.extend_from_slice(&if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

#[test]
fn cr_crlf_bom_and_utf16_files_read_as_their_lf_originals() {
    let original = analyze_json(&fixture("db-outage"), &[]);
    assert!(!incidents(&original).is_empty());
    let replace = |from: u8, to: &'static [u8]| {
        move |bytes: &[u8]| -> Vec<u8> {
            bytes
                .iter()
                .flat_map(|&b| if b == from { to.to_vec() } else { vec![b] })
                .collect()
        }
    };
    let cr_only = replace(b'\n', b"\r");
    let crlf = replace(b'\n', b"\r\n");
    let bom = |bytes: &[u8]| [b"\xef\xbb\xbf".as_slice(), bytes].concat();
    let utf16le = |bytes: &[u8]| utf16(bytes, false);
    let utf16be_crlf = |bytes: &[u8]| utf16(&replace(b'\n', b"\r\n")(bytes), true);
    let unmarked_le = |bytes: &[u8]| utf16_unmarked(bytes, false);
    let unmarked_be_crlf = |bytes: &[u8]| utf16_unmarked(&replace(b'\n', b"\r\n")(bytes), true);
    let variants: [(&str, Change<'_>); 7] = [
        ("CR only", &cr_only),
        ("CRLF", &crlf),
        ("UTF-8 BOM", &bom),
        ("UTF-16LE", &utf16le),
        ("UTF-16BE CRLF", &utf16be_crlf),
        ("UTF-16LE without BOM", &unmarked_le),
        ("UTF-16BE CRLF without BOM", &unmarked_be_crlf),
    ];
    for (name, change) in variants {
        let dir = tempfile::tempdir().unwrap();
        copy_changed("db-outage", dir.path(), change);
        let report = analyze_json(dir.path(), &[]);
        assert_eq!(essentials(&report), essentials(&original), "{name}");
        let node = source(&report, "infagw01/logs/node01/node.log");
        assert!(
            source_warnings(node).is_empty(),
            "{name}: {:?}",
            source_warnings(node)
        );
    }
}

#[test]
fn a_utf16le_node_log_without_bom_gives_the_incidents_of_its_utf8_copy() {
    let bundle = |encode: Change<'_>| {
        let dir = tempfile::tempdir().unwrap();
        let node_log = fixture("db-outage").join("infagw01/logs/node01/node.log");
        copy_changed("db-outage", dir.path(), &|b: &[u8]| b.to_vec());
        write(
            dir.path(),
            "infagw01/logs/node01/node.log",
            &encode(&fs::read(node_log).unwrap()),
        );
        let report = analyze_json(dir.path(), &[]);
        let node = source(&report, "infagw01/logs/node01/node.log").clone();
        (report["incidents"].clone(), node)
    };
    let (utf8_incidents, utf8_node) = bundle(&|b: &[u8]| b.to_vec());
    let (utf16_incidents, utf16_node) = bundle(&|b: &[u8]| utf16_unmarked(b, false));
    assert!(!utf8_incidents.as_array().unwrap().is_empty());
    assert_eq!(utf16_incidents, utf8_incidents);
    assert_eq!(utf8_node["encoding"], "utf-8");
    assert_eq!(utf16_node["encoding"], "utf-16le-unmarked");
    assert_eq!(
        (&utf16_node["lines"], &utf16_node["records"]),
        (&utf8_node["lines"], &utf8_node["records"])
    );
    assert!(source_warnings(&utf16_node).is_empty(), "{utf16_node:#}");
}

#[test]
fn binary_with_nuls_stays_binary() {
    let dir = tempfile::tempdir().unwrap();
    // Little-endian counters: a NUL in every other byte, but no text.
    let counters: Vec<u8> = (0u16..2000).flat_map(u16::to_le_bytes).collect();
    write(dir.path(), "h1/node.log", format!("{RECORD}\n").as_bytes());
    write(dir.path(), "h1/node.log.1", &counters);
    let report = analyze_json(dir.path(), &[]);
    let skipped = source(&report, "h1/node.log.1")["skipped"]
        .as_str()
        .unwrap();
    assert!(skipped.contains("binary"), "{skipped}");
}

#[test]
fn a_cr_only_healthy_log_gives_no_incident() {
    let dir = tempfile::tempdir().unwrap();
    copy_changed("healthy", dir.path(), &|bytes: &[u8]| {
        bytes
            .iter()
            .map(|&b| if b == b'\n' { b'\r' } else { b })
            .collect()
    });
    let report = analyze_json(dir.path(), &[]);
    assert_eq!(incidents(&report).len(), 0, "{:#}", report["incidents"]);
    for s in report["sources"].as_array().unwrap() {
        assert!(s["lines"].as_u64().unwrap() > 1, "{s:#}");
    }
}

#[test]
fn impossible_times_are_skipped_lines_with_warnings_and_samples() {
    let dir = tempfile::tempdir().unwrap();
    let log = format!(
        "2026-03-12 10:15:00,000 INFO  [main] started\n\
         2026-02-30 10:15:10,000 ERROR [main] [DOM_10025] the 30th of February\n\
         \tat its.Frame(Frame.java:1)\n\
         2026-03-12 25:61:61,000 ERROR [main] hour 25\n\
         2016-12-31 23:59:60,500 INFO  [main] a leap second, kept\n\
         {RECORD}\n"
    );
    write(dir.path(), "h1/node.log", log.as_bytes());
    let report = analyze_json(dir.path(), &[]);
    let log = source(&report, "h1/node.log");
    assert_eq!(log["lines"], 6);
    assert_eq!(log["records"], 3, "{log:#}");
    assert_eq!(log["skipped_lines"], 3);
    assert_eq!(log["unparsed_samples"][0]["line"], 2);
    assert!(
        log["unparsed_samples"][0]["text"]
            .as_str()
            .unwrap()
            .contains("the 30th of February")
    );
    let warnings = source_warnings(log);
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("line 2: impossible time `2026-02-30 10:15:10`")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("line 4: impossible time `2026-03-12 25:61:61`")),
        "{warnings:?}"
    );
    let incident = &incidents(&report)[0];
    assert_eq!(incident["time"], "2026-03-12T10:15:40.001Z");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[test]
fn an_over_long_single_line_in_a_cut_gzip_is_cut_not_called_empty() {
    let dir = tempfile::tempdir().unwrap();
    let mut line = format!("{RECORD} ").into_bytes();
    line.extend(std::iter::repeat_n(b'x', 4 << 20));
    let whole = gzip(&line);
    write(dir.path(), "h1/node.log.gz", &whole);
    write(dir.path(), "h2/node.log.gz", &whole[..whole.len() / 2]);
    let report = analyze_json(dir.path(), &[]);
    for (path, cut_short) in [("h1/node.log.gz", false), ("h2/node.log.gz", true)] {
        let source = source(&report, path);
        let warnings = source_warnings(source);
        assert_eq!(source["records"], 1, "{path}: {source:#}");
        assert!(
            !warnings.iter().any(|w| w.contains("empty")),
            "{path}: {warnings:?}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("line 1: 1 line(s) longer than 64 KiB were cut")),
            "{path}: {warnings:?}"
        );
        assert_eq!(
            warnings
                .iter()
                .any(|w| w.contains("read stopped after line 1")),
            cut_short,
            "{path}: {warnings:?}"
        );
    }
}

#[test]
fn negative_and_absurd_gc_durations_are_rejected_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let gc = "\
2026-03-12T10:00:00.048+0800: 0.048: [GC (Allocation Failure) [PSYoungGen: 293198K->29319K(305664K)] 693198K->429319K(1005056K), -5.0 secs] [Times: user=0.01 sys=0.00, real=0.01 secs]
2026-03-12T10:00:01.048+0800: 1.048: [Full GC (Ergonomics) [PSYoungGen: 293198K->29319K(305664K)] 693198K->429319K(1005056K), 1e308 secs] [Times: user=0.01 sys=0.00, real=0.01 secs]
2026-03-12T10:00:02.048+0800: 2.048: [GC (Allocation Failure) [PSYoungGen: 293198K->29319K(305664K)] 693198K->429319K(1005056K), 0.0723150 secs] [Times: user=0.01 sys=0.00, real=0.01 secs]
";
    write(dir.path(), "h1/gc.log", gc.as_bytes());
    let report = analyze_json(dir.path(), &[]);
    let warnings = source_warnings(source(&report, "h1/gc.log"));
    for line in [1, 2] {
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with(&format!("line {line}: "))
                    && w.contains("impossible duration")),
            "line {line}: {warnings:?}"
        );
    }
    let out = hbdiag(&[
        "gc",
        dir.path().join("h1/gc.log").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary[0]["pauses"], 1, "{summary:#}");
}

/// Lines, records and skipped lines of every source agree:
/// records + skipped lines <= lines.
fn assert_counts_add_up(report: &Value, what: &str) {
    for s in report["sources"].as_array().unwrap() {
        let (lines, records, skipped) = (
            s["lines"].as_u64().unwrap(),
            s["records"].as_u64().unwrap(),
            s["skipped_lines"].as_u64().unwrap(),
        );
        assert!(
            records + skipped <= lines,
            "{what}: {}: {lines} lines, {records} records, {skipped} skipped",
            s["path"]
        );
    }
}

#[test]
fn skipped_lines_never_exceed_lines_minus_records() {
    for entry in fs::read_dir(fixture("")).unwrap().flatten() {
        if entry.path().is_dir() {
            let report = analyze_json(&entry.path(), &[]);
            assert_counts_add_up(&report, &entry.path().display().to_string());
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let hostile = [
        (
            "h1/node.log",
            format!("stray\n2026-02-30 10:15:10,000 ERROR [main] x\n\tat a.B(B.java:1)\n{RECORD}\n")
                .into_bytes(),
        ),
        ("h2/node.log", format!("{RECORD}\r{RECORD}\r\r").into_bytes()),
        ("h3/node.log", format!("\u{feff}{RECORD}\n").into_bytes()),
        ("h4/node.log", utf16(format!("{RECORD}\n").as_bytes(), false)),
        (
            "h5/gc.log",
            b"5.0: [GC (Allocation Failure) [PSYoungGen: 10K->1K(20K)] 10K->1K(40K), 0.0100000 secs] [Times: user=0.01 sys=0.00, real=0.01 secs]5.011: Total time for which application threads were stopped: 0.0110000 seconds\n5.5: [GC (Allocation Failure) 10K->1K(40K), -5.0 secs]\n"
                .to_vec(),
        ),
    ];
    for (rel, bytes) in &hostile {
        write(dir.path(), rel, bytes);
    }
    let report = analyze_json(dir.path(), &[]);
    assert_counts_add_up(&report, "hostile inputs");
    assert_eq!(source(&report, "h2/node.log")["records"], 2);
    assert_eq!(source(&report, "h3/node.log")["records"], 1);
    assert_eq!(source(&report, "h4/node.log")["records"], 1);
}

fn assert_no_raw_controls(bytes: &[u8], what: &str) {
    let text = String::from_utf8_lossy(bytes);
    let raw: Vec<char> = text
        .chars()
        .filter(|&c| c.is_control() && c != '\n')
        .collect();
    assert!(raw.is_empty(), "{what}: raw {raw:?} in\n{text}");
}

/// [`assert_no_raw_controls`] once the report's own colour sequences (its
/// palette only: a log's `ESC[31m` is not one of them) are taken out.
fn assert_no_raw_controls_but_colour(bytes: &[u8], what: &str) {
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    for code in ["1;31", "33", "32", "2", "1", "36", "0"] {
        text = text.replace(&format!("\x1b[{code}m"), "");
    }
    assert_no_raw_controls(text.as_bytes(), what);
}

#[test]
fn control_characters_never_reach_the_terminal_raw() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "\x1b]0;owned\x07\x1b[2J\x1b[31m\u{9b}31m";
    let log = format!(
        "{RECORD} {evil}\n2026-03-12 10:15:41,001 ERROR [Domain Monitor{evil}] [DOM_10025] The node cannot send heartbeat messages to the master gateway node {evil}.\n"
    );
    write(dir.path(), "wk\x1b[1m01/node.log", log.as_bytes());
    write(dir.path(), "wk02/gc\x07.log", b"2026-03-12T10:00:02.048+0800: 2.048: [GC (Allocation Failure) [PSYoungGen: 293198K->29319K(305664K)] 693198K->429319K(1005056K), 0.0723150 secs] [Times: user=0.01 sys=0.00, real=0.01 secs]\n");
    let root = dir.path().to_str().unwrap();

    let text = hbdiag(&["analyze", root]);
    assert!(text.status.success());
    assert_no_raw_controls(&text.stdout, "analyze");
    assert_no_raw_controls(&text.stderr, "analyze stderr");
    let shown = String::from_utf8_lossy(&text.stdout);
    assert!(shown.contains(r"wk\x1b[1m01"), "{shown}");
    let verbose = hbdiag(&["analyze", "--verbose", "--color", "always", root]);
    assert_no_raw_controls_but_colour(&verbose.stdout, "analyze --verbose");
    let shown = String::from_utf8_lossy(&verbose.stdout);
    assert!(shown.contains(r"\x1b]0;owned\x07"), "{shown}");

    let timeline = hbdiag(&["timeline", root]);
    assert!(timeline.status.success());
    assert_no_raw_controls(&timeline.stdout, "timeline");
    assert!(String::from_utf8_lossy(&timeline.stdout).contains(r"\x1b[2J"));

    let gc_path = dir.path().join("wk02/gc\x07.log");
    let gc = hbdiag(&[
        "gc",
        gc_path.to_str().unwrap(),
        "/nonexistent/\x1b[2Jgc.log",
    ]);
    assert!(gc.status.success());
    assert_no_raw_controls(&gc.stdout, "gc");
    assert_no_raw_controls(&gc.stderr, "gc stderr");
    assert!(String::from_utf8_lossy(&gc.stderr).contains(r"\x1b[2J"));

    let json = analyze_json(dir.path(), &[]);
    let exact = json.to_string();
    assert!(
        exact.contains(r"\u001b]0;owned\u0007"),
        "JSON keeps the text exact"
    );
}
