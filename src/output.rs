//! Where a command writes: standard output, or a file given with `-o` that
//! appears whole or not at all.

use anyhow::{Context, Result};
use std::io::{self, BufWriter, StdoutLock, Write};
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// The `-o FILE` destination of a command's output; `-` and no flag mean
/// standard output.
pub enum Output {
    /// Standard output.
    Stdout(BufWriter<StdoutLock<'static>>),
    /// A temporary file beside `target`, renamed onto it by [`Output::finish`],
    /// so a failed or interrupted run never leaves half a report behind.
    File {
        temp: BufWriter<NamedTempFile>,
        target: PathBuf,
    },
}

impl Output {
    /// Opens the destination `-o` names (`None` or `-`: standard output).
    pub fn open(path: Option<&Path>) -> Result<Output> {
        match path {
            Some(path) if path.as_os_str() != "-" => Self::file(path),
            _ => Ok(Output::Stdout(BufWriter::new(io::stdout().lock()))),
        }
    }

    fn file(target: &Path) -> Result<Output> {
        let folder = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let temp = temp_builder()
            .tempfile_in(folder)
            .with_context(|| format!("cannot write {}", target.display()))?;
        Ok(Output::File {
            temp: BufWriter::new(temp),
            target: target.to_path_buf(),
        })
    }

    /// True when the output goes to a terminal: the text report then fits
    /// the terminal's width and may be coloured.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Output::Stdout(_)) && io::IsTerminal::is_terminal(&io::stdout())
    }

    /// Flushes everything written; a file output is then moved onto its
    /// target. Dropping an `Output` without this removes the temporary file.
    pub fn finish(self) -> Result<()> {
        match self {
            Output::Stdout(mut out) => Ok(out.flush()?),
            Output::File { temp, target } => {
                let cannot = || format!("cannot write {}", target.display());
                let temp = temp
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .with_context(cannot)?;
                temp.as_file().sync_all().with_context(cannot)?;
                temp.persist(&target)
                    .map_err(|e| e.error)
                    .with_context(cannot)?;
                Ok(())
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(out) => out.write(buf),
            Output::File { temp, .. } => temp.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(out) => out.flush(),
            Output::File { temp, .. } => temp.flush(),
        }
    }
}

/// Temporary files hidden beside the target, created with the permissions
/// an ordinary new file gets (the umask applies), not the private ones
/// temporary files default to.
fn temp_builder() -> tempfile::Builder<'static, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".hbdiag-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.txt");
        let mut out = Output::open(Some(&target)).unwrap();
        out.write_all(b"hello\n").unwrap();
        assert!(!target.exists());
        out.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "hello\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_unfinished_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.txt");
        let mut out = Output::open(Some(&target)).unwrap();
        out.write_all(b"half").unwrap();
        drop(out);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_missing_folder_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("no/such/report.txt");
        let err = Output::open(Some(&target)).err().unwrap();
        assert!(format!("{err:#}").contains("cannot write"), "{err:#}");
    }
}
