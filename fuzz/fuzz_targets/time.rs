//! Timestamp prefixes and the record-header parsers of every line format.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        hbdiag_fuzz::time_and_headers(text);
    }
});
