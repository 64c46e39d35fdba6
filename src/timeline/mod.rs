//! Timeline stage: decide each host's UTC offset, put every kept event on
//! one UTC clock and merge all hosts into one ordered list. Also derives
//! the "stream ended" events that show a process that stopped logging.

use crate::model::{Event, EventKind, LogTime, SourceId, SourceKind, StreamSummary};
use crate::scan::{KeptEvent, Repeats, ScannedSource};
use crate::signals::{Scratch, Signal, SignalCatalog};
use chrono::{DateTime, FixedOffset, Utc};
use guests::GuestHosts;
use std::collections::{BTreeMap, BTreeSet};

mod guests;
pub mod skew;
mod zone;
pub use zone::{Zone, ZoneError};

/// Index of a host in [`Timeline::hosts`] (sorted by name).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostId(pub u16);

/// Where a host's UTC offset came from, so the report can say how sure it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OffsetSource {
    /// `--host-tz HOST=…`.
    HostFlag,
    /// `--tz`: the user's word for every host nothing else tells about.
    Flag,
    /// Timestamps with offsets in one of the host's files (GC datestamps).
    Inferred { file: String },
    /// Another host's file in the same bundle (all that carry offsets agree).
    Peer { file: String },
    /// Nothing told: UTC is assumed.
    Assumed,
}

/// One host and its clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostClock {
    pub name: String,
    pub zone: Zone,
    pub offset_source: OffsetSource,
}

/// Time-zone settings from the command line.
#[derive(Clone, Debug, Default)]
pub struct ClockSettings {
    /// `--tz`: zone of hosts nothing else tells about. When not given,
    /// hosts take the offset their peers' files show (if they all agree),
    /// else UTC is assumed.
    pub default_zone: Option<Zone>,
    /// `--host-tz`: per-host overrides.
    pub host_zones: BTreeMap<String, Zone>,
}

/// An event on the UTC timeline.
#[derive(Clone, Debug)]
pub struct Entry {
    pub time: DateTime<Utc>,
    pub host: HostId,
    pub source: SourceId,
    pub event: Event,
    pub signals: Vec<Signal>,
    /// Identical events folded into this one.
    pub repeats: Repeats,
    /// The same record written to other files of the host (a node.log
    /// record and its copy in exceptions.log, one alarm in two exports),
    /// merged into this entry: each copy's source and line, in source order.
    /// A boxed slice: empty costs no allocation.
    pub also_at: Box<[(SourceId, u64)]>,
}

/// A folded repeat of an entry, cited in its place: the first of the
/// entry's identical events inside a window the entry's own line lies
/// outside of.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub time: DateTime<Utc>,
    pub line: u64,
}

impl Entry {
    /// The repeat to cite for this entry in `start..=end`: `None` when its
    /// own line lies inside, nothing is folded into it, or no repeat lies
    /// inside either.
    pub fn repeat_cited_within(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Option<Occurrence> {
        if start <= self.time && self.time <= end {
            return None;
        }
        let repeat = self.repeats.first_within(self.time, start, end)?;
        Some(Occurrence {
            time: self.time + chrono::Duration::milliseconds(i64::from(repeat.delay_ms)),
            line: self.event.line + repeat.lines_after,
        })
    }

    /// How many lines below the record's first line the line that proved
    /// its signal is, when one did: a cited repeat's proving line is looked
    /// for at the same distance.
    pub fn proof_distance(&self) -> Option<u64> {
        match &self.event.kind {
            EventKind::Log(record) => record
                .proof
                .as_ref()
                .map(|proof| proof.line.saturating_sub(self.event.line)),
            _ => None,
        }
    }
}

/// The stretch of UTC time one input file covers, from its first record
/// to its last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Covered {
    pub host: HostId,
    pub kind: SourceKind,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// When a stop or silence that began at `start` and lasted `duration_ms`
/// ended (to the microsecond, as parsers move logged ends back by it); a
/// garbled length beyond the calendar ends at its last representable time.
pub fn span_end(start: DateTime<Utc>, duration_ms: f64) -> DateTime<Utc> {
    let micros = (duration_ms * 1000.0).round();
    if !micros.is_finite() || micros.abs() > 1e18 {
        return DateTime::<Utc>::MAX_UTC;
    }
    start
        .checked_add_signed(chrono::Duration::microseconds(micros as i64))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Every placed event of the bundle, in time order, with the hosts' clocks.
#[derive(Clone, Debug)]
pub struct Timeline {
    pub hosts: Vec<HostClock>,
    pub entries: Vec<Entry>,
    /// What time each read file covers, so a rule that finds nothing can
    /// tell "no evidence" from "no logs of that time".
    pub coverage: Vec<Covered>,
    /// Warnings about clocks (conflicting offsets, events with no wall time).
    pub warnings: Vec<String>,
}

impl Timeline {
    /// The host's clock.
    pub fn host(&self, id: HostId) -> &HostClock {
        &self.hosts[id.0 as usize]
    }

    /// Whether `host` has a file of `kind` (any kind when `None`) whose
    /// records reach into `from..=to`.
    pub fn covers(
        &self,
        host: HostId,
        kind: Option<SourceKind>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> bool {
        self.coverage.iter().any(|c| {
            c.host == host && kind.is_none_or(|k| c.kind == k) && c.from <= to && from <= c.to
        })
    }

    /// From the first to the last record of all of `host`'s files.
    pub fn span_of(&self, host: HostId) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let mine = self.coverage.iter().filter(|c| c.host == host);
        let from = mine.clone().map(|c| c.from).min()?;
        let to = mine.map(|c| c.to).max()?;
        Some((from, to))
    }

    /// The timeline as it would be had `clock` read `by` later: the
    /// entries it wrote (and a host's coverage) moved, the order made good
    /// again.
    pub fn with_clock_moved(&self, clock: skew::Clock, by: chrono::Duration) -> Timeline {
        let mut moved = self.clone();
        for entry in moved
            .entries
            .iter_mut()
            .filter(|e| skew::Clock::of(e) == clock)
        {
            entry.time += by;
        }
        if let skew::Clock::Host(host) = clock {
            for covered in moved.coverage.iter_mut().filter(|c| c.host == host) {
                covered.from += by;
                covered.to += by;
            }
        }
        moved.entries.sort_by(order);
        moved
    }

    /// A host's id by name.
    pub fn host_id(&self, name: &str) -> Option<HostId> {
        self.hosts
            .binary_search_by(|h| h.name.as_str().cmp(name))
            .ok()
            .map(|i| HostId(i as u16))
    }
}

/// Builds the timeline from a scan's kept events and its sources.
pub fn build(
    events: Vec<KeptEvent>,
    sources: &[ScannedSource],
    settings: &ClockSettings,
    catalog: &SignalCatalog,
) -> Timeline {
    let mut warnings = Vec::new();
    let hosts = host_clocks(&events, sources, settings, &mut warnings);
    let guests = GuestHosts::resolve(sources, collected_from(sources));
    let index = |name: &str| {
        HostId(
            hosts
                .binary_search_by(|h| h.name.as_str().cmp(name))
                .expect("every host is listed") as u16,
        )
    };
    let mut entries = Vec::with_capacity(events.len());
    let mut unplaced = 0u64;
    let stream_ends = stream_end_events(sources, catalog);
    for kept in Draining::new(events).chain(stream_ends) {
        let source = &sources[kept.source.0 as usize];
        let host = index(placed_on(&kept.event, source, &guests));
        match to_utc(kept.event.time, &hosts[host.0 as usize].zone) {
            Some(time) => entries.push(Entry {
                time,
                host,
                source: kept.source,
                event: kept.event,
                signals: kept.signals,
                repeats: kept.repeats,
                also_at: Box::default(),
            }),
            None => unplaced += 1,
        }
    }
    if unplaced > 0 {
        warnings.push(format!(
            "{unplaced} event(s) carry only JVM uptime and no wall-clock anchor; they are left off the timeline"
        ));
    }
    entries.sort_by(order);
    merge_copies(&mut entries, sources);
    let coverage = coverage(sources, &hosts, &guests);
    Timeline {
        hosts,
        entries,
        coverage,
        warnings,
    }
}

/// The hosts files were collected from (alarm exports name theirs).
fn collected_from(sources: &[ScannedSource]) -> impl Iterator<Item = &str> + Clone {
    sources
        .iter()
        .filter(|s| s.skipped.is_none() && s.kind != Some(SourceKind::AlarmExport))
        .map(|s| s.candidate.host.as_str())
}

/// The host an event belongs to: the one its record names, the bundle's
/// host its guest is (a hypervisor's sample of a VM), else the one its
/// file was collected from.
fn placed_on<'a>(event: &'a Event, source: &'a ScannedSource, guests: &'a GuestHosts) -> &'a str {
    if let Some(named) = event.host.as_deref() {
        return named;
    }
    let guest = match &event.kind {
        EventKind::Metrics(sample) => sample.guest.as_deref(),
        _ => None,
    };
    guest
        .and_then(|guest| guests.host_of(source.id, guest))
        .unwrap_or(&source.candidate.host)
}

/// The UTC span of every read file whose first and last records have
/// wall-clock times, in source order: for its own host, and for each
/// host of the bundle it is about (a hypervisor's guests).
fn coverage(sources: &[ScannedSource], hosts: &[HostClock], guests: &GuestHosts) -> Vec<Covered> {
    let host_index = |name: &str| hosts.binary_search_by(|h| h.name.as_str().cmp(name)).ok();
    let mut covered = Vec::new();
    for source in sources.iter().filter(|s| s.skipped.is_none()) {
        let Some(own) = host_index(&source.candidate.host) else {
            continue;
        };
        let zone = &hosts[own].zone;
        let span = source.last_record.as_ref().and_then(|(_, last, _)| {
            Some((to_utc(source.first_time?, zone)?, to_utc(*last, zone)?))
        });
        let (Some(kind), Some((from, to))) = (source.kind, span) else {
            continue;
        };
        let about = guests.of_source(source.id).filter_map(host_index);
        for index in std::iter::once(own).chain(about) {
            for &kind in kind.provides() {
                covered.push(Covered {
                    host: HostId(index as u16),
                    kind,
                    from,
                    to,
                });
            }
        }
    }
    covered
}

/// The timeline's order: time, host, source, line.
fn order(a: &Entry, b: &Entry) -> std::cmp::Ordering {
    (a.time, a.host, a.source, a.event.line).cmp(&(b.time, b.host, b.source, b.event.line))
}

/// Merges the copies of one record that several files of a host hold (an
/// Informatica error in node.log and, with its stack trace, in
/// exceptions.log; one alarm in the English and the Chinese export) into
/// one entry, so rules count it once and the report shows it once with
/// every place it was written. `entries` are in timeline order, so copies
/// are neighbours with the same time and host: only those are compared.
/// The result does not depend on the order files were read in.
fn merge_copies(entries: &mut Vec<Entry>, sources: &[ScannedSource]) {
    // Compacted in place, as `retain` does: `kept` entries stay at the
    // front, the copies merged into them are moved behind and cut off.
    let mut kept = 0;
    let mut run = 0;
    let mut run_merged = false;
    for next in 0..entries.len() {
        let (done, rest) = entries.split_at_mut(next);
        let entry = &mut rest[0];
        let same_run =
            kept > 0 && (done[kept - 1].time, done[kept - 1].host) == (entry.time, entry.host);
        if !same_run {
            if run_merged {
                // A merged entry takes the place of the copy it is shown as.
                done[run..kept].sort_by(order);
            }
            run = kept;
            run_merged = false;
        }
        match done[run..kept]
            .iter_mut()
            .find(|record| is_copy(record, entry, sources))
        {
            Some(record) => {
                merge_into(record, entry);
                run_merged = true;
            }
            None => {
                entries.swap(kept, next);
                kept += 1;
            }
        }
    }
    if run_merged {
        entries[run..kept].sort_by(order);
    }
    entries.truncate(kept);
}

/// Whether `entry` is a copy, in another file, of the record `kept` (and
/// the copies merged into it) stands for. Same host and time are given.
fn is_copy(kept: &Entry, entry: &Entry, sources: &[ScannedSource]) -> bool {
    let source = |id: SourceId| &sources[id.0 as usize];
    let (a, b) = (source(kept.source), source(entry.source));
    let other_file =
        entry.source != kept.source && !kept.also_at.iter().any(|(id, _)| *id == entry.source);
    let same_node = match (&a.candidate.node, &b.candidate.node) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    if !other_file || !same_node {
        return false;
    }
    match (&kept.event.kind, &entry.event.kind) {
        (EventKind::Log(x), EventKind::Log(y)) => {
            kept.event.level == entry.event.level
                && x.thread == y.thread
                && x.code == y.code
                && message(a.kind, &kept.event.text) == message(b.kind, &entry.event.text)
        }
        (EventKind::Alarm(x), EventKind::Alarm(y)) => {
            x.id == y.id
                && x.state == y.state
                && match (&x.serial, &y.serial) {
                    (Some(p), Some(q)) => p == q,
                    _ => true,
                }
        }
        _ => false,
    }
}

/// The message of a record's first line (its header read again: the
/// parsed message is shed once a record is classified), else the line.
fn message(kind: Option<SourceKind>, text: &str) -> &str {
    kind.and_then(crate::parse::record_start)
        .and_then(|header| header(text))
        .map_or(text, |h| h.message)
}

/// Merges a copy into the entry of its record. The entry shown is the copy
/// that proves most — the one with the continuation line that matched (an
/// exceptions.log stack trace), else the first in timeline order; it keeps
/// the union of both copies' signals (its own fields first), the larger
/// count of folded repeats, and every other copy's place.
fn merge_into(kept: &mut Entry, copy: &mut Entry) {
    let proves = |e: &Entry| matches!(&e.event.kind, EventKind::Log(r) if r.proof.is_some());
    if proves(copy) && !proves(kept) {
        std::mem::swap(kept, copy);
        std::mem::swap(&mut kept.also_at, &mut copy.also_at);
    }
    for signal in std::mem::take(&mut copy.signals) {
        if !kept.signals.iter().any(|s| s.id == signal.id) {
            kept.signals.push(signal);
        }
    }
    kept.signals.sort_by_key(|s| s.id);
    if copy.repeats.count() > kept.repeats.count() {
        kept.repeats = std::mem::take(&mut copy.repeats);
    }
    let mut also_at = std::mem::take(&mut kept.also_at).into_vec();
    also_at.push((copy.source, copy.event.line));
    also_at.sort_unstable();
    kept.also_at = also_at.into_boxed_slice();
}

/// Yields a vector's items front to back while giving its memory back as
/// it empties, so moving every kept event into the timeline does not hold
/// two full copies at once.
struct Draining<T>(Vec<T>);

impl<T> Draining<T> {
    fn new(mut items: Vec<T>) -> Self {
        items.reverse();
        Draining(items)
    }
}

impl<T> Iterator for Draining<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let item = self.0.pop();
        if self.0.capacity() > 1024 && self.0.len() < self.0.capacity() / 4 {
            self.0.shrink_to_fit();
        }
        item
    }
}

/// UTC time of a log time on a host in `zone`; `None` for bare uptimes.
pub fn to_utc(time: LogTime, zone: &Zone) -> Option<DateTime<Utc>> {
    match time {
        LogTime::Zoned(t) => Some(t.with_timezone(&Utc)),
        LogTime::Local(t) => zone.to_utc(t),
        LogTime::Uptime(_) => None,
    }
}

fn host_clocks(
    events: &[KeptEvent],
    sources: &[ScannedSource],
    settings: &ClockSettings,
    warnings: &mut Vec<String>,
) -> Vec<HostClock> {
    let mut names: BTreeSet<&str> = sources
        .iter()
        .filter(|s| s.skipped.is_none() && s.kind != Some(SourceKind::AlarmExport))
        .map(|s| s.candidate.host.as_str())
        .collect();
    names.extend(events.iter().map(|k| {
        k.event
            .host
            .as_deref()
            .unwrap_or(&sources[k.source.0 as usize].candidate.host)
    }));
    let fallback = match settings.default_zone {
        Some(zone) => (zone, OffsetSource::Flag),
        None => peer_offset(sources).map_or((Zone::utc(), OffsetSource::Assumed), |(o, file)| {
            (Zone::Fixed(o), OffsetSource::Peer { file })
        }),
    };
    let clocks: Vec<HostClock> = names
        .into_iter()
        .map(|name| {
            if let Some(zone) = settings.host_zones.get(name) {
                return clock(name, *zone, OffsetSource::HostFlag);
            }
            match inferred_offset(name, sources, warnings) {
                Some((offset, file)) => {
                    clock(name, Zone::Fixed(offset), OffsetSource::Inferred { file })
                }
                None => clock(name, fallback.0, fallback.1.clone()),
            }
        })
        .collect();
    warn_of_assumed_zones(&clocks, sources, warnings);
    clocks
}

/// One warning naming every host whose local times are read as UTC only
/// because nothing said otherwise.
fn warn_of_assumed_zones(
    clocks: &[HostClock],
    sources: &[ScannedSource],
    warnings: &mut Vec<String>,
) {
    let local: BTreeSet<&str> = sources
        .iter()
        .filter(|s| matches!(s.first_time, Some(LogTime::Local(_))))
        .map(|s| s.candidate.host.as_str())
        .collect();
    let assumed: Vec<&str> = clocks
        .iter()
        .filter(|c| c.offset_source == OffsetSource::Assumed && local.contains(c.name.as_str()))
        .map(|c| c.name.as_str())
        .collect();
    if assumed.is_empty() {
        return;
    }
    warnings.push(format!(
        "no time zone is known for the logs of {}: their times are read as UTC (assumed); if they are not, give --tz ZONE or --host-tz HOST=ZONE",
        assumed.join(", ")
    ));
}

/// The one offset every file with offsets in the bundle agrees on, and the
/// first such file; `None` when there is none or they disagree.
fn peer_offset(sources: &[ScannedSource]) -> Option<(FixedOffset, String)> {
    let mut zoned = sources
        .iter()
        .filter_map(|s| s.utc_offset.map(|o| (o, &s.candidate.display)));
    let (offset, file) = zoned.next()?;
    zoned
        .all(|(o, _)| o == offset)
        .then(|| (offset, file.clone()))
}

fn clock(name: &str, zone: Zone, offset_source: OffsetSource) -> HostClock {
    HostClock {
        name: name.to_string(),
        zone,
        offset_source,
    }
}

fn inferred_offset(
    host: &str,
    sources: &[ScannedSource],
    warnings: &mut Vec<String>,
) -> Option<(FixedOffset, String)> {
    let mut seen = sources
        .iter()
        .filter(|s| s.candidate.host == host)
        .filter_map(|s| s.utc_offset.map(|o| (o, s.candidate.display.clone())));
    let (offset, file) = seen.next()?;
    if let Some((other, other_file)) = seen.find(|(o, _)| *o != offset) {
        warnings.push(format!(
            "host {host}: {file} says UTC{offset} but {other_file} says UTC{other}; using UTC{offset} (set --host-tz {host}=… to choose)"
        ));
    }
    Some((offset, file))
}

/// One `StreamEnd` event per text-log stream of a host, at its last record,
/// with how much the whole stream logged.
fn stream_end_events(sources: &[ScannedSource], catalog: &SignalCatalog) -> Vec<KeptEvent> {
    let mut streams: BTreeMap<&str, Vec<&ScannedSource>> = BTreeMap::new();
    for source in sources.iter().filter(|s| is_lifecycle_log(s.kind)) {
        if source.last_record.is_some() {
            streams
                .entry(&source.candidate.stream)
                .or_default()
                .push(source);
        }
    }
    let mut scratch = Scratch::default();
    streams
        .into_values()
        .filter_map(|members| {
            let last = *members.iter().max_by(|a, b| later_end(a, b))?;
            let (line, time, text) = last.last_record.clone()?;
            let first = members.iter().filter_map(|s| s.first_time).min_by(|a, b| {
                a.millis_since(*b)
                    .map_or(std::cmp::Ordering::Equal, |ms| ms.total_cmp(&0.0))
            });
            let summary = StreamSummary {
                records: members.iter().map(|s| s.records).sum(),
                span_ms: first
                    .and_then(|f| time.millis_since(f))
                    .unwrap_or(0.0)
                    .max(0.0),
            };
            let event = Event {
                line,
                time,
                level: None,
                text,
                host: None,
                kind: EventKind::StreamEnd(summary),
            };
            let signals = catalog.classify(last.kind?, &event, &mut scratch);
            (!signals.is_empty()).then_some(KeptEvent {
                source: last.id,
                event,
                signals,
                repeats: Repeats::default(),
            })
        })
        .collect()
}

/// Orders two sources of one stream by when their last record was written
/// (on the same clock; sources whose times do not compare are equal).
fn later_end(a: &ScannedSource, b: &ScannedSource) -> std::cmp::Ordering {
    let time = |s: &ScannedSource| s.last_record.as_ref().map(|(_, t, _)| *t);
    match (time(a), time(b)) {
        (Some(ta), Some(tb)) => ta
            .millis_since(tb)
            .map_or(std::cmp::Ordering::Equal, |ms| ms.total_cmp(&0.0)),
        _ => std::cmp::Ordering::Equal,
    }
}

/// Logs whose end says something about the process writing them.
fn is_lifecycle_log(kind: Option<SourceKind>) -> bool {
    matches!(kind, Some(SourceKind::NodeLog | SourceKind::RoleLog))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definitions::builtin;
    use crate::discover::Candidate;
    use crate::model::{Alarm, AlarmState, DetailLine, Level, LogRecord};
    use crate::signals::Fields;

    fn source(id: u32, name: &str, kind: SourceKind) -> ScannedSource {
        let candidate = Candidate {
            display: format!("h1/logs/node01/{name}"),
            path: name.into(),
            host: "h1".into(),
            host_from: crate::discover::HostFrom::Single,
            bundle: crate::discover::Bundle::default(),
            node: (kind != SourceKind::AlarmExport).then(|| "node01".to_string()),
            name_kind: Some(kind),
            stream: format!("h1/{name}"),
        };
        ScannedSource {
            id: SourceId(id),
            kind: Some(kind),
            lines: 300,
            records: 100,
            ..ScannedSource::new(candidate)
        }
    }

    fn signals(catalog: &SignalCatalog, names: &[&str]) -> Vec<Signal> {
        names
            .iter()
            .map(|name| Signal {
                id: catalog.id(name).unwrap(),
                fields: Fields::default(),
            })
            .collect()
    }

    /// A DB heartbeat error of `thread` and `code` at line `line` of
    /// `source`, with its proving line when it comes with a stack trace.
    fn record(
        source: u32,
        line: u64,
        (thread, code): (&str, &str),
        signals: Vec<Signal>,
        proof: Option<u64>,
    ) -> KeptEvent {
        let text = format!(
            "2026-03-12 10:15:14,302 ERROR [{thread}] [{code}] An exception occurred while updating the master election row."
        );
        KeptEvent {
            source: SourceId(source),
            event: Event {
                line,
                time: LogTime::Local("2026-03-12T10:15:14.302".parse().unwrap()),
                level: Some(Level::Error),
                text,
                host: None,
                kind: EventKind::Log(Box::new(LogRecord {
                    thread: Some(thread.into()),
                    code: Some(code.into()),
                    proof: proof.map(|line| {
                        Box::new(DetailLine {
                            line,
                            text: "Caused by: java.sql.SQLRecoverableException: ORA-01034".into(),
                        })
                    }),
                    ..LogRecord::default()
                })),
            },
            signals,
            repeats: Repeats::default(),
        }
    }

    const WRITER: (&str, &str) = ("Master Elect Data Writer", "DOM_10162");

    fn timeline(events: Vec<KeptEvent>, sources: &[ScannedSource]) -> Timeline {
        let catalog = SignalCatalog::build(&builtin()).unwrap();
        build(events, sources, &ClockSettings::default(), &catalog)
    }

    fn places(entry: &Entry) -> Vec<(u32, u64)> {
        std::iter::once((entry.source.0, entry.event.line))
            .chain(entry.also_at.iter().map(|(s, l)| (s.0, *l)))
            .collect()
    }

    #[test]
    fn a_record_in_node_log_and_exceptions_log_is_one_entry_with_both_places() {
        let catalog = SignalCatalog::build(&builtin()).unwrap();
        let sources = [
            source(0, "exceptions.log", SourceKind::ExceptionsLog),
            source(1, "node.log", SourceKind::NodeLog),
        ];
        let node = record(
            1,
            212,
            WRITER,
            signals(&catalog, &["db_heartbeat_failed"]),
            None,
        );
        let exceptions = record(
            0,
            7,
            WRITER,
            signals(&catalog, &["db_heartbeat_failed", "db_unavailable_error"]),
            Some(13),
        );
        let t = timeline(vec![exceptions, node], &sources);
        assert_eq!(t.entries.len(), 1, "{:#?}", t.entries);
        let entry = &t.entries[0];
        assert_eq!(places(entry), [(0, 7), (1, 212)]);
        let mut names: Vec<&str> = entry
            .signals
            .iter()
            .map(|s| catalog.def(s.id).name.as_str())
            .collect();
        names.sort_unstable();
        assert_eq!(names, ["db_heartbeat_failed", "db_unavailable_error"]);
    }

    #[test]
    fn the_copy_with_the_proving_line_is_shown_whatever_the_source_order() {
        let catalog = SignalCatalog::build(&builtin()).unwrap();
        let heartbeat = || signals(&catalog, &["db_heartbeat_failed"]);
        // node.log listed first this time: the exceptions.log copy still
        // leads, for its stack trace.
        let sources = [
            source(0, "node.log", SourceKind::NodeLog),
            source(1, "exceptions.log", SourceKind::ExceptionsLog),
        ];
        let events = || {
            vec![
                record(0, 212, WRITER, heartbeat(), None),
                record(1, 7, WRITER, heartbeat(), Some(13)),
            ]
        };
        let forward = timeline(events(), &sources);
        let mut reversed_events = events();
        reversed_events.reverse();
        let reversed = timeline(reversed_events, &sources);
        assert_eq!(format!("{forward:?}"), format!("{reversed:?}"));
        assert_eq!(places(&forward.entries[0]), [(1, 7), (0, 212)]);
        // Without a stack trace on either side, the first in timeline order leads.
        let plain = timeline(
            vec![
                record(1, 7, WRITER, heartbeat(), None),
                record(0, 212, WRITER, heartbeat(), None),
            ],
            &sources,
        );
        assert_eq!(places(&plain.entries[0]), [(0, 212), (1, 7)]);
    }

    #[test]
    fn other_threads_codes_or_the_same_file_are_other_records() {
        let catalog = SignalCatalog::build(&builtin()).unwrap();
        let heartbeat = || signals(&catalog, &["db_heartbeat_failed"]);
        let sources = [
            source(0, "exceptions.log", SourceKind::ExceptionsLog),
            source(1, "node.log", SourceKind::NodeLog),
        ];
        for (other, why) in [
            (
                record(1, 212, ("Domain Monitor", "DOM_10162"), heartbeat(), None),
                "thread",
            ),
            (
                record(
                    1,
                    212,
                    ("Master Elect Data Writer", "DOM_10163"),
                    heartbeat(),
                    None,
                ),
                "code",
            ),
            (record(0, 8, WRITER, heartbeat(), None), "same file"),
        ] {
            let t = timeline(
                vec![record(0, 7, WRITER, heartbeat(), None), other],
                &sources,
            );
            assert_eq!(t.entries.len(), 2, "{why}");
            assert!(t.entries.iter().all(|e| e.also_at.is_empty()), "{why}");
        }
    }

    #[test]
    fn one_alarm_in_two_exports_is_one_entry() {
        let catalog = SignalCatalog::build(&builtin()).unwrap();
        let sources = [
            source(0, "alarms-en.csv", SourceKind::AlarmExport),
            source(1, "alarms-zh.csv", SourceKind::AlarmExport),
        ];
        let alarm = |source: u32, line: u64, name: &str, serial: &str, time: &str| KeptEvent {
            source: SourceId(source),
            event: Event {
                line,
                time: LogTime::Zoned(DateTime::parse_from_rfc3339(time).unwrap()),
                level: Some(Level::Warn),
                text: format!("ALM-45640,{name},…"),
                host: Some("mrs-master1".into()),
                kind: EventKind::Alarm(Box::new(Alarm {
                    id: "45640".into(),
                    name: name.into(),
                    state: Some(AlarmState::Raised),
                    serial: Some(serial.into()),
                    ..Alarm::default()
                })),
            },
            signals: signals(&catalog, &["flink_ha_heartbeat_alarm"]),
            repeats: Repeats::default(),
        };
        let english = "FlinkServer Heartbeat Interruption Between the Active and Standby Nodes";
        let chinese = "FlinkServer主备节点间心跳中断";
        let t = timeline(
            vec![
                alarm(0, 3, english, "32117", "2026-03-01T10:15:22+08:00"),
                alarm(1, 3, chinese, "32117", "2026-03-01T10:15:22+08:00"),
            ],
            &sources,
        );
        assert_eq!(t.entries.len(), 1);
        assert_eq!(places(&t.entries[0]), [(0, 3), (1, 3)]);
        let t = timeline(
            vec![
                alarm(0, 3, english, "32117", "2026-03-01T10:15:22+08:00"),
                alarm(1, 4, chinese, "32118", "2026-03-01T10:15:22+08:00"),
            ],
            &sources,
        );
        assert_eq!(t.entries.len(), 2, "another serial number is another alarm");
    }

    #[test]
    fn local_and_zoned_times_meet_on_utc() {
        let plus8 = Zone::parse("+08:00").unwrap();
        let local = LogTime::Local("2026-03-12T18:15:22".parse().unwrap());
        let zoned = LogTime::Zoned(DateTime::parse_from_rfc3339("2026-03-12T10:15:22Z").unwrap());
        assert_eq!(to_utc(local, &plus8), to_utc(zoned, &plus8));
        assert_eq!(to_utc(LogTime::Uptime(3.0), &plus8), None);
    }
}
