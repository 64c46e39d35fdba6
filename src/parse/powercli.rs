//! vCenter statistics exported with PowerCLI (`Get-Stat -Entity VM -Stat
//! … | Export-Csv`): one row per sample of one counter of one VM, with
//! the properties of PowerCLI's sample objects as columns:
//!
//! ```text
//! #TYPE VMware.VimAutomation.ViCore.Impl.V1.Stat.FloatSampleImpl
//! "Value","Timestamp","MetricId","Unit","Description","Entity","EntityId","IntervalSecs","Instance"
//! "4194304","3/12/2026 9:44:00 AM","mem.vmmemctl.average","KB","Amount of memory …","infawk01","VirtualMachine-vm-1234","20",""
//! ```
//!
//! Read: `mem.vmmemctl.average` (balloon) and `mem.swapped.average` (host
//! swap), in KB; `cpu.ready.summation`, `cpu.costop.summation` and
//! `cpu.swapwait.summation`, milliseconds in the sample's interval, as a
//! share of it (the VM's aggregate row, `Instance` empty: summed over its
//! vCPUs like esxtop's `% Ready`). Times are the exporting machine's local
//! time, in the en-US form PowerShell writes by default or ISO 8601; they
//! are read as local time of the VM's host.

use super::hypervisor::split_fields;
use super::metrics::{figure, lend_sample};
use super::{Parser, Sink};
use crate::model::{LogTime, SystemSample};
use crate::read::Line;
use chrono::{DateTime, NaiveDateTime};

/// The columns read, found by name in the header.
const COLUMNS: [&str; 5] = ["Value", "Timestamp", "MetricId", "Entity", "IntervalSecs"];

/// Whether `text` is the header of a PowerCLI stat export.
pub fn is_header(text: &str) -> bool {
    let names = split_fields(text);
    ["Value", "Timestamp", "MetricId", "Entity"]
        .iter()
        .all(|c| names.contains(c))
}

/// Parser for PowerCLI `Get-Stat | Export-Csv` files.
#[derive(Default)]
pub struct PowerCliParser {
    /// Where each of [`COLUMNS`] is, and the `Instance` column if any.
    at: Option<([usize; 5], Option<usize>)>,
}

impl PowerCliParser {
    /// A parser that has not seen the header yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn row(&self, line: &Line<'_>, sink: &mut dyn Sink) -> Option<()> {
        let ([value, stamp, metric, entity, interval], instance) = self.at?;
        let fields = split_fields(line.text);
        if instance.is_some_and(|i| fields.get(i).is_some_and(|v| !v.is_empty())) {
            // A per-vCPU row: the VM's aggregate row stands for it.
            return Some(());
        }
        let value = figure(fields.get(value)?)?;
        let time = timestamp(fields.get(stamp)?)?;
        let interval_ms = fields.get(interval).and_then(|v| figure(v)).unwrap_or(20.0) * 1000.0;
        let share =
            |ms: f64| (interval_ms > 0.0).then(|| (ms / interval_ms * 1000.0).round() / 10.0);
        let guest = fields.get(entity)?;
        sink.about_host(guest);
        let mut sample = SystemSample {
            guest: Some(guest.to_string()),
            ..SystemSample::default()
        };
        match *fields.get(metric)? {
            "mem.vmmemctl.average" => sample.balloon_mb = Some(value / 1024.0),
            "mem.swapped.average" => sample.host_swapped_mb = Some(value / 1024.0),
            "cpu.ready.summation" => sample.cpu_ready_pct = share(value),
            "cpu.costop.summation" => sample.cpu_costop_pct = share(value),
            "cpu.swapwait.summation" => sample.cpu_swap_wait_pct = share(value),
            _ => return Some(()),
        }
        lend_sample(line, time, Box::new(sample), sink);
        Some(())
    }
}

impl Parser for PowerCliParser {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        let text = line.text.trim();
        if text.is_empty() || text.starts_with("#TYPE") {
            return;
        }
        if is_header(text) {
            let names = split_fields(text);
            let find = |name: &str| names.iter().position(|n| *n == name);
            self.at = COLUMNS
                .iter()
                .map(|c| find(c))
                .collect::<Option<Vec<_>>>()
                .and_then(|found| <[usize; 5]>::try_from(found).ok())
                .map(|found| (found, find("Instance")));
            return;
        }
        if self.row(line, sink).is_none() {
            sink.unparsed(line);
        }
    }

    fn finish(&mut self, _sink: &mut dyn Sink) {}
}

/// `3/12/2026 9:44:00 AM` (en-US), `2026-03-12T09:44:00` or with an offset.
fn timestamp(text: &str) -> Option<LogTime> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(LogTime::Zoned(t));
    }
    [
        "%m/%d/%Y %I:%M:%S %p",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .map(LogTime::Local)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EventKind;
    use crate::parse::testing::run;

    const EXPORT: &str = r#"#TYPE VMware.VimAutomation.ViCore.Impl.V1.Stat.FloatSampleImpl
"Value","Timestamp","MetricId","Unit","Description","Entity","EntityId","IntervalSecs","Instance"
"4194304","3/12/2026 9:44:00 AM","mem.vmmemctl.average","KB","Amount of memory allocated by the virtual machine memory control driver (vmmemctl)","INFAWK01","VirtualMachine-vm-1234","20",""
"8000","3/12/2026 9:44:00 AM","cpu.ready.summation","millisecond","Time that the virtual machine was ready, but could not get scheduled to run on the physical CPU","INFAWK01","VirtualMachine-vm-1234","20",""
"2000","3/12/2026 9:44:00 AM","cpu.ready.summation","millisecond","Time that the virtual machine was ready, but could not get scheduled to run on the physical CPU","INFAWK01","VirtualMachine-vm-1234","20","0"
"12","3/12/2026 9:44:00 AM","mem.usage.average","%","Memory usage as percentage of total configured or available memory","INFAWK01","VirtualMachine-vm-1234","20",""
"#;

    #[test]
    fn balloon_and_ready_of_the_vm_aggregate_rows() {
        let got = run(PowerCliParser::new(), EXPORT);
        assert!(got.unparsed.is_empty(), "{:?}", got.unparsed);
        let samples: Vec<(LogTime, SystemSample)> = got
            .events
            .into_iter()
            .map(|e| match e.kind {
                EventKind::Metrics(s) => (e.time, *s),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(samples.len(), 2, "the per-vCPU and unread rows give none");
        assert!(
            matches!(samples[0].0, LogTime::Local(t) if t.to_string() == "2026-03-12 09:44:00")
        );
        assert_eq!(samples[0].1.guest.as_deref(), Some("INFAWK01"));
        assert_eq!(samples[0].1.balloon_mb, Some(4096.0));
        assert_eq!(
            samples[1].1.cpu_ready_pct,
            Some(40.0),
            "8 s of a 20 s interval"
        );
    }

    #[test]
    fn a_row_that_is_not_a_sample_is_unparsed() {
        let input = "\"Value\",\"Timestamp\",\"MetricId\",\"Entity\",\"IntervalSecs\"\n\"x\",\"yesterday\",\"cpu.ready.summation\",\"vm\",\"20\"\n";
        let got = run(PowerCliParser::new(), input);
        assert_eq!(got.unparsed, vec![2]);
    }

    #[test]
    fn the_header_is_found_by_its_names_in_any_order() {
        assert!(is_header(r#""Entity","MetricId","Timestamp","Value""#));
        assert!(!is_header(
            r#""(PDH-CSV 4.0) (UTC)(0)","\\esx\Memory\Free MBytes""#
        ));
    }
}
