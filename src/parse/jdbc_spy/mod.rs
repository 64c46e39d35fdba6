//! JDBC spy logs: what a spy (a proxy between the application and its JDBC
//! driver) wrote about each statement. Three dialects, told apart line by
//! line, so a spy's lines inside another log (DataDirect's `log=System.out`
//! in a node's stdout) are read as well as a spy's own file:
//!
//! - DataDirect Spy ([`datadirect`]), the driver Informatica ships: one
//!   `spy>>` line per call, its arguments, then `OK` or an exception;
//! - p6spy's default single-line format ([`p6spy`]);
//! - log4jdbc's `jdbc.sqltiming` logger ([`log4jdbc`]).
//!
//! Each reader pairs a statement with its result and hands over a
//! [`Finished`] call; this module adds how the same statement recurred from
//! the same thread ([`repeat`]) and emits one [`DbCall`] event per call.

mod datadirect;
mod log4jdbc;
mod p6spy;
mod repeat;
mod sql;

use super::{Parser, Sink};
use crate::model::{DbCall, Event, EventKind, Level, LogTime, LoggedAt, SpyDialect};
use crate::read::Line;

pub use datadirect::is_spy_line;
pub use log4jdbc::is_sqltiming_line;
pub use p6spy::is_p6spy_line;

/// A call a dialect's reader saw end, before it becomes an event.
#[derive(Debug)]
struct Finished {
    dialect: SpyDialect,
    /// When the call started; `None` when the spy wrote no time.
    start: Option<LogTime>,
    /// Which end of the call `line` marks.
    logged_at: LoggedAt,
    /// The line cited as evidence.
    line: u64,
    /// How the call's own line names it (`PreparedStatement[3].executeUpdate()`).
    head: String,
    thread: Option<String>,
    connection: Option<String>,
    method: Option<String>,
    sql: String,
    latency_ms: Option<f64>,
    error: Option<String>,
}

/// Reads JDBC spy logs of any of the three dialects.
#[derive(Default)]
pub struct JdbcSpyParser {
    datadirect: datadirect::Reader,
    log4jdbc: log4jdbc::Reader,
    repeats: repeat::Tracker,
    /// Whether the calls without a time were warned about.
    warned_untimed: bool,
    finished: Vec<Finished>,
}

impl JdbcSpyParser {
    /// A parser at the start of a file.
    pub fn new() -> JdbcSpyParser {
        JdbcSpyParser::default()
    }

    fn flush(&mut self, sink: &mut dyn Sink) {
        for call in std::mem::take(&mut self.finished) {
            self.emit(call, sink);
        }
    }

    fn emit(&mut self, call: Finished, sink: &mut dyn Sink) {
        let Some(start) = call.start else {
            if !self.warned_untimed {
                self.warned_untimed = true;
                sink.warning(
                    call.line,
                    "this JDBC spy log has no times, so its statements cannot be placed on the timeline nor timed; for DataDirect Spy add timestamp=yes;logTName=yes to SpyAttributes".into(),
                );
            }
            return;
        };
        let sql_text = sql::one_line(&call.sql);
        let verb = sql::verb(&sql_text).or_else(|| call.method.as_deref().and_then(verb_of_method));
        let thread_key = call.thread.as_deref().or(call.connection.as_deref());
        let end = call.latency_ms.map(|ms| start.add_millis(ms));
        let repeat = self
            .repeats
            .seen(thread_key, &sql::shape(&sql_text), start, end);
        let db_call = DbCall {
            dialect: call.dialect,
            thread: call.thread,
            connection: call.connection,
            method: call.method,
            table: sql::table(&sql_text),
            verb,
            sql: sql_text,
            latency_ms: call.latency_ms,
            logged_at: call.logged_at,
            error: call.error,
            repeat,
        };
        sink.event(Event {
            line: call.line,
            time: start,
            level: Some(if db_call.error.is_some() {
                Level::Error
            } else {
                Level::Info
            }),
            text: super::evidence_text(&describe(&call.head, &db_call)),
            host: None,
            kind: EventKind::DbCall(Box::new(db_call)),
        });
    }
}

impl Parser for JdbcSpyParser {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        let text = line.text.trim_end();
        if let Some(spy) = datadirect::split(text) {
            self.log4jdbc.interrupt(&mut self.finished);
            self.datadirect
                .line(&spy, line.number, &mut self.finished, sink);
        } else if let Some(call) = p6spy::parse(text, line.number) {
            self.log4jdbc.interrupt(&mut self.finished);
            self.datadirect.interrupt();
            self.finished.push(call);
        } else if !self
            .log4jdbc
            .line(text, line.number, &mut self.finished, sink)
        {
            self.datadirect.continuation(text);
        }
        self.flush(sink);
    }

    fn finish(&mut self, sink: &mut dyn Sink) {
        self.log4jdbc.finish(&mut self.finished, sink);
        self.datadirect.finish(sink);
        self.flush(sink);
    }
}

/// `COMMIT`, `ROLLBACK` for the calls that are no statement.
fn verb_of_method(method: &str) -> Option<String> {
    matches!(method, "commit" | "rollback").then(|| method.to_ascii_uppercase())
}

/// The event's evidence text: the call, its outcome and latency, its SQL.
fn describe(head: &str, call: &DbCall) -> String {
    let outcome = match &call.error {
        Some(error) => format!("failed: {error}"),
        None => "OK".to_string(),
    };
    let latency = call
        .latency_ms
        .map(|ms| format!(" after {:.3} s", ms / 1000.0))
        .unwrap_or_default();
    let thread = call
        .thread
        .as_deref()
        .map(|t| format!(" [{t}]"))
        .unwrap_or_default();
    let sql = if call.sql.is_empty() {
        String::new()
    } else {
        format!(": {}", call.sql)
    };
    format!("{head}{thread} {outcome}{latency}{sql}")
}

#[cfg(test)]
mod tests;
