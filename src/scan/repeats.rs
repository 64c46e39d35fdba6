//! The identical events folded into a kept one. A flood of one message is
//! hundreds of thousands of records; each folded one costs the bytes of its
//! delay after the one before it (usually two), not an event.

use chrono::{DateTime, Duration, Utc};

/// The identical events folded into a kept one, as their delays after it:
/// exact for any window, in one or two bytes each. Delays are stored as
/// the difference from the previous one (ZigZag, LEB128), since a flood's
/// records are seconds apart and in file order, mostly in time order too.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Repeats {
    /// Folded events, the kept one not included.
    folded: u32,
    /// The last delay encoded, which the next one is a difference from.
    last_delay_ms: u32,
    packed: Vec<u8>,
}

impl Repeats {
    /// Minutes of a log's clock whose identical events fold into the first:
    /// a timeout that recurs every half minute keeps one event per ten
    /// minutes, not one per record.
    pub const BUCKET_MINUTES: i64 = 10;

    /// How long after a kept event an identical one may be folded into it
    /// (both lie in the same bucket of the log's clock).
    pub const WINDOW_MS: u32 = 600_000;

    /// The event itself plus its folded repeats.
    pub fn count(&self) -> u32 {
        1 + self.folded
    }

    /// How many of the event (at `at`) and its repeats fall in `start..=end`.
    pub fn within(&self, at: DateTime<Utc>, start: DateTime<Utc>, end: DateTime<Utc>) -> u32 {
        let inside = |t: DateTime<Utc>| start <= t && t <= end;
        let repeats = self
            .delays()
            .filter(|&delay| inside(at + Duration::milliseconds(i64::from(delay))))
            .count() as u32;
        u32::from(inside(at)) + repeats
    }

    /// Counts an identical event `delay_ms` after the kept one, with the
    /// repeats that had been folded into it.
    pub(super) fn absorb(&mut self, delay_ms: u32, its_repeats: &Repeats) {
        self.push(delay_ms);
        for delay in its_repeats.delays() {
            self.push(delay_ms.saturating_add(delay));
        }
    }

    /// Gives back the spare capacity of a finished file's repeats.
    pub(super) fn shrink(&mut self) {
        self.packed.shrink_to_fit();
    }

    fn push(&mut self, delay_ms: u32) {
        let step = i64::from(delay_ms) - i64::from(self.last_delay_ms);
        let mut zigzag = ((step << 1) ^ (step >> 63)) as u64;
        loop {
            let byte = (zigzag & 0x7f) as u8;
            zigzag >>= 7;
            if zigzag == 0 {
                self.packed.push(byte);
                break;
            }
            self.packed.push(byte | 0x80);
        }
        self.last_delay_ms = delay_ms;
        self.folded += 1;
    }

    /// Every folded event's delay after the kept one, in the order folded.
    fn delays(&self) -> impl Iterator<Item = u32> + '_ {
        let mut bytes = self.packed.iter();
        let mut delay: i64 = 0;
        std::iter::from_fn(move || {
            let (mut zigzag, mut shift) = (0u64, 0u32);
            loop {
                let byte = *bytes.next()?;
                zigzag |= u64::from(byte & 0x7f) << shift;
                shift += 7;
                if byte & 0x80 == 0 {
                    break;
                }
            }
            delay += ((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64);
            Some(delay as u32)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn folded(delays: &[u32]) -> Repeats {
        let mut repeats = Repeats::default();
        for &delay in delays {
            repeats.absorb(delay, &Repeats::default());
        }
        repeats
    }

    #[test]
    fn a_flood_a_second_apart_costs_two_bytes_a_record() {
        let delays: Vec<u32> = (1..=599).map(|s| s * 1000).collect();
        let repeats = folded(&delays);
        assert_eq!(repeats.count(), 600);
        assert_eq!(repeats.packed.len(), 2 * 599);
    }

    #[test]
    fn counts_in_a_window_include_the_kept_event() {
        let at = DateTime::<Utc>::from_timestamp(1_773_310_000, 0).unwrap();
        let repeats = folded(&[1000, 2000, 5000]);
        let s = |secs: i64| at + Duration::seconds(secs);
        assert_eq!(repeats.within(at, s(0), s(5)), 4);
        assert_eq!(repeats.within(at, s(1), s(2)), 2);
        assert_eq!(repeats.within(at, s(3), s(4)), 0);
    }

    proptest! {
        /// Any delays, in any order, come back as pushed; folding a folded
        /// event shifts its repeats by its own delay.
        #[test]
        fn delays_come_back_exactly(
            first in proptest::collection::vec(0u32..=Repeats::WINDOW_MS, 0..50),
            second in proptest::collection::vec(0u32..=Repeats::WINDOW_MS, 0..50),
            shift in 0u32..=Repeats::WINDOW_MS,
        ) {
            let inner = folded(&second);
            let mut outer = folded(&first);
            outer.absorb(shift, &inner);
            let mut expected = first.clone();
            expected.push(shift);
            expected.extend(second.iter().map(|d| shift.saturating_add(*d)));
            prop_assert_eq!(outer.delays().collect::<Vec<_>>(), expected);
            prop_assert_eq!(outer.count() as usize, first.len() + second.len() + 2);
        }
    }
}
