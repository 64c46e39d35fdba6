//! The FlinkServer stories (`fixtures/flink-*`) told in other words: each
//! bundle is copied to a temporary folder and its key lines — the HA
//! heartbeat errors, the switch to active, the stop and shutdown lines, the
//! `Float ip … is invalid` line, the heartbeat's recovery — are rewritten in
//! sentences of our own, built from the signals' vocabulary (other thread
//! names, synonyms, word order, case), and the alarm export is kept,
//! removed altogether, converted to the other format and language, or
//! reworded. Every variant must still give the story's incident on the
//! same host, within ±10 s of the alarm's raise, with the same cause.

mod common;

use chrono::{DateTime, Utc};
use common::*;
use serde_json::Value;
use std::fs;
use std::path::Path;

/// One story: a fixture bundle and what its incident is.
struct Story {
    fixture: &'static str,
    host: &'static str,
    /// The alarm's raise, UTC.
    time: &'static str,
    cause: &'static str,
    severity: &'static str,
}

const STORIES: [Story; 4] = [
    Story {
        fixture: "flink-float-ip",
        host: "mrs-master1",
        time: "2026-03-01T10:14:58Z",
        cause: "invalid_float_ip",
        severity: "medium",
    },
    Story {
        fixture: "flink-stopped",
        host: "mrs-master1",
        time: "2026-03-04T06:02:46Z",
        cause: "process_stopped",
        severity: "medium",
    },
    Story {
        fixture: "flink-network",
        host: "mrs-master1",
        time: "2026-03-07T08:40:36Z",
        cause: "network",
        // Both nodes lost each other: split-brain risk.
        severity: "high",
    },
    Story {
        fixture: "flink-glitch",
        host: "mrs-master2",
        time: "2026-03-09T08:21:33Z",
        cause: "network",
        // Cleared (or, without the alarm export, recovered in the role
        // log) within two minutes: a short glitch.
        severity: "low",
    },
];

/// What becomes of the alarm export.
#[derive(Copy, Clone, Debug, PartialEq)]
enum Alarm {
    Keep,
    /// No alarm export at all: the logs alone must find the incident.
    Remove,
    /// CSV becomes tab-separated TXT and TXT becomes CSV; English headers
    /// become Chinese ones (with a BOM) and Chinese ones English.
    OtherFormatAndLanguage,
    /// The ALM-45640 row's name and cause in other words, its additional
    /// information in another order.
    Reworded,
}

/// How a variant writes each key line: `(thread, message)`; `{ip}` is the
/// IP the original line names.
struct Variant {
    name: &'static str,
    send: (&'static str, &'static str),
    receive: (&'static str, &'static str),
    active: (&'static str, &'static str),
    sigterm: (&'static str, &'static str),
    shutting_down: (&'static str, &'static str),
    recovered: (&'static str, &'static str),
    /// stop.log and prestart.log messages.
    stop_begin: &'static str,
    stop_done: &'static str,
    float_invalid: &'static str,
    upper_case: bool,
    alarm: Alarm,
}

const VARIANTS: [Variant; 7] = [
    Variant {
        name: "other threads and synonyms",
        send: (
            "ha-keepalive-tx-2",
            "Keepalive to peer {ip} could not be delivered: timed out",
        ),
        receive: (
            "ha-keepalive-rx",
            "Nothing arrived from peer {ip} for 30000 ms: keepalive missing",
        ),
        active: (
            "ha-state-machine",
            "Promoted to active after losing the peer",
        ),
        sigterm: (
            "signal-dispatcher",
            "Stop request received from the node agent",
        ),
        shutting_down: ("main-shutdown", "Graceful shutdown initiated"),
        recovered: ("ha-keepalive-rx", "Keepalive from peer {ip} is back"),
        stop_begin: "About to stop the FlinkServer instance.",
        stop_done: "FlinkServer instance stopped successfully.",
        float_invalid: "Floating IP address {ip} is not valid on this node.",
        upper_case: false,
        alarm: Alarm::Keep,
    },
    Variant {
        name: "other word order, alarm export in the other format and language",
        send: ("HbSend", "Peer {ip}: heartbeat send failed (no response)"),
        receive: ("HbCheck", "30 seconds without a heartbeat from peer {ip}"),
        active: ("HaRole", "Standby -> active: HA role switched"),
        sigterm: ("Signals", "SIGTERM received, FlinkServer shutting down"),
        shutting_down: ("Hook", "Shutdown hook running: stopping FlinkServer"),
        recovered: ("HbCheck", "Peer {ip}: heartbeat restored"),
        stop_begin: "FlinkServer: begin to stop.",
        stop_done: "FlinkServer has been stopped, stop.sh done.",
        float_invalid: "Invalid floating IP {ip}, no NIC in its subnet.",
        upper_case: false,
        alarm: Alarm::OtherFormatAndLanguage,
    },
    Variant {
        name: "upper case, alarm export in the other format and language",
        send: ("HA-KA-SENDER", "heartbeat send to peer {ip} failed"),
        receive: ("HA-KA-CHECK", "no heartbeat from peer {ip} in 30 s"),
        active: ("HA-STATE", "ha state: standby => active"),
        sigterm: ("SIG", "received sigterm, graceful shutdown initiated"),
        shutting_down: ("HOOK", "shutdown hook: flinkserver going down"),
        recovered: ("HA-KA-CHECK", "heartbeat from peer {ip} resumed"),
        stop_begin: "stopping flinkserver (pid from pidfile).",
        stop_done: "flinkserver stopped successfully.",
        float_invalid: "float_ip {ip} is illegal.",
        upper_case: true,
        alarm: Alarm::OtherFormatAndLanguage,
    },
    Variant {
        name: "no alarm export, partner and keep-alive",
        send: (
            "KeepAliveWorker-1",
            "Could not send keep-alive to partner {ip}: connection refused",
        ),
        receive: (
            "KeepAliveMonitor",
            "Keep-alive from partner {ip} not received for 30000 ms",
        ),
        active: ("RoleManager", "This FlinkServer is now the active node"),
        sigterm: ("SignalHandler", "Received signal 15, stop requested"),
        shutting_down: ("ShutdownThread", "Shutdown requested by the node agent"),
        recovered: (
            "KeepAliveMonitor",
            "Keep-alive from partner {ip} received again",
        ),
        stop_begin: "Going to stop FlinkServer.",
        stop_done: "Stopped FlinkServer, its pid is gone.",
        float_invalid: "Float IP {ip}: invalid, no NIC in its subnet.",
        upper_case: false,
        alarm: Alarm::Remove,
    },
    Variant {
        name: "the alarm's own text reworded, the other node",
        send: (
            "ka-sender-7",
            "heartbeat push to the other node {ip} unanswered",
        ),
        receive: (
            "ka-watchdog",
            "Other node {ip} silent: missed heartbeats for 30000 ms",
        ),
        active: ("failover", "Failover to active completed, serving jobs now"),
        sigterm: ("signals", "Initiating shutdown on SIGTERM"),
        shutting_down: ("main", "Shutting down FlinkServer services"),
        recovered: ("ka-watchdog", "Heartbeats from the other node {ip} resumed"),
        stop_begin: "Start to stop FlinkServer.",
        stop_done: "FlinkServer was stopped.",
        float_invalid: "Bad float-ip {ip} in flink.ha.floatip.",
        upper_case: false,
        alarm: Alarm::Reworded,
    },
    Variant {
        name: "no alarm export, HA and remote in mixed case",
        send: (
            "Ha-Link",
            "ha link: sending heartbeat to remote {ip} FAILED",
        ),
        receive: (
            "Ha-Link",
            "REMOTE node {ip} gave no response; HA heartbeat expired after 30 seconds",
        ),
        active: ("Ha-Role", "Took over as ACTIVE (was standby)"),
        sigterm: ("Sig-15", "kill -15 caught, shutdown hook started"),
        shutting_down: ("Sig-15", "Graceful Shutdown initiated"),
        recovered: ("Ha-Link", "HA heartbeat from REMOTE {ip} Back To Normal"),
        stop_begin: "Stop requested for FlinkServer.",
        stop_done: "Successfully stopped FlinkServer.",
        float_invalid: "floatip={ip} is wrong.",
        upper_case: false,
        alarm: Alarm::Remove,
    },
    // No alarm and no line saying how long nothing arrived: the time is
    // estimated from the first error (the last heartbeat got through
    // between the send before it and it), narrowed by the peer's stop and
    // the end of its role log.
    Variant {
        name: "no alarm export, no silence duration logged",
        send: ("hb-out", "Heartbeat delivery to standby {ip} failed"),
        receive: ("hb-in", "Heartbeat from the peer {ip} missed"),
        active: ("ha", "Switched to active"),
        sigterm: ("term", "Shutting down as requested (SIGTERM)"),
        shutting_down: ("term", "Stopping FlinkServer"),
        recovered: ("hb-in", "Heartbeat from peer {ip} re-established"),
        stop_begin: "Stop request received.",
        stop_done: "Stop FlinkServer completed.",
        float_invalid: "Float IP {ip} was rejected as unusable.",
        upper_case: false,
        alarm: Alarm::Remove,
    },
];

/// The key lines of the stories, found by what the original says.
#[derive(Copy, Clone, Debug, PartialEq)]
enum Key {
    Send,
    Receive,
    Active,
    Sigterm,
    ShuttingDown,
    Recovered,
    StopBegin,
    StopDone,
    FloatInvalid,
}

fn key_of(message: &str) -> Option<Key> {
    let m = message;
    Some(if m.starts_with("Failed to send heartbeat to peer") {
        Key::Send
    } else if m.starts_with("No heartbeat received from peer") {
        Key::Receive
    } else if m.contains("state changed from standby to active") {
        Key::Active
    } else if m.starts_with("RECEIVED SIGNAL 15") {
        Key::Sigterm
    } else if m.starts_with("FlinkServer is shutting down") {
        Key::ShuttingDown
    } else if m.starts_with("Heartbeat from peer") && m.contains("recovered") {
        Key::Recovered
    } else if m.starts_with("Begin to stop FlinkServer") {
        Key::StopBegin
    } else if m.starts_with("Stop FlinkServer success") {
        Key::StopDone
    } else if m.starts_with("Float ip ") && m.contains(" is invalid") {
        Key::FloatInvalid
    } else {
        return None;
    })
}

/// The first IPv4 address in `text`.
fn ip_in(text: &str) -> String {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find(|w| w.split('.').count() == 4 && w.split('.').all(|p| !p.is_empty()))
        .unwrap_or("")
        .to_string()
}

impl Variant {
    fn words(&self, key: Key, ip: &str) -> (Option<&'static str>, String) {
        let (thread, text) = match key {
            Key::Send => (Some(self.send.0), self.send.1),
            Key::Receive => (Some(self.receive.0), self.receive.1),
            Key::Active => (Some(self.active.0), self.active.1),
            Key::Sigterm => (Some(self.sigterm.0), self.sigterm.1),
            Key::ShuttingDown => (Some(self.shutting_down.0), self.shutting_down.1),
            Key::Recovered => (Some(self.recovered.0), self.recovered.1),
            Key::StopBegin => (None, self.stop_begin),
            Key::StopDone => (None, self.stop_done),
            Key::FloatInvalid => (None, self.float_invalid),
        };
        let text = text.replace("{ip}", ip);
        let text = if self.upper_case {
            text.to_uppercase()
        } else {
            text
        };
        (thread, text)
    }

    /// A role log line `time | LEVEL | [thread] | message | … | location`
    /// or a script log line `[time] LEVEL [script:n] message (function)`,
    /// rewritten when it is a key line; the count of rewritten lines.
    fn rewrite_line(&self, line: &str, rewritten: &mut usize) -> String {
        let fields: Vec<&str> = line.split(" | ").collect();
        if fields.len() >= 5 {
            if let Some(key) = key_of(fields[3]) {
                let (thread, text) = self.words(key, &ip_in(fields[3]));
                *rewritten += 1;
                let location = fields[fields.len() - 1];
                return format!(
                    "{} | {} | [{}] | {} | {}",
                    fields[0],
                    fields[1],
                    thread.unwrap_or("main"),
                    text,
                    location
                );
            }
            return line.to_string();
        }
        if line.starts_with('[')
            && let Some(close) = line.find("] ")
            && let Some(script_end) = line[close + 2..].find("] ").map(|i| i + close + 4)
        {
            let rest = &line[script_end..];
            let (message, function) = match rest.rfind(" (") {
                Some(at) => (&rest[..at], &rest[at..]),
                None => (rest, ""),
            };
            if let Some(key) = key_of(message) {
                let (_, text) = self.words(key, &ip_in(message));
                *rewritten += 1;
                return format!("{}{}{}", &line[..script_end], text, function);
            }
        }
        line.to_string()
    }
}

/// Splits one CSV line, with `"…"` quoting.
fn csv_cells(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(String::new()),
            _ => cells.last_mut().unwrap().push(c),
        }
    }
    cells
}

fn csv_line(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| {
            if c.contains(',') {
                format!("\"{c}\"")
            } else {
                c.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

const HEADERS: [(&str, &str); 13] = [
    ("Alarm ID", "告警ID"),
    ("Alarm Name", "告警名称"),
    ("Severity", "级别"),
    ("Generated", "产生时间"),
    ("Cleared", "清除时间"),
    ("Source", "来源"),
    ("Object", "对象"),
    ("Automatically Cleared", "自动清除"),
    ("Alarm Status", "告警状态"),
    ("Alarm Cause", "告警原因"),
    ("Serial Number", "流水号"),
    ("Additional Information", "附加信息"),
    ("Location", "定位信息"),
];

fn other_language(header: &str) -> String {
    let header = if header == "Alam Name" {
        "Alarm Name"
    } else {
        header
    };
    HEADERS
        .iter()
        .find_map(|(en, zh)| {
            if *en == header {
                Some(zh.to_string())
            } else if *zh == header {
                Some(en.to_string())
            } else {
                None
            }
        })
        .unwrap_or_else(|| header.to_string())
}

/// Rewrites the alarm export at `path` in `dir`.
fn rewrite_alarms(path: &Path, alarm: Alarm) {
    let dir = path.parent().unwrap();
    let text = fs::read_to_string(path).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let tabs = path.extension().is_some_and(|e| e == "txt");
    let mut rows: Vec<Vec<String>> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            if tabs {
                l.split('\t').map(str::to_string).collect()
            } else {
                csv_cells(l)
            }
        })
        .collect();
    match alarm {
        Alarm::Keep => {}
        Alarm::Remove => fs::remove_file(path).unwrap(),
        Alarm::OtherFormatAndLanguage => {
            let chinese = rows[0][0] == "告警ID";
            for cell in rows[0].iter_mut() {
                *cell = other_language(cell);
            }
            fs::remove_file(path).unwrap();
            let bom = if chinese { "" } else { "\u{feff}" };
            let (name, body) = if tabs {
                (
                    "alarms.csv",
                    rows.iter().map(|r| csv_line(r)).collect::<Vec<_>>(),
                )
            } else {
                ("alarms.txt", rows.iter().map(|r| r.join("\t")).collect())
            };
            fs::write(dir.join(name), format!("{bom}{}\n", body.join("\n"))).unwrap();
        }
        Alarm::Reworded => {
            for row in rows.iter_mut().skip(1) {
                if row[0].ends_with("45640") {
                    row[1] = "Active/standby FlinkServer heartbeat lost".into();
                    row[9] = "The peer FlinkServer sent no heartbeat within the keepalive (30 s)."
                        .into();
                    // `Peer …; Local …`: the IPs in another order and form.
                    let info: Vec<&str> = row[11].split(", ").collect();
                    row[11] = info.iter().rev().cloned().collect::<Vec<_>>().join("; ");
                }
            }
            let body: Vec<String> = rows
                .iter()
                .map(|r| if tabs { r.join("\t") } else { csv_line(r) })
                .collect();
            let bom = if rows[0][0] == "告警ID" {
                "\u{feff}"
            } else {
                ""
            };
            fs::write(path, format!("{bom}{}\n", body.join("\n"))).unwrap();
        }
    }
}

/// The story's bundle told by `variant`, in a temporary folder, and how
/// many key lines were rewritten.
fn tell(story: &Story, variant: &Variant) -> (tempfile::TempDir, usize) {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture(story.fixture), dir.path());
    let mut rewritten = 0;
    for path in files_under(dir.path()) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("alarms.") {
            rewrite_alarms(&path, variant.alarm);
        } else if ["flinkserver.log", "prestart.log", "stop.log"].contains(&name.as_str()) {
            let text = fs::read_to_string(&path).unwrap();
            let lines: Vec<String> = text
                .lines()
                .map(|l| variant.rewrite_line(l, &mut rewritten))
                .collect();
            fs::write(&path, lines.join("\n") + "\n").unwrap();
        }
    }
    (dir, rewritten)
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

fn seconds_between(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (a - b).num_milliseconds() as f64 / 1000.0
}

#[test]
fn every_flinkserver_story_holds_in_other_words() {
    let mut run = 0;
    let mut failures = Vec::new();
    for story in &STORIES {
        for variant in &VARIANTS {
            let (dir, rewritten) = tell(story, variant);
            assert!(
                rewritten >= 3,
                "{} / {}: only {rewritten} key lines rewritten",
                story.fixture,
                variant.name
            );
            let report = analyze_json(dir.path(), &[]);
            run += 1;
            let found: Vec<&Value> = incidents(&report)
                .iter()
                .filter(|i| i["kind"] == "flink_ha_heartbeat")
                .collect();
            let label = format!("{} / {}", story.fixture, variant.name);
            if report["clock_skews"] != serde_json::json!([]) {
                failures.push(format!("{label}: clock skews {}", report["clock_skews"]));
            }
            let [incident] = found.as_slice() else {
                failures.push(format!("{label}: {} incidents", found.len()));
                continue;
            };
            let off = seconds_between(time(&incident["time"]), story.time.parse().unwrap());
            let cause = &incident["root_causes"][0]["cause"];
            let routes = incident["found_by"].as_array().unwrap();
            let alarm_route = routes.iter().any(|r| r == "alarm");
            let log_route = routes.iter().any(|r| r != "alarm");
            let mut wrong = Vec::new();
            if incident["host"] != story.host {
                wrong.push(format!("host {}", incident["host"]));
            }
            if off.abs() > 10.0 {
                wrong.push(format!("time {} ({off:+.1} s)", incident["time"]));
            }
            if cause != story.cause {
                wrong.push(format!("cause {cause}"));
            }
            if incident["severity"] != story.severity {
                wrong.push(format!("severity {}", incident["severity"]));
            }
            if alarm_route != (variant.alarm != Alarm::Remove) {
                wrong.push(format!("found_by {routes:?}"));
            }
            if !log_route {
                wrong.push(format!("no log route in {routes:?}"));
            }
            println!(
                "{label}: {} at {} ({off:+.1} s), {cause}, found by {routes:?}, {rewritten} lines rewritten",
                incident["host"], incident["time"]
            );
            if !wrong.is_empty() {
                failures.push(format!("{label}: {}", wrong.join(", ")));
            }
        }
    }
    println!("{run} variants run");
    assert_eq!(run, STORIES.len() * VARIANTS.len());
    assert_eq!(run, 28);
    assert!(failures.is_empty(), "{failures:#?}");
}
