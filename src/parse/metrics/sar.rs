//! `sar` text (sysstat), one report or all of `sar -A`. The banner gives
//! the date and the CPU count; each section has a header of column names
//! after a time, then rows with 12-hour (`10:15:01 AM`) or 24-hour times.
//! Rows of a device section (`sar -d`'s `DEV`, `sar -n DEV`/`EDEV`'s
//! `IFACE`) are samples of that device; the figures hbdiag reads are in
//! [`assign`](super::assign), the others are passed over:
//!
//! ```text
//! Linux 5.15.0-91-generic (infagw01)  03/12/2026  _x86_64_  (8 CPU)
//!
//! 10:15:01 AM     CPU     %user     %nice   %system   %iowait    %steal     %idle
//! 10:20:01 AM     all     12.30      0.00      3.10      0.50      0.00     84.10
//! 10:15:01 AM   runq-sz  plist-sz   ldavg-1   ldavg-5  ldavg-15   blocked
//! 10:20:01 AM         2       512      1.20      1.05      0.98         0
//! Average:        all     12.30      0.00      3.10      0.50      0.00     84.10
//! ```
//!
//! `Average:` and `Summary:` rows, per-CPU rows (`sar -P ALL`) and `LINUX
//! RESTART` marks carry no sample and are skipped. Each section of `sar -A`
//! starts again at the first time of the file.

use super::{assign, figure, lend_sample};
use crate::model::{LogTime, SystemSample};
use crate::parse::Sink;
use crate::read::Line;
use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};
use regex::Regex;
use std::sync::LazyLock;

/// `Linux <kernel> (<host>) <date> [<arch>] (<n> CPU)`.
static BANNER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^Linux \S+ \([^)]*\)\s+(?P<date>\S+)(?:\s+_\w+_)?\s+\((?P<cpus>\d+) CPU\)")
        .expect("valid regex")
});

/// A later row this much earlier than the previous one has crossed midnight.
const MIDNIGHT_ROLLBACK_HOURS: i64 = 12;

/// The state of a sar report: its day, CPU count and current columns.
pub(super) struct Sar {
    date: Option<NaiveDate>,
    cpus: f64,
    /// Column names of the current section (after the time).
    columns: Vec<String>,
    /// The previous row's time, to notice midnight.
    last: Option<NaiveDateTime>,
}

impl Sar {
    /// A report started by a banner line, or `None` if `text` is not one.
    pub(super) fn from_banner(text: &str) -> Option<Sar> {
        if !text.starts_with("Linux ") {
            return None;
        }
        let caps = BANNER.captures(text)?;
        Some(Sar {
            date: banner_date(&caps["date"]),
            cpus: caps["cpus"].parse().ok()?,
            columns: Vec::new(),
            last: None,
        })
    }

    /// The CPU count of the banner.
    pub(super) fn cpus(&self) -> f64 {
        self.cpus
    }

    /// Reads a header, data or skipped line.
    pub(super) fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        let text = line.text.trim();
        if text.is_empty()
            || text.starts_with("Average:")
            || text.starts_with("Summary:")
            || text.contains("LINUX RESTART")
        {
            return;
        }
        let Some((time, rest)) = clock_prefix(text) else {
            sink.unparsed(line);
            return;
        };
        if !rest.is_empty() && rest.iter().all(|t| figure(t).is_none()) {
            self.columns = rest.iter().map(|c| c.to_string()).collect();
            self.last = None;
            self.place(time);
            return;
        }
        match self.sample(&rest) {
            Row::Sample(sample) => match self.place(time) {
                Some(at) => lend_sample(line, LogTime::Local(at), sample, sink),
                None => sink.unparsed(line),
            },
            Row::OneCpu => {}
            Row::Bad => sink.unparsed(line),
        }
    }

    fn sample(&self, values: &[&str]) -> Row {
        if self.columns.is_empty() || values.len() != self.columns.len() {
            return Row::Bad;
        }
        let mut sample = SystemSample {
            cpus: Some(self.cpus),
            ..SystemSample::default()
        };
        for (column, token) in self.columns.iter().zip(values) {
            match column.as_str() {
                "CPU" if *token == "all" => {}
                "CPU" => return Row::OneCpu,
                "DEV" | "IFACE" => sample.device = Some(token.to_string()),
                _ => match figure(token) {
                    Some(value) => assign(&mut sample, column, value),
                    None if is_label_column(column) => {}
                    None => return Row::Bad,
                },
            }
        }
        Row::Sample(Box::new(sample))
    }

    /// The row's date and time; a time earlier than the previous row's by
    /// many hours is on the next day.
    fn place(&mut self, time: NaiveTime) -> Option<NaiveDateTime> {
        let mut at = self.date?.and_time(time);
        if let Some(last) = self.last
            && (last - at).num_hours() >= MIDNIGHT_ROLLBACK_HOURS
        {
            let next = last.date().checked_add_days(Days::new(1))?;
            at = next.and_time(time);
        }
        self.last = Some(at);
        Some(at)
    }
}

/// A column that names what its row is about (`FILESYSTEM`, `TTY`,
/// `INTR`, `BUS`): upper-case, unlike the figures' names (`%util`, `tps`).
fn is_label_column(column: &str) -> bool {
    column
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// What a data row held.
enum Row {
    /// A sample of the whole host.
    Sample(Box<SystemSample>),
    /// One CPU's row of `sar -P ALL`.
    OneCpu,
    /// Not a row of the current section.
    Bad,
}

/// The banner date: `03/12/2026`, `03/12/26` (US order unless the first
/// number cannot be a month), `2026-03-12` (`S_TIME_FORMAT=ISO`), `12.03.2026`.
fn banner_date(text: &str) -> Option<NaiveDate> {
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(d);
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%d.%m.%Y") {
        return Some(d);
    }
    // `%Y` would read `26` as the year 26: a two-digit year needs `%y`.
    let formats: [&str; 2] = match text.rsplit('/').next().map(str::len) {
        Some(2) => ["%m/%d/%y", "%d/%m/%y"],
        _ => ["%m/%d/%Y", "%d/%m/%Y"],
    };
    formats
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
}

/// The time at the start of a row (`10:15:01 AM` or `22:15:01`) and the
/// tokens after it.
fn clock_prefix(text: &str) -> Option<(NaiveTime, Vec<&str>)> {
    let mut tokens = text.split_whitespace();
    let time = hms(tokens.next()?)?;
    let rest: Vec<&str> = tokens.collect();
    let (time, skip) = match rest.first().map(|t| t.to_ascii_uppercase()) {
        Some(m) if m == "AM" || m == "PM" => (twelve_hour(time, m == "PM")?, 1),
        _ => (time, 0),
    };
    Some((time, rest[skip..].to_vec()))
}

/// `HH:MM:SS` (each part one or two digits, as chrono's `%H:%M:%S` takes
/// it), read by hand: it starts every row of a sar report, and chrono's
/// format parser was a tenth of reading one.
fn hms(token: &str) -> Option<NaiveTime> {
    let mut parts = token.split(':').map(|part| {
        let digits = (1..=2).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
        digits.then(|| part.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0')))
    });
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    match parts.next() {
        None => NaiveTime::from_hms_opt(h, m, s),
        Some(_) => None,
    }
}

fn twelve_hour(time: NaiveTime, pm: bool) -> Option<NaiveTime> {
    use chrono::Timelike;
    let hour = time.hour() % 12 + if pm { 12 } else { 0 };
    time.with_hour(hour)
}

#[cfg(test)]
mod tests {
    use crate::model::{LogTime, SystemSample};
    use crate::parse::metrics::{MetricsParser, samples_of};
    use crate::parse::testing::run;
    use chrono::NaiveTime;

    /// The samples with their local times as text.
    fn samples(input: &str) -> Vec<(String, SystemSample)> {
        samples_of(input)
            .into_iter()
            .map(|(time, s)| match time {
                LogTime::Local(t) => (t.to_string(), s),
                other => panic!("sar times are local: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn cpu_report_with_twelve_hour_clock() {
        let got = samples(
            "Linux 5.15.0-91-generic (infagw01) \t03/12/2026 \t_x86_64_\t(8 CPU)

10:15:01 AM     CPU     %user     %nice   %system   %iowait    %steal     %idle
10:20:01 AM     all     12.30      0.00      3.10      0.50      0.00     84.10
12:05:01 PM     all     31.02      0.00      9.77      0.40     55.20      3.61
Average:        all     21.66      0.00      6.43      0.45     27.60     43.85
",
        );
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, "2026-03-12 10:20:01");
        assert_eq!(got[1].0, "2026-03-12 12:05:01");
        let s = &got[1].1;
        assert_eq!(s.cpu_user, Some(31.02));
        assert_eq!(s.cpu_steal, Some(55.2));
        assert_eq!(s.cpu_idle, Some(3.61));
        assert_eq!(s.cpus, Some(8.0));
    }

    #[test]
    fn queue_report_with_twenty_four_hour_clock_crossing_midnight() {
        let got = samples(
            "Linux 4.18.0-513.el8.x86_64 (infawk01) \t2026-03-12 \t_x86_64_\t(4 CPU)

23:55:01      runq-sz  plist-sz   ldavg-1   ldavg-5  ldavg-15   blocked
00:00:01           38       812     36.40     20.15      9.80         2
",
        );
        assert_eq!(got[0].0, "2026-03-13 00:00:01");
        let s = &got[0].1;
        assert_eq!(s.run_queue, Some(38.0));
        assert_eq!(s.load_1m, Some(36.4));
        assert_eq!(s.blocked, Some(2.0));
    }

    #[test]
    fn per_cpu_rows_restart_marks_and_all_cpu_columns() {
        let got = samples(
            "Linux 5.14.0 (infagw02) \t12/03/2026 \t_x86_64_\t(2 CPU)

10:15:01        CPU      %usr     %nice      %sys   %iowait    %steal      %irq     %soft    %guest    %gnice     %idle
10:20:01        all     40,00      0,00     10,00      0,00      0,00      0,00      0,50      0,00      0,00     49,50
10:20:01          0     50,00      0,00     10,00      0,00      0,00      0,00      1,00      0,00      0,00     39,00
10:25:01         LINUX RESTART\t(2 CPU)
",
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "2026-12-03 10:20:01");
        assert_eq!(got[0].1.cpu_user, Some(40.0));
        assert_eq!(got[0].1.cpu_system, Some(10.0));
    }

    #[test]
    fn row_times_are_read_by_hand_as_chrono_reads_them() {
        for token in [
            "00:00:00", "23:59:59", "10:15:01", "24:00:00", "10:60:00", "1:15:01", "10:15:0x",
            "10-15-01",
        ] {
            assert_eq!(
                super::hms(token),
                NaiveTime::parse_from_str(token, "%H:%M:%S").ok(),
                "{token}"
            );
        }
    }

    #[test]
    fn a_two_digit_year_is_this_century() {
        let got = samples(
            "Linux 6.1.0-37-cloud-amd64 (vm) \t12/02/26 \t_x86_64_\t(2 CPU)

02:33:40     pswpin/s pswpout/s
02:33:45         0.00      0.00
",
        );
        assert_eq!(got[0].0, "2026-12-02 02:33:45");
    }

    /// Every section of a real `sar -A` (sysstat 12.6, recorded by
    /// `examples/sar_metrics/make-sar.sh`) is read: device rows become
    /// device samples, and no line is left unparsed.
    #[test]
    fn sar_a_of_sysstat_12_is_read_whole() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/sar_metrics/recorded/sar-A.txt"
        ))
        .unwrap();
        let got = samples(&text);
        let busiest = got
            .iter()
            .filter_map(|(_, s)| s.disk_util_pct.map(|u| (u, s.device.clone())))
            .fold((0.0, None), |a, b| if b.0 > a.0 { b } else { a });
        assert!(busiest.0 > 90.0, "{busiest:?}");
        assert_eq!(busiest.1.as_deref(), Some("vda"));
        let drops = got
            .iter()
            .filter(|(_, s)| s.device.as_deref() == Some("hbv0"))
            .filter_map(|(_, s)| s.tx_drops_per_s)
            .fold(0.0, f64::max);
        assert!(drops > 10_000.0, "{drops}");
        assert!(got.iter().any(|(_, s)| s.major_faults_per_s.is_some()));
        assert!(got.iter().any(|(_, s)| s.memory_used_pct.is_some()));
        assert!(got.iter().any(|(_, s)| s.pages_swapped_in_per_s.is_some()));
    }

    #[test]
    fn rows_that_do_not_fit_the_header_are_unparsed() {
        let got = run(
            MetricsParser::new(),
            "Linux 5.15.0 (h) \t03/12/2026 \t_x86_64_\t(8 CPU)
10:15:01 AM     CPU     %user     %nice   %system   %iowait    %steal     %idle
10:20:01 AM     all     12.30      0.00
garbage
",
        );
        assert!(got.events.is_empty());
        assert_eq!(got.unparsed, vec![3, 4]);
    }
}
