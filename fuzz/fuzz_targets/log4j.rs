//! Informatica node.log / exceptions.log records (log4j layout).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hbdiag_fuzz::parse(hbdiag::parse::log4j::parser(), data);
});
