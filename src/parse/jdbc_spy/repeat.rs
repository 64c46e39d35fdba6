//! How a statement recurs: the same text from the same thread (or
//! connection), with the time since its previous run. A DB heartbeat is the
//! same UPDATE every refresh interval, which this shows whatever the thread
//! is called.

use crate::model::{LogTime, Repeat};
use std::collections::HashMap;

/// Statements followed per file: beyond, new statements get no repeat
/// figures (a log of ad-hoc SQL with literals has a new text per call).
const MAX_TRACKED: usize = 4096;

/// The previous run of each statement seen.
#[derive(Default)]
pub(super) struct Tracker {
    last: HashMap<(String, String), Previous>,
}

struct Previous {
    runs: u32,
    start: LogTime,
    /// Its end, when its latency was known.
    end: Option<LogTime>,
}

impl Tracker {
    /// Notes a run of `sql` from `thread` that started at `start` (and
    /// ended at `end`), and says how it followed the previous one.
    pub(super) fn seen(
        &mut self,
        thread: Option<&str>,
        sql: &str,
        start: LogTime,
        end: Option<LogTime>,
    ) -> Option<Repeat> {
        let key = (thread.unwrap_or_default().to_string(), sql.to_string());
        let full = self.last.len() >= MAX_TRACKED;
        let this = Previous {
            runs: 1,
            start,
            end,
        };
        match self.last.get_mut(&key) {
            Some(previous) => {
                let repeat = Repeat {
                    before: previous.runs,
                    period_ms: start.millis_since(previous.start)?,
                    gap_ms: start.millis_since(previous.end.unwrap_or(previous.start))?,
                };
                *previous = Previous {
                    runs: previous.runs.saturating_add(1),
                    ..this
                };
                Some(repeat)
            }
            None => {
                if !full {
                    self.last.insert(key, this);
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(s: u32) -> LogTime {
        let day = NaiveDate::from_ymd_opt(2026, 3, 12).unwrap();
        LogTime::Local(day.and_hms_opt(10, 0, s).unwrap())
    }

    #[test]
    fn gap_and_period_from_the_same_thread_only() {
        let mut t = Tracker::default();
        assert_eq!(t.seen(Some("hb"), "UPDATE T", at(0), Some(at(1))), None);
        assert_eq!(t.seen(Some("other"), "UPDATE T", at(2), None), None);
        let r = t.seen(Some("hb"), "UPDATE T", at(9), Some(at(12))).unwrap();
        assert_eq!((r.before, r.gap_ms, r.period_ms), (1, 8000.0, 9000.0));
        let r = t.seen(Some("hb"), "UPDATE T", at(20), None).unwrap();
        assert_eq!((r.before, r.gap_ms, r.period_ms), (2, 8000.0, 11000.0));
    }
}
