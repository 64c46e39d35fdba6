//! VMware esxtop batch CSV.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hbdiag_fuzz::parse(hbdiag::parse::esxtop::EsxtopParser::new(), data);
});
