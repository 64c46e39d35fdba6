//! Records per minute of one source, on the source's own clock: what the
//! report's activity sparkline is drawn from. It grows with the minutes a
//! log spans, never with its lines, and past [`MAX_BUCKETS`] distinct
//! stretches its buckets double in width.

use crate::model::LogTime;
use std::collections::BTreeMap;

/// Distinct buckets kept per source before they are widened.
const MAX_BUCKETS: usize = 4096;

/// Counts of records per bucket of `60 << level` seconds. Local and zoned
/// times are kept apart: only the timeline knows the zone of local ones.
/// The result does not depend on the order records were counted in (a
/// file read in pieces counts as one read whole): the level ends as the
/// smallest at which every record fits in [`MAX_BUCKETS`] buckets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordMinutes {
    /// Each bucket is `60 << level` seconds wide.
    pub level: u32,
    /// Wall-clock times without offset: bucket number of the time read as
    /// if it were UTC (the host's zone is applied later).
    pub local: BTreeMap<i64, u32>,
    /// Times that carry their offset: bucket number since 1970 UTC.
    pub utc: BTreeMap<i64, u32>,
}

impl RecordMinutes {
    /// Bucket width in seconds.
    pub fn bucket_s(&self) -> i64 {
        60 << self.level
    }

    /// Counts one record at `time`; uptime-only times have no wall clock
    /// and are not counted.
    pub(super) fn count(&mut self, time: LogTime) {
        let (map, minute) = match time {
            LogTime::Local(_) => (&mut self.local, time.minute_number()),
            LogTime::Zoned(_) => (&mut self.utc, time.minute_number()),
            LogTime::Uptime(_) => return,
        };
        let bucket = minute >> self.level;
        // A log in order counts into its latest bucket: no search.
        if let Some(mut latest) = map.last_entry()
            && *latest.key() == bucket
        {
            *latest.get_mut() += 1;
            return;
        }
        *map.entry(bucket).or_default() += 1;
        self.fit();
    }

    /// Adds the counts of another piece of the same source.
    pub(super) fn absorb(&mut self, mut other: RecordMinutes) {
        let level = self.level.max(other.level);
        self.widen_to(level);
        other.widen_to(level);
        for (mine, theirs) in [(&mut self.local, other.local), (&mut self.utc, other.utc)] {
            for (bucket, count) in theirs {
                *mine.entry(bucket).or_default() += count;
            }
        }
        self.fit();
    }

    /// Widens the buckets until there are at most [`MAX_BUCKETS`].
    fn fit(&mut self) {
        while self.local.len() + self.utc.len() > MAX_BUCKETS {
            self.widen_to(self.level + 1);
        }
    }

    fn widen_to(&mut self, level: u32) {
        let shift = level - self.level;
        if shift == 0 {
            return;
        }
        for map in [&mut self.local, &mut self.utc] {
            let mut wider = BTreeMap::new();
            for (bucket, count) in std::mem::take(map) {
                *wider.entry(bucket >> shift).or_default() += count;
            }
            *map = wider;
        }
        self.level = level;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(minute: i64) -> LogTime {
        LogTime::Local(
            chrono::DateTime::from_timestamp(minute * 60, 0)
                .unwrap()
                .naive_utc(),
        )
    }

    #[test]
    fn counts_per_minute_and_skips_uptimes() {
        let mut counts = RecordMinutes::default();
        for time in [local(10), local(10), local(11), LogTime::Uptime(3.0)] {
            counts.count(time);
        }
        assert_eq!(counts.local, BTreeMap::from([(10, 2), (11, 1)]));
        assert!(counts.utc.is_empty());
        assert_eq!(counts.bucket_s(), 60);
    }

    #[test]
    fn long_spans_widen_the_buckets_whatever_the_order() {
        let minutes: Vec<i64> = (0..10_000).map(|m| m * 7).collect();
        let mut whole = RecordMinutes::default();
        minutes.iter().for_each(|&m| whole.count(local(m)));
        let (mut front, mut back) = (RecordMinutes::default(), RecordMinutes::default());
        minutes[5000..].iter().for_each(|&m| back.count(local(m)));
        minutes[..5000].iter().for_each(|&m| front.count(local(m)));
        front.absorb(back);
        assert_eq!(front, whole);
        assert!(whole.local.len() <= MAX_BUCKETS);
        assert_eq!(whole.local.values().sum::<u32>(), 10_000);
        assert!(whole.level > 0);
    }
}
