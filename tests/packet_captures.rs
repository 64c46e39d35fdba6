//! Packet captures end to end: `tcpdump` files (pcap, pcapng, gzipped)
//! in a bundle are read as packet_capture sources, their findings are on
//! the timeline numbered by packet, and their signals reach the report.
//! The fixtures' captures are written by `examples/gen_captures.rs`.

mod common;

use common::{
    analyze_json, assert_verdict, cause_rules, evidence_places, explanation, fixture, hbdiag,
    incident_of_kind, source, write,
};
use etherparse::PacketBuilder;
use hbdiag::parse::pcap::write::{CaptureWriter, ETHERNET, Format};
use serde_json::Value;

const DB_CAPTURE: &str = "infagw01/captures/db-infagw01.pcap";

fn stdout(args: &[&str]) -> String {
    let out = hbdiag(args);
    assert!(
        out.status.success(),
        "hbdiag {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A capture of one reset from 10.0.0.9:`port` to a client, at 10:00 UTC.
fn reset_capture(port: u16) -> Vec<u8> {
    capture_of(port, &[])
}

/// [`reset_capture`], then a UDP datagram (nothing a flow follows) at each
/// of `later_ns`.
fn capture_of(port: u16, later_ns: &[i64]) -> Vec<u8> {
    let mut frame = Vec::new();
    PacketBuilder::ethernet2([2; 6], [4; 6])
        .ipv4([10, 0, 0, 9], [10, 0, 0, 1], 64)
        .tcp(port, 40_000, 1, 0)
        .rst()
        .ack(2)
        .write(&mut frame, &[])
        .unwrap();
    let mut writer = CaptureWriter::new(Vec::new(), Format::PcapNg, ETHERNET).unwrap();
    writer
        .frame(1_773_309_600_000_000_000, &frame, 128)
        .unwrap();
    let mut datagram = Vec::new();
    PacketBuilder::ethernet2([2; 6], [4; 6])
        .ipv4([10, 0, 0, 9], [10, 0, 0, 1], 64)
        .udp(123, 123)
        .write(&mut datagram, &[0; 48])
        .unwrap();
    for &at in later_ns {
        writer.frame(at, &datagram, 128).unwrap();
    }
    writer.finish().unwrap()
}

#[test]
fn a_capture_covers_its_first_to_its_last_packet_not_only_its_findings() {
    let dir = tempfile::tempdir().unwrap();
    let an_hour_later = 1_773_309_600_000_000_000 + 3_600 * 1_000_000_000;
    write(
        dir.path(),
        "infagw01/hb.pcapng",
        &capture_of(1521, &[an_hour_later]),
    );
    let report = analyze_json(dir.path(), &[]);
    let host = &report["hosts"][0];
    assert_eq!(host["name"], "infagw01");
    assert_eq!(host["logs_from"], "2026-03-12T10:00:00.000Z", "{host:#}");
    assert_eq!(
        host["logs_to"], "2026-03-12T11:00:00.000Z",
        "the quiet hour after the reset is covered: {host:#}"
    );
}

#[test]
fn a_reset_by_the_db_host_is_on_the_timeline_at_its_packet() {
    let text = stdout(&["timeline", fixture("packets-db-reset").to_str().unwrap()]);
    let resets: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("[connection_reset]"))
        .collect();
    assert_eq!(resets.len(), 5, "{text}");
    assert!(
        resets[0].starts_with("2026-03-12T10:15:14.201Z infagw01"),
        "{}",
        resets[0]
    );
    assert!(
        resets[0].contains(&format!("{DB_CAPTURE}:347")),
        "{}",
        resets[0]
    );
    assert!(resets[0].contains("reset 10.20.0.50:1521 → 10.20.0.11:50112"));
}

#[test]
fn packet_events_are_in_the_ndjson_with_their_signal() {
    let text = stdout(&[
        "timeline",
        fixture("packets-db-reset").to_str().unwrap(),
        "--format",
        "ndjson",
    ]);
    let first_reset: Value = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|doc| doc["log.file.path"] == DB_CAPTURE)
        .expect("a document of the capture");
    assert_eq!(first_reset["event.dataset"], "hbdiag.packet_capture");
    assert_eq!(first_reset["hbdiag.line"], 347);
    assert_eq!(first_reset["tags"][0], "connection_reset");
}

#[test]
fn captures_are_sources_of_their_folder_host_plain_and_gzipped() {
    let report = analyze_json(&fixture("packets-lost"), &[]);
    for (path, host, frames) in [
        ("infagw01/captures/hb-infagw01.pcap", "infagw01", 1014),
        ("infawk01/captures/hb-infawk01.pcapng.gz", "infawk01", 372),
    ] {
        let capture = source(&report, path);
        assert_eq!(capture["kind"], "packet_capture", "{capture:#}");
        assert_eq!(capture["host"], host);
        assert_eq!(capture["lines"], frames, "frames are counted as its lines");
        assert_eq!(capture["warnings"], Value::Array(vec![]), "{capture:#}");
    }
}

#[test]
fn a_cut_capture_warns_with_the_packet_number_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("packets-db-reset").join(DB_CAPTURE)).unwrap();
    write(dir.path(), "infagw01/db.pcap", &bytes[..bytes.len() - 30]);
    write(dir.path(), "infagw01/notes.pcap", b"not a capture at all\n");
    let report = analyze_json(dir.path(), &[]);
    let cut = source(&report, "infagw01/db.pcap");
    let warning = cut["warnings"][0].as_str().unwrap();
    assert!(
        warning.starts_with("line 355: the capture is cut inside packet 355"),
        "{warning}"
    );
    assert_eq!(cut["lines"], 354);
    // The four resets before the cut and the five flows' summaries.
    assert_eq!(cut["records"], 9, "{cut:#}");
    let text = source(&report, "infagw01/notes.pcap");
    let reason = text["skipped"].as_str().unwrap();
    assert!(reason.contains("no pcap or pcapng header"), "{reason}");
}

#[test]
fn a_port_given_with_port_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "infagw01/hb.pcapng", &reset_capture(7333));
    let bundle = dir.path().to_str().unwrap();
    let without = stdout(&["timeline", bundle]);
    assert!(!without.contains("connection_reset"), "{without}");
    let with = stdout(&["timeline", bundle, "--port", "7333"]);
    assert!(
        with.contains("[connection_reset] packet 1: reset 10.0.0.9:7333 → 10.0.0.1:40000"),
        "{with}"
    );
}

/// The timeline's NDJSON documents of `bundle`'s captures.
fn capture_documents(bundle: &str) -> Vec<Value> {
    stdout(&[
        "timeline",
        fixture(bundle).to_str().unwrap(),
        "--format",
        "ndjson",
    ])
    .lines()
    .map(|l| serde_json::from_str::<Value>(l).unwrap())
    .filter(|doc| doc["event.dataset"] == "hbdiag.packet_capture")
    .collect()
}

fn tagged<'a>(docs: &'a [Value], signal: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d["tags"][0] == signal).collect()
}

/// The clock offset a matched finding's text gives, in ms.
fn offset_ms(doc: &Value) -> f64 {
    let message = doc["message"].as_str().unwrap();
    let (_, after) = message.split_once("the other end's clock ").expect(message);
    after.split_once(" ms").unwrap().0.parse().unwrap()
}

#[test]
fn segments_lost_between_the_hosts_are_the_network_with_packet_evidence() {
    let report = analyze_json(&fixture("packets-lost"), &[]);
    let incident = incident_of_kind(&report, "node_marked_dead");
    assert_verdict(incident, "network", "network.packet_loss");
    let text = explanation(incident);
    assert!(
        text.contains("36 segment(s) sent from 10.20.0.13:41822 to 10.20.0.11:6005 over 121.4 s"),
        "{text}"
    );
    assert_eq!(
        evidence_places(incident),
        [("infawk01/captures/hb-infawk01.pcapng.gz".to_string(), 235)]
    );
}

#[test]
fn matched_packets_measure_the_clock_offset_and_the_late_heartbeat() {
    let docs = capture_documents("packets-lost");
    // The generator stamps the node's capture 3.2 s ahead of the master's.
    for doc in tagged(&docs, "packets_delivered")
        .into_iter()
        .chain(tagged(&docs, "packet_loss"))
    {
        let truth = if doc["host.name"] == "infawk01" {
            -3200.0
        } else {
            3200.0
        };
        let measured = offset_ms(doc);
        assert!((measured - truth).abs() < 50.0, "{measured} ms: {doc}");
    }
    let late = tagged(&docs, "packet_delay");
    assert_eq!(late.len(), 1, "{docs:#?}");
    let message = late[0]["message"].as_str().unwrap();
    assert!(
        message.contains("late 10.20.0.13:41822 → 10.20.0.11:6005 over 1.800 s"),
        "{message}"
    );
    assert_eq!(late[0]["@timestamp"], "2026-03-12T14:12:03.450Z");
}

/// The bundle's one clock skew: `(ahead, corrected clock, correction in s)`,
/// after checking its evidence is the two captures' matched packets.
fn capture_skew(bundle: &str) -> (String, String, f64) {
    let report = analyze_json(&fixture(bundle), &[]);
    let skews = report["clock_skews"].as_array().unwrap();
    assert_eq!(skews.len(), 1, "{skews:#?}");
    let skew = &skews[0];
    let evidence = skew["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 1, "one observation per host pair: {skew:#}");
    assert_eq!(evidence[0]["pair"], "packet_capture_match");
    for end in ["cause", "effect"] {
        let file = evidence[0][end]["file"].as_str().unwrap();
        assert!(file.contains("/captures/"), "{file}");
        assert_eq!(evidence[0][end]["signals"][0], "packets_delivered");
    }
    assert_eq!(skew["verdicts_hold"], true, "{skew:#}");
    (
        skew["ahead"].as_str().unwrap().to_string(),
        skew["corrected_clock"].as_str().unwrap().to_string(),
        skew["correction_s"].as_f64().unwrap(),
    )
}

#[test]
fn the_offset_the_captures_measured_corrects_the_hosts_clocks() {
    // The generator stamps infawk01's capture 3.2 s ahead in packets-lost,
    // and infagw01's 2.4 s behind in packets-gc-worker; each host's logs
    // read the clock its capture does.
    for (bundle, truth_s) in [("packets-lost", -3.2), ("packets-gc-worker", -2.4)] {
        let (ahead, corrected, correction_s) = capture_skew(bundle);
        assert_eq!(
            (ahead.as_str(), corrected.as_str()),
            ("infawk01", "infawk01")
        );
        assert!(
            (correction_s - truth_s).abs() <= 0.05,
            "{bundle}: {correction_s}"
        );
    }
}

#[test]
fn a_sender_frozen_by_gc_is_silent_and_its_heartbeats_delivered() {
    let report = analyze_json(&fixture("packets-gc-worker"), &[]);
    assert_verdict(
        incident_of_kind(&report, "node_marked_dead"),
        "gc_pause",
        "gc_pause.long_pause",
    );
    let docs = capture_documents("packets-gc-worker");
    assert!(tagged(&docs, "packet_loss").is_empty(), "{docs:#?}");
    let silent: Vec<(&str, &str)> = tagged(&docs, "sender_silent")
        .iter()
        .map(|d| {
            (
                d["host.name"].as_str().unwrap(),
                d["@timestamp"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        silent,
        [
            ("infawk01", "2026-03-12T09:42:45.400Z"),
            ("infawk01", "2026-03-12T09:44:00.400Z")
        ]
    );
    let delivered = tagged(&docs, "packets_delivered");
    // Half an hour in each direction, told every five minutes.
    assert_eq!(delivered.len(), 12, "{delivered:#?}");
    for doc in delivered {
        let truth = if doc["host.name"] == "infawk01" {
            -2400.0
        } else {
            2400.0
        };
        assert!((offset_ms(doc) - truth).abs() < 50.0, "{doc}");
    }
}

#[test]
fn captures_that_show_every_heartbeat_delivered_count_against_the_network() {
    let report = analyze_json(&fixture("packets-gc-worker"), &[]);
    let incident = incident_of_kind(&report, "node_marked_dead");
    let rules = cause_rules(incident);
    assert!(
        !rules.iter().any(|r| r.starts_with("network.")),
        "{rules:?}"
    );
    for rule in ["network.alive_but_unheard", "network.connection_errors"] {
        let considered = incident["considered"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["rule"] == rule)
            .unwrap();
        let delivered = considered["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["signal"] == "packets_delivered")
            .unwrap();
        assert_eq!(delivered["role"], "absent");
        assert_eq!(
            delivered["matched"], 1,
            "the stretch the window lies in: {delivered:#}"
        );
    }
}

#[test]
fn the_db_host_resetting_the_connection_is_the_cause_with_the_resets_as_evidence() {
    let report = analyze_json(&fixture("packets-db-reset"), &[]);
    let incident = incident_of_kind(&report, "master_db_timeout");
    assert_verdict(
        incident,
        "db_unavailable",
        "db_unavailable.connection_reset",
    );
    let places = evidence_places(incident);
    assert_eq!(places.len(), 5, "{places:?}");
    assert_eq!(places[0], (DB_CAPTURE.to_string(), 347));
    assert!(explanation(incident).contains("5 reset(s) sent by the database host 10.20.0.50:1521"));
}

#[test]
fn the_report_is_the_same_whatever_the_number_of_jobs() {
    let bundle = fixture("packets-lost");
    let one = hbdiag(&[
        "analyze",
        bundle.to_str().unwrap(),
        "--format",
        "json",
        "--jobs",
        "1",
    ]);
    let two = hbdiag(&[
        "analyze",
        bundle.to_str().unwrap(),
        "--format",
        "json",
        "--jobs",
        "2",
    ]);
    assert!(one.status.success() && two.status.success());
    assert_eq!(
        String::from_utf8_lossy(&one.stdout),
        String::from_utf8_lossy(&two.stdout)
    );
}
