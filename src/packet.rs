//! Rewrite fields anywhere in a packet and keep every checksum in it right.
//!
//! A [`Packet`] walks a frame once ([`crate::walk`]) and notes every
//! checksum in it and which bytes each one covers: the IPv4 header
//! checksum; the TCP, UDP and ICMPv6 checksums, which also cover the
//! addresses of their IP header through the pseudo-header; the ICMPv4
//! checksum; the GRE checksum, when present, over the GRE header and
//! payload; and, in a tunnelled packet, the outer UDP checksum of VXLAN,
//! which covers the whole inner frame.
//!
//! [`Packet::write`] then changes any run of bytes and fixes every checksum
//! that covers it, innermost first, carrying each fixed checksum field on as
//! a change to the checksums around it, with RFC 1624 updates only: the cost
//! is proportional to the size of the change and the number of layers,
//! never to the size of the payload. The typed setters ([`set_ipv4_src`],
//! [`set_src_port`], [`set_vni`], ...) are `write` at the right offset.
//!
//! A change of an inner IPv4 address is the subtle case this handles by
//! construction: the inner IPv4 header's sum does not change (its checksum
//! compensates), but the inner TCP checksum changes through the
//! pseudo-header, so the outer UDP checksum, which covers that TCP checksum
//! field, changes too.
//!
//! Checksums follow these rules: a UDP checksum of 0 ("none") stays 0 and a
//! computed 0 is stored as 0xFFFF; a stored checksum that was wrong stays
//! wrong by the same amount (this module fixes up, it never recomputes). For
//! a first fragment the transport checksum covers bytes this packet does not
//! hold; the update is still exact, because it only needs the changed bytes.
//!
//! [`set_ipv4_src`]: Packet::set_ipv4_src
//! [`set_src_port`]: Packet::set_src_port
//! [`set_vni`]: Packet::set_vni
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
//! let mut pkt = Packet::from_ethernet(&mut frame[..]);
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

use core::net::{Ipv4Addr, Ipv6Addr};
use core::ops::Range;

use crate::checksum::{Delta, Rule};
use crate::error::{Error, Layer as ErrorLayer};
use crate::field;
use crate::ip::{Dscp, Ecn};
use crate::ipv6_ext::{Ipv6ExtKind, Ipv6Routing};
use crate::vlan::Vid;
use crate::vxlan::Vni;
use crate::walk::{LayerKind, Layers, Walker, MAX_LAYERS};

/// One checksum in the packet: where it is stored, which rule it follows
/// and which byte ranges it covers (its own region, and the addresses of
/// its pseudo-header when it has one).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Covered {
    at: usize,
    rule: Rule,
    region: Range<usize>,
    pseudo: Range<usize>,
    layer: ErrorLayer,
}

impl Covered {
    const EMPTY: Covered = Covered {
        at: 0,
        rule: Rule::Plain,
        region: 0..0,
        pseudo: 0..0,
        layer: ErrorLayer::Ethernet,
    };

    /// The change a write of `new` over `old` at `at` makes to this sum.
    fn delta_of(&self, at: usize, old: &[u8], new: &[u8]) -> Delta {
        let mut d = Delta::NONE;
        for r in [&self.region, &self.pseudo] {
            let s = at.max(r.start);
            let e = (at + new.len()).min(r.end);
            if s < e {
                d += Delta::replace_bytes(s - r.start, &old[s - at..e - at], &new[s - at..e - at]);
            }
        }
        d
    }
}

/// A whole frame, walked once, whose fields can be rewritten with every
/// covering checksum kept right. See the [module docs](self).
#[derive(Debug)]
pub struct Packet<'a> {
    buf: &'a mut [u8],
    layers: Layers,
    sums: [Covered; MAX_LAYERS],
    count: usize,
}

impl<'a> Packet<'a> {
    /// Walks an Ethernet frame with the default [`Walker`].
    pub fn from_ethernet(frame: &'a mut [u8]) -> Packet<'a> {
        let layers = Layers::from_ethernet(frame);
        Packet::with_layers(frame, layers)
    }

    /// Walks a bare IPv4 or IPv6 packet with the default [`Walker`].
    pub fn from_ip(packet: &'a mut [u8]) -> Packet<'a> {
        let layers = Layers::from_ip(packet);
        Packet::with_layers(packet, layers)
    }

    /// Walks an Ethernet frame with `walker` (e.g. one with extra VXLAN ports).
    pub fn with_walker(walker: &Walker, frame: &'a mut [u8]) -> Packet<'a> {
        let layers = walker.ethernet(frame);
        Packet::with_layers(frame, layers)
    }

    /// Uses `layers`, the result of walking `buf`, without walking again.
    /// (Layers from another buffer give meaningless rewrites but never a
    /// panic: every offset is checked against `buf`.)
    pub fn with_layers(buf: &'a mut [u8], layers: Layers) -> Packet<'a> {
        let mut pkt = Packet {
            buf,
            layers,
            sums: [Covered::EMPTY; MAX_LAYERS],
            count: 0,
        };
        pkt.find_checksums();
        pkt
    }

    /// The layers the walk found (and the error that ended it, if any).
    pub fn layers(&self) -> &Layers {
        &self.layers
    }

    /// The frame's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf
    }

    /// The frame's buffer.
    pub fn into_inner(self) -> &'a mut [u8] {
        self.buf
    }

    /// Records every checksum of the walked layers.
    fn find_checksums(&mut self) {
        let len = self.buf.len();
        for (i, l) in self.layers.iter().enumerate() {
            if l.end > len || l.start + l.header_len > len {
                break;
            }
            let pseudo = || self.pseudo_range(i);
            let sum = match l.kind {
                LayerKind::Ipv4 => Some(Covered {
                    at: l.start + crate::ipv4::field_at::CHECKSUM,
                    rule: Rule::Plain,
                    region: l.header_range(),
                    pseudo: 0..0,
                    layer: ErrorLayer::Ipv4,
                }),
                LayerKind::Udp => Some(Covered {
                    at: l.start + crate::udp::field_at::CHECKSUM,
                    rule: Rule::Udp,
                    region: l.range(),
                    pseudo: pseudo(),
                    layer: ErrorLayer::Udp,
                }),
                LayerKind::Tcp => Some(Covered {
                    at: l.start + crate::tcp::field_at::CHECKSUM,
                    rule: Rule::Plain,
                    region: l.range(),
                    pseudo: pseudo(),
                    layer: ErrorLayer::Tcp,
                }),
                LayerKind::Icmpv4 => Some(Covered {
                    at: l.start + crate::icmpv4::field_at::CHECKSUM,
                    rule: Rule::Plain,
                    region: l.range(),
                    pseudo: 0..0,
                    layer: ErrorLayer::Icmpv4,
                }),
                LayerKind::Icmpv6 => Some(Covered {
                    at: l.start + crate::icmpv6::field_at::CHECKSUM,
                    rule: Rule::Plain,
                    region: l.range(),
                    pseudo: pseudo(),
                    layer: ErrorLayer::Icmpv6,
                }),
                // The C bit is the first bit of the GRE header.
                LayerKind::Gre if self.buf[l.start] & 0x80 != 0 => Some(Covered {
                    at: l.start + crate::gre::field_at::CHECKSUM,
                    rule: Rule::Plain,
                    region: l.range(),
                    pseudo: 0..0,
                    layer: ErrorLayer::Gre,
                }),
                _ => None,
            };
            if let Some(sum) = sum {
                self.sums[self.count] = sum;
                self.count += 1;
            }
        }
    }

    /// The address bytes of the pseudo-header of the transport layer `i`:
    /// those of the nearest IP header before it. For IPv6 with a routing
    /// header that still has segments left, the pseudo-header holds the
    /// final destination from the routing header (RFC 8200 section 8.1),
    /// not the destination field, so only the source counts here.
    fn pseudo_range(&self, i: usize) -> Range<usize> {
        let Some(ip) = self.layers.enclosing_ip(i) else {
            return 0..0;
        };
        let l = self.layers.as_slice()[ip];
        if l.kind == LayerKind::Ipv4 {
            return l.start + 12..l.start + 20;
        }
        let routed = self.layers.as_slice()[ip + 1..i].iter().any(|x| {
            x.kind == LayerKind::Ipv6Ext(Ipv6ExtKind::Routing)
                && Ipv6Routing::new(&self.buf[x.header_range()])
                    .is_ok_and(|r| r.segments_left() > 0)
        });
        if routed {
            l.start + 8..l.start + 24
        } else {
            l.start + 8..l.start + 40
        }
    }

    /// Writes `bytes` at offset `at` of the frame and fixes every checksum
    /// that covers them, innermost first, each fixed checksum field counting
    /// as a change for the checksums around it.
    ///
    /// `write` does not walk again: writing a length, header-length or
    /// next-protocol field leaves [`layers`](Self::layers) describing the
    /// old structure. Walk again after such a change.
    ///
    /// # Errors
    /// [`Error::NoRoom`] when the run ends past the buffer;
    /// [`Error::BadValue`] when it overlaps a checksum field (set those
    /// through the layer's view). Nothing is written then.
    pub fn write(&mut self, at: usize, bytes: &[u8]) -> Result<(), Error> {
        let end = at
            .checked_add(bytes.len())
            .filter(|&e| e <= self.buf.len())
            .ok_or(Error::NoRoom {
                layer: ErrorLayer::Ethernet,
                needed: at.saturating_add(bytes.len()),
                available: self.buf.len(),
            })?;
        let sums = &self.sums[..self.count];
        if let Some(s) = sums.iter().find(|s| s.at < end && at < s.at + 2) {
            return Err(Error::BadValue {
                layer: s.layer,
                field: "checksum",
            });
        }
        let mut pending = [Delta::NONE; MAX_LAYERS];
        let old = &self.buf[at..end];
        for (p, s) in pending.iter_mut().zip(sums) {
            *p = s.delta_of(at, old, bytes);
        }
        self.buf[at..end].copy_from_slice(bytes);
        // Innermost first: a checksum field is covered only by checksums of
        // layers around it, which come earlier in the list.
        for k in (0..self.count).rev() {
            if pending[k].is_none() {
                continue;
            }
            let s = &self.sums[k];
            let old = field::u16_at(self.buf, s.at);
            let new = s.rule.apply(pending[k], old);
            if new == old {
                continue;
            }
            field::set_u16(self.buf, s.at, new);
            let (old_b, new_b) = (old.to_be_bytes(), new.to_be_bytes());
            for (p, outer) in pending[..k].iter_mut().zip(&self.sums[..k]) {
                *p += outer.delta_of(s.at, &old_b, &new_b);
            }
        }
        Ok(())
    }

    /// Layer `i` if it is one of `kinds`.
    fn layer(
        &self,
        i: usize,
        kinds: &[LayerKind],
        field: &'static str,
    ) -> Result<crate::walk::Layer, Error> {
        match self.layers.get(i) {
            Some(l) if kinds.contains(&l.kind) => Ok(*l),
            _ => Err(Error::BadValue {
                layer: ErrorLayer::Ethernet,
                field,
            }),
        }
    }

    /// Sets the source address of the IPv4 header at layer `i`; the IPv4
    /// header checksum and the TCP/UDP checksum over it (pseudo-header)
    /// follow, and so do the checksums of any tunnel around it.
    ///
    /// # Errors
    /// [`Error::BadValue`] when layer `i` is not IPv4.
    pub fn set_ipv4_src(&mut self, i: usize, addr: Ipv4Addr) -> Result<(), Error> {
        let l = self.layer(i, &[LayerKind::Ipv4], "IPv4 layer")?;
        self.write(l.start + crate::ipv4::field_at::SRC.start, &addr.octets())
    }

    /// Sets the destination address of the IPv4 header at layer `i`, as
    /// [`set_ipv4_src`](Self::set_ipv4_src) does the source.
    ///
    /// # Errors
    /// [`Error::BadValue`] when layer `i` is not IPv4.
    pub fn set_ipv4_dst(&mut self, i: usize, addr: Ipv4Addr) -> Result<(), Error> {
        let l = self.layer(i, &[LayerKind::Ipv4], "IPv4 layer")?;
        self.write(l.start + crate::ipv4::field_at::DST.start, &addr.octets())
    }

    /// Sets the source address of the IPv6 header at layer `i`; the
    /// TCP/UDP/ICMPv6 checksum over it (pseudo-header) follows, and so do
    /// the checksums of any tunnel around it.
    ///
    /// # Errors
    /// [`Error::BadValue`] when layer `i` is not IPv6.
    pub fn set_ipv6_src(&mut self, i: usize, addr: Ipv6Addr) -> Result<(), Error> {
        let l = self.layer(i, &[LayerKind::Ipv6], "IPv6 layer")?;
        self.write(l.start + 8, &addr.octets())
    }

    /// Sets the destination address of the IPv6 header at layer `i`, as
    /// [`set_ipv6_src`](Self::set_ipv6_src) does the source.
    ///
    /// # Errors
    /// [`Error::BadValue`] when layer `i` is not IPv6.
    pub fn set_ipv6_dst(&mut self, i: usize, addr: Ipv6Addr) -> Result<(), Error> {
        let l = self.layer(i, &[LayerKind::Ipv6], "IPv6 layer")?;
        self.write(l.start + 24, &addr.octets())
    }

    /// Sets the IPv4 TTL or IPv6 hop limit of the IP layer `i`.
    ///
    /// # Errors
    /// [`Error::BadValue`] when layer `i` is not IPv4 or IPv6.
    pub fn set_ttl(&mut self, i: usize, ttl: u8) -> Result<(), Error> {
        let l = self.layer(i, &[LayerKind::Ipv4, LayerKind::Ipv6], "IP layer")?;
        let at = if l.kind == LayerKind::Ipv4 {
            crate::ipv4::field_at::TTL
        } else {
            7
        };
        self.write(l.start + at, &[ttl])
    }

    /// The IPv4 TTL or IPv6 hop limit of the IP layer `i`.
    ///
    /// # Errors
    /// [`Error::BadValue`] when layer `i` is not IPv4 or IPv6.
    pub fn ttl(&self, i: usize) -> Result<u8, Error> {
        let l = self.layer(i, &[LayerKind::Ipv4, LayerKind::Ipv6], "IP layer")?;
        let at = if l.kind == LayerKind::Ipv4 {
            crate::ipv4::field_at::TTL
        } else {
            7
        };
        Ok(self.buf[l.start + at])
    }

    /// Decrements the TTL / hop limit of the IP layer `i` as a router does
    /// and returns whether it reached 0. A packet already at 0 is left as it
    /// is (and `true` returned).
    ///
    /// # Errors
    /// [`Error::BadValue`] when layer `i` is not IPv4 or IPv6.
    pub fn decrement_ttl(&mut self, i: usize) -> Result<bool, Error> {
        let ttl = self.ttl(i)?;
        if ttl == 0 {
            return Ok(true);
        }
        self.set_ttl(i, ttl - 1)?;
        Ok(ttl == 1)
    }

    /// The ToS / traffic-class byte of IP layer `i`, with where it lies: the
    /// IPv4 ToS byte, or the 12 bits after the IPv6 version nibble.
    fn traffic_class(&self, i: usize) -> Result<(crate::walk::Layer, u8), Error> {
        let l = self.layer(i, &[LayerKind::Ipv4, LayerKind::Ipv6], "IP layer")?;
        let b = &self.buf[l.start..];
        let tc = if l.kind == LayerKind::Ipv4 {
            b[1]
        } else {
            (b[0] << 4) | (b[1] >> 4)
        };
        Ok((l, tc))
    }

    fn set_traffic_class(&mut self, i: usize, tc: u8) -> Result<(), Error> {
        let (l, _) = self.traffic_class(i)?;
        if l.kind == LayerKind::Ipv4 {
            self.write(l.start + 1, &[tc])
        } else {
            let b = &self.buf[l.start..];
            let new = [(b[0] & 0xF0) | (tc >> 4), (tc << 4) | (b[1] & 0x0F)];
            self.write(l.start, &new)
        }
    }

    /// Sets the DSCP of IP layer `i` (IPv4 ToS or IPv6 traffic class),
    /// keeping its ECN bits.
    ///
    /// # Errors
    /// [`Error::BadValue`] when layer `i` is not IPv4 or IPv6.
    pub fn set_dscp(&mut self, i: usize, dscp: Dscp) -> Result<(), Error> {
        let (_, tc) = self.traffic_class(i)?;
        self.set_traffic_class(i, (dscp.value() << 2) | (tc & 0x03))
    }

    /// Sets the ECN codepoint of IP layer `i`, keeping its DSCP.
    ///
    /// # Errors
    /// [`Error::BadValue`] when layer `i` is not IPv4 or IPv6.
    pub fn set_ecn(&mut self, i: usize, ecn: Ecn) -> Result<(), Error> {
        let (_, tc) = self.traffic_class(i)?;
        self.set_traffic_class(i, (tc & 0xFC) | ecn.value())
    }

    /// Sets or clears the don't-fragment bit of the IPv4 layer `i`.
    ///
    /// # Errors
    /// [`Error::BadValue`] when layer `i` is not IPv4.
    pub fn set_dont_fragment(&mut self, i: usize, df: bool) -> Result<(), Error> {
        let l = self.layer(i, &[LayerKind::Ipv4], "IPv4 layer")?;
        let at = l.start + crate::ipv4::field_at::FLAGS_FRAG;
        let b = if df {
            self.buf[at] | 0x40
        } else {
            self.buf[at] & !0x40
        };
        self.write(at, &[b])
    }

    /// Sets the identification of the IPv4 layer `i`.
    ///
    /// # Errors
    /// [`Error::BadValue`] when layer `i` is not IPv4.
    pub fn set_identification(&mut self, i: usize, ident: u16) -> Result<(), Error> {
        let l = self.layer(i, &[LayerKind::Ipv4], "IPv4 layer")?;
        self.write(l.start + crate::ipv4::field_at::IDENT, &ident.to_be_bytes())
    }

    /// Sets the source port of the TCP or UDP layer `i`; its checksum and
    /// those of any tunnel around it follow.
    ///
    /// # Errors
    /// [`Error::BadValue`] when layer `i` is not TCP or UDP.
    pub fn set_src_port(&mut self, i: usize, port: u16) -> Result<(), Error> {
        let l = self.layer(i, &[LayerKind::Tcp, LayerKind::Udp], "TCP or UDP layer")?;
        self.write(l.start, &port.to_be_bytes())
    }

    /// Sets the destination port of the TCP or UDP layer `i`.
    ///
    /// # Errors
    /// [`Error::BadValue`] when layer `i` is not TCP or UDP.
    pub fn set_dst_port(&mut self, i: usize, port: u16) -> Result<(), Error> {
        let l = self.layer(i, &[LayerKind::Tcp, LayerKind::Udp], "TCP or UDP layer")?;
        self.write(l.start + 2, &port.to_be_bytes())
    }

    /// Sets the VLAN id of the tag at layer `i`, keeping PCP and DEI. Inside
    /// a VXLAN packet, the outer UDP checksum follows.
    ///
    /// # Errors
    /// [`Error::BadValue`] when layer `i` is not a VLAN tag.
    pub fn set_vid(&mut self, i: usize, vid: Vid) -> Result<(), Error> {
        let l = self.layer(i, &[LayerKind::Vlan], "VLAN layer")?;
        let tci = field::u16_at(self.buf, l.start);
        self.write(l.start, &((tci & 0xF000) | vid.value()).to_be_bytes())
    }

    /// Sets the VNI of the VXLAN layer `i`; the outer UDP checksum follows
    /// (when it is not 0).
    ///
    /// # Errors
    /// [`Error::BadValue`] when layer `i` is not VXLAN.
    pub fn set_vni(&mut self, i: usize, vni: Vni) -> Result<(), Error> {
        let l = self.layer(i, &[LayerKind::Vxlan], "VXLAN layer")?;
        let v = vni.value().to_be_bytes();
        self.write(l.start + 4, &v[1..4])
    }
}
