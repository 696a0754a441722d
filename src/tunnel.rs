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

    /// Writes the header at the start of `buf` for a payload of
    /// `payload_len` octets of `protocol`.
    fn emit(&self, buf: &mut [u8], protocol: IpProtocol, payload_len: usize) -> Result<(), Error> {
        let layer = match self {
            OuterIp::V4(_) => Layer::Ipv4,
            OuterIp::V6(_) => Layer::Ipv6,
        };
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
/// returns the new start.
fn make_room(
    buf: &[u8],
    start: usize,
    end: usize,
    headroom: usize,
    layer: Layer,
) -> Result<usize, Error> {
    if start > end || end > buf.len() {
        return Err(Error::BadLength {
            layer,
            found: end,
            min: start,
            max: buf.len(),
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
/// [`Error::NoRoom`] when `start` leaves less headroom than the outer
/// header; [`Error::BadVersion`] when the inner packet is not IPv4 or IPv6;
/// [`Error::BadLength`] when `start..end` is not inside `buf` or the result
/// would not fit the outer length field.
pub fn encap_ip(buf: &mut [u8], start: usize, end: usize, outer: &OuterIp) -> Result<usize, Error> {
    let new_start = make_room(buf, start, end, outer.header_len(), Layer::Ipv4)?;
    let protocol = match buf.get(start).map(|b| b >> 4) {
        Some(4) => IpProtocol::IPV4,
        Some(6) => IpProtocol::IPV6,
        v => {
            return Err(Error::BadVersion {
                layer: Layer::Ipv4,
                found: v.unwrap_or(0),
            })
        }
    };
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
/// As [`encap_ip`], without the version check.
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
/// As [`encap_gre`].
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
    /// GRE, with the inner packet's protocol type.
    Gre(EtherType),
    /// VXLAN, with its network identifier.
    Vxlan(Vni),
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
/// # Errors
/// The walk's error when a header up to the inner packet is malformed;
/// [`Error::BadValue`] when the packet is not a tunnel this crate knows.
pub fn decap(packet: &[u8]) -> Result<Decapsulated, Error> {
    let layers = Layers::from_ip(packet);
    let list = layers.as_slice();
    let not_tunnel = Error::BadValue {
        layer: Layer::Ipv4,
        field: "protocol (not a tunnel)",
    };
    let Some(outer) = list.first().filter(|l| l.kind.is_ip()) else {
        return Err(layers.error().unwrap_or(not_tunnel));
    };
    // The first layer after the outer IP header and its extension headers.
    let Some((i, next)) = list
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, l)| !matches!(l.kind, LayerKind::Ipv6Ext(_)))
    else {
        return Err(layers.error().unwrap_or(not_tunnel));
    };
    let inner_ip = |tunnel| {
        Ok(Decapsulated {
            tunnel,
            inner: next.range(),
        })
    };
    match (outer.kind, next.kind) {
        (LayerKind::Ipv4, LayerKind::Ipv4) => inner_ip(Tunnel::Ipip),
        (LayerKind::Ipv4, LayerKind::Ipv6) => inner_ip(Tunnel::Sit),
        (LayerKind::Ipv6, LayerKind::Ipv4) => inner_ip(Tunnel::Ipv4InIpv6),
        (LayerKind::Ipv6, LayerKind::Ipv6) => inner_ip(Tunnel::Ipv6InIpv6),
        (_, LayerKind::Gre) => {
            let gre = Gre::new(&packet[next.range()])?;
            Ok(Decapsulated {
                tunnel: Tunnel::Gre(gre.protocol_type()),
                inner: next.payload_range(),
            })
        }
        (_, LayerKind::Udp) => match list.get(i + 1) {
            Some(v) if v.kind == LayerKind::Vxlan => {
                let vni = Vxlan::new(&packet[v.range()])?.vni();
                Ok(Decapsulated {
                    tunnel: Tunnel::Vxlan(vni),
                    inner: v.payload_range(),
                })
            }
            _ => Err(layers.error().unwrap_or(not_tunnel)),
        },
        _ => Err(layers.error().unwrap_or(not_tunnel)),
    }
}
