//! Text formats whose records start with a recognisable first line and go
//! on with continuation lines (stack traces, `Caused by:`, command output).
//! A format supplies only its header parser; [`RecordParser`] does the rest
//! the same way for all of them.

use super::{Parser, Sink};
use crate::model::{Event, EventKind};
use crate::read::Line;

/// Continuation lines kept per record; further ones are only counted.
const MAX_DETAIL_LINES: usize = 24;
/// Longest continuation line kept.
const MAX_DETAIL_CHARS: usize = 400;

/// Parses a line that starts a record; `None` for any other line.
pub type HeaderFn = fn(&Line<'_>) -> Option<Event>;

/// A streaming parser for one header-plus-continuation text format.
pub struct RecordParser {
    header: HeaderFn,
    open: OpenRecord,
}

impl RecordParser {
    /// A parser that starts records where `header` recognises a line.
    pub fn new(header: HeaderFn) -> Self {
        RecordParser {
            header,
            open: OpenRecord::default(),
        }
    }
}

impl Parser for RecordParser {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        self.open.feed((self.header)(line), line, sink);
    }

    fn finish(&mut self, sink: &mut dyn Sink) {
        self.open.finish(sink);
    }
}

/// The record being assembled by a line-oriented text parser: a header line
/// starts it, continuation lines (stack traces, `Caused by:`) attach to it,
/// and it is emitted when the next header arrives or the input ends. Shared
/// so every text format treats continuation lines the same way.
#[derive(Default)]
pub(crate) struct OpenRecord {
    open: Option<Event>,
}

impl OpenRecord {
    /// Starts a new record with `header`, emitting the previous one, or
    /// attaches `line` to the open record when `header` is `None`.
    pub(crate) fn feed(&mut self, header: Option<Event>, line: &Line<'_>, sink: &mut dyn Sink) {
        match header {
            Some(event) => {
                if let Some(done) = self.open.replace(event) {
                    sink.event(done);
                }
            }
            None => self.continue_record(line, sink),
        }
    }

    /// Emits the open record, if any.
    pub(crate) fn finish(&mut self, sink: &mut dyn Sink) {
        if let Some(done) = self.open.take() {
            sink.event(done);
        }
    }

    fn continue_record(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        let Some(Event {
            kind: EventKind::Log(record),
            ..
        }) = self.open.as_mut()
        else {
            if !line.text.trim().is_empty() {
                sink.unparsed(line);
            }
            return;
        };
        let trimmed = line.text.trim();
        if trimmed.is_empty() {
            return;
        }
        if is_frame(trimmed) {
            record.frames = record.frames.saturating_add(1);
        } else if record.detail.len() < MAX_DETAIL_LINES {
            record.detail.push(cap(trimmed, MAX_DETAIL_CHARS));
        }
    }
}

fn is_frame(trimmed: &str) -> bool {
    trimmed.starts_with("at ") || (trimmed.starts_with("...") && trimmed.ends_with("more"))
}

fn cap(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}
