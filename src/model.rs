//! The domain model every stage shares: what a source is, what a parser
//! emits, and how time is represented before it is normalised to UTC.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Position of a source in the inventory; cheap to copy into every event.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub u32);

/// The formats hbdiag can read. The serialized names are the ones rules use
/// in `requires_inputs` and the report prints.
#[derive(
    Copy,
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    schemars::JsonSchema,
    Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Informatica `node.log`: log4j records with an optional message code.
    NodeLog,
    /// Informatica `exceptions.log`: the same records with full stack traces.
    ExceptionsLog,
    /// A Java GC log of any JVM (HotSpot JDK ≤ 8, unified logging, OpenJ9).
    GcLog,
    /// `vmstat -t` or `sar` text output.
    SystemMetrics,
    /// FusionInsight Manager alarm export (CSV/TXT) or northbound syslog alarms.
    AlarmExport,
    /// Huawei MRS role run log (`… | LEVEL | thread | message | location`).
    RoleLog,
    /// Huawei MRS script log (`prestart.log`, `start.log`, `stop.log`).
    ScriptLog,
    /// Huawei MRS HA floating-IP script log (`floatip.log`).
    FloatIpLog,
    /// HotSpot thread dumps: `jstack`, `jcmd Thread.print`, the copies
    /// infa9dump collects.
    ThreadDump,
    /// What the hypervisor saw of its guests: VMware `esxtop -b` batch CSV,
    /// taken on the ESXi host. Its figures (CPU ready, balloon, host swap)
    /// are starvation a guest's own tools cannot see.
    HypervisorMetrics,
    /// A JVM's standard output (`catalina.out`, `node.out`, `nohup.out`):
    /// only the thread dumps `kill -3` wrote into it are read.
    JvmOutput,
    /// JDBC spy logs: DataDirect Spy (`SpyAttributes=(log=…)`), p6spy,
    /// log4jdbc's `jdbc.sqltiming`: each statement with its latency.
    JdbcSpy,
    /// A packet capture (`tcpdump -w`: pcap or pcapng): the TCP timeline of
    /// the heartbeat and DB flows as the wire at one host saw it.
    PacketCapture,
}

impl SourceKind {
    /// Every kind, in a stable order.
    pub const ALL: [SourceKind; 13] = [
        SourceKind::NodeLog,
        SourceKind::ExceptionsLog,
        SourceKind::GcLog,
        SourceKind::SystemMetrics,
        SourceKind::AlarmExport,
        SourceKind::RoleLog,
        SourceKind::ScriptLog,
        SourceKind::FloatIpLog,
        SourceKind::ThreadDump,
        SourceKind::HypervisorMetrics,
        SourceKind::JvmOutput,
        SourceKind::JdbcSpy,
        SourceKind::PacketCapture,
    ];

    /// The name a person reads: `GC log`, `system metrics`.
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::NodeLog => "node.log",
            SourceKind::ExceptionsLog => "exceptions.log",
            SourceKind::GcLog => "GC log",
            SourceKind::SystemMetrics => "system metrics",
            SourceKind::AlarmExport => "alarm export",
            SourceKind::RoleLog => "role log",
            SourceKind::ScriptLog => "script logs",
            SourceKind::FloatIpLog => "floating-IP log",
            SourceKind::ThreadDump => "thread dump",
            SourceKind::HypervisorMetrics => "hypervisor metrics",
            SourceKind::JvmOutput => "JVM standard output",
            SourceKind::JdbcSpy => "JDBC spy log",
            SourceKind::PacketCapture => "packet capture",
        }
    }

    /// The name used in rule files and reports.
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::NodeLog => "node_log",
            SourceKind::ExceptionsLog => "exceptions_log",
            SourceKind::GcLog => "gc_log",
            SourceKind::SystemMetrics => "system_metrics",
            SourceKind::AlarmExport => "alarm_export",
            SourceKind::RoleLog => "role_log",
            SourceKind::ScriptLog => "script_log",
            SourceKind::FloatIpLog => "floatip_log",
            SourceKind::ThreadDump => "thread_dump",
            SourceKind::HypervisorMetrics => "hypervisor_metrics",
            SourceKind::JvmOutput => "jvm_output",
            SourceKind::JdbcSpy => "jdbc_spy",
            SourceKind::PacketCapture => "packet_capture",
        }
    }

    /// The kinds of input a file of this kind gives rules: its own, and
    /// for a JVM's standard output the thread dumps inside it.
    pub fn provides(self) -> &'static [SourceKind] {
        match self {
            SourceKind::JvmOutput => &[SourceKind::JvmOutput, SourceKind::ThreadDump],
            SourceKind::NodeLog => &[SourceKind::NodeLog],
            SourceKind::ExceptionsLog => &[SourceKind::ExceptionsLog],
            SourceKind::GcLog => &[SourceKind::GcLog],
            SourceKind::SystemMetrics => &[SourceKind::SystemMetrics],
            SourceKind::AlarmExport => &[SourceKind::AlarmExport],
            SourceKind::RoleLog => &[SourceKind::RoleLog],
            SourceKind::ScriptLog => &[SourceKind::ScriptLog],
            SourceKind::FloatIpLog => &[SourceKind::FloatIpLog],
            SourceKind::ThreadDump => &[SourceKind::ThreadDump],
            SourceKind::HypervisorMetrics => &[SourceKind::HypervisorMetrics],
            SourceKind::JdbcSpy => &[SourceKind::JdbcSpy],
            SourceKind::PacketCapture => &[SourceKind::PacketCapture],
        }
    }

    /// Parses a name as written in rule files.
    pub fn from_name(name: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Severity of a log record, ordered from least to most severe.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl Level {
    /// Reads the level words log4j, java.util.logging and scripts print.
    pub fn parse(word: &str) -> Option<Level> {
        match word.as_bytes() {
            b"INFO" => return Some(Level::Info),
            b"WARN" => return Some(Level::Warn),
            b"ERROR" => return Some(Level::Error),
            _ => {}
        }
        let word = word.trim().as_bytes();
        let mut upper = [0u8; 8];
        let upper = upper.get_mut(..word.len())?;
        upper.copy_from_slice(word);
        upper.make_ascii_uppercase();
        Some(match &*upper {
            b"INFO" | b"NOTICE" => Level::Info,
            b"WARN" | b"WARNING" => Level::Warn,
            b"ERROR" | b"SEVERE" | b"ERR" => Level::Error,
            b"DEBUG" | b"FINE" | b"CONFIG" => Level::Debug,
            b"FATAL" | b"CRITICAL" | b"CRIT" => Level::Fatal,
            b"TRACE" | b"FINEST" | b"FINER" => Level::Trace,
            _ => return None,
        })
    }

    /// The lowercase name used in reports and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }
}

/// A timestamp as the source wrote it. Only the timeline knows host offsets,
/// so parsers never guess a zone.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum LogTime {
    /// Wall-clock time without offset: local to the host that wrote it.
    Local(NaiveDateTime),
    /// Wall-clock time with its UTC offset (GC datestamps, `time` decorations).
    Zoned(DateTime<FixedOffset>),
    /// Seconds since the JVM started, with no wall-clock anchor in the file.
    Uptime(f64),
}

impl LogTime {
    /// Moves the time later by `millis` (negative moves it earlier). A shift
    /// beyond the calendar (a garbled duration) leaves the time unchanged.
    pub fn add_millis(self, millis: f64) -> LogTime {
        /// About 30 000 years: further is no time a log can mean.
        const MAX_MICROS: f64 = 1e18;
        let micros = (millis * 1000.0).round();
        if !micros.is_finite() || micros.abs() > MAX_MICROS {
            return self;
        }
        let delta = chrono::Duration::microseconds(micros as i64);
        match self {
            LogTime::Local(t) => LogTime::Local(t.checked_add_signed(delta).unwrap_or(t)),
            LogTime::Zoned(t) => LogTime::Zoned(t.checked_add_signed(delta).unwrap_or(t)),
            LogTime::Uptime(s) => LogTime::Uptime(s + millis / 1000.0),
        }
    }

    /// Whether both are wall-clock times in the same whole second of the
    /// same day, neither in a leap second: then they are less than a second
    /// apart, in the same minute. Cheaper to ask than either.
    pub fn same_second(self, other: LogTime) -> bool {
        use chrono::Timelike;
        let whole = |t: NaiveDateTime| t.nanosecond() < 1_000_000_000;
        match (self, other) {
            (LogTime::Local(a), LogTime::Local(b)) => {
                a.date() == b.date()
                    && a.num_seconds_from_midnight() == b.num_seconds_from_midnight()
                    && whole(a)
                    && whole(b)
            }
            _ => false,
        }
    }

    /// Which minute of its clock the time falls in (a count of minutes
    /// since an origin that depends on the clock).
    pub fn minute_number(self) -> i64 {
        match self {
            LogTime::Local(t) => t.and_utc().timestamp().div_euclid(60),
            LogTime::Zoned(t) => t.timestamp().div_euclid(60),
            LogTime::Uptime(s) => (s / 60.0).floor() as i64,
        }
    }

    /// Milliseconds from `earlier` to `self`, when both are on the same clock.
    pub fn millis_since(self, earlier: LogTime) -> Option<f64> {
        match (self, earlier) {
            (LogTime::Local(a), LogTime::Local(b)) => Some(millis_between(b, a)),
            (LogTime::Zoned(a), LogTime::Zoned(b)) => Some(
                (a.with_timezone(&Utc) - b.with_timezone(&Utc)).num_microseconds()? as f64 / 1000.0,
            ),
            (LogTime::Uptime(a), LogTime::Uptime(b)) => Some((a - b) * 1000.0),
            _ => None,
        }
    }
}

fn millis_between(from: NaiveDateTime, to: NaiveDateTime) -> f64 {
    // Records of a log nearly always fall on the same day as the one
    // before: subtracting the times of day skips the calendar arithmetic.
    let elapsed = match from.date() == to.date() {
        true => to.time() - from.time(),
        false => to - from,
    };
    elapsed
        .num_microseconds()
        .map_or(f64::MAX, |us| us as f64 / 1000.0)
}

/// One parsed record of any source, before signals and UTC are attached.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// 1-based number of the record's first line in its file.
    pub line: u64,
    /// When it happened; for pauses and silences, when they began (see
    /// [`Event::span`]).
    pub time: LogTime,
    /// Severity, when the format has one.
    pub level: Option<Level>,
    /// The record's first line as written, for evidence (capped in length).
    pub text: String,
    /// A host named by the record itself (alarm exports), overriding the
    /// host the file was collected from.
    pub host: Option<String>,
    /// What the record says, typed by format family.
    pub kind: EventKind,
}

impl Event {
    /// For a stop or a silence (GC pause, safepoint, allocation stall, log
    /// gap): how long it lasted from [`time`](Self::time), its start, and
    /// which end the record's own line marks.
    pub fn span(&self) -> Option<(f64, LoggedAt)> {
        match &self.kind {
            EventKind::GcPause(p) => Some((p.duration_ms, p.logged_at)),
            EventKind::Safepoint(s) => Some((s.duration_ms, s.logged_at)),
            EventKind::AllocationStall(s) => Some((s.duration_ms, s.logged_at)),
            EventKind::LogGap(g) => Some((g.duration_ms, LoggedAt::Start)),
            EventKind::DbCall(c) => c.latency_ms.map(|ms| (ms, c.logged_at)),
            EventKind::Packet(p) => p.duration_ms.map(|ms| (ms, LoggedAt::Start)),
            _ => None,
        }
    }

    /// Drops what only classification needed — a text record's message,
    /// continuation lines and code location — keeping the first line as
    /// evidence (and the continuation line that proved a signal, when
    /// [`LogRecord::proof`] was set), so the events kept for the timeline
    /// stay small.
    pub fn shed_classified_text(&mut self) {
        if let EventKind::Log(record) = &mut self.kind {
            record.message = String::new();
            record.detail = Vec::new();
            record.location = None;
        }
    }
}

/// What a record says. Text logs share `Log`; structured inputs keep their
/// numbers typed so rules can compare them.
#[derive(Clone, Debug, PartialEq)]
pub enum EventKind {
    /// A log4j-style text record with optional code and continuation lines
    /// (boxed, as every large variant is, so an event costs little inline:
    /// kept events are moved and sorted by the hundred thousand).
    Log(Box<LogRecord>),
    /// A stop-the-world GC pause (boxed, like the other large variants, so
    /// the many kept text records stay small).
    GcPause(Box<GcPause>),
    /// A safepoint or "application threads were stopped" entry.
    Safepoint(Box<Safepoint>),
    /// Mutator threads blocked outside a safepoint (ZGC/Shenandoah stalls).
    AllocationStall(Box<AllocationStall>),
    /// One sample of system metrics (vmstat, sar).
    Metrics(Box<SystemSample>),
    /// An alarm raised or cleared (FusionInsight alarm export, syslog).
    Alarm(Box<Alarm>),
    /// A stretch with no record at all in a stream: the process or host froze.
    LogGap(LogGap),
    /// The last record of a host's stream of one kind (rotations joined).
    StreamEnd(StreamSummary),
    /// A thread a thread dump shows waiting for a lock.
    ThreadWait(Box<ThreadWait>),
    /// A finished JDBC statement a spy log shows, with its latency.
    DbCall(Box<DbCall>),
    /// What a packet capture shows of one TCP flow: a reset, a
    /// retransmission, a silence, a segment lost between two captures.
    Packet(Box<PacketFinding>),
}

/// A text log record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LogRecord {
    /// Thread or component in brackets, when present.
    pub thread: Option<String>,
    /// Message code such as `DOM_10025`, when present.
    pub code: Option<String>,
    /// The message of the first line (emptied once the event is classified).
    pub message: String,
    /// Continuation lines that explain the record (exception lines,
    /// `Caused by:`), capped, each with its line number; plain `at …` frames
    /// are only counted. Emptied once the event is classified.
    pub detail: Vec<DetailLine>,
    /// Stack frames (`at …`, `... N more`) seen below the record.
    pub frames: u32,
    /// Where in the code the record was written, when the format prints it:
    /// `Class.method(File.java:123)` in Huawei role logs, the shell function
    /// in script logs. Kept apart from the message so messages compare
    /// across versions.
    pub location: Option<String>,
    /// The continuation line a signal matched on, when the first line alone
    /// did not make it fire (the `ORA-01034` of a `Caused by:`): kept after
    /// the detail is shed, as the line that proves the record. Boxed so a
    /// record without one costs a pointer.
    pub proof: Option<Box<DetailLine>>,
}

/// A continuation line of a text record, with its line number in the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DetailLine {
    /// 1-based line number in the file.
    pub line: u64,
    /// The line, trimmed and capped.
    pub text: String,
}

impl PartialEq<&str> for DetailLine {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

/// The shape of a GC pause.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseKind {
    Young,
    Mixed,
    Full,
    InitialMark,
    Remark,
    Cleanup,
    /// Shenandoah degenerated cycle.
    Degenerated,
    /// ZGC and Shenandoah short phase pauses, and anything else.
    Other,
}

/// Which end of a stop its log line's own time marks. An event's `time`
/// is always the start of the stop; parsers of formats that print a stop
/// when it ends (unified logging, `Total time for which application threads
/// were stopped`, Shenandoah on JDK 8) move it back by the duration and say
/// so here, so evidence can show the line's time for what it is.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoggedAt {
    /// The line is written when the stop begins (JDK 8 datestamps, OpenJ9
    /// `<exclusive-start>`, the record before a silence).
    #[default]
    Start,
    /// The line is written when the stop ends.
    End,
}

/// A stop-the-world GC pause with the figures the log gives.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GcPause {
    pub duration_ms: f64,
    /// Which end of the pause the log line's time marks.
    pub logged_at: LoggedAt,
    pub kind: Option<PauseKind>,
    /// Trigger as logged: `Allocation Failure`, `System.gc()`, …
    pub cause: Option<String>,
    /// Collector name: `G1`, `Parallel`, `CMS`, `Serial`, `Shenandoah`, `ZGC`, `OpenJ9`
    /// (a fixed set: a pause costs no allocation for it).
    pub collector: Option<&'static str>,
    pub heap_before_kb: Option<u64>,
    pub heap_after_kb: Option<u64>,
    pub heap_capacity_kb: Option<u64>,
    pub user_s: Option<f64>,
    pub sys_s: Option<f64>,
    pub real_s: Option<f64>,
    /// Failure markers seen in the event: `to-space exhausted`,
    /// `concurrent mode failure`, `promotion failed`, …
    pub failures: Vec<String>,
}

/// Time application threads were stopped at a safepoint.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Safepoint {
    pub duration_ms: f64,
    /// Which end of the stop the log line's time marks.
    pub logged_at: LoggedAt,
    /// Time to reach the safepoint ("Stopping threads took", "Reaching safepoint").
    pub time_to_safepoint_ms: Option<f64>,
    /// VM operation, when logged (`G1CollectForAllocation`, `RevokeBias`, …).
    pub operation: Option<String>,
}

/// Threads stalled waiting for memory in a concurrent collector.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AllocationStall {
    pub duration_ms: f64,
    /// Which end of the stall the log line's time marks.
    pub logged_at: LoggedAt,
    pub thread: Option<String>,
}

/// One row of system metrics. Every figure is optional because vmstat and
/// sar report different columns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SystemSample {
    pub run_queue: Option<f64>,
    pub blocked: Option<f64>,
    pub cpu_user: Option<f64>,
    pub cpu_system: Option<f64>,
    pub cpu_idle: Option<f64>,
    pub cpu_iowait: Option<f64>,
    pub cpu_steal: Option<f64>,
    pub swap_in: Option<f64>,
    pub swap_out: Option<f64>,
    pub load_1m: Option<f64>,
    /// CPUs of the host when the tool prints them (sar's header), so a run
    /// queue can be judged against the cores that serve it.
    pub cpus: Option<f64>,
    /// The disk or network interface a per-device row is about (`sar -d`,
    /// `sar -n DEV`/`EDEV`); `None` for figures of the whole host.
    pub device: Option<String>,
    /// Share of time the disk was busy (`%util`).
    pub disk_util_pct: Option<f64>,
    /// Mean time an I/O request waited and was served, in ms (`await`).
    pub disk_await_ms: Option<f64>,
    /// Packets dropped per second by the interface (`rxdrop/s`, `txdrop/s`).
    pub rx_drops_per_s: Option<f64>,
    pub tx_drops_per_s: Option<f64>,
    /// Bad packets per second (`rxerr/s`, `txerr/s`).
    pub rx_errors_per_s: Option<f64>,
    pub tx_errors_per_s: Option<f64>,
    /// Page faults per second that had to read from disk (`majflt/s`).
    pub major_faults_per_s: Option<f64>,
    /// Pages swapped in and out per second (`pswpin/s`, `pswpout/s`).
    pub pages_swapped_in_per_s: Option<f64>,
    pub pages_swapped_out_per_s: Option<f64>,
    /// Memory and swap in use, in % (`%memused`, `%swpused`).
    pub memory_used_pct: Option<f64>,
    pub swap_used_pct: Option<f64>,
    /// The virtual machine a hypervisor's row is about (`esxtop`'s
    /// `Group Cpu(1234:infagw01)`): the sample belongs to the bundle's host
    /// of that name, not to the hypervisor the file was taken on.
    pub guest: Option<String>,
    /// Share of time the VM was ready to run but got no physical CPU
    /// (`% Ready`, summed over its vCPUs as esxtop prints it).
    pub cpu_ready_pct: Option<f64>,
    /// Share of time a vCPU was stopped to let its siblings catch up (`% CoStop`).
    pub cpu_costop_pct: Option<f64>,
    /// Share of time the VM waited for the hypervisor to swap its memory in
    /// (`% Swap Wait`).
    pub cpu_swap_wait_pct: Option<f64>,
    /// Guest memory the balloon driver took back for the hypervisor, in MB.
    pub balloon_mb: Option<f64>,
    /// Guest memory the hypervisor swapped out to its own disk, in MB.
    pub host_swapped_mb: Option<f64>,
    /// The busiest process of a `top` snapshot: `java (PID 12345, 180.0 %CPU, 51.2 %MEM)`.
    pub top_process: Option<String>,
    /// Pressure stall information (`/proc/pressure/*`): the share of the
    /// last 10 s in which some (or all) tasks waited for the CPU, memory
    /// or I/O, in %.
    pub psi_cpu_some_avg10: Option<f64>,
    pub psi_memory_some_avg10: Option<f64>,
    pub psi_memory_full_avg10: Option<f64>,
    pub psi_io_some_avg10: Option<f64>,
    pub psi_io_full_avg10: Option<f64>,
}

/// Whether an alarm record raises or clears the alarm.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmState {
    Raised,
    Cleared,
}

/// A thread that a thread dump shows waiting to take a lock (a monitor, or
/// a `java.util.concurrent` lock), with the thread holding it when the
/// dump says: a stuck heartbeat is a heartbeat thread waiting behind a
/// holder that itself waits (on a socket, the database, another lock).
#[derive(Clone, Debug, PartialEq)]
pub struct ThreadWait {
    pub thread: String,
    pub state: ThreadState,
    /// The lock's address as the dump prints it: `<0x000000069e5d2398>`.
    pub lock: String,
    /// The lock's class: `java.lang.Object`, `java.util.concurrent.locks.ReentrantLock$NonfairSync`.
    pub lock_class: String,
    /// The waiting thread's top frames, innermost first.
    pub frames: Vec<String>,
    /// The thread holding the lock; `None` when the dump does not show it
    /// (a `java.util.concurrent` lock in a dump taken without `-l`).
    pub holder: Option<LockHolder>,
    /// Whether the wait is part of a cycle of threads waiting for each other.
    pub deadlocked: bool,
}

/// The thread that holds a lock another thread waits for.
#[derive(Clone, Debug, PartialEq)]
pub struct LockHolder {
    pub thread: String,
    pub state: ThreadState,
    /// Its top frames, innermost first: what it was doing while holding the lock.
    pub frames: Vec<String>,
}

/// `java.lang.Thread.State`, as thread dumps print it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ThreadState {
    New,
    Runnable,
    Blocked,
    Waiting,
    TimedWaiting,
    Terminated,
}

impl ThreadState {
    /// Reads the state word of a `java.lang.Thread.State:` line.
    pub fn parse(word: &str) -> Option<ThreadState> {
        Some(match word {
            "NEW" => ThreadState::New,
            "RUNNABLE" => ThreadState::Runnable,
            "BLOCKED" => ThreadState::Blocked,
            "WAITING" => ThreadState::Waiting,
            "TIMED_WAITING" => ThreadState::TimedWaiting,
            "TERMINATED" => ThreadState::Terminated,
            _ => return None,
        })
    }

    /// The name as dumps print it.
    pub fn name(self) -> &'static str {
        match self {
            ThreadState::New => "NEW",
            ThreadState::Runnable => "RUNNABLE",
            ThreadState::Blocked => "BLOCKED",
            ThreadState::Waiting => "WAITING",
            ThreadState::TimedWaiting => "TIMED_WAITING",
            ThreadState::Terminated => "TERMINATED",
        }
    }
}

/// A JDBC statement a spy log shows run to its end, paired with its
/// result: a DB heartbeat that timed out with no SQL error is an UPDATE
/// that took too long, which only its latency shows.
#[derive(Clone, Debug, PartialEq)]
pub struct DbCall {
    /// The spy that wrote it.
    pub dialect: SpyDialect,
    /// The calling thread, when the spy names it (DataDirect `logTName=yes`,
    /// log4jdbc's log header).
    pub thread: Option<String>,
    /// The connection as the spy names it (`Connection[1]`, `connection 3`).
    pub connection: Option<String>,
    /// The JDBC method (`executeUpdate`), when the spy names it.
    pub method: Option<String>,
    /// The statement's text, capped, on one line.
    pub sql: String,
    /// The SQL verb, upper case (`UPDATE`, `SELECT`), or `COMMIT`/`ROLLBACK`.
    pub verb: Option<String>,
    /// The first table the statement names, upper case without quotes.
    pub table: Option<String>,
    /// How long the call took; `None` when the spy wrote no times.
    pub latency_ms: Option<f64>,
    /// Which end of the call the event's line marks (its time is the start).
    pub logged_at: LoggedAt,
    /// The driver's error message when the call failed.
    pub error: Option<String>,
    /// The same statement before from the same thread (or connection).
    pub repeat: Option<Repeat>,
}

/// How a statement recurs from one thread: a heartbeat is the same UPDATE
/// every refresh interval, whatever its thread is called.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Repeat {
    /// How many times it ran before this one.
    pub before: u32,
    /// From the end of the previous run to the start of this one.
    pub gap_ms: f64,
    /// From the start of the previous run to the start of this one.
    pub period_ms: f64,
}

/// The JDBC spy formats hbdiag reads.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SpyDialect {
    DataDirect,
    P6Spy,
    Log4jdbc,
}

impl SpyDialect {
    /// The name rule conditions compare with.
    pub fn name(self) -> &'static str {
        match self {
            SpyDialect::DataDirect => "datadirect",
            SpyDialect::P6Spy => "p6spy",
            SpyDialect::Log4jdbc => "log4jdbc",
        }
    }
}

/// One finding of a packet capture about a TCP flow, with the packets
/// that prove it: the wire's word on whether a heartbeat was sent,
/// delivered, late or reset, which no log can give.
#[derive(Clone, Debug, PartialEq)]
pub struct PacketFinding {
    /// What was seen.
    pub what: PacketWhat,
    /// The sending end of the packets the finding is about (`10.0.0.2:41822`).
    pub from: String,
    /// The receiving end (`10.0.0.1:6005`).
    pub to: String,
    /// The well-known or `--port` port of the flow (6005, 1521, …).
    pub service_port: u16,
    /// Whether the capture was taken on the sending end's host; `None`
    /// when the capture alone cannot tell which address is its own.
    pub sent_here: Option<bool>,
    /// Packets the finding stands for (retransmissions in a burst, lost segments).
    pub packets: u64,
    /// The last packet of the finding, when it spans several.
    pub last_packet: Option<u64>,
    /// How long it lasted from its first packet (a silence, a loss episode,
    /// a delay), in ms.
    pub duration_ms: Option<f64>,
    /// Round-trip time measured on the flow (SYN to SYN-ACK, data to its ACK), in ms.
    pub rtt_ms: Option<f64>,
    /// The same packet in the capture of the other end, when both were matched.
    pub peer: Option<PacketRef>,
    /// The clock offset of the other end's capture host, in ms (its clock
    /// minus this one's), measured on matched packets.
    pub peer_offset_ms: Option<f64>,
}

/// A packet in a capture file, for evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct PacketRef {
    /// The capture file, as reports name it.
    pub file: String,
    /// The host the capture was taken on.
    pub host: String,
    /// 1-based packet number in the file, as Wireshark numbers it.
    pub packet: u64,
    /// The packet's time as that host's clock stamped it, in ms since the epoch.
    pub unix_ms: f64,
}

/// The kinds of packet findings; the names are what signal conditions compare.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PacketWhat {
    /// A SYN sent again: the peer did not answer the connection attempt.
    SynRetry,
    /// Data sent again that was sent before.
    Retransmission,
    /// The same ACK three times or more: the receiver misses a segment.
    DuplicateAck,
    /// The receiver advertised a zero window: it stopped reading.
    ZeroWindow,
    /// A reset ended the connection.
    Reset,
    /// A FIN closed the sender's side of the connection.
    Fin,
    /// No packet in one direction for longer than the heartbeat interval.
    Silence,
    /// Segments sent at one end never seen at the other.
    Lost,
    /// Segments seen at the other end, but late.
    Late,
    /// Segments seen at both ends in time: delivery worked.
    Delivered,
    /// A flow's summary at the end of the capture: its packets, its span
    /// and its mean round-trip time.
    Flow,
}

impl PacketWhat {
    /// The name signal conditions and the timeline use.
    pub fn name(self) -> &'static str {
        match self {
            PacketWhat::SynRetry => "syn_retry",
            PacketWhat::Retransmission => "retransmission",
            PacketWhat::DuplicateAck => "duplicate_ack",
            PacketWhat::ZeroWindow => "zero_window",
            PacketWhat::Reset => "reset",
            PacketWhat::Fin => "fin",
            PacketWhat::Silence => "silence",
            PacketWhat::Lost => "lost",
            PacketWhat::Late => "late",
            PacketWhat::Delivered => "delivered",
            PacketWhat::Flow => "flow",
        }
    }
}

/// An alarm from a management system export.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Alarm {
    /// Numeric id as exported, e.g. `45640`.
    pub id: String,
    pub name: String,
    pub severity: Option<String>,
    pub state: Option<AlarmState>,
    pub serial: Option<String>,
    pub service: Option<String>,
    pub role: Option<String>,
    pub cause: Option<String>,
    pub additional_info: Option<String>,
}

/// How much a stream logged, told with its end: a silence after the end
/// means something only against how often the stream wrote before.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamSummary {
    /// Records in the whole stream (rotations joined).
    pub records: u64,
    /// From its first record to its last, in ms.
    pub span_ms: f64,
}

impl StreamSummary {
    /// The mean time between two records, in ms.
    pub fn mean_spacing_ms(&self) -> f64 {
        self.span_ms / self.records.saturating_sub(1).max(1) as f64
    }
}

/// A silence in a stream between two records. Its event is placed at the
/// last record before the silence (its start) and points at that record's
/// line: the silence ends `duration_ms` later, at `resumed_line`.
#[derive(Clone, Debug, PartialEq)]
pub struct LogGap {
    pub duration_ms: f64,
    /// Line of the record after the silence.
    pub resumed_line: u64,
}
