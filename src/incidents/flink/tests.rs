use super::*;
use crate::definitions::builtin;
use crate::model::{Alarm, AlarmState, Event, EventKind, Level, LogRecord, LogTime, SourceId};
use crate::scan::Repeats;
use crate::signals::{Scratch, SignalCatalog};
use crate::timeline::{Covered, HostClock, OffsetSource, Zone};
use chrono::TimeZone;

const FS1: u16 = 0;
const FS2: u16 = 1;

fn at(second: f64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 7, 16, 0, 0).unwrap() + millis(second * 1000.0)
}

fn classified(
    catalog: &SignalCatalog,
    kind: SourceKind,
    host: u16,
    second: f64,
    event: Event,
) -> Entry {
    let signals = catalog.classify(kind, &event, &mut Scratch::default());
    Entry {
        time: at(second),
        host: HostId(host),
        source: SourceId(u32::from(host) * 10 + kind as u32),
        event,
        signals,
        repeats: Repeats::default(),
        also_at: Box::default(),
    }
}

/// A record of `kind` (role or script log).
fn line(
    c: &SignalCatalog,
    kind: SourceKind,
    host: u16,
    second: f64,
    level: Level,
    message: &str,
) -> Entry {
    let event = Event {
        line: second as u64,
        time: LogTime::Uptime(0.0),
        level: Some(level),
        text: message.into(),
        host: None,
        kind: EventKind::Log(Box::new(LogRecord {
            message: message.into(),
            ..LogRecord::default()
        })),
    };
    classified(c, kind, host, second, event)
}

fn role(c: &SignalCatalog, host: u16, second: f64, level: Level, message: &str) -> Entry {
    line(c, SourceKind::RoleLog, host, second, level, message)
}

fn alarm(c: &SignalCatalog, host: u16, second: f64, state: AlarmState, serial: &str) -> Entry {
    let event = Event {
        line: second as u64,
        time: LogTime::Uptime(0.0),
        level: None,
        text: "ALM-45640".into(),
        host: None,
        kind: EventKind::Alarm(Box::new(Alarm {
            id: "45640".into(),
            name: "FlinkServer Heartbeat Interruption Between the Active and Standby Nodes".into(),
            state: Some(state),
            serial: Some(serial.into()),
            ..Alarm::default()
        })),
    };
    classified(c, SourceKind::AlarmExport, host, second, event)
}

const ADDRESSES: [&str; 2] = [
    "FlinkServer HA mode is active-standby, local ip is 10.0.0.1, peer ip is 10.0.0.2.",
    "FlinkServer HA mode is active-standby, local ip is 10.0.0.2, peer ip is 10.0.0.1.",
];

/// Runs FlinkServer detection over two hosts whose role logs start at 0 s
/// (with their HA addresses) and end at `ends` seconds.
fn run(ends: [f64; 2], entries: impl FnOnce(&SignalCatalog) -> Vec<Entry>) -> Vec<Incident> {
    let catalog = SignalCatalog::build(&builtin()).unwrap();
    let known = KnownSignals::resolve(&catalog);
    let mut all = entries(&catalog);
    for host in [FS1, FS2] {
        all.push(role(
            &catalog,
            host,
            0.0,
            Level::Info,
            ADDRESSES[host as usize],
        ));
    }
    all.sort_by_key(|e| e.time);
    let timeline = Timeline {
        hosts: ["fs1", "fs2"]
            .iter()
            .map(|name| HostClock {
                name: name.to_string(),
                zone: Zone::utc(),
                offset_source: OffsetSource::Assumed,
            })
            .collect(),
        entries: all,
        coverage: [FS1, FS2]
            .iter()
            .map(|&h| Covered {
                host: HostId(h),
                kind: SourceKind::RoleLog,
                from: at(0.0),
                to: at(ends[h as usize]),
            })
            .collect(),
        warnings: Vec::new(),
    };
    detect(&timeline, &known)
}

fn send_failed(c: &SignalCatalog, host: u16, second: f64) -> Entry {
    let peer = if host == FS1 { "10.0.0.2" } else { "10.0.0.1" };
    role(
        c,
        host,
        second,
        Level::Warn,
        &format!("Failed to send heartbeat to peer {peer}:28443"),
    )
}

fn seconds(incident: &Incident) -> f64 {
    (incident.anchor - at(0.0)).num_milliseconds() as f64 / 1000.0
}

#[test]
fn spans_read_like_a_person_wrote_them() {
    assert_eq!(span(Duration::seconds(45)), "45 s");
    assert_eq!(span(Duration::seconds(343)), "5 min 43 s");
    assert_eq!(span(Duration::seconds(120)), "2 min");
    assert_eq!(span(Duration::seconds(-3)), "0 s");
}

#[test]
fn raises_on_both_nodes_within_seconds_are_one_incident() {
    let found = run([900.0, 900.0], |c| {
        vec![
            alarm(c, FS1, 100.0, AlarmState::Raised, "1"),
            alarm(c, FS2, 102.0, AlarmState::Raised, "2"),
            alarm(c, FS1, 700.0, AlarmState::Raised, "3"),
        ]
    });
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].subject, Some(HostId(FS1)));
    assert_eq!(found[0].affected, [HostId(FS2)]);
    assert_eq!(found[0].severity, Severity::High);
    assert_eq!(
        found[1].affected,
        [HostId(FS2)],
        "the peer from the role log"
    );
    assert!(found.iter().all(|i| i.found_by == [Route::Alarm]));
}

#[test]
fn the_same_alarm_exported_twice_is_counted_once() {
    let found = run([900.0, 900.0], |c| {
        vec![
            alarm(c, FS1, 100.0, AlarmState::Raised, "7"),
            alarm(c, FS1, 100.0, AlarmState::Raised, "7"),
            alarm(c, FS1, 400.0, AlarmState::Raised, "7"),
            alarm(c, FS2, 500.0, AlarmState::Raised, "8"),
        ]
    });
    let subjects: Vec<_> = found.iter().map(|i| i.subject).collect();
    assert_eq!(subjects, [Some(HostId(FS1)), Some(HostId(FS2))]);
}

#[test]
fn heartbeat_errors_for_the_keepalive_are_an_incident_without_an_alarm() {
    // Sends fail at 100, 110, 120 s: the last heartbeat got through
    // between 90 and 100 s, so the raise is expected about 125 s.
    let found = run([900.0, 900.0], |c| {
        vec![
            send_failed(c, FS1, 100.0),
            send_failed(c, FS1, 110.0),
            send_failed(c, FS1, 120.0),
        ]
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    let incident = &found[0];
    assert_eq!(incident.subject, Some(HostId(FS1)));
    assert_eq!(incident.affected, [HostId(FS2)]);
    assert_eq!(incident.found_by, [Route::PeerHeartbeatErrors]);
    assert_eq!(seconds(incident), 125.0);
    assert_eq!(incident.severity, Severity::Medium);
    assert!(
        incident.summary.contains("no alarm export says so"),
        "{}",
        incident.summary
    );
}

#[test]
fn a_line_that_says_how_long_nothing_arrived_gives_the_raise() {
    let found = run([900.0, 900.0], |c| {
        vec![role(
            c,
            FS2,
            140.0,
            Level::Error,
            "No keepalive from the active node for 45 seconds",
        )]
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    // Last heard at 95 s, raised 30 s later.
    assert_eq!(seconds(&found[0]), 125.0);
    assert_eq!(found[0].subject, Some(HostId(FS2)));
}

#[test]
fn a_transient_warning_that_recovers_at_once_is_not_an_incident() {
    let found = run([900.0, 900.0], |c| {
        vec![
            send_failed(c, FS1, 100.0),
            role(
                c,
                FS1,
                104.0,
                Level::Info,
                "Heartbeat from peer 10.0.0.2 recovered.",
            ),
            send_failed(c, FS1, 110.0),
            send_failed(c, FS1, 120.0),
            role(
                c,
                FS1,
                124.0,
                Level::Info,
                "Heartbeat from peer 10.0.0.2 recovered.",
            ),
            // Two warnings 20 s apart: less than the keepalive.
            send_failed(c, FS2, 300.0),
            send_failed(c, FS2, 310.0),
        ]
    });
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn a_stopped_peer_is_seen_from_its_stop_and_the_survivors_errors() {
    let found = run([600.0, 130.5], |c| {
        vec![
            line(
                c,
                SourceKind::ScriptLog,
                FS2,
                130.0,
                Level::Info,
                "Begin to stop FlinkServer.",
            ),
            role(c, FS2, 130.5, Level::Info, "FlinkServer is shutting down."),
            line(
                c,
                SourceKind::ScriptLog,
                FS2,
                136.0,
                Level::Info,
                "Stop FlinkServer success.",
            ),
            send_failed(c, FS1, 140.0),
            send_failed(c, FS1, 150.0),
            send_failed(c, FS1, 160.0),
        ]
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    let incident = &found[0];
    assert_eq!(incident.subject, Some(HostId(FS1)));
    assert_eq!(incident.affected, [HostId(FS2)]);
    assert_eq!(
        incident.found_by,
        [
            Route::PeerHeartbeatErrors,
            Route::PeerStopped,
            Route::LogEnded
        ]
    );
    // The last heartbeat got through after the peer's last record (130.5 s)
    // and before the stop was done (136 s): the raise about 163.25 s.
    assert_eq!(seconds(incident), 163.25);
}

#[test]
fn a_peer_log_that_ends_while_the_other_loses_it_is_an_incident() {
    // The peer's log ends at 200 s with no stop; the survivor's first
    // error is at 206 s and it fails only twice (not the keepalive).
    let found = run([900.0, 200.0], |c| {
        vec![send_failed(c, FS1, 206.0), send_failed(c, FS1, 216.0)]
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].found_by, [Route::LogEnded]);
    assert_eq!(found[0].subject, Some(HostId(FS1)));
    assert_eq!(found[0].affected, [HostId(FS2)]);
    assert_eq!(seconds(&found[0]), 233.0);
}

#[test]
fn logs_collected_at_slightly_different_times_are_no_incident() {
    let found = run([900.0, 880.0], |_| Vec::new());
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn a_standby_taking_over_is_a_route_unless_the_peer_stopped_cleanly() {
    let takeover = "FlinkServer state changed from standby to active.";
    let found = run([900.0, 900.0], |c| {
        vec![role(c, FS2, 300.0, Level::Info, takeover)]
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].found_by, [Route::TookOverActive]);
    assert_eq!(found[0].subject, Some(HostId(FS2)));
    assert_eq!(seconds(&found[0]), 300.0);

    // The active was stopped first: the takeover is a handover, not a
    // loss of its own; the stop itself is what the incident is found by.
    let handover = run([900.0, 900.0], |c| {
        vec![
            line(
                c,
                SourceKind::ScriptLog,
                FS1,
                250.0,
                Level::Info,
                "Begin to stop FlinkServer.",
            ),
            role(c, FS2, 300.0, Level::Info, takeover),
        ]
    });
    assert_eq!(handover.len(), 1, "{handover:#?}");
    assert_eq!(handover[0].found_by, [Route::PeerStopped]);
    assert_eq!(handover[0].subject, Some(HostId(FS2)));

    let start_up = run([900.0, 900.0], |c| {
        vec![role(
            c,
            FS1,
            2.0,
            Level::Info,
            "FlinkServer state changed from init to active.",
        )]
    });
    assert!(start_up.is_empty(), "{start_up:#?}");
}

#[test]
fn the_alarm_and_the_logs_are_one_incident_anchored_by_the_alarm() {
    let found = run([900.0, 900.0], |c| {
        let mut entries = vec![
            send_failed(c, FS1, 100.0),
            send_failed(c, FS1, 110.0),
            send_failed(c, FS1, 120.0),
            alarm(c, FS1, 128.0, AlarmState::Raised, "51907"),
            alarm(c, FS1, 700.0, AlarmState::Cleared, "51907"),
            send_failed(c, FS2, 101.0),
            send_failed(c, FS2, 111.0),
            send_failed(c, FS2, 121.0),
            role(
                c,
                FS2,
                129.0,
                Level::Info,
                "FlinkServer state changed from standby to active.",
            ),
        ];
        entries.extend((1..10).map(|n| send_failed(c, FS1, 120.0 + 30.0 * f64::from(n))));
        entries
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    let incident = &found[0];
    assert_eq!(
        incident.anchor,
        at(128.0),
        "the alarm's raise is the anchor"
    );
    assert_eq!(incident.subject, Some(HostId(FS1)));
    assert_eq!(incident.affected, [HostId(FS2)]);
    assert_eq!(
        incident.found_by,
        [
            Route::Alarm,
            Route::PeerHeartbeatErrors,
            Route::TookOverActive
        ]
    );
    // Only the alarm export says who raised it: the logs do not make it a
    // split-brain when only one node raised the alarm.
    assert_eq!(incident.severity, Severity::Medium);
    assert!(
        incident.summary.starts_with("ALM-45640 raised on fs1"),
        "{}",
        incident.summary
    );
}

#[test]
fn both_nodes_losing_each_other_in_their_logs_is_one_split_brain_incident() {
    let found = run([900.0, 900.0], |c| {
        vec![
            send_failed(c, FS1, 100.0),
            send_failed(c, FS1, 110.0),
            send_failed(c, FS1, 120.0),
            send_failed(c, FS2, 102.0),
            send_failed(c, FS2, 112.0),
            send_failed(c, FS2, 122.0),
            role(
                c,
                FS2,
                131.0,
                Level::Info,
                "FlinkServer state changed from standby to active.",
            ),
        ]
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    let incident = &found[0];
    assert_eq!(incident.subject, Some(HostId(FS1)));
    assert_eq!(incident.affected, [HostId(FS2)]);
    assert_eq!(incident.severity, Severity::High);
    assert!(
        incident.summary.contains("split-brain risk"),
        "{}",
        incident.summary
    );
}

#[test]
fn a_loss_that_recovers_within_two_minutes_in_the_log_is_a_glitch() {
    let found = run([900.0, 900.0], |c| {
        vec![
            send_failed(c, FS1, 100.0),
            send_failed(c, FS1, 110.0),
            role(
                c,
                FS1,
                120.0,
                Level::Error,
                "No heartbeat received from peer 10.0.0.2 for 30000 ms, heartbeat interrupted.",
            ),
            role(
                c,
                FS1,
                160.0,
                Level::Info,
                "Heartbeat from peer 10.0.0.2 recovered.",
            ),
        ]
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(seconds(&found[0]), 120.0);
    assert_eq!(found[0].severity, Severity::Low);
    assert!(
        found[0].summary.contains("a short glitch"),
        "{}",
        found[0].summary
    );
}

#[test]
fn separate_losses_far_apart_are_separate_incidents() {
    let found = run([2000.0, 2000.0], |c| {
        let mut entries = Vec::new();
        for start in [100.0, 1000.0] {
            entries.extend((0..3).map(|n| send_failed(c, FS1, start + 10.0 * f64::from(n))));
            entries.push(role(
                c,
                FS1,
                start + 40.0,
                Level::Info,
                "Heartbeat from peer 10.0.0.2 recovered.",
            ));
        }
        entries
    });
    assert_eq!(found.len(), 2, "{found:#?}");
}
