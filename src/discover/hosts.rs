//! Which host every file came from, found from the shape of the whole
//! bundle rather than from its first folder level.
//!
//! Every file (and archive entry: `a.zip!b/c.log`) is put in one tree per
//! bundle root, archives being folders of their own. From the root down,
//! wrapper folders and wrapper archives — which hold no log themselves and
//! one sub-tree of logs — are peeled, to any depth, until the *host level*:
//! a level with two or more sub-trees of logs (one per host), or the one
//! sub-tree that is itself a host's tree (it holds logs of a known kind, or
//! a folder such as `logs/` or `var/` with logs below). A root that holds
//! logs itself is one host, named after the root. Archives at the host
//! level that are not a host's tree (a bundle inside a bundle, or a per-host
//! archive holding `<host>/…`) are looked into the same way.
//!
//! Each file says how its host was found ([`HostFrom`]); where a name had
//! to be guessed, a warning says so.

use super::{Candidate, WalkProblem, detect};
use crate::model::SourceKind;
use regex::Regex;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// How a file's host was found.
#[derive(
    Copy,
    Clone,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum HostFrom {
    /// A folder at the host level names it.
    Folder,
    /// An archive at the host level names it (`infagw01_20260312.tar.gz`).
    Archive,
    /// What the file's own first lines say (a sysstat header, a GC log's
    /// `hostname` decoration, the Informatica node a node.log announces),
    /// where its place in the bundle names no host.
    Content,
    /// The bundle root is one host's folder (or a single file), named after
    /// the root folder.
    #[default]
    Single,
}

/// The bundle root a file was found under: its position among the paths
/// given and the name a host at the root takes (the folder's own name, or
/// the parent folder's for a single file).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Bundle {
    pub index: u32,
    pub name: String,
}

/// Folders that sit in one host's tree, never as a host name.
const HOST_TREE: [&str; 10] = [
    "logs",
    "log",
    "var",
    "opt",
    "tomcat",
    "informatica",
    "bigdata",
    "flink",
    "flinkserver",
    "isp",
];

/// Words that name a collection, not a host.
const WRAPPER_WORDS: [&str; 26] = [
    "collected",
    "collect",
    "collection",
    "logs",
    "log",
    "bundle",
    "bundles",
    "export",
    "exported",
    "download",
    "downloads",
    "support",
    "diag",
    "diagnostics",
    "backup",
    "dump",
    "archive",
    "archives",
    "files",
    "all",
    "tmp",
    "temp",
    "upload",
    "uploads",
    "output",
    "hosts",
];

/// Archive endings removed to name a host after its archive.
const ARCHIVE_ENDINGS: [&str; 10] = [
    ".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tgz", ".tbz2", ".txz", ".tar", ".zip", ".gz",
];

/// A date, a date and time, or an epoch stamp.
const STAMP: &str = r"(?:(?:19|20)\d\d[-.]?\d\d[-.]?\d\d(?:[-_T.]?\d\d[-:.]?\d\d(?:[-:.]?\d\d)?)?|1\d{9}(?:\d{3})?)";

static TRAILING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)[-_. ](?:{STAMP}|{})$",
        WRAPPER_WORDS.join("|")
    ))
    .expect("valid")
});
static LEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^(?:{STAMP}|{})[-_. ]",
        WRAPPER_WORDS.join("|")
    ))
    .expect("valid")
});
static IPV4: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{1,3}(\.\d{1,3}){3}$").expect("valid"));
static ONLY_STAMP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^{STAMP}$")).expect("valid"));

/// The archive's name without its archive endings: `infagw01.tar.gz` →
/// `infagw01`.
fn archive_stem(name: &str) -> &str {
    let lower = name.to_lowercase();
    ARCHIVE_ENDINGS
        .iter()
        .find(|e| lower.ends_with(*e) && lower.len() > e.len())
        .map_or(name, |e| &name[..name.len() - e.len()])
}

/// The host a per-host archive names: its stem without dates, times and
/// words like `logs` or `collected` (`infagw01_20260312.tar.gz`,
/// `infagw01-logs.zip` → `infagw01`); `None` when nothing host-like is left
/// (`collected-logs.tar.gz`, `logs.tar`).
pub fn archive_host(name: &str) -> Option<String> {
    let mut stem = archive_stem(name).to_string();
    loop {
        let trimmed = TRAILING.replace(&stem, "");
        let trimmed = LEADING.replace(&trimmed, "").into_owned();
        if trimmed == stem {
            break;
        }
        stem = trimmed;
    }
    let lower = stem.to_lowercase();
    let empty = stem.is_empty()
        || WRAPPER_WORDS.contains(&lower.as_str())
        || HOST_TREE.contains(&lower.as_str())
        || ONLY_STAMP.is_match(&lower);
    (!empty).then_some(stem)
}

/// How much a name looks like a host's: 0 for collection words and dates,
/// 1 for other words, 2 for names with letters and digits or a domain
/// name, 3 for an IPv4 address.
pub fn host_likeness(name: &str) -> u8 {
    let lower = name.to_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    if IPV4.is_match(&lower) {
        return 3;
    }
    let wrapperish = |t: &&str| {
        WRAPPER_WORDS.contains(t) || HOST_TREE.contains(t) || t.chars().all(|c| c.is_ascii_digit())
    };
    if tokens.is_empty() || tokens.iter().all(wrapperish) || lower.starts_with('.') {
        return 0;
    }
    let letters = lower.chars().any(|c| c.is_ascii_alphabetic());
    let digits = lower.chars().any(|c| c.is_ascii_digit());
    let domain = lower.contains('.') && tokens.len() >= 2 && !lower.ends_with(".log");
    if letters && (digits || domain) { 2 } else { 1 }
}

/// One folder or archive of the bundle tree.
#[derive(Default)]
struct Node {
    name: String,
    archive: bool,
    children: BTreeMap<(String, bool), Node>,
    /// Files directly in it (candidate positions).
    files: Vec<usize>,
    /// Logs of a known kind directly in it (alarm exports, which are
    /// cluster-wide, do not count), rotated logs packed alone included.
    logs_here: usize,
    /// Logs anywhere below, these included.
    logs_below: usize,
}

impl Node {
    fn child(&mut self, name: &str, archive: bool) -> &mut Node {
        self.children
            .entry((name.to_string(), archive))
            .or_insert_with(|| Node {
                name: name.to_string(),
                archive,
                ..Node::default()
            })
    }

    fn count(&mut self) -> usize {
        let mut below = self.logs_here;
        let mut named_logs = 0;
        for ((name, archive), child) in &mut self.children {
            below += child.count();
            // A rotated log packed alone: `flinkserver-….[1].log.zip`.
            if *archive
                && is_log_name(archive_stem(name))
                && child.children.is_empty()
                && child.files.len() == 1
                && child.logs_here == 1
            {
                named_logs += 1;
            }
        }
        self.logs_here += named_logs;
        self.logs_below = below + named_logs;
        self.logs_below
    }

    /// Whether this is one host's tree: it holds logs itself, or a folder
    /// that sits in a host's tree (`logs/`, `var/`) with logs below, or an
    /// archive with no host name that is a host's tree (`logs.tar`).
    fn is_host_tree(&self) -> bool {
        self.logs_here > 0
            || self.children.values().any(|c| {
                c.logs_below > 0
                    && if c.archive {
                        archive_host(&c.name).is_none() && c.is_host_tree()
                    } else {
                        HOST_TREE.contains(&c.name.to_lowercase().as_str())
                    }
            })
    }

    fn with_logs(&self) -> impl Iterator<Item = &Node> {
        self.children.values().filter(|c| c.logs_below > 0)
    }

    /// The name a file directly inside takes when no host is above it.
    fn own_name(&self) -> (String, HostFrom) {
        if self.archive {
            let name = archive_host(&self.name).unwrap_or_else(|| archive_stem(&self.name).into());
            (name, HostFrom::Archive)
        } else {
            (self.name.clone(), HostFrom::Folder)
        }
    }

    fn all_files(&self, out: &mut Vec<usize>) {
        out.extend(&self.files);
        for child in self.children.values() {
            child.all_files(out);
        }
    }
}

fn is_log_name(name: &str) -> bool {
    detect::kind_from_name(name).is_some_and(|k| k != SourceKind::AlarmExport)
}

/// A host (or enclosing name) for files, with where it came from.
type Named = (String, HostFrom);

struct Finder {
    /// Per candidate position: its host, once found.
    hosts: Vec<Option<Named>>,
    warnings: Vec<WalkProblem>,
}

impl Finder {
    fn name_all(&mut self, node: &Node, named: &Named) {
        let mut files = Vec::new();
        node.all_files(&mut files);
        for f in files {
            self.hosts[f] = Some(named.clone());
        }
    }

    /// Names the hosts under `node`, which no host encloses. `here` is the
    /// name its own files take; `path` its place, for warnings; `above` the
    /// wrappers peeled on the way (the root excluded), outermost first.
    fn peel(&mut self, node: &Node, here: Named, path: &str, above: &mut Vec<Named>) {
        if node.is_host_tree() {
            return self.name_all(node, &here);
        }
        for &f in &node.files {
            self.hosts[f] = Some(here.clone());
        }
        let with_logs: Vec<&Node> = node.with_logs().collect();
        // Beside the hosts, a folder without logs of a known kind is a host
        // too (its files are listed, skipped); beside a wrapper it is not.
        let host_level = with_logs.len() != 1;
        for child in node.children.values().filter(|c| c.logs_below == 0) {
            if host_level && !child.archive && node.logs_below > 0 {
                self.name_all(child, &child.own_name());
            } else {
                self.name_all(child, &here);
            }
        }
        if let [only] = with_logs.as_slice() {
            let child_path = join(node, path, only);
            if only.is_host_tree() {
                let named = self.single_host(only, &child_path, above);
                return self.name_all(only, &named);
            }
            above.push(only.own_name());
            self.peel(only, only.own_name(), &child_path, above);
            above.pop();
            return;
        }
        for child in with_logs {
            let child_path = join(node, path, child);
            if child.archive && !child.is_host_tree() {
                self.peel(child, child.own_name(), &child_path, &mut Vec::new());
            } else {
                let named = self.host_name(child, &child_path);
                self.name_all(child, &named);
            }
        }
    }

    /// The name of a host at the host level, with a warning when an
    /// archive's name had nothing host-like.
    fn host_name(&mut self, node: &Node, path: &str) -> Named {
        if node.archive && archive_host(&node.name).is_none() {
            self.warnings.push(WalkProblem {
                display: path.to_string(),
                message: format!(
                    "host guessed: the archive's name does not look like a host; its files are read as host `{}`",
                    archive_stem(&node.name)
                ),
            });
        }
        node.own_name()
    }

    /// The name of the one host of a wrapped bundle: its own, unless that
    /// does not look like a host and a wrapper above it does.
    fn single_host(&mut self, node: &Node, path: &str, above: &[Named]) -> Named {
        let own = node.own_name();
        if host_likeness(&own.0) >= 2 {
            return self.host_name(node, path);
        }
        match above.iter().rev().find(|n| host_likeness(&n.0) >= 2) {
            Some(named) => {
                self.warnings.push(WalkProblem {
                    display: path.to_string(),
                    message: format!(
                        "host guessed: `{}` holds the logs but does not look like a host name; they are read as host `{}`, the folder or archive above it",
                        own.0, named.0
                    ),
                });
                named.clone()
            }
            None => self.host_name(node, path),
        }
    }
}

/// The display of `child`, inside `parent` at `path`.
fn join(parent: &Node, path: &str, child: &Node) -> String {
    match (path.is_empty(), parent.archive) {
        (true, _) => child.name.clone(),
        (false, true) => format!("{path}!{}", child.name),
        (false, false) => format!("{path}/{}", child.name),
    }
}

/// The folders and archives of a display name, and its file name:
/// `a/b.zip!c/d.log` → `[(a, false), (b.zip, true), (c, false)]`, `d.log`.
fn split_display(display: &str) -> (Vec<(&str, bool)>, &str) {
    let segments: Vec<&str> = display.split('!').collect();
    let mut nodes = Vec::new();
    let last = segments.len() - 1;
    for (i, segment) in segments.iter().enumerate() {
        let parts: Vec<&str> = segment.split('/').filter(|p| !p.is_empty()).collect();
        for (j, part) in parts.iter().enumerate() {
            let is_last = j + 1 == parts.len();
            if i == last && is_last {
                return (nodes, part);
            }
            nodes.push((*part, is_last && i < last));
        }
    }
    (nodes, "")
}

/// Gives `candidate` its host, and the stream the host prefixes.
pub(crate) fn set_host(candidate: &mut Candidate, host: String, from: HostFrom) {
    let (_, file) = split_display(&candidate.display);
    candidate.stream = format!("{host}/{}", detect::stream_base(file));
    candidate.host = host;
    candidate.host_from = from;
}

/// Finds every candidate's host (and its stream, which the host prefixes)
/// from the shape of its bundle. The result does not depend on the order
/// of `candidates`. Returns the warnings for the guesses it made.
pub fn assign<'a>(candidates: impl IntoIterator<Item = &'a mut Candidate>) -> Vec<WalkProblem> {
    let mut candidates: Vec<&mut Candidate> = candidates.into_iter().collect();
    let mut trees: BTreeMap<(u32, String), Node> = BTreeMap::new();
    for (i, candidate) in candidates.iter().enumerate() {
        let root = trees
            .entry((candidate.bundle.index, candidate.bundle.name.clone()))
            .or_default();
        let (folders, file) = split_display(&candidate.display);
        let mut node = root;
        for (name, archive) in folders {
            node = node.child(name, archive);
        }
        node.files.push(i);
        if is_log_name(file) {
            node.logs_here += 1;
        }
    }
    // An archive's own source (its problems) belongs inside it.
    for (i, candidate) in candidates.iter().enumerate() {
        let (folders, file) = split_display(&candidate.display);
        let key = (candidate.bundle.index, candidate.bundle.name.clone());
        let mut node = trees.get_mut(&key).expect("tree built above");
        for (name, archive) in folders {
            node = node.child(name, archive);
        }
        if let Some(inner) = node.children.get_mut(&(file.to_string(), true)) {
            node.files.retain(|&f| f != i);
            if is_log_name(file) {
                node.logs_here -= 1;
            }
            inner.files.push(i);
        }
    }
    let mut finder = Finder {
        hosts: vec![None; candidates.len()],
        warnings: Vec::new(),
    };
    for ((_, name), root) in &mut trees {
        root.count();
        let here = (name.clone(), HostFrom::Single);
        finder.peel(root, here, "", &mut Vec::new());
    }
    for (candidate, found) in candidates.iter_mut().zip(finder.hosts) {
        let (host, from) =
            found.unwrap_or_else(|| (candidate.bundle.name.clone(), HostFrom::Single));
        set_host(candidate, host, from);
    }
    finder.warnings.sort();
    finder.warnings.dedup();
    finder.warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn candidates(bundle: &str, displays: &[&str]) -> Vec<Candidate> {
        displays
            .iter()
            .map(|d| {
                let file = d.rsplit(['/', '!']).next().unwrap();
                Candidate {
                    display: d.to_string(),
                    path: PathBuf::from(d),
                    host: String::new(),
                    host_from: HostFrom::Single,
                    bundle: Bundle {
                        index: 0,
                        name: bundle.into(),
                    },
                    node: None,
                    name_kind: detect::kind_from_name(file),
                    stream: String::new(),
                }
            })
            .collect()
    }

    /// `(display, host, host_from)` of every file, and the warnings.
    fn hosts_of(bundle: &str, displays: &[&str]) -> (Vec<(String, String, HostFrom)>, usize) {
        let mut found = candidates(bundle, displays);
        let warnings = assign(found.iter_mut());
        let rows = found
            .into_iter()
            .map(|c| (c.display, c.host, c.host_from))
            .collect();
        (rows, warnings.len())
    }

    fn host_names(bundle: &str, displays: &[&str]) -> Vec<String> {
        hosts_of(bundle, displays)
            .0
            .into_iter()
            .map(|(_, h, _)| h)
            .collect()
    }

    #[test]
    fn the_first_level_of_hosts_is_found_as_before() {
        let (rows, warnings) = hosts_of(
            "bundle",
            &[
                "alarms.csv",
                "infagw01/logs/node01/node.log",
                "infagw02/node.log",
            ],
        );
        assert_eq!(
            rows,
            [
                ("alarms.csv".into(), "bundle".into(), HostFrom::Single),
                (
                    "infagw01/logs/node01/node.log".into(),
                    "infagw01".into(),
                    HostFrom::Folder
                ),
                (
                    "infagw02/node.log".into(),
                    "infagw02".into(),
                    HostFrom::Folder
                ),
            ]
        );
        assert_eq!(warnings, 0);
    }

    #[test]
    fn wrapper_folders_and_archives_are_peeled_to_any_depth() {
        let inner = ["h1/logs/n1/node.log", "h2/node.log", "h2/gc.log"];
        for wrap in [
            "collected-logs/",
            "a/b/collected/",
            "bundle.tar.gz!collected-logs/",
            "x.zip!y/z.tar!",
            "support/case-1234.zip!",
        ] {
            let displays: Vec<String> = inner.iter().map(|i| format!("{wrap}{i}")).collect();
            let displays: Vec<&str> = displays.iter().map(String::as_str).collect();
            assert_eq!(
                host_names("root", &displays),
                ["h1", "h2", "h2"],
                "wrapped in {wrap}"
            );
        }
    }

    #[test]
    fn one_host_stays_one_host() {
        // The root is a host's folder: its logs directly, or `logs/<node>/`.
        assert_eq!(
            host_names("infagw01", &["node.log", "gc.log"]),
            ["infagw01"; 2]
        );
        assert_eq!(
            hosts_of("infagw01", &["logs/node01/node.log"]).0[0].2,
            HostFrom::Single
        );
        // One host under wrappers.
        assert_eq!(
            host_names("root", &["w/infagw01/logs/node01/node.log"]),
            ["infagw01"]
        );
        assert_eq!(
            host_names(
                "root",
                &["mrs-master1/var/log/Bigdata/flink/flinkserver/prestart.log"]
            ),
            ["mrs-master1"]
        );
        // An archive with no host name inside a host's folder is its tree,
        // and so is a rotated log packed alone.
        assert_eq!(
            host_names(
                "root",
                &[
                    "mrs-master1/flinkserver-2026-03-01_10-15-22.[1].log.zip!flinkserver-2026-03-01_10-15-22.[1].log",
                    "mrs-master2/flinkserver.log",
                ]
            ),
            ["mrs-master1", "mrs-master2"]
        );
        assert_eq!(
            host_names(
                "root",
                &[
                    "flink-stopped.tar.gz!flink-stopped/a1/flinkserver.log",
                    "flink-stopped.tar.gz!flink-stopped/a2/flinkserver.log"
                ]
            ),
            ["a1", "a2"]
        );
        assert_eq!(
            host_names("root", &["infagw03/logs.tar!logs/node03/node.log"]),
            ["infagw03"]
        );
    }

    #[test]
    fn a_host_folder_named_like_no_host_gives_way_to_one_above_with_a_warning() {
        let (rows, warnings) = hosts_of("root", &["collected/infagw01/stuff/node.log"]);
        assert_eq!(rows[0].1, "infagw01");
        assert_eq!(warnings, 1);
    }

    #[test]
    fn per_host_archives_name_their_hosts() {
        let (rows, warnings) = hosts_of(
            "root",
            &[
                "infagw01_20260312.tar.gz!logs/node01/node.log",
                "infagw02-logs.zip!node.log",
                "infawk01.tgz!infawk01/node.log",
                "bundle.zip!h3/node.log",
                "bundle.zip!h4/node.log",
            ],
        );
        let hosts: Vec<_> = rows.iter().map(|r| (r.1.as_str(), r.2)).collect();
        assert_eq!(
            hosts,
            [
                ("infagw01", HostFrom::Archive),
                ("infagw02", HostFrom::Archive),
                ("infawk01", HostFrom::Folder),
                ("h3", HostFrom::Folder),
                ("h4", HostFrom::Folder),
            ]
        );
        assert_eq!(warnings, 0);
    }

    #[test]
    fn the_result_does_not_depend_on_listing_order() {
        let displays = [
            "w/alarms.csv",
            "w/b.zip!h1/node.log",
            "w/b.zip!h2/node.log",
            "w/h3/logs/n3/node.log",
            "w/README.txt",
            "w/h4/catalina.out",
        ];
        let forward = hosts_of("r", &displays);
        let mut reversed = displays;
        reversed.reverse();
        assert_eq!(
            forward.0.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
            ["w", "h1", "h2", "h3", "w", "h4"]
        );
        let mut backward = hosts_of("r", &reversed);
        backward.0.sort();
        let mut sorted = forward.clone();
        sorted.0.sort();
        assert_eq!(sorted, backward);
    }

    #[test]
    fn archive_names_give_host_stems() {
        let cases = [
            ("infagw01.tar.gz", Some("infagw01")),
            ("infagw01_20260312.tar.gz", Some("infagw01")),
            ("infagw01-logs.zip", Some("infagw01")),
            ("infagw01_logs_2026-03-12_10-15-00.tgz", Some("infagw01")),
            ("mrs-master1-20260312101500.zip", Some("mrs-master1")),
            ("logs-node7.example.com.tar", Some("node7.example.com")),
            ("10.0.0.5_collected.zip", Some("10.0.0.5")),
            ("collected-logs.tar.gz", None),
            ("logs.tar", None),
            ("20260312.zip", None),
        ];
        for (name, host) in cases {
            assert_eq!(archive_host(name).as_deref(), host, "{name}");
        }
    }

    #[test]
    fn names_that_look_like_hosts() {
        assert_eq!(host_likeness("10.0.0.5"), 3);
        assert_eq!(host_likeness("infagw01"), 2);
        assert_eq!(host_likeness("db.example.com"), 2);
        assert_eq!(host_likeness("stuff"), 1);
        assert_eq!(host_likeness("collected-logs"), 0);
        assert_eq!(host_likeness("2026-03-12"), 0);
        assert_eq!(host_likeness(".tmpAb12"), 0);
    }
}
