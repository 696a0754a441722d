//! Encapsulate and decapsulate tunnels in a caller's buffer.
//!
//! The functions here work the data-plane way (Linux `skb_push`, XDP
//! `bpf_xdp_adjust_head`): the packet to wrap lies at `buf[start..end]`,
//! the caller leaves headroom before it, and the outer headers are written
//! into that headroom. Nothing after `start` moves, nothing is allocated,
//! and every length and checksum of the new headers is right. The returned
//! offset is where the encapsulated packet now starts; it ends at `end`.
//!
//! | function | outer headers | inner packet |
//! | --- | --- | --- |
//! | [`encap_ip`] | IPv4 or IPv6 (protocol 4 or 41) | IPv4 or IPv6: IPIP ([RFC 2003]), SIT/6in4 ([RFC 4213]), IPv6-in-IPv6 / IPv4-in-IPv6 ([RFC 2473]) |
//! | [`encap_gre`] | IPv4 or IPv6, GRE ([RFC 2784], [RFC 2890]) | what the GRE protocol type says |
//! | [`encap_vxlan`] | IPv4 or IPv6, UDP, VXLAN ([RFC 7348]) | an Ethernet frame |
//!
//! An outer Ethernet header, if the result goes on a wire, is the caller's
//! to write in front ([`EthernetHeader::emit`](crate::EthernetHeader::emit)).
//! [`decap`] finds the inner packet of any of these tunnels without
//! moving a byte: decapsulation is moving the start forward.
//!
//! [RFC 2003]: https://www.rfc-editor.org/rfc/rfc2003
//! [RFC 4213]: https://www.rfc-editor.org/rfc/rfc4213
//! [RFC 2473]: https://www.rfc-editor.org/rfc/rfc2473
//! [RFC 2784]: https://www.rfc-editor.org/rfc/rfc2784
//! [RFC 2890]: https://www.rfc-editor.org/rfc/rfc2890
//! [RFC 7348]: https://www.rfc-editor.org/rfc/rfc7348
//!
//! ```
//! use core::net::Ipv4Addr;
//! use wireview::tunnel::{decap, encap_ip, OuterIp, Tunnel};
//! use wireview::{IpProtocol, Ipv4, Ipv4Header};
//!
//! // An IPv4/UDP packet at offset 20 of a buffer with 20 bytes of headroom.
//! let mut buf = [0u8; 20 + 28];
//! let inner = Ipv4Header { protocol: IpProtocol::UDP, payload_len: 8, ..Ipv4Header::default() };
//! inner.emit(&mut buf[20..])?;
//! buf[44..46].copy_from_slice(&8u16.to_be_bytes()); // the UDP length
//! let outer = OuterIp::V4(Ipv4Header {
//!     src: Ipv4Addr::new(192, 0, 2, 1),
//!     dst: Ipv4Addr::new(192, 0, 2, 2),
//!     ..Ipv4Header::default()
//! });
//! let start = encap_ip(&mut buf, 20, 48, &outer)?;
//! assert_eq!(start, 0);
//! let ip = Ipv4::new(&buf[..])?;
//! assert_eq!((ip.protocol(), ip.total_len(), ip.verify_checksum()), (IpProtocol::IPV4, 48, true));
//!
//! let d = decap(&buf)?;
//! assert_eq!((d.tunnel, d.inner), (Tunnel::Ipip, 20..48));
//! # Ok::<(), wireview::Error>(())
//! ```

use core::ops::Range;

use crate::error::{Error, Layer};
use crate::ethernet::EtherType;
use crate::flow::FlowKey;
use crate::gre::{Gre, GreHeader};
use crate::ip::IpProtocol;
use crate::ipv4::{self, Ipv4Header};
use crate::ipv6::{self, Ipv6Header};
use crate::udp::{self, Udp, UdpHeader};
use crate::vxlan::{self, Vni, Vxlan, VxlanHeader};
use crate::walk::{LayerKind, Layers};

/// The outer IP header of a tunnel: its field values, except the protocol
/// (next header) and the length, which the encapsulating function sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OuterIp {
    /// An outer IPv4 header (20 bytes, no options).
    V4(Ipv4Header),
    /// An outer IPv6 header (40 bytes, no extension headers).
    V6(Ipv6Header),
}

impl OuterIp {
    /// Length of the outer header, in octets.
    pub const fn header_len(&self) -> usize {
        match self {
            OuterIp::V4(_) => ipv4::HEADER_LEN,
            OuterIp::V6(_) => ipv6::HEADER_LEN,
        }
    }

    /// The layer errors about this header name.
    const fn layer(&self) -> Layer {
        match self {
            OuterIp::V4(_) => Layer::Ipv4,
            OuterIp::V6(_) => Layer::Ipv6,
        }
    }

    /// Writes the header at the start of `buf` for a payload of
    /// `payload_len` octets of `protocol`.
    fn emit(&self, buf: &mut [u8], protocol: IpProtocol, payload_len: usize) -> Result<(), Error> {
        let layer = self.layer();
        // The IPv4 builder also refuses a total length beyond 16 bits.
        let len = u16::try_from(payload_len).map_err(|_| bad_len(layer, payload_len))?;
        match *self {
            OuterIp::V4(h) => Ipv4Header {
                protocol,
                payload_len: len,
                ..h
            }
            .emit(buf)?,
            OuterIp::V6(h) => Ipv6Header {
                next_header: protocol,
                payload_len: len,
                ..h
            }
            .emit(buf)?,
        };
        Ok(())
    }
}

/// A length that does not fit a 16-bit length field.
const fn bad_len(layer: Layer, found: usize) -> Error {
    Error::BadLength {
        layer,
        found,
        min: 0,
        max: u16::MAX as usize,
    }
}

/// Checks `buf[start..end]` is a packet with `headroom` bytes before it and
/// returns the new start. `layer` is what a lack of headroom is reported
/// at; a range outside `buf` is the caller's, [`Error::OutOfRange`].
fn make_room(
    buf: &[u8],
    start: usize,
    end: usize,
    headroom: usize,
    layer: Layer,
) -> Result<usize, Error> {
    if start > end || end > buf.len() {
        return Err(Error::OutOfRange {
            start,
            end,
            len: buf.len(),
        });
    }
    start.checked_sub(headroom).ok_or(Error::NoRoom {
        layer,
        needed: headroom,
        available: start,
    })
}

/// Wraps the IPv4 or IPv6 packet at `buf[start..end]` in `outer`, with
/// protocol 4 (IPv4 inside: IPIP, IPv4-in-IPv6) or 41 (IPv6 inside: SIT /
/// 6in4, IPv6-in-IPv6) by the inner version, and returns the new start
/// (`start - outer.header_len()`).
///
/// # Errors
/// [`Error::OutOfRange`] when `start..end` is not inside `buf`;
/// [`Error::NoRoom`] (at the outer header's layer) when `start` leaves less
/// headroom than the outer header; [`Error::BadVersion`] when the inner
/// packet is not IPv4 or IPv6; [`Error::Truncated`] when it is empty
/// (reported as IPv4's 20 bytes needed) or shorter than its fixed IP
/// header; [`Error::BadLength`] when the result would not fit the outer
/// length field.
pub fn encap_ip(buf: &mut [u8], start: usize, end: usize, outer: &OuterIp) -> Result<usize, Error> {
    let new_start = make_room(buf, start, end, outer.header_len(), outer.layer())?;
    // Only the inner packet's own bytes are read: an empty one has no
    // version, and the byte at `end` is not its.
    let inner = &buf[start..end];
    let (protocol, layer, min) = match inner.first().map(|b| b >> 4) {
        Some(4) => (IpProtocol::IPV4, Layer::Ipv4, ipv4::HEADER_LEN),
        Some(6) => (IpProtocol::IPV6, Layer::Ipv6, ipv6::HEADER_LEN),
        None => return Err(Error::truncated(Layer::Ipv4, ipv4::HEADER_LEN, 0)),
        Some(v) => {
            return Err(Error::BadVersion {
                layer: Layer::Ipv4,
                found: v,
            })
        }
    };
    if inner.len() < min {
        return Err(Error::truncated(layer, min, inner.len()));
    }
    outer.emit(&mut buf[new_start..start], protocol, end - start)?;
    Ok(new_start)
}

/// Wraps the packet at `buf[start..end]` in `outer` and the GRE header
/// `gre` (its protocol type names the inner packet: [`EtherType::IPV4`],
/// [`EtherType::IPV6`], [`EtherType::TEB`] for an Ethernet frame, ...),
/// computing the GRE checksum over GRE header and payload when
/// `gre.checksum` is set. Returns the new start.
///
/// # Errors
/// [`Error::OutOfRange`], [`Error::NoRoom`] (at [`Layer::Gre`]) and
/// [`Error::BadLength`] as [`encap_ip`]; the inner packet is not read.
pub fn encap_gre(
    buf: &mut [u8],
    start: usize,
    end: usize,
    outer: &OuterIp,
    gre: &GreHeader,
) -> Result<usize, Error> {
    let gre_len = gre.header_len();
    let new_start = make_room(buf, start, end, outer.header_len() + gre_len, Layer::Gre)?;
    let gre_start = start - gre_len;
    outer.emit(
        &mut buf[new_start..gre_start],
        IpProtocol::GRE,
        end - gre_start,
    )?;
    gre.emit(&mut buf[gre_start..start])?;
    if gre.checksum {
        Gre::new(&mut buf[gre_start..end])?.fill_checksum();
    }
    Ok(new_start)
}

/// What [`encap_vxlan`] writes besides the outer IP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VxlanEncap {
    /// The VXLAN network identifier.
    pub vni: Vni,
    /// The outer UDP source port. RFC 7348 recommends a hash of the inner
    /// flow, for ECMP entropy: see [`entropy_port`].
    pub src_port: u16,
    /// The outer UDP destination port, normally [`vxlan::UDP_PORT`] (4789).
    pub dst_port: u16,
    /// Whether to compute the outer UDP checksum (over the whole inner
    /// frame) or send 0, "no checksum", as Linux does by default over IPv4
    /// (`udpcsum`), and as RFC 6935 allows for tunnels over IPv6
    /// (`udp6zerocsumtx`).
    pub udp_checksum: bool,
}

/// Wraps the Ethernet frame at `buf[start..end]` in VXLAN, UDP and `outer`,
/// and returns the new start (`start - 16 - outer.header_len()`).
///
/// ```
/// use core::net::Ipv6Addr;
/// use wireview::tunnel::{encap_vxlan, entropy_port, OuterIp, VxlanEncap};
/// use wireview::walk::{LayerKind, Layers};
/// use wireview::{EtherType, EthernetHeader, Ipv6Header, MacAddr, Vni};
///
/// let mut buf = [0u8; 56 + 14];
/// let inner = EthernetHeader { dst: MacAddr::BROADCAST, src: MacAddr([2, 0, 0, 0, 0, 1]), ethertype: EtherType(0x88b5) };
/// inner.emit(&mut buf[56..])?;
/// let outer = OuterIp::V6(Ipv6Header { src: Ipv6Addr::LOCALHOST, dst: Ipv6Addr::LOCALHOST, ..Ipv6Header::default() });
/// let vx = VxlanEncap { vni: Vni::new(42).unwrap(), src_port: entropy_port(&buf[56..]), dst_port: 4789, udp_checksum: true };
/// let start = encap_vxlan(&mut buf, 56, 70, &outer, &vx)?;
/// let kinds: Vec<_> = Layers::from_ip(&buf[start..]).iter().map(|l| l.kind).collect();
/// assert_eq!(kinds[..4], [LayerKind::Ipv6, LayerKind::Udp, LayerKind::Vxlan, LayerKind::Ethernet]);
/// # Ok::<(), wireview::Error>(())
/// ```
///
/// # Errors
/// As [`encap_gre`], with [`Error::NoRoom`] at [`Layer::Vxlan`].
pub fn encap_vxlan(
    buf: &mut [u8],
    start: usize,
    end: usize,
    outer: &OuterIp,
    vx: &VxlanEncap,
) -> Result<usize, Error> {
    let udp_len = udp::HEADER_LEN + vxlan::HEADER_LEN;
    let new_start = make_room(buf, start, end, outer.header_len() + udp_len, Layer::Vxlan)?;
    let udp_start = start - udp_len;
    // The UDP length (header included) must fit 16 bits.
    u16::try_from(end - udp_start).map_err(|_| bad_len(Layer::Udp, end - udp_start))?;
    let payload_len = (end - start + vxlan::HEADER_LEN) as u16;
    outer.emit(
        &mut buf[new_start..udp_start],
        IpProtocol::UDP,
        end - udp_start,
    )?;
    UdpHeader {
        src_port: vx.src_port,
        dst_port: vx.dst_port,
        payload_len,
    }
    .emit(&mut buf[udp_start..udp_start + udp::HEADER_LEN])?;
    VxlanHeader { vni: vx.vni }.emit(&mut buf[udp_start + udp::HEADER_LEN..start])?;
    if vx.udp_checksum {
        let mut udp = Udp::new(&mut buf[udp_start..end])?;
        match outer {
            OuterIp::V4(h) => udp.fill_checksum_ipv4(h.src, h.dst),
            OuterIp::V6(h) => udp.fill_checksum_ipv6(h.src, h.dst),
        }
    }
    Ok(new_start)
}

/// A UDP source port in the dynamic range 49152..=65535 derived from the
/// inner frame's flow ([`FlowKey::hash`]), as RFC 7348 section 5
/// recommends so that ECMP spreads tunnelled flows. Frames without an IP
/// flow get 49152.
pub fn entropy_port(inner_frame: &[u8]) -> u16 {
    let hash = FlowKey::from_ethernet(inner_frame).map_or(0, |k| k.hash(0));
    49152 + (hash % 16384) as u16
}

/// The kind of tunnel [`decap`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Tunnel {
    /// IPv4 in IPv4.
    Ipip,
    /// IPv6 in IPv4 (SIT, 6in4).
    Sit,
    /// IPv4 in IPv6.
    Ipv4InIpv6,
    /// IPv6 in IPv6.
    Ipv6InIpv6,
    /// GRE, with what its header says of the inner packet.
    Gre {
        /// The inner packet's protocol type.
        protocol: EtherType,
        /// The key, when the K bit is set ([RFC 2890]).
        ///
        /// [RFC 2890]: https://www.rfc-editor.org/rfc/rfc2890
        key: Option<u32>,
        /// The sequence number, when the S bit is set.
        seq: Option<u32>,
    },
    /// VXLAN, with its network identifier and flags octet (the I flag is
    /// always set: [`decap`] refuses a header without it).
    Vxlan {
        /// The VXLAN network identifier.
        vni: Vni,
        /// The flags octet, reserved bits included.
        flags: u8,
    },
}

/// The result of [`decap`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decapsulated {
    /// What the tunnel was.
    pub tunnel: Tunnel,
    /// Where the inner packet (an IP packet, or an Ethernet frame for VXLAN
    /// and GRE with [`EtherType::TEB`]) lies in the slice given to
    /// [`decap`].
    pub inner: Range<usize>,
}

/// Finds the inner packet of the tunnel whose outer IP header starts
/// `packet`: IPIP, SIT, IPv4/IPv6-in-IPv6 (through IPv6 extension
/// headers), GRE, or VXLAN on UDP port 4789. Decapsulating is then using
/// `packet[inner]`; nothing moves.
///
/// The walk is strict ([`Walker::new`](crate::walk::Walker::new)): this
/// is a tunnel endpoint's data path.
///
/// # Errors
/// The walk's error when any header is malformed (including a VXLAN
/// header whose I flag is clear, RFC 7348, and an inner frame cut short);
/// [`Error::BadValue`] when the packet is not a tunnel this crate knows;
/// [`Error::BadLength`] when the inner packet is empty.
pub fn decap(packet: &[u8]) -> Result<Decapsulated, Error> {
    let layers = Layers::from_ip(packet);
    // A tunnel endpoint is a data plane: a malformed header anywhere (a
    // VXLAN header without its I flag, RFC 7348; an inner frame that is
    // cut short) drops the packet, as Linux does.
    if let Some(e) = layers.error() {
        return Err(e);
    }
    let not_tunnel = Error::BadValue {
        layer: Layer::Ipv4,
        field: "protocol (not a tunnel)",
    };
    let outer = layers.get(0).filter(|l| l.kind.is_ip()).ok_or(not_tunnel)?;
    // The first layer after the outer IP header and its extension headers.
    let (i, next) = layers
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, l)| !matches!(l.kind, LayerKind::Ipv6Ext(_)))
        .ok_or(not_tunnel)?;
    let (tunnel, inner) = match (outer.kind, next.kind) {
        (LayerKind::Ipv4, LayerKind::Ipv4) => (Tunnel::Ipip, next.range()),
        (LayerKind::Ipv4, LayerKind::Ipv6) => (Tunnel::Sit, next.range()),
        (LayerKind::Ipv6, LayerKind::Ipv4) => (Tunnel::Ipv4InIpv6, next.range()),
        (LayerKind::Ipv6, LayerKind::Ipv6) => (Tunnel::Ipv6InIpv6, next.range()),
        (_, LayerKind::Gre) => {
            let gre = Gre::new(&packet[next.range()])?;
            let tunnel = Tunnel::Gre {
                protocol: gre.protocol_type(),
                key: gre.key(),
                seq: gre.seq(),
            };
            (tunnel, next.payload_range())
        }
        (_, LayerKind::Udp) => match layers.get(i + 1) {
            Some(v) if v.kind == LayerKind::Vxlan => {
                let vxlan = Vxlan::new(&packet[v.range()])?;
                let tunnel = Tunnel::Vxlan {
                    vni: vxlan.vni(),
                    flags: vxlan.flags(),
                };
                (tunnel, v.payload_range())
            }
            _ => return Err(not_tunnel),
        },
        _ => return Err(not_tunnel),
    };
    if inner.is_empty() {
        return Err(Error::BadLength {
            layer: crate::walk::error_layer(next.kind),
            found: 0,
            min: 1,
            max: packet.len(),
        });
    }
    Ok(Decapsulated { tunnel, inner })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ethernet::{EthernetHeader, MacAddr};
    use crate::flow::tests::TCP_TIMESTAMPS;
    use crate::packet::tests::{assert_checksums_valid, checksums, sum16};
    use crate::walk::tests::{GRE_KEY, VXLAN_ICMP};
    use crate::walk::Which;
    use core::net::Ipv4Addr;
    use std::string::ToString;
    use std::vec::Vec;

    use LayerKind as K;

    /// ipv6-srh-ext-header.pcap: IPv6 in IPv6 behind a segment routing header.
    #[rustfmt::skip]
    const SRH_IPV6_IN_IPV6: [u8; 198] = [
        // Ethernet: 08:00:27:c2:2d:a5 -> 08:00:27:20:6b:cf, IPv6 (offset 0)
        0x08, 0x00, 0x27, 0x20, 0x6b, 0xcf, 0x08, 0x00, 0x27, 0xc2, 0x2d, 0xa5, 0x86, 0xdd,
        // IPv6: payload length 144, next header 43 (routing), hop limit 64, a:b:c:12::1 -> a:b:c:2::f1 (offset 14)
        0x60, 0x08, 0x89, 0xad, 0x00, 0x90, 0x2b, 0x40, 0x00, 0x0a, 0x00, 0x0b, 0x00, 0x0c, 0x00, 0x12,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x0b, 0x00, 0x0c, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x00, 0x00, 0xf1, 0x00, 0x00,
        // Segment routing header: next header 41 (IPv6), length 4 (40 octets), type 4, segments left 1, last entry 1, flags 0, tag 0, segments a:b:c:3::d6, a:b:c:2::f1 (offset 54)
        0x29, 0x04, 0x04, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x0b, 0x00, 0x0c, 0x00, 0x03,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd6, 0x00, 0x0a, 0x00, 0x0b, 0x00, 0x0c, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x00, 0x00, 0xf1, 0x00, 0x00,
        // inner IPv6: payload length 64, ICMPv6, hop limit 64, a:b:c:12::1 -> b2::2 (offset 94)
        0x60, 0x08, 0x89, 0xad, 0x00, 0x40, 0x3a, 0x40, 0x00, 0x0a, 0x00, 0x0b, 0x00, 0x0c, 0x00, 0x12,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0xb2, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
        // ICMPv6 echo request, id 0x06ee, seq 1, and data (offset 134)
        0x80, 0x00, 0x63, 0x5e, 0x06, 0xee, 0x00, 0x01, 0x03, 0xc5, 0x47, 0x5a, 0x00, 0x00, 0x00, 0x00,
        0x0a, 0x5e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
        0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
        0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
    ];

    /// The IPv4/TCP datagram of a real frame (valid checksums, 19 bytes of data).
    fn inner_v4() -> &'static [u8] {
        &TCP_TIMESTAMPS[14..]
    }

    /// The inner IPv6/ICMPv6 packet of a real frame.
    fn inner_v6() -> &'static [u8] {
        &SRH_IPV6_IN_IPV6[94..]
    }

    /// The inner Ethernet/IPv4/ICMP frame of vxlan.pcap.
    fn inner_eth() -> &'static [u8] {
        &VXLAN_ICMP[50..]
    }

    fn outer_v4() -> OuterIp {
        OuterIp::V4(Ipv4Header {
            src: Ipv4Addr::new(192, 0, 2, 1),
            dst: Ipv4Addr::new(198, 51, 100, 2),
            ttl: 17,
            dont_fragment: true,
            ..Ipv4Header::default()
        })
    }

    fn outer_v6() -> OuterIp {
        OuterIp::V6(Ipv6Header {
            src: "2001:db8::1".parse().unwrap(),
            dst: "2001:db8:ffff::2".parse().unwrap(),
            hop_limit: 9,
            flow_label: 0x1_2345,
            ..Ipv6Header::default()
        })
    }

    /// `inner` after `headroom` zero bytes.
    fn with_headroom(headroom: usize, inner: &[u8]) -> Vec<u8> {
        let mut buf = vec![0; headroom];
        buf.extend_from_slice(inner);
        buf
    }

    /// Writes an Ethernet header for `outer` in the first 14 bytes, so the
    /// result walks (and its checksums check) from the Ethernet layer.
    fn add_ethernet(buf: &mut [u8], outer: &OuterIp) {
        EthernetHeader {
            dst: MacAddr([2, 0, 0, 0, 0, 2]),
            src: MacAddr([2, 0, 0, 0, 0, 1]),
            ethertype: match outer {
                OuterIp::V4(_) => EtherType::IPV4,
                OuterIp::V6(_) => EtherType::IPV6,
            },
        }
        .emit(buf)
        .unwrap();
    }

    fn kinds(frame: &[u8]) -> Vec<LayerKind> {
        Layers::from_ethernet(frame)
            .iter()
            .map(|l| l.kind)
            .collect()
    }

    /// The outer header's protocol / next header and length fields.
    fn outer_fields(pkt: &[u8]) -> (u8, usize) {
        if pkt[0] >> 4 == 4 {
            (pkt[9], usize::from(u16::from_be_bytes([pkt[2], pkt[3]])))
        } else {
            (
                pkt[6],
                40 + usize::from(u16::from_be_bytes([pkt[4], pkt[5]])),
            )
        }
    }

    #[test]
    fn ip_in_ip_round_trips() -> Result<(), Error> {
        let cases = [
            (
                outer_v4(),
                inner_v4(),
                4,
                Tunnel::Ipip,
                [K::Ipv4, K::Ipv4, K::Tcp],
            ),
            (
                outer_v4(),
                inner_v6(),
                41,
                Tunnel::Sit,
                [K::Ipv4, K::Ipv6, K::Icmpv6],
            ),
            (
                outer_v6(),
                inner_v4(),
                4,
                Tunnel::Ipv4InIpv6,
                [K::Ipv6, K::Ipv4, K::Tcp],
            ),
            (
                outer_v6(),
                inner_v6(),
                41,
                Tunnel::Ipv6InIpv6,
                [K::Ipv6, K::Ipv6, K::Icmpv6],
            ),
        ];
        for (outer, inner, protocol, tunnel, layers) in cases {
            let head = 14 + outer.header_len();
            let mut buf = with_headroom(head, inner);
            let end = buf.len();
            assert_eq!(encap_ip(&mut buf, head, end, &outer)?, 14);
            add_ethernet(&mut buf, &outer);
            let pkt = &buf[14..];
            assert_eq!(outer_fields(pkt), (protocol, pkt.len()));
            let walked = kinds(&buf);
            assert_eq!(walked[0], K::Ethernet);
            assert_eq!(walked[1..4], layers);
            // Outer IPv4 header checksum (when IPv4) and the inner ones.
            let n =
                usize::from(matches!(outer, OuterIp::V4(_))) + if protocol == 4 { 2 } else { 1 };
            assert_eq!(assert_checksums_valid(&buf), n);
            let d = decap(pkt)?;
            assert_eq!(d.tunnel, tunnel);
            assert_eq!(&pkt[d.inner.clone()], inner);
            assert_eq!(d.inner, outer.header_len()..pkt.len());
            // The buffer's bytes after the inner packet are not part of it.
            let mut padded = buf.clone();
            padded.extend_from_slice(&[0xEE; 6]);
            assert_eq!(decap(&padded[14..])?.inner, d.inner);
        }
        Ok(())
    }

    #[test]
    fn gre_round_trips() -> Result<(), Error> {
        for outer in [outer_v4(), outer_v6()] {
            for (protocol_type, inner, inner_kind) in [
                (EtherType::IPV4, inner_v4(), K::Ipv4),
                (EtherType::IPV6, inner_v6(), K::Ipv6),
                (EtherType::TEB, inner_eth(), K::Ethernet),
            ] {
                for flags in 0..8u8 {
                    let gre = GreHeader {
                        protocol_type,
                        checksum: flags & 1 != 0,
                        key: (flags & 2 != 0).then_some(0xDEAD_BEEF),
                        seq: (flags & 4 != 0).then_some(7),
                    };
                    let gre_len = 4 + 4 * usize::from(flags.count_ones() as u8);
                    assert_eq!(gre.header_len(), gre_len);
                    let head = 14 + outer.header_len() + gre_len;
                    let mut buf = with_headroom(head, inner);
                    let end = buf.len();
                    assert_eq!(encap_gre(&mut buf, head, end, &outer, &gre)?, 14);
                    add_ethernet(&mut buf, &outer);
                    let pkt = &buf[14..];
                    assert_eq!(outer_fields(pkt), (47, pkt.len()));
                    let walked = kinds(&buf);
                    assert_eq!(walked[2..4], [K::Gre, inner_kind], "{gre:?}");
                    let g = Gre::new(&pkt[outer.header_len()..])?;
                    assert_eq!(
                        (g.key(), g.seq(), g.protocol_type()),
                        (gre.key, gre.seq, protocol_type)
                    );
                    assert_eq!(g.verify_checksum(), gre.checksum.then_some(true));
                    if gre.checksum {
                        // From scratch: the GRE header and payload sum to 0xFFFF.
                        assert_eq!(sum16(&pkt[outer.header_len()..]), 0xFFFF);
                    }
                    let gre_sums = usize::from(gre.checksum);
                    let outer_sums = usize::from(matches!(outer, OuterIp::V4(_)));
                    let inner_sums = if inner_kind == K::Ipv6 { 1 } else { 2 };
                    assert_eq!(
                        assert_checksums_valid(&buf),
                        outer_sums + gre_sums + inner_sums
                    );
                    let d = decap(pkt)?;
                    assert!(
                        matches!(d.tunnel, Tunnel::Gre { protocol, .. } if protocol == protocol_type)
                    );
                    assert_eq!(&pkt[d.inner.clone()], inner);
                }
            }
        }
        Ok(())
    }

    #[test]
    fn vxlan_round_trips() -> Result<(), Error> {
        for outer in [outer_v4(), outer_v6()] {
            for udp_checksum in [false, true] {
                let vx = VxlanEncap {
                    vni: Vni::new(0xAB_CDEF).unwrap(),
                    src_port: entropy_port(inner_eth()),
                    dst_port: vxlan::UDP_PORT,
                    udp_checksum,
                };
                let head = 14 + outer.header_len() + 16;
                let mut buf = with_headroom(head, inner_eth());
                let end = buf.len();
                assert_eq!(encap_vxlan(&mut buf, head, end, &outer, &vx)?, 14);
                add_ethernet(&mut buf, &outer);
                let pkt = &buf[14..];
                let ip_len = outer.header_len();
                assert_eq!(outer_fields(pkt), (17, pkt.len()));
                let udp = Udp::new(&pkt[ip_len..])?;
                assert_eq!(
                    (udp.src_port(), udp.dst_port(), usize::from(udp.length())),
                    (vx.src_port, 4789, pkt.len() - ip_len)
                );
                assert_eq!(udp.checksum() != 0, udp_checksum);
                assert_eq!(
                    kinds(&buf)[1..8],
                    [
                        if ip_len == 20 { K::Ipv4 } else { K::Ipv6 },
                        K::Udp,
                        K::Vxlan,
                        K::Ethernet,
                        K::Ipv4,
                        K::Icmpv4,
                        K::Payload
                    ]
                );
                // The outer UDP checksum, from scratch, covers the whole inner frame.
                let report = checksums(&buf);
                let outer_udp = report.iter().find(|c| c.1 == K::Udp).unwrap();
                assert_eq!(outer_udp.2, udp_checksum.then_some(true));
                let outer_sums = usize::from(ip_len == 20);
                assert_eq!(
                    assert_checksums_valid(&buf),
                    outer_sums + usize::from(udp_checksum) + 2
                );
                let d = decap(pkt)?;
                assert_eq!(
                    d.tunnel,
                    Tunnel::Vxlan {
                        vni: vx.vni,
                        flags: 0x08
                    }
                );
                assert_eq!(&pkt[d.inner.clone()], inner_eth());
                assert_eq!(d.inner, ip_len + 16..pkt.len());
            }
        }
        Ok(())
    }

    #[test]
    fn decap_real_tunnels() -> Result<(), Error> {
        // vxlan.pcap, from its outer IPv4 header.
        let d = decap(&VXLAN_ICMP[14..])?;
        assert_eq!(
            (d.tunnel, d.inner),
            (
                Tunnel::Vxlan {
                    vni: Vni::new(100).unwrap(),
                    flags: 0x08
                },
                36..134
            )
        );
        // various_gre.pcap: GRE with a key, protocol type 0x8909.
        let d = decap(&GRE_KEY[18..])?;
        assert_eq!(
            (d.tunnel, d.inner),
            (
                Tunnel::Gre {
                    protocol: EtherType(0x8909),
                    key: Some(0x28),
                    seq: None
                },
                28..64
            )
        );
        // ipv6-srh-ext-header.pcap: IPv6 in IPv6 behind a routing header.
        let d = decap(&SRH_IPV6_IN_IPV6[14..])?;
        assert_eq!((d.tunnel, d.inner.clone()), (Tunnel::Ipv6InIpv6, 80..184));
        assert_eq!(&SRH_IPV6_IN_IPV6[14..][d.inner.clone()], inner_v6());
        assert_eq!(assert_checksums_valid(&SRH_IPV6_IN_IPV6), 1);
        Ok(())
    }

    #[test]
    fn decap_errors() {
        let not_tunnel = Err(Error::BadValue {
            layer: Layer::Ipv4,
            field: "protocol (not a tunnel)",
        });
        // A plain TCP datagram, a bare IPv4 header, a UDP datagram on
        // another port.
        assert_eq!(decap(inner_v4()), not_tunnel);
        // A header alone: its total length runs past the buffer (a strict
        // walk: this is a data path).
        assert_eq!(
            decap(&inner_v4()[..20]),
            Err(Error::BadLength {
                layer: Layer::Ipv4,
                found: 71,
                min: 20,
                max: 20
            })
        );
        let mut other_port = VXLAN_ICMP[14..].to_vec();
        other_port[22..24].copy_from_slice(&53u16.to_be_bytes());
        assert_eq!(decap(&other_port), not_tunnel);
        // Not IP at all, and cut short.
        assert_eq!(
            decap(&[0x12; 30]),
            Err(Error::BadVersion {
                layer: Layer::Ipv4,
                found: 1
            })
        );
        assert_eq!(decap(&[]), Err(Error::truncated(Layer::Ipv4, 20, 0)));
        // A VXLAN packet cut inside its VXLAN header: the lengths say more.
        assert_eq!(
            decap(&VXLAN_ICMP[14..46]),
            Err(Error::BadLength {
                layer: Layer::Ipv4,
                found: 134,
                min: 20,
                max: 32
            })
        );
        // RFC 7348: a VXLAN header whose I flag is clear carries no valid
        // VNI; Linux drops it, and so does decap.
        let mut no_i = VXLAN_ICMP[14..].to_vec();
        no_i[28] = 0x00;
        assert_eq!(
            decap(&no_i),
            Err(Error::BadValue {
                layer: Layer::Vxlan,
                field: "I flag"
            })
        );
        // A VXLAN header with no inner frame after it.
        let mut empty = VXLAN_ICMP[14..50].to_vec();
        empty[2..4].copy_from_slice(&36u16.to_be_bytes());
        empty[24..26].copy_from_slice(&16u16.to_be_bytes());
        assert_eq!(decap(&empty), Err(Error::truncated(Layer::Ethernet, 14, 0)));
        // GRE (here with an unknown protocol, so not walked further) and
        // nothing after it.
        let mut gre_only = GRE_KEY[18..46].to_vec();
        gre_only[2..4].copy_from_slice(&28u16.to_be_bytes());
        assert_eq!(
            decap(&gre_only),
            Err(Error::BadLength {
                layer: Layer::Gre,
                found: 0,
                min: 1,
                max: 28
            })
        );
        // GRE version 2 does not exist.
        let mut buf = with_headroom(24, inner_v4());
        let end = buf.len();
        let gre = GreHeader {
            protocol_type: EtherType::IPV4,
            ..GreHeader::default()
        };
        let start = encap_gre(&mut buf, 24, end, &outer_v4(), &gre).unwrap();
        buf[start + 21] = 2;
        assert_eq!(
            decap(&buf[start..]),
            Err(Error::BadVersion {
                layer: Layer::Gre,
                found: 2
            })
        );
    }

    #[test]
    fn no_room_and_bad_ranges() {
        let inner = inner_v4();
        let vx = VxlanEncap {
            vni: Vni::new(1).unwrap(),
            src_port: 1,
            dst_port: 4789,
            udp_checksum: true,
        };
        let gre = GreHeader {
            protocol_type: EtherType::IPV4,
            checksum: true,
            key: Some(1),
            seq: None,
        };
        for outer in [outer_v4(), outer_v6()] {
            let ip = outer.header_len();
            // encap_ip's NoRoom names the outer header it had no room for.
            let ip_layer = match outer {
                OuterIp::V4(_) => Layer::Ipv4,
                OuterIp::V6(_) => Layer::Ipv6,
            };
            for (need, layer) in [
                (ip, ip_layer),
                (ip + 12, Layer::Gre),
                (ip + 16, Layer::Vxlan),
            ] {
                for headroom in 0..need {
                    let mut buf = with_headroom(headroom, inner);
                    let before = buf.clone();
                    let end = buf.len();
                    let r = match layer {
                        Layer::Ipv4 | Layer::Ipv6 => encap_ip(&mut buf, headroom, end, &outer),
                        Layer::Gre => encap_gre(&mut buf, headroom, end, &outer, &gre),
                        _ => encap_vxlan(&mut buf, headroom, end, &outer, &vx),
                    };
                    assert_eq!(
                        r,
                        Err(Error::NoRoom {
                            layer,
                            needed: need,
                            available: headroom
                        })
                    );
                    assert_eq!(buf, before, "nothing written");
                }
            }
            // start after end, end past the buffer: the range is at fault,
            // not a header.
            let mut buf = with_headroom(60, inner);
            let len = buf.len();
            let bad = |start, end| Err(Error::OutOfRange { start, end, len });
            assert_eq!(encap_ip(&mut buf, 60, 59, &outer), bad(60, 59));
            assert_eq!(encap_ip(&mut buf, 60, len + 1, &outer), bad(60, len + 1));
            assert_eq!(
                encap_gre(&mut buf, 60, len + 1, &outer, &gre),
                bad(60, len + 1)
            );
            assert_eq!(encap_vxlan(&mut buf, 60, 0, &outer, &vx), bad(60, 0));
            assert_eq!(
                encap_vxlan(&mut buf, 60, 0, &outer, &vx)
                    .unwrap_err()
                    .to_string(),
                std::format!("packet: bytes 60..0 lie outside the {len}-byte buffer")
            );
            // The inner packet of encap_ip must be IPv4 or IPv6.
            let mut buf = with_headroom(40, &[0x00, 1, 2, 3]);
            assert_eq!(
                encap_ip(&mut buf, 40, 44, &outer),
                Err(Error::BadVersion {
                    layer: Layer::Ipv4,
                    found: 0
                })
            );
            // An empty inner packet is refused, and the byte after it (an
            // IPv4 version nibble here) is not read: it used to be taken as
            // the inner packet's version.
            let mut buf = with_headroom(40, inner);
            let before = buf.clone();
            assert_eq!(
                encap_ip(&mut buf, 40, 40, &outer),
                Err(Error::truncated(Layer::Ipv4, 20, 0))
            );
            // As is an inner packet shorter than its IP header.
            assert_eq!(
                encap_ip(&mut buf, 40, 59, &outer),
                Err(Error::truncated(Layer::Ipv4, 20, 19))
            );
            let mut v6 = with_headroom(40, inner_v6());
            assert_eq!(
                encap_ip(&mut v6, 40, 79, &outer),
                Err(Error::truncated(Layer::Ipv6, 40, 39))
            );
            assert_eq!(buf, before, "nothing written");
        }
    }

    #[test]
    fn lengths_that_do_not_fit_16_bits() {
        // IPv6 payload length: 65535 fits, 65536 does not.
        let mut buf = vec![0u8; 40 + 65_536];
        buf[40] = 0x45;
        let end = buf.len();
        assert_eq!(
            encap_ip(&mut buf, 40, end, &outer_v6()),
            Err(Error::BadLength {
                layer: Layer::Ipv6,
                found: 65_536,
                min: 0,
                max: 65_535
            })
        );
        assert_eq!(encap_ip(&mut buf, 40, end - 1, &outer_v6()), Ok(0));
        assert_eq!(outer_fields(&buf), (4, 40 + 65_535));
        // IPv4 total length: 20 + 65515 fits, one more does not.
        let mut buf = vec![0u8; 20 + 65_516];
        buf[20] = 0x45;
        let end = buf.len();
        assert!(encap_ip(&mut buf, 20, end, &outer_v4()).is_err());
        assert_eq!(encap_ip(&mut buf, 20, end - 1, &outer_v4()), Ok(0));
        assert_eq!(outer_fields(&buf), (4, 65_535));
        // The UDP length of VXLAN over IPv6: header, VXLAN and frame.
        let vx = VxlanEncap {
            vni: Vni::new(1).unwrap(),
            src_port: 1,
            dst_port: 4789,
            udp_checksum: true,
        };
        let mut buf = vec![0u8; 56 + 65_520];
        let end = buf.len();
        assert_eq!(
            encap_vxlan(&mut buf, 56, end, &outer_v6(), &vx),
            Err(Error::BadLength {
                layer: Layer::Udp,
                found: 65_536,
                min: 0,
                max: 65_535
            })
        );
        assert_eq!(encap_vxlan(&mut buf, 56, end - 1, &outer_v6(), &vx), Ok(0));
        let udp = Udp::new(&buf[40..]).unwrap();
        assert_eq!(udp.length(), 65_535);
        assert!(udp.verify_checksum_ipv6(
            "2001:db8::1".parse().unwrap(),
            "2001:db8:ffff::2".parse().unwrap()
        ));
    }

    #[test]
    fn nested_tunnels_peel_one_at_a_time() -> Result<(), Error> {
        // VXLAN over IPv6 inside GRE over IPv4 inside IPIP.
        let inner = inner_eth();
        let mut buf = with_headroom(200, inner);
        let end = buf.len();
        let vx = VxlanEncap {
            vni: Vni::new(5).unwrap(),
            src_port: 50000,
            dst_port: 4789,
            udp_checksum: true,
        };
        let s1 = encap_vxlan(&mut buf, 200, end, &outer_v6(), &vx)?;
        let gre = GreHeader {
            protocol_type: EtherType::IPV6,
            checksum: true,
            key: None,
            seq: Some(1),
        };
        let s2 = encap_gre(&mut buf, s1, end, &outer_v4(), &gre)?;
        let s3 = encap_ip(&mut buf, s2, end, &outer_v4())?;
        let s0 = s3 - 14;
        add_ethernet(&mut buf[s0..], &outer_v4());
        // Outer IPv4 x2, GRE, outer UDP, inner IPv4 and ICMP.
        assert_eq!(assert_checksums_valid(&buf[s0..]), 6);
        let d = decap(&buf[s3..])?;
        assert_eq!(d.tunnel, Tunnel::Ipip);
        let at = s3 + d.inner.start;
        let d = decap(&buf[at..end])?;
        assert!(matches!(
            d.tunnel,
            Tunnel::Gre {
                protocol: EtherType::IPV6,
                ..
            }
        ));
        let at = at + d.inner.start;
        let d = decap(&buf[at..end])?;
        assert_eq!(
            d.tunnel,
            Tunnel::Vxlan {
                vni: vx.vni,
                flags: 0x08
            }
        );
        assert_eq!(&buf[at + d.inner.start..at + d.inner.end], inner);
        let walked = Layers::from_ethernet(&buf[s0..]);
        assert_eq!(walked.find(K::Ethernet, Which::Innermost), Some(7));
        Ok(())
    }

    #[test]
    fn entropy_port_range() {
        assert_eq!(entropy_port(&[]), 49152);
        assert_eq!(entropy_port(&GRE_KEY[..14]), 49152);
        let key = FlowKey::from_ethernet(inner_eth()).unwrap();
        let port = entropy_port(inner_eth());
        assert_eq!(u32::from(port), 49152 + key.hash(0) % 16384);
        // Any IP flow lands in the dynamic range.
        for b in 0..=255u8 {
            let mut f = inner_eth().to_vec();
            f[14 + 12] = b;
            assert!(entropy_port(&f) >= 49152);
        }
    }
}
