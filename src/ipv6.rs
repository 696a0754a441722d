//! IPv6 fixed header ([RFC 8200 section 3]).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version|    DSCP   |ECN|               Flow Label              |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Payload Length        |  Next Header  |   Hop Limit   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                                                               |
//! +                                                               +
//! |                                                               |
//! +                         Source Address                        +
//! |                                                               |
//! +                                                               +
//! |                                                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                                                               |
//! +                                                               +
//! |                                                               |
//! +                      Destination Address                      +
//! |                                                               |
//! +                                                               +
//! |                                                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The traffic class is split into DSCP ([RFC 2474]) and ECN ([RFC 3168]).
//! IPv6 has no header checksum; the addresses are covered by the
//! pseudo-header of every upper-layer checksum ([RFC 8200 section 8.1]),
//! so [`Ipv6::set_src`] and [`Ipv6::set_dst`] return the [`Delta`] to apply
//! to the TCP, UDP or ICMPv6 checksum. The extension headers between this
//! header and the upper layer are walked with [`Ipv6::ext_headers`] (see
//! [`crate::ipv6_ext`]).
//!
//! [RFC 8200 section 3]: https://www.rfc-editor.org/rfc/rfc8200#section-3
//! [RFC 8200 section 8.1]: https://www.rfc-editor.org/rfc/rfc8200#section-8.1
//! [RFC 2474]: https://www.rfc-editor.org/rfc/rfc2474
//! [RFC 3168]: https://www.rfc-editor.org/rfc/rfc3168

use core::net::Ipv6Addr;

use crate::checksum::{self, Delta};
use crate::error::{Error, Layer};
use crate::field::{self, Field};
use crate::ip::{Dscp, Ecn, Hop, IpProtocol};
use crate::ipv6_ext::ExtHeaders;

/// Byte offsets of the fixed header's fields.
pub(crate) mod field_at {
    use super::Field;
    /// Version, traffic class and flow label, one 32-bit word.
    pub const VER_TC_FLOW: usize = 0;
    pub const PAYLOAD_LEN: usize = 4;
    pub const NEXT_HEADER: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC: Field = 8..24;
    pub const DST: Field = 24..40;
}
use field_at as f;

/// Length of the IPv6 fixed header, in octets.
pub const HEADER_LEN: usize = 40;

/// The largest flow label, `2^20 - 1`.
pub const MAX_FLOW_LABEL: u32 = 0xF_FFFF;

const TC_SHIFT: u32 = 20;

/// A zero-copy view of an IPv6 header and the packet it starts.
///
/// Read-only over `&[u8]` ([`Ipv6Ref`]), writable over `&mut [u8]`
/// ([`Ipv6Mut`]) or any `AsRef<[u8]> + AsMut<[u8]>` buffer.
/// [`Ipv6::new`] checks the version and the payload length once; after it
/// no getter or setter can panic.
///
/// ```
/// use core::net::Ipv6Addr;
/// use wireview::{Hop, IpProtocol, Ipv6, Ipv6Mut};
///
/// // An ICMPv6 echo request from 2001:db8::1 to 2001:db8::2, hop limit 64.
/// let mut buf = [0u8; 48];
/// buf[..8].copy_from_slice(&[0x60, 0, 0, 0, 0, 8, 58, 64]);
/// buf[8..24].copy_from_slice(&"2001:db8::1".parse::<Ipv6Addr>().unwrap().octets());
/// buf[24..40].copy_from_slice(&"2001:db8::2".parse::<Ipv6Addr>().unwrap().octets());
/// let mut ip = Ipv6Mut::new(&mut buf[..])?;
/// assert_eq!(ip.decrement_hop_limit(), Hop::Forward(63));
/// let ip = Ipv6::new(&buf[..])?;
/// assert_eq!((ip.hop_limit(), ip.next_header()), (63, IpProtocol::ICMPV6));
/// assert_eq!(ip.payload().len(), 8);
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6<B> {
    buf: B,
}

/// A read-only IPv6 view.
pub type Ipv6Ref<'a> = Ipv6<&'a [u8]>;
/// A writable IPv6 view.
pub type Ipv6Mut<'a> = Ipv6<&'a mut [u8]>;

impl<B: AsRef<[u8]>> Ipv6<B> {
    /// Checks that `buf` starts with an IPv6 header and holds the whole
    /// payload its payload length gives (bytes beyond it, such as Ethernet
    /// padding, are allowed and ignored by [`payload`](Self::payload)).
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than 40 bytes,
    /// [`Error::BadVersion`] when the version is not 6, [`Error::BadLength`]
    /// when the payload length runs beyond the buffer.
    pub fn new(buf: B) -> Result<Self, Error> {
        let view = Self::new_truncated(buf)?;
        if view.is_truncated() {
            return Err(Error::BadLength {
                layer: Layer::Ipv6,
                found: view.payload_len().into(),
                min: 0,
                max: view.b().len() - HEADER_LEN,
            });
        }
        Ok(view)
    }

    /// Like [`new`](Self::new), but accepts a packet cut short by the
    /// capture (payload length beyond the buffer), as packet captures with a
    /// small snap length hold. The fixed header itself must be complete;
    /// [`payload`](Self::payload) then ends at the end of the buffer and
    /// [`is_truncated`](Self::is_truncated) tells.
    pub fn new_truncated(buf: B) -> Result<Self, Error> {
        let b = buf.as_ref();
        field::need(Layer::Ipv6, b, HEADER_LEN)?;
        let version = b[f::VER_TC_FLOW] >> 4;
        if version != 6 {
            return Err(Error::BadVersion {
                layer: Layer::Ipv6,
                found: version,
            });
        }
        Ok(Ipv6 { buf })
    }

    /// Wraps `buf` without any check, to write a fresh header into it (see
    /// [`Ipv6Header::emit`] for the usual way). Getters and setters may
    /// panic on a buffer shorter than 40 bytes; call [`new`](Self::new)
    /// once it is filled in.
    pub const fn new_unchecked(buf: B) -> Self {
        Ipv6 { buf }
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

    fn first_word(&self) -> u32 {
        field::u32_at(self.b(), f::VER_TC_FLOW)
    }

    /// Version, 6 for every checked view.
    pub fn version(&self) -> u8 {
        self.b()[f::VER_TC_FLOW] >> 4
    }

    /// Length of the fixed header, in octets: always [`HEADER_LEN`] (the
    /// extension headers are part of the payload).
    pub fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// The traffic class byte (DSCP and ECN together).
    pub fn traffic_class(&self) -> u8 {
        (self.first_word() >> TC_SHIFT) as u8
    }

    /// Differentiated services code point.
    pub fn dscp(&self) -> Dscp {
        Dscp::from_tos(self.traffic_class())
    }

    /// Explicit congestion notification codepoint.
    pub fn ecn(&self) -> Ecn {
        Ecn::from_bits(self.traffic_class())
    }

    /// Flow label, 20 bits (`0..=`[`MAX_FLOW_LABEL`]).
    pub fn flow_label(&self) -> u32 {
        self.first_word() & MAX_FLOW_LABEL
    }

    /// Payload length: the octets after the fixed header, extension headers
    /// included. 0 in a jumbogram (see [`is_jumbogram`](Self::is_jumbogram)).
    pub fn payload_len(&self) -> u16 {
        field::u16_at(self.b(), f::PAYLOAD_LEN)
    }

    /// The header after this one: an extension header or the upper layer.
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol(self.b()[f::NEXT_HEADER])
    }

    /// Hop limit.
    pub fn hop_limit(&self) -> u8 {
        self.b()[f::HOP_LIMIT]
    }

    /// Source address.
    pub fn src(&self) -> Ipv6Addr {
        Ipv6Addr::from(field::array16(self.b(), f::SRC.start))
    }

    /// Destination address (with a routing header, the next hop's, not
    /// necessarily the final destination).
    pub fn dst(&self) -> Ipv6Addr {
        Ipv6Addr::from(field::array16(self.b(), f::DST.start))
    }

    /// The 40 header bytes.
    pub fn header(&self) -> &[u8] {
        &self.b()[..HEADER_LEN]
    }

    /// Whether this is a jumbogram ([RFC 2675]): payload length 0 with a
    /// hop-by-hop options header, whose Jumbo Payload option then carries
    /// the real length. Its [`payload`](Self::payload) runs to the end of
    /// the buffer.
    ///
    /// [RFC 2675]: https://www.rfc-editor.org/rfc/rfc2675
    pub fn is_jumbogram(&self) -> bool {
        self.payload_len() == 0 && self.next_header() == IpProtocol::HOP_BY_HOP
    }

    /// Whether the buffer ends before the payload length does (only possible
    /// for views made with [`new_truncated`](Self::new_truncated)).
    pub fn is_truncated(&self) -> bool {
        HEADER_LEN + usize::from(self.payload_len()) > self.b().len()
    }

    /// End of the packet in the buffer: the payload length, or the buffer's
    /// end when the capture was cut short or the packet is a jumbogram.
    fn end(&self) -> usize {
        let len = self.b().len();
        if self.is_jumbogram() {
            len
        } else {
            (HEADER_LEN + usize::from(self.payload_len())).min(len)
        }
    }

    /// The payload: extension headers and upper layer, up to the payload
    /// length (not the buffer's end, which may hold link-layer padding).
    pub fn payload(&self) -> &[u8] {
        &self.b()[HEADER_LEN..self.end()]
    }

    /// The extension headers at the start of the payload, as an iterator
    /// that ends at the upper layer.
    ///
    /// ```
    /// use wireview::{IpProtocol, Ipv6, Ipv6ExtKind};
    ///
    /// let mut buf = [0u8; 56];
    /// // Payload length 16, next header: fragment (44).
    /// buf[..8].copy_from_slice(&[0x60, 0, 0, 0, 0, 16, 44, 64]);
    /// // Fragment header: next header UDP (17), offset 0, M set, id 7.
    /// buf[40..48].copy_from_slice(&[17, 0, 0, 1, 0, 0, 0, 7]);
    /// let ip = Ipv6::new(&buf[..])?;
    /// let mut exts = ip.ext_headers();
    /// let frag = exts.next().unwrap()?;
    /// assert_eq!((frag.kind, frag.len()), (Ipv6ExtKind::Fragment, 8));
    /// assert!(exts.next().is_none());
    /// assert_eq!(exts.upper_layer(), (IpProtocol::UDP, 8));
    /// # Ok::<(), wireview::Error>(())
    /// ```
    pub fn ext_headers(&self) -> ExtHeaders<'_> {
        ExtHeaders::new(self.next_header(), self.payload())
    }

    /// The pseudo-header sum that upper-layer checksums (TCP, UDP, ICMPv6)
    /// over this packet include ([RFC 8200 section 8.1]), for the
    /// upper-layer protocol `next_header` (not the first extension header)
    /// and an upper-layer length of `length` octets.
    ///
    /// This uses [`dst`](Self::dst); with a routing header the pseudo-header
    /// holds the final destination instead (build that sum with
    /// [`checksum::Sum::ipv6_pseudo_header`]).
    ///
    /// [RFC 8200 section 8.1]: https://www.rfc-editor.org/rfc/rfc8200#section-8.1
    pub fn pseudo_header_sum(&self, next_header: IpProtocol, length: u32) -> checksum::Sum {
        checksum::Sum::ipv6_pseudo_header(self.src(), self.dst(), next_header.0, length)
    }
}

impl<'a> Ipv6<&'a [u8]> {
    /// The payload, borrowed for the buffer's lifetime rather than the view's.
    pub fn into_payload(self) -> &'a [u8] {
        let end = self.end();
        &self.buf[HEADER_LEN..end]
    }
}

impl<'a> Ipv6<&'a mut [u8]> {
    /// The payload, mutably borrowed for the buffer's lifetime.
    pub fn into_payload(self) -> &'a mut [u8] {
        let end = self.end();
        &mut self.buf[HEADER_LEN..end]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Ipv6<B> {
    fn set_first_word(&mut self, word: u32) {
        field::set_u32(self.buf.as_mut(), f::VER_TC_FLOW, word);
    }

    /// Sets the whole traffic class byte.
    pub fn set_traffic_class(&mut self, tc: u8) {
        let w = self.first_word() & !(0xFF << TC_SHIFT);
        self.set_first_word(w | (u32::from(tc) << TC_SHIFT));
    }

    /// Sets the DSCP, keeping the ECN bits.
    pub fn set_dscp(&mut self, dscp: Dscp) {
        self.set_traffic_class((dscp.value() << 2) | (self.traffic_class() & 0x03));
    }

    /// Sets the ECN codepoint (e.g. [`Ecn::Ce`] to mark congestion), keeping
    /// the DSCP.
    pub fn set_ecn(&mut self, ecn: Ecn) {
        self.set_traffic_class((self.traffic_class() & 0xFC) | ecn.value());
    }

    /// Sets the flow label.
    ///
    /// # Errors
    /// [`Error::BadValue`] when `label` does not fit in 20 bits.
    pub fn set_flow_label(&mut self, label: u32) -> Result<(), Error> {
        if label > MAX_FLOW_LABEL {
            return Err(Error::BadValue {
                layer: Layer::Ipv6,
                field: "flow label",
            });
        }
        let w = self.first_word() & !MAX_FLOW_LABEL;
        self.set_first_word(w | label);
        Ok(())
    }

    /// Sets the payload length, in octets.
    ///
    /// # Errors
    /// [`Error::BadLength`] when the payload would run beyond the buffer
    /// (the view's invariant would break).
    pub fn set_payload_len(&mut self, len: u16) -> Result<(), Error> {
        let max = self.b().len() - HEADER_LEN;
        if usize::from(len) > max {
            return Err(Error::BadLength {
                layer: Layer::Ipv6,
                found: len.into(),
                min: 0,
                max,
            });
        }
        field::set_u16(self.buf.as_mut(), f::PAYLOAD_LEN, len);
        Ok(())
    }

    /// Sets the next header. (An upper-layer checksum covers the upper-layer
    /// protocol through its pseudo-header; changing it is a change of the
    /// payload's meaning, which no checksum fix can follow.)
    pub fn set_next_header(&mut self, next_header: IpProtocol) {
        self.buf.as_mut()[f::NEXT_HEADER] = next_header.0;
    }

    /// Sets the hop limit.
    pub fn set_hop_limit(&mut self, hop_limit: u8) {
        self.buf.as_mut()[f::HOP_LIMIT] = hop_limit;
    }

    /// Checks, then decrements, the hop limit as a router does before
    /// forwarding ([RFC 8200 section 3], in the manner of [RFC 1812 section
    /// 5.3.1]).
    ///
    /// A hop limit of 0 or 1 would expire here: the packet is then left
    /// exactly as received and [`Hop::Expired`] returned, so it can be
    /// dropped and quoted unchanged in a Time Exceeded message ([RFC 4443
    /// section 3.3]). Otherwise the hop limit is decremented and
    /// [`Hop::Forward`] carries the new value.
    ///
    /// ```
    /// # use wireview::{Hop, Ipv6Mut};
    /// let mut buf = [0u8; 40];
    /// buf[..8].copy_from_slice(&[0x60, 0, 0, 0, 0, 0, 59, 2]);
    /// let mut ip = Ipv6Mut::new(&mut buf[..])?;
    /// assert_eq!(ip.decrement_hop_limit(), Hop::Forward(1));
    /// assert_eq!(ip.decrement_hop_limit(), Hop::Expired);
    /// assert_eq!(ip.hop_limit(), 1);
    /// # Ok::<(), wireview::Error>(())
    /// ```
    ///
    /// [RFC 8200 section 3]: https://www.rfc-editor.org/rfc/rfc8200#section-3
    /// [RFC 1812 section 5.3.1]: https://www.rfc-editor.org/rfc/rfc1812#section-5.3.1
    /// [RFC 4443 section 3.3]: https://www.rfc-editor.org/rfc/rfc4443#section-3.3
    pub fn decrement_hop_limit(&mut self) -> Hop {
        let hop = Hop::of(self.hop_limit());
        if let Hop::Forward(hop_limit) = hop {
            self.set_hop_limit(hop_limit);
        }
        hop
    }

    /// Sets the source address.
    ///
    /// Returns the change in this packet's pseudo-header sum: apply it to
    /// the TCP, UDP or ICMPv6 checksum (e.g. with
    /// [`Delta::apply`]/[`Delta::apply_udp`]) to keep that valid.
    #[must_use = "apply the returned Delta to the TCP, UDP or ICMPv6 checksum (`apply_delta`), whose pseudo-header holds this address, or it is left wrong"]
    pub fn set_src(&mut self, addr: Ipv6Addr) -> Delta {
        self.set_addr(f::SRC.start, addr)
    }

    /// Sets the destination address. Returns the change in the pseudo-header
    /// sum, as [`set_src`](Self::set_src) does.
    #[must_use = "apply the returned Delta to the TCP, UDP or ICMPv6 checksum (`apply_delta`), whose pseudo-header holds this address, or it is left wrong"]
    pub fn set_dst(&mut self, addr: Ipv6Addr) -> Delta {
        self.set_addr(f::DST.start, addr)
    }

    /// Writes an address and returns the delta of the change. Both addresses
    /// sit at even offsets here and in the pseudo-header, so the delta seen
    /// from this header's start is the pseudo-header's.
    fn set_addr(&mut self, at: usize, addr: Ipv6Addr) -> Delta {
        checksum::replace(self.buf.as_mut(), 0, at, &addr.octets())
    }

    /// The payload, writable (bounded by the payload length).
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = self.end();
        &mut self.buf.as_mut()[HEADER_LEN..end]
    }
}

/// The field values of an IPv6 header, to write a fresh one with
/// [`emit`](Self::emit). The version is derived.
///
/// ```
/// use core::net::Ipv6Addr;
/// use wireview::{IpProtocol, Ipv6, Ipv6Header};
///
/// let hdr = Ipv6Header {
///     flow_label: 0x12345,
///     next_header: IpProtocol::UDP,
///     src: Ipv6Addr::LOCALHOST,
///     dst: Ipv6Addr::LOCALHOST,
///     payload_len: 8,
///     ..Ipv6Header::default()
/// };
/// let mut buf = [0u8; 48];
/// let n = hdr.emit(&mut buf)?;
/// let ip = Ipv6::new(&buf[..])?;
/// assert_eq!((n, ip.flow_label(), ip.hop_limit()), (40, 0x12345, 64));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6Header {
    /// Differentiated services code point.
    pub dscp: Dscp,
    /// ECN codepoint.
    pub ecn: Ecn,
    /// Flow label, 20 bits.
    pub flow_label: u32,
    /// Length of everything after the fixed header, in octets.
    pub payload_len: u16,
    /// The header after this one.
    pub next_header: IpProtocol,
    /// Hop limit.
    pub hop_limit: u8,
    /// Source address.
    pub src: Ipv6Addr,
    /// Destination address.
    pub dst: Ipv6Addr,
}

impl Default for Ipv6Header {
    /// Hop limit 64, next header "no next header" (59), everything else zero.
    fn default() -> Self {
        Ipv6Header {
            dscp: Dscp::CS0,
            ecn: Ecn::NotEct,
            flow_label: 0,
            payload_len: 0,
            next_header: IpProtocol::IPV6_NO_NEXT,
            hop_limit: 64,
            src: Ipv6Addr::UNSPECIFIED,
            dst: Ipv6Addr::UNSPECIFIED,
        }
    }
}

impl Ipv6Header {
    /// Writes the 40-byte header at the start of `buf` and returns its
    /// length.
    ///
    /// # Errors
    /// [`Error::NoRoom`] when `buf` is shorter than 40 bytes,
    /// [`Error::BadValue`] when the flow label does not fit in 20 bits.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        if self.flow_label > MAX_FLOW_LABEL {
            return Err(Error::BadValue {
                layer: Layer::Ipv6,
                field: "flow label",
            });
        }
        if buf.len() < HEADER_LEN {
            return Err(Error::NoRoom {
                layer: Layer::Ipv6,
                needed: HEADER_LEN,
                available: buf.len(),
            });
        }
        let b = &mut buf[..HEADER_LEN];
        let tc = (self.dscp.value() << 2) | self.ecn.value();
        let word = (6 << 28) | (u32::from(tc) << TC_SHIFT) | self.flow_label;
        field::set_u32(b, f::VER_TC_FLOW, word);
        field::set_u16(b, f::PAYLOAD_LEN, self.payload_len);
        b[f::NEXT_HEADER] = self.next_header.0;
        b[f::HOP_LIMIT] = self.hop_limit;
        b[f::SRC].copy_from_slice(&self.src.octets());
        b[f::DST].copy_from_slice(&self.dst.octets());
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    /// An MLDv2 report from tcpdump's test capture `icmpv6.pcap` (packet 2),
    /// Ethernet header removed: fe80::215:17ff:fecc:e546 -> ff02::16, hop
    /// limit 1, a hop-by-hop header with a router alert, ICMPv6 type 143.
    const MLD_REPORT: [u8; 76] = [
        0x60, 0x00, 0x00, 0x00, // version 6, traffic class 0, flow label 0
        0x00, 0x24, 0x00, 0x01, // payload length 36, next header 0 (hop-by-hop), hop limit 1
        0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // source fe80::
        0x02, 0x15, 0x17, 0xff, 0xfe, 0xcc, 0xe5, 0x46, //   215:17ff:fecc:e546
        0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // destination ff02::
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, //   16
        0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01,
        0x00, // hop-by-hop: next 58, router alert 0, PadN
        0x8f, 0x00, 0x1f, 0xc5, 0x00, 0x00, 0x00,
        0x01, // ICMPv6 143, checksum 0x1fc5, 1 record
        0x04, 0x00, 0x00, 0x00, 0xff, 0x02, 0x00, 0x00, // record: change to exclude, ff02::
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0d, 0xb8, //   db8:
        0x11, 0x22, 0x33, 0x44, //                          1122:3344
    ];
    /// Where the ICMPv6 message starts in `MLD_REPORT`, and its length.
    const ICMP_AT: usize = 48;
    const ICMP_LEN: u32 = 28;

    fn icmp_sum(p: &[u8]) -> u16 {
        let ip = Ipv6::new(p).unwrap();
        ip.pseudo_header_sum(IpProtocol::ICMPV6, ICMP_LEN)
            .add_bytes(&p[ICMP_AT..])
            .value()
    }

    #[test]
    fn decrement_hop_limit_leaves_an_expiring_packet_unchanged() {
        // The MLD report arrives with hop limit 1: it expires, as received.
        let mut p = MLD_REPORT;
        let mut ip = Ipv6Mut::new(&mut p[..]).unwrap();
        assert_eq!(ip.decrement_hop_limit(), Hop::Expired);
        assert_eq!(p, MLD_REPORT);
        p[7] = 0;
        let mut ip = Ipv6Mut::new(&mut p[..]).unwrap();
        assert_eq!(ip.decrement_hop_limit(), Hop::Expired);
        assert_eq!(ip.hop_limit(), 0);
        p[7] = 2;
        let mut ip = Ipv6Mut::new(&mut p[..]).unwrap();
        assert_eq!(ip.decrement_hop_limit(), Hop::Forward(1));
        assert_eq!(ip.hop_limit(), 1);
    }

    #[test]
    fn mld_report_fields() {
        let ip = Ipv6::new(&MLD_REPORT[..]).unwrap();
        assert_eq!(ip.version(), 6);
        assert_eq!(ip.header_len(), 40);
        assert_eq!(ip.traffic_class(), 0);
        assert_eq!((ip.dscp(), ip.ecn()), (Dscp::CS0, Ecn::NotEct));
        assert_eq!(ip.flow_label(), 0);
        assert_eq!(ip.payload_len(), 36);
        assert_eq!(ip.next_header(), IpProtocol::HOP_BY_HOP);
        assert_eq!(ip.hop_limit(), 1);
        assert_eq!(
            ip.src(),
            "fe80::215:17ff:fecc:e546".parse::<Ipv6Addr>().unwrap()
        );
        assert_eq!(ip.dst(), "ff02::16".parse::<Ipv6Addr>().unwrap());
        assert_eq!(ip.header(), &MLD_REPORT[..40]);
        assert_eq!(ip.payload(), &MLD_REPORT[40..]);
        assert!(!ip.is_truncated() && !ip.is_jumbogram());
        // The stored ICMPv6 checksum is right with this pseudo-header.
        assert_eq!(icmp_sum(&MLD_REPORT), 0xFFFF);
        let mut exts = ip.ext_headers();
        let hbh = exts.next().unwrap().unwrap();
        assert_eq!((hbh.next_header, hbh.len()), (IpProtocol::ICMPV6, 8));
        assert!(exts.next().is_none());
        assert_eq!(exts.upper_layer(), (IpProtocol::ICMPV6, 8));
    }

    #[test]
    fn every_truncated_length_is_reported_exactly() {
        for len in 0..40 {
            assert_eq!(
                Ipv6::new(&MLD_REPORT[..len]),
                Err(Error::Truncated {
                    layer: Layer::Ipv6,
                    needed: 40,
                    available: len
                })
            );
            assert_eq!(
                Ipv6::new_truncated(&MLD_REPORT[..len]),
                Err(Error::Truncated {
                    layer: Layer::Ipv6,
                    needed: 40,
                    available: len
                })
            );
        }
        for len in 40..MLD_REPORT.len() {
            assert_eq!(
                Ipv6::new(&MLD_REPORT[..len]),
                Err(Error::BadLength {
                    layer: Layer::Ipv6,
                    found: 36,
                    min: 0,
                    max: len - 40
                })
            );
            let ip = Ipv6::new_truncated(&MLD_REPORT[..len]).unwrap();
            assert!(ip.is_truncated());
            assert_eq!(ip.payload(), &MLD_REPORT[40..len]);
            assert_eq!(ip.into_payload().len(), len - 40);
        }
        let ip = Ipv6::new_truncated(&MLD_REPORT[..]).unwrap();
        assert!(!ip.is_truncated());
    }

    #[test]
    fn bad_version() {
        let mut p = MLD_REPORT;
        for v in [0u8, 4, 7, 15] {
            p[0] = v << 4;
            assert_eq!(
                Ipv6::new(&p[..]),
                Err(Error::BadVersion {
                    layer: Layer::Ipv6,
                    found: v
                })
            );
        }
    }

    #[test]
    fn padding_is_not_payload() {
        // A bare header with no next header, padded to Ethernet's 46-byte minimum.
        let mut frame = [0u8; 46];
        Ipv6Header::default().emit(&mut frame).unwrap();
        let ip = Ipv6::new(&frame[..]).unwrap();
        assert_eq!(ip.payload(), &[] as &[u8]);
        assert!(ip.ext_headers().next().is_none());
        let mut ip = Ipv6Mut::new(&mut frame[..]).unwrap();
        ip.set_payload_len(2).unwrap();
        assert_eq!(ip.payload_mut().len(), 2);
        assert_eq!(ip.into_payload().len(), 2);
    }

    /// The IPv6 and hop-by-hop headers of tcpdump's `bigtcp-ipv6-hbh.pcap`, a
    /// Linux BIG TCP jumbogram of 80 040 payload octets (addresses and TCP
    /// header zeroed here), cut to 88 bytes.
    #[test]
    fn jumbogram_payload_runs_to_the_buffer_end() {
        let mut p = [0u8; 88];
        p[..8].copy_from_slice(&[0x60, 0x0a, 0x31, 0xee, 0x00, 0x00, 0x00, 0x40]);
        // hop-by-hop: next header TCP, Jumbo Payload option 0xc2 of 0x000138a8 octets.
        p[40..48].copy_from_slice(&[0x06, 0x00, 0xc2, 0x04, 0x00, 0x01, 0x38, 0xa8]);
        let ip = Ipv6::new(&p[..]).unwrap();
        assert_eq!((ip.payload_len(), ip.flow_label()), (0, 0xa31ee));
        assert!(ip.is_jumbogram() && !ip.is_truncated());
        assert_eq!(ip.payload().len(), 48);
        let mut exts = ip.ext_headers();
        let hbh = exts.next().unwrap().unwrap();
        let jumbo = hbh.options().unwrap().next().unwrap().unwrap();
        assert_eq!(jumbo.kind, crate::ipv6_ext::Ipv6Option::JUMBO_PAYLOAD);
        assert_eq!(jumbo.data, &80_040u32.to_be_bytes());
        assert!(exts.next().is_none());
        assert_eq!(exts.upper_layer(), (IpProtocol::TCP, 8));
        // Payload length 0 without hop-by-hop is an empty payload, not a jumbogram.
        p[6] = 59;
        let ip = Ipv6::new(&p[..]).unwrap();
        assert!(!ip.is_jumbogram());
        assert_eq!(ip.payload().len(), 0);
    }

    #[test]
    fn setters_and_bounds() {
        let mut p = MLD_REPORT;
        let mut ip = Ipv6Mut::new(&mut p[..]).unwrap();
        ip.set_flow_label(0xF_FFFF).unwrap();
        assert_eq!(
            ip.set_flow_label(0x10_0000),
            Err(Error::BadValue {
                layer: Layer::Ipv6,
                field: "flow label"
            })
        );
        ip.set_dscp(Dscp::EF);
        ip.set_ecn(Ecn::Ce);
        assert_eq!(ip.traffic_class(), 0xBB);
        assert_eq!((ip.version(), ip.flow_label()), (6, 0xF_FFFF));
        assert_eq!(&ip.header()[..4], &[0x6B, 0xBF, 0xFF, 0xFF]);
        ip.set_traffic_class(0x01);
        assert_eq!((ip.dscp(), ip.ecn()), (Dscp::CS0, Ecn::Ect1));
        assert_eq!(
            ip.set_payload_len(37),
            Err(Error::BadLength {
                layer: Layer::Ipv6,
                found: 37,
                min: 0,
                max: 36
            })
        );
        ip.set_payload_len(8).unwrap();
        assert_eq!(ip.payload().len(), 8);
        ip.set_next_header(IpProtocol::UDP);
        ip.set_hop_limit(2);
        assert_eq!(ip.decrement_hop_limit(), Hop::Forward(1));
        assert_eq!(ip.decrement_hop_limit(), Hop::Expired);
        assert_eq!(ip.hop_limit(), 1);
        assert_eq!(ip.next_header(), IpProtocol::UDP);
        assert_eq!(ip.as_bytes().len(), 76);
    }

    #[test]
    fn emit_errors() {
        let mut short = [0u8; 39];
        assert_eq!(
            Ipv6Header::default().emit(&mut short),
            Err(Error::NoRoom {
                layer: Layer::Ipv6,
                needed: 40,
                available: 39
            })
        );
        let hdr = Ipv6Header {
            flow_label: 0x10_0000,
            ..Ipv6Header::default()
        };
        assert_eq!(
            hdr.emit(&mut [0u8; 40]),
            Err(Error::BadValue {
                layer: Layer::Ipv6,
                field: "flow label"
            })
        );
        // The real header re-emitted from its fields is byte for byte the same.
        let ip = Ipv6::new(&MLD_REPORT[..]).unwrap();
        let hdr = Ipv6Header {
            dscp: ip.dscp(),
            ecn: ip.ecn(),
            flow_label: ip.flow_label(),
            payload_len: ip.payload_len(),
            next_header: ip.next_header(),
            hop_limit: ip.hop_limit(),
            src: ip.src(),
            dst: ip.dst(),
        };
        let mut out = [0u8; 40];
        assert_eq!(hdr.emit(&mut out), Ok(40));
        assert_eq!(out, MLD_REPORT[..40]);
    }

    #[derive(Debug, Clone)]
    enum Op {
        TrafficClass(u8),
        Dscp(u8),
        Ecn(u8),
        FlowLabel(u32),
        PayloadLen(u16),
        NextHeader(u8),
        HopLimit(u8),
        DecHopLimit,
        Src(u128),
        Dst(u128),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            any::<u8>().prop_map(Op::TrafficClass),
            (0u8..64).prop_map(Op::Dscp),
            (0u8..4).prop_map(Op::Ecn),
            (0u32..0x20_0000).prop_map(Op::FlowLabel),
            (0u16..80).prop_map(Op::PayloadLen),
            any::<u8>().prop_map(Op::NextHeader),
            any::<u8>().prop_map(Op::HopLimit),
            Just(Op::DecHopLimit),
            any::<u128>().prop_map(Op::Src),
            any::<u128>().prop_map(Op::Dst),
        ]
    }

    proptest! {
        /// Every setter changes its field alone, and the deltas of address
        /// changes keep the ICMPv6 checksum equal to a recompute, bit for bit.
        #[test]
        fn setters_change_one_field_and_deltas_keep_the_checksum(
            ops in proptest::collection::vec(op(), 1..20),
        ) {
            let mut p = MLD_REPORT;
            for op in ops {
                let before = p;
                let mut ip = Ipv6Mut::new(&mut p[..]).unwrap();
                let mut delta = Delta::NONE;
                let mut changed: core::ops::Range<usize> = 0..0;
                match op {
                    Op::TrafficClass(v) => { ip.set_traffic_class(v); prop_assert_eq!(ip.traffic_class(), v); changed = 0..2; }
                    Op::Dscp(v) => { ip.set_dscp(Dscp::new(v).unwrap()); prop_assert_eq!(ip.dscp().value(), v); changed = 0..2; }
                    Op::Ecn(v) => { ip.set_ecn(Ecn::from_bits(v)); prop_assert_eq!(ip.ecn().value(), v); changed = 0..2; }
                    Op::FlowLabel(v) => {
                        let r = ip.set_flow_label(v);
                        prop_assert_eq!(r.is_ok(), v <= MAX_FLOW_LABEL);
                        if r.is_ok() { prop_assert_eq!(ip.flow_label(), v); }
                        changed = 1..4;
                    }
                    Op::PayloadLen(v) => {
                        let r = ip.set_payload_len(v);
                        prop_assert_eq!(r.is_ok(), v <= 36);
                        if r.is_ok() && !ip.is_jumbogram() { prop_assert_eq!(ip.payload().len(), usize::from(v)); }
                        changed = 4..6;
                    }
                    Op::NextHeader(v) => { ip.set_next_header(IpProtocol(v)); prop_assert_eq!(ip.next_header().0, v); changed = 6..7; }
                    Op::HopLimit(v) => { ip.set_hop_limit(v); prop_assert_eq!(ip.hop_limit(), v); changed = 7..8; }
                    Op::DecHopLimit => {
                        let old = ip.hop_limit();
                        let hop = ip.decrement_hop_limit();
                        if old <= 1 {
                            prop_assert_eq!((hop, ip.hop_limit()), (Hop::Expired, old));
                        } else {
                            prop_assert_eq!((hop, ip.hop_limit()), (Hop::Forward(old - 1), old - 1));
                        }
                        changed = 7..8;
                    }
                    Op::Src(v) => { delta = ip.set_src(v.into()); prop_assert_eq!(ip.src(), Ipv6Addr::from(v)); changed = 8..24; }
                    Op::Dst(v) => { delta = ip.set_dst(v.into()); prop_assert_eq!(ip.dst(), Ipv6Addr::from(v)); changed = 24..40; }
                }
                prop_assert_eq!(p[0] >> 4, 6);
                for i in (0..40).filter(|i| !changed.contains(i)) {
                    prop_assert_eq!(p[i], before[i], "byte {} changed", i);
                }
                let stored = u16::from_be_bytes([p[ICMP_AT + 2], p[ICMP_AT + 3]]);
                let patched = delta.apply(stored);
                p[ICMP_AT + 2..ICMP_AT + 4].copy_from_slice(&patched.to_be_bytes());
                let mut zeroed = p[ICMP_AT..].to_vec();
                zeroed[2..4].fill(0);
                let ip = Ipv6::new_truncated(&p[..]).unwrap();
                let fresh = ip.pseudo_header_sum(IpProtocol::ICMPV6, ICMP_LEN).add_bytes(&zeroed).checksum();
                prop_assert_eq!(patched, fresh);
            }
        }

        #[test]
        fn emit_then_parse_round_trips(
            dscp in 0u8..64, ecn in 0u8..4, flow in 0u32..=MAX_FLOW_LABEL, payload_len in 0u16..100,
            next: u8, hop: u8, src: u128, dst: u128,
        ) {
            let hdr = Ipv6Header {
                dscp: Dscp::new(dscp).unwrap(), ecn: Ecn::from_bits(ecn), flow_label: flow,
                payload_len, next_header: IpProtocol(next), hop_limit: hop,
                src: src.into(), dst: dst.into(),
            };
            let mut buf: Vec<u8> = std::vec![0xAA; 140];
            prop_assert_eq!(hdr.emit(&mut buf), Ok(40));
            let ip = Ipv6::new(&buf[..]).unwrap();
            prop_assert_eq!((ip.version(), ip.dscp().value(), ip.ecn().value(), ip.flow_label()), (6, dscp, ecn, flow));
            prop_assert_eq!((ip.payload_len(), ip.next_header().0, ip.hop_limit()), (payload_len, next, hop));
            prop_assert_eq!((ip.src(), ip.dst()), (Ipv6Addr::from(src), Ipv6Addr::from(dst)));
            if !ip.is_jumbogram() {
                prop_assert_eq!(ip.payload().len(), usize::from(payload_len));
            }
        }
    }
}
