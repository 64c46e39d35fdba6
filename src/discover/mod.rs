//! Discover stage: walk the paths the user gave, attribute every file to a
//! host (and Informatica node), guess its kind from its name and group
//! rotations of one log into a stream. Nothing is read here but directory
//! entries; the parse stage confirms each kind by sniffing.

pub mod archive;
pub mod content;
pub mod detect;
pub mod hosts;
pub mod open;
mod place;
mod same_file;

pub use hosts::{Bundle, HostFrom};
pub use place::EntryPlace;

use crate::model::SourceKind;
use std::fs;
use std::path::{Path, PathBuf};

/// A file found in the bundle (or an entry of an archive found in it),
/// with what its place and name tell.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    /// Path relative to the bundle root, `/`-separated: how reports name it.
    /// Archive entries add `!` and the entry name: `collected.zip!h1/node.log`.
    pub display: String,
    /// Where to read it (for an archive entry: the archive on disk).
    pub path: PathBuf,
    /// Host it was collected from.
    pub host: String,
    /// How the host was found.
    pub host_from: HostFrom,
    /// The bundle root it was found under.
    pub bundle: Bundle,
    /// Informatica node name, when the layout shows it (`logs/<node>/`).
    pub node: Option<String>,
    /// Kind suggested by the file name.
    pub name_kind: Option<SourceKind>,
    /// Rotations of one log share a stream: host plus the base file name.
    pub stream: String,
}

/// A file or folder that could not be listed; the walk goes on without it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WalkProblem {
    pub display: String,
    pub message: String,
}

/// Everything the walk found, in path order.
#[derive(Debug, Default)]
pub struct Inventory {
    pub candidates: Vec<Candidate>,
    pub problems: Vec<WalkProblem>,
}

/// Walks `roots` (folders or single files). Entries are visited in name
/// order so the result is the same on every run.
pub fn discover(roots: &[PathBuf]) -> Inventory {
    let mut inventory = Inventory::default();
    for (index, root) in roots.iter().enumerate() {
        let bundle = Bundle {
            index: index as u32,
            name: default_host(root),
        };
        // A root given through a symbolic link is followed.
        match fs::metadata(root) {
            Ok(meta) if meta.is_dir() => walk(root, root, &bundle, &mut inventory),
            Ok(_) => {
                let name = file_name(root);
                inventory
                    .candidates
                    .push(candidate(root, &name, &bundle, &[&name]));
            }
            Err(err) => inventory.problems.push(WalkProblem {
                display: root.display().to_string(),
                message: format!("cannot read: {err}"),
            }),
        }
    }
    same_file::read_once(&mut inventory);
    // Archive entries are only known once read: the scan assigns hosts
    // again over everything, with warnings.
    hosts::assign(inventory.candidates.iter_mut());
    inventory.candidates.sort();
    inventory.problems.sort();
    inventory
}

/// Folders that sit directly in one host's tree, never as a host name.
pub(crate) const HOST_TREE_FOLDERS: [&str; 6] =
    ["logs", "log", "var", "opt", "tomcat", "informatica"];

fn walk(root: &Path, dir: &Path, bundle: &Bundle, inventory: &mut Inventory) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            inventory.problems.push(WalkProblem {
                display: relative_display(root, dir),
                message: format!("cannot list folder: {err}"),
            });
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let display = relative_display(root, &path);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => inventory.problems.push(WalkProblem {
                display,
                message: "symbolic link not followed".into(),
            }),
            Ok(meta) if meta.is_dir() => walk(root, &path, bundle, inventory),
            Ok(_) => {
                let components: Vec<&str> = display.split('/').collect();
                inventory
                    .candidates
                    .push(candidate(&path, &display, bundle, &components));
            }
            Err(err) => inventory.problems.push(WalkProblem {
                display,
                message: format!("cannot read: {err}"),
            }),
        }
    }
}

/// A file's candidate; its host is provisional until [`hosts::assign`].
fn candidate(path: &Path, display: &str, bundle: &Bundle, components: &[&str]) -> Candidate {
    let host = bundle.name.clone();
    let name = components.last().copied().unwrap_or(display);
    Candidate {
        display: display.to_string(),
        path: path.to_path_buf(),
        stream: format!("{host}/{}", detect::stream_base(name)),
        name_kind: detect::kind_from_name(name),
        host,
        host_from: HostFrom::Single,
        bundle: bundle.clone(),
        node: informatica_node(components),
    }
}

/// `<host>/…/logs/<node>/node.log` names the node; so does a folder between
/// the host and the file when its parent is `logs`.
pub(crate) fn informatica_node(components: &[&str]) -> Option<String> {
    let n = components.len();
    (n >= 3 && components[n - 3].eq_ignore_ascii_case("logs"))
        .then(|| components[n - 2].to_string())
}

/// The host for files directly under a root: the root folder's own name for
/// a folder, the parent folder's name for a single file.
fn default_host(root: &Path) -> String {
    let named = if root.is_dir() {
        root.canonicalize().ok()
    } else {
        root.canonicalize()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
    };
    named.as_deref().and_then(Path::file_name).map_or_else(
        || "localhost".to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn relative_display(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, "x").unwrap();
    }

    #[test]
    fn hosts_nodes_kinds_and_streams_from_layout() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, "infagw01/logs/node01/node.log");
        touch(root, "infagw01/logs/node01/node.log.2.gz");
        touch(root, "infagw02/exceptions.log");
        touch(root, "alarms.csv");
        let inv = discover(&[root.to_path_buf()]);
        let seen: Vec<_> = inv
            .candidates
            .iter()
            .map(|c| {
                (
                    c.display.as_str(),
                    c.host.as_str(),
                    c.node.as_deref(),
                    c.name_kind,
                    c.stream.as_str(),
                )
            })
            .collect();
        let bundle = file_name(&root.canonicalize().unwrap());
        assert_eq!(
            seen,
            [
                (
                    "alarms.csv",
                    bundle.as_str(),
                    None,
                    Some(SourceKind::AlarmExport),
                    &*format!("{bundle}/alarms.csv")
                ),
                (
                    "infagw01/logs/node01/node.log",
                    "infagw01",
                    Some("node01"),
                    Some(SourceKind::NodeLog),
                    "infagw01/node.log"
                ),
                (
                    "infagw01/logs/node01/node.log.2.gz",
                    "infagw01",
                    Some("node01"),
                    Some(SourceKind::NodeLog),
                    "infagw01/node.log"
                ),
                (
                    "infagw02/exceptions.log",
                    "infagw02",
                    None,
                    Some(SourceKind::ExceptionsLog),
                    "infagw02/exceptions.log"
                ),
            ]
        );
        assert!(inv.problems.is_empty());
    }

    #[test]
    fn a_single_host_folder_names_its_own_host() {
        let dir = tempfile::tempdir().unwrap();
        let host_dir = dir.path().join("infagw01");
        touch(&host_dir, "logs/node01/node.log");
        touch(&host_dir, "logs/node01/exceptions.log");
        let inv = discover(&[host_dir]);
        let hosts: Vec<_> = inv
            .candidates
            .iter()
            .map(|c| (c.host.as_str(), c.node.as_deref()))
            .collect();
        assert_eq!(
            hosts,
            [("infagw01", Some("node01")), ("infagw01", Some("node01"))]
        );
    }

    #[test]
    fn missing_root_is_a_problem_not_a_panic() {
        let inv = discover(&[PathBuf::from("/nonexistent/hbdiag-test")]);
        assert!(inv.candidates.is_empty());
        assert_eq!(inv.problems.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_reported_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "h1/node.log");
        std::os::unix::fs::symlink(dir.path(), dir.path().join("h1/loop")).unwrap();
        let inv = discover(&[dir.path().to_path_buf()]);
        assert_eq!(inv.candidates.len(), 1);
        assert_eq!(inv.problems[0].display, "h1/loop");
    }
}
