//! `analyze --format markdown` (issue 11, part 4): ticket text for every
//! fixture, with a title, a checklist and the fingerprint per incident,
//! within the documented size limits, and safe against hostile log text.

mod common;

use common::*;
use hbdiag::report::markdown::{EVIDENCE_LINES, MAX_INCIDENT_CHARS, MAX_LINE_CHARS};
use serde_json::Value;
use std::path::Path;

/// `hbdiag analyze PATH --format markdown`, checked to succeed.
fn markdown(path: &Path) -> String {
    let out = hbdiag(&[
        "analyze",
        path.to_str().expect("utf-8 path"),
        "--format",
        "markdown",
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the markdown is UTF-8")
}

/// `text` as the renderer escapes it outside code blocks.
fn escaped(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\`*_[]<>#|~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The lines of the section whose title starts with `## ID · `.
fn section<'a>(md: &'a str, id: &str) -> Vec<&'a str> {
    let start = format!("## {id} · ");
    let mut lines = md.lines().skip_while(|l| !l.starts_with(&start));
    let title = lines.next().unwrap_or_else(|| panic!("no title {start}…"));
    std::iter::once(title)
        .chain(lines.take_while(|l| !l.starts_with("## ")))
        .collect()
}

/// The document split into code-block lines and the other lines, as a
/// CommonMark reader splits it: a fence closes only on a line of at least
/// as many backticks as opened it.
fn code_and_prose(md: &str) -> (Vec<&str>, Vec<&str>) {
    let (mut code, mut prose) = (Vec::new(), Vec::new());
    let mut fence: Option<usize> = None;
    for line in md.lines() {
        let ticks = line.len() - line.trim_start_matches('`').len();
        match fence {
            Some(open) if ticks >= open && line.trim_end().len() == ticks => fence = None,
            Some(_) => code.push(line),
            None if ticks >= 3 => fence = Some(ticks),
            None => prose.push(line),
        }
    }
    assert!(fence.is_none(), "a code block is left open:\n{md}");
    (code, prose)
}

fn check_incident(md: &str, incident: &Value, bundle: &str) {
    let id = incident["id"].as_str().unwrap();
    let lines = section(md, id);
    let what = format!("{bundle} {id}");
    let verdict = &incident["root_causes"][0];
    let cause = verdict["cause"]
        .as_str()
        .or(incident["kind"].as_str())
        .unwrap();
    let host = incident["host"].as_str().unwrap_or("an unknown host");
    assert!(
        lines[0].starts_with(&format!(
            "## {id} · {} on {} at ",
            escaped(cause),
            escaped(host)
        )),
        "{what}: {}",
        lines[0]
    );
    let time = incident["time"].as_str().unwrap();
    assert!(lines[0].contains(&format!("{} {}Z", &time[..10], &time[11..19])));
    for label in ["- **What happened:** ", "- **Why:** ", "- **Confidence:** "] {
        assert!(
            lines.iter().any(|l| l.starts_with(label)),
            "{what}: {label}"
        );
    }
    let steps = verdict["procedure"].as_array().map_or(0, Vec::len);
    let checked = lines.iter().filter(|l| l.starts_with("- [ ] ")).count();
    assert_eq!(checked, steps, "{what}: one checkbox per procedure step");
    let fingerprint = incident["fingerprint"].as_str().unwrap();
    let last = lines.iter().rev().find(|l| !l.is_empty()).unwrap();
    assert!(
        last.starts_with("hbdiag ") && last.ends_with(&format!("fingerprint `{fingerprint}`")),
        "{what}: {last}"
    );
    let others = incident["root_causes"].as_array().unwrap().len() - 1;
    if others > 0 {
        let listed = lines
            .iter()
            .skip_while(|l| **l != "**Other candidates**")
            .skip(2)
            .take_while(|l| l.starts_with("- "))
            .count();
        assert_eq!(listed, others.min(5), "{what}: other candidates");
    }
    let chars: usize = lines.iter().map(|l| l.chars().count() + 1).sum();
    assert!(chars <= MAX_INCIDENT_CHARS, "{what}: {chars} characters");
    let text = lines.join("\n");
    let (code, _) = code_and_prose(&text);
    assert!(code.len() <= EVIDENCE_LINES + 1, "{what}: {code:?}");
}

#[test]
fn every_fixture_gives_ticket_text_within_the_limits() {
    let mut longest = (0, String::new());
    for bundle in fixture_bundles() {
        let name = bundle.file_name().unwrap().to_str().unwrap().to_string();
        let md = markdown(&bundle);
        let report = analyze_json(&bundle, &["--quiet"]);
        for line in md.lines() {
            assert!(
                line.chars().count() <= MAX_LINE_CHARS,
                "{name}: a line of {} characters: {line}",
                line.chars().count()
            );
        }
        code_and_prose(&md);
        for incident in incidents(&report) {
            check_incident(&md, incident, &name);
            let id = incident["id"].as_str().unwrap();
            let chars = section(&md, id).join("\n").chars().count();
            if chars > longest.0 {
                longest = (chars, format!("{name} {id}"));
            }
        }
        if incidents(&report).is_empty() {
            check_no_incident(&md, &report, &name);
        }
    }
    eprintln!(
        "longest incident section: {} characters ({})",
        longest.0, longest.1
    );
}

fn check_no_incident(md: &str, report: &Value, name: &str) {
    assert!(
        md.starts_with("# hbdiag: no heartbeat incident found\n"),
        "{name}: {md}"
    );
    for host in report["hosts"].as_array().unwrap() {
        assert!(md.contains(host["name"].as_str().unwrap()), "{name}: {md}");
    }
    for source in report["sources"].as_array().unwrap() {
        let path = escaped(source["path"].as_str().unwrap());
        assert!(md.contains(&format!("- {path}")), "{name}: {path} in {md}");
    }
}

#[test]
fn hostile_log_text_cannot_close_the_code_block_or_inject_markup() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("db-outage"), dir.path());
    let log = dir.path().join("infagw01/logs/node01/exceptions.log");
    let text = std::fs::read_to_string(&log).unwrap();
    let hostile =
        "``` <script>alert(1)</script> \x1b]0;pwned\x07\x1b[2J **bold** [link](http://x) | # _";
    let text = text
        .replacen(
            "updating the master election row.\n",
            &format!("updating the master election row. {hostile}\n"),
            1,
        )
        .replacen(
            "ORA-01034: ORACLE not available\n",
            &format!("ORA-01034: ORACLE not available {hostile}\n"),
            1,
        );
    std::fs::write(&log, text).unwrap();
    let md = markdown(dir.path());
    assert!(
        !md.contains(['\x1b', '\x07']),
        "control characters left in:\n{md}"
    );
    let (code, prose) = code_and_prose(&md);
    assert!(
        code.iter()
            .any(|l| l.contains("``` <script>alert(1)</script>")),
        "the hostile line is not inside a code block:\n{md}"
    );
    for line in &prose {
        for raw in ["<script", "**bold**", "[link](", "| #", "```"] {
            assert!(!line.contains(raw), "unescaped {raw}: {line}");
        }
        if line.contains("alert(1)") {
            assert!(line.contains("\\<script\\>alert(1)\\</script\\>"), "{line}");
        }
    }
    for heading in ["**Evidence**", "**Procedure**"] {
        assert!(prose.contains(&heading), "{heading} lost:\n{md}");
    }
    assert!(
        md.contains("## INC-2 · db\\_unavailable on infagw01"),
        "{md}"
    );
}

#[test]
fn gc_markdown_is_the_text_summary_in_a_code_block() {
    let log = fixture("gc-master/infagw01/logs/node01/gc.log");
    let out = hbdiag(&["gc", log.to_str().unwrap(), "--format", "markdown"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.starts_with("```text\n") && md.ends_with("\n```\n"),
        "{md}"
    );
    let (code, prose) = code_and_prose(&md);
    assert!(prose.is_empty() && code.iter().any(|l| l.contains("Longest pauses")));
}
