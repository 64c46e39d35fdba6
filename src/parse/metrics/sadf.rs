//! `sadf -d` output (sysstat): the binary `sa` files as semicolon-separated
//! values, one section per activity, each with its header:
//!
//! ```text
//! # hostname;interval;timestamp;CPU;%usr;%nice;%sys;%iowait;%steal;%irq;%soft;%guest;%gnice;%idle
//! infawk01;5;2026-03-12 09:44:06 UTC;-1;0.50;0.00;0.60;0.10;0.00;0.00;0.00;0.00;0.00;98.80
//! # hostname;interval;timestamp;DEV;tps;rkB/s;wkB/s;dkB/s;areq-sz;aqu-sz;await;%util
//! infawk01;5;2026-03-12 09:44:06 UTC;vda;512.40;0.00;524697.60;0.00;1024.00;1.98;3.87;99.60
//! ```
//!
//! Times are UTC unless `sadf -T` printed them in local time (no `UTC`).
//! `CPU` `-1` is the whole host; other CPUs' rows are skipped, as are the
//! sections whose header ends in a repeated column (`INTR;CPU*`).

use super::{assign, figure, lend_sample};
use crate::model::{LogTime, SystemSample};
use crate::parse::Sink;
use crate::read::Line;
use chrono::{FixedOffset, NaiveDateTime, TimeZone};

/// The start of every section header.
const HEADER: &str = "# hostname;interval;timestamp;";

/// The columns of the current section, after the timestamp; `None` in a
/// section hbdiag passes over.
pub(super) struct Sadf {
    columns: Option<Vec<String>>,
}

/// Whether `text` is a section header of `sadf -d`.
pub(super) fn is_header(text: &str) -> bool {
    text.starts_with(HEADER)
}

impl Sadf {
    /// A report whose first section header is `text`.
    pub(super) fn new(text: &str) -> Sadf {
        let mut sadf = Sadf { columns: None };
        sadf.header(text);
        sadf
    }

    /// Takes the columns of a new section.
    pub(super) fn header(&mut self, text: &str) {
        let columns: Vec<String> = text[HEADER.len()..]
            .split(';')
            .map(str::to_string)
            .collect();
        self.columns = (!columns.iter().any(|c| c.ends_with('*'))).then_some(columns);
    }

    /// Reads a data row.
    pub(super) fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        let text = line.text.trim_end();
        if text.is_empty() || text.starts_with('#') {
            return;
        }
        let Some(columns) = &self.columns else {
            return;
        };
        let fields: Vec<&str> = text.split(';').collect();
        let (Some(stamp), Some(values)) = (fields.get(2), fields.get(3..)) else {
            sink.unparsed(line);
            return;
        };
        let (Some(time), true) = (timestamp(stamp), values.len() == columns.len()) else {
            sink.unparsed(line);
            return;
        };
        let mut sample = SystemSample::default();
        for (column, token) in columns.iter().zip(values) {
            if let Some(value) = figure(token) {
                if column == "CPU" && value != -1.0 {
                    return;
                }
                assign(&mut sample, column, value);
            } else if matches!(column.as_str(), "DEV" | "IFACE") {
                sample.device = Some(token.to_string());
            }
        }
        lend_sample(line, time, Box::new(sample), sink);
    }
}

/// `2026-03-12 09:44:06 UTC` (UTC) or `2026-03-12 09:44:06` (local).
fn timestamp(text: &str) -> Option<LogTime> {
    let (naive, utc) = match text.strip_suffix(" UTC") {
        Some(rest) => (rest, true),
        None => (text, false),
    };
    let at = NaiveDateTime::parse_from_str(naive.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    if utc {
        let zero = FixedOffset::east_opt(0)?;
        return zero.from_local_datetime(&at).single().map(LogTime::Zoned);
    }
    Some(LogTime::Local(at))
}

#[cfg(test)]
mod tests {
    use crate::model::LogTime;
    use crate::parse::metrics::{MetricsParser, samples_of};
    use crate::parse::testing::run;

    #[test]
    fn sections_of_sadf_d_with_devices_and_cpus() {
        let got = samples_of(
            "# hostname;interval;timestamp;CPU;%usr;%nice;%sys;%iowait;%steal;%irq;%soft;%guest;%gnice;%idle
infawk01;5;2026-03-12 09:44:06 UTC;-1;0.50;0.00;0.60;30.10;0.00;0.00;0.00;0.00;0.00;68.80
infawk01;5;2026-03-12 09:44:06 UTC;0;0.40;0.00;0.60;30.10;0.00;0.00;0.00;0.00;0.00;68.90
# hostname;interval;timestamp;INTR;CPU*
infawk01;5;2026-03-12 09:44:06 UTC;sum;74.20;35.20;39.00
# hostname;interval;timestamp;DEV;tps;rkB/s;wkB/s;dkB/s;areq-sz;aqu-sz;await;%util
infawk01;5;2026-03-12 09:44:06 UTC;vda;512.40;0.00;524697.60;0.00;1024.00;1.98;3.87;99.60
# hostname;interval;timestamp;IFACE;rxerr/s;txerr/s;coll/s;rxdrop/s;txdrop/s;txcarr/s;rxfram/s;rxfifo/s;txfifo/s
infawk01;5;2026-03-12 09:44:06;eth0;0.00;0.00;0.00;0.00;41273.80;0.00;0.00;0.00;0.00
",
        );
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(
            matches!(got[0].0, LogTime::Zoned(t) if t.to_rfc3339() == "2026-03-12T09:44:06+00:00")
        );
        assert_eq!(got[0].1.cpu_iowait, Some(30.1));
        assert_eq!(got[1].1.device.as_deref(), Some("vda"));
        assert_eq!(got[1].1.disk_util_pct, Some(99.6));
        assert_eq!(got[1].1.disk_await_ms, Some(3.87));
        assert!(
            matches!(got[2].0, LogTime::Local(_)),
            "sadf -T prints local time"
        );
        assert_eq!(got[2].1.device.as_deref(), Some("eth0"));
        assert_eq!(got[2].1.tx_drops_per_s, Some(41273.8));
    }

    #[test]
    fn a_row_that_does_not_fit_its_header_is_unparsed() {
        let got = run(
            MetricsParser::new(),
            "# hostname;interval;timestamp;pswpin/s;pswpout/s\nh;5;2026-03-12 09:44:06 UTC;1.00\nh;5;yesterday;1.00;2.00\n",
        );
        assert!(got.events.is_empty());
        assert_eq!(got.unparsed, vec![2, 3]);
    }
}
