//! Command-line flags as the user types them (clap derive), and their
//! validation into the library's option types.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use hbdiag::incidents::HeartbeatSettings;
use hbdiag::incidents::config::{PLAUSIBLE_DB_REFRESH_S, PLAUSIBLE_NODE_INTERVAL_MS};
use hbdiag::model::Level;
use hbdiag::pipeline::AnalyzeOptions;
use hbdiag::report::DisplayZone;
use hbdiag::report::text::{Layout, PIPED_WIDTH};
use hbdiag::scan::KeepPolicy;
use hbdiag::timeline::{ClockSettings, Zone};
use std::path::PathBuf;

/// `--version`: the crate version, the git commit it was built from
/// (`+dirty` with uncommitted changes, `unknown` outside git) and the
/// built-in rule set's version, as `build.rs` found them.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("HBDIAG_GIT_COMMIT"),
    ", rules ",
    env!("HBDIAG_RULES_VERSION"),
    ")"
);

/// Offline triage of heartbeat failures in clustered Java services.
#[derive(Parser, Debug)]
#[command(name = "hbdiag", version = VERSION, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Find every heartbeat incident in a bundle of logs and name its root cause.
    #[command(after_help = ANALYZE_EXAMPLES)]
    Analyze(AnalyzeArgs),
    /// Print the merged UTC timeline of a bundle.
    #[command(after_help = TIMELINE_EXAMPLES)]
    Timeline(TimelineArgs),
    /// List, check and self-test signal and rule definitions.
    #[command(subcommand, after_help = RULES_EXAMPLES)]
    Rules(RulesCommand),
    /// Summarise GC logs: pauses, stopped time, throughput and heap advice.
    #[command(after_help = GC_EXAMPLES)]
    Gc(GcArgs),
    /// Show why an incident got its verdict: every rule considered, each
    /// clause with the events it saw and whether it held.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
    /// Print the JSON Schema (draft 2020-12) of the `analyze --format json` report.
    #[command(after_help = SCHEMA_EXAMPLES)]
    Schema(OutputArg),
    /// Print the shell completion script for SHELL.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print the man page of hbdiag (roff).
    #[command(after_help = MAN_EXAMPLES)]
    Man(ManArgs),
}

/// Flags of `explain`.
#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The incident: its ID in the report of the same bundle (`INC-2`) or
    /// its fingerprint (`hb1-8a3474917f68b7e5`), which survives re-collection.
    #[arg(value_name = "INC-n|FINGERPRINT")]
    pub incident: String,
    #[command(flatten)]
    pub analyze: AnalyzeArgs,
}

/// When the terminal report is coloured.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When writing to a terminal, unless NO_COLOR is set or TERM is dumb.
    Auto,
    Always,
    Never,
}

/// How the terminal report is laid out.
#[derive(Args, Debug)]
pub struct DisplayArgs {
    /// Every evidence line, candidate and rule that could not run, in full
    /// tables, and every warning.
    #[arg(short, long, help_heading = "Display")]
    pub verbose: bool,
    /// Colour severities and verdicts.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, help_heading = "Display")]
    pub color: ColorChoice,
    /// Lay the report out in COLUMNS (default: the terminal's width, or 100
    /// when the output is not a terminal).
    #[arg(long, value_name = "COLUMNS", value_parser = clap::value_parser!(u16).range(40..=1000), help_heading = "Display")]
    pub width: Option<u16>,
}

impl DisplayArgs {
    /// The layout for output to a terminal (`to_terminal`) or elsewhere.
    pub fn layout(&self, to_terminal: bool) -> Layout {
        let width = match (self.width, to_terminal) {
            (Some(width), _) => usize::from(width),
            (None, true) => console::Term::stdout()
                .size_checked()
                .map_or(PIPED_WIDTH, |(_, columns)| usize::from(columns)),
            (None, false) => PIPED_WIDTH,
        };
        let color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => to_terminal && colour_allowed(),
        };
        Layout::new(width, color)
    }
}

/// NO_COLOR (any non-empty value) and TERM=dumb turn colour off.
fn colour_allowed() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
    !no_color && !dumb
}

/// Flags of `completions`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
    #[command(flatten)]
    pub out: OutputArg,
}

/// Flags of `man`.
#[derive(Args, Debug)]
pub struct ManArgs {
    #[command(flatten)]
    pub out: OutputArg,
}

// The `Examples:` of each subcommand's --help: real flags only (a test
// runs --help of every subcommand and wants this heading).

const ANALYZE_EXAMPLES: &str = "\
Examples:
  hbdiag analyze case-4711/                               # terminal report of a bundle
  hbdiag analyze case-4711/ --format html -o report.html  # one page to attach to the ticket
  hbdiag analyze case-4711.tgz --format json -o r.json    # the JSON report for a ticket
  hbdiag analyze case-4711/ --around \"2026-03-12 10:15\" --window 10m --host infagw01
                                                          # only incidents then, on that host";

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  hbdiag explain INC-2 case-4711/                         # every rule for the incident INC-2
  hbdiag explain hb1-8a3474917f68b7e5 case-4711.tgz       # the same incident by its fingerprint
  hbdiag explain INC-2 case-4711/ --format json -o why.json";

const SCHEMA_EXAMPLES: &str = "\
Examples:
  hbdiag schema -o report-v1.schema.json                  # to validate reports in a pipeline
  hbdiag schema | jq '.properties | keys'";

const TIMELINE_EXAMPLES: &str = "\
Examples:
  hbdiag timeline case-4711/ --around \"2026-03-12 10:15:50\" --window 2m   # what every host logged then
  hbdiag timeline case-4711/ --host infawk01 --level info --display-tz local
  hbdiag timeline case-4711/ --format ndjson --bulk hbdiag-case4711 -o bulk.ndjson
                                                          # for Elasticsearch's _bulk";

const RULES_EXAMPLES: &str = "\
Examples:
  hbdiag rules list                  # the rules in force
  hbdiag rules check my-rules/       # errors as file:line
  hbdiag rules test my-rules/        # run every sample and rule test";

const RULES_LIST_EXAMPLES: &str = "\
Examples:
  hbdiag rules list                       # the built-in rules
  hbdiag rules list --rules my-rules/     # with your own, which replace same ids";

const RULES_TERMS_EXAMPLES: &str = "\
Examples:
  hbdiag rules terms -o terms.txt                           # the terms and their levels
  rg -i -F -f <(hbdiag rules terms | cut -f1) case-4711/    # the lines hbdiag looks at";

const RULES_CHECK_EXAMPLES: &str = "\
Examples:
  hbdiag rules check my-rules/                 # OK, or each error as file:line
  HBDIAG_RULES=my-rules/ hbdiag analyze case-4711/   # then use them";

const RULES_TEST_EXAMPLES: &str = "\
Examples:
  hbdiag rules test                  # the built-in samples and rule tests
  hbdiag rules test my-rules/        # with your own files' tests";

const GC_EXAMPLES: &str = "\
Examples:
  hbdiag gc gc.log                                  # summary, findings by severity, bottlenecks
  hbdiag gc infawk01/gc.log* --format json -o gc.json
  hbdiag gc gc.log.0.current.gz                     # compressed logs are read too";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  hbdiag completions bash > ~/.local/share/bash-completion/completions/hbdiag
  hbdiag completions zsh > ~/.zfunc/_hbdiag          # with fpath+=~/.zfunc in .zshrc
  hbdiag completions fish > ~/.config/fish/completions/hbdiag.fish";

const MAN_EXAMPLES: &str = "\
Examples:
  hbdiag man | man -l -                              # read it now
  hbdiag man -o ~/.local/share/man/man1/hbdiag.1     # install it: man hbdiag";

/// Flags of `gc`.
#[derive(Args, Debug)]
pub struct GcArgs {
    /// GC log files (plain or .gz) of any JVM: JDK 8, unified logging, OpenJ9.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GcFormat::Text)]
    pub format: GcFormat,
    #[command(flatten)]
    pub out: OutputArg,
}

/// Output format of `gc`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum GcFormat {
    /// Sections for a terminal.
    Text,
    /// The summaries as JSON.
    Json,
    /// The text summary in a code block, for a ticket.
    Markdown,
}

/// The `-o` flag every command that writes takes.
#[derive(Args, Debug)]
pub struct OutputArg {
    /// Write to FILE instead of standard output (`-`: standard output). The
    /// file appears complete or not at all.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The `rules` subcommands.
#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// List the rules in force (built-in plus --rules DIR).
    #[command(after_help = RULES_LIST_EXAMPLES)]
    List {
        /// Folder of extra signal/rule files (*.toml).
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        #[command(flatten)]
        out: OutputArg,
    },
    /// Print the terms every text record is searched for (ASCII case
    /// ignored), one per line, with the least severe level each counts at.
    /// `rg -i -F -f` on the first column finds the lines hbdiag looks at.
    #[command(after_help = RULES_TERMS_EXAMPLES)]
    Terms {
        /// Folder of extra signal/rule files (*.toml).
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        #[command(flatten)]
        out: OutputArg,
    },
    /// Check the signal and rule files in DIR; errors are printed as file:line.
    #[command(after_help = RULES_CHECK_EXAMPLES)]
    Check {
        /// Folder of signal/rule files (*.toml).
        dir: PathBuf,
        #[command(flatten)]
        out: OutputArg,
    },
    /// Run every signal sample and rule test (built-in, plus DIR if given).
    #[command(after_help = RULES_TEST_EXAMPLES)]
    Test {
        /// Folder of extra signal/rule files (*.toml).
        dir: Option<PathBuf>,
        #[command(flatten)]
        out: OutputArg,
    },
}

/// Output format of `analyze`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Tables for a terminal.
    Text,
    /// The versioned JSON report for ticketing systems.
    Json,
    /// One self-contained HTML page: summary, swimlanes, evidence.
    Html,
    /// Ticket text: one section per incident, sized for a ticket field
    /// (`gc`: its text summary in a code block).
    Markdown,
}

/// Output format of `timeline`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum TimelineFormat {
    /// One line per event.
    Text,
    /// One Elastic Common Schema document per line.
    Ndjson,
}

/// Flags shared by the commands that read a bundle.
#[derive(Args, Debug)]
pub struct InputArgs {
    /// Bundle folders or log files (plain or .gz).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Zone of hosts whose logs carry no offset: +08:00, -03:30, +0530, UTC
    /// or an IANA name such as Asia/Shanghai (DST followed). Default: the
    /// offset other hosts' GC logs show, else UTC (reported as assumed).
    #[arg(
        long,
        value_name = "ZONE",
        allow_hyphen_values = true,
        value_parser = parse_zone,
        help_heading = "Time zones"
    )]
    pub tz: Option<Zone>,
    /// Zone of one host, overriding --tz and inference (repeatable).
    #[arg(
        long = "host-tz",
        value_name = "HOST=ZONE",
        allow_hyphen_values = true,
        help_heading = "Time zones"
    )]
    pub host_tz: Vec<String>,
    /// Show times of the terminal output in ZONE, or `local` (the zone of
    /// this machine). JSON stays UTC.
    #[arg(
        long = "display-tz",
        value_name = "ZONE|local",
        allow_hyphen_values = true,
        value_parser = parse_display_zone,
        default_value = "UTC",
        help_heading = "Time zones"
    )]
    pub display_tz: DisplayZone,
    /// Worker threads for parsing (default: one per core).
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
    /// Folder of extra signal/rule files; same ids replace built-in ones.
    #[arg(long, value_name = "DIR", env = "HBDIAG_RULES")]
    pub rules: Option<PathBuf>,
    /// A TCP port whose flows packet captures are read for, besides the
    /// domain's 6005 and 6006 and the DB ports 1521, 5432, 1433 and 50000
    /// (repeatable): a node's own port, a DB listener elsewhere.
    #[arg(long = "port", value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub ports: Vec<u16>,
}

/// Flags of `analyze`.
#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub out: OutputArg,
    #[command(flatten)]
    pub display: DisplayArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// MasterDBRefreshInterval in seconds (default: the bundle's value, else 8).
    #[arg(long, value_name = "SECONDS", help_heading = "Heartbeat settings")]
    pub db_refresh_interval: Option<f64>,
    /// -Dinfa.masterUpdateTimeInterval in ms (default: each node's value, else 15000).
    #[arg(long, value_name = "MS", help_heading = "Heartbeat settings")]
    pub master_update_interval: Option<f64>,
    /// The domain has one gateway: the master waits 12 DB intervals, not 4.
    #[arg(long, help_heading = "Heartbeat settings")]
    pub single_gateway: bool,
    /// Read every clock as written, even where events on two hosts show one
    /// is off (skews are then neither corrected nor reported).
    #[arg(long, help_heading = "Time zones")]
    pub keep_clocks: bool,
}

/// Flags of `timeline`.
#[derive(Args, Debug)]
pub struct TimelineArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TimelineFormat::Text)]
    pub format: TimelineFormat,
    #[command(flatten)]
    pub out: OutputArg,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// With --format ndjson: write an Elasticsearch `_bulk` action line
    /// before each document, indexing it into INDEX (its `_id` is a hash of
    /// host, file, line and text, so a re-import replaces, not duplicates).
    #[arg(long, value_name = "INDEX", value_parser = parse_index)]
    pub bulk: Option<String>,
    /// Show records at least this severe besides those that raised a signal.
    #[arg(
        long,
        value_name = "LEVEL",
        default_value = "warn",
        help_heading = "Filters"
    )]
    pub level: String,
}

/// The time and host filter `timeline` and `analyze` share.
#[derive(Args, Debug)]
pub struct FilterArgs {
    /// Only these hosts (repeatable); `analyze`: incidents that involve one.
    #[arg(long, value_name = "HOST", help_heading = "Filters")]
    pub host: Vec<String>,
    /// Only events at or after this UTC time (RFC 3339 or "YYYY-MM-DD
    /// HH:MM:SS"); `analyze`: incidents whose window reaches it.
    #[arg(long, value_name = "TIME", help_heading = "Filters")]
    pub since: Option<String>,
    /// Only events at or before this UTC time (`analyze`: incidents whose
    /// window starts by then).
    #[arg(long, value_name = "TIME", help_heading = "Filters")]
    pub until: Option<String>,
    /// Only events around this UTC time (with --window); `analyze`:
    /// incidents whose window overlaps that span.
    #[arg(long, value_name = "TIME", conflicts_with_all = ["since", "until"], help_heading = "Filters")]
    pub around: Option<String>,
    /// Half-width of the --around window (e.g. 90s, 5m).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "5m",
        requires = "around",
        help_heading = "Filters"
    )]
    pub window: String,
}

impl InputArgs {
    /// Validated options for the pipeline.
    pub fn options(&self, keep: KeepPolicy) -> Result<AnalyzeOptions> {
        for path in &self.paths {
            if let Err(err) = std::fs::metadata(path)
                && err.kind() == std::io::ErrorKind::NotFound
            {
                bail!("{}: no such file or folder", path.display());
            }
        }
        let mut clocks = ClockSettings {
            default_zone: self.tz,
            ..ClockSettings::default()
        };
        for pair in &self.host_tz {
            let Some((host, zone)) = pair.split_once('=') else {
                bail!("--host-tz `{pair}`: write it as HOST=ZONE, e.g. infagw01=+08:00");
            };
            let zone = Zone::parse(zone).with_context(|| format!("--host-tz {pair}"))?;
            clocks.host_zones.insert(host.to_string(), zone);
        }
        Ok(AnalyzeOptions {
            paths: self.paths.clone(),
            clocks,
            heartbeat: HeartbeatSettings::default(),
            keep,
            progress: !self.quiet,
            keep_clocks: false,
            ports: self.ports.clone(),
        })
    }
}

impl AnalyzeArgs {
    /// Validated options, heartbeat settings included.
    pub fn options(&self) -> Result<AnalyzeOptions> {
        let mut options = self.input.options(KeepPolicy::default())?;
        options.keep_clocks = self.keep_clocks;
        for (flag, value, plausible) in [
            (
                "--db-refresh-interval",
                self.db_refresh_interval,
                PLAUSIBLE_DB_REFRESH_S,
            ),
            (
                "--master-update-interval",
                self.master_update_interval,
                PLAUSIBLE_NODE_INTERVAL_MS,
            ),
        ] {
            if value.is_some_and(|v| !plausible.contains(&v)) {
                bail!(
                    "{flag} must be between {} and {}",
                    plausible.start(),
                    plausible.end()
                );
            }
        }
        options.heartbeat = HeartbeatSettings {
            db_refresh_interval_s: self.db_refresh_interval,
            master_update_interval_ms: self.master_update_interval,
            single_gateway: self.single_gateway,
        };
        Ok(options)
    }
}

impl TimelineArgs {
    /// The minimum level to keep.
    pub fn min_level(&self) -> Result<Level> {
        Level::parse(&self.level).with_context(|| {
            format!(
                "--level `{}`: use trace, debug, info, warn, error or fatal",
                self.level
            )
        })
    }
}

impl FilterArgs {
    /// The time filter, from --since/--until or --around/--window.
    pub fn time_range(&self) -> Result<TimeRange> {
        if let Some(around) = &self.around {
            let center = parse_time(around).context("--around")?;
            let half = hbdiag::rules::parse_duration_ms(&self.window)
                .map_err(anyhow::Error::msg)
                .context("--window")?;
            let half = chrono::Duration::milliseconds(half.abs() as i64);
            return Ok((Some(center - half), Some(center + half)));
        }
        let since = self
            .since
            .as_deref()
            .map(parse_time)
            .transpose()
            .context("--since")?;
        let until = self
            .until
            .as_deref()
            .map(parse_time)
            .transpose()
            .context("--until")?;
        if let (Some(since), Some(until)) = (since, until)
            && since > until
        {
            bail!(
                "--since {} is later than --until {}: nothing could match",
                since.to_rfc3339(),
                until.to_rfc3339()
            );
        }
        Ok((since, until))
    }
}

/// Optional start and end of a time filter.
pub type TimeRange = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// RFC 3339, or `YYYY-MM-DD HH:MM:SS[.fff]` read as UTC.
fn parse_time(text: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .map(|t| t.and_utc())
    .with_context(|| {
        format!(
            "`{text}` is not a time; write 2026-03-12T10:15:00Z or \"2026-03-12 10:15:00\" (UTC)"
        )
    })
}

/// `--bulk INDEX`: a name Elasticsearch accepts for an index.
fn parse_index(name: &str) -> Result<String, String> {
    match index_name_problem(name) {
        None => Ok(name.to_string()),
        Some(why) => Err(format!(
            "`{}` {why}: an Elasticsearch index name is lower case, at most 255 bytes, \
             without \\ / * ? \" < > | , # : or spaces, and does not start with - _ +",
            hbdiag::report::text::terminal_safe(name)
        )),
    }
}

/// What makes `name` an invalid index name, by Elasticsearch's rules.
fn index_name_problem(name: &str) -> Option<String> {
    const FORBIDDEN: &[char] = &['\\', '/', '*', '?', '"', '<', '>', '|', ',', '#', ':'];
    let bad = |c: &char| FORBIDDEN.contains(c) || c.is_whitespace() || c.is_control();
    if name.is_empty() {
        Some("is empty".into())
    } else if name.chars().any(char::is_uppercase) {
        Some("has upper-case letters".into())
    } else if let Some(c) = name.chars().find(bad) {
        Some(format!("contains `{}`", c.escape_default()))
    } else if name.starts_with(['-', '_', '+']) {
        Some("starts with `-`, `_` or `+`".into())
    } else if name == "." || name == ".." {
        Some("is `.` or `..`".into())
    } else if name.len() > 255 {
        Some("is longer than 255 bytes".into())
    } else {
        None
    }
}

/// `--tz`: a zone, or a usage error naming the spellings taken.
fn parse_zone(text: &str) -> Result<Zone, String> {
    Zone::parse(text).map_err(|e| e.to_string())
}

/// `--display-tz`: a zone or `local`.
fn parse_display_zone(text: &str) -> Result<DisplayZone, String> {
    DisplayZone::parse(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every example command line of every `--help`.
    fn examples(command: &clap::Command, found: &mut Vec<String>) {
        if let Some(help) = command.get_after_help() {
            found.extend(help.to_string().lines().filter_map(example_command));
        }
        for sub in command.get_subcommands() {
            examples(sub, found);
        }
    }

    /// `hbdiag …` of an example line, without comment, pipe or redirection.
    fn example_command(line: &str) -> Option<String> {
        let start = line.find("hbdiag ")?;
        let end = line[start..]
            .find(['#', '|', '>', ')'])
            .map_or(line.len(), |i| start + i);
        Some(line[start..end].trim().to_string())
    }

    /// Whitespace-separated words, double quotes grouping.
    fn words(command: &str) -> Vec<String> {
        let mut words = vec![String::new()];
        let mut quoted = false;
        for c in command.chars() {
            match c {
                '"' => quoted = !quoted,
                c if c.is_whitespace() && !quoted => words.push(String::new()),
                c => words.last_mut().unwrap().push(c),
            }
        }
        words.retain(|w| !w.is_empty());
        words
    }

    #[test]
    fn every_example_parses() {
        let mut found = Vec::new();
        examples(&Cli::command(), &mut found);
        assert!(found.len() >= 20, "{found:?}");
        for example in found {
            let parsed = Cli::try_parse_from(words(&example));
            assert!(parsed.is_ok(), "`{example}`: {}", parsed.unwrap_err());
        }
    }

    #[test]
    fn index_names_as_elasticsearch_takes_them() {
        for good in ["hbdiag", "hbdiag-case_42.2026", "événements"] {
            assert_eq!(parse_index(good).as_deref(), Ok(good));
        }
        for bad in [
            "Hbdiag", "a b", "a/b", "a\\b", "a:b", "+a", "_a", "-a", ".", "..", "",
        ] {
            assert!(parse_index(bad).is_err(), "{bad:?}");
        }
        assert!(parse_index(&"a".repeat(256)).is_err());
    }
}
