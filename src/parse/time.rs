//! Timestamp prefixes shared by the text formats. Positions are checked
//! before any number is parsed, so a line that is not a record costs a few
//! byte comparisons.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use std::cell::Cell;

/// Parses `yyyy-MM-dd HH:mm:ss` (or `T` between date and time) with optional
/// `,SSS`/`.SSS` fraction at the start of `s`. Returns the time and the
/// number of bytes it used.
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
    let time = NaiveTime::from_hms_opt(
        number(&key[11..13])?,
        number(&key[14..16])?,
        number(&key[17..19])?,
    )?;
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
    }
}
