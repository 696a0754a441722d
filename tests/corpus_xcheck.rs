//! Cross-check over the tcpdump test captures in `../shared/corpus/tcpdump/`
//! (relative to the crate; the test prints a note and passes when the
//! directory is absent, e.g. in a published crate).
//!
//! For every frame of every capture (pcap and pcapng, read with
//! `pcap-file`):
//!
//! (a) nothing panics: the walk, every view constructor tried at the start
//!     of every walked layer with every getter called on what it accepts,
//!     `FlowKey::from_ethernet`, and `Packet` rewrites of every layer (TTL /
//!     hop limit, addresses, DSCP/ECN, identification, ports, VLAN id,
//!     VNI). After the rewrites the frame walks to the same layers, and
//!     every checksum that was valid before (checked from scratch with the
//!     plain loop below, which shares no code with the crate) is valid
//!     after.
//!
//! (b) every Ethernet, VLAN, ARP, IPv4, IPv6, IPv6 extension, UDP, TCP,
//!     ICMPv4, ICMPv6 and MACsec header that wireview's walk found and
//!     etherparse 0.21 also accepts (its `*HeaderSlice::from_slice` at the
//!     offset the walk found) has the same value in every field both read,
//!     IPv4 and TCP options bytes and the parsed TCP options included. And
//!     etherparse's own whole-packet parse (`LaxSlicedPacket::from_ethernet`)
//!     finds each of its headers at an offset where the walk found a header
//!     of the same kind, except for the documented differences counted in
//!     `lax_differences` below.
//!
//! Known, accepted differences (each documented where it is handled):
//! etherparse 0.21 has no VXLAN or GRE, so its whole-packet parse stops at
//! a tunnel while the walk goes on (those headers are checked by (a) and
//! by the unit tests); it goes by the IP version nibble where wireview goes
//! by the EtherType; and it reads on, lax, past an IPv4 total length of 0
//! or an IPv6 payload length of 0 without a jumbo option (Linux BIG TCP
//! captures) and past a MACsec short length beyond the frame, where the
//! walk stops with an error. See `lax_difference`.
//!
//! Counts are printed per file and in total (`cargo test --test
//! corpus_xcheck -- --nocapture`), and the test asserts that it compared
//! many headers of each kind, so it cannot pass vacuously.

// Counters and offsets are converted between widths on purpose; the
// comparison of each protocol is written out in one place even when long.
#![allow(clippy::cast_possible_truncation, clippy::too_many_lines)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use etherparse::{
    ArpPacketSlice, Ethernet2HeaderSlice, Icmpv4Slice, Icmpv6Slice, IpAuthHeaderSlice,
    Ipv4HeaderSlice, Ipv6FragmentHeaderSlice, Ipv6HeaderSlice, Ipv6RawExtHeaderSlice,
    LaxLinkExtSlice, LaxNetSlice, LaxSlicedPacket, LinkSlice, MacsecHeaderSlice,
    SingleVlanHeaderSlice, TcpHeaderSlice, TcpOptionElement, TransportSlice, UdpHeaderSlice,
};
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::{Block, PcapNgReader};
use wireview::flow::FlowKey;
use wireview::mpls::Label;
use wireview::packet::Packet;
use wireview::walk::{Layer, LayerKind, Layers};
use wireview::{
    Arp, Dscp, Ecn, Ethernet, ExtHeaders, Gre, Icmpv4, Icmpv6, Ipv4, Ipv6, Ipv6Auth, Ipv6ExtKind,
    Ipv6Fragment, Ipv6Routing, Macsec, Tcp, TcpFlags, TcpOption, Udp, Vid, VlanTag, Vni, Vxlan,
};

// ------------------------------------------------------------------ reading

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/tcpdump")
}

/// The captured bytes of every frame of a pcap or pcapng file. A file
/// whose records run out early gives the frames before.
fn read_frames(path: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(path).unwrap();
    let mut frames = Vec::new();
    if bytes.starts_with(&[0x0A, 0x0D, 0x0D, 0x0A]) {
        let Ok(mut reader) = PcapNgReader::new(&bytes[..]) else {
            return frames;
        };
        while let Some(Ok(block)) = reader.next_block() {
            match block {
                Block::EnhancedPacket(p) => frames.push(p.data.into_owned()),
                Block::SimplePacket(p) => frames.push(p.data.into_owned()),
                Block::Packet(p) => frames.push(p.data.into_owned()),
                _ => {}
            }
        }
    } else {
        let Ok(mut reader) = PcapReader::new(&bytes[..]) else {
            return frames;
        };
        // The raw records: tcpdump's crash reproducers have lengths beyond
        // the snap length, which `next_packet` refuses.
        while let Some(Ok(packet)) = reader.next_raw_packet() {
            frames.push(packet.data.into_owned());
        }
    }
    frames
}

/// Says which frame was being checked when a check fails or panics.
struct Context<'a> {
    file: &'a str,
    frame: usize,
}

impl Drop for Context<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "while checking {} frame {} (0-based)",
                self.file, self.frame
            );
        }
    }
}

#[derive(Default)]
struct Counts(BTreeMap<&'static str, u64>);

impl Counts {
    fn add(&mut self, what: &'static str) {
        *self.0.entry(what).or_default() += 1;
    }
    fn get(&self, what: &str) -> u64 {
        self.0.get(what).copied().unwrap_or(0)
    }
    fn merge(&mut self, other: &Counts) {
        for (k, v) in &other.0 {
            *self.0.entry(k).or_default() += v;
        }
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k} {v}")).collect();
        f.write_str(&parts.join(", "))
    }
}

// ------------------------------------------------------- reference checksum

/// The one's-complement sum of the 16-bit big-endian words of `parts`
/// (each part starting on a word boundary; an odd last byte padded),
/// folded to 16 bits.
fn sum16(parts: &[&[u8]]) -> u32 {
    let mut sum: u32 = 0;
    for part in parts {
        for pair in part.chunks(2) {
            sum += u32::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]));
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
    }
    sum
}

/// The destination of the pseudo-header of a transport layer `i` whose IP
/// layer is `ip`: with a routing header that has segments left, its final
/// address (type 0: the last one; type 4, segment routing: the first one
/// of the list); `None` for other routing types, whose final destination
/// this test does not compute.
fn final_dst(frame: &[u8], layers: &Layers, ip: usize, i: usize) -> Option<[u8; 16]> {
    let l = layers.get(ip).unwrap();
    let mut dst: [u8; 16] = frame[l.start + 24..l.start + 40].try_into().unwrap();
    for x in layers.iter().take(i).skip(ip + 1) {
        if x.kind == LayerKind::Ipv6Ext(Ipv6ExtKind::Routing) {
            let rh = &frame[x.header_range()];
            match (rh[2], rh[3]) {
                (_, 0) => {}
                (0, _) if rh.len() >= 24 => dst.copy_from_slice(&rh[rh.len() - 16..]),
                (4, _) if rh.len() >= 24 => dst.copy_from_slice(&rh[8..24]),
                _ => return None,
            }
        }
    }
    Some(dst)
}

/// Every checksum of a walked frame, verified from scratch:
/// `(layer index, Some(valid))`, or `None` where this frame alone cannot
/// tell (UDP checksum 0, "none"; a datagram cut short by the capture, or a
/// fragment; an unknown routing header).
fn checksums(frame: &[u8], layers: &Layers) -> Vec<(usize, Option<bool>)> {
    let mut out = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let bytes = &frame[l.range()];
        let ip = layers
            .enclosing_ip(i)
            .map(|ip| (ip, layers.get(ip).unwrap()));
        let whole = ip.map_or(true, |(ipi, ipl)| {
            let fragment = match ipl.kind {
                LayerKind::Ipv4 => frame[ipl.start + 6] & 0x3F != 0 || frame[ipl.start + 7] != 0,
                _ => layers
                    .iter()
                    .take(i)
                    .skip(ipi + 1)
                    .any(|x| x.kind == LayerKind::Ipv6Ext(Ipv6ExtKind::Fragment)),
            };
            !ipl.truncated && !fragment
        });
        let with_pseudo = |protocol: u8| -> Option<bool> {
            let (ipi, ipl) = ip?;
            let len = l.end - l.start;
            let h = &frame[ipl.start..];
            let pseudo = if ipl.kind == LayerKind::Ipv4 {
                let mut p = h[12..20].to_vec();
                p.extend_from_slice(&[0, protocol]);
                p.extend_from_slice(&u16::try_from(len).ok()?.to_be_bytes());
                p
            } else {
                let mut p = h[8..24].to_vec();
                p.extend_from_slice(&final_dst(frame, layers, ipi, i)?);
                p.extend_from_slice(&u32::try_from(len).unwrap().to_be_bytes());
                p.extend_from_slice(&[0, 0, 0, protocol]);
                p
            };
            Some(sum16(&[&pseudo, bytes]) == 0xFFFF)
        };
        let valid = match l.kind {
            LayerKind::Ipv4 => Some(sum16(&[&frame[l.header_range()]]) == 0xFFFF),
            LayerKind::Udp if bytes[6..8] == [0, 0] || l.truncated || !whole => None,
            LayerKind::Udp => with_pseudo(17),
            LayerKind::Tcp if whole => with_pseudo(6),
            LayerKind::Icmpv6 if whole => with_pseudo(58),
            LayerKind::Icmpv4 if whole => Some(sum16(&[bytes]) == 0xFFFF),
            LayerKind::Gre if whole && bytes[0] & 0x80 != 0 => Some(sum16(&[bytes]) == 0xFFFF),
            LayerKind::Tcp | LayerKind::Icmpv6 | LayerKind::Icmpv4 | LayerKind::Gre => None,
            _ => continue,
        };
        out.push((i, valid));
    }
    out
}

// ------------------------------------------------------ (a) views, no panic

/// Tries every view constructor on `b` and calls every getter of each view
/// that accepts it. Returns a number derived from all of them, so that
/// nothing is optimised away.
fn touch_views(b: &[u8]) -> u64 {
    let mut acc = 0u64;
    let mut add = |x: u64| acc = acc.wrapping_mul(31).wrapping_add(x);
    if let Ok(v) = Ethernet::new(b) {
        add(u64::from(v.dst().0[0]) + u64::from(v.src().0[5]) + u64::from(v.ethertype().0));
        add((v.header_len() + v.header().len() + v.payload().len()) as u64);
    }
    if let Ok(v) = VlanTag::new(b) {
        add(u64::from(v.tci()) + u64::from(v.pcp().value()) + u64::from(v.dei()));
        add(u64::from(v.vid().value()) + u64::from(v.ethertype().0));
        add((v.header_len() + v.header().len() + v.payload().len()) as u64);
        black_box(v.to_header());
    }
    if let Ok(v) = Arp::new(b) {
        add(u64::from(v.htype()) + u64::from(v.ptype().0) + u64::from(v.hlen()));
        add(u64::from(v.plen()) + u64::from(v.oper().0) + v.header_len() as u64);
        add((v.header().len() + v.sha().len() + v.spa().len() + v.tha().len()) as u64);
        add(v.tpa().len() as u64 + u64::from(v.is_ethernet_ipv4()));
        black_box((
            v.sender_mac(),
            v.sender_ipv4(),
            v.target_mac(),
            v.target_ipv4(),
        ));
    }
    for v in [Ipv4::new(b), Ipv4::new_truncated(b)].into_iter().flatten() {
        add(u64::from(v.version()) + u64::from(v.ihl()) + v.header_len() as u64);
        add(u64::from(v.tos()) + u64::from(v.tos_flags().bits()) + u64::from(v.dscp().value()));
        add(u64::from(v.ecn().value()) + u64::from(v.total_len()) + u64::from(v.identification()));
        add(u64::from(v.reserved_flag()) + u64::from(v.dont_fragment()));
        add(u64::from(v.more_fragments()) + u64::from(v.fragment_offset()));
        add(v.fragment_offset_bytes() as u64 + u64::from(v.is_fragment()) + u64::from(v.ttl()));
        add(u64::from(v.protocol().0) + u64::from(v.checksum()));
        add(u64::from(u32::from(v.src())) + u64::from(u32::from(v.dst())));
        add((v.header().len() + v.options().len() + v.payload().len()) as u64);
        add(u64::from(v.is_truncated()) + u64::from(v.verify_checksum()));
        add(u64::from(v.pseudo_header_sum(v.total_len()).value()));
        for o in v.options_iter() {
            let _ = black_box(o);
        }
    }
    for v in [Ipv6::new(b), Ipv6::new_truncated(b)].into_iter().flatten() {
        add(u64::from(v.version()) + v.header_len() as u64 + u64::from(v.traffic_class()));
        add(u64::from(v.dscp().value()) + u64::from(v.ecn().value()) + u64::from(v.flow_label()));
        add(u64::from(v.payload_len()) + u64::from(v.next_header().0) + u64::from(v.hop_limit()));
        add((u128::from(v.src()) ^ u128::from(v.dst())) as u64);
        add((v.header().len() + v.payload().len()) as u64);
        add(u64::from(v.is_jumbogram()) + u64::from(v.is_truncated()));
        add(u64::from(v.pseudo_header_sum(v.next_header(), 8).value()));
        let mut exts = v.ext_headers();
        for ext in (&mut exts).flatten() {
            add(ext.len() as u64 + u64::from(ext.next_header.0));
            if let Some(opts) = ext.options() {
                for o in opts {
                    let _ = black_box(o);
                }
            }
        }
        black_box(exts.upper_layer());
    }
    if let Ok(v) = Ipv6Fragment::new(b) {
        add(v.header_len() as u64 + u64::from(v.next_header().0) + u64::from(v.fragment_offset()));
        add(v.fragment_offset_bytes() as u64 + u64::from(v.more_fragments()));
        add(u64::from(v.is_fragment()) + u64::from(v.identification()));
        add((v.header().len() + v.payload().len()) as u64);
    }
    if let Ok(v) = Ipv6Routing::new(b) {
        add(u64::from(v.next_header().0) + u64::from(v.hdr_ext_len()) + v.header_len() as u64);
        add(u64::from(v.routing_type().0) + u64::from(v.segments_left()));
        add((v.data().len() + v.header().len() + v.payload().len()) as u64);
    }
    if let Ok(v) = Ipv6Auth::new(b) {
        add(u64::from(v.next_header().0) + u64::from(v.payload_len()) + v.header_len() as u64);
        add(u64::from(v.spi()) + u64::from(v.sequence_number()));
        add((v.icv().len() + v.header().len() + v.payload().len()) as u64);
    }
    let (a4, b4) = (Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2));
    let (a6, b6) = (Ipv6Addr::LOCALHOST, Ipv6Addr::UNSPECIFIED);
    for v in [Udp::new(b), Udp::new_truncated(b)].into_iter().flatten() {
        add(u64::from(v.src_port()) + u64::from(v.dst_port()) + u64::from(v.length()));
        add(u64::from(v.checksum()) + v.header_len() as u64 + v.header().len() as u64);
        add(u64::from(v.is_truncated()) + v.payload().len() as u64);
        add(u64::from(
            v.checksum_sum(wireview::checksum::Sum::ZERO).value(),
        ));
        add(u64::from(v.verify_checksum_ipv4(a4, b4)) + u64::from(v.verify_checksum_ipv6(a6, b6)));
    }
    if let Ok(v) = Tcp::new(b) {
        add(u64::from(v.src_port()) + u64::from(v.dst_port()) + u64::from(v.seq_number()));
        add(u64::from(v.ack_number()) + u64::from(v.data_offset()) + v.header_len() as u64);
        add(u64::from(v.flags().bits()) + u64::from(v.window()) + u64::from(v.checksum()));
        add(u64::from(v.urgent_pointer()) + (v.header().len() + v.options().len()) as u64);
        add(v.payload().len() as u64);
        add(u64::from(
            v.checksum_sum(wireview::checksum::Sum::ZERO).value(),
        ));
        add(u64::from(v.verify_checksum_ipv4(a4, b4)) + u64::from(v.verify_checksum_ipv6(a6, b6)));
        for o in v.options_iter() {
            if let Ok(TcpOption::Sack(blocks)) = o {
                add(blocks.len() as u64 + u64::from(blocks.is_empty()));
                for block in &blocks {
                    black_box(block);
                }
            }
            let _ = black_box(o);
        }
    }
    if let Ok(v) = Icmpv4::new(b) {
        add(u64::from(v.msg_type().0) + u64::from(v.code().0) + u64::from(v.checksum()));
        add(u64::from(v.rest_of_header()) + u64::from(v.identifier()) + u64::from(v.sequence()));
        add(u64::from(v.mtu()) + u64::from(v.pointer()) + u64::from(u32::from(v.gateway())));
        add(u64::from(v.is_echo()) + u64::from(v.is_error()) + v.header_len() as u64);
        add((v.header().len() + v.payload().len() + v.quoted().len()) as u64);
        add(u64::from(v.verify_checksum()));
    }
    if let Ok(v) = Icmpv6::new(b) {
        add(u64::from(v.msg_type().0) + u64::from(v.code().0) + u64::from(v.checksum()));
        add(u64::from(v.rest_of_header()) + u64::from(v.identifier()) + u64::from(v.sequence()));
        add(u64::from(v.mtu()) + u64::from(v.pointer()));
        add(u64::from(v.is_echo()) + u64::from(v.is_error()));
        add((v.header().len() + v.payload().len() + v.quoted().len()) as u64);
        add(u64::from(
            v.checksum_sum(wireview::checksum::Sum::ZERO).value(),
        ));
        add(u64::from(v.verify_checksum(a6, b6)));
    }
    if let Ok(v) = Vxlan::new(b) {
        add(v.header_len() as u64 + u64::from(v.flags()) + u64::from(v.i_flag()));
        add(u64::from(v.reserved1()) + u64::from(v.vni().value()) + u64::from(v.reserved2()));
        add((v.header().len() + v.payload().len()) as u64);
    }
    if let Ok(v) = Gre::new(b) {
        add((v.packet().len() + v.packet_len()) as u64 + u64::from(v.flags_version()));
        add(u64::from(v.checksum_present()) + u64::from(v.key_present()));
        add(u64::from(v.seq_present()) + u64::from(v.reserved0()) + u64::from(v.version()));
        add(u64::from(v.protocol_type().0) + v.header_len() as u64);
        black_box((
            v.checksum(),
            v.reserved1(),
            v.key(),
            v.seq(),
            v.verify_checksum(),
        ));
        add((v.header().len() + v.payload().len()) as u64);
    }
    if let Ok(v) = Macsec::new(b) {
        add(u64::from(v.tci_an()) + u64::from(v.tci().bits()) + u64::from(v.version()));
        add(u64::from(v.end_station()) + u64::from(v.sci_present()));
        add(u64::from(v.single_copy_broadcast()) + u64::from(v.encryption()));
        add(u64::from(v.changed_text()) + u64::from(v.an().value()) + u64::from(v.short_len()));
        add(u64::from(v.sl_reserved()) + u64::from(v.pn()) + v.sci().map_or(0, |s| s.0));
        add((v.header_len() + v.header().len() + v.icv_len() + v.secure_data().len()) as u64);
        add((v.icv().len() + v.padding().len()) as u64);
        black_box((v.inner_ethertype(), v.inner_payload()));
    }
    acc
}

/// Rewrites every field `Packet` has a setter for, in every layer, with
/// values that keep the frame's structure (a VXLAN port stays one, no
/// other port becomes one).
fn rewrite_all(frame: &mut [u8]) {
    let Ok(mut pkt) = Packet::from_ethernet_capture(frame) else {
        return;
    };
    let layers = pkt.layers().clone();
    for (i, l) in layers.iter().enumerate() {
        match l.kind {
            LayerKind::Ipv4 => {
                let _ = pkt.decrement_hop_limit(i).unwrap();
                pkt.set_hop_limit(i, 0x2A).unwrap();
                pkt.set_ipv4_src(i, Ipv4Addr::new(198, 51, 100, 7)).unwrap();
                pkt.set_ipv4_dst(i, Ipv4Addr::new(203, 0, 113, 200))
                    .unwrap();
                pkt.set_dscp(i, Dscp::AF41).unwrap();
                pkt.set_ecn(i, Ecn::Ce).unwrap();
                pkt.set_identification(i, 0xBEEF).unwrap();
                pkt.set_dont_fragment(i, true).unwrap();
            }
            LayerKind::Ipv6 => {
                let _ = pkt.decrement_hop_limit(i).unwrap();
                pkt.set_ipv6_src(i, "2001:db8::a".parse().unwrap()).unwrap();
                pkt.set_ipv6_dst(i, "2001:db8:1::b".parse().unwrap())
                    .unwrap();
                pkt.set_dscp(i, Dscp::EF).unwrap();
                pkt.set_ecn(i, Ecn::Ect1).unwrap();
            }
            LayerKind::Tcp | LayerKind::Udp => {
                let b = &pkt.as_bytes()[l.start..];
                let (src, dst) = (
                    u16::from_be_bytes([b[0], b[1]]),
                    u16::from_be_bytes([b[2], b[3]]),
                );
                // Tunnel ports (VXLAN, Geneve, GTP-U, MPLS over UDP) stay
                // what they are, and no other port becomes one.
                let tunnel = |p: u16| matches!(p, 4789 | 6081 | 2152 | 6635);
                let keep = |p: u16| tunnel(p) || tunnel(p ^ 0x0F0F);
                if !keep(src) {
                    pkt.set_src_port(i, src ^ 0x0F0F).unwrap();
                }
                if !keep(dst) {
                    pkt.set_dst_port(i, dst ^ 0x0F0F).unwrap();
                }
            }
            LayerKind::Vlan => pkt.set_vid(i, Vid::new(0xABC).unwrap()).unwrap(),
            LayerKind::Vxlan | LayerKind::Geneve => {
                pkt.set_vni(i, Vni::new(0x12_3456).unwrap()).unwrap();
            }
            LayerKind::Gtpu => pkt.set_teid(i, 0xDEAD_BEEF).unwrap(),
            LayerKind::Mpls => pkt.set_label(i, Label::new(0x5_4321).unwrap()).unwrap(),
            _ => {}
        }
    }
}

// ------------------------------------------- (b) field-by-field comparison

/// Compares the header of layer `l` with etherparse's reading of it, when
/// etherparse accepts it, and counts what was compared.
fn compare_layer(frame: &[u8], l: &Layer, counts: &mut Counts) {
    let at = &frame[l.start..];
    let region = &frame[l.range()];
    match l.kind {
        LayerKind::Ethernet => {
            let w = Ethernet::new(at).unwrap();
            if let Ok(e) = Ethernet2HeaderSlice::from_slice(at) {
                assert_eq!(w.dst().0, e.destination());
                assert_eq!(w.src().0, e.source());
                assert_eq!(w.ethertype().0, e.ether_type().0);
                counts.add("ethernet");
            } else {
                counts.add("ethernet: etherparse refused");
            }
        }
        LayerKind::Vlan => {
            let w = VlanTag::new(at).unwrap();
            if let Ok(e) = SingleVlanHeaderSlice::from_slice(at) {
                assert_eq!(w.pcp().value(), e.priority_code_point().value());
                assert_eq!(w.dei(), e.drop_eligible_indicator());
                assert_eq!(w.vid().value(), e.vlan_identifier().value());
                assert_eq!(w.ethertype().0, e.ether_type().0);
                counts.add("vlan");
            } else {
                counts.add("vlan: etherparse refused");
            }
        }
        LayerKind::Arp => {
            let w = Arp::new(region).unwrap();
            if let Ok(e) = ArpPacketSlice::from_slice(region) {
                assert_eq!(w.htype(), e.hw_addr_type().0);
                assert_eq!(w.ptype().0, e.proto_addr_type().0);
                assert_eq!(
                    (w.hlen(), w.plen()),
                    (e.hw_addr_size(), e.proto_addr_size())
                );
                assert_eq!(w.oper().0, e.operation().0);
                assert_eq!(
                    (w.sha(), w.spa()),
                    (e.sender_hw_addr(), e.sender_protocol_addr())
                );
                assert_eq!(
                    (w.tha(), w.tpa()),
                    (e.target_hw_addr(), e.target_protocol_addr())
                );
                counts.add("arp");
            } else {
                counts.add("arp: etherparse refused");
            }
        }
        LayerKind::Ipv4 => {
            let w = Ipv4::new_truncated(region).unwrap();
            if let Ok(e) = Ipv4HeaderSlice::from_slice(region) {
                assert_eq!((w.version(), w.ihl()), (e.version(), e.ihl()));
                assert_eq!(w.header_len(), e.slice().len());
                assert_eq!(w.dscp().value(), e.dcp().value());
                assert_eq!(w.ecn().value(), e.ecn().value());
                assert_eq!(w.total_len(), e.total_len());
                assert_eq!(w.identification(), e.identification());
                assert_eq!(w.dont_fragment(), e.dont_fragment());
                assert_eq!(w.more_fragments(), e.more_fragments());
                assert_eq!(w.fragment_offset(), e.fragments_offset().value());
                assert_eq!(w.is_fragment(), e.is_fragmenting_payload());
                assert_eq!((w.ttl(), w.protocol().0), (e.ttl(), e.protocol().0));
                assert_eq!(w.checksum(), e.header_checksum());
                assert_eq!(w.src(), e.source_addr());
                assert_eq!(w.dst(), e.destination_addr());
                assert_eq!(w.options(), e.options());
                counts.add("ipv4");
                if !w.options().is_empty() {
                    counts.add("ipv4 with options");
                }
            } else {
                counts.add("ipv4: etherparse refused");
            }
        }
        LayerKind::Ipv6 => {
            let w = Ipv6::new_truncated(region).unwrap();
            if let Ok(e) = Ipv6HeaderSlice::from_slice(region) {
                assert_eq!(w.version(), e.version());
                assert_eq!(w.traffic_class(), e.traffic_class());
                assert_eq!(w.dscp().value(), e.dscp().value());
                assert_eq!(w.ecn().value(), e.ecn().value());
                assert_eq!(w.flow_label(), e.flow_label().value());
                assert_eq!(w.payload_len(), e.payload_length());
                assert_eq!(w.next_header().0, e.next_header().0);
                assert_eq!(w.hop_limit(), e.hop_limit());
                assert_eq!((w.src(), w.dst()), (e.source_addr(), e.destination_addr()));
                counts.add("ipv6");
            } else {
                counts.add("ipv6: etherparse refused");
            }
        }
        LayerKind::Ipv6Ext(kind) => compare_ipv6_ext(kind, region, l, counts),
        LayerKind::Udp => {
            let w = Udp::new_truncated(region).unwrap();
            if let Ok(e) = UdpHeaderSlice::from_slice(region) {
                assert_eq!(
                    (w.src_port(), w.dst_port()),
                    (e.source_port(), e.destination_port())
                );
                assert_eq!((w.length(), w.checksum()), (e.length(), e.checksum()));
                counts.add("udp");
            } else {
                counts.add("udp: etherparse refused");
            }
        }
        LayerKind::Tcp => {
            let w = Tcp::new(region).unwrap();
            if let Ok(e) = TcpHeaderSlice::from_slice(region) {
                assert_eq!(
                    (w.src_port(), w.dst_port()),
                    (e.source_port(), e.destination_port())
                );
                assert_eq!(w.seq_number(), e.sequence_number());
                assert_eq!(w.ack_number(), e.acknowledgment_number());
                assert_eq!(w.data_offset(), e.data_offset());
                let f = w.flags();
                let ours = [
                    f.contains(TcpFlags::AE),
                    f.contains(TcpFlags::CWR),
                    f.contains(TcpFlags::ECE),
                    f.contains(TcpFlags::URG),
                    f.contains(TcpFlags::ACK),
                    f.contains(TcpFlags::PSH),
                    f.contains(TcpFlags::RST),
                    f.contains(TcpFlags::SYN),
                    f.contains(TcpFlags::FIN),
                ];
                let theirs = [
                    e.ns(),
                    e.cwr(),
                    e.ece(),
                    e.urg(),
                    e.ack(),
                    e.psh(),
                    e.rst(),
                    e.syn(),
                    e.fin(),
                ];
                assert_eq!(ours, theirs);
                assert_eq!(w.window(), e.window_size());
                assert_eq!(w.checksum(), e.checksum());
                assert_eq!(w.urgent_pointer(), e.urgent_pointer());
                assert_eq!(w.options(), e.options());
                counts.add("tcp");
                compare_tcp_options(&w, &e, counts);
            } else {
                counts.add("tcp: etherparse refused");
            }
        }
        LayerKind::Icmpv4 => {
            let w = Icmpv4::new(region).unwrap();
            if let Ok(e) = Icmpv4Slice::from_slice(region) {
                assert_eq!((w.msg_type().0, w.code().0), (e.type_u8(), e.code_u8()));
                assert_eq!(w.checksum(), e.checksum());
                assert_eq!(w.rest_of_header().to_be_bytes(), e.bytes5to8());
                counts.add("icmpv4");
            } else {
                counts.add("icmpv4: etherparse refused");
            }
        }
        LayerKind::Icmpv6 => {
            let w = Icmpv6::new(region).unwrap();
            if let Ok(e) = Icmpv6Slice::from_slice(region) {
                assert_eq!((w.msg_type().0, w.code().0), (e.type_u8(), e.code_u8()));
                assert_eq!(w.checksum(), e.checksum());
                assert_eq!(w.rest_of_header().to_be_bytes(), e.bytes5to8());
                counts.add("icmpv6");
            } else {
                counts.add("icmpv6: etherparse refused");
            }
        }
        LayerKind::Macsec => {
            let w = Macsec::new(region).unwrap();
            if let Ok(e) = MacsecHeaderSlice::from_slice(region) {
                assert_eq!(w.tci_an(), e.tci_an_raw());
                assert_eq!(w.end_station(), e.endstation_id());
                assert_eq!(w.single_copy_broadcast(), e.tci_scb());
                assert_eq!(w.encryption(), e.encrypted());
                assert_eq!(w.changed_text(), e.userdata_changed());
                assert_eq!(w.an().value(), e.an().value());
                assert_eq!(w.short_len(), e.short_len().value());
                assert_eq!(w.pn(), e.packet_nr());
                assert_eq!(w.sci_present(), e.sci_present());
                assert_eq!(w.sci().map(|s| s.0), e.sci());
                assert_eq!(
                    w.inner_ethertype().map(|t| t.0),
                    e.next_ether_type().map(|t| t.0)
                );
                // etherparse counts the inner EtherType into its header.
                let inner = if w.inner_ethertype().is_some() { 2 } else { 0 };
                assert_eq!(w.header_len() + inner, e.header_len());
                counts.add("macsec");
            } else {
                counts.add("macsec: etherparse refused");
            }
        }
        // VXLAN and GRE: etherparse 0.21 has no such headers.
        _ => {}
    }
}

fn compare_ipv6_ext(kind: Ipv6ExtKind, region: &[u8], l: &Layer, counts: &mut Counts) {
    let ext = ExtHeaders::new(kind.protocol(), region)
        .next()
        .unwrap()
        .unwrap();
    assert_eq!((ext.kind, ext.len()), (kind, l.header_len));
    match kind {
        Ipv6ExtKind::HopByHop | Ipv6ExtKind::Routing | Ipv6ExtKind::Destination => {
            if let Ok(e) = Ipv6RawExtHeaderSlice::from_slice(region) {
                assert_eq!(ext.next_header.0, e.next_header().0);
                assert_eq!(ext.data, e.slice());
                assert_eq!(&ext.data[2..], e.payload());
                if kind == Ipv6ExtKind::Routing {
                    let w = Ipv6Routing::new(region).unwrap();
                    assert_eq!(w.routing_type().0, e.payload()[0]);
                    assert_eq!(w.segments_left(), e.payload()[1]);
                    assert_eq!(w.header_len(), e.slice().len());
                }
                counts.add("ipv6 ext (raw)");
            } else {
                counts.add("ipv6 ext (raw): etherparse refused");
            }
        }
        Ipv6ExtKind::Fragment => {
            let w = Ipv6Fragment::new(region).unwrap();
            if let Ok(e) = Ipv6FragmentHeaderSlice::from_slice(region) {
                assert_eq!(w.next_header().0, e.next_header().0);
                assert_eq!(w.fragment_offset(), e.fragment_offset().value());
                assert_eq!(w.more_fragments(), e.more_fragments());
                assert_eq!(w.identification(), e.identification());
                counts.add("ipv6 fragment");
            } else {
                counts.add("ipv6 fragment: etherparse refused");
            }
        }
        Ipv6ExtKind::Auth => {
            let w = Ipv6Auth::new(region).unwrap();
            if let Ok(e) = IpAuthHeaderSlice::from_slice(region) {
                assert_eq!(w.next_header().0, e.next_header().0);
                assert_eq!(
                    (w.spi(), w.sequence_number()),
                    (e.spi(), e.sequence_number())
                );
                assert_eq!(w.icv(), e.raw_icv());
                counts.add("ipv6 auth");
            } else {
                counts.add("ipv6 auth: etherparse refused");
            }
        }
    }
}

/// Compares the parsed TCP options one by one, up to the first option
/// either side cannot read or does not know (etherparse yields an error
/// for unknown kinds and stops at End; wireview yields them as values).
fn compare_tcp_options(w: &wireview::TcpRef<'_>, e: &TcpHeaderSlice<'_>, counts: &mut Counts) {
    for (ours, theirs) in w.options_iter().zip(e.options_iterator()) {
        let (Ok(ours), Ok(theirs)) = (ours, theirs) else {
            break;
        };
        match (ours, theirs) {
            (TcpOption::Nop, TcpOptionElement::Noop)
            | (TcpOption::SackPermitted, TcpOptionElement::SelectiveAcknowledgementPermitted) => {}
            (TcpOption::Mss(a), TcpOptionElement::MaximumSegmentSize(b)) => assert_eq!(a, b),
            (TcpOption::WindowScale(a), TcpOptionElement::WindowScale(b)) => assert_eq!(a, b),
            (TcpOption::Sack(blocks), TcpOptionElement::SelectiveAcknowledgement(first, rest)) => {
                let ours: Vec<(u32, u32)> = blocks.iter().collect();
                let mut theirs = vec![first];
                theirs.extend(rest.iter().flatten());
                assert_eq!(ours, theirs);
            }
            (TcpOption::Timestamps { val, ecr }, TcpOptionElement::Timestamp(a, b)) => {
                assert_eq!((val, ecr), (a, b));
            }
            (ours, theirs) => panic!("TCP option {ours:?} read by etherparse as {theirs:?}"),
        }
        counts.add("tcp option");
    }
}

// ---------------------------------------- (b) etherparse's whole-packet parse

/// The headers `LaxSlicedPacket` found: `(kind, offset)`, outermost first.
fn lax_headers(frame: &[u8]) -> Vec<(LayerKind, usize)> {
    let off = |s: &[u8]| s.as_ptr() as usize - frame.as_ptr() as usize;
    let mut out = Vec::new();
    let Ok(p) = LaxSlicedPacket::from_ethernet(frame) else {
        return out;
    };
    if let Some(LinkSlice::Ethernet2(e)) = &p.link {
        out.push((LayerKind::Ethernet, off(e.slice())));
    }
    for ext in &p.link_exts {
        match ext {
            LaxLinkExtSlice::Vlan(v) => out.push((LayerKind::Vlan, off(v.slice()))),
            LaxLinkExtSlice::Macsec(m) => out.push((LayerKind::Macsec, off(m.header.slice()))),
        }
    }
    match &p.net {
        Some(LaxNetSlice::Ipv4(ip)) => {
            out.push((LayerKind::Ipv4, off(ip.header().slice())));
        }
        Some(LaxNetSlice::Ipv6(ip)) => {
            out.push((LayerKind::Ipv6, off(ip.header().slice())));
            // The extension headers, each read with etherparse's checked
            // `from_slice` within the extensions slice. (Not with the
            // slice's own iterator: after a lax parse that stopped inside
            // the extension headers, etherparse 0.21's
            // `Ipv6ExtensionSliceIter` reads past the slice with
            // `get_unchecked`, undefined behaviour that debug builds catch
            // as an abort, e.g. on ipv6_missing_jumbo_payload_option.pcap.)
            let exts = ip.extensions();
            let mut rest = exts.slice();
            let mut next = exts.first_header();
            while let Some(n) = next {
                let (kind, len, following) = match n.0 {
                    0 | 43 | 60 => {
                        let Ok(s) = Ipv6RawExtHeaderSlice::from_slice(rest) else {
                            break;
                        };
                        let kind = match n.0 {
                            0 => Ipv6ExtKind::HopByHop,
                            43 => Ipv6ExtKind::Routing,
                            _ => Ipv6ExtKind::Destination,
                        };
                        (kind, s.slice().len(), s.next_header())
                    }
                    44 => {
                        let Ok(s) = Ipv6FragmentHeaderSlice::from_slice(rest) else {
                            break;
                        };
                        (Ipv6ExtKind::Fragment, s.slice().len(), s.next_header())
                    }
                    51 => {
                        let Ok(s) = IpAuthHeaderSlice::from_slice(rest) else {
                            break;
                        };
                        (Ipv6ExtKind::Auth, s.slice().len(), s.next_header())
                    }
                    _ => break,
                };
                out.push((LayerKind::Ipv6Ext(kind), off(rest)));
                rest = &rest[len..];
                next = Some(following);
            }
        }
        Some(LaxNetSlice::Arp(a)) => out.push((LayerKind::Arp, off(a.slice()))),
        None => {}
    }
    match &p.transport {
        Some(TransportSlice::Udp(s)) => out.push((LayerKind::Udp, off(s.slice()))),
        Some(TransportSlice::Tcp(s)) => out.push((LayerKind::Tcp, off(s.slice()))),
        Some(TransportSlice::Icmpv4(s)) => out.push((LayerKind::Icmpv4, off(s.slice()))),
        Some(TransportSlice::Icmpv6(s)) => out.push((LayerKind::Icmpv6, off(s.slice()))),
        // IGMP is no layer of its own for wireview (IP payload).
        Some(TransportSlice::Igmp(s)) => out.push((LayerKind::Payload, off(s.slice()))),
        None => {}
    }
    out
}

/// Checks each header etherparse's whole-packet parse found against the
/// walk: the same kind at the same offset. Differences this test knows
/// and accepts are counted under their reason instead.
fn compare_lax(frame: &[u8], layers: &Layers, counts: &mut Counts, differences: &mut Counts) {
    for (kind, at) in lax_headers(frame) {
        let ours = layers
            .iter()
            .find(|l| l.start == at && l.kind != LayerKind::Payload);
        match ours {
            Some(l) if l.kind == kind => counts.add("whole-packet agreement"),
            // IGMP: wireview leaves it as IP payload.
            None if kind == LayerKind::Payload => {
                let p = layers
                    .iter()
                    .find(|l| l.start == at && l.kind == LayerKind::Payload);
                assert!(p.is_some(), "IGMP at {at} not payload for wireview");
                counts.add("whole-packet agreement");
            }
            _ => {
                let reason = lax_difference(frame, layers, at);
                assert!(
                    reason.is_some(),
                    "etherparse found {kind:?} at {at}; the walk: {:?}, error {:?}",
                    layers.iter().collect::<Vec<_>>(),
                    layers.error()
                );
                differences.add(reason.unwrap());
            }
        }
    }
}

/// Why etherparse may find a header where wireview's walk did not, when
/// the reason is a known, accepted difference: the walk stopped before
/// `at` with an error, on input that `LaxSlicedPacket`, being lax (or
/// reading the version nibble rather than the EtherType), reads on.
/// Anything else is a disagreement and fails the test.
fn lax_difference(frame: &[u8], layers: &Layers, at: usize) -> Option<&'static str> {
    use wireview::{Error, Layer as L};
    let stopped_before = layers
        .iter()
        .all(|l| l.start < at || l.kind == LayerKind::Payload);
    let error = layers.error()?;
    if !stopped_before {
        return None;
    }
    let last_ip = layers.iter().rfind(|l| l.kind.is_ip());
    match (error, last_ip) {
        // Linux BIG TCP / GSO: an IPv4 total length of 0 means "as long as
        // the buffer". wireview rejects it (total length below the header
        // length); etherparse falls back to the slice length.
        (
            Error::BadLength {
                layer: L::Ipv4,
                found: 0,
                ..
            },
            _,
        ) => Some("IPv4 total length 0 (BIG TCP)"),
        // Likewise an IPv6 payload length of 0 without a hop-by-hop header
        // (so not a jumbogram): for wireview the packet ends after its
        // fixed header, etherparse takes the slice length.
        (_, Some(ip))
            if ip.kind == LayerKind::Ipv6
                && frame[ip.start + 4..ip.start + 6] == [0, 0]
                && frame[ip.start + 6] != 0 =>
        {
            Some("IPv6 payload length 0, not a jumbogram (BIG TCP, crafted)")
        }
        // The IPv4 EtherType with an IPv6 header (kday1/kday3.pcap, which
        // tshark also reads as IPv6): wireview goes by the EtherType,
        // etherparse by the version nibble.
        (
            Error::BadVersion {
                layer: L::Ipv4,
                found: 6,
            },
            _,
        ) => Some("IPv6 header under the IPv4 EtherType"),
        // A UDP length of 0 outside a jumbogram / offload capture, or one
        // beyond the IP payload: malformed for wireview (RFC 768, RFC 2675
        // and the tools' contract), etherparse's lax parse reads on.
        (Error::BadLength { layer: L::Udp, .. }, _) => {
            Some("UDP length 0 or beyond the IP payload")
        }
        // A MACsec short length beyond the frame (macsec-short-shorter.pcap):
        // wireview rejects the SecTAG, etherparse reads on.
        (
            Error::BadLength {
                layer: L::Macsec, ..
            },
            _,
        ) => Some("MACsec short length beyond the frame"),
        _ => None,
    }
}

// ----------------------------------------------------------------- the test

#[test]
fn corpus_xcheck() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        println!(
            "note: {} not found; corpus cross-check skipped",
            dir.display()
        );
        return;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".pcap") || name.ends_with(".pcapng")
        })
        .collect();
    files.sort();
    assert!(
        files.len() > 100,
        "only {} captures in {}",
        files.len(),
        dir.display()
    );

    let mut total = Counts::default();
    let mut differences = Counts::default();
    let mut frames_total = 0usize;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let frames = read_frames(path);
        let mut counts = Counts::default();
        for (n, frame) in frames.iter().enumerate() {
            let _ctx = Context {
                file: &name,
                frame: n,
            };
            frames_total += 1;

            // (a) The walk, the views and the flow key never panic.
            let layers = Layers::from_ethernet_capture(frame);
            for l in &layers {
                assert!(l.start + l.header_len <= l.end && l.end <= frame.len());
                black_box(touch_views(&frame[l.start..]));
                black_box(touch_views(&frame[l.range()]));
            }
            black_box(FlowKey::from_ethernet(frame));
            counts.add("frames");

            // (a) Rewrites keep the structure and every valid checksum.
            let before = checksums(frame, &layers);
            let mut rewritten = frame.clone();
            rewrite_all(&mut rewritten);
            let after_layers = Layers::from_ethernet_capture(&rewritten);
            assert_eq!(
                layers.iter().collect::<Vec<_>>(),
                after_layers.iter().collect::<Vec<_>>()
            );
            assert_eq!(layers.error(), after_layers.error());
            let after = checksums(&rewritten, &after_layers);
            assert_eq!(before.len(), after.len());
            for ((i, was), (j, now)) in before.iter().zip(&after) {
                assert_eq!(i, j);
                if *was == Some(true) {
                    assert_eq!(
                        *now,
                        Some(true),
                        "checksum of layer {i} broken by the rewrites"
                    );
                    counts.add("checksums kept");
                }
            }

            // (b) Field by field against etherparse, layer by layer.
            for l in &layers {
                compare_layer(frame, &l, &mut counts);
            }
            compare_lax(frame, &layers, &mut counts, &mut differences);
        }
        println!("{name}: {counts}");
        total.merge(&counts);
    }
    println!(
        "total over {} files, {frames_total} frames: {total}",
        files.len()
    );
    println!("accepted differences from LaxSlicedPacket: {differences}");

    // The comparison must have compared a lot, of every kind.
    for (what, at_least) in [
        ("frames", 4000),
        ("ethernet", 4000),
        ("vlan", 50),
        ("arp", 1000),
        ("ipv4", 1000),
        ("ipv4 with options", 40),
        ("ipv6", 50),
        ("ipv6 ext (raw)", 20),
        ("udp", 500),
        ("tcp", 150),
        ("tcp option", 300),
        ("icmpv4", 30),
        ("icmpv6", 25),
        ("macsec", 4),
        ("checksums kept", 1500),
        ("whole-packet agreement", 8000),
    ] {
        assert!(
            total.get(what) >= at_least,
            "only {} {what} compared (expected at least {at_least})",
            total.get(what)
        );
    }
}
