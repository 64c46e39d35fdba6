//! Timeline stage: decide each host's UTC offset, put every kept event on
//! one UTC clock and merge all hosts into one ordered list. Also derives
//! the "stream ended" events that show a process that stopped logging.

use crate::model::{Event, EventKind, LogTime, SourceId, SourceKind};
use crate::scan::{KeptEvent, Repeats, ScannedSource};
use crate::signals::{Scratch, Signal, SignalCatalog};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// Index of a host in [`Timeline::hosts`] (sorted by name).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostId(pub u16);

/// Where a host's UTC offset came from, so the report can say how sure it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OffsetSource {
    /// `--host-tz HOST=…`.
    HostFlag,
    /// Timestamps with offsets in one of the host's files (GC datestamps).
    Inferred { file: String },
    /// Another host's file in the same bundle (all that carry offsets agree).
    Peer { file: String },
    /// `--tz`, or UTC when not given: nothing in the bundle told.
    Default,
}

/// One host and its clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostClock {
    pub name: String,
    pub offset: FixedOffset,
    pub offset_source: OffsetSource,
}

/// Time-zone settings from the command line.
#[derive(Clone, Debug, Default)]
pub struct ClockSettings {
    /// `--tz`: offset for hosts nothing else tells about. When not given,
    /// hosts take the offset their peers' files show (if they all agree),
    /// else UTC.
    pub default_offset: Option<FixedOffset>,
    /// Per-host overrides.
    pub host_offsets: BTreeMap<String, FixedOffset>,
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
#[derive(Debug)]
pub struct Timeline {
    pub hosts: Vec<HostClock>,
    pub entries: Vec<Entry>,
    /// Warnings about clocks (conflicting offsets, events with no wall time).
    pub warnings: Vec<String>,
}

impl Timeline {
    /// The host's clock.
    pub fn host(&self, id: HostId) -> &HostClock {
        &self.hosts[id.0 as usize]
    }

    /// A host's id by name.
    pub fn host_id(&self, name: &str) -> Option<HostId> {
        self.hosts
            .binary_search_by(|h| h.name.as_str().cmp(name))
            .ok()
            .map(|i| HostId(i as u16))
    }
}

/// Parses `+08:00`, `-0500`, `+8`, `UTC` or `Z` into an offset.
pub fn parse_offset(text: &str) -> Result<FixedOffset, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("utc") || t == "Z" || t.eq_ignore_ascii_case("gmt") {
        return Ok(FixedOffset::east_opt(0).expect("zero offset"));
    }
    let t = t
        .strip_prefix("UTC")
        .or_else(|| t.strip_prefix("GMT"))
        .unwrap_or(t);
    let bad = || format!("`{text}` is not a UTC offset; write it like +08:00, -0500 or UTC");
    let (sign, digits) = match t.as_bytes().first() {
        Some(b'+') => (1, &t[1..]),
        Some(b'-') => (-1, &t[1..]),
        _ => return Err(bad()),
    };
    let number = |s: &str| s.parse::<i32>().map_err(|_| bad());
    let (hours, minutes) = match digits.split_once(':') {
        Some((h, m)) => (number(h)?, number(m)?),
        None if digits.len() <= 2 => (number(digits)?, 0),
        None if digits.len() <= 4 => {
            let split = digits.len() - 2;
            (number(&digits[..split])?, number(&digits[split..])?)
        }
        None => return Err(bad()),
    };
    if hours > 14 || minutes > 59 {
        return Err(bad());
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60)).ok_or_else(bad)
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
        let host = index(kept.event.host.as_deref().unwrap_or(&source.candidate.host));
        match to_utc(kept.event.time, hosts[host.0 as usize].offset) {
            Some(time) => entries.push(Entry {
                time,
                host,
                source: kept.source,
                event: kept.event,
                signals: kept.signals,
                repeats: kept.repeats,
            }),
            None => unplaced += 1,
        }
    }
    if unplaced > 0 {
        warnings.push(format!(
            "{unplaced} event(s) carry only JVM uptime and no wall-clock anchor; they are left off the timeline"
        ));
    }
    entries.sort_by(|a, b| {
        (a.time, a.host, a.source, a.event.line).cmp(&(b.time, b.host, b.source, b.event.line))
    });
    Timeline {
        hosts,
        entries,
        warnings,
    }
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

/// UTC time of a log time on a host with `offset`; `None` for bare uptimes.
pub fn to_utc(time: LogTime, offset: FixedOffset) -> Option<DateTime<Utc>> {
    match time {
        LogTime::Zoned(t) => Some(t.with_timezone(&Utc)),
        LogTime::Local(t) => local_to_utc(t, offset),
        LogTime::Uptime(_) => None,
    }
}

fn local_to_utc(t: NaiveDateTime, offset: FixedOffset) -> Option<DateTime<Utc>> {
    offset
        .from_local_datetime(&t)
        .single()
        .map(|t| t.with_timezone(&Utc))
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
    let fallback = match settings.default_offset {
        Some(offset) => (offset, OffsetSource::Default),
        None => peer_offset(sources).map_or(
            (
                FixedOffset::east_opt(0).expect("zero offset"),
                OffsetSource::Default,
            ),
            |(o, file)| (o, OffsetSource::Peer { file }),
        ),
    };
    names
        .into_iter()
        .map(|name| {
            if let Some(offset) = settings.host_offsets.get(name) {
                return clock(name, *offset, OffsetSource::HostFlag);
            }
            match inferred_offset(name, sources, warnings) {
                Some((offset, file)) => clock(name, offset, OffsetSource::Inferred { file }),
                None => clock(name, fallback.0, fallback.1.clone()),
            }
        })
        .collect()
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

fn clock(name: &str, offset: FixedOffset, offset_source: OffsetSource) -> HostClock {
    HostClock {
        name: name.to_string(),
        offset,
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

/// One `StreamEnd` event per text-log stream of a host, at its last record.
fn stream_end_events(sources: &[ScannedSource], catalog: &SignalCatalog) -> Vec<KeptEvent> {
    let mut last_of_stream: BTreeMap<&str, &ScannedSource> = BTreeMap::new();
    for source in sources.iter().filter(|s| is_lifecycle_log(s.kind)) {
        let Some((_, time, _)) = &source.last_record else {
            continue;
        };
        let later = |other: &&ScannedSource| {
            other
                .last_record
                .as_ref()
                .and_then(|(_, t, _)| time.millis_since(*t))
                .is_some_and(|ms| ms > 0.0)
        };
        let entry = last_of_stream
            .entry(&source.candidate.stream)
            .or_insert(source);
        if later(entry) {
            *entry = source;
        }
    }
    let mut scratch = Scratch::default();
    last_of_stream
        .into_values()
        .filter_map(|source| {
            let (line, time, text) = source.last_record.clone()?;
            let event = Event {
                line,
                time,
                level: None,
                text,
                host: None,
                kind: EventKind::StreamEnd,
            };
            let signals = catalog.classify(source.kind?, &event, &mut scratch);
            (!signals.is_empty()).then_some(KeptEvent {
                source: source.id,
                event,
                signals,
                repeats: Repeats::default(),
            })
        })
        .collect()
}

/// Logs whose end says something about the process writing them.
fn is_lifecycle_log(kind: Option<SourceKind>) -> bool {
    matches!(kind, Some(SourceKind::NodeLog | SourceKind::RoleLog))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_in_every_spelling() {
        let cases = [
            ("+08:00", 8 * 3600),
            ("-0500", -5 * 3600),
            ("+5:30", 5 * 3600 + 1800),
            ("+8", 8 * 3600),
            ("UTC", 0),
            ("GMT+08:00", 8 * 3600),
        ];
        for (text, seconds) in cases {
            assert_eq!(
                parse_offset(text).unwrap().local_minus_utc(),
                seconds,
                "{text}"
            );
        }
        assert!(parse_offset("Asia/Shanghai").is_err());
        assert!(parse_offset("+25:00").is_err());
    }

    #[test]
    fn local_and_zoned_times_meet_on_utc() {
        let plus8 = parse_offset("+08:00").unwrap();
        let local = LogTime::Local("2026-03-12T18:15:22".parse().unwrap());
        let zoned = LogTime::Zoned(DateTime::parse_from_rfc3339("2026-03-12T10:15:22Z").unwrap());
        assert_eq!(to_utc(local, plus8), to_utc(zoned, plus8));
        assert_eq!(to_utc(LogTime::Uptime(3.0), plus8), None);
    }
}
