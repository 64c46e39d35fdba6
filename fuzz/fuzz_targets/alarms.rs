//! Huawei MRS alarm exports (CSV, tab-separated, syslog-style text).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hbdiag_fuzz::parse(hbdiag::parse::alarms::AlarmParser::new(), data);
});
