//! HotSpot thread dumps.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hbdiag_fuzz::parse(hbdiag::parse::threads::ThreadDumpParser::new(), data);
});
