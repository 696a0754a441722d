//! Masquerade: source NAT of IPv4 TCP, UDP and ICMP echo leaving one
//! interface, with a connection table, and the translation back of what
//! returns, ICMP errors included ([RFC 3022 section 4.3], [RFC 5508
//! section 4.2]): the datagram quoted in an error names the translated
//! address and port, and the inside host only matches the error to its
//! socket when the quote is translated back exactly.
//!
//! Every checksum is updated incrementally with the crate's views and
//! [`Delta`]s (the quoted TCP/UDP checksum too, although the quote is cut
//! short); only the outer ICMP checksum of a translated error is computed
//! again over the message (at most 576 octets).
//!
//! The table is allocated at start-up and never grows; mappings do not
//! expire (an example's simplification). Fragments are not translated
//! (they are dropped): their ports are in the first fragment only.
//!
//! [RFC 3022 section 4.3]: https://www.rfc-editor.org/rfc/rfc3022#section-4.3
//! [RFC 5508 section 4.2]: https://www.rfc-editor.org/rfc/rfc5508#section-4.2

use std::collections::HashMap;
use std::sync::Mutex;

use core::net::Ipv4Addr;
use wireview::packet::Packet;
use wireview::walk::{LayerKind, Which};
use wireview::{Icmpv4Mut, Icmpv4Type, IpProtocol, Ipv4, Ipv4Mut, TcpMut, UdpMut};

/// Outside ports (and ICMP identifiers) handed out, from here up.
const FIRST_PORT: u16 = 20000;
/// The most mappings the table holds.
const CAPACITY: usize = 16384;

/// The kinds of mapping: one port space each.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Tcp = 0,
    Udp = 1,
    Echo = 2,
}

impl Kind {
    fn of(protocol: IpProtocol) -> Option<Kind> {
        match protocol {
            IpProtocol::TCP => Some(Kind::Tcp),
            IpProtocol::UDP => Some(Kind::Udp),
            IpProtocol::ICMP => Some(Kind::Echo),
            _ => None,
        }
    }
}

struct Table {
    forward: HashMap<(Kind, Ipv4Addr, u16), u16>,
    reverse: Vec<Option<(Ipv4Addr, u16)>>,
    next: [u16; 3],
}

/// What [`Nat::inbound`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Inbound {
    /// Translated back: forward it.
    Translated,
    /// An ICMP error whose quoted datagram was translated back.
    TranslatedError,
    /// No mapping: the datagram is for the router itself.
    NotMapped,
}

/// The masquerade of one interface.
pub struct Nat {
    /// The interface whose leaving traffic is translated.
    pub iface: usize,
    /// The address it is translated to (the router's on that interface).
    pub addr: Ipv4Addr,
    table: Mutex<Table>,
}

impl Nat {
    pub fn new(iface: usize, addr: Ipv4Addr) -> Self {
        Nat {
            iface,
            addr,
            table: Mutex::new(Table {
                forward: HashMap::with_capacity(CAPACITY),
                reverse: vec![None; 3 * 65536],
                next: [FIRST_PORT; 3],
            }),
        }
    }

    /// The outside port for `(kind, inside, port)`, made if new.
    fn map(&self, kind: Kind, inside: Ipv4Addr, port: u16) -> Option<u16> {
        let mut t = self.table.lock().unwrap();
        if let Some(&p) = t.forward.get(&(kind, inside, port)) {
            return Some(p);
        }
        if t.forward.len() >= CAPACITY {
            return None;
        }
        // The next free port of this kind (the table is far from full).
        let base = kind as usize * 65536;
        let mut p = t.next[kind as usize];
        while t.reverse[base + usize::from(p)].is_some() {
            p = if p == u16::MAX { FIRST_PORT } else { p + 1 };
        }
        t.next[kind as usize] = if p == u16::MAX { FIRST_PORT } else { p + 1 };
        t.reverse[base + usize::from(p)] = Some((inside, port));
        t.forward.insert((kind, inside, port), p);
        Some(p)
    }

    fn unmap(&self, kind: Kind, port: u16) -> Option<(Ipv4Addr, u16)> {
        let t = self.table.lock().unwrap();
        t.reverse[kind as usize * 65536 + usize::from(port)]
    }

    /// Translates the source of `datagram` (a whole, checked IPv4 datagram)
    /// leaving the interface. Returns false when it must be dropped.
    pub fn outbound(&self, datagram: &mut [u8]) -> bool {
        let Ok(mut ip) = Ipv4Mut::new(datagram) else {
            return false;
        };
        if ip.is_fragment() {
            return false;
        }
        let inside = ip.src();
        let kind = Kind::of(ip.protocol());
        let port = match kind {
            Some(Kind::Tcp | Kind::Udp) => ip
                .payload()
                .get(..2)
                .map(|p| u16::from_be_bytes([p[0], p[1]])),
            // Echo requests map their identifier; other ICMP keeps it.
            Some(Kind::Echo) if ip.payload().first() == Some(&Icmpv4Type::ECHO_REQUEST.0) => ip
                .payload()
                .get(4..6)
                .map(|p| u16::from_be_bytes([p[0], p[1]])),
            _ => None,
        };
        let outside = match (kind, port) {
            (Some(kind), Some(port)) => match self.map(kind, inside, port) {
                Some(p) => Some(p),
                None => return false,
            },
            _ => None,
        };
        let pseudo = ip.set_src(self.addr);
        let Some(outside) = outside else {
            // Address only (other protocols, ICMP other than echo): no
            // pseudo-header to follow for ICMP; others are left as they are.
            return true;
        };
        match kind {
            Some(Kind::Tcp) => match TcpMut::new(ip.payload_mut()) {
                Ok(mut tcp) => {
                    tcp.set_src_port(outside);
                    tcp.apply_delta(pseudo);
                }
                Err(_) => return false,
            },
            Some(Kind::Udp) => match UdpMut::new(ip.payload_mut()) {
                Ok(mut udp) => {
                    udp.set_src_port(outside);
                    udp.apply_delta(pseudo);
                }
                Err(_) => return false,
            },
            _ => match Icmpv4Mut::new(ip.payload_mut()) {
                Ok(mut icmp) => icmp.set_identifier(outside),
                Err(_) => return false,
            },
        }
        true
    }

    /// Translates back `datagram` (a whole, checked IPv4 datagram sent to
    /// [`addr`](Self::addr)).
    pub fn inbound(&self, datagram: &mut [u8]) -> Inbound {
        let Ok(mut ip) = Ipv4Mut::new(datagram) else {
            return Inbound::NotMapped;
        };
        if ip.is_fragment() {
            return Inbound::NotMapped;
        }
        let protocol = ip.protocol();
        let payload = ip.payload();
        let icmp_type = (protocol == IpProtocol::ICMP)
            .then(|| payload.first().copied())
            .flatten();
        if icmp_type.is_some_and(|t| Icmpv4Type(t).is_error()) {
            return self.inbound_error(datagram);
        }
        let (kind, port) = match (Kind::of(protocol), icmp_type) {
            (Some(Kind::Echo), Some(t)) if t == Icmpv4Type::ECHO_REPLY.0 => {
                (Kind::Echo, payload.get(4..6))
            }
            (Some(Kind::Echo) | None, _) => return Inbound::NotMapped,
            (Some(kind), _) => (kind, payload.get(2..4)),
        };
        let Some(port) = port.map(|p| u16::from_be_bytes([p[0], p[1]])) else {
            return Inbound::NotMapped;
        };
        let Some((inside, inside_port)) = self.unmap(kind, port) else {
            return Inbound::NotMapped;
        };
        let pseudo = ip.set_dst(inside);
        match kind {
            Kind::Tcp => {
                if let Ok(mut tcp) = TcpMut::new(ip.payload_mut()) {
                    tcp.set_dst_port(inside_port);
                    tcp.apply_delta(pseudo);
                }
            }
            Kind::Udp => {
                if let Ok(mut udp) = UdpMut::new(ip.payload_mut()) {
                    udp.set_dst_port(inside_port);
                    udp.apply_delta(pseudo);
                }
            }
            Kind::Echo => {
                if let Ok(mut icmp) = Icmpv4Mut::new(ip.payload_mut()) {
                    icmp.set_identifier(inside_port);
                }
            }
        }
        Inbound::Translated
    }

    /// An ICMP error to our address quoting a datagram we translated: the
    /// quoted source (address, port or identifier) goes back to the inside
    /// host's and the error to the inside host, through
    /// [`Packet`](wireview::packet::Packet): the quoted IPv4 header
    /// checksum, the quoted TCP/UDP checksum (when the quote holds it;
    /// incrementally, although the quote is cut short) and the ICMP
    /// checksum all follow (RFC 5508 section 4.2).
    fn inbound_error(&self, datagram: &mut [u8]) -> Inbound {
        let Ok(mut pkt) = Packet::from_ip(datagram) else {
            return Inbound::NotMapped;
        };
        let layers = pkt.layers();
        let (Some(qip), Some(l4)) = (
            layers.find_quoted(LayerKind::Ipv4, Which::Outermost),
            layers.find_quoted_by(
                |k| matches!(k, LayerKind::Tcp | LayerKind::Udp | LayerKind::Icmpv4),
                Which::Outermost,
            ),
        ) else {
            return Inbound::NotMapped;
        };
        let (Some(ql), Some(l)) = (layers.get(qip), layers.get(l4)) else {
            return Inbound::NotMapped;
        };
        let Ok(q) = Ipv4::new_truncated(&pkt.as_bytes()[ql.range()]) else {
            return Inbound::NotMapped;
        };
        if q.src() != self.addr || q.is_fragment() {
            return Inbound::NotMapped;
        }
        // Where the quoted port (or echo identifier) is, from the quoted
        // L4 header's start.
        let (kind, port_at) = match l.kind {
            LayerKind::Tcp => (Kind::Tcp, 0),
            LayerKind::Udp => (Kind::Udp, 0),
            _ => (Kind::Echo, 4),
        };
        let Some(old_port) = pkt
            .as_bytes()
            .get(l.start + port_at..l.start + port_at + 2)
            .map(|p| u16::from_be_bytes([p[0], p[1]]))
        else {
            return Inbound::NotMapped;
        };
        let Some((inside, inside_port)) = self.unmap(kind, old_port) else {
            return Inbound::NotMapped;
        };
        let translated = pkt
            .set_ipv4_src(qip, inside)
            .and_then(|()| match kind {
                Kind::Echo => pkt.write(l.start + port_at, &inside_port.to_be_bytes()),
                _ => pkt.set_src_port(l4, inside_port),
            })
            .and_then(|()| pkt.set_ipv4_dst(0, inside));
        match translated {
            Ok(()) => Inbound::TranslatedError,
            Err(_) => Inbound::NotMapped,
        }
    }
}
