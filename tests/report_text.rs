//! The terminal report of every fixture, at 80 and 120 columns: a reviewed
//! snapshot each (insta), no line over the width, the summary first.

mod common;

use common::{fixture, hbdiag};
use unicode_width::UnicodeWidthStr;

fn text_report(name: &str, width: u16) -> String {
    let path = fixture(name);
    let width = width.to_string();
    let out = hbdiag(&[
        "analyze",
        "-q",
        "--color",
        "never",
        "--width",
        &width,
        path.to_str().expect("utf-8 path"),
    ]);
    assert!(out.status.success(), "{name}: {out:?}");
    String::from_utf8(out.stdout).expect("the report is UTF-8")
}

#[test]
fn every_fixture_fits_80_and_120_columns_with_the_summary_first() {
    for name in common::fixture_names() {
        for width in [80u16, 120] {
            let text = text_report(&name, width);
            for (n, line) in text.lines().enumerate() {
                assert!(
                    line.width() <= usize::from(width),
                    "{name} at {width}: line {} is {} wide: {line}",
                    n + 1,
                    line.width()
                );
            }
            let head: Vec<&str> = text.lines().take(15).collect();
            let report = common::analyze_json(&fixture(&name), &[]);
            let ids: Vec<&str> = common::incidents(&report)
                .iter()
                .map(|i| i["id"].as_str().unwrap())
                .collect();
            match ids.is_empty() {
                true => assert!(
                    head.iter().any(|l| l.contains("No heartbeat incident")),
                    "{name}: {head:#?}"
                ),
                false => {
                    for id in ids.iter().take(4) {
                        assert!(
                            head.iter()
                                .any(|l| l.trim_start().starts_with(&format!("{id} "))),
                            "{name} at {width}: {id} is not in the first 15 lines: {head:#?}"
                        );
                    }
                }
            }
            insta::assert_snapshot!(format!("{name}@{width}"), text);
        }
    }
}

#[test]
fn piped_output_wraps_at_100_columns_and_has_no_colour() {
    let path = fixture("db-outage");
    let out = hbdiag(&["analyze", "-q", path.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\x1b'), "no colour when piped");
    assert!(text.lines().all(|l| l.width() <= 100), "{text}");
    assert!(
        text.lines().any(|l| l.width() > 90),
        "it uses the width: {text}"
    );
}

#[test]
fn colour_marks_severity_and_verdict_unless_no_color_says_otherwise() {
    let path = fixture("db-outage");
    let path = path.to_str().unwrap();
    let coloured = hbdiag(&["analyze", "-q", "--color", "always", path]);
    let text = String::from_utf8(coloured.stdout).unwrap();
    assert!(text.contains("\x1b[1;31mcritical\x1b[0m"), "{text}");
    assert!(text.contains("\x1b[36mdb_unavailable\x1b[0m"), "{text}");
    let plain = std::process::Command::new(env!("CARGO_BIN_EXE_hbdiag"))
        .args(["analyze", "-q", "--color", "auto", path])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&plain.stdout).contains('\x1b'));
}

#[test]
fn the_compact_block_cuts_evidence_at_five_and_verbose_shows_all() {
    let path = fixture("network-partition");
    let path = path.to_str().unwrap();
    let compact = String::from_utf8(hbdiag(&["analyze", "-q", path]).stdout).unwrap();
    assert!(
        compact.contains("+1 more (--verbose or --format json)"),
        "{compact}"
    );
    let verbose = String::from_utf8(hbdiag(&["analyze", "-q", "--verbose", path]).stdout).unwrap();
    assert!(!verbose.contains("more (--verbose"), "{verbose}");
    assert!(verbose.contains("Heartbeat events of this incident:"));
    assert!(verbose.lines().all(|l| l.width() <= 100), "{verbose}");
}

#[test]
fn what_to_collect_is_said_once_per_host_and_input() {
    let path = fixture("db-outage");
    let text =
        String::from_utf8(hbdiag(&["analyze", "-q", path.to_str().unwrap()]).stdout).unwrap();
    assert_eq!(text.matches("Collect: the JVM GC log").count(), 1, "{text}");
    assert!(
        text.contains("infagw01 · GC log missing · INC-2: blocks 9 rule(s)"),
        "{text}"
    );
}
