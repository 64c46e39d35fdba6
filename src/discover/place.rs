//! Attributing archive entries to hosts and nodes, the way files in a
//! folder are: an archive inside a host's folder keeps that host; an archive
//! at the bundle root is either one host's archive (named by its stem) or a
//! whole bundle whose first folder level names the hosts. These hosts are
//! provisional: once every entry is known, [`super::hosts::assign`] finds
//! the host level from the shape of the whole bundle.

use super::{Bundle, Candidate, HOST_TREE_FOLDERS, HostFrom, detect, informatica_node};
use std::path::{Path, PathBuf};

/// Archive endings removed to name a host after its archive.
const ARCHIVE_ENDINGS: [&str; 10] = [
    ".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tgz", ".tbz2", ".txz", ".tar", ".zip", ".gz",
];

/// Where the entries of one archive belong: the display prefix that names
/// the archive, and the host and folders its position gives them.
#[derive(Clone, Debug)]
pub struct EntryPlace {
    path: PathBuf,
    prefix: String,
    host: Option<String>,
    default_host: String,
    folders: Vec<String>,
    bundle: Bundle,
}

impl EntryPlace {
    /// The place of the entries of `archive`, a file found by discovery.
    pub fn of_archive(archive: &Candidate) -> EntryPlace {
        let components: Vec<&str> = archive.display.split('/').collect();
        let name = components.last().copied().unwrap_or_default();
        let inside_host = components.len() >= 2;
        EntryPlace {
            path: archive.path.clone(),
            prefix: format!("{}!", archive.display),
            host: inside_host.then(|| archive.host.clone()),
            default_host: archive_stem(name),
            folders: folders_of(&components[components.len().min(1)..]),
            bundle: archive.bundle.clone(),
        }
    }

    /// The archive's own display name (without the trailing `!`).
    pub fn archive_display(&self) -> &str {
        self.prefix.strip_suffix('!').unwrap_or(&self.prefix)
    }

    /// The candidate for the entry named `entry` (normalised, `/`-separated).
    pub fn candidate(&self, entry: &str) -> Candidate {
        let components: Vec<&str> = entry.split('/').collect();
        let host = self.host_for(&components);
        let name = components.last().copied().unwrap_or(entry);
        let mut layout: Vec<&str> = self.folders.iter().map(String::as_str).collect();
        layout.extend(&components);
        Candidate {
            display: format!("{}{entry}", self.prefix),
            path: self.path.clone(),
            stream: format!("{host}/{}", detect::stream_base(name)),
            name_kind: detect::kind_from_name(name),
            node: informatica_node(&layout),
            host,
            host_from: HostFrom::Single,
            bundle: self.bundle.clone(),
        }
    }

    /// The place of the entries of an archive that is itself the entry
    /// `entry` of this one.
    pub fn nested(&self, entry: &str) -> EntryPlace {
        let components: Vec<&str> = entry.split('/').collect();
        let name = components.last().copied().unwrap_or(entry);
        let prefix = format!("{}{entry}!", self.prefix);
        let (host, folders) = match (&self.host, components.as_slice()) {
            (Some(host), _) => (Some(host.clone()), self.folders_with(&components)),
            (None, [_]) => (None, Vec::new()),
            (None, [first, ..]) if names_host(first) => {
                (Some(first.to_string()), folders_of(&components[1..]))
            }
            (None, _) => (Some(self.default_host.clone()), folders_of(&components)),
        };
        EntryPlace {
            path: self.path.clone(),
            prefix,
            host,
            default_host: archive_stem(name),
            folders,
            bundle: self.bundle.clone(),
        }
    }

    fn host_for(&self, components: &[&str]) -> String {
        match (&self.host, components) {
            (Some(host), _) => host.clone(),
            (None, [first, _, ..]) if names_host(first) => first.to_string(),
            (None, _) => self.default_host.clone(),
        }
    }

    fn folders_with(&self, components: &[&str]) -> Vec<String> {
        let mut folders = self.folders.clone();
        folders.extend(folders_of(components));
        folders
    }

    /// Where the archive is read from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The folders of a path: every component but the last.
fn folders_of(components: &[&str]) -> Vec<String> {
    let n = components.len().saturating_sub(1);
    components[..n].iter().map(|c| c.to_string()).collect()
}

fn names_host(folder: &str) -> bool {
    !HOST_TREE_FOLDERS.contains(&folder.to_lowercase().as_str())
}

/// `infagw01.tar.gz` → `infagw01`.
fn archive_stem(name: &str) -> String {
    let lower = name.to_lowercase();
    ARCHIVE_ENDINGS
        .iter()
        .find(|e| lower.ends_with(*e) && lower.len() > e.len())
        .map_or_else(
            || name.to_string(),
            |e| name[..name.len() - e.len()].to_string(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(display: &str, host: &str) -> Candidate {
        Candidate {
            display: display.into(),
            path: PathBuf::from("/bundle").join(display),
            host: host.into(),
            host_from: HostFrom::Single,
            bundle: Bundle::default(),
            node: None,
            name_kind: None,
            stream: String::new(),
        }
    }

    fn who(place: &EntryPlace, entry: &str) -> (String, String, Option<String>) {
        let c = place.candidate(entry);
        (c.display, c.host, c.node)
    }

    fn triple(display: &str, host: &str, node: Option<&str>) -> (String, String, Option<String>) {
        (display.into(), host.into(), node.map(str::to_string))
    }

    #[test]
    fn per_host_archive_at_the_root_names_its_host() {
        let place = EntryPlace::of_archive(&archive("infagw01.tar.gz", "bundle"));
        assert_eq!(
            who(&place, "logs/node01/node.log"),
            triple(
                "infagw01.tar.gz!logs/node01/node.log",
                "infagw01",
                Some("node01")
            )
        );
        assert_eq!(
            who(&place, "gc.log"),
            triple("infagw01.tar.gz!gc.log", "infagw01", None)
        );
        assert_eq!(
            who(&place, "infagw01/node.log"),
            triple("infagw01.tar.gz!infagw01/node.log", "infagw01", None)
        );
    }

    #[test]
    fn whole_bundle_archive_first_folder_names_hosts() {
        let place = EntryPlace::of_archive(&archive("collected.zip", "bundle"));
        assert_eq!(
            who(&place, "infagw02/logs/node02/node.log"),
            triple(
                "collected.zip!infagw02/logs/node02/node.log",
                "infagw02",
                Some("node02")
            )
        );
    }

    #[test]
    fn archive_in_a_host_folder_keeps_the_host() {
        let place = EntryPlace::of_archive(&archive("infagw03/logs.tar", "infagw03"));
        assert_eq!(
            who(&place, "logs/node03/node.log"),
            triple(
                "infagw03/logs.tar!logs/node03/node.log",
                "infagw03",
                Some("node03")
            )
        );
    }

    #[test]
    fn nested_archives_chain_their_names() {
        let outer = EntryPlace::of_archive(&archive("a.zip", "bundle"));
        let per_host = outer.nested("b.tar.gz");
        assert_eq!(
            who(&per_host, "c/node.log"),
            triple("a.zip!b.tar.gz!c/node.log", "c", None)
        );
        assert_eq!(who(&per_host, "node.log").1, "b");
        let in_host = outer.nested("h9/rotated.zip");
        assert_eq!(who(&in_host, "node.log").1, "h9");
        assert_eq!(in_host.archive_display(), "a.zip!h9/rotated.zip");
    }
}
