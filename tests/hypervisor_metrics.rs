//! What the hypervisor saw of a guest, end to end: esxtop batch CSV taken
//! on the ESXi host (`examples/esxtop/make-esxtop.py` wrote the fixture's)
//! names the VM whose memory was ballooned and swapped; its samples count
//! on the bundle's host the VM's name names, whatever the spelling, and
//! only inside the incident's window.

mod common;

use common::{
    analyze_json, assert_verdict, cause_rules, copy_tree, evidence_places, explanation, fixture,
    incident_of_kind, source, write,
};
use serde_json::Value;

const ESXTOP: &str = "esx07/esxtop-b.csv";

fn dead_node(report: &Value) -> &Value {
    incident_of_kind(report, "node_marked_dead")
}

fn fixture_csv() -> String {
    std::fs::read_to_string(fixture("ballooned-vm").join(ESXTOP)).unwrap()
}

/// The fixture with its esxtop file replaced by `csv` at `rel` (none when
/// `csv` is `None`).
fn with_esxtop(rel: &str, csv: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("ballooned-vm"), dir.path());
    std::fs::remove_file(dir.path().join(ESXTOP)).unwrap();
    if let Some(csv) = csv {
        write(dir.path(), rel, csv.as_bytes());
    }
    dir
}

#[test]
fn a_ballooned_vm_is_starvation_with_the_hypervisor_rows_as_evidence() {
    let report = analyze_json(&fixture("ballooned-vm"), &[]);
    let incident = dead_node(&report);
    assert_verdict(incident, "starvation", "starvation.vm_memory_reclaimed");
    let text = explanation(incident);
    assert!(text.contains("INFAWK01.corp.example"), "{text}");
    assert!(text.contains("balloon up to"), "{text}");
    let places = evidence_places(incident);
    assert!(places.iter().all(|(f, _)| f == ESXTOP), "{places:?}");
    assert_eq!(places[0], (ESXTOP.to_string(), 162));
    let esxtop = source(&report, ESXTOP);
    assert_eq!(esxtop["kind"], "hypervisor_metrics");
    assert_eq!(esxtop["skipped_lines"], 0);
    assert!(
        cause_rules(incident).contains(&"starvation.vm_cpu_ready".to_string()),
        "the squeezed VM also waited for CPU"
    );
}

#[test]
fn a_vm_named_another_way_in_a_file_named_nothing_is_still_the_host() {
    let csv = fixture_csv().replace("INFAWK01.corp.example", "prod-infawk01 (clone)");
    let dir = with_esxtop("vmware/esx07/batch/perf-0940.csv", Some(&csv));
    let report = analyze_json(dir.path(), &[]);
    let incident = dead_node(&report);
    assert_verdict(incident, "starvation", "starvation.vm_memory_reclaimed");
    assert!(explanation(incident).contains("prod-infawk01 (clone)"));
}

#[test]
fn a_vm_that_names_no_host_of_the_bundle_counts_for_none() {
    let csv = fixture_csv().replace("INFAWK01.corp.example", "infawk011");
    let dir = with_esxtop(ESXTOP, Some(&csv));
    let report = analyze_json(dir.path(), &[]);
    let rules = cause_rules(dead_node(&report));
    assert!(
        !rules.iter().any(|r| r.starts_with("starvation.vm_")),
        "{rules:?}"
    );
}

#[test]
fn a_balloon_that_inflates_only_after_the_window_does_not_count() {
    // Made by `make-esxtop.py --balloon-from 09:46`: the same hour, the
    // squeeze a minute after the window ends.
    let dir = with_esxtop(ESXTOP, None);
    std::fs::copy(
        "tests/data/esxtop/esxtop-balloon-0946.csv.gz",
        dir.path().join("esx07/esxtop-b.csv.gz"),
    )
    .unwrap();
    let report = analyze_json(dir.path(), &[]);
    let incident = dead_node(&report);
    let rules = cause_rules(incident);
    assert!(
        !rules.iter().any(|r| r.starts_with("starvation.vm_")),
        "{rules:?}"
    );
    let out = common::hbdiag(&["explain", "INC-1", dir.path().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("starvation.vm_memory_reclaimed · starvation · not met"),
        "the file covers the window, so the rule was evaluated: {text}"
    );
}

#[test]
fn an_esxtop_file_of_another_hour_covers_nothing_of_the_window() {
    let late = fixture_csv().replace("03/12/2026 09:", "03/12/2026 10:");
    let dir = with_esxtop(ESXTOP, Some(&late));
    let out = common::hbdiag(&["explain", "INC-1", dir.path().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("starvation.vm_memory_reclaimed"), "{text}");
    assert!(
        !text.contains("Rule starvation.vm_memory_reclaimed held"),
        "{text}"
    );
}

#[test]
fn without_esxtop_the_rules_are_not_evaluated_and_say_how_to_collect() {
    let dir = with_esxtop(ESXTOP, None);
    let out = common::hbdiag(&["explain", "INC-1", dir.path().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("starvation.vm_memory_reclaimed"), "{text}");
    assert!(text.contains("hypervisor metrics missing"), "{text}");
    assert!(text.contains("esxtop -b"), "{text}");
}

/// A hypervisor with many VMs writes lines far wider than a log line:
/// the VM's counters after a megabyte of others' are still read.
#[test]
fn the_counters_of_a_vm_far_into_a_wide_line_are_read() {
    let csv = fixture_csv();
    let mut lines = csv.split("\r\n").filter(|l| !l.is_empty());
    let header = lines.next().unwrap();
    let (first, rest) = header.split_once(',').unwrap();
    let filler: String = (0..3000)
        .flat_map(|vm| {
            ["% Used", "% Ready", "% CoStop"].map(|c| {
                format!(
                    ",\"\\\\esx07.corp.example\\Group Cpu({}:batch-{vm:04})\\{c}\"",
                    40000 + vm
                )
            })
        })
        .collect();
    let mut wide = format!("{first}{filler},{rest}\r\n");
    let values = ",\"1.00\"".repeat(9000);
    for row in lines {
        let (stamp, rest) = row.split_once(',').unwrap();
        wide.push_str(&format!("{stamp}{values},{rest}\r\n"));
    }
    assert!(header.len() < 64 * 1024 && wide.find("\r\n").unwrap() > 256 * 1024);
    let dir = with_esxtop(ESXTOP, Some(&wide));
    let report = analyze_json(dir.path(), &[]);
    assert_verdict(
        dead_node(&report),
        "starvation",
        "starvation.vm_memory_reclaimed",
    );
    let warnings = &source(&report, ESXTOP)["warnings"];
    assert_eq!(warnings.as_array().map(Vec::len), Some(0), "{warnings}");
}

/// The same squeeze as vCenter saw it, exported with PowerCLI's
/// `Get-Stat | Export-Csv` (`examples/esxtop/to-get-stat.py` made it from
/// the fixture's esxtop file): 20 s samples, KB and milliseconds.
#[test]
fn vcenter_statistics_exported_with_powercli_give_the_same_verdict() {
    let dir = with_esxtop(ESXTOP, None);
    let to = dir.path().join("vcenter/get-stat.csv.gz");
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy("tests/data/esxtop/get-stat.csv.gz", &to).unwrap();
    let report = analyze_json(dir.path(), &[]);
    let incident = dead_node(&report);
    assert_verdict(incident, "starvation", "starvation.vm_memory_reclaimed");
    let places = evidence_places(incident);
    assert!(
        places.iter().all(|(f, _)| f == "vcenter/get-stat.csv.gz"),
        "{places:?}"
    );
    let file = source(&report, "vcenter/get-stat.csv.gz");
    assert_eq!(file["kind"], "hypervisor_metrics");
    assert_eq!(file["skipped_lines"], 0);
}
