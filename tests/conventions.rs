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
fn analyze_filter_is_the_first_line_of_the_text_report() {
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
        text.lines().next().unwrap(),
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
