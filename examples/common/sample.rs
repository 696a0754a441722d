//! The sample capture `examples/data/sample.pcap`, built with the crate's
//! own header builders (`XxxHeader::emit`), checksum fillers and tunnel
//! encapsulation helpers (`wireview::tunnel`): one
//! packet of every protocol and tunnel the crate knows, plus a capture cut
//! short and a malformed header, with fixed timestamps so that the file is
//! the same on every run (`tests/sample.rs` checks the committed copy).
//!
//! A packet is described as a stack of [`Spec`]s, outermost first, and a
//! payload. [`build`] works out every length field from the stack, emits
//! each header with the EtherType / protocol number of the one after it,
//! then fills the checksums innermost first. Tunnels are then wrapped
//! around a built inner packet by `wireview::tunnel`, which fills the GRE
//! checksum and the outer UDP checksum of VXLAN over the finished inner
//! packet.

use std::net::{Ipv4Addr, Ipv6Addr};

use wireview::checksum::Sum;
use wireview::macsec::{An, Tci};
use wireview::mpls::{self, Label, MplsHeader, TrafficClass};
use wireview::tunnel::{
    encap_geneve, encap_gre, encap_gtpu, encap_ip, encap_mpls_udp, encap_pppoe, encap_vxlan,
    GeneveEncap, GtpuEncap, MplsUdpEncap, OuterIp, PppoeEncap, VxlanEncap,
};
use wireview::{
    ArpHeader, ArpOperation, Dscp, Ecn, Error, EtherType, EthernetHeader, GeneveHeader, GreHeader,
    Icmpv4Code, Icmpv4Header, Icmpv4Type, Icmpv6Code, Icmpv6Header, Icmpv6Type, IpProtocol,
    Ipv4Header, Ipv6FragmentHeader, Ipv6Header, MacAddr, MacsecHeader, Pcp, PduSession, Sci,
    TcpFlags, TcpHeader, UdpHeader, Vid, VlanHeader, Vni,
};

/// One header of a packet being built.
#[derive(Debug, Clone)]
pub enum Spec {
    /// Ethernet II; the EtherType comes from the next header.
    Eth {
        /// Destination.
        dst: MacAddr,
        /// Source.
        src: MacAddr,
    },
    /// A VLAN tag whose TPID (0x8100 or 0x88A8) goes into the previous
    /// header's EtherType field.
    Vlan {
        /// Tag protocol identifier.
        tpid: EtherType,
        /// Priority code point.
        pcp: u8,
        /// VLAN id.
        vid: u16,
    },
    /// An ARP packet (last in the stack).
    Arp(ArpHeader),
    /// IPv4 with the given options (a multiple of 4 bytes).
    Ipv4 {
        /// Source.
        src: Ipv4Addr,
        /// Destination.
        dst: Ipv4Addr,
        /// Options.
        options: &'static [u8],
        /// Identification.
        id: u16,
        /// DSCP.
        dscp: u8,
        /// TTL.
        ttl: u8,
    },
    /// IPv6.
    Ipv6 {
        /// Source.
        src: Ipv6Addr,
        /// Destination.
        dst: Ipv6Addr,
        /// Flow label.
        flow: u32,
        /// Hop limit.
        hop_limit: u8,
    },
    /// An IPv6 extension header given as bytes (next header and all); the
    /// first byte is overwritten with the next header's protocol.
    Ext(IpProtocol, Vec<u8>),
    /// An IPv6 fragment header.
    Frag {
        /// Offset in 8-octet units.
        offset: u16,
        /// M flag.
        more: bool,
        /// Identification.
        id: u32,
    },
    /// UDP; `checksum: false` leaves it 0 ("none", IPv4 only).
    Udp {
        /// Source port.
        src: u16,
        /// Destination port.
        dst: u16,
        /// Whether to fill the checksum.
        checksum: bool,
    },
    /// TCP with options.
    Tcp {
        /// Source port.
        src: u16,
        /// Destination port.
        dst: u16,
        /// Sequence number.
        seq: u32,
        /// Acknowledgment number.
        ack: u32,
        /// Flags.
        flags: TcpFlags,
        /// Options (a multiple of 4 bytes).
        options: &'static [u8],
    },
    /// ICMPv4 echo request.
    Icmpv4Echo {
        /// Identifier.
        id: u16,
        /// Sequence number.
        seq: u16,
    },
    /// ICMPv6 echo request.
    Icmpv6Echo {
        /// Identifier.
        id: u16,
        /// Sequence number.
        seq: u16,
    },
    /// An ICMPv4 error; the payload is the datagram it quotes.
    Icmpv4Error {
        /// Type.
        msg_type: Icmpv4Type,
        /// Code.
        code: Icmpv4Code,
        /// The second word (unused, an MTU or a pointer).
        rest: u32,
    },
    /// An ICMPv6 error; the payload is the datagram it quotes.
    Icmpv6Error {
        /// Type.
        msg_type: Icmpv6Type,
        /// Code.
        code: Icmpv6Code,
        /// The second word (unused, an MTU or a pointer).
        rest: u32,
    },
    /// A MACsec SecTAG with a 16-byte ICV after the payload. Integrity only
    /// (E=0, C=0): the next header's EtherType starts the Secure Data.
    /// Encrypted: the payload is opaque.
    Macsec {
        /// E and C set.
        encrypted: bool,
        /// Explicit SCI, if any.
        sci: Option<Sci>,
        /// Association number.
        an: u8,
        /// Packet number.
        pn: u32,
    },
}

const ICV_LEN: usize = 16;

impl Spec {
    fn header_len(&self) -> usize {
        match self {
            Spec::Eth { .. } => 14,
            Spec::Vlan { .. } => 4,
            Spec::Ipv4 { options, .. } | Spec::Tcp { options, .. } => 20 + options.len(),
            Spec::Arp(_) => 28,
            Spec::Ipv6 { .. } => 40,
            Spec::Ext(_, bytes) => bytes.len(),
            Spec::Frag { .. }
            | Spec::Udp { .. }
            | Spec::Icmpv4Echo { .. }
            | Spec::Icmpv6Echo { .. }
            | Spec::Icmpv4Error { .. }
            | Spec::Icmpv6Error { .. } => 8,
            Spec::Macsec { encrypted, sci, .. } => {
                6 + if sci.is_some() { 8 } else { 0 } + if *encrypted { 0 } else { 2 }
            }
        }
    }

    fn trailer_len(&self) -> usize {
        if matches!(self, Spec::Macsec { .. }) {
            ICV_LEN
        } else {
            0
        }
    }

    /// The EtherType that announces this header.
    fn ethertype(&self) -> EtherType {
        match self {
            Spec::Vlan { tpid, .. } => *tpid,
            Spec::Arp(_) => EtherType::ARP,
            Spec::Ipv4 { .. } => EtherType::IPV4,
            Spec::Ipv6 { .. } => EtherType::IPV6,
            Spec::Macsec { .. } => EtherType::MACSEC,
            other => panic!("{other:?} has no EtherType"),
        }
    }

    /// The IP protocol number that announces this header.
    fn protocol(&self) -> IpProtocol {
        match self {
            Spec::Ipv4 { .. } => IpProtocol::IPV4,
            Spec::Ipv6 { .. } => IpProtocol::IPV6,
            Spec::Ext(p, _) => *p,
            Spec::Frag { .. } => IpProtocol::IPV6_FRAG,
            Spec::Udp { .. } => IpProtocol::UDP,
            Spec::Tcp { .. } => IpProtocol::TCP,
            Spec::Icmpv4Echo { .. } | Spec::Icmpv4Error { .. } => IpProtocol::ICMP,
            Spec::Icmpv6Echo { .. } | Spec::Icmpv6Error { .. } => IpProtocol::ICMPV6,
            other => panic!("{other:?} has no IP protocol number"),
        }
    }
}

fn u16_of(n: usize) -> u16 {
    u16::try_from(n).expect("sample packets are small")
}

/// Builds a frame: `stack` outermost first, then `payload`.
///
/// # Panics
/// On a stack the builders refuse (a bug in the sample).
pub fn build(stack: &[Spec], payload: &[u8]) -> Vec<u8> {
    // covered[i]: bytes from the start of header i to the end of its
    // payload, trailers of the headers inside it included.
    let mut covered = vec![0; stack.len() + 1];
    covered[stack.len()] = payload.len();
    for i in (0..stack.len()).rev() {
        covered[i] = stack[i].header_len() + covered[i + 1] + stack[i].trailer_len();
    }
    let mut frame = vec![0u8; covered[0]];
    let mut starts = Vec::with_capacity(stack.len());
    let mut at = 0;
    for (i, spec) in stack.iter().enumerate() {
        starts.push(at);
        let n = spec
            .emit(stack.get(i + 1), &mut frame[at..], covered[i + 1])
            .unwrap_or_else(|e| panic!("{spec:?}: {e}"));
        assert_eq!(n, spec.header_len(), "{spec:?}");
        at += n;
    }
    frame[at..at + payload.len()].copy_from_slice(payload);
    // Trailers (MACsec ICVs), innermost first: a fixed pattern.
    let mut end = at + payload.len();
    for spec in stack.iter().rev() {
        let t = spec.trailer_len();
        for (k, b) in frame[end..end + t].iter_mut().enumerate() {
            *b = 0xA0 | (k as u8 & 0x0F);
        }
        end += t;
    }
    fill_checksums(stack, &starts, &covered, &mut frame);
    frame
}

impl Spec {
    /// Writes this header at the start of `buf`, announcing `next`, for
    /// `inner` bytes after it (trailers of inner headers included).
    #[allow(clippy::too_many_lines)] // One arm per header kind reads best as one match.
    fn emit(&self, next: Option<&Spec>, buf: &mut [u8], inner: usize) -> Result<usize, Error> {
        let inner_len = u16_of(inner);
        match self {
            Spec::Eth { dst, src } => EthernetHeader {
                dst: *dst,
                src: *src,
                ethertype: next.map_or(EtherType(0x88B5), Spec::ethertype),
            }
            .emit(buf),
            Spec::Vlan { pcp, vid, .. } => VlanHeader {
                pcp: Pcp::new(*pcp).expect("PCP below 8"),
                dei: false,
                vid: Vid::new(*vid).expect("VID below 4095"),
                ethertype: next.map_or(EtherType(0x88B5), Spec::ethertype),
            }
            .emit(buf),
            Spec::Arp(arp) => arp.emit(buf),
            Spec::Ipv4 {
                src,
                dst,
                options,
                id,
                dscp,
                ttl,
            } => Ipv4Header {
                dscp: Dscp::new(*dscp).expect("DSCP below 64"),
                ecn: Ecn::NotEct,
                identification: *id,
                ttl: *ttl,
                protocol: next.map_or(IpProtocol(253), Spec::protocol),
                src: *src,
                dst: *dst,
                payload_len: inner_len,
                ..Ipv4Header::default()
            }
            .emit_with_options(buf, options),
            Spec::Ipv6 {
                src,
                dst,
                flow,
                hop_limit,
            } => Ipv6Header {
                flow_label: *flow,
                payload_len: inner_len,
                next_header: next.map_or(IpProtocol::IPV6_NO_NEXT, Spec::protocol),
                hop_limit: *hop_limit,
                src: *src,
                dst: *dst,
                ..Ipv6Header::default()
            }
            .emit(buf),
            Spec::Ext(_, bytes) => {
                buf[..bytes.len()].copy_from_slice(bytes);
                buf[0] = next.map_or(IpProtocol::IPV6_NO_NEXT, Spec::protocol).0;
                Ok(bytes.len())
            }
            Spec::Frag { offset, more, id } => Ipv6FragmentHeader {
                next_header: next.map_or(IpProtocol::IPV6_NO_NEXT, Spec::protocol),
                fragment_offset: *offset,
                more_fragments: *more,
                identification: *id,
            }
            .emit(buf),
            Spec::Udp { src, dst, .. } => UdpHeader {
                src_port: *src,
                dst_port: *dst,
                payload_len: inner_len,
            }
            .emit(buf),
            Spec::Tcp {
                src,
                dst,
                seq,
                ack,
                flags,
                options,
            } => TcpHeader {
                src_port: *src,
                dst_port: *dst,
                seq_number: *seq,
                ack_number: *ack,
                flags: *flags,
                window: 64240,
                urgent_pointer: 0,
            }
            .emit_with_options(buf, options),
            Spec::Icmpv4Echo { id, seq } => Icmpv4Header {
                msg_type: Icmpv4Type::ECHO_REQUEST,
                code: Icmpv4Code(0),
                rest_of_header: (u32::from(*id) << 16) | u32::from(*seq),
            }
            .emit(buf),
            Spec::Icmpv6Echo { id, seq } => Icmpv6Header {
                msg_type: Icmpv6Type::ECHO_REQUEST,
                code: Icmpv6Code(0),
                rest_of_header: (u32::from(*id) << 16) | u32::from(*seq),
            }
            .emit(buf),
            Spec::Icmpv4Error {
                msg_type,
                code,
                rest,
            } => Icmpv4Header {
                msg_type: *msg_type,
                code: *code,
                rest_of_header: *rest,
            }
            .emit(buf),
            Spec::Icmpv6Error {
                msg_type,
                code,
                rest,
            } => Icmpv6Header {
                msg_type: *msg_type,
                code: *code,
                rest_of_header: *rest,
            }
            .emit(buf),
            Spec::Macsec {
                encrypted,
                sci,
                an,
                pn,
            } => {
                let secure_data = inner + if *encrypted { 0 } else { 2 };
                // An encrypted frame here comes from an end station (ES,
                // SCI implied by the source address) when it has no SCI.
                let tci = match (encrypted, sci) {
                    (true, None) => Tci::END_STATION | Tci::ENCRYPTION | Tci::CHANGED_TEXT,
                    (true, Some(_)) => Tci::ENCRYPTION | Tci::CHANGED_TEXT,
                    (false, _) => Tci::empty(),
                };
                let sectag = MacsecHeader {
                    tci,
                    an: An::new(*an).expect("AN below 4"),
                    short_len: MacsecHeader::short_len_for(secure_data),
                    pn: *pn,
                    sci: *sci,
                }
                .emit(buf)
                .expect("room for the SecTAG");
                if !encrypted {
                    let et = next.map_or(EtherType(0x88B5), Spec::ethertype);
                    buf[sectag..sectag + 2].copy_from_slice(&et.0.to_be_bytes());
                }
                Ok(self.header_len())
            }
        }
    }
}

/// The pseudo-header sum for transport header `i` of `stack`: the nearest
/// IP header before it, with the final destination of a segment routing
/// header that has segments left (RFC 8200 section 8.1).
fn pseudo(stack: &[Spec], i: usize, protocol: IpProtocol, len: usize) -> Sum {
    let ip = stack[..i]
        .iter()
        .rposition(|s| matches!(s, Spec::Ipv4 { .. } | Spec::Ipv6 { .. }))
        .expect("a transport header has an IP header before it");
    match &stack[ip] {
        Spec::Ipv4 { src, dst, .. } => Sum::ipv4_pseudo_header(*src, *dst, protocol.0, u16_of(len)),
        Spec::Ipv6 { src, dst, .. } => {
            let mut dst = *dst;
            for s in &stack[ip + 1..i] {
                if let Spec::Ext(IpProtocol::IPV6_ROUTE, bytes) = s {
                    if bytes[2] == 4 && bytes[3] > 0 {
                        let seg0: [u8; 16] = bytes[8..24].try_into().expect("a segment");
                        dst = Ipv6Addr::from(seg0);
                    }
                }
            }
            Sum::ipv6_pseudo_header(*src, dst, protocol.0, u32::try_from(len).expect("small"))
        }
        _ => unreachable!(),
    }
}

fn fill_checksums(stack: &[Spec], starts: &[usize], covered: &[usize], frame: &mut [u8]) {
    for i in (0..stack.len()).rev() {
        // The bytes the header's checksum covers: itself and its payload,
        // without the trailers around it.
        let len = covered[i] - stack[i].trailer_len();
        let region = &mut frame[starts[i]..starts[i] + len];
        match &stack[i] {
            Spec::Udp { checksum: true, .. } => {
                let sum = pseudo(stack, i, IpProtocol::UDP, len);
                wireview::Udp::new(region)
                    .expect("UDP")
                    .fill_checksum_with(sum);
            }
            Spec::Tcp { .. } => {
                let sum = pseudo(stack, i, IpProtocol::TCP, len);
                wireview::Tcp::new(region)
                    .expect("TCP")
                    .fill_checksum_with(sum);
            }
            Spec::Icmpv4Echo { .. } | Spec::Icmpv4Error { .. } => wireview::Icmpv4::new(region)
                .expect("ICMPv4")
                .fill_checksum(),
            Spec::Icmpv6Echo { .. } | Spec::Icmpv6Error { .. } => {
                let sum = pseudo(stack, i, IpProtocol::ICMPV6, len);
                wireview::Icmpv6::new(region)
                    .expect("ICMPv6")
                    .fill_checksum_with(sum);
            }
            _ => {}
        }
    }
}

fn mac(last: u8) -> MacAddr {
    MacAddr([0x02, 0x00, 0x5e, 0x10, 0x00, last])
}

fn eth() -> Spec {
    Spec::Eth {
        dst: mac(2),
        src: mac(1),
    }
}

fn ipv4(src: [u8; 4], dst: [u8; 4]) -> Spec {
    Spec::Ipv4 {
        src: Ipv4Addr::from(src),
        dst: Ipv4Addr::from(dst),
        options: &[],
        id: 0x1234,
        dscp: 0,
        ttl: 64,
    }
}

fn ipv6(src: &str, dst: &str) -> Spec {
    Spec::Ipv6 {
        src: src.parse().expect("IPv6"),
        dst: dst.parse().expect("IPv6"),
        flow: 0x12345,
        hop_limit: 64,
    }
}

fn udp(src: u16, dst: u16) -> Spec {
    Spec::Udp {
        src,
        dst,
        checksum: true,
    }
}

fn tcp_syn(src: u16, dst: u16) -> Spec {
    Spec::Tcp {
        src,
        dst,
        seq: 0x0102_0304,
        ack: 0,
        flags: TcpFlags::SYN,
        // MSS 1460, SACK permitted, NOP, window scale 7, NOP, NOP.
        options: &[2, 4, 0x05, 0xb4, 4, 2, 1, 3, 3, 7, 1, 1],
    }
}

fn tcp_data(src: u16, dst: u16) -> Spec {
    Spec::Tcp {
        src,
        dst,
        seq: 0x1000,
        ack: 0x2000,
        flags: TcpFlags::ACK | TcpFlags::PSH,
        options: &[],
    }
}

/// IPv6 extension headers, byte by byte (the crate has builders only for
/// the fragment header). The first byte (next header) is filled in by
/// [`build`].
fn hop_by_hop() -> Spec {
    // Router Alert (MLD), PadN of 0 bytes.
    Spec::Ext(
        IpProtocol::HOP_BY_HOP,
        vec![0, 0, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00],
    )
}

fn segment_routing(final_dst: &str, current: &str) -> Spec {
    // RFC 8754: Hdr Ext Len 4, type 4, Segments Left 1, Last Entry 1,
    // flags 0, tag 0, Segment List[0] (final), Segment List[1].
    let mut v = vec![0, 4, 4, 1, 1, 0, 0, 0];
    v.extend_from_slice(&final_dst.parse::<Ipv6Addr>().expect("IPv6").octets());
    v.extend_from_slice(&current.parse::<Ipv6Addr>().expect("IPv6").octets());
    Spec::Ext(IpProtocol::IPV6_ROUTE, v)
}

fn auth_header() -> Spec {
    // RFC 4302: Payload Len 4 (6 words - 2), SPI, sequence, 12-byte ICV.
    let mut v = vec![0, 4, 0, 0, 0x00, 0x00, 0x10, 0x01, 0x00, 0x00, 0x00, 0x07];
    v.extend_from_slice(&[0x5a; 12]);
    Spec::Ext(IpProtocol::AH, v)
}

fn destination_options() -> Spec {
    // PadN of 4 bytes.
    Spec::Ext(IpProtocol::IPV6_OPTS, vec![0, 0, 0x01, 0x04, 0, 0, 0, 0])
}

/// The sample's packets, in order, as (frame, bytes on the wire).
#[allow(clippy::too_many_lines)] // One entry per packet reads best as one list.
pub fn packets() -> Vec<(Vec<u8>, usize)> {
    let mut out = Vec::new();
    let full = |frame: Vec<u8>| {
        let n = frame.len();
        (frame, n)
    };
    let v4a = [192, 0, 2, 1];
    let v4b = [198, 51, 100, 7];
    let (v6a, v6b) = ("2001:db8::1", "2001:db8:0:1::2");

    // 1. Ethernet / IPv4 / UDP (DNS query bytes).
    out.push(full(build(
        &[eth(), ipv4(v4a, v4b), udp(53000, 53)],
        b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01",
    )));
    // 2. Ethernet / IPv4 / TCP SYN with options.
    out.push(full(build(
        &[eth(), ipv4(v4a, v4b), tcp_syn(40000, 443)],
        b"",
    )));
    // 3. Ethernet / IPv4 / ICMP echo request.
    out.push(full(build(
        &[
            eth(),
            ipv4(v4a, v4b),
            Spec::Icmpv4Echo { id: 0x4242, seq: 1 },
        ],
        b"wireview ping payload",
    )));
    // 4. Ethernet / 802.1ad S-tag / 802.1Q C-tag (QinQ) / IPv4 / UDP.
    out.push(full(build(
        &[
            eth(),
            Spec::Vlan {
                tpid: EtherType::QINQ,
                pcp: 3,
                vid: 100,
            },
            Spec::Vlan {
                tpid: EtherType::VLAN,
                pcp: 0,
                vid: 200,
            },
            ipv4([10, 0, 0, 1], [10, 0, 0, 2]),
            udp(5000, 5001),
        ],
        b"qinq",
    )));
    // 5. Ethernet / 802.1Q / ARP request.
    out.push(full(build(
        &[
            Spec::Eth {
                dst: MacAddr::BROADCAST,
                src: mac(1),
            },
            Spec::Vlan {
                tpid: EtherType::VLAN,
                pcp: 0,
                vid: 10,
            },
            Spec::Arp(ArpHeader {
                oper: ArpOperation::REQUEST,
                sender_mac: mac(1),
                sender_ipv4: Ipv4Addr::new(10, 0, 0, 1),
                target_mac: MacAddr::ZERO,
                target_ipv4: Ipv4Addr::new(10, 0, 0, 2),
            }),
        ],
        b"",
    )));
    // 6. Ethernet / IPv4 with Router Alert option / UDP.
    out.push(full(build(
        &[
            eth(),
            Spec::Ipv4 {
                src: Ipv4Addr::from(v4a),
                dst: Ipv4Addr::new(224, 0, 0, 22),
                options: &[0x94, 0x04, 0x00, 0x00],
                id: 7,
                dscp: 48,
                ttl: 1,
            },
            udp(9999, 9999),
        ],
        b"options",
    )));
    // 7 and 8. An IPv4 UDP datagram in two fragments: the first holds the
    // UDP header and 8 bytes, the second (offset 2) the other 16.
    let whole = build(
        &[eth(), ipv4(v4a, v4b), udp(7000, 7001)],
        b"fragmented datagram 24b",
    );
    let (first, second) = fragments(&whole, 16);
    out.push(full(first));
    out.push(full(second));
    // 9. Ethernet / IPv6 / hop-by-hop / routing (SRH, 1 left) / fragment
    // (atomic) / AH / destination options / UDP.
    out.push(full(build(
        &[
            eth(),
            ipv6(v6a, v6b),
            hop_by_hop(),
            segment_routing("2001:db8:0:2::9", v6b),
            Spec::Frag {
                offset: 0,
                more: false,
                id: 0xabcd,
            },
            auth_header(),
            destination_options(),
            udp(4000, 4001),
        ],
        b"every extension header",
    )));
    // 10. Ethernet / IPv6 / ICMPv6 echo request.
    out.push(full(build(
        &[eth(), ipv6(v6a, v6b), Spec::Icmpv6Echo { id: 7, seq: 1 }],
        b"ping6",
    )));
    // 11. Ethernet / IPv6 / fragment (first, M=1) / UDP: the UDP length
    // covers the whole datagram, more than this fragment holds.
    let whole6 = build(
        &[
            eth(),
            ipv6(v6a, v6b),
            Spec::Frag {
                offset: 0,
                more: true,
                id: 0x0102_0304,
            },
            udp(6000, 6001),
        ],
        b"first fragment of a longer UDP datagram!",
    );
    out.push(full(ipv6_first_fragment(&whole6, 16)));
    // 12 to 19: tunnels, wrapped around an inner packet built as above by
    // the crate's encapsulation helpers (`wireview::tunnel`).
    let outer_v4 = |src: [u8; 4], dst: [u8; 4]| {
        OuterIp::V4(Ipv4Header {
            src: Ipv4Addr::from(src),
            dst: Ipv4Addr::from(dst),
            identification: 0x1234,
            ..Ipv4Header::default()
        })
    };
    let outer_v6 = |src: &str, dst: &str| {
        OuterIp::V6(Ipv6Header {
            src: src.parse().expect("IPv6"),
            dst: dst.parse().expect("IPv6"),
            flow_label: 0x12345,
            ..Ipv6Header::default()
        })
    };
    // 12. VXLAN (UDP checksum filled) / Ethernet / IPv4 / TCP.
    let inner = build(
        &[
            Spec::Eth {
                dst: mac(0x12),
                src: mac(0x11),
            },
            ipv4([10, 1, 0, 1], [10, 1, 0, 2]),
            tcp_data(22, 50000),
        ],
        b"SSH-2.0-wireview\r\n",
    );
    let vx = VxlanEncap {
        vni: Vni::new(5001).expect("VNI"),
        src_port: 49152,
        dst_port: 4789,
        udp_checksum: true,
    };
    let outer = outer_v4([172, 16, 0, 1], [172, 16, 0, 2]);
    out.push(full(tunnel(&inner, &outer, |buf, start, end| {
        encap_vxlan(buf, start, end, &outer, &vx)
    })));
    // 13. VXLAN with a zero outer UDP checksum / Ethernet / 802.1Q / IPv6 / UDP.
    let inner = build(
        &[
            Spec::Eth {
                dst: mac(0x22),
                src: mac(0x21),
            },
            Spec::Vlan {
                tpid: EtherType::VLAN,
                pcp: 5,
                vid: 300,
            },
            ipv6("fd00::1", "fd00::2"),
            udp(546, 547),
        ],
        b"dhcpv6",
    );
    let vx = VxlanEncap {
        vni: Vni::new(0x00AB_CDEF).expect("VNI"),
        src_port: 49153,
        dst_port: 4789,
        udp_checksum: false,
    };
    let outer = outer_v4([172, 16, 0, 1], [172, 16, 0, 3]);
    out.push(full(tunnel(&inner, &outer, |buf, start, end| {
        encap_vxlan(buf, start, end, &outer, &vx)
    })));
    // 14. GRE with checksum, key and sequence / IPv4 / ICMP.
    let inner = build(
        &[
            ipv4([10, 2, 0, 1], [10, 2, 0, 2]),
            Spec::Icmpv4Echo { id: 1, seq: 2 },
        ],
        b"through gre",
    );
    let gre = GreHeader {
        protocol_type: EtherType::IPV4,
        checksum: true,
        key: Some(100),
        seq: Some(1),
    };
    let outer = outer_v4([203, 0, 113, 1], [203, 0, 113, 2]);
    out.push(full(tunnel(&inner, &outer, |buf, start, end| {
        encap_gre(buf, start, end, &outer, &gre)
    })));
    // 15. GRE over IPv6 with a key, transparent Ethernet bridging / Ethernet / IPv4 / UDP.
    let inner = build(
        &[
            Spec::Eth {
                dst: mac(0x32),
                src: mac(0x31),
            },
            ipv4([10, 3, 0, 1], [10, 3, 0, 2]),
            udp(123, 123),
        ],
        b"ntp over gretap",
    );
    let gre = GreHeader {
        protocol_type: EtherType::TEB,
        checksum: false,
        key: Some(42),
        seq: None,
    };
    let outer = outer_v6("2001:db8:ffff::1", "2001:db8:ffff::2");
    out.push(full(tunnel(&inner, &outer, |buf, start, end| {
        encap_gre(buf, start, end, &outer, &gre)
    })));
    // 16. IPIP: IPv4 / IPv4 / UDP.
    let inner = build(
        &[ipv4([10, 4, 0, 1], [10, 4, 0, 2]), udp(1000, 2000)],
        b"ipip",
    );
    let outer = outer_v4([203, 0, 113, 9], [203, 0, 113, 10]);
    out.push(full(tunnel(&inner, &outer, |buf, start, end| {
        encap_ip(buf, start, end, &outer)
    })));
    // 17. SIT (6in4): IPv4 / IPv6 / TCP.
    let inner = build(&[ipv6("2002:cb00:7109::1", v6b), tcp_syn(40001, 80)], b"");
    let outer = outer_v4([203, 0, 113, 9], [192, 88, 99, 1]);
    out.push(full(tunnel(&inner, &outer, |buf, start, end| {
        encap_ip(buf, start, end, &outer)
    })));
    // 18. IPv6-in-IPv6 / ICMPv6.
    let inner = build(
        &[ipv6(v6a, v6b), Spec::Icmpv6Echo { id: 8, seq: 9 }],
        b"6in6",
    );
    let outer = outer_v6("2001:db8:a::1", "2001:db8:b::1");
    out.push(full(tunnel(&inner, &outer, |buf, start, end| {
        encap_ip(buf, start, end, &outer)
    })));
    // 19. IPv4-in-IPv6 / UDP.
    let inner = build(
        &[ipv4([10, 5, 0, 1], [10, 5, 0, 2]), udp(3000, 3001)],
        b"4in6",
    );
    out.push(full(tunnel(&inner, &outer, |buf, start, end| {
        encap_ip(buf, start, end, &outer)
    })));
    // 20. MACsec, integrity only, explicit SCI / IPv4 / ICMP.
    out.push(full(build(
        &[
            eth(),
            Spec::Macsec {
                encrypted: false,
                sci: Some(Sci::new([0x02, 0x00, 0x5e, 0x10, 0x00, 0x01], 1)),
                an: 0,
                pn: 1,
            },
            ipv4([10, 6, 0, 1], [10, 6, 0, 2]),
            Spec::Icmpv4Echo { id: 3, seq: 4 },
        ],
        b"macsec integrity only",
    )));
    // 21. MACsec, encrypted, no SCI (end station): opaque Secure Data.
    out.push(full(build(
        &[
            eth(),
            Spec::Macsec {
                encrypted: true,
                sci: None,
                an: 2,
                pn: 0x0102_0304,
            },
        ],
        b"\x9c\x4f\x11\x80\x2d\x6a\x01\xee\x55\x73\xc0\xff\xee\x42\x17\x08\x31\x99\x24\x60",
    )));
    // 22. A capture cut short: IPv4 / TCP with 40 bytes of data, 20 captured.
    let cut = build(&[eth(), ipv4(v4a, v4b), tcp_data(80, 40002)], &[b'x'; 40]);
    let wire = cut.len();
    out.push((cut[..wire - 20].to_vec(), wire));
    // 23. A malformed IPv4 header: IHL 4 (16 bytes), less than the minimum.
    let mut bad = build(&[eth(), ipv4(v4a, v4b), udp(1, 2)], b"bad ihl");
    bad[14] = 0x44;
    out.push(full(bad));
    // 24 to 29: the tunnels and encapsulations of issue 10.
    // 24. Geneve (one option, C set, UDP checksum filled) / Ethernet / IPv4 / TCP.
    let inner = build(
        &[
            Spec::Eth {
                dst: mac(0x42),
                src: mac(0x41),
            },
            ipv4([10, 7, 0, 1], [10, 7, 0, 2]),
            tcp_data(443, 50001),
        ],
        b"through geneve",
    );
    let gen = GeneveEncap {
        header: GeneveHeader {
            critical: true,
            protocol_type: EtherType::TEB,
            vni: Vni::new(0x0012_3456).expect("VNI"),
            // Class 0x0102, type 0x81 (critical), 4 bytes of data.
            options: &[0x01, 0x02, 0x81, 0x01, 0xde, 0xad, 0xbe, 0xef],
            ..GeneveHeader::default()
        },
        src_port: 49154,
        dst_port: wireview::geneve::UDP_PORT,
        udp_checksum: true,
    };
    let outer = outer_v4([172, 16, 1, 1], [172, 16, 1, 2]);
    out.push(full(tunnel(&inner, &outer, |buf, start, end| {
        encap_geneve(buf, start, end, &outer, &gen)
    })));
    // 25. MPLS over Ethernet, two labels / IPv4 / UDP.
    let inner = build(
        &[ipv4([10, 8, 0, 1], [10, 8, 0, 2]), udp(5060, 5060)],
        b"mpls over ethernet",
    );
    let entry = |label: u32, tc: u8, ttl: u8| MplsHeader {
        label: Label::new(label).expect("label"),
        traffic_class: TrafficClass::new(tc).expect("TC"),
        bottom_of_stack: false,
        ttl,
    };
    let mut frame = vec![0u8; 14 + 8];
    mpls::emit_stack(&[entry(1000, 5, 64), entry(2000, 0, 63)], &mut frame[14..])
        .expect("room for the label stack");
    EthernetHeader {
        dst: mac(2),
        src: mac(1),
        ethertype: EtherType::MPLS_UNICAST,
    }
    .emit(&mut frame)
    .expect("room for Ethernet");
    frame.extend_from_slice(&inner);
    out.push(full(frame));
    // 26. MPLS over UDP (RFC 7510, checksum filled), one label / IPv6 / UDP.
    let inner = build(
        &[ipv6("2001:db8:8::1", "2001:db8:8::2"), udp(4500, 4500)],
        b"mpls over udp",
    );
    let m = MplsUdpEncap {
        src_port: 49155,
        dst_port: mpls::UDP_PORT,
        udp_checksum: true,
    };
    let outer = outer_v4([172, 16, 2, 1], [172, 16, 2, 2]);
    out.push(full(tunnel(&inner, &outer, |buf, start, end| {
        encap_mpls_udp(buf, start, end, &outer, &[entry(3000, 1, 255)], &m)
    })));
    // 27. GTP-U G-PDU with a PDU Session Container (UDP checksum filled) /
    // IPv4 / TCP.
    let inner = build(
        &[
            ipv4([10, 45, 0, 7], [198, 51, 100, 80]),
            tcp_data(40003, 80),
        ],
        b"GET / HTTP/1.1\r\n",
    );
    let g = GtpuEncap {
        teid: 0x1234_abcd,
        sequence_number: None,
        pdu_session: Some(PduSession {
            pdu_type: PduSession::UL,
            qfi: 9,
            rqi: false,
        }),
        src_port: wireview::gtpu::UDP_PORT,
        dst_port: wireview::gtpu::UDP_PORT,
        udp_checksum: true,
    };
    let outer = outer_v4([172, 16, 3, 1], [172, 16, 3, 2]);
    out.push(full(tunnel(&inner, &outer, |buf, start, end| {
        encap_gtpu(buf, start, end, &outer, &g)
    })));
    // 28. PPPoE session / IPv4 / UDP.
    let inner = build(
        &[ipv4([100, 64, 0, 9], [192, 0, 2, 53]), udp(53001, 53)],
        b"pppoe session",
    );
    let mut buf = vec![0u8; 22];
    buf.extend_from_slice(&inner);
    let end = buf.len();
    let p = PppoeEncap {
        dst: mac(2),
        src: mac(1),
        session_id: 0x0017,
    };
    let start = encap_pppoe(&mut buf, 22, end, &p).expect("room for PPPoE");
    assert_eq!(start, 0);
    out.push(full(buf));
    // 29. PPPoE discovery: a PADI (code 0x09) with an empty Service-Name
    // tag (the crate reads discovery frames but has no builder for them).
    let mut padi = vec![0u8; 14];
    EthernetHeader {
        dst: MacAddr::BROADCAST,
        src: mac(1),
        ethertype: EtherType::PPPOE_DISCOVERY,
    }
    .emit(&mut padi)
    .expect("room for Ethernet");
    padi.extend_from_slice(&[0x11, 0x09, 0x00, 0x00, 0x00, 0x04, 0x01, 0x01, 0x00, 0x00]);
    out.push(full(padi));
    // 30 and 31: ICMP errors and the datagrams they quote (issue 9), whole
    // here, so that every quoted checksum can be checked from scratch.
    // 30. The answer to packet 1: IPv4 / ICMP port unreachable quoting
    // IPv4 / UDP.
    let quoted = build(
        &[ipv4(v4a, v4b), udp(53000, 53)],
        b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01",
    );
    out.push(full(build(
        &[
            eth(),
            ipv4(v4b, v4a),
            Spec::Icmpv4Error {
                msg_type: Icmpv4Type::DEST_UNREACHABLE,
                code: Icmpv4Code::PORT_UNREACHABLE,
                rest: 0,
            },
        ],
        &quoted,
    )));
    // 31. IPv6 / ICMPv6 packet too big (MTU 1280) from a router, quoting
    // IPv6 / TCP.
    let quoted = build(&[ipv6(v6a, v6b), tcp_data(40004, 443)], &[b'd'; 24]);
    out.push(full(build(
        &[
            eth(),
            ipv6("2001:db8:ffff::fe", v6a),
            Spec::Icmpv6Error {
                msg_type: Icmpv6Type::PACKET_TOO_BIG,
                code: Icmpv6Code(0),
                rest: 1280,
            },
        ],
        &quoted,
    )));
    out
}

/// Puts `inner` in a buffer with room before it for an Ethernet header
/// and the tunnel headers, lets `encap` (a `wireview::tunnel` function
/// given the buffer and the inner packet's start and end) write the tunnel
/// headers, then writes the outer Ethernet header.
fn tunnel(
    inner: &[u8],
    outer: &OuterIp,
    encap: impl FnOnce(&mut [u8], usize, usize) -> Result<usize, Error>,
) -> Vec<u8> {
    const ROOM: usize = 14 + 40 + 64;
    let mut buf = vec![0u8; ROOM + inner.len()];
    buf[ROOM..].copy_from_slice(inner);
    let end = buf.len();
    let start = encap(&mut buf, ROOM, end).expect("room for the tunnel headers");
    let ethertype = match outer {
        OuterIp::V4(_) => EtherType::IPV4,
        OuterIp::V6(_) => EtherType::IPV6,
    };
    let mut frame = buf.split_off(start - 14);
    EthernetHeader {
        dst: mac(2),
        src: mac(1),
        ethertype,
    }
    .emit(&mut frame)
    .expect("room for Ethernet");
    frame
}

/// Splits Ethernet/IPv4 frame `whole` into two fragments, the first with
/// `first_len` bytes of IP payload (a multiple of 8).
fn fragments(whole: &[u8], first_len: usize) -> (Vec<u8>, Vec<u8>) {
    let (eth_ip, payload) = whole.split_at(14 + 20);
    let mut a = eth_ip.to_vec();
    a.extend_from_slice(&payload[..first_len]);
    let mut b = eth_ip.to_vec();
    b.extend_from_slice(&payload[first_len..]);
    {
        let mut ip = wireview::Ipv4::new_truncated(&mut a[14..]).expect("IPv4");
        ip.set_total_len(u16_of(20 + first_len)).expect("fits");
        ip.set_more_fragments(true);
    }
    {
        let mut ip = wireview::Ipv4::new_truncated(&mut b[14..]).expect("IPv4");
        ip.set_total_len(u16_of(20 + payload.len() - first_len))
            .expect("fits");
        ip.set_fragment_offset(u16_of(first_len / 8)).expect("fits");
    }
    (a, b)
}

/// Cuts Ethernet/IPv6/fragment/UDP frame `whole` after `keep` bytes of
/// fragmentable part, as the first fragment of the datagram.
fn ipv6_first_fragment(whole: &[u8], keep: usize) -> Vec<u8> {
    let mut a = whole[..14 + 40 + 8 + keep].to_vec();
    let mut ip = wireview::Ipv6::new_truncated(&mut a[14..]).expect("IPv6");
    ip.set_payload_len(u16_of(8 + keep)).expect("fits");
    a
}

/// The first timestamp of the sample, in seconds (2023-11-14T22:13:20Z).
pub const T0: u32 = 1_700_000_000;

/// The sample capture: a classic little-endian microsecond pcap file,
/// packet `k` (from 0) stamped `T0 + k` seconds and `k * 1000` µs.
pub fn sample_pcap() -> Vec<u8> {
    let packets = packets();
    let records: Vec<(u32, u32, &[u8], usize)> = packets
        .iter()
        .enumerate()
        .map(|(k, (frame, wire))| {
            let k = u32::try_from(k).expect("few packets");
            (T0 + k, k * 1000, frame.as_slice(), *wire)
        })
        .collect();
    wireview_cli::capture::pcap_file(1, &records)
}
