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
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordMinutes {
    /// Each bucket is `60 << level` seconds wide.
    pub level: u32,
    /// Wall-clock times without offset: bucket number of the time read as
    /// if it were UTC (the host's zone is applied later).
    pub local: BTreeMap<i64, u32>,
    /// Times that carry their offset: bucket number since 1970 UTC.
    pub utc: BTreeMap<i64, u32>,
    /// Records of the bucket counted last, not yet added to its map: a log
    /// writes many records a minute, and one in the same second as the one
    /// before is counted without working out its minute.
    run: Option<Run>,
}

/// Consecutive records of one bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Run {
    /// The latest record's time.
    last: LogTime,
    utc: bool,
    bucket: i64,
    records: u32,
}

impl RecordMinutes {
    /// Bucket width in seconds.
    pub fn bucket_s(&self) -> i64 {
        60 << self.level
    }

    /// Counts one record at `time`; uptime-only times have no wall clock
    /// and are not counted.
    pub(super) fn count(&mut self, time: LogTime) {
        if let Some(run) = &mut self.run
            && run.last.same_second(time)
        {
            run.records += 1;
            return;
        }
        let utc = match time {
            LogTime::Local(_) => false,
            LogTime::Zoned(_) => true,
            LogTime::Uptime(_) => return,
        };
        let minute = time.minute_number();
        let bucket = minute >> self.level;
        if let Some(run) = &mut self.run
            && (run.utc, run.bucket) == (utc, bucket)
        {
            run.last = time;
            run.records += 1;
            return;
        }
        // Settling may widen the buckets.
        self.settle();
        let bucket = minute >> self.level;
        self.run = Some(Run {
            last: time,
            utc,
            bucket,
            records: 1,
        });
    }

    /// Adds the run of records being counted to its bucket, so that the
    /// maps hold every record: done when the source is finished.
    pub(super) fn settle(&mut self) {
        let Some(run) = self.run.take() else {
            return;
        };
        let map = if run.utc {
            &mut self.utc
        } else {
            &mut self.local
        };
        *map.entry(run.bucket).or_default() += run.records;
        self.fit();
    }

    /// Adds the counts of another piece of the same source.
    pub(super) fn absorb(&mut self, mut other: RecordMinutes) {
        self.settle();
        other.settle();
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
        counts.settle();
        assert_eq!(counts.local, BTreeMap::from([(10, 2), (11, 1)]));
        assert!(counts.utc.is_empty());
        assert_eq!(counts.bucket_s(), 60);
    }

    #[test]
    fn long_spans_widen_the_buckets_whatever_the_order() {
        let minutes: Vec<i64> = (0..10_000).map(|m| m * 7).collect();
        let mut whole = RecordMinutes::default();
        minutes.iter().for_each(|&m| whole.count(local(m)));
        whole.settle();
        let (mut front, mut back) = (RecordMinutes::default(), RecordMinutes::default());
        minutes[5000..].iter().for_each(|&m| back.count(local(m)));
        minutes[..5000].iter().for_each(|&m| front.count(local(m)));
        front.absorb(back);
        assert_eq!(front, whole);
        assert!(whole.local.len() <= MAX_BUCKETS);
        assert_eq!(whole.local.values().sum::<u32>(), 10_000);
        assert!(whole.level > 0);
    }

    proptest::proptest! {
        /// Counting in runs changes nothing: any times, in any order, in
        /// the same second or not, give the buckets each record counted
        /// straight into its map gives.
        #[test]
        fn runs_count_as_records_counted_one_by_one(
            steps in proptest::collection::vec((0i64..3, -90_000i64..90_000, proptest::bool::ANY), 1..300),
        ) {
            let base = chrono::DateTime::from_timestamp(1_773_310_000, 0).unwrap();
            let (mut runs, mut one_by_one) = (RecordMinutes::default(), RecordMinutes::default());
            let mut at = base;
            for (kind, step_ms, zoned) in steps {
                at += chrono::Duration::milliseconds(if kind == 0 { step_ms / 1000 } else { step_ms * 40 });
                let time = match (kind, zoned) {
                    (2, _) => LogTime::Uptime(step_ms as f64 / 1000.0),
                    (_, true) => LogTime::Zoned(at.fixed_offset()),
                    (_, false) => LogTime::Local(at.naive_utc()),
                };
                runs.count(time);
                one_by_one.count(time);
                one_by_one.settle();
            }
            runs.settle();
            proptest::prop_assert_eq!(runs, one_by_one);
        }
    }
}
