//! Snapshots of tools that print no date — `top -b`, `free -m`, the PSI
//! files `/proc/pressure/{cpu,memory,io}` — as collection scripts take
//! them: each snapshot after a `date` line, or after OSWatcher's
//! `zzz ***Thu Mar 12 09:44:05 UTC 2026` marker.
//!
//! ```text
//! zzz ***Thu Mar 12 09:44:05 UTC 2026
//! top - 09:44:05 up 12 days,  3:10,  2 users,  load average: 7.12, 5.40, 3.01
//! Tasks: 231 total,   9 running, 222 sleeping,   0 stopped,   0 zombie
//! %Cpu(s): 45.2 us,  8.1 sy,  0.0 ni,  0.3 id, 12.0 wa,  0.0 hi,  0.4 si, 34.0 st
//! MiB Mem :  15992.3 total,    212.4 free,  14876.0 used,    903.9 buff/cache
//! MiB Swap:   4096.0 total,   1024.0 free,   3072.0 used.    612.8 avail Mem
//!
//!     PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND
//!   12345 infa      20   0   12.3g   8.1g  23456 S 180.0  51.2 123:45.67 java
//!                total        used        free      shared  buff/cache   available
//! Mem:           15992       14876         212          88         903         612
//! Swap:           4096        3072        1024
//! /proc/pressure/cpu:some avg10=61.73 avg60=30.62 avg300=13.07 total=19392130537
//! ```
//!
//! One sample per snapshot (top, free and PSI after one marker): top's own time of day on the marker's date
//! (a top taken just after midnight is on the next day), else the
//! marker's time. Without any date, snapshots cannot be placed: one
//! warning, and they are skipped. The run queue is top's `running` count
//! (what vmstat's `r` counts); memory in use is `total - available` when
//! `free` prints `available`; the first process row (top sorts by CPU)
//! is the top process.

use super::{figure, lend_sample};
use crate::model::{LogTime, SystemSample};
use crate::parse::Sink;
use crate::read::Line;
use chrono::{Duration, FixedOffset, NaiveDateTime, NaiveTime, TimeZone};

/// OSWatcher's marker before each snapshot.
const OSWATCHER_MARKER: &str = "zzz ***";

/// Whether `text` starts this dialect: a date line, or a line only these
/// snapshots have.
pub(super) fn starts(text: &str) -> bool {
    marker_time(text).is_some() || is_distinctive(text)
}

/// Whether `text` is an OSWatcher marker, a top header, a free header or
/// a PSI line: enough to tell a file of snapshots (a `date` line alone is
/// in many files).
pub(super) fn is_distinctive(text: &str) -> bool {
    (text.starts_with(OSWATCHER_MARKER) && marker_time(text).is_some())
        || is_top_header(text)
        || is_free_header(text)
        || psi(text).is_some()
}

/// The snapshots read so far and the one being filled.
#[derive(Default)]
pub(super) struct Snapshots {
    /// The last marker's time, and whether it was UTC.
    marker: Option<(NaiveDateTime, bool)>,
    open: Option<Open>,
    /// The resource named by a line of its own (`cpu`, `==> /proc/pressure/io <==`).
    psi_resource: Option<Resource>,
    /// The tool whose output the lines are.
    section: Section,
    /// `free` columns of the last header.
    free_columns: Vec<String>,
    warned_undated: bool,
}

/// Where in a snapshot the lines are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Section {
    #[default]
    Outside,
    /// top's summary lines, before its process table.
    TopSummary,
    /// top's process table: the first row is the top process.
    TopProcesses { first: bool },
    /// `free`'s rows.
    Free,
}

/// The snapshot being filled, with the line that stands for it.
struct Open {
    time: LogTime,
    line: u64,
    text: String,
    sample: SystemSample,
}

/// A PSI file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resource {
    Cpu,
    Memory,
    Io,
}

impl Snapshots {
    /// Reads one line.
    pub(super) fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        let text = line.text.trim_end();
        if let Some(marker) = marker_time(text) {
            self.flush(sink);
            self.marker = Some(marker);
            return;
        }
        if is_top_header(text) {
            self.flush(sink);
            self.section = Section::TopSummary;
            self.top_header(line, sink);
            return;
        }
        if is_free_header(text) {
            // After top in the same snapshot: one sample of both.
            self.section = Section::Free;
            self.free_columns = text.split_whitespace().map(str::to_string).collect();
            return;
        }
        if let Some((named, kind, avg10)) = psi(text)
            && let Some(resource) = named.or(self.psi_resource)
        {
            self.psi(line, sink, resource, kind, avg10);
            return;
        }
        if let Some(resource) = resource_heading(text) {
            self.psi_resource = Some(resource);
            return;
        }
        if self.body(text, line, sink) || text.is_empty() {
            return;
        }
        sink.unparsed(line);
    }

    /// Emits the open snapshot.
    pub(super) fn flush(&mut self, sink: &mut dyn Sink) {
        self.section = Section::Outside;
        if let Some(open) = self.open.take() {
            let line = Line {
                number: open.line,
                text: &open.text,
            };
            lend_sample(&line, open.time, Box::new(open.sample), sink);
        }
    }

    /// The time of a snapshot taken at `clock` (top's own), or at the
    /// marker when `None`; warns once when no marker dates it.
    fn time(
        &mut self,
        clock: Option<NaiveTime>,
        number: u64,
        sink: &mut dyn Sink,
    ) -> Option<LogTime> {
        let Some((marked, utc)) = self.marker else {
            if !self.warned_undated {
                self.warned_undated = true;
                sink.warning(
                    number,
                    "top, free or PSI snapshots with no date before them cannot be placed in time; collect each after a `date` line (or with OSWatcher)".into(),
                );
            }
            return None;
        };
        let mut at = marked;
        if let Some(clock) = clock {
            at = marked.date().and_time(clock);
            if at + Duration::hours(12) < marked {
                at += Duration::days(1);
            }
        }
        let zero = FixedOffset::east_opt(0).expect("zero offset");
        Some(match zero.from_local_datetime(&at).single() {
            Some(t) if utc => LogTime::Zoned(t),
            _ => LogTime::Local(at),
        })
    }

    /// Opens a snapshot at `line` unless one is open; `false` when it
    /// cannot be placed in time.
    fn open_at(&mut self, clock: Option<NaiveTime>, line: &Line<'_>, sink: &mut dyn Sink) -> bool {
        if self.open.is_some() {
            return true;
        }
        let Some(time) = self.time(clock, line.number, sink) else {
            return false;
        };
        self.open = Some(Open {
            time,
            line: line.number,
            text: line.text.to_string(),
            sample: SystemSample::default(),
        });
        true
    }

    fn top_header(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        let clock = line
            .text
            .get(6..14)
            .and_then(|t| NaiveTime::parse_from_str(t, "%H:%M:%S").ok());
        if !self.open_at(clock, line, sink) {
            return;
        }
        let load = line
            .text
            .split_once("load average:")
            .and_then(|(_, loads)| loads.split(',').next())
            .and_then(|first| figure(first.trim()));
        if let Some(open) = &mut self.open {
            open.sample.load_1m = load;
        }
    }

    /// A line inside a snapshot: top's summary and first process, free's
    /// rows. `false` when it is none of these.
    fn body(&mut self, text: &str, line: &Line<'_>, sink: &mut dyn Sink) -> bool {
        let trimmed = text.trim_start();
        match self.section {
            Section::TopSummary if trimmed.starts_with("PID ") => {
                self.section = Section::TopProcesses { first: true };
                true
            }
            Section::TopSummary => match &mut self.open {
                Some(open) => top_summary(trimmed, &mut open.sample),
                // Undated: its lines are passed over with the header.
                None => trimmed.contains(':'),
            },
            Section::TopProcesses { first } => {
                if first && let Some(open) = &mut self.open {
                    open.sample.top_process = top_process(trimmed);
                }
                self.section = Section::TopProcesses { first: false };
                !trimmed.is_empty()
            }
            Section::Free => {
                let Some((label, values)) = trimmed.split_once(':') else {
                    return false;
                };
                if matches!(label, "Mem" | "Swap") && self.open_at(None, line, sink) {
                    let open = self.open.as_mut().expect("opened");
                    free_row(label, values, &self.free_columns, &mut open.sample);
                }
                matches!(label, "Mem" | "Swap" | "-/+ buffers/cache" | "Total")
            }
            Section::Outside => false,
        }
    }

    fn psi(
        &mut self,
        line: &Line<'_>,
        sink: &mut dyn Sink,
        resource: Resource,
        kind: &str,
        avg10: f64,
    ) {
        if !self.open_at(None, line, sink) {
            return;
        }
        let sample = &mut self.open.as_mut().expect("opened").sample;
        let slot = match (resource, kind) {
            (Resource::Cpu, "some") => &mut sample.psi_cpu_some_avg10,
            (Resource::Memory, "some") => &mut sample.psi_memory_some_avg10,
            (Resource::Memory, "full") => &mut sample.psi_memory_full_avg10,
            (Resource::Io, "some") => &mut sample.psi_io_some_avg10,
            (Resource::Io, "full") => &mut sample.psi_io_full_avg10,
            _ => return,
        };
        *slot = Some(avg10);
    }
}

/// The time of a `date` line or OSWatcher marker, and whether it is UTC:
/// `Thu Mar 12 09:44:05 UTC 2026` (C locale), `Thu 12 Mar 2026 09:44:05
/// AM UTC` is not read; ISO `2026-03-12T09:44:05+00:00` (`date -Is`) is.
fn marker_time(text: &str) -> Option<(NaiveDateTime, bool)> {
    let text = text.strip_prefix(OSWATCHER_MARKER).unwrap_or(text).trim();
    if text.as_bytes().get(4) == Some(&b'-') {
        return chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| (t.naive_utc(), true));
    }
    // A weekday starts the line: rows of figures are refused at their
    // first byte.
    if text
        .as_bytes()
        .first()
        .is_none_or(|b| b.is_ascii() && !b.is_ascii_alphabetic())
    {
        return None;
    }
    let [weekday, month, day, clock, zone, year] = exactly_words(text)?;
    if weekday.len() != 3
        || !zone
            .chars()
            .all(|c| c.is_ascii_alphabetic() || "+-0123456789".contains(c))
    {
        return None;
    }
    let joined = format!("{month} {day} {year} {clock}");
    let at = NaiveDateTime::parse_from_str(&joined, "%b %d %Y %H:%M:%S").ok()?;
    Some((at, matches!(zone, "UTC" | "GMT" | "Z")))
}

/// The `N` whitespace-separated words of `text`, when it has exactly that
/// many (without collecting the words of the long lines it is asked about).
fn exactly_words<const N: usize>(text: &str) -> Option<[&str; N]> {
    let mut words = text.split_whitespace();
    let mut found = [""; N];
    for slot in &mut found {
        *slot = words.next()?;
    }
    words.next().is_none().then_some(found)
}

fn is_top_header(text: &str) -> bool {
    text.starts_with("top - ") && text.contains("load average")
}

fn is_free_header(text: &str) -> bool {
    let mut words = text.split_whitespace();
    words.next() == Some("total") && words.next() == Some("used") && words.next() == Some("free")
}

/// A PSI line: the resource it names (`/proc/pressure/cpu:some …`), its
/// kind (`some`, `full`) and its 10-second average.
fn psi(text: &str) -> Option<(Option<Resource>, &str, f64)> {
    // Only a path (`/proc/pressure/cpu:`) has a slash: rows of figures
    // with a time in them are passed over without looking for its colon.
    let pathed = text.contains('/').then(|| text.split_once(':')).flatten();
    let (named, rest) = match pathed {
        Some((path, rest)) if path.contains("pressure/") => (resource_of(path), rest),
        _ => (None, text),
    };
    let (kind, averages) = rest.split_once(' ')?;
    if !matches!(kind, "some" | "full") {
        return None;
    }
    let avg10 = averages.split_whitespace().next()?.strip_prefix("avg10=")?;
    Some((named, kind, figure(avg10)?))
}

fn resource_of(path: &str) -> Option<Resource> {
    match path.rsplit('/').next()? {
        "cpu" => Some(Resource::Cpu),
        "memory" => Some(Resource::Memory),
        "io" => Some(Resource::Io),
        _ => None,
    }
}

/// A line naming the PSI file that follows: `cpu`, `/proc/pressure/io`,
/// `==> /proc/pressure/memory <==` (`head`/`tail` of several files).
fn resource_heading(text: &str) -> Option<Resource> {
    let name = text
        .trim()
        .trim_start_matches("==>")
        .trim_end_matches("<==")
        .trim()
        .trim_end_matches(':');
    match name {
        "cpu" | "memory" | "io" => resource_of(name),
        _ if name.contains("pressure/") => resource_of(name),
        _ => None,
    }
}

/// Reads top's `Tasks:`, `%Cpu(s):` (`Cpu(s):` with `%us` in procps 3),
/// and memory lines into `sample`; `false` for other lines.
fn top_summary(text: &str, sample: &mut SystemSample) -> bool {
    let Some((label, values)) = text.split_once(':') else {
        return false;
    };
    let pairs = values.split(',').filter_map(|part| {
        let part = part.trim().trim_end_matches('.');
        let (number, name) = part.split_once([' ', '%'])?;
        let number = number.trim().trim_end_matches(['k', 'K', 'm', 'M']);
        Some((figure(number)?, name.trim().trim_start_matches('%')))
    });
    match label.trim() {
        "Tasks" => {
            sample.run_queue = pairs.clone().find(|(_, n)| *n == "running").map(|(v, _)| v);
        }
        "%Cpu(s)" | "Cpu(s)" => {
            for (value, name) in pairs {
                let slot = match name {
                    "us" => &mut sample.cpu_user,
                    "sy" => &mut sample.cpu_system,
                    "id" => &mut sample.cpu_idle,
                    "wa" => &mut sample.cpu_iowait,
                    "st" => &mut sample.cpu_steal,
                    _ => continue,
                };
                *slot = Some(value);
            }
        }
        label if label.ends_with("Mem") || label == "Mem" => {
            let get = |key: &str| pairs.clone().find(|(_, n)| *n == key).map(|(v, _)| v);
            sample.memory_used_pct = used_pct(get("total"), get("used"));
        }
        label if label.ends_with("Swap") => {
            let get = |key: &str| {
                pairs
                    .clone()
                    .find(|(_, n)| n.starts_with(key))
                    .map(|(v, _)| v)
            };
            sample.swap_used_pct = used_pct(get("total"), get("used"));
        }
        _ => return false,
    }
    true
}

/// `free`'s `Mem:` or `Swap:` row under its header's columns.
fn free_row(label: &str, values: &str, columns: &[String], sample: &mut SystemSample) {
    let get = |key: &str| {
        let at = columns.iter().position(|c| c == key)?;
        figure(values.split_whitespace().nth(at)?)
    };
    let total = get("total");
    match label {
        "Mem" => {
            let used = match get("available") {
                Some(available) => total.map(|t| t - available),
                None => get("used"),
            };
            sample.memory_used_pct = used_pct(total, used);
        }
        _ => sample.swap_used_pct = used_pct(total, get("used")),
    }
}

fn used_pct(total: Option<f64>, used: Option<f64>) -> Option<f64> {
    let (total, used) = (total?, used?);
    (total > 0.0).then(|| (used / total * 1000.0).round() / 10.0)
}

/// `java (PID 12345, 180.0 %CPU, 51.2 %MEM)` of top's first process row.
fn top_process(row: &str) -> Option<String> {
    let fields: Vec<&str> = row.split_whitespace().collect();
    let [
        pid,
        _user,
        _pr,
        _ni,
        _virt,
        _res,
        _shr,
        _s,
        cpu,
        mem,
        _time,
        command,
        ..,
    ] = fields[..]
    else {
        return None;
    };
    Some(format!("{command} (PID {pid}, {cpu} %CPU, {mem} %MEM)"))
}

#[cfg(test)]
mod tests {
    use crate::model::LogTime;
    use crate::parse::metrics::{MetricsParser, samples_of};
    use crate::parse::testing::run;

    #[test]
    fn an_oswatcher_top_snapshot_with_its_first_process() {
        let got = samples_of(
            "zzz ***Thu Mar 12 09:44:05 UTC 2026
top - 09:44:06 up 12 days,  3:10,  2 users,  load average: 7.12, 5.40, 3.01
Tasks: 231 total,   9 running, 222 sleeping,   0 stopped,   0 zombie
%Cpu(s): 45.2 us,  8.1 sy,  0.0 ni,  0.3 id, 12.0 wa,  0.0 hi,  0.4 si, 34.0 st
MiB Mem :  16000.0 total,    212.4 free,  14876.0 used,    903.9 buff/cache
MiB Swap:   4096.0 total,   1024.0 free,   3072.0 used.    612.8 avail Mem

    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND
  12345 infa      20   0   12.3g   8.1g  23456 S 180.0  51.2 123:45.67 java
  23456 root      20   0  123456   7890   1234 S   2.0   0.1   0:01.00 sshd
",
        );
        assert_eq!(got.len(), 1, "{got:#?}");
        let (time, s) = &got[0];
        assert!(matches!(time, LogTime::Zoned(t) if t.to_rfc3339() == "2026-03-12T09:44:06+00:00"));
        assert_eq!(s.load_1m, Some(7.12));
        assert_eq!(s.run_queue, Some(9.0));
        assert_eq!(
            (s.cpu_idle, s.cpu_iowait, s.cpu_steal),
            (Some(0.3), Some(12.0), Some(34.0))
        );
        assert_eq!(s.memory_used_pct, Some(93.0));
        assert_eq!(s.swap_used_pct, Some(75.0));
        assert_eq!(
            s.top_process.as_deref(),
            Some("java (PID 12345, 180.0 %CPU, 51.2 %MEM)")
        );
    }

    #[test]
    fn procps_3_top_and_a_top_just_after_midnight() {
        let got = samples_of(
            "Thu Mar 12 23:59:58 CET 2026
top - 00:00:03 up 40 days,  1:02,  1 user,  load average: 1.00, 0.50, 0.20
Tasks: 120 total,   2 running, 118 sleeping,   0 stopped,   0 zombie
Cpu(s): 12.3%us,  2.1%sy,  0.0%ni, 80.0%id,  5.6%wa,  0.0%hi,  0.0%si,  0.0%st
Mem:  16267056k total, 15000000k used,  1267056k free,   120000k buffers
Swap:  4194300k total,        0k used,  4194300k free,  9000000k cached
",
        );
        let (time, s) = &got[0];
        assert!(
            matches!(time, LogTime::Local(t) if t.to_string() == "2026-03-13 00:00:03"),
            "{time:?}"
        );
        assert_eq!((s.cpu_user, s.cpu_idle), (Some(12.3), Some(80.0)));
        assert_eq!(s.memory_used_pct, Some(92.2));
        assert_eq!(s.swap_used_pct, Some(0.0));
    }

    #[test]
    fn free_and_pressure_after_date_lines() {
        let got = samples_of(
            "2026-03-12T09:44:05+00:00
               total        used        free      shared  buff/cache   available
Mem:           24105        2896       19658           9        3975        1205
Swap:           4096        1024        3072
/proc/pressure/cpu:some avg10=61.73 avg60=30.62 avg300=13.07 total=19392130537
/proc/pressure/memory:full avg10=12.50 avg60=0.00 avg300=0.00 total=6585597
2026-03-12T09:44:10+00:00
io
some avg10=0.04 avg60=0.25 avg300=0.33 total=595684457
full avg10=42.00 avg60=0.07 avg300=0.22 total=315818164
",
        );
        assert_eq!(got.len(), 2, "{got:#?}");
        let s = &got[0].1;
        assert_eq!(s.memory_used_pct, Some(95.0), "total minus available");
        assert_eq!(s.swap_used_pct, Some(25.0));
        assert_eq!(s.psi_cpu_some_avg10, Some(61.73));
        assert_eq!(s.psi_memory_full_avg10, Some(12.5));
        assert_eq!(got[1].1.psi_io_full_avg10, Some(42.0));
    }

    #[test]
    fn snapshots_with_no_date_are_skipped_with_one_warning() {
        let got = run(
            MetricsParser::new(),
            "top - 09:44:06 up 12 days,  3:10,  2 users,  load average: 7.12, 5.40, 3.01
Tasks: 231 total,   9 running, 222 sleeping,   0 stopped,   0 zombie
top - 09:44:11 up 12 days,  3:10,  2 users,  load average: 7.12, 5.40, 3.01
",
        );
        assert!(got.events.is_empty());
        assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
        assert!(got.warnings[0].1.contains("`date`"));
    }
}
