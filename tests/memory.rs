//! Memory must not grow with the number of matching lines, nor with a
//! capture's packets. A counting global allocator measures the peak heap
//! of a whole analysis of generated flood logs — a node.log whose every
//! INFO line matches a signal, and a vmstat taken every second — and of a
//! generated capture of many flows (per flow only its state, its findings
//! and a 24-byte digest of each data segment, capped, are kept). The bound is on bytes, not time, so it holds
//! on any machine; the throughput figures live in `benches/bench.sh`.

use etherparse::PacketBuilder;
use hbdiag::parse::pcap::write::{CaptureWriter, ETHERNET, Format};
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

/// Held by each test of this file from its start: they share the
/// counters, so one allocates at a time.
static ALONE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn alone() -> std::sync::MutexGuard<'static, ()> {
    ALONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Analyses `bundle` with the built-in rules (loaded before the measure
/// starts), then removes it: the analysis and the peak heap it took.
fn analyze_measured(bundle: &Path) -> (hbdiag::pipeline::Analysis, usize) {
    let defs = hbdiag::pipeline::Definitions::load(None).expect("the built-in rules load");
    let options = hbdiag::pipeline::AnalyzeOptions {
        paths: vec![bundle.to_path_buf()],
        ..Default::default()
    };
    let result = measured(|| hbdiag::pipeline::analyze(&options, &defs));
    std::fs::remove_dir_all(bundle).unwrap();
    result
}

/// What `run` returns and the peak heap it used, in bytes.
fn measured<T>(run: impl FnOnce() -> T) -> (T, usize) {
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let result = run();
    (result, PEAK.load(Ordering::Relaxed) - before)
}

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
    let _alone = alone();
    let bundle = std::env::temp_dir().join(format!("hbdiag-memory-{}", std::process::id()));
    let logs = bundle.join("infa01/logs/node01");
    std::fs::create_dir_all(&logs).unwrap();
    write_node_log(&logs.join("node.log")).unwrap();
    write_vmstat(&bundle.join("infa01/vmstat-infa01.log")).unwrap();

    let (analysis, peak) = analyze_measured(&bundle);

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

/// Flows of the capture, each a client of the domain port.
const FLOWS: u16 = 500;
/// Rounds: in each, every flow sends a segment and the master ACKs it;
/// every tenth round the segment is sent twice.
const ROUNDS: u32 = 400;
/// What the analysis of the capture may use besides the compiled catalog: the read
/// buffer (1 MiB), the flows and their findings, and the digests of the
/// 220 000 data segments (24 bytes each, in vectors that grow by doubling).
const CAPTURE_PEAK_HEAP_BOUND: usize = 24 * 1024 * 1024;

fn frame(client_port: u16, to_master: bool, seq: u32, ack: u32, len: usize) -> Vec<u8> {
    let (src, dst, sport, dport) = if to_master {
        ([10, 0, 1, 2], [10, 0, 0, 1], client_port, 6005)
    } else {
        ([10, 0, 0, 1], [10, 0, 1, 2], 6005, client_port)
    };
    let mut out = Vec::new();
    PacketBuilder::ethernet2([2; 6], [4; 6])
        .ipv4(src, dst, 64)
        .tcp(sport, dport, seq, 29_200)
        .ack(ack)
        .write(&mut out, &vec![0x2a; len])
        .unwrap();
    out
}

fn write_capture(path: &std::path::Path) -> u64 {
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut writer = CaptureWriter::new(file, Format::PcapNg, ETHERNET).unwrap();
    let mut frames = 0;
    let mut at = 1_773_309_600_000_000_000i64;
    for round in 0..ROUNDS {
        for flow in 0..FLOWS {
            let port = 20_000 + flow;
            let seq = 1 + round * 312;
            let copies = if round % 10 == 9 { 2 } else { 1 };
            for _ in 0..copies {
                writer
                    .frame(at, &frame(port, true, seq, 1, 312), 128)
                    .unwrap();
                at += 1_000_000;
                frames += 1;
            }
            writer
                .frame(at, &frame(port, false, 1, seq + 312, 0), 128)
                .unwrap();
            at += 1_000_000;
            frames += 1;
        }
    }
    writer.finish().unwrap();
    frames
}

#[test]
fn a_large_capture_keeps_the_heap_small() {
    let _alone = alone();
    let bundle = std::env::temp_dir().join(format!("hbdiag-capture-memory-{}", std::process::id()));
    let folder = bundle.join("infagw01/captures");
    std::fs::create_dir_all(&folder).unwrap();
    let frames = write_capture(&folder.join("hb.pcapng"));

    let (analysis, peak) = analyze_measured(&bundle);

    let capture = &analysis.sources[0];
    assert_eq!(capture.lines, frames, "every packet was read");
    // Each flow: its summary and one episode of retransmissions a minute
    // (the rounds are 1 s apart per flow, so they never break an episode).
    assert_eq!(
        capture.records,
        u64::from(FLOWS) * 2,
        "{:?}",
        capture.warnings
    );
    assert!(
        peak < CAPTURE_PEAK_HEAP_BOUND,
        "peak heap {} MiB for {frames} packets (bound {} MiB)",
        peak >> 20,
        CAPTURE_PEAK_HEAP_BOUND >> 20
    );
    eprintln!("peak heap {} MiB for {frames} packets", peak >> 20);
}
