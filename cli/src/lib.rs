//! The logic of the `wireview` command-line tool, as a library so that its
//! tests, the `wireview` crate's `dissect`/`rewrite` examples and its
//! benchmarks call the same code as the binary.
//!
//! - [`dissect`]: every layer `wireview::walk` finds in every packet of a
//!   capture, as one JSON object per packet.
//! - [`rewrite`]: header fields changed in place with
//!   `wireview::packet::Packet`, every checksum kept right by RFC 1624
//!   incremental updates, written to a new capture.
//! - [`capture`]: reading and writing pcap and pcapng files, packet by
//!   packet (`pcap-parser`).
//! - [`link`]: the capture link types (Ethernet, Linux cooked v1/v2, raw IP,
//!   BSD loopback) and where each packet's walk starts.
//! - [`progress`]: the progress line on stderr.
//!
//! The command lines, output formats and exit codes are fixed by the tool
//! contract (`dissect` and `rewrite` in the crate's README).

pub mod capture;
pub mod dissect;
pub mod link;
pub mod progress;
pub mod rewrite;

/// The sample capture the `wireview` crate ships (`examples/data/sample.pcap`:
/// one packet of every protocol the crate knows), built into the tool so that
/// `wireview dissect` without a file shows something wherever it is installed.
pub const SAMPLE_PCAP: &[u8] = include_bytes!("../data/sample.pcap");
