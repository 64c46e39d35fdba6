//! log4jdbc's `jdbc.sqltiming` logger inside a log4j or logback line: the
//! header gives the time (when the statement ended) and the thread, the
//! message is `N. SQL {executed in T msec}` or, at ERROR, `N. SQL {FAILED
//! after T msec}` with the exception on the next line. The SQL keeps its
//! line breaks, so a statement may span lines up to its `{…}` mark.

use super::Finished;
use crate::model::{LoggedAt, SpyDialect};
use crate::parse::Sink;
use crate::parse::log4j::parse_header;
use crate::parse::records::Header;

/// Lines one statement may span before it is given up.
const MAX_LINES: usize = 200;

/// The logger's name.
const LOGGER: &str = "jdbc.sqltiming";

/// Whether a line is a log4jdbc timing line (or starts one).
pub fn is_sqltiming_line(text: &str) -> bool {
    parse_header(text).is_some_and(|h| h.message.contains(LOGGER) || timing(h.message).is_some())
}

/// A statement whose first line was read and whose timing mark was not.
struct Open {
    line: u64,
    header: OwnedHeader,
    text: String,
    lines: usize,
}

struct OwnedHeader {
    time: crate::model::LogTime,
    thread: Option<String>,
}

/// Reads timing lines and the statements that span lines.
#[derive(Default)]
pub(super) struct Reader {
    open: Option<Open>,
    /// A failed statement waiting for its exception line.
    failed: Option<Finished>,
}

impl Reader {
    /// Reads a line; `false` when it is none of log4jdbc's.
    pub(super) fn line(
        &mut self,
        text: &str,
        number: u64,
        finished: &mut Vec<Finished>,
        sink: &mut dyn Sink,
    ) -> bool {
        if let Some(header) = parse_header(text) {
            self.interrupt(finished);
            self.unfinished(sink);
            return self.start(&header, number, finished);
        }
        if let Some(mut failed) = self.failed.take() {
            if !text.trim().is_empty() {
                failed.error = Some(super::sql::one_line(text));
            }
            finished.push(failed);
            return true;
        }
        let Some(open) = self.open.as_mut() else {
            return false;
        };
        open.text.push('\n');
        open.text.push_str(text);
        open.lines += 1;
        if let Some(call) = timing(&open.text) {
            let open = self.open.take().expect("open statement");
            self.close(open, call, finished);
        } else if open.lines >= MAX_LINES {
            self.unfinished(sink);
        }
        true
    }

    fn start(&mut self, header: &Header<'_>, number: u64, finished: &mut Vec<Finished>) -> bool {
        let Some(at) = header.message.find(LOGGER) else {
            return false;
        };
        let message = header.message[at + LOGGER.len()..]
            .trim_start_matches([' ', '-', ':'])
            .to_string();
        let open = Open {
            line: number,
            header: OwnedHeader {
                time: header.time,
                thread: header.thread.map(str::to_string),
            },
            text: message,
            lines: 1,
        };
        match timing(&open.text) {
            Some(call) => self.close(open, call, finished),
            None => self.open = Some(open),
        }
        true
    }

    fn close(&mut self, open: Open, timing: Timing, finished: &mut Vec<Finished>) {
        let body = &open.text[..timing.mark_at];
        let (connection, sql) = match body.split_once(". ") {
            Some((n, sql)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                (Some(n.to_string()), sql)
            }
            _ => (None, body),
        };
        let call = Finished {
            dialect: SpyDialect::Log4jdbc,
            start: Some(open.header.time.add_millis(-timing.elapsed_ms)),
            logged_at: LoggedAt::End,
            line: open.line,
            head: format!(
                "{LOGGER}{}",
                connection
                    .as_deref()
                    .map(|c| format!(" connection {c}"))
                    .unwrap_or_default()
            ),
            thread: open.header.thread,
            connection: connection.map(|c| format!("connection {c}")),
            method: None,
            sql: sql.trim().to_string(),
            latency_ms: Some(timing.elapsed_ms),
            error: timing.failed.then(|| "FAILED".to_string()),
        };
        if timing.failed {
            self.failed = Some(call);
        } else {
            finished.push(call);
        }
    }

    /// A line of another kind: a failed statement waiting for its
    /// exception line goes without it.
    pub(super) fn interrupt(&mut self, finished: &mut Vec<Finished>) {
        if let Some(failed) = self.failed.take() {
            finished.push(failed);
        }
    }

    fn unfinished(&mut self, sink: &mut dyn Sink) {
        if let Some(open) = self.open.take() {
            sink.warning(
                open.line,
                format!(
                    "this {LOGGER} statement has no `{{executed in … msec}}` mark; it is left out"
                ),
            );
        }
    }

    /// Flushes what is open at the end of the file.
    pub(super) fn finish(&mut self, finished: &mut Vec<Finished>, sink: &mut dyn Sink) {
        self.interrupt(finished);
        self.unfinished(sink);
    }
}

/// A statement's timing mark.
struct Timing {
    mark_at: usize,
    elapsed_ms: f64,
    failed: bool,
}

/// The `{executed in T msec}` or `{FAILED after T msec}` ending `text`.
fn timing(text: &str) -> Option<Timing> {
    let text = text.trim_end();
    let body = text.strip_suffix("msec}")?;
    let mark_at = body.rfind('{')?;
    let inside = body[mark_at + 1..].trim();
    let (failed, number) = if let Some(n) = inside.strip_prefix("executed in") {
        (false, n)
    } else {
        (true, inside.strip_prefix("FAILED after")?)
    };
    let elapsed_ms = number.trim().parse::<u64>().ok()? as f64;
    Some(Timing {
        mark_at,
        elapsed_ms,
        failed,
    })
}
