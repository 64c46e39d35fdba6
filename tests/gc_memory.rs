//! `hbdiag gc` summarizes a GC log without keeping its events: the heap it
//! needs grows by a compact record per pause, not by the events, so a log
//! of hundreds of megabytes fits in a little memory. A counting allocator
//! measures the peak while a generated log streams through.

use hbdiag::gc_summary::summarize_reader;
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufReader, Read};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Pauses in the generated log.
const PAUSES: usize = 80_000;

/// A JDK 8 Parallel log of [`PAUSES`] young pauses, 0–99 ms long, one to
/// three seconds apart, written as it is read so the input takes no heap.
struct Log {
    written: usize,
    line: Vec<u8>,
    at: usize,
    seed: u64,
}

impl Log {
    fn new() -> Self {
        Log {
            written: 0,
            line: Vec::new(),
            at: 0,
            seed: 7,
        }
    }

    fn next_line(&mut self) {
        self.seed = self
            .seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let ms = (self.seed >> 33) % 100;
        let uptime = self.written as f64 * 2.0 + (self.seed >> 50) as f64 / 16384.0;
        self.line.clear();
        self.line.extend_from_slice(
            format!(
                "{uptime:.3}: [GC (Allocation Failure) 662144K->400{ms}K(1005056K), 0.0{ms:02}0000 secs]\n"
            )
            .as_bytes(),
        );
        self.at = 0;
        self.written += 1;
    }
}

impl Read for Log {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.line.len() {
            if self.written == PAUSES {
                return Ok(0);
            }
            self.next_line();
        }
        let n = buf.len().min(self.line.len() - self.at);
        buf[..n].copy_from_slice(&self.line[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[test]
fn peak_heap_grows_by_a_compact_record_per_pause() {
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let summary = summarize_reader("gc.log", BufReader::new(Log::new())).unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert_eq!(summary.pauses, PAUSES);
    assert_eq!(summary.longest.len(), 5);
    // Each pause once took an event, its text and its boxed details: some
    // 800 bytes, a 64 MB peak here. Now it takes a 32-byte record (6.5 MB
    // with the room a growing vector leaves and its moves).
    let bound = 150 * PAUSES;
    assert!(
        peak < bound,
        "peak heap {peak} bytes for {PAUSES} pauses, over {bound}"
    );
}
