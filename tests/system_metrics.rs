//! System metrics beyond CPU end to end: a saturated disk and a NIC that
//! drops packets named as the root cause from real sysstat data
//! (`examples/sar_metrics/make-sar.sh` recorded it; `sar -A` text in one
//! bundle, `sadf -d` CSV in the other), and a crunch that lay outside the
//! incident's window not counted; dated top/free/PSI snapshots (recorded
//! by `examples/snapshots/make-snapshots.sh`) showing a starved CPU.

mod common;

use common::{
    analyze_json, assert_verdict, cause_rules, copy_tree, evidence_places, explanation, fixture,
    incident_of_kind, source,
};
use serde_json::Value;

fn dead_node(report: &Value) -> &Value {
    incident_of_kind(report, "node_marked_dead")
}

#[test]
fn a_saturated_disk_in_sar_a_text_is_starvation() {
    let report = analyze_json(&fixture("starved-disk"), &[]);
    let incident = dead_node(&report);
    assert_verdict(incident, "starvation", "starvation.disk_saturated");
    let text = explanation(incident);
    assert!(text.contains("disk vda was saturated"), "{text}");
    assert!(text.contains("%util up to"), "{text}");
    assert!(
        evidence_places(incident)
            .iter()
            .all(|(f, _)| f == "infawk01/sysstat/sar-A.txt"),
        "{:?}",
        evidence_places(incident)
    );
    let sar = source(&report, "infawk01/sysstat/sar-A.txt");
    assert_eq!(sar["kind"], "system_metrics");
    assert_eq!(sar["skipped_lines"], 0, "every section of sar -A is read");
}

#[test]
fn the_drops_after_the_window_are_not_counted() {
    let report = analyze_json(&fixture("starved-disk"), &[]);
    let rules = cause_rules(dead_node(&report));
    assert!(
        !rules.contains(&"network.nic_drops".to_string()),
        "{rules:?}"
    );
}

#[test]
fn dropped_packets_in_sadf_csv_are_network() {
    let report = analyze_json(&fixture("nic-drops"), &[]);
    let incident = dead_node(&report);
    assert_verdict(incident, "network", "network.nic_drops");
    let text = explanation(incident);
    assert!(text.contains("interface hbv"), "{text}");
    assert!(text.contains("dropped per second"), "{text}");
    assert!(
        evidence_places(incident)
            .iter()
            .all(|(f, _)| f == "infawk01/sysstat/sadf-d.csv"),
        "{:?}",
        evidence_places(incident)
    );
    let rules = cause_rules(incident);
    assert!(
        !rules.contains(&"starvation.disk_saturated".to_string()),
        "the disk was busy only before the window: {rules:?}"
    );
}

#[test]
fn a_metrics_file_without_a_telling_name_is_recognised() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("nic-drops"), dir.path());
    let old = dir.path().join("infawk01/sysstat/sadf-d.csv");
    std::fs::rename(&old, dir.path().join("infawk01/sysstat/collected-0945.txt")).unwrap();
    let report = analyze_json(dir.path(), &[]);
    assert_verdict(dead_node(&report), "network", "network.nic_drops");
}

const SNAPSHOTS: &str = "infawk01/oswatcher/infawk01_top_26.03.12.0900.dat";

#[test]
fn dated_top_free_and_pressure_snapshots_show_a_starved_cpu() {
    let report = analyze_json(&fixture("starved-top"), &[]);
    let incident = dead_node(&report);
    assert_verdict(incident, "starvation", "starvation.host_overloaded");
    let text = explanation(incident);
    assert!(text.contains("CPU pressure up to"), "{text}");
    assert!(text.contains("busiest process sh (PID"), "{text}");
    let places = evidence_places(incident);
    assert!(places.iter().all(|(f, _)| f == SNAPSHOTS), "{places:?}");
    let file = source(&report, SNAPSHOTS);
    assert_eq!(file["kind"], "system_metrics");
    assert_eq!(
        file["skipped_lines"], 0,
        "every line of the snapshots is read"
    );
}

#[test]
fn snapshots_without_their_dates_are_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("starved-top"), dir.path());
    let path = dir.path().join(SNAPSHOTS);
    let undated: String = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("zzz ***"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, undated).unwrap();
    let report = analyze_json(dir.path(), &[]);
    let rules = cause_rules(dead_node(&report));
    assert!(
        !rules.contains(&"starvation.host_overloaded".to_string()),
        "{rules:?}"
    );
    let warnings = source(&report, SNAPSHOTS)["warnings"].to_string();
    assert!(warnings.contains("`date`"), "{warnings}");
}

#[test]
fn snapshots_in_a_file_named_nothing_one_folder_deeper_are_recognised() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("starved-top"), dir.path());
    let deeper = dir.path().join("infawk01/collected/0945");
    std::fs::create_dir_all(&deeper).unwrap();
    std::fs::rename(dir.path().join(SNAPSHOTS), deeper.join("snap.out")).unwrap();
    let report = analyze_json(dir.path(), &[]);
    assert_verdict(
        dead_node(&report),
        "starvation",
        "starvation.host_overloaded",
    );
}
