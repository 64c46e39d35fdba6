//! Informatica domain incidents: master DB heartbeat timeouts, nodes marked
//! dead, and heartbeat send failures on non-masters (repeated, or a single
//! transient glitch).
//!
//! Each kind is found by several independent routes (see [`Route`]): the
//! line that says it, and the behaviour that shows it without that line —
//! a gateway whose DB heartbeat kept failing and then went away, peers that
//! lost the master together and elected another, a node that failed or
//! fell silent for its whole timeout, a log that ended while the others
//! went on. Sightings of one incident are merged into one.

use super::{
    GRACE, Incident, IncidentKind, Intervals, KnownSignals, Route, Severity, Window, clock, has,
    millis, text_field,
};
use crate::signals::SignalId;
use crate::timeline::{Entry, HostId, Timeline};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// How long after a master terminates its cascade (other nodes losing it,
/// the re-election) is still counted as part of the incident.
const FOLLOW_UP: Duration = Duration::seconds(120);

/// A log that ends this many times its mean spacing between records
/// before its peers' logs do fell silent, rather than being collected a
/// little earlier than the others.
const UNUSUAL_SILENCE_FACTOR: f64 = 30.0;

/// No GC pause lasts longer: looking this far back finds every pause that
/// reaches into a silence.
const LONGEST_PAUSE: Duration = Duration::minutes(30);

/// Bundles are collected host by host, minutes apart: logs that end less
/// than this before the others' may just have been copied earlier.
const COLLECTION_SKEW: Duration = Duration::minutes(5);

pub(super) fn detect(
    timeline: &Timeline,
    known: &KnownSignals,
    intervals: &Intervals,
    node_hosts: &BTreeMap<String, HostId>,
) -> Vec<Incident> {
    let ctx = Context::new(timeline, known, intervals, node_hosts);
    let mut sightings = ctx.termination_lines();
    sightings.extend(ctx.db_heartbeat_episodes());
    sightings.extend(ctx.peers_lost_master());
    let masters: Vec<Incident> = merge(sightings, ctx.master_merge_span())
        .into_iter()
        .map(|group| ctx.master_db_timeout(group))
        .collect();
    let mut claimed = claims(&masters);
    let master_hosts: Vec<(HostId, DateTime<Utc>)> = masters
        .iter()
        .filter_map(|i| i.subject.map(|h| (h, i.anchor)))
        .collect();
    let mut sightings = ctx.marked_dead_lines();
    sightings.extend(ctx.node_failure_spans(&claimed));
    sightings.extend(ctx.node_silences());
    sightings.extend(ctx.log_ends(&master_hosts));
    let dead: Vec<Incident> = merge(sightings, |s| ctx.node_timeout_ms(s.subject))
        .into_iter()
        .map(|group| ctx.node_marked_dead(group))
        .collect();
    claimed.extend(claims(&dead));
    let mut incidents = masters;
    incidents.extend(dead);
    incidents.extend(ctx.send_failures(&claimed));
    incidents
}

fn claims(incidents: &[Incident]) -> BTreeSet<usize> {
    incidents
        .iter()
        .flat_map(|i| i.cascade.iter().copied())
        .collect()
}

/// One route's view of an incident.
#[derive(Clone, Debug)]
struct Sighting {
    route: Route,
    /// The host whose heartbeat failed, when the route can tell.
    subject: Option<HostId>,
    /// The node name the route read, when the host is unknown.
    node: Option<String>,
    observer: Option<HostId>,
    anchor: DateTime<Utc>,
    anchor_entry: usize,
    /// Entries the route saw, claimed for the incident's cascade.
    seen: Vec<usize>,
}

/// What GC pauses did to a host over a stretch of time.
#[derive(Default)]
struct Freeze {
    stopped_ms: f64,
    last_start: Option<DateTime<Utc>>,
}

/// Sightings of one incident, the best route first.
struct Group(Vec<Sighting>);

impl Group {
    fn best(&self) -> &Sighting {
        &self.0[0]
    }

    fn subject(&self) -> Option<HostId> {
        self.0.iter().find_map(|s| s.subject)
    }

    fn routes(&self) -> Vec<Route> {
        let mut routes: Vec<Route> = self.0.iter().map(|s| s.route).collect();
        routes.sort();
        routes.dedup();
        routes
    }

    fn seen(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().flat_map(|s| s.seen.iter().copied())
    }

    fn accepts(&self, other: &Sighting, span_ms: f64) -> bool {
        let subject_fits = match (self.subject(), other.subject) {
            (Some(a), Some(b)) => a == b,
            _ => self.best().node.is_none() || self.best().node == other.node,
        };
        subject_fits && (other.anchor - self.best().anchor).abs() <= millis(span_ms)
    }
}

/// Merges sightings of the same subject whose anchors lie within the span
/// (given per sighting, in ms) into groups. Better routes come first, so a
/// group's anchor is its best route's.
fn merge(mut sightings: Vec<Sighting>, span_ms: impl Fn(&Sighting) -> f64) -> Vec<Group> {
    sightings.sort_by(|a, b| {
        (a.route, a.anchor, a.anchor_entry).cmp(&(b.route, b.anchor, b.anchor_entry))
    });
    let mut groups: Vec<Group> = Vec::new();
    for sighting in sightings {
        let span = span_ms(&sighting);
        match groups.iter_mut().find(|g| g.accepts(&sighting, span)) {
            Some(group) => group.0.push(sighting),
            None => groups.push(Group(vec![sighting])),
        }
    }
    groups
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
    /// Where each host's node.log ends (several streams: several ends).
    log_ends: Vec<(HostId, DateTime<Utc>)>,
    /// Each election line that names a known host, in time order.
    elections: Vec<(DateTime<Utc>, HostId)>,
}

impl<'a> Context<'a> {
    fn new(
        timeline: &'a Timeline,
        known: &'a KnownSignals,
        intervals: &'a Intervals,
        node_hosts: &'a BTreeMap<String, HostId>,
    ) -> Context<'a> {
        let mut ctx = Context {
            timeline,
            known,
            intervals,
            node_hosts,
            log_ends: Vec::new(),
            elections: Vec::new(),
        };
        ctx.log_ends = ctx
            .with_signal(known.node_log_end)
            .map(|(_, e)| (e.host, e.time))
            .collect();
        ctx.elections = ctx
            .with_signal(known.master_elected)
            .filter_map(|(_, e)| Some((e.time, ctx.named_host(e, known.master_elected).0?)))
            .collect();
        ctx
    }
}

impl Context<'_> {
    fn entries(&self) -> &[Entry] {
        &self.timeline.entries
    }

    fn host_name(&self, host: HostId) -> &str {
        &self.timeline.host(host).name
    }

    fn node_of(&self, host: HostId) -> Option<String> {
        self.node_hosts
            .iter()
            .find(|(node, h)| **h == host && node.as_str() != self.host_name(host).to_lowercase())
            .map(|(node, _)| node.clone())
    }

    /// `host (node n)`, as summaries name a host.
    fn who(&self, host: HostId) -> String {
        format!(
            "{}{}",
            self.host_name(host),
            self.node_of(host)
                .map(|n| format!(" (node {n})"))
                .unwrap_or_default()
        )
    }

    fn db_timeout_ms(&self) -> f64 {
        self.intervals.db_timeout_ms()
    }

    fn node_timeout_ms(&self, host: Option<HostId>) -> f64 {
        self.intervals.node_interval(host) * super::config::NODE_TIMEOUT_FACTOR
    }

    /// Sightings of one master incident may lie apart by the timeout the
    /// peers wait plus the follow-up in which they notice.
    fn master_merge_span(&self) -> impl Fn(&Sighting) -> f64 + use<> {
        let span = self.db_timeout_ms() + FOLLOW_UP.num_milliseconds() as f64;
        move |_| span
    }

    /// Entry indices whose time is inside `window`.
    fn range(&self, window: Window) -> Range<usize> {
        let entries = self.entries();
        entries.partition_point(|e| e.time < window.start)
            ..entries.partition_point(|e| e.time <= window.end)
    }

    fn with_signal(&self, signal: Option<SignalId>) -> impl Iterator<Item = (usize, &Entry)> {
        self.entries()
            .iter()
            .enumerate()
            .filter(move |(_, e)| has(e, signal))
    }

    fn host_entries_with(
        &self,
        host: HostId,
        signal: Option<SignalId>,
    ) -> impl Iterator<Item = (usize, &Entry)> {
        self.with_signal(signal)
            .filter(move |(_, e)| e.host == host)
    }

    /// The host a node name (or a line that names a node) points at: the
    /// captured name when it is a known node or host, else the first known
    /// name the line mentions as a word.
    fn named_host(
        &self,
        entry: &Entry,
        signal: Option<SignalId>,
    ) -> (Option<HostId>, Option<String>) {
        let captured = text_field(entry, signal, "node");
        if let Some(host) = captured
            .as_ref()
            .and_then(|n| self.node_hosts.get(&n.to_lowercase()))
        {
            return (Some(*host), captured);
        }
        let text = entry.event.text.to_lowercase();
        let mentioned = self
            .node_hosts
            .iter()
            .filter(|(name, _)| mentions_word(&text, name))
            .max_by_key(|(name, _)| name.len());
        match mentioned {
            Some((name, host)) => (Some(*host), Some(name.clone())),
            None => (None, captured.filter(|n| looks_like_a_name(n))),
        }
    }

    /// The host that was master at `t`: the last one elected before it.
    fn master_at(&self, t: DateTime<Utc>) -> Option<HostId> {
        let before = self.elections.partition_point(|(at, _)| *at < t);
        before.checked_sub(1).map(|i| self.elections[i].1)
    }

    /// The latest end of a node.log on any host other than `host`.
    fn latest_end_elsewhere(&self, host: HostId) -> Option<DateTime<Utc>> {
        self.log_ends
            .iter()
            .filter(|(h, _)| *h != host)
            .map(|(_, t)| *t)
            .max()
    }

    /// Whether the other hosts' logs go on at least `margin` after `t`.
    fn others_go_on(&self, host: HostId, t: DateTime<Utc>, margin: Duration) -> bool {
        self.latest_end_elsewhere(host)
            .is_some_and(|end| end >= t + margin)
    }

    /// Route (a) of a master DB timeout: the master's own line.
    fn termination_lines(&self) -> Vec<Sighting> {
        self.with_signal(self.known.master_terminated)
            .map(|(index, entry)| Sighting {
                route: Route::TerminationLine,
                subject: Some(entry.host),
                node: None,
                observer: None,
                anchor: entry.time,
                anchor_entry: index,
                seen: vec![index],
            })
            .collect()
    }

    /// Route (b): on a gateway, DB heartbeat failures that last at least
    /// the timeout, then the node goes away.
    fn db_heartbeat_episodes(&self) -> Vec<Sighting> {
        let timeout = self.db_timeout_ms();
        let interval = self.intervals.db_refresh_ms;
        let mut failures: BTreeMap<HostId, Vec<usize>> = BTreeMap::new();
        for (index, entry) in self.with_signal(self.known.db_heartbeat_failed) {
            failures.entry(entry.host).or_default().push(index);
        }
        let mut sightings = Vec::new();
        for (host, indexes) in failures {
            for episode in self.bursts(&indexes, millis(timeout)) {
                let (first, last) = (
                    self.time_of(episode[0]),
                    self.time_of(*episode.last().expect("a burst is never empty")),
                );
                if last - first + millis(interval) < millis(timeout) {
                    continue;
                }
                let Some(away) = self.going_away(
                    host,
                    first + millis(timeout - interval),
                    last + millis(timeout + interval),
                ) else {
                    continue;
                };
                let mut seen = episode.clone();
                seen.push(away);
                sightings.push(Sighting {
                    route: Route::DbHeartbeatEpisode,
                    subject: Some(host),
                    node: None,
                    observer: None,
                    anchor: self.time_of(away),
                    anchor_entry: away,
                    seen,
                });
            }
        }
        sightings
    }

    fn time_of(&self, index: usize) -> DateTime<Utc> {
        self.entries()[index].time
    }

    /// Splits time-ordered entries into runs whose neighbours are at most
    /// `gap` apart.
    fn bursts(&self, indexes: &[usize], gap: Duration) -> Vec<Vec<usize>> {
        let mut bursts: Vec<Vec<usize>> = Vec::new();
        for &index in indexes {
            match bursts.last_mut() {
                Some(burst)
                    if self.time_of(index) - self.time_of(*burst.last().expect("never empty"))
                        <= gap =>
                {
                    burst.push(index)
                }
                _ => bursts.push(vec![index]),
            }
        }
        bursts
    }

    /// The first sign in `from..=to` that the node on `host` went away: a
    /// termination line, a FATAL record that is not itself a DB heartbeat
    /// failure, a shutdown, a restart, or the end of its log while the
    /// other hosts' logs go on.
    fn going_away(&self, host: HostId, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<usize> {
        let k = self.known;
        self.range(Window {
            start: from,
            end: to,
        })
        .find(|&i| {
            let e = &self.entries()[i];
            e.host == host
                && (has(e, k.master_terminated)
                    || has(e, k.node_shutdown)
                    || has(e, k.node_started)
                    || (has(e, k.fatal_record) && !has(e, k.db_heartbeat_failed))
                    || (has(e, k.node_log_end)
                        && self.others_go_on(host, e.time, millis(self.db_timeout_ms()))))
        })
    }

    /// Route (c): two or more nodes fail their heartbeat to the master
    /// within a short time, and an election follows. The master they lost
    /// is the one last elected, else the one gateway that did not fail.
    fn peers_lost_master(&self) -> Vec<Sighting> {
        let k = self.known;
        let signs: Vec<usize> = self
            .entries()
            .iter()
            .enumerate()
            .filter(|(_, e)| has(e, k.heartbeat_send_failed))
            .map(|(i, _)| i)
            .collect();
        let together = millis(2.0 * self.intervals.node_interval_ms) + GRACE;
        let mut sightings = Vec::new();
        let mut rest: &[usize] = &signs;
        while let Some(&first) = rest.first() {
            let start = self.time_of(first);
            let len = rest
                .iter()
                .take_while(|&&i| self.time_of(i) - start <= together)
                .count();
            let (group, after) = rest.split_at(len);
            rest = after;
            let failing: BTreeSet<HostId> = group.iter().map(|&i| self.entries()[i].host).collect();
            let Some(election) = self.election_after(start) else {
                continue;
            };
            // The failures that follow within the same episode belong to it.
            let episode_end = self.time_of(election).max(start + together);
            while rest
                .first()
                .is_some_and(|&i| self.time_of(i) <= episode_end)
            {
                rest = &rest[1..];
            }
            let subject = self.lost_master(start, &failing, election);
            let mut seen = group.to_vec();
            seen.push(election);
            // The master's end is when it went away, if its log tells;
            // else when the peers first missed it.
            let away = subject.and_then(|h| {
                let before = millis(self.db_timeout_ms() + self.intervals.db_refresh_ms);
                self.going_away(h, start - before, start + FOLLOW_UP)
            });
            // One node alone losing the master is its own trouble, unless
            // it is the only other node: then a new master elected and the
            // old one gone tell the same.
            if failing.len() < 2 && !(self.new_master_after(start) && away.is_some()) {
                continue;
            }
            seen.extend(away);
            let anchor_entry = away.unwrap_or(first);
            sightings.push(Sighting {
                route: Route::PeersLostMaster,
                subject,
                node: None,
                observer: None,
                anchor: self.time_of(anchor_entry),
                anchor_entry,
                seen,
            });
        }
        sightings
    }

    /// The first election line (a new master, or an election started)
    /// after `t`, within the time the other gateways wait and elect.
    fn election_after(&self, t: DateTime<Utc>) -> Option<usize> {
        let window = Window {
            start: t,
            end: t + millis(self.db_timeout_ms()) + FOLLOW_UP,
        };
        self.range(window).find(|&i| {
            let e = &self.entries()[i];
            has(e, self.known.master_elected) || has(e, self.known.master_election_started)
        })
    }

    /// Whether a new master was named within the time the other gateways
    /// wait and elect after `t`.
    fn new_master_after(&self, t: DateTime<Utc>) -> bool {
        let window = Window {
            start: t,
            end: t + millis(self.db_timeout_ms()) + FOLLOW_UP,
        };
        self.range(window)
            .any(|i| has(&self.entries()[i], self.known.master_elected))
    }

    fn lost_master(
        &self,
        t: DateTime<Utc>,
        failing: &BTreeSet<HostId>,
        election: usize,
    ) -> Option<HostId> {
        if let Some(master) = self.master_at(t).filter(|h| !failing.contains(h)) {
            return Some(master);
        }
        let new_master = self
            .named_host(&self.entries()[election], self.known.master_elected)
            .0;
        let candidates: Vec<HostId> = (0..self.timeline.hosts.len() as u16)
            .map(HostId)
            .filter(|h| !failing.contains(h) && Some(*h) != new_master)
            .filter(|h| self.logs_node(*h))
            .collect();
        let around = Window {
            start: t - millis(self.db_timeout_ms() + self.intervals.db_refresh_ms),
            end: t + FOLLOW_UP,
        };
        let k = self.known;
        let in_trouble: Vec<HostId> = candidates
            .iter()
            .copied()
            .filter(|&h| {
                self.range(around).any(|i| {
                    let e = &self.entries()[i];
                    e.host == h
                        && [
                            k.db_heartbeat_failed,
                            k.fatal_record,
                            k.node_shutdown,
                            k.node_log_end,
                            k.node_log_gap,
                        ]
                        .iter()
                        .any(|s| has(e, *s))
                })
            })
            .collect();
        match (in_trouble.as_slice(), candidates.as_slice()) {
            ([only], _) | ([], [only]) => Some(*only),
            _ => None,
        }
    }

    /// Whether `host` runs a domain node: the bundle has its node.log.
    fn logs_node(&self, host: HostId) -> bool {
        self.log_ends.iter().any(|(h, _)| *h == host)
    }

    fn master_db_timeout(&self, group: Group) -> Incident {
        let timeout_ms = self.db_timeout_ms();
        let interval_ms = self.intervals.db_refresh_ms;
        let best = group.best().clone();
        let subject = group.subject();
        let window = Window {
            start: best.anchor - millis(timeout_ms + interval_ms),
            end: best.anchor + GRACE,
        };
        let follow = Window {
            start: window.start,
            end: best.anchor + FOLLOW_UP.max(millis(timeout_ms)),
        };
        let mut story = self.termination_story(subject, best.anchor, window, follow);
        story.cascade.extend(group.seen());
        story.cascade.sort_unstable();
        story.cascade.dedup();
        let node = subject.and_then(|h| self.node_of(h));
        let mut summary = self.master_summary(&best, subject, &story, timeout_ms);
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
            subject,
            node,
            observer: None,
            affected: story.affected.into_iter().collect(),
            anchor: best.anchor,
            anchor_entry: best.anchor_entry,
            interval_ms,
            timeout_ms,
            window,
            severity: Severity::Critical,
            summary,
            cascade: story.cascade,
            found_by: group.routes(),
        }
    }

    fn master_summary(
        &self,
        best: &Sighting,
        subject: Option<HostId>,
        story: &TerminationStory,
        timeout_ms: f64,
    ) -> String {
        let who = subject.map_or_else(
            || {
                "The master gateway (its logs are not in the bundle, or it could not be told)"
                    .to_string()
            },
            |h| format!("Master gateway {}", self.who(h)),
        );
        let at = clock(best.anchor);
        match best.route {
            Route::TerminationLine => format!(
                "{who} terminated at {at}: it could not update the domain configuration database for {:.0} s ({} DB heartbeat error(s) logged before)",
                timeout_ms / 1000.0,
                story.db_errors
            ),
            Route::DbHeartbeatEpisode => format!(
                "{who} went away at {at} after its DB heartbeat to the domain configuration database kept failing for at least {:.0} s ({} DB heartbeat error(s) logged before); no termination line was found",
                timeout_ms / 1000.0,
                story.db_errors
            ),
            _ => format!(
                "{who} was lost at {at}: other nodes could not reach it and re-ran master election"
            ),
        }
    }

    /// What happened around a master's end: its DB heartbeat errors in
    /// `window`, and in `follow` the other nodes losing it and the
    /// re-election.
    fn termination_story(
        &self,
        subject: Option<HostId>,
        anchor: DateTime<Utc>,
        window: Window,
        follow: Window,
    ) -> TerminationStory {
        let k = self.known;
        let mut story = TerminationStory::default();
        for i in self.range(follow) {
            let e = &self.entries()[i];
            let on_subject = Some(e.host) == subject;
            if on_subject && window.contains(e.time) && has(e, k.db_heartbeat_failed) {
                story.db_errors += 1;
                story.cascade.push(i);
            } else if !on_subject && has(e, k.heartbeat_send_failed) {
                story.affected.insert(e.host);
                story.cascade.push(i);
            } else if e.time >= anchor
                && (has(e, k.master_elected) || has(e, k.master_election_started))
            {
                if has(e, k.master_elected) {
                    story.new_master = story.new_master.or_else(|| {
                        text_field(e, k.master_elected, "node").filter(|n| looks_like_a_name(n))
                    });
                }
                if !on_subject {
                    story.affected.insert(e.host);
                }
                story.cascade.push(i);
            }
        }
        story
    }

    /// Route (a) of a node marked dead: the master's line.
    fn marked_dead_lines(&self) -> Vec<Sighting> {
        self.with_signal(self.known.node_marked_dead)
            .map(|(index, entry)| {
                let (named, node) = self.named_host(entry, self.known.node_marked_dead);
                // A line that names no node is the node telling of itself
                // ("the node was told it was marked unavailable").
                let (subject, observer, route) = match (named, &node) {
                    (Some(h), _) => (
                        Some(h),
                        (h != entry.host).then_some(entry.host),
                        Route::MarkedDeadLine,
                    ),
                    (None, Some(_)) => (None, Some(entry.host), Route::MarkedDeadLine),
                    (None, None) => (Some(entry.host), None, Route::ToldMarkedDead),
                };
                Sighting {
                    route,
                    subject,
                    node,
                    observer,
                    anchor: entry.time,
                    anchor_entry: index,
                    seen: vec![index],
                }
            })
            .collect()
    }

    /// Route (b1): a node's own heartbeat failures (not part of a master's
    /// incident) for the whole node timeout: the master must have marked
    /// it dead at the first failure plus the timeout.
    fn node_failure_spans(&self, claimed: &BTreeSet<usize>) -> Vec<Sighting> {
        let mut by_host: BTreeMap<HostId, Vec<usize>> = BTreeMap::new();
        for (index, entry) in self.with_signal(self.known.heartbeat_send_failed) {
            if !claimed.contains(&index) {
                by_host.entry(entry.host).or_default().push(index);
            }
        }
        let mut sightings = Vec::new();
        for (host, failures) in by_host {
            let interval_ms = self.intervals.node_interval(Some(host));
            let timeout = millis(self.node_timeout_ms(Some(host)));
            for burst in self.bursts(&failures, millis(2.0 * interval_ms) + GRACE) {
                let first = self.time_of(burst[0]);
                let last = self.time_of(*burst.last().expect("never empty"));
                if last - first + millis(interval_ms) < timeout {
                    continue;
                }
                // Last heard within the interval before the first failure.
                let anchor = first - millis(interval_ms / 2.0) + self.marked_dead_after(Some(host));
                let anchor_entry = *burst
                    .iter()
                    .rev()
                    .find(|&&i| self.time_of(i) <= anchor)
                    .unwrap_or(&burst[0]);
                sightings.push(Sighting {
                    route: Route::NodeHeartbeatFailures,
                    subject: Some(host),
                    node: None,
                    observer: self.master_at(first).filter(|m| *m != host),
                    anchor,
                    anchor_entry,
                    seen: burst,
                });
            }
        }
        sightings
    }

    /// Route (b2): a node's log is silent for its whole node timeout while
    /// the others go on, and right after the silence the node shows it lost
    /// the master — or a GC pause on it covers most of the silence.
    fn node_silences(&self) -> Vec<Sighting> {
        let k = self.known;
        self.with_signal(k.node_log_gap)
            .filter_map(|(index, entry)| {
                let host = entry.host;
                let crate::model::EventKind::LogGap(gap) = &entry.event.kind else {
                    return None;
                };
                let timeout_ms = self.node_timeout_ms(Some(host));
                if gap.duration_ms < timeout_ms || !self.logs_node(host) {
                    return None;
                }
                let resumed = entry.time + millis(gap.duration_ms);
                let interval = millis(self.intervals.node_interval(Some(host)));
                let after = Window {
                    start: resumed,
                    end: resumed + interval * 2 + GRACE,
                };
                let told = self.range(after).any(|i| {
                    let e = &self.entries()[i];
                    e.host == host
                        && [
                            k.heartbeat_send_failed,
                            k.heartbeat_recovered,
                            k.master_election_started,
                            k.node_marked_dead,
                            k.node_started,
                        ]
                        .iter()
                        .any(|s| has(e, *s))
                });
                let freeze = self.freeze(host, entry.time, resumed);
                let frozen = freeze.stopped_ms >= gap.duration_ms / 2.0;
                if !(told || frozen) || !self.others_go_on(host, resumed, Duration::zero()) {
                    return None;
                }
                // Alive when it last logged; when a pause froze it later,
                // its last heartbeat lies within an interval before that.
                let last_heard = match freeze.last_start {
                    Some(start) if frozen && start > entry.time => {
                        (start - interval / 2).max(entry.time)
                    }
                    _ => entry.time,
                };
                Some(Sighting {
                    route: Route::NodeSilence,
                    subject: Some(host),
                    node: None,
                    observer: self.master_at(entry.time).filter(|m| *m != host),
                    anchor: last_heard + self.marked_dead_after(Some(host)),
                    anchor_entry: index,
                    seen: vec![index],
                })
            })
            .collect()
    }

    /// How long after a node was last heard the master marks it dead.
    fn marked_dead_after(&self, host: Option<HostId>) -> Duration {
        millis(self.node_timeout_ms(host))
    }

    /// How long GC pauses on `host` stopped it within `from..to`, and when
    /// the last of them began.
    fn freeze(&self, host: HostId, from: DateTime<Utc>, to: DateTime<Utc>) -> Freeze {
        let mut freeze = Freeze::default();
        let reach = Window {
            start: from - LONGEST_PAUSE,
            end: to,
        };
        for i in self.range(reach) {
            let e = &self.entries()[i];
            if e.host != host || !has(e, self.known.gc_pause) {
                continue;
            }
            let crate::model::EventKind::GcPause(pause) = &e.event.kind else {
                continue;
            };
            let overlap = (e.time + millis(pause.duration_ms)).min(to) - e.time.max(from);
            if overlap > Duration::zero() {
                freeze.stopped_ms += overlap.num_milliseconds() as f64;
                freeze.last_start = Some(e.time);
            }
        }
        freeze
    }

    /// Route (b3): a node's log ends while the other hosts' logs go on for
    /// longer than its timeout and far longer than it was ever silent
    /// before: the process was killed or its host went down. Masters are
    /// left to their own incident.
    fn log_ends(&self, masters: &[(HostId, DateTime<Utc>)]) -> Vec<Sighting> {
        self.with_signal(self.known.node_log_end)
            .filter_map(|(index, entry)| {
                let host = entry.host;
                let timeout_ms = self.node_timeout_ms(Some(host));
                let interval_ms = self.intervals.node_interval(Some(host));
                let was_master = masters
                    .iter()
                    .any(|(h, t)| *h == host && (entry.time - *t).abs() <= FOLLOW_UP);
                if was_master || !self.logs_node(host) {
                    return None;
                }
                let others_end = self.latest_end_elsewhere(host)?;
                let longest_gap = self.longest_gap_before(host, entry.time);
                let spacing = match &entry.event.kind {
                    crate::model::EventKind::StreamEnd(summary) => summary.mean_spacing_ms(),
                    _ => 0.0,
                };
                let needed = (timeout_ms + interval_ms)
                    .max(3.0 * longest_gap)
                    .max(UNUSUAL_SILENCE_FACTOR * spacing)
                    .max(COLLECTION_SKEW.num_milliseconds() as f64);
                if others_end - entry.time < millis(needed) {
                    return None;
                }
                Some(Sighting {
                    route: Route::LogEnded,
                    subject: Some(host),
                    node: None,
                    observer: self.master_at(entry.time).filter(|m| *m != host),
                    anchor: entry.time + self.marked_dead_after(Some(host)),
                    anchor_entry: index,
                    seen: vec![index],
                })
            })
            .collect()
    }

    /// The longest silence logged on `host` before `t`, in ms.
    fn longest_gap_before(&self, host: HostId, t: DateTime<Utc>) -> f64 {
        self.host_entries_with(host, self.known.node_log_gap)
            .take_while(|(_, e)| e.time < t)
            .filter_map(|(_, e)| match &e.event.kind {
                crate::model::EventKind::LogGap(gap) => Some(gap.duration_ms),
                _ => None,
            })
            .fold(0.0, f64::max)
    }

    fn node_marked_dead(&self, group: Group) -> Incident {
        let best = group.best().clone();
        let subject = group.subject();
        let node = group
            .0
            .iter()
            .find_map(|s| s.node.clone())
            .or_else(|| subject.and_then(|h| self.node_of(h)));
        let observer = group.0.iter().find_map(|s| s.observer);
        let interval_ms = self.intervals.node_interval(subject);
        let timeout_ms = interval_ms * super::config::NODE_TIMEOUT_FACTOR;
        let window = Window {
            start: best.anchor - millis(timeout_ms + interval_ms),
            end: best.anchor + GRACE,
        };
        let mut cascade: Vec<usize> = self
            .range(window)
            .filter(|&i| {
                let e = &self.entries()[i];
                Some(e.host) == subject && has(e, self.known.heartbeat_send_failed)
            })
            .collect();
        cascade.extend(group.seen());
        cascade.sort_unstable();
        cascade.dedup();
        let summary = self.dead_summary(&best, subject, node.as_deref(), observer, timeout_ms);
        Incident {
            kind: IncidentKind::NodeMarkedDead,
            subject,
            node,
            observer,
            affected: Vec::new(),
            anchor: best.anchor,
            anchor_entry: best.anchor_entry,
            interval_ms,
            timeout_ms,
            window,
            severity: Severity::High,
            summary,
            cascade,
            found_by: group.routes(),
        }
    }

    fn dead_summary(
        &self,
        best: &Sighting,
        subject: Option<HostId>,
        node: Option<&str>,
        observer: Option<HostId>,
        timeout_ms: f64,
    ) -> String {
        let node_words = node
            .map(|n| format!("node {n}"))
            .unwrap_or_else(|| "a node".into());
        let where_logs = match subject {
            Some(h) => format!("host {}", self.host_name(h)),
            None => "its logs are not in the bundle".to_string(),
        };
        let master = observer.map_or_else(
            || "The master gateway".to_string(),
            |h| format!("Master gateway {}", self.host_name(h)),
        );
        let at = clock(best.anchor);
        let timeout_s = timeout_ms / 1000.0;
        match best.route {
            Route::MarkedDeadLine => format!(
                "{master} marked {node_words} ({where_logs}) dead at {at}: no heartbeat for {timeout_s:.0} s"
            ),
            Route::NodeHeartbeatFailures => format!(
                "{node_words} ({where_logs}) failed its heartbeats to the master for {timeout_s:.0} s; the master marks a node dead then, at about {at}"
            ),
            Route::NodeSilence => format!(
                "{node_words} ({where_logs}) logged nothing for at least {timeout_s:.0} s while its peers went on; the master marks a node dead then, at about {at}"
            ),
            _ => format!(
                "The log of {node_words} ({where_logs}) ended while its peers' logs went on; the master marks a node dead {timeout_s:.0} s after its last heartbeat, at about {at}"
            ),
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
            for burst in self.bursts(&failures, millis(2.0 * interval_ms) + GRACE) {
                incidents.push(self.send_failure_burst(host, burst, interval_ms));
            }
        }
        incidents
    }

    fn send_failure_burst(&self, host: HostId, burst: Vec<usize>, interval_ms: f64) -> Incident {
        let entries = self.entries();
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
        let who = self.who(host);
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
            node: self.node_of(host),
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
            found_by: vec![Route::SendFailures],
        }
    }
}

/// Whether `text` (lowercase) holds `word` with no letter, digit, `_` or
/// `-` on either side.
fn mentions_word(text: &str, word: &str) -> bool {
    let is_name = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_name) && !after.is_some_and(is_name)
    })
}

/// Whether a captured word reads as a node name (`node03`, `wkr-7`,
/// `infa_gw`) rather than an English word the pattern caught ("the node
/// was …").
fn looks_like_a_name(word: &str) -> bool {
    word.chars()
        .any(|c| c.is_ascii_digit() || matches!(c, '_' | '-' | '.'))
}
