//! Private plumbing shared by every view: byte-offset tables are `Field`
//! ranges, and these helpers read and write big-endian fields at fixed
//! offsets. Views check their buffer length once in `new`, so the indexing
//! here never goes out of bounds for a checked view.

use byteorder::{ByteOrder, NetworkEndian};

use crate::error::{Error, Layer};

/// A byte range inside a header.
pub(crate) type Field = core::ops::Range<usize>;

#[inline]
pub(crate) fn u16_at(buf: &[u8], at: usize) -> u16 {
    NetworkEndian::read_u16(&buf[at..at + 2])
}

#[inline]
pub(crate) fn u32_at(buf: &[u8], at: usize) -> u32 {
    NetworkEndian::read_u32(&buf[at..at + 4])
}

#[inline]
pub(crate) fn u64_at(buf: &[u8], at: usize) -> u64 {
    NetworkEndian::read_u64(&buf[at..at + 8])
}

#[inline]
pub(crate) fn set_u16(buf: &mut [u8], at: usize, value: u16) {
    NetworkEndian::write_u16(&mut buf[at..at + 2], value);
}

#[inline]
pub(crate) fn set_u32(buf: &mut [u8], at: usize, value: u32) {
    NetworkEndian::write_u32(&mut buf[at..at + 4], value);
}

#[inline]
pub(crate) fn set_u64(buf: &mut [u8], at: usize, value: u64) {
    NetworkEndian::write_u64(&mut buf[at..at + 8], value);
}

/// Four bytes at `at` as an array (IPv4 addresses).
#[inline]
pub(crate) fn array4(buf: &[u8], at: usize) -> [u8; 4] {
    let mut out = [0; 4];
    out.copy_from_slice(&buf[at..at + 4]);
    out
}

/// Six bytes at `at` as an array (MAC addresses).
#[inline]
pub(crate) fn array6(buf: &[u8], at: usize) -> [u8; 6] {
    let mut out = [0; 6];
    out.copy_from_slice(&buf[at..at + 6]);
    out
}

/// Sixteen bytes at `at` as an array (IPv6 addresses).
#[inline]
pub(crate) fn array16(buf: &[u8], at: usize) -> [u8; 16] {
    let mut out = [0; 16];
    out.copy_from_slice(&buf[at..at + 16]);
    out
}

/// `Ok` when `buf` holds at least `needed` bytes, else the layer's
/// [`Error::Truncated`].
#[inline]
pub(crate) fn need(layer: Layer, buf: &[u8], needed: usize) -> Result<(), Error> {
    if buf.len() < needed {
        Err(Error::truncated(layer, needed, buf.len()))
    } else {
        Ok(())
    }
}

/// The header length of a builder's header with `options` after its fixed
/// `fixed_len` octets (IPv4, TCP: both have 60-octet maximums and options
/// in whole 32-bit words), checked against the rules and against `buf`.
pub(crate) fn header_with_options(
    layer: Layer,
    buf: &[u8],
    fixed_len: usize,
    options: &[u8],
) -> Result<usize, Error> {
    let header_len = fixed_len + options.len();
    if options.len() % 4 != 0 || header_len > 60 {
        return Err(Error::BadHeaderLength {
            layer,
            found: header_len,
        });
    }
    if buf.len() < header_len {
        return Err(Error::NoRoom {
            layer,
            needed: header_len,
            available: buf.len(),
        });
    }
    Ok(header_len)
}
