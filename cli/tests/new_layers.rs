//! The layers of issue 10 in the tools: `dissect` lists Geneve, MPLS (one
//! object per label stack entry), GTP-U and PPPoE (session and discovery)
//! with the contract's keys, on the sample and on real captures of
//! tcpdump's test suite (`../shared/corpus`, skipped with a note when
//! absent); `rewrite --vni` reaches Geneve as VXLAN, `--teid` and
//! `--label` change what they name (read back from the bytes), every
//! checksum of the output equals an independent from-scratch
//! recomputation (`tests/common/verify.rs`), and bad values exit 2.

#[allow(dead_code)] // Only `checksums` serves here.
#[path = "../../tests/common/mod.rs"]
mod common;

#[allow(dead_code)] // The sample's builder: `build` and `Spec` only.
#[path = "../../examples/common/sample.rs"]
mod sample;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use wireview::walk::{LayerKind, Layers, Which};
use wireview_cli::capture;

fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wireview-layers10-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sample_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample.pcap")
}

/// A capture of the shared corpus, or `None` (with a note) when absent.
fn corpus_file(dir: &str, name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus")
        .join(dir)
        .join(name);
    if path.exists() {
        Some(path)
    } else {
        println!("note: {} is absent; skipped", path.display());
        None
    }
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// `dissect FILE`: the JSON lines.
fn dissect(path: &Path) -> Vec<Value> {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = wireview_cli::dissect::run([OsString::from(path)], &mut out, &mut err);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// `rewrite FLAGS IN OUT`: (status, stderr).
fn rewrite(flags: &[&str], input: &Path, output: &Path) -> (i32, String) {
    let mut args = os(flags);
    args.extend([input.into(), output.into()]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = wireview_cli::rewrite::run(args, &mut out, &mut err);
    assert!(out.is_empty());
    (code, String::from_utf8(err).unwrap())
}

fn frames(path: &Path) -> Vec<Vec<u8>> {
    let image = std::fs::read(path).unwrap();
    let mut v = Vec::new();
    capture::for_each_packet(&image[..], |r| v.push(r.data.to_vec())).unwrap();
    v
}

/// Rewrites `input` with `flags`: (summary line, frames before, frames after).
fn rewrite_frames(
    test: &str,
    flags: &[&str],
    input: &Path,
) -> (String, Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let out = temp_dir(test).join("out.pcap");
    let (code, err) = rewrite(flags, input, &out);
    assert_eq!(code, 0, "{flags:?}: {err}");
    (err, frames(input), frames(&out))
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

/// The byte offset of the `which` layer of `kind` in `frame`.
fn offset(frame: &[u8], kind: LayerKind, which: Which) -> usize {
    let layers = Layers::from_ethernet_capture(frame);
    let i = layers
        .find(kind, which)
        .unwrap_or_else(|| panic!("no {kind:?}"));
    layers.get(i).unwrap().start
}

/// Every checksum of every frame of `after` equals a from-scratch
/// recomputation, where it was right (or absent) in `before`; returns how
/// many were checked. A UDP checksum of 0 over IPv4 stays 0.
fn checksums_exact(before: &[Vec<u8>], after: &[Vec<u8>], what: &str) -> usize {
    assert_eq!(before.len(), after.len());
    let mut n = 0;
    for (k, (b, a)) in before.iter().zip(after).enumerate() {
        let sums_in = common::verify::checksums(b);
        if sums_in.iter().any(|c| c.valid() == Some(false)) {
            continue;
        }
        let sums_out = common::verify::checksums(a);
        assert_eq!(sums_in.len(), sums_out.len(), "{what}: packet {}", k + 1);
        for (ci, co) in sums_in.iter().zip(&sums_out) {
            if ci.absent {
                assert!(
                    co.absent,
                    "{what}: packet {}: a zero UDP checksum stays 0",
                    k + 1
                );
            }
            if let Some(e) = co.expected.filter(|_| !co.absent) {
                assert_eq!(
                    co.stored,
                    e,
                    "{what}: packet {} {:?} checksum at {}",
                    k + 1,
                    co.kind,
                    co.at
                );
                n += 1;
            }
        }
    }
    n
}

/// The offsets where `a` and `b` differ.
fn changed(b: &[u8], a: &[u8]) -> Vec<usize> {
    assert_eq!(a.len(), b.len());
    (0..a.len()).filter(|&i| a[i] != b[i]).collect()
}

// ------------------------------------------------------------ dissect

#[test]
fn dissect_lists_the_new_layers_of_the_sample_with_the_contract_keys() {
    let pk = dissect(&sample_path());
    assert_eq!(pk.len(), 31);
    let l = |n: usize, i: usize| pk[n - 1]["layers"][i].clone();
    for n in 24..=29 {
        assert!(pk[n - 1]["error"].is_null(), "packet {n}: {}", pk[n - 1]);
    }
    // Geneve: 8 bytes of options (one TLV with 4 bytes of data), C set.
    assert_eq!(
        l(24, 3),
        json!({"layer":"geneve","version":0,"opt_len":8,"oam":false,"critical":true,
            "protocol":0x6558,"vni":0x12_3456})
    );
    assert_eq!(l(24, 2)["checksum_valid"], true);
    assert_eq!(l(24, 6)["checksum_valid"], true);
    // MPLS over Ethernet: one object per entry, S on the last only.
    assert_eq!(
        l(25, 1),
        json!({"layer":"mpls","label":1000,"tc":5,"s":false,"ttl":64})
    );
    assert_eq!(
        l(25, 2),
        json!({"layer":"mpls","label":2000,"tc":0,"s":true,"ttl":63})
    );
    assert_eq!(l(25, 3)["layer"], "ipv4");
    // MPLS over UDP port 6635, into IPv6 by the first nibble.
    assert_eq!(l(26, 2)["dst_port"], 6635);
    assert_eq!(
        l(26, 3),
        json!({"layer":"mpls","label":3000,"tc":1,"s":true,"ttl":255})
    );
    assert_eq!(l(26, 4)["layer"], "ipv6");
    // GTP-U G-PDU with a PDU Session Container: E set, the length counts
    // the 4 bytes of the extension header and the optional fields word.
    assert_eq!(
        l(27, 3),
        json!({"layer":"gtpu","version":1,"pt":true,"e":true,"s":false,"pn":false,
            "msg_type":255,"length":64,"teid":0x1234_abcd})
    );
    assert_eq!(l(27, 4)["total_len"], 56);
    assert_eq!(l(27, 3)["length"], 8 + 56);
    // PPPoE session: PPP protocol 0x0021 (IPv4); discovery: null.
    assert_eq!(
        l(28, 1),
        json!({"layer":"pppoe","version":1,"type":1,"code":0,"session_id":0x17,"length":43,"protocol":0x0021})
    );
    assert_eq!(
        l(28, 1)["length"],
        l(28, 2)["total_len"].as_u64().unwrap() + 2
    );
    assert_eq!(
        l(29, 1),
        json!({"layer":"pppoe","version":1,"type":1,"code":9,"session_id":0,"length":4,"protocol":null})
    );
    assert_eq!(l(29, 2), json!({"layer":"payload","len":4}));
}

#[test]
fn dissect_lists_the_new_layers_of_real_captures() {
    // Values as tcpdump 4.99 prints them (`tcpdump -nnv -r`).
    if let Some(path) = corpus_file("tcpdump", "geneve.pcap") {
        let pk = dissect(&path);
        // "Geneve, Flags [C], vni 0xa, proto TEB (0x6558), options [... len 8]"
        assert_eq!(
            pk[0]["layers"][3],
            json!({"layer":"geneve","version":0,"opt_len":8,"oam":false,"critical":true,"protocol":0x6558,"vni":10})
        );
        let geneve = pk
            .iter()
            .filter(|p| p["layers"][3]["layer"] == "geneve")
            .count();
        assert_eq!(geneve, 39);
        assert!(pk.iter().all(|p| p["error"].is_null()));
    }
    if let Some(path) = corpus_file("tcpdump", "mpls-label-heapoverflow.pcap") {
        // "MPLS (label 197379, tc 0, ttl 48) (label 197387, tc 5, [S], ttl 48)"
        let pk = dissect(&path);
        assert_eq!(
            pk[0]["layers"],
            json!([
                pk[0]["layers"][0],
                {"layer":"mpls","label":197_379,"tc":0,"s":false,"ttl":48},
                {"layer":"mpls","label":197_387,"tc":5,"s":true,"ttl":48}
            ])
        );
    }
    if let Some(path) = corpus_file("tcpdump", "mpls-over-udp.pcap") {
        // "MPLS (label 21, tc 0, [S], ttl 63)", then "label 46".
        let pk = dissect(&path);
        for (p, label) in pk.iter().zip([21, 46]) {
            assert_eq!(
                p["layers"][3],
                json!({"layer":"mpls","label":label,"tc":0,"s":true,"ttl":63})
            );
            assert_eq!(p["layers"][4]["ttl"], 63);
            assert_eq!(p["layers"][5]["layer"], "icmpv4");
        }
    }
    if let Some(path) = corpus_file("tcpdump-linktypes", "pppoes.pcap") {
        // "PPPoE [ses 0x17] LCP, ... length 14", "[ses 0x3b]".
        let pk = dissect(&path);
        for (p, session) in pk.iter().zip([0x17, 0x3b]) {
            assert_eq!(
                p["layers"][1],
                json!({"layer":"pppoe","version":1,"type":1,"code":0,"session_id":session,"length":14,"protocol":0xc021})
            );
        }
    }
    if let Some(path) = corpus_file("tcpdump-linktypes", "pppoe.pcap") {
        // "PPPoE PADI [Service-Name] [PPP-Max-Payload 0x05DC] [Host-Uniq ...]"
        let pk = dissect(&path);
        assert_eq!(
            pk[0]["layers"][1],
            json!({"layer":"pppoe","version":1,"type":1,"code":9,"session_id":0,"length":18,"protocol":null})
        );
    }
}

// ------------------------------------------------------------ rewrite

#[test]
fn rewrite_vni_teid_label_on_the_sample() {
    let sample = sample_path();
    let (summary, before, after) = rewrite_frames(
        "ids",
        &["--vni", "77", "--teid", "99", "--label", "1234"],
        &sample,
    );
    // VXLAN 12 and 13, Geneve 24, MPLS 25 and 26, GTP-U 27.
    assert!(
        summary.starts_with("rewrote 6 of 31 packets ("),
        "{summary}"
    );
    let n = checksums_exact(&before, &after, "ids");
    assert!(n >= 50, "{n}");
    let (b, a) = (&before[23], &after[23]);
    let at = offset(b, LayerKind::Geneve, Which::Outermost);
    assert_eq!(be32(a, at + 4) >> 8, 77, "Geneve VNI");
    assert_eq!(a[at + 7], b[at + 7], "Geneve reserved byte kept");
    // The VNI and the outer UDP checksum, nothing else.
    assert_eq!(changed(b, a), [40, 41, at + 4, at + 5, at + 6]);
    // MPLS over Ethernet: the top entry's label; TC, S and TTL kept.
    let (b, a) = (&before[24], &after[24]);
    assert_eq!(
        (be32(a, 14) >> 12, be32(a, 14) & 0xFFF),
        (1234, be32(b, 14) & 0xFFF)
    );
    assert_eq!(a[18..], b[18..], "the second entry and the packet are kept");
    // MPLS over UDP: the label, and the outer UDP checksum follows.
    let (b, a) = (&before[25], &after[25]);
    assert_eq!(be32(a, 42) >> 12, 1234);
    assert_eq!(
        changed(b, a),
        [40, 41, 43, 44],
        "3000 and 1234 share the top byte"
    );
    // GTP-U: the TEID and the outer UDP checksum.
    let (b, a) = (&before[26], &after[26]);
    assert_eq!(be32(a, 46), 99);
    assert_eq!(changed(b, a), [40, 41, 46, 47, 48, 49]);
    // Packets without such a layer are unchanged.
    for k in [0, 3, 19, 27, 28] {
        assert_eq!(before[k], after[k], "packet {}", k + 1);
    }
    // The dissection reads them back.
    let out = temp_dir("ids").join("out.pcap");
    rewrite(
        &["--vni", "77", "--teid", "99", "--label", "1234"],
        &sample,
        &out,
    );
    let pk = dissect(&out);
    assert_eq!(pk[23]["layers"][3]["vni"], 77);
    assert_eq!(pk[23]["layers"][2]["checksum_valid"], true);
    assert_eq!(pk[11]["layers"][3]["vni"], 77);
    assert_eq!(pk[26]["layers"][3]["teid"], 99);
    assert_eq!(pk[26]["layers"][2]["checksum_valid"], true);
    assert_eq!(
        (
            pk[24]["layers"][1]["label"].clone(),
            pk[24]["layers"][2]["label"].clone()
        ),
        (1234.into(), 2000.into())
    );
}

#[test]
fn rewrite_inner_label_is_the_innermost_entry() {
    let (_, before, after) = rewrite_frames(
        "inner-label",
        &["--inner", "--label", "1048575", "--vni", "0"],
        &sample_path(),
    );
    checksums_exact(&before, &after, "inner-label");
    // MPLS over Ethernet: the bottom entry only, S still set.
    let (b, a) = (&before[24], &after[24]);
    assert_eq!(a[14..18], b[14..18]);
    assert_eq!(be32(a, 18) >> 12, 1_048_575);
    assert_eq!(be32(a, 18) & 0xFFF, be32(b, 18) & 0xFFF);
    assert_eq!(changed(b, a), [18, 19, 20]);
    // The only entry of MPLS over UDP is both outermost and innermost.
    assert_eq!(be32(&after[25], 42) >> 12, 1_048_575);
    // Geneve: the innermost (here the only) VNI header.
    let at = offset(&after[23], LayerKind::Geneve, Which::Innermost);
    assert_eq!(be32(&after[23], at + 4) >> 8, 0);
}

#[test]
fn rewrite_inside_the_new_tunnels_keeps_the_outer_checksums() {
    let (_, before, after) = rewrite_frames(
        "inner",
        &[
            "--inner",
            "--ipv4-src",
            "10.99.0.1",
            "--ipv6-dst",
            "2001:db8::99",
            "--src-port",
            "1111",
            "--ttl",
            "5",
        ],
        &sample_path(),
    );
    let n = checksums_exact(&before, &after, "inner");
    assert!(n >= 50, "{n}");
    // Geneve, MPLS over UDP and GTP-U: the outer UDP checksum changed
    // (and checks out, above), the inner headers carry the new values.
    for k in [23, 25, 26] {
        assert_ne!(before[k][40..42], after[k][40..42], "packet {}", k + 1);
    }
    let pk = {
        let out = temp_dir("inner-read").join("out.pcap");
        rewrite(
            &["--inner", "--ipv4-src", "10.99.0.1", "--src-port", "1111"],
            &sample_path(),
            &out,
        );
        dissect(&out)
    };
    for (n, ip, l4) in [(24, 5, 6), (25, 3, 4), (27, 4, 5), (28, 2, 3)] {
        let layers = &pk[n - 1]["layers"];
        assert_eq!(layers[ip]["src"], "10.99.0.1", "packet {n}");
        assert_eq!(layers[l4]["src_port"], 1111, "packet {n}");
        assert_eq!(layers[l4]["checksum_valid"], true, "packet {n}");
        assert_eq!(layers[ip]["checksum_valid"], true, "packet {n}");
    }
    // The outer headers are not touched by --inner.
    assert_eq!(pk[23]["layers"][1]["src"], "172.16.1.1");
    assert_eq!(pk[26]["layers"][2]["src_port"], 2152);
}

#[test]
fn rewrite_new_layers_of_real_captures() {
    // Geneve (39 packets, UDP checksum 0): every outermost VNI.
    if let Some(path) = corpus_file("tcpdump", "geneve.pcap") {
        let (_, before, after) = rewrite_frames("geneve", &["--vni", "77"], &path);
        let mut n = 0;
        for (b, a) in before.iter().zip(&after) {
            let layers = Layers::from_ethernet_capture(b);
            let Some(i) = layers.find(LayerKind::Geneve, Which::Outermost) else {
                assert_eq!(a, b);
                continue;
            };
            let at = layers.get(i).unwrap().start;
            assert_eq!(be32(a, at + 4) >> 8, 77);
            // Only VNI bytes (the UDP checksum is 0 and stays 0).
            assert!(changed(b, a).iter().all(|o| (at + 4..at + 7).contains(o)));
            n += 1;
        }
        assert_eq!(n, 39);
        // Inside: the inner IPv4 source, with its header checksum and the
        // TCP/ICMP checksums right.
        let (_, before, after) = rewrite_frames(
            "geneve-inner",
            &["--inner", "--ipv4-src", "30.9.9.9", "--dscp", "10"],
            &path,
        );
        assert!(checksums_exact(&before, &after, "geneve --inner") >= 100);
        assert_ne!(before, after);
    }
    // MPLS over UDP: the label of each packet, the inner IPv4 and ICMP
    // checksums right after an inner change.
    if let Some(path) = corpus_file("tcpdump", "mpls-over-udp.pcap") {
        let (_, before, after) = rewrite_frames("mpls-udp", &["--label", "1234"], &path);
        for (b, a) in before.iter().zip(&after) {
            let at = offset(b, LayerKind::Mpls, Which::Outermost);
            assert_eq!(be32(a, at) >> 12, 1234);
            assert_eq!(be32(a, at) & 0xFFF, be32(b, at) & 0xFFF);
            // Only label bytes (the outer UDP checksum is 0 here).
            assert!(changed(b, a).iter().all(|o| (at..at + 3).contains(o)));
        }
        checksums_exact(&before, &after, "mpls-over-udp");
        let (_, before, after) = rewrite_frames(
            "mpls-udp-inner",
            &[
                "--inner",
                "--ttl",
                "9",
                "--ipv4-dst",
                "10.1.0.99",
                "--label",
                "16",
            ],
            &path,
        );
        assert!(checksums_exact(&before, &after, "mpls-over-udp --inner") >= 6);
        for a in &after {
            let at = offset(a, LayerKind::Ipv4, Which::Innermost);
            assert_eq!((a[at + 8], &a[at + 16..at + 20]), (9, &[10, 1, 0, 99][..]));
        }
    }
    // A two-entry stack: the top entry, or the bottom one with --inner.
    if let Some(path) = corpus_file("tcpdump", "mpls-label-heapoverflow.pcap") {
        let (_, before, after) = rewrite_frames("mpls-stack", &["--label", "0"], &path);
        assert!(changed(&before[0], &after[0])
            .iter()
            .all(|o| (14..17).contains(o)));
        assert_eq!(be32(&after[0], 14) >> 12, 0);
        let (_, before, after) = rewrite_frames(
            "mpls-stack-inner",
            &["--inner", "--label", "1048575"],
            &path,
        );
        assert!(changed(&before[0], &after[0])
            .iter()
            .all(|o| (18..21).contains(o)));
        assert_eq!(be32(&after[0], 18) >> 12, 1_048_575);
        assert_eq!(be32(&after[0], 18) & 0xFFF, be32(&before[0], 18) & 0xFFF);
    }
    // PPPoE session frames carrying LCP: no flag applies, nothing changes.
    if let Some(path) = corpus_file("tcpdump-linktypes", "pppoes.pcap") {
        let (summary, before, after) = rewrite_frames(
            "pppoes",
            &["--vni", "1", "--teid", "1", "--label", "1"],
            &path,
        );
        assert!(summary.starts_with("rewrote 0 of 2 packets ("), "{summary}");
        assert_eq!(before, after);
    }
}

#[test]
fn bad_teid_and_label_values_exit_2_before_out_is_created() {
    let dir = temp_dir("bad");
    let out = dir.join("out.pcap");
    let sample = sample_path();
    for (flags, message) in [
        (
            &["--label", "1048576"][..],
            "rewrite: --label: 1048576 is out of range (0..=1048575)",
        ),
        (
            &["--label", "-1"],
            "rewrite: --label: \"-1\" is not a number",
        ),
        (
            &["--label", "0x100000"],
            "rewrite: --label: 0x100000 is out of range (0..=1048575)",
        ),
        (
            &["--teid", "4294967296"],
            "rewrite: --teid: 4294967296 is out of range (0..=4294967295)",
        ),
        (
            &["--teid", "teid"],
            "rewrite: --teid: \"teid\" is not a number",
        ),
        (&["--teid"], "rewrite: missing argument for option '--teid'"),
    ] {
        let mut args: Vec<&str> = flags.to_vec();
        if flags.len() > 1 {
            args.extend([sample.to_str().unwrap(), out.to_str().unwrap()]);
        }
        let mut a = os(&args);
        if flags.len() == 1 {
            a.truncate(1);
        }
        let (mut o, mut e) = (Vec::new(), Vec::new());
        let code = wireview_cli::rewrite::run(a, &mut o, &mut e);
        let err = String::from_utf8(e).unwrap();
        assert_eq!(code, 2, "{flags:?}");
        assert_eq!(err.lines().count(), 1, "{flags:?}: {err}");
        assert!(err.starts_with(message), "{flags:?}: {err}");
        assert!(!out.exists(), "{flags:?}: OUT must not be created");
    }
    // The largest values are accepted.
    let (code, err) = rewrite(
        &["--teid", "0xffffffff", "--label", "1048575"],
        &sample,
        &out,
    );
    assert_eq!(code, 0, "{err}");
    let after = frames(&out);
    assert_eq!(be32(&after[26], 46), u32::MAX);
    assert_eq!(be32(&after[24], 14) >> 12, 1_048_575);
}

#[test]
fn gtpu_flags_and_other_message_types() {
    use sample::{build, Spec};
    // GTP-U echo request with a sequence number (S), as Scapy writes it
    // (the crate's `gtpu` test vector): version 1, PT, S; type 1; length
    // 4; TEID 0; sequence number 7, N-PDU number and next type 0.
    let echo = [0x32, 0x01, 0x00, 0x04, 0, 0, 0, 0, 0x00, 0x07, 0x00, 0x00];
    let frame = build(
        &[
            Spec::Eth {
                dst: wireview::MacAddr([2, 0, 0, 0, 0, 2]),
                src: wireview::MacAddr([2, 0, 0, 0, 0, 1]),
            },
            Spec::Ipv4 {
                src: [192, 0, 2, 10].into(),
                dst: [192, 0, 2, 20].into(),
                options: &[],
                id: 1,
                dscp: 0,
                ttl: 64,
            },
            Spec::Udp {
                src: 2152,
                dst: 2152,
                checksum: true,
            },
        ],
        &echo,
    );
    let dir = temp_dir("gtpu-echo-in");
    let input = dir.join("in.pcap");
    let image = capture::pcap_file(1, &[(1, 0, &frame, frame.len())]);
    std::fs::write(&input, image).unwrap();
    let pk = dissect(&input);
    assert_eq!(
        pk[0]["layers"][3],
        json!({"layer":"gtpu","version":1,"pt":true,"e":false,"s":true,"pn":false,
            "msg_type":1,"length":4,"teid":0})
    );
    // Not a G-PDU: what follows is not walked.
    assert_eq!(pk[0]["layers"].as_array().unwrap().len(), 4);
    assert!(pk[0]["error"].is_null());
    // --teid reaches it too; the UDP checksum follows.
    let (summary, before, after) = rewrite_frames("gtpu-echo", &["--teid", "0xdeadbeef"], &input);
    assert!(summary.starts_with("rewrote 1 of 1 packets ("), "{summary}");
    assert_eq!(be32(&after[0], 46), 0xdead_beef);
    assert_eq!(changed(&before[0], &after[0]), [40, 41, 46, 47, 48, 49]);
    assert_eq!(checksums_exact(&before, &after, "gtpu echo"), 2);
}
