//! Writing captures of scripted exchanges: the fixture generator
//! (`examples/gen_captures.rs`) and the tests need pcap and pcapng files
//! whose every packet is known. Only what they need: one interface, one
//! link type, headers written as the formats define them.

use std::io::{self, Write};

/// The file format and its variant.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Format {
    /// Legacy pcap, in either byte order, with µs or ns stamps.
    Pcap { big_endian: bool, nanos: bool },
    /// pcapng, little-endian, one interface with ns stamps.
    PcapNg,
}

/// Link type numbers of the frames written (`LINKTYPE_*`).
pub const ETHERNET: u16 = 1;
/// `tcpdump -i any` on Linux: the cooked capture v1 header.
pub const LINUX_SLL: u16 = 113;

/// Writes frames to `out` as a capture of `format`.
pub struct CaptureWriter<W: Write> {
    out: W,
    format: Format,
}

impl<W: Write> CaptureWriter<W> {
    /// Writes the capture's headers for frames of `link` type.
    pub fn new(mut out: W, format: Format, link: u16) -> io::Result<Self> {
        match format {
            Format::Pcap { big_endian, nanos } => {
                let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
                let mut header = Vec::with_capacity(24);
                put32(&mut header, magic, big_endian);
                put16(&mut header, 2, big_endian);
                put16(&mut header, 4, big_endian);
                put32(&mut header, 0, big_endian);
                put32(&mut header, 0, big_endian);
                put32(&mut header, 262_144, big_endian);
                put32(&mut header, u32::from(link), big_endian);
                out.write_all(&header)?;
            }
            Format::PcapNg => {
                let mut section = Vec::with_capacity(28);
                // Version 1.0 is the word 1 little-endian; the section length is unknown (-1).
                for word in [0x0a0d_0d0a, 28, 0x1a2b_3c4d, 1, u32::MAX, u32::MAX, 28] {
                    put32(&mut section, word, false);
                }
                out.write_all(&section)?;
                let mut interface = Vec::with_capacity(32);
                put32(&mut interface, 1, false);
                put32(&mut interface, 32, false);
                put16(&mut interface, link, false);
                put16(&mut interface, 0, false);
                put32(&mut interface, 262_144, false);
                // if_tsresol = 9 (ns), padded, then the end of options.
                interface.extend_from_slice(&[9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0]);
                put32(&mut interface, 32, false);
                out.write_all(&interface)?;
            }
        }
        Ok(CaptureWriter { out, format })
    }

    /// Writes one frame captured at `unix_ns`, keeping at most `snap`
    /// bytes of it as `tcpdump -s` does.
    pub fn frame(&mut self, unix_ns: i64, frame: &[u8], snap: usize) -> io::Result<()> {
        let kept = &frame[..frame.len().min(snap)];
        let (caplen, origlen) = (kept.len() as u32, frame.len() as u32);
        let ns = unix_ns.max(0) as u64;
        let mut record = Vec::with_capacity(kept.len() + 36);
        match self.format {
            Format::Pcap { big_endian, nanos } => {
                let fraction = if nanos {
                    ns % 1_000_000_000
                } else {
                    ns % 1_000_000_000 / 1000
                };
                put32(&mut record, (ns / 1_000_000_000) as u32, big_endian);
                put32(&mut record, fraction as u32, big_endian);
                put32(&mut record, caplen, big_endian);
                put32(&mut record, origlen, big_endian);
                record.extend_from_slice(kept);
            }
            Format::PcapNg => {
                let padded = kept.len().div_ceil(4) * 4;
                let total = (32 + padded) as u32;
                for word in [6, total, 0, (ns >> 32) as u32, ns as u32, caplen, origlen] {
                    put32(&mut record, word, false);
                }
                record.extend_from_slice(kept);
                record.resize(28 + padded, 0);
                put32(&mut record, total, false);
            }
        }
        self.out.write_all(&record)
    }

    /// The output, flushed.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

fn put32(out: &mut Vec<u8>, word: u32, big_endian: bool) {
    out.extend_from_slice(&if big_endian {
        word.to_be_bytes()
    } else {
        word.to_le_bytes()
    });
}

fn put16(out: &mut Vec<u8>, word: u16, big_endian: bool) {
    out.extend_from_slice(&if big_endian {
        word.to_be_bytes()
    } else {
        word.to_le_bytes()
    });
}
