//! The figures each kind of event offers to signal and rule conditions,
//! under stable names (`duration_ms`, `cpu_steal`, `alarm_id`, …).

use super::FieldValue;
use crate::model::{
    AlarmState, DbCall, Event, EventKind, PacketFinding, PauseKind, SystemSample, ThreadWait,
};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Named values a signal carries (captures, constants, event figures). A
/// small vector sorted by name: a signal carries a handful of fields, and a
/// map per signal would weigh more than the event it came from. Names of
/// event figures are static and cost no allocation.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(from = "BTreeMap<String, FieldValue>")]
pub struct Fields(Vec<(Cow<'static, str>, FieldValue)>);

impl Fields {
    /// No fields.
    pub fn new() -> Fields {
        Fields(Vec::new())
    }

    /// The value of a field.
    pub fn get(&self, name: &str) -> Option<&FieldValue> {
        self.position(name).ok().map(|i| &self.0[i].1)
    }

    /// Sets a field, replacing a value of the same name.
    pub fn insert(&mut self, name: impl Into<Cow<'static, str>>, value: FieldValue) {
        let name = name.into();
        match self.position(&name) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (name, value)),
        }
    }

    /// Sets every field of `other` here.
    pub fn merge(&mut self, other: &Fields) {
        for (name, value) in &other.0 {
            self.insert(name.clone(), value.clone());
        }
    }

    /// Every field in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &FieldValue)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// Whether there is no field.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_ref().cmp(name))
    }
}

impl From<BTreeMap<String, FieldValue>> for Fields {
    fn from(map: BTreeMap<String, FieldValue>) -> Fields {
        Fields(map.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect())
    }
}

impl<N: Into<Cow<'static, str>>> FromIterator<(N, FieldValue)> for Fields {
    fn from_iter<I: IntoIterator<Item = (N, FieldValue)>>(items: I) -> Fields {
        let mut fields = Fields::new();
        fields.extend(items);
        fields
    }
}

impl<N: Into<Cow<'static, str>>> Extend<(N, FieldValue)> for Fields {
    fn extend<I: IntoIterator<Item = (N, FieldValue)>>(&mut self, items: I) {
        for (name, value) in items {
            self.insert(name, value);
        }
    }
}

/// The named fields of an event.
pub fn event_fields(event: &Event) -> Fields {
    let mut fields = Fields(Vec::with_capacity(16));
    put_fields(event, &mut fields);
    fields
}

/// One named field of an event, as [`event_fields`] has it, without
/// computing the others: a signal's `when` asks each of the many short GC
/// pauses for one figure, and building every field for it cost more than
/// parsing the pause.
pub fn event_field(event: &Event, name: &str) -> Option<FieldValue> {
    if let EventKind::Metrics(m) = &event.kind {
        return metrics_field(m, name);
    }
    let mut lookup = Lookup { name, found: None };
    put_fields(event, &mut lookup);
    lookup.found
}

/// Where [`put_fields`] sends an event's fields: one list of fields serves
/// the full set and the lookup of one, so they always agree.
trait FieldSink {
    /// Takes a field; `value` runs only when the field is wanted.
    fn put(&mut self, name: &'static str, value: impl FnOnce() -> Option<FieldValue>);
}

impl FieldSink for Fields {
    fn put(&mut self, name: &'static str, value: impl FnOnce() -> Option<FieldValue>) {
        if let Some(value) = value() {
            self.insert(name, value);
        }
    }
}

/// The value of one field, found while the others are passed over.
struct Lookup<'a> {
    name: &'a str,
    found: Option<FieldValue>,
}

impl FieldSink for Lookup<'_> {
    fn put(&mut self, name: &'static str, value: impl FnOnce() -> Option<FieldValue>) {
        if name == self.name {
            self.found = value();
        }
    }
}

fn num(v: Option<f64>) -> Option<FieldValue> {
    v.map(FieldValue::Number)
}

fn text(v: Option<&str>) -> Option<FieldValue> {
    v.map(|t| FieldValue::Text(t.to_string()))
}

/// Reads one field of a metrics sample.
pub(crate) type MetricsReader = fn(&SystemSample) -> Option<FieldValue>;

/// A figure the sample holds under the field's own name.
macro_rules! figure {
    ($field:ident) => {
        (stringify!($field), |m| num(m.$field))
    };
}

/// The fields of a metrics sample with their readers: the full set lists
/// them, a lookup of one goes straight to it, and a catalog resolves the
/// fields its `when` conditions name once (a metrics file gives a sample
/// per row, per device or per VM, and signals ask each for a few figures).
const METRICS_FIELDS: [(&str, MetricsReader); 38] = [
    figure!(run_queue),
    figure!(blocked),
    figure!(cpu_user),
    figure!(cpu_system),
    figure!(cpu_idle),
    figure!(cpu_iowait),
    figure!(cpu_steal),
    figure!(swap_in),
    figure!(swap_out),
    figure!(load_1m),
    figure!(cpus),
    ("device", |m| text(m.device.as_deref())),
    figure!(disk_util_pct),
    figure!(disk_await_ms),
    figure!(rx_drops_per_s),
    figure!(tx_drops_per_s),
    ("drops_per_s", |m| {
        num(sum_of(m.rx_drops_per_s, m.tx_drops_per_s))
    }),
    figure!(rx_errors_per_s),
    figure!(tx_errors_per_s),
    ("errors_per_s", |m| {
        num(sum_of(m.rx_errors_per_s, m.tx_errors_per_s))
    }),
    figure!(major_faults_per_s),
    figure!(pages_swapped_in_per_s),
    figure!(pages_swapped_out_per_s),
    figure!(memory_used_pct),
    figure!(swap_used_pct),
    ("guest", |m| text(m.guest.as_deref())),
    figure!(cpu_ready_pct),
    figure!(cpu_costop_pct),
    figure!(cpu_swap_wait_pct),
    figure!(balloon_mb),
    figure!(host_swapped_mb),
    ("top_process", |m| text(m.top_process.as_deref())),
    figure!(psi_cpu_some_avg10),
    figure!(psi_memory_some_avg10),
    figure!(psi_memory_full_avg10),
    figure!(psi_io_some_avg10),
    figure!(psi_io_full_avg10),
    ("run_queue_per_cpu", |m| {
        num(m
            .run_queue
            .zip(m.cpus)
            .filter(|(_, cpus)| *cpus > 0.0)
            .map(|(r, cpus)| r / cpus))
    }),
];

/// The reader of the metrics field `name`, if samples have one.
pub(crate) fn metrics_reader(name: &str) -> Option<MetricsReader> {
    METRICS_FIELDS
        .iter()
        .find(|(field, _)| *field == name)
        .map(|&(_, reader)| reader)
}

/// The field `name` of a metrics sample.
fn metrics_field(m: &SystemSample, name: &str) -> Option<FieldValue> {
    metrics_reader(name).and_then(|reader| reader(m))
}

/// Every field of `event`, in no particular order.
fn put_fields(event: &Event, sink: &mut impl FieldSink) {
    match &event.kind {
        EventKind::Log(record) => sink.put("code", || text(record.code.as_deref())),
        EventKind::GcPause(p) => {
            sink.put("duration_ms", || num(Some(p.duration_ms)));
            sink.put("pause_kind", || text(p.kind.map(pause_kind_name)));
            sink.put("cause", || text(p.cause.as_deref()));
            sink.put("collector", || text(p.collector));
            sink.put("heap_before_kb", || num(p.heap_before_kb.map(|v| v as f64)));
            sink.put("heap_after_kb", || num(p.heap_after_kb.map(|v| v as f64)));
            sink.put("heap_capacity_kb", || {
                num(p.heap_capacity_kb.map(|v| v as f64))
            });
            sink.put("heap_after_pct", || {
                num(p
                    .heap_after_kb
                    .zip(p.heap_capacity_kb)
                    .filter(|(_, cap)| *cap > 0)
                    .map(|(after, cap)| 100.0 * after as f64 / cap as f64))
            });
            sink.put("user_s", || num(p.user_s));
            sink.put("sys_s", || num(p.sys_s));
            sink.put("real_s", || num(p.real_s));
            sink.put("cpu_ratio", || {
                num(p
                    .real_s
                    .filter(|r| *r > 0.0)
                    .map(|r| (p.user_s.unwrap_or(0.0) + p.sys_s.unwrap_or(0.0)) / r))
            });
            sink.put("failures", || {
                (!p.failures.is_empty()).then(|| FieldValue::Text(p.failures.join(", ")))
            });
        }
        EventKind::Safepoint(s) => {
            sink.put("duration_ms", || num(Some(s.duration_ms)));
            sink.put("time_to_safepoint_ms", || num(s.time_to_safepoint_ms));
            sink.put("operation", || text(s.operation.as_deref()));
        }
        EventKind::AllocationStall(s) => {
            sink.put("duration_ms", || num(Some(s.duration_ms)));
            sink.put("thread", || text(s.thread.as_deref()));
        }
        EventKind::Metrics(m) => {
            for (name, reader) in METRICS_FIELDS {
                sink.put(name, || reader(m));
            }
        }
        EventKind::Alarm(a) => {
            sink.put("alarm_id", || text(Some(&a.id)));
            sink.put("alarm_name", || text(Some(&a.name)));
            sink.put("severity", || text(a.severity.as_deref()));
            sink.put("state", || {
                text(a.state.map(|s| match s {
                    AlarmState::Raised => "raised",
                    AlarmState::Cleared => "cleared",
                }))
            });
            sink.put("serial", || text(a.serial.as_deref()));
            sink.put("service", || text(a.service.as_deref()));
            sink.put("role", || text(a.role.as_deref()));
        }
        EventKind::LogGap(g) => sink.put("duration_ms", || num(Some(g.duration_ms))),
        EventKind::StreamEnd(summary) => {
            sink.put("records", || num(Some(summary.records as f64)));
            sink.put("mean_spacing_ms", || num(Some(summary.mean_spacing_ms())));
        }
        EventKind::ThreadWait(w) => put_thread_wait(w, sink),
        EventKind::DbCall(c) => put_db_call(c, sink),
        EventKind::Packet(p) => put_packet(p, sink),
    }
}

/// The sum of two figures where either is known.
fn sum_of(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (None, None) => None,
        _ => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
    }
}

/// A lock wait's fields. Frames are joined by line breaks, innermost first,
/// so a condition can ask whether a thread was in some code (`holder_frames
/// contains "socketRead"`).
fn put_thread_wait(w: &ThreadWait, sink: &mut impl FieldSink) {
    let holder = w.holder.as_ref();
    sink.put("thread", || text(Some(&w.thread)));
    sink.put("state", || text(Some(w.state.name())));
    sink.put("lock", || text(Some(&w.lock)));
    sink.put("lock_class", || text(Some(&w.lock_class)));
    sink.put("frames", || text(Some(&w.frames.join("\n"))));
    sink.put("top_frame", || text(w.frames.first().map(String::as_str)));
    sink.put("holder", || text(holder.map(|h| h.thread.as_str())));
    sink.put("holder_known", || {
        text(Some(if holder.is_some() { "yes" } else { "no" }))
    });
    sink.put("holder_state", || text(holder.map(|h| h.state.name())));
    sink.put("holder_frames", || {
        text(holder.map(|h| h.frames.join("\n")).as_deref())
    });
    sink.put("holder_top_frame", || {
        text(holder.and_then(|h| h.frames.first()).map(String::as_str))
    });
    sink.put("holder_app_frame", || {
        text(holder.and_then(|h| first_outside_jdk(&h.frames)))
    });
    sink.put("app_frame", || text(first_outside_jdk(&w.frames)));
    sink.put("deadlocked", || {
        text(Some(if w.deadlocked { "yes" } else { "no" }))
    });
}

/// A JDBC call's fields: what ran (`sql`, `verb`, `table`), from where
/// (`thread`, `connection`), how long it took (`latency_ms`), how it ended
/// (`outcome` ok or error, `error`), and how it recurred from the same
/// thread (`repeats` runs before it, `gap_ms` since the previous one ended,
/// `period_ms` since it started).
fn put_db_call(c: &DbCall, sink: &mut impl FieldSink) {
    sink.put("dialect", || text(Some(c.dialect.name())));
    sink.put("thread", || text(c.thread.as_deref()));
    sink.put("connection", || text(c.connection.as_deref()));
    sink.put("method", || text(c.method.as_deref()));
    sink.put("sql", || text(Some(&c.sql)));
    sink.put("verb", || text(c.verb.as_deref()));
    sink.put("table", || text(c.table.as_deref()));
    sink.put("latency_ms", || num(c.latency_ms));
    sink.put("latency_s", || num(c.latency_ms.map(|ms| ms / 1000.0)));
    sink.put("outcome", || {
        text(Some(if c.error.is_some() { "error" } else { "ok" }))
    });
    sink.put("error", || text(c.error.as_deref()));
    sink.put("repeats", || {
        num(Some(c.repeat.map_or(0.0, |r| f64::from(r.before))))
    });
    sink.put("gap_ms", || num(c.repeat.map(|r| r.gap_ms)));
    sink.put("period_ms", || num(c.repeat.map(|r| r.period_ms)));
}

/// A packet finding's fields: what was seen (`what`: reset, lost, late,
/// silence, delivered, …), between which ends (`from`, `to`, their
/// `from_addr`/`from_port`, `to_addr`/`to_port`, the flow's
/// `service_port`, and `direction`: `request` toward that port — a node's
/// heartbeat to the master, a gateway's statement to the database — or
/// `answer` back), whether the capture was the sender's (`sent_here`
/// yes, no or unknown), how many packets over how long (`packets`,
/// `duration_ms`, `duration_s`), the mean round-trip time (`rtt_ms`), and
/// for both-ends findings the other capture's packet (`peer_file`,
/// `peer_host`, `peer_packet`) and its clock offset (`peer_offset_ms`).
fn put_packet(p: &PacketFinding, sink: &mut impl FieldSink) {
    let split = |end: &str| {
        end.rsplit_once(':').map(|(a, port)| {
            (
                a.trim_matches(['[', ']']).to_string(),
                port.parse::<f64>().ok(),
            )
        })
    };
    sink.put("what", || text(Some(p.what.name())));
    sink.put("from", || text(Some(&p.from)));
    sink.put("to", || text(Some(&p.to)));
    sink.put("from_addr", || {
        text(split(&p.from).map(|(a, _)| a).as_deref())
    });
    sink.put("from_port", || {
        num(split(&p.from).and_then(|(_, port)| port))
    });
    sink.put("to_addr", || text(split(&p.to).map(|(a, _)| a).as_deref()));
    sink.put("to_port", || num(split(&p.to).and_then(|(_, port)| port)));
    sink.put("service_port", || num(Some(f64::from(p.service_port))));
    sink.put("direction", || {
        let to_service = split(&p.to).and_then(|(_, port)| port) == Some(f64::from(p.service_port));
        text(Some(if to_service { "request" } else { "answer" }))
    });
    sink.put("sent_here", || {
        text(Some(match p.sent_here {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        }))
    });
    sink.put("packets", || num(Some(p.packets as f64)));
    sink.put("duration_ms", || num(p.duration_ms));
    sink.put("duration_s", || num(p.duration_ms.map(|ms| ms / 1000.0)));
    sink.put("rtt_ms", || num(p.rtt_ms));
    sink.put("peer_file", || {
        text(p.peer.as_ref().map(|r| r.file.as_str()))
    });
    sink.put("peer_host", || {
        text(p.peer.as_ref().map(|r| r.host.as_str()))
    });
    sink.put("peer_packet", || {
        num(p.peer.as_ref().map(|r| r.packet as f64))
    });
    sink.put("peer_offset_ms", || num(p.peer_offset_ms));
}

/// The innermost frame of code that is not the JDK's own: what the
/// application (or its JDBC driver) was doing under the socket read or the
/// lock wait the top frames show.
fn first_outside_jdk(frames: &[String]) -> Option<&str> {
    const JDK: [&str; 5] = ["java.", "javax.", "jdk.", "sun.", "com.sun."];
    frames
        .iter()
        .map(String::as_str)
        .find(|frame| !JDK.iter().any(|p| frame.starts_with(p)))
}

fn pause_kind_name(kind: PauseKind) -> &'static str {
    match kind {
        PauseKind::Young => "young",
        PauseKind::Mixed => "mixed",
        PauseKind::Full => "full",
        PauseKind::InitialMark => "initial_mark",
        PauseKind::Remark => "remark",
        PauseKind::Cleanup => "cleanup",
        PauseKind::Degenerated => "degenerated",
        PauseKind::Other => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GcPause, LogTime, Safepoint};

    #[test]
    fn every_metrics_field_is_listed_and_looked_up_alike() {
        let figure = Some(4.0);
        let sample = SystemSample {
            run_queue: figure,
            blocked: figure,
            cpu_user: figure,
            cpu_system: figure,
            cpu_idle: figure,
            cpu_iowait: figure,
            cpu_steal: figure,
            swap_in: figure,
            swap_out: figure,
            load_1m: figure,
            cpus: figure,
            device: Some("vda".into()),
            disk_util_pct: figure,
            disk_await_ms: figure,
            rx_drops_per_s: figure,
            tx_drops_per_s: figure,
            rx_errors_per_s: figure,
            tx_errors_per_s: figure,
            major_faults_per_s: figure,
            pages_swapped_in_per_s: figure,
            pages_swapped_out_per_s: figure,
            memory_used_pct: figure,
            swap_used_pct: figure,
            guest: Some("infawk01".into()),
            cpu_ready_pct: figure,
            cpu_costop_pct: figure,
            cpu_swap_wait_pct: figure,
            balloon_mb: figure,
            host_swapped_mb: figure,
            top_process: Some("java".into()),
            psi_cpu_some_avg10: figure,
            psi_memory_some_avg10: figure,
            psi_memory_full_avg10: figure,
            psi_io_some_avg10: figure,
            psi_io_full_avg10: figure,
        };
        let metrics = event(EventKind::Metrics(Box::new(sample)));
        let all = event_fields(&metrics);
        for (name, _) in METRICS_FIELDS {
            let one = event_field(&metrics, name);
            assert!(one.is_some(), "{name} has no value");
            assert_eq!(all.get(name), one.as_ref(), "{name}");
        }
        assert_eq!(
            event_field(&metrics, "run_queue_per_cpu"),
            Some(FieldValue::Number(1.0))
        );
    }

    fn event(kind: EventKind) -> Event {
        Event {
            line: 1,
            time: LogTime::Uptime(0.0),
            level: None,
            text: String::new(),
            host: None,
            kind,
        }
    }

    #[test]
    fn one_field_agrees_with_the_full_set() {
        let pause = GcPause {
            duration_ms: 1234.5,
            kind: Some(PauseKind::Full),
            cause: Some("Ergonomics".into()),
            collector: Some("Parallel"),
            heap_before_kb: Some(700),
            heap_after_kb: Some(500),
            heap_capacity_kb: Some(1000),
            user_s: Some(2.1),
            sys_s: Some(0.01),
            real_s: Some(1.23),
            failures: vec!["promotion failed".into()],
            ..GcPause::default()
        };
        let events = [
            event(EventKind::GcPause(Box::new(pause))),
            event(EventKind::GcPause(Box::default())),
            event(EventKind::Safepoint(Box::new(Safepoint {
                duration_ms: 60.0,
                time_to_safepoint_ms: Some(12.0),
                operation: None,
                ..Safepoint::default()
            }))),
        ];
        for event in &events {
            let all = event_fields(event);
            for (name, value) in all.iter() {
                assert_eq!(event_field(event, name).as_ref(), Some(value), "{name}");
            }
            for absent in ["operation", "failures", "no_such_field"] {
                assert_eq!(event_field(event, absent).as_ref(), all.get(absent));
            }
        }
    }
}
