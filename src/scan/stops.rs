//! The JVM stops a source held that no signal kept: GC pauses too short and
//! too ordinary to be evidence, safepoints under a second. They are
//! counted, not kept, so a GC log with a pause every second costs no memory
//! per pause and the report still says how long the JVM stood still.

use crate::model::EventKind;
use serde::Serialize;

/// Which kind of stop a tally counts.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StopKind {
    GcPause,
    Safepoint,
    AllocationStall,
}

/// Count, total and longest of one kind of unkept stop, in whole
/// microseconds so pieces of a file add up to the same figures in any order.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct StopTally {
    pub count: u64,
    pub total_us: u64,
    pub longest_us: u64,
}

impl StopTally {
    fn add(&mut self, other: StopTally) {
        self.count += other.count;
        self.total_us += other.total_us;
        self.longest_us = self.longest_us.max(other.longest_us);
    }
}

/// The unkept stops of one source, per kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShortStops {
    /// Indexed by [`StopKind`] in declaration order.
    tallies: [StopTally; 3],
}

impl ShortStops {
    const KINDS: [StopKind; 3] = [
        StopKind::GcPause,
        StopKind::Safepoint,
        StopKind::AllocationStall,
    ];

    /// Counts `kind` when it is a stop; other events are ignored.
    pub(super) fn count(&mut self, kind: &EventKind) {
        let (stop, duration_ms) = match kind {
            EventKind::GcPause(p) => (StopKind::GcPause, p.duration_ms),
            EventKind::Safepoint(s) => (StopKind::Safepoint, s.duration_ms),
            EventKind::AllocationStall(s) => (StopKind::AllocationStall, s.duration_ms),
            _ => return,
        };
        let us = (duration_ms * 1000.0).round();
        let us = if us.is_finite() && us > 0.0 {
            us as u64
        } else {
            0
        };
        self.tallies[stop as usize].add(StopTally {
            count: 1,
            total_us: us,
            longest_us: us,
        });
    }

    /// Adds the tallies of the piece read after this one.
    pub(super) fn absorb(&mut self, other: &ShortStops) {
        for (mine, theirs) in self.tallies.iter_mut().zip(&other.tallies) {
            mine.add(*theirs);
        }
    }

    /// The kinds with at least one stop counted, in a fixed order.
    pub fn tallies(&self) -> impl Iterator<Item = (StopKind, StopTally)> + '_ {
        Self::KINDS
            .into_iter()
            .zip(self.tallies)
            .filter(|(_, t)| t.count > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GcPause, LoggedAt, Safepoint};

    fn pause(ms: f64) -> EventKind {
        EventKind::GcPause(Box::new(GcPause {
            duration_ms: ms,
            ..GcPause::default()
        }))
    }

    #[test]
    fn pieces_add_up_to_the_whole() {
        let (mut whole, mut first, mut second) = Default::default();
        let stops = [pause(61.25), pause(0.4), pause(120.0)];
        for (i, stop) in stops.iter().enumerate() {
            ShortStops::count(&mut whole, stop);
            ShortStops::count(if i < 1 { &mut first } else { &mut second }, stop);
        }
        ShortStops::absorb(&mut first, &second);
        assert_eq!(first, whole);
        let tallies: Vec<_> = whole.tallies().collect();
        assert_eq!(
            tallies,
            [(
                StopKind::GcPause,
                StopTally {
                    count: 3,
                    total_us: 181_650,
                    longest_us: 120_000
                }
            )]
        );
    }

    #[test]
    fn each_kind_has_its_own_tally_and_text_records_none() {
        let mut stops = ShortStops::default();
        stops.count(&pause(70.0));
        stops.count(&EventKind::Safepoint(Box::new(Safepoint {
            duration_ms: 12.0,
            logged_at: LoggedAt::End,
            time_to_safepoint_ms: None,
            operation: None,
        })));
        stops.count(&EventKind::Log(Box::default()));
        let kinds: Vec<_> = stops.tallies().map(|(k, _)| k).collect();
        assert_eq!(kinds, [StopKind::GcPause, StopKind::Safepoint]);
    }
}
