//! The capture reader reads what tshark reads, in three cases where the
//! `pcap-file` crate did not (found in third-party captures): a pcapng
//! Simple Packet Block's padding is not packet data, an interface option of
//! length 1 does not make the file unreadable, and a packet comment that is
//! not UTF-8 does not end the capture. The pcapng files are crafted here
//! byte by byte, following the pcapng specification
//! (draft-ietf-opsawg-pcapng).

use std::ffi::OsString;

use serde_json::Value;
use wireview_cli::capture::{self, Format, Reader};

/// A little-endian pcapng block: type, total length, `body` padded to 4
/// bytes, total length.
fn block(kind: u32, body: &[u8]) -> Vec<u8> {
    let padded = body.len().div_ceil(4) * 4;
    let total = u32::try_from(12 + padded).unwrap();
    let mut b = Vec::new();
    b.extend_from_slice(&kind.to_le_bytes());
    b.extend_from_slice(&total.to_le_bytes());
    b.extend_from_slice(body);
    b.resize(8 + padded, 0);
    b.extend_from_slice(&total.to_le_bytes());
    b
}

/// An option: code, length, value padded to 4 bytes.
fn option(code: u16, value: &[u8]) -> Vec<u8> {
    let mut o = Vec::new();
    o.extend_from_slice(&code.to_le_bytes());
    o.extend_from_slice(&u16::try_from(value.len()).unwrap().to_le_bytes());
    o.extend_from_slice(value);
    o.resize(4 + value.len().div_ceil(4) * 4, 0);
    o
}

const END_OF_OPTIONS: [u8; 4] = [0; 4];

/// Section Header Block: byte-order magic, version 1.0, section length
/// unknown (-1).
fn shb() -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&0x1A2B_3C4D_u32.to_le_bytes());
    body.extend_from_slice(&1u16.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&(-1i64).to_le_bytes());
    block(0x0A0D_0D0A, &body)
}

/// Interface Description Block: link type, reserved, snap length, options.
fn idb(linktype: u16, snaplen: u32, options: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&linktype.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&snaplen.to_le_bytes());
    body.extend_from_slice(options);
    block(1, &body)
}

/// Enhanced Packet Block on interface 0.
fn epb(data: &[u8], options: &[u8]) -> Vec<u8> {
    let len = u32::try_from(data.len()).unwrap();
    let mut body = Vec::new();
    for v in [0, 0x0006_0000, 0x1234_5678, len, len] {
        body.extend_from_slice(&u32::to_le_bytes(v));
    }
    body.extend_from_slice(data);
    body.resize(20 + data.len().div_ceil(4) * 4, 0);
    body.extend_from_slice(options);
    block(6, &body)
}

/// Simple Packet Block: original length, then the captured data.
fn spb(original_len: u32, data: &[u8]) -> Vec<u8> {
    let mut body = original_len.to_le_bytes().to_vec();
    body.extend_from_slice(data);
    block(3, &body)
}

/// An Ethernet/IPv4/UDP frame of 14 + 20 + 8 + `payload` bytes with right
/// checksums (UDP checksum 0: none).
fn udp_frame(payload: usize) -> Vec<u8> {
    let total = u16::try_from(28 + payload).unwrap();
    let mut f = vec![
        0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00, // Ethernet
        0x45, 0, 0, 0, 0, 1, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2, // IPv4
        0x30, 0x39, 0x00, 0x35, 0, 0, 0, 0, // UDP 12345 -> 53
    ];
    f[16..18].copy_from_slice(&total.to_be_bytes());
    f[38..40].copy_from_slice(&(total - 20).to_be_bytes());
    let c = wireview::checksum::internet_checksum(&f[14..34]);
    f[24..26].copy_from_slice(&c.to_be_bytes());
    f.extend((0..payload).map(|k| k as u8));
    f
}

/// Every packet's (link type, captured bytes).
fn packets(image: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let mut v = Vec::new();
    capture::for_each_packet(image, |r| v.push((r.linktype, r.data.to_vec()))).unwrap();
    v
}

/// `wireview dissect` on `image` written to a file: (status, JSON lines, stderr).
fn dissect(image: &[u8], name: &str) -> (i32, Vec<Value>, String) {
    let path = std::env::temp_dir().join(format!("wireview-reader-{}-{name}", std::process::id()));
    std::fs::write(&path, image).unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = wireview_cli::dissect::run([OsString::from(&path)], &mut out, &mut err);
    let _ = std::fs::remove_file(&path);
    let lines = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (code, lines, String::from_utf8(err).unwrap())
}

#[test]
fn simple_packet_block_padding_is_not_packet_data() {
    // 45-byte frame: SPB data padded to 48 bytes. pcap-file gave 48.
    let frame = udp_frame(3);
    assert_eq!(frame.len(), 45);
    let mut image = shb();
    image.extend(idb(1, 0, &[]));
    image.extend(spb(45, &frame));
    let got = packets(&image);
    assert_eq!(got, vec![(1, frame.clone())]);
    let (code, lines, err) = dissect(&image, "spb");
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(lines[0]["len"], 45);
    assert_eq!(lines[0]["error"], Value::Null);
    assert_eq!(lines[0]["layers"][2]["layer"], "udp");
}

#[test]
fn simple_packet_block_is_cut_at_the_snap_length() {
    // Original length 45, interface snap length 40: 40 bytes captured
    // (the block holds 40, no padding needed).
    let frame = udp_frame(3);
    let mut image = shb();
    image.extend(idb(1, 40, &[]));
    image.extend(spb(45, &frame[..40]));
    assert_eq!(packets(&image), vec![(1, frame[..40].to_vec())]);
}

#[test]
fn interface_options_of_length_one_are_read() {
    // if_tsresol (9) = 6, if_fcslen (13) = 0, an empty if_filter (11: the
    // filter type alone) and an unknown option, each 1 byte long.
    let mut options = Vec::new();
    options.extend(option(9, &[6]));
    options.extend(option(13, &[0]));
    options.extend(option(11, &[0]));
    options.extend(option(0x7fff, &[0xaa]));
    options.extend(END_OF_OPTIONS);
    let mut image = shb();
    image.extend(idb(1, 65535, &options));
    image.extend(epb(&udp_frame(4), &[]));
    image.extend(epb(&udp_frame(5), &[]));
    let got = packets(&image);
    assert_eq!(got.len(), 2);
    assert_eq!(got[1], (1, udp_frame(5)));
}

#[test]
fn a_comment_that_is_not_utf8_does_not_end_the_capture() {
    // opt_comment (1) with Latin-1 bytes, then a second packet.
    let mut options = option(1, b"caf\xe9 \xff\xfe");
    options.extend(END_OF_OPTIONS);
    let mut image = shb();
    image.extend(idb(1, 65535, &[]));
    image.extend(epb(&udp_frame(1), &options));
    image.extend(epb(&udp_frame(2), &[]));
    let got = packets(&image);
    assert_eq!(got, vec![(1, udp_frame(1)), (1, udp_frame(2))]);
    let (code, lines, _) = dissect(&image, "comment");
    assert_eq!((code, lines.len()), (0, 2));
}

#[test]
fn rewrite_keeps_every_pcapng_block_and_changes_only_packet_bytes() {
    let mut options = option(1, b"\xff comment");
    options.extend(END_OF_OPTIONS);
    let mut image = shb();
    image.extend(idb(1, 65535, &option(9, &[6])));
    image.extend(epb(&udp_frame(1), &options));
    image.extend(spb(45, &udp_frame(3)));
    // A Name Resolution Block (4), copied as it is.
    image.extend(block(4, &[0, 0, 0, 0]));
    let (out, summary) = wireview_cli::rewrite::rewrite_capture(
        &image,
        &wireview_cli::rewrite::parse_args(["--ttl", "7", "IN", "OUT"].map(OsString::from))
            .unwrap()
            .unwrap()
            .edits,
    )
    .unwrap();
    assert_eq!((summary.total, summary.rewritten), (2, 2));
    assert_eq!(out.len(), image.len());
    let changed: Vec<usize> = (0..image.len()).filter(|&k| image[k] != out[k]).collect();
    // TTL (offset 22 of the frame) and the IPv4 checksum (24..26) of each
    // packet: EPB data starts at 28 of its block, SPB data at 12.
    let epb_at = shb().len() + idb(1, 65535, &option(9, &[6])).len() + 28;
    let spb_at = epb_at - 28 + epb(&udp_frame(1), &options).len() + 12;
    for at in [epb_at, spb_at] {
        assert!(changed
            .iter()
            .all(|&k| k < at + 14 || k >= at + 34 || (8..12).contains(&(k - at - 14))));
        assert_eq!(out[at + 22], 7);
    }
    assert!(changed.len() >= 2 && changed.len() <= 6, "{changed:?}");
    let frames = packets(&out);
    for (_, f) in &frames {
        assert_eq!(wireview::checksum::internet_checksum(&f[14..34]), 0);
    }
}

#[test]
fn pcap_and_pcapng_are_told_apart_and_bad_files_are_errors() {
    let mut ng = shb();
    ng.extend(idb(1, 0, &[]));
    assert_eq!(Reader::new(&ng[..]).unwrap().format(), Format::PcapNg);
    let pcap = capture::pcap_file(1, &[(1, 2, &udp_frame(0), 42)]);
    assert_eq!(Reader::new(&pcap[..]).unwrap().format(), Format::Pcap);
    // A block whose trailing length disagrees, and a file cut inside a block.
    let mut bad = ng.clone();
    let mut b = epb(&udp_frame(0), &[]);
    let n = b.len();
    b[n - 4] ^= 0x40;
    bad.extend(b);
    assert!(capture::for_each_packet(&bad[..], |_| {}).is_err());
    let mut cut = ng.clone();
    cut.extend(&epb(&udp_frame(0), &[])[..30]);
    let e = capture::for_each_packet(&cut[..], |_| {}).unwrap_err();
    assert_eq!(
        e.to_string(),
        "bad record: the file ends in the middle of a record"
    );
}

#[test]
fn a_record_larger_than_the_buffer_is_read() {
    // A 300 000-byte packet (the read buffer starts at 256 KiB).
    let mut frame = udp_frame(0);
    frame.resize(300_000, 0x5a);
    let pcap = capture::pcap_file(1, &[(1, 2, &frame, frame.len())]);
    assert_eq!(packets(&pcap), vec![(1, frame)]);
}
