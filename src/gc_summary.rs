//! Per-file GC summary: pause and safepoint totals, throughput, the longest
//! pauses and advice findings with their evidence line, for `hbdiag gc`.
//! The summary is computed from parsed events first and rendered after
//! ([`render_text`], or serde for JSON), so every output shows the same
//! figures.

use crate::model::{Event, EventKind, GcPause, LogTime, PauseKind};
use crate::parse::gc::GcParser;
use crate::parse::{Parser, Sink};
use crate::read::{DEFAULT_MAX_LINE, Line, LineReader};
use comfy_table::Table;
use serde::Serialize;
use std::io::{self, BufRead};

/// How many of the longest pauses a summary lists.
const LONGEST_LISTED: usize = 5;
/// Two full GCs closer than this (end to start), with no other collection
/// between them, are back to back.
const BACK_TO_BACK_GAP_MS: f64 = 60_000.0;
/// Heap occupancy after a full GC, as a share of capacity, that leaves the
/// application no room.
const HEAP_FULL_RATIO: f64 = 0.9;
/// Below this wall time, `[Times]`' 10 ms resolution makes ratios noise.
const MIN_REAL_S: f64 = 0.10;
/// Time to safepoint worth a finding.
const LONG_TTSP_MS: f64 = 100.0;
/// Longest evidence text kept in a finding.
const MAX_FINDING_TEXT: usize = 300;

/// What one GC log says about stop-the-world time.
#[derive(Clone, Debug, Serialize)]
pub struct GcSummary {
    /// The file, as given by the caller.
    pub path: String,
    /// Collector named or inferred from the log (`G1`, `CMS`, `OpenJ9`, …).
    pub collector: Option<&'static str>,
    /// Number of stop-the-world GC pauses.
    pub pauses: usize,
    /// Longest pause: the worst single freeze GC caused.
    pub max_pause_ms: f64,
    /// Sum of pause durations.
    pub total_pause_ms: f64,
    /// Number of safepoint / stopped-time records.
    pub safepoints: usize,
    /// Sum of safepoint (application stopped) time; ≥ GC pause time.
    pub stopped_total_ms: f64,
    /// Allocation/relocation stalls (ZGC, Shenandoah): mutators blocked.
    pub allocation_stalls: usize,
    /// Sum of stall durations.
    pub allocation_stall_total_ms: f64,
    /// Start of the first event, as written (offset, local or uptime).
    pub first_time: Option<String>,
    /// End of the last event.
    pub last_time: Option<String>,
    /// Span from the first event's start to the last event's end.
    pub run_ms: Option<f64>,
    /// Share of the run not spent in GC pauses, in percent.
    pub throughput_pct: Option<f64>,
    /// The longest pauses, longest first.
    pub longest: Vec<PauseRef>,
    /// Advice, one entry per kind with its worst or first evidence.
    pub findings: Vec<Finding>,
}

/// One pause named in a summary.
#[derive(Clone, Debug, Serialize)]
pub struct PauseRef {
    /// Line of the pause's first line in the file.
    pub line: u64,
    /// Start of the pause, as in [`GcSummary::first_time`].
    pub time: String,
    /// How long the application was frozen by it.
    pub duration_ms: f64,
    /// Young, full, remark, …
    pub kind: Option<PauseKind>,
    /// Trigger as logged.
    pub cause: Option<String>,
}

/// Advice a summary can give; the serialized names are stable.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Full GCs follow each other: the heap is too small for the live set.
    BackToBackFullGc,
    /// The heap stays almost full after a full GC: an OutOfMemoryError is near.
    HeapFullAfterFullGc,
    /// `System.gc()` triggered collections.
    ExplicitGc,
    /// CMS could not finish before the old generation filled up.
    ConcurrentModeFailure,
    /// Young survivors did not fit into the old generation.
    PromotionFailed,
    /// G1 ran out of to-space while evacuating.
    EvacuationFailure,
    /// Full GCs triggered by metaspace (`Last ditch collection`, `Metadata GC Threshold`).
    MetaspaceFullGc,
    /// Wall time above user+sys: threads waited for CPU or I/O (starvation hint).
    WallTimeAboveCpu,
    /// Threads took long to reach a safepoint.
    LongTimeToSafepoint,
}

/// One kind of advice with how often it applied and its evidence.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// What the advice is about.
    pub kind: FindingKind,
    /// Events it applied to.
    pub count: usize,
    /// Line of the evidence event.
    pub line: u64,
    /// The evidence event's first line.
    pub text: String,
    /// The figures behind it.
    pub detail: String,
}

/// Summarizes the events [`GcParser`] produced for the file at `path`.
pub fn summarize(path: &str, events: &[Event]) -> GcSummary {
    let mut summary = GcSummary {
        path: path.to_string(),
        collector: None,
        pauses: 0,
        max_pause_ms: 0.0,
        total_pause_ms: 0.0,
        safepoints: 0,
        stopped_total_ms: 0.0,
        allocation_stalls: 0,
        allocation_stall_total_ms: 0.0,
        first_time: events.first().map(|e| time_text(e.time)),
        last_time: None,
        run_ms: None,
        throughput_pct: None,
        longest: longest_pauses(events),
        findings: Findings::of(events),
    };
    for event in events {
        add_totals(&mut summary, event);
    }
    add_span(&mut summary, events);
    summary
}

/// Parses a GC log from `reader` and summarizes it; lines are read with the
/// default cap and bad bytes repaired.
pub fn summarize_reader<R: BufRead>(path: &str, reader: R) -> io::Result<GcSummary> {
    let mut lines = LineReader::new(reader, DEFAULT_MAX_LINE);
    let mut parser = GcParser::new();
    let mut events = Events(Vec::new());
    while let Some(line) = lines.next_line()? {
        parser.line(&line, &mut events);
    }
    parser.finish(&mut events);
    Ok(summarize(path, &events.0))
}

/// Keeps events only; unparsed lines and warnings do not change a summary.
struct Events(Vec<Event>);

impl Sink for Events {
    fn event(&mut self, event: Event) {
        self.0.push(event);
    }
    fn unparsed(&mut self, _line: &Line<'_>) {}
    fn warning(&mut self, _line: u64, _message: String) {}
}

fn add_totals(summary: &mut GcSummary, event: &Event) {
    match &event.kind {
        EventKind::GcPause(pause) => {
            summary.pauses += 1;
            summary.total_pause_ms += pause.duration_ms;
            summary.max_pause_ms = summary.max_pause_ms.max(pause.duration_ms);
            if pause.collector.is_some() {
                summary.collector = pause.collector;
            }
        }
        EventKind::Safepoint(safepoint) => {
            summary.safepoints += 1;
            summary.stopped_total_ms += safepoint.duration_ms;
        }
        EventKind::AllocationStall(stall) => {
            summary.allocation_stalls += 1;
            summary.allocation_stall_total_ms += stall.duration_ms;
        }
        _ => {}
    }
}

/// Run span and throughput, when all events share one clock.
fn add_span(summary: &mut GcSummary, events: &[Event]) {
    let Some(first) = events.first().map(|e| e.time) else {
        return;
    };
    let mut run_ms: f64 = 0.0;
    let mut last = first;
    for event in events {
        let end = event.time.add_millis(duration_ms(event));
        let Some(offset) = end.millis_since(first) else {
            return;
        };
        if offset >= run_ms {
            run_ms = offset;
            last = end;
        }
    }
    summary.last_time = Some(time_text(last));
    summary.run_ms = Some(run_ms);
    if run_ms > 0.0 {
        let pct = (run_ms - summary.total_pause_ms) / run_ms * 100.0;
        // Rounding can leave a pause-only span a hair below zero; `+ 0.0`
        // turns the resulting -0 into 0 so it never prints as "-0.00".
        summary.throughput_pct = Some(pct.clamp(0.0, 100.0) + 0.0);
    }
}

fn duration_ms(event: &Event) -> f64 {
    match &event.kind {
        EventKind::GcPause(p) => p.duration_ms,
        EventKind::Safepoint(s) => s.duration_ms,
        EventKind::AllocationStall(s) => s.duration_ms,
        _ => 0.0,
    }
}

fn pauses(events: &[Event]) -> impl Iterator<Item = (&Event, &GcPause)> {
    events.iter().filter_map(|e| match &e.kind {
        EventKind::GcPause(p) => Some((e, &**p)),
        _ => None,
    })
}

fn longest_pauses(events: &[Event]) -> Vec<PauseRef> {
    let mut all: Vec<_> = pauses(events).collect();
    all.sort_by(|a, b| b.1.duration_ms.total_cmp(&a.1.duration_ms));
    all.into_iter()
        .take(LONGEST_LISTED)
        .map(|(event, pause)| PauseRef {
            line: event.line,
            time: time_text(event.time),
            duration_ms: pause.duration_ms,
            kind: pause.kind,
            cause: pause.cause.clone(),
        })
        .collect()
}

/// A time as text: RFC 3339 with offset, local ISO time, or `123.456s` uptime.
fn time_text(time: LogTime) -> String {
    match time {
        LogTime::Zoned(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
        LogTime::Local(t) => t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
        LogTime::Uptime(s) => format!("{s:.3}s"),
    }
}

/// Findings being collected: per kind, the count and the evidence with the
/// highest weight.
#[derive(Default)]
struct Findings(Vec<(Finding, f64)>);

impl Findings {
    fn of(events: &[Event]) -> Vec<Finding> {
        let mut found = Findings::default();
        let mut previous: Option<(&Event, &GcPause)> = None;
        for event in events {
            match &event.kind {
                EventKind::GcPause(pause) => {
                    found.pause(event, pause, previous);
                    previous = Some((event, pause));
                }
                EventKind::Safepoint(sp) => {
                    if let Some(ttsp) = sp.time_to_safepoint_ms.filter(|t| *t >= LONG_TTSP_MS) {
                        let detail = format!(
                            "time to safepoint {ttsp:.1} ms of {:.1} ms stopped",
                            sp.duration_ms
                        );
                        found.note(FindingKind::LongTimeToSafepoint, ttsp, event, detail);
                    }
                }
                _ => {}
            }
        }
        let mut list: Vec<Finding> = found.0.into_iter().map(|(f, _)| f).collect();
        list.sort_by_key(|f| f.kind);
        list
    }

    fn pause(&mut self, event: &Event, pause: &GcPause, previous: Option<(&Event, &GcPause)>) {
        let full = pause.kind == Some(PauseKind::Full);
        let cause = pause.cause.as_deref().unwrap_or("");
        if full && let Some(gap) = back_to_back_gap(event, previous) {
            let detail = format!("{:.0} ms after the previous full GC", gap.max(0.0));
            self.note(
                FindingKind::BackToBackFullGc,
                pause.duration_ms,
                event,
                detail,
            );
        }
        if full && let Some(ratio) = heap_ratio(pause).filter(|r| *r >= HEAP_FULL_RATIO) {
            let detail = format!("heap {:.0}% full after full GC", ratio * 100.0);
            self.note(FindingKind::HeapFullAfterFullGc, ratio, event, detail);
        }
        if cause == "System.gc()" || cause == "System" {
            self.note_pause(FindingKind::ExplicitGc, event, pause);
        }
        if cause == "Last ditch collection" || (full && cause.starts_with("Metadata GC")) {
            self.note_pause(FindingKind::MetaspaceFullGc, event, pause);
        }
        for failure in &pause.failures {
            let kind = match failure.as_str() {
                "promotion failed" => FindingKind::PromotionFailed,
                "to-space exhausted" | "to-space overflow" => FindingKind::EvacuationFailure,
                _ => FindingKind::ConcurrentModeFailure,
            };
            self.note_pause(kind, event, pause);
        }
        if let Some(excess) = wall_above_cpu(pause) {
            let detail = format!(
                "real {:.2}s vs user {:.2}s + sys {:.2}s",
                pause.real_s.unwrap_or(0.0),
                pause.user_s.unwrap_or(0.0),
                pause.sys_s.unwrap_or(0.0)
            );
            self.note(FindingKind::WallTimeAboveCpu, excess, event, detail);
        }
    }

    fn note_pause(&mut self, kind: FindingKind, event: &Event, pause: &GcPause) {
        let detail = format!("{:.1} ms pause", pause.duration_ms);
        self.note(kind, pause.duration_ms, event, detail);
    }

    fn note(&mut self, kind: FindingKind, weight: f64, event: &Event, detail: String) {
        let evidence = Finding {
            kind,
            count: 1,
            line: event.line,
            text: crop(&event.text),
            detail,
        };
        match self.0.iter_mut().find(|(f, _)| f.kind == kind) {
            Some((finding, best)) => {
                let count = finding.count + 1;
                if weight > *best {
                    *finding = evidence;
                    *best = weight;
                }
                finding.count = count;
            }
            None => self.0.push((evidence, weight)),
        }
    }
}

fn crop(text: &str) -> String {
    crate::parse::capped(text, MAX_FINDING_TEXT)
}

/// Gap from the end of the previous pause when it was a full GC too and
/// ended less than [`BACK_TO_BACK_GAP_MS`] before.
fn back_to_back_gap(event: &Event, previous: Option<(&Event, &GcPause)>) -> Option<f64> {
    let (before, pause) = previous?;
    if pause.kind != Some(PauseKind::Full) {
        return None;
    }
    let gap = event
        .time
        .millis_since(before.time.add_millis(pause.duration_ms))?;
    (gap < BACK_TO_BACK_GAP_MS).then_some(gap)
}

fn heap_ratio(pause: &GcPause) -> Option<f64> {
    let capacity = pause.heap_capacity_kb.filter(|c| *c > 0)?;
    Some(pause.heap_after_kb? as f64 / capacity as f64)
}

/// Wall seconds not covered by CPU time, when the pause is long enough to
/// judge: for a single-threaded collector real must exceed user+sys by
/// 0.10 s and by 10 %; for a parallel one real above user+sys already means
/// its threads did not run (garbagecat's parallelism-inverted rules).
fn wall_above_cpu(pause: &GcPause) -> Option<f64> {
    let real = pause.real_s.filter(|r| *r >= MIN_REAL_S)?;
    let cpu = pause.user_s? + pause.sys_s.unwrap_or(0.0);
    let serial = pause.collector == Some("Serial");
    let inverted = if serial {
        real - cpu > MIN_REAL_S && cpu < 0.9 * real
    } else {
        cpu < real
    };
    inverted.then_some(real - cpu)
}

/// The summaries as text tables: one row per file, then findings and the
/// longest pauses.
pub fn render_text(summaries: &[GcSummary]) -> String {
    let mut out = files_table(summaries).to_string();
    let findings = findings_table(summaries);
    if !findings.is_empty() {
        out.push_str("\n\nFindings\n");
        out.push_str(&findings.to_string());
    }
    out.push_str("\n\nLongest pauses\n");
    out.push_str(&longest_table(summaries).to_string());
    out.push('\n');
    out
}

/// Input text (paths, log text) safe for a terminal.
fn clean(text: &str) -> String {
    crate::report::text::terminal_safe(text).into_owned()
}

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.set_header(header);
    table
}

fn files_table(summaries: &[GcSummary]) -> Table {
    let mut table = new_table(&[
        "file",
        "collector",
        "pauses",
        "max ms",
        "total ms",
        "stopped ms",
        "throughput %",
        "first",
        "last",
    ]);
    for s in summaries {
        table.add_row(vec![
            clean(&s.path),
            s.collector.unwrap_or_default().to_string(),
            s.pauses.to_string(),
            format!("{:.1}", s.max_pause_ms),
            format!("{:.1}", s.total_pause_ms),
            format!("{:.1}", s.stopped_total_ms),
            s.throughput_pct
                .map_or(String::new(), |t| format!("{t:.2}")),
            s.first_time.clone().unwrap_or_default(),
            s.last_time.clone().unwrap_or_default(),
        ]);
    }
    table
}

fn findings_table(summaries: &[GcSummary]) -> Table {
    let mut table = new_table(&["file", "finding", "count", "line", "detail", "evidence"]);
    for s in summaries {
        for f in &s.findings {
            table.add_row(vec![
                clean(&s.path),
                serde_json::to_value(f.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                f.count.to_string(),
                f.line.to_string(),
                clean(&f.detail),
                clean(&f.text.chars().take(100).collect::<String>()),
            ]);
        }
    }
    table
}

fn longest_table(summaries: &[GcSummary]) -> Table {
    let mut table = new_table(&["file", "time", "ms", "kind", "cause", "line"]);
    for s in summaries {
        for p in &s.longest {
            table.add_row(vec![
                clean(&s.path),
                p.time.clone(),
                format!("{:.1}", p.duration_ms),
                p.kind.map_or(String::new(), |k| format!("{k:?}")),
                clean(p.cause.as_deref().unwrap_or_default()),
                p.line.to_string(),
            ]);
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary_of(log: &str) -> GcSummary {
        summarize_reader("gc.log", log.as_bytes()).unwrap()
    }

    fn kinds(summary: &GcSummary) -> Vec<FindingKind> {
        summary.findings.iter().map(|f| f.kind).collect()
    }

    #[test]
    fn totals_span_and_throughput() {
        let s = summary_of(
            "\
10.000: [GC (Allocation Failure) [PSYoungGen: 10K->1K(20K)] 10K->1K(40K), 0.1000000 secs] [Times: user=0.20 sys=0.00, real=0.10 secs]
10.200: Total time for which application threads were stopped: 0.1500000 seconds
19.900: [GC (Allocation Failure) [PSYoungGen: 10K->1K(20K)] 10K->1K(40K), 0.1000000 secs] [Times: user=0.20 sys=0.00, real=0.10 secs]",
        );
        assert_eq!((s.pauses, s.safepoints), (2, 1));
        assert!((s.total_pause_ms - 200.0).abs() < 1e-9);
        assert!((s.stopped_total_ms - 150.0).abs() < 1e-9);
        assert_eq!(s.run_ms, Some(10_000.0));
        assert!((s.throughput_pct.unwrap() - 98.0).abs() < 1e-9);
        assert_eq!(s.first_time.as_deref(), Some("10.000s"));
        assert_eq!(s.last_time.as_deref(), Some("20.000s"));
        assert_eq!(s.collector, Some("Parallel"));
        assert!(s.findings.is_empty());
    }

    #[test]
    fn back_to_back_full_gcs_with_full_heap_and_explicit_gc() {
        let s = summary_of(
            "\
100.0: [Full GC (Ergonomics) [PSYoungGen: 10K->0K(20K)] [ParOldGen: 900K->890K(900K)] 910K->890K(920K), 2.0000000 secs] [Times: user=4.00 sys=0.00, real=2.00 secs]
103.0: [Full GC (System.gc()) [PSYoungGen: 10K->0K(20K)] [ParOldGen: 900K->895K(900K)] 910K->895K(920K), 3.0000000 secs] [Times: user=6.00 sys=0.00, real=3.00 secs]",
        );
        assert_eq!(
            kinds(&s),
            [
                FindingKind::BackToBackFullGc,
                FindingKind::HeapFullAfterFullGc,
                FindingKind::ExplicitGc
            ]
        );
        let heap = &s.findings[1];
        assert_eq!((heap.count, heap.line), (2, 2));
        assert_eq!(s.longest[0].duration_ms, 3000.0);
        assert_eq!(s.longest[0].cause.as_deref(), Some("System.gc()"));
    }

    #[test]
    fn cms_failures_metaspace_and_starvation() {
        let s = summary_of(
            "\
2746.109: [GC 2746.109: [ParNew (promotion failed): 242303K->242304K(242304K), 1.3009892 secs]2747.410: [CMS (concurrent mode failure): 5979868K->5968004K(6014592K), 78.3207206 secs] 6205857K->5968004K(6256896K), [CMS Perm : 207397K->207212K(262144K)], 79.6222096 secs] [Times: user=8.05 sys=4.32, real=79.62 secs]
3000.0: [Full GC (Last ditch collection) [PSYoungGen: 0K->0K(20K)] 10K->5K(40K), 0.5000000 secs]",
        );
        assert_eq!(
            kinds(&s),
            [
                FindingKind::HeapFullAfterFullGc,
                FindingKind::ConcurrentModeFailure,
                FindingKind::PromotionFailed,
                FindingKind::MetaspaceFullGc,
                FindingKind::WallTimeAboveCpu
            ]
        );
        let starvation = s
            .findings
            .iter()
            .find(|f| f.kind == FindingKind::WallTimeAboveCpu)
            .unwrap();
        assert_eq!(starvation.detail, "real 79.62s vs user 8.05s + sys 4.32s");
    }

    #[test]
    fn evacuation_failure_and_long_time_to_safepoint() {
        let s = summary_of(
            "\
10.5: [GC pause (G1 Evacuation Pause) (young) (to-space exhausted), 0.2000000 secs]
11.0: Total time for which application threads were stopped: 0.4000000 seconds, Stopping threads took: 0.2500000 seconds",
        );
        assert_eq!(
            kinds(&s),
            [
                FindingKind::EvacuationFailure,
                FindingKind::LongTimeToSafepoint
            ]
        );
        assert_eq!(s.findings[1].line, 2);
    }

    #[test]
    fn json_uses_snake_case_and_text_has_tables() {
        let s = summary_of("105.151: [Full GC (System.gc()) 5820M->1381M(30G), 5.5390169 secs]");
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"kind\":\"explicit_gc\""));
        assert!(json.contains("\"max_pause_ms\":5539.0169"));
        let text = render_text(&[s]);
        assert!(text.contains("explicit_gc"));
        assert!(text.contains("5539.0"));
    }
}
