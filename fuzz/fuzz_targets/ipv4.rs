//! The IPv4 view over arbitrary bytes, then arbitrary setter sequences.
//!
//! Input layout: a packet starting at its IPv4 header, then a setter script,
//! then one byte giving the script's length. A raw packet is a valid input
//! by itself (its last bytes become a short script), so packets split from
//! captures make good seeds (see `seeds.sh`).
//!
//! - `Ipv4::new` / `new_truncated` never panic; on a view they accept, no
//!   getter panics, the lengths agree with each other, and the options
//!   iterator ends;
//! - after every setter, a header whose stored checksum equalled a
//!   from-scratch recompute still does, bit for bit, and the field reads
//!   back as set.
#![no_main]

use std::net::Ipv4Addr;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use wireview::checksum::internet_checksum;
use wireview::{Dscp, Ecn, Hop, IpProtocol, Ipv4, Ipv4Mut};

#[derive(Debug, Arbitrary)]
enum Op {
    Ttl(u8),
    DecrementTtl,
    Tos(u8),
    Dscp(u8),
    Ecn(u8),
    Identification(u16),
    DontFragment(bool),
    MoreFragments(bool),
    FragmentOffset(u16),
    Protocol(u8),
    Src([u8; 4]),
    Dst([u8; 4]),
    TotalLen(u16),
    /// Store a checksum as is (usually a wrong one).
    SetChecksum(u16),
    /// Recompute the checksum from scratch.
    FillChecksum,
    /// Write a byte of the options (the checksum does not follow).
    Option(u8, u8),
    /// Write a byte of the payload (not covered by the header checksum).
    Payload(u16, u8),
}

/// The header checksum computed from scratch, the stored one taken as zero.
fn recompute(header: &[u8]) -> u16 {
    let mut h = header.to_vec();
    h[10] = 0;
    h[11] = 0;
    internet_checksum(&h)
}

/// Calls every getter of a checked view and checks they agree.
fn read_all(ip: &Ipv4<&[u8]>, checked: bool) {
    let len = ip.as_bytes().len();
    assert_eq!(ip.version(), 4);
    assert!((5..=15).contains(&ip.ihl()));
    assert_eq!(ip.header_len(), usize::from(ip.ihl()) * 4);
    assert_eq!(ip.header().len(), ip.header_len());
    assert_eq!(ip.options().len(), ip.header_len() - 20);
    // A total length of 0 (captures of TSO / BIG TCP datagrams) is read by
    // `new_truncated` as "the datagram is the whole buffer"; `new` refuses it.
    let total = match ip.total_len() {
        0 => {
            assert!(!checked, "Ipv4::new accepted total length 0");
            len
        }
        t => usize::from(t),
    };
    assert!(total >= ip.header_len());
    assert_eq!(ip.is_truncated(), total > len);
    if checked || ip.total_len() == 0 {
        assert!(!ip.is_truncated());
        assert_eq!(ip.payload().len(), total - ip.header_len());
    } else {
        assert!(ip.payload().len() <= total - ip.header_len());
    }
    let tos = ip.tos();
    assert_eq!(ip.tos_flags().bits(), tos);
    assert_eq!(ip.dscp().value(), tos >> 2);
    assert_eq!(ip.ecn().value(), tos & 3);
    let _ = ip.identification();
    let _ = (ip.reserved_flag(), ip.dont_fragment(), ip.more_fragments());
    assert!(ip.fragment_offset() <= 0x1FFF);
    assert_eq!(
        ip.fragment_offset_bytes(),
        usize::from(ip.fragment_offset()) * 8
    );
    assert_eq!(
        ip.is_fragment(),
        ip.more_fragments() || ip.fragment_offset() != 0
    );
    let _ = (ip.ttl(), ip.protocol(), ip.checksum(), ip.src(), ip.dst());
    assert_eq!(ip.verify_checksum(), internet_checksum(ip.header()) == 0);
    let _ = ip.pseudo_header_sum(ip.total_len());
    // The iterator consumes at least one byte per item, so it ends.
    let mut items = 0;
    for opt in ip.options_iter() {
        items += 1;
        assert!(items <= 40);
        if let Ok(opt) = opt {
            assert!(opt.data.len() <= 38);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&script_len, rest)) = data.split_last() else {
        return;
    };
    let (packet, script) = rest.split_at(rest.len().saturating_sub(usize::from(script_len)));

    let truncated = Ipv4::new_truncated(packet);
    match Ipv4::new(packet) {
        Ok(ip) => {
            assert!(truncated.is_ok());
            read_all(&ip, true);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let Ok(ip) = truncated else {
        return;
    };
    read_all(&ip, false);

    let ops: Vec<Op> = match Vec::arbitrary_take_rest(Unstructured::new(script)) {
        Ok(ops) => ops,
        Err(_) => return,
    };
    let mut buf = packet.to_vec();
    let Ok(mut ip) = Ipv4Mut::new_truncated(&mut buf[..]) else {
        unreachable!("accepted above");
    };
    for op in ops {
        let valid = ip.checksum() == recompute(ip.header());
        match op {
            Op::Ttl(v) => {
                ip.set_ttl(v);
                assert_eq!(ip.ttl(), v);
            }
            Op::DecrementTtl => {
                let before = ip.ttl();
                let hop = ip.decrement_ttl();
                // Checked, then decremented: TTL 0 and 1 expire unchanged.
                if before <= 1 {
                    assert_eq!((hop, ip.ttl()), (Hop::Expired, before));
                } else {
                    assert_eq!((hop, ip.ttl()), (Hop::Forward(before - 1), before - 1));
                }
            }
            Op::Tos(v) => {
                ip.set_tos(v);
                assert_eq!(ip.tos(), v);
            }
            Op::Dscp(v) => {
                if let Some(d) = Dscp::new(v) {
                    let ecn = ip.ecn();
                    ip.set_dscp(d);
                    assert_eq!((ip.dscp(), ip.ecn()), (d, ecn));
                }
            }
            Op::Ecn(v) => {
                if let Some(e) = Ecn::new(v) {
                    let dscp = ip.dscp();
                    ip.set_ecn(e);
                    assert_eq!((ip.dscp(), ip.ecn()), (dscp, e));
                }
            }
            Op::Identification(v) => {
                ip.set_identification(v);
                assert_eq!(ip.identification(), v);
            }
            Op::DontFragment(v) => {
                ip.set_dont_fragment(v);
                assert_eq!(ip.dont_fragment(), v);
            }
            Op::MoreFragments(v) => {
                ip.set_more_fragments(v);
                assert_eq!(ip.more_fragments(), v);
            }
            Op::FragmentOffset(v) => {
                let before = ip.fragment_offset();
                match ip.set_fragment_offset(v) {
                    Ok(()) => assert_eq!(ip.fragment_offset(), v),
                    Err(_) => assert_eq!(ip.fragment_offset(), before),
                }
            }
            Op::Protocol(v) => {
                ip.set_protocol(IpProtocol(v));
                assert_eq!(ip.protocol(), IpProtocol(v));
            }
            Op::Src(a) => {
                let old = ip.src();
                let delta = ip.set_src(Ipv4Addr::from(a));
                assert_eq!(ip.src(), Ipv4Addr::from(a));
                // The returned delta turns the old pseudo-header sum into the new.
                let len = 8;
                let before = wireview::checksum::Sum::ipv4_pseudo_header(
                    old,
                    ip.dst(),
                    ip.protocol().0,
                    len,
                );
                assert_eq!(
                    before.add(delta.sum()).value() % 0xFFFF,
                    ip.pseudo_header_sum(len).value() % 0xFFFF
                );
            }
            Op::Dst(a) => {
                let old = ip.dst();
                let delta = ip.set_dst(Ipv4Addr::from(a));
                assert_eq!(ip.dst(), Ipv4Addr::from(a));
                // As for the source: the delta moves the pseudo-header sum.
                let len = 8;
                let before = wireview::checksum::Sum::ipv4_pseudo_header(
                    ip.src(),
                    old,
                    ip.protocol().0,
                    len,
                );
                assert_eq!(
                    before.add(delta.sum()).value() % 0xFFFF,
                    ip.pseudo_header_sum(len).value() % 0xFFFF
                );
            }
            Op::TotalLen(v) => {
                let before = ip.total_len();
                match ip.set_total_len(v) {
                    Ok(()) => assert_eq!(ip.total_len(), v),
                    Err(_) => assert_eq!(ip.total_len(), before),
                }
            }
            Op::SetChecksum(v) => {
                ip.set_checksum(v);
                assert_eq!(ip.checksum(), v);
                continue;
            }
            Op::FillChecksum => {
                ip.fill_checksum();
                assert!(ip.verify_checksum());
            }
            Op::Option(at, v) => {
                let opts = ip.options_mut();
                if !opts.is_empty() {
                    let at = usize::from(at) % opts.len();
                    opts[at] = v;
                }
                continue;
            }
            Op::Payload(at, v) => {
                let payload = ip.payload_mut();
                if !payload.is_empty() {
                    let at = usize::from(at) % payload.len();
                    payload[at] = v;
                }
            }
        }
        if valid {
            assert_eq!(ip.checksum(), recompute(ip.header()), "after {op:?}");
        }
        // The view's invariant holds after every setter.
        let checked = Ipv4::new_truncated(ip.as_bytes()).expect("still a valid view");
        read_all(&checked, false);
    }
});
