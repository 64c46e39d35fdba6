//! System metrics collected on a host during an incident: `vmstat -t`
//! (procps), `sar` text up to `sar -A`, `sadf -d` and `iostat -x -t`
//! (sysstat), and dated snapshots of `top -b`, `free` and
//! `/proc/pressure` (collection scripts, OSWatcher). Each data
//! row becomes one [`SystemSample`] — of the host, or of one disk or network
//! interface — so starvation and network rules can look at the run queue,
//! CPU steal, iowait, swapping, paging, disk saturation and dropped packets
//! of a host inside the timeout window.
//! The tool is recognised by its banner line; a file may hold several
//! sections (`sar -u -q` prints one after the other, vmstat repeats its
//! header).

mod iostat;
mod sadf;
mod sar;
mod snapshots;
mod vmstat;

use super::{Parser, Sink};
use crate::model::{Event, EventKind, LogTime, SystemSample};
use crate::read::Line;

/// Parser for `vmstat -t`, `sar` text, `sadf -d` and `iostat -x -t`
/// output, and dated `top`/`free`/PSI snapshots.
#[derive(Default)]
pub struct MetricsParser {
    tool: Tool,
}

/// Which tool's output the lines come from, with its header state.
#[derive(Default)]
enum Tool {
    /// No banner seen yet.
    #[default]
    Unknown,
    // sysstat's banner starts sar and iostat alike: an iostat report is
    // told by the time line that follows it.
    Vmstat(vmstat::Vmstat),
    Sar(sar::Sar),
    Sadf(sadf::Sadf),
    Iostat(iostat::Iostat),
    Snapshots(Box<snapshots::Snapshots>),
}

/// Whether `line` is one only dated snapshots have (an OSWatcher marker,
/// a `top -b` header, a `free` header, a PSI line), for detection.
pub fn starts_snapshots(line: &str) -> bool {
    snapshots::is_distinctive(line)
}

impl MetricsParser {
    /// A parser that has not seen a banner yet.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Parser for MetricsParser {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        if vmstat::is_banner(line.text) {
            match &mut self.tool {
                Tool::Vmstat(v) => v.banner(line.text),
                _ => self.tool = Tool::Vmstat(vmstat::Vmstat::new(line.text)),
            }
            return;
        }
        if let Some(s) = sar::Sar::from_banner(line.text) {
            self.tool = Tool::Sar(s);
            return;
        }
        if sadf::is_header(line.text) {
            match &mut self.tool {
                Tool::Sadf(s) => s.header(line.text),
                _ => self.tool = Tool::Sadf(sadf::Sadf::new(line.text)),
            }
            return;
        }
        if let Tool::Sar(s) = &self.tool
            && let Some(time) = iostat::report_time(line.text)
        {
            self.tool = Tool::Iostat(iostat::Iostat::new(s.cpus(), time));
            return;
        }
        if !matches!(self.tool, Tool::Snapshots(_)) && snapshots::starts(line.text) {
            self.tool = Tool::Snapshots(Box::default());
        }
        match &mut self.tool {
            Tool::Vmstat(v) => v.line(line, sink),
            Tool::Sar(s) => s.line(line, sink),
            Tool::Sadf(s) => s.line(line, sink),
            Tool::Iostat(i) => i.line(line, sink),
            Tool::Snapshots(s) => s.line(line, sink),
            Tool::Unknown if line.text.trim().is_empty() => {}
            Tool::Unknown => sink.unparsed(line),
        }
    }

    fn finish(&mut self, sink: &mut dyn Sink) {
        if let Tool::Snapshots(s) = &mut self.tool {
            s.flush(sink);
        }
    }
}

/// Stores a figure under the column name vmstat or sar prints; columns
/// hbdiag has no use for (buffers, interrupts, sockets) are ignored.
fn assign(sample: &mut SystemSample, column: &str, value: f64) {
    if let Some(slot) = column_slot(column) {
        *slot(sample) = Some(value);
    }
}

/// Where a sample keeps a column's figure.
pub(super) type ColumnSlot = fn(&mut SystemSample) -> &mut Option<f64>;

/// The slot of a column vmstat or sar prints, `None` for columns hbdiag
/// has no use for: looked up once per header, not once per row.
pub(super) fn column_slot(column: &str) -> Option<ColumnSlot> {
    Some(match column {
        "r" | "runq-sz" => |s| &mut s.run_queue,
        "b" | "blocked" => |s| &mut s.blocked,
        "us" | "%user" | "%usr" => |s| &mut s.cpu_user,
        "sy" | "%system" | "%sys" => |s| &mut s.cpu_system,
        "id" | "%idle" => |s| &mut s.cpu_idle,
        "wa" | "%iowait" => |s| &mut s.cpu_iowait,
        "st" | "%steal" => |s| &mut s.cpu_steal,
        "si" => |s| &mut s.swap_in,
        "so" => |s| &mut s.swap_out,
        "ldavg-1" => |s| &mut s.load_1m,
        "%util" => |s| &mut s.disk_util_pct,
        "await" => |s| &mut s.disk_await_ms,
        "rxdrop/s" => |s| &mut s.rx_drops_per_s,
        "txdrop/s" => |s| &mut s.tx_drops_per_s,
        "rxerr/s" => |s| &mut s.rx_errors_per_s,
        "txerr/s" => |s| &mut s.tx_errors_per_s,
        "majflt/s" => |s| &mut s.major_faults_per_s,
        "pswpin/s" => |s| &mut s.pages_swapped_in_per_s,
        "pswpout/s" => |s| &mut s.pages_swapped_out_per_s,
        "%memused" => |s| &mut s.memory_used_pct,
        "%swpused" => |s| &mut s.swap_used_pct,
        _ => return None,
    })
}

/// A number as the tools print it; sar follows the locale's decimal comma.
pub(super) fn figure(token: &str) -> Option<f64> {
    if !token.is_empty() && token.len() <= 15 {
        let whole = token.bytes().try_fold(0u64, |n, b| {
            b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
        });
        if let Some(n) = whole {
            return Some(n as f64);
        }
    }
    let value = match token.contains(',') {
        true => token.replace(',', ".").parse::<f64>(),
        false => token.parse::<f64>(),
    };
    value.ok().filter(|v| v.is_finite())
}

/// Lends the event of one data row: its line is copied only if the sink
/// keeps it, and nearly no sample is kept.
pub(super) fn lend_sample(
    line: &Line<'_>,
    time: LogTime,
    sample: Box<SystemSample>,
    sink: &mut dyn Sink,
) {
    let event = Event {
        line: line.number,
        time,
        level: None,
        text: String::new(),
        host: None,
        kind: EventKind::Metrics(sample),
    };
    sink.lend(&event, line.text);
}

/// The samples a metrics file gives, for the dialects' tests; fails on
/// any line left unparsed.
#[cfg(test)]
fn samples_of(input: &str) -> Vec<(LogTime, SystemSample)> {
    let got = crate::parse::testing::run(MetricsParser::new(), input);
    assert!(got.unparsed.is_empty(), "unparsed {:?}", got.unparsed);
    got.events
        .into_iter()
        .map(|e| match e.kind {
            EventKind::Metrics(s) => (e.time, *s),
            other => panic!("unexpected event {other:?}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::testing::run;

    #[test]
    fn text_before_any_banner_is_unparsed() {
        let got = run(MetricsParser::new(), "collected by support\n\n");
        assert!(got.events.is_empty());
        assert_eq!(got.unparsed, vec![1]);
    }

    #[test]
    fn decimal_commas_read_as_numbers() {
        assert_eq!(figure("12,30"), Some(12.3));
        assert_eq!(figure("all"), None);
    }

    #[test]
    fn whole_numbers_read_as_the_float_parser_reads_them() {
        for token in [
            "0",
            "7",
            "0012",
            "923581",
            "999999999999999",
            "1234567890123456",
        ] {
            assert_eq!(figure(token), token.parse::<f64>().ok(), "{token}");
        }
        assert_eq!(figure("-3"), Some(-3.0));
        assert_eq!(figure(""), None);
    }
}
