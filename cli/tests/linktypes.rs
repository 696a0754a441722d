//! Captures of the link types other than Ethernet: Linux cooked v1 (113)
//! and v2 (276), BSD loopback (0), raw IP (101, 228, 229). Crafted packets
//! for what the shared corpus lacks (SLL2, big-endian loopback, SLL2 with a
//! VLAN tag), and every capture of tcpdump's link-type tests
//! (`../shared/corpus/tcpdump-linktypes`, skipped with a note when absent):
//! `dissect` reads every packet, starts with the right layer and finds no
//! error outside the crafted crash reproducers; `rewrite --ttl 7` accounts
//! for every packet and leaves every checksum that was right right.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde_json::Value;
use wireview_cli::capture;

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("wireview-linktypes-{}-{name}", std::process::id()))
}

fn dissect_file(path: &Path) -> (i32, Vec<Value>, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = wireview_cli::dissect::run([OsString::from(path)], &mut out, &mut err);
    let lines = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (code, lines, String::from_utf8(err).unwrap())
}

fn dissect_image(image: &[u8], name: &str) -> Vec<Value> {
    let path = temp(name);
    std::fs::write(&path, image).unwrap();
    let (code, lines, err) = dissect_file(&path);
    let _ = std::fs::remove_file(&path);
    assert_eq!((code, err.as_str()), (0, ""));
    lines
}

/// `rewrite FLAGS IN OUT`: (status, stderr).
fn rewrite_file(flags: &[&str], input: &Path, output: &Path) -> (i32, String) {
    let mut args: Vec<OsString> = flags.iter().map(OsString::from).collect();
    args.extend([input.into(), output.into()]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = wireview_cli::rewrite::run(args, &mut out, &mut err);
    (code, String::from_utf8(err).unwrap())
}

fn names(packet: &Value) -> Vec<&str> {
    packet["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["layer"].as_str().unwrap())
        .collect()
}

/// IPv4 / UDP 12345 -> 53, 4 bytes of payload, right checksums.
fn ipv4_udp() -> Vec<u8> {
    let mut p = vec![
        0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2, // IPv4
        0x30, 0x39, 0x00, 0x35, 0, 12, 0, 0, 1, 2, 3, 4, // UDP
    ];
    let c = wireview::checksum::internet_checksum(&p[..20]);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    let sum = wireview::checksum::Sum::ipv4_pseudo_header(
        [192, 0, 2, 1].into(),
        [192, 0, 2, 2].into(),
        17,
        12,
    )
    .add_bytes(&p[20..]);
    p[26..28].copy_from_slice(&sum.checksum().to_be_bytes());
    p
}

/// An SLL2 header of protocol `protocol`, outgoing, on interface 2, an
/// Ethernet device with address 02:00:00:00:00:01.
fn sll2(protocol: u16) -> Vec<u8> {
    let mut h = protocol.to_be_bytes().to_vec();
    h.extend([0, 0, 0, 0, 0, 2, 0, 1, 4, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
    h
}

#[test]
fn linux_cooked_v1_and_v2_give_the_sll_layer_then_the_walk() {
    let ip = ipv4_udp();
    // SLL v1 from tcpdump's mptcp-aa-echo.pcap (outgoing, Ethernet, 6-byte
    // address), then the crafted packet.
    let mut v1 = vec![
        0, 4, 0, 1, 0, 6, 6, 0xd8, 0xef, 0xe1, 0x38, 0x28, 0, 0, 8, 0,
    ];
    v1.extend(&ip);
    let mut v2 = sll2(0x0800);
    v2.extend(&ip);
    // SLL2 with a VLAN tag (VID 100) before the IPv4 packet.
    let mut tagged = sll2(0x8100);
    tagged.extend([0x00, 0x64, 0x08, 0x00]);
    tagged.extend(&ip);
    for (linktype, packet, sll_version, want) in [
        (113, &v1, 1, vec!["sll", "ipv4", "udp", "payload"]),
        (276, &v2, 2, vec!["sll", "ipv4", "udp", "payload"]),
        (
            276,
            &tagged,
            2,
            vec!["sll", "vlan", "ipv4", "udp", "payload"],
        ),
    ] {
        let image = capture::pcap_file(linktype, &[(1, 0, packet, packet.len())]);
        let lines = dissect_image(&image, "sll");
        let p = &lines[0];
        assert_eq!(names(p), want, "{p}");
        assert_eq!(p["error"], Value::Null);
        let sll = &p["layers"][0];
        assert_eq!(sll["version"], sll_version);
        assert_eq!(sll["packet_type"], 4);
        assert_eq!(sll["hatype"], 1);
        let addr = if linktype == 113 {
            "06d8efe13828"
        } else {
            "020000000001"
        };
        assert_eq!(sll["addr"], addr);
        let udp = &p["layers"][want.len() - 2];
        assert_eq!(udp["checksum_valid"], true, "{p}");
    }
    let lines = dissect_image(&capture::pcap_file(276, &[(1, 0, &tagged, 0)]), "vlan");
    assert_eq!(lines[0]["layers"][0]["protocol"], 0x8100);
    assert_eq!(lines[0]["layers"][1]["vid"], 100);
    assert_eq!(lines[0]["layers"][1]["tpid"], 0x8100);
}

#[test]
fn loopback_in_either_byte_order_and_raw_ip() {
    let ip = ipv4_udp();
    let mut le = vec![2, 0, 0, 0];
    le.extend(&ip);
    let mut be = vec![0, 0, 0, 2];
    be.extend(&ip);
    let mut unknown = vec![0, 0, 0, 99];
    unknown.extend(&ip);
    let image = capture::pcap_file(
        0,
        &[
            (1, 0, &le, 0),
            (2, 0, &be, 0),
            (3, 0, &unknown, 0),
            (4, 0, &le[..2], 0),
        ],
    );
    let lines = dissect_image(&image, "loopback");
    for p in &lines[..2] {
        assert_eq!(names(p), ["loopback", "ipv4", "udp", "payload"]);
        assert_eq!(p["layers"][0]["family"], 2);
    }
    assert_eq!(names(&lines[2]), ["loopback"]);
    assert_eq!(lines[2]["layers"][0]["family"], 0x6300_0000);
    assert_eq!(lines[2]["error_layer"], "loopback");
    assert_eq!(names(&lines[3]), Vec::<&str>::new());
    assert_eq!(
        lines[3]["error"],
        "loopback: truncated: needed 4 bytes, got 2"
    );

    // Raw IP: 101 by the nibble, 228 only IPv4, 229 only IPv6.
    for (linktype, first, error) in [
        (101, "ipv4", None),
        (228, "ipv4", None),
        (229, "ipv6", Some("ipv6: bad version 4")),
    ] {
        let lines = dissect_image(&capture::pcap_file(linktype, &[(1, 0, &ip, 0)]), "raw");
        match error {
            None => assert_eq!(names(&lines[0])[0], first),
            Some(e) => {
                assert_eq!(names(&lines[0]), Vec::<&str>::new());
                assert_eq!(lines[0]["error"], e);
                assert_eq!(lines[0]["error_layer"], first);
            }
        }
    }
}

#[test]
fn rewrite_through_every_link_header() {
    let ip = ipv4_udp();
    let mut v1 = vec![
        0, 4, 0, 1, 0, 6, 6, 0xd8, 0xef, 0xe1, 0x38, 0x28, 0, 0, 8, 0,
    ];
    v1.extend(&ip);
    let mut tagged = sll2(0x8100);
    tagged.extend([0x00, 0x64, 0x08, 0x00]);
    tagged.extend(&ip);
    let mut lo = vec![0, 0, 0, 2];
    lo.extend(&ip);
    for (linktype, packet, ip_at) in [
        (113, &v1, 16),
        (276, &tagged, 24),
        (0, &lo, 4),
        (101, &ip, 0),
        (228, &ip, 0),
    ] {
        let input = temp(&format!("in-{linktype}"));
        let output = temp(&format!("out-{linktype}"));
        let image = capture::pcap_file(linktype, &[(7, 8, packet, packet.len())]);
        std::fs::write(&input, &image).unwrap();
        let (code, err) = rewrite_file(
            &["--ttl", "7", "--vid", "5", "--src-port", "4242"],
            &input,
            &output,
        );
        assert_eq!(
            (code, err.as_str()),
            (
                0,
                "rewrote 1 of 1 packets (0 unchanged: no such layer, 0 skipped: malformed)\n"
            ),
            "link type {linktype}"
        );
        let out = std::fs::read(&output).unwrap();
        let mut got = Vec::new();
        capture::for_each_packet(&out[..], |r| got.push((r.linktype, r.data.to_vec()))).unwrap();
        let (lt, data) = &got[0];
        assert_eq!((*lt, data.len()), (linktype, packet.len()));
        // The link header is as it was; TTL and port changed, checksums right.
        let header_end = if linktype == 276 { 20 } else { ip_at };
        assert_eq!(data[..header_end], packet[..header_end]);
        assert_eq!(data[ip_at + 8], 7);
        assert_eq!(data[ip_at + 20..ip_at + 22], 4242u16.to_be_bytes());
        if linktype == 276 {
            assert_eq!(data[20..22], [0x00, 0x05], "VID 5");
        }
        let lines = dissect_image(&out, "check");
        let text = lines[0].to_string();
        assert!(!text.contains("\"checksum_valid\":false"), "{text}");
        assert_eq!(text.matches("\"checksum_valid\":true").count(), 2, "{text}");
        let _ = std::fs::remove_file(&input);
        let _ = std::fs::remove_file(&output);
    }
}

fn corpus() -> Option<Vec<PathBuf>> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/tcpdump-linktypes");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!(
            "note: {} is absent; link-type corpus tests skipped",
            dir.display()
        );
        return None;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .collect();
    files.sort();
    Some(files)
}

/// tcpdump's crash reproducers, malformed on purpose.
fn crafted(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    [
        "oobr",
        "overflow",
        "invalid",
        "asan",
        "segfault",
        "infinite-loop",
    ]
    .iter()
    .any(|w| name.contains(w))
}

/// Every packet's link type, from the reader.
fn link_types(path: &Path) -> Vec<u32> {
    let mut v = Vec::new();
    let file = std::fs::File::open(path).unwrap();
    capture::for_each_packet(file, |r| v.push(r.linktype)).unwrap();
    v
}

#[test]
fn every_tcpdump_link_type_capture_dissects() {
    let Some(files) = corpus() else { return };
    assert!(files.len() >= 60, "{} captures", files.len());
    let mut by_first = std::collections::BTreeMap::new();
    for path in &files {
        let (code, lines, err) = dissect_file(path);
        let name = path.file_name().unwrap().to_string_lossy();
        assert_eq!((code, err.as_str()), (0, ""), "{name}");
        let types = link_types(path);
        assert_eq!(lines.len(), types.len(), "{name}");
        for (p, lt) in lines.iter().zip(&types) {
            let first = names(p).first().copied().unwrap_or("");
            let want: &[&str] = match lt {
                113 => &["sll"],
                0 => &["loopback"],
                101 => &["ipv4", "ipv6"],
                228 => &["ipv4"],
                229 => &["ipv6"],
                1 => &["ethernet"],
                _ => panic!("{name}: link type {lt}"),
            };
            if !crafted(path) {
                assert!(want.contains(&first), "{name}: {p}");
                assert_eq!(p["error"], Value::Null, "{name}: {p}");
            }
            *by_first.entry(first.to_owned()).or_insert(0) += 1;
        }
    }
    // The corpus has each kind: SLL, loopback, raw IPv4 and IPv6, Ethernet.
    for kind in ["sll", "loopback", "ipv4", "ipv6", "ethernet"] {
        assert!(by_first.get(kind).copied().unwrap_or(0) > 0, "{by_first:?}");
    }
}

#[test]
fn every_tcpdump_link_type_capture_rewrites() {
    let Some(files) = corpus() else { return };
    let output = temp("corpus-out.pcap");
    let mut rewritten = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy();
        let (code, err) = rewrite_file(&["--ttl", "7"], path, &output);
        assert_eq!(code, 0, "{name}: {err}");
        // rewrote R of N packets (U unchanged: no such layer, S skipped: malformed)
        let nums: Vec<usize> = err
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        let [r, n, u, s] = nums[..] else {
            panic!("{name}: {err}")
        };
        assert_eq!(r + u + s, n, "{name}: {err}");
        assert_eq!(n, link_types(path).len(), "{name}");
        rewritten += r;
        // Every checksum that was right before is right after, and the
        // output has the same link type, packet for packet.
        let (_, before, _) = dissect_file(path);
        let (_, after, _) = dissect_file(&output);
        assert_eq!(link_types(path), link_types(&output));
        let mut ttl7 = 0;
        for (b, a) in before.iter().zip(&after) {
            let valid = |p: &Value| p.to_string().matches("\"checksum_valid\":true").count();
            assert_eq!(valid(a), valid(b), "{name}:\n{b}\n{a}");
            let ip = a["layers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["layer"] == "ipv4" || l["layer"] == "ipv6");
            if let Some(ip) = ip {
                let ttl = if ip["layer"] == "ipv4" {
                    &ip["ttl"]
                } else {
                    &ip["hop_limit"]
                };
                ttl7 += usize::from(*ttl == 7);
            }
        }
        // (Packets cut short by the capture are skipped for now.)
        assert!(
            ttl7 >= r,
            "{name}: {ttl7} packets with TTL 7, {r} rewritten"
        );
    }
    let _ = std::fs::remove_file(&output);
    assert!(rewritten > 300, "{rewritten} packets rewritten");
}
