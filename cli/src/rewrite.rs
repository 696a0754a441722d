//! `wireview rewrite` (and the `rewrite` example): change header fields of every packet of a
//! capture in place with `wireview::packet::Packet`, whose setters keep
//! every checksum covering a changed byte right with RFC 1624 updates (the
//! tool never recomputes a checksum), and write the packets to a new file
//! with the same timestamps and link type.

use std::ffi::OsString;
use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

use wireview::ip::{Dscp, Ecn};
use wireview::mpls::Label;
use wireview::packet::Packet;
use wireview::vlan::Vid;
use wireview::vxlan::Vni;
use wireview::walk::{LayerKind, Which};
use wireview::Error;

use crate::capture::Reader;
use crate::link::{self, Start};
use crate::progress::Progress;

/// The changes the flags ask for. `None`/`false`: leave the field alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edits {
    /// `--ttl N`: IPv4 TTL / IPv6 hop limit.
    pub ttl: Option<u8>,
    /// `--dec-ttl`: TTL / hop limit minus one (0 stays 0).
    pub dec_ttl: bool,
    /// `--dscp N`.
    pub dscp: Option<Dscp>,
    /// `--ecn N`.
    pub ecn: Option<Ecn>,
    /// `--df 0|1`: IPv4 don't-fragment bit.
    pub df: Option<bool>,
    /// `--ident N`: IPv4 identification.
    pub ident: Option<u16>,
    /// `--ipv4-src A`.
    pub ipv4_src: Option<Ipv4Addr>,
    /// `--ipv4-dst A`.
    pub ipv4_dst: Option<Ipv4Addr>,
    /// `--ipv6-src A`.
    pub ipv6_src: Option<Ipv6Addr>,
    /// `--ipv6-dst A`.
    pub ipv6_dst: Option<Ipv6Addr>,
    /// `--src-port N`: TCP or UDP source port.
    pub src_port: Option<u16>,
    /// `--dst-port N`: TCP or UDP destination port.
    pub dst_port: Option<u16>,
    /// `--vid N`: VLAN id.
    pub vid: Option<Vid>,
    /// `--vni N`: VXLAN or Geneve network identifier.
    pub vni: Option<Vni>,
    /// `--teid N`: GTP-U tunnel endpoint identifier.
    pub teid: Option<u32>,
    /// `--label N`: MPLS label of a label stack entry.
    pub label: Option<Label>,
    /// `--inner`: apply to the innermost header of each kind, not the outermost.
    pub inner: bool,
    /// `--quoted`: the address and port flags apply to the datagram an
    /// ICMP/ICMPv6 error quotes (the outermost such quote), and a packet
    /// without one is left unchanged.
    pub quoted: bool,
}

/// What [`rewrite_frame`] did with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// At least one requested change applied.
    Rewritten,
    /// No layer any flag names: the frame is unchanged.
    NotApplicable,
    /// The walk found the frame malformed: it is unchanged.
    Malformed,
}

/// Applies `edits` to one Ethernet frame, in place.
///
/// # Errors
/// Only if the crate refuses a change the walk said was possible (which
/// would be a bug in the crate; the frame may then be partly changed).
pub fn rewrite_frame(frame: &mut [u8], edits: &Edits) -> Result<Outcome, Error> {
    rewrite_walked(Packet::from_ethernet_capture(frame), edits)
}

/// Applies `edits` to one packet of link type `linktype`, in place (see
/// [`crate::link`] for the link types; a packet of another link type, or
/// whose capture link header is malformed, is [`Outcome::Malformed`]).
/// `scratch` is used for the SLL2 protocols other than IP.
///
/// # Errors
/// As [`rewrite_frame`].
pub fn rewrite_packet(
    linktype: u32,
    data: &mut [u8],
    edits: &Edits,
    scratch: &mut Vec<u8>,
) -> Result<Outcome, Error> {
    match link::framing(linktype, data).start {
        Start::Ethernet { at, .. } => {
            rewrite_walked(Packet::from_ethernet_capture(&mut data[at..]), edits)
        }
        Start::Ip { at } => rewrite_walked(Packet::from_ip_capture(&mut data[at..]), edits),
        Start::EtherType { protocol, at } => {
            link::pseudo_frame(scratch, protocol, &data[at..]);
            let outcome = rewrite_walked(Packet::from_ethernet_capture(scratch), edits)?;
            if outcome == Outcome::Rewritten {
                data[at..].copy_from_slice(&scratch[14..]);
            }
            Ok(outcome)
        }
        Start::Fail { .. } => Ok(Outcome::Malformed),
    }
}

/// Applies `edits` to a packet walked by the capture walk: a frame cut
/// short by the capture's snap length is rewritten as far as it was
/// captured (every field and checksum in the captured bytes changes as in
/// the whole packet); only malformed frames (the walk's refusal) are left
/// alone.
fn rewrite_walked(pkt: Result<Packet<'_>, Error>, edits: &Edits) -> Result<Outcome, Error> {
    let Ok(mut pkt) = pkt else {
        return Ok(Outcome::Malformed);
    };
    let layers = pkt.layers();
    let quote = layers.find_quoted_by(LayerKind::is_ip, Which::Outermost);
    if edits.quoted && quote.is_none() {
        return Ok(Outcome::NotApplicable);
    }
    let which = if edits.inner {
        Which::Innermost
    } else {
        Which::Outermost
    };
    let ip = layers.find_by(LayerKind::is_ip, which);
    let ipv4 = layers.find(LayerKind::Ipv4, which);
    let ipv6 = layers.find(LayerKind::Ipv6, which);
    let is_l4 = |k| matches!(k, LayerKind::Tcp | LayerKind::Udp);
    let l4 = layers.find_by(is_l4, which);
    // What the address and port flags change: with --quoted, the quoted
    // datagram's IP header (IPv4 or IPv6, whichever it is) and its TCP or
    // UDP header; the crate keeps the quoted checksums, the ICMP checksum
    // and every enclosing one right.
    let (addr_v4, addr_v6, ports) = if edits.quoted {
        let kind = quote.and_then(|i| layers.get(i)).map(|l| l.kind);
        (
            quote.filter(|_| kind == Some(LayerKind::Ipv4)),
            quote.filter(|_| kind == Some(LayerKind::Ipv6)),
            layers.find_quoted_by(is_l4, Which::Outermost),
        )
    } else {
        (ipv4, ipv6, l4)
    };
    let tag = layers.find(LayerKind::Vlan, which);
    // VXLAN or Geneve, whichever comes first (or last with --inner).
    let vni_layer = layers.find_by(|k| matches!(k, LayerKind::Vxlan | LayerKind::Geneve), which);
    let gtpu = layers.find(LayerKind::Gtpu, which);
    let mpls = layers.find(LayerKind::Mpls, which);

    let mut applied = false;
    let mut apply = |layer: Option<usize>, wanted: bool| {
        let hit = wanted && layer.is_some();
        applied |= hit;
        layer.filter(|_| hit)
    };
    if let Some(i) = apply(ip, edits.ttl.is_some()) {
        pkt.set_hop_limit(i, edits.ttl.unwrap_or_default())?;
    }
    if let Some(i) = apply(ip, edits.dec_ttl) {
        // A capture editor, not a router: 1 becomes 0, 0 stays 0.
        let ttl = pkt.hop_limit(i)?;
        if ttl > 0 {
            pkt.set_hop_limit(i, ttl - 1)?;
        }
    }
    if let (Some(i), Some(dscp)) = (apply(ip, edits.dscp.is_some()), edits.dscp) {
        pkt.set_dscp(i, dscp)?;
    }
    if let (Some(i), Some(ecn)) = (apply(ip, edits.ecn.is_some()), edits.ecn) {
        pkt.set_ecn(i, ecn)?;
    }
    if let (Some(i), Some(df)) = (apply(ipv4, edits.df.is_some()), edits.df) {
        pkt.set_dont_fragment(i, df)?;
    }
    if let (Some(i), Some(id)) = (apply(ipv4, edits.ident.is_some()), edits.ident) {
        pkt.set_identification(i, id)?;
    }
    if let (Some(i), Some(a)) = (apply(addr_v4, edits.ipv4_src.is_some()), edits.ipv4_src) {
        pkt.set_ipv4_src(i, a)?;
    }
    if let (Some(i), Some(a)) = (apply(addr_v4, edits.ipv4_dst.is_some()), edits.ipv4_dst) {
        pkt.set_ipv4_dst(i, a)?;
    }
    if let (Some(i), Some(a)) = (apply(addr_v6, edits.ipv6_src.is_some()), edits.ipv6_src) {
        pkt.set_ipv6_src(i, a)?;
    }
    if let (Some(i), Some(a)) = (apply(addr_v6, edits.ipv6_dst.is_some()), edits.ipv6_dst) {
        pkt.set_ipv6_dst(i, a)?;
    }
    if let (Some(i), Some(p)) = (apply(ports, edits.src_port.is_some()), edits.src_port) {
        pkt.set_src_port(i, p)?;
    }
    if let (Some(i), Some(p)) = (apply(ports, edits.dst_port.is_some()), edits.dst_port) {
        pkt.set_dst_port(i, p)?;
    }
    if let (Some(i), Some(v)) = (apply(tag, edits.vid.is_some()), edits.vid) {
        pkt.set_vid(i, v)?;
    }
    if let (Some(i), Some(v)) = (apply(vni_layer, edits.vni.is_some()), edits.vni) {
        pkt.set_vni(i, v)?;
    }
    if let (Some(i), Some(t)) = (apply(gtpu, edits.teid.is_some()), edits.teid) {
        pkt.set_teid(i, t)?;
    }
    if let (Some(i), Some(l)) = (apply(mpls, edits.label.is_some()), edits.label) {
        pkt.set_label(i, l)?;
    }
    Ok(if applied {
        Outcome::Rewritten
    } else {
        Outcome::NotApplicable
    })
}

/// Counts of what happened to the packets of a file: `rewritten +
/// unchanged + skipped == total`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Packets read.
    pub total: usize,
    /// Packets in which at least one change applied.
    pub rewritten: usize,
    /// Packets copied unchanged because no flag names a layer they have.
    pub unchanged: usize,
    /// Packets copied unchanged because they are malformed (or of a link
    /// type the tool does not read).
    pub skipped: usize,
}

impl Summary {
    fn count(&mut self, outcome: Outcome) {
        self.total += 1;
        match outcome {
            Outcome::Rewritten => self.rewritten += 1,
            Outcome::NotApplicable => self.unchanged += 1,
            Outcome::Malformed => self.skipped += 1,
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "rewrote {} of {} packets ({} unchanged: no such layer, {} skipped: malformed)",
            self.rewritten, self.total, self.unchanged, self.skipped
        )
    }
}

/// Rewrites every packet of the capture image `input` and returns the new
/// image with the counts.
///
/// # Errors
/// A message when `input` is not a capture, or when the crate refused a
/// change (a bug).
pub fn rewrite_capture(input: &[u8], edits: &Edits) -> Result<(Vec<u8>, Summary), String> {
    let reader = Reader::new(input).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut no_progress = Progress::new("rewrite", false);
    let summary = rewrite_stream(
        reader,
        &mut out,
        edits,
        &mut no_progress,
        &mut std::io::sink(),
    )
    .map_err(|e| match e {
        Failure::Input(m) | Failure::Output(m) => m,
    })?;
    Ok((out, summary))
}

/// Why [`rewrite_stream`] stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The input: a record malformed or cut short, a read error, or a
    /// change the crate refused (a bug).
    Input(String),
    /// The output could not be written.
    Output(String),
}

/// Rewrites every packet read by `reader`, writing each record or block to
/// `output` as soon as it is done (memory stays bounded), and returns the
/// counts. The progress line, if any, goes to `err`.
///
/// # Errors
/// When a record is malformed or cut short, `output` cannot be written, or
/// the crate refused a change (a bug; that packet is left as it was and the
/// rewrite stops).
pub fn rewrite_stream(
    mut reader: Reader<'_>,
    output: &mut impl Write,
    edits: &Edits,
    progress: &mut Progress,
    err: &mut impl Write,
) -> Result<Summary, Failure> {
    let mut summary = Summary::default();
    let result = rewrite_blocks(&mut reader, output, edits, &mut summary, progress, err);
    progress.finish(err);
    result.map(|()| summary)
}

fn rewrite_blocks(
    reader: &mut Reader<'_>,
    output: &mut impl Write,
    edits: &Edits,
    summary: &mut Summary,
    progress: &mut Progress,
    err: &mut impl Write,
) -> Result<(), Failure> {
    let (mut before, mut scratch) = (Vec::new(), Vec::new());
    while let Some(mut block) = reader
        .next_block()
        .map_err(|e| Failure::Input(e.to_string()))?
    {
        if let Some((linktype, data)) = block.packet_mut() {
            before.clear();
            before.extend_from_slice(data);
            match rewrite_packet(linktype, data, edits, &mut scratch) {
                Ok(outcome) => summary.count(outcome),
                Err(e) => {
                    data.copy_from_slice(&before);
                    return Err(Failure::Input(format!("packet {}: {e}", summary.total + 1)));
                }
            }
        }
        output
            .write_all(block.raw())
            .map_err(|e| Failure::Output(e.to_string()))?;
        progress.tick(summary.total as u64, reader.position(), err);
    }
    Ok(())
}

const USAGE: &str =
    "usage: rewrite [--ttl N] [--dec-ttl] [--dscp N] [--ecn N] [--df 0|1] [--ident N] \
[--ipv4-src A] [--ipv4-dst A] [--ipv6-src A] [--ipv6-dst A] [--src-port N] [--dst-port N] \
[--vid N] [--vni N] [--teid N] [--label N] [--inner] [--quoted] IN.pcap OUT.pcap";

/// The parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The changes.
    pub edits: Edits,
    /// The capture to read.
    pub input: PathBuf,
    /// The capture to write.
    pub output: PathBuf,
}

/// A number in `0..=max`, decimal or `0x` hexadecimal.
fn number(flag: &str, value: &OsString, max: u64) -> Result<u64, String> {
    let s = value
        .to_str()
        .ok_or_else(|| format!("{flag}: value is not UTF-8"))?;
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse::<u64>(),
    };
    match parsed {
        Ok(n) if n <= max => Ok(n),
        Ok(_) => Err(format!("{flag}: {s} is out of range (0..={max})")),
        Err(_) => Err(format!("{flag}: {s:?} is not a number")),
    }
}

/// A number in `0..=max` made into the crate's bounded type by `make`
/// (which may refuse a value the range allows: then that is the error).
fn bounded<T>(
    flag: &str,
    value: &OsString,
    max: u64,
    make: impl Fn(u64) -> Option<T>,
) -> Result<T, String> {
    let n = number(flag, value, max)?;
    make(n).ok_or_else(|| format!("{flag}: {n} is not a valid value"))
}

fn address<A: std::str::FromStr>(flag: &str, value: &OsString, what: &str) -> Result<A, String> {
    let s = value
        .to_str()
        .ok_or_else(|| format!("{flag}: value is not UTF-8"))?;
    s.parse()
        .map_err(|_| format!("{flag}: {s:?} is not an {what} address"))
}

/// Parses the command line (without the program name). `Ok(None)` means
/// `--help`.
///
/// # Errors
/// A one-line message for an unknown flag, a bad value, or a wrong number
/// of files.
pub fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Option<Command>, String> {
    use lexopt::Arg::{Long, Short, Value};
    let mut edits = Edits::default();
    let mut files = Vec::new();
    let mut parser = lexopt::Parser::from_args(args);
    let narrow = |n: u64| u16::try_from(n).unwrap_or(u16::MAX);
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        let flag = match &arg {
            Long(name) => format!("--{name}"),
            Short(c) => format!("-{c}"),
            Value(_) => String::new(),
        };
        match arg {
            Value(v) => files.push(PathBuf::from(v)),
            Long("help") | Short('h') => return Ok(None),
            Long("dec-ttl") => edits.dec_ttl = true,
            Long("inner") => edits.inner = true,
            Long("quoted") => edits.quoted = true,
            Long(
                name @ ("ttl" | "dscp" | "ecn" | "df" | "ident" | "ipv4-src" | "ipv4-dst"
                | "ipv6-src" | "ipv6-dst" | "src-port" | "dst-port" | "vid" | "vni"
                | "teid" | "label"),
            ) => {
                let name = name.to_owned();
                let v = parser.value().map_err(|e| e.to_string())?;
                match name.as_str() {
                    "ttl" => edits.ttl = Some(number(&flag, &v, 255)? as u8),
                    "dscp" => edits.dscp = Some(bounded(&flag, &v, 63, |n| Dscp::new(n as u8))?),
                    "ecn" => edits.ecn = Some(bounded(&flag, &v, 3, |n| Ecn::new(n as u8))?),
                    "df" => edits.df = Some(number(&flag, &v, 1)? == 1),
                    "ident" => edits.ident = Some(narrow(number(&flag, &v, 0xFFFF)?)),
                    "ipv4-src" => edits.ipv4_src = Some(address(&flag, &v, "IPv4")?),
                    "ipv4-dst" => edits.ipv4_dst = Some(address(&flag, &v, "IPv4")?),
                    "ipv6-src" => edits.ipv6_src = Some(address(&flag, &v, "IPv6")?),
                    "ipv6-dst" => edits.ipv6_dst = Some(address(&flag, &v, "IPv6")?),
                    "src-port" => edits.src_port = Some(narrow(number(&flag, &v, 0xFFFF)?)),
                    "dst-port" => edits.dst_port = Some(narrow(number(&flag, &v, 0xFFFF)?)),
                    "vid" => edits.vid = Some(bounded(&flag, &v, 4095, |n| Vid::new(narrow(n)))?),
                    "teid" => {
                        let n = number(&flag, &v, u64::from(u32::MAX))?;
                        edits.teid = Some(u32::try_from(n).unwrap_or(u32::MAX));
                    }
                    "label" => {
                        let max = u64::from(Label::MAX);
                        edits.label = Some(bounded(&flag, &v, max, |n| Label::new(n as u32))?);
                    }
                    _ => {
                        let max = u64::from(Vni::MAX);
                        edits.vni = Some(bounded(&flag, &v, max, |n| Vni::new(n as u32))?);
                    }
                }
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    let (input, output) = match <[PathBuf; 2]>::try_from(files) {
        Ok([input, output]) => (input, output),
        Err(files) if files.len() < 2 => return Err("expected IN.pcap and OUT.pcap".to_owned()),
        Err(_) => return Err("expected exactly two files, IN.pcap and OUT.pcap".to_owned()),
    };
    Ok(Some(Command {
        edits,
        input,
        output,
    }))
}

/// Runs `rewrite` with `args` (without the program name). The summary line
/// and any message go to `err`; `--help` prints the usage on `out`. Returns
/// the exit status: 0, 1 when a file cannot be read, parsed or written, 2
/// for a bad command line (OUT is then not created). No progress line (see
/// [`run_with_progress`]).
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> i32 {
    run_with_progress(args, out, err, false)
}

/// As [`run`], with a progress line on `err` for captures that take more
/// than a second when `progress` is true (erased before the summary line).
///
/// The capture is read, rewritten and written packet by packet. OUT is
/// written under a temporary name in its directory and renamed when
/// complete, so it never holds half a capture (when OUT names something
/// other than a regular file, such as `/dev/null`, it is written directly).
pub fn run_with_progress(
    args: impl IntoIterator<Item = OsString>,
    out: &mut impl Write,
    err: &mut impl Write,
    progress: bool,
) -> i32 {
    let cmd = match parse_args(args) {
        Ok(Some(cmd)) => cmd,
        Ok(None) => {
            let _ = writeln!(out, "{USAGE}");
            return 0;
        }
        Err(msg) => {
            let _ = writeln!(err, "rewrite: {msg} (try --help)");
            return 2;
        }
    };
    let reader = match std::fs::File::open(&cmd.input)
        .map_err(|e| e.to_string())
        .and_then(|f| Reader::new(f).map_err(|e| e.to_string()))
    {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(err, "rewrite: {}: {e}", cmd.input.display());
            return 1;
        }
    };
    let direct = std::fs::metadata(&cmd.output).is_ok_and(|m| !m.is_file());
    let target = if direct {
        cmd.output.clone()
    } else {
        let mut name = cmd.output.file_name().unwrap_or_default().to_owned();
        name.push(format!(".wireview-{}.tmp", std::process::id()));
        cmd.output.with_file_name(name)
    };
    let file = match std::fs::File::create(&target) {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(err, "rewrite: {}: {e}", cmd.output.display());
            return 1;
        }
    };
    let mut writer = std::io::BufWriter::with_capacity(256 * 1024, file);
    let mut progress = Progress::new("rewrite", progress);
    let result =
        rewrite_stream(reader, &mut writer, &cmd.edits, &mut progress, err).and_then(|s| {
            writer.flush().map_err(|e| Failure::Output(e.to_string()))?;
            drop(writer);
            if !direct {
                std::fs::rename(&target, &cmd.output)
                    .map_err(|e| Failure::Output(e.to_string()))?;
            }
            Ok(s)
        });
    match result {
        Ok(summary) => {
            let _ = writeln!(err, "{summary}");
            0
        }
        Err(failure) => {
            if !direct {
                let _ = std::fs::remove_file(&target);
            }
            let (path, msg) = match failure {
                Failure::Input(m) => (&cmd.input, m),
                Failure::Output(m) => (&cmd.output, m),
            };
            let _ = writeln!(err, "rewrite: {}: {msg}", path.display());
            1
        }
    }
}
