//! IBM J9 and OpenJ9 javacores (`javacore.YYYYMMDD.HHMMSS.PID.SEQ.txt`,
//! written on `kill -3`, a hang or an out-of-memory error). Each line starts
//! with a tag; the ones read here:
//!
//! ```text
//! 1TIDATETIME    Date: 2026/03/12 at 09:44:20:123
//! 1XMTHDINFO     Thread Details
//! 3XMTHREADINFO      "Domain Monitor" J9VMThread:0x00000000005FA100, omrthread_t:0x…, java/lang/Thread:0x…, state:B, prio=5
//! 3XMTHREADBLOCK     Blocked on: com/example/NodeTable@0x00000000E0A1B2C8 Owned by: "JDBC Refresh" (J9VMThread:0x00000000005FB300, java/lang/Thread:0x…)
//! 4XESTACKTRACE                at com/example/DomainMonitor.checkHeartbeats(DomainMonitor.java:212)
//! ```
//!
//! A javacore names the owner of the lock a thread is blocked or parked on
//! in that thread's own `3XMTHREADBLOCK` line; `Waiting on:` (an
//! `Object.wait()`) is no lock wait. Frames are given in HotSpot's dotted
//! form (`com.example.DomainMonitor.checkHeartbeats(…)`), so the same
//! vocabulary finds them.

use super::Owner;
use crate::model::ThreadState;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// The dump's time from its `1TIDATETIME` line: `Date: 2026/03/12 at
/// 09:44:20`, with `:mmm` milliseconds since Java 8 SR2.
pub(super) fn dump_time(text: &str) -> Option<NaiveDateTime> {
    let rest = text.strip_prefix("1TIDATETIME")?.trim_start();
    let rest = rest.strip_prefix("Date:")?.trim_start();
    let (date, time) = rest.split_once(" at ")?;
    let date = NaiveDate::parse_from_str(date.trim(), "%Y/%m/%d").ok()?;
    let time = time.trim();
    let (clock, millis) = match time.rsplit_once(':') {
        Some((clock, ms)) if clock.len() == 8 => (clock, ms.parse::<u32>().ok()?),
        _ => (time, 0),
    };
    let clock = NaiveTime::parse_from_str(clock, "%H:%M:%S").ok()?;
    date.and_time(clock)
        .with_nanosecond(millis.min(999) * 1_000_000)
}

/// Whether the thread list has begun after `text`: it starts at
/// `1XMTHDINFO` and ends at the next section.
pub(super) fn in_thread_list(text: &str, before: bool) -> bool {
    if text.starts_with("1XMTHDINFO") {
        return true;
    }
    before && !text.starts_with("0SECTION")
}

/// A `3XMTHREADINFO` line: the thread's name, its `J9VMThread` address and
/// its state.
pub(super) fn thread(text: &str) -> Option<(&str, String, Option<ThreadState>)> {
    let rest = text.strip_prefix("3XMTHREADINFO")?;
    let rest = rest.strip_prefix([' ', '\t'])?.trim_start();
    let rest = rest.strip_prefix('"')?;
    let end = rest.rfind("\" ").or_else(|| rest.rfind('"'))?;
    let (name, fields) = (&rest[..end], &rest[end + 1..]);
    let address = field(fields, "J9VMThread:").unwrap_or_default().to_string();
    let state = field(fields, "state:").and_then(state);
    Some((name, address, state))
}

/// The value after `key` up to the next comma or space.
fn field<'a>(fields: &'a str, key: &str) -> Option<&'a str> {
    let at = fields.find(key)? + key.len();
    let value = &fields[at..];
    let end = value.find([',', ' ', ')']).unwrap_or(value.len());
    Some(&value[..end])
}

/// J9's state letters: `R` runnable, `CW` condition wait, `B` blocked on a
/// monitor, `P` parked, `S` suspended, `Z` zombie.
fn state(letters: &str) -> Option<ThreadState> {
    Some(match letters {
        "R" => ThreadState::Runnable,
        "B" => ThreadState::Blocked,
        "CW" | "P" | "S" => ThreadState::Waiting,
        "Z" => ThreadState::Terminated,
        _ => return None,
    })
}

/// A `4XESTACKTRACE` frame in dotted form.
pub(super) fn frame(text: &str) -> Option<String> {
    let rest = text.strip_prefix("4XESTACKTRACE")?.trim_start();
    let frame = rest.strip_prefix("at ")?.trim_end();
    let method_end = frame.find('(').unwrap_or(frame.len());
    Some(format!(
        "{}{}",
        frame[..method_end].replace('/', "."),
        &frame[method_end..]
    ))
}

/// What a `3XMTHREADBLOCK` line says a thread waits to take.
pub(super) struct Block {
    pub lock: String,
    pub class: String,
    pub owner: Option<Owner>,
}

/// `Blocked on:` a monitor or `Parked on:` a `java.util.concurrent` lock,
/// with its owner unless it is `<unknown>`; `None` for `Waiting on:`.
pub(super) fn block(text: &str) -> Option<Block> {
    let rest = text.strip_prefix("3XMTHREADBLOCK")?.trim_start();
    let rest = rest
        .strip_prefix("Blocked on:")
        .or_else(|| rest.strip_prefix("Parked on:"))?
        .trim_start();
    let object = rest.split_whitespace().next()?;
    let (class, address) = object.rsplit_once('@')?;
    let owner = rest
        .split_once("Owned by:")
        .map(|(_, o)| o.trim_start())
        .and_then(|o| o.strip_prefix('"'))
        .and_then(|o| {
            let (name, after) = o.rsplit_once('"')?;
            Some(Owner {
                name: name.to_string(),
                address: field(after, "J9VMThread:").map(str::to_string),
            })
        });
    Some(Block {
        lock: format!("<{address}>"),
        class: class.replace('/', "."),
        owner,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_times_with_and_without_milliseconds() {
        let t = |s: &str| dump_time(s).map(|t| t.to_string());
        assert_eq!(
            t("1TIDATETIME    Date: 2026/03/12 at 09:44:20:123").as_deref(),
            Some("2026-03-12 09:44:20.123")
        );
        assert_eq!(
            t("1TIDATETIME    Date:    2009/02/09 at 15:48:30").as_deref(),
            Some("2009-02-09 15:48:30")
        );
        assert_eq!(t("1TIDATETIMEUTC Date: 2026/03/12 at 09:44:20"), None);
    }

    #[test]
    fn an_owner_without_a_name_is_unknown() {
        let b = block("3XMTHREADBLOCK     Parked on: java/util/concurrent/locks/ReentrantLock$NonfairSync@0x00000000F1234567 Owned by: <unknown>").unwrap();
        assert_eq!(
            b.class,
            "java.util.concurrent.locks.ReentrantLock$NonfairSync"
        );
        assert!(b.owner.is_none());
        assert!(block("3XMTHREADBLOCK     Waiting on: java/lang/Object@0x00000000E0000010 Owned by: <unknown>").is_none());
    }
}
