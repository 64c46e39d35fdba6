//! Opening a source for streaming: compression and archive formats are found
//! from magic bytes, not from the extension, and binary files are refused
//! before parsing. Works on files and on any stream (an archive entry).

use flate2::bufread::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// Read-buffer size: large enough for sequential disk reads, small enough
/// for one per worker.
pub const BUFFER_SIZE: usize = 64 * 1024;

/// Why a source could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The file or stream could not be read.
    #[error("cannot open: {0}")]
    Io(#[from] io::Error),
    /// An archive format hbdiag does not read (7z).
    #[error(
        "{0} archive: hbdiag reads tar and zip archives; unpack it and run hbdiag on the folder"
    )]
    Archive(&'static str),
    /// A compressed stream whose header the decoder refused.
    #[error("{0}-compressed but its header is damaged: {1}")]
    Compression(&'static str, String),
    /// NUL bytes near the start: a core dump, a jar, an image.
    #[error("binary content (NUL bytes at the start): not a text log")]
    Binary,
    /// A packet capture, which is read as frames, not text.
    #[error("a packet capture, not a text log")]
    Capture,
    /// A FIFO, device or socket: opening or reading it could block forever.
    #[error("not a regular file ({0}): not opened")]
    NotRegular(&'static str),
}

/// How the bytes of a source are compressed (one layer, found by magic).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Packing {
    /// Not compressed.
    Plain,
    /// gzip, multi-member too.
    Gzip,
    /// bzip2, multi-stream too.
    Bzip2,
    /// xz, multi-stream too.
    Xz,
    /// zstd (one frame).
    Zstd,
}

/// Archive formats read as streams of entries.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ArchiveFormat {
    /// POSIX/GNU tar.
    Tar,
    /// PKZIP.
    Zip,
}

/// A readable text stream and how it was packed.
pub struct Opened<'a> {
    /// The decompressed text.
    pub reader: Box<dyn BufRead + 'a>,
    /// The compression that was removed.
    pub packing: Packing,
    /// The encoding the text was decoded from.
    pub encoding: crate::read::TextEncoding,
}

/// What a source turned out to hold once its compression was removed.
pub enum Unpacked<'a> {
    /// Text to parse.
    Text(Opened<'a>),
    /// A packet capture (pcap or pcapng), read as frames, not lines.
    Capture {
        /// The compression around it (`.pcap.gz` is gzip).
        packing: Packing,
        /// The decompressed capture.
        reader: Box<dyn BufRead + 'a>,
    },
    /// An archive whose entries are sources of their own.
    Archive {
        /// Tar or zip.
        format: ArchiveFormat,
        /// The compression around the archive (`.tar.gz` is gzip).
        packing: Packing,
        /// The decompressed archive bytes.
        reader: Box<dyn BufRead + 'a>,
    },
}

/// Opens `path` and unpacks its compression; see [`unpack`].
pub fn open(path: &Path) -> Result<Unpacked<'static>, OpenError> {
    unpack(BufReader::with_capacity(BUFFER_SIZE, open_file(path)?))
}

/// Opens `path` when it is a regular file (after symbolic links): a FIFO,
/// device or socket is refused before it is opened, since opening or
/// reading one may never return.
pub fn open_file(path: &Path) -> Result<File, OpenError> {
    let check = |file_type: std::fs::FileType| match special_kind(&file_type) {
        Some(kind) => Err(OpenError::NotRegular(kind)),
        None if file_type.is_dir() => Err(OpenError::NotRegular("a folder")),
        None => Ok(()),
    };
    check(std::fs::metadata(path)?.file_type())?;
    let file = File::open(path)?;
    check(file.metadata()?.file_type())?;
    Ok(file)
}

/// What a file that is neither a regular file nor a folder is, if it is one.
pub fn special_kind(file_type: &std::fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return Some("a device");
        }
    }
    (!file_type.is_file() && !file_type.is_dir() && !file_type.is_symlink())
        .then_some("a special file")
}

/// Removes one layer of compression from `reader` (found by magic bytes),
/// then tells an archive from text and refuses binary content.
pub fn unpack<'a>(mut reader: impl BufRead + 'a) -> Result<Unpacked<'a>, OpenError> {
    let packing = match sniff(reader.fill_buf()?)? {
        Sniffed::Archive(format) => {
            return Ok(Unpacked::Archive {
                format,
                packing: Packing::Plain,
                reader: Box::new(reader),
            });
        }
        Sniffed::Compressed(packing) => packing,
        Sniffed::Other => Packing::Plain,
    };
    let mut inner = decompress(reader, packing)?;
    if packing != Packing::Plain
        && let Sniffed::Archive(format) = sniff(inner.fill_buf()?)?
    {
        return Ok(Unpacked::Archive {
            format,
            packing,
            reader: inner,
        });
    }
    if crate::parse::pcap::is_capture(inner.fill_buf()?) {
        return Ok(Unpacked::Capture {
            packing,
            reader: inner,
        });
    }
    let (mut inner, encoding) = crate::read::transcoded(inner)?;
    refuse_binary(inner.as_mut())?;
    Ok(Unpacked::Text(Opened {
        reader: inner,
        packing,
        encoding,
    }))
}

/// Reads `path` as text only (archives are refused), for callers that want
/// one stream.
pub fn open_text(path: &Path) -> Result<Opened<'static>, OpenError> {
    match open(path)? {
        Unpacked::Text(opened) => Ok(opened),
        Unpacked::Capture { .. } => Err(OpenError::Capture),
        Unpacked::Archive { format, .. } => Err(OpenError::Archive(match format {
            ArchiveFormat::Tar => "tar",
            ArchiveFormat::Zip => "zip",
        })),
    }
}

/// Whether `head` starts a zip archive, which is read through its central
/// directory when the file can seek.
pub fn is_zip(head: &[u8]) -> bool {
    matches!(sniff(head), Ok(Sniffed::Archive(ArchiveFormat::Zip)))
}

enum Sniffed {
    Compressed(Packing),
    Archive(ArchiveFormat),
    Other,
}

fn sniff(head: &[u8]) -> Result<Sniffed, OpenError> {
    const MAGIC: [(&[u8], Sniffed); 7] = [
        (b"\x1f\x8b", Sniffed::Compressed(Packing::Gzip)),
        (b"BZh", Sniffed::Compressed(Packing::Bzip2)),
        (b"\xfd7zXZ\x00", Sniffed::Compressed(Packing::Xz)),
        (b"\x28\xb5\x2f\xfd", Sniffed::Compressed(Packing::Zstd)),
        (b"PK\x03\x04", Sniffed::Archive(ArchiveFormat::Zip)),
        (b"PK\x05\x06", Sniffed::Archive(ArchiveFormat::Zip)),
        (b"PK\x07\x08", Sniffed::Archive(ArchiveFormat::Zip)),
    ];
    if head.starts_with(b"7z\xbc\xaf\x27\x1c") {
        return Err(OpenError::Archive("7z"));
    }
    if head.len() > 262 && &head[257..262] == b"ustar" {
        return Ok(Sniffed::Archive(ArchiveFormat::Tar));
    }
    Ok(MAGIC
        .into_iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map_or(Sniffed::Other, |(_, sniffed)| sniffed))
}

fn decompress<'a>(
    reader: impl BufRead + 'a,
    packing: Packing,
) -> Result<Box<dyn BufRead + 'a>, OpenError> {
    let buffered = |r: Box<dyn Read + 'a>| -> Box<dyn BufRead + 'a> {
        Box::new(BufReader::with_capacity(BUFFER_SIZE, r))
    };
    Ok(match packing {
        Packing::Plain => Box::new(reader),
        Packing::Gzip => buffered(Box::new(MultiGzDecoder::new(reader))),
        Packing::Bzip2 => buffered(Box::new(bzip2::bufread::MultiBzDecoder::new(reader))),
        Packing::Xz => buffered(Box::new(lzma_rust2::XzReader::new(reader, true))),
        Packing::Zstd => buffered(Box::new(
            ruzstd::decoding::StreamingDecoder::new(reader)
                .map_err(|e| OpenError::Compression("zstd", e.to_string()))?,
        )),
    })
}

fn refuse_binary(reader: &mut dyn BufRead) -> Result<(), OpenError> {
    let head = reader.fill_buf()?;
    let probe = &head[..head.len().min(8192)];
    if memchr::memchr(0, probe).is_some() {
        return Err(OpenError::Binary);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;

    fn gz(text: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(text).unwrap();
        enc.finish().unwrap()
    }

    fn text_of(unpacked: Unpacked<'_>) -> (Packing, String) {
        let Unpacked::Text(mut opened) = unpacked else {
            panic!("expected text");
        };
        let mut text = String::new();
        opened.reader.read_to_string(&mut text).unwrap();
        (opened.packing, text)
    }

    #[test]
    fn gzip_found_by_magic_and_multi_member_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.log.1");
        let mut bytes = gz(b"first member\n");
        bytes.extend(gz(b"second member\n"));
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(
            text_of(open(&path).unwrap()),
            (Packing::Gzip, "first member\nsecond member\n".into())
        );
    }

    #[test]
    fn bzip2_xz_and_zstd_found_by_magic() {
        let text = b"2026-03-12 10:15:22,345 INFO  [main] hello\n";
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        bz.write_all(text).unwrap();
        let bz = bz.finish().unwrap();
        assert_eq!(text_of(unpack(&bz[..]).unwrap()).0, Packing::Bzip2);
        // A stored xz stream and a raw-block zstd frame, from the command-line
        // tools: `printf 'a\n' | xz -0` and `printf 'a\n' | zstd`.
        let xz: &[u8] = &[
            0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04, 0xe6, 0xd6, 0xb4, 0x46, 0x02, 0x00,
            0x21, 0x01, 0x0c, 0x00, 0x00, 0x00, 0x8f, 0x98, 0x41, 0x9c, 0x01, 0x00, 0x01, 0x61,
            0x0a, 0x00, 0x00, 0x00, 0x13, 0x47, 0x3f, 0xb8, 0x93, 0x9d, 0x45, 0xd4, 0x00, 0x01,
            0x1a, 0x02, 0xdc, 0x2e, 0xa5, 0x7e, 0x1f, 0xb6, 0xf3, 0x7d, 0x01, 0x00, 0x00, 0x00,
            0x00, 0x04, 0x59, 0x5a,
        ];
        assert_eq!(text_of(unpack(xz).unwrap()), (Packing::Xz, "a\n".into()));
        let zstd: &[u8] = &[
            0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x11, 0x00, 0x00, 0x61, 0x0a, 0x55, 0xc8, 0xcc,
            0x1e,
        ];
        assert_eq!(
            text_of(unpack(zstd).unwrap()),
            (Packing::Zstd, "a\n".into())
        );
    }

    #[test]
    fn tar_inside_gzip_is_an_archive() {
        let mut tar = vec![0u8; 1024];
        tar[257..262].copy_from_slice(b"ustar");
        match unpack(&gz(&tar)[..]).unwrap() {
            Unpacked::Archive {
                format, packing, ..
            } => assert_eq!((format, packing), (ArchiveFormat::Tar, Packing::Gzip)),
            Unpacked::Text(_) | Unpacked::Capture { .. } => panic!("tar.gz not read as tar"),
        }
    }

    #[test]
    fn a_gzipped_capture_is_found_by_its_magic_inside() {
        let mut pcap = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
        pcap.resize(24, 0);
        match unpack(&gz(&pcap)[..]).unwrap() {
            Unpacked::Capture { packing, .. } => assert_eq!(packing, Packing::Gzip),
            _ => panic!("a gzipped pcap not read as a capture"),
        }
        assert!(matches!(
            unpack(&pcap[..]),
            Ok(Unpacked::Capture {
                packing: Packing::Plain,
                ..
            })
        ));
    }

    #[test]
    fn binary_and_7z_are_refused_with_a_reason() {
        let bin: &[u8] = b"\x7fELF\x00\x00\x01";
        assert!(matches!(unpack(bin), Err(OpenError::Binary)));
        let seven: &[u8] = b"7z\xbc\xaf\x27\x1crest";
        let err = unpack(seven).err().unwrap();
        assert!(err.to_string().contains("7z archive"), "{err}");
    }
}
