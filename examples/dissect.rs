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
    use std::io::IsTerminal;
    let code = wireview_cli::dissect::run_with_progress(
        std::env::args_os().skip(1),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr(),
        std::io::stderr().is_terminal() && !std::io::stdout().is_terminal(),
    );
    std::process::exit(code);
}
