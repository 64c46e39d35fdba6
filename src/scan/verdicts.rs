//! What the scan decided for recent text records, by their content. A
//! flood repeats a handful of records whose only change is the timestamp;
//! the prefilter, building the event and classifying it give the same
//! answer every time, so the answer is remembered and the identical records
//! that follow cost a hash and a comparison. Exact: a record's verdict
//! depends only on what the key holds (level, code, thread, message,
//! location, continuation lines), never on its time or line.

use crate::hashing::hash;
use crate::hashing::zero_digits;
use crate::parse::RecordPeek;
use crate::signals::{Signal, push_key_part};
use std::ops::Range;

/// Slots of the table: enough for the handful of records a flood mixes,
/// small enough that a miss costs one hash and one comparison.
const SLOTS: usize = 64;

/// What the scan does with a record identical to one already decided.
pub(super) enum Verdict {
    /// Neither kept nor able to raise a signal: only counted and timed.
    Skip,
    /// Raises these collapsible signals: it folds into an identical kept
    /// record when one is in reach. `key` is their fold key.
    Fold { signals: Vec<Signal>, key: u64 },
}

/// A direct-mapped table from a record's content to its verdict.
pub(super) struct Verdicts {
    /// Slots the table has once used ([`SLOTS`]; none in tests that
    /// check the table changes nothing).
    capacity: usize,
    slots: Vec<Option<(Vec<u8>, Verdict)>>,
    /// The key of the record last looked up, when it was not found (a
    /// reused buffer).
    key: Vec<u8>,
    slot: usize,
    /// Whether the record last looked up was found in `slot`.
    found: bool,
    /// The shapes of records the prefilter refused (see [`Shapes`]).
    shapes: Shapes,
}

/// A direct-mapped table of the shapes of refused records: their level,
/// code and searchable texts with each digit read as `0`. A flood's INFO
/// lines change their figures every time ("processed in 31 ms", "in
/// 685 ms"), so the table of whole records misses them; every record of a
/// remembered shape is refused as well, which the prefilter checks once
/// when the shape is remembered (`SignalCatalog::refuses_shape`).
#[derive(Default)]
struct Shapes {
    slots: Vec<Option<Vec<u8>>>,
    /// The shape of the record last looked up, and where its message and
    /// continuation lie in it.
    key: Vec<u8>,
    message: Range<usize>,
    continuation: Range<usize>,
    slot: usize,
}

impl Default for Verdicts {
    fn default() -> Self {
        Verdicts::with_slots(SLOTS)
    }
}

impl Verdicts {
    /// A table of `capacity` slots, rounded up to a power of two so a slot
    /// is found with a mask, not a division; 0 remembers nothing.
    pub fn with_slots(capacity: usize) -> Self {
        Verdicts {
            capacity: match capacity {
                0 => 0,
                n => n.next_power_of_two(),
            },
            slots: Vec::new(),
            key: Vec::new(),
            slot: 0,
            found: false,
            shapes: Shapes::default(),
        }
    }

    /// The verdict on a record with the same content as `record`, if one
    /// is remembered. Keeps the record's key for [`Verdicts::remember`].
    pub fn recall(&mut self, record: &RecordPeek<'_>) -> Option<&Verdict> {
        if self.capacity == 0 {
            return None;
        }
        let (level, parts) = key_parts(record);
        self.slot = slot_hash(level, record) as usize & (self.capacity - 1);
        if self.slots.is_empty() {
            self.slots.resize_with(self.capacity, || None);
        }
        let held = self.slots[self.slot].as_ref();
        self.found = held.is_some_and(|(key, _)| key_is(key, level, parts));
        if self.found {
            return held.map(|(_, verdict)| verdict);
        }
        self.key.clear();
        self.key.push(level);
        for part in parts {
            push_key_part(&mut self.key, part);
        }
        None
    }

    /// Whether a record of the shape of `record` was remembered refused
    /// (then so is `record`). Keeps the shape for
    /// [`Verdicts::shaped`] and [`Verdicts::remember_refused_shape`].
    pub fn recall_refused_shape(&mut self, record: &RecordPeek<'_>) -> bool {
        if self.capacity == 0 {
            return false;
        }
        let shapes = &mut self.shapes;
        let key = &mut shapes.key;
        key.clear();
        key.push(level_byte(record));
        push_key_part(key, record.code);
        shapes.message = push_shaped_part(key, record.message);
        shapes.continuation = push_shaped_part(key, record.continuation);
        shapes.slot = hash(0, key) as usize & (self.capacity - 1);
        if shapes.slots.is_empty() {
            shapes.slots.resize_with(self.capacity, || None);
        }
        shapes.slots[shapes.slot].as_deref() == Some(key.as_slice())
    }

    /// `record` with the message and continuation of the shape
    /// [`Verdicts::recall_refused_shape`] last looked up (`None` for a
    /// table that remembers nothing, which looks up no shape).
    pub fn shaped<'s>(&'s self, record: &RecordPeek<'s>) -> Option<RecordPeek<'s>> {
        if self.capacity == 0 {
            return None;
        }
        let text = |range: &Range<usize>| {
            std::str::from_utf8(&self.shapes.key[range.clone()]).unwrap_or_default()
        };
        Some(RecordPeek {
            message: text(&self.shapes.message),
            continuation: text(&self.shapes.continuation),
            ..*record
        })
    }

    /// Remembers the shape last looked up as refused, in place of whatever
    /// its slot held.
    pub fn remember_refused_shape(&mut self) {
        let shapes = &mut self.shapes;
        if let Some(slot) = shapes.slots.get_mut(shapes.slot) {
            match slot {
                Some(kept) => kept.clone_from(&shapes.key),
                empty => *empty = Some(shapes.key.clone()),
            }
        }
    }

    /// Remembers the verdict on the record [`Verdicts::recall`] last looked
    /// up, in place of whatever its slot held.
    pub fn remember(&mut self, verdict: Verdict) {
        let Some(slot) = self.slots.get_mut(self.slot) else {
            return;
        };
        match slot {
            Some((_, kept)) if self.found => *kept = verdict,
            Some((key, kept)) => {
                key.clone_from(&self.key);
                *kept = verdict;
            }
            empty => *empty = Some((self.key.clone(), verdict)),
        }
        self.found = true;
    }
}

/// A record's level as the first byte of its keys (0: none).
fn level_byte(record: &RecordPeek<'_>) -> u8 {
    record.level.map_or(0, |l| l as u8 + 1)
}

/// What a record's verdict depends on: its level, then its parts.
fn key_parts<'a>(record: &RecordPeek<'a>) -> (u8, [Option<&'a str>; 5]) {
    let level = level_byte(record);
    let parts = [
        record.code,
        record.thread,
        Some(record.message),
        record.location,
        Some(record.continuation),
    ];
    (level, parts)
}

/// [`push_key_part`] with each digit of `text` read as `0`: where the
/// shaped text lies in `key`.
fn push_shaped_part(key: &mut Vec<u8>, text: &str) -> Range<usize> {
    push_key_part(key, Some(text));
    let shaped = key.len() - text.len()..key.len();
    zero_digits(&mut key[shaped.clone()]);
    shaped
}

/// Whether `key` (written by [`push_key_part`]) holds `level` and `parts`,
/// compared in place.
fn key_is(key: &[u8], level: u8, parts: [Option<&str>; 5]) -> bool {
    let Some((&first, mut rest)) = key.split_first() else {
        return false;
    };
    if first != level {
        return false;
    }
    for part in parts {
        let Some((&tag, after)) = rest.split_first() else {
            return false;
        };
        rest = after;
        match (tag, part) {
            (0, None) => {}
            (1, Some(text)) => {
                let Some((len, after)) = rest.split_first_chunk::<8>() else {
                    return false;
                };
                let bytes = text.as_bytes();
                if u64::from_le_bytes(*len) != bytes.len() as u64 || !after.starts_with(bytes) {
                    return false;
                }
                rest = &after[bytes.len()..];
            }
            _ => return false,
        }
    }
    rest.is_empty()
}

/// Where a record's key goes: the parser's hash of its header text when
/// it has one, else a hash of its level, the shape of its other parts and
/// its message only. Records that differ elsewhere (another thread, the
/// same message with another stack trace) share a slot and are told apart
/// by the full comparison; hashing every part cost more than those rare
/// misses. Equal keys need not share a slot (the same parts from lines
/// spaced otherwise): such a record is missed once and remembered again.
fn slot_hash(level: u8, record: &RecordPeek<'_>) -> u64 {
    if let Some(header) = record.header_hash {
        // Equal parts read from equal text: the hash the parser made of
        // that text serves, mixed with the continuation's length.
        return header ^ (record.continuation.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    let length = |part: Option<&str>| part.map_or(0, |p| p.len() as u64 + 1);
    let shape = [record.code, record.thread, record.location]
        .into_iter()
        .fold(u64::from(level), |h, part| (h << 16) ^ length(part))
        ^ (record.continuation.len() as u64) << 48;
    hash(shape, record.message.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Level, LogTime};

    fn peek<'a>(message: &'a str, continuation: &'a str, time: &str) -> RecordPeek<'a> {
        RecordPeek {
            line: 1,
            time: LogTime::Local(time.parse().unwrap()),
            level: Some(Level::Info),
            first_line: message,
            continuation,
            code: Some("DOM_10161"),
            thread: Some("Master Elect Data Writer"),
            message,
            location: None,
            header_hash: None,
        }
    }

    #[test]
    fn the_same_content_at_another_time_recalls_the_verdict() {
        let mut verdicts = Verdicts::default();
        let first = peek("Updated the data.", "", "2026-03-12T10:00:00");
        assert!(verdicts.recall(&first).is_none());
        verdicts.remember(Verdict::Skip);
        let later = peek("Updated the data.", "", "2026-03-12T11:00:00");
        assert!(matches!(verdicts.recall(&later), Some(Verdict::Skip)));
    }

    #[test]
    fn a_verdict_found_and_replaced_stays_with_its_record() {
        let mut verdicts = Verdicts::default();
        let record = peek("Updated the data.", "", "2026-03-12T10:00:00");
        verdicts.recall(&record);
        verdicts.remember(Verdict::Skip);
        // Another record is looked up and not found: its key is the last built.
        verdicts.recall(&peek("Other record.", "", "2026-03-12T09:00:00"));
        verdicts.remember(Verdict::Skip);
        // Found again and replaced: the slot keeps this record's key.
        assert!(verdicts.recall(&record).is_some());
        let fold = Verdict::Fold {
            signals: Vec::new(),
            key: 0,
        };
        verdicts.remember(fold);
        let found = verdicts.recall(&record);
        assert!(matches!(found, Some(Verdict::Fold { .. })));
    }

    #[test]
    fn records_that_differ_only_in_their_digits_share_a_refused_shape() {
        let mut verdicts = Verdicts::default();
        let first = peek("Request processed in 31 ms.", "", "2026-03-12T10:00:00");
        assert!(!verdicts.recall_refused_shape(&first));
        assert_eq!(
            verdicts.shaped(&first).map(|shaped| shaped.message),
            Some("Request processed in 00 ms.")
        );
        verdicts.remember_refused_shape();
        let later = peek("Request processed in 86 ms.", "", "2026-03-12T10:00:01");
        assert!(verdicts.recall_refused_shape(&later));
        let longer = peek("Request processed in 685 ms.", "", "2026-03-12T10:00:02");
        assert!(!verdicts.recall_refused_shape(&longer), "another length");
        let mut other_code = later;
        other_code.code = Some("DOM_10162");
        assert!(!verdicts.recall_refused_shape(&other_code));
        assert!(!Verdicts::with_slots(0).recall_refused_shape(&first));
    }

    #[test]
    fn any_other_part_is_another_record() {
        let mut verdicts = Verdicts::default();
        verdicts.recall(&peek("Updated the data.", "", "2026-03-12T10:00:00"));
        verdicts.remember(Verdict::Skip);
        let other_detail = peek("Updated the data.", "Caused by: x", "2026-03-12T10:00:00");
        assert!(verdicts.recall(&other_detail).is_none());
        let mut other_level = peek("Updated the data.", "", "2026-03-12T10:00:00");
        other_level.level = Some(Level::Error);
        assert!(verdicts.recall(&other_level).is_none());
        let mut other_thread = peek("Updated the data.", "", "2026-03-12T10:00:00");
        other_thread.thread = None;
        assert!(verdicts.recall(&other_thread).is_none());
        // A part's text moved to its neighbour is not the same key.
        let mut moved = peek("the data.", "", "2026-03-12T10:00:00");
        moved.code = Some("DOM_10161 Updated");
        assert!(verdicts.recall(&moved).is_none());
    }
}
