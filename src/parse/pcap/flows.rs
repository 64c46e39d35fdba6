//! The TCP timeline of each flow of interest: SYN retries,
//! retransmissions, duplicate ACKs, zero windows, resets, FINs, silences
//! and round-trip times. Only per-flow state and the findings are kept, so
//! memory does not grow with the packets read.

use super::decode::{Endpoint, Segment};
use crate::model::PacketWhat;
use std::collections::{BTreeSet, HashMap};

/// The ports of interest by default: the Informatica domain port and the
/// node's service manager port, and the usual ports of the domain
/// databases (Oracle, PostgreSQL, SQL Server, DB2).
pub const DEFAULT_PORTS: [u16; 6] = [6005, 6006, 1521, 5432, 1433, 50000];

/// A silence longer than this in one direction of a flow is a finding:
/// the 15 s heartbeat interval, with 5 s for the interval's own jitter.
pub const SILENCE_NS: i64 = 20_000_000_000;
/// Occurrences of one kind in one direction further apart than this are
/// two episodes.
const EPISODE_GAP_NS: i64 = 60_000_000_000;
/// Flows followed per capture; packets of further flows are counted.
pub const MAX_FLOWS: usize = 10_000;
/// Findings kept per capture; further ones are counted.
pub const MAX_FINDINGS: usize = 5_000;
/// Data segments kept per capture for matching with the other end's
/// capture (24 bytes each); further ones are counted.
pub const MAX_SEGMENTS: usize = 1_000_000;

/// Which ports make a flow worth following.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ports(pub(super) BTreeSet<u16>);

impl Ports {
    /// The default ports plus `extra` (`--port`).
    pub fn with_extra(extra: &[u16]) -> Ports {
        Ports(DEFAULT_PORTS.iter().chain(extra).copied().collect())
    }

    /// The port of interest of a segment's flow, the server's when both are.
    fn service_of(&self, segment: &Segment) -> Option<u16> {
        let (a, b) = (segment.from.port, segment.to.port);
        match (self.0.contains(&a), self.0.contains(&b)) {
            (true, true) => Some(a.min(b)),
            (true, false) => Some(a),
            (false, true) => Some(b),
            (false, false) => None,
        }
    }
}

/// A finding before it is told as an event.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// What was seen.
    pub what: PacketWhat,
    /// The end that sent the packets the finding is about.
    pub from: Endpoint,
    /// The other end.
    pub to: Endpoint,
    /// The flow's port of interest.
    pub service_port: u16,
    /// Its first packet.
    pub packet: u64,
    /// That packet's time, by the capture host's clock.
    pub unix_ns: i64,
    /// Its last packet, when it spans several.
    pub last_packet: Option<u64>,
    /// How many packets it stands for.
    pub packets: u64,
    /// How long it lasted (or, for a late one, the extra delay).
    pub duration_ms: Option<f64>,
    /// The flow's mean round-trip time, on its summary.
    pub rtt_ms: Option<f64>,
}

/// A data segment as one capture saw it, for matching with the other end's.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// Its direction: 0 from the flow's first end, 1 from the other.
    pub direction: u8,
    /// Its sequence number: with the length, what finds it in the other capture.
    pub seq: u32,
    /// Its payload length.
    pub len: u32,
    /// When this capture saw it.
    pub unix_ns: i64,
    /// Which packet of this capture it was.
    pub packet: u64,
}

/// A followed flow's data segments, in capture order.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowDigest {
    /// The flow's ends: `Sent::direction` 0 is from `ends[0]`.
    pub ends: [Endpoint; 2],
    /// The flow's port of interest.
    pub service_port: u16,
    /// Its data segments, both directions, in capture order.
    pub segments: Vec<Sent>,
}

/// What a capture keeps of its flows for the other end's capture.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CaptureDigest {
    /// Flows in order of their first packet.
    pub flows: Vec<FlowDigest>,
    /// Data segments past [`MAX_SEGMENTS`], not kept.
    pub segments_dropped: u64,
    /// The capture host's own address, when its flows tell it.
    pub local: Option<std::net::IpAddr>,
}

/// Occurrences of one kind in a row.
#[derive(Copy, Clone, Debug)]
struct Episode {
    first: (i64, u64),
    last: (i64, u64),
    count: u64,
}

/// The kinds told as episodes, in the order of [`Direction::episodes`].
const EPISODIC: [PacketWhat; 4] = [
    PacketWhat::SynRetry,
    PacketWhat::Retransmission,
    PacketWhat::DuplicateAck,
    PacketWhat::ZeroWindow,
];

/// What one direction of a flow has sent so far.
#[derive(Debug, Default)]
struct Direction {
    /// The latest packet: its time and number.
    last: Option<(i64, u64)>,
    /// The sequence number after the highest byte sent.
    next_seq: Option<u32>,
    syn_seq: Option<u32>,
    syn_at: Option<i64>,
    fin_seen: bool,
    /// The latest ACK and window, for duplicates.
    last_ack: Option<(u32, u16)>,
    /// The oldest data not acknowledged yet (its end and time), for the RTT.
    unacked: Option<(u32, i64)>,
    episodes: [Option<Episode>; 4],
}

/// One followed flow.
#[derive(Debug)]
struct Flow {
    /// The first sender seen (the client when the SYN was captured), then the other.
    ends: [Endpoint; 2],
    service_port: u16,
    directions: [Direction; 2],
    first: (i64, u64),
    last: (i64, u64),
    packets: u64,
    closed: bool,
    rtt_sum_ms: f64,
    rtt_samples: u64,
    segments: Vec<Sent>,
}

/// True when `a` comes before `b` in sequence space (wrapping).
fn seq_before(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

fn ms(ns: i64) -> f64 {
    ns as f64 / 1e6
}

/// Where findings go, with the count of those beyond the cap.
#[derive(Debug, Default)]
pub struct Findings {
    /// The findings, at most [`MAX_FINDINGS`].
    pub kept: Vec<Found>,
    /// How many more there were.
    pub dropped: u64,
}

impl Findings {
    fn push(&mut self, found: Found) {
        if self.kept.len() < MAX_FINDINGS {
            self.kept.push(found);
        } else {
            self.dropped += 1;
        }
    }
}

impl Flow {
    fn new(segment: &Segment, service_port: u16, at: (i64, u64)) -> Flow {
        Flow {
            ends: [segment.from, segment.to],
            service_port,
            directions: Default::default(),
            first: at,
            last: at,
            packets: 0,
            closed: false,
            rtt_sum_ms: 0.0,
            rtt_samples: 0,
            segments: Vec::new(),
        }
    }

    fn found(&self, what: PacketWhat, d: usize, at: (i64, u64)) -> Found {
        Found {
            what,
            from: self.ends[d],
            to: self.ends[1 - d],
            service_port: self.service_port,
            packet: at.1,
            unix_ns: at.0,
            last_packet: None,
            packets: 1,
            duration_ms: None,
            rtt_ms: None,
        }
    }

    fn observe(&mut self, segment: &Segment, at: (i64, u64), findings: &mut Findings) {
        let d = usize::from(segment.from != self.ends[0]);
        self.note_silence(d, at, findings);
        if segment.rst {
            findings.push(self.found(PacketWhat::Reset, d, at));
            self.closed = true;
        }
        if segment.syn {
            self.syn(segment, d, at, findings);
        }
        if segment.payload_len > 0 || segment.fin {
            self.data(segment, d, at, findings);
        }
        if segment.has_ack {
            self.ack(segment, d, at, findings);
        }
        if segment.window == 0 && !segment.rst && !segment.syn {
            self.occurrence(EpisodeKind::ZeroWindow, d, at, findings);
        }
        self.directions[d].last = Some(at);
        self.last = at;
        self.packets += 1;
    }

    fn note_silence(&self, d: usize, at: (i64, u64), findings: &mut Findings) {
        let Some(before) = self.directions[d].last else {
            return;
        };
        if !self.closed && at.0 - before.0 > SILENCE_NS {
            findings.push(Found {
                last_packet: Some(at.1),
                duration_ms: Some(ms(at.0 - before.0)),
                ..self.found(PacketWhat::Silence, d, before)
            });
        }
    }

    fn syn(&mut self, segment: &Segment, d: usize, at: (i64, u64), findings: &mut Findings) {
        let direction = &mut self.directions[d];
        if direction.syn_seq == Some(segment.seq) {
            // Which SYN the SYN-ACK answers is not known (Karn).
            direction.syn_at = None;
            return self.occurrence(EpisodeKind::SynRetry, d, at, findings);
        }
        direction.syn_seq = Some(segment.seq);
        direction.syn_at = Some(at.0);
        direction.next_seq = Some(segment.seq.wrapping_add(1));
        self.closed = false;
        if segment.has_ack
            && let Some(sent) = self.directions[1 - d].syn_at
        {
            self.rtt_sample(at.0 - sent);
        }
    }

    fn data(&mut self, segment: &Segment, d: usize, at: (i64, u64), findings: &mut Findings) {
        let end = segment
            .seq
            .wrapping_add(segment.payload_len)
            .wrapping_add(u32::from(segment.fin));
        let direction = &mut self.directions[d];
        let keepalive =
            segment.payload_len <= 1 && direction.next_seq == Some(segment.seq.wrapping_add(1));
        let again = direction
            .next_seq
            .is_some_and(|next| seq_before(segment.seq, next))
            && !keepalive
            && !(segment.fin && segment.payload_len == 0);
        if again {
            direction.unacked = None;
            self.occurrence(EpisodeKind::Retransmission, d, at, findings);
        } else if direction.unacked.is_none() && !segment.fin {
            direction.unacked = Some((end, at.0));
        }
        let direction = &mut self.directions[d];
        if direction.next_seq.is_none_or(|next| seq_before(next, end)) {
            direction.next_seq = Some(end);
        }
        if segment.fin && !direction.fin_seen {
            direction.fin_seen = true;
            findings.push(self.found(PacketWhat::Fin, d, at));
        }
    }

    fn ack(&mut self, segment: &Segment, d: usize, at: (i64, u64), findings: &mut Findings) {
        let peer = &mut self.directions[1 - d];
        let outstanding = peer
            .next_seq
            .is_some_and(|next| seq_before(segment.ack, next));
        if let Some((end, sent)) = peer.unacked
            && !seq_before(segment.ack, end)
        {
            peer.unacked = None;
            self.rtt_sample(at.0 - sent);
        }
        let pure = segment.payload_len == 0 && !segment.syn && !segment.fin && !segment.rst;
        let direction = &mut self.directions[d];
        let repeated = direction.last_ack == Some((segment.ack, segment.window));
        direction.last_ack = Some((segment.ack, segment.window));
        if pure && repeated && outstanding {
            self.occurrence(EpisodeKind::DuplicateAck, d, at, findings);
        }
    }

    fn rtt_sample(&mut self, ns: i64) {
        if ns >= 0 {
            self.rtt_sum_ms += ms(ns);
            self.rtt_samples += 1;
        }
    }

    /// Counts an occurrence on the open episode of its kind, or opens one
    /// (telling the one before when it is too far back).
    fn occurrence(&mut self, kind: EpisodeKind, d: usize, at: (i64, u64), findings: &mut Findings) {
        let slot = kind as usize;
        match self.directions[d].episodes[slot] {
            Some(ref mut open) if at.0 - open.last.0 <= EPISODE_GAP_NS => {
                open.last = at;
                open.count += 1;
            }
            _ => {
                self.tell_episode(d, slot, findings);
                self.directions[d].episodes[slot] = Some(Episode {
                    first: at,
                    last: at,
                    count: 1,
                });
            }
        }
    }

    fn tell_episode(&mut self, d: usize, slot: usize, findings: &mut Findings) {
        let Some(episode) = self.directions[d].episodes[slot].take() else {
            return;
        };
        findings.push(Found {
            last_packet: (episode.count > 1).then_some(episode.last.1),
            packets: episode.count,
            duration_ms: (episode.count > 1).then(|| ms(episode.last.0 - episode.first.0)),
            ..self.found(EPISODIC[slot], d, episode.first)
        });
    }

    /// Tells what is still open when the capture ends at `end_ns`: the
    /// episodes, a silence up to the end, and the flow's summary; gives
    /// its segments.
    fn finish(mut self, end_ns: i64, findings: &mut Findings) -> FlowDigest {
        for d in 0..2 {
            for slot in 0..EPISODIC.len() {
                self.tell_episode(d, slot, findings);
            }
            if let Some(last) = self.directions[d].last
                && !self.closed
                && !self.directions[d].fin_seen
                && end_ns - last.0 > SILENCE_NS
            {
                findings.push(Found {
                    duration_ms: Some(ms(end_ns - last.0)),
                    ..self.found(PacketWhat::Silence, d, last)
                });
            }
        }
        findings.push(Found {
            last_packet: Some(self.last.1),
            packets: self.packets,
            duration_ms: Some(ms(self.last.0 - self.first.0)),
            rtt_ms: (self.rtt_samples > 0).then(|| self.rtt_sum_ms / self.rtt_samples as f64),
            ..self.found(PacketWhat::Flow, 0, self.first)
        });
        FlowDigest {
            ends: self.ends,
            service_port: self.service_port,
            segments: self.segments,
        }
    }
}

/// The kinds told as episodes, as indices of [`EPISODIC`].
#[derive(Copy, Clone)]
enum EpisodeKind {
    SynRetry = 0,
    Retransmission = 1,
    DuplicateAck = 2,
    ZeroWindow = 3,
}

/// The flows of one capture.
#[derive(Debug)]
pub struct Flows {
    ports: Ports,
    flows: HashMap<(Endpoint, Endpoint), Flow>,
    findings: Findings,
    /// Packets of flows beyond [`MAX_FLOWS`].
    pub untracked_packets: u64,
    last_ns: i64,
    segments_kept: usize,
    segments_dropped: u64,
}

impl Flows {
    /// Follows the flows on `ports`.
    pub fn new(ports: Ports) -> Flows {
        Flows {
            ports,
            flows: HashMap::new(),
            findings: Findings::default(),
            untracked_packets: 0,
            last_ns: i64::MIN,
            segments_kept: 0,
            segments_dropped: 0,
        }
    }

    /// Reads one segment, the capture's packet `number` at `unix_ns`.
    pub fn segment(&mut self, segment: &Segment, number: u64, unix_ns: i64) {
        let Some(service_port) = self.ports.service_of(segment) else {
            return;
        };
        self.last_ns = self.last_ns.max(unix_ns);
        let key = if segment.from < segment.to {
            (segment.from, segment.to)
        } else {
            (segment.to, segment.from)
        };
        let at = (unix_ns, number);
        let room = self.flows.len() < MAX_FLOWS;
        let flow = match self.flows.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) if room => {
                e.insert(Flow::new(segment, service_port, at))
            }
            std::collections::hash_map::Entry::Vacant(_) => {
                self.untracked_packets += 1;
                return;
            }
        };
        flow.observe(segment, at, &mut self.findings);
        if segment.payload_len > 0 {
            if self.segments_kept < MAX_SEGMENTS {
                self.segments_kept += 1;
                flow.segments.push(Sent {
                    direction: u8::from(segment.from != flow.ends[0]),
                    seq: segment.seq,
                    len: segment.payload_len,
                    unix_ns,
                    packet: number,
                });
            } else {
                self.segments_dropped += 1;
            }
        }
    }

    /// Every finding, in packet order, with the count of those not kept,
    /// and the flows' segments.
    pub fn finish(mut self) -> (Findings, CaptureDigest) {
        let end = self.last_ns;
        let mut flows: Vec<Flow> = self.flows.into_values().collect();
        flows.sort_by_key(|f| f.first.1);
        let digest = CaptureDigest {
            flows: flows
                .into_iter()
                .map(|flow| flow.finish(end, &mut self.findings))
                .collect(),
            segments_dropped: self.segments_dropped,
            local: None,
        };
        self.findings.kept.sort_by_key(|f| (f.packet, f.what));
        (self.findings, digest)
    }
}
