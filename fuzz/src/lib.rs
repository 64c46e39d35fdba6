//! Drivers shared by the fuzz targets: each target hands its bytes to one
//! of these, which drive the library the way the scan does, with small
//! buffers and caps so that edge cases (lines split by a refill, over-long
//! lines, expansion caps) come up in small inputs.

use hbdiag::discover::archive::{self, Budget, CountIn, CountOut, EntryName, EntryVisitor, Limits};
use hbdiag::discover::open::{self, ArchiveFormat, Unpacked};
use hbdiag::model::Event;
use hbdiag::parse::{Interest, Parser, RecordPeek, Sink};
use hbdiag::read::{Line, LineReader};
use std::io::{BufRead, BufReader, Cursor, Read};

/// Read buffer: small, so that lines often straddle a refill.
const READ_BUFFER: usize = 512;

/// Line cap: small, so that over-long lines are met often.
const MAX_LINE: usize = 4 * 1024;

/// Expansion caps for one input: a few MB, so one run stays fast.
const LIMITS: Limits = Limits {
    max_total_bytes: 16 * 1024 * 1024,
    max_ratio: 250,
    ratio_floor: 1024 * 1024,
};

/// Deepest archive nesting followed, as the scan's own cap.
const MAX_DEPTH: usize = archive::MAX_DEPTH;

/// Counts what a parser sends; refuses records whose message length is a
/// multiple of seven for their shape, of five for their content, and every
/// third other one, as the scan's prefilter skips records no signal wants,
/// so every path is taken.
#[derive(Default)]
pub struct CountingSink {
    peeks: u64,
    /// Records built.
    pub events: u64,
    /// Lines no record took.
    pub unparsed: u64,
    /// Warnings given.
    pub warnings: u64,
}

impl Sink for CountingSink {
    fn wants(&mut self, record: &RecordPeek<'_>) -> Interest {
        assert!(
            record.searchable().count() >= 1,
            "the message is searchable"
        );
        self.peeks += 1;
        if record.message.len().is_multiple_of(7) {
            Interest::RefusedForShape
        } else if record.message.len().is_multiple_of(5) {
            Interest::RefusedForContent
        } else if self.peeks.is_multiple_of(3) {
            Interest::Refused
        } else {
            Interest::Wanted
        }
    }

    fn event(&mut self, _event: Event) {
        self.events += 1;
    }

    fn unparsed(&mut self, _line: &Line<'_>) {
        self.unparsed += 1;
    }

    fn warning(&mut self, _line: u64, message: String) {
        assert!(!message.is_empty(), "a warning says something");
        self.warnings += 1;
    }
}

/// Runs `parser` over the lines of `data`, decoded as the scan decodes a
/// file.
pub fn parse(mut parser: impl Parser, data: &[u8]) {
    let mut sink = CountingSink::default();
    let reader = BufReader::with_capacity(READ_BUFFER, data);
    let Ok((reader, encoding)) = hbdiag::read::transcoded(Box::new(reader)) else {
        return;
    };
    drain(LineReader::new(reader, MAX_LINE), |line| {
        parser.line(line, &mut sink)
    });
    parser.finish(&mut sink);
}

/// Reads `data` as a packet capture, as the scan reads one: frames, TCP
/// segments and flows, with the findings sent to a counting sink.
pub fn capture(data: &[u8]) {
    capture_reader(BufReader::with_capacity(READ_BUFFER, data));
}

fn capture_reader(reader: impl BufRead) {
    let ports = hbdiag::parse::pcap::Ports::with_extra(&[]);
    hbdiag::parse::pcap::read_capture(reader, &ports, &mut CountingSink::default());
}

/// Reads every line of `reader`, checking what every caller relies on:
/// lines are numbered one after another and hold no line feed.
pub fn drain<R: BufRead>(mut reader: LineReader<R>, mut each: impl FnMut(&Line<'_>)) {
    let mut previous: Option<u64> = None;
    while let Ok(Some(line)) = reader.next_line() {
        assert!(!line.text.contains('\n'), "line {} holds a LF", line.number);
        if let Some(previous) = previous {
            assert_eq!(line.number, previous + 1, "lines are numbered in order");
        }
        previous = Some(line.number);
        each(&line);
    }
}

/// Opens `data` as the scan opens a file on disk (zip by its central
/// directory, anything else unpacked from a stream) and reads every entry,
/// nested archives too.
pub fn archive(data: &[u8]) {
    let budget = Budget::new(LIMITS);
    let tick = |_: u64| {};
    let mut file =
        BufReader::with_capacity(READ_BUFFER, CountIn::new(Cursor::new(data), &budget, &tick));
    let mut entries = Entries {
        budget: &budget,
        depth: 1,
    };
    if file.fill_buf().map(open::is_zip).unwrap_or(false) {
        return archive::walk_zip_seekable(file, &mut entries);
    }
    entries.read(file);
}

/// Reads an archive's entries, recursing into nested ones.
struct Entries<'a> {
    budget: &'a Budget,
    depth: usize,
}

impl Entries<'_> {
    /// Reads one stream: text line by line, an archive entry by entry.
    fn read(&mut self, stream: impl BufRead) {
        match open::unpack(CountOut::new(stream, self.budget)) {
            Ok(Unpacked::Text(opened)) => {
                drain(LineReader::new(opened.reader, MAX_LINE), |_| {});
            }
            Ok(Unpacked::Capture { reader, .. }) => capture_reader(reader),
            Ok(Unpacked::Archive { format, reader, .. }) if self.depth < MAX_DEPTH => {
                let mut inner = Entries {
                    budget: self.budget,
                    depth: self.depth + 1,
                };
                match format {
                    ArchiveFormat::Tar => archive::walk_tar(reader, &mut inner),
                    ArchiveFormat::Zip => archive::walk_zip_nested(reader, &mut inner),
                }
            }
            Ok(Unpacked::Archive { .. }) | Err(_) => {}
        }
    }
}

/// What every entry name must be once normalised: relative, `/`-separated,
/// without empty, `.` or `..` parts.
fn check_name(name: &EntryName) {
    assert!(!name.name.is_empty(), "an entry name is never empty");
    assert!(
        !name.name.contains('\\'),
        "{:?} keeps a backslash",
        name.name
    );
    assert!(
        name.name
            .split('/')
            .all(|part| !matches!(part, "" | "." | "..")),
        "{:?} is not normalised",
        name.name
    );
}

impl EntryVisitor for Entries<'_> {
    fn file(&mut self, name: &EntryName, reader: &mut dyn Read) {
        check_name(name);
        let mark = self.budget.begin_entry();
        self.read(BufReader::with_capacity(READ_BUFFER, reader));
        self.budget.end_entry(mark);
    }

    fn skipped(&mut self, name: &EntryName, reason: String) {
        check_name(name);
        assert!(!reason.is_empty(), "a skipped entry says why");
    }

    fn problem(&mut self, message: String) {
        assert!(!message.is_empty(), "a problem says what it is");
    }

    fn entry_problem(&mut self, name: &EntryName, message: String) {
        check_name(name);
        assert!(!message.is_empty(), "an entry problem says what it is");
    }

    fn stop(&self) -> bool {
        self.budget.exceeded()
    }
}

/// Reads `data[2..]` with the line reader, its buffer size, line cap and
/// mode taken from `data[0]` and `data[1]`. When the text is plain ASCII
/// without CR and no line is over the cap, the lines must be exactly the
/// text split at LF.
pub fn read(data: &[u8]) {
    let [mode, cap, text @ ..] = data else {
        return;
    };
    let capacity = 1 + usize::from(mode & 0x3f);
    let max_line = 1 + usize::from(*cap) * 4;
    let reader = BufReader::with_capacity(capacity, text);
    let Ok((reader, encoding)) = hbdiag::read::transcoded(Box::new(reader)) else {
        return;
    };
    let mut lines = LineReader::new(reader, max_line);
    if mode & 0x40 != 0 {
        lines = lines.lf_only();
    }
    if mode & 0x80 != 0 {
        lines = lines.numbered_after(u64::from(*cap));
    }
    let mut got = Vec::new();
    drain(lines, |line| got.push(line.text.to_string()));
    let read_as_utf8 = encoding == hbdiag::read::TextEncoding::Utf8;
    if let Some(expected) = plain_lines(text, max_line).filter(|_| read_as_utf8) {
        assert_eq!(got, expected, "plain text is split at LF only");
    }
}

/// `text` split at LF when it is ASCII without CR and no line is longer
/// than `max_line`: what any line reader must return for it when it is read
/// as UTF-8 (ASCII with a NUL after each character is unmarked UTF-16).
fn plain_lines(text: &[u8], max_line: usize) -> Option<Vec<String>> {
    if !text.is_ascii() || text.contains(&b'\r') {
        return None;
    }
    let body = text.strip_suffix(b"\n").unwrap_or(text);
    if text.is_empty() {
        return Some(Vec::new());
    }
    let lines: Vec<String> = body
        .split(|&c| c == b'\n')
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect();
    lines
        .iter()
        .all(|line| line.len() <= max_line)
        .then_some(lines)
}

/// Timestamp prefixes, the header parser of every line format, and the
/// name-based checks (kind, stream, archive entry name) on `text`.
pub fn time_and_headers(text: &str) {
    if let Some((_, used)) = hbdiag::parse::time::local_datetime_prefix(text) {
        assert!(used <= text.len() && text.is_char_boundary(used));
        assert!(hbdiag::parse::time::datetime_shaped(text));
    }
    for kind in hbdiag::model::SourceKind::ALL {
        let Some(header) = hbdiag::parse::record_start(kind) else {
            continue;
        };
        if let Some(header) = header(text) {
            assert!(
                text.contains(header.message),
                "the message is part of the line"
            );
        }
    }
    let lines: Vec<&str> = text
        .lines()
        .take(hbdiag::discover::detect::SNIFF_LINES)
        .collect();
    let named = hbdiag::discover::detect::kind_from_name(text);
    let _ = hbdiag::discover::detect::detect(named, &lines);
    let _ = hbdiag::discover::detect::stream_base(text);
    if let Some(name) = EntryName::normalise(text) {
        check_name(&name);
    }
}

/// Between two files of the pipeline target's input. The byte after it
/// (and the input's first byte) picks the file's place in the bundle.
pub const FILE_SEPARATOR: &[u8] = b"\n#hbdiag-fuzz-file#";

/// Most files cut from one input.
const MAX_FILES: usize = 8;

/// Where the pipeline target's files go: two Informatica hosts, two MRS
/// masters, loose alarm exports, metrics and archives.
const BUNDLE_PLACES: [&str; 16] = [
    "infagw01/logs/node01/node.log",
    "infagw01/logs/node01/exceptions.log",
    "infagw01/logs/node01/gc.log",
    "infagw01/vmstat-infagw01.log",
    "infawk01/logs/node03/node.log",
    "infawk01/logs/node03/node.log.1.gz",
    "infawk01/logs/node03/gc.log.0.current",
    "alarms.csv",
    "alarms.txt",
    "mrs-master1/var/log/Bigdata/flink/flinkserver/flinkserver.log",
    "mrs-master1/var/log/Bigdata/flink/flinkserver/prestart.log",
    "mrs-master1/var/log/Bigdata/flink/flinkserver/floatip.log",
    "mrs-master2/var/log/Bigdata/flink/flinkserver/flinkserver-omm-gc.log.0.current",
    "mrs-master2/var/log/Bigdata/flink/flinkserver/stop.log",
    "collected.zip",
    "infagw02.tar.gz",
];

/// The files of a pipeline input: `(place, content)` pairs. The input is
/// cut at [`FILE_SEPARATOR`]; each piece's first byte picks its place.
pub fn bundle(data: &[u8]) -> Vec<(&'static str, &[u8])> {
    let mut files = Vec::new();
    let mut rest = data;
    while let Some((&pick, body)) = rest.split_first() {
        if files.len() == MAX_FILES {
            break;
        }
        let (content, next) = match find(body, FILE_SEPARATOR) {
            Some(at) => (&body[..at], &body[at + FILE_SEPARATOR.len()..]),
            None => (body, &[][..]),
        };
        files.push((
            BUNDLE_PLACES[usize::from(pick) % BUNDLE_PLACES.len()],
            content,
        ));
        rest = next;
    }
    files
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Writes the bundle cut from `data` to a temporary folder (pieces picking
/// the same place are appended), runs the whole analysis on it with one
/// worker thread, and renders every report: the terminal text (compact
/// lines within their width; verbose), HTML and Markdown.
pub fn pipeline(data: &[u8]) {
    static DEFINITIONS: std::sync::OnceLock<hbdiag::pipeline::Definitions> =
        std::sync::OnceLock::new();
    static ONE_THREAD: std::sync::Once = std::sync::Once::new();
    ONE_THREAD.call_once(|| {
        let _ = hbdiag::scan::set_jobs(1);
    });
    let defs = DEFINITIONS.get_or_init(|| {
        hbdiag::pipeline::Definitions::load(None).expect("the built-in definitions load")
    });
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (place, content) in bundle(data) {
        append(&dir.path().join(place), content);
    }
    let options = hbdiag::pipeline::AnalyzeOptions {
        paths: vec![dir.path().to_path_buf()],
        ..Default::default()
    };
    let analysis = hbdiag::pipeline::analyze(&options, defs);
    let report = hbdiag::report::build(&analysis, &defs.catalog);
    let json = serde_json::to_vec(&report).expect("the report serialises");
    assert!(json.starts_with(b"{"), "the report is a JSON object");
    let layout = hbdiag::report::text::Layout::new(80, false);
    for verbose in [false, true] {
        let options = hbdiag::report::text::TextOptions {
            zone: hbdiag::report::DisplayZone::Utc,
            layout,
            verbose,
        };
        let text = hbdiag::report::text::render(&report, &options);
        if !verbose {
            let wide = text.lines().find(|l| l.chars().count() > layout.width);
            assert!(wide.is_none(), "a line over 80 columns: {wide:?}");
        }
        for incident in &report.incidents {
            assert!(!hbdiag::report::text::explain(&report, incident, &options).is_empty());
        }
    }
    assert!(hbdiag::report::html::render(&report).ends_with("</html>\n"));
    assert!(!hbdiag::report::markdown::render(&report).is_empty());
}

fn append(path: &std::path::Path, content: &[u8]) {
    use std::io::Write;
    let parent = path.parent().expect("a place has a folder");
    std::fs::create_dir_all(parent).expect("the folder is made");
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(content))
        .expect("the file is written");
}
