//! Clock correction: the clocks that cross-host events show are off (see
//! [`crate::timeline::skew`]) are moved to the middle of their bounds, one at
//! a time, until no two clocks disagree by more than 2 s. Then each
//! correction is tried at both ends of its bounds, and without it: an
//! incident whose verdict differs there is one the skew could change.

use super::Definitions;
use crate::incidents::{self, Detection, HeartbeatSettings, IncidentKind, KnownSignals};
use crate::model::SourceId;
use crate::rules::Verdict;
use crate::timeline::skew::{self, Clock, Skew};
use crate::timeline::{HostId, Timeline};
use std::collections::BTreeMap;

/// Corrections made at most: one per clock is the most a bundle needs.
const MAX_CORRECTIONS: usize = 16;

/// A clock skew, the correction applied for it, and the verdicts that
/// could change within it.
#[derive(Clone, Debug)]
pub struct SkewCheck {
    /// The skew as measured before its correction.
    pub skew: Skew,
    /// The clock moved, and by how much (ms; later when positive).
    pub corrected: Clock,
    pub correction_ms: f64,
    /// Incidents whose verdict differs with this clock moved by the least
    /// or the most the skew allows, or not moved at all. Empty: every
    /// verdict holds within the skew.
    pub changes: Vec<VerdictChange>,
}

/// An incident whose verdict depends on how a clock is corrected.
#[derive(Clone, Debug, PartialEq)]
pub struct VerdictChange {
    pub kind: IncidentKind,
    pub host: Option<HostId>,
    /// The first rule's id with the corrections made; `None`: the incident
    /// is not found then.
    pub verdict: Option<String>,
    /// The first rule's id with the clock moved by `at_ms` instead;
    /// `None`: the incident is not found then.
    pub alternative: Option<String>,
    pub at_ms: f64,
}

/// What a timeline diagnoses to: the pipeline's incident and rule stages.
pub type Diagnose<'a> = dyn Fn(&Timeline) -> (Detection, Vec<Verdict>) + 'a;

/// The timeline with every skewed clock corrected, and what was done.
pub fn correct(
    as_written: Timeline,
    defs: &Definitions,
    heartbeat: &HeartbeatSettings,
    diagnose: &Diagnose<'_>,
) -> (Timeline, Vec<SkewCheck>) {
    let known = KnownSignals::resolve(&defs.catalog);
    let (intervals, _) = incidents::config::resolve(&as_written, &known, heartbeat);
    let node_interval = |host: HostId| intervals.node_interval(Some(host));
    let mut moved: Option<Timeline> = None;
    let mut made: Vec<(Skew, Clock, f64)> = Vec::new();
    let mut measured_on: Vec<Vec<SourceLine>> = Vec::new();
    while made.len() < MAX_CORRECTIONS {
        let current = moved.as_ref().unwrap_or(&as_written);
        let skews = skew::estimate(current, &defs.clock_pairs, node_interval);
        let Some((skew, clock, by)) = most_telling(&skews) else {
            break;
        };
        measured_on.push(places(current));
        moved = Some(current.with_clock_moved(clock, millis(by)));
        made.push((skew, clock, by));
    }
    // Where every clock agrees, the timeline is used as it is: no copy.
    let Some(timeline) = moved else {
        return (as_written, Vec::new());
    };
    for ((skew, _, _), before) in made.iter_mut().zip(&measured_on) {
        point_at(skew, before, &timeline);
    }
    let corrected = verdict_keys(diagnose(&timeline));
    let checks = made
        .iter()
        .enumerate()
        .map(|(index, (skew, clock, by))| SkewCheck {
            skew: skew.clone(),
            corrected: *clock,
            correction_ms: *by,
            changes: changes_within(&as_written, &made, index, &corrected, diagnose),
        })
        .collect();
    (timeline, checks)
}

/// A timeline entry's place in the input, which no correction moves: its
/// file and line, and which of the entries of that line it is (a line
/// can give several: an alarm raised and cleared, a silence after it).
type SourceLine = (SourceId, u64, usize);

fn places(timeline: &Timeline) -> Vec<SourceLine> {
    let mut seen: BTreeMap<(SourceId, u64), usize> = BTreeMap::new();
    timeline
        .entries
        .iter()
        .map(|e| {
            let nth = seen.entry((e.source, e.event.line)).or_default();
            *nth += 1;
            (e.source, e.event.line, *nth)
        })
        .collect()
}

/// Points a skew's observations, measured on an earlier timeline whose
/// entries were at `before`, at the same lines' entries in `timeline`.
fn point_at(skew: &mut Skew, before: &[SourceLine], timeline: &Timeline) {
    let now: BTreeMap<SourceLine, usize> = places(timeline)
        .into_iter()
        .enumerate()
        .map(|(i, place)| (place, i))
        .collect();
    for observation in &mut skew.observations {
        observation.cause = now[&before[observation.cause]];
        observation.effect = now[&before[observation.effect]];
    }
}

/// The next correction: of the skews, the clock in the most is the one
/// that is off (the ahead one on a tie; the larger skew first), moved to
/// the middle of the bounds.
fn most_telling(skews: &[Skew]) -> Option<(Skew, Clock, f64)> {
    let count = |clock: Clock| {
        skews
            .iter()
            .filter(|s| s.ahead == clock || s.behind == clock)
            .count()
    };
    let chosen = skews.iter().max_by(|a, b| {
        let weight = |s: &Skew| count(s.ahead).max(count(s.behind));
        weight(a)
            .cmp(&weight(b))
            .then(a.estimate_ms().total_cmp(&b.estimate_ms()))
    })?;
    let (clock, by) = if count(chosen.behind) > count(chosen.ahead) {
        (chosen.behind, chosen.estimate_ms())
    } else {
        (chosen.ahead, -chosen.estimate_ms())
    };
    Some((chosen.clone(), clock, by))
}

/// The incidents whose verdict differs from `corrected` when correction
/// `index` is made at either end of its bounds or not at all.
fn changes_within(
    as_written: &Timeline,
    made: &[(Skew, Clock, f64)],
    index: usize,
    corrected: &[VerdictKey],
    diagnose: &Diagnose<'_>,
) -> Vec<VerdictChange> {
    let (skew, _, by) = &made[index];
    let sign = by.signum();
    let tries = [sign * skew.min_ms, sign * skew.max_ms, 0.0];
    let mut found: Vec<VerdictChange> = Vec::new();
    for at_ms in tries {
        let mut timeline = as_written.clone();
        for (i, (_, other, other_by)) in made.iter().enumerate() {
            let amount = if i == index { at_ms } else { *other_by };
            timeline = timeline.with_clock_moved(*other, millis(amount));
        }
        for change in differences(corrected, &verdict_keys(diagnose(&timeline)), at_ms) {
            if !found
                .iter()
                .any(|f| (f.kind, f.host) == (change.kind, change.host))
            {
                found.push(change);
            }
        }
    }
    found
}

type VerdictKey = (IncidentKind, Option<HostId>, Option<String>);

/// Each incident's kind, host and first rule, sorted.
fn verdict_keys((detection, verdicts): (Detection, Vec<Verdict>)) -> Vec<VerdictKey> {
    let mut keys: Vec<VerdictKey> = detection
        .incidents
        .iter()
        .zip(&verdicts)
        .map(|(incident, verdict)| {
            let rule = verdict.findings.first().map(|f| f.rule.clone());
            (incident.kind, incident.subject, rule)
        })
        .collect();
    keys.sort();
    keys
}

/// The incidents whose verdict is not the same in both lists: matched by
/// kind and host, in order; an unmatched one was found in one list only.
fn differences(corrected: &[VerdictKey], other: &[VerdictKey], at_ms: f64) -> Vec<VerdictChange> {
    let mut left: Vec<&VerdictKey> = corrected.iter().filter(|k| !other.contains(k)).collect();
    let mut right: Vec<&VerdictKey> = other.iter().filter(|k| !corrected.contains(k)).collect();
    let mut found = Vec::new();
    for before in left.drain(..) {
        let after = right
            .iter()
            .position(|k| (k.0, k.1) == (before.0, before.1))
            .map(|i| right.remove(i));
        found.push(VerdictChange {
            kind: before.0,
            host: before.1,
            verdict: before.2.clone(),
            alternative: after.and_then(|k| k.2.clone()),
            at_ms,
        });
    }
    found.extend(right.into_iter().map(|after| VerdictChange {
        kind: after.0,
        host: after.1,
        verdict: None,
        alternative: after.2.clone(),
        at_ms,
    }));
    found
}

fn millis(ms: f64) -> chrono::Duration {
    chrono::Duration::milliseconds(ms.round() as i64)
}
