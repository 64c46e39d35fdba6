//! Streaming line reader: one reused buffer per file, lines found with
//! memchr, bad bytes decoded lossily, over-long lines cut at a cap instead of
//! growing memory without bound.
//!
//! Line endings: LF and CRLF everywhere; a file whose first line ends with a
//! lone CR (old Mac tools, some Windows exporters) is split on CR, LF and
//! CRLF alike. The choice is made once per file, at its first line ending,
//! so an LF file keeps the one-byte search of its lines and a stray CR
//! inside one of its lines stays in that line, as an editor shows it. A
//! UTF-8 byte-order mark before the first line is dropped; UTF-16 streams
//! (with a byte-order mark, or recognisably ASCII text without one) are
//! decoded to UTF-8 by [`transcoded`] before they reach the reader.

use encoding_rs::{CoderResult, Decoder, Encoding, UTF_16BE, UTF_16LE};
use memchr::{memchr, memchr2};
use std::borrow::Cow;
use std::io::{self, BufRead, Read};

/// Longest line kept; the rest of a longer line is skipped and counted.
pub const DEFAULT_MAX_LINE: usize = 64 * 1024;
/// The cap for formats wide by nature: one line of `esxtop -b` holds every
/// counter of every VM of the hypervisor, megabytes on a large host.
pub const WIDE_MAX_LINE: usize = 8 << 20;

/// The UTF-8 encoding of U+FEFF, which some Windows tools write first.
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

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

/// Which bytes end a line in this file.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Endings {
    /// Not known before the first line ending is seen.
    Unknown,
    /// LF (a CR before it is dropped): nearly every file.
    Lf,
    /// LF, CRLF or a lone CR: a file whose first line ended with a lone CR.
    Any,
}

/// Where a line ends in a buffer: its length and the terminator's.
enum Found {
    /// The line is `len` bytes, followed by a terminator of `terminator` bytes.
    End { len: usize, terminator: usize },
    /// The buffer ends with a CR: whether an LF follows is not known yet.
    CrAtEnd,
    /// No terminator in the buffer.
    None,
}

/// Reads lines from any `BufRead`. A line that lies whole in the reader's
/// buffer (nearly every line) is lent from it without a copy; one split by
/// a refill is gathered in a reused buffer.
pub struct LineReader<R> {
    inner: R,
    /// Bytes of the inner buffer lent out by the last line, consumed on
    /// the next call (the borrow must end first).
    lent: usize,
    /// Bytes of the stream consumed so far, from where it was opened.
    consumed: u64,
    bytes: Vec<u8>,
    decoded: String,
    number: u64,
    max_line: usize,
    endings: Endings,
    /// Whether the start of the stream has been checked for a BOM.
    started: bool,
    /// A read error met after part of a line was read: that part is
    /// returned first, the error on the next call.
    pending: Option<io::Error>,
    damage: ReadDamage,
}

impl<R: BufRead> LineReader<R> {
    /// A reader that keeps at most `max_line` bytes of any line.
    pub fn new(inner: R, max_line: usize) -> Self {
        LineReader {
            inner,
            lent: 0,
            consumed: 0,
            bytes: Vec::with_capacity(256),
            decoded: String::new(),
            number: 0,
            max_line,
            endings: Endings::Unknown,
            started: false,
            pending: None,
            damage: ReadDamage::default(),
        }
    }

    /// A reader whose first line is numbered `lines_before + 1`: for a
    /// piece of a file that starts after that many lines (no BOM is looked
    /// for there).
    pub fn numbered_after(mut self, lines_before: u64) -> Self {
        self.number = lines_before;
        self.started = lines_before > 0;
        self
    }

    /// A reader that ends lines at LF only, whatever its first line ends
    /// with: for a piece of a file whose start was read that way.
    pub fn lf_only(mut self) -> Self {
        self.endings = Endings::Lf;
        self
    }

    /// A reader of a stream that begins `offset` bytes into its file (a
    /// piece), so [`next_offset`](Self::next_offset) counts from the file's
    /// start.
    pub fn starting_at(mut self, offset: u64) -> Self {
        self.consumed = offset;
        self
    }

    /// Where the next line begins, in bytes of the stream (of the file, for
    /// a reader [`starting_at`](Self::starting_at) its offset): what a
    /// reader opened there again, [`numbered_after`](Self::numbered_after)
    /// the lines before, reads next.
    pub fn next_offset(&self) -> u64 {
        self.consumed + self.lent as u64
    }

    fn consume(&mut self, bytes: usize) {
        self.inner.consume(bytes);
        self.consumed += bytes as u64;
    }

    /// The line endings found so far.
    pub fn endings(&self) -> Endings {
        self.endings
    }

    /// Changes the cap for the lines still to come: once a file's kind is
    /// known from its first lines, which were read under a wider cap.
    pub fn set_max_line(&mut self, max_line: usize) {
        self.max_line = max_line;
    }

    /// Counts a line the caller cut to the cap (a first line kept before
    /// the cap was lowered) as a long line.
    pub fn note_long_line(&mut self, number: u64) {
        self.damage.long_lines += 1;
        self.damage.first_long_line = Some(
            self.damage
                .first_long_line
                .map_or(number, |first| first.min(number)),
        );
    }

    /// What had to be repaired so far.
    pub fn damage(&self) -> &ReadDamage {
        &self.damage
    }

    /// The next line, `Ok(None)` at the end. An I/O error (a truncated gzip
    /// member, say) ends the file; lines read before it stay valid, and so
    /// does the part of a line read before it.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        let lent = std::mem::take(&mut self.lent);
        self.consume(lent);
        if let Some(err) = self.pending.take() {
            return Err(err);
        }
        if !self.started {
            self.started = true;
            if self.inner.fill_buf()?.starts_with(UTF8_BOM) {
                self.consume(UTF8_BOM.len());
            }
        }
        let available = self.inner.fill_buf()?;
        if available.is_empty() {
            return Ok(None);
        }
        self.number += 1;
        let (len, terminator) = match find_end(available, self.endings) {
            Found::End { len, terminator } if len <= self.max_line => (len, terminator),
            _ => {
                self.gather()?;
                return Ok(Some(self.decode_gathered()));
            }
        };
        if self.endings == Endings::Unknown {
            self.endings = decided_by(available[len], terminator);
        }
        self.lent = len + terminator;
        let raw = &self.inner.fill_buf()?[..len];
        let raw = match self.endings {
            Endings::Lf => without_cr(raw),
            _ => raw,
        };
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
    /// `bytes`, keeping at most `max_line` bytes of it. A read error after
    /// part of the line ends the line there and is kept for the next call.
    fn gather(&mut self) -> io::Result<()> {
        self.bytes.clear();
        let mut cut = false;
        let mut read_any = false;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(available) => available,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) if !read_any => {
                    self.number -= 1;
                    return Err(err);
                }
                Err(err) => {
                    self.pending = Some(err);
                    break;
                }
            };
            if available.is_empty() {
                break;
            }
            let (chunk_end, consumed, done, cr_at_end) = match find_end(available, self.endings) {
                Found::End { len, terminator } => {
                    if self.endings == Endings::Unknown {
                        self.endings = decided_by(available[len], terminator);
                    }
                    (len, len + terminator, true, false)
                }
                Found::CrAtEnd => (available.len() - 1, available.len(), true, true),
                Found::None => (available.len(), available.len(), false, false),
            };
            let room = self.max_line.saturating_sub(self.bytes.len());
            cut |= chunk_end > room;
            self.bytes
                .extend_from_slice(&available[..chunk_end.min(room)]);
            self.consume(consumed);
            read_any = true;
            if cr_at_end {
                self.after_cr_at_end();
            }
            if done {
                break;
            }
        }
        if cut {
            self.damage.long_lines += 1;
            self.damage.first_long_line.get_or_insert(self.number);
        }
        if self.endings == Endings::Lf && self.bytes.last() == Some(&b'\r') {
            self.bytes.pop();
        }
        Ok(())
    }

    /// After a line that ended with the buffer's last byte, a CR: an LF
    /// right after it belongs to the same line ending.
    fn after_cr_at_end(&mut self) {
        let (crlf, at_end) = match self.inner.fill_buf() {
            Ok(next) => (next.first() == Some(&b'\n'), next.is_empty()),
            Err(err) => {
                self.pending = Some(err);
                return;
            }
        };
        if crlf {
            self.consume(1);
        }
        if self.endings == Endings::Unknown {
            self.endings = if crlf || at_end {
                Endings::Lf
            } else {
                Endings::Any
            };
        }
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

/// Where the line at the start of `buffer` ends, for a file with `endings`.
/// LF files are searched for one byte only.
fn find_end(buffer: &[u8], endings: Endings) -> Found {
    if endings == Endings::Lf {
        return match memchr(b'\n', buffer) {
            Some(len) => Found::End { len, terminator: 1 },
            None => Found::None,
        };
    }
    match memchr2(b'\n', b'\r', buffer) {
        None => Found::None,
        Some(len) if buffer[len] == b'\n' => Found::End { len, terminator: 1 },
        Some(len) => match buffer.get(len + 1) {
            Some(b'\n') => Found::End { len, terminator: 2 },
            Some(_) => Found::End { len, terminator: 1 },
            None => Found::CrAtEnd,
        },
    }
}

/// The endings of a file whose first line ended with `first` (the
/// terminator's first byte), `terminator` bytes long.
fn decided_by(first: u8, terminator: usize) -> Endings {
    if first == b'\r' && terminator == 1 {
        Endings::Any
    } else {
        Endings::Lf
    }
}

fn without_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// `Read::read` for a reader whose own buffer is the source of truth
/// (`BufRead` first): copies what `fill_buf` holds, then consumes it.
pub fn read_from_buffer<R: BufRead + ?Sized>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let available = reader.fill_buf()?;
    let n = available.len().min(buf.len());
    buf[..n].copy_from_slice(&available[..n]);
    reader.consume(n);
    Ok(n)
}

/// The encoding a text stream is read in, as its first bytes tell.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub enum TextEncoding {
    /// UTF-8 (ASCII included): read as it is.
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    /// UTF-16 little-endian, with its byte-order mark.
    #[serde(rename = "utf-16le")]
    Utf16Le,
    /// UTF-16 big-endian, with its byte-order mark.
    #[serde(rename = "utf-16be")]
    Utf16Be,
    /// UTF-16 little-endian without a mark (some Windows exports), known by
    /// the NUL byte after each ASCII character.
    #[serde(rename = "utf-16le-unmarked")]
    Utf16LeUnmarked,
    /// UTF-16 big-endian without a mark, known by the NUL byte before each
    /// ASCII character.
    #[serde(rename = "utf-16be-unmarked")]
    Utf16BeUnmarked,
}

impl TextEncoding {
    /// The decoder to UTF-8 this encoding needs, if any.
    fn decoding(self) -> Option<&'static Encoding> {
        match self {
            TextEncoding::Utf8 => None,
            TextEncoding::Utf16Le | TextEncoding::Utf16LeUnmarked => Some(UTF_16LE),
            TextEncoding::Utf16Be | TextEncoding::Utf16BeUnmarked => Some(UTF_16BE),
        }
    }
}

/// How many leading bytes the guess of unmarked UTF-16 looks at.
pub const UTF16_PROBE_BYTES: usize = 512;
/// Fewer byte pairs than this are too few to guess from.
const UTF16_MIN_PAIRS: usize = 16;

/// The encoding `head`, a stream's first bytes, shows: a UTF-16 byte-order
/// mark (`FF FE 00 00` is UTF-32's, not decoded), else unmarked UTF-16 when
/// at least 90 % of the byte pairs of the first [`UTF16_PROBE_BYTES`] are
/// one printable ASCII byte and one NUL, always on the same side (a binary
/// file's NULs do not pair that regularly with text), else UTF-8.
pub fn encoding_of(head: &[u8]) -> TextEncoding {
    if head.starts_with(b"\xff\xfe") && !head.starts_with(b"\xff\xfe\x00\x00") {
        TextEncoding::Utf16Le
    } else if head.starts_with(b"\xfe\xff") {
        TextEncoding::Utf16Be
    } else {
        unmarked_utf16(head)
    }
}

fn unmarked_utf16(head: &[u8]) -> TextEncoding {
    let pairs = head[..head.len().min(UTF16_PROBE_BYTES)].chunks_exact(2);
    let total = pairs.len();
    if total < UTF16_MIN_PAIRS {
        return TextEncoding::Utf8;
    }
    let (mut little, mut big) = (0, 0);
    for pair in pairs {
        match (pair[0], pair[1]) {
            (b, 0) if is_text_byte(b) => little += 1,
            (0, b) if is_text_byte(b) => big += 1,
            _ => {}
        }
    }
    let most = |n: usize| n * 10 >= total * 9;
    if most(little) {
        TextEncoding::Utf16LeUnmarked
    } else if most(big) {
        TextEncoding::Utf16BeUnmarked
    } else {
        TextEncoding::Utf8
    }
}

/// Printable ASCII, tab or a line ending: what log text is made of.
fn is_text_byte(b: u8) -> bool {
    matches!(b, b' '..=b'~' | b'\t' | b'\n' | b'\r')
}

/// `reader` itself, or, when its first bytes show UTF-16 ([`encoding_of`]),
/// a stream of its text decoded to UTF-8 (the mark dropped, unpaired
/// surrogates replaced by U+FFFD), read as it goes; with the encoding found.
pub fn transcoded<'a>(
    mut reader: Box<dyn BufRead + 'a>,
) -> io::Result<(Box<dyn BufRead + 'a>, TextEncoding)> {
    let encoding = encoding_of(reader.fill_buf()?);
    Ok(match encoding.decoding() {
        Some(decoding) => (Box::new(Utf16Reader::new(reader, decoding)), encoding),
        None => (reader, encoding),
    })
}

/// Output buffer of the UTF-16 decoder.
const DECODED_BUFFER: usize = 64 * 1024;

/// UTF-16 text decoded to UTF-8 as it is read.
struct Utf16Reader<R> {
    inner: R,
    decoder: Decoder,
    out: Box<[u8]>,
    start: usize,
    end: usize,
    finished: bool,
}

impl<R: BufRead> Utf16Reader<R> {
    fn new(inner: R, encoding: &'static Encoding) -> Self {
        Utf16Reader {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            out: vec![0; DECODED_BUFFER].into_boxed_slice(),
            start: 0,
            end: 0,
            finished: false,
        }
    }
}

impl<R: BufRead> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read_from_buffer(self, buf)
    }
}

impl<R: BufRead> BufRead for Utf16Reader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.start == self.end && !self.finished {
            let input = self.inner.fill_buf()?;
            let last = input.is_empty();
            let (result, read, written, _) =
                self.decoder.decode_to_utf8(input, &mut self.out, last);
            self.inner.consume(read);
            (self.start, self.end) = (0, written);
            self.finished = last && result == CoderResult::InputEmpty;
        }
        Ok(&self.out[self.start..self.end])
    }

    fn consume(&mut self, amount: usize) {
        self.start = (self.start + amount).min(self.end);
    }
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

    fn texts_with_capacity(input: &[u8], capacity: usize) -> Vec<String> {
        let mut reader = LineReader::new(io::BufReader::with_capacity(capacity, input), 100);
        let mut lines = Vec::new();
        while let Some(line) = reader.next_line().unwrap() {
            lines.push(line.text.to_string());
        }
        lines
    }

    #[test]
    fn cr_only_and_crlf_endings_split_at_any_buffer_size() {
        for capacity in 1..12 {
            assert_eq!(
                texts_with_capacity(b"first\rsecond line\r\rlast\r", capacity),
                ["first", "second line", "", "last"],
                "CR only, capacity {capacity}"
            );
            assert_eq!(
                texts_with_capacity(b"first\r\nsecond\r\nlast", capacity),
                ["first", "second", "last"],
                "CRLF, capacity {capacity}"
            );
            assert_eq!(
                texts_with_capacity(b"lone CR first\rthen CRLF\r\nthen LF\nend", capacity),
                ["lone CR first", "then CRLF", "then LF", "end"],
                "mixed, capacity {capacity}"
            );
        }
    }

    #[test]
    fn an_lf_file_keeps_a_stray_cr_inside_its_line() {
        let mut reader = LineReader::new(&b"first\nx\ry\r\nz\n"[..], 100);
        let mut texts = Vec::new();
        while let Some(line) = reader.next_line().unwrap() {
            texts.push(line.text.to_string());
        }
        assert_eq!(texts, ["first", "x\ry", "z"]);
        assert_eq!(reader.endings(), Endings::Lf);
    }

    #[test]
    fn a_utf8_bom_is_dropped_from_the_first_line_only() {
        let (lines, _) = read_all(b"\xef\xbb\xbffirst\n\xef\xbb\xbfsecond\n", 100);
        assert_eq!(lines[0].1, "first");
        assert_eq!(lines[1].1, "\u{feff}second");
        let mut piece = LineReader::new(&b"\xef\xbb\xbfx\n"[..], 100).numbered_after(4);
        assert_eq!(piece.next_line().unwrap().unwrap().text, "\u{feff}x");
    }

    /// Gives its bytes, then fails.
    struct FailsAfter<'a>(&'a [u8]);

    impl Read for FailsAfter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cut short"));
            }
            let n = self.0.len().min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_read_error_inside_a_long_line_keeps_what_was_read_of_it() {
        let long = vec![b'x'; 5000];
        let input = io::BufReader::with_capacity(64, FailsAfter(&long));
        let mut reader = LineReader::new(input, 1000);
        let line = reader.next_line().unwrap().unwrap();
        assert_eq!((line.number, line.text.len()), (1, 1000));
        assert_eq!(reader.damage().first_long_line, Some(1));
        assert!(reader.next_line().is_err(), "then the error");
    }

    /// `text` in UTF-16, with or without a byte-order mark.
    fn utf16(text: &str, big_endian: bool, marked: bool) -> Vec<u8> {
        let mut bytes = match (marked, big_endian) {
            (false, _) => vec![],
            (true, true) => vec![0xfe, 0xff],
            (true, false) => vec![0xff, 0xfe],
        };
        for unit in text.encode_utf16() {
            let pair = if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            };
            bytes.extend_from_slice(&pair);
        }
        bytes
    }

    fn decoded(bytes: &[u8]) -> (String, TextEncoding) {
        let stream: Box<dyn BufRead> = Box::new(io::BufReader::with_capacity(1000, bytes));
        let (mut reader, encoding) = transcoded(stream).unwrap();
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        (text, encoding)
    }

    #[test]
    fn utf16_with_a_bom_is_decoded_as_it_streams() {
        let text =
            "2026-03-12 10:15:40,001 ERROR [main] Verbindung abgelehnt: Müller 告警\r\nsecond\r\n"
                .repeat(3000);
        assert_eq!(
            decoded(&utf16(&text, false, true)),
            (text.clone(), TextEncoding::Utf16Le)
        );
        assert_eq!(
            decoded(&utf16(&text, true, true)),
            (text.clone(), TextEncoding::Utf16Be)
        );
        assert_eq!(
            decoded(b"plain\n"),
            ("plain\n".to_string(), TextEncoding::Utf8)
        );
    }

    #[test]
    fn utf16_without_a_bom_is_recognised_by_its_nuls() {
        // Mostly ASCII, as logs are, with a few characters beyond it.
        let text =
            "2026-03-12 10:15:40,001 ERROR [main] [DOM_10025] Müller: cannot send heartbeat\r\n"
                .repeat(100);
        assert_eq!(
            decoded(&utf16(&text, false, false)),
            (text.clone(), TextEncoding::Utf16LeUnmarked)
        );
        assert_eq!(
            decoded(&utf16(&text, true, false)),
            (text.clone(), TextEncoding::Utf16BeUnmarked)
        );
    }

    #[test]
    fn binary_with_many_nuls_is_not_taken_for_utf16() {
        // Little-endian integers, a NUL-padded table and pseudo-random
        // bytes: NULs aplenty, but not beside printable text.
        let integers: Vec<u8> = (0u16..300).flat_map(u16::to_le_bytes).collect();
        let mut table = Vec::new();
        for i in 0..40u8 {
            table.extend_from_slice(b"name");
            table.extend_from_slice(&[i, 0, 0, 0, 0, 0, 0, 0]);
        }
        let mut state = 0x2545_f491_u32;
        let random: Vec<u8> = (0..512)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 24) as u8
            })
            .collect();
        for bytes in [integers, table, random] {
            assert_eq!(encoding_of(&bytes), TextEncoding::Utf8);
        }
        // Too short a head to guess from.
        assert_eq!(
            encoding_of(&utf16("short", false, false)),
            TextEncoding::Utf8
        );
    }
}
