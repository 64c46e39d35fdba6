//! Bundles as people pack them: the fixture bundles wrapped in a folder,
//! two folders deep, in a `.tar.gz` and in a `.zip` of the bundle folder.
//! Each must give the same hosts, incidents and verdicts as the bundle
//! itself: the same JSON apart from paths.

mod common;

use common::{analyze_json, fixture};
use flate2::{Compression, write::GzEncoder};
use serde_json::Value;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;

/// The fixtures, each with the flags its stories need.
const CASES: [(&str, &[&str]); 4] = [
    ("db-outage", &[]),
    (
        "network-partition",
        &["--tz", "+08:00", "--host-tz", "infawk01=+05:30"],
    ),
    ("process-stopped", &[]),
    ("flink-stopped", &[]),
];

/// Every file under `dir`, relative, `/`-separated, in name order.
fn files(dir: &Path, prefix: &str) -> Vec<(String, PathBuf)> {
    let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap()).collect();
    entries.sort_by_key(|e| e.file_name());
    let mut out = Vec::new();
    for entry in entries {
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type().unwrap().is_dir() {
            out.extend(files(&entry.path(), &format!("{name}/")));
        } else {
            out.push((name, entry.path()));
        }
    }
    out
}

fn tar_gz_of(dir: &Path, name: &str, out: &Path) {
    let encoder = GzEncoder::new(fs::File::create(out).unwrap(), Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    builder.append_dir_all(name, dir).unwrap();
    builder.into_inner().unwrap().finish().unwrap();
}

/// A zip of the folder as "compress folder" makes it; `reversed` lists
/// the entries in the opposite order.
fn zip_of(dir: &Path, name: &str, out: &Path, reversed: bool) {
    let mut writer = zip::ZipWriter::new(fs::File::create(out).unwrap());
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut entries = files(dir, &format!("{name}/"));
    if reversed {
        entries.reverse();
    }
    for (entry, path) in entries {
        writer.start_file(entry, options).unwrap();
        writer.write_all(&fs::read(path).unwrap()).unwrap();
    }
    writer.finish().unwrap();
}

/// The report with every path made relative to the bundle folder, and the
/// parts that name places only (warnings, how hosts were found) left out.
fn normalised(mut report: Value, prefix: &str) -> Value {
    fn strip(value: &mut Value, prefix: &str) {
        match value {
            Value::String(s) => {
                if let Some(rest) = s.strip_prefix(prefix) {
                    *s = rest.to_string();
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| strip(v, prefix)),
            Value::Object(map) => map.values_mut().for_each(|v| strip(v, prefix)),
            _ => {}
        }
    }
    strip(&mut report, prefix);
    let object = report.as_object_mut().unwrap();
    object.remove("warnings");
    for source in object["sources"].as_array_mut().unwrap() {
        source.as_object_mut().unwrap().remove("host_from");
    }
    report
}

fn host_names(report: &Value) -> Vec<String> {
    report["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap().to_string())
        .collect()
}

/// `(kind, host, time, cause)` of every incident.
fn stories(report: &Value) -> Vec<(String, String, String, String)> {
    common::incidents(report)
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().into(),
                i["host"].as_str().unwrap().into(),
                i["time"].as_str().unwrap().into(),
                common::verdict(i).0,
            )
        })
        .collect()
}

#[test]
fn wrapped_fixtures_give_their_unwrapped_hosts_incidents_and_verdicts() {
    for (name, flags) in CASES {
        let bundle = fixture(name);
        let plain = analyze_json(&bundle, flags);
        assert!(!common::incidents(&plain).is_empty(), "{name}");
        let expected = normalised(plain.clone(), "");

        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        common::copy_tree(&bundle, &root.join("one").join(name));
        common::copy_tree(&bundle, &root.join("two/deep").join(name));
        tar_gz_of(&bundle, name, &root.join(format!("{name}.tar.gz")));
        zip_of(&bundle, name, &root.join(format!("{name}.zip")), false);
        zip_of(&bundle, name, &root.join(format!("{name}-rev.zip")), true);

        let shapes = [
            ("in a folder", root.join("one"), format!("{name}/")),
            (
                "two folders deep",
                root.join("two"),
                format!("deep/{name}/"),
            ),
            (
                "in a .tar.gz",
                root.join(format!("{name}.tar.gz")),
                format!("{name}.tar.gz!{name}/"),
            ),
            (
                "in a .zip",
                root.join(format!("{name}.zip")),
                format!("{name}.zip!{name}/"),
            ),
            (
                "in a .zip listed backwards",
                root.join(format!("{name}-rev.zip")),
                format!("{name}-rev.zip!{name}/"),
            ),
        ];
        for (shape, path, prefix) in shapes {
            let report = analyze_json(&path, flags);
            assert_eq!(
                host_names(&report),
                host_names(&plain),
                "{name} {shape}: hosts"
            );
            assert_eq!(
                stories(&report),
                stories(&plain),
                "{name} {shape}: incidents"
            );
            let got = normalised(report, &prefix);
            assert_eq!(
                got["incidents"], expected["incidents"],
                "{name} {shape}: the incidents' JSON"
            );
            assert_eq!(
                got["sources"], expected["sources"],
                "{name} {shape}: sources"
            );
            assert_eq!(got["hosts"], expected["hosts"], "{name} {shape}");
        }
    }
}

#[test]
fn host_from_says_how_each_host_was_found() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = fixture("db-outage");
    fs::create_dir_all(dir.path().join("b")).unwrap();
    for (host, stem) in [
        ("infagw01", "infagw01_20260312.tar.gz"),
        ("infagw02", "infagw02-logs.zip"),
    ] {
        let out = dir.path().join("b").join(stem);
        if stem.ends_with(".zip") {
            let mut writer = zip::ZipWriter::new(fs::File::create(&out).unwrap());
            for (entry, path) in files(&bundle.join(host), "") {
                writer
                    .start_file(entry, SimpleFileOptions::default())
                    .unwrap();
                writer.write_all(&fs::read(path).unwrap()).unwrap();
            }
            writer.finish().unwrap();
        } else {
            let encoder = GzEncoder::new(fs::File::create(&out).unwrap(), Compression::fast());
            let mut builder = tar::Builder::new(encoder);
            builder
                .append_dir_all("logs", bundle.join(host).join("logs"))
                .unwrap();
            builder.into_inner().unwrap().finish().unwrap();
        }
    }
    common::copy_tree(&bundle.join("infawk01"), &dir.path().join("b/infawk01"));
    let report = analyze_json(&dir.path().join("b"), &[]);
    let mut seen: Vec<(String, String)> = report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["host"].as_str().unwrap().to_string(),
                s["host_from"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    seen.dedup();
    assert_eq!(
        seen,
        [
            ("infagw01".to_string(), "archive".to_string()),
            ("infagw02".into(), "archive".into()),
            ("infawk01".into(), "folder".into()),
        ]
    );
    let plain = analyze_json(&bundle, &[]);
    assert_eq!(stories(&report), stories(&plain));
    // The single host's folder given as the root.
    let single = analyze_json(&bundle.join("infagw01"), &[]);
    assert!(
        single["sources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["host"] == "infagw01" && s["host_from"] == "single")
    );
}

#[test]
fn a_guessed_host_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(
        &fixture("db-outage/infagw01/logs/node01"),
        &dir.path().join("collected/infagw01/stuff"),
    );
    let report = analyze_json(&dir.path().join("collected"), &[]);
    assert_eq!(host_names(&report), ["infagw01"]);
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("host guessed"), "{warnings}");
}
