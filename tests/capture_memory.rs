//! Memory must not grow with a capture's packets: a counting global
//! allocator measures the peak heap of a whole analysis of a generated
//! capture of many flows, most of whose packets are heartbeats, its
//! retransmissions and its ACKs. Per flow only its state, its findings and
//! a 24-byte digest of each data segment (capped) are kept.

use etherparse::PacketBuilder;
use hbdiag::parse::pcap::write::{CaptureWriter, ETHERNET, Format};
use std::alloc::{GlobalAlloc, Layout, System};
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

/// Flows of the capture, each a client of the domain port.
const FLOWS: u16 = 500;
/// Rounds: in each, every flow sends a segment and the master ACKs it;
/// every tenth round the segment is sent twice.
const ROUNDS: u32 = 400;
/// What the analysis may use besides the compiled catalog: the read
/// buffer (1 MiB), the flows and their findings, and the digests of the
/// 220 000 data segments (24 bytes each, in vectors that grow by doubling).
const PEAK_HEAP_BOUND: usize = 24 * 1024 * 1024;

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
    let bundle = std::env::temp_dir().join(format!("hbdiag-capture-memory-{}", std::process::id()));
    let folder = bundle.join("infagw01/captures");
    std::fs::create_dir_all(&folder).unwrap();
    let frames = write_capture(&folder.join("hb.pcapng"));

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
        peak < PEAK_HEAP_BOUND,
        "peak heap {} MiB for {frames} packets (bound {} MiB)",
        peak >> 20,
        PEAK_HEAP_BOUND >> 20
    );
    eprintln!("peak heap {} MiB for {frames} packets", peak >> 20);
}
