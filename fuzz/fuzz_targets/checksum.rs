//! The fast sum and the incremental updates against a plain reference.
//!
//! - `Sum::of` / `internet_checksum` on any slice (any length, any start
//!   alignment) equals 16-bit words added one at a time;
//! - summing a slice in two parts with `Sum::add_bytes_at` (the second part
//!   at an odd or even offset) equals summing it whole;
//! - `Delta::replace_bytes` of a run at any offset, applied to the stored
//!   checksum, equals recomputing it, and `apply_udp` keeps UDP's zero rules.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wireview::checksum::{internet_checksum, Delta, Sum};

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    /// Where the data starts in the buffer (its alignment).
    start: u8,
    /// Where the data is split in two for the two-part sum.
    split: u16,
    /// Where the replaced run starts, relative to the data.
    at: u16,
    /// The bytes that replace the run (as many as fit).
    new: &'a [u8],
    /// The data itself.
    data: &'a [u8],
}

/// The plain reference: 16-bit big-endian words one at a time, an odd final
/// byte padded with zero, folded with end-around carries.
fn reference_sum(data: &[u8]) -> u16 {
    let mut sum: u64 = 0;
    for chunk in data.chunks(2) {
        let hi = u64::from(chunk[0]) << 8;
        let lo = chunk.get(1).map_or(0, |&b| u64::from(b));
        sum += hi | lo;
    }
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    sum as u16
}

fuzz_target!(|input: Input<'_>| {
    let data = input
        .data
        .get(usize::from(input.start % 8)..)
        .unwrap_or(&[]);

    // The fast sum at this alignment and length.
    let sum = Sum::of(data).value();
    assert_eq!(sum, reference_sum(data));
    assert_eq!(internet_checksum(data), !reference_sum(data));

    // Two parts, the second at an odd or even offset.
    let split = usize::from(input.split) % (data.len() + 1);
    let (head, tail) = data.split_at(split);
    assert_eq!(Sum::of(head).add_bytes_at(split, tail).value(), sum);
    // Removing a part and adding it back gives the same sum modulo 0xFFFF
    // (one's-complement arithmetic has two zeros).
    let removed = Sum::of(data).sub_bytes_at(split, tail);
    assert_eq!(removed.value() % 0xFFFF, Sum::of(head).value() % 0xFFFF);

    // Replace a run at `at` and patch the checksum incrementally. The data
    // must not be all zero for the patched checksum to match bit for bit
    // (RFC 1624 section 3); real headers never are.
    if data.is_empty() || data.iter().all(|&b| b == 0) {
        return;
    }
    let at = usize::from(input.at) % data.len();
    let len = input.new.len().min(data.len() - at);
    let mut after = data.to_vec();
    after[at..at + len].copy_from_slice(&input.new[..len]);
    let delta = Delta::replace_bytes(at, &data[at..at + len], &input.new[..len]);
    let before = internet_checksum(data);
    if after.iter().any(|&b| b != 0) {
        assert_eq!(delta.apply(before), internet_checksum(&after));
        // UDP: a stored 0 ("no checksum") stays 0; otherwise as `apply`,
        // with a computed 0 sent as 0xFFFF.
        assert_eq!(delta.apply_udp(0), 0);
        if before != 0 {
            let expected = match internet_checksum(&after) {
                0 => 0xFFFF,
                c => c,
            };
            assert_eq!(delta.apply_udp(before), expected);
        }
    }
    // The delta is the change of the sum, whatever the data.
    assert_eq!(
        Sum::of(data).add(delta.sum()).value() % 0xFFFF,
        Sum::of(&after).value() % 0xFFFF
    );
});
