//! Time zones as users give them (`+08:00`, `-03:30`, `+0530`, `UTC`,
//! `Asia/Shanghai`) and as hosts keep them: a fixed offset, or a named zone
//! whose offset changes with daylight saving time.

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use std::fmt;

/// The clock a host's local times were written in.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Zone {
    /// One offset all year.
    Fixed(FixedOffset),
    /// An IANA zone: the offset of each time follows its DST rules.
    Named(Tz),
}

/// A zone the user wrote that is neither an offset nor a known zone name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a UTC offset or time zone; write it like +08:00, -03:30, +0530, UTC or Asia/Shanghai"
)]
pub struct ZoneError(pub String);

impl Zone {
    /// UTC, the zone of hosts nothing tells about.
    pub fn utc() -> Zone {
        Zone::Fixed(FixedOffset::east_opt(0).expect("zero offset"))
    }

    /// Parses an offset (`+08:00`, `-0500`, `+8`, `UTC+05:30`, `Z`) or an
    /// IANA name (`Asia/Shanghai`, `America/St_Johns`), case as the user
    /// likes for names.
    pub fn parse(text: &str) -> Result<Zone, ZoneError> {
        let t = text.trim();
        if let Some(offset) = parse_offset(t) {
            return Ok(Zone::Fixed(offset));
        }
        t.parse::<Tz>()
            .or_else(|_| Tz::from_str_insensitive(t))
            .map(Zone::Named)
            .map_err(|_| ZoneError(text.to_string()))
    }

    /// The UTC time of a wall-clock time in this zone. In the hour a DST
    /// change repeats, the earlier of the two readings is taken; a time in
    /// the hour DST skips (a clock that did not change) is read with the
    /// offset in force before the change.
    pub fn to_utc(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self {
            Zone::Fixed(offset) => offset
                .from_local_datetime(&local)
                .single()
                .map(|t| t.with_timezone(&Utc)),
            Zone::Named(tz) => named_to_utc(*tz, local),
        }
    }

    /// The offset in force at `utc`.
    pub fn offset_at(&self, utc: DateTime<Utc>) -> FixedOffset {
        match self {
            Zone::Fixed(offset) => *offset,
            Zone::Named(tz) => tz.offset_from_utc_datetime(&utc.naive_utc()).fix(),
        }
    }

    /// Whether this is UTC (an offset of zero, or the zone named UTC).
    pub fn is_utc(&self) -> bool {
        match self {
            Zone::Fixed(offset) => offset.local_minus_utc() == 0,
            Zone::Named(tz) => matches!(tz, Tz::UTC | Tz::Etc__UTC | Tz::GMT | Tz::Etc__GMT),
        }
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Fixed(offset) => write!(f, "{offset}"),
            Zone::Named(tz) => write!(f, "{}", tz.name()),
        }
    }
}

fn named_to_utc(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    if let Some(t) = tz.from_local_datetime(&local).earliest() {
        return Some(t.with_timezone(&Utc));
    }
    let before = tz
        .from_local_datetime(&(local - Duration::hours(3)))
        .earliest()?
        .offset()
        .fix();
    before
        .from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// `+08:00`, `-0500`, `+8`, `UTC`, `GMT+08:00` or `Z` as an offset.
fn parse_offset(t: &str) -> Option<FixedOffset> {
    if ["utc", "z", "gmt"]
        .iter()
        .any(|name| t.eq_ignore_ascii_case(name))
    {
        return FixedOffset::east_opt(0);
    }
    let t = t
        .strip_prefix("UTC")
        .or_else(|| t.strip_prefix("GMT"))
        .unwrap_or(t);
    let (sign, digits) = match t.as_bytes().first() {
        Some(b'+') => (1, &t[1..]),
        Some(b'-') => (-1, &t[1..]),
        _ => return None,
    };
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i32>().ok())
            .flatten()
    };
    let (hours, minutes) = match digits.split_once(':') {
        Some((h, m)) => (number(h)?, number(m)?),
        None if digits.len() <= 2 => (number(digits)?, 0),
        None if digits.len() <= 4 => {
            let split = digits.len() - 2;
            (number(&digits[..split])?, number(&digits[split..])?)
        }
        None => return None,
    };
    if hours > 14 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn local(text: &str) -> NaiveDateTime {
        text.parse().unwrap()
    }

    #[test]
    fn offsets_in_every_spelling() {
        let cases = [
            ("+08:00", 8 * 3600),
            ("-0500", -5 * 3600),
            ("-03:30", -(3 * 3600 + 1800)),
            ("+0530", 5 * 3600 + 1800),
            ("+5:30", 5 * 3600 + 1800),
            ("+8", 8 * 3600),
            ("UTC", 0),
            ("z", 0),
            ("GMT+08:00", 8 * 3600),
        ];
        for (text, seconds) in cases {
            match Zone::parse(text) {
                Ok(Zone::Fixed(offset)) => assert_eq!(offset.local_minus_utc(), seconds, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        for bad in ["+25:00", "+08:75", "Mars/Olympus", "", "+", "+8x"] {
            assert_eq!(Zone::parse(bad), Err(ZoneError(bad.to_string())), "{bad}");
        }
    }

    #[test]
    fn zone_names_are_found_whatever_their_case() {
        assert_eq!(
            Zone::parse("Asia/Shanghai"),
            Ok(Zone::Named(Tz::Asia__Shanghai))
        );
        assert_eq!(
            Zone::parse("america/st_johns"),
            Ok(Zone::Named(Tz::America__St_Johns))
        );
    }

    #[test]
    fn a_named_zone_follows_daylight_saving_time() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        assert_eq!(
            berlin.to_utc(local("2026-03-12T12:00:00")),
            Some(utc("2026-03-12T11:00:00Z")),
            "winter: +01:00"
        );
        assert_eq!(
            berlin.to_utc(local("2026-07-12T12:00:00")),
            Some(utc("2026-07-12T10:00:00Z")),
            "summer: +02:00"
        );
    }

    #[test]
    fn the_repeated_and_the_skipped_hour_still_have_a_time() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        assert_eq!(
            berlin.to_utc(local("2026-10-25T02:30:00")),
            Some(utc("2026-10-25T00:30:00Z")),
            "the repeated hour: the earlier reading"
        );
        assert_eq!(
            berlin.to_utc(local("2026-03-29T02:30:00")),
            Some(utc("2026-03-29T01:30:00Z")),
            "the skipped hour: the offset before the change"
        );
    }

    #[test]
    fn a_zone_prints_as_the_user_wrote_it() {
        assert_eq!(Zone::parse("-03:30").unwrap().to_string(), "-03:30");
        assert_eq!(
            Zone::parse("Asia/Kolkata").unwrap().to_string(),
            "Asia/Kolkata"
        );
        assert!(Zone::parse("UTC").unwrap().is_utc());
        assert!(!Zone::parse("Asia/Kolkata").unwrap().is_utc());
    }
}
