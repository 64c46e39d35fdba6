use super::*;
use crate::discover::Bundle;
use SourceKind::*;
use std::path::PathBuf;

fn said(kind: SourceKind, head: &[&str]) -> Option<(String, u64, NameSource)> {
    name_in(kind, head).map(|n| (n.name, n.line, n.from))
}

#[test]
fn sysstat_headers_name_their_host() {
    // sar, iostat and mpstat print the same header, with or without the
    // architecture and CPU count, in any date locale.
    let headers = [
        "Linux 5.14.0-70.22.1.el9_0.x86_64 (infagw01.corp.example) \t03/12/2026 \t_x86_64_\t(8 CPU)",
        "Linux 3.10.0-1160.el7.x86_64 (infagw01.corp.example) \t2026-03-12 \t_x86_64_\t(4 CPU)",
        "Linux 2.6.32-431.el6.x86_64 (infagw01.corp.example)  12.03.2026",
    ];
    for header in headers {
        assert_eq!(
            said(SystemMetrics, &["", header, "", "10:00:01 AM  CPU  %user"]),
            Some(("infagw01.corp.example".into(), 2, NameSource::SysstatHeader)),
            "{header}"
        );
    }
    // vmstat names no host; an unconfigured machine's name is none.
    assert_eq!(
        said(SystemMetrics, &["procs -----------memory----------"]),
        None
    );
    assert_eq!(
        said(
            SystemMetrics,
            &["Linux 5.4.0 (localhost.localdomain) \t03/12/2026 \t_x86_64_\t(2 CPU)"]
        ),
        None
    );
}

#[test]
fn sadf_rows_name_their_host() {
    let head = [
        "# hostname;interval;timestamp;CPU;%user;%nice;%system;%iowait;%steal;%idle",
        "infawk01;600;2026-03-12 02:10:01 UTC;-1;3.20;0.00;1.05;0.20;0.00;95.55",
    ];
    assert_eq!(
        said(SystemMetrics, &head),
        Some(("infawk01".into(), 2, NameSource::SadfRow))
    );
}

#[test]
fn unified_gc_logs_name_their_host_by_the_hostname_decoration() {
    let head = [
        "[2026-03-12T10:15:22.345+0800][mrs-master1][info][gc,init] Version: 17.0.1+12-LTS (release)",
        "[2026-03-12T10:15:22.346+0800][mrs-master1][info][gc     ] Using G1",
        "[2026-03-12T10:15:25.001+0800][3.874s][mrs-master1][1863][info][gc] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 24M->4M(256M) 5.780ms",
    ];
    assert_eq!(
        said(GcLog, &head),
        Some(("mrs-master1".into(), 1, NameSource::GcHostname))
    );
    // Without the decoration: times, pid, level and tags are no host.
    let plain = [
        "[0.058s][info][gc           ] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 1M->1M(4M) 5.780ms",
        "[2019-05-09T01:39:00.763+0000][5355ms] GC(0) Pause Young (Normal) (G1 Evacuation Pause)",
        "[0.092s][gc] GC(3) Pause Full (Ergonomics) 0M->0M(3M) 1.849ms",
        "[0.093s][1863][gc,heap] GC(3) PSYoungGen: 1504K->486K(1536K)",
        "[1557366060763ms][safepoint] Total time for which application threads were stopped: 0.0059106 seconds",
        "2016-12-29T15:29:02.741+0100: 5.702: [Full GC [PSYoungGen: 15037K->0K(195520K)] 146596K->112415K(475904K), 0.7563620 secs]",
        "41.409: [GC [PSYoungGen: 229368K->32766K(170240K)] 245617K->63556K(956672K), 0.0984634 secs]",
        "[GC (Allocation Failure) [PSYoungGen: 198976K->288K(193536K)] 293234K->94666K(535040K), 0.0010589 secs]",
    ];
    for line in plain {
        assert_eq!(said(GcLog, &[line]), None, "{line}");
    }
    // Lines that disagree name nothing.
    let two = [head[0], &head[1].replace("mrs-master1", "mrs-master2")];
    assert_eq!(said(GcLog, &two), None);
}

#[test]
fn informatica_logs_name_their_node() {
    let starting = "2026-03-12 09:00:01,000 INFO  [main] [SPC_10014] Starting the node [node01] of domain [Domain_Prod].";
    let options = "2026-03-12 09:00:01,100 INFO  [main] [SPC_10009] JVM options: -Xmx2048m -Xloggc:/opt/informatica/logs/node01/gc.log";
    let about_others = "2026-03-12 09:00:45,985 INFO  [Domain Monitor] [DOM_10115] Received the heartbeat from node [node03].";
    assert_eq!(
        said(NodeLog, &[about_others, starting, options]),
        Some(("node01".into(), 2, NameSource::InformaticaNode))
    );
    assert_eq!(
        said(ExceptionsLog, &[options]),
        Some(("node01".into(), 1, NameSource::InformaticaNode))
    );
    // Other nodes' names are not the log's own.
    assert_eq!(said(NodeLog, &[about_others]), None);
    // Alarm exports name many hosts, each alarm its own.
    let alarm = "ALM-45640,FlinkServer Heartbeat Interruption,Minor,2026-03-01 10:15:22,--,MRS-cluster,FlinkServer,Yes,Uncleared,,3217,,Source=MRS-cluster;ServiceName=Flink;RoleName=FlinkServer;HostName=mrs-master1";
    assert_eq!(said(AlarmExport, &[alarm]), None);
}

#[test]
fn host_names_agree_by_their_first_label() {
    assert!(agrees("infagw01", "infagw01.corp.example"));
    assert!(agrees("infagw01.corp.example", "INFAGW01"));
    assert!(agrees("infagw01-logs", "infagw01"));
    assert!(!agrees("node7", "node17"));
    assert!(!agrees("infagw01", "infagw02"));
    assert!(agrees("10.0.0.5", "10.0.0.5"));
    assert!(!agrees("10.0.0.50", "10.0.0.5"));
}

fn candidate(bundle: &str, display: &str, host: &str, from: HostFrom) -> Candidate {
    let file = display.rsplit('/').next().unwrap();
    Candidate {
        display: display.into(),
        path: PathBuf::from(display),
        host: host.into(),
        host_from: from,
        bundle: Bundle {
            index: 0,
            name: bundle.into(),
        },
        node: None,
        name_kind: crate::discover::detect::kind_from_name(file),
        stream: format!("{host}/{file}"),
    }
}

fn host_says(name: &str) -> Option<ContentName> {
    Some(ContentName {
        name: name.into(),
        line: 1,
        from: NameSource::SysstatHeader,
    })
}

fn node_says(name: &str) -> Option<ContentName> {
    Some(ContentName {
        name: name.into(),
        line: 3,
        from: NameSource::InformaticaNode,
    })
}

/// `(display, host, host_from, node)` of a file after [`confirm`].
type Row = (String, String, HostFrom, Option<String>);

/// Runs [`confirm`]: every file's row, and the warnings.
fn confirmed(mut files: Vec<(Candidate, Option<ContentName>)>) -> (Vec<Row>, Vec<WalkProblem>) {
    let warnings = confirm(files.iter_mut().map(|(c, n)| (c, n.as_ref())));
    let rows = files
        .into_iter()
        .map(|(c, _)| (c.display, c.host, c.host_from, c.node))
        .collect();
    (rows, warnings)
}

#[test]
fn one_named_host_names_its_whole_folder() {
    let single = |d: &str| candidate("collected", d, "collected", HostFrom::Single);
    let (rows, warnings) = confirmed(vec![
        (single("sar-u.txt"), host_says("infagw01")),
        (single("node.log"), None),
        (single("gc.log"), None),
    ]);
    assert!(
        rows.iter()
            .all(|r| r.1 == "infagw01" && r.2 == HostFrom::Content),
        "{rows:?}"
    );
    assert_eq!(rows[1].3, None);
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn files_side_by_side_that_name_several_hosts_are_several_hosts() {
    let single = |d: &str| candidate("flat", d, "flat", HostFrom::Single);
    let (rows, warnings) = confirmed(vec![
        (single("b.log"), host_says("infawk01")),
        (single("a.log"), host_says("infagw01.corp.example")),
        (single("c.log"), host_says("INFAGW01")),
        (single("node.log"), None),
        (single("alarms.csv"), None),
    ]);
    let hosts: Vec<(&str, &str, HostFrom)> = rows
        .iter()
        .map(|r| (r.0.as_str(), r.1.as_str(), r.2))
        .collect();
    assert_eq!(
        hosts,
        [
            ("b.log", "infawk01", HostFrom::Content),
            ("a.log", "infagw01.corp.example", HostFrom::Content),
            ("c.log", "infagw01.corp.example", HostFrom::Content),
            ("node.log", "flat", HostFrom::Single),
            ("alarms.csv", "flat", HostFrom::Single),
        ]
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].display, "node.log");
    assert!(
        warnings[0]
            .message
            .contains("infagw01.corp.example, infawk01")
    );
}

#[test]
fn a_folder_named_host_is_kept_and_a_disagreeing_file_named() {
    let (rows, warnings) = confirmed(vec![
        (
            candidate("b", "infagw01/sar.txt", "infagw01", HostFrom::Folder),
            host_says("infagw02"),
        ),
        (
            candidate("b", "infagw02/sar.txt", "infagw02", HostFrom::Folder),
            host_says("infagw02.corp.example"),
        ),
        (
            candidate("b", "10.0.0.5/sar.txt", "10.0.0.5", HostFrom::Folder),
            host_says("infawk01"),
        ),
    ]);
    assert!(rows.iter().all(|r| r.2 == HostFrom::Folder));
    assert_eq!(rows[0].1, "infagw01");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].display, "infagw01/sar.txt");
    assert!(
        warnings[0].message.contains("`infagw02`") && warnings[0].message.contains("`infagw01`"),
        "{}",
        warnings[0].message
    );
}

#[test]
fn informatica_nodes_fill_the_node_and_name_hosts_only_as_a_last_resort() {
    // The path shows no node: content fills it; the folder names the host.
    let (rows, warnings) = confirmed(vec![(
        candidate("b", "infagw02/node.log", "infagw02", HostFrom::Folder),
        node_says("node02"),
    )]);
    assert_eq!(rows[0].3.as_deref(), Some("node02"));
    assert_eq!(rows[0].1, "infagw02");
    assert!(warnings.is_empty());
    // A host-like root folder keeps its name, and content that agrees
    // confirms it.
    let (rows, _) = confirmed(vec![(
        candidate("infagw01", "sar.txt", "infagw01", HostFrom::Single),
        host_says("INFAGW01.corp.example"),
    )]);
    assert_eq!(
        (rows[0].1.as_str(), rows[0].2),
        ("infagw01", HostFrom::Content)
    );
    let (rows, _) = confirmed(vec![(
        candidate("infagw01", "node.log", "infagw01", HostFrom::Single),
        node_says("node01"),
    )]);
    assert_eq!(
        (rows[0].1.as_str(), rows[0].2),
        ("infagw01", HostFrom::Single)
    );
    // A flat folder of two nodes' logs is two hosts, named after the nodes,
    // with a warning each.
    let single = |d: &str| candidate("logs", d, "logs", HostFrom::Single);
    let (rows, warnings) = confirmed(vec![
        (single("a.log"), node_says("node01")),
        (single("b.log"), node_says("node03")),
    ]);
    let hosts: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(hosts, ["node01", "node03"]);
    assert_eq!(warnings.len(), 2);
    assert!(warnings[0].message.contains("Informatica node"));
}

#[test]
fn a_node_the_path_and_the_lines_disagree_on_is_warned_about() {
    let mut file = candidate(
        "b",
        "infagw01/logs/node01/node.log",
        "infagw01",
        HostFrom::Folder,
    );
    file.node = Some("node01".into());
    let (rows, warnings) = confirmed(vec![(file, node_says("node09"))]);
    assert_eq!(rows[0].3.as_deref(), Some("node01"));
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].message.contains("`node09`"));
}

#[test]
fn the_result_does_not_depend_on_file_order() {
    let single = |d: &str| candidate("flat", d, "flat", HostFrom::Single);
    let files = vec![
        (single("a.log"), host_says("h1")),
        (single("b.log"), host_says("H1.corp")),
        (single("c.log"), host_says("h2")),
        (single("d.log"), None),
    ];
    let mut reversed = files.clone();
    reversed.reverse();
    let (mut forward, fw) = confirmed(files);
    let (mut backward, bw) = confirmed(reversed);
    forward.sort();
    backward.sort();
    assert_eq!(forward, backward);
    assert_eq!(fw, bw);
    assert_eq!(forward[1].1, "h1");
}
