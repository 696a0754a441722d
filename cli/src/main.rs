//! `wireview`: dissect and rewrite packet captures with the `wireview` crate.
//!
//! ```text
//! wireview dissect [FILE.pcap ...]
//! wireview rewrite [FLAGS] IN.pcap OUT.pcap
//! ```

use std::ffi::OsString;
use std::io::{IsTerminal, Write};

const USAGE: &str = "usage: wireview dissect [FILE.pcap ...]
       wireview rewrite [FLAGS] IN.pcap OUT.pcap
       wireview (dissect|rewrite) --help";

fn main() {
    let mut args = std::env::args_os().skip(1);
    let command = args.next();
    let code = match command.as_ref().and_then(|c| c.to_str()) {
        // A progress line only on a terminal, and for dissect only when
        // the JSON goes elsewhere.
        Some("dissect") => wireview_cli::dissect::run_with_progress(
            args,
            &mut std::io::stdout().lock(),
            &mut std::io::stderr(),
            std::io::stderr().is_terminal() && !std::io::stdout().is_terminal(),
        ),
        Some("rewrite") => wireview_cli::rewrite::run_with_progress(
            args,
            &mut std::io::stdout().lock(),
            &mut std::io::stderr(),
            std::io::stderr().is_terminal(),
        ),
        Some("-h" | "--help" | "help") => {
            let _ = writeln!(std::io::stdout(), "{USAGE}");
            0
        }
        Some("-V" | "--version") => {
            let _ = writeln!(std::io::stdout(), "wireview {}", env!("CARGO_PKG_VERSION"));
            0
        }
        _ => {
            let what = command.map_or_else(
                || "no command given".to_owned(),
                |c: OsString| format!("unknown command {:?}", c.to_string_lossy()),
            );
            let _ = writeln!(std::io::stderr(), "wireview: {what}\n{USAGE}");
            2
        }
    };
    std::process::exit(code);
}
