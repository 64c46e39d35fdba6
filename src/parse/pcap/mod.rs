//! Packet captures (`tcpdump -w`, pcap or pcapng, compression removed
//! upstream): each frame's TCP segment is decoded and the flows on the
//! ports of interest are followed; what they show — resets, retries,
//! silences, round-trip times — is sent to the sink as packet events
//! numbered by packet. Binary input, so not a line [`Parser`](super::Parser):
//! the scan calls [`read_capture`] instead.

mod decode;
pub mod ends;
mod flows;
mod frames;
#[cfg(test)]
mod tests;
pub mod write;

pub use decode::Endpoint;
pub use flows::{CaptureDigest, DEFAULT_PORTS, FlowDigest, Ports, SILENCE_NS, Sent};
pub use frames::is_capture;

use super::Sink;
use crate::model::{Event, EventKind, Level, LogTime, PacketFinding, PacketWhat};
use chrono::{DateTime, FixedOffset};
use decode::NotTcp;
pub use flows::Found;
use flows::{Findings, Flows};
use frames::FrameProblem;
use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::net::IpAddr;

/// What reading a capture counted, for the source's coverage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaptureCounts {
    /// Frames read.
    pub frames: u64,
    /// Frames that were TCP.
    pub tcp: u64,
    /// The first and the last frame read: number and time (ns since the
    /// epoch, by the capture host's clock). What the capture covers, whether
    /// or not anything in it was worth a finding.
    pub span: Option<[(u64, i64); 2]>,
}

/// What reading a capture gives besides its events: its counts, and its
/// flows' segments for matching with the capture of the other end.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CaptureRead {
    /// Frames read, and how many were TCP.
    pub counts: CaptureCounts,
    /// The flows' data segments and the capture host's own address.
    pub digest: CaptureDigest,
}

/// Reads the capture `input` and sends its findings to `sink`, in packet
/// order; problems are warnings at the packet they were met after.
pub fn read_capture(input: impl BufRead, ports: &Ports, sink: &mut dyn Sink) -> CaptureRead {
    let mut flows = Flows::new(ports.clone());
    let mut counts = CaptureCounts::default();
    let mut links = BTreeSet::new();
    let mut problems = Vec::new();
    counts.frames = frames::read_frames(
        input,
        &mut |frame| {
            let at = (frame.number, frame.unix_ns);
            counts.span = Some(counts.span.map_or([at, at], |[first, _]| [first, at]));
            match decode::segment(frame.link, frame.data) {
                Ok(segment) => {
                    counts.tcp += 1;
                    flows.segment(&segment, frame.number, frame.unix_ns);
                }
                Err(NotTcp::Link(link)) => {
                    links.insert((link, frame.number));
                }
                Err(NotTcp::Other) => {}
            }
        },
        &mut |problem| problems.push(problem),
    );
    let untracked = flows.untracked_packets;
    let (findings, mut digest) = flows.finish();
    digest.local = local_address(&findings.kept);
    tell(&findings, digest.local, sink);
    warn_problems(&problems, sink);
    if let Some((link, first)) = links.first() {
        sink.warning(
            *first,
            format!("link type {link} is not decoded (Ethernet, Linux cooked v1/v2 and raw IP are): its packets were skipped"),
        );
    }
    if untracked > 0 {
        sink.warning(
            counts.frames,
            format!(
                "more than {} flows: {untracked} packets of further flows were not followed",
                flows::MAX_FLOWS
            ),
        );
    }
    if digest.segments_dropped > 0 {
        sink.warning(
            counts.frames,
            format!(
                "{} data segments past the first {} were not kept to match with the other end's capture",
                digest.segments_dropped,
                flows::MAX_SEGMENTS
            ),
        );
    }
    if findings.dropped > 0 {
        sink.warning(
            counts.frames,
            format!(
                "{} findings past the first {} were not kept",
                findings.dropped,
                flows::MAX_FINDINGS
            ),
        );
    }
    CaptureRead { counts, digest }
}

fn warn_problems(problems: &[FrameProblem], sink: &mut dyn Sink) {
    for problem in problems {
        let (at, message) = match problem {
            FrameProblem::Truncated { after } => (
                after + 1,
                format!(
                    "the capture is cut inside packet {}; the {after} packets before it were read",
                    after + 1
                ),
            ),
            FrameProblem::Damaged { after, why } => (
                after + 1,
                format!(
                    "packet {} could not be read ({why}); reading stopped after packet {after}",
                    after + 1
                ),
            ),
            FrameProblem::TooLarge { after } => (
                after + 1,
                format!(
                    "packet {} is larger than 1 MiB; reading stopped after packet {after}",
                    after + 1
                ),
            ),
            FrameProblem::Undeclared { first, interface } => (
                *first,
                format!(
                    "packets of interface {interface}, which no interface block declares, were skipped"
                ),
            ),
            FrameProblem::Untimed { first } => (
                *first,
                "pcapng simple packet blocks carry no time; they were skipped".to_string(),
            ),
        };
        sink.warning(at, message);
    }
}

/// Sends every finding as an event, each saying whether the capture was
/// taken on its sender's host.
fn tell(findings: &Findings, local: Option<IpAddr>, sink: &mut dyn Sink) {
    for found in &findings.kept {
        sink.event(event_of(found, local));
    }
}

/// The capture host's own address: the one in more flows than any other
/// (a host's captures share its address; its peers differ).
fn local_address(findings: &[Found]) -> Option<IpAddr> {
    let mut flows: BTreeMap<IpAddr, u32> = BTreeMap::new();
    for flow in findings.iter().filter(|f| f.what == PacketWhat::Flow) {
        *flows.entry(flow.from.addr).or_default() += 1;
        if flow.to.addr != flow.from.addr {
            *flows.entry(flow.to.addr).or_default() += 1;
        }
    }
    let most = flows.values().copied().max()?;
    let mut leaders = flows.iter().filter(|(_, n)| **n == most);
    let (leader, _) = leaders.next()?;
    leaders.next().is_none().then_some(*leader)
}

/// The event of a finding: placed at its first packet, stamped by the
/// capture host's clock.
pub fn event_of(found: &Found, local: Option<IpAddr>) -> Event {
    let finding = PacketFinding {
        what: found.what,
        from: found.from.to_string(),
        to: found.to.to_string(),
        service_port: found.service_port,
        sent_here: local.map(|addr| addr == found.from.addr),
        packets: found.packets,
        last_packet: found.last_packet,
        duration_ms: found.duration_ms,
        rtt_ms: found.rtt_ms,
        peer: None,
        peer_offset_ms: None,
    };
    Event {
        line: found.packet,
        time: utc(found.unix_ns),
        level: Some(level_of(found.what)),
        text: describe(&finding, found.packet),
        host: None,
        kind: EventKind::Packet(Box::new(finding)),
    }
}

/// A capture's time: UTC as the capture host's clock had it.
pub fn utc(unix_ns: i64) -> LogTime {
    let time = DateTime::from_timestamp_nanos(unix_ns);
    LogTime::Zoned(time.with_timezone(&FixedOffset::east_opt(0).expect("zero offset")))
}

/// How much a finding says something went wrong.
fn level_of(what: PacketWhat) -> Level {
    match what {
        PacketWhat::Reset | PacketWhat::Lost => Level::Error,
        PacketWhat::SynRetry
        | PacketWhat::Retransmission
        | PacketWhat::ZeroWindow
        | PacketWhat::Silence
        | PacketWhat::Late => Level::Warn,
        PacketWhat::DuplicateAck | PacketWhat::Fin | PacketWhat::Delivered | PacketWhat::Flow => {
            Level::Info
        }
    }
}

/// The finding in one line, as the timeline and evidence show it.
pub fn describe(finding: &PacketFinding, packet: u64) -> String {
    let mut text = format!(
        "packet {packet}: {} {} → {}",
        finding.what.name(),
        finding.from,
        finding.to
    );
    if finding.packets > 1 {
        text.push_str(&format!(", {} packets", finding.packets));
    }
    if let Some(last) = finding.last_packet {
        text.push_str(&format!(" (to packet {last})"));
    }
    if let Some(ms) = finding.duration_ms {
        text.push_str(&format!(" over {:.3} s", ms / 1000.0));
    }
    if let Some(rtt) = finding.rtt_ms {
        text.push_str(&format!(", mean RTT {rtt:.3} ms"));
    }
    if let Some(peer) = &finding.peer {
        text.push_str(&format!(
            ", at the other end {} packet {}",
            peer.file, peer.packet
        ));
    }
    if let Some(ms) = finding.peer_offset_ms {
        text.push_str(&format!(
            ", the other end's clock {ms:+.1} ms from this one"
        ));
    }
    text
}
