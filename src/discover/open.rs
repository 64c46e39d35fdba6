//! Opening a source for streaming: compression is found from magic bytes,
//! not from the extension, and binary files are refused before parsing.

use flate2::bufread::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

/// Read-buffer size: large enough for sequential disk reads, small enough
/// for one per worker.
const BUFFER_SIZE: usize = 64 * 1024;

/// Why a source could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open: {0}")]
    Io(#[from] io::Error),
    #[error("{0} archive: archives are not read yet; unpack it and run hbdiag on the folder")]
    Archive(&'static str),
    #[error("{0}-compressed: decompress it (e.g. `{0} -d`) and run again")]
    Compression(&'static str),
    #[error("binary content (NUL bytes at the start): not a text log")]
    Binary,
}

/// How the bytes on disk are packed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Packing {
    Plain,
    Gzip,
}

/// A readable text stream and how it was packed.
pub struct Opened {
    pub reader: Box<dyn BufRead + Send>,
    pub packing: Packing,
}

/// Opens `path`, decompressing gzip (multi-member too) transparently.
pub fn open(path: &Path) -> Result<Opened, OpenError> {
    let mut file = BufReader::with_capacity(BUFFER_SIZE, File::open(path)?);
    let head = file.fill_buf()?;
    let (reader, packing): (Box<dyn BufRead + Send>, Packing) = match sniff_packing(head)? {
        Packing::Gzip => (
            Box::new(BufReader::with_capacity(
                BUFFER_SIZE,
                MultiGzDecoder::new(file),
            )),
            Packing::Gzip,
        ),
        Packing::Plain => (Box::new(file), Packing::Plain),
    };
    refuse_binary(reader, packing)
}

fn sniff_packing(head: &[u8]) -> Result<Packing, OpenError> {
    const MAGIC: [(&[u8], Result<Packing, &str>); 6] = [
        (b"\x1f\x8b", Ok(Packing::Gzip)),
        (b"PK\x03\x04", Err("zip")),
        (b"BZh", Err("bzip2")),
        (b"\xfd7zXZ\x00", Err("xz")),
        (b"\x28\xb5\x2f\xfd", Err("zstd")),
        (b"7z\xbc\xaf\x27\x1c", Err("7z")),
    ];
    for (magic, meaning) in MAGIC {
        if head.starts_with(magic) {
            return match meaning {
                Ok(packing) => Ok(packing),
                Err(name @ ("zip" | "7z")) => Err(OpenError::Archive(name)),
                Err(name) => Err(OpenError::Compression(name)),
            };
        }
    }
    if head.len() > 262 && &head[257..262] == b"ustar" {
        return Err(OpenError::Archive("tar"));
    }
    Ok(Packing::Plain)
}

fn refuse_binary(
    mut reader: Box<dyn BufRead + Send>,
    packing: Packing,
) -> Result<Opened, OpenError> {
    let head = reader.fill_buf()?;
    let probe = &head[..head.len().min(8192)];
    if memchr::memchr(0, probe).is_some() {
        return Err(OpenError::Binary);
    }
    Ok(Opened { reader, packing })
}

/// Reads `reader` to the end, for tests of what a source contains.
#[cfg(test)]
pub fn read_to_string(mut opened: Opened) -> io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    opened.reader.read_to_string(&mut text)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;

    fn gz(text: &str) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(text.as_bytes()).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn gzip_found_by_magic_and_multi_member_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.log.1");
        let mut bytes = gz("first member\n");
        bytes.extend(gz("second member\n"));
        std::fs::write(&path, bytes).unwrap();
        let opened = open(&path).unwrap();
        assert_eq!(opened.packing, Packing::Gzip);
        assert_eq!(
            read_to_string(opened).unwrap(),
            "first member\nsecond member\n"
        );
    }

    #[test]
    fn binary_and_archives_are_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("core.dump");
        std::fs::write(&bin, b"\x7fELF\x00\x00\x01").unwrap();
        assert!(matches!(open(&bin), Err(OpenError::Binary)));
        let zip = dir.path().join("logs.zip");
        std::fs::write(&zip, b"PK\x03\x04rest").unwrap();
        let err = open(&zip).err().unwrap();
        assert!(err.to_string().contains("zip archive"), "{err}");
    }
}
