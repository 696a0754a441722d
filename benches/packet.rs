//! The whole-packet path: `Packet` beside the per-header views, the walk
//! alone and etherparse, on the same frames, in one run.
//!
//! - `packet_setup`: walking a frame (`Walker::ethernet_into` into a reused
//!   `Layers`) against making a `Packet` of it, owned (`Packet::from_ethernet`)
//!   and over a reused `Layers` (`Packet::ethernet_into`), and the router's
//!   network-layer walk (`Walker::network_into`).
//! - `packet_nat_tcp_1492`: source NAT (IPv4 source address and TCP source
//!   port, both checksums kept) of a 1,492-byte Ethernet/IPv4/TCP frame:
//!   per-header views, `Packet` (owned and reused), and etherparse's
//!   decode, edit, recompute path.
//! - `packet_set_ttl`: the TTL of a plain frame through `Packet` against
//!   `Ipv4Mut::set_ttl` after the same walk.
//!
//! Run with `cargo bench --bench packet`; BENCHMARKS.md has the figures.

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wireview::packet::Packet;
use wireview::walk::{LayerKind, Layers, Walker, Which};
use wireview::{
    EtherType, EthernetHeader, IpProtocol, Ipv4, Ipv4Header, Ipv4Mut, MacAddr, Tcp, TcpHeader,
    TcpMut,
};

/// Ethernet/IPv4/TCP, 1,492 bytes in all, every checksum valid.
fn tcp_frame(len: usize) -> Vec<u8> {
    let mut f = vec![0u8; len];
    for (k, b) in f.iter_mut().enumerate().skip(54) {
        *b = (k * 7) as u8;
    }
    EthernetHeader {
        dst: MacAddr([2, 0, 0, 0, 0, 2]),
        src: MacAddr([2, 0, 0, 0, 0, 1]),
        ethertype: EtherType::IPV4,
    }
    .emit(&mut f)
    .unwrap();
    Ipv4Header {
        protocol: IpProtocol::TCP,
        src: Ipv4Addr::new(10, 0, 0, 1),
        dst: Ipv4Addr::new(192, 0, 2, 80),
        payload_len: (len - 34) as u16,
        ..Ipv4Header::default()
    }
    .emit(&mut f[14..])
    .unwrap();
    TcpHeader {
        src_port: 40000,
        dst_port: 443,
        window: 512,
        ..TcpHeader::default()
    }
    .emit(&mut f[34..])
    .unwrap();
    let mut tcp = TcpMut::new(&mut f[34..]).unwrap();
    tcp.fill_checksum_ipv4(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(192, 0, 2, 80));
    assert!(valid(&f));
    f
}

/// Whether the IPv4 and TCP checksums of a frame are right.
fn valid(f: &[u8]) -> bool {
    let ip = Ipv4::new(&f[14..]).unwrap();
    let tcp = Tcp::new(ip.payload()).unwrap();
    ip.verify_checksum() && tcp.verify_checksum_ipv4(ip.src(), ip.dst())
}

/// The NAT address and port at step `i`: alternating, so they always change.
fn nat_for(i: usize) -> (Ipv4Addr, u16) {
    if i % 2 == 0 {
        (Ipv4Addr::new(198, 51, 100, 7), 61000)
    } else {
        (Ipv4Addr::new(10, 0, 0, 1), 40000)
    }
}

fn setup(c: &mut Criterion) {
    let frame = tcp_frame(1492);
    let mut group = c.benchmark_group("packet_setup");
    group.throughput(Throughput::Elements(1));
    let walker = Walker::new();
    let mut layers = Layers::new();
    group.bench_function("walker-ethernet_into", |b| {
        b.iter(|| {
            walker.ethernet_into(black_box(&frame), &mut layers);
            black_box(layers.len())
        });
    });
    group.bench_function("walker-network_into", |b| {
        b.iter(|| {
            walker.network_into(black_box(&frame), &mut layers);
            black_box(layers.len())
        });
    });
    let mut buf = frame.clone();
    group.bench_function("packet-ethernet_into-reused-layers", |b| {
        b.iter(|| {
            let pkt = Packet::ethernet_into(&walker, black_box(&mut buf), &mut layers).unwrap();
            black_box(pkt.layers().len())
        });
    });
    group.bench_function("packet-from_ethernet-owned", |b| {
        b.iter(|| {
            let pkt = Packet::from_ethernet(black_box(&mut buf)).unwrap();
            black_box(pkt.layers().len())
        });
    });
    group.finish();
}

fn nat(c: &mut Criterion) {
    let mut group = c.benchmark_group("packet_nat_tcp_1492");
    group.throughput(Throughput::Bytes(1492));
    let walker = Walker::new();
    let mut layers = Layers::new();
    let mut i = 0usize;

    let mut f = tcp_frame(1492);
    group.bench_function("views-walk-ipv4mut-tcpmut", |b| {
        b.iter(|| {
            i += 1;
            let (addr, port) = nat_for(i);
            let frame = black_box(&mut f[..]);
            walker.ethernet_into(frame, &mut layers);
            let ip = layers.find(LayerKind::Ipv4, Which::Outermost).unwrap();
            let ip = layers.get(ip).unwrap();
            let (ip_hdr, rest) = frame[ip.start..].split_at_mut(ip.header_len);
            let delta = Ipv4Mut::new_unchecked(ip_hdr).set_src(addr);
            let mut tcp = TcpMut::new(rest).unwrap();
            tcp.set_src_port(port);
            tcp.apply_delta(delta);
        });
    });
    assert!(valid(&f));

    let mut f = tcp_frame(1492);
    group.bench_function("packet-ethernet_into-reused", |b| {
        b.iter(|| {
            i += 1;
            let (addr, port) = nat_for(i);
            let mut pkt =
                Packet::ethernet_into(&walker, black_box(&mut f[..]), &mut layers).unwrap();
            pkt.set_ipv4_src(1, addr).unwrap();
            pkt.set_src_port(2, port).unwrap();
        });
    });
    assert!(valid(&f));

    let mut f = tcp_frame(1492);
    group.bench_function("packet-from_ethernet-owned", |b| {
        b.iter(|| {
            i += 1;
            let (addr, port) = nat_for(i);
            let mut pkt = Packet::from_ethernet(black_box(&mut f[..])).unwrap();
            pkt.set_ipv4_src(1, addr).unwrap();
            pkt.set_src_port(2, port).unwrap();
        });
    });
    assert!(valid(&f));

    let mut f = tcp_frame(1492);
    group.bench_function("etherparse-decode-edit-recompute", |b| {
        b.iter(|| {
            i += 1;
            let (addr, port) = nat_for(i);
            let frame = black_box(&mut f[..]);
            let (mut ip_hdr, mut tcp_hdr) = {
                let sliced = etherparse::SlicedPacket::from_ethernet(frame).unwrap();
                let Some(etherparse::NetSlice::Ipv4(ip)) = &sliced.net else {
                    unreachable!()
                };
                let Some(etherparse::TransportSlice::Tcp(tcp)) = &sliced.transport else {
                    unreachable!()
                };
                (ip.header().to_header(), tcp.to_header())
            };
            let payload_at = 14 + ip_hdr.header_len() + tcp_hdr.header_len();
            ip_hdr.source = addr.octets();
            ip_hdr.header_checksum = ip_hdr.calc_header_checksum();
            tcp_hdr.source_port = port;
            tcp_hdr.checksum = tcp_hdr
                .calc_checksum_ipv4(&ip_hdr, &frame[payload_at..])
                .unwrap();
            let ip_len = ip_hdr.header_len();
            ip_hdr.write(&mut &mut frame[14..14 + ip_len]).unwrap();
            let tcp_len = tcp_hdr.header_len();
            tcp_hdr
                .write(&mut &mut frame[14 + ip_len..14 + ip_len + tcp_len])
                .unwrap();
        });
    });
    assert!(valid(&f));
    group.finish();
}

fn set_ttl(c: &mut Criterion) {
    let mut group = c.benchmark_group("packet_set_ttl");
    group.throughput(Throughput::Elements(1));
    let walker = Walker::new();
    let mut layers = Layers::new();
    let mut i = 0u8;

    let mut f = tcp_frame(64);
    group.bench_function("walk-then-ipv4mut-set_ttl", |b| {
        b.iter(|| {
            i = i.wrapping_add(1) | 2;
            let frame = black_box(&mut f[..]);
            walker.ethernet_into(frame, &mut layers);
            let ip = layers.get(1).unwrap();
            Ipv4Mut::new(&mut frame[ip.start..ip.end])
                .unwrap()
                .set_ttl(i);
        });
    });
    assert!(valid(&f));

    let mut f = tcp_frame(64);
    group.bench_function("packet-ethernet_into-set_hop_limit", |b| {
        b.iter(|| {
            i = i.wrapping_add(1) | 2;
            let mut pkt =
                Packet::ethernet_into(&walker, black_box(&mut f[..]), &mut layers).unwrap();
            pkt.set_hop_limit(1, i).unwrap();
        });
    });
    assert!(valid(&f));

    let mut f = tcp_frame(64);
    group.bench_function("packet-network_into-set_hop_limit", |b| {
        b.iter(|| {
            i = i.wrapping_add(1) | 2;
            let mut pkt =
                Packet::network_into(&walker, black_box(&mut f[..]), &mut layers).unwrap();
            pkt.set_hop_limit(1, i).unwrap();
        });
    });
    assert!(valid(&f));
    group.finish();
}

criterion_group!(benches, setup, nat, set_ttl);
criterion_main!(benches);
