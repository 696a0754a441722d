//! Flow keys for ECMP and RSS hashing.
//!
//! A [`FlowKey`] is the classic 5-tuple (addresses, protocol, ports) of a
//! packet's outermost IP datagram, taken from a walk. For an ICMP or ICMPv6
//! *error* (destination unreachable, packet too big, time exceeded,
//! parameter problem) it is the key of the datagram the error quotes,
//! reversed: the flow the error belongs to, as its packets look when they
//! travel the way the error does. A load balancer or an ECMP router that
//! hashes with it sends a "fragmentation needed" / "packet too big" to the
//! same backend as the flow that caused it, which path-MTU discovery behind
//! ECMP needs ([RFC 7690]).
//!
//! Fragments have no ports in every fragment, so all fragments (first one
//! included) get ports 0 and hash on addresses and protocol alone, keeping
//! the fragments of one datagram together. The same holds for the echo
//! identifier of a fragmented ICMP echo (a large ping), and an ICMP error
//! is only looked into when it is not a fragment.
//!
//! [RFC 7690]: https://www.rfc-editor.org/rfc/rfc7690
//!
//! ```
//! use core::net::{IpAddr, Ipv4Addr};
//! use wireview::flow::FlowKey;
//! use wireview::IpProtocol;
//!
//! let frame = [
//!     0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
//!     0x45, 0, 0, 30, 0, 0, 0x40, 0, 64, 17, 0x26, 0xcd, 10, 0, 0, 1, 10, 0, 0, 2,
//!     0x30, 0x39, 0x00, 0x35, 0x00, 0x0a, 0x53, 0x00, b'h', b'i',
//! ];
//! let key = FlowKey::from_ethernet(&frame).unwrap();
//! assert_eq!(key.src, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
//! assert_eq!((key.protocol, key.src_port, key.dst_port), (IpProtocol::UDP, 12345, 53));
//! assert_eq!(key.symmetric_hash(0), key.reversed().symmetric_hash(0));
//! ```

use core::net::IpAddr;

use crate::field;
use crate::icmpv4::Icmpv4;
use crate::icmpv6::Icmpv6;
use crate::ip::IpProtocol;
use crate::ipv4::Ipv4;
use crate::ipv6::Ipv6;
use crate::ipv6_ext::{ExtHeaders, Ipv6ExtKind, Ipv6Fragment};
use crate::walk::Layers;

/// A 5-tuple: source and destination address, protocol, and ports (TCP,
/// UDP, SCTP; the echo identifier for ICMP echo; 0 otherwise).
///
/// **For an ICMP or ICMPv6 error the key is not the error's own.** It is
/// the key of the datagram the error quotes, *reversed* (addresses and
/// ports swapped), with the quoted datagram's protocol: the flow the error
/// belongs to, as that flow's packets look when they travel the way the
/// error does, so that a load balancer sends the error where the flow goes
/// ([RFC 7690]). Fragments get ports 0; see the [module docs](self).
///
/// ```
/// use core::net::{IpAddr, Ipv4Addr};
/// use wireview::flow::FlowKey;
/// use wireview::IpProtocol;
///
/// // 10.0.0.2 answers a UDP datagram 10.0.0.1:12345 -> 10.0.0.2:53 with
/// // "port unreachable" (checksums left 0: a flow key does not check them).
/// let error = [
///     0x45, 0, 0, 56, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1, // IPv4, ICMP
///     3, 3, 0, 0, 0, 0, 0, 0, // ICMP destination unreachable, port unreachable
///     0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, // quoted IPv4
///     0x30, 0x39, 0x00, 0x35, 0, 8, 0, 0, // quoted UDP 12345 -> 53
/// ];
/// let key = FlowKey::from_ip(&error).unwrap();
/// let (a, b) = (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));
/// assert_eq!((key.src, key.dst, key.protocol), (b, a, IpProtocol::UDP));
/// assert_eq!((key.src_port, key.dst_port), (53, 12345));
/// ```
///
/// [RFC 7690]: https://www.rfc-editor.org/rfc/rfc7690
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowKey {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Transport protocol (the upper-layer protocol after IPv6 extension headers).
    pub protocol: IpProtocol,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
}

impl FlowKey {
    /// The key of an Ethernet frame's outermost IP datagram, or `None`
    /// when the frame holds no IP header. For an ICMP or ICMPv6 error, the
    /// key of the datagram it quotes, reversed (see [`FlowKey`]).
    ///
    /// It reads what it can ([`Walker::capture`](crate::walk::Walker::capture)):
    /// a key only needs addresses, protocol and ports, so a datagram cut
    /// short, or one a strict walk refuses for a length field, still gets
    /// one. A router that must drop such packets finds out from its own
    /// strict walk.
    pub fn from_ethernet(frame: &[u8]) -> Option<FlowKey> {
        Self::from_layers(frame, &Layers::from_ethernet_capture(frame))
    }

    /// The key of a bare IPv4 or IPv6 packet, read as
    /// [`from_ethernet`](Self::from_ethernet) reads. For an ICMP or ICMPv6
    /// error, the key of the datagram it quotes, reversed (see [`FlowKey`]).
    pub fn from_ip(packet: &[u8]) -> Option<FlowKey> {
        Self::from_layers(packet, &Layers::from_ip_capture(packet))
    }

    /// The key of the outermost IP datagram of an already walked buffer.
    /// For an ICMP or ICMPv6 error, the key of the datagram it quotes,
    /// reversed (see [`FlowKey`]).
    pub fn from_layers(buf: &[u8], layers: &Layers) -> Option<FlowKey> {
        let ip = layers.iter().find(|l| l.kind.is_ip())?;
        let outer = datagram(buf.get(ip.range())?)?;
        if !outer.fragment {
            if let Some(quoted) = quoted_datagram(outer.key.protocol, outer.upper) {
                return Some(quoted.key.reversed());
            }
        }
        Some(outer.key)
    }

    /// The key of the innermost IP datagram of an Ethernet frame: for a
    /// tunnelled packet (GTP-U, Geneve, VXLAN, GRE, MPLS, IP in IP), the
    /// flow it carries. A GTP-U or Geneve tunnel's own 5-tuple is the same
    /// for every flow inside it, so a load balancer that spreads those
    /// flows hashes this key instead. Read as
    /// [`from_ethernet`](Self::from_ethernet) reads.
    ///
    /// ```
    /// use wireview::flow::FlowKey;
    /// use wireview::tunnel::{encap_gtpu, GtpuEncap, OuterIp};
    /// use wireview::{IpProtocol, Ipv4Header};
    ///
    /// // An IPv4/UDP datagram (ports 1000 -> 53) in a GTP-U tunnel.
    /// let mut buf = [0u8; 20 + 8 + 8 + 28 + 14];
    /// let inner = Ipv4Header { protocol: IpProtocol::UDP, payload_len: 8, ..Ipv4Header::default() };
    /// inner.emit(&mut buf[50..])?;
    /// buf[70..76].copy_from_slice(&[0x03, 0xE8, 0x00, 0x35, 0x00, 0x08]);
    /// let g = GtpuEncap { teid: 1, sequence_number: None, pdu_session: None,
    ///                     src_port: 2152, dst_port: 2152, udp_checksum: false };
    /// let start = encap_gtpu(&mut buf, 50, 78, &OuterIp::V4(Ipv4Header::default()), &g)?;
    /// buf[start - 14 + 12..start].copy_from_slice(&[0x08, 0x00]);
    /// let frame = &buf[start - 14..];
    /// let outer = FlowKey::from_ethernet(frame).unwrap();
    /// let inner = FlowKey::inner_from_ethernet(frame).unwrap();
    /// assert_eq!((outer.src_port, outer.dst_port), (2152, 2152));
    /// assert_eq!((inner.src_port, inner.dst_port), (1000, 53));
    /// # Ok::<(), wireview::Error>(())
    /// ```
    pub fn inner_from_ethernet(frame: &[u8]) -> Option<FlowKey> {
        Self::inner_from_layers(frame, &Layers::from_ethernet_capture(frame))
    }

    /// The key of the innermost IP datagram of an already walked buffer
    /// (see [`inner_from_ethernet`](Self::inner_from_ethernet)).
    pub fn inner_from_layers(buf: &[u8], layers: &Layers) -> Option<FlowKey> {
        let ip = layers.iter().rfind(|l| l.kind.is_ip())?;
        let inner = datagram(buf.get(ip.range())?)?;
        if !inner.fragment {
            if let Some(quoted) = quoted_datagram(inner.key.protocol, inner.upper) {
                return Some(quoted.key.reversed());
            }
        }
        Some(inner.key)
    }

    /// The same flow seen from the other end: addresses and ports swapped.
    #[must_use]
    pub const fn reversed(self) -> FlowKey {
        FlowKey {
            src: self.dst,
            dst: self.src,
            protocol: self.protocol,
            src_port: self.dst_port,
            dst_port: self.src_port,
        }
    }

    /// A 32-bit hash of the key for spreading flows over paths or queues:
    /// FNV-1a over the fields in a fixed order, mixed with `seed` and
    /// finished with a murmur3-style avalanche. Not cryptographic; the same
    /// key and seed give the same hash on every platform.
    pub fn hash(&self, seed: u32) -> u32 {
        let mut h = Fnv::new(seed);
        h.addr(self.src);
        h.addr(self.dst);
        h.bytes(&[self.protocol.0]);
        h.bytes(&self.src_port.to_be_bytes());
        h.bytes(&self.dst_port.to_be_bytes());
        h.finish()
    }

    /// Like [`hash`](Self::hash), but the same for both directions of a flow
    /// (the endpoints are put in a fixed order first), as symmetric RSS does.
    pub fn symmetric_hash(&self, seed: u32) -> u32 {
        let a = (self.src, self.src_port);
        let b = (self.dst, self.dst_port);
        if a <= b {
            self.hash(seed)
        } else {
            self.reversed().hash(seed)
        }
    }
}

/// What [`datagram`] finds in an IP datagram.
struct Datagram<'a> {
    /// Its key: ports only when it is not a fragment.
    key: FlowKey,
    /// The upper-layer bytes after the header (and extension headers).
    upper: &'a [u8],
    /// Whether it is a fragment (first one included).
    fragment: bool,
}

/// Addresses and protocol of an IP datagram (through IPv6 extension headers),
/// with its ports (TCP, UDP, SCTP) or echo identifier (ICMP, ICMPv6) when it
/// is not a fragment and they are present.
fn datagram(ip: &[u8]) -> Option<Datagram<'_>> {
    let (src, dst, protocol, upper, fragment) = match ip.first()? >> 4 {
        4 => {
            let v4 = Ipv4::new_truncated(ip).ok()?;
            // The payload (total length 0, from segmentation offload, is
            // the rest of the buffer).
            let upper = v4.into_payload();
            (
                IpAddr::V4(v4.src()),
                IpAddr::V4(v4.dst()),
                v4.protocol(),
                upper,
                v4.is_fragment(),
            )
        }
        6 => {
            let v6 = Ipv6::new_truncated(ip).ok()?;
            let (src, dst) = (v6.src(), v6.dst());
            let payload = v6.into_payload();
            let mut exts = ExtHeaders::new(v6.next_header(), payload);
            // The next header of a (non-atomic) fragment header: what every
            // fragment of the datagram agrees on, where the first one's
            // upper layer may lie behind more extension headers and later
            // ones have none to read.
            let mut fragment_of = None;
            // A malformed extension header ends the chain: the key then
            // has the addresses and, as protocol, that header's type.
            for ext in (&mut exts).map_while(Result::ok) {
                if ext.kind == Ipv6ExtKind::Fragment {
                    let frag = Ipv6Fragment::new(ext.data).ok()?;
                    // An atomic fragment (offset 0, M clear; RFC 6946) is
                    // a whole datagram and keeps its ports.
                    if frag.fragment_offset() != 0 || frag.more_fragments() {
                        fragment_of.get_or_insert(ext.next_header);
                    }
                }
            }
            let (upper_protocol, offset) = exts.upper_layer();
            let fragment = fragment_of.is_some();
            let protocol = fragment_of.unwrap_or(upper_protocol);
            let upper = payload.get(offset..)?;
            (IpAddr::V6(src), IpAddr::V6(dst), protocol, upper, fragment)
        }
        _ => return None,
    };
    let mut key = FlowKey {
        src,
        dst,
        protocol,
        src_port: 0,
        dst_port: 0,
    };
    if !fragment {
        let ports = match protocol {
            IpProtocol::TCP | IpProtocol::UDP | IpProtocol::SCTP if upper.len() >= 4 => {
                Some((field::u16_at(upper, 0), field::u16_at(upper, 2)))
            }
            IpProtocol::ICMP => Icmpv4::new(upper)
                .ok()
                .filter(Icmpv4::is_echo)
                .map(|icmp| (icmp.identifier(), icmp.identifier())),
            IpProtocol::ICMPV6 => Icmpv6::new(upper)
                .ok()
                .filter(Icmpv6::is_echo)
                .map(|icmp| (icmp.identifier(), icmp.identifier())),
            _ => None,
        };
        if let Some((src_port, dst_port)) = ports {
            key.src_port = src_port;
            key.dst_port = dst_port;
        }
    }
    Some(Datagram {
        key,
        upper,
        fragment,
    })
}

/// The datagram an ICMP or ICMPv6 error message (`upper`, of `protocol`)
/// quotes: an IP header and at least 8 bytes of its payload.
fn quoted_datagram(protocol: IpProtocol, upper: &[u8]) -> Option<Datagram<'_>> {
    let quoted = match protocol {
        IpProtocol::ICMP => Icmpv4::new(upper)
            .ok()
            .filter(Icmpv4::is_error)?
            .into_payload(),
        IpProtocol::ICMPV6 => Icmpv6::new(upper)
            .ok()
            .filter(Icmpv6::is_error)?
            .into_payload(),
        _ => return None,
    };
    datagram(quoted)
}

/// 32-bit FNV-1a with a seed and a final avalanche.
struct Fnv(u32);

impl Fnv {
    const fn new(seed: u32) -> Fnv {
        Fnv(0x811C_9DC5 ^ seed.wrapping_mul(0x9E37_79B9))
    }

    fn bytes(&mut self, data: &[u8]) {
        for &b in data {
            self.0 = (self.0 ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
    }

    fn addr(&mut self, addr: IpAddr) {
        match addr {
            IpAddr::V4(a) => self.bytes(&a.octets()),
            IpAddr::V6(a) => self.bytes(&a.octets()),
        }
    }

    const fn finish(self) -> u32 {
        let mut h = self.0;
        h ^= h >> 16;
        h = h.wrapping_mul(0x85EB_CA6B);
        h ^= h >> 13;
        h = h.wrapping_mul(0xC2B2_AE35);
        h ^ (h >> 16)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ethernet::{EtherType, EthernetHeader, MacAddr};
    use crate::icmpv4::{self, Icmpv4Header, Icmpv4Type};
    use crate::ipv4::Ipv4Header;
    use core::net::{Ipv4Addr, Ipv6Addr};
    use proptest::prelude::*;
    use std::vec::Vec;

    // Real frames from the tcpdump test captures (tests/*.pcap of the
    // tcpdump project); some cut short as a capture with a small snap
    // length would, which the walk and the keys accept.

    /// afs.pcap frame 28: an Rx call over UDP, the first 64 of its 454 bytes.
    #[rustfmt::skip]
    pub(crate) const AFS_UDP: [u8; 64] = [
        // Ethernet: 00:e0:f9:cc:18:00 -> 00:60:08:9f:b1:f3, IPv4 (offset 0)
        0x00, 0x60, 0x08, 0x9f, 0xb1, 0xf3, 0x00, 0xe0, 0xf9, 0xcc, 0x18, 0x00, 0x08, 0x00,
        // IPv4: total length 440, DF, TTL 254, UDP, 131.151.1.59 -> 131.151.32.21 (offset 14)
        0x45, 0x00, 0x01, 0xb8, 0xcb, 0x91, 0x40, 0x00, 0xfe, 0x11, 0x87, 0x24, 0x83, 0x97, 0x01, 0x3b,
        0x83, 0x97, 0x20, 0x15,
        // UDP: 7003 -> 1792, length 420 (offset 34)
        0x1b, 0x5b, 0x07, 0x00, 0x01, 0xa4, 0xae, 0x1e,
        // Rx (AFS) data, cut at 64 bytes (offset 42)
        0x38, 0x2b, 0x39, 0x48, 0xe0, 0x9d, 0xbe, 0xe8, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x02, 0x01, 0x06,
    ];

    /// afs.pcap frame 29: the port unreachable answering it, the first 70 of its 482 bytes.
    #[rustfmt::skip]
    pub(crate) const AFS_PORT_UNREACHABLE: [u8; 70] = [
        // Ethernet: 00:60:08:9f:b1:f3 -> 00:e0:f9:cc:18:00, IPv4 (offset 0)
        0x00, 0xe0, 0xf9, 0xcc, 0x18, 0x00, 0x00, 0x60, 0x08, 0x9f, 0xb1, 0xf3, 0x08, 0x00,
        // IPv4: ToS 0xc0, total length 468, TTL 255, ICMP, 131.151.32.21 -> 131.151.1.59 (offset 14)
        0x45, 0xc0, 0x01, 0xd4, 0xe2, 0x53, 0x00, 0x00, 0xff, 0x01, 0xae, 0x96, 0x83, 0x97, 0x20, 0x15,
        0x83, 0x97, 0x01, 0x3b,
        // ICMP: type 3 (destination unreachable), code 3 (port unreachable), checksum 0x2731, unused (offset 34)
        0x03, 0x03, 0x27, 0x31, 0x00, 0x00, 0x00, 0x00,
        // quoted IPv4 header: the datagram of frame 28 (offset 42)
        0x45, 0x00, 0x01, 0xb8, 0xcb, 0x91, 0x40, 0x00, 0xfe, 0x11, 0x87, 0x24, 0x83, 0x97, 0x01, 0x3b,
        0x83, 0x97, 0x20, 0x15,
        // quoted UDP header: 7003 -> 1792, length 420, checksum 0xae1e (offset 62)
        0x1b, 0x5b, 0x07, 0x00, 0x01, 0xa4, 0xae, 0x1e,
    ];

    /// icmpv6-rfc7112.pcap: a parameter problem (RFC 7112) quoting a first fragment.
    #[rustfmt::skip]
    pub(crate) const ICMPV6_PARAM_PROBLEM: [u8; 126] = [
        // Ethernet: 00:a0:98:15:ec:e7 -> ac:1f:6b:46:9e:da, IPv6 (offset 0)
        0xac, 0x1f, 0x6b, 0x46, 0x9e, 0xda, 0x00, 0xa0, 0x98, 0x15, 0xec, 0xe7, 0x86, 0xdd,
        // IPv6: payload length 72, next header 58 (ICMPv6), hop limit 64, 2001:630:42:110:2a0:98ff:fe15:ece7 -> 2001:630:42:110:ae1f:6bff:fe46:9eda (offset 14)
        0x60, 0x00, 0x00, 0x00, 0x00, 0x48, 0x3a, 0x40, 0x20, 0x01, 0x06, 0x30, 0x00, 0x42, 0x01, 0x10,
        0x02, 0xa0, 0x98, 0xff, 0xfe, 0x15, 0xec, 0xe7, 0x20, 0x01, 0x06, 0x30, 0x00, 0x42, 0x01, 0x10,
        0xae, 0x1f, 0x6b, 0xff, 0xfe, 0x46, 0x9e, 0xda,
        // ICMPv6: type 4 (parameter problem), code 3 (first fragment has incomplete header chain), pointer 0x30 (offset 54)
        0x04, 0x03, 0x99, 0x4c, 0x00, 0x00, 0x00, 0x30,
        // quoted IPv6 header: payload length 24, next header 44 (fragment), 2001:630:42:110:ae1f:6bff:fe46:9eda -> 2001:630:42:110:2a0:98ff:fe15:ece7 (offset 62)
        0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x2c, 0x40, 0x20, 0x01, 0x06, 0x30, 0x00, 0x42, 0x01, 0x10,
        0xae, 0x1f, 0x6b, 0xff, 0xfe, 0x46, 0x9e, 0xda, 0x20, 0x01, 0x06, 0x30, 0x00, 0x42, 0x01, 0x10,
        0x02, 0xa0, 0x98, 0xff, 0xfe, 0x15, 0xec, 0xe7,
        // quoted fragment header: next header 41, offset 0, M set, identification 0xd6b1 (offset 102)
        0x29, 0x00, 0x00, 0x01, 0x00, 0x00, 0xd6, 0xb1,
        // first fragment's data (offset 110)
        0x62, 0x27, 0x60, 0x5c, 0x78, 0x30, 0x30, 0x5c, 0x78, 0x30, 0x30, 0x5c, 0x78, 0x30, 0x30, 0x5c,
    ];

    /// bgp-4byte-asn.pcap frame 10: a BGP keepalive over TCP with timestamps.
    #[rustfmt::skip]
    pub(crate) const TCP_TIMESTAMPS: [u8; 85] = [
        // Ethernet: e2:c3:b4:8e:87:60 -> 02:01:00:01:00:00, IPv4 (offset 0)
        0x02, 0x01, 0x00, 0x01, 0x00, 0x00, 0xe2, 0xc3, 0xb4, 0x8e, 0x87, 0x60, 0x08, 0x00,
        // IPv4: ToS 0xc0, total length 71, DF, TTL 1, TCP, checksum 0x276c, 1.0.2.1 -> 1.0.2.2 (offset 14)
        0x45, 0xc0, 0x00, 0x47, 0x4b, 0x83, 0x40, 0x00, 0x01, 0x06, 0x27, 0x6c, 0x01, 0x00, 0x02, 0x01,
        0x01, 0x00, 0x02, 0x02,
        // TCP: 179 -> 42741, seq 0xd6cc3b86, ack 0x8afa6c6a, data offset 8, PSH ACK, window 57, checksum 0x89aa (offset 34)
        0x00, 0xb3, 0xa6, 0xf5, 0xd6, 0xcc, 0x3b, 0x86, 0x8a, 0xfa, 0x6c, 0x6a, 0x80, 0x18, 0x00, 0x39,
        0x89, 0xaa, 0x00, 0x00,
        // TCP options: NOP, NOP, timestamps (offset 54)
        0x01, 0x01, 0x08, 0x0a, 0x27, 0xca, 0x70, 0xda, 0x27, 0xca, 0x70, 0xda,
        // BGP keepalive (19 bytes: marker, length 19, type 4) (offset 66)
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0x00, 0x13, 0x04,
    ];

    // FNV-1a over src, dst, protocol, ports (big-endian), seeded and finished
    // as `Fnv` documents, computed for TCP_TIMESTAMPS by a separate
    // implementation of that description.
    const HASH_0: u32 = 0x0fc9_ed95;
    const HASH_1: u32 = 0xdf70_4bdd;

    const MAC_A: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0xa]);
    const MAC_B: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0xb]);

    /// Ethernet / IPv4 (`protocol`) / `payload`, the IPv4 header checksum
    /// filled in; `frag` is the flags-and-offset word.
    fn ipv4_frame(
        src: Ipv4Addr,
        dst: Ipv4Addr,
        protocol: IpProtocol,
        frag: u16,
        payload: &[u8],
    ) -> Vec<u8> {
        let mut frame = vec![0; 34];
        EthernetHeader {
            dst: MAC_B,
            src: MAC_A,
            ethertype: EtherType::IPV4,
        }
        .emit(&mut frame)
        .unwrap();
        Ipv4Header {
            protocol,
            src,
            dst,
            dont_fragment: frag & 0x4000 != 0,
            more_fragments: frag & 0x2000 != 0,
            fragment_offset: frag & 0x1FFF,
            payload_len: u16::try_from(payload.len()).unwrap(),
            ..Ipv4Header::default()
        }
        .emit(&mut frame[14..])
        .unwrap();
        frame.extend_from_slice(payload);
        frame
    }

    /// An ICMPv4 message: the 8-byte header, then `body`.
    fn icmp(header: Icmpv4Header, body: &[u8]) -> Vec<u8> {
        let mut msg = vec![0; 8];
        header.emit(&mut msg).unwrap();
        msg.extend_from_slice(body);
        Icmpv4::new(&mut msg[..]).unwrap().fill_checksum();
        msg
    }

    /// A "fragmentation needed" (type 3, code 4, next-hop MTU 1400) from
    /// `router` to `to`, quoting the IP header and 8 payload bytes of
    /// `datagram`.
    fn frag_needed(router: Ipv4Addr, to: Ipv4Addr, datagram: &[u8]) -> Vec<u8> {
        let ihl = usize::from(datagram[0] & 0x0F) * 4;
        let msg = icmp(
            Icmpv4Header {
                msg_type: Icmpv4Type::DEST_UNREACHABLE,
                code: icmpv4::Icmpv4Code::FRAG_NEEDED,
                rest_of_header: 1400,
            },
            &datagram[..ihl + 8],
        );
        ipv4_frame(router, to, IpProtocol::ICMP, 0, &msg)
    }

    fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    }

    #[test]
    fn tcp_and_udp_keys() {
        let tcp = FlowKey::from_ethernet(&TCP_TIMESTAMPS).unwrap();
        assert_eq!(
            tcp,
            FlowKey {
                src: v4(1, 0, 2, 1),
                dst: v4(1, 0, 2, 2),
                protocol: IpProtocol::TCP,
                src_port: 179,
                dst_port: 42741,
            }
        );
        assert_eq!(FlowKey::from_ip(&TCP_TIMESTAMPS[14..]), Some(tcp));
        // A datagram cut short by the capture still has its ports.
        let udp = FlowKey::from_ethernet(&AFS_UDP).unwrap();
        assert_eq!(
            (udp.src, udp.dst, udp.protocol, udp.src_port, udp.dst_port),
            (
                v4(131, 151, 1, 59),
                v4(131, 151, 32, 21),
                IpProtocol::UDP,
                7003,
                1792
            )
        );
    }

    /// An IPv6 UDP datagram in two fragments whose fragmentable part
    /// starts with a destination options header: every fragment, and the
    /// same datagram whole with an atomic fragment header, keyed.
    fn ipv6_fragments(offset: u16, more: bool) -> Vec<u8> {
        let mut p = vec![0x60, 0, 0, 0, 0, 0, 44, 64];
        p.extend_from_slice(&Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1).octets());
        p.extend_from_slice(&Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2).octets());
        // Fragment header: next header 60 (destination options).
        let off = (offset << 3) | u16::from(more);
        p.extend_from_slice(&[60, 0]);
        p.extend_from_slice(&off.to_be_bytes());
        p.extend_from_slice(&[0, 0, 0x12, 0x34]);
        // The fragment's data: for offset 0 the destination options (next
        // header UDP, PadN) and the UDP header; later, bytes that would
        // read as a destination options header claiming 1,376 bytes.
        if offset == 0 {
            p.extend_from_slice(&[17, 0, 1, 4, 0, 0, 0, 0]);
            p.extend_from_slice(&[0x30, 0x39, 0x00, 0x35, 0, 16, 0, 0]);
        } else {
            p.extend_from_slice(&[17, 171, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        }
        let len = (p.len() - 40) as u16;
        p[4..6].copy_from_slice(&len.to_be_bytes());
        p
    }

    /// Regression: later IPv6 fragments were read as extension headers,
    /// so the first and later fragments of one datagram got different
    /// protocols and hashed apart; atomic fragments lost their ports.
    #[test]
    fn ipv6_fragments_of_one_datagram_hash_together() {
        let first = FlowKey::from_ip(&ipv6_fragments(0, true)).unwrap();
        let later = FlowKey::from_ip(&ipv6_fragments(2, false)).unwrap();
        assert_eq!(first, later);
        assert_eq!(first.protocol, IpProtocol(60));
        assert_eq!((first.src_port, first.dst_port), (0, 0));
        assert_eq!(first.hash(1), later.hash(1));
        // The walk stops at the later fragment's header: its data is payload.
        let layers = Layers::from_ip(&ipv6_fragments(2, false));
        assert_eq!(layers.error(), None);
        let kinds: Vec<_> = layers.iter().map(|l| l.kind).collect();
        assert_eq!(
            kinds,
            [
                crate::walk::LayerKind::Ipv6,
                crate::walk::LayerKind::Ipv6Ext(Ipv6ExtKind::Fragment),
                crate::walk::LayerKind::Payload
            ]
        );
        // An atomic fragment (offset 0, M clear) is a whole datagram.
        let atomic = FlowKey::from_ip(&ipv6_fragments(0, false)).unwrap();
        assert_eq!(atomic.protocol, IpProtocol::UDP);
        assert_eq!((atomic.src_port, atomic.dst_port), (12345, 53));
    }

    /// Regression: an IPv4 total length of 0 (a TSO / BIG TCP capture)
    /// gave no key, so `tunnel::entropy_port` was constant for such frames.
    #[test]
    fn inner_keys_of_mpls_geneve_and_a_vxlan_without_its_i_flag() {
        use crate::geneve::tests::GENEVE_FRAME;
        use crate::mpls::tests::MPLS_UDP_FRAME;
        use crate::walk::tests::VXLAN_ICMP;
        // MPLS over UDP: the outer key is the tunnel's, the inner one the
        // ICMP echo's behind the label stack (10.3.0.10 -> 10.1.0.10).
        let outer = FlowKey::from_ethernet(&MPLS_UDP_FRAME).unwrap();
        assert_eq!(
            (outer.protocol, outer.src_port, outer.dst_port),
            (IpProtocol::UDP, 58699, 6635)
        );
        let inner = FlowKey::inner_from_ethernet(&MPLS_UDP_FRAME).unwrap();
        assert_eq!(inner.src, IpAddr::V4(Ipv4Addr::new(10, 3, 0, 10)));
        assert_eq!((inner.protocol, inner.src_port), (IpProtocol::ICMP, 0xa6eb));
        // MPLS straight over Ethernet: the first IP header is the inner one.
        let mut eth_mpls = MPLS_UDP_FRAME[..14].to_vec();
        eth_mpls[12..14].copy_from_slice(&[0x88, 0x47]);
        eth_mpls.extend_from_slice(&MPLS_UDP_FRAME[42..]);
        assert_eq!(FlowKey::from_ethernet(&eth_mpls), Some(inner));
        // Geneve: the inner ICMP echo (30.0.0.1 -> 30.0.0.2).
        let g = FlowKey::inner_from_ethernet(&GENEVE_FRAME).unwrap();
        assert_eq!(g.dst, IpAddr::V4(Ipv4Addr::new(30, 0, 0, 2)));
        // VXLAN with the I flag clear: not looked into (RFC 7348).
        let mut no_i = VXLAN_ICMP;
        no_i[42] = 0;
        let key = FlowKey::inner_from_ethernet(&no_i).unwrap();
        assert_eq!(key, FlowKey::from_ethernet(&no_i).unwrap());
        assert_eq!(key.dst_port, 4789);
    }

    #[test]
    fn ipv4_total_length_0_has_a_key() {
        let mut frame = TCP_TIMESTAMPS;
        frame[16] = 0;
        frame[17] = 0;
        let key = FlowKey::from_ethernet(&frame).unwrap();
        assert_eq!(key, FlowKey::from_ethernet(&TCP_TIMESTAMPS).unwrap());
        assert_eq!((key.src_port, key.dst_port), (179, 42741));
    }

    #[test]
    fn port_unreachable_is_the_quoted_flow_reversed() {
        let udp = FlowKey::from_ethernet(&AFS_UDP).unwrap();
        let error = FlowKey::from_ethernet(&AFS_PORT_UNREACHABLE).unwrap();
        assert_eq!(error, udp.reversed());
        assert_eq!(error.symmetric_hash(7), udp.symmetric_hash(7));
        // The walk's own layers give the same key (a capture walk: the
        // frame was cut short by the capture, which a strict walk refuses).
        assert_eq!(
            FlowKey::from_layers(
                &AFS_PORT_UNREACHABLE,
                &Layers::from_ethernet(&AFS_PORT_UNREACHABLE)
            ),
            None
        );
        let layers = Layers::from_ethernet_capture(&AFS_PORT_UNREACHABLE);
        assert_eq!(
            FlowKey::from_layers(&AFS_PORT_UNREACHABLE, &layers),
            Some(error)
        );
        // Quoting fewer than the 4 port bytes: addresses and protocol only.
        let short = FlowKey::from_ethernet(&AFS_PORT_UNREACHABLE[..64]).unwrap();
        assert_eq!(
            short,
            FlowKey {
                src_port: 0,
                dst_port: 0,
                ..error
            }
        );
    }

    #[test]
    fn frag_needed_for_a_tcp_flow() {
        let tcp = FlowKey::from_ethernet(&TCP_TIMESTAMPS).unwrap();
        let frame = frag_needed(
            Ipv4Addr::new(192, 0, 2, 254),
            Ipv4Addr::new(1, 0, 2, 1),
            &TCP_TIMESTAMPS[14..],
        );
        let icmp = Icmpv4::new(&frame[34..]).unwrap();
        assert!(icmp.verify_checksum() && icmp.mtu() == 1400);
        let error = FlowKey::from_ethernet(&frame).unwrap();
        assert_eq!(error, tcp.reversed());
        assert_eq!(error.reversed(), tcp);
        assert_eq!(error.hash(0), tcp.reversed().hash(0));
        assert_eq!(error.symmetric_hash(0), tcp.symmetric_hash(0));
        // Time exceeded and redirect quote the same way; echo replies,
        // timestamps and the like do not quote.
        let mut other = frame.clone();
        for (msg_type, quotes) in [
            (11, true),
            (12, true),
            (5, true),
            (4, true),
            (0, false),
            (13, false),
        ] {
            other[34] = msg_type;
            let key = FlowKey::from_ethernet(&other).unwrap();
            if quotes {
                assert_eq!(key, tcp.reversed(), "type {msg_type}");
            } else {
                assert_eq!(key.src, v4(192, 0, 2, 254), "type {msg_type}");
            }
        }
    }

    #[test]
    fn frag_needed_for_a_ping() {
        let (a, b) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
        let echo = icmp(Icmpv4Header::echo_request(0x4242, 1), &[0x61; 1472]);
        let ping = ipv4_frame(a, b, IpProtocol::ICMP, 0x4000, &echo);
        let key = FlowKey::from_ethernet(&ping).unwrap();
        assert_eq!((key.src_port, key.dst_port), (0x4242, 0x4242));
        let error = frag_needed(Ipv4Addr::new(192, 0, 2, 254), a, &ping[14..]);
        assert_eq!(FlowKey::from_ethernet(&error), Some(key.reversed()));
        // The reply travels like the error, and hashes with it.
        let reply = ipv4_frame(
            b,
            a,
            IpProtocol::ICMP,
            0,
            &icmp(Icmpv4Header::echo_reply(0x4242, 1), &[0x61; 8]),
        );
        assert_eq!(
            FlowKey::from_ethernet(&reply),
            FlowKey::from_ethernet(&error)
        );
    }

    #[test]
    fn fragments_of_one_datagram_share_a_key() {
        let (a, b) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
        // A 3000-byte ping without DF, in two fragments: the first has the
        // echo header (and so an identifier), the second does not.
        let echo = icmp(Icmpv4Header::echo_request(0x4242, 1), &[0x61; 2992]);
        let first = ipv4_frame(a, b, IpProtocol::ICMP, 0x2000, &echo[..1480]);
        let second = ipv4_frame(a, b, IpProtocol::ICMP, 185, &echo[1480..]);
        let k1 = FlowKey::from_ethernet(&first).unwrap();
        let k2 = FlowKey::from_ethernet(&second).unwrap();
        assert_eq!(k1, k2);
        assert_eq!((k1.src_port, k1.dst_port), (0, 0));
        // Likewise for UDP.
        let udp = [0x30, 0x39, 0x00, 0x35, 0x05, 0xC8, 0, 0];
        let first = ipv4_frame(a, b, IpProtocol::UDP, 0x2000, &udp);
        let second = ipv4_frame(a, b, IpProtocol::UDP, 1, &[0; 8]);
        assert_eq!(
            FlowKey::from_ethernet(&first),
            FlowKey::from_ethernet(&second)
        );
        // A first fragment that looks like an ICMP error is not looked into.
        let error = frag_needed(b, a, &first[14..]);
        let mut fragmented = error.clone();
        fragmented[14 + 6] = 0x20; // MF
        let key = FlowKey::from_ethernet(&fragmented).unwrap();
        assert_eq!((key.src, key.protocol), (v4(10, 0, 0, 2), IpProtocol::ICMP));
    }

    #[test]
    fn icmp_error_with_an_unreadable_quote_keys_on_the_error_itself() {
        let (a, b) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
        let msg = icmp(
            Icmpv4Header {
                msg_type: Icmpv4Type::DEST_UNREACHABLE,
                code: icmpv4::Icmpv4Code::HOST_UNREACHABLE,
                rest_of_header: 0,
            },
            &[0xEE; 4],
        );
        let frame = ipv4_frame(b, a, IpProtocol::ICMP, 0, &msg);
        assert_eq!(
            FlowKey::from_ethernet(&frame),
            Some(FlowKey {
                src: v4(10, 0, 0, 2),
                dst: v4(10, 0, 0, 1),
                protocol: IpProtocol::ICMP,
                src_port: 0,
                dst_port: 0,
            })
        );
    }

    #[test]
    fn icmpv6_parameter_problem_quoting_a_fragment() {
        let key = FlowKey::from_ethernet(&ICMPV6_PARAM_PROBLEM).unwrap();
        let ours: Ipv6Addr = "2001:630:42:110:2a0:98ff:fe15:ece7".parse().unwrap();
        let theirs: Ipv6Addr = "2001:630:42:110:ae1f:6bff:fe46:9eda".parse().unwrap();
        assert_eq!(
            key,
            FlowKey {
                src: IpAddr::V6(ours),
                dst: IpAddr::V6(theirs),
                // The quoted datagram's upper layer, after its fragment
                // header; a fragment, so no ports.
                protocol: IpProtocol::IPV6,
                src_port: 0,
                dst_port: 0,
            }
        );
        // Its own key, read as a plain datagram, is the reverse.
        assert_eq!(
            FlowKey::from_ip(&ICMPV6_PARAM_PROBLEM[62..]),
            Some(key.reversed())
        );
    }

    #[test]
    fn icmpv6_echo_and_packet_too_big() {
        let (a, b): (Ipv6Addr, Ipv6Addr) = (
            "2001:db8::1".parse().unwrap(),
            "2001:db8::2".parse().unwrap(),
        );
        let ipv6 = |src: Ipv6Addr, dst: Ipv6Addr, payload: &[u8]| {
            let mut pkt = vec![0x60, 0, 0, 0, 0, 0, 58, 64];
            pkt[4..6].copy_from_slice(&u16::try_from(payload.len()).unwrap().to_be_bytes());
            pkt.extend_from_slice(&src.octets());
            pkt.extend_from_slice(&dst.octets());
            pkt.extend_from_slice(payload);
            pkt
        };
        let echo = ipv6(a, b, &[128, 0, 0, 0, 0x12, 0x34, 0, 1, 0xAA, 0xAA]);
        let key = FlowKey::from_ip(&echo).unwrap();
        assert_eq!(
            (key.protocol, key.src_port, key.dst_port),
            (IpProtocol::ICMPV6, 0x1234, 0x1234)
        );
        let mut too_big = vec![2, 0, 0, 0, 0, 0, 0x05, 0x00];
        too_big.extend_from_slice(&echo);
        let error = ipv6("2001:db8::fe".parse().unwrap(), a, &too_big);
        assert_eq!(FlowKey::from_ip(&error), Some(key.reversed()));
    }

    #[test]
    fn malformed_ipv6_extension_header_still_gives_the_addresses() {
        // Hop-by-hop announced, 4 bytes of it present.
        let mut pkt = vec![0x60, 0, 0, 0, 0, 4, 0, 64];
        let (a, b): (Ipv6Addr, Ipv6Addr) = (
            "2001:db8::1".parse().unwrap(),
            "2001:db8::2".parse().unwrap(),
        );
        pkt.extend_from_slice(&a.octets());
        pkt.extend_from_slice(&b.octets());
        pkt.extend_from_slice(&[17, 0, 1, 0]);
        assert_eq!(
            FlowKey::from_ip(&pkt),
            Some(FlowKey {
                src: IpAddr::V6(a),
                dst: IpAddr::V6(b),
                protocol: IpProtocol::HOP_BY_HOP,
                src_port: 0,
                dst_port: 0,
            })
        );
    }

    #[test]
    fn no_ip_no_key() {
        let mut arp = vec![0xff; 12];
        arp.extend_from_slice(&[0x08, 0x06]);
        arp.extend_from_slice(&[0; 28]);
        assert_eq!(FlowKey::from_ethernet(&arp), None);
        assert_eq!(FlowKey::from_ethernet(&[]), None);
        assert_eq!(FlowKey::from_ip(&[]), None);
        assert_eq!(FlowKey::from_ethernet(&TCP_TIMESTAMPS[..33]), None);
    }

    #[test]
    fn hash_known_answers() {
        // The hash is specified (FNV-1a, seed mix, murmur3 finish), the same
        // on every platform: these values pin it.
        let key = FlowKey::from_ethernet(&TCP_TIMESTAMPS).unwrap();
        assert_eq!(key.hash(0), HASH_0);
        assert_eq!(key.hash(1), HASH_1);
        assert_ne!(key.hash(0), key.reversed().hash(0));
        let sym = key.symmetric_hash(0);
        assert!(sym == key.hash(0) || sym == key.reversed().hash(0));
    }

    fn any_key() -> impl Strategy<Value = FlowKey> {
        let addr = prop_oneof![
            any::<[u8; 4]>().prop_map(|a| IpAddr::V4(Ipv4Addr::from(a))),
            any::<[u8; 16]>().prop_map(|a| IpAddr::V6(Ipv6Addr::from(a))),
        ];
        (addr.clone(), addr, any::<u8>(), any::<u16>(), any::<u16>()).prop_map(
            |(src, dst, protocol, src_port, dst_port)| FlowKey {
                src,
                dst,
                protocol: IpProtocol(protocol),
                src_port,
                dst_port,
            },
        )
    }

    proptest! {
        #[test]
        fn symmetric_hash_is_symmetric(key in any_key(), seed in any::<u32>()) {
            prop_assert_eq!(key.symmetric_hash(seed), key.reversed().symmetric_hash(seed));
            prop_assert_eq!(key.reversed().reversed(), key);
            // It is one of the two directed hashes.
            let sym = key.symmetric_hash(seed);
            prop_assert!(sym == key.hash(seed) || sym == key.reversed().hash(seed));
        }

        #[test]
        fn keys_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..120), ip in any::<bool>()) {
            let mut frame = if ip { Vec::new() } else { TCP_TIMESTAMPS[..14].to_vec() };
            frame.extend_from_slice(&bytes);
            let _ = FlowKey::from_ethernet(&frame);
            let _ = FlowKey::from_ip(&bytes);
        }
    }
}
