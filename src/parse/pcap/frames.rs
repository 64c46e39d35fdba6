//! The frames of a capture, read as a stream with pcap-parser: legacy pcap
//! (either byte order, µs or ns stamps) and pcapng (any interface's time
//! resolution and offset). Only one buffer of the file is held at a time.

use pcap_parser::pcapng::Block;
use pcap_parser::traits::{PcapNGPacketBlock, PcapReaderIterator};
use pcap_parser::{LegacyPcapReader, Linktype, PcapBlockOwned, PcapError, PcapNGReader};
use std::io::BufRead;

/// Room for the largest frame read whole: captures of offloaded NICs hold
/// frames of 64 KiB and more (tcpdump's default snap length is 256 KiB).
const BUFFER_BYTES: usize = 1 << 20;

/// The first bytes of a pcapng section header block.
const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
/// Legacy pcap magics, µs and ns stamps, in both byte orders.
const PCAP_MAGICS: [[u8; 4]; 4] = [
    [0xd4, 0xc3, 0xb2, 0xa1],
    [0xa1, 0xb2, 0xc3, 0xd4],
    [0x4d, 0x3c, 0xb2, 0xa1],
    [0xa1, 0xb2, 0x3c, 0x4d],
];

/// Whether `head`, a stream's first bytes, starts a pcap or pcapng capture.
pub fn is_capture(head: &[u8]) -> bool {
    head.get(..4).is_some_and(|magic| {
        magic == PCAPNG_MAGIC || PCAP_MAGICS.iter().any(|m| m.as_slice() == magic)
    })
}

/// One captured frame.
pub struct Frame<'a> {
    /// 1-based number in the file, as Wireshark numbers it.
    pub number: u64,
    /// When it was captured, in ns since the epoch (the capture host's clock).
    pub unix_ns: i64,
    /// What the frame's first header is.
    pub link: Linktype,
    /// The captured bytes (cut to the snap length).
    pub data: &'a [u8],
}

/// What the reader met besides frames, for warnings.
#[derive(Debug, PartialEq, Eq)]
pub enum FrameProblem {
    /// The file ends inside a frame: the frames before it were read.
    Truncated { after: u64 },
    /// A block could not be decoded; reading stopped there.
    Damaged { after: u64, why: String },
    /// A frame larger than the reader's buffer; reading stopped there.
    TooLarge { after: u64 },
    /// pcapng simple packet blocks carry no time: they are skipped.
    Untimed { first: u64 },
    /// pcapng packets of an interface no block declared: skipped.
    Undeclared { first: u64, interface: u32 },
}

/// An interface of a pcapng section: its link type and clock.
struct Interface {
    link: Linktype,
    units_per_s: u64,
    offset_s: i64,
}

/// Reads every frame of `input` in file order, calling `frame` for each,
/// and gives how many frames the file held (skipped ones too); a damaged
/// or cut file ends the reading with a problem, never a panic.
pub fn read_frames(
    mut input: impl BufRead,
    frame: &mut dyn FnMut(Frame<'_>),
    problem: &mut dyn FnMut(FrameProblem),
) -> u64 {
    let pcapng = match input.fill_buf() {
        Ok(head) => head.starts_with(&PCAPNG_MAGIC),
        Err(_) => {
            problem(FrameProblem::Truncated { after: 0 });
            return 0;
        }
    };
    let stream = input;
    let reader: Result<Box<dyn PcapReaderIterator + '_>, _> = if pcapng {
        PcapNGReader::new(BUFFER_BYTES, stream).map(|r| Box::new(r) as _)
    } else {
        LegacyPcapReader::new(BUFFER_BYTES, stream).map(|r| Box::new(r) as _)
    };
    let mut blocks = Blocks::default();
    match reader {
        Ok(mut reader) => blocks.walk(reader.as_mut(), frame, problem),
        Err(err) => problem(FrameProblem::Damaged {
            after: 0,
            why: format!("capture header unreadable: {err}"),
        }),
    }
    blocks.frames
}

/// The state a walk over the blocks keeps.
#[derive(Default)]
struct Blocks {
    frames: u64,
    legacy: Option<(Linktype, u64)>,
    interfaces: Vec<Interface>,
    untimed_seen: bool,
    undeclared_seen: bool,
}

impl Blocks {
    fn walk(
        &mut self,
        reader: &mut dyn PcapReaderIterator,
        frame: &mut dyn FnMut(Frame<'_>),
        problem: &mut dyn FnMut(FrameProblem),
    ) {
        loop {
            let step = match reader.next() {
                Ok((used, block)) => {
                    self.block(block, frame, problem);
                    Ok(used)
                }
                Err(err) => Err(self.stop(err)),
            };
            match step {
                Ok(used) => reader.consume(used),
                Err(None) => {
                    if reader.refill().is_err() {
                        return problem(FrameProblem::Truncated { after: self.frames });
                    }
                }
                Err(Some(Some(found))) => return problem(found),
                Err(Some(None)) => return,
            }
        }
    }

    /// What a reader error means: `None` to read more, `Some(None)` at the
    /// end, `Some(Some(problem))` when the file is cut or damaged.
    fn stop(&self, err: PcapError<&[u8]>) -> Option<Option<FrameProblem>> {
        let after = self.frames;
        match err {
            PcapError::Incomplete(_) => None,
            PcapError::Eof => Some(None),
            PcapError::UnexpectedEof | PcapError::ReadError => {
                Some(Some(FrameProblem::Truncated { after }))
            }
            PcapError::BufferTooSmall => Some(Some(FrameProblem::TooLarge { after })),
            other => Some(Some(FrameProblem::Damaged {
                after,
                why: format!("{other:?}").chars().take(120).collect(),
            })),
        }
    }

    fn block(
        &mut self,
        block: PcapBlockOwned<'_>,
        frame: &mut dyn FnMut(Frame<'_>),
        problem: &mut dyn FnMut(FrameProblem),
    ) {
        match block {
            PcapBlockOwned::LegacyHeader(header) => {
                let units = if header.is_nanosecond_precision() {
                    1_000_000_000
                } else {
                    1_000_000
                };
                self.legacy = Some((header.network, units));
            }
            PcapBlockOwned::Legacy(packet) => {
                let (link, units) = self.legacy.unwrap_or((Linktype::ETHERNET, 1_000_000));
                self.frames += 1;
                frame(Frame {
                    number: self.frames,
                    unix_ns: stamp(u64::from(packet.ts_sec), u64::from(packet.ts_usec), units),
                    link,
                    data: packet.data,
                });
            }
            PcapBlockOwned::NG(block) => self.ng_block(block, frame, problem),
        }
    }

    fn ng_block(
        &mut self,
        block: Block<'_>,
        frame: &mut dyn FnMut(Frame<'_>),
        problem: &mut dyn FnMut(FrameProblem),
    ) {
        match block {
            Block::SectionHeader(_) => self.interfaces.clear(),
            Block::InterfaceDescription(idb) => self.interfaces.push(Interface {
                link: idb.linktype,
                units_per_s: idb.ts_resolution().unwrap_or(1_000_000),
                offset_s: idb.ts_offset(),
            }),
            Block::EnhancedPacket(epb) => {
                self.frames += 1;
                let Some(interface) = self.interfaces.get(epb.if_id as usize) else {
                    if !std::mem::replace(&mut self.undeclared_seen, true) {
                        problem(FrameProblem::Undeclared {
                            first: self.frames,
                            interface: epb.if_id,
                        });
                    }
                    return;
                };
                let ticks = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                let units = interface.units_per_s.max(1);
                // Never before the epoch, so any two times' difference fits.
                let unix_ns = stamp(ticks / units, ticks % units, units)
                    .saturating_add(interface.offset_s.saturating_mul(1_000_000_000))
                    .max(0);
                frame(Frame {
                    number: self.frames,
                    unix_ns,
                    link: interface.link,
                    data: epb.packet_data(),
                });
            }
            Block::SimplePacket(_) => {
                self.frames += 1;
                if !self.untimed_seen {
                    self.untimed_seen = true;
                    problem(FrameProblem::Untimed { first: self.frames });
                }
            }
            _ => {}
        }
    }
}

/// Seconds and a fraction in `units` per second, as ns since the epoch.
fn stamp(seconds: u64, fraction: u64, units: u64) -> i64 {
    let ns = u128::from(seconds) * 1_000_000_000
        + u128::from(fraction) * 1_000_000_000 / u128::from(units.max(1));
    i64::try_from(ns).unwrap_or(i64::MAX)
}
