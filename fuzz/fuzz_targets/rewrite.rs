//! Whole-packet rewriting (`Packet`) against an independent checksum
//! checker, over arbitrary frames and arbitrary scripts of rewrites.
//!
//! Input layout, as in `ipv4.rs`: an Ethernet frame, then a script of
//! operations (decoded with `arbitrary`), then one byte giving the
//! script's length. A raw frame with a trailing 0 is a valid input by
//! itself (see `seeds.sh`).
//!
//! After every operation:
//! - one that returned `Err` left the frame byte for byte as it was;
//! - one that succeeded changed no byte outside the field it writes and
//!   the checksum fields of the frame, and the field reads back as set;
//! - when a fresh walk finds the same layers as before the operation,
//!   every checksum that equalled its from-scratch value before still
//!   does, and a UDP checksum of 0 over IPv4 ("none") is still 0. The
//!   from-scratch values come from `tests/common/verify.rs`, which shares
//!   no checksum code with the crate but `internet_checksum`.
//!
//! `write` is only aimed inside the innermost payload layer: a write to a
//! structural field (a length, a next header) is documented as needing a
//! new walk, which this target does whenever the structure changed (a new
//! port can start or end a VXLAN layer).
#![no_main]

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use wireview::packet::Packet;
use wireview::walk::{Layer, LayerKind, Layers};
use wireview::{Dscp, Ecn, Error, Hop, Vid, Vni};

// Only `checksums` and its fields are used here; the tool tests use the rest.
#[allow(dead_code)]
#[path = "../../tests/common/verify.rs"]
mod verify;

#[derive(Debug, Arbitrary)]
enum Op {
    SetTtl(u8, u8),
    DecrementTtl(u8),
    SetDscp(u8, u8),
    SetEcn(u8, u8),
    SetDontFragment(u8, bool),
    SetIdentification(u8, u16),
    SetIpv4Src(u8, [u8; 4]),
    SetIpv4Dst(u8, [u8; 4]),
    SetIpv6Src(u8, [u8; 16]),
    SetIpv6Dst(u8, [u8; 16]),
    SetSrcPort(u8, u16),
    SetDstPort(u8, u16),
    SetVid(u8, u16),
    SetVni(u8, u32),
    /// Up to 8 bytes at an offset inside the innermost payload layer.
    Write(u16, Vec<u8>),
}

fn layers_of(frame: &[u8]) -> (Vec<Layer>, Option<Error>) {
    let l = Layers::from_ethernet_capture(frame);
    (l.iter().collect(), l.error())
}

/// Applies `op`; returns its result and the bytes it may change besides
/// checksum fields (empty when there was nothing to do).
fn apply(pkt: &mut Packet<'_>, op: &Op) -> (Result<(), Error>, Range<usize>) {
    let layers = pkt.layers().clone();
    let n = layers.len().max(1);
    let pick = |i: u8| usize::from(i) % n;
    // The header of the layer an operation aims at (its fields lie there).
    let hdr = |i: usize| layers.get(i).map_or(0..0, |l| l.header_range());
    match *op {
        Op::SetTtl(i, v) => {
            let i = pick(i);
            let r = pkt.set_hop_limit(i, v);
            if r.is_ok() {
                assert_eq!(pkt.hop_limit(i), Ok(v));
            }
            (r, hdr(i))
        }
        Op::DecrementTtl(i) => {
            let i = pick(i);
            let before = pkt.hop_limit(i);
            let r = pkt.decrement_hop_limit(i);
            match (before, r) {
                // Check, then decrement (RFC 1812 5.3.1): 0 and 1 expire
                // here and are left as received.
                (Ok(t), Ok(Hop::Expired)) => {
                    assert!(t <= 1);
                    assert_eq!(pkt.hop_limit(i), Ok(t));
                }
                (Ok(t), Ok(Hop::Forward(n))) => {
                    assert!(t >= 2 && n == t - 1);
                    assert_eq!(pkt.hop_limit(i), Ok(n));
                }
                (Err(_), Err(_)) => {}
                other => panic!("hop_limit and decrement_hop_limit disagree: {other:?}"),
            }
            (r.map(drop), hdr(i))
        }
        Op::SetDscp(i, v) => {
            let i = pick(i);
            (pkt.set_dscp(i, Dscp::from_tos(v)), hdr(i))
        }
        Op::SetEcn(i, v) => {
            let i = pick(i);
            (pkt.set_ecn(i, Ecn::from_bits(v)), hdr(i))
        }
        Op::SetDontFragment(i, v) => {
            let i = pick(i);
            (pkt.set_dont_fragment(i, v), hdr(i))
        }
        Op::SetIdentification(i, v) => {
            let i = pick(i);
            (pkt.set_identification(i, v), hdr(i))
        }
        Op::SetIpv4Src(i, a) => {
            let i = pick(i);
            (pkt.set_ipv4_src(i, Ipv4Addr::from(a)), hdr(i))
        }
        Op::SetIpv4Dst(i, a) => {
            let i = pick(i);
            (pkt.set_ipv4_dst(i, Ipv4Addr::from(a)), hdr(i))
        }
        Op::SetIpv6Src(i, a) => {
            let i = pick(i);
            (pkt.set_ipv6_src(i, Ipv6Addr::from(a)), hdr(i))
        }
        Op::SetIpv6Dst(i, a) => {
            let i = pick(i);
            (pkt.set_ipv6_dst(i, Ipv6Addr::from(a)), hdr(i))
        }
        Op::SetSrcPort(i, v) => {
            let i = pick(i);
            (pkt.set_src_port(i, v), hdr(i))
        }
        Op::SetDstPort(i, v) => {
            let i = pick(i);
            (pkt.set_dst_port(i, v), hdr(i))
        }
        Op::SetVid(i, v) => {
            let i = pick(i);
            let vid = Vid::new(v & 0xFFF).expect("12 bits");
            (pkt.set_vid(i, vid), hdr(i))
        }
        Op::SetVni(i, v) => {
            let i = pick(i);
            let vni = Vni::new(v & 0xFF_FFFF).expect("24 bits");
            (pkt.set_vni(i, vni), hdr(i))
        }
        Op::Write(at, ref bytes) => {
            let Some(p) = layers.last().filter(|l| l.kind == LayerKind::Payload) else {
                return (Ok(()), 0..0);
            };
            let room = p.end - p.start;
            if room == 0 {
                return (Ok(()), 0..0);
            }
            let at = p.start + usize::from(at) % room;
            let len = bytes.len().min(8).min(p.end - at);
            let r = pkt.write(at, &bytes[..len]);
            if r.is_ok() {
                assert_eq!(&pkt.as_bytes()[at..at + len], &bytes[..len]);
            }
            (r, at..at + len)
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&script_len, rest)) = data.split_last() else {
        return;
    };
    let (frame, script) = rest.split_at(rest.len().saturating_sub(usize::from(script_len)));
    let Ok(ops) = Vec::<Op>::arbitrary_take_rest(Unstructured::new(script)) else {
        return;
    };

    let mut walked = layers_of(frame);
    let mut buf = frame.to_vec();
    // A strict walk refuses what a capture walk calls malformed too.
    let strict = Layers::from_ethernet(frame);
    let capture = Layers::from_ethernet_capture(frame);
    if capture.error().is_some() && !capture.is_cut_short() {
        assert!(
            strict.error().is_some(),
            "strict walk accepted a malformed frame"
        );
    }
    if strict.error().is_none() {
        assert_eq!(
            strict, capture,
            "strict and capture walks of a whole frame differ"
        );
    }
    changed_buffer(frame, &capture, &ops);
    let Ok(mut pkt) = Packet::from_ethernet_capture(&mut buf) else {
        assert!(capture.error().is_some() && !capture.is_cut_short());
        return;
    };
    for op in &ops {
        let before = pkt.as_bytes().to_vec();
        let sums_before = verify::checksums(&before);
        let (result, field) = apply(&mut pkt, op);
        let after = pkt.as_bytes().to_vec();

        if let Err(e) = result {
            let _ = e.to_string();
            assert!(
                before == after,
                "{op:?} failed with {e} but changed the frame"
            );
            continue;
        }
        // Only the field and checksum fields may have changed.
        let sum_fields: Vec<usize> = sums_before.iter().map(|c| c.at).collect();
        for (k, (a, b)) in before.iter().zip(&after).enumerate() {
            if a != b {
                assert!(
                    field.contains(&k) || sum_fields.iter().any(|&s| s == k || s + 1 == k),
                    "{op:?} changed byte {k} outside {field:?} and the checksum fields"
                );
            }
        }

        let now = layers_of(&after);
        if now == walked {
            let sums_after = verify::checksums(&after);
            assert_eq!(sums_before.len(), sums_after.len());
            for (b, a) in sums_before.iter().zip(&sums_after) {
                assert_eq!((b.layer, b.at), (a.layer, a.at));
                if b.expected == Some(b.stored) {
                    assert_eq!(
                        a.expected,
                        Some(a.stored),
                        "{op:?}: the {:?} checksum of layer {} was right and is not",
                        b.kind,
                        b.layer
                    );
                }
                // Cut short or fragmented: the captured part of the sum
                // is kept exactly.
                if let (Some(x), Some(y)) = (b.invariant, a.invariant) {
                    assert_eq!(
                        x, y,
                        "{op:?}: the {:?} checksum of layer {} drifted",
                        b.kind, b.layer
                    );
                }
                if b.absent {
                    assert_eq!(
                        a.stored, 0,
                        "{op:?}: UDP checksum 0 (none) became {}",
                        a.stored
                    );
                }
            }
        } else {
            // The structure changed (a new port started or ended a VXLAN
            // layer): walk again, as the docs of `Packet::write` ask.
            match Packet::from_ethernet_capture(&mut buf) {
                Ok(p) => pkt = p,
                Err(_) => return,
            }
            walked = now;
        }
    }
});

/// Layers walked on `frame`, used with a buffer changed since (a byte of
/// it flipped, e.g. a GRE C bit set after a walk without it): every
/// operation fails or rewrites meaningless bytes, none panics.
fn changed_buffer(frame: &[u8], layers: &Layers, ops: &[Op]) {
    if frame.is_empty() {
        return;
    }
    let mut buf = frame.to_vec();
    for (k, op) in ops.iter().enumerate().take(4) {
        let at = (k * 131 + ops.len() * 7) % buf.len();
        buf[at] ^= match op {
            Op::Write(_, b) => b.first().copied().unwrap_or(0x80),
            _ => 0x80,
        };
    }
    let Ok(mut pkt) = Packet::with_layers(&mut buf, layers) else {
        return;
    };
    for op in ops {
        let _ = apply_any(&mut pkt, op);
    }
}

/// `apply` for a `Packet` over borrowed layers, without the checks.
fn apply_any(pkt: &mut Packet<'_, &Layers>, op: &Op) -> Result<(), Error> {
    let n = pkt.layers().len().max(1);
    let pick = |i: u8| usize::from(i) % n;
    match *op {
        Op::SetTtl(i, v) => pkt.set_hop_limit(pick(i), v),
        Op::DecrementTtl(i) => pkt.decrement_hop_limit(pick(i)).map(drop),
        Op::SetDscp(i, v) => pkt.set_dscp(pick(i), Dscp::from_tos(v)),
        Op::SetEcn(i, v) => pkt.set_ecn(pick(i), Ecn::from_bits(v)),
        Op::SetDontFragment(i, v) => pkt.set_dont_fragment(pick(i), v),
        Op::SetIdentification(i, v) => pkt.set_identification(pick(i), v),
        Op::SetIpv4Src(i, a) => pkt.set_ipv4_src(pick(i), Ipv4Addr::from(a)),
        Op::SetIpv4Dst(i, a) => pkt.set_ipv4_dst(pick(i), Ipv4Addr::from(a)),
        Op::SetIpv6Src(i, a) => pkt.set_ipv6_src(pick(i), Ipv6Addr::from(a)),
        Op::SetIpv6Dst(i, a) => pkt.set_ipv6_dst(pick(i), Ipv6Addr::from(a)),
        Op::SetSrcPort(i, v) => pkt.set_src_port(pick(i), v),
        Op::SetDstPort(i, v) => pkt.set_dst_port(pick(i), v),
        Op::SetVid(i, v) => pkt.set_vid(pick(i), Vid::new(v & 0xFFF).expect("12 bits")),
        Op::SetVni(i, v) => pkt.set_vni(pick(i), Vni::new(v & 0xFF_FFFF).expect("24 bits")),
        Op::Write(at, ref bytes) => {
            let len = pkt.as_bytes().len().max(1);
            pkt.write(usize::from(at) % len, &bytes[..bytes.len().min(8)])
        }
    }
}
