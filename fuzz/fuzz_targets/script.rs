//! prestart/start/stop script logs (`[date] LEVEL [pid] …`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hbdiag_fuzz::parse(hbdiag::parse::script::parser(), data);
});
