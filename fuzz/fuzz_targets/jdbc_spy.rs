//! JDBC spy logs: DataDirect Spy, p6spy, log4jdbc.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hbdiag_fuzz::parse(hbdiag::parse::jdbc_spy::JdbcSpyParser::new(), data);
});
