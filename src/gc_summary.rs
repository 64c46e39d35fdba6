//! Per-file GC summary for `hbdiag gc`, in garbagecat's order: the
//! summary (JVM, collector, time covered, pauses, stopped time, throughput),
//! findings by severity, each with its evidence line and numbered remedies,
//! and bottlenecks (stretches of low throughput), then the longest pauses.
//! The summary is computed from parsed events first, as the parser emits
//! them and without keeping them, and rendered after ([`render_text`], or
//! serde for JSON), so every output shows the same figures.

use crate::model::{Event, EventKind, GcPause, LogTime, PauseKind, Safepoint};
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
/// A pause at least this long is a finding of its own: a JVM frozen for
/// seconds misses heartbeats and requests.
const LONG_PAUSE_MS: f64 = 1_000.0;
/// A pause this long is critical: it outlasts common heartbeat intervals.
const CRITICAL_PAUSE_MS: f64 = 10_000.0;
/// Throughput is judged over sliding windows of this length…
const THROUGHPUT_WINDOW_MS: f64 = 300_000.0;
/// …and a window leaving the application less than this share is a
/// bottleneck (garbagecat's default threshold),
const LOW_THROUGHPUT_PCT: f64 = 90.0;
/// …a critical one below this share.
const CRITICAL_THROUGHPUT_PCT: f64 = 50.0;
/// Header lines searched for the JVM's name and version.
const JVM_HEADER_LINES: u64 = 100;

/// What one GC log says about stop-the-world time.
#[derive(Clone, Debug, Serialize)]
pub struct GcSummary {
    /// The file, as given by the caller.
    pub path: String,
    /// The JVM as its header names it (`OpenJDK 64-Bit Server VM (25.342-b07)
    /// for linux-amd64 JRE (1.8.0_342-b07)`, `JDK 17.0.4+8 (release)`);
    /// `null` when the log has no header.
    pub jvm: Option<String>,
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
    /// Advice, one entry per kind with its worst evidence, most severe first.
    pub findings: Vec<Finding>,
    /// Stretches where sliding 5-minute windows left the application less
    /// than 90 % of the time, in time order.
    pub bottlenecks: Vec<Bottleneck>,
}

/// A stretch of low throughput: the union of the overlapping 5-minute
/// windows with less than 90 % throughput, of the windows that start at a
/// pause's start or end at a pause's end (which hold the worst of them). A
/// run shorter than 5 minutes has none.
#[derive(Clone, Debug, Serialize)]
pub struct Bottleneck {
    /// Start and end of the stretch, as in [`GcSummary::first_time`].
    pub start: String,
    pub end: String,
    /// The lowest throughput of a window in it, in percent.
    pub min_throughput_pct: f64,
    /// Pauses in the stretch and their total length.
    pub pauses: usize,
    pub pause_ms: f64,
    /// Lines of its first and last pause.
    pub first_line: u64,
    pub last_line: u64,
}

/// How urgent a finding is; findings are listed most severe first.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Freezes long enough to break a cluster, or an OutOfMemoryError near.
    Critical,
    /// Costs pause time or throughput worth fixing.
    Warning,
    /// Worth knowing; costs little so far.
    Info,
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
    /// A single pause of a second or more.
    LongPause,
    /// Less than 90 % throughput over some 5-minute window.
    LowThroughput,
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
    /// How urgent it is, from its kind and its worst evidence.
    pub severity: Severity,
    /// What to change, in the order to try it; only steps that fit what
    /// was found (the collector, the kind of the pause).
    pub remedy: Vec<String>,
}

/// Parses a GC log from `reader` and summarizes it as the events come,
/// without keeping them (see [`Summarizer`]); lines are read with the
/// default cap and bad bytes repaired.
pub fn summarize_reader<R: BufRead>(path: &str, reader: R) -> io::Result<GcSummary> {
    let mut lines = LineReader::new(reader, DEFAULT_MAX_LINE);
    let mut parser = GcParser::new();
    let mut summarizer = Summarizer::new(path);
    let mut jvm = None;
    while let Some(line) = lines.next_line()? {
        if jvm.is_none() && line.number <= JVM_HEADER_LINES {
            jvm = jvm_of(line.text);
        }
        parser.line(&line, &mut summarizer);
    }
    parser.finish(&mut summarizer);
    let mut summary = summarizer.finish();
    summary.jvm = jvm;
    Ok(summary)
}

/// The JVM a header line names: JDK 8's `… Server VM (…) for … JRE (…),
/// built on …`, unified logging's `[gc,init] Version: …`, OpenJ9's
/// `<verbosegc … version="…">`.
fn jvm_of(line: &str) -> Option<String> {
    let found = if line.contains(" VM (") && line.contains(" JRE (") {
        line.split(", built on").next().map(str::to_string)
    } else if let Some((_, version)) = line.split_once("] Version: ") {
        Some(format!("JDK {version}"))
    } else if line.starts_with("<verbosegc ") {
        let version = line.split_once("version=\"")?.1.split('"').next()?;
        Some(format!("OpenJ9 {version}"))
    } else {
        None
    };
    found.map(|jvm| crop(jvm.trim()))
}

/// A summary being built from the events of one file, one at a time:
/// running totals, the longest pauses, one piece of evidence per finding,
/// and a compact record per pause for the throughput windows — a GC log
/// of hundreds of megabytes holds millions of events, which were too many
/// to keep. Unparsed lines and warnings do not change a summary.
struct Summarizer {
    summary: GcSummary,
    span: Option<Span>,
    longest: Longest,
    findings: Findings,
    previous: Option<Previous>,
    pauses: throughput::Pauses,
}

impl Summarizer {
    fn new(path: &str) -> Self {
        Summarizer {
            summary: GcSummary {
                path: path.to_string(),
                jvm: None,
                collector: None,
                pauses: 0,
                max_pause_ms: 0.0,
                total_pause_ms: 0.0,
                safepoints: 0,
                stopped_total_ms: 0.0,
                allocation_stalls: 0,
                allocation_stall_total_ms: 0.0,
                first_time: None,
                last_time: None,
                run_ms: None,
                throughput_pct: None,
                longest: Vec::new(),
                findings: Vec::new(),
                bottlenecks: Vec::new(),
            },
            span: None,
            longest: Longest::default(),
            findings: Findings::default(),
            previous: None,
            pauses: throughput::Pauses::default(),
        }
    }

    /// Takes in one event whose evidence (first line) is `text`.
    fn add(&mut self, event: &Event, text: &str) {
        let span = self.span.get_or_insert_with(|| Span::new(event.time));
        span.add(event);
        let origin = span.first;
        add_totals(&mut self.summary, event);
        let at = Evidence::of(event, text);
        match &event.kind {
            EventKind::GcPause(pause) => {
                let gap = self
                    .previous
                    .as_ref()
                    .and_then(|p| p.full_gc_gap(event.time));
                self.findings.pause(&at, pause, gap);
                self.previous = Some(Previous::of(event, pause));
                self.longest.add(event, pause);
                if let Some(start_ms) = event.time.millis_since(origin) {
                    self.pauses.add(start_ms, pause.duration_ms, &at);
                }
            }
            EventKind::Safepoint(safepoint) => self.findings.safepoint(&at, safepoint),
            _ => {}
        }
    }

    fn finish(self) -> GcSummary {
        let mut summary = self.summary;
        summary.longest = self.longest.finish();
        if let Some(span) = &self.span {
            summary.first_time = Some(time_text(span.first));
            span.finish(&mut summary);
        }
        let origin = self.span.as_ref().map(|s| s.first);
        let windows = self.pauses.windows(origin, summary.run_ms);
        summary.bottlenecks = windows.bottlenecks();
        let mut findings = self.findings;
        findings.low_throughput(&windows, summary.bottlenecks.len());
        summary.findings = findings.finish(summary.collector);
        summary
    }
}

impl Sink for Summarizer {
    fn event(&mut self, event: Event) {
        self.add(&event, &event.text);
    }
    fn lend(&mut self, event: &Event, evidence: &str) {
        self.add(event, evidence);
    }
    fn unparsed(&mut self, _line: &Line<'_>) {}
    fn warning(&mut self, _line: u64, _message: String) {}
}

/// The line a finding points at, and what its remedy depends on: the kind
/// and collector of its pause.
struct Evidence<'a> {
    line: u64,
    text: &'a str,
    pause: Option<PauseKind>,
    collector: Option<&'static str>,
}

impl<'a> Evidence<'a> {
    fn of(event: &Event, text: &'a str) -> Self {
        let pause = match &event.kind {
            EventKind::GcPause(pause) => Some(pause),
            _ => None,
        };
        Evidence {
            line: event.line,
            text,
            pause: pause.and_then(|p| p.kind),
            collector: pause.and_then(|p| p.collector),
        }
    }
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

/// The run so far: its first event's start, and the latest end after it
/// with its offset — `None` once an event is on another clock.
struct Span {
    first: LogTime,
    reach: Option<(f64, LogTime)>,
}

impl Span {
    fn new(first: LogTime) -> Self {
        Span {
            first,
            reach: Some((0.0, first)),
        }
    }

    fn add(&mut self, event: &Event) {
        let Some((run_ms, _)) = self.reach else {
            return;
        };
        let end = event.time.add_millis(duration_ms(event));
        self.reach = match end.millis_since(self.first) {
            Some(offset) if offset >= run_ms => Some((offset, end)),
            Some(_) => self.reach,
            None => None,
        };
    }

    /// Run span and throughput, when all events share one clock.
    fn finish(&self, summary: &mut GcSummary) {
        let Some((run_ms, last)) = self.reach else {
            return;
        };
        summary.last_time = Some(time_text(last));
        summary.run_ms = Some(run_ms);
        if run_ms > 0.0 {
            let pct = (run_ms - summary.total_pause_ms) / run_ms * 100.0;
            // Rounding can leave a pause-only span a hair below zero; `+ 0.0`
            // turns the resulting -0 into 0 so it never prints as "-0.00".
            summary.throughput_pct = Some(pct.clamp(0.0, 100.0) + 0.0);
        }
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

/// The longest pauses so far, longest first; of equal ones, the earliest.
#[derive(Default)]
struct Longest(Vec<Listed>);

/// A [`PauseRef`] before its time is written out.
struct Listed {
    line: u64,
    time: LogTime,
    duration_ms: f64,
    kind: Option<PauseKind>,
    cause: Option<String>,
}

impl Longest {
    fn add(&mut self, event: &Event, pause: &GcPause) {
        let at = self
            .0
            .partition_point(|p| p.duration_ms.total_cmp(&pause.duration_ms).is_ge());
        if at >= LONGEST_LISTED {
            return;
        }
        let listed = Listed {
            line: event.line,
            time: event.time,
            duration_ms: pause.duration_ms,
            kind: pause.kind,
            cause: pause.cause.clone(),
        };
        self.0.insert(at, listed);
        self.0.truncate(LONGEST_LISTED);
    }

    fn finish(self) -> Vec<PauseRef> {
        self.0
            .into_iter()
            .map(|p| PauseRef {
                line: p.line,
                time: time_text(p.time),
                duration_ms: p.duration_ms,
                kind: p.kind,
                cause: p.cause,
            })
            .collect()
    }
}

/// A time as text: RFC 3339 with offset, local ISO time, or `123.456s` uptime.
fn time_text(time: LogTime) -> String {
    match time {
        LogTime::Zoned(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
        LogTime::Local(t) => t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
        LogTime::Uptime(s) => format!("{s:.3}s"),
    }
}

/// A finding being collected: the weight of its evidence (the worst one
/// is kept), and the kind and collector of the evidence's pause, which
/// remedies depend on.
struct Noted {
    finding: Finding,
    weight: f64,
    pause: Option<PauseKind>,
    collector: Option<&'static str>,
}

/// Findings being collected: per kind, the count and the evidence with the
/// highest weight.
#[derive(Default)]
struct Findings(Vec<Noted>);

impl Findings {
    /// Severities and remedies, once every piece of evidence is in; most
    /// severe first.
    fn finish(self, collector: Option<&str>) -> Vec<Finding> {
        let mut list: Vec<Finding> = self
            .0
            .into_iter()
            .map(|noted| {
                let mut finding = noted.finding;
                finding.severity = severity(finding.kind, noted.weight);
                let collector = noted.collector.or(collector);
                finding.remedy = remedy(finding.kind, noted.pause, collector)
                    .iter()
                    .map(|step| step.to_string())
                    .collect();
                finding
            })
            .collect();
        list.sort_by_key(|f| (f.severity, f.kind));
        list
    }

    /// The low-throughput finding: its evidence the longest pause of the
    /// worst window, its count the stretches of low throughput.
    fn low_throughput(&mut self, windows: &throughput::Windows, stretches: usize) {
        let Some(worst) = windows.worst().filter(|w| w.pct() < LOW_THROUGHPUT_PCT) else {
            return;
        };
        let Some(longest) = windows.longest_in(worst) else {
            return;
        };
        let detail = || {
            format!(
                "throughput {:.1}% from {} to {}: {:.1} s of GC pauses in {:.0} s",
                worst.pct(),
                windows.time_at(worst.start_ms),
                windows.time_at(worst.end_ms),
                worst.pause_ms / 1000.0,
                (worst.end_ms - worst.start_ms) / 1000.0
            )
        };
        self.note(
            FindingKind::LowThroughput,
            100.0 - worst.pct(),
            &longest,
            detail,
        );
        if let Some(noted) = self.0.last_mut() {
            noted.finding.count = stretches;
        }
    }

    fn safepoint(&mut self, at: &Evidence<'_>, safepoint: &Safepoint) {
        let Some(ttsp) = safepoint
            .time_to_safepoint_ms
            .filter(|t| *t >= LONG_TTSP_MS)
        else {
            return;
        };
        let detail = || {
            format!(
                "time to safepoint {ttsp:.1} ms of {:.1} ms stopped",
                safepoint.duration_ms
            )
        };
        self.note(FindingKind::LongTimeToSafepoint, ttsp, at, detail);
    }

    /// The findings of one pause; `full_gc_gap` is the time since the end of
    /// the pause before it, when that was a full GC less than
    /// [`BACK_TO_BACK_GAP_MS`] before.
    fn pause(&mut self, at: &Evidence<'_>, pause: &GcPause, full_gc_gap: Option<f64>) {
        let full = pause.kind == Some(PauseKind::Full);
        let cause = pause.cause.as_deref().unwrap_or("");
        if pause.duration_ms >= LONG_PAUSE_MS {
            let detail = || {
                format!(
                    "{:.1} ms {} pause{}",
                    pause.duration_ms,
                    pause
                        .kind
                        .map_or("GC".to_string(), |k| format!("{k:?}").to_lowercase()),
                    pause
                        .cause
                        .as_ref()
                        .map_or(String::new(), |c| format!(" ({c})"))
                )
            };
            self.note(FindingKind::LongPause, pause.duration_ms, at, detail);
        }
        if full && let Some(gap) = full_gc_gap {
            let detail = || format!("{:.0} ms after the previous full GC", gap.max(0.0));
            self.note(FindingKind::BackToBackFullGc, pause.duration_ms, at, detail);
        }
        if full && let Some(ratio) = heap_ratio(pause).filter(|r| *r >= HEAP_FULL_RATIO) {
            let detail = || format!("heap {:.0}% full after full GC", ratio * 100.0);
            self.note(FindingKind::HeapFullAfterFullGc, ratio, at, detail);
        }
        if cause == "System.gc()" || cause == "System" {
            self.note_pause(FindingKind::ExplicitGc, at, pause);
        }
        if cause == "Last ditch collection" || (full && cause.starts_with("Metadata GC")) {
            self.note_pause(FindingKind::MetaspaceFullGc, at, pause);
        }
        for failure in &pause.failures {
            let kind = match failure.as_str() {
                "promotion failed" => FindingKind::PromotionFailed,
                "to-space exhausted" | "to-space overflow" => FindingKind::EvacuationFailure,
                _ => FindingKind::ConcurrentModeFailure,
            };
            self.note_pause(kind, at, pause);
        }
        if let Some(excess) = wall_above_cpu(pause) {
            let detail = || {
                format!(
                    "real {:.2}s vs user {:.2}s + sys {:.2}s",
                    pause.real_s.unwrap_or(0.0),
                    pause.user_s.unwrap_or(0.0),
                    pause.sys_s.unwrap_or(0.0)
                )
            };
            self.note(FindingKind::WallTimeAboveCpu, excess, at, detail);
        }
    }

    fn note_pause(&mut self, kind: FindingKind, at: &Evidence<'_>, pause: &GcPause) {
        let detail = || format!("{:.1} ms pause", pause.duration_ms);
        self.note(kind, pause.duration_ms, at, detail);
    }

    /// Counts one more piece of evidence for `kind`; its text and `detail`
    /// are built only when it is the first or the heaviest so far.
    fn note(
        &mut self,
        kind: FindingKind,
        weight: f64,
        at: &Evidence<'_>,
        detail: impl FnOnce() -> String,
    ) {
        let evidence = || Noted {
            finding: Finding {
                kind,
                count: 1,
                line: at.line,
                text: crop(at.text),
                detail: detail(),
                severity: Severity::Info,
                remedy: Vec::new(),
            },
            weight,
            pause: at.pause,
            collector: at.collector,
        };
        match self.0.iter_mut().find(|n| n.finding.kind == kind) {
            Some(noted) => {
                let count = noted.finding.count + 1;
                if weight > noted.weight {
                    *noted = evidence();
                }
                noted.finding.count = count;
            }
            None => self.0.push(evidence()),
        }
    }
}

fn crop(text: &str) -> String {
    crate::parse::capped(text, MAX_FINDING_TEXT)
}

/// What the next pause needs of the one before it to tell back-to-back
/// full GCs.
struct Previous {
    end: LogTime,
    full: bool,
}

impl Previous {
    fn of(event: &Event, pause: &GcPause) -> Self {
        Previous {
            end: event.time.add_millis(pause.duration_ms),
            full: pause.kind == Some(PauseKind::Full),
        }
    }

    /// Gap from its end to `start` when it was a full GC too and ended less
    /// than [`BACK_TO_BACK_GAP_MS`] before.
    fn full_gc_gap(&self, start: LogTime) -> Option<f64> {
        if !self.full {
            return None;
        }
        let gap = start.millis_since(self.end)?;
        (gap < BACK_TO_BACK_GAP_MS).then_some(gap)
    }
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

/// How urgent a finding is: some kinds always are critical (the heap does
/// not hold the live set), a long pause or low throughput by how bad its
/// worst case is, an explicit GC or a slow safepoint by how long it stopped.
fn severity(kind: FindingKind, weight: f64) -> Severity {
    use FindingKind as K;
    match kind {
        K::BackToBackFullGc
        | K::HeapFullAfterFullGc
        | K::ConcurrentModeFailure
        | K::PromotionFailed => Severity::Critical,
        K::LongPause if weight >= CRITICAL_PAUSE_MS => Severity::Critical,
        K::LowThroughput if 100.0 - weight < CRITICAL_THROUGHPUT_PCT => Severity::Critical,
        K::ExplicitGc | K::LongTimeToSafepoint if weight < LONG_PAUSE_MS => Severity::Info,
        _ => Severity::Warning,
    }
}

/// The remedy of a kind of finding, in the order to try its steps; for a
/// long pause, by the kind of the pause and the collector.
fn remedy(
    kind: FindingKind,
    pause: Option<PauseKind>,
    collector: Option<&str>,
) -> Vec<&'static str> {
    use FindingKind as K;
    match kind {
        K::LongPause => long_pause_remedy(pause, collector),
        K::LowThroughput => vec![remedies::RARER_WITH_MORE_HEAP, remedies::FIND_ALLOCATION],
        K::BackToBackFullGc | K::HeapFullAfterFullGc => {
            vec![remedies::HEAP_FOR_LIVE_SET, remedies::HEAP_DUMP]
        }
        K::ExplicitGc => vec![remedies::DISABLE_EXPLICIT_GC, remedies::RMI_GC_INTERVAL],
        K::ConcurrentModeFailure => vec![
            remedies::CMS_EARLIER,
            remedies::OLD_GEN_ROOM,
            remedies::CMS_TO_G1,
        ],
        K::PromotionFailed => vec![remedies::OLD_GEN_ROOM, remedies::CMS_TO_G1],
        K::EvacuationFailure => vec![
            remedies::G1_MORE_HEAP,
            remedies::G1_RESERVE,
            remedies::G1_MARK_EARLIER,
        ],
        K::MetaspaceFullGc => vec![remedies::METASPACE_SIZE, remedies::METASPACE_LEAK],
        K::WallTimeAboveCpu => vec![remedies::CHECK_HOST_CPU, remedies::SHARED_HOST_THREADS],
        K::LongTimeToSafepoint => vec![remedies::SAFEPOINT_LOGGING, remedies::COUNTED_LOOPS],
    }
}

fn long_pause_remedy(pause: Option<PauseKind>, collector: Option<&str>) -> Vec<&'static str> {
    let full = matches!(pause, Some(PauseKind::Full | PauseKind::Degenerated));
    let by_collector = match (full, collector) {
        (true, Some("Parallel" | "Serial")) => Some(remedies::STOP_THE_WORLD_TO_G1),
        (true, Some("CMS")) => Some(remedies::CMS_EARLIER),
        (true, Some("G1")) => Some(remedies::G1_MARK_EARLIER),
        (true, Some("OpenJ9")) => Some(remedies::OPENJ9_BALANCED),
        (false, Some("G1")) => Some(remedies::G1_PAUSE_GOAL),
        (false, Some("Parallel" | "Serial" | "CMS")) => Some(remedies::SMALLER_YOUNG_GEN),
        _ => None,
    };
    let first = if full {
        remedies::FULL_GC_HEAP
    } else {
        remedies::CHECK_HOST_CPU
    };
    std::iter::once(first).chain(by_collector).collect()
}

/// The steps remedies are made of: concrete JVM options, so a support
/// engineer can hand them on as they are.
mod remedies {
    pub const FULL_GC_HEAP: &str = "Give the old generation room: raise -Xmx (and set -Xms to the same) until the heap after a full GC is under 70 % of it";
    pub const STOP_THE_WORLD_TO_G1: &str = "This collector compacts the whole old generation in one pause: move to G1 (-XX:+UseG1GC -XX:MaxGCPauseMillis=200), which collects it a few regions at a time";
    pub const G1_PAUSE_GOAL: &str = "Set G1's pause goal to what the cluster tolerates (-XX:MaxGCPauseMillis=200, the default) and drop any fixed -Xmn or -XX:NewRatio, which stop G1 from sizing the young generation for it";
    pub const SMALLER_YOUNG_GEN: &str = "Copying the young generation takes this long: make it smaller (-Xmn), or move to G1 (-XX:+UseG1GC -XX:MaxGCPauseMillis=200)";
    pub const OPENJ9_BALANCED: &str = "Global collections stop everything: raise -Xmx, or use the region-based policy (-Xgcpolicy:balanced)";
    pub const RARER_WITH_MORE_HEAP: &str = "Collect less often: raise -Xmx (and set -Xms to the same) so more is allocated between collections";
    pub const FIND_ALLOCATION: &str = "Find what allocates: record with Java Flight Recorder (-XX:StartFlightRecording=duration=10m,filename=gc.jfr; JDK 11+, 8u262+) and look at the allocation hot spots";
    pub const HEAP_FOR_LIVE_SET: &str = "The live data does not fit: raise -Xmx (and set -Xms to the same), or cut what the service keeps (caches, concurrent sessions, result sets)";
    pub const HEAP_DUMP: &str = "If the heap left after each full GC keeps growing, it leaks: take a heap dump (jcmd PID GC.heap_dump /tmp/heap.hprof; -XX:+HeapDumpOnOutOfMemoryError) and look at its largest retainers";
    pub const DISABLE_EXPLICIT_GC: &str = "Ignore System.gc() calls: -XX:+DisableExplicitGC (where direct buffers rely on them to be freed, -XX:+ExplicitGCInvokesConcurrent with G1 or CMS instead)";
    pub const RMI_GC_INTERVAL: &str = "If RMI's distributed GC makes the calls (hourly), space them out: -Dsun.rmi.dgc.client.gcInterval=3600000 -Dsun.rmi.dgc.server.gcInterval=3600000";
    pub const CMS_EARLIER: &str = "Start CMS cycles earlier, so they end before the old generation fills: -XX:CMSInitiatingOccupancyFraction=70 -XX:+UseCMSInitiatingOccupancyOnly";
    pub const OLD_GEN_ROOM: &str =
        "Give the old generation room: raise -Xmx, or lower -Xmn so more of the heap is old";
    pub const CMS_TO_G1: &str = "CMS fragments the old generation and is gone from JDK 14: move to G1 (-XX:+UseG1GC), which compacts as it collects";
    pub const G1_MORE_HEAP: &str = "G1 found no free region to copy survivors into: raise -Xmx";
    pub const G1_RESERVE: &str =
        "Keep more regions free for evacuation: -XX:G1ReservePercent=20 (default 10)";
    pub const G1_MARK_EARLIER: &str = "Start concurrent marking earlier, so mixed collections free the old generation in time: -XX:InitiatingHeapOccupancyPercent=35 (default 45)";
    pub const METASPACE_SIZE: &str = "Start with a larger metaspace, so growing it needs no full GC: -XX:MetaspaceSize=256m (above what the service uses; JDK 8's default is about 21 MB)";
    pub const METASPACE_LEAK: &str = "If metaspace keeps growing, class loaders leak: check jcmd PID VM.classloader_stats, and cap it with -XX:MaxMetaspaceSize to fail fast";
    pub const CHECK_HOST_CPU: &str = "Check the host for that time (vmstat/sar: run queue above the cores, swapping si/so, iowait): a JVM waiting for CPU or memory pauses longer";
    pub const SHARED_HOST_THREADS: &str = "On a shared host, use fewer GC threads than the cores the JVM gets (-XX:ParallelGCThreads, -XX:ConcGCThreads) and keep the heap out of swap (-XX:+AlwaysPreTouch, vm.swappiness=1)";
    pub const SAFEPOINT_LOGGING: &str = "Find the operation and the thread that came late: -Xlog:safepoint*=info (JDK 9+) or -XX:+PrintSafepointStatistics -XX:PrintSafepointStatisticsCount=1 (JDK 8)";
    pub const COUNTED_LOOPS: &str = "Long counted loops in compiled code reach safepoints late on JDK 8: -XX:+UseCountedLoopSafepoints";
}

/// Throughput over sliding windows of [`THROUGHPUT_WINDOW_MS`], in one
/// pass over the pauses (two pointers over them, in time order). Of each
/// pause only its place on the run's clock and its line are kept, and the
/// evidence of those that may be the longest of a window ([`Maxima`]).
mod throughput {
    use super::{Bottleneck, Evidence, LOW_THROUGHPUT_PCT, THROUGHPUT_WINDOW_MS, time_text};
    use crate::model::{LogTime, PauseKind};
    use std::cmp::Ordering;

    /// A pause on the run's clock (milliseconds since the first event),
    /// and where it is: its line, and its place among the pauses as logged.
    #[derive(Copy, Clone, Debug)]
    struct Placed {
        start: f64,
        duration_ms: f64,
        line: u64,
        seq: usize,
    }

    impl Placed {
        fn end(&self) -> f64 {
            self.start + self.duration_ms
        }

        /// Whether it, logged after `other`, wins over it as the longest
        /// pause of a window holding both: it is longer, or as long and
        /// after it in time order (of equal pauses the last is taken).
        fn beats(&self, other: &Placed) -> bool {
            match self.duration_ms.total_cmp(&other.duration_ms) {
                Ordering::Greater => true,
                Ordering::Equal => self.start.total_cmp(&other.start).is_ge(),
                Ordering::Less => false,
            }
        }
    }

    /// The pauses of a run, as they come.
    #[derive(Default)]
    pub(super) struct Pauses {
        placed: Vec<Placed>,
        maxima: Maxima,
    }

    impl Pauses {
        /// Places a pause starting `start_ms` after the run's first event.
        pub fn add(&mut self, start_ms: f64, duration_ms: f64, at: &Evidence<'_>) {
            let placed = Placed {
                start: start_ms,
                duration_ms,
                line: at.line,
                seq: self.placed.len(),
            };
            self.placed.push(placed);
            self.maxima.add(placed, at);
        }

        /// The windows of a run from `origin` of `run_ms` (none when the run
        /// is not on one clock): 5 minutes wide, starting at every pause's
        /// start and ending at every pause's end — the most pause time any
        /// window holds is in one of those — and kept inside the run.
        pub fn windows(mut self, origin: Option<LogTime>, run_ms: Option<f64>) -> Windows {
            // A log is written in time order: this sort only moves a stray
            // line.
            if !self
                .placed
                .is_sorted_by(|a, b| a.start.total_cmp(&b.start).is_le())
            {
                self.placed.sort_by(|a, b| a.start.total_cmp(&b.start));
            }
            let mut windows = Windows {
                origin,
                pauses: self.placed,
                maxima: self.maxima,
                worst: None,
                low: Vec::new(),
            };
            // A run shorter than a window has no 5-minute stretch to judge
            // (its throughput is the summary's).
            if let Some(run_ms) = run_ms.filter(|r| *r >= THROUGHPUT_WINDOW_MS) {
                windows.sweep(run_ms);
            }
            windows
        }
    }

    /// One window: its span on the run's clock, the pause time inside it,
    /// and the pauses it touches (`first..last`, indices into the pauses
    /// in time order).
    #[derive(Copy, Clone, Debug)]
    pub(super) struct Window {
        pub start_ms: f64,
        pub end_ms: f64,
        pub pause_ms: f64,
        first: usize,
        last: usize,
    }

    impl Window {
        /// Share of the window the application ran, in percent.
        pub fn pct(&self) -> f64 {
            let width = self.end_ms - self.start_ms;
            (100.0 * (1.0 - self.pause_ms / width)).clamp(0.0, 100.0) + 0.0
        }
    }

    /// The pauses of a run in time order, its worst window and its
    /// low-throughput stretches.
    pub(super) struct Windows {
        origin: Option<LogTime>,
        pauses: Vec<Placed>,
        maxima: Maxima,
        worst: Option<Window>,
        low: Vec<Stretch>,
    }

    impl Windows {
        /// The window with the lowest throughput (the first of equal ones).
        pub fn worst(&self) -> Option<&Window> {
            self.worst.as_ref()
        }

        /// The longest pause a window touches (the last of equal ones).
        pub fn longest_in(&self, window: &Window) -> Option<Evidence<'_>> {
            let longest = self.pauses[window.first..window.last]
                .iter()
                .max_by(|a, b| a.duration_ms.total_cmp(&b.duration_ms))?;
            self.maxima.evidence(longest.seq)
        }

        /// A time on the run's clock as the log writes times.
        pub fn time_at(&self, ms: f64) -> String {
            self.origin
                .map_or_else(String::new, |origin| time_text(origin.add_millis(ms)))
        }

        /// The low-throughput windows, overlapping ones joined.
        pub fn bottlenecks(&self) -> Vec<Bottleneck> {
            self.low.iter().map(|s| self.bottleneck(s)).collect()
        }

        fn bottleneck(&self, stretch: &Stretch) -> Bottleneck {
            let span = &stretch.window;
            let touched = &self.pauses[span.first..span.last];
            Bottleneck {
                start: self.time_at(span.start_ms),
                end: self.time_at(span.end_ms),
                min_throughput_pct: stretch.min_pct,
                pauses: touched.len(),
                pause_ms: touched.iter().map(|p| p.duration_ms).sum(),
                first_line: touched.first().map_or(0, |p| p.line),
                last_line: touched.last().map_or(0, |p| p.line),
            }
        }

        /// Judges every window in order, keeping the worst and joining the
        /// low ones.
        fn sweep(&mut self, run_ms: f64) {
            for window in sweep(&self.pauses, THROUGHPUT_WINDOW_MS, run_ms) {
                if self
                    .worst
                    .is_none_or(|w| window.pct().total_cmp(&w.pct()).is_lt())
                {
                    self.worst = Some(window);
                }
                if window.pct() >= LOW_THROUGHPUT_PCT {
                    continue;
                }
                match self.low.last_mut() {
                    Some(last) if window.start_ms <= last.window.end_ms => last.join(&window),
                    _ => self.low.push(Stretch {
                        window,
                        min_pct: window.pct(),
                    }),
                }
            }
        }
    }

    /// Overlapping low windows joined: their span and pauses, and the
    /// lowest throughput among them.
    struct Stretch {
        window: Window,
        min_pct: f64,
    }

    impl Stretch {
        fn join(&mut self, window: &Window) {
            self.window.end_ms = self.window.end_ms.max(window.end_ms);
            self.window.first = self.window.first.min(window.first);
            self.window.last = self.window.last.max(window.last);
            self.min_pct = self.min_pct.min(window.pct());
        }
    }

    /// Pause time inside every window, both pointers only moving forward,
    /// each with the sum of the pause lengths before it.
    fn sweep(pauses: &[Placed], width: f64, run_ms: f64) -> impl Iterator<Item = Window> + '_ {
        let (mut lo, mut hi) = (0, 0);
        let (mut before_lo, mut before_hi) = (0.0, 0.0);
        starts(pauses, width, run_ms).map(move |start| {
            let end = start + width;
            while hi < pauses.len() && pauses[hi].start < end {
                before_hi += pauses[hi].end() - pauses[hi].start;
                hi += 1;
            }
            while lo < hi && pauses[lo].end() <= start {
                before_lo += pauses[lo].end() - pauses[lo].start;
                lo += 1;
            }
            let mut inside = before_hi - before_lo;
            if lo < hi {
                inside -= (start - pauses[lo].start).max(0.0);
                inside -= (pauses[hi - 1].end() - end).max(0.0);
            }
            Window {
                start_ms: start,
                end_ms: end,
                pause_ms: inside.clamp(0.0, width),
                first: lo,
                last: hi,
            }
        })
    }

    /// Window starts in order: each pause's start, and each pause's end
    /// less the width, merged, and clamped to the run.
    fn starts(pauses: &[Placed], width: f64, run_ms: f64) -> impl Iterator<Item = f64> + '_ {
        let clamp = move |t: f64| t.clamp(0.0, (run_ms - width).max(0.0));
        let mut by_start = pauses.iter().map(move |p| clamp(p.start)).peekable();
        // Ends are in order when pauses do not overlap; a running maximum
        // keeps them so when a log has overlapping ones.
        let mut latest_end = f64::MIN;
        let mut by_end = pauses
            .iter()
            .map(move |p| {
                latest_end = latest_end.max(p.end());
                clamp(latest_end - width)
            })
            .peekable();
        std::iter::from_fn(move || match (by_start.peek(), by_end.peek()) {
            (Some(a), Some(b)) if a <= b => by_start.next(),
            (Some(_), None) => by_start.next(),
            (_, Some(_)) => by_end.next(),
            (None, None) => None,
        })
    }

    /// The evidence of a pause, kept while it may be the longest of a
    /// window.
    struct Kept {
        line: u64,
        text: String,
        pause: Option<PauseKind>,
        collector: Option<&'static str>,
    }

    /// A pause whose evidence is kept, and the end of the nearest pause
    /// before it that beats it.
    struct Candidate {
        placed: Placed,
        beaten_before: Option<f64>,
        kept: Kept,
    }

    /// The evidence of every pause that may be the longest of a window,
    /// without knowing the windows yet: only the worst window's longest
    /// pause is named in the end, but all pauses do not fit in memory.
    ///
    /// A window touches a pause `p` when it starts in `(p.start - width,
    /// p.end)`. A pause `b` that beats `p` and starts no later covers the
    /// windows starting up to `b.end`; one that beats it and ends no
    /// earlier, `a`, those from `a.start - width` on. When `a.start -
    /// b.end` is under the width, every window touching `p` holds one of
    /// them, and `p`'s evidence can go. In a log in time order what is left
    /// are the pauses longest for minutes around them.
    #[derive(Default)]
    struct Maxima {
        /// Pauses so far, each longer than all after it: the nearest one
        /// that beats a new pause is on top once shorter ones are popped.
        longer: Vec<Placed>,
        /// Candidates a later pause may still rule out.
        open: Vec<Candidate>,
        /// Candidates no later pause in time order can rule out.
        settled: Vec<Candidate>,
    }

    /// Margin for rounding in window ends (`start + width`).
    const ROUNDING_MS: f64 = 1.0;

    impl Maxima {
        fn add(&mut self, placed: Placed, at: &Evidence<'_>) {
            self.rule_out(&placed);
            let candidate = Candidate {
                placed,
                beaten_before: self.beaten_before(&placed),
                kept: Kept {
                    line: at.line,
                    text: super::crop(at.text),
                    pause: at.pause,
                    collector: at.collector,
                },
            };
            if candidate.beaten_before.is_some() {
                self.open.push(candidate);
            } else {
                self.settled.push(candidate);
            }
        }

        /// Drops the candidates `after` rules out, and settles those it is
        /// too late for.
        fn rule_out(&mut self, after: &Placed) {
            let mut i = 0;
            while i < self.open.len() {
                let candidate = &self.open[i];
                let Some(before_end) = candidate.beaten_before else {
                    unreachable!("open candidates are beaten before");
                };
                let limit = before_end + THROUGHPUT_WINDOW_MS - ROUNDING_MS;
                let p = &candidate.placed;
                if after.beats(p) && after.end() >= p.end() && after.start < limit {
                    self.open.swap_remove(i);
                } else if after.start >= limit {
                    let settled = self.open.swap_remove(i);
                    self.settled.push(settled);
                } else {
                    i += 1;
                }
            }
        }

        /// The end of the nearest earlier pause that is longer and starts
        /// no later.
        fn beaten_before(&mut self, placed: &Placed) -> Option<f64> {
            while self
                .longer
                .last()
                .is_some_and(|top| !top.duration_ms.total_cmp(&placed.duration_ms).is_gt())
            {
                self.longer.pop();
            }
            let before = self
                .longer
                .last()
                .filter(|top| top.start.total_cmp(&placed.start).is_le())
                .map(Placed::end);
            self.longer.push(*placed);
            before
        }

        fn evidence(&self, seq: usize) -> Option<Evidence<'_>> {
            let candidate = self
                .open
                .iter()
                .chain(&self.settled)
                .find(|c| c.placed.seq == seq);
            debug_assert!(candidate.is_some(), "the longest of a window was kept");
            candidate.map(|c| Evidence {
                line: c.kept.line,
                text: &c.kept.text,
                pause: c.kept.pause,
                collector: c.kept.collector,
            })
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// Pauses of whole seconds up to 9 s, many as long as another, up
        /// to 20 s apart; some overlap the one before, some are logged a
        /// minute late.
        fn random_run(mut seed: u64) -> (Pauses, f64) {
            let (mut pauses, mut at, mut run_ms) = (Pauses::default(), 0.0, 0.0_f64);
            for line in 0..300 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let duration_ms = ((seed >> 33) % 10) as f64 * 1000.0;
                let start_ms = if (seed >> 40).is_multiple_of(13) {
                    (at - 60_000.0_f64).max(0.0)
                } else {
                    at
                };
                let at_line = Evidence {
                    line,
                    text: "pause",
                    pause: None,
                    collector: None,
                };
                pauses.add(start_ms, duration_ms, &at_line);
                run_ms = run_ms.max(start_ms + duration_ms);
                at += ((seed >> 45) % 20_000) as f64 - 2_000.0_f64.min(duration_ms);
            }
            (pauses, run_ms)
        }

        #[test]
        fn every_window_keeps_the_evidence_of_its_longest_pause() {
            for seed in 0..200 {
                let (pauses, run_ms) = random_run(seed);
                let windows = pauses.windows(Some(LogTime::Uptime(0.0)), Some(run_ms));
                for window in sweep(&windows.pauses, THROUGHPUT_WINDOW_MS, run_ms) {
                    let touches = window.first < window.last;
                    assert_eq!(windows.longest_in(&window).is_some(), touches, "{seed}");
                }
            }
        }
    }
}

/// The summaries as text, in garbagecat's order: a summary of each file,
/// the findings of all of them by severity, the bottlenecks, and the
/// longest pauses.
pub fn render_text(summaries: &[GcSummary]) -> String {
    let mut out = String::from("Summary\n");
    for s in summaries {
        out.push('\n');
        out.push_str(&summary_block(s));
    }
    out.push_str("\nFindings by severity\n");
    out.push_str(&findings_text(summaries));
    out.push_str(&format!(
        "\nBottlenecks: throughput under {LOW_THROUGHPUT_PCT:.0} % in a sliding {}-minute window\n",
        THROUGHPUT_WINDOW_MS / 60_000.0
    ));
    if summaries.iter().all(|s| s.bottlenecks.is_empty()) {
        out.push_str("None: every window left the application that share or more.\n");
    } else {
        out.push_str(&bottlenecks_table(summaries).to_string());
        out.push('\n');
    }
    out.push_str("\nLongest pauses\n");
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

/// One file's figures, one per line.
fn summary_block(s: &GcSummary) -> String {
    let mut rows: Vec<(&str, String)> = vec![
        (
            "JVM",
            s.jvm
                .as_deref()
                .map_or("not named in the log".into(), clean),
        ),
        ("Collector", s.collector.unwrap_or("unknown").to_string()),
        ("Time covered", covered(s)),
        (
            "GC pauses",
            format!("{}, {:.1} ms in total", s.pauses, s.total_pause_ms),
        ),
        ("Max pause", max_pause(s)),
        (
            "Total stopped time",
            format!(
                "{:.1} ms in {} safepoint(s)",
                s.stopped_total_ms, s.safepoints
            ),
        ),
    ];
    if s.allocation_stalls > 0 {
        rows.push((
            "Allocation stalls",
            format!(
                "{}, {:.1} ms",
                s.allocation_stalls, s.allocation_stall_total_ms
            ),
        ));
    }
    let throughput = s
        .throughput_pct
        .map_or("unknown".into(), |t| format!("{t:.2} %"));
    rows.push(("Throughput", throughput));
    let mut out = format!("{}\n", clean(&s.path));
    for (name, value) in rows {
        out.push_str(&format!("  {:<20}{value}\n", format!("{name}:")));
    }
    out
}

fn covered(s: &GcSummary) -> String {
    match (&s.first_time, &s.last_time, s.run_ms) {
        (Some(first), Some(last), Some(run_ms)) => {
            format!("{first} to {last} ({})", human_duration(run_ms))
        }
        (Some(first), _, _) => format!("from {first} (the times do not share one clock)"),
        _ => "unknown".into(),
    }
}

fn max_pause(s: &GcSummary) -> String {
    match s.longest.first() {
        Some(p) => format!("{:.1} ms (line {})", s.max_pause_ms, p.line),
        None => format!("{:.1} ms", s.max_pause_ms),
    }
}

/// `1h 02m 03s`, `19m 31s`, `4.2s`.
fn human_duration(ms: f64) -> String {
    let total = (ms / 1000.0).round() as u64;
    match (total / 3600, total / 60 % 60, total % 60) {
        (0, 0, _) => format!("{:.1}s", ms / 1000.0),
        (0, m, s) => format!("{m}m {s:02}s"),
        (h, m, s) => format!("{h}h {m:02}m {s:02}s"),
    }
}

/// Every file's findings under Critical, Warning and Info, each with its
/// file:line, figures, evidence and numbered remedy.
fn findings_text(summaries: &[GcSummary]) -> String {
    let mut out = String::new();
    for severity in [Severity::Critical, Severity::Warning, Severity::Info] {
        let found: Vec<(&GcSummary, &Finding)> = summaries
            .iter()
            .flat_map(|s| s.findings.iter().map(move |f| (s, f)))
            .filter(|(_, f)| f.severity == severity)
            .collect();
        if found.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{severity:?}\n"));
        for (s, f) in found {
            out.push_str(&finding_text(s, f));
        }
    }
    if out.is_empty() {
        out.push_str("\nNone.\n");
    }
    out
}

fn finding_text(s: &GcSummary, f: &Finding) -> String {
    let times = if f.count > 1 {
        format!(" ×{}", f.count)
    } else {
        String::new()
    };
    let mut out = format!(
        "  {}{times} at {}:{}\n    {}\n    > {}\n",
        kind_name(f.kind),
        clean(&s.path),
        f.line,
        clean(&f.detail),
        clean(&f.text.chars().take(100).collect::<String>())
    );
    for (i, step) in f.remedy.iter().enumerate() {
        out.push_str(&format!("    {}. {step}\n", i + 1));
    }
    out
}

/// The finding's serialized name (`explicit_gc`).
fn kind_name(kind: FindingKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn bottlenecks_table(summaries: &[GcSummary]) -> Table {
    let mut table = new_table(&[
        "file", "from", "to", "lowest %", "pauses", "pause ms", "lines",
    ]);
    for s in summaries {
        for b in &s.bottlenecks {
            table.add_row(vec![
                clean(&s.path),
                b.start.clone(),
                b.end.clone(),
                format!("{:.2}", b.min_throughput_pct),
                b.pauses.to_string(),
                format!("{:.1}", b.pause_ms),
                format!("{}–{}", b.first_line, b.last_line),
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
                FindingKind::ExplicitGc,
                FindingKind::LongPause
            ]
        );
        assert_eq!(s.findings[0].severity, Severity::Critical);
        assert_eq!(s.findings[3].severity, Severity::Warning);
        assert!(s.bottlenecks.is_empty(), "a 6 s run has no 5-minute window");
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
                FindingKind::LongPause,
                FindingKind::MetaspaceFullGc,
                FindingKind::WallTimeAboveCpu
            ]
        );
        let long = &s.findings[3];
        assert_eq!((long.severity, long.line), (Severity::Critical, 1));
        assert!(
            long.remedy[1].contains("CMSInitiatingOccupancyFraction"),
            "{long:?}"
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
        assert_eq!(
            s.findings[1].severity,
            Severity::Info,
            "250 ms to safepoint"
        );
        assert!(s.findings[0].remedy[1].contains("-XX:G1ReservePercent"));
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

    fn young(at_s: u64, secs: u64) -> String {
        format!(
            "{at_s}.000: [GC (Allocation Failure) [PSYoungGen: 10K->1K(20K)] 10K->1K(40K), {secs}.0000000 secs]\n"
        )
    }

    /// The windows of a log, and its run's length.
    fn windows_of(log: &str) -> (f64, throughput::Windows) {
        let mut parser = GcParser::new();
        let mut summarizer = Summarizer::new("gc.log");
        let mut lines = LineReader::new(log.as_bytes(), DEFAULT_MAX_LINE);
        while let Some(line) = lines.next_line().unwrap() {
            parser.line(&line, &mut summarizer);
        }
        parser.finish(&mut summarizer);
        let (run_ms, _) = summarizer.span.as_ref().and_then(|s| s.reach).unwrap();
        let origin = summarizer.span.as_ref().map(|s| s.first);
        (run_ms, summarizer.pauses.windows(origin, Some(run_ms)))
    }

    #[test]
    fn sliding_windows_find_the_worst_five_minutes() {
        // Pauses of 0–19 s, 1–99 s apart, over about an hour: whole seconds,
        // so the worst window starts at a whole second and a brute-force
        // scan of every second finds it too.
        let (mut log, mut spans, mut at, mut seed) = (String::new(), Vec::new(), 100_u64, 7_u64);
        for _ in 0..120 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let secs = (seed >> 33) % 20;
            log.push_str(&young(at, secs));
            spans.push((at - 100, at - 100 + secs));
            at += secs + 1 + (seed >> 40) % 99;
        }
        let (run_ms, windows) = windows_of(&log);
        let width = 300;
        let brute = (0..=(run_ms as u64 / 1000 - width))
            .map(|t| {
                let paused: u64 = spans
                    .iter()
                    .map(|&(s, e)| e.min(t + width).saturating_sub(s.max(t)))
                    .sum();
                100.0 * (1.0 - paused as f64 / width as f64)
            })
            .fold(f64::INFINITY, f64::min);
        assert!(
            (windows.worst().unwrap().pct() - brute).abs() < 1e-9,
            "{brute}"
        );
    }

    #[test]
    fn one_long_full_gc_is_critical_and_a_bottleneck() {
        let mut log = young(10, 0);
        log.push_str("400.000: [Full GC (Ergonomics) [PSYoungGen: 10K->0K(20K)] [ParOldGen: 500K->300K(900K)] 510K->300K(920K), 35.0000000 secs] [Times: user=70.00 sys=0.00, real=35.00 secs]\n");
        log.push_str(&young(1000, 0));
        let s = summary_of(&log);
        assert_eq!(
            kinds(&s),
            [FindingKind::LongPause, FindingKind::LowThroughput]
        );
        let long = &s.findings[0];
        assert_eq!(
            (long.severity, long.line, long.count),
            (Severity::Critical, 2, 1)
        );
        assert_eq!(long.detail, "35000.0 ms full pause (Ergonomics)");
        assert!(
            long.remedy[1].contains("-XX:+UseG1GC"),
            "Parallel: {:?}",
            long.remedy
        );
        let low = &s.findings[1];
        assert_eq!((low.severity, low.line), (Severity::Warning, 2));
        assert!(
            low.detail.starts_with("throughput 88.3% from "),
            "{}",
            low.detail
        );
        assert_eq!(s.bottlenecks.len(), 1);
        let b = &s.bottlenecks[0];
        assert_eq!((b.pauses, b.first_line, b.last_line), (1, 2, 2));
        assert!((b.min_throughput_pct - 88.333_333).abs() < 1e-3, "{b:?}");
        assert_eq!((b.start.as_str(), b.end.as_str()), ("135.000s", "700.000s"));
    }

    #[test]
    fn the_jvm_is_read_from_the_header() {
        for (line, jvm) in [
            (
                "OpenJDK 64-Bit Server VM (25.342-b07) for linux-amd64 JRE (1.8.0_342-b07), built on Jul 16 2022 09:19:19 by \"openjdk\"",
                "OpenJDK 64-Bit Server VM (25.342-b07) for linux-amd64 JRE (1.8.0_342-b07)",
            ),
            (
                "[2022-08-17T00:34:03.652+0800][0.003s][info][gc,init  ] Version: 17.0.4+8 (release)",
                "JDK 17.0.4+8 (release)",
            ),
            (
                "<verbosegc xmlns=\"http://www.ibm.com/j9/verbosegc\" version=\"R28_Java8_GA_20150116\">",
                "OpenJ9 R28_Java8_GA_20150116",
            ),
        ] {
            assert_eq!(jvm_of(line).as_deref(), Some(jvm));
        }
        assert_eq!(
            jvm_of("10.0: [GC (Allocation Failure) 1K->0K(2K), 0.1 secs]"),
            None
        );
    }
}
