//! Memory must not grow with the number of matching lines. A counting
//! global allocator measures the peak heap of a whole analysis of generated
//! flood logs: a node.log whose every INFO line matches a signal, and a
//! vmstat taken every second. The bound is on bytes, not time, so it holds
//! on any machine; the throughput figures live in `benches/bench.sh`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = IN_USE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; only counters are
// updated besides.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            grew(new_size - layout.size());
        } else {
            IN_USE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Lines of the flood node.log: every one raises `network_error` (a read
/// timeout at INFO), 10 ms apart, so floods fold per ten minutes.
const NODE_LOG_LINES: u64 = 300_000;
/// vmstat rows, one per second: 28 hours of samples, none overloaded.
const VMSTAT_ROWS: u64 = 100_000;
/// The peak heap an analysis of the ~50 MB below may use besides the
/// compiled catalog: read buffers and folded floods, not the matching lines
/// (5 MiB measured; keeping each vmstat sample as an event took 100 MiB).
const PEAK_HEAP_BOUND: usize = 16 * 1024 * 1024;

fn write_node_log(path: &Path) -> std::io::Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    let start = chrono::NaiveDate::from_ymd_opt(2026, 3, 12)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .expect("a valid start");
    for i in 0..NODE_LOG_LINES {
        let at = start + chrono::Duration::milliseconds(i as i64 * 10);
        writeln!(
            out,
            "{} INFO  [LDAP Synchronization] [UM_10101] Retrying the user synchronization: the earlier attempt read timed out.",
            at.format("%Y-%m-%d %H:%M:%S,%3f")
        )?;
    }
    out.flush()
}

fn write_vmstat(path: &Path) -> std::io::Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    let start = chrono::NaiveDate::from_ymd_opt(2026, 3, 12)
        .and_then(|d| d.and_hms_opt(8, 0, 0))
        .expect("a valid start");
    writeln!(
        out,
        "procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu----- -----timestamp-----"
    )?;
    writeln!(
        out,
        " r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st                 UTC"
    )?;
    for i in 0..VMSTAT_ROWS {
        let at = start + chrono::Duration::seconds(i as i64);
        writeln!(
            out,
            " {}  0      0 923581  97301 7877782    0    0    22   114 1135 2195 15  4 80  1  0 {}",
            i % 4,
            at.format("%Y-%m-%d %H:%M:%S")
        )?;
    }
    out.flush()
}

#[test]
fn a_flood_of_matching_lines_keeps_the_heap_small() {
    let bundle = std::env::temp_dir().join(format!("hbdiag-memory-{}", std::process::id()));
    let logs = bundle.join("infa01/logs/node01");
    std::fs::create_dir_all(&logs).unwrap();
    write_node_log(&logs.join("node.log")).unwrap();
    write_vmstat(&bundle.join("infa01/vmstat-infa01.log")).unwrap();

    let defs = hbdiag::pipeline::Definitions::load(None).expect("the built-in rules load");
    let options = hbdiag::pipeline::AnalyzeOptions {
        paths: vec![bundle.clone()],
        ..Default::default()
    };
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let analysis = hbdiag::pipeline::analyze(&options, &defs);
    let peak = PEAK.load(Ordering::Relaxed) - before;
    std::fs::remove_dir_all(&bundle).unwrap();

    let records: u64 = analysis.sources.iter().map(|s| s.records).sum();
    assert_eq!(records, NODE_LOG_LINES + VMSTAT_ROWS, "every line was read");
    let kept = analysis.timeline.entries.len();
    assert!(
        kept < 2_000,
        "{kept} events kept for {records} records: floods must fold"
    );
    assert!(
        peak < PEAK_HEAP_BOUND,
        "peak heap {} MiB for {records} matching records (bound {} MiB)",
        peak >> 20,
        PEAK_HEAP_BOUND >> 20
    );
    eprintln!("peak heap {} MiB, {kept} events kept", peak >> 20);
}
