//! Huawei MRS script logs (`prestart.log`, `start.log`, `stop.log`):
//! `[2020-12-19 15:56:42] INFO [postinstall.sh:653] Is cloud flag is false. (main)`
//! — bracketed local time, level, `[script:line]` (kept as the thread), the
//! message and the shell function in trailing parentheses (kept as the
//! location). Some scripts write log4j-style lines instead
//! (`2026-03-01 10:15:22,345 ERROR …`); those go to the log4j header parser.
//! Command output the scripts copy into the log attaches to the record above.

use super::log4j;
use super::records::{Header, RecordParser};
use super::time::local_datetime_prefix;
use crate::model::{Level, LogTime};

/// The prestart/start/stop script log parser.
pub fn parser() -> RecordParser {
    RecordParser::new(parse_header)
}

/// A record start in either layout.
pub(crate) fn parse_header(text: &str) -> Option<Header<'_>> {
    parse_bracketed(text).or_else(|| log4j::parse_header(text))
}

/// The `[time] LEVEL [script:line] message (function)` layout.
fn parse_bracketed(text: &str) -> Option<Header<'_>> {
    let after_open = text.trim_start().strip_prefix('[')?;
    let (time, used) = local_datetime_prefix(after_open)?;
    let rest = after_open[used..].strip_prefix(']')?.trim_start();
    let (level_word, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let level = Level::parse(level_word)?;
    let mut header = Header {
        time: LogTime::Local(time),
        level: Some(level),
        thread: None,
        code: None,
        message: rest.trim(),
        location: None,
    };
    if let Some(inner) = header.message.strip_prefix('[')
        && let Some((thread, after)) = inner.split_once(']')
    {
        header.thread = Some(thread.trim());
        header.message = after.trim();
    }
    if let Some((message, function)) = trailing_function(header.message) {
        header.location = Some(function);
        header.message = message;
    }
    Some(header)
}

/// Splits `text (function)` into the text and the shell function name, when
/// the parentheses hold one identifier.
fn trailing_function(message: &str) -> Option<(&str, &str)> {
    let inner = message.strip_suffix(')')?;
    let (text, function) = inner.rsplit_once(" (")?;
    let is_identifier = function
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && function.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
    is_identifier.then(|| (text.trim_end(), function))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::testing::{record, run};

    #[test]
    fn bracketed_script_line() {
        let out = run(
            parser(),
            "[2020-12-19 15:56:42] INFO [postinstall.sh:653] Is cloud flag is false. (main)",
        );
        let event = &out.events[0];
        assert_eq!(event.level, Some(Level::Info));
        assert_eq!(
            event.time,
            LogTime::Local("2020-12-19T15:56:42".parse().unwrap())
        );
        let rec = record(event);
        assert_eq!(rec.thread.as_deref(), Some("postinstall.sh:653"));
        assert_eq!(rec.message, "Is cloud flag is false.");
        assert_eq!(rec.location.as_deref(), Some("main"));
    }

    #[test]
    fn float_ip_invalid_is_an_ordinary_message() {
        let input = "\
[2026-03-01 10:14:58] INFO [prestart.sh:88] Begin to check float ip. (check_float_ip)
[2026-03-01 10:14:59] ERROR [prestart.sh:112] Float ip 10.10.0.100 is invalid. (check_float_ip)
ip: RTNETLINK answers: Cannot assign requested address";
        let out = run(parser(), input);
        assert_eq!(out.events.len(), 2);
        let event = &out.events[1];
        assert_eq!(event.level, Some(Level::Error));
        assert_eq!(event.line, 2);
        let rec = record(event);
        assert_eq!(rec.message, "Float ip 10.10.0.100 is invalid.");
        assert_eq!(rec.thread.as_deref(), Some("prestart.sh:112"));
        assert_eq!(rec.location.as_deref(), Some("check_float_ip"));
        assert_eq!(
            rec.detail,
            ["ip: RTNETLINK answers: Cannot assign requested address"]
        );
    }

    #[test]
    fn message_without_function_or_thread() {
        let out = run(
            parser(),
            "[2026-03-01 10:15:00] WARN Retry after 3 s (attempt 2 of 5)",
        );
        let rec = record(&out.events[0]);
        assert_eq!(rec.thread, None);
        assert_eq!(rec.location, None);
        assert_eq!(rec.message, "Retry after 3 s (attempt 2 of 5)");
    }

    #[test]
    fn log4j_style_variant_is_delegated() {
        let out = run(
            parser(),
            "2026-03-01 10:15:22,345 ERROR [main] FlinkServer failed to start.",
        );
        let event = &out.events[0];
        assert_eq!(event.level, Some(Level::Error));
        let rec = record(event);
        assert_eq!(rec.thread.as_deref(), Some("main"));
        assert_eq!(rec.message, "FlinkServer failed to start.");
    }

    #[test]
    fn lines_before_first_record_are_unparsed() {
        let out = run(
            parser(),
            "+ source /opt/env.sh\n[2026-03-01 10:15:00] INFO [start.sh:1] ok (main)",
        );
        assert_eq!(out.unparsed, [1]);
        assert_eq!(out.events.len(), 1);
    }
}
