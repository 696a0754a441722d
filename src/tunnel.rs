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
//! | [`encap_geneve`] | IPv4 or IPv6, UDP, Geneve with options ([RFC 8926]) | what the Geneve protocol type says |
//! | [`encap_gtpu`] | IPv4 or IPv6, UDP, GTP-U G-PDU (3GPP TS 29.281) | a user packet (T-PDU) |
//! | [`encap_mpls_ip`] | IPv4 or IPv6 (protocol 137), MPLS label stack ([RFC 4023]) | what the bottom label means |
//! | [`encap_mpls_udp`] | IPv4 or IPv6, UDP, MPLS label stack ([RFC 7510]) | what the bottom label means |
//! | [`encap_pppoe`] | Ethernet, PPPoE session, PPP protocol ([RFC 2516]) | IPv4 or IPv6 |
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
//! [RFC 8926]: https://www.rfc-editor.org/rfc/rfc8926
//! [RFC 4023]: https://www.rfc-editor.org/rfc/rfc4023
//! [RFC 7510]: https://www.rfc-editor.org/rfc/rfc7510
//! [RFC 2516]: https://www.rfc-editor.org/rfc/rfc2516
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
use crate::ethernet::{self, EtherType, EthernetHeader, MacAddr};
use crate::flow::FlowKey;
use crate::geneve::{self, Geneve, GeneveHeader};
use crate::gre::{Gre, GreHeader};
use crate::gtpu::{Gtpu, GtpuHeader, GtpuMessageType, PduSession};
use crate::ip::IpProtocol;
use crate::ipv4::{self, Ipv4Header};
use crate::ipv6::{self, Ipv6Header};
use crate::mpls::{self, Label, MplsHeader};
use crate::pppoe::{self, PppProtocol, PppoeHeader};
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
    /// Geneve ([RFC 8926](https://www.rfc-editor.org/rfc/rfc8926)).
    Geneve {
        /// The virtual network identifier.
        vni: Vni,
        /// The inner packet's protocol type (Ethernet is
        /// [`EtherType::TEB`]).
        protocol: EtherType,
        /// The O bit: an OAM packet, for the tunnel endpoint itself.
        oam: bool,
        /// The C bit: critical options are present.
        critical: bool,
    },
    /// GTP-U (3GPP TS 29.281): a G-PDU, whose T-PDU is the inner packet.
    Gtpu {
        /// The tunnel endpoint identifier.
        teid: u32,
        /// The QoS flow identifier of a PDU Session Container, if any.
        qfi: Option<u8>,
    },
    /// MPLS in IP (protocol 137, [RFC 4023]) or over UDP (port 6635,
    /// [RFC 7510]): the inner packet is the labelled packet, label stack
    /// first, for the MPLS data plane to forward.
    ///
    /// [RFC 4023]: https://www.rfc-editor.org/rfc/rfc4023
    /// [RFC 7510]: https://www.rfc-editor.org/rfc/rfc7510
    Mpls {
        /// Whether UDP carried it.
        over_udp: bool,
        /// The top entry's label.
        top_label: Label,
        /// The number of label stack entries.
        depth: usize,
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
        (_, LayerKind::Mpls) => mpls_tunnel(packet, &layers, i, false)?,
        (_, LayerKind::Udp) => match layers.get(i + 1) {
            Some(v) if v.kind == LayerKind::Vxlan => {
                let vxlan = Vxlan::new(&packet[v.range()])?;
                let tunnel = Tunnel::Vxlan {
                    vni: vxlan.vni(),
                    flags: vxlan.flags(),
                };
                (tunnel, v.payload_range())
            }
            Some(v) if v.kind == LayerKind::Geneve => {
                let g = Geneve::new(&packet[v.range()])?;
                let tunnel = Tunnel::Geneve {
                    vni: g.vni(),
                    protocol: g.protocol_type(),
                    oam: g.oam(),
                    critical: g.critical(),
                };
                (tunnel, v.payload_range())
            }
            Some(v) if v.kind == LayerKind::Gtpu => {
                let g = Gtpu::new(&packet[v.range()])?;
                if g.message_type() != GtpuMessageType::G_PDU {
                    return Err(Error::BadValue {
                        layer: Layer::Gtpu,
                        field: "message type (not a G-PDU)",
                    });
                }
                let qfi = g.pdu_session().map(|s| s.qfi);
                let tunnel = Tunnel::Gtpu {
                    teid: g.teid(),
                    qfi,
                };
                (tunnel, v.payload_range())
            }
            Some(v) if v.kind == LayerKind::Mpls => mpls_tunnel(packet, &layers, i + 1, true)?,
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

// ---------------------------------------------------------------------------
// Geneve, GTP-U, MPLS and PPPoE encapsulation
// ---------------------------------------------------------------------------

/// Writes `outer`, a UDP header and a tunnel header of `tunnel_len` octets
/// (by `write_tunnel`, given exactly those octets) in front of
/// `buf[start..end]`, then the UDP checksum if asked, and returns the new
/// start. The shared tail of [`encap_geneve`], [`encap_gtpu`] and
/// [`encap_mpls_udp`].
#[allow(clippy::too_many_arguments)] // the one private helper of three callers
fn encap_over_udp(
    buf: &mut [u8],
    start: usize,
    end: usize,
    outer: &OuterIp,
    ports: (u16, u16),
    udp_checksum: bool,
    layer: Layer,
    tunnel_len: usize,
    write_tunnel: impl FnOnce(&mut [u8]) -> Result<usize, Error>,
) -> Result<usize, Error> {
    let udp_len = udp::HEADER_LEN + tunnel_len;
    let new_start = make_room(buf, start, end, outer.header_len() + udp_len, layer)?;
    let udp_start = start - udp_len;
    // The UDP length (header included) must fit 16 bits.
    let payload_len = u16::try_from(end - udp_start)
        .map_err(|_| bad_len(Layer::Udp, end - udp_start))?
        - udp::HEADER_LEN as u16;
    // The tunnel header first: it is the one that can refuse its fields.
    write_tunnel(&mut buf[udp_start + udp::HEADER_LEN..start])?;
    outer.emit(
        &mut buf[new_start..udp_start],
        IpProtocol::UDP,
        end - udp_start,
    )?;
    UdpHeader {
        src_port: ports.0,
        dst_port: ports.1,
        payload_len,
    }
    .emit(&mut buf[udp_start..udp_start + udp::HEADER_LEN])?;
    if udp_checksum {
        let mut udp = Udp::new(&mut buf[udp_start..end])?;
        match outer {
            OuterIp::V4(h) => udp.fill_checksum_ipv4(h.src, h.dst),
            OuterIp::V6(h) => udp.fill_checksum_ipv6(h.src, h.dst),
        }
    }
    Ok(new_start)
}

/// What [`encap_geneve`] writes besides the outer IP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GeneveEncap<'a> {
    /// The Geneve header: VNI, protocol type of the inner packet
    /// ([`EtherType::TEB`] for an Ethernet frame), O and C bits, options.
    pub header: GeneveHeader<'a>,
    /// The outer UDP source port (a hash of the inner flow for ECMP
    /// entropy, as RFC 8926 section 3.3 recommends: see [`entropy_port`]).
    pub src_port: u16,
    /// The outer UDP destination port, normally [`geneve::UDP_PORT`]
    /// (6081).
    pub dst_port: u16,
    /// Whether to compute the outer UDP checksum or send 0, as for
    /// [`VxlanEncap::udp_checksum`].
    pub udp_checksum: bool,
}

/// Wraps the packet at `buf[start..end]` (what `g.header.protocol_type`
/// names) in Geneve with its options, UDP and `outer`, and returns the new
/// start (`start - 16 - options - outer.header_len()`).
///
/// ```
/// use core::net::Ipv4Addr;
/// use wireview::tunnel::{encap_geneve, GeneveEncap, OuterIp};
/// use wireview::{geneve, EtherType, Geneve, GeneveHeader, Ipv4, Ipv4Header, Udp, Vni};
///
/// let mut buf = [0u8; 44 + 14];
/// buf[44 + 12..].copy_from_slice(&[0x88, 0xb5]); // an Ethernet frame at 44
/// let outer = OuterIp::V4(Ipv4Header {
///     src: Ipv4Addr::new(192, 0, 2, 1), dst: Ipv4Addr::new(192, 0, 2, 2), ..Ipv4Header::default()
/// });
/// let g = GeneveEncap {
///     header: GeneveHeader {
///         protocol_type: EtherType::TEB,
///         vni: Vni::new(10).unwrap(),
///         options: &[0x01, 0x02, 0x03, 0x01, 0xaa, 0xbb, 0xcc, 0xdd],
///         ..GeneveHeader::default()
///     },
///     src_port: 49152, dst_port: geneve::UDP_PORT, udp_checksum: true,
/// };
/// let start = encap_geneve(&mut buf, 44, 58, &outer, &g)?; // 20 + 8 + 8 + 8 octets in front
/// assert_eq!(start, 0);
/// let ip = Ipv4::new(&buf[..])?;
/// let udp = Udp::new(ip.payload())?;
/// assert!(udp.verify_checksum_ipv4(ip.src(), ip.dst()));
/// let gen = Geneve::new(udp.payload())?;
/// assert_eq!((gen.vni().value(), gen.opt_len(), gen.payload().len()), (10, 8, 14));
/// # Ok::<(), wireview::Error>(())
/// ```
///
/// # Errors
/// As [`encap_gre`]; also the errors of [`GeneveHeader::emit`] (options
/// not a multiple of 4 octets or longer than 252). `buf` is left as it
/// was when the Geneve header is refused.
pub fn encap_geneve(
    buf: &mut [u8],
    start: usize,
    end: usize,
    outer: &OuterIp,
    g: &GeneveEncap<'_>,
) -> Result<usize, Error> {
    let hdr = g.header;
    if hdr.options.len() % 4 != 0 || hdr.options.len() > geneve::MAX_OPTIONS_LEN {
        return Err(Error::BadHeaderLength {
            layer: Layer::Geneve,
            found: hdr.header_len(),
        });
    }
    encap_over_udp(
        buf,
        start,
        end,
        outer,
        (g.src_port, g.dst_port),
        g.udp_checksum,
        Layer::Geneve,
        hdr.header_len(),
        |out| hdr.emit(out),
    )
}

/// What [`encap_gtpu`] writes besides the outer IP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GtpuEncap {
    /// The tunnel endpoint identifier of the receiving end.
    pub teid: u32,
    /// A sequence number, if the tunnel uses them.
    pub sequence_number: Option<u16>,
    /// A PDU Session Container (5G N3/N9: the QoS flow of the packet).
    pub pdu_session: Option<PduSession>,
    /// The outer UDP source port (any; 3GPP leaves it to the sender, and
    /// a hash of the inner flow spreads tunnels over ECMP paths).
    pub src_port: u16,
    /// The outer UDP destination port, [`gtpu::UDP_PORT`](crate::gtpu::UDP_PORT) (2152).
    pub dst_port: u16,
    /// Whether to compute the outer UDP checksum or send 0.
    pub udp_checksum: bool,
}

/// Wraps the user packet (T-PDU) at `buf[start..end]` in a GTP-U G-PDU
/// (TEID, optional sequence number and PDU Session Container), UDP and
/// `outer`, and returns the new start. The GTP-U Length, the UDP length
/// and the outer IP length are set; the UDP checksum is computed or 0.
///
/// ```
/// use core::net::Ipv6Addr;
/// use wireview::gtpu::{self, Gtpu, PduSession};
/// use wireview::tunnel::{encap_gtpu, GtpuEncap, OuterIp};
/// use wireview::{Ipv6, Ipv6Header, Udp};
///
/// let mut buf = [0u8; 80 + 20];
/// buf[80] = 0x45; // an IPv4 packet at 80
/// let outer = OuterIp::V6(Ipv6Header { src: Ipv6Addr::LOCALHOST, dst: Ipv6Addr::LOCALHOST, ..Ipv6Header::default() });
/// let g = GtpuEncap {
///     teid: 0x1234_abcd, sequence_number: None,
///     pdu_session: Some(PduSession { pdu_type: PduSession::DL, qfi: 5, rqi: false }),
///     src_port: 2152, dst_port: gtpu::UDP_PORT, udp_checksum: true,
/// };
/// let start = encap_gtpu(&mut buf, 80, 100, &outer, &g)?;
/// assert_eq!(start, 80 - 16 - 8 - 40);
/// let ip = Ipv6::new(&buf[start..])?;
/// let udp = Udp::new(ip.payload())?;
/// assert!(udp.verify_checksum_ipv6(ip.src(), ip.dst()));
/// let gtp = Gtpu::new(udp.payload())?;
/// assert_eq!((gtp.teid(), gtp.length(), gtp.pdu_session().unwrap().qfi), (0x1234_abcd, 28, 5));
/// # Ok::<(), wireview::Error>(())
/// ```
///
/// # Errors
/// As [`encap_gre`]; also the errors of [`GtpuHeader::emit`] (a PDU
/// Session Container field out of range). `buf` is left as it was when
/// the GTP-U header is refused.
pub fn encap_gtpu(
    buf: &mut [u8],
    start: usize,
    end: usize,
    outer: &OuterIp,
    g: &GtpuEncap,
) -> Result<usize, Error> {
    let hdr = GtpuHeader {
        message_type: GtpuMessageType::G_PDU,
        teid: g.teid,
        sequence_number: g.sequence_number,
        pdu_session: g.pdu_session,
        payload_len: end.saturating_sub(start),
    };
    if let Some(p) = g.pdu_session {
        if p.to_bytes().is_none() {
            return Err(Error::BadValue {
                layer: Layer::Gtpu,
                field: "PDU session container",
            });
        }
    }
    encap_over_udp(
        buf,
        start,
        end,
        outer,
        (g.src_port, g.dst_port),
        g.udp_checksum,
        Layer::Gtpu,
        hdr.header_len(),
        |out| hdr.emit(out),
    )
}

/// Wraps the packet at `buf[start..end]` in the MPLS label stack `labels`
/// (top first; the S bit is set on the last entry and cleared on the
/// others) and `outer` with protocol 137, MPLS-in-IP ([RFC 4023]), and
/// returns the new start (`start - 4 * labels.len() - outer.header_len()`).
///
/// ```
/// use core::net::Ipv4Addr;
/// use wireview::mpls::{Label, MplsHeader, MplsStack};
/// use wireview::tunnel::{encap_mpls_ip, OuterIp};
/// use wireview::{IpProtocol, Ipv4, Ipv4Header};
///
/// let mut buf = [0u8; 28 + 20];
/// buf[28] = 0x45; // an IPv4 packet at 28
/// let outer = OuterIp::V4(Ipv4Header { src: Ipv4Addr::new(192, 0, 2, 1), dst: Ipv4Addr::new(192, 0, 2, 2), ..Ipv4Header::default() });
/// let label = |l| MplsHeader { label: Label::new(l).unwrap(), ttl: 64, ..MplsHeader::default() };
/// let start = encap_mpls_ip(&mut buf, 28, 48, &outer, &[label(100), label(200)])?;
/// let ip = Ipv4::new(&buf[start..])?;
/// assert_eq!((ip.protocol(), ip.verify_checksum()), (IpProtocol::MPLS_IN_IP, true));
/// let stack = MplsStack::new(ip.payload())?;
/// assert_eq!((stack.depth(), stack.bottom().label().value()), (2, 200));
/// # Ok::<(), wireview::Error>(())
/// ```
///
/// # Errors
/// As [`encap_ip`] without the version check; [`Error::BadValue`] (layer
/// Mpls, field `"label stack"`) when `labels` is empty.
///
/// [RFC 4023]: https://www.rfc-editor.org/rfc/rfc4023
pub fn encap_mpls_ip(
    buf: &mut [u8],
    start: usize,
    end: usize,
    outer: &OuterIp,
    labels: &[MplsHeader],
) -> Result<usize, Error> {
    let stack_len = mpls_stack_len(labels)?;
    let new_start = make_room(buf, start, end, outer.header_len() + stack_len, Layer::Mpls)?;
    let stack_start = start - stack_len;
    outer.emit(
        &mut buf[new_start..stack_start],
        IpProtocol::MPLS_IN_IP,
        end - stack_start,
    )?;
    mpls::emit_stack(labels, &mut buf[stack_start..start])?;
    Ok(new_start)
}

/// The length of the label stack `labels`, refusing an empty one.
fn mpls_stack_len(labels: &[MplsHeader]) -> Result<usize, Error> {
    if labels.is_empty() {
        return Err(Error::BadValue {
            layer: Layer::Mpls,
            field: "label stack",
        });
    }
    Ok(labels.len().saturating_mul(mpls::HEADER_LEN))
}

/// What [`encap_mpls_udp`] writes besides the outer IP header and the
/// label stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MplsUdpEncap {
    /// The outer UDP source port: RFC 7510 section 3 asks for a hash of
    /// the flow inside for ECMP entropy.
    pub src_port: u16,
    /// The outer UDP destination port, [`mpls::UDP_PORT`] (6635).
    pub dst_port: u16,
    /// Whether to compute the outer UDP checksum or send 0 (RFC 7510
    /// section 5 allows 0 over IPv4, and over IPv6 under RFC 6935's
    /// conditions).
    pub udp_checksum: bool,
}

/// Wraps the packet at `buf[start..end]` in the MPLS label stack `labels`
/// (top first; the S bit set on the last entry only), UDP and `outer`,
/// MPLS-over-UDP ([RFC 7510]), and returns the new start.
///
/// # Errors
/// As [`encap_mpls_ip`] and [`encap_gre`].
///
/// [RFC 7510]: https://www.rfc-editor.org/rfc/rfc7510
pub fn encap_mpls_udp(
    buf: &mut [u8],
    start: usize,
    end: usize,
    outer: &OuterIp,
    labels: &[MplsHeader],
    m: &MplsUdpEncap,
) -> Result<usize, Error> {
    let stack_len = mpls_stack_len(labels)?;
    encap_over_udp(
        buf,
        start,
        end,
        outer,
        (m.src_port, m.dst_port),
        m.udp_checksum,
        Layer::Mpls,
        stack_len,
        |out| mpls::emit_stack(labels, out),
    )
}

/// What [`encap_pppoe`] writes in front of the IP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PppoeEncap {
    /// The Ethernet destination: the peer's MAC address, learnt in
    /// discovery.
    pub dst: MacAddr,
    /// The Ethernet source.
    pub src: MacAddr,
    /// The session identifier the PADS assigned.
    pub session_id: u16,
}

/// Frames the IPv4 or IPv6 packet at `buf[start..end]` for a PPPoE session
/// ([RFC 2516]): an Ethernet header (EtherType 0x8864), the PPPoE session
/// header with its LENGTH and the PPP protocol (0x0021 or 0x0057 by the
/// packet's version). Returns the new start, `start - 22`; the frame runs
/// to `end`. PPPoE has no checksum; the IP packet is not touched.
///
/// ```
/// use wireview::pppoe::{Pppoe, PppProtocol};
/// use wireview::tunnel::{encap_pppoe, PppoeEncap};
/// use wireview::{EtherType, Ethernet, MacAddr};
///
/// let mut buf = [0u8; 22 + 40];
/// buf[22] = 0x60; // an IPv6 header at 22
/// let p = PppoeEncap { dst: MacAddr([2, 0, 0, 0, 0, 2]), src: MacAddr([2, 0, 0, 0, 0, 1]), session_id: 0x17 };
/// let start = encap_pppoe(&mut buf, 22, 62, &p)?;
/// let eth = Ethernet::new(&buf[start..])?;
/// assert_eq!(eth.ethertype(), EtherType::PPPOE_SESSION);
/// let s = Pppoe::new(eth.payload())?;
/// assert_eq!((s.session_id(), s.length(), s.ppp_protocol()), (0x17, 42, PppProtocol::IPV6));
/// # Ok::<(), wireview::Error>(())
/// ```
///
/// # Errors
/// As [`encap_ip`]: [`Error::OutOfRange`] when `start..end` is not inside
/// `buf`; [`Error::NoRoom`] (layer Pppoe) when `start` leaves less than 22
/// bytes of headroom; [`Error::BadVersion`] when the packet is not IPv4 or
/// IPv6, [`Error::Truncated`] when it is shorter than its IP header;
/// [`Error::BadLength`] when it does not fit the 16-bit LENGTH.
///
/// [RFC 2516]: https://www.rfc-editor.org/rfc/rfc2516
pub fn encap_pppoe(
    buf: &mut [u8],
    start: usize,
    end: usize,
    p: &PppoeEncap,
) -> Result<usize, Error> {
    let headroom = ethernet::HEADER_LEN + pppoe::SESSION_HEADER_LEN;
    let new_start = make_room(buf, start, end, headroom, Layer::Pppoe)?;
    // Only the packet's own bytes are read: an empty one has no version.
    let inner = &buf[start..end];
    let (ppp_protocol, layer, min) = match inner.first().map(|b| b >> 4) {
        Some(4) => (PppProtocol::IPV4, Layer::Ipv4, ipv4::HEADER_LEN),
        Some(6) => (PppProtocol::IPV6, Layer::Ipv6, ipv6::HEADER_LEN),
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
    let pppoe_start = start - pppoe::SESSION_HEADER_LEN;
    PppoeHeader {
        session_id: p.session_id,
        ppp_protocol,
        payload_len: end - start,
    }
    .emit(&mut buf[pppoe_start..start])?;
    EthernetHeader {
        dst: p.dst,
        src: p.src,
        ethertype: EtherType::PPPOE_SESSION,
    }
    .emit(&mut buf[new_start..pppoe_start])?;
    Ok(new_start)
}

/// The MPLS tunnel whose top entry is layer `top` of `layers`: the
/// labelled packet from the top entry to the end of the region.
fn mpls_tunnel(
    packet: &[u8],
    layers: &Layers,
    top: usize,
    over_udp: bool,
) -> Result<(Tunnel, Range<usize>), Error> {
    let first = layers.get(top).ok_or(Error::truncated(Layer::Mpls, 4, 0))?;
    let entry = crate::mpls::Mpls::new(&packet[first.range()])?;
    let depth = layers
        .iter()
        .skip(top)
        .take_while(|l| l.kind == LayerKind::Mpls)
        .count();
    let tunnel = Tunnel::Mpls {
        over_udp,
        top_label: entry.label(),
        depth,
    };
    Ok((tunnel, first.range()))
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

/// The Geneve, GTP-U, MPLS and PPPoE encapsulations, checked by parsing
/// the result with the views and recomputing every checksum from scratch.
#[cfg(test)]
mod encap_tests {
    use super::*;
    use crate::checksum::internet_checksum;
    use crate::ethernet::Ethernet;
    use crate::flow::tests::TCP_TIMESTAMPS;
    use crate::geneve::{Geneve, GeneveOption};
    use crate::gtpu::Gtpu;
    use crate::ipv4::Ipv4;
    use crate::ipv6::Ipv6;
    use crate::mpls::{Label, MplsStack, TrafficClass};
    use crate::pppoe::Pppoe;
    use crate::vxlan::Vni;
    use crate::walk::tests::VXLAN_ICMP;
    use core::net::Ipv4Addr;
    use proptest::prelude::*;
    use std::vec::Vec;

    /// The IPv4/TCP datagram of a real frame (valid checksums).
    fn inner_v4() -> &'static [u8] {
        &TCP_TIMESTAMPS[14..]
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
            ..Ipv4Header::default()
        })
    }

    fn outer_v6() -> OuterIp {
        OuterIp::V6(Ipv6Header {
            src: "2001:db8::1".parse().unwrap(),
            dst: "2001:db8:ffff::2".parse().unwrap(),
            hop_limit: 9,
            ..Ipv6Header::default()
        })
    }

    fn with_headroom(headroom: usize, inner: &[u8]) -> Vec<u8> {
        let mut buf = vec![0xEE; headroom];
        buf.extend_from_slice(inner);
        buf
    }

    /// Checks the outer IP header of `pkt` from scratch (version, length,
    /// protocol, header checksum) and returns its payload.
    fn outer_payload(pkt: &[u8], protocol: u8) -> &[u8] {
        match pkt[0] >> 4 {
            4 => {
                assert_eq!(internet_checksum(&pkt[..20]), 0, "IPv4 header checksum");
                assert_eq!(usize::from(u16::from_be_bytes([pkt[2], pkt[3]])), pkt.len());
                assert_eq!(pkt[9], protocol);
                &pkt[20..]
            }
            6 => {
                assert_eq!(
                    usize::from(u16::from_be_bytes([pkt[4], pkt[5]])) + 40,
                    pkt.len()
                );
                assert_eq!(pkt[6], protocol);
                &pkt[40..]
            }
            v => panic!("outer version {v}"),
        }
    }

    /// Checks the UDP header of `pkt`'s payload from scratch (length, and
    /// the checksum over the pseudo-header when not 0) and returns the
    /// UDP payload and whether there was a checksum.
    fn udp_payload(pkt: &[u8], dst_port: u16) -> (&[u8], bool) {
        let dgram = outer_payload(pkt, 17);
        assert_eq!(u16::from_be_bytes([dgram[2], dgram[3]]), dst_port);
        assert_eq!(
            usize::from(u16::from_be_bytes([dgram[4], dgram[5]])),
            dgram.len()
        );
        let stored = u16::from_be_bytes([dgram[6], dgram[7]]);
        if stored != 0 {
            // IPv4 pseudo-header: addresses, zero, protocol, UDP length (16 bits);
            // IPv6: addresses, length (32 bits), zeros, next header.
            let mut ph = Vec::new();
            if pkt[0] >> 4 == 4 {
                ph.extend_from_slice(&pkt[12..20]);
                ph.extend_from_slice(&[0, 17]);
                ph.extend_from_slice(&(dgram.len() as u16).to_be_bytes());
            } else {
                ph.extend_from_slice(&pkt[8..40]);
                ph.extend_from_slice(&(dgram.len() as u32).to_be_bytes());
                ph.extend_from_slice(&[0, 0, 0, 17]);
            }
            ph.extend_from_slice(dgram);
            assert_eq!(internet_checksum(&ph), 0, "UDP checksum");
        }
        (&dgram[8..], stored != 0)
    }

    #[test]
    fn geneve_rebuilds_the_geneve_pcap_frame() {
        // tcpdump's geneve.pcap, frame 1: the same outer header fields,
        // option and inner frame give the captured bytes back.
        use crate::geneve::tests::GENEVE_FRAME;
        let mut buf = with_headroom(50, &GENEVE_FRAME[58..]);
        let outer = OuterIp::V4(Ipv4Header {
            identification: 0xdfad,
            dont_fragment: true,
            ttl: 64,
            src: Ipv4Addr::new(20, 0, 0, 1),
            dst: Ipv4Addr::new(20, 0, 0, 2),
            ..Ipv4Header::default()
        });
        let g = GeneveEncap {
            header: GeneveHeader {
                critical: true,
                protocol_type: EtherType::TEB,
                vni: Vni::new(10).unwrap(),
                options: &[0x00, 0x00, 0x80, 0x01, 0x00, 0x00, 0x00, 0x0c],
                ..GeneveHeader::default()
            },
            src_port: 12618,
            dst_port: geneve::UDP_PORT,
            udp_checksum: false,
        };
        let len = buf.len();
        let start = encap_geneve(&mut buf, 50, len, &outer, &g).unwrap();
        assert_eq!(start, 6);
        assert_eq!(buf[start..], GENEVE_FRAME[14..]);
    }

    #[test]
    fn geneve_over_both_ip_versions() {
        let mut opts = [0u8; 12];
        let n = GeneveOption {
            class: 0x0102,
            option_type: 0x80 | 3,
            data: &[1, 2, 3, 4, 5, 6, 7, 8],
        }
        .emit(&mut opts)
        .unwrap();
        assert_eq!(n, 12);
        for outer in [outer_v4(), outer_v6()] {
            for udp_checksum in [true, false] {
                let head = outer.header_len() + 8 + 8 + 12;
                let mut buf = with_headroom(head + 3, inner_eth());
                let len = buf.len();
                let g = GeneveEncap {
                    header: GeneveHeader {
                        critical: true,
                        protocol_type: EtherType::TEB,
                        vni: Vni::new(0xAB_CDEF).unwrap(),
                        options: &opts,
                        ..GeneveHeader::default()
                    },
                    src_port: entropy_port(inner_eth()),
                    dst_port: geneve::UDP_PORT,
                    udp_checksum,
                };
                let start = encap_geneve(&mut buf, head + 3, len, &outer, &g).unwrap();
                assert_eq!(start, 3);
                assert!(buf[..3].iter().all(|&b| b == 0xEE));
                let (payload, with_csum) = udp_payload(&buf[start..], 6081);
                assert_eq!(with_csum, udp_checksum);
                let gen = Geneve::new(payload).unwrap();
                assert_eq!(
                    (gen.vni().value(), gen.critical(), gen.opt_len()),
                    (0xAB_CDEF, true, 12)
                );
                let o = gen.options().next().unwrap().unwrap();
                assert_eq!((o.class, o.is_critical(), o.data.len()), (0x0102, true, 8));
                assert_eq!(gen.payload(), inner_eth());
                // The crate's own verifier agrees.
                let udp = Udp::new(&buf[start + outer.header_len()..]).unwrap();
                match outer {
                    OuterIp::V4(h) => {
                        assert!(udp.verify_checksum_ipv4(h.src, h.dst));
                        assert!(Ipv4::new(&buf[start..]).unwrap().verify_checksum());
                    }
                    // Over IPv6 a UDP checksum of 0 is "none" only by RFC 6935.
                    OuterIp::V6(h) => {
                        assert_eq!(udp.verify_checksum_ipv6(h.src, h.dst), udp_checksum);
                    }
                }
            }
        }
    }

    #[test]
    fn geneve_refusals_leave_the_buffer() {
        let mut buf = with_headroom(64, inner_eth());
        let copy = buf.clone();
        let len = buf.len();
        let mut g = GeneveEncap {
            header: GeneveHeader {
                options: &[0; 6],
                ..GeneveHeader::default()
            },
            src_port: 1,
            dst_port: 6081,
            udp_checksum: true,
        };
        assert_eq!(
            encap_geneve(&mut buf, 64, len, &outer_v4(), &g),
            Err(Error::BadHeaderLength {
                layer: Layer::Geneve,
                found: 14
            })
        );
        g.header.options = &[0; 8];
        assert_eq!(
            encap_geneve(&mut buf, 43, len, &outer_v4(), &g),
            Err(Error::NoRoom {
                layer: Layer::Geneve,
                needed: 44,
                available: 43
            })
        );
        assert_eq!(buf, copy);
    }

    #[test]
    fn gtpu_over_both_ip_versions() {
        for outer in [outer_v4(), outer_v6()] {
            for (seq, pdu) in [
                (None, None),
                (Some(0x0102), None),
                (
                    None,
                    Some(PduSession {
                        pdu_type: PduSession::UL,
                        qfi: 9,
                        rqi: false,
                    }),
                ),
                (
                    Some(7),
                    Some(PduSession {
                        pdu_type: PduSession::DL,
                        qfi: 63,
                        rqi: true,
                    }),
                ),
            ] {
                let mut buf = with_headroom(80, inner_v4());
                let len = buf.len();
                let g = GtpuEncap {
                    teid: 0x1234_abcd,
                    sequence_number: seq,
                    pdu_session: pdu,
                    src_port: 2152,
                    dst_port: crate::gtpu::UDP_PORT,
                    udp_checksum: true,
                };
                let start = encap_gtpu(&mut buf, 80, len, &outer, &g).unwrap();
                let (payload, had) = udp_payload(&buf[start..], 2152);
                assert!(had);
                let gtp = Gtpu::new(payload).unwrap();
                assert_eq!(gtp.message_type(), GtpuMessageType::G_PDU);
                assert_eq!(
                    (gtp.teid(), gtp.sequence_number(), gtp.pdu_session()),
                    (0x1234_abcd, seq, pdu)
                );
                assert_eq!(gtp.packet_len(), payload.len());
                assert_eq!(gtp.payload(), inner_v4());
                assert_eq!(
                    usize::from(gtp.length()),
                    gtp.header_len() - 8 + inner_v4().len()
                );
                assert_eq!(start + outer.header_len() + 8 + gtp.header_len(), 80);
            }
        }
    }

    #[test]
    fn gtpu_rebuilds_the_uplink_vector() {
        use crate::gtpu::tests::UL_GPDU;
        let mut buf = with_headroom(16 + 28, &UL_GPDU[16..]);
        let len = buf.len();
        let g = GtpuEncap {
            teid: 0x1234_abcd,
            sequence_number: None,
            pdu_session: Some(PduSession {
                pdu_type: PduSession::UL,
                qfi: 9,
                rqi: false,
            }),
            src_port: 2152,
            dst_port: 2152,
            udp_checksum: false,
        };
        let start = encap_gtpu(&mut buf, 44, len, &outer_v4(), &g).unwrap();
        assert_eq!(start, 0);
        assert_eq!(buf[28..], UL_GPDU);
        let bad = GtpuEncap {
            pdu_session: Some(PduSession {
                pdu_type: 1,
                qfi: 64,
                rqi: false,
            }),
            ..g
        };
        let mut buf = with_headroom(44, &UL_GPDU[16..]);
        let copy = buf.clone();
        assert_eq!(
            encap_gtpu(&mut buf, 44, len, &outer_v4(), &bad),
            Err(Error::BadValue {
                layer: Layer::Gtpu,
                field: "PDU session container"
            })
        );
        assert_eq!(buf, copy);
    }

    fn labels(n: u32) -> Vec<MplsHeader> {
        (0..n)
            .map(|i| MplsHeader {
                label: Label::new(16 + i * 1000).unwrap(),
                traffic_class: TrafficClass::new((i % 8) as u8).unwrap(),
                // Whatever the caller says, only the last gets the S bit.
                bottom_of_stack: i == 0,
                ttl: 64 - i as u8,
            })
            .collect()
    }

    fn check_stack(bytes: &[u8], want: &[MplsHeader], inner: &[u8]) {
        let stack = MplsStack::new(bytes).unwrap();
        assert_eq!(stack.depth(), want.len());
        for (i, (e, w)) in stack.entries().zip(want).enumerate() {
            assert_eq!(
                (e.label(), e.traffic_class(), e.ttl()),
                (w.label, w.traffic_class, w.ttl)
            );
            assert_eq!(e.bottom_of_stack(), i + 1 == want.len());
        }
        assert_eq!(stack.payload(), inner);
    }

    #[test]
    fn mpls_in_ip() {
        for outer in [outer_v4(), outer_v6()] {
            for n in 1..5 {
                let ls = labels(n);
                let mut buf = with_headroom(60, inner_v4());
                let len = buf.len();
                let start = encap_mpls_ip(&mut buf, 60, len, &outer, &ls).unwrap();
                assert_eq!(start, 60 - 4 * n as usize - outer.header_len());
                let payload = outer_payload(&buf[start..], 137);
                check_stack(payload, &ls, inner_v4());
            }
        }
        let mut buf = with_headroom(60, inner_v4());
        let len = buf.len();
        assert_eq!(
            encap_mpls_ip(&mut buf, 60, len, &outer_v4(), &[]),
            Err(Error::BadValue {
                layer: Layer::Mpls,
                field: "label stack"
            })
        );
        assert!(matches!(
            encap_mpls_ip(&mut buf, 60, len, &outer_v6(), &labels(6)),
            Err(Error::NoRoom { needed: 64, .. })
        ));
    }

    #[test]
    fn mpls_udp_rebuilds_the_mpls_over_udp_pcap_frame() {
        // tcpdump's mpls-over-udp.pcap, frame 1.
        use crate::mpls::tests::MPLS_UDP_FRAME;
        let mut buf = with_headroom(32, &MPLS_UDP_FRAME[46..]);
        let len = buf.len();
        let outer = OuterIp::V4(Ipv4Header {
            identification: 0x676f,
            dont_fragment: false,
            ttl: 64,
            src: Ipv4Addr::new(10, 100, 12, 170),
            dst: Ipv4Addr::new(10, 100, 13, 157),
            ..Ipv4Header::default()
        });
        let label = MplsHeader {
            label: Label::new(21).unwrap(),
            ttl: 63,
            ..MplsHeader::default()
        };
        let m = MplsUdpEncap {
            src_port: 58699,
            dst_port: mpls::UDP_PORT,
            udp_checksum: false,
        };
        let start = encap_mpls_udp(&mut buf, 32, len, &outer, &[label], &m).unwrap();
        assert_eq!(buf[start..], MPLS_UDP_FRAME[14..]);
    }

    #[test]
    fn mpls_over_udp_with_checksums() {
        for outer in [outer_v4(), outer_v6()] {
            let ls = labels(3);
            let mut buf = with_headroom(80, inner_v4());
            let len = buf.len();
            let m = MplsUdpEncap {
                src_port: 50000,
                dst_port: 6635,
                udp_checksum: true,
            };
            let start = encap_mpls_udp(&mut buf, 80, len, &outer, &ls, &m).unwrap();
            let (payload, had) = udp_payload(&buf[start..], 6635);
            assert!(had);
            check_stack(payload, &ls, inner_v4());
        }
    }

    #[test]
    fn pppoe_session_framing() {
        let p = PppoeEncap {
            dst: MacAddr([0, 2, 0x18, 3, 0, 7]),
            src: MacAddr([0, 4, 0x23, 0xa9, 0x5d, 0x8e]),
            session_id: 0x17,
        };
        for (inner, proto) in [
            (inner_v4(), PppProtocol::IPV4),
            (&VXLAN_ICMP[64..], PppProtocol::IPV4),
        ] {
            let mut buf = with_headroom(30, inner);
            let len = buf.len();
            let start = encap_pppoe(&mut buf, 30, len, &p).unwrap();
            assert_eq!(start, 8);
            let eth = Ethernet::new(&buf[start..]).unwrap();
            assert_eq!((eth.dst(), eth.src()), (p.dst, p.src));
            assert_eq!(eth.ethertype(), EtherType::PPPOE_SESSION);
            let s = Pppoe::new(eth.payload()).unwrap();
            assert_eq!((s.session_id(), s.ppp_protocol()), (0x17, proto));
            assert_eq!(usize::from(s.length()), inner.len() + 2);
            assert_eq!(s.payload(), inner);
            // The IP packet inside is untouched and still checks.
            assert!(Ipv4::new(s.payload()).unwrap().verify_checksum());
        }
        let mut v6 = [0u8; 22 + 40];
        v6[22..].copy_from_slice(&{
            let mut h = [0u8; 40];
            Ipv6Header::default().emit(&mut h).unwrap();
            h
        });
        let start = encap_pppoe(&mut v6, 22, 62, &p).unwrap();
        let s = Pppoe::new(&v6[start + 14..]).unwrap();
        assert_eq!(s.ppp_protocol(), PppProtocol::IPV6);
        assert!(Ipv6::new(s.payload()).is_ok());
        // Refusals: not IP, too short, empty, no room, out of the buffer.
        let mut buf = with_headroom(22, &[0x00, 0x01]);
        assert_eq!(
            encap_pppoe(&mut buf, 22, 24, &p),
            Err(Error::BadVersion {
                layer: Layer::Ipv4,
                found: 0
            })
        );
        buf[22] = 0x45;
        assert_eq!(
            encap_pppoe(&mut buf, 22, 24, &p),
            Err(Error::truncated(Layer::Ipv4, 20, 2))
        );
        // The byte after an empty packet is not read as its version.
        assert_eq!(
            encap_pppoe(&mut buf, 22, 22, &p),
            Err(Error::truncated(Layer::Ipv4, 20, 0))
        );
        assert_eq!(
            encap_pppoe(&mut buf, 21, 24, &p),
            Err(Error::NoRoom {
                layer: Layer::Pppoe,
                needed: 22,
                available: 21
            })
        );
        assert_eq!(
            encap_pppoe(&mut buf, 22, 25, &p),
            Err(Error::OutOfRange {
                start: 22,
                end: 25,
                len: 24
            })
        );
    }

    proptest! {
        /// Any inner bytes, any options and labels: the result parses with
        /// the views, with every length and checksum right.
        #[test]
        fn udp_encaps_keep_lengths_and_checksums(
            inner in proptest::collection::vec(any::<u8>(), 0..64),
            v6: bool, words in 0usize..4, teid: u32, n in 1u32..4, csum: bool,
        ) {
            let outer = if v6 { outer_v6() } else { outer_v4() };
            let opts = vec![0u8; words * 4];
            let head = 40 + 8 + 8 + 16 + 16;
            let mut base = with_headroom(head, &inner);
            let len = base.len();

            let mut buf = base.clone();
            let g = GeneveEncap {
                header: GeneveHeader { options: &opts, ..GeneveHeader::default() },
                src_port: 1, dst_port: 6081, udp_checksum: csum,
            };
            let start = encap_geneve(&mut buf, head, len, &outer, &g).unwrap();
            let (p, had) = udp_payload(&buf[start..], 6081);
            prop_assert_eq!(had, csum);
            let gen = Geneve::new(p).unwrap();
            prop_assert_eq!(gen.payload(), &inner[..]);

            let mut buf = base.clone();
            let g = GtpuEncap {
                teid, sequence_number: None, pdu_session: None,
                src_port: 2152, dst_port: 2152, udp_checksum: csum,
            };
            let start = encap_gtpu(&mut buf, head, len, &outer, &g).unwrap();
            let (p, _) = udp_payload(&buf[start..], 2152);
            let gtp = Gtpu::new(p).unwrap();
            prop_assert_eq!((gtp.teid(), gtp.payload()), (teid, &inner[..]));

            let ls = labels(n);
            let m = MplsUdpEncap { src_port: 3, dst_port: 6635, udp_checksum: csum };
            let start = encap_mpls_udp(&mut base, head, len, &outer, &ls, &m).unwrap();
            let (p, _) = udp_payload(&base[start..], 6635);
            check_stack(p, &ls, &inner);
        }
    }
}

/// `decap` of every tunnel `encap_*` builds: the inner packet comes back
/// where it was put, with what the tunnel header said.
#[cfg(test)]
mod decap_new_tunnels {
    use super::*;
    use crate::flow::tests::TCP_TIMESTAMPS;
    use crate::mpls::TrafficClass;
    use core::net::Ipv4Addr;
    use std::vec::Vec;

    fn outer() -> OuterIp {
        OuterIp::V4(Ipv4Header {
            src: Ipv4Addr::new(192, 0, 2, 1),
            dst: Ipv4Addr::new(192, 0, 2, 2),
            ..Ipv4Header::default()
        })
    }

    /// `inner` behind 64 bytes of headroom, encapsulated; returns the
    /// packet (outer IP header first) and where `inner` starts in it.
    fn build(
        inner: &[u8],
        encap: impl FnOnce(&mut [u8], usize, usize) -> Result<usize, Error>,
    ) -> (Vec<u8>, usize) {
        let mut buf = vec![0; 64];
        buf.extend_from_slice(inner);
        let len = buf.len();
        let start = encap(&mut buf, 64, len).unwrap();
        (buf.split_off(start), 64 - start)
    }

    #[test]
    fn geneve_gtpu_and_mpls() {
        let inner = &TCP_TIMESTAMPS[14..];
        let g = GeneveEncap {
            header: GeneveHeader {
                oam: true,
                critical: false,
                protocol_type: EtherType::IPV4,
                vni: Vni::new(5000).unwrap(),
                options: &[],
            },
            src_port: 1,
            dst_port: geneve::UDP_PORT,
            udp_checksum: true,
        };
        let (pkt, at) = build(inner, |b, s, e| encap_geneve(b, s, e, &outer(), &g));
        let d = decap(&pkt).unwrap();
        assert_eq!(
            d.tunnel,
            Tunnel::Geneve {
                vni: Vni::new(5000).unwrap(),
                protocol: EtherType::IPV4,
                oam: true,
                critical: false
            }
        );
        assert_eq!(d.inner, at..pkt.len());

        let t = GtpuEncap {
            teid: 0xAB,
            sequence_number: None,
            pdu_session: Some(PduSession {
                pdu_type: 0,
                qfi: 5,
                rqi: false,
            }),
            src_port: 2152,
            dst_port: crate::gtpu::UDP_PORT,
            udp_checksum: false,
        };
        let (pkt, at) = build(inner, |b, s, e| encap_gtpu(b, s, e, &outer(), &t));
        let d = decap(&pkt).unwrap();
        assert_eq!(
            d.tunnel,
            Tunnel::Gtpu {
                teid: 0xAB,
                qfi: Some(5)
            }
        );
        assert_eq!(&pkt[d.inner.clone()], inner);
        assert_eq!(d.inner.start, at);

        let labels = [
            MplsHeader {
                label: Label::new(1000).unwrap(),
                traffic_class: TrafficClass::new(1).unwrap(),
                bottom_of_stack: false,
                ttl: 9,
            },
            MplsHeader {
                label: Label::new(2000).unwrap(),
                traffic_class: TrafficClass::new(1).unwrap(),
                bottom_of_stack: true,
                ttl: 9,
            },
        ];
        let (pkt, at) = build(inner, |b, s, e| encap_mpls_ip(b, s, e, &outer(), &labels));
        let d = decap(&pkt).unwrap();
        assert_eq!(
            d.tunnel,
            Tunnel::Mpls {
                over_udp: false,
                top_label: Label::new(1000).unwrap(),
                depth: 2
            }
        );
        // The labelled packet: the stack, then the inner datagram.
        assert_eq!(d.inner, at - 8..pkt.len());
        let m = MplsUdpEncap {
            src_port: 7,
            dst_port: mpls::UDP_PORT,
            udp_checksum: true,
        };
        let (pkt, at) = build(inner, |b, s, e| {
            encap_mpls_udp(b, s, e, &outer(), &labels, &m)
        });
        let d = decap(&pkt).unwrap();
        assert!(matches!(
            d.tunnel,
            Tunnel::Mpls {
                over_udp: true,
                depth: 2,
                ..
            }
        ));
        assert_eq!(d.inner, at - 8..pkt.len());
    }
}
