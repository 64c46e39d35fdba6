//! One function per subcommand: build options, run the pipeline, render.

use crate::cli::{
    AnalyzeArgs, Cli, Command, CompletionsArgs, ExplainArgs, GcArgs, GcFormat, ManArgs, OutputArg,
    ReportFormat, RulesCommand, TimelineArgs, TimelineFormat,
};
use crate::output::Output;
use anyhow::{Context, Result, bail};
use clap::CommandFactory;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use hbdiag::definitions::{self, DefinitionError};
use hbdiag::discover::open;
use hbdiag::gc_summary::{self, GcSummary};
use hbdiag::pipeline::{self, Definitions};
use hbdiag::report::filter::IncidentFilter;
use hbdiag::report::{self, timeline_view};
use hbdiag::rules::selftest;
use hbdiag::scan::KeepPolicy;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Runs a subcommand; `Ok` carries the exit code of a run that worked.
pub fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Analyze(args) => analyze(&args),
        Command::Timeline(args) => timeline(&args),
        Command::Rules(RulesCommand::List { rules, out }) => rules_list(rules.as_deref(), &out),
        Command::Rules(RulesCommand::Terms { rules, out }) => rules_terms(rules.as_deref(), &out),
        Command::Rules(RulesCommand::Check { dir, out }) => rules_check(&dir, &out),
        Command::Rules(RulesCommand::Test { dir, out }) => rules_test(dir.as_deref(), &out),
        Command::Gc(args) => gc(&args),
        Command::Explain(args) => explain(&args),
        Command::Schema(out) => schema(&out),
        Command::Completions(args) => completions(&args),
        Command::Man(args) => man(&args),
    }
}

fn load(extra: Option<&Path>) -> Result<Definitions> {
    Definitions::load(extra).map_err(|errors| definition_errors(&errors))
}

fn definition_errors(errors: &[DefinitionError]) -> anyhow::Error {
    let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
    anyhow::anyhow!(
        "the signal/rule definitions have {} error(s):\n  {}\n(check them with `hbdiag rules check DIR`)",
        errors.len(),
        listed.join("\n  ")
    )
}

/// Reports a flag value that does not validate the way clap reports its own
/// usage errors: message, usage line, exit code 2.
fn usage_error(err: anyhow::Error) -> ! {
    Cli::command()
        .error(clap::error::ErrorKind::ValueValidation, format!("{err:#}"))
        .exit()
}

/// Sizes the worker pool before any parallel work starts.
fn set_jobs(jobs: Option<u16>) -> Result<()> {
    if let Some(jobs) = jobs {
        hbdiag::scan::set_jobs(usize::from(jobs))?;
    }
    Ok(())
}

fn analyze(args: &AnalyzeArgs) -> Result<ExitCode> {
    let report = build_report(args)?;
    let mut out = Output::open(args.out.output.as_deref())?;
    match args.format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report).context("writing the JSON report")?;
            out.write_all(b"\n")?;
        }
        ReportFormat::Text => {
            let options = text_options(args, &out);
            out.write_all(report::text::render(&report, &options).as_bytes())?
        }
        ReportFormat::Html => out.write_all(report::html::render(&report).as_bytes())?,
        ReportFormat::Markdown => out.write_all(report::markdown::render(&report).as_bytes())?,
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// How the terminal report is laid out for `out`.
fn text_options(args: &AnalyzeArgs, out: &Output) -> report::text::TextOptions {
    report::text::TextOptions {
        zone: args.input.display_tz,
        layout: args.display.layout(out.is_terminal()),
        verbose: args.display.verbose,
    }
}

fn explain(args: &ExplainArgs) -> Result<ExitCode> {
    let as_json = match args.analyze.format {
        ReportFormat::Text => false,
        ReportFormat::Json => true,
        ReportFormat::Html | ReportFormat::Markdown => usage_error(anyhow::anyhow!(
            "explain writes text or json; `analyze --format html` or `--format markdown` holds every incident"
        )),
    };
    let report = build_report(&args.analyze)?;
    let wanted = args.incident.trim();
    let Some(incident) = report
        .incidents
        .iter()
        .find(|i| i.id.eq_ignore_ascii_case(wanted) || i.fingerprint.eq_ignore_ascii_case(wanted))
    else {
        let known: Vec<String> = report
            .incidents
            .iter()
            .map(|i| format!("{} ({}, {})", i.id, i.fingerprint, i.kind.name()))
            .collect();
        let listed = match known.is_empty() {
            true => "this bundle has no incident".to_string(),
            false => format!("this bundle has: {}", known.join(", ")),
        };
        usage_error(anyhow::anyhow!("no incident `{wanted}`: {listed}"));
    };
    let analyze = &args.analyze;
    let mut out = Output::open(analyze.out.output.as_deref())?;
    if as_json {
        serde_json::to_writer_pretty(&mut out, incident).context("writing the JSON")?;
        out.write_all(b"\n")?;
    } else {
        let options = text_options(analyze, &out);
        out.write_all(report::text::explain(&report, incident, &options).as_bytes())?
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// Runs the pipeline for `analyze` and `explain` and builds the report.
fn build_report(args: &AnalyzeArgs) -> Result<report::Report> {
    let options = args.options().unwrap_or_else(|e| usage_error(e));
    let (since, until) = args.filter.time_range().unwrap_or_else(|e| usage_error(e));
    set_jobs(args.input.jobs)?;
    let defs = load(args.input.rules.as_deref())?;
    let analysis = pipeline::analyze(&options, &defs);
    if analysis.read_nothing() {
        nothing_read(
            &args.input.paths,
            &analysis.sources,
            &analysis.walk_problems,
        )?;
    }
    check_hosts(
        &analysis.timeline,
        options.clocks.host_zones.keys(),
        "--host-tz",
    )
    .unwrap_or_else(|e| usage_error(e));
    check_hosts(&analysis.timeline, &args.filter.host, "--host").unwrap_or_else(|e| usage_error(e));
    let mut report = report::build(&analysis, &defs.catalog);
    IncidentFilter {
        hosts: args.filter.host.clone(),
        since,
        until,
    }
    .apply(&mut report);
    Ok(report)
}

/// Fails, before any report is written, when no file could be read: the
/// reasons go to standard error.
fn nothing_read(
    paths: &[std::path::PathBuf],
    sources: &[hbdiag::scan::ScannedSource],
    problems: &[hbdiag::discover::WalkProblem],
) -> Result<()> {
    let mut why: Vec<String> = problems
        .iter()
        .map(|p| format!("{}: {}", p.display, p.message))
        .chain(sources.iter().filter_map(|s| {
            let reason = s.skipped.as_deref()?;
            Some(format!("{}: skipped: {reason}", s.candidate.display))
        }))
        .collect();
    let more = why.len().saturating_sub(20);
    why.truncate(20);
    if more > 0 {
        why.push(format!("… and {more} more"));
    }
    let listed = if why.is_empty() {
        " (no file found)".to_string()
    } else {
        format!(":\n  {}", why.join("\n  "))
    };
    bail!(
        "no log could be read from {}{listed}\npoint hbdiag at a folder of collected logs",
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// A usage error when a flag names a host the bundle does not have; the
/// message lists the known ones.
fn check_hosts<'a>(
    timeline: &hbdiag::timeline::Timeline,
    named: impl IntoIterator<Item = &'a String>,
    flag: &str,
) -> Result<()> {
    let known: Vec<&str> = timeline.hosts.iter().map(|h| h.name.as_str()).collect();
    for host in named {
        if !known.iter().any(|k| k.eq_ignore_ascii_case(host)) {
            bail!(
                "{flag} {host}: no such host in the bundle; its hosts are: {}",
                known.join(", ")
            );
        }
    }
    Ok(())
}

fn timeline(args: &TimelineArgs) -> Result<ExitCode> {
    if args.bulk.is_some() && args.format != TimelineFormat::Ndjson {
        usage_error(anyhow::anyhow!(
            "--bulk writes Elasticsearch _bulk lines: add --format ndjson"
        ));
    }
    let min_level = args.min_level().unwrap_or_else(|e| usage_error(e));
    let (since, until) = args.filter.time_range().unwrap_or_else(|e| usage_error(e));
    let options = args
        .input
        .options(KeepPolicy {
            min_level: Some(min_level),
        })
        .unwrap_or_else(|e| usage_error(e));
    set_jobs(args.input.jobs)?;
    let defs = load(args.input.rules.as_deref())?;
    let (sources, problems, timeline) = pipeline::build_timeline(&options, &defs);
    if sources.iter().all(|s| s.skipped.is_some()) {
        nothing_read(&args.input.paths, &sources, &problems)?;
    }
    check_hosts(&timeline, options.clocks.host_zones.keys(), "--host-tz")
        .unwrap_or_else(|e| usage_error(e));
    check_hosts(&timeline, &args.filter.host, "--host").unwrap_or_else(|e| usage_error(e));
    let view = timeline_view::View {
        timeline: &timeline,
        sources: &sources,
        catalog: &defs.catalog,
        zone: args.input.display_tz,
    };
    let filter = timeline_view::Filter {
        hosts: args.filter.host.clone(),
        since,
        until,
        min_level: Some(min_level),
    };
    let mut out = Output::open(args.out.output.as_deref())?;
    match args.format {
        TimelineFormat::Text => view.write_text(&filter, &mut out)?,
        TimelineFormat::Ndjson => view.write_ndjson(&filter, args.bulk.as_deref(), &mut out)?,
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

fn rules_list(extra: Option<&Path>, out: &OutputArg) -> Result<ExitCode> {
    let defs = load(extra)?;
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec![
            "Rule",
            "Cause",
            "Incidents",
            "Confidence",
            "Needs",
            "File",
        ]);
    for rule in defs.rules.rules() {
        table.add_row(vec![
            rule.id.clone(),
            rule.cause.to_string(),
            rule.incidents
                .iter()
                .map(|k| k.name())
                .collect::<Vec<_>>()
                .join(", "),
            if rule.fallback {
                "fallback".into()
            } else {
                format!("{:.2}", rule.confidence)
            },
            rule.requires
                .iter()
                .map(|k| k.name())
                .collect::<Vec<_>>()
                .join(", "),
            rule.file.clone(),
        ]);
    }
    let mut pairs = Table::new();
    pairs
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec!["Clock pair", "What happens"]);
    for pair in &defs.clock_pairs.pairs {
        pairs.add_row(vec![pair.id.clone(), pair.about.clone()]);
    }
    let signals = defs.catalog.defs().count();
    let mut out = Output::open(out.output.as_deref())?;
    writeln!(out, "{table}")?;
    writeln!(out, "{pairs}")?;
    writeln!(
        out,
        "{} rule(s), {signals} signal(s), {} clock pair(s)",
        defs.rules.rules().len(),
        defs.clock_pairs.pairs.len()
    )?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

fn rules_terms(extra: Option<&Path>, out: &OutputArg) -> Result<ExitCode> {
    let defs = load(extra)?;
    let mut out = Output::open(out.output.as_deref())?;
    for (term, level) in &defs.catalog.prefilter_terms() {
        match level {
            Some(level) => writeln!(out, "{term}\t{}+", format!("{level:?}").to_lowercase())?,
            None => writeln!(out, "{term}")?,
        }
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// `hbdiag rules check`: the verdict goes to the output, the errors (file:line)
/// to standard error, and then no output file is written.
fn rules_check(dir: &Path, out: &OutputArg) -> Result<ExitCode> {
    let files = definitions::read_dir(dir).map_err(|e| anyhow::anyhow!("{e}"))?;
    if files.is_empty() {
        bail!("{} holds no *.toml signal or rule file", dir.display());
    }
    let defs = match load(Some(dir)) {
        Ok(defs) => defs,
        Err(err) => {
            eprintln!("{err:#}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut out = Output::open(out.output.as_deref())?;
    writeln!(
        out,
        "{}: {} file(s) OK ({} rules and {} signals in force with the built-in set)",
        dir.display(),
        files.len(),
        defs.rules.rules().len(),
        defs.catalog.defs().count()
    )?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

fn rules_test(extra: Option<&Path>, out: &OutputArg) -> Result<ExitCode> {
    let defs = load(extra)?;
    let report = selftest::run(&defs.catalog, &defs.rules);
    let mut out = Output::open(out.output.as_deref())?;
    for failure in &report.failures {
        writeln!(out, "FAIL {failure}")?;
    }
    writeln!(
        out,
        "{} passed, {} failed",
        report.passed,
        report.failures.len()
    )?;
    out.finish()?;
    Ok(if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `hbdiag gc`: one summary per readable file; a warning for each file that
/// cannot be read, and an error when none could.
fn gc(args: &GcArgs) -> Result<ExitCode> {
    let summaries: Vec<GcSummary> = args
        .files
        .iter()
        .filter_map(|path| match summarize_gc_file(path) {
            Ok(summary) => Some(summary),
            Err(err) => {
                let warning = format!("warning: {}: {err}", path.display());
                eprintln!("{}", report::text::terminal_safe_lines(&warning));
                None
            }
        })
        .collect();
    if summaries.is_empty() {
        bail!("no GC log could be read (see the warnings above)");
    }
    let mut out = Output::open(args.out.output.as_deref())?;
    match args.format {
        GcFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &summaries)
                .context("writing the JSON summary")?;
            out.write_all(b"\n")?;
        }
        GcFormat::Text => out.write_all(gc_summary::render_text(&summaries).as_bytes())?,
        GcFormat::Markdown => out.write_all(
            report::markdown::code_block(&gc_summary::render_text(&summaries)).as_bytes(),
        )?,
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// `hbdiag schema`: the report's JSON Schema, as committed in `schema/`.
fn schema(out: &OutputArg) -> Result<ExitCode> {
    let mut out = Output::open(out.output.as_deref())?;
    out.write_all(report::schema::report_schema_text().as_bytes())?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

fn summarize_gc_file(path: &Path) -> Result<GcSummary> {
    let opened = open::open_text(path)?;
    let summary = gc_summary::summarize_reader(&path.display().to_string(), opened.reader)?;
    if summary.pauses + summary.safepoints + summary.allocation_stalls == 0 {
        bail!(
            "no GC pause, safepoint or allocation stall in it: not a GC log (or one cut before the first collection); left out"
        );
    }
    Ok(summary)
}

/// `hbdiag completions SHELL`: the script that shell sources to complete
/// hbdiag's subcommands and flags.
fn completions(args: &CompletionsArgs) -> Result<ExitCode> {
    let mut command = Cli::command();
    let mut out = Output::open(args.out.output.as_deref())?;
    clap_complete::generate(args.shell, &mut command, "hbdiag", &mut out);
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// `hbdiag man`: the man page, rendered from the same definitions as
/// `--help`, so the two never disagree.
fn man(args: &ManArgs) -> Result<ExitCode> {
    let page = man_page().context("rendering the man page")?;
    let mut out = Output::open(args.out.output.as_deref())?;
    out.write_all(page.as_bytes())?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// The roff apostrophe preamble clap_mangen writes before every part it
/// renders; the page needs it once, after `.TH`.
const ROFF_PREAMBLE: [&str; 2] = [r".ie \n(.g .ds Aq \(aq", ".el .ds Aq '"];

/// hbdiag(1) as one page: clap_mangen's top-level page, `.TH` first as man
/// pages start, then a section per subcommand (synopsis, description,
/// options, examples), since no separate hbdiag-analyze(1) page is
/// installed.
fn man_page() -> std::io::Result<String> {
    let mut root = Cli::command();
    root.build();
    let mut page = Vec::new();
    clap_mangen::Man::new(root.clone()).render(&mut page)?;
    let mut lines: Vec<String> = without_preamble(&page)
        .into_iter()
        .map(|line| in_page_reference(&line).unwrap_or(line))
        .collect();
    let title = lines
        .iter()
        .position(|l| l.starts_with(".TH "))
        .map_or(0, |i| i + 1);
    lines.splice(title..title, ROFF_PREAMBLE.map(String::from));
    for sub in root.get_subcommands() {
        man_sections(sub, &mut lines)?;
    }
    Ok(lines.join("\n") + "\n")
}

/// A subcommand's part of the page, and its own subcommands' after it.
fn man_sections(command: &clap::Command, lines: &mut Vec<String>) -> std::io::Result<()> {
    if command.get_name() == "help" {
        return Ok(());
    }
    let name = command.get_bin_name().unwrap_or(command.get_name());
    lines.push(format!(".SH \"{}\"", name.to_uppercase()));
    lines.extend(subcommand_part(command)?);
    for sub in command.get_subcommands() {
        man_sections(sub, lines)?;
    }
    Ok(())
}

/// A subcommand's synopsis, description, options and examples, as
/// subsections of its section.
fn subcommand_part(command: &clap::Command) -> std::io::Result<Vec<String>> {
    let man = clap_mangen::Man::new(command.clone());
    let mut roff = Vec::new();
    man.render_synopsis_section(&mut roff)?;
    man.render_description_section(&mut roff)?;
    if command.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut roff)?;
    }
    let examples = command.get_after_help().is_some();
    if examples {
        man.render_extra_section(&mut roff)?;
    }
    let mut part: Vec<String> = without_preamble(&roff)
        .into_iter()
        .filter(|line| line != "Examples:")
        .map(as_subsection)
        .collect();
    if examples {
        part.push(".fi".into());
    }
    Ok(part)
}

/// `.SH X` as `.SS X`; the examples (`after_help`, clap_mangen's EXTRA)
/// as EXAMPLES, their lines kept as written (`.nf`, ended by the caller).
fn as_subsection(line: String) -> String {
    match line.strip_prefix(".SH ") {
        Some("EXTRA") => ".SS EXAMPLES\n.nf".to_string(),
        Some(heading) => format!(".SS {heading}"),
        None => line,
    }
}

/// `hbdiag\-analyze(1)` in the SUBCOMMANDS list as `hbdiag analyze`, in
/// bold: its section of this page.
fn in_page_reference(line: &str) -> Option<String> {
    let name = line.strip_prefix(r"hbdiag\-")?.strip_suffix("(1)")?;
    Some(format!(r"\fBhbdiag {name}\fR"))
}

fn without_preamble(roff: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(roff)
        .lines()
        .filter(|l| !ROFF_PREAMBLE.contains(l))
        .map(String::from)
        .collect()
}
