//! Timestamp prefixes shared by the text formats. Positions are checked
//! before any number is parsed, so a line that is not a record costs a few
//! byte comparisons.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use std::cell::Cell;

/// Parses `yyyy-MM-dd HH:mm:ss` (or `T` between date and time) with optional
/// `,SSS`/`.SSS` fraction at the start of `s`. Returns the time and the
/// number of bytes it used.
///
/// A leap second (`:60`, at a minute that ends a UTC minute in some offset:
/// `:59`, `:14`, `:29`, `:44`) is read as the last millisecond of second
/// `:59`, so it sorts after every record of that second and before the next
/// minute's; any other impossible date or time gives `None`.
pub fn local_datetime_prefix(s: &str) -> Option<(NaiveDateTime, usize)> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b' ' || b[10] == b'T')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let second = cached_second(&b[..19])?;
    if is_leap_second(&b[..19]) {
        let used = 19 + fraction_len(&b[19..]);
        return Some((second.with_nanosecond(999_000_000)?, used));
    }
    let mut used = 19;
    let mut micros = 0;
    if b.len() > 20 && (b[19] == b',' || b[19] == b'.') && b[20].is_ascii_digit() {
        let digits = b[20..]
            .iter()
            .take(9)
            .take_while(|c| c.is_ascii_digit())
            .count();
        let fraction = number(&b[20..20 + digits])?;
        micros = scale_to_micros(fraction, digits);
        used = 20 + digits;
    }
    Some((second.with_nanosecond(micros * 1000)?, used))
}

/// [`local_datetime_prefix`] as a local [`LogTime`]: the time a log4j-style
/// record line starts with, and its length.
pub fn local_stamp(s: &str) -> Option<(crate::model::LogTime, usize)> {
    local_datetime_prefix(s).map(|(time, used)| (crate::model::LogTime::Local(time), used))
}

/// Whether `s` starts with something shaped like `yyyy-MM-dd HH:mm:ss`
/// (digits and separators in place), possible or not: a line that starts
/// a record in a text log, even when its time is impossible.
pub fn datetime_shaped(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && b[..19].iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b' ' || c == b'T',
            13 | 16 => c == b':',
            _ => c.is_ascii_digit(),
        })
}

/// `HH:mm:60` at a minute where a leap second can fall in some UTC offset.
fn is_leap_second(stamp: &[u8]) -> bool {
    &stamp[17..19] == b"60" && matches!(&stamp[14..16], b"14" | b"29" | b"44" | b"59")
}

/// Bytes of a `,SSS`/`.SSS` fraction at the start of `b`, with its mark.
fn fraction_len(b: &[u8]) -> usize {
    if b.len() > 1 && (b[0] == b',' || b[0] == b'.') && b[1].is_ascii_digit() {
        1 + b[1..]
            .iter()
            .take(9)
            .take_while(|c| c.is_ascii_digit())
            .count()
    } else {
        0
    }
}

thread_local! {
    /// The last `yyyy-MM-dd HH:mm:ss` read on this thread: a busy log writes
    /// many records a second, so each second is built once.
    static LAST_SECOND: Cell<Option<([u8; 19], NaiveDateTime)>> = const { Cell::new(None) };
}

fn cached_second(text: &[u8]) -> Option<NaiveDateTime> {
    let key: [u8; 19] = text.try_into().ok()?;
    if let Some((last, second)) = LAST_SECOND.get()
        && last == key
    {
        return Some(second);
    }
    let date = NaiveDate::from_ymd_opt(
        number(&key[0..4])? as i32,
        number(&key[5..7])?,
        number(&key[8..10])?,
    )?;
    let seconds = match number(&key[17..19])? {
        60 if is_leap_second(&key) => 59,
        seconds => seconds,
    };
    let time = NaiveTime::from_hms_opt(number(&key[11..13])?, number(&key[14..16])?, seconds)?;
    let second = NaiveDateTime::new(date, time);
    LAST_SECOND.set(Some((key, second)));
    Some(second)
}

fn scale_to_micros(fraction: u32, digits: usize) -> u32 {
    match digits {
        0..=6 => fraction * 10u32.pow(6 - digits as u32),
        _ => fraction / 10u32.pow(digits as u32 - 6),
    }
}

fn number(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    digits.iter().try_fold(0u32, |n, d| {
        n.checked_mul(10)?.checked_add(u32::from(d - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> String {
        local_datetime_prefix(s).map_or("none".into(), |(t, n)| format!("{t} {n}"))
    }

    #[test]
    fn log4j_comma_millis() {
        assert_eq!(
            at("2026-03-12 10:15:22,345 ERROR"),
            "2026-03-12 10:15:22.345 23"
        );
    }

    #[test]
    fn iso_t_and_dot_millis() {
        assert_eq!(at("2026-03-12T10:15:22.5 x"), "2026-03-12 10:15:22.500 21");
    }

    #[test]
    fn no_fraction() {
        assert_eq!(at("2020-12-19 15:56:42] INFO"), "2020-12-19 15:56:42 19");
    }

    #[test]
    fn rejects_non_dates_and_impossible_dates() {
        assert_eq!(at("at com.informatica.Foo(Foo.java:12)"), "none");
        assert_eq!(at("2026-13-12 10:15:22,345"), "none");
        assert_eq!(at("2026-03-12 10:15"), "none");
        assert_eq!(at("2026-02-30 10:15:22,345 INFO"), "none");
        assert_eq!(at("2026-03-12 25:61:61,000 INFO"), "none");
        assert_eq!(at("2026-03-12 10:15:60,000 INFO"), "none");
        assert!(datetime_shaped("2026-02-30 25:61:61,000 INFO"));
        assert!(datetime_shaped("2026-03-12T10:15:22"));
        assert!(!datetime_shaped("\tat com.informatica.Foo(Foo.java:12)"));
        assert!(!datetime_shaped("2026-03-12 10:15"));
    }

    #[test]
    fn a_leap_second_is_the_last_millisecond_of_second_59() {
        assert_eq!(
            at("2016-12-31 23:59:60,250 INFO"),
            "2016-12-31 23:59:59.999 23"
        );
        assert_eq!(at("2016-12-31 23:59:60 x"), "2016-12-31 23:59:59.999 19");
        assert_eq!(
            at("2017-01-01 05:29:60.5 +05:30"),
            "2017-01-01 05:29:59.999 21"
        );
    }
}
