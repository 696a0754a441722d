//! UDP header ([RFC 768]).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          Source Port          |       Destination Port        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |            Length             |           Checksum            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                          data octets ...
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The checksum covers a pseudo-header taken from the IP header (addresses,
//! protocol 17 and the UDP length; [RFC 768] for IPv4, [RFC 8200 section
//! 8.1] for IPv6), the UDP header and the data. Two rules about 0 apply:
//! over IPv4 a stored 0 means "no checksum was computed" (and must stay 0
//! through any rewrite), and a computed 0 is sent as 0xFFFF. Over IPv6 the
//! checksum is mandatory, so a stored 0 is invalid.
//!
//! Every setter keeps the checksum valid with the RFC 1624 update under
//! those rules; [`Udp::apply_delta`] does the same for a change outside the
//! datagram (an address in the pseudo-header, as returned by
//! [`Ipv4::set_src`](crate::Ipv4::set_src)).
//!
//! [RFC 768]: https://www.rfc-editor.org/rfc/rfc768
//! [RFC 8200 section 8.1]: https://www.rfc-editor.org/rfc/rfc8200#section-8.1

use core::net::{Ipv4Addr, Ipv6Addr};

use crate::checksum::{self, Delta, Rule, Sum};
use crate::error::{Error, Layer};
use crate::field;
use crate::ip::IpProtocol;

/// Byte offsets of the header's fields.
pub(crate) mod field_at {
    pub const SRC_PORT: usize = 0;
    pub const DST_PORT: usize = 2;
    pub const LENGTH: usize = 4;
    pub const CHECKSUM: usize = 6;
}
use field_at as f;

/// Length of the UDP header, in octets.
pub const HEADER_LEN: usize = 8;

/// A zero-copy view of a UDP datagram.
///
/// Read-only over `&[u8]` ([`UdpRef`]), writable over `&mut [u8]`
/// ([`UdpMut`]). [`Udp::new`] checks the length field once; after it no
/// getter or setter can panic.
///
/// ```
/// use core::net::Ipv4Addr;
/// use wireview::{Udp, UdpHeader, UdpMut};
///
/// let (src, dst) = (Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 53));
/// let mut buf = [0u8; 10];
/// UdpHeader { src_port: 5353, dst_port: 53, payload_len: 2 }.emit(&mut buf)?;
/// buf[8..].copy_from_slice(b"hi");
/// let mut udp = UdpMut::new(&mut buf[..])?;
/// udp.fill_checksum_ipv4(src, dst);
/// udp.set_src_port(40000);
/// assert!(udp.verify_checksum_ipv4(src, dst));
/// let udp = Udp::new(&buf[..])?;
/// assert_eq!((udp.src_port(), udp.dst_port(), udp.payload()), (40000, 53, &b"hi"[..]));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Udp<B> {
    buf: B,
}

/// A read-only UDP view.
pub type UdpRef<'a> = Udp<&'a [u8]>;
/// A writable UDP view whose setters keep the checksum valid.
pub type UdpMut<'a> = Udp<&'a mut [u8]>;

impl<B: AsRef<[u8]>> Udp<B> {
    /// Checks that `buf` starts with a UDP header and holds the whole
    /// datagram its length field gives (bytes beyond it are allowed and
    /// ignored by [`payload`](Self::payload)).
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than 8 bytes,
    /// [`Error::BadLength`] when the length field is below 8 or beyond the
    /// buffer.
    pub fn new(buf: B) -> Result<Self, Error> {
        let b = buf.as_ref();
        field::need(Layer::Udp, b, HEADER_LEN)?;
        let length = usize::from(field::u16_at(b, f::LENGTH));
        // One pair of bounds whatever is wrong: 0, below the header or
        // beyond the buffer.
        let max = b.len().min(usize::from(u16::MAX));
        if length < HEADER_LEN || length > max {
            return Err(Error::BadLength {
                layer: Layer::Udp,
                found: length,
                min: HEADER_LEN,
                max,
            });
        }
        Ok(Udp { buf })
    }

    /// Like [`new`](Self::new), but accepts a datagram cut short by the
    /// capture (length field beyond the buffer). The header itself must be
    /// complete; [`payload`](Self::payload) then ends at the end of the
    /// buffer and [`is_truncated`](Self::is_truncated) tells.
    ///
    /// A length of 0, which an IPv6 jumbogram's UDP header holds ([RFC 2675
    /// section 4]) and captures of segmentation-offloaded datagrams beyond
    /// 64 KiB show, is accepted here as "the datagram is the whole buffer";
    /// [`new`](Self::new) refuses it.
    ///
    /// [RFC 2675 section 4]: https://www.rfc-editor.org/rfc/rfc2675#section-4
    pub fn new_truncated(buf: B) -> Result<Self, Error> {
        let b = buf.as_ref();
        field::need(Layer::Udp, b, HEADER_LEN)?;
        let length = usize::from(field::u16_at(b, f::LENGTH));
        if length < HEADER_LEN && length != 0 {
            return Err(Error::BadLength {
                layer: Layer::Udp,
                found: length,
                min: HEADER_LEN,
                max: usize::from(u16::MAX),
            });
        }
        Ok(Udp { buf })
    }

    /// Wraps `buf` without any check, to write a fresh header into it (see
    /// [`UdpHeader::emit`] for the usual way). Getters and setters may panic
    /// on a buffer shorter than 8 bytes or its length field; call
    /// [`new`](Self::new) once it is filled in.
    pub const fn new_unchecked(buf: B) -> Self {
        Udp { buf }
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

    /// Source port.
    pub fn src_port(&self) -> u16 {
        field::u16_at(self.b(), f::SRC_PORT)
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        field::u16_at(self.b(), f::DST_PORT)
    }

    /// Length of the datagram (header and data), in octets.
    pub fn length(&self) -> u16 {
        field::u16_at(self.b(), f::LENGTH)
    }

    /// The stored checksum (0 over IPv4: none was computed).
    pub fn checksum(&self) -> u16 {
        field::u16_at(self.b(), f::CHECKSUM)
    }

    /// Header length, always 8 octets.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// The 8 header bytes.
    pub fn header(&self) -> &[u8] {
        &self.b()[..HEADER_LEN]
    }

    /// Whether the buffer ends before the length field does (only possible
    /// for views made with [`new_truncated`](Self::new_truncated)).
    pub fn is_truncated(&self) -> bool {
        usize::from(self.length()) > self.b().len()
    }

    /// End of the datagram in the buffer: the length field, or the buffer's
    /// end when the capture was cut short.
    fn end(&self) -> usize {
        match self.length() {
            0 => self.b().len(),
            len => usize::from(len).min(self.b().len()),
        }
    }

    /// The data after the header, up to the length field (not the buffer's
    /// end, which may hold padding).
    pub fn payload(&self) -> &[u8] {
        &self.b()[HEADER_LEN..self.end()]
    }

    /// The one's-complement sum of `pseudo` (a pseudo-header sum, e.g.
    /// [`Sum::ipv4_pseudo_header`] with the [`length`](Self::length)) and
    /// the datagram as stored, checksum field included. The checksum is
    /// valid when this is 0xFFFF.
    pub fn checksum_sum(&self, pseudo: Sum) -> Sum {
        pseudo.add_bytes(&self.b()[..self.end()])
    }

    /// The length the pseudo-header carries: the length field, or for a
    /// length of 0 (an IPv6 jumbogram, RFC 2675 section 4, or an offload
    /// capture) the datagram's real length, the whole buffer.
    fn pseudo_len(&self) -> u32 {
        match self.length() {
            0 => self.end() as u32,
            len => u32::from(len),
        }
    }

    /// The IPv4 pseudo-header. A length beyond 16 bits (only a length-0
    /// view over more than 64 KiB has one) is summed as 32 bits, as
    /// Linux's `csum_tcpudp_nofold` does.
    fn pseudo_ipv4(&self, src: Ipv4Addr, dst: Ipv4Addr) -> Sum {
        Sum::ipv4_pseudo_header(src, dst, IpProtocol::UDP.0, 0).add_u32(self.pseudo_len())
    }

    /// The IPv6 pseudo-header.
    fn pseudo_ipv6(&self, src: Ipv6Addr, dst: Ipv6Addr) -> Sum {
        Sum::ipv6_pseudo_header(src, dst, IpProtocol::UDP.0, self.pseudo_len())
    }

    /// Whether the checksum is right for a datagram carried over IPv4 from
    /// `src` to `dst`. A stored 0 means "no checksum" and is accepted. A
    /// truncated view cannot be checked and gives `false` (unless its
    /// checksum is 0).
    pub fn verify_checksum_ipv4(&self, src: Ipv4Addr, dst: Ipv4Addr) -> bool {
        self.checksum() == 0
            || (!self.is_truncated()
                && self.checksum_sum(self.pseudo_ipv4(src, dst)).value() == 0xFFFF)
    }

    /// Whether the checksum is right for a datagram carried over IPv6 from
    /// `src` to `dst`. A stored 0 is invalid over IPv6 ([RFC 8200 section
    /// 8.1]). A truncated view cannot be checked and gives `false`.
    ///
    /// [RFC 8200 section 8.1]: https://www.rfc-editor.org/rfc/rfc8200#section-8.1
    pub fn verify_checksum_ipv6(&self, src: Ipv6Addr, dst: Ipv6Addr) -> bool {
        self.checksum() != 0
            && !self.is_truncated()
            && self.checksum_sum(self.pseudo_ipv6(src, dst)).value() == 0xFFFF
    }
}

impl<'a> Udp<&'a [u8]> {
    /// The payload, borrowed for the buffer's lifetime rather than the view's.
    pub fn into_payload(self) -> &'a [u8] {
        let end = self.end();
        &self.buf[HEADER_LEN..end]
    }
}

impl<'a> Udp<&'a mut [u8]> {
    /// The payload, mutably borrowed for the buffer's lifetime. The checksum
    /// does not follow changes made through it.
    pub fn into_payload(self) -> &'a mut [u8] {
        let end = self.end();
        &mut self.buf[HEADER_LEN..end]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Udp<B> {
    /// Writes `new` at `at` and patches the checksum under the UDP rules;
    /// every checksum-keeping setter goes through here.
    // eBPF: inlined into each setter, so that the run's length is a constant
    // there (no `memcpy` call, no bounds check left).
    #[cfg_attr(not(target_arch = "bpf"), inline)]
    #[cfg_attr(target_arch = "bpf", inline(always))]
    fn patch(&mut self, at: usize, new: &[u8]) {
        // The delta counts the checksum field's own change too, so it
        // sums to zero: no checksum enclosing this header needs it.
        let _ = checksum::write_patched(self.buf.as_mut(), 0, at, new, f::CHECKSUM, Rule::Udp);
    }

    /// Sets the source port; the checksum follows (a 0 checksum stays 0).
    pub fn set_src_port(&mut self, port: u16) {
        self.patch(f::SRC_PORT, &port.to_be_bytes());
    }

    /// Sets the destination port; the checksum follows (a 0 checksum stays 0).
    pub fn set_dst_port(&mut self, port: u16) {
        self.patch(f::DST_PORT, &port.to_be_bytes());
    }

    /// Sets the length field, in octets; the checksum follows. The length is
    /// counted twice (in the header and in the pseudo-header), and the data
    /// bytes that enter or leave the datagram are accounted for, so the
    /// checksum stays valid for the new datagram. The IP header's length
    /// field is the caller's to update.
    ///
    /// # Errors
    /// [`Error::BadLength`] when `len` is below 8 or beyond the buffer (the
    /// view's invariant would break).
    pub fn set_length(&mut self, len: u16) -> Result<(), Error> {
        let max = self.b().len().min(usize::from(u16::MAX));
        let new_end = usize::from(len);
        if new_end < HEADER_LEN || new_end > max {
            return Err(Error::BadLength {
                layer: Layer::Udp,
                found: new_end,
                min: HEADER_LEN,
                max,
            });
        }
        let old_end = self.end();
        let b = self.b();
        // The pseudo-header's copy of the length (its 16 or 32 bits with the
        // same low word; for a length-0 view the real length it carried, not
        // 0) and the data that enters or leaves the coverage.
        let mut outside = Delta::replace_u32(self.pseudo_len(), len.into());
        outside += if new_end < old_end {
            Delta::replace_bytes(new_end, &b[new_end..old_end], &[])
        } else {
            Delta::replace_bytes(old_end, &[], &b[old_end..new_end])
        };
        self.apply_delta(outside);
        self.patch(f::LENGTH, &len.to_be_bytes());
        Ok(())
    }

    /// Stores `checksum` as is (0 to send without a checksum over IPv4, or
    /// to corrupt one on purpose).
    pub fn set_checksum(&mut self, checksum: u16) {
        field::set_u16(self.buf.as_mut(), f::CHECKSUM, checksum);
    }

    /// Applies a change made outside the header (an address of the
    /// pseudo-header, data bytes written through
    /// [`payload_mut`](Self::payload_mut), seen from the start of the UDP
    /// header) to the stored checksum under the UDP rules: a 0 checksum
    /// stays 0 and a computed 0 is stored as 0xFFFF.
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// use wireview::{Ipv4Header, Ipv4Mut, IpProtocol, UdpHeader, UdpMut};
    ///
    /// let (src, dst) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
    /// let mut pkt = [0u8; 28];
    /// Ipv4Header { protocol: IpProtocol::UDP, src, dst, payload_len: 8, ..Default::default() }
    ///     .emit(&mut pkt)?;
    /// UdpHeader { src_port: 1234, dst_port: 53, payload_len: 0 }.emit(&mut pkt[20..])?;
    /// UdpMut::new(&mut pkt[20..])?.fill_checksum_ipv4(src, dst);
    ///
    /// // NAT: rewrite the source address, then carry the change to UDP.
    /// let new_src = Ipv4Addr::new(203, 0, 113, 9);
    /// let delta = Ipv4Mut::new(&mut pkt[..])?.set_src(new_src);
    /// let mut udp = UdpMut::new(&mut pkt[20..])?;
    /// udp.apply_delta(delta);
    /// assert!(udp.verify_checksum_ipv4(new_src, dst));
    /// # Ok::<(), wireview::Error>(())
    /// ```
    pub fn apply_delta(&mut self, delta: Delta) {
        // The checksum's change undoes `delta`, which the caller holds: an
        // enclosing checksum sees no net change from the two together.
        let _ = checksum::apply_at(self.buf.as_mut(), 0, f::CHECKSUM, delta, Rule::Udp);
    }

    /// Computes the checksum over `pseudo` and the datagram from scratch
    /// and stores it (a computed 0 as 0xFFFF).
    pub fn fill_checksum_with(&mut self, pseudo: Sum) {
        self.set_checksum(0);
        let c = match self.checksum_sum(pseudo).checksum() {
            0 => 0xFFFF,
            c => c,
        };
        self.set_checksum(c);
    }

    /// Computes and stores the checksum for a datagram carried over IPv4
    /// from `src` to `dst`.
    pub fn fill_checksum_ipv4(&mut self, src: Ipv4Addr, dst: Ipv4Addr) {
        let pseudo = self.pseudo_ipv4(src, dst);
        self.fill_checksum_with(pseudo);
    }

    /// Computes and stores the checksum for a datagram carried over IPv6
    /// from `src` to `dst`.
    pub fn fill_checksum_ipv6(&mut self, src: Ipv6Addr, dst: Ipv6Addr) {
        let pseudo = self.pseudo_ipv6(src, dst);
        self.fill_checksum_with(pseudo);
    }

    /// The data, writable (bounded by the length field). The checksum does
    /// not follow changes made through this slice; compute a [`Delta`] and
    /// call [`apply_delta`](Self::apply_delta), or fill it again.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = self.end();
        &mut self.buf.as_mut()[HEADER_LEN..end]
    }
}

/// The field values of a UDP header, to write a fresh one with
/// [`emit`](Self::emit). The length is derived; the checksum is written as
/// 0, to be filled once the data is in place (see
/// [`Udp::fill_checksum_ipv4`]).
///
/// ```
/// use wireview::{Udp, UdpHeader};
///
/// let mut buf = [0u8; 12];
/// let n = UdpHeader { src_port: 68, dst_port: 67, payload_len: 4 }.emit(&mut buf)?;
/// let udp = Udp::new(&buf[..])?;
/// assert_eq!((n, udp.length(), udp.checksum()), (8, 12, 0));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct UdpHeader {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Length of the data that follows the header, in octets.
    pub payload_len: u16,
}

impl UdpHeader {
    /// Writes the 8-byte header (checksum 0) at the start of `buf` and
    /// returns its length.
    ///
    /// # Errors
    /// [`Error::NoRoom`] when `buf` is shorter than 8 bytes,
    /// [`Error::BadLength`] when the length does not fit in 16 bits.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        if buf.len() < HEADER_LEN {
            return Err(Error::NoRoom {
                layer: Layer::Udp,
                needed: HEADER_LEN,
                available: buf.len(),
            });
        }
        let total = HEADER_LEN + usize::from(self.payload_len);
        let Ok(length) = u16::try_from(total) else {
            return Err(Error::BadLength {
                layer: Layer::Udp,
                found: total,
                min: HEADER_LEN,
                max: usize::from(u16::MAX),
            });
        };
        field::set_u16(buf, f::SRC_PORT, self.src_port);
        field::set_u16(buf, f::DST_PORT, self.dst_port);
        field::set_u16(buf, f::LENGTH, length);
        field::set_u16(buf, f::CHECKSUM, 0);
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ipv4::{Ipv4, Ipv4Header, Ipv4Mut};
    use proptest::prelude::*;
    use std::vec::Vec;

    /// A real UDP datagram: the AFS/Rx datagram that an ICMP port-unreachable
    /// quotes in full in tcpdump's `tests/afs.pcap` (frame 29), sent from
    /// 131.151.1.59:7003 to 131.151.32.21:1792, length 420, checksum 0xae1e.
    /// Mostly zeros; the non-zero runs are listed by offset.
    pub(crate) fn afs_datagram() -> ([u8; 4], [u8; 4], Vec<u8>) {
        const RUNS: &[(usize, &[u8])] = &[
            (0, &[0x1b, 0x5b, 0x07, 0x00]), // source port 7003, destination port 1792
            (4, &[0x01, 0xa4, 0xae, 0x1e]), // length 420, checksum 0xae1e
            // Rx header: epoch, connection id, call 1, sequence 1, serial 2, type 1, flags 6.
            (
                8,
                &[
                    0x38, 0x2b, 0x39, 0x48, 0xe0, 0x9d, 0xbe, 0xe8, 0x00, 0x00, 0x00, 0x01,
                ],
            ),
            (
                20,
                &[0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x01, 0x06],
            ),
            // "4root.cell", one character per 32-bit word.
            (
                35,
                &[
                    0x34, 0, 0, 0, 0x72, 0, 0, 0, 0x6f, 0, 0, 0, 0x6f, 0, 0, 0, 0x74,
                ],
            ),
            (
                55,
                &[
                    0x2e, 0, 0, 0, 0x63, 0, 0, 0, 0x65, 0, 0, 0, 0x6c, 0, 0, 0, 0x6c,
                ],
            ),
            // Six 131.151.1.x server addresses.
            (
                303,
                &[
                    0x06, 0x83, 0x97, 0x01, 0x92, 0x83, 0x97, 0x01, 0x3c, 0x83, 0x97, 0x01, 0x92,
                ],
            ),
            (
                316,
                &[
                    0x83, 0x97, 0x01, 0x3b, 0x83, 0x97, 0x01, 0x46, 0x83, 0x97, 0x01, 0x55,
                ],
            ),
            (
                371,
                &[
                    0x04, 0, 0, 0, 0x02, 0, 0, 0, 0x02, 0, 0, 0, 0x02, 0, 0, 0, 0x02, 0, 0, 0, 0x02,
                ],
            ),
            (
                400,
                &[
                    0x20, 0x00, 0x00, 0x03, 0x20, 0x00, 0x00, 0x04, 0x20, 0x00, 0x00, 0x05,
                ],
            ),
            (418, &[0x70]),
        ];
        let mut d = std::vec![0u8; 420];
        for (at, run) in RUNS {
            d[*at..at + run.len()].copy_from_slice(run);
        }
        ([131, 151, 1, 59], [131, 151, 32, 21], d)
    }

    #[test]
    fn length_zero_is_the_whole_buffer_when_truncated_reading() {
        // A jumbogram's UDP header (RFC 2675): length 0, 70000 bytes in all.
        let src = Ipv6Addr::LOCALHOST;
        let mut d = std::vec![0u8; 70_000];
        d[..8].copy_from_slice(&[0x30, 0x39, 0x00, 0x35, 0, 0, 0, 0]);
        assert_eq!(
            Udp::new(&d[..]),
            Err(Error::BadLength {
                layer: Layer::Udp,
                found: 0,
                min: 8,
                max: 65_535
            })
        );
        let mut udp = Udp::new_truncated(&mut d[..]).unwrap();
        assert_eq!((udp.payload().len(), udp.is_truncated()), (69_992, false));
        udp.fill_checksum_ipv6(src, src);
        assert!(udp.verify_checksum_ipv6(src, src));
        // The pseudo-header carries the real length, 70000.
        let sum = Sum::ipv6_pseudo_header(src, src, 17, 70_000).add_bytes(&d);
        assert_eq!(sum.value(), 0xFFFF);
    }

    #[test]
    fn set_length_on_a_length_0_view_takes_the_real_old_length() {
        // A jumbogram (RFC 2675): length 0, 70000 bytes, whose pseudo-header
        // carries 70000. Setting a real length must take 70000 out of the
        // pseudo-header, not 0.
        let (src, dst) = (
            Ipv6Addr::LOCALHOST,
            Ipv6Addr::from([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]),
        );
        let mut d = std::vec![0u8; 70_000];
        d[..8].copy_from_slice(&[0x30, 0x39, 0x00, 0x35, 0, 0, 0, 0]);
        for (i, b) in d[8..].iter_mut().enumerate() {
            *b = (i % 251) as u8;
        }
        let mut udp = Udp::new_truncated(&mut d[..]).unwrap();
        udp.fill_checksum_ipv6(src, dst);
        udp.set_length(1000).unwrap();
        assert_eq!(udp.payload().len(), 992);
        assert!(udp.verify_checksum_ipv6(src, dst));
        let sum = Sum::ipv6_pseudo_header(src, dst, 17, 1000).add_bytes(&d[..1000]);
        assert_eq!(sum.value(), 0xFFFF);

        // The same over IPv4 (an offload capture's length 0 within 64 KiB):
        // the pseudo-header holds the datagram's real length, 100.
        let (src, dst) = (Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2));
        let mut d = [0x5a; 100];
        d[..8].copy_from_slice(&[0x30, 0x39, 0x00, 0x35, 0, 0, 0, 0]);
        let mut udp = Udp::new_truncated(&mut d[..]).unwrap();
        udp.fill_checksum_ipv4(src, dst);
        assert_eq!(
            Sum::ipv4_pseudo_header(src, dst, 17, 100)
                .add_bytes(&d)
                .value(),
            0xFFFF
        );
        let mut udp = Udp::new_truncated(&mut d[..]).unwrap();
        udp.set_length(50).unwrap();
        assert!(udp.verify_checksum_ipv4(src, dst));
    }

    #[test]
    fn bad_lengths_give_this_buffers_bounds() {
        // A 20-byte buffer: `new` allows a length of 8..=20, and says so
        // whether the length is too small, 0 or too large.
        let mut d = [0u8; 20];
        for length in [0, 5, 7, 21, 300] {
            d[4..6].copy_from_slice(&u16::to_be_bytes(length));
            assert_eq!(
                Udp::new(&d[..]).map(|_| ()),
                Err(Error::BadLength {
                    layer: Layer::Udp,
                    found: length.into(),
                    min: 8,
                    max: 20
                }),
                "length {length}"
            );
        }
    }

    #[test]
    fn real_datagram_fields_and_checksum() {
        let (src, dst, d) = afs_datagram();
        let (src, dst) = (Ipv4Addr::from(src), Ipv4Addr::from(dst));
        let udp = Udp::new(&d[..]).unwrap();
        assert_eq!((udp.src_port(), udp.dst_port()), (7003, 1792));
        assert_eq!((udp.length(), udp.checksum()), (420, 0xae1e));
        assert_eq!(udp.payload().len(), 412);
        assert!(udp.verify_checksum_ipv4(src, dst));
        assert!(!udp.verify_checksum_ipv4(dst, Ipv4Addr::new(131, 151, 32, 22)));
        // Recomputing gives the captured value.
        let mut copy = d.clone();
        let mut m = UdpMut::new(&mut copy[..]).unwrap();
        m.fill_checksum_ipv4(src, dst);
        assert_eq!(m.checksum(), 0xae1e);
        // One flipped data bit is caught.
        let mut bad = d.clone();
        bad[100] ^= 1;
        assert!(!Udp::new(&bad[..]).unwrap().verify_checksum_ipv4(src, dst));
    }

    #[test]
    fn every_truncated_length_is_reported_exactly() {
        let (_, _, d) = afs_datagram();
        for len in 0..8 {
            assert_eq!(
                Udp::new(&d[..len]),
                Err(Error::Truncated {
                    layer: Layer::Udp,
                    needed: 8,
                    available: len
                })
            );
            assert_eq!(Udp::new(&d[..len]), Udp::new_truncated(&d[..len]));
        }
        for len in 8..420 {
            assert_eq!(
                Udp::new(&d[..len]),
                Err(Error::BadLength {
                    layer: Layer::Udp,
                    found: 420,
                    min: 8,
                    max: len
                })
            );
            let udp = Udp::new_truncated(&d[..len]).unwrap();
            assert!(udp.is_truncated());
            assert_eq!(udp.payload().len(), len - 8);
            assert!(!udp.verify_checksum_ipv4(
                Ipv4Addr::new(131, 151, 1, 59),
                Ipv4Addr::new(131, 151, 32, 21)
            ));
        }
        assert!(!Udp::new(&d[..]).unwrap().is_truncated());
    }

    #[test]
    fn length_below_header_and_padding() {
        let mut d = [0u8; 12];
        d[5] = 7;
        let err = |max| {
            Err(Error::BadLength {
                layer: Layer::Udp,
                found: 7,
                min: 8,
                max,
            })
        };
        // `new` bounds the length by this buffer; `new_truncated` by the
        // field's width.
        assert_eq!(Udp::new(&d[..]).map(|_| ()), err(12));
        assert_eq!(Udp::new_truncated(&d[..]).map(|_| ()), err(65535));
        d[5] = 10;
        let udp = Udp::new(&d[..]).unwrap();
        assert_eq!(udp.payload().len(), 2);
        assert_eq!(Udp::new(&d[..]).unwrap().into_payload().len(), 2);
    }

    #[test]
    fn zero_rules() {
        let src = Ipv4Addr::new(10, 0, 0, 1);
        let dst = Ipv4Addr::new(10, 0, 0, 2);
        let mut d = [0u8; 8];
        UdpHeader {
            src_port: 1,
            dst_port: 2,
            payload_len: 0,
        }
        .emit(&mut d)
        .unwrap();
        // No checksum over IPv4: accepted, and it stays 0 through setters.
        let mut udp = UdpMut::new(&mut d[..]).unwrap();
        assert!(udp.verify_checksum_ipv4(src, dst));
        assert!(!udp.verify_checksum_ipv6(Ipv6Addr::LOCALHOST, Ipv6Addr::LOCALHOST));
        udp.set_src_port(999);
        udp.set_dst_port(0xFFFF);
        udp.apply_delta(Delta::replace_u32(1, 2));
        assert_eq!(udp.checksum(), 0);
        // Choose the source port so that the datagram's sum is 0xFFFF:
        // the computed checksum 0 is stored as 0xFFFF.
        let rest = Sum::ipv4_pseudo_header(src, dst, 17, 8)
            .add_u16(0xFFFF) // destination port
            .add_u16(8); // length
        let port = !rest.value();
        let mut udp = UdpMut::new(&mut d[..]).unwrap();
        udp.set_src_port(port);
        udp.fill_checksum_ipv4(src, dst);
        assert_eq!(udp.checksum(), 0xFFFF);
        assert!(udp.verify_checksum_ipv4(src, dst));
        // The same 0 -> 0xFFFF through an incremental update.
        udp.set_src_port(port.wrapping_add(1));
        assert_ne!(udp.checksum(), 0xFFFF);
        udp.set_src_port(port);
        assert_eq!(udp.checksum(), 0xFFFF);
    }

    #[test]
    fn set_length_moves_the_covered_data() {
        let src = Ipv4Addr::new(192, 0, 2, 1);
        let dst = Ipv4Addr::new(192, 0, 2, 2);
        let mut d = *b"\x00\x07\x00\x09\x00\x0d\x00\x00hello, world";
        let mut udp = UdpMut::new(&mut d[..]).unwrap();
        udp.fill_checksum_ipv4(src, dst);
        for len in [8, 9, 20, 13, 11, 10, 20] {
            udp.set_length(len).unwrap();
            assert!(udp.verify_checksum_ipv4(src, dst), "length {len}");
            assert_eq!(udp.payload().len(), usize::from(len) - 8);
        }
        for bad in [7, 21] {
            assert_eq!(
                udp.set_length(bad),
                Err(Error::BadLength {
                    layer: Layer::Udp,
                    found: bad.into(),
                    min: 8,
                    max: 20
                })
            );
        }
    }

    #[test]
    fn emit_errors() {
        let h = UdpHeader {
            src_port: 1,
            dst_port: 2,
            payload_len: u16::MAX - 7,
        };
        assert_eq!(
            h.emit(&mut [0u8; 7]),
            Err(Error::NoRoom {
                layer: Layer::Udp,
                needed: 8,
                available: 7
            })
        );
        assert_eq!(
            h.emit(&mut [0u8; 8]),
            Err(Error::BadLength {
                layer: Layer::Udp,
                found: 65536,
                min: 8,
                max: 65535
            })
        );
    }

    /// The checksum a from-scratch recompute gives: 0 if the datagram had
    /// none (IPv4), else the complement of the sum, a 0 stored as 0xFFFF.
    fn recompute(d: &[u8], pseudo: Sum) -> u16 {
        let mut copy = d.to_vec();
        copy[6..8].fill(0);
        match pseudo.add_bytes(&copy).checksum() {
            0 => 0xFFFF,
            c => c,
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Src(u16),
        Dst(u16),
        Length(u16),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            any::<u16>().prop_map(Op::Src),
            any::<u16>().prop_map(Op::Dst),
            (0u16..80).prop_map(Op::Length),
        ]
    }

    proptest! {
        #[test]
        fn every_setter_keeps_the_checksum(
            src: u32, dst: u32, v6 in any::<bool>(), none in any::<bool>(),
            ports: (u16, u16), data in proptest::collection::vec(any::<u8>(), 0..64),
            ops in proptest::collection::vec(op(), 1..20),
        ) {
            let mut d = std::vec![0u8; 8 + data.len()];
            UdpHeader { src_port: ports.0, dst_port: ports.1, payload_len: data.len() as u16 }
                .emit(&mut d).unwrap();
            d[8..].copy_from_slice(&data);
            let (s4, d4) = (Ipv4Addr::from(src), Ipv4Addr::from(dst));
            let (s6, d6) = (Ipv6Addr::from(u128::from(src) << 64 | 1), Ipv6Addr::from(u128::from(dst)));
            let pseudo = |len: u16| if v6 {
                Sum::ipv6_pseudo_header(s6, d6, 17, len.into())
            } else {
                Sum::ipv4_pseudo_header(s4, d4, 17, len)
            };
            let mut udp = UdpMut::new(&mut d[..]).unwrap();
            if !none {
                udp.fill_checksum_with(pseudo(udp.length()));
            }
            for op in ops {
                match op {
                    Op::Src(v) => udp.set_src_port(v),
                    Op::Dst(v) => udp.set_dst_port(v),
                    Op::Length(v) => { let _ = udp.set_length(v); }
                }
                let len = udp.length();
                let whole = &udp.as_bytes()[..usize::from(len)];
                let expected = if none { 0 } else { recompute(whole, pseudo(len)) };
                prop_assert_eq!(udp.checksum(), expected);
                if !none {
                    prop_assert_eq!(udp.checksum_sum(pseudo(len)).value(), 0xFFFF);
                }
            }
        }

        #[test]
        fn ipv4_address_change_plus_apply_delta_equals_recompute(
            src: u32, dst: u32, new_src: u32, new_dst: u32, none in any::<bool>(),
            data in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            let n = 8 + data.len();
            let mut p = std::vec![0u8; 20 + n];
            Ipv4Header { protocol: IpProtocol::UDP, src: src.into(), dst: dst.into(), payload_len: n as u16, ..Ipv4Header::default() }
                .emit(&mut p).unwrap();
            UdpHeader { src_port: 4000, dst_port: 53, payload_len: data.len() as u16 }.emit(&mut p[20..]).unwrap();
            p[28..].copy_from_slice(&data);
            if !none {
                UdpMut::new(&mut p[20..]).unwrap().fill_checksum_ipv4(src.into(), dst.into());
            }
            let mut ip = Ipv4Mut::new(&mut p[..]).unwrap();
            let delta = ip.set_src(new_src.into()) + ip.set_dst(new_dst.into());
            UdpMut::new(&mut p[20..]).unwrap().apply_delta(delta);
            let ip = Ipv4::new(&p[..]).unwrap();
            prop_assert!(ip.verify_checksum());
            let expected = if none { 0 } else {
                recompute(ip.payload(), Sum::ipv4_pseudo_header(new_src.into(), new_dst.into(), 17, n as u16))
            };
            let udp = Udp::new(ip.payload()).unwrap();
            prop_assert_eq!(udp.checksum(), expected);
            prop_assert!(udp.verify_checksum_ipv4(new_src.into(), new_dst.into()));
        }
    }
}
