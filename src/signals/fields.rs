//! The figures each kind of event offers to signal and rule conditions,
//! under stable names (`duration_ms`, `cpu_steal`, `alarm_id`, …).

use super::FieldValue;
use crate::model::{AlarmState, Event, EventKind, PauseKind};
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
    let mut put = |name: &'static str, value: Option<FieldValue>| {
        if let Some(value) = value {
            fields.insert(name, value);
        }
    };
    let num = |v: Option<f64>| v.map(FieldValue::Number);
    let text = |v: Option<&str>| v.map(|t| FieldValue::Text(t.to_string()));
    match &event.kind {
        EventKind::Log(record) => put("code", text(record.code.as_deref())),
        EventKind::GcPause(p) => {
            put("duration_ms", num(Some(p.duration_ms)));
            put("pause_kind", text(p.kind.map(pause_kind_name)));
            put("cause", text(p.cause.as_deref()));
            put("collector", text(p.collector.as_deref()));
            put("heap_before_kb", num(p.heap_before_kb.map(|v| v as f64)));
            put("heap_after_kb", num(p.heap_after_kb.map(|v| v as f64)));
            put(
                "heap_capacity_kb",
                num(p.heap_capacity_kb.map(|v| v as f64)),
            );
            put(
                "heap_after_pct",
                num(p
                    .heap_after_kb
                    .zip(p.heap_capacity_kb)
                    .filter(|(_, cap)| *cap > 0)
                    .map(|(after, cap)| 100.0 * after as f64 / cap as f64)),
            );
            put("user_s", num(p.user_s));
            put("sys_s", num(p.sys_s));
            put("real_s", num(p.real_s));
            put(
                "cpu_ratio",
                num(p
                    .real_s
                    .filter(|r| *r > 0.0)
                    .map(|r| (p.user_s.unwrap_or(0.0) + p.sys_s.unwrap_or(0.0)) / r)),
            );
            put(
                "failures",
                (!p.failures.is_empty()).then(|| FieldValue::Text(p.failures.join(", "))),
            );
        }
        EventKind::Safepoint(s) => {
            put("duration_ms", num(Some(s.duration_ms)));
            put("time_to_safepoint_ms", num(s.time_to_safepoint_ms));
            put("operation", text(s.operation.as_deref()));
        }
        EventKind::AllocationStall(s) => {
            put("duration_ms", num(Some(s.duration_ms)));
            put("thread", text(s.thread.as_deref()));
        }
        EventKind::Metrics(m) => {
            put("run_queue", num(m.run_queue));
            put("blocked", num(m.blocked));
            put("cpu_user", num(m.cpu_user));
            put("cpu_system", num(m.cpu_system));
            put("cpu_idle", num(m.cpu_idle));
            put("cpu_iowait", num(m.cpu_iowait));
            put("cpu_steal", num(m.cpu_steal));
            put("swap_in", num(m.swap_in));
            put("swap_out", num(m.swap_out));
            put("load_1m", num(m.load_1m));
            put("cpus", num(m.cpus));
            put(
                "run_queue_per_cpu",
                num(m
                    .run_queue
                    .zip(m.cpus)
                    .filter(|(_, cpus)| *cpus > 0.0)
                    .map(|(r, cpus)| r / cpus)),
            );
        }
        EventKind::Alarm(a) => {
            put("alarm_id", text(Some(&a.id)));
            put("alarm_name", text(Some(&a.name)));
            put("severity", text(a.severity.as_deref()));
            put(
                "state",
                text(a.state.map(|s| match s {
                    AlarmState::Raised => "raised",
                    AlarmState::Cleared => "cleared",
                })),
            );
            put("serial", text(a.serial.as_deref()));
            put("service", text(a.service.as_deref()));
            put("role", text(a.role.as_deref()));
        }
        EventKind::LogGap(g) => put("duration_ms", num(Some(g.duration_ms))),
        EventKind::StreamEnd => {}
    }
    fields
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
