//! FlinkServer role logs (`date | LEVEL | thread | …`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hbdiag_fuzz::parse(hbdiag::parse::pipe::parser(), data);
});
