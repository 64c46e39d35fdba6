//! The whole analysis, stage by stage: discover → scan (parse + signals) →
//! timeline → incidents → rules. The CLI and the tests call [`analyze`];
//! the report stage turns its [`Analysis`] into output.

use crate::definitions::{self, DefinitionError};
use crate::discover::{self, WalkProblem};
use crate::incidents::{self, Detection, HeartbeatSettings, KnownSignals};
use crate::model::{SourceId, SourceKind};
use crate::progress::Progress;
use crate::rules::{self, EvalContext, RuleBook, Verdict};
use crate::scan::{self, KeepPolicy, ScanOptions, ScannedSource};
use crate::signals::SignalCatalog;
use crate::timeline::skew::ClockPairs;
use crate::timeline::{self, ClockSettings, HostId, Timeline};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod clocks;
mod ends;
pub use clocks::{SkewCheck, VerdictChange};

/// Signal catalog, rule book and clock pairs, compiled once.
pub struct Definitions {
    pub catalog: SignalCatalog,
    pub rules: RuleBook,
    pub clock_pairs: ClockPairs,
}

impl Definitions {
    /// The built-in definitions plus those in `extra` (which replace
    /// built-in ones with the same id). Every error is returned.
    pub fn load(extra: Option<&Path>) -> Result<Definitions, Vec<DefinitionError>> {
        let mut files = definitions::builtin();
        if let Some(dir) = extra {
            files.extend(definitions::read_dir(dir).map_err(|e| vec![e])?);
        }
        let catalog = SignalCatalog::build(&files)?;
        let rules = RuleBook::build(&files, &catalog)?;
        let clock_pairs = ClockPairs::build(&files, &catalog)?;
        Ok(Definitions {
            catalog,
            rules,
            clock_pairs,
        })
    }
}

/// What to analyze and how.
#[derive(Clone, Debug, Default)]
pub struct AnalyzeOptions {
    pub paths: Vec<PathBuf>,
    pub clocks: ClockSettings,
    pub heartbeat: HeartbeatSettings,
    pub keep: KeepPolicy,
    /// Draw a progress bar on stderr (only when it is a terminal).
    pub progress: bool,
    /// Read every clock as written, even where cross-host events show it is
    /// off (see [`SkewCheck`]).
    pub keep_clocks: bool,
    /// Ports whose flows packet captures are read for, besides the defaults.
    pub ports: Vec<u16>,
}

/// Everything the analysis found, for the report stage.
pub struct Analysis {
    pub sources: Vec<ScannedSource>,
    pub walk_problems: Vec<WalkProblem>,
    pub timeline: Timeline,
    pub detection: Detection,
    /// One verdict per incident, in the same order.
    pub verdicts: Vec<Verdict>,
    /// Clocks found to disagree, how they were corrected, and whether any
    /// verdict could change within the skew.
    pub clock_skews: Vec<SkewCheck>,
    /// The texts of the cited lines that only a folded entry stood for,
    /// read again by file and line (see [`cited_repeats`]).
    pub recited: BTreeMap<(SourceId, u64), String>,
}

impl Analysis {
    /// True when no file could be read at all.
    pub fn read_nothing(&self) -> bool {
        self.sources.iter().all(|s| s.skipped.is_some())
    }
}

/// Discovers and scans the bundle and builds the timeline, without looking
/// for incidents (what `hbdiag timeline` needs).
pub fn build_timeline(
    options: &AnalyzeOptions,
    defs: &Definitions,
) -> (Vec<ScannedSource>, Vec<WalkProblem>, Timeline) {
    let inventory = discover::discover(&options.paths);
    let progress = Progress::for_candidates(&inventory.candidates, options.progress);
    let mut scanned = scan::scan_with(
        &inventory.candidates,
        &defs.catalog,
        options.keep,
        ScanOptions {
            progress: Some(&progress),
            extra_ports: &options.ports,
            ..ScanOptions::default()
        },
    );
    progress.finish();
    ends::match_captures(&mut scanned, &defs.catalog);
    let timeline = timeline::build(
        scanned.events,
        &scanned.sources,
        &options.clocks,
        &defs.catalog,
    );
    let mut problems = inventory.problems;
    problems.extend(scanned.host_warnings);
    problems.sort();
    (scanned.sources, problems, timeline)
}

/// Runs every stage.
pub fn analyze(options: &AnalyzeOptions, defs: &Definitions) -> Analysis {
    let (sources, walk_problems, as_written) = build_timeline(options, defs);
    let diagnose = |timeline: &Timeline| diagnose(timeline, &sources, options, defs);
    let (timeline, clock_skews) = match options.keep_clocks {
        false => clocks::correct(as_written, defs, &options.heartbeat, &diagnose),
        true => (as_written, Vec::new()),
    };
    let (detection, verdicts) = diagnose(&timeline);
    let recited = scan::reread(
        &sources,
        &cited_repeats(&timeline, &detection, &verdicts),
        &defs.catalog,
    );
    Analysis {
        sources,
        walk_problems,
        timeline,
        detection,
        verdicts,
        clock_skews,
        recited,
    }
}

/// The lines, per source, that the report cites in place of a folded
/// entry: the first of its repeats inside the window of the clause that
/// selected it (the incident's, for the cascade), for findings and for the
/// events "why" shows of every clause; with the line that proved its
/// signal when the kept record had one (at the same distance below).
pub fn cited_repeats(
    timeline: &Timeline,
    detection: &Detection,
    verdicts: &[Verdict],
) -> BTreeMap<SourceId, BTreeSet<u64>> {
    let findings = verdicts.iter().flat_map(|v| &v.findings);
    let cited = findings
        .flat_map(|f| &f.evidence)
        .map(|c| (c.entry, c.window));
    let clauses = verdicts
        .iter()
        .flat_map(|v| &v.considered)
        .flat_map(|c| &c.clauses);
    let seen = clauses.flat_map(|c| c.events.iter().map(move |&entry| (entry, c.window)));
    let cascade = detection
        .incidents
        .iter()
        .flat_map(|i| i.cascade.iter().map(move |&entry| (entry, i.window)));
    let mut wanted: BTreeMap<SourceId, BTreeSet<u64>> = BTreeMap::new();
    for (index, window) in cited.chain(cascade).chain(seen) {
        let entry = &timeline.entries[index];
        let Some(repeat) = entry.repeat_cited_within(window.start, window.end) else {
            continue;
        };
        let lines = wanted.entry(entry.source).or_default();
        lines.insert(repeat.line);
        if let Some(below) = entry.proof_distance() {
            lines.insert(repeat.line + below);
        }
    }
    wanted
}

/// Incidents on `timeline` and a verdict for each.
fn diagnose(
    timeline: &Timeline,
    sources: &[ScannedSource],
    options: &AnalyzeOptions,
    defs: &Definitions,
) -> (Detection, Vec<Verdict>) {
    let known = KnownSignals::resolve(&defs.catalog);
    let detection = incidents::detect(
        timeline,
        &known,
        &options.heartbeat,
        &node_hosts(sources, timeline),
    );
    let inputs = inputs_by_host(sources, timeline);
    let ctx = EvalContext::new(timeline, &inputs);
    let verdicts = detection
        .incidents
        .iter()
        .map(|incident| rules::evaluate(&defs.rules, incident, &ctx))
        .collect();
    (detection, verdicts)
}

/// Informatica node names (lowercase) to the host their logs came from:
/// from the `logs/<node>/` layout, and each host's own name.
fn node_hosts(sources: &[ScannedSource], timeline: &Timeline) -> BTreeMap<String, HostId> {
    let mut map = BTreeMap::new();
    for source in sources {
        let Some(host) = timeline.host_id(&source.candidate.host) else {
            continue;
        };
        map.entry(source.candidate.host.to_lowercase())
            .or_insert(host);
        if let Some(node) = &source.candidate.node {
            map.insert(node.to_lowercase(), host);
        }
    }
    map
}

/// The kinds of input each host has: files that were read from it, and
/// files about it from elsewhere (a hypervisor's metrics of its guest).
fn inputs_by_host(
    sources: &[ScannedSource],
    timeline: &Timeline,
) -> BTreeMap<HostId, BTreeSet<SourceKind>> {
    let mut map: BTreeMap<HostId, BTreeSet<SourceKind>> = BTreeMap::new();
    for source in sources.iter().filter(|s| s.skipped.is_none()) {
        if let (Some(kind), Some(host)) = (source.kind, timeline.host_id(&source.candidate.host)) {
            map.entry(host).or_default().extend(kind.provides());
        }
    }
    for covered in &timeline.coverage {
        map.entry(covered.host).or_default().insert(covered.kind);
    }
    map
}
