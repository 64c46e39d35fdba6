//! Hypervisor metrics: VMware esxtop batch CSV and PowerCLI stat exports.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hbdiag_fuzz::parse(hbdiag::parse::hypervisor::HypervisorParser::new(), data);
});
