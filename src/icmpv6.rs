//! ICMP for IPv6 ([RFC 4443]), including the Neighbor Discovery types of
//! [RFC 4861].
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Type      |     Code      |          Checksum             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                     Rest of Header                            |
//! |  echo: Identifier | Sequence Number                           |
//! |  packet too big: MTU                                          |
//! |  parameter problem: Pointer                                   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Message body: echo data, NDP fields and options, or for an   |
//! |  error as much of the invoking packet as fits ...             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Unlike ICMPv4, the checksum covers the IPv6 pseudo-header ([RFC 8200
//! section 8.1]: addresses, upper-layer length, next header 58) as well as
//! the message. The upper-layer length is the length of the buffer given
//! to the view, so **pass the message bounded by the IPv6 payload**. Every
//! setter keeps the checksum valid with the RFC 1624 update;
//! [`Icmpv6::apply_delta`] does the same for an address change.
//!
//! [RFC 4443]: https://www.rfc-editor.org/rfc/rfc4443
//! [RFC 4861]: https://www.rfc-editor.org/rfc/rfc4861
//! [RFC 8200 section 8.1]: https://www.rfc-editor.org/rfc/rfc8200#section-8.1

use core::fmt;
use core::net::Ipv6Addr;

use crate::checksum::{self, Delta, Rule, Sum};
use crate::error::{Error, Layer};
use crate::field;
use crate::ip::IpProtocol;

/// Byte offsets of the header's fields.
pub(crate) mod field_at {
    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: usize = 2;
    /// The 32-bit rest of header (MTU, pointer).
    pub const REST: usize = 4;
    /// Echo identifier.
    pub const IDENT: usize = 4;
    /// Echo sequence number.
    pub const SEQ: usize = 6;
}
use field_at as f;

/// Length of the ICMPv6 header (type, code, checksum, rest of header), in octets.
pub const HEADER_LEN: usize = 8;

/// An ICMPv6 message type (IANA "ICMPv6 Parameters"). Open: any `u8`
/// round-trips, the constants name the common ones. Types below 128 are
/// errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Icmpv6Type(pub u8);

impl Icmpv6Type {
    /// Destination unreachable (an error).
    pub const DEST_UNREACHABLE: Icmpv6Type = Icmpv6Type(1);
    /// Packet too big (an error, carries the MTU).
    pub const PACKET_TOO_BIG: Icmpv6Type = Icmpv6Type(2);
    /// Time exceeded (an error).
    pub const TIME_EXCEEDED: Icmpv6Type = Icmpv6Type(3);
    /// Parameter problem (an error, carries a pointer).
    pub const PARAMETER_PROBLEM: Icmpv6Type = Icmpv6Type(4);
    /// Echo request.
    pub const ECHO_REQUEST: Icmpv6Type = Icmpv6Type(128);
    /// Echo reply.
    pub const ECHO_REPLY: Icmpv6Type = Icmpv6Type(129);
    /// Multicast listener query ([RFC 2710](https://www.rfc-editor.org/rfc/rfc2710)).
    pub const MLD_QUERY: Icmpv6Type = Icmpv6Type(130);
    /// Multicast listener report, version 1.
    pub const MLD_REPORT: Icmpv6Type = Icmpv6Type(131);
    /// Multicast listener done.
    pub const MLD_DONE: Icmpv6Type = Icmpv6Type(132);
    /// NDP router solicitation ([RFC 4861]).
    ///
    /// [RFC 4861]: https://www.rfc-editor.org/rfc/rfc4861
    pub const ROUTER_SOLICITATION: Icmpv6Type = Icmpv6Type(133);
    /// NDP router advertisement.
    pub const ROUTER_ADVERTISEMENT: Icmpv6Type = Icmpv6Type(134);
    /// NDP neighbor solicitation.
    pub const NEIGHBOR_SOLICITATION: Icmpv6Type = Icmpv6Type(135);
    /// NDP neighbor advertisement.
    pub const NEIGHBOR_ADVERTISEMENT: Icmpv6Type = Icmpv6Type(136);
    /// NDP redirect.
    pub const REDIRECT: Icmpv6Type = Icmpv6Type(137);
    /// Multicast listener report, version 2 ([RFC 3810](https://www.rfc-editor.org/rfc/rfc3810)).
    pub const MLD_V2_REPORT: Icmpv6Type = Icmpv6Type(143);

    /// Whether messages of this type report an error (types 0..=127) and
    /// quote the invoking packet.
    pub const fn is_error(self) -> bool {
        self.0 < 128
    }
}

impl fmt::Display for Icmpv6Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u8> for Icmpv6Type {
    fn from(v: u8) -> Self {
        Icmpv6Type(v)
    }
}

impl From<Icmpv6Type> for u8 {
    fn from(v: Icmpv6Type) -> Self {
        v.0
    }
}

/// An ICMPv6 code, whose meaning depends on the message type (IANA "ICMPv6
/// Code Fields"). Open: any `u8` round-trips (`Icmpv6Code::from(3).0 ==
/// 3`), the constants name the codes of the error types ([RFC 4443
/// section 3]). Echo, packet too big and Neighbor Discovery messages have
/// code 0 ([`Icmpv6Code::default`]).
///
/// ```
/// use wireview::{Icmpv6Code, Icmpv6Header, Icmpv6Type};
///
/// let hdr = Icmpv6Header {
///     msg_type: Icmpv6Type::TIME_EXCEEDED,
///     code: Icmpv6Code::HOP_LIMIT_EXCEEDED,
///     rest_of_header: 0,
/// };
/// assert_eq!(u8::from(hdr.code), 0);
/// ```
///
/// [RFC 4443 section 3]: https://www.rfc-editor.org/rfc/rfc4443#section-3
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Icmpv6Code(pub u8);

impl Icmpv6Code {
    /// Destination unreachable: no route to destination.
    pub const NO_ROUTE: Icmpv6Code = Icmpv6Code(0);
    /// Destination unreachable: communication with destination
    /// administratively prohibited.
    pub const ADMIN_PROHIBITED: Icmpv6Code = Icmpv6Code(1);
    /// Destination unreachable: beyond scope of source address.
    pub const BEYOND_SCOPE: Icmpv6Code = Icmpv6Code(2);
    /// Destination unreachable: address unreachable.
    pub const ADDRESS_UNREACHABLE: Icmpv6Code = Icmpv6Code(3);
    /// Destination unreachable: port unreachable.
    pub const PORT_UNREACHABLE: Icmpv6Code = Icmpv6Code(4);
    /// Destination unreachable: source address failed ingress/egress
    /// policy.
    pub const SOURCE_POLICY_FAILED: Icmpv6Code = Icmpv6Code(5);
    /// Destination unreachable: reject route to destination.
    pub const REJECT_ROUTE: Icmpv6Code = Icmpv6Code(6);
    /// Time exceeded: hop limit exceeded in transit.
    pub const HOP_LIMIT_EXCEEDED: Icmpv6Code = Icmpv6Code(0);
    /// Time exceeded: fragment reassembly time exceeded.
    pub const REASSEMBLY_TIME_EXCEEDED: Icmpv6Code = Icmpv6Code(1);
    /// Parameter problem: erroneous header field encountered.
    pub const ERRONEOUS_HEADER_FIELD: Icmpv6Code = Icmpv6Code(0);
    /// Parameter problem: unrecognized next header type encountered.
    pub const UNRECOGNIZED_NEXT_HEADER: Icmpv6Code = Icmpv6Code(1);
    /// Parameter problem: unrecognized IPv6 option encountered.
    pub const UNRECOGNIZED_OPTION: Icmpv6Code = Icmpv6Code(2);
    /// Parameter problem: the first fragment has an incomplete header
    /// chain ([RFC 7112](https://www.rfc-editor.org/rfc/rfc7112)).
    pub const INCOMPLETE_HEADER_CHAIN: Icmpv6Code = Icmpv6Code(3);
}

impl fmt::Display for Icmpv6Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u8> for Icmpv6Code {
    fn from(v: u8) -> Self {
        Icmpv6Code(v)
    }
}

impl From<Icmpv6Code> for u8 {
    fn from(v: Icmpv6Code) -> Self {
        v.0
    }
}

/// A zero-copy view of an ICMPv6 message.
///
/// Read-only over `&[u8]` ([`Icmpv6Ref`]), writable over `&mut [u8]`
/// ([`Icmpv6Mut`]). [`Icmpv6::new`] checks that the 8-byte header is there;
/// after it no getter or setter can panic. The type-specific getters read
/// the rest of header as that type lays it out, whatever the type is.
///
/// ```
/// use core::net::Ipv6Addr;
/// use wireview::{Icmpv6, Icmpv6Header, Icmpv6Mut, Icmpv6Type};
///
/// let (src, dst) = (Ipv6Addr::LOCALHOST, "2001:db8::1".parse().unwrap());
/// let mut buf = [0u8; 12];
/// Icmpv6Header::echo_request(1, 2).emit(&mut buf)?;
/// buf[8..].copy_from_slice(b"ping");
/// let mut icmp = Icmpv6Mut::new(&mut buf[..])?;
/// icmp.fill_checksum(src, dst);
/// icmp.set_msg_type(Icmpv6Type::ECHO_REPLY);
/// assert!(icmp.verify_checksum(src, dst));
/// assert_eq!(Icmpv6::new(&buf[..])?.sequence(), 2);
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Icmpv6<B> {
    buf: B,
}

/// A read-only ICMPv6 view.
pub type Icmpv6Ref<'a> = Icmpv6<&'a [u8]>;
/// A writable ICMPv6 view whose setters keep the checksum valid.
pub type Icmpv6Mut<'a> = Icmpv6<&'a mut [u8]>;

impl<B: AsRef<[u8]>> Icmpv6<B> {
    /// Checks that `buf` holds the 8-byte ICMPv6 header.
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than 8 bytes.
    pub fn new(buf: B) -> Result<Self, Error> {
        field::need(Layer::Icmpv6, buf.as_ref(), HEADER_LEN)?;
        Ok(Icmpv6 { buf })
    }

    /// Wraps `buf` without any check, to write a fresh message into it (see
    /// [`Icmpv6Header::emit`]). Getters and setters may panic on a buffer
    /// shorter than 8 bytes.
    pub const fn new_unchecked(buf: B) -> Self {
        Icmpv6 { buf }
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> B {
        self.buf
    }

    /// The whole message.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.as_ref()
    }

    #[inline]
    fn b(&self) -> &[u8] {
        self.buf.as_ref()
    }

    /// Message type.
    pub fn msg_type(&self) -> Icmpv6Type {
        Icmpv6Type(self.b()[f::TYPE])
    }

    /// Code, whose meaning depends on the type.
    pub fn code(&self) -> Icmpv6Code {
        Icmpv6Code(self.b()[f::CODE])
    }

    /// The stored checksum.
    pub fn checksum(&self) -> u16 {
        field::u16_at(self.b(), f::CHECKSUM)
    }

    /// The four octets after the checksum, as one big-endian word.
    pub fn rest_of_header(&self) -> u32 {
        field::u32_at(self.b(), f::REST)
    }

    /// Identifier of an echo request or reply.
    pub fn identifier(&self) -> u16 {
        field::u16_at(self.b(), f::IDENT)
    }

    /// Sequence number of an echo request or reply.
    pub fn sequence(&self) -> u16 {
        field::u16_at(self.b(), f::SEQ)
    }

    /// The MTU of a packet too big message, in octets ([RFC 4443 section
    /// 3.2]); its 32 bits are the whole rest of header
    /// ([`Icmpv4::mtu`](crate::Icmpv4::mtu) is ICMPv4's 16-bit Next-Hop
    /// MTU).
    ///
    /// [RFC 4443 section 3.2]: https://www.rfc-editor.org/rfc/rfc4443#section-3.2
    pub fn mtu(&self) -> u32 {
        self.rest_of_header()
    }

    /// Pointer of a parameter problem: the octet offset in the quoted
    /// packet where the problem was found.
    pub fn pointer(&self) -> u32 {
        self.rest_of_header()
    }

    /// Whether this is an echo request or reply (which carry an identifier
    /// and a sequence number).
    pub fn is_echo(&self) -> bool {
        matches!(
            self.msg_type(),
            Icmpv6Type::ECHO_REQUEST | Icmpv6Type::ECHO_REPLY
        )
    }

    /// Whether the message reports an error (see [`Icmpv6Type::is_error`]).
    pub fn is_error(&self) -> bool {
        self.msg_type().is_error()
    }

    /// Header length, always 8 octets.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// The 8 header bytes.
    pub fn header(&self) -> &[u8] {
        &self.b()[..HEADER_LEN]
    }

    /// The bytes after the 8-byte header.
    pub fn payload(&self) -> &[u8] {
        &self.b()[HEADER_LEN..]
    }

    /// For an error message, the quoted invoking packet (as much of it as
    /// fits, starting with its IPv6 header); empty for other messages.
    pub fn quoted(&self) -> &[u8] {
        if self.is_error() {
            self.payload()
        } else {
            &[]
        }
    }

    /// The one's-complement sum of `pseudo` (a pseudo-header sum) and the
    /// whole message as stored. The checksum is valid when this is 0xFFFF.
    pub fn checksum_sum(&self, pseudo: Sum) -> Sum {
        pseudo.add_bytes(self.b())
    }

    fn pseudo(&self, src: Ipv6Addr, dst: Ipv6Addr) -> Option<Sum> {
        let len = u32::try_from(self.b().len()).ok()?;
        Some(Sum::ipv6_pseudo_header(src, dst, IpProtocol::ICMPV6.0, len))
    }

    /// Whether the checksum is right for a message carried from `src` to `dst`.
    pub fn verify_checksum(&self, src: Ipv6Addr, dst: Ipv6Addr) -> bool {
        self.pseudo(src, dst)
            .is_some_and(|p| self.checksum_sum(p).value() == 0xFFFF)
    }
}

impl<'a> Icmpv6<&'a [u8]> {
    /// The payload, borrowed for the buffer's lifetime rather than the view's.
    pub fn into_payload(self) -> &'a [u8] {
        &self.buf[HEADER_LEN..]
    }
}

impl<'a> Icmpv6<&'a mut [u8]> {
    /// The payload, mutably borrowed for the buffer's lifetime. The checksum
    /// does not follow changes made through it.
    pub fn into_payload(self) -> &'a mut [u8] {
        &mut self.buf[HEADER_LEN..]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Icmpv6<B> {
    /// Writes `new` at `at` and patches the checksum; every
    /// checksum-keeping setter goes through here.
    #[inline]
    fn patch(&mut self, at: usize, new: &[u8]) {
        // The delta counts the checksum field's own change too, so it
        // sums to zero: no checksum enclosing this header needs it.
        let _ = checksum::write_patched(self.buf.as_mut(), 0, at, new, f::CHECKSUM, Rule::Plain);
    }

    /// Sets the message type; the checksum follows.
    pub fn set_msg_type(&mut self, msg_type: Icmpv6Type) {
        self.patch(f::TYPE, &[msg_type.0]);
    }

    /// Sets the code; the checksum follows.
    pub fn set_code(&mut self, code: Icmpv6Code) {
        self.patch(f::CODE, &[code.0]);
    }

    /// Sets the whole rest of header; the checksum follows.
    pub fn set_rest_of_header(&mut self, rest: u32) {
        self.patch(f::REST, &rest.to_be_bytes());
    }

    /// Sets the echo identifier; the checksum follows.
    pub fn set_identifier(&mut self, ident: u16) {
        self.patch(f::IDENT, &ident.to_be_bytes());
    }

    /// Sets the echo sequence number; the checksum follows.
    pub fn set_sequence(&mut self, seq: u16) {
        self.patch(f::SEQ, &seq.to_be_bytes());
    }

    /// Sets the packet-too-big MTU, in octets; the checksum follows.
    pub fn set_mtu(&mut self, mtu: u32) {
        self.set_rest_of_header(mtu);
    }

    /// Sets the parameter-problem pointer; the checksum follows.
    pub fn set_pointer(&mut self, pointer: u32) {
        self.set_rest_of_header(pointer);
    }

    /// Stores `checksum` as is (to build or corrupt a message on purpose).
    pub fn set_checksum(&mut self, checksum: u16) {
        field::set_u16(self.buf.as_mut(), f::CHECKSUM, checksum);
    }

    /// Applies a change outside the header (a pseudo-header address, bytes
    /// written through [`payload_mut`](Self::payload_mut), seen from the
    /// start of the message) to the stored checksum.
    pub fn apply_delta(&mut self, delta: Delta) {
        // The checksum's change undoes `delta`, which the caller holds: an
        // enclosing checksum sees no net change from the two together.
        let _ = checksum::apply_at(self.buf.as_mut(), 0, f::CHECKSUM, delta, Rule::Plain);
    }

    /// Computes the checksum over `pseudo` and the message from scratch and
    /// stores it.
    pub fn fill_checksum_with(&mut self, pseudo: Sum) {
        self.set_checksum(0);
        let c = self.checksum_sum(pseudo).checksum();
        self.set_checksum(c);
    }

    /// Computes and stores the checksum for a message carried from `src`
    /// to `dst`.
    pub fn fill_checksum(&mut self, src: Ipv6Addr, dst: Ipv6Addr) {
        if let Some(pseudo) = self.pseudo(src, dst) {
            self.fill_checksum_with(pseudo);
        }
    }

    /// The bytes after the header, writable. The checksum does not follow
    /// changes made through this slice (see [`apply_delta`](Self::apply_delta)).
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buf.as_mut()[HEADER_LEN..]
    }
}

/// The field values of an ICMPv6 header, to write a fresh one with
/// [`emit`](Self::emit). The checksum is written as 0, to be filled once
/// the body is in place ([`Icmpv6::fill_checksum`]).
///
/// ```
/// use wireview::{Icmpv6, Icmpv6Code, Icmpv6Header, Icmpv6Type};
///
/// let mut buf = [0u8; 8];
/// Icmpv6Header { msg_type: Icmpv6Type::PACKET_TOO_BIG, code: Icmpv6Code(0), rest_of_header: 1280 }
///     .emit(&mut buf)?;
/// assert_eq!(Icmpv6::new(&buf[..])?.mtu(), 1280);
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Icmpv6Header {
    /// Message type.
    pub msg_type: Icmpv6Type,
    /// Code.
    pub code: Icmpv6Code,
    /// The four octets after the checksum.
    pub rest_of_header: u32,
}

impl Icmpv6Header {
    /// An echo request with `identifier` and `sequence`.
    pub const fn echo_request(identifier: u16, sequence: u16) -> Self {
        Icmpv6Header {
            msg_type: Icmpv6Type::ECHO_REQUEST,
            code: Icmpv6Code(0),
            rest_of_header: ((identifier as u32) << 16) | sequence as u32,
        }
    }

    /// An echo reply with `identifier` and `sequence`.
    pub const fn echo_reply(identifier: u16, sequence: u16) -> Self {
        Icmpv6Header {
            msg_type: Icmpv6Type::ECHO_REPLY,
            ..Self::echo_request(identifier, sequence)
        }
    }

    /// Writes the 8-byte header (checksum 0) at the start of `buf` and
    /// returns its length.
    ///
    /// # Errors
    /// [`Error::NoRoom`] when `buf` is shorter than 8 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        if buf.len() < HEADER_LEN {
            return Err(Error::NoRoom {
                layer: Layer::Icmpv6,
                needed: HEADER_LEN,
                available: buf.len(),
            });
        }
        buf[f::TYPE] = self.msg_type.0;
        buf[f::CODE] = self.code.0;
        field::set_u16(buf, f::CHECKSUM, 0);
        field::set_u32(buf, f::REST, self.rest_of_header);
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A real parameter problem: tcpdump's `tests/icmpv6-rfc7112.pcap`,
    /// frame 1, from 2001:630:42:110:2a0:98ff:fe15:ece7 to
    /// 2001:630:42:110:ae1f:6bff:fe46:9eda (the ICMPv6 message only).
    const PARAM_PROBLEM: [u8; 72] = [
        0x04, 0x03, 0x99, 0x4c, // parameter problem, code 3 (RFC 7112), checksum 0x994c
        0x00, 0x00, 0x00, 0x30, // pointer 48
        // Quoted: IPv6, payload length 24, next header fragment (44), hop limit 64.
        0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x2c, 0x40, //
        0x20, 0x01, 0x06, 0x30, 0x00, 0x42, 0x01, 0x10, // source
        0xae, 0x1f, 0x6b, 0xff, 0xfe, 0x46, 0x9e, 0xda, //
        0x20, 0x01, 0x06, 0x30, 0x00, 0x42, 0x01, 0x10, // destination
        0x02, 0xa0, 0x98, 0xff, 0xfe, 0x15, 0xec, 0xe7, //
        0x29, 0x00, 0x00, 0x01, 0x00, 0x00, 0xd6, 0xb1, // fragment header, next header 41
        0x62, 0x27, 0x60, 0x5c, 0x78, 0x30, 0x30, 0x5c, // start of the fragment
        0x78, 0x30, 0x30, 0x5c, 0x78, 0x30, 0x30, 0x5c, //
    ];

    fn pp_addrs() -> (Ipv6Addr, Ipv6Addr) {
        (
            "2001:630:42:110:2a0:98ff:fe15:ece7".parse().unwrap(),
            "2001:630:42:110:ae1f:6bff:fe46:9eda".parse().unwrap(),
        )
    }

    /// A real neighbor solicitation for duplicate address detection:
    /// tcpdump's `tests/dcb_ets.pcap`, frame 8, from :: to ff02::1:ff46:e884.
    const NS: [u8; 24] = [
        0x87, 0x00, 0x7a, 0x91, // neighbor solicitation, code 0, checksum 0x7a91
        0x00, 0x00, 0x00, 0x00, // reserved
        0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // target fe80::a00:27ff:fe46:e884
        0x0a, 0x00, 0x27, 0xff, 0xfe, 0x46, 0xe8, 0x84,
    ];

    #[test]
    fn real_parameter_problem() {
        let (src, dst) = pp_addrs();
        let icmp = Icmpv6::new(&PARAM_PROBLEM[..]).unwrap();
        assert_eq!(
            (icmp.msg_type(), icmp.code()),
            (
                Icmpv6Type::PARAMETER_PROBLEM,
                Icmpv6Code::INCOMPLETE_HEADER_CHAIN
            )
        );
        assert_eq!((icmp.checksum(), icmp.pointer()), (0x994c, 48));
        assert!(icmp.is_error());
        assert_eq!(icmp.quoted().len(), 64);
        assert_eq!(icmp.quoted()[0] >> 4, 6);
        assert!(icmp.verify_checksum(src, dst));
        assert!(!icmp.verify_checksum(dst, dst));
        let mut m = PARAM_PROBLEM;
        let mut icmp = Icmpv6Mut::new(&mut m[..]).unwrap();
        icmp.fill_checksum(src, dst);
        assert_eq!(icmp.checksum(), 0x994c);
    }

    #[test]
    fn real_neighbor_solicitation() {
        let src = Ipv6Addr::UNSPECIFIED;
        let dst: Ipv6Addr = "ff02::1:ff46:e884".parse().unwrap();
        let icmp = Icmpv6::new(&NS[..]).unwrap();
        assert_eq!(icmp.msg_type(), Icmpv6Type::NEIGHBOR_SOLICITATION);
        assert!(!icmp.is_error());
        assert!(icmp.quoted().is_empty());
        assert!(icmp.verify_checksum(src, dst));
        // Rewriting the destination is a pseudo-header change.
        let new_dst: Ipv6Addr = "ff02::1:ff00:1".parse().unwrap();
        let mut m = NS;
        let mut icmp = Icmpv6Mut::new(&mut m[..]).unwrap();
        icmp.apply_delta(Delta::replace_bytes(0, &dst.octets(), &new_dst.octets()));
        assert!(icmp.verify_checksum(src, new_dst));
    }

    #[test]
    fn every_truncated_length_is_reported_exactly() {
        for len in 0..8 {
            assert_eq!(
                Icmpv6::new(&NS[..len]),
                Err(Error::Truncated {
                    layer: Layer::Icmpv6,
                    needed: 8,
                    available: len
                })
            );
        }
        assert_eq!(
            Icmpv6Header::default().emit(&mut [0u8; 7]),
            Err(Error::NoRoom {
                layer: Layer::Icmpv6,
                needed: 8,
                available: 7
            })
        );
        for t in 0..=255u8 {
            assert_eq!(Icmpv6Type(t).is_error(), t < 128);
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Type(u8),
        Code(u8),
        Ident(u16),
        Seq(u16),
        Mtu(u32),
        Pointer(u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            any::<u8>().prop_map(Op::Type),
            any::<u8>().prop_map(Op::Code),
            any::<u16>().prop_map(Op::Ident),
            any::<u16>().prop_map(Op::Seq),
            any::<u32>().prop_map(Op::Mtu),
            any::<u32>().prop_map(Op::Pointer),
        ]
    }

    proptest! {
        #[test]
        fn every_setter_keeps_the_checksum(
            mut msg in proptest::collection::vec(any::<u8>(), 8..80),
            src: u128, dst: u128, new_src: u128,
            ops in proptest::collection::vec(op(), 1..20),
        ) {
            let (src, dst, new_src) = (Ipv6Addr::from(src), Ipv6Addr::from(dst), Ipv6Addr::from(new_src));
            let mut icmp = Icmpv6Mut::new(&mut msg[..]).unwrap();
            icmp.fill_checksum(src, dst);
            for op in ops {
                match op {
                    Op::Type(v) => icmp.set_msg_type(Icmpv6Type(v)),
                    Op::Code(v) => icmp.set_code(Icmpv6Code(v)),
                    Op::Ident(v) => icmp.set_identifier(v),
                    Op::Seq(v) => icmp.set_sequence(v),
                    Op::Mtu(v) => icmp.set_mtu(v),
                    Op::Pointer(v) => icmp.set_pointer(v),
                }
                let mut copy = *icmp.header().first_chunk::<8>().unwrap();
                copy[2..4].fill(0);
                let expected = Sum::ipv6_pseudo_header(src, dst, 58, icmp.as_bytes().len() as u32)
                    .add_bytes(&copy)
                    .add_bytes(icmp.payload())
                    .checksum();
                prop_assert_eq!(icmp.checksum(), expected);
            }
            // An address change, then a recompute with the new address.
            icmp.apply_delta(Delta::replace_bytes(0, &src.octets(), &new_src.octets()));
            let kept = icmp.checksum();
            icmp.fill_checksum(new_src, dst);
            prop_assert_eq!(kept, icmp.checksum());
        }
    }
}
