//! Java GC logs of any JVM, streamed line by line: HotSpot JDK ≤ 8
//! `-XX:+PrintGCDetails` ([`jdk8`]), JDK 9+ unified logging ([`unified`]) and
//! OpenJ9/IBM J9 verbose GC XML ([`j9`]). The dialect is decided per line, so
//! a file that mixes them (a restart on another JVM, concatenated logs) still
//! parses. Output: [`GcPause`], [`Safepoint`] and allocation-stall events
//! whose time is the start of the stop.

mod decor;
mod j9;
mod jdk8;
mod unified;
mod units;

use super::{Parser, Sink, evidence_text};
use crate::model::{Event, EventKind, GcPause, LogTime, LoggedAt, Safepoint};
use crate::read::Line;
use aho_corasick::{AhoCorasick, MatchKind};
use chrono::{Duration, NaiveDateTime};
use decor::Stamp;
use std::sync::OnceLock;

/// Parser for GC logs of every supported JVM and dialect.
#[derive(Default)]
pub struct GcParser {
    clock: Clock,
    jdk8: jdk8::Jdk8,
    unified: unified::Unified,
    j9: j9::J9,
}

impl GcParser {
    /// A parser that has seen no line yet.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Parser for GcParser {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        self.dialects(line, &mut Checked(sink));
    }

    fn finish(&mut self, sink: &mut dyn Sink) {
        let sink = &mut Checked(sink);
        self.jdk8.finish(&mut self.clock, sink);
        self.unified.finish(sink);
        self.j9.finish(sink);
    }
}

impl GcParser {
    fn dialects(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        let text = line.text;
        if text.trim_start().starts_with('<') {
            self.jdk8.interrupt(&mut self.clock, sink);
            self.unified.finish(sink);
            self.j9.line(line, sink);
        } else if let Some(decorated) = decor::unified(text) {
            self.jdk8.interrupt(&mut self.clock, sink);
            self.unified.line(line, &decorated, &mut self.clock, sink);
        } else {
            self.unified.finish(sink);
            self.jdk8.line(line, &mut self.clock, sink);
        }
    }
}

/// Longest stop believed: a day. A JVM stopped longer than that is hung, not
/// paused, and a larger figure (`1e308 secs`) is a damaged line.
const MAX_STOP_MS: f64 = 86_400_000.0;

/// Passes on the dialects' events whose duration can be true: a negative,
/// non-finite or absurd one (over [`MAX_STOP_MS`]) is dropped with a
/// warning at its line, before it can move a time or fill a window.
struct Checked<'a>(&'a mut dyn Sink);

impl Checked<'_> {
    fn admits(&mut self, event: &Event) -> bool {
        let Some((duration_ms, _)) = event.span() else {
            return true;
        };
        if (0.0..=MAX_STOP_MS).contains(&duration_ms) {
            return true;
        }
        self.0.warning(
            event.line,
            format!(
                "GC event with an impossible duration ({} s) was ignored",
                duration_ms / 1000.0
            ),
        );
        false
    }
}

impl Sink for Checked<'_> {
    fn event(&mut self, event: Event) {
        if self.admits(&event) {
            self.0.event(event);
        }
    }
    fn lend(&mut self, event: &Event, evidence: &str) {
        if self.admits(event) {
            self.0.lend(event, evidence);
        }
    }
    fn unparsed(&mut self, line: &Line<'_>) {
        self.0.unparsed(line);
    }
    fn warning(&mut self, line: u64, message: String) {
        self.0.warning(line, message);
    }
}

/// What the parser knows about the file's clocks and JVM, shared by the
/// dialects.
#[derive(Default)]
struct Clock {
    /// Time of a `GC log file created` header not yet tied to an uptime.
    rotation: Option<NaiveDateTime>,
    /// Local wall time of JVM start, from a rotation header.
    jvm_start: Option<NaiveDateTime>,
    /// The latest time seen, for undecorated stopped-time lines.
    last: Option<LogTime>,
    /// Collector named by the log (`Using G1`) or inferred from an event.
    collector: Option<&'static str>,
}

impl Clock {
    /// The best time for a decoration: the datestamp, else uptime anchored
    /// to the rotation header (wall = header − first uptime + uptime), else
    /// bare uptime. Remembers it as the latest time.
    fn time(&mut self, stamp: Stamp) -> Option<LogTime> {
        let time = match (stamp.wall, stamp.uptime) {
            (Some(wall), _) => LogTime::Zoned(wall),
            (None, Some(uptime)) => self.anchored(uptime),
            (None, None) => return None,
        };
        self.last = Some(time);
        Some(time)
    }

    fn anchored(&mut self, uptime: f64) -> LogTime {
        let offset = Duration::microseconds((uptime * 1.0e6).round() as i64);
        if let Some(header) = self.rotation.take() {
            self.jvm_start = header.checked_sub_signed(offset);
        }
        match self.jvm_start.and_then(|s| s.checked_add_signed(offset)) {
            Some(wall) => LogTime::Local(wall),
            None => LogTime::Uptime(uptime),
        }
    }

    /// The latest time seen, or uptime zero when the file has no clock.
    fn latest(&self) -> LogTime {
        self.last.unwrap_or(LogTime::Uptime(0.0))
    }
}

/// A pause event starting at `start`, evidenced by `line`.
fn pause_event(line: u64, text: String, start: LogTime, pause: GcPause) -> Event {
    Event {
        line,
        time: start,
        level: None,
        text,
        host: None,
        kind: EventKind::GcPause(Box::new(pause)),
    }
}

/// A safepoint that ended at `end` (start = end − duration) unless its start
/// is known.
fn safepoint_event(line: &Line<'_>, start: LogTime, mut safepoint: Safepoint) -> Event {
    safepoint.logged_at = LoggedAt::End;
    Event {
        line: line.number,
        time: start,
        level: None,
        text: evidence_text(line.text),
        host: None,
        kind: EventKind::Safepoint(Box::new(safepoint)),
    }
}

/// Failure markers that make a pause worse than its kind says.
const FAILURE_MARKERS: [&str; 5] = [
    "promotion failed",
    "concurrent mode failure",
    "concurrent mode interrupted",
    "to-space exhausted",
    "to-space overflow",
];

/// All failure markers in one case-insensitive automaton: one pass per pause.
static FAILURE_FINDER: std::sync::LazyLock<aho_corasick::AhoCorasick> =
    std::sync::LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(FAILURE_MARKERS)
            .expect("plain literals build")
    });

/// Every case variant of the markers' first three bytes, in one SIMD
/// searcher: the case-insensitive automaton has no prefilter and walks every
/// byte of every pause, while nearly no pause holds a marker. `None` where
/// the CPU has no SIMD for it.
static FAILURE_HINT: std::sync::LazyLock<Option<aho_corasick::packed::Searcher>> =
    std::sync::LazyLock::new(|| {
        let mut builder = aho_corasick::packed::Config::new().builder();
        for marker in FAILURE_MARKERS {
            for variant in case_variants(&marker.as_bytes()[..3]) {
                builder.add(variant);
            }
        }
        builder.build()
    });

/// `word` with its ASCII letters in every combination of cases.
fn case_variants(word: &[u8]) -> Vec<Vec<u8>> {
    let mut variants = vec![Vec::new()];
    for &c in word {
        let cases = [c.to_ascii_lowercase(), c.to_ascii_uppercase()];
        let cases = if cases[0] == cases[1] {
            &cases[..1]
        } else {
            &cases[..]
        };
        variants = variants
            .iter()
            .flat_map(|v| cases.iter().map(move |&c| [&v[..], &[c]].concat()))
            .collect();
    }
    variants
}

/// Whether `text` may hold a failure marker.
fn may_hold_failure(text: &str) -> bool {
    FAILURE_HINT
        .as_ref()
        .is_none_or(|hint| hint.find(text).is_some())
}

/// The failure markers in `text`, in the vocabulary of [`FAILURE_MARKERS`]
/// and in that order.
fn failures_in(text: &str) -> Vec<String> {
    if !may_hold_failure(text) {
        return Vec::new();
    }
    let mut found = [false; FAILURE_MARKERS.len()];
    for hit in FAILURE_FINDER.find_iter(text) {
        found[hit.pattern().as_usize()] = true;
    }
    FAILURE_MARKERS
        .iter()
        .zip(found)
        .filter(|(_, hit)| *hit)
        .map(|(m, _)| (*m).to_string())
        .collect()
}

/// `text.find(needle)` for a non-empty `needle` in the short tails of a
/// pause (`[Times: user=…`): the bytes that can start the word are few
/// there, and building a substring searcher per search cost more than the
/// search.
fn find(text: &str, needle: &str) -> Option<usize> {
    let (bytes, word) = (text.as_bytes(), needle.as_bytes());
    memchr::memchr_iter(*word.first()?, bytes).find(|&at| bytes[at..].starts_with(word))
}

/// Whether `text` contains `needle`, by [`find`].
fn contains(text: &str, needle: &str) -> bool {
    find(text, needle).is_some()
}

/// Fixed words looked for in whole lines, all in one pass: an Aho-Corasick
/// automaton, built on first use, whose SIMD prefilter skips the bytes that
/// cannot start a word. Looking for each word in turn was most of the parse.
struct Words<const N: usize> {
    words: [&'static str; N],
    automaton: OnceLock<AhoCorasick>,
}

impl<const N: usize> Words<N> {
    const fn new(words: [&'static str; N]) -> Self {
        Words {
            words,
            automaton: OnceLock::new(),
        }
    }

    fn automaton(&self) -> &AhoCorasick {
        self.automaton.get_or_init(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(self.words)
                .expect("plain literals build")
        })
    }

    /// Where the first word in `text` starts: the least of the words'
    /// `str::find`s.
    fn first(&self, text: &str) -> Option<usize> {
        self.automaton().find(text).map(|hit| hit.start())
    }

    /// Whether `text` contains any of the words.
    fn any(&self, text: &str) -> bool {
        self.automaton().is_match(text)
    }
}

/// The contents of the balanced `(…)` at the start of `s` and the bytes used.
fn paren_group(s: &str) -> Option<(&str, usize)> {
    if !s.starts_with('(') {
        return None;
    }
    let mut depth = 0;
    for i in memchr::memchr2_iter(b'(', b')', s.as_bytes()) {
        if s.as_bytes()[i] == b'(' {
            depth += 1;
        } else {
            depth -= 1;
            if depth == 0 {
                return Some((&s[1..i], i + 1));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::testing::run;

    #[test]
    fn mixed_dialects_in_one_file() {
        let input = "\
311.238: [GC (Allocation Failure) [PSYoungGen: 198976K->288K(193536K)] 293234K->94666K(535040K), 0.0010589 secs] [Times: user=0.00 sys=0.00, real=0.00 secs]
[0.092s][info][gc             ] GC(3) Pause Full (Ergonomics) 0M->0M(3M) 1.849ms
<exclusive-start id=\"2\" timestamp=\"2015-12-31T15:22:46.957\" intervalms=\"3955.367\">
<gc-start id=\"5\" type=\"scavenge\" contextid=\"4\" timestamp=\"2015-12-31T15:22:46.957\">
<exclusive-end id=\"13\" timestamp=\"2015-12-31T15:22:46.982\" durationms=\"25.388\" />";
        let out = run(GcParser::new(), input);
        let durations: Vec<f64> = out
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::GcPause(p) => Some(p.duration_ms),
                _ => None,
            })
            .collect();
        assert_eq!(durations, [1.0589, 1.849, 25.388]);
        assert!(out.unparsed.is_empty());
    }

    #[test]
    fn negative_and_absurd_durations_are_dropped_with_a_warning() {
        let input = "\
5.000: [GC (Allocation Failure) [PSYoungGen: 10K->1K(20K)] 10K->1K(40K), -5.0 secs] [Times: user=0.01 sys=0.00, real=0.01 secs]
6.000: [GC (Allocation Failure) [PSYoungGen: 10K->1K(20K)] 10K->1K(40K), 1e308 secs] [Times: user=0.01 sys=0.00, real=0.01 secs]
7.000: [GC (Allocation Failure) [PSYoungGen: 10K->1K(20K)] 10K->1K(40K), 0.0100000 secs] [Times: user=0.01 sys=0.00, real=0.01 secs]
[8.000s][info][gc] GC(4) Pause Young (Normal) (G1 Evacuation Pause) 24M->4M(256M) -3.5ms
[9.000s][info][gc] GC(5) Pause Young (Normal) (G1 Evacuation Pause) 24M->4M(256M) 99999999999999ms";
        let out = run(GcParser::new(), input);
        let lines: Vec<u64> = out.events.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3], "{:?}", out.events);
        let warned: Vec<u64> = out.warnings.iter().map(|(l, _)| *l).collect();
        assert_eq!(warned, [1, 2, 4, 5], "{:?}", out.warnings);
        assert!(out.warnings[0].1.contains("impossible duration (-5 s)"));
    }

    #[test]
    fn failure_hint_admits_every_marker_in_any_case() {
        assert_eq!(case_variants(b"to-").len(), 4);
        for marker in FAILURE_MARKERS {
            for text in [
                marker.to_string(),
                marker.to_uppercase(),
                format!("x ({marker}) y"),
            ] {
                assert!(may_hold_failure(&text), "{text}");
                assert_eq!(failures_in(&text), [marker]);
            }
        }
        let plain = "[GC (Allocation Failure) [PSYoungGen: 10K->1K(20K)] 10K->1K(40K), 0.01 secs]";
        assert!(!may_hold_failure(plain));
    }

    #[test]
    fn words_agree_with_str_find_and_contains() {
        static SOME: Words<3> = Words::new(["[CMS (", "(mixed)", "CMS"]);
        for text in [
            "x [CMS (mixed) y",
            "(mixed) CMS",
            "none",
            "",
            "[CMS (",
            "é(mixed)",
        ] {
            let least = SOME.words.iter().filter_map(|w| text.find(w)).min();
            assert_eq!(SOME.first(text), least, "{text}");
            assert_eq!(SOME.any(text), least.is_some(), "{text}");
            for word in SOME.words {
                assert_eq!(contains(text, word), text.contains(word), "{text}");
            }
        }
    }

    #[test]
    fn paren_groups_nest() {
        assert_eq!(paren_group("(System.gc()) 5M"), Some(("System.gc()", 13)));
        assert_eq!(paren_group("(open"), None);
    }

    #[test]
    fn rotation_header_anchors_uptime_to_local_time() {
        let mut clock = Clock {
            rotation: decor::rotation_header("2016-04-14 22:37:22 GC log file created x"),
            ..Clock::default()
        };
        let first = clock.time(Stamp {
            wall: None,
            uptime: Some(100.0),
        });
        let later = clock.time(Stamp {
            wall: None,
            uptime: Some(160.5),
        });
        assert_eq!(format!("{first:?}"), "Some(Local(2016-04-14T22:37:22))");
        assert_eq!(format!("{later:?}"), "Some(Local(2016-04-14T22:38:22.500))");
    }
}
