//! The dialects on logs a real spy wrote around a real PostgreSQL
//! (`tests/data/jdbc-spy/`, made by `examples/jdbc_spy/make-spy.sh`), and on
//! the inputs a parser must survive.

use super::*;
use crate::parse::testing::{Collect, run};

const DATADIRECT: &str = include_str!("../../../fixtures/db-slow/infagw01/logs/node01/spy.log");
const TIMESTAMP_ONLY: &str = include_str!("../../../tests/data/jdbc-spy/spy-timestamp.log");
const THREAD_ONLY: &str = include_str!("../../../tests/data/jdbc-spy/spy-tname.log");
const PLAIN: &str = include_str!("../../../tests/data/jdbc-spy/spy-plain.log");
const JAVA_DATE: &str = include_str!("../../../tests/data/jdbc-spy/spy-javadate.log");
const P6SPY: &str = include_str!("../../../tests/data/jdbc-spy/p6spy.log");
const P6SPY_NO_URL: &str = include_str!("../../../tests/data/jdbc-spy/p6spy-nourl.log");
const LOG4JDBC: &str = include_str!("../../../tests/data/jdbc-spy/log4jdbc.log");

fn calls(sink: &Collect) -> Vec<&DbCall> {
    sink.events
        .iter()
        .map(|e| match &e.kind {
            EventKind::DbCall(c) => c.as_ref(),
            other => panic!("not a db call: {other:?}"),
        })
        .collect()
}

/// The heartbeat UPDATEs' latencies, rounded to the second.
fn heartbeat_seconds(sink: &Collect) -> Vec<i64> {
    calls(sink)
        .iter()
        .filter(|c| c.verb.as_deref() == Some("UPDATE"))
        .map(|c| (c.latency_ms.expect("timed") / 1000.0).round() as i64)
        .collect()
}

const SERIES: [i64; 9] = [0, 0, 0, 0, 0, 3, 9, 20, 34];

#[test]
fn datadirect_with_timestamp_and_thread_pairs_calls_across_threads() {
    let sink = run(JdbcSpyParser::new(), DATADIRECT);
    assert!(sink.warnings.is_empty(), "{:?}", sink.warnings);
    assert_eq!(heartbeat_seconds(&sink), SERIES);
    let all = calls(&sink);
    let slowest = all
        .iter()
        .max_by(|a, b| a.latency_ms.partial_cmp(&b.latency_ms).unwrap())
        .unwrap();
    assert_eq!(slowest.thread.as_deref(), Some("Master Elect Data Writer"));
    assert_eq!(slowest.method.as_deref(), Some("executeUpdate"));
    assert_eq!(slowest.table.as_deref(), Some("ISP_MASTER_ELECT"));
    assert_eq!(
        slowest.sql,
        "UPDATE ISP_MASTER_ELECT SET HEARTBEAT_TIME = ?, MASTER_NODE = ? WHERE DOMAIN_NAME = ?"
    );
    let repeat = slowest.repeat.expect("the heartbeat repeats");
    assert_eq!(repeat.before, 8);
    assert!((7_990.0..8_100.0).contains(&repeat.gap_ms), "{repeat:?}");
    let event = sink
        .events
        .iter()
        .find(|e| matches!(&e.kind, EventKind::DbCall(c) if c.as_ref() == *slowest))
        .unwrap();
    assert_eq!(event.line, 315);
    assert!(
        event.text.starts_with(
            "PreparedStatement[14].executeUpdate() [Master Elect Data Writer] OK after 34.0"
        ),
        "{}",
        event.text
    );
}

#[test]
fn a_multi_line_sql_argument_is_joined_and_the_error_result_kept() {
    let sink = run(JdbcSpyParser::new(), DATADIRECT);
    let all = calls(&sink);
    assert!(all.iter().any(|c| c.sql
        == "SELECT NODE_NAME, HOST_NAME, PORT FROM ISP_NODE_CONFIG WHERE DOMAIN_NAME = ?"
        && c.thread.as_deref() == Some("Config Reader")));
    let failed: Vec<_> = all.iter().filter(|c| c.error.is_some()).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].error.as_deref(),
        Some(
            "org.postgresql.util.PSQLException: ERROR: relation \"isp_node_state\" does not exist"
        )
    );
    assert_eq!(failed[0].table.as_deref(), Some("ISP_NODE_STATE"));
}

#[test]
fn datadirect_with_timestamp_only_times_calls_without_threads() {
    let sink = run(JdbcSpyParser::new(), TIMESTAMP_ONLY);
    assert!(sink.warnings.is_empty(), "{:?}", sink.warnings);
    assert_eq!(heartbeat_seconds(&sink), SERIES);
    assert!(calls(&sink).iter().all(|c| c.thread.is_none()));
}

#[test]
fn datadirect_without_timestamps_warns_once_and_places_nothing() {
    for input in [THREAD_ONLY, PLAIN] {
        let sink = run(JdbcSpyParser::new(), input);
        assert!(sink.events.is_empty());
        assert_eq!(sink.warnings.len(), 1, "{:?}", sink.warnings);
        assert!(sink.warnings[0].1.contains("timestamp=yes"));
    }
}

#[test]
fn datadirect_pairs_calls_without_timestamps_with_no_latency() {
    let mut reader = datadirect::Reader::default();
    let mut finished = Vec::new();
    let mut sink = Collect::default();
    for (i, line) in THREAD_ONLY.lines().enumerate() {
        match datadirect::split(line) {
            Some(spy) => reader.line(&spy, i as u64 + 1, &mut finished, &mut sink),
            None => reader.continuation(line),
        }
    }
    let updates: Vec<_> = finished
        .iter()
        .filter(|c| c.sql.starts_with("UPDATE ISP_MASTER_ELECT"))
        .collect();
    assert_eq!(updates.len(), 9);
    assert!(
        updates
            .iter()
            .all(|c| c.latency_ms.is_none() && c.start.is_none())
    );
    assert!(
        updates
            .iter()
            .all(|c| c.thread.as_deref() == Some("Master Elect Data Writer"))
    );
}

#[test]
fn java_date_timestamps_time_calls_to_the_second() {
    let sink = run(JdbcSpyParser::new(), JAVA_DATE);
    assert!(sink.warnings.is_empty(), "{:?}", sink.warnings);
    let seconds = heartbeat_seconds(&sink);
    assert_eq!(seconds.len(), 9);
    for (got, want) in seconds.iter().zip(SERIES) {
        assert!((got - want).abs() <= 1, "{seconds:?}");
    }
    assert!(matches!(sink.events[0].time, LogTime::Zoned(_)));
}

#[test]
fn spy_lines_inside_a_node_stdout_take_the_header_time() {
    let input = "\
2026-03-12 10:15:27,352 INFO  [stdout] spy(Master Elect Data Writer)>> PreparedStatement[14].executeUpdate()
2026-03-12 10:15:30,000 INFO  [Domain Monitor] [DOM_10115] Received the heartbeat from node [node03].
2026-03-12 10:16:01,356 INFO  [stdout] spy(Master Elect Data Writer)>> *** java.sql.SQLException: [informatica][Oracle JDBC Driver][Oracle]ORA-00054: resource busy and acquire with NOWAIT specified
";
    let sink = run(JdbcSpyParser::new(), input);
    let all = calls(&sink);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].latency_ms, Some(34_004.0));
    assert!(
        all[0]
            .error
            .as_deref()
            .unwrap()
            .starts_with("java.sql.SQLException: [informatica][Oracle JDBC Driver]")
    );
    assert_eq!(sink.events[0].level, Some(Level::Error));
}

#[test]
fn thread_before_time_in_brackets_is_read_too() {
    let input = "\
spy[Master Elect Data Writer][2026-03-12 10:15:27.352]>> Statement[2].executeUpdate(String sql)
spy[Master Elect Data Writer][2026-03-12 10:15:27.352]>> sql = UPDATE PO_DOMAIN_MASTER SET TS = 1
spy[Master Elect Data Writer][2026-03-12 10:15:29.852]>> OK (1)
";
    let sink = run(JdbcSpyParser::new(), input);
    let all = calls(&sink);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].thread.as_deref(), Some("Master Elect Data Writer"));
    assert_eq!(all[0].latency_ms, Some(2_500.0));
    assert_eq!(all[0].table.as_deref(), Some("PO_DOMAIN_MASTER"));
}

#[test]
fn an_unfinished_statement_at_the_end_is_warned_with_its_line() {
    let input = "\
spy(2026-03-12 10:15:27.352)(Master Elect Data Writer)>> PreparedStatement[14].executeUpdate()
spy(2026-03-12 10:15:28.000)(Config Reader)>> Connection[2].commit()
spy(2026-03-12 10:15:28.001)(Config Reader)>> OK
";
    let sink = run(JdbcSpyParser::new(), input);
    assert_eq!(calls(&sink).len(), 1);
    assert_eq!(sink.warnings.len(), 1);
    assert_eq!(sink.warnings[0].0, 1);
    assert!(
        sink.warnings[0].1.contains("still running"),
        "{:?}",
        sink.warnings
    );
}

#[test]
fn p6spy_with_and_without_the_url_field() {
    for input in [P6SPY, P6SPY_NO_URL] {
        let sink = run(JdbcSpyParser::new(), input);
        assert!(sink.warnings.is_empty(), "{:?}", sink.warnings);
        assert_eq!(heartbeat_seconds(&sink), SERIES);
        let all = calls(&sink);
        assert_eq!(
            all.iter()
                .filter(|c| c.verb.as_deref() == Some("COMMIT"))
                .count(),
            9
        );
        assert_eq!(all.iter().filter(|c| c.error.is_some()).count(), 1);
        let last_update = all
            .iter()
            .rfind(|c| c.verb.as_deref() == Some("UPDATE"))
            .unwrap();
        assert_eq!(last_update.connection.as_deref(), Some("connection 1"));
        assert_eq!(last_update.repeat.map(|r| r.before), Some(8));
        assert_eq!(last_update.logged_at, LoggedAt::End);
    }
}

#[test]
fn p6spy_places_a_statement_at_its_start() {
    let sink = run(
        JdbcSpyParser::new(),
        "1773310561356|34004|statement|connection 1|UPDATE T SET A = ?|UPDATE T SET A = 1",
    );
    let start = chrono::DateTime::from_timestamp_millis(1_773_310_561_356 - 34_004).unwrap();
    assert_eq!(sink.events[0].time, LogTime::Zoned(start.fixed_offset()));
}

#[test]
fn log4jdbc_multi_line_statements_and_failures() {
    let sink = run(JdbcSpyParser::new(), LOG4JDBC);
    assert!(sink.warnings.is_empty(), "{:?}", sink.warnings);
    assert_eq!(heartbeat_seconds(&sink), SERIES);
    let all = calls(&sink);
    assert!(all.iter().any(|c| c.sql
        == "SELECT NODE_NAME, HOST_NAME, PORT FROM ISP_NODE_CONFIG WHERE DOMAIN_NAME = 'Domain_Prod'"
        && c.thread.as_deref() == Some("Config Reader")));
    let failed: Vec<_> = all.iter().filter(|c| c.error.is_some()).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].error.as_deref(),
        Some(
            "org.postgresql.util.PSQLException: ERROR: relation \"isp_node_state\" does not exist"
        )
    );
    let update = all
        .iter()
        .rfind(|c| c.verb.as_deref() == Some("UPDATE"))
        .unwrap();
    assert_eq!(update.thread.as_deref(), Some("Master Elect Data Writer"));
    assert_eq!(
        update.repeat.map(|r| r.before),
        Some(8),
        "literals differ, the shape does not"
    );
}

#[test]
fn a_log4jdbc_statement_without_its_timing_mark_is_warned() {
    let input = "2026-03-12 10:15:27,352 INFO  [main] jdbc.sqltiming - 1. SELECT 1\n  FROM dual\n";
    let sink = run(JdbcSpyParser::new(), input);
    assert!(sink.events.is_empty());
    assert_eq!(sink.warnings.len(), 1);
    assert_eq!(sink.warnings[0].0, 1);
}

#[test]
fn garbage_binary_and_truncated_lines_are_survived() {
    let input = "\u{0}\u{1}\u{7f}spy>>\nspy(>> \nspy((((>>\nspy(2026-99-99 10:00:00)>> OK (\n\
1773310561356|x|statement|connection 1|\n17733|5|statement|connection|q\n\
2026-03-12 10:15:27,352 INFO [t] jdbc.sqltiming - {executed in -5 msec}\n\
spy(2026-03-12 10:15:27.352)(t)>> PreparedStatement[1].executeUpdate(\n\u{fffd}\u{fffd}";
    let sink = run(JdbcSpyParser::new(), input);
    assert!(sink.events.is_empty(), "{:?}", sink.events);
}

#[test]
fn detection_sees_each_dialect() {
    assert!(is_spy_line("spy>> Connection[1].getMetaData()"));
    assert!(is_spy_line(DATADIRECT.lines().next().unwrap()));
    assert!(is_p6spy_line(P6SPY.lines().next().unwrap()));
    assert!(is_p6spy_line(P6SPY_NO_URL.lines().next().unwrap()));
    assert!(is_sqltiming_line(LOG4JDBC.lines().next().unwrap()));
    assert!(!is_spy_line(
        "2026-03-12 10:15:00,000 INFO  [main] p6spy loaded"
    ));
    assert!(!is_p6spy_line("a|b|c|d|e"));
}
