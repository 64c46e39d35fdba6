//! Header lines a record parser saw recently, by the rest of their line
//! after the time. A log repeats a handful of header lines whose only
//! change is the time, or the figures in the message: their parts are
//! read once, and a line the sink refused for its content or its shape is
//! not shown to it again.

use super::Parts;
use crate::hashing::{hash, zero_digits};

/// Slots of each table: enough for the handful of lines a flood mixes,
/// small enough that a miss costs one hash and one comparison.
const SLOTS: usize = 64;

/// The tables of one parser.
#[derive(Default)]
pub(super) struct HeaderMemo {
    /// Recent rests of header lines, with their parts.
    exact: Vec<Option<Exact>>,
    /// Shapes (digits read as `0`) of the rests of one-line records the
    /// sink refused for their shape, with their parts and exact code.
    shapes: Vec<Option<Shape>>,
    /// The shape of the rest last looked up (a reused buffer).
    scratch: Vec<u8>,
}

struct Exact {
    rest: String,
    parts: Parts,
    /// Whether the sink refused a record of this one line for its content.
    refused: bool,
}

struct Shape {
    shape: Vec<u8>,
    parts: Parts,
    code: Option<String>,
}

/// What the memo knows of a header line's rest.
pub(super) enum Recall<'m> {
    /// The same rest is held: its parts.
    Exact(&'m Parts),
    /// A rest of the same shape and code was refused for its shape: its
    /// parts, which the line's are, and a record of this line alone is
    /// refused too.
    RefusedShape(&'m Parts),
    Miss,
}

impl HeaderMemo {
    /// What is known of `rest`, hashed `rest_hash`.
    pub fn recall(&mut self, rest: &str, rest_hash: u64) -> Recall<'_> {
        if self.exact.is_empty() {
            self.exact.resize_with(SLOTS, || None);
        }
        if let Some(held) = &self.exact[slot(rest_hash)]
            && held.rest == rest
        {
            return Recall::Exact(&held.parts);
        }
        if self.shapes.is_empty() {
            return Recall::Miss;
        }
        let shape_hash = shape_into(&mut self.scratch, rest);
        match &self.shapes[slot(shape_hash)] {
            Some(held) if held.shape == self.scratch && held.code_is(rest) => {
                Recall::RefusedShape(&held.parts)
            }
            _ => Recall::Miss,
        }
    }

    /// Holds `rest` (hashed `rest_hash`) with its `parts`, in place of
    /// whatever its slot held.
    pub fn remember(&mut self, rest: &str, rest_hash: u64, parts: Parts) {
        let slot = &mut self.exact[slot(rest_hash)];
        // The slot's text is reused: a flood's lines that never repeat cost
        // a copy, not an allocation.
        let mut kept = slot.take().map(|held| held.rest).unwrap_or_default();
        kept.clear();
        kept.push_str(rest);
        *slot = Some(Exact {
            rest: kept,
            parts,
            refused: false,
        });
    }

    /// Whether the rest hashed `rest_hash` is held and a record of it alone
    /// was refused for its content. Asked when a record closes: the record
    /// before may have been refused since it opened, and a slot the next
    /// line took holds a rest not refused yet.
    pub fn refused(&self, rest_hash: u64) -> bool {
        self.exact
            .get(slot(rest_hash))
            .is_some_and(|held| held.as_ref().is_some_and(|held| held.refused))
    }

    /// Notes that a record of `rest` alone was refused for its content, if
    /// its slot still holds it.
    pub fn refuse_content(&mut self, rest: &str, rest_hash: u64) {
        if let Some(Some(held)) = self.exact.get_mut(slot(rest_hash))
            && held.rest == rest
        {
            held.refused = true;
        }
    }

    /// Notes that a record of `rest` alone, with `parts`, was refused for
    /// its shape: so is every rest of that shape with the same code.
    pub fn refuse_shape(&mut self, rest: &str, parts: Parts) {
        if self.shapes.is_empty() {
            self.shapes.resize_with(SLOTS, || None);
        }
        let shape_hash = shape_into(&mut self.scratch, rest);
        let code = parts.code.clone().map(|code| rest[code].to_string());
        let slot = &mut self.shapes[slot(shape_hash)];
        let mut shape = slot.take().map(|held| held.shape).unwrap_or_default();
        shape.clone_from(&self.scratch);
        *slot = Some(Shape { shape, parts, code });
    }
}

impl Shape {
    /// Whether `rest`, of this shape, has this code exactly.
    fn code_is(&self, rest: &str) -> bool {
        match (&self.parts.code, &self.code) {
            (Some(range), Some(code)) => rest.get(range.clone()) == Some(code.as_str()),
            (None, None) => true,
            _ => false,
        }
    }
}

fn slot(hash: u64) -> usize {
    hash as usize & (SLOTS - 1)
}

/// Writes the shape of `rest` into `scratch`; its hash.
fn shape_into(scratch: &mut Vec<u8>, rest: &str) -> u64 {
    scratch.clear();
    scratch.extend_from_slice(rest.as_bytes());
    zero_digits(scratch);
    hash(0, scratch)
}
