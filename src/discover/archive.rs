//! Archives read as streams of entries, never extracted: tar (any
//! compression around it) and zip. Entry names are normalised (no `..`, no
//! absolute paths), links are reported instead of followed, and a
//! [`Budget`] stops decompression bombs. What to do with each entry is up to
//! an [`EntryVisitor`], so nesting (a `.tar.gz` inside a `.zip`) is just the
//! visitor opening an entry as another archive.

use std::io::{self, BufRead, Cursor, Read, Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use zip::ZipArchive;
use zip::result::ZipError;

/// Nested zips (inside another archive) up to this size are read into
/// memory to use their central directory; larger ones are spooled to an
/// anonymous temporary file (never in the input folder), so that however
/// deep the nesting, no level holds more than this much memory.
const NESTED_ZIP_IN_MEMORY: u64 = 1024 * 1024;

/// Archives nested deeper than this (the archive on disk is level 1) are
/// not opened: their entry is listed as skipped, with a warning.
pub const MAX_DEPTH: usize = 16;

/// After this many entries of one file on disk were capped as
/// decompression bombs, the rest of the file is not read.
const MAX_CAPPED_ENTRIES: u64 = 8;

/// Caps on how far one archive (or compressed file) may expand.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most decompressed bytes read from one file on disk, all entries and
    /// nesting levels together.
    pub max_total_bytes: u64,
    /// Most decompressed bytes per byte on disk, checked once past
    /// `ratio_floor` (ordinary logs compress 10–50×; bombs 1000×).
    pub max_ratio: u64,
    /// Expansion below this many bytes is never called a bomb.
    pub ratio_floor: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_total_bytes: 64 * 1024 * 1024 * 1024,
            max_ratio: 250,
            ratio_floor: 64 * 1024 * 1024,
        }
    }
}

/// Bytes read from disk and produced by decompression for one file on disk,
/// shared by every stream opened from it.
#[derive(Debug)]
pub struct Budget {
    limits: Limits,
    read_in: AtomicU64,
    /// Decompressed bytes that count toward the ratio: those of capped
    /// entries are taken out again.
    expanded: AtomicU64,
    /// Every decompressed byte, for the total cap.
    total: AtomicU64,
    exceeded: AtomicBool,
    capped_entries: AtomicU64,
}

/// Where the budget stood when an entry started; see [`Budget::end_entry`].
#[derive(Copy, Clone, Debug)]
pub struct EntryMark {
    expanded: u64,
}

/// Why a [`Budget`] stopped reading.
#[derive(Debug, thiserror::Error)]
pub enum BudgetExceeded {
    /// Too many decompressed bytes in all.
    #[error(
        "expanded past {limit} bytes, the cap per file on disk; reading stopped (decompression bomb?)"
    )]
    Total {
        /// The cap.
        limit: u64,
    },
    /// Too many decompressed bytes per byte on disk.
    #[error("expanded more than {ratio}× its size on disk; reading stopped (decompression bomb?)")]
    Ratio {
        /// The cap.
        ratio: u64,
    },
}

impl Budget {
    /// A fresh budget under `limits`.
    pub fn new(limits: Limits) -> Self {
        Budget {
            limits,
            read_in: AtomicU64::new(0),
            expanded: AtomicU64::new(0),
            total: AtomicU64::new(0),
            exceeded: AtomicBool::new(false),
            capped_entries: AtomicU64::new(0),
        }
    }

    /// Marks the start of an archive entry.
    pub fn begin_entry(&self) -> EntryMark {
        EntryMark {
            expanded: self.expanded.load(Ordering::Relaxed),
        }
    }

    /// Ends an entry begun at `mark`. When the ratio cap was passed while
    /// it was read, the entry was a bomb: its bytes stop counting toward
    /// the ratio and the next entries may be read (up to a few capped
    /// entries per file; the total cap is never lifted). Returns whether
    /// the entry was capped.
    pub fn end_entry(&self, mark: EntryMark) -> bool {
        if !self.exceeded.load(Ordering::Relaxed) && self.verdict().is_ok() {
            return false;
        }
        if self.total.load(Ordering::Relaxed) > self.limits.max_total_bytes {
            return true;
        }
        let capped = self.capped_entries.fetch_add(1, Ordering::Relaxed) + 1;
        if capped < MAX_CAPPED_ENTRIES {
            self.expanded.store(mark.expanded, Ordering::Relaxed);
            self.exceeded.store(false, Ordering::Relaxed);
        }
        true
    }

    /// Whether a cap was hit: nothing more should be read from this file.
    pub fn exceeded(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed) || self.verdict().is_err()
    }

    /// Whether reading may go on, and if not, which cap was passed. Once
    /// passed, a cap stays passed.
    pub fn verdict(&self) -> Result<(), BudgetExceeded> {
        let out = self.expanded.load(Ordering::Relaxed);
        let read_in = self.read_in.load(Ordering::Relaxed).max(1);
        let verdict = if self.total.load(Ordering::Relaxed) > self.limits.max_total_bytes {
            Err(BudgetExceeded::Total {
                limit: self.limits.max_total_bytes,
            })
        } else if (out > self.limits.ratio_floor && out / read_in > self.limits.max_ratio)
            || self.exceeded.load(Ordering::Relaxed)
        {
            Err(BudgetExceeded::Ratio {
                ratio: self.limits.max_ratio,
            })
        } else {
            Ok(())
        };
        if verdict.is_err() {
            self.exceeded.store(true, Ordering::Relaxed);
        }
        verdict
    }

    fn add_in(&self, n: usize) {
        self.read_in.fetch_add(n as u64, Ordering::Relaxed);
    }

    fn add_out(&self, n: usize) {
        self.expanded.fetch_add(n as u64, Ordering::Relaxed);
        self.total.fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// Counts bytes read from a file on disk into its budget, and reports them
/// to `on_read` (the progress bar).
pub struct CountIn<'a, R> {
    inner: R,
    budget: &'a Budget,
    on_read: &'a (dyn Fn(u64) + Sync),
}

impl<'a, R> CountIn<'a, R> {
    /// Wraps `inner`, the raw file.
    pub fn new(inner: R, budget: &'a Budget, on_read: &'a (dyn Fn(u64) + Sync)) -> Self {
        CountIn {
            inner,
            budget,
            on_read,
        }
    }
}

impl<R: Read> Read for CountIn<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.budget.add_in(n);
        (self.on_read)(n as u64);
        Ok(n)
    }
}

impl<R: Seek> Seek for CountIn<'_, R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Counts decompressed bytes against a budget; reading fails with the
/// budget's reason once a cap is passed (what was read before stays valid).
pub struct CountOut<'a, R> {
    inner: R,
    budget: &'a Budget,
}

impl<'a, R> CountOut<'a, R> {
    /// Wraps `inner`, a decompressing reader.
    pub fn new(inner: R, budget: &'a Budget) -> Self {
        CountOut { inner, budget }
    }
}

impl<R: BufRead> Read for CountOut<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        crate::read::read_from_buffer(self, buf)
    }
}

impl<R: BufRead> BufRead for CountOut<'_, R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.budget.verdict().map_err(io::Error::other)?;
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.budget.add_out(amount);
        self.inner.consume(amount);
    }
}

/// An entry's name made safe: `/`-separated, relative, without `.`/`..`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryName {
    /// The normalised name, as reports show it.
    pub name: String,
    /// The name as stored, when it had to be changed (absolute, `..`).
    pub unsafe_original: Option<String>,
}

impl EntryName {
    /// Normalises a stored name; `None` when nothing is left of it.
    pub fn normalise(raw: &str) -> Option<EntryName> {
        let mut parts: Vec<&str> = Vec::new();
        let mut changed = raw.starts_with(['/', '\\']);
        for (i, part) in raw.split(['/', '\\']).enumerate() {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop();
                    changed = true;
                }
                drive if i == 0 && drive.len() == 2 && drive.ends_with(':') => changed = true,
                part => parts.push(part),
            }
        }
        (!parts.is_empty()).then(|| EntryName {
            name: parts.join("/"),
            unsafe_original: changed.then(|| raw.to_string()),
        })
    }
}

/// Receives an archive's entries in archive order.
pub trait EntryVisitor {
    /// A regular file entry to read.
    fn file(&mut self, name: &EntryName, reader: &mut dyn Read);
    /// An entry that is not read, and why (links, encrypted entries).
    fn skipped(&mut self, name: &EntryName, reason: String);
    /// A problem with the archive itself (damage, truncation, caps).
    fn problem(&mut self, message: String);
    /// A problem with an entry already given to [`EntryVisitor::file`]
    /// (it was cut short).
    fn entry_problem(&mut self, name: &EntryName, message: String);
    /// Whether to stop before the next entry (a cap was reached).
    fn stop(&self) -> bool;
}

/// Walks a tar stream.
pub fn walk_tar(reader: impl Read, visitor: &mut dyn EntryVisitor) {
    let mut archive = tar::Archive::new(reader);
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(err) => return visitor.problem(format!("unreadable tar archive: {err}")),
    };
    for entry in entries {
        if visitor.stop() {
            return visitor
                .problem("archive not read further: its expansion cap was reached".into());
        }
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                return visitor.problem(format!(
                    "tar archive ends early or is damaged ({err}); the entries before were read"
                ));
            }
        };
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(name) = EntryName::normalise(&raw) else {
            continue;
        };
        match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let size = entry.size();
                let mut counted = Counted {
                    inner: &mut entry,
                    read: 0,
                };
                visitor.file(&name, &mut counted);
                // What the visitor left is read too (tar would skip it the
                // same way), to tell an entry the archive ends inside.
                if io::copy(&mut counted, &mut io::sink()).is_ok() && counted.read < size {
                    visitor.entry_problem(
                        &name,
                        format!(
                            "entry cut short: the archive ends after {} of its {size} bytes; the lines before were read",
                            counted.read
                        ),
                    );
                }
            }
            tar::EntryType::Directory => {}
            tar::EntryType::Symlink => {
                visitor.skipped(&name, "symbolic link entry not followed".into())
            }
            tar::EntryType::Link => visitor.skipped(&name, "hard link entry not followed".into()),
            other => visitor.skipped(
                &name,
                format!(
                    "not a regular file (tar type {:?})",
                    other.as_byte() as char
                ),
            ),
        }
    }
}

/// Counts the bytes read through it.
struct Counted<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// Walks a zip file on disk by its central directory, falling back to its
/// local headers when the central directory is damaged or missing.
pub fn walk_zip_seekable<R: Read + Seek>(mut reader: R, visitor: &mut dyn EntryVisitor) {
    match ZipArchive::new(&mut reader) {
        Ok(mut archive) => walk_zip_directory(&mut archive, visitor),
        Err(err) => {
            visitor.problem(format!(
                "zip central directory unreadable ({err}); entries were read from their local headers"
            ));
            match reader.seek(SeekFrom::Start(0)) {
                Ok(_) => walk_zip_stream(reader, visitor),
                Err(err) => visitor.problem(format!("cannot rewind the zip: {err}")),
            }
        }
    }
}

/// Walks a zip found inside another archive: in memory when small, else
/// spooled to an anonymous temporary file (removed when done, never in the
/// input folder) to use its central directory; by its local headers when
/// no temporary file can be made.
pub fn walk_zip_nested(mut reader: impl Read, visitor: &mut dyn EntryVisitor) {
    let mut head = Vec::new();
    if let Err(err) = (&mut reader)
        .take(NESTED_ZIP_IN_MEMORY + 1)
        .read_to_end(&mut head)
    {
        visitor.problem(format!(
            "zip entry unreadable ({err}); what was read is used"
        ));
    }
    if head.len() as u64 <= NESTED_ZIP_IN_MEMORY {
        return walk_zip_seekable(Cursor::new(head), visitor);
    }
    let mut spool = match tempfile::tempfile() {
        Ok(file) => file,
        Err(_) => return walk_zip_stream(Cursor::new(head).chain(reader), visitor),
    };
    let copied = spool
        .write_all(&head)
        .and_then(|()| io::copy(&mut reader, &mut spool).map(|_| ()));
    drop(head);
    if let Err(err) = copied {
        visitor.problem(format!(
            "zip entry unreadable ({err}); what was read is used"
        ));
    }
    match spool.seek(SeekFrom::Start(0)) {
        Ok(_) => walk_zip_seekable(io::BufReader::new(spool), visitor),
        Err(err) => visitor.problem(format!("cannot rewind the spooled zip: {err}")),
    }
}

fn walk_zip_directory<R: Read + Seek>(archive: &mut ZipArchive<R>, visitor: &mut dyn EntryVisitor) {
    for index in 0..archive.len() {
        if visitor.stop() {
            return visitor
                .problem("archive not read further: its expansion cap was reached".into());
        }
        let (name, reason) = match archive.by_index_raw(index) {
            Ok(raw) => (zip_entry_name(&raw), zip_skip_reason(&raw)),
            Err(err) => {
                visitor.problem(format!("zip entry {index} unreadable: {err}"));
                continue;
            }
        };
        let Some(name) = name else { continue };
        match reason {
            Some(Skip::Silently) => {}
            Some(Skip::Because(reason)) => visitor.skipped(&name, reason),
            None => match archive.by_index(index) {
                Ok(mut file) => visitor.file(&name, &mut file),
                Err(err) => visitor.skipped(&name, zip_error_reason(err)),
            },
        }
    }
}

fn walk_zip_stream(mut reader: impl Read, visitor: &mut dyn EntryVisitor) {
    loop {
        if visitor.stop() {
            return visitor
                .problem("archive not read further: its expansion cap was reached".into());
        }
        match zip::read::read_zipfile_from_stream(&mut reader) {
            Ok(Some(mut file)) => {
                let Some(name) = zip_entry_name(&file) else {
                    continue;
                };
                match zip_skip_reason(&file) {
                    Some(Skip::Silently) => {}
                    Some(Skip::Because(reason)) => visitor.skipped(&name, reason),
                    None => visitor.file(&name, &mut file),
                }
            }
            Ok(None) => return,
            Err(err) => {
                return visitor.problem(format!(
                    "zip local headers end or are damaged ({}); the entries before were read",
                    zip_error_reason(err)
                ));
            }
        }
    }
}

enum Skip {
    Silently,
    Because(String),
}

fn zip_entry_name<R: Read>(file: &zip::read::ZipFile<'_, R>) -> Option<EntryName> {
    let raw = match file.name() {
        Ok(name) => name.into_owned(),
        Err(_) => String::from_utf8_lossy(file.name_raw()).into_owned(),
    };
    EntryName::normalise(&raw)
}

fn zip_skip_reason<R: Read>(file: &zip::read::ZipFile<'_, R>) -> Option<Skip> {
    if file.is_dir() {
        Some(Skip::Silently)
    } else if file.encrypted() {
        Some(Skip::Because(
            "password-protected entry: hbdiag does not decrypt".into(),
        ))
    } else if file.is_symlink() {
        Some(Skip::Because("symbolic link entry not followed".into()))
    } else {
        None
    }
}

fn zip_error_reason(err: ZipError) -> String {
    match err {
        ZipError::UnsupportedArchive(what) => format!("unsupported zip feature: {what}"),
        ZipError::CompressionMethodNotSupported(method) => {
            format!("zip compression method {method} is not supported (deflate and stored are)")
        }
        ZipError::InvalidPassword => "password-protected entry: hbdiag does not decrypt".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_relative_and_safe() {
        let cases = [
            ("h1/node.log", "h1/node.log", false),
            ("./h1//node.log", "h1/node.log", false),
            ("../../etc/node.log", "etc/node.log", true),
            ("/var/log/node.log", "var/log/node.log", true),
            ("h1/../../node.log", "node.log", true),
            ("C:\\logs\\node.log", "logs/node.log", true),
        ];
        for (raw, name, changed) in cases {
            let got = EntryName::normalise(raw).unwrap();
            assert_eq!(got.name, name, "{raw}");
            assert_eq!(got.unsafe_original.is_some(), changed, "{raw}");
        }
        assert_eq!(EntryName::normalise("../.."), None);
    }

    #[test]
    fn budget_stops_at_the_ratio_and_the_total() {
        let limits = Limits {
            max_total_bytes: 1000,
            max_ratio: 10,
            ratio_floor: 100,
        };
        let budget = Budget::new(limits);
        budget.add_in(10);
        budget.add_out(90);
        assert!(budget.verdict().is_ok());
        budget.add_out(20);
        assert!(matches!(
            budget.verdict(),
            Err(BudgetExceeded::Ratio { ratio: 10 })
        ));
        budget.add_in(1000);
        assert!(budget.exceeded(), "a passed cap stays passed");
        let budget = Budget::new(limits);
        budget.add_in(1000);
        budget.add_out(1001);
        assert!(matches!(
            budget.verdict(),
            Err(BudgetExceeded::Total { limit: 1000 })
        ));
    }

    #[test]
    fn a_capped_entry_stops_counting_toward_the_ratio() {
        let budget = Budget::new(Limits {
            max_total_bytes: 10_000,
            max_ratio: 10,
            ratio_floor: 100,
        });
        budget.add_in(10);
        budget.add_out(50);
        let mark = budget.begin_entry();
        budget.add_out(500);
        assert!(budget.exceeded());
        assert!(budget.end_entry(mark), "the entry was capped");
        assert!(!budget.exceeded(), "the next entry may be read");
        let mark = budget.begin_entry();
        budget.add_out(20);
        assert!(!budget.end_entry(mark));
        for _ in 0..MAX_CAPPED_ENTRIES {
            let mark = budget.begin_entry();
            budget.add_out(500);
            budget.end_entry(mark);
        }
        assert!(budget.exceeded(), "too many bombs stop the file");
        let budget = Budget::new(Limits {
            max_total_bytes: 100,
            max_ratio: 1000,
            ratio_floor: 1000,
        });
        let mark = budget.begin_entry();
        budget.add_out(101);
        assert!(budget.end_entry(mark));
        assert!(budget.exceeded(), "the total cap is never lifted");
    }
}
