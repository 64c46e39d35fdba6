//! The Markdown report: ticket text to paste into an issue tracker. One
//! section per incident (title, three-line summary, evidence, procedure as
//! a checklist, other candidates, fingerprint), each short enough for a
//! ticket field. Times are UTC, whatever `--display-tz` says: a ticket is
//! read in many zones.
//!
//! Text from the input (log lines, host and file names, captured fields in
//! explanations and procedures) is Markdown-escaped outside code blocks and
//! stripped of control characters everywhere, so a log line cannot format,
//! link or inject HTML into the ticket.

use super::{Evidence, IncidentReport, OffsetSourceReport, Report, RootCause};
use std::fmt::Write;

/// Most characters of one incident's section, from its `##` title to its
/// fingerprint: well inside the smallest common ticket-field limits
/// (Jira's 32 767, GitHub's 65 536), with room for the reporter's notes.
pub const MAX_INCIDENT_CHARS: usize = 8000;
/// Most characters of any line: long prose is wrapped, code lines cut.
pub const MAX_LINE_CHARS: usize = 200;
/// Most lines of an incident's evidence block before `… +N more`.
pub const EVIDENCE_LINES: usize = 10;
/// Most characters of one summary line, procedure step or collect hint
/// (after escaping), over all its wrapped lines.
const ITEM_CHARS: usize = 600;
/// Other candidates listed before `… +N more`.
const CANDIDATES_SHOWN: usize = 5;
/// Files read (and files skipped) listed when no incident was found.
const FILES_SHOWN: usize = 15;
/// Room an incident's section keeps for what is written whatever the
/// budget: the section headings, the `… +N more` lines and the footer.
const RESERVE_CHARS: usize = 600;
/// Characters escaped outside code blocks: emphasis, links, HTML, headings,
/// tables, code spans, strikethrough, and the escape itself.
const SPECIAL: &[char] = &['\\', '`', '*', '_', '[', ']', '<', '>', '#', '|', '~'];

/// Renders the report as Markdown ticket text.
pub fn render(report: &Report) -> String {
    if report.incidents.is_empty() {
        return no_incident(report);
    }
    let mut out = format!(
        "# hbdiag: {} heartbeat incident(s)\n\n",
        report.incidents.len()
    );
    out.push_str(&paragraph(
        "",
        &format!("Read {} on {}.", files_read(report), host_list(report)),
        "",
    ));
    for incident in &report.incidents {
        out.push('\n');
        out.push_str(&incident_section(incident, report));
    }
    out
}

/// `text` as a fenced code block: nothing escaped, control characters
/// stripped, the fence longer than any run of backticks inside. For text
/// that is already laid out, such as the GC summary's tables.
pub fn code_block(text: &str) -> String {
    let lines: Vec<String> = text.lines().map(strip_controls).collect();
    fenced(&lines)
}

/// One incident's section; at most [`MAX_INCIDENT_CHARS`] characters.
fn incident_section(i: &IncidentReport, report: &Report) -> String {
    let verdict = i.root_causes.first();
    let mut s = Section::default();
    s.push(&title(i, verdict, report));
    s.push("\n");
    s.push(&summary(i, verdict));
    s.push(&evidence_block(i, verdict));
    if let Some(verdict) = verdict.filter(|v| !v.procedure.is_empty()) {
        s.push("\n**Procedure**\n\n");
        s.list(
            verdict.procedure.len(),
            verdict
                .procedure
                .iter()
                .map(|step| paragraph("- [ ] ", step, "  ")),
        );
    }
    if i.root_causes.len() > 1 {
        s.push("\n**Other candidates**\n\n");
        let others = &i.root_causes[1..];
        s.list(
            others.len(),
            others.iter().take(CANDIDATES_SHOWN).map(candidate),
        );
    }
    collect_hints(&mut s, i);
    s.push(&format!(
        "\nhbdiag {} · fingerprint `{}`\n",
        escape_capped(report.tool.version, 40),
        i.fingerprint
    ));
    s.text
}

/// `## INC-1 · db_unavailable on infagw01 at 2026-03-12 10:15:46Z`.
fn title(i: &IncidentReport, verdict: Option<&RootCause>, report: &Report) -> String {
    let what = verdict.map_or(i.kind.name(), |v| v.cause.as_str());
    let assumed = report.hosts.iter().any(|h| {
        Some(&h.name) == i.host.as_ref() && h.offset_source == OffsetSourceReport::Assumed
    });
    format!(
        "## {} · {} on {} at {}{}\n",
        escape_capped(&i.id, 20),
        escape_capped(what, 60),
        escape_capped(i.host.as_deref().unwrap_or("an unknown host"), 60),
        short_time(&i.time),
        if assumed { " (assumed UTC)" } else { "" }
    )
}

/// What happened, why (the verdict's explanation, its first sentence) and
/// how sure, one list item each.
fn summary(i: &IncidentReport, verdict: Option<&RootCause>) -> String {
    let severity = format!("{:?}", i.severity).to_lowercase();
    let what = format!("{} ({severity}): {}", i.kind.name(), i.summary);
    let (why, confidence) = match verdict {
        Some(v) => (first_sentence(&v.explanation).to_string(), confidence(v)),
        None => ("no rule matched".into(), "none".into()),
    };
    [
        paragraph("- **What happened:** ", &what, "  "),
        paragraph("- **Why:** ", &why, "  "),
        paragraph("- **Confidence:** ", &confidence, "  "),
    ]
    .concat()
}

/// `95% (rule db_unavailable.vendor_error)`, or the fallback that stands
/// when no rule held.
fn confidence(v: &RootCause) -> String {
    let percent = (v.confidence * 100.0).round();
    if v.fallback {
        format!("{percent}%: no rule held; fallback {}", v.rule)
    } else {
        format!("{percent}% (rule {})", v.rule)
    }
}

/// The verdict's proving lines, or the incident's own heartbeat events
/// when the verdict has none (a fallback), as a code block of at most
/// [`EVIDENCE_LINES`] lines.
fn evidence_block(i: &IncidentReport, verdict: Option<&RootCause>) -> String {
    let (heading, evidence) = match verdict {
        Some(v) if !v.evidence.is_empty() => ("Evidence", &v.evidence),
        _ if !i.cascade.is_empty() => ("Heartbeat events", &i.cascade),
        _ => return String::new(),
    };
    let mut lines = Vec::new();
    let mut shown = 0;
    for e in evidence {
        let these = evidence_lines(e);
        if lines.len() + these.len() > EVIDENCE_LINES {
            break;
        }
        lines.extend(these);
        shown += 1;
    }
    if shown < evidence.len() {
        lines.push(format!("… +{} more", evidence.len() - shown));
    }
    format!("\n**{heading}**\n\n{}", fenced(&lines))
}

/// `file:line  time  text`, and below it the line of the record a signal
/// matched; each cut to fit inside the fence's line limit.
fn evidence_lines(e: &Evidence) -> Vec<String> {
    let repeats = super::repeats_note(e.repeats);
    let mut lines = vec![code_line(&format!(
        "{}:{}  {}  {}{repeats}",
        e.file, e.line, e.time, e.text
    ))];
    if let Some(m) = &e.matched {
        lines.push(code_line(&format!("    └ line {}: {}", m.line, m.text)));
    }
    lines
}

/// A line for a code block: control characters stripped, cut so that
/// even a fence one backtick longer than its longest run fits the limit.
fn code_line(text: &str) -> String {
    crate::parse::capped(&strip_controls(text), MAX_LINE_CHARS - 2)
}

/// `lines` between fences longer than any run of backticks in them, so no
/// line can close the block.
fn fenced(lines: &[String]) -> String {
    let longest = lines.iter().map(|l| longest_backtick_run(l)).max();
    let fence = "`".repeat(longest.unwrap_or(0).max(2) + 1);
    let mut out = format!("{fence}text\n");
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    let _ = writeln!(out, "{fence}");
    out
}

fn longest_backtick_run(line: &str) -> usize {
    line.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// `- db_unavailable — 75% — title (rule id)`.
fn candidate(c: &RootCause) -> String {
    let line = format!(
        "{} — {:.0}% — {} (rule {})",
        c.cause,
        c.confidence * 100.0,
        c.title,
        c.rule
    );
    format!("- {}\n", escape_capped(&line, MAX_LINE_CHARS - 2))
}

/// What to collect so the rules that could not run can: each distinct
/// hint once.
fn collect_hints(s: &mut Section, i: &IncidentReport) {
    let mut hints: Vec<&str> = Vec::new();
    for n in &i.not_evaluated {
        if !hints.contains(&n.collect.as_str()) {
            hints.push(&n.collect);
        }
    }
    if hints.is_empty() {
        return;
    }
    s.push(&format!(
        "\n**Not checked** ({} rule(s) lacked input); to check them, collect:\n\n",
        i.not_evaluated.len()
    ));
    s.list(
        hints.len(),
        hints.iter().map(|hint| paragraph("- ", hint, "  ")),
    );
}

/// An incident's text as it is built, with the characters it may still
/// take.
#[derive(Default)]
struct Section {
    text: String,
    chars: usize,
}

impl Section {
    /// Text that is written whatever the budget (bounded by the callers).
    fn push(&mut self, text: &str) {
        self.text.push_str(text);
        self.chars += text.chars().count();
    }

    /// Items of a list of `total`, while they fit; the rest as `… +N more`.
    fn list(&mut self, total: usize, items: impl Iterator<Item = String>) {
        let mut written = 0;
        for item in items {
            let len = item.chars().count();
            if self.chars + len > MAX_INCIDENT_CHARS - RESERVE_CHARS {
                break;
            }
            self.push(&item);
            written += 1;
        }
        if written < total {
            self.push(&format!(
                "- … +{} more (see the JSON report)\n",
                total - written
            ));
        }
    }
}

/// The text for a bundle without incident: what was read, so the reader
/// can tell a healthy bundle from one that missed the logs that matter.
fn no_incident(report: &Report) -> String {
    let mut out = String::from("# hbdiag: no heartbeat incident found\n\n");
    out.push_str(&paragraph(
        "",
        &format!(
            "hbdiag {} read {} on {} and found no heartbeat incident.",
            report.tool.version,
            files_read(report),
            host_list(report)
        ),
        "",
    ));
    let read: Vec<String> = report
        .sources
        .iter()
        .filter(|s| s.skipped.is_none())
        .map(|s| match s.kind {
            Some(kind) => format!("{} ({})", s.path, kind.name()),
            None => s.path.clone(),
        })
        .collect();
    file_list(&mut out, "Files read", &read);
    let skipped: Vec<String> = report
        .sources
        .iter()
        .filter_map(|s| Some(format!("{}: {}", s.path, s.skipped.as_deref()?)))
        .collect();
    file_list(&mut out, "Files skipped", &skipped);
    out
}

fn file_list(out: &mut String, heading: &str, files: &[String]) {
    if files.is_empty() {
        return;
    }
    let _ = write!(out, "\n**{heading}**\n\n");
    for file in files.iter().take(FILES_SHOWN) {
        let _ = writeln!(out, "- {}", escape_capped(file, MAX_LINE_CHARS - 2));
    }
    if files.len() > FILES_SHOWN {
        let _ = writeln!(out, "- … +{} more", files.len() - FILES_SHOWN);
    }
}

/// `12 file(s) (1 skipped)`.
fn files_read(report: &Report) -> String {
    let skipped = report
        .sources
        .iter()
        .filter(|s| s.skipped.is_some())
        .count();
    let read = report.sources.len() - skipped;
    match skipped {
        0 => format!("{read} file(s)"),
        _ => format!("{read} file(s) ({skipped} skipped)"),
    }
}

/// `3 host(s): infagw01, infagw02, infawk01`.
fn host_list(report: &Report) -> String {
    let names: Vec<&str> = report.hosts.iter().map(|h| h.name.as_str()).collect();
    format!("{} host(s): {}", names.len(), names.join(", "))
}

/// `2026-03-12 10:15:46Z` from a report time; other text as it is.
fn short_time(report_time: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(report_time).map_or_else(
        |_| escape_capped(report_time, 40),
        |t| t.format("%Y-%m-%d %H:%M:%SZ").to_string(),
    )
}

/// Up to the first full stop that ends a sentence (followed by a space);
/// all of `text` when there is none.
fn first_sentence(text: &str) -> &str {
    text.find(". ").map_or(text, |end| &text[..=end])
}

/// `prefix` then `text`, escaped, cut to [`ITEM_CHARS`] and wrapped at
/// [`MAX_LINE_CHARS`], with `indent` before each continuation line, and a
/// line break at the end.
fn paragraph(prefix: &str, text: &str, indent: &str) -> String {
    let mut out = String::from(prefix);
    let mut line = prefix.chars().count();
    let mut total = line;
    // A word (with a guarding backslash) fits on any line, and so does the
    // ` …` that may follow it.
    let room = MAX_LINE_CHARS - 3 - line.max(indent.len());
    let mut at_start = true;
    for word in strip_controls(text).split_whitespace() {
        let word = escape_capped(word, room);
        let len = word.chars().count();
        if total + len + 1 > ITEM_CHARS {
            out.push_str(" …");
            break;
        }
        let fits = line + 1 + len <= MAX_LINE_CHARS - 2;
        if !at_start && fits {
            out.push(' ');
            line += 1;
        } else if !at_start {
            out.push('\n');
            out.push_str(indent);
            line = indent.len();
            if starts_a_block(&word) {
                out.push('\\');
                line += 1;
            }
        }
        out.push_str(&word);
        line += len;
        total += len + 1;
        at_start = false;
    }
    out.push('\n');
    out
}

/// Whether an escaped word at the start of a line would open a list, a
/// heading underline or a thematic break (`-`, `+`, `=`, `1.`, `1)`): a
/// backslash before its first character keeps it text. (A digit's escape
/// is harmless and simpler than escaping the dot.)
fn starts_a_block(word: &str) -> bool {
    word.starts_with(['-', '+', '='])
        || (word.starts_with(|c: char| c.is_ascii_digit())
            && word
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .starts_with(['.', ')']))
}

/// `text` Markdown-escaped and stripped of control characters, cut to at
/// most `max` characters (with `…`) without splitting an escape.
fn escape_capped(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut len = 0;
    let clean = strip_controls(text);
    let total: usize = clean
        .chars()
        .map(|c| if SPECIAL.contains(&c) { 2 } else { 1 })
        .sum();
    for c in clean.chars() {
        let width = if SPECIAL.contains(&c) { 2 } else { 1 };
        if total > max && len + width > max - 1 {
            out.push('…');
            break;
        }
        if width == 2 {
            out.push('\\');
        }
        out.push(c);
        len += width;
    }
    out
}

/// `text` without control characters (tabs and line breaks become spaces)
/// or the Unicode bidirectional overrides that reorder what is shown.
fn strip_controls(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => None,
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::{IncidentKind, Severity};
    use crate::report::{LineSample, NotEvaluatedReport, Tool, WindowReport};

    /// Long text full of characters that escaping doubles.
    fn hostile(n: usize) -> String {
        format!("{n} {}", "a_b*c `d` <e> [f]|#~ ".repeat(200))
    }

    fn window() -> WindowReport {
        WindowReport {
            start: "2026-03-12T10:15:00.000Z".into(),
            end: "2026-03-12T10:16:00.000Z".into(),
        }
    }

    fn evidence(n: usize) -> Evidence {
        Evidence {
            host: "h1".into(),
            file: format!("h1/{}/node.log", "x".repeat(300)),
            line: n as u64,
            time: "2026-03-12T10:15:14.302Z".into(),
            text: hostile(n),
            signals: Vec::new(),
            repeats: 3,
            matched: Some(LineSample {
                line: n as u64 + 1,
                text: "`".repeat(400),
            }),
            also_at: Vec::new(),
            span: None,
        }
    }

    fn cause(n: usize) -> RootCause {
        RootCause {
            cause: hostile(n),
            rule: hostile(n),
            title: hostile(n),
            confidence: 0.5,
            fallback: false,
            explanation: hostile(n),
            window: window(),
            evidence: (0..40).map(evidence).collect(),
            procedure: (0..30).map(hostile).collect(),
        }
    }

    /// An incident with every list long and every text hostile.
    fn worst_incident() -> IncidentReport {
        IncidentReport {
            id: "INC-1".into(),
            fingerprint: "hb1-0123456789abcdef".into(),
            kind: IncidentKind::MasterDbTimeout,
            host: Some(hostile(0)),
            node: None,
            observer: None,
            affected_hosts: Vec::new(),
            time: "2026-03-12T10:15:50.410Z".into(),
            window: window(),
            timeout_s: 32.0,
            interval_s: 8.0,
            severity: Severity::Critical,
            summary: hostile(1),
            found_by: Vec::new(),
            coverage: Vec::new(),
            root_causes: (0..30).map(cause).collect(),
            not_evaluated: (0..30)
                .map(|n| NotEvaluatedReport {
                    rule: hostile(n),
                    cause: hostile(n),
                    host: None,
                    missing: Vec::new(),
                    uncovered: Vec::new(),
                    collect: hostile(n),
                })
                .collect(),
            cascade: Vec::new(),
            considered: Vec::new(),
        }
    }

    fn report(incidents: Vec<IncidentReport>) -> Report {
        Report {
            schema_version: crate::report::SCHEMA_VERSION,
            tool: Tool {
                name: "hbdiag",
                version: "0.1.0",
                rules_version: "0",
            },
            filter: None,
            sources: Vec::new(),
            hosts: Vec::new(),
            incidents,
            config_notes: Vec::new(),
            clock_skews: Vec::new(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn the_worst_incident_stays_within_the_limits() {
        let report = report(vec![worst_incident()]);
        let section = incident_section(&report.incidents[0], &report);
        assert!(
            section.chars().count() <= MAX_INCIDENT_CHARS,
            "{} characters",
            section.chars().count()
        );
        for line in section.lines() {
            assert!(line.chars().count() <= MAX_LINE_CHARS, "{line}");
            assert!(!line.ends_with('\\'), "a line break escaped: {line}");
        }
        assert!(section.contains("- [ ] "), "{section}");
        assert!(section.contains("more (see the JSON report)"), "{section}");
        assert!(section.ends_with("fingerprint `hb1-0123456789abcdef`\n"));
    }

    #[test]
    fn escaping_never_splits_an_escape_and_marks_every_special_character() {
        assert_eq!(escape_capped("a_b <c>", 40), "a\\_b \\<c\\>");
        assert_eq!(escape_capped("\x1b[2Jok\u{202e}\t", 40), "\\[2Jok ");
        let cut = escape_capped(&"_".repeat(50), 10);
        assert_eq!(cut, format!("{}…", "\\_".repeat(4)));
    }

    #[test]
    fn wrapped_lines_cannot_start_a_list_or_a_heading_underline() {
        let text = format!("{} - 1. 2) + === end", "word ".repeat(60));
        let wrapped = paragraph("- ", &text, "  ");
        for line in wrapped.lines().skip(1) {
            let start = line.trim_start();
            assert!(
                !start.starts_with(['-', '+', '='])
                    && !start.starts_with("1.")
                    && !start.starts_with("2)"),
                "{line}"
            );
        }
    }

    #[test]
    fn a_code_block_fence_outgrows_the_backticks_inside() {
        let block = code_block("a ``` b\n`````\n");
        assert!(
            block.starts_with("``````text\n") && block.ends_with("\n``````\n"),
            "{block}"
        );
    }

    #[test]
    fn the_first_sentence_ends_at_a_full_stop_before_a_space() {
        assert_eq!(first_sentence("Took 8.5 s. Then more."), "Took 8.5 s.");
        assert_eq!(first_sentence("no stop"), "no stop");
    }
}
