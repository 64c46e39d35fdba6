use super::*;
use crate::parse::testing::{Collect, run};

fn alarm(event: &Event) -> &Alarm {
    match &event.kind {
        EventKind::Alarm(alarm) => alarm,
        other => panic!("not an alarm: {other:?}"),
    }
}

fn local(text: &str) -> LogTime {
    LogTime::Local(text.parse().unwrap())
}

fn parse(input: &str) -> Collect {
    run(AlarmParser::new(), input)
}

const ENGLISH_CSV: &str = "\
Alarm ID,Alarm Name,Severity,Generated,Cleared,Source,Object,Automatically Cleared,Alarm Status,Alarm Cause,Serial Number,Additional Information,Location
ALM-45640,FlinkServer Heartbeat Interruption Between the Active and Standby Nodes,Minor,2026-03-01 10:15:22,2026-03-01 10:21:05,MRS-cluster,FlinkServer,Yes,Cleared,The heartbeat is interrupted.,3217,\"Local FlinkServer IP=192.168.10.11, Peer FlinkServer IP=192.168.10.12\",Source=MRS-cluster;ServiceName=Flink;RoleName=FlinkServer;HostName=mrs-master1
12072,Float IP Resource Abnormal,Major,2026-03-01 10:14:58,--,MRS-cluster,OMS,Yes,Uncleared,,3215,,Source=MRS-cluster;ServiceName=OMS;RoleName=OMSServer;HostName=mrs-master1";

#[test]
fn english_csv_raises_and_clears() {
    let out = parse(ENGLISH_CSV);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(out.events.len(), 3);
    let raised = &out.events[0];
    assert_eq!(raised.line, 2);
    assert_eq!(raised.time, local("2026-03-01T10:15:22"));
    assert_eq!(raised.host.as_deref(), Some("mrs-master1"));
    assert_eq!(raised.level, Some(Level::Warn));
    assert!(raised.text.starts_with("ALM-45640,FlinkServer Heartbeat"));
    let a = alarm(raised);
    assert_eq!(a.id, "45640");
    assert_eq!(a.state, Some(AlarmState::Raised));
    assert_eq!(a.severity.as_deref(), Some("Minor"));
    assert_eq!(a.serial.as_deref(), Some("3217"));
    assert_eq!(a.service.as_deref(), Some("Flink"));
    assert_eq!(a.role.as_deref(), Some("FlinkServer"));
    assert_eq!(a.cause.as_deref(), Some("The heartbeat is interrupted."));
    assert_eq!(
        a.additional_info.as_deref(),
        Some("Local FlinkServer IP=192.168.10.11, Peer FlinkServer IP=192.168.10.12")
    );
    let cleared = &out.events[1];
    assert_eq!(cleared.time, local("2026-03-01T10:21:05"));
    assert_eq!(alarm(cleared).state, Some(AlarmState::Cleared));
    assert_eq!(alarm(cleared).serial.as_deref(), Some("3217"));
    assert_eq!(cleared.line, 2);
}

#[test]
fn dashes_mean_not_cleared() {
    let out = parse(ENGLISH_CSV);
    let float_ip: Vec<&Event> = out
        .events
        .iter()
        .filter(|e| alarm(e).id == "12072")
        .collect();
    assert_eq!(float_ip.len(), 1);
    assert_eq!(alarm(float_ip[0]).state, Some(AlarmState::Raised));
    assert_eq!(alarm(float_ip[0]).cause, None);
    assert_eq!(float_ip[0].level, Some(Level::Error));
}

#[test]
fn txt_tab_export_with_misspelled_name_header() {
    let input = "Alarm ID\tAlam Name\tSeverity\tGenerated\tCleared\tLocation\n\
        45641\tFlinkServer Data Synchronization Failure\tMajor\t2026-03-01 10:16:40\t--\tSource=MRS-cluster;ServiceName=Flink;RoleName=FlinkServer;HostName=mrs-master2";
    let out = parse(input);
    assert_eq!(out.events.len(), 1);
    let a = alarm(&out.events[0]);
    assert_eq!(a.id, "45641");
    assert_eq!(a.name, "FlinkServer Data Synchronization Failure");
    assert_eq!(out.events[0].host.as_deref(), Some("mrs-master2"));
}

#[test]
fn txt_pipe_table_with_rulers() {
    let input = "\
+----------+---------------------------------+----------+---------------------+---------+
| Alarm ID | Alarm Name                      | Severity | Generated           | Cleared |
+----------+---------------------------------+----------+---------------------+---------+
| 12010    | Manager Heartbeat Interruption  | Major    | 2026-03-01 10:15:30 | --      |
+----------+---------------------------------+----------+---------------------+---------+";
    let out = parse(input);
    assert!(out.unparsed.is_empty());
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(out.events.len(), 1);
    let a = alarm(&out.events[0]);
    assert_eq!(a.id, "12010");
    assert_eq!(a.name, "Manager Heartbeat Interruption");
    assert_eq!(out.events[0].time, local("2026-03-01T10:15:30"));
    assert_eq!(out.events[0].line, 4);
}

#[test]
fn chinese_headers_with_bom() {
    let input = "\u{feff}告警ID,告警名称,级别,产生时间,清除时间,流水号,附加信息,定位信息\n\
        ALM-45640,FlinkServer主备节点间心跳中断,次要,2026-03-01 10:15:24,--,3218,对端FlinkServer IP=192.168.10.11,Source=MRS-cluster;ServiceName=Flink;RoleName=FlinkServer;HostName=mrs-master2";
    let out = parse(input);
    assert!(out.unparsed.is_empty());
    assert_eq!(out.events.len(), 1);
    let event = &out.events[0];
    let a = alarm(event);
    assert_eq!(a.id, "45640");
    assert_eq!(a.name, "FlinkServer主备节点间心跳中断");
    assert_eq!(a.severity.as_deref(), Some("Minor"));
    assert_eq!(a.serial.as_deref(), Some("3218"));
    assert_eq!(event.host.as_deref(), Some("mrs-master2"));
}

#[test]
fn gmt_offset_gives_zoned_times() {
    let input = "Alarm ID,Generated,Cleared\n\
        45640,2026-03-01 10:15:22 GMT+08:00,2026-03-01 10:21:05 GMT+08:00";
    let out = parse(input);
    let expected: DateTime<FixedOffset> = "2026-03-01T10:15:22+08:00".parse().unwrap();
    assert_eq!(out.events[0].time, LogTime::Zoned(expected));
    let cleared: DateTime<FixedOffset> = "2026-03-01T10:21:05+08:00".parse().unwrap();
    assert_eq!(out.events[1].time, LogTime::Zoned(cleared));
}

#[test]
fn quoted_field_with_comma_and_newline_spans_lines() {
    let input = "Alarm ID,Alarm Name,Generated,Cleared,Additional Information,Serial Number\n\
        45640,FlinkServer Heartbeat Interruption Between the Active and Standby Nodes,2026-03-01 10:15:22,--,\"Peer FlinkServer IP=192.168.10.12,\n\
        keepalive timeout=30s\",3217\n\
        12010,Manager Heartbeat Interruption,2026-03-01 10:15:30,--,,3219";
    let out = parse(input);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(out.events.len(), 2);
    let a = alarm(&out.events[0]);
    assert_eq!(
        a.additional_info.as_deref(),
        Some("Peer FlinkServer IP=192.168.10.12,\nkeepalive timeout=30s")
    );
    assert_eq!(a.serial.as_deref(), Some("3217"));
    assert!(out.events[0].text.ends_with("IP=192.168.10.12,"));
    assert_eq!(out.events[1].line, 4);
    assert_eq!(alarm(&out.events[1]).id, "12010");
}

#[test]
fn missing_columns_and_short_rows() {
    let input = "Alarm ID,Generated,Host Name\n45652,2026-03-01 10:17:00\n";
    let out = parse(input);
    assert_eq!(out.events.len(), 1);
    let event = &out.events[0];
    assert_eq!(event.host, None);
    assert_eq!(event.level, None);
    let a = alarm(event);
    assert_eq!(a.id, "45652");
    assert_eq!(a.name, "");
    assert_eq!(a.serial, None);
}

#[test]
fn bad_rows_warn_with_their_line_and_the_rest_is_used() {
    let input = "Alarm ID,Alarm Name,Generated,Cleared\n\
        45640,Heartbeat,yesterday,--\n\
        ,No id,2026-03-01 10:15:22,--\n\
        45641,Data sync,2026-03-01 10:16:40,soon\n\
        45652,Unavailable,2026-03-01 10:17:00,--";
    let out = parse(input);
    assert_eq!(out.warnings.len(), 3, "{:?}", out.warnings);
    assert_eq!(out.warnings[0].0, 2);
    assert!(out.warnings[0].1.contains("Generated"));
    assert!(out.warnings[0].1.contains("yesterday"));
    assert_eq!(out.warnings[1].0, 3);
    assert!(out.warnings[1].1.contains("alarm id"));
    assert_eq!(out.warnings[2].0, 4);
    assert!(out.warnings[2].1.contains("Cleared"));
    let ids: Vec<&str> = out.events.iter().map(|e| alarm(e).id.as_str()).collect();
    assert_eq!(ids, ["45641", "45652"]);
}

#[test]
fn unterminated_quote_at_end_warns() {
    let out = parse("Alarm ID,Alarm Name,Generated\n45640,\"never closed,2026-03-01 10:15:22");
    assert!(out.events.is_empty());
    assert_eq!(out.warnings.len(), 1);
    assert_eq!(out.warnings[0].0, 2);
}

#[test]
fn data_without_header_is_unparsed() {
    let out = parse("ALM-45640,FlinkServer Heartbeat,Minor,2026-03-01 10:15:22,--");
    assert_eq!(out.unparsed, [1]);
    assert!(out.events.is_empty());
}

#[test]
fn syslog_fault_line() {
    let line = "<187>Mar  1 10:15:24 mrs-master1 FusionInsight: id=45640, name=FlinkServer Heartbeat Interruption Between the Active and Standby Nodes, serialNo=3217, category=0, occurTime=2026-03-01 10:15:22 GMT+08:00, clearTime=, isAutoClear=1, locationInfo=Source=MRS-cluster;ServiceName=Flink;RoleName=FlinkServer;HostName=mrs-master1, clearType=-1, level=3, cause=The heartbeat between the active and standby FlinkServer is interrupted., additionalInfo=Local FlinkServer IP=192.168.10.11, Peer FlinkServer IP=192.168.10.12, object=FlinkServer";
    let out = parse(line);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(out.events.len(), 1);
    let event = &out.events[0];
    let expected: DateTime<FixedOffset> = "2026-03-01T10:15:22+08:00".parse().unwrap();
    assert_eq!(event.time, LogTime::Zoned(expected));
    assert_eq!(event.host.as_deref(), Some("mrs-master1"));
    let a = alarm(event);
    assert_eq!(a.id, "45640");
    assert_eq!(a.state, Some(AlarmState::Raised));
    assert_eq!(a.severity.as_deref(), Some("Minor"));
    assert_eq!(a.serial.as_deref(), Some("3217"));
    assert_eq!(a.role.as_deref(), Some("FlinkServer"));
}

#[test]
fn syslog_clear_and_event_categories() {
    let input = "\
id=45640, serialNo=3217, category=1, occurTime=2026-03-01 10:15:22, clearTime=2026-03-01 10:21:05, level=3
id=ALM-12006, serialNo=3300, category=2, occurTime=1772331322000, level=1";
    let out = parse(input);
    assert_eq!(out.events.len(), 2);
    assert_eq!(out.events[0].time, local("2026-03-01T10:21:05"));
    assert_eq!(alarm(&out.events[0]).state, Some(AlarmState::Cleared));
    assert_eq!(out.events[0].level, Some(Level::Info));
    let event = &out.events[1];
    assert_eq!(alarm(event).id, "12006");
    assert_eq!(alarm(event).state, None);
    assert_eq!(event.level, Some(Level::Fatal));
    let utc: DateTime<FixedOffset> = "2026-03-01T02:15:22+00:00".parse().unwrap();
    assert_eq!(event.time, LogTime::Zoned(utc));
}

#[test]
fn alarm_ids_and_offsets() {
    assert_eq!(alarm_id("ALM-45640").as_deref(), Some("45640"));
    assert_eq!(alarm_id(" 45640 ").as_deref(), Some("45640"));
    assert_eq!(alarm_id("ALM-"), None);
    assert_eq!(alarm_id("告警45640"), None);
    assert_eq!(utc_offset("GMT+0800"), FixedOffset::east_opt(8 * 3600));
    assert_eq!(
        utc_offset("UTC-05:30"),
        FixedOffset::east_opt(-(5 * 3600 + 1800))
    );
    assert_eq!(utc_offset("+中a"), None);
    assert_eq!(utc_offset("CST"), None);
    assert_eq!(
        alarm_time("2026/03/01 10:15:22"),
        Some(local("2026-03-01T10:15:22"))
    );
}
