//! Property test: random bundles of realistic lines, mutated the ways real
//! collections get damaged (cut lines, flipped bytes, bursts, stray bytes,
//! odd timestamps and levels, shuffled order, rotated and gzipped names,
//! truncated gzip), never make `hbdiag analyze` panic or exit with anything
//! but 0 (a report) or 1 (nothing readable), and give the same JSON byte for
//! byte with one worker or two and whatever order the files were created in.
//!
//! `PROPTEST_CASES=N` runs more cases than the default.

mod common;

use proptest::prelude::*;
use proptest::sample::Index;
use regex::bytes::Regex;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::LazyLock;

/// Cases per `cargo test` run: 30–50 s on two busy cores.
const DEFAULT_CASES: u32 = 32;

/// Lines kept from each fixture file for the pools.
const POOL_LINES: usize = 400;

/// Where a format's lines come from and where its files go on a host.
struct Format {
    fixture: &'static str,
    /// Folder under the host, with `{node}` for the Informatica node.
    folder: &'static str,
    /// File names it may be given, rotated or compressed.
    names: &'static [&'static str],
}

const FLINK: &str = "var/log/Bigdata/flink/flinkserver";

const FORMATS: &[Format] = &[
    Format {
        fixture: "network-partition/infagw01/logs/node01/node.log",
        folder: "logs/{node}",
        names: &[
            "node.log",
            "node.log.1",
            "node.log.2.gz",
            "node.log.2026-03-11",
        ],
    },
    Format {
        fixture: "db-outage/infagw01/logs/node01/exceptions.log",
        folder: "logs/{node}",
        names: &["exceptions.log", "exceptions.log.1.gz"],
    },
    Format {
        fixture: "gc-master/infagw01/logs/node01/gc.log",
        folder: "logs/{node}",
        names: &["gc.log", "gc.log.0.current", "gc.log.1.gz"],
    },
    Format {
        fixture: "gc-short-pauses/infagw01/logs/node01/gc.log",
        folder: "logs/{node}",
        names: &["gc.log", "jvm-gc.log.3"],
    },
    Format {
        fixture: "starved-master/infagw01/vmstat-infagw01.log",
        folder: "",
        names: &["vmstat.log", "vmstat-host.log.gz"],
    },
    Format {
        fixture: "flink-stopped/mrs-master1/var/log/Bigdata/flink/flinkserver/flinkserver.log",
        folder: FLINK,
        names: &["flinkserver.log", "flinkserver.log.1.gz"],
    },
    Format {
        fixture: "flink-network/mrs-master1/var/log/Bigdata/flink/flinkserver/flinkserver-omm-gc.log.0.current",
        folder: FLINK,
        names: &["flinkserver-omm-gc.log.0.current"],
    },
    Format {
        fixture: "huawei-samples/prestart.log",
        folder: FLINK,
        names: &["prestart.log", "stop.log"],
    },
    Format {
        fixture: "huawei-samples/floatip.log",
        folder: FLINK,
        names: &["floatip.log"],
    },
    Format {
        fixture: "huawei-samples/alarms-en.csv",
        folder: "",
        names: &["alarms.csv", "alarm-export.csv.gz"],
    },
    Format {
        fixture: "huawei-samples/alarms.txt",
        folder: "",
        names: &["alarms.txt"],
    },
];

const HOSTS: [(&str, &str); 4] = [
    ("infagw01", "node01"),
    ("infagw02", "node02"),
    ("infawk01", "node03"),
    ("mrs-master1", "node04"),
];

const LEVELS: [&str; 9] = [
    "INFO", "WARN", "ERROR", "FATAL", "DEBUG", "TRACE", "SEVERE", "info", "ERR0R",
];

/// The first lines of every format's fixture, read once.
static POOLS: LazyLock<Vec<Vec<Vec<u8>>>> = LazyLock::new(|| {
    FORMATS
        .iter()
        .map(|format| {
            let bytes = std::fs::read(common::fixture(format.fixture)).expect("fixture reads");
            bytes
                .split(|&b| b == b'\n')
                .take(POOL_LINES)
                .map(<[u8]>::to_vec)
                .collect()
        })
        .collect()
});

static TIMESTAMP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{4}-\d\d-\d\d([ T])\d\d:\d\d:\d\d").expect("valid regex"));
static LEVEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(INFO|WARN|WARNING|ERROR|FATAL|DEBUG|TRACE)\b").expect("valid regex")
});

/// Damage done to one line.
#[derive(Clone, Debug)]
enum Mutation {
    None,
    Truncate(Index),
    Flip(Index, u8),
    Insert(Index, Vec<u8>),
    Drop,
    Repeat(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        12 => Just(Mutation::None),
        2 => any::<Index>().prop_map(Mutation::Truncate),
        2 => (any::<Index>(), 1..=255u8).prop_map(|(at, bits)| Mutation::Flip(at, bits)),
        1 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        1 => Just(Mutation::Drop),
        1 => (2..40usize).prop_map(Mutation::Repeat),
    ]
}

/// A run of consecutive pool lines: its first line gets a new time and
/// level and is damaged as `mutation` says.
#[derive(Clone, Debug)]
struct Run {
    start: Index,
    len: usize,
    /// Seconds after 2026-03-12 09:00:00; `None` keeps the line's own time.
    time: Option<u32>,
    level: Option<Index>,
    mutation: Mutation,
}

fn run() -> impl Strategy<Value = Run> {
    (
        any::<Index>(),
        1..12usize,
        prop::option::weighted(0.6, prop_oneof![4 => 0..7200u32, 1 => any::<u32>()]),
        prop::option::weighted(0.3, any::<Index>()),
        mutation(),
    )
        .prop_map(|(start, len, time, level, mutation)| Run {
            start,
            len,
            time,
            level,
            mutation,
        })
}

/// One generated file.
#[derive(Clone, Debug)]
struct FileSpec {
    format: Index,
    host: Index,
    name: Index,
    runs: Vec<Run>,
    crlf: bool,
    /// Bytes cut off the end of a gzipped file (0: whole).
    cut_gzip: usize,
}

fn file_spec() -> impl Strategy<Value = FileSpec> {
    (
        any::<Index>(),
        any::<Index>(),
        any::<Index>(),
        prop::collection::vec(run(), 0..24),
        prop::bool::weighted(0.2),
        prop_oneof![3 => Just(0usize), 1 => 1..64usize],
    )
        .prop_map(|(format, host, name, runs, crlf, cut_gzip)| FileSpec {
            format,
            host,
            name,
            runs,
            crlf,
            cut_gzip,
        })
}

/// A bundle: 1–3 hosts' worth of files (hosts are picked per file).
fn bundle() -> impl Strategy<Value = Vec<FileSpec>> {
    prop::collection::vec(file_spec(), 1..8)
}

fn random_time(seconds: u32, separator: u8) -> Vec<u8> {
    let base = chrono::NaiveDate::from_ymd_opt(2026, 3, 12)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .expect("valid base time");
    let at = base + chrono::Duration::seconds(i64::from(seconds));
    let sep = separator as char;
    at.format(&format!("%Y-%m-%d{sep}%H:%M:%S"))
        .to_string()
        .into_bytes()
}

fn retimed(line: &[u8], run: &Run) -> Vec<u8> {
    let mut line = line.to_vec();
    if let Some(seconds) = run.time
        && let Some(found) = TIMESTAMP.captures(&line)
    {
        let whole = found.get(0).expect("match").range();
        let separator = found[1][0];
        line.splice(whole, random_time(seconds, separator));
    }
    if let Some(level) = &run.level
        && let Some(found) = LEVEL.find(&line)
    {
        let new = LEVELS[level.index(LEVELS.len())].as_bytes().to_vec();
        line.splice(found.range(), new);
    }
    line
}

fn mutated(line: Vec<u8>, mutation: &Mutation) -> Vec<Vec<u8>> {
    let at = |index: &Index, len: usize| index.index(len.max(1)).min(len);
    match mutation {
        Mutation::None => vec![line],
        Mutation::Truncate(index) => vec![line[..at(index, line.len())].to_vec()],
        Mutation::Flip(index, bits) => {
            let mut line = line;
            if !line.is_empty() {
                let i = at(index, line.len() - 1);
                line[i] ^= bits;
            }
            vec![line]
        }
        Mutation::Insert(index, bytes) => {
            let mut line = line;
            let i = at(index, line.len());
            line.splice(i..i, bytes.iter().copied());
            vec![line]
        }
        Mutation::Drop => Vec::new(),
        Mutation::Repeat(times) => vec![line; *times],
    }
}

fn content(pool: &[Vec<u8>], spec: &FileSpec) -> Vec<u8> {
    let mut lines = Vec::new();
    for run in &spec.runs {
        let start = run.start.index(pool.len());
        for (i, line) in pool[start..].iter().take(run.len).enumerate() {
            if i == 0 {
                lines.extend(mutated(retimed(line, run), &run.mutation));
            } else {
                lines.push(line.clone());
            }
        }
    }
    let ending: &[u8] = if spec.crlf { b"\r\n" } else { b"\n" };
    let mut bytes = Vec::new();
    for line in lines {
        bytes.extend_from_slice(&line);
        bytes.extend_from_slice(ending);
    }
    bytes
}

fn gzipped(bytes: &[u8], cut: usize) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("gzip in memory");
    let mut packed = encoder.finish().expect("gzip in memory");
    packed.truncate(packed.len().saturating_sub(cut));
    packed
}

/// The bundle's files, path to bytes; files given the same path are
/// concatenated, and a `.gz` one is cut as its first spec says.
fn files(specs: &[FileSpec]) -> BTreeMap<String, Vec<u8>> {
    let mut files: BTreeMap<String, (Vec<u8>, usize)> = BTreeMap::new();
    for spec in specs {
        let index = spec.format.index(FORMATS.len());
        let format = &FORMATS[index];
        let (host, node) = HOSTS[spec.host.index(HOSTS.len())];
        let name = format.names[spec.name.index(format.names.len())];
        let folder = format.folder.replace("{node}", node);
        let path = [host, folder.as_str(), name]
            .iter()
            .filter(|part| !part.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("/");
        let (bytes, _) = files.entry(path).or_insert((Vec::new(), spec.cut_gzip));
        bytes.extend(content(&POOLS[index], spec));
    }
    files
        .into_iter()
        .map(|(path, (bytes, cut))| {
            let bytes = if path.ends_with(".gz") {
                gzipped(&bytes, cut)
            } else {
                bytes
            };
            (path, bytes)
        })
        .collect()
}

/// Every file under `root` with its size, to check that a run left the
/// input folder as it was.
fn listing(root: &Path) -> Vec<(std::path::PathBuf, u64)> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("folder lists") {
            let entry = entry.expect("entry reads");
            let meta = entry.metadata().expect("metadata reads");
            if meta.is_dir() {
                folders.push(entry.path());
            } else {
                found.push((entry.path(), meta.len()));
            }
        }
    }
    found.sort();
    found
}

/// Writes `files` under `root/bundle`, in the order given.
fn write_bundle<'a>(root: &Path, files: impl Iterator<Item = (&'a String, &'a Vec<u8>)>) {
    for (path, bytes) in files {
        common::write(&root.join("bundle"), path, bytes);
    }
}

/// `hbdiag analyze bundle --format json -j JOBS`, run inside `root` so the
/// report names the bundle the same way whatever the temporary folder.
fn analyze(root: &Path, jobs: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hbdiag"))
        .current_dir(root)
        .args(["analyze", "bundle", "--format", "json", "-j", jobs])
        .output()
        .expect("the hbdiag binary runs")
}

/// Exit 0, or 1 when nothing could be read; never a panic.
fn check_outcome(out: &Output, files: &BTreeMap<String, Vec<u8>>) -> Result<(), TestCaseError> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    prop_assert!(
        !stderr.contains("panicked"),
        "panic: {stderr}\nfiles: {:?}",
        files.keys()
    );
    match out.status.code() {
        Some(0) => {
            let report: serde_json::Value =
                serde_json::from_slice(&out.stdout).expect("the report is JSON");
            prop_assert!(report["sources"].is_array());
        }
        Some(1) => prop_assert!(
            stderr.contains("no log could be read"),
            "exit 1 for another reason: {stderr}"
        ),
        other => prop_assert!(false, "exit {other:?}: {stderr}\nfiles: {:?}", files.keys()),
    }
    Ok(())
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    ProptestConfig {
        cases,
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_bundles_never_crash_and_report_the_same_whatever_jobs_and_file_order(
        specs in bundle()
    ) {
        let files = files(&specs);
        let forward = tempfile::tempdir().expect("temp dir");
        let backward = tempfile::tempdir().expect("temp dir");
        write_bundle(forward.path(), files.iter());
        write_bundle(backward.path(), files.iter().rev());
        let before = listing(forward.path());

        let one = analyze(forward.path(), "1");
        check_outcome(&one, &files)?;
        let two = analyze(forward.path(), "2");
        let reordered = analyze(backward.path(), "2");
        prop_assert_eq!(listing(forward.path()), before, "a run wrote into the input folder");
        for other in [&two, &reordered] {
            prop_assert_eq!(other.status.code(), one.status.code());
            prop_assert!(
                other.stdout == one.stdout,
                "the JSON differs with -j 2 or another file order; files: {:?}",
                files.keys()
            );
        }
    }
}
