//! Writes `examples/data/sample.pcap`, the sample capture the `dissect`
//! example reads by default, from the generator in
//! `examples/common/sample.rs` (built with the crate's own header builders).
//!
//! ```text
//! cargo run --example gen_sample
//! ```
//!
//! The output is deterministic; `tests/sample.rs` fails when the committed
//! file differs from what the generator gives.

#[allow(dead_code)] // The generator uses only the pcap writer.
#[path = "common/capture.rs"]
mod capture;
#[path = "common/sample.rs"]
mod sample;

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/sample.pcap");
    let image = sample::sample_pcap();
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
