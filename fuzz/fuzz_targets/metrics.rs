//! System metrics: vmstat and sar output.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hbdiag_fuzz::parse(hbdiag::parse::metrics::MetricsParser::new(), data);
});
