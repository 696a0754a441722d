//! Address Resolution Protocol packets ([RFC 826]).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Hardware type         |         Protocol type         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     HLEN      |     PLEN      |           Operation           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Sender hardware address (SHA), HLEN octets                   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Sender protocol address (SPA), PLEN octets                   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Target hardware address (THA), HLEN octets                   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Target protocol address (TPA), PLEN octets                   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The address lengths are part of the packet, so [`Arp`] reads any
//! hardware and protocol; the typed accessors
//! ([`sender_mac`](Arp::sender_mac), [`sender_ipv4`](Arp::sender_ipv4), ...)
//! answer for the one combination almost every ARP packet has: Ethernet
//! ([`HTYPE_ETHERNET`], 6-octet addresses) and IPv4 ([`EtherType::IPV4`],
//! 4-octet addresses), 28 octets in all. ARP has no checksum.
//!
//! [RFC 826]: https://www.rfc-editor.org/rfc/rfc826

use core::fmt;
use core::net::Ipv4Addr;

use crate::error::{Error, Layer};
use crate::ethernet::{EtherType, MacAddr};
use crate::field;

/// Byte offsets of the fixed part's fields; the addresses follow at
/// [`ADDRS`](field_at::ADDRS), their offsets given by HLEN and PLEN.
pub(crate) mod field_at {
    pub const HTYPE: usize = 0;
    pub const PTYPE: usize = 2;
    pub const HLEN: usize = 4;
    pub const PLEN: usize = 5;
    pub const OPER: usize = 6;
    pub const ADDRS: usize = 8;
}
use field_at as f;

/// Length of the fixed part of an ARP packet (before the addresses), in octets.
pub const HEADER_LEN: usize = 8;
/// Length of an Ethernet/IPv4 ARP packet, in octets.
pub const ETHERNET_IPV4_LEN: usize = 28;
/// The hardware type of Ethernet (IANA "Hardware Types"), 1.
pub const HTYPE_ETHERNET: u16 = 1;

/// An ARP operation code (IANA "Operation Codes"). Open: any `u16`
/// round-trips, the constants name the common ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ArpOperation(pub u16);

impl ArpOperation {
    /// Request ([RFC 826](https://www.rfc-editor.org/rfc/rfc826)).
    pub const REQUEST: ArpOperation = ArpOperation(1);
    /// Reply ([RFC 826](https://www.rfc-editor.org/rfc/rfc826)).
    pub const REPLY: ArpOperation = ArpOperation(2);
    /// Reverse ARP request ([RFC 903](https://www.rfc-editor.org/rfc/rfc903)).
    pub const RARP_REQUEST: ArpOperation = ArpOperation(3);
    /// Reverse ARP reply ([RFC 903](https://www.rfc-editor.org/rfc/rfc903)).
    pub const RARP_REPLY: ArpOperation = ArpOperation(4);
    /// Inverse ARP request ([RFC 2390](https://www.rfc-editor.org/rfc/rfc2390)).
    pub const INARP_REQUEST: ArpOperation = ArpOperation(8);
    /// Inverse ARP reply ([RFC 2390](https://www.rfc-editor.org/rfc/rfc2390)).
    pub const INARP_REPLY: ArpOperation = ArpOperation(9);
}

impl fmt::Display for ArpOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u16> for ArpOperation {
    fn from(v: u16) -> Self {
        ArpOperation(v)
    }
}

impl From<ArpOperation> for u16 {
    fn from(v: ArpOperation) -> Self {
        v.0
    }
}

/// A zero-copy view of an ARP packet of any hardware and protocol.
///
/// Read-only over `&[u8]` ([`ArpRef`]), writable over `&mut [u8]`
/// ([`ArpMut`]) or any `AsRef<[u8]> + AsMut<[u8]>` buffer.
/// [`Arp::new`] checks that the fixed part and the four addresses its
/// lengths announce are present; after it no getter or setter can panic.
///
/// Answering a request in place, as an ARP responder does:
///
/// ```
/// use core::net::Ipv4Addr;
/// use wireview::{Arp, ArpMut, ArpOperation, MacAddr};
///
/// // From tcpdump's arp-oobr.pcap: who has 192.168.1.1? Tell 192.168.1.104.
/// let mut pkt = [0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
///                0x00, 0x1f, 0x29, 0xda, 0x2d, 0x79, 0xc0, 0xa8, 0x01, 0x68,
///                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x01, 0x01];
/// let req = Arp::new(&pkt[..])?;
/// assert_eq!(req.oper(), ArpOperation::REQUEST);
/// assert_eq!(req.target_ipv4(), Some(Ipv4Addr::new(192, 168, 1, 1)));
/// let (asker_mac, asker_ip) = (req.sender_mac().unwrap(), req.sender_ipv4().unwrap());
///
/// let me = MacAddr::new(0x02, 0, 0, 0, 0, 1);
/// let mut arp = ArpMut::new(&mut pkt[..])?;
/// arp.set_oper(ArpOperation::REPLY);
/// arp.set_target_mac(asker_mac)?;
/// arp.set_target_ipv4(asker_ip)?;
/// arp.set_sender_mac(me)?;
/// arp.set_sender_ipv4(Ipv4Addr::new(192, 168, 1, 1))?;
/// assert_eq!(arp.tha(), &[0x00, 0x1f, 0x29, 0xda, 0x2d, 0x79]);
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Arp<B> {
    buf: B,
}

/// A read-only ARP view.
pub type ArpRef<'a> = Arp<&'a [u8]>;
/// A writable ARP view.
pub type ArpMut<'a> = Arp<&'a mut [u8]>;

impl<B: AsRef<[u8]>> Arp<B> {
    /// Checks that `buf` starts with an ARP packet: the 8-byte fixed part
    /// and `2 * HLEN + 2 * PLEN` bytes of addresses. Bytes beyond them
    /// (Ethernet padding) are allowed and ignored.
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than 8 bytes, or
    /// than the `8 + 2 * HLEN + 2 * PLEN` bytes the lengths announce.
    pub fn new(buf: B) -> Result<Self, Error> {
        let b = buf.as_ref();
        field::need(Layer::Arp, b, HEADER_LEN)?;
        field::need(Layer::Arp, b, packet_len(b[f::HLEN], b[f::PLEN]))?;
        Ok(Arp { buf })
    }

    /// Wraps `buf` without any check, to write a fresh packet into it (see
    /// [`ArpHeader::emit`] for the usual way). Getters and setters panic on
    /// a buffer shorter than the packet its lengths announce.
    pub const fn new_unchecked(buf: B) -> Self {
        Arp { buf }
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

    /// Hardware type ([`HTYPE_ETHERNET`] for Ethernet).
    pub fn htype(&self) -> u16 {
        field::u16_at(self.b(), f::HTYPE)
    }

    /// Protocol type, an EtherType ([`EtherType::IPV4`] for IPv4).
    pub fn ptype(&self) -> EtherType {
        EtherType(field::u16_at(self.b(), f::PTYPE))
    }

    /// Length of a hardware address, in octets (6 for Ethernet).
    pub fn hlen(&self) -> u8 {
        self.b()[f::HLEN]
    }

    /// Length of a protocol address, in octets (4 for IPv4).
    pub fn plen(&self) -> u8 {
        self.b()[f::PLEN]
    }

    /// Operation.
    pub fn oper(&self) -> ArpOperation {
        ArpOperation(field::u16_at(self.b(), f::OPER))
    }

    /// Length of the whole packet, `8 + 2 * HLEN + 2 * PLEN` octets (28 for
    /// Ethernet/IPv4). ARP has no payload; the buffer may go on with padding.
    pub fn header_len(&self) -> usize {
        packet_len(self.hlen(), self.plen())
    }

    /// The packet's bytes, fixed part and addresses, without padding.
    pub fn header(&self) -> &[u8] {
        &self.b()[..self.header_len()]
    }

    /// Whether the packet is Ethernet/IPv4 (hardware type 1, protocol type
    /// 0x0800, HLEN 6, PLEN 4): when the typed accessors answer.
    pub fn is_ethernet_ipv4(&self) -> bool {
        self.check_ethernet_ipv4().is_ok()
    }

    fn check_ethernet_ipv4(&self) -> Result<(), Error> {
        if self.htype() != HTYPE_ETHERNET || self.ptype() != EtherType::IPV4 {
            return Err(Error::BadValue {
                layer: Layer::Arp,
                field: "hardware/protocol type",
            });
        }
        if self.hlen() != 6 || self.plen() != 4 {
            return Err(Error::BadValue {
                layer: Layer::Arp,
                field: "hardware/protocol address length",
            });
        }
        Ok(())
    }

    /// Offsets of SHA, SPA, THA, TPA and the end.
    fn offsets(&self) -> [usize; 5] {
        let (h, p) = (usize::from(self.hlen()), usize::from(self.plen()));
        let sha = f::ADDRS;
        [
            sha,
            sha + h,
            sha + h + p,
            sha + 2 * h + p,
            sha + 2 * h + 2 * p,
        ]
    }

    fn addr(&self, which: usize) -> &[u8] {
        let at = self.offsets();
        &self.b()[at[which]..at[which + 1]]
    }

    /// Sender hardware address, HLEN octets.
    pub fn sha(&self) -> &[u8] {
        self.addr(0)
    }

    /// Sender protocol address, PLEN octets.
    pub fn spa(&self) -> &[u8] {
        self.addr(1)
    }

    /// Target hardware address, HLEN octets (unknown, often zero, in a request).
    pub fn tha(&self) -> &[u8] {
        self.addr(2)
    }

    /// Target protocol address, PLEN octets.
    pub fn tpa(&self) -> &[u8] {
        self.addr(3)
    }

    /// The sender hardware address as a MAC address, for an Ethernet/IPv4
    /// packet ([`is_ethernet_ipv4`](Self::is_ethernet_ipv4)); else `None`.
    pub fn sender_mac(&self) -> Option<MacAddr> {
        self.is_ethernet_ipv4()
            .then(|| MacAddr(field::array6(self.b(), self.offsets()[0])))
    }

    /// The sender protocol address as an IPv4 address, for an Ethernet/IPv4
    /// packet; else `None`.
    pub fn sender_ipv4(&self) -> Option<Ipv4Addr> {
        self.is_ethernet_ipv4()
            .then(|| Ipv4Addr::from(field::array4(self.b(), self.offsets()[1])))
    }

    /// The target hardware address as a MAC address, for an Ethernet/IPv4
    /// packet; else `None`.
    pub fn target_mac(&self) -> Option<MacAddr> {
        self.is_ethernet_ipv4()
            .then(|| MacAddr(field::array6(self.b(), self.offsets()[2])))
    }

    /// The target protocol address as an IPv4 address, for an Ethernet/IPv4
    /// packet; else `None`.
    pub fn target_ipv4(&self) -> Option<Ipv4Addr> {
        self.is_ethernet_ipv4()
            .then(|| Ipv4Addr::from(field::array4(self.b(), self.offsets()[3])))
    }
}

/// `8 + 2 * hlen + 2 * plen`, the length of an ARP packet.
fn packet_len(hlen: u8, plen: u8) -> usize {
    HEADER_LEN + 2 * usize::from(hlen) + 2 * usize::from(plen)
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Arp<B> {
    /// Sets the hardware type. The typed accessors answer only while it is
    /// [`HTYPE_ETHERNET`].
    pub fn set_htype(&mut self, htype: u16) {
        field::set_u16(self.buf.as_mut(), f::HTYPE, htype);
    }

    /// Sets the protocol type. The typed accessors answer only while it is
    /// [`EtherType::IPV4`].
    pub fn set_ptype(&mut self, ptype: EtherType) {
        field::set_u16(self.buf.as_mut(), f::PTYPE, ptype.0);
    }

    /// Sets the operation.
    pub fn set_oper(&mut self, oper: ArpOperation) {
        field::set_u16(self.buf.as_mut(), f::OPER, oper.0);
    }

    fn set_addr(&mut self, which: usize, addr: &[u8]) -> Result<(), Error> {
        let at = self.offsets();
        let len = at[which + 1] - at[which];
        if addr.len() != len {
            return Err(Error::BadLength {
                layer: Layer::Arp,
                found: addr.len(),
                min: len,
                max: len,
            });
        }
        self.buf.as_mut()[at[which]..at[which + 1]].copy_from_slice(addr);
        Ok(())
    }

    /// Sets the sender hardware address.
    ///
    /// # Errors
    /// [`Error::BadLength`] when `addr` is not HLEN octets long.
    pub fn set_sha(&mut self, addr: &[u8]) -> Result<(), Error> {
        self.set_addr(0, addr)
    }

    /// Sets the sender protocol address.
    ///
    /// # Errors
    /// [`Error::BadLength`] when `addr` is not PLEN octets long.
    pub fn set_spa(&mut self, addr: &[u8]) -> Result<(), Error> {
        self.set_addr(1, addr)
    }

    /// Sets the target hardware address.
    ///
    /// # Errors
    /// [`Error::BadLength`] when `addr` is not HLEN octets long.
    pub fn set_tha(&mut self, addr: &[u8]) -> Result<(), Error> {
        self.set_addr(2, addr)
    }

    /// Sets the target protocol address.
    ///
    /// # Errors
    /// [`Error::BadLength`] when `addr` is not PLEN octets long.
    pub fn set_tpa(&mut self, addr: &[u8]) -> Result<(), Error> {
        self.set_addr(3, addr)
    }

    /// Sets the sender hardware address of an Ethernet/IPv4 packet.
    ///
    /// # Errors
    /// [`Error::BadValue`] when the packet is not Ethernet/IPv4 (see
    /// [`is_ethernet_ipv4`](Self::is_ethernet_ipv4)); the field named is
    /// `"hardware/protocol type"` or `"hardware/protocol address length"`.
    pub fn set_sender_mac(&mut self, mac: MacAddr) -> Result<(), Error> {
        self.check_ethernet_ipv4()?;
        self.set_addr(0, &mac.0)
    }

    /// Sets the sender protocol address of an Ethernet/IPv4 packet.
    ///
    /// # Errors
    /// As [`set_sender_mac`](Self::set_sender_mac).
    pub fn set_sender_ipv4(&mut self, ip: Ipv4Addr) -> Result<(), Error> {
        self.check_ethernet_ipv4()?;
        self.set_addr(1, &ip.octets())
    }

    /// Sets the target hardware address of an Ethernet/IPv4 packet.
    ///
    /// # Errors
    /// As [`set_sender_mac`](Self::set_sender_mac).
    pub fn set_target_mac(&mut self, mac: MacAddr) -> Result<(), Error> {
        self.check_ethernet_ipv4()?;
        self.set_addr(2, &mac.0)
    }

    /// Sets the target protocol address of an Ethernet/IPv4 packet.
    ///
    /// # Errors
    /// As [`set_sender_mac`](Self::set_sender_mac).
    pub fn set_target_ipv4(&mut self, ip: Ipv4Addr) -> Result<(), Error> {
        self.check_ethernet_ipv4()?;
        self.set_addr(3, &ip.octets())
    }
}

/// The field values of an Ethernet/IPv4 ARP packet, to write a fresh
/// 28-byte one with [`emit`](Self::emit). Hardware and protocol type and
/// the address lengths are fixed (1, 0x0800, 6, 4).
///
/// ```
/// use core::net::Ipv4Addr;
/// use wireview::{Arp, ArpHeader, ArpOperation, MacAddr};
///
/// let me = MacAddr::new(0x02, 0, 0, 0, 0, 1);
/// let req = ArpHeader::request(me, Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
/// let mut buf = [0u8; 28];
/// assert_eq!(req.emit(&mut buf)?, 28);
/// let arp = Arp::new(&buf[..])?;
/// assert_eq!(arp.oper(), ArpOperation::REQUEST);
/// assert_eq!(arp.target_mac(), Some(MacAddr::ZERO));
/// assert_eq!(arp.target_ipv4(), Some(Ipv4Addr::new(10, 0, 0, 2)));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArpHeader {
    /// Operation.
    pub oper: ArpOperation,
    /// Sender hardware address.
    pub sender_mac: MacAddr,
    /// Sender protocol address.
    pub sender_ipv4: Ipv4Addr,
    /// Target hardware address.
    pub target_mac: MacAddr,
    /// Target protocol address.
    pub target_ipv4: Ipv4Addr,
}

impl ArpHeader {
    /// A request: who has `target_ipv4`? Tell `sender_ipv4` at
    /// `sender_mac`. The target hardware address is zero.
    pub const fn request(
        sender_mac: MacAddr,
        sender_ipv4: Ipv4Addr,
        target_ipv4: Ipv4Addr,
    ) -> Self {
        ArpHeader {
            oper: ArpOperation::REQUEST,
            sender_mac,
            sender_ipv4,
            target_mac: MacAddr::ZERO,
            target_ipv4,
        }
    }

    /// A reply: `sender_ipv4` is at `sender_mac`, sent to the asker at
    /// `target_mac` / `target_ipv4`.
    pub const fn reply(
        sender_mac: MacAddr,
        sender_ipv4: Ipv4Addr,
        target_mac: MacAddr,
        target_ipv4: Ipv4Addr,
    ) -> Self {
        ArpHeader {
            oper: ArpOperation::REPLY,
            sender_mac,
            sender_ipv4,
            target_mac,
            target_ipv4,
        }
    }

    /// A gratuitous ARP (an announcement, [RFC 5227 section 2.3]): a request
    /// whose sender and target protocol addresses are both `ipv4`, telling
    /// every host that `ipv4` is at `mac`.
    ///
    /// [RFC 5227 section 2.3]: https://www.rfc-editor.org/rfc/rfc5227#section-2.3
    pub const fn gratuitous(mac: MacAddr, ipv4: Ipv4Addr) -> Self {
        Self::request(mac, ipv4, ipv4)
    }

    /// Writes the 28-byte packet at the start of `buf` and returns its length.
    ///
    /// # Errors
    /// [`Error::NoRoom`] when `buf` is shorter than 28 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        if buf.len() < ETHERNET_IPV4_LEN {
            return Err(Error::NoRoom {
                layer: Layer::Arp,
                needed: ETHERNET_IPV4_LEN,
                available: buf.len(),
            });
        }
        let b = &mut buf[..ETHERNET_IPV4_LEN];
        field::set_u16(b, f::HTYPE, HTYPE_ETHERNET);
        field::set_u16(b, f::PTYPE, EtherType::IPV4.0);
        b[f::HLEN] = 6;
        b[f::PLEN] = 4;
        field::set_u16(b, f::OPER, self.oper.0);
        b[8..14].copy_from_slice(&self.sender_mac.0);
        b[14..18].copy_from_slice(&self.sender_ipv4.octets());
        b[18..24].copy_from_slice(&self.target_mac.0);
        b[24..28].copy_from_slice(&self.target_ipv4.octets());
        Ok(ETHERNET_IPV4_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    /// The ARP packet of the first frame of tcpdump's `arp-oobr.pcap`
    /// (after its 14-byte Ethernet header; 18 bytes of padding follow on
    /// the wire): who has 192.168.1.1? Tell 192.168.1.104.
    const REQUEST: [u8; 28] = [
        0x00, 0x01, // hardware type Ethernet
        0x08, 0x00, // protocol type IPv4
        0x06, 0x04, // HLEN 6, PLEN 4
        0x00, 0x01, // request
        0x00, 0x1f, 0x29, 0xda, 0x2d, 0x79, // SHA 00:1f:29:da:2d:79
        0xc0, 0xa8, 0x01, 0x68, // SPA 192.168.1.104
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // THA unknown
        0xc0, 0xa8, 0x01, 0x01, // TPA 192.168.1.1
    ];

    /// The ARP packet of the second frame of tcpdump's `802.1ad_QinQ.pcap`:
    /// 172.21.79.100 is at 00:80:ea:81:88:63, to 172.21.79.97.
    const REPLY: [u8; 28] = [
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, // Ethernet/IPv4
        0x00, 0x02, // reply
        0x00, 0x80, 0xea, 0x81, 0x88, 0x63, // SHA 00:80:ea:81:88:63
        0xac, 0x15, 0x4f, 0x64, // SPA 172.21.79.100
        0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f, // THA 00:20:d2:5a:fb:3f
        0xac, 0x15, 0x4f, 0x61, // TPA 172.21.79.97
    ];

    #[test]
    fn request_fields() {
        let arp = Arp::new(&REQUEST[..]).unwrap();
        assert_eq!(arp.htype(), HTYPE_ETHERNET);
        assert_eq!(arp.ptype(), EtherType::IPV4);
        assert_eq!((arp.hlen(), arp.plen()), (6, 4));
        assert_eq!(arp.oper(), ArpOperation::REQUEST);
        assert_eq!(arp.sha(), &REQUEST[8..14]);
        assert_eq!(arp.spa(), &[192, 168, 1, 104]);
        assert_eq!(arp.tha(), &[0; 6]);
        assert_eq!(arp.tpa(), &[192, 168, 1, 1]);
        assert!(arp.is_ethernet_ipv4());
        assert_eq!(
            arp.sender_mac(),
            Some(MacAddr::new(0x00, 0x1f, 0x29, 0xda, 0x2d, 0x79))
        );
        assert_eq!(arp.sender_ipv4(), Some(Ipv4Addr::new(192, 168, 1, 104)));
        assert_eq!(arp.target_mac(), Some(MacAddr::ZERO));
        assert_eq!(arp.target_ipv4(), Some(Ipv4Addr::new(192, 168, 1, 1)));
        assert_eq!(arp.header_len(), 28);
        let built = ArpHeader::request(
            arp.sender_mac().unwrap(),
            arp.sender_ipv4().unwrap(),
            arp.target_ipv4().unwrap(),
        );
        let mut buf = [0xAAu8; 28];
        built.emit(&mut buf).unwrap();
        assert_eq!(buf, REQUEST);
    }

    #[test]
    fn reply_fields_and_builder() {
        let arp = Arp::new(&REPLY[..]).unwrap();
        assert_eq!(arp.oper(), ArpOperation::REPLY);
        let built = ArpHeader::reply(
            MacAddr::new(0x00, 0x80, 0xea, 0x81, 0x88, 0x63),
            Ipv4Addr::new(172, 21, 79, 100),
            MacAddr::new(0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f),
            Ipv4Addr::new(172, 21, 79, 97),
        );
        assert_eq!(arp.target_mac(), Some(built.target_mac));
        let mut buf = [0u8; 30];
        assert_eq!(built.emit(&mut buf), Ok(28));
        assert_eq!(buf[..28], REPLY);
        assert_eq!(buf[28..], [0, 0]);
        // Padding after the packet is not part of it.
        let arp = Arp::new(&buf[..]).unwrap();
        assert_eq!(arp.header(), &REPLY[..]);
    }

    #[test]
    fn gratuitous() {
        let mac = MacAddr::new(0x02, 0, 0, 0, 0, 9);
        let ip = Ipv4Addr::new(10, 1, 2, 3);
        let mut buf = [0u8; 28];
        ArpHeader::gratuitous(mac, ip).emit(&mut buf).unwrap();
        let arp = Arp::new(&buf[..]).unwrap();
        assert_eq!(arp.oper(), ArpOperation::REQUEST);
        assert_eq!(arp.sender_ipv4(), Some(ip));
        assert_eq!(arp.target_ipv4(), Some(ip));
        assert_eq!(arp.sender_mac(), Some(mac));
    }

    #[test]
    fn every_truncated_length_is_reported_exactly() {
        for len in 0..28 {
            let needed = if len < 8 { 8 } else { 28 };
            assert_eq!(
                Arp::new(&REQUEST[..len]),
                Err(Error::Truncated {
                    layer: Layer::Arp,
                    needed,
                    available: len
                })
            );
            let mut buf = [0u8; 28];
            assert_eq!(
                ArpHeader::request(MacAddr::ZERO, Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED)
                    .emit(&mut buf[..len]),
                Err(Error::NoRoom {
                    layer: Layer::Arp,
                    needed: 28,
                    available: len
                })
            );
        }
        // The largest lengths: 8 + 2 * 255 + 2 * 255.
        let mut big = [0u8; 1028];
        big[4] = 255;
        big[5] = 255;
        assert_eq!(
            Arp::new(&big[..1027]),
            Err(Error::Truncated {
                layer: Layer::Arp,
                needed: 1028,
                available: 1027
            })
        );
        let arp = Arp::new(&big[..]).unwrap();
        assert_eq!((arp.sha().len(), arp.tpa().len()), (255, 255));
        assert_eq!(arp.sender_mac(), None);
    }

    #[test]
    fn typed_accessors_need_ethernet_ipv4() {
        let bad_type = Error::BadValue {
            layer: Layer::Arp,
            field: "hardware/protocol type",
        };
        let bad_len = Error::BadValue {
            layer: Layer::Arp,
            field: "hardware/protocol address length",
        };
        // IEEE 802 hardware type (6) with the same lengths.
        let mut p = REQUEST;
        p[1] = 6;
        let mut arp = ArpMut::new(&mut p[..]).unwrap();
        assert_eq!(arp.sender_mac(), None);
        assert_eq!(arp.target_ipv4(), None);
        assert_eq!(arp.set_sender_mac(MacAddr::BROADCAST), Err(bad_type));
        assert_eq!(arp.set_target_ipv4(Ipv4Addr::BROADCAST), Err(bad_type));
        arp.set_htype(HTYPE_ETHERNET);
        arp.set_ptype(EtherType::IPV6);
        assert_eq!(arp.sender_ipv4(), None);
        assert_eq!(arp.set_sender_ipv4(Ipv4Addr::BROADCAST), Err(bad_type));
        arp.set_ptype(EtherType::IPV4);
        assert_eq!(p, REQUEST);
        // Ethernet/IPv4 types with other lengths (HLEN 8, PLEN 4): 32 bytes.
        let mut q = [0u8; 32];
        q[..8].copy_from_slice(&[0, 1, 8, 0, 8, 4, 0, 2]);
        let mut arp = ArpMut::new(&mut q[..]).unwrap();
        assert_eq!(arp.header_len(), 32);
        assert!(!arp.is_ethernet_ipv4());
        assert_eq!(arp.target_mac(), None);
        assert_eq!(arp.set_target_mac(MacAddr::BROADCAST), Err(bad_len));
        assert_eq!(
            arp.set_sha(&[1; 6]),
            Err(Error::BadLength {
                layer: Layer::Arp,
                found: 6,
                min: 8,
                max: 8
            })
        );
        arp.set_sha(&[1; 8]).unwrap();
        arp.set_spa(&[2; 4]).unwrap();
        arp.set_tha(&[3; 8]).unwrap();
        arp.set_tpa(&[4; 4]).unwrap();
        assert_eq!(
            q[8..],
            [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4]
        );
    }

    #[test]
    fn operation_codes() {
        assert_eq!(ArpOperation::from(3), ArpOperation::RARP_REQUEST);
        assert_eq!(u16::from(ArpOperation::INARP_REPLY), 9);
        assert_eq!(std::format!("{}", ArpOperation::REPLY), "2");
        assert_eq!(ArpOperation::RARP_REPLY.0, 4);
        assert_eq!(ArpOperation::INARP_REQUEST.0, 8);
    }

    /// An ARP packet with random lengths (0..=16 each) and random contents,
    /// and 0..8 bytes of padding.
    fn packet() -> impl Strategy<Value = Vec<u8>> {
        (0u8..=16, 0u8..=16, any::<[u8; 4]>(), 0usize..8).prop_flat_map(|(h, p, fixed, pad)| {
            let len = packet_len(h, p) + pad;
            proptest::collection::vec(any::<u8>(), len).prop_map(move |mut v| {
                v[..4].copy_from_slice(&fixed);
                v[4] = h;
                v[5] = p;
                v
            })
        })
    }

    proptest! {
        #[test]
        fn generic_getters_split_the_addresses(p in packet()) {
            let arp = Arp::new(&p[..]).unwrap();
            let (h, l) = (usize::from(p[4]), usize::from(p[5]));
            prop_assert_eq!(arp.sha(), &p[8..8 + h]);
            prop_assert_eq!(arp.spa(), &p[8 + h..8 + h + l]);
            prop_assert_eq!(arp.tha(), &p[8 + h + l..8 + 2 * h + l]);
            prop_assert_eq!(arp.tpa(), &p[8 + 2 * h + l..8 + 2 * h + 2 * l]);
            prop_assert_eq!(arp.header(), &p[..8 + 2 * h + 2 * l]);
            prop_assert_eq!(arp.oper().0, u16::from_be_bytes([p[6], p[7]]));
        }

        #[test]
        fn generic_setters_write_only_their_address(p in packet(), which in 0usize..4, fill: u8, oper: u16) {
            let mut q = p.clone();
            let mut arp = ArpMut::new(&mut q[..]).unwrap();
            let len = if which % 2 == 0 { arp.hlen() } else { arp.plen() };
            let addr = std::vec![fill; usize::from(len)];
            let set = [ArpMut::set_sha, ArpMut::set_spa, ArpMut::set_tha, ArpMut::set_tpa][which];
            let get = [ArpRef::sha, ArpRef::spa, ArpRef::tha, ArpRef::tpa][which];
            prop_assert!(set(&mut arp, &addr).is_ok());
            let long = std::vec![fill; usize::from(len) + 1];
            let too_long = set(&mut arp, &long);
            prop_assert!(matches!(too_long, Err(Error::BadLength { .. })), "{:?}", too_long);
            arp.set_oper(ArpOperation(oper));
            let view = Arp::new(&q[..]).unwrap();
            let orig = Arp::new(&p[..]).unwrap();
            prop_assert_eq!(get(&view), &addr[..]);
            prop_assert_eq!(view.oper().0, oper);
            for other in (0..4).filter(|&o| o != which) {
                let get_other = [ArpRef::sha, ArpRef::spa, ArpRef::tha, ArpRef::tpa][other];
                prop_assert_eq!(get_other(&view), get_other(&orig));
            }
            prop_assert_eq!(&q[view.header_len()..], &p[view.header_len()..]);
        }

        #[test]
        fn builder_round_trips(oper: u16, sm: [u8; 6], si: u32, tm: [u8; 6], ti: u32) {
            let hdr = ArpHeader {
                oper: ArpOperation(oper), sender_mac: MacAddr(sm), sender_ipv4: si.into(),
                target_mac: MacAddr(tm), target_ipv4: ti.into(),
            };
            let mut buf = [0u8; 28];
            prop_assert_eq!(hdr.emit(&mut buf), Ok(28));
            let arp = Arp::new(&buf[..]).unwrap();
            prop_assert_eq!(arp.oper(), hdr.oper);
            prop_assert_eq!(arp.sender_mac(), Some(hdr.sender_mac));
            prop_assert_eq!(arp.sender_ipv4(), Some(hdr.sender_ipv4));
            prop_assert_eq!(arp.target_mac(), Some(hdr.target_mac));
            prop_assert_eq!(arp.target_ipv4(), Some(hdr.target_ipv4));
        }

        #[test]
        fn typed_setters_then_getters(sm: [u8; 6], si: u32, tm: [u8; 6], ti: u32) {
            let mut p = REQUEST;
            let mut arp = ArpMut::new(&mut p[..]).unwrap();
            arp.set_sender_mac(MacAddr(sm)).unwrap();
            arp.set_sender_ipv4(si.into()).unwrap();
            arp.set_target_mac(MacAddr(tm)).unwrap();
            arp.set_target_ipv4(ti.into()).unwrap();
            prop_assert_eq!(arp.sender_mac(), Some(MacAddr(sm)));
            prop_assert_eq!(arp.sender_ipv4(), Some(Ipv4Addr::from(si)));
            prop_assert_eq!(arp.target_mac(), Some(MacAddr(tm)));
            prop_assert_eq!(arp.target_ipv4(), Some(Ipv4Addr::from(ti)));
            prop_assert_eq!(&p[..8], &REQUEST[..8]);
        }
    }
}
