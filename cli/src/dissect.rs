//! `wireview dissect` (and the `dissect` example): every layer `wireview::walk` finds in every
//! packet of a capture, printed as one JSON object per packet (the format is
//! fixed by the crate's tool contract).
//!
//! Dissection happens in two steps so that the benchmark can measure the
//! first alone: [`dissect_frame`] walks a frame and reads every field into
//! plain values ([`Value`]s), and [`write_packet`] prints them as JSON.

use std::ffi::OsString;
use std::io::Read;
use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use wireview::arp::Arp;
use wireview::checksum::Sum;
use wireview::ethernet::{Ethernet, MacAddr};
use wireview::geneve::Geneve;
use wireview::gre::Gre;
use wireview::gtpu::Gtpu;
use wireview::ipv6::Ipv6;
use wireview::ipv6_ext::{Ipv6ExtKind, Ipv6Fragment, Ipv6Routing};
use wireview::macsec::Macsec;
use wireview::mpls::Mpls;
use wireview::pppoe::{Pppoe, PppoeDiscovery};
use wireview::tcp::Tcp;
use wireview::udp::Udp;
use wireview::vlan::VlanTag;
use wireview::vxlan::Vxlan;
use wireview::walk::{LayerKind, Layers};
use wireview::{Error, Ipv4};
use wireview::{Icmpv4, Icmpv6};

use crate::capture::{Reader, Record};
use crate::link::{self, LinkHeader, Start};
use crate::progress::Progress;

/// A field value, before it is printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// JSON `null`.
    Null,
    /// JSON `true`/`false`.
    Bool(bool),
    /// A JSON integer.
    Int(u64),
    /// A MAC address, printed `aa:bb:cc:dd:ee:ff`.
    Mac(MacAddr),
    /// An IPv4 address, printed as a dotted quad.
    V4(Ipv4Addr),
    /// An IPv6 address, printed in RFC 5952 form.
    V6(Ipv6Addr),
    /// A fixed string (layer and kind names).
    Name(&'static str),
    /// A 64-bit number printed as 16 lower-case hex digits (a MACsec SCI).
    Hex64(u64),
    /// A string (hex strings of odd ARP addresses).
    Str(String),
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<u8> for Value {
    fn from(v: u8) -> Self {
        Value::Int(v.into())
    }
}

impl From<u16> for Value {
    fn from(v: u16) -> Self {
        Value::Int(v.into())
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(v.into())
    }
}

impl From<u64> for Value {
    fn from(v: u64) -> Self {
        Value::Int(v)
    }
}

impl From<usize> for Value {
    fn from(v: usize) -> Self {
        Value::Int(v as u64)
    }
}

impl From<MacAddr> for Value {
    fn from(v: MacAddr) -> Self {
        Value::Mac(v)
    }
}

impl From<Ipv4Addr> for Value {
    fn from(v: Ipv4Addr) -> Self {
        Value::V4(v)
    }
}

impl From<Ipv6Addr> for Value {
    fn from(v: Ipv6Addr) -> Self {
        Value::V6(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Appends one layer's fields to a [`Dissection`].
struct Fields<'d>(&'d mut Vec<(&'static str, Value)>);

impl Fields<'_> {
    fn add(&mut self, key: &'static str, value: impl Into<Value>) -> &mut Self {
        self.0.push((key, value.into()));
        self
    }
}

/// What [`dissect_frame`] found in one frame: the fields of every layer,
/// outermost first, each layer's first field being `layer`, in one flat
/// list so that a dissection reused with [`dissect_into`] allocates nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dissection {
    fields: Vec<(&'static str, Value)>,
    starts: Vec<usize>,
    /// The error that ended the walk, and the name of the layer it was in.
    pub error: Option<(String, &'static str)>,
}

impl Dissection {
    /// The layers, outermost first, each as its (key, value) list.
    pub fn layers(&self) -> impl Iterator<Item = &[(&'static str, Value)]> {
        self.starts.iter().enumerate().map(|(k, &start)| {
            &self.fields[start..self.starts.get(k + 1).copied().unwrap_or(self.fields.len())]
        })
    }

    fn clear(&mut self) {
        self.fields.clear();
        self.starts.clear();
        self.error = None;
    }
}

/// Walks an Ethernet frame and reads every field of every layer.
pub fn dissect_frame(frame: &[u8]) -> Dissection {
    let mut out = Dissection::default();
    dissect_into(frame, &mut out);
    out
}

/// As [`dissect_frame`], into `out` (whose earlier content is dropped).
pub fn dissect_into(frame: &[u8], out: &mut Dissection) {
    out.clear();
    append_walk(frame, &Layers::from_ethernet_capture(frame), 0, out);
}

/// Appends the fields of the walk's layers from `first` on, and its error.
fn append_walk(buf: &[u8], layers: &Layers, first: usize, out: &mut Dissection) {
    for i in first..layers.len() {
        if layers.is_quoted(i) {
            quote_as_payload(layers, i, out);
            continue;
        }
        let start = out.fields.len();
        out.starts.push(start);
        if let Err(e) = layer_fields(buf, layers, i, &mut Fields(&mut out.fields)) {
            // The walk checked every header it recorded, so a view of one
            // cannot fail; if it ever does, say so rather than hide it.
            out.fields.truncate(start);
            out.starts.pop();
            out.error = Some((e.to_string(), e.layer().name()));
            return;
        }
    }
    if let Some(e) = layers.error() {
        out.error = Some((e.to_string(), e.layer().name()));
    }
}

/// The datagram an ICMP or ICMPv6 error quotes is not listed (the tool
/// contract): at its first layer `i`, the quote from there to the end of
/// the ICMP message is one `payload` layer, as the bytes after the ICMP
/// header were before the walk read quotes; its other layers add nothing.
fn quote_as_payload(layers: &Layers, i: usize, out: &mut Dissection) {
    if i > 0 && layers.is_quoted(i - 1) {
        return;
    }
    let here = layers.get(i).unwrap();
    // The ICMP message the quote is in: the nearest layer before it that
    // is not quoted.
    let end = (0..i)
        .rev()
        .find(|&j| !layers.is_quoted(j))
        .and_then(|j| layers.get(j))
        .map_or(here.end, |icmp| icmp.end);
    out.starts.push(out.fields.len());
    out.fields
        .push(("layer", Value::Name(LayerKind::Payload.name())));
    out.fields
        .push(("len", Value::from(end.saturating_sub(here.start))));
}

/// Appends the capture link-layer header's layer object.
fn append_link_header(header: &LinkHeader, out: &mut Dissection) {
    out.starts.push(out.fields.len());
    let mut f = Fields(&mut out.fields);
    match *header {
        LinkHeader::Sll {
            version,
            packet_type,
            hatype,
            addr,
            addr_len,
            protocol,
        } => {
            f.add("layer", Value::Name("sll"))
                .add("version", version)
                .add("packet_type", packet_type)
                .add("hatype", hatype)
                .add("addr", hex(&addr[..addr_len]))
                .add("protocol", protocol);
        }
        LinkHeader::Loopback { family } => {
            f.add("layer", Value::Name("loopback"))
                .add("family", family);
        }
    }
}

/// Dissects a packet of link type `linktype` into `out` (whose earlier
/// content is dropped): the capture link header's layer object (`sll`,
/// `loopback`) when it has one, then the walked layers. `scratch` is used
/// for the SLL2 protocols other than IP (see [`crate::link`]).
pub fn dissect_packet_into(
    linktype: u32,
    data: &[u8],
    out: &mut Dissection,
    scratch: &mut Vec<u8>,
) {
    out.clear();
    let framing = link::framing(linktype, data);
    if let Some(h) = &framing.header {
        append_link_header(h, out);
    }
    match framing.start {
        Start::Ethernet { at, hidden } => {
            let frame = &data[at..];
            append_walk(
                frame,
                &Layers::from_ethernet_capture(frame),
                usize::from(hidden),
                out,
            );
        }
        Start::Ip { at } => {
            let packet = &data[at..];
            append_walk(packet, &Layers::from_ip_capture(packet), 0, out);
        }
        Start::EtherType { protocol, at } => {
            link::pseudo_frame(scratch, protocol, &data[at..]);
            append_walk(scratch, &Layers::from_ethernet_capture(scratch), 1, out);
        }
        Start::Fail { message, layer } => out.error = Some((message, layer)),
    }
}

#[allow(clippy::too_many_lines)] // One arm per layer kind, as the contract's table reads.
fn layer_fields(frame: &[u8], layers: &Layers, i: usize, f: &mut Fields<'_>) -> Result<(), Error> {
    let l = layers.get(i).unwrap();
    f.add("layer", Value::Name(l.kind.name()));
    match l.kind {
        LayerKind::Ethernet => {
            let eth: Ethernet<&[u8]> = layers.view(frame, i)?;
            f.add("dst", eth.dst())
                .add("src", eth.src())
                .add("ethertype", eth.ethertype().0);
        }
        LayerKind::Vlan => {
            let tag: VlanTag<&[u8]> = layers.view(frame, i)?;
            // The TPID is the EtherType field just before the tag.
            let tpid = u16::from_be_bytes([frame[l.start - 2], frame[l.start - 1]]);
            f.add("tpid", tpid)
                .add("pcp", tag.pcp().value())
                .add("dei", tag.dei())
                .add("vid", tag.vid().value())
                .add("ethertype", tag.ethertype().0);
        }
        LayerKind::Arp => arp_fields(f, &layers.view(frame, i)?),
        LayerKind::Ipv4 => {
            let ip: Ipv4<&[u8]> = layers.view(frame, i)?;
            f.add("version", ip.version())
                .add("ihl", ip.ihl())
                .add("dscp", ip.dscp().value())
                .add("ecn", ip.ecn().value())
                .add("total_len", ip.total_len())
                .add("id", ip.identification())
                .add("df", ip.dont_fragment())
                .add("mf", ip.more_fragments())
                .add("frag_offset", ip.fragment_offset())
                .add("ttl", ip.ttl())
                .add("protocol", ip.protocol().0)
                .add("checksum", ip.checksum())
                .add("checksum_valid", ip.verify_checksum())
                .add("src", ip.src())
                .add("dst", ip.dst())
                .add("options_len", ip.options().len());
        }
        LayerKind::Ipv6 => {
            let ip: Ipv6<&[u8]> = layers.view(frame, i)?;
            f.add("version", ip.version())
                .add("dscp", ip.dscp().value())
                .add("ecn", ip.ecn().value())
                .add("flow_label", ip.flow_label())
                .add("payload_len", ip.payload_len())
                .add("next_header", ip.next_header().0)
                .add("hop_limit", ip.hop_limit())
                .add("src", ip.src())
                .add("dst", ip.dst());
        }
        LayerKind::Ipv6Ext(kind) => {
            let bytes = &frame[l.header_range()];
            f.add("kind", Value::Name(ext_kind_name(kind)))
                .add("next_header", bytes[0])
                .add("len", l.header_len);
            if kind == Ipv6ExtKind::Fragment {
                let frag = Ipv6Fragment::new(bytes)?;
                f.add("frag_offset", frag.fragment_offset())
                    .add("more", frag.more_fragments())
                    .add("id", frag.identification());
            }
        }
        LayerKind::Udp => {
            let udp: Udp<&[u8]> = layers.view(frame, i)?;
            let valid = if udp.checksum() == 0 && enclosing_is_ipv4(layers, i) {
                None
            } else {
                transport_checksum_valid(frame, layers, i)
            };
            f.add("src_port", udp.src_port())
                .add("dst_port", udp.dst_port())
                .add("length", udp.length())
                .add("checksum", udp.checksum())
                .add("checksum_valid", valid);
        }
        LayerKind::Tcp => {
            let tcp: Tcp<&[u8]> = layers.view(frame, i)?;
            // The 9 flag bits, NS to FIN (the view keeps the reserved bits too).
            let flags = tcp.flags().bits() & 0x01FF;
            f.add("src_port", tcp.src_port())
                .add("dst_port", tcp.dst_port())
                .add("seq", tcp.seq_number())
                .add("ack", tcp.ack_number())
                .add("data_offset", tcp.data_offset())
                .add("flags", flags)
                .add("window", tcp.window())
                .add("checksum", tcp.checksum())
                .add("checksum_valid", transport_checksum_valid(frame, layers, i))
                .add("urgent", tcp.urgent_pointer());
        }
        LayerKind::Icmpv4 => {
            let icmp: Icmpv4<&[u8]> = layers.view(frame, i)?;
            f.add("type", icmp.msg_type().0)
                .add("code", icmp.code().0)
                .add("checksum", icmp.checksum())
                .add("checksum_valid", transport_checksum_valid(frame, layers, i));
        }
        LayerKind::Icmpv6 => {
            let icmp: Icmpv6<&[u8]> = layers.view(frame, i)?;
            f.add("type", icmp.msg_type().0)
                .add("code", icmp.code().0)
                .add("checksum", icmp.checksum())
                .add("checksum_valid", transport_checksum_valid(frame, layers, i));
        }
        LayerKind::Vxlan => {
            let vx: Vxlan<&[u8]> = layers.view(frame, i)?;
            f.add("flags", vx.flags()).add("vni", vx.vni().value());
        }
        LayerKind::Gre => {
            let gre: Gre<&[u8]> = layers.view(frame, i)?;
            let valid = if !gre.checksum_present() || covered_bytes_missing(layers, i) {
                None
            } else {
                gre.verify_checksum()
            };
            f.add("checksum_present", gre.checksum_present())
                .add("key_present", gre.key_present())
                .add("seq_present", gre.seq_present())
                .add("version", gre.version())
                .add("protocol", gre.protocol_type().0)
                .add("checksum", gre.checksum())
                .add("key", gre.key())
                .add("seq", gre.seq())
                // Not in the contract (extra keys are allowed).
                .add("checksum_valid", valid);
        }
        LayerKind::Macsec => {
            let sec: Macsec<&[u8]> = layers.view(frame, i)?;
            let sci = sec.sci().map(|s| Value::Hex64(s.0));
            f.add("version", sec.version())
                .add("es", sec.end_station())
                .add("sc", sec.sci_present())
                .add("scb", sec.single_copy_broadcast())
                .add("e", sec.encryption())
                .add("c", sec.changed_text())
                .add("an", sec.an().value())
                .add("short_len", sec.short_len())
                .add("pn", sec.pn())
                .add("sci", sci.unwrap_or(Value::Null));
        }
        LayerKind::Geneve => {
            let gen: Geneve<&[u8]> = layers.view(frame, i)?;
            f.add("version", gen.version())
                .add("opt_len", gen.opt_len())
                .add("oam", gen.oam())
                .add("critical", gen.critical())
                .add("protocol", gen.protocol_type().0)
                .add("vni", gen.vni().value());
        }
        LayerKind::Mpls => {
            // One layer per label stack entry.
            let entry: Mpls<&[u8]> = layers.view(frame, i)?;
            f.add("label", entry.label().value())
                .add("tc", entry.traffic_class().value())
                .add("s", entry.bottom_of_stack())
                .add("ttl", entry.ttl());
        }
        LayerKind::Gtpu => {
            let gtp: Gtpu<&[u8]> = layers.view(frame, i)?;
            f.add("version", gtp.version())
                .add("pt", gtp.pt())
                .add("e", gtp.e_flag())
                .add("s", gtp.s_flag())
                .add("pn", gtp.pn_flag())
                .add("msg_type", gtp.message_type().0)
                .add("length", gtp.length())
                .add("teid", gtp.teid());
        }
        LayerKind::Pppoe => {
            let ppp: Pppoe<&[u8]> = layers.view(frame, i)?;
            f.add("version", ppp.version())
                .add("type", ppp.pppoe_type())
                .add("code", ppp.code().0)
                .add("session_id", ppp.session_id())
                .add("length", ppp.length())
                .add("protocol", ppp.ppp_protocol().0);
        }
        LayerKind::PppoeDiscovery => {
            // Discovery frames carry tags, not a PPP protocol.
            let disc: PppoeDiscovery<&[u8]> = layers.view(frame, i)?;
            f.add("version", disc.version())
                .add("type", disc.pppoe_type())
                .add("code", disc.code().0)
                .add("session_id", disc.session_id())
                .add("length", disc.length())
                .add("protocol", Value::Null);
        }
        _ => {
            f.add("len", l.end - l.start);
        }
    }
    Ok(())
}

fn arp_fields(f: &mut Fields<'_>, arp: &Arp<&[u8]>) {
    f.add("htype", arp.htype())
        .add("ptype", arp.ptype().0)
        .add("hlen", arp.hlen())
        .add("plen", arp.plen())
        .add("oper", arp.oper().0);
    let typed = arp.htype() == 1 && arp.ptype().0 == 0x0800;
    let (sha, spa, tha, tpa) = match (
        arp.sender_mac(),
        arp.sender_ipv4(),
        arp.target_mac(),
        arp.target_ipv4(),
    ) {
        (Some(sha), Some(spa), Some(tha), Some(tpa)) if typed => (
            Value::Mac(sha),
            Value::V4(spa),
            Value::Mac(tha),
            Value::V4(tpa),
        ),
        _ => (
            hex(arp.sha()),
            hex(arp.spa()),
            hex(arp.tha()),
            hex(arp.tpa()),
        ),
    };
    f.add("sha", sha)
        .add("spa", spa)
        .add("tha", tha)
        .add("tpa", tpa);
}

fn hex(bytes: &[u8]) -> Value {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    Value::Str(s)
}

/// The `kind` string of an IPv6 extension header.
pub fn ext_kind_name(kind: Ipv6ExtKind) -> &'static str {
    match kind {
        Ipv6ExtKind::HopByHop => "hop_by_hop",
        Ipv6ExtKind::Routing => "routing",
        Ipv6ExtKind::Fragment => "fragment",
        Ipv6ExtKind::Destination => "destination",
        Ipv6ExtKind::Auth => "auth",
    }
}

fn enclosing_is_ipv4(layers: &Layers, i: usize) -> bool {
    layers
        .enclosing_ip(i)
        .and_then(|ip| layers.get(ip))
        .is_some_and(|l| l.kind == LayerKind::Ipv4)
}

/// Whether some of the bytes the checksum of layer `i` covers were not
/// captured: the layer (a UDP datagram longer than the capture) or the IP
/// datagram around it is cut short.
fn covered_bytes_missing(layers: &Layers, i: usize) -> bool {
    let me = layers.get(i).unwrap();
    if me.kind == LayerKind::Udp {
        return me.truncated;
    }
    me.truncated
        || layers
            .enclosing_ip(i)
            .and_then(|ip| layers.get(ip))
            .is_some_and(|l| l.truncated)
}

/// Whether layer `i` (UDP, TCP, ICMP) is part of a fragmented datagram: its
/// IPv4 header has MF set, or an IPv6 fragment header between the IPv6
/// header and it has M set. (Later fragments have no transport layer.)
fn is_fragment(frame: &[u8], layers: &Layers, i: usize) -> bool {
    let Some(ip) = layers.enclosing_ip(i) else {
        return false;
    };
    let ip_layer = layers.get(ip).unwrap();
    if ip_layer.kind == LayerKind::Ipv4 {
        return Ipv4::new_truncated(&frame[ip_layer.range()]).is_ok_and(|h| h.is_fragment());
    }
    layers.iter().take(i).skip(ip + 1).any(|l| {
        l.kind == LayerKind::Ipv6Ext(Ipv6ExtKind::Fragment)
            && Ipv6Fragment::new(&frame[l.header_range()])
                .is_ok_and(|f| f.more_fragments() || f.fragment_offset() != 0)
    })
}

/// Whether the checksum of the UDP/TCP/ICMP layer `i` is right, or `None`
/// when that cannot be known (bytes missing, or a fragment).
fn transport_checksum_valid(frame: &[u8], layers: &Layers, i: usize) -> Option<bool> {
    if covered_bytes_missing(layers, i) || is_fragment(frame, layers, i) {
        return None;
    }
    let l = layers.get(i).unwrap();
    let sum = match l.kind {
        LayerKind::Icmpv4 => {
            return Some(
                layers
                    .view::<Icmpv4<&[u8]>>(frame, i)
                    .ok()?
                    .verify_checksum(),
            )
        }
        LayerKind::Udp => {
            let udp: Udp<&[u8]> = layers.view(frame, i).ok()?;
            if udp.checksum() == 0 {
                // Over IPv6 (the IPv4 case never gets here) a zero UDP
                // checksum is invalid (RFC 8200 section 8.1).
                return Some(false);
            }
            udp.checksum_sum(pseudo_header(frame, layers, i)?)
        }
        LayerKind::Tcp => layers
            .view::<Tcp<&[u8]>>(frame, i)
            .ok()?
            .checksum_sum(pseudo_header(frame, layers, i)?),
        LayerKind::Icmpv6 => layers
            .view::<Icmpv6<&[u8]>>(frame, i)
            .ok()?
            .checksum_sum(pseudo_header(frame, layers, i)?),
        _ => return None,
    };
    Some(sum.value() == 0xFFFF)
}

/// The pseudo-header sum of transport layer `i` (RFC 768, RFC 8200 8.1).
fn pseudo_header(frame: &[u8], layers: &Layers, i: usize) -> Option<Sum> {
    let l = layers.get(i).unwrap();
    let proto = match l.kind {
        LayerKind::Udp => 17,
        LayerKind::Tcp => 6,
        _ => 58,
    };
    let len = u32::try_from(l.end - l.start).ok()?;
    let ip_i = layers.enclosing_ip(i)?;
    let ip_l = layers.get(ip_i).unwrap();
    if ip_l.kind == LayerKind::Ipv4 {
        let ip = Ipv4::new_truncated(&frame[ip_l.range()]).ok()?;
        return Some(Sum::ipv4_pseudo_header(
            ip.src(),
            ip.dst(),
            proto,
            u16::try_from(len).ok()?,
        ));
    }
    let ip = Ipv6::new_truncated(&frame[ip_l.range()]).ok()?;
    let mut dst = ip.dst();
    for r in layers.iter().take(i).skip(ip_i + 1) {
        if r.kind == LayerKind::Ipv6Ext(Ipv6ExtKind::Routing) {
            if let Ok(routing) = Ipv6Routing::new(&frame[r.header_range()]) {
                if routing.segments_left() > 0 {
                    dst = routing.final_destination()?;
                }
            }
        }
    }
    Some(Sum::ipv6_pseudo_header(ip.src(), dst, proto, len))
}

// ---------------------------------------------------------------- JSON

fn write_json_str(out: &mut impl Write, s: &str) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, s).map_err(std::io::Error::from)
}

fn write_value(out: &mut impl Write, v: &Value) -> std::io::Result<()> {
    match v {
        Value::Null => out.write_all(b"null"),
        Value::Bool(b) => write!(out, "{b}"),
        Value::Int(n) => write!(out, "{n}"),
        Value::Mac(m) => write!(out, "\"{m}\""),
        Value::V4(a) => write!(out, "\"{a}\""),
        Value::V6(a) => write!(out, "\"{a}\""),
        Value::Name(s) => write_json_str(out, s),
        Value::Hex64(n) => write!(out, "\"{n:016x}\""),
        Value::Str(s) => write_json_str(out, s),
    }
}

fn write_object(out: &mut impl Write, fields: &[(&'static str, Value)]) -> std::io::Result<()> {
    out.write_all(b"{")?;
    for (k, (key, value)) in fields.iter().enumerate() {
        if k > 0 {
            out.write_all(b",")?;
        }
        write_json_str(out, key)?;
        out.write_all(b":")?;
        write_value(out, value)?;
    }
    out.write_all(b"}")
}

/// Prints one packet's JSON line: `n` (1-based), `len`, `layers`, `error`
/// and, when there is an error, `error_layer`.
pub fn write_packet(
    out: &mut impl Write,
    n: usize,
    len: usize,
    d: &Dissection,
) -> std::io::Result<()> {
    write!(out, "{{\"n\":{n},\"len\":{len},\"layers\":[")?;
    for (k, layer) in d.layers().enumerate() {
        if k > 0 {
            out.write_all(b",")?;
        }
        write_object(out, layer)?;
    }
    out.write_all(b"],\"error\":")?;
    match &d.error {
        None => out.write_all(b"null")?,
        Some((msg, layer)) => {
            write_json_str(out, msg)?;
            out.write_all(b",\"error_layer\":")?;
            write_json_str(out, layer)?;
        }
    }
    out.write_all(b"}\n")
}

/// Dissects one capture record.
pub fn dissect_record(rec: Record<'_>) -> Dissection {
    let mut out = Dissection::default();
    dissect_packet_into(rec.linktype, rec.data, &mut out, &mut Vec::new());
    out
}

const USAGE: &str = "usage: dissect [FILE.pcap ...]";

/// Runs `dissect` with `args` (without the program name): JSON lines on
/// `out`, messages on `err`. Returns the exit status: 0, 1 when a file
/// cannot be read or is not a capture, 2 for a bad command line. No
/// progress line (see [`run_with_progress`]).
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> i32 {
    run_with_progress(args, out, err, false)
}

/// As [`run`], with a progress line on `err` for files that take more than
/// a second when `progress` is true.
pub fn run_with_progress(
    args: impl IntoIterator<Item = OsString>,
    out: &mut impl Write,
    err: &mut impl Write,
    progress: bool,
) -> i32 {
    let mut files = Vec::new();
    let mut parser = lexopt::Parser::from_args(args);
    loop {
        match parser.next() {
            Ok(None) => break,
            Ok(Some(lexopt::Arg::Value(v))) => files.push(PathBuf::from(v)),
            Ok(Some(lexopt::Arg::Long("help") | lexopt::Arg::Short('h'))) => {
                let _ = writeln!(out, "{USAGE}");
                return 0;
            }
            Ok(Some(arg)) => {
                let _ = writeln!(err, "dissect: {} (try --help)", arg.unexpected());
                return 2;
            }
            Err(e) => {
                let _ = writeln!(err, "dissect: {e} (try --help)");
                return 2;
            }
        }
    }
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    let code = if files.is_empty() {
        dissect_input(
            Path::new("sample.pcap (built in)"),
            crate::SAMPLE_PCAP,
            &mut out,
            err,
            progress,
        )
    } else {
        let mut code = 0;
        for path in &files {
            code = match std::fs::File::open(path) {
                Ok(file) => dissect_input(path, file, &mut out, err, progress),
                Err(e) => {
                    let _ = writeln!(err, "dissect: {}: {e}", path.display());
                    1
                }
            };
            if code != 0 {
                break;
            }
        }
        code
    };
    match out.flush() {
        Err(e) if code == 0 => output_failed(&e, err),
        _ => code,
    }
}

/// The exit status for a failed write of the output: `dissect | head`
/// closes the pipe early, which is not an error.
fn output_failed(e: &std::io::Error, err: &mut impl Write) -> i32 {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return 0;
    }
    let _ = writeln!(err, "dissect: cannot write output: {e}");
    1
}

/// Dissects one capture, packet by packet.
fn dissect_input(
    path: &Path,
    input: impl Read + Send,
    out: &mut impl Write,
    err: &mut impl Write,
    progress: bool,
) -> i32 {
    let mut reader = match Reader::new(input) {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(err, "dissect: {}: {e}", path.display());
            return 1;
        }
    };
    let mut progress = Progress::new("dissect", progress);
    let (mut d, mut scratch) = (Dissection::default(), Vec::new());
    let mut n = 0;
    let result = loop {
        match reader.next_block() {
            Ok(Some(block)) => {
                if let Some(rec) = block.packet() {
                    n += 1;
                    dissect_packet_into(rec.linktype, rec.data, &mut d, &mut scratch);
                    if let Err(e) = write_packet(out, n, rec.data.len(), &d) {
                        progress.finish(err);
                        return output_failed(&e, err);
                    }
                }
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
        progress.tick(n as u64, reader.position(), err);
    };
    progress.finish(err);
    if let Err(e) = result {
        // The packets before the bad record are printed first.
        if let Err(e) = out.flush() {
            return output_failed(&e, err);
        }
        let _ = writeln!(err, "dissect: {}: {e}", path.display());
        return 1;
    }
    0
}
