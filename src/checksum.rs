//! The Internet checksum ([RFC 1071]) and its incremental update ([RFC 1624]).
//!
//! Every checksum in this crate (IPv4 header, UDP, TCP, ICMPv4, ICMPv6, GRE)
//! is the one's complement of the one's-complement sum of 16-bit big-endian
//! words. This module is the one place where such sums are computed:
//!
//! - [`internet_checksum`] computes a checksum from scratch, as fast as safe
//!   Rust allows: independent 64-bit lanes without a carry chain, which the
//!   compiler turns into SIMD code on every x86_64.
//! - [`Sum`] is a running one's-complement sum that can add and remove byte
//!   runs (at even or odd offsets), 16/32-bit words and pseudo-headers.
//! - [`Delta`] is the change in a sum caused by replacing some bytes. It is
//!   computed once and applied to every checksum that covers the changed
//!   bytes, with [RFC 1624] eqn. 3: `HC' = ~(~HC + ~m + m')`. That is how
//!   a rewrite deep inside a tunnelled packet fixes the inner and outer
//!   checksums alike, in time proportional to the size of the change.
//!
//! ```
//! use wireview::checksum::{internet_checksum, Delta};
//!
//! // RFC 1624 section 4: HC = 0xDD2F, a word changes from 0x5555 to 0x3285.
//! assert_eq!(Delta::replace_u16(0x5555, 0x3285).apply(0xDD2F), 0x0000);
//!
//! // A 20-byte IPv4 header, checksum field zeroed, checksum computed.
//! let mut hdr = [0x45, 0x00, 0x00, 0x30, 0x44, 0x22, 0x40, 0x00, 0x80, 0x06, 0x00, 0x00,
//!                0x8c, 0x7c, 0x19, 0xac, 0xae, 0x24, 0x1e, 0x2b];
//! assert_eq!(internet_checksum(&hdr), 0x442E);
//! ```
//!
//! On eBPF (`target_arch = "bpf"`) the sum is spelled for the kernel's
//! verifier instead of for speed, and the helpers behind the setters are
//! always inlined: see "Use in eBPF" in the crate documentation.
//!
//! [RFC 1071]: https://www.rfc-editor.org/rfc/rfc1071
//! [RFC 1624]: https://www.rfc-editor.org/rfc/rfc1624

use core::net::{Ipv4Addr, Ipv6Addr};
use core::ops::{Add, AddAssign};

/// The Internet checksum of `data`: the one's complement of the
/// one's-complement sum of its 16-bit big-endian words, an odd final byte
/// padded with a zero byte. This is the value to store in a header's
/// checksum field (with that field zero while summing); over a region whose
/// checksum field is already filled in, a valid checksum gives 0.
///
/// The result is correct for inputs of any length, including beyond 128 KiB
/// (IPv6 jumbograms): the accumulators are flushed before they can overflow.
///
/// ```
/// // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to 0xddf2.
/// let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
/// assert_eq!(wireview::checksum::internet_checksum(&data), !0xddf2);
/// ```
#[inline]
pub fn internet_checksum(data: &[u8]) -> u16 {
    Sum::of(data).checksum()
}

// How the full sum is made fast, in safe Rust.
//
// The one's-complement sum of 16-bit words is congruent modulo 0xFFFF to the
// plain sum of those words, and to the sum of any wider words made of them
// (2^16 = 1 mod 0xFFFF, so 2^32 and 2^48 are too). So we add the data as
// 64-bit words and fold once at the end. The sum is also byte-order
// independent (RFC 1071 section 2(B)): we add native-endian words and swap
// the folded result once, instead of swapping every word.
//
// What costs time is carries. An add-with-carry chain is one long
// dependency and cannot use SIMD. The bulk loop instead keeps a wrapping sum
// of the 64-bit words (`acc`) and, apart, the sum of their high 32-bit
// halves (`hi`). The exact sum of the low halves is `acc - (hi << 32)`
// (it is far below 2^64), so nothing is lost to wrapping, and every step is
// a plain add or shift on independent lanes: three SIMD instructions
// (`paddq`, `psrlq`, `paddq`) per 16 bytes with baseline SSE2, per 64 bytes
// with AVX-512.
//
// How the lanes are written down matters to LLVM's vectorisers, so there
// are two spellings of the same arithmetic in `bulk_sum`, chosen at compile
// time (the tests check whichever is compiled; `.ci/run` runs them again
// with `-C target-cpu=native` to cover the other):
// - baseline x86_64 (SSE2): eight explicit lanes over 64-byte blocks, which
//   the SLP vectoriser maps onto four registers of sums and four of high
//   halves, 64 bytes per loop iteration (the loop vectoriser only
//   interleaves twice on SSE2, 32 bytes per iteration, ~40% slower);
// - with AVX2 (e.g. `-C target-cpu=native`): one flat reduction, which the
//   loop vectoriser splits into 4 x 256-bit or 4 x 512-bit lanes. The
//   eight-lane spelling there gets vectorised across blocks instead, with
//   gather instructions, three to four times slower.
//
// Short inputs (IPv4 headers, the 1- to 16-byte runs of incremental
// updates) skip the vector set-up and reduction: one add-with-carry chain
// over 8-byte words, 32 bytes per loop step, the last 0 to 7 bytes in at
// most three pieces (see `short_sum`), and a fold made of two
// rotate-and-add steps (see `fold`).

/// Inputs of at least this many bytes go through the bulk loop; below it the
/// vector set-up and reduction cost more than they save.
#[cfg(all(not(target_feature = "avx2"), not(target_arch = "bpf")))]
const BULK_MIN: usize = 128;
/// With AVX2 the vector set-up and reduction are longer (four 256-bit
/// accumulator pairs): below 256 bytes the scalar chain wins.
#[cfg(all(target_feature = "avx2", not(target_arch = "bpf")))]
const BULK_MIN: usize = 256;
/// The bulk loop takes whole blocks of this many bytes.
#[cfg(not(target_arch = "bpf"))]
const BLOCK: usize = 64;
/// Bytes summed by the bulk loop between reductions. That is 2^17 words of
/// 64 bits, so the sum of their high halves stays below 2^49 and so does the
/// recovered sum of their low halves: far from overflow, for inputs of any
/// length (every flush starts from zero).
#[cfg(not(target_arch = "bpf"))]
const FLUSH: usize = 1 << 20;

/// An unfolded sum of `data` read as native-endian 16-bit words (an odd
/// final byte as the first byte of a zero-padded word), congruent modulo
/// 0xFFFF to their one's-complement sum in native byte order, and 0 only
/// when `data` is all zero.
///
/// Inlined: with a length known at compile time (the 1- to 16-byte runs of
/// the checksum-keeping setters) it reduces to a few loads and adds, and
/// for an IPv4 header to the short loop with no call.
#[cfg(not(target_arch = "bpf"))]
#[inline]
fn native_sum(data: &[u8]) -> u64 {
    if data.len() < BULK_MIN {
        short_sum(data)
    } else {
        long_sum(data)
    }
}

/// [`native_sum`] of an input of at least [`BULK_MIN`] bytes. Not inlined:
/// one call is nothing next to the loop, and the callers stay small.
#[cfg(not(target_arch = "bpf"))]
fn long_sum(data: &[u8]) -> u64 {
    let (bulk, tail) = data.split_at(data.len() - data.len() % BLOCK);
    let mut total = short_sum(tail);
    for part in bulk.chunks(FLUSH) {
        total = add_carry(total, bulk_sum(part));
    }
    total
}

/// [`native_sum`] for eBPF (`target_arch = "bpf"`), spelled for the kernel
/// verifier rather than for speed. The verifier follows each path through
/// the program with the registers' ranges, and accepts a packet read only
/// at an offset it can bound below what the program compared with
/// `data_end`. So the first [`BPF_UNROLLED`] bytes (any header, IPv4 with
/// options included) are read one 16-bit word at a time, each word at a
/// constant offset behind a comparison of the length with a constant: the
/// loop unrolls to that. (The other spelling's loops step by 32 bytes or
/// more with trip counts made by division, which the verifier loses track
/// of; 0.1's also read the slice's last 8 bytes through a mask table in
/// `.rodata`.) That lets an XDP program
/// sum a header whose length is only known at run time inside a window it
/// has bounds-checked. Longer data goes on in a plain loop, which the
/// verifier may not follow (its bound is the slice's length).
#[cfg(target_arch = "bpf")]
#[inline]
fn native_sum(data: &[u8]) -> u64 {
    let mut sum = 0u64;
    let mut i = 0;
    while i < BPF_UNROLLED {
        match data.get(i..) {
            Some([b0, b1, ..]) => {
                sum = sum.wrapping_add(u64::from(u16::from_ne_bytes([*b0, *b1])));
            }
            Some([b0]) => return sum.wrapping_add(u64::from(u16::from_ne_bytes([*b0, 0]))),
            _ => return sum,
        }
        i += 2;
    }
    let mut rest = data.get(BPF_UNROLLED..).unwrap_or_default();
    while let [b0, b1, tail @ ..] = rest {
        sum = sum.wrapping_add(u64::from(u16::from_ne_bytes([*b0, *b1])));
        rest = tail;
    }
    if let [b0] = rest {
        sum = sum.wrapping_add(u64::from(u16::from_ne_bytes([*b0, 0])));
    }
    sum
}

/// How many leading bytes the eBPF [`native_sum`] reads with an unrolled,
/// guarded step per word: the largest IPv4 or TCP header, and a little more.
#[cfg(target_arch = "bpf")]
const BPF_UNROLLED: usize = 64;

/// One's-complement (end-around carry) addition of two 64-bit values:
/// congruent modulo 2^64 - 1, hence modulo 0xFFFF, and never 0 unless both
/// are.
#[inline]
const fn add_carry(a: u64, b: u64) -> u64 {
    let (s, carry) = a.overflowing_add(b);
    // Cannot overflow (a carry out leaves `s` at most 2^64 - 2), but a
    // plain `+` keeps a panic path in builds with overflow checks, which
    // eBPF loaders refuse.
    s.wrapping_add(carry as u64)
}

/// An 8-byte chunk as one native-endian word: a single unaligned load.
#[cfg(not(target_arch = "bpf"))]
#[inline]
fn word(chunk: &[u8]) -> u64 {
    let mut w = [0; 8];
    w.copy_from_slice(chunk);
    u64::from_ne_bytes(w)
}

/// The sum of a short slice: one add-with-carry chain over its 8-byte
/// words (`add`, `adc` on x86_64), four words per loop step, then up to
/// three more words without a loop, then the last `len % 8` bytes, which
/// start at a multiple of 8 and so pair up as they lie, in a 4-, a 2- and
/// a 1-byte piece.
///
/// Measured against what it replaced (16-byte steps with a carry count
/// beside the sum, the last bytes from one load of the word that ends the
/// slice, masked through a table and rotated at odd lengths): as fast from
/// 64 bytes on and 10-20% faster at 20 and 40, where LLVM's unrolled loop
/// set-up and the masked tail cost more than the words. (A sum whose
/// carries are read inside the loop is not a reduction LLVM's loop
/// vectoriser knows, and a single chain gives the SLP vectoriser nothing to
/// pair, so this stays scalar with any target flags. Two chains side by
/// side got paired into 128-bit vectors with emulated carries under
/// AVX-512, and a `u128` accumulator got interleaved eight ways and
/// spilled.)
#[cfg(not(target_arch = "bpf"))]
#[inline]
fn short_sum(data: &[u8]) -> u64 {
    let mut sum = 0u64;
    let mut quads = data.chunks_exact(32);
    for q in &mut quads {
        sum = add_carry(add_carry(sum, word(&q[..8])), word(&q[8..16]));
        sum = add_carry(add_carry(sum, word(&q[16..24])), word(&q[24..]));
    }
    let mut rest = quads.remainder();
    if rest.len() >= 16 {
        sum = add_carry(add_carry(sum, word(&rest[..8])), word(&rest[8..16]));
        rest = &rest[16..];
    }
    if rest.len() >= 8 {
        sum = add_carry(sum, word(&rest[..8]));
        rest = &rest[8..];
    }
    // The last 0 to 7 bytes start at a multiple of 8, so at an even
    // offset: they pair up as they lie.
    add_carry(sum, tiny_sum(rest))
}

/// The sum of fewer than 8 bytes: a 4-, a 2- and a 1-byte piece.
#[cfg(not(target_arch = "bpf"))]
#[inline]
fn tiny_sum(mut rest: &[u8]) -> u64 {
    let mut sum: u64 = 0;
    if let [w0, w1, w2, w3, tail @ ..] = rest {
        sum += u64::from(u32::from_ne_bytes([*w0, *w1, *w2, *w3]));
        rest = tail;
    }
    if let [w0, w1, tail @ ..] = rest {
        sum += u64::from(u16::from_ne_bytes([*w0, *w1]));
        rest = tail;
    }
    if let [w0] = rest {
        sum += u64::from(u16::from_ne_bytes([*w0, 0]));
    }
    sum
}

/// Sums whole [`BLOCK`]s, at most [`FLUSH`] bytes of them, without a carry
/// chain (see the comment above [`BULK_MIN`]): eight explicit 64-bit lanes,
/// which the SLP vectoriser turns into four SSE2 registers of wrapping sums
/// and four of high halves (eight of the sixteen: no spills).
#[cfg(all(not(target_feature = "avx2"), not(target_arch = "bpf")))]
#[inline]
fn bulk_sum(blocks: &[u8]) -> u64 {
    let mut acc = [0u64; BLOCK / 8];
    let mut hi = [0u64; BLOCK / 8];
    for block in blocks.chunks_exact(BLOCK) {
        for (i, w) in block.chunks_exact(8).enumerate() {
            let w = word(w);
            acc[i] = acc[i].wrapping_add(w);
            hi[i] += w >> 32;
        }
    }
    let acc = acc.iter().fold(0u64, |s, &a| s.wrapping_add(a));
    let hi: u64 = hi.iter().sum();
    acc.wrapping_sub(hi << 32) + hi
}

/// Sums whole [`BLOCK`]s, at most [`FLUSH`] bytes of them, without a carry
/// chain (see the comment above [`BULK_MIN`]): one flat reduction, which the
/// loop vectoriser splits into AVX2 or AVX-512 lanes with contiguous loads.
#[cfg(all(target_feature = "avx2", not(target_arch = "bpf")))]
#[inline]
fn bulk_sum(blocks: &[u8]) -> u64 {
    let mut acc = 0u64;
    let mut hi = 0u64;
    for w in blocks.chunks_exact(8) {
        let w = word(w);
        acc = acc.wrapping_add(w);
        hi += w >> 32;
    }
    acc.wrapping_sub(hi << 32) + hi
}

/// Folds an unfolded sum to 16 bits with end-around carries. The result is
/// 0 only for a zero input, so the sum of any data that is not all zero is
/// in `1..=0xFFFF`, the same representation that incremental updates keep.
///
/// Adding a value to itself rotated by half its width leaves in the upper
/// half the end-around-carry sum of the two halves (Linux's `csum_fold`):
/// two short dependent steps instead of a chain of masks and shifts.
#[inline]
const fn fold(sum: u64) -> u16 {
    let s = (sum.wrapping_add(sum.rotate_right(32)) >> 32) as u32;
    (s.wrapping_add(s.rotate_right(16)) >> 16) as u16
}

/// A one's-complement sum of 16-bit big-endian words, folded to 16 bits.
///
/// Sums combine in any order (one's-complement addition is commutative and
/// associative), and removing a part is adding its complement, which is what
/// RFC 1624 builds on.
///
/// ```
/// use core::net::Ipv4Addr;
/// use wireview::checksum::Sum;
///
/// // The UDP checksum of a datagram: pseudo-header plus header and payload.
/// let udp = [0x30, 0x39, 0x00, 0x35, 0x00, 0x0a, 0x00, 0x00, b'h', b'i'];
/// let sum = Sum::ipv4_pseudo_header(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2), 17, 10)
///     .add_bytes(&udp);
/// let csum = sum.checksum();
/// // Summing again with the checksum in place gives the all-ones sum.
/// assert_eq!(sum.add_u16(csum).value(), 0xFFFF);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Sum(u16);

impl Sum {
    /// The empty sum.
    pub const ZERO: Sum = Sum(0);

    /// A sum whose folded value is `value`.
    pub const fn from_value(value: u16) -> Sum {
        Sum(value)
    }

    /// The folded 16-bit value of the sum.
    pub const fn value(self) -> u16 {
        self.0
    }

    /// The checksum to store for this sum: its one's complement.
    pub const fn checksum(self) -> u16 {
        !self.0
    }

    /// The sum of `data` (starting at an even offset of the covered region).
    #[inline]
    pub fn of(data: &[u8]) -> Sum {
        Sum(u16::from_be(fold(native_sum(data))))
    }

    /// This sum plus `other`.
    #[inline]
    #[must_use]
    pub const fn add(self, other: Sum) -> Sum {
        let s = self.0 as u32 + other.0 as u32;
        Sum(((s & 0xFFFF) + (s >> 16)) as u16)
    }

    /// This sum minus `other` (plus its one's complement).
    #[inline]
    #[must_use]
    pub const fn sub(self, other: Sum) -> Sum {
        self.add(Sum(!other.0))
    }

    /// The sum as seen by a region that starts one byte earlier or later:
    /// its two bytes swapped (RFC 1071 section 2(B)).
    #[inline]
    #[must_use]
    pub const fn swapped(self) -> Sum {
        Sum(self.0.swap_bytes())
    }

    /// Adds a 16-bit word.
    #[inline]
    #[must_use]
    pub const fn add_u16(self, word: u16) -> Sum {
        self.add(Sum(word))
    }

    /// Removes a 16-bit word.
    #[inline]
    #[must_use]
    pub const fn sub_u16(self, word: u16) -> Sum {
        self.sub(Sum(word))
    }

    /// Adds a 32-bit word (two 16-bit words).
    #[inline]
    #[must_use]
    pub const fn add_u32(self, word: u32) -> Sum {
        self.add_u16((word >> 16) as u16).add_u16(word as u16)
    }

    /// Removes a 32-bit word.
    #[inline]
    #[must_use]
    pub const fn sub_u32(self, word: u32) -> Sum {
        self.sub_u16((word >> 16) as u16).sub_u16(word as u16)
    }

    /// Adds `data`, which starts at an even offset of the covered region.
    #[inline]
    #[must_use]
    pub fn add_bytes(self, data: &[u8]) -> Sum {
        self.add(Sum::of(data))
    }

    /// Adds `data`, which starts at `offset` bytes into the covered region.
    /// At an odd offset the first byte is the low byte of a word.
    #[inline]
    #[must_use]
    pub fn add_bytes_at(self, offset: usize, data: &[u8]) -> Sum {
        self.add(Sum::of(data).shifted(offset))
    }

    /// Removes `data`, which starts at an even offset of the covered region.
    #[inline]
    #[must_use]
    pub fn sub_bytes(self, data: &[u8]) -> Sum {
        self.sub(Sum::of(data))
    }

    /// Removes `data`, which starts at `offset` bytes into the covered region.
    #[inline]
    #[must_use]
    pub fn sub_bytes_at(self, offset: usize, data: &[u8]) -> Sum {
        self.sub(Sum::of(data).shifted(offset))
    }

    /// The sum as seen from `offset` bytes into a region: swapped when the
    /// offset is odd.
    #[inline]
    const fn shifted(self, offset: usize) -> Sum {
        if offset % 2 == 1 {
            self.swapped()
        } else {
            self
        }
    }

    /// The sum of the IPv4 pseudo-header of UDP and TCP ([RFC 768], [RFC 9293]
    /// section 3.1): source, destination, zero byte and protocol, and the
    /// length of the transport header and payload.
    ///
    /// [RFC 768]: https://www.rfc-editor.org/rfc/rfc768
    /// [RFC 9293]: https://www.rfc-editor.org/rfc/rfc9293#section-3.1
    pub const fn ipv4_pseudo_header(
        src: Ipv4Addr,
        dst: Ipv4Addr,
        protocol: u8,
        length: u16,
    ) -> Sum {
        Sum::ZERO
            .add_u32(src.to_bits())
            .add_u32(dst.to_bits())
            .add_u16(protocol as u16)
            .add_u16(length)
    }

    /// The sum of the IPv6 pseudo-header of upper-layer checksums
    /// ([RFC 8200 section 8.1]): source, destination, 32-bit upper-layer
    /// length, and next header.
    ///
    /// [RFC 8200 section 8.1]: https://www.rfc-editor.org/rfc/rfc8200#section-8.1
    pub const fn ipv6_pseudo_header(
        src: Ipv6Addr,
        dst: Ipv6Addr,
        next_header: u8,
        length: u32,
    ) -> Sum {
        let s = src.to_bits();
        let d = dst.to_bits();
        Sum::ZERO
            .add_u32((s >> 96) as u32)
            .add_u32((s >> 64) as u32)
            .add_u32((s >> 32) as u32)
            .add_u32(s as u32)
            .add_u32((d >> 96) as u32)
            .add_u32((d >> 64) as u32)
            .add_u32((d >> 32) as u32)
            .add_u32(d as u32)
            .add_u32(length)
            .add_u16(next_header as u16)
    }
}

impl Add for Sum {
    type Output = Sum;
    fn add(self, rhs: Sum) -> Sum {
        Sum::add(self, rhs)
    }
}

impl AddAssign for Sum {
    fn add_assign(&mut self, rhs: Sum) {
        *self = Sum::add(*self, rhs);
    }
}

/// The change in a one's-complement sum caused by replacing some bytes: the
/// `~m + m'` of [RFC 1624] eqn. 3.
///
/// A delta does not depend on the checksum it is applied to, so one change
/// can fix every checksum that covers it (the IPv4 header checksum, the
/// TCP checksum through the pseudo-header, the outer UDP checksum of a
/// VXLAN packet, ...). Deltas add up with `+`.
///
/// ```
/// use wireview::checksum::{internet_checksum, Delta};
///
/// let mut hdr = [0x45, 0x00, 0x00, 0x30, 0x44, 0x22, 0x40, 0x00, 0x80, 0x06, 0x44, 0x2e,
///                0x8c, 0x7c, 0x19, 0xac, 0xae, 0x24, 0x1e, 0x2b];
/// // TTL 0x80 -> 0x7f: the word at offset 8 changes from 0x8006 to 0x7f06.
/// let delta = Delta::replace_bytes(8, &[0x80], &[0x7f]);
/// hdr[8] = 0x7f;
/// let csum = delta.apply(u16::from_be_bytes([hdr[10], hdr[11]]));
/// assert_eq!(csum, 0x452e);
/// hdr[10..12].copy_from_slice(&csum.to_be_bytes());
/// assert_eq!(internet_checksum(&hdr), 0);
/// ```
///
/// [RFC 1624]: https://www.rfc-editor.org/rfc/rfc1624
#[must_use = "a Delta is a change some checksum has not seen yet: apply it (`Delta::apply`, `Delta::apply_udp`) to every checksum that covers the changed bytes, or it is left wrong"]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Delta(Sum);

impl Delta {
    /// No change.
    pub const NONE: Delta = Delta(Sum::ZERO);

    /// The change from sum `old` to sum `new`.
    #[inline]
    pub const fn between(old: Sum, new: Sum) -> Delta {
        Delta(new.sub(old))
    }

    /// A 16-bit word changes from `old` to `new`.
    #[inline]
    pub const fn replace_u16(old: u16, new: u16) -> Delta {
        Delta(Sum(new).sub(Sum(old)))
    }

    /// A 32-bit word changes from `old` to `new`.
    #[inline]
    pub const fn replace_u32(old: u32, new: u32) -> Delta {
        Delta(Sum::ZERO.add_u32(new).sub_u32(old))
    }

    /// The bytes `old` at `offset` of the covered region become `new`. Odd
    /// offsets are handled here: the run's bytes pair up with the right
    /// neighbours. Runs of unequal length are treated as removing `old` and
    /// adding `new` at the same offset.
    #[cfg_attr(not(target_arch = "bpf"), inline)]
    #[cfg_attr(target_arch = "bpf", inline(always))]
    pub fn replace_bytes(offset: usize, old: &[u8], new: &[u8]) -> Delta {
        // `m' + ~m` in native byte order, folded once at the end, then one
        // swap to big-endian (and one more at an odd offset, which the
        // compiler merges). For the short constant-length runs of the
        // setters this is a handful of register operations.
        let not_old = u64::from(!fold(native_sum(old)));
        let sum = fold(add_carry(native_sum(new), not_old));
        Delta(Sum(u16::from_be(sum)).shifted(offset))
    }

    /// The same change seen from a region that starts `shift` bytes before
    /// the one this delta was computed for (only the parity matters).
    #[inline]
    pub const fn shifted(self, shift: usize) -> Delta {
        Delta(self.0.shifted(shift))
    }

    /// The change as a sum, to be added to a running [`Sum`].
    pub const fn sum(self) -> Sum {
        self.0
    }

    /// Whether the change leaves every covering sum as it was.
    pub const fn is_none(self) -> bool {
        self.0 .0 == 0 || self.0 .0 == 0xFFFF
    }

    /// Applies the change to a stored checksum with RFC 1624 eqn. 3,
    /// `HC' = ~(~HC + ~m + m')`.
    ///
    /// The result is bit for bit what a recomputation from scratch gives,
    /// provided the covered data is not all zero (true of every header with
    /// a version, protocol or pseudo-header in it): sums of such data are
    /// kept in `1..=0xFFFF`, so a checksum of 0xFFFF never appears (RFC 1624
    /// section 3 explains why the older RFC 1141 form got this wrong).
    /// An ICMPv4 message has none of these and can be all zero; its right
    /// checksum is then 0xFFFF where this gives 0x0000. The ICMPv4 view's
    /// setters and [`Packet`](crate::packet::Packet) check the data in that
    /// case; a caller applying a delta to an ICMPv4 checksum itself should
    /// too.
    #[inline]
    #[must_use]
    pub const fn apply(self, checksum: u16) -> u16 {
        let sum = Sum(!checksum).add(self.0);
        if sum.0 == 0 {
            0x0000
        } else {
            !sum.0
        }
    }

    /// Applies the change to a UDP checksum: a stored 0 means "no checksum"
    /// (UDP over IPv4, [RFC 768]) and stays 0, and a computed 0 is stored as
    /// 0xFFFF.
    ///
    /// ```
    /// use wireview::checksum::Delta;
    /// let d = Delta::replace_u16(0x1234, 0x4321);
    /// assert_eq!(d.apply_udp(0), 0);
    /// // A change that brings the checksum to 0 stores 0xFFFF instead.
    /// assert_eq!(Delta::replace_u16(0x0000, 0x0001).apply_udp(0x0001), 0xFFFF);
    /// ```
    ///
    /// [RFC 768]: https://www.rfc-editor.org/rfc/rfc768
    #[inline]
    #[must_use]
    pub const fn apply_udp(self, checksum: u16) -> u16 {
        if checksum == 0 {
            return 0;
        }
        match self.apply(checksum) {
            0 => 0xFFFF,
            c => c,
        }
    }
}

impl Add for Delta {
    type Output = Delta;
    fn add(self, rhs: Delta) -> Delta {
        Delta(self.0.add(rhs.0))
    }
}

impl AddAssign for Delta {
    fn add_assign(&mut self, rhs: Delta) {
        *self = *self + rhs;
    }
}

/// How a stored checksum treats the value 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rule {
    /// IPv4 header, TCP, ICMPv6, GRE: 0 is an ordinary value.
    Plain,
    /// UDP: 0 means "no checksum" and stays 0; a computed 0 is stored as 0xFFFF.
    Udp,
    /// ICMPv4: as `Plain`, but nothing in the coverage is fixed (no version,
    /// no protocol, no pseudo-header), so the message can be all zero (an
    /// echo reply with identifier, sequence number and data all 0). Its
    /// checksum is then 0xFFFF, the complement of a sum of +0, where
    /// RFC 1624 eqn. 3, which cannot tell +0 from the -0 of data summing
    /// to 0xFFFF, gives 0x0000; [`settle`](Self::settle) looks at the data
    /// in that one case.
    Icmpv4,
}

impl Rule {
    #[inline]
    pub(crate) const fn apply(self, delta: Delta, checksum: u16) -> u16 {
        match self {
            Rule::Plain | Rule::Icmpv4 => delta.apply(checksum),
            Rule::Udp => delta.apply_udp(checksum),
        }
    }

    /// The checksum `apply` gave, settled against the covered data
    /// `region` (whose checksum field at `csum_at` may still hold the old
    /// value): under [`Rule::Icmpv4`], a 0 over data that is all zero
    /// becomes 0xFFFF. The data is only read when the checksum is 0, and
    /// only up to its first non-zero byte.
    #[cfg_attr(not(target_arch = "bpf"), inline)]
    #[cfg_attr(target_arch = "bpf", inline(always))]
    pub(crate) fn settle(self, checksum: u16, region: &[u8], csum_at: usize) -> u16 {
        let all_zero = || {
            region
                .iter()
                .enumerate()
                .all(|(i, &b)| b == 0 || i == csum_at || i == csum_at + 1)
        };
        if self == Rule::Icmpv4 && checksum == 0 && all_zero() {
            0xFFFF
        } else {
            checksum
        }
    }
}

/// The one helper behind every checksum-keeping setter: writes `new` at
/// `at` in `buf`, where the checksum stored at `csum_at` covers a region
/// starting at `region_start`, and patches that checksum with the delta of
/// the change. The parity of `at - region_start` is taken care of here.
/// Under [`Rule::Icmpv4`] the region must run to the end of `buf` (it is
/// read to settle a checksum of 0; see [`Rule::settle`]).
///
/// Returns the delta of every byte the call changed (the field and the
/// checksum), as seen from `region_start`, so callers can carry the change
/// to enclosing checksums.
#[cfg_attr(not(target_arch = "bpf"), inline)]
#[cfg_attr(target_arch = "bpf", inline(always))]
pub(crate) fn write_patched(
    buf: &mut [u8],
    region_start: usize,
    at: usize,
    new: &[u8],
    csum_at: usize,
    rule: Rule,
) -> Delta {
    let delta = replace(buf, region_start, at, new);
    delta + apply_at(buf, region_start, csum_at, delta, rule)
}

/// Applies `delta` (a change of the covered data made elsewhere: a
/// pseudo-header address, payload bytes, ...) to the checksum stored at
/// `csum_at` with `rule` (under [`Rule::Icmpv4`], over a region running
/// from `region_start` to the end of `buf`). Returns the delta of the
/// checksum field's own change, as seen from `region_start`.
#[cfg_attr(not(target_arch = "bpf"), inline)]
#[cfg_attr(target_arch = "bpf", inline(always))]
pub(crate) fn apply_at(
    buf: &mut [u8],
    region_start: usize,
    csum_at: usize,
    delta: Delta,
    rule: Rule,
) -> Delta {
    // RFC 1624's arithmetic gives the same bytes in either byte order (RFC
    // 1071 section 2(B)), so patch the checksum as its bytes lie, read in
    // native order, with the delta read the same way: on little-endian
    // machines this saves three byte swaps per setter.
    let old = [buf[csum_at], buf[csum_at + 1]];
    let delta_ne = Delta(Sum(u16::from_ne_bytes(delta.0 .0.to_be_bytes())));
    let new = rule.apply(delta_ne, u16::from_ne_bytes(old));
    // 0 and 0xFFFF read the same in either byte order.
    let new = rule
        .settle(new, &buf[region_start..], csum_at - region_start)
        .to_ne_bytes();
    buf[csum_at..csum_at + 2].copy_from_slice(&new);
    Delta::replace_u16(u16::from_be_bytes(old), u16::from_be_bytes(new))
        .shifted(csum_at - region_start)
}

/// Writes `new` at `at` and returns the delta of the change as seen from a
/// region starting at `region_start`, patching nothing.
#[cfg_attr(not(target_arch = "bpf"), inline)]
#[cfg_attr(target_arch = "bpf", inline(always))]
pub(crate) fn replace(buf: &mut [u8], region_start: usize, at: usize, new: &[u8]) -> Delta {
    let dst = &mut buf[at..at + new.len()];
    let delta = Delta::replace_bytes(at - region_start, dst, new);
    dst.copy_from_slice(new);
    delta
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    /// The plain reference: 16-bit big-endian words one at a time.
    fn reference_sum(data: &[u8]) -> u16 {
        let mut sum: u64 = 0;
        for chunk in data.chunks(2) {
            let word = u16::from_be_bytes([chunk[0], *chunk.get(1).unwrap_or(&0)]);
            sum += u64::from(word);
        }
        while sum > 0xFFFF {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        sum as u16
    }

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3: 0001 f203 f4f5 f6f7 -> sum 0xddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(Sum::of(&data).value(), 0xddf2);
        assert_eq!(internet_checksum(&data), 0x220d);
        // Byte order independence, RFC 1071 section 2(B): swapped input, swapped sum.
        let swapped = [0x01, 0x00, 0x03, 0xf2, 0xf5, 0xf4, 0xf7, 0xf6];
        assert_eq!(Sum::of(&swapped).value(), 0xf2dd);
    }

    #[test]
    fn rfc1624_section4() {
        assert_eq!(Delta::replace_u16(0x5555, 0x3285).apply(0xDD2F), 0x0000);
        // The RFC 1141 form, ~(~HC... wrongly) would give 0xFFFF; we never do.
        assert_ne!(Delta::replace_u16(0x5555, 0x3285).apply(0xDD2F), 0xFFFF);
    }

    #[test]
    fn style_ipv4_header() {
        let hdr = [
            0x45, 0x00, 0x00, 0x30, 0x44, 0x22, 0x40, 0x00, 0x80, 0x06, 0x00, 0x00, 0x8c, 0x7c,
            0x19, 0xac, 0xae, 0x24, 0x1e, 0x2b,
        ];
        assert_eq!(internet_checksum(&hdr), 0x442E);
        let mut with_ttl = hdr;
        with_ttl[8] = 0x7F;
        assert_eq!(internet_checksum(&with_ttl), 0x452E);
        assert_eq!(
            Delta::replace_bytes(8, &[0x80], &[0x7F]).apply(0x442E),
            0x452E
        );
        assert_eq!(Delta::replace_u16(0x8006, 0x7F06).apply(0x442E), 0x452E);
    }

    #[test]
    fn empty_and_odd() {
        assert_eq!(internet_checksum(&[]), 0xFFFF);
        assert_eq!(Sum::of(&[0xAB]).value(), 0xAB00);
        assert_eq!(Sum::of(&[0x12, 0x34, 0x56]).value(), 0x1234 + 0x5600);
    }

    #[test]
    fn large_inputs_do_not_overflow() {
        // All-0xFF input: every word is 0xFFFF, whose sum folds to 0xFFFF.
        let data = std::vec![0xFFu8; 300_000];
        assert_eq!(Sum::of(&data).value(), 0xFFFF);
        let data: Vec<u8> = (0..(1usize << 22) + 7).map(|i| (i * 7 + 3) as u8).collect();
        assert_eq!(Sum::of(&data).value(), reference_sum(&data));
    }

    #[test]
    fn beyond_128_kib() {
        // IPv6 jumbograms and big TCP: 2^17 bytes and a little more, at odd
        // and even lengths and an unaligned start.
        let backing: Vec<u8> = (0..(1usize << 17) + 80)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8)
            .collect();
        for len in [1 << 17, (1 << 17) + 1, (1 << 17) + 7, (1 << 17) + 63] {
            for start in [0, 1, 3] {
                let data = &backing[start..start + len];
                assert_eq!(Sum::of(data).value(), reference_sum(data), "len {len}");
            }
        }
    }

    #[test]
    fn all_ones_at_the_flush_and_bulk_boundaries() {
        // All-0xFF words are the largest the accumulators can take; lengths
        // on either side of every boundary of `native_sum`: the short path,
        // whole blocks, one flush of the bulk loop, and several.
        let data = std::vec![0xFFu8; 3 * FLUSH + 2 * BLOCK + 1];
        let mut lens = std::vec![BULK_MIN - 1, BULK_MIN, BULK_MIN + 1, (1 << 17) + 1];
        for base in [FLUSH, 2 * FLUSH, 3 * FLUSH] {
            for d in [0, 1, 2, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK] {
                lens.push(base + d);
                lens.push(base - d - 1);
            }
        }
        for len in lens {
            // Whole words of 0xFFFF sum to 0xFFFF; an odd tail adds 0xFF00.
            let expected = if len % 2 == 0 { 0xFFFF } else { 0xFF00 };
            assert_eq!(Sum::of(&data[..len]).value(), expected, "len {len}");
            assert_eq!(Sum::of(&data[1..=len]).value(), expected, "len {len}");
        }
        // And one long input that is not uniform, against the reference.
        let mixed: Vec<u8> = (0..2 * FLUSH + 3)
            .map(|i| if i % 3 == 0 { 0x7F } else { 0xFF })
            .collect();
        assert_eq!(Sum::of(&mixed).value(), reference_sum(&mixed));
    }

    #[test]
    fn fast_sum_equals_reference_on_every_length_and_alignment() {
        let backing: Vec<u8> = (0..2048 + 64)
            .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for start in 0..8 {
            for len in 0..=2048 {
                let data = &backing[start..start + len];
                assert_eq!(
                    Sum::of(data).value(),
                    reference_sum(data),
                    "start {start} len {len}"
                );
            }
        }
    }

    #[test]
    fn udp_zero_rules() {
        let d = Delta::replace_u16(1, 2);
        assert_eq!(d.apply_udp(0), 0);
        // Stored 0xFFFF (computed 0) behaves as sum 0xFFFF.
        let data = [0x12, 0x34];
        let mut with = [0x12, 0x34, 0x00, 0x00];
        let c = internet_checksum(&with);
        with[2..].copy_from_slice(&c.to_be_bytes());
        assert_eq!(internet_checksum(&with), 0);
        let _ = data;
    }

    #[test]
    #[allow(unused_must_use)] // the writes are checked by the bytes they leave
    fn icmpv4_rule_settles_all_zero_data() {
        // Type 0 code 0 (echo reply), checksum at 2, then identifier 0,
        // sequence 1: checksum 0xFFFE. Sequence 1 -> 0 makes the message
        // all zero, whose checksum from scratch is 0xFFFF.
        let mut msg = [0, 0, 0xFF, 0xFE, 0, 0, 0, 1];
        assert_eq!(internet_checksum(&msg), 0);
        let mut plain = msg;
        write_patched(&mut plain, 0, 7, &[0], 2, Rule::Plain);
        assert_eq!(plain[2..4], [0x00, 0x00], "eqn. 3 alone gives +0");
        write_patched(&mut msg, 0, 7, &[0], 2, Rule::Icmpv4);
        assert_eq!(msg[2..4], [0xFF, 0xFF]);
        assert_eq!(internet_checksum(&msg), 0);
        // Data summing to 0xFFFF is not all zero: 0x0000 is right and stays.
        let mut msg = [0, 0, 0xFF, 0xFE, 0, 0, 0, 1];
        write_patched(&mut msg, 0, 6, &[0xFF, 0xFF], 2, Rule::Icmpv4);
        assert_eq!(msg[2..4], [0x00, 0x00]);
        assert_eq!(internet_checksum(&msg), 0);
        // `settle` itself: only a 0 over all-zero data (the old checksum
        // bytes at `csum_at` ignored) changes, and only under the ICMPv4 rule.
        assert_eq!(Rule::Icmpv4.settle(0, &[0, 0, 0xAB, 0xCD, 0], 2), 0xFFFF);
        assert_eq!(Rule::Icmpv4.settle(0, &[0, 0, 0xAB, 0xCD, 1], 2), 0);
        assert_eq!(Rule::Icmpv4.settle(7, &[0; 4], 2), 7);
        assert_eq!(Rule::Plain.settle(0, &[0; 4], 2), 0);
        assert_eq!(Rule::Udp.settle(0, &[0; 4], 2), 0);
    }

    #[test]
    fn apply_at_patches_and_reports_its_own_change() {
        // A region starting at 1 with its checksum at region offset 2; the
        // byte at region offset 5 (odd) is changed elsewhere.
        let mut buf = [0xAA, 0x45, 0x00, 0x00, 0x00, 0x12, 0x34];
        let c = internet_checksum(&buf[1..]);
        buf[3..5].copy_from_slice(&c.to_be_bytes());
        let d = Delta::replace_bytes(5, &[0x34], &[0x35]);
        buf[6] = 0x35;
        let own = apply_at(&mut buf, 1, 3, d, Rule::Plain);
        assert_eq!(internet_checksum(&buf[1..]), 0);
        assert_eq!(own, Delta::replace_bytes(2, &c.to_be_bytes(), &buf[3..5]));
        // Under the UDP rule a stored 0 stays 0 and reports no change.
        buf[3..5].fill(0);
        assert!(apply_at(&mut buf, 1, 3, d, Rule::Udp).is_none());
        assert_eq!(&buf[3..5], &[0, 0]);
    }

    proptest! {
        #[test]
        fn fast_sum_matches_reference(data in proptest::collection::vec(any::<u8>(), 0..4096), start in 0usize..16) {
            let start = start.min(data.len());
            prop_assert_eq!(Sum::of(&data[start..]).value(), reference_sum(&data[start..]));
        }

        #[test]
        fn incremental_equals_recompute(
            data in proptest::collection::vec(any::<u8>(), 2..600),
            at in any::<prop::sample::Index>(),
            len in 0usize..40,
            fill in proptest::collection::vec(any::<u8>(), 40),
        ) {
            let mut data = data;
            // Keep the data from being all zero: a version-like byte at the front.
            data[0] |= 0x40;
            let start = at.index(data.len() - 1) + 1;
            let len = len.min(data.len() - start);
            let csum = internet_checksum(&data);
            let delta = Delta::replace_bytes(start, &data[start..start + len], &fill[..len]);
            data[start..start + len].copy_from_slice(&fill[..len]);
            prop_assert_eq!(delta.apply(csum), internet_checksum(&data));
        }

        #[test]
        fn write_patched_equals_recompute(
            data in proptest::collection::vec(any::<u8>(), 4..300),
            region in any::<prop::sample::Index>(),
            at in any::<prop::sample::Index>(),
            fill in proptest::collection::vec(any::<u8>(), 0..16),
        ) {
            // A region [region_start..) with its checksum at its first two bytes.
            let mut data = data;
            let region_start = region.index(data.len() - 3);
            data[region_start] |= 0x40;
            data[region_start + 2] |= 1;
            data[region_start..region_start + 2].fill(0);
            let c = internet_checksum(&data[region_start..]);
            data[region_start..region_start + 2].copy_from_slice(&c.to_be_bytes());
            let first = region_start + 2;
            let at = first + at.index(data.len() - first);
            let len = fill.len().min(data.len() - at);
            let before = Sum::of(&data[region_start..]);
            let delta = write_patched(&mut data, region_start, at, &fill[..len], region_start, Rule::Plain);
            prop_assert_eq!(internet_checksum(&data[region_start..]), 0);
            // The returned delta is the change of the whole region's sum.
            prop_assert_eq!(before.add(delta.sum()).value() % 0xFFFF, Sum::of(&data[region_start..]).value() % 0xFFFF);
        }
    }
}
