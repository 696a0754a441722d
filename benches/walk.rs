//! Dissecting a frame: wireview's walk beside etherparse's slicing, on the
//! same bytes, in one run.
//!
//! Two frames: plain Ethernet/IPv4/TCP, and Ethernet/VLAN/IPv4/UDP/VXLAN/
//! Ethernet/IPv4/TCP. etherparse stops at the UDP payload of the VXLAN
//! frame (it does not know VXLAN), so the fair comparison for the tunnel is
//! wireview walking all eight layers against etherparse slicing the plain
//! three-layer frame.

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wireview::tunnel::{encap_vxlan, OuterIp, VxlanEncap};
use wireview::walk::{Layers, Walker};
use wireview::{EtherType, EthernetHeader, IpProtocol, Ipv4Header, MacAddr, TcpHeader, Vni};

/// Ethernet/IPv4/TCP with 64 bytes of payload, built with the crate's builders.
fn plain_tcp() -> Vec<u8> {
    let mut f = vec![0u8; 14 + 20 + 20 + 64];
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
        dst: Ipv4Addr::new(10, 0, 0, 2),
        payload_len: 84,
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
    f
}

/// The plain frame inside VXLAN over UDP over IPv4, behind a VLAN tag.
fn vxlan_tcp() -> Vec<u8> {
    let inner = plain_tcp();
    let head = 14 + 4 + 20 + 8 + 8;
    let mut f = vec![0u8; head + inner.len()];
    f[head..].copy_from_slice(&inner);
    let outer = OuterIp::V4(Ipv4Header {
        src: Ipv4Addr::new(192, 0, 2, 1),
        dst: Ipv4Addr::new(192, 0, 2, 2),
        ..Ipv4Header::default()
    });
    let vx = VxlanEncap {
        vni: Vni::new(42).unwrap(),
        src_port: 50000,
        dst_port: 4789,
        udp_checksum: true,
    };
    let len = f.len();
    let start = encap_vxlan(&mut f, head, len, &outer, &vx).unwrap();
    assert_eq!(start, 18);
    EthernetHeader {
        dst: MacAddr([2, 0, 0, 0, 0, 4]),
        src: MacAddr([2, 0, 0, 0, 0, 3]),
        ethertype: EtherType::VLAN,
    }
    .emit(&mut f)
    .unwrap();
    f[14..18].copy_from_slice(&[0x00, 0x64, 0x08, 0x00]); // VID 100, then IPv4
    f
}

fn walk(c: &mut Criterion) {
    let plain = plain_tcp();
    let tunnel = vxlan_tcp();
    assert_eq!(
        Layers::from_ethernet(&tunnel).len(),
        9,
        "eight headers and the payload"
    );
    assert!(etherparse::SlicedPacket::from_ethernet(&plain).is_ok());

    let mut g = c.benchmark_group("walk");
    g.throughput(Throughput::Elements(1));
    g.bench_function("wireview/eth-ipv4-tcp", |b| {
        b.iter(|| Layers::from_ethernet(black_box(&plain)).len());
    });
    g.bench_function("etherparse-sliced/eth-ipv4-tcp", |b| {
        b.iter(|| etherparse::SlicedPacket::from_ethernet(black_box(&plain)).is_ok());
    });
    g.bench_function("etherparse-lax/eth-ipv4-tcp", |b| {
        b.iter(|| etherparse::LaxSlicedPacket::from_ethernet(black_box(&plain)).is_ok());
    });
    g.bench_function("wireview/eth-vlan-ipv4-udp-vxlan-eth-ipv4-tcp", |b| {
        b.iter(|| Layers::from_ethernet(black_box(&tunnel)).len());
    });
    // The data-plane way: one `Layers` reused for every packet.
    let walker = Walker::new();
    let mut layers = Layers::new();
    g.bench_function("wireview-reused/eth-ipv4-tcp", |b| {
        b.iter(|| {
            walker.ethernet_into(black_box(&plain), &mut layers);
            layers.len()
        });
    });
    g.bench_function(
        "wireview-reused/eth-vlan-ipv4-udp-vxlan-eth-ipv4-tcp",
        |b| {
            b.iter(|| {
                walker.ethernet_into(black_box(&tunnel), &mut layers);
                layers.len()
            });
        },
    );
    g.bench_function(
        "etherparse-sliced/eth-vlan-ipv4-udp (stops at VXLAN)",
        |b| {
            b.iter(|| etherparse::SlicedPacket::from_ethernet(black_box(&tunnel)).is_ok());
        },
    );
    g.finish();
}

criterion_group!(benches, walk);
criterion_main!(benches);
