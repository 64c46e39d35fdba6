//! Scan: the parse stage run over every discovered file in parallel. Each
//! task opens one file; a text file is streamed through its parser and the
//! signal catalog, an archive is walked entry by entry (nested archives
//! too) with each entry scanned the same way. Only the events that matter
//! and each source's counts are kept; whole files are never held in memory
//! and nothing is ever extracted to disk.

use crate::discover::archive::{self, Budget, CountIn, CountOut, EntryName, EntryVisitor, Limits};
use crate::discover::content::{self, ContentName};
use crate::discover::detect::{self, Detection, SNIFF_LINES};
use crate::discover::open::{self, ArchiveFormat, BUFFER_SIZE, Opened, Packing, Unpacked};
use crate::discover::{Candidate, EntryPlace};
use crate::model::{Event, Level, LogTime, SourceId, SourceKind};
use crate::parse;
use crate::parse::pcap::{self, Ports};
use crate::progress::Progress;
use crate::read::{DEFAULT_MAX_LINE, LineReader, TextEncoding, WIDE_MAX_LINE};
use crate::signals::{Signal, SignalCatalog};
use chrono::FixedOffset;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use worker::Worker;

mod minutes;
mod pieces;
mod repeats;
mod reread;
mod stops;
mod verdicts;
mod worker;

pub use minutes::RecordMinutes;
pub use repeats::{Repeat, Repeats};
pub use reread::reread;
pub use stops::{ShortStops, StopKind, StopTally};

/// Which events a scan keeps besides those that raise signals.
#[derive(Copy, Clone, Debug, Default)]
pub struct KeepPolicy {
    /// Keep every record at least this severe (for the timeline view).
    pub min_level: Option<Level>,
}

/// How a scan runs, beyond what it keeps: progress reporting and the caps
/// that stop decompression bombs.
#[derive(Copy, Clone, Default)]
pub struct ScanOptions<'a> {
    /// Ticked with bytes read from disk and files finished.
    pub progress: Option<&'a Progress>,
    /// Expansion caps per file on disk.
    pub limits: Limits,
    /// Ports packet captures are read for, besides the defaults (`--port`).
    pub extra_ports: &'a [u16],
}

/// The thread pool could not be set up as asked.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up {jobs} worker thread(s): {source}")]
pub struct JobsError {
    jobs: usize,
    source: rayon::ThreadPoolBuildError,
}

/// Limits the scan to `jobs` worker threads (`--jobs N`); call once, before
/// the first scan. Without it the scan uses one thread per core.
pub fn set_jobs(jobs: usize) -> Result<(), JobsError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build_global()
        .map_err(|source| JobsError { jobs, source })
}

/// An event worth keeping, with the signals it raised.
#[derive(Clone, Debug)]
pub struct KeptEvent {
    /// The source it came from.
    pub source: SourceId,
    /// The record.
    pub event: Event,
    /// What it means.
    pub signals: Vec<Signal>,
    /// Identical events (same signals and fields, same file, within ten
    /// minutes of its clock) folded into this one.
    pub repeats: Repeats,
}

/// A warning about one file, at a line when there is one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileWarning {
    /// 1-based line, when the warning is about one.
    pub line: Option<u64>,
    /// What the user should know.
    pub message: String,
}

/// What scanning one source (a file, or an archive entry) found: its
/// identity, coverage and problems. An archive with problems of its own
/// (damage, truncation, caps) is listed as a source too, with no kind.
#[derive(Clone, Debug)]
pub struct ScannedSource {
    /// Position in [`Scan::sources`]; sources are ordered by display name.
    pub id: SourceId,
    /// Where the source lies and which host it belongs to.
    pub candidate: Candidate,
    /// `None` when the file was skipped.
    pub kind: Option<SourceKind>,
    /// The compression that was removed, when the source was opened.
    pub packing: Option<Packing>,
    /// The encoding its text was decoded from, once opened.
    pub encoding: Option<TextEncoding>,
    /// The host (or Informatica node) its first lines name, if they do.
    pub named_in_content: Option<ContentName>,
    /// Why the file was not read, when it was not.
    pub skipped: Option<String>,
    /// Lines read.
    pub lines: u64,
    /// Records parsed.
    pub records: u64,
    /// Lines that belonged to no record.
    pub unparsed_lines: u64,
    /// A few of those lines, with their numbers.
    pub unparsed_samples: Vec<(u64, String)>,
    /// Problems with this source.
    pub warnings: Vec<FileWarning>,
    /// The time of the first record, for what time the source covers.
    pub first_time: Option<LogTime>,
    /// The last record: its line, time and text (for "the log ends here").
    pub last_record: Option<(u64, LogTime, String)>,
    /// The UTC offset the file's own timestamps carry, if any.
    pub utc_offset: Option<FixedOffset>,
    /// Records per minute, for the report's activity overview.
    pub minutes: RecordMinutes,
    /// GC pauses and safepoints too short for any signal, counted.
    pub short_stops: ShortStops,
    /// For a plain UTF-8 file on disk: a line number and the byte offset
    /// its line starts at, about every [`LINE_INDEX_STEP`] bytes, so a
    /// cited line can be read again from near it (see [`reread`]). `None`
    /// for compressed files, archive entries and transcoded text, which are
    /// read again from their start.
    pub line_index: Option<Vec<(u64, u64)>>,
    /// Hosts other than its own that the file's records are about (the
    /// guests of a hypervisor's metrics), as the file names them.
    pub guests: BTreeSet<String>,
    /// A packet capture's flows and data segments, for matching with the
    /// capture of the other end (see [`crate::pipeline`]).
    pub capture: Option<Box<pcap::CaptureDigest>>,
}

/// Most hosts one file may say it is about; more are a hostile file.
pub const MAX_GUESTS: usize = 10_000;

/// Bytes between two entries of a file's line index: reading a cited line
/// again reads at most this much of the file before it.
pub const LINE_INDEX_STEP: u64 = 1 << 20;

impl ScannedSource {
    /// A source not read yet: nothing counted, nothing found.
    pub(crate) fn new(candidate: Candidate) -> Self {
        ScannedSource {
            id: SourceId(0),
            candidate,
            kind: None,
            packing: None,
            encoding: None,
            named_in_content: None,
            skipped: None,
            lines: 0,
            records: 0,
            unparsed_lines: 0,
            unparsed_samples: Vec::new(),
            warnings: Vec::new(),
            first_time: None,
            last_record: None,
            utc_offset: None,
            minutes: RecordMinutes::default(),
            short_stops: ShortStops::default(),
            line_index: None,
            guests: BTreeSet::new(),
            capture: None,
        }
    }

    fn skipped(candidate: Candidate, reason: String) -> Self {
        let mut source = ScannedSource::new(candidate);
        source.skipped = Some(reason);
        source
    }
}

/// The result of scanning a whole bundle.
#[derive(Debug, Default)]
pub struct Scan {
    /// Every source, ordered by display name; `id` is the position.
    pub sources: Vec<ScannedSource>,
    /// Kept events, grouped by source in source order.
    pub events: Vec<KeptEvent>,
    /// Where a source's host had to be guessed.
    pub host_warnings: Vec<crate::discover::WalkProblem>,
}

/// One source's result before ids are assigned.
type Outcome = (ScannedSource, Vec<KeptEvent>);

/// Shared by every task of one scan.
struct Context<'a> {
    catalog: &'a SignalCatalog,
    keep: KeepPolicy,
    options: ScanOptions<'a>,
    /// Plain files at least this large are read in pieces.
    piece_from: u64,
    /// Set when the pass only reads cited lines again (see [`reread`]).
    reread: Option<&'a reread::Reread>,
    /// The ports whose flows captures are followed on.
    ports: Ports,
}

/// Scans every candidate in parallel with default options.
pub fn scan(candidates: &[Candidate], catalog: &SignalCatalog, keep: KeepPolicy) -> Scan {
    scan_with(candidates, catalog, keep, ScanOptions::default())
}

/// Scans every candidate in parallel (archives expand into one source per
/// entry). The result does not depend on thread scheduling: sources are
/// sorted by display name and numbered in that order.
pub fn scan_with(
    candidates: &[Candidate],
    catalog: &SignalCatalog,
    keep: KeepPolicy,
    options: ScanOptions<'_>,
) -> Scan {
    let ctx = Context {
        catalog,
        keep,
        options,
        piece_from: pieces::worth_cutting_from(candidates),
        reread: None,
        ports: Ports::with_extra(options.extra_ports),
    };
    let mut outcomes = scan_largest_first(candidates, &ctx);
    // Hosts are found from the whole bundle, archive entries included,
    // then named or checked by what the files say.
    let mut host_warnings =
        crate::discover::hosts::assign(outcomes.iter_mut().map(|(s, _)| &mut s.candidate));
    host_warnings.extend(content::confirm(
        outcomes
            .iter_mut()
            .map(|(s, _)| (&mut s.candidate, s.named_in_content.as_ref())),
    ));
    host_warnings.sort();
    outcomes.sort_by(|a, b| a.0.candidate.display.cmp(&b.0.candidate.display));
    let kept = outcomes.iter().map(|(_, events)| events.len()).sum();
    let mut result = Scan {
        sources: Vec::with_capacity(outcomes.len()),
        events: Vec::with_capacity(kept),
        host_warnings,
    };
    for (i, (mut source, mut events)) in outcomes.into_iter().enumerate() {
        source.id = SourceId(i as u32);
        events.iter_mut().for_each(|e| e.source = source.id);
        result.sources.push(source);
        result.events.append(&mut events);
    }
    result
}

/// Scans the candidates on every thread, each taking the largest file not
/// yet taken, so that the last file to finish is a small one (in candidate
/// order, rayon's halving could leave a thread alone with a large file at
/// the end); the outcomes come back in candidate order.
fn scan_largest_first(candidates: &[Candidate], ctx: &Context<'_>) -> Vec<Outcome> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let size = |c: &Candidate| std::fs::metadata(&c.path).map_or(0, |m| m.len());
    let mut order: Vec<(u64, usize)> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (size(c), i))
        .collect();
    order.sort_by_key(|&(size, i)| (std::cmp::Reverse(size), i));
    let next = AtomicUsize::new(0);
    let mut scanned: Vec<(usize, Vec<Outcome>)> = (0..rayon::current_num_threads())
        .into_par_iter()
        .flat_map_iter(|_| {
            let mut mine = Vec::new();
            while let Some(&(_, i)) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                mine.push((i, scan_candidate(&candidates[i], ctx)));
            }
            mine
        })
        .collect();
    scanned.sort_by_key(|&(i, _)| i);
    scanned
        .into_iter()
        .flat_map(|(_, outcomes)| outcomes)
        .collect()
}

fn scan_candidate(candidate: &Candidate, ctx: &Context<'_>) -> Vec<Outcome> {
    let outcomes = guarded(candidate, || match pieces::scan_in_pieces(candidate, ctx) {
        Some(outcome) => vec![outcome],
        None => scan_whole(candidate, ctx),
    });
    if let Some(progress) = ctx.options.progress {
        progress.file_done();
    }
    outcomes
}

/// Runs `scan` on one file; should a bug in hbdiag panic on it, the file is
/// listed as skipped with the reason and the rest of the bundle is read.
fn guarded(candidate: &Candidate, scan: impl FnOnce() -> Vec<Outcome>) -> Vec<Outcome> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(scan)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        let reason = format!(
            "hbdiag hit a bug reading this file ({what}); the rest of the bundle was read — please report it with this file"
        );
        vec![(ScannedSource::skipped(candidate.clone(), reason), Vec::new())]
    })
}

/// Scans a file in one pass: text, compressed text or an archive.
fn scan_whole(candidate: &Candidate, ctx: &Context<'_>) -> Vec<Outcome> {
    let budget = Budget::new(ctx.options.limits);
    let tick = |bytes: u64| {
        if let Some(progress) = ctx.options.progress {
            progress.add_bytes(bytes);
        }
    };
    match open::open_file(&candidate.path) {
        Ok(file) => {
            let counted = CountIn::new(file, &budget, &tick);
            scan_file(
                candidate,
                BufReader::with_capacity(BUFFER_SIZE, counted),
                &budget,
                ctx,
            )
        }
        Err(err) => vec![(
            ScannedSource::skipped(candidate.clone(), err.to_string()),
            Vec::new(),
        )],
    }
}

fn scan_file<R: BufRead + std::io::Seek>(
    candidate: &Candidate,
    mut reader: R,
    budget: &Budget,
    ctx: &Context<'_>,
) -> Vec<Outcome> {
    let is_zip = reader.fill_buf().map(open::is_zip).unwrap_or(false);
    let mut walk = ArchiveScan::new(
        candidate.clone(),
        EntryPlace::of_archive(candidate),
        budget,
        ctx,
    );
    if is_zip {
        walk.format = ArchiveFormat::Zip;
        archive::walk_zip_seekable(reader, &mut walk);
        return walk.finish(Packing::Plain);
    }
    match open::unpack(reader) {
        Ok(Unpacked::Text(opened)) => {
            let on_disk = opened.packing == Packing::Plain;
            vec![scan_text(candidate.clone(), opened, on_disk, budget, ctx)]
        }
        Ok(Unpacked::Capture { packing, reader }) => {
            vec![scan_capture(
                candidate.clone(),
                reader,
                packing,
                budget,
                ctx,
            )]
        }
        Ok(Unpacked::Archive {
            format,
            packing,
            reader,
        }) => {
            walk.format = format;
            walk.walk(reader, packing);
            walk.finish(packing)
        }
        Err(err) => vec![(
            ScannedSource::skipped(candidate.clone(), err.to_string()),
            Vec::new(),
        )],
    }
}

/// Scans the entries of one archive, recursing into nested archives.
struct ArchiveScan<'a> {
    /// The archive itself, to carry its own problems.
    archive: Candidate,
    place: EntryPlace,
    format: ArchiveFormat,
    budget: &'a Budget,
    ctx: &'a Context<'a>,
    /// 1 for the archive on disk, 2 for an archive inside it, …
    depth: usize,
    /// Whether the stream of this (nested) archive is already counted
    /// against the budget as an entry of its parent (zip entries are).
    counted_as_entry: bool,
    outcomes: Vec<Outcome>,
    problems: Vec<String>,
}

impl<'a> ArchiveScan<'a> {
    fn new(
        archive: Candidate,
        place: EntryPlace,
        budget: &'a Budget,
        ctx: &'a Context<'a>,
    ) -> Self {
        ArchiveScan {
            archive,
            place,
            format: ArchiveFormat::Tar,
            budget,
            ctx,
            depth: 1,
            counted_as_entry: false,
            outcomes: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Walks an archive stream; compressed streams count against the
    /// budget, and so does every nested level (a plain tar too).
    fn walk(&mut self, reader: Box<dyn BufRead + '_>, packing: Packing) {
        let count = packing != Packing::Plain || (self.depth > 1 && !self.counted_as_entry);
        let reader: Box<dyn BufRead + '_> = if count {
            Box::new(CountOut::new(reader, self.budget))
        } else {
            reader
        };
        match self.format {
            ArchiveFormat::Tar => archive::walk_tar(reader, self),
            ArchiveFormat::Zip => archive::walk_zip_nested(reader, self),
        }
    }

    /// Every entry's outcome, plus the archive's own when it had problems
    /// (skipped when no entry at all could be read).
    fn finish(mut self, packing: Packing) -> Vec<Outcome> {
        if !self.problems.is_empty() {
            let mut source = ScannedSource::new(self.archive);
            source.packing = Some(packing);
            if self.outcomes.is_empty() {
                source.skipped = Some(format!(
                    "no entry could be read from this archive: {}",
                    self.problems.remove(0)
                ));
            }
            source.warnings = self
                .problems
                .into_iter()
                .map(|message| FileWarning {
                    line: None,
                    message,
                })
                .collect();
            self.outcomes.push((source, Vec::new()));
        }
        self.outcomes
    }

    fn nested(
        &mut self,
        name: &EntryName,
        format: ArchiveFormat,
        packing: Packing,
        reader: Box<dyn BufRead + '_>,
    ) {
        let archive = self.place.candidate(&name.name);
        if self.depth >= archive::MAX_DEPTH {
            let reason = format!(
                "archive nested {} levels deep in {}: hbdiag opens archives up to {} levels deep",
                self.depth + 1,
                self.place.archive_display(),
                archive::MAX_DEPTH
            );
            let source = ScannedSource::skipped(archive, reason);
            return self.outcomes.push((source, Vec::new()));
        }
        let mut inner = ArchiveScan::new(
            archive,
            self.place.nested(&name.name),
            self.budget,
            self.ctx,
        );
        inner.format = format;
        inner.depth = self.depth + 1;
        inner.counted_as_entry = self.format == ArchiveFormat::Zip;
        inner.walk(reader, packing);
        self.outcomes.extend(inner.finish(packing));
    }
}

impl EntryVisitor for ArchiveScan<'_> {
    fn file(&mut self, name: &EntryName, reader: &mut dyn Read) {
        let mark = self.budget.begin_entry();
        self.read_entry(name, reader);
        if self.budget.end_entry(mark) && !self.budget.exceeded() {
            let display = self.place.candidate(&name.name).display;
            // Zip entries are compressed one by one, so the next ones can
            // be read; a tar's entries may share one compressed stream, and
            // the archive says when it could not be read further.
            let message = match self.format {
                ArchiveFormat::Zip => {
                    "this entry hit the expansion cap and was not read further; the archive's other entries are still read"
                }
                ArchiveFormat::Tar => "this entry hit the expansion cap and was not read further",
            };
            self.note(&display, message.into());
        }
    }

    fn skipped(&mut self, name: &EntryName, reason: String) {
        let mut source = ScannedSource::skipped(self.place.candidate(&name.name), reason);
        note_unsafe_name(&mut source, name);
        self.outcomes.push((source, Vec::new()));
    }

    fn problem(&mut self, message: String) {
        self.problems.push(message);
    }

    fn entry_problem(&mut self, name: &EntryName, message: String) {
        let display = self.place.candidate(&name.name).display;
        self.note(&display, message);
    }

    fn stop(&self) -> bool {
        self.budget.exceeded()
    }
}

impl ArchiveScan<'_> {
    /// Adds a warning to the source `display` (an entry, or a nested
    /// archive), listing it when it has no source yet.
    fn note(&mut self, display: &str, message: String) {
        let warning = FileWarning {
            line: None,
            message,
        };
        match self
            .outcomes
            .iter_mut()
            .rev()
            .find(|(s, _)| s.candidate.display == display)
        {
            Some((source, _)) => source.warnings.push(warning),
            None => {
                let entry = display.rsplit_once('!').map_or(display, |(_, e)| e);
                let mut source = ScannedSource::new(self.place.candidate(entry));
                source.warnings.push(warning);
                self.outcomes.push((source, Vec::new()));
            }
        }
    }

    fn read_entry(&mut self, name: &EntryName, reader: &mut dyn Read) {
        let candidate = self.place.candidate(&name.name);
        let buffered = BufReader::with_capacity(BUFFER_SIZE, reader);
        let stream: Box<dyn BufRead + '_> = match self.format {
            ArchiveFormat::Zip => Box::new(CountOut::new(buffered, self.budget)),
            ArchiveFormat::Tar => Box::new(buffered),
        };
        let mut outcome = match open::unpack(stream) {
            Ok(Unpacked::Text(opened)) => {
                scan_text(candidate, opened, false, self.budget, self.ctx)
            }
            Ok(Unpacked::Capture { packing, reader }) => {
                scan_capture(candidate, reader, packing, self.budget, self.ctx)
            }
            Ok(Unpacked::Archive {
                format,
                packing,
                reader,
            }) => return self.nested(name, format, packing, reader),
            Err(err) => (
                ScannedSource::skipped(candidate, err.to_string()),
                Vec::new(),
            ),
        };
        note_unsafe_name(&mut outcome.0, name);
        self.outcomes.push(outcome);
    }
}

fn note_unsafe_name(source: &mut ScannedSource, name: &EntryName) {
    if let Some(original) = &name.unsafe_original {
        source.warnings.insert(
            0,
            FileWarning {
                line: None,
                message: format!(
                    "entry name `{original}` is absolute or climbs out with `..`; read as `{}` (nothing is extracted)",
                    name.name
                ),
            },
        );
    }
}

/// Scans one text stream: sniff its kind, then parse and classify it.
/// `on_disk`: the stream is a plain file's bytes from its start, so its
/// lines can be indexed by offset (when it is UTF-8).
fn scan_text(
    candidate: Candidate,
    opened: Opened<'_>,
    on_disk: bool,
    budget: &Budget,
    ctx: &Context<'_>,
) -> Outcome {
    let mut source = ScannedSource::new(candidate);
    source.packing = Some(opened.packing);
    source.encoding = Some(opened.encoding);
    let stream: Box<dyn BufRead + '_> = match opened.packing {
        Packing::Plain => opened.reader,
        _ => Box::new(CountOut::new(opened.reader, budget)),
    };
    if let Some(reread) = ctx.reread {
        reread.read(&source.candidate.display, stream);
        return (source, Vec::new());
    }
    let mut reader = LineReader::new(stream, WIDE_MAX_LINE);
    let (mut head, read_error) = read_head(&mut reader);
    if head.is_empty() && read_error.is_some() {
        source.warnings.push(FileWarning {
            line: None,
            message: "not empty, but no line could be read".into(),
        });
    }
    let Some(kind) = decide_kind(&head, &mut source) else {
        return (source, Vec::new());
    };
    if kind == SourceKind::PacketCapture {
        source.skipped =
            Some("named like a packet capture, but it has no pcap or pcapng header".into());
        return (source, Vec::new());
    }
    source.kind = Some(kind);
    let Some(mut parser) = parse::parser_for(kind) else {
        source.skipped = Some(format!("hbdiag cannot parse {kind} files yet"));
        return (source, Vec::new());
    };
    source.kind = Some(kind);
    fit_to_kind(&mut head, &mut reader, kind);
    let mut worker = Worker::new(source, kind, ctx.catalog, ctx.keep);
    if on_disk && opened.encoding == TextEncoding::Utf8 {
        worker.index_lines();
    }
    worker.feed(parser.as_mut(), &head, &mut reader, read_error);
    worker.finish()
}

/// Scans one packet capture: its findings go to the same worker as a text
/// file's records, numbered by packet. Captures are never read again for
/// evidence: their events carry their own text.
fn scan_capture(
    candidate: Candidate,
    reader: Box<dyn BufRead + '_>,
    packing: Packing,
    budget: &Budget,
    ctx: &Context<'_>,
) -> Outcome {
    let mut source = ScannedSource::new(candidate);
    source.packing = Some(packing);
    if ctx.reread.is_some() {
        return (source, Vec::new());
    }
    source.kind = Some(SourceKind::PacketCapture);
    let stream: Box<dyn BufRead + '_> = match packing {
        Packing::Plain => reader,
        _ => Box::new(BufReader::with_capacity(
            BUFFER_SIZE,
            CountOut::new(reader, budget),
        )),
    };
    let mut worker = Worker::new(source, SourceKind::PacketCapture, ctx.catalog, ctx.keep);
    let read = pcap::read_capture(stream, &ctx.ports, &mut worker);
    worker.count_frames(read.counts.frames);
    let (mut source, events) = worker.finish();
    if let Some([(_, first), (last, last_ns)]) = read.counts.span {
        source.first_time = Some(pcap::utc(first));
        source.last_record = Some((last, pcap::utc(last_ns), format!("packet {last}")));
    }
    source.capture = Some(Box::new(read.digest));
    (source, events)
}

/// How long a line of `kind` may be: wide for formats whose lines are
/// wide by nature, else short enough that a file without line breaks
/// costs little.
pub(super) fn max_line_for(kind: SourceKind) -> usize {
    match kind {
        SourceKind::HypervisorMetrics => WIDE_MAX_LINE,
        _ => DEFAULT_MAX_LINE,
    }
}

/// The first lines' bytes beyond which no more are sniffed: the head of a
/// file of wide lines is a few lines, not [`SNIFF_LINES`] of megabytes.
const HEAD_BYTES: usize = 1 << 20;

/// The first lines of a stream, which tell its kind, and the error that
/// ended the stream before them, if one did.
fn read_head<R: BufRead>(reader: &mut LineReader<R>) -> (Vec<String>, Option<std::io::Error>) {
    let mut head: Vec<String> = Vec::with_capacity(SNIFF_LINES);
    let mut bytes = 0;
    while head.len() < SNIFF_LINES && bytes < HEAD_BYTES {
        match reader.next_line() {
            Ok(Some(line)) => {
                bytes += line.text.len();
                head.push(line.text.to_string());
            }
            Ok(None) => break,
            Err(err) => return (head, Some(err)),
        }
    }
    (head, None)
}

/// Cuts the first lines, read under the wide cap, to the cap of their
/// kind, as the reader cuts the lines after them.
fn fit_to_kind<R: BufRead>(head: &mut [String], reader: &mut LineReader<R>, kind: SourceKind) {
    let cap = max_line_for(kind);
    reader.set_max_line(cap);
    for (i, line) in head.iter_mut().enumerate() {
        if line.len() > cap {
            let end = (0..=cap).rev().find(|&at| line.is_char_boundary(at));
            line.truncate(end.unwrap_or(0));
            reader.note_long_line(i as u64 + 1);
        }
    }
}

/// The kind the first lines confirm, and the host or node they name.
fn decide_kind(head: &[String], source: &mut ScannedSource) -> Option<SourceKind> {
    let lines: Vec<&str> = head.iter().map(String::as_str).collect();
    let kind = kind_of(&lines, source)?;
    source.named_in_content = content::name_in(kind, &lines);
    Some(kind)
}

fn kind_of(lines: &[&str], source: &mut ScannedSource) -> Option<SourceKind> {
    match detect::detect(source.candidate.name_kind, lines) {
        Detection::Confirmed(kind) => Some(kind),
        Detection::Overruled { named, found } => {
            source.warnings.push(FileWarning {
                line: None,
                message: format!(
                    "named like a {named} file but its content is {found}; read as {found}"
                ),
            });
            Some(found)
        }
        Detection::Unconfirmed(kind) if lines.is_empty() => {
            if source.warnings.is_empty() {
                source.warnings.push(FileWarning {
                    line: None,
                    message: "empty file".into(),
                });
            }
            Some(kind)
        }
        Detection::Unconfirmed(kind) => {
            source.warnings.push(FileWarning {
                line: None,
                message: format!("named like a {kind} file but its first lines do not look like one; read as {kind}"),
            });
            Some(kind)
        }
        Detection::Unknown => {
            source.skipped = Some("unknown format (not a log hbdiag reads)".into());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_on_one_file_skips_that_file_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("node.log"), "text\n").unwrap();
        let inventory = crate::discover::discover(&[dir.path().to_path_buf()]);
        let candidate = &inventory.candidates[0];
        let outcomes = guarded(candidate, || panic!("index out of range"));
        let [(source, events)] = outcomes.as_slice() else {
            panic!("one outcome: {}", outcomes.len());
        };
        assert!(events.is_empty());
        let reason = source.skipped.as_deref().unwrap();
        assert!(reason.contains("hbdiag hit a bug"), "{reason}");
        assert!(reason.contains("index out of range"), "{reason}");
        assert_eq!(source.candidate.display, candidate.display);
    }
}
