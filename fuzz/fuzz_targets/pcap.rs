//! Packet captures: pcap and pcapng frames, TCP segments, flows.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hbdiag_fuzz::capture(data);
});
