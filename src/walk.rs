//! A zero-copy, allocation-free dissector that walks a frame layer by layer.
//!
//! [`Walker::ethernet`] (or [`Walker::ip`] for a bare IPv4/IPv6 packet)
//! finds every header the crate knows, outermost first, and records each as
//! a [`Layer`]: its [`LayerKind`] and where it lies in the buffer. It goes
//! through any number of 802.1Q/802.1ad tags, MACsec (into the inner
//! EtherType when the SecTAG says the data is not encrypted; an encrypted
//! frame stops there), PPPoE sessions (IPv4 and IPv6 by PPP protocol), MPLS
//! label stacks (EtherType 0x8847/0x8848, GRE protocol 0x8847, IP protocol
//! 137, UDP port 6635; IPv4 or IPv6 by the first nibble after the bottom
//! entry), IPv4 and IPv6 with their extension headers,
//! IPIP/SIT/IPv6-in-IPv6/IPv4-in-IPv6 tunnels, GRE (IPv4, IPv6, MPLS and
//! transparent Ethernet bridging), VXLAN (UDP port 4789), Geneve (6081:
//! Ethernet, IPv4 or IPv6 by protocol type) and GTP-U (2152: a G-PDU's
//! IPv4 or IPv6 T-PDU), with any UDP ports the caller adds
//! ([`Walker::with_udp_port`]), down to the innermost transport header.
//! Bytes it does not dissect end the walk as one [`LayerKind::Payload`]
//! layer.
//!
//! [`Walker::new`] walks strictly, as a data plane must; [`Walker::capture`]
//! reads captures (snap-length cuts, offload artefacts). A later fragment
//! (IPv4 offset, or an IPv6 fragment header's offset, not 0) ends the walk
//! after its header, and a VXLAN header without its I flag ends it with an
//! error (RFC 7348).
//!
//! The result, [`Layers`], is a fixed-capacity array of at most
//! [`MAX_LAYERS`] entries: crafted input that nests deeper (tunnels inside
//! tunnels) ends the walk with [`Error::TooDeep`], so no input can make it
//! loop or grow without bound. Malformed input ends the walk with the error
//! and the layer it happened in ([`Layers::error`]); everything parsed
//! before stays available.
//!
//! # Cost
//! The shapes most traffic has (Ethernet, up to two VLAN tags, IPv4
//! without options that is no fragment or IPv6 without extension headers,
//! TCP or UDP, and the same again inside one VXLAN header) are read in
//! straight-line code: about 160 instructions for Ethernet/IPv4/TCP into a
//! reused [`Layers`] ([`Walker::ethernet_into`]), 365 for the eight
//! headers of a VXLAN-encapsulated TCP packet. Everything else goes
//! through the general state machine. Both record exactly the same layers (tests hold them to
//! it on every frame of the tcpdump corpus and on generated frames), so
//! the fast path is invisible but in time.
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
use crate::geneve::{self, Geneve};
use crate::gre::Gre;
use crate::gtpu::{self, Gtpu, GtpuMessageType};
use crate::icmpv4::Icmpv4;
use crate::icmpv6::Icmpv6;
use crate::ip::IpProtocol;
use crate::ipv4::{self, Ipv4};
use crate::ipv6::{self, Ipv6};
use crate::ipv6_ext::{ExtHeaders, Ipv6ExtKind, Ipv6Fragment, Ipv6Option};
use crate::macsec::Macsec;
use crate::mpls::{self, Mpls};
use crate::pppoe::{self, PppProtocol, Pppoe, PppoeDiscovery};
use crate::tcp::{self, Tcp};
use crate::udp::{self, Udp};
use crate::vlan::{self, VlanTag};
use crate::vxlan::{self, Vxlan};

/// The most layers one walk records, the [`LayerKind::Payload`] layer
/// included. Real traffic needs far fewer (a VXLAN packet with QinQ on both
/// sides and a full IPv6 extension chain has about 20); a walk that would go
/// deeper ends with [`Error::TooDeep`].
pub const MAX_LAYERS: usize = 32;

/// Most extra UDP ports a [`Walker`] accepts besides the well-known ones
/// (VXLAN 4789, Geneve 6081, GTP-U 2152, MPLS 6635).
pub const MAX_EXTRA_UDP_PORTS: usize = 7;

/// The former name of [`MAX_EXTRA_UDP_PORTS`].
pub const MAX_EXTRA_VXLAN_PORTS: usize = MAX_EXTRA_UDP_PORTS;

/// A tunnel that UDP carries to a destination port, for [`Walker::with_udp_port`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UdpTunnel {
    /// VXLAN ([RFC 7348](https://www.rfc-editor.org/rfc/rfc7348)), well-known port 4789.
    Vxlan,
    /// Geneve ([RFC 8926](https://www.rfc-editor.org/rfc/rfc8926)), well-known port 6081.
    Geneve,
    /// GTP-U (3GPP TS 29.281), well-known port 2152.
    Gtpu,
    /// MPLS over UDP ([RFC 7510](https://www.rfc-editor.org/rfc/rfc7510)), well-known port 6635.
    Mpls,
}

impl UdpTunnel {
    /// The tunnel a well-known UDP destination port carries.
    pub const fn of_port(port: u16) -> Option<UdpTunnel> {
        match port {
            vxlan::UDP_PORT => Some(UdpTunnel::Vxlan),
            geneve::UDP_PORT => Some(UdpTunnel::Geneve),
            gtpu::UDP_PORT => Some(UdpTunnel::Gtpu),
            mpls::UDP_PORT => Some(UdpTunnel::Mpls),
            _ => None,
        }
    }
}

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
    /// Geneve header with its options ([`Geneve`]).
    Geneve,
    /// One MPLS label stack entry ([`Mpls`]): a stack is one layer per
    /// entry, the last with the bottom-of-stack bit.
    Mpls,
    /// GTP-U header with its optional fields and extension headers ([`Gtpu`]).
    Gtpu,
    /// PPPoE session-stage header with the PPP protocol field ([`Pppoe`]).
    Pppoe,
    /// PPPoE discovery-stage header ([`PppoeDiscovery`]); its tags follow
    /// as payload.
    PppoeDiscovery,
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
            LayerKind::Geneve => "geneve",
            LayerKind::Mpls => "mpls",
            LayerKind::Gtpu => "gtpu",
            LayerKind::Pppoe | LayerKind::PppoeDiscovery => "pppoe",
            LayerKind::Payload => "payload",
        }
    }

    /// Whether this is an IPv4 or IPv6 header.
    #[inline]
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
    /// The header's bytes: `start..start + header_len`.
    #[inline]
    pub const fn header_range(&self) -> Range<usize> {
        self.start..self.start.saturating_add(self.header_len)
    }

    /// The header and what it covers: `start..end`.
    #[inline]
    pub const fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// The payload after the header: `start + header_len..end`.
    #[inline]
    pub const fn payload_range(&self) -> Range<usize> {
        self.start.saturating_add(self.header_len)..self.end
    }
}

/// A [`Layer`] as a walk stores it: 16 bytes instead of 32, so that a
/// whole [`Layers`] is a few cache lines and cheap to set up. Offsets fit
/// 32 bits because a walk never looks past the first 4 GiB of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Slot {
    start: u32,
    header_len: u32,
    end: u32,
    kind: LayerKind,
    truncated: bool,
    /// [`PARTIAL`], [`GRE_CSUM`]: what the walk learnt that the layer's
    /// header no longer has to tell (it may have been rewritten since).
    flags: u8,
}

/// Slot flag: the IP datagram this layer is in (or is) does not lie whole
/// in the buffer: a fragment, or cut short by the capture.
pub(crate) const PARTIAL: u8 = 0x01;
/// Slot flag: the walked GRE header had its checksum field (C bit set).
pub(crate) const GRE_CSUM: u8 = 0x02;
/// Slot flag: the layer lies in the datagram an ICMP error quotes.
pub(crate) const QUOTED: u8 = 0x04;

impl Slot {
    const EMPTY: Slot = Slot {
        start: 0,
        header_len: 0,
        end: 0,
        kind: LayerKind::Payload,
        truncated: false,
        flags: 0,
    };

    #[inline]
    const fn layer(self) -> Layer {
        Layer {
            kind: self.kind,
            start: self.start as usize,
            header_len: self.header_len as usize,
            end: self.end as usize,
            truncated: self.truncated,
        }
    }
}

/// The longest buffer a walk looks at: offsets are stored in 32 bits.
const MAX_WALK_LEN: usize = u32::MAX as usize;

/// Iterator over the layers of a walk, outermost first, by value.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    slots: core::slice::Iter<'a, Slot>,
}

impl Iterator for Iter<'_> {
    type Item = Layer;

    #[inline]
    fn next(&mut self) -> Option<Layer> {
        self.slots.next().map(|s| s.layer())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.slots.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Layer> {
        self.slots.next_back().map(|s| s.layer())
    }
}

impl ExactSizeIterator for Iter<'_> {}

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
///
/// A `Layers` is 576 bytes on a 64-bit target (a fixed array of
/// [`MAX_LAYERS`] 16-byte slots, a count and the error). [`Layers::new`] initialises it once; a walk into
/// it ([`Walker::ethernet_into`]) writes only the slots it fills, so one
/// `Layers` reused packet after packet costs nothing per packet but the
/// walk. Two `Layers` compare and hash by the layers found and the error,
/// never by slots a longer earlier walk left behind.
#[derive(Debug, Clone)]
pub struct Layers {
    found: [Slot; MAX_LAYERS],
    count: usize,
    error: Option<Error>,
    cut: bool,
}

impl PartialEq for Layers {
    fn eq(&self, other: &Layers) -> bool {
        self.slots() == other.slots() && self.error == other.error && self.cut == other.cut
    }
}

impl Eq for Layers {}

impl core::hash::Hash for Layers {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.slots().hash(state);
        self.error.hash(state);
        self.cut.hash(state);
    }
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

    /// Walks a captured Ethernet frame with the lax [`Walker::capture`]:
    /// snap-length cuts and offload artefacts are read, not refused.
    pub fn from_ethernet_capture(frame: &[u8]) -> Layers {
        Walker::capture().ethernet(frame)
    }

    /// Walks a captured bare IPv4 or IPv6 packet with [`Walker::capture`].
    pub fn from_ip_capture(packet: &[u8]) -> Layers {
        Walker::capture().ip(packet)
    }

    /// An empty result, to be filled by [`Walker::ethernet_into`] or
    /// [`Walker::ip_into`] again and again (one per packet, in a data
    /// plane), which costs neither initialisation nor a copy per packet.
    pub const fn new() -> Layers {
        Layers {
            found: [Slot::EMPTY; MAX_LAYERS],
            count: 0,
            error: None,
            cut: false,
        }
    }

    #[inline]
    fn slots(&self) -> &[Slot] {
        &self.found[..self.count]
    }

    /// Iterates over the layers, outermost first.
    #[inline]
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            slots: self.slots().iter(),
        }
    }

    /// Number of layers found.
    #[inline]
    pub const fn len(&self) -> usize {
        self.count
    }

    /// Whether no layer was found (the frame's first header was malformed).
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Layer `i`, outermost first.
    #[inline]
    pub fn get(&self, i: usize) -> Option<Layer> {
        self.slots().get(i).map(|s| s.layer())
    }

    /// The last layer found.
    #[inline]
    pub fn last(&self) -> Option<Layer> {
        self.slots().last().map(|s| s.layer())
    }

    /// The error that ended the walk early, if one did. Its
    /// [`Error::layer`] names the layer that was malformed.
    #[inline]
    pub const fn error(&self) -> Option<Error> {
        self.error
    }

    /// Whether the walk's [`error`](Self::error) is only the end of a
    /// capture that cut the packet short (a [`Walker::capture`] walk that
    /// ran out of captured bytes inside an IP datagram whose length goes
    /// on): the layers found are whole and can still be rewritten. Always
    /// false for a strict walk.
    #[inline]
    pub const fn is_cut_short(&self) -> bool {
        self.cut
    }

    /// The index of the outermost or innermost layer of `kind`, outside
    /// any datagram quoted in an ICMP error ([`is_quoted`](Self::is_quoted)):
    /// "the innermost TCP header" of an ICMP error is not the one it quotes.
    #[inline]
    pub fn find(&self, kind: LayerKind, which: Which) -> Option<usize> {
        self.find_by(|k| k == kind, which)
    }

    /// The index of the outermost or innermost layer whose kind satisfies
    /// `pred`, outside quoted datagrams (see [`find`](Self::find)).
    pub fn find_by(&self, pred: impl Fn(LayerKind) -> bool, which: Which) -> Option<usize> {
        self.find_where(|i, k| pred(k) && !self.is_quoted(i), which)
    }

    /// The index of the outermost or innermost layer of `kind` inside the
    /// datagram an ICMP or ICMPv6 error quotes: what a NAT translates in
    /// the errors that come back ([RFC 5508 section 4.2]).
    ///
    /// [RFC 5508 section 4.2]: https://www.rfc-editor.org/rfc/rfc5508#section-4.2
    pub fn find_quoted(&self, kind: LayerKind, which: Which) -> Option<usize> {
        self.find_quoted_by(|k| k == kind, which)
    }

    /// [`find_quoted`](Self::find_quoted) by a predicate on the kind.
    pub fn find_quoted_by(&self, pred: impl Fn(LayerKind) -> bool, which: Which) -> Option<usize> {
        self.find_where(|i, k| pred(k) && self.is_quoted(i), which)
    }

    fn find_where(&self, pred: impl Fn(usize, LayerKind) -> bool, which: Which) -> Option<usize> {
        let mut it = self
            .iter()
            .enumerate()
            .filter(|(i, l)| pred(*i, l.kind))
            .map(|(i, _)| i);
        match which {
            Which::Outermost => it.next(),
            Which::Innermost => it.last(),
        }
    }

    /// Whether layer `i` lies in the datagram an ICMP or ICMPv6 error
    /// quotes (after the error's own header). A quote is cut short by
    /// design (RFC 792: the IP header and 8 bytes; RFC 4443: as much as
    /// fits in 1280), so its layers are read laxly: their lengths may run
    /// past the quote, and a quoted TCP header may be only the 8 bytes
    /// that hold the ports and sequence number.
    #[inline]
    pub fn is_quoted(&self, i: usize) -> bool {
        self.flags(i) & QUOTED != 0
    }

    /// The IP layer (IPv4 or IPv6) whose payload layer `i` is in: the
    /// nearest IP layer before it.
    #[inline]
    pub fn enclosing_ip(&self, i: usize) -> Option<usize> {
        self.slots().get(..i)?.iter().rposition(|l| l.kind.is_ip())
    }

    /// A read-only typed view of layer `i` of `buf` (the buffer that was
    /// walked), e.g. `let udp: UdpRef = layers.view(&frame, 3)?`.
    ///
    /// # Errors
    /// [`Error::NoSuchLayer`] when `i` is out of range or the layer is not
    /// of a kind `V` reads, [`Error::OutOfRange`] when the layer does not
    /// lie in `buf` (layers of another buffer); otherwise as `V`'s checked
    /// constructor.
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
        let layer = self.get(i).ok_or(Error::NoSuchLayer {
            index: i,
            expected: "a layer of the view's kind",
            found: None,
        })?;
        if !V::accepts(layer.kind) {
            return Err(Error::NoSuchLayer {
                index: i,
                expected: "a layer of the view's kind",
                found: Some(layer.kind.name()),
            });
        }
        if layer.end > len || layer.start > layer.end {
            return Err(Error::OutOfRange {
                start: layer.start,
                end: layer.end,
                len,
            });
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
        // `walk` keeps every offset below MAX_WALK_LEN, so these casts are exact.
        self.found[self.count] = Slot {
            start: layer.start as u32,
            header_len: layer.header_len as u32,
            end: layer.end as u32,
            kind: layer.kind,
            truncated: layer.truncated,
            flags: 0,
        };
        self.count += 1;
        Ok(())
    }

    /// Sets the flags of the layer pushed last.
    #[inline]
    fn set_flags(&mut self, flags: u8) {
        if let Some(s) = self
            .count
            .checked_sub(1)
            .and_then(|i| self.found.get_mut(i))
        {
            s.flags = flags;
        }
    }

    /// The kind of layer `i`, without the rest of it.
    #[inline]
    pub(crate) fn kind(&self, i: usize) -> Option<LayerKind> {
        self.slots().get(i).map(|s| s.kind)
    }

    /// Whether the first and last layers end within `len` bytes (and
    /// start before they end): a walk's layers nest inside the first one
    /// and the last one ends after its header, so this tells layers of a
    /// shorter buffer in O(1).
    #[inline]
    pub(crate) fn ends_within(&self, len: usize) -> bool {
        let fits = |s: &Slot| {
            let end = s.end.max(s.start.saturating_add(s.header_len)) as usize;
            end <= len && s.start as usize <= end
        };
        self.slots().first().map_or(true, fits) && self.slots().last().map_or(true, fits)
    }

    /// The flags the walk recorded for layer `i` (0 when out of range).
    #[inline]
    pub(crate) fn flags(&self, i: usize) -> u8 {
        self.slots().get(i).map_or(0, |s| s.flags)
    }
}

impl Default for Layers {
    fn default() -> Self {
        Layers::new()
    }
}

impl<'a> IntoIterator for &'a Layers {
    type Item = Layer;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The [`ErrorLayer`] a walked kind reports errors as.
pub(crate) const fn error_layer(kind: LayerKind) -> ErrorLayer {
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
        LayerKind::Geneve => ErrorLayer::Geneve,
        LayerKind::Mpls => ErrorLayer::Mpls,
        LayerKind::Gtpu => ErrorLayer::Gtpu,
        LayerKind::Pppoe | LayerKind::PppoeDiscovery => ErrorLayer::Pppoe,
    }
}

/// Walk settings: strict (for a data plane) or lax (for reading captures),
/// and which UDP ports carry VXLAN.
///
/// [`Walker::new`] is **strict**: it refuses what the per-header checked
/// constructors refuse, as a router must. An IPv4 total length of 0 or
/// beyond the buffer, an IPv6 payload length beyond the buffer (0 only in
/// a jumbogram whose Jumbo Payload option fits the buffer), a UDP length of
/// 0 outside an IPv6 jumbogram ([RFC 2675]) or beyond the IP payload: each
/// ends the walk with the error of that layer.
///
/// [`Walker::capture`] is **lax** where captures need it and nowhere else:
/// a datagram cut short by the capture's snap length is walked as far as
/// it was captured (its layers are marked [`truncated`](Layer::truncated)),
/// and an IPv4 total length of 0 (what TSO and Linux BIG TCP leave in
/// captures of datagrams beyond 64 KiB) is read as "the rest of the
/// buffer". Malformed headers are errors in both.
///
/// ```
/// use wireview::walk::Walker;
/// // Also treat the Linux legacy port 8472 as VXLAN.
/// let walker = Walker::new().with_vxlan_port(8472);
/// assert!(walker.is_vxlan_port(4789) && walker.is_vxlan_port(8472));
///
/// // IPv4 total length 0: refused by the data-plane walk, read by the capture walk.
/// let mut frame = [0u8; 54];
/// frame[12..14].copy_from_slice(&[0x08, 0x00]);
/// frame[14] = 0x45;
/// frame[14 + 9] = 6; // TCP
/// frame[34 + 12] = 0x50; // data offset 5
/// assert!(Walker::new().ethernet(&frame).error().is_some());
/// assert!(Walker::capture().ethernet(&frame).error().is_none());
/// ```
///
/// [RFC 2675]: https://www.rfc-editor.org/rfc/rfc2675
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Walker {
    extra_ports: [(u16, UdpTunnel); MAX_EXTRA_UDP_PORTS],
    extra_count: usize,
    capture: bool,
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
    /// An MPLS label stack at the offset.
    Mpls(usize),
    /// IPv4 or IPv6 by the first nibble at the offset (anything else:
    /// payload), as after an MPLS stack or in a GTP-U G-PDU.
    IpByVersion(usize),
    /// Undissected bytes from the offset to the limit.
    Payload(usize),
    Done,
}

/// What the walk knows of the region it is in.
#[derive(Debug, Clone, Copy)]
#[allow(clippy::struct_excessive_bools)] // one flag per rule of the walk, read where each applies
struct State {
    /// End of the enclosing layer's payload in the buffer.
    limit: usize,
    /// Where the enclosing IP datagram ends by its own length field: past
    /// `limit` when a capture cut it short.
    declared: usize,
    /// The enclosing IP datagram's length is unspecified: an IPv6
    /// jumbogram, or (capture walk) an IPv4 total length of 0.
    unspecified: bool,
    /// The enclosing IP datagram is a first fragment: upper-layer length
    /// fields count bytes that other fragments carry.
    first_fragment: bool,
    /// Layer flags the enclosing IP datagram passes on to what it carries.
    inherited: u8,
    /// Stop after the first network-layer header.
    network_only: bool,
    /// Inside the datagram an ICMP error quotes: read laxly, no deeper
    /// than its transport header, and a malformed quote ends the walk
    /// without an error (the ICMP message itself is whole).
    quoted: bool,
}

impl Walker {
    /// A strict walker (see the [type docs](Walker)), for data planes,
    /// that treats UDP destination port 4789 as VXLAN.
    pub const fn new() -> Walker {
        Walker::with_mode(false)
    }

    const fn with_mode(capture: bool) -> Walker {
        Walker {
            extra_ports: [(0, UdpTunnel::Vxlan); MAX_EXTRA_UDP_PORTS],
            extra_count: 0,
            capture,
        }
    }

    /// A lax walker for reading packet captures (see the [type
    /// docs](Walker)): snap-length cuts and offload artefacts are read,
    /// malformed headers are still errors. Not for forwarding decisions.
    pub const fn capture() -> Walker {
        Walker::with_mode(true)
    }

    /// Whether this is a [`capture`](Self::capture) walker.
    pub const fn is_capture(&self) -> bool {
        self.capture
    }

    /// Also treats UDP destination port `port` as VXLAN. Up to
    /// [`MAX_EXTRA_UDP_PORTS`] ports can be added; further ones are ignored.
    #[must_use]
    pub const fn with_vxlan_port(self, port: u16) -> Walker {
        self.with_udp_port(port, UdpTunnel::Vxlan)
    }

    /// Also treats UDP destination port `port` as carrying `tunnel` (e.g.
    /// the Linux legacy VXLAN port 8472, or a GTP-U port of a test bed).
    /// Up to [`MAX_EXTRA_UDP_PORTS`] ports can be added; further ones are
    /// ignored. Added ports are looked up before the well-known ones.
    #[must_use]
    pub const fn with_udp_port(mut self, port: u16, tunnel: UdpTunnel) -> Walker {
        if self.extra_count < MAX_EXTRA_UDP_PORTS {
            self.extra_ports[self.extra_count] = (port, tunnel);
            self.extra_count += 1;
        }
        self
    }

    /// The tunnel UDP destination port `port` carries for this walker.
    pub fn udp_tunnel(&self, port: u16) -> Option<UdpTunnel> {
        self.extra_ports[..self.extra_count]
            .iter()
            .find(|p| p.0 == port)
            .map(|p| p.1)
            .or(UdpTunnel::of_port(port))
    }

    /// Whether UDP destination port `port` carries VXLAN for this walker.
    pub fn is_vxlan_port(&self, port: u16) -> bool {
        self.udp_tunnel(port) == Some(UdpTunnel::Vxlan)
    }

    /// Walks an Ethernet II frame.
    pub fn ethernet(&self, frame: &[u8]) -> Layers {
        let mut layers = Layers::new();
        self.ethernet_into(frame, &mut layers);
        layers
    }

    /// Walks a bare IPv4 or IPv6 packet (by its version nibble).
    pub fn ip(&self, packet: &[u8]) -> Layers {
        let mut layers = Layers::new();
        self.ip_into(packet, &mut layers);
        layers
    }

    /// Walks an Ethernet II frame into `layers`, replacing what it held:
    /// the way to walk packet after packet without setting up or copying a
    /// [`Layers`] each time.
    ///
    /// ```
    /// use wireview::walk::{Layers, Walker};
    /// let walker = Walker::new();
    /// let mut layers = Layers::new();
    /// for frame in [&[0u8; 14][..], &[0u8; 3][..]] {
    ///     walker.ethernet_into(frame, &mut layers);
    ///     println!("{} layers, error {:?}", layers.len(), layers.error());
    /// }
    /// ```
    pub fn ethernet_into(&self, frame: &[u8], layers: &mut Layers) {
        self.walk(frame, Next::Ethernet(0), layers, false);
    }

    /// Walks a bare IPv4 or IPv6 packet into `layers`, replacing what it held.
    pub fn ip_into(&self, packet: &[u8], layers: &mut Layers) {
        self.walk(packet, Self::ip_start(packet), layers, false);
    }

    /// A router's fast path: walks an Ethernet II frame through its tags
    /// (and unencrypted MACsec) to the first network-layer header (IPv4,
    /// IPv6 fixed header, or ARP) and stops there; what follows is one
    /// [`LayerKind::Payload`] layer. The IP header is checked as strictly
    /// (or as laxly) as in a whole walk; nothing after it is read, so the
    /// cost does not depend on what the packet carries.
    ///
    /// ```
    /// use wireview::walk::{LayerKind, Layers, Walker};
    /// let frame = [
    ///     0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
    ///     0x45, 0, 0, 30, 0, 0, 0x40, 0, 64, 17, 0x26, 0xcd, 10, 0, 0, 1, 10, 0, 0, 2,
    ///     0x30, 0x39, 0x00, 0x35, 0x00, 0x0a, 0x53, 0x00, b'h', b'i',
    /// ];
    /// let mut layers = Layers::new();
    /// Walker::new().network_into(&frame, &mut layers);
    /// let kinds: Vec<_> = layers.iter().map(|l| l.kind).collect();
    /// assert_eq!(kinds, [LayerKind::Ethernet, LayerKind::Ipv4, LayerKind::Payload]);
    /// ```
    pub fn network_into(&self, frame: &[u8], layers: &mut Layers) {
        self.walk(frame, Next::Ethernet(0), layers, true);
    }

    fn ip_start(packet: &[u8]) -> Next {
        let ethertype = match packet.first().map(|b| b >> 4) {
            Some(6) => EtherType::IPV6,
            _ => EtherType::IPV4,
        };
        Next::EtherType(ethertype, 0)
    }

    fn walk(&self, buf: &[u8], first: Next, layers: &mut Layers, network_only: bool) {
        layers.error = None;
        layers.cut = false;
        if self.walk_common(buf, first, layers, network_only) {
            return;
        }
        self.walk_general(buf, first, layers, network_only);
    }

    /// The shapes most traffic has, read in straight-line code: an
    /// Ethernet header and up to two VLAN tags (or a bare IP packet), an
    /// IPv4 header without options that is no fragment or an IPv6 header
    /// with a payload length, TCP or UDP (to no tunnel port but VXLAN, and
    /// then the same again inside, once), the payload.
    /// It records exactly what [`walk_general`](Self::walk_general)
    /// records for them (a test holds the two to it, on every frame of the
    /// corpus and on generated ones) and gives up as soon as the packet is
    /// anything else (options, a fragment, an extension header, ICMP, a
    /// tunnel, a header or length the strict walk refuses, a capture
    /// walk), leaving the general walk to read it from the start.
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    fn walk_common(
        &self,
        buf: &[u8],
        first: Next,
        layers: &mut Layers,
        network_only: bool,
    ) -> bool {
        // Two frames of six layers and a VXLAN header between them.
        const _: () = assert!(MAX_LAYERS >= 13);
        if self.capture {
            return false;
        }
        let buf = &buf[..buf.len().min(MAX_WALK_LEN)];
        let mut n = 0;
        let Some((at, v6)) = common_link(buf, first, layers, &mut n) else {
            return false;
        };
        let Some((at, proto, limit)) = common_ip(buf, at, v6, layers, &mut n) else {
            return false;
        };
        let (at, limit) = if network_only {
            (at, limit)
        } else {
            match self.common_transport(buf, at, proto, limit, layers, &mut n) {
                Some(Common::Payload(at, end)) => (at, end),
                Some(Common::Vxlan(at, end)) => {
                    match self.common_vxlan(&buf[..end], at, layers, &mut n) {
                        Some(inner) => inner,
                        None => return false,
                    }
                }
                None => return false,
            }
        };
        if at < limit {
            put(layers, &mut n, LayerKind::Payload, at, limit - at, limit);
        }
        layers.count = n;
        true
    }

    /// [`walk_common`](Self::walk_common) through a VXLAN header at `at`
    /// (with its I flag, RFC 7348) into the Ethernet frame it carries,
    /// which ends with the UDP datagram (`buf` ends there) and holds no
    /// further tunnel: where the inner payload starts and ends. Out of
    /// line, to keep the plain frames' path short.
    #[inline(never)]
    fn common_vxlan(
        &self,
        buf: &[u8],
        at: usize,
        layers: &mut Layers,
        n: &mut usize,
    ) -> Option<(usize, usize)> {
        match buf.get(at..) {
            Some([flags, _, _, _, _, _, _, _, ..]) if flags & 0x08 != 0 => {}
            _ => return None,
        }
        put(
            layers,
            n,
            LayerKind::Vxlan,
            at,
            vxlan::HEADER_LEN,
            buf.len(),
        );
        let (ip_at, v6) = common_link(buf, Next::Ethernet(at + vxlan::HEADER_LEN), layers, n)?;
        let (at, proto, limit) = common_ip(buf, ip_at, v6, layers, n)?;
        match self.common_transport(buf, at, proto, limit, layers, n)? {
            Common::Payload(at, end) => Some((at, end)),
            Common::Vxlan(..) => None,
        }
    }

    /// [`walk_common`](Self::walk_common)'s transport header at `at`, in a
    /// datagram that ends at `limit`: where its payload starts and ends,
    /// and whether that is a VXLAN header.
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    fn common_transport(
        &self,
        buf: &[u8],
        at: usize,
        proto: u8,
        limit: usize,
        layers: &mut Layers,
        n: &mut usize,
    ) -> Option<Common> {
        let t = buf.get(at..limit)?;
        match IpProtocol(proto) {
            IpProtocol::TCP => {
                let header_len = usize::from(t.get(12)? >> 4) * 4;
                if header_len < tcp::HEADER_LEN || header_len > t.len() {
                    return None;
                }
                put(layers, n, LayerKind::Tcp, at, header_len, limit);
                Some(Common::Payload(at + header_len, limit))
            }
            IpProtocol::UDP => {
                let [_, _, d0, d1, l0, l1, ..] = *t else {
                    return None;
                };
                let length = usize::from(u16::from_be_bytes([l0, l1]));
                if length < udp::HEADER_LEN || length > t.len() {
                    return None;
                }
                put(layers, n, LayerKind::Udp, at, udp::HEADER_LEN, at + length);
                let payload = at + udp::HEADER_LEN;
                match self.udp_tunnel(u16::from_be_bytes([d0, d1])) {
                    None => Some(Common::Payload(payload, at + length)),
                    Some(UdpTunnel::Vxlan) => Some(Common::Vxlan(payload, at + length)),
                    Some(_) => None,
                }
            }
            _ => None,
        }
    }

    /// The walk as a state machine, for every packet.
    fn walk_general(&self, buf: &[u8], first: Next, layers: &mut Layers, network_only: bool) {
        layers.count = 0;
        let mut next = first;
        // The region a header can extend to: the end of the enclosing
        // layer's payload. Starts as the whole buffer.
        let len = buf.len().min(MAX_WALK_LEN);
        let mut st = State {
            limit: len,
            declared: len,
            unspecified: false,
            first_fragment: false,
            inherited: 0,
            network_only,
            quoted: false,
        };
        loop {
            match self.step(buf, next, &mut st, layers) {
                Ok(Next::Done) => break,
                Ok(n) => next = n,
                Err(_) if st.quoted => {
                    // What the quote holds past its last good header.
                    let at = match next {
                        Next::Ethernet(at)
                        | Next::EtherType(_, at)
                        | Next::Protocol(_, at)
                        | Next::Mpls(at)
                        | Next::IpByVersion(at)
                        | Next::Payload(at) => at,
                        Next::Done => break,
                    };
                    // After what the failed step recorded (an IPv6 header
                    // may be recorded before a bad extension header).
                    let at = layers
                        .last()
                        .map_or(at, |l| at.max(l.start.saturating_add(l.header_len)));
                    let _ = self.step(buf, Next::Payload(at), &mut st, layers);
                    break;
                }
                Err(e) => {
                    // A header cut by the end of a capture whose IP
                    // datagram runs on: the capture's cut, not a defect.
                    layers.cut = self.capture
                        && matches!(e, Error::Truncated { .. })
                        && st.limit == len
                        && st.declared > len;
                    layers.error = Some(e);
                    break;
                }
            }
        }
    }

    /// Parses the header `next` names, records it and says what follows.
    #[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
    #[inline(always)]
    fn step(
        &self,
        buf: &[u8],
        next: Next,
        st: &mut State,
        layers: &mut Layers,
    ) -> Result<Next, Error> {
        match next {
            Next::Done => Ok(Next::Done),
            Next::Payload(at) => {
                if at < st.limit {
                    layers.push(Layer {
                        kind: LayerKind::Payload,
                        start: at,
                        header_len: st.limit - at,
                        end: st.limit,
                        truncated: false,
                    })?;
                    layers.set_flags(st.inherited);
                }
                Ok(Next::Done)
            }
            Next::Ethernet(at) => {
                let eth = Ethernet::new(region(buf, at, st.limit, ErrorLayer::Ethernet)?)?;
                let et = eth.ethertype();
                layers.push(plain(
                    LayerKind::Ethernet,
                    at,
                    ethernet::HEADER_LEN,
                    st.limit,
                ))?;
                Ok(Next::EtherType(et, at + ethernet::HEADER_LEN))
            }
            Next::EtherType(et, at) => self.by_ethertype(buf, et, at, st, layers),
            Next::Protocol(proto, at) => self.by_protocol(buf, proto, at, st, layers),
            Next::Mpls(at) => Self::mpls_stack(buf, at, st, layers),
            Next::IpByVersion(at) => Ok(match buf.get(at).filter(|_| at < st.limit) {
                Some(b) if b >> 4 == 4 => Next::EtherType(EtherType::IPV4, at),
                Some(b) if b >> 4 == 6 => Next::EtherType(EtherType::IPV6, at),
                _ => Next::Payload(at),
            }),
        }
    }

    fn by_ethertype(
        &self,
        buf: &[u8],
        et: EtherType,
        at: usize,
        st: &mut State,
        layers: &mut Layers,
    ) -> Result<Next, Error> {
        let bytes = region(buf, at, st.limit, ErrorLayer::Ethernet)?;
        match et {
            EtherType::VLAN | EtherType::QINQ | EtherType::VLAN_DOUBLE => {
                let tag = VlanTag::new(bytes)?;
                layers.push(plain(LayerKind::Vlan, at, vlan::HEADER_LEN, st.limit))?;
                Ok(Next::EtherType(tag.ethertype(), at + vlan::HEADER_LEN))
            }
            EtherType::ARP => {
                let arp = Arp::new(bytes)?;
                layers.push(plain(LayerKind::Arp, at, arp.header_len(), st.limit))?;
                Ok(Next::Payload(at + arp.header_len()))
            }
            EtherType::IPV4 => self.ipv4(bytes, at, st, layers),
            EtherType::IPV6 => self.ipv6(buf, bytes, at, st, layers),
            EtherType::MACSEC => {
                let sectag = Macsec::new(bytes)?;
                layers.push(plain(LayerKind::Macsec, at, sectag.header_len(), st.limit))?;
                match sectag.inner_ethertype() {
                    Some(inner) => {
                        // Integrity only: the inner EtherType, then its
                        // payload, then the ICV at the end.
                        st.limit = at + sectag.header_len() + sectag.secure_data().len();
                        Ok(Next::EtherType(inner, at + sectag.header_len() + 2))
                    }
                    None => Ok(Next::Payload(at + sectag.header_len())),
                }
            }
            EtherType::TEB => Ok(Next::Ethernet(at)),
            EtherType::MPLS_UNICAST | EtherType::MPLS_MULTICAST => Ok(Next::Mpls(at)),
            EtherType::PPPOE_SESSION => self.pppoe(bytes, at, st, layers),
            EtherType::PPPOE_DISCOVERY => {
                let d = PppoeDiscovery::new(bytes)?;
                layers.push(plain(
                    LayerKind::PppoeDiscovery,
                    at,
                    d.header_len(),
                    st.limit,
                ))?;
                st.limit = at + pppoe::HEADER_LEN + d.payload().len();
                Ok(Next::Payload(at + d.header_len()))
            }
            _ => Ok(Next::Payload(at)),
        }
    }

    /// A PPPoE session frame: IPv4 or IPv6 by its PPP protocol.
    fn pppoe(
        &self,
        bytes: &[u8],
        at: usize,
        st: &mut State,
        layers: &mut Layers,
    ) -> Result<Next, Error> {
        let p = if self.capture {
            Pppoe::new_truncated(bytes)?
        } else {
            Pppoe::new(bytes)?
        };
        let end = at + p.header_len() + p.payload().len();
        layers.push(Layer {
            kind: LayerKind::Pppoe,
            start: at,
            header_len: p.header_len(),
            end,
            truncated: p.is_truncated(),
        })?;
        st.limit = end;
        let inner = at + p.header_len();
        Ok(match p.ppp_protocol() {
            PppProtocol::IPV4 => Next::EtherType(EtherType::IPV4, inner),
            PppProtocol::IPV6 => Next::EtherType(EtherType::IPV6, inner),
            _ => Next::Payload(inner),
        })
    }

    /// An MPLS label stack: one layer per entry, to the bottom of the
    /// stack (a stack that reaches the end of its region without one is
    /// malformed), then IP by the first nibble.
    fn mpls_stack(
        buf: &[u8],
        at: usize,
        st: &mut State,
        layers: &mut Layers,
    ) -> Result<Next, Error> {
        let mut entry = at;
        loop {
            let bytes = region(buf, entry, st.limit, ErrorLayer::Mpls)?;
            let e = Mpls::new(bytes).map_err(|_| Error::Truncated {
                layer: ErrorLayer::Mpls,
                needed: entry - at + mpls::HEADER_LEN,
                available: st.limit - at,
            })?;
            layers.push(plain(LayerKind::Mpls, entry, mpls::HEADER_LEN, st.limit))?;
            layers.set_flags(st.inherited);
            entry += mpls::HEADER_LEN;
            if e.bottom_of_stack() {
                return Ok(Next::IpByVersion(entry));
            }
        }
    }

    fn ipv4(
        &self,
        bytes: &[u8],
        at: usize,
        st: &mut State,
        layers: &mut Layers,
    ) -> Result<Next, Error> {
        let ip = if self.capture || st.quoted {
            Ipv4::new_truncated(bytes)?
        } else {
            Ipv4::new(bytes)?
        };
        let header_len = ip.header_len();
        let total = usize::from(ip.total_len());
        if total == 0 && st.quoted {
            // The offload reading of a total length of 0 is a capture's,
            // not a quote's: a quoted datagram says how long it was.
            return Err(Error::BadLength {
                layer: ErrorLayer::Ipv4,
                found: 0,
                min: header_len,
                max: usize::from(u16::MAX),
            });
        }
        let end = at + header_len + ip.payload().len();
        let fragment = ip.more_fragments() || ip.fragment_offset() != 0;
        let truncated = ip.is_truncated();
        layers.push(Layer {
            kind: LayerKind::Ipv4,
            start: at,
            header_len,
            end,
            truncated,
        })?;
        let partial = if fragment || truncated { PARTIAL } else { 0 };
        layers.set_flags(st.inherited | partial);
        *st = State {
            limit: end,
            declared: if total == 0 { end } else { at + total },
            unspecified: total == 0,
            first_fragment: fragment && ip.fragment_offset() == 0,
            inherited: st.inherited | partial,
            network_only: st.network_only,
            quoted: st.quoted,
        };
        let payload = at + header_len;
        if ip.fragment_offset() != 0 || st.network_only {
            // A later fragment's payload is the middle of a datagram.
            return Ok(Next::Payload(payload));
        }
        Ok(Next::Protocol(ip.protocol(), payload))
    }

    fn ipv6(
        &self,
        buf: &[u8],
        bytes: &[u8],
        at: usize,
        st: &mut State,
        layers: &mut Layers,
    ) -> Result<Next, Error> {
        let lax = self.capture || st.quoted;
        let ip = if lax {
            Ipv6::new_truncated(bytes)?
        } else {
            Ipv6::new(bytes)?
        };
        let payload = at + ipv6::HEADER_LEN;
        // The payload length, or for a jumbogram (payload length 0 and a
        // hop-by-hop header) the Jumbo Payload option's length (the rest of
        // the region in a capture walk).
        let jumbo = ip.is_jumbogram();
        let room = bytes.len() - ipv6::HEADER_LEN;
        let mut truncated = ip.is_truncated();
        let end = if jumbo && !lax {
            let len = jumbo_payload_len(&bytes[ipv6::HEADER_LEN..])?;
            if len > room {
                return Err(Error::BadLength {
                    layer: ErrorLayer::Ipv6Ext,
                    found: len,
                    min: JUMBO_MIN,
                    max: room,
                });
            }
            payload + len
        } else if jumbo {
            // A capture: the option's length when it can be read (padding
            // may follow), or what was captured.
            match jumbo_payload_len(&bytes[ipv6::HEADER_LEN..]) {
                Ok(len) if len <= room => payload + len,
                Ok(_) => {
                    truncated = true;
                    payload + room
                }
                // No option: a capture reads what is there; a quoted
                // datagram ends where its own length says.
                Err(_) if st.quoted => payload,
                Err(_) => payload + room,
            }
        } else {
            payload + ip.payload().len()
        };
        layers.push(Layer {
            kind: LayerKind::Ipv6,
            start: at,
            header_len: ipv6::HEADER_LEN,
            end,
            truncated,
        })?;
        let index = layers.count - 1;
        let partial = if truncated { PARTIAL } else { 0 };
        layers.set_flags(st.inherited | partial);
        *st = State {
            limit: end,
            declared: if jumbo {
                end
            } else {
                payload + usize::from(ip.payload_len())
            },
            unspecified: jumbo,
            first_fragment: false,
            inherited: st.inherited | partial,
            network_only: st.network_only,
            quoted: st.quoted,
        };
        if st.network_only {
            return Ok(Next::Payload(payload));
        }
        Self::ipv6_extensions(buf, ip.next_header(), payload, index, st, layers)
    }

    /// Records the extension headers after the IPv6 header at layer
    /// `ip_index`, and says what follows them. A fragment header whose
    /// offset is not 0 ends the walk: what follows it is the middle of a
    /// datagram, not a header.
    fn ipv6_extensions(
        buf: &[u8],
        first: IpProtocol,
        at: usize,
        ip_index: usize,
        st: &mut State,
        layers: &mut Layers,
    ) -> Result<Next, Error> {
        let mut exts = ExtHeaders::new(first, region(buf, at, st.limit, ErrorLayer::Ipv6)?);
        let mut offset = 0;
        let mut later_fragment = false;
        for ext in &mut exts {
            let ext = ext?;
            if ext.kind == Ipv6ExtKind::Fragment {
                if let Ok(frag) = Ipv6Fragment::new(ext.data) {
                    later_fragment = frag.fragment_offset() != 0;
                    if frag.fragment_offset() != 0 || frag.more_fragments() {
                        // Not an atomic fragment (RFC 6946): part of a datagram.
                        st.first_fragment = !later_fragment;
                        st.inherited |= PARTIAL;
                        layers.found[ip_index].flags |= PARTIAL;
                    }
                }
            }
            layers.push(plain(
                LayerKind::Ipv6Ext(ext.kind),
                at + offset,
                ext.len(),
                st.limit,
            ))?;
            layers.set_flags(st.inherited);
            offset += ext.len();
        }
        let (proto, upper) = exts.upper_layer();
        if later_fragment {
            return Ok(Next::Payload(at + upper));
        }
        Ok(Next::Protocol(proto, at + upper))
    }

    fn udp(
        &self,
        buf: &[u8],
        at: usize,
        st: &mut State,
        layers: &mut Layers,
    ) -> Result<Next, Error> {
        let bytes = region(buf, at, st.limit, ErrorLayer::Udp)?;
        let udp = Udp::new_truncated(bytes)?;
        let length = usize::from(udp.length());
        // What the enclosing IP datagram's own length leaves for UDP.
        let room = st.declared.saturating_sub(at);
        let bad = |max| Error::BadLength {
            layer: ErrorLayer::Udp,
            found: length,
            min: udp::HEADER_LEN,
            max,
        };
        let (end, truncated) = if st.quoted {
            // A quote holds what it holds: lengths are the quoted
            // datagram's, not the quote's.
            (st.limit, false)
        } else if length == 0 {
            // Only where the IP length is unspecified too (RFC 2675).
            if !st.unspecified {
                return Err(bad(room.min(usize::from(u16::MAX))));
            }
            (st.limit, false)
        } else if st.first_fragment {
            // The length counts the whole datagram: that is
            // fragmentation, not a short capture.
            (at + length.min(bytes.len()), false)
        } else if length > room {
            return Err(bad(room));
        } else {
            (at + length.min(bytes.len()), length > bytes.len())
        };
        layers.push(Layer {
            kind: LayerKind::Udp,
            start: at,
            header_len: udp::HEADER_LEN,
            end,
            truncated,
        })?;
        layers.set_flags(st.inherited);
        st.limit = end;
        let payload = at + udp::HEADER_LEN;
        let Some(tunnel) = self.udp_tunnel(udp.dst_port()).filter(|_| !st.quoted) else {
            return Ok(Next::Payload(payload));
        };
        // The tunnel's payload starts a new region: nothing of the outer
        // datagram's length rules applies inside.
        *st = State {
            limit: end,
            declared: end,
            unspecified: false,
            first_fragment: false,
            inherited: st.inherited,
            network_only: false,
            quoted: false,
        };
        let bytes = region(buf, payload, end, ErrorLayer::Udp)?;
        match tunnel {
            UdpTunnel::Vxlan => {
                let vx = Vxlan::new(bytes)?;
                layers.push(plain(LayerKind::Vxlan, payload, vxlan::HEADER_LEN, end))?;
                layers.set_flags(st.inherited);
                if !vx.i_flag() {
                    // RFC 7348: the VNI is valid only with I set; Linux drops it.
                    return Err(Error::BadValue {
                        layer: ErrorLayer::Vxlan,
                        field: "I flag",
                    });
                }
                Ok(Next::Ethernet(payload + vxlan::HEADER_LEN))
            }
            UdpTunnel::Geneve => {
                let g = Geneve::new(bytes)?;
                layers.push(plain(LayerKind::Geneve, payload, g.header_len(), end))?;
                layers.set_flags(st.inherited);
                let inner = payload + g.header_len();
                Ok(match g.protocol_type() {
                    EtherType::TEB => Next::Ethernet(inner),
                    et @ (EtherType::IPV4 | EtherType::IPV6) => Next::EtherType(et, inner),
                    _ => Next::Payload(inner),
                })
            }
            UdpTunnel::Gtpu => {
                let g = if self.capture {
                    Gtpu::new_truncated(bytes)?
                } else {
                    Gtpu::new(bytes)?
                };
                let gtp_end = payload + g.header_len() + g.payload().len();
                layers.push(Layer {
                    kind: LayerKind::Gtpu,
                    start: payload,
                    header_len: g.header_len(),
                    end: gtp_end,
                    truncated: g.is_truncated(),
                })?;
                layers.set_flags(st.inherited);
                st.limit = gtp_end;
                let inner = payload + g.header_len();
                Ok(if g.message_type() == GtpuMessageType::G_PDU {
                    Next::IpByVersion(inner)
                } else {
                    Next::Payload(inner)
                })
            }
            UdpTunnel::Mpls => Ok(Next::Mpls(payload)),
        }
    }

    fn by_protocol(
        &self,
        buf: &[u8],
        proto: IpProtocol,
        at: usize,
        st: &mut State,
        layers: &mut Layers,
    ) -> Result<Next, Error> {
        let bytes = region(buf, at, st.limit, ErrorLayer::Ipv4)?;
        if st.quoted
            && !matches!(
                proto,
                IpProtocol::UDP | IpProtocol::TCP | IpProtocol::ICMP | IpProtocol::ICMPV6
            )
        {
            // A quote is walked to its transport header and no further.
            return Ok(Next::Payload(at));
        }
        let next = match proto {
            IpProtocol::UDP => return self.udp(buf, at, st, layers),
            IpProtocol::TCP if st.quoted => {
                // RFC 792 quotes 8 bytes of it: the ports and sequence number.
                let len = Tcp::new(bytes).map_or(bytes.len(), |t| t.header_len());
                if len < 8 {
                    return Err(Error::truncated(ErrorLayer::Tcp, 8, len));
                }
                layers.push(plain(LayerKind::Tcp, at, len, st.limit))?;
                Next::Payload(at + len)
            }
            IpProtocol::TCP => {
                let tcp = Tcp::new(bytes)?;
                layers.push(plain(LayerKind::Tcp, at, tcp.header_len(), st.limit))?;
                Next::Payload(at + tcp.header_len())
            }
            IpProtocol::ICMP => {
                let icmp = Icmpv4::new(bytes)?;
                layers.push(plain(LayerKind::Icmpv4, at, icmp.header_len(), st.limit))?;
                if icmp.is_error() && !st.quoted {
                    layers.set_flags(st.inherited);
                    return Ok(Self::quote(at + icmp.header_len(), st));
                }
                Next::Payload(at + icmp.header_len())
            }
            IpProtocol::ICMPV6 => {
                let icmp = Icmpv6::new(bytes)?;
                layers.push(plain(LayerKind::Icmpv6, at, icmp.header_len(), st.limit))?;
                if icmp.is_error() && !st.quoted {
                    layers.set_flags(st.inherited);
                    return Ok(Self::quote(at + icmp.header_len(), st));
                }
                Next::Payload(at + icmp.header_len())
            }
            IpProtocol::GRE => {
                let gre = Gre::new(bytes)?;
                layers.push(plain(LayerKind::Gre, at, gre.header_len(), st.limit))?;
                layers.set_flags(st.inherited | if gre.checksum_present() { GRE_CSUM } else { 0 });
                let inner = at + gre.header_len();
                return Ok(match gre.protocol_type() {
                    et @ (EtherType::IPV4 | EtherType::IPV6) => Next::EtherType(et, inner),
                    EtherType::TEB => Next::Ethernet(inner),
                    EtherType::MPLS_UNICAST | EtherType::MPLS_MULTICAST => Next::Mpls(inner),
                    _ => Next::Payload(inner),
                });
            }
            IpProtocol::IPV4 => return Ok(Next::EtherType(EtherType::IPV4, at)),
            IpProtocol::IPV6 => return Ok(Next::EtherType(EtherType::IPV6, at)),
            IpProtocol::MPLS_IN_IP => return Ok(Next::Mpls(at)),
            _ => return Ok(Next::Payload(at)),
        };
        layers.set_flags(st.inherited);
        Ok(next)
    }
}

impl Walker {
    /// Enters the datagram an ICMP error quotes, at `at`.
    fn quote(at: usize, st: &mut State) -> Next {
        *st = State {
            limit: st.limit,
            declared: st.limit,
            unspecified: false,
            first_fragment: false,
            inherited: st.inherited | QUOTED | PARTIAL,
            network_only: false,
            quoted: true,
        };
        Next::IpByVersion(at)
    }
}

/// The smallest Jumbo Payload length ([RFC 2675] section 2: a jumbogram
/// carries more than 65,535 octets).
///
/// [RFC 2675]: https://www.rfc-editor.org/rfc/rfc2675
const JUMBO_MIN: usize = 65_536;

/// The Jumbo Payload length in the hop-by-hop header at the start of
/// `payload` (the bytes after an IPv6 header whose payload length is 0).
fn jumbo_payload_len(payload: &[u8]) -> Result<usize, Error> {
    let missing = Error::BadValue {
        layer: ErrorLayer::Ipv6Ext,
        field: "Jumbo Payload option",
    };
    let hbh = ExtHeaders::new(IpProtocol::HOP_BY_HOP, payload)
        .next()
        .ok_or(missing)??;
    let options = hbh.options().ok_or(missing)?;
    for opt in options {
        let opt = opt?;
        if opt.kind == Ipv6Option::JUMBO_PAYLOAD {
            let len = match *opt.data {
                [a, b, c, d] => u32::from_be_bytes([a, b, c, d]) as usize,
                _ => return Err(missing),
            };
            if len < JUMBO_MIN {
                return Err(Error::BadLength {
                    layer: ErrorLayer::Ipv6Ext,
                    found: len,
                    min: JUMBO_MIN,
                    max: u32::MAX as usize,
                });
            }
            return Ok(len);
        }
    }
    Err(missing)
}

/// Records layer `n` (the fast path's `push`: at most six layers, offsets
/// below [`MAX_WALK_LEN`], so the casts are exact) and counts it.
#[inline]
fn put(
    layers: &mut Layers,
    n: &mut usize,
    kind: LayerKind,
    start: usize,
    header_len: usize,
    end: usize,
) {
    layers.found[*n] = Slot {
        start: start as u32,
        header_len: header_len as u32,
        end: end as u32,
        kind,
        truncated: false,
        flags: 0,
    };
    *n += 1;
}

/// What [`Walker::walk_common`] found after a transport header.
enum Common {
    /// Payload from the first offset to the second.
    Payload(usize, usize),
    /// A VXLAN header at the first offset, in a UDP datagram that ends at
    /// the second.
    Vxlan(usize, usize),
}

/// [`Walker::walk_common`]'s link layer: an Ethernet header and up to two
/// VLAN tags, or nothing before a bare IP packet. Where the IP header
/// starts, and whether it is IPv6.
#[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
#[inline(always)]
fn common_link(
    buf: &[u8],
    first: Next,
    layers: &mut Layers,
    n: &mut usize,
) -> Option<(usize, bool)> {
    let u16_at = |at: usize| {
        buf.get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    match first {
        Next::Ethernet(start) => {
            let mut et = u16_at(start + 12)?;
            put(
                layers,
                n,
                LayerKind::Ethernet,
                start,
                ethernet::HEADER_LEN,
                buf.len(),
            );
            let mut at = start + ethernet::HEADER_LEN;
            for _ in 0..2 {
                if !matches!(
                    EtherType(et),
                    EtherType::VLAN | EtherType::QINQ | EtherType::VLAN_DOUBLE
                ) {
                    break;
                }
                let inner = u16_at(at + 2)?;
                put(layers, n, LayerKind::Vlan, at, vlan::HEADER_LEN, buf.len());
                et = inner;
                at += vlan::HEADER_LEN;
            }
            match EtherType(et) {
                EtherType::IPV4 => Some((at, false)),
                EtherType::IPV6 => Some((at, true)),
                _ => None,
            }
        }
        // A bare IP packet, by its first nibble (`ip_start`).
        Next::EtherType(EtherType::IPV4, 0) => Some((0, false)),
        Next::EtherType(EtherType::IPV6, 0) => Some((0, true)),
        _ => None,
    }
}

/// [`Walker::walk_common`]'s IP header at `at`: IPv4 with IHL 5, no
/// fragment and a total length that covers the header and lies in the
/// buffer, or IPv6 with a payload length that is not 0 (no jumbogram) and
/// lies in the buffer. Where its payload starts, its protocol, where the
/// datagram ends.
#[allow(clippy::inline_always)] // measured: benches/packet.rs (callgrind counts in BENCHMARKS.md)
#[inline(always)]
fn common_ip(
    buf: &[u8],
    at: usize,
    v6: bool,
    layers: &mut Layers,
    n: &mut usize,
) -> Option<(usize, u8, usize)> {
    let b = buf.get(at..)?;
    if v6 {
        if b.len() < ipv6::HEADER_LEN || b[0] >> 4 != 6 {
            return None;
        }
        let plen = usize::from(u16::from_be_bytes([b[4], b[5]]));
        if plen == 0 || plen > b.len() - ipv6::HEADER_LEN {
            return None;
        }
        let end = at + ipv6::HEADER_LEN + plen;
        put(layers, n, LayerKind::Ipv6, at, ipv6::HEADER_LEN, end);
        return Some((at + ipv6::HEADER_LEN, b[6], end));
    }
    let [0x45, _, t0, t1, _, _, f0, f1, _, proto, ..] = *b else {
        return None;
    };
    let total = usize::from(u16::from_be_bytes([t0, t1]));
    if total < ipv4::HEADER_LEN || total > b.len() || (f0 & 0x3F) | f1 != 0 {
        return None;
    }
    put(layers, n, LayerKind::Ipv4, at, ipv4::HEADER_LEN, at + total);
    Some((at + ipv4::HEADER_LEN, proto, at + total))
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

impl<B: AsRef<[u8]>> LayerView<B> for Geneve<B> {
    fn accepts(kind: LayerKind) -> bool {
        kind == LayerKind::Geneve
    }
    fn from_layer(bytes: B) -> Result<Self, Error> {
        Geneve::new(bytes)
    }
}

impl<B: AsRef<[u8]>> LayerView<B> for Mpls<B> {
    fn accepts(kind: LayerKind) -> bool {
        kind == LayerKind::Mpls
    }
    fn from_layer(bytes: B) -> Result<Self, Error> {
        Mpls::new(bytes)
    }
}

impl<B: AsRef<[u8]>> LayerView<B> for Gtpu<B> {
    fn accepts(kind: LayerKind) -> bool {
        kind == LayerKind::Gtpu
    }
    fn from_layer(bytes: B) -> Result<Self, Error> {
        Gtpu::new_truncated(bytes)
    }
}

impl<B: AsRef<[u8]>> LayerView<B> for Pppoe<B> {
    fn accepts(kind: LayerKind) -> bool {
        kind == LayerKind::Pppoe
    }
    fn from_layer(bytes: B) -> Result<Self, Error> {
        Pppoe::new_truncated(bytes)
    }
}

impl<B: AsRef<[u8]>> LayerView<B> for PppoeDiscovery<B> {
    fn accepts(kind: LayerKind) -> bool {
        kind == LayerKind::PppoeDiscovery
    }
    fn from_layer(bytes: B) -> Result<Self, Error> {
        PppoeDiscovery::new(bytes)
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ipv4::{Ipv4Header, Ipv4Mut, Ipv4Ref};
    use crate::ipv6::Ipv6Header;
    use crate::udp::UdpRef;
    use crate::vlan::VlanTagRef;
    use core::net::{Ipv4Addr, Ipv6Addr};
    use proptest::prelude::*;
    use std::vec::Vec;

    use LayerKind as K;

    // Real frames from the tcpdump test captures (tests/*.pcap of the
    // tcpdump project), byte for byte.

    #[rustfmt::skip]
    pub(crate) const QINQ_ARP: [u8; 64] = [
        // Ethernet: dst ff:ff:ff:ff:ff:ff, src 00:20:d2:5a:fb:3f, TPID 0x88a8 (802.1ad S-tag) (offset 0)
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f, 0x88, 0xa8,
        // S-tag: TCI 0x00c8 (PCP 0, VID 200), TPID 0x8100 (802.1Q C-tag) (offset 14)
        0x00, 0xc8, 0x81, 0x00,
        // C-tag: TCI 0x07d1 (VID 2001), EtherType 0x0806 (ARP) (offset 18)
        0x07, 0xd1, 0x08, 0x06,
        // ARP request: Ethernet/IPv4, who has 172.21.79.100, tell 172.21.79.97 (offset 22)
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f, 0xac, 0x15,
        0x4f, 0x61, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xac, 0x15, 0x4f, 0x64,
        // Ethernet padding (offset 50)
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    #[rustfmt::skip]
    pub(crate) const VXLAN_ICMP: [u8; 148] = [
        // Ethernet: 36:dc:85:1e:b3:40 -> 00:16:3e:08:71:cf, IPv4 (offset 0)
        0x00, 0x16, 0x3e, 0x08, 0x71, 0xcf, 0x36, 0xdc, 0x85, 0x1e, 0xb3, 0x40, 0x08, 0x00,
        // IPv4: total length 134, DF, TTL 64, UDP, checksum 0x5152, 192.168.203.1 -> 192.168.202.1 (offset 14)
        0x45, 0x00, 0x00, 0x86, 0xd2, 0xc0, 0x40, 0x00, 0x40, 0x11, 0x51, 0x52, 0xc0, 0xa8, 0xcb, 0x01,
        0xc0, 0xa8, 0xca, 0x01,
        // UDP: 45149 -> 4789 (VXLAN), length 114, checksum 0 (none) (offset 34)
        0xb0, 0x5d, 0x12, 0xb5, 0x00, 0x72, 0x00, 0x00,
        // VXLAN: flags 0x08 (I), VNI 100 (offset 42)
        0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00,
        // inner Ethernet: 00:16:3e:37:f6:04 -> 00:30:88:01:00:02, IPv4 (offset 50)
        0x00, 0x30, 0x88, 0x01, 0x00, 0x02, 0x00, 0x16, 0x3e, 0x37, 0xf6, 0x04, 0x08, 0x00,
        // inner IPv4: total length 84, DF, TTL 64, ICMP, checksum 0x234f, 192.168.203.3 -> 192.168.203.5 (offset 64)
        0x45, 0x00, 0x00, 0x54, 0x00, 0x00, 0x40, 0x00, 0x40, 0x01, 0x23, 0x4f, 0xc0, 0xa8, 0xcb, 0x03,
        0xc0, 0xa8, 0xcb, 0x05,
        // ICMP echo request: checksum 0xf6f2, id 0x050c, seq 1 (offset 84)
        0x08, 0x00, 0xf6, 0xf2, 0x05, 0x0c, 0x00, 0x01,
        // echo data (56 bytes) (offset 92)
        0xfc, 0xe2, 0x97, 0x51, 0x00, 0x00, 0x00, 0x00, 0xa6, 0xf8, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
        0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
        0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
    ];
    #[rustfmt::skip]
    pub(crate) const VXLAN_ARP: [u8; 92] = [
        // Ethernet: 00:16:3e:08:71:cf -> 36:dc:85:1e:b3:40, IPv4 (offset 0)
        0x36, 0xdc, 0x85, 0x1e, 0xb3, 0x40, 0x00, 0x16, 0x3e, 0x08, 0x71, 0xcf, 0x08, 0x00,
        // IPv4: total length 78, DF, TTL 62, UDP, 192.168.202.1 -> 192.168.203.1 (offset 14)
        0x45, 0x00, 0x00, 0x4e, 0xb8, 0x02, 0x40, 0x00, 0x3e, 0x11, 0x6e, 0x48, 0xc0, 0xa8, 0xca, 0x01,
        0xc0, 0xa8, 0xcb, 0x01,
        // UDP: 42710 -> 4789 (VXLAN), length 58, checksum 0 (offset 34)
        0xa6, 0xd6, 0x12, 0xb5, 0x00, 0x3a, 0x00, 0x00,
        // VXLAN: I flag, VNI 100 (offset 42)
        0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00,
        // inner Ethernet: 00:30:88:01:00:02 -> broadcast, ARP (offset 50)
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x30, 0x88, 0x01, 0x00, 0x02, 0x08, 0x06,
        // ARP request: who has 192.168.203.3, tell 192.168.203.5 (offset 64)
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x00, 0x30, 0x88, 0x01, 0x00, 0x02, 0xc0, 0xa8,
        0xcb, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0xcb, 0x03,
    ];
    #[rustfmt::skip]
    pub(crate) const MACSEC_INTEGRITY: [u8; 130] = [
        // Ethernet: 2e:b7:3f:39:95:c3 -> 3e:6f:f3:74:23:7c, EtherType 0x88e5 (MACsec) (offset 0)
        0x3e, 0x6f, 0xf3, 0x74, 0x23, 0x7c, 0x2e, 0xb7, 0x3f, 0x39, 0x95, 0xc3, 0x88, 0xe5,
        // SecTAG: TCI/AN 0x20 (SC, AN 0), SL 0, PN 0x44, SCI 2e:b7:3f:39:95:c3 port 1 (offset 14)
        0x20, 0x00, 0x00, 0x00, 0x00, 0x44, 0x2e, 0xb7, 0x3f, 0x39, 0x95, 0xc3, 0x00, 0x01,
        // inner EtherType 0x0800 (IPv4), in the clear (E and C clear) (offset 28)
        0x08, 0x00,
        // IPv4: total length 84, DF, TTL 64, ICMP, 192.168.113.1 -> 192.168.113.2 (offset 30)
        0x45, 0x00, 0x00, 0x54, 0xd1, 0x20, 0x40, 0x00, 0x40, 0x01, 0x06, 0x34, 0xc0, 0xa8, 0x71, 0x01,
        0xc0, 0xa8, 0x71, 0x02,
        // ICMP echo request: id 0x03b4, seq 1 (offset 50)
        0x08, 0x00, 0x7e, 0xd8, 0x03, 0xb4, 0x00, 0x01,
        // echo data (56 bytes) (offset 58)
        0x49, 0x33, 0x1a, 0x57, 0x00, 0x00, 0x00, 0x00, 0x4f, 0x15, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
        0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
        0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
        // ICV (16 bytes) (offset 114)
        0xde, 0xba, 0x93, 0x24, 0x0f, 0xad, 0x9a, 0x4c, 0x3b, 0x74, 0x72, 0x2f, 0x74, 0x70, 0x75, 0x2b,
    ];
    #[rustfmt::skip]
    pub(crate) const MACSEC_ENCRYPTED: [u8; 130] = [
        // Ethernet: 2e:b7:3f:39:95:c3 -> 3e:6f:f3:74:23:7c, EtherType 0x88e5 (MACsec) (offset 0)
        0x3e, 0x6f, 0xf3, 0x74, 0x23, 0x7c, 0x2e, 0xb7, 0x3f, 0x39, 0x95, 0xc3, 0x88, 0xe5,
        // SecTAG: TCI/AN 0x2c (SC, E, C; AN 0), SL 0, PN 0x48, SCI 2e:b7:3f:39:95:c3 port 1 (offset 14)
        0x2c, 0x00, 0x00, 0x00, 0x00, 0x48, 0x2e, 0xb7, 0x3f, 0x39, 0x95, 0xc3, 0x00, 0x01,
        // Secure Data, encrypted (86 bytes) (offset 28)
        0x50, 0xc6, 0x8a, 0xab, 0xf6, 0x82, 0x2b, 0x69, 0xad, 0xc7, 0xf4, 0xbc, 0xa4, 0xd8, 0xaf, 0x67,
        0x54, 0x37, 0x64, 0xc9, 0xb9, 0x27, 0x4d, 0xcb, 0x49, 0xf5, 0x76, 0x41, 0xd6, 0xee, 0x5a, 0xaa,
        0x34, 0xb1, 0x17, 0x48, 0x45, 0x65, 0xfb, 0x62, 0xd3, 0x28, 0x81, 0x0d, 0xb6, 0xce, 0x99, 0xb3,
        0x71, 0x9f, 0x73, 0x33, 0x1d, 0xbe, 0xcd, 0xfe, 0xd3, 0xdc, 0x75, 0xa4, 0xfe, 0x35, 0xdd, 0x96,
        0x79, 0xc2, 0xe4, 0x60, 0x9e, 0x0d, 0x52, 0xeb, 0xe8, 0x04, 0x83, 0xa3, 0x17, 0xee, 0xf3, 0x59,
        0xa6, 0x92, 0x37, 0xec, 0xd9, 0x2d,
        // ICV (16 bytes) (offset 114)
        0x19, 0x4d, 0xbb, 0x66, 0xfd, 0xf6, 0x78, 0x12, 0x24, 0x96, 0x2d, 0x32, 0x94, 0x92, 0x13, 0xfd,
    ];
    #[rustfmt::skip]
    pub(crate) const RH0_ICMPV6: [u8; 86] = [
        // Ethernet: 00:12:3f:ae:22:f7 -> 00:13:c4:c7:84:f0, IPv6 (offset 0)
        0x00, 0x13, 0xc4, 0xc7, 0x84, 0xf0, 0x00, 0x12, 0x3f, 0xae, 0x22, 0xf7, 0x86, 0xdd,
        // IPv6: payload length 32, next header 43 (routing), hop limit 4, 2200::244:212:3fff:feae:22f7 -> 2200::240:2:0:0:4 (offset 14)
        0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x2b, 0x04, 0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x44,
        0x02, 0x12, 0x3f, 0xff, 0xfe, 0xae, 0x22, 0xf7, 0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x40,
        0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
        // Routing header: next header 58 (ICMPv6), length 2 (24 octets), type 0, segments left 1, reserved, address 2200::210:2:0:0:4 (offset 54)
        0x3a, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x10,
        0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
        // ICMPv6 echo request: checksum 0xd3ab, id 0, seq 0 (offset 78)
        0x80, 0x00, 0xd3, 0xab, 0x00, 0x00, 0x00, 0x00,
    ];
    #[rustfmt::skip]
    pub(crate) const MLD_HOPOPTS: [u8; 90] = [
        // Ethernet: 00:15:17:cc:e5:46 -> 33:33:00:00:00:16, IPv6 (offset 0)
        0x33, 0x33, 0x00, 0x00, 0x00, 0x16, 0x00, 0x15, 0x17, 0xcc, 0xe5, 0x46, 0x86, 0xdd,
        // IPv6: payload length 36, next header 0 (hop-by-hop), hop limit 1, fe80::215:17ff:fecc:e546 -> ff02::16 (offset 14)
        0x60, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x02, 0x15, 0x17, 0xff, 0xfe, 0xcc, 0xe5, 0x46, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16,
        // Hop-by-hop: next header 58 (ICMPv6), length 0 (8 octets), router alert (MLD), PadN (offset 54)
        0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
        // ICMPv6 type 143 (MLDv2 report), checksum 0x1fc5 (offset 62)
        0x8f, 0x00, 0x1f, 0xc5, 0x00, 0x00, 0x00, 0x01,
        // one multicast address record (offset 70)
        0x04, 0x00, 0x00, 0x00, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0d, 0xb8,
        0x11, 0x22, 0x33, 0x44,
    ];
    #[rustfmt::skip]
    pub(crate) const GRE_KEY: [u8; 82] = [
        // Ethernet: aa:bb:cc:00:02:00 -> aa:bb:cc:00:01:00, TPID 0x8100 (offset 0)
        0xaa, 0xbb, 0xcc, 0x00, 0x01, 0x00, 0xaa, 0xbb, 0xcc, 0x00, 0x02, 0x00, 0x81, 0x00,
        // 802.1Q tag: TCI 0x04bd (VID 1213), IPv4 (offset 14)
        0x04, 0xbd, 0x08, 0x00,
        // IPv4: total length 64, TTL 255, protocol 47 (GRE), 10.172.64.7 -> 10.172.64.6 (offset 18)
        0x45, 0xc0, 0x00, 0x40, 0x00, 0xa4, 0x00, 0x00, 0xff, 0x2f, 0x24, 0xc6, 0x0a, 0xac, 0x40, 0x07,
        0x0a, 0xac, 0x40, 0x06,
        // GRE: flags 0x2000 (K), protocol type 0x8909 (Cisco metadata), key 0x28 (offset 38)
        0x20, 0x00, 0x89, 0x09, 0x00, 0x00, 0x00, 0x28,
        // GRE payload (not dissected): Cisco metadata, then a GRE keepalive (offset 46)
        0x08, 0x00, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x45, 0xc0, 0x00, 0x1c, 0x00, 0xa3, 0x00, 0x00,
        0xff, 0x2f, 0x24, 0xeb, 0x0a, 0xac, 0x40, 0x06, 0x0a, 0xac, 0x40, 0x07, 0x20, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x28,
    ];
    /// kday1.pcap, the first 34 of its 182 bytes.
    #[rustfmt::skip]
    pub(crate) const KDAY1_START: [u8; 34] = [
        // Ethernet: 0c:c4:7a:08:e9:fb -> 84:b5:9c:be:30:48, EtherType 0x0800 (IPv4) (offset 0)
        0x84, 0xb5, 0x9c, 0xbe, 0x30, 0x48, 0x0c, 0xc4, 0x7a, 0x08, 0xe9, 0xfb, 0x08, 0x00,
        // version nibble 6 where IPv4 is announced (offset 14)
        0x66, 0x10, 0x00, 0xa8, 0xf6, 0xc9, 0x40, 0x00, 0xc0, 0x84, 0xa2, 0x91, 0xb8, 0xaa, 0x42, 0xaa,
        0x3e, 0x38, 0x9a, 0xc7,
    ];

    /// `(kind, start, header_len, end)` of every layer.
    fn shape(layers: &Layers) -> Vec<(LayerKind, usize, usize, usize)> {
        layers
            .iter()
            .map(|l| (l.kind, l.start, l.header_len, l.end))
            .collect()
    }

    /// The Internet checksum, one 16-bit word at a time: the reference the
    /// crate's checksum code is compared with.
    fn plain_checksum(data: &[u8]) -> u16 {
        let mut sum: u32 = 0;
        for pair in data.chunks(2) {
            sum += u32::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]));
        }
        while sum > 0xFFFF {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        !(sum as u16)
    }

    /// Every layer of a walk lies inside the buffer and inside the layer
    /// before it, and the view its kind names accepts it (the walk checked
    /// the same header).
    fn check_invariants(buf: &[u8], layers: &Layers) {
        let mut prev_start = 0;
        for (i, l) in layers.iter().enumerate() {
            assert!(
                l.start >= prev_start,
                "layer {i} starts before layer {}",
                i.max(1) - 1
            );
            assert!(l.start + l.header_len <= l.end, "layer {i}: {l:?}");
            assert!(l.end <= buf.len(), "layer {i}: {l:?}");
            prev_start = l.start;
            let ok = match l.kind {
                K::Ethernet => layers.view::<Ethernet<&[u8]>>(buf, i).map(|_| ()),
                K::Vlan => layers.view::<VlanTagRef>(buf, i).map(|_| ()),
                K::Arp => layers.view::<Arp<&[u8]>>(buf, i).map(|_| ()),
                K::Ipv4 => layers.view::<Ipv4Ref>(buf, i).map(|_| ()),
                K::Ipv6 => layers.view::<Ipv6<&[u8]>>(buf, i).map(|_| ()),
                K::Udp => layers.view::<UdpRef>(buf, i).map(|_| ()),
                K::Tcp => layers.view::<Tcp<&[u8]>>(buf, i).map(|_| ()),
                K::Icmpv4 => layers.view::<Icmpv4<&[u8]>>(buf, i).map(|_| ()),
                K::Icmpv6 => layers.view::<Icmpv6<&[u8]>>(buf, i).map(|_| ()),
                K::Vxlan => layers.view::<Vxlan<&[u8]>>(buf, i).map(|_| ()),
                K::Gre => layers.view::<Gre<&[u8]>>(buf, i).map(|_| ()),
                K::Macsec => layers.view::<Macsec<&[u8]>>(buf, i).map(|_| ()),
                K::Geneve => layers.view::<Geneve<&[u8]>>(buf, i).map(|_| ()),
                K::Mpls => layers.view::<Mpls<&[u8]>>(buf, i).map(|_| ()),
                K::Gtpu => layers.view::<Gtpu<&[u8]>>(buf, i).map(|_| ()),
                K::Pppoe => layers.view::<Pppoe<&[u8]>>(buf, i).map(|_| ()),
                K::PppoeDiscovery => layers.view::<PppoeDiscovery<&[u8]>>(buf, i).map(|_| ()),
                K::Ipv6Ext(_) | K::Payload => Ok(()),
            };
            assert_eq!(ok, Ok(()), "layer {i}: {l:?}");
        }
        // Only the last layer may be the undissected rest.
        let payloads = layers.iter().filter(|l| l.kind == K::Payload).count();
        assert!(payloads <= 1);
        if payloads == 1 {
            assert_eq!(layers.last().unwrap().kind, K::Payload);
        }
    }

    #[test]
    fn qinq_arp() -> Result<(), Error> {
        let layers = Layers::from_ethernet(&QINQ_ARP);
        assert_eq!(
            shape(&layers),
            [
                (K::Ethernet, 0, 14, 64),
                (K::Vlan, 14, 4, 64),
                (K::Vlan, 18, 4, 64),
                (K::Arp, 22, 28, 64),
                (K::Payload, 50, 14, 64),
            ]
        );
        assert_eq!(layers.error(), None);
        let eth: Ethernet<&[u8]> = layers.view(&QINQ_ARP, 0)?;
        assert_eq!(eth.ethertype(), EtherType::QINQ);
        let s_tag: VlanTagRef = layers.view(&QINQ_ARP, 1)?;
        assert_eq!(
            (s_tag.vid().value(), s_tag.ethertype()),
            (200, EtherType::VLAN)
        );
        let c_tag: VlanTagRef = layers.view(&QINQ_ARP, 2)?;
        assert_eq!(
            (c_tag.vid().value(), c_tag.ethertype()),
            (2001, EtherType::ARP)
        );
        let arp: Arp<&[u8]> = layers.view(&QINQ_ARP, 3)?;
        assert_eq!(arp.sender_ipv4(), Some(Ipv4Addr::new(172, 21, 79, 97)));
        assert_eq!(arp.target_ipv4(), Some(Ipv4Addr::new(172, 21, 79, 100)));
        assert_eq!(layers.find(K::Vlan, Which::Outermost), Some(1));
        assert_eq!(layers.find(K::Vlan, Which::Innermost), Some(2));
        assert_eq!(layers.enclosing_ip(3), None);
        check_invariants(&QINQ_ARP, &layers);
        Ok(())
    }

    #[test]
    fn vxlan_icmp() -> Result<(), Error> {
        let layers = Layers::from_ethernet(&VXLAN_ICMP);
        assert_eq!(
            shape(&layers),
            [
                (K::Ethernet, 0, 14, 148),
                (K::Ipv4, 14, 20, 148),
                (K::Udp, 34, 8, 148),
                (K::Vxlan, 42, 8, 148),
                (K::Ethernet, 50, 14, 148),
                (K::Ipv4, 64, 20, 148),
                (K::Icmpv4, 84, 8, 148),
                (K::Payload, 92, 56, 148),
            ]
        );
        assert_eq!(layers.error(), None);
        assert!(layers.iter().all(|l| !l.truncated));
        assert_eq!(layers.find(K::Ipv4, Which::Outermost), Some(1));
        assert_eq!(layers.find(K::Ipv4, Which::Innermost), Some(5));
        assert_eq!(layers.find(K::Tcp, Which::Innermost), None);
        assert_eq!(layers.find_by(LayerKind::is_ip, Which::Innermost), Some(5));
        assert_eq!(layers.enclosing_ip(6), Some(5));
        assert_eq!(layers.enclosing_ip(4), Some(1));
        assert_eq!(layers.enclosing_ip(1), None);
        assert_eq!(layers.enclosing_ip(99), None);
        let vx: Vxlan<&[u8]> = layers.view(&VXLAN_ICMP, 3)?;
        assert_eq!(vx.vni().value(), 100);
        let udp: UdpRef = layers.view(&VXLAN_ICMP, 2)?;
        assert_eq!((udp.dst_port(), udp.checksum()), (4789, 0));
        let inner: Ipv4Ref = layers.view(&VXLAN_ICMP, 5)?;
        assert_eq!(inner.src(), Ipv4Addr::new(192, 168, 203, 3));
        assert!(inner.verify_checksum());
        check_invariants(&VXLAN_ICMP, &layers);
        Ok(())
    }

    #[test]
    fn vxlan_arp_has_no_payload_layer() {
        let layers = Layers::from_ethernet(&VXLAN_ARP);
        assert_eq!(
            shape(&layers),
            [
                (K::Ethernet, 0, 14, 92),
                (K::Ipv4, 14, 20, 92),
                (K::Udp, 34, 8, 92),
                (K::Vxlan, 42, 8, 92),
                (K::Ethernet, 50, 14, 92),
                (K::Arp, 64, 28, 92),
            ]
        );
        assert_eq!(layers.error(), None);
        check_invariants(&VXLAN_ARP, &layers);
    }

    #[test]
    fn extra_vxlan_port() {
        // vxlan_port_8472.pcap is vxlan.pcap with the UDP destination port
        // 4789 (0x12b5) changed to 8472 (0x2118), the Linux legacy port.
        let mut frame = VXLAN_ICMP;
        frame[36..38].copy_from_slice(&[0x21, 0x18]);
        let plain = Layers::from_ethernet(&frame);
        assert_eq!(
            shape(&plain),
            [
                (K::Ethernet, 0, 14, 148),
                (K::Ipv4, 14, 20, 148),
                (K::Udp, 34, 8, 148),
                (K::Payload, 42, 106, 148),
            ]
        );
        let walker = Walker::new().with_vxlan_port(8472);
        assert_eq!(
            shape(&walker.ethernet(&frame)),
            shape(&Layers::from_ethernet(&VXLAN_ICMP))
        );
        // Ports past the seventh extra one are ignored.
        let mut many = Walker::new();
        for port in 1..=u16::try_from(MAX_EXTRA_VXLAN_PORTS).unwrap() {
            many = many.with_vxlan_port(port);
        }
        let many = many.with_vxlan_port(8472);
        assert!(many.is_vxlan_port(4789) && many.is_vxlan_port(7) && !many.is_vxlan_port(8472));
        assert_eq!(shape(&many.ethernet(&frame)), shape(&plain));
    }

    #[test]
    fn macsec_integrity_only_is_walked_through() -> Result<(), Error> {
        let layers = Layers::from_ethernet(&MACSEC_INTEGRITY);
        assert_eq!(
            shape(&layers),
            [
                (K::Ethernet, 0, 14, 130),
                (K::Macsec, 14, 14, 130),
                // The inner EtherType (28..30) belongs to no layer; the ICV
                // (114..130) to none but the SecTAG's.
                (K::Ipv4, 30, 20, 114),
                (K::Icmpv4, 50, 8, 114),
                (K::Payload, 58, 56, 114),
            ]
        );
        assert_eq!(layers.error(), None);
        let sectag: Macsec<&[u8]> = layers.view(&MACSEC_INTEGRITY, 1)?;
        assert_eq!((sectag.pn(), sectag.icv().len()), (0x44, 16));
        let ip: Ipv4Ref = layers.view(&MACSEC_INTEGRITY, 2)?;
        assert!(ip.verify_checksum());
        check_invariants(&MACSEC_INTEGRITY, &layers);
        Ok(())
    }

    #[test]
    fn macsec_encrypted_stops_at_the_sectag() {
        let layers = Layers::from_ethernet(&MACSEC_ENCRYPTED);
        assert_eq!(
            shape(&layers),
            [
                (K::Ethernet, 0, 14, 130),
                (K::Macsec, 14, 14, 130),
                (K::Payload, 28, 102, 130),
            ]
        );
        assert_eq!(layers.error(), None);
        check_invariants(&MACSEC_ENCRYPTED, &layers);
    }

    #[test]
    fn ipv6_routing_header() -> Result<(), Error> {
        let layers = Layers::from_ethernet(&RH0_ICMPV6);
        assert_eq!(
            shape(&layers),
            [
                (K::Ethernet, 0, 14, 86),
                (K::Ipv6, 14, 40, 86),
                (K::Ipv6Ext(Ipv6ExtKind::Routing), 54, 24, 86),
                (K::Icmpv6, 78, 8, 86),
            ]
        );
        assert_eq!(layers.error(), None);
        assert_eq!(layers.enclosing_ip(3), Some(1));
        let icmp: Icmpv6<&[u8]> = layers.view(&RH0_ICMPV6, 3)?;
        assert!(icmp.is_echo());
        check_invariants(&RH0_ICMPV6, &layers);
        Ok(())
    }

    #[test]
    fn ipv6_hop_by_hop_mld() {
        let layers = Layers::from_ethernet(&MLD_HOPOPTS);
        assert_eq!(
            shape(&layers),
            [
                (K::Ethernet, 0, 14, 90),
                (K::Ipv6, 14, 40, 90),
                (K::Ipv6Ext(Ipv6ExtKind::HopByHop), 54, 8, 90),
                (K::Icmpv6, 62, 8, 90),
                (K::Payload, 70, 20, 90),
            ]
        );
        assert_eq!(layers.error(), None);
        check_invariants(&MLD_HOPOPTS, &layers);
    }

    #[test]
    fn gre_with_key_and_unknown_protocol() -> Result<(), Error> {
        let layers = Layers::from_ethernet(&GRE_KEY);
        assert_eq!(
            shape(&layers),
            [
                (K::Ethernet, 0, 14, 82),
                (K::Vlan, 14, 4, 82),
                (K::Ipv4, 18, 20, 82),
                (K::Gre, 38, 8, 82),
                (K::Payload, 46, 36, 82),
            ]
        );
        assert_eq!(layers.error(), None);
        let gre: Gre<&[u8]> = layers.view(&GRE_KEY, 3)?;
        assert_eq!(
            (gre.key(), gre.protocol_type()),
            (Some(0x28), EtherType(0x8909))
        );
        check_invariants(&GRE_KEY, &layers);
        Ok(())
    }

    #[test]
    fn ipv4_ethertype_with_version_6() {
        // kday1.pcap, which tshark reads as SIT: an IPv6 header sent with
        // the IPv4 EtherType. The walk goes by the EtherType.
        let layers = Layers::from_ethernet(&KDAY1_START);
        assert_eq!(shape(&layers), [(K::Ethernet, 0, 14, 34)]);
        assert_eq!(
            layers.error(),
            Some(Error::BadVersion {
                layer: ErrorLayer::Ipv4,
                found: 6
            })
        );
    }

    #[test]
    fn view_errors() {
        let layers = Layers::from_ethernet(&VXLAN_ICMP);
        let wrong = |index, found| {
            Err(Error::NoSuchLayer {
                index,
                expected: "a layer of the view's kind",
                found,
            })
        };
        // Wrong kind, index out of range, buffer shorter than the walked one.
        assert_eq!(
            layers.view::<UdpRef>(&VXLAN_ICMP, 1).map(|_| ()),
            wrong(1, Some("ipv4"))
        );
        assert_eq!(
            layers.view::<UdpRef>(&VXLAN_ICMP, 8).map(|_| ()),
            wrong(8, None)
        );
        assert_eq!(
            layers.view::<Ipv4Ref>(&VXLAN_ICMP[..100], 5).map(|_| ()),
            Err(Error::OutOfRange {
                start: 64,
                end: 148,
                len: 100
            })
        );
        let bad = wrong(2, Some("udp"));
        let mut frame = VXLAN_ICMP;
        assert_eq!(layers.view_mut::<Ipv4Mut>(&mut frame, 2).map(|_| ()), bad);
        // A buffer changed since the walk is checked again.
        frame[64] = 0x65;
        assert_eq!(
            layers.view_mut::<Ipv4Mut>(&mut frame, 5).map(|_| ()),
            Err(Error::BadVersion {
                layer: ErrorLayer::Ipv4,
                found: 6
            })
        );
    }

    #[test]
    fn view_mut_of_the_inner_ipv4_of_vxlan() -> Result<(), Error> {
        let mut frame = VXLAN_ICMP;
        let layers = Layers::from_ethernet(&frame);
        let i = layers.find(K::Ipv4, Which::Innermost).unwrap();
        assert_eq!(i, 5);
        let mut ip: Ipv4Mut<'_> = layers.view_mut(&mut frame, i)?;
        assert_eq!((ip.ttl(), ip.checksum()), (64, 0x234f));
        ip.set_ttl(1);
        let _ = ip.set_src(Ipv4Addr::new(10, 1, 2, 3));
        ip.set_dont_fragment(false);
        // The inner header checksum, from scratch.
        assert_eq!(plain_checksum(&frame[64..84]), 0);
        assert_eq!(frame[64 + 8], 1);
        assert_eq!(&frame[64 + 12..64 + 16], &[10, 1, 2, 3]);
        // Nothing outside the inner IPv4 header changed.
        assert_eq!(frame[..64], VXLAN_ICMP[..64]);
        assert_eq!(frame[84..], VXLAN_ICMP[84..]);
        // The frame still walks the same.
        assert_eq!(shape(&Layers::from_ethernet(&frame)), shape(&layers));
        Ok(())
    }

    #[test]
    fn every_truncation_of_a_vxlan_frame() {
        let full = Layers::from_ethernet(&VXLAN_ICMP);
        let error_layer_of = |k: LayerKind| match k {
            K::Ethernet => ErrorLayer::Ethernet,
            K::Ipv4 => ErrorLayer::Ipv4,
            K::Udp => ErrorLayer::Udp,
            K::Vxlan => ErrorLayer::Vxlan,
            K::Icmpv4 => ErrorLayer::Icmpv4,
            other => panic!("{other:?}"),
        };
        for len in 0..=VXLAN_ICMP.len() {
            let frame = &VXLAN_ICMP[..len];
            let layers = Layers::from_ethernet_capture(frame);
            check_invariants(frame, &layers);
            // The headers that fit are all there, in the same places, each
            // ending where the capture does.
            let fits: Vec<Layer> = full
                .iter()
                .filter(|l| {
                    if l.kind == K::Payload {
                        l.start < len
                    } else {
                        l.start + l.header_len <= len
                    }
                })
                .collect();
            assert_eq!(layers.len(), fits.len(), "len {len}");
            for (got, want) in layers.iter().zip(&fits) {
                assert_eq!((got.kind, got.start), (want.kind, want.start), "len {len}");
                let header_len = if got.kind == K::Payload {
                    len - got.start
                } else {
                    want.header_len
                };
                assert_eq!((got.header_len, got.end), (header_len, len), "len {len}");
                // Each layer with a length field knows it was cut short.
                let has_len = matches!(got.kind, K::Ipv4 | K::Udp);
                assert_eq!(got.truncated, has_len && len < 148, "len {len} {got:?}");
            }
            // The first header that does not fit is the error, counted
            // from its own start.
            match full.get(fits.len()) {
                Some(next) if next.kind != K::Payload => assert_eq!(
                    layers.error(),
                    Some(Error::Truncated {
                        layer: error_layer_of(next.kind),
                        needed: next.header_len,
                        available: len - next.start,
                    }),
                    "len {len}"
                ),
                _ => assert_eq!(layers.error(), None, "len {len}"),
            }
        }
    }

    /// An IPv4 header for nesting tests: no options, checksum left 0
    /// (the walk does not verify it).
    fn ipv4_around(protocol: IpProtocol, inner: &[u8]) -> Vec<u8> {
        let mut out = vec![0; 20];
        Ipv4Header {
            protocol,
            payload_len: u16::try_from(inner.len()).unwrap(),
            src: Ipv4Addr::new(192, 0, 2, 1),
            dst: Ipv4Addr::new(192, 0, 2, 2),
            ..Ipv4Header::default()
        }
        .emit(&mut out)
        .unwrap();
        out.extend_from_slice(inner);
        out
    }

    fn ipv6_around(next_header: IpProtocol, inner: &[u8]) -> Vec<u8> {
        let mut out = vec![0; 40];
        Ipv6Header {
            next_header,
            payload_len: u16::try_from(inner.len()).unwrap(),
            src: Ipv6Addr::LOCALHOST,
            dst: Ipv6Addr::LOCALHOST,
            ..Ipv6Header::default()
        }
        .emit(&mut out)
        .unwrap();
        out.extend_from_slice(inner);
        out
    }

    /// A UDP header with no data, inside `depth` IP headers: IPv4 (`v6`
    /// false), IPv6, or alternating (`None`).
    fn nested(depth: usize, v6: Option<bool>) -> Vec<u8> {
        let mut pkt = vec![0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00];
        let mut protocol = IpProtocol::UDP;
        for level in 0..depth {
            let six = v6.unwrap_or(level % 2 == 1);
            pkt = if six {
                ipv6_around(protocol, &pkt)
            } else {
                ipv4_around(protocol, &pkt)
            };
            protocol = if six {
                IpProtocol::IPV6
            } else {
                IpProtocol::IPV4
            };
        }
        pkt
    }

    #[test]
    fn nesting_limit() {
        // 31 IPv4 headers and the UDP header fill the 32 layers exactly.
        let layers = Layers::from_ip(&nested(MAX_LAYERS - 1, Some(false)));
        assert_eq!((layers.len(), layers.error()), (MAX_LAYERS, None));
        assert_eq!(layers.get(MAX_LAYERS - 1).unwrap().kind, K::Udp);
        // One more IPv4 header, and the UDP header is one layer too many.
        let layers = Layers::from_ip(&nested(MAX_LAYERS, Some(false)));
        assert_eq!(layers.len(), MAX_LAYERS);
        assert_eq!(
            layers.error(),
            Some(Error::TooDeep {
                layer: ErrorLayer::Udp
            })
        );
        for depth in [MAX_LAYERS + 1, 40, 200] {
            for (v6, layer) in [
                (Some(false), ErrorLayer::Ipv4),
                (Some(true), ErrorLayer::Ipv6),
            ] {
                let pkt = nested(depth, v6);
                let layers = Layers::from_ip(&pkt);
                assert_eq!(layers.len(), MAX_LAYERS);
                assert_eq!(layers.error(), Some(Error::TooDeep { layer }));
                let hdr = if v6 == Some(true) { 40 } else { 20 };
                for (i, l) in layers.iter().enumerate() {
                    assert_eq!((l.start, l.end), (i * hdr, pkt.len()));
                }
                check_invariants(&pkt, &layers);
            }
            // IPIP, SIT, IPv6-in-IPv6 and IPv4-in-IPv6 alternating.
            let pkt = nested(depth, None);
            let layers = Layers::from_ip(&pkt);
            assert_eq!(layers.len(), MAX_LAYERS);
            assert!(matches!(layers.error(), Some(Error::TooDeep { .. })));
            check_invariants(&pkt, &layers);
        }
        // Behind an Ethernet header, one IP header fewer fits.
        let mut frame = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
        frame.extend(nested(MAX_LAYERS, Some(false)));
        let layers = Layers::from_ethernet(&frame);
        assert_eq!(layers.len(), MAX_LAYERS);
        assert_eq!(
            layers.error(),
            Some(Error::TooDeep {
                layer: ErrorLayer::Ipv4
            })
        );
    }

    #[test]
    fn later_fragments_are_payload() {
        // IPv4: offset 185 (1480 bytes), protocol UDP, but no UDP header here.
        let mut v4 = ipv4_around(IpProtocol::UDP, &[0xAB; 16]);
        v4[6..8].copy_from_slice(&185u16.to_be_bytes());
        let layers = Layers::from_ip(&v4);
        assert_eq!(
            shape(&layers),
            [(K::Ipv4, 0, 20, 36), (K::Payload, 20, 16, 36)]
        );
        // The first fragment (MF set, offset 0) is dissected: its UDP
        // length counts the whole datagram, beyond this fragment.
        v4[6..8].copy_from_slice(&0x2000u16.to_be_bytes());
        let layers = Layers::from_ip(&v4);
        assert_eq!(
            shape(&layers),
            [
                (K::Ipv4, 0, 20, 36),
                (K::Udp, 20, 8, 36),
                (K::Payload, 28, 8, 36)
            ]
        );
        // That is fragmentation, not a short capture: not truncated.
        assert!(!layers.get(1).unwrap().truncated);
        assert_eq!(layers.error(), None);
        // IPv6: a fragment header with offset 1 (8 bytes).
        let frag = [17, 0, 0, 8, 0, 0, 0, 7, 0xCD, 0xCD, 0xCD, 0xCD];
        let v6 = ipv6_around(IpProtocol::IPV6_FRAG, &frag);
        let layers = Layers::from_ip(&v6);
        assert_eq!(
            shape(&layers),
            [
                (K::Ipv6, 0, 40, 52),
                (K::Ipv6Ext(Ipv6ExtKind::Fragment), 40, 8, 52),
                (K::Payload, 48, 4, 52),
            ]
        );
        assert_eq!(layers.error(), None);
    }

    #[test]
    fn ipv6_jumbogram_runs_to_the_end_of_the_buffer() {
        // RFC 2675: payload length 0, a hop-by-hop header with the Jumbo
        // Payload option (type 0xC2) carrying the real length.
        let mut pkt = ipv6_around(IpProtocol::HOP_BY_HOP, &[]);
        pkt.extend_from_slice(&[58, 0, 0xC2, 4, 0x00, 0x01, 0x00, 0x10]);
        pkt.extend_from_slice(&[128, 0, 0, 0, 0, 1, 0, 1]); // ICMPv6 echo request
        pkt.extend_from_slice(&[0x5A; 8]);
        // The option says 65,552 bytes: a capture walk reads what is
        // there, a strict walk refuses the length.
        assert_eq!(
            Layers::from_ip(&pkt).error(),
            Some(Error::BadLength {
                layer: ErrorLayer::Ipv6Ext,
                found: 65_552,
                min: 65_536,
                max: 24
            })
        );
        let layers = Layers::from_ip_capture(&pkt);
        assert_eq!(layers.error(), None);
        assert_eq!(
            shape(&layers),
            [
                (K::Ipv6, 0, 40, 64),
                (K::Ipv6Ext(Ipv6ExtKind::HopByHop), 40, 8, 64),
                (K::Icmpv6, 48, 8, 64),
                (K::Payload, 56, 8, 64),
            ]
        );
        check_invariants(&pkt, &layers);
    }

    #[test]
    fn strict_jumbogram_ends_where_its_option_says() {
        // A whole jumbogram of 65,552 payload octets, and 6 bytes of
        // link-layer padding after it.
        let mut pkt = ipv6_around(IpProtocol::HOP_BY_HOP, &[]);
        pkt.extend_from_slice(&[17, 0, 0xC2, 4, 0x00, 0x01, 0x00, 0x10]);
        pkt.extend_from_slice(&[0x30, 0x39, 0x00, 0x35, 0, 0, 0, 0]); // UDP, length 0
        pkt.resize(40 + 65_552 + 6, 0x5A);
        let layers = Layers::from_ip(&pkt);
        assert_eq!(layers.error(), None);
        assert_eq!(
            shape(&layers),
            [
                (K::Ipv6, 0, 40, 65_592),
                (K::Ipv6Ext(Ipv6ExtKind::HopByHop), 40, 8, 65_592),
                (K::Udp, 48, 8, 65_592),
                (K::Payload, 56, 65_536, 65_592),
            ]
        );
        // Payload length 0 and a hop-by-hop header without the option.
        let mut no_jumbo = ipv6_around(IpProtocol::HOP_BY_HOP, &[]);
        no_jumbo.extend_from_slice(&[59, 0, 1, 4, 0, 0, 0, 0]);
        assert_eq!(
            Layers::from_ip(&no_jumbo).error(),
            Some(Error::BadValue {
                layer: ErrorLayer::Ipv6Ext,
                field: "Jumbo Payload option"
            })
        );
    }

    /// Strict by default, lax by name: every malformed header that its
    /// own checked constructor refuses is refused by the data-plane walk
    /// too, at that layer; the capture walk reads the offload and snap-cut
    /// cases (and only those) on.
    #[test]
    #[allow(clippy::too_many_lines)] // one table
    fn the_strict_walk_refuses_what_the_views_refuse() {
        use crate::flow::tests::TCP_TIMESTAMPS;
        #[rustfmt::skip]
        const UDP: [u8; 44] = [
            0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
            0x45, 0, 0, 30, 0, 0, 0x40, 0, 64, 17, 0x26, 0xcd, 10, 0, 0, 1, 10, 0, 0, 2,
            0x30, 0x39, 0x00, 0x35, 0x00, 0x0a, 0x53, 0x00, b'h', b'i',
        ];
        type Edit = fn(&mut Vec<u8>);
        // (what, frame, edit, layer of the error, capture walk reads it)
        let cases: [(&str, &[u8], Edit, ErrorLayer, bool); 12] = [
            (
                "IPv4 total length 0",
                &UDP,
                |f| f[16..18].copy_from_slice(&[0, 0]),
                ErrorLayer::Ipv4,
                true,
            ),
            (
                "IPv4 total length past the buffer",
                &UDP,
                |f| f[17] = 31,
                ErrorLayer::Ipv4,
                true,
            ),
            (
                "IPv4 total length below the header",
                &UDP,
                |f| f[17] = 19,
                ErrorLayer::Ipv4,
                false,
            ),
            (
                "IPv4 IHL 4",
                &UDP,
                |f| f[14] = 0x44,
                ErrorLayer::Ipv4,
                false,
            ),
            (
                "IPv4 version 6",
                &UDP,
                |f| f[14] = 0x65,
                ErrorLayer::Ipv4,
                false,
            ),
            (
                "UDP length 0",
                &UDP,
                |f| f[38..40].copy_from_slice(&[0, 0]),
                ErrorLayer::Udp,
                false,
            ),
            (
                "UDP length past the IP payload",
                &UDP,
                |f| f[39] = 11,
                ErrorLayer::Udp,
                false,
            ),
            (
                "UDP length below its header",
                &UDP,
                |f| f[39] = 7,
                ErrorLayer::Udp,
                false,
            ),
            (
                "TCP data offset 4",
                &TCP_TIMESTAMPS,
                |f| f[46] = 0x40,
                ErrorLayer::Tcp,
                false,
            ),
            (
                "TCP options past the segment",
                &TCP_TIMESTAMPS,
                |f| f[46] = 0xF0,
                ErrorLayer::Tcp,
                false,
            ),
            (
                "frame cut inside the TCP payload",
                &TCP_TIMESTAMPS,
                |f| f.truncate(70),
                ErrorLayer::Ipv4,
                true,
            ),
            (
                "VXLAN without its I flag",
                &VXLAN_ICMP,
                |f| f[42] = 0,
                ErrorLayer::Vxlan,
                false,
            ),
        ];
        for (what, frame, edit, layer, capture_reads) in cases {
            let mut f = frame.to_vec();
            edit(&mut f);
            let strict = Layers::from_ethernet(&f);
            let err = strict.error().unwrap_or_else(|| panic!("{what}: accepted"));
            assert_eq!(err.layer(), layer, "{what}: {err}");
            // The header's own checked constructor refuses it too.
            let own = match layer {
                ErrorLayer::Ipv4 => Ipv4::new(&f[14..]).map(drop),
                ErrorLayer::Udp => {
                    Ipv4::new(&f[14..]).and_then(|ip| Udp::new(ip.payload()).map(drop))
                }
                ErrorLayer::Tcp => {
                    Ipv4::new(&f[14..]).and_then(|ip| Tcp::new(ip.payload()).map(drop))
                }
                ErrorLayer::Vxlan => Err(err),
                _ => unreachable!(),
            };
            assert!(own.is_err(), "{what}: the view accepts it");
            let lax = Layers::from_ethernet_capture(&f);
            assert_eq!(
                lax.error().is_none() || lax.is_cut_short(),
                capture_reads,
                "{what}: {:?}",
                lax.error()
            );
        }
        // An IPv6 payload length past the buffer, and 0 with a hop-by-hop
        // header but no Jumbo Payload option.
        let mut v6 = ipv6_around(IpProtocol::ICMPV6, &[128, 0, 0, 0, 0, 1, 0, 1]);
        v6[5] += 1;
        assert_eq!(
            Layers::from_ip(&v6).error().map(|e| e.layer()),
            Some(ErrorLayer::Ipv6)
        );
        assert!(Ipv6::new(&v6[..]).is_err());
        assert!(Layers::from_ip_capture(&v6).error().is_none());
    }

    #[test]
    fn empty_and_tiny_input() {
        for len in 0..14 {
            let layers = Layers::from_ethernet(&VXLAN_ICMP[..len]);
            assert!(layers.is_empty());
            assert_eq!(
                layers.error(),
                Some(Error::truncated(ErrorLayer::Ethernet, 14, len))
            );
        }
        let layers = Layers::from_ip(&[]);
        assert!(layers.is_empty());
        assert_eq!(
            layers.error(),
            Some(Error::truncated(ErrorLayer::Ipv4, 20, 0))
        );
        let layers = Layers::from_ip(&[0x60; 39]);
        assert_eq!(
            layers.error(),
            Some(Error::truncated(ErrorLayer::Ipv6, 40, 39))
        );
    }

    pub(crate) const REAL_FRAMES: [&[u8]; 9] = [
        &QINQ_ARP,
        &VXLAN_ICMP,
        &VXLAN_ARP,
        &MACSEC_INTEGRITY,
        &MACSEC_ENCRYPTED,
        &RH0_ICMPV6,
        &MLD_HOPOPTS,
        &GRE_KEY,
        &KDAY1_START,
    ];

    proptest! {
        /// Random bytes after a real frame's first headers: never a panic,
        /// every layer in bounds and accepted by its view.
        #[test]
        fn mutated_real_frames(
            which in 0..REAL_FRAMES.len(),
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6),
            cut in any::<usize>(),
        ) {
            let mut frame = REAL_FRAMES[which].to_vec();
            for (at, b) in edits {
                let n = frame.len();
                frame[at % n] = b;
            }
            frame.truncate(cut % (frame.len() + 1));
            let layers = Layers::from_ethernet(&frame);
            check_invariants(&frame, &layers);
            let layers = Walker::new().with_vxlan_port(8472).ip(&frame);
            check_invariants(&frame, &layers);
        }

        #[test]
        fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            check_invariants(&bytes, &Layers::from_ethernet(&bytes));
            check_invariants(&bytes, &Layers::from_ip(&bytes));
        }
    }

    /// What the general walk alone records, as `walk` did before it had a
    /// fast path.
    fn general(w: &Walker, buf: &[u8], ip: bool, network_only: bool) -> Layers {
        let mut layers = Layers::new();
        let first = if ip {
            Walker::ip_start(buf)
        } else {
            Next::Ethernet(0)
        };
        w.walk_general(buf, first, &mut layers, network_only);
        layers
    }

    /// Walks `buf` every way (Ethernet, network layer only, bare IP) with
    /// the fast path and the general walk alone, into a reused `Layers`
    /// that held other layers before, and checks that they record the
    /// same; returns how many of the three the fast path read.
    fn fast_path_agrees(w: &Walker, buf: &[u8], reused: &mut Layers) -> usize {
        let mut taken = 0;
        for (ip, network_only) in [(false, false), (false, true), (true, false)] {
            let first = if ip {
                Walker::ip_start(buf)
            } else {
                Next::Ethernet(0)
            };
            w.ethernet_into(&VXLAN_ICMP, reused);
            let mut probe = Layers::new();
            taken += usize::from(w.walk_common(buf, first, &mut probe, network_only));
            w.walk(buf, first, reused, network_only);
            assert_eq!(
                *reused,
                general(w, buf, ip, network_only),
                "fast path and general walk differ (ip {ip}, network only {network_only}) on {buf:02x?}"
            );
        }
        taken
    }

    /// The fast path against the general walk on every packet of the
    /// tcpdump corpus (skipped when `../shared` is absent), for the strict
    /// walker, one with an extra VXLAN port, and the capture walker.
    #[test]
    fn fast_path_equals_the_general_walk_on_the_corpus() {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        let mut files = Vec::new();
        for dir in ["tcpdump", "tcpdump-linktypes"] {
            if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
                files.extend(entries.filter_map(Result::ok).map(|e| e.path()));
            }
        }
        if files.is_empty() {
            std::println!(
                "note: {} is absent; corpus comparison skipped",
                root.display()
            );
            return;
        }
        let walkers = [
            Walker::new(),
            Walker::new().with_vxlan_port(8472),
            Walker::capture(),
        ];
        let mut reused = Layers::new();
        let (mut packets, mut taken) = (0usize, 0usize);
        for f in files {
            let Ok(image) = std::fs::read(&f) else {
                continue;
            };
            let mut frames = Vec::new();
            let _ = wireview_cli::capture::for_each_packet(&image[..], |r| {
                frames.push(r.data.to_vec());
            });
            for frame in frames {
                packets += 1;
                for w in &walkers {
                    taken += fast_path_agrees(w, &frame, &mut reused);
                }
            }
        }
        // Not vacuous: most of the corpus is plain TCP/UDP over IP.
        assert!(packets > 3_000, "{packets} packets");
        assert!(
            taken > packets / 2,
            "fast path taken {taken} times in {packets} packets"
        );
    }

    /// A frame of the shapes the fast path reads, with every field it
    /// checks drawn from values at and around its bounds (`None`: the
    /// length that fits the frame).
    fn near_common_frame() -> impl Strategy<Value = Vec<u8>> {
        let ethertype = prop_oneof![
            4 => Just(0x0800u16), 3 => Just(0x86dd), 1 => Just(0x8100), 1 => Just(0x88a8),
            1 => Just(0x9100), 1 => Just(0x0806), 1 => any::<u16>()
        ];
        let tags = proptest::collection::vec(
            prop_oneof![
                Just(0x8100u16),
                Just(0x88a8),
                Just(0x0800),
                Just(0x86dd),
                any::<u16>()
            ],
            0..4,
        );
        let len = |v: Vec<u16>| {
            let picks: Vec<_> = v.into_iter().map(|x| Just(Some(x))).collect();
            prop_oneof![
                6 => Just(None),
                3 => proptest::strategy::Union::new(picks),
                1 => any::<u16>().prop_map(Some)
            ]
        };
        let ip = (
            prop_oneof![
                6 => Just(0x45u8), 4 => Just(0x60), 1 => Just(0x46), 1 => Just(0x44),
                1 => Just(0x55), 1 => any::<u8>()
            ],
            len(std::vec![0, 19, 20, 21, 28, 39, 40, 41, 60, 1500]),
            prop_oneof![
                4 => Just(0u16), 2 => Just(0x4000), 1 => Just(0x2000), 1 => Just(0x0001),
                1 => Just(0x8000), 1 => Just(0x0100), 1 => any::<u16>()
            ],
            prop_oneof![
                4 => Just(6u8), 4 => Just(17), 1 => Just(1), 1 => Just(58), 1 => Just(0),
                1 => Just(44), 1 => Just(47), 1 => any::<u8>()
            ],
        );
        let l4 = (
            prop_oneof![
                4 => Just(0x50u8), 1 => Just(0x40), 1 => Just(0x60), 1 => Just(0xf0), 1 => any::<u8>()
            ],
            len(std::vec![0, 1, 7, 8, 9, 20, 28, 1500]),
            prop_oneof![
                1 => Just(4789u16), 1 => Just(8472), 1 => Just(6081), 1 => Just(2152),
                1 => Just(6635), 4 => Just(53), 2 => any::<u16>()
            ],
        );
        let cut = prop_oneof![3 => Just(None), 1 => any::<usize>().prop_map(Some)];
        (ethertype, tags, ip, l4, 0usize..48, 0usize..8, cut).prop_map(
            |(et, tags, (v, ip_len, frag, proto), (offset, udp_len, port), extra, pad, cut)| {
                let mut f = std::vec![0u8; 12];
                let mut et = et;
                for t in tags {
                    f.extend_from_slice(&et.to_be_bytes());
                    f.extend_from_slice(&[0, 1]);
                    et = t;
                }
                f.extend_from_slice(&et.to_be_bytes());
                let ip_at = f.len();
                let v6 = v >> 4 == 6;
                let ip_hlen = if v6 { 40 } else { 20 };
                let l4_len = 20 + extra;
                f.resize(ip_at + ip_hlen + l4_len, 0xa5);
                // Ethernet padding after the datagram.
                f.resize(f.len() + pad, 0);
                let h = &mut f[ip_at..];
                h[0] = v;
                if v6 {
                    let plen = ip_len.unwrap_or(l4_len as u16);
                    h[4..6].copy_from_slice(&plen.to_be_bytes());
                    h[6] = proto;
                } else {
                    let total = ip_len.unwrap_or((ip_hlen + l4_len) as u16);
                    h[2..4].copy_from_slice(&total.to_be_bytes());
                    h[6..8].copy_from_slice(&frag.to_be_bytes());
                    h[9] = proto;
                }
                let l = &mut f[ip_at + ip_hlen..];
                l[2..4].copy_from_slice(&port.to_be_bytes());
                if proto == 17 {
                    l[4..6].copy_from_slice(&udp_len.unwrap_or(l4_len as u16).to_be_bytes());
                }
                l[12] = offset;
                if let Some(cut) = cut {
                    f.truncate(cut % (f.len() + 1));
                }
                f
            },
        )
    }

    /// A [`near_common_frame`] inside Ethernet / IPv4 or IPv6 / UDP /
    /// VXLAN, with the outer lengths, port and VXLAN flags drawn around
    /// what the fast path checks.
    fn near_vxlan_frame() -> impl Strategy<Value = Vec<u8>> {
        (
            near_common_frame(),
            any::<bool>(),
            prop_oneof![4 => Just(4789u16), 1 => Just(8472), 1 => Just(6081), 1 => any::<u16>()],
            prop_oneof![4 => Just(0x08u8), 1 => Just(0x00), 1 => any::<u8>()],
            prop_oneof![3 => Just(0i16), 2 => -9i16..0, 1 => 1i16..9],
            0usize..8,
        )
            .prop_map(|(inner, v6, port, flags, skew, pad)| {
                let udp_len = 8 + 8 + inner.len();
                let mut f = std::vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1];
                if v6 {
                    f.extend_from_slice(&[0x86, 0xdd, 0x60, 0, 0, 0]);
                    f.extend_from_slice(&(udp_len as u16).to_be_bytes());
                    f.extend_from_slice(&[17, 64]);
                    f.extend_from_slice(&[0x20; 32]);
                } else {
                    f.extend_from_slice(&[0x08, 0x00, 0x45, 0]);
                    f.extend_from_slice(&((20 + udp_len) as u16).to_be_bytes());
                    f.extend_from_slice(&[0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
                }
                let ulen = (udp_len as u16).saturating_add_signed(skew);
                f.extend_from_slice(&[0xc0, 0x00]);
                f.extend_from_slice(&port.to_be_bytes());
                f.extend_from_slice(&ulen.to_be_bytes());
                f.extend_from_slice(&[0, 0, flags, 0, 0, 0, 0, 0, 7, 0]);
                f.extend_from_slice(&inner);
                // Ethernet padding after the outer datagram.
                f.resize(f.len() + pad, 0);
                f
            })
    }

    /// A plain TCP frame in VXLAN, with and without the I flag: the fast
    /// path reads the first and leaves the second to the general walk,
    /// which ends with an error at `vxlan` (RFC 7348).
    #[test]
    fn fast_path_through_vxlan_needs_the_i_flag() {
        let w = Walker::new();
        let mut reused = Layers::new();
        for v6 in [false, true] {
            let mut frame =
                crate::packet::tests::vxlan_frame(&crate::flow::tests::TCP_TIMESTAMPS, v6, true);
            let vx = w.ethernet(&frame).find(K::Vxlan, Which::Outermost).unwrap();
            let at = w.ethernet(&frame).get(vx).unwrap().start;
            // Ethernet and network-layer walks take it; the bare-IP one
            // does not (the frame starts with Ethernet).
            assert_eq!(fast_path_agrees(&w, &frame, &mut reused), 2);
            w.ethernet_into(&frame, &mut reused);
            assert_eq!(reused.len(), 8);
            frame[at] &= !0x08;
            assert_eq!(fast_path_agrees(&w, &frame, &mut reused), 1);
            w.ethernet_into(&frame, &mut reused);
            assert_eq!(reused.error().map(|e| e.layer()), Some(ErrorLayer::Vxlan));
        }
    }

    proptest! {
        #[test]
        fn fast_path_equals_the_general_walk_through_vxlan(frame in near_vxlan_frame()) {
            let mut reused = Layers::new();
            for w in [Walker::new(), Walker::new().with_vxlan_port(8472)] {
                fast_path_agrees(&w, &frame, &mut reused);
            }
        }

        #[test]
        fn fast_path_equals_the_general_walk(frame in near_common_frame()) {
            let mut reused = Layers::new();
            for w in [Walker::new(), Walker::new().with_vxlan_port(8472)] {
                fast_path_agrees(&w, &frame, &mut reused);
                // The same bytes as a bare IP packet.
                let ip_at = frame.len().min(14);
                fast_path_agrees(&w, &frame[ip_at..], &mut reused);
            }
        }
    }
}
