//! Never panic on input: every parser, and the signal catalog behind it,
//! gets thousands of mangled versions of real lines from the fixtures
//! (cut, spliced, with separators, brackets, quotes, digits and non-ASCII
//! text thrown in). A deterministic generator keeps failures reproducible.

use hbdiag::definitions::builtin;
use hbdiag::model::{Event, SourceKind};
use hbdiag::parse::{Sink, parser_for};
use hbdiag::read::Line;
use hbdiag::signals::{Scratch, SignalCatalog};
use std::path::Path;

/// Files whose lines seed the mutations, with the kind to parse them as.
const SEEDS: [(&str, SourceKind); 9] = [
    (
        "db-outage/infagw01/logs/node01/exceptions.log",
        SourceKind::ExceptionsLog,
    ),
    (
        "db-outage/infagw01/logs/node01/node.log",
        SourceKind::NodeLog,
    ),
    ("gc-master/infagw01/logs/node01/gc.log", SourceKind::GcLog),
    ("gc-worker/infawk01/logs/node03/gc.log", SourceKind::GcLog),
    (
        "starved-master/infagw01/vmstat-infagw01.log",
        SourceKind::SystemMetrics,
    ),
    ("huawei-samples/alarms-en.csv", SourceKind::AlarmExport),
    ("huawei-samples/alarms-zh.csv", SourceKind::AlarmExport),
    ("huawei-samples/flinkserver.log", SourceKind::RoleLog),
    ("huawei-samples/prestart.log", SourceKind::ScriptLog),
];

const NOISE: [&str; 16] = [
    "[",
    "]",
    "(",
    ")",
    " | ",
    "|",
    ",",
    "\"",
    "\t",
    ":",
    "->",
    "K(",
    "secs]",
    "告警",
    "\u{fffd}",
    "9999999999999999999",
];

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn mutate(line: &str, other: &str, rng: &mut Rng) -> String {
    let at = char_boundary(line, rng.below(line.len() + 1));
    match rng.below(5) {
        0 => line[..at].to_string(),
        1 => format!(
            "{}{}{}",
            &line[..at],
            NOISE[rng.below(NOISE.len())],
            &line[at..]
        ),
        2 => {
            let from = char_boundary(other, rng.below(other.len() + 1));
            format!("{}{}", &line[..at], &other[from..])
        }
        3 => line[at..].to_string(),
        _ => line.replacen(
            char::is_numeric,
            NOISE[rng.below(NOISE.len())],
            1 + rng.below(4),
        ),
    }
}

#[derive(Default)]
struct Count(u64);

impl Sink for Count {
    fn event(&mut self, _: Event) {
        self.0 += 1;
    }
    fn unparsed(&mut self, _: &Line<'_>) {}
    fn warning(&mut self, _: u64, _: String) {}
}

#[test]
fn mangled_real_lines_never_panic_any_parser() {
    let catalog = SignalCatalog::build(&builtin()).expect("built-in signals compile");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (file, kind) in SEEDS {
        let text =
            std::fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let lines: Vec<&str> = text.lines().take(400).collect();
        assert!(lines.len() > 2, "{file} is too short to seed mutations");
        let mut parser = parser_for(kind).expect("every seeded kind has a parser");
        let mut sink = Count::default();
        for round in 0..3000u64 {
            let line = lines[rng.below(lines.len())];
            let other = lines[rng.below(lines.len())];
            let mangled = mutate(line, other, &mut rng);
            parser.line(
                &Line {
                    number: round + 1,
                    text: &mangled,
                },
                &mut sink,
            );
        }
        parser.finish(&mut sink);
        let mut scratch = Scratch::default();
        let mut check = parser_for(kind).expect("parser");
        struct Classify<'a>(&'a SignalCatalog, SourceKind, &'a mut Scratch);
        impl Sink for Classify<'_> {
            fn event(&mut self, event: Event) {
                self.0.classify(self.1, &event, self.2);
            }
            fn unparsed(&mut self, _: &Line<'_>) {}
            fn warning(&mut self, _: u64, _: String) {}
        }
        let mut classify = Classify(&catalog, kind, &mut scratch);
        for (i, line) in lines.iter().enumerate() {
            check.line(
                &Line {
                    number: i as u64 + 1,
                    text: line,
                },
                &mut classify,
            );
        }
        check.finish(&mut classify);
        assert!(
            sink.0 > 0,
            "{file}: mangled input still yields some records"
        );
    }
}
