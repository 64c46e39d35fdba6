//! Streaming line reader: one reused buffer per file, lines found with
//! memchr, bad bytes decoded lossily, over-long lines cut at a cap instead of
//! growing memory without bound.

use memchr::memchr;
use std::borrow::Cow;
use std::io::{self, BufRead};

/// Longest line kept; the rest of a longer line is skipped and counted.
pub const DEFAULT_MAX_LINE: usize = 64 * 1024;

/// One line of a file, borrowed from the reader's buffer.
#[derive(Debug)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: u64,
    /// The text, without the line terminator.
    pub text: &'a str,
}

/// Counts of what the reader had to repair, for the source's coverage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadDamage {
    /// Lines longer than the cap, and the first such line.
    pub long_lines: u64,
    pub first_long_line: Option<u64>,
    /// Lines with bytes that are not UTF-8, and the first such line.
    pub invalid_utf8_lines: u64,
    pub first_invalid_utf8_line: Option<u64>,
}

impl ReadDamage {
    /// Adds the repairs of a later part of the same file.
    pub fn add(&mut self, later: &ReadDamage) {
        self.long_lines += later.long_lines;
        self.invalid_utf8_lines += later.invalid_utf8_lines;
        self.first_long_line = self.first_long_line.or(later.first_long_line);
        self.first_invalid_utf8_line = self
            .first_invalid_utf8_line
            .or(later.first_invalid_utf8_line);
    }

    fn note_invalid_utf8(&mut self, line: u64) {
        self.invalid_utf8_lines += 1;
        self.first_invalid_utf8_line.get_or_insert(line);
    }
}

/// Reads lines from any `BufRead`. A line that lies whole in the reader's
/// buffer (nearly every line) is lent from it without a copy; one split by
/// a refill is gathered in a reused buffer.
pub struct LineReader<R> {
    inner: R,
    /// Bytes of the inner buffer lent out by the last line, consumed on
    /// the next call (the borrow must end first).
    lent: usize,
    bytes: Vec<u8>,
    decoded: String,
    number: u64,
    max_line: usize,
    damage: ReadDamage,
}

impl<R: BufRead> LineReader<R> {
    /// A reader that keeps at most `max_line` bytes of any line.
    pub fn new(inner: R, max_line: usize) -> Self {
        LineReader {
            inner,
            lent: 0,
            bytes: Vec::with_capacity(256),
            decoded: String::new(),
            number: 0,
            max_line,
            damage: ReadDamage::default(),
        }
    }

    /// A reader whose first line is numbered `lines_before + 1`: for a
    /// piece of a file that starts after that many lines.
    pub fn numbered_after(mut self, lines_before: u64) -> Self {
        self.number = lines_before;
        self
    }

    /// What had to be repaired so far.
    pub fn damage(&self) -> &ReadDamage {
        &self.damage
    }

    /// The next line, `Ok(None)` at the end. An I/O error (a truncated gzip
    /// member, say) ends the file; lines read before it stay valid.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        self.inner.consume(std::mem::take(&mut self.lent));
        let available = self.inner.fill_buf()?;
        if available.is_empty() {
            return Ok(None);
        }
        self.number += 1;
        let whole = memchr(b'\n', available).filter(|&end| end <= self.max_line);
        let Some(end) = whole else {
            self.gather()?;
            return Ok(Some(self.decode_gathered()));
        };
        self.lent = end + 1;
        let raw = without_cr(&self.inner.fill_buf()?[..end]);
        let text = match simdutf8::basic::from_utf8(raw) {
            Ok(text) => text,
            Err(_) => {
                self.decoded = String::from_utf8_lossy(raw).into_owned();
                self.damage.note_invalid_utf8(self.number);
                &self.decoded
            }
        };
        Ok(Some(Line {
            number: self.number,
            text,
        }))
    }

    /// Collects a line split across refills (or longer than the cap) into
    /// `bytes`, keeping at most `max_line` bytes of it.
    fn gather(&mut self) -> io::Result<()> {
        self.bytes.clear();
        let mut cut = false;
        loop {
            let available = self.inner.fill_buf()?;
            if available.is_empty() {
                break;
            }
            let (chunk_end, consumed, done) = match memchr(b'\n', available) {
                Some(i) => (i, i + 1, true),
                None => (available.len(), available.len(), false),
            };
            let room = self.max_line.saturating_sub(self.bytes.len());
            cut |= chunk_end > room;
            self.bytes
                .extend_from_slice(&available[..chunk_end.min(room)]);
            self.inner.consume(consumed);
            if done {
                break;
            }
        }
        if cut {
            self.damage.long_lines += 1;
            self.damage.first_long_line.get_or_insert(self.number);
        }
        if self.bytes.last() == Some(&b'\r') {
            self.bytes.pop();
        }
        Ok(())
    }

    /// The gathered bytes as text, invalid UTF-8 replaced and counted.
    fn decode_gathered(&mut self) -> Line<'_> {
        let text = match String::from_utf8_lossy(&self.bytes) {
            Cow::Borrowed(text) => text,
            Cow::Owned(repaired) => {
                self.damage.note_invalid_utf8(self.number);
                self.decoded = repaired;
                &self.decoded
            }
        };
        Line {
            number: self.number,
            text,
        }
    }
}

fn without_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8], max: usize) -> (Vec<(u64, String)>, ReadDamage) {
        let mut reader = LineReader::new(io::BufReader::with_capacity(8, input), max);
        let mut lines = Vec::new();
        while let Some(line) = reader.next_line().unwrap() {
            lines.push((line.number, line.text.to_string()));
        }
        (lines, reader.damage().clone())
    }

    #[test]
    fn splits_lines_across_buffer_refills_and_strips_crlf() {
        let (lines, damage) = read_all(b"first line\r\nsecond, longer line\nlast", 100);
        let texts: Vec<_> = lines.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts, ["first line", "second, longer line", "last"]);
        assert_eq!(lines[2].0, 3);
        assert_eq!(damage, ReadDamage::default());
    }

    #[test]
    fn cuts_long_lines_and_counts_them() {
        let mut input = vec![b'x'; 1000];
        input.extend_from_slice(b"\nshort\n");
        let (lines, damage) = read_all(&input, 10);
        assert_eq!(lines[0].1, "xxxxxxxxxx");
        assert_eq!(lines[1], (2, "short".to_string()));
        assert_eq!(damage.long_lines, 1);
        assert_eq!(damage.first_long_line, Some(1));
    }

    #[test]
    fn repairs_invalid_utf8_and_names_the_line() {
        let (lines, damage) = read_all(b"ok\nbad \xff\xfe byte\n", 100);
        assert_eq!(lines[1].1, "bad \u{fffd}\u{fffd} byte");
        assert_eq!(damage.invalid_utf8_lines, 1);
        assert_eq!(damage.first_invalid_utf8_line, Some(2));
    }

    #[test]
    fn repairs_invalid_utf8_in_a_line_lent_from_the_buffer() {
        let mut reader =
            LineReader::new(io::BufReader::new(&b"ok\nbad \xff byte\r\nlast\n"[..]), 100);
        assert_eq!(reader.next_line().unwrap().unwrap().text, "ok");
        assert_eq!(
            reader.next_line().unwrap().unwrap().text,
            "bad \u{fffd} byte"
        );
        let last = reader.next_line().unwrap().unwrap();
        assert_eq!((last.number, last.text), (3, "last"));
        assert!(reader.next_line().unwrap().is_none());
        assert_eq!(reader.damage().first_invalid_utf8_line, Some(2));
    }

    #[test]
    fn empty_input_has_no_lines() {
        assert!(read_all(b"", 10).0.is_empty());
    }
}
