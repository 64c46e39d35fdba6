//! Report stage: one typed report model built from the analysis; the
//! terminal table and the versioned JSON are renderers over it.

pub mod activity;
mod considered;
pub mod filter;
mod fingerprint;
pub mod html;
pub mod markdown;
pub mod schema;
pub mod text;
pub mod timeline_view;

use crate::incidents::{Incident, IncidentKind, Route, Severity};
use crate::model::{EventKind, LoggedAt, SourceKind};
use crate::pipeline::Analysis;
use crate::rules::{Finding, NotEvaluated, Verdict};
use crate::timeline::skew::Clock;
use crate::timeline::{Entry, HostId, OffsetSource, Timeline, Zone, ZoneError};
use chrono::{DateTime, SecondsFormat, Utc};
pub use considered::{ClauseReport, ConditionReport, ConsideredReport, LosingCause, SeenEvent};
use schemars::JsonSchema;
use serde::Serialize;

/// Version of the JSON report's shape; bumped on any incompatible change.
pub const SCHEMA_VERSION: &str = "1";

/// The report a ticketing system ingests.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Report {
    pub schema_version: &'static str,
    pub tool: Tool,
    pub sources: Vec<SourceReport>,
    pub hosts: Vec<HostReport>,
    pub incidents: Vec<IncidentReport>,
    pub config_notes: Vec<ConfigNoteReport>,
    /// Pairs of hosts whose clocks differ by more than 2 s.
    pub clock_skews: Vec<ClockSkewReport>,
    pub warnings: Vec<WarningReport>,
    /// The `--since/--until/--around/--host` filter of `analyze`, when one
    /// cut the incident list; absent for the whole bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<filter::FilterReport>,
}

/// Two hosts whose clocks disagree, the events that show it, and whether
/// any verdict depends on it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ClockSkewReport {
    /// The clock that reads later (a host's, or `alarm export`)…
    pub ahead: String,
    /// …than this one…
    pub behind: String,
    /// …by at least and at most this many seconds.
    pub min_s: f64,
    pub max_s: f64,
    /// The clock whose times were moved, and by how many seconds (later
    /// when positive): every time in the report is on the corrected clock.
    pub corrected_clock: String,
    pub correction_s: f64,
    /// True when every verdict is the same wherever in the bounds the skew
    /// is, and without the correction.
    pub verdicts_hold: bool,
    /// The incidents whose verdict is not.
    pub changes: Vec<VerdictChangeReport>,
    /// Each cause on one host and its effect on the other.
    pub evidence: Vec<SkewEvidence>,
}

/// An incident whose verdict depends on the correction: the verdict's rule
/// as reported, and the one with the clock moved by `at_correction_s`
/// instead (0: not corrected); `null` where the incident is not found.
#[derive(Debug, Serialize, JsonSchema)]
pub struct VerdictChangeReport {
    pub kind: IncidentKind,
    pub host: Option<String>,
    pub verdict: Option<String>,
    pub alternative: Option<String>,
    pub at_correction_s: f64,
}

/// One cross-host cause and effect that bounds a skew.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SkewEvidence {
    /// The clock pair's id (`rules/clocks/`).
    pub pair: String,
    pub cause: Evidence,
    pub effect: Evidence,
}

/// Which program wrote the report.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
    /// The built-in rule set's content hash ([`crate::definitions::RULES_VERSION`]).
    pub rules_version: &'static str,
}

/// One input file and how well it was read.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SourceReport {
    pub path: String,
    pub host: String,
    /// How the host was found: `folder`, `archive`, `content`, `single`.
    pub host_from: crate::discover::HostFrom,
    pub kind: Option<SourceKind>,
    /// The encoding the text was decoded from (`utf-8`, `utf-16le`, …,
    /// `utf-16le-unmarked` when no byte-order mark said so); `null` when the
    /// file could not be opened.
    pub encoding: Option<crate::read::TextEncoding>,
    /// Why the file was not read; `null` when it was.
    pub skipped: Option<String>,
    pub lines: u64,
    pub records: u64,
    /// Lines that belonged to no record.
    pub skipped_lines: u64,
    pub unparsed_samples: Vec<LineSample>,
    /// GC pauses, safepoint stops and allocation stalls too short and too
    /// ordinary for any signal (a young pause under 500 ms, a safepoint
    /// under 1 s): not on the timeline, counted here per kind.
    pub short_stops: Vec<ShortStopsReport>,
    pub warnings: Vec<String>,
}

/// The unkept stops of one kind in one file.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ShortStopsReport {
    pub kind: crate::scan::StopKind,
    pub count: u64,
    /// Their lengths added up.
    pub total_ms: f64,
    pub longest_ms: f64,
}

/// A line quoted from a file.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LineSample {
    pub line: u64,
    pub text: String,
}

/// A host and the clock its local times were read with.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HostReport {
    pub name: String,
    /// The offset (`+08:00`) or IANA zone (`Asia/Shanghai`) local times
    /// were read in.
    pub utc_offset: String,
    pub offset_source: OffsetSourceReport,
    /// The file whose timestamps gave the offset (`inferred`, `peer`).
    pub offset_evidence: Option<String>,
    /// From the host's first record to its last, over all its files;
    /// `null` when none of them has wall-clock times.
    pub logs_from: Option<String>,
    pub logs_to: Option<String>,
    /// Records per minute (or wider buckets) of the host's own logs, for
    /// the overview; `null` when none of its files has wall-clock times.
    pub activity: Option<activity::Activity>,
}

/// Where a host's offset came from: how far to trust its times.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OffsetSourceReport {
    /// `--host-tz HOST=ZONE`.
    HostFlag,
    /// `--tz ZONE`.
    Flag,
    /// The host's own timestamps with offsets (GC datestamps).
    Inferred,
    /// Another host's timestamps with offsets, all agreeing.
    Peer,
    /// Nothing told: UTC was assumed.
    Assumed,
}

impl OffsetSourceReport {
    /// The name the JSON uses.
    pub fn name(self) -> &'static str {
        match self {
            OffsetSourceReport::HostFlag => "host_flag",
            OffsetSourceReport::Flag => "flag",
            OffsetSourceReport::Inferred => "inferred",
            OffsetSourceReport::Peer => "peer",
            OffsetSourceReport::Assumed => "assumed",
        }
    }
}

/// One incident with its verdict.
#[derive(Debug, Serialize, JsonSchema)]
pub struct IncidentReport {
    pub id: String,
    /// Stable across re-collections of the same incident.
    pub fingerprint: String,
    pub kind: IncidentKind,
    pub host: Option<String>,
    pub node: Option<String>,
    pub observer: Option<String>,
    pub affected_hosts: Vec<String>,
    pub time: String,
    pub window: WindowReport,
    pub timeout_s: f64,
    pub interval_s: f64,
    pub severity: Severity,
    pub summary: String,
    /// Every route that saw the incident, best first (the anchor is its).
    pub found_by: Vec<Route>,
    /// Each host and whether its logs reach into the incident's window.
    pub coverage: Vec<CoverageReport>,
    /// Highest confidence first: the first is the verdict.
    pub root_causes: Vec<RootCause>,
    /// Rules that could not run, and what to collect so they can.
    pub not_evaluated: Vec<NotEvaluatedReport>,
    /// The incident's own heartbeat events, in time order.
    pub cascade: Vec<Evidence>,
    /// Every rule for the incident's kind, in id order: how it came out and
    /// what each of its clauses saw (`hbdiag explain`).
    pub considered: Vec<ConsideredReport>,
}

/// Whether a host's logs cover an incident's window, and what they cover.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CoverageReport {
    pub host: String,
    /// True when some file of the host has records inside the window.
    pub covers_window: bool,
    /// From the host's first record to its last, over all its files;
    /// `null` when none of them has wall-clock times.
    pub logs_from: Option<String>,
    pub logs_to: Option<String>,
}

/// A UTC time span.
#[derive(Debug, Serialize, JsonSchema)]
pub struct WindowReport {
    pub start: String,
    pub end: String,
}

/// A candidate cause and its proof.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RootCause {
    pub cause: String,
    pub rule: String,
    pub title: String,
    pub confidence: f64,
    /// True for the fallback that stands when no rule held.
    pub fallback: bool,
    pub explanation: String,
    /// The window the rule looked at.
    pub window: WindowReport,
    pub evidence: Vec<Evidence>,
    pub procedure: Vec<String>,
}

/// A line that proves something.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Evidence {
    pub host: String,
    pub file: String,
    pub line: u64,
    pub time: String,
    pub text: String,
    pub signals: Vec<String>,
    /// How many identical lines of the same file (signals marked
    /// `collapse_repeats`) this one stands for inside the window the finding
    /// looked at (the incident's window for the cascade; the day of the
    /// file's clock for clock-skew observations); 1 for a single line. The
    /// line is the first of them inside that window.
    pub repeats: u32,
    /// The line of the record, below its first line in the same file, that
    /// a signal matched (the `ORA-01034` of a stack trace); `null` when the
    /// first line itself matched.
    pub matched: Option<LineSample>,
    /// The same record written to other files of the host (node.log and
    /// exceptions.log): counted once, shown here once.
    pub also_at: Vec<FileLine>,
    /// For a stop or a silence (GC pause, safepoint, allocation stall, log
    /// gap): when it began and ended, and which of the two the line's own
    /// time marks. `time` is the start. Absent for other lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<SpanReport>,
}

/// A line of a file.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FileLine {
    pub file: String,
    pub line: u64,
}

/// The stretch of time a stop or a silence took.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SpanReport {
    pub start: String,
    pub end: String,
    /// `start` or `end`: the end of the span the log line's time was
    /// printed at (unified GC logging prints a pause when it ends).
    pub logged_at: LoggedAt,
}

/// A rule that did not run for lack of input.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NotEvaluatedReport {
    pub rule: String,
    pub cause: String,
    pub host: Option<String>,
    pub missing: Vec<SourceKind>,
    /// Inputs the host has, but none of whose records reach into the window.
    pub uncovered: Vec<SourceKind>,
    /// What the support engineer should ask for.
    pub collect: String,
}

/// A configuration observation.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ConfigNoteReport {
    pub message: String,
    pub evidence: Vec<Evidence>,
}

/// A problem with the input, with the file and line when known.
#[derive(Debug, Serialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord)]
pub struct WarningReport {
    pub file: Option<String>,
    pub line: Option<u64>,
    pub message: String,
}

/// RFC 3339 UTC with milliseconds, the report's one time format.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The zone terminal output shows times in (`--display-tz`). JSON and
/// NDJSON always stay UTC.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum DisplayZone {
    #[default]
    Utc,
    /// A zone the user named.
    Zone(Zone),
    /// The zone of the machine the report is read on.
    Local,
}

impl DisplayZone {
    /// `local`, or anything [`Zone::parse`] takes.
    pub fn parse(text: &str) -> Result<DisplayZone, ZoneError> {
        if text.trim().eq_ignore_ascii_case("local") {
            return Ok(DisplayZone::Local);
        }
        Zone::parse(text).map(|zone| match zone.is_utc() {
            true => DisplayZone::Utc,
            false => DisplayZone::Zone(zone),
        })
    }

    /// The zone's name for table headings: `UTC`, `Asia/Shanghai`, `local`.
    pub fn label(&self) -> String {
        match self {
            DisplayZone::Utc => "UTC".into(),
            DisplayZone::Zone(zone) => zone.to_string(),
            DisplayZone::Local => "local".into(),
        }
    }

    /// `t` in this zone: RFC 3339 with milliseconds and the offset.
    pub fn show_time(&self, t: DateTime<Utc>) -> String {
        match self {
            DisplayZone::Utc => format_time(t),
            DisplayZone::Zone(zone) => t
                .with_timezone(&zone.offset_at(t))
                .to_rfc3339_opts(SecondsFormat::Millis, false),
            DisplayZone::Local => t
                .with_timezone(&chrono::Local)
                .to_rfc3339_opts(SecondsFormat::Millis, false),
        }
    }

    /// A report time (as [`format_time`] wrote it) in this zone; text that
    /// is not such a time is returned as it is.
    pub fn show(&self, report_time: &str) -> String {
        if *self == DisplayZone::Utc {
            return report_time.to_string();
        }
        DateTime::parse_from_rfc3339(report_time).map_or_else(
            |_| report_time.to_string(),
            |t| self.show_time(t.with_timezone(&Utc)),
        )
    }
}

/// Builds the report from an analysis.
pub fn build(analysis: &Analysis, catalog: &crate::signals::SignalCatalog) -> Report {
    let ctx = Context { analysis, catalog };
    let clock_skews: Vec<ClockSkewReport> = analysis
        .clock_skews
        .iter()
        .map(|check| ctx.clock_skew(check))
        .collect();
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
            rules_version: crate::definitions::RULES_VERSION,
        },
        sources: analysis.sources.iter().map(source_report).collect(),
        hosts: (0..analysis.timeline.hosts.len() as u16)
            .map(|id| host_report(analysis, HostId(id)))
            .collect(),
        incidents: analysis
            .detection
            .incidents
            .iter()
            .zip(&analysis.verdicts)
            .enumerate()
            .map(|(i, (incident, verdict))| ctx.incident(i, incident, verdict))
            .collect(),
        config_notes: analysis
            .detection
            .config_notes
            .iter()
            .map(|note| ConfigNoteReport {
                message: note.message.clone(),
                evidence: note.evidence.iter().map(|&i| ctx.evidence(i)).collect(),
            })
            .collect(),
        warnings: warnings(analysis, &clock_skews),
        clock_skews,
        filter: None,
    }
}

/// What a user must know of a clock skew: that times were moved, and
/// which verdicts it could change.
fn skew_warnings(skew: &ClockSkewReport) -> Vec<WarningReport> {
    let warning = |message: String| WarningReport {
        file: None,
        line: None,
        message,
    };
    let mut found = vec![warning(format!(
        "clock skew: {} reads {}–{} s later than {}; {}'s times are moved {:+} s in this report (--keep-clocks to read them as written)",
        skew.ahead, skew.min_s, skew.max_s, skew.behind, skew.corrected_clock, skew.correction_s
    ))];
    for change in &skew.changes {
        let rule = |r: &Option<String>| r.clone().unwrap_or_else(|| "no incident".into());
        found.push(warning(format!(
            "the verdict of {} on {} could change within the skew: {} as reported, {} with {}'s clock moved {:+} s",
            change.kind.name(),
            change.host.as_deref().unwrap_or("an unknown host"),
            rule(&change.verdict),
            rule(&change.alternative),
            skew.corrected_clock,
            change.at_correction_s
        )));
    }
    found
}

fn source_report(s: &crate::scan::ScannedSource) -> SourceReport {
    SourceReport {
        path: s.candidate.display.clone(),
        host: s.candidate.host.clone(),
        host_from: s.candidate.host_from,
        kind: s.kind,
        encoding: s.encoding,
        skipped: s.skipped.clone(),
        lines: s.lines,
        records: s.records,
        skipped_lines: s.unparsed_lines,
        unparsed_samples: s
            .unparsed_samples
            .iter()
            .map(|(line, text)| LineSample {
                line: *line,
                text: text.clone(),
            })
            .collect(),
        short_stops: s
            .short_stops
            .tallies()
            .map(|(kind, tally)| ShortStopsReport {
                kind,
                count: tally.count,
                total_ms: tally.total_us as f64 / 1000.0,
                longest_ms: tally.longest_us as f64 / 1000.0,
            })
            .collect(),
        warnings: s
            .warnings
            .iter()
            .map(|w| match w.line {
                Some(line) => format!("line {line}: {}", w.message),
                None => w.message.clone(),
            })
            .collect(),
    }
}

fn host_report(analysis: &Analysis, id: HostId) -> HostReport {
    let h = analysis.timeline.host(id);
    let span = analysis.timeline.span_of(id);
    HostReport {
        name: h.name.clone(),
        utc_offset: h.zone.to_string(),
        offset_source: match &h.offset_source {
            OffsetSource::HostFlag => OffsetSourceReport::HostFlag,
            OffsetSource::Flag => OffsetSourceReport::Flag,
            OffsetSource::Inferred { .. } => OffsetSourceReport::Inferred,
            OffsetSource::Peer { .. } => OffsetSourceReport::Peer,
            OffsetSource::Assumed => OffsetSourceReport::Assumed,
        },
        offset_evidence: match &h.offset_source {
            OffsetSource::Inferred { file } | OffsetSource::Peer { file } => Some(file.clone()),
            _ => None,
        },
        logs_from: span.map(|(from, _)| format_time(from)),
        logs_to: span.map(|(_, to)| format_time(to)),
        activity: activity::of_host(analysis, id),
    }
}

/// Every warning in the bundle, flattened and sorted.
fn warnings(analysis: &Analysis, skews: &[ClockSkewReport]) -> Vec<WarningReport> {
    let mut all: Vec<WarningReport> = skews.iter().flat_map(skew_warnings).collect();
    for p in &analysis.walk_problems {
        all.push(WarningReport {
            file: Some(p.display.clone()),
            line: None,
            message: p.message.clone(),
        });
    }
    for s in &analysis.sources {
        let file = || Some(s.candidate.display.clone());
        if let Some(reason) = &s.skipped {
            all.push(WarningReport {
                file: file(),
                line: None,
                message: format!("skipped: {reason}"),
            });
        }
        for w in &s.warnings {
            all.push(WarningReport {
                file: file(),
                line: w.line,
                message: w.message.clone(),
            });
        }
        if s.unparsed_lines > 0 {
            all.push(WarningReport {
                file: file(),
                line: s.unparsed_samples.first().map(|(l, _)| *l),
                message: format!(
                    "{} line(s) matched no record format and were skipped",
                    s.unparsed_lines
                ),
            });
        }
    }
    for message in &analysis.timeline.warnings {
        all.push(WarningReport {
            file: None,
            line: None,
            message: message.clone(),
        });
    }
    all.sort();
    all
}

struct Context<'a> {
    analysis: &'a Analysis,
    catalog: &'a crate::signals::SignalCatalog,
}

impl Context<'_> {
    fn clock_name(&self, clock: Clock) -> String {
        match clock {
            Clock::Host(host) => self.host_name(host),
            Clock::AlarmExport => "alarm export".into(),
        }
    }

    fn clock_skew(&self, check: &crate::pipeline::SkewCheck) -> ClockSkewReport {
        let seconds = |ms: f64| (ms / 100.0).round() / 10.0;
        let skew = &check.skew;
        ClockSkewReport {
            ahead: self.clock_name(skew.ahead),
            behind: self.clock_name(skew.behind),
            min_s: seconds(skew.min_ms),
            max_s: seconds(skew.max_ms),
            corrected_clock: self.clock_name(check.corrected),
            correction_s: seconds(check.correction_ms),
            verdicts_hold: check.changes.is_empty(),
            changes: check
                .changes
                .iter()
                .map(|c| VerdictChangeReport {
                    kind: c.kind,
                    host: c.host.map(|h| self.host_name(h)),
                    verdict: c.verdict.clone(),
                    alternative: c.alternative.clone(),
                    at_correction_s: seconds(c.at_ms),
                })
                .collect(),
            evidence: skew
                .observations
                .iter()
                .map(|o| SkewEvidence {
                    pair: o.pair.clone(),
                    cause: self.evidence(o.cause),
                    effect: self.evidence(o.effect),
                })
                .collect(),
        }
    }

    fn timeline(&self) -> &Timeline {
        &self.analysis.timeline
    }

    fn host_name(&self, id: crate::timeline::HostId) -> String {
        self.timeline().host(id).name.clone()
    }

    fn evidence(&self, index: usize) -> Evidence {
        let entry: &Entry = &self.timeline().entries[index];
        let source = &self.analysis.sources[entry.source.0 as usize];
        Evidence {
            host: self.host_name(entry.host),
            file: source.candidate.display.clone(),
            line: entry.event.line,
            time: format_time(entry.time),
            text: entry.event.text.clone(),
            signals: entry
                .signals
                .iter()
                .map(|s| self.catalog.def(s.id).name.clone())
                .collect(),
            repeats: entry.repeats.count(),
            matched: match &entry.event.kind {
                EventKind::Log(record) => record.proof.as_ref().map(|proof| LineSample {
                    line: proof.line,
                    text: proof.text.clone(),
                }),
                _ => None,
            },
            also_at: entry
                .also_at
                .iter()
                .map(|(source, line)| FileLine {
                    file: self.analysis.sources[source.0 as usize]
                        .candidate
                        .display
                        .clone(),
                    line: *line,
                })
                .collect(),
            span: entry
                .event
                .span()
                .map(|(duration_ms, logged_at)| SpanReport {
                    start: format_time(entry.time),
                    end: format_time(crate::timeline::span_end(entry.time, duration_ms)),
                    logged_at,
                }),
        }
    }

    /// The evidence of an entry a finding selected in `window`. A folded
    /// flood counts its identical lines inside the window, and when its own
    /// line lies outside, the first of them inside is cited instead, with
    /// the text read again (and the proving line, when it is the same
    /// distance below and says the same). Should that line not be readable
    /// again, the kept line is cited with all it stands for.
    fn evidence_in(&self, index: usize, window: crate::incidents::Window) -> Evidence {
        let mut evidence = self.evidence(index);
        let entry = &self.timeline().entries[index];
        if entry.repeats.count() == 1 {
            return evidence;
        }
        let inside = entry.repeats.within(entry.time, window.start, window.end);
        let Some(repeat) = entry.repeat_cited_within(window.start, window.end) else {
            if inside > 0 {
                evidence.repeats = inside;
            }
            return evidence;
        };
        let recited = |line: u64| self.analysis.recited.get(&(entry.source, line));
        let Some(text) = recited(repeat.line) else {
            return evidence;
        };
        evidence.line = repeat.line;
        evidence.time = format_time(repeat.time);
        evidence.text = text.clone();
        evidence.repeats = inside;
        evidence.also_at = Vec::new();
        evidence.matched = evidence.matched.take().and_then(|proof| {
            let line = repeat.line + entry.proof_distance()?;
            (recited(line) == Some(&proof.text)).then_some(LineSample {
                line,
                text: proof.text,
            })
        });
        evidence
    }

    fn window(&self, w: crate::incidents::Window) -> WindowReport {
        WindowReport {
            start: format_time(w.start),
            end: format_time(w.end),
        }
    }

    fn incident(&self, index: usize, incident: &Incident, verdict: &Verdict) -> IncidentReport {
        let host = incident.subject.map(|h| self.host_name(h));
        IncidentReport {
            id: format!("INC-{}", index + 1),
            fingerprint: fingerprint::of(
                incident.kind,
                host.as_deref(),
                incident.node.as_deref(),
                incident.anchor,
            ),
            kind: incident.kind,
            host,
            node: incident.node.clone(),
            observer: incident.observer.map(|h| self.host_name(h)),
            affected_hosts: incident
                .affected
                .iter()
                .map(|h| self.host_name(*h))
                .collect(),
            time: format_time(incident.anchor),
            window: self.window(incident.window),
            timeout_s: incident.timeout_ms / 1000.0,
            interval_s: incident.interval_ms / 1000.0,
            severity: incident.severity,
            summary: incident.summary.clone(),
            found_by: incident.found_by.clone(),
            coverage: self.coverage(incident),
            root_causes: verdict
                .findings
                .iter()
                .map(|f| self.root_cause(f))
                .collect(),
            not_evaluated: verdict
                .not_evaluated
                .iter()
                .map(|n| self.not_evaluated(n, incident))
                .collect(),
            cascade: incident
                .cascade
                .iter()
                .map(|&i| self.evidence_in(i, incident.window))
                .collect(),
            considered: verdict
                .considered
                .iter()
                .map(|c| self.considered(c, verdict, incident))
                .collect(),
        }
    }

    fn root_cause(&self, f: &Finding) -> RootCause {
        RootCause {
            cause: f.cause.to_string(),
            rule: f.rule.clone(),
            title: f.title.clone(),
            confidence: f.confidence,
            fallback: f.fallback,
            explanation: f.explanation.clone(),
            window: self.window(f.window),
            evidence: f
                .evidence
                .iter()
                .map(|c| self.evidence_in(c.entry, c.window))
                .collect(),
            procedure: f.procedure.clone(),
        }
    }

    fn not_evaluated(&self, n: &NotEvaluated, incident: &Incident) -> NotEvaluatedReport {
        let host = n.host.map(|h| self.host_name(h));
        let whose = match (&host, &incident.node) {
            (Some(h), _) => h.clone(),
            (None, Some(node)) => format!("the host of node {node}"),
            (None, None) => "the failing host".into(),
        };
        let wanted: Vec<&str> = n
            .missing
            .iter()
            .chain(&n.uncovered)
            .map(|k| collect_hint(*k))
            .collect();
        let collect = if n.uncovered.is_empty() {
            format!("collect from {whose}: {}", wanted.join("; "))
        } else {
            format!(
                "no logs of {whose} cover {}: collect from {whose}, for that time: {}",
                incident.window.in_words(),
                wanted.join("; ")
            )
        };
        NotEvaluatedReport {
            rule: n.rule.clone(),
            cause: n.cause.to_string(),
            host,
            missing: n.missing.clone(),
            uncovered: n.uncovered.clone(),
            collect,
        }
    }

    fn coverage(&self, incident: &Incident) -> Vec<CoverageReport> {
        let timeline = self.timeline();
        (0..timeline.hosts.len() as u16)
            .map(HostId)
            .map(|host| {
                let span = timeline.span_of(host);
                CoverageReport {
                    host: self.host_name(host),
                    covers_window: timeline.covers(
                        host,
                        None,
                        incident.window.start,
                        incident.window.end,
                    ),
                    logs_from: span.map(|(from, _)| format_time(from)),
                    logs_to: span.map(|(_, to)| format_time(to)),
                }
            })
            .collect()
    }
}

/// What to ask for when a kind of input is missing.
pub fn collect_hint(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::NodeLog => "node.log from <INFA_HOME>/logs/<node>/ covering the incident",
        SourceKind::ExceptionsLog => "exceptions.log from <INFA_HOME>/logs/<node>/",
        SourceKind::GcLog => {
            "the JVM GC log (if it is off, add -Xlog:gc*,safepoint:file=gc.log:time,uptime on JDK 9+, or -XX:+PrintGCDetails -XX:+PrintGCDateStamps -XX:+PrintGCApplicationStoppedTime -Xloggc:gc.log on JDK 8, to the JVM options: INFA_JAVA_OPTS for Informatica, the role's GC_OPTS for FusionInsight)"
        }
        SourceKind::SystemMetrics => {
            "`sar -A -f /var/log/sysstat/saDD` (or /var/log/sa/saDD) for the day of the incident, or `vmstat -t 5` output covering it"
        }
        SourceKind::AlarmExport => {
            "the alarm export from FusionInsight Manager (O&M > Alarm > Alarms > Export All)"
        }
        SourceKind::RoleLog => {
            "the role run log (e.g. /var/log/Bigdata/flink/flinkserver/flinkserver.log)"
        }
        SourceKind::ScriptLog => "the role's script logs (prestart.log, start.log, stop.log)",
        SourceKind::FloatIpLog => {
            "the HA floating-IP log (/var/log/Bigdata/omm/oms/ha/scriptlog/floatip.log)"
        }
        SourceKind::ThreadDump => {
            "2-3 thread dumps of the node's JVM 10-30 s apart while the heartbeat fails: `jstack -l PID` or `jcmd PID Thread.print -l` as the node's user (infa9dump collects the same)"
        }
        SourceKind::JvmOutput => {
            "the node JVM's standard output (catalina.out, node.out), where `kill -3 PID` writes its thread dumps"
        }
        SourceKind::HypervisorMetrics => {
            "if the host is a VMware VM: `esxtop -b -d 5 -n 720 > esxtop-$(hostname).csv` run on its ESXi host over the incident's hour (CPU ready, balloon and host swap of each VM)"
        }
        SourceKind::JdbcSpy => {
            "a DataDirect Spy log of the domain database connection: add `SpyAttributes=(log=(file)/tmp/infa_spy.log;timestamp=yes;logTName=yes)` to the domain's JDBC connect string (`infasetup.sh updateGatewayNode -DatabaseConnectionString`, or the connection's advanced options), restart the gateway, and collect the log with node.log after the next failure"
        }
        SourceKind::PacketCapture => {
            "packet captures at both ends of the heartbeat while it fails: `tcpdump -i any -s 128 -C 100 -W 20 -w /tmp/hb-$(hostname).pcap 'tcp port 6005 or tcp port 1521 or tcp port 5432 or tcp port 1433 or tcp port 50000'` on the master gateway and on the node, clocks synchronised (see the README's section on packet captures)"
        }
    }
}

/// " (×N identical lines)" after a line that stands for N (folded floods,
/// see [`crate::scan::Repeats`]); empty for one.
pub fn repeats_note(count: u32) -> String {
    match count {
        0 | 1 => String::new(),
        n => format!(" (×{n} identical lines)"),
    }
}
