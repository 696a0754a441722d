//! Dissects capture files with `wireview::walk`: one JSON object per packet.
//!
//! ```text
//! cargo run --release --example dissect -- [FILE.pcap ...]
//! ```
//!
//! With no file it dissects `examples/data/sample.pcap`, which holds one
//! packet of every protocol the crate knows. This is `wireview dissect`
//! (the `wireview-cli` package in `cli/`, whose `dissect` module holds the
//! logic); `cargo run --release -p wireview-cli -- dissect` builds faster.

fn main() {
    let code = wireview_cli::dissect::run(
        std::env::args_os().skip(1),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr(),
    );
    std::process::exit(code);
}
