//! Writes `examples/data/sample.pcap`, the sample capture the `dissect`
//! example reads by default, from the generator in
//! `examples/common/sample.rs` (built with the crate's own header builders),
//! and the copy `cli/data/sample.pcap` that the `wireview` tool has built in.
//!
//! ```text
//! cargo run --example gen_sample
//! ```
//!
//! The output is deterministic; `tests/sample.rs` fails when the committed
//! file differs from what the generator gives.

#[path = "common/sample.rs"]
mod sample;

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let image = sample::sample_pcap();
    for path in [
        root.join("examples/data/sample.pcap"),
        root.join("cli/data/sample.pcap"),
    ] {
        if let Err(e) = std::fs::write(&path, &image) {
            eprintln!("gen_sample: {}: {e}", path.display());
            std::process::exit(1);
        }
        eprintln!(
            "gen_sample: wrote {} ({} bytes)",
            path.display(),
            image.len()
        );
    }
}
