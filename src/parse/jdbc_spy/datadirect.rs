//! DataDirect Spy, as the vendor's "DataDirect Spy Log Example" shows it:
//! each JDBC call is a line `spy>> Object[N].method(Type name, …)`, one
//! `spy>> name = value` line per argument, then `spy>> OK (result)` — or
//! `spy>> OK` with the value on the lines below — or the exception the call
//! threw. `PreparedStatement[N]` in a `prepareStatement` result names the
//! statement its later `executeUpdate()` runs.
//!
//! `timestamp=yes` adds a time and `logTName=yes` the thread's name before
//! `>>`; the vendor does not show their layout, so any group in parentheses
//! or brackets between `spy` and `>>` is read as a time when it parses as
//! one (`yyyy-MM-dd HH:mm:ss[.SSS]`, or Java's `Date.toString()`), else as
//! the thread. Text before `spy` (a log4j header, when the spy wrote to
//! `System.out`) gives the time when the spy line has none.

use super::Finished;
use crate::model::{LogTime, LoggedAt, SpyDialect};
use crate::parse::Sink;
use crate::parse::time::local_datetime_prefix;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use std::collections::HashMap;

/// Threads with a call open at once: more is not a spy log.
const MAX_OPEN_CALLS: usize = 1024;

/// Prepared statements remembered (opened and not yet closed).
const MAX_STATEMENTS: usize = 10_000;

/// Longest SQL argument kept while reading it (its lines joined).
const MAX_SQL_BYTES: usize = 8192;

/// A line of the spy, split.
pub(super) struct SpyLine<'a> {
    time: Option<LogTime>,
    thread: Option<&'a str>,
    body: &'a str,
}

/// Whether a line is a DataDirect Spy line: `spy>>`, with or without its
/// time and thread, anywhere in the line.
pub fn is_spy_line(text: &str) -> bool {
    split(text).is_some()
}

/// The line's time, thread and the text after `>>`; `None` for other lines.
pub(super) fn split(text: &str) -> Option<SpyLine<'_>> {
    let mut from = 0;
    while let Some(found) = text[from..].find("spy") {
        let at = from + found;
        if let Some(line) = split_at(text, at) {
            return Some(line);
        }
        from = at + 3;
    }
    None
}

fn split_at(text: &str, at: usize) -> Option<SpyLine<'_>> {
    let mut rest = &text[at + 3..];
    let mut time = None;
    let mut thread = None;
    loop {
        rest = rest.trim_start_matches(' ');
        let close = match rest.as_bytes().first()? {
            b'(' => ')',
            b'[' => ']',
            b'>' => break,
            _ => return None,
        };
        let end = rest.find(close)?;
        let group = &rest[1..end];
        match group_time(group) {
            Some(t) if time.is_none() => time = Some(t),
            _ => thread = Some(group.trim()),
        }
        rest = &rest[end + 1..];
    }
    let body = rest.strip_prefix(">>")?;
    let time = time.or_else(|| local_datetime_prefix(&text[..at]).map(|(t, _)| LogTime::Local(t)));
    Some(SpyLine {
        time,
        thread,
        body: body.trim(),
    })
}

/// A group's text read as a time, when it is one.
fn group_time(group: &str) -> Option<LogTime> {
    let group = group.trim();
    if let Some((time, used)) = local_datetime_prefix(group)
        && used == group.len()
    {
        return Some(LogTime::Local(time));
    }
    java_date(group)
}

/// `EEE MMM dd HH:mm:ss zzz yyyy`, as `java.util.Date.toString()` prints:
/// a UTC or GMT zone gives a zoned time, any other name a local one.
fn java_date(text: &str) -> Option<LogTime> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let [_, month, day, clock, zone, year] = words.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m == month)? as u32 + 1;
    let date = NaiveDate::from_ymd_opt(year.parse().ok()?, month, day.parse().ok()?)?;
    let clock = NaiveTime::parse_from_str(clock, "%H:%M:%S").ok()?;
    let local = NaiveDateTime::new(date, clock);
    Some(match *zone {
        "UTC" | "GMT" => LogTime::Zoned(DateTime::from_naive_utc_and_offset(
            local,
            chrono::FixedOffset::east_opt(0)?,
        )),
        _ => LogTime::Local(local),
    })
}

/// A call that has started and not yet returned.
struct OpenCall {
    object: String,
    method: String,
    head: String,
    line: u64,
    time: Option<LogTime>,
    sql: Option<String>,
}

impl OpenCall {
    fn runs_sql(&self) -> bool {
        self.method.starts_with("execute")
    }
}

/// Pairs each thread's calls with their results. Without thread names
/// (`logTName=no`) the calls of concurrent threads interleave: a result
/// then goes to the latest call still open, as a short call of one thread
/// inside another's long one is written.
#[derive(Default)]
pub(super) struct Reader {
    /// The open call of each named thread.
    open: HashMap<String, OpenCall>,
    /// The open calls when the spy names no thread, latest last.
    unnamed: Vec<OpenCall>,
    /// The SQL of each prepared statement, by its name (`PreparedStatement[3]`).
    statements: HashMap<String, String>,
    /// The thread whose `sql = …` argument the next plain lines continue.
    continuing_sql: Option<String>,
    /// Whether the limits were warned about.
    warned_full: bool,
}

impl Reader {
    pub(super) fn line(
        &mut self,
        spy: &SpyLine<'_>,
        number: u64,
        finished: &mut Vec<Finished>,
        sink: &mut dyn Sink,
    ) {
        self.continuing_sql = None;
        let key = spy.thread;
        let body = spy.body;
        if let Some((object, method)) = call(body) {
            self.start(key, object, method, spy, number, sink);
        } else if let Some(result) = body.strip_prefix("OK") {
            let result = result.trim();
            let result = result
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .unwrap_or(result);
            self.end(key, spy, None, result, finished);
        } else if let Some(error) = exception(body) {
            self.end(key, spy, Some(error), "", finished);
        } else if let Some((name, value)) = body.split_once(" = ")
            && name.trim() == "sql"
            && let Some(open) = self.open_mut(key)
        {
            open.sql = Some(bounded(value.to_string()));
            self.continuing_sql = Some(key.unwrap_or_default().to_string());
        }
    }

    fn open_mut(&mut self, key: Option<&str>) -> Option<&mut OpenCall> {
        match key {
            Some(thread) => self.open.get_mut(thread),
            None => self.unnamed.last_mut(),
        }
    }

    fn take_open(&mut self, key: Option<&str>) -> Option<OpenCall> {
        match key {
            Some(thread) => self.open.remove(thread),
            None => self.unnamed.pop(),
        }
    }

    fn start(
        &mut self,
        key: Option<&str>,
        object: &str,
        method: &str,
        spy: &SpyLine<'_>,
        number: u64,
        sink: &mut dyn Sink,
    ) {
        let previous = match key {
            Some(thread) => self.open.remove(thread),
            None => self
                .unnamed
                .iter()
                .position(|call| call.object == object)
                .map(|i| self.unnamed.remove(i)),
        };
        if let Some(previous) = previous
            && previous.runs_sql()
        {
            sink.warning(
                previous.line,
                format!(
                    "`{}` has no result before the next call of its thread; it is left out",
                    previous.head
                ),
            );
        }
        if self.open.len() + self.unnamed.len() >= MAX_OPEN_CALLS {
            self.warn_full(number, sink);
            return;
        }
        let call = OpenCall {
            object: object.to_string(),
            method: method.to_string(),
            head: super::sql::one_line(spy.body),
            line: number,
            time: spy.time,
            sql: None,
        };
        match key {
            Some(thread) => {
                self.open.insert(thread.to_string(), call);
            }
            None => self.unnamed.push(call),
        }
    }

    fn end(
        &mut self,
        key: Option<&str>,
        spy: &SpyLine<'_>,
        error: Option<String>,
        result: &str,
        finished: &mut Vec<Finished>,
    ) {
        let Some(open) = self.take_open(key) else {
            return;
        };
        if open.method.starts_with("prepare") && error.is_none() && is_object(result) {
            if self.statements.len() < MAX_STATEMENTS {
                self.statements
                    .insert(result.to_string(), open.sql.clone().unwrap_or_default());
            }
            return;
        }
        if open.method == "close" {
            self.statements.remove(&open.object);
            return;
        }
        if !open.runs_sql() && !matches!(open.method.as_str(), "commit" | "rollback") {
            return;
        }
        let sql = open
            .sql
            .or_else(|| self.statements.get(&open.object).cloned())
            .unwrap_or_default();
        let latency_ms = open
            .time
            .zip(spy.time)
            .and_then(|(start, end)| end.millis_since(start));
        let connection = open
            .object
            .starts_with("Connection")
            .then(|| open.object.clone());
        finished.push(Finished {
            dialect: SpyDialect::DataDirect,
            start: open.time,
            logged_at: LoggedAt::Start,
            line: open.line,
            head: open.head,
            thread: spy.thread.map(str::to_string),
            connection,
            method: Some(open.method),
            sql,
            latency_ms,
            error,
        });
    }

    /// A line without `spy>>`: the rest of a multi-line SQL argument, or of
    /// a result value (not kept).
    pub(super) fn continuation(&mut self, text: &str) {
        let Some(key) = self.continuing_sql.clone() else {
            return;
        };
        let key = (!key.is_empty()).then_some(key.as_str());
        if let Some(open) = self.open_mut(key)
            && let Some(sql) = open.sql.as_mut()
            && sql.len() < MAX_SQL_BYTES
        {
            sql.push('\n');
            sql.push_str(text);
        }
    }

    /// A line of another dialect: no SQL argument goes on across it.
    pub(super) fn interrupt(&mut self) {
        self.continuing_sql = None;
    }

    /// Warns about statements still running when the file ends.
    pub(super) fn finish(&mut self, sink: &mut dyn Sink) {
        let mut unfinished: Vec<OpenCall> = self
            .open
            .drain()
            .map(|(_, call)| call)
            .chain(self.unnamed.drain(..))
            .filter(OpenCall::runs_sql)
            .collect();
        unfinished.sort_by_key(|call| call.line);
        for call in unfinished {
            sink.warning(
                call.line,
                format!(
                    "`{}` has no result at the end of the file: it was still running when the log ended (or the process stopped); it is left out",
                    call.head
                ),
            );
        }
    }

    fn warn_full(&mut self, line: u64, sink: &mut dyn Sink) {
        if !self.warned_full {
            self.warned_full = true;
            sink.warning(
                line,
                format!("more than {MAX_OPEN_CALLS} threads have a JDBC call open at once; the calls of further threads are not read"),
            );
        }
    }
}

/// `Object[N].method(…)` (or `Driver.connect(…)`): the object and method.
fn call(body: &str) -> Option<(&str, &str)> {
    let open = body.find('(')?;
    if !body.ends_with(')') {
        return None;
    }
    let (object, method) = body[..open].rsplit_once('.')?;
    let named = match object.split_once('[') {
        Some(_) => is_object(object),
        None => is_identifier(object),
    };
    (named && is_identifier(method)).then_some((object, method))
}

/// `PreparedStatement[3]`: the name the spy gives a JDBC object.
fn is_object(text: &str) -> bool {
    text.strip_suffix(']')
        .and_then(|t| t.split_once('['))
        .is_some_and(|(name, index)| {
            is_identifier(name) && !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit())
        })
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The message of an exception line: `*** java.sql.SQLException: …`, or
/// the exception without the stars.
fn exception(body: &str) -> Option<String> {
    if let Some(rest) = body.strip_prefix("***") {
        return Some(rest.trim().to_string());
    }
    let name = body.split(':').next()?;
    let is_exception =
        !name.contains(' ') && (name.ends_with("Exception") || name.ends_with("Error"));
    is_exception.then(|| body.to_string())
}

fn bounded(mut sql: String) -> String {
    if sql.len() > MAX_SQL_BYTES {
        let mut end = MAX_SQL_BYTES;
        while !sql.is_char_boundary(end) {
            end -= 1;
        }
        sql.truncate(end);
    }
    sql
}
