//! The rule of `wireview::packet`: after any sequence of rewrites, every
//! checksum in the packet equals what a from-scratch recomputation gives,
//! byte for byte.
//!
//! A model of a random packet stack (Ethernet, 0-2 VLAN tags, optional
//! unencrypted MACsec, optionally an MPLS label stack or PPPoE session
//! framing, IPv4 with options or IPv6 with extension headers, optionally a
//! VXLAN, Geneve (options; Ethernet or IP inside), GTP-U (sequence number,
//! PDU Session Container), GRE (random C/K/S; IP, Ethernet or MPLS inside),
//! MPLS-over-UDP, MPLS-in-IP or IP-in-IP tunnel, UDP/TCP/ICMP inside) is
//! serialised by a builder written here from the RFCs and TS 29.281, with
//! its own plain checksum loop; it shares no code with the crate. Each rewrite is applied twice: to the bytes through
//! `Packet`'s incremental setters, and to the model, which is serialised
//! again from scratch. The two byte vectors must be equal.

// The model builder narrows random words to field widths on purpose, and
// serialises each protocol in one place even when that is long.
#![allow(clippy::cast_possible_truncation, clippy::too_many_lines)]

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use wireview::packet::Packet;
use wireview::walk::{LayerKind, Which};
use wireview::{Dscp, Ecn, Label, Vid, Vni};

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
    /// Geneve over UDP (RFC 8926): O and C bits, option TLVs (a multiple
    /// of 4 bytes, at most 252), an Ethernet frame or an IP datagram
    /// inside (never `GreInner::Mpls`: the walk leaves that as payload).
    Geneve {
        src_port: u16,
        zero: bool,
        oam: bool,
        critical: bool,
        vni: u32,
        options: Vec<u8>,
        inner: GreInner,
    },
    /// A GTP-U G-PDU over UDP (3GPP TS 29.281): an optional sequence number
    /// (S), N-PDU number (PN), PDU Session Container (E, type 0x85) with its
    /// PDU type and QFI, then the T-PDU.
    Gtpu {
        src_port: u16,
        zero: bool,
        teid: u32,
        seq: Option<u16>,
        npdu: Option<u8>,
        pdu_session: Option<(u8, u8)>,
        datagram: Box<Datagram>,
    },
    /// MPLS over UDP (RFC 7510, port 6635): a label stack, then IP.
    MplsUdp {
        src_port: u16,
        zero: bool,
        labels: Vec<Lse>,
        datagram: Box<Datagram>,
    },
    /// MPLS in IP (RFC 4023, protocol 137): a label stack, then IP.
    MplsIp(Vec<Lse>, Box<Datagram>),
    /// The data of a later fragment (protocol, bytes): not a header.
    Raw(u8, Vec<u8>),
}

#[derive(Debug, Clone)]
enum GreInner {
    Ip(Box<Datagram>),
    Ethernet(Box<Frame>),
    /// Protocol type 0x8847: a label stack, then IP.
    Mpls(Vec<Lse>, Box<Datagram>),
}

/// An MPLS label stack entry (RFC 3032); the bottom-of-stack bit is set on
/// the last entry of a stack when it is built.
#[derive(Debug, Clone)]
struct Lse {
    label: u32,
    tc: u8,
    ttl: u8,
}

/// What follows a frame's tags (and MACsec SecTAG): IP directly, an MPLS
/// label stack (EtherType 0x8847) then IP, or a PPPoE session header
/// (EtherType 0x8864, RFC 2516) with PPP protocol 0x0021 or 0x0057, then IP.
#[derive(Debug, Clone)]
enum Link {
    Ip,
    Mpls(Vec<Lse>),
    Pppoe(u16),
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
    link: Link,
    datagram: Datagram,
}

// ---------------------------------------------------------------- builder

fn proto_of(inner: &Inner, v6: bool) -> u8 {
    match inner {
        Inner::L4(L4::Udp { .. }, _)
        | Inner::Vxlan { .. }
        | Inner::Geneve { .. }
        | Inner::Gtpu { .. }
        | Inner::MplsUdp { .. } => 17,
        Inner::MplsIp(..) => 137,
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
            let mut b = vec![0x08, 0, 0, 0];
            b.extend_from_slice(&(vni << 8).to_be_bytes());
            b.extend_from_slice(&build_frame(frame));
            build_udp(ip, *src_port, 4789, *zero, &b)
        }
        Inner::Geneve {
            src_port,
            zero,
            oam,
            critical,
            vni,
            options,
            inner,
        } => {
            // RFC 8926 3.4: Ver 0 and Opt Len (4-byte units), O and C,
            // protocol type, VNI and a reserved byte, the options.
            let (ptype, body) = build_carried(inner);
            let mut b = vec![
                (options.len() / 4) as u8,
                u8::from(*oam) << 7 | u8::from(*critical) << 6,
            ];
            b.extend_from_slice(&ptype.to_be_bytes());
            b.extend_from_slice(&(vni << 8).to_be_bytes());
            b.extend_from_slice(options);
            b.extend_from_slice(&body);
            build_udp(ip, *src_port, 6081, *zero, &b)
        }
        Inner::Gtpu {
            src_port,
            zero,
            teid,
            seq,
            npdu,
            pdu_session,
            datagram,
        } => {
            // TS 29.281 5.1: version 1, PT 1, E, S, PN; type 255 (G-PDU);
            // the length of all after the first 8 bytes; the TEID; with E, S
            // or PN the sequence number, N-PDU number and next extension
            // type (each 0 when its flag is clear).
            let flags = 0x30
                | u8::from(pdu_session.is_some()) << 2
                | u8::from(seq.is_some()) << 1
                | u8::from(npdu.is_some());
            let mut rest = Vec::new();
            if seq.is_some() || npdu.is_some() || pdu_session.is_some() {
                rest.extend_from_slice(&seq.unwrap_or(0).to_be_bytes());
                rest.push(npdu.unwrap_or(0));
                rest.push(if pdu_session.is_some() { 0x85 } else { 0 });
            }
            if let Some((pdu_type, qfi)) = pdu_session {
                // 5.2.1: length in 4-byte units, contents (TS 38.415: PDU
                // type in the high nibble, then the QFI), next type 0.
                rest.extend_from_slice(&[1, pdu_type << 4, *qfi, 0]);
            }
            rest.extend_from_slice(&build_datagram(datagram));
            let mut b = vec![flags, 255];
            b.extend_from_slice(&(rest.len() as u16).to_be_bytes());
            b.extend_from_slice(&teid.to_be_bytes());
            b.extend_from_slice(&rest);
            build_udp(ip, *src_port, 2152, *zero, &b)
        }
        Inner::MplsUdp {
            src_port,
            zero,
            labels,
            datagram,
        } => {
            let mut b = build_labels(labels);
            b.extend_from_slice(&build_datagram(datagram));
            build_udp(ip, *src_port, 6635, *zero, &b)
        }
        Inner::MplsIp(labels, datagram) => {
            let mut b = build_labels(labels);
            b.extend_from_slice(&build_datagram(datagram));
            b
        }
        Inner::Gre { c, key, seq, inner } => {
            let (ptype, body) = build_carried(inner);
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

/// A UDP header (checksum 0 when `zero`, else computed) in front of `body`.
fn build_udp(ip: &Ip, src_port: u16, dst_port: u16, zero: bool, body: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&src_port.to_be_bytes());
    b.extend_from_slice(&dst_port.to_be_bytes());
    b.extend_from_slice(&((8 + body.len()) as u16).to_be_bytes());
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(body);
    if !zero {
        let mut c = checksum_with(pseudo(ip, 17, b.len()), &b);
        if c == 0 {
            c = 0xFFFF;
        }
        b[6..8].copy_from_slice(&c.to_be_bytes());
    }
    b
}

/// RFC 3032 2.1: label (20 bits), TC (3), S (set on the last entry), TTL.
fn build_labels(labels: &[Lse]) -> Vec<u8> {
    let mut b = Vec::new();
    for (i, e) in labels.iter().enumerate() {
        let s = u32::from(i + 1 == labels.len());
        let word = e.label << 12 | u32::from(e.tc) << 9 | s << 8 | u32::from(e.ttl);
        b.extend_from_slice(&word.to_be_bytes());
    }
    b
}

fn ethertype_of(d: &Datagram) -> u16 {
    if matches!(d.ip, Ip::V4 { .. }) {
        0x0800
    } else {
        0x86DD
    }
}

/// What a GRE or Geneve header carries: its protocol type and bytes.
fn build_carried(inner: &GreInner) -> (u16, Vec<u8>) {
    match inner {
        GreInner::Ip(d) => (ethertype_of(d), build_datagram(d)),
        GreInner::Ethernet(f) => (0x6558, build_frame(f)),
        GreInner::Mpls(labels, d) => {
            let mut b = build_labels(labels);
            b.extend_from_slice(&build_datagram(d));
            (0x8847, b)
        }
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
    let datagram = build_datagram(&f.datagram);
    let (ethertype, ip) = match &f.link {
        Link::Ip => (ethertype_of(&f.datagram), datagram),
        Link::Mpls(labels) => {
            let mut b = build_labels(labels);
            b.extend_from_slice(&datagram);
            (0x8847, b)
        }
        Link::Pppoe(session) => {
            // RFC 2516 4: VER 1, TYPE 1, CODE 0, SESSION_ID, LENGTH (the
            // PPP frame's), then the PPP protocol (RFC 1661: 0x0021 IPv4,
            // 0x0057 IPv6) and the datagram.
            let ppp: u16 = if ethertype_of(&f.datagram) == 0x0800 {
                0x0021
            } else {
                0x0057
            };
            let mut b = vec![0x11, 0];
            b.extend_from_slice(&session.to_be_bytes());
            b.extend_from_slice(&((2 + datagram.len()) as u16).to_be_bytes());
            b.extend_from_slice(&ppp.to_be_bytes());
            b.extend_from_slice(&datagram);
            (0x8864, b)
        }
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

/// A random port, never one that starts a tunnel (VXLAN 4789, Geneve
/// 6081, GTP-U 2152, MPLS over UDP 6635).
fn port(r: &mut Rng) -> u16 {
    let port = r.next() as u16;
    if matches!(port, 4789 | 6081 | 2152 | 6635) {
        port ^ 1
    } else {
        port
    }
}

fn gen_labels(r: &mut Rng) -> Vec<Lse> {
    (0..=r.below(2))
        .map(|_| Lse {
            label: r.next() as u32 & 0xF_FFFF,
            tc: r.below(8) as u8,
            ttl: r.next() as u8,
        })
        .collect()
}

/// Geneve options (RFC 8926 3.5): up to 4 TLVs of class, type (high bit:
/// critical), length in 4-byte units (0 to 3) and data; whether any is
/// critical.
fn gen_geneve_options(r: &mut Rng) -> (Vec<u8>, bool) {
    let mut o = Vec::new();
    let mut critical = false;
    for _ in 0..r.below(5) {
        let kind = r.next() as u8;
        critical |= kind & 0x80 != 0;
        let words = r.below(4) as usize;
        o.extend_from_slice(&(r.next() as u16).to_be_bytes());
        o.extend_from_slice(&[kind, words as u8]);
        o.extend(r.bytes(4 * words));
    }
    (o, critical)
}

fn gen_l4(r: &mut Rng) -> Inner {
    let l4 = match r.below(3) {
        0 => L4::Udp {
            src: port(r),
            dst: 1000 + r.below(1000) as u16,
            zero: r.below(4) == 0,
        },
        1 => L4::Tcp {
            src: port(r),
            dst: port(r),
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
        match r.below(9) {
            0 | 1 => gen_l4(r),
            2 => Inner::Vxlan {
                src_port: port(r),
                zero: r.below(3) == 0,
                vni: r.next() as u32 & 0xFF_FFFF,
                frame: Box::new(gen_frame(r, depth - 1, false)),
            },
            3 => Inner::Gre {
                c: r.bool(),
                key: r.bool().then(|| r.next() as u32),
                seq: r.bool().then(|| r.next() as u32),
                inner: match r.below(3) {
                    0 => GreInner::Ip(Box::new(gen_datagram(r, depth - 1))),
                    1 => GreInner::Ethernet(Box::new(gen_frame(r, depth - 1, false))),
                    _ => GreInner::Mpls(gen_labels(r), Box::new(gen_datagram(r, depth - 1))),
                },
            },
            4 => Inner::IpInIp(Box::new(gen_datagram(r, depth - 1))),
            5 => {
                let (options, critical) = gen_geneve_options(r);
                Inner::Geneve {
                    src_port: port(r),
                    zero: r.below(3) == 0,
                    oam: r.below(4) == 0,
                    critical,
                    vni: r.next() as u32 & 0xFF_FFFF,
                    options,
                    inner: if r.bool() {
                        GreInner::Ip(Box::new(gen_datagram(r, depth - 1)))
                    } else {
                        GreInner::Ethernet(Box::new(gen_frame(r, depth - 1, false)))
                    },
                }
            }
            6 => Inner::Gtpu {
                // GTP-U peers send from 2152 too.
                src_port: if r.bool() { 2152 } else { port(r) },
                zero: r.below(3) == 0,
                teid: r.next() as u32,
                seq: r.bool().then(|| r.next() as u16),
                npdu: (r.below(4) == 0).then(|| r.next() as u8),
                pdu_session: r.bool().then(|| (r.below(2) as u8, r.below(64) as u8)),
                datagram: Box::new(gen_datagram(r, depth - 1)),
            },
            7 => Inner::MplsUdp {
                src_port: port(r),
                zero: r.below(3) == 0,
                labels: gen_labels(r),
                datagram: Box::new(gen_datagram(r, depth - 1)),
            },
            _ => Inner::MplsIp(gen_labels(r), Box::new(gen_datagram(r, depth - 1))),
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
    if let Inner::L4(L4::Icmp { reply, .. }, _) = &mut d.inner {
        if fragmented {
            *reply = false;
        }
    }
    if let Some(x) = next_datagram(&mut d.inner) {
        no_zero_icmp_in_fragments(x, fragmented);
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
        link: match r.below(6) {
            0 => Link::Mpls(gen_labels(r)),
            1 => Link::Pppoe(r.next() as u16),
            _ => Link::Ip,
        },
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
    nth(next_datagram(&mut d.inner)?, k - 1)
}

/// The datagram a tunnel carries (in its frame for an Ethernet one).
fn next_datagram(inner: &mut Inner) -> Option<&mut Datagram> {
    match inner {
        Inner::L4(..) | Inner::Raw(..) => None,
        Inner::Vxlan { frame, .. }
        | Inner::Gre {
            inner: GreInner::Ethernet(frame),
            ..
        }
        | Inner::Geneve {
            inner: GreInner::Ethernet(frame),
            ..
        } => Some(&mut frame.datagram),
        Inner::Gre {
            inner: GreInner::Ip(x) | GreInner::Mpls(_, x),
            ..
        }
        | Inner::Geneve {
            inner: GreInner::Ip(x) | GreInner::Mpls(_, x),
            ..
        }
        | Inner::IpInIp(x)
        | Inner::Gtpu { datagram: x, .. }
        | Inner::MplsUdp { datagram: x, .. }
        | Inner::MplsIp(_, x) => Some(x),
    }
}

/// Every MPLS label stack entry of the frame, in the walk's order.
fn labels_of<'a>(f: &'a mut Frame, out: &mut Vec<&'a mut Lse>) {
    if let Link::Mpls(labels) = &mut f.link {
        out.extend(labels.iter_mut());
    }
    let mut d = &mut f.datagram;
    loop {
        match &mut d.inner {
            Inner::Vxlan { frame, .. }
            | Inner::Gre {
                inner: GreInner::Ethernet(frame),
                ..
            }
            | Inner::Geneve {
                inner: GreInner::Ethernet(frame),
                ..
            } => return labels_of(frame, out),
            Inner::Gre {
                inner: GreInner::Mpls(labels, x),
                ..
            }
            | Inner::Geneve {
                inner: GreInner::Mpls(labels, x),
                ..
            }
            | Inner::MplsUdp {
                labels,
                datagram: x,
                ..
            }
            | Inner::MplsIp(labels, x) => {
                out.extend(labels.iter_mut());
                d = &mut **x;
            }
            Inner::Gre {
                inner: GreInner::Ip(x),
                ..
            }
            | Inner::Geneve {
                inner: GreInner::Ip(x),
                ..
            }
            | Inner::IpInIp(x)
            | Inner::Gtpu { datagram: x, .. } => d = &mut **x,
            Inner::L4(..) | Inner::Raw(..) => return,
        }
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
    /// VNI of the VXLAN or Geneve header that datagram k carries.
    Vni(usize, u32),
    /// TEID of the GTP-U header that datagram k carries.
    Teid(usize, u32),
    /// Label of the k-th MPLS label stack entry in the walk's order.
    Label(usize, u32),
    /// VLAN id of the outermost frame's tags.
    Vid(usize, u16),
    /// Bytes written into the innermost payload at an offset.
    Payload(usize, Vec<u8>),
    /// A write over datagram k's IP length field: refused, nothing changes.
    Length(usize),
}

fn gen_op(r: &mut Rng, n_ip: usize, n_mpls: usize) -> Op {
    let k = r.below(n_ip as u64) as usize;
    match r.below(15) {
        0 => Op::Ttl(k, r.next() as u8),
        1 => Op::Dscp(k, r.below(64) as u8),
        2 => Op::Ecn(k, r.below(4) as u8),
        3 => Op::Df(k, r.bool()),
        4 => Op::Ident(k, r.next() as u16),
        5 => Op::Src(k, u128::from(r.next()) << 64 | u128::from(r.next())),
        6 => Op::Dst(k, u128::from(r.next()) << 64 | u128::from(r.next())),
        // Never a port that would start a tunnel: the structure would change.
        7 => Op::Port(r.bool(), port(r)),
        8 => Op::Vni(k, r.next() as u32 & 0xFF_FFFF),
        9 => Op::Vid(k, r.below(4096) as u16),
        10 => Op::Length(k),
        11 => Op::Teid(k, r.next() as u32),
        12 => Op::Label(
            r.below(n_mpls.max(1) as u64) as usize,
            r.next() as u32 & 0xF_FFFF,
        ),
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
                inner: Inner::Vxlan { vni, .. } | Inner::Geneve { vni, .. },
                ..
            }) => *vni = *v,
            _ => return false,
        },
        Op::Teid(k, v) => match nth(&mut f.datagram, *k) {
            Some(Datagram {
                inner: Inner::Gtpu { teid, .. },
                ..
            }) => *teid = *v,
            _ => return false,
        },
        Op::Label(k, v) => {
            let mut all = Vec::new();
            labels_of(f, &mut all);
            match all.into_iter().nth(*k) {
                Some(e) => e.label = *v,
                None => return false,
            }
        }
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
            // The tunnel layer inside datagram k: the first VXLAN or Geneve
            // after its IP layer.
            let i = layers
                .iter()
                .enumerate()
                .skip(ips[*k])
                .find(|(_, l)| matches!(l.kind, LayerKind::Vxlan | LayerKind::Geneve))
                .unwrap()
                .0;
            pkt.set_vni(i, Vni::new(*v).unwrap())
        }
        Op::Teid(k, v) => {
            let i = layers
                .iter()
                .enumerate()
                .skip(ips[*k])
                .find(|(_, l)| l.kind == LayerKind::Gtpu)
                .unwrap()
                .0;
            pkt.set_teid(i, *v)
        }
        Op::Label(k, v) => {
            let i = layers
                .iter()
                .enumerate()
                .filter(|(_, l)| l.kind == LayerKind::Mpls)
                .nth(*k)
                .unwrap()
                .0;
            pkt.set_label(i, Label::new(*v).unwrap())
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

/// How many of each new tunnel layer the model holds, as the walk counts
/// them: (MPLS entries, Geneve, GTP-U, PPPoE).
fn census(f: &Frame) -> [usize; 4] {
    fn frame(f: &Frame, c: &mut [usize; 4]) {
        c[3] += usize::from(matches!(f.link, Link::Pppoe(_)));
        datagram(&f.datagram, c);
    }
    fn datagram(d: &Datagram, c: &mut [usize; 4]) {
        match &d.inner {
            Inner::Vxlan { frame: x, .. }
            | Inner::Gre {
                inner: GreInner::Ethernet(x),
                ..
            } => frame(x, c),
            Inner::Geneve { inner, .. } => {
                c[1] += 1;
                match inner {
                    GreInner::Ethernet(x) => frame(x, c),
                    GreInner::Ip(x) | GreInner::Mpls(_, x) => datagram(x, c),
                }
            }
            Inner::Gtpu { datagram: x, .. } => {
                c[2] += 1;
                datagram(x, c);
            }
            Inner::Gre {
                inner: GreInner::Ip(x) | GreInner::Mpls(_, x),
                ..
            }
            | Inner::IpInIp(x)
            | Inner::MplsUdp { datagram: x, .. }
            | Inner::MplsIp(_, x) => datagram(x, c),
            Inner::L4(..) | Inner::Raw(..) => {}
        }
    }
    let mut f = f.clone();
    let mut all = Vec::new();
    labels_of(&mut f, &mut all);
    let mut c = [all.len(), 0, 0, 0];
    frame(&f, &mut c);
    c
}

/// One case: a model from `seed`, up to 12 rewrites; the names of the
/// rewrites applied and the layers walked go to `log`.
fn run_case(seed: u64, log: &mut Vec<String>) -> Result<(), TestCaseError> {
    let mut r = Rng(seed | 1);
    let depth = r.below(3) as u32;
    let mut model = gen_frame(&mut r, depth, true);
    no_zero_icmp_in_fragments(&mut model.datagram, false);
    let mut bytes = build_frame(&model);
    // The walk sees the whole model: no error, and as many MPLS entries,
    // Geneve, GTP-U and PPPoE headers as it has.
    let layers = wireview::Layers::from_ethernet(&bytes);
    prop_assert!(layers.error().is_none(), "{:?}", layers.error());
    let count = |k: LayerKind| layers.iter().filter(|l| l.kind == k).count();
    let walked = [
        count(LayerKind::Mpls),
        count(LayerKind::Geneve),
        count(LayerKind::Gtpu),
        count(LayerKind::Pppoe),
    ];
    prop_assert_eq!(walked, census(&model), "{:?}", model);
    let n_ip = layers.iter().filter(|l| l.kind.is_ip()).count();
    let n_mpls = walked[0];
    for (i, l) in layers.iter().enumerate() {
        // An MPLS stack's carrier: what the layer before its top entry is.
        let before = i.checked_sub(1).and_then(|j| layers.get(j)).map(|p| p.kind);
        match (l.kind, before) {
            (LayerKind::Mpls, Some(p)) if p != LayerKind::Mpls => {
                log.push(format!("mpls after {}", p.name()));
            }
            (LayerKind::Gtpu, _) if l.header_len > 12 => log.push("gtpu with extension".into()),
            (LayerKind::Geneve, _) if l.header_len > 8 => log.push("geneve with options".into()),
            (k, _) => log.push(k.name().into()),
        }
    }
    let mut applied = 0;
    for step in 0..12 {
        // The first rewrite always applies; later ones may name a layer
        // the stack lacks (a VNI without VXLAN) and are skipped.
        let op = if step == 0 {
            Op::Ttl(r.below(n_ip as u64) as usize, r.next() as u8)
        } else {
            gen_op(&mut r, n_ip, n_mpls)
        };
        if !applies(&model, &op) {
            continue;
        }
        let before = model.clone();
        apply_model(&mut model, &op);
        let mut pkt = Packet::from_ethernet(&mut bytes).unwrap();
        apply_packet(&mut pkt, &op);
        let expected = build_frame(&model);
        prop_assert_eq!(&bytes, &expected, "after {:?} on {:?}", op, before);
        let name = format!("{op:?}");
        log.push(name[..name.find('(').unwrap()].to_string());
        applied += 1;
    }
    prop_assert!(applied > 0);
    Ok(())
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
        run_case(seed, &mut Vec::new())?;
    }
}

/// The generator draws every stack and every rewrite the property is
/// about, in as many cases as the property runs: MPLS over Ethernet, UDP,
/// IP and GRE, Geneve with options, GTP-U with a PDU Session Container,
/// PPPoE, and a TEID, label and VNI rewrite each.
#[test]
fn the_models_cover_every_tunnel_and_rewrite() {
    let mut seen = Vec::new();
    for i in 0..600u64 {
        run_case(i.wrapping_mul(0x9E37_79B9_7F4A_7C15), &mut seen).unwrap();
    }
    for want in [
        "mpls after ethernet",
        "mpls after vlan",
        "mpls after udp",
        "mpls after ipv4",
        "mpls after ipv6",
        "mpls after ipv6_ext",
        "mpls after gre",
        "geneve",
        "geneve with options",
        "gtpu",
        "gtpu with extension",
        "pppoe",
        "vxlan",
        "Vni",
        "Teid",
        "Label",
        "Port",
        "Payload",
    ] {
        let n = seen.iter().filter(|s| *s == want).count();
        assert!(n >= 3, "{want}: {n} times");
    }
}
