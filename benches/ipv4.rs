//! IPv4 rewrites with their checksums kept right, beside the alternatives,
//! in one run:
//! - `ipv4_set_ttl`: a new TTL in one of 64 rotating 20-byte headers, via
//!   wireview (checked constructor + RFC 1624 fixup, and the fixup alone
//!   with `new_unchecked`), via writing the byte
//!   and recomputing the header checksum, via etherparse's decode -> edit ->
//!   re-encode, and a bare store of the TTL byte as the floor.
//! - `ipv4_src_rewrite_udp`: a new source address in one of 16 rotating
//!   IPv4/UDP datagrams with 1400 bytes of payload, the UDP checksum fixed
//!   with the pseudo-header `Delta` wireview's `set_src` returns, or
//!   recomputed over the whole datagram (with wireview's fast sum, and with
//!   etherparse).
use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wireview::checksum::{internet_checksum, Sum};
use wireview::{IpProtocol, Ipv4Header, Ipv4Mut};

/// 64 valid 20-byte headers that differ in every field the checksum covers.
fn headers() -> Vec<[u8; 20]> {
    (0..64u32)
        .map(|i| {
            let mut b = [0u8; 20];
            Ipv4Header {
                identification: (i.wrapping_mul(2_654_435_761) >> 16) as u16,
                ttl: 32 + i as u8,
                protocol: if i % 2 == 0 {
                    IpProtocol::TCP
                } else {
                    IpProtocol::UDP
                },
                src: Ipv4Addr::from(0x0a00_0000 | (i * 7919)),
                dst: Ipv4Addr::from(0xc0a8_0000 | ((i * 104_729) & 0xFFFF)),
                payload_len: 0,
                ..Ipv4Header::default()
            }
            .emit(&mut b)
            .unwrap();
            b
        })
        .collect()
}

/// The TTL to write at step `i`: changes every time, never 0.
fn ttl_for(i: usize) -> u8 {
    black_box((i as u8).wrapping_mul(37) | 1)
}

fn set_ttl(c: &mut Criterion) {
    let mut group = c.benchmark_group("ipv4_set_ttl");
    group.throughput(Throughput::Bytes(20));

    let mut hdrs = headers();
    let mut i = 0usize;
    group.bench_function("store-ttl-byte-only", |b| {
        b.iter(|| {
            i = (i + 1) % 64;
            let h = black_box(&mut hdrs[i]);
            h[8] = ttl_for(i);
        });
    });

    let mut hdrs = headers();
    group.bench_function("wireview-new-set_ttl", |b| {
        b.iter(|| {
            i = (i + 1) % 64;
            let mut ip = Ipv4Mut::new(black_box(&mut hdrs[i][..])).unwrap();
            ip.set_ttl(ttl_for(i));
        });
    });
    assert!(hdrs.iter().all(|h| internet_checksum(h) == 0));

    // The fixup alone, without the constructor's checks, to show the split.
    let mut hdrs = headers();
    group.bench_function("wireview-new_unchecked-set_ttl", |b| {
        b.iter(|| {
            i = (i + 1) % 64;
            let mut ip = Ipv4Mut::new_unchecked(black_box(&mut hdrs[i][..]));
            ip.set_ttl(ttl_for(i));
        });
    });
    assert!(hdrs.iter().all(|h| internet_checksum(h) == 0));

    let mut hdrs = headers();
    group.bench_function("write-byte-then-recompute", |b| {
        b.iter(|| {
            i = (i + 1) % 64;
            let h = black_box(&mut hdrs[i]);
            h[8] = ttl_for(i);
            h[10..12].fill(0);
            let c = internet_checksum(&h[..]);
            h[10..12].copy_from_slice(&c.to_be_bytes());
        });
    });
    assert!(hdrs.iter().all(|h| internet_checksum(h) == 0));

    let mut hdrs = headers();
    group.bench_function("etherparse-decode-edit-encode", |b| {
        b.iter(|| {
            i = (i + 1) % 64;
            let h = black_box(&mut hdrs[i]);
            let mut hdr = etherparse::Ipv4HeaderSlice::from_slice(&h[..])
                .unwrap()
                .to_header();
            hdr.time_to_live = ttl_for(i);
            hdr.header_checksum = hdr.calc_header_checksum();
            hdr.write(&mut &mut h[..]).unwrap();
        });
    });
    assert!(hdrs.iter().all(|h| internet_checksum(h) == 0));
    group.finish();
}

const PAYLOAD: usize = 1400;
const UDP_LEN: usize = 8 + PAYLOAD;
const TOTAL: usize = 20 + UDP_LEN;
/// Offset of the UDP checksum field in the datagram (the UDP view is
/// written elsewhere; byte offsets keep this bench independent of it).
const UDP_CSUM: usize = 20 + 6;

/// The UDP checksum of the datagram in `p` from scratch (checksum field
/// taken as zero), with UDP's rule that a computed 0 is sent as 0xFFFF.
fn udp_checksum(p: &[u8]) -> u16 {
    let src = Ipv4Addr::from([p[12], p[13], p[14], p[15]]);
    let dst = Ipv4Addr::from([p[16], p[17], p[18], p[19]]);
    let c = Sum::ipv4_pseudo_header(src, dst, 17, UDP_LEN as u16)
        .add_bytes(&p[20..UDP_CSUM])
        .add_bytes(&p[UDP_CSUM + 2..TOTAL])
        .checksum();
    if c == 0 {
        0xFFFF
    } else {
        c
    }
}

/// 16 valid IPv4/UDP datagrams with 1400 bytes of payload each.
fn datagrams() -> Vec<[u8; TOTAL]> {
    (0..16u32)
        .map(|i| {
            let mut p = [0u8; TOTAL];
            Ipv4Header {
                identification: i as u16,
                protocol: IpProtocol::UDP,
                src: Ipv4Addr::new(10, 0, 0, 1 + i as u8),
                dst: Ipv4Addr::new(198, 51, 100, 7),
                payload_len: UDP_LEN as u16,
                ..Ipv4Header::default()
            }
            .emit(&mut p)
            .unwrap();
            p[20..22].copy_from_slice(&(40_000 + i as u16).to_be_bytes());
            p[22..24].copy_from_slice(&53u16.to_be_bytes());
            p[24..26].copy_from_slice(&(UDP_LEN as u16).to_be_bytes());
            for (j, b) in p[28..].iter_mut().enumerate() {
                *b = (j as u32 * 31 + i * 17) as u8;
            }
            let c = udp_checksum(&p);
            p[UDP_CSUM..UDP_CSUM + 2].copy_from_slice(&c.to_be_bytes());
            p
        })
        .collect()
}

fn all_valid(pkts: &[[u8; TOTAL]]) -> bool {
    pkts.iter().all(|p| {
        internet_checksum(&p[..20]) == 0
            && u16::from_be_bytes([p[UDP_CSUM], p[UDP_CSUM + 1]]) == udp_checksum(p)
    })
}

/// The new source address at step `i`: alternates, so it always changes.
fn addr_for(i: usize) -> Ipv4Addr {
    black_box(Ipv4Addr::new(
        203,
        0,
        113,
        1 + (i % 2) as u8 + (i / 16 % 2) as u8 * 2,
    ))
}

fn src_rewrite(c: &mut Criterion) {
    let mut group = c.benchmark_group("ipv4_src_rewrite_udp");
    group.throughput(Throughput::Bytes(TOTAL as u64));
    let mut i = 0usize;

    let mut pkts = datagrams();
    group.bench_function("wireview-set_src-delta-apply_udp", |b| {
        b.iter(|| {
            i = (i + 1) % 16;
            let p = black_box(&mut pkts[i]);
            let delta = Ipv4Mut::new(&mut p[..]).unwrap().set_src(addr_for(i));
            let old = u16::from_be_bytes([p[UDP_CSUM], p[UDP_CSUM + 1]]);
            p[UDP_CSUM..UDP_CSUM + 2].copy_from_slice(&delta.apply_udp(old).to_be_bytes());
        });
    });
    assert!(all_valid(&pkts));

    let mut pkts = datagrams();
    group.bench_function("wireview-set_src-recompute-udp", |b| {
        b.iter(|| {
            i = (i + 1) % 16;
            let p = black_box(&mut pkts[i]);
            // Recomputed below from scratch: this line is what the delta saves.
            let _ = Ipv4Mut::new(&mut p[..]).unwrap().set_src(addr_for(i));
            let c = udp_checksum(p);
            p[UDP_CSUM..UDP_CSUM + 2].copy_from_slice(&c.to_be_bytes());
        });
    });
    assert!(all_valid(&pkts));

    let mut pkts = datagrams();
    group.bench_function("etherparse-decode-edit-encode-recompute", |b| {
        b.iter(|| {
            i = (i + 1) % 16;
            let p = black_box(&mut pkts[i]);
            let mut ip = etherparse::Ipv4HeaderSlice::from_slice(&p[..])
                .unwrap()
                .to_header();
            ip.source = addr_for(i).octets();
            ip.header_checksum = ip.calc_header_checksum();
            let (mut udp, payload) = etherparse::UdpHeader::from_slice(&p[20..]).unwrap();
            udp.checksum = udp.calc_checksum_ipv4(&ip, payload).unwrap();
            ip.write(&mut &mut p[..20]).unwrap();
            udp.write(&mut &mut p[20..28]).unwrap();
        });
    });
    assert!(all_valid(&pkts));
    group.finish();
}

criterion_group!(benches, set_ttl, src_rewrite);
criterion_main!(benches);
