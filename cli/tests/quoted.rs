//! `rewrite --quoted` (issue 9, NAT of ICMP errors): the address and port
//! flags change the datagram an ICMP or ICMPv6 error quotes, and every
//! checksum follows — the quoted IPv4 header checksum, the quoted TCP/UDP
//! checksum (incrementally, also when the quote is cut short), the ICMP
//! checksum and any enclosing tunnel checksum — as independent
//! from-scratch computations here see them; packets without a quote are
//! written unchanged; `dissect` lists no quoted layer. On the sample's two
//! ICMP errors, on built errors whose quote is cut short (inside VXLAN),
//! and on every ICMP error with a quote in tcpdump's captures
//! (`../shared/corpus`, skipped with a note when absent).

#[allow(dead_code)] // Only `checksums` serves here.
#[path = "../../tests/common/mod.rs"]
mod common;

#[allow(dead_code)] // The sample's builder: `build` and `Spec` only.
#[path = "../../examples/common/sample.rs"]
mod sample;

use std::ffi::OsString;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use common::verify::checksums;
use sample::{build, Spec};
use wireview::checksum::internet_checksum;
use wireview::tunnel::{encap_vxlan, OuterIp, VxlanEncap};
use wireview::walk::{LayerKind, Layers, Which};
use wireview::{
    EtherType, EthernetHeader, Icmpv4Code, Icmpv4Type, Icmpv6Code, Icmpv6Type, Ipv4Header, MacAddr,
    TcpFlags, Vni,
};
use wireview_cli::capture;
use wireview_cli::rewrite::{parse_args, rewrite_capture, rewrite_frame, Edits, Outcome};

const FLAGS: &str = "--quoted --ipv4-src 192.168.1.5 --ipv4-dst 203.0.113.9 \
                     --ipv6-src fd00::5 --ipv6-dst 2001:db8:99::9 --src-port 40000 --dst-port 5353";

fn edits(flags: &str) -> Edits {
    let mut args: Vec<OsString> = flags.split_whitespace().map(OsString::from).collect();
    args.extend(["IN".into(), "OUT".into()]);
    parse_args(args).unwrap().unwrap().edits
}

fn frames(image: &[u8]) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    capture::for_each_packet(image, |r| {
        assert_eq!(r.linktype, 1);
        v.push(r.data.to_vec());
    })
    .unwrap();
    v
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// The checksum of a UDP or TCP segment from scratch (RFC 768/793/8200
/// pseudo-header), a computed 0 given as 0xFFFF for UDP.
fn transport_checksum(src: &[u8], dst: &[u8], proto: u8, segment: &[u8], at: usize) -> u16 {
    let mut all = Vec::new();
    all.extend_from_slice(src);
    all.extend_from_slice(dst);
    if src.len() == 4 {
        all.extend_from_slice(&[0, proto]);
        all.extend_from_slice(&u16::try_from(segment.len()).unwrap().to_be_bytes());
    } else {
        all.extend_from_slice(&u32::try_from(segment.len()).unwrap().to_be_bytes());
        all.extend_from_slice(&[0, 0, 0, proto]);
    }
    let base = all.len();
    all.extend_from_slice(segment);
    all[base + at..base + at + 2].fill(0);
    match internet_checksum(&all) {
        0 if proto == 17 => 0xFFFF,
        c => c,
    }
}

/// What a quoted datagram of `frame` is: (ICMP layer, quoted IP layer,
/// quoted transport layer), by the crate's walk (offsets only).
fn quote_of(
    frame: &[u8],
) -> Option<(
    wireview::walk::Layer,
    wireview::walk::Layer,
    Option<wireview::walk::Layer>,
)> {
    let layers = Layers::from_ethernet_capture(frame);
    let ip = layers.find_quoted_by(LayerKind::is_ip, Which::Outermost)?;
    let icmp = (0..ip).rev().find(|&i| !layers.is_quoted(i))?;
    let l4 = layers.find_quoted_by(
        |k| matches!(k, LayerKind::Tcp | LayerKind::Udp),
        Which::Outermost,
    );
    Some((
        layers.get(icmp)?,
        layers.get(ip)?,
        l4.and_then(|i| layers.get(i)),
    ))
}

/// The ICMP message of `icmp` checks out from scratch: ICMPv4 over the
/// message alone, ICMPv6 with the pseudo-header of the IPv6 header before
/// it (at `ip6`).
fn icmp_valid(frame: &[u8], icmp: wireview::walk::Layer, ip6: Option<usize>) -> bool {
    let msg = &frame[icmp.range()];
    match ip6 {
        None => internet_checksum(msg) == 0,
        Some(ip) => {
            let mut all = frame[ip + 8..ip + 40].to_vec();
            all.extend_from_slice(&u32::try_from(msg.len()).unwrap().to_be_bytes());
            all.extend_from_slice(&[0, 0, 0, 58]);
            all.extend_from_slice(msg);
            internet_checksum(&all) == 0
        }
    }
}

/// Checks one rewritten ICMP error against the original: the quoted
/// addresses and ports hold the flags' values, the quoted IPv4 header and
/// the ICMP message check out from scratch (when they did before), every
/// other checksum the independent checker knows is the from-scratch value,
/// the partial sums of a quote cut short are kept, and nothing outside
/// the quoted fields and checksum fields changed.
fn check_quoted_nat(before: &[u8], after: &[u8], e: &Edits, what: &str) {
    let (icmp, ip, l4) = quote_of(before).unwrap_or_else(|| panic!("{what}: no quote"));
    let walked = Layers::from_ethernet_capture(before);
    let outer_ip = walked.enclosing_ip(walked.iter().position(|l| l == icmp).unwrap());
    let ip6 = outer_ip
        .and_then(|i| walked.get(i))
        .filter(|l| l.kind == LayerKind::Ipv6)
        .map(|l| l.start);
    let mut named = Vec::new();
    let s = ip.start;
    if ip.kind == LayerKind::Ipv4 {
        assert_eq!(
            after[s + 12..s + 16],
            e.ipv4_src.unwrap().octets(),
            "{what}"
        );
        assert_eq!(
            after[s + 16..s + 20],
            e.ipv4_dst.unwrap().octets(),
            "{what}"
        );
        named.push(s + 12..s + 20);
        if internet_checksum(&before[ip.header_range()]) == 0 {
            assert_eq!(
                internet_checksum(&after[ip.header_range()]),
                0,
                "{what}: quoted IPv4 header"
            );
        }
    } else {
        assert_eq!(after[s + 8..s + 24], e.ipv6_src.unwrap().octets(), "{what}");
        assert_eq!(
            after[s + 24..s + 40],
            e.ipv6_dst.unwrap().octets(),
            "{what}"
        );
        named.push(s + 8..s + 40);
    }
    if let Some(t) = l4 {
        assert_eq!(be16(after, t.start), e.src_port.unwrap(), "{what}");
        assert_eq!(be16(after, t.start + 2), e.dst_port.unwrap(), "{what}");
        named.push(t.start..t.start + 4);
    }
    if icmp_valid(before, icmp, ip6) {
        assert!(
            icmp_valid(after, icmp, ip6),
            "{what}: ICMP checksum from scratch"
        );
    }
    let (sums_in, sums_out) = (checksums(before), checksums(after));
    assert_eq!(sums_in.len(), sums_out.len(), "{what}");
    for (ci, co) in sums_in.iter().zip(&sums_out) {
        if ci.valid() == Some(true) {
            assert_eq!(
                co.valid(),
                Some(true),
                "{what}: {:?} checksum at {}",
                co.kind,
                co.at
            );
        }
        if let (Some(x), Some(y)) = (ci.invariant, co.invariant) {
            assert_eq!(
                x, y,
                "{what}: {:?} checksum at {} (partial sum)",
                co.kind, co.at
            );
        }
    }
    for (off, (x, y)) in before.iter().zip(after).enumerate() {
        let allowed = named.iter().any(|r| r.contains(&off))
            || sums_in.iter().any(|c| c.at == off || c.at + 1 == off);
        assert!(
            x == y || allowed,
            "{what}: byte {off} changed ({x:#04x} -> {y:#04x})"
        );
    }
}

#[test]
fn quoted_on_the_sample_changes_only_the_two_quotes() {
    let image =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample.pcap")).unwrap();
    let e = edits(FLAGS);
    let (out, summary) = rewrite_capture(&image, &e).unwrap();
    assert_eq!(
        (summary.total, summary.rewritten, summary.skipped),
        (31, 2, 1)
    );
    let (before, after) = (frames(&image), frames(&out));
    for k in 0..29 {
        assert_eq!(before[k], after[k], "packet {}: no quote, unchanged", k + 1);
    }
    // 30: IPv4 / ICMP port unreachable quoting the whole IPv4 / UDP query.
    let (b, a) = (&before[29], &after[29]);
    check_quoted_nat(b, a, &e, "packet 30");
    assert_eq!(a[14..34], b[14..34], "the outer IPv4 header is not touched");
    // The quote is whole: its UDP checksum is the from-scratch value over
    // the new pseudo-header.
    let udp = 42 + 20;
    assert_eq!(
        be16(a, udp + 6),
        transport_checksum(&a[54..58], &a[58..62], 17, &a[udp..], 6)
    );
    // 31: IPv6 / ICMPv6 packet too big quoting the whole IPv6 / TCP segment.
    let (b, a) = (&before[30], &after[30]);
    check_quoted_nat(b, a, &e, "packet 31");
    assert_eq!(a[14..62], b[14..62], "the outer IPv6 header is not touched");
    let tcp = 62 + 40;
    assert_eq!(
        be16(a, tcp + 16),
        transport_checksum(&a[70..86], &a[86..102], 6, &a[tcp..], 16)
    );
    // Without --quoted the same flags change the outer headers and leave
    // the quotes alone.
    let (out, _) = rewrite_capture(&image, &edits(&FLAGS.replace("--quoted", ""))).unwrap();
    let plain = frames(&out);
    assert_eq!(plain[29][26..30], [192, 168, 1, 5]);
    assert_eq!(plain[29][42..], before[29][42..]);
    assert_eq!(plain[30][62..], before[30][62..]);
}

#[test]
fn dissect_lists_no_quoted_layer() {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(
        wireview_cli::dissect::run(Vec::<OsString>::new(), &mut out, &mut err),
        0
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The walk finds 3 quoted layers in packet 30 (IPv4, UDP, payload):
    // the quote is one payload layer, as long as the quoted datagram.
    let frame = &frames(wireview_cli::SAMPLE_PCAP)[29];
    let walked = Layers::from_ethernet_capture(frame);
    assert_eq!(walked.len(), 6);
    assert_eq!((0..6).filter(|&i| walked.is_quoted(i)).count(), 3);
    assert_eq!(
        lines[29]["layers"],
        serde_json::json!([
            lines[29]["layers"][0],
            lines[29]["layers"][1],
            {"layer":"icmpv4","type":3,"code":3,"checksum":59759,"checksum_valid":true},
            {"layer":"payload","len":57}
        ])
    );
    assert_eq!(
        lines[30]["layers"][3],
        serde_json::json!({"layer":"payload","len":84})
    );
    assert!(lines[29]["error"].is_null() && lines[30]["error"].is_null());
}

fn mac(last: u8) -> MacAddr {
    MacAddr([0x02, 0, 0x5e, 0x10, 0, last])
}

fn ipv4(src: [u8; 4], dst: [u8; 4]) -> Spec {
    Spec::Ipv4 {
        src: Ipv4Addr::from(src),
        dst: Ipv4Addr::from(dst),
        options: &[],
        id: 7,
        dscp: 0,
        ttl: 64,
    }
}

fn ipv6(src: &str, dst: &str) -> Spec {
    Spec::Ipv6 {
        src: src.parse().unwrap(),
        dst: dst.parse().unwrap(),
        flow: 0,
        hop_limit: 64,
    }
}

/// `inner` (an Ethernet frame) in VXLAN over IPv4 with the outer UDP
/// checksum filled, in an outer Ethernet frame.
fn in_vxlan(inner: &[u8]) -> Vec<u8> {
    const ROOM: usize = 14 + 20 + 8 + 8;
    let mut buf = vec![0u8; ROOM + inner.len()];
    buf[ROOM..].copy_from_slice(inner);
    let end = buf.len();
    let outer = OuterIp::V4(Ipv4Header {
        src: Ipv4Addr::new(172, 16, 9, 1),
        dst: Ipv4Addr::new(172, 16, 9, 2),
        ..Ipv4Header::default()
    });
    let vx = VxlanEncap {
        vni: Vni::new(9).unwrap(),
        src_port: 49200,
        dst_port: 4789,
        udp_checksum: true,
    };
    let start = encap_vxlan(&mut buf, ROOM, end, &outer, &vx).unwrap();
    assert_eq!(start, 14);
    EthernetHeader {
        dst: mac(2),
        src: mac(1),
        ethertype: EtherType::IPV4,
    }
    .emit(&mut buf)
    .unwrap();
    buf
}

#[test]
fn quoted_nat_of_an_ipv4_quote_cut_short_inside_vxlan() {
    let e = edits(FLAGS);
    // An IPv4 / UDP datagram, and the ICMP error about it quoting its IP
    // header and the first 8 bytes of UDP (RFC 792), inside VXLAN.
    let datagram = build(
        &[
            ipv4([10, 0, 0, 5], [198, 51, 100, 9]),
            Spec::Udp {
                src: 5000,
                dst: 53,
                checksum: true,
            },
        ],
        b"a query that the quote does not hold",
    );
    let inner = build(
        &[
            Spec::Eth {
                dst: mac(0x12),
                src: mac(0x11),
            },
            ipv4([198, 51, 100, 1], [10, 0, 0, 5]),
            Spec::Icmpv4Error {
                msg_type: Icmpv4Type::DEST_UNREACHABLE,
                code: Icmpv4Code::PORT_UNREACHABLE,
                rest: 0,
            },
        ],
        &datagram[..28],
    );
    let before = in_vxlan(&inner);
    let mut after = before.clone();
    assert_eq!(rewrite_frame(&mut after, &e).unwrap(), Outcome::Rewritten);
    check_quoted_nat(&before, &after, &e, "IPv4 quote in VXLAN");
    // The outer UDP checksum (over the whole inner frame) is the
    // from-scratch value.
    let outer_udp = 14 + 20;
    assert_eq!(
        be16(&after, outer_udp + 6),
        transport_checksum(&after[26..30], &after[30..34], 17, &after[outer_udp..], 6)
    );
    // The quoted UDP checksum is what the whole datagram, changed the same
    // way, would carry: the quote holds only 8 bytes of it.
    let mut whole = datagram.clone();
    whole[12..16].copy_from_slice(&[192, 168, 1, 5]);
    whole[16..20].copy_from_slice(&[203, 0, 113, 9]);
    whole[20..22].copy_from_slice(&40000u16.to_be_bytes());
    whole[22..24].copy_from_slice(&5353u16.to_be_bytes());
    let want = transport_checksum(&whole[12..16], &whole[16..20], 17, &whole[20..], 6);
    let quoted_udp = 14 + 20 + 8 + 8 + 14 + 20 + 8 + 20;
    assert_eq!(be16(&after, quoted_udp), 40000);
    assert_eq!(be16(&after, quoted_udp + 6), want, "quoted UDP checksum");
    assert_ne!(be16(&before, quoted_udp + 6), want);
}

#[test]
fn quoted_nat_of_an_ipv6_quote_cut_short_inside_vxlan() {
    let e = edits(FLAGS);
    let outer_udp = 14 + 20;
    // IPv6 / TCP quoted in ICMPv6 time exceeded, cut after 12 bytes of
    // TCP (the checksum field is not in the quote): the ports and the
    // ICMPv6 checksum (with its pseudo-header) change.
    let segment = build(
        &[
            ipv6("2001:db8::5", "2001:db8:1::9"),
            Spec::Tcp {
                src: 5001,
                dst: 443,
                seq: 1,
                ack: 0,
                flags: TcpFlags::SYN,
                options: &[],
            },
        ],
        b"",
    );
    let inner = build(
        &[
            Spec::Eth {
                dst: mac(0x22),
                src: mac(0x21),
            },
            ipv6("2001:db8:ffff::1", "2001:db8::5"),
            Spec::Icmpv6Error {
                msg_type: Icmpv6Type::TIME_EXCEEDED,
                code: Icmpv6Code(0),
                rest: 0,
            },
        ],
        &segment[..40 + 12],
    );
    let before = in_vxlan(&inner);
    let mut after = before.clone();
    assert_eq!(rewrite_frame(&mut after, &e).unwrap(), Outcome::Rewritten);
    check_quoted_nat(&before, &after, &e, "IPv6 quote in VXLAN");
    let quoted_ip = 14 + 20 + 8 + 8 + 14 + 40 + 8;
    assert_eq!(
        after[quoted_ip + 8..quoted_ip + 24],
        "fd00::5".parse::<Ipv6Addr>().unwrap().octets()
    );
    assert_eq!(be16(&after, quoted_ip + 40 + 2), 5353);
    assert_eq!(
        be16(&after, outer_udp + 6),
        transport_checksum(&after[26..30], &after[30..34], 17, &after[outer_udp..], 6)
    );
}

#[test]
fn a_packet_without_a_quote_is_unchanged_with_quoted() {
    // Not an error: an echo request holds no quote and is left alone,
    // even with other flags given.
    let echo = build(
        &[
            Spec::Eth {
                dst: mac(2),
                src: mac(1),
            },
            ipv4([10, 0, 0, 5], [198, 51, 100, 9]),
            Spec::Icmpv4Echo { id: 1, seq: 1 },
        ],
        b"ping",
    );
    let mut same = echo.clone();
    let with_ttl = edits(&format!("{FLAGS} --ttl 5"));
    assert_eq!(
        rewrite_frame(&mut same, &with_ttl).unwrap(),
        Outcome::NotApplicable
    );
    assert_eq!(same, echo);
}

/// Every ICMP error with a quote in the shared corpus, as Ethernet frames.
fn corpus_errors() -> Option<Vec<(String, Vec<u8>)>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    let mut found = Vec::new();
    for dir in ["tcpdump", "tcpdump-linktypes"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            println!("note: {} is absent; skipped", root.join(dir).display());
            return None;
        };
        let mut files: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for path in files {
            let Ok(image) = std::fs::read(&path) else {
                continue;
            };
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let mut k = 0;
            let _ = capture::for_each_packet(&image[..], |r| {
                k += 1;
                if r.linktype == 1 && quote_of(r.data).is_some() {
                    found.push((format!("{name} packet {k}"), r.data.to_vec()));
                }
            });
        }
    }
    Some(found)
}

#[test]
fn quoted_nat_of_real_icmp_errors() {
    let Some(errors) = corpus_errors() else {
        return;
    };
    let names: Vec<&str> = errors.iter().map(|(n, _)| n.as_str()).collect();
    println!("ICMP errors with a quote: {names:?}");
    assert!(errors.len() >= 6, "{names:?}");
    let e = edits(FLAGS);
    // Through the tool, as a capture of their own.
    let records: Vec<(u32, u32, &[u8], usize)> = errors
        .iter()
        .enumerate()
        .map(|(k, (_, f))| (u32::try_from(k).unwrap(), 0, f.as_slice(), f.len()))
        .collect();
    let image = capture::pcap_file(1, &records);
    let (out, summary) = rewrite_capture(&image, &e).unwrap();
    let after = frames(&out);
    let mut checked = 0;
    for ((what, b), a) in errors.iter().zip(&after) {
        let walked = Layers::from_ethernet_capture(b);
        if walked.error().is_some() && !walked.is_cut_short() {
            assert_eq!(a, b, "{what}: malformed, copied unchanged");
            continue;
        }
        check_quoted_nat(b, a, &e, what);
        checked += 1;
    }
    assert_eq!(summary.rewritten, checked);
    assert!(checked >= 6, "{checked}");
    // The quoted UDP of afs.pcap's port unreachables: the quote is cut
    // short, its checksum updated through the partial sum kept above, and
    // the quoted IPv4 header checks out.
    let afs = errors
        .iter()
        .position(|(n, _)| n.starts_with("afs.pcap"))
        .unwrap();
    let (_, ip, udp) = quote_of(&after[afs]).unwrap();
    assert_eq!(internet_checksum(&after[afs][ip.header_range()]), 0);
    assert_eq!(be16(&after[afs], udp.unwrap().start), 40000);
}

#[test]
fn quoted_in_a_raw_ip_capture_is_the_same_rewrite() {
    // The sample's two ICMP errors without their Ethernet header, as a raw
    // IP capture (LINKTYPE_RAW, 101): the same bytes change.
    let sample = frames(wireview_cli::SAMPLE_PCAP);
    let ip: Vec<&[u8]> = sample[29..31].iter().map(|f| &f[14..]).collect();
    let records: Vec<(u32, u32, &[u8], usize)> = ip.iter().map(|p| (1, 0, *p, p.len())).collect();
    let image = capture::pcap_file(101, &records);
    let e = edits(FLAGS);
    let (out, summary) = rewrite_capture(&image, &e).unwrap();
    assert_eq!((summary.total, summary.rewritten), (2, 2));
    let mut raw = Vec::new();
    capture::for_each_packet(&out[..], |r| {
        assert_eq!(r.linktype, 101);
        raw.push(r.data.to_vec());
    })
    .unwrap();
    let (eth, _) = rewrite_capture(wireview_cli::SAMPLE_PCAP, &e).unwrap();
    let eth = frames(&eth);
    assert_eq!(raw[0], eth[29][14..]);
    assert_eq!(raw[1], eth[30][14..]);
    assert_ne!(raw[0], ip[0]);
}
