//! Hostile and odd inputs, each built in a temp dir and given to the
//! binary: deep archive nesting, FIFOs, deep nested zips (memory), plain
//! tars cut inside an entry; and the mistakes a user can make on the
//! command line, which get clear errors before any report.

mod common;

use common::*;
use serde_json::Value;
use std::fs;
use std::io::{Cursor, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use zip::write::SimpleFileOptions;

const RECORD: &str = "2026-03-12 10:15:40,001 ERROR [Domain Monitor] [DOM_10025] The node cannot send heartbeat messages to the master gateway node.";

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

fn node_log() -> Vec<u8> {
    format!(
        "2026-03-12 10:15:22,345 INFO  [Domain Monitor] [DOM_10000] The node started.\n{RECORD}\n"
    )
    .into_bytes()
}

fn tar_of(name: &str, data: &[u8]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_path(name).unwrap();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    builder.append(&header, data).unwrap();
    builder.into_inner().unwrap()
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn sources(report: &Value) -> &Vec<Value> {
    report["sources"].as_array().unwrap()
}

fn source<'a>(report: &'a Value, path: &str) -> &'a Value {
    sources(report)
        .iter()
        .find(|s| s["path"] == path)
        .unwrap_or_else(|| panic!("{path} not in sources: {:#}", report["sources"]))
}

/// Runs the binary with `args`, killed (and failing the test) after `limit`.
fn run_with_timeout(args: &[&str], limit: Duration) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hbdiag"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("hbdiag {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn three_hundred_nested_plain_tars_stop_at_the_depth_limit() {
    let mut archive = tar_of("h1/node.log", &node_log());
    for level in (1..300).rev() {
        archive = tar_of(&format!("level{level}.tar"), &archive);
    }
    let bundle = gz(&archive);
    assert!(bundle.len() < 64 * 1024, "{} bytes", bundle.len());
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deep.tar.gz", &bundle);
    write(dir.path(), "h2/node.log", &node_log());
    let report = analyze_json(dir.path(), &[]);
    let too_deep: Vec<&Value> = sources(&report)
        .iter()
        .filter(|s| {
            s["skipped"]
                .as_str()
                .is_some_and(|r| r.contains("archive nested 17 levels deep"))
        })
        .collect();
    assert_eq!(too_deep.len(), 1, "{:#}", report["sources"]);
    let path = too_deep[0]["path"].as_str().unwrap();
    assert!(
        path.starts_with("deep.tar.gz!level1.tar!") && path.ends_with("!level16.tar"),
        "{path}"
    );
    assert!(
        report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["file"] == path && w["message"].as_str().unwrap().contains("16 levels")),
        "{:#}",
        report["warnings"]
    );
    assert_eq!(source(&report, "h2/node.log")["records"], 2);
}

#[test]
fn nesting_within_the_limit_is_read_to_the_bottom() {
    let mut archive = tar_of("h1/node.log", &node_log());
    for level in (1..15).rev() {
        archive = tar_of(&format!("level{level}.tar"), &archive);
    }
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deep.tar.gz", &gz(&archive));
    let report = analyze_json(dir.path(), &[]);
    let inner: String = (1..15).map(|l| format!("!level{l}.tar")).collect();
    let path = format!("deep.tar.gz{inner}!h1/node.log");
    assert_eq!(source(&report, &path)["records"], 2);
}

#[cfg(unix)]
#[test]
fn a_fifo_in_the_bundle_is_skipped_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "h1/node.log", &node_log());
    let fifo = dir.path().join("h1/exceptions.log");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let _socket = std::os::unix::net::UnixListener::bind(dir.path().join("h1/gc.log")).unwrap();
    let out = run_with_timeout(
        &["analyze", dir.path().to_str().unwrap(), "--format", "json"],
        Duration::from_secs(60),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let skipped = source(&report, "h1/exceptions.log")["skipped"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(skipped.contains("not a regular file (a FIFO)"), "{skipped}");
    let socket = source(&report, "h1/gc.log")["skipped"]
        .as_str()
        .unwrap_or_default();
    assert!(socket.contains("not a regular file (a socket)"), "{socket}");
    assert_eq!(source(&report, "h1/node.log")["records"], 2);
    // A FIFO given as a root is skipped the same way.
    let out = run_with_timeout(
        &[
            "analyze",
            fifo.to_str().unwrap(),
            dir.path().join("h1/node.log").to_str().unwrap(),
            "--format",
            "json",
        ],
        Duration::from_secs(60),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A log of `bytes` bytes whose text barely compresses (random hex).
fn incompressible_log(bytes: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut out = node_log();
    let mut i = 0u64;
    while out.len() < bytes {
        let mut hex = String::with_capacity(128);
        for _ in 0..8 {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            hex.push_str(&format!(
                "{:016x}",
                state.wrapping_mul(0x2545_f491_4f6c_dd1d)
            ));
        }
        out.extend_from_slice(
            format!(
                "2026-03-12 10:{:02}:{:02},000 INFO  [main] [LGS_10042] chunk {hex}\n",
                i / 60 % 60,
                i % 60
            )
            .as_bytes(),
        );
        i += 1;
    }
    out
}

fn stored_zip(name: &str, data: &[u8]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    writer.start_file(name, options).unwrap();
    writer.write_all(data).unwrap();
    writer.finish().unwrap().into_inner()
}

/// Peak resident memory of a run, from `/usr/bin/time -v`, in KiB.
fn peak_kib(args: &[&str]) -> Option<(std::process::Output, u64)> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let out = Command::new(time)
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_hbdiag"))
        .args(args)
        .output()
        .ok()?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let peak = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))?
        .trim()
        .parse()
        .ok()?;
    Some((out, peak))
}

#[test]
fn deep_nested_zips_are_read_in_bounded_memory() {
    const LEVELS: usize = 15;
    const SIZE: usize = 5 * 1024 * 1024;
    let mut archive = stored_zip("h1/node.log", &incompressible_log(SIZE));
    for level in (1..LEVELS).rev() {
        archive = stored_zip(&format!("level{level}.zip"), &archive);
    }
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "nested.zip", &archive);
    drop(archive);
    let root = dir.path().to_str().unwrap();
    let args = ["analyze", root, "--format", "json", "--quiet"];
    let inner: String = (1..LEVELS).map(|l| format!("!level{l}.zip")).collect();
    let path = format!("nested.zip{inner}!h1/node.log");
    let check = |stdout: &[u8]| {
        let report: Value = serde_json::from_slice(stdout).unwrap();
        let source = source(&report, &path);
        assert!(source["skipped"].is_null(), "{source:#}");
        assert!(source["records"].as_u64().unwrap() > 25_000, "{source:#}");
    };
    match peak_kib(&args) {
        Some((out, peak)) => {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            check(&out.stdout);
            // Holding every level in memory would take LEVELS × 5 MiB (75
            // MiB) on top of the run's own; spooled, each level holds at
            // most 1 MiB.
            eprintln!("peak resident memory: {peak} KiB");
            assert!(peak < 70 * 1024, "peak resident memory {peak} KiB");
        }
        None => {
            let out = hbdiag(&args);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            check(&out.stdout);
        }
    }
}

#[test]
fn a_plain_tar_cut_inside_an_entry_warns_on_that_entry() {
    let log: String = (0..2000)
        .map(|i| {
            format!(
                "2026-03-12 10:{:02}:{:02},000 INFO  [Domain Monitor] [DOM_10000] record {i}\n",
                i / 60 % 60,
                i % 60
            )
        })
        .collect();
    let whole = tar_of("h1/node.log", log.as_bytes());
    let cut = &whole[..512 + log.len() / 2];
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "h1.tar", cut);
    write(dir.path(), "h2/node.log", &node_log());
    let report = analyze_json(dir.path(), &[]);
    let entry = source(&report, "h1.tar!h1/node.log");
    let records = entry["records"].as_u64().unwrap();
    assert!(records > 100 && records < 2000, "{entry:#}");
    assert!(
        entry["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("entry cut short")),
        "{entry:#}"
    );
}

#[test]
fn a_missing_path_next_to_a_real_one_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "h1/node.log", &node_log());
    for command in ["analyze", "timeline"] {
        let out = hbdiag(&[command, dir.path().to_str().unwrap(), "/nonexistent/bundle"]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        assert!(out.stdout.is_empty(), "{command}: a report was written");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("/nonexistent/bundle"), "{stderr}");
    }
}

#[test]
fn an_empty_folder_fails_before_any_report() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["text", "json"] {
        let out = hbdiag(&["analyze", dir.path().to_str().unwrap(), "--format", format]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            out.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("no log could be read"));
    }
}

#[test]
fn dash_output_means_stdout() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bundle/h1/node.log", &node_log());
    let out = Command::new(env!("CARGO_BIN_EXE_hbdiag"))
        .current_dir(dir.path())
        .args(["analyze", "bundle", "--format", "json", "-o", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(source(&report, "h1/node.log")["records"], 2);
    assert!(!dir.path().join("-").exists(), "a file named - was written");
}

#[cfg(unix)]
#[test]
fn the_same_file_reached_twice_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    write(&bundle, "h1/node.log", &node_log());
    write(&bundle, "h2/node.log", &node_log());
    fs::hard_link(bundle.join("h2/node.log"), bundle.join("h2/node.log.1")).unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&bundle, &link).unwrap();
    let single = analyze_json(&bundle, &[]);
    let paths = |r: &Value| -> Vec<String> {
        sources(r)
            .iter()
            .map(|s| s["path"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(paths(&single), ["h1/node.log", "h2/node.log"]);
    assert!(
        single["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["file"] == "h2/node.log.1"
                && w["message"].as_str().unwrap().contains("read once")),
        "{:#}",
        single["warnings"]
    );
    for twice in [
        vec![bundle.to_str().unwrap(), bundle.to_str().unwrap()],
        vec![bundle.to_str().unwrap(), link.to_str().unwrap()],
    ] {
        let mut args = vec!["analyze"];
        args.extend(&twice);
        args.extend(["--format", "json"]);
        let out = hbdiag(&args);
        assert!(out.status.success());
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(paths(&report), paths(&single), "{twice:?}");
        assert_eq!(report["incidents"], single["incidents"], "{twice:?}");
    }
}

#[cfg(unix)]
#[test]
fn a_symlinked_bundle_root_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    write(&bundle, "h1/node.log", &node_log());
    write(&bundle, "h2/node.log", &node_log());
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&bundle, &link).unwrap();
    let via_link = analyze_json(&link, &[]);
    let direct = analyze_json(&bundle, &[]);
    assert_eq!(via_link["sources"], direct["sources"]);
    assert_eq!(sources(&via_link).len(), 2);
}

#[test]
fn unknown_hosts_and_an_empty_time_range_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "infagw01/node.log", &node_log());
    write(dir.path(), "infagw02/node.log", &node_log());
    let root = dir.path().to_str().unwrap();
    for args in [
        vec!["timeline", root, "--host", "nosuch"],
        vec!["timeline", root, "--host-tz", "nosuch=+08:00"],
        vec!["analyze", root, "--host-tz", "nosuch=+08:00"],
    ] {
        let out = hbdiag(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("nosuch") && stderr.contains("infagw01, infagw02"),
            "{stderr}"
        );
    }
    let out = hbdiag(&[
        "timeline",
        root,
        "--since",
        "2026-03-12 11:00:00",
        "--until",
        "2026-03-12 10:00:00",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("later than --until"));
    let out = hbdiag(&["timeline", root, "--host", "INFAGW01"]);
    assert!(out.status.success(), "host names are matched ignoring case");
}

/// Where a minimised fuzz input in `tests/data/fuzz/` goes in a bundle,
/// from its name's prefix (the fuzz target that found it).
fn fuzz_finding_place(name: &str) -> &'static str {
    match name.split('-').next() {
        Some("gc") => "infagw01/logs/node01/gc.log",
        Some("alarms") => "alarms.csv",
        Some("metrics") => "infagw01/vmstat-infagw01.log",
        Some("pipe") => "mrs-master1/var/log/Bigdata/flink/flinkserver/flinkserver.log",
        Some("script") => "mrs-master1/var/log/Bigdata/flink/flinkserver/prestart.log",
        Some("floatip") => "mrs-master1/var/log/Bigdata/flink/flinkserver/floatip.log",
        Some("archive") => "infagw01/collected.tar.gz",
        _ => "infagw01/logs/node01/node.log",
    }
}

/// Every input the fuzzers crashed on, minimised, is read next to a good
/// node.log: the run ends with a report (no panic) and the file is listed.
#[test]
fn inputs_found_by_fuzzing_are_read_and_the_run_goes_on() {
    let findings = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut names: Vec<String> = fs::read_dir(&findings)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "the findings are committed");
    for name in names {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "infawk01/logs/node03/node.log", &node_log());
        let place = fuzz_finding_place(&name);
        write(dir.path(), place, &fs::read(findings.join(&name)).unwrap());
        let out = hbdiag(&["analyze", dir.path().to_str().unwrap(), "--format", "json"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{name}: {stderr}");
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        source(&report, place);
    }
}

/// The minimised GC input: a wide character just before a decoration's
/// `:` is warned about at its line, not cut through.
#[test]
fn a_gc_line_with_a_bad_byte_before_a_decoration_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let finding = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fuzz/gc-wide-char-before-decoration.bin");
    write(
        dir.path(),
        "infagw01/logs/node01/gc.log",
        &fs::read(finding).unwrap(),
    );
    let report = analyze_json(dir.path(), &[]);
    let gc = source(&report, "infagw01/logs/node01/gc.log");
    let warnings = gc["warnings"].to_string();
    assert!(
        warnings.contains("line 1") && warnings.contains("UTF-8"),
        "{gc:#}"
    );
}
