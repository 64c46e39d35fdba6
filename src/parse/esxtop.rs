//! VMware `esxtop -b` (batch mode) output, taken on the ESXi host: a
//! perfmon-style CSV whose first column is the sample time and every other
//! column one counter of one object instance:
//!
//! ```text
//! "(PDH-CSV 4.0) (UTC)(0)","\\esx01\Group Cpu(20116:infawk01)\% Ready","\\esx01\Group Memory(20116:infawk01)\MemCtl MBytes",…
//! "03/12/2026 09:44:05","2.17","0.00",…
//! ```
//!
//! Each sample row gives one [`SystemSample`] per VM (the `Group Cpu` and
//! `Group Memory` instances `GID:name`), with the VM's name as its
//! [`guest`](SystemSample::guest): the figures a guest cannot see of
//! itself — CPU ready, co-stop, swap wait, balloon, host swap. The header's
//! `(UTC)(0)` is the zone and its bias in minutes west of UTC, as Windows
//! perfmon writes it (esxtop always writes UTC). Lines are as wide as the
//! host has counters; only the columns read are kept.

use super::hypervisor::split_fields;
use super::metrics::{figure, lend_sample};
use super::{Parser, Sink};
use crate::model::{LogTime, SystemSample};
use crate::read::Line;
use chrono::{FixedOffset, NaiveDateTime, TimeZone};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The first field of the header line.
const HEADER_START: &str = "\"(PDH-CSV";

/// Whether `text` is the header line of a perfmon-style CSV.
pub fn is_header(text: &str) -> bool {
    text.starts_with(HEADER_START)
}

/// Parser for `esxtop -b` batch CSV.
#[derive(Default)]
pub struct EsxtopParser {
    layout: Option<Layout>,
}

impl EsxtopParser {
    /// A parser that has not seen the header yet.
    pub fn new() -> Self {
        Self::default()
    }
}

/// What the header says: the zone of the times and where each VM's
/// counters are.
struct Layout {
    offset: FixedOffset,
    columns: usize,
    guests: Vec<GuestColumns>,
}

/// The columns of one VM's counters, and their names as the header
/// spells them (for evidence).
#[derive(Default)]
struct GuestColumns {
    name: String,
    counters: Vec<(usize, Counter, String)>,
}

/// The counters read, each stored in its own sample field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Counter {
    Ready,
    CoStop,
    SwapWait,
    Balloon,
    HostSwapped,
}

impl Counter {
    /// The counter an object's counter name stands for, if it is read:
    /// the balloon counter is spelled `MemCtl MBytes` (its interactive
    /// column is `MCTLSZ`) and is matched by its parts, not a fixed name.
    fn of(object: &str, counter: &str) -> Option<Counter> {
        let lower = counter.to_ascii_lowercase();
        match object {
            "Group Cpu" => match lower.as_str() {
                "% ready" => Some(Counter::Ready),
                "% costop" => Some(Counter::CoStop),
                "% swap wait" => Some(Counter::SwapWait),
                _ => None,
            },
            "Group Memory" => {
                let size = lower.ends_with("mbytes")
                    && !lower.contains("target")
                    && !lower.contains("max");
                if size && (lower.contains("memctl") || lower.contains("balloon")) {
                    Some(Counter::Balloon)
                } else if size && lower.starts_with("swapped") {
                    Some(Counter::HostSwapped)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    fn store(self, sample: &mut SystemSample, value: f64) {
        let slot = match self {
            Counter::Ready => &mut sample.cpu_ready_pct,
            Counter::CoStop => &mut sample.cpu_costop_pct,
            Counter::SwapWait => &mut sample.cpu_swap_wait_pct,
            Counter::Balloon => &mut sample.balloon_mb,
            Counter::HostSwapped => &mut sample.host_swapped_mb,
        };
        *slot = Some(value);
    }
}

impl Parser for EsxtopParser {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        if is_header(line.text) {
            self.layout = Some(Layout::of(line, sink));
            return;
        }
        if line.text.trim().is_empty() {
            return;
        }
        match &self.layout {
            Some(layout) => layout.row(line, sink),
            None => sink.unparsed(line),
        }
    }

    fn finish(&mut self, _sink: &mut dyn Sink) {}
}

impl Layout {
    fn of(line: &Line<'_>, sink: &mut dyn Sink) -> Layout {
        let fields = split_fields(line.text);
        let offset = zone_bias(fields.first().copied().unwrap_or_default());
        let offset = offset.unwrap_or_else(|| {
            sink.warning(
                line.number,
                "the header names no UTC bias; times are read as UTC".into(),
            );
            FixedOffset::east_opt(0).expect("zero offset")
        });
        let mut guests: BTreeMap<&str, GuestColumns> = BTreeMap::new();
        for (at, field) in fields.iter().enumerate().skip(1) {
            let Some((object, instance, counter_name)) = counter_path(field) else {
                continue;
            };
            let Some(counter) = Counter::of(object, counter_name) else {
                continue;
            };
            let Some((_, name)) = instance.split_once(':') else {
                continue;
            };
            let guest = guests.entry(name).or_default();
            guest.name = name.to_string();
            guest.counters.push((at, counter, counter_name.to_string()));
        }
        for name in guests.keys() {
            sink.about_host(name);
        }
        Layout {
            offset,
            columns: fields.len(),
            guests: guests.into_values().collect(),
        }
    }

    fn row(&self, line: &Line<'_>, sink: &mut dyn Sink) {
        let fields = split_fields(line.text);
        let time = fields.first().and_then(|stamp| self.time(stamp));
        let (Some(time), true) = (time, fields.len() == self.columns) else {
            sink.unparsed(line);
            return;
        };
        for guest in &self.guests {
            let mut sample = SystemSample {
                guest: Some(guest.name.clone()),
                ..SystemSample::default()
            };
            let mut evidence = format!("{} {}:", fields[0], guest.name);
            for (at, counter, name) in &guest.counters {
                if let Some(value) = figure(fields[*at]) {
                    counter.store(&mut sample, value);
                    let _ = write!(evidence, " {name} {}", fields[*at]);
                }
            }
            lend_sample(
                &Line {
                    text: &evidence,
                    ..*line
                },
                time,
                Box::new(sample),
                sink,
            );
        }
    }

    /// `03/12/2026 09:44:05`, at the header's bias.
    fn time(&self, stamp: &str) -> Option<LogTime> {
        let at = NaiveDateTime::parse_from_str(stamp, "%m/%d/%Y %H:%M:%S").ok()?;
        self.offset
            .from_local_datetime(&at)
            .single()
            .map(LogTime::Zoned)
    }
}

/// The offset of `(PDH-CSV 4.0) (UTC)(0)`: the last parenthesised number
/// is the bias in minutes west of UTC (`(Pacific Standard Time)(480)` is
/// UTC−8).
fn zone_bias(first: &str) -> Option<FixedOffset> {
    let inner = first.strip_suffix(')')?;
    let (_, bias) = inner.rsplit_once('(')?;
    let minutes: i32 = bias.trim().parse().ok()?;
    FixedOffset::west_opt(minutes.checked_mul(60)?)
}

/// `\\esx01\Group Cpu(20116:infawk01)\% Ready` as object, instance and
/// counter. The instance may itself hold parentheses (a VM named
/// `web (old)`): it runs from the first `(` to the `)` before the last `\`.
fn counter_path(field: &str) -> Option<(&str, &str, &str)> {
    let path = field.strip_prefix("\\\\")?;
    let (_, path) = path.split_once('\\')?;
    let (object_part, counter) = path.rsplit_once('\\')?;
    let (object, instance) = object_part.split_once('(')?;
    let instance = instance.strip_suffix(')')?;
    Some((object, instance, counter))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EventKind;
    use crate::parse::testing::run;

    const HEADER: &str = r#""(PDH-CSV 4.0) (UTC)(0)","\\esx01.lab\Memory\Free MBytes","\\esx01.lab\Group Cpu(1:system)\% Ready","\\esx01.lab\Group Cpu(20116:infawk01)\% Used","\\esx01.lab\Group Cpu(20116:infawk01)\% Ready","\\esx01.lab\Group Cpu(20116:infawk01)\% CoStop","\\esx01.lab\Group Cpu(20116:infawk01)\% Swap Wait","\\esx01.lab\Group Memory(20116:infawk01)\Memory Size MBytes","\\esx01.lab\Group Memory(20116:infawk01)\MemCtl MBytes","\\esx01.lab\Group Memory(20116:infawk01)\MemCtl Target MBytes","\\esx01.lab\Group Memory(20116:infawk01)\Swapped MBytes","\\esx01.lab\Group Cpu(30211:web (old))\% Ready""#;

    fn samples(input: &str) -> Vec<(LogTime, SystemSample, String)> {
        let got = run(EsxtopParser::new(), input);
        assert!(got.unparsed.is_empty(), "unparsed {:?}", got.unparsed);
        got.events
            .into_iter()
            .map(|e| match e.kind {
                EventKind::Metrics(s) => (e.time, *s, e.text),
                other => panic!("unexpected event {other:?}"),
            })
            .collect()
    }

    #[test]
    fn one_sample_per_vm_with_its_hypervisor_counters() {
        let input = format!(
            "{HEADER}\n\"03/12/2026 09:44:05\",\"1200\",\"0.01\",\"35.2\",\"2.17\",\"0.40\",\"0.00\",\"16384\",\"3072.00\",\"4096.00\",\"512.00\",\"7.5\"\n"
        );
        let got = samples(&input);
        let names: Vec<_> = got
            .iter()
            .map(|(_, s, _)| s.guest.clone().unwrap())
            .collect();
        assert_eq!(names, ["infawk01", "system", "web (old)"]);
        let (time, vm, evidence) = &got[0];
        assert!(matches!(time, LogTime::Zoned(t) if t.to_rfc3339() == "2026-03-12T09:44:05+00:00"));
        assert_eq!(vm.cpu_ready_pct, Some(2.17));
        assert_eq!(vm.cpu_costop_pct, Some(0.4));
        assert_eq!(vm.cpu_swap_wait_pct, Some(0.0));
        assert_eq!(
            vm.balloon_mb,
            Some(3072.0),
            "MemCtl Target is not the balloon"
        );
        assert_eq!(vm.host_swapped_mb, Some(512.0));
        assert_eq!(
            evidence,
            "03/12/2026 09:44:05 infawk01: % Ready 2.17 % CoStop 0.40 % Swap Wait 0.00 MemCtl MBytes 3072.00 Swapped MBytes 512.00"
        );
        assert_eq!(got[2].1.cpu_ready_pct, Some(7.5));
    }

    #[test]
    fn the_bias_of_a_perfmon_header_moves_the_times() {
        let input = "\"(PDH-CSV 4.0) (Pacific Standard Time)(480)\",\"\\\\esx01\\Group Cpu(7:vm1)\\% Ready\"\n\"03/12/2026 01:44:05\",\"1.00\"\n";
        let got = samples(input);
        assert!(
            matches!(got[0].0, LogTime::Zoned(t) if t.to_rfc3339() == "2026-03-12T01:44:05-08:00")
        );
    }

    #[test]
    fn rows_before_the_header_or_cut_short_are_unparsed() {
        let input = format!(
            "\"03/12/2026 09:44:05\",\"1\"\n{HEADER}\n\"03/12/2026 09:44:10\",\"1200\"\n\"not a time\",\"1200\",\"0.01\",\"35.2\",\"2.17\",\"0.40\",\"0.00\",\"16384\",\"3072.00\",\"4096.00\",\"512.00\",\"7.5\"\n"
        );
        let got = run(EsxtopParser::new(), &input);
        assert!(got.events.is_empty());
        assert_eq!(got.unparsed, vec![1, 3, 4]);
    }

    #[test]
    fn the_balloon_counter_is_known_by_its_parts() {
        for name in ["MemCtl MBytes", "Memctl MBytes", "Memory Ballooned MBytes"] {
            assert_eq!(
                Counter::of("Group Memory", name),
                Some(Counter::Balloon),
                "{name}"
            );
        }
        for name in [
            "MemCtl Target MBytes",
            "MemCtl Max MBytes",
            "Swap Target MBytes",
        ] {
            assert_eq!(Counter::of("Group Memory", name), None, "{name}");
        }
        assert_eq!(Counter::of("Group Cpu", "% Ready"), Some(Counter::Ready));
        assert_eq!(Counter::of("Physical Cpu", "% Ready"), None);
    }
}
