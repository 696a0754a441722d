//! A zero-copy, allocation-free dissector that walks a frame layer by layer.
//!
//! [`Walker::ethernet`] (or [`Walker::ip`] for a bare IPv4/IPv6 packet)
//! finds every header the crate knows, outermost first, and records each as
//! a [`Layer`]: its [`LayerKind`] and where it lies in the buffer. It goes
//! through any number of 802.1Q/802.1ad tags, MACsec (into the inner
//! EtherType when the SecTAG says the data is not encrypted; an encrypted
//! frame stops there), IPv4 and IPv6 with their extension headers,
//! IPIP/SIT/IPv6-in-IPv6/IPv4-in-IPv6 tunnels, GRE (IPv4, IPv6 and
//! transparent Ethernet bridging) and VXLAN (UDP port 4789 and any ports
//! the caller adds), down to the innermost transport header. Bytes it does
//! not dissect end the walk as one [`LayerKind::Payload`] layer.
//!
//! The result, [`Layers`], is a fixed-capacity array of at most
//! [`MAX_LAYERS`] entries: crafted input that nests deeper (tunnels inside
//! tunnels) ends the walk with [`Error::TooDeep`], so no input can make it
//! loop or grow without bound. Malformed input ends the walk with the error
//! and the layer it happened in ([`Layers::error`]); everything parsed
//! before stays available.
//!
//! A [`Layers`] holds offsets, not borrows, so after a walk the caller can
//! take a mutable, typed view of any layer (say, the innermost IPv4 header of
//! a VXLAN packet) with [`Layers::view_mut`], which checks that one header
//! again and nothing else.
//!
//! ```
//! use wireview::walk::{LayerKind, Layers, Which};
//! use wireview::Ipv4Mut;
//!
//! // Ethernet / IPv4 / UDP, checksums filled in.
//! let mut frame = [
//!     0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00, // Ethernet
//!     0x45, 0, 0, 30, 0, 0, 0x40, 0, 64, 17, 0x26, 0xcd, 10, 0, 0, 1, 10, 0, 0, 2, // IPv4
//!     0x30, 0x39, 0x00, 0x35, 0x00, 0x0a, 0x53, 0x00, b'h', b'i', // UDP
//! ];
//! let layers = Layers::from_ethernet(&frame);
//! let kinds: Vec<_> = layers.iter().map(|l| l.kind).collect();
//! assert_eq!(kinds, [LayerKind::Ethernet, LayerKind::Ipv4, LayerKind::Udp, LayerKind::Payload]);
//! assert!(layers.error().is_none());
//!
//! let i = layers.find(LayerKind::Ipv4, Which::Innermost).unwrap();
//! let mut ip: Ipv4Mut<'_> = layers.view_mut(&mut frame, i)?;
//! ip.set_ttl(63);
//! assert!(ip.verify_checksum());
//! # Ok::<(), wireview::Error>(())
//! ```

use core::ops::Range;

use crate::arp::Arp;
use crate::error::{Error, Layer as ErrorLayer};
use crate::ethernet::{self, EtherType, Ethernet};
use crate::gre::Gre;
use crate::icmpv4::Icmpv4;
use crate::icmpv6::Icmpv6;
use crate::ip::IpProtocol;
use crate::ipv4::Ipv4;
use crate::ipv6::{self, Ipv6};
use crate::ipv6_ext::{ExtHeaders, Ipv6ExtKind, Ipv6Fragment};
use crate::macsec::Macsec;
use crate::tcp::Tcp;
use crate::udp::{self, Udp};
use crate::vlan::{self, VlanTag};
use crate::vxlan::{self, Vxlan};

/// The most layers one walk records, the [`LayerKind::Payload`] layer
/// included. Real traffic needs far fewer (a VXLAN packet with QinQ on both
/// sides and a full IPv6 extension chain has about 20); a walk that would go
/// deeper ends with [`Error::TooDeep`].
pub const MAX_LAYERS: usize = 32;

/// Most extra VXLAN ports a [`Walker`] accepts besides 4789.
pub const MAX_EXTRA_VXLAN_PORTS: usize = 7;

/// What a [`Layer`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LayerKind {
    /// Ethernet II header ([`Ethernet`]).
    Ethernet,
    /// An 802.1Q or 802.1ad tag ([`VlanTag`]): the four bytes after the TPID,
    /// which is the previous layer's EtherType.
    Vlan,
    /// ARP packet ([`Arp`]).
    Arp,
    /// IPv4 header ([`Ipv4`]).
    Ipv4,
    /// IPv6 fixed header ([`Ipv6`]).
    Ipv6,
    /// An IPv6 extension header.
    Ipv6Ext(Ipv6ExtKind),
    /// UDP header ([`Udp`]).
    Udp,
    /// TCP header ([`Tcp`]).
    Tcp,
    /// ICMPv4 message ([`Icmpv4`]).
    Icmpv4,
    /// ICMPv6 message ([`Icmpv6`]).
    Icmpv6,
    /// VXLAN header ([`Vxlan`]).
    Vxlan,
    /// GRE header ([`Gre`]).
    Gre,
    /// MACsec SecTAG ([`Macsec`]).
    Macsec,
    /// Bytes the walk did not dissect.
    Payload,
}

impl LayerKind {
    /// The layer's name as the `dissect` example prints it (`"ethernet"`,
    /// `"ipv6_ext"`, `"payload"`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            LayerKind::Ethernet => "ethernet",
            LayerKind::Vlan => "vlan",
            LayerKind::Arp => "arp",
            LayerKind::Ipv4 => "ipv4",
            LayerKind::Ipv6 => "ipv6",
            LayerKind::Ipv6Ext(_) => "ipv6_ext",
            LayerKind::Udp => "udp",
            LayerKind::Tcp => "tcp",
            LayerKind::Icmpv4 => "icmpv4",
            LayerKind::Icmpv6 => "icmpv6",
            LayerKind::Vxlan => "vxlan",
            LayerKind::Gre => "gre",
            LayerKind::Macsec => "macsec",
            LayerKind::Payload => "payload",
        }
    }

    /// Whether this is an IPv4 or IPv6 header.
    pub const fn is_ip(self) -> bool {
        matches!(self, LayerKind::Ipv4 | LayerKind::Ipv6)
    }
}

/// One header found by a walk, by offsets into the walked buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Layer {
    /// What the header is.
    pub kind: LayerKind,
    /// Offset of the header's first byte.
    pub start: usize,
    /// Length of the header, in octets (options and extensions included).
    pub header_len: usize,
    /// End of what the layer covers in the buffer: its own length field's
    /// end (IPv4 total length, IPv6 payload length, UDP length) or the end
    /// of the enclosing layer's payload, whichever comes first.
    pub end: usize,
    /// Whether the layer's length field reaches past the captured bytes.
    pub truncated: bool,
}

impl Layer {
    const EMPTY: Layer = Layer {
        kind: LayerKind::Payload,
        start: 0,
        header_len: 0,
        end: 0,
        truncated: false,
    };

    /// The header's bytes: `start..start + header_len`.
    pub const fn header_range(&self) -> Range<usize> {
        self.start..self.start + self.header_len
    }

    /// The header and what it covers: `start..end`.
    pub const fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// The payload after the header: `start + header_len..end`.
    pub const fn payload_range(&self) -> Range<usize> {
        self.start + self.header_len..self.end
    }
}

/// Which of several layers of a kind [`Layers::find`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Which {
    /// The first one from the start of the frame.
    Outermost,
    /// The last one.
    Innermost,
}

/// A typed view that can be taken of a walked layer with
/// [`Layers::view`]/[`Layers::view_mut`]: each view type knows which
/// [`LayerKind`]s it reads and checks its own header again.
pub trait LayerView<B>: Sized {
    /// Whether a layer of `kind` can be viewed as `Self`.
    fn accepts(kind: LayerKind) -> bool;
    /// Makes the view over the layer's bytes (`start..end`).
    ///
    /// # Errors
    /// As the view's own checked constructor.
    fn from_layer(bytes: B) -> Result<Self, Error>;
}

/// The result of a walk: the layers found, outermost first, and the error
/// that ended it, if any.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Layers {
    found: [Layer; MAX_LAYERS],
    count: usize,
    error: Option<Error>,
}

impl Layers {
    /// Walks an Ethernet frame with the default [`Walker`].
    pub fn from_ethernet(frame: &[u8]) -> Layers {
        Walker::new().ethernet(frame)
    }

    /// Walks a bare IPv4 or IPv6 packet with the default [`Walker`].
    pub fn from_ip(packet: &[u8]) -> Layers {
        Walker::new().ip(packet)
    }

    const fn empty() -> Layers {
        Layers {
            found: [Layer::EMPTY; MAX_LAYERS],
            count: 0,
            error: None,
        }
    }

    /// The layers, outermost first.
    pub fn as_slice(&self) -> &[Layer] {
        &self.found[..self.count]
    }

    /// Iterates over the layers, outermost first.
    pub fn iter(&self) -> core::slice::Iter<'_, Layer> {
        self.as_slice().iter()
    }

    /// Number of layers found.
    pub const fn len(&self) -> usize {
        self.count
    }

    /// Whether no layer was found (the frame's first header was malformed).
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Layer `i`, outermost first.
    pub fn get(&self, i: usize) -> Option<&Layer> {
        self.as_slice().get(i)
    }

    /// The error that ended the walk early, if one did. Its
    /// [`Error::layer`] names the layer that was malformed.
    pub const fn error(&self) -> Option<Error> {
        self.error
    }

    /// The index of the outermost or innermost layer of `kind`.
    pub fn find(&self, kind: LayerKind, which: Which) -> Option<usize> {
        self.find_by(|k| k == kind, which)
    }

    /// The index of the outermost or innermost layer whose kind satisfies `pred`.
    pub fn find_by(&self, pred: impl Fn(LayerKind) -> bool, which: Which) -> Option<usize> {
        let mut it = self
            .iter()
            .enumerate()
            .filter(|(_, l)| pred(l.kind))
            .map(|(i, _)| i);
        match which {
            Which::Outermost => it.next(),
            Which::Innermost => it.last(),
        }
    }

    /// The IP layer (IPv4 or IPv6) whose payload layer `i` is in: the
    /// nearest IP layer before it.
    pub fn enclosing_ip(&self, i: usize) -> Option<usize> {
        self.as_slice()
            .get(..i)?
            .iter()
            .rposition(|l| l.kind.is_ip())
    }

    /// A read-only typed view of layer `i` of `buf` (the buffer that was
    /// walked), e.g. `let udp: UdpRef = layers.view(&frame, 3)?`.
    ///
    /// # Errors
    /// [`Error::BadValue`] when `i` is out of range or the layer is not of a
    /// kind `V` reads; otherwise as `V`'s checked constructor.
    pub fn view<'a, V: LayerView<&'a [u8]>>(&self, buf: &'a [u8], i: usize) -> Result<V, Error> {
        let range = self.checked_range::<V, _>(i, buf.len())?;
        V::from_layer(&buf[range])
    }

    /// A mutable typed view of layer `i` of `buf` (the buffer that was
    /// walked). Only that layer's header is checked again.
    ///
    /// # Errors
    /// As [`view`](Self::view).
    pub fn view_mut<'a, V: LayerView<&'a mut [u8]>>(
        &self,
        buf: &'a mut [u8],
        i: usize,
    ) -> Result<V, Error> {
        let range = self.checked_range::<V, _>(i, buf.len())?;
        V::from_layer(&mut buf[range])
    }

    fn checked_range<V: LayerView<B>, B>(
        &self,
        i: usize,
        len: usize,
    ) -> Result<Range<usize>, Error> {
        let bad = Error::BadValue {
            layer: ErrorLayer::Ethernet,
            field: "layer index",
        };
        let layer = self.get(i).ok_or(bad)?;
        if !V::accepts(layer.kind) || layer.end > len || layer.start > layer.end {
            return Err(bad);
        }
        Ok(layer.range())
    }

    #[inline]
    fn push(&mut self, layer: Layer) -> Result<(), Error> {
        if self.count == MAX_LAYERS {
            return Err(Error::TooDeep {
                layer: error_layer(layer.kind),
            });
        }
        self.found[self.count] = layer;
        self.count += 1;
        Ok(())
    }
}

impl<'a> IntoIterator for &'a Layers {
    type Item = &'a Layer;
    type IntoIter = core::slice::Iter<'a, Layer>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The [`ErrorLayer`] a walked kind reports errors as.
const fn error_layer(kind: LayerKind) -> ErrorLayer {
    match kind {
        LayerKind::Ethernet | LayerKind::Payload => ErrorLayer::Ethernet,
        LayerKind::Vlan => ErrorLayer::Vlan,
        LayerKind::Arp => ErrorLayer::Arp,
        LayerKind::Ipv4 => ErrorLayer::Ipv4,
        LayerKind::Ipv6 => ErrorLayer::Ipv6,
        LayerKind::Ipv6Ext(_) => ErrorLayer::Ipv6Ext,
        LayerKind::Udp => ErrorLayer::Udp,
        LayerKind::Tcp => ErrorLayer::Tcp,
        LayerKind::Icmpv4 => ErrorLayer::Icmpv4,
        LayerKind::Icmpv6 => ErrorLayer::Icmpv6,
        LayerKind::Vxlan => ErrorLayer::Vxlan,
        LayerKind::Gre => ErrorLayer::Gre,
        LayerKind::Macsec => ErrorLayer::Macsec,
    }
}

/// Walk settings: which UDP ports carry VXLAN.
///
/// ```
/// use wireview::walk::Walker;
/// // Also treat the Linux legacy port 8472 as VXLAN.
/// let walker = Walker::new().with_vxlan_port(8472);
/// assert!(walker.is_vxlan_port(4789) && walker.is_vxlan_port(8472));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Walker {
    extra_vxlan_ports: [u16; MAX_EXTRA_VXLAN_PORTS],
    extra_count: usize,
}

impl Default for Walker {
    fn default() -> Self {
        Walker::new()
    }
}

/// Where the walk goes next.
#[derive(Debug, Clone, Copy)]
enum Next {
    /// An Ethernet header at the offset.
    Ethernet(usize),
    /// The header an EtherType names, at the offset.
    EtherType(EtherType, usize),
    /// The header an IP protocol number names, at the offset.
    Protocol(IpProtocol, usize),
    /// Undissected bytes from the offset to the limit.
    Payload(usize),
    Done,
}

impl Walker {
    /// A walker that treats UDP destination port 4789 as VXLAN.
    pub const fn new() -> Walker {
        Walker {
            extra_vxlan_ports: [0; MAX_EXTRA_VXLAN_PORTS],
            extra_count: 0,
        }
    }

    /// Also treats UDP destination port `port` as VXLAN. Up to
    /// [`MAX_EXTRA_VXLAN_PORTS`] ports can be added; further ones are ignored.
    #[must_use]
    pub const fn with_vxlan_port(mut self, port: u16) -> Walker {
        if self.extra_count < MAX_EXTRA_VXLAN_PORTS {
            self.extra_vxlan_ports[self.extra_count] = port;
            self.extra_count += 1;
        }
        self
    }

    /// Whether UDP destination port `port` carries VXLAN for this walker.
    pub fn is_vxlan_port(&self, port: u16) -> bool {
        port == vxlan::UDP_PORT || self.extra_vxlan_ports[..self.extra_count].contains(&port)
    }

    /// Walks an Ethernet II frame.
    pub fn ethernet(&self, frame: &[u8]) -> Layers {
        self.walk(frame, Next::Ethernet(0))
    }

    /// Walks a bare IPv4 or IPv6 packet (by its version nibble).
    pub fn ip(&self, packet: &[u8]) -> Layers {
        let ethertype = match packet.first().map(|b| b >> 4) {
            Some(6) => EtherType::IPV6,
            _ => EtherType::IPV4,
        };
        self.walk(packet, Next::EtherType(ethertype, 0))
    }

    fn walk(&self, buf: &[u8], first: Next) -> Layers {
        let mut layers = Layers::empty();
        let mut next = first;
        // Each region a header can extend to: the end of the enclosing
        // layer's payload. Starts as the whole buffer.
        let mut limit = buf.len();
        loop {
            let step = self.step(buf, next, &mut limit, &mut layers);
            match step {
                Ok(Next::Done) => break,
                Ok(n) => next = n,
                Err(e) => {
                    layers.error = Some(e);
                    break;
                }
            }
        }
        layers
    }

    /// Parses the header `next` names, records it and says what follows.
    fn step(
        &self,
        buf: &[u8],
        next: Next,
        limit: &mut usize,
        layers: &mut Layers,
    ) -> Result<Next, Error> {
        match next {
            Next::Done => Ok(Next::Done),
            Next::Payload(at) => {
                if at < *limit {
                    layers.push(Layer {
                        kind: LayerKind::Payload,
                        start: at,
                        header_len: *limit - at,
                        end: *limit,
                        truncated: false,
                    })?;
                }
                Ok(Next::Done)
            }
            Next::Ethernet(at) => {
                let eth = Ethernet::new(region(buf, at, *limit, ErrorLayer::Ethernet)?)?;
                let et = eth.ethertype();
                layers.push(plain(LayerKind::Ethernet, at, ethernet::HEADER_LEN, *limit))?;
                Ok(Next::EtherType(et, at + ethernet::HEADER_LEN))
            }
            Next::EtherType(et, at) => Self::by_ethertype(buf, et, at, limit, layers),
            Next::Protocol(proto, at) => self.by_protocol(buf, proto, at, limit, layers),
        }
    }

    fn by_ethertype(
        buf: &[u8],
        et: EtherType,
        at: usize,
        limit: &mut usize,
        layers: &mut Layers,
    ) -> Result<Next, Error> {
        let bytes = region(buf, at, *limit, ErrorLayer::Ethernet)?;
        match et {
            EtherType::VLAN | EtherType::QINQ | EtherType::VLAN_DOUBLE => {
                let tag = VlanTag::new(bytes)?;
                layers.push(plain(LayerKind::Vlan, at, vlan::HEADER_LEN, *limit))?;
                Ok(Next::EtherType(tag.ethertype(), at + vlan::HEADER_LEN))
            }
            EtherType::ARP => {
                let arp = Arp::new(bytes)?;
                layers.push(plain(LayerKind::Arp, at, arp.header_len(), *limit))?;
                Ok(Next::Payload(at + arp.header_len()))
            }
            EtherType::IPV4 => {
                let ip = Ipv4::new_truncated(bytes)?;
                let end = at + ip.header_len() + ip.payload().len();
                layers.push(Layer {
                    kind: LayerKind::Ipv4,
                    start: at,
                    header_len: ip.header_len(),
                    end,
                    truncated: ip.is_truncated(),
                })?;
                *limit = end;
                let payload = at + ip.header_len();
                if ip.fragment_offset() != 0 {
                    // A later fragment: its payload is the middle of a datagram.
                    return Ok(Next::Payload(payload));
                }
                Ok(Next::Protocol(ip.protocol(), payload))
            }
            EtherType::IPV6 => {
                let ip = Ipv6::new_truncated(bytes)?;
                // The view knows where the payload ends (jumbograms included).
                let end = at + ipv6::HEADER_LEN + ip.payload().len();
                layers.push(Layer {
                    kind: LayerKind::Ipv6,
                    start: at,
                    header_len: ipv6::HEADER_LEN,
                    end,
                    truncated: ip.is_truncated(),
                })?;
                *limit = end;
                Self::ipv6_extensions(buf, ip.next_header(), at + ipv6::HEADER_LEN, *limit, layers)
            }
            EtherType::MACSEC => {
                let sectag = Macsec::new(bytes)?;
                layers.push(plain(LayerKind::Macsec, at, sectag.header_len(), *limit))?;
                match sectag.inner_ethertype() {
                    Some(inner) => {
                        // Integrity only: the inner EtherType, then its
                        // payload, then the ICV at the end.
                        *limit = at + sectag.header_len() + sectag.secure_data().len();
                        Ok(Next::EtherType(inner, at + sectag.header_len() + 2))
                    }
                    None => Ok(Next::Payload(at + sectag.header_len())),
                }
            }
            EtherType::TEB => Ok(Next::Ethernet(at)),
            _ => Ok(Next::Payload(at)),
        }
    }

    /// Records the extension headers after an IPv6 header, and says what
    /// follows them.
    fn ipv6_extensions(
        buf: &[u8],
        first: IpProtocol,
        at: usize,
        limit: usize,
        layers: &mut Layers,
    ) -> Result<Next, Error> {
        let mut exts = ExtHeaders::new(first, region(buf, at, limit, ErrorLayer::Ipv6)?);
        let mut offset = 0;
        let mut later_fragment = false;
        for ext in &mut exts {
            let ext = ext?;
            if ext.kind == Ipv6ExtKind::Fragment {
                if let Ok(frag) = Ipv6Fragment::new(ext.data) {
                    later_fragment |= frag.fragment_offset() != 0;
                }
            }
            layers.push(plain(
                LayerKind::Ipv6Ext(ext.kind),
                at + offset,
                ext.len(),
                limit,
            ))?;
            offset += ext.len();
        }
        let (proto, upper) = exts.upper_layer();
        if later_fragment {
            return Ok(Next::Payload(at + upper));
        }
        Ok(Next::Protocol(proto, at + upper))
    }

    fn by_protocol(
        &self,
        buf: &[u8],
        proto: IpProtocol,
        at: usize,
        limit: &mut usize,
        layers: &mut Layers,
    ) -> Result<Next, Error> {
        let bytes = region(buf, at, *limit, ErrorLayer::Ipv4)?;
        match proto {
            IpProtocol::UDP => {
                let udp = Udp::new_truncated(bytes)?;
                let end = at + udp::HEADER_LEN + udp.payload().len();
                // In a first fragment the UDP length counts the whole
                // datagram: that is fragmentation, not a short capture.
                let truncated = udp.is_truncated() && !in_first_fragment(buf, layers);
                layers.push(Layer {
                    kind: LayerKind::Udp,
                    start: at,
                    header_len: udp::HEADER_LEN,
                    end,
                    truncated,
                })?;
                *limit = end;
                let payload = at + udp::HEADER_LEN;
                if self.is_vxlan_port(udp.dst_port()) {
                    Vxlan::new(region(buf, payload, end, ErrorLayer::Vxlan)?)?;
                    layers.push(plain(LayerKind::Vxlan, payload, vxlan::HEADER_LEN, end))?;
                    return Ok(Next::Ethernet(payload + vxlan::HEADER_LEN));
                }
                Ok(Next::Payload(payload))
            }
            IpProtocol::TCP => {
                let tcp = Tcp::new(bytes)?;
                layers.push(plain(LayerKind::Tcp, at, tcp.header_len(), *limit))?;
                Ok(Next::Payload(at + tcp.header_len()))
            }
            IpProtocol::ICMP => {
                let icmp = Icmpv4::new(bytes)?;
                layers.push(plain(LayerKind::Icmpv4, at, icmp.header_len(), *limit))?;
                Ok(Next::Payload(at + icmp.header_len()))
            }
            IpProtocol::ICMPV6 => {
                let icmp = Icmpv6::new(bytes)?;
                layers.push(plain(LayerKind::Icmpv6, at, icmp.header_len(), *limit))?;
                Ok(Next::Payload(at + icmp.header_len()))
            }
            IpProtocol::GRE => {
                let gre = Gre::new(bytes)?;
                layers.push(plain(LayerKind::Gre, at, gre.header_len(), *limit))?;
                let inner = at + gre.header_len();
                Ok(match gre.protocol_type() {
                    et @ (EtherType::IPV4 | EtherType::IPV6) => Next::EtherType(et, inner),
                    EtherType::TEB => Next::Ethernet(inner),
                    _ => Next::Payload(inner),
                })
            }
            IpProtocol::IPV4 => Ok(Next::EtherType(EtherType::IPV4, at)),
            IpProtocol::IPV6 => Ok(Next::EtherType(EtherType::IPV6, at)),
            _ => Ok(Next::Payload(at)),
        }
    }
}

/// Whether the innermost IP datagram walked so far is a first fragment
/// (later ones are not walked past their IP header): IPv4 with MF set, or
/// IPv6 with a fragment header whose M flag is set.
fn in_first_fragment(buf: &[u8], layers: &Layers) -> bool {
    let Some(ip) = layers.enclosing_ip(layers.len()) else {
        return false;
    };
    let list = layers.as_slice();
    let flag =
        |l: &Layer, at: usize, mask: u8| buf.get(l.start + at).is_some_and(|b| b & mask != 0);
    match list[ip].kind {
        LayerKind::Ipv4 => flag(&list[ip], 6, 0x20),
        _ => list[ip + 1..]
            .iter()
            .any(|l| l.kind == LayerKind::Ipv6Ext(Ipv6ExtKind::Fragment) && flag(l, 3, 0x01)),
    }
}

/// The bytes `at..limit`. Every view this walker uses checks that its header
/// fits before the walk moves past it, so `at <= limit` always holds; the
/// check here keeps that a local fact rather than a panic.
fn region(buf: &[u8], at: usize, limit: usize, layer: ErrorLayer) -> Result<&[u8], Error> {
    buf.get(at..limit).ok_or(Error::truncated(layer, at, limit))
}

/// A layer whose extent is the rest of its enclosing region.
const fn plain(kind: LayerKind, start: usize, header_len: usize, end: usize) -> Layer {
    Layer {
        kind,
        start,
        header_len,
        end,
        truncated: false,
    }
}

// One `LayerView` per view type, generic over the buffer. Views of a layer
// whose length field reaches past the capture use the truncation-tolerant
// constructor, as the walk did.

impl<B: AsRef<[u8]>> LayerView<B> for Ethernet<B> {
    fn accepts(kind: LayerKind) -> bool {
        kind == LayerKind::Ethernet
    }
    fn from_layer(bytes: B) -> Result<Self, Error> {
        Ethernet::new(bytes)
    }
}

impl<B: AsRef<[u8]>> LayerView<B> for VlanTag<B> {
    fn accepts(kind: LayerKind) -> bool {
        kind == LayerKind::Vlan
    }
    fn from_layer(bytes: B) -> Result<Self, Error> {
        VlanTag::new(bytes)
    }
}

impl<B: AsRef<[u8]>> LayerView<B> for Arp<B> {
    fn accepts(kind: LayerKind) -> bool {
        kind == LayerKind::Arp
    }
    fn from_layer(bytes: B) -> Result<Self, Error> {
        Arp::new(bytes)
    }
}

impl<B: AsRef<[u8]>> LayerView<B> for Ipv4<B> {
    fn accepts(kind: LayerKind) -> bool {
        kind == LayerKind::Ipv4
    }
    fn from_layer(bytes: B) -> Result<Self, Error> {
        Ipv4::new_truncated(bytes)
    }
}

impl<B: AsRef<[u8]>> LayerView<B> for Ipv6<B> {
    fn accepts(kind: LayerKind) -> bool {
        kind == LayerKind::Ipv6
    }
    fn from_layer(bytes: B) -> Result<Self, Error> {
        Ipv6::new_truncated(bytes)
    }
}

impl<B: AsRef<[u8]>> LayerView<B> for Udp<B> {
    fn accepts(kind: LayerKind) -> bool {
        kind == LayerKind::Udp
    }
    fn from_layer(bytes: B) -> Result<Self, Error> {
        Udp::new_truncated(bytes)
    }
}

impl<B: AsRef<[u8]>> LayerView<B> for Tcp<B> {
    fn accepts(kind: LayerKind) -> bool {
        kind == LayerKind::Tcp
    }
    fn from_layer(bytes: B) -> Result<Self, Error> {
        Tcp::new(bytes)
    }
}

impl<B: AsRef<[u8]>> LayerView<B> for Icmpv4<B> {
    fn accepts(kind: LayerKind) -> bool {
        kind == LayerKind::Icmpv4
    }
    fn from_layer(bytes: B) -> Result<Self, Error> {
        Icmpv4::new(bytes)
    }
}

impl<B: AsRef<[u8]>> LayerView<B> for Icmpv6<B> {
    fn accepts(kind: LayerKind) -> bool {
        kind == LayerKind::Icmpv6
    }
    fn from_layer(bytes: B) -> Result<Self, Error> {
        Icmpv6::new(bytes)
    }
}

impl<B: AsRef<[u8]>> LayerView<B> for Vxlan<B> {
    fn accepts(kind: LayerKind) -> bool {
        kind == LayerKind::Vxlan
    }
    fn from_layer(bytes: B) -> Result<Self, Error> {
        Vxlan::new(bytes)
    }
}

impl<B: AsRef<[u8]>> LayerView<B> for Gre<B> {
    fn accepts(kind: LayerKind) -> bool {
        kind == LayerKind::Gre
    }
    fn from_layer(bytes: B) -> Result<Self, Error> {
        Gre::new(bytes)
    }
}

impl<B: AsRef<[u8]>> LayerView<B> for Macsec<B> {
    fn accepts(kind: LayerKind) -> bool {
        kind == LayerKind::Macsec
    }
    fn from_layer(bytes: B) -> Result<Self, Error> {
        Macsec::new(bytes)
    }
}
