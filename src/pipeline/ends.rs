//! Packet captures taken on two hosts are matched flow by flow (see
//! [`crate::parse::pcap::ends`]): what was lost in between, late, or
//! delivered becomes packet events of the sender's capture, with the other
//! capture's packet and clock offset, classified like any other event.

use crate::model::{EventKind, PacketRef, SourceKind};
use crate::parse::pcap::{self, ends};
use crate::scan::{KeptEvent, Repeats, Scan, ScannedSource};
use crate::signals::{Scratch, SignalCatalog};

/// Adds to `scan` the findings of every pair of captures from two hosts
/// that saw the same flows (pairs in source order, so the result does not
/// depend on the order files were read in).
pub(super) fn match_captures(scan: &mut Scan, catalog: &SignalCatalog) {
    let captures: Vec<&ScannedSource> = scan
        .sources
        .iter()
        .filter(|s| s.capture.is_some() && s.skipped.is_none())
        .collect();
    let mut added = Vec::new();
    let mut scratch = Scratch::default();
    for (i, a) in captures.iter().enumerate() {
        for b in &captures[i + 1..] {
            if a.candidate.host == b.candidate.host {
                continue;
            }
            let (Some(da), Some(db)) = (&a.capture, &b.capture) else {
                continue;
            };
            let matching = ends::match_captures(da, db);
            for finding in matching.findings {
                let (sender, receiver) = if finding.side == 0 { (a, b) } else { (b, a) };
                let event = kept(&finding, receiver);
                let signals = catalog.classify(SourceKind::PacketCapture, &event, &mut scratch);
                if !signals.is_empty() {
                    added.push(KeptEvent {
                        source: sender.id,
                        event,
                        signals,
                        repeats: Repeats::default(),
                    });
                }
            }
        }
    }
    scan.events.extend(added);
    scan.events.sort_by_key(|e| e.source);
}

/// The event of a matching finding in the sender's capture.
fn kept(finding: &ends::EndFinding, receiver: &ScannedSource) -> crate::model::Event {
    let mut event = pcap::event_of(&finding.found, Some(finding.found.from.addr));
    if let EventKind::Packet(p) = &mut event.kind {
        p.peer = finding.peer.map(|(packet, unix_ns)| PacketRef {
            file: receiver.candidate.display.clone(),
            host: receiver.candidate.host.clone(),
            packet,
            unix_ms: unix_ns as f64 / 1e6,
        });
        p.peer_offset_ms = Some(finding.peer_offset_ns as f64 / 1e6);
        event.text = pcap::describe(p, event.line);
    }
    event
}
