//! Informatica `node.log` and `exceptions.log`: log4j records
//! `yyyy-MM-dd HH:mm:ss,SSS LEVEL [thread] [CODE] message`, the level padded,
//! thread and code optional and in either order, and continuation lines
//! (stack traces, `Caused by:`, `... 12 more`) that belong to the record above.

use super::records::{Header, RecordParser};
use super::time::local_datetime_prefix;
use crate::model::{Level, LogTime};

/// The node.log / exceptions.log parser.
pub fn parser() -> RecordParser {
    RecordParser::with_stamp(parse_header, super::time::local_stamp)
}

/// Parses a record's first line; `None` when the line does not start one.
/// Shared with the formats that embed log4j-style lines (script logs).
pub(crate) fn parse_header(text: &str) -> Option<Header<'_>> {
    let (time, used) = local_datetime_prefix(text)?;
    let mut rest = trim_start(&text[used..]);
    let mut header = Header {
        time: LogTime::Local(time),
        level: None,
        thread: None,
        code: None,
        message: "",
        location: None,
    };
    loop {
        if let Some(inner) = rest.strip_prefix('[') {
            // Brackets hold a few words: a plain loop beats memchr's set-up.
            let close = inner.bytes().position(|b| b == b']')?;
            place_token(trim(&inner[..close]), &mut header);
            rest = trim_start(&inner[close + 1..]);
            continue;
        }
        if header.level.is_some() {
            break;
        }
        let word_end = word_end(rest);
        match Level::parse(&rest[..word_end]) {
            Some(found) => {
                header.level = Some(found);
                rest = trim_start(&rest[word_end..]);
            }
            None => break,
        }
    }
    if header.code.is_none() {
        rest = take_leading_code(rest, &mut header);
    }
    header.message = rest.trim_end();
    Some(header)
}

fn place_token<'a>(token: &'a str, header: &mut Header<'a>) {
    if header.level.is_none()
        && let Some(found) = Level::parse(token)
    {
        header.level = Some(found);
    } else if header.code.is_none() && is_message_code(token) {
        header.code = Some(token);
    } else if header.thread.is_none() {
        header.thread = Some(token);
    }
}

/// A message code leading the message, as in `DOM_10025: text`.
fn take_leading_code<'a>(message: &'a str, header: &mut Header<'a>) -> &'a str {
    let end = message
        .find(|c: char| c == ':' || c.is_whitespace())
        .unwrap_or(message.len());
    if is_message_code(&message[..end]) {
        header.code = Some(&message[..end]);
        return message[end..].trim_start_matches(':').trim_start();
    }
    message
}

/// `str::trim`, with the common case (ASCII ends) done on bytes.
fn trim(text: &str) -> &str {
    let rest = trim_start(text);
    match rest.as_bytes().last() {
        Some(b) if b.is_ascii() && !b.is_ascii_whitespace() && *b != 0x0b => rest,
        _ => rest.trim_end(),
    }
}

/// Where the first word of `text` ends (at whitespace, as
/// `char::is_whitespace` says), with ASCII text done on bytes.
fn word_end(text: &str) -> usize {
    match text
        .bytes()
        .position(|b| !b.is_ascii() || b.is_ascii_whitespace() || b == 0x0b)
    {
        Some(at) if !text.as_bytes()[at].is_ascii() => {
            at + text[at..]
                .find(char::is_whitespace)
                .unwrap_or(text.len() - at)
        }
        Some(at) => at,
        None => text.len(),
    }
}

/// `str::trim_start`, with the common case (ASCII spaces) done on bytes.
fn trim_start(text: &str) -> &str {
    let spaces = text
        .bytes()
        .take_while(|b| b.is_ascii_whitespace() || *b == 0x0b)
        .count();
    let rest = &text[spaces..];
    match rest.as_bytes().first() {
        Some(b) if !b.is_ascii() => rest.trim_start(),
        _ => rest,
    }
}

/// Informatica message codes: a prefix of capitals, `_`, then digits
/// (`DOM_10025`, `SPC_10014`, `LM_36320`).
fn is_message_code(token: &str) -> bool {
    if !(6..=18).contains(&token.len()) {
        return false;
    }
    let Some(underscore) = token.bytes().position(|b| b == b'_') else {
        return false;
    };
    let (prefix, digits) = (&token[..underscore], &token[underscore + 1..]);
    (2..=10).contains(&prefix.len())
        && prefix
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && prefix.as_bytes()[0].is_ascii_uppercase()
        && (3..=7).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::testing::{record, run};

    #[test]
    fn unicode_spaces_part_words_as_ascii_ones_do() {
        let header = parse_header(
            "2026-03-12 10:17:01,003 WARN\u{a0}[ Domain Monitor\u{2003}] [DOM_10065] x",
        )
        .unwrap();
        assert_eq!(header.level, Some(Level::Warn));
        assert_eq!(header.thread, Some("Domain Monitor"));
        assert_eq!(header.code, Some("DOM_10065"));
        assert_eq!(trim("\u{3000} a b\u{a0}"), "a b");
        assert_eq!(word_end("INFOé rest"), 6);
        assert_eq!(word_end("INFO\u{2003}rest"), 4);
        assert_eq!(word_end("INFO"), 4);
    }

    #[test]
    fn padded_level_thread_and_code() {
        let out = run(
            parser(),
            "2026-03-12 10:17:01,003 WARN  [Domain Monitor] [DOM_10065] Node [node03] did not send a heartbeat within the resilience timeout of 90 seconds.",
        );
        let event = &out.events[0];
        assert_eq!(event.level, Some(Level::Warn));
        let rec = record(event);
        assert_eq!(rec.thread.as_deref(), Some("Domain Monitor"));
        assert_eq!(rec.code.as_deref(), Some("DOM_10065"));
        assert!(rec.message.starts_with("Node [node03] did not send"));
        assert_eq!(
            event.time,
            LogTime::Local("2026-03-12T10:17:01.003".parse().unwrap())
        );
    }

    #[test]
    fn record_without_code() {
        let out = run(
            parser(),
            "2026-03-12 10:15:00,000 INFO  [main] Starting the node.",
        );
        let rec = record(&out.events[0]);
        assert_eq!(rec.code, None);
        assert_eq!(rec.thread.as_deref(), Some("main"));
        assert_eq!(rec.message, "Starting the node.");
    }

    #[test]
    fn thread_before_level_and_code_in_message() {
        let out = run(
            parser(),
            "2026-03-12 10:15:00.120 [Domain Monitor] ERROR DOM_10025: The node cannot send heartbeat messages to the master gateway node.",
        );
        let event = &out.events[0];
        assert_eq!(event.level, Some(Level::Error));
        let rec = record(event);
        assert_eq!(rec.code.as_deref(), Some("DOM_10025"));
        assert!(rec.message.starts_with("The node cannot send heartbeat"));
    }

    #[test]
    fn stack_trace_belongs_to_record_above() {
        let input = "\
2026-03-12 10:15:22,345 ERROR [Master Elect Data Writer] [DOM_10162] An exception occurred while updating the master election row.
com.informatica.pcsf.common.exception.PCSFException: update failed
\tat com.informatica.pcsf.domainservice.MasterElectDataWriter.run(MasterElectDataWriter.java:211)
\tat java.lang.Thread.run(Thread.java:748)
Caused by: java.sql.SQLRecoverableException: ORA-01034: ORACLE not available
\t... 2 more

2026-03-12 10:15:30,345 INFO  [main] next";
        let out = run(parser(), input);
        assert_eq!(out.events.len(), 2);
        assert_eq!(out.events[0].line, 1);
        assert_eq!(out.events[1].line, 8);
        let rec = record(&out.events[0]);
        assert_eq!(rec.frames, 3);
        assert_eq!(
            rec.detail,
            [
                "com.informatica.pcsf.common.exception.PCSFException: update failed",
                "Caused by: java.sql.SQLRecoverableException: ORA-01034: ORACLE not available"
            ]
        );
        let numbers: Vec<u64> = rec.detail.iter().map(|d| d.line).collect();
        assert_eq!(numbers, [2, 5], "each kept line has its own number");
        assert!(out.unparsed.is_empty());
    }

    #[test]
    fn lines_before_first_record_are_unparsed() {
        let out = run(
            parser(),
            "\tat orphan.Frame(Frame.java:1)\n2026-03-12 10:15:22,345 INFO [t] x",
        );
        assert_eq!(out.unparsed, [1]);
        assert_eq!(out.events.len(), 1);
    }

    #[test]
    fn codes_are_recognised_narrowly() {
        assert!(is_message_code("DOM_10025"));
        assert!(is_message_code("LM_36320"));
        assert!(!is_message_code("Domain Monitor"));
        assert!(!is_message_code("node_01"));
        assert!(!is_message_code("DOM_"));
    }

    #[test]
    fn byte_trim_agrees_with_str_trim() {
        for text in [
            "  x",
            "\t\x0b\x0c\r\n x y",
            "\u{3000}\u{a0} x",
            " \u{85}x",
            "",
            "   ",
            "é ",
        ] {
            assert_eq!(trim_start(text), text.trim_start(), "{text:?}");
        }
    }
}
