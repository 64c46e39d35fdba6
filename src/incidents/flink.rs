//! Huawei MRS FlinkServer HA incidents (ALM-45640): a FlinkServer node got
//! no heartbeat from its active/standby peer for the 30 s keepalive.
//!
//! An alarm is not the only way to learn that the pair lost each other.
//! Each incident is found by several independent routes (see [`Route`]):
//! the ALM-45640 raise in the alarm export; HA heartbeat errors in a
//! node's role log that last the keepalive; the peer being stopped (its
//! stop.log or a shutdown in its role log) while this node went on and
//! lost it; a standby switching to active while its peer had not stopped
//! cleanly; and the peer's role log ending while this node went on and
//! lost it. Sightings of one loss — same pair, anchors within the
//! keepalive plus two minutes — are one incident, anchored by its best
//! route (the alarm when there is one). When both nodes lost each other
//! within seconds, that is one incident with a split-brain risk, not two.

use super::{
    GRACE, Incident, IncidentKind, KnownSignals, Route, Severity, Window, clock, has, millis,
    text_field,
};
use crate::model::SourceKind;
use crate::signals::SignalId;
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
/// How far back a peer's stop still explains a loss (the rules look as far).
const STOP_LOOKBACK: Duration = Duration::minutes(10);

/// Sightings of one loss may lie this far apart: the keepalive the node
/// waits plus the follow-up in which the logs show it.
fn merge_span() -> Duration {
    millis(TIMEOUT_MS) + FOLLOW_UP
}

/// Finds every FlinkServer HA heartbeat incident on the timeline.
pub(super) fn detect(timeline: &Timeline, known: &KnownSignals) -> Vec<Incident> {
    let ctx = Context::new(timeline, known);
    let mut sightings = ctx.raises();
    sightings.extend(ctx.heartbeat_episodes());
    sightings.extend(ctx.peer_stops());
    sightings.extend(ctx.takeovers());
    sightings.extend(ctx.peer_log_ends());
    ctx.merge(sightings)
        .into_iter()
        .map(|group| ctx.incident(&group))
        .collect()
}

/// One route's view of a node losing its peer.
#[derive(Clone, Debug)]
struct Sighting {
    route: Route,
    /// The node that lost its peer (for an alarm, the one that raised it).
    host: HostId,
    /// When the node would raise ALM-45640 (the raise itself for an alarm).
    anchor: DateTime<Utc>,
    anchor_entry: usize,
    /// The alarm's serial number.
    serial: Option<String>,
    /// The peer's IP, when the sighting's lines name it.
    peer_ip: Option<String>,
    /// The peer, when the route knows it (the host that stopped).
    peer: Option<HostId>,
    /// Entries the route saw.
    seen: Vec<usize>,
}

impl Sighting {
    /// Whether the sighting says `host` itself lost its peer (an alarm it
    /// raised, its own heartbeat errors or takeover), rather than that its
    /// peer went away.
    fn lost_by_itself(&self) -> bool {
        matches!(
            self.route,
            Route::Alarm | Route::PeerHeartbeatErrors | Route::TookOverActive
        )
    }
}

/// Sightings of one incident; the first is the best and gives the anchor.
#[derive(Debug)]
struct Group {
    sightings: Vec<Sighting>,
    /// The peer of the first sighting's host, for matching other sightings.
    peer: Option<HostId>,
}

impl Group {
    fn best(&self) -> &Sighting {
        &self.sightings[0]
    }

    /// The hosts that lost the other near the anchor, the subject first:
    /// both when each lost the other.
    fn losers(&self) -> Vec<&Sighting> {
        let best = self.best();
        let mut hosts = vec![best.host];
        let mut losers = vec![best];
        for s in &self.sightings[1..] {
            let near = (s.anchor - best.anchor).abs() <= PAIR_WINDOW;
            // When the alarm export tells who raised it, the raises say who
            // lost whom; the logs only tell when there is no alarm.
            let counts = if best.route == Route::Alarm {
                s.route == Route::Alarm
            } else {
                s.lost_by_itself()
            };
            if near && counts && !hosts.contains(&s.host) {
                hosts.push(s.host);
                losers.push(s);
            }
        }
        losers
    }

    fn routes(&self) -> Vec<Route> {
        let mut routes: Vec<Route> = self.sightings.iter().map(|s| s.route).collect();
        routes.sort();
        routes.dedup();
        routes
    }

    fn alarms(&self) -> impl Iterator<Item = &Sighting> {
        self.sightings.iter().filter(|s| s.route == Route::Alarm)
    }

    /// Whether a log sighting is the same loss: a host of the pair, an
    /// anchor within the merge span.
    fn accepts(&self, other: &Sighting) -> bool {
        let pair: Vec<HostId> = self
            .sightings
            .iter()
            .flat_map(|s| [Some(s.host), s.peer])
            .chain([self.peer])
            .flatten()
            .collect();
        let same_pair = pair.contains(&other.host) || other.peer.is_some_and(|p| pair.contains(&p));
        same_pair && (other.anchor - self.best().anchor).abs() <= merge_span()
    }
}

/// Where the last heartbeat from the peer got through, as a range: the
/// estimate is its middle, the keepalive after it the raise.
#[derive(Copy, Clone, Debug)]
struct LastHeard {
    after: DateTime<Utc>,
    before: DateTime<Utc>,
}

impl LastHeard {
    fn estimate(self) -> DateTime<Utc> {
        if self.before <= self.after {
            self.before
        } else {
            self.after + (self.before - self.after) / 2
        }
    }

    fn raise(self) -> DateTime<Utc> {
        self.estimate() + millis(TIMEOUT_MS)
    }
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

    fn entries(&self) -> &[Entry] {
        &self.timeline.entries
    }

    fn entry(&self, index: usize) -> &Entry {
        &self.timeline.entries[index]
    }

    fn time_of(&self, index: usize) -> DateTime<Utc> {
        self.entry(index).time
    }

    fn host_name(&self, host: HostId) -> &str {
        &self.timeline.host(host).name
    }

    fn with_signal(&self, signal: Option<SignalId>) -> impl Iterator<Item = (usize, &Entry)> {
        self.entries()
            .iter()
            .enumerate()
            .filter(move |(_, e)| has(e, signal))
    }

    /// Entry indices of `host` with `signal` inside `from..=to`.
    fn host_signals(
        &self,
        host: HostId,
        signal: Option<SignalId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<usize> {
        let entries = self.entries();
        let start = entries.partition_point(|e| e.time < from);
        let end = entries.partition_point(|e| e.time <= to);
        (start..end)
            .filter(|&i| entries[i].host == host && has(&entries[i], signal))
            .collect()
    }

    /// Route: every raise of ALM-45640 in the alarm export.
    fn raises(&self) -> Vec<Sighting> {
        let alarm = self.known.flink_heartbeat_alarm;
        self.with_signal(alarm)
            .map(|(index, e)| Sighting {
                route: Route::Alarm,
                host: e.host,
                anchor: e.time,
                anchor_entry: index,
                serial: text_field(e, alarm, "serial"),
                peer_ip: text_field(e, alarm, "peer_ip"),
                peer: None,
                seen: vec![index],
            })
            .collect()
    }

    /// How long an HA heartbeat error says nothing arrived, in ms.
    fn silence_ms(&self, entry: &Entry) -> Option<f64> {
        let signal = self.known.ha_heartbeat_error;
        let number = |field| text_field(entry, signal, field).and_then(|v| v.parse::<f64>().ok());
        number("silence_ms")
            .or_else(|| number("silence_ms2"))
            .or_else(|| number("silence_s").map(|s| s * 1000.0))
            .or_else(|| number("silence_s2").map(|s| s * 1000.0))
    }

    /// Route: a node's HA heartbeat errors towards its peer, in runs no
    /// more than the keepalive apart and not interrupted by a recovery,
    /// that last the keepalive — or say that nothing arrived for as long.
    /// A single transient warning that recovers at once is not one.
    fn heartbeat_episodes(&self) -> Vec<Sighting> {
        let mut by_host: BTreeMap<HostId, Vec<usize>> = BTreeMap::new();
        for (index, entry) in self.with_signal(self.known.ha_heartbeat_error) {
            by_host.entry(entry.host).or_default().push(index);
        }
        let mut sightings = Vec::new();
        for (host, errors) in by_host {
            for run in self.runs(host, &errors) {
                let first = self.time_of(run[0]);
                let last = self.time_of(*run.last().expect("a run is never empty"));
                let told = run.iter().find_map(|&i| {
                    self.silence_ms(self.entry(i))
                        .filter(|ms| *ms >= TIMEOUT_MS)
                        .map(|ms| self.time_of(i) - millis(ms))
                });
                if told.is_none() && last - first + millis(INTERVAL_MS) < millis(TIMEOUT_MS) {
                    continue;
                }
                let peer_ip = run.iter().find_map(|&i| {
                    text_field(self.entry(i), self.known.ha_heartbeat_error, "peer_ip")
                });
                let peer = self.peer_of(host, peer_ip.clone());
                let heard = match told {
                    Some(t) => LastHeard {
                        after: t,
                        before: t,
                    },
                    None => self.last_heard(first, peer),
                };
                let anchor = heard.raise();
                let anchor_entry = *run
                    .iter()
                    .rev()
                    .find(|&&i| self.time_of(i) <= anchor + GRACE)
                    .unwrap_or(&run[0]);
                sightings.push(Sighting {
                    route: Route::PeerHeartbeatErrors,
                    host,
                    anchor,
                    anchor_entry,
                    serial: None,
                    peer_ip,
                    peer,
                    seen: run,
                });
            }
        }
        sightings
    }

    /// Splits a host's time-ordered errors into runs whose neighbours are
    /// at most the keepalive apart with no recovery of the heartbeat
    /// between them.
    fn runs(&self, host: HostId, errors: &[usize]) -> Vec<Vec<usize>> {
        let gap = millis(TIMEOUT_MS) + GRACE;
        let mut runs: Vec<Vec<usize>> = Vec::new();
        for &index in errors {
            let joins = runs.last().is_some_and(|run| {
                let previous = *run.last().expect("never empty");
                let (from, to) = (self.time_of(previous), self.time_of(index));
                to - from <= gap
                    && self
                        .host_signals(host, self.known.flink_ha_recovered, from, to)
                        .is_empty()
            });
            match runs.last_mut() {
                Some(run) if joins => run.push(index),
                _ => runs.push(vec![index]),
            }
        }
        runs
    }

    /// When the peer's last heartbeat got through, for a node whose first
    /// heartbeat error is at `first`: after the send before it (one interval
    /// earlier) and before the error; narrowed by the peer's stop (it still
    /// sent when asked to stop, no longer once stopped) or the end of its
    /// role log (it still ran then).
    fn last_heard(&self, first: DateTime<Utc>, peer: Option<HostId>) -> LastHeard {
        let mut heard = LastHeard {
            after: first - millis(INTERVAL_MS),
            before: first,
        };
        let Some(peer) = peer else {
            return heard;
        };
        let from = first - millis(TIMEOUT_MS + INTERVAL_MS);
        let stops = self.host_signals(peer, self.known.flinkserver_stopped, from, first);
        if let Some(&asked) = stops.first() {
            heard.after = heard.after.max(self.time_of(asked));
        }
        if let Some(&done) = stops
            .iter()
            .find(|&&i| self.stop_phase(i) == Some("stopped"))
        {
            heard.before = heard.before.min(self.time_of(done));
        }
        if let Some(end) = self
            .role_log_end(peer)
            .filter(|t| (from..=first).contains(t))
        {
            heard.after = heard.after.max(end);
        }
        heard
    }

    fn stop_phase(&self, index: usize) -> Option<&'static str> {
        let phase = text_field(self.entry(index), self.known.flinkserver_stopped, "phase")?;
        Some(if phase == "stopped" {
            "stopped"
        } else {
            "requested"
        })
    }

    /// The last record of `host`'s FlinkServer role log.
    fn role_log_end(&self, host: HostId) -> Option<DateTime<Utc>> {
        self.timeline
            .coverage
            .iter()
            .filter(|c| c.host == host && c.kind == SourceKind::RoleLog)
            .map(|c| c.to)
            .max()
    }

    /// The first sign after `from` (up to the keepalive and the follow-up
    /// later) that `host` lost its peer: an HA heartbeat error or a switch
    /// to active.
    fn first_loss_sign(&self, host: HostId, from: DateTime<Utc>) -> Option<usize> {
        let to = from + merge_span();
        let mut signs = self.host_signals(host, self.known.ha_heartbeat_error, from, to);
        signs.extend(self.host_signals(host, self.known.flink_became_active, from, to));
        signs.into_iter().min()
    }

    /// Route: the peer FlinkServer was stopped (its stop records, a minute
    /// apart at most, are one stop) and this node went on and showed that
    /// it lost it. The raise is a keepalive after the last heartbeat: after
    /// the stop was asked for, before it was done and before this node's
    /// first error.
    fn peer_stops(&self) -> Vec<Sighting> {
        let mut by_host: BTreeMap<HostId, Vec<usize>> = BTreeMap::new();
        for (index, entry) in self.with_signal(self.known.flinkserver_stopped) {
            by_host.entry(entry.host).or_default().push(index);
        }
        let mut sightings = Vec::new();
        for (stopped, records) in by_host {
            let Some(survivor) = self.peer_of(stopped, None) else {
                continue;
            };
            let mut stops: Vec<Vec<usize>> = Vec::new();
            for index in records {
                match stops.last_mut() {
                    Some(stop)
                        if self.time_of(index) - self.time_of(stop[0]) <= Duration::minutes(1) =>
                    {
                        stop.push(index)
                    }
                    _ => stops.push(vec![index]),
                }
            }
            for stop in stops {
                let asked = self.time_of(stop[0]);
                let Some(sign) = self.first_loss_sign(survivor, asked) else {
                    continue;
                };
                let done = stop
                    .iter()
                    .find(|&&i| self.stop_phase(i) == Some("stopped"))
                    .map(|&i| self.time_of(i));
                let sign_time = self.time_of(sign);
                let before = done.map_or(sign_time, |d| d.min(sign_time)).max(asked);
                let heard = LastHeard {
                    after: asked,
                    before,
                };
                let mut seen = stop.clone();
                seen.push(sign);
                sightings.push(Sighting {
                    route: Route::PeerStopped,
                    host: survivor,
                    anchor: heard.raise(),
                    anchor_entry: sign,
                    serial: None,
                    peer_ip: None,
                    peer: Some(stopped),
                    seen,
                });
            }
        }
        sightings
    }

    /// Route: a standby switched to active (not at start-up) while its peer
    /// had not stopped cleanly in the minutes before: it had lost the
    /// peer's heartbeat. A standby switches once the keepalive ran out, so
    /// the switch is the raise.
    fn takeovers(&self) -> Vec<Sighting> {
        let signal = self.known.flink_became_active;
        self.with_signal(signal)
            .filter_map(|(index, e)| {
                let from_state = text_field(e, signal, "from_state").map(|s| s.to_lowercase());
                let start_up = match &from_state {
                    Some(state) => {
                        state.starts_with("init") || state == "unknown" || state == "starting"
                    }
                    None => self
                        .role_log_start(e.host)
                        .is_none_or(|start| e.time - start < FOLLOW_UP),
                };
                if start_up {
                    return None;
                }
                let peer = self.peer_of(e.host, None);
                let stopped_cleanly = peer.is_some_and(|p| {
                    !self
                        .host_signals(
                            p,
                            self.known.flinkserver_stopped,
                            e.time - STOP_LOOKBACK,
                            e.time + GRACE,
                        )
                        .is_empty()
                });
                (!stopped_cleanly).then(|| Sighting {
                    route: Route::TookOverActive,
                    host: e.host,
                    anchor: e.time,
                    anchor_entry: index,
                    serial: None,
                    peer_ip: None,
                    peer,
                    seen: vec![index],
                })
            })
            .collect()
    }

    /// The first record of `host`'s FlinkServer role log.
    fn role_log_start(&self, host: HostId) -> Option<DateTime<Utc>> {
        self.timeline
            .coverage
            .iter()
            .filter(|c| c.host == host && c.kind == SourceKind::RoleLog)
            .map(|c| c.from)
            .min()
    }

    /// Route: a node's role log ends while its peer's goes on and, within
    /// the keepalive and the follow-up, shows it lost it. The last
    /// heartbeat got through after the log's last record and before the
    /// peer's first error.
    fn peer_log_ends(&self) -> Vec<Sighting> {
        self.flink_hosts
            .iter()
            .filter_map(|&ended| {
                let end = self.role_log_end(ended)?;
                let survivor = self.peer_of(ended, None)?;
                let goes_on = self
                    .role_log_end(survivor)
                    .is_some_and(|t| t >= end + millis(TIMEOUT_MS + INTERVAL_MS));
                if !goes_on {
                    return None;
                }
                let sign = self.first_loss_sign(survivor, end)?;
                let heard = LastHeard {
                    after: end,
                    before: self.time_of(sign).max(end),
                };
                let end_entry = self
                    .host_signals(ended, self.known.log_stream_end, end, end)
                    .first()
                    .copied();
                let mut seen: Vec<usize> = end_entry.into_iter().collect();
                seen.push(sign);
                Some(Sighting {
                    route: Route::LogEnded,
                    host: survivor,
                    anchor: heard.raise(),
                    anchor_entry: sign,
                    serial: None,
                    peer_ip: None,
                    peer: Some(ended),
                    seen,
                })
            })
            .collect()
    }

    /// Groups sightings. Raises on different hosts within [`PAIR_WINDOW`]
    /// of the first are one incident (a second raise of the same alarm —
    /// same host, or same serial — is dropped); every other sighting joins
    /// the incident of its pair whose anchor is within the merge span, or
    /// starts one. Better routes come first, so an incident's anchor is its
    /// best route's.
    fn merge(&self, mut sightings: Vec<Sighting>) -> Vec<Group> {
        sightings.sort_by(|a, b| {
            (a.route, a.anchor, a.anchor_entry).cmp(&(b.route, b.anchor, b.anchor_entry))
        });
        let mut groups: Vec<Group> = Vec::new();
        let mut serials = BTreeSet::new();
        for sighting in sightings {
            if sighting.route == Route::Alarm {
                if let Some(serial) = &sighting.serial
                    && !serials.insert((sighting.host, serial.clone()))
                {
                    continue;
                }
                match groups.last_mut() {
                    Some(group) if sighting.anchor - group.best().anchor <= PAIR_WINDOW => {
                        if group.sightings.iter().all(|r| r.host != sighting.host) {
                            group.sightings.push(sighting);
                        }
                    }
                    _ => {
                        let peer = self.peer_of(sighting.host, sighting.peer_ip.clone());
                        groups.push(Group {
                            sightings: vec![sighting],
                            peer,
                        });
                    }
                }
                continue;
            }
            match groups
                .iter_mut()
                .filter(|g| g.accepts(&sighting))
                .min_by_key(|g| (sighting.anchor - g.best().anchor).abs())
            {
                Some(group) => group.sightings.push(sighting),
                None => {
                    let peer = sighting
                        .peer
                        .or_else(|| self.peer_of(sighting.host, sighting.peer_ip.clone()));
                    groups.push(Group {
                        sightings: vec![sighting],
                        peer,
                    });
                }
            }
        }
        groups
    }

    /// The peer of `host`: the host owning `peer_ip`, else the one its role
    /// log names as its peer, else the only other FlinkServer host of the
    /// bundle.
    fn peer_of(&self, host: HostId, peer_ip: Option<String>) -> Option<HostId> {
        let by_ip = |ip: Option<String>| {
            ip.and_then(|ip| self.ip_hosts.get(&ip).copied())
                .filter(|h| *h != host)
        };
        by_ip(peer_ip)
            .or_else(|| by_ip(self.configured_peer_ip(host)))
            .or_else(|| {
                let mut others = self.flink_hosts.iter().filter(|h| **h != host);
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

    /// The clear of an alarm raise: the same serial when both carry one,
    /// else the first clear on the same host after it.
    fn clear_of(&self, raise: &Sighting) -> Option<usize> {
        let cleared = self.known.flink_heartbeat_cleared;
        (raise.anchor_entry..self.timeline.entries.len()).find(|&i| {
            let e = self.entry(i);
            e.host == raise.host
                && has(e, cleared)
                && match (&raise.serial, text_field(e, cleared, "serial")) {
                    (Some(raised), Some(serial)) => *raised == serial,
                    _ => true,
                }
        })
    }

    /// Without an alarm, the role log's recovery of the heartbeat on the
    /// node that lost it, after its first sign of the loss.
    fn recovery_of(&self, sighting: &Sighting) -> Option<usize> {
        let from = sighting
            .seen
            .iter()
            .filter(|&&i| self.entry(i).host == sighting.host)
            .map(|&i| self.time_of(i))
            .min()
            .unwrap_or(sighting.anchor)
            .min(sighting.anchor);
        self.host_signals(
            sighting.host,
            self.known.flink_ha_recovered,
            from,
            sighting.anchor + STOP_LOOKBACK,
        )
        .first()
        .copied()
    }

    fn incident(&self, group: &Group) -> Incident {
        let best = group.best();
        let losers = group.losers();
        let both = losers.len() > 1;
        let affected: Vec<HostId> = if both {
            losers[1..].iter().map(|s| s.host).collect()
        } else if best.route == Route::Alarm {
            group.peer.into_iter().collect()
        } else {
            group
                .sightings
                .iter()
                .find_map(|s| s.peer)
                .or(group.peer)
                .into_iter()
                .collect()
        };
        let anchor = best.anchor;
        let window = Window {
            start: anchor - millis(TIMEOUT_MS + INTERVAL_MS),
            end: anchor + GRACE,
        };
        let alarm = group.alarms().next();
        let clear = match alarm {
            Some(raise) => self.clear_of(raise),
            None => self.recovery_of(best),
        };
        let cleared_after = clear.map(|i| self.time_of(i) - anchor);
        let severity = if both {
            Severity::High
        } else if cleared_after.is_some_and(|d| d <= GLITCH) {
            Severity::Low
        } else {
            Severity::Medium
        };
        let summary = self.summary(group, &losers, &affected, clear);
        let mut cascade: Vec<usize> = group.alarms().map(|r| r.anchor_entry).collect();
        cascade.extend(group.alarms().filter_map(|r| self.clear_of(r)));
        cascade.extend(self.story(best.host, anchor, &affected, window));
        if alarm.is_none() {
            // Without an alarm, what the routes saw tells the story.
            let end = anchor + FOLLOW_UP;
            cascade.extend(
                group
                    .sightings
                    .iter()
                    .flat_map(|s| s.seen.iter().copied())
                    .filter(|&i| {
                        self.time_of(i) >= window.start - STOP_LOOKBACK && self.time_of(i) <= end
                    }),
            );
            cascade.extend(clear);
        }
        cascade.sort_unstable();
        cascade.dedup();
        Incident {
            kind: IncidentKind::FlinkHaHeartbeat,
            subject: Some(best.host),
            node: None,
            observer: None,
            affected,
            anchor,
            anchor_entry: best.anchor_entry,
            interval_ms: INTERVAL_MS,
            timeout_ms: TIMEOUT_MS,
            window,
            severity,
            summary,
            cascade,
            found_by: group.routes(),
        }
    }

    /// Heartbeat errors of the pair inside the window, and switchovers to
    /// active up to [`FOLLOW_UP`] after the anchor.
    fn story(
        &self,
        subject: HostId,
        anchor: DateTime<Utc>,
        affected: &[HostId],
        window: Window,
    ) -> Vec<usize> {
        let entries = self.entries();
        let start = entries.partition_point(|e| e.time < window.start);
        let end = entries.partition_point(|e| e.time <= anchor + FOLLOW_UP);
        (start..end)
            .filter(|&i| {
                let e = &entries[i];
                let in_pair = e.host == subject || affected.contains(&e.host);
                let error = window.contains(e.time) && has(e, self.known.ha_heartbeat_error);
                in_pair && (error || has(e, self.known.flink_became_active))
            })
            .collect()
    }

    fn summary(
        &self,
        group: &Group,
        losers: &[&Sighting],
        affected: &[HostId],
        clear: Option<usize>,
    ) -> String {
        let best = group.best();
        let peer = match affected.first() {
            Some(&h) => format!("its peer {}", self.host_name(h)),
            None => "its peer (not in the bundle)".to_string(),
        };
        let host = self.host_name(best.host);
        let at = clock(best.anchor);
        let keepalive = TIMEOUT_MS / 1000.0;
        let mut text = match best.route {
            Route::Alarm => format!(
                "ALM-45640 raised on {host} at {at}: no heartbeat from {peer} for {keepalive:.0} s"
            ),
            Route::PeerHeartbeatErrors => format!(
                "{host} logged HA heartbeat errors towards {peer} from {}: no heartbeat from it for {keepalive:.0} s, so ALM-45640 is raised at about {at} (no alarm export says so)",
                clock(self.time_of(best.seen[0]))
            ),
            Route::PeerStopped => format!(
                "{peer} was stopped at {} while {host} went on: no heartbeat from it for {keepalive:.0} s, so ALM-45640 is raised on {host} at about {at} (no alarm export says so)",
                clock(self.time_of(best.seen[0]))
            ),
            Route::TookOverActive => format!(
                "{host} switched to active at {at} while {peer} had not stopped: it had heard no heartbeat from it for {keepalive:.0} s (ALM-45640; no alarm export says so)"
            ),
            _ => format!(
                "The FlinkServer log of {peer} ended while {host}'s went on and lost it: no heartbeat from it for {keepalive:.0} s, so ALM-45640 is raised on {host} at about {at} (no alarm export says so)"
            ),
        };
        for other in &losers[1..] {
            let how = if other.route == Route::Alarm {
                "raised it too at"
            } else {
                "lost it too at about"
            };
            text.push_str(&format!(
                "; {} {how} {}: each node lost the other, so both may be active (split-brain risk)",
                self.host_name(other.host),
                clock(other.anchor)
            ));
        }
        let anchor = best.anchor;
        let (cleared, not_cleared) = if best.route == Route::Alarm {
            ("cleared", "not cleared in the alarm export")
        } else {
            ("heartbeat back", "no recovery in the role log")
        };
        match clear.map(|i| self.time_of(i)) {
            Some(t) if t - anchor <= GLITCH => text.push_str(&format!(
                "; {cleared} at {} after {}: a short glitch",
                clock(t),
                span(t - anchor)
            )),
            Some(t) => text.push_str(&format!(
                "; {cleared} at {} after {}",
                clock(t),
                span(t - anchor)
            )),
            None => text.push_str(&format!("; {not_cleared}")),
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
mod tests;
