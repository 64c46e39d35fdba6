//! The default body of the terminal report: each incident in a compact
//! block, then what to collect, grouped by host and input, then the
//! bundle's configuration notes, clock skews and warnings.

use super::layout::{self, Paint};
use super::page::Page;
use super::summary::{host_and_node, severity_name, verdict_paint};
use super::{clean, percent};
use crate::model::SourceKind;
use crate::report::{DisplayZone, Evidence, IncidentReport, Report, RootCause, collect_hint};
use crate::timeline::skew::CAPTURE_PAIR;
use std::collections::BTreeMap;

/// Evidence lines shown per verdict before "+N more".
pub const EVIDENCE_SHOWN: usize = 5;
/// Other candidates that held, shown before "+N more".
const ALSO_HELD_SHOWN: usize = 3;
/// Warnings listed before "and N more".
const WARNINGS_SHOWN: usize = 12;
/// Indent of the lines under an evidence line's place.
const UNDER: &str = "      ";

/// Writes every incident's block and the sections after them.
pub fn render(page: &mut Page<'_>, report: &Report) {
    for incident in &report.incidents {
        page.blank();
        incident_block(page, report, incident);
    }
    not_evaluated(page, &report.incidents);
    config_notes(page, report);
    clock_skews(page, report);
    warnings(page, report, WARNINGS_SHOWN);
}

/// The heading of an incident, coloured by severity, its summary and its
/// window.
pub fn heading(page: &mut Page<'_>, report: &Report, incident: &IncidentReport) {
    let zone = page.zone();
    let text = format!(
        "━━ {} · {} · {} · {} · {}{}",
        incident.id,
        severity_name(incident.severity).to_uppercase(),
        incident.kind.name(),
        host_and_node(incident),
        zone.show(&incident.time),
        assumed_note(report, incident)
    );
    let paint = match incident.severity {
        crate::incidents::Severity::Critical => Paint::Critical,
        crate::incidents::Severity::High => Paint::Warning,
        _ => Paint::Strong,
    };
    for line in layout::wrap(&text, page.layout().width, "", "   ") {
        let painted = page.layout().paint(&line, paint);
        page.raw(painted);
    }
    page.wrap(&clean(&incident.summary), "", "");
    page.wrap(
        &format!(
            "Window {} → {} · timeout {} s · interval {} s · {}",
            zone.show(&incident.window.start),
            clock_of(&zone.show(&incident.window.end)),
            incident.timeout_s,
            incident.interval_s,
            incident.fingerprint
        ),
        "",
        "  ",
    );
}

/// ` (assumed UTC)` when the time of an incident's host was read as UTC
/// only because nothing said otherwise.
fn assumed_note(report: &Report, incident: &IncidentReport) -> &'static str {
    let assumed = report.hosts.iter().any(|h| {
        Some(&h.name) == incident.host.as_ref()
            && h.offset_source == crate::report::OffsetSourceReport::Assumed
    });
    if assumed { " (assumed UTC)" } else { "" }
}

fn incident_block(page: &mut Page<'_>, report: &Report, incident: &IncidentReport) {
    heading(page, report, incident);
    let Some(verdict) = incident.root_causes.first() else {
        page.line("No rule matched.");
        return;
    };
    verdict_lines(page, incident, verdict);
    evidence(page, &verdict.evidence, &incident.time, EVIDENCE_SHOWN);
    procedure(page, &verdict.procedure);
    also_held(page, incident);
    ruled_out(page, incident);
}

fn verdict_lines(page: &mut Page<'_>, incident: &IncidentReport, verdict: &RootCause) {
    let cause = clean(&verdict.cause);
    let text = format!(
        "Verdict: {cause} ({}) — {}",
        percent(verdict.confidence),
        clean(&verdict.title)
    );
    let paint = verdict_paint(&verdict.cause, verdict.fallback);
    for (i, line) in layout::wrap(&text, page.layout().width, "", "  ")
        .into_iter()
        .enumerate()
    {
        let line = match i {
            0 => line.replacen(&cause, &page.layout().paint(&cause, paint), 1),
            _ => line,
        };
        page.raw(line);
    }
    page.wrap(&clean(&verdict.explanation), "  ", "  ");
    let why = match verdict.fallback {
        true => format!("No rule held; {} is what is left.", verdict.rule),
        false => format!("Rule {} held.", verdict.rule),
    };
    page.wrap(
        &format!(
            "{why} `hbdiag explain {}` shows every rule, clause by clause.",
            incident.id
        ),
        "  ",
        "  ",
    );
}

/// Up to `shown` evidence lines, each as its time, host and place, then its
/// text below; with more, the longest stops are the ones shown.
pub fn evidence(page: &mut Page<'_>, evidence: &[Evidence], day_of: &str, shown: usize) {
    if evidence.is_empty() {
        return;
    }
    let zone = page.zone();
    page.title(&format!("Evidence ({})", zone.label()));
    for e in chosen(evidence, shown) {
        evidence_line(page, e, day_of);
    }
    if evidence.len() > shown {
        page.line(&format!(
            "  +{} more (--verbose or --format json)",
            evidence.len() - shown
        ));
    }
}

/// Which evidence lines to show: all when they fit; else the longest stops
/// (the pauses that prove a GC verdict), else the first, in time order.
fn chosen(evidence: &[Evidence], shown: usize) -> Vec<&Evidence> {
    if evidence.len() <= shown {
        return evidence.iter().collect();
    }
    let mut ranked: Vec<(usize, &Evidence)> = evidence.iter().enumerate().collect();
    ranked.sort_by(|(ia, a), (ib, b)| span_ms(b).total_cmp(&span_ms(a)).then_with(|| ia.cmp(ib)));
    ranked.truncate(shown);
    ranked.sort_by_key(|(i, _)| *i);
    ranked.into_iter().map(|(_, e)| e).collect()
}

fn span_ms(e: &Evidence) -> f64 {
    let Some(span) = &e.span else {
        return 0.0;
    };
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
    match (parse(&span.start), parse(&span.end)) {
        (Some(start), Some(end)) => (end - start).num_milliseconds() as f64,
        _ => 0.0,
    }
}

fn evidence_line(page: &mut Page<'_>, e: &Evidence, day_of: &str) {
    let zone = page.zone();
    let width = page.layout().width;
    let time = time_near(&e.time, day_of, zone);
    let place = super::verbose::place(e);
    page.line(&format!("  {time}  {}  {place}", clean(&e.host)));
    let text = with_repeats(clean(without_timestamp(&e.text)).trim_end(), e.repeats);
    for line in in_lines(&text, width - UNDER.len(), TEXT_LINES) {
        page.line(&format!("{UNDER}{line}"));
    }
    if let Some(m) = &e.matched {
        let under = format!("└ line {}: {}", m.line, clean(&m.text));
        page.line(&format!(
            "{UNDER}{}",
            layout::cut_middle(&under, width - UNDER.len())
        ));
    }
    if let Some(span) = &e.span {
        let marks = match span.logged_at {
            crate::model::LoggedAt::Start => "start",
            crate::model::LoggedAt::End => "end",
        };
        page.line(&format!(
            "{UNDER}stopped {} → {} ({}; the line's time is the {marks})",
            clock_of(&zone.show(&span.start)),
            clock_of(&zone.show(&span.end)),
            crate::report::considered::seconds(span_ms(e))
        ));
    }
}

/// Lines an evidence line's text may take before it is cut.
const TEXT_LINES: usize = 2;

/// `text` wrapped in at most `lines` lines of `width`, cut in the middle
/// (keeping its figures) when it is longer than that.
fn in_lines(text: &str, width: usize, lines: usize) -> Vec<String> {
    let mut budget = width * lines;
    loop {
        let cut = layout::cut_middle(text, budget);
        let wrapped = layout::wrap(&cut, width, "", "");
        if wrapped.len() <= lines || budget <= width {
            return wrapped.into_iter().take(lines).collect();
        }
        budget -= width / 4;
    }
}

/// A line's text, with the count of identical lines it stands for.
fn with_repeats(text: &str, repeats: u32) -> String {
    format!("{text}{}", crate::report::repeats_note(repeats))
}

/// `text` without a leading `2026-03-12 10:15:14,302 ` timestamp: the
/// time column shows it already. Other stamps are left as written.
pub fn without_timestamp(text: &str) -> &str {
    let bytes = text.as_bytes();
    let shape = b"dddd-dd-dd dd:dd:dd";
    let matches = bytes.len() > shape.len()
        && shape.iter().zip(bytes).all(|(s, b)| match s {
            b'd' => b.is_ascii_digit(),
            b' ' => *b == b' ' || *b == b'T',
            other => other == b,
        });
    if !matches {
        return text;
    }
    let rest = &text[shape.len()..];
    let rest = rest
        .strip_prefix([',', '.'])
        .map_or(rest, |r| r.trim_start_matches(|c: char| c.is_ascii_digit()));
    match rest.strip_prefix(' ') {
        Some(r) if !r.trim().is_empty() => {
            let r = r.trim_start();
            r.strip_prefix("| ").unwrap_or(r)
        }
        _ => text,
    }
}

/// `10:15:14.302` when `time` falls on the day of `day_of` in `zone`, the
/// full time otherwise.
pub fn time_near(time: &str, day_of: &str, zone: DisplayZone) -> String {
    let shown = zone.show(time);
    let day = zone.show(day_of);
    match (shown.get(..10), day.get(..10)) {
        (Some(a), Some(b)) if a == b => clock_of(&shown),
        _ => shown.replacen('T', " ", 1),
    }
}

/// The clock part of an RFC 3339 time: `10:15:14.302`, the offset kept
/// only when it is not UTC.
fn clock_of(time: &str) -> String {
    let clock = time.split_once('T').map_or(time, |(_, c)| c);
    clock.strip_suffix('Z').unwrap_or(clock).to_string()
}

/// The procedure, numbered, each step wrapped under its number.
pub fn procedure(page: &mut Page<'_>, steps: &[String]) {
    if steps.is_empty() {
        return;
    }
    page.title("Procedure");
    for (n, step) in steps.iter().enumerate() {
        let number = format!("  {}. ", n + 1);
        let rest = " ".repeat(number.len());
        page.wrap(&clean(step), &number, &rest);
    }
}

fn also_held(page: &mut Page<'_>, incident: &IncidentReport) {
    let others = &incident.root_causes[1..];
    if others.is_empty() {
        return;
    }
    page.title("Also held");
    for other in others.iter().take(ALSO_HELD_SHOWN) {
        page.wrap(
            &format!(
                "{} ({}): {}",
                clean(&other.rule),
                percent(other.confidence),
                clean(&other.title)
            ),
            "  ",
            "    ",
        );
    }
    if others.len() > ALSO_HELD_SHOWN {
        page.line(&format!(
            "  +{} more (hbdiag explain {})",
            others.len() - ALSO_HELD_SHOWN,
            incident.id
        ));
    }
}

/// Per cause that did not win, one reason.
fn ruled_out(page: &mut Page<'_>, incident: &IncidentReport) {
    let ruled_out = incident.ruled_out();
    if ruled_out.is_empty() {
        return;
    }
    page.title("Ruled out");
    let pad = ruled_out
        .iter()
        .map(|r| layout::width(r.cause()))
        .max()
        .unwrap_or(0);
    for cause in ruled_out {
        let first = format!("  {:<pad$}  ", clean(cause.cause()));
        let rest = " ".repeat(first.len());
        page.wrap(&clean(&cause.reason()), &first, &rest);
    }
}

/// A host and an input that is missing (or does not reach the window).
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Gap {
    host: String,
    kind: SourceKind,
    uncovered: bool,
}

/// What to collect, once per host and input, with the rules and incidents
/// it would let run.
pub fn not_evaluated(page: &mut Page<'_>, incidents: &[IncidentReport]) {
    let mut gaps: BTreeMap<Gap, (Vec<&str>, Vec<&str>)> = BTreeMap::new();
    for incident in incidents {
        for n in &incident.not_evaluated {
            let host = n.host.clone().unwrap_or_else(|| "the failing host".into());
            let kinds = n.missing.iter().map(|k| (*k, false));
            for (kind, uncovered) in kinds.chain(n.uncovered.iter().map(|k| (*k, true))) {
                let gap = Gap {
                    host: host.clone(),
                    kind,
                    uncovered,
                };
                let (rules, incidents) = gaps.entry(gap).or_default();
                if !rules.contains(&n.rule.as_str()) {
                    rules.push(&n.rule);
                }
                if !incidents.contains(&incident.id.as_str()) {
                    incidents.push(&incident.id);
                }
            }
        }
    }
    if gaps.is_empty() {
        return;
    }
    page.blank();
    page.title("Not evaluated: what to collect");
    for (gap, (rules, incidents)) in gaps {
        let state = match gap.uncovered {
            true => "not covering the incident",
            false => "missing",
        };
        page.wrap(
            &format!(
                "{} · {} {state} · {}: blocks {} rule(s): {}",
                clean(&gap.host),
                gap.kind.label(),
                incidents.join(", "),
                rules.len(),
                rules.join(", ")
            ),
            "  ",
            "      ",
        );
        let when = match gap.uncovered {
            true => " for the time of the incident",
            false => "",
        };
        page.wrap(
            &format!("Collect{when}: {}", collect_hint(gap.kind)),
            "    ",
            "      ",
        );
    }
}

/// The configuration observations, each with its proving lines.
pub fn config_notes(page: &mut Page<'_>, report: &Report) {
    if report.config_notes.is_empty() {
        return;
    }
    page.blank();
    page.title("Configuration");
    let width = page.layout().width;
    for note in &report.config_notes {
        page.wrap(&clean(&note.message), "  • ", "    ");
        for e in &note.evidence {
            let line = format!("{}  {}", super::verbose::place(e), clean(&e.text));
            page.line(&format!(
                "{UNDER}{}",
                layout::cut_middle(&line, width - UNDER.len())
            ));
        }
    }
}

/// Every clock skew found, with the events that show it.
pub fn clock_skews(page: &mut Page<'_>, report: &Report) {
    if report.clock_skews.is_empty() {
        return;
    }
    page.blank();
    page.title("Clock skew");
    for skew in &report.clock_skews {
        page.wrap(
            &format!(
                "{} reads {}–{} s later than {}; {}'s times are moved {:+} s in this report. {}",
                clean(&skew.ahead),
                skew.min_s,
                skew.max_s,
                clean(&skew.behind),
                clean(&skew.corrected_clock),
                skew.correction_s,
                match skew.verdicts_hold {
                    true => "Every verdict is the same anywhere within that skew, and without the correction.",
                    false => "Some verdicts could change within that skew (see the warnings).",
                }
            ),
            "  • ",
            "    ",
        );
        for e in &skew.evidence {
            let order = match e.pair.as_str() {
                CAPTURE_PAIR => "each direction as its sender captured it",
                _ => "the cause, then its effect",
            };
            page.line(&format!("    {}: {order}", clean(&e.pair)));
            evidence_line(page, &e.cause, &e.cause.time);
            evidence_line(page, &e.effect, &e.cause.time);
        }
    }
}

/// The first `shown` warnings, with where they are.
pub fn warnings(page: &mut Page<'_>, report: &Report, shown: usize) {
    if report.warnings.is_empty() {
        return;
    }
    page.blank();
    page.title(&format!("Warnings ({})", report.warnings.len()));
    for w in report.warnings.iter().take(shown) {
        let place = match (&w.file, w.line) {
            (Some(f), Some(l)) => format!("{}:{l}: ", clean(f)),
            (Some(f), None) => format!("{}: ", clean(f)),
            _ => String::new(),
        };
        page.wrap(&format!("{place}{}", clean(&w.message)), "  ", "    ");
    }
    if report.warnings.len() > shown {
        page.line(&format!(
            "  … and {} more (--verbose or --format json)",
            report.warnings.len() - shown
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_log4j_timestamp_is_dropped_and_nothing_else() {
        assert_eq!(
            without_timestamp("2026-03-12 10:15:14,302 ERROR [main] failed"),
            "ERROR [main] failed"
        );
        assert_eq!(
            without_timestamp("2026-03-12T10:15:14.302 ERROR x"),
            "ERROR x"
        );
        assert_eq!(
            without_timestamp("2026-03-07 16:40:09,210 | WARN  | [HA] | x"),
            "WARN  | [HA] | x"
        );
        for kept in [
            "[2026-03-12T10:15:14.302+0000][gc] Pause",
            "2026-03-12 10:15:14,302",
            "ERROR 2026-03-12 10:15:14 x",
        ] {
            assert_eq!(without_timestamp(kept), kept);
        }
    }

    #[test]
    fn times_on_the_incident_day_show_the_clock_only() {
        let day = "2026-03-12T10:15:50.410Z";
        assert_eq!(
            time_near("2026-03-12T10:15:14.302Z", day, DisplayZone::Utc),
            "10:15:14.302"
        );
        assert_eq!(
            time_near("2026-03-11T23:59:59.000Z", day, DisplayZone::Utc),
            "2026-03-11 23:59:59.000Z"
        );
    }
}
