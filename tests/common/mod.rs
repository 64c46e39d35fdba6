//! Helpers shared by the integration tests: run the built binary and read
//! its JSON report.

#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fixture bundle shipped in `fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Runs `hbdiag` with `args`.
pub fn hbdiag(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hbdiag"))
        .args(args)
        .output()
        .expect("the hbdiag binary runs")
}

/// Runs `hbdiag analyze PATH --format json EXTRA…`, checks it succeeded and
/// returns the parsed report.
pub fn analyze_json(path: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "analyze",
        path.to_str().expect("utf-8 path"),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = hbdiag(&args);
    assert!(
        out.status.success(),
        "hbdiag {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the report is JSON")
}

/// The incidents of a report.
pub fn incidents(report: &Value) -> &Vec<Value> {
    report["incidents"]
        .as_array()
        .expect("incidents is an array")
}

/// `(kind, host)` of every incident.
pub fn kinds_and_hosts(report: &Value) -> Vec<(String, String)> {
    incidents(report)
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap_or("").to_string(),
                i["host"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The verdict (first root cause) of an incident: `(cause, rule)`.
pub fn verdict(incident: &Value) -> (String, String) {
    let first = &incident["root_causes"][0];
    (
        first["cause"].as_str().unwrap_or("").to_string(),
        first["rule"].as_str().unwrap_or("").to_string(),
    )
}

/// Asserts that an incident's verdict is `cause`, named by `rule`.
pub fn assert_verdict(incident: &Value, cause: &str, rule: &str) {
    assert_eq!(
        verdict(incident),
        (cause.to_string(), rule.to_string()),
        "{:#}",
        incident["root_causes"]
    );
}

/// The evidence of an incident's verdict.
pub fn verdict_evidence(incident: &Value) -> &Vec<Value> {
    incident["root_causes"][0]["evidence"]
        .as_array()
        .expect("evidence is an array")
}

/// The first incident of the given kind.
pub fn incident_of_kind<'a>(report: &'a Value, kind: &str) -> &'a Value {
    incidents(report)
        .iter()
        .find(|i| i["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} incident in {report:#}"))
}

/// The verdict's explanation.
pub fn explanation(incident: &Value) -> String {
    incident["root_causes"][0]["explanation"]
        .as_str()
        .expect("an explanation")
        .to_string()
}

/// The rules of every root cause of an incident, verdict first.
pub fn cause_rules(incident: &Value) -> Vec<String> {
    incident["root_causes"]
        .as_array()
        .expect("root_causes is an array")
        .iter()
        .filter_map(|c| c["rule"].as_str().map(str::to_string))
        .collect()
}

/// `(file, line)` of the verdict's evidence.
pub fn evidence_places(incident: &Value) -> Vec<(String, u64)> {
    verdict_evidence(incident)
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap_or("").to_string(),
                e["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// Writes `bytes` to `root/rel`, making the folders on the way.
pub fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// The report's entry for the source at `path`.
pub fn source<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"] == path)
        .unwrap_or_else(|| panic!("{path} not in sources: {report:#}"))
}

/// Copies the folder tree `from` to `to` (created).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy's folder");
    for entry in std::fs::read_dir(from).expect("read the folder") {
        let entry = entry.expect("a folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("its type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy the file");
        }
    }
}

/// Every file below `dir`, at any depth.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read the folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// Every fixture bundle under `fixtures/`, by name.
pub fn fixture_bundles() -> Vec<PathBuf> {
    let mut bundles: Vec<PathBuf> = std::fs::read_dir(fixture(""))
        .expect("read fixtures/")
        .map(|entry| entry.expect("a folder entry").path())
        .filter(|path| path.is_dir())
        .collect();
    bundles.sort();
    bundles
}

/// [`fixture_bundles`] by folder name, for tests named after the fixture.
pub fn fixture_names() -> Vec<String> {
    fixture_bundles()
        .iter()
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}
