//! Lines read again for evidence. A folded flood keeps one event a day per
//! file, and a finding cites the first of its repeats inside the rule's
//! window by its own line; only the kept event's text was held. The texts
//! of the cited lines are read here, in one more pass over only the files
//! that hold them (an archive is walked again to the entries concerned,
//! a compressed file decompressed again up to the last line wanted).

use super::{Context, KeepPolicy, ScanOptions, ScannedSource, guarded, scan_whole};
use crate::discover::Candidate;
use crate::model::SourceId;
use crate::parse;
use crate::read::{DEFAULT_MAX_LINE, LineReader};
use crate::signals::SignalCatalog;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::BufRead;
use std::sync::Mutex;

/// The lines to read again, by display name, and the texts found.
pub(super) struct Reread {
    wanted: HashMap<String, BTreeSet<u64>>,
    found: Mutex<Vec<(String, u64, String)>>,
}

impl Reread {
    /// Reads the lines wanted of the text stream `display`, if any are.
    pub(super) fn read(&self, display: &str, stream: Box<dyn BufRead + '_>) {
        let Some(lines) = self.wanted.get(display) else {
            return;
        };
        let Some(&last) = lines.last() else {
            return;
        };
        let mut reader = LineReader::new(stream, DEFAULT_MAX_LINE);
        let mut found = Vec::new();
        while let Ok(Some(line)) = reader.next_line() {
            if lines.contains(&line.number) {
                found.push((
                    display.to_string(),
                    line.number,
                    parse::evidence_text(line.text),
                ));
            }
            if line.number >= last {
                break;
            }
        }
        self.found
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(found);
    }
}

/// The texts (capped as evidence is) of the `wanted` lines of each source.
/// A line missing from the answer could not be read again: the file
/// changed or became unreadable since the scan.
pub fn reread(
    sources: &[ScannedSource],
    wanted: &BTreeMap<SourceId, BTreeSet<u64>>,
    catalog: &SignalCatalog,
) -> BTreeMap<(SourceId, u64), String> {
    let mut by_display = HashMap::new();
    let mut files: BTreeMap<String, Candidate> = BTreeMap::new();
    for (id, lines) in wanted {
        let Some(source) = sources.get(id.0 as usize) else {
            continue;
        };
        let display = &source.candidate.display;
        by_display.insert(display.clone(), lines.clone());
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
    };
    files.par_iter().for_each(|(_, file)| {
        guarded(file, || scan_whole(file, &ctx));
    });
    let ids: HashMap<&str, SourceId> = wanted
        .keys()
        .filter_map(|id| Some((sources.get(id.0 as usize)?.candidate.display.as_str(), *id)))
        .collect();
    plan.found
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .filter_map(|(display, line, text)| Some(((*ids.get(display.as_str())?, line), text)))
        .collect()
}
