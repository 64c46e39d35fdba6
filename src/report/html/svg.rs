//! The page's pictures, as inline SVG: one swimlane per incident (a lane
//! per host over the window, lines as marks, stops and silences as bars)
//! and the bundle's activity (records per minute of each host).
//!
//! Hover text is an SVG `<title>`; a click on a mark jumps to its evidence
//! row. Lanes carry `class="lane" data-host`, bars `class="bar" data-kind`.

use super::incident::{Anchors, EvidenceKey, every_evidence, key};
use super::{escape, parse_time};
use crate::report::{Evidence, IncidentReport, Report};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeSet;
use std::fmt::Write;

/// Width of every chart, in SVG units.
const WIDTH: f64 = 1100.0;
/// Where the plot starts, right of the host labels.
const PLOT_LEFT: f64 = 170.0;
/// Where the plot ends.
const PLOT_RIGHT: f64 = WIDTH - 20.0;
/// Height of the time axis above the lanes.
const AXIS: f64 = 28.0;
/// Height of one swimlane: a row of marks, then rows of bars.
const LANE: f64 = 58.0;
/// Height of one activity sparkline.
const SPARK: f64 = 40.0;

/// A stretch of UTC time mapped onto the plot's width.
#[derive(Copy, Clone)]
struct Scale {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Scale {
    /// `from..to`, widened by a margin on each side.
    fn with_margin(from: DateTime<Utc>, to: DateTime<Utc>) -> Scale {
        let margin = ((to - from) / 12).max(Duration::seconds(2));
        Scale {
            start: from - margin,
            end: to + margin,
        }
    }

    fn x(&self, t: DateTime<Utc>) -> f64 {
        let t = t.clamp(self.start, self.end);
        let span = (self.end - self.start).num_milliseconds().max(1) as f64;
        let at = (t - self.start).num_milliseconds() as f64;
        PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * at / span
    }

    fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t <= self.end
    }
}

/// What an evidence line shows as, from its signals' names.
#[derive(Copy, Clone, PartialEq, Eq)]
enum MarkKind {
    Db,
    Network,
    Alarm,
    /// An alarm cleared, a heartbeat that came back.
    Cleared,
    Election,
    Termination,
    Heartbeat,
    Other,
}

impl MarkKind {
    /// The kind of a line, by the words its signals' names hold (signals
    /// are data: names a rules folder adds fall into the same groups).
    fn of(e: &Evidence) -> MarkKind {
        let any = |words: &[&str]| {
            e.signals
                .iter()
                .any(|s| words.iter().any(|w| s.contains(w)))
        };
        if any(&["db_", "sql"]) {
            MarkKind::Db
        } else if any(&["network", "float_ip", "connect"]) {
            MarkKind::Network
        } else if any(&["_cleared", "_recovered"]) {
            MarkKind::Cleared
        } else if any(&["_alarm"]) {
            MarkKind::Alarm
        } else if any(&["elect", "became_active"]) {
            MarkKind::Election
        } else if any(&[
            "terminat",
            "shutdown",
            "stopped",
            "stream_end",
            "log_end",
            "fatal",
            "start_failed",
        ]) {
            MarkKind::Termination
        } else if any(&["heartbeat", "dead"]) {
            MarkKind::Heartbeat
        } else {
            MarkKind::Other
        }
    }

    /// The name used in CSS classes and the legend.
    fn name(self) -> &'static str {
        match self {
            MarkKind::Db => "db",
            MarkKind::Network => "network",
            MarkKind::Alarm => "alarm",
            MarkKind::Cleared => "cleared",
            MarkKind::Election => "election",
            MarkKind::Termination => "termination",
            MarkKind::Heartbeat => "heartbeat",
            MarkKind::Other => "other",
        }
    }
}

/// What a bar of an evidence line with a span stands for, and the row of
/// its lane it is drawn in.
fn bar_kind(e: &Evidence) -> (&'static str, f64) {
    let has = |word: &str| e.signals.iter().any(|s| s.contains(word));
    if has("safepoint") {
        ("safepoint", 30.0)
    } else if has("gap") {
        ("log-gap", 40.0)
    } else if has("gc") {
        ("gc-pause", 20.0)
    } else if has("stall") {
        ("allocation-stall", 20.0)
    } else {
        ("stop", 40.0)
    }
}

/// Hover text of an evidence line: time, place and the line itself.
fn hover(e: &Evidence) -> String {
    let place = format!("{} {}:{}", e.time, e.file, e.line);
    format!("{}&#10;{}", escape(&place), escape(&e.text))
}

/// The hosts of the incident's lanes: its host, the observer, the other
/// affected hosts, then any other host an evidence line comes from.
fn lanes(incident: &IncidentReport) -> Vec<&str> {
    let mut hosts: Vec<&str> = Vec::new();
    let involved = incident
        .host
        .iter()
        .chain(&incident.observer)
        .chain(&incident.affected_hosts)
        .map(String::as_str);
    for host in involved.chain(every_evidence(incident).map(|e| e.host.as_str())) {
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    hosts
}

/// The evidence lines of an incident, each once, in page order.
fn distinct_evidence(incident: &IncidentReport) -> Vec<&Evidence> {
    let mut seen: BTreeSet<EvidenceKey<'_>> = BTreeSet::new();
    every_evidence(incident)
        .filter(|e| seen.insert(key(e)))
        .collect()
}

/// The time stretch a swimlane shows: the window, the timeout before the
/// incident and the evidence near them (lines far off are drawn at the
/// edge), with a margin.
fn swimlane_scale(incident: &IncidentReport, evidence: &[&Evidence]) -> Option<Scale> {
    let anchor = parse_time(&incident.time)?;
    let timeout = Duration::milliseconds((incident.timeout_s * 1000.0) as i64);
    let mut from = parse_time(&incident.window.start)?.min(anchor - timeout);
    let mut to = parse_time(&incident.window.end)?.max(anchor);
    let reach = (to - from) * 3;
    let (near_from, near_to) = (from - reach, to + reach);
    for e in evidence
        .iter()
        .filter(|e| MarkKind::of(e) != MarkKind::Cleared)
    {
        let times = [
            Some(e.time.as_str()),
            e.span.as_ref().map(|s| s.end.as_str()),
        ];
        for t in times.into_iter().flatten().filter_map(parse_time) {
            if near_from <= t && t <= near_to {
                from = from.min(t);
                to = to.max(t);
            }
        }
    }
    Some(Scale::with_margin(from, to))
}

/// The swimlane of one incident.
pub(super) fn swimlane<'a>(incident: &'a IncidentReport, anchors: &Anchors<'a>) -> String {
    let evidence = distinct_evidence(incident);
    let Some(scale) = swimlane_scale(incident, &evidence) else {
        return String::new();
    };
    let hosts = lanes(incident);
    let height = AXIS + LANE * hosts.len() as f64 + 6.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<figure class=\"swimlane\"><svg viewBox=\"0 0 {WIDTH} {height}\" \
         role=\"img\" aria-label=\"Timeline of {} by host\" data-incident=\"{}\">",
        escape(&incident.id),
        escape(&incident.id)
    );
    axis(&mut out, &scale, height);
    timeout_band(&mut out, incident, &scale, height);
    for (n, host) in hosts.iter().enumerate() {
        let top = AXIS + LANE * n as f64;
        let mine: Vec<&Evidence> = evidence
            .iter()
            .copied()
            .filter(|e| e.host == *host)
            .collect();
        lane(&mut out, host, top, &mine, &scale, anchors);
    }
    out.push_str("</svg>\n");
    legend(&mut out);
    out.push_str("</figure>\n");
    out
}

/// Tick marks and times along the top, with faint lines down the lanes.
fn axis(out: &mut String, scale: &Scale, height: f64) {
    let span_s = (scale.end - scale.start).num_seconds().max(1);
    let steps = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400,
    ];
    let step = steps
        .into_iter()
        .find(|s| span_s / s <= 8)
        .unwrap_or(span_s / 8);
    let first = scale.start.timestamp().div_euclid(step) * step + step;
    let format = if step >= 60 { "%H:%M" } else { "%H:%M:%S" };
    out.push_str("<g class=\"axis\">");
    let mut t = first;
    while t < scale.end.timestamp() {
        let Some(time) = DateTime::from_timestamp(t, 0) else {
            break;
        };
        let x = scale.x(time);
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{height:.1}\"/><text x=\"{x:.1}\" y=\"16\">{}</text>",
            AXIS - 6.0,
            time.format(format)
        );
        t += step;
    }
    let _ = writeln!(
        out,
        "<text class=\"utc\" x=\"{}\" y=\"16\">UTC</text></g>",
        PLOT_LEFT - 8.0
    );
}

/// The heartbeat timeout before the incident, shaded, and the incident's
/// own time as a line.
fn timeout_band(out: &mut String, incident: &IncidentReport, scale: &Scale, height: f64) {
    let Some(anchor) = parse_time(&incident.time) else {
        return;
    };
    let timeout = Duration::milliseconds((incident.timeout_s * 1000.0) as i64);
    let (x0, x1) = (scale.x(anchor - timeout), scale.x(anchor));
    let _ = writeln!(
        out,
        "<rect class=\"timeout\" x=\"{x0:.1}\" y=\"{AXIS}\" width=\"{:.1}\" height=\"{:.1}\">\
         <title>heartbeat timeout: {} s before the incident</title></rect>\
         <line class=\"anchor\" x1=\"{x1:.1}\" y1=\"{}\" x2=\"{x1:.1}\" y2=\"{height:.1}\"><title>{} {}</title></line>",
        (x1 - x0).max(1.0),
        height - AXIS,
        incident.timeout_s,
        AXIS - 4.0,
        escape(&incident.id),
        escape(&incident.time),
    );
}

/// One host's lane: its label, marks for lines and bars for spans.
fn lane<'a>(
    out: &mut String,
    host: &str,
    top: f64,
    evidence: &[&'a Evidence],
    scale: &Scale,
    anchors: &Anchors<'a>,
) {
    let _ = writeln!(
        out,
        "<g class=\"lane\" data-host=\"{h}\"><rect class=\"lane-bg\" x=\"0\" y=\"{top}\" width=\"{WIDTH}\" height=\"{LANE}\"/>\
         <text class=\"host\" x=\"8\" y=\"{:.1}\">{h}</text>",
        top + LANE / 2.0 + 4.0,
        h = escape(host),
    );
    for e in evidence {
        let link = anchors.id(e);
        let _ = write!(out, "<a href=\"#{link}\">");
        match e.span.as_ref() {
            Some(span) => span_bar(out, e, span, top, scale),
            None => match cleared_by(e, evidence) {
                Some(clear) => alarm_bar(out, e, clear, top, scale),
                None => mark(out, e, top, scale),
            },
        }
        out.push_str("</a>\n");
    }
    out.push_str("</g>\n");
}

/// The line that cleared an alarm: the same row of the same export,
/// read again at its clear time.
fn cleared_by<'a>(raised: &Evidence, evidence: &[&'a Evidence]) -> Option<&'a Evidence> {
    if MarkKind::of(raised) != MarkKind::Alarm {
        return None;
    }
    evidence.iter().copied().find(|e| {
        e.file == raised.file
            && e.line == raised.line
            && MarkKind::of(e) == MarkKind::Cleared
            && e.time > raised.time
    })
}

fn span_bar(
    out: &mut String,
    e: &Evidence,
    span: &crate::report::SpanReport,
    top: f64,
    scale: &Scale,
) {
    let (Some(start), Some(end)) = (parse_time(&span.start), parse_time(&span.end)) else {
        return;
    };
    let (kind, row) = bar_kind(e);
    let x0 = scale.x(start);
    let width = (scale.x(end) - x0).max(2.0);
    let _ = write!(
        out,
        "<rect class=\"bar {kind}\" data-kind=\"{kind}\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"7\"><title>{}</title></rect>",
        top + row,
        hover(e)
    );
}

/// An alarm from its raising to its clearing; when it was cleared after
/// the stretch shown, the bar runs to the edge.
fn alarm_bar(out: &mut String, raised: &Evidence, clear: &Evidence, top: f64, scale: &Scale) {
    let (Some(start), Some(end)) = (parse_time(&raised.time), parse_time(&clear.time)) else {
        return;
    };
    let x0 = scale.x(start);
    let width = (scale.x(end) - x0).max(2.0);
    let beyond = if scale.contains(end) { "" } else { " beyond" };
    let _ = write!(
        out,
        "<rect class=\"bar alarm{beyond}\" data-kind=\"alarm\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"7\">\
         <title>{}&#10;cleared {}</title></rect>",
        top + 48.0,
        hover(raised),
        escape(&clear.time)
    );
}

/// A line as a mark; its shape and colour tell its kind.
fn mark(out: &mut String, e: &Evidence, top: f64, scale: &Scale) {
    let Some(t) = parse_time(&e.time) else {
        return;
    };
    let kind = MarkKind::of(e);
    let (x, y) = (scale.x(t), top + 12.0);
    let outside = if scale.contains(t) { "" } else { " outside" };
    let class = format!("mark k-{}{outside}", kind.name());
    let title = hover(e);
    let _ = match kind {
        MarkKind::Termination => write!(
            out,
            "<rect class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\"><title>{title}</title></rect>",
            x - 5.0,
            y - 5.0
        ),
        MarkKind::Election => write!(
            out,
            "<polygon class=\"{class}\" points=\"{x:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\"><title>{title}</title></polygon>",
            y - 6.0,
            x + 6.0,
            y + 5.0,
            x - 6.0,
            y + 5.0
        ),
        MarkKind::Db | MarkKind::Network | MarkKind::Alarm | MarkKind::Cleared => write!(
            out,
            "<polygon class=\"{class}\" points=\"{x:.1},{:.1} {:.1},{y:.1} {x:.1},{:.1} {:.1},{y:.1}\"><title>{title}</title></polygon>",
            y - 6.0,
            x + 6.0,
            y + 6.0,
            x - 6.0
        ),
        MarkKind::Heartbeat | MarkKind::Other => write!(
            out,
            "<circle class=\"{class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5\"><title>{title}</title></circle>"
        ),
    };
}

/// What the shapes and colours mean.
fn legend(out: &mut String) {
    out.push_str("<figcaption class=\"legend\">");
    for (class, label) in [
        ("k-heartbeat", "heartbeat failure"),
        ("k-termination", "termination / stop"),
        ("k-election", "election / failover"),
        ("k-db", "database error"),
        ("k-network", "network error"),
        ("k-alarm", "alarm"),
        ("gc-pause", "GC pause"),
        ("safepoint", "safepoint stop"),
        ("log-gap", "log gap"),
        ("timeout", "heartbeat timeout"),
    ] {
        let _ = write!(
            out,
            "<span class=\"key\"><i class=\"{class}\"></i>{label}</span>"
        );
    }
    out.push_str("</figcaption>\n");
}

/// The whole bundle's activity: one sparkline of records per bucket per
/// host over one shared time axis, incidents marked; `None` when no host
/// has wall-clock times.
pub(super) fn activity(report: &Report) -> Option<String> {
    let series: Vec<(&str, DateTime<Utc>, &crate::report::activity::Activity)> = report
        .hosts
        .iter()
        .filter_map(|h| {
            let a = h.activity.as_ref()?;
            Some((h.name.as_str(), a.start_time()?, a))
        })
        .collect();
    let from = series.iter().map(|(_, start, _)| *start).min()?;
    let to = series
        .iter()
        .map(|(_, start, a)| bucket_end(*start, a, a.counts.len()))
        .max()?;
    let scale = Scale {
        start: from,
        end: to.max(from + Duration::seconds(60)),
    };
    let height = AXIS + SPARK * series.len() as f64 + 6.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<figure class=\"activity\"><svg viewBox=\"0 0 {WIDTH} {height}\" \
         role=\"img\" aria-label=\"Records per minute by host\">"
    );
    axis(&mut out, &scale, height);
    for (n, (host, start, a)) in series.iter().enumerate() {
        sparkline(&mut out, host, *start, a, AXIS + SPARK * n as f64, &scale);
    }
    for i in &report.incidents {
        incident_marker(&mut out, i, &scale, height);
    }
    out.push_str("</svg></figure>\n");
    Some(out)
}

/// When bucket `n` of an activity starts (the end of bucket `n - 1`).
fn bucket_end(
    start: DateTime<Utc>,
    a: &crate::report::activity::Activity,
    n: usize,
) -> DateTime<Utc> {
    start + Duration::seconds(i64::from(a.bucket_s) * n as i64)
}

fn sparkline(
    out: &mut String,
    host: &str,
    start: DateTime<Utc>,
    a: &crate::report::activity::Activity,
    top: f64,
    scale: &Scale,
) {
    let peak = a.counts.iter().copied().max().unwrap_or(0).max(1);
    let base = top + SPARK - 4.0;
    let y = |count: u32| base - (SPARK - 10.0) * f64::from(count) / f64::from(peak);
    let mut path = format!("M{:.1},{base:.1}", scale.x(start));
    for (n, &count) in a.counts.iter().enumerate() {
        let x0 = scale.x(bucket_end(start, a, n));
        let x1 = scale.x(bucket_end(start, a, n + 1));
        let _ = write!(path, " L{x0:.1},{:.1} L{x1:.1},{:.1}", y(count), y(count));
    }
    let _ = write!(
        path,
        " L{:.1},{base:.1} Z",
        scale.x(bucket_end(start, a, a.counts.len()))
    );
    let per = match a.bucket_s {
        60 => "min".to_string(),
        s => format!("{} min", s / 60),
    };
    let _ = writeln!(
        out,
        "<g class=\"spark\" data-host=\"{h}\"><text class=\"host\" x=\"8\" y=\"{:.1}\">{h}</text>\
         <text class=\"peak\" x=\"8\" y=\"{:.1}\">peak {peak} / {per}</text>\
         <path d=\"{path}\"><title>{h}: at most {peak} records per {per}</title></path></g>",
        top + 18.0,
        top + 32.0,
        h = escape(host),
    );
}

fn incident_marker(out: &mut String, i: &IncidentReport, scale: &Scale, height: f64) {
    let Some(t) = parse_time(&i.time) else {
        return;
    };
    let x = scale.x(t);
    let _ = writeln!(
        out,
        "<a href=\"#{id}\"><line class=\"incident-mark\" x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{height:.1}\"/>\
         <text class=\"incident-label\" x=\"{:.1}\" y=\"{}\">{id}</text><title>{id} {} {}</title></a>",
        AXIS - 4.0,
        x + 3.0,
        AXIS + 8.0,
        i.kind.name(),
        escape(&i.time),
        id = escape(&i.id),
    );
}
