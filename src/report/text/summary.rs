//! The top of the terminal report: one line on the bundle, one row per
//! incident, one row per host. Everything a reader needs to decide where to
//! look fits in the first screen.

use super::layout::{Cell, Columns, Paint};
use super::page::Page;
use super::{clean, percent};
use crate::incidents::Severity;
use crate::report::{DisplayZone, IncidentReport, OffsetSourceReport, Report};

/// Writes the bundle line, the incidents table and the hosts table.
pub fn render(page: &mut Page<'_>, report: &Report) {
    let read = report
        .sources
        .iter()
        .filter(|s| s.skipped.is_none())
        .count();
    page.wrap(
        &format!(
            "{} {} · {} host(s) · {read} file(s) read, {} skipped · {} incident(s) · {} warning(s)",
            report.tool.name,
            report.tool.version,
            report.hosts.len(),
            report.sources.len() - read,
            report.incidents.len(),
            report.warnings.len()
        ),
        "",
        "  ",
    );
    if let Some(filter) = &report.filter {
        let line = crate::report::filter::text_line(filter, page.zone());
        page.wrap(line.trim_end(), "", "  ");
    }
    page.blank();
    incidents(page, report);
    page.blank();
    hosts(page, report);
}

/// Columns the reason must keep for the verdict to stay on the row.
const REASON_MIN: usize = 30;

fn incidents(page: &mut Page<'_>, report: &Report) {
    if report.incidents.is_empty() {
        page.line("No heartbeat incident found in this bundle.");
        return;
    }
    page.title("Incidents");
    let zone = page.zone();
    let wide = incident_table(report, zone, false);
    if wide.fits_with_last_at(REASON_MIN, page.layout().width) {
        page.columns(&wide);
    } else {
        page.columns(&incident_table(report, zone, true));
    }
}

/// One row per incident; `narrow` puts the verdict and its reason on a
/// line of its own under the row.
fn incident_table(report: &Report, zone: DisplayZone, narrow: bool) -> Columns {
    let local = (zone != DisplayZone::Utc).then(|| format!("Time ({})", zone.label()));
    let mut header = vec!["ID", "Time (UTC)"];
    header.extend(local.as_deref());
    header.extend(["Kind", "Host", "Severity"]);
    if !narrow {
        header.extend(["Verdict", "Conf", "Reason"]);
    }
    let mut table = Columns::new(&header, 2);
    for incident in &report.incidents {
        let mut row: Vec<Cell> = vec![
            incident.id.as_str().into(),
            short_time(&incident.time, DisplayZone::Utc).into(),
        ];
        if zone != DisplayZone::Utc {
            row.push(short_time(&incident.time, zone).into());
        }
        row.extend([
            incident.kind.name().into(),
            host_and_node(incident).into(),
            severity_cell(incident.severity),
        ]);
        let verdict = incident.root_causes.first();
        if narrow {
            table.row(row);
            table.note(match verdict {
                Some(v) => format!(
                    "→ {} {} — {}",
                    clean(&v.cause),
                    percent(v.confidence),
                    clean(&v.title)
                ),
                None => "→ no verdict".into(),
            });
            continue;
        }
        row.extend([
            verdict.map_or_else(
                || Cell::from("none"),
                |v| Cell::painted(clean(&v.cause), verdict_paint(&v.cause, v.fallback)),
            ),
            verdict
                .map_or_else(String::new, |v| percent(v.confidence))
                .into(),
            verdict.map_or_else(String::new, |v| clean(&v.title)).into(),
        ]);
        table.row(row);
    }
    table
}

/// `infagw01 (node01)`, the host alone when the node has its name.
pub fn host_and_node(incident: &IncidentReport) -> String {
    let host = incident.host.as_deref().map(clean);
    match (host, incident.node.as_deref().map(clean)) {
        (Some(host), Some(node)) if node != host => format!("{host} ({node})"),
        (Some(host), _) => host,
        (None, Some(node)) => format!("node {node}"),
        (None, None) => "unknown host".into(),
    }
}

/// The severity, coloured by how bad it is.
pub fn severity_cell(severity: Severity) -> Cell {
    let name = severity_name(severity);
    let paint = match severity {
        Severity::Critical => Paint::Critical,
        Severity::High => Paint::Warning,
        _ => Paint::Quiet,
    };
    Cell::painted(name, paint)
}

/// `critical`, `high`, …
pub fn severity_name(severity: Severity) -> String {
    format!("{severity:?}").to_lowercase()
}

/// Colour of a verdict: a named cause stands out, `unknown` does not.
pub fn verdict_paint(cause: &str, fallback: bool) -> Paint {
    match fallback || cause == "unknown" {
        true => Paint::Quiet,
        false => Paint::Accent,
    }
}

/// `2026-03-12 10:15:50` in `zone`, from a report time.
pub fn short_time(report_time: &str, zone: DisplayZone) -> String {
    let shown = zone.show(report_time);
    match shown.get(..19) {
        Some(head) if shown.is_char_boundary(19) => head.replacen('T', " ", 1),
        _ => shown,
    }
}

fn hosts(page: &mut Page<'_>, report: &Report) {
    page.title("Hosts");
    let zone = page.zone();
    let covered = format!("Logs cover ({})", zone.label());
    let mut table = Columns::new(&["Host", "Files", &covered, "Clock", "Warnings"], 2);
    for host in &report.hosts {
        let files: Vec<&str> = report
            .sources
            .iter()
            .filter(|s| s.host == host.name && s.skipped.is_none())
            .map(|s| s.path.as_str())
            .collect();
        let warnings = report
            .warnings
            .iter()
            .filter(|w| w.file.as_deref().is_some_and(|f| files.contains(&f)))
            .count();
        let offset = clean(&host.utc_offset);
        let clock = match host.offset_source {
            OffsetSourceReport::Assumed => {
                Cell::painted(format!("{offset} (assumed UTC)"), Paint::Warning)
            }
            source => format!("{offset} ({})", source.name()).into(),
        };
        table.row(vec![
            clean(&host.name).into(),
            files.len().to_string().into(),
            span(host.logs_from.as_deref(), host.logs_to.as_deref(), zone).into(),
            clock,
            warnings.to_string().into(),
        ]);
    }
    page.columns(&table);
}

/// `2026-03-12 06:00 → 10:15`, the end's date written only when it
/// differs; `-` without wall-clock times.
fn span(from: Option<&str>, to: Option<&str>, zone: DisplayZone) -> String {
    let (Some(from), Some(to)) = (from, to) else {
        return "-".into();
    };
    let minutes = |t: &str| {
        let shown = short_time(t, zone);
        shown.get(..16).map_or(shown.clone(), str::to_string)
    };
    let (from, to) = (minutes(from), minutes(to));
    match (from.get(..10), to.get(11..)) {
        (Some(day), Some(clock)) if to.starts_with(day) => format!("{from} → {clock}"),
        _ => format!("{from} → {to}"),
    }
}
