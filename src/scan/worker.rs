//! One source's scan: the parser's records and events go through the
//! signal catalog; the worker keeps what matters, counts the rest, notes
//! silences and disorder, and folds floods of identical signals.

use super::verdicts::{Verdict, Verdicts};
use super::{FileWarning, KeepPolicy, KeptEvent, Outcome, Repeat, Repeats, ScannedSource};
use crate::model::{Event, EventKind, Level, LogGap, LogTime, SourceKind};
use crate::parse::{self, Interest, Parser, RecordPeek, Sink};
use crate::read::{Line, LineReader, ReadDamage};
use crate::signals::{FieldValue, Scratch, Signal, SignalCatalog};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Unparsed lines quoted per file in the report.
const UNPARSED_SAMPLES: usize = 3;
/// Warnings kept per file; further ones are counted.
const MAX_WARNINGS: usize = 20;
/// Silences shorter than this in a text log are not recorded.
const MIN_GAP_MS: f64 = 10_000.0;
/// A timestamp this much earlier than the one before counts as out of order.
const BACKWARD_TOLERANCE_MS: f64 = 1_000.0;

/// Where the kept event of a fold key (already a hash) and a bucket is.
type FoldIndex = HashMap<(u64, i64), usize, BuildHasherDefault<FoldKeyHasher>>;

/// Mixes [`FoldIndex`] keys with a multiply: they are a hash and a bucket
/// number already, so SipHash (the default, asked per folded record) only
/// costs time.
#[derive(Default)]
struct FoldKeyHasher(u64);

impl Hasher for FoldKeyHasher {
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|&b| self.write_u64(u64::from(b)));
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0 ^ word)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(31);
    }

    fn write_i64(&mut self, word: i64) {
        self.write_u64(word as u64);
    }
}

/// Scans one source, or one piece of a large one (see [`Worker::absorb`]).
pub(super) struct Worker<'a> {
    source: ScannedSource,
    kind: SourceKind,
    catalog: &'a SignalCatalog,
    keep: KeepPolicy,
    scratch: Scratch,
    kept: Vec<KeptEvent>,
    /// The first record's line and time, to join a piece to the one before.
    first: Option<(u64, LogTime)>,
    /// The last record's line and time, to find silences and disorder.
    previous: Option<(u64, LogTime)>,
    /// The last record's first line (a reused buffer), for "the log ends here".
    last_text: String,
    /// What the literal prefilter said of the text record being built
    /// (set by `wants`, taken by `event`), so it is not asked twice.
    literal_hit: Option<bool>,
    /// Where the latest kept event with given collapsible signals is, per
    /// bucket of [`Repeats::BUCKET_MINUTES`] of the log's clock.
    repeat_of: FoldIndex,
    /// What was decided for recent text records, for identical ones.
    verdicts: Verdicts,
    /// Warnings past `MAX_WARNINGS`, counted instead of kept.
    warnings_dropped: u64,
    /// Read errors, each with the line it stopped after.
    read_errors: Vec<(u64, std::io::Error)>,
    damage: ReadDamage,
    /// Where the next line index entry is due, when lines are indexed.
    next_indexed: Option<u64>,
}

impl<'a> Worker<'a> {
    pub(super) fn new(
        source: ScannedSource,
        kind: SourceKind,
        catalog: &'a SignalCatalog,
        keep: KeepPolicy,
    ) -> Self {
        Worker {
            source,
            kind,
            catalog,
            keep,
            scratch: Scratch::default(),
            kept: Vec::new(),
            first: None,
            previous: None,
            last_text: String::new(),
            literal_hit: None,
            repeat_of: FoldIndex::default(),
            verdicts: Verdicts::default(),
            warnings_dropped: 0,
            read_errors: Vec::new(),
            damage: ReadDamage::default(),
            next_indexed: None,
        }
    }

    /// Indexes the lines read by offset (see [`ScannedSource::line_index`]):
    /// for a plain UTF-8 file read from its start or from a piece's.
    pub(super) fn index_lines(&mut self) {
        self.source.line_index.get_or_insert_with(Vec::new);
        self.next_indexed = Some(0);
    }

    fn index_line(&mut self, number: u64, offset: u64, endings: crate::read::Endings) {
        let (Some(due), Some(index)) = (self.next_indexed, self.source.line_index.as_mut()) else {
            return;
        };
        // Read again from the middle, a file split on lone CRs could
        // number its lines differently: such files are read from the start.
        match endings {
            crate::read::Endings::Lf => {}
            crate::read::Endings::Unknown => return,
            crate::read::Endings::Any => {
                self.source.line_index = None;
                self.next_indexed = None;
                return;
            }
        }
        if offset >= due {
            index.push((number, offset));
            self.next_indexed = Some(offset + super::LINE_INDEX_STEP);
        }
    }

    /// Parses `head` (lines already read from the start) and then the rest
    /// of `reader`, up to its end or a read error.
    pub(super) fn feed<R: std::io::BufRead>(
        &mut self,
        parser: &mut dyn Parser,
        head: &[String],
        reader: &mut LineReader<R>,
        mut read_error: Option<std::io::Error>,
    ) {
        for (i, text) in head.iter().enumerate() {
            let line = Line {
                number: i as u64 + 1,
                text,
            };
            self.source.lines = line.number;
            parser.line(&line, self);
        }
        while read_error.is_none() {
            let offset = reader.next_offset();
            let endings = reader.endings();
            match reader.next_line() {
                Ok(Some(line)) => {
                    self.source.lines = line.number;
                    self.index_line(line.number, offset, endings);
                    parser.line(&line, self);
                }
                Ok(None) => break,
                Err(err) => read_error = Some(err),
            }
        }
        parser.finish(self);
        if let Some(err) = read_error {
            self.note_read_error(self.source.lines, err);
        }
        self.damage.add(reader.damage());
    }

    /// Counts the frames of a packet capture as its lines.
    pub(super) fn count_frames(&mut self, frames: u64) {
        self.source.lines = frames;
    }

    /// Notes that reading stopped after line `line` with `err`.
    pub(super) fn note_read_error(&mut self, line: u64, err: std::io::Error) {
        self.read_errors.push((line, err));
    }

    /// Appends the scan of the piece that follows this one in the same
    /// file, as if one worker had read both: the silence or step back
    /// between them is checked, floods are folded across the seam, and
    /// counts, samples and warnings are joined.
    pub(super) fn absorb(&mut self, mut next: Worker<'_>) {
        if let Some((line, time)) = next.first {
            self.track_time(line, time, true);
        }
        for warning in std::mem::take(&mut next.source.warnings) {
            self.warn(warning.line, warning.message);
        }
        self.warnings_dropped += next.warnings_dropped;
        for event in next.kept {
            self.keep_or_fold(event);
        }
        let (source, piece) = (&mut self.source, next.source);
        source.lines = source.lines.max(piece.lines);
        source.records += piece.records;
        source.unparsed_lines += piece.unparsed_lines;
        let room = UNPARSED_SAMPLES.saturating_sub(source.unparsed_samples.len());
        source
            .unparsed_samples
            .extend(piece.unparsed_samples.into_iter().take(room));
        if source.utc_offset.is_none() {
            source.utc_offset = piece.utc_offset;
        }
        source.minutes.absorb(piece.minutes);
        source.short_stops.absorb(&piece.short_stops);
        source.guests.extend(piece.guests);
        match (&mut source.line_index, piece.line_index) {
            (Some(index), Some(more)) => index.extend(more),
            (index, _) => *index = None,
        }
        if next.previous.is_some() {
            self.previous = next.previous;
            self.last_text = next.last_text;
        }
        self.read_errors.append(&mut next.read_errors);
        self.damage.add(&next.damage);
    }

    /// The source's outcome: its last record, and what stopped or had to
    /// be repaired while reading, as warnings.
    pub(super) fn finish(mut self) -> Outcome {
        self.source.minutes.settle();
        self.source.first_time = self.first.map(|(_, time)| time);
        self.source.last_record = self
            .previous
            .map(|(line, time)| (line, time, parse::evidence_text(&self.last_text)));
        for (line, err) in std::mem::take(&mut self.read_errors) {
            self.warn(
                Some(line + 1),
                format!("read stopped after line {line}: {err}; the lines before it were used"),
            );
        }
        let damage = std::mem::take(&mut self.damage);
        self.report_damage(&damage);
        if self.warnings_dropped > 0 {
            self.source.warnings.push(FileWarning {
                line: None,
                message: "more warnings in this file were not listed".into(),
            });
        }
        self.kept.iter_mut().for_each(|kept| kept.repeats.shrink());
        (self.source, self.kept)
    }

    fn report_damage(&mut self, damage: &ReadDamage) {
        if let Some(first) = damage.first_long_line {
            self.warn(
                Some(first),
                format!(
                    "{} line(s) longer than {} KiB were cut to that length",
                    damage.long_lines,
                    super::max_line_for(self.kind) / 1024
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
        } else {
            self.warnings_dropped += 1;
        }
    }

    /// Notes a record's time: offsets, first time, disorder and silences.
    /// `ordered` says whether a step back in time deserves a warning.
    fn track_time(&mut self, line: u64, time: LogTime, ordered: bool) {
        // The same second as the record before: neither a step back nor a
        // silence, and the first record is known.
        if let Some((_, previous)) = self.previous
            && previous.same_second(time)
        {
            self.previous = Some((line, time));
            return;
        }
        if let LogTime::Zoned(t) = time {
            self.source.utc_offset.get_or_insert(*t.offset());
        }
        if let Some((prev_line, prev_time)) = self.previous
            && let Some(elapsed) = time.millis_since(prev_time)
        {
            if elapsed < -BACKWARD_TOLERANCE_MS && ordered {
                self.warn(
                    Some(line),
                    format!(
                        "timestamp goes back {:.1} s from line {prev_line}; events are re-ordered on the timeline",
                        -elapsed / 1000.0
                    ),
                );
            } else if elapsed >= MIN_GAP_MS && self.writes_continuously() {
                self.keep_gap(prev_line, prev_time, elapsed, line);
            }
        }
        self.first.get_or_insert((line, time));
        self.previous = Some((line, time));
    }

    fn remember_last(&mut self, first_line: &str) {
        self.last_text.clear();
        self.last_text.push_str(first_line);
    }

    /// Whether a record earlier than the one above it is worth a warning.
    /// Alarm exports list alarms in any order, each section of `sar -A`
    /// starts again at the file's first time, and safepoint records are
    /// written when the stop ends but placed at its start; a JDBC spy's
    /// calls are known when they end, placed at their start, and the
    /// threads' calls overlap; a capture's findings are told by flow.
    fn expects_order(&self, kind: Option<&EventKind>) -> bool {
        !matches!(
            self.kind,
            SourceKind::AlarmExport
                | SourceKind::SystemMetrics
                | SourceKind::JdbcSpy
                | SourceKind::PacketCapture
        ) && !matches!(kind, Some(EventKind::Safepoint(_)))
    }

    /// Whether a silence in this source means its writer stopped. A node's
    /// and a role's run log, and the HA script's checks, write all the time;
    /// `exceptions.log` and the start/stop script logs write only when
    /// something happens, so their silences say nothing (and an
    /// exceptions.log with an error every half minute would otherwise keep
    /// a silence per record). GC logs, metrics and alarm exports have
    /// their own measures.
    fn writes_continuously(&self) -> bool {
        matches!(
            self.kind,
            SourceKind::NodeLog | SourceKind::RoleLog | SourceKind::FloatIpLog
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
                repeats: Repeats::default(),
            });
        }
    }

    /// Counts and times a record (at `line`, `time`) whose first line is
    /// `first_line`.
    ///
    /// Records are counted by the line they start at: an alarm row that is
    /// raised and cleared, or a GC line with a pause and a stop, is one
    /// line, so records plus skipped lines never exceed the lines read.
    fn note(&mut self, line: u64, time: LogTime, ordered: bool, first_line: &str) {
        if self.previous.is_none_or(|(last, _)| last != line) {
            self.source.records += 1;
            self.source.minutes.count(time);
        }
        self.track_time(line, time, ordered);
        self.remember_last(first_line);
    }

    fn note_event(&mut self, event: &Event, first_line: &str) {
        let ordered = self.expects_order(Some(&event.kind));
        self.note(event.line, event.time, ordered, first_line);
    }

    /// Whether a record at `level` is kept for its level alone.
    fn level_kept(&self, level: Option<Level>) -> bool {
        self.keep
            .min_level
            .is_some_and(|min| level.is_some_and(|l| l >= min))
    }

    fn wanted(&self, event: &Event, signals: &[Signal]) -> bool {
        !signals.is_empty() || self.level_kept(event.level)
    }

    /// Remembers what was decided for the text record [`Sink::wants`] just
    /// let through, when identical records can skip the work: not wanted,
    /// or wanted only to fold.
    fn remember_verdict(&mut self, wanted: bool, code: Option<&str>, signals: &[Signal]) {
        if !wanted {
            self.verdicts.remember(Verdict::Skip);
        } else if self.catalog.collapses(signals) {
            self.verdicts.remember(Verdict::Fold {
                signals: signals.to_vec(),
                key: fold_key(code, signals),
            });
        }
    }

    /// Keeps a record read from the file (no repeats of its own yet).
    fn keep_new(&mut self, mut event: Event, signals: Vec<Signal>) {
        event.shed_classified_text();
        self.keep_or_fold(KeptEvent {
            source: self.source.id,
            event,
            signals,
            repeats: Repeats::default(),
        });
    }

    /// Keeps `event`, or counts it (with its own repeats) on an identical
    /// one kept earlier in the same bucket of minutes of the log's clock,
    /// when its signals allow folding. Buckets of the clock, not "ten
    /// minutes after the kept one", so a file read in pieces folds exactly
    /// as when read in one pass.
    fn keep_or_fold(&mut self, event: KeptEvent) {
        if !self.catalog.collapses(&event.signals) {
            self.kept.push(event);
            return;
        }
        let key = (
            fold_key(code_of(&event.event), &event.signals),
            fold_bucket(event.event.time),
        );
        let record = Recurrence {
            line: event.event.line,
            time: event.event.time,
            code: code_of(&event.event),
            signals: &event.signals,
        };
        if let Some(&index) = self.repeat_of.get(&key)
            && record.fold_into(&mut self.kept[index], &event.repeats)
        {
            return;
        }
        self.repeat_of.insert(key, self.kept.len());
        self.kept.push(event);
    }
}

/// What folding compares of a record with the kept one it may repeat.
struct Recurrence<'r> {
    line: u64,
    time: LogTime,
    code: Option<&'r str>,
    signals: &'r [Signal],
}

impl Recurrence<'_> {
    /// Counts this record (and its own `repeats`) on `target` when it
    /// repeats it: same code and signals, and no earlier nor further than
    /// [`Repeats::WINDOW_MS`] after it.
    fn fold_into(&self, target: &mut KeptEvent, repeats: &Repeats) -> bool {
        let delay = self
            .time
            .millis_since(target.event.time)
            .filter(|ms| (0.0..=f64::from(Repeats::WINDOW_MS)).contains(ms));
        let Some(ms) = delay else {
            return false;
        };
        if target.signals != self.signals || code_of(&target.event) != self.code {
            return false;
        }
        let repeat = Repeat {
            delay_ms: ms.round() as u32,
            lines_after: self.line.saturating_sub(target.event.line),
        };
        target.repeats.absorb(repeat, repeats);
        true
    }
}

/// Folds a record decided before ([`Verdict::Fold`], raising `signals`)
/// into the identical kept one of its bucket without building it; false
/// when there is none in reach, and the record goes the usual way.
fn fold_recurrence(
    kept: &mut [KeptEvent],
    repeat_of: &FoldIndex,
    record: &RecordPeek<'_>,
    signals: &[Signal],
    key: u64,
) -> bool {
    let key = (key, fold_bucket(record.time));
    let recurrence = Recurrence {
        line: record.line,
        time: record.time,
        code: record.code,
        signals,
    };
    repeat_of
        .get(&key)
        .is_some_and(|&index| recurrence.fold_into(&mut kept[index], &Repeats::default()))
}

/// The bucket of the log's clock a record folds within.
fn fold_bucket(time: LogTime) -> i64 {
    time.minute_number().div_euclid(Repeats::BUCKET_MINUTES)
}

/// Keeps, on a text record about to shed its detail, the continuation line
/// that proved its signals (`proving`, an index into the detail).
fn keep_proof(event: &mut Event, proving: Option<usize>) {
    if let EventKind::Log(record) = &mut event.kind
        && let Some(line) = proving.and_then(|i| record.detail.get_mut(i))
    {
        record.proof = Some(Box::new(std::mem::take(line)));
    }
}

/// The message code of a text record.
fn code_of(event: &Event) -> Option<&str> {
    match &event.kind {
        EventKind::Log(record) => record.code.as_deref(),
        _ => None,
    }
}

/// A hash of what makes a kept event identical to another for folding: its
/// message code and its signals' ids and own field values.
fn fold_key(code: Option<&str>, signals: &[Signal]) -> u64 {
    use std::hash::Hash;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    code.hash(&mut hasher);
    for signal in signals {
        signal.id.hash(&mut hasher);
        for (name, value) in signal.fields.iter() {
            name.hash(&mut hasher);
            match value {
                FieldValue::Number(n) => n.to_bits().hash(&mut hasher),
                FieldValue::Text(t) => t.hash(&mut hasher),
            }
        }
    }
    hasher.finish()
}

impl Sink for Worker<'_> {
    fn wants(&mut self, record: &RecordPeek<'_>) -> Interest {
        match self.verdicts.recall(record) {
            Some(Verdict::Skip) => return Interest::RefusedForContent,
            Some(Verdict::Fold { signals, key })
                if fold_recurrence(&mut self.kept, &self.repeat_of, record, signals, *key) =>
            {
                return Interest::Refused;
            }
            _ => {}
        }
        let level_kept = self.level_kept(record.level);
        if !level_kept && self.verdicts.recall_refused_shape(record) {
            return Interest::RefusedForShape;
        }
        let literal_hit =
            self.catalog
                .may_match_record(record.code, record.searchable(), record.level);
        self.literal_hit = Some(literal_hit);
        if literal_hit || level_kept {
            return Interest::Wanted;
        }
        self.verdicts.remember(Verdict::Skip);
        let refuses_shape = self.verdicts.shaped(record).is_some_and(|shaped| {
            self.catalog
                .refuses_shape(shaped.searchable(), shaped.level)
        });
        if !refuses_shape {
            return Interest::RefusedForContent;
        }
        self.verdicts.remember_refused_shape();
        Interest::RefusedForShape
    }

    fn skipped(&mut self, record: &RecordPeek<'_>) {
        let ordered = self.expects_order(None);
        self.note(record.line, record.time, ordered, record.first_line);
    }

    fn event(&mut self, mut event: Event) {
        self.note_event(&event, &event.text);
        let peeked = self.literal_hit.is_some();
        let signals = match self.literal_hit.take() {
            Some(true) => self
                .catalog
                .classify_admitted(self.kind, &event, &mut self.scratch),
            Some(false) => Vec::new(),
            None => self.catalog.classify(self.kind, &event, &mut self.scratch),
        };
        let wanted = self.wanted(&event, &signals);
        if peeked {
            self.remember_verdict(wanted, code_of(&event), &signals);
        }
        if wanted {
            if !signals.is_empty() {
                keep_proof(&mut event, self.scratch.proving_detail());
            }
            self.keep_new(event, signals);
        } else {
            self.source.short_stops.count(&event.kind);
        }
    }

    fn lend(&mut self, event: &Event, evidence: &str) {
        self.note_event(event, evidence);
        let signals = self.catalog.classify(self.kind, event, &mut self.scratch);
        if self.wanted(event, &signals) {
            let mut owned = event.clone();
            owned.text = parse::evidence_text(evidence);
            self.keep_new(owned, signals);
        } else {
            self.source.short_stops.count(&event.kind);
        }
    }

    fn about_host(&mut self, host: &str) {
        if self.source.guests.len() < super::MAX_GUESTS && !self.source.guests.contains(host) {
            self.source.guests.insert(host.to_string());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definitions::builtin;
    use crate::discover::Candidate;

    /// The events a worker keeps from `text`, read as a file of `kind`.
    fn kept(kind: SourceKind, text: &str) -> Vec<KeptEvent> {
        scan(kind, text, KeepPolicy::default(), Verdicts::default()).1
    }

    /// What a worker keeps and counts of `text`, with `verdicts`.
    fn scan(kind: SourceKind, text: &str, keep: KeepPolicy, verdicts: Verdicts) -> Outcome {
        static CATALOG: std::sync::OnceLock<SignalCatalog> = std::sync::OnceLock::new();
        let catalog = CATALOG.get_or_init(|| SignalCatalog::build(&builtin()).unwrap());
        let candidate = Candidate {
            display: "h1/exceptions.log".into(),
            path: "h1/exceptions.log".into(),
            host: "h1".into(),
            host_from: crate::discover::HostFrom::Single,
            bundle: crate::discover::Bundle::default(),
            node: None,
            name_kind: Some(kind),
            stream: "h1/exceptions.log".into(),
        };
        let source = ScannedSource::new(candidate);
        let mut worker = Worker::new(source, kind, catalog, keep);
        worker.verdicts = verdicts;
        let mut parser = parse::parser_for(kind).unwrap();
        parse::testing::run_into(parser.as_mut(), text, worker).finish()
    }

    /// Records of a node.log that raise folding signals, raise none, are
    /// kept for their level only, carry stack traces, or differ only in a
    /// number.
    const RECORDS: [&str; 11] = [
        "INFO  [Master Elect Data Writer] [DOM_10161] Updated the master election data in the domain configuration database.",
        "INFO  [LDAP Synchronization] [UM_10101] Retrying the user synchronization: the earlier attempt read timed out.",
        "ERROR [Domain Monitor] [DOM_10025] The node cannot send heartbeat messages to the master gateway node.",
        "WARN  [Catalina] [CCM_10020] Slow request took 2412 ms on node [node01]; the client timed out.",
        "ERROR [Master Elect Data Writer] java.sql.SQLRecoverableException: ORA-01034: ORACLE not available\n\tat oracle.jdbc.driver.T4CTTIoer11.processError(T4CTTIoer11.java:494)\nCaused by: java.net.SocketException: Connection reset",
        "INFO  [Domain Monitor] [DOM_10000] Domain monitor collected statistics for 12 services; heartbeat latency 3 ms.",
        "INFO  [Domain Monitor] [DOM_10000] Domain monitor collected statistics for 12 services; heartbeat latency 4 ms.",
        "INFO  [Catalina] [CCM_10012] Request processed in 31 ms by worker thread pool-7.",
        "INFO  [Catalina] [CCM_10012] Request processed in 685 ms by worker thread pool-3.",
        "INFO  [main] The node process received signal 16 from the operating system.",
        "INFO  [main] The node process received signal 15 from the operating system.",
    ];

    #[test]
    fn a_flood_folds_the_same_with_and_without_remembered_verdicts() {
        let text: String = (0..100)
            .map(|s| {
                format!(
                    "2026-03-12 10:{:02}:{:02},000 {}\n",
                    s / 60,
                    s % 60,
                    RECORDS[1]
                )
            })
            .collect();
        for verdicts in [Verdicts::default(), Verdicts::with_slots(0)] {
            let (_, kept) = scan(SourceKind::NodeLog, &text, KeepPolicy::default(), verdicts);
            assert_eq!(kept.len(), 1, "{kept:#?}");
            assert_eq!(
                kept[0].repeats.count(),
                100,
                "the kept line and its 99 repeats"
            );
        }
    }

    #[test]
    fn a_refused_shape_refuses_only_records_no_term_could_match() {
        // `received signal 15` is a term of role logs: signal 16 is refused,
        // and its shape (`received signal 00`) may hold the term.
        let at = |s: u32, signal: u32| {
            format!(
                "2026-03-01 10:14:{s:02},402 | INFO  | [Signal handler] | RECEIVED SIGNAL {signal} from the shell. | org.apache.flink.runtime.util.SignalHandler$Handler.handle(SignalHandler.java:88)\n"
            )
        };
        let text = [at(0, 16), at(1, 17), at(2, 15), at(3, 16)].concat();
        for verdicts in [Verdicts::default(), Verdicts::with_slots(0)] {
            let (_, kept) = scan(SourceKind::RoleLog, &text, KeepPolicy::default(), verdicts);
            let lines: Vec<u64> = kept.iter().map(|k| k.event.line).collect();
            assert_eq!(lines, [3], "{kept:#?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Remembered verdicts change nothing: the same records scanned
        /// with and without them give the same kept events and counts,
        /// whatever the order, the steps in time (back, and past the fold
        /// window) and the level kept.
        #[test]
        fn remembered_verdicts_change_nothing(
            steps in proptest::collection::vec((0..RECORDS.len(), -5_000i64..200_000, 0..40u8), 1..120),
            keep_warn in proptest::bool::ANY,
        ) {
            let mut time = chrono::NaiveDateTime::parse_from_str("2026-03-12 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
            let mut text = String::new();
            for (record, step_ms, jump) in steps {
                let step = if jump == 0 { 2 * 86_400_000 } else { step_ms };
                time += chrono::Duration::milliseconds(step);
                text.push_str(&format!("{} {}\n", time.format("%Y-%m-%d %H:%M:%S,%3f"), RECORDS[record]));
            }
            let keep = KeepPolicy { min_level: keep_warn.then_some(Level::Warn) };
            let remembered = scan(SourceKind::NodeLog, &text, keep, Verdicts::default());
            let worked_out = scan(SourceKind::NodeLog, &text, keep, Verdicts::with_slots(0));
            proptest::prop_assert_eq!(format!("{remembered:?}"), format!("{worked_out:?}"));
        }
    }

    fn proof(event: &Event) -> Option<(u64, &str)> {
        match &event.kind {
            EventKind::Log(record) => record.proof.as_ref().map(|p| (p.line, p.text.as_str())),
            _ => None,
        }
    }

    #[test]
    fn the_stack_trace_line_that_matched_is_kept_with_its_number() {
        let input = "\
2026-03-12 10:15:14,000 INFO  [pool-3-thread-13] [LGS_10042] Log Service flushed 6714 log events to the log directory.
2026-03-12 10:15:14,302 ERROR [Master Elect Data Writer] [DOM_10162] An exception occurred while updating the master election row.
com.informatica.pcsf.common.exception.PCSFSQLException: [DOM_10162] An exception occurred while updating the master election row.
\tat com.informatica.pcsf.domainservice.dao.MasterElectDAOImpl.updateMasterRow(MasterElectDAOImpl.java:311)
\tat java.lang.Thread.run(Thread.java:748)
Caused by: java.sql.SQLRecoverableException: ORA-01034: ORACLE not available
ORA-27101: shared memory realm does not exist
\tat oracle.jdbc.driver.T4CTTIoer11.processError(T4CTTIoer11.java:494)
\t... 11 more
2026-03-12 10:15:22,302 ERROR [Master Elect Data Writer] java.sql.SQLRecoverableException: ORA-01034: ORACLE not available";
        let kept = kept(SourceKind::ExceptionsLog, input);
        assert_eq!(kept.len(), 2, "{kept:#?}");
        let (first, second) = (&kept[0].event, &kept[1].event);
        assert_eq!(first.line, 2);
        assert!(first.text.contains("DOM_10162"), "the first line is kept");
        assert_eq!(
            proof(first),
            Some((
                6,
                "Caused by: java.sql.SQLRecoverableException: ORA-01034: ORACLE not available"
            ))
        );
        let EventKind::Log(record) = &first.kind else {
            panic!("a log record");
        };
        assert!(record.detail.is_empty(), "the rest of the detail is shed");
        assert_eq!(second.line, 10);
        assert_eq!(proof(second), None, "its first line matched");
    }

    #[test]
    fn a_record_matched_by_its_code_alone_has_no_proof_line() {
        let input = "\
2026-03-12 10:15:14,302 ERROR [Domain Monitor] [DOM_10025] The node cannot send heartbeat messages to the master gateway node.
java.lang.IllegalStateException: shutting down";
        let kept = kept(SourceKind::NodeLog, input);
        assert_eq!(kept.len(), 1);
        assert_eq!(proof(&kept[0].event), None);
    }
}
