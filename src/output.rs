//! Where a command writes: standard output, or a file given with `-o` that
//! appears whole or not at all.

use anyhow::{Context, Result};
use std::fs::{self, File, OpenOptions};
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
    /// An existing target that is not a regular file (`/dev/null`, a FIFO, a
    /// terminal): written in place, because renaming a file onto it would
    /// replace the device with a file.
    Special(BufWriter<File>),
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
        let cannot = || format!("cannot write {}", target.display());
        match fs::metadata(target) {
            Ok(meta) if !meta.is_file() && !meta.is_dir() => {
                let file = OpenOptions::new()
                    .write(true)
                    .open(target)
                    .with_context(cannot)?;
                Ok(Output::Special(BufWriter::new(file)))
            }
            // A link to a regular file: the file it points at is replaced,
            // the link stays.
            Ok(meta) if meta.is_file() => {
                let resolved = fs::canonicalize(target).with_context(cannot)?;
                Self::temp_beside(&resolved)
            }
            _ => Self::temp_beside(target),
        }
    }

    fn temp_beside(target: &Path) -> Result<Output> {
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
            Output::Special(mut out) => Ok(out.flush()?),
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
            Output::Special(out) => out.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(out) => out.flush(),
            Output::File { temp, .. } => temp.flush(),
            Output::Special(out) => out.flush(),
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

    /// `-o /dev/null` once renamed a file onto the device; a FIFO stands in
    /// for it here, so a regression cannot break the machine running tests.
    #[cfg(unix)]
    #[test]
    fn a_fifo_is_written_in_place_not_replaced() {
        use std::io::Read;
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.map(|s| s.success()).unwrap_or(false) {
            eprintln!("mkfifo unavailable; skipped");
            return;
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut text = String::new();
                File::open(fifo).unwrap().read_to_string(&mut text).unwrap();
                text
            })
        };
        let mut out = Output::open(Some(&fifo)).unwrap();
        out.write_all(b"report\n").unwrap();
        out.finish().unwrap();
        assert_eq!(reader.join().unwrap(), "report\n");
        assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_keeps_pointing_at_the_rewritten_file() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        let link = dir.path().join("link.json");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let mut out = Output::open(Some(&link)).unwrap();
        out.write_all(b"new").unwrap();
        out.finish().unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn a_missing_folder_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("no/such/report.txt");
        let err = Output::open(Some(&target)).err().unwrap();
        assert!(format!("{err:#}").contains("cannot write"), "{err:#}");
    }
}
