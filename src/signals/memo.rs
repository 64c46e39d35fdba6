//! Recent classifications of text records. A flood repeats one message
//! thousands of times with only its timestamp changing; classifying it once
//! and reusing the result for the identical records that follow is exact,
//! because a text record's signals depend only on what the key holds.

use super::Signal;
use crate::model::{Event, EventKind, SourceKind};
use std::hash::{Hash, Hasher};

/// Slots of the memo: enough for the handful of messages a flood mixes,
/// small enough that a miss costs one hash and one comparison.
const SLOTS: usize = 64;

/// A direct-mapped table from a record's classified parts to its signals.
#[derive(Default)]
pub(super) struct Memo {
    slots: Vec<Option<Slot>>,
    /// The key of the record being classified (a reused buffer).
    key: Vec<u8>,
    slot: usize,
}

/// What the memo knows of a record.
pub(super) enum Recall {
    /// The same record was classified: its signals and proof depth.
    Hit(Vec<Signal>, usize),
    /// Not seen recently; store its classification.
    Miss,
    /// Not a text record: not memoised.
    NotText,
}

struct Slot {
    key: Vec<u8>,
    signals: Vec<Signal>,
    proof: usize,
}

impl Memo {
    /// The signals and proof depth recorded for a text record with the
    /// same source kind, level, code, thread, message and continuation
    /// lines as `event`.
    pub fn recall(&mut self, kind: SourceKind, event: &Event, texts: &[&str]) -> Recall {
        let EventKind::Log(record) = &event.kind else {
            return Recall::NotText;
        };
        self.key.clear();
        self.key.push(kind as u8);
        self.key.push(event.level.map_or(0, |l| l as u8 + 1));
        for part in [record.code.as_deref(), record.thread.as_deref()] {
            push_key_part(&mut self.key, part);
        }
        for text in texts {
            push_key_part(&mut self.key, Some(text));
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.key.hash(&mut hasher);
        self.slot = (hasher.finish() % SLOTS as u64) as usize;
        if self.slots.is_empty() {
            self.slots.resize_with(SLOTS, || None);
        }
        match &self.slots[self.slot] {
            Some(slot) if slot.key == self.key => Recall::Hit(slot.signals.clone(), slot.proof),
            _ => Recall::Miss,
        }
    }

    /// Records the classification of the record [`Memo::recall`] last
    /// answered [`Recall::Miss`] for.
    pub fn store(&mut self, signals: &[Signal], proof: usize) {
        let slot = self.slots[self.slot].get_or_insert_with(|| Slot {
            key: Vec::new(),
            signals: Vec::new(),
            proof: 0,
        });
        slot.key.clone_from(&self.key);
        slot.signals = signals.to_vec();
        slot.proof = proof;
    }
}

/// Appends a part of a record's key, length first so no two sequences of
/// parts give the same bytes (also the scan's remembered verdicts' keys).
pub(crate) fn push_key_part(key: &mut Vec<u8>, part: Option<&str>) {
    match part {
        None => key.push(0),
        Some(text) => {
            key.push(1);
            key.extend_from_slice(&(text.len() as u64).to_le_bytes());
            key.extend_from_slice(text.as_bytes());
        }
    }
}
