//! Text formats whose records start with a recognisable first line and go
//! on with continuation lines (stack traces, `Caused by:`, command output).
//! A format supplies only its header parser; [`RecordParser`] does the rest
//! the same way for all of them.
//!
//! A record's lines are collected in one reused buffer, and the record is
//! only turned into an [`Event`] (with its owned strings) when the sink
//! wants it; most records of a healthy log cost a header check and a copy.

mod memo;

use super::{Interest, Parser, RecordPeek, Sink, capped, evidence_text, time};
use crate::model::{DetailLine, Event, EventKind, Level, LogRecord, LogTime};
use crate::read::Line;
use memo::{HeaderMemo, Recall};
use std::ops::Range;

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

/// Reads the time a record's first line starts with, and how many bytes it
/// takes. A format gives one when its header's other parts are read from
/// the rest of the line alone and lie in it, and its header function
/// accepts only lines this accepts, with the same time.
pub type StampFn = fn(&str) -> Option<(LogTime, usize)>;

/// A streaming parser for one header-plus-continuation text format.
pub struct RecordParser {
    header: HeaderFn,
    stamp: Option<StampFn>,
    /// Recent header lines of a format with a [`StampFn`], by the rest of
    /// the line after the time: a line whose rest repeats one of them, or
    /// has the shape of one refused for its shape, has its parts, which are
    /// read from that rest alone, without parsing it.
    memo: HeaderMemo,
    /// The open record's lines, `\n`-joined.
    lines: String,
    open: Option<OpenRecord>,
    /// Inside a record whose first line looked like a record start but
    /// could not be one (an impossible time): its lines are skipped.
    rejected: bool,
}

/// Where a header's parts lie in its line (or in the rest of it).
#[derive(Clone, Debug)]
struct Parts {
    level: Option<Level>,
    code: Option<Range<usize>>,
    thread: Option<Range<usize>>,
    message: Range<usize>,
    location: Option<Range<usize>>,
}

impl Parts {
    /// Where `header`, parsed from `line`, has its parts.
    fn of(header: &Header<'_>, line: &str) -> Parts {
        let within = |part: &str| offset_in(line, part);
        Parts {
            level: header.level,
            code: header.code.map(within),
            thread: header.thread.map(within),
            message: within(header.message),
            location: header.location.map(within),
        }
    }

    /// The parts `by` bytes further on (negative: towards the start).
    fn moved(&self, by: isize) -> Parts {
        let at = |range: &Range<usize>| {
            range.start.wrapping_add_signed(by)..range.end.wrapping_add_signed(by)
        };
        Parts {
            level: self.level,
            code: self.code.as_ref().map(at),
            thread: self.thread.as_ref().map(at),
            message: at(&self.message),
            location: self.location.as_ref().map(at),
        }
    }

    /// Whether every part starts at or after byte `from`.
    fn all_from(&self, from: usize) -> bool {
        let optional = [&self.code, &self.thread, &self.location];
        self.message.start >= from
            && optional
                .iter()
                .all(|part| part.as_ref().is_none_or(|r| r.start >= from))
    }
}

/// What is known about the open record without building it.
#[derive(Clone)]
struct OpenRecord {
    line: u64,
    time: LogTime,
    first_line_len: usize,
    /// Where the header's parts lie in its line.
    parts: Parts,
    /// Lines not buffered because the record grew past the cap.
    overflow: u32,
    /// Where the first line goes on after its time, for a format with a
    /// [`StampFn`].
    rest: Option<RestOfLine>,
    /// What the memo knew of the first line when the record opened.
    known: Known,
}

/// What the memo of header lines knew of a record's first line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Known {
    /// Nothing: it is not held.
    Nothing,
    /// Its rest is held (in its slot, unless the next line took it).
    Held,
    /// It has the shape and code of a line refused for its shape.
    RefusedShape,
}

/// The first line of a record after its time: where it starts and its hash,
/// which finds its slot in the memo of header lines.
#[derive(Clone, Copy)]
struct RestOfLine {
    hash: u64,
    from: usize,
}

impl RecordParser {
    /// A parser that starts records where `header` recognises a line.
    pub fn new(header: HeaderFn) -> Self {
        RecordParser {
            header,
            stamp: None,
            memo: HeaderMemo::default(),
            lines: String::new(),
            open: None,
            rejected: false,
        }
    }

    /// [`RecordParser::new`] for a format whose header lines start with a
    /// time `stamp` reads (see [`StampFn`]): header lines that repeat a
    /// recent one after their time, or have the shape of one refused for
    /// its shape, are not parsed again.
    pub fn with_stamp(header: HeaderFn, stamp: StampFn) -> Self {
        RecordParser {
            stamp: Some(stamp),
            ..RecordParser::new(header)
        }
    }

    /// The record `text` (line `number`) starts, if it starts one.
    fn start(&mut self, text: &str, number: u64) -> Option<OpenRecord> {
        let Some(stamp) = self.stamp else {
            let header = (self.header)(text)?;
            let parts = Parts::of(&header, text);
            return Some(OpenRecord::new(number, header.time, text, parts));
        };
        let (time, used) = stamp(text)?;
        let rest = &text[used..];
        let rest_of_line = RestOfLine {
            hash: crate::hashing::hash(0, rest.as_bytes()),
            from: used,
        };
        let (parts, known) = match self.memo.recall(rest, rest_of_line.hash) {
            Recall::Exact(parts) => (parts.moved(used as isize), Known::Held),
            Recall::RefusedShape(parts) => (parts.moved(used as isize), Known::RefusedShape),
            Recall::Miss => {
                let header = (self.header)(text)?;
                let parts = Parts::of(&header, text);
                let known = if header.time == time && parts.all_from(used) {
                    let in_rest = parts.moved(-(used as isize));
                    self.memo.remember(rest, rest_of_line.hash, in_rest);
                    Known::Held
                } else {
                    Known::Nothing
                };
                (parts, known)
            }
        };
        Some(OpenRecord {
            rest: Some(rest_of_line),
            known,
            ..OpenRecord::new(number, time, text, parts)
        })
    }

    fn close(&mut self, sink: &mut dyn Sink) {
        let Some(open) = self.open.take() else {
            return;
        };
        let (first_line, continuation) = self.lines.split_at(open.first_line_len);
        let parts = &open.parts;
        let peek = RecordPeek {
            line: open.line,
            time: open.time,
            level: parts.level,
            first_line,
            continuation: continuation.strip_prefix('\n').unwrap_or(continuation),
            code: parts.code.clone().map(|r| &first_line[r]),
            thread: parts.thread.clone().map(|r| &first_line[r]),
            message: &first_line[parts.message.clone()],
            location: parts.location.clone().map(|r| &first_line[r]),
            header_hash: open.rest.map(|rest| rest.hash),
        };
        let one_line = peek.continuation.is_empty();
        let refused = match (open.known, open.rest) {
            (Known::RefusedShape, _) => true,
            (Known::Held, Some(rest)) => self.memo.refused(rest.hash),
            _ => false,
        };
        if one_line && refused {
            sink.skipped(&peek);
            return;
        }
        let interest = sink.wants(&peek);
        if interest == Interest::Wanted {
            if let Some(event) = self.build(&open) {
                sink.event(event);
            }
            return;
        }
        sink.skipped(&peek);
        let (true, Some(rest)) = (one_line, open.rest) else {
            return;
        };
        let rest_text = &first_line[rest.from..];
        match interest {
            Interest::RefusedForContent => self.memo.refuse_content(rest_text, rest.hash),
            Interest::RefusedForShape if open.parts.all_from(rest.from) => {
                self.memo.refuse_content(rest_text, rest.hash);
                let in_rest = open.parts.moved(-(rest.from as isize));
                self.memo.refuse_shape(rest_text, in_rest);
            }
            _ => {}
        }
    }

    /// Turns the buffered lines into an event.
    fn build(&self, open: &OpenRecord) -> Option<Event> {
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
        for (line, offset) in lines.zip(1..) {
            add_continuation(&mut record, open.line + offset, line.trim());
        }
        Some(Event {
            line: open.line,
            time: open.time,
            level: open.parts.level,
            text: evidence_text(first),
            host: None,
            kind: EventKind::Log(Box::new(record)),
        })
    }
}

impl Parser for RecordParser {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        if let Some(open) = self.start(line.text, line.number) {
            self.close(sink);
            self.open = Some(open);
            self.rejected = false;
            self.lines.clear();
            self.lines.push_str(line.text);
            return;
        }
        if let Some(why) = rejected_start(line.text) {
            self.close(sink);
            self.rejected = true;
            sink.warning(
                line.number,
                format!(
                    "{why}: this line and the lines after it up to the next record were skipped, not merged into the record above"
                ),
            );
        }
        if self.rejected {
            if !line.text.trim().is_empty() {
                sink.unparsed(line);
            }
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

impl OpenRecord {
    /// The record line `number`, `text`, opens at `time`, with `parts`.
    fn new(number: u64, time: LogTime, text: &str, parts: Parts) -> OpenRecord {
        OpenRecord {
            line: number,
            time,
            first_line_len: text.len(),
            parts,
            overflow: 0,
            rest: None,
            known: Known::Nothing,
        }
    }
}

/// Why a line the header parser refused still cannot be a continuation
/// line: it starts with a date and time (alone or in `[…]`), as only a
/// record's first line does, but the time is impossible (`2026-02-30`,
/// `25:61:61`) or the rest is not a header of this format.
fn rejected_start(text: &str) -> Option<String> {
    let stamp = text.strip_prefix('[').unwrap_or(text);
    if !time::datetime_shaped(stamp) {
        return None;
    }
    let shown = &stamp[..19];
    Some(match time::local_datetime_prefix(stamp) {
        None => format!("impossible time `{shown}`"),
        Some(_) => {
            format!("line starts with a time (`{shown}`) but is not a record of this format")
        }
    })
}

/// Attaches one continuation line (line `number` of the file): frames are
/// counted, other lines kept with their number.
fn add_continuation(record: &mut LogRecord, number: u64, trimmed: &str) {
    if trimmed.is_empty() {
        return;
    }
    if is_frame(trimmed) {
        record.frames = record.frames.saturating_add(1);
    } else if record.detail.len() < MAX_DETAIL_LINES {
        record.detail.push(DetailLine {
            line: number,
            text: capped(trimmed, MAX_DETAIL_CHARS),
        });
    }
}

/// Where `part`, a slice of `line`, lies in it. A part that is not a slice
/// of the line (no header parser returns one) stands for the whole line,
/// so the prefilter still searches it.
fn offset_in(line: &str, part: &str) -> Range<usize> {
    let start = (part.as_ptr() as usize).wrapping_sub(line.as_ptr() as usize);
    match start.checked_add(part.len()) {
        Some(end) if end <= line.len() => start..end,
        _ => 0..line.len(),
    }
}

/// A stack frame line (`at …`, `... 12 more`), trimmed.
pub(crate) fn is_frame(trimmed: &str) -> bool {
    trimmed.starts_with("at ") || (trimmed.starts_with("...") && trimmed.ends_with("more"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::log4j;

    /// Keeps what each peek showed, and wants nothing.
    #[derive(Default)]
    struct Peeks(Vec<Peeked>);

    /// A peek's code, searchable texts, first line and thread.
    type Peeked = (Option<String>, Vec<String>, String, Option<String>);

    impl Sink for Peeks {
        fn wants(&mut self, record: &RecordPeek<'_>) -> Interest {
            self.0.push((
                record.code.map(str::to_string),
                record.searchable().map(str::to_string).collect(),
                record.first_line.to_string(),
                record.thread.map(str::to_string),
            ));
            Interest::Refused
        }
        fn event(&mut self, _event: Event) {}
        fn unparsed(&mut self, _line: &Line<'_>) {}
        fn warning(&mut self, _line: u64, _message: String) {}
    }

    #[test]
    fn impossible_times_are_skipped_with_a_warning_not_merged() {
        use crate::parse::testing::{record, run};
        let input = "\
2026-03-12 10:15:20,000 INFO  [main] first
2026-02-30 10:15:21,000 ERROR [main] [DOM_10025] the 30th of February
\tat its.Frame(Frame.java:1)
2026-03-12 25:61:61,000 ERROR [main] hour 25
2016-12-31 23:59:60,100 INFO  [main] a leap second
[2026-13-01 10:00:00] month 13 in brackets
2026-03-12 10:15:22,000 INFO  [main] last";
        let out = run(log4j::parser(), input);
        let lines: Vec<u64> = out.events.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 5, 7], "the leap second is a record");
        assert!(
            record(&out.events[0]).detail.is_empty(),
            "nothing merged into the first record"
        );
        assert_eq!(out.unparsed, [2, 3, 4, 6]);
        let warned: Vec<u64> = out.warnings.iter().map(|(l, _)| *l).collect();
        assert_eq!(warned, [2, 4, 6]);
        assert!(
            out.warnings[0]
                .1
                .starts_with("impossible time `2026-02-30 10:15:21`"),
            "{:?}",
            out.warnings
        );
        assert_eq!(
            out.events[1].time,
            crate::model::LogTime::Local("2016-12-31T23:59:59.999".parse().unwrap())
        );
    }

    /// Header lines of the formats that read their time with a stamp, in
    /// the layouts their parsers know, after a time `2026-03-12 10:MM:SS`.
    const HEADERS: [&str; 11] = [
        ",002 ERROR [Master Elect Data Writer] [DOM_10162] An exception occurred.",
        ",048 INFO  [Domain Monitor] [DOM_10000] Statistics for 5 services; latency 11 ms now.",
        ",861 INFO  [Catalina] CCM_10012: Request processed in 513 ms by pool-6.",
        ",002 ERROR [DOM_10162] [Master Elect Data Writer] An exception occurred.",
        ".5 WARN DOM_10094: The node is not reachable",
        ",002  INFO   [main]   Started the node.   ",
        ",100 | INFO  | [main] | Heartbeat | sent | Sender.run(Sender.java:88)",
        ",100 INFO [pool-1-thread-1] Checked pkg.Class.method(File.java:299)",
        ",000 INFO (floatip) check wsFloatIp : 10.0.0.1 is reachable.",
        ",002 NOTALEVEL [main] not a record of this format",
        "ZZZ no time fraction here",
    ];

    /// Lines of `HEADERS` (each with its time, whether a stack frame
    /// follows, and a figure added to each of its digits).
    fn header_lines(lines: &[(usize, u32, bool, u8)]) -> String {
        lines
            .iter()
            .map(|&(header, second, frame, figure)| {
                let tail = if frame {
                    "\n\tat its.Frame(Frame.java:1)"
                } else {
                    ""
                };
                let header: String = HEADERS[header]
                    .chars()
                    .map(|c| match c.to_digit(10) {
                        Some(d) => char::from_digit((d + u32::from(figure)) % 10, 10).unwrap_or(c),
                        None => c,
                    })
                    .collect();
                let (minute, second) = (second / 60, second % 60);
                format!("2026-03-12 10:{minute:02}:{second:02}{header}{tail}\n")
            })
            .collect()
    }

    /// Whether, for the `HEADERS` lines `lines`, a sink answering `answer`
    /// is sent the same by each stamped format's parser with its memo of
    /// header lines as by the parser that parses every header line.
    fn with_and_without_memo_agree(
        lines: &[(usize, u32, bool, u8)],
        answer: fn(&RecordPeek<'_>) -> Interest,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let input = header_lines(lines);
        let formats: [HeaderFn; 3] = [
            log4j::parse_header,
            crate::parse::pipe::parse_header,
            crate::parse::floatip::parse_header,
        ];
        for header in formats {
            let remembered = record_with(
                RecordParser::with_stamp(header, time::local_stamp),
                &input,
                answer,
            );
            let parsed = record_with(RecordParser::new(header), &input, answer);
            proptest::prop_assert_eq!(remembered.log, parsed.log);
        }
        Ok(())
    }

    proptest::proptest! {
        /// Remembering recent header lines changes nothing: every record,
        /// its parts, its time and its lines are what parsing each header
        /// line from scratch gives, in each format.
        #[test]
        fn remembered_headers_parse_as_their_lines_do(
            lines in proptest::collection::vec((0..HEADERS.len(), 0..3600u32, proptest::bool::ANY, 0..4u8), 1..60),
        ) {
            with_and_without_memo_agree(&lines, odd_messages)?;
        }
    }

    /// What a sink is sent (each record skipped, with its parts, or built,
    /// and each unparsed line and warning), and how often it was asked;
    /// `answer` says what it wants.
    struct Recorder {
        log: Vec<String>,
        asked: usize,
        answer: fn(&RecordPeek<'_>) -> Interest,
    }

    impl Sink for Recorder {
        fn wants(&mut self, record: &RecordPeek<'_>) -> Interest {
            self.asked += 1;
            (self.answer)(record)
        }
        fn skipped(&mut self, record: &RecordPeek<'_>) {
            // Only a parser with a stamp hashes the header text.
            let parts = RecordPeek {
                header_hash: None,
                ..*record
            };
            self.log.push(format!("skipped {parts:?}"));
        }
        fn event(&mut self, event: Event) {
            self.log.push(format!("{event:?}"));
        }
        fn unparsed(&mut self, line: &Line<'_>) {
            self.log.push(format!("unparsed {}", line.number));
        }
        fn warning(&mut self, line: u64, message: String) {
            self.log.push(format!("warning {line}: {message}"));
        }
    }

    /// What `parser` sends a [`Recorder`] answering `answer` for `input`.
    fn record_with(
        mut parser: RecordParser,
        input: &str,
        answer: fn(&RecordPeek<'_>) -> Interest,
    ) -> Recorder {
        let recorder = Recorder {
            log: Vec::new(),
            asked: 0,
            answer,
        };
        crate::parse::testing::run_into(&mut parser, input, recorder)
    }

    /// Wants records whose message has an odd length, and refuses the
    /// others (not for their content): both paths, every record asked.
    fn odd_messages(record: &RecordPeek<'_>) -> Interest {
        match record.message.len() % 2 {
            1 => Interest::Wanted,
            _ => Interest::Refused,
        }
    }

    /// Refuses for their shape records whose message length is a multiple
    /// of 3 and whose code, if any, ends with an even digit; for their
    /// content others whose message has an even length, or that hold a
    /// stack frame; wants the rest.
    fn refusing(record: &RecordPeek<'_>) -> Interest {
        let code_even = record
            .code
            .is_none_or(|code| code.bytes().last().is_some_and(|b| b % 2 == 0));
        if record.message.len().is_multiple_of(3) && code_even {
            Interest::RefusedForShape
        } else if record.message.len().is_multiple_of(2) || record.continuation.contains("at ") {
            Interest::RefusedForContent
        } else {
            Interest::Wanted
        }
    }

    proptest::proptest! {
        /// A header line whose record was refused for its content, or one
        /// of the shape and code of a line refused for its shape, is not
        /// shown to the sink again, and nothing else changes: the same
        /// records are skipped and built, with the same parts, as when
        /// every record is asked about.
        #[test]
        fn records_refused_for_content_or_shape_are_skipped_as_when_asked(
            lines in proptest::collection::vec((0..HEADERS.len(), 0..3600u32, proptest::bool::ANY, 0..4u8), 1..60),
        ) {
            with_and_without_memo_agree(&lines, refusing)?;
        }
    }

    #[test]
    fn a_line_refused_for_its_content_is_asked_about_once() {
        let input = "\
2026-03-12 10:15:31,002 INFO  [main] [DOM_10113] Received heartbeats.
2026-03-12 10:15:32,002 INFO  [main] [DOM_10113] Received heartbeats.
2026-03-12 10:15:33,002 INFO  [main] [DOM_10113] Received heartbeats.
\tat its.Frame(Frame.java:1)
2026-03-12 10:15:34,002 INFO  [main] [DOM_10113] Received heartbeats.";
        let (asked, every) = (
            record_with(log4j::parser(), input, refusing),
            record_with(RecordParser::new(log4j::parse_header), input, refusing),
        );
        assert_eq!(asked.log, every.log);
        assert_eq!(asked.log.len(), 4, "{:?}", asked.log);
        assert_eq!(every.asked, 4);
        assert_eq!(asked.asked, 2, "the first record, and the one with a frame");
    }

    #[test]
    fn a_line_of_a_shape_refused_for_its_shape_is_asked_about_once_per_code() {
        let input = "\
2026-03-12 10:15:31,002 INFO  [main] [DOM_10110] Processed 3 requests in 40 ms.
2026-03-12 10:15:32,002 INFO  [main] Started the node.
2026-03-12 10:15:33,002 INFO  [main] [DOM_10110] Processed 7 requests in 12 ms.
2026-03-12 10:15:34,002 INFO  [pool-2] [DOM_10110] Processed 5 requests in 33 ms.
2026-03-12 10:15:35,002 INFO  [main] [DOM_10110] Processed 9 requests in 95 ms.
2026-03-12 10:15:36,002 INFO  [main] [DOM_10112] Processed 1 requests in 33 ms.";
        let (asked, every) = (
            record_with(log4j::parser(), input, refusing),
            record_with(RecordParser::new(log4j::parse_header), input, refusing),
        );
        assert_eq!(asked.log, every.log);
        assert_eq!(every.asked, 6);
        assert_eq!(
            asked.asked, 4,
            "all but the lines of the first one's shape and code: its thread is part of its shape"
        );
    }

    #[test]
    fn a_peek_shows_code_message_and_non_frame_lines() {
        let input = "2026-03-12 10:15:31,002 ERROR [Master Elect Data Writer] [DOM_10162] An exception occurred while updating the master election row.\n\
                     java.sql.SQLRecoverableException: IO Error: Connection reset\n\
                     \tat oracle.jdbc.driver.T4CConnection.logon(T4CConnection.java:489)\n\
                     \t... 12 more\n\
                     Caused by: java.net.SocketException: Connection reset\n\
                     2026-03-12 10:15:32,000 INFO  [main] no code here";
        let peeks = crate::parse::testing::run_into(&mut log4j::parser(), input, Peeks::default());
        let (code, searchable, first, thread) = &peeks.0[0];
        assert_eq!(code.as_deref(), Some("DOM_10162"));
        assert_eq!(thread.as_deref(), Some("Master Elect Data Writer"));
        assert_eq!(
            searchable,
            &[
                "An exception occurred while updating the master election row.",
                "java.sql.SQLRecoverableException: IO Error: Connection reset",
                "Caused by: java.net.SocketException: Connection reset",
            ]
        );
        assert!(first.ends_with("master election row."));
        assert_eq!(peeks.0[1].0, None);
        assert_eq!(peeks.0[1].1, ["no code here"]);
        assert_eq!(peeks.0[1].3.as_deref(), Some("main"));
    }
}
