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

/// Every checksum field of `frame`, outermost first.
pub fn checksums(frame: &[u8]) -> Vec<Checksum> {
    let walked = Layers::from_ethernet_capture(frame);
    let layers = walked.iter().collect::<Vec<_>>();
    let mut out = Vec::new();
    for (i, l) in layers.iter().enumerate() {
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
                });
                continue;
            }
            LayerKind::Gre if frame[l.start] & 0x80 != 0 => (l.start + 4, None),
            LayerKind::Icmpv4 => (l.start + 2, None),
            LayerKind::Udp => (l.start + 6, Some(17u8)),
            LayerKind::Tcp => (l.start + 16, Some(6)),
            LayerKind::Icmpv6 => (l.start + 2, Some(58)),
            _ => continue,
        };
        let stored = be16(frame, at);
        let ip = layers[..i].iter().rposition(|x| x.kind.is_ip());
        let ip_layer = ip.map(|k| layers[k]);
        // Every byte covered must be captured: no truncated layer between
        // the IP header and this one (the UDP length bounds UDP itself).
        let from = if l.kind == LayerKind::Udp {
            i
        } else {
            ip.unwrap_or(i)
        };
        let cut = layers[from..=i].iter().any(|x| x.truncated);
        let frag = ip.is_some_and(|k| fragmented(frame, &layers, k, i));
        let region = &frame[l.range()];
        let absent = l.kind == LayerKind::Udp
            && stored == 0
            && ip_layer.is_some_and(|x| x.kind == LayerKind::Ipv4);
        let mut expected = None;
        if !cut && !frag {
            let pseudo = match (proto, ip_layer) {
                (None, _) => Some(Vec::new()),
                // Beyond 64 KiB (segmentation-offload captures with a total
                // length of 0) no IPv4 pseudo-header can state the length:
                // such a checksum cannot be checked.
                (Some(p), Some(x)) if x.kind == LayerKind::Ipv4 => {
                    u16::try_from(region.len()).ok().map(|len| {
                        let mut v = frame[x.start + 12..x.start + 20].to_vec();
                        v.extend_from_slice(&[0, p]);
                        v.extend_from_slice(&len.to_be_bytes());
                        v
                    })
                }
                (Some(p), Some(x)) => {
                    ipv6_final_dst(frame, &layers, ip.unwrap_or(0), i).map(|dst| {
                        let len = u32::try_from(region.len()).expect("below 4 GiB");
                        let mut v = frame[x.start + 8..x.start + 24].to_vec();
                        v.extend_from_slice(&dst);
                        v.extend_from_slice(&len.to_be_bytes());
                        v.extend_from_slice(&[0, 0, 0, p]);
                        v
                    })
                }
                (Some(_), None) => None,
            };
            expected = pseudo.map(|p| {
                let c = compute(&p, region, at - l.start);
                if l.kind == LayerKind::Udp && c == 0 {
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
        });
    }
    out
}
