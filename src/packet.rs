//! Rewrite fields anywhere in a packet and keep every checksum in it right.
//!
//! A [`Packet`] is a frame and the [`Layers`] a walk found in it
//! ([`crate::walk`]). [`Packet::write`] changes any run of bytes and fixes
//! every checksum that covers them, innermost first, carrying each fixed
//! checksum field on as a change to the checksums around it, with RFC 1624
//! updates only: the IPv4 header checksum; the TCP, UDP, ICMPv6 (and
//! UDP-Lite, DCCP, VRRPv3, PIM, OSPFv3 and Mobility Header) checksums,
//! which also cover addresses of their IP header through the
//! pseudo-header; the ICMPv4 checksum; the GRE checksum, when the walked
//! header had one; and, in a tunnelled packet, the outer UDP checksum of
//! VXLAN, which covers the whole inner frame. Which checksums cover a write
//! is worked out when the write happens, from the few integers per layer
//! the walk recorded: setting up a `Packet` costs nothing beyond the walk,
//! and a write costs time proportional to its length and the number of
//! layers, never to the payload. The typed setters
//! ([`set_ipv4_src`], [`set_src_port`], [`set_vni`], ...) give exactly
//! what `write` at the right offset gives, looking only at the field's
//! layer and the layers around it.
//!
//! A change of an inner IPv4 address is the subtle case this handles by
//! construction: the inner IPv4 header's sum does not change (its checksum
//! compensates), but the inner TCP checksum changes through the
//! pseudo-header, so the outer UDP checksum, which covers that TCP checksum
//! field, changes too.
//!
//! Checksums follow these rules: a UDP checksum of 0 ("none") stays 0 and a
//! computed 0 is stored as 0xFFFF; an ICMPv4 message that becomes all zero
//! gets 0xFFFF; a stored checksum that was wrong stays wrong by the same
//! amount (this module fixes up, it never recomputes). The IPv6
//! pseudo-header uses the final destination of a routing header with
//! segments left and the home address of a Home Address option ([RFC 6275
//! section 6.3]), as the receiver does.
//!
//! # Strict and lax
//! [`Packet::from_ethernet`] and [`Packet::from_ip`] walk strictly, as a
//! router must ([`Walker::new`]): they refuse what the per-header checked
//! constructors refuse (an IPv4 total length of 0 or beyond the buffer, a
//! UDP length of 0 outside a jumbogram, ...) with the walk's error. For
//! captures there is [`Packet::from_ethernet_capture`]: a packet cut short
//! by the capture's snap length is rewritten as far as it was captured;
//! every field and checksum within the captured bytes changes exactly as
//! in the whole packet, because an incremental update needs only the
//! changed bytes and the checksum field. A first fragment is exact for the
//! same reason.
//!
//! # Cost and reuse
//! `Packet<'_>` owns its [`Layers`] (592 bytes on a 64-bit target; see [`Packet`]). A
//! per-packet loop reuses one [`Layers`] instead, with
//! [`Packet::ethernet_into`]: that `Packet<'_, &Layers>` is three words
//! and costs the walk and a bounds check of its first and last layers.
//!
//! The setters a data plane calls per packet ([`set_hop_limit`],
//! [`decrement_hop_limit`], [`set_ipv4_src`] / [`set_ipv4_dst`],
//! [`set_src_port`] / [`set_dst_port`]) handle their common case, a
//! header that no tunnel or ICMP error around it covers, inline through
//! the per-header views (the IPv4 header checksum, and the TCP or UDP
//! checksum through the pseudo-header), and everything else out of line.
//! `BENCHMARKS.md` has the figures: a NAT of a 1,492-byte TCP frame takes
//! about 1.4x the hand-written views path, in time and in instructions.
//!
//! [`set_ipv4_src`]: Packet::set_ipv4_src
//! [`set_ipv4_dst`]: Packet::set_ipv4_dst
//! [`set_hop_limit`]: Packet::set_hop_limit
//! [`decrement_hop_limit`]: Packet::decrement_hop_limit
//! [`set_dst_port`]: Packet::set_dst_port
//! [`set_src_port`]: Packet::set_src_port
//! [`set_vni`]: Packet::set_vni
//! [RFC 6275 section 6.3]: https://www.rfc-editor.org/rfc/rfc6275#section-6.3
//!
//! ```
//! use core::net::Ipv4Addr;
//! use wireview::packet::Packet;
//! use wireview::walk::{LayerKind, Which};
//!
//! // Ethernet / IPv4 / UDP with valid checksums.
//! let mut frame = [
//!     0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
//!     0x45, 0, 0, 30, 0, 0, 0x40, 0, 64, 17, 0x26, 0xcd, 10, 0, 0, 1, 10, 0, 0, 2,
//!     0x30, 0x39, 0x00, 0x35, 0x00, 0x0a, 0x53, 0x00, b'h', b'i',
//! ];
//! let mut pkt = Packet::from_ethernet(&mut frame[..])?;
//! let ip = pkt.layers().find(LayerKind::Ipv4, Which::Outermost).unwrap();
//! pkt.set_ipv4_src(ip, Ipv4Addr::new(192, 0, 2, 1))?;
//! let udp = pkt.layers().find(LayerKind::Udp, Which::Outermost).unwrap();
//! pkt.set_dst_port(udp, 5353)?;
//! // Both the IPv4 header checksum and the UDP checksum were fixed.
//! let ip = wireview::Ipv4::new(&frame[14..])?;
//! assert!(ip.verify_checksum());
//! let udp = wireview::Udp::new(ip.payload())?;
//! assert!(udp.verify_checksum_ipv4(ip.src(), ip.dst()));
//! # Ok::<(), wireview::Error>(())
//! ```

use core::borrow::Borrow;
use core::net::{Ipv4Addr, Ipv6Addr};
use core::ops::Range;

use crate::checksum::{self, Delta, Rule};
use crate::error::{Error, Layer as ErrorLayer};
use crate::field;
use crate::ip::{Dscp, Ecn, Hop, IpProtocol};
use crate::ipv4::{Ipv4, Ipv4Mut};
use crate::ipv6_ext::{home_address_range, Ipv6ExtKind, Ipv6Fragment, Ipv6Routing};
use crate::mpls::Label;
use crate::tcp::TcpMut;
use crate::udp::UdpMut;
use crate::vlan::Vid;
use crate::vxlan::Vni;
use crate::walk::{Layer, LayerKind, Layers, Walker, GRE_CSUM, PARTIAL};

/// One checksum of the packet, as a write needs it: where it is stored,
/// its rule, the bytes it covers, and whether it has a pseudo-header.
#[derive(Debug, Clone)]
struct Cover {
    at: usize,
    rule: Rule,
    region: Range<usize>,
    pseudo: bool,
}

/// The checksum an IPv4 address change fixes through the pseudo-header,
/// in the setters' common case.
enum Pseudo {
    /// No layer after the IPv4 header has a pseudo-header checksum.
    None,
    /// The TCP or UDP layer's extent (its checksum at 16 or 6), and
    /// whether it is UDP.
    Transport(Range<usize>, bool),
}

/// IP protocols the walk does not dissect whose checksum still covers the
/// IP addresses through a pseudo-header: (protocol, checksum offset, over
/// IPv4 too, rule). Over IPv4, PIM and VRRPv2 checksum their message only,
/// and OSPFv3 and the Mobility Header are IPv6-only.
const PSEUDO_PROTOCOLS: [(u8, usize, bool, Rule); 6] = [
    (33, 6, true, Rule::Plain),   // DCCP, RFC 4340 section 9
    (89, 12, false, Rule::Plain), // OSPFv3, RFC 5340 appendix A.3.1
    (103, 2, false, Rule::Plain), // PIM over IPv6, RFC 7761 section 4.9
    (112, 6, true, Rule::Plain),  // VRRPv3, RFC 5798 section 5.2.8
    (135, 4, false, Rule::Plain), // IPv6 Mobility Header, RFC 6275 section 6.1.1
    // UDP-Lite, RFC 3828 section 3.1: a checksum of 0 is not "none" but
    // invalid, and is updated like any other (it stays wrong by as much).
    (136, 6, true, Rule::Plain),
];

/// The longest piece a write is fixed up in at once.
const PIECE: usize = 64;

/// The longest field a typed setter writes (an IPv6 address).
const FIELD: usize = 16;

/// The change of a short field (at most [`FIELD`] bytes) from `old` to
/// `new` at `at`, as seen from offset 0: what `Delta::replace_bytes`
/// gives, in a few register operations (a byte at an even offset is the
/// high byte of its 16-bit word).
#[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
#[inline(always)]
fn field_delta(at: usize, old: &[u8], new: &[u8]) -> Delta {
    let word_sum = |b: &[u8]| {
        let mut s = 0u32;
        for (i, &x) in b.iter().enumerate() {
            s += u32::from(x) << if i % 2 == 0 { 8 } else { 0 };
        }
        // At most 16 bytes: two folds leave 16 bits.
        s = (s & 0xFFFF) + (s >> 16);
        s = (s & 0xFFFF) + (s >> 16);
        crate::checksum::Sum::from_value(s as u16)
    };
    Delta::between(word_sum(old), word_sum(new)).shifted(at)
}

/// Writes `new` over `run` (of the same length) and returns the bytes it
/// held, kept in `stash` (at least as long).
#[inline]
fn swap_in<'s>(run: &mut [u8], new: &[u8], stash: &'s mut [u8]) -> &'s [u8] {
    let old = &mut stash[..new.len()];
    for (o, (b, n)) in old.iter_mut().zip(run.iter_mut().zip(new)) {
        *o = *b;
        *b = *n;
    }
    old
}

/// The part of the change of `old` to `new` at `at` (`whole`, as seen from
/// offset 0) that lies in `r`, as seen from `r`'s start: a range that holds
/// the whole run shifts `whole` (only the parity of offsets matters), one
/// that holds part of it takes its own share.
#[inline]
fn clip(at: usize, old: &[u8], new: &[u8], whole: Delta, r: &Range<usize>) -> Delta {
    let end = at + new.len();
    let (s, e) = (at.max(r.start), end.min(r.end));
    if s == at && e == end {
        whole.shifted(r.start)
    } else if s < e {
        Delta::replace_bytes(s - r.start, &old[s - at..e - at], &new[s - at..e - at])
    } else {
        Delta::NONE
    }
}

/// A frame and the layers a walk found in it, whose fields can be
/// rewritten with every covering checksum kept right. See the [module
/// docs](self).
///
/// `L` is where the [`Layers`] live: owned (`Packet<'_>`, the default,
/// 592 bytes on a 64-bit target, fine on the stack; built by
/// [`from_ethernet`](Packet::from_ethernet) and friends) or borrowed
/// (`Packet<'_, &Layers>`, three words, built by
/// [`ethernet_into`](Packet::ethernet_into) from a [`Layers`] the caller
/// reuses packet after packet, so that a packet costs its walk and its
/// changes and nothing else).
///
/// ```
/// use wireview::packet::Packet;
/// use wireview::walk::{Layers, Walker};
///
/// let walker = Walker::new();
/// let mut layers = Layers::new();
/// let mut frames = [[0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
///     0x45, 0, 0, 30, 0, 0, 0x40, 0, 64, 17, 0x26, 0xcd, 10, 0, 0, 1, 10, 0, 0, 2,
///     0x30, 0x39, 0x00, 0x35, 0x00, 0x0a, 0x53, 0x00, b'h', b'i']; 3];
/// for frame in &mut frames {
///     let mut pkt = Packet::ethernet_into(&walker, frame, &mut layers)?;
///     let _hop = pkt.decrement_hop_limit(1)?; // Hop::Forward(63), then 62, 61
/// }
/// assert_eq!(frames[2][22], 63);
/// assert_eq!(core::mem::size_of::<Packet<'_, &Layers>>(), 3 * core::mem::size_of::<usize>());
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug)]
pub struct Packet<'a, L: Borrow<Layers> = Layers> {
    buf: &'a mut [u8],
    layers: L,
}

impl<'a> Packet<'a> {
    /// Walks an Ethernet frame with the strict default [`Walker`].
    ///
    /// # Errors
    /// The walk's error, when it found a malformed header.
    pub fn from_ethernet(frame: &'a mut [u8]) -> Result<Packet<'a>, Error> {
        Packet::with_walker(&Walker::new(), frame)
    }

    /// Walks a bare IPv4 or IPv6 packet with the strict default [`Walker`].
    ///
    /// # Errors
    /// The walk's error, when it found a malformed header.
    pub fn from_ip(packet: &'a mut [u8]) -> Result<Packet<'a>, Error> {
        let layers = Walker::new().ip(packet);
        Packet::with_layers(packet, layers)
    }

    /// Walks a captured Ethernet frame with the lax [`Walker::capture`]: a
    /// frame cut short by the capture is accepted (and rewritten as far as
    /// it was captured), as are offload artefacts. For capture tools, not
    /// for forwarding.
    ///
    /// # Errors
    /// The walk's error, when it found a malformed header (not when it ran
    /// out of captured bytes: [`Layers::is_cut_short`]).
    pub fn from_ethernet_capture(frame: &'a mut [u8]) -> Result<Packet<'a>, Error> {
        Packet::with_walker(&Walker::capture(), frame)
    }

    /// [`from_ethernet_capture`](Self::from_ethernet_capture) for a bare
    /// IPv4 or IPv6 packet.
    ///
    /// # Errors
    /// As [`from_ethernet_capture`](Self::from_ethernet_capture).
    pub fn from_ip_capture(packet: &'a mut [u8]) -> Result<Packet<'a>, Error> {
        let layers = Walker::capture().ip(packet);
        Packet::with_layers(packet, layers)
    }

    /// Walks an Ethernet frame with `walker` (e.g. one with extra VXLAN
    /// ports, or [`Walker::capture`]).
    ///
    /// # Errors
    /// As [`with_layers`](Self::with_layers).
    pub fn with_walker(walker: &Walker, frame: &'a mut [u8]) -> Result<Packet<'a>, Error> {
        let layers = walker.ethernet(frame);
        Packet::with_layers(frame, layers)
    }
}

impl<'a, 'l> Packet<'a, &'l Layers> {
    /// Walks an Ethernet frame with `walker` into `layers` (replacing what
    /// it held) and makes a `Packet` that borrows them: the per-packet path
    /// of a data plane, with no set-up beyond the walk.
    ///
    /// # Errors
    /// As [`with_layers`](Self::with_layers).
    #[inline]
    pub fn ethernet_into(
        walker: &Walker,
        frame: &'a mut [u8],
        layers: &'l mut Layers,
    ) -> Result<Packet<'a, &'l Layers>, Error> {
        walker.ethernet_into(frame, layers);
        Packet::with_layers(frame, &*layers)
    }

    /// [`ethernet_into`](Self::ethernet_into) for a bare IPv4 or IPv6 packet.
    ///
    /// # Errors
    /// As [`with_layers`](Self::with_layers).
    #[inline]
    pub fn ip_into(
        walker: &Walker,
        packet: &'a mut [u8],
        layers: &'l mut Layers,
    ) -> Result<Packet<'a, &'l Layers>, Error> {
        walker.ip_into(packet, layers);
        Packet::with_layers(packet, &*layers)
    }

    /// A router's fast path: [`Walker::network_into`] (Ethernet, tags and
    /// the IP header, nothing after it) into `layers`. The IP layer's
    /// header fields can be rewritten (TTL, DSCP, addresses: an address
    /// change then fixes the IPv4 header checksum only, since the transport
    /// layer was not walked; use [`ethernet_into`](Self::ethernet_into) to
    /// NAT).
    ///
    /// # Errors
    /// As [`with_layers`](Self::with_layers).
    #[inline]
    pub fn network_into(
        walker: &Walker,
        frame: &'a mut [u8],
        layers: &'l mut Layers,
    ) -> Result<Packet<'a, &'l Layers>, Error> {
        walker.network_into(frame, layers);
        Packet::with_layers(frame, &*layers)
    }
}

impl<'a, L: Borrow<Layers>> Packet<'a, L> {
    /// Uses `layers`, the result of walking `buf`, without walking again.
    /// Layers of another buffer give meaningless rewrites but never a
    /// panic: every offset is checked against `buf` when used, and
    /// checksum fields are those the walk saw (a GRE checksum is only
    /// updated when the walked header had one).
    ///
    /// # Errors
    /// The walk's error, unless it only says that a capture walk ran out
    /// of captured bytes ([`Layers::is_cut_short`]); [`Error::OutOfRange`]
    /// when a layer ends past `buf`.
    #[inline]
    pub fn with_layers(buf: &'a mut [u8], layers: L) -> Result<Packet<'a, L>, Error> {
        let walked = layers.borrow();
        if let Some(e) = walked.error() {
            if !walked.is_cut_short() {
                return Err(e);
            }
        }
        // A walk's layers nest inside the first one's extent and end with
        // the last one's header: checking those two catches layers of a
        // shorter buffer in O(1). Safety does not rest on it: every offset
        // is checked again where it is used.
        let len = buf.len();
        if !walked.ends_within(len) {
            return Err(Self::outside(walked, len));
        }
        Ok(Packet { buf, layers })
    }

    /// The error for layers that do not lie in a buffer of `len` bytes:
    /// the first or last layer's extent.
    #[cold]
    fn outside(walked: &Layers, len: usize) -> Error {
        let outside = |l: Layer| {
            let end = l.end.max(l.header_range().end);
            (end > len || l.start > end).then_some(Error::OutOfRange {
                start: l.start,
                end,
                len,
            })
        };
        walked
            .get(0)
            .and_then(outside)
            .or_else(|| walked.last().and_then(outside))
            .unwrap_or(Error::OutOfRange {
                start: 0,
                end: len,
                len,
            })
    }

    /// The layers the walk found.
    pub fn layers(&self) -> &Layers {
        self.layers.borrow()
    }

    /// The frame's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf
    }

    /// The frame's buffer.
    pub fn into_inner(self) -> &'a mut [u8] {
        self.buf
    }

    /// The checksum layer `k` holds, if any, with what it covers.
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    fn cover(&self, k: usize, l: &Layer) -> Option<Cover> {
        let flags = || self.layers.borrow().flags(k);
        let (off, rule, pseudo, region) = match l.kind {
            LayerKind::Ipv4 => (10, Rule::Plain, false, l.header_range()),
            LayerKind::Udp => (6, Rule::Udp, true, l.range()),
            LayerKind::Tcp => (16, Rule::Plain, true, l.range()),
            LayerKind::Icmpv4 if flags() & PARTIAL == 0 => (2, Rule::Icmpv4, false, l.range()),
            LayerKind::Icmpv4 => (2, Rule::Plain, false, l.range()),
            LayerKind::Icmpv6 => (2, Rule::Plain, true, l.range()),
            LayerKind::Gre if flags() & GRE_CSUM != 0 && l.header_len >= 8 => {
                (4, Rule::Plain, false, l.range())
            }
            LayerKind::Payload => return self.payload_cover(k, l),
            _ => return None,
        };
        let at = l.start + off;
        (at + 2 <= region.end && region.end <= self.buf.len()).then_some(Cover {
            at,
            rule,
            region,
            pseudo,
        })
    }

    /// The checksum of payload layer `k`, when it is the message of one
    /// of the [`PSEUDO_PROTOCOLS`] (kept out of line: rare, and longer).
    #[inline(never)]
    fn payload_cover(&self, k: usize, l: &Layer) -> Option<Cover> {
        let (proto, v4) = self.payload_protocol(k)?;
        let &(_, off, over_v4, rule) = PSEUDO_PROTOCOLS.iter().find(|p| p.0 == proto.0)?;
        let vrrp_v2 = proto.0 == 112 && self.buf.get(l.start)? >> 4 != 3;
        if (v4 && !over_v4) || vrrp_v2 {
            return None;
        }
        let msg = self.buf.get(l.range())?;
        let region = l.start..l.start + covered_len(proto, msg);
        let at = l.start + off;
        (at + 2 <= region.end).then_some(Cover {
            at,
            rule,
            region,
            pseudo: true,
        })
    }

    /// The IP protocol of the payload layer `k` when it directly follows an
    /// IP header (or its extension headers) and starts with that
    /// protocol's header, with whether the IP header is IPv4.
    fn payload_protocol(&self, k: usize) -> Option<(IpProtocol, bool)> {
        let layers = self.layers.borrow();
        let prev = layers.get(k.checked_sub(1)?)?;
        let b = self.buf.get(prev.header_range())?;
        match prev.kind {
            // Not a later fragment: that payload is the middle of a datagram.
            LayerKind::Ipv4 if Ipv4::new_unchecked(b).fragment_offset() == 0 => {
                Some((IpProtocol(b[9]), true))
            }
            LayerKind::Ipv6 => Some((IpProtocol(b[6]), false)),
            LayerKind::Ipv6Ext(Ipv6ExtKind::Fragment)
                if Ipv6Fragment::new_unchecked(b).fragment_offset() == 0 =>
            {
                Some((IpProtocol(b[0]), false))
            }
            LayerKind::Ipv6Ext(kind) if kind != Ipv6ExtKind::Fragment => {
                Some((IpProtocol(b[0]), false))
            }
            _ => None,
        }
    }

    /// The pseudo-header address ranges of the transport layer `k`: those
    /// of the nearest IP header before it (IPv4 source and destination;
    /// IPv6 source, or the home address of a Home Address option, and
    /// destination, or the final destination of a routing header with
    /// segments left, none when its type does not say where that is).
    fn pseudo_ranges(&self, k: usize) -> [Range<usize>; 2] {
        let layers = self.layers.borrow();
        let Some(ip) = layers.enclosing_ip(k) else {
            return [0..0, 0..0];
        };
        let Some(l) = layers.get(ip) else {
            return [0..0, 0..0];
        };
        if l.kind == LayerKind::Ipv4 {
            return [l.start + 12..l.start + 20, 0..0];
        }
        let mut src = l.start + 8..l.start + 24;
        let mut dst = l.start + 24..l.start + 40;
        for x in layers.iter().take(k).skip(ip + 1) {
            let Some(hdr) = self.buf.get(x.header_range()) else {
                continue;
            };
            match x.kind {
                LayerKind::Ipv6Ext(Ipv6ExtKind::Routing) => {
                    if let Ok(rh) = Ipv6Routing::new(hdr) {
                        if rh.segments_left() > 0 {
                            dst = rh
                                .final_destination_range()
                                .map_or(0..0, |r| x.start + r.start..x.start + r.end);
                        }
                    }
                }
                LayerKind::Ipv6Ext(Ipv6ExtKind::Destination) => {
                    if let Some(r) = home_address_range(hdr) {
                        src = x.start + r.start..x.start + r.end;
                    }
                }
                _ => {}
            }
        }
        [src, dst]
    }

    /// The fields a write must not touch, as `(range, layer, field)`: the
    /// checksum fields, and the length and protocol fields that checksums
    /// take into their pseudo-header.
    fn protected(&self, k: usize, l: &Layer) -> [(Range<usize>, ErrorLayer, &'static str); 3] {
        let s = l.start;
        let none = || (0..0, ErrorLayer::Packet, "");
        let csum = |off: usize, layer| (s + off..s + off + 2, layer, "checksum");
        match l.kind {
            LayerKind::Ipv4 => [
                csum(10, ErrorLayer::Ipv4),
                (s + 2..s + 4, ErrorLayer::Ipv4, "total length"),
                (s + 9..s + 10, ErrorLayer::Ipv4, "protocol"),
            ],
            LayerKind::Ipv6 => [
                (s + 4..s + 6, ErrorLayer::Ipv6, "payload length"),
                none(),
                none(),
            ],
            LayerKind::Udp => [
                csum(6, ErrorLayer::Udp),
                (s + 4..s + 6, ErrorLayer::Udp, "length"),
                none(),
            ],
            LayerKind::Tcp => [csum(16, ErrorLayer::Tcp), none(), none()],
            LayerKind::Icmpv4 => [csum(2, ErrorLayer::Icmpv4), none(), none()],
            LayerKind::Icmpv6 => [csum(2, ErrorLayer::Icmpv6), none(), none()],
            // VRRP's version and PIM's type decide whether (and over what)
            // there is a pseudo-header checksum.
            LayerKind::Payload
                if matches!(self.payload_protocol(k), Some((IpProtocol(103 | 112), _))) =>
            {
                let csum = self
                    .cover(k, l)
                    .map_or_else(none, |c| (c.at..c.at + 2, ErrorLayer::Packet, "checksum"));
                [
                    csum,
                    (s..s + 1, ErrorLayer::Packet, "version and type"),
                    none(),
                ]
            }
            LayerKind::Gre | LayerKind::Payload => match self.cover(k, l) {
                Some(c) => {
                    // UDP-Lite's coverage, DCCP's data offset and CsCov:
                    // what the checksum covers.
                    let coverage = l.kind == LayerKind::Payload
                        && matches!(self.payload_protocol(k), Some((IpProtocol(33 | 136), _)));
                    [
                        (c.at..c.at + 2, ErrorLayer::Packet, "checksum"),
                        if coverage {
                            (s + 4..s + 6, ErrorLayer::Packet, "checksum coverage")
                        } else {
                            none()
                        },
                        none(),
                    ]
                }
                None => [none(), none(), none()],
            },
            _ => [none(), none(), none()],
        }
    }

    /// Writes `bytes` at offset `at` of the frame and fixes every checksum
    /// that covers them, innermost first, each fixed checksum field counting
    /// as a change for the checksums around it.
    ///
    /// `write` does not walk again: writing a header-length or
    /// next-protocol field leaves [`layers`](Self::layers) describing the
    /// old structure. Walk again after such a change.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] when the run ends past the buffer;
    /// [`Error::BadValue`] when it overlaps a checksum field (set those
    /// through the layer's view) or a field that a checksum takes into its
    /// pseudo-header besides the addresses (IPv4 total length and
    /// protocol, IPv6 payload length, UDP length). Nothing is written then.
    pub fn write(&mut self, at: usize, bytes: &[u8]) -> Result<(), Error> {
        let end = at
            .checked_add(bytes.len())
            .filter(|&e| e <= self.buf.len())
            .ok_or(Error::OutOfRange {
                start: at,
                end: at.saturating_add(bytes.len()),
                len: self.buf.len(),
            })?;
        let layers = self.layers.borrow();
        for (k, l) in layers.iter().enumerate() {
            // Every protected field lies in its layer's header.
            if end <= l.start || at >= l.header_range().end {
                continue;
            }
            for (r, layer, field) in self.protected(k, &l) {
                if r.start < end && at < r.end {
                    return Err(Error::BadValue { layer, field });
                }
            }
        }
        // One's-complement deltas add up, so a long run is fixed up piece
        // by piece; each piece's old bytes are kept on the stack to clip
        // against every covered range.
        for (n, piece) in bytes.chunks(PIECE).enumerate() {
            self.write_piece(at + n * PIECE, piece);
        }
        Ok(())
    }

    /// Writes one piece of at most [`PIECE`] bytes and fixes the
    /// checksums, innermost first, each fixed checksum field carried on as
    /// a change to the checksums around it.
    fn write_piece(&mut self, at: usize, new: &[u8]) {
        let end = at + new.len();
        let mut stash = [0u8; PIECE];
        let old = swap_in(&mut self.buf[at..end], new, &mut stash);
        if old == new {
            return;
        }
        // A change may be invisible to a one's-complement sum (0x0000 and
        // 0xFFFF are one value there) and still matter: an ICMPv4 message
        // that becomes all zero needs 0xFFFF.
        let whole = Delta::replace_bytes(at, old, new);
        let clip = |r: &Range<usize>| clip(at, old, new, whole, r);
        // Whether the piece touches the pseudo-header addresses of an IP
        // layer, and then the change it makes to the pseudo-header sum of
        // every transport layer of that datagram (those up to the next IP
        // layer).
        let (pseudo, datagram) = self.pseudo_change(at, end, clip);
        let top = self.layers.borrow().len();
        self.fix(at, old, new, whole, top, pseudo, &datagram);
    }

    /// The typed setters' write: `new` at `at`, a field in the header of
    /// layer `k` that is no checksum or length field. Only three kinds of
    /// checksum can cover it, found without a search: layer `k`'s own;
    /// for an IPv4 address, that of the transport layer right after it,
    /// through its pseudo-header (the only layer of the datagram whose
    /// checksum has one: a pseudo-header needs an IP header just before);
    /// and those of the layers around layer `k` whose checksum covers what
    /// they carry (UDP, GRE, ICMP), each taking the changes of the fields
    /// fixed inside it. No layer after `k + 1` is looked at: the cost is
    /// that of the field and of the layers around it, whatever the packet
    /// holds. [`write`](Self::write) at the same offset gives the same
    /// bytes (a test holds them to it).
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    fn write_field<const N: usize>(
        &mut self,
        k: usize,
        l: &Layer,
        at: usize,
        new: [u8; N],
        ipv4_address: bool,
    ) -> Result<(), Error> {
        let end = at
            .checked_add(N)
            .filter(|&e| e <= self.buf.len())
            .ok_or(Error::OutOfRange {
                start: at,
                end: at.saturating_add(N),
                len: self.buf.len(),
            })?;
        // `field_delta`'s two folds hold for fields of up to FIELD bytes.
        const { assert!(N <= FIELD) };
        let mut old = [0u8; N];
        old.copy_from_slice(&self.buf[at..end]);
        if old == new {
            return Ok(());
        }
        self.buf[at..end].copy_from_slice(&new);
        let (old, new) = (&old[..], &new[..]);
        let whole = field_delta(at, old, new);
        if !self.plain_field(k, l, whole, ipv4_address) {
            self.field_general(k, l, at, old, new, whole, ipv4_address);
        }
        Ok(())
    }

    /// [`write_field`](Self::write_field) for every other field, kept out
    /// of line so that the setters inline only their common case: fixes
    /// the checksum of layer `k` (`l`), that of its transport layer for an
    /// IPv4 address, and those of the layers around it, the change of
    /// `old` to `new` at `at` being `whole`.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)] // the field, its layer, the change
    fn field_general(
        &mut self,
        k: usize,
        l: &Layer,
        at: usize,
        old: &[u8],
        new: &[u8],
        whole: Delta,
        ipv4_address: bool,
    ) {
        let end = at + new.len();
        let touched = |r: &Range<usize>| at < r.end && r.start < end;
        // The part of the change a checksum over `r` sees (almost always
        // the whole field).
        let share = |r: &Range<usize>| {
            if r.start <= at && end <= r.end {
                whole.shifted(r.start)
            } else if touched(r) {
                clip(at, old, new, whole, r)
            } else {
                Delta::NONE
            }
        };
        let layers = self.layers.borrow();
        let l = *l;
        // Changes of checksum fields made so far, as seen from offset 0.
        let mut carried = match l.kind {
            // The field lies in the fixed header, inside the buffer (the
            // setters checked), which the header checksum covers.
            LayerKind::Ipv4 if l.start + 20 <= l.header_range().end => {
                let c = Cover {
                    at: l.start + 10,
                    rule: Rule::Plain,
                    region: l.start..l.start + 20,
                    pseudo: false,
                };
                patch(self.buf, &c, whole.shifted(l.start), true)
            }
            // No checksum of their own.
            LayerKind::Ethernet
            | LayerKind::Vlan
            | LayerKind::Ipv6
            | LayerKind::Vxlan
            | LayerKind::Geneve
            | LayerKind::Gtpu
            | LayerKind::Mpls => Delta::NONE,
            _ => match self.cover(k, &l) {
                Some(c) => patch(self.buf, &c, share(&c.region), touched(&c.region)),
                None => Delta::NONE,
            },
        };
        if ipv4_address {
            let t = layers.get(k + 1).filter(|t| !t.kind.is_ip());
            if let Some(c) = t.and_then(|t| self.cover(k + 1, &t)) {
                if c.pseudo {
                    let d = share(&c.region) + whole.shifted(l.start + 12);
                    carried += patch(self.buf, &c, d, touched(&c.region));
                }
            }
        }
        for j in (0..k).rev() {
            // Only these have a checksum over what follows their header
            // (an IPv4 header checksum covers the header alone).
            if !layers.kind(j).is_some_and(|kind| {
                matches!(
                    kind,
                    LayerKind::Udp
                        | LayerKind::Gre
                        | LayerKind::Icmpv4
                        | LayerKind::Icmpv6
                        | LayerKind::Tcp
                        | LayerKind::Payload
                )
            }) {
                continue;
            }
            let Some(c) = layers.get(j).and_then(|l| self.cover(j, &l)) else {
                continue;
            };
            if !touched(&c.region) && carried.is_none() {
                continue;
            }
            let d = share(&c.region) + carried.shifted(c.region.start);
            carried += patch(self.buf, &c, d, touched(&c.region));
        }
    }

    /// The common case of [`write_field`](Self::write_field) in
    /// straight-line code: a field of an IPv4 header that is no address,
    /// or of a header without a checksum, that no earlier layer's checksum
    /// covers (no tunnel or ICMP error around it). Fixes the IPv4 header
    /// checksum and returns true; returns false, having changed nothing,
    /// for everything else, which the general path then fixes. (Addresses
    /// and ports have their common case in their setters, through the
    /// views: when those fail, this would too.) Both give the same bytes
    /// (tests hold them to [`write`](Self::write)).
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    fn plain_field(&mut self, k: usize, l: &Layer, whole: Delta, ipv4_address: bool) -> bool {
        if ipv4_address || self.covered_before(k) {
            return false;
        }
        match l.kind {
            // The field lies in the fixed header, which the setters
            // checked is inside the buffer. The returned delta is for
            // checksums around this one, and there are none.
            LayerKind::Ipv4 if l.start + 20 <= l.header_range().end => {
                let _ = checksum::apply_at(
                    self.buf,
                    l.start,
                    l.start + 10,
                    whole.shifted(l.start),
                    Rule::Plain,
                );
            }
            LayerKind::Ethernet
            | LayerKind::Vlan
            | LayerKind::Ipv6
            | LayerKind::Vxlan
            | LayerKind::Geneve
            | LayerKind::Gtpu
            | LayerKind::Mpls => {}
            _ => return false,
        }
        true
    }

    /// Fixes every checksum of the layers below `top` that covers the
    /// change of `old` to `new` at `at` (`whole`, as seen from offset 0),
    /// innermost first; the transport checksums of the layers in
    /// `datagram` also take `pseudo`, the change to their pseudo-header.
    #[allow(clippy::too_many_arguments)] // the change, where to stop, and its pseudo-header part
    fn fix(
        &mut self,
        at: usize,
        old: &[u8],
        new: &[u8],
        whole: Delta,
        top: usize,
        pseudo: Delta,
        datagram: &Range<usize>,
    ) {
        let end = at + new.len();
        // Changes of checksum fields made so far (as seen from offset 0),
        // all inside the layers still to come around them: a walk's
        // layers nest.
        let mut carried = Delta::NONE;
        for k in (0..top).rev() {
            let Some(l) = self.layers.borrow().get(k) else {
                continue;
            };
            if matches!(
                l.kind,
                LayerKind::Ethernet | LayerKind::Vlan | LayerKind::Ipv6 | LayerKind::Ipv6Ext(_)
            ) {
                // No checksum of their own.
                continue;
            }
            let in_datagram = datagram.contains(&k);
            if carried.is_none() && (end <= l.start || at >= l.end) && !in_datagram {
                continue;
            }
            if l.kind == LayerKind::Ipv4 && (end <= l.start || at >= l.header_range().end) {
                // Its checksum covers its header only, and takes no
                // carried change (no checksum field lies in an IPv4 header).
                continue;
            }
            let Some(c) = self.cover(k, &l) else {
                continue;
            };
            let mut d = clip(at, old, new, whole, &c.region);
            if c.pseudo && in_datagram {
                d += pseudo;
            }
            if l.kind != LayerKind::Ipv4 {
                d += carried.shifted(c.region.start);
            }
            let touched = at < c.region.end && c.region.start < end;
            carried += patch(self.buf, &c, d, touched);
        }
    }

    /// The IP layer whose pseudo-header addresses the piece `at..end`
    /// touches, as the change to the pseudo-header sum and the range of
    /// layer indexes whose checksums take that pseudo-header (the layers
    /// after it, up to the next IP layer); an empty range when none.
    fn pseudo_change(
        &self,
        at: usize,
        end: usize,
        clip: impl Fn(&Range<usize>) -> Delta,
    ) -> (Delta, Range<usize>) {
        let layers = self.layers.borrow();
        let mut found: Option<(usize, Delta)> = None;
        for (k, l) in layers.iter().enumerate() {
            if let Some((ip, d)) = found {
                if l.kind.is_ip() {
                    return (d, ip + 1..k);
                }
                continue;
            }
            // The addresses lie in the IP header or (final destination,
            // home address) in its extension headers, all before the
            // payload that starts where the next non-extension layer does.
            if !l.kind.is_ip() || end <= l.start || at >= l.end {
                continue;
            }
            // Within the fixed header but clear of its addresses: nothing
            // of any pseudo-header (the common TTL / ToS write).
            let addresses = if l.kind == LayerKind::Ipv4 {
                l.start + 12..l.start + 20
            } else {
                l.start + 8..l.start + 40
            };
            let fixed_end = l.start + if l.kind == LayerKind::Ipv4 { 20 } else { 40 };
            if end <= fixed_end && (end <= addresses.start || at >= addresses.end) {
                return (Delta::NONE, 0..0);
            }
            let upper = layers
                .iter()
                .skip(k + 1)
                .position(|x| !matches!(x.kind, LayerKind::Ipv6Ext(_)))
                .map_or(layers.len(), |n| k + 1 + n);
            if at >= layers.get(upper).map_or(l.end, |u| u.start) {
                continue;
            }
            let mut d = Delta::NONE;
            for r in self.pseudo_ranges(upper.min(layers.len())) {
                d += clip(&r);
            }
            if d.is_none() {
                return (Delta::NONE, 0..0);
            }
            found = Some((k, d));
        }
        found.map_or((Delta::NONE, 0..0), |(ip, d)| (d, ip + 1..layers.len()))
    }

    /// Layer `i` if it is one of `kinds` and its header lies inside the
    /// buffer (which only layers of another buffer break).
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    fn layer(
        &self,
        i: usize,
        kinds: impl Fn(LayerKind) -> bool,
        expected: &'static str,
    ) -> Result<Layer, Error> {
        let layers = self.layers.borrow();
        match layers.get(i) {
            Some(l) if kinds(l.kind) && l.header_range().end <= self.buf.len() => Ok(l),
            Some(l) if kinds(l.kind) => Err(Error::OutOfRange {
                start: l.start,
                end: l.header_range().end,
                len: self.buf.len(),
            }),
            found => Err(Error::NoSuchLayer {
                index: i,
                expected,
                found: found.map(|l| l.kind.name()),
            }),
        }
    }

    /// This packet as a `Packet<'_, &Layers>`, for the setters' out-of-line
    /// uncommon cases.
    #[inline]
    fn as_general(&mut self) -> Packet<'_, &Layers> {
        Packet {
            buf: &mut *self.buf,
            layers: self.layers.borrow(),
        }
    }

    /// Layer `i` when no earlier layer's checksum covers it (nothing
    /// around it but link, IP and MPLS headers: no tunnel, no ICMP error):
    /// the setters' common case, where the layer's own checksum (and, for
    /// an IPv4 address, its transport checksum) are all there is to fix,
    /// and the per-header views fix them.
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    fn uncovered(&self, i: usize) -> Option<Layer> {
        let l = self.layers.borrow().get(i)?;
        (!self.covered_before(i)).then_some(l)
    }

    /// Whether a layer before layer `i` may have a checksum over what it
    /// carries: anything but link, IP and MPLS headers.
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    fn covered_before(&self, i: usize) -> bool {
        let layers = self.layers.borrow();
        (0..i).any(|j| {
            !matches!(
                layers.kind(j),
                Some(
                    LayerKind::Ethernet
                        | LayerKind::Vlan
                        | LayerKind::Ipv4
                        | LayerKind::Ipv6
                        | LayerKind::Ipv6Ext(_)
                        | LayerKind::Mpls
                        | LayerKind::Pppoe
                        | LayerKind::Macsec
                )
            )
        })
    }

    /// In the common case, the transport layer whose checksum takes the
    /// addresses of IPv4 layer `i` into its pseudo-header, as
    /// [`plain_transport`](Self::plain_transport) gives it, or that no
    /// layer does (none follows, or one without a pseudo-header); `None`
    /// when layer `i + 1` is not the common case.
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    fn pseudo_transport(&self, i: usize) -> Option<Pseudo> {
        let Some(t) = self.layers.borrow().get(i + 1) else {
            return Some(Pseudo::None);
        };
        match t.kind {
            LayerKind::Tcp | LayerKind::Udp => self
                .plain_transport(&t)
                .map(|(r, udp)| Pseudo::Transport(r, udp)),
            // No pseudo-header.
            LayerKind::Icmpv4
            | LayerKind::Gre
            | LayerKind::Ipv4
            | LayerKind::Ipv6
            | LayerKind::Mpls => Some(Pseudo::None),
            _ => None,
        }
    }

    /// The fixed header of IPv4 layer `i` in the common case
    /// ([`uncovered`](Self::uncovered), the header in the buffer).
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    fn plain_ipv4(&self, i: usize) -> Option<usize> {
        let l = self.uncovered(i)?;
        let header_end = l.header_range().end;
        (l.kind == LayerKind::Ipv4 && l.start + 20 <= header_end && header_end <= self.buf.len())
            .then_some(l.start)
    }

    /// TCP or UDP layer `t` as its checksum is fixed (its extent in the
    /// buffer and holding the checksum field), with whether it is UDP;
    /// `None` for any other layer.
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    fn plain_transport(&self, t: &Layer) -> Option<(Range<usize>, bool)> {
        let len = self.buf.len();
        match t.kind {
            LayerKind::Tcp if t.start + 18 <= t.end && t.end <= len => Some((t.range(), false)),
            LayerKind::Udp if t.start + 8 <= t.end && t.end <= len => Some((t.range(), true)),
            _ => None,
        }
    }

    /// An IPv4 address change in the common case: the header checksum
    /// and the transport checksum through the views. False (nothing
    /// written) when layer `i` is not that case.
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    fn plain_ipv4_address(&mut self, i: usize, src: bool, addr: Ipv4Addr) -> bool {
        let Some(s) = self.plain_ipv4(i) else {
            return false;
        };
        // The transport checksum over the pseudo-header, if any.
        let Some(transport) = self.pseudo_transport(i) else {
            return false;
        };
        let mut ip = Ipv4Mut::new_unchecked(&mut self.buf[s..s + 20]);
        let old = if src { ip.src() } else { ip.dst() };
        if old == addr {
            return true;
        }
        let delta = if src {
            ip.set_src(addr)
        } else {
            ip.set_dst(addr)
        };
        match transport {
            Pseudo::Transport(r, false) => {
                TcpMut::new_unchecked(&mut self.buf[r]).apply_delta(delta);
            }
            Pseudo::Transport(r, true) => {
                UdpMut::new_unchecked(&mut self.buf[r]).apply_delta(delta);
            }
            Pseudo::None => {}
        }
        true
    }

    /// A port change in the common case, through the TCP or UDP view.
    /// False (nothing written) when layer `i` is not that case.
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    fn plain_port(&mut self, i: usize, src: bool, port: u16) -> bool {
        let Some((r, udp)) = self.uncovered(i).and_then(|t| self.plain_transport(&t)) else {
            return false;
        };
        let b = &mut self.buf[r];
        if udp {
            let mut u = UdpMut::new_unchecked(b);
            match src {
                true if u.src_port() != port => u.set_src_port(port),
                false if u.dst_port() != port => u.set_dst_port(port),
                _ => {}
            }
        } else {
            let mut t = TcpMut::new_unchecked(b);
            match src {
                true if t.src_port() != port => t.set_src_port(port),
                false if t.dst_port() != port => t.set_dst_port(port),
                _ => {}
            }
        }
        true
    }

    /// The hop limit of IP layer `i` in the common case, set to what
    /// `new` makes of it, if anything: the IPv4 TTL through the view (its
    /// header checksum follows), the IPv6 hop limit as it is (no checksum
    /// covers it there). The old value; `None` (nothing written) when layer
    /// `i` is not that case.
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    fn plain_hop_limit(&mut self, i: usize, new: impl FnOnce(u8) -> Option<u8>) -> Option<u8> {
        if let Some(s) = self.plain_ipv4(i) {
            let mut ip = Ipv4Mut::new_unchecked(&mut self.buf[s..s + 20]);
            let old = ip.ttl();
            if let Some(n) = new(old).filter(|&n| n != old) {
                ip.set_ttl(n);
            }
            return Some(old);
        }
        let l = self
            .uncovered(i)
            .filter(|l| l.kind == LayerKind::Ipv6 && l.start + 40 <= self.buf.len())?;
        let b = &mut self.buf[l.start + 7];
        let old = *b;
        if let Some(n) = new(old) {
            *b = n;
        }
        Some(old)
    }

    /// Sets the source address of the IPv4 header at layer `i`; the IPv4
    /// header checksum and the TCP/UDP checksum over it (pseudo-header)
    /// follow, and so do the checksums of any tunnel around it.
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when layer `i` is not IPv4.
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    pub fn set_ipv4_src(&mut self, i: usize, addr: Ipv4Addr) -> Result<(), Error> {
        if self.plain_ipv4_address(i, true, addr) {
            return Ok(());
        }
        self.as_general()
            .set_ipv4_address_general(i, crate::ipv4::field_at::SRC.start, addr)
    }

    /// Sets the destination address of the IPv4 header at layer `i`, as
    /// [`set_ipv4_src`](Self::set_ipv4_src) does the source.
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when layer `i` is not IPv4.
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    pub fn set_ipv4_dst(&mut self, i: usize, addr: Ipv4Addr) -> Result<(), Error> {
        if self.plain_ipv4_address(i, false, addr) {
            return Ok(());
        }
        self.as_general()
            .set_ipv4_address_general(i, crate::ipv4::field_at::DST.start, addr)
    }

    /// Sets the source address of the IPv6 header at layer `i`; the
    /// TCP/UDP/ICMPv6 checksum over it (pseudo-header) follows, and so do
    /// the checksums of any tunnel around it.
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when layer `i` is not IPv6.
    pub fn set_ipv6_src(&mut self, i: usize, addr: Ipv6Addr) -> Result<(), Error> {
        let l = self.layer(i, |k| matches!(k, LayerKind::Ipv6), "an IPv6 header")?;
        self.write(l.start + 8, &addr.octets())
    }

    /// Sets the destination address of the IPv6 header at layer `i`, as
    /// [`set_ipv6_src`](Self::set_ipv6_src) does the source.
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when layer `i` is not IPv6.
    pub fn set_ipv6_dst(&mut self, i: usize, addr: Ipv6Addr) -> Result<(), Error> {
        let l = self.layer(i, |k| matches!(k, LayerKind::Ipv6), "an IPv6 header")?;
        self.write(l.start + 24, &addr.octets())
    }

    /// Where the IPv4 TTL or IPv6 hop limit of IP layer `i` lies.
    #[inline]
    fn hop_limit_at(&self, i: usize) -> Result<(Layer, usize), Error> {
        let l = self.layer(
            i,
            |k| matches!(k, LayerKind::Ipv4 | LayerKind::Ipv6),
            "an IP header",
        )?;
        let at = l.start
            + if l.kind == LayerKind::Ipv4 {
                crate::ipv4::field_at::TTL
            } else {
                7
            };
        Ok((l, at))
    }

    /// Sets the hop limit of IP layer `i`: the IPv4 TTL or the IPv6 hop
    /// limit (the same field under the name each RFC gives it).
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when layer `i` is not IPv4 or IPv6.
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    pub fn set_hop_limit(&mut self, i: usize, hop_limit: u8) -> Result<(), Error> {
        if self.plain_hop_limit(i, |_| Some(hop_limit)).is_some() {
            return Ok(());
        }
        self.as_general().set_hop_limit_general(i, hop_limit)
    }

    /// The hop limit of IP layer `i`: the IPv4 TTL or the IPv6 hop limit.
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when layer `i` is not IPv4 or IPv6.
    #[inline]
    pub fn hop_limit(&self, i: usize) -> Result<u8, Error> {
        let (_, at) = self.hop_limit_at(i)?;
        Ok(self.buf[at])
    }

    /// Forwards IP layer `i` one hop as a router does ([RFC 1812 section
    /// 5.3.1]: check, then decrement): a packet whose TTL / hop limit is 0
    /// or 1 would expire here, so it is left unchanged (to be quoted as
    /// received in a Time Exceeded message) and [`Hop::Expired`] is
    /// returned; otherwise the field is decremented, every checksum
    /// follows, and [`Hop::Forward`] holds the new value. The same rule as
    /// [`Ipv4Mut::decrement_ttl`](crate::Ipv4Mut::decrement_ttl).
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when layer `i` is not IPv4 or IPv6.
    ///
    /// [RFC 1812 section 5.3.1]: https://www.rfc-editor.org/rfc/rfc1812#section-5.3.1
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    pub fn decrement_hop_limit(&mut self, i: usize) -> Result<Hop, Error> {
        let forward = |t| match Hop::of(t) {
            Hop::Forward(n) => Some(n),
            Hop::Expired => None,
        };
        if let Some(old) = self.plain_hop_limit(i, forward) {
            return Ok(Hop::of(old));
        }
        self.as_general().decrement_hop_limit_general(i)
    }

    /// The ToS / traffic-class byte of IP layer `i`, with where it lies: the
    /// IPv4 ToS byte, or the 8 bits after the IPv6 version nibble.
    #[inline]
    fn traffic_class(&self, i: usize) -> Result<(Layer, u8), Error> {
        let l = self.layer(
            i,
            |k| matches!(k, LayerKind::Ipv4 | LayerKind::Ipv6),
            "an IP header",
        )?;
        let b = &self.buf[l.start..];
        let tc = if l.kind == LayerKind::Ipv4 {
            b[1]
        } else {
            (b[0] << 4) | (b[1] >> 4)
        };
        Ok((l, tc))
    }

    #[inline]
    fn set_traffic_class(&mut self, i: usize, tc: u8) -> Result<(), Error> {
        let (l, _) = self.traffic_class(i)?;
        if l.kind == LayerKind::Ipv4 {
            self.write_field(i, &l, l.start + 1, [tc], false)
        } else {
            let b = &self.buf[l.start..];
            let new = [(b[0] & 0xF0) | (tc >> 4), (tc << 4) | (b[1] & 0x0F)];
            self.write_field(i, &l, l.start, new, false)
        }
    }

    /// Sets the DSCP of IP layer `i` (IPv4 ToS or IPv6 traffic class),
    /// keeping its ECN bits.
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when layer `i` is not IPv4 or IPv6.
    #[inline]
    pub fn set_dscp(&mut self, i: usize, dscp: Dscp) -> Result<(), Error> {
        let (_, tc) = self.traffic_class(i)?;
        self.set_traffic_class(i, (dscp.value() << 2) | (tc & 0x03))
    }

    /// Sets the ECN codepoint of IP layer `i`, keeping its DSCP.
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when layer `i` is not IPv4 or IPv6.
    #[inline]
    pub fn set_ecn(&mut self, i: usize, ecn: Ecn) -> Result<(), Error> {
        let (_, tc) = self.traffic_class(i)?;
        self.set_traffic_class(i, (tc & 0xFC) | ecn.value())
    }

    /// Sets or clears the don't-fragment bit of the IPv4 layer `i`.
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when layer `i` is not IPv4.
    #[inline]
    pub fn set_dont_fragment(&mut self, i: usize, df: bool) -> Result<(), Error> {
        let l = self.layer(i, |k| matches!(k, LayerKind::Ipv4), "an IPv4 header")?;
        let at = l.start + crate::ipv4::field_at::FLAGS_FRAG;
        let b = if df {
            self.buf[at] | 0x40
        } else {
            self.buf[at] & !0x40
        };
        self.write_field(i, &l, at, [b], false)
    }

    /// Sets the identification of the IPv4 layer `i`.
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when layer `i` is not IPv4.
    #[inline]
    pub fn set_identification(&mut self, i: usize, ident: u16) -> Result<(), Error> {
        let l = self.layer(i, |k| matches!(k, LayerKind::Ipv4), "an IPv4 header")?;
        self.write_field(
            i,
            &l,
            l.start + crate::ipv4::field_at::IDENT,
            ident.to_be_bytes(),
            false,
        )
    }

    /// Sets the source port of the TCP or UDP layer `i`; its checksum and
    /// those of any tunnel around it follow.
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when layer `i` is not TCP or UDP.
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    pub fn set_src_port(&mut self, i: usize, port: u16) -> Result<(), Error> {
        if self.plain_port(i, true, port) {
            return Ok(());
        }
        self.as_general().set_port_general(i, 0, port)
    }

    /// Sets the destination port of the TCP or UDP layer `i`.
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when layer `i` is not TCP or UDP.
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    pub fn set_dst_port(&mut self, i: usize, port: u16) -> Result<(), Error> {
        if self.plain_port(i, false, port) {
            return Ok(());
        }
        self.as_general().set_port_general(i, 2, port)
    }

    /// Sets the VLAN id of the tag at layer `i`, keeping PCP and DEI. Inside
    /// a VXLAN packet, the outer UDP checksum follows.
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when layer `i` is not a VLAN tag.
    #[inline]
    pub fn set_vid(&mut self, i: usize, vid: Vid) -> Result<(), Error> {
        let l = self.layer(i, |k| matches!(k, LayerKind::Vlan), "a VLAN tag")?;
        let tci = field::u16_at(self.buf, l.start);
        self.write_field(
            i,
            &l,
            l.start,
            ((tci & 0xF000) | vid.value()).to_be_bytes(),
            false,
        )
    }

    /// Sets the VNI of the VXLAN or Geneve layer `i` (both keep it in
    /// bytes 4 to 6 of their header); the outer UDP checksum follows (when
    /// it is not 0).
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when layer `i` is not VXLAN or Geneve.
    #[inline]
    pub fn set_vni(&mut self, i: usize, vni: Vni) -> Result<(), Error> {
        let l = self.layer(
            i,
            |k| matches!(k, LayerKind::Vxlan | LayerKind::Geneve),
            "a VXLAN or Geneve header",
        )?;
        let v = vni.value().to_be_bytes();
        self.write_field(i, &l, l.start + 4, [v[1], v[2], v[3]], false)
    }

    /// Sets the tunnel endpoint identifier of the GTP-U layer `i`; the
    /// outer UDP checksum follows (when it is not 0).
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when layer `i` is not GTP-U.
    #[inline]
    pub fn set_teid(&mut self, i: usize, teid: u32) -> Result<(), Error> {
        let l = self.layer(i, |k| matches!(k, LayerKind::Gtpu), "a GTP-U header")?;
        self.write_field(i, &l, l.start + 4, teid.to_be_bytes(), false)
    }

    /// Sets the label of the MPLS label stack entry at layer `i` (the
    /// swap of the MPLS data plane), keeping its traffic class,
    /// bottom-of-stack bit and TTL; an enclosing UDP (RFC 7510) or GRE
    /// checksum follows.
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when layer `i` is not an MPLS entry.
    #[inline]
    pub fn set_label(&mut self, i: usize, label: Label) -> Result<(), Error> {
        let l = self.layer(
            i,
            |k| matches!(k, LayerKind::Mpls),
            "an MPLS label stack entry",
        )?;
        let entry = field::u32_at(self.buf, l.start);
        let entry = (label.value() << 12) | (entry & 0xFFF);
        let e = entry.to_be_bytes();
        self.write_field(i, &l, l.start, [e[0], e[1], e[2]], false)
    }
}

impl Packet<'_, &Layers> {
    // The setters' uncommon cases, out of line and on a `Packet` of their
    // own: the caller's `Packet` then need not live in memory for them
    // (a copy the hot path would wait on).

    /// [`set_ipv4_src`](Self::set_ipv4_src) and
    /// [`set_ipv4_dst`](Self::set_ipv4_dst) in every other case, out of
    /// line: the address at `offset` of the IPv4 header.
    #[inline(never)]
    fn set_ipv4_address_general(
        &mut self,
        i: usize,
        offset: usize,
        addr: Ipv4Addr,
    ) -> Result<(), Error> {
        let l = self.layer(i, |k| matches!(k, LayerKind::Ipv4), "an IPv4 header")?;
        self.write_field(i, &l, l.start + offset, addr.octets(), true)
    }

    /// [`set_hop_limit`](Self::set_hop_limit) in every other case, out of line.
    #[inline(never)]
    fn set_hop_limit_general(&mut self, i: usize, hop_limit: u8) -> Result<(), Error> {
        let (l, at) = self.hop_limit_at(i)?;
        self.write_field(i, &l, at, [hop_limit], false)
    }

    /// [`decrement_hop_limit`](Self::decrement_hop_limit) in every other case, out of line.
    #[inline(never)]
    fn decrement_hop_limit_general(&mut self, i: usize) -> Result<Hop, Error> {
        let (l, at) = self.hop_limit_at(i)?;
        let hop = Hop::of(self.buf[at]);
        if let Hop::Forward(n) = hop {
            self.write_field(i, &l, at, [n], false)?;
        }
        Ok(hop)
    }

    /// [`set_src_port`](Self::set_src_port) and
    /// [`set_dst_port`](Self::set_dst_port) in every other case, out of
    /// line: the port at `offset` of the TCP or UDP header.
    #[inline(never)]
    fn set_port_general(&mut self, i: usize, offset: usize, port: u16) -> Result<(), Error> {
        let l = self.layer(
            i,
            |k| matches!(k, LayerKind::Tcp | LayerKind::Udp),
            "a TCP or UDP header",
        )?;
        self.write_field(i, &l, l.start + offset, port.to_be_bytes(), false)
    }
}

/// Applies `d`, the change to the sum of what checksum `c` covers (as
/// seen from the start of its region), to that checksum in `buf`, and
/// returns the change of its field, as seen from offset 0 (for the
/// checksums around it). `touched`: the write lay in `c`'s region, which
/// under the ICMPv4 rule is looked at even when the sum did not change
/// (an all-zero message needs 0xFFFF, not 0x0000).
#[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
#[inline(always)]
fn patch(buf: &mut [u8], c: &Cover, d: Delta, touched: bool) -> Delta {
    if d.is_none() && !(c.rule == Rule::Icmpv4 && touched) {
        return Delta::NONE;
    }
    let old = field::u16_at(buf, c.at);
    let mut fixed = c.rule.apply(d, old);
    if c.rule == Rule::Icmpv4
        && fixed == 0
        && all_zero_but(&buf[c.region.clone()], c.at - c.region.start)
    {
        // An all-zero message: +0, whose complement is 0xFFFF.
        fixed = 0xFFFF;
    }
    if fixed == old {
        return Delta::NONE;
    }
    field::set_u16(buf, c.at, fixed);
    Delta::replace_u16(old, fixed).shifted(c.at)
}

/// How much of a message of `proto` (one the walk leaves as payload) its
/// checksum covers: all of it, but for UDP-Lite's checksum coverage field
/// (RFC 3828 section 3.1), DCCP's CsCov (RFC 4340 section 9.2) and a PIM
/// Register, whose checksum covers its 8-byte header (RFC 7761 section
/// 4.9). Never less than the checksum field's end.
fn covered_len(proto: IpProtocol, msg: &[u8]) -> usize {
    let len = msg.len();
    let covered = match (proto.0, msg) {
        (136, [_, _, _, _, hi, lo, ..]) => match usize::from(u16::from_be_bytes([*hi, *lo])) {
            0 => len,
            n => n,
        },
        // Data Offset (32-bit words), then CCVal and CsCov.
        (33, [_, _, _, _, offset, cc, ..]) => match cc & 0x0F {
            0 => len,
            cscov => usize::from(*offset) * 4 + (usize::from(cscov) - 1) * 4,
        },
        (103, [b, ..]) if b & 0x0F == 1 => 8,
        _ => len,
    };
    covered.clamp(8.min(len), len)
}

/// Whether `region` is all zero but for the two bytes at `skip` (a
/// checksum field): OR-reduced 64 bytes at a time, which the compiler
/// vectorises, stopping at the first chunk that is not zero. Only an
/// ICMPv4 update that lands on 0x0000 asks (one in 65,535).
fn all_zero_but(region: &[u8], skip: usize) -> bool {
    let zero = |b: &[u8]| b.chunks(64).all(|c| c.iter().fold(0, |a, &x| a | x) == 0);
    let (head, tail) = region.split_at(skip.min(region.len()));
    zero(head) && zero(tail.get(2..).unwrap_or(&[]))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ethernet::{EtherType, EthernetHeader, MacAddr};
    use crate::flow::tests::{AFS_UDP, TCP_TIMESTAMPS};
    use crate::ip::IpProtocol;
    use crate::ipv4::Ipv4Header;
    use crate::ipv6::Ipv6Header;
    use crate::tunnel::{encap_gre, encap_vxlan, OuterIp, VxlanEncap};
    use crate::vlan::VlanTagRef;
    use crate::walk::tests::{GRE_KEY, MACSEC_INTEGRITY, MLD_HOPOPTS, RH0_ICMPV6, VXLAN_ICMP};
    use crate::walk::Which;
    use crate::GreHeader;
    use proptest::prelude::*;
    use std::string::ToString;
    use std::vec::Vec;

    use LayerKind as K;

    /// The one's-complement sum of `data` as 16-bit big-endian words, one
    /// word at a time, folded (not complemented): the reference the crate's
    /// checksum code is checked against.
    pub(crate) fn sum16(data: &[u8]) -> u32 {
        let mut sum: u32 = 0;
        for pair in data.chunks(2) {
            sum += u32::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]));
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        sum
    }

    /// Whether the words of `parts` add up to 0xFFFF (a valid checksum).
    fn sums_to_ffff(parts: &[&[u8]]) -> bool {
        let mut sum = 0;
        for p in parts {
            assert!(p.len() % 2 == 0 || p == parts.last().unwrap());
            sum += sum16(p);
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        sum == 0xFFFF
    }

    /// The destination the pseudo-header of a transport layer after IP
    /// layer `ip` holds: the final one from a type 0 or type 4 (segment
    /// routing) routing header with segments left, else the IPv6
    /// destination.
    fn final_dst(frame: &[u8], layers: &Layers, ip: usize, i: usize) -> [u8; 16] {
        let l = layers.get(ip).unwrap();
        let mut dst: [u8; 16] = frame[l.start + 24..l.start + 40].try_into().unwrap();
        for x in layers.iter().take(i).skip(ip + 1) {
            if x.kind == LayerKind::Ipv6Ext(Ipv6ExtKind::Routing) {
                let rh = &frame[x.header_range()];
                if rh[3] > 0 && rh[2] == 0 {
                    dst.copy_from_slice(&rh[rh.len() - 16..]);
                } else if rh[3] > 0 && rh[2] == 4 {
                    dst.copy_from_slice(&rh[8..24]);
                }
            }
        }
        dst
    }

    /// Every checksum in `frame`, verified from scratch over a fresh walk:
    /// `(layer index, kind, Some(valid))`, or `None` where it cannot be
    /// verified from this frame alone (a UDP checksum of 0, "none"; a
    /// datagram cut short by the capture or a fragment).
    pub(crate) fn checksums(frame: &[u8]) -> Vec<(usize, LayerKind, Option<bool>)> {
        let layers = Layers::from_ethernet_capture(frame);
        let mut out = Vec::new();
        for (i, l) in layers.iter().enumerate() {
            let bytes = &frame[l.range()];
            let ip = layers
                .enclosing_ip(i)
                .map(|ip| (ip, layers.get(ip).unwrap()));
            let whole = ip.map_or(true, |(ipi, ipl)| {
                let fragment = match ipl.kind {
                    LayerKind::Ipv4 => {
                        frame[ipl.start + 6] & 0x3F != 0 || frame[ipl.start + 7] != 0
                    }
                    _ => layers
                        .iter()
                        .take(i)
                        .skip(ipi + 1)
                        .any(|x| x.kind == LayerKind::Ipv6Ext(Ipv6ExtKind::Fragment)),
                };
                !ipl.truncated && !fragment
            });
            let pseudo = |protocol: u8| -> Vec<u8> {
                let (ipi, ipl) = ip.unwrap();
                let len = l.end - l.start;
                let h = &frame[ipl.start..];
                if ipl.kind == LayerKind::Ipv4 {
                    let mut p = h[12..20].to_vec();
                    p.extend_from_slice(&[0, protocol]);
                    p.extend_from_slice(&u16::try_from(len).unwrap().to_be_bytes());
                    p
                } else {
                    let mut p = h[8..24].to_vec();
                    p.extend_from_slice(&final_dst(frame, &layers, ipi, i));
                    p.extend_from_slice(&u32::try_from(len).unwrap().to_be_bytes());
                    p.extend_from_slice(&[0, 0, 0, protocol]);
                    p
                }
            };
            let valid = match l.kind {
                LayerKind::Ipv4 => Some(sums_to_ffff(&[&frame[l.header_range()]])),
                LayerKind::Udp if bytes[6..8] == [0, 0] || l.truncated || !whole => None,
                LayerKind::Udp => Some(sums_to_ffff(&[&pseudo(17), bytes])),
                LayerKind::Tcp if whole => Some(sums_to_ffff(&[&pseudo(6), bytes])),
                LayerKind::Icmpv6 if whole => Some(sums_to_ffff(&[&pseudo(58), bytes])),
                LayerKind::Icmpv4 | LayerKind::Gre if whole => (l.kind == LayerKind::Icmpv4
                    || bytes[0] & 0x80 != 0)
                    .then(|| sums_to_ffff(&[bytes])),
                LayerKind::Tcp | LayerKind::Icmpv6 | LayerKind::Icmpv4 | LayerKind::Gre => None,
                _ => continue,
            };
            out.push((i, l.kind, valid));
        }
        out
    }

    /// Asserts every checksum of `frame` that can be verified is valid, and
    /// returns how many there were.
    pub(crate) fn assert_checksums_valid(frame: &[u8]) -> usize {
        let all = checksums(frame);
        for (i, kind, valid) in &all {
            assert_ne!(
                *valid,
                Some(false),
                "layer {i} ({kind:?}) checksum wrong in {frame:02x?}"
            );
        }
        all.iter().filter(|c| c.2.is_some()).count()
    }

    /// ipv6-routing-header.pcap frame 2: an echo request routed (type 0)
    /// through two addresses.
    #[rustfmt::skip]
    const RH0_TWO: [u8; 102] = [
        // Ethernet: 00:12:3f:ae:22:f7 -> 00:13:c4:c7:84:f0, IPv6 (offset 0)
        0x00, 0x13, 0xc4, 0xc7, 0x84, 0xf0, 0x00, 0x12, 0x3f, 0xae, 0x22, 0xf7, 0x86, 0xdd,
        // IPv6: payload length 48, next header 43 (routing), hop limit 5, 2200::244:212:3fff:feae:22f7 -> 2200::211:2:0:0:2 (offset 14)
        0x60, 0x00, 0x00, 0x00, 0x00, 0x30, 0x2b, 0x05, 0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x44,
        0x02, 0x12, 0x3f, 0xff, 0xfe, 0xae, 0x22, 0xf7, 0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x11,
        0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
        // Routing header: next header 58 (ICMPv6), length 4 (40 octets), type 0, segments left 2, reserved (offset 54)
        0x3a, 0x04, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
        // address 1: 2200::210:2:0:0:4 (offset 62)
        0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x10, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
        // address 2 (the final destination): 2200::240:2:0:0:4 (offset 78)
        0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x40, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
        // ICMPv6 echo request: checksum 0xd37b, id 0, seq 0 (offset 94)
        0x80, 0x00, 0xd3, 0x7b, 0x00, 0x00, 0x00, 0x00,
    ];

    const MAC_A: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0xa]);
    const MAC_B: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0xb]);

    /// An inner Ethernet frame with an 802.1Q tag (VID 10) around the
    /// IPv4/TCP datagram of TCP_TIMESTAMPS.
    fn tagged_tcp_frame() -> Vec<u8> {
        let mut f = TCP_TIMESTAMPS[..12].to_vec();
        f.extend_from_slice(&[0x81, 0x00, 0x20, 0x0A, 0x08, 0x00]);
        f.extend_from_slice(&TCP_TIMESTAMPS[14..]);
        f
    }

    /// Ethernet / outer IP / UDP / VXLAN / `inner`, with the outer UDP
    /// checksum computed when `udp_checksum`.
    pub(crate) fn vxlan_frame(inner: &[u8], outer_v6: bool, udp_checksum: bool) -> Vec<u8> {
        let outer = if outer_v6 {
            OuterIp::V6(Ipv6Header {
                src: "2001:db8::1".parse().unwrap(),
                dst: "2001:db8::2".parse().unwrap(),
                ..Ipv6Header::default()
            })
        } else {
            OuterIp::V4(Ipv4Header {
                src: Ipv4Addr::new(192, 0, 2, 1),
                dst: Ipv4Addr::new(192, 0, 2, 2),
                dont_fragment: true,
                ..Ipv4Header::default()
            })
        };
        let head = 14 + outer.header_len() + 16;
        let mut buf = vec![0; head + inner.len()];
        buf[head..].copy_from_slice(inner);
        let vx = VxlanEncap {
            vni: Vni::new(0x12_3456).unwrap(),
            src_port: 0xC0DE,
            dst_port: crate::vxlan::UDP_PORT,
            udp_checksum,
        };
        let len = buf.len();
        let start = encap_vxlan(&mut buf, head, len, &outer, &vx).unwrap();
        assert_eq!(start, 14);
        EthernetHeader {
            dst: MAC_B,
            src: MAC_A,
            ethertype: if outer_v6 {
                EtherType::IPV6
            } else {
                EtherType::IPV4
            },
        }
        .emit(&mut buf)
        .unwrap();
        buf
    }

    fn kinds(pkt: &Packet<'_>) -> Vec<LayerKind> {
        pkt.layers().iter().map(|l| l.kind).collect()
    }

    #[test]
    fn the_reference_checker_sees_real_checksums() {
        // The reference must itself find the captures' checksums valid,
        // and find a flipped bit.
        for frame in [
            &TCP_TIMESTAMPS[..],
            &RH0_ICMPV6,
            &MLD_HOPOPTS,
            &MACSEC_INTEGRITY,
            &VXLAN_ICMP,
        ] {
            assert!(assert_checksums_valid(frame) >= 1);
            let mut bad = frame.to_vec();
            let (_, kind, _) = *checksums(frame).last().unwrap();
            let i = Layers::from_ethernet_capture(frame)
                .find(kind, Which::Innermost)
                .unwrap();
            let l = Layers::from_ethernet_capture(frame).get(i).unwrap();
            bad[l.end - 1] ^= 0x01;
            assert!(checksums(&bad).iter().any(|c| c.2 == Some(false)));
        }
        // Port unreachable frames and RH0 with UDP: cut short, nothing to verify but IPv4.
        assert_eq!(checksums(&AFS_UDP).len(), 2);
        assert_eq!(checksums(&AFS_UDP)[1].2, None);
    }

    #[test]
    fn rewrites_of_real_frames() -> Result<(), Error> {
        for frame in [
            &TCP_TIMESTAMPS[..],
            &RH0_ICMPV6,
            &MLD_HOPOPTS,
            &MACSEC_INTEGRITY,
            &VXLAN_ICMP,
            &GRE_KEY,
            &AFS_UDP,
        ] {
            let mut buf = frame.to_vec();
            let before = checksums(&buf);
            let mut pkt = Packet::from_ethernet_capture(&mut buf).unwrap();
            let layers = pkt.layers().clone();
            for (i, l) in layers.iter().enumerate() {
                match l.kind {
                    LayerKind::Ipv4 => {
                        pkt.set_hop_limit(i, 17)?;
                        pkt.set_ipv4_src(i, Ipv4Addr::new(198, 51, 100, 7))?;
                        pkt.set_ipv4_dst(i, Ipv4Addr::new(203, 0, 113, 9))?;
                        pkt.set_dscp(i, Dscp::EF)?;
                        pkt.set_ecn(i, Ecn::Ce)?;
                        pkt.set_identification(i, 0xBEEF)?;
                        pkt.set_dont_fragment(i, false)?;
                        assert_eq!(pkt.hop_limit(i)?, 17);
                    }
                    LayerKind::Ipv6 => {
                        pkt.set_hop_limit(i, 2)?;
                        pkt.set_ipv6_src(i, "2001:db8::5".parse().unwrap())?;
                        pkt.set_ipv6_dst(i, "2001:db8::6".parse().unwrap())?;
                        pkt.set_dscp(i, Dscp::AF41)?;
                        pkt.set_ecn(i, Ecn::Ect1)?;
                    }
                    LayerKind::Tcp | LayerKind::Udp => {
                        pkt.set_src_port(i, 40000)?;
                        // A VXLAN port stays one, so the frame walks the same.
                        let vxlan = layers
                            .get(i + 1)
                            .is_some_and(|n| n.kind == LayerKind::Vxlan);
                        if !vxlan {
                            pkt.set_dst_port(i, 8443)?;
                        }
                    }
                    LayerKind::Vlan => pkt.set_vid(i, Vid::new(4000).unwrap())?,
                    LayerKind::Vxlan => pkt.set_vni(i, Vni::new(7).unwrap())?,
                    _ => {}
                }
            }
            // Every checksum that was valid still is; the structure did not move.
            let after = checksums(&buf);
            assert_eq!(after.len(), before.len());
            for (b, a) in before.iter().zip(&after) {
                assert_eq!((b.0, b.1), (a.0, a.1));
                if b.2 == Some(true) {
                    assert_eq!(a.2, Some(true), "{frame:02x?} layer {}", a.0);
                }
            }
            assert_ne!(buf, frame);
        }
        Ok(())
    }

    #[test]
    fn inner_ipv4_address_in_vxlan_with_udp_checksum() -> Result<(), Error> {
        for outer_v6 in [false, true] {
            let mut buf = vxlan_frame(&tagged_tcp_frame(), outer_v6, true);
            let outer_udp_at = if outer_v6 { 54 } else { 34 };
            let old_outer = [buf[outer_udp_at + 6], buf[outer_udp_at + 7]];
            assert_eq!(assert_checksums_valid(&buf), if outer_v6 { 3 } else { 4 });
            let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
            let ip_kind = if outer_v6 { K::Ipv6 } else { K::Ipv4 };
            assert_eq!(
                kinds(&pkt),
                [
                    K::Ethernet,
                    ip_kind,
                    K::Udp,
                    K::Vxlan,
                    K::Ethernet,
                    K::Vlan,
                    K::Ipv4,
                    K::Tcp,
                    K::Payload
                ]
            );
            let inner = pkt.layers().find(K::Ipv4, Which::Innermost).unwrap();
            // The inner IPv4 header's sum does not change, its TCP
            // checksum does (pseudo-header), and so does the outer UDP
            // checksum, which covers that TCP checksum field.
            pkt.set_ipv4_src(inner, Ipv4Addr::new(10, 9, 8, 7))?;
            assert_eq!(assert_checksums_valid(&buf), if outer_v6 { 3 } else { 4 });
            assert_ne!([buf[outer_udp_at + 6], buf[outer_udp_at + 7]], old_outer);
            let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
            let vlan = pkt.layers().find(K::Vlan, Which::Innermost).unwrap();
            pkt.set_vid(vlan, Vid::new(99).unwrap())?;
            let tcp = pkt.layers().find(K::Tcp, Which::Innermost).unwrap();
            pkt.set_dst_port(tcp, 22)?;
            let vni = pkt.layers().find(K::Vxlan, Which::Innermost).unwrap();
            pkt.set_vni(vni, Vni::new(1).unwrap())?;
            assert_eq!(pkt.decrement_hop_limit(1)?, Hop::Forward(63));
            assert_checksums_valid(&buf);
            let tag = VlanTagRef::new(&buf[buf.len() - (TCP_TIMESTAMPS.len() - 14) - 4..]).unwrap();
            assert_eq!((tag.vid().value(), tag.pcp().value()), (99, 1));
        }
        Ok(())
    }

    #[test]
    fn zero_udp_checksum_stays_zero() -> Result<(), Error> {
        // vxlan.pcap sends the outer UDP checksum as 0.
        let mut buf = VXLAN_ICMP;
        let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
        pkt.set_ipv4_src(5, Ipv4Addr::new(10, 0, 0, 1))?;
        pkt.set_vni(3, Vni::new(0xFF_FFFF).unwrap())?;
        pkt.set_src_port(2, 1)?;
        assert_eq!(buf[40..42], [0, 0]);
        assert_checksums_valid(&buf);
        // Also for the tunnels this crate builds without a checksum.
        for outer_v6 in [false, true] {
            let mut buf = vxlan_frame(&tagged_tcp_frame(), outer_v6, false);
            let at = if outer_v6 { 54 + 6 } else { 34 + 6 };
            let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
            let inner = pkt
                .layers()
                .find(LayerKind::Ipv4, Which::Innermost)
                .unwrap();
            pkt.set_ipv4_dst(inner, Ipv4Addr::new(10, 0, 0, 2))?;
            assert_eq!(buf[at..at + 2], [0, 0]);
            assert_checksums_valid(&buf);
        }
        Ok(())
    }

    #[test]
    fn computed_zero_udp_checksum_is_sent_as_ffff() -> Result<(), Error> {
        // A UDP datagram with source port p: choose p so that the checksum
        // computed from scratch is 0, which UDP sends as 0xFFFF.
        let mut frame = vxlan_frame(&tagged_tcp_frame(), false, true);
        let udp = 34;
        let len = frame.len() - udp;
        let mut pseudo = frame[26..34].to_vec();
        pseudo.extend_from_slice(&[0, 17]);
        pseudo.extend_from_slice(&u16::try_from(len).unwrap().to_be_bytes());
        let mut body = frame[udp..].to_vec();
        body[0..2].fill(0);
        body[6..8].fill(0);
        let s = (sum16(&pseudo) + sum16(&body)) % 0xFFFF;
        let port = u16::try_from(0xFFFF - s).unwrap();
        let mut pkt = Packet::from_ethernet(&mut frame).unwrap();
        pkt.set_src_port(2, port)?;
        assert_eq!(frame[udp + 6..udp + 8], [0xFF, 0xFF]);
        assert_checksums_valid(&frame);
        Ok(())
    }

    #[test]
    fn gre_checksum_follows() -> Result<(), Error> {
        for (checksum, key, seq) in [
            (true, None, None),
            (true, Some(7), Some(9)),
            (false, Some(1), None),
        ] {
            // IPv4 / GRE / the IPv4 / TCP datagram of TCP_TIMESTAMPS.
            let inner = &TCP_TIMESTAMPS[14..];
            let gre = GreHeader {
                protocol_type: EtherType::IPV4,
                checksum,
                key,
                seq,
            };
            let head = 14 + 20 + gre.header_len();
            let mut buf = vec![0; head + inner.len()];
            buf[head..].copy_from_slice(inner);
            let outer = OuterIp::V4(Ipv4Header {
                src: Ipv4Addr::new(192, 0, 2, 1),
                dst: Ipv4Addr::new(192, 0, 2, 2),
                ..Ipv4Header::default()
            });
            let len = buf.len();
            assert_eq!(encap_gre(&mut buf, head, len, &outer, &gre)?, 14);
            buf[12..14].copy_from_slice(&[0x08, 0x00]);
            let n = if checksum { 4 } else { 3 };
            assert_eq!(assert_checksums_valid(&buf), n);
            let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
            let tcp = pkt.layers().find(LayerKind::Tcp, Which::Innermost).unwrap();
            pkt.set_src_port(tcp, 1)?;
            let ip = pkt
                .layers()
                .find(LayerKind::Ipv4, Which::Innermost)
                .unwrap();
            pkt.set_ipv4_dst(ip, Ipv4Addr::new(1, 2, 3, 4))?;
            assert_eq!(pkt.decrement_hop_limit(ip)?, Hop::Expired); // the capture's TTL is 1
            pkt.set_hop_limit(1, 1)?;
            assert_eq!(assert_checksums_valid(&buf), n);
        }
        Ok(())
    }

    #[test]
    fn ipv6_routing_header_pseudo_header_uses_the_final_destination() -> Result<(), Error> {
        // The ICMPv6 checksum of RH0_ICMPV6 covers the last address of the
        // routing header, not the destination field (segments left 1).
        let mut buf = RH0_ICMPV6;
        let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
        pkt.set_ipv6_dst(1, "2001:db8::99".parse().unwrap())?;
        assert_eq!(
            buf[78 + 2..78 + 4],
            RH0_ICMPV6[78 + 2..78 + 4],
            "checksum unchanged"
        );
        assert_checksums_valid(&buf);
        let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
        pkt.set_ipv6_src(1, "2001:db8::98".parse().unwrap())?;
        assert_ne!(buf[78 + 2..78 + 4], RH0_ICMPV6[78 + 2..78 + 4]);
        assert_checksums_valid(&buf);
        // With no segments left, the destination field is the final one.
        let mut buf = RH0_ICMPV6;
        buf[54 + 3] = 0;
        buf[38..54].copy_from_slice(&RH0_ICMPV6[62..78]);
        assert_checksums_valid(&buf);
        let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
        pkt.set_ipv6_dst(1, "2001:db8::99".parse().unwrap())?;
        assert_ne!(buf[78 + 2..78 + 4], RH0_ICMPV6[78 + 2..78 + 4]);
        assert_checksums_valid(&buf);
        Ok(())
    }

    #[test]
    fn writes_to_the_final_destination_in_a_routing_header() -> Result<(), Error> {
        // The final destination of a type 0 routing header is its last
        // address; a write there changes the ICMPv6 checksum, a write to
        // the other address or the destination field does not.
        let final_at = 78;
        let new: Ipv6Addr = "2001:db8::f1".parse().unwrap();
        let mut buf = RH0_TWO;
        assert_eq!(assert_checksums_valid(&buf), 1);
        let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
        pkt.write(final_at, &new.octets())?;
        assert_ne!(buf[96..98], RH0_TWO[96..98]);
        assert_checksums_valid(&buf);
        let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
        let before = [pkt.as_bytes()[96], pkt.as_bytes()[97]];
        pkt.write(62, &new.octets())?;
        pkt.set_ipv6_dst(1, new)?;
        assert_eq!(buf[96..98], before);
        assert_checksums_valid(&buf);
        // A type 4 (segment routing) header lists the final destination
        // first: the same frame with the two addresses swapped.
        let mut srh = RH0_TWO;
        srh[56] = 4;
        srh[62..78].copy_from_slice(&RH0_TWO[78..94]);
        srh[78..94].copy_from_slice(&RH0_TWO[62..78]);
        assert_eq!(assert_checksums_valid(&srh), 1);
        let mut pkt = Packet::from_ethernet(&mut srh).unwrap();
        pkt.write(62, &new.octets())?;
        assert_ne!(srh[96..98], RH0_TWO[96..98]);
        assert_checksums_valid(&srh);
        let mut pkt = Packet::from_ethernet(&mut srh).unwrap();
        let before = [pkt.as_bytes()[96], pkt.as_bytes()[97]];
        pkt.write(78, &[0xAB; 16])?;
        assert_eq!(srh[96..98], before);
        assert_checksums_valid(&srh);
        Ok(())
    }

    #[test]
    fn write_refuses_runs_over_a_checksum_field() {
        let frame = vxlan_frame(&tagged_tcp_frame(), false, true);
        let layers = Layers::from_ethernet_capture(&frame);
        let fields = [
            (LayerKind::Ipv4, 1, 10, ErrorLayer::Ipv4),
            (LayerKind::Udp, 2, 6, ErrorLayer::Udp),
            (LayerKind::Ipv4, 6, 10, ErrorLayer::Ipv4),
            (LayerKind::Tcp, 7, 16, ErrorLayer::Tcp),
        ];
        for (kind, i, offset, layer) in fields {
            let l = layers.get(i).unwrap();
            assert_eq!(l.kind, kind);
            let at = l.start + offset;
            for start in at - 3..at + 2 {
                for len in 1..=4 {
                    let mut buf = frame.clone();
                    let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
                    let run = vec![0xAA; len];
                    let overlaps = start < at + 2 && at < start + len;
                    let r = pkt.write(start, &run);
                    if overlaps {
                        assert_eq!(
                            r,
                            Err(Error::BadValue {
                                layer,
                                field: "checksum"
                            }),
                            "{start} {len}"
                        );
                        assert_eq!(buf, frame, "nothing written");
                    } else {
                        // Next to the field, not on it: allowed (it may hit
                        // another field, which is fine here).
                        // Lengths and the IPv4 protocol byte (pseudo-header fields).
                        let lengths = [(1, 2), (2, 4), (6, 2), (1, 9), (6, 9)];
                        let other = fields
                            .iter()
                            .map(|(_, j, o, _)| (*j, *o))
                            .chain(lengths)
                            .any(|(j, o)| {
                                let a = layers.get(j).unwrap().start + o;
                                start < a + 2 && a < start + len
                            });
                        assert_eq!(r.is_ok(), !other, "{start} {len}");
                    }
                }
            }
        }
    }

    #[test]
    fn write_errors() {
        let mut buf = VXLAN_ICMP;
        let len = buf.len();
        let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
        let outside = |start, end| Err(Error::OutOfRange { start, end, len });
        assert_eq!(pkt.write(len - 1, &[1, 2]), outside(len - 1, len + 1));
        assert_eq!(pkt.write(len + 5, &[]), outside(len + 5, len + 5));
        assert_eq!(pkt.write(usize::MAX, &[1]), outside(usize::MAX, usize::MAX));
        assert_eq!(pkt.write(len, &[]), Ok(()));
        assert_eq!(pkt.write(len - 1, &[0x34]), Ok(()));
        // Setters on a layer of the wrong kind, or past the last layer.
        let wrong = |index, expected, found| {
            Err(Error::NoSuchLayer {
                index,
                expected,
                found,
            })
        };
        assert_eq!(
            pkt.set_hop_limit(0, 1),
            wrong(0, "an IP header", Some("ethernet"))
        );
        assert_eq!(
            pkt.hop_limit(2).map(|_| ()),
            wrong(2, "an IP header", Some("udp"))
        );
        assert_eq!(
            pkt.set_ipv4_src(4, Ipv4Addr::LOCALHOST),
            wrong(4, "an IPv4 header", Some("ethernet"))
        );
        assert_eq!(
            pkt.set_ipv6_dst(1, Ipv6Addr::LOCALHOST),
            wrong(1, "an IPv6 header", Some("ipv4"))
        );
        assert_eq!(
            pkt.set_src_port(6, 1),
            wrong(6, "a TCP or UDP header", Some("icmpv4"))
        );
        assert_eq!(
            pkt.set_vid(0, Vid::new(1).unwrap()),
            wrong(0, "a VLAN tag", Some("ethernet"))
        );
        assert_eq!(
            pkt.set_vni(2, Vni::new(1).unwrap()),
            wrong(2, "a VXLAN or Geneve header", Some("udp"))
        );
        assert_eq!(
            pkt.set_dont_fragment(99, true),
            wrong(99, "an IPv4 header", None)
        );
        assert_eq!(
            pkt.set_dont_fragment(99, true)
                .unwrap_err()
                .to_string()
                .as_str(),
            "packet: no layer 99 (wanted an IPv4 header)"
        );
        assert_eq!(
            pkt.set_src_port(6, 1).unwrap_err().to_string().as_str(),
            "packet: layer 6 is icmpv4, not a TCP or UDP header"
        );
        // Length fields that a pseudo-header holds are refused like checksums.
        assert_eq!(
            pkt.write(14 + 2, &[0, 0x86]),
            Err(Error::BadValue {
                layer: ErrorLayer::Ipv4,
                field: "total length"
            })
        );
        assert_eq!(
            pkt.write(34 + 4, &[0, 0x72]),
            Err(Error::BadValue {
                layer: ErrorLayer::Udp,
                field: "length"
            })
        );
        assert_eq!(pkt.into_inner()[len - 1], 0x34);
    }

    /// Regression: layers walked while the GRE C bit was clear, used after
    /// it was set, made `write` index past the header (a panic). Only the
    /// checksum the walked header held is updated.
    #[test]
    fn gre_checksum_bit_set_after_the_walk() {
        let layers = Layers::from_ethernet(&GRE_KEY);
        let gre = layers.find(K::Gre, Which::Outermost).unwrap();
        let g = layers.get(gre).unwrap();
        assert_eq!(GRE_KEY[g.start] & 0x80, 0, "walked without a checksum");
        let mut buf = GRE_KEY;
        buf[g.start] |= 0x80;
        let changed = buf;
        let mut pkt = Packet::with_layers(&mut buf, &layers).unwrap();
        // A write in the GRE payload: the bytes after the GRE flags (the
        // key, here) are not a checksum to patch.
        pkt.write(g.start + 9, &[0x77]).unwrap();
        for (k, (a, b)) in buf.iter().zip(changed.iter()).enumerate() {
            assert!(a == b || k == g.start + 9, "byte {k} changed");
        }
        // The same on a buffer that ends right after a 4-byte GRE header.
        let mut short = GRE_KEY[..g.start + 4].to_vec();
        short[18 + 3] = (g.start + 4 - 18) as u8; // IPv4 total length
        let ipsum = crate::checksum::internet_checksum(&{
            let mut h = short[18..38].to_vec();
            h[10] = 0;
            h[11] = 0;
            h
        });
        short[28..30].copy_from_slice(&ipsum.to_be_bytes());
        short[g.start] = 0x00; // no C, no K
        let walked = Layers::from_ethernet(&short);
        assert!(walked.error().is_none(), "{:?}", walked.error());
        short[g.start] = 0x80;
        let mut pkt = Packet::with_layers(&mut short, &walked).unwrap();
        assert_eq!(pkt.write(g.start + 2, &[0x12]), Ok(()));
    }

    #[test]
    fn layers_of_another_buffer_never_panic() {
        // Layers of a 148-byte frame used with shorter buffers: every call
        // fails or rewrites meaningless bytes, none panics.
        let layers = Layers::from_ethernet_capture(&VXLAN_ICMP);
        for len in 0..=VXLAN_ICMP.len() {
            let mut buf = VXLAN_ICMP[..len].to_vec();
            // Same length, other bytes: offsets fit, contents are nonsense.
            buf.iter_mut().skip(14).step_by(3).for_each(|b| *b ^= 0xA5);
            let Ok(mut pkt) = Packet::with_layers(&mut buf, layers.clone()) else {
                assert!(len < VXLAN_ICMP.len(), "the walked length fits");
                continue;
            };
            for i in 0..=layers.len() {
                let _ = pkt.hop_limit(i);
                let _ = pkt.set_hop_limit(i, 9);
                let _ = pkt.decrement_hop_limit(i);
                let _ = pkt.set_ipv4_src(i, Ipv4Addr::LOCALHOST);
                let _ = pkt.set_ipv4_dst(i, Ipv4Addr::LOCALHOST);
                let _ = pkt.set_dscp(i, Dscp::CS1);
                let _ = pkt.set_ecn(i, Ecn::Ce);
                let _ = pkt.set_dont_fragment(i, true);
                let _ = pkt.set_identification(i, 1);
                let _ = pkt.set_src_port(i, 1);
                let _ = pkt.set_dst_port(i, 1);
                let _ = pkt.set_vni(i, Vni::new(1).unwrap());
            }
        }
        let layers = Layers::from_ethernet_capture(&GRE_KEY);
        let mut buf = GRE_KEY[..15].to_vec();
        assert_eq!(
            Packet::with_layers(&mut buf, layers).map(|_| ()),
            Err(Error::OutOfRange {
                start: 0,
                end: 82,
                len: 15
            })
        );
    }

    #[test]
    fn ttl_and_traffic_class() -> Result<(), Error> {
        let mut buf = TCP_TIMESTAMPS;
        let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
        pkt.set_hop_limit(1, 3)?;
        assert_eq!(pkt.decrement_hop_limit(1), Ok(Hop::Forward(2)));
        assert_eq!(pkt.decrement_hop_limit(1), Ok(Hop::Forward(1)));
        // Expiring here (RFC 1812 section 5.3.1): left as received, for the
        // Time Exceeded quote.
        let before = *pkt.as_bytes().first_chunk::<64>().unwrap();
        assert_eq!(pkt.decrement_hop_limit(1), Ok(Hop::Expired));
        assert_eq!(pkt.hop_limit(1), Ok(1));
        assert_eq!(pkt.as_bytes()[..64], before);
        pkt.set_hop_limit(1, 0)?;
        assert_eq!(pkt.decrement_hop_limit(1), Ok(Hop::Expired));
        assert_eq!(pkt.hop_limit(1), Ok(0));
        pkt.set_dscp(1, Dscp::AF11)?;
        pkt.set_ecn(1, Ecn::Ect0)?;
        assert_eq!(buf[15], (10 << 2) | 2);
        assert_checksums_valid(&buf);
        // IPv6: version and flow label stay.
        let mut buf = MLD_HOPOPTS;
        let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
        pkt.set_dscp(1, Dscp::new(0x3F).unwrap())?;
        pkt.set_ecn(1, Ecn::Ce)?;
        let ip = crate::Ipv6::new(&buf[14..]).unwrap();
        assert_eq!(
            (ip.version(), ip.traffic_class(), ip.flow_label()),
            (6, 0xFF, 0)
        );
        let mut buf = MLD_HOPOPTS;
        buf[15] = 0x0A; // flow label 0xA0000
        buf[16] = 0xBC;
        let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
        pkt.set_dscp(1, Dscp::EF)?;
        let ip = crate::Ipv6::new(&buf[14..]).unwrap();
        assert_eq!((ip.dscp(), ip.flow_label()), (Dscp::EF, 0xA_BC00));
        assert_checksums_valid(&buf);
        Ok(())
    }

    #[test]
    fn first_fragment_update_is_exact() -> Result<(), Error> {
        // A UDP datagram of 8 + 64 bytes in two IPv4 fragments. Rewrite
        // the ports and addresses in the first one; the reassembled
        // datagram's checksum must be valid.
        let src = Ipv4Addr::new(10, 0, 0, 1);
        let dst = Ipv4Addr::new(10, 0, 0, 2);
        let mut udp = vec![0x30, 0x39, 0x00, 0x35, 0x00, 72, 0, 0];
        udp.extend((0..64u8).map(|b| b.wrapping_mul(37)));
        let mut pseudo = [src.octets(), dst.octets()].concat();
        pseudo.extend_from_slice(&[0, 17, 0, 72]);
        let c = !((sum16(&pseudo) + sum16(&udp)) % 0xFFFF) as u16;
        udp[6..8].copy_from_slice(&c.to_be_bytes());
        let mut first = vec![0; 14 + 20];
        first[12..14].copy_from_slice(&[0x08, 0x00]);
        Ipv4Header {
            protocol: IpProtocol::UDP,
            src,
            dst,
            more_fragments: true,
            payload_len: 24,
            ..Ipv4Header::default()
        }
        .emit(&mut first[14..])?;
        first.extend_from_slice(&udp[..24]);
        let mut pkt = Packet::from_ethernet(&mut first).unwrap();
        pkt.set_ipv4_src(1, Ipv4Addr::new(172, 16, 0, 1))?;
        pkt.set_src_port(2, 5353)?;
        assert_checksums_valid(&first);
        let mut whole = first[14 + 20..].to_vec();
        whole.extend_from_slice(&udp[24..]);
        let mut pseudo = first[26..34].to_vec();
        pseudo.extend_from_slice(&[0, 17, 0, 72]);
        assert!(sums_to_ffff(&[&pseudo, &whole]));
        Ok(())
    }

    /// An outer Ethernet / IPv4 or IPv6 header pair for the tunnel tests.
    fn outer_ip(v6: bool) -> OuterIp {
        if v6 {
            OuterIp::V6(Ipv6Header {
                src: "2001:db8::1".parse().unwrap(),
                dst: "2001:db8::2".parse().unwrap(),
                ..Ipv6Header::default()
            })
        } else {
            OuterIp::V4(Ipv4Header {
                src: Ipv4Addr::new(192, 0, 2, 1),
                dst: Ipv4Addr::new(192, 0, 2, 2),
                ..Ipv4Header::default()
            })
        }
    }

    /// `inner` behind `head` bytes of headroom, encapsulated by `encap`,
    /// then an outer Ethernet header.
    fn tunnelled(
        inner: &[u8],
        head: usize,
        v6: bool,
        encap: impl FnOnce(&mut [u8], usize, usize, &OuterIp) -> Result<usize, Error>,
    ) -> Vec<u8> {
        let outer = outer_ip(v6);
        let head = 14 + outer.header_len() + head;
        let mut buf = vec![0; head + inner.len()];
        buf[head..].copy_from_slice(inner);
        let len = buf.len();
        let start = encap(&mut buf, head, len, &outer).unwrap();
        let mut buf = buf.split_off(start - 14);
        EthernetHeader {
            dst: MAC_B,
            src: MAC_A,
            ethertype: if v6 { EtherType::IPV6 } else { EtherType::IPV4 },
        }
        .emit(&mut buf)
        .unwrap();
        buf
    }

    /// Ethernet / IP / UDP (with a checksum) / MPLS (RFC 7510) / IPv4 /
    /// TCP: a UDP checksum that covers the inner headers with no tunnel
    /// header of its own in between.
    pub(crate) fn mpls_udp_frame(v6: bool) -> Vec<u8> {
        use crate::mpls::{Label, MplsHeader, TrafficClass};
        use crate::tunnel::{encap_mpls_udp, MplsUdpEncap};
        let labels = [MplsHeader {
            label: Label::new(100).unwrap(),
            traffic_class: TrafficClass::new(0).unwrap(),
            bottom_of_stack: true,
            ttl: 64,
        }];
        let m = MplsUdpEncap {
            src_port: 49152,
            dst_port: crate::mpls::UDP_PORT,
            udp_checksum: true,
        };
        tunnelled(&TCP_TIMESTAMPS[14..], 12, v6, |b, s, e, o| {
            encap_mpls_udp(b, s, e, o, &labels, &m)
        })
    }

    /// Rewrites the innermost IPv4 source, TCP port and hop limit of a
    /// tunnelled frame through `Packet`, and checks every checksum and how
    /// many there are.
    fn rewrite_inner(buf: &mut [u8], sums: usize) {
        assert_eq!(assert_checksums_valid(buf), sums);
        let mut pkt = Packet::from_ethernet(buf).unwrap();
        let ip = pkt.layers().find(K::Ipv4, Which::Innermost).unwrap();
        let tcp = pkt.layers().find(K::Tcp, Which::Innermost).unwrap();
        pkt.set_ipv4_src(ip, Ipv4Addr::new(100, 64, 7, 9)).unwrap();
        pkt.set_src_port(tcp, 33333).unwrap();
        pkt.set_hop_limit(ip, 9).unwrap();
        assert_eq!(assert_checksums_valid(buf), sums);
    }

    #[test]
    #[allow(clippy::too_many_lines)] // three tunnels, each built, walked and rewritten
    fn geneve_gtpu_and_mpls_over_udp_keep_the_outer_udp_checksum() {
        use crate::geneve::GeneveHeader;
        use crate::gtpu::PduSession;
        use crate::mpls::{Label, MplsHeader, TrafficClass};
        use crate::tunnel::{
            encap_geneve, encap_gtpu, encap_mpls_udp, GeneveEncap, GtpuEncap, MplsUdpEncap,
        };
        let opts = [0x01, 0x02, 0x80, 0x01, 0xAA, 0xBB, 0xCC, 0xDD];
        for v6 in [false, true] {
            // Geneve: Ethernet inside, one 8-byte option.
            let g = GeneveEncap {
                header: GeneveHeader {
                    oam: false,
                    critical: true,
                    protocol_type: EtherType::TEB,
                    vni: Vni::new(77).unwrap(),
                    options: &opts,
                },
                src_port: 50000,
                dst_port: crate::geneve::UDP_PORT,
                udp_checksum: true,
            };
            let mut buf = tunnelled(&tagged_tcp_frame(), 24, v6, |b, s, e, o| {
                encap_geneve(b, s, e, o, &g)
            });
            let walked = kinds(&Packet::from_ethernet(&mut buf).unwrap());
            let ip = if v6 { K::Ipv6 } else { K::Ipv4 };
            assert_eq!(
                walked,
                [
                    K::Ethernet,
                    ip,
                    K::Udp,
                    K::Geneve,
                    K::Ethernet,
                    K::Vlan,
                    K::Ipv4,
                    K::Tcp,
                    K::Payload
                ]
            );
            rewrite_inner(&mut buf, if v6 { 3 } else { 4 });
            let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
            pkt.set_vni(3, Vni::new(0xABCDE).unwrap()).unwrap();
            assert_eq!(assert_checksums_valid(&buf), if v6 { 3 } else { 4 });

            // GTP-U: a G-PDU with a PDU Session Container, IPv4 inside.
            let g = GtpuEncap {
                teid: 0x1234_5678,
                sequence_number: Some(7),
                pdu_session: Some(PduSession {
                    pdu_type: 1,
                    qfi: 9,
                    rqi: false,
                }),
                src_port: 2152,
                dst_port: crate::gtpu::UDP_PORT,
                udp_checksum: true,
            };
            let mut buf = tunnelled(&TCP_TIMESTAMPS[14..], 8 + 16 + 8, v6, |b, s, e, o| {
                encap_gtpu(b, s, e, o, &g)
            });
            let walked = kinds(&Packet::from_ethernet(&mut buf).unwrap());
            assert_eq!(
                walked,
                [
                    K::Ethernet,
                    ip,
                    K::Udp,
                    K::Gtpu,
                    K::Ipv4,
                    K::Tcp,
                    K::Payload
                ]
            );
            rewrite_inner(&mut buf, if v6 { 3 } else { 4 });
            let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
            pkt.set_teid(3, 0xCAFE_F00D).unwrap();
            let gtp = pkt.layers().get(3).unwrap();
            assert_eq!(assert_checksums_valid(&buf), if v6 { 3 } else { 4 });
            assert_eq!(buf[gtp.start + 4..gtp.start + 8], [0xCA, 0xFE, 0xF0, 0x0D]);

            // MPLS over UDP (RFC 7510): two labels, then IPv4.
            let labels = [
                MplsHeader {
                    label: Label::new(100).unwrap(),
                    traffic_class: TrafficClass::new(5).unwrap(),
                    bottom_of_stack: false,
                    ttl: 64,
                },
                MplsHeader {
                    label: Label::new(200).unwrap(),
                    traffic_class: TrafficClass::new(0).unwrap(),
                    bottom_of_stack: true,
                    ttl: 63,
                },
            ];
            let m = MplsUdpEncap {
                src_port: 49152,
                dst_port: crate::mpls::UDP_PORT,
                udp_checksum: true,
            };
            let mut buf = tunnelled(&TCP_TIMESTAMPS[14..], 16, v6, |b, s, e, o| {
                encap_mpls_udp(b, s, e, o, &labels, &m)
            });
            let walked = kinds(&Packet::from_ethernet(&mut buf).unwrap());
            assert_eq!(
                walked,
                [
                    K::Ethernet,
                    ip,
                    K::Udp,
                    K::Mpls,
                    K::Mpls,
                    K::Ipv4,
                    K::Tcp,
                    K::Payload
                ]
            );
            rewrite_inner(&mut buf, if v6 { 3 } else { 4 });
            let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
            pkt.set_label(4, Label::new(0xF_FFFF).unwrap()).unwrap();
            let e = pkt.layers().get(4).unwrap();
            assert_eq!(assert_checksums_valid(&buf), if v6 { 3 } else { 4 });
            // Label all ones; TC 0, S and TTL 63 kept.
            assert_eq!(buf[e.start..e.start + 4], [0xFF, 0xFF, 0xF1, 63]);
        }
    }

    #[test]
    fn mpls_over_gre_keeps_the_gre_checksum_and_mpls_in_ip_walks() {
        use crate::mpls::{emit_stack, Label, MplsHeader, TrafficClass};
        use crate::tunnel::encap_mpls_ip;
        let label = |l, s| MplsHeader {
            label: Label::new(l).unwrap(),
            traffic_class: TrafficClass::new(0).unwrap(),
            bottom_of_stack: s,
            ttl: 255,
        };
        // MPLS over GRE with a checksum.
        let inner = &TCP_TIMESTAMPS[14..];
        let mut payload = vec![0; 8 + inner.len()];
        emit_stack(&[label(16, false), label(17, true)], &mut payload).unwrap();
        payload[8..].copy_from_slice(inner);
        let gre = GreHeader {
            protocol_type: EtherType::MPLS_UNICAST,
            checksum: true,
            key: None,
            seq: None,
        };
        let mut buf = tunnelled(&payload, 8, false, |b, s, e, o| encap_gre(b, s, e, o, &gre));
        let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
        assert_eq!(
            kinds(&pkt),
            [
                K::Ethernet,
                K::Ipv4,
                K::Gre,
                K::Mpls,
                K::Mpls,
                K::Ipv4,
                K::Tcp,
                K::Payload
            ]
        );
        pkt.set_label(3, Label::new(99).unwrap()).unwrap();
        assert_eq!(assert_checksums_valid(&buf), 4);
        rewrite_inner(&mut buf, 4);

        // MPLS in IP (protocol 137) over IPv6.
        let mut buf = tunnelled(inner, 4, true, |b, s, e, o| {
            encap_mpls_ip(b, s, e, o, &[label(3000, true)])
        });
        let pkt = Packet::from_ethernet(&mut buf).unwrap();
        assert_eq!(
            kinds(&pkt),
            [K::Ethernet, K::Ipv6, K::Mpls, K::Ipv4, K::Tcp, K::Payload]
        );
        // A stack that ends with the packet and no bottom entry.
        let mut no_bottom = TCP_TIMESTAMPS[..14].to_vec();
        no_bottom[12..14].copy_from_slice(&[0x88, 0x47]);
        no_bottom.extend_from_slice(&[0, 1, 0, 64, 0, 2, 0, 64]);
        let layers = Layers::from_ethernet(&no_bottom);
        assert_eq!(
            layers.error(),
            Some(Error::Truncated {
                layer: ErrorLayer::Mpls,
                needed: 12,
                available: 8
            })
        );
        assert_eq!(layers.iter().filter(|l| l.kind == K::Mpls).count(), 2);
    }

    #[test]
    fn real_geneve_mpls_and_pppoe_frames_walk() {
        use crate::geneve::tests::GENEVE_FRAME;
        use crate::mpls::tests::MPLS_UDP_FRAME;
        use crate::pppoe::tests::SESSION_FRAME;
        let shape = |f: &[u8]| {
            Layers::from_ethernet(f)
                .iter()
                .map(|l| (l.kind, l.start))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            shape(&GENEVE_FRAME),
            [
                (K::Ethernet, 0),
                (K::Ipv4, 14),
                (K::Udp, 34),
                (K::Geneve, 42),
                (K::Ethernet, 58),
                (K::Ipv4, 72),
                (K::Icmpv4, 92),
                (K::Payload, 100)
            ]
        );
        assert_eq!(
            shape(&MPLS_UDP_FRAME),
            [
                (K::Ethernet, 0),
                (K::Ipv4, 14),
                (K::Udp, 34),
                (K::Mpls, 42),
                (K::Ipv4, 46),
                (K::Icmpv4, 66),
                (K::Payload, 74)
            ]
        );
        // PPPoE carrying LCP: the PPP payload is not dissected.
        assert_eq!(
            shape(&SESSION_FRAME),
            [(K::Ethernet, 0), (K::Pppoe, 14), (K::Payload, 22)]
        );
        // The VNI of a real Geneve frame (UDP checksum 0: stays 0).
        let mut f = GENEVE_FRAME;
        let mut pkt = Packet::from_ethernet(&mut f).unwrap();
        pkt.set_vni(3, Vni::new(11).unwrap()).unwrap();
        pkt.set_ipv4_dst(5, Ipv4Addr::new(30, 0, 0, 3)).unwrap();
        assert_eq!(f[40..42], [0, 0]);
        assert_eq!(f[46..49], [0, 0, 11]);
        assert_checksums_valid(&f);
    }

    /// PPPoE session framing around IPv4: walked and rewritten.
    #[test]
    fn pppoe_session_ipv4() {
        use crate::tunnel::{encap_pppoe, PppoeEncap};
        let inner = &TCP_TIMESTAMPS[14..];
        let mut buf = vec![0; 14 + 8 + inner.len()];
        buf[22..].copy_from_slice(inner);
        let len = buf.len();
        let p = PppoeEncap {
            dst: MAC_B,
            src: MAC_A,
            session_id: 0x2A,
        };
        assert_eq!(encap_pppoe(&mut buf, 22, len, &p), Ok(0));
        let mut pkt = Packet::from_ethernet(&mut buf).unwrap();
        assert_eq!(
            kinds(&pkt),
            [K::Ethernet, K::Pppoe, K::Ipv4, K::Tcp, K::Payload]
        );
        pkt.set_ipv4_dst(2, Ipv4Addr::new(203, 0, 113, 1)).unwrap();
        pkt.set_dst_port(3, 8080).unwrap();
        assert_eq!(assert_checksums_valid(&buf), 2);
    }

    /// An ICMP error (destination unreachable, port unreachable) from
    /// `router` quoting all of `datagram`, an IPv4 or IPv6 packet, in a
    /// frame; every checksum filled in from scratch.
    fn icmp_error_frame(datagram: &[u8], v6: bool) -> Vec<u8> {
        let mut f = TCP_TIMESTAMPS[..14].to_vec();
        let icmp_len = 8 + datagram.len();
        let mut icmp = vec![
            if v6 { 1 } else { 3 },
            if v6 { 4 } else { 3 },
            0,
            0,
            0,
            0,
            0,
            0,
        ];
        icmp.extend_from_slice(datagram);
        if v6 {
            f[12..14].copy_from_slice(&[0x86, 0xdd]);
            let ip = Ipv6Header {
                next_header: IpProtocol::ICMPV6,
                src: "2001:db8:ffff::1".parse().unwrap(),
                dst: "2001:db8::5".parse().unwrap(),
                payload_len: icmp_len as u16,
                ..Ipv6Header::default()
            };
            let mut h = [0; 40];
            ip.emit(&mut h).unwrap();
            let mut pseudo = h[8..40].to_vec();
            pseudo.extend_from_slice(&(icmp_len as u32).to_be_bytes());
            pseudo.extend_from_slice(&[0, 0, 0, 58]);
            let c = crate::checksum::internet_checksum(&[pseudo.as_slice(), &icmp].concat());
            icmp[2..4].copy_from_slice(&c.to_be_bytes());
            f.extend_from_slice(&h);
        } else {
            let ip = Ipv4Header {
                protocol: IpProtocol::ICMP,
                src: Ipv4Addr::new(192, 0, 2, 254),
                dst: Ipv4Addr::new(10, 0, 0, 5),
                payload_len: icmp_len as u16,
                ..Ipv4Header::default()
            };
            let mut h = [0; 20];
            ip.emit(&mut h).unwrap();
            let c = crate::checksum::internet_checksum(&icmp);
            icmp[2..4].copy_from_slice(&c.to_be_bytes());
            f.extend_from_slice(&h);
        }
        f.extend_from_slice(&icmp);
        f
    }

    /// A UDP datagram from 10.0.0.5:5000 (or 2001:db8::5) to
    /// 198.51.100.9:53 with `data`, every checksum right.
    fn udp_datagram(v6: bool, data: &[u8]) -> Vec<u8> {
        let udp_len = 8 + data.len();
        let mut udp = vec![0x13, 0x88, 0x00, 0x35];
        udp.extend_from_slice(&(udp_len as u16).to_be_bytes());
        udp.extend_from_slice(&[0, 0]);
        udp.extend_from_slice(data);
        let (mut out, pseudo) = if v6 {
            let ip = Ipv6Header {
                next_header: IpProtocol::UDP,
                src: "2001:db8::5".parse().unwrap(),
                dst: "2001:db8:1::9".parse().unwrap(),
                payload_len: udp_len as u16,
                ..Ipv6Header::default()
            };
            let mut h = vec![0; 40];
            ip.emit(&mut h).unwrap();
            let mut pseudo = h[8..40].to_vec();
            pseudo.extend_from_slice(&(udp_len as u32).to_be_bytes());
            pseudo.extend_from_slice(&[0, 0, 0, 17]);
            (h, pseudo)
        } else {
            let ip = Ipv4Header {
                protocol: IpProtocol::UDP,
                src: Ipv4Addr::new(10, 0, 0, 5),
                dst: Ipv4Addr::new(198, 51, 100, 9),
                payload_len: udp_len as u16,
                ..Ipv4Header::default()
            };
            let mut h = vec![0; 20];
            ip.emit(&mut h).unwrap();
            let mut pseudo = h[12..20].to_vec();
            pseudo.extend_from_slice(&[0, 17]);
            pseudo.extend_from_slice(&(udp_len as u16).to_be_bytes());
            (h, pseudo)
        };
        let c = match crate::checksum::internet_checksum(&[pseudo.as_slice(), &udp].concat()) {
            0 => 0xFFFF,
            c => c,
        };
        udp[6..8].copy_from_slice(&c.to_be_bytes());
        out.extend_from_slice(&udp);
        out
    }

    #[test]
    fn quoted_datagrams_are_layers_of_their_own() {
        use crate::flow::tests::{AFS_PORT_UNREACHABLE, ICMPV6_PARAM_PROBLEM};
        let layers = Layers::from_ethernet_capture(&AFS_PORT_UNREACHABLE);
        let shape: Vec<_> = layers.iter().map(|l| (l.kind, l.start)).collect();
        assert_eq!(
            shape,
            [
                (K::Ethernet, 0),
                (K::Ipv4, 14),
                (K::Icmpv4, 34),
                (K::Ipv4, 42),
                (K::Udp, 62)
            ]
        );
        assert_eq!(
            (0..5).map(|i| layers.is_quoted(i)).collect::<Vec<_>>(),
            [false, false, false, true, true]
        );
        // "The innermost UDP / IPv4" is not the quoted one.
        assert_eq!(layers.find(K::Udp, Which::Innermost), None);
        assert_eq!(layers.find(K::Ipv4, Which::Innermost), Some(1));
        assert_eq!(layers.find_quoted(K::Udp, Which::Outermost), Some(4));
        // ICMPv6 quoting a first fragment: the quote's walk ends at its
        // fragment header's data (IPv6 in IPv6 is not followed in a quote).
        let layers = Layers::from_ethernet(&ICMPV6_PARAM_PROBLEM);
        assert_eq!(layers.error(), None);
        let q: Vec<_> = layers
            .iter()
            .enumerate()
            .filter(|(i, _)| layers.is_quoted(*i))
            .map(|(_, l)| l.kind)
            .collect();
        assert_eq!(q, [K::Ipv6, K::Ipv6Ext(Ipv6ExtKind::Fragment), K::Payload]);
        // A quote of garbage ends the walk without an error: the ICMP
        // message itself is whole.
        let mut garbage = icmp_error_frame(&[0x45, 0, 0, 3, 0, 0, 0, 0], false);
        let n = garbage.len();
        garbage[n - 8] = 0x4F; // IHL 15: 60 bytes that are not there
        let layers = Layers::from_ethernet(&garbage);
        assert_eq!(layers.error(), None);
        assert_eq!(
            layers.last().map(|l| (l.kind, l.start)),
            Some((K::Payload, 42))
        );
    }

    #[test]
    fn nat_of_a_quoted_datagram_keeps_every_checksum() {
        for v6 in [false, true] {
            let datagram = udp_datagram(v6, b"query");
            let mut f = icmp_error_frame(&datagram, v6);
            let outer = if v6 { 1 } else { 2 };
            assert_eq!(assert_checksums_valid(&f), outer + usize::from(!v6) + 1);
            let mut pkt = Packet::from_ethernet(&mut f).unwrap();
            let ip = pkt
                .layers()
                .find_quoted_by(LayerKind::is_ip, Which::Outermost)
                .unwrap();
            let udp = pkt.layers().find_quoted(K::Udp, Which::Outermost).unwrap();
            // The inside host's address and port, as the NAT restores them.
            if v6 {
                pkt.set_ipv6_src(ip, "fd00::5".parse().unwrap()).unwrap();
            } else {
                pkt.set_ipv4_src(ip, Ipv4Addr::new(192, 168, 1, 5)).unwrap();
            }
            pkt.set_src_port(udp, 40000).unwrap();
            // Every checksum, the quoted ones included (the quote is whole
            // here), equals a recompute.
            assert_eq!(assert_checksums_valid(&f), outer + usize::from(!v6) + 1);
            let q = f[f.len() - datagram.len()..].to_vec();
            let l4 = if v6 { 40 } else { 20 };
            assert_eq!(q[l4..][..2], 40000u16.to_be_bytes());

            // The same error quoting only the IP header and 8 bytes, as
            // RFC 792 allows: the quoted UDP checksum, which a recompute
            // cannot check, must become what the whole quote's became.
            let mut cut = icmp_error_frame(&datagram[..l4 + 8], v6);
            let mut pkt = Packet::from_ethernet(&mut cut).unwrap();
            if v6 {
                pkt.set_ipv6_src(ip, "fd00::5".parse().unwrap()).unwrap();
            } else {
                pkt.set_ipv4_src(ip, Ipv4Addr::new(192, 168, 1, 5)).unwrap();
            }
            pkt.set_src_port(udp, 40000).unwrap();
            assert_eq!(cut[cut.len() - 8 - l4..], q[..l4 + 8]);
            assert_checksums_valid(&cut);
        }
    }

    /// Regression: `write` left 0x0000 where 0xFFFF is right when it made
    /// an ICMPv4 message all zero (the echo reply of the issue), and the
    /// way back must be bit-exact too.
    #[test]
    fn icmpv4_message_written_all_zero() {
        #[rustfmt::skip]
        let mut f = [
            0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
            0x45, 0x00, 0x00, 0x1e, 0x00, 0x00, 0x40, 0x00, 0x40, 0x01, 0x26, 0xdd,
            0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
            // echo reply, id 0, seq 0, data ff ff: checksum 0x0000 is right
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
        ];
        assert_eq!(assert_checksums_valid(&f), 2);
        let mut pkt = Packet::from_ethernet(&mut f).unwrap();
        pkt.write(42, &[0, 0]).unwrap();
        assert_eq!(f[36..38], [0xff, 0xff], "all zero: the checksum is 0xFFFF");
        assert_eq!(assert_checksums_valid(&f), 2);
        let mut pkt = Packet::from_ethernet(&mut f).unwrap();
        pkt.write(42, &[0xff, 0xff]).unwrap();
        assert_eq!(f[36..38], [0x00, 0x00], "and back");
        // A long message that is all zero but its last byte: the check
        // stops there and the sum is right.
        let mut long = vec![0u8; 14 + 20 + 8 + 4000];
        long[..14].copy_from_slice(&f[..14]);
        Ipv4Header {
            protocol: IpProtocol::ICMP,
            payload_len: 4008,
            ..Ipv4Header::default()
        }
        .emit(&mut long[14..])
        .unwrap();
        let n = long.len();
        long[n - 1] = 1;
        long[36..38].copy_from_slice(&0xFFFEu16.to_be_bytes());
        assert_eq!(assert_checksums_valid(&long), 2);
        let mut pkt = Packet::from_ethernet(&mut long).unwrap();
        pkt.write(n - 1, &[0]).unwrap();
        assert_eq!(long[36..38], [0xff, 0xff]);
        assert_eq!(assert_checksums_valid(&long), 2);
    }

    /// Regression: two `Layers` holding the same walk compared unequal
    /// after one of them was reused (stale slots of a longer walk).
    #[test]
    fn reused_layers_compare_and_hash_by_what_they_hold() {
        use core::hash::{Hash, Hasher};
        use std::collections::hash_map::DefaultHasher;
        let walker = Walker::new();
        let mut reused = Layers::new();
        walker.ethernet_into(&VXLAN_ICMP, &mut reused);
        walker.ethernet_into(&TCP_TIMESTAMPS, &mut reused);
        let fresh = Layers::from_ethernet(&TCP_TIMESTAMPS);
        assert_eq!(reused, fresh);
        let hash = |l: &Layers| {
            let mut h = DefaultHasher::new();
            l.hash(&mut h);
            h.finish()
        };
        assert_eq!(hash(&reused), hash(&fresh));
    }

    /// Regression: a hand-built `Layer` with a huge start overflowed in
    /// `header_range` / `payload_range`.
    #[test]
    fn layer_ranges_never_overflow() {
        let l = crate::walk::Layer {
            kind: K::Payload,
            start: usize::MAX - 1,
            header_len: 10,
            end: usize::MAX,
            truncated: false,
        };
        assert_eq!(l.header_range(), usize::MAX - 1..usize::MAX);
        assert_eq!(l.payload_range(), usize::MAX..usize::MAX);
        let mut layers = Layers::new();
        Walker::new().ethernet_into(&TCP_TIMESTAMPS, &mut layers);
        let mut buf = TCP_TIMESTAMPS;
        assert!(Packet::with_layers(&mut buf[..10], &layers).is_err());
    }

    /// The one's-complement checksum of an IPv6 upper layer: `src` and
    /// `dst` in the pseudo-header, `proto`, and `data` (checksum field as
    /// stored).
    fn v6_upper_sum_ok(src: &[u8], dst: &[u8], proto: u8, data: &[u8]) -> bool {
        let mut pseudo = src.to_vec();
        pseudo.extend_from_slice(dst);
        pseudo.extend_from_slice(&(data.len() as u32).to_be_bytes());
        pseudo.extend_from_slice(&[0, 0, 0, proto]);
        sums_to_ffff(&[&pseudo, data])
    }

    /// VRRPv3 over IPv6 (RFC 5798): the walk leaves it as payload, and a
    /// source address change still fixes its pseudo-header checksum.
    #[test]
    fn vrrp_checksum_follows_an_address_change() {
        let mut vrrp = vec![0x31, 7, 100, 1, 0x00, 0x64, 0, 0];
        vrrp.extend_from_slice(&"fe80::1".parse::<Ipv6Addr>().unwrap().octets());
        let src: Ipv6Addr = "fe80::5".parse().unwrap();
        let dst: Ipv6Addr = "ff02::12".parse().unwrap();
        let mut pseudo = src.octets().to_vec();
        pseudo.extend_from_slice(&dst.octets());
        pseudo.extend_from_slice(&(vrrp.len() as u32).to_be_bytes());
        pseudo.extend_from_slice(&[0, 0, 0, 112]);
        let c = crate::checksum::internet_checksum(&[pseudo, vrrp.clone()].concat());
        vrrp[6..8].copy_from_slice(&c.to_be_bytes());
        let mut f = TCP_TIMESTAMPS[..14].to_vec();
        f[12..14].copy_from_slice(&[0x86, 0xdd]);
        let mut h = [0; 40];
        Ipv6Header {
            next_header: IpProtocol(112),
            hop_limit: 255,
            src,
            dst,
            payload_len: vrrp.len() as u16,
            ..Ipv6Header::default()
        }
        .emit(&mut h)
        .unwrap();
        f.extend_from_slice(&h);
        f.extend_from_slice(&vrrp);
        assert!(v6_upper_sum_ok(&f[22..38], &f[38..54], 112, &f[54..]));
        let mut pkt = Packet::from_ethernet(&mut f).unwrap();
        pkt.set_ipv6_src(1, "fe80::99".parse().unwrap()).unwrap();
        assert!(v6_upper_sum_ok(&f[22..38], &f[38..54], 112, &f[54..]));
        assert_ne!(f[60..62], c.to_be_bytes());
    }

    /// RFC 6275 section 6.3: with a Home Address destination option, the
    /// pseudo-header source is the home address. Changing the IPv6 source
    /// leaves the UDP checksum alone; changing the home address fixes it.
    #[test]
    fn home_address_option_is_the_pseudo_header_source() {
        let home = Ipv6Addr::new(0x2001, 0xdb8, 0xa, 0, 0, 0, 0, 7);
        let coa: Ipv6Addr = "2001:db8:ffff::7".parse().unwrap();
        let dst: Ipv6Addr = "2001:db8::1".parse().unwrap();
        // Destination options: next header UDP, length 2 (24 bytes): PadN(4),
        // Home Address option (type 0xC9, 16 bytes).
        let mut dopt = vec![17, 2, 1, 2, 0, 0, 0xC9, 16];
        dopt.extend_from_slice(&home.octets());
        let mut udp = vec![0x13, 0x88, 0x00, 0x35, 0, 12, 0, 0, b'm', b'i', b'p', b'6'];
        let mut pseudo = home.octets().to_vec();
        pseudo.extend_from_slice(&dst.octets());
        pseudo.extend_from_slice(&12u32.to_be_bytes());
        pseudo.extend_from_slice(&[0, 0, 0, 17]);
        let c = crate::checksum::internet_checksum(&[pseudo, udp.clone()].concat());
        udp[6..8].copy_from_slice(&c.to_be_bytes());
        let mut f = TCP_TIMESTAMPS[..14].to_vec();
        f[12..14].copy_from_slice(&[0x86, 0xdd]);
        let mut h = [0; 40];
        Ipv6Header {
            next_header: IpProtocol(60),
            src: coa,
            dst,
            payload_len: (dopt.len() + udp.len()) as u16,
            ..Ipv6Header::default()
        }
        .emit(&mut h)
        .unwrap();
        f.extend_from_slice(&h);
        f.extend_from_slice(&dopt);
        f.extend_from_slice(&udp);
        let udp_at = 14 + 40 + 24;
        let hao_at = 14 + 40 + 8;
        let ok = |f: &[u8]| v6_upper_sum_ok(&f[hao_at..hao_at + 16], &f[38..54], 17, &f[udp_at..]);
        assert!(ok(&f));
        let mut pkt = Packet::from_ethernet(&mut f).unwrap();
        pkt.set_ipv6_src(1, "2001:db8:eeee::9".parse().unwrap())
            .unwrap();
        assert_eq!(
            f[udp_at + 6..udp_at + 8],
            c.to_be_bytes(),
            "the source is not in the pseudo-header"
        );
        assert!(ok(&f));
        let mut pkt = Packet::from_ethernet(&mut f).unwrap();
        pkt.write(hao_at + 15, &[0x77]).unwrap();
        pkt.set_ipv6_dst(1, "2001:db8::2".parse().unwrap()).unwrap();
        assert!(ok(&f));
        assert_ne!(f[udp_at + 6..udp_at + 8], c.to_be_bytes());
    }

    proptest! {
        /// Random runs written anywhere in the innermost payload, and
        /// random addresses, ports and TTLs: every checksum stays right.
        #[test]
        fn random_writes_keep_every_checksum(
            outer_v6 in any::<bool>(),
            udp_checksum in any::<bool>(),
            ops in proptest::collection::vec((0u8..5, any::<u64>(), proptest::collection::vec(any::<u8>(), 0..9)), 1..12),
        ) {
            let mut buf = vxlan_frame(&tagged_tcp_frame(), outer_v6, udp_checksum);
            let layers = Layers::from_ethernet_capture(&buf);
            let payload = layers.get(layers.len() - 1).unwrap();
            prop_assert_eq!(payload.kind, LayerKind::Payload);
            let inner_ip = layers.find(LayerKind::Ipv4, Which::Innermost).unwrap();
            let tcp = layers.find(LayerKind::Tcp, Which::Innermost).unwrap();
            let mut pkt = Packet::with_layers(&mut buf, layers).unwrap();
            for (op, r, bytes) in ops {
                match op {
                    0 => {
                        let room = payload.end - payload.start - bytes.len();
                        let at = payload.start + (r as usize) % (room + 1);
                        pkt.write(at, &bytes).unwrap();
                    }
                    1 => pkt.set_ipv4_src(inner_ip, Ipv4Addr::from(r as u32)).unwrap(),
                    2 => pkt.set_src_port(tcp, r as u16).unwrap(),
                    3 => pkt.set_hop_limit(1, r as u8).unwrap(),
                    _ => pkt.set_vni(3, Vni::new((r as u32) & 0xFF_FFFF).unwrap()).unwrap(),
                }
            }
            assert_checksums_valid(&buf);
        }

        /// Real frames with random bytes changed: rewriting every layer
        /// never panics, keeps the structure, and keeps every checksum
        /// that was valid.
        #[test]
        fn rewrites_of_mutated_frames(
            which in 0usize..7,
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4),
            values in any::<[u8; 8]>(),
        ) {
            let frames: [&[u8]; 7] = [&TCP_TIMESTAMPS, &RH0_ICMPV6, &RH0_TWO, &MLD_HOPOPTS, &MACSEC_INTEGRITY, &VXLAN_ICMP, &GRE_KEY];
            let mut frame = frames[which].to_vec();
            for (at, b) in edits {
                let n = frame.len();
                frame[at % n] = b;
            }
            let before_layers = Layers::from_ethernet_capture(&frame);
            let before = checksums(&frame);
            let Ok(mut pkt) = Packet::from_ethernet_capture(&mut frame) else {
                // Malformed by the edits: refused, nothing to rewrite.
                prop_assert!(before_layers.error().is_some() && !before_layers.is_cut_short());
                return Ok(());
            };
            for (i, l) in before_layers.iter().enumerate() {
                let v = values[i % 8];
                let r = match l.kind {
                    LayerKind::Ipv4 => pkt.set_hop_limit(i, v)
                        .and_then(|()| pkt.set_ipv4_src(i, Ipv4Addr::new(v, 1, 2, 3)))
                        .and_then(|()| pkt.set_identification(i, u16::from(v)))
                        .and_then(|()| pkt.set_dont_fragment(i, v & 1 == 1)),
                    LayerKind::Ipv6 => pkt.set_hop_limit(i, v)
                        .and_then(|()| pkt.set_ipv6_dst(i, Ipv6Addr::new(u16::from(v), 0, 0, 0, 0, 0, 0, 1)))
                        .and_then(|()| pkt.set_dscp(i, Dscp::new(v & 0x3F).unwrap())),
                    LayerKind::Tcp => pkt.set_src_port(i, u16::from(v)),
                    LayerKind::Udp => pkt.set_src_port(i, u16::from(v) + 1),
                    LayerKind::Vlan => pkt.set_vid(i, Vid::new(u16::from(v)).unwrap()),
                    LayerKind::Vxlan => pkt.set_vni(i, Vni::new(u32::from(v)).unwrap()),
                    _ => Ok(()),
                };
                prop_assert_eq!(r, Ok(()));
            }
            let after_layers = Layers::from_ethernet_capture(&frame);
            prop_assert_eq!(after_layers.iter().collect::<Vec<_>>(), before_layers.iter().collect::<Vec<_>>());
            let after = checksums(&frame);
            for (b, a) in before.iter().zip(&after) {
                if b.2 == Some(true) {
                    prop_assert_eq!(a.2, Some(true));
                }
            }
        }
    }
}

/// Every typed setter against [`Packet::write`] of the same bytes at the
/// same offset: the setters' fast path (`plain_field`) and their general
/// path must give exactly what the general `write` gives.
#[cfg(test)]
mod setters_equal_write {
    use super::*;
    use crate::flow::tests::{AFS_UDP, TCP_TIMESTAMPS};
    use crate::ip::{Dscp, Ecn};
    use crate::walk::tests::REAL_FRAMES;
    use proptest::prelude::*;
    use std::boxed::Box;
    use std::vec::Vec;

    /// The typed setters that apply to layer `i` of kind `kind`, each with
    /// the offset and length of the field it writes, run with values from
    /// `v`.
    #[allow(clippy::type_complexity)]
    fn setters(
        kind: LayerKind,
        start: usize,
        v: u8,
    ) -> Vec<(
        usize,
        usize,
        Box<dyn Fn(&mut Packet<'_>, usize) -> Result<(), Error>>,
    )> {
        let mut out: Vec<(
            usize,
            usize,
            Box<dyn Fn(&mut Packet<'_>, usize) -> Result<(), Error>>,
        )> = Vec::new();
        let w = u16::from(v);
        match kind {
            LayerKind::Ipv4 => {
                out.push((
                    start + 12,
                    4,
                    Box::new(move |p, i| p.set_ipv4_src(i, Ipv4Addr::new(v, 1, 2, 3))),
                ));
                out.push((
                    start + 16,
                    4,
                    Box::new(move |p, i| p.set_ipv4_dst(i, Ipv4Addr::new(9, v, 2, 3))),
                ));
                out.push((start + 8, 1, Box::new(move |p, i| p.set_hop_limit(i, v))));
                out.push((
                    start + 8,
                    1,
                    Box::new(|p, i| p.decrement_hop_limit(i).map(|_| ())),
                ));
                out.push((
                    start + 1,
                    1,
                    Box::new(move |p, i| p.set_dscp(i, Dscp::new(v & 0x3F).unwrap())),
                ));
                out.push((
                    start + 1,
                    1,
                    Box::new(move |p, i| p.set_ecn(i, Ecn::from_bits(v))),
                ));
                out.push((
                    start + 6,
                    1,
                    Box::new(move |p, i| p.set_dont_fragment(i, v & 1 == 1)),
                ));
                out.push((
                    start + 4,
                    2,
                    Box::new(move |p, i| p.set_identification(i, w * 257)),
                ));
            }
            LayerKind::Ipv6 => {
                out.push((start + 7, 1, Box::new(move |p, i| p.set_hop_limit(i, v))));
                out.push((
                    start,
                    2,
                    Box::new(move |p, i| p.set_dscp(i, Dscp::new(v & 0x3F).unwrap())),
                ));
            }
            LayerKind::Tcp | LayerKind::Udp => {
                out.push((start, 2, Box::new(move |p, i| p.set_src_port(i, w * 251))));
                out.push((start + 2, 2, Box::new(move |p, i| p.set_dst_port(i, w + 7))));
            }
            LayerKind::Vlan => {
                out.push((
                    start,
                    2,
                    Box::new(move |p, i| p.set_vid(i, Vid::new(w * 13).unwrap())),
                ));
            }
            LayerKind::Vxlan | LayerKind::Geneve => {
                out.push((
                    start + 4,
                    3,
                    Box::new(move |p, i| p.set_vni(i, Vni::new(u32::from(v) * 65_537).unwrap())),
                ));
            }
            LayerKind::Gtpu => {
                out.push((
                    start + 4,
                    4,
                    Box::new(move |p, i| p.set_teid(i, u32::from(v) * 16_843_009)),
                ));
            }
            LayerKind::Mpls => {
                out.push((
                    start,
                    3,
                    Box::new(move |p, i| p.set_label(i, Label::new(u32::from(v) * 4099).unwrap())),
                ));
            }
            _ => {}
        }
        out
    }

    /// Runs every setter on every layer of `frame` (walked by `walker`),
    /// each on a fresh copy, and `write` of the bytes it wrote on another;
    /// the two copies must be equal. Returns how many setters ran.
    fn check(walker: &Walker, frame: &[u8], v: u8) -> usize {
        let layers = walker.ethernet(frame);
        if layers.error().is_some() && !layers.is_cut_short() {
            return 0;
        }
        let mut ran = 0;
        for (i, l) in layers.iter().enumerate() {
            for (at, n, set) in setters(l.kind, l.start, v) {
                let mut a = frame.to_vec();
                let mut pa = Packet::with_layers(&mut a, layers.clone()).unwrap();
                let ra = set(&mut pa, i);
                let mut b = frame.to_vec();
                let rb = match ra {
                    Ok(()) => {
                        let field = a[at..at + n].to_vec();
                        let mut pb = Packet::with_layers(&mut b, layers.clone()).unwrap();
                        pb.write(at, &field)
                    }
                    Err(e) => Err(e),
                };
                assert!(
                    ra.is_ok() == rb.is_ok() && a == b,
                    "setter at {at} (layer {i}, {:?}) differs from write: {ra:?} {rb:?}\n{frame:02x?}",
                    l.kind
                );
                ran += 1;
            }
        }
        ran
    }

    /// Writing the value a field already holds changes nothing, not even a
    /// stored checksum of 0xFFFF (which RFC 1624's update of a zero change
    /// would turn into 0x0000).
    #[test]
    fn writing_the_same_value_changes_nothing() {
        let mut frame = TCP_TIMESTAMPS.to_vec();
        frame[24] = 0xFF;
        frame[25] = 0xFF;
        let before = frame.clone();
        let mut pkt = Packet::from_ethernet(&mut frame).unwrap();
        let ttl = pkt.hop_limit(1).unwrap();
        pkt.set_hop_limit(1, ttl).unwrap();
        let src = Ipv4Addr::from(<[u8; 4]>::try_from(&before[26..30]).unwrap());
        pkt.set_ipv4_src(1, src).unwrap();
        let port = u16::from_be_bytes([before[34], before[35]]);
        pkt.set_src_port(2, port).unwrap();
        assert_eq!(frame, before);
    }

    #[test]
    fn on_the_corpus() {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        let mut files = Vec::new();
        for dir in ["tcpdump", "tcpdump-linktypes"] {
            if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
                files.extend(entries.filter_map(Result::ok).map(|e| e.path()));
            }
        }
        if files.is_empty() {
            std::println!(
                "note: {} is absent; corpus comparison skipped",
                root.display()
            );
            return;
        }
        let walkers = [Walker::new(), Walker::capture().with_vxlan_port(8472)];
        let mut ran = 0;
        for f in files {
            let Ok(image) = std::fs::read(&f) else {
                continue;
            };
            let mut frames = Vec::new();
            let _ = wireview_cli::capture::for_each_packet(&image[..], |r| {
                if r.linktype == 1 {
                    frames.push(r.data.to_vec());
                }
            });
            for (k, frame) in frames.iter().enumerate() {
                for w in &walkers {
                    ran += check(w, frame, (k * 37) as u8);
                }
            }
        }
        assert!(ran > 20_000, "{ran} setters ran");
    }

    proptest! {
        #[test]
        fn on_mutated_real_frames(
            which in 0..REAL_FRAMES.len() + 6,
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4),
            v in any::<u8>(),
        ) {
            let mut frame = match which.checked_sub(REAL_FRAMES.len()) {
                None => REAL_FRAMES[which].to_vec(),
                Some(0) => TCP_TIMESTAMPS.to_vec(),
                Some(1) => AFS_UDP.to_vec(),
                // Tunnels whose outer UDP checksum is not 0: it covers the
                // inner frame, so every inner setter must fix it.
                Some(2) => tests::vxlan_frame(&TCP_TIMESTAMPS, false, true),
                Some(3) => tests::vxlan_frame(&AFS_UDP, true, true),
                Some(4) => tests::mpls_udp_frame(false),
                Some(_) => tests::mpls_udp_frame(true),
            };
            for (at, b) in edits {
                let n = frame.len();
                frame[at % n] = b;
            }
            check(&Walker::new(), &frame, v);
            check(&Walker::capture().with_vxlan_port(8472), &frame, v);
        }
    }
}

#[cfg(test)]
mod size {
    use super::*;

    /// The sizes the docs give (on 64-bit targets).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn sizes_as_documented() {
        assert_eq!(core::mem::size_of::<Layers>(), 576);
        assert_eq!(core::mem::size_of::<Packet<'_>>(), 592);
        assert_eq!(
            core::mem::size_of::<Packet<'_, &Layers>>(),
            3 * core::mem::size_of::<usize>()
        );
    }
}

#[cfg(test)]
mod field_delta_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The setters' short-field delta is `Delta::replace_bytes`'s.
        #[test]
        fn field_delta_is_replace_bytes(at in 0usize..100, pair in (1usize..=FIELD).prop_flat_map(|n| (
            proptest::collection::vec(any::<u8>(), n),
            proptest::collection::vec(any::<u8>(), n),
        ))) {
            let (old, new) = pair;
            let a = field_delta(at, &old, &new);
            let b = Delta::replace_bytes(at, &old, &new);
            // One value in one's complement: apply both to any checksum.
            for c in [0x0000u16, 0x1234, 0xFFFE, 0xFFFF] {
                prop_assert_eq!(a.apply(c), b.apply(c));
            }
        }
    }
}
