//! Line prefixes ("decorations") of HotSpot GC logs: JDK ≤ 8
//! `DATESTAMP: UPTIME: ` and unified logging `[time][uptime][level][tags]`.
//! Positions are checked before numbers are parsed, so a line that has no
//! decoration costs a few byte comparisons.

use super::units::{decimal, number_len};
use crate::parse::time::local_datetime_prefix;
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};

/// The clocks a decorated line may carry.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct Stamp {
    /// Wall clock with offset (`-XX:+PrintGCDateStamps`, UL `time`/`utctime`/`timemillis`).
    pub wall: Option<DateTime<FixedOffset>>,
    /// Seconds since JVM start.
    pub uptime: Option<f64>,
}

impl Stamp {
    /// Whether the line carried any clock.
    pub fn is_some(&self) -> bool {
        self.wall.is_some() || self.uptime.is_some()
    }
}

/// `yyyy-MM-ddTHH:mm:ss.SSS±hhmm` (or `±hh:mm`, or `Z`) at the start of `s`.
pub fn zoned_prefix(s: &str) -> Option<(DateTime<FixedOffset>, usize)> {
    let (local, used) = local_datetime_prefix(s)?;
    let (offset, len) = offset_prefix(s.get(used..)?)?;
    let wall = offset.from_local_datetime(&local).single()?;
    Some((wall, used + len))
}

fn offset_prefix(s: &str) -> Option<(FixedOffset, usize)> {
    let b = s.as_bytes();
    if b.first() == Some(&b'Z') {
        return Some((FixedOffset::east_opt(0)?, 1));
    }
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let two = |i: usize| -> Option<i32> {
        let pair = b.get(i..i + 2)?;
        pair.iter()
            .all(u8::is_ascii_digit)
            .then(|| i32::from(pair[0] - b'0') * 10 + i32::from(pair[1] - b'0'))
    };
    let hours = two(1)?;
    let (minutes, len) = if b.get(3) == Some(&b':') {
        (two(4)?, 6)
    } else {
        (two(3)?, 5)
    };
    Some((
        FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))?,
        len,
    ))
}

/// Strips JDK ≤ 8 decorations (`2016-12-21T14:28:11.041-0500: 0.193: `, in
/// any number and order) from the start of `s`.
pub fn jdk8_prefix(s: &str) -> (Stamp, &str) {
    let mut stamp = Stamp::default();
    let mut rest = s;
    loop {
        if let Some((wall, used)) = zoned_prefix(rest)
            && let Some(after) = rest[used..].strip_prefix(": ")
        {
            stamp.wall = Some(wall);
            rest = after;
            continue;
        }
        if let Some(after) = gc_id_prefix(rest) {
            rest = after;
            continue;
        }
        let len = number_len(rest);
        if len > 0
            && rest.as_bytes()[..len].iter().any(|c| !c.is_ascii_digit())
            && let Some(after) = rest[len..].strip_prefix(':')
        {
            stamp.uptime = decimal(&rest[..len]);
            rest = after.strip_prefix(' ').unwrap_or(after);
            continue;
        }
        return (stamp, rest);
    }
}

/// `#12: ` (`-XX:+PrintGCID`) at the start of `s`: the text after it.
fn gc_id_prefix(s: &str) -> Option<&str> {
    let digits = s.strip_prefix('#')?;
    let len = digits.bytes().take_while(u8::is_ascii_digit).count();
    (len > 0).then_some(())?;
    digits[len..].strip_prefix(": ")
}

/// The JDK 8 rotation header `2016-04-14 22:37:22 GC log file created …`:
/// local time, no offset. The words are checked before the clock is parsed:
/// every decorated pause line is asked, and parses its datestamp again next.
pub fn rotation_header(s: &str) -> Option<NaiveDateTime> {
    let after_seconds = s
        .get(19..)?
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ',');
    if !after_seconds
        .trim_start()
        .starts_with("GC log file created")
    {
        return None;
    }
    let (time, used) = local_datetime_prefix(s)?;
    s[used..]
        .trim_start()
        .starts_with("GC log file created")
        .then_some(time)
}

/// A unified-logging line split into its decorations and message.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct Decorated<'a> {
    pub stamp: Stamp,
    /// The tags, e.g. `gc,start`, trimmed.
    pub tags: &'a str,
    /// The text after the last decoration.
    pub message: &'a str,
}

/// Epoch milliseconds beyond this are `timemillis`, below `uptimemillis`
/// (about 3 years of uptime).
const EPOCH_MILLIS_FLOOR: f64 = 1.0e11;

/// Splits a unified-logging line; `None` when it does not start with a
/// decoration that unified logging writes (a time or uptime first, or a
/// level).
pub fn unified(s: &str) -> Option<Decorated<'_>> {
    let mut out = Decorated::default();
    let mut rest = s;
    let mut groups = 0;
    while let Some(inner) = rest.strip_prefix('[') {
        let close = inner.find(']')?;
        let content = inner[..close].trim();
        if !classify(content, &mut out) {
            break;
        }
        groups += 1;
        rest = &inner[close + 1..];
    }
    if groups == 0 || !(out.stamp.is_some() || is_level(first_group(s))) {
        return None;
    }
    out.message = rest.trim_start();
    Some(out)
}

fn first_group(s: &str) -> &str {
    s.get(1..)
        .and_then(|r| r.split(']').next())
        .unwrap_or("")
        .trim()
}

fn is_level(s: &str) -> bool {
    matches!(s, "trace" | "debug" | "info" | "warning" | "error")
}

/// Records one decoration; `false` when `content` is no decoration.
fn classify<'a>(content: &'a str, out: &mut Decorated<'a>) -> bool {
    if content.is_empty() {
        return false;
    }
    if let Some((wall, used)) = zoned_prefix(content) {
        out.stamp.wall = Some(wall);
        return used == content.len();
    }
    if is_level(content) {
        return true;
    }
    if let Some(number) = content.strip_suffix("ms").and_then(decimal) {
        place_millis(number, out);
        return true;
    }
    if let Some(number) = content.strip_suffix("ns").and_then(decimal) {
        place_millis(number / 1.0e6, out);
        return true;
    }
    if let Some(number) = content.strip_suffix('s').and_then(decimal) {
        out.stamp.uptime = Some(number);
        return true;
    }
    if content.bytes().all(|c| c.is_ascii_digit()) {
        return true; // pid or tid
    }
    if content.bytes().all(|c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == b',' || c == b'_' || c == b' '
    }) {
        out.tags = content;
        return true;
    }
    false
}

fn place_millis(millis: f64, out: &mut Decorated<'_>) {
    if millis >= EPOCH_MILLIS_FLOOR {
        let utc = DateTime::from_timestamp_millis(millis as i64);
        if out.stamp.wall.is_none() {
            out.stamp.wall = utc.map(|t| t.fixed_offset());
        }
    } else {
        out.stamp.uptime = Some(millis / 1000.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jdk8_datestamp_and_uptime() {
        let (stamp, rest) = jdk8_prefix("2016-12-21T14:28:11.041-0500: 0.193: Total time");
        assert_eq!(
            stamp.wall.unwrap().to_rfc3339(),
            "2016-12-21T14:28:11.041-05:00"
        );
        assert_eq!(stamp.uptime, Some(0.193));
        assert_eq!(rest, "Total time");
    }

    #[test]
    fn jdk8_decimal_comma_uptime_and_repeated_datestamp() {
        let line = "2015-02-25T12:47:08.028+0100: 2015-02-25T12:47:08.028+0100: 6616,888: Total";
        let (stamp, rest) = jdk8_prefix(line);
        assert_eq!(stamp.uptime, Some(6616.888));
        assert_eq!(rest, "Total");
        assert_eq!(
            jdk8_prefix("1,319: [GC1,320: [DefNew").1,
            "[GC1,320: [DefNew"
        );
    }

    #[test]
    fn jdk8_no_decoration() {
        let (stamp, rest) = jdk8_prefix("[GC 1234K->12K(2048K), 0.001 secs]");
        assert!(!stamp.is_some());
        assert!(rest.starts_with("[GC"));
    }

    #[test]
    fn rotation_header_is_local() {
        let t = rotation_header("2016-04-14 22:37:22 GC log file created logs/gc.log.1").unwrap();
        assert_eq!(t.to_string(), "2016-04-14 22:37:22");
        assert!(rotation_header("2016-04-14 22:41:41 GC log file has reached").is_none());
    }

    #[test]
    fn unified_time_uptimemillis() {
        let d = unified("[2019-05-09T01:39:00.763+0000][5355ms] GC(0) Pause Young").unwrap();
        assert_eq!(d.stamp.uptime, Some(5.355));
        assert_eq!(
            d.stamp.wall.unwrap().to_rfc3339(),
            "2019-05-09T01:39:00.763+00:00"
        );
        assert_eq!(d.message, "GC(0) Pause Young");
    }

    #[test]
    fn unified_uptime_level_tags() {
        let d = unified("[0.058s][info][gc,start     ] GC(0) Pause").unwrap();
        assert_eq!(d.stamp.uptime, Some(0.058));
        assert_eq!(d.tags, "gc,start");
        assert_eq!(d.message, "GC(0) Pause");
    }

    #[test]
    fn unified_timemillis_pid_and_nanos() {
        let d = unified("[1553000000123ms][1863][12345678ns][info] x").unwrap();
        assert_eq!(d.stamp.wall.unwrap().timestamp_millis(), 1553000000123);
        assert!((d.stamp.uptime.unwrap() - 0.012345678).abs() < 1e-12);
    }

    #[test]
    fn jdk8_bracket_lines_are_not_unified() {
        assert!(unified("[GC (Allocation Failure) [PSYoungGen: 1K->0K(2K)]").is_none());
        assert!(unified("   [Eden: 0.0B(1M)->0.0B(1M)]").is_none());
        assert!(unified("[Times: user=0.01 sys=0.00, real=0.01 secs]").is_none());
    }
}
