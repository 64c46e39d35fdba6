//! Writes the packet captures of the fixture bundles from a scripted
//! exchange: TCP handshakes, heartbeat-sized segments every 15 s, the DB
//! heartbeat every 8 s, and per bundle what went wrong (segments lost
//! between the hosts, a sender frozen by GC, a reset by the DB host). Each
//! host's capture is stamped by its own clock, a few seconds apart.
//!
//! `cargo run --example gen_captures -- fixtures`
//!
//! `gen_captures --large MB FILE` writes one large capture for
//! `benches/bench.sh` instead.
//!
//! The bundles' logs come from fixtures/unexplained, fixtures/gc-worker and
//! fixtures/db-outage, each host's moved by its capture's clock offset
//! (packets-lost: infawk01 +3.2 s; packets-gc-worker: infagw01 -2.4 s), so
//! a host's logs and capture read one clock as on a real host; the captures
//! are committed, so a clone needs not run this.

use chrono::{NaiveDateTime, TimeZone, Utc};
use etherparse::PacketBuilder;
use flate2::{Compression, write::GzEncoder};
use hbdiag::parse::pcap::write::{CaptureWriter, ETHERNET, Format};
use std::path::Path;

const MASTER: [u8; 4] = [10, 20, 0, 11];
const WORKER: [u8; 4] = [10, 20, 0, 13];
const DB: [u8; 4] = [10, 20, 0, 50];
/// One-way delay on the LAN.
const WIRE_NS: i64 = 250_000;
const MS: i64 = 1_000_000;
const S: i64 = 1_000_000_000;
/// The heartbeat and its answer, as the node's RPC writes them.
const HEARTBEAT_BYTES: usize = 312;
const ANSWER_BYTES: usize = 64;
/// Bytes kept of each frame, as `tcpdump -s 128` (the README's advice) keeps.
const SNAP: usize = 128;

/// What happens to one packet on its way.
#[derive(Copy, Clone, PartialEq)]
enum Fate {
    Delivered,
    /// Seen where it was sent, never where it was going.
    Lost,
    /// Delivered this much later than the wire's delay.
    Late(i64),
}

/// A host's capture: its address, how far its clock is off, its frames.
struct Capture {
    addr: [u8; 4],
    clock_off_ns: i64,
    frames: Vec<(i64, Vec<u8>)>,
}

impl Capture {
    fn new(addr: [u8; 4], clock_off_ns: i64) -> Capture {
        Capture {
            addr,
            clock_off_ns,
            frames: Vec::new(),
        }
    }
}

/// One TCP connection between two hosts, seen by the captures given.
struct Conn {
    ends: [([u8; 4], u16); 2],
    next: [u32; 2],
}

impl Conn {
    fn new(client: ([u8; 4], u16), server: ([u8; 4], u16), isn: [u32; 2]) -> Conn {
        Conn {
            ends: [client, server],
            next: isn,
        }
    }

    /// Sends a segment from end `d` at true time `at`: recorded by the
    /// sender's capture, and by the receiver's unless lost. Flag `s` sends
    /// the bytes without moving on: they will be sent again.
    fn send(
        &mut self,
        caps: &mut [&mut Capture],
        at: i64,
        d: usize,
        flags: &str,
        len: usize,
        fate: Fate,
    ) {
        let ((src, sport), (dst, dport)) = (self.ends[d], self.ends[1 - d]);
        let seq = self.next[d];
        let mut tcp = PacketBuilder::ethernet2([2, 0, 0, 0, 0, src[3]], [2, 0, 0, 0, 0, dst[3]])
            .ipv4(src, dst, 64)
            .tcp(sport, dport, seq, 29_200);
        if flags.contains('S') {
            tcp = tcp.syn();
        }
        if flags.contains('A') {
            tcp = tcp.ack(self.next[1 - d]);
        }
        if flags.contains('R') {
            tcp = tcp.rst();
        }
        if flags.contains('F') {
            tcp = tcp.fin();
        }
        if len > 0 {
            tcp = tcp.psh();
        }
        let mut frame = Vec::new();
        tcp.write(&mut frame, &vec![0x2a; len]).expect("frame");
        if !flags.contains('s') {
            self.next[d] = seq
                .wrapping_add(len as u32 + u32::from(flags.contains('S') || flags.contains('F')));
        }
        for cap in caps.iter_mut() {
            let seen = if cap.addr == src {
                Some(at)
            } else if cap.addr == dst {
                match fate {
                    Fate::Delivered => Some(at + WIRE_NS),
                    Fate::Late(extra) => Some(at + WIRE_NS + extra),
                    Fate::Lost => None,
                }
            } else {
                None
            };
            if let Some(t) = seen {
                cap.frames.push((t + cap.clock_off_ns, frame.clone()));
            }
        }
    }

    fn handshake(&mut self, caps: &mut [&mut Capture], at: i64) {
        self.send(caps, at, 0, "S", 0, Fate::Delivered);
        self.send(caps, at + WIRE_NS * 2, 1, "SA", 0, Fate::Delivered);
        self.send(caps, at + WIRE_NS * 4, 0, "A", 0, Fate::Delivered);
    }
}

fn utc(text: &str) -> i64 {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").expect("time");
    Utc.from_utc_datetime(&naive)
        .timestamp_nanos_opt()
        .expect("in range")
}

/// The node's heartbeats to the master every 15 s from `from` to `to`
/// (true times), each answered; `fate` says what happens to each
/// heartbeat sent at a time, `sends` whether the node sent it at all.
fn heartbeats(
    caps: &mut [&mut Capture],
    from: i64,
    to: i64,
    fate: &dyn Fn(i64) -> Fate,
    sends: &dyn Fn(i64) -> bool,
) {
    let mut conn = Conn::new(
        (WORKER, 41_822),
        (MASTER, 6005),
        [3_000_000_000, 1_200_000_000],
    );
    conn.handshake(caps, from - 2 * S);
    let mut at = from;
    while at < to {
        if sends(at) {
            match fate(at) {
                Fate::Lost => {
                    // Sent, never acknowledged: TCP sends it again after 200,
                    // 400 and 800 ms; the last copy goes out as the data.
                    for (i, backoff) in [0, 200, 600, 1400].into_iter().enumerate() {
                        let flags = if i < 3 { "As" } else { "A" };
                        conn.send(
                            caps,
                            at + backoff * MS,
                            0,
                            flags,
                            HEARTBEAT_BYTES,
                            Fate::Lost,
                        );
                    }
                }
                fate => {
                    conn.send(caps, at, 0, "A", HEARTBEAT_BYTES, fate);
                    let extra = if let Fate::Late(ms) = fate { ms } else { 0 };
                    conn.send(
                        caps,
                        at + extra + 3 * MS,
                        1,
                        "A",
                        ANSWER_BYTES,
                        Fate::Delivered,
                    );
                    conn.send(caps, at + extra + 43 * MS, 0, "A", 0, Fate::Delivered);
                }
            }
        }
        at += 15 * S;
    }
}

/// The master's DB heartbeat every 8 s, from `from` to `to`.
fn db_heartbeats(caps: &mut [&mut Capture], conn: &mut Conn, from: i64, to: i64) {
    let mut at = from;
    while at < to {
        conn.send(caps, at, 0, "A", 180, Fate::Delivered);
        conn.send(caps, at + 2 * MS, 1, "A", 40, Fate::Delivered);
        conn.send(caps, at + 42 * MS, 0, "A", 0, Fate::Delivered);
        at += 8 * S;
    }
}

fn write(capture: &Capture, path: &Path, format: Format, gzip: bool) {
    let mut frames: Vec<&(i64, Vec<u8>)> = capture.frames.iter().collect();
    frames.sort_by_key(|(t, _)| *t);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
    let mut writer = CaptureWriter::new(Vec::new(), format, ETHERNET).expect("header");
    for (t, frame) in frames {
        writer.frame(*t, frame, SNAP).expect("frame");
    }
    let bytes = writer.finish().expect("bytes");
    let bytes = if gzip {
        use std::io::Write;
        let mut enc = GzEncoder::new(Vec::new(), Compression::best());
        enc.write_all(&bytes).expect("gzip");
        enc.finish().expect("gzip")
    } else {
        bytes
    };
    std::fs::write(path, bytes).expect("write");
    println!("{} ({} packets)", path.display(), capture.frames.len());
}

const PCAP: Format = Format::Pcap {
    big_endian: false,
    nanos: false,
};

/// Heartbeats from 14:19:10 to 14:21:30 leave the node and never reach
/// the master, which marks it dead at 14:20:45; one heartbeat is 1.8 s late
/// before. The node's clock is 3.2 s ahead of the master's.
fn lost_in_between(root: &Path) {
    let mut master = Capture::new(MASTER, 0);
    let mut worker = Capture::new(WORKER, 3_200 * MS);
    let (lost_from, lost_to) = (utc("2026-03-12 14:19:10"), utc("2026-03-12 14:21:30"));
    let late = utc("2026-03-12 14:12:00");
    heartbeats(
        &mut [&mut master, &mut worker],
        utc("2026-03-12 14:00:00.250"),
        utc("2026-03-12 14:30:00"),
        &|at| match at {
            _ if (lost_from..lost_to).contains(&at) => Fate::Lost,
            _ if (late..late + 15 * S).contains(&at) => Fate::Late(1_800 * MS),
            _ => Fate::Delivered,
        },
        &|_| true,
    );
    let mut db = Conn::new((MASTER, 50_112), (DB, 1521), [700_000_000, 900_000_000]);
    db.handshake(&mut [&mut master], utc("2026-03-12 13:59:58"));
    db_heartbeats(
        &mut [&mut master],
        &mut db,
        utc("2026-03-12 14:00:01.100"),
        utc("2026-03-12 14:30:00"),
    );
    let bundle = root.join("packets-lost");
    write(
        &master,
        &bundle.join("infagw01/captures/hb-infagw01.pcap"),
        PCAP,
        false,
    );
    write(
        &worker,
        &bundle.join("infawk01/captures/hb-infawk01.pcapng.gz"),
        Format::PcapNg,
        true,
    );
}

/// The node's JVM stops for two full GCs (09:42:58.7-09:43:36.9 and
/// 09:44:03.9-09:45:44.2): it sends nothing then, and what it sends is
/// delivered. The master's clock is 2.4 s behind the node's.
fn sender_frozen_by_gc(root: &Path) {
    let mut master = Capture::new(MASTER, -2_400 * MS);
    let mut worker = Capture::new(WORKER, 0);
    let pauses = [
        (
            utc("2026-03-12 09:42:58.705"),
            utc("2026-03-12 09:43:36.916"),
        ),
        (
            utc("2026-03-12 09:44:03.905"),
            utc("2026-03-12 09:45:44.217"),
        ),
    ];
    heartbeats(
        &mut [&mut master, &mut worker],
        utc("2026-03-12 09:30:00.400"),
        utc("2026-03-12 10:00:00"),
        &|_| Fate::Delivered,
        &|at| !pauses.iter().any(|(from, to)| (*from..*to).contains(&at)),
    );
    let bundle = root.join("packets-gc-worker");
    write(
        &master,
        &bundle.join("infagw01/captures/hb-infagw01.pcap"),
        Format::Pcap {
            big_endian: true,
            nanos: true,
        },
        false,
    );
    write(
        &worker,
        &bundle.join("infawk01/captures/hb-infawk01.pcap"),
        PCAP,
        false,
    );
}

/// The database host resets the master's DB connection at 10:15:14.2 and
/// refuses every new connection after it, as a stopped listener does.
fn reset_by_the_db_host(root: &Path) {
    let mut master = Capture::new(MASTER, 0);
    let mut db = Conn::new((MASTER, 50_112), (DB, 1521), [700_000_000, 900_000_000]);
    db.handshake(&mut [&mut master], utc("2026-03-12 09:59:58"));
    let reset = utc("2026-03-12 10:15:14.200");
    db_heartbeats(
        &mut [&mut master],
        &mut db,
        utc("2026-03-12 10:00:02.300"),
        reset,
    );
    db.send(&mut [&mut master], reset, 0, "A", 180, Fate::Delivered);
    db.send(&mut [&mut master], reset + MS, 1, "RA", 0, Fate::Delivered);
    for (i, at) in [
        "10:15:22.300",
        "10:15:30.300",
        "10:15:38.300",
        "10:15:46.300",
    ]
    .iter()
    .enumerate()
    {
        let at = utc(&format!("2026-03-12 {at}"));
        let mut again = Conn::new(
            (MASTER, 50_120 + i as u16),
            (DB, 1521),
            [800_000_000 + i as u32, 0],
        );
        again.send(&mut [&mut master], at, 0, "S", 0, Fate::Delivered);
        again.send(&mut [&mut master], at + MS, 1, "RA", 0, Fate::Delivered);
    }
    write(
        &master,
        &root.join("packets-db-reset/infagw01/captures/db-infagw01.pcap"),
        PCAP,
        false,
    );
}

/// A master gateway's capture of `mb` MB for the benchmark, taken as the
/// README says (`-s 128`, the domain and DB ports) and written as it is
/// made, ten seconds at a time: 40 nodes' heartbeats to the domain port
/// every 15 s, the DB heartbeat every 8 s, and a JDBC result set streaming
/// from the DB port (a segment a millisecond, most of the packets) with
/// every second one acknowledged.
fn large_capture(path: &Path, mb: u64) {
    const NODES: u8 = 40;
    const CHUNK_NS: i64 = 10 * S;
    let file = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut writer = CaptureWriter::new(file, Format::PcapNg, ETHERNET).expect("header");
    let mut master = Capture::new(MASTER, 0);
    let mut nodes: Vec<Conn> = (0..NODES)
        .map(|i| Conn::new(([10, 20, 1, 10 + i], 41_000), (MASTER, 6005), [1, 1]))
        .collect();
    let mut db = Conn::new((MASTER, 50_112), (DB, 1521), [7, 9]);
    let mut result_set = Conn::new((MASTER, 50_114), (DB, 1521), [11, 13]);
    let start = utc("2026-03-12 12:00:00");
    let mut from = start;
    let mut written = 0u64;
    while written < mb << 20 {
        for (i, node) in nodes.iter_mut().enumerate() {
            let mut at = start + i as i64 * 370 * MS;
            while at < from {
                at += 15 * S;
            }
            while at < from + CHUNK_NS {
                node.send(
                    &mut [&mut master],
                    at,
                    0,
                    "A",
                    HEARTBEAT_BYTES,
                    Fate::Delivered,
                );
                node.send(
                    &mut [&mut master],
                    at + 3 * MS,
                    1,
                    "A",
                    ANSWER_BYTES,
                    Fate::Delivered,
                );
                at += 15 * S;
            }
        }
        db_heartbeats(
            &mut [&mut master],
            &mut db,
            from + 100 * MS,
            from + CHUNK_NS,
        );
        let mut at = from;
        while at < from + CHUNK_NS - 10 * MS {
            result_set.send(&mut [&mut master], at, 1, "A", 1448, Fate::Delivered);
            if (at - from) / MS % 2 == 1 {
                result_set.send(&mut [&mut master], at + MS / 2, 0, "A", 0, Fate::Delivered);
            }
            at += MS;
        }
        master.frames.sort_by_key(|(t, _)| *t);
        for (t, frame) in master.frames.drain(..) {
            written += frame.len().min(SNAP) as u64 + 32;
            writer.frame(t, &frame, SNAP).expect("frame");
        }
        from += CHUNK_NS;
    }
    writer.finish().expect("write");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, mb, path] = args.as_slice()
        && flag == "--large"
    {
        large_capture(Path::new(path), mb.parse().expect("--large MB FILE"));
        return;
    }
    let root = Path::new(args.first().map_or("fixtures", String::as_str));
    lost_in_between(root);
    sender_frozen_by_gc(root);
    reset_by_the_db_host(root);
}
