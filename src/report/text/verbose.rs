//! `--verbose`: today's full detail. Each incident with every evidence
//! line, every other candidate, every rule that could not run with what to
//! collect, and its heartbeat events, as tables; then every warning.

use super::page::Page;
use super::{clean, compact, percent};
use crate::report::{DisplayZone, Evidence, IncidentReport, Report, RootCause};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use std::fmt::Write;

/// Longest line text shown in a table cell.
const TEXT_WIDTH: usize = 150;

/// Writes every incident in full, then the bundle's sections.
pub fn render(page: &mut Page<'_>, report: &Report) {
    for incident in &report.incidents {
        page.blank();
        render_incident(page, report, incident);
    }
    compact::config_notes(page, report);
    compact::clock_skews(page, report);
    compact::warnings(page, report, usize::MAX);
}

fn render_incident(page: &mut Page<'_>, report: &Report, i: &IncidentReport) {
    compact::heading(page, report, i);
    let zone = page.zone();
    let width = page.layout().width;
    let mut out = String::new();
    match i.root_causes.first() {
        Some(verdict) => render_verdict(&mut out, verdict, zone, width),
        None => out.push_str("\nNo rule matched.\n"),
    }
    if i.root_causes.len() > 1 {
        let mut others = table(&["Other candidate", "Confidence", "Rule", "Why"], width);
        for c in &i.root_causes[1..] {
            others.add_row(vec![
                clean(&c.cause),
                percent(c.confidence),
                clean(&c.rule),
                clean(&c.title),
            ]);
        }
        let _ = writeln!(out, "{others}");
    }
    if !i.not_evaluated.is_empty() {
        let mut missing = table(&["Not evaluated", "Cause", "What to collect"], width);
        for n in &i.not_evaluated {
            missing.add_row(vec![clean(&n.rule), clean(&n.cause), clean(&n.collect)]);
        }
        let _ = writeln!(out, "{missing}");
    }
    if !i.cascade.is_empty() {
        out.push_str("Heartbeat events of this incident:\n");
        let _ = writeln!(out, "{}", evidence_table(&i.cascade, zone, width));
    }
    for line in out.lines() {
        fitted(page, line);
    }
}

/// A line of prose wrapped to the page, under its own indent (and under its
/// number for a numbered step); a table line as it is, comfy-table having
/// fitted it already.
fn fitted(page: &mut Page<'_>, line: &str) {
    if super::layout::width(line) <= page.layout().width {
        page.raw(line.to_string());
        return;
    }
    let body = line.trim_start();
    let indent = &line[..line.len() - body.len()];
    let number = body
        .split_once(". ")
        .filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .map_or(0, |(n, _)| n.len() + 2);
    let rest = " ".repeat(indent.len() + number);
    page.wrap(body, indent, &rest);
}

fn render_verdict(out: &mut String, verdict: &RootCause, zone: DisplayZone, width: usize) {
    let _ = writeln!(
        out,
        "\nRoot cause: {} ({} confidence) — {}",
        verdict.cause,
        percent(verdict.confidence),
        clean(&verdict.title)
    );
    let _ = writeln!(out, "{}", clean(&verdict.explanation));
    let why = if verdict.fallback {
        format!(
            "Why: no rule held in {} → {}; {} is what is left",
            zone.show(&verdict.window.start),
            zone.show(&verdict.window.end),
            verdict.rule
        )
    } else {
        format!(
            "Why: rule {} held on the signals in {} → {}",
            verdict.rule,
            zone.show(&verdict.window.start),
            zone.show(&verdict.window.end)
        )
    };
    let _ = writeln!(out, "{why}");
    if !verdict.evidence.is_empty() {
        let _ = writeln!(out, "{}", evidence_table(&verdict.evidence, zone, width));
    }
    out.push_str("Procedure:\n");
    for (n, step) in verdict.procedure.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}", n + 1, clean(step));
    }
}

fn evidence_table(evidence: &[Evidence], zone: DisplayZone, width: usize) -> Table {
    let heading = format!("Time ({})", zone.label());
    let mut t = table(&[heading.as_str(), "Host", "File:line", "Line"], width);
    for e in evidence {
        t.add_row(vec![
            clean(&zone.show(&e.time)),
            clean(&e.host),
            place(e),
            with_span(
                with_matched(&with_repeats(&shorten(&e.text), e.repeats), e),
                e,
                zone,
            ),
        ]);
    }
    t
}

/// `file:line`, with the record's other copies after it: a copy in the same
/// folder by its file name alone (`node.log:212 (+exceptions.log:7)`).
pub fn place(e: &Evidence) -> String {
    let mut out = format!("{}:{}", clean(&e.file), e.line);
    if e.also_at.is_empty() {
        return out;
    }
    let folder = e.file.rsplit_once(['/', '!']).map_or("", |(dir, _)| dir);
    let others: Vec<String> = e
        .also_at
        .iter()
        .map(|other| {
            let name = match other.file.rsplit_once(['/', '!']) {
                Some((dir, name)) if dir == folder => name,
                _ => other.file.as_str(),
            };
            format!("+{}:{}", clean(name), other.line)
        })
        .collect();
    let _ = write!(out, " ({})", others.join(", "));
    out
}

/// A line's text with, below it, the line of the record a signal matched.
fn with_matched(text: &str, e: &Evidence) -> String {
    match &e.matched {
        Some(m) => format!("{text}\n  └ line {}: {}", m.line, shorten(&m.text)),
        None => text.to_string(),
    }
}

fn table(headers: &[&str], width: usize) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(u16::try_from(width).unwrap_or(u16::MAX))
        .set_header(headers.to_vec());
    t
}

/// A line's text, with the count of identical lines it stands for.
fn with_repeats(text: &str, repeats: u32) -> String {
    format!("{text}{}", crate::report::repeats_note(repeats))
}

/// A stop's or silence's line, with when it began and ended and which of
/// the two the line's own time marks.
fn with_span(text: String, e: &Evidence, zone: DisplayZone) -> String {
    let Some(span) = &e.span else {
        return text;
    };
    let clock = |t: &str| {
        let shown = zone.show(t);
        shown
            .split_once('T')
            .map_or(shown.clone(), |(_, c)| c.to_string())
    };
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

/// Input text cut to the cell width and made safe for a terminal.
fn shorten(text: &str) -> String {
    clean(&crate::parse::capped(text, TEXT_WIDTH))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{FileLine, LineSample};

    fn evidence(file: &str, line: u64, also_at: &[(&str, u64)]) -> Evidence {
        Evidence {
            host: "h1".into(),
            file: file.into(),
            line,
            time: "2026-03-12T10:15:14.302Z".into(),
            text: "2026-03-12 10:15:14,302 ERROR [Master Elect Data Writer] [DOM_10162] failed"
                .into(),
            signals: Vec::new(),
            repeats: 1,
            matched: None,
            also_at: also_at
                .iter()
                .map(|(file, line)| FileLine {
                    file: file.to_string(),
                    line: *line,
                })
                .collect(),
            span: None,
        }
    }

    #[test]
    fn other_copies_follow_the_place_by_file_name_when_in_the_same_folder() {
        let alone = evidence("h1/logs/node01/exceptions.log", 7, &[]);
        assert_eq!(place(&alone), "h1/logs/node01/exceptions.log:7");
        let copies = evidence(
            "h1/logs/node01/exceptions.log",
            7,
            &[("h1/logs/node01/node.log", 212), ("h1/old/node.log", 9)],
        );
        assert_eq!(
            place(&copies),
            "h1/logs/node01/exceptions.log:7 (+node.log:212, +h1/old/node.log:9)"
        );
        let archived = evidence("c.zip!exceptions.log", 7, &[("c.zip!node.log", 212)]);
        assert_eq!(place(&archived), "c.zip!exceptions.log:7 (+node.log:212)");
    }

    #[test]
    fn evidence_tables_escape_input_text() {
        let mut e = evidence("h1/\x1b[31mnode.log", 7, &[("h1/\x07x.log", 3)]);
        e.text = "2026-03-12 10:15:14,302 ERROR [main] \x1b]0;pwned\x07 \x1b[2J".into();
        let rendered = evidence_table(std::slice::from_ref(&e), DisplayZone::Utc, 120).to_string();
        assert!(
            !rendered.contains('\x1b') && !rendered.contains('\x07'),
            "{rendered}"
        );
        assert!(rendered.contains("\\x1b]0;pwned\\x07"), "{rendered}");
    }

    #[test]
    fn the_matched_line_goes_under_the_first_line() {
        let mut e = evidence("h1/exceptions.log", 7, &[]);
        assert_eq!(with_matched("first", &e), "first");
        e.matched = Some(LineSample {
            line: 13,
            text: "Caused by: java.sql.SQLRecoverableException: ORA-01034".into(),
        });
        assert_eq!(
            with_matched("first", &e),
            "first\n  └ line 13: Caused by: java.sql.SQLRecoverableException: ORA-01034"
        );
    }
}
