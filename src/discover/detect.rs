//! What kind of file is this? A guess from the name, confirmed (or
//! overruled) by the first lines. Adding an input format means adding one
//! entry to [`KINDS`].

use crate::model::{Level, SourceKind};
use crate::parse::jdbc_spy;
use crate::parse::time::local_datetime_prefix;
use regex::Regex;
use std::sync::LazyLock;

/// How many leading lines the sniffers look at.
pub const SNIFF_LINES: usize = 40;

/// How one kind is recognised.
struct KindSpec {
    kind: SourceKind,
    /// Does a (lowercased, compression-stripped) file name say this kind?
    named: fn(&str) -> bool,
    /// Does this line look like this kind? Used to confirm a name.
    looks_like: fn(&str) -> bool,
    /// Is this line distinctive enough to claim a file with no telling name?
    claims: fn(&str) -> bool,
    /// Whether the name is only a hint that any other kind's content
    /// overrules (`*.out` holds whatever a process printed).
    weak_name: bool,
}

static KINDS: &[KindSpec] = &[
    // First: a capture's name says what it is whatever words it holds
    // (`gc-pause.pcap`), and its content is binary, told by its magic.
    KindSpec {
        kind: SourceKind::PacketCapture,
        named: is_capture_name,
        looks_like: |_| false,
        claims: |_| false,
        weak_name: false,
    },
    KindSpec {
        kind: SourceKind::ThreadDump,
        named: |n| {
            [
                "jstack",
                "threaddump",
                "thread_dump",
                "thread-dump",
                "tdump",
                "javacore",
            ]
            .iter()
            .any(|word| n.contains(word))
        },
        looks_like: is_thread_dump_line,
        claims: is_thread_dump_line,
        weak_name: false,
    },
    KindSpec {
        kind: SourceKind::JdbcSpy,
        named: |n| {
            has_token(n, "spy")
                || [
                    "p6spy",
                    "jdbcspy",
                    "jdbc_spy",
                    "jdbc-spy",
                    "log4jdbc",
                    "sqltiming",
                ]
                .iter()
                .any(|word| n.contains(word))
        },
        looks_like: is_jdbc_spy_line,
        claims: is_jdbc_spy_line,
        weak_name: false,
    },
    KindSpec {
        kind: SourceKind::GcLog,
        named: |n| has_token(n, "gc") || n.starts_with("verbosegc"),
        looks_like: looks_like_gc,
        claims: looks_like_gc,
        weak_name: false,
    },
    KindSpec {
        kind: SourceKind::HypervisorMetrics,
        named: |n| n.contains("esxtop") || n.contains("get-stat") || n.contains("vcenter"),
        looks_like: crate::parse::hypervisor::is_header,
        claims: crate::parse::hypervisor::is_header,
        weak_name: false,
    },
    KindSpec {
        kind: SourceKind::SystemMetrics,
        named: |n| {
            ["vmstat", "sar", "sadf", "iostat", "sysstat", "osw"]
                .iter()
                .any(|tool| n.starts_with(tool))
                || ["top", "free", "psi", "pressure"]
                    .iter()
                    .any(|tool| has_token(n, tool))
        },
        looks_like: looks_like_metrics,
        claims: looks_like_metrics,
        weak_name: false,
    },
    KindSpec {
        kind: SourceKind::AlarmExport,
        named: |n| n.contains("alarm") || n.contains("告警"),
        looks_like: looks_like_alarm_export,
        claims: looks_like_alarm_export,
        weak_name: false,
    },
    KindSpec {
        kind: SourceKind::FloatIpLog,
        named: |n| n.starts_with("floatip"),
        looks_like: |l| l.contains("(floatip)") || local_datetime_prefix(l).is_some(),
        claims: |l| l.contains("(floatip)"),
        weak_name: false,
    },
    KindSpec {
        kind: SourceKind::ScriptLog,
        named: |n| {
            [
                "prestart.log",
                "start.log",
                "stop.log",
                "poststart.log",
                "prestop.log",
            ]
            .iter()
            .any(|s| n.starts_with(s) || n.ends_with(s) || n.contains(&format!("{s}.")))
        },
        looks_like: |l| SCRIPT_LINE.is_match(l) || local_datetime_prefix(l).is_some(),
        claims: |l| SCRIPT_LINE.is_match(l),
        weak_name: false,
    },
    KindSpec {
        kind: SourceKind::RoleLog,
        named: |n| n.contains("flinkserver") || n.contains("flink"),
        looks_like: |l| PIPE_LINE.is_match(l) || local_datetime_prefix(l).is_some(),
        claims: |l| PIPE_LINE.is_match(l),
        weak_name: false,
    },
    KindSpec {
        kind: SourceKind::ExceptionsLog,
        named: |n| n.starts_with("exceptions"),
        looks_like: looks_like_log4j,
        claims: |_| false,
        weak_name: false,
    },
    KindSpec {
        kind: SourceKind::NodeLog,
        named: |n| n.starts_with("node.log"),
        looks_like: looks_like_log4j,
        claims: |l| looks_like_log4j(l) && INFA_CODE.is_match(l),
        weak_name: false,
    },
    // Last: a more telling name (`jstack.out`, `gc.out`) wins. A JVM's
    // output holds anything, and its dumps may come at any line.
    KindSpec {
        kind: SourceKind::JvmOutput,
        named: |n| has_token(n, "out") || has_token(n, "stdout"),
        looks_like: |_| true,
        claims: |_| false,
        weak_name: true,
    },
];

static SCRIPT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\]\s+[A-Za-z]+\s+\[").expect("valid regex")
});
static PIPE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \| [A-Za-z]+ *\|").expect("valid regex")
});
static INFA_CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[[A-Z][A-Z0-9]{1,9}_\d{3,7}\]").expect("valid regex"));
/// Rotation marks at the end of a name: `.current`, `.3`, `.2026-03-01`.
static ROTATION_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\.current|\.\d+|\.\d{4}-\d\d-\d\d([._-]\d\d[-:]?\d\d[-:]?\d\d)?)$")
        .expect("valid regex")
});
/// Rotation dates inside a name, before `.log`: `_20260301-1.log`,
/// `-2026-03-01_10-15-22.[1].log`.
static ROTATION_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[-_]\d{4}-?\d\d-?\d\d([_-]\d\d-?\d\d-?\d\d)?(\.\[?\d+\]?)?(-\d+)?(?<ext>\.log)$")
        .expect("valid regex")
});

/// Compression and archive endings stripped before a name is read.
const PACKED_EXTENSIONS: [&str; 5] = [".gz", ".bz2", ".xz", ".zst", ".zip"];

fn unpacked_name(name: &str) -> String {
    let mut name = name.to_lowercase();
    while let Some(ext) = PACKED_EXTENSIONS.iter().find(|e| name.ends_with(*e)) {
        name.truncate(name.len() - ext.len());
    }
    name
}

/// `gc` standing as a word in a file name: `gc.log`, `jvm-gc.log.0.current`,
/// `flinkserver-gc.log`, but not `logcat.log`.
fn has_token(name: &str, token: &str) -> bool {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|part| part == token)
}

/// A log4j record start: a local timestamp followed by a level word among
/// the next few tokens (GC datestamps are followed by an offset instead).
fn looks_like_log4j(line: &str) -> bool {
    let Some((_, used)) = local_datetime_prefix(line) else {
        return false;
    };
    let rest = &line[used..];
    rest.starts_with(' ')
        && rest
            .split_whitespace()
            .take(3)
            .any(|w| Level::parse(w.trim_matches(['[', ']'])).is_some())
}

/// `*.pcap`, `*.pcapng`, `*.cap`, and tcpdump's rotations of them
/// (`-C`/`-W` add digits: `hb.pcap3`, `hb.pcap07`).
fn is_capture_name(name: &str) -> bool {
    let Some((_, ext)) = name.rsplit_once('.') else {
        return false;
    };
    matches!(
        ext.trim_end_matches(|c: char| c.is_ascii_digit()),
        "pcap" | "pcapng" | "cap"
    )
}

/// A line of a JDBC spy: DataDirect's `spy>>`, p6spy's single-line
/// format, log4jdbc's `jdbc.sqltiming`.
fn is_jdbc_spy_line(line: &str) -> bool {
    jdbc_spy::is_spy_line(line)
        || jdbc_spy::is_p6spy_line(line)
        || jdbc_spy::is_sqltiming_line(line)
}

/// A HotSpot dump's title, or a javacore's first section or time.
fn is_thread_dump_line(line: &str) -> bool {
    line.starts_with("Full thread dump")
        || line.starts_with("0SECTION       TITLE")
        || line.starts_with("1TIDATETIME")
}

fn looks_like_gc(line: &str) -> bool {
    const MARKERS: [&str; 12] = [
        "[GC",
        "[Full GC",
        "Pause Young",
        "Pause Full",
        "Pause Init",
        "Total time for which application threads",
        "<verbosegc",
        "<exclusive-start",
        "CommandLine flags:",
        "GC log file created",
        "][gc",
        "[safepoint",
    ];
    MARKERS.iter().any(|m| line.contains(m))
        || line.contains("Using G1")
        || line.contains("Using Parallel")
}

fn looks_like_metrics(line: &str) -> bool {
    line.starts_with("procs -")
        || (line.contains(" swpd ") && line.contains(" free "))
        || line.contains("%user")
        || line.contains("%usr")
        || line.contains("runq-sz")
        || line.starts_with("# hostname;interval;timestamp;")
        || line.starts_with("avg-cpu:")
        || crate::parse::metrics::starts_snapshots(line)
}

fn looks_like_alarm_export(line: &str) -> bool {
    let lower = line.to_lowercase();
    (lower.contains("alarm id") || lower.contains("alarmid") || line.contains("告警ID"))
        || (lower.contains("alarm name") || lower.contains("alam name"))
        || (lower.contains("serialno") && lower.contains("locationinfo"))
}

/// The kind a file name suggests.
pub fn kind_from_name(name: &str) -> Option<SourceKind> {
    let name = unpacked_name(name);
    KINDS
        .iter()
        .find(|spec| (spec.named)(&name))
        .map(|spec| spec.kind)
}

/// The file name with compression and rotation suffixes removed, so
/// `node.log.2.gz` and `node.log` read as one stream.
pub fn stream_base(name: &str) -> String {
    let mut base = unpacked_name(name);
    loop {
        let stripped = ROTATION_SUFFIX.replace(&base, "");
        let stripped = ROTATION_DATE.replace(&stripped, "$ext").into_owned();
        if stripped == base || stripped.is_empty() {
            return base;
        }
        base = stripped;
    }
}

/// Outcome of sniffing a file's first lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detection {
    /// Name and content agree, or content alone is clear.
    Confirmed(SourceKind),
    /// Content looks like another kind than the name says.
    Overruled {
        named: SourceKind,
        found: SourceKind,
    },
    /// The name says a kind the content does not show; read it as named.
    Unconfirmed(SourceKind),
    /// Neither name nor content tell.
    Unknown,
}

/// Decides the kind from the name's guess and the first lines.
pub fn detect(name_kind: Option<SourceKind>, first_lines: &[&str]) -> Detection {
    let claimed = || {
        KINDS
            .iter()
            .find(|spec| first_lines.iter().any(|l| (spec.claims)(l)))
            .map(|spec| spec.kind)
    };
    match name_kind {
        Some(named) => {
            let spec = KINDS
                .iter()
                .find(|s| s.kind == named)
                .expect("every kind has a spec");
            if spec.weak_name
                && let Some(found) = claimed().filter(|found| *found != named)
            {
                return Detection::Overruled { named, found };
            }
            if first_lines.iter().any(|l| (spec.looks_like)(l)) {
                return Detection::Confirmed(named);
            }
            match claimed() {
                Some(found) if found != named => Detection::Overruled { named, found },
                _ => Detection::Unconfirmed(named),
            }
        }
        None => claimed().map_or(Detection::Unknown, Detection::Confirmed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SourceKind::*;

    #[test]
    fn names_of_every_input() {
        let cases = [
            ("node.log", Some(NodeLog)),
            ("node.log.2.gz", Some(NodeLog)),
            ("node.log.2026-03-01", Some(NodeLog)),
            ("exceptions.log.1", Some(ExceptionsLog)),
            ("gc.log.0.current", Some(GcLog)),
            ("flinkserver-omm-gc.log.3.current", Some(GcLog)),
            ("verbosegc.001.log", Some(GcLog)),
            ("vmstat.txt", Some(SystemMetrics)),
            ("catalina.out", Some(JvmOutput)),
            ("catalina.out.2.gz", Some(JvmOutput)),
            ("node_stdout.log", Some(JvmOutput)),
            ("jstack.out", Some(ThreadDump)),
            ("layout.txt", None),
            ("esxtop-esx07.csv", Some(HypervisorMetrics)),
            ("infawk01_top_26.03.12.0900.dat", Some(SystemMetrics)),
            ("sar-u.txt", Some(SystemMetrics)),
            ("alarms.csv", Some(AlarmExport)),
            ("prestart.log", Some(ScriptLog)),
            ("floatip.log", Some(FloatIpLog)),
            ("flinkserver_20260301-1.log.gz", Some(RoleLog)),
            ("catalog.log", None),
            ("README.txt", None),
        ];
        for (name, kind) in cases {
            assert_eq!(kind_from_name(name), kind, "{name}");
        }
    }

    #[test]
    fn rotations_share_a_stream() {
        for name in [
            "node.log",
            "node.log.1",
            "node.log.2.gz",
            "node.log.2026-03-01",
        ] {
            assert_eq!(stream_base(name), "node.log", "{name}");
        }
        assert_eq!(stream_base("gc.log.0.current"), "gc.log");
        assert_eq!(
            stream_base("flinkserver_20260301-1.log.gz"),
            "flinkserver.log"
        );
        assert_eq!(
            stream_base("flinkserver-2026-03-01_10-15-22.[1].log.zip"),
            "flinkserver.log"
        );
    }

    #[test]
    fn content_confirms_overrules_or_claims() {
        let log4j = "2026-03-12 10:15:22,345 INFO  [main] [SPC_10014] started";
        assert_eq!(
            detect(Some(NodeLog), &[log4j]),
            Detection::Confirmed(NodeLog)
        );
        assert_eq!(detect(None, &[log4j]), Detection::Confirmed(NodeLog));
        let gc =
            "2016-12-29T15:29:02.741+0100: 5.702: [Full GC [PSYoungGen: 1K->0K(2K)], 0.75 secs]";
        assert_eq!(
            detect(Some(NodeLog), &["binary junk", gc]),
            Detection::Overruled {
                named: NodeLog,
                found: GcLog
            }
        );
        assert_eq!(
            detect(Some(NodeLog), &["nothing"]),
            Detection::Unconfirmed(NodeLog)
        );
        assert_eq!(detect(None, &["hello"]), Detection::Unknown);
    }

    #[test]
    fn a_jvm_output_name_holds_anything_and_yields_to_telling_content() {
        let tomcat = "12-Mar-2026 09:40:00.001 INFO [main] org.apache.catalina.startup.Catalina.start Server startup";
        assert_eq!(
            detect(Some(JvmOutput), &[tomcat]),
            Detection::Confirmed(JvmOutput)
        );
        let top = "top - 09:44:06 up 12 days,  3:10,  2 users,  load average: 7.12, 5.40, 3.01";
        assert_eq!(
            detect(Some(JvmOutput), &[top]),
            Detection::Overruled {
                named: JvmOutput,
                found: SystemMetrics
            }
        );
    }
}
