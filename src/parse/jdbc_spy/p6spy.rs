//! p6spy's default `SingleLineFormat`, one line per statement written when
//! it ends: `now|elapsed|category|connection N|url U|prepared|sql` (p6spy 3;
//! older versions have no url field). `now` is epoch milliseconds unless
//! `dateformat` is set (then a `yyyy-MM-dd HH:mm:ss` time is read as local);
//! categories that are statements: statement, batch, commit, rollback,
//! error, outage.

use super::Finished;
use crate::model::{LogTime, LoggedAt, SpyDialect};
use crate::parse::time::local_datetime_prefix;
use chrono::DateTime;

/// Whether a line is a p6spy statement line.
pub fn is_p6spy_line(text: &str) -> bool {
    parse(text, 0).is_some()
}

/// The call a p6spy line tells, `None` for other lines and for categories
/// that are no statement (`result`, `resultset`, `info`, `debug`).
pub(super) fn parse(text: &str, number: u64) -> Option<Finished> {
    let mut fields = text.splitn(5, '|');
    let now = fields.next()?;
    let elapsed = fields.next()?.trim().parse::<u64>().ok()? as f64;
    let category = fields.next()?.trim();
    let connection = fields.next()?.trim();
    let rest = fields.next().unwrap_or_default();
    let id = connection.strip_prefix("connection")?.trim();
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !matches!(
        category,
        "statement" | "batch" | "commit" | "rollback" | "error" | "outage"
    ) {
        return None;
    }
    let end = time(now.trim())?;
    let rest = match rest.strip_prefix("url ") {
        Some(with_url) => with_url.split_once('|').map_or("", |(_, r)| r),
        None => rest,
    };
    let (prepared, sql) = rest.split_once('|').unwrap_or((rest, ""));
    let sql = if sql.trim().is_empty() { prepared } else { sql };
    Some(Finished {
        dialect: SpyDialect::P6Spy,
        start: Some(end.add_millis(-elapsed)),
        logged_at: LoggedAt::End,
        line: number,
        head: format!("{category} on connection {id}"),
        thread: None,
        connection: Some(format!("connection {id}")),
        method: matches!(category, "commit" | "rollback").then(|| category.to_string()),
        sql: sql.trim().to_string(),
        latency_ms: Some(elapsed),
        error: (category == "error")
            .then(|| "the statement failed (p6spy category error)".to_string()),
    })
}

/// `now`: epoch milliseconds, or a `dateformat` time.
fn time(now: &str) -> Option<LogTime> {
    if now.len() >= 12 && now.bytes().all(|b| b.is_ascii_digit()) {
        let ms: i64 = now.parse().ok()?;
        return DateTime::from_timestamp_millis(ms).map(|t| LogTime::Zoned(t.fixed_offset()));
    }
    let (time, used) = local_datetime_prefix(now)?;
    (used == now.len()).then_some(LogTime::Local(time))
}
