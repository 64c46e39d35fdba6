//! Both ends of a flow: the data segments two captures saw of the same
//! flow are matched by addresses, ports, sequence number and length. A
//! segment the sender's capture has and the receiver's never saw was lost
//! in between, in episodes; one seen late was delayed; every five minutes
//! of a direction with neither is told as delivered. The
//! matched pairs measure how far the two capture hosts' clocks are apart,
//! and which capture is at which end (the sender sees a segment first).

use super::flows::{CaptureDigest, FlowDigest, Found, SILENCE_NS, Sent};
use crate::model::PacketWhat;
use std::collections::HashMap;

/// A segment this much later than the flow's usual one-way delay is late.
pub const LATE_NS: i64 = 200_000_000;
/// Lost or late segments further apart than this are two episodes.
const EPISODE_GAP_NS: i64 = 60_000_000_000;
/// Delivery is told per stretch of this long from its first segment, so
/// a rule's window finds the stretch it lies in (rules look back 10
/// minutes at most for a span's start).
const DELIVERED_NS: i64 = 300_000_000_000;

/// A finding of matching, told in one of the two captures.
#[derive(Clone, Debug, PartialEq)]
pub struct EndFinding {
    /// 0 for the first capture given, 1 for the other: where the finding
    /// is told (the sender's capture).
    pub side: usize,
    /// The finding, with the sender's packets.
    pub found: Found,
    /// The receiver's packet and its time, for a delivered or late one.
    pub peer: Option<(u64, i64)>,
    /// The receiver's clock minus the sender's, in ns.
    pub peer_offset_ns: i64,
}

/// What matching two captures found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Matching {
    /// Findings in flow order, each direction's in time order.
    pub findings: Vec<EndFinding>,
    /// The second capture's clock minus the first's, in ns, from the first
    /// flow both saw with pairs in both directions (else in one).
    pub offset_ns: Option<i64>,
}

/// Matches every flow the captures `a` and `b` both saw.
pub fn match_captures(a: &CaptureDigest, b: &CaptureDigest) -> Matching {
    let mut matching = Matching::default();
    for flow in &a.flows {
        let Some(other) = b.flows.iter().find(|f| same_ends(f, flow)) else {
            continue;
        };
        let Some(offset) = offset_of(flow, other) else {
            continue;
        };
        matching.offset_ns.get_or_insert(offset.ns);
        for direction in 0..2 {
            let (sender, receiver, flipped) = match offset.first_sender[direction] {
                true => ((a, flow), (b, other), false),
                false => ((b, other), (a, flow), true),
            };
            let peer_offset = if flipped {
                offset.ns.saturating_neg()
            } else {
                offset.ns
            };
            let run = Direction {
                sender: sender.1,
                receiver: receiver.1,
                from: flow.ends[direction],
                offset_ns: peer_offset,
                usual_ns: offset.one_way_ns[direction],
                side: usize::from(flipped),
                sender_knows_itself: sender.0.local.is_some(),
            };
            run.tell(&mut matching.findings);
        }
    }
    matching
}

fn same_ends(a: &FlowDigest, b: &FlowDigest) -> bool {
    let mut x = a.ends;
    let mut y = b.ends;
    x.sort();
    y.sort();
    x == y
}

/// How two captures of one flow are placed against each other.
struct Offset {
    /// The second capture's clock minus the first's.
    ns: i64,
    /// Per direction of the first capture's flow: whether the first
    /// capture is at its sender.
    first_sender: [bool; 2],
    /// Per direction: the usual one-way delay.
    one_way_ns: [i64; 2],
}

/// The segments of `flow`'s direction `d` (from `flow.ends[d]`) in `other`.
fn in_direction(other: &FlowDigest, from: super::Endpoint) -> impl Iterator<Item = &Sent> {
    let d = u8::from(other.ends[0] != from);
    other.segments.iter().filter(move |s| s.direction == d)
}

fn index(other: &FlowDigest, from: super::Endpoint) -> HashMap<(u32, u32), &Sent> {
    let mut index = HashMap::new();
    for sent in in_direction(other, from) {
        index.entry((sent.seq, sent.len)).or_insert(sent);
    }
    index
}

fn median(mut values: Vec<i64>) -> Option<i64> {
    values.sort_unstable();
    values.get(values.len() / 2).copied()
}

fn offset_of(a: &FlowDigest, b: &FlowDigest) -> Option<Offset> {
    let mut medians = [None, None];
    let mut counts = [(0, 0); 2];
    for d in 0..2 {
        let from = a.ends[d];
        let seen_b = index(b, from);
        let diffs: Vec<i64> = in_direction(a, from)
            .filter_map(|s| Some(seen_b.get(&(s.seq, s.len))?.unix_ns - s.unix_ns))
            .collect();
        counts[d] = (in_direction(a, from).count(), in_direction(b, from).count());
        medians[d] = median(diffs);
    }
    let ns = match medians {
        [Some(x), Some(y)] => x / 2 + y / 2,
        [Some(x), None] | [None, Some(x)] => x,
        [None, None] => return None,
    };
    let mut first_sender = [true; 2];
    let mut one_way_ns = [0; 2];
    for d in 0..2 {
        let delay = medians[d].map_or(0, |m| m.saturating_sub(ns));
        one_way_ns[d] = delay.saturating_abs();
        let (in_a, in_b) = counts[d];
        first_sender[d] = if in_a != in_b {
            in_a > in_b
        } else {
            delay >= 0
        };
    }
    Some(Offset {
        ns,
        first_sender,
        one_way_ns,
    })
}

/// What happened to one sent segment.
#[derive(Copy, Clone, PartialEq)]
enum Fate {
    Delivered,
    Lost,
    Late,
}

/// A segment the sender sent, and the receiver's copy when it has one.
type Pair<'a> = (&'a Sent, Option<&'a Sent>);

/// The segments of one stretch of [`DELIVERED_NS`], and whether any of
/// them was lost or late.
#[derive(Default)]
struct Stretch<'a> {
    members: Vec<Pair<'a>>,
    start: i64,
    troubled: bool,
}

impl<'a> Stretch<'a> {
    /// Adds a segment; gives the stretch before when this one starts a new
    /// one and that one was all delivered.
    fn add(
        &mut self,
        sent: &'a Sent,
        peer: Option<&'a Sent>,
        delivered: bool,
    ) -> Option<Vec<Pair<'a>>> {
        let mut done = None;
        if self.troubled || !self.members.is_empty() {
            if sent.unix_ns.saturating_sub(self.start) < DELIVERED_NS {
                self.troubled |= !delivered;
                if delivered {
                    self.members.push((sent, peer));
                }
                return None;
            }
            done = self.finish();
        }
        *self = Stretch {
            members: if delivered {
                vec![(sent, peer)]
            } else {
                Vec::new()
            },
            start: sent.unix_ns,
            troubled: !delivered,
        };
        done
    }

    /// The stretch's segments, when every one was delivered.
    fn finish(&mut self) -> Option<Vec<Pair<'a>>> {
        let members = std::mem::take(&mut self.members);
        (!self.troubled && !members.is_empty()).then_some(members)
    }
}

/// One direction of a flow seen at both ends.
struct Direction<'a> {
    sender: &'a FlowDigest,
    receiver: &'a FlowDigest,
    from: super::Endpoint,
    /// The receiver's clock minus the sender's.
    offset_ns: i64,
    usual_ns: i64,
    side: usize,
    sender_knows_itself: bool,
}

impl Direction<'_> {
    fn tell(&self, findings: &mut Vec<EndFinding>) {
        let seen = index(self.receiver, self.from);
        let Some((start, end)) = span(self.receiver) else {
            return;
        };
        let mut open: Option<(Fate, Vec<Pair<'_>>)> = None;
        let mut stretch = Stretch::default();
        let mut previous: Option<&Sent> = None;
        for sent in in_direction(self.sender, self.from) {
            self.silence_before(previous, sent, findings);
            previous = Some(sent);
            let at_receiver = sent.unix_ns.saturating_add(self.offset_ns);
            let peer = seen.get(&(sent.seq, sent.len)).copied();
            let fate = match peer {
                Some(p) if self.extra_delay(p, at_receiver) >= LATE_NS => Fate::Late,
                Some(_) => Fate::Delivered,
                None if (start..=end).contains(&at_receiver) => Fate::Lost,
                None => continue,
            };
            if let Some(done) = stretch.add(sent, peer, fate == Fate::Delivered) {
                findings.push(self.episode(Fate::Delivered, &done));
            }
            if fate == Fate::Delivered {
                continue;
            }
            match &mut open {
                Some((f, members))
                    if *f == fate
                        && members
                            .last()
                            .is_some_and(|(l, _)| sent.unix_ns - l.unix_ns <= EPISODE_GAP_NS) =>
                {
                    members.push((sent, peer));
                }
                _ => {
                    if let Some((f, members)) = open.take() {
                        findings.push(self.episode(f, &members));
                    }
                    open = Some((fate, vec![(sent, peer)]));
                }
            }
        }
        if let Some((f, members)) = open {
            findings.push(self.episode(f, &members));
        }
        if let Some(done) = stretch.finish() {
            findings.push(self.episode(Fate::Delivered, &done));
        }
    }

    /// How much later than usual `copy` reached the receiver, expected at
    /// `at_receiver` (the receiver's clock).
    fn extra_delay(&self, copy: &Sent, at_receiver: i64) -> i64 {
        copy.unix_ns
            .saturating_sub(at_receiver)
            .saturating_sub(self.usual_ns)
    }

    /// A gap between two segments the sender sent, told when the sender's
    /// capture alone could not say it was the sender's own.
    fn silence_before(&self, previous: Option<&Sent>, sent: &Sent, findings: &mut Vec<EndFinding>) {
        let Some(previous) = previous else {
            return;
        };
        if self.sender_knows_itself || sent.unix_ns - previous.unix_ns <= SILENCE_NS {
            return;
        }
        findings.push(EndFinding {
            side: self.side,
            found: Found {
                last_packet: Some(sent.packet),
                duration_ms: Some((sent.unix_ns - previous.unix_ns) as f64 / 1e6),
                ..self.found(PacketWhat::Silence, previous, 1)
            },
            peer: None,
            peer_offset_ns: self.offset_ns,
        });
    }

    fn found(&self, what: PacketWhat, first: &Sent, packets: u64) -> Found {
        let d = usize::from(self.sender.ends[0] != self.from);
        Found {
            what,
            from: self.from,
            to: self.sender.ends[1 - d],
            service_port: self.sender.service_port,
            packet: first.packet,
            unix_ns: first.unix_ns,
            last_packet: None,
            packets,
            duration_ms: None,
            rtt_ms: None,
        }
    }

    fn episode(&self, fate: Fate, members: &[Pair<'_>]) -> EndFinding {
        let (first, first_peer) = members[0];
        let (last, _) = members[members.len() - 1];
        let what = match fate {
            Fate::Delivered => PacketWhat::Delivered,
            Fate::Lost => PacketWhat::Lost,
            Fate::Late => PacketWhat::Late,
        };
        let duration_ns = match fate {
            Fate::Late => members
                .iter()
                .filter_map(|(s, p)| {
                    Some(self.extra_delay(p.as_ref()?, s.unix_ns.saturating_add(self.offset_ns)))
                })
                .max()
                .unwrap_or(0),
            _ => last.unix_ns - first.unix_ns,
        };
        EndFinding {
            side: self.side,
            found: Found {
                last_packet: (members.len() > 1).then_some(last.packet),
                duration_ms: Some(duration_ns as f64 / 1e6),
                ..self.found(what, first, members.len() as u64)
            },
            peer: first_peer.map(|p| (p.packet, p.unix_ns)),
            peer_offset_ns: self.offset_ns,
        }
    }
}

/// The first and last segment time of a flow in its capture.
fn span(flow: &FlowDigest) -> Option<(i64, i64)> {
    let first = flow.segments.iter().map(|s| s.unix_ns).min()?;
    let last = flow.segments.iter().map(|s| s.unix_ns).max()?;
    Some((first, last))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::pcap::Endpoint;

    const NODE: Endpoint = Endpoint {
        addr: std::net::IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2)),
        port: 41822,
    };
    const MASTER: Endpoint = Endpoint {
        addr: std::net::IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)),
        port: 6005,
    };
    const S: i64 = 1_000_000_000;

    /// A capture of heartbeats (seq 100 × i) at `at(i)` and answers 3 ms
    /// later, seen through a clock `off` ns ahead; `keep` says which
    /// heartbeats it saw.
    fn capture(
        off: i64,
        wire: i64,
        node_side: bool,
        keep: &dyn Fn(u32) -> bool,
        late: &dyn Fn(u32) -> i64,
    ) -> CaptureDigest {
        let mut segments = Vec::new();
        for i in 0..10u32 {
            let sent = i64::from(i) * 15 * S;
            if keep(i) {
                let at = if node_side {
                    sent
                } else {
                    sent + wire + late(i)
                };
                segments.push(Sent {
                    direction: 0,
                    seq: 100 * i,
                    len: 100,
                    unix_ns: at + off,
                    packet: u64::from(2 * i + 1),
                });
            }
            let answered = sent + 3_000_000;
            let at = if node_side { answered + wire } else { answered };
            segments.push(Sent {
                direction: 1,
                seq: 50 * i,
                len: 50,
                unix_ns: at + off,
                packet: u64::from(2 * i + 2),
            });
        }
        CaptureDigest {
            flows: vec![FlowDigest {
                ends: [NODE, MASTER],
                service_port: 6005,
                segments,
            }],
            ..CaptureDigest::default()
        }
    }

    fn told(matching: &Matching) -> Vec<(usize, &'static str, u64, u64)> {
        matching
            .findings
            .iter()
            .map(|f| (f.side, f.found.what.name(), f.found.packet, f.found.packets))
            .collect()
    }

    #[test]
    fn lost_late_and_the_offset_between_the_clocks() {
        let wire = 300_000;
        let node = capture(0, wire, true, &|_| true, &|_| 0);
        let master = capture(
            -3_200_000_000,
            wire,
            false,
            &|i| !(4..7).contains(&i),
            &|i| if i == 8 { 900_000_000 } else { 0 },
        );
        let matching = match_captures(&master, &node);
        // The node's clock minus the master's, whichever capture is first.
        let offset = matching.offset_ns.unwrap();
        assert!((offset - 3_200_000_000).abs() < 1_000, "{offset}");
        assert_eq!(
            told(&matching),
            [
                (1, "lost", 9, 3),
                (1, "late", 17, 1),
                (0, "delivered", 2, 10)
            ]
        );
        let late = &matching.findings[1];
        assert_eq!(late.found.duration_ms.map(|ms| ms.round()), Some(900.0));
        assert_eq!(
            late.peer,
            Some((17, 8 * 15 * S + wire + 900_000_000 - 3_200_000_000))
        );
    }

    #[test]
    fn a_sender_that_stopped_is_silent_in_its_own_capture_and_nothing_is_lost() {
        let paused = |i: u32| !(3..6).contains(&i);
        let node = capture(0, 200_000, true, &paused, &|_| 0);
        let master = capture(0, 200_000, false, &paused, &|_| 0);
        let matching = match_captures(&node, &master);
        assert_eq!(
            told(&matching),
            [
                (0, "silence", 5, 1),
                (0, "delivered", 1, 7),
                (1, "delivered", 2, 10)
            ]
        );
        assert_eq!(matching.findings[0].found.duration_ms, Some(60_000.0));
    }
}
