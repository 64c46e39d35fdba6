//! Huawei MRS / FusionInsight role run logs (`flinkserver.log` and most
//! components), written with the log4j pattern
//! `%d{yyyy-MM-dd HH:mm:ss,SSS} | %-5p | %t | %m | %l%n`:
//! `2019-06-27 21:30:31,778 | INFO | [thread] | message | Class (File.java:368)`.
//! The message may itself contain ` | `, so the location is taken after the
//! last separator and the message is everything between thread and location.
//! Manager logs use a space-separated variant,
//! `2020-06-30 00:37:09,067 INFO [pool-1-thread-1] message pkg.Class.method(File.java:299)`.
//! Stack traces below a record attach to it.

use super::log4j;
use super::records::{Header, RecordParser};
use super::time::local_datetime_prefix;
use crate::model::{Level, LogTime};

/// The field separator of the pipe pattern.
const SEPARATOR: &str = " | ";

/// The role run log parser (pipe and space-separated layouts).
pub fn parser() -> RecordParser {
    RecordParser::with_stamp(parse_header, super::time::local_stamp)
}

/// Parses a record's first line in either layout; `None` when the line does
/// not start a record.
pub(crate) fn parse_header(text: &str) -> Option<Header<'_>> {
    let (time, used) = local_datetime_prefix(text)?;
    match text[used..].trim_start().strip_prefix('|') {
        Some(fields) => parse_pipe_fields(LogTime::Local(time), fields),
        None => parse_space_variant(text),
    }
}

/// `LEVEL | thread | message … | location` after the timestamp's separator.
/// The message is everything between the thread and the location, so a
/// message that contains ` | ` stays whole.
fn parse_pipe_fields(time: LogTime, fields: &str) -> Option<Header<'_>> {
    let (level_field, rest) = fields.split_once(SEPARATOR).unwrap_or((fields, ""));
    let level = Level::parse(level_field.trim())?;
    let (thread, body) = rest.split_once(SEPARATOR).unwrap_or((rest, ""));
    let thread = Some(unbracket(thread.trim())).filter(|t| !t.is_empty());
    let (message, location) = match body.rsplit_once(SEPARATOR) {
        Some((message, last)) if is_location(last.trim()) => (message, Some(last.trim())),
        _ => (body, None),
    };
    Some(Header {
        time,
        level: Some(level),
        thread,
        code: None,
        message: message.trim(),
        location,
    })
}

/// The Manager layout: a log4j header whose message ends with the location.
fn parse_space_variant(text: &str) -> Option<Header<'_>> {
    let mut header = log4j::parse_header(text)?;
    header.level?;
    if let Some((message, last)) = header.message.rsplit_once(' ')
        && is_location(last)
    {
        header.location = Some(last);
        header.message = message.trim_end();
    }
    Some(header)
}

/// `[thread]` → `thread`; other thread names (`QuorumPeer[myid=25](…)`) stay.
fn unbracket(thread: &str) -> &str {
    thread
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(thread)
}

/// A log4j `%l` location: `pkg.Class.method(File.java:12)`, optionally with
/// one space before the parenthesis as in `pkg.Class (File.java:12)`.
fn is_location(text: &str) -> bool {
    let Some(open) = text.find('(') else {
        return false;
    };
    let (code, place) = text.split_at(open);
    let code = code.trim_end();
    text.ends_with(')')
        && code.contains('.')
        && !code.contains(char::is_whitespace)
        && (place.contains(".java:")
            || place.contains(".scala:")
            || place.contains("Unknown Source")
            || place.contains("Native Method"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::testing::{record, run};

    #[test]
    fn pipe_record_with_bracketed_thread_and_spaced_location() {
        let out = run(
            parser(),
            "2019-06-27 21:30:31,778 | INFO | [flink-akka.actor.default-dispatcher-3] | TaskManager container_e10_1498290698388_0004_02_000007 has started. | org.apache.flink.yarn.YarnFlinkResourceManager (FlinkResourceManager.java:368)",
        );
        let event = &out.events[0];
        assert_eq!(event.level, Some(Level::Info));
        assert_eq!(
            event.time,
            LogTime::Local("2019-06-27T21:30:31.778".parse().unwrap())
        );
        let rec = record(event);
        assert_eq!(
            rec.thread.as_deref(),
            Some("flink-akka.actor.default-dispatcher-3")
        );
        assert_eq!(
            rec.message,
            "TaskManager container_e10_1498290698388_0004_02_000007 has started."
        );
        assert_eq!(
            rec.location.as_deref(),
            Some("org.apache.flink.yarn.YarnFlinkResourceManager (FlinkResourceManager.java:368)")
        );
    }

    #[test]
    fn separator_inside_message_and_padded_level() {
        let out = run(
            parser(),
            "2026-03-01 10:15:22,345 | WARN  | [HA-Monitor] | heartbeat to peer 192.168.10.12 | lost for 30 s | retrying | com.huawei.flink.ha.HeartbeatChecker.check(HeartbeatChecker.java:88)",
        );
        let event = &out.events[0];
        assert_eq!(event.level, Some(Level::Warn));
        let rec = record(event);
        assert_eq!(rec.thread.as_deref(), Some("HA-Monitor"));
        assert_eq!(
            rec.message,
            "heartbeat to peer 192.168.10.12 | lost for 30 s | retrying"
        );
        assert_eq!(
            rec.location.as_deref(),
            Some("com.huawei.flink.ha.HeartbeatChecker.check(HeartbeatChecker.java:88)")
        );
    }

    #[test]
    fn unbracketed_thread_and_stack_trace() {
        let input = "\
2016-06-23 07:30:57,481 | WARN  | QuorumPeer[myid=25](plain=/10.16.9.136:2181)(secure=disabled) | Unexpected exception | org.apache.zookeeper.server.quorum.QuorumPeer.run(QuorumPeer.java:1108)
java.lang.InterruptedException: Timeout while waiting for epoch to be acked by quorum
    at org.apache.zookeeper.server.quorum.Leader.waitForEpochAck(Leader.java:1221)
    at org.apache.zookeeper.server.quorum.QuorumPeer.run(QuorumPeer.java:1105)
2016-06-23 07:30:58,000 | INFO  | main | next | org.apache.zookeeper.Main.main(Main.java:1)";
        let out = run(parser(), input);
        assert_eq!(out.events.len(), 2);
        let rec = record(&out.events[0]);
        assert_eq!(
            rec.thread.as_deref(),
            Some("QuorumPeer[myid=25](plain=/10.16.9.136:2181)(secure=disabled)")
        );
        assert_eq!(rec.message, "Unexpected exception");
        assert_eq!(
            rec.detail,
            [
                "java.lang.InterruptedException: Timeout while waiting for epoch to be acked by quorum"
            ]
        );
        assert_eq!(rec.frames, 2);
        assert_eq!(out.events[1].line, 5);
        assert!(out.unparsed.is_empty());
    }

    #[test]
    fn message_without_location_is_kept_whole() {
        let out = run(
            parser(),
            "2026-03-01 10:15:22,345 | ERROR | [main] | Failed to connect | peer down",
        );
        let rec = record(&out.events[0]);
        assert_eq!(rec.message, "Failed to connect | peer down");
        assert_eq!(rec.location, None);
    }

    #[test]
    fn manager_space_variant() {
        let out = run(
            parser(),
            "2020-06-30 00:37:09,067 INFO [pool-1-thread-1] Completed Discovering Node. com.xxx.DiscoverNodeTask.execute(DiscoverNodeTask.java:299)",
        );
        let event = &out.events[0];
        assert_eq!(event.level, Some(Level::Info));
        let rec = record(event);
        assert_eq!(rec.thread.as_deref(), Some("pool-1-thread-1"));
        assert_eq!(rec.message, "Completed Discovering Node.");
        assert_eq!(
            rec.location.as_deref(),
            Some("com.xxx.DiscoverNodeTask.execute(DiscoverNodeTask.java:299)")
        );
    }

    #[test]
    fn orphan_lines_are_unparsed() {
        let out = run(
            parser(),
            "\tat a.B.c(B.java:1)\n2026-03-01 10:15:22,345 | INFO | [t] | x | a.B.c(B.java:1)",
        );
        assert_eq!(out.unparsed, [1]);
        assert_eq!(out.events.len(), 1);
    }
}
