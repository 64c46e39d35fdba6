use super::*;
use crate::definitions::builtin;
use crate::model::{Event, EventKind, Level, LogRecord, LogTime, SourceId, SourceKind};
use crate::scan::Repeats;
use crate::signals::{Scratch, SignalCatalog};
use crate::timeline::{Entry, HostClock, OffsetSource, Timeline, Zone};
use chrono::TimeZone;

const HOSTS: [&str; 3] = ["gw01", "gw02", "wk01"];

fn entry(catalog: &SignalCatalog, host: u16, second: u32, code: &str, message: &str) -> Entry {
    let event = Event {
        line: u64::from(second),
        time: LogTime::Uptime(0.0),
        level: Some(Level::Error),
        text: message.into(),
        host: None,
        kind: EventKind::Log(Box::new(LogRecord {
            code: (!code.is_empty()).then(|| code.to_string()),
            message: message.into(),
            ..LogRecord::default()
        })),
    };
    let signals = catalog.classify(SourceKind::NodeLog, &event, &mut Scratch::default());
    Entry {
        time: Utc.with_ymd_and_hms(2026, 3, 12, 10, 15, 0).unwrap()
            + Duration::seconds(second.into()),
        host: HostId(host),
        source: SourceId(host.into()),
        event,
        signals,
        repeats: Repeats::default(),
        also_at: Box::default(),
    }
}

fn timeline(mut entries: Vec<Entry>) -> Timeline {
    entries.sort_by_key(|e| e.time);
    Timeline {
        hosts: HOSTS
            .iter()
            .map(|name| HostClock {
                name: name.to_string(),
                zone: Zone::utc(),
                offset_source: OffsetSource::Assumed,
            })
            .collect(),
        entries,
        coverage: Vec::new(),
        warnings: Vec::new(),
    }
}

fn run(entries: impl FnOnce(&SignalCatalog) -> Vec<Entry>) -> Detection {
    let catalog = SignalCatalog::build(&builtin()).unwrap();
    let known = KnownSignals::resolve(&catalog);
    let nodes = BTreeMap::from([
        ("node01".to_string(), HostId(0)),
        ("node02".to_string(), HostId(1)),
        ("node03".to_string(), HostId(2)),
    ]);
    detect(
        &timeline(entries(&catalog)),
        &known,
        &HeartbeatSettings::default(),
        &nodes,
    )
}

const DB_ERROR: &str = "An exception occurred while updating the master election row.";
const TERMINATED: &str = "The master gateway node could not update the domain configuration database within the timeout period. The node will shut down.";
const SEND_FAILED: &str = "The node cannot send heartbeat messages to the master gateway node.";

#[test]
fn master_termination_groups_its_cascade() {
    let found = run(|c| {
        vec![
            entry(c, 0, 0, "DOM_10162", DB_ERROR),
            entry(c, 0, 8, "DOM_10162", DB_ERROR),
            entry(c, 0, 36, "DOM_10094", TERMINATED),
            entry(c, 2, 40, "DOM_10025", SEND_FAILED),
            entry(
                c,
                1,
                70,
                "DOM_10034",
                "Node [node02] is the new master gateway node of the domain.",
            ),
        ]
    });
    assert_eq!(found.incidents.len(), 1, "{:#?}", found.incidents);
    let incident = &found.incidents[0];
    assert_eq!(incident.kind, IncidentKind::MasterDbTimeout);
    assert_eq!(incident.subject, Some(HostId(0)));
    assert_eq!(incident.node.as_deref(), Some("node01"));
    assert_eq!(incident.affected, [HostId(1), HostId(2)]);
    assert_eq!(incident.timeout_ms, 32_000.0);
    assert_eq!(incident.cascade.len(), 5);
    assert!(
        incident.summary.contains("2 DB heartbeat error(s)"),
        "{}",
        incident.summary
    );
    assert!(
        incident.summary.contains("node02 was elected"),
        "{}",
        incident.summary
    );
}

#[test]
fn one_failed_heartbeat_is_a_transient_glitch_and_a_burst_is_not() {
    let found = run(|c| {
        vec![
            entry(c, 2, 0, "DOM_10025", SEND_FAILED),
            entry(c, 1, 300, "DOM_10025", SEND_FAILED),
            entry(c, 1, 315, "DOM_10025", SEND_FAILED),
            entry(c, 1, 330, "DOM_10025", SEND_FAILED),
        ]
    });
    let kinds: Vec<_> = found
        .incidents
        .iter()
        .map(|i| (i.kind, i.subject, i.severity))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                IncidentKind::TransientGlitch,
                Some(HostId(2)),
                Severity::Low
            ),
            (
                IncidentKind::HeartbeatSendFailure,
                Some(HostId(1)),
                Severity::Medium
            ),
        ]
    );
}

#[test]
fn node_marked_dead_finds_the_dead_nodes_host() {
    let found = run(|c| {
        vec![
            entry(c, 2, 10, "DOM_10025", SEND_FAILED),
            entry(
                c,
                0,
                95,
                "DOM_10065",
                "Node [node03] did not send a heartbeat within the resilience timeout of 90 seconds.",
            ),
        ]
    });
    assert_eq!(found.incidents.len(), 1);
    let incident = &found.incidents[0];
    assert_eq!(incident.kind, IncidentKind::NodeMarkedDead);
    assert_eq!(incident.subject, Some(HostId(2)));
    assert_eq!(incident.observer, Some(HostId(0)));
    assert_eq!(incident.timeout_ms, 90_000.0);
    assert_eq!(
        incident.cascade.len(),
        2,
        "the send failure belongs to the incident"
    );
}

#[test]
fn differing_node_intervals_are_noted() {
    let found = run(|c| {
        vec![
            entry(
                c,
                0,
                0,
                "",
                "JVM options: -Dinfa.masterUpdateTimeInterval=15000",
            ),
            entry(
                c,
                2,
                0,
                "",
                "JVM options: -Dinfa.masterUpdateTimeInterval=30000",
            ),
        ]
    });
    assert_eq!(found.config_notes.len(), 1);
    assert!(
        found.config_notes[0]
            .message
            .contains("gw01=15000, wk01=30000")
    );
    assert_eq!(found.intervals.node_interval(Some(HostId(2))), 30_000.0);
    assert_eq!(found.intervals.node_interval(Some(HostId(1))), 15_000.0);
}

fn fatal(catalog: &SignalCatalog, host: u16, second: u32, message: &str) -> Entry {
    let mut e = entry(catalog, host, second, "", message);
    e.event.level = Some(Level::Fatal);
    e.signals = catalog.classify(SourceKind::NodeLog, &e.event, &mut Scratch::default());
    e
}

/// The end of a host's node.log, logging every few seconds until then.
fn log_end(catalog: &SignalCatalog, host: u16, second: u32) -> Entry {
    let mut e = entry(catalog, host, second, "", "last line");
    e.event.level = None;
    e.event.kind = EventKind::StreamEnd(crate::model::StreamSummary {
        records: 1000,
        span_ms: 3_000_000.0,
    });
    e.signals = catalog.classify(SourceKind::NodeLog, &e.event, &mut Scratch::default());
    e
}

/// `count` failed DB heartbeats of the master, one every 8 s, in words of
/// no code.
fn db_heartbeat_failures(catalog: &SignalCatalog, count: u32) -> Vec<Entry> {
    (0..count)
        .map(|i| {
            entry(
                catalog,
                0,
                i * 8,
                "",
                "Database heartbeat failed: cannot update the domain configuration database.",
            )
        })
        .collect()
}

const ELECTED: &str = "Node [node02] is the new master gateway node of the domain.";

#[test]
fn db_heartbeat_failures_for_the_timeout_then_a_fatal_line_are_a_master_db_timeout() {
    let found = run(|c| {
        let mut entries = db_heartbeat_failures(c, 5);
        entries.push(fatal(c, 0, 40, "The Service Manager is exiting."));
        entries
    });
    assert_eq!(found.incidents.len(), 1, "{:#?}", found.incidents);
    let incident = &found.incidents[0];
    assert_eq!(incident.kind, IncidentKind::MasterDbTimeout);
    assert_eq!(incident.subject, Some(HostId(0)));
    assert_eq!(incident.found_by, [Route::DbHeartbeatEpisode]);
    assert_eq!(incident.anchor, incident_time(40));
}

#[test]
fn db_heartbeat_failures_shorter_than_the_timeout_are_no_master_incident() {
    let found = run(|c| {
        let mut entries = db_heartbeat_failures(c, 2);
        entries.push(fatal(c, 0, 20, "The Service Manager is exiting."));
        entries
    });
    assert!(found.incidents.is_empty(), "{:#?}", found.incidents);
}

#[test]
fn peers_that_lose_the_master_together_and_elect_another_find_the_master_incident() {
    let found = run(|c| {
        vec![
            entry(c, 1, 10, "", SEND_FAILED),
            entry(c, 2, 14, "", SEND_FAILED),
            entry(c, 1, 60, "", ELECTED),
            log_end(c, 0, 600),
            log_end(c, 1, 600),
            log_end(c, 2, 600),
        ]
    });
    assert_eq!(found.incidents.len(), 1, "{:#?}", found.incidents);
    let incident = &found.incidents[0];
    assert_eq!(incident.kind, IncidentKind::MasterDbTimeout);
    assert_eq!(
        incident.subject,
        Some(HostId(0)),
        "the one gateway that did not fail was the master"
    );
    assert_eq!(incident.found_by, [Route::PeersLostMaster]);
    assert_eq!(incident.affected, [HostId(1), HostId(2)]);
}

#[test]
fn one_incident_seen_by_three_routes_is_one_incident_with_the_best_anchor() {
    let found = run(|c| {
        let mut entries: Vec<Entry> = (0..5)
            .map(|i| entry(c, 0, i * 8, "DOM_10162", DB_ERROR))
            .collect();
        entries.push(entry(c, 0, 36, "DOM_10094", TERMINATED));
        entries.push(entry(c, 1, 40, "", SEND_FAILED));
        entries.push(entry(c, 2, 44, "", SEND_FAILED));
        entries.push(entry(c, 1, 80, "", ELECTED));
        entries
    });
    assert_eq!(found.incidents.len(), 1, "{:#?}", found.incidents);
    let incident = &found.incidents[0];
    assert_eq!(
        incident.found_by,
        [
            Route::TerminationLine,
            Route::DbHeartbeatEpisode,
            Route::PeersLostMaster
        ]
    );
    assert_eq!(incident.anchor, incident_time(36));
}

#[test]
fn a_worker_failing_its_heartbeats_for_the_node_timeout_was_marked_dead() {
    let found = run(|c| {
        (0..8)
            .map(|i| entry(c, 2, 100 + i * 15, "", SEND_FAILED))
            .collect()
    });
    assert_eq!(found.incidents.len(), 1, "{:#?}", found.incidents);
    let incident = &found.incidents[0];
    assert_eq!(incident.kind, IncidentKind::NodeMarkedDead);
    assert_eq!(incident.subject, Some(HostId(2)));
    assert_eq!(incident.found_by, [Route::NodeHeartbeatFailures]);
    // Last heard about half an interval before the first failure.
    assert_eq!(
        incident.anchor,
        incident_time(100) - Duration::milliseconds(7_500) + Duration::seconds(90)
    );
}

#[test]
fn the_masters_line_and_the_workers_failures_are_one_node_incident() {
    let found = run(|c| {
        let mut entries: Vec<Entry> = (0..8)
            .map(|i| entry(c, 2, 100 + i * 15, "", SEND_FAILED))
            .collect();
        entries.push(entry(
            c,
            0,
            185,
            "",
            "Marking node node03 and its services as inactive: no heartbeat in 90 s.",
        ));
        entries
    });
    assert_eq!(found.incidents.len(), 1, "{:#?}", found.incidents);
    let incident = &found.incidents[0];
    assert_eq!(
        incident.found_by,
        [Route::MarkedDeadLine, Route::NodeHeartbeatFailures]
    );
    assert_eq!(incident.observer, Some(HostId(0)));
    assert_eq!(incident.anchor, incident_time(185));
}

fn incident_time(second: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 12, 10, 15, 0).unwrap() + Duration::seconds(second.into())
}
