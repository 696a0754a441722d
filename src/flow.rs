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
use crate::ipv6_ext::{ExtHeaders, Ipv6ExtKind};
use crate::walk::Layers;

/// A 5-tuple: source and destination address, protocol, and ports (TCP,
/// UDP, SCTP; the echo identifier for ICMP echo; 0 otherwise).
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
    /// The key of an Ethernet frame's outermost IP datagram (see the
    /// [module docs](self) for ICMP errors and fragments), or `None` when
    /// the frame holds no IP header.
    pub fn from_ethernet(frame: &[u8]) -> Option<FlowKey> {
        Self::from_layers(frame, &Layers::from_ethernet(frame))
    }

    /// The key of a bare IPv4 or IPv6 packet.
    pub fn from_ip(packet: &[u8]) -> Option<FlowKey> {
        Self::from_layers(packet, &Layers::from_ip(packet))
    }

    /// The key of the outermost IP datagram of an already walked buffer.
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
            let upper = ip.get(v4.header_len()..usize::from(v4.total_len()).min(ip.len()))?;
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
            let mut fragment = false;
            for ext in &mut exts {
                fragment |= ext.ok()?.kind == Ipv6ExtKind::Fragment;
            }
            let (protocol, offset) = exts.upper_layer();
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
