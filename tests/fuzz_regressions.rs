//! Inputs that made a fuzz target (`fuzz/fuzz_targets/`) fail, each kept
//! as the byte array the target was given, replayed here with what the
//! target did with it (the fuzz crate is its own workspace; its decoding
//! of operation scripts with `arbitrary` is written out by hand below).
//! See FUZZING.md for how each was found.

#[allow(dead_code)] // Only `verify::checksums` serves these tests.
mod common;

use common::verify;
use wireview::checksum::Delta;
use wireview::packet::Packet;
use wireview::walk::LayerKind;
use wireview::{Error, Icmpv4, Icmpv4Mut, Ipv4, Layer};

/// The checksum of the ICMPv4 layer, as stored and as computed from
/// scratch by the independent checker.
fn icmpv4_checksum(frame: &[u8]) -> (u16, Option<u16>) {
    let all = verify::checksums(frame);
    let c = all
        .iter()
        .find(|c| c.kind == LayerKind::Icmpv4)
        .expect("an ICMPv4 layer");
    (c.stored, c.expected)
}

/// `rewrite` target: an ICMPv4 echo reply whose identifier, sequence
/// number and data become all zero through `Packet::write` got checksum
/// 0x0000 where the right one is 0xFFFF (the complement of a sum of +0);
/// RFC 1624 eqn. 3 cannot tell all-zero data from data summing to 0xFFFF,
/// and ICMPv4 is the one checksum with nothing fixed in its coverage.
///
/// Layout as the target reads it: the frame, a script, the script length.
#[rustfmt::skip]
const REWRITE_ALL_ZERO_ICMPV4: [u8; 59] = [
    // Ethernet: 02:00:00:00:00:01 -> 02:00:00:00:00:02, IPv4 (offset 0)
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
    // IPv4: total length 36, DF, TTL 64, ICMP, checksum 0x26d7, 10.0.0.1 -> 10.0.0.2 (offset 14)
    0x45, 0x00, 0x00, 0x24, 0x00, 0x00, 0x40, 0x00, 0x40, 0x01, 0x26, 0xd7, 0x0a, 0x00, 0x00, 0x01,
    0x0a, 0x00, 0x00, 0x02,
    // ICMPv4 echo reply, identifier 0, sequence 0, checksum 0xfffe (right) (offset 34)
    0x00, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x00,
    // data: seven zero octets and a 1 (offset 42)
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    // script (8 octets): `Write(42679, [0])`, which the target aims at the
    // payload layer 42..50: offset 42 + 42679 % 8 = 49 (offset 50)
    0x9f, 0x90, 0xff, 0x40, 0xfe, 0xb7, 0xa6, 0xd7,
    // script length
    0x08,
];

#[test]
fn rewrite_to_all_zero_icmpv4_message() {
    let input = REWRITE_ALL_ZERO_ICMPV4;
    let script_len = usize::from(input[input.len() - 1]);
    let mut frame = input[..input.len() - 1 - script_len].to_vec();
    assert_eq!(icmpv4_checksum(&frame), (0xfffe, Some(0xfffe)));

    let mut pkt = Packet::from_ethernet_capture(&mut frame).unwrap();
    pkt.write(49, &[0]).unwrap();
    assert!(frame[34..]
        .iter()
        .enumerate()
        .all(|(i, &b)| b == 0 || i == 2 || i == 3));
    assert_eq!(icmpv4_checksum(&frame), (0xffff, Some(0xffff)));
    assert!(Icmpv4::new(&frame[34..]).unwrap().verify_checksum());

    // And back: the update from 0xFFFF is exact again.
    let mut pkt = Packet::from_ethernet_capture(&mut frame).unwrap();
    pkt.write(49, &[1]).unwrap();
    assert_eq!(icmpv4_checksum(&frame), (0xfffe, Some(0xfffe)));
}

/// The same message through the ICMPv4 view's own setters and
/// `apply_delta`, which share the checksum core's update.
#[test]
fn icmpv4_view_to_all_zero_message() {
    let mut msg = REWRITE_ALL_ZERO_ICMPV4[34..50].to_vec();
    msg[15] = 0;
    msg[7] = 1; // sequence 1 instead of the data's 1: same sum
    {
        let mut icmp = Icmpv4Mut::new(&mut msg[..]).unwrap();
        assert!(icmp.verify_checksum());
        icmp.set_sequence(0);
        assert_eq!(icmp.checksum(), 0xffff);
        assert!(icmp.verify_checksum());
        icmp.set_sequence(1);
        assert_eq!(icmp.checksum(), 0xfffe);
        // Changes made through the payload, carried by `apply_delta`
        // (offsets from the start of the message).
        icmp.payload_mut()[0] = 0x80;
        icmp.apply_delta(Delta::replace_bytes(8, &[0], &[0x80]));
        icmp.set_sequence(0);
        assert!(icmp.verify_checksum());
        icmp.payload_mut()[0] = 0;
        icmp.apply_delta(Delta::replace_bytes(8, &[0x80], &[0]));
        assert_eq!(icmp.checksum(), 0xffff);
        assert!(icmp.verify_checksum());
    }
}

/// An ICMPv4 message in a first fragment: the checksum covers data in the
/// later fragments too, so captured zeros say nothing, and the plain RFC
/// 1624 update (0x0000 here) stands.
#[test]
fn all_zero_icmpv4_in_a_first_fragment_is_not_settled() {
    let mut frame = REWRITE_ALL_ZERO_ICMPV4[..50].to_vec();
    // MF set, the header checksum fixed by hand: 0x4000 -> 0x6000.
    frame[20] = 0x60;
    frame[24..26].copy_from_slice(&0x06d7u16.to_be_bytes());
    assert_eq!(wireview::checksum::internet_checksum(&frame[14..34]), 0);
    let mut pkt = Packet::from_ethernet_capture(&mut frame).unwrap();
    pkt.write(49, &[0]).unwrap();
    assert_eq!(u16::from_be_bytes([frame[36], frame[37]]), 0x0000);
}

/// `ipv4` target, after IPv4 total length 0 became "the whole buffer" for
/// `new_truncated` (segmentation-offload captures): the target still held
/// total length >= header length. The crate was right; the target now
/// checks the new rule, and so does this test.
#[test]
fn ipv4_total_length_zero() {
    let input = [
        69, 226, 0, 0, 0, 235, 22, 0, 0, 233, 235, 255, 0, 254, 10, 255, 255, 0, 255, 255, 10, 255,
        255, 0, 10, 0, 0, 0,
    ];
    // The target's layout: the last byte is the setter script's length (0).
    let packet = &input[..input.len() - 1];
    assert_eq!(
        Ipv4::new(packet),
        Err(Error::BadLength {
            layer: Layer::Ipv4,
            found: 0,
            min: 20,
            max: 27
        })
    );
    let ip = Ipv4::new_truncated(packet).unwrap();
    assert_eq!(ip.total_len(), 0);
    assert!(!ip.is_truncated());
    assert_eq!(ip.payload(), &packet[20..]);
}
