//! `hbdiag timeline`: the merged UTC timeline, filtered, as text for a
//! person or as NDJSON with Elastic Common Schema field names for bulk
//! loading into Elasticsearch/OpenSearch.

use super::text::terminal_safe;
use super::{DisplayZone, format_time};
use crate::model::{EventKind, Level};
use crate::scan::ScannedSource;
use crate::signals::SignalCatalog;
use crate::timeline::{Entry, Timeline};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use std::io::{self, Write};

/// Which entries to show.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only these hosts (any, when empty).
    pub hosts: Vec<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Entries at least this severe, plus every entry that raised a signal.
    pub min_level: Option<Level>,
}

impl Filter {
    fn keeps(&self, entry: &Entry, timeline: &Timeline) -> bool {
        let host = &timeline.host(entry.host).name;
        (self.hosts.is_empty() || self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)))
            && self.since.is_none_or(|t| entry.time >= t)
            && self.until.is_none_or(|t| entry.time <= t)
            && (!entry.signals.is_empty()
                || self
                    .min_level
                    .is_some_and(|min| entry.event.level.is_some_and(|l| l >= min)))
    }
}

/// Where the entries come from.
pub struct View<'a> {
    pub timeline: &'a Timeline,
    pub sources: &'a [ScannedSource],
    pub catalog: &'a SignalCatalog,
    /// Zone of the text output's times (NDJSON stays UTC).
    pub zone: DisplayZone,
}

impl View<'_> {
    fn selected<'e>(&'e self, filter: &'e Filter) -> impl Iterator<Item = &'e Entry> {
        self.timeline
            .entries
            .iter()
            .filter(move |e| filter.keeps(e, self.timeline))
    }

    fn signal_names(&self, entry: &Entry) -> Vec<String> {
        entry
            .signals
            .iter()
            .map(|s| self.catalog.def(s.id).name.clone())
            .collect()
    }

    fn file(&self, entry: &Entry) -> &str {
        &self.sources[entry.source.0 as usize].candidate.display
    }

    /// One line per entry: time, host, level, file:line, signals, text; the
    /// input's text made safe for a terminal (NDJSON keeps it exact).
    pub fn write_text(&self, filter: &Filter, out: &mut impl Write) -> io::Result<()> {
        for entry in self.selected(filter) {
            let level = entry.event.level.map_or("-", Level::name);
            let signals = self.signal_names(entry);
            let tags = if signals.is_empty() {
                String::new()
            } else {
                format!(" [{}]", terminal_safe(&signals.join(",")))
            };
            let repeats = super::repeats_note(entry.repeats.count());
            writeln!(
                out,
                "{} {:<12} {:<5} {}:{}{} {}{repeats}",
                self.zone.show_time(entry.time),
                terminal_safe(&self.timeline.host(entry.host).name),
                level,
                terminal_safe(self.file(entry)),
                entry.event.line,
                tags,
                terminal_safe(&entry.event.text)
            )?;
        }
        Ok(())
    }

    /// One ECS document per line; with `bulk` (an index name), each after
    /// the Elasticsearch `_bulk` action line that indexes it there, so the
    /// output can be posted to `_bulk` as it is.
    pub fn write_ndjson(
        &self,
        filter: &Filter,
        bulk: Option<&str>,
        out: &mut impl Write,
    ) -> io::Result<()> {
        for entry in self.selected(filter) {
            if let Some(index) = bulk {
                let action = json!({"index": {"_index": index, "_id": self.document_id(entry)}});
                serde_json::to_writer(&mut *out, &action)?;
                out.write_all(b"\n")?;
            }
            serde_json::to_writer(&mut *out, &self.ecs_document(entry))?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// A document's `_id`: 16 hex digits of FNV-1a over host, file, line,
    /// kind of event and time, so importing the same bundle again replaces
    /// its documents instead of adding copies, while the events one line
    /// gives (a record and the log gap after it, an alarm's raise and
    /// clear) stay apart.
    fn document_id(&self, entry: &Entry) -> String {
        let key = format!(
            "{}\0{}\0{}\0{}\0{}",
            self.timeline.host(entry.host).name,
            self.file(entry),
            entry.event.line,
            kind_name(&entry.event.kind),
            format_time(entry.time)
        );
        format!("{:016x}", super::fingerprint::fnv1a(key.as_bytes()))
    }

    fn ecs_document(&self, entry: &Entry) -> Value {
        let source = &self.sources[entry.source.0 as usize];
        let mut doc = Map::new();
        doc.insert("@timestamp".into(), json!(format_time(entry.time)));
        doc.insert(
            "host.name".into(),
            json!(self.timeline.host(entry.host).name),
        );
        doc.insert("log.file.path".into(), json!(source.candidate.display));
        doc.insert("message".into(), json!(entry.event.text));
        doc.insert(
            "event.dataset".into(),
            json!(format!(
                "hbdiag.{}",
                source.kind.map_or("unknown", |k| k.name())
            )),
        );
        doc.insert(
            "event.kind".into(),
            json!(if entry.signals.is_empty() {
                "event"
            } else {
                "signal"
            }),
        );
        doc.insert("hbdiag.line".into(), json!(entry.event.line));
        if entry.repeats.count() > 1 {
            doc.insert("event.count".into(), json!(entry.repeats.count()));
        }
        if let Some(level) = entry.event.level {
            doc.insert("log.level".into(), json!(level.name()));
        }
        if let EventKind::Log(record) = &entry.event.kind {
            if let Some(code) = &record.code {
                doc.insert("event.code".into(), json!(code));
            }
            if let Some(thread) = &record.thread {
                doc.insert("process.thread.name".into(), json!(thread));
            }
        }
        let signals = self.signal_names(entry);
        if !signals.is_empty() {
            doc.insert("tags".into(), json!(signals));
        }
        Value::Object(doc)
    }
}

/// The event kind's name in a document `_id`: fixed here, as the id must
/// not change between releases.
fn kind_name(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::Log(_) => "log",
        EventKind::GcPause(_) => "gc_pause",
        EventKind::Safepoint(_) => "safepoint",
        EventKind::AllocationStall(_) => "allocation_stall",
        EventKind::Metrics(_) => "metrics",
        EventKind::Alarm(_) => "alarm",
        EventKind::LogGap(_) => "log_gap",
        EventKind::StreamEnd(_) => "stream_end",
        EventKind::ThreadWait(_) => "thread_wait",
        EventKind::DbCall(_) => "db_call",
        EventKind::Packet(_) => "packet",
    }
}
