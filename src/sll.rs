//! Capture link-layer headers that are not on any wire: the Linux cooked
//! capture headers ([LINKTYPE_LINUX_SLL], [LINKTYPE_LINUX_SLL2]) that
//! `tcpdump -i any` writes, and the BSD loopback header ([LINKTYPE_NULL]).
//!
//! Linux cooked capture v1 (SLL, link type 113), 16 bytes, big-endian:
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          Packet type          |         ARPHRD_ type          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Link-layer address length    |                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//! |        Link-layer address (8 bytes, zero-padded)              |
//! +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                               |         Protocol type         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Linux cooked capture v2 (SLL2, link type 276), 20 bytes, big-endian:
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Protocol type         |       Reserved (MBZ)          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                        Interface index                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          ARPHRD_ type         |  Packet type  | Address length|
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |        Link-layer address (8 bytes, zero-padded)              |
//! +                                                               +
//! |                                                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! In both the protocol type is usually an EtherType (0x0800 IPv4,
//! 0x86DD IPv6, 0x8100 a VLAN tag, ...) of the packet that follows the
//! header; for some ARPHRD_ types it means something else (1 is Novell
//! 802.3 without an 802.2 header, 4 an 802.2 LLC frame; on a netlink
//! socket it is the netlink protocol), as the LINKTYPE pages list.
//!
//! BSD loopback (link type 0), 4 bytes: the address family of the packet
//! as a 32-bit integer **in the byte order of the host that captured it**.
//! 2 (`AF_INET`) is IPv4 everywhere; IPv6 is 24, 28 or 30 (NetBSD/OpenBSD,
//! FreeBSD/DragonFly, Darwin). [`Loopback::family`] tells the byte order
//! from the value.
//!
//! None of these headers is covered by a checksum, so the setters return
//! nothing.
//!
//! [LINKTYPE_LINUX_SLL]: https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html
//! [LINKTYPE_LINUX_SLL2]: https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html
//! [LINKTYPE_NULL]: https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html

use crate::error::{Error, Layer};
use crate::ethernet::EtherType;
use crate::field::{self, Field};

/// Byte offsets of the SLL (v1) header's fields.
mod v1 {
    use super::Field;
    pub const PACKET_TYPE: usize = 0;
    pub const HATYPE: usize = 2;
    pub const HALEN: usize = 4;
    pub const ADDR: Field = 6..14;
    pub const PROTOCOL: usize = 14;
}

/// Byte offsets of the SLL2 header's fields.
mod v2 {
    use super::Field;
    pub const PROTOCOL: usize = 0;
    pub const RESERVED: usize = 2;
    pub const IF_INDEX: usize = 4;
    pub const HATYPE: usize = 8;
    pub const PACKET_TYPE: usize = 10;
    pub const HALEN: usize = 11;
    pub const ADDR: Field = 12..20;
}

/// Length of a Linux cooked capture v1 header, in octets.
pub const SLL_HEADER_LEN: usize = 16;
/// Length of a Linux cooked capture v2 header, in octets.
pub const SLL2_HEADER_LEN: usize = 20;
/// Length of a BSD loopback header, in octets.
pub const LOOPBACK_HEADER_LEN: usize = 4;

/// The pcap link type of Linux cooked capture v1.
pub const LINKTYPE_LINUX_SLL: u32 = 113;
/// The pcap link type of Linux cooked capture v2.
pub const LINKTYPE_LINUX_SLL2: u32 = 276;
/// The pcap link type of BSD loopback (`DLT_NULL`).
pub const LINKTYPE_NULL: u32 = 0;

/// Which way a packet went, from the capturing host's point of view (the
/// kernel's `PACKET_*` values). Open: other values round-trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PacketType(pub u16);

impl PacketType {
    /// Sent to this host.
    pub const HOST: PacketType = PacketType(0);
    /// Broadcast by somebody else.
    pub const BROADCAST: PacketType = PacketType(1);
    /// Multicast by somebody else.
    pub const MULTICAST: PacketType = PacketType(2);
    /// Sent by somebody else to somebody else.
    pub const OTHERHOST: PacketType = PacketType(3);
    /// Sent by this host.
    pub const OUTGOING: PacketType = PacketType(4);
}

/// The Linux `ARPHRD_` device type of the interface. Open: other values
/// round-trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ArpHrd(pub u16);

impl ArpHrd {
    /// Ethernet (and Wi-Fi seen as Ethernet).
    pub const ETHER: ArpHrd = ArpHrd(1);
    /// PPP.
    pub const PPP: ArpHrd = ArpHrd(512);
    /// The loopback device.
    pub const LOOPBACK: ArpHrd = ArpHrd(772);
    /// A GRE tunnel device.
    pub const IPGRE: ArpHrd = ArpHrd(778);
    /// A netlink socket.
    pub const NETLINK: ArpHrd = ArpHrd(824);
    /// No link-layer header (tun devices, WireGuard).
    pub const NONE: ArpHrd = ArpHrd(0xFFFE);
}

/// A zero-copy view of a Linux cooked capture v1 header and the packet
/// after it.
///
/// Read-only over `&[u8]` ([`SllRef`]), writable over `&mut [u8]`
/// ([`SllMut`]). [`Sll::new`] checks that the 16-byte header is there;
/// after it no getter or setter can panic.
///
/// ```
/// use wireview::sll::{ArpHrd, PacketType, Sll};
/// use wireview::EtherType;
///
/// // From tcpdump's tcp-handshake-nano.pcap: an outgoing PPP packet carrying IPv4.
/// let buf = [0x00, 0x04, 0x02, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00, 0x45];
/// let sll = Sll::new(&buf[..])?;
/// assert_eq!(sll.packet_type(), PacketType::OUTGOING);
/// assert_eq!(sll.hatype(), ArpHrd::PPP);
/// assert_eq!(sll.protocol(), EtherType::IPV4);
/// assert_eq!(sll.payload(), &[0x45]);
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sll<B> {
    buf: B,
}

/// A read-only SLL view.
pub type SllRef<'a> = Sll<&'a [u8]>;
/// A writable SLL view.
pub type SllMut<'a> = Sll<&'a mut [u8]>;

impl<B: AsRef<[u8]>> Sll<B> {
    /// Checks that `buf` holds a whole 16-byte header. The fields are not
    /// checked: any value is readable (an address length above 8 reads as
    /// the 8 bytes the header has room for).
    ///
    /// # Errors
    /// [`Error::Truncated`] at [`Layer::Sll`] when the buffer is shorter
    /// than 16 bytes.
    pub fn new(buf: B) -> Result<Self, Error> {
        field::need(Layer::Sll, buf.as_ref(), SLL_HEADER_LEN)?;
        Ok(Sll { buf })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> B {
        self.buf
    }

    #[inline]
    fn b(&self) -> &[u8] {
        self.buf.as_ref()
    }

    /// Header length, always 16 octets.
    pub fn header_len(&self) -> usize {
        SLL_HEADER_LEN
    }

    /// Which way the packet went.
    pub fn packet_type(&self) -> PacketType {
        PacketType(field::u16_at(self.b(), v1::PACKET_TYPE))
    }

    /// The device type of the interface.
    pub fn hatype(&self) -> ArpHrd {
        ArpHrd(field::u16_at(self.b(), v1::HATYPE))
    }

    /// The link-layer address length field, in octets (may exceed 8).
    pub fn addr_len(&self) -> u16 {
        field::u16_at(self.b(), v1::HALEN)
    }

    /// The link-layer source address: the first `addr_len` (at most 8)
    /// bytes of the address field.
    pub fn addr(&self) -> &[u8] {
        let n = usize::from(self.addr_len()).min(v1::ADDR.len());
        &self.b()[v1::ADDR.start..v1::ADDR.start + n]
    }

    /// The protocol type: usually the EtherType of what follows.
    pub fn protocol(&self) -> EtherType {
        EtherType(field::u16_at(self.b(), v1::PROTOCOL))
    }

    /// The packet after the header.
    pub fn payload(&self) -> &[u8] {
        &self.b()[SLL_HEADER_LEN..]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Sll<B> {
    /// Sets the packet type.
    pub fn set_packet_type(&mut self, t: PacketType) {
        field::set_u16(self.buf.as_mut(), v1::PACKET_TYPE, t.0);
    }

    /// Sets the protocol type.
    pub fn set_protocol(&mut self, p: EtherType) {
        field::set_u16(self.buf.as_mut(), v1::PROTOCOL, p.0);
    }

    /// The packet after the header, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buf.as_mut()[SLL_HEADER_LEN..]
    }
}

/// A zero-copy view of a Linux cooked capture v2 header and the packet
/// after it.
///
/// Read-only over `&[u8]` ([`Sll2Ref`]), writable over `&mut [u8]`
/// ([`Sll2Mut`]). [`Sll2::new`] checks that the 20-byte header is there;
/// after it no getter or setter can panic.
///
/// ```
/// use wireview::sll::{ArpHrd, PacketType, Sll2};
/// use wireview::EtherType;
///
/// // IPv6 received on interface 3, an Ethernet device, from 00:06:06:d8:ef:e1.
/// let buf = [
///     0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0x00, 0x01, 0x00, 0x06,
///     0x00, 0x06, 0x06, 0xd8, 0xef, 0xe1, 0, 0, 0x60,
/// ];
/// let sll = Sll2::new(&buf[..])?;
/// assert_eq!((sll.protocol(), sll.if_index()), (EtherType::IPV6, 3));
/// assert_eq!((sll.hatype(), sll.packet_type()), (ArpHrd::ETHER, PacketType::HOST));
/// assert_eq!(sll.addr(), &[0x00, 0x06, 0x06, 0xd8, 0xef, 0xe1]);
/// assert_eq!(sll.payload(), &[0x60]);
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sll2<B> {
    buf: B,
}

/// A read-only SLL2 view.
pub type Sll2Ref<'a> = Sll2<&'a [u8]>;
/// A writable SLL2 view.
pub type Sll2Mut<'a> = Sll2<&'a mut [u8]>;

impl<B: AsRef<[u8]>> Sll2<B> {
    /// Checks that `buf` holds a whole 20-byte header. The fields are not
    /// checked (the reserved field is readable, whatever it holds).
    ///
    /// # Errors
    /// [`Error::Truncated`] at [`Layer::Sll`] when the buffer is shorter
    /// than 20 bytes.
    pub fn new(buf: B) -> Result<Self, Error> {
        field::need(Layer::Sll, buf.as_ref(), SLL2_HEADER_LEN)?;
        Ok(Sll2 { buf })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> B {
        self.buf
    }

    #[inline]
    fn b(&self) -> &[u8] {
        self.buf.as_ref()
    }

    /// Header length, always 20 octets.
    pub fn header_len(&self) -> usize {
        SLL2_HEADER_LEN
    }

    /// The protocol type: usually the EtherType of what follows.
    pub fn protocol(&self) -> EtherType {
        EtherType(field::u16_at(self.b(), v2::PROTOCOL))
    }

    /// The reserved field (zero when written by libpcap).
    pub fn reserved(&self) -> u16 {
        field::u16_at(self.b(), v2::RESERVED)
    }

    /// The index of the interface the packet was captured on.
    pub fn if_index(&self) -> u32 {
        field::u32_at(self.b(), v2::IF_INDEX)
    }

    /// The device type of the interface.
    pub fn hatype(&self) -> ArpHrd {
        ArpHrd(field::u16_at(self.b(), v2::HATYPE))
    }

    /// Which way the packet went (an octet here; widened to the v1 type).
    pub fn packet_type(&self) -> PacketType {
        PacketType(self.b()[v2::PACKET_TYPE].into())
    }

    /// The link-layer address length field, in octets (may exceed 8).
    pub fn addr_len(&self) -> u8 {
        self.b()[v2::HALEN]
    }

    /// The link-layer source address: the first `addr_len` (at most 8)
    /// bytes of the address field.
    pub fn addr(&self) -> &[u8] {
        let n = usize::from(self.addr_len()).min(v2::ADDR.len());
        &self.b()[v2::ADDR.start..v2::ADDR.start + n]
    }

    /// The packet after the header.
    pub fn payload(&self) -> &[u8] {
        &self.b()[SLL2_HEADER_LEN..]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Sll2<B> {
    /// Sets the protocol type.
    pub fn set_protocol(&mut self, p: EtherType) {
        field::set_u16(self.buf.as_mut(), v2::PROTOCOL, p.0);
    }

    /// Sets the interface index.
    pub fn set_if_index(&mut self, index: u32) {
        field::set_u32(self.buf.as_mut(), v2::IF_INDEX, index);
    }

    /// The packet after the header, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buf.as_mut()[SLL2_HEADER_LEN..]
    }
}

/// A zero-copy view of a BSD loopback header and the packet after it.
///
/// Read-only over `&[u8]` ([`LoopbackRef`]), writable over `&mut [u8]`
/// ([`LoopbackMut`]). [`Loopback::new`] checks that the 4-byte header is
/// there; after it no getter or setter can panic.
///
/// ```
/// use wireview::sll::Loopback;
///
/// // From tcpdump's icmpv6-RFC2894-RR.pcap: family 28 (IPv6 on FreeBSD),
/// // written little-endian by the capturing host.
/// let buf = [0x1c, 0x00, 0x00, 0x00, 0x60];
/// let lo = Loopback::new(&buf[..])?;
/// assert_eq!((lo.family(), lo.ip_version()), (28, Some(6)));
/// // The same family from a big-endian host.
/// let lo = Loopback::new(&[0x00, 0x00, 0x00, 0x1c][..])?;
/// assert_eq!((lo.family(), lo.ip_version()), (28, Some(6)));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Loopback<B> {
    buf: B,
}

/// A read-only loopback view.
pub type LoopbackRef<'a> = Loopback<&'a [u8]>;
/// A writable loopback view.
pub type LoopbackMut<'a> = Loopback<&'a mut [u8]>;

/// The IP version a BSD address family stands for, if it is one of the
/// known ones: 2 is IPv4; 24, 28 and 30 are IPv6.
const fn family_ip_version(family: u32) -> Option<u8> {
    match family {
        2 => Some(4),
        24 | 28 | 30 => Some(6),
        _ => None,
    }
}

impl<B: AsRef<[u8]>> Loopback<B> {
    /// Checks that `buf` holds a whole 4-byte header. The family is not
    /// checked.
    ///
    /// # Errors
    /// [`Error::Truncated`] at [`Layer::Loopback`] when the buffer is
    /// shorter than 4 bytes.
    pub fn new(buf: B) -> Result<Self, Error> {
        field::need(Layer::Loopback, buf.as_ref(), LOOPBACK_HEADER_LEN)?;
        Ok(Loopback { buf })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> B {
        self.buf
    }

    #[inline]
    fn raw(&self) -> [u8; 4] {
        field::array4(self.buf.as_ref(), 0)
    }

    /// Header length, always 4 octets.
    pub fn header_len(&self) -> usize {
        LOOPBACK_HEADER_LEN
    }

    /// Whether the family field reads as a known family (2, 24, 28, 30)
    /// only in big-endian order, i.e. the capturing host was big-endian.
    pub fn is_big_endian(&self) -> bool {
        let raw = self.raw();
        family_ip_version(u32::from_le_bytes(raw)).is_none()
            && family_ip_version(u32::from_be_bytes(raw)).is_some()
    }

    /// The address family, read in the byte order that gives a known family
    /// (little-endian when both or neither do).
    pub fn family(&self) -> u32 {
        let raw = self.raw();
        if self.is_big_endian() {
            u32::from_be_bytes(raw)
        } else {
            u32::from_le_bytes(raw)
        }
    }

    /// 4 or 6 when [`family`](Self::family) is IPv4 (2) or IPv6 (24, 28,
    /// 30), else `None`.
    pub fn ip_version(&self) -> Option<u8> {
        family_ip_version(self.family())
    }

    /// The packet after the header.
    pub fn payload(&self) -> &[u8] {
        &self.buf.as_ref()[LOOPBACK_HEADER_LEN..]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Loopback<B> {
    /// Sets the family, in the byte order the header already has (see
    /// [`is_big_endian`](Loopback::is_big_endian)).
    pub fn set_family(&mut self, family: u32) {
        let bytes = if self.is_big_endian() {
            family.to_be_bytes()
        } else {
            family.to_le_bytes()
        };
        self.buf.as_mut()[..LOOPBACK_HEADER_LEN].copy_from_slice(&bytes);
    }

    /// The packet after the header, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buf.as_mut()[LOOPBACK_HEADER_LEN..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first packet of tcpdump's `tcp-handshake-nano.pcap` (link type
    /// 113): an outgoing TCP SYN on a PPP interface.
    const SLL_PPP_SYN: [u8; 20] = [
        0x00, 0x04, // packet type 4: outgoing
        0x02, 0x00, // ARPHRD_PPP (512)
        0x00, 0x00, // address length 0
        0, 0, 0, 0, 0, 0, 0, 0, // no address
        0x08, 0x00, // IPv4
        0x45, 0x00, 0x00, 0x3c, // the IPv4 header begins
    ];

    /// The first packet of `mptcp-aa-echo.pcap`: outgoing on an Ethernet
    /// device whose 6-byte address is 06:06:d8:ef:e1:38.
    const SLL_ETHER: [u8; 17] = [
        0x00, 0x04, // outgoing
        0x00, 0x01, // ARPHRD_ETHER
        0x00, 0x06, // 6-byte address
        0x06, 0xd8, 0xef, 0xe1, 0x38, 0x28, 0x00, 0x00, // address, padded
        0x08, 0x00, // IPv4
        0x45,
    ];

    #[test]
    fn sll_v1_from_tcpdump_captures() {
        let s = Sll::new(&SLL_PPP_SYN[..]).unwrap();
        assert_eq!(s.packet_type(), PacketType::OUTGOING);
        assert_eq!(s.hatype(), ArpHrd::PPP);
        assert_eq!((s.addr_len(), s.addr()), (0, &[][..]));
        assert_eq!(s.protocol(), EtherType::IPV4);
        assert_eq!(s.header_len(), 16);
        assert_eq!(s.payload(), &SLL_PPP_SYN[16..]);
        let s = Sll::new(&SLL_ETHER[..]).unwrap();
        assert_eq!(s.hatype(), ArpHrd::ETHER);
        assert_eq!(s.addr(), &[0x06, 0xd8, 0xef, 0xe1, 0x38, 0x28]);
        assert_eq!(s.payload(), &[0x45]);
    }

    #[test]
    fn sll_address_length_beyond_8_reads_8_bytes() {
        // tcpdump's tftp-heapoverflow.pcap: every field 0x3030.
        let mut p = [0x30u8; 16];
        p[14..].copy_from_slice(&[0x08, 0x00]);
        let s = Sll::new(&p[..]).unwrap();
        assert_eq!(s.addr_len(), 0x3030);
        assert_eq!(s.addr(), &[0x30; 8]);
        let mut q = [0u8; 20];
        q[11] = 200;
        assert_eq!(Sll2::new(&q[..]).unwrap().addr().len(), 8);
    }

    /// SLL2 carries the same fields as v1 in another order, plus the
    /// interface index. No SLL2 capture is in the shared corpus: this is
    /// `SLL_ETHER` as libpcap 1.10 would write it on interface 2.
    const SLL2_ETHER: [u8; 21] = [
        0x08, 0x00, // IPv4
        0x00, 0x00, // reserved
        0x00, 0x00, 0x00, 0x02, // interface index 2
        0x00, 0x01, // ARPHRD_ETHER
        0x04, // outgoing
        0x06, // 6-byte address
        0x06, 0xd8, 0xef, 0xe1, 0x38, 0x28, 0x00, 0x00, // address, padded
        0x45,
    ];

    #[test]
    fn sll2_fields_match_the_v1_header() {
        let v1 = Sll::new(&SLL_ETHER[..]).unwrap();
        let v2 = Sll2::new(&SLL2_ETHER[..]).unwrap();
        assert_eq!(v2.protocol(), v1.protocol());
        assert_eq!(v2.hatype(), v1.hatype());
        assert_eq!(v2.packet_type(), v1.packet_type());
        assert_eq!(v2.addr(), v1.addr());
        assert_eq!(v2.payload(), v1.payload());
        assert_eq!((v2.if_index(), v2.reserved(), v2.header_len()), (2, 0, 20));
    }

    #[test]
    fn every_truncated_length_is_reported_exactly() {
        for len in 0..16 {
            assert_eq!(
                Sll::new(&SLL_PPP_SYN[..len]),
                Err(Error::Truncated {
                    layer: Layer::Sll,
                    needed: 16,
                    available: len
                })
            );
        }
        for len in 0..20 {
            assert_eq!(
                Sll2::new(&SLL2_ETHER[..len]),
                Err(Error::Truncated {
                    layer: Layer::Sll,
                    needed: 20,
                    available: len
                })
            );
        }
        for len in 0..4 {
            assert_eq!(
                Loopback::new(&[2u8, 0, 0, 0][..len]),
                Err(Error::Truncated {
                    layer: Layer::Loopback,
                    needed: 4,
                    available: len
                })
            );
        }
        assert!(Sll::new(&SLL_PPP_SYN[..16]).unwrap().payload().is_empty());
    }

    #[test]
    fn setters_write_their_field_only() {
        let mut p = SLL_ETHER;
        let mut s = SllMut::new(&mut p[..]).unwrap();
        s.set_protocol(EtherType::IPV6);
        s.set_packet_type(PacketType::HOST);
        s.payload_mut()[0] = 0x60;
        assert_eq!(&p[..2], &[0, 0]);
        assert_eq!(&p[2..14], &SLL_ETHER[2..14]);
        assert_eq!(&p[14..], &[0x86, 0xdd, 0x60]);
        let mut q = SLL2_ETHER;
        let mut s = Sll2Mut::new(&mut q[..]).unwrap();
        s.set_protocol(EtherType::IPV6);
        s.set_if_index(0x0102_0304);
        s.payload_mut()[0] = 0x60;
        assert_eq!(&q[..8], &[0x86, 0xdd, 0, 0, 1, 2, 3, 4]);
        assert_eq!(&q[8..20], &SLL2_ETHER[8..20]);
        assert_eq!(q[20], 0x60);
    }

    /// The first 8 bytes of packets from tcpdump's loopback captures
    /// (all written by little-endian hosts).
    #[test]
    fn loopback_families_from_tcpdump_captures() {
        // dns-badcookie.pcap: AF_INET, then an IPv4 header.
        let v4 = [0x02, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x44];
        // icmpv6-RFC2894-RR.pcap: 28, FreeBSD's AF_INET6.
        let v6_freebsd = [0x1c, 0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00];
        // quic_handshake.pcap: 30, Darwin's AF_INET6.
        let v6_darwin = [0x1e, 0x00, 0x00, 0x00, 0x60, 0x0a, 0x0f, 0x00];
        for (p, family, version) in [(v4, 2, 4), (v6_freebsd, 28, 6), (v6_darwin, 30, 6)] {
            let lo = Loopback::new(&p[..]).unwrap();
            assert_eq!(
                (lo.family(), lo.ip_version(), lo.is_big_endian()),
                (family, Some(version), false)
            );
            assert_eq!(lo.payload(), &p[4..]);
            // The same header from a big-endian host.
            let mut be = p;
            be[..4].reverse();
            let lo = Loopback::new(&be[..]).unwrap();
            assert_eq!(
                (lo.family(), lo.ip_version(), lo.is_big_endian()),
                (family, Some(version), true)
            );
        }
        // NetBSD's 24 and an unknown family (read little-endian).
        let lo = Loopback::new(&[0, 0, 0, 24][..]).unwrap();
        assert_eq!(lo.ip_version(), Some(6));
        let lo = Loopback::new(&[7, 0, 0, 0][..]).unwrap();
        assert_eq!((lo.family(), lo.ip_version()), (7, None));
        let lo = Loopback::new(&[0, 0, 0, 7][..]).unwrap();
        assert_eq!((lo.family(), lo.ip_version()), (0x0700_0000, None));
    }

    #[test]
    fn loopback_set_family_keeps_the_byte_order() {
        let mut le = [2u8, 0, 0, 0];
        LoopbackMut::new(&mut le[..]).unwrap().set_family(30);
        assert_eq!(le, [30, 0, 0, 0]);
        let mut be = [0u8, 0, 0, 2];
        LoopbackMut::new(&mut be[..]).unwrap().set_family(30);
        assert_eq!(be, [0, 0, 0, 30]);
    }
}
