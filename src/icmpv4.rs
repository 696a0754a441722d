//! ICMP for IPv4 ([RFC 792]).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Type      |     Code      |          Checksum             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                     Rest of Header                            |
//! |  echo: Identifier | Sequence Number                           |
//! |  destination unreachable, code 4: unused | Next-Hop MTU       |
//! |  parameter problem: Pointer | unused                          |
//! |  redirect: Gateway Internet Address                           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Data: echo data, or for an error the invoking IP header and  |
//! |  at least the first 8 octets of its payload ...               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The checksum covers the whole ICMP message and nothing else (no
//! pseudo-header). ICMP has no length field: the message is the buffer
//! given to the view, so **pass the IP payload** (e.g.
//! [`Ipv4::payload`](crate::Ipv4::payload)), not a buffer that goes on to
//! link-layer padding. Every setter keeps the checksum valid with the
//! RFC 1624 update.
//!
//! [RFC 792]: https://www.rfc-editor.org/rfc/rfc792

use core::fmt;
use core::net::Ipv4Addr;

use crate::checksum::{self, Delta, Rule};
use crate::error::{Error, Layer};
use crate::field;

/// Byte offsets of the header's fields.
pub(crate) mod field_at {
    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: usize = 2;
    /// The 32-bit rest of header.
    pub const REST: usize = 4;
    /// Echo identifier, parameter-problem pointer, redirect gateway.
    pub const IDENT: usize = 4;
    /// Echo sequence number, next-hop MTU.
    pub const SEQ: usize = 6;
}
use field_at as f;

/// Length of the ICMP header (type, code, checksum, rest of header), in octets.
pub const HEADER_LEN: usize = 8;

/// An ICMPv4 message type (IANA "ICMP Type Numbers"). Open: any `u8`
/// round-trips, the constants name the common ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Icmpv4Type(pub u8);

impl Icmpv4Type {
    /// Echo reply.
    pub const ECHO_REPLY: Icmpv4Type = Icmpv4Type(0);
    /// Destination unreachable (an error).
    pub const DEST_UNREACHABLE: Icmpv4Type = Icmpv4Type(3);
    /// Source quench (an error, deprecated by [RFC 6633](https://www.rfc-editor.org/rfc/rfc6633)).
    pub const SOURCE_QUENCH: Icmpv4Type = Icmpv4Type(4);
    /// Redirect (an error).
    pub const REDIRECT: Icmpv4Type = Icmpv4Type(5);
    /// Echo request.
    pub const ECHO_REQUEST: Icmpv4Type = Icmpv4Type(8);
    /// Router advertisement ([RFC 1256](https://www.rfc-editor.org/rfc/rfc1256)).
    pub const ROUTER_ADVERTISEMENT: Icmpv4Type = Icmpv4Type(9);
    /// Router solicitation ([RFC 1256](https://www.rfc-editor.org/rfc/rfc1256)).
    pub const ROUTER_SOLICITATION: Icmpv4Type = Icmpv4Type(10);
    /// Time exceeded (an error).
    pub const TIME_EXCEEDED: Icmpv4Type = Icmpv4Type(11);
    /// Parameter problem (an error).
    pub const PARAMETER_PROBLEM: Icmpv4Type = Icmpv4Type(12);
    /// Timestamp request.
    pub const TIMESTAMP: Icmpv4Type = Icmpv4Type(13);
    /// Timestamp reply.
    pub const TIMESTAMP_REPLY: Icmpv4Type = Icmpv4Type(14);

    /// Whether messages of this type report an error and quote the
    /// invoking datagram (destination unreachable, source quench, redirect,
    /// time exceeded, parameter problem).
    pub const fn is_error(self) -> bool {
        matches!(self.0, 3 | 4 | 5 | 11 | 12)
    }
}

impl fmt::Display for Icmpv4Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u8> for Icmpv4Type {
    fn from(v: u8) -> Self {
        Icmpv4Type(v)
    }
}

impl From<Icmpv4Type> for u8 {
    fn from(v: Icmpv4Type) -> Self {
        v.0
    }
}

/// An ICMPv4 code, whose meaning depends on the message type (IANA "ICMP
/// Type Numbers"). Open: any `u8` round-trips (`Icmpv4Code::from(3).0 ==
/// 3`), the constants name the codes of the error types, prefixed by
/// their type where the RFC names would clash. Echo, timestamp and router
/// messages have code 0 ([`Icmpv4Code::default`]).
///
/// ```
/// use wireview::{Icmpv4Code, Icmpv4Header, Icmpv4Type};
///
/// // "Fragmentation needed and DF set" with the next-hop MTU (RFC 1191).
/// let hdr = Icmpv4Header {
///     msg_type: Icmpv4Type::DEST_UNREACHABLE,
///     code: Icmpv4Code::FRAG_NEEDED,
///     rest_of_header: 1400,
/// };
/// assert_eq!(u8::from(hdr.code), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Icmpv4Code(pub u8);

impl Icmpv4Code {
    /// Destination unreachable: net unreachable ([RFC 792]).
    ///
    /// [RFC 792]: https://www.rfc-editor.org/rfc/rfc792
    pub const NET_UNREACHABLE: Icmpv4Code = Icmpv4Code(0);
    /// Destination unreachable: host unreachable.
    pub const HOST_UNREACHABLE: Icmpv4Code = Icmpv4Code(1);
    /// Destination unreachable: protocol unreachable.
    pub const PROTOCOL_UNREACHABLE: Icmpv4Code = Icmpv4Code(2);
    /// Destination unreachable: port unreachable.
    pub const PORT_UNREACHABLE: Icmpv4Code = Icmpv4Code(3);
    /// Destination unreachable: fragmentation needed and DF set; the
    /// message carries the next-hop MTU ([`Icmpv4::mtu`], [RFC 1191]).
    ///
    /// [RFC 1191]: https://www.rfc-editor.org/rfc/rfc1191
    pub const FRAG_NEEDED: Icmpv4Code = Icmpv4Code(4);
    /// Destination unreachable: source route failed.
    pub const SOURCE_ROUTE_FAILED: Icmpv4Code = Icmpv4Code(5);
    /// Destination unreachable: destination network unknown ([RFC 1122]).
    ///
    /// [RFC 1122]: https://www.rfc-editor.org/rfc/rfc1122
    pub const NET_UNKNOWN: Icmpv4Code = Icmpv4Code(6);
    /// Destination unreachable: destination host unknown.
    pub const HOST_UNKNOWN: Icmpv4Code = Icmpv4Code(7);
    /// Destination unreachable: communication with the destination network
    /// administratively prohibited.
    pub const NET_PROHIBITED: Icmpv4Code = Icmpv4Code(9);
    /// Destination unreachable: communication with the destination host
    /// administratively prohibited.
    pub const HOST_PROHIBITED: Icmpv4Code = Icmpv4Code(10);
    /// Destination unreachable: communication administratively prohibited
    /// (a filter; [RFC 1812 section 5.2.7.1]).
    ///
    /// [RFC 1812 section 5.2.7.1]: https://www.rfc-editor.org/rfc/rfc1812#section-5.2.7.1
    pub const ADMIN_PROHIBITED: Icmpv4Code = Icmpv4Code(13);
    /// Redirect: for the network.
    pub const REDIRECT_NET: Icmpv4Code = Icmpv4Code(0);
    /// Redirect: for the host.
    pub const REDIRECT_HOST: Icmpv4Code = Icmpv4Code(1);
    /// Time exceeded: time to live exceeded in transit.
    pub const TTL_EXCEEDED: Icmpv4Code = Icmpv4Code(0);
    /// Time exceeded: fragment reassembly time exceeded.
    pub const REASSEMBLY_TIME_EXCEEDED: Icmpv4Code = Icmpv4Code(1);
    /// Parameter problem: the pointer ([`Icmpv4::pointer`]) gives the
    /// octet in error.
    pub const POINTER_INDICATES_ERROR: Icmpv4Code = Icmpv4Code(0);
    /// Parameter problem: a required option is missing ([RFC 1108]).
    ///
    /// [RFC 1108]: https://www.rfc-editor.org/rfc/rfc1108
    pub const MISSING_OPTION: Icmpv4Code = Icmpv4Code(1);
    /// Parameter problem: bad length.
    pub const BAD_LENGTH: Icmpv4Code = Icmpv4Code(2);
}

impl fmt::Display for Icmpv4Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u8> for Icmpv4Code {
    fn from(v: u8) -> Self {
        Icmpv4Code(v)
    }
}

impl From<Icmpv4Code> for u8 {
    fn from(v: Icmpv4Code) -> Self {
        v.0
    }
}

/// A zero-copy view of an ICMPv4 message.
///
/// Read-only over `&[u8]` ([`Icmpv4Ref`]), writable over `&mut [u8]`
/// ([`Icmpv4Mut`]). [`Icmpv4::new`] checks that the 8-byte header is there;
/// after it no getter or setter can panic. The type-specific getters
/// ([`identifier`](Self::identifier), [`mtu`](Self::mtu),
/// ...) read the rest of header as that type lays it out, whatever the
/// type is.
///
/// ```
/// use wireview::{Icmpv4, Icmpv4Header, Icmpv4Mut, Icmpv4Type};
///
/// let mut buf = [0u8; 12];
/// Icmpv4Header::echo_request(0x4024, 1).emit(&mut buf)?;
/// buf[8..].copy_from_slice(b"ping");
/// let mut icmp = Icmpv4Mut::new(&mut buf[..])?;
/// icmp.fill_checksum();
/// icmp.set_msg_type(Icmpv4Type::ECHO_REPLY);
/// assert!(icmp.verify_checksum());
/// let icmp = Icmpv4::new(&buf[..])?;
/// assert_eq!((icmp.identifier(), icmp.sequence(), icmp.payload()), (0x4024, 1, &b"ping"[..]));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Icmpv4<B> {
    buf: B,
}

/// A read-only ICMPv4 view.
pub type Icmpv4Ref<'a> = Icmpv4<&'a [u8]>;
/// A writable ICMPv4 view whose setters keep the checksum valid.
pub type Icmpv4Mut<'a> = Icmpv4<&'a mut [u8]>;

impl<B: AsRef<[u8]>> Icmpv4<B> {
    /// Checks that `buf` holds the 8-byte ICMP header.
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than 8 bytes.
    pub fn new(buf: B) -> Result<Self, Error> {
        field::need(Layer::Icmpv4, buf.as_ref(), HEADER_LEN)?;
        Ok(Icmpv4 { buf })
    }

    /// Wraps `buf` without any check, to write a fresh message into it (see
    /// [`Icmpv4Header::emit`]). Getters and setters may panic on a buffer
    /// shorter than 8 bytes.
    pub const fn new_unchecked(buf: B) -> Self {
        Icmpv4 { buf }
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
    pub fn msg_type(&self) -> Icmpv4Type {
        Icmpv4Type(self.b()[f::TYPE])
    }

    /// Code, whose meaning depends on the type.
    pub fn code(&self) -> Icmpv4Code {
        Icmpv4Code(self.b()[f::CODE])
    }

    /// The stored checksum.
    pub fn checksum(&self) -> u16 {
        field::u16_at(self.b(), f::CHECKSUM)
    }

    /// The four octets after the checksum, as one big-endian word.
    pub fn rest_of_header(&self) -> u32 {
        field::u32_at(self.b(), f::REST)
    }

    /// Identifier of an echo (or timestamp) request or reply.
    pub fn identifier(&self) -> u16 {
        field::u16_at(self.b(), f::IDENT)
    }

    /// Sequence number of an echo (or timestamp) request or reply.
    pub fn sequence(&self) -> u16 {
        field::u16_at(self.b(), f::SEQ)
    }

    /// The Next-Hop MTU of a destination unreachable with code
    /// [`Icmpv4Code::FRAG_NEEDED`], in octets ([RFC 1191]); 0 from routers
    /// that predate it. Its 16 bits are the low half of the rest of header
    /// ([`Icmpv6::mtu`](crate::Icmpv6::mtu) is the 32-bit MTU of ICMPv6).
    ///
    /// [RFC 1191]: https://www.rfc-editor.org/rfc/rfc1191
    pub fn mtu(&self) -> u16 {
        field::u16_at(self.b(), f::SEQ)
    }

    /// Pointer of a parameter problem: the octet of the quoted datagram
    /// where the problem was found.
    pub fn pointer(&self) -> u8 {
        self.b()[f::IDENT]
    }

    /// Gateway address of a redirect.
    pub fn gateway(&self) -> Ipv4Addr {
        Ipv4Addr::from(field::array4(self.b(), f::REST))
    }

    /// Whether this is an echo request or reply (which carry an identifier
    /// and a sequence number).
    pub fn is_echo(&self) -> bool {
        matches!(
            self.msg_type(),
            Icmpv4Type::ECHO_REQUEST | Icmpv4Type::ECHO_REPLY
        )
    }

    /// Whether the message reports an error (see [`Icmpv4Type::is_error`]).
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

    /// For an error message, the quoted invoking datagram (its IP header
    /// and the start of its payload, to be read with
    /// [`Ipv4::new_truncated`](crate::Ipv4::new_truncated)); empty for
    /// other messages.
    pub fn quoted(&self) -> &[u8] {
        if self.is_error() {
            self.payload()
        } else {
            &[]
        }
    }

    /// Whether the stored checksum is right.
    pub fn verify_checksum(&self) -> bool {
        checksum::internet_checksum(self.b()) == 0
    }
}

impl<'a> Icmpv4<&'a [u8]> {
    /// The payload, borrowed for the buffer's lifetime rather than the view's.
    pub fn into_payload(self) -> &'a [u8] {
        &self.buf[HEADER_LEN..]
    }
}

impl<'a> Icmpv4<&'a mut [u8]> {
    /// The payload, mutably borrowed for the buffer's lifetime. The checksum
    /// does not follow changes made through it.
    pub fn into_payload(self) -> &'a mut [u8] {
        &mut self.buf[HEADER_LEN..]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Icmpv4<B> {
    /// Writes `new` at `at` and patches the checksum; every
    /// checksum-keeping setter goes through here.
    #[inline]
    fn patch(&mut self, at: usize, new: &[u8]) {
        // The delta counts the checksum field's own change too, so it
        // sums to zero: no checksum enclosing this header needs it.
        let _ = checksum::write_patched(self.buf.as_mut(), 0, at, new, f::CHECKSUM, Rule::Icmpv4);
    }

    /// Sets the message type; the checksum follows.
    pub fn set_msg_type(&mut self, msg_type: Icmpv4Type) {
        self.patch(f::TYPE, &[msg_type.0]);
    }

    /// Sets the code; the checksum follows.
    pub fn set_code(&mut self, code: Icmpv4Code) {
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

    /// Sets the Next-Hop MTU ([`mtu`](Self::mtu)), in octets; the checksum
    /// follows.
    pub fn set_mtu(&mut self, mtu: u16) {
        self.patch(f::SEQ, &mtu.to_be_bytes());
    }

    /// Sets the parameter-problem pointer; the checksum follows.
    pub fn set_pointer(&mut self, pointer: u8) {
        self.patch(f::IDENT, &[pointer]);
    }

    /// Stores `checksum` as is (to build or corrupt a message on purpose).
    pub fn set_checksum(&mut self, checksum: u16) {
        field::set_u16(self.buf.as_mut(), f::CHECKSUM, checksum);
    }

    /// Applies a change of the message's bytes made elsewhere (through
    /// [`payload_mut`](Self::payload_mut), e.g. a NAT rewriting the quoted
    /// datagram, seen from the start of the ICMP message) to the stored
    /// checksum.
    pub fn apply_delta(&mut self, delta: Delta) {
        // The checksum's change undoes `delta`, which the caller holds: an
        // enclosing checksum sees no net change from the two together.
        let _ = checksum::apply_at(self.buf.as_mut(), 0, f::CHECKSUM, delta, Rule::Icmpv4);
    }

    /// Computes the checksum over the whole message from scratch and stores it.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let c = checksum::internet_checksum(self.b());
        self.set_checksum(c);
    }

    /// The bytes after the header, writable. The checksum does not follow
    /// changes made through this slice (see [`apply_delta`](Self::apply_delta)).
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buf.as_mut()[HEADER_LEN..]
    }
}

/// The field values of an ICMPv4 header, to write a fresh one with
/// [`emit`](Self::emit). The checksum is written as 0, to be filled once
/// the data is in place ([`Icmpv4::fill_checksum`]).
///
/// ```
/// use wireview::{Icmpv4, Icmpv4Header, Icmpv4Type};
///
/// let mut buf = [0u8; 8];
/// Icmpv4Header::echo_reply(7, 9).emit(&mut buf)?;
/// let icmp = Icmpv4::new(&buf[..])?;
/// assert_eq!((icmp.msg_type(), icmp.identifier(), icmp.sequence()), (Icmpv4Type::ECHO_REPLY, 7, 9));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Icmpv4Header {
    /// Message type.
    pub msg_type: Icmpv4Type,
    /// Code.
    pub code: Icmpv4Code,
    /// The four octets after the checksum.
    pub rest_of_header: u32,
}

impl Icmpv4Header {
    /// An echo request with `identifier` and `sequence`.
    pub const fn echo_request(identifier: u16, sequence: u16) -> Self {
        Icmpv4Header {
            msg_type: Icmpv4Type::ECHO_REQUEST,
            code: Icmpv4Code(0),
            rest_of_header: ((identifier as u32) << 16) | sequence as u32,
        }
    }

    /// An echo reply with `identifier` and `sequence`.
    pub const fn echo_reply(identifier: u16, sequence: u16) -> Self {
        Icmpv4Header {
            msg_type: Icmpv4Type::ECHO_REPLY,
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
                layer: Layer::Icmpv4,
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
    use crate::ipv4::{Ipv4, Ipv4Mut};
    use crate::udp::Udp;
    use proptest::prelude::*;
    use std::vec::Vec;

    /// A real echo request: tcpdump's `tests/dhcp-rfc4388.pcap`, frame 2,
    /// from 10.40.2.3 to 10.30.4.4 (IPv4 header, then ICMP).
    const ECHO: [u8; 48] = [
        0x45, 0x00, 0x00, 0x30, 0x61, 0xb4, 0x40, 0x00, // total length 48, DF
        0x40, 0x01, 0xbe, 0xcc, 0x0a, 0x28, 0x02, 0x03, // TTL 64, ICMP, 10.40.2.3
        0x0a, 0x1e, 0x04, 0x04, // 10.30.4.4
        0x08, 0x00, 0xb7, 0xdb, // echo request, code 0, checksum 0xb7db
        0x40, 0x24, 0x00, 0x00, // identifier 0x4024, sequence 0
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 20 data octets
    ];

    /// A real port unreachable: tcpdump's `tests/afs.pcap`, frame 29, from
    /// 131.151.32.21 to 131.151.1.59, quoting in full the UDP datagram of
    /// [`crate::udp::tests::afs_datagram`]. Built as IPv4 header + ICMP
    /// header + quoted IPv4 header + that datagram.
    fn port_unreachable() -> Vec<u8> {
        let mut p = std::vec![
            0x45, 0xc0, 0x01, 0xd4, 0xe2, 0x53, 0x00, 0x00, // total length 468
            0xff, 0x01, 0xae, 0x96, 0x83, 0x97, 0x20, 0x15, // TTL 255, ICMP, 131.151.32.21
            0x83, 0x97, 0x01, 0x3b, // 131.151.1.59
            0x03, 0x03, 0x27, 0x31, // destination unreachable, port, checksum 0x2731
            0x00, 0x00, 0x00, 0x00, // unused
            0x45, 0x00, 0x01, 0xb8, 0xcb, 0x91, 0x40, 0x00, // quoted: total length 440, DF
            0xfe, 0x11, 0x87, 0x24, 0x83, 0x97, 0x01, 0x3b, // TTL 254, UDP, 131.151.1.59
            0x83, 0x97, 0x20, 0x15, // 131.151.32.21
        ];
        p.extend_from_slice(&crate::udp::tests::afs_datagram().2);
        p
    }

    #[test]
    fn real_echo_request() {
        let ip = Ipv4::new(&ECHO[..]).unwrap();
        assert!(ip.verify_checksum());
        let icmp = Icmpv4::new(ip.payload()).unwrap();
        assert_eq!(
            (icmp.msg_type(), icmp.code()),
            (Icmpv4Type::ECHO_REQUEST, Icmpv4Code(0))
        );
        assert_eq!(icmp.checksum(), 0xb7db);
        assert_eq!((icmp.identifier(), icmp.sequence()), (0x4024, 0));
        assert_eq!(icmp.rest_of_header(), 0x4024_0000);
        assert!(!icmp.is_error());
        assert!(icmp.quoted().is_empty());
        assert_eq!(icmp.payload(), &[0; 20]);
        assert!(icmp.verify_checksum());
        let mut msg = ECHO[20..].to_vec();
        let mut m = Icmpv4Mut::new(&mut msg[..]).unwrap();
        m.fill_checksum();
        assert_eq!(m.checksum(), 0xb7db);
        // Answering: type 8 -> 0 changes the checksum by 0x0800.
        m.set_msg_type(Icmpv4Type::ECHO_REPLY);
        assert_eq!(m.checksum(), 0xbfdb);
        assert!(m.verify_checksum());
    }

    #[test]
    fn real_port_unreachable_quotes_a_udp_datagram() {
        let p = port_unreachable();
        let ip = Ipv4::new(&p[..]).unwrap();
        assert!(ip.verify_checksum());
        let icmp = Icmpv4::new(ip.payload()).unwrap();
        assert_eq!(
            (icmp.msg_type(), icmp.code()),
            (Icmpv4Type::DEST_UNREACHABLE, Icmpv4Code::PORT_UNREACHABLE)
        );
        assert_eq!(icmp.checksum(), 0x2731);
        assert!(icmp.is_error());
        assert!(icmp.verify_checksum());
        let quoted = Ipv4::new_truncated(icmp.quoted()).unwrap();
        assert!(quoted.verify_checksum());
        assert_eq!(quoted.src(), Ipv4Addr::new(131, 151, 1, 59));
        let udp = Udp::new(quoted.payload()).unwrap();
        assert_eq!(
            (udp.src_port(), udp.dst_port(), udp.checksum()),
            (7003, 1792, 0xae1e)
        );
        assert!(udp.verify_checksum_ipv4(quoted.src(), quoted.dst()));

        // A NAT rewriting the quoted source address fixes three checksums
        // with one delta: the quoted IPv4 header, the quoted UDP (through
        // the pseudo-header) and the ICMP message (which covers both).
        let mut p = p;
        let mut icmp = Icmpv4Mut::new(&mut p[20..]).unwrap();
        let inner = icmp.payload_mut();
        let mut q = Ipv4Mut::new_truncated(&mut inner[..]).unwrap();
        let before = Delta::replace_bytes(0, q.header(), &[]);
        let pseudo = q.set_src(Ipv4Addr::new(192, 0, 2, 1));
        let after = Delta::replace_bytes(0, &[], q.header());
        let mut udp = crate::udp::UdpMut::new(&mut inner[20..]).unwrap();
        let udp_before = Delta::replace_bytes(0, udp.header(), &[]);
        udp.apply_delta(pseudo);
        let udp_after = Delta::replace_bytes(0, &[], udp.header());
        // The quoted datagram starts at offset 8 of the ICMP message, its UDP at 28.
        icmp.apply_delta(before + after + udp_before + udp_after);
        assert!(icmp.verify_checksum());
        let quoted = Ipv4::new(icmp.quoted()).unwrap();
        assert!(quoted.verify_checksum());
        assert!(Udp::new(quoted.payload())
            .unwrap()
            .verify_checksum_ipv4(quoted.src(), quoted.dst()));
    }

    #[test]
    fn type_specific_fields() {
        let mut m = [0u8; 8];
        let mut icmp = Icmpv4Mut::new(&mut m[..]).unwrap();
        icmp.set_msg_type(Icmpv4Type::DEST_UNREACHABLE);
        icmp.set_code(Icmpv4Code::FRAG_NEEDED);
        icmp.set_mtu(1400);
        assert_eq!((icmp.mtu(), icmp.rest_of_header()), (1400, 1400));
        icmp.set_msg_type(Icmpv4Type::PARAMETER_PROBLEM);
        icmp.set_rest_of_header(0);
        icmp.set_pointer(9);
        assert_eq!(icmp.pointer(), 9);
        icmp.set_msg_type(Icmpv4Type::REDIRECT);
        icmp.set_rest_of_header(0xc000_0201);
        assert_eq!(icmp.gateway(), Ipv4Addr::new(192, 0, 2, 1));
        for t in 0..=255u8 {
            assert_eq!(Icmpv4Type(t).is_error(), [3, 4, 5, 11, 12].contains(&t));
        }
    }

    #[test]
    fn every_truncated_length_is_reported_exactly() {
        for len in 0..8 {
            assert_eq!(
                Icmpv4::new(&ECHO[20..20 + len]),
                Err(Error::Truncated {
                    layer: Layer::Icmpv4,
                    needed: 8,
                    available: len
                })
            );
        }
        assert!(Icmpv4::new(&ECHO[20..28]).unwrap().payload().is_empty());
        assert_eq!(
            Icmpv4Header::default().emit(&mut [0u8; 7]),
            Err(Error::NoRoom {
                layer: Layer::Icmpv4,
                needed: 8,
                available: 7
            })
        );
    }

    #[derive(Debug, Clone)]
    enum Op {
        Type(u8),
        Code(u8),
        Rest(u32),
        Ident(u16),
        Seq(u16),
        Mtu(u16),
        Pointer(u8),
        Payload(usize, u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            any::<u8>().prop_map(Op::Type),
            any::<u8>().prop_map(Op::Code),
            any::<u32>().prop_map(Op::Rest),
            any::<u16>().prop_map(Op::Ident),
            any::<u16>().prop_map(Op::Seq),
            any::<u16>().prop_map(Op::Mtu),
            any::<u8>().prop_map(Op::Pointer),
            (any::<usize>(), any::<u8>()).prop_map(|(i, v)| Op::Payload(i, v)),
        ]
    }

    proptest! {
        #[test]
        fn every_setter_keeps_the_checksum(
            mut msg in proptest::collection::vec(any::<u8>(), 8..80),
            ops in proptest::collection::vec(op(), 1..20),
        ) {
            // Keep the message from being all zero (a 0 sum has two forms).
            msg[0] |= 1;
            let mut icmp = Icmpv4Mut::new(&mut msg[..]).unwrap();
            icmp.fill_checksum();
            for op in ops {
                match op {
                    Op::Type(v) => icmp.set_msg_type(Icmpv4Type(v | 1)),
                    Op::Code(v) => icmp.set_code(Icmpv4Code(v)),
                    Op::Rest(v) => icmp.set_rest_of_header(v),
                    Op::Ident(v) => icmp.set_identifier(v),
                    Op::Seq(v) => icmp.set_sequence(v),
                    Op::Mtu(v) => icmp.set_mtu(v),
                    Op::Pointer(v) => icmp.set_pointer(v),
                    Op::Payload(i, v) => {
                        let len = icmp.as_bytes().len();
                        let at = 8 + i % (len - 7);
                        if at < len {
                            let old = icmp.as_bytes()[at];
                            icmp.payload_mut()[at - 8] = v;
                            icmp.apply_delta(Delta::replace_bytes(at, &[old], &[v]));
                        }
                    }
                }
                let mut copy = icmp.as_bytes().to_vec();
                copy[2..4].fill(0);
                prop_assert_eq!(icmp.checksum(), checksum::internet_checksum(&copy));
            }
        }
    }
}
