//! The terminal report: what a support engineer reads first. Each incident
//! with its verdict, the proving lines, the procedure, the other candidates
//! and what to collect for the rules that could not run.

use super::{DisplayZone, Evidence, IncidentReport, OffsetSourceReport, Report, RootCause};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use std::borrow::Cow;
use std::fmt::Write;

/// Longest line text shown in a table cell.
const TEXT_WIDTH: usize = 150;
/// Warnings listed before "and N more".
const WARNINGS_SHOWN: usize = 12;

/// Renders the report for a terminal. Every text that comes from the input
/// (log lines, file and host names, captured fields in explanations and
/// procedures) is passed through [`terminal_safe`], so no log can move the
/// cursor, clear the screen or set the window title. Times are shown in
/// `zone`.
pub fn render(report: &Report, zone: DisplayZone) -> String {
    let mut out = String::new();
    header(&mut out, report);
    if report.incidents.is_empty() {
        out.push_str("\nNo heartbeat incident found in this bundle.\n");
    }
    for incident in &report.incidents {
        render_incident(&mut out, incident, report, zone);
    }
    config_notes(&mut out, report);
    clock_skews(&mut out, report, zone);
    warnings(&mut out, report);
    // What the renderer itself wrote is only text and line breaks; this
    // catches any input text a future change forgets to clean.
    terminal_safe_lines(&out).into_owned()
}

/// [`terminal_safe`] for text of several lines: its line breaks are kept.
pub fn terminal_safe_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && needs_escape(c)) {
        return Cow::Borrowed(text);
    }
    let lines: Vec<Cow<'_, str>> = text.split('\n').map(terminal_safe).collect();
    Cow::Owned(lines.join("\n"))
}

/// `text` safe to print on a terminal: control characters (C0, DEL, C1)
/// are shown escaped (`\x1b`, `\x07`, `\u{9b}`), a tab as a space, and so
/// are the Unicode bidirectional overrides that reorder what is shown. JSON
/// output is not cleaned: serde escapes control characters there.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push(' '),
            c if (c as u32) < 0x80 && needs_escape(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// [`terminal_safe`], owned: for table cells and formatted lines.
fn clean(text: &str) -> String {
    terminal_safe(text).into_owned()
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
    let mut hosts = table(&["Host", "Time zone", "Known from"]);
    for h in &report.hosts {
        let zone = match h.offset_source {
            OffsetSourceReport::Assumed => format!("{} (assumed UTC)", clean(&h.utc_offset)),
            _ => clean(&h.utc_offset),
        };
        let from = match &h.offset_evidence {
            Some(file) => format!("{} ({})", h.offset_source.name(), clean(file)),
            None => h.offset_source.name().to_string(),
        };
        hosts.add_row(vec![clean(&h.name), zone, from]);
    }
    let _ = writeln!(out, "{hosts}");
}

fn render_incident(out: &mut String, i: &IncidentReport, report: &Report, zone: DisplayZone) {
    let _ = writeln!(
        out,
        "\n━━ {}  {}  {}  at {}{}  ({})",
        i.id,
        format!("{:?}", i.severity).to_uppercase(),
        i.kind.name(),
        zone.show(&i.time),
        assumed_note(i, report),
        i.fingerprint
    );
    let _ = writeln!(out, "{}", clean(&i.summary));
    let _ = writeln!(
        out,
        "Window {} → {} (timeout {} s, interval {} s)",
        zone.show(&i.window.start),
        zone.show(&i.window.end),
        i.timeout_s,
        i.interval_s
    );
    match i.root_causes.first() {
        Some(verdict) => render_verdict(out, verdict, zone),
        None => out.push_str("\nNo rule matched.\n"),
    }
    if i.root_causes.len() > 1 {
        let mut others = table(&["Other candidate", "Confidence", "Rule", "Why"]);
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
        let mut missing = table(&["Not evaluated", "Cause", "What to collect"]);
        for n in &i.not_evaluated {
            missing.add_row(vec![clean(&n.rule), clean(&n.cause), clean(&n.collect)]);
        }
        let _ = writeln!(out, "{missing}");
    }
    if !i.cascade.is_empty() {
        out.push_str("Heartbeat events of this incident:\n");
        let _ = writeln!(out, "{}", evidence_table(&i.cascade, zone));
    }
}

/// ` (assumed UTC)` when the time of an incident's host was read as UTC
/// only because nothing said otherwise.
fn assumed_note(i: &IncidentReport, report: &Report) -> &'static str {
    let assumed = report.hosts.iter().any(|h| {
        Some(&h.name) == i.host.as_ref() && h.offset_source == OffsetSourceReport::Assumed
    });
    if assumed { " (assumed UTC)" } else { "" }
}

fn render_verdict(out: &mut String, verdict: &RootCause, zone: DisplayZone) {
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
        let _ = writeln!(out, "{}", evidence_table(&verdict.evidence, zone));
    }
    out.push_str("Procedure:\n");
    for (n, step) in verdict.procedure.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}", n + 1, clean(step));
    }
}

fn evidence_table(evidence: &[Evidence], zone: DisplayZone) -> Table {
    let heading = format!("Time ({})", zone.label());
    let mut t = table(&[heading.as_str(), "Host", "File:line", "Line"]);
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
fn place(e: &Evidence) -> String {
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

fn config_notes(out: &mut String, report: &Report) {
    if report.config_notes.is_empty() {
        return;
    }
    out.push_str("\nConfiguration:\n");
    for note in &report.config_notes {
        let _ = writeln!(out, "  • {}", clean(&note.message));
        for e in &note.evidence {
            let _ = writeln!(out, "      {}  {}", place(e), shorten(&e.text));
            if let Some(m) = &e.matched {
                let _ = writeln!(out, "        └ line {}: {}", m.line, shorten(&m.text));
            }
        }
    }
}

fn clock_skews(out: &mut String, report: &Report, zone: DisplayZone) {
    if report.clock_skews.is_empty() {
        return;
    }
    out.push_str("\nClock skew:\n");
    for skew in &report.clock_skews {
        let _ = writeln!(
            out,
            "  • {} reads {}–{} s later than {}; {}'s times are moved {:+} s in this report.",
            clean(&skew.ahead),
            skew.min_s,
            skew.max_s,
            clean(&skew.behind),
            clean(&skew.corrected_clock),
            skew.correction_s
        );
        if skew.verdicts_hold {
            out.push_str("    Every verdict is the same anywhere within that skew, and without the correction.\n");
        } else {
            out.push_str("    Some verdicts could change within that skew (see the warnings).\n");
        }
        let mut shown = table(&["Pair", "Time", "Host", "File:line", "Line"]);
        for e in &skew.evidence {
            for (label, line) in [(e.pair.as_str(), &e.cause), ("", &e.effect)] {
                shown.add_row(vec![
                    clean(label),
                    clean(&zone.show(&line.time)),
                    clean(&line.host),
                    place(line),
                    shorten(&line.text),
                ]);
            }
        }
        let _ = writeln!(out, "{shown}");
    }
}

fn warnings(out: &mut String, report: &Report) {
    if report.warnings.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nWarnings ({}):", report.warnings.len());
    for w in report.warnings.iter().take(WARNINGS_SHOWN) {
        let place = match (&w.file, w.line) {
            (Some(f), Some(l)) => format!("{}:{l}: ", clean(f)),
            (Some(f), None) => format!("{}: ", clean(f)),
            _ => String::new(),
        };
        let _ = writeln!(out, "  {place}{}", clean(&w.message));
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

fn percent(confidence: f64) -> String {
    format!("{:.0}%", confidence * 100.0)
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
    fn control_characters_are_shown_escaped() {
        assert_eq!(terminal_safe("plain text é 告警"), "plain text é 告警");
        assert!(matches!(terminal_safe("plain"), Cow::Borrowed(_)));
        assert_eq!(
            terminal_safe("a\x1b]0;owned\x07b\x1b[2J\tc\u{9b}d\u{202e}e\x7f\r\n"),
            "a\\x1b]0;owned\\x07b\\x1b[2J c\\u{9b}d\\u{202e}e\\x7f\\x0d\\x0a"
        );
        let mut e = evidence("h1/\x1b[31mnode.log", 7, &[("h1/\x07x.log", 3)]);
        e.text = "2026-03-12 10:15:14,302 ERROR [main] \x1b]0;pwned\x07 \x1b[2J".into();
        let rendered = evidence_table(std::slice::from_ref(&e), DisplayZone::Utc).to_string();
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
