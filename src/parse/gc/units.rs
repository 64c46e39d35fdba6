//! Numbers as GC logs print them: decimals with a `.` or locale `,`
//! separator, sizes with `B/K/M/G/T` units, `before->after(capacity)` heap
//! transitions and trailing durations. Everything borrows the line.

/// Heap occupancy around a collection, in KB.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Transition {
    pub before_kb: u64,
    pub after_kb: u64,
    pub capacity_kb: u64,
}

/// Parses `123`, `0.3258050`, `0,0354890` or `-0.0001` (whole string).
pub fn decimal(s: &str) -> Option<f64> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mut mantissa: u64 = 0;
    let mut decimals: i32 = 0;
    let mut seen_separator = false;
    let mut seen_digit = false;
    for c in digits.bytes() {
        match c {
            b'0'..=b'9' => {
                seen_digit = true;
                mantissa = mantissa.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
                if seen_separator {
                    decimals += 1;
                }
            }
            b'.' | b',' if !seen_separator => seen_separator = true,
            _ => return None,
        }
    }
    if !seen_digit {
        return None;
    }
    let value = mantissa as f64 / power_of_ten(decimals);
    Some(if negative { -value } else { value })
}

/// `10^n`, from a table for the exponents a `u64` mantissa allows: the
/// same exact values as `powi`, without its call.
fn power_of_ten(n: i32) -> f64 {
    const POWERS: [f64; 20] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19,
    ];
    usize::try_from(n)
        .ok()
        .and_then(|i| POWERS.get(i).copied())
        .unwrap_or_else(|| 10f64.powi(n))
}

/// Length of the number (digits with one optional `.`/`,` followed by a
/// digit) at the start of `s`.
pub fn number_len(s: &str) -> usize {
    let b = s.as_bytes();
    let int = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if int == 0 {
        return 0;
    }
    if b.len() > int + 1 && (b[int] == b'.' || b[int] == b',') && b[int + 1].is_ascii_digit() {
        let frac = b[int + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        return int + 1 + frac;
    }
    int
}

/// A size such as `1819392K`, `24.9M`, `0.0B` or `30G` at the start of `s`,
/// in KB, with the bytes it used.
pub fn size_kb(s: &str) -> Option<(u64, usize)> {
    let len = number_len(s);
    let number = s.get(..len)?;
    let unit = *s.as_bytes().get(len)?;
    let kb = match whole_kb(number, unit) {
        Some(kb) => kb,
        None => {
            let factor = match unit {
                b'B' => 1.0 / 1024.0,
                b'K' => 1.0,
                b'M' => 1024.0,
                b'G' => 1024.0 * 1024.0,
                b'T' => 1024.0 * 1024.0 * 1024.0,
                _ => return None,
            };
            (decimal(number)? * factor).round() as u64
        }
    };
    Some((kb, len + 1))
}

/// KB that are exact in integers, which the float arithmetic of
/// [`size_kb`] gives too: a whole number of K, M, G or T below 2^53 KB
/// (most sizes, read several per pause).
fn whole_kb(number: &str, unit: u8) -> Option<u64> {
    let per_unit: u64 = match unit {
        b'K' => 1,
        b'M' => 1 << 10,
        b'G' => 1 << 20,
        b'T' => 1 << 30,
        _ => return None,
    };
    if number.is_empty() {
        return None;
    }
    number
        .bytes()
        .try_fold(0u64, |n, c| {
            let digit = c.checked_sub(b'0').filter(|d| *d <= 9)?;
            n.checked_mul(10)?.checked_add(u64::from(digit))
        })?
        .checked_mul(per_unit)
        .filter(|&kb| kb <= 1 << 53)
}

/// A heap transition at the start of `s`: `A->B(C)` or G1's
/// `A(Ca)->B(Cb)`. Returns it and the bytes used.
pub fn transition(s: &str) -> Option<(Transition, usize)> {
    let (before_kb, mut at) = size_kb(s)?;
    if s[at..].starts_with('(') {
        let (_, used) = size_kb(&s[at + 1..])?;
        at += 1 + used;
        at += usize::from(s[at..].starts_with(')'));
    }
    let rest = s[at..].strip_prefix("->")?;
    at += 2;
    let (after_kb, used) = size_kb(rest)?;
    at += used;
    let rest = s[at..].strip_prefix('(')?;
    let (capacity_kb, used) = size_kb(rest)?;
    at += 1 + used;
    s[at..].strip_prefix(')')?;
    let transition = Transition {
        before_kb,
        after_kb,
        capacity_kb,
    };
    Some((transition, at + 1))
}

/// The number right before `suffix` at the end of `s` (after trimming), as
/// in `…, 0.3258050 secs` or `… 5.780ms`.
pub fn trailing_number(s: &str, suffix: &str) -> Option<f64> {
    let head = s.trim_end().strip_suffix(suffix)?.trim_end();
    let start = head
        .bytes()
        .rposition(|c| !(c.is_ascii_digit() || c == b'.' || c == b',' || c == b'-'))
        .map_or(0, |i| i + 1);
    if start > 0 && head.as_bytes()[start - 1].is_ascii_alphanumeric() {
        // Not a number as JVMs print them (`1e308`): the whole word, read
        // as a float, so its size can be judged rather than its tail.
        let word = head.rsplit(char::is_whitespace).next().unwrap_or(head);
        return word.parse::<f64>().ok();
    }
    decimal(&head[start..])
}

/// The value after `key` in `s`, up to the next space or `,` that is not a
/// decimal comma: `user=0.58` gives 0.58 for key `user=`.
pub fn value_after(s: &str, key: &str) -> Option<f64> {
    let at = super::find(s, key)? + key.len();
    let rest = &s[at..];
    let rest = rest.trim_start();
    let negative = rest.starts_with('-');
    let body = &rest[usize::from(negative)..];
    let len = number_len(body);
    decimal(&rest[..len + usize::from(negative)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_with_dot_or_comma() {
        assert_eq!(decimal("0.3258050"), Some(0.325805));
        assert_eq!(decimal("0,0354890"), Some(0.035489));
        assert_eq!(decimal("-0.5"), Some(-0.5));
        assert_eq!(decimal("12"), Some(12.0));
        assert_eq!(decimal("1.2.3"), None);
        assert_eq!(decimal(""), None);
    }

    #[test]
    fn table_powers_are_those_of_powi() {
        for n in 0..25 {
            assert_eq!(power_of_ten(n), 10f64.powi(n), "{n}");
        }
    }

    #[test]
    fn sizes_in_all_units() {
        assert_eq!(size_kb("1819392K->"), Some((1819392, 8)));
        assert_eq!(size_kb("24.9M"), Some((25498, 5)));
        assert_eq!(size_kb("0.0B"), Some((0, 4)));
        assert_eq!(size_kb("30.0G"), Some((31457280, 5)));
        assert_eq!(size_kb("12 K"), None);
    }

    #[test]
    fn whole_sizes_agree_with_the_float_path() {
        let float = |number: &str, factor: f64| (decimal(number).unwrap() * factor).round() as u64;
        for number in ["0", "7", "1819392", "9007199254740992", "18014398509481984"] {
            for (unit, factor) in [(b'K', 1.0), (b'M', 1024.0), (b'G', 1048576.0)] {
                if let Some(kb) = whole_kb(number, unit) {
                    assert_eq!(kb, float(number, factor), "{number}{unit}");
                }
            }
        }
        assert_eq!(whole_kb("9007199254740992", b'K'), Some(1 << 53));
        assert_eq!(whole_kb("9007199254740993", b'K'), None);
        assert_eq!(whole_kb("1.5", b'K'), None);
        assert_eq!(whole_kb("", b'K'), None);
        assert_eq!(trailing_number("é0,5 secs", "secs"), Some(0.5));
    }

    #[test]
    fn transitions_plain_and_g1() {
        let t = transition("8180M->169M(24576M), 23.4953831 secs]")
            .unwrap()
            .0;
        assert_eq!(
            (t.before_kb, t.after_kb, t.capacity_kb),
            (8376320, 173056, 25165824)
        );
        let t = transition("128.0M(30.0G)->24.9M(30.0G)]").unwrap().0;
        assert_eq!(
            (t.before_kb, t.after_kb, t.capacity_kb),
            (131072, 25498, 31457280)
        );
    }

    #[test]
    fn trailing_numbers_and_keyed_values() {
        assert_eq!(trailing_number("x, 0,0360580 secs", "secs"), Some(0.036058));
        assert_eq!(
            trailing_number("Pause Full 4077.274 ms", "ms"),
            Some(4077.274)
        );
        let times = "[Times: user=0,04 sys=0,00, real=0,03 secs]";
        assert_eq!(value_after(times, "user="), Some(0.04));
        assert_eq!(value_after(times, "real="), Some(0.03));
        assert_eq!(trailing_number("x, 1e308 secs", "secs"), Some(1e308));
        assert_eq!(trailing_number("x, -5.0 secs", "secs"), Some(-5.0));
        assert_eq!(trailing_number("x, abc308 secs", "secs"), None);
    }
}
