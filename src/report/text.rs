//! The terminal report: what a support engineer reads first. Each incident
//! with its verdict, the proving lines, the procedure, the other candidates
//! and what to collect for the rules that could not run.

use super::{Evidence, IncidentReport, Report, RootCause};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use std::fmt::Write;

/// Longest line text shown in a table cell.
const TEXT_WIDTH: usize = 150;
/// Warnings listed before "and N more".
const WARNINGS_SHOWN: usize = 12;

/// Renders the report for a terminal.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    header(&mut out, report);
    if report.incidents.is_empty() {
        out.push_str("\nNo heartbeat incident found in this bundle.\n");
    }
    for incident in &report.incidents {
        render_incident(&mut out, incident);
    }
    config_notes(&mut out, report);
    warnings(&mut out, report);
    out
}

fn header(out: &mut String, report: &Report) {
    let read = report
        .sources
        .iter()
        .filter(|s| s.skipped.is_none())
        .count();
    let skipped = report.sources.len() - read;
    let _ = writeln!(
        out,
        "{} {} — {read} file(s) read, {skipped} skipped, {} host(s), {} incident(s)",
        report.tool.name,
        report.tool.version,
        report.hosts.len(),
        report.incidents.len()
    );
    let mut hosts = table(&["Host", "UTC offset", "Offset from"]);
    for h in &report.hosts {
        hosts.add_row(vec![
            h.name.clone(),
            h.utc_offset.clone(),
            h.offset_source.clone(),
        ]);
    }
    let _ = writeln!(out, "{hosts}");
}

fn render_incident(out: &mut String, i: &IncidentReport) {
    let _ = writeln!(
        out,
        "\n━━ {}  {}  {}  at {}  ({})",
        i.id,
        format!("{:?}", i.severity).to_uppercase(),
        i.kind.name(),
        i.time,
        i.fingerprint
    );
    let _ = writeln!(out, "{}", i.summary);
    let _ = writeln!(
        out,
        "Window {} → {} (timeout {} s, interval {} s)",
        i.window.start, i.window.end, i.timeout_s, i.interval_s
    );
    match i.root_causes.first() {
        Some(verdict) => render_verdict(out, verdict),
        None => out.push_str("\nNo rule matched.\n"),
    }
    if i.root_causes.len() > 1 {
        let mut others = table(&["Other candidate", "Confidence", "Rule", "Why"]);
        for c in &i.root_causes[1..] {
            others.add_row(vec![
                c.cause.clone(),
                percent(c.confidence),
                c.rule.clone(),
                c.title.clone(),
            ]);
        }
        let _ = writeln!(out, "{others}");
    }
    if !i.not_evaluated.is_empty() {
        let mut missing = table(&["Not evaluated", "Cause", "What to collect"]);
        for n in &i.not_evaluated {
            missing.add_row(vec![n.rule.clone(), n.cause.clone(), n.collect.clone()]);
        }
        let _ = writeln!(out, "{missing}");
    }
    if !i.cascade.is_empty() {
        out.push_str("Heartbeat events of this incident:\n");
        let _ = writeln!(out, "{}", evidence_table(&i.cascade));
    }
}

fn render_verdict(out: &mut String, verdict: &RootCause) {
    let _ = writeln!(
        out,
        "\nRoot cause: {} ({} confidence) — {}",
        verdict.cause,
        percent(verdict.confidence),
        verdict.title
    );
    let _ = writeln!(out, "{}", verdict.explanation);
    let _ = writeln!(
        out,
        "Why: rule {} matched signals in {} → {}",
        verdict.rule, verdict.window.start, verdict.window.end
    );
    if !verdict.evidence.is_empty() {
        let _ = writeln!(out, "{}", evidence_table(&verdict.evidence));
    }
    out.push_str("Procedure:\n");
    for (n, step) in verdict.procedure.iter().enumerate() {
        let _ = writeln!(out, "  {}. {step}", n + 1);
    }
}

fn evidence_table(evidence: &[Evidence]) -> Table {
    let mut t = table(&["Time (UTC)", "Host", "File:line", "Line"]);
    for e in evidence {
        t.add_row(vec![
            e.time.clone(),
            e.host.clone(),
            format!("{}:{}", e.file, e.line),
            with_span(with_repeats(&shorten(&e.text), e.repeats), e),
        ]);
    }
    t
}

fn config_notes(out: &mut String, report: &Report) {
    if report.config_notes.is_empty() {
        return;
    }
    out.push_str("\nConfiguration:\n");
    for note in &report.config_notes {
        let _ = writeln!(out, "  • {}", note.message);
        for e in &note.evidence {
            let _ = writeln!(out, "      {}:{}  {}", e.file, e.line, shorten(&e.text));
        }
    }
}

fn warnings(out: &mut String, report: &Report) {
    if report.warnings.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nWarnings ({}):", report.warnings.len());
    for w in report.warnings.iter().take(WARNINGS_SHOWN) {
        let place = match (&w.file, w.line) {
            (Some(f), Some(l)) => format!("{f}:{l}: "),
            (Some(f), None) => format!("{f}: "),
            _ => String::new(),
        };
        let _ = writeln!(out, "  {place}{}", w.message);
    }
    if report.warnings.len() > WARNINGS_SHOWN {
        let _ = writeln!(
            out,
            "  … and {} more (all of them are in --format json)",
            report.warnings.len() - WARNINGS_SHOWN
        );
    }
}

fn table(headers: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.to_vec());
    t
}

/// A line's text, with the count of identical lines it stands for.
fn with_repeats(text: &str, repeats: u32) -> String {
    if repeats > 1 {
        format!("{text} (×{repeats} in that minute)")
    } else {
        text.to_string()
    }
}

/// A stop's or silence's line, with when it began and ended and which of
/// the two the line's own time marks.
fn with_span(text: String, e: &Evidence) -> String {
    let Some(span) = &e.span else {
        return text;
    };
    let clock = |t: &str| t.split_once('T').map_or(t, |(_, c)| c).to_string();
    let marks = match span.logged_at {
        crate::model::LoggedAt::Start => "start",
        crate::model::LoggedAt::End => "end",
    };
    format!(
        "{text}\n[{} → {}; the line's time is the {marks}]",
        clock(&span.start),
        clock(&span.end)
    )
}

fn percent(confidence: f64) -> String {
    format!("{:.0}%", confidence * 100.0)
}

fn shorten(text: &str) -> String {
    crate::parse::capped(text, TEXT_WIDTH)
}
