//! Informatica domain incidents: master DB heartbeat timeouts, nodes marked
//! dead, and heartbeat send failures on non-masters (repeated, or a single
//! transient glitch).

use super::{
    GRACE, Incident, IncidentKind, Intervals, KnownSignals, Severity, Window, clock, has, millis,
    text_field,
};
use crate::signals::SignalId;
use crate::timeline::{Entry, HostId, Timeline};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// How long after a master terminates its cascade (other nodes losing it,
/// the re-election) is still counted as part of the incident.
const FOLLOW_UP: Duration = Duration::seconds(120);

pub(super) fn detect(
    timeline: &Timeline,
    known: &KnownSignals,
    intervals: &Intervals,
    node_hosts: &BTreeMap<String, HostId>,
) -> Vec<Incident> {
    let ctx = Context {
        timeline,
        known,
        intervals,
        node_hosts,
    };
    let mut incidents = ctx.master_db_timeouts();
    incidents.extend(ctx.nodes_marked_dead());
    let claimed: BTreeSet<usize> = incidents
        .iter()
        .flat_map(|i| i.cascade.iter().copied())
        .collect();
    incidents.extend(ctx.send_failures(&claimed));
    incidents
}

/// The events around a master's termination that belong to its incident.
#[derive(Default)]
struct TerminationStory {
    cascade: Vec<usize>,
    affected: BTreeSet<HostId>,
    db_errors: usize,
    new_master: Option<String>,
}

struct Context<'a> {
    timeline: &'a Timeline,
    known: &'a KnownSignals,
    intervals: &'a Intervals,
    node_hosts: &'a BTreeMap<String, HostId>,
}

impl Context<'_> {
    fn host_name(&self, host: HostId) -> &str {
        &self.timeline.host(host).name
    }

    fn node_of(&self, host: HostId) -> Option<String> {
        self.node_hosts
            .iter()
            .find(|(node, h)| **h == host && node.as_str() != self.host_name(host).to_lowercase())
            .map(|(node, _)| node.clone())
    }

    /// Entry indices whose time is inside `window`.
    fn range(&self, window: Window) -> Range<usize> {
        let entries = &self.timeline.entries;
        entries.partition_point(|e| e.time < window.start)
            ..entries.partition_point(|e| e.time <= window.end)
    }

    fn with_signal(&self, signal: Option<SignalId>) -> impl Iterator<Item = (usize, &Entry)> {
        self.timeline
            .entries
            .iter()
            .enumerate()
            .filter(move |(_, e)| has(e, signal))
    }

    fn master_db_timeouts(&self) -> Vec<Incident> {
        let timeout_ms = self.intervals.db_timeout_ms();
        let interval_ms = self.intervals.db_refresh_ms;
        let mut last_anchor: BTreeMap<HostId, DateTime<Utc>> = BTreeMap::new();
        let mut incidents = Vec::new();
        for (index, entry) in self.with_signal(self.known.master_terminated) {
            if last_anchor
                .get(&entry.host)
                .is_some_and(|t| entry.time - *t <= millis(timeout_ms))
            {
                continue;
            }
            last_anchor.insert(entry.host, entry.time);
            incidents.push(self.master_db_timeout(index, entry, interval_ms, timeout_ms));
        }
        incidents
    }

    fn master_db_timeout(
        &self,
        index: usize,
        entry: &Entry,
        interval_ms: f64,
        timeout_ms: f64,
    ) -> Incident {
        let subject = entry.host;
        let window = Window {
            start: entry.time - millis(timeout_ms + interval_ms),
            end: entry.time + GRACE,
        };
        let follow = Window {
            start: window.start,
            end: entry.time + FOLLOW_UP.max(millis(timeout_ms)),
        };
        let story = self.termination_story(index, entry, window, follow);
        let node = self.node_of(subject);
        let mut summary = format!(
            "Master gateway {}{} terminated at {}: it could not update the domain configuration database for {:.0} s ({} DB heartbeat error(s) logged before)",
            self.host_name(subject),
            node.as_ref()
                .map(|n| format!(" (node {n})"))
                .unwrap_or_default(),
            clock(entry.time),
            timeout_ms / 1000.0,
            story.db_errors
        );
        if !story.affected.is_empty() {
            summary.push_str(&format!(
                "; {} other node(s) lost the master",
                story.affected.len()
            ));
        }
        if let Some(master) = &story.new_master {
            summary.push_str(&format!("; {master} was elected the new master"));
        }
        Incident {
            kind: IncidentKind::MasterDbTimeout,
            subject: Some(subject),
            node,
            observer: None,
            affected: story.affected.into_iter().collect(),
            anchor: entry.time,
            anchor_entry: index,
            interval_ms,
            timeout_ms,
            window,
            severity: Severity::Critical,
            summary,
            cascade: story.cascade,
        }
    }

    /// What happened around a master's termination: its DB heartbeat
    /// errors in `window`, and in `follow` the other nodes losing it and
    /// the re-election.
    fn termination_story(
        &self,
        index: usize,
        entry: &Entry,
        window: Window,
        follow: Window,
    ) -> TerminationStory {
        let subject = entry.host;
        let mut story = TerminationStory {
            cascade: vec![index],
            ..TerminationStory::default()
        };
        for i in self.range(follow) {
            let e = &self.timeline.entries[i];
            if e.host == subject
                && window.contains(e.time)
                && has(e, self.known.db_heartbeat_failed)
            {
                story.db_errors += 1;
                story.cascade.push(i);
            } else if e.host != subject && has(e, self.known.heartbeat_send_failed) {
                story.affected.insert(e.host);
                story.cascade.push(i);
            } else if e.time >= entry.time && has(e, self.known.master_elected) {
                story.new_master = story
                    .new_master
                    .or_else(|| text_field(e, self.known.master_elected, "node"));
                if e.host != subject {
                    story.affected.insert(e.host);
                }
                story.cascade.push(i);
            }
        }
        story.cascade.sort_unstable();
        story.cascade.dedup();
        story
    }

    fn nodes_marked_dead(&self) -> Vec<Incident> {
        let mut last_anchor: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
        let mut incidents = Vec::new();
        for (index, entry) in self.with_signal(self.known.node_marked_dead) {
            let node = text_field(entry, self.known.node_marked_dead, "node");
            let key = node.clone().unwrap_or_default().to_lowercase();
            let subject = self.node_hosts.get(&key).copied();
            let interval_ms = self.intervals.node_interval(subject);
            let timeout_ms = interval_ms * super::config::NODE_TIMEOUT_FACTOR;
            if last_anchor
                .get(&key)
                .is_some_and(|t| entry.time - *t <= millis(timeout_ms))
            {
                continue;
            }
            last_anchor.insert(key, entry.time);
            incidents.push(self.node_marked_dead(
                index,
                entry,
                node,
                subject,
                interval_ms,
                timeout_ms,
            ));
        }
        incidents
    }

    fn node_marked_dead(
        &self,
        index: usize,
        entry: &Entry,
        node: Option<String>,
        subject: Option<HostId>,
        interval_ms: f64,
        timeout_ms: f64,
    ) -> Incident {
        let window = Window {
            start: entry.time - millis(timeout_ms + interval_ms),
            end: entry.time + GRACE,
        };
        let mut cascade: Vec<usize> = self
            .range(window)
            .filter(|&i| {
                let e = &self.timeline.entries[i];
                Some(e.host) == subject && has(e, self.known.heartbeat_send_failed)
            })
            .collect();
        cascade.push(index);
        cascade.sort_unstable();
        let node_name = node
            .as_ref()
            .map_or_else(|| "a node".to_string(), |n| format!("node {n}"));
        let where_logs = match subject {
            Some(h) => format!("host {}", self.host_name(h)),
            None => "its logs are not in the bundle".to_string(),
        };
        let summary = format!(
            "Master gateway {} marked {node_name} ({where_logs}) dead at {}: no heartbeat for {:.0} s",
            self.host_name(entry.host),
            clock(entry.time),
            timeout_ms / 1000.0
        );
        Incident {
            kind: IncidentKind::NodeMarkedDead,
            subject,
            node,
            observer: Some(entry.host),
            affected: Vec::new(),
            anchor: entry.time,
            anchor_entry: index,
            interval_ms,
            timeout_ms,
            window,
            severity: Severity::High,
            summary,
            cascade,
        }
    }

    /// Heartbeat send failures not already part of a bigger incident,
    /// grouped per host into bursts.
    fn send_failures(&self, claimed: &BTreeSet<usize>) -> Vec<Incident> {
        let mut by_host: BTreeMap<HostId, Vec<usize>> = BTreeMap::new();
        for (index, entry) in self.with_signal(self.known.heartbeat_send_failed) {
            if !claimed.contains(&index) {
                by_host.entry(entry.host).or_default().push(index);
            }
        }
        let mut incidents = Vec::new();
        for (host, failures) in by_host {
            let interval_ms = self.intervals.node_interval(Some(host));
            let mut burst: Vec<usize> = Vec::new();
            for index in failures {
                let joins = burst.last().is_some_and(|&last| {
                    self.timeline.entries[index].time - self.timeline.entries[last].time
                        <= millis(2.0 * interval_ms) + GRACE
                });
                if !joins && !burst.is_empty() {
                    incidents.push(self.send_failure_burst(
                        host,
                        std::mem::take(&mut burst),
                        interval_ms,
                    ));
                }
                burst.push(index);
            }
            if !burst.is_empty() {
                incidents.push(self.send_failure_burst(host, burst, interval_ms));
            }
        }
        incidents
    }

    fn send_failure_burst(&self, host: HostId, burst: Vec<usize>, interval_ms: f64) -> Incident {
        let entries = &self.timeline.entries;
        let first = &entries[burst[0]];
        let last = &entries[*burst.last().expect("a burst is never empty")];
        let transient = burst.len() == 1;
        let window = Window {
            start: first.time - millis(interval_ms),
            end: last.time
                + if transient {
                    millis(interval_ms)
                } else {
                    GRACE
                },
        };
        let recovered = self
            .range(Window {
                start: last.time,
                end: last.time + millis(6.0 * interval_ms),
            })
            .find(|&i| entries[i].host == host && has(&entries[i], self.known.heartbeat_recovered));
        let mut cascade = burst.clone();
        cascade.extend(recovered);
        let node = self.node_of(host);
        let who = format!(
            "{}{}",
            self.host_name(host),
            node.as_ref()
                .map(|n| format!(" (node {n})"))
                .unwrap_or_default()
        );
        let (kind, severity, summary) = if transient {
            (
                IncidentKind::TransientGlitch,
                Severity::Low,
                format!(
                    "{who} failed one heartbeat to the master at {} and did not fail again: a transient glitch",
                    clock(first.time)
                ),
            )
        } else {
            (
                IncidentKind::HeartbeatSendFailure,
                Severity::Medium,
                format!(
                    "{who} failed {} heartbeats to the master between {} and {}{}",
                    burst.len(),
                    clock(first.time),
                    clock(last.time),
                    if recovered.is_some() {
                        ", then recovered"
                    } else {
                        ""
                    }
                ),
            )
        };
        Incident {
            kind,
            subject: Some(host),
            node,
            observer: None,
            affected: Vec::new(),
            anchor: first.time,
            anchor_entry: burst[0],
            interval_ms,
            timeout_ms: ((last.time - first.time).num_milliseconds() as f64).max(0.0) + interval_ms,
            window,
            severity,
            summary,
            cascade,
        }
    }
}
