//! Bundles that arrive as archives: every shape is read in place (nothing is
//! extracted), entries are attributed to hosts like files in a folder, and
//! hostile archives produce warnings, never panics or writes.

use flate2::{Compression, write::GzEncoder};
use hbdiag::definitions::builtin;
use hbdiag::discover::archive::Limits;
use hbdiag::discover::discover;
use hbdiag::model::SourceKind;
use hbdiag::scan::{KeepPolicy, Scan, ScanOptions, ScannedSource, scan, scan_with};
use hbdiag::signals::SignalCatalog;
use std::io::{Cursor, Write};
use std::path::Path;
use zip::write::SimpleFileOptions;

const NODE_LOG: &str = "\
2026-03-12 10:15:22,345 INFO  [Domain Monitor] [DOM_10000] The node started.
2026-03-12 10:15:40,000 ERROR [Heartbeat] [DOM_10025] The node cannot send heartbeat messages to the master gateway node.
java.net.ConnectException: Connection refused
\tat java.net.PlainSocketImpl.socketConnect(Native Method)
";

enum Entry<'a> {
    File(&'a [u8]),
    Symlink(&'a str),
    Hardlink(&'a str),
}

/// A tar written header by header, so names may be as hostile as needed.
fn tar(entries: &[(&str, Entry<'_>)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, entry) in entries {
        let mut header = tar::Header::new_gnu();
        header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        header.set_mode(0o644);
        let data: &[u8] = match entry {
            Entry::File(data) => {
                header.set_entry_type(tar::EntryType::Regular);
                data
            }
            Entry::Symlink(target) | Entry::Hardlink(target) => {
                let kind = match entry {
                    Entry::Symlink(_) => tar::EntryType::Symlink,
                    _ => tar::EntryType::Link,
                };
                header.set_entry_type(kind);
                header.set_link_name(target).unwrap();
                &[]
            }
        };
        header.set_size(data.len() as u64);
        header.set_cksum();
        builder.append(&header, data).unwrap();
    }
    builder.into_inner().unwrap()
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        writer
            .start_file(*name, SimpleFileOptions::default())
            .unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn catalog() -> SignalCatalog {
    SignalCatalog::build(&builtin()).expect("built-in signals compile")
}

fn keep() -> KeepPolicy {
    KeepPolicy { min_level: None }
}

fn bundle(files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

fn listing(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = walk(root)
        .iter()
        .map(|p| p.strip_prefix(root).unwrap().display().to_string())
        .collect();
    names.sort();
    names
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        }
        out.push(path);
    }
    out
}

/// Scans a bundle folder and checks nothing was written into it.
fn scan_bundle(dir: &tempfile::TempDir, options: ScanOptions<'_>) -> Scan {
    let before = listing(dir.path());
    let inventory = discover(&[dir.path().to_path_buf()]);
    let result = scan_with(&inventory.candidates, &catalog(), keep(), options);
    assert_eq!(
        listing(dir.path()),
        before,
        "the scan wrote into the bundle"
    );
    result
}

fn find<'a>(scan: &'a Scan, display: &str) -> &'a ScannedSource {
    scan.sources
        .iter()
        .find(|s| s.candidate.display == display)
        .unwrap_or_else(|| {
            let all: Vec<_> = scan.sources.iter().map(|s| &s.candidate.display).collect();
            panic!("no source {display}; have {all:?}")
        })
}

/// Display, host, node, kind and records of a source that was read.
type Row = (String, String, Option<String>, Option<SourceKind>, u64);

/// A [`Row`] for every source that was read.
fn read_sources(scan: &Scan) -> Vec<Row> {
    scan.sources
        .iter()
        .filter(|s| s.skipped.is_none())
        .map(|s| {
            (
                s.candidate.display.clone(),
                s.candidate.host.clone(),
                s.candidate.node.clone(),
                s.kind,
                s.records,
            )
        })
        .collect()
}

fn row(display: &str, host: &str, node: Option<&str>, kind: SourceKind, records: u64) -> Row {
    (
        display.into(),
        host.into(),
        node.map(str::to_string),
        Some(kind),
        records,
    )
}

fn warnings(source: &ScannedSource) -> String {
    source
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn whole_bundle_tar_first_folder_names_hosts() {
    let archive = tar(&[
        (
            "infagw01/logs/node01/node.log",
            Entry::File(NODE_LOG.as_bytes()),
        ),
        ("infagw02/exceptions.log", Entry::File(NODE_LOG.as_bytes())),
    ]);
    let dir = bundle(&[("collected.tar", archive)]);
    let result = scan_bundle(&dir, ScanOptions::default());
    assert_eq!(
        read_sources(&result),
        [
            row(
                "collected.tar!infagw01/logs/node01/node.log",
                "infagw01",
                Some("node01"),
                SourceKind::NodeLog,
                2
            ),
            row(
                "collected.tar!infagw02/exceptions.log",
                "infagw02",
                None,
                SourceKind::ExceptionsLog,
                2
            ),
        ]
    );
    assert!(
        result
            .events
            .iter()
            .any(|e| e.source == result.sources[0].id),
        "the heartbeat failure inside the archive raised a signal"
    );
}

#[test]
fn per_host_tar_gz_and_zip_with_gz_rotations_inside() {
    let host1 = gz(&tar(&[
        ("logs/node01/node.log", Entry::File(NODE_LOG.as_bytes())),
        (
            "logs/node01/node.log.1.gz",
            Entry::File(&gz(NODE_LOG.as_bytes())),
        ),
    ]));
    let host2 = zip(&[("node.log", NODE_LOG.as_bytes())]);
    let dir = bundle(&[("infagw01.tgz", host1), ("infagw02.zip", host2)]);
    let result = scan_bundle(&dir, ScanOptions::default());
    assert_eq!(
        read_sources(&result),
        [
            row(
                "infagw01.tgz!logs/node01/node.log",
                "infagw01",
                Some("node01"),
                SourceKind::NodeLog,
                2
            ),
            row(
                "infagw01.tgz!logs/node01/node.log.1.gz",
                "infagw01",
                Some("node01"),
                SourceKind::NodeLog,
                2
            ),
            row(
                "infagw02.zip!node.log",
                "infagw02",
                None,
                SourceKind::NodeLog,
                2
            ),
        ]
    );
    let rotation = find(&result, "infagw01.tgz!logs/node01/node.log.1.gz");
    assert_eq!(rotation.candidate.stream, "infagw01/node.log");
}

#[test]
fn nested_archives_name_every_level() {
    let inner = gz(&tar(&[("c/node.log", Entry::File(NODE_LOG.as_bytes()))]));
    let outer = zip(&[
        ("b.tar.gz", &inner),
        ("h2/gc.zip", &zip(&[("node.log", NODE_LOG.as_bytes())])),
    ]);
    let dir = bundle(&[("a.zip", outer)]);
    let result = scan_bundle(&dir, ScanOptions::default());
    assert_eq!(
        read_sources(&result),
        [
            row(
                "a.zip!b.tar.gz!c/node.log",
                "c",
                None,
                SourceKind::NodeLog,
                2
            ),
            row(
                "a.zip!h2/gc.zip!node.log",
                "h2",
                None,
                SourceKind::NodeLog,
                2
            ),
        ]
    );
}

#[test]
fn source_ids_follow_display_order_on_every_run() {
    let dir = bundle(&[
        (
            "b.zip",
            zip(&[
                ("h1/node.log", NODE_LOG.as_bytes()),
                ("h0/node.log", NODE_LOG.as_bytes()),
            ]),
        ),
        (
            "a.tar",
            tar(&[("h3/node.log", Entry::File(NODE_LOG.as_bytes()))]),
        ),
        ("h2/node.log", NODE_LOG.as_bytes().to_vec()),
    ]);
    let inventory = discover(&[dir.path().to_path_buf()]);
    let first = scan(&inventory.candidates, &catalog(), keep());
    let displays: Vec<_> = first
        .sources
        .iter()
        .map(|s| (s.id.0, s.candidate.display.as_str()))
        .collect();
    assert_eq!(
        displays,
        [
            (0, "a.tar!h3/node.log"),
            (1, "b.zip!h0/node.log"),
            (2, "b.zip!h1/node.log"),
            (3, "h2/node.log")
        ]
    );
    let again = scan(&inventory.candidates, &catalog(), keep());
    let ids = |s: &Scan| {
        s.events
            .iter()
            .map(|e| (e.source, e.event.line))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&first), ids(&again));
}

#[test]
fn dot_dot_and_absolute_names_are_read_under_a_safe_name() {
    let archive = tar(&[
        ("../../h1/node.log", Entry::File(NODE_LOG.as_bytes())),
        ("/h2/node.log", Entry::File(NODE_LOG.as_bytes())),
    ]);
    let zipped = zip(&[("../h3/node.log", NODE_LOG.as_bytes())]);
    let dir = bundle(&[("bundle.tar", archive), ("other.zip", zipped)]);
    let result = scan_bundle(&dir, ScanOptions::default());
    for (display, raw) in [
        ("bundle.tar!h1/node.log", "../../h1/node.log"),
        ("bundle.tar!h2/node.log", "/h2/node.log"),
        ("other.zip!h3/node.log", "../h3/node.log"),
    ] {
        let source = find(&result, display);
        assert_eq!(source.records, 2, "{display}");
        assert!(
            warnings(source).contains(&format!("`{raw}`")),
            "{display}: {}",
            warnings(source)
        );
    }
    assert!(!dir.path().parent().unwrap().join("h1").exists());
}

#[test]
fn link_entries_are_skipped_with_a_reason() {
    let archive = tar(&[
        ("h1/node.log", Entry::File(NODE_LOG.as_bytes())),
        ("h1/passwd.log", Entry::Symlink("/etc/passwd")),
        ("h1/copy.log", Entry::Hardlink("h1/node.log")),
    ]);
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .add_symlink("h2/node.log", "/etc/shadow", SimpleFileOptions::default())
        .unwrap();
    let zipped = writer.finish().unwrap().into_inner();
    let dir = bundle(&[("b.tar", archive), ("c.zip", zipped)]);
    let result = scan_bundle(&dir, ScanOptions::default());
    let reason = |d: &str| find(&result, d).skipped.clone().unwrap_or_default();
    assert!(reason("b.tar!h1/passwd.log").contains("symbolic link"));
    assert!(reason("b.tar!h1/copy.log").contains("hard link"));
    assert!(reason("c.zip!h2/node.log").contains("symbolic link"));
    assert_eq!(find(&result, "b.tar!h1/node.log").records, 2);
}

#[test]
fn decompression_bomb_is_capped_and_what_was_read_is_kept() {
    let line = "2026-03-12 10:15:22,345 INFO  [Domain Monitor] [DOM_10000] same again\n";
    let big = line.repeat(8 * 1024 * 1024 / line.len());
    let dir = bundle(&[("bomb.zip", zip(&[("h1/node.log", big.as_bytes())]))]);
    let limits = Limits {
        max_total_bytes: u64::MAX,
        max_ratio: 20,
        ratio_floor: 1024 * 1024,
    };
    let options = ScanOptions {
        limits,
        ..ScanOptions::default()
    };
    let result = scan_bundle(&dir, options);
    let source = find(&result, "bomb.zip!h1/node.log");
    assert!(
        warnings(source).contains("decompression bomb"),
        "{}",
        warnings(source)
    );
    assert!(source.records > 1000, "records before the cap are kept");
    assert!(source.lines < (big.len() / line.len()) as u64);
}

#[test]
fn broken_zip_central_directory_falls_back_to_local_headers() {
    let mut bytes = zip(&[
        ("h1/node.log", NODE_LOG.as_bytes()),
        ("h2/node.log", NODE_LOG.as_bytes()),
    ]);
    let eocd = bytes.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    bytes[eocd..eocd + 4].copy_from_slice(b"XXXX");
    let dir = bundle(&[("broken.zip", bytes)]);
    let result = scan_bundle(&dir, ScanOptions::default());
    assert_eq!(find(&result, "broken.zip!h1/node.log").records, 2);
    assert_eq!(find(&result, "broken.zip!h2/node.log").records, 2);
    assert!(warnings(find(&result, "broken.zip")).contains("central directory"));
}

/// `n` INFO records a second apart, of varied length (so gzip cannot
/// shrink them to nothing).
fn ordered_log(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "2026-03-12 10:{:02}:{:02},000 INFO  [Domain Monitor] [DOM_10000] record {i} {}\n",
                i / 60 % 60,
                i % 60,
                "x".repeat(i % 97)
            )
        })
        .collect()
}

#[test]
fn truncated_tar_gz_keeps_what_was_read_and_warns() {
    let log = ordered_log(4000);
    let whole = gz(&tar(&[("h1/node.log", Entry::File(log.as_bytes()))]));
    let cut = whole[..whole.len() / 2].to_vec();
    let dir = bundle(&[("h.tar.gz", cut)]);
    let result = scan_bundle(&dir, ScanOptions::default());
    let source = find(&result, "h.tar.gz!h1/node.log");
    assert!(
        source.records > 100 && source.records < 4000,
        "{}",
        source.records
    );
    assert!(
        warnings(source).contains("read stopped"),
        "{}",
        warnings(source)
    );
    assert!(!warnings(find(&result, "h.tar.gz")).is_empty());
}

#[test]
fn password_protected_zip_entry_is_skipped() {
    let mut bytes = zip(&[
        ("h1/node.log", NODE_LOG.as_bytes()),
        ("h1/exceptions.log", NODE_LOG.as_bytes()),
    ]);
    // Set the "encrypted" flag of the first entry in its local and central headers.
    bytes[6] |= 1;
    let central = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    bytes[central + 8] |= 1;
    let dir = bundle(&[("secret.zip", bytes)]);
    let result = scan_bundle(&dir, ScanOptions::default());
    let locked = find(&result, "secret.zip!h1/node.log");
    assert!(
        locked
            .skipped
            .as_deref()
            .unwrap_or_default()
            .contains("password")
    );
    assert_eq!(find(&result, "secret.zip!h1/exceptions.log").records, 2);
}

#[test]
fn bad_content_inside_archives_is_handled_like_files() {
    let mut invalid = NODE_LOG.as_bytes().to_vec();
    invalid.extend_from_slice(b"2026-03-12 10:16:00,000 WARN  [x] bad \xff\xfe bytes\n");
    let long = format!(
        "2026-03-12 10:16:00,000 WARN  [x] {}\n",
        "y".repeat(200_000)
    );
    let mut truncated_gz = gz(ordered_log(200).as_bytes());
    truncated_gz.truncate(truncated_gz.len() - 30);
    let archive = tar(&[
        ("h1/core.log", Entry::File(b"\x7fELF\x00\x00\x01\x02")),
        ("h1/node.log", Entry::File(&invalid)),
        ("h1/exceptions.log", Entry::File(long.as_bytes())),
        ("h1/node.log.2.gz", Entry::File(&truncated_gz)),
    ]);
    let dir = bundle(&[("b.tar", archive)]);
    let result = scan_bundle(&dir, ScanOptions::default());
    assert!(
        find(&result, "b.tar!h1/core.log")
            .skipped
            .as_deref()
            .unwrap()
            .contains("binary")
    );
    assert!(warnings(find(&result, "b.tar!h1/node.log")).contains("not UTF-8"));
    assert!(warnings(find(&result, "b.tar!h1/exceptions.log")).contains("longer than"));
    let cut = find(&result, "b.tar!h1/node.log.2.gz");
    assert!(
        cut.records > 0 && warnings(cut).contains("read stopped"),
        "{}",
        warnings(cut)
    );
}

#[test]
fn a_capped_zip_entry_skips_only_itself() {
    let line = "2026-03-12 10:15:22,345 INFO  [Domain Monitor] [DOM_10000] same again\n";
    let big = line.repeat(8 * 1024 * 1024 / line.len());
    let archive = zip(&[
        ("h1/node.log", big.as_bytes()),
        ("h1/exceptions.log", NODE_LOG.as_bytes()),
        ("h2/node.log", NODE_LOG.as_bytes()),
    ]);
    let dir = bundle(&[("bomb.zip", archive)]);
    let options = ScanOptions {
        limits: Limits {
            max_total_bytes: u64::MAX,
            max_ratio: 20,
            ratio_floor: 1024 * 1024,
        },
        ..ScanOptions::default()
    };
    let result = scan_bundle(&dir, options);
    let bomb = find(&result, "bomb.zip!h1/node.log");
    assert!(
        warnings(bomb).contains("decompression bomb")
            && warnings(bomb).contains("other entries are still read"),
        "{}",
        warnings(bomb)
    );
    assert!(bomb.records > 1000 && bomb.lines < (big.len() / line.len()) as u64);
    assert_eq!(find(&result, "bomb.zip!h1/exceptions.log").records, 2);
    assert_eq!(find(&result, "bomb.zip!h2/node.log").records, 2);
}

#[test]
fn every_nested_plain_tar_level_counts_against_the_cap() {
    let mut archive = tar(&[("h1/node.log", Entry::File(ordered_log(400).as_bytes()))]);
    for level in (1..12).rev() {
        archive = tar(&[(&format!("l{level}.tar"), Entry::File(&archive))]);
    }
    let size = archive.len() as u64;
    let dir = bundle(&[("deep.tar", archive)]);
    let options = ScanOptions {
        limits: Limits {
            max_total_bytes: 4 * size,
            ..Limits::default()
        },
        ..ScanOptions::default()
    };
    let result = scan_bundle(&dir, options);
    let all: String = result
        .sources
        .iter()
        .map(|s| format!("{} {:?} {}\n", s.candidate.display, s.skipped, warnings(s)))
        .collect();
    assert!(all.contains("expansion cap was reached"), "{all}");
    let unlimited = scan_bundle(&dir, ScanOptions::default());
    let inner: String = (1..12).map(|l| format!("!l{l}.tar")).collect();
    assert_eq!(
        find(&unlimited, &format!("deep.tar{inner}!h1/node.log")).records,
        400
    );
}

#[test]
fn a_bomb_inside_a_tar_gz_is_capped_and_the_run_goes_on() {
    let line = "2026-03-12 10:15:22,345 INFO  [Domain Monitor] [DOM_10000] same again\n";
    let big = line.repeat(8 * 1024 * 1024 / line.len());
    let archive = gz(&tar(&[
        ("h1/node.log", Entry::File(big.as_bytes())),
        ("h2/node.log", Entry::File(NODE_LOG.as_bytes())),
    ]));
    let dir = bundle(&[("bomb.tar.gz", archive), ("h3/node.log", NODE_LOG.into())]);
    let options = ScanOptions {
        limits: Limits {
            max_total_bytes: u64::MAX,
            max_ratio: 20,
            ratio_floor: 1024 * 1024,
        },
        ..ScanOptions::default()
    };
    let result = scan_bundle(&dir, options);
    let all: String = result
        .sources
        .iter()
        .map(|s| {
            format!(
                "{} {:?} {} | {}\n",
                s.candidate.display,
                s.skipped,
                s.records,
                warnings(s)
            )
        })
        .collect();
    let bomb = find(&result, "bomb.tar.gz!h1/node.log");
    assert!(warnings(bomb).contains("decompression bomb"), "{all}");
    assert!(bomb.records > 1000, "{all}");
    // The entries of a .tar.gz share one compressed stream: those after the
    // bomb lie behind it, so the archive says it was not read further.
    assert!(
        warnings(find(&result, "bomb.tar.gz")).contains("not read further"),
        "{all}"
    );
    assert_eq!(find(&result, "h3/node.log").records, 2);
}
