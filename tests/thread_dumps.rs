//! Thread dumps end to end: a heartbeat thread stuck behind a lock is named
//! as the root cause, with the holder and what it waited for, from dumps a
//! real JVM made (`examples/thread_dumps/`), and the verdict
//! holds when the dumps are renamed, moved, made by another JDK or tool, or
//! name their heartbeat thread differently, or lie in the JVM's stdout.

mod common;

use common::{
    analyze_json, assert_verdict, cause_rules, copy_tree, evidence_places as evidence, explanation,
    fixture, incident_of_kind, source, write,
};
use serde_json::Value;
use std::path::Path;

const DUMPS: &str = "infawk01/logs/node03/threaddumps";

fn dead_node(report: &Value) -> &Value {
    incident_of_kind(report, "node_marked_dead")
}

/// A copy of fixture `name` with its dumps replaced by `dumps`
/// (`(file name, text)`), in a scratch folder.
fn with_dumps(name: &str, dumps: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture(name), dir.path());
    std::fs::remove_dir_all(dir.path().join(DUMPS)).unwrap();
    for (file, text) in dumps {
        write(dir.path(), &format!("{DUMPS}/{file}"), text.as_bytes());
    }
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn test_dump(file: &str) -> String {
    read(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/thread-dumps")
            .join(file),
    )
}

fn fixture_dump(bundle: &str, file: &str) -> String {
    read(&fixture(bundle).join(DUMPS).join(file))
}

#[test]
fn a_heartbeat_thread_behind_a_database_read_is_the_cause() {
    let report = analyze_json(&fixture("blocked-thread-db"), &[]);
    let incident = dead_node(&report);
    assert_verdict(incident, "blocked_thread", "blocked_thread.behind_database");
    let text = explanation(incident);
    for part in [
        "2 thread dump(s) of infawk01",
        "\"Node Heartbeat Sender\" BLOCKED (and still so 30 s later in the last dump)",
        "held by \"Master Elect Data Writer\" (RUNNABLE)",
        "inside a JDBC driver",
        "SpyStatement.readResponse",
    ] {
        assert!(text.contains(part), "{part:?} not in {text}");
    }
    let cited = evidence(incident);
    for file in ["jstack-1.txt", "jstack-2.txt"] {
        let at = (format!("{DUMPS}/{file}"), 148);
        assert!(cited.contains(&at), "{at:?} not in {cited:?}");
    }
    assert_eq!(
        source(&report, &format!("{DUMPS}/jstack-1.txt"))["kind"],
        "thread_dump"
    );
}

#[test]
fn a_heartbeat_thread_behind_a_socket_read_points_at_the_peer() {
    let report = analyze_json(&fixture("blocked-thread-peer"), &[]);
    let incident = dead_node(&report);
    assert_verdict(incident, "blocked_thread", "blocked_thread.behind_network");
    let text = explanation(incident);
    assert!(text.contains("\"Master Gateway Connection\""), "{text}");
    assert!(text.contains("ReentrantLock$NonfairSync"), "{text}");
    assert!(
        evidence(incident).contains(&(format!("{DUMPS}/node03_threaddump-1.txt"), 149)),
        "{:?}",
        evidence(incident)
    );
}

#[test]
fn without_lock_owners_the_wait_is_named_and_the_l_flag_asked_for() {
    let dir = with_dumps(
        "blocked-thread-peer",
        &[("jstack.txt", test_dump("jdk17-jstack-peer-no-locks-1.txt"))],
    );
    let report = analyze_json(dir.path(), &[]);
    let incident = dead_node(&report);
    assert_verdict(incident, "blocked_thread", "blocked_thread.heartbeat");
    let text = explanation(incident);
    assert!(text.contains("jstack -l"), "{text}");
}

#[test]
fn the_verdict_holds_for_another_jdk_and_tool() {
    let dir = with_dumps(
        "blocked-thread-db",
        &[("jstack.txt", test_dump("jdk25-jstack-l-db-1.txt"))],
    );
    let incident_report = analyze_json(dir.path(), &[]);
    assert_verdict(
        dead_node(&incident_report),
        "blocked_thread",
        "blocked_thread.behind_database",
    );
}

#[test]
fn an_untelling_name_a_deeper_folder_and_a_generic_thread_name() {
    let dump = fixture_dump("blocked-thread-db", "jstack-1.txt")
        .replace("\"Node Heartbeat Sender\"", "\"pool-3-thread-9\"");
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("case-02913077/collected");
    copy_tree(&fixture("blocked-thread-db"), &bundle);
    std::fs::remove_dir_all(bundle.join(DUMPS)).unwrap();
    write(
        &bundle,
        "infawk01/infa9dump/node03_0944.out",
        dump.as_bytes(),
    );
    let report = analyze_json(dir.path(), &[]);
    let incident = dead_node(&report);
    assert_verdict(incident, "blocked_thread", "blocked_thread.behind_database");
    let text = explanation(incident);
    assert!(
        text.contains("\"pool-3-thread-9\""),
        "found by its frames: {text}"
    );
}

#[test]
fn a_dump_taken_long_after_the_incident_is_no_evidence() {
    let dump = fixture_dump("blocked-thread-db", "jstack-1.txt").replacen(
        "2026-03-12 09:44:20",
        "2026-03-12 11:44:20",
        1,
    );
    let dir = with_dumps("blocked-thread-db", &[("jstack.txt", dump)]);
    let report = analyze_json(dir.path(), &[]);
    let incident = dead_node(&report);
    let rules = cause_rules(incident);
    assert!(
        rules.iter().all(|r| !r.starts_with("blocked_thread.")),
        "{rules:?}"
    );
}

#[test]
fn a_dump_without_its_time_line_is_a_warning_naming_the_file_and_line() {
    let dump =
        fixture_dump("blocked-thread-db", "jstack-1.txt").replacen("2026-03-12 09:44:20\n", "", 1);
    let dir = with_dumps("blocked-thread-db", &[("jstack.txt", dump)]);
    let report = analyze_json(dir.path(), &[]);
    let warnings = report["warnings"].as_array().unwrap();
    let warning = warnings
        .iter()
        .find(|w| {
            w["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("jstack.txt"))
        })
        .unwrap_or_else(|| panic!("no warning for the dump: {warnings:#?}"));
    assert_eq!(warning["line"], 1);
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .contains("no time line")
    );
}

#[test]
fn without_dumps_the_rules_are_not_evaluated_and_say_how_to_collect() {
    let dir = with_dumps("blocked-thread-db", &[]);
    let out = common::hbdiag(&["explain", "INC-1", dir.path().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("blocked_thread.behind_database"), "{text}");
    assert!(text.contains("thread dump missing"), "{text}");
    assert!(text.contains("jstack -l"), "{text}");
}

#[test]
fn an_ibm_javacore_gives_the_same_verdict() {
    let dir = with_dumps(
        "blocked-thread-db",
        &[(
            "javacore.20260312.094420.4711.0001.txt",
            test_dump("javacore-ibm8-documented.txt"),
        )],
    );
    let report = analyze_json(dir.path(), &[]);
    let incident = dead_node(&report);
    assert_verdict(incident, "blocked_thread", "blocked_thread.behind_database");
    let text = explanation(incident);
    assert!(text.contains("\"Domain Monitor\" BLOCKED"), "{text}");
    assert!(text.contains("oracle.jdbc.driver.T4CMAREngine"), "{text}");
}

/// `kill -3 PID` writes the dump into the JVM's standard output, between
/// whatever else the process prints there.
#[test]
fn dumps_kill_3_wrote_into_the_nodes_stdout_are_read() {
    let tomcat = |minute: u32| {
        (0..120)
            .map(|i| {
                format!(
                    "12-Mar-2026 09:{minute:02}:{:02}.{i:03} INFO [http-nio-6005-exec-{}] org.apache.catalina.core.StandardWrapperValve.invoke Servlet request served\n",
                    i % 60,
                    i % 8
                )
            })
            .collect::<String>()
    };
    let heap = "Heap\n garbage-first heap   total 262144K, used 81234K [0x00000000f0000000, 0x0000000100000000)\n  region size 1024K, 12 young (12288K), 2 survivors (2048K)\n Metaspace       used 51234K, committed 52000K, reserved 1097728K\n";
    let stdout = [
        tomcat(40),
        fixture_dump("blocked-thread-db", "jstack-1.txt"),
        heap.to_string(),
        tomcat(44),
        fixture_dump("blocked-thread-db", "jstack-2.txt"),
        heap.to_string(),
        tomcat(46),
    ]
    .concat();
    let dir = with_dumps("blocked-thread-db", &[]);
    write(
        dir.path(),
        "infawk01/tomcat/logs/catalina.out",
        stdout.as_bytes(),
    );
    let report = analyze_json(dir.path(), &[]);
    let incident = dead_node(&report);
    assert_verdict(incident, "blocked_thread", "blocked_thread.behind_database");
    assert!(
        explanation(incident).contains("still so 30 s later"),
        "both dumps are read"
    );
    let file = source(&report, "infawk01/tomcat/logs/catalina.out");
    assert_eq!(file["kind"], "jvm_output");
    assert_eq!(
        file["skipped_lines"], 0,
        "the rest of the output is not a record"
    );
}
