//! What a router does with a packet it cannot forward as it is, on any
//! bytes: the ICMP error about it, the rules for sending one, and
//! fragmentation.
//!
//! Input: two octets of MTU, one selector octet, then the packet (IPv4 or
//! IPv6 from its header on). Checked:
//! - `may_send_icmpv4` / `may_send_icmpv6` never panic;
//! - a built ICMPv4 / ICMPv6 error is a valid datagram (IP header checksum,
//!   ICMP checksum with the ICMPv6 pseudo-header, lengths) no longer than
//!   576 / 1280 octets or the buffer, to the packet's source, whose quote
//!   is a prefix of the packet;
//! - every IPv4 fragment is a valid datagram no longer than the MTU with a
//!   valid checksum, the pieces follow each other from the original offset
//!   and cover the payload; every IPv6 fragment fits the MTU and parses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wireview::fragment::{Ipv4Fragments, Ipv6Fragments};
use wireview::icmp_error::{
    icmpv4_error, icmpv6_error, may_send_icmpv4, may_send_icmpv6, Arrival, ErrorOptions,
    Icmpv4Error, Icmpv6Error,
};
use wireview::{Icmpv4, Icmpv4Code, Icmpv6, Icmpv6Code, Ipv4, Ipv6};

fuzz_target!(|data: &[u8]| {
    let [hi, lo, sel, ref packet @ ..] = *data else {
        return;
    };
    let mtu = usize::from(u16::from_be_bytes([hi, lo]));
    let arrival = Arrival {
        link_multicast: sel & 0x80 != 0,
        ip_broadcast: sel & 0x40 != 0,
    };
    // The error buffer: as short as the selector says, up to 1400 octets.
    let mut buf = [0u8; 1400];
    let room = 1400 - usize::from(sel & 0x3F) * 20;
    let buf = &mut buf[..room];
    let options = ErrorOptions::default();

    let _ = may_send_icmpv4(packet, arrival);
    let e4 = Icmpv4Error::FragmentationNeeded { mtu: mtu as u16 };
    let router4 = core::net::Ipv4Addr::new(192, 0, 2, 1);
    if let Ok(n) = icmpv4_error(buf, router4, e4, packet, &options) {
        assert!(n <= 576 && n <= room);
        let ip = Ipv4::new(&buf[..n]).expect("a whole datagram");
        assert!(ip.verify_checksum());
        assert_eq!(usize::from(ip.total_len()), n);
        assert_eq!(ip.dst(), Ipv4::new_truncated(packet).unwrap().src());
        let icmp = Icmpv4::new(ip.payload()).unwrap();
        assert!(icmp.verify_checksum());
        assert_eq!(icmp.code(), Icmpv4Code::FRAG_NEEDED);
        assert!(packet.starts_with(icmp.quoted()));
    }

    let e6 = Icmpv6Error::ParameterProblem {
        code: Icmpv6Code::UNRECOGNIZED_OPTION,
        pointer: u32::from(sel),
    };
    let _ = may_send_icmpv6(packet, &e6, arrival);
    let router6 = core::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
    if let Ok(n) = icmpv6_error(buf, router6, e6, packet, &options) {
        assert!(n <= 1280 && n <= room);
        let ip = Ipv6::new(&buf[..n]).expect("a whole packet");
        assert_eq!(usize::from(ip.payload_len()) + 40, n);
        let dst = Ipv6::new_truncated(packet).unwrap().src();
        assert_eq!(ip.dst(), dst);
        let icmp = Icmpv6::new(ip.payload()).unwrap();
        assert!(icmp.verify_checksum(router6, dst));
        assert!(packet.starts_with(icmp.quoted()));
    }

    let mut frag = [0u8; 65536];
    if let Ok(mut f) = Ipv4Fragments::new(packet, mtu) {
        let original = Ipv4::new(packet).unwrap();
        let mut next = original.fragment_offset_bytes();
        let mut covered = 0;
        while let Some(r) = f.write_next(&mut frag) {
            let n = r.expect("a buffer of 64 KiB holds any fragment");
            let ip = Ipv4::new(&frag[..n]).expect("a whole datagram");
            if f.count() > 1 {
                assert!(n <= mtu && ip.verify_checksum());
                assert_eq!(ip.fragment_offset_bytes(), next);
                next += ip.payload().len();
                covered += ip.payload().len();
            }
        }
        if f.count() > 1 {
            assert_eq!(covered, original.payload().len());
        }
    }
    if let Ok(mut f) = Ipv6Fragments::new(packet, mtu, 0x1234_5678) {
        while let Some(r) = f.write_next(&mut frag) {
            let n = r.expect("a buffer of 64 KiB holds any fragment");
            assert!(Ipv6::new(&frag[..n]).is_ok());
            assert!(f.count() == 1 || n <= mtu);
        }
    }
});
