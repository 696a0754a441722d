//! The Geneve, MPLS and PPPoE views over every frame of the tcpdump test
//! captures that carry them (`../shared/corpus/tcpdump/*geneve*.pcap`,
//! `mpls-*.pcap`, `tok2str-oobr-2.pcap`, and
//! `../shared/corpus/tcpdump-linktypes/pppoe*.pcap`, relative to the crate;
//! the test prints a note and passes when the directories are absent).
//!
//! The outer headers are found by the plain code below (EtherType, IPv4
//! IHL or the fixed IPv6 header, UDP destination port), which shares
//! nothing with the crate; the views must accept what they find there,
//! their fields must add up (header and payload lengths, options or tags
//! filling their space exactly), and etherparse 0.21, which reads none of
//! these headers itself, must read the inner packet where the views say it
//! starts. The counts are asserted, so the test cannot pass vacuously.

use std::path::PathBuf;

use etherparse::{LaxSlicedPacket, LinkSlice, NetSlice, SlicedPacket};
use wireview::mpls::MplsStack;
use wireview::pppoe::{PppProtocol, Pppoe, PppoeCode, PppoeDiscovery};
use wireview::{geneve, mpls, EtherType, Geneve};

/// Every frame of the classic pcap `path` with an Ethernet link type.
fn ethernet_frames(path: &PathBuf) -> Vec<Vec<u8>> {
    let blob = std::fs::read(path).unwrap();
    let little = match blob.get(..4) {
        Some([0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1]) => true,
        Some([0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d]) => false,
        _ => return Vec::new(),
    };
    let u32_at = |at: usize| {
        let b: [u8; 4] = blob[at..at + 4].try_into().unwrap();
        if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    };
    if u32_at(20) != 1 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut off = 24;
    while off + 16 <= blob.len() {
        let incl = u32_at(off + 8) as usize;
        let end = (off + 16 + incl).min(blob.len());
        out.push(blob[off + 16..end].to_vec());
        off += 16 + incl;
    }
    out
}

/// The captures of `dir` whose names contain one of `names`, or `None`
/// when the corpus is absent.
fn captures(dir: &str, names: &[&str]) -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir);
    let entries = std::fs::read_dir(&dir).ok()?;
    let mut files: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            p.extension().is_some_and(|e| e == "pcap") && names.iter().any(|n| name.contains(n))
        })
        .collect();
    files.sort();
    Some(files)
}

/// The EtherType after any VLAN tags, and where the payload starts.
fn ethertype(frame: &[u8]) -> Option<(u16, usize)> {
    let mut at = 12;
    loop {
        let t = u16::from_be_bytes(frame.get(at..at + 2)?.try_into().unwrap());
        if matches!(t, 0x8100 | 0x88a8 | 0x9100) {
            at += 4;
        } else {
            return Some((t, at + 2));
        }
    }
}

/// The UDP destination port and payload of an IPv4 or IPv6 frame (no IPv6
/// extension headers), up to the end of the frame: the lengths of BIG TCP
/// and GSO captures are 0 or the super-packet's, so they are not followed.
fn udp(frame: &[u8]) -> Option<(u16, &[u8])> {
    let (t, at) = ethertype(frame)?;
    let ip = frame.get(at..)?;
    let l4 = match t {
        0x0800 if ip.len() >= 20 && ip[9] == 17 => usize::from(ip[0] & 0x0f) * 4,
        0x86dd if ip.len() >= 40 && ip[6] == 17 => 40,
        _ => return None,
    };
    let udp = ip.get(l4..)?;
    let port = u16::from_be_bytes(udp.get(2..4)?.try_into().unwrap());
    Some((port, udp.get(8..)?))
}

#[test]
fn geneve_captures() {
    let Some(files) = captures("../shared/corpus/tcpdump", &["geneve"]) else {
        eprintln!("note: ../shared/corpus/tcpdump is absent; skipped");
        return;
    };
    let (mut headers, mut options, mut inner_eth, mut inner_ip) = (0, 0, 0, 0);
    for path in &files {
        for frame in ethernet_frames(path) {
            let Some((geneve::UDP_PORT, payload)) = udp(&frame) else {
                continue;
            };
            let g = Geneve::new(payload).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            headers += 1;
            assert_eq!(g.version(), 0);
            assert_eq!(g.header_len() + g.payload().len(), payload.len());
            let mut opt_bytes = 0;
            for o in g.options() {
                let o = o.unwrap_or_else(|e| panic!("{path:?}: {e}"));
                assert_eq!(o.data.len() % 4, 0);
                opt_bytes += o.len();
                options += 1;
            }
            assert_eq!(opt_bytes, g.opt_len(), "{path:?}: options fill their space");
            // etherparse reads the inner packet where the view says it is.
            match g.protocol_type() {
                EtherType::TEB => {
                    let p = LaxSlicedPacket::from_ethernet(g.payload()).unwrap();
                    assert!(matches!(p.link, Some(LinkSlice::Ethernet2(_))));
                    assert!(p.net.is_some(), "{path:?}: inner frame has an IP header");
                    inner_eth += 1;
                }
                EtherType::IPV4 | EtherType::IPV6 => {
                    let p = LaxSlicedPacket::from_ip(g.payload()).unwrap();
                    assert!(p.net.is_some());
                    inner_ip += 1;
                }
                t => panic!("{path:?}: protocol type {t}"),
            }
        }
    }
    println!(
        "geneve: {headers} headers, {options} options, {inner_eth} inner frames, {inner_ip} inner IP packets"
    );
    // geneve.pcap alone has 39 Geneve frames with options; geneve-gcp.pcap
    // carries IPv4 directly.
    assert!(headers >= 40 && options >= 3 && inner_eth >= 39 && inner_ip >= 1);
}

#[test]
fn mpls_captures() {
    let Some(files) = captures("../shared/corpus/tcpdump", &["mpls", "tok2str-oobr-2"]) else {
        eprintln!("note: ../shared/corpus/tcpdump is absent; skipped");
        return;
    };
    let (mut over_udp, mut over_ethernet) = (0, 0);
    for path in &files {
        for frame in ethernet_frames(path) {
            let (stack_bytes, over) = match (udp(&frame), ethertype(&frame)) {
                (Some((mpls::UDP_PORT, payload)), _) => (payload, &mut over_udp),
                (_, Some((0x8847 | 0x8848, at))) => (&frame[at..], &mut over_ethernet),
                _ => continue,
            };
            let stack = MplsStack::new(stack_bytes).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            *over += 1;
            assert_eq!(
                stack.header_len() + stack.payload().len(),
                stack_bytes.len()
            );
            assert!(stack.bottom().bottom_of_stack());
            assert_eq!(
                stack
                    .entries()
                    .filter(wireview::Mpls::bottom_of_stack)
                    .count(),
                1
            );
            // An IP packet after the stack reads as one with etherparse.
            if let Some(4 | 6) = stack.payload().first().map(|b| b >> 4) {
                let p = SlicedPacket::from_ip(stack.payload()).unwrap();
                assert!(matches!(p.net, Some(NetSlice::Ipv4(_) | NetSlice::Ipv6(_))));
            }
        }
    }
    println!("mpls: {over_udp} stacks over UDP, {over_ethernet} over Ethernet");
    assert!(over_udp >= 2 && over_ethernet >= 1);
}

#[test]
fn pppoe_captures() {
    let Some(files) = captures("../shared/corpus/tcpdump-linktypes", &["pppoe"]) else {
        eprintln!("note: ../shared/corpus/tcpdump-linktypes is absent; skipped");
        return;
    };
    let (mut sessions, mut discoveries, mut tags) = (0, 0, 0);
    for path in &files {
        for frame in ethernet_frames(path) {
            match ethertype(&frame) {
                Some((0x8864, at)) => {
                    let p = Pppoe::new(&frame[at..]).unwrap_or_else(|e| panic!("{path:?}: {e}"));
                    assert_eq!(p.code(), PppoeCode::SESSION);
                    assert!(p.packet_len() <= frame.len() - at);
                    // The captures hold LCP echo requests: code 9, and an
                    // LCP length that is the PPP information's.
                    assert_eq!(p.ppp_protocol(), PppProtocol::LCP);
                    let lcp = p.payload();
                    assert_eq!(lcp[0], 9);
                    assert_eq!(usize::from(u16::from_be_bytes([lcp[2], lcp[3]])), lcp.len());
                    sessions += 1;
                }
                Some((0x8863, at)) => {
                    let d = PppoeDiscovery::new(&frame[at..]).unwrap();
                    let mut len = 0;
                    for t in d.tags() {
                        len += 4 + t.unwrap().value.len();
                        tags += 1;
                    }
                    assert_eq!(len, d.payload().len(), "{path:?}: tags fill LENGTH");
                    discoveries += 1;
                }
                _ => {}
            }
        }
    }
    println!("pppoe: {sessions} session packets, {discoveries} discovery packets, {tags} tags");
    assert!(sessions >= 2 && discoveries >= 1 && tags >= 3);
}
