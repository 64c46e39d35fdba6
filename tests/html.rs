//! `analyze --format html`: for every fixture bundle the page is
//! self-contained and well-formed, each incident's swimlane has one lane
//! per host and one bar per stop or silence of its evidence, and headless
//! Chromium renders it without a console error (when Chromium is
//! installed; `HBDIAG_REQUIRE_CHROMIUM=1` makes its absence a failure).

mod common;

use common::{copy_tree, fixture, hbdiag};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one Chromium run may take before it is killed.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(60);

/// Every fixture bundle: each folder under `fixtures/`.
fn bundles() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(fixture(""))
        .expect("the fixtures folder")
        .map(|entry| entry.expect("a folder entry").path())
        .filter(|path| path.is_dir())
        .collect();
    found.sort();
    found
}

/// Runs `hbdiag analyze BUNDLE --format FORMAT -o OUT EXTRA…` and returns
/// what it wrote.
fn analyze_to(bundle: &Path, format: &str, out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "analyze",
        bundle.to_str().expect("utf-8 path"),
        "--format",
        format,
        "-o",
        out.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    let run = hbdiag(&args);
    assert!(
        run.status.success(),
        "hbdiag {args:?} failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read_to_string(out).expect("the report was written")
}

/// The HTML page and the JSON report of one bundle.
fn reports(bundle: &Path, dir: &Path) -> (String, Value) {
    let html = analyze_to(bundle, "html", &dir.join("x.html"), &[]);
    let json = analyze_to(bundle, "json", &dir.join("x.json"), &[]);
    (
        html,
        serde_json::from_str(&json).expect("the report is JSON"),
    )
}

/// Elements that have no closing tag in HTML.
const VOID: &[&str] = &["meta", "br", "input", "hr", "img", "wbr"];

/// Checks that every element is closed in order (self-closing SVG
/// elements and HTML void elements aside), outside the style sheet.
fn assert_balanced(html: &str) {
    let body = match (html.split_once("<style>"), html.split_once("</style>")) {
        (Some((before, _)), Some((_, after))) => format!("{before}{after}"),
        _ => html.to_string(),
    };
    let mut open: Vec<String> = Vec::new();
    for (at, _) in body.match_indices('<') {
        let tag = &body[at + 1..];
        let end = tag
            .find('>')
            .unwrap_or_else(|| panic!("unclosed tag at {at}"));
        let inside = &tag[..end];
        if inside.starts_with('!') {
            continue;
        }
        let name: String = inside
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if let Some(closing) = inside.strip_prefix('/') {
            let expected = open.pop().unwrap_or_default();
            assert_eq!(
                closing.trim(),
                expected,
                "closing tag out of order near {:?}",
                &body[at.saturating_sub(120)..at + 20]
            );
        } else if !inside.ends_with('/') && !VOID.contains(&name.as_str()) {
            open.push(name);
        }
    }
    assert!(open.is_empty(), "left open: {open:?}");
}

/// Checks that the page fetches nothing and carries no raw input.
fn assert_self_contained(html: &str) {
    for fetch in [
        "http://", "https://", "<link", " src=", "url(", "@import", "<script",
    ] {
        assert!(!html.contains(fetch), "the page holds {fetch:?}");
    }
    assert!(
        !html.chars().any(|c| c.is_control() && c != '\n'),
        "a raw control character is in the page"
    );
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
}

/// Checks that every in-page link leads to an element of the page.
fn assert_links_land(html: &str) {
    let ids: BTreeSet<&str> = html
        .split(" id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    for target in html.split("href=\"#").skip(1) {
        let target = target.split('"').next().unwrap_or_default();
        assert!(ids.contains(target), "link to #{target} leads nowhere");
    }
}

/// The swimlane SVG of one incident.
fn swimlane<'a>(html: &'a str, id: &str) -> &'a str {
    let marker = format!("data-incident=\"{id}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no swimlane for {id}"));
    let rest = &html[start..];
    &rest[..rest.find("</svg>").expect("the swimlane ends")]
}

/// Every value of `attribute` in `svg`, in order.
fn attribute_values<'a>(svg: &'a str, attribute: &str) -> Vec<&'a str> {
    let marker = format!("{attribute}=\"");
    svg.split(marker.as_str())
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

/// The hosts an incident names: its own, the observer's, the affected.
fn involved_hosts(incident: &Value) -> BTreeSet<String> {
    let named = [&incident["host"], &incident["observer"]];
    named
        .into_iter()
        .chain(incident["affected_hosts"].as_array().unwrap())
        .filter_map(|h| h.as_str().map(str::to_string))
        .collect()
}

/// Every evidence line of an incident (verdict, candidates, heartbeat
/// events), each once.
fn distinct_evidence(incident: &Value) -> Vec<&Value> {
    let causes = incident["root_causes"].as_array().unwrap();
    let lines = causes
        .iter()
        .flat_map(|c| c["evidence"].as_array().unwrap())
        .chain(incident["cascade"].as_array().unwrap());
    let mut seen = BTreeSet::new();
    lines
        .filter(|e| {
            seen.insert((
                e["file"].to_string(),
                e["line"].to_string(),
                e["time"].to_string(),
            ))
        })
        .collect()
}

/// Checks one incident's swimlane against the JSON report.
fn assert_swimlane(html: &str, incident: &Value) {
    let id = incident["id"].as_str().unwrap();
    let svg = swimlane(html, id);
    let lanes = attribute_values(svg, "data-host");
    let distinct: BTreeSet<&str> = lanes.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        lanes.len(),
        "{id}: a host has two lanes: {lanes:?}"
    );
    assert_eq!(svg.matches("class=\"lane\"").count(), lanes.len());
    let evidence = distinct_evidence(incident);
    let mut expected: BTreeSet<String> = involved_hosts(incident);
    expected.extend(
        evidence
            .iter()
            .map(|e| e["host"].as_str().unwrap().to_string()),
    );
    let shown: BTreeSet<String> = distinct.iter().map(|h| h.to_string()).collect();
    assert_eq!(shown, expected, "{id}: lanes");
    let spans = evidence.iter().filter(|e| e.get("span").is_some()).count();
    let bars = attribute_values(svg, "data-kind")
        .into_iter()
        .filter(|kind| *kind != "alarm")
        .count();
    assert_eq!(bars, spans, "{id}: one bar per evidence line with a span");
}

/// Checks a bundle's page without a browser; returns it with the JSON.
fn check_page(bundle: &Path, dir: &Path) -> (String, Value) {
    let (html, report) = reports(bundle, dir);
    assert_self_contained(&html);
    assert_balanced(&html);
    assert_links_land(&html);
    for incident in report["incidents"].as_array().unwrap() {
        assert_swimlane(&html, incident);
    }
    let active = report["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| !h["activity"].is_null())
        .count();
    assert_eq!(
        html.matches("<g class=\"spark\"").count(),
        active,
        "one sparkline per host"
    );
    (html, report)
}

#[test]
fn every_fixture_renders_a_self_contained_page() {
    for bundle in bundles() {
        let dir = tempfile::tempdir().unwrap();
        let (html, report) = check_page(&bundle, dir.path());
        let incidents = report["incidents"].as_array().unwrap();
        assert_eq!(
            html.matches("<section class=\"incident\"").count(),
            incidents.len(),
            "{}",
            bundle.display()
        );
    }
}

#[test]
fn gc_pauses_are_bars_as_long_as_they_lasted() {
    let dir = tempfile::tempdir().unwrap();
    let (html, _) = check_page(&fixture("gc-master"), dir.path());
    let svg = swimlane(&html, "INC-1");
    assert!(svg.contains("data-kind=\"gc-pause\""), "{svg}");
    assert!(svg.contains("data-kind=\"safepoint\""), "{svg}");
    assert!(svg.contains("class=\"timeout\""), "the timeout is shaded");
}

#[test]
fn alarms_run_from_raise_to_clear() {
    let dir = tempfile::tempdir().unwrap();
    let (html, _) = check_page(&fixture("flink-network"), dir.path());
    let svg = swimlane(&html, "INC-1");
    assert!(svg.contains("data-kind=\"alarm\""), "{svg}");
    assert!(svg.contains("cleared 2026-03-07T08:47:12.000Z"), "{svg}");
}

#[test]
fn database_errors_are_coloured_marks_that_link_to_their_row() {
    let dir = tempfile::tempdir().unwrap();
    let (html, _) = check_page(&fixture("db-outage"), dir.path());
    let svg = swimlane(&html, "INC-2");
    assert!(svg.contains("k-db"), "{svg}");
    assert!(svg.contains("href=\"#ev-INC-2-"), "{svg}");
    assert!(
        html.contains("<input type=\"checkbox\">"),
        "the procedure is a checklist"
    );
}

#[test]
fn a_healthy_bundle_says_so_and_still_shows_its_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let (html, report) = check_page(&fixture("healthy"), dir.path());
    assert!(html.contains("No heartbeat incident found in this bundle."));
    for host in report["hosts"].as_array().unwrap() {
        let name = host["name"].as_str().unwrap();
        assert!(
            html.contains(&format!("<g class=\"spark\" data-host=\"{name}\"")),
            "{name}"
        );
        assert!(
            host["activity"]["counts"]
                .as_array()
                .is_some_and(|c| !c.is_empty())
        );
    }
}

#[test]
fn log_text_cannot_add_markup_or_control_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    copy_tree(&fixture("db-outage"), &bundle);
    let log = bundle.join("infawk01/logs/node03/node.log");
    let text = std::fs::read_to_string(&log).unwrap();
    let hostile = " <script>alert('x')</script> \u{1b}]0;owned\u{7} \"q\" & <b>";
    let marked = "[DOM_10025] The node cannot send heartbeat messages to the master gateway node.";
    assert!(text.contains(marked));
    std::fs::write(
        &log,
        text.replacen(marked, &format!("{marked}{hostile}"), 1),
    )
    .unwrap();
    let (html, _) = check_page(&bundle, dir.path());
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
        "the line is shown"
    );
    assert!(html.contains(r"\x1b]0;owned\x07 &quot;q&quot; &amp; &lt;b&gt;"));
}

#[test]
fn the_page_and_the_activity_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = fixture("gc-master");
    let run = |format: &str, jobs: &str| {
        let out = dir.path().join(format!("{jobs}.{format}"));
        analyze_to(&bundle, format, &out, &["--jobs", jobs])
    };
    assert_eq!(run("html", "1"), run("html", "2"));
    assert_eq!(run("json", "1"), run("json", "2"));
}

#[test]
fn activity_counts_every_record_with_a_wall_clock_time() {
    let dir = tempfile::tempdir().unwrap();
    let (_, report) = reports(&fixture("gc-master"), dir.path());
    for host in report["hosts"].as_array().unwrap() {
        let name = host["name"].as_str().unwrap();
        let records: u64 = report["sources"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["host"] == name && s["skipped"].is_null() && s["kind"] != "alarm_export")
            .map(|s| s["records"].as_u64().unwrap())
            .sum();
        let activity = &host["activity"];
        let counted: u64 = activity["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert_eq!(counted, records, "{name}");
        assert_eq!(activity["bucket_s"], 60, "{name}");
    }
}

#[test]
fn a_long_span_gets_wider_buckets() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let lines = "\
2026-03-01 06:00:06,000 INFO  [main] [SPC_10014] Starting the node [node03] of domain [Domain_Prod].
2026-03-04 06:00:06,000 INFO  [main] [SPC_10014] Starting the node [node03] of domain [Domain_Prod].
2026-03-04 06:00:07,000 INFO  [main] [SPC_10014] Starting the node [node03] of domain [Domain_Prod].
";
    common::write(&bundle, "infawk01/logs/node03/node.log", lines.as_bytes());
    let (html, report) = check_page(&bundle, dir.path());
    let activity = &report["hosts"][0]["activity"];
    let counts = activity["counts"].as_array().unwrap();
    assert!(counts.len() <= 1500, "{} buckets", counts.len());
    assert_eq!(activity["bucket_s"], 240, "3 days in buckets of 4 min");
    assert_eq!(counts.first().unwrap(), 1);
    assert_eq!(counts.last().unwrap(), 2);
    assert!(html.contains("peak 2 / 4 min"));
}

#[test]
fn gc_refuses_html_as_a_usage_error() {
    let gc_log = fixture("gc-master/infagw01/logs/node01/gc.log");
    let run = hbdiag(&["gc", gc_log.to_str().unwrap(), "--format", "html"]);
    assert_eq!(
        run.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("possible values: text, json, markdown"),
        "{stderr}"
    );
}

/// The Chromium binary on `PATH`; without one the browser checks are
/// skipped with a note, or fail when `HBDIAG_REQUIRE_CHROMIUM=1`.
fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("chromium"))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("HBDIAG_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "HBDIAG_REQUIRE_CHROMIUM=1 but no `chromium` on PATH"
        );
        eprintln!("note: no `chromium` on PATH: the HTML report was not checked in a browser");
    }
    found
}

/// Runs headless Chromium on `page` with `mode` (`--screenshot=…`,
/// `--dump-dom`), killed after [`CHROMIUM_TIMEOUT`]; returns its standard
/// output and error.
fn run_chromium(chromium: &Path, page: &Path, mode: &str, dir: &Path) -> (String, String) {
    let (stdout, stderr) = (dir.join("chromium.out"), dir.join("chromium.err"));
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,2400",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(mode)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + CHROMIUM_TIMEOUT;
    while child.try_wait().expect("chromium runs").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium took more than {CHROMIUM_TIMEOUT:?} on {}",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
    (read(&stdout), read(&stderr))
}

/// Fails on what Chromium logs of the page: console messages, uncaught
/// errors, resources that failed to load.
fn assert_no_console_error(stderr: &str, page: &Path) {
    let page_errors: Vec<&str> = stderr
        .lines()
        .filter(|line| {
            ["CONSOLE", "Uncaught", "net::ERR_"]
                .iter()
                .any(|m| line.contains(m))
        })
        .collect();
    assert!(
        page_errors.is_empty(),
        "{}: {page_errors:#?}",
        page.display()
    );
}

#[test]
fn chromium_renders_every_fixture_without_a_console_error() {
    let Some(chromium) = chromium() else {
        return;
    };
    for bundle in bundles() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("x.html");
        analyze_to(&bundle, "html", &page, &[]);
        let png = dir.path().join("x.png");
        let (_, stderr) = run_chromium(
            &chromium,
            &page,
            &format!("--screenshot={}", png.display()),
            dir.path(),
        );
        assert_no_console_error(&stderr, &page);
        let bytes = std::fs::read(&png).unwrap_or_default();
        assert!(
            bytes.starts_with(b"\x89PNG"),
            "{}: no screenshot: {stderr}",
            bundle.display()
        );
        assert!(
            bytes.len() > 20_000,
            "{}: a near-empty screenshot",
            bundle.display()
        );
    }
}

#[test]
fn chromium_loads_the_whole_page() {
    let Some(chromium) = chromium() else {
        return;
    };
    for name in ["gc-master", "db-outage", "flink-network", "healthy"] {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("x.html");
        let html = analyze_to(&fixture(name), "html", &page, &[]);
        let (dom, stderr) = run_chromium(&chromium, &page, "--dump-dom", dir.path());
        assert_no_console_error(&stderr, &page);
        assert!(
            dom.contains("<footer>"),
            "{name}: the page was not read to its end"
        );
        let lanes = |text: &str| text.matches("class=\"lane\"").count();
        assert_eq!(
            lanes(&dom),
            lanes(&html),
            "{name}: every lane is in the DOM"
        );
    }
}
