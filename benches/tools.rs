//! The two example tools' per-packet work over the sample capture
//! (`examples/data/sample.pcap`, 29 packets of every protocol the crate
//! knows), in packets per second: the walk alone, the walk with every field
//! of every layer read (what `dissect` prints, without the JSON), and an
//! in-place rewrite through `wireview::packet::Packet` with checksum fixups.

use std::ffi::OsString;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wireview::walk::Layers;
use wireview_cli::{capture, dissect as dissect_tool, rewrite as rewrite_tool};

fn sample() -> Vec<Vec<u8>> {
    let image = wireview_cli::SAMPLE_PCAP;
    let mut frames = Vec::new();
    capture::for_each_packet(image, |r| frames.push(r.data.to_vec())).expect("a capture");
    frames
}

fn edits(flags: &str) -> rewrite_tool::Edits {
    let args = flags
        .split_whitespace()
        .chain(["IN", "OUT"])
        .map(OsString::from);
    rewrite_tool::parse_args(args)
        .expect("good flags")
        .expect("not --help")
        .edits
}

fn tools(c: &mut Criterion) {
    let frames = sample();
    let n = frames.len() as u64;
    let mut group = c.benchmark_group("sample_capture");
    group.throughput(Throughput::Elements(n));
    group.bench_function("walk", |b| {
        b.iter(|| {
            for f in &frames {
                black_box(Layers::from_ethernet(black_box(f)));
            }
        });
    });
    let mut d = dissect_tool::Dissection::default();
    group.bench_function("dissect_fields", |b| {
        b.iter(|| {
            for f in &frames {
                dissect_tool::dissect_into(black_box(f), &mut d);
                black_box(&d);
            }
        });
    });
    for (name, flags) in [
        (
            "rewrite_outer",
            "--ttl 7 --ipv4-src 10.9.8.7 --src-port 4242",
        ),
        ("rewrite_inner", "--inner --ipv6-dst 2001:db8::9 --dscp 46"),
        ("rewrite_tunnel", "--vni 77 --vid 99 --dec-ttl"),
    ] {
        let edits = edits(flags);
        let mut buf = vec![0u8; 2048];
        group.bench_function(name, |b| {
            b.iter(|| {
                for f in &frames {
                    // A fresh copy each time, so every packet does the same work.
                    let frame = &mut buf[..f.len()];
                    frame.copy_from_slice(f);
                    black_box(
                        rewrite_tool::rewrite_frame(black_box(frame), &edits).expect("rewrite"),
                    );
                }
            });
        });
    }
    group.finish();
}

criterion_group!(benches, tools);
criterion_main!(benches);
