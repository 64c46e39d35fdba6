//! Report stage: one typed report model built from the analysis; the
//! terminal table and the versioned JSON are renderers over it.

mod fingerprint;
pub mod text;
pub mod timeline_view;

use crate::incidents::{Incident, IncidentKind, Route, Severity};
use crate::model::{EventKind, LoggedAt, SourceKind};
use crate::pipeline::Analysis;
use crate::rules::{Finding, NotEvaluated, Verdict};
use crate::timeline::{Entry, HostId, OffsetSource, Timeline};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

/// Version of the JSON report's shape; bumped on any incompatible change.
pub const SCHEMA_VERSION: &str = "1";

/// The report a ticketing system ingests.
#[derive(Debug, Serialize)]
pub struct Report {
    pub schema_version: &'static str,
    pub tool: Tool,
    pub sources: Vec<SourceReport>,
    pub hosts: Vec<HostReport>,
    pub incidents: Vec<IncidentReport>,
    pub config_notes: Vec<ConfigNoteReport>,
    pub warnings: Vec<WarningReport>,
}

/// Which program wrote the report.
#[derive(Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

/// One input file and how well it was read.
#[derive(Debug, Serialize)]
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
    pub warnings: Vec<String>,
}

/// A line quoted from a file.
#[derive(Debug, Serialize)]
pub struct LineSample {
    pub line: u64,
    pub text: String,
}

/// A host and the clock its local times were read with.
#[derive(Debug, Serialize)]
pub struct HostReport {
    pub name: String,
    pub utc_offset: String,
    /// `host_flag`, `inferred:<file>`, `peer:<file>` (another host's file) or `default`.
    pub offset_source: String,
}

/// One incident with its verdict.
#[derive(Debug, Serialize)]
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
}

/// Whether a host's logs cover an incident's window, and what they cover.
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
pub struct WindowReport {
    pub start: String,
    pub end: String,
}

/// A candidate cause and its proof.
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
pub struct Evidence {
    pub host: String,
    pub file: String,
    pub line: u64,
    pub time: String,
    pub text: String,
    pub signals: Vec<String>,
    /// How many identical lines of the same file, in the same minute, this one
    /// stands for (signals marked `collapse_repeats`); 1 for a single line.
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
#[derive(Debug, Serialize)]
pub struct FileLine {
    pub file: String,
    pub line: u64,
}

/// The stretch of time a stop or a silence took.
#[derive(Debug, Serialize)]
pub struct SpanReport {
    pub start: String,
    pub end: String,
    /// `start` or `end`: the end of the span the log line's time was
    /// printed at (unified GC logging prints a pause when it ends).
    pub logged_at: LoggedAt,
}

/// A rule that did not run for lack of input.
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
pub struct ConfigNoteReport {
    pub message: String,
    pub evidence: Vec<Evidence>,
}

/// A problem with the input, with the file and line when known.
#[derive(Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct WarningReport {
    pub file: Option<String>,
    pub line: Option<u64>,
    pub message: String,
}

/// RFC 3339 UTC with milliseconds, the report's one time format.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Builds the report from an analysis.
pub fn build(analysis: &Analysis, catalog: &crate::signals::SignalCatalog) -> Report {
    let ctx = Context { analysis, catalog };
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        sources: analysis.sources.iter().map(source_report).collect(),
        hosts: analysis.timeline.hosts.iter().map(host_report).collect(),
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
        warnings: warnings(analysis),
    }
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

fn host_report(h: &crate::timeline::HostClock) -> HostReport {
    HostReport {
        name: h.name.clone(),
        utc_offset: h.offset.to_string(),
        offset_source: match &h.offset_source {
            OffsetSource::HostFlag => "host_flag".into(),
            OffsetSource::Inferred { file } => format!("inferred:{file}"),
            OffsetSource::Peer { file } => format!("peer:{file}"),
            OffsetSource::Default => "default".into(),
        },
    }
}

/// Every warning in the bundle, flattened and sorted.
fn warnings(analysis: &Analysis) -> Vec<WarningReport> {
    let mut all: Vec<WarningReport> = Vec::new();
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
            cascade: incident.cascade.iter().map(|&i| self.evidence(i)).collect(),
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
            evidence: f.evidence.iter().map(|&i| self.evidence(i)).collect(),
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
fn collect_hint(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::NodeLog => "node.log from <INFA_HOME>/logs/<node>/ covering the incident",
        SourceKind::ExceptionsLog => "exceptions.log from <INFA_HOME>/logs/<node>/",
        SourceKind::GcLog => {
            "the JVM GC log (if it is off, add -Xlog:gc*,safepoint:file=gc.log:time,uptime on JDK 9+, or -XX:+PrintGCDetails -XX:+PrintGCDateStamps -XX:+PrintGCApplicationStoppedTime -Xloggc:gc.log on JDK 8, to the JVM options: INFA_JAVA_OPTS for Informatica, the role's GC_OPTS for FusionInsight)"
        }
        SourceKind::SystemMetrics => "`vmstat -t 5` or `sar -u -q` output covering the incident",
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
    }
}
