//! Huawei MRS FlinkServer HA incidents (ALM-45640). Each raise of the alarm
//! is an incident on the host that raised it, with its active/standby peer
//! as the other party. When both nodes raise it within seconds, each lost
//! the other: that is one incident with a split-brain risk, not two.

use super::{
    GRACE, Incident, IncidentKind, KnownSignals, Severity, Window, clock, has, millis, text_field,
};
use crate::timeline::{Entry, HostId, Timeline};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// The keepalive: a node raises ALM-45640 after this long without a
/// heartbeat from its peer.
pub const TIMEOUT_MS: f64 = 30_000.0;
/// How often a FlinkServer sends its HA heartbeat (the role log's send
/// retries are this far apart).
pub const INTERVAL_MS: f64 = 10_000.0;
/// Raises on both nodes this close together are one incident.
const PAIR_WINDOW: Duration = Duration::seconds(30);
/// A clear this soon after the raise makes the incident a short glitch.
const GLITCH: Duration = Duration::minutes(2);
/// How long after the raise a switchover still belongs to the incident.
const FOLLOW_UP: Duration = Duration::minutes(2);

/// Finds every ALM-45640 incident on the timeline.
pub(super) fn detect(timeline: &Timeline, known: &KnownSignals) -> Vec<Incident> {
    let ctx = Context::new(timeline, known);
    pair_up(ctx.raises())
        .into_iter()
        .map(|group| ctx.incident(&group))
        .collect()
}

/// One raise of ALM-45640.
struct Raise {
    index: usize,
    host: HostId,
    time: DateTime<Utc>,
    serial: Option<String>,
    peer_ip: Option<String>,
}

/// Groups raises on different hosts within [`PAIR_WINDOW`] of the first;
/// a second raise of the same alarm (same host, or same serial) is dropped.
fn pair_up(raises: Vec<Raise>) -> Vec<Vec<Raise>> {
    let mut groups: Vec<Vec<Raise>> = Vec::new();
    let mut serials = BTreeSet::new();
    for raise in raises {
        if let Some(serial) = &raise.serial
            && !serials.insert((raise.host, serial.clone()))
        {
            continue;
        }
        match groups.last_mut() {
            Some(group) if raise.time - group[0].time <= PAIR_WINDOW => {
                if group.iter().all(|r| r.host != raise.host) {
                    group.push(raise);
                }
            }
            _ => groups.push(vec![raise]),
        }
    }
    groups
}

struct Context<'a> {
    timeline: &'a Timeline,
    known: &'a KnownSignals,
    /// FlinkServer IPs to the host that owns them.
    ip_hosts: BTreeMap<String, HostId>,
    /// Hosts whose logs show a FlinkServer instance.
    flink_hosts: BTreeSet<HostId>,
}

impl<'a> Context<'a> {
    fn new(timeline: &'a Timeline, known: &'a KnownSignals) -> Self {
        let mut ip_hosts = BTreeMap::new();
        let mut flink_hosts = BTreeSet::new();
        for entry in &timeline.entries {
            for signal in [known.flink_ha_addresses, known.flink_heartbeat_alarm] {
                if let Some(ip) = text_field(entry, signal, "local_ip") {
                    ip_hosts.entry(ip).or_insert(entry.host);
                }
            }
            let marked = known
                .flinkserver_markers
                .iter()
                .any(|&id| has(entry, Some(id)));
            if marked || has(entry, known.flink_heartbeat_alarm) {
                flink_hosts.insert(entry.host);
            }
        }
        Context {
            timeline,
            known,
            ip_hosts,
            flink_hosts,
        }
    }

    fn entry(&self, index: usize) -> &Entry {
        &self.timeline.entries[index]
    }

    fn host_name(&self, host: HostId) -> &str {
        &self.timeline.host(host).name
    }

    fn raises(&self) -> Vec<Raise> {
        let alarm = self.known.flink_heartbeat_alarm;
        self.timeline
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| has(e, alarm))
            .map(|(index, e)| Raise {
                index,
                host: e.host,
                time: e.time,
                serial: text_field(e, alarm, "serial"),
                peer_ip: text_field(e, alarm, "peer_ip"),
            })
            .collect()
    }

    /// The subject's peer when only the subject raised the alarm: the host
    /// owning the alarm's peer IP, else the one the subject's role log names
    /// as its peer, else the only other FlinkServer host of the bundle.
    fn peer_of(&self, raise: &Raise) -> Option<HostId> {
        let by_ip = |ip: Option<String>| {
            ip.and_then(|ip| self.ip_hosts.get(&ip).copied())
                .filter(|h| *h != raise.host)
        };
        by_ip(raise.peer_ip.clone())
            .or_else(|| by_ip(self.configured_peer_ip(raise.host)))
            .or_else(|| {
                let mut others = self.flink_hosts.iter().filter(|h| **h != raise.host);
                match (others.next(), others.next()) {
                    (Some(only), None) => Some(*only),
                    _ => None,
                }
            })
    }

    /// The peer IP a host's FlinkServer logged at start-up.
    fn configured_peer_ip(&self, host: HostId) -> Option<String> {
        self.timeline
            .entries
            .iter()
            .filter(|e| e.host == host)
            .find_map(|e| text_field(e, self.known.flink_ha_addresses, "peer_ip"))
    }

    /// The clear of `raise`: the same serial when both carry one, else the
    /// first clear on the same host after it.
    fn clear_of(&self, raise: &Raise) -> Option<usize> {
        let cleared = self.known.flink_heartbeat_cleared;
        (raise.index..self.timeline.entries.len()).find(|&i| {
            let e = self.entry(i);
            e.host == raise.host
                && has(e, cleared)
                && match (&raise.serial, text_field(e, cleared, "serial")) {
                    (Some(raised), Some(serial)) => *raised == serial,
                    _ => true,
                }
        })
    }

    fn incident(&self, group: &[Raise]) -> Incident {
        let first = &group[0];
        let both = group.len() > 1;
        let affected: Vec<HostId> = if both {
            group[1..].iter().map(|r| r.host).collect()
        } else {
            self.peer_of(first).into_iter().collect()
        };
        let window = Window {
            start: first.time - millis(TIMEOUT_MS + INTERVAL_MS),
            end: first.time + GRACE,
        };
        let clear = self.clear_of(first);
        let cleared_after = clear.map(|i| self.entry(i).time - first.time);
        let severity = if both {
            Severity::High
        } else if cleared_after.is_some_and(|d| d <= GLITCH) {
            Severity::Low
        } else {
            Severity::Medium
        };
        let summary = self.summary(group, &affected, clear);
        let mut cascade: Vec<usize> = group.iter().map(|r| r.index).collect();
        cascade.extend(group.iter().filter_map(|r| self.clear_of(r)));
        cascade.extend(self.story(first, &affected, window));
        cascade.sort_unstable();
        cascade.dedup();
        Incident {
            kind: IncidentKind::FlinkHaHeartbeat,
            subject: Some(first.host),
            node: None,
            observer: None,
            affected,
            anchor: first.time,
            anchor_entry: first.index,
            interval_ms: INTERVAL_MS,
            timeout_ms: TIMEOUT_MS,
            window,
            severity,
            summary,
            cascade,
            found_by: vec![super::Route::Alarm],
        }
    }

    /// Heartbeat errors of the pair inside the window, and switchovers to
    /// active up to [`FOLLOW_UP`] after the raise.
    fn story(&self, first: &Raise, affected: &[HostId], window: Window) -> Vec<usize> {
        let entries = &self.timeline.entries;
        let start = entries.partition_point(|e| e.time < window.start);
        let end = entries.partition_point(|e| e.time <= first.time + FOLLOW_UP);
        (start..end)
            .filter(|&i| {
                let e = &entries[i];
                let in_pair = e.host == first.host || affected.contains(&e.host);
                let error = window.contains(e.time) && has(e, self.known.ha_heartbeat_error);
                in_pair && (error || has(e, self.known.flink_became_active))
            })
            .collect()
    }

    fn summary(&self, group: &[Raise], affected: &[HostId], clear: Option<usize>) -> String {
        let first = &group[0];
        let peer = match affected.first() {
            Some(&h) => format!("its peer {}", self.host_name(h)),
            None => "its peer (not in the bundle)".to_string(),
        };
        let mut text = format!(
            "ALM-45640 raised on {} at {}: no heartbeat from {peer} for {:.0} s",
            self.host_name(first.host),
            clock(first.time),
            TIMEOUT_MS / 1000.0
        );
        for other in &group[1..] {
            text.push_str(&format!(
                "; {} raised it too at {}: each node lost the other, so both may be active (split-brain risk)",
                self.host_name(other.host),
                clock(other.time)
            ));
        }
        match clear.map(|i| self.entry(i).time) {
            Some(t) if t - first.time <= GLITCH => text.push_str(&format!(
                "; cleared at {} after {}: a short glitch",
                clock(t),
                span(t - first.time)
            )),
            Some(t) => text.push_str(&format!(
                "; cleared at {} after {}",
                clock(t),
                span(t - first.time)
            )),
            None => text.push_str("; not cleared in the alarm export"),
        }
        text
    }
}

/// A duration as `45 s` or `5 min 43 s`.
fn span(d: Duration) -> String {
    let seconds = d.num_seconds().max(0);
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raise(index: usize, host: u16, second: i64, serial: &str) -> Raise {
        Raise {
            index,
            host: HostId(host),
            time: DateTime::<Utc>::from_timestamp(1_772_359_200 + second, 0).unwrap(),
            serial: Some(serial.to_string()),
            peer_ip: None,
        }
    }

    fn hosts(groups: &[Vec<Raise>]) -> Vec<Vec<u16>> {
        groups
            .iter()
            .map(|g| g.iter().map(|r| r.host.0).collect())
            .collect()
    }

    #[test]
    fn raises_on_both_nodes_within_seconds_are_one_incident() {
        let groups = pair_up(vec![
            raise(0, 0, 0, "1"),
            raise(1, 1, 2, "2"),
            raise(2, 0, 600, "3"),
        ]);
        assert_eq!(hosts(&groups), [vec![0, 1], vec![0]]);
    }

    #[test]
    fn the_same_alarm_exported_twice_is_counted_once() {
        let groups = pair_up(vec![
            raise(0, 0, 0, "7"),
            raise(1, 0, 0, "7"),
            raise(2, 0, 300, "7"),
            raise(3, 1, 400, "8"),
        ]);
        assert_eq!(hosts(&groups), [vec![0], vec![1]]);
    }

    #[test]
    fn spans_read_like_a_person_wrote_them() {
        assert_eq!(span(Duration::seconds(45)), "45 s");
        assert_eq!(span(Duration::seconds(343)), "5 min 43 s");
        assert_eq!(span(Duration::seconds(120)), "2 min");
        assert_eq!(span(Duration::seconds(-3)), "0 s");
    }
}
