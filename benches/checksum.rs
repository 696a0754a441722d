//! The full Internet checksum at typical sizes (an IPv4 header up to a
//! maximal IPv4 datagram), wireview beside etherparse, the internet-checksum
//! crate and a plain 16-bit loop, in one run.
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const SIZES: [usize; 7] = [20, 40, 64, 576, 1500, 9000, 65535];

/// The plain reference: one 16-bit word at a time.
fn plain_loop(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        sum += u32::from(u16::from_be_bytes([w[0], w[1]]));
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    if let [b] = words.remainder() {
        sum += u32::from(*b) << 8;
    }
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

fn full_checksum(c: &mut Criterion) {
    let data: Vec<u8> = (0..65536u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    let mut group = c.benchmark_group("internet_checksum");
    for size in SIZES {
        let buf = &data[..size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("wireview", size), buf, |b, buf| {
            b.iter(|| wireview::checksum::internet_checksum(black_box(buf)));
        });
        group.bench_with_input(BenchmarkId::new("etherparse", size), buf, |b, buf| {
            b.iter(|| {
                etherparse::checksum::Sum16BitWords::new()
                    .add_slice(black_box(buf))
                    .ones_complement()
            });
        });
        group.bench_with_input(
            BenchmarkId::new("internet-checksum", size),
            buf,
            |b, buf| {
                b.iter(|| internet_checksum::checksum(black_box(buf)));
            },
        );
        group.bench_with_input(BenchmarkId::new("plain-16bit-loop", size), buf, |b, buf| {
            b.iter(|| plain_loop(black_box(buf)));
        });
    }
    group.finish();
}

criterion_group!(benches, full_checksum);
criterion_main!(benches);
