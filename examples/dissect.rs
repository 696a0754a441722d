//! Dissects capture files with `wireview::walk`: one JSON object per packet.
//!
//! ```text
//! cargo run --release --example dissect -- [FILE.pcap ...]
//! ```
//!
//! With no file it dissects `examples/data/sample.pcap`, which holds one
//! packet of every protocol the crate knows. The output format is fixed by
//! the crate's tool contract (see `examples/common/dissect_tool.rs`).

#[allow(dead_code)] // `rewrite_packets` and `pcap_file` serve the other tools.
#[path = "common/capture.rs"]
mod capture;
#[path = "common/dissect_tool.rs"]
mod dissect_tool;

fn main() {
    let code = dissect_tool::run(
        std::env::args_os().skip(1),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr(),
    );
    std::process::exit(code);
}
