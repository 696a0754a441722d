//! The rule of `wireview::packet`: after any sequence of rewrites, every
//! checksum in the packet equals what a from-scratch recomputation gives,
//! byte for byte.
//!
//! A model of a random packet stack (Ethernet, 0-2 VLAN tags, optional
//! unencrypted MACsec, IPv4 with options or IPv6 with extension headers,
//! optionally a VXLAN, GRE (random C/K/S, IP or Ethernet inside) or IP-in-IP
//! tunnel, UDP/TCP/ICMP inside) is serialised by a builder written here from
//! the RFCs, with its own plain checksum loop; it shares no code with the
//! crate. Each rewrite is applied twice: to the bytes through
//! `Packet`'s incremental setters, and to the model, which is serialised
//! again from scratch. The two byte vectors must be equal.

// The model builder narrows random words to field widths on purpose, and
// serialises each protocol in one place even when that is long.
#![allow(clippy::cast_possible_truncation, clippy::too_many_lines)]

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use wireview::packet::Packet;
use wireview::walk::{LayerKind, Which};
use wireview::{Dscp, Ecn, Vid, Vni};

// ---------------------------------------------------------------- reference

/// The plain RFC 1071 sum, one 16-bit word at a time.
fn sum16(data: &[u8]) -> u32 {
    let mut sum: u32 = 0;
    for chunk in data.chunks(2) {
        let word = u16::from_be_bytes([chunk[0], *chunk.get(1).unwrap_or(&0)]);
        sum += u32::from(word);
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    sum
}

fn fold_not(mut sum: u32) -> u16 {
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

/// A random source for building models, seeded by proptest.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bool(&mut self) -> bool {
        self.next() & 1 == 1
    }
    fn ipv6(&mut self) -> Ipv6Addr {
        Ipv6Addr::from(u128::from(self.next()) << 64 | u128::from(self.next()))
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[derive(Debug, Clone)]
enum Ip {
    V4 {
        tos: u8,
        ident: u16,
        flags: u8, // DF 0x40, MF 0x20
        /// Fragment offset in 8-byte units: not 0 for a later fragment,
        /// whose data follows as an `Inner::Raw`.
        offset: u16,
        ttl: u8,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        options: Vec<u8>,
    },
    V6 {
        tc: u8,
        flow: u32,
        hop: u8,
        src: Ipv6Addr,
        dst: Ipv6Addr,
        exts: Vec<Ext>,
    },
}

#[derive(Debug, Clone)]
enum Ext {
    HopByHop(Vec<u8>),
    Dest(Vec<u8>),
    Routing {
        segments_left: u8,
        addr: Ipv6Addr,
    },
    /// `offset` in 8-byte units: not 0 for a later fragment, whose data
    /// follows as an `Inner::Raw`.
    Fragment {
        offset: u16,
        more: bool,
        ident: u32,
    },
    Auth {
        spi: u32,
        icv: Vec<u8>,
    },
}

#[derive(Debug, Clone)]
enum L4 {
    Udp {
        src: u16,
        dst: u16,
        zero: bool,
    },
    Tcp {
        src: u16,
        dst: u16,
        seq: u32,
        flags: u8,
    },
    Icmp {
        /// An echo reply (type 0 / 129) rather than a request: with
        /// identifier, sequence number and data all 0, an all-zero ICMPv4
        /// message, whose checksum is 0xFFFF.
        reply: bool,
        ident: u16,
        seq: u16,
    },
}

#[derive(Debug, Clone)]
enum Inner {
    /// A transport header and payload.
    L4(L4, Vec<u8>),
    /// VXLAN over UDP: the inner frame.
    Vxlan {
        src_port: u16,
        zero: bool,
        vni: u32,
        frame: Box<Frame>,
    },
    /// GRE with optional checksum, key and sequence number.
    Gre {
        c: bool,
        key: Option<u32>,
        seq: Option<u32>,
        inner: GreInner,
    },
    /// IP in IP (IPIP, SIT, IPv6-in-IPv6, IPv4-in-IPv6).
    IpInIp(Box<Datagram>),
    /// The data of a later fragment (protocol, bytes): not a header.
    Raw(u8, Vec<u8>),
}

#[derive(Debug, Clone)]
enum GreInner {
    Ip(Box<Datagram>),
    Ethernet(Box<Frame>),
}

#[derive(Debug, Clone)]
struct Datagram {
    ip: Ip,
    inner: Inner,
}

#[derive(Debug, Clone)]
struct Frame {
    dst: [u8; 6],
    src: [u8; 6],
    /// (TPID, TCI) pairs, outermost first.
    vlans: Vec<(u16, u16)>,
    /// SCI present, packet number, ICV.
    macsec: Option<(bool, u32, Vec<u8>)>,
    datagram: Datagram,
}

// ---------------------------------------------------------------- builder

fn proto_of(inner: &Inner, v6: bool) -> u8 {
    match inner {
        Inner::L4(L4::Udp { .. }, _) | Inner::Vxlan { .. } => 17,
        Inner::L4(L4::Tcp { .. }, _) => 6,
        Inner::L4(L4::Icmp { .. }, _) => {
            if v6 {
                58
            } else {
                1
            }
        }
        Inner::Gre { .. } => 47,
        Inner::IpInIp(d) => match d.ip {
            Ip::V4 { .. } => 4,
            Ip::V6 { .. } => 41,
        },
        Inner::Raw(proto, _) => *proto,
    }
}

/// The pseudo-header sum of a transport payload of `len` bytes.
fn pseudo(ip: &Ip, proto: u8, len: usize) -> u32 {
    let mut b = Vec::new();
    match ip {
        Ip::V4 { src, dst, .. } => {
            b.extend_from_slice(&src.octets());
            b.extend_from_slice(&dst.octets());
            b.extend_from_slice(&[0, proto]);
            b.extend_from_slice(&(len as u16).to_be_bytes());
        }
        Ip::V6 { src, dst, exts, .. } => {
            // RFC 8200 8.1: the final destination, from a routing header
            // with segments left.
            let final_dst = exts
                .iter()
                .find_map(|e| match e {
                    Ext::Routing {
                        segments_left,
                        addr,
                    } if *segments_left > 0 => Some(*addr),
                    _ => None,
                })
                .unwrap_or(*dst);
            b.extend_from_slice(&src.octets());
            b.extend_from_slice(&final_dst.octets());
            b.extend_from_slice(&(len as u32).to_be_bytes());
            b.extend_from_slice(&[0, 0, 0, proto]);
        }
    }
    sum16(&b)
}

fn checksum_with(pseudo: u32, data: &[u8]) -> u16 {
    fold_not(pseudo + sum16(data))
}

/// Serialises the payload of `ip` (everything after its extension headers).
fn build_inner(ip: &Ip, inner: &Inner) -> Vec<u8> {
    let v6 = matches!(ip, Ip::V6 { .. });
    match inner {
        Inner::Raw(_, data) => data.clone(),
        Inner::L4(l4, payload) => {
            let mut b = Vec::new();
            let csum_at;
            let mut udp_zero = false;
            match *l4 {
                L4::Udp { src, dst, zero } => {
                    b.extend_from_slice(&src.to_be_bytes());
                    b.extend_from_slice(&dst.to_be_bytes());
                    b.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
                    b.extend_from_slice(&[0, 0]);
                    csum_at = 6;
                    udp_zero = zero;
                }
                L4::Tcp {
                    src,
                    dst,
                    seq,
                    flags,
                } => {
                    b.extend_from_slice(&src.to_be_bytes());
                    b.extend_from_slice(&dst.to_be_bytes());
                    b.extend_from_slice(&seq.to_be_bytes());
                    b.extend_from_slice(&0x1234_5678u32.to_be_bytes());
                    b.extend_from_slice(&[0x50, flags, 0xFF, 0xFF, 0, 0, 0, 0]);
                    csum_at = 16;
                }
                L4::Icmp { reply, ident, seq } => {
                    let kind = match (v6, reply) {
                        (false, false) => 8,
                        (false, true) => 0,
                        (true, false) => 128,
                        (true, true) => 129,
                    };
                    b.extend_from_slice(&[kind, 0, 0, 0]);
                    b.extend_from_slice(&ident.to_be_bytes());
                    b.extend_from_slice(&seq.to_be_bytes());
                    csum_at = 2;
                }
            }
            b.extend_from_slice(payload);
            let proto = proto_of(inner, v6);
            let ph = if proto == 1 {
                0
            } else {
                pseudo(ip, proto, b.len())
            };
            let mut c = checksum_with(ph, &b);
            if proto == 17 {
                if udp_zero {
                    c = 0;
                } else if c == 0 {
                    c = 0xFFFF;
                }
            }
            b[csum_at..csum_at + 2].copy_from_slice(&c.to_be_bytes());
            b
        }
        Inner::Vxlan {
            src_port,
            zero,
            vni,
            frame,
        } => {
            let inner = build_frame(frame);
            let mut b = Vec::new();
            b.extend_from_slice(&src_port.to_be_bytes());
            b.extend_from_slice(&4789u16.to_be_bytes());
            b.extend_from_slice(&((16 + inner.len()) as u16).to_be_bytes());
            b.extend_from_slice(&[0, 0, 0x08, 0, 0, 0]);
            b.extend_from_slice(&(vni << 8).to_be_bytes());
            b.extend_from_slice(&inner);
            if !zero {
                let mut c = checksum_with(pseudo(ip, 17, b.len()), &b);
                if c == 0 {
                    c = 0xFFFF;
                }
                b[6..8].copy_from_slice(&c.to_be_bytes());
            }
            b
        }
        Inner::Gre { c, key, seq, inner } => {
            let (ptype, body) = match inner {
                GreInner::Ip(d) => {
                    let p = if matches!(d.ip, Ip::V4 { .. }) {
                        0x0800
                    } else {
                        0x86DD
                    };
                    (p, build_datagram(d))
                }
                GreInner::Ethernet(f) => (0x6558u16, build_frame(f)),
            };
            let flags = u16::from(*c) << 15
                | u16::from(key.is_some()) << 13
                | u16::from(seq.is_some()) << 12;
            let mut b = Vec::new();
            b.extend_from_slice(&flags.to_be_bytes());
            b.extend_from_slice(&ptype.to_be_bytes());
            if *c {
                b.extend_from_slice(&[0, 0, 0, 0]);
            }
            if let Some(k) = key {
                b.extend_from_slice(&k.to_be_bytes());
            }
            if let Some(s) = seq {
                b.extend_from_slice(&s.to_be_bytes());
            }
            b.extend_from_slice(&body);
            if *c {
                let cs = checksum_with(0, &b);
                b[4..6].copy_from_slice(&cs.to_be_bytes());
            }
            b
        }
        Inner::IpInIp(d) => build_datagram(d),
    }
}

fn build_ext(ext: &Ext, next: u8) -> (u8, Vec<u8>) {
    let mut b = vec![next];
    let kind = match ext {
        Ext::HopByHop(opts) | Ext::Dest(opts) => {
            // opts is a multiple of 8 minus 2 bytes of PadN-formed options.
            b.push(((opts.len() + 2) / 8 - 1) as u8);
            b.extend_from_slice(opts);
            if matches!(ext, Ext::HopByHop(_)) {
                0
            } else {
                60
            }
        }
        Ext::Routing {
            segments_left,
            addr,
        } => {
            // Type 0 with one address: 24 bytes.
            b.extend_from_slice(&[2, 0, *segments_left, 0, 0, 0, 0]);
            b.extend_from_slice(&addr.octets());
            43
        }
        Ext::Fragment {
            offset,
            more,
            ident,
        } => {
            b.push(0);
            b.extend_from_slice(&((offset << 3) | u16::from(*more)).to_be_bytes());
            b.extend_from_slice(&ident.to_be_bytes());
            44
        }
        Ext::Auth { spi, icv } => {
            // Payload Len in 32-bit words minus 2 (RFC 4302).
            b.push(((12 + icv.len()) / 4 - 2) as u8);
            b.extend_from_slice(&[0, 0]);
            b.extend_from_slice(&spi.to_be_bytes());
            b.extend_from_slice(&7u32.to_be_bytes());
            b.extend_from_slice(icv);
            51
        }
    };
    (kind, b)
}

fn build_datagram(d: &Datagram) -> Vec<u8> {
    let v6 = matches!(d.ip, Ip::V6 { .. });
    let body = build_inner(&d.ip, &d.inner);
    let proto = proto_of(&d.inner, v6);
    match &d.ip {
        Ip::V4 {
            tos,
            ident,
            flags,
            offset,
            ttl,
            src,
            dst,
            options,
        } => {
            let hl = 20 + options.len();
            let mut b = vec![0x40 | (hl / 4) as u8, *tos];
            b.extend_from_slice(&((hl + body.len()) as u16).to_be_bytes());
            b.extend_from_slice(&ident.to_be_bytes());
            let ff = (u16::from(*flags) << 8) | offset;
            b.extend_from_slice(&ff.to_be_bytes());
            b.extend_from_slice(&[*ttl, proto, 0, 0]);
            b.extend_from_slice(&src.octets());
            b.extend_from_slice(&dst.octets());
            b.extend_from_slice(options);
            let c = checksum_with(0, &b);
            b[10..12].copy_from_slice(&c.to_be_bytes());
            b.extend_from_slice(&body);
            b
        }
        Ip::V6 {
            tc,
            flow,
            hop,
            src,
            dst,
            exts,
        } => {
            // Extension headers, built back to front to know each next header.
            let mut chain = Vec::new();
            let mut next = proto;
            for e in exts.iter().rev() {
                let (kind, bytes) = build_ext(e, next);
                chain.splice(0..0, bytes);
                next = kind;
            }
            let word = 6u32 << 28 | u32::from(*tc) << 20 | flow;
            let mut b = word.to_be_bytes().to_vec();
            b.extend_from_slice(&((chain.len() + body.len()) as u16).to_be_bytes());
            b.extend_from_slice(&[next, *hop]);
            b.extend_from_slice(&src.octets());
            b.extend_from_slice(&dst.octets());
            b.extend_from_slice(&chain);
            b.extend_from_slice(&body);
            b
        }
    }
}

fn build_frame(f: &Frame) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&f.dst);
    b.extend_from_slice(&f.src);
    for (tpid, tci) in &f.vlans {
        b.extend_from_slice(&tpid.to_be_bytes());
        b.extend_from_slice(&tci.to_be_bytes());
    }
    let ip = build_datagram(&f.datagram);
    let ethertype: u16 = if matches!(f.datagram.ip, Ip::V4 { .. }) {
        0x0800
    } else {
        0x86DD
    };
    match &f.macsec {
        None => {
            b.extend_from_slice(&ethertype.to_be_bytes());
            b.extend_from_slice(&ip);
        }
        Some((sc, pn, icv)) => {
            b.extend_from_slice(&0x88E5u16.to_be_bytes());
            let secure = 2 + ip.len();
            let sl = if secure < 48 { secure as u8 } else { 0 };
            b.push(if *sc { 0x20 } else { 0 } | 1);
            b.push(sl);
            b.extend_from_slice(&pn.to_be_bytes());
            if *sc {
                b.extend_from_slice(&[2, 0, 0, 0, 0, 9, 0, 1]);
            }
            b.extend_from_slice(&ethertype.to_be_bytes());
            b.extend_from_slice(&ip);
            b.extend_from_slice(icv);
        }
    }
    b
}

// ---------------------------------------------------------------- models

fn gen_ip(r: &mut Rng, v6: bool) -> Ip {
    if v6 {
        let mut exts = Vec::new();
        if r.bool() {
            exts.push(Ext::HopByHop(padn(r)));
        }
        for _ in 0..r.below(3) {
            exts.push(match r.below(4) {
                0 => Ext::Dest(padn(r)),
                1 => Ext::Routing {
                    segments_left: r.below(2) as u8,
                    addr: r.ipv6(),
                },
                2 => Ext::Fragment {
                    offset: 0,
                    more: r.bool(),
                    ident: r.next() as u32,
                },
                _ => {
                    let icv_words = 1 + r.below(4) as usize;
                    Ext::Auth {
                        spi: r.next() as u32,
                        icv: r.bytes(4 * icv_words),
                    }
                }
            });
        }
        Ip::V6 {
            tc: r.next() as u8,
            flow: r.next() as u32 & 0xF_FFFF,
            hop: r.next() as u8,
            src: r.ipv6(),
            dst: r.ipv6(),
            exts,
        }
    } else {
        let words = r.below(11) as usize;
        // NOP options ending with End of Option List: always well-formed.
        let mut options = vec![1u8; words * 4];
        if let Some(last) = options.last_mut() {
            *last = 0;
        }
        Ip::V4 {
            tos: r.next() as u8,
            ident: r.next() as u16,
            flags: [0, 0x40, 0x20][r.below(3) as usize],
            offset: 0,
            ttl: r.next() as u8,
            src: Ipv4Addr::from(r.next() as u32),
            dst: Ipv4Addr::from(r.next() as u32),
            options,
        }
    }
}

/// Options of 6, 14 or 22 bytes: one PadN option holding random bytes.
fn padn(r: &mut Rng) -> Vec<u8> {
    let len = 6 + 8 * r.below(3) as usize;
    let mut o = vec![1, (len - 2) as u8];
    o.extend(r.bytes(len - 2));
    o
}

fn gen_l4(r: &mut Rng) -> Inner {
    let l4 = match r.below(3) {
        0 => L4::Udp {
            src: r.next() as u16,
            dst: 1000 + r.below(1000) as u16,
            zero: r.below(4) == 0,
        },
        1 => L4::Tcp {
            src: r.next() as u16,
            dst: r.next() as u16,
            seq: r.next() as u32,
            flags: r.next() as u8,
        },
        _ if r.below(3) == 0 => {
            // An echo reply that is all zero, or nearly: payload writes
            // take it to all zero and back.
            let n = r.below(6) as usize;
            let mut data = vec![0; n];
            if n > 0 && r.bool() {
                data[r.below(n as u64) as usize] = r.next() as u8 | 1;
            }
            return Inner::L4(
                L4::Icmp {
                    reply: true,
                    ident: 0,
                    seq: 0,
                },
                data,
            );
        }
        _ => L4::Icmp {
            reply: r.bool(),
            ident: r.next() as u16,
            seq: r.next() as u16,
        },
    };
    let n = r.below(64) as usize;
    Inner::L4(l4, r.bytes(n))
}

fn gen_datagram(r: &mut Rng, depth: u32) -> Datagram {
    let v6 = r.bool();
    let mut ip = gen_ip(r, v6);
    if r.below(6) == 0 {
        // A later fragment: the walk stops at its IP or fragment header.
        let offset = 1 + r.below(0x1FFE) as u16;
        match &mut ip {
            Ip::V4 {
                offset: o, flags, ..
            } => {
                *o = offset;
                *flags &= 0x20;
            }
            Ip::V6 { exts, .. } => exts.push(Ext::Fragment {
                offset,
                more: r.bool(),
                ident: r.next() as u32,
            }),
        }
        let proto = [6, 17, 58, 60][r.below(4) as usize];
        let n = 1 + r.below(40) as usize;
        return Datagram {
            ip,
            inner: Inner::Raw(proto, r.bytes(n)),
        };
    }
    let inner = if depth == 0 {
        gen_l4(r)
    } else {
        match r.below(5) {
            0 | 1 => gen_l4(r),
            2 => Inner::Vxlan {
                src_port: r.next() as u16,
                zero: r.below(3) == 0,
                vni: r.next() as u32 & 0xFF_FFFF,
                frame: Box::new(gen_frame(r, depth - 1, false)),
            },
            3 => Inner::Gre {
                c: r.bool(),
                key: r.bool().then(|| r.next() as u32),
                seq: r.bool().then(|| r.next() as u32),
                inner: if r.bool() {
                    GreInner::Ip(Box::new(gen_datagram(r, depth - 1)))
                } else {
                    GreInner::Ethernet(Box::new(gen_frame(r, depth - 1, false)))
                },
            },
            _ => Inner::IpInIp(Box::new(gen_datagram(r, depth - 1))),
        }
    };
    Datagram { ip, inner }
}

/// An ICMPv4 message inside a fragment (MF set here or in a datagram
/// around it) is not whole in the packet: whether the whole message is
/// all zero cannot be known, so `Packet` keeps the checksum as RFC 1624
/// gives it, and the model must not build one that could be all zero.
fn no_zero_icmp_in_fragments(d: &mut Datagram, fragmented: bool) {
    let fragmented = fragmented
        || match &d.ip {
            Ip::V4 { flags, .. } => flags & 0x20 != 0,
            Ip::V6 { exts, .. } => exts
                .iter()
                .any(|e| matches!(e, Ext::Fragment { more: true, .. })),
        };
    match &mut d.inner {
        Inner::L4(L4::Icmp { reply, .. }, _) if fragmented => *reply = false,
        Inner::Vxlan { frame, .. }
        | Inner::Gre {
            inner: GreInner::Ethernet(frame),
            ..
        } => no_zero_icmp_in_fragments(&mut frame.datagram, fragmented),
        Inner::Gre {
            inner: GreInner::Ip(x),
            ..
        }
        | Inner::IpInIp(x) => no_zero_icmp_in_fragments(x, fragmented),
        _ => {}
    }
}

fn gen_frame(r: &mut Rng, depth: u32, macsec: bool) -> Frame {
    let vlans = (0..r.below(3))
        .map(|i| {
            (
                if i == 0 && r.bool() { 0x88A8 } else { 0x8100 },
                r.next() as u16,
            )
        })
        .collect();
    Frame {
        dst: [2, 0, 0, 0, 0, r.next() as u8],
        src: [2, 0, 0, 0, 1, r.next() as u8],
        vlans,
        macsec: (macsec && r.below(4) == 0).then(|| (r.bool(), r.next() as u32, r.bytes(16))),
        datagram: gen_datagram(r, depth),
    }
}

// ---------------------------------------------------------------- rewrites

/// The `k`-th datagram of the chain, outermost first: the order in which
/// the walker finds IP layers.
fn nth(d: &mut Datagram, k: usize) -> Option<&mut Datagram> {
    if k == 0 {
        return Some(d);
    }
    match &mut d.inner {
        Inner::L4(..) | Inner::Raw(..) => None,
        Inner::Vxlan { frame, .. }
        | Inner::Gre {
            inner: GreInner::Ethernet(frame),
            ..
        } => nth(&mut frame.datagram, k - 1),
        Inner::Gre {
            inner: GreInner::Ip(x),
            ..
        }
        | Inner::IpInIp(x) => nth(x, k - 1),
    }
}

#[derive(Debug, Clone)]
enum Op {
    Ttl(usize, u8),
    Dscp(usize, u8),
    Ecn(usize, u8),
    Df(usize, bool),
    Ident(usize, u16),
    Src(usize, u128),
    Dst(usize, u128),
    /// Source or destination port of the innermost transport header.
    Port(bool, u16),
    Vni(usize, u32),
    /// VLAN id of the outermost frame's tags.
    Vid(usize, u16),
    /// Bytes written into the innermost payload at an offset.
    Payload(usize, Vec<u8>),
    /// A write over datagram k's IP length field: refused, nothing changes.
    Length(usize),
}

fn gen_op(r: &mut Rng, n_ip: usize) -> Op {
    let k = r.below(n_ip as u64) as usize;
    match r.below(12) {
        0 => Op::Ttl(k, r.next() as u8),
        1 => Op::Dscp(k, r.below(64) as u8),
        2 => Op::Ecn(k, r.below(4) as u8),
        3 => Op::Df(k, r.bool()),
        4 => Op::Ident(k, r.next() as u16),
        5 => Op::Src(k, u128::from(r.next()) << 64 | u128::from(r.next())),
        6 => Op::Dst(k, u128::from(r.next()) << 64 | u128::from(r.next())),
        7 => {
            // Never a port that would start a tunnel (VXLAN, Geneve, GTP-U,
            // MPLS over UDP): the structure would change.
            let port = r.next() as u16;
            let port = if matches!(port, 4789 | 6081 | 2152 | 6635) {
                port ^ 1
            } else {
                port
            };
            Op::Port(r.bool(), port)
        }
        8 => Op::Vni(k, r.next() as u32 & 0xFF_FFFF),
        9 => Op::Vid(k, r.below(4096) as u16),
        10 => Op::Length(k),
        _ => {
            // Short runs near the start too, so that short payloads (an
            // echo reply that is nearly all zero) are written over.
            let (at, n) = if r.bool() {
                (r.below(4) as usize, 1 + r.below(3) as usize)
            } else {
                (r.below(64) as usize, 1 + r.below(7) as usize)
            };
            let bytes = if r.bool() { vec![0; n] } else { r.bytes(n) };
            Op::Payload(at, bytes)
        }
    }
}

/// Applies `op` to the model; returns false when it does not apply (no
/// such layer), in which case `Packet` must refuse it too or not be asked.
fn apply_model(f: &mut Frame, op: &Op) -> bool {
    match op {
        Op::Ttl(k, v) => match nth(&mut f.datagram, *k) {
            Some(Datagram {
                ip: Ip::V4 { ttl, .. },
                ..
            }) => *ttl = *v,
            Some(Datagram {
                ip: Ip::V6 { hop, .. },
                ..
            }) => *hop = *v,
            None => return false,
        },
        Op::Dscp(k, v) => match nth(&mut f.datagram, *k) {
            Some(Datagram {
                ip: Ip::V4 { tos: t, .. } | Ip::V6 { tc: t, .. },
                ..
            }) => *t = v << 2 | (*t & 3),
            None => return false,
        },
        Op::Ecn(k, v) => match nth(&mut f.datagram, *k) {
            Some(Datagram {
                ip: Ip::V4 { tos: t, .. } | Ip::V6 { tc: t, .. },
                ..
            }) => *t = (*t & 0xFC) | v,
            None => return false,
        },
        Op::Df(k, v) => match nth(&mut f.datagram, *k) {
            Some(Datagram {
                ip: Ip::V4 { flags, .. },
                ..
            }) => *flags = (*flags & !0x40) | if *v { 0x40 } else { 0 },
            _ => return false,
        },
        Op::Ident(k, v) => match nth(&mut f.datagram, *k) {
            Some(Datagram {
                ip: Ip::V4 { ident, .. },
                ..
            }) => *ident = *v,
            _ => return false,
        },
        Op::Src(k, v) | Op::Dst(k, v) => {
            let is_src = matches!(op, Op::Src(..));
            match nth(&mut f.datagram, *k) {
                Some(Datagram {
                    ip: Ip::V4 { src, dst, .. },
                    ..
                }) => {
                    *(if is_src { src } else { dst }) = Ipv4Addr::from(*v as u32);
                }
                Some(Datagram {
                    ip: Ip::V6 { src, dst, .. },
                    ..
                }) => {
                    *(if is_src { src } else { dst }) = Ipv6Addr::from(*v);
                }
                None => return false,
            }
        }
        Op::Port(is_src, v) => {
            let mut k = 0;
            while nth(&mut f.datagram, k + 1).is_some() {
                k += 1;
            }
            match &mut nth(&mut f.datagram, k).unwrap().inner {
                Inner::L4(L4::Udp { src, dst, .. } | L4::Tcp { src, dst, .. }, _) => {
                    *(if *is_src { src } else { dst }) = *v;
                }
                _ => return false,
            }
        }
        Op::Vni(k, v) => match nth(&mut f.datagram, *k) {
            Some(Datagram {
                inner: Inner::Vxlan { vni, .. },
                ..
            }) => *vni = *v,
            _ => return false,
        },
        Op::Vid(i, v) => match f.vlans.get_mut(*i) {
            Some((_, tci)) => *tci = (*tci & 0xF000) | v,
            None => return false,
        },
        Op::Length(k) => return nth(&mut f.datagram, *k).is_some(),
        Op::Payload(at, bytes) => {
            let mut k = 0;
            while nth(&mut f.datagram, k + 1).is_some() {
                k += 1;
            }
            match &mut nth(&mut f.datagram, k).unwrap().inner {
                Inner::L4(_, p) | Inner::Raw(_, p) if at + bytes.len() <= p.len() => {
                    p[*at..at + bytes.len()].copy_from_slice(bytes);
                }
                _ => return false,
            }
        }
    }
    true
}

/// Applies `op` through `Packet`; the layer indices come from the walk.
fn apply_packet(pkt: &mut Packet<'_>, op: &Op) {
    let layers = pkt.layers().clone();
    let ips: Vec<usize> = layers
        .iter()
        .enumerate()
        .filter(|(_, l)| l.kind.is_ip())
        .map(|(i, _)| i)
        .collect();
    let res = match op {
        Op::Ttl(k, v) => pkt.set_hop_limit(ips[*k], *v),
        Op::Dscp(k, v) => pkt.set_dscp(ips[*k], Dscp::new(*v).unwrap()),
        Op::Ecn(k, v) => pkt.set_ecn(ips[*k], Ecn::new(*v).unwrap()),
        Op::Df(k, v) => pkt.set_dont_fragment(ips[*k], *v),
        Op::Ident(k, v) => pkt.set_identification(ips[*k], *v),
        Op::Src(k, v) | Op::Dst(k, v) => {
            let i = ips[*k];
            let is_src = matches!(op, Op::Src(..));
            match (layers.get(i).unwrap().kind, is_src) {
                (LayerKind::Ipv4, true) => pkt.set_ipv4_src(i, Ipv4Addr::from(*v as u32)),
                (LayerKind::Ipv4, false) => pkt.set_ipv4_dst(i, Ipv4Addr::from(*v as u32)),
                (_, true) => pkt.set_ipv6_src(i, Ipv6Addr::from(*v)),
                (_, false) => pkt.set_ipv6_dst(i, Ipv6Addr::from(*v)),
            }
        }
        Op::Port(is_src, v) => {
            let last_ip = *ips.last().unwrap();
            let i = layers
                .iter()
                .enumerate()
                .skip(last_ip + 1)
                .find(|(_, l)| !matches!(l.kind, LayerKind::Ipv6Ext(_)))
                .unwrap()
                .0;
            if *is_src {
                pkt.set_src_port(i, *v)
            } else {
                pkt.set_dst_port(i, *v)
            }
        }
        Op::Vni(k, v) => {
            // The VXLAN layer inside datagram k: the first VXLAN after its IP layer.
            let i = layers
                .iter()
                .enumerate()
                .skip(ips[*k])
                .find(|(_, l)| l.kind == LayerKind::Vxlan)
                .unwrap()
                .0;
            pkt.set_vni(i, Vni::new(*v).unwrap())
        }
        Op::Vid(n, v) => {
            let i = layers
                .iter()
                .enumerate()
                .filter(|(_, l)| l.kind == LayerKind::Vlan)
                .nth(*n)
                .unwrap()
                .0;
            pkt.set_vid(i, Vid::new(*v).unwrap())
        }
        Op::Payload(at, bytes) => {
            let l = layers
                .get(layers.find(LayerKind::Payload, Which::Innermost).unwrap())
                .unwrap();
            pkt.write(l.start + at, bytes)
        }
        Op::Length(k) => {
            let l = layers.get(ips[*k]).unwrap();
            let (at, field) = if l.kind == LayerKind::Ipv4 {
                (2, "total length")
            } else {
                (4, "payload length")
            };
            let r = pkt.write(l.start + at, &[0xAB, 0xCD]);
            assert!(
                matches!(r, Err(wireview::Error::BadValue { field: f, .. }) if f == field),
                "{r:?}"
            );
            Ok(())
        }
    };
    res.unwrap();
}

/// Whether `op` names a layer the model has (a VNI op the datagram that
/// carries VXLAN, a port op a TCP/UDP innermost transport, ...): checked on
/// a clone so the real model only changes when `Packet` is asked too.
fn applies(f: &Frame, op: &Op) -> bool {
    apply_model(&mut f.clone(), op)
}

/// `PROPTEST_CASES` from the environment when set, else `default`.
fn cases_or(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    // 600 cases unless PROPTEST_CASES says otherwise (.ci/run lowers it under qemu).
    #![proptest_config(ProptestConfig { cases: cases_or(600), .. ProptestConfig::default() })]

    /// Random stacks, random rewrites at random layers: the bytes after the
    /// incremental rewrites equal the model serialised from scratch.
    #[test]
    fn every_checksum_equals_a_recompute_after_any_rewrites(seed: u64) {
        let mut r = Rng(seed | 1);
        let depth = r.below(3) as u32;
        let mut model = gen_frame(&mut r, depth, true);
        no_zero_icmp_in_fragments(&mut model.datagram, false);
        let mut bytes = build_frame(&model);
        // The walk sees the whole model: no error, and a payload at the end
        // unless the innermost payload is empty.
        let layers = wireview::Layers::from_ethernet(&bytes);
        prop_assert!(layers.error().is_none(), "{:?}", layers.error());
        let n_ip = layers.iter().filter(|l| l.kind.is_ip()).count();
        let mut applied = 0;
        for step in 0..12 {
            // The first rewrite always applies; later ones may name a layer
            // the stack lacks (a VNI without VXLAN) and are skipped.
            let op = if step == 0 { Op::Ttl(r.below(n_ip as u64) as usize, r.next() as u8) } else { gen_op(&mut r, n_ip) };
            if !applies(&model, &op) {
                continue;
            }
            apply_model(&mut model, &op);
            let mut pkt = Packet::from_ethernet(&mut bytes).unwrap();
            apply_packet(&mut pkt, &op);
            let expected = build_frame(&model);
            prop_assert_eq!(&bytes, &expected, "after {:?}", op);
            applied += 1;
        }
        prop_assert!(applied > 0);
    }
}
