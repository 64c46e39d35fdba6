//! Heartbeat intervals: the design defaults, overridden by what the bundle
//! shows, overridden by the command line. Mismatches are reported because
//! the design requires every node to use the same node heartbeat interval.

use super::{ConfigNote, KnownSignals};
use crate::signals::SignalId;
use crate::timeline::{HostId, Timeline};
use std::collections::BTreeMap;

/// MasterDBRefreshInterval default and minimum, seconds.
pub const DEFAULT_DB_REFRESH_S: f64 = 8.0;
/// `-Dinfa.masterUpdateTimeInterval` default, ms.
pub const DEFAULT_NODE_INTERVAL_MS: f64 = 15_000.0;
/// The master gives up after this many DB refresh intervals…
pub const DB_TIMEOUT_FACTOR: f64 = 4.0;
/// …or this many in a domain with a single gateway.
pub const SINGLE_GATEWAY_DB_TIMEOUT_FACTOR: f64 = 12.0;
/// The master marks a node dead after this many node heartbeat intervals.
pub const NODE_TIMEOUT_FACTOR: f64 = 6.0;
/// DB refresh intervals a bundle or flag may set, seconds; others are ignored.
pub const PLAUSIBLE_DB_REFRESH_S: std::ops::RangeInclusive<f64> = 1.0..=3600.0;
/// Node heartbeat intervals a bundle or flag may set, ms; others are ignored.
pub const PLAUSIBLE_NODE_INTERVAL_MS: std::ops::RangeInclusive<f64> = 100.0..=3_600_000.0;

/// Heartbeat settings from the command line; `None` means "use the bundle's
/// value, else the design default".
#[derive(Clone, Debug, Default)]
pub struct HeartbeatSettings {
    pub db_refresh_interval_s: Option<f64>,
    pub master_update_interval_ms: Option<f64>,
    pub single_gateway: bool,
}

/// The intervals incident detection uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Intervals {
    pub db_refresh_ms: f64,
    pub db_timeout_factor: f64,
    /// Node heartbeat interval per host that showed one.
    pub node_interval_by_host: BTreeMap<HostId, f64>,
    /// For hosts that did not.
    pub node_interval_ms: f64,
}

impl Default for Intervals {
    fn default() -> Self {
        Intervals {
            db_refresh_ms: DEFAULT_DB_REFRESH_S * 1000.0,
            db_timeout_factor: DB_TIMEOUT_FACTOR,
            node_interval_by_host: BTreeMap::new(),
            node_interval_ms: DEFAULT_NODE_INTERVAL_MS,
        }
    }
}

impl Intervals {
    /// The DB heartbeat timeout after which the master terminates.
    pub fn db_timeout_ms(&self) -> f64 {
        self.db_refresh_ms * self.db_timeout_factor
    }

    /// A node's heartbeat interval.
    pub fn node_interval(&self, host: Option<HostId>) -> f64 {
        host.and_then(|h| self.node_interval_by_host.get(&h).copied())
            .unwrap_or(self.node_interval_ms)
    }
}

/// Resolves the intervals and notes what looks wrong.
pub fn resolve(
    timeline: &Timeline,
    known: &KnownSignals,
    settings: &HeartbeatSettings,
) -> (Intervals, Vec<ConfigNote>) {
    let mut notes = Vec::new();
    let mut intervals = Intervals {
        db_timeout_factor: if settings.single_gateway {
            SINGLE_GATEWAY_DB_TIMEOUT_FACTOR
        } else {
            DB_TIMEOUT_FACTOR
        },
        ..Intervals::default()
    };
    let db_values = values_by_host(
        timeline,
        known.config_db_refresh_interval,
        "value_s",
        PLAUSIBLE_DB_REFRESH_S,
        &mut notes,
    );
    if let Some(seconds) = settings.db_refresh_interval_s {
        intervals.db_refresh_ms = seconds.max(DEFAULT_DB_REFRESH_S) * 1000.0;
    } else if let Some((seconds, entry)) = db_values
        .values()
        .copied()
        .max_by(|a, b| a.0.total_cmp(&b.0))
    {
        if seconds < DEFAULT_DB_REFRESH_S {
            notes.push(ConfigNote {
                message: format!(
                    "MasterDBRefreshInterval is {seconds} s, below the minimum of 8 s; Informatica uses 8 s"
                ),
                evidence: vec![entry],
            });
        }
        intervals.db_refresh_ms = seconds.max(DEFAULT_DB_REFRESH_S) * 1000.0;
    }
    if let Some(ms) = settings.master_update_interval_ms {
        intervals.node_interval_ms = ms;
        return (intervals, notes);
    }
    let node_values = values_by_host(
        timeline,
        known.config_master_update_interval,
        "value_ms",
        PLAUSIBLE_NODE_INTERVAL_MS,
        &mut notes,
    );
    if let Some(note) = mismatch_note(timeline, &node_values) {
        notes.push(note);
    }
    intervals.node_interval_by_host = node_values.iter().map(|(h, (v, _))| (*h, *v)).collect();
    (intervals, notes)
}

/// The last plausible value of a config signal's field on each host, with
/// its entry; an implausible one (a garbled line) is noted and ignored.
fn values_by_host(
    timeline: &Timeline,
    signal: Option<SignalId>,
    field: &str,
    plausible: std::ops::RangeInclusive<f64>,
    notes: &mut Vec<ConfigNote>,
) -> BTreeMap<HostId, (f64, usize)> {
    let mut values = BTreeMap::new();
    let Some(signal) = signal else {
        return values;
    };
    for (i, entry) in timeline.entries.iter().enumerate() {
        let value = entry
            .signals
            .iter()
            .filter(|s| s.id == signal)
            .find_map(|s| s.field(&entry.event, field)?.as_number());
        match value {
            Some(value) if plausible.contains(&value) => {
                values.insert(entry.host, (value, i));
            }
            Some(value) => notes.push(ConfigNote {
                message: format!(
                    "ignored {field} = {value} on {}: outside {}..={}",
                    timeline.host(entry.host).name,
                    plausible.start(),
                    plausible.end()
                ),
                evidence: vec![i],
            }),
            None => {}
        }
    }
    values
}

fn mismatch_note(
    timeline: &Timeline,
    values: &BTreeMap<HostId, (f64, usize)>,
) -> Option<ConfigNote> {
    let first = values.values().next()?.0;
    if values.values().all(|(v, _)| *v == first) {
        return None;
    }
    let listed: Vec<String> = values
        .iter()
        .map(|(h, (v, _))| format!("{}={v}", timeline.host(*h).name))
        .collect();
    Some(ConfigNote {
        message: format!(
            "-Dinfa.masterUpdateTimeInterval differs between nodes ({}); the design requires the same value on every node (set it in INFA_JAVA_OPTS)",
            listed.join(", ")
        ),
        evidence: values.values().map(|(_, e)| *e).collect(),
    })
}
