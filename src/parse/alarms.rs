//! FusionInsight Manager alarm exports (CSV, or the TXT export separated by
//! tabs or `|`) and northbound syslog alarm lines. The header line names the
//! columns, in English (the documentation spells one `Alam Name`) or
//! Chinese, in any order, with a possible UTF-8 BOM; missing columns are
//! left empty. Each row raises its alarm at the Generated time and, unless
//! Cleared is `--`, clears it at the Cleared time. Rows without a usable id
//! or Generated time are reported as warnings and skipped.

mod columns;
mod delimited;
mod syslog;

use super::time::local_datetime_prefix;
use super::{Parser, Sink, evidence_text};
use crate::model::{Alarm, AlarmState, Event, EventKind, Level, LogTime};
use crate::read::Line;
use chrono::{DateTime, FixedOffset};
use columns::{Columns, Field};
use delimited::{Assembler, Record, Step};
use std::borrow::Cow;

/// Warning for a row whose quoted field never closes.
const UNTERMINATED: &str = "alarm row has an unterminated quoted field; row skipped";

/// Parser for alarm exports and northbound syslog alarms.
#[derive(Default)]
pub struct AlarmParser {
    table: Option<Table>,
}

/// The export being read: its layout and the row being assembled.
struct Table {
    columns: Columns,
    rows: Assembler,
}

impl AlarmParser {
    /// A parser that has not yet seen a header.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Parser for AlarmParser {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        let text = line.text.strip_prefix('\u{feff}').unwrap_or(line.text);
        if let Some(table) = self
            .table
            .as_mut()
            .filter(|t| t.rows.open_since().is_some())
        {
            table.push(line, text, sink);
            return;
        }
        if text.trim().is_empty() || is_rule(text) {
            return;
        }
        if let Some(fields) = syslog::Fields::parse(text) {
            syslog_events(&fields, line, sink);
        } else if let Some(columns) = Columns::detect(text) {
            let rows = Assembler::new(columns.delimiter);
            self.table = Some(Table { columns, rows });
        } else if let Some(table) = self.table.as_mut() {
            table.push(line, text, sink);
        } else {
            sink.unparsed(line);
        }
    }

    fn finish(&mut self, sink: &mut dyn Sink) {
        if let Some(began) = self.table.as_ref().and_then(|t| t.rows.open_since()) {
            sink.warning(began, UNTERMINATED.to_string());
        }
    }
}

impl Table {
    fn push(&mut self, line: &Line<'_>, text: &str, sink: &mut dyn Sink) {
        match self.rows.push(line, text) {
            Step::Complete(record) => row_events(&self.columns, &record, sink),
            Step::Pending => {}
            Step::Overflow(began) => sink.warning(began, UNTERMINATED.to_string()),
        }
    }
}

/// Ruler lines of TXT exports drawn as tables: `-----+-----`, `=====`.
fn is_rule(text: &str) -> bool {
    text.contains(['-', '='])
        && text
            .chars()
            .all(|c| matches!(c, '-' | '+' | '=' | '|') || c.is_whitespace())
}

/// Where an alarm record was written, for its events.
struct Origin {
    line: u64,
    text: String,
}

/// The alarm of one export row with the host it names.
struct Located {
    alarm: Alarm,
    host: Option<String>,
}

fn row_events(columns: &Columns, record: &Record, sink: &mut dyn Sink) {
    let get = |field| columns.get(&record.fields, field);
    let Some(id) = get(Field::Id).and_then(alarm_id) else {
        let found = get(Field::Id).unwrap_or("");
        let message = format!("alarm row has no usable alarm id ({found:?}); row skipped");
        sink.warning(record.line, message);
        return;
    };
    let Some(raised) = required_time(get(Field::Generated), "Generated", record.line, sink) else {
        return;
    };
    let cleared = optional_time(get(Field::Cleared), "Cleared", record.line, sink);
    let mut located = Located {
        alarm: Alarm {
            id,
            name: get(Field::Name).unwrap_or_default().to_string(),
            severity: get(Field::Severity).map(severity_name),
            serial: get(Field::Serial).map(String::from),
            service: get(Field::Service).map(String::from),
            role: get(Field::Role).map(String::from),
            cause: get(Field::Cause).map(String::from),
            additional_info: get(Field::AdditionalInfo).map(String::from),
            state: None,
        },
        host: get(Field::Host).map(String::from),
    };
    if let Some(location) = get(Field::Location) {
        located.apply_location(location);
    }
    let origin = Origin {
        line: record.line,
        text: evidence_text(&record.first_text),
    };
    emit(sink, &origin, &located, raised, Some(AlarmState::Raised));
    if let Some(cleared) = cleared {
        emit(sink, &origin, &located, cleared, Some(AlarmState::Cleared));
    }
}

/// The events of one northbound syslog alarm: category 0 raises (and
/// clears, when a clear time is given), 1 clears, 2 is a one-off event.
fn syslog_events(fields: &syslog::Fields<'_>, line: &Line<'_>, sink: &mut dyn Sink) {
    let Some(id) = fields.get("id").and_then(alarm_id) else {
        let found = fields.get("id").unwrap_or("");
        let message = format!("syslog alarm has no usable alarm id ({found:?}); line skipped");
        sink.warning(line.number, message);
        return;
    };
    let occurred = optional_time(fields.get("occurTime"), "occurTime", line.number, sink);
    let cleared = optional_time(fields.get("clearTime"), "clearTime", line.number, sink);
    let mut located = Located {
        alarm: Alarm {
            id,
            name: fields.get("name").unwrap_or_default().to_string(),
            severity: fields.get("level").map(severity_name),
            serial: fields.get("serialNo").map(String::from),
            cause: fields.get("cause").map(String::from),
            additional_info: fields.get("additionalInfo").map(String::from),
            ..Alarm::default()
        },
        host: None,
    };
    if let Some(location) = fields.get("locationInfo") {
        located.apply_location(location);
    }
    let origin = Origin {
        line: line.number,
        text: evidence_text(line.text),
    };
    let planned = match fields.get("category").unwrap_or("0") {
        "1" => vec![(cleared.or(occurred), Some(AlarmState::Cleared))],
        "2" => vec![(occurred, None)],
        _ => vec![
            (occurred, Some(AlarmState::Raised)),
            (cleared, Some(AlarmState::Cleared)),
        ],
    };
    let mut emitted = false;
    for (time, state) in planned {
        if let Some(time) = time {
            emit(sink, &origin, &located, time, state);
            emitted = true;
        }
    }
    if !emitted {
        let message = "syslog alarm has no usable time; line skipped".to_string();
        sink.warning(line.number, message);
    }
}

impl Located {
    /// Fills host, service and role from a `Location` such as
    /// `Source=MRS-cluster;ServiceName=Flink;RoleName=FlinkServer;HostName=mrs-master2`;
    /// columns of their own take precedence.
    fn apply_location(&mut self, location: &str) {
        for (key, value) in location.split([';', ',']).filter_map(|p| p.split_once('=')) {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let slot = match Field::from_name(key) {
                Some(Field::Host) => &mut self.host,
                Some(Field::Service) => &mut self.alarm.service,
                Some(Field::Role) => &mut self.alarm.role,
                _ => continue,
            };
            slot.get_or_insert_with(|| value.to_string());
        }
    }
}

fn emit(
    sink: &mut dyn Sink,
    origin: &Origin,
    located: &Located,
    time: LogTime,
    state: Option<AlarmState>,
) {
    let alarm = Alarm {
        state,
        ..located.alarm.clone()
    };
    sink.event(Event {
        line: origin.line,
        time,
        level: level_for(&alarm),
        text: origin.text.clone(),
        host: located.host.clone(),
        kind: EventKind::Alarm(Box::new(alarm)),
    });
}

/// Severity as a log level, so alarms sort with log records; a clear is
/// informational.
fn level_for(alarm: &Alarm) -> Option<Level> {
    if alarm.state == Some(AlarmState::Cleared) {
        return Some(Level::Info);
    }
    match alarm.severity.as_deref()? {
        "Critical" => Some(Level::Fatal),
        "Major" => Some(Level::Error),
        "Minor" | "Warning" => Some(Level::Warn),
        "Suggestion" => Some(Level::Info),
        _ => None,
    }
}

/// Severity names in English whatever the console language or the syslog
/// `level` number (1 critical … 4 warning); unknown names stay as written.
fn severity_name(raw: &str) -> String {
    let name = match raw.trim().to_lowercase().as_str() {
        "1" | "critical" | "紧急" => "Critical",
        "2" | "major" | "重要" => "Major",
        "3" | "minor" | "次要" => "Minor",
        "4" | "warning" | "警告" => "Warning",
        "suggestion" | "提示" => "Suggestion",
        _ => return raw.trim().to_string(),
    };
    name.to_string()
}

/// `45640` from `ALM-45640`, `alm_45640` or `45640`.
fn alarm_id(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let digits = match raw.get(..4) {
        Some(prefix)
            if prefix.eq_ignore_ascii_case("alm-") || prefix.eq_ignore_ascii_case("alm_") =>
        {
            &raw[4..]
        }
        _ => raw,
    };
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.to_string())
}

/// A time that must be present: warns and gives `None` when it is missing
/// or unreadable.
fn required_time(
    cell: Option<&str>,
    column: &str,
    line: u64,
    sink: &mut dyn Sink,
) -> Option<LogTime> {
    let Some(cell) = cell else {
        sink.warning(line, format!("alarm row has no {column} time; row skipped"));
        return None;
    };
    let time = alarm_time(cell);
    if time.is_none() {
        let message = format!("unparsable {column} time {cell:?}; row skipped");
        sink.warning(line, message);
    }
    time
}

/// A time that may be absent (`--`, `-` or empty); warns when it is present
/// but unreadable.
fn optional_time(
    cell: Option<&str>,
    column: &str,
    line: u64,
    sink: &mut dyn Sink,
) -> Option<LogTime> {
    let cell = cell.filter(|c| !matches!(*c, "--" | "-"))?;
    let time = alarm_time(cell);
    if time.is_none() {
        sink.warning(line, format!("unparsable {column} time {cell:?}"));
    }
    time
}

/// `yyyy-MM-dd HH:mm:ss` (or with `/`), optionally followed by an offset
/// such as `GMT+08:00`, `UTC+0800` or `+08:00`; or epoch seconds or
/// milliseconds as syslog may send.
fn alarm_time(text: &str) -> Option<LogTime> {
    let text = text.trim();
    if let Some(time) = epoch_time(text) {
        return Some(time);
    }
    let text = slashes_to_dashes(text);
    let (local, used) = local_datetime_prefix(&text)?;
    let rest = text.get(used..)?.trim();
    if rest.is_empty() {
        return Some(LogTime::Local(local));
    }
    let offset = utc_offset(rest)?;
    let zoned = local.and_local_timezone(offset).single()?;
    Some(LogTime::Zoned(zoned))
}

fn slashes_to_dashes(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    if b.len() > 7 && b[4] == b'/' && b[7] == b'/' {
        Cow::Owned(text.replacen('/', "-", 2))
    } else {
        Cow::Borrowed(text)
    }
}

fn epoch_time(text: &str) -> Option<LogTime> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number: i64 = text.parse().ok()?;
    let utc = match text.len() {
        13 => DateTime::from_timestamp_millis(number)?,
        10 => DateTime::from_timestamp(number, 0)?,
        _ => return None,
    };
    Some(LogTime::Zoned(utc.fixed_offset()))
}

/// `GMT+08:00`, `UTC+0800`, `GMT+8`, `+08:00`, `GMT` → the offset.
fn utc_offset(text: &str) -> Option<FixedOffset> {
    let upper = text.to_ascii_uppercase();
    let signed = upper
        .strip_prefix("GMT")
        .or_else(|| upper.strip_prefix("UTC"))
        .unwrap_or(&upper)
        .trim();
    if signed.is_empty() {
        return FixedOffset::east_opt(0);
    }
    let (sign, digits) = match signed.split_at_checked(1)? {
        ("+", rest) => (1, rest),
        ("-", rest) => (-1, rest),
        _ => return None,
    };
    let (hours, minutes) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 => digits.split_at_checked(2)?,
        None => (digits, "0"),
    };
    let hours: i32 = hours.parse().ok()?;
    let minutes: i32 = minutes.parse().ok()?;
    if hours > 14 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests;
