//! `vmstat -t N` (procps): a banner of column groups, a line of column
//! names ending with the time zone the timestamps are in, then one row per
//! sample ending with `yyyy-mm-dd HH:MM:SS`:
//!
//! ```text
//! procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu----- -----timestamp-----
//!  r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st                 UTC
//!  2  0      0 812344  81234 2345678    0    0     1    12  900 1500 12  3 85  0  0 2026-03-12 10:15:22
//! ```
//!
//! Without `-t` the rows carry no time and cannot be placed on the timeline.

use super::{ColumnSlot, column_slot, figure, lend_sample};
use crate::model::{LogTime, SystemSample};
use crate::parse::{Sink, time};
use crate::read::Line;
use chrono::{FixedOffset, NaiveDateTime, TimeZone};

/// Column names vmstat prints (procps 3 and 4, `-a` and `-w` included).
const COLUMNS: [&str; 20] = [
    "r", "b", "swpd", "free", "buff", "cache", "inact", "active", "si", "so", "bi", "bo", "in",
    "cs", "us", "sy", "id", "wa", "st", "gu",
];

/// Tokens of the widest line read: every column vmstat has, its two-part
/// time and a zone, with room to spare. A longer line is no vmstat line.
const MAX_TOKENS: usize = 32;

/// Is this vmstat's first banner line (`procs ---…`)?
pub(super) fn is_banner(text: &str) -> bool {
    text.starts_with("procs ") && text.contains("---")
}

/// The state of a vmstat section: its columns and clock.
pub(super) struct Vmstat {
    /// The banner has a `timestamp` group: rows end with date and time.
    timed: bool,
    /// Where each column of the last header line goes in a sample (`None`
    /// for a column hbdiag does not read).
    columns: Vec<Option<ColumnSlot>>,
    /// Timestamps are UTC (`UTC`/`GMT` in the header); else host-local.
    utc: bool,
    /// The missing-timestamp warning was given.
    warned: bool,
}

impl Vmstat {
    /// A section started by `banner`.
    pub(super) fn new(banner: &str) -> Vmstat {
        Vmstat {
            timed: banner.contains("timestamp"),
            columns: Vec::new(),
            utc: false,
            warned: false,
        }
    }

    /// A repeated banner: the header follows again.
    pub(super) fn banner(&mut self, banner: &str) {
        self.timed = banner.contains("timestamp");
    }

    /// Reads a header or data line.
    pub(super) fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        let mut held = [""; MAX_TOKENS];
        let mut count = 0;
        for token in line.text.split_ascii_whitespace() {
            if count == MAX_TOKENS {
                return sink.unparsed(line);
            }
            held[count] = token;
            count += 1;
        }
        let tokens = &held[..count];
        match tokens.first() {
            None => {}
            Some(&"r") => self.header(tokens, line.number, sink),
            Some(_) => self.row(tokens, line, sink),
        }
    }

    fn header(&mut self, tokens: &[&str], number: u64, sink: &mut dyn Sink) {
        let zone = tokens.last().filter(|t| !COLUMNS.contains(t));
        self.utc = zone.is_some_and(|z| matches!(*z, "UTC" | "GMT" | "Z"));
        let columns = if zone.is_some() {
            &tokens[..tokens.len() - 1]
        } else {
            tokens
        };
        self.columns = columns.iter().map(|c| column_slot(c)).collect();
        if !self.timed && !self.warned {
            self.warned = true;
            sink.warning(
                number,
                "vmstat output without timestamps: its samples cannot be placed in time; collect it with `vmstat -t 5`".into(),
            );
        }
    }

    fn row(&self, tokens: &[&str], line: &Line<'_>, sink: &mut dyn Sink) {
        match self.sample(tokens, line.text) {
            Some((time, sample)) => lend_sample(line, time, sample, sink),
            None => sink.unparsed(line),
        }
    }

    /// The sample of a row whose whitespace-separated `tokens` are slices of
    /// `text`.
    fn sample(&self, tokens: &[&str], text: &str) -> Option<(LogTime, Box<SystemSample>)> {
        if !self.timed || self.columns.is_empty() || tokens.len() != self.columns.len() + 2 {
            return None;
        }
        let (values, stamp) = tokens.split_at(self.columns.len());
        let time = stamp_time(stamp, text)?;
        // Filled where the event will hold it: a sample is large.
        let mut sample = Box::<SystemSample>::default();
        for (slot, token) in self.columns.iter().zip(values) {
            let value = figure(token)?;
            if let Some(slot) = slot {
                *slot(&mut sample) = Some(value);
            }
        }
        Some((self.clock(time), sample))
    }

    fn clock(&self, time: NaiveDateTime) -> LogTime {
        let utc = FixedOffset::east_opt(0).expect("zero offset");
        match utc.from_local_datetime(&time).single() {
            Some(t) if self.utc => LogTime::Zoned(t),
            _ => LogTime::Local(time),
        }
    }
}

/// The time of a row's last two tokens, `2026-03-12 10:15:22`, read where
/// they stand in the row's `text` when one space parts them (as vmstat
/// prints them), else joined.
fn stamp_time(stamp: &[&str], text: &str) -> Option<NaiveDateTime> {
    let [date, clock] = stamp else {
        return None;
    };
    let at = (date.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    let contiguous = text.get(at..)?;
    if contiguous.len() == date.len() + 1 + clock.len()
        && let Some((time, used)) = time::local_datetime_prefix(contiguous)
        && used == contiguous.len()
    {
        return Some(time);
    }
    NaiveDateTime::parse_from_str(&format!("{date} {clock}"), "%Y-%m-%d %H:%M:%S").ok()
}

#[cfg(test)]
mod tests {
    use crate::model::{EventKind, LogTime, SystemSample};
    use crate::parse::metrics::MetricsParser;
    use crate::parse::testing::run;

    const TIMED: &str = "\
procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu----- -----timestamp-----
 r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st                 UTC
 2  0      0 812344  81234 2345678    0    0     1    12  900 1500 12  3 85  0  0 2026-03-12 10:15:22
40  1  10240  10468   2112  98112  812  640   310   920 5210 9800 30 10  0  0 60 2026-03-12 10:15:27
";

    fn sample(kind: &EventKind) -> &SystemSample {
        match kind {
            EventKind::Metrics(s) => s,
            other => panic!("not a metrics event: {other:?}"),
        }
    }

    #[test]
    fn timed_rows_in_utc_are_zoned() {
        let got = run(MetricsParser::new(), TIMED);
        assert_eq!(got.events.len(), 2);
        assert!(got.unparsed.is_empty() && got.warnings.is_empty());
        let starved = &got.events[1];
        assert_eq!(starved.line, 4);
        assert!(
            matches!(starved.time, LogTime::Zoned(t) if t.to_rfc3339() == "2026-03-12T10:15:27+00:00")
        );
        let s = sample(&starved.kind);
        assert_eq!(s.run_queue, Some(40.0));
        assert_eq!(s.cpu_steal, Some(60.0));
        assert_eq!(s.cpu_idle, Some(0.0));
        assert_eq!(s.swap_in, Some(812.0));
        assert_eq!(s.cpus, None);
    }

    #[test]
    fn a_local_zone_name_keeps_local_time_and_new_columns_are_read() {
        let input = "\
procs -----------------------memory---------------------- ---swap-- -----io---- -system-- -------cpu------- -----timestamp-----
 r  b         swpd         free         buff        cache   si   so    bi    bo   in   cs  us  sy  id  wa  st  gu                 CST
 3  0            0     81234412       812344      2345678    0    0     1    12  900 1500  12   3  85   0   0   0 2026-03-12 18:15:22
";
        let got = run(MetricsParser::new(), input);
        assert_eq!(got.events.len(), 1);
        assert!(matches!(got.events[0].time, LogTime::Local(_)));
        assert_eq!(sample(&got.events[0].kind).run_queue, Some(3.0));
    }

    #[test]
    fn repeated_headers_are_skipped() {
        let input = format!(
            "{TIMED}{}",
            TIMED.lines().take(2).collect::<Vec<_>>().join("\n")
        );
        let got = run(MetricsParser::new(), &input);
        assert_eq!(got.events.len(), 2);
        assert!(got.unparsed.is_empty());
    }

    #[test]
    fn untimed_vmstat_warns_once_and_leaves_rows_unparsed() {
        let input = "\
procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----
 r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st
 2  0      0 812344  81234 2345678    0    0     1    12  900 1500 12  3 85  0  0
 1  0      0 812300  81234 2345678    0    0     0     8  880 1470 11  3 86  0  0
";
        let got = run(MetricsParser::new(), input);
        assert!(got.events.is_empty());
        assert_eq!(got.unparsed, vec![3, 4]);
        assert_eq!(got.warnings.len(), 1);
        assert!(
            got.warnings[0].1.contains("vmstat -t"),
            "{:?}",
            got.warnings
        );
    }

    #[test]
    fn a_truncated_row_is_unparsed() {
        let input = format!("{TIMED}40  1  10240  10468   2112\n");
        let got = run(MetricsParser::new(), &input);
        assert_eq!(got.events.len(), 2);
        assert_eq!(got.unparsed, vec![5]);
    }
}
