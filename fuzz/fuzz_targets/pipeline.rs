//! The whole analysis, report included, on a bundle of files cut from the
//! input (see `hbdiag_fuzz::bundle` for the layout).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hbdiag_fuzz::pipeline(data);
});
