//! A progress bar on stderr for long scans: bytes and files done, rate and
//! ETA. Hidden when stderr is not a terminal or the user asked for quiet, so
//! piped and scripted runs print nothing extra.

use crate::discover::Candidate;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

/// Progress of one scan, shared by all workers (cheap to tick).
pub struct Progress {
    bar: ProgressBar,
    files_total: u64,
    files_done: AtomicU64,
}

impl Progress {
    /// A bar over `total_bytes` (sizes on disk) and `total_files`; drawn only
    /// when `enabled` and stderr is a terminal.
    pub fn new(total_bytes: u64, total_files: u64, enabled: bool) -> Progress {
        let bar = if enabled && std::io::stderr().is_terminal() {
            ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:30} {binary_bytes}/{binary_total_bytes} {msg} {binary_bytes_per_sec} ETA {eta}",
            )
            .expect("static template is valid"),
        );
        let progress = Progress {
            bar,
            files_total: total_files,
            files_done: AtomicU64::new(0),
        };
        progress.show_files(0);
        progress
    }

    /// A bar over the files discovery found (their sizes on disk).
    pub fn for_candidates(candidates: &[Candidate], enabled: bool) -> Progress {
        let bytes = candidates
            .iter()
            .filter_map(|c| std::fs::metadata(&c.path).ok())
            .map(|m| m.len())
            .sum();
        Progress::new(bytes, candidates.len() as u64, enabled)
    }

    /// Counts `bytes` more read from disk.
    pub fn add_bytes(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    /// Counts one more file (or archive) finished.
    pub fn file_done(&self) {
        let done = self.files_done.fetch_add(1, Ordering::Relaxed) + 1;
        self.show_files(done);
    }

    /// Removes the bar at the end of the scan.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn show_files(&self, done: u64) {
        self.bar
            .set_message(format!("{done}/{} files", self.files_total));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_bar_still_counts_bytes_and_files() {
        let progress = Progress::new(100, 2, false);
        progress.add_bytes(40);
        progress.add_bytes(10);
        progress.file_done();
        assert!(progress.bar.is_hidden());
        assert_eq!(progress.bar.position(), 50);
        assert_eq!(progress.files_done.load(Ordering::Relaxed), 1);
        progress.finish();
    }
}
