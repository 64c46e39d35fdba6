//! The line reader and UTF-16 transcoding, with buffer size, line cap and
//! line-ending mode taken from the first two bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hbdiag_fuzz::read(data);
});
