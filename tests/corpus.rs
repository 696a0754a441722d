//! The two example tools over every capture of tcpdump's test suite
//! (`../shared/corpus/tcpdump`, skipped with a note when absent): `dissect`
//! never panics and prints one well-formed line per packet; `rewrite` with
//! several flag sets changes exactly the named fields and the checksum
//! fields, and leaves every checksum that was right before right after, as
//! an independent from-scratch recomputation (`common::verify`) sees it.

mod common;

use std::ffi::OsString;
use std::ops::Range;
use std::path::PathBuf;

use common::verify::checksums;
use rewrite_tool::Edits;
use wireview::walk::{LayerKind, Layers, Which};
use wireview_cli::{capture, dissect as dissect_tool, rewrite as rewrite_tool};

fn corpus() -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/tcpdump");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("note: {} is absent; corpus tests skipped", dir.display());
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

/// Every packet of a capture as (link type, bytes).
fn packets(image: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let mut v = Vec::new();
    capture::for_each_packet(image, |r| v.push((r.linktype, r.data.to_vec())))
        .expect("capture parses");
    v
}

#[test]
fn dissect_every_capture() {
    let Some(files) = corpus() else { return };
    assert!(
        files.len() > 200,
        "expected the whole corpus, found {} files",
        files.len()
    );
    let (mut total, mut with_error) = (0, 0);
    for path in &files {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let code = dissect_tool::run([OsString::from(path)], &mut out, &mut err);
        let name = path.display();
        assert_eq!(code, 0, "{name}: {}", String::from_utf8_lossy(&err));
        assert!(err.is_empty(), "{name}: {}", String::from_utf8_lossy(&err));
        let image = std::fs::read(path).unwrap();
        let pkts = packets(&image);
        let text = String::from_utf8(out).expect("UTF-8 output");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), pkts.len(), "{name}: one line per packet");
        for (k, (line, (_, data))) in lines.iter().zip(&pkts).enumerate() {
            let v: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}: {e}: {line}"));
            assert_eq!(v["n"], k + 1, "{name}: {line}");
            assert_eq!(v["len"], data.len(), "{name}: {line}");
            assert!(
                line.starts_with(&format!("{{\"n\":{},\"len\":", k + 1)),
                "{name}: key order: {line}"
            );
            for layer in v["layers"].as_array().expect("layers array") {
                assert!(layer["layer"].is_string(), "{name}: {line}");
            }
            total += 1;
            if !v["error"].is_null() {
                with_error += 1;
                assert!(v["error_layer"].is_string(), "{name}: {line}");
            }
            // The checksum verdicts agree with the independent checker.
            let sums = checksums(data);
            let layers = v["layers"].as_array().unwrap();
            for c in sums.iter().filter(|c| !c.quoted) {
                // (A quoted datagram is not listed: `dissect` judges none of
                // its checksums.)
                let Some(layer) = layers.get(c.layer) else {
                    panic!("{name} packet {}: layer {} missing: {line}", k + 1, c.layer);
                };
                let printed = &layer["checksum_valid"];
                let mine = c.valid();
                if matches!(c.kind, LayerKind::Gre | LayerKind::Payload) {
                    // GRE: an extra key, checked in the tool tests;
                    // payload: not a layer `dissect` judges.
                    continue;
                }
                assert_eq!(
                    printed.as_bool(),
                    mine,
                    "{name} packet {}: layer {}: {line}",
                    k + 1,
                    c.layer
                );
            }
        }
    }
    println!(
        "dissected {total} packets of {} files, {with_error} with an error",
        files.len()
    );
}

/// Whether `rewrite` must copy `frame` unchanged: the walk failed, or a
/// layer's length reaches past the captured bytes (the walk does not count
/// the UDP length of a first fragment, which covers the whole datagram).
fn is_malformed(frame: &[u8]) -> bool {
    let walked = Layers::from_ethernet_capture(frame);
    walked.error().is_some() && !walked.is_cut_short()
}

/// Whether the capture cut the frame short (it is still rewritten).
fn cut_short(frame: &[u8]) -> bool {
    let walked = Layers::from_ethernet_capture(frame);
    walked.is_cut_short() || walked.iter().any(|l| l.truncated)
}

/// What the flags name, for the check of the output: for each, the layer
/// kinds it targets and the byte range within that layer's header.
struct Named {
    flag: &'static str,
    kinds: fn(LayerKind) -> bool,
    range: fn(LayerKind) -> Range<usize>,
}

fn is_ip(k: LayerKind) -> bool {
    k.is_ip()
}
fn is_ipv4(k: LayerKind) -> bool {
    k == LayerKind::Ipv4
}
fn is_ipv6(k: LayerKind) -> bool {
    k == LayerKind::Ipv6
}
fn is_l4(k: LayerKind) -> bool {
    matches!(k, LayerKind::Tcp | LayerKind::Udp)
}
fn is_vlan(k: LayerKind) -> bool {
    k == LayerKind::Vlan
}
fn is_vni(k: LayerKind) -> bool {
    matches!(k, LayerKind::Vxlan | LayerKind::Geneve)
}
fn is_gtpu(k: LayerKind) -> bool {
    k == LayerKind::Gtpu
}
fn is_mpls(k: LayerKind) -> bool {
    k == LayerKind::Mpls
}

const NAMED: &[Named] = &[
    Named {
        flag: "--ttl",
        kinds: is_ip,
        range: |k| if k == LayerKind::Ipv4 { 8..9 } else { 7..8 },
    },
    Named {
        flag: "--dec-ttl",
        kinds: is_ip,
        range: |k| if k == LayerKind::Ipv4 { 8..9 } else { 7..8 },
    },
    Named {
        flag: "--dscp",
        kinds: is_ip,
        range: |k| if k == LayerKind::Ipv4 { 1..2 } else { 0..2 },
    },
    Named {
        flag: "--ecn",
        kinds: is_ip,
        range: |_| 1..2,
    },
    Named {
        flag: "--df",
        kinds: is_ipv4,
        range: |_| 6..7,
    },
    Named {
        flag: "--ident",
        kinds: is_ipv4,
        range: |_| 4..6,
    },
    Named {
        flag: "--ipv4-src",
        kinds: is_ipv4,
        range: |_| 12..16,
    },
    Named {
        flag: "--ipv4-dst",
        kinds: is_ipv4,
        range: |_| 16..20,
    },
    Named {
        flag: "--ipv6-src",
        kinds: is_ipv6,
        range: |_| 8..24,
    },
    Named {
        flag: "--ipv6-dst",
        kinds: is_ipv6,
        range: |_| 24..40,
    },
    Named {
        flag: "--src-port",
        kinds: is_l4,
        range: |_| 0..2,
    },
    Named {
        flag: "--dst-port",
        kinds: is_l4,
        range: |_| 2..4,
    },
    Named {
        flag: "--vid",
        kinds: is_vlan,
        range: |_| 0..2,
    },
    Named {
        flag: "--vni",
        kinds: is_vni,
        range: |_| 4..7,
    },
    Named {
        flag: "--teid",
        kinds: is_gtpu,
        range: |_| 4..8,
    },
    Named {
        flag: "--label",
        kinds: is_mpls,
        // The label's 20 bits end in the high nibble of byte 2.
        range: |_| 0..3,
    },
];

/// A field a flag named in one frame: the flag, the kind of the layer it
/// applied to, and the field's bytes in the frame.
type NamedField = (&'static str, LayerKind, Range<usize>);

/// The flags that `--quoted` sends to the quoted datagram.
const QUOTABLE: [&str; 6] = [
    "--ipv4-src",
    "--ipv4-dst",
    "--ipv6-src",
    "--ipv6-dst",
    "--src-port",
    "--dst-port",
];

/// The frame offsets the flags may change (named fields and checksum
/// fields), and the named fields as (flag, absolute range).
fn allowed(frame: &[u8], flags: &[&str], inner: bool) -> (Vec<bool>, Vec<NamedField>) {
    let layers = Layers::from_ethernet_capture(frame);
    let which = if inner {
        Which::Innermost
    } else {
        Which::Outermost
    };
    let mut ok = vec![false; frame.len()];
    let mut named = Vec::new();
    // With --quoted: nothing in a packet without a quote; the address
    // flags on the outermost quoted IP header, whichever version it is.
    let quoted = flags.contains(&"--quoted");
    let quote = layers.find_quoted_by(LayerKind::is_ip, Which::Outermost);
    if quoted && quote.is_none() {
        return (ok, named);
    }
    let find = |n: &Named| {
        if !(quoted && QUOTABLE.contains(&n.flag)) {
            return layers.find_by(n.kinds, which);
        }
        if matches!(n.flag, "--src-port" | "--dst-port") {
            return layers.find_quoted_by(n.kinds, Which::Outermost);
        }
        quote.filter(|&i| (n.kinds)(layers.get(i).unwrap().kind))
    };
    for n in NAMED.iter().filter(|n| flags.contains(&n.flag)) {
        if let Some(i) = find(n) {
            let l = layers.get(i).unwrap();
            let r = (n.range)(l.kind);
            let abs = l.start + r.start..l.start + r.end;
            ok[abs.clone()].iter_mut().for_each(|b| *b = true);
            named.push((n.flag, l.kind, abs));
        }
    }
    for c in checksums(frame) {
        ok[c.at] = true;
        ok[c.at + 1] = true;
    }
    (ok, named)
}

fn args(flags: &str) -> Vec<OsString> {
    flags.split_whitespace().map(OsString::from).collect()
}

/// The value a named field of a `kind` layer must hold after the rewrite.
fn check_value(
    flag: &str,
    kind: LayerKind,
    before: &[u8],
    after: &[u8],
    r: &Range<usize>,
    edits: &Edits,
    what: &str,
) {
    let got = &after[r.clone()];
    let old = &before[r.clone()];
    let v6 = kind == LayerKind::Ipv6;
    match flag {
        "--ttl" => assert_eq!(got[0], edits.ttl.unwrap(), "{what}"),
        "--dec-ttl" => {
            // --ttl, applied first, may have set it.
            let base = edits.ttl.unwrap_or(old[0]);
            assert_eq!(got[0], base.saturating_sub(1), "{what}");
        }
        "--dscp" if v6 => {
            let tc = ((got[0] & 0x0F) << 4) | (got[1] >> 4);
            assert_eq!(tc >> 2, edits.dscp.unwrap().value(), "{what}");
            assert_eq!(got[0] >> 4, old[0] >> 4, "{what}: version kept");
            assert_eq!(got[1] & 0x0F, old[1] & 0x0F, "{what}: flow label kept");
        }
        "--dscp" => assert_eq!(got[0] >> 2, edits.dscp.unwrap().value(), "{what}"),
        "--ecn" if v6 => {
            assert_eq!((got[0] >> 4) & 3, edits.ecn.unwrap().value(), "{what}");
            assert_eq!(got[0] & 0x0F, old[0] & 0x0F, "{what}: flow label kept");
        }
        "--ecn" => assert_eq!(got[0] & 3, edits.ecn.unwrap().value(), "{what}"),
        "--df" => {
            assert_eq!(got[0] & 0x40 != 0, edits.df.unwrap(), "{what}");
            assert_eq!(
                got[0] & 0xBF,
                old[0] & 0xBF,
                "{what}: other flags and offset kept"
            );
        }
        "--ident" => assert_eq!(got, edits.ident.unwrap().to_be_bytes(), "{what}"),
        "--ipv4-src" | "--ipv4-dst" => {
            let want = if flag == "--ipv4-src" {
                edits.ipv4_src
            } else {
                edits.ipv4_dst
            };
            assert_eq!(got, want.unwrap().octets(), "{what}");
        }
        "--ipv6-src" | "--ipv6-dst" => {
            let want = if flag == "--ipv6-src" {
                edits.ipv6_src
            } else {
                edits.ipv6_dst
            };
            assert_eq!(got, want.unwrap().octets(), "{what}");
        }
        "--src-port" => assert_eq!(got, edits.src_port.unwrap().to_be_bytes(), "{what}"),
        "--dst-port" => assert_eq!(got, edits.dst_port.unwrap().to_be_bytes(), "{what}"),
        "--vid" => {
            let tci = u16::from_be_bytes([got[0], got[1]]);
            assert_eq!(tci & 0x0FFF, edits.vid.unwrap().value(), "{what}");
            assert_eq!(got[0] >> 4, old[0] >> 4, "{what}: PCP and DEI kept");
        }
        "--vni" => {
            let vni = u32::from_be_bytes([0, got[0], got[1], got[2]]);
            assert_eq!(vni, edits.vni.unwrap().value(), "{what}");
        }
        "--teid" => assert_eq!(got, edits.teid.unwrap().to_be_bytes(), "{what}"),
        "--label" => {
            let label = u32::from_be_bytes([0, got[0], got[1], got[2]]) >> 4;
            assert_eq!(label, edits.label.unwrap().value(), "{what}");
            assert_eq!(got[2] & 0x0F, old[2] & 0x0F, "{what}: TC and S kept");
        }
        other => panic!("no check for {other}"),
    }
}

/// Rewrites every corpus capture with `flags` and checks every packet.
fn rewrite_corpus(flags: &str) {
    rewrite_corpus_changing(flags, 500);
}

/// As [`rewrite_corpus`], expecting at least `min_changed` packets changed
/// (flags that name rarer layers change fewer).
fn rewrite_corpus_changing(flags: &str, min_changed: usize) -> usize {
    let Some(files) = corpus() else { return 0 };
    let cmd_args = {
        let mut a = args(flags);
        a.push("IN".into());
        a.push("OUT".into());
        a
    };
    let edits = rewrite_tool::parse_args(cmd_args).unwrap().unwrap().edits;
    let flag_list: Vec<&str> = flags
        .split_whitespace()
        .filter(|f| f.starts_with("--"))
        .collect();
    let (mut checked, mut rewritten, mut skipped) = (0, 0, 0);
    let (mut invariants, mut cut_rewritten) = (0, 0);
    for path in &files {
        let name = path.display();
        let image = std::fs::read(path).unwrap();
        let (out_image, summary) =
            rewrite_tool::rewrite_capture(&image, &edits).unwrap_or_else(|e| panic!("{name}: {e}"));
        let before = packets(&image);
        let after = packets(&out_image);
        assert_eq!(before.len(), after.len(), "{name}");
        assert_eq!(summary.total, before.len(), "{name}");
        let mut malformed = 0;
        for (k, ((lt, b), (lt2, a))) in before.iter().zip(&after).enumerate() {
            let what = format!("{name} packet {} with {flags}", k + 1);
            assert_eq!(lt, lt2, "{what}");
            assert_eq!(b.len(), a.len(), "{what}");
            if *lt != 1 || is_malformed(b) {
                malformed += 1;
                assert_eq!(a, b, "{what}: a malformed packet is copied unchanged");
                continue;
            }
            let (ok, named) = allowed(b, &flag_list, edits.inner);
            for (off, (x, y)) in b.iter().zip(a).enumerate() {
                assert!(
                    x == y || ok[off],
                    "{what}: byte {off} changed ({x:#04x} -> {y:#04x}) but no flag names it"
                );
            }
            for (flag, kind, r) in &named {
                check_value(flag, *kind, b, a, r, &edits, &what);
            }
            let sums_in = checksums(b);
            let sums_out = checksums(a);
            // Where a from-scratch value cannot be known (cut short,
            // fragments), the captured part of every sum is kept: the
            // update is exact as far as the packet was captured.
            if sums_in.len() == sums_out.len() {
                for (ci, co) in sums_in.iter().zip(&sums_out) {
                    if let (Some(x), Some(y)) = (ci.invariant, co.invariant) {
                        assert_eq!(
                            x, y,
                            "{what}: {:?} checksum at {} not updated exactly",
                            ci.kind, ci.at
                        );
                        invariants += 1;
                    }
                }
            }
            if cut_short(b) && a != b {
                cut_rewritten += 1;
            }
            // A flag can change what the walk sees (a port that made a
            // datagram VXLAN), so the output is checked on its own walk.
            for ci in sums_in.iter().filter(|c| c.absent) {
                assert_eq!(
                    a[ci.at..ci.at + 2],
                    [0, 0],
                    "{what}: a UDP checksum of 0 over IPv4 stays 0"
                );
            }
            if sums_in.iter().all(|c| c.valid() != Some(false)) {
                for c in &sums_out {
                    if let Some(e) = c.expected.filter(|_| !c.absent) {
                        assert_eq!(
                            c.stored, e,
                            "{what}: {:?} checksum at {} is not the from-scratch value",
                            c.kind, c.at
                        );
                    }
                }
                checked += 1;
            }
            if a != b {
                rewritten += 1;
            }
        }
        skipped += malformed;
        assert_eq!(summary.skipped, malformed, "{name}: skipped count");
    }
    println!(
        "{flags}: {checked} packets with valid checksums checked, {rewritten} changed \
         ({cut_rewritten} cut short by the capture), {invariants} partial sums kept, {skipped} skipped"
    );
    assert!(
        checked > 1000 && rewritten >= min_changed,
        "too little was exercised"
    );
    rewritten
}

#[test]
fn rewrite_ttl_ipv4_src_src_port() {
    rewrite_corpus("--ttl 7 --ipv4-src 10.9.8.7 --src-port 4242");
}

#[test]
fn rewrite_inner_ipv6_dst_dscp() {
    rewrite_corpus("--inner --ipv6-dst 2001:db8::9 --dscp 46");
}

#[test]
fn rewrite_vni_vid_dec_ttl() {
    rewrite_corpus("--vni 77 --vid 99 --dec-ttl");
}

#[test]
fn rewrite_everything_inner() {
    rewrite_corpus(
        "--inner --ecn 3 --df 1 --ident 0xbeef --ipv4-dst 192.0.2.1 --ipv6-src 2001:db8::1 --dst-port 53 --vid 4095 --vni 16777215",
    );
}

#[test]
fn rewrite_vni_label_teid() {
    // Geneve (VXLAN where there is none), MPLS and GTP-U: the tcpdump
    // corpus has 48 Geneve packets, 3 MPLS stacks and VXLAN packets.
    let changed = rewrite_corpus_changing("--vni 77 --label 1234 --teid 99", 60);
    println!("{changed} packets changed");
}

#[test]
fn rewrite_quoted_addresses_and_ports() {
    // The datagrams ICMP errors quote (30 in the corpus); every other
    // packet is copied unchanged.
    let changed = rewrite_corpus_changing(
        "--quoted --ipv4-src 10.9.8.7 --ipv4-dst 192.0.2.1 --ipv6-dst 2001:db8::9 --src-port 4242 --dst-port 53",
        25,
    );
    println!("{changed} packets changed");
}
