//! Clock skew between hosts, found from events where one host's event causes
//! another host's: the master stops and the other nodes' next heartbeat to
//! it fails; the link between FlinkServer peers breaks and both start
//! failing their heartbeats. The design bounds the true time between cause
//! and effect (the lag), so each observed pair bounds how far one clock is
//! off the other. The pairs are data (`[[clock_pair]]` in `rules/clocks/`).
//!
//! An alarm export is a clock of its own: the alarm's time is the
//! management system's, not the host's it names, so an alarm and the log
//! line of the condition that raised it show how far those two are apart.
//!
//! Only the first event of a run (its onset) is paired: repeated events
//! come every heartbeat interval and would pair with any skew.

use super::{Entry, HostId, Timeline};
use crate::definitions::{DefinitionError, DefinitionFile};
use crate::model::EventKind;
use crate::signals::{SignalCatalog, SignalId};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// Skews up to this are clock jitter and log latency, not worth a word.
pub const REPORTED_SKEW_MS: f64 = 2_000.0;
/// How far beyond a pair's lag window an effect is still looked for: the
/// largest skew this can find. Offsets of hours are time-zone questions.
const SEARCH_MS: f64 = 300_000.0;
/// A run's first event comes after at least this long without one.
const DEFAULT_QUIET_S: f64 = 300.0;
/// How far the offset packet captures at both ends measured may be off the
/// hosts' true offset: the difference of the two directions' delays.
const CAPTURE_OFFSET_TOLERANCE_MS: f64 = 50.0;
/// The observation id of a clock offset measured by packet captures.
pub const CAPTURE_PAIR: &str = "packet_capture_match";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockPairFile {
    clock_pair: Vec<ClockPairSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockPairSpec {
    id: Spanned<String>,
    about: String,
    cause: Vec<Spanned<String>>,
    effect: Vec<Spanned<String>>,
    #[serde(default)]
    lag_s: [f64; 2],
    #[serde(default)]
    lag_node_intervals: [f64; 2],
    #[serde(default)]
    quiet_s: Option<f64>,
    #[serde(default)]
    effect_on: EffectOn,
}

/// Where a pair's effect is looked for.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectOn {
    /// On another host (the peer, the other nodes).
    #[default]
    OtherHost,
    /// On the same host, by another clock: an alarm for the host and the
    /// host's own log line.
    SameHost,
}

/// A clock that wrote times in the bundle.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Clock {
    /// The host's own: its logs.
    Host(HostId),
    /// The management system's that exported the alarms (records that
    /// name their host).
    AlarmExport,
}

impl Clock {
    /// The clock that wrote an entry's time.
    pub fn of(entry: &Entry) -> Clock {
        match entry.event.host {
            Some(_) => Clock::AlarmExport,
            None => Clock::Host(entry.host),
        }
    }
}

/// One kind of cross-host cause and effect, with the lag the design allows.
#[derive(Clone, Debug)]
pub struct ClockPair {
    pub id: String,
    /// What happens, for `rules list` and the report.
    pub about: String,
    cause: Vec<SignalId>,
    effect: Vec<SignalId>,
    /// Effect minus cause in true time, seconds…
    lag_s: [f64; 2],
    /// …plus this many node heartbeat intervals (the larger of the two hosts').
    lag_node_intervals: [f64; 2],
    quiet_ms: f64,
    effect_on: EffectOn,
}

/// Every clock pair in force.
#[derive(Clone, Debug, Default)]
pub struct ClockPairs {
    pub pairs: Vec<ClockPair>,
}

impl ClockPairs {
    /// Compiles the `[[clock_pair]]` files among `files`; a later pair
    /// replaces an earlier one with the same id. Every error is returned.
    pub fn build(
        files: &[DefinitionFile],
        catalog: &SignalCatalog,
    ) -> Result<ClockPairs, Vec<DefinitionError>> {
        let mut pairs: BTreeMap<String, ClockPair> = BTreeMap::new();
        let mut errors = Vec::new();
        for file in files.iter().filter(|f| f.defines_clock_pairs()) {
            match file.parse::<ClockPairFile>() {
                Ok(parsed) => {
                    for spec in parsed.clock_pair {
                        match compile(file, spec, catalog) {
                            Ok(pair) => {
                                pairs.insert(pair.id.clone(), pair);
                            }
                            Err(mut errs) => errors.append(&mut errs),
                        }
                    }
                }
                Err(err) => errors.push(err),
            }
        }
        if errors.is_empty() {
            Ok(ClockPairs {
                pairs: pairs.into_values().collect(),
            })
        } else {
            Err(errors)
        }
    }
}

fn compile(
    file: &DefinitionFile,
    spec: ClockPairSpec,
    catalog: &SignalCatalog,
) -> Result<ClockPair, Vec<DefinitionError>> {
    let mut errors = Vec::new();
    let mut resolve = |names: &[Spanned<String>], role: &str| -> Vec<SignalId> {
        if names.is_empty() {
            errors.push(file.error_at(spec.id.span().start, format!("`{role}` names no signal")));
        }
        names
            .iter()
            .filter_map(|name| {
                let id = catalog.id(name.get_ref());
                if id.is_none() {
                    errors.push(file.error_at(
                        name.span().start,
                        format!("no signal is called `{}`", name.get_ref()),
                    ));
                }
                id
            })
            .collect()
    };
    let cause = resolve(&spec.cause, "cause");
    let effect = resolve(&spec.effect, "effect");
    let ordered = |[lo, hi]: [f64; 2]| lo.is_finite() && hi.is_finite() && lo <= hi;
    if !ordered(spec.lag_s) || !ordered(spec.lag_node_intervals) {
        errors.push(file.error_at(
            spec.id.span().start,
            "`lag_s` and `lag_node_intervals` are [least, most] with least <= most",
        ));
    }
    let quiet_s = spec.quiet_s.unwrap_or(DEFAULT_QUIET_S);
    if !(quiet_s.is_finite() && quiet_s > 0.0) {
        errors.push(file.error_at(spec.id.span().start, "`quiet_s` must be above 0"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ClockPair {
        id: spec.id.into_inner(),
        about: spec.about,
        cause,
        effect,
        lag_s: spec.lag_s,
        lag_node_intervals: spec.lag_node_intervals,
        quiet_ms: quiet_s * 1000.0,
        effect_on: spec.effect_on,
    })
}

/// One cause seen on one host and its effect on another.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// The [`ClockPair`] id.
    pub pair: String,
    /// Timeline entries of the cause and of the effect.
    pub cause: usize,
    pub effect: usize,
}

/// Two clocks that differ by more than [`REPORTED_SKEW_MS`].
#[derive(Clone, Debug, PartialEq)]
pub struct Skew {
    /// The clock that reads later…
    pub ahead: Clock,
    /// …than this one…
    pub behind: Clock,
    /// …by at least and at most this many ms (every observation agrees).
    pub min_ms: f64,
    pub max_ms: f64,
    pub observations: Vec<Observation>,
}

impl Skew {
    /// The middle of the bounds: the best single figure.
    pub fn estimate_ms(&self) -> f64 {
        (self.min_ms + self.max_ms) / 2.0
    }
}

/// Bounds on `clock(second) - clock(first)` from the observations of a pair of clocks.
struct Bounds {
    low: f64,
    high: f64,
    observations: Vec<Observation>,
}

/// Every pair of clocks the bundle shows differ by more than
/// [`REPORTED_SKEW_MS`], in clock order. `node_interval_ms` gives each
/// host's node heartbeat interval. Clocks whose observations contradict
/// each other (a false pairing) are left out.
pub fn estimate(
    timeline: &Timeline,
    pairs: &ClockPairs,
    node_interval_ms: impl Fn(HostId) -> f64,
) -> Vec<Skew> {
    let mut by_clocks: BTreeMap<(Clock, Clock), Bounds> = BTreeMap::new();
    let paired = pairs
        .pairs
        .iter()
        .flat_map(|pair| observe(timeline, pair, &node_interval_ms));
    for (observation, [low, high]) in paired.chain(captured(timeline)) {
        let cause = Clock::of(&timeline.entries[observation.cause]);
        let effect = Clock::of(&timeline.entries[observation.effect]);
        let (key, low, high) = if cause < effect {
            ((cause, effect), low, high)
        } else {
            ((effect, cause), -high, -low)
        };
        let bounds = by_clocks.entry(key).or_insert(Bounds {
            low: f64::NEG_INFINITY,
            high: f64::INFINITY,
            observations: Vec::new(),
        });
        bounds.low = bounds.low.max(low);
        bounds.high = bounds.high.min(high);
        bounds.observations.push(observation);
    }
    by_clocks
        .into_iter()
        .filter(|(_, b)| b.low <= b.high)
        .filter_map(|((first, second), b)| {
            if b.low > REPORTED_SKEW_MS {
                Some(skew(second, first, b.low, b.high, b.observations))
            } else if b.high < -REPORTED_SKEW_MS {
                Some(skew(first, second, -b.high, -b.low, b.observations))
            } else {
                None
            }
        })
        .collect()
}

fn skew(
    ahead: Clock,
    behind: Clock,
    min_ms: f64,
    max_ms: f64,
    mut observations: Vec<Observation>,
) -> Skew {
    // A pair whose cause and effect are the same signals sees each
    // meeting twice, once from either side: kept once.
    let meeting = |o: &Observation| (o.cause.min(o.effect), o.cause.max(o.effect));
    observations.sort_by_key(meeting);
    observations.dedup_by_key(|o| meeting(o));
    Skew {
        ahead,
        behind,
        min_ms,
        max_ms,
        observations,
    }
}

/// The clock offsets packet captures at both ends measured, each pair of
/// hosts once: the cause is the first matched finding in one host's
/// capture, the effect the first of the other direction in the other
/// host's. The matched packets give the offset to within the difference of
/// the two directions' delays, [`CAPTURE_OFFSET_TOLERANCE_MS`] either way.
fn captured(timeline: &Timeline) -> Vec<(Observation, [f64; 2])> {
    let mut first: BTreeMap<(HostId, HostId), (usize, f64)> = BTreeMap::new();
    for (index, entry) in timeline.entries.iter().enumerate() {
        let EventKind::Packet(packet) = &entry.event.kind else {
            continue;
        };
        let (Some(peer), Some(offset)) = (&packet.peer, packet.peer_offset_ms) else {
            continue;
        };
        let Some(receiver) = timeline.host_id(&peer.host) else {
            continue;
        };
        if receiver != entry.host && Clock::of(entry) == Clock::Host(entry.host) {
            first
                .entry((entry.host, receiver))
                .or_insert((index, offset));
        }
    }
    first
        .iter()
        .filter(|((sender, receiver), _)| sender < receiver)
        .filter_map(|(&(sender, receiver), &(cause, offset))| {
            let &(effect, _) = first.get(&(receiver, sender))?;
            let entries = &timeline.entries;
            // The captures measured their clocks as written: what this
            // timeline has moved them by since counts.
            let offset = offset + moved_ms(&entries[effect])? - moved_ms(&entries[cause])?;
            let observation = Observation {
                pair: CAPTURE_PAIR.to_string(),
                cause,
                effect,
            };
            let tolerance = CAPTURE_OFFSET_TOLERANCE_MS;
            Some((observation, [offset - tolerance, offset + tolerance]))
        })
        .collect()
}

/// How far the timeline has moved a capture entry from the time its capture
/// stamped it (a corrected clock), in ms.
fn moved_ms(entry: &Entry) -> Option<f64> {
    match entry.event.time {
        crate::model::LogTime::Zoned(stamped) => {
            Some((entry.time - stamped.with_timezone(&chrono::Utc)).num_milliseconds() as f64)
        }
        _ => None,
    }
}

/// Each cause onset of `pair` matched to the nearest effect onset on every
/// other host (or by another clock on the same host), with the bounds it
/// puts on `clock(effect) - clock(cause)`.
fn observe(
    timeline: &Timeline,
    pair: &ClockPair,
    node_interval_ms: &impl Fn(HostId) -> f64,
) -> Vec<(Observation, [f64; 2])> {
    let causes = onsets(timeline, &pair.cause, pair.quiet_ms);
    let effects = onsets(timeline, &pair.effect, pair.quiet_ms);
    let mut found = Vec::new();
    for &cause in &causes {
        let cause_entry = &timeline.entries[cause];
        let mut nearest: BTreeMap<(HostId, Clock), (f64, usize, [f64; 2])> = BTreeMap::new();
        for &effect in &effects {
            let effect_entry = &timeline.entries[effect];
            let same_host = effect_entry.host == cause_entry.host;
            let wanted = match pair.effect_on {
                EffectOn::OtherHost => !same_host,
                EffectOn::SameHost => same_host,
            };
            if !wanted || Clock::of(effect_entry) == Clock::of(cause_entry) {
                continue;
            }
            let interval =
                node_interval_ms(cause_entry.host).max(node_interval_ms(effect_entry.host));
            let lag =
                [0, 1].map(|i| pair.lag_s[i] * 1000.0 + pair.lag_node_intervals[i] * interval);
            let observed = (effect_entry.time - cause_entry.time).num_milliseconds() as f64;
            let outside = (lag[0] - observed).max(observed - lag[1]).max(0.0);
            if outside > SEARCH_MS {
                continue;
            }
            let best = nearest
                .entry((effect_entry.host, Clock::of(effect_entry)))
                .or_insert((f64::INFINITY, 0, [0.0; 2]));
            if outside < best.0 {
                *best = (outside, effect, [observed - lag[1], observed - lag[0]]);
            }
        }
        for (_, (_, effect, bounds)) in nearest {
            found.push((
                Observation {
                    pair: pair.id.clone(),
                    cause,
                    effect,
                },
                bounds,
            ));
        }
    }
    found
}

/// Timeline entries that raised one of `signals` after at least `quiet_ms`
/// in which their host raised none of them by the same clock.
fn onsets(timeline: &Timeline, signals: &[SignalId], quiet_ms: f64) -> Vec<usize> {
    let mut last_seen: BTreeMap<(HostId, Clock), chrono::DateTime<chrono::Utc>> = BTreeMap::new();
    let mut found = Vec::new();
    for (index, entry) in timeline.entries.iter().enumerate() {
        if !entry.signals.iter().any(|s| signals.contains(&s.id)) {
            continue;
        }
        let key = (entry.host, Clock::of(entry));
        let quiet = last_seen
            .get(&key)
            .is_none_or(|last| ((entry.time - *last).num_milliseconds() as f64) >= quiet_ms);
        if quiet {
            found.push(index);
        }
        last_seen.insert(key, entry.time);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definitions;

    fn build(text: &str) -> Result<ClockPairs, Vec<DefinitionError>> {
        let builtin = definitions::builtin();
        let catalog = SignalCatalog::build(&builtin).unwrap();
        let file = DefinitionFile {
            name: "mine.toml".into(),
            text: text.into(),
        };
        ClockPairs::build(&[file], &catalog)
    }

    #[test]
    fn the_built_in_pairs_compile() {
        let builtin = definitions::builtin();
        let catalog = SignalCatalog::build(&builtin).unwrap();
        let pairs = ClockPairs::build(&builtin, &catalog).unwrap();
        assert!(pairs.pairs.iter().any(|p| p.id == "new_master_reached"));
        assert!(
            pairs
                .pairs
                .iter()
                .any(|p| p.effect_on == EffectOn::SameHost)
        );
    }

    #[test]
    fn an_unknown_signal_is_an_error_at_its_line() {
        let errors = build(
            "[[clock_pair]]\nid = \"x\"\nabout = \"a\"\ncause = [\"master_elected\"]\neffect = [\"no_such_signal\"]\n",
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 5);
        assert!(errors[0].message.contains("no_such_signal"));
    }

    #[test]
    fn a_lag_whose_least_is_above_its_most_is_an_error() {
        let errors = build(
            "[[clock_pair]]\nid = \"x\"\nabout = \"a\"\ncause = [\"master_elected\"]\neffect = [\"heartbeat_recovered\"]\nlag_s = [30, 0]\n",
        )
        .unwrap_err();
        assert!(errors[0].message.contains("least <= most"), "{errors:?}");
    }

    #[test]
    fn a_misspelt_key_is_an_error() {
        let errors = build(
            "[[clock_pair]]\nid = \"x\"\nabout = \"a\"\ncause = [\"master_elected\"]\neffect = [\"heartbeat_recovered\"]\nlag = [0, 30]\n",
        )
        .unwrap_err();
        assert!(errors[0].message.contains("lag"), "{errors:?}");
    }
}
