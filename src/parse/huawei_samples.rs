//! The Huawei sample fixtures (`fixtures/huawei-samples/`) parse cleanly
//! with the parser their kind selects, so the pipeline can build bundles
//! from them.

use super::parser_for;
use super::testing::{Collect, record};
use crate::model::{AlarmState, EventKind, Level, SourceKind};
use crate::read::{DEFAULT_MAX_LINE, LineReader};
use std::fs::File;
use std::io::BufReader;

fn parse(name: &str, kind: SourceKind) -> Collect {
    let path = format!(
        "{}/fixtures/huawei-samples/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let file = File::open(&path).expect("fixture exists");
    let mut reader = LineReader::new(BufReader::new(file), DEFAULT_MAX_LINE);
    let mut parser = parser_for(kind).expect("kind has a parser");
    let mut sink = Collect::default();
    while let Some(line) = reader.next_line().expect("fixture readable") {
        parser.line(&line, &mut sink);
    }
    parser.finish(&mut sink);
    assert!(
        sink.unparsed.is_empty(),
        "{name}: unparsed {:?}",
        sink.unparsed
    );
    assert!(sink.warnings.is_empty(), "{name}: {:?}", sink.warnings);
    sink
}

/// `(alarm id, state, host)` of every alarm event.
fn alarms(out: &Collect) -> Vec<(String, Option<AlarmState>, Option<String>)> {
    out.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Alarm(a) => Some((a.id.clone(), a.state, e.host.clone())),
            _ => None,
        })
        .collect()
}

fn messages(out: &Collect) -> Vec<String> {
    out.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Log(r) => Some(r.message.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn english_alarm_export() {
    let out = parse("alarms-en.csv", SourceKind::AlarmExport);
    let found = alarms(&out);
    assert_eq!(found.len(), 10);
    let flink_raised: Vec<Option<String>> = found
        .iter()
        .filter(|(id, state, _)| id == "45640" && *state == Some(AlarmState::Raised))
        .map(|(_, _, host)| host.clone())
        .collect();
    assert_eq!(
        flink_raised,
        [
            Some("mrs-master1".to_string()),
            Some("mrs-master2".to_string())
        ]
    );
}

#[test]
fn chinese_alarm_export() {
    let out = parse("alarms-zh.csv", SourceKind::AlarmExport);
    let ids: Vec<String> = alarms(&out).into_iter().map(|(id, _, _)| id).collect();
    assert_eq!(ids, ["12072", "45640", "45640", "45640", "45652", "45652"]);
}

#[test]
fn txt_alarm_export() {
    let out = parse("alarms.txt", SourceKind::AlarmExport);
    assert_eq!(alarms(&out).len(), 5);
}

#[test]
fn prestart_log_names_the_invalid_float_ip() {
    let out = parse("prestart.log", SourceKind::ScriptLog);
    assert_eq!(out.events.len(), 7);
    assert!(messages(&out).contains(&"Float ip 192.168.10.200 is invalid.".to_string()));
}

#[test]
fn stop_log() {
    let out = parse("stop.log", SourceKind::ScriptLog);
    assert_eq!(out.events[2].level, Some(Level::Warn));
    assert_eq!(out.events.len(), 4);
}

#[test]
fn floatip_log() {
    let out = parse("floatip.log", SourceKind::FloatIpLog);
    assert_eq!(out.events.len(), 6);
    assert_eq!(out.events[3].level, Some(Level::Error));
}

#[test]
fn flinkserver_role_log() {
    let out = parse("flinkserver.log", SourceKind::RoleLog);
    assert_eq!(out.events.len(), 8);
    assert_eq!(
        messages(&out)[1],
        "Failed to send heartbeat to peer 192.168.10.11:28443 | retry 1/3"
    );
    let record = record(&out.events[2]);
    assert_eq!(
        record.detail,
        ["java.net.ConnectException: Connection refused (Connection refused)"]
    );
    assert_eq!(record.frames, 5);
}
