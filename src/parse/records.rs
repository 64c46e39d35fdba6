//! Text formats whose records start with a recognisable first line and go
//! on with continuation lines (stack traces, `Caused by:`, command output).
//! A format supplies only its header parser; [`RecordParser`] does the rest
//! the same way for all of them.
//!
//! A record's lines are collected in one reused buffer, and the record is
//! only turned into an [`Event`] (with its owned strings) when the sink
//! wants it; most records of a healthy log cost a header check and a copy.

use super::{Parser, RecordPeek, Sink, capped, evidence_text};
use crate::model::{Event, EventKind, Level, LogRecord, LogTime};
use crate::read::Line;

/// Continuation lines kept per record; further ones are only counted.
const MAX_DETAIL_LINES: usize = 24;
/// Longest continuation line kept.
const MAX_DETAIL_CHARS: usize = 400;
/// Bytes of one record buffered; lines past this are counted as frames.
const MAX_RECORD_BYTES: usize = 256 * 1024;

/// A record's first line, parsed without copying anything.
#[derive(Clone, Debug, PartialEq)]
pub struct Header<'a> {
    pub time: LogTime,
    pub level: Option<Level>,
    pub thread: Option<&'a str>,
    pub code: Option<&'a str>,
    pub message: &'a str,
    pub location: Option<&'a str>,
}

/// Parses a line that starts a record; `None` for any other line.
pub type HeaderFn = for<'a> fn(&'a str) -> Option<Header<'a>>;

/// A streaming parser for one header-plus-continuation text format.
pub struct RecordParser {
    header: HeaderFn,
    /// The open record's lines, `\n`-joined.
    lines: String,
    open: Option<OpenRecord>,
}

/// What is known about the open record without building it.
#[derive(Clone, Copy)]
struct OpenRecord {
    line: u64,
    time: LogTime,
    level: Option<Level>,
    /// Lines not buffered because the record grew past the cap.
    overflow: u32,
}

impl RecordParser {
    /// A parser that starts records where `header` recognises a line.
    pub fn new(header: HeaderFn) -> Self {
        RecordParser {
            header,
            lines: String::new(),
            open: None,
        }
    }

    fn close(&mut self, sink: &mut dyn Sink) {
        let Some(open) = self.open.take() else {
            return;
        };
        let peek = RecordPeek {
            line: open.line,
            time: open.time,
            level: open.level,
            text: &self.lines,
        };
        if !sink.wants(&peek) {
            sink.skipped(&peek);
            return;
        }
        if let Some(event) = self.build(open) {
            sink.event(event);
        }
    }

    /// Turns the buffered lines into an event.
    fn build(&self, open: OpenRecord) -> Option<Event> {
        let mut lines = self.lines.split('\n');
        let first = lines.next()?;
        let header = (self.header)(first)?;
        let mut record = LogRecord {
            thread: header.thread.map(str::to_string),
            code: header.code.map(str::to_string),
            message: header.message.to_string(),
            location: header.location.map(str::to_string),
            frames: open.overflow,
            ..LogRecord::default()
        };
        for line in lines {
            add_continuation(&mut record, line.trim());
        }
        Some(Event {
            line: open.line,
            time: open.time,
            level: open.level,
            text: evidence_text(first),
            host: None,
            kind: EventKind::Log(record),
        })
    }
}

impl Parser for RecordParser {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        if let Some(header) = (self.header)(line.text) {
            self.close(sink);
            self.open = Some(OpenRecord {
                line: line.number,
                time: header.time,
                level: header.level,
                overflow: 0,
            });
            self.lines.clear();
            self.lines.push_str(line.text);
            return;
        }
        match self.open.as_mut() {
            Some(_) if self.lines.len() + line.text.len() < MAX_RECORD_BYTES => {
                self.lines.push('\n');
                self.lines.push_str(line.text);
            }
            Some(open) => open.overflow = open.overflow.saturating_add(1),
            None if !line.text.trim().is_empty() => sink.unparsed(line),
            None => {}
        }
    }

    fn finish(&mut self, sink: &mut dyn Sink) {
        self.close(sink);
    }
}

/// Attaches one continuation line: frames are counted, other lines kept.
fn add_continuation(record: &mut LogRecord, trimmed: &str) {
    if trimmed.is_empty() {
        return;
    }
    if is_frame(trimmed) {
        record.frames = record.frames.saturating_add(1);
    } else if record.detail.len() < MAX_DETAIL_LINES {
        record.detail.push(capped(trimmed, MAX_DETAIL_CHARS));
    }
}

fn is_frame(trimmed: &str) -> bool {
    trimmed.starts_with("at ") || (trimmed.starts_with("...") && trimmed.ends_with("more"))
}
