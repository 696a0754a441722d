//! Ethernet II header ([IEEE 802.3 clause 3.2], the DIX "Ethernet II"
//! framing of [RFC 894]).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                 Destination MAC address                       |
//! +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                               |                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//! |                   Source MAC address                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |           EtherType           |  Payload ...
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The view starts at the destination address: no preamble, and no frame
//! check sequence (capture files and NICs hand frames over without the
//! FCS, and [`Ethernet::payload`] runs to the end of the buffer, padding
//! included). An EtherType of 1500 (`0x05DC`) or less is an IEEE 802.3
//! length field rather than a type; the view reads it as is.
//!
//! A frame with VLAN tags has a TPID ([`EtherType::VLAN`],
//! [`EtherType::QINQ`]) in the EtherType field, and its payload starts
//! with a [`VlanTag`](crate::VlanTag).
//!
//! [IEEE 802.3 clause 3.2]: https://standards.ieee.org/ieee/802.3/10422/
//! [RFC 894]: https://www.rfc-editor.org/rfc/rfc894

use core::fmt;
use core::str::FromStr;

use crate::error::{Error, Layer};
use crate::field::{self, Field};

/// Byte offsets of the header's fields.
pub(crate) mod field_at {
    use super::Field;
    pub const DST: Field = 0..6;
    pub const SRC: Field = 6..12;
    pub const ETHERTYPE: usize = 12;
}
use field_at as f;

/// Length of an Ethernet II header, in octets.
pub const HEADER_LEN: usize = 14;

/// A 48-bit IEEE 802 MAC address.
///
/// Displays in the lower-case colon form and parses it back; parsing also
/// takes upper case and the hyphen form (`AA-BB-CC-DD-EE-FF`).
///
/// ```
/// use wireview::MacAddr;
///
/// let mac: MacAddr = "00:1f:29:DA:2d:79".parse().unwrap();
/// assert_eq!(mac, MacAddr([0x00, 0x1f, 0x29, 0xda, 0x2d, 0x79]));
/// assert_eq!(mac.to_string(), "00:1f:29:da:2d:79");
/// assert!(mac.is_unicast() && MacAddr::BROADCAST.is_multicast());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// `ff:ff:ff:ff:ff:ff`, every station.
    pub const BROADCAST: MacAddr = MacAddr([0xFF; 6]);
    /// `00:00:00:00:00:00`, as the unknown target of an ARP request.
    pub const ZERO: MacAddr = MacAddr([0; 6]);

    /// The address `o0:o1:o2:o3:o4:o5`.
    pub const fn new(o0: u8, o1: u8, o2: u8, o3: u8, o4: u8, o5: u8) -> MacAddr {
        MacAddr([o0, o1, o2, o3, o4, o5])
    }

    /// The six octets, in transmission order.
    pub const fn octets(self) -> [u8; 6] {
        self.0
    }

    /// Whether this is the broadcast address `ff:ff:ff:ff:ff:ff`.
    pub const fn is_broadcast(self) -> bool {
        matches!(self.0, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
    }

    /// Whether the individual/group bit (the low bit of the first octet) is
    /// set: a group address, broadcast included.
    pub const fn is_multicast(self) -> bool {
        self.0[0] & 0x01 != 0
    }

    /// Whether this is an individual (unicast) address: the group bit is clear.
    pub const fn is_unicast(self) -> bool {
        !self.is_multicast()
    }

    /// Whether the universal/local bit (the second-lowest bit of the first
    /// octet) is set: an address assigned locally rather than from an OUI.
    pub const fn is_locally_administered(self) -> bool {
        self.0[0] & 0x02 != 0
    }
}

impl From<[u8; 6]> for MacAddr {
    fn from(octets: [u8; 6]) -> Self {
        MacAddr(octets)
    }
}

impl From<MacAddr> for [u8; 6] {
    fn from(mac: MacAddr) -> Self {
        mac.0
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            o[0], o[1], o[2], o[3], o[4], o[5]
        )
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MacAddr({self})")
    }
}

/// The error [`MacAddr`]'s [`FromStr`] returns: the text is not six
/// two-digit hex octets separated by all colons or all hyphens.
///
/// ```
/// use wireview::{MacAddr, ParseMacAddrError};
/// assert_eq!("00:11:22:33:44".parse::<MacAddr>(), Err(ParseMacAddrError));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParseMacAddrError;

impl fmt::Display for ParseMacAddrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid MAC address syntax (expected aa:bb:cc:dd:ee:ff)")
    }
}

impl core::error::Error for ParseMacAddrError {}

impl FromStr for MacAddr {
    type Err = ParseMacAddrError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // "aa:bb:cc:dd:ee:ff": 17 bytes, a separator after every pair.
        let b = s.as_bytes();
        if b.len() != 17 {
            return Err(ParseMacAddrError);
        }
        let sep = b[2];
        if sep != b':' && sep != b'-' {
            return Err(ParseMacAddrError);
        }
        let hex = |c: u8| match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(ParseMacAddrError),
        };
        let mut out = [0u8; 6];
        for (i, octet) in out.iter_mut().enumerate() {
            let at = i * 3;
            if i > 0 && b[at - 1] != sep {
                return Err(ParseMacAddrError);
            }
            *octet = (hex(b[at])? << 4) | hex(b[at + 1])?;
        }
        Ok(MacAddr(out))
    }
}

/// An EtherType ([IEEE 802 numbers], IANA "ieee-802-numbers"): the type of
/// an Ethernet payload, or the TPID of a VLAN tag. Open: any `u16`
/// round-trips, the constants name the ones this crate knows. Displays in
/// hex, as `0x0800`.
///
/// ```
/// use wireview::EtherType;
/// assert_eq!(EtherType::IPV4.to_string(), "0x0800");
/// assert!(EtherType::QINQ.is_vlan_tpid());
/// ```
///
/// [IEEE 802 numbers]: https://www.iana.org/assignments/ieee-802-numbers/
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct EtherType(pub u16);

impl EtherType {
    /// IPv4 ([RFC 894](https://www.rfc-editor.org/rfc/rfc894)).
    pub const IPV4: EtherType = EtherType(0x0800);
    /// ARP ([RFC 826](https://www.rfc-editor.org/rfc/rfc826)).
    pub const ARP: EtherType = EtherType(0x0806);
    /// Transparent Ethernet bridging: an Ethernet frame inside GRE or NVGRE.
    pub const TEB: EtherType = EtherType(0x6558);
    /// IEEE 802.1Q customer VLAN tag (C-tag) TPID.
    pub const VLAN: EtherType = EtherType(0x8100);
    /// IPv6 ([RFC 2464](https://www.rfc-editor.org/rfc/rfc2464)).
    pub const IPV6: EtherType = EtherType(0x86DD);
    /// MPLS unicast ([RFC 3032](https://www.rfc-editor.org/rfc/rfc3032)).
    pub const MPLS: EtherType = EtherType(0x8847);
    /// MPLS unicast, the same value as [`MPLS`](Self::MPLS) under the name
    /// RFC 5332 gives it beside [`MPLS_MULTICAST`](Self::MPLS_MULTICAST).
    pub const MPLS_UNICAST: EtherType = EtherType(0x8847);
    /// MPLS multicast ([RFC 5332](https://www.rfc-editor.org/rfc/rfc5332)).
    pub const MPLS_MULTICAST: EtherType = EtherType(0x8848);
    /// PPPoE discovery stage ([RFC 2516](https://www.rfc-editor.org/rfc/rfc2516)).
    pub const PPPOE_DISCOVERY: EtherType = EtherType(0x8863);
    /// PPPoE session stage ([RFC 2516](https://www.rfc-editor.org/rfc/rfc2516)).
    pub const PPPOE_SESSION: EtherType = EtherType(0x8864);
    /// IEEE 802.1ad service VLAN tag (S-tag) TPID, the outer tag of QinQ.
    pub const QINQ: EtherType = EtherType(0x88A8);
    /// Link Layer Discovery Protocol (IEEE 802.1AB).
    pub const LLDP: EtherType = EtherType(0x88CC);
    /// MACsec (IEEE 802.1AE).
    pub const MACSEC: EtherType = EtherType(0x88E5);
    /// Pre-standard QinQ outer tag TPID, still sent by some switches.
    pub const VLAN_DOUBLE: EtherType = EtherType(0x9100);

    /// Whether this is a TPID that starts a VLAN tag:
    /// [`VLAN`](Self::VLAN), [`QINQ`](Self::QINQ) or
    /// [`VLAN_DOUBLE`](Self::VLAN_DOUBLE).
    pub const fn is_vlan_tpid(self) -> bool {
        matches!(self, Self::VLAN | Self::QINQ | Self::VLAN_DOUBLE)
    }
}

impl fmt::Display for EtherType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#06x}", self.0)
    }
}

impl From<u16> for EtherType {
    fn from(v: u16) -> Self {
        EtherType(v)
    }
}

impl From<EtherType> for u16 {
    fn from(v: EtherType) -> Self {
        v.0
    }
}

/// A zero-copy view of an Ethernet II header and the frame it starts.
///
/// Read-only over `&[u8]` ([`EthernetRef`]), writable over `&mut [u8]`
/// ([`EthernetMut`]) or any `AsRef<[u8]> + AsMut<[u8]>` buffer.
/// [`Ethernet::new`] checks that the 14-byte header is present; after it no
/// getter or setter can panic. Ethernet has no header checksum (the FCS is
/// not part of the view), so the setters just write.
///
/// ```
/// use wireview::{EtherType, Ethernet, EthernetMut, MacAddr};
///
/// // The first bytes of an ARP request: who has 192.168.1.1?
/// let mut frame = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x1f, 0x29, 0xda, 0x2d, 0x79,
///                  0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04];
/// let eth = Ethernet::new(&frame[..])?;
/// assert!(eth.dst().is_broadcast());
/// assert_eq!(eth.ethertype(), EtherType::ARP);
/// assert_eq!(eth.into_payload().len(), 6);
///
/// let mut eth = EthernetMut::new(&mut frame[..])?;
/// eth.set_dst(MacAddr::new(0x02, 0, 0, 0, 0, 1));
/// assert_eq!(eth.dst().to_string(), "02:00:00:00:00:01");
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ethernet<B> {
    buf: B,
}

/// A read-only Ethernet view.
pub type EthernetRef<'a> = Ethernet<&'a [u8]>;
/// A writable Ethernet view.
pub type EthernetMut<'a> = Ethernet<&'a mut [u8]>;

impl<B: AsRef<[u8]>> Ethernet<B> {
    /// Checks that `buf` starts with a whole Ethernet II header. Everything
    /// after the header is the payload.
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than 14 bytes.
    pub fn new(buf: B) -> Result<Self, Error> {
        field::need(Layer::Ethernet, buf.as_ref(), HEADER_LEN)?;
        Ok(Ethernet { buf })
    }

    /// Wraps `buf` without any check, to write a fresh header into it (see
    /// [`EthernetHeader::emit`] for the usual way). Getters and setters
    /// panic on a buffer shorter than 14 bytes.
    pub const fn new_unchecked(buf: B) -> Self {
        Ethernet { buf }
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

    /// Header length, always 14 octets.
    pub fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Destination MAC address.
    pub fn dst(&self) -> MacAddr {
        MacAddr(field::array6(self.b(), f::DST.start))
    }

    /// Source MAC address.
    pub fn src(&self) -> MacAddr {
        MacAddr(field::array6(self.b(), f::SRC.start))
    }

    /// EtherType of the payload, or a VLAN TPID when a tag follows
    /// (see [`EtherType::is_vlan_tpid`]).
    pub fn ethertype(&self) -> EtherType {
        EtherType(field::u16_at(self.b(), f::ETHERTYPE))
    }

    /// The 14 header bytes.
    pub fn header(&self) -> &[u8] {
        &self.b()[..HEADER_LEN]
    }

    /// The payload: everything after the header up to the end of the
    /// buffer (Ethernet has no length field, so padding is included).
    pub fn payload(&self) -> &[u8] {
        &self.b()[HEADER_LEN..]
    }
}

impl<'a> Ethernet<&'a [u8]> {
    /// The payload, borrowed for the buffer's lifetime rather than the view's.
    pub fn into_payload(self) -> &'a [u8] {
        &self.buf[HEADER_LEN..]
    }
}

impl<'a> Ethernet<&'a mut [u8]> {
    /// The payload, mutably borrowed for the buffer's lifetime.
    pub fn into_payload(self) -> &'a mut [u8] {
        &mut self.buf[HEADER_LEN..]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Ethernet<B> {
    /// Sets the destination MAC address.
    pub fn set_dst(&mut self, mac: MacAddr) {
        self.buf.as_mut()[f::DST].copy_from_slice(&mac.0);
    }

    /// Sets the source MAC address.
    pub fn set_src(&mut self, mac: MacAddr) {
        self.buf.as_mut()[f::SRC].copy_from_slice(&mac.0);
    }

    /// Sets the EtherType.
    pub fn set_ethertype(&mut self, ethertype: EtherType) {
        field::set_u16(self.buf.as_mut(), f::ETHERTYPE, ethertype.0);
    }

    /// The payload, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buf.as_mut()[HEADER_LEN..]
    }
}

/// The field values of an Ethernet II header, to write a fresh one with
/// [`emit`](Self::emit).
///
/// ```
/// use wireview::{EtherType, Ethernet, EthernetHeader, MacAddr};
///
/// let hdr = EthernetHeader {
///     dst: MacAddr::BROADCAST,
///     src: "02:00:00:00:00:01".parse().unwrap(),
///     ethertype: EtherType::ARP,
/// };
/// let mut buf = [0u8; 42];
/// let n = hdr.emit(&mut buf)?;
/// let eth = Ethernet::new(&buf[..])?;
/// assert_eq!((n, eth.src(), eth.ethertype()), (14, hdr.src, EtherType::ARP));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct EthernetHeader {
    /// Destination MAC address.
    pub dst: MacAddr,
    /// Source MAC address.
    pub src: MacAddr,
    /// EtherType of the payload (or the TPID of a tag that follows).
    pub ethertype: EtherType,
}

impl EthernetHeader {
    /// Writes the 14-byte header at the start of `buf` and returns its length.
    ///
    /// # Errors
    /// [`Error::NoRoom`] when `buf` is shorter than 14 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        if buf.len() < HEADER_LEN {
            return Err(Error::NoRoom {
                layer: Layer::Ethernet,
                needed: HEADER_LEN,
                available: buf.len(),
            });
        }
        let mut eth = Ethernet::new_unchecked(&mut buf[..HEADER_LEN]);
        eth.set_dst(self.dst);
        eth.set_src(self.src);
        eth.set_ethertype(self.ethertype);
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::string::ToString;

    /// The first frame of tcpdump's `arp-oobr.pcap` (60 bytes on the wire):
    /// an ARP request, who has 192.168.1.1, tell 192.168.1.104.
    const ARP_FRAME: [u8; 60] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // dst: broadcast
        0x00, 0x1f, 0x29, 0xda, 0x2d, 0x79, // src: 00:1f:29:da:2d:79
        0x08, 0x06, // EtherType ARP
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, // Ethernet/IPv4, request
        0x00, 0x1f, 0x29, 0xda, 0x2d, 0x79, 0xc0, 0xa8, 0x01, 0x68, // sha, spa
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x01, 0x01, // tha, tpa
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // padding
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
    ];

    #[test]
    fn arp_frame_fields() {
        let eth = Ethernet::new(&ARP_FRAME[..]).unwrap();
        assert_eq!(eth.dst(), MacAddr::BROADCAST);
        assert_eq!(eth.src(), MacAddr::new(0x00, 0x1f, 0x29, 0xda, 0x2d, 0x79));
        assert_eq!(eth.ethertype(), EtherType::ARP);
        assert_eq!(eth.header(), &ARP_FRAME[..14]);
        assert_eq!(eth.payload(), &ARP_FRAME[14..]);
        assert_eq!(eth.header_len(), 14);
        assert_eq!(eth.into_payload().len(), 46);
    }

    #[test]
    fn every_truncated_length_is_reported_exactly() {
        for len in 0..HEADER_LEN {
            assert_eq!(
                Ethernet::new(&ARP_FRAME[..len]),
                Err(Error::Truncated {
                    layer: Layer::Ethernet,
                    needed: 14,
                    available: len
                })
            );
            let mut buf = [0u8; 14];
            assert_eq!(
                EthernetHeader::default().emit(&mut buf[..len]),
                Err(Error::NoRoom {
                    layer: Layer::Ethernet,
                    needed: 14,
                    available: len
                })
            );
        }
        let eth = Ethernet::new(&ARP_FRAME[..14]).unwrap();
        assert!(eth.payload().is_empty());
    }

    #[test]
    fn setters_write_only_their_field() {
        let mut frame = ARP_FRAME;
        let mut eth = EthernetMut::new(&mut frame[..]).unwrap();
        eth.set_dst(MacAddr::new(1, 2, 3, 4, 5, 6));
        eth.set_src(MacAddr::new(7, 8, 9, 10, 11, 12));
        eth.set_ethertype(EtherType::IPV6);
        eth.payload_mut()[0] = 0xAA;
        assert_eq!(
            frame[..16],
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x86, 0xdd, 0xAA, 0x01]
        );
        assert_eq!(frame[16..], ARP_FRAME[16..]);
        let payload = EthernetMut::new(&mut frame[..]).unwrap().into_payload();
        assert_eq!(payload.len(), 46);
    }

    #[test]
    fn mac_addr_classes() {
        assert!(MacAddr::BROADCAST.is_broadcast());
        assert!(MacAddr::BROADCAST.is_multicast());
        assert!(!MacAddr::BROADCAST.is_unicast());
        let ipv4_mcast = MacAddr::new(0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb);
        assert!(ipv4_mcast.is_multicast() && !ipv4_mcast.is_broadcast());
        assert!(MacAddr::ZERO.is_unicast());
        assert!(!MacAddr::ZERO.is_broadcast());
        assert!(MacAddr::new(0x02, 0, 0, 0, 0, 1).is_locally_administered());
        assert!(!MacAddr::new(0x00, 0x1f, 0, 0, 0, 1).is_locally_administered());
        assert_eq!(
            MacAddr::from([1, 2, 3, 4, 5, 6]).octets(),
            [1, 2, 3, 4, 5, 6]
        );
        assert_eq!(<[u8; 6]>::from(MacAddr::BROADCAST), [0xFF; 6]);
    }

    #[test]
    fn mac_addr_text() {
        let mac = MacAddr::new(0x00, 0x1f, 0x29, 0xda, 0x2d, 0x79);
        assert_eq!(mac.to_string(), "00:1f:29:da:2d:79");
        assert_eq!(format!("{mac:?}"), "MacAddr(00:1f:29:da:2d:79)");
        assert_eq!("00:1F:29:dA:2d:79".parse(), Ok(mac));
        assert_eq!("00-1f-29-da-2d-79".parse(), Ok(mac));
        for bad in [
            "",
            "00:1f:29:da:2d",
            "00:1f:29:da:2d:79:",
            "00:1f:29:da:2d:7",
            "00:1f:29-da:2d:79",
            "00.1f.29.da.2d.79",
            "0g:1f:29:da:2d:79",
            "+0:1f:29:da:2d:79",
            "001f:29:da:2d:79a",
            "00:1f:29:da:2d:é",
        ] {
            assert_eq!(bad.parse::<MacAddr>(), Err(ParseMacAddrError), "{bad}");
        }
        assert_eq!(
            ParseMacAddrError.to_string(),
            "invalid MAC address syntax (expected aa:bb:cc:dd:ee:ff)"
        );
    }

    #[test]
    fn ethertype_text_and_tpids() {
        assert_eq!(EtherType::IPV4.to_string(), "0x0800");
        assert_eq!(EtherType::QINQ.to_string(), "0x88a8");
        assert_eq!(EtherType(0x2a).to_string(), "0x002a");
        for t in [EtherType::VLAN, EtherType::QINQ, EtherType::VLAN_DOUBLE] {
            assert!(t.is_vlan_tpid());
        }
        for t in [EtherType::IPV4, EtherType::ARP, EtherType::MACSEC] {
            assert!(!t.is_vlan_tpid());
        }
        assert_eq!(u16::from(EtherType::from(0x88cc)), 0x88cc);
        assert_eq!(EtherType(0x88cc), EtherType::LLDP);
    }

    proptest! {
        #[test]
        fn mac_display_parse_round_trips(octets: [u8; 6]) {
            let mac = MacAddr(octets);
            let text = mac.to_string();
            prop_assert_eq!(text.len(), 17);
            prop_assert_eq!(text.to_lowercase(), text.clone());
            prop_assert_eq!(text.parse::<MacAddr>(), Ok(mac));
            prop_assert_eq!(text.to_uppercase().replace(':', "-").parse::<MacAddr>(), Ok(mac));
        }

        #[test]
        fn emit_then_parse_round_trips(dst: [u8; 6], src: [u8; 6], ty: u16, extra in 0usize..20) {
            let hdr = EthernetHeader { dst: MacAddr(dst), src: MacAddr(src), ethertype: EtherType(ty) };
            let mut buf = std::vec![0x5Au8; 14 + extra];
            prop_assert_eq!(hdr.emit(&mut buf), Ok(14));
            let eth = Ethernet::new(&buf[..]).unwrap();
            prop_assert_eq!((eth.dst(), eth.src(), eth.ethertype()), (hdr.dst, hdr.src, hdr.ethertype));
            prop_assert!(eth.payload().iter().all(|&b| b == 0x5A));
        }

        #[test]
        fn setters_then_getters(frame in proptest::collection::vec(any::<u8>(), 14..64),
                                dst: [u8; 6], src: [u8; 6], ty: u16) {
            let mut frame = frame;
            let before = frame.clone();
            let mut eth = EthernetMut::new(&mut frame[..]).unwrap();
            eth.set_dst(MacAddr(dst));
            prop_assert_eq!(eth.dst(), MacAddr(dst));
            eth.set_src(MacAddr(src));
            prop_assert_eq!(eth.src(), MacAddr(src));
            eth.set_ethertype(EtherType(ty));
            prop_assert_eq!(eth.ethertype(), EtherType(ty));
            prop_assert_eq!(eth.dst(), MacAddr(dst));
            prop_assert_eq!(&frame[14..], &before[14..]);
        }
    }
}
