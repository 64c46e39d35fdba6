//! Incidents stage: find each heartbeat failure on the timeline and group
//! its cascade (the DB heartbeat errors before a master terminates, the
//! other nodes' failed heartbeats, the re-election) into one story with an
//! anchor time, a timeout and the window rules look into.

pub mod config;
mod flink;
mod informatica;

use crate::signals::SignalId;
use crate::timeline::{Entry, HostId, Timeline};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

pub use config::{HeartbeatSettings, Intervals};
pub use flink::{INTERVAL_MS as FLINK_INTERVAL_MS, TIMEOUT_MS as FLINK_TIMEOUT_MS};

/// The kinds of heartbeat incident hbdiag recognises.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    /// The master gateway could not update the domain configuration
    /// database within 4 × MasterDBRefreshInterval and terminated.
    MasterDbTimeout,
    /// The master marked a node dead: no heartbeat within 6 × its interval.
    NodeMarkedDead,
    /// A non-master failed to send heartbeats repeatedly.
    HeartbeatSendFailure,
    /// A single failed heartbeat that recovered at once.
    TransientGlitch,
    /// Huawei MRS ALM-45640: a FlinkServer node got no heartbeat from its
    /// active/standby peer for the 30 s keepalive.
    FlinkHaHeartbeat,
}

impl IncidentKind {
    /// Every kind, for listing and validating rule files.
    pub const ALL: [IncidentKind; 5] = [
        IncidentKind::MasterDbTimeout,
        IncidentKind::NodeMarkedDead,
        IncidentKind::HeartbeatSendFailure,
        IncidentKind::TransientGlitch,
        IncidentKind::FlinkHaHeartbeat,
    ];

    /// The name used in rule files and reports.
    pub fn name(self) -> &'static str {
        match self {
            IncidentKind::MasterDbTimeout => "master_db_timeout",
            IncidentKind::NodeMarkedDead => "node_marked_dead",
            IncidentKind::HeartbeatSendFailure => "heartbeat_send_failure",
            IncidentKind::TransientGlitch => "transient_glitch",
            IncidentKind::FlinkHaHeartbeat => "flink_ha_heartbeat",
        }
    }

    /// Parses a name as written in rule files.
    pub fn from_name(name: &str) -> Option<IncidentKind> {
        IncidentKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One independent way an incident was seen. An incident found by several
/// routes is one incident; the report lists every route that saw it, and
/// the anchor is the one of the route listed first here.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// The master's own line saying it gave up and terminated.
    TerminationLine,
    /// The master's line marking a node dead.
    MarkedDeadLine,
    /// An alarm raised by the management system (ALM-45640).
    Alarm,
    /// A FlinkServer's HA heartbeat errors towards its peer lasted the
    /// keepalive (or it said nothing had arrived for that long).
    PeerHeartbeatErrors,
    /// The peer FlinkServer was stopped (stop.log, a shutdown in its role
    /// log) while this node went on and lost it.
    PeerStopped,
    /// A standby FlinkServer switched to active while its peer had not
    /// stopped cleanly: it had lost the peer's heartbeat.
    TookOverActive,
    /// DB heartbeat failures on a gateway for the whole timeout, then the
    /// gateway went away (FATAL, shutdown, restart, or its log ended).
    DbHeartbeatEpisode,
    /// Two or more nodes lost the master at once, then an election.
    PeersLostMaster,
    /// The node's own heartbeat failures lasted the whole node timeout.
    NodeHeartbeatFailures,
    /// The node logged nothing for the node timeout, and then showed it
    /// had lost the master (or a GC pause covered the silence).
    NodeSilence,
    /// The node's log ended while its peers' logs went on (for
    /// FlinkServer: the peer's role log ended while this node went on and
    /// showed it had lost it).
    LogEnded,
    /// The node's own line saying the master had marked it dead, written
    /// when it learnt of it (later than the master's line).
    ToldMarkedDead,
    /// Heartbeat send failures of a non-master node.
    SendFailures,
}

/// How bad an incident is for the cluster.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

/// A span of UTC time.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Window {
    /// Whether `t` falls inside (both ends included).
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t <= self.end
    }

    /// `2026-03-12 08:31:00–11:02:00Z`, the end's date written only when
    /// it differs, for sentences.
    pub fn in_words(&self) -> String {
        let end_format = if self.start.date_naive() == self.end.date_naive() {
            "%H:%M:%SZ"
        } else {
            "%Y-%m-%d %H:%M:%SZ"
        };
        format!(
            "{}–{}",
            self.start.format("%Y-%m-%d %H:%M:%S"),
            self.end.format(end_format)
        )
    }
}

/// One heartbeat incident.
#[derive(Clone, Debug)]
pub struct Incident {
    pub kind: IncidentKind,
    /// The host whose heartbeat failed (the master for a DB timeout, the dead
    /// node for a node timeout); `None` when its logs are not in the bundle.
    pub subject: Option<HostId>,
    /// Informatica node name of the subject, when known.
    pub node: Option<String>,
    /// The host that noticed (the master that marked a node dead).
    pub observer: Option<HostId>,
    /// Other hosts caught in the cascade.
    pub affected: Vec<HostId>,
    /// The moment that defines the incident (termination, marked dead).
    pub anchor: DateTime<Utc>,
    /// Index of the anchor's entry in the timeline.
    pub anchor_entry: usize,
    /// The heartbeat interval and the timeout that elapsed, in ms.
    pub interval_ms: f64,
    pub timeout_ms: f64,
    /// Timeout plus one interval before the anchor, a little grace after.
    pub window: Window,
    pub severity: Severity,
    pub summary: String,
    /// Timeline entries that tell the incident's story, in time order.
    pub cascade: Vec<usize>,
    /// Every route that saw the incident, best first.
    pub found_by: Vec<Route>,
}

impl Incident {
    /// Every host involved: subject, observer and affected, sorted.
    pub fn hosts(&self) -> Vec<HostId> {
        let mut hosts: Vec<HostId> = self
            .subject
            .into_iter()
            .chain(self.observer)
            .chain(self.affected.iter().copied())
            .collect();
        hosts.sort();
        hosts.dedup();
        hosts
    }

    /// The hosts involved other than the subject.
    pub fn peers(&self) -> Vec<HostId> {
        self.hosts()
            .into_iter()
            .filter(|h| Some(*h) != self.subject)
            .collect()
    }
}

/// A configuration observation worth telling the user (mismatched
/// heartbeat intervals, a value below the design minimum).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigNote {
    pub message: String,
    /// Timeline entries that show the values.
    pub evidence: Vec<usize>,
}

/// What the incident stage found.
#[derive(Debug, Default)]
pub struct Detection {
    pub incidents: Vec<Incident>,
    pub config_notes: Vec<ConfigNote>,
    pub intervals: Intervals,
}

/// Finds every incident on the timeline. `node_hosts` maps Informatica node
/// names (lowercase) to the host whose logs they are.
pub fn detect(
    timeline: &Timeline,
    known: &KnownSignals,
    settings: &HeartbeatSettings,
    node_hosts: &BTreeMap<String, HostId>,
) -> Detection {
    let (intervals, config_notes) = config::resolve(timeline, known, settings);
    let mut incidents = informatica::detect(timeline, known, &intervals, node_hosts);
    incidents.extend(flink::detect(timeline, known));
    incidents.sort_by(|a, b| {
        (a.anchor, a.kind, a.subject, &a.node).cmp(&(b.anchor, b.kind, b.subject, &b.node))
    });
    Detection {
        incidents,
        config_notes,
        intervals,
    }
}

/// A duration from milliseconds as figures and settings give them.
pub(crate) fn millis(ms: f64) -> Duration {
    Duration::milliseconds(ms.round() as i64)
}

/// Grace after an anchor: log lines about one moment spread over a second or two.
pub(crate) const GRACE: Duration = Duration::seconds(5);

/// Whether `entry` raised `signal`.
fn has(entry: &Entry, signal: Option<SignalId>) -> bool {
    signal.is_some_and(|id| entry.signals.iter().any(|s| s.id == id))
}

/// A field of `signal` on `entry`, as text.
fn text_field(entry: &Entry, signal: Option<SignalId>, field: &str) -> Option<String> {
    let id = signal?;
    entry
        .signals
        .iter()
        .filter(|s| s.id == id)
        .find_map(|s| s.field(&entry.event, field))
        .map(|value| value.to_string())
}

/// A UTC time as summaries print it.
fn clock(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%SZ").to_string()
}

pub use known::KnownSignals;

mod known {
    use crate::signals::{SignalCatalog, SignalId};

    /// The signals incident detection keys on, looked up once by name. A
    /// user file may redefine them; if one is removed, incidents that need
    /// it are simply not detected.
    #[derive(Clone, Debug, Default)]
    pub struct KnownSignals {
        pub master_terminated: Option<SignalId>,
        pub db_heartbeat_failed: Option<SignalId>,
        pub heartbeat_send_failed: Option<SignalId>,
        pub node_marked_dead: Option<SignalId>,
        pub master_elected: Option<SignalId>,
        /// A gateway re-running master election or a worker searching for
        /// the master: it lost the master.
        pub master_election_started: Option<SignalId>,
        pub heartbeat_recovered: Option<SignalId>,
        /// Ways a node goes away: a FATAL record, a shutdown, a restart.
        pub fatal_record: Option<SignalId>,
        pub node_shutdown: Option<SignalId>,
        pub node_started: Option<SignalId>,
        /// The last record of a node.log stream, and silences inside one.
        pub node_log_end: Option<SignalId>,
        pub node_log_gap: Option<SignalId>,
        /// Stop-the-world pauses, which explain a node's silence.
        pub gc_pause: Option<SignalId>,
        pub config_master_update_interval: Option<SignalId>,
        pub config_db_refresh_interval: Option<SignalId>,
        /// ALM-45640 raised: each raise anchors a FlinkServer incident.
        pub flink_heartbeat_alarm: Option<SignalId>,
        /// ALM-45640 cleared: how long the interruption lasted.
        pub flink_heartbeat_cleared: Option<SignalId>,
        /// A FlinkServer node's own and peer IPs, to map IPs to hosts.
        pub flink_ha_addresses: Option<SignalId>,
        /// FlinkServer HA heartbeat errors, part of an incident's story.
        pub ha_heartbeat_error: Option<SignalId>,
        /// A FlinkServer switching to active, part of an incident's story.
        pub flink_became_active: Option<SignalId>,
        /// A FlinkServer's role log saying the peer's heartbeat is back.
        pub flink_ha_recovered: Option<SignalId>,
        /// A FlinkServer stop requested or done (stop.log, role log).
        pub flinkserver_stopped: Option<SignalId>,
        /// The last record of any log stream.
        pub log_stream_end: Option<SignalId>,
        /// Signals only FlinkServer logs raise: a host with one of them
        /// runs a FlinkServer instance.
        pub flinkserver_markers: Vec<SignalId>,
    }

    impl KnownSignals {
        /// Looks the signals up in `catalog`.
        pub fn resolve(catalog: &SignalCatalog) -> KnownSignals {
            KnownSignals {
                master_terminated: catalog.id("master_terminated"),
                db_heartbeat_failed: catalog.id("db_heartbeat_failed"),
                heartbeat_send_failed: catalog.id("heartbeat_send_failed"),
                node_marked_dead: catalog.id("node_marked_dead"),
                master_elected: catalog.id("master_elected"),
                master_election_started: catalog.id("master_election_started"),
                heartbeat_recovered: catalog.id("heartbeat_recovered"),
                fatal_record: catalog.id("fatal_record"),
                node_shutdown: catalog.id("node_shutdown"),
                node_started: catalog.id("node_started"),
                node_log_end: catalog.id("node_log_end"),
                node_log_gap: catalog.id("node_log_gap"),
                gc_pause: catalog.id("gc_pause"),
                config_master_update_interval: catalog.id("config_master_update_interval"),
                config_db_refresh_interval: catalog.id("config_db_refresh_interval"),
                flink_heartbeat_alarm: catalog.id("flink_ha_heartbeat_alarm"),
                flink_heartbeat_cleared: catalog.id("flink_ha_heartbeat_cleared"),
                flink_ha_addresses: catalog.id("flink_ha_addresses"),
                ha_heartbeat_error: catalog.id("ha_heartbeat_error"),
                flink_became_active: catalog.id("flink_became_active"),
                flink_ha_recovered: catalog.id("flink_ha_heartbeat_recovered"),
                flinkserver_stopped: catalog.id("flinkserver_stopped"),
                log_stream_end: catalog.id("log_stream_end"),
                flinkserver_markers: [
                    "flink_ha_addresses",
                    "ha_heartbeat_error",
                    "flink_became_active",
                    "flinkserver_stopped",
                    "flinkserver_start_failed",
                    "float_ip_invalid",
                ]
                .iter()
                .filter_map(|name| catalog.id(name))
                .collect(),
            }
        }
    }
}

#[cfg(test)]
mod tests;
