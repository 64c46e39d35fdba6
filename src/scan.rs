//! Scan: the parse stage run over every discovered file in parallel. Each
//! worker opens one file, confirms its kind, streams it through its parser
//! and the signal catalog, and keeps only the events that matter plus the
//! file's counts. Whole files are never held in memory.

use crate::discover::Candidate;
use crate::discover::detect::{self, Detection, SNIFF_LINES};
use crate::discover::open::{self, Packing};
use crate::model::{Event, EventKind, Level, LogGap, LogTime, SourceId, SourceKind};
use crate::parse::{self, Parser, Sink};
use crate::read::{DEFAULT_MAX_LINE, Line, LineReader};
use crate::signals::{Scratch, Signal, SignalCatalog};
use chrono::FixedOffset;
use rayon::prelude::*;

/// Unparsed lines quoted per file in the report.
const UNPARSED_SAMPLES: usize = 3;
/// Warnings kept per file; further ones are counted.
const MAX_WARNINGS: usize = 20;
/// Silences shorter than this in a text log are not recorded.
const MIN_GAP_MS: f64 = 10_000.0;
/// A timestamp this much earlier than the one before counts as out of order.
const BACKWARD_TOLERANCE_MS: f64 = 1_000.0;

/// Which events a scan keeps besides those that raise signals.
#[derive(Copy, Clone, Debug, Default)]
pub struct KeepPolicy {
    /// Keep every record at least this severe (for the timeline view).
    pub min_level: Option<Level>,
}

/// An event worth keeping, with the signals it raised.
#[derive(Clone, Debug)]
pub struct KeptEvent {
    pub source: SourceId,
    pub event: Event,
    pub signals: Vec<Signal>,
}

/// A warning about one file, at a line when there is one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileWarning {
    pub line: Option<u64>,
    pub message: String,
}

/// What scanning one file found: its identity, coverage and problems.
#[derive(Clone, Debug)]
pub struct ScannedSource {
    pub id: SourceId,
    pub candidate: Candidate,
    /// `None` when the file was skipped.
    pub kind: Option<SourceKind>,
    pub packing: Option<Packing>,
    /// Why the file was not read, when it was not.
    pub skipped: Option<String>,
    pub lines: u64,
    pub records: u64,
    pub unparsed_lines: u64,
    pub unparsed_samples: Vec<(u64, String)>,
    pub warnings: Vec<FileWarning>,
    pub first_time: Option<LogTime>,
    /// The last record: its line, time and text (for "the log ends here").
    pub last_record: Option<(u64, LogTime, String)>,
    /// The UTC offset the file's own timestamps carry, if any.
    pub utc_offset: Option<FixedOffset>,
    /// Events on an uptime clock that no anchor placed in wall time.
    pub relative_events: u64,
}

/// The result of scanning a whole bundle.
#[derive(Debug, Default)]
pub struct Scan {
    pub sources: Vec<ScannedSource>,
    pub events: Vec<KeptEvent>,
}

/// Scans every candidate in parallel; the result is in candidate order.
pub fn scan(candidates: &[Candidate], catalog: &SignalCatalog, keep: KeepPolicy) -> Scan {
    let outcomes: Vec<(ScannedSource, Vec<KeptEvent>)> = candidates
        .par_iter()
        .enumerate()
        .map(|(i, candidate)| scan_one(SourceId(i as u32), candidate, catalog, keep))
        .collect();
    let mut result = Scan::default();
    for (source, events) in outcomes {
        result.sources.push(source);
        result.events.extend(events);
    }
    result
}

fn scan_one(
    id: SourceId,
    candidate: &Candidate,
    catalog: &SignalCatalog,
    keep: KeepPolicy,
) -> (ScannedSource, Vec<KeptEvent>) {
    let mut source = ScannedSource {
        id,
        candidate: candidate.clone(),
        kind: None,
        packing: None,
        skipped: None,
        lines: 0,
        records: 0,
        unparsed_lines: 0,
        unparsed_samples: Vec::new(),
        warnings: Vec::new(),
        first_time: None,
        last_record: None,
        utc_offset: None,
        relative_events: 0,
    };
    let opened = match open::open(&candidate.path) {
        Ok(opened) => opened,
        Err(err) => {
            source.skipped = Some(err.to_string());
            return (source, Vec::new());
        }
    };
    source.packing = Some(opened.packing);
    let mut reader = LineReader::new(opened.reader, DEFAULT_MAX_LINE);
    let mut head: Vec<String> = Vec::with_capacity(SNIFF_LINES);
    let mut read_error = None;
    while head.len() < SNIFF_LINES {
        match reader.next_line() {
            Ok(Some(line)) => head.push(line.text.to_string()),
            Ok(None) => break,
            Err(err) => {
                read_error = Some(err);
                break;
            }
        }
    }
    let Some(kind) = decide_kind(candidate, &head, &mut source) else {
        return (source, Vec::new());
    };
    source.kind = Some(kind);
    let Some(parser) = parse::parser_for(kind) else {
        source.skipped = Some(format!("hbdiag cannot parse {kind} files yet"));
        return (source, Vec::new());
    };
    let mut worker = Worker {
        source,
        kind,
        catalog,
        keep,
        scratch: Scratch::default(),
        kept: Vec::new(),
        previous: None,
        last_dropped: None,
    };
    worker.run(parser, &head, &mut reader, read_error);
    (worker.source, worker.kept)
}

fn decide_kind(
    candidate: &Candidate,
    head: &[String],
    source: &mut ScannedSource,
) -> Option<SourceKind> {
    let lines: Vec<&str> = head.iter().map(String::as_str).collect();
    match detect::detect(candidate.name_kind, &lines) {
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
        Detection::Unconfirmed(kind) if head.is_empty() => {
            source.warnings.push(FileWarning {
                line: None,
                message: "empty file".into(),
            });
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

struct Worker<'a> {
    source: ScannedSource,
    kind: SourceKind,
    catalog: &'a SignalCatalog,
    keep: KeepPolicy,
    scratch: Scratch,
    kept: Vec<KeptEvent>,
    /// The last record's line and time, to find silences and disorder.
    previous: Option<(u64, LogTime)>,
    /// The last record when it was not kept (moved here, not copied).
    last_dropped: Option<Event>,
}

impl Worker<'_> {
    fn run<R: std::io::BufRead>(
        &mut self,
        mut parser: Box<dyn Parser>,
        head: &[String],
        reader: &mut LineReader<R>,
        mut read_error: Option<std::io::Error>,
    ) {
        for (i, text) in head.iter().enumerate() {
            let line = Line {
                number: i as u64 + 1,
                text,
            };
            parser.line(&line, self);
        }
        self.source.lines = head.len() as u64;
        while read_error.is_none() {
            match reader.next_line() {
                Ok(Some(line)) => {
                    self.source.lines = line.number;
                    parser.line(&line, self);
                }
                Ok(None) => break,
                Err(err) => read_error = Some(err),
            }
        }
        parser.finish(self);
        let last = self
            .last_dropped
            .as_ref()
            .or_else(|| self.kept.last().map(|k| &k.event));
        self.source.last_record = last.map(|e| (e.line, e.time, e.text.clone()));
        if let Some(err) = read_error {
            self.warn(
                Some(self.source.lines + 1),
                format!(
                    "read stopped after line {}: {err}; the lines before it were used",
                    self.source.lines
                ),
            );
        }
        self.report_damage(reader.damage());
    }

    fn report_damage(&mut self, damage: &crate::read::ReadDamage) {
        if let Some(first) = damage.first_long_line {
            self.warn(
                Some(first),
                format!(
                    "{} line(s) longer than {} KiB were cut to that length",
                    damage.long_lines,
                    DEFAULT_MAX_LINE / 1024
                ),
            );
        }
        if let Some(first) = damage.first_invalid_utf8_line {
            self.warn(
                Some(first),
                format!(
                    "{} line(s) had bytes that are not UTF-8; they were replaced by U+FFFD",
                    damage.invalid_utf8_lines
                ),
            );
        }
    }

    fn warn(&mut self, line: Option<u64>, message: String) {
        if self.source.warnings.len() < MAX_WARNINGS {
            self.source.warnings.push(FileWarning { line, message });
        } else if self.source.warnings.len() == MAX_WARNINGS {
            self.source.warnings.push(FileWarning {
                line: None,
                message: "more warnings in this file were not listed".into(),
            });
        }
    }

    fn track_time(&mut self, event: &Event) {
        if let LogTime::Zoned(t) = event.time {
            self.source.utc_offset.get_or_insert(*t.offset());
        }
        if matches!(event.time, LogTime::Uptime(_)) {
            self.source.relative_events += 1;
        }
        self.source.first_time.get_or_insert(event.time);
        if let Some((prev_line, prev_time)) = self.previous
            && let Some(elapsed) = event.time.millis_since(prev_time)
        {
            if elapsed < -BACKWARD_TOLERANCE_MS && self.expects_order(event) {
                self.warn(
                    Some(event.line),
                    format!(
                        "timestamp goes back {:.1} s from line {prev_line}; events are re-ordered on the timeline",
                        -elapsed / 1000.0
                    ),
                );
            } else if elapsed >= MIN_GAP_MS && self.is_text_log() {
                self.keep_gap(prev_line, prev_time, elapsed, event.line);
            }
        }
        self.previous = Some((event.line, event.time));
    }

    fn is_text_log(&self) -> bool {
        !matches!(
            self.kind,
            SourceKind::GcLog | SourceKind::SystemMetrics | SourceKind::AlarmExport
        )
    }

    fn keep_gap(&mut self, line: u64, time: LogTime, duration_ms: f64, resumed_line: u64) {
        let gap = Event {
            line,
            time,
            level: None,
            text: format!(
                "no record for {:.1} s between line {line} and line {resumed_line}",
                duration_ms / 1000.0
            ),
            host: None,
            kind: EventKind::LogGap(LogGap {
                duration_ms,
                resumed_line,
            }),
        };
        let signals = self.catalog.classify(self.kind, &gap, &mut self.scratch);
        if !signals.is_empty() {
            self.kept.push(KeptEvent {
                source: self.source.id,
                event: gap,
                signals,
            });
        }
    }
}

impl Worker<'_> {
    /// Whether a record earlier than the one above it is worth a warning.
    /// Alarm exports list alarms in any order, and safepoint records are
    /// written when the stop ends but placed at its start.
    fn expects_order(&self, event: &Event) -> bool {
        self.kind != SourceKind::AlarmExport && !matches!(event.kind, EventKind::Safepoint(_))
    }
}

impl Sink for Worker<'_> {
    fn event(&mut self, event: Event) {
        self.source.records += 1;
        self.track_time(&event);
        let signals = self.catalog.classify(self.kind, &event, &mut self.scratch);
        let wanted = !signals.is_empty()
            || self
                .keep
                .min_level
                .is_some_and(|min| event.level.is_some_and(|l| l >= min));
        if wanted {
            self.last_dropped = None;
            self.kept.push(KeptEvent {
                source: self.source.id,
                event,
                signals,
            });
        } else {
            self.last_dropped = Some(event);
        }
    }

    fn unparsed(&mut self, line: &Line<'_>) {
        self.source.unparsed_lines += 1;
        if self.source.unparsed_samples.len() < UNPARSED_SAMPLES {
            self.source
                .unparsed_samples
                .push((line.number, parse::evidence_text(line.text)));
        }
    }

    fn warning(&mut self, line: u64, message: String) {
        self.warn(Some(line), message);
    }
}
