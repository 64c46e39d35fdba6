//! Hosts named or confirmed by what a file's first lines say: the host
//! name in a sysstat header (`Linux 5.14.0 (infagw01) 03/12/2026 _x86_64_`)
//! or a `sadf -d` row, a unified-logging GC log's `hostname` decoration
//! (`[2026-03-12T10:15:22.345+0800][infagw01][info][gc] …`), and the
//! Informatica node a node.log or exceptions.log says it runs (`Starting
//! the node [node01] …`, `…/logs/node01/gc.log` in its own options).
//! JDK 8 and OpenJ9 GC headers, vmstat and alarm exports name no host of
//! their own (each alarm already takes the host its `HostName=` names).
//!
//! Names are read from the lines the kind was sniffed from, never from the
//! file again. Where the bundle's shape names no host, content names it;
//! where it does, content that disagrees is warned about, never obeyed.

use super::hosts::{HostFrom, host_likeness, set_host};
use super::{Candidate, WalkProblem};
use crate::model::SourceKind;
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Where a file's lines name the host or node it was written on.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameSource {
    /// The header line of `sar`, `iostat`, `mpstat` and `pidstat`.
    SysstatHeader,
    /// The `hostname` column of `sadf -d` output.
    SadfRow,
    /// The `hostname` decoration of JDK 9+ unified logging.
    GcHostname,
    /// The Informatica node the log says it belongs to: a node name, which
    /// names a host only when nothing else does.
    InformaticaNode,
}

impl NameSource {
    fn names_host(self) -> bool {
        self != NameSource::InformaticaNode
    }

    fn describe(self) -> &'static str {
        match self {
            NameSource::SysstatHeader => "its sysstat header",
            NameSource::SadfRow => "its sadf hostname column",
            NameSource::GcHostname => "its GC log's hostname decoration",
            NameSource::InformaticaNode => "the Informatica node it belongs to",
        }
    }
}

/// A host or node name a file's own lines give.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ContentName {
    /// The name as written.
    pub name: String,
    /// The 1-based line that says it.
    pub line: u64,
    /// What kind of line says it.
    pub from: NameSource,
}

/// `SYSNAME RELEASE (NODENAME) DATE …`, the header sysstat tools print.
static SYSSTAT_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z][\w-]* \S+ \(([^()\s]+)\)\s+\S*\d").expect("valid regex")
});
/// A node announcing itself: `Starting the node [node01] of domain …`.
static NODE_STARTING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bstart(?:ing|ed)?\s+(?:the\s+)?node\s+\[([A-Za-z0-9_.-]+)\]")
        .expect("valid regex")
});
/// The node's own log folder in a path: `<INFA_HOME>/logs/<node>/node.log`.
static NODE_LOG_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)[/\\]logs[/\\]([A-Za-z0-9_.-]+)[/\\](?:node\.log|exceptions\.log|gc[\w.-]*\.log|services[/\\])",
    )
    .expect("valid regex")
});
/// An RFC 1123 host name or an IPv4 address.
static HOST_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*$")
        .expect("valid regex")
});

/// The host (or Informatica node) `head`, the first lines of a file of
/// `kind`, names; `None` when they name none, or several.
pub fn name_in(kind: SourceKind, head: &[&str]) -> Option<ContentName> {
    match kind {
        SourceKind::SystemMetrics => sysstat_host(head).or_else(|| sadf_host(head)),
        SourceKind::GcLog => agreed(head, NameSource::GcHostname, gc_hostname),
        SourceKind::NodeLog | SourceKind::ExceptionsLog => {
            agreed(head, NameSource::InformaticaNode, informatica_node)
        }
        _ => None,
    }
}

/// The one name `find` gives on the lines that give one.
fn agreed(head: &[&str], from: NameSource, find: fn(&str) -> Option<&str>) -> Option<ContentName> {
    let mut found = head
        .iter()
        .enumerate()
        .filter_map(|(i, line)| Some((i, find(line)?)));
    let (first, name) = found.next()?;
    if found.any(|(_, other)| !other.eq_ignore_ascii_case(name)) {
        return None;
    }
    Some(ContentName {
        name: name.to_string(),
        line: first as u64 + 1,
        from,
    })
}

fn sysstat_host(head: &[&str]) -> Option<ContentName> {
    head.iter().enumerate().find_map(|(i, line)| {
        let name = SYSSTAT_HEADER.captures(line)?.get(1)?.as_str();
        names_a_host(name).then(|| ContentName {
            name: name.to_string(),
            line: i as u64 + 1,
            from: NameSource::SysstatHeader,
        })
    })
}

/// `# hostname;interval;timestamp;…` then `infagw01;600;2026-03-12 …;…`.
fn sadf_host(head: &[&str]) -> Option<ContentName> {
    let header = head
        .iter()
        .position(|l| l.trim_start_matches(['#', ' ']).starts_with("hostname;"))?;
    let (i, row) = head
        .iter()
        .enumerate()
        .skip(header + 1)
        .find(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())?;
    let name = row.split(';').next()?.trim();
    names_a_host(name).then(|| ContentName {
        name: name.to_string(),
        line: i as u64 + 1,
        from: NameSource::SadfRow,
    })
}

/// The `hostname` decoration of a unified-logging line. Decorations come
/// in a fixed order — the times (`time`, `utctime`, `uptime`, `timemillis`,
/// `uptimemillis`, `timenanos`, `uptimenanos`), then `hostname`, `pid`,
/// `tid`, `level`, `tags` — so the host is the first bracket after the
/// times, when another bracket follows it (`tags` come last) and it is not
/// a pid, a tid or a level.
fn gc_hostname(line: &str) -> Option<&str> {
    let mut groups = Vec::new();
    let mut rest = line;
    while let Some(inner) = rest.strip_prefix('[') {
        let end = inner.find(']')?;
        groups.push(inner[..end].trim());
        rest = &inner[end + 1..];
    }
    let at = groups.iter().position(|g| !is_time_decoration(g))?;
    let candidate = groups[at];
    let plausible = at + 1 < groups.len()
        && !candidate.bytes().all(|b| b.is_ascii_digit())
        && !is_level(candidate)
        && names_a_host(candidate);
    plausible.then_some(candidate)
}

/// `2026-03-12T10:15:22.345+0800`, `3.874s`, `5355ms`, `1557366060763ms`.
fn is_time_decoration(group: &str) -> bool {
    group.starts_with(|c: char| c.is_ascii_digit()) && (group.ends_with('s') || group.contains(':'))
}

fn is_level(group: &str) -> bool {
    ["trace", "debug", "info", "warning", "error"]
        .iter()
        .any(|l| group.eq_ignore_ascii_case(l))
}

fn informatica_node(line: &str) -> Option<&str> {
    [&NODE_STARTING, &NODE_LOG_PATH]
        .iter()
        .find_map(|re| Some(re.captures(line)?.get(1)?.as_str()))
}

/// A real host name: well-formed, and not the loopback names an
/// unconfigured machine reports.
fn names_a_host(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.len() <= 253
        && HOST_NAME.is_match(name)
        && !matches!(
            lower.as_str(),
            "localhost" | "localhost.localdomain" | "localhost6" | "127.0.0.1"
        )
}

/// The part of a host name that identifies it: the first label (an
/// address whole), lowercased.
fn host_key(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if lower.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return lower;
    }
    lower.split('.').next().unwrap_or_default().to_string()
}

/// Whether `place`, a host name from the bundle's shape, is the host
/// `said` names: the same name, or one that contains it as a word
/// (`infagw01.corp.example`, `infagw01-logs` for `infagw01`).
fn agrees(place: &str, said: &str) -> bool {
    let place = place.to_ascii_lowercase();
    let key = host_key(said);
    place == said.to_ascii_lowercase()
        || place.match_indices(&key).any(|(at, _)| {
            let before = place[..at].chars().next_back();
            let after = place[at + key.len()..].chars().next();
            [before, after]
                .iter()
                .all(|c| c.is_none_or(|c| !c.is_ascii_alphanumeric()))
        })
}

/// One file, with the name its lines give.
type Named<'a> = (&'a mut Candidate, Option<&'a ContentName>);

/// Names from content the hosts the bundle's shape could not name, and
/// warns where content disagrees with a name the shape gave (the shape's
/// name is kept). Fills a file's Informatica node from content when its
/// path shows none. The result does not depend on the order of `files`.
pub fn confirm<'a>(
    files: impl IntoIterator<Item = (&'a mut Candidate, Option<&'a ContentName>)>,
) -> Vec<WalkProblem> {
    let mut files: Vec<Named<'a>> = files.into_iter().collect();
    files.sort_by(|a, b| a.0.display.cmp(&b.0.display));
    let mut warnings = Vec::new();
    let mut unnamed: BTreeMap<(u32, String), Vec<usize>> = BTreeMap::new();
    for (i, (candidate, said)) in files.iter_mut().enumerate() {
        if let Some(said) = said {
            check_node(candidate, said, &mut warnings);
        }
        if candidate.host_from == HostFrom::Single {
            let key = (candidate.bundle.index, candidate.host.clone());
            unnamed.entry(key).or_default().push(i);
        } else if let Some(said) = said {
            check_host(candidate, said, &mut warnings);
        }
    }
    for group in unnamed.values() {
        name_group(&mut files, group, &mut warnings);
    }
    warnings.sort();
    warnings.dedup();
    warnings
}

/// Fills the node from content, or warns when the path names another.
fn check_node(candidate: &mut Candidate, said: &ContentName, warnings: &mut Vec<WalkProblem>) {
    if said.from != NameSource::InformaticaNode {
        return;
    }
    match &candidate.node {
        None => candidate.node = Some(said.name.clone()),
        Some(node) if !node.eq_ignore_ascii_case(&said.name) => warnings.push(WalkProblem {
            display: candidate.display.clone(),
            message: format!(
                "line {} says it belongs to Informatica node `{}`, but its path names node `{node}`; read as node `{node}`",
                said.line, said.name
            ),
        }),
        Some(_) => {}
    }
}

/// Warns when a host the bundle's shape named is not the one the file says.
fn check_host(candidate: &Candidate, said: &ContentName, warnings: &mut Vec<WalkProblem>) {
    let place = &candidate.host;
    // A folder named by address cannot be compared with a name.
    if !said.from.names_host() || host_likeness(place) == 3 || agrees(place, &said.name) {
        return;
    }
    let shape = match candidate.host_from {
        HostFrom::Archive => "archive",
        _ => "folder",
    };
    warnings.push(WalkProblem {
        display: candidate.display.clone(),
        message: format!(
            "line {} names host `{}` ({}), but its {shape} makes it host `{place}`; read as host `{place}`",
            said.line,
            said.name,
            said.from.describe()
        ),
    });
}

/// Names the hosts of files whose place named none (one host's folder, a
/// flat folder, a single file): the one host their lines name, or each
/// file its own when they name several. Informatica node names stand in
/// only when no line names a host and the folder's name is no host's.
fn name_group<'a>(files: &mut [Named<'a>], group: &[usize], warnings: &mut Vec<WalkProblem>) {
    let place = files[group[0]].0.host.clone();
    let claims = |hosts: bool| -> Claims<'a> {
        let mut by_key = Claims::new();
        for &i in group {
            if let Some(said) = files[i].1.filter(|s| s.from.names_host() == hosts) {
                by_key
                    .entry(host_key(&said.name))
                    .or_default()
                    .push((i, said));
            }
        }
        by_key
    };
    let hosts = claims(true);
    if !hosts.is_empty() {
        return apply(files, group, &hosts, &place, warnings);
    }
    let nodes = claims(false);
    if !nodes.is_empty() && host_likeness(&place) < 2 {
        apply(files, group, &nodes, &place, warnings);
    }
}

/// The files of a group that name a host, by host key, in path order.
type Claims<'a> = BTreeMap<String, Vec<(usize, &'a ContentName)>>;

/// Gives the group the hosts `claims` found.
fn apply(
    files: &mut [Named<'_>],
    group: &[usize],
    claims: &Claims<'_>,
    place: &str,
    warnings: &mut Vec<WalkProblem>,
) {
    // One name per host: the folder's when it is that host's, else the
    // one its first file gives.
    let name_of = |members: &[(usize, &ContentName)]| {
        let said = members[0].1.name.as_str();
        if agrees(place, said) { place } else { said }.to_string()
    };
    if let [(_, members)] = claims.iter().collect::<Vec<_>>().as_slice() {
        let name = name_of(members);
        let (first, said) = members[0];
        warn_renamed(files[first].0, said, place, warnings);
        for &i in group {
            set_host(files[i].0, name.clone(), HostFrom::Content);
        }
        return;
    }
    let names: Vec<String> = claims.values().map(|m| name_of(m)).collect();
    for members in claims.values() {
        let name = name_of(members);
        for &(i, said) in members {
            warn_renamed(files[i].0, said, place, warnings);
            set_host(files[i].0, name.clone(), HostFrom::Content);
        }
    }
    let claimed = |i: usize| claims.values().flatten().any(|&(c, _)| c == i);
    for &i in group.iter().filter(|&&i| !claimed(i)) {
        let candidate = &files[i].0;
        if candidate.name_kind != Some(SourceKind::AlarmExport) {
            warnings.push(WalkProblem {
                display: candidate.display.clone(),
                message: format!(
                    "host unknown: the files beside it name several hosts ({}) and it names none; read as host `{place}`",
                    names.join(", ")
                ),
            });
        }
    }
}

/// Says so when a host is named after an Informatica node, or when the
/// content's name replaces a folder name that looked like a host's.
fn warn_renamed(
    candidate: &Candidate,
    said: &ContentName,
    place: &str,
    warnings: &mut Vec<WalkProblem>,
) {
    let message = if !said.from.names_host() {
        format!(
            "host guessed: no host name in the logs or their place; read as host `{}`, the Informatica node line {} names",
            said.name, said.line
        )
    } else if host_likeness(place) >= 2 && !agrees(place, &said.name) {
        format!(
            "read as host `{}`, as line {} says ({}), not `{place}` as the folder is named",
            said.name,
            said.line,
            said.from.describe()
        )
    } else {
        return;
    };
    warnings.push(WalkProblem {
        display: candidate.display.clone(),
        message,
    });
}

#[cfg(test)]
mod tests;
