//! The HTML report: one self-contained page (inline CSS and SVG, nothing
//! fetched, no script) to attach to a ticket or open from disk. A summary
//! of incidents and hosts, an activity overview of the whole bundle, and
//! per incident a swimlane of its hosts over the window, the evidence,
//! the procedure as a checklist, the other candidates and what to collect.
//!
//! Every text from the input goes through [`escape`]; times are UTC; the
//! page holds nothing that changes between runs on the same input.

mod incident;
mod svg;

use super::{HostReport, IncidentReport, OffsetSourceReport, Report, Severity};
use chrono::{DateTime, Utc};
use std::fmt::Write;

/// The page's style sheet.
const STYLE: &str = include_str!("style.css");

/// Renders the whole report as one HTML page.
pub fn render(report: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    head(&mut out, report);
    summary(&mut out, report);
    overview(&mut out, report);
    for incident in &report.incidents {
        incident::render(&mut out, incident);
    }
    config_notes(&mut out, report);
    clock_skews(&mut out, report);
    warnings(&mut out, report);
    let _ = write!(
        out,
        "<footer>Written by {} {}. All times are UTC.</footer>\n</body>\n</html>\n",
        report.tool.name, report.tool.version
    );
    out
}

/// `text` safe inside HTML text and quoted attributes: `& < > " '` become
/// entities, and control characters (and bidirectional overrides) are
/// shown escaped as on the terminal (`\x1b`), so no log line can add
/// markup or hide what it says.
pub fn escape(text: &str) -> String {
    let visible = super::text::terminal_safe(text);
    let mut out = String::with_capacity(visible.len());
    for c in visible.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A report time (RFC 3339) as a time, when it is one.
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A report time for reading: `2026-03-12 10:15:14.302`.
fn show_time(text: &str) -> String {
    escape(&text.replacen('T', " ", 1).replace('Z', ""))
}

/// A confidence as a percentage.
fn percent(confidence: f64) -> String {
    format!("{:.0} %", confidence * 100.0)
}

/// The CSS class and label of a severity.
fn severity(s: Severity) -> (&'static str, &'static str) {
    match s {
        Severity::Critical => ("sev-critical", "critical"),
        Severity::High => ("sev-high", "high"),
        Severity::Medium => ("sev-medium", "medium"),
        Severity::Low => ("sev-low", "low"),
    }
}

fn head(out: &mut String, report: &Report) {
    let read = report
        .sources
        .iter()
        .filter(|s| s.skipped.is_none())
        .count();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>hbdiag report: {} incident(s)</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <header><h1>Heartbeat diagnosis</h1><p class=\"meta\">{} {} · {read} file(s) read, {} skipped · \
         {} host(s) · {} incident(s) · all times UTC</p></header>\n",
        report.incidents.len(),
        report.tool.name,
        report.tool.version,
        report.sources.len() - read,
        report.hosts.len(),
        report.incidents.len()
    );
}

fn summary(out: &mut String, report: &Report) {
    out.push_str("<section id=\"summary\"><h2>Summary</h2>\n");
    if report.incidents.is_empty() {
        out.push_str("<p class=\"none\">No heartbeat incident found in this bundle.</p>\n");
    } else {
        incident_rows(out, report);
    }
    host_rows(out, report);
    out.push_str("</section>\n");
}

fn incident_rows(out: &mut String, report: &Report) {
    out.push_str(
        "<table class=\"incidents\"><thead><tr><th>ID</th><th>Time</th><th>Kind</th>\
         <th>Host / node</th><th>Severity</th><th>Verdict</th><th>Confidence</th><th>Why</th>\
         </tr></thead><tbody>\n",
    );
    for i in &report.incidents {
        let (class, label) = severity(i.severity);
        let verdict = i.root_causes.first();
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{id}\">{id}</a></td><td class=\"time\">{}</td><td>{}</td>\
             <td>{}</td><td><span class=\"badge {class}\">{label}</span></td><td>{}</td>\
             <td class=\"num\">{}</td><td>{}</td></tr>",
            show_time(&i.time),
            i.kind.name(),
            host_and_node(i),
            verdict.map_or_else(|| "no rule matched".into(), verdict_badge),
            verdict.map_or_else(String::new, |v| percent(v.confidence)),
            verdict.map_or_else(String::new, |v| escape(&v.title)),
            id = escape(&i.id),
        );
    }
    out.push_str("</tbody></table>\n");
}

/// `host / node`, either one alone, or `unknown`.
fn host_and_node(i: &IncidentReport) -> String {
    match (&i.host, &i.node) {
        (Some(h), Some(n)) => format!("{} / {}", escape(h), escape(n)),
        (Some(h), None) => escape(h),
        (None, Some(n)) => format!("node {}", escape(n)),
        (None, None) => "unknown".into(),
    }
}

/// A root cause's name, coloured by how sure it is.
fn verdict_badge(cause: &super::RootCause) -> String {
    let class = match (cause.fallback, cause.confidence) {
        (true, _) => "verdict-fallback",
        (false, c) if c >= 0.8 => "verdict-strong",
        _ => "verdict-weak",
    };
    format!(
        "<span class=\"badge {class}\">{}</span>",
        escape(&cause.cause)
    )
}

fn host_rows(out: &mut String, report: &Report) {
    out.push_str(
        "<table class=\"hosts\"><thead><tr><th>Host</th><th>Logs</th><th>Records</th>\
         <th>Time covered</th><th>UTC offset</th><th>Known from</th><th>Warnings</th>\
         </tr></thead><tbody>\n",
    );
    for h in &report.hosts {
        let files: Vec<_> = report.sources.iter().filter(|s| s.host == h.name).collect();
        let read = files.iter().filter(|s| s.skipped.is_none()).count();
        let records: u64 = files.iter().map(|s| s.records).sum();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{read} of {}</td><td class=\"num\">{records}</td>\
             <td class=\"time\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            escape(&h.name),
            files.len(),
            time_covered(report, h),
            offset(h),
            offset_from(h),
            host_warnings(report, &h.name),
        );
    }
    out.push_str("</tbody></table>\n");
}

/// From the host's first record to its last: exact when an incident's
/// coverage lists it, else to the bucket of its activity.
fn time_covered(report: &Report, host: &HostReport) -> String {
    let exact = report
        .incidents
        .first()
        .and_then(|i| i.coverage.iter().find(|c| c.host == host.name))
        .and_then(|c| Some((c.logs_from.as_deref()?, c.logs_to.as_deref()?)));
    if let Some((from, to)) = exact {
        return format!("{} → {}", show_time(from), show_time(to));
    }
    let Some(activity) = &host.activity else {
        return "no wall-clock times".into();
    };
    let Some(start) = activity.start_time() else {
        return String::new();
    };
    let end = start
        + chrono::Duration::seconds(i64::from(activity.bucket_s) * activity.counts.len() as i64);
    format!(
        "≈ {} → {}",
        start.format("%Y-%m-%d %H:%M"),
        end.format("%Y-%m-%d %H:%M")
    )
}

fn offset(h: &HostReport) -> String {
    match h.offset_source {
        OffsetSourceReport::Assumed => format!(
            "{} <span class=\"badge warn\">assumed</span>",
            escape(&h.utc_offset)
        ),
        _ => escape(&h.utc_offset),
    }
}

fn offset_from(h: &HostReport) -> String {
    match &h.offset_evidence {
        Some(file) => format!(
            "{} <span class=\"file\">{}</span>",
            h.offset_source.name(),
            escape(file)
        ),
        None => h.offset_source.name().to_string(),
    }
}

/// How many warnings are about the host's files.
fn host_warnings(report: &Report, host: &str) -> usize {
    report
        .warnings
        .iter()
        .filter(|w| {
            w.file.as_deref().is_some_and(|file| {
                report
                    .sources
                    .iter()
                    .any(|s| s.path == file && s.host == host)
            })
        })
        .count()
}

fn overview(out: &mut String, report: &Report) {
    out.push_str("<section id=\"overview\"><h2>Activity</h2>\n");
    match svg::activity(report) {
        Some(chart) => {
            out.push_str(
                "<p class=\"note\">Records per minute of each host's own logs (alarm exports left out); \
                 each host on its own scale; incidents marked in red.</p>\n",
            );
            out.push_str(&chart);
        }
        None => out.push_str("<p class=\"none\">No log of this bundle has wall-clock times.</p>\n"),
    }
    out.push_str("</section>\n");
}

fn config_notes(out: &mut String, report: &Report) {
    if report.config_notes.is_empty() {
        return;
    }
    out.push_str("<section id=\"config\"><h2>Configuration notes</h2>\n<ul>\n");
    for note in &report.config_notes {
        let _ = write!(out, "<li>{}", escape(&note.message));
        for e in &note.evidence {
            let _ = write!(
                out,
                " <span class=\"file\">{}:{}</span>",
                escape(&e.file),
                e.line
            );
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul></section>\n");
}

fn clock_skews(out: &mut String, report: &Report) {
    out.push_str("<section id=\"clocks\"><h2>Clock skews</h2>\n");
    if report.clock_skews.is_empty() {
        out.push_str(
            "<p class=\"none\">No two clocks were found to differ by more than 2 s.</p>\n",
        );
    } else {
        out.push_str(
            "<table><thead><tr><th>Ahead</th><th>Behind</th><th>By</th><th>Corrected</th>\
             <th>Verdicts</th></tr></thead><tbody>\n",
        );
        for s in &report.clock_skews {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}–{} s</td><td>{} moved {:+} s</td><td>{}</td></tr>",
                escape(&s.ahead),
                escape(&s.behind),
                s.min_s,
                s.max_s,
                escape(&s.corrected_clock),
                s.correction_s,
                if s.verdicts_hold {
                    "hold within the skew".to_string()
                } else {
                    format!(
                        "<span class=\"badge warn\">{} could change</span>",
                        s.changes.len()
                    )
                }
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</section>\n");
}

fn warnings(out: &mut String, report: &Report) {
    out.push_str("<section id=\"warnings\"><h2>Warnings</h2>\n");
    if report.warnings.is_empty() {
        out.push_str("<p class=\"none\">None.</p>\n");
    } else {
        out.push_str(
            "<table><thead><tr><th>File</th><th>Line</th><th>Warning</th></tr></thead><tbody>\n",
        );
        for w in &report.warnings {
            let _ = writeln!(
                out,
                "<tr><td class=\"file\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                w.file.as_deref().map(escape).unwrap_or_default(),
                w.line.map(|l| l.to_string()).unwrap_or_default(),
                escape(&w.message)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_and_quotes_become_entities() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn control_characters_are_shown_not_sent() {
        let shown = escape("red \u{1b}[31m bell \u{7} csi \u{9b} rtl \u{202e}x\ttab\r\n");
        assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
        assert!(shown.contains(r"\x1b[31m"), "{shown}");
        assert!(shown.contains(r"\x07"), "{shown}");
        assert!(shown.contains(r"\u{9b}"), "{shown}");
        assert!(shown.contains(r"\u{202e}"), "{shown}");
    }

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(
            escape("ORA-01034: ORACLE not available"),
            "ORA-01034: ORACLE not available"
        );
    }
}
