//! `iostat -x -t` (sysstat). It shares sar's banner; each report then
//! starts with a time line of its own, then the CPU figures and one row per
//! device:
//!
//! ```text
//! Linux 6.1.0-37-cloud-amd64 (infawk01)     03/12/26     _x86_64_    (2 CPU)
//!
//! 03/12/26 09:44:20
//! avg-cpu:  %user   %nice %system %iowait  %steal   %idle
//!            0.20    0.00    0.10   48.97    0.89   49.84
//!
//! Device            r/s     rkB/s   rrqm/s  %rrqm r_await rareq-sz     w/s … aqu-sz  %util
//! vda              0.00      0.00     0.00   0.00    0.00     0.00  7021.40 …   2.10  95.44
//! ```
//!
//! The time line follows the locale (`03/12/26 09:44:20`, `03/12/2026
//! 09:44:20 AM`) or is ISO with its offset (`S_TIME_FORMAT=ISO`:
//! `2026-03-12T09:44:20+0100`). The first report holds averages since boot,
//! not a sample of its time, and is skipped. A device's `await` is the
//! longest of its read, write, discard and flush waits (`r_await`,
//! `w_await`, … since sysstat 11.5; one `await` before).

use super::{assign, figure, lend_sample};
use crate::model::{LogTime, SystemSample};
use crate::parse::Sink;
use crate::read::Line;
use chrono::{DateTime, NaiveDateTime};

/// The state of an iostat report: its time, CPU count and current section.
pub(super) struct Iostat {
    cpus: f64,
    time: Option<LogTime>,
    /// Reports begun so far; the first is skipped.
    reports: u32,
    section: Section,
}

/// What the next lines are.
enum Section {
    None,
    /// The line after `avg-cpu:` holds these figures.
    Cpu(Vec<String>),
    /// Rows of devices, under these columns.
    Devices(Vec<String>),
}

/// The time of a line that starts a report, if `text` is one. Asked of
/// every line of a sar or iostat file, so lines that cannot be one (a sar
/// row starts `HH:MM:SS`) are told by their shape before any date parser
/// runs.
pub(super) fn report_time(text: &str) -> Option<LogTime> {
    let text = text.trim();
    let b = text.as_bytes();
    let dated = b.len() >= 17 && (b[2] == b'/' || b[4] == b'-') && b[0].is_ascii_digit();
    if !dated {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z") {
        return Some(LogTime::Zoned(t));
    }
    [
        "%m/%d/%y %H:%M:%S",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%y %I:%M:%S %p",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .map(LogTime::Local)
}

impl Iostat {
    /// A report of a host with `cpus` CPUs whose first time line came.
    pub(super) fn new(cpus: f64, time: LogTime) -> Iostat {
        Iostat {
            cpus,
            time: Some(time),
            reports: 1,
            section: Section::None,
        }
    }

    /// Reads a line of a report.
    pub(super) fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        let text = line.text.trim_end();
        if let Some(time) = report_time(text) {
            self.time = Some(time);
            self.reports += 1;
            self.section = Section::None;
            return;
        }
        let tokens: Vec<&str> = text.split_whitespace().collect();
        let Some(&first) = tokens.first() else {
            self.section = Section::None;
            return;
        };
        if first == "avg-cpu:" {
            self.section = Section::Cpu(tokens[1..].iter().map(|t| t.to_string()).collect());
            return;
        }
        if first.trim_end_matches(':') == "Device" {
            self.section = Section::Devices(tokens[1..].iter().map(|t| t.to_string()).collect());
            return;
        }
        let sample = match &self.section {
            Section::Cpu(columns) => self.sample(None, columns, &tokens),
            Section::Devices(columns) => self.sample(Some(first), columns, &tokens[1..]),
            Section::None => None,
        };
        match (sample, self.time) {
            (Some(_), _) if self.reports == 1 => {}
            (Some(sample), Some(time)) => lend_sample(line, time, Box::new(sample), sink),
            _ => sink.unparsed(line),
        }
    }

    fn sample(
        &self,
        device: Option<&str>,
        columns: &[String],
        values: &[&str],
    ) -> Option<SystemSample> {
        if values.len() != columns.len() {
            return None;
        }
        let mut sample = SystemSample {
            cpus: Some(self.cpus),
            device: device.map(str::to_string),
            ..SystemSample::default()
        };
        for (column, token) in columns.iter().zip(values) {
            let value = figure(token)?;
            if column.ends_with("_await") {
                sample.disk_await_ms = Some(sample.disk_await_ms.unwrap_or(0.0).max(value));
            } else {
                assign(&mut sample, column, value);
            }
        }
        Some(sample)
    }
}

#[cfg(test)]
mod tests {
    use crate::model::LogTime;
    use crate::parse::metrics::samples_of;

    /// Real `iostat -x -t 5` of sysstat 12.6 (recorded here while four
    /// `dd` wrote with O_DIRECT): the first report is since boot.
    #[test]
    fn iostat_x_of_sysstat_12_skips_the_boot_report() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/sar_metrics/recorded/iostat-x.txt"
        ))
        .unwrap();
        let got = samples_of(&text);
        assert_eq!(got.len(), 2 * 12, "CPU and vda of 12 reports: {got:#?}");
        let busiest = got
            .iter()
            .filter_map(|(_, s)| s.disk_util_pct)
            .fold(0.0, f64::max);
        assert!(busiest > 90.0, "{busiest}");
        let disk = got.iter().find(|(_, s)| s.device.is_some()).unwrap();
        assert_eq!(disk.1.device.as_deref(), Some("vda"));
        assert!(disk.1.disk_await_ms.is_some());
        assert!(got.iter().any(|(_, s)| s.cpu_iowait.is_some()));
    }

    #[test]
    fn older_iostat_with_one_await_and_a_twelve_hour_iso_clock() {
        let got = samples_of(
            "Linux 3.10.0-1160.el7.x86_64 (infagw01) \t03/12/2026 \t_x86_64_\t(8 CPU)

2026-03-12T09:44:15+0100
avg-cpu:  %user   %nice %system %iowait  %steal   %idle
           1.00    0.00    1.00    0.00    0.00   98.00

2026-03-12T09:44:20+0100
avg-cpu:  %user   %nice %system %iowait  %steal   %idle
           2.00    0.00    1.00   45.00    0.00   52.00

Device:         rrqm/s   wrqm/s     r/s     w/s    rkB/s    wkB/s avgrq-sz avgqu-sz   await r_await w_await  svctm  %util
sda               0.00    12.00    0.00  310.00     0.00 39680.00   256.00    31.20  612.00    0.00  612.00   3.22  99.90
",
        );
        assert_eq!(got.len(), 2);
        assert!(
            matches!(got[0].0, LogTime::Zoned(t) if t.offset().local_minus_utc() == 3600),
            "{:?}",
            got[0].0
        );
        assert_eq!(got[0].1.cpu_iowait, Some(45.0));
        assert_eq!(got[1].1.disk_util_pct, Some(99.9));
        assert_eq!(got[1].1.disk_await_ms, Some(612.0));
    }
}
