//! Compressed files and archives (gzip, bzip2, xz, zstd, tar, zip, nested),
//! opened and walked as the scan does.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hbdiag_fuzz::archive(data);
});
