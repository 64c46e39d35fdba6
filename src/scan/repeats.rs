//! The identical events folded into a kept one. A flood of one message is
//! hundreds of thousands of records; each folded one costs the bytes of its
//! delay and line after the one before it (usually three), not an event.

use chrono::{DateTime, Duration, Utc};

/// The identical events folded into a kept one, as their delays and lines
/// after it: exact for any window, and each can be cited by its own line.
/// Both are stored as the difference from the previous one (ZigZag
/// LEB128), since a flood's records are seconds and a few lines apart, in
/// file order and mostly in time order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Repeats {
    /// Folded events, the kept one not included.
    folded: u32,
    /// The last delay and line offset encoded, which the next ones are
    /// differences from.
    last: (u32, u64),
    /// The longest delay, for how far back a window must look for it.
    longest_ms: u32,
    /// Whether some delay is shorter than the one folded before it.
    out_of_order: bool,
    /// Where every [`MARK_EVERY`]th repeat starts in `packed`: a window
    /// asked of repeats in time order starts decoding at the last mark
    /// before it and stops past its end, instead of decoding them all for
    /// every rule's window.
    marks: Vec<Mark>,
    packed: Vec<u8>,
}

/// Repeats between two marks.
const MARK_EVERY: u32 = 64;

/// Where a repeat starts in the packed bytes, and the delay and line it is
/// a difference from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Mark {
    offset: usize,
    before: (u32, u64),
}

impl Mark {
    /// Where the first repeat starts.
    const FIRST: Mark = Mark {
        offset: 0,
        before: (0, 0),
    };
}

/// One folded event: how long and how many lines after the kept one.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Repeat {
    pub delay_ms: u32,
    pub lines_after: u64,
}

impl Repeats {
    /// Minutes of a log's clock whose identical events fold into the first:
    /// a timeout that recurs every half minute keeps one event a day, not
    /// one per record. Evidence cites the first of them inside a rule's
    /// window by its own line, so the bucket can be long.
    pub const BUCKET_MINUTES: i64 = 24 * 60;

    /// How long after a kept event an identical one may be folded into it
    /// (both lie in the same bucket of the log's clock).
    pub const WINDOW_MS: u32 = 86_400_000;

    /// How long after the kept event its last-timed repeat came (0 for
    /// none): a window this much later may still count it.
    pub fn span_ms(&self) -> u32 {
        self.longest_ms
    }

    /// The event itself plus its folded repeats.
    pub fn count(&self) -> u32 {
        1 + self.folded
    }

    /// How many of the event (at `at`) and its repeats fall in `start..=end`.
    pub fn within(&self, at: DateTime<Utc>, start: DateTime<Utc>, end: DateTime<Utc>) -> u32 {
        let inside = |t: DateTime<Utc>| start <= t && t <= end;
        let repeats = match self.delays_inside(at, start, end) {
            Some(delays) => self
                .candidates(&delays)
                .filter(|r| delays.holds(r.delay_ms))
                .count(),
            None => 0,
        };
        u32::from(inside(at)) + repeats as u32
    }

    /// The first folded event (in file order) of the kept one at `at` that
    /// falls in `start..=end`.
    pub fn first_within(
        &self,
        at: DateTime<Utc>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Option<Repeat> {
        let delays = self.delays_inside(at, start, end)?;
        self.candidates(&delays).find(|r| delays.holds(r.delay_ms))
    }

    /// The repeats, in file order, that may lie in `delays`: all of them,
    /// unless they are in time order, when those before the last mark
    /// before the window and those after it are left out.
    fn candidates<'r>(&'r self, delays: &'r DelaysInside) -> Box<dyn Iterator<Item = Repeat> + 'r> {
        if self.out_of_order {
            return Box::new(self.iter());
        }
        let past = |delay: u32| Duration::milliseconds(i64::from(delay)) < delays.from;
        let start = match self.marks.partition_point(|mark| past(mark.before.0)) {
            0 => Mark::FIRST,
            after => self.marks[after - 1],
        };
        let until = |r: &Repeat| Duration::milliseconds(i64::from(r.delay_ms)) <= delays.to;
        Box::new(self.iter_from(start).take_while(until))
    }

    /// The delays after `at` that land in `start..=end`, or `None` when no
    /// repeat's can: a window is compared with each delay, not each delay
    /// turned into a time (calendar arithmetic per repeat, for every rule's
    /// window, was most of the time after the scan on a flood).
    fn delays_inside(
        &self,
        at: DateTime<Utc>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Option<DelaysInside> {
        let delays = DelaysInside {
            from: start.signed_duration_since(at),
            to: end.signed_duration_since(at),
        };
        let reachable = delays.to >= Duration::zero()
            && delays.from <= Duration::milliseconds(i64::from(self.longest_ms));
        (self.folded > 0 && reachable).then_some(delays)
    }

    /// Counts an identical event `repeat` after the kept one, with the
    /// repeats that had been folded into it.
    pub(super) fn absorb(&mut self, repeat: Repeat, its_repeats: &Repeats) {
        self.push(repeat);
        for r in its_repeats.iter() {
            self.push(Repeat {
                delay_ms: repeat.delay_ms.saturating_add(r.delay_ms),
                lines_after: repeat.lines_after.saturating_add(r.lines_after),
            });
        }
    }

    /// Gives back the spare capacity of a finished file's repeats.
    pub(super) fn shrink(&mut self) {
        self.packed.shrink_to_fit();
        self.marks.shrink_to_fit();
    }

    fn push(&mut self, repeat: Repeat) {
        let (delay, line) = self.last;
        if self.folded.is_multiple_of(MARK_EVERY) {
            self.marks.push(Mark {
                offset: self.packed.len(),
                before: self.last,
            });
        }
        self.out_of_order |= repeat.delay_ms < delay;
        write_varint(
            &mut self.packed,
            zigzag(i64::from(repeat.delay_ms) - i64::from(delay)),
        );
        let line_step = i128::from(repeat.lines_after) - i128::from(line);
        write_varint(&mut self.packed, zigzag(line_step as i64));
        self.last = (repeat.delay_ms, repeat.lines_after);
        self.longest_ms = self.longest_ms.max(repeat.delay_ms);
        self.folded += 1;
    }

    /// Every folded event, in the order folded.
    pub fn iter(&self) -> impl Iterator<Item = Repeat> + '_ {
        self.iter_from(Mark::FIRST)
    }

    /// The folded events from the one `mark` marks on.
    fn iter_from(&self, mark: Mark) -> impl Iterator<Item = Repeat> + '_ {
        let mut bytes = self.packed[mark.offset..].iter().copied();
        let (mut delay, mut line) = (i64::from(mark.before.0), mark.before.1 as i64);
        std::iter::from_fn(move || {
            delay += unzigzag(read_varint(&mut bytes)?);
            line += unzigzag(read_varint(&mut bytes)?);
            Some(Repeat {
                delay_ms: delay as u32,
                lines_after: line as u64,
            })
        })
    }
}

/// The delays, as durations after a kept event, that a window holds.
struct DelaysInside {
    from: Duration,
    to: Duration,
}

impl DelaysInside {
    fn holds(&self, delay_ms: u32) -> bool {
        let delay = Duration::milliseconds(i64::from(delay_ms));
        self.from <= delay && delay <= self.to
    }
}

fn zigzag(step: i64) -> u64 {
    ((step << 1) ^ (step >> 63)) as u64
}

fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

fn write_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn read_varint(bytes: &mut impl Iterator<Item = u8>) -> Option<u64> {
    let (mut value, mut shift) = (0u64, 0u32);
    loop {
        let byte = bytes.next()?;
        value |= u64::from(byte & 0x7f) << shift.min(63);
        shift += 7;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn repeat(delay_ms: u32, lines_after: u64) -> Repeat {
        Repeat {
            delay_ms,
            lines_after,
        }
    }

    /// Repeats `delays` ms after the kept event, ten lines apart.
    fn folded(delays: &[u32]) -> Repeats {
        let mut repeats = Repeats::default();
        for (i, &delay) in delays.iter().enumerate() {
            repeats.absorb(repeat(delay, 10 * (i as u64 + 1)), &Repeats::default());
        }
        repeats
    }

    #[test]
    fn a_flood_a_second_apart_costs_three_bytes_a_record() {
        let delays: Vec<u32> = (1..=3599).map(|s| s * 1000).collect();
        let repeats = folded(&delays);
        assert_eq!(repeats.count(), 3600);
        assert_eq!(repeats.packed.len(), 3 * 3599);
    }

    #[test]
    fn the_first_repeat_in_a_window_is_found_with_its_line() {
        let at = DateTime::<Utc>::from_timestamp(1_773_310_000, 0).unwrap();
        let repeats = folded(&[1000, 2000, 5000]);
        let s = |secs: i64| at + Duration::seconds(secs);
        assert_eq!(repeats.first_within(at, s(2), s(9)), Some(repeat(2000, 20)));
        assert_eq!(repeats.first_within(at, s(6), s(9)), None);
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
        /// Counting and finding repeats in a window compare delays with the
        /// window, and skip to the window in repeats in time order; each
        /// repeat's own time, computed, gives the same answer, with windows
        /// and a kept time that are not whole milliseconds.
        #[test]
        fn windows_hold_the_repeats_whose_times_they_hold(
            mut delays in proptest::collection::vec(0u32..100_000, 0..400),
            in_order in proptest::bool::ANY,
            at_ns in 0i64..1_000_000_000,
            from_ns in -20_000_000_000i64..120_000_000_000,
            length_ns in 0i64..60_000_000_000,
        ) {
            let base = DateTime::<Utc>::from_timestamp(1_773_310_000, 0).unwrap();
            let at = base + Duration::nanoseconds(at_ns);
            let (start, end) = (base + Duration::nanoseconds(from_ns), base + Duration::nanoseconds(from_ns + length_ns));
            if in_order {
                delays.sort_unstable();
            }
            let repeats = folded(&delays);
            let time_of = |r: &Repeat| at + Duration::milliseconds(i64::from(r.delay_ms));
            let inside: Vec<Repeat> = repeats.iter().filter(|r| start <= time_of(r) && time_of(r) <= end).collect();
            let own = u32::from(start <= at && at <= end);
            prop_assert_eq!(repeats.within(at, start, end), own + inside.len() as u32);
            prop_assert_eq!(repeats.first_within(at, start, end), inside.first().copied());
        }

        /// Any delays, in any order, come back as pushed; folding a folded
        /// event shifts its repeats by its own delay.
        #[test]
        fn repeats_come_back_exactly(
            first in proptest::collection::vec((0u32..=Repeats::WINDOW_MS, 1u64..1 << 40), 0..50),
            second in proptest::collection::vec((0u32..=Repeats::WINDOW_MS, 1u64..1 << 40), 0..50),
            shift in (0u32..=Repeats::WINDOW_MS, 1u64..1 << 40),
        ) {
            let build = |pairs: &[(u32, u64)]| {
                let mut repeats = Repeats::default();
                for &(d, l) in pairs {
                    repeats.absorb(repeat(d, l), &Repeats::default());
                }
                repeats
            };
            let inner = build(&second);
            let mut outer = build(&first);
            outer.absorb(repeat(shift.0, shift.1), &inner);
            let mut expected: Vec<Repeat> = first.iter().map(|&(d, l)| repeat(d, l)).collect();
            expected.push(repeat(shift.0, shift.1));
            expected.extend(second.iter().map(|&(d, l)| {
                repeat(shift.0.saturating_add(d), shift.1 + l)
            }));
            prop_assert_eq!(outer.iter().collect::<Vec<_>>(), expected);
            prop_assert_eq!(outer.count() as usize, first.len() + second.len() + 2);
        }
    }
}
