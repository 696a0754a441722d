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
/// its pseudo-header when it has one: source and destination, or, behind a
/// routing header, the source and the final destination, which lies in the
/// routing header). Every range starts at an even offset of what it is
/// summed as.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Covered {
    at: usize,
    rule: Rule,
    region: Range<usize>,
    pseudo: [Range<usize>; 2],
    layer: ErrorLayer,
}

/// No pseudo-header.
const NO_PSEUDO: [Range<usize>; 2] = [0..0, 0..0];

impl Covered {
    const EMPTY: Covered = Covered {
        at: 0,
        rule: Rule::Plain,
        region: 0..0,
        pseudo: NO_PSEUDO,
        layer: ErrorLayer::Ethernet,
    };

    /// The change a write of `new` over `old` at `at` makes to this sum.
    fn delta_of(&self, at: usize, old: &[u8], new: &[u8]) -> Delta {
        let mut d = Delta::NONE;
        for r in [&self.region, &self.pseudo[0], &self.pseudo[1]] {
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
                    pseudo: NO_PSEUDO,
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
                    // Whether the message can be all zero is only known
                    // when all of it is here.
                    rule: if self.whole_datagram(i) {
                        Rule::Icmpv4
                    } else {
                        Rule::Plain
                    },
                    region: l.range(),
                    pseudo: NO_PSEUDO,
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
                    pseudo: NO_PSEUDO,
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

    /// Whether the IP datagram that layer `i` is in lies whole in the
    /// buffer: not cut short by the capture, and not a fragment (IPv4 MF
    /// set, or an IPv6 fragment header with M set; later fragments are not
    /// walked past their IP header).
    fn whole_datagram(&self, i: usize) -> bool {
        let Some(ip) = self.layers.enclosing_ip(i) else {
            return true;
        };
        let flag = |at: usize, mask: u8| self.buf.get(at).is_some_and(|b| b & mask != 0);
        let mut cut = false;
        for (k, l) in self.layers.iter().enumerate().take(i).skip(ip) {
            cut |= l.truncated
                || (k == ip && l.kind == LayerKind::Ipv4 && flag(l.start + 6, 0x20))
                || (l.kind == LayerKind::Ipv6Ext(Ipv6ExtKind::Fragment) && flag(l.start + 3, 0x01));
        }
        !cut
    }

    /// The address bytes of the pseudo-header of the transport layer `i`:
    /// those of the nearest IP header before it. For IPv6 with a routing
    /// header that still has segments left, the pseudo-header holds the
    /// final destination from the routing header (RFC 8200 section 8.1,
    /// [`Ipv6Routing::final_destination`]), not the destination field; for
    /// routing types that do not say where it is, only the source counts.
    fn pseudo_range(&self, i: usize) -> [Range<usize>; 2] {
        let Some(ip) = self.layers.enclosing_ip(i) else {
            return NO_PSEUDO;
        };
        let Some(l) = self.layers.get(ip) else {
            return NO_PSEUDO;
        };
        if l.kind == LayerKind::Ipv4 {
            return [l.start + 12..l.start + 20, 0..0];
        }
        let routing = self.layers.iter().take(i).skip(ip + 1).find_map(|x| {
            let rh = Ipv6Routing::new(self.buf.get(x.header_range())?).ok()?;
            (x.kind == LayerKind::Ipv6Ext(Ipv6ExtKind::Routing) && rh.segments_left() > 0).then(
                || {
                    rh.final_destination_range()
                        .map(|r| x.start + r.start..x.start + r.end)
                },
            )
        });
        match routing {
            None => [l.start + 8..l.start + 40, 0..0],
            Some(final_dst) => [l.start + 8..l.start + 24, final_dst.unwrap_or(0..0)],
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
            let new = s
                .rule
                .settle(new, &self.buf[s.region.clone()], s.at - s.region.start);
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

    /// Layer `i` if it is one of `kinds` and its header lies inside the
    /// buffer (which only layers of another buffer break).
    fn layer(
        &self,
        i: usize,
        kinds: &[LayerKind],
        field: &'static str,
    ) -> Result<crate::walk::Layer, Error> {
        match self.layers.get(i) {
            Some(l) if kinds.contains(&l.kind) && l.header_range().end <= self.buf.len() => Ok(l),
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
        let layers = Layers::from_ethernet(frame);
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
            let i = Layers::from_ethernet(frame)
                .find(kind, Which::Innermost)
                .unwrap();
            let l = Layers::from_ethernet(frame).get(i).unwrap();
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
            let mut pkt = Packet::from_ethernet(&mut buf);
            let layers = pkt.layers().clone();
            for (i, l) in layers.iter().enumerate() {
                match l.kind {
                    LayerKind::Ipv4 => {
                        pkt.set_ttl(i, 17)?;
                        pkt.set_ipv4_src(i, Ipv4Addr::new(198, 51, 100, 7))?;
                        pkt.set_ipv4_dst(i, Ipv4Addr::new(203, 0, 113, 9))?;
                        pkt.set_dscp(i, Dscp::EF)?;
                        pkt.set_ecn(i, Ecn::Ce)?;
                        pkt.set_identification(i, 0xBEEF)?;
                        pkt.set_dont_fragment(i, false)?;
                        assert_eq!(pkt.ttl(i)?, 17);
                    }
                    LayerKind::Ipv6 => {
                        pkt.set_ttl(i, 2)?;
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
            let mut pkt = Packet::from_ethernet(&mut buf);
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
            let mut pkt = Packet::from_ethernet(&mut buf);
            let vlan = pkt.layers().find(K::Vlan, Which::Innermost).unwrap();
            pkt.set_vid(vlan, Vid::new(99).unwrap())?;
            let tcp = pkt.layers().find(K::Tcp, Which::Innermost).unwrap();
            pkt.set_dst_port(tcp, 22)?;
            let vni = pkt.layers().find(K::Vxlan, Which::Innermost).unwrap();
            pkt.set_vni(vni, Vni::new(1).unwrap())?;
            pkt.decrement_ttl(1)?;
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
        let mut pkt = Packet::from_ethernet(&mut buf);
        pkt.set_ipv4_src(5, Ipv4Addr::new(10, 0, 0, 1))?;
        pkt.set_vni(3, Vni::new(0xFF_FFFF).unwrap())?;
        pkt.set_src_port(2, 1)?;
        assert_eq!(buf[40..42], [0, 0]);
        assert_checksums_valid(&buf);
        // Also for the tunnels this crate builds without a checksum.
        for outer_v6 in [false, true] {
            let mut buf = vxlan_frame(&tagged_tcp_frame(), outer_v6, false);
            let at = if outer_v6 { 54 + 6 } else { 34 + 6 };
            let mut pkt = Packet::from_ethernet(&mut buf);
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
        let mut pkt = Packet::from_ethernet(&mut frame);
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
            let mut pkt = Packet::from_ethernet(&mut buf);
            let tcp = pkt.layers().find(LayerKind::Tcp, Which::Innermost).unwrap();
            pkt.set_src_port(tcp, 1)?;
            let ip = pkt
                .layers()
                .find(LayerKind::Ipv4, Which::Innermost)
                .unwrap();
            pkt.set_ipv4_dst(ip, Ipv4Addr::new(1, 2, 3, 4))?;
            pkt.decrement_ttl(ip)?;
            pkt.set_ttl(1, 1)?;
            assert_eq!(assert_checksums_valid(&buf), n);
        }
        Ok(())
    }

    #[test]
    fn ipv6_routing_header_pseudo_header_uses_the_final_destination() -> Result<(), Error> {
        // The ICMPv6 checksum of RH0_ICMPV6 covers the last address of the
        // routing header, not the destination field (segments left 1).
        let mut buf = RH0_ICMPV6;
        let mut pkt = Packet::from_ethernet(&mut buf);
        pkt.set_ipv6_dst(1, "2001:db8::99".parse().unwrap())?;
        assert_eq!(
            buf[78 + 2..78 + 4],
            RH0_ICMPV6[78 + 2..78 + 4],
            "checksum unchanged"
        );
        assert_checksums_valid(&buf);
        let mut pkt = Packet::from_ethernet(&mut buf);
        pkt.set_ipv6_src(1, "2001:db8::98".parse().unwrap())?;
        assert_ne!(buf[78 + 2..78 + 4], RH0_ICMPV6[78 + 2..78 + 4]);
        assert_checksums_valid(&buf);
        // With no segments left, the destination field is the final one.
        let mut buf = RH0_ICMPV6;
        buf[54 + 3] = 0;
        buf[38..54].copy_from_slice(&RH0_ICMPV6[62..78]);
        assert_checksums_valid(&buf);
        let mut pkt = Packet::from_ethernet(&mut buf);
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
        let mut pkt = Packet::from_ethernet(&mut buf);
        pkt.write(final_at, &new.octets())?;
        assert_ne!(buf[96..98], RH0_TWO[96..98]);
        assert_checksums_valid(&buf);
        let mut pkt = Packet::from_ethernet(&mut buf);
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
        let mut pkt = Packet::from_ethernet(&mut srh);
        pkt.write(62, &new.octets())?;
        assert_ne!(srh[96..98], RH0_TWO[96..98]);
        assert_checksums_valid(&srh);
        let mut pkt = Packet::from_ethernet(&mut srh);
        let before = [pkt.as_bytes()[96], pkt.as_bytes()[97]];
        pkt.write(78, &[0xAB; 16])?;
        assert_eq!(srh[96..98], before);
        assert_checksums_valid(&srh);
        Ok(())
    }

    #[test]
    fn write_refuses_runs_over_a_checksum_field() {
        let frame = vxlan_frame(&tagged_tcp_frame(), false, true);
        let layers = Layers::from_ethernet(&frame);
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
                    let mut pkt = Packet::from_ethernet(&mut buf);
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
                        let other = fields.iter().any(|(_, j, o, _)| {
                            let a = layers.get(*j).unwrap().start + o;
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
        let mut pkt = Packet::from_ethernet(&mut buf);
        let no_room = |needed| {
            Err(Error::NoRoom {
                layer: ErrorLayer::Ethernet,
                needed,
                available: len,
            })
        };
        assert_eq!(pkt.write(len - 1, &[1, 2]), no_room(len + 1));
        assert_eq!(pkt.write(len + 5, &[]), no_room(len + 5));
        assert_eq!(pkt.write(usize::MAX, &[1]), no_room(usize::MAX));
        assert_eq!(pkt.write(len, &[]), Ok(()));
        assert_eq!(pkt.write(len - 1, &[0x34]), Ok(()));
        // Setters on a layer of the wrong kind, or past the last layer.
        let bad = |field| {
            Err(Error::BadValue {
                layer: ErrorLayer::Ethernet,
                field,
            })
        };
        assert_eq!(pkt.set_ttl(0, 1), bad("IP layer"));
        assert_eq!(pkt.ttl(2).map(|_| ()), bad("IP layer"));
        assert_eq!(pkt.set_ipv4_src(4, Ipv4Addr::LOCALHOST), bad("IPv4 layer"));
        assert_eq!(pkt.set_ipv6_dst(1, Ipv6Addr::LOCALHOST), bad("IPv6 layer"));
        assert_eq!(pkt.set_src_port(6, 1), bad("TCP or UDP layer"));
        assert_eq!(pkt.set_vid(0, Vid::new(1).unwrap()), bad("VLAN layer"));
        assert_eq!(pkt.set_vni(2, Vni::new(1).unwrap()), bad("VXLAN layer"));
        assert_eq!(pkt.set_dont_fragment(99, true), bad("IPv4 layer"));
        assert_eq!(pkt.into_inner()[len - 1], 0x34);
    }

    #[test]
    fn layers_of_another_buffer_never_panic() {
        // Layers of a 148-byte frame used with shorter buffers: every call
        // fails or rewrites meaningless bytes, none panics.
        let layers = Layers::from_ethernet(&VXLAN_ICMP);
        for len in 0..VXLAN_ICMP.len() {
            let mut buf = VXLAN_ICMP[..len].to_vec();
            let mut pkt = Packet::with_layers(&mut buf, layers.clone());
            for i in 0..=layers.len() {
                let _ = pkt.ttl(i);
                let _ = pkt.set_ttl(i, 9);
                let _ = pkt.decrement_ttl(i);
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
        let layers = Layers::from_ethernet(&GRE_KEY);
        let mut buf = GRE_KEY[..15].to_vec();
        let mut pkt = Packet::with_layers(&mut buf, layers);
        assert!(pkt.set_vid(1, Vid::new(1).unwrap()).is_err());
    }

    #[test]
    fn ttl_and_traffic_class() -> Result<(), Error> {
        let mut buf = TCP_TIMESTAMPS;
        let mut pkt = Packet::from_ethernet(&mut buf);
        pkt.set_ttl(1, 2)?;
        assert_eq!(pkt.decrement_ttl(1), Ok(false));
        assert_eq!(pkt.decrement_ttl(1), Ok(true));
        assert_eq!(pkt.ttl(1), Ok(0));
        assert_eq!(pkt.decrement_ttl(1), Ok(true));
        assert_eq!(pkt.ttl(1), Ok(0));
        pkt.set_dscp(1, Dscp::AF11)?;
        pkt.set_ecn(1, Ecn::Ect0)?;
        assert_eq!(buf[15], (10 << 2) | 2);
        assert_checksums_valid(&buf);
        // IPv6: version and flow label stay.
        let mut buf = MLD_HOPOPTS;
        let mut pkt = Packet::from_ethernet(&mut buf);
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
        let mut pkt = Packet::from_ethernet(&mut buf);
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
        let mut pkt = Packet::from_ethernet(&mut first);
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
            let layers = Layers::from_ethernet(&buf);
            let payload = layers.get(layers.len() - 1).unwrap();
            prop_assert_eq!(payload.kind, LayerKind::Payload);
            let inner_ip = layers.find(LayerKind::Ipv4, Which::Innermost).unwrap();
            let tcp = layers.find(LayerKind::Tcp, Which::Innermost).unwrap();
            let mut pkt = Packet::with_layers(&mut buf, layers);
            for (op, r, bytes) in ops {
                match op {
                    0 => {
                        let room = payload.end - payload.start - bytes.len();
                        let at = payload.start + (r as usize) % (room + 1);
                        pkt.write(at, &bytes).unwrap();
                    }
                    1 => pkt.set_ipv4_src(inner_ip, Ipv4Addr::from(r as u32)).unwrap(),
                    2 => pkt.set_src_port(tcp, r as u16).unwrap(),
                    3 => pkt.set_ttl(1, r as u8).unwrap(),
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
            let before_layers = Layers::from_ethernet(&frame);
            let before = checksums(&frame);
            let mut pkt = Packet::from_ethernet(&mut frame);
            for (i, l) in before_layers.iter().enumerate() {
                let v = values[i % 8];
                let r = match l.kind {
                    LayerKind::Ipv4 => pkt.set_ttl(i, v)
                        .and_then(|()| pkt.set_ipv4_src(i, Ipv4Addr::new(v, 1, 2, 3)))
                        .and_then(|()| pkt.set_identification(i, u16::from(v)))
                        .and_then(|()| pkt.set_dont_fragment(i, v & 1 == 1)),
                    LayerKind::Ipv6 => pkt.set_ttl(i, v)
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
            let after_layers = Layers::from_ethernet(&frame);
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
