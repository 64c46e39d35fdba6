//! `-o FILE` on every command that writes (issue 10): the file holds what
//! standard output would have, appears whole, and `-o -` is standard output.

mod common;

use common::*;
use std::fs;
use std::path::Path;

/// Runs `args` twice, to stdout and with `-o FILE` (in a fresh folder), and
/// returns both outputs; the `-o` run must print nothing and leave only FILE.
fn stdout_and_file(args: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let to_stdout = hbdiag(args);
    assert!(
        to_stdout.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&to_stdout.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.txt");
    let mut with_o = args.to_vec();
    with_o.extend(["-o", target.to_str().unwrap()]);
    let to_file = hbdiag(&with_o);
    assert!(to_file.status.success(), "{with_o:?}");
    assert!(to_file.stdout.is_empty(), "{with_o:?} printed to stdout");
    assert_eq!(only_file_in(dir.path()), "out.txt");
    (to_stdout.stdout, fs::read(target).unwrap())
}

fn only_file_in(dir: &Path) -> String {
    let names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    names[0].clone()
}

fn assert_same_with_o(args: &[&str]) {
    let (stdout, file) = stdout_and_file(args);
    assert!(!stdout.is_empty(), "{args:?} wrote nothing");
    assert_eq!(
        String::from_utf8_lossy(&file),
        String::from_utf8_lossy(&stdout),
        "{args:?}"
    );
}

#[test]
fn timeline_takes_o() {
    let bundle = fixture("db-outage");
    assert_same_with_o(&["timeline", bundle.to_str().unwrap(), "-q"]);
    assert_same_with_o(&[
        "timeline",
        bundle.to_str().unwrap(),
        "-q",
        "--format",
        "ndjson",
    ]);
}

#[test]
fn gc_takes_o() {
    let gc_log = fixture("gc-master").join("infagw01/logs/node01/gc.log");
    assert_same_with_o(&["gc", gc_log.to_str().unwrap()]);
    assert_same_with_o(&["gc", gc_log.to_str().unwrap(), "--format", "json"]);
}

#[test]
fn rules_subcommands_take_o() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let rules = rules.to_str().unwrap();
    assert_same_with_o(&["rules", "list"]);
    assert_same_with_o(&["rules", "terms"]);
    assert_same_with_o(&["rules", "test"]);
    let (stdout, file) = stdout_and_file(&["rules", "check", rules]);
    assert_eq!(file, stdout);
    assert!(String::from_utf8_lossy(&file).contains("OK"), "{file:?}");
}

#[test]
fn analyze_takes_o_in_text_too() {
    let bundle = fixture("db-outage");
    assert_same_with_o(&["analyze", bundle.to_str().unwrap(), "-q"]);
}

#[test]
fn dash_is_stdout_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let gc_log = fixture("gc-master").join("infagw01/logs/node01/gc.log");
    let bundle = fixture("healthy");
    let runs: [&[&str]; 3] = [
        &["gc", gc_log.to_str().unwrap(), "-o", "-"],
        &["timeline", bundle.to_str().unwrap(), "-q", "-o", "-"],
        &["rules", "terms", "-o", "-"],
    ];
    for args in runs {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hbdiag"))
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(!out.stdout.is_empty(), "{args:?} wrote nothing to stdout");
    }
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "a file named - was written"
    );
}

#[test]
fn a_failed_run_leaves_no_file_and_an_existing_one_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let target = dir.path().join("report.json");
    fs::write(&target, "previous report").unwrap();
    let out = hbdiag(&[
        "analyze",
        empty.to_str().unwrap(),
        "-o",
        target.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert_eq!(fs::read_to_string(&target).unwrap(), "previous report");
    let not_gc = dir.path().join("notes.txt");
    fs::write(&not_gc, "no gc here\n").unwrap();
    let gc_target = dir.path().join("gc.txt");
    let out = hbdiag(&[
        "gc",
        not_gc.to_str().unwrap(),
        "-o",
        gc_target.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(!gc_target.exists());
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_folder_that_does_not_exist_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("missing/out.txt");
    let out = hbdiag(&["rules", "terms", "-o", target.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot write"), "{stderr}");
}

#[test]
fn a_failed_rules_check_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    fs::create_dir(&rules).unwrap();
    fs::write(rules.join("broken.toml"), "[rule]\nid = \"Bad Id\"\n").unwrap();
    let target = dir.path().join("check.txt");
    let out = hbdiag(&[
        "rules",
        "check",
        rules.to_str().unwrap(),
        "-o",
        target.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.toml"));
    assert!(!target.exists());
    assert_eq!(only_file_in(dir.path()), "rules");
}
