//! Corpus checker for the GC parser: parses every file under a directory,
//! prints one line per file and checks reference figures from garbagecat
//! and GCViewer for the files it knows. Exits non-zero when a figure is off.
//! It lives outside `src/` and `tests/` because the corpus is not part of
//! the repository.
//!
//! `cargo run --release --example gc_corpus -- /path/to/corpus/gc`

use hbdiag::model::{Event, EventKind, GcPause, PauseKind, Safepoint};
use hbdiag::parse::gc::GcParser;
use hbdiag::parse::{Parser, Sink};
use hbdiag::read::{DEFAULT_MAX_LINE, Line, LineReader};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Allowed difference from a reference figure, in seconds.
const TOLERANCE_S: f64 = 1e-6;

/// What one file yielded.
#[derive(Default)]
struct Parsed {
    pauses: Vec<GcPause>,
    safepoints: Vec<Safepoint>,
    unparsed: u64,
    warnings: u64,
    /// Lines that look like they report a pause, to flag files that yield none.
    pause_like_lines: u64,
}

impl Sink for Parsed {
    fn event(&mut self, event: Event) {
        match event.kind {
            EventKind::GcPause(pause) => self.pauses.push(*pause),
            EventKind::Safepoint(safepoint) => self.safepoints.push(*safepoint),
            _ => {}
        }
    }
    fn unparsed(&mut self, _line: &Line<'_>) {
        self.unparsed += 1;
    }
    fn warning(&mut self, _line: u64, _message: String) {
        self.warnings += 1;
    }
}

impl Parsed {
    fn pause_secs(&self) -> impl Iterator<Item = f64> + '_ {
        self.pauses.iter().map(|p| p.duration_ms / 1000.0)
    }
    fn total_s(&self) -> f64 {
        self.pause_secs().sum::<f64>() + 0.0
    }
    fn max_s(&self) -> f64 {
        self.pause_secs().fold(0.0, f64::max)
    }
    fn stopped_total_s(&self) -> f64 {
        self.safepoints
            .iter()
            .map(|s| s.duration_ms / 1000.0)
            .sum::<f64>()
            + 0.0
    }
    fn stopped_max_s(&self) -> f64 {
        self.safepoints
            .iter()
            .map(|s| s.duration_ms / 1000.0)
            .fold(0.0, f64::max)
    }
    fn longest_of(&self, kind: PauseKind) -> Option<&GcPause> {
        self.pauses
            .iter()
            .filter(|p| p.kind == Some(kind))
            .max_by(|a, b| a.duration_ms.total_cmp(&b.duration_ms))
    }
}

/// A reference figure for a file whose path ends with `file`.
struct Check {
    file: &'static str,
    what: &'static str,
    expected: f64,
    actual: fn(&Parsed) -> Option<f64>,
}

const CHECKS: &[Check] = &[
    Check {
        file: "garbagecat/dataset96.txt",
        what: "pause count",
        expected: 3.0,
        actual: |p| Some(p.pauses.len() as f64),
    },
    Check {
        file: "garbagecat/dataset96.txt",
        what: "total pause s",
        expected: 2.097502,
        actual: |p| Some(p.total_s()),
    },
    Check {
        file: "garbagecat/dataset96.txt",
        what: "stopped total s",
        expected: 1.830511,
        actual: |p| Some(p.stopped_total_s()),
    },
    Check {
        file: "garbagecat/dataset12.txt",
        what: "longest pause s",
        expected: 79.6222096,
        actual: |p| Some(p.max_s()),
    },
    Check {
        file: "garbagecat/dataset116.txt",
        what: "longest pause s",
        expected: 40.678289,
        actual: |p| Some(p.max_s()),
    },
    Check {
        file: "garbagecat/dataset130.txt",
        what: "CMS initial mark s",
        expected: 19.6842155,
        actual: |p| {
            p.longest_of(PauseKind::InitialMark)
                .map(|x| x.duration_ms / 1000.0)
        },
    },
    Check {
        file: "garbagecat/dataset184.txt",
        what: "Full pause s",
        expected: 3.460196,
        actual: |p| {
            p.longest_of(PauseKind::Full)
                .map(|x| x.duration_ms / 1000.0)
        },
    },
    Check {
        file: "garbagecat/dataset184.txt",
        what: "Full pause User s",
        expected: 1.78,
        actual: |p| p.longest_of(PauseKind::Full).and_then(|x| x.user_s),
    },
    Check {
        file: "garbagecat/dataset184.txt",
        what: "Full pause Real s",
        expected: 3.46,
        actual: |p| p.longest_of(PauseKind::Full).and_then(|x| x.real_s),
    },
    Check {
        file: "garbagecat/dataset280.txt",
        what: "safepoint max s",
        expected: 0.015910741,
        actual: |p| Some(p.stopped_max_s()),
    },
    Check {
        file: "garbagecat/dataset280.txt",
        what: "safepoint total s",
        expected: 0.019464321,
        actual: |p| Some(p.stopped_total_s()),
    },
    Check {
        file: "unified-jvm-logging/SampleShenandoahAllocationFailure.txt",
        what: "pause count",
        expected: 1.0,
        actual: |p| Some(p.pauses.len() as f64),
    },
    Check {
        file: "unified-jvm-logging/SampleShenandoahAllocationFailure.txt",
        what: "Full pause s",
        expected: 14.289335,
        actual: |p| {
            p.longest_of(PauseKind::Full)
                .map(|x| x.duration_ms / 1000.0)
        },
    },
    Check {
        file: "openjdk/SampleSun1_8_0G1PrintGCCausePrintTenuringDistribution.txt",
        what: "pause sum s",
        expected: 16.7578613,
        actual: |p| Some(p.total_s()),
    },
    Check {
        file: "ibm/SampleIBMJ9_R28_af_global.txt",
        what: "pause s",
        expected: 1.255648,
        actual: |p| Some(p.total_s()),
    },
];

fn main() -> ExitCode {
    let Some(root) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: gc_corpus DIR");
        return ExitCode::from(2);
    };
    let mut files = Vec::new();
    collect_files(&root, &mut files);
    files.sort();
    let mut failures = 0;
    let mut checked = 0;
    let mut silent = Vec::new();
    for path in &files {
        let parsed = match parse_file(path) {
            Ok(parsed) => parsed,
            Err(err) => {
                println!("{}: cannot read: {err}", path.display());
                continue;
            }
        };
        print_line(path, &parsed);
        if parsed.pauses.is_empty() && parsed.pause_like_lines > 0 {
            silent.push(path.display().to_string());
        }
        for check in CHECKS.iter().filter(|c| path.ends_with(c.file)) {
            checked += 1;
            if !run_check(check, &parsed) {
                failures += 1;
            }
        }
    }
    for path in &silent {
        println!("NO PAUSES: {path} has pause-like lines but yielded no pause");
    }
    println!(
        "{} files, {checked} reference checks, {failures} failed, {} files without pauses",
        files.len(),
        silent.len()
    );
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn parse_file(path: &Path) -> std::io::Result<Parsed> {
    let mut reader = LineReader::new(BufReader::new(File::open(path)?), DEFAULT_MAX_LINE);
    let mut parser = GcParser::new();
    let mut parsed = Parsed::default();
    while let Some(line) = reader.next_line()? {
        if looks_like_pause(line.text) {
            parsed.pause_like_lines += 1;
        }
        parser.line(&line, &mut parsed);
    }
    parser.finish(&mut parsed);
    Ok(parsed)
}

/// A crude, parser-independent sign that a line reports a pause.
fn looks_like_pause(text: &str) -> bool {
    text.contains("secs]")
        || (text.contains("Pause ") && text.trim_end().ends_with("ms"))
        || text.contains("durationms=")
        || text.contains("totalms=")
}

fn print_line(path: &Path, p: &Parsed) {
    println!(
        "{}: pauses={} max={:.6}s total={:.6}s stopped={} stopped_total={:.6}s unparsed={} warnings={}",
        path.display(),
        p.pauses.len(),
        p.max_s(),
        p.total_s(),
        p.safepoints.len(),
        p.stopped_total_s(),
        p.unparsed,
        p.warnings
    );
}

fn run_check(check: &Check, parsed: &Parsed) -> bool {
    let actual = (check.actual)(parsed);
    let ok = actual.is_some_and(|a| (a - check.expected).abs() <= TOLERANCE_S);
    let verdict = if ok { "OK  " } else { "FAIL" };
    let shown = actual.map_or("none".to_string(), |a| format!("{a:.9}"));
    println!(
        "  {verdict} {} {}: expected {} got {shown}",
        check.file, check.what, check.expected
    );
    ok
}
