//! Signal and rule definition files: where they come from (built in, or a
//! user's `--rules DIR`) and how a problem in one is located for the user.

use std::fmt;
use std::path::Path;

/// One definition file's text and the name used in messages.
#[derive(Clone, Debug)]
pub struct DefinitionFile {
    /// `builtin:signals/informatica.toml` or the user's path.
    pub name: String,
    pub text: String,
}

/// A problem in a definition file, with the line to look at.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct DefinitionError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl DefinitionFile {
    /// An error at byte `offset` of this file.
    pub fn error_at(&self, offset: usize, message: impl Into<String>) -> DefinitionError {
        DefinitionError {
            file: self.name.clone(),
            line: line_of(&self.text, offset),
            message: message.into(),
        }
    }

    /// Deserializes the file, turning a TOML error into a located one.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, DefinitionError> {
        toml::from_str(&self.text).map_err(|err| {
            let offset = err.span().map_or(0, |span| span.start);
            self.error_at(offset, err.message().trim().to_string())
        })
    }

    /// Whether the file defines signals (`[[signal]]` tables).
    pub fn defines_signals(&self) -> bool {
        self.has_table("[[signal]]")
    }

    /// Whether the file defines cross-host clock pairs (`[[clock_pair]]`).
    pub fn defines_clock_pairs(&self) -> bool {
        self.has_table("[[clock_pair]]")
    }

    /// Whether the file is a rule: neither signals nor clock pairs.
    pub fn defines_rule(&self) -> bool {
        !self.defines_signals() && !self.defines_clock_pairs()
    }

    fn has_table(&self, header: &str) -> bool {
        self.text
            .lines()
            .any(|l| l.trim_start().starts_with(header))
    }
}

/// 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The built-in definitions, compiled into the binary from `rules/`.
pub fn builtin() -> Vec<DefinitionFile> {
    include!(concat!(env!("OUT_DIR"), "/builtin_definitions.rs"))
        .iter()
        .map(|(name, text)| DefinitionFile {
            name: format!("builtin:{name}"),
            text: (*text).to_string(),
        })
        .collect()
}

/// Version of the built-in rule set: 8 hex digits of a content hash of
/// every file under `rules/` (names and bytes, computed by `build.rs`), so
/// any change to a signal, rule or clock pair gives a new version. It tells
/// which rules a report or a `--version` was made with.
pub const RULES_VERSION: &str = env!("HBDIAG_RULES_VERSION");

/// Every `*.toml` below `dir`, in path order.
pub fn read_dir(dir: &Path) -> Result<Vec<DefinitionFile>, DefinitionError> {
    let mut paths = Vec::new();
    collect_toml(dir, &mut paths).map_err(|err| DefinitionError {
        file: dir.display().to_string(),
        line: 0,
        message: format!("cannot read rules folder: {err}"),
    })?;
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|err| DefinitionError {
                file: path.display().to_string(),
                line: 0,
                message: format!("cannot read: {err}"),
            })?;
            Ok(DefinitionFile {
                name: path.display().to_string(),
                text,
            })
        })
        .collect()
}

fn collect_toml(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_toml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_errors_name_the_line() {
        let file = DefinitionFile {
            name: "x.toml".into(),
            text: "[rule]\nid = \"a\"\nconfidence = \"high\"\n".into(),
        };
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct R {
            rule: Inner,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner {
            id: String,
            confidence: f64,
        }
        let err = file.parse::<R>().unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.to_string().starts_with("x.toml:3: "));
    }

    #[test]
    fn rules_version_hashes_every_builtin_file() {
        let mut key = Vec::new();
        for file in builtin() {
            let name = file.name.strip_prefix("builtin:").unwrap();
            key.extend_from_slice(name.as_bytes());
            key.push(0);
            key.extend_from_slice(&(file.text.len() as u64).to_le_bytes());
            key.extend_from_slice(file.text.as_bytes());
        }
        let hash = key.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        assert_eq!(RULES_VERSION, format!("{:08x}", hash >> 32));
    }

    #[test]
    fn builtin_set_is_not_empty() {
        assert!(builtin().iter().any(|f| f.defines_signals()));
        assert!(builtin().iter().any(|f| f.defines_rule()));
        assert!(builtin().iter().any(|f| f.defines_clock_pairs()));
    }
}
