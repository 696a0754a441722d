//! Rewrites header fields of every packet of a capture in place, keeping
//! every checksum right with RFC 1624 incremental updates.
//!
//! ```text
//! cargo run --release --example rewrite -- [FLAGS] IN.pcap OUT.pcap
//! ```
//!
//! Flags: `--ttl N`, `--dec-ttl`, `--dscp N`, `--ecn N`, `--df 0|1`,
//! `--ident N`, `--ipv4-src A`, `--ipv4-dst A`, `--ipv6-src A`,
//! `--ipv6-dst A`, `--src-port N`, `--dst-port N`, `--vid N`, `--vni N`
//! (VXLAN or Geneve), `--teid N`, `--label N`,
//! and `--inner` to change the innermost header of each kind instead of
//! the outermost; `--quoted` sends the address and port flags to the
//! datagram an ICMP error quotes (packets without one are unchanged). Malformed packets are copied unchanged; a summary line
//! goes to stderr. This is `wireview rewrite` (the `wireview-cli` package
//! in `cli/`, whose `rewrite` module holds the logic).

fn main() {
    use std::io::IsTerminal;
    let code = wireview_cli::rewrite::run_with_progress(
        std::env::args_os().skip(1),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr(),
        std::io::stderr().is_terminal(),
    );
    std::process::exit(code);
}
