//! The committed `examples/data/sample.pcap` is exactly what the generator
//! (`examples/common/sample.rs`) builds. After a change to the generator or
//! to a builder, run `cargo run --example gen_sample` and commit the file.

#[path = "../examples/common/sample.rs"]
mod sample;

#[test]
fn committed_sample_matches_the_generator() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/sample.pcap");
    let committed = std::fs::read(&path).expect("examples/data/sample.pcap is committed");
    let generated = sample::sample_pcap();
    if committed != generated {
        let first = committed
            .iter()
            .zip(&generated)
            .position(|(a, b)| a != b)
            .unwrap_or(committed.len().min(generated.len()));
        panic!(
            "{} differs from the generator's output (lengths {} and {}, first difference at byte {first}); \
             run `cargo run --example gen_sample`",
            path.display(),
            committed.len(),
            generated.len()
        );
    }
}

#[test]
fn the_tool_has_the_same_sample_built_in() {
    assert!(
        wireview_cli::SAMPLE_PCAP == sample::sample_pcap().as_slice(),
        "cli/data/sample.pcap differs from the generator's output; run `cargo run --example gen_sample`"
    );
}

#[test]
fn generator_is_deterministic() {
    assert_eq!(sample::sample_pcap(), sample::sample_pcap());
}

#[test]
fn every_packet_is_stamped_one_second_apart() {
    let image = sample::sample_pcap();
    let (mut rest, parser) = pcap_file::pcap::PcapParser::new(&image).unwrap();
    let mut k = 0;
    while !rest.is_empty() {
        let (next, raw) = parser.next_raw_packet(rest).unwrap();
        assert_eq!((raw.ts_sec, raw.ts_frac), (sample::T0 + k, k * 1000));
        rest = next;
        k += 1;
    }
    assert_eq!(k, 31);
}
