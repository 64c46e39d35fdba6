//! A fast hash for the scan's direct-mapped memo tables (they only need
//! their slots spread, as equal keys are compared in full), and the shape
//! of a text some of them are keyed by.

/// Hashes `bytes`, continuing from `seed`: four independent lanes of eight
/// bytes, so the multiplications overlap.
pub fn hash(seed: u64, bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mix = |lane: u64, word: u64| (lane ^ word).wrapping_mul(K).rotate_left(31);
    let word = |chunk: &[u8]| u64::from_le_bytes(chunk.try_into().unwrap_or_default());
    let mut lanes = [seed, seed ^ 1, seed ^ 2, seed ^ 3];
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        for (lane, chunk) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            *lane = mix(*lane, word(chunk));
        }
    }
    let mut words = blocks.remainder().chunks_exact(8);
    let mut h = lanes
        .iter()
        .fold(bytes.len() as u64, |h, &lane| mix(h, lane));
    for chunk in &mut words {
        h = mix(h, word(chunk));
    }
    let mut tail = [0u8; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    h = mix(h, u64::from_le_bytes(tail));
    h ^ (h >> 29)
}

/// Reads each ASCII digit of `bytes` as `0`: the shape shared by texts
/// that differ only in their figures (a duration, a count, a port). Keeps
/// UTF-8 valid, as it only replaces ASCII bytes with ASCII bytes.
pub(crate) fn zero_digits(bytes: &mut [u8]) {
    // Branch-free: the compiler turns this into vector code.
    for b in bytes {
        *b = if b.wrapping_sub(b'0') < 10 { b'0' } else { *b };
    }
}
