//! An independent checksum checker for the tool tests: every checksum of a
//! frame recomputed from scratch, byte ranges and pseudo-headers assembled
//! here from the RFCs, summed with `wireview::checksum::internet_checksum`
//! and nothing else of the crate's checksum code. The walker is used only
//! to find where the headers are.

use wireview::checksum::internet_checksum;
use wireview::walk::{Layer, LayerKind, Layers};

/// One checksum field of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checksum {
    /// Index of the layer it belongs to.
    pub layer: usize,
    /// What the layer is.
    pub kind: LayerKind,
    /// Offset of the 16-bit field in the frame.
    pub at: usize,
    /// The value stored there.
    pub stored: u16,
    /// What a from-scratch computation gives, when it can be known (all
    /// covered bytes captured, not a fragment, pseudo-header known); for UDP
    /// a computed 0 is given as 0xFFFF.
    pub expected: Option<u16>,
    /// A UDP checksum of 0 over IPv4: "no checksum".
    pub absent: bool,
    /// The layer lies in the datagram an ICMP or ICMPv6 error quotes
    /// (`Layers::is_quoted`), which `dissect` does not list.
    pub quoted: bool,
    /// When `expected` cannot be known (a datagram cut short by the
    /// capture, or a fragment): the one's-complement sum (0xFFFF folded to
    /// 0) of the pseudo-header's addresses and of the covered bytes that
    /// were captured, stored checksum included. Every other term of the
    /// sum lies in bytes a rewrite cannot touch, so a rewrite that is exact
    /// as far as the packet was captured keeps this value.
    pub invariant: Option<u16>,
}

impl Checksum {
    /// Whether the stored value checks out (`None`: unknown, or absent):
    /// it is the from-scratch value or, except for UDP where 0 means
    /// "none", the other one's-complement zero.
    pub fn valid(&self) -> Option<bool> {
        if self.absent {
            return None;
        }
        let udp = self.kind == LayerKind::Udp;
        self.expected
            .map(|e| e == self.stored || (!udp && e == 0 && self.stored == 0xFFFF))
    }
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// The checksum of `parts` concatenated, with the 2 bytes at `zero_at` of
/// the last part read as zero.
fn compute(pseudo: &[u8], region: &[u8], zero_at: usize) -> u16 {
    let mut all = Vec::with_capacity(pseudo.len() + region.len());
    all.extend_from_slice(pseudo);
    all.extend_from_slice(region);
    let at = pseudo.len() + zero_at;
    all[at] = 0;
    all[at + 1] = 0;
    internet_checksum(&all)
}

/// The one's-complement sum of `parts`, each summed from an even offset,
/// with 0xFFFF folded to 0 (the two zeros are one value here).
fn ones_sum(parts: &[&[u8]]) -> u16 {
    let mut s: u64 = 0;
    for part in parts {
        for c in part.chunks(2) {
            s += u64::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
        }
    }
    while s > 0xFFFF {
        s = (s & 0xFFFF) + (s >> 16);
    }
    if s == 0xFFFF {
        0
    } else {
        s as u16
    }
}

/// IP protocols the walk leaves as payload whose checksum has a
/// pseudo-header: (protocol, checksum offset, over IPv4 too).
const PSEUDO_PROTOCOLS: [(u8, usize, bool); 6] = [
    (33, 6, true),   // DCCP (RFC 4340 9.1)
    (89, 12, false), // OSPFv3 (RFC 5340 A.3.1)
    (103, 2, false), // PIM over IPv6 (RFC 7761 4.9)
    (112, 6, true),  // VRRPv3 (RFC 5798 5.2.8)
    (135, 4, false), // Mobility Header (RFC 6275 6.1.1)
    (136, 6, true),  // UDP-Lite (RFC 3828 3.1)
];

/// The home address of a Home Address destination option (type 0xC9,
/// RFC 6275 6.3) in the extension headers of IP layer `ip` before `upto`.
fn home_address(frame: &[u8], layers: &[Layer], ip: usize, upto: usize) -> Option<[u8; 16]> {
    for x in &layers[ip + 1..upto] {
        if x.kind != LayerKind::Ipv6Ext(wireview::ipv6_ext::Ipv6ExtKind::Destination) {
            continue;
        }
        let h = &frame[x.header_range()];
        let mut at = 2;
        while at < h.len() {
            if h[at] == 0 {
                at += 1;
                continue;
            }
            let len = usize::from(*h.get(at + 1)?);
            if h[at] == 0xC9 && len == 16 {
                return h.get(at + 2..at + 18)?.try_into().ok();
            }
            at += 2 + len;
        }
    }
    None
}

/// Whether the IP datagram of layer `ip` is a fragment (IPv4 MF or offset,
/// or an IPv6 fragment header with M or offset before layer `upto`).
fn fragmented(frame: &[u8], layers: &[Layer], ip: usize, upto: usize) -> bool {
    let l = layers[ip];
    if l.kind == LayerKind::Ipv4 {
        let ff = be16(frame, l.start + 6);
        return ff & 0x3FFF != 0;
    }
    layers[ip + 1..upto].iter().any(|x| {
        x.kind == LayerKind::Ipv6Ext(wireview::ipv6_ext::Ipv6ExtKind::Fragment)
            && be16(frame, x.start + 2) & 0xFFF9 != 0
    })
}

/// The destination the pseudo-header of an IPv6 datagram uses (RFC 8200
/// section 8.1): the last address of a routing header that has segments
/// left, `None` for a routing type whose final address is not plain.
fn ipv6_final_dst(frame: &[u8], layers: &[Layer], ip: usize, upto: usize) -> Option<[u8; 16]> {
    let l = layers[ip];
    let mut dst: [u8; 16] = frame[l.start + 24..l.start + 40].try_into().ok()?;
    for x in &layers[ip + 1..upto] {
        if x.kind != LayerKind::Ipv6Ext(wireview::ipv6_ext::Ipv6ExtKind::Routing) {
            continue;
        }
        let h = &frame[x.header_range()];
        let (rtype, left) = (h[2], h[3]);
        if left == 0 {
            continue;
        }
        match rtype {
            // Type 0 (deprecated) and type 2 (mobility): a list of
            // addresses after 8 bytes; the final one is the last.
            0 | 2 => {
                let n = (h.len() - 8) / 16;
                if n == 0 {
                    return None;
                }
                dst = h[8 + 16 * (n - 1)..8 + 16 * n].try_into().ok()?;
            }
            // Segment routing (RFC 8754): Segment List[0], the first entry.
            4 => dst = h.get(8..24)?.try_into().ok()?,
            _ => return None,
        }
    }
    Some(dst)
}

/// For a payload layer `i` right after its IP header (or extension
/// headers) that starts a protocol with a pseudo-header checksum: where
/// that checksum is, and the protocol.
fn pseudo_protocol(frame: &[u8], layers: &[Layer], i: usize) -> Option<(usize, u8)> {
    let l = layers[i];
    let prev = layers[i.checked_sub(1)?];
    let (proto, v4) = match prev.kind {
        LayerKind::Ipv4 => {
            // Not a later fragment: its payload is mid-datagram.
            let offset = be16(frame, prev.start + 6) & 0x1FFF;
            (offset == 0).then_some((frame[prev.start + 9], true))?
        }
        LayerKind::Ipv6 => (frame[prev.start + 6], false),
        LayerKind::Ipv6Ext(wireview::ipv6_ext::Ipv6ExtKind::Fragment) => {
            let offset = be16(frame, prev.start + 2) >> 3;
            (offset == 0).then_some((frame[prev.start], false))?
        }
        LayerKind::Ipv6Ext(_) => (frame[prev.start], false),
        _ => return None,
    };
    let &(_, off, over_v4) = PSEUDO_PROTOCOLS.iter().find(|p| p.0 == proto)?;
    // VRRPv2 (IPv4 only) checksums its message alone.
    let vrrp2 = proto == 112 && frame[l.start] >> 4 != 3;
    if (v4 && !over_v4) || vrrp2 || l.start + off + 2 > l.end {
        return None;
    }
    Some((l.start + off, proto))
}

/// How much of `region` a checksum covers: all of it, but for UDP-Lite's
/// coverage field, DCCP's CsCov and a PIM Register's 8-byte header.
fn covered_len(kind: LayerKind, proto: Option<u8>, region: &[u8]) -> usize {
    match (kind, proto) {
        (LayerKind::Payload, Some(136)) => match usize::from(be16(region, 4)) {
            0 => region.len(),
            n => n.min(region.len()),
        },
        // DCCP: Data Offset (32-bit words) in byte 4, CsCov the low
        // nibble of byte 5 (RFC 4340 sections 5.1 and 9.2).
        (LayerKind::Payload, Some(33)) => match region[5] & 0x0F {
            0 => region.len(),
            cscov => {
                let data_offset = usize::from(region[4]) * 4;
                (data_offset + (usize::from(cscov) - 1) * 4).min(region.len())
            }
        },
        (LayerKind::Payload, Some(103)) if region[0] & 0x0F == 1 => 8.min(region.len()),
        _ => region.len(),
    }
}

/// The pseudo-header's addresses of layer `i` (its IP layer `ip`), as the
/// receiver takes them: none for a checksum without a pseudo-header; IPv6
/// with the home address and the routing header's final destination.
fn pseudo_addresses(
    frame: &[u8],
    layers: &[Layer],
    i: usize,
    has_pseudo: bool,
    ip: Option<usize>,
) -> Option<Vec<u8>> {
    if !has_pseudo {
        return Some(Vec::new());
    }
    let k = ip?;
    let x = layers[k];
    if x.kind == LayerKind::Ipv4 {
        return Some(frame[x.start + 12..x.start + 20].to_vec());
    }
    let dst = ipv6_final_dst(frame, layers, k, i)?;
    let src = home_address(frame, layers, k, i)
        .unwrap_or_else(|| frame[x.start + 8..x.start + 24].try_into().unwrap());
    Some([src, dst].concat())
}

/// Layer `l` of a datagram that an ICMP error quotes, `quoted_ip` its IP
/// layer (`None` outside a quote): the bytes its checksum covers stop at
/// the quoted datagram's own length or at the quote's end, whichever
/// comes first; and whether the quote stops first (RFC 792 quotes the IP
/// header and 8 bytes), so that the from-scratch value cannot be known.
fn in_quote(frame: &[u8], l: Layer, quoted_ip: Option<Layer>) -> (Layer, bool) {
    let Some(ip) = quoted_ip else {
        return (l, false);
    };
    let datagram_end = if ip.kind == LayerKind::Ipv4 {
        ip.start + usize::from(be16(frame, ip.start + 2))
    } else if be16(frame, ip.start + 4) == 0 && frame[ip.start + 6] == 0 {
        // A quoted jumbogram (RFC 2675): its length is in the hop-by-hop
        // header's Jumbo Payload option, beyond any quote.
        usize::MAX
    } else {
        ip.start + 40 + usize::from(be16(frame, ip.start + 4))
    };
    if datagram_end < l.end {
        (
            Layer {
                end: datagram_end,
                ..l
            },
            false,
        )
    } else {
        (l, datagram_end > l.end)
    }
}

/// Every checksum field of `frame`, outermost first.
#[allow(clippy::too_many_lines)] // one walk over the layers, each kind's rule in place
pub fn checksums(frame: &[u8]) -> Vec<Checksum> {
    let walked = Layers::from_ethernet_capture(frame);
    let layers = walked.iter().collect::<Vec<_>>();
    let mut out = Vec::new();
    for (i, &l) in layers.iter().enumerate() {
        let quoted = walked.is_quoted(i);
        let (at, proto) = match l.kind {
            LayerKind::Ipv4 => {
                let h = &frame[l.header_range()];
                out.push(Checksum {
                    layer: i,
                    kind: l.kind,
                    at: l.start + 10,
                    stored: be16(h, 10),
                    expected: Some(compute(&[], h, 10)),
                    absent: false,
                    quoted,
                    invariant: None,
                });
                continue;
            }
            LayerKind::Gre if frame[l.start] & 0x80 != 0 => (l.start + 4, None),
            LayerKind::Icmpv4 => (l.start + 2, None),
            LayerKind::Udp => (l.start + 6, Some(17u8)),
            LayerKind::Tcp => (l.start + 16, Some(6)),
            LayerKind::Icmpv6 => (l.start + 2, Some(58)),
            LayerKind::Payload => match pseudo_protocol(frame, &layers, i) {
                Some((at, proto)) => (at, Some(proto)),
                None => continue,
            },
            _ => continue,
        };
        let ip = layers[..i].iter().rposition(|x| x.kind.is_ip());
        let ip_layer = ip.map(|k| layers[k]);
        let (l, quote_cut) = in_quote(frame, l, ip_layer.filter(|_| quoted));
        if at + 2 > l.end {
            // A quote holds the checksum field only sometimes (8 bytes of
            // TCP do not).
            continue;
        }
        let stored = be16(frame, at);
        // Every byte covered must be captured: no truncated layer between
        // the IP header and this one (the UDP length bounds UDP itself).
        let from = if l.kind == LayerKind::Udp {
            i
        } else {
            ip.unwrap_or(i)
        };
        let cut = layers[from..=i].iter().any(|x| x.truncated) || quote_cut;
        let frag = ip.is_some_and(|k| fragmented(frame, &layers, k, i));
        let region = &frame[l.range()];
        let absent = l.kind == LayerKind::Udp
            && stored == 0
            && ip_layer.is_some_and(|x| x.kind == LayerKind::Ipv4);
        let addresses = pseudo_addresses(frame, &layers, i, proto.is_some(), ip);
        // What the checksum covers of what was captured.
        let covered = covered_len(l.kind, proto, region).max(at - l.start + 2);
        // A UDP checksum of 0 stays 0 through a rewrite: "none" over IPv4,
        // and over IPv6 the zero-checksum mode of RFC 6936 tunnels.
        let zero_udp = l.kind == LayerKind::Udp && stored == 0;
        let invariant = if (cut || frag) && !absent && !zero_udp {
            addresses
                .as_ref()
                .map(|a| ones_sum(&[a, &region[..covered.min(region.len())]]))
        } else {
            None
        };
        let mut expected = None;
        if !cut && !frag {
            let pseudo = match (proto, ip_layer, &addresses) {
                (None, _, _) => Some(Vec::new()),
                // Beyond 64 KiB (segmentation-offload captures with a total
                // length of 0) no IPv4 pseudo-header can state the length:
                // such a checksum cannot be checked.
                (Some(p), Some(ipx), Some(a)) if ipx.kind == LayerKind::Ipv4 => {
                    u16::try_from(region.len()).ok().map(|len| {
                        let mut v = a.clone();
                        v.extend_from_slice(&[0, p]);
                        v.extend_from_slice(&len.to_be_bytes());
                        v
                    })
                }
                (Some(p), Some(_), Some(a)) => {
                    let len = u32::try_from(region.len()).expect("below 4 GiB");
                    let mut v = a.clone();
                    v.extend_from_slice(&len.to_be_bytes());
                    v.extend_from_slice(&[0, 0, 0, p]);
                    Some(v)
                }
                _ => None,
            };
            let region = &region[..covered];
            expected = pseudo.map(|p| {
                let c = compute(&p, region, at - l.start);
                if (l.kind == LayerKind::Udp || proto == Some(136)) && c == 0 {
                    0xFFFF
                } else {
                    c
                }
            });
        }
        out.push(Checksum {
            layer: i,
            kind: l.kind,
            at,
            stored,
            expected,
            absent,
            quoted,
            invariant,
        });
    }
    out
}
