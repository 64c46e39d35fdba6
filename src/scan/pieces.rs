//! Large plain files read in pieces: cut at record starts, the pieces
//! scanned in parallel, and joined into the outcome one pass would give
//! (the same records, events, counts, warnings and folded floods).

use super::worker::Worker;
use super::{Context, Outcome, ScannedSource, decide_kind, read_head};
use crate::discover::Candidate;
use crate::discover::archive::{Budget, CountIn};
use crate::discover::open::{self, BUFFER_SIZE, Packing};
use crate::model::SourceKind;
use crate::parse::{self, records::HeaderFn};
use crate::read::{DEFAULT_MAX_LINE, Endings, LineReader, TextEncoding};
use memchr::memchr;
use rayon::prelude::*;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// Bytes per piece. Pieces join exactly, so their size never shows in the
/// report; it only has to be large against the cost of a seam.
const PIECE_BYTES: u64 = 16 << 20;
/// How far past a nominal cut a record start is looked for; a file with no
/// record start that far (one huge record) is cut less often.
const MAX_SEEK: usize = 1 << 20;

/// One piece: a byte range that starts at a record start, and how many
/// lines lie before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Piece {
    start: u64,
    end: u64,
    lines_before: u64,
}

/// How large a file must be to be worth cutting: more than one thread's
/// share of the whole scan (else the other files keep every thread busy,
/// and cutting would only add the count of lines before each piece), and
/// at least two pieces.
pub(super) fn worth_cutting_from(candidates: &[Candidate]) -> u64 {
    let total: u64 = candidates
        .iter()
        .filter_map(|c| std::fs::metadata(&c.path).ok())
        .map(|m| m.len())
        .sum();
    let threads = rayon::current_num_threads().max(1) as u64;
    (total / threads).max(2 * PIECE_BYTES)
}

/// Scans `candidate` in pieces when it is a plain text file, of a format
/// whose records stand alone, large enough to be cut; `None` when it should
/// be scanned in one pass instead.
pub(super) fn scan_in_pieces(candidate: &Candidate, ctx: &Context<'_>) -> Option<Outcome> {
    cut_and_scan(candidate, ctx.piece_from, PIECE_BYTES, ctx)
}

fn cut_and_scan(
    candidate: &Candidate,
    from_len: u64,
    piece_bytes: u64,
    ctx: &Context<'_>,
) -> Option<Outcome> {
    let len = std::fs::metadata(&candidate.path).ok()?.len();
    if len < from_len.max(2 * piece_bytes) {
        return None;
    }
    let opened = open::open_text(&candidate.path).ok()?;
    // Pieces are read as bytes from the file: UTF-16, decoded as it is
    // read, is read in one pass.
    if opened.packing != Packing::Plain || opened.encoding != TextEncoding::Utf8 {
        return None;
    }
    let mut source = ScannedSource::new(candidate.clone());
    source.packing = Some(Packing::Plain);
    source.encoding = Some(TextEncoding::Utf8);
    let mut head_reader = LineReader::new(opened.reader, DEFAULT_MAX_LINE);
    let (head, None) = read_head(&mut head_reader) else {
        return None;
    };
    // Pieces are cut at LF: a file split on lone CRs is read in one pass.
    if head_reader.endings() != Endings::Lf {
        return None;
    }
    let kind = decide_kind(&head, &mut source)?;
    let header = parse::record_start(kind)?;
    source.kind = Some(kind);
    let pieces = plan(&candidate.path, len, piece_bytes, header).ok()?;
    // The first piece's source carries what sniffing found; the others
    // start empty and are joined into it.
    let sources = std::iter::once(source).chain(std::iter::repeat_with(|| {
        ScannedSource::new(candidate.clone())
    }));
    let jobs: Vec<(Piece, ScannedSource)> = pieces.into_iter().zip(sources).collect();
    let workers: Vec<Worker<'_>> = jobs
        .into_par_iter()
        .map(|(piece, source)| scan_piece(candidate, kind, piece, source, ctx))
        .collect();
    let mut workers = workers.into_iter();
    let mut whole = workers.next()?;
    for next in workers {
        whole.absorb(next);
    }
    Some(whole.finish())
}

fn scan_piece<'a>(
    candidate: &Candidate,
    kind: SourceKind,
    piece: Piece,
    source: ScannedSource,
    ctx: &Context<'a>,
) -> Worker<'a> {
    let mut worker = Worker::new(source, kind, ctx.catalog, ctx.keep);
    worker.index_lines();
    let budget = Budget::new(ctx.options.limits);
    let tick = |bytes: u64| {
        if let Some(progress) = ctx.options.progress {
            progress.add_bytes(bytes);
        }
    };
    let read = File::open(&candidate.path).and_then(|mut file| {
        file.seek(SeekFrom::Start(piece.start))?;
        Ok(file)
    });
    let Some(mut parser) = parse::parser_for(kind) else {
        return worker;
    };
    let file = match read {
        Ok(file) => file,
        Err(err) => {
            worker.note_read_error(piece.lines_before, err);
            return worker;
        }
    };
    let counted = CountIn::new(file.take(piece.end - piece.start), &budget, &tick);
    let mut reader = LineReader::new(
        BufReader::with_capacity(BUFFER_SIZE, counted),
        DEFAULT_MAX_LINE,
    )
    .numbered_after(piece.lines_before)
    .starting_at(piece.start)
    .lf_only();
    worker.feed(parser.as_mut(), &[], &mut reader, None);
    worker
}

/// Cuts a file of `len` bytes about every `piece_bytes`, each cut at the
/// next line `header` accepts, and counts the lines before each piece.
fn plan(path: &Path, len: u64, piece_bytes: u64, header: HeaderFn) -> io::Result<Vec<Piece>> {
    let mut file = File::open(path)?;
    let mut starts = vec![0];
    let mut nominal = piece_bytes;
    while nominal + piece_bytes / 2 < len {
        if let Some(start) = record_start_after(&mut file, nominal, header)?
            && starts.last().is_some_and(|&last| start > last)
        {
            starts.push(start);
        }
        nominal += piece_bytes;
    }
    let ends = starts.iter().skip(1).copied().chain(std::iter::once(len));
    let ranges: Vec<(u64, u64)> = starts.iter().copied().zip(ends).collect();
    let counts = ranges
        .par_iter()
        .map(|&(start, end)| count_lines(path, start, end))
        .collect::<io::Result<Vec<u64>>>()?;
    let mut lines_before = 0;
    Ok(ranges
        .into_iter()
        .zip(counts)
        .map(|((start, end), lines)| {
            let piece = Piece {
                start,
                end,
                lines_before,
            };
            lines_before += lines;
            piece
        })
        .collect())
}

/// The offset of the first line after `from` that starts a record: whole,
/// valid UTF-8 and no longer than the reader keeps, so the one-pass reader
/// would see it exactly so.
fn record_start_after(file: &mut File, from: u64, header: HeaderFn) -> io::Result<Option<u64>> {
    let mut window = Vec::with_capacity(MAX_SEEK);
    file.seek(SeekFrom::Start(from))?;
    file.by_ref()
        .take(MAX_SEEK as u64)
        .read_to_end(&mut window)?;
    let Some(first_end) = memchr(b'\n', &window) else {
        return Ok(None);
    };
    let mut at = first_end + 1;
    while let Some(len) = memchr(b'\n', &window[at..]) {
        let raw = &window[at..at + len];
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let starts = raw.len() <= DEFAULT_MAX_LINE
            && std::str::from_utf8(raw).is_ok_and(|line| header(line).is_some());
        if starts {
            return Ok(Some(from + at as u64));
        }
        at += len + 1;
    }
    Ok(None)
}

fn count_lines(path: &Path, start: u64, end: u64) -> io::Result<u64> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    let mut range = file.take(end - start);
    let mut buffer = vec![0u8; 256 * 1024];
    let mut lines = 0;
    loop {
        let n = range.read(&mut buffer)?;
        if n == 0 {
            return Ok(lines);
        }
        lines += count_newlines(&buffer[..n]);
    }
}

/// Counted in runs of at most 255 bytes, so each run sums in byte lanes.
fn count_newlines(bytes: &[u8]) -> u64 {
    bytes
        .chunks(255)
        .map(|run| u64::from(run.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n'))))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definitions::builtin;
    use crate::scan::{KeepPolicy, ScanOptions, scan_whole};
    use crate::signals::SignalCatalog;
    use std::fmt::Write as _;

    /// A node.log with what a seam can break: stack traces, a flood of
    /// identical errors over minute boundaries, silences, steps back in
    /// time (more than the warning cap), a bad byte and a cut long line.
    fn messy_log(step_back_every: i64) -> Vec<u8> {
        let mut text = String::from("garbage before the first record\n");
        let mut ms: i64 = 10 * 3_600_000;
        for i in 0..1200 {
            ms += match (i % 37, i % step_back_every) {
                (13, _) => 25_000,
                (_, 29) => -5_000,
                _ => 700,
            };
            let stamp = format!(
                "2026-03-12 {:02}:{:02}:{:02},{:03}",
                ms / 3_600_000,
                ms / 60_000 % 60,
                ms / 1000 % 60,
                ms % 1000
            );
            match i % 7 {
                0 => writeln!(
                    text,
                    "{stamp} ERROR [Domain Monitor] [DOM_10112] Request to the master gateway failed: java.net.ConnectException: Connection refused"
                ),
                1 => writeln!(
                    text,
                    "{stamp} ERROR [Master Elect Data Writer] [DOM_10162] Cannot update the master election row.\njava.sql.SQLRecoverableException: IO Error: Connection reset\n\tat oracle.jdbc.driver.T4CConnection.logon(T4CConnection.java:489)\n\t... 12 more"
                ),
                2 => writeln!(text, "{stamp} INFO  [Heartbeat] [DOM_10120] Sent heartbeat to the master gateway node."),
                _ => writeln!(text, "{stamp} INFO  [Repository] [REP_12014] Connection pool has 8 active connections."),
            }
            .unwrap();
        }
        let mut bytes = text.into_bytes();
        let middle = bytes.len() / 2;
        let line_start = bytes[..middle].iter().rposition(|&b| b == b'\n').unwrap() + 1;
        bytes.insert(line_start + 40, 0xff);
        let mut long = b"2026-03-12 10:09:00,000 WARN  [main] ".to_vec();
        long.extend(std::iter::repeat_n(b'x', DEFAULT_MAX_LINE + 10));
        long.push(b'\n');
        bytes.splice(line_start..line_start, long);
        bytes
    }

    /// Writes `bytes` to `dir/name`, a file of host `h1`, kind by its name.
    fn write_log(dir: &Path, name: &str, bytes: &[u8]) -> Candidate {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        Candidate {
            display: format!("h1/{name}"),
            path,
            host: "h1".into(),
            host_from: crate::discover::HostFrom::Single,
            bundle: crate::discover::Bundle::default(),
            node: None,
            name_kind: crate::discover::detect::kind_from_name(name),
            stream: format!("h1/{name}"),
        }
    }

    #[test]
    fn pieces_join_into_what_one_pass_reads() {
        let dir = tempfile::tempdir().unwrap();
        let catalog = SignalCatalog::build(&builtin()).unwrap();
        let ctx = Context {
            catalog: &catalog,
            keep: KeepPolicy {
                min_level: Some(crate::model::Level::Warn),
            },
            options: ScanOptions::default(),
            piece_from: 0,
            reread: None,
            ports: crate::parse::pcap::Ports::with_extra(&[]),
        };
        for (step_back_every, expected) in [
            (97, "not UTF-8"),
            (37, "more warnings in this file were not listed"),
        ] {
            let text = messy_log(step_back_every);
            let candidate = write_log(dir.path(), "node.log", &text);
            // The line index differs (pieces add an entry at each start);
            // each entry must point at the start of its line.
            let without_index = |mut outcomes: Vec<Outcome>| {
                for (source, _) in &mut outcomes {
                    let index = source.line_index.take().expect("a plain file is indexed");
                    for (line, offset) in index {
                        let before = &text[..offset as usize];
                        assert!(before.is_empty() || before.ends_with(b"\n"), "{offset}");
                        let lines = before.iter().filter(|&&b| b == b'\n').count();
                        assert_eq!(lines as u64 + 1, line, "line {line} at {offset}");
                    }
                }
                format!("{outcomes:?}")
            };
            let whole = without_index(scan_whole(&candidate, &ctx));
            assert!(whole.contains(expected), "{expected}");
            assert!(
                whole.contains("proof: Some(DetailLine"),
                "stack-trace lines that proved a signal are kept, and joined with the rest"
            );
            for piece_bytes in [700, 4096, 50_000] {
                let pieces = cut_and_scan(&candidate, 0, piece_bytes, &ctx).expect("cut in pieces");
                assert_eq!(
                    without_index(vec![pieces]),
                    whole,
                    "pieces of {piece_bytes} bytes"
                );
            }
        }
    }

    #[test]
    fn cuts_only_at_record_starts_and_counts_the_lines_before() {
        let dir = tempfile::tempdir().unwrap();
        let log = messy_log(37);
        let path = write_log(dir.path(), "node.log", &log).path;
        let pieces = plan(
            &path,
            log.len() as u64,
            4096,
            crate::parse::log4j::parse_header,
        )
        .unwrap();
        assert!(pieces.len() > 10);
        for pair in pieces.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
            let start = pair[1].start as usize;
            assert_eq!(log[start - 1], b'\n');
            assert!(log[start..].starts_with(b"2026-03-12 "));
            let lines = log[..start].iter().filter(|&&b| b == b'\n').count();
            assert_eq!(pair[1].lines_before, lines as u64);
        }
        assert_eq!(pieces.last().unwrap().end, log.len() as u64);
    }

    #[test]
    fn small_compressed_and_unsplittable_files_are_read_in_one_pass() {
        let dir = tempfile::tempdir().unwrap();
        let catalog = SignalCatalog::build(&builtin()).unwrap();
        let ctx = Context {
            catalog: &catalog,
            keep: KeepPolicy::default(),
            options: ScanOptions::default(),
            piece_from: 0,
            reread: None,
            ports: crate::parse::pcap::Ports::with_extra(&[]),
        };
        let candidate = |name: &str, bytes: &[u8]| write_log(dir.path(), name, bytes);
        let log = messy_log(37);
        assert!(cut_and_scan(&candidate("node.log", &log), 1 << 30, 1000, &ctx).is_none());
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &log).unwrap();
        let gz = gz.finish().unwrap();
        assert!(cut_and_scan(&candidate("node.log.gz", &gz), 0, 1000, &ctx).is_none());
        let gc = "2026-03-12T10:00:00.048+0800: 0.048: [GC (Allocation Failure) [PSYoungGen: 293198K->29319K(305664K)] 693198K->429319K(1005056K), 0.0723150 secs] [Times: user=0.01 sys=0.00, real=0.01 secs]\n".repeat(100);
        assert!(cut_and_scan(&candidate("gc.log", gc.as_bytes()), 0, 1000, &ctx).is_none());
    }
}
