//! Parse stage: one streaming parser per source format. A parser sees one
//! line at a time and emits typed [`Event`]s; it knows nothing of signals,
//! rules or other files.

pub mod alarms;
pub mod esxtop;
pub mod floatip;
pub mod gc;
#[cfg(test)]
mod huawei_samples;
pub mod hypervisor;
pub mod jdbc_spy;
pub mod log4j;
pub mod metrics;
pub mod pcap;
pub mod pipe;
pub mod powercli;
pub mod records;
pub mod script;
pub mod threads;
pub mod time;

use crate::model::{Event, Level, LogTime, SourceKind};
use crate::read::Line;

/// A finished text record before it is built into an [`Event`]: enough to
/// decide whether it is worth building.
#[derive(Clone, Copy, Debug)]
pub struct RecordPeek<'a> {
    /// Line number of the record's first line.
    pub line: u64,
    pub time: LogTime,
    pub level: Option<Level>,
    /// The record's first line (its header).
    pub first_line: &'a str,
    /// The lines after it, `\n`-joined.
    pub continuation: &'a str,
    /// The header's message code, if it has one.
    pub code: Option<&'a str>,
    /// The header's thread (or script), if it names one.
    pub thread: Option<&'a str>,
    /// The header's message, without time, level, thread or code.
    pub message: &'a str,
    /// The header's source location, if it ends with one.
    pub location: Option<&'a str>,
    /// A hash of what the header's parts were read from (the first line
    /// after its time), when the parser has one: records with equal parts
    /// read from equal text share it.
    pub header_hash: Option<u64>,
}

impl<'a> RecordPeek<'a> {
    /// What signals may search once the record is built: the message, then
    /// each continuation line that is not a stack frame.
    pub fn searchable(&self) -> impl Iterator<Item = &'a str> + 'a {
        let continuation = (!self.continuation.is_empty()).then_some(self.continuation);
        std::iter::once(self.message).chain(
            continuation
                .into_iter()
                .flat_map(|text| text.split('\n'))
                .map(str::trim)
                .filter(|line| !line.is_empty() && !records::is_frame(line)),
        )
    }
}

/// What a sink answers of a finished text record (see [`Sink::wants`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interest {
    /// Build the record and send it to [`Sink::event`].
    Wanted,
    /// Send it to [`Sink::skipped`] unbuilt.
    Refused,
    /// Refused, and so is every record with the same content (level, code,
    /// thread, message, location and continuation), whatever its time and
    /// line: a parser may send those to [`Sink::skipped`] without asking.
    RefusedForContent,
    /// Refused for its content, and so is every record of the same level
    /// and code whose message and continuation are the same with each
    /// ASCII digit read as `0`, whatever its thread, location, time and
    /// line ("processed in 31 ms" and "in 685 ms" alike).
    RefusedForShape,
}

/// Where a parser sends what it found.
pub trait Sink {
    /// Whether a finished text record should be built and sent to
    /// [`Sink::event`]; the scan answers from its prefilter, so parsers
    /// skip building records no signal can match without knowing signals.
    fn wants(&mut self, _record: &RecordPeek<'_>) -> Interest {
        Interest::Wanted
    }
    /// A text record that was not wanted: still counted and timed.
    fn skipped(&mut self, _record: &RecordPeek<'_>) {}
    /// A complete record.
    fn event(&mut self, event: Event);
    /// A complete structured record lent with the line that is its
    /// evidence (`event.text` is not read): the sink copies it, with that
    /// line as its text, only if it keeps it. A GC log lends its pauses
    /// from one reused event, and nearly none is kept.
    fn lend(&mut self, event: &Event, evidence: &str) {
        self.event(Event {
            text: evidence_text(evidence),
            ..event.clone()
        });
    }
    /// Says the file's records are about `host` too, not only the host
    /// it was collected from (a hypervisor's metrics of its guests).
    fn about_host(&mut self, _host: &str) {}
    /// A line the parser could not place in any record.
    fn unparsed(&mut self, line: &Line<'_>);
    /// Something the user should know about this file, at a line.
    fn warning(&mut self, line: u64, message: String);
}

/// A streaming parser of one format. Records may span lines, so a parser
/// keeps its open record until the next one starts or the input ends.
pub trait Parser: Send {
    /// Consumes one line.
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink);
    /// Flushes the open record at the end of the input.
    fn finish(&mut self, sink: &mut dyn Sink);
}

/// The parser for a kind of source, or `None` when hbdiag cannot read that
/// kind yet (the source is then listed as skipped).
pub fn parser_for(kind: SourceKind) -> Option<Box<dyn Parser>> {
    match kind {
        SourceKind::NodeLog | SourceKind::ExceptionsLog => Some(Box::new(log4j::parser())),
        SourceKind::AlarmExport => Some(Box::new(alarms::AlarmParser::new())),
        SourceKind::RoleLog => Some(Box::new(pipe::parser())),
        SourceKind::ScriptLog => Some(Box::new(script::parser())),
        SourceKind::FloatIpLog => Some(Box::new(floatip::parser())),
        SourceKind::GcLog => Some(Box::new(gc::GcParser::new())),
        SourceKind::SystemMetrics => Some(Box::new(metrics::MetricsParser::new())),
        SourceKind::ThreadDump | SourceKind::JvmOutput => {
            Some(Box::new(threads::ThreadDumpParser::new()))
        }
        SourceKind::HypervisorMetrics => Some(Box::new(hypervisor::HypervisorParser::new())),
        SourceKind::JdbcSpy => Some(Box::new(jdbc_spy::JdbcSpyParser::new())),
        SourceKind::PacketCapture => None,
    }
}

/// The header parser of a format whose records stand alone: a line it
/// accepts always starts a record, and no record depends on the ones before
/// it, so a file can be cut there and its pieces parsed apart. `None` for
/// formats with state across lines (GC logs, metrics, alarm exports).
pub fn record_start(kind: SourceKind) -> Option<records::HeaderFn> {
    match kind {
        SourceKind::NodeLog | SourceKind::ExceptionsLog => Some(log4j::parse_header),
        SourceKind::RoleLog => Some(pipe::parse_header),
        SourceKind::ScriptLog => Some(script::parse_header),
        SourceKind::FloatIpLog => Some(floatip::parse_header),
        SourceKind::AlarmExport
        | SourceKind::GcLog
        | SourceKind::SystemMetrics
        | SourceKind::ThreadDump
        | SourceKind::HypervisorMetrics
        | SourceKind::JvmOutput
        | SourceKind::JdbcSpy
        | SourceKind::PacketCapture => None,
    }
}

/// Longest text kept for evidence from one line.
pub const MAX_EVIDENCE_CHARS: usize = 2000;

/// `text` cut to at most `MAX_EVIDENCE_CHARS` characters.
pub fn evidence_text(text: &str) -> String {
    capped(text, MAX_EVIDENCE_CHARS)
}

/// `text` cut to at most `max_chars` characters on a char boundary, with
/// `…` where it was cut: for evidence, table cells and findings alike.
pub fn capped(text: &str, max_chars: usize) -> String {
    if text.len() <= max_chars {
        return text.to_string();
    }
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A sink that records everything, for parser unit tests.
    use super::*;

    #[derive(Default)]
    pub struct Collect {
        pub events: Vec<Event>,
        pub unparsed: Vec<u64>,
        pub warnings: Vec<(u64, String)>,
    }

    impl Sink for Collect {
        fn event(&mut self, event: Event) {
            self.events.push(event);
        }
        fn unparsed(&mut self, line: &Line<'_>) {
            self.unparsed.push(line.number);
        }
        fn warning(&mut self, line: u64, message: String) {
            self.warnings.push((line, message));
        }
    }

    /// The log record inside an event, for assertions.
    pub fn record(event: &Event) -> &crate::model::LogRecord {
        match &event.kind {
            crate::model::EventKind::Log(record) => record,
            other => panic!("not a log record: {other:?}"),
        }
    }

    /// Runs `parser` over `input` line by line.
    pub fn run(mut parser: impl Parser, input: &str) -> Collect {
        run_into(&mut parser, input, Collect::default())
    }

    /// Runs `parser` over `input` line by line into `sink`, and returns it.
    pub fn run_into<S: Sink>(parser: &mut dyn Parser, input: &str, mut sink: S) -> S {
        for (i, text) in input.lines().enumerate() {
            let line = Line {
                number: i as u64 + 1,
                text,
            };
            parser.line(&line, &mut sink);
        }
        parser.finish(&mut sink);
        sink
    }
}
