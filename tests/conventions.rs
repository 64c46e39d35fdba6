//! The command line's conventions (issue 11, parts 6 and 7): `analyze`
//! filters, `timeline --bulk`, shell completions and the man page, the
//! examples in every `--help`, and what `--version` tells.

mod common;

use common::*;
use serde_json::Value;

fn ids(report: &Value) -> Vec<&str> {
    incidents(report)
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn analyze_filters_keep_ids_verdicts_and_say_so() {
    let bundle = fixture("db-outage");
    let whole = analyze_json(&bundle, &["-q"]);
    assert_eq!(ids(&whole), ["INC-1", "INC-2"]);
    assert!(whole.get("filter").is_none(), "no filter, no filter object");

    let late = analyze_json(&bundle, &["-q", "--since", "2026-03-12 10:00:00"]);
    assert_eq!(ids(&late), ["INC-2"]);
    assert_eq!(
        late["incidents"][0], whole["incidents"][1],
        "same verdict and evidence"
    );
    assert_eq!(late["filter"]["since"], "2026-03-12T10:00:00.000Z");
    assert_eq!(late["filter"]["until"], Value::Null);
    assert_eq!(late["filter"]["incidents_left_out"], 1);

    let around = analyze_json(
        &bundle,
        &["-q", "--around", "2026-03-12T07:42:30Z", "--window", "30s"],
    );
    assert_eq!(ids(&around), ["INC-1"]);

    // infagw02 is only among INC-2's affected hosts.
    let host = analyze_json(&bundle, &["-q", "--host", "INFAGW02"]);
    assert_eq!(ids(&host), ["INC-2"]);
    assert_eq!(host["filter"]["hosts"][0], "INFAGW02");

    let none = analyze_json(&bundle, &["-q", "--until", "2026-03-12 07:00:00"]);
    assert!(ids(&none).is_empty());
    assert_eq!(none["filter"]["incidents_left_out"], 2);
}

#[test]
fn analyze_filter_is_said_under_the_first_line_of_the_text_report() {
    let bundle = fixture("process-stopped");
    let out = hbdiag(&[
        "analyze",
        bundle.to_str().unwrap(),
        "-q",
        "--host",
        "infawk05",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines().nth(1).unwrap(),
        "Filter: only incidents involving infawk05; 1 left out (IDs as in the unfiltered report)"
    );
    assert!(text.contains("INC-2") && !text.contains("INC-1 "), "{text}");
}

#[test]
fn analyze_unknown_host_is_a_usage_error_listing_the_hosts() {
    let bundle = fixture("db-outage");
    let out = hbdiag(&[
        "analyze",
        bundle.to_str().unwrap(),
        "-q",
        "--host",
        "nohost",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "--host nohost: no such host in the bundle; its hosts are: infagw01, infagw02, infawk01"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn timeline_bulk_puts_an_index_action_before_each_document() {
    let bundle = fixture("db-outage");
    let args = [
        "timeline",
        bundle.to_str().unwrap(),
        "-q",
        "--format",
        "ndjson",
        "--bulk",
        "hbdiag-db.outage_2026",
    ];
    let first = hbdiag(&args);
    assert!(first.status.success(), "{}", stderr(&first));
    let lines: Vec<Value> = String::from_utf8(first.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines.len() >= 20 && lines.len().is_multiple_of(2),
        "{}",
        lines.len()
    );
    let mut ids = std::collections::HashSet::new();
    for pair in lines.chunks(2) {
        let action = &pair[0]["index"];
        assert_eq!(action["_index"], "hbdiag-db.outage_2026");
        assert_eq!(action["_id"].as_str().unwrap().len(), 16);
        assert!(ids.insert(action["_id"].clone()), "duplicate _id {action}");
        assert!(pair[1]["@timestamp"].is_string(), "{}", pair[1]);
    }
    let plain = hbdiag(&args[..5]);
    let documents: Vec<&str> = std::str::from_utf8(&first.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .step_by(2)
        .collect();
    assert_eq!(
        documents,
        std::str::from_utf8(&plain.stdout)
            .unwrap()
            .lines()
            .collect::<Vec<_>>()
    );
    assert_eq!(hbdiag(&args).stdout, first.stdout, "ids are deterministic");
}

#[test]
fn timeline_bulk_needs_ndjson_and_a_valid_index() {
    let bundle = fixture("db-outage");
    let path = bundle.to_str().unwrap();
    let text = hbdiag(&["timeline", path, "-q", "--bulk", "events"]);
    assert_eq!(text.status.code(), Some(2));
    assert!(
        stderr(&text).contains("add --format ndjson"),
        "{}",
        stderr(&text)
    );
    for bad in [
        "Events", "a b", "_events", "-x", "a*b", "a,b", "a#b", "a\"b", "a\x1bb", "",
    ] {
        let flag = format!("--bulk={bad}");
        let out = hbdiag(&["timeline", path, "--format", "ndjson", &flag]);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let message = stderr(&out);
        assert!(
            message.contains("Elasticsearch index name"),
            "{bad:?}: {message}"
        );
        assert!(!message.contains('\x1b'), "raw escape printed: {message:?}");
    }
}

/// Every subcommand, nested ones as `rules list`.
const SUBCOMMANDS: &[&str] = &[
    "analyze",
    "explain",
    "schema",
    "timeline",
    "rules",
    "rules list",
    "rules terms",
    "rules check",
    "rules test",
    "gc",
    "completions",
    "man",
];

fn stdout_of(args: &[&str]) -> String {
    let out = hbdiag(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completions_for_every_shell() {
    let bash = stdout_of(&["completions", "bash"]);
    assert!(
        bash.contains("analyze") && bash.contains("--since"),
        "{bash}"
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        assert!(
            stdout_of(&["completions", shell]).contains("timeline"),
            "{shell}"
        );
    }
    let unknown = hbdiag(&["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn man_page_starts_with_th_and_covers_every_subcommand() {
    let page = stdout_of(&["man"]);
    assert!(page.starts_with(".TH hbdiag 1 "), "{}", &page[..80]);
    for sub in SUBCOMMANDS {
        let heading = format!(".SH \"HBDIAG {}\"", sub.to_uppercase());
        assert!(page.contains(&heading), "no {heading}");
    }
    assert!(
        !page.contains("hbdiag\\-analyze(1)"),
        "no page of that name is installed"
    );
    let examples = page.matches(".SS EXAMPLES\n.nf\n").count();
    assert_eq!(
        examples,
        SUBCOMMANDS.len(),
        "each subcommand's examples, unfilled"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hbdiag.1");
    stdout_of(&["man", "-o", file.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(file).unwrap(), page);
}

/// The subcommands a `--help` lists under `Commands:` (`help` left out).
fn listed_commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(String::from)
        .collect()
}

#[test]
fn every_subcommand_help_has_examples() {
    let mut found = Vec::new();
    let mut queue: Vec<Vec<String>> = listed_commands(&stdout_of(&["--help"]))
        .into_iter()
        .map(|c| vec![c])
        .collect();
    while let Some(path) = queue.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = stdout_of(&args);
        let examples = help
            .split_once("\nExamples:\n")
            .unwrap_or_else(|| panic!("hbdiag {} --help has no Examples:", path.join(" ")))
            .1;
        let lines: Vec<&str> = examples.lines().filter(|l| l.contains("hbdiag ")).collect();
        assert!(lines.len() >= 2, "{path:?}: {examples}");
        assert!(
            lines.iter().all(|l| l.starts_with("  ")),
            "{path:?}: indented"
        );
        for sub in listed_commands(&help) {
            queue.push([path.clone(), vec![sub]].concat());
        }
        found.push(path.join(" "));
    }
    for sub in SUBCOMMANDS {
        assert!(found.iter().any(|f| f == sub), "{sub} not listed in --help");
    }
}

#[test]
fn version_names_commit_and_rules() {
    let version = stdout_of(&["--version"]);
    let rest = version
        .strip_prefix(concat!("hbdiag ", env!("CARGO_PKG_VERSION"), " (commit "))
        .unwrap_or_else(|| panic!("{version}"));
    let (commit, rules) = rest.trim_end().split_once(", rules ").expect("rules part");
    let hash = commit.strip_suffix("+dirty").unwrap_or(commit);
    assert!(
        hash == "unknown" || (hash.len() >= 7 && hash.chars().all(|c| c.is_ascii_hexdigit())),
        "{version}"
    );
    let rules = rules.strip_suffix(')').expect("closing parenthesis");
    assert_eq!(rules.len(), 8, "{version}");
    assert!(rules.chars().all(|c| c.is_ascii_hexdigit()), "{version}");

    let report = analyze_json(&fixture("healthy"), &["-q"]);
    assert_eq!(report["tool"]["rules_version"], rules);
}
