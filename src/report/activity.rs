//! How busy each host's logs were over the bundle: records per stretch of
//! UTC time, from the per-minute counts the scan keeps of every source.
//! Memory and output grow with the time spanned, never with the lines.

use crate::model::SourceKind;
use crate::pipeline::Analysis;
use crate::scan::ScannedSource;
use crate::timeline::skew::Clock;
use crate::timeline::{HostClock, HostId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// Most buckets an activity has; longer spans get wider buckets.
const MAX_BUCKETS: i64 = 1500;

/// Records per bucket of one host's own logs (alarm exports are left out:
/// their rows speak of other hosts, on the export's clock). Times are on
/// the corrected clock, like the rest of the report. The scan counts per
/// minute of each log's own clock; a minute moved by a clock correction,
/// or read in a zone whose offset is not a whole number of buckets, is
/// counted in the bucket its start falls in: at most one bucket off.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Activity {
    /// Start of the first bucket (RFC 3339 UTC).
    pub start: String,
    /// Width of each bucket: 60 s, or a multiple for long spans.
    pub bucket_s: u32,
    /// Records per bucket, from `start` on.
    pub counts: Vec<u32>,
}

impl Activity {
    /// The start of the first bucket as a time.
    pub fn start_time(&self) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(&self.start)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// The activity of `host`; `None` when none of its files has wall-clock
/// times.
pub fn of_host(analysis: &Analysis, host: HostId) -> Option<Activity> {
    let clock = analysis.timeline.host(host);
    let shift_s = correction_s(analysis, host);
    let mut width = 60;
    let mut starts: BTreeMap<i64, u32> = BTreeMap::new();
    for source in own_sources(analysis, clock) {
        let minutes = &source.minutes;
        width = width.max(minutes.bucket_s());
        for (start, count) in utc_buckets(source, clock) {
            *starts.entry(start + shift_s).or_default() += count;
        }
    }
    let (&first, _) = starts.first_key_value()?;
    let (&last, _) = starts.last_key_value()?;
    let origin_at = |width: i64| first.div_euclid(width) * width;
    while (last - origin_at(width)) / width >= MAX_BUCKETS {
        width *= 2;
    }
    let origin = origin_at(width);
    let mut counts = vec![0u32; ((last - origin) / width + 1) as usize];
    for (start, count) in starts {
        let slot = &mut counts[((start - origin) / width) as usize];
        *slot = slot.saturating_add(count);
    }
    Some(Activity {
        start: super::format_time(DateTime::from_timestamp(origin, 0)?),
        bucket_s: u32::try_from(width).ok()?,
        counts,
    })
}

/// The host's read files, alarm exports left out.
fn own_sources<'a>(
    analysis: &'a Analysis,
    clock: &'a HostClock,
) -> impl Iterator<Item = &'a ScannedSource> {
    analysis.sources.iter().filter(move |s| {
        s.skipped.is_none()
            && s.candidate.host == clock.name
            && s.kind != Some(SourceKind::AlarmExport)
    })
}

/// A source's buckets as (UTC start in seconds, count); local times are
/// read in the host's zone.
fn utc_buckets<'a>(
    source: &'a ScannedSource,
    clock: &'a HostClock,
) -> impl Iterator<Item = (i64, u32)> + 'a {
    let width = source.minutes.bucket_s();
    let local = source
        .minutes
        .local
        .iter()
        .filter_map(move |(&bucket, &n)| {
            let wall = DateTime::from_timestamp(bucket * width, 0)?.naive_utc();
            Some((clock.zone.to_utc(wall)?.timestamp(), n))
        });
    let zoned = source
        .minutes
        .utc
        .iter()
        .map(move |(&bucket, &n)| (bucket * width, n));
    local.chain(zoned)
}

/// The whole seconds the host's clock was moved by clock correction.
fn correction_s(analysis: &Analysis, host: HostId) -> i64 {
    let ms: f64 = analysis
        .clock_skews
        .iter()
        .filter(|check| check.corrected == Clock::Host(host))
        .map(|check| check.correction_ms)
        .sum();
    (ms / 1000.0).round() as i64
}
