//! The paraphrase suite: every Informatica incident story in `fixtures/`,
//! told again with its key lines rewritten — other codes, other thread
//! names, synonyms, another word order, another case, no code at all, the
//! anchor line removed — must give the same incident on the same host at
//! the same time (±10 s) with the same verdict, and no other incident.
//!
//! The rewritten lines are our own, written from the vocabulary of the
//! Informatica heartbeat design note (master gateway, domain configuration
//! database or repository, DB heartbeat, master election row, node
//! heartbeat, marked dead or inactive), not edited from the samples the
//! signals ship: they test how far the signals generalise.

mod common;

use common::{analyze_json, fixture, incidents};
use serde_json::Value;
use std::fs;
use std::path::Path;

/// What a key line of a story means.
#[derive(Copy, Clone, Debug, PartialEq)]
enum Meaning {
    Terminated,
    DbHeartbeatFailed,
    SendFailed,
    MarkedDead,
    Elected,
    ShutdownRequested,
    Reconnected,
    ToldMarkedDead,
}

/// The story lines are found by the codes our fixtures use; what a variant
/// writes instead is the point of the test.
const KEY_CODES: [(&str, Meaning); 9] = [
    ("DOM_10094", Meaning::Terminated),
    ("DOM_10162", Meaning::DbHeartbeatFailed),
    ("DOM_10025", Meaning::SendFailed),
    ("DOM_10065", Meaning::MarkedDead),
    ("DOM_10034", Meaning::Elected),
    ("SPC_10015", Meaning::ShutdownRequested),
    ("DOM_10135", Meaning::Reconnected),
    ("DOM_10071", Meaning::Reconnected),
    ("DOM_10070", Meaning::ToldMarkedDead),
];

/// Two rewordings of each meaning: `{node}` is the node the line names.
fn rewording(meaning: Meaning, reordered: bool) -> &'static str {
    match (meaning, reordered) {
        (Meaning::Terminated, false) => {
            "The master node gives up its role: the domain configuration repository could not be updated before the timeout expired. Terminating the node process."
        }
        (Meaning::Terminated, true) => {
            "Shutting down: within the timeout period the domain configuration database could not be updated by the master gateway node."
        }
        (Meaning::DbHeartbeatFailed, false) => {
            "Database heartbeat failure: unable to refresh the master election data in the domain repository."
        }
        (Meaning::DbHeartbeatFailed, true) => {
            "Updating the election row in the domain configuration database failed with an exception."
        }
        (Meaning::SendFailed, false) => {
            "Unable to deliver the node heartbeat to the master gateway; searching for the master again."
        }
        (Meaning::SendFailed, true) => {
            "Heartbeat messages to the master gateway node could not be sent by this node."
        }
        (Meaning::MarkedDead, false) => {
            "Node {node} is considered dead: no heartbeat was received from it within the resilience timeout of 90 seconds."
        }
        (Meaning::MarkedDead, true) => {
            "No heartbeat from node {node} within 90 seconds; marking the node and its services inactive."
        }
        (Meaning::Elected, false) => {
            "Node {node} has taken over as the master gateway of the domain."
        }
        (Meaning::Elected, true) => "The master gateway of the domain is now node {node}.",
        (Meaning::ShutdownRequested, false) => {
            "Shutdown requested for this node; stopping all services."
        }
        (Meaning::ShutdownRequested, true) => {
            "Stopping the node because a request to shut it down was received."
        }
        (Meaning::Reconnected, false) => "Connection to the master gateway node {node} restored.",
        (Meaning::Reconnected, true) => "The master gateway node {node} can be reached again.",
        (Meaning::ToldMarkedDead, false) => {
            "The master gateway told this node that it has been marked inactive. Restarting the node services."
        }
        (Meaning::ToldMarkedDead, true) => {
            "Marked unavailable by the master gateway node: this node restarts its services."
        }
    }
}

/// Thread names another Informatica version might use.
fn other_thread(thread: &str) -> String {
    match thread {
        "Master Elect Data Writer" => "MasterElectionWriter-1".into(),
        "Master Elect" => "MasterElection".into(),
        "Domain Monitor" => "NodeHeartbeatThread-2".into(),
        "main" => "Thread-7".into(),
        other => format!("{}-worker", other.replace(' ', "")),
    }
}

/// A code of another message catalogue for the same message.
fn other_code(code: &str) -> String {
    let number: u32 = code
        .rsplit('_')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    format!("ISP_{}", 90_000 - number)
}

#[derive(Copy, Clone, Debug, PartialEq)]
enum Code {
    Keep,
    Other,
    Drop,
}

#[derive(Copy, Clone, Debug, PartialEq)]
enum Text {
    Keep,
    Synonyms,
    Reordered,
    Upper,
    Lower,
}

/// One way of telling every story again.
#[derive(Copy, Clone, Debug)]
struct Variant {
    name: &'static str,
    code: Code,
    other_threads: bool,
    text: Text,
    drop_anchor: bool,
}

const VARIANTS: [Variant; 9] = [
    Variant {
        name: "other codes",
        code: Code::Other,
        other_threads: false,
        text: Text::Keep,
        drop_anchor: false,
    },
    Variant {
        name: "other thread names",
        code: Code::Keep,
        other_threads: true,
        text: Text::Keep,
        drop_anchor: false,
    },
    Variant {
        name: "synonyms, no code",
        code: Code::Drop,
        other_threads: false,
        text: Text::Synonyms,
        drop_anchor: false,
    },
    Variant {
        name: "other word order, no code",
        code: Code::Drop,
        other_threads: false,
        text: Text::Reordered,
        drop_anchor: false,
    },
    Variant {
        name: "upper case, other codes",
        code: Code::Other,
        other_threads: false,
        text: Text::Upper,
        drop_anchor: false,
    },
    Variant {
        name: "lower case, no code",
        code: Code::Drop,
        other_threads: false,
        text: Text::Lower,
        drop_anchor: false,
    },
    Variant {
        name: "no code at all",
        code: Code::Drop,
        other_threads: false,
        text: Text::Keep,
        drop_anchor: false,
    },
    Variant {
        name: "anchor line removed",
        code: Code::Keep,
        other_threads: false,
        text: Text::Keep,
        drop_anchor: true,
    },
    Variant {
        name: "reworded, other threads, no code, no anchor",
        code: Code::Drop,
        other_threads: true,
        text: Text::Synonyms,
        drop_anchor: true,
    },
];

/// A log4j record's first line, split.
struct Header<'a> {
    stamp: &'a str,
    level: &'a str,
    thread: &'a str,
    code: &'a str,
    message: &'a str,
}

fn header(line: &str) -> Option<Header<'_>> {
    let stamp = line.get(..23)?;
    let rest = line.get(24..)?;
    let (level, rest) = rest.split_once(' ')?;
    let rest = rest.trim_start().strip_prefix('[')?;
    let (thread, rest) = rest.split_once("] ")?;
    let rest = rest.strip_prefix('[')?;
    let (code, message) = rest.split_once("] ")?;
    Some(Header {
        stamp,
        level,
        thread,
        code,
        message,
    })
}

fn meaning_of(code: &str) -> Option<Meaning> {
    KEY_CODES.iter().find(|(c, _)| *c == code).map(|(_, m)| *m)
}

/// The node a line names: `[node03]`, or a last word like `node01.`.
fn named_node(message: &str) -> String {
    if let Some((_, rest)) = message.split_once('[')
        && let Some((node, _)) = rest.split_once(']')
    {
        return node.to_string();
    }
    message
        .split_whitespace()
        .last()
        .unwrap_or("")
        .trim_end_matches('.')
        .to_string()
}

fn is_anchor(meaning: Meaning) -> bool {
    matches!(meaning, Meaning::Terminated | Meaning::MarkedDead)
}

/// The rewritten `[CODE] message` tail of a key line.
fn retold(variant: &Variant, meaning: Meaning, code: &str, message: &str) -> String {
    let text = match variant.text {
        Text::Keep => message.to_string(),
        Text::Synonyms | Text::Reordered => rewording(meaning, variant.text == Text::Reordered)
            .replace("{node}", &named_node(message)),
        Text::Upper => message.to_uppercase(),
        Text::Lower => message.to_lowercase(),
    };
    match variant.code {
        Code::Keep => format!("[{code}] {text}"),
        Code::Other => format!("[{}] {text}", other_code(code)),
        Code::Drop => text,
    }
}

/// Rewrites one Informatica log; continuation lines that repeat a key
/// record's code and message (exceptions.log) are rewritten alike.
fn retell_log(text: &str, variant: &Variant) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dropping = false;
    let mut current: Option<(Meaning, String, String)> = None;
    for line in text.lines() {
        if let Some(h) = header(line) {
            dropping = false;
            current = None;
            if let Some(meaning) = meaning_of(h.code) {
                if variant.drop_anchor && is_anchor(meaning) {
                    dropping = true;
                    continue;
                }
                let thread = if variant.other_threads {
                    other_thread(h.thread)
                } else {
                    h.thread.to_string()
                };
                let tail = retold(variant, meaning, h.code, h.message);
                out.push_str(&format!("{} {} [{thread}] {tail}\n", h.stamp, h.level));
                current = Some((meaning, h.code.to_string(), h.message.to_string()));
                continue;
            }
        } else if dropping {
            continue;
        } else if let Some((meaning, code, message)) = &current {
            let original = format!("[{code}] {message}");
            if line.contains(&original) {
                let tail = retold(variant, *meaning, code, message);
                out.push_str(&line.replace(&original, &tail));
                out.push('\n');
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn is_informatica_log(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == "node.log" || name == "exceptions.log"
}

/// Copies `from` to `to`, retelling the Informatica logs in it.
fn copy_retold(from: &Path, to: &Path, variant: &Variant) {
    fs::create_dir_all(to).unwrap();
    let mut entries: Vec<_> = fs::read_dir(from).unwrap().map(|e| e.unwrap()).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_retold(&src, &dst, variant);
        } else if is_informatica_log(&src) {
            let text = fs::read_to_string(&src).unwrap();
            fs::write(&dst, retell_log(&text, variant)).unwrap();
        } else {
            fs::copy(&src, &dst).unwrap();
        }
    }
}

/// An incident a story must keep.
struct Expected {
    kind: &'static str,
    host: &'static str,
    cause: &'static str,
}

struct Story {
    fixture: &'static str,
    flags: &'static [&'static str],
    expected: &'static [Expected],
    /// Whether anything but the anchor line tells of the incident: a story
    /// whose only witness is the master's line has nothing left once that
    /// line is gone, and then must report no incident at all.
    second_witness: bool,
    /// How far the failing node's clock runs behind the master's (s): a
    /// time estimated from the node's side is off by that much too.
    skew_s: i64,
}

const STORIES: [Story; 10] = [
    Story {
        fixture: "db-outage",
        flags: &[],
        expected: &[Expected {
            kind: "master_db_timeout",
            host: "infagw01",
            cause: "db_unavailable",
        }],
        second_witness: true,
        skew_s: 0,
    },
    Story {
        fixture: "gc-master",
        flags: &[],
        expected: &[Expected {
            kind: "master_db_timeout",
            host: "infagw01",
            cause: "gc_pause",
        }],
        second_witness: true,
        skew_s: 0,
    },
    Story {
        fixture: "starved-master",
        flags: &[],
        expected: &[Expected {
            kind: "master_db_timeout",
            host: "infagw01",
            cause: "starvation",
        }],
        second_witness: true,
        skew_s: 0,
    },
    Story {
        fixture: "starved-master-novmstat",
        flags: &[],
        expected: &[Expected {
            kind: "master_db_timeout",
            host: "infagw01",
            cause: "starvation",
        }],
        second_witness: true,
        skew_s: 0,
    },
    Story {
        fixture: "gc-worker",
        flags: &[],
        expected: &[Expected {
            kind: "node_marked_dead",
            host: "infawk01",
            cause: "gc_pause",
        }],
        second_witness: true,
        skew_s: 0,
    },
    Story {
        fixture: "gc-worker-long-full-gc",
        flags: &[],
        expected: &[Expected {
            kind: "node_marked_dead",
            host: "infawk01",
            cause: "gc_pause",
        }],
        second_witness: true,
        skew_s: 25,
    },
    Story {
        fixture: "gc-short-pauses",
        flags: &[],
        expected: &[Expected {
            kind: "node_marked_dead",
            host: "infawk01",
            cause: "process_stopped",
        }],
        second_witness: true,
        skew_s: 0,
    },
    Story {
        fixture: "network-partition",
        flags: &["--tz", "+08:00", "--host-tz", "infawk01=+05:30"],
        expected: &[Expected {
            kind: "node_marked_dead",
            host: "infawk01",
            cause: "network",
        }],
        second_witness: true,
        skew_s: 0,
    },
    Story {
        fixture: "process-stopped",
        flags: &[],
        expected: &[
            Expected {
                kind: "node_marked_dead",
                host: "infawk04",
                cause: "process_stopped",
            },
            Expected {
                kind: "node_marked_dead",
                host: "infawk05",
                cause: "process_stopped",
            },
        ],
        second_witness: true,
        skew_s: 0,
    },
    Story {
        fixture: "unexplained",
        flags: &[],
        expected: &[Expected {
            kind: "node_marked_dead",
            host: "infawk01",
            cause: "unknown",
        }],
        second_witness: false,
        skew_s: 0,
    },
];

fn time_of(incident: &Value) -> chrono::DateTime<chrono::Utc> {
    incident["time"].as_str().unwrap().parse().unwrap()
}

fn find<'r>(report: &'r Value, want: &Expected) -> Option<&'r Value> {
    incidents(report)
        .iter()
        .find(|i| i["kind"] == want.kind && i["host"] == want.host)
}

/// How far the incident's time may move. Without the master's line, when
/// a node was marked dead can only be estimated from the node's side: the
/// master marks it 90 s after the last heartbeat it received, and the
/// node's logs (its last line, the pause that froze it, its first failed
/// heartbeat) place that heartbeat only within one 15 s interval.
fn tolerance_ms(story: &Story, variant: &Variant, want: &Expected) -> i64 {
    if variant.drop_anchor && want.kind == "node_marked_dead" {
        10_000 + 15_000 + story.skew_s * 1000
    } else {
        10_000
    }
}

/// Checks one story told one way; returns what went wrong, if anything.
fn check(story: &Story, variant: &Variant, original: &Value) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join(story.fixture);
    copy_retold(&fixture(story.fixture), &bundle, variant);
    let report = analyze_json(&bundle, story.flags);
    let said = |what: String| Err(format!("{} / {}: {what}", story.fixture, variant.name));
    if variant.drop_anchor && !story.second_witness {
        let left = incidents(&report).len();
        let before = incidents(original).len() - story.expected.len();
        return if left == before {
            Ok(())
        } else {
            said(format!(
                "{left} incident(s) with nothing left to tell of it"
            ))
        };
    }
    for want in story.expected {
        let was = find(original, want).expect("the original story has the incident");
        let Some(got) = find(&report, want) else {
            return said(format!("no {} on {}", want.kind, want.host));
        };
        let drift = (time_of(got) - time_of(was)).num_milliseconds().abs();
        if drift > tolerance_ms(story, variant, want) {
            return said(format!(
                "{} on {} at {} instead of {}",
                want.kind, want.host, got["time"], was["time"]
            ));
        }
        let cause = &got["root_causes"][0]["cause"];
        if cause != want.cause {
            return said(format!(
                "{} on {} is {cause}, not {}",
                want.kind, want.host, want.cause
            ));
        }
    }
    if report["clock_skews"] != original["clock_skews"] {
        return said(format!("clock skews {} appear", report["clock_skews"]));
    }
    let (got, was) = (incidents(&report).len(), incidents(original).len());
    if got != was {
        let kinds: Vec<String> = incidents(&report)
            .iter()
            .map(|i| format!("{} {} {}", i["kind"], i["host"], i["time"]))
            .collect();
        return said(format!("{got} incidents instead of {was}: {kinds:?}"));
    }
    Ok(())
}

#[test]
fn every_story_holds_when_told_in_other_words() {
    let mut failures = Vec::new();
    let mut runs = 0;
    for story in &STORIES {
        let original = analyze_json(&fixture(story.fixture), story.flags);
        for want in story.expected {
            let incident = find(&original, want).expect("the fixture tells its story");
            assert_eq!(incident["root_causes"][0]["cause"], want.cause);
        }
        let outcomes: Vec<Result<(), String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = VARIANTS
                .iter()
                .map(|variant| scope.spawn(|| check(story, variant, &original)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        runs += outcomes.len();
        failures.extend(outcomes.into_iter().filter_map(Result::err));
    }
    assert_eq!(runs, STORIES.len() * VARIANTS.len());
    assert!(
        failures.is_empty(),
        "{} of {runs} retold stories failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("{runs} retold stories held");
}

#[test]
fn retelling_changes_the_key_lines_and_nothing_else() {
    let line = "2026-03-12 10:15:50,410 FATAL [Master Elect Data Writer] [DOM_10094] The master gateway node could not update the domain configuration database within the timeout period. The node will shut down.";
    let noise = "2026-03-12 10:15:51,002 INFO  [qtp-1] [ADMINCONSOLE_10000] User logged in.";
    let text = format!("{line}\n{noise}\n");
    let retold = retell_log(&text, &VARIANTS[2]);
    assert!(!retold.contains("DOM_10094"), "{retold}");
    assert!(retold.contains("gives up its role"), "{retold}");
    assert!(retold.ends_with(&format!("{noise}\n")), "{retold}");
    let dropped = retell_log(&text, &VARIANTS[7]);
    assert_eq!(dropped, format!("{noise}\n"));
    assert_eq!(other_code("DOM_10094"), "ISP_79906");
}
