//! VXLAN header ([RFC 7348 section 5]).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |R|R|R|R|I|R|R|R|            Reserved                           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                VXLAN Network Identifier (VNI) |   Reserved    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! A VXLAN header follows a UDP header (destination port [`UDP_PORT`],
//! 4789) and precedes the inner Ethernet frame. VXLAN has no checksum of
//! its own: the outer UDP checksum covers it. Every setter returns the
//! [`Delta`] of its change, to be applied to that UDP checksum (the UDP
//! view's `apply_delta`); the VXLAN header starts at an even offset of the
//! UDP datagram, so the delta applies as is.
//!
//! The reserved bits are kept as they are and can be read: the RFC asks
//! senders to zero them and receivers to ignore them, and extensions
//! (VXLAN-GBP, VXLAN-GPE) put data there.
//!
//! [RFC 7348 section 5]: https://www.rfc-editor.org/rfc/rfc7348#section-5

use core::fmt;

use crate::checksum::{self, Delta};
use crate::error::{Error, Layer};
use crate::field::{self, Field};

/// Byte offsets of the header's fields.
pub(crate) mod field_at {
    use super::Field;
    pub const FLAGS: usize = 0;
    pub const RESERVED1: Field = 1..4;
    pub const VNI: Field = 4..7;
    pub const RESERVED2: usize = 7;
}
use field_at as f;

/// Length of a VXLAN header, in octets.
pub const HEADER_LEN: usize = 8;

/// The IANA-assigned UDP destination port of VXLAN.
pub const UDP_PORT: u16 = 4789;

/// The I flag: the VNI is valid. RFC 7348 requires it set.
const FLAG_I: u8 = 0x08;

/// A VXLAN network identifier: 24 bits, `0..=0xFF_FFFF`.
///
/// ```
/// use wireview::Vni;
/// assert_eq!(Vni::new(0xFF_FFFF).map(Vni::value), Some(0xFF_FFFF));
/// assert_eq!(Vni::new(0x100_0000), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Vni(u32);

impl Vni {
    /// The largest identifier, 2^24 - 1.
    pub const MAX: u32 = 0xFF_FFFF;

    /// The identifier `value`, or `None` when it does not fit in 24 bits.
    pub const fn new(value: u32) -> Option<Vni> {
        if value <= Self::MAX {
            Some(Vni(value))
        } else {
            None
        }
    }

    /// The identifier, `0..=0xFF_FFFF`.
    pub const fn value(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Vni {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A zero-copy view of a VXLAN header and the inner Ethernet frame after it.
///
/// Read-only over `&[u8]` ([`VxlanRef`]), writable over `&mut [u8]`
/// ([`VxlanMut`]). The buffer starts at the VXLAN header (the UDP payload)
/// and ends where the UDP datagram does. [`Vxlan::new`] checks that the
/// 8-byte header is there; after it no getter or setter can panic.
///
/// ```
/// use wireview::checksum::internet_checksum;
/// use wireview::{Vni, Vxlan, VxlanMut};
///
/// // I flag set, VNI 5000 (0x001388), then the inner frame.
/// let mut buf = [0x08, 0, 0, 0, 0x00, 0x13, 0x88, 0, 0xde, 0xad];
/// let before = internet_checksum(&buf);
/// let mut vx = VxlanMut::new(&mut buf[..])?;
/// assert_eq!(vx.vni().value(), 5000);
/// let delta = vx.set_vni(Vni::new(42).unwrap());
/// // The delta keeps any checksum over these bytes right: in a packet,
/// // the outer UDP one (`UdpMut::apply_delta(delta)`).
/// assert_eq!(delta.apply(before), internet_checksum(&buf));
/// let vx = Vxlan::new(&buf[..])?;
/// assert!(vx.i_flag());
/// assert_eq!((vx.vni().value(), vx.payload()), (42, &[0xde, 0xad][..]));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Vxlan<B> {
    buf: B,
}

/// A read-only VXLAN view.
pub type VxlanRef<'a> = Vxlan<&'a [u8]>;
/// A writable VXLAN view.
pub type VxlanMut<'a> = Vxlan<&'a mut [u8]>;

impl<B: AsRef<[u8]>> Vxlan<B> {
    /// Checks that `buf` holds a whole VXLAN header. The flags are not
    /// checked: a header without the I flag is readable (see
    /// [`i_flag`](Self::i_flag); RFC 7348 receivers drop it).
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than 8 bytes.
    pub fn new(buf: B) -> Result<Self, Error> {
        field::need(Layer::Vxlan, buf.as_ref(), HEADER_LEN)?;
        Ok(Vxlan { buf })
    }

    /// Wraps `buf` without any check, to write a fresh header into it (see
    /// [`VxlanHeader::emit`] for the usual way). Getters and setters may
    /// panic on a buffer shorter than 8 bytes.
    pub const fn new_unchecked(buf: B) -> Self {
        Vxlan { buf }
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> B {
        self.buf
    }

    /// The whole buffer the view was made from.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.as_ref()
    }

    #[inline]
    fn b(&self) -> &[u8] {
        self.buf.as_ref()
    }

    /// Header length, always 8 octets.
    pub fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// The flags octet, reserved bits included.
    pub fn flags(&self) -> u8 {
        self.b()[f::FLAGS]
    }

    /// The I flag: the VNI is valid (RFC 7348 requires it set).
    pub fn i_flag(&self) -> bool {
        self.flags() & FLAG_I != 0
    }

    /// The 24 reserved bits after the flags octet.
    pub fn reserved1(&self) -> u32 {
        let r = &self.b()[f::RESERVED1];
        u32::from_be_bytes([0, r[0], r[1], r[2]])
    }

    /// The VXLAN network identifier.
    pub fn vni(&self) -> Vni {
        let v = &self.b()[f::VNI];
        Vni(u32::from_be_bytes([0, v[0], v[1], v[2]]))
    }

    /// The reserved octet after the VNI.
    pub fn reserved2(&self) -> u8 {
        self.b()[f::RESERVED2]
    }

    /// The 8 header bytes.
    pub fn header(&self) -> &[u8] {
        &self.b()[..HEADER_LEN]
    }

    /// The payload: the inner Ethernet frame, up to the end of the buffer.
    pub fn payload(&self) -> &[u8] {
        &self.b()[HEADER_LEN..]
    }
}

impl<'a> Vxlan<&'a [u8]> {
    /// The inner Ethernet frame, borrowed for the buffer's lifetime rather
    /// than the view's.
    pub fn into_payload(self) -> &'a [u8] {
        &self.buf[HEADER_LEN..]
    }
}

impl<'a> Vxlan<&'a mut [u8]> {
    /// The inner Ethernet frame, mutably borrowed for the buffer's lifetime.
    pub fn into_payload(self) -> &'a mut [u8] {
        &mut self.buf[HEADER_LEN..]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Vxlan<B> {
    /// Writes `new` at `at` and returns the change, as seen from the
    /// header's start, for the outer UDP checksum.
    #[inline]
    fn write(&mut self, at: usize, new: &[u8]) -> Delta {
        checksum::replace(self.buf.as_mut(), 0, at, new)
    }

    /// Sets the VXLAN network identifier. Returns the change for the outer
    /// UDP checksum.
    #[must_use = "apply the returned Delta to the outer UDP checksum (`UdpMut::apply_delta`), which covers the VXLAN header, or it is left wrong"]
    pub fn set_vni(&mut self, vni: Vni) -> Delta {
        let v = vni.0.to_be_bytes();
        self.write(f::VNI.start, &v[1..])
    }

    /// Sets the whole flags octet, reserved bits included. Returns the
    /// change for the outer UDP checksum.
    #[must_use = "apply the returned Delta to the outer UDP checksum (`UdpMut::apply_delta`), which covers the VXLAN header, or it is left wrong"]
    pub fn set_flags(&mut self, flags: u8) -> Delta {
        self.write(f::FLAGS, &[flags])
    }

    /// Sets or clears the I flag, keeping the other flag bits. Returns the
    /// change for the outer UDP checksum.
    #[must_use = "apply the returned Delta to the outer UDP checksum (`UdpMut::apply_delta`), which covers the VXLAN header, or it is left wrong"]
    pub fn set_i_flag(&mut self, i: bool) -> Delta {
        let v = self.flags() & !FLAG_I;
        self.set_flags(if i { v | FLAG_I } else { v })
    }

    /// Sets the 24 reserved bits after the flags octet (only the low 24 bits
    /// of `value` are used). Returns the change for the outer UDP checksum.
    #[must_use = "apply the returned Delta to the outer UDP checksum (`UdpMut::apply_delta`), which covers the VXLAN header, or it is left wrong"]
    pub fn set_reserved1(&mut self, value: u32) -> Delta {
        let v = value.to_be_bytes();
        self.write(f::RESERVED1.start, &v[1..])
    }

    /// Sets the reserved octet after the VNI. Returns the change for the
    /// outer UDP checksum.
    #[must_use = "apply the returned Delta to the outer UDP checksum (`UdpMut::apply_delta`), which covers the VXLAN header, or it is left wrong"]
    pub fn set_reserved2(&mut self, value: u8) -> Delta {
        self.write(f::RESERVED2, &[value])
    }

    /// The inner Ethernet frame, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buf.as_mut()[HEADER_LEN..]
    }
}

/// The field values of a VXLAN header, to write a fresh one with
/// [`emit`](Self::emit): the I flag set, reserved bits zero.
///
/// ```
/// use wireview::{Vni, Vxlan, VxlanHeader};
///
/// let mut buf = [0xFFu8; 8];
/// let n = VxlanHeader { vni: Vni::new(0x12_3456).unwrap() }.emit(&mut buf)?;
/// assert_eq!(buf, [0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0]);
/// assert_eq!((n, Vxlan::new(&buf[..])?.vni().value()), (8, 0x12_3456));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VxlanHeader {
    /// The VXLAN network identifier.
    pub vni: Vni,
}

impl VxlanHeader {
    /// Writes the 8-byte header at the start of `buf` and returns its length.
    ///
    /// # Errors
    /// [`Error::NoRoom`] when `buf` is shorter than 8 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        if buf.len() < HEADER_LEN {
            return Err(Error::NoRoom {
                layer: Layer::Vxlan,
                needed: HEADER_LEN,
                available: buf.len(),
            });
        }
        let v = self.vni.0.to_be_bytes();
        buf[..HEADER_LEN].copy_from_slice(&[FLAG_I, 0, 0, 0, v[1], v[2], v[3], 0]);
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A VXLAN packet laid out as RFC 7348 section 5 draws it (the RFC has
    /// no byte dump; this one is hand-annotated): flags 0x08 (I), VNI
    /// 0x00_1388 = 5000, then the inner Ethernet header of a frame from
    /// 00:00:5e:00:53:01 to 00:00:5e:00:53:02 (RFC 7042 documentation
    /// MACs) carrying IPv4.
    const RFC7348_PACKET: [u8; 22] = [
        0x08, 0x00, 0x00, 0x00, // R R R R I R R R, reserved (24 bits)
        0x00, 0x13, 0x88, 0x00, // VNI 5000, reserved (8 bits)
        0x00, 0x00, 0x5e, 0x00, 0x53, 0x02, // inner destination MAC
        0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, // inner source MAC
        0x08, 0x00, // inner EtherType IPv4
    ];

    #[test]
    fn rfc7348_packet_fields() {
        let vx = Vxlan::new(&RFC7348_PACKET[..]).unwrap();
        assert_eq!(vx.flags(), 0x08);
        assert!(vx.i_flag());
        assert_eq!(vx.reserved1(), 0);
        assert_eq!(vx.vni(), Vni::new(5000).unwrap());
        assert_eq!(vx.reserved2(), 0);
        assert_eq!(vx.header_len(), 8);
        assert_eq!(vx.header(), &RFC7348_PACKET[..8]);
        assert_eq!(vx.payload(), &RFC7348_PACKET[8..]);
        assert_eq!(vx.into_payload()[12..14], [0x08, 0x00]);
    }

    #[test]
    fn every_truncated_length_is_reported_exactly() {
        for len in 0..HEADER_LEN {
            assert_eq!(
                Vxlan::new(&RFC7348_PACKET[..len]),
                Err(Error::Truncated {
                    layer: Layer::Vxlan,
                    needed: 8,
                    available: len
                })
            );
        }
        let vx = Vxlan::new(&RFC7348_PACKET[..8]).unwrap();
        assert!(vx.payload().is_empty());
    }

    #[test]
    fn reserved_bits_survive_and_are_readable() {
        // VXLAN-GBP style: G bit 0x80 in flags, group policy in reserved1.
        let mut p = [0x88, 0x40, 0x12, 0x34, 0xff, 0xff, 0xff, 0xa5];
        let mut vx = VxlanMut::new(&mut p[..]).unwrap();
        assert_eq!(vx.reserved1(), 0x40_1234);
        assert_eq!(vx.vni().value(), Vni::MAX);
        assert_eq!(vx.reserved2(), 0xa5);
        // Only the bytes are checked here; the deltas are checked in
        // `setters_touch_only_their_field`.
        let _ = vx.set_vni(Vni::new(1).unwrap());
        let _ = vx.set_i_flag(false);
        assert_eq!(p, [0x80, 0x40, 0x12, 0x34, 0, 0, 1, 0xa5]);
        let mut vx = VxlanMut::new(&mut p[..]).unwrap();
        let _ = vx.set_i_flag(true);
        let _ = vx.set_reserved1(0xFF00_0001);
        let _ = vx.set_reserved2(0);
        assert_eq!(p, [0x88, 0, 0, 1, 0, 0, 1, 0]);
    }

    #[test]
    fn emit_needs_room() {
        let mut buf = [0u8; 7];
        assert_eq!(
            VxlanHeader::default().emit(&mut buf),
            Err(Error::NoRoom {
                layer: Layer::Vxlan,
                needed: 8,
                available: 7
            })
        );
    }

    proptest! {
        #[test]
        fn emit_then_parse_round_trips(vni in 0u32..=Vni::MAX, rest: [u8; 8]) {
            let mut buf = rest;
            let n = VxlanHeader { vni: Vni::new(vni).unwrap() }.emit(&mut buf).unwrap();
            prop_assert_eq!(n, 8);
            let vx = Vxlan::new(&buf[..]).unwrap();
            prop_assert_eq!((vx.flags(), vx.reserved1(), vx.vni().value(), vx.reserved2()), (0x08, 0, vni, 0));
        }

        #[test]
        fn setters_touch_only_their_field(p: [u8; 12], vni in 0u32..=Vni::MAX, flags: u8) {
            let mut q = p;
            let mut vx = VxlanMut::new(&mut q[..]).unwrap();
            let delta = vx.set_vni(Vni::new(vni).unwrap()) + vx.set_flags(flags);
            prop_assert_eq!((vx.vni().value(), vx.flags()), (vni, flags));
            // The deltas carry the change to a checksum over the header.
            let old = crate::checksum::internet_checksum(&p);
            prop_assert_eq!(delta.apply(old), crate::checksum::internet_checksum(&q));
            prop_assert_eq!(&q[1..4], &p[1..4]);
            prop_assert_eq!(&q[7..], &p[7..]);
        }

        /// The returned deltas keep an outer UDP checksum right: a UDP
        /// datagram (8-byte header, checksum at 6) around the VXLAN bytes.
        #[test]
        fn deltas_keep_the_outer_udp_checksum(
            p: [u8; 16], ops in proptest::collection::vec((0u8..5, any::<u32>()), 1..10),
        ) {
            let mut dgram = [0u8; 24];
            dgram[..2].copy_from_slice(&[0x30, 0x39]);
            dgram[2..4].copy_from_slice(&UDP_PORT.to_be_bytes());
            dgram[4..6].copy_from_slice(&24u16.to_be_bytes());
            dgram[8..].copy_from_slice(&p);
            let c = checksum::internet_checksum(&dgram);
            dgram[6..8].copy_from_slice(&c.to_be_bytes());
            for (which, v) in ops {
                let mut vx = VxlanMut::new(&mut dgram[8..]).unwrap();
                let d = match which {
                    0 => vx.set_vni(Vni::new(v & Vni::MAX).unwrap()),
                    1 => vx.set_flags(v as u8),
                    2 => vx.set_i_flag(v & 1 == 1),
                    3 => vx.set_reserved1(v),
                    _ => vx.set_reserved2(v as u8),
                };
                let old = u16::from_be_bytes([dgram[6], dgram[7]]);
                dgram[6..8].copy_from_slice(&d.apply(old).to_be_bytes());
                let mut copy = dgram;
                copy[6..8].fill(0);
                prop_assert_eq!(u16::from_be_bytes([dgram[6], dgram[7]]), checksum::internet_checksum(&copy));
            }
        }
    }
}
