//! One file reached twice — the same root given twice, overlapping roots, a
//! root given through a symbolic link next to its target, or two hard links
//! — is read once, and the duplicate is warned about.

use super::{Inventory, WalkProblem};
use std::collections::HashMap;

/// Drops every candidate that is the same file on disk as an earlier one
/// (in the order the roots were given and walked), with a warning.
pub(super) fn read_once(inventory: &mut Inventory) {
    let mut first_of: HashMap<(u64, u64), String> = HashMap::new();
    let mut problems = Vec::new();
    inventory.candidates.retain(|candidate| {
        let Some(id) = identity(&candidate.path) else {
            return true;
        };
        match first_of.get(&id) {
            Some(first) => {
                problems.push(WalkProblem {
                    display: candidate.display.clone(),
                    message: format!(
                        "the same file as `{first}` (a path given twice, a symbolic or a hard link): read once"
                    ),
                });
                false
            }
            None => {
                first_of.insert(id, candidate.display.clone());
                true
            }
        }
    });
    inventory.problems.extend(problems);
}

#[cfg(unix)]
fn identity(path: &std::path::Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(path: &std::path::Path) -> Option<(u64, u64)> {
    let _ = path;
    None
}
