//! GC logs: JDK 8, unified (JDK 9+) and OpenJ9 verbose GC.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hbdiag_fuzz::parse(hbdiag::parse::gc::GcParser::new(), data);
});
