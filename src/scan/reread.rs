//! Lines read again for evidence. A folded flood keeps one event a day per
//! file, and a finding cites the first of its repeats inside the rule's
//! window by its own line; only the kept event's text was held. The texts
//! of the cited lines are read here: a plain file from the entry of its
//! line index before each line (at most [`super::LINE_INDEX_STEP`] bytes
//! early), a compressed file or archive entry in one more pass over it from
//! the start (an archive is walked again to the entries concerned).

use super::{Context, KeepPolicy, ScanOptions, ScannedSource, guarded, scan_whole};
use crate::discover::Candidate;
use crate::model::{SourceId, SourceKind};
use crate::parse;
use crate::read::{DEFAULT_MAX_LINE, LineReader};
use crate::signals::SignalCatalog;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::Path;
use std::sync::Mutex;

/// The lines to read again, by the display name of their source, and the
/// texts found.
pub(super) struct Reread {
    wanted: HashMap<String, (SourceId, BTreeSet<u64>)>,
    found: Mutex<Vec<((SourceId, u64), String)>>,
}

impl Reread {
    /// Reads the lines wanted of the text stream `display`, if any are.
    pub(super) fn read(&self, display: &str, stream: Box<dyn BufRead + '_>) {
        let Some((id, lines)) = self.wanted.get(display) else {
            return;
        };
        let mut reader = LineReader::new(stream, DEFAULT_MAX_LINE);
        let found = read_forward(&mut reader, lines.iter().copied());
        self.found
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(found.into_iter().map(|(line, text)| ((*id, line), text)));
    }
}

/// Reads on from `reader` to each of `lines` (ascending, none before the
/// reader's next line), with their texts capped as evidence is; stops at
/// the end of the stream or a read error.
fn read_forward<R: BufRead>(
    reader: &mut LineReader<R>,
    lines: impl Iterator<Item = u64>,
) -> Vec<(u64, String)> {
    let mut found = Vec::new();
    for wanted in lines {
        loop {
            match reader.next_line() {
                Ok(Some(line)) if line.number < wanted => continue,
                Ok(Some(line)) if line.number == wanted => {
                    found.push((wanted, parse::evidence_text(line.text)));
                    break;
                }
                _ => return found,
            }
        }
    }
    found
}

/// The texts (capped as evidence is) of the `wanted` lines of each source.
/// A line missing from the answer could not be read again: the file
/// changed or became unreadable since the scan.
pub fn reread(
    sources: &[ScannedSource],
    wanted: &BTreeMap<SourceId, BTreeSet<u64>>,
    catalog: &SignalCatalog,
) -> BTreeMap<(SourceId, u64), String> {
    let (indexed, streamed): (Vec<_>, Vec<_>) = wanted
        .iter()
        .filter_map(|(id, lines)| Some((*id, sources.get(id.0 as usize)?, lines)))
        .filter(|(_, source, _)| source.kind != Some(SourceKind::PacketCapture))
        .partition(|(_, source, _)| source.line_index.is_some());
    let mut found: BTreeMap<(SourceId, u64), String> = indexed
        .par_iter()
        .flat_map_iter(|(id, source, lines)| {
            let index = source.line_index.as_deref().unwrap_or_default();
            on_disk(&source.candidate.path, index, lines)
                .into_iter()
                .map(move |(line, text)| ((*id, line), text))
        })
        .collect();
    found.extend(streamed_again(&streamed, catalog));
    found
}

/// Reads `lines` of the plain file at `path`: those after the same entry
/// of its line `index` in one pass from that entry.
fn on_disk(path: &Path, index: &[(u64, u64)], lines: &BTreeSet<u64>) -> Vec<(u64, String)> {
    let entry_before = |wanted: u64| match index.partition_point(|(line, _)| *line <= wanted) {
        0 => (1, 0),
        i => index[i - 1],
    };
    let mut found = Vec::new();
    let mut lines = lines.iter().copied().peekable();
    while let Some(&first) = lines.peek() {
        let entry = entry_before(first);
        let group: Vec<u64> =
            std::iter::from_fn(|| lines.next_if(|&l| entry_before(l) == entry)).collect();
        let Some(mut reader) = open_at(path, entry) else {
            break;
        };
        found.extend(read_forward(&mut reader, group.into_iter()));
    }
    found
}

/// A reader of the file at `path` whose next line is the index entry's
/// line, at its offset.
fn open_at(path: &Path, (line, offset): (u64, u64)) -> Option<LineReader<BufReader<File>>> {
    let mut file = File::open(path).ok()?;
    file.seek(SeekFrom::Start(offset)).ok()?;
    let reader = LineReader::new(BufReader::with_capacity(64 * 1024, file), DEFAULT_MAX_LINE);
    Some(match line {
        1 => reader,
        _ => reader.numbered_after(line - 1).lf_only(),
    })
}

/// Reads the wanted lines of compressed files and archive entries by
/// walking them again from their start, as the scan did.
fn streamed_again(
    wanted: &[(SourceId, &ScannedSource, &BTreeSet<u64>)],
    catalog: &SignalCatalog,
) -> BTreeMap<(SourceId, u64), String> {
    let mut by_display = HashMap::new();
    let mut files: BTreeMap<String, Candidate> = BTreeMap::new();
    for &(id, source, lines) in wanted {
        let display = &source.candidate.display;
        by_display.insert(display.clone(), (id, lines.clone()));
        let on_disk = display
            .split_once('!')
            .map_or(display.as_str(), |(file, _)| file);
        files
            .entry(on_disk.to_string())
            .or_insert_with(|| Candidate {
                display: on_disk.to_string(),
                ..source.candidate.clone()
            });
    }
    let plan = Reread {
        wanted: by_display,
        found: Mutex::new(Vec::new()),
    };
    let ctx = Context {
        catalog,
        keep: KeepPolicy::default(),
        options: ScanOptions::default(),
        piece_from: u64::MAX,
        reread: Some(&plan),
        ports: crate::parse::pcap::Ports::with_extra(&[]),
    };
    files.par_iter().for_each(|(_, file)| {
        guarded(file, || scan_whole(file, &ctx));
    });
    plan.found
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definitions::builtin;

    /// A node.log of `lines` records, each naming its own line number.
    fn node_log(lines: u64) -> String {
        (1..=lines)
            .map(|n| {
                format!(
                    "2026-03-12 10:{:02}:{:02},000 INFO  [pool-3-thread-1] [LGS_10042] Log Service flushed record {n}.\n",
                    n / 60 % 60,
                    n % 60
                )
            })
            .collect()
    }

    #[test]
    fn the_scan_indexes_line_starts_and_cited_lines_are_read_from_near_them() {
        let dir = tempfile::tempdir().unwrap();
        let text = node_log(60_000);
        std::fs::write(dir.path().join("node.log"), &text).unwrap();
        let catalog = SignalCatalog::build(&builtin()).unwrap();
        let inventory = crate::discover::discover(&[dir.path().to_path_buf()]);
        let scan = super::super::scan(&inventory.candidates, &catalog, KeepPolicy::default());
        let source = &scan.sources[0];
        let index = source
            .line_index
            .as_deref()
            .expect("a plain file is indexed");
        assert!(index.len() >= 5, "about one entry per MiB: {index:?}");
        let lines: Vec<&str> = text.lines().collect();
        for &(line, offset) in index {
            let at = &text[offset as usize..];
            assert!(
                at.starts_with(lines[line as usize - 1]),
                "line {line} at {offset}"
            );
        }
        let wanted: BTreeMap<SourceId, BTreeSet<u64>> =
            BTreeMap::from([(source.id, BTreeSet::from([1, 2, 31_337, 59_999, 60_000]))]);
        let found = reread(&scan.sources, &wanted, &catalog);
        for (&(_, line), text) in &found {
            assert_eq!(text, lines[line as usize - 1]);
        }
        assert_eq!(found.len(), 5);
    }

    #[test]
    fn a_gzipped_file_is_read_again_from_its_start() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let text = node_log(2_000);
        let file = std::fs::File::create(dir.path().join("node.log.gz")).unwrap();
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        gz.finish().unwrap();
        let catalog = SignalCatalog::build(&builtin()).unwrap();
        let inventory = crate::discover::discover(&[dir.path().to_path_buf()]);
        let scan = super::super::scan(&inventory.candidates, &catalog, KeepPolicy::default());
        let source = &scan.sources[0];
        assert_eq!(source.line_index, None);
        let wanted = BTreeMap::from([(source.id, BTreeSet::from([1_999]))]);
        let found = reread(&scan.sources, &wanted, &catalog);
        assert_eq!(
            found.get(&(source.id, 1_999)).map(String::as_str),
            text.lines().nth(1_998)
        );
    }
}
