//! HotSpot JDK ≤ 8 `-XX:+PrintGCDetails` logs of every collector. A pause
//! may span lines: the header opens it, undecorated continuation lines add
//! to it until its outermost `, N secs]` closes it, and detail lines
//! (`[Eden: … Heap: …]`, `[Times: …]`) follow until the next decorated line.
//! Concurrent phases spliced into a pause are cut out before it is read.

use super::decor::{self, Stamp};
use super::units::{self, Transition};
use super::{Clock, Words, contains, failures_in, find, paren_group, pause_event, safepoint_event};
use crate::model::{Event, EventKind, GcPause, LogTime, LoggedAt, PauseKind, Safepoint};
use crate::parse::Sink;
use crate::read::Line;

const STOPPED: &str = "Total time for which application threads were stopped:";
const APPLICATION_TIME: &str = "Application time:";
/// Records that may be glued into any line.
static GLUED_RECORDS: Words<2> = Words::new([STOPPED, APPLICATION_TIME]);
/// The glued records, [`HEAP_PRINTS`] and [`CONCURRENT`] together: a line
/// with none of them (most lines) skips the search for each.
static SPECIAL_WORDS: Words<8> = Words::new([
    STOPPED,
    APPLICATION_TIME,
    HEAP_PRINT_WORDS[0],
    HEAP_PRINT_WORDS[1],
    HEAP_PRINT_WORDS[2],
    CONCURRENT[0],
    CONCURRENT[1],
    CONCURRENT[2],
]);
const STOPPING_THREADS: &str = "Stopping threads took:";

/// Markers of concurrent (not stop-the-world) phases.
const CONCURRENT: [&str; 3] = ["[CMS-concurrent", "[GC concurrent", "[Concurrent "];
static CONCURRENT_WORDS: Words<3> = Words::new(CONCURRENT);

/// `-XX:+PrintHeapAtGC` and class histogram output glued into a pause line;
/// the line is cut there.
const HEAP_PRINT_WORDS: [&str; 3] = ["{Heap before", "Heap after", "[Class Histogram"];
static HEAP_PRINTS: Words<3> = Words::new(HEAP_PRINT_WORDS);

/// Undecorated lines that belong to no event: headers, tenuring and
/// ergonomics output.
const NOISE: [&str; 12] = [
    "Desired survivor size",
    "- age",
    "OpenJDK",
    "Java HotSpot",
    "Memory:",
    "CommandLine flags:",
    "GC log file has reached",
    "Heap",
    "}",
    "GC locker:",
    "GC time is exceeding",
    "GC time would exceed",
];

/// State of the JDK ≤ 8 dialect.
#[derive(Default)]
pub(super) struct Jdk8 {
    open: Option<Open>,
    /// Header and continuations of the open pause, concurrent parts cut.
    body: String,
    /// Inside a `-XX:+PrintHeapAtGC` block (`{Heap before …` to `}`).
    heap_block: bool,
    /// The line being read holds none of [`SPECIAL_WORDS`].
    plain_line: bool,
    /// The open pause's first line (a reused buffer).
    evidence: String,
    /// The event every pause is lent to the sink in, reused.
    lent: Option<Event>,
}

/// The pause being read.
struct Open {
    line: u64,
    start: LogTime,
    depth: i32,
    closed: bool,
    /// Shenandoah prints its pauses at their end, in ms.
    logged_at_end: bool,
    pause: GcPause,
}

impl Jdk8 {
    pub(super) fn line(&mut self, line: &Line<'_>, clock: &mut Clock, sink: &mut dyn Sink) {
        let text = line.text;
        if self.heap_block {
            self.heap_block = !text.starts_with('}') && !is_header(decor::jdk8_prefix(text).1);
            if self.heap_block {
                return;
            }
        }
        if text.starts_with("{Heap before") {
            self.heap_block = true;
            return;
        }
        if let Some(header) = decor::rotation_header(text) {
            clock.rotation = Some(header);
            return;
        }
        self.plain_line = !SPECIAL_WORDS.any(text);
        self.fragment(line, text, clock, sink);
    }

    pub(super) fn finish(&mut self, clock: &mut Clock, sink: &mut dyn Sink) {
        self.flush(clock, sink);
    }

    /// Emits a closed pause before a line of another dialect; an unclosed
    /// one stays open (its continuation may follow).
    pub(super) fn interrupt(&mut self, clock: &mut Clock, sink: &mut dyn Sink) {
        if self.open.as_ref().is_some_and(|o| o.closed) {
            self.flush(clock, sink);
        }
    }

    /// Reads part of a line; stopped-time and application-time records
    /// glued into it are split off first.
    fn fragment(&mut self, line: &Line<'_>, text: &str, clock: &mut Clock, sink: &mut dyn Sink) {
        let glued = if self.plain_line {
            None
        } else {
            GLUED_RECORDS.first(text)
        };
        let Some(at) = glued else {
            self.piece(line, text, clock, sink);
            return;
        };
        let (before, stamp) = split_trailing_stamp(&text[..at]);
        if !before.trim().is_empty() {
            self.piece(line, before, clock, sink);
        }
        let record = &text[at..];
        let end = record_end(record);
        if record.starts_with(STOPPED) {
            self.stopped(line, &record[..end], stamp, clock, sink);
        }
        let rest = &record[end..];
        if !rest.trim().is_empty() {
            self.fragment(line, rest, clock, sink);
        }
    }

    /// A `Total time for which application threads were stopped` record.
    fn stopped(
        &mut self,
        line: &Line<'_>,
        record: &str,
        stamp: Stamp,
        clock: &mut Clock,
        sink: &mut dyn Sink,
    ) {
        let Some(total) = units::value_after(record, STOPPED) else {
            sink.unparsed(line);
            return;
        };
        if self.open.as_ref().is_some_and(|o| o.closed) {
            self.flush(clock, sink);
        }
        let end = clock.time(stamp).unwrap_or_else(|| clock.latest());
        let safepoint = Safepoint {
            duration_ms: total * 1000.0,
            time_to_safepoint_ms: units::value_after(record, STOPPING_THREADS).map(|s| s * 1000.0),
            operation: None,
            logged_at: LoggedAt::End,
        };
        sink.event(safepoint_event(
            line,
            end.add_millis(-safepoint.duration_ms),
            safepoint,
        ));
    }

    /// Reads a line (or the part of it before a glued record).
    fn piece(&mut self, line: &Line<'_>, text: &str, clock: &mut Clock, sink: &mut dyn Sink) {
        let (stamp, rest) = decor::jdk8_prefix(text);
        let body = rest.trim_start();
        let open_unclosed = self.open.as_ref().is_some_and(|o| !o.closed);
        if is_concurrent(body) {
            if open_unclosed {
                self.feed(rest, sink, line.number);
            } else {
                self.flush(clock, sink);
            }
        } else if is_header(body) && (stamp.is_some() || !text.starts_with(char::is_whitespace)) {
            self.start(line, stamp, body, clock, sink);
        } else if open_unclosed {
            if stamp.is_some() || is_continuation(body) {
                self.feed(rest, sink, line.number);
            }
        } else if self.open.is_some() && !stamp.is_some() {
            self.details(body);
        } else if stamp.is_some() && body.is_empty() {
            // A lone decoration, its record cut off or on the next line.
        } else if !is_noise(body) && !text.starts_with(char::is_whitespace) && !body.is_empty() {
            sink.unparsed(line);
        }
    }

    /// Opens a pause at its header line.
    fn start(
        &mut self,
        line: &Line<'_>,
        stamp: Stamp,
        body: &str,
        clock: &mut Clock,
        sink: &mut dyn Sink,
    ) {
        if self.open.as_ref().is_some_and(|o| !o.closed) {
            sink.warning(line.number, "GC event cut off before its duration".into());
            self.open = None;
        }
        self.flush(clock, sink);
        let start = clock.time(stamp).unwrap_or_else(|| clock.latest());
        self.body.clear();
        self.evidence.clear();
        self.evidence.push_str(line.text);
        self.open = Some(Open {
            line: line.number,
            start,
            depth: 0,
            closed: false,
            logged_at_end: body.starts_with("[Pause "),
            pause: GcPause::default(),
        });
        self.feed(body, sink, line.number);
    }

    /// Adds header or continuation text; closes the pause when its outermost
    /// bracket closes.
    fn feed(&mut self, text: &str, sink: &mut dyn Sink, number: u64) {
        let Some(open) = self.open.as_mut() else {
            return;
        };
        let from = self.body.len();
        if self.plain_line {
            self.body.push_str(text);
        } else {
            append_without_concurrent(&mut self.body, text);
        }
        let Some(close) = outermost_close(&self.body.as_bytes()[from..], &mut open.depth) else {
            return;
        };
        let close = from + close;
        open.closed = true;
        let (event_text, tail) = self.body.split_at(close);
        if read_pause(event_text, &mut open.pause).is_none() {
            sink.warning(number, "GC event without a readable duration".into());
            self.open = None;
            return;
        }
        apply_details(&tail[1..], &mut open.pause);
    }

    /// Reads a detail line after the pause closed.
    fn details(&mut self, text: &str) {
        if let Some(open) = self.open.as_mut() {
            apply_details(text, &mut open.pause);
        }
    }

    /// Emits the closed pause, if any.
    fn flush(&mut self, clock: &mut Clock, sink: &mut dyn Sink) {
        let Some(mut open) = self.open.take() else {
            return;
        };
        if !open.closed {
            sink.warning(open.line, "GC event cut off at end of input".into());
            return;
        }
        let collector = infer_collector(&self.body).or(clock.collector);
        clock.collector = collector;
        open.pause.collector = collector;
        let duration = open.pause.duration_ms;
        let start = if open.logged_at_end {
            open.start.add_millis(-duration)
        } else {
            open.start
        };
        open.pause.logged_at = if open.logged_at_end {
            LoggedAt::End
        } else {
            LoggedAt::Start
        };
        clock.last = Some(start.add_millis(duration));
        let event = self
            .lent
            .get_or_insert_with(|| pause_event(0, String::new(), start, GcPause::default()));
        event.line = open.line;
        event.time = start;
        if let EventKind::GcPause(pause) = &mut event.kind {
            **pause = open.pause;
        }
        sink.lend(event, &self.evidence);
    }
}

/// Where the `]` that brings `depth` back to zero is in `text`, counting
/// on from `depth`, which is left as the text leaves it.
fn outermost_close(text: &[u8], depth: &mut i32) -> Option<usize> {
    for i in memchr::memchr2_iter(b'[', b']', text) {
        if text[i] == b'[' {
            *depth += 1;
        } else if *depth > 0 {
            *depth -= 1;
            if *depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Whether `body` (after decorations) starts a concurrent phase or a
/// Shenandoah `[Pause X, start]` marker.
fn is_concurrent(body: &str) -> bool {
    CONCURRENT.iter().any(|m| body.starts_with(m))
        || (body.starts_with("[Pause ") && body.trim_end().ends_with(", start]"))
}

/// Whether `body` starts a stop-the-world event.
fn is_header(body: &str) -> bool {
    body.starts_with("[GC")
        || body.starts_with("[Full GC")
        || (body.starts_with("[Pause ") && !body.trim_end().ends_with(", start]"))
}

fn is_noise(body: &str) -> bool {
    NOISE.iter().any(|n| body.starts_with(n)) || body.is_empty()
}

/// Whether an undecorated line inside an open pause continues it (`: …`,
/// `, 0.02 secs]`, ` (concurrent mode failure)`, ` 21G->20G(22G)`) rather
/// than interrupting it (tenuring, heap-at-GC, class histogram rows).
fn is_continuation(body: &str) -> bool {
    let Some(first) = body.bytes().next() else {
        return false;
    };
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    let histogram_row = digits > 0 && body[digits..].starts_with(": ");
    matches!(first, b':' | b',' | b'(' | b'[') || (first.is_ascii_digit() && !histogram_row)
}

/// Splits `text` into what precedes a trailing decoration and that
/// decoration (the clock of a record glued after it).
fn split_trailing_stamp(text: &str) -> (&str, Stamp) {
    let bytes = text.as_bytes();
    for (i, &c) in bytes.iter().enumerate() {
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'.');
        if c.is_ascii_digit() && boundary {
            let (stamp, rest) = decor::jdk8_prefix(&text[i..]);
            if stamp.is_some() && rest.trim().is_empty() {
                return (&text[..i], stamp);
            }
        }
    }
    (text, Stamp::default())
}

/// Length of a stopped/application-time record: up to its last `seconds`.
fn record_end(record: &str) -> usize {
    let first = record.find("seconds").map_or(record.len(), |i| i + 7);
    match record[first..].strip_prefix(", ") {
        Some(more) if more.starts_with(STOPPING_THREADS) => more
            .find("seconds")
            .map_or(record.len(), |i| first + 2 + i + 7),
        _ => first,
    }
}

/// Appends `text` to `body` without concurrent segments: the segment, the
/// decoration before it and the `[Times: …]` after it.
fn append_without_concurrent(body: &mut String, text: &str) {
    let mut rest = HEAP_PRINTS.first(text).map_or(text, |cut| &text[..cut]);
    while let Some(at) = CONCURRENT_WORDS.first(rest) {
        let mut end = rest[at..].find(']').map_or(rest.len(), |i| at + i + 1);
        let after = &rest[end..];
        if after.trim_start().starts_with("[Times:") {
            end += after.find(']').map_or(after.len(), |i| i + 1);
        }
        body.push_str(strip_trailing_decoration(&rest[..at]));
        rest = &rest[end..];
    }
    body.push_str(rest);
}

/// `text` without the `DATESTAMP: UPTIME: ` glued to its end.
fn strip_trailing_decoration(text: &str) -> &str {
    let mut kept = text;
    loop {
        let trimmed = kept.trim_end();
        let Some(head) = trimmed.strip_suffix(':') else {
            return kept;
        };
        let token_start = head
            .trim_end_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ',')
            .len();
        let token = &head[token_start..];
        if token.contains(['.', ',']) && units::decimal(token).is_some() {
            kept = &head[..token_start];
            continue;
        }
        let date_start = head.len().saturating_sub(28);
        match head.get(date_start..).and_then(decor::zoned_prefix) {
            Some((_, 28)) => kept = &head[..date_start],
            _ => return kept,
        }
    }
}

/// Fills duration, kind, cause, heap and failures from the closed pause
/// text (header to the outermost `]`, exclusive).
fn read_pause(text: &str, pause: &mut GcPause) -> Option<()> {
    pause.duration_ms = match units::trailing_number(text, "secs") {
        Some(secs) => secs * 1000.0,
        None => units::trailing_number(text, "ms")?,
    };
    pause.kind = Some(kind_of(text));
    pause.cause = cause_of(text).map(str::to_string);
    pause.failures = failures_in(text);
    if let Some(heap) = outer_transition(text) {
        set_heap(pause, heap);
    }
    Some(())
}

fn set_heap(pause: &mut GcPause, heap: Transition) {
    pause.heap_before_kb = Some(heap.before_kb);
    pause.heap_after_kb = Some(heap.after_kb);
    pause.heap_capacity_kb = Some(heap.capacity_kb);
}

/// Times and G1 `Heap:` figures from text after the pause closed.
fn apply_details(text: &str, pause: &mut GcPause) {
    if let Some(at) = find(text, "Heap: ")
        && let Some((heap, _)) = units::transition(&text[at + 6..])
    {
        set_heap(pause, heap);
    }
    if let Some(at) = find(text, "[Times:") {
        let times = &text[at..];
        [pause.user_s, pause.sys_s, pause.real_s] = printed_times(times).unwrap_or_else(|| {
            ["user=", "sys=", "real="].map(|key| units::value_after(times, key))
        });
    }
}

/// User, sys and real seconds of `[Times: user=0.01 sys=0.00, real=0.01
/// secs]` exactly as HotSpot prints it, read in one pass; `None` for any
/// other text. In that shape each key's first occurrence is where the shape
/// puts it, so the values are those [`units::value_after`] finds.
fn printed_times(times: &str) -> Option<[Option<f64>; 3]> {
    let rest = times.strip_prefix("[Times: user=")?;
    let (user, rest) = leading_number(rest)?;
    let (sys, rest) = leading_number(rest.strip_prefix(" sys=")?)?;
    let (real, _) = leading_number(rest.strip_prefix(", real=")?)?;
    Some([user, sys, real])
}

/// The number at the start of `s` (as [`units::value_after`] reads it) and
/// the text after it; `None` when `s` starts with no digit.
fn leading_number(s: &str) -> Option<(Option<f64>, &str)> {
    let len = units::number_len(s);
    (len > 0).then(|| (units::decimal(&s[..len]), &s[len..]))
}

/// The last heap transition at the outermost bracket level: the total after
/// the generation blocks.
fn outer_transition(text: &str) -> Option<Transition> {
    let mut depth = 0;
    let mut found = None;
    let mut run_start = 0;
    let brackets = memchr::memchr2_iter(b'[', b']', text.as_bytes());
    for at in brackets.chain(std::iter::once(text.len())) {
        if depth == 1 {
            found = last_transition(&text[run_start..at]).or(found);
        }
        match text.as_bytes().get(at) {
            Some(b'[') => depth += 1,
            Some(_) => depth -= 1,
            None => {}
        }
        run_start = at + 1;
    }
    found
}

/// The last heap transition in `run` (text between brackets), read forward
/// from each number that starts a word. A transition holds a `->`, so none
/// starts at or after the run's last `>`, and the numbers there (the pause's
/// `, 0.0723150 secs`) are not tried.
fn last_transition(run: &str) -> Option<Transition> {
    let bytes = run.as_bytes();
    let end = memchr::memrchr(b'>', bytes)?;
    let mut found = None;
    let mut i = 0;
    while i < end {
        if bytes[i].is_ascii_digit()
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
            && let Some((heap, used)) = units::transition(&run[i..])
        {
            found = Some(heap);
            i += used;
            continue;
        }
        i += 1;
    }
    found
}

/// Words inside a pause that tell its kind, looked for together first:
/// most pauses have none.
static KIND_MARKERS: Words<7> = Words::new([
    "CMS-remark",
    "initial-mark",
    "CMS Initial Mark",
    "(mixed)",
    "[CMS:",
    "[CMS (",
    "[Tenured:",
]);

fn kind_of(text: &str) -> PauseKind {
    let marked = KIND_MARKERS.any(text);
    let has = |word| {
        debug_assert!(KIND_MARKERS.words.contains(&word));
        marked && contains(text, word)
    };
    if text.starts_with("[Full GC") || text.starts_with("[Pause Full") {
        PauseKind::Full
    } else if text.starts_with("[Pause Degenerated") {
        PauseKind::Degenerated
    } else if text.starts_with("[Pause ") {
        PauseKind::Other
    } else if text.starts_with("[GC remark") || has("CMS-remark") {
        PauseKind::Remark
    } else if text.starts_with("[GC cleanup") {
        PauseKind::Cleanup
    } else if has("initial-mark") || has("CMS Initial Mark") {
        PauseKind::InitialMark
    } else if has("(mixed)") {
        PauseKind::Mixed
    } else if ["[CMS:", "[CMS (", "[Tenured:"].into_iter().any(has) {
        PauseKind::Full
    } else {
        PauseKind::Young
    }
}

/// G1 JDK 7 type words printed in the cause position.
const NOT_CAUSES: [&str; 4] = ["young", "mixed", "initial-mark", "partial"];

fn cause_of(text: &str) -> Option<&str> {
    let after = ["[Full GC", "[GC pause", "[Pause Degenerated GC", "[GC"]
        .iter()
        .find_map(|h| text.strip_prefix(h))?;
    let (cause, _) = paren_group(after.trim_start())?;
    (!NOT_CAUSES.contains(&cause)).then_some(cause)
}

/// The collector named by generation blocks or event names.
fn infer_collector(text: &str) -> Option<&'static str> {
    const NAMES: [(&str, &str); 10] = [
        ("ParNew", "CMS"),
        ("CMS", "CMS"),
        ("PSYoungGen", "Parallel"),
        ("ParOldGen", "Parallel"),
        ("PSOldGen", "Parallel"),
        ("DefNew", "Serial"),
        ("Tenured", "Serial"),
        ("[GC pause", "G1"),
        ("[GC remark", "G1"),
        ("[Pause ", "Shenandoah"),
    ];
    NAMES
        .iter()
        .find(|(marker, _)| contains(text, marker))
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use crate::model::{Event, EventKind, GcPause, PauseKind, Safepoint};
    use crate::parse::gc::GcParser;
    use crate::parse::testing::{Collect, run};

    fn pauses(out: &Collect) -> Vec<(&Event, &GcPause)> {
        out.events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::GcPause(p) => Some((e, &**p)),
                _ => None,
            })
            .collect()
    }

    fn safepoints(out: &Collect) -> Vec<(&Event, &Safepoint)> {
        out.events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Safepoint(s) => Some((e, &**s)),
                _ => None,
            })
            .collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    /// Found by fuzzing (`fuzz/` target `gc`): a character of more than one
    /// byte just before a decoration's `:` was cut through.
    #[test]
    fn a_wide_character_before_a_glued_decoration_is_not_cut_through() {
        use super::strip_trailing_decoration as strip;
        assert_eq!(strip("[GC\u{fffd}:"), "[GC\u{fffd}:");
        assert_eq!(strip("[GC\u{fffd}1.5: "), "[GC\u{fffd}");
        let minimised = String::from_utf8_lossy(b"[GC\xbc:[GC concurrent");
        let out = run(GcParser::new(), &minimised);
        assert!(pauses(&out).is_empty(), "an unfinished pause is no pause");
    }

    #[test]
    fn parallel_young_with_cause_heap_and_times() {
        let out = run(
            GcParser::new(),
            "311.238: [GC (Allocation Failure) [PSYoungGen: 198976K->288K(193536K)] 293234K->94666K(535040K), 0.0010589 secs] [Times: user=0.00 sys=0.00, real=0.00 secs]",
        );
        let (e, p) = pauses(&out)[0];
        assert!(close(p.duration_ms, 1.0589));
        assert_eq!(p.kind, Some(PauseKind::Young));
        assert_eq!(p.cause.as_deref(), Some("Allocation Failure"));
        assert_eq!(p.collector, Some("Parallel"));
        assert_eq!(
            (p.heap_before_kb, p.heap_after_kb, p.heap_capacity_kb),
            (Some(293234), Some(94666), Some(535040))
        );
        assert_eq!(p.real_s, Some(0.0));
        assert_eq!(e.time, crate::model::LogTime::Uptime(311.238));
    }

    #[test]
    fn parallel_full_ignores_perm_gen_heap() {
        let out = run(
            GcParser::new(),
            "2016-12-29T15:29:02.741+0100: 5.702: [Full GC [PSYoungGen: 15037K->0K(195520K)] [ParOldGen: 131558K->112415K(280384K)] 146596K->112415K(475904K) [PSPermGen: 6890K->6887K(21248K)], 0.7563620 secs] [Times: user=1.29 sys=0.01, real=0.76 secs]",
        );
        let (e, p) = pauses(&out)[0];
        assert_eq!(p.kind, Some(PauseKind::Full));
        assert!(close(p.duration_ms, 756.362));
        assert_eq!(p.heap_after_kb, Some(112415));
        assert_eq!(p.user_s, Some(1.29));
        assert!(format!("{:?}", e.time).contains("2016-12-29T15:29:02.741+01:00"));
    }

    #[test]
    fn parnew_multiline_with_tenuring_and_stopped_times() {
        let input = "\
Total time for which application threads were stopped: 0.0007600 seconds
16.517: [GC 16.517: [ParNew
Desired survivor size 155254784 bytes, new threshold 1 (max 15)
- age   1:  294536592 bytes,  294536592 total
: 1819392K->289521K(2122624K), 0.3257250 secs] 1819392K->289521K(3891072K), 0.3258050 secs] [Times: user=0.58 sys=0.05, real=0.32 secs] 
Total time for which application threads were stopped: 0.3260170 seconds";
        let out = run(GcParser::new(), input);
        let (e, p) = pauses(&out)[0];
        assert!(close(p.duration_ms, 325.805));
        assert_eq!(p.collector, Some("CMS"));
        assert_eq!(p.kind, Some(PauseKind::Young));
        assert_eq!(p.user_s, Some(0.58));
        assert_eq!(e.line, 2);
        assert_eq!(e.text, "16.517: [GC 16.517: [ParNew");
        let stopped = safepoints(&out);
        assert_eq!(stopped.len(), 2);
        assert!(close(stopped[1].1.duration_ms, 326.017));
        assert!(out.unparsed.is_empty());
    }

    #[test]
    fn cms_promotion_failed_and_concurrent_mode_failure_spliced() {
        let input = "\
2746.109: [GC 2746.109: [ParNew (promotion failed): 242303K->242304K(242304K), 1.3009892 secs]2747.410: [CMS2755.518: [CMS-concurrent-mark: 11.734/13.504 secs] [Times: user=55.81 sys=5.11, real=13.50 secs]
 (concurrent mode failure): 5979868K->5968004K(6014592K), 78.3207206 secs] 6205857K->5968004K(6256896K), [CMS Perm : 207397K->207212K(262144K)], 79.6222096 secs] [Times: user=98.05 sys=4.32, real=79.62 secs]";
        let out = run(GcParser::new(), input);
        let (_, p) = pauses(&out)[0];
        assert!(close(p.duration_ms, 79622.2096));
        assert_eq!(p.kind, Some(PauseKind::Full));
        assert_eq!(p.failures, ["promotion failed", "concurrent mode failure"]);
        assert_eq!(p.heap_after_kb, Some(5968004));
        assert_eq!((p.user_s, p.real_s), (Some(98.05), Some(79.62)));
    }

    #[test]
    fn cms_initial_mark_and_remark() {
        let input = "\
2017-06-19T15:06:50.993+0100: 43479.162: [GC [1 CMS-initial-mark: 2207724K(8388608K)] 3996204K(10424128K), 19.6842155 secs] [Times: user=19.72 sys=0.02, real=19.69 secs]
61.013: [GC (CMS Final Remark) [YG occupancy: 237181 K (471872 K)]61.014: [Rescan (parallel) , 0.0335675 secs]61.047: [weak refs processing, 0.0011687 secs][1 CMS-remark: 1137616K(1572864K)] 1374798K(2044736K), 0.0351204 secs] [Times: user=0.12 sys=0.00, real=0.04 secs]";
        let out = run(GcParser::new(), input);
        let all = pauses(&out);
        assert_eq!(all[0].1.kind, Some(PauseKind::InitialMark));
        assert!(close(all[0].1.duration_ms, 19684.2155));
        assert_eq!(all[1].1.kind, Some(PauseKind::Remark));
        assert_eq!(all[1].1.cause.as_deref(), Some("CMS Final Remark"));
        assert!(close(all[1].1.duration_ms, 35.1204));
    }

    #[test]
    fn serial_decimal_commas() {
        let out = run(
            GcParser::new(),
            "1,319: [GC1,320: [DefNew: 68160K->4425K(76672K), 0,0354890 secs] 68160K->4425K(3137216K), 0,0360580 secs] [Times: user=0,04 sys=0,00, real=0,03 secs]",
        );
        let (e, p) = pauses(&out)[0];
        assert!(close(p.duration_ms, 36.058));
        assert_eq!(p.collector, Some("Serial"));
        assert_eq!(p.user_s, Some(0.04));
        assert_eq!(e.time, crate::model::LogTime::Uptime(1.319));
    }

    #[test]
    fn g1_multiline_details_heap_and_times() {
        let input = "\
2015-05-04T18:08:01.462+0000: 2.192: [GC pause (G1 Evacuation Pause) (young)
Desired survivor size 8388608 bytes, new threshold 15 (max 15)
, 0.0209631 secs]
   [Parallel Time: 12.6 ms, GC Workers: 6]
      [GC Worker Start (ms): Min: 26214.3, Avg: 26215.9, Max: 26218.8, Diff: 4.4]
   [Other: 8.2 ms]
   [Eden: 128.0M(128.0M)->0.0B(112.0M) Survivors: 0.0B->16.0M Heap: 128.0M(30.0G)->24.9M(30.0G)]
 [Times: user=0.09 sys=0.02, real=0.03 secs]
2015-05-04T18:08:02.462+0000: 3.192: Total time for which application threads were stopped: 0.0212000 seconds, Stopping threads took: 0.0000269 seconds";
        let out = run(GcParser::new(), input);
        assert_eq!(pauses(&out).len(), 1);
        assert!(out.warnings.is_empty());
        let (_, p) = pauses(&out)[0];
        assert!(close(p.duration_ms, 20.9631));
        assert_eq!(p.cause.as_deref(), Some("G1 Evacuation Pause"));
        assert_eq!(p.collector, Some("G1"));
        assert_eq!(
            (p.heap_before_kb, p.heap_after_kb),
            (Some(131072), Some(25498))
        );
        assert_eq!((p.sys_s, p.real_s), (Some(0.02), Some(0.03)));
        let (e, s) = safepoints(&out)[0];
        assert!(close(s.time_to_safepoint_ms.unwrap(), 0.0269));
        assert!(format!("{:?}", e.time).contains("2015-05-04T18:08:02.440800+00:00"));
    }

    #[test]
    fn g1_one_liners_mixed_full_cleanup_to_space() {
        let input = "\
426354.782: [GC pause (G1 Evacuation Pause) (young) 8180M->169M(24576M), 23.4953831 secs]
105.151: [Full GC (System.gc()) 5820M->1381M(30G), 5.5390169 secs]
2972.698: [GC cleanup 13G->12G(30G), 0.0358748 secs]
10.5: [GC pause (G1 Evacuation Pause) (mixed) (to-space exhausted), 0.2000000 secs]";
        let out = run(GcParser::new(), input);
        let all = pauses(&out);
        assert_eq!(all[0].1.heap_capacity_kb, Some(25165824));
        assert_eq!(all[1].1.kind, Some(PauseKind::Full));
        assert_eq!(all[1].1.cause.as_deref(), Some("System.gc()"));
        assert_eq!(all[2].1.kind, Some(PauseKind::Cleanup));
        assert_eq!(all[3].1.kind, Some(PauseKind::Mixed));
        assert_eq!(all[3].1.failures, ["to-space exhausted"]);
    }

    #[test]
    fn g1_full_with_concurrent_lines_inside() {
        let input = "\
2017-02-27T02:55:32.523+0300: 35911.404: [Full GC (Allocation Failure)2017-02-27T02:55:32.524+0300: 35911.405: [GC concurrent-root-region-scan-end, 0.0127300 secs]
2017-02-27T02:55:32.524+0300: 35911.405: [GC concurrent-mark-start]
 21G->20G(22G), 40.6782890 secs]
   [Eden: 0.0B(1040.0M)->0.0B(1120.0M) Survivors: 80.0M->0.0B Heap: 22.0G(22.0G)->20.6G(22.0G)], [Perm: 1252884K->1252884K(2097152K)]
 [Times: user=56.34 sys=1.78, real=40.67 secs]";
        let out = run(GcParser::new(), input);
        let all = pauses(&out);
        assert_eq!(all.len(), 1);
        assert!(close(all[0].1.duration_ms, 40678.289));
        assert_eq!(all[0].1.cause.as_deref(), Some("Allocation Failure"));
        assert_eq!(all[0].1.real_s, Some(40.67));
    }

    #[test]
    fn g1_pause_resumed_after_a_concurrent_line() {
        let input = "\
537.122: [GC pause (G1 Evacuation Pause) (young)537.123: [GC concurrent-root-region-scan-start]
537.142: [GC concurrent-root-region-scan-end, 0.0189841 secs] (to-space exhausted), 0.3314995 secs][Eden: 0.0B(151.0M)->0.0B(153.0M) Survivors: 2048.0K->0.0B Heap: 3038.7M(3072.0M)->3038.7M(3072.0M)] [Times: user=0.20 sys=0.00, real=0.33 secs]";
        let out = run(GcParser::new(), input);
        let (e, p) = pauses(&out)[0];
        assert!(close(p.duration_ms, 331.4995));
        assert_eq!(p.failures, ["to-space exhausted"]);
        assert_eq!(p.heap_capacity_kb, Some(3072 * 1024));
        assert_eq!(p.real_s, Some(0.33));
        assert_eq!(e.time, crate::model::LogTime::Uptime(537.122));
    }

    #[test]
    fn shenandoah_jdk8_pauses_logged_at_end_in_ms() {
        let input = "\
2022-08-17T16:20:47.685+0800: 2.469: [Pause Init Mark (process weakrefs), start]
    Using 2 of 2 workers for init marking
2022-08-17T16:20:47.688+0800: 2.472: [Pause Init Mark (process weakrefs), 3.341 ms]
2022-08-17T16:20:48.555+0800: 3.338: [Concurrent marking (process weakrefs), 866.393 ms]
2021-03-23T20:57:46.427+0000: 120839.710: [Pause Full 1589M->1002M(1690M), 4077.274 ms]";
        let out = run(GcParser::new(), input);
        let all = pauses(&out);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].1.kind, Some(PauseKind::Other));
        assert!(format!("{:?}", all[0].0.time).contains("16:20:47.684659"));
        assert_eq!(all[1].1.kind, Some(PauseKind::Full));
        assert!(close(all[1].1.duration_ms, 4077.274));
        assert_eq!(all[1].1.collector, Some("Shenandoah"));
        assert_eq!(
            all[1].1.logged_at,
            crate::model::LoggedAt::End,
            "moved back to its start"
        );
    }

    #[test]
    fn stopped_time_glued_after_a_pause() {
        let input = "5.0: [GC (Allocation Failure) [PSYoungGen: 10K->1K(20K)] 10K->1K(40K), 0.0100000 secs] [Times: user=0.01 sys=0.00, real=0.01 secs]5.011: Total time for which application threads were stopped: 0.0110000 seconds";
        let out = run(GcParser::new(), input);
        assert_eq!(pauses(&out).len(), 1);
        let (e, s) = safepoints(&out)[0];
        assert!(close(s.duration_ms, 11.0));
        assert_eq!(e.time, crate::model::LogTime::Uptime(5.0));
        assert_eq!(s.logged_at, crate::model::LoggedAt::End);
        assert_eq!(
            pauses(&out)[0].1.logged_at,
            crate::model::LoggedAt::Start,
            "datestamps mark the start"
        );
    }

    #[test]
    fn rotation_header_gives_local_times() {
        let input = "\
2016-04-14 22:37:22 GC log file created logs/gc.log.1
100.000: [GC (Allocation Failure) [PSYoungGen: 10K->1K(20K)] 10K->1K(40K), 0.0100000 secs]
160.000: [GC (Allocation Failure) [PSYoungGen: 10K->1K(20K)] 10K->1K(40K), 0.0100000 secs]";
        let out = run(GcParser::new(), input);
        let times: Vec<String> = pauses(&out)
            .iter()
            .map(|(e, _)| format!("{:?}", e.time))
            .collect();
        assert_eq!(
            times,
            ["Local(2016-04-14T22:37:22)", "Local(2016-04-14T22:38:22)"]
        );
    }

    #[test]
    fn heap_at_gc_blocks_are_skipped() {
        let input = "\
{Heap before GC invocations=1 (full 0):
 par new generation   total 471872K, used 419456K [0x00000006fae00000, 0x000000071ae00000, 0x000000071ae00000)
}
1.0: [GC (Allocation Failure) [PSYoungGen: 10K->1K(20K)] 10K->1K(40K), 0.0100000 secs]";
        let out = run(GcParser::new(), input);
        assert_eq!(pauses(&out).len(), 1);
        assert!(out.unparsed.is_empty());
    }

    #[test]
    fn heap_at_gc_glued_into_cms_full() {
        let input = "\
28282.075: [Full GC {Heap before gc invocations=528:
 par new generation   total 261952K, used 261760K [0x80b90000, 0x90b90000, 0x90b90000)
28282.075: [CMS28284.687: [CMS-concurrent-preclean: 3.706/3.706 secs]
 (concurrent mode failure): 1179601K->1179648K(1179648K), 10.7510650 secs] 1441361K->1180553K(1441600K), [CMS Perm : 71172K->71171K(262144K)]Heap after gc invocations=529:
  eden space 261760K,   0% used [0x80b90000, 0x80c727c0, 0x90b30000)
}
, 10.7512580 secs] [Times: user=10.72 sys=0.01, real=10.75 secs]";
        let out = run(GcParser::new(), input);
        let (_, p) = pauses(&out)[0];
        assert!(close(p.duration_ms, 10751.258));
        assert_eq!(p.kind, Some(PauseKind::Full));
        assert_eq!(p.failures, ["concurrent mode failure"]);
        assert_eq!(p.heap_after_kb, Some(1180553));
    }

    #[test]
    fn heap_block_before_pause_and_gc_id_prefix() {
        let input = "\
{Heap before GC invocations=1 (full 0):
 PSYoungGen      total 154112K, used 26428K [0x460c0000, 0x50cc0000, 0x50cc0000)
2.998: [GC (System.gc()) [PSYoungGen: 26428K->4457K(154112K)] 26428K->4461K(502272K), 0.0103603 secs] [Times: user=0.01 sys=0.00, real=0.01 secs]
Heap after GC invocations=1 (full 0):
}
2022-08-01T17:17:33.375+0000: 0.163: #0: [GC pause (G1 Evacuation Pause) (young), 0.0087570 secs]";
        let out = run(GcParser::new(), input);
        let all = pauses(&out);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].1.cause.as_deref(), Some("System.gc()"));
        assert!(close(all[1].1.duration_ms, 8.757));
    }

    #[test]
    fn truncated_event_is_dropped_with_warning() {
        let out = run(
            GcParser::new(),
            "16.517: [GC 16.517: [ParNew\nDesired survivor size 1 bytes",
        );
        assert!(pauses(&out).is_empty());
        assert_eq!(out.warnings.len(), 1);
    }

    #[test]
    fn printed_times_agree_with_the_search_by_key() {
        use super::{printed_times, units::value_after};
        for times in [
            "[Times: user=0.01 sys=0.00, real=0.01 secs]",
            "[Times: user=0,04 sys=0,00, real=0,03 secs]",
            "[Times: user=139.12 sys=0.85, real=35.22 secs] ",
            "[Times: user=99999999999999999999 sys=1, real=2 secs]",
            "[Times: user=1 sys=2, real=3",
        ] {
            let by_key = ["user=", "sys=", "real="].map(|key| value_after(times, key));
            assert_eq!(printed_times(times), Some(by_key), "{times}");
        }
        for other in [
            "[Times: user=-0.01 sys=0.00, real=0.01 secs]",
            "[Times: user=0.01.5 sys=0.00, real=0.01 secs]",
            "[Times: user= 0.01 sys=0.00, real=0.01 secs]",
            "[Times: sys=0.00, real=0.01 secs]",
        ] {
            assert_eq!(printed_times(other), None, "{other}");
        }
    }

    /// The transition scan as it was before it skipped to brackets and
    /// stopped at each run's last `>`: one byte at a time.
    fn outer_transition_bytewise(text: &str) -> Option<super::Transition> {
        let bytes = text.as_bytes();
        let (mut depth, mut found, mut i) = (0, None, 0);
        while i < bytes.len() {
            match bytes[i] {
                b'[' => depth += 1,
                b']' => depth -= 1,
                c if depth == 1
                    && c.is_ascii_digit()
                    && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) =>
                {
                    if let Some((heap, used)) = super::units::transition(&text[i..]) {
                        found = Some(heap);
                        i += used;
                        continue;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        found
    }

    #[test]
    fn outer_transition_agrees_with_the_bytewise_scan() {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut texts: Vec<String> = [
            "[GC (Allocation Failure) [PSYoungGen: 10K->1K(20K)] 10K->1K(40K), 0.01 secs",
            "[GC 1K->2K(3K)->4K(5K) x9K->1K(2K) 7K->6K(8K)]] 3K->2K(9K)",
            "[Full GC 5820M->1381M(30G) [PSPermGen: 1K->1K(2K)] 128.0M(30.0G)->24.9M(30.0G)",
            "]]1K->2K(3K)[[4K->5K(6K)]7K->8K(9K)é 1K->0K(1K)>",
        ]
        .map(String::from)
        .to_vec();
        for host in std::fs::read_dir(&fixtures).unwrap().flatten() {
            for log in ["infagw01/logs/node01/gc.log", "infawk01/logs/node03/gc.log"] {
                let text = std::fs::read_to_string(host.path().join(log)).unwrap_or_default();
                texts.extend(text.lines().map(String::from));
            }
        }
        for text in &texts {
            let opening = |&i: &usize| i == 0 || text.as_bytes()[i - 1] == b'[';
            for start in (0..text.len()).filter(opening) {
                let tail = &text[start..];
                let expected = outer_transition_bytewise(tail);
                assert_eq!(super::outer_transition(tail), expected, "{tail}");
            }
        }
    }

    #[test]
    fn application_lines_are_unparsed_not_fatal() {
        let out = run(
            GcParser::new(),
            "INFO starting app [main]\n2.0: Application time: 0.1 seconds",
        );
        assert_eq!(out.unparsed, [1]);
        assert!(out.events.is_empty());
    }
}
