//! IPv6 extension headers ([RFC 8200 section 4]) and the IP Authentication
//! Header ([RFC 4302]).
//!
//! Every extension header starts with the same two octets; what the length
//! octet counts differs:
//!
//! ```text
//! hop-by-hop (0), routing (43), destination options (60):
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Next Header  |  Hdr Ext Len  |                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//! .   options / routing data: (Hdr Ext Len + 1) * 8 octets in all .
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!
//! fragment (44), always 8 octets:
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                         Identification                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!
//! authentication header (51): (Payload Len + 2) * 4 octets in all,
//! counted in 32-bit words, unlike the others:
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Next Header  |  Payload Len  |          RESERVED             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                 Security Parameters Index (SPI)               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Sequence Number Field                      |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! .                Integrity Check Value-ICV (variable)           .
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! [`ExtHeaders`] walks a chain of them and stops at the first next header
//! that is not one of these five (the upper layer, ESP, "no next header",
//! ...). The typed views [`Ipv6Fragment`], [`Ipv6Routing`] and [`Ipv6Auth`]
//! read and write one header; [`Ipv6Options`] iterates over the options
//! of a hop-by-hop or destination options header ([RFC 8200 section 4.2]).
//! No checksum covers an extension header, so their setters patch nothing.
//!
//! [RFC 8200 section 4]: https://www.rfc-editor.org/rfc/rfc8200#section-4
//! [RFC 8200 section 4.2]: https://www.rfc-editor.org/rfc/rfc8200#section-4.2
//! [RFC 4302]: https://www.rfc-editor.org/rfc/rfc4302

use core::fmt;
use core::iter::FusedIterator;

use crate::error::{Error, Layer};
use crate::field;
use crate::ip::IpProtocol;

/// The most extension headers [`ExtHeaders`] reads before it reports
/// [`Error::TooDeep`]. Real packets carry a handful at most (RFC 8200
/// section 4.1 recommends each kind once, destination options twice); the
/// walk is bounded by the buffer anyway, since every header is at least
/// 8 octets, and this limit keeps crafted chains cheap.
pub const MAX_EXT_HEADERS: usize = 16;

/// Length of the fragment header, in octets.
pub const FRAGMENT_LEN: usize = 8;
/// The shortest authentication header (no ICV), in octets.
pub const AUTH_MIN_LEN: usize = 12;
/// The shortest hop-by-hop, routing or destination options header, in octets.
pub const MIN_LEN: usize = 8;

/// Offsets shared by every extension header.
const NEXT_HEADER: usize = 0;
const LEN_OCTET: usize = 1;

/// The extension headers this module knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ipv6ExtKind {
    /// Hop-by-hop options (0), only allowed right after the IPv6 header.
    HopByHop,
    /// Routing header (43).
    Routing,
    /// Fragment header (44).
    Fragment,
    /// Destination options (60).
    Destination,
    /// IP Authentication Header (51, [RFC 4302](https://www.rfc-editor.org/rfc/rfc4302)).
    Auth,
}

impl Ipv6ExtKind {
    /// The kind of extension header `protocol` names, or `None` for any
    /// other next header (an upper layer, ESP, "no next header", ...).
    pub const fn from_protocol(protocol: IpProtocol) -> Option<Self> {
        match protocol {
            IpProtocol::HOP_BY_HOP => Some(Ipv6ExtKind::HopByHop),
            IpProtocol::IPV6_ROUTE => Some(Ipv6ExtKind::Routing),
            IpProtocol::IPV6_FRAG => Some(Ipv6ExtKind::Fragment),
            IpProtocol::IPV6_OPTS => Some(Ipv6ExtKind::Destination),
            IpProtocol::AH => Some(Ipv6ExtKind::Auth),
            _ => None,
        }
    }

    /// The next-header value that announces this kind.
    pub const fn protocol(self) -> IpProtocol {
        match self {
            Ipv6ExtKind::HopByHop => IpProtocol::HOP_BY_HOP,
            Ipv6ExtKind::Routing => IpProtocol::IPV6_ROUTE,
            Ipv6ExtKind::Fragment => IpProtocol::IPV6_FRAG,
            Ipv6ExtKind::Destination => IpProtocol::IPV6_OPTS,
            Ipv6ExtKind::Auth => IpProtocol::AH,
        }
    }

    /// The kind's name in lower case: `hop_by_hop`, `routing`, `fragment`,
    /// `destination` or `auth`.
    pub const fn name(self) -> &'static str {
        match self {
            Ipv6ExtKind::HopByHop => "hop_by_hop",
            Ipv6ExtKind::Routing => "routing",
            Ipv6ExtKind::Fragment => "fragment",
            Ipv6ExtKind::Destination => "destination",
            Ipv6ExtKind::Auth => "auth",
        }
    }

    /// The shortest header of this kind, in octets.
    const fn min_len(self) -> usize {
        match self {
            Ipv6ExtKind::Auth => AUTH_MIN_LEN,
            Ipv6ExtKind::Fragment => FRAGMENT_LEN,
            _ => MIN_LEN,
        }
    }

    /// The length of the header of this kind at the start of `b`, in octets,
    /// once its length octet is read and the whole header is in `b`.
    ///
    /// Errors: [`Error::Truncated`] (from the header's start; with fewer
    /// than 2 bytes, the kind's minimum is what is needed), and for AH
    /// [`Error::BadHeaderLength`] when the length is below 12 octets.
    fn header_len(self, b: &[u8]) -> Result<usize, Error> {
        let Some(&len_octet) = b.get(LEN_OCTET) else {
            return Err(Error::truncated(Layer::Ipv6Ext, self.min_len(), b.len()));
        };
        let len = usize::from(len_octet);
        let len = match self {
            Ipv6ExtKind::Fragment => FRAGMENT_LEN,
            Ipv6ExtKind::Auth => (len + 2) * 4,
            _ => (len + 1) * 8,
        };
        if len < self.min_len() {
            return Err(Error::BadHeaderLength {
                layer: Layer::Ipv6Ext,
                found: len,
            });
        }
        field::need(Layer::Ipv6Ext, b, len)?;
        Ok(len)
    }
}

impl fmt::Display for Ipv6ExtKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One extension header found by [`ExtHeaders`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6Ext<'a> {
    /// Which extension header this is.
    pub kind: Ipv6ExtKind,
    /// The header after this one.
    pub next_header: IpProtocol,
    /// The whole extension header, its first two octets included.
    pub data: &'a [u8],
}

// An extension header is never empty (8 octets at least); `is_empty` would
// always be false.
#[allow(clippy::len_without_is_empty)]
impl<'a> Ipv6Ext<'a> {
    /// Length of the whole extension header, in octets.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// The options of a hop-by-hop or destination options header, `None`
    /// for the other kinds.
    pub fn options(&self) -> Option<Ipv6Options<'a>> {
        match self.kind {
            Ipv6ExtKind::HopByHop | Ipv6ExtKind::Destination => {
                Some(Ipv6Options::new(&self.data[2..]))
            }
            _ => None,
        }
    }
}

/// Iterator over a chain of extension headers.
///
/// Made from the IPv6 header's next header and the bytes after the IPv6
/// header (usually through [`Ipv6::ext_headers`](crate::Ipv6::ext_headers)).
/// It yields each extension header and ends at the first next header that
/// is not one ([`Ipv6ExtKind::from_protocol`] gives `None`); then
/// [`upper_layer`](Self::upper_layer) tells what follows and where.
///
/// A header that cannot be read yields one error and ends the iteration:
/// [`Error::Truncated`] (counted from that header's start) or
/// [`Error::BadHeaderLength`] (an AH shorter than 12 octets), all with
/// [`Layer::Ipv6Ext`]; [`Error::BadValue`] with field `"next header"` for a
/// hop-by-hop header anywhere but first (RFC 8200 section 4.1); and
/// [`Error::TooDeep`] for a header after [`MAX_EXT_HEADERS`]. It never
/// panics and never reads a byte twice.
///
/// ```
/// use wireview::ipv6_ext::{ExtHeaders, Ipv6ExtKind};
/// use wireview::IpProtocol;
///
/// // Destination options (8 octets of padding), then UDP.
/// let bytes = [17, 0, 1, 4, 0, 0, 0, 0, /* UDP header ... */ 0x12, 0x34];
/// let mut exts = ExtHeaders::new(IpProtocol::IPV6_OPTS, &bytes);
/// let dst = exts.next().unwrap()?;
/// assert_eq!((dst.kind, dst.next_header, dst.len()), (Ipv6ExtKind::Destination, IpProtocol::UDP, 8));
/// assert!(exts.next().is_none());
/// assert_eq!(exts.upper_layer(), (IpProtocol::UDP, 8));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ExtHeaders<'a> {
    bytes: &'a [u8],
    next: IpProtocol,
    offset: usize,
    count: usize,
    done: bool,
}

impl<'a> ExtHeaders<'a> {
    /// A walk over `bytes`, whose first header is announced by `first`.
    pub const fn new(first: IpProtocol, bytes: &'a [u8]) -> Self {
        ExtHeaders {
            bytes,
            next: first,
            offset: 0,
            count: 0,
            done: false,
        }
    }

    /// The next header after the extension headers read so far and its
    /// offset in the bytes given to [`new`](Self::new). Once the iterator
    /// returned `None` this is the upper layer (or ESP, "no next header",
    /// ...) and where it starts; after an error, the header that could not
    /// be read and where it starts.
    pub const fn upper_layer(&self) -> (IpProtocol, usize) {
        (self.next, self.offset)
    }

    /// Reads the header of `kind` at the current offset and steps past it.
    fn read(&mut self, kind: Ipv6ExtKind) -> Result<Ipv6Ext<'a>, Error> {
        if kind == Ipv6ExtKind::HopByHop && self.count > 0 {
            return Err(Error::BadValue {
                layer: Layer::Ipv6Ext,
                field: "next header",
            });
        }
        if self.count == MAX_EXT_HEADERS {
            return Err(Error::TooDeep {
                layer: Layer::Ipv6Ext,
            });
        }
        // `offset` only grows by lengths checked against the rest below.
        let rest = &self.bytes[self.offset..];
        let len = kind.header_len(rest)?;
        let data = &rest[..len];
        let next_header = IpProtocol(data[NEXT_HEADER]);
        self.offset += len;
        self.next = next_header;
        self.count += 1;
        Ok(Ipv6Ext {
            kind,
            next_header,
            data,
        })
    }
}

impl<'a> Iterator for ExtHeaders<'a> {
    type Item = Result<Ipv6Ext<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let Some(kind) = Ipv6ExtKind::from_protocol(self.next) else {
            self.done = true;
            return None;
        };
        let item = self.read(kind);
        self.done = item.is_err();
        Some(item)
    }
}

impl FusedIterator for ExtHeaders<'_> {}

/// One option of a hop-by-hop or destination options header
/// ([RFC 8200 section 4.2]).
///
/// [RFC 8200 section 4.2]: https://www.rfc-editor.org/rfc/rfc8200#section-4.2
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6Option<'a> {
    /// The option type octet (action, may-change flag and number).
    pub kind: u8,
    /// The option data after the type and length octets (empty for Pad1).
    pub data: &'a [u8],
}

impl Ipv6Option<'_> {
    /// Pad1, a single zero octet.
    pub const PAD1: u8 = 0;
    /// PadN, `2 + len` octets of padding.
    pub const PADN: u8 = 1;
    /// Router alert ([RFC 2711](https://www.rfc-editor.org/rfc/rfc2711)).
    pub const ROUTER_ALERT: u8 = 5;
    /// Jumbo payload ([RFC 2675](https://www.rfc-editor.org/rfc/rfc2675)).
    pub const JUMBO_PAYLOAD: u8 = 0xC2;

    /// What a node that does not know the option must do, the type's top two
    /// bits: 0 skip it, 1 discard the packet, 2 discard and send an ICMP
    /// parameter problem, 3 the same unless the destination is multicast.
    pub const fn action(&self) -> u8 {
        self.kind >> 6
    }

    /// Whether the option data may change en route (the type's third bit).
    pub const fn may_change(&self) -> bool {
        self.kind & 0x20 != 0
    }

    /// Whether this is Pad1 or PadN.
    pub const fn is_padding(&self) -> bool {
        self.kind == Self::PAD1 || self.kind == Self::PADN
    }
}

/// Iterator over the options of a hop-by-hop or destination options header
/// (see [`Ipv6Ext::options`]), padding included. An option whose length runs
/// past the end yields one [`Error::BadValue`] (field `"option length"`)
/// and ends the iteration. It never panics.
///
/// ```
/// use wireview::ipv6_ext::{Ipv6Option, Ipv6Options};
///
/// // Router alert (MLD), then PadN of 0 data octets.
/// let opts: Vec<_> = Ipv6Options::new(&[5, 2, 0, 0, 1, 0]).collect();
/// assert_eq!(opts[0], Ok(Ipv6Option { kind: Ipv6Option::ROUTER_ALERT, data: &[0, 0] }));
/// assert_eq!(opts[1], Ok(Ipv6Option { kind: Ipv6Option::PADN, data: &[] }));
/// ```
#[derive(Debug, Clone)]
pub struct Ipv6Options<'a> {
    rest: &'a [u8],
}

impl<'a> Ipv6Options<'a> {
    /// The options in `bytes`: an options header without its first two
    /// octets.
    pub const fn new(bytes: &'a [u8]) -> Self {
        Ipv6Options { rest: bytes }
    }
}

impl<'a> Iterator for Ipv6Options<'a> {
    type Item = Result<Ipv6Option<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let (&kind, after) = self.rest.split_first()?;
        if kind == Ipv6Option::PAD1 {
            self.rest = after;
            return Some(Ok(Ipv6Option { kind, data: &[] }));
        }
        match after.split_first() {
            Some((&len, data)) if usize::from(len) <= data.len() => {
                let (data, rest) = data.split_at(usize::from(len));
                self.rest = rest;
                Some(Ok(Ipv6Option { kind, data }))
            }
            _ => {
                self.rest = &[];
                Some(Err(Error::BadValue {
                    layer: Layer::Ipv6Ext,
                    field: "option length",
                }))
            }
        }
    }
}

impl FusedIterator for Ipv6Options<'_> {}

// ---------------------------------------------------------------------------
// Fragment header
// ---------------------------------------------------------------------------

/// Byte offsets of the fragment header's fields.
mod frag_at {
    pub const OFFSET_FLAGS: usize = 2;
    pub const IDENT: usize = 4;
}

const FRAG_OFFSET_SHIFT: u16 = 3;
const FRAG_OFFSET_MAX: u16 = 0x1FFF;
const FRAG_M: u16 = 0x0001;

/// A zero-copy view of a fragment header ([RFC 8200 section 4.5]) and what
/// follows it.
///
/// ```
/// use wireview::ipv6_ext::{Ipv6Fragment, Ipv6FragmentHeader};
/// use wireview::IpProtocol;
///
/// let mut buf = [0u8; 8];
/// Ipv6FragmentHeader { next_header: IpProtocol::UDP, fragment_offset: 185,
///                      more_fragments: true, identification: 0xdead_beef }.emit(&mut buf)?;
/// let mut frag = Ipv6Fragment::new(&mut buf[..])?;
/// frag.set_more_fragments(false);
/// assert_eq!((frag.fragment_offset(), frag.fragment_offset_bytes()), (185, 1480));
/// assert_eq!((frag.more_fragments(), frag.identification()), (false, 0xdead_beef));
/// # Ok::<(), wireview::Error>(())
/// ```
///
/// [RFC 8200 section 4.5]: https://www.rfc-editor.org/rfc/rfc8200#section-4.5
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6Fragment<B> {
    buf: B,
}

/// A read-only fragment header view.
pub type Ipv6FragmentRef<'a> = Ipv6Fragment<&'a [u8]>;
/// A writable fragment header view.
pub type Ipv6FragmentMut<'a> = Ipv6Fragment<&'a mut [u8]>;

impl<B: AsRef<[u8]>> Ipv6Fragment<B> {
    /// Checks that `buf` starts with a whole fragment header (8 octets).
    ///
    /// # Errors
    /// [`Error::Truncated`] when it is shorter.
    pub fn new(buf: B) -> Result<Self, Error> {
        Ipv6ExtKind::Fragment.header_len(buf.as_ref())?;
        Ok(Ipv6Fragment { buf })
    }

    /// Wraps `buf` without any check (see [`Ipv6FragmentHeader::emit`] to
    /// write a fresh header). Accessors may panic on fewer than 8 octets.
    pub const fn new_unchecked(buf: B) -> Self {
        Ipv6Fragment { buf }
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> B {
        self.buf
    }

    /// The whole buffer the view was made from.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.as_ref()
    }

    #[inline]
    fn b(&self) -> &[u8] {
        self.buf.as_ref()
    }

    fn offset_flags(&self) -> u16 {
        field::u16_at(self.b(), frag_at::OFFSET_FLAGS)
    }

    /// Length of the header, in octets: always 8.
    pub fn header_len(&self) -> usize {
        FRAGMENT_LEN
    }

    /// The header after this one (in the first fragment; the same value in
    /// every fragment of a packet).
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol(self.b()[NEXT_HEADER])
    }

    /// Fragment offset, in 8-octet units.
    pub fn fragment_offset(&self) -> u16 {
        self.offset_flags() >> FRAG_OFFSET_SHIFT
    }

    /// Fragment offset, in octets.
    pub fn fragment_offset_bytes(&self) -> usize {
        usize::from(self.fragment_offset()) * 8
    }

    /// More fragments (M).
    pub fn more_fragments(&self) -> bool {
        self.offset_flags() & FRAG_M != 0
    }

    /// Whether the payload is a real fragment: M set or a non-zero offset
    /// (an "atomic fragment", [RFC 6946], has neither).
    ///
    /// [RFC 6946]: https://www.rfc-editor.org/rfc/rfc6946
    pub fn is_fragment(&self) -> bool {
        self.more_fragments() || self.fragment_offset() != 0
    }

    /// Identification.
    pub fn identification(&self) -> u32 {
        field::u32_at(self.b(), frag_at::IDENT)
    }

    /// The 8 header octets.
    pub fn header(&self) -> &[u8] {
        &self.b()[..FRAGMENT_LEN]
    }

    /// The bytes after the header, to the end of the buffer.
    pub fn payload(&self) -> &[u8] {
        &self.b()[FRAGMENT_LEN..]
    }
}

impl<'a> Ipv6Fragment<&'a [u8]> {
    /// The payload, borrowed for the buffer's lifetime.
    pub fn into_payload(self) -> &'a [u8] {
        &self.buf[FRAGMENT_LEN..]
    }
}

impl<'a> Ipv6Fragment<&'a mut [u8]> {
    /// The payload, mutably borrowed for the buffer's lifetime.
    pub fn into_payload(self) -> &'a mut [u8] {
        &mut self.buf[FRAGMENT_LEN..]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Ipv6Fragment<B> {
    fn set_offset_flags(&mut self, value: u16) {
        field::set_u16(self.buf.as_mut(), frag_at::OFFSET_FLAGS, value);
    }

    /// Sets the next header.
    pub fn set_next_header(&mut self, next_header: IpProtocol) {
        self.buf.as_mut()[NEXT_HEADER] = next_header.0;
    }

    /// Sets the fragment offset, in 8-octet units, keeping the reserved
    /// bits and M.
    ///
    /// # Errors
    /// [`Error::BadValue`] when `offset` does not fit in 13 bits.
    pub fn set_fragment_offset(&mut self, offset: u16) -> Result<(), Error> {
        if offset > FRAG_OFFSET_MAX {
            return Err(Error::BadValue {
                layer: Layer::Ipv6Ext,
                field: "fragment offset",
            });
        }
        let low = self.offset_flags() & ((1 << FRAG_OFFSET_SHIFT) - 1);
        self.set_offset_flags((offset << FRAG_OFFSET_SHIFT) | low);
        Ok(())
    }

    /// Sets or clears more-fragments.
    pub fn set_more_fragments(&mut self, more: bool) {
        let v = self.offset_flags() & !FRAG_M;
        self.set_offset_flags(if more { v | FRAG_M } else { v });
    }

    /// Sets the identification.
    pub fn set_identification(&mut self, ident: u32) {
        field::set_u32(self.buf.as_mut(), frag_at::IDENT, ident);
    }

    /// The payload, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buf.as_mut()[FRAGMENT_LEN..]
    }
}

/// The field values of a fragment header, to write a fresh one with
/// [`emit`](Self::emit) (reserved fields zero). See [`Ipv6Fragment`] for an
/// example.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Ipv6FragmentHeader {
    /// The header after this one.
    pub next_header: IpProtocol,
    /// Fragment offset, in 8-octet units (13 bits).
    pub fragment_offset: u16,
    /// More fragments (M).
    pub more_fragments: bool,
    /// Identification.
    pub identification: u32,
}

impl Ipv6FragmentHeader {
    /// Writes the 8-octet header at the start of `buf` and returns its
    /// length.
    ///
    /// # Errors
    /// [`Error::NoRoom`] when `buf` is shorter than 8 bytes,
    /// [`Error::BadValue`] when the fragment offset does not fit in 13 bits.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        if self.fragment_offset > FRAG_OFFSET_MAX {
            return Err(Error::BadValue {
                layer: Layer::Ipv6Ext,
                field: "fragment offset",
            });
        }
        if buf.len() < FRAGMENT_LEN {
            return Err(Error::NoRoom {
                layer: Layer::Ipv6Ext,
                needed: FRAGMENT_LEN,
                available: buf.len(),
            });
        }
        let b = &mut buf[..FRAGMENT_LEN];
        b[NEXT_HEADER] = self.next_header.0;
        b[LEN_OCTET] = 0;
        let flags = (self.fragment_offset << FRAG_OFFSET_SHIFT) | u16::from(self.more_fragments);
        field::set_u16(b, frag_at::OFFSET_FLAGS, flags);
        field::set_u32(b, frag_at::IDENT, self.identification);
        Ok(FRAGMENT_LEN)
    }
}

// ---------------------------------------------------------------------------
// Routing header
// ---------------------------------------------------------------------------

/// Byte offsets of the routing header's fields.
mod route_at {
    pub const ROUTING_TYPE: usize = 2;
    pub const SEGMENTS_LEFT: usize = 3;
    pub const DATA: usize = 4;
}

/// A routing type (IANA "Routing Types"). Open: any `u8` round-trips.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ipv6RoutingType(pub u8);

impl Ipv6RoutingType {
    /// Type 0 source route, deprecated by [RFC 5095](https://www.rfc-editor.org/rfc/rfc5095).
    pub const SOURCE_ROUTE: Ipv6RoutingType = Ipv6RoutingType(0);
    /// Mobile IPv6 type 2 ([RFC 6275](https://www.rfc-editor.org/rfc/rfc6275)).
    pub const MOBILE_IPV6: Ipv6RoutingType = Ipv6RoutingType(2);
    /// RPL source route ([RFC 6554](https://www.rfc-editor.org/rfc/rfc6554)).
    pub const RPL: Ipv6RoutingType = Ipv6RoutingType(3);
    /// Segment routing header ([RFC 8754](https://www.rfc-editor.org/rfc/rfc8754)).
    pub const SEGMENT_ROUTING: Ipv6RoutingType = Ipv6RoutingType(4);
}

impl fmt::Display for Ipv6RoutingType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A zero-copy view of a routing header ([RFC 8200 section 4.4]) and what
/// follows it.
///
/// ```text
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Next Header  |  Hdr Ext Len  |  Routing Type | Segments Left |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                       type-specific data                      .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// ```
/// use wireview::ipv6_ext::{Ipv6Routing, Ipv6RoutingType};
///
/// // A segment routing header with one segment (24 octets), 1 segment left.
/// let mut buf = [0u8; 24];
/// buf[..4].copy_from_slice(&[59, 2, 4, 1]);
/// let mut rt = Ipv6Routing::new(&mut buf[..])?;
/// assert_eq!((rt.routing_type(), rt.header_len()), (Ipv6RoutingType::SEGMENT_ROUTING, 24));
/// rt.set_segments_left(0);
/// assert_eq!(rt.segments_left(), 0);
/// # Ok::<(), wireview::Error>(())
/// ```
///
/// [RFC 8200 section 4.4]: https://www.rfc-editor.org/rfc/rfc8200#section-4.4
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6Routing<B> {
    buf: B,
}

/// A read-only routing header view.
pub type Ipv6RoutingRef<'a> = Ipv6Routing<&'a [u8]>;
/// A writable routing header view.
pub type Ipv6RoutingMut<'a> = Ipv6Routing<&'a mut [u8]>;

impl<B: AsRef<[u8]>> Ipv6Routing<B> {
    /// Checks that `buf` starts with a whole routing header (as long as its
    /// Hdr Ext Len gives).
    ///
    /// # Errors
    /// [`Error::Truncated`] when it is shorter.
    pub fn new(buf: B) -> Result<Self, Error> {
        Ipv6ExtKind::Routing.header_len(buf.as_ref())?;
        Ok(Ipv6Routing { buf })
    }

    /// Wraps `buf` without any check. Accessors may panic on a buffer
    /// shorter than the header.
    pub const fn new_unchecked(buf: B) -> Self {
        Ipv6Routing { buf }
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> B {
        self.buf
    }

    /// The whole buffer the view was made from.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.as_ref()
    }

    #[inline]
    fn b(&self) -> &[u8] {
        self.buf.as_ref()
    }

    /// The header after this one.
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol(self.b()[NEXT_HEADER])
    }

    /// Hdr Ext Len: the header's length in 8-octet units, not counting the
    /// first 8 octets.
    pub fn hdr_ext_len(&self) -> u8 {
        self.b()[LEN_OCTET]
    }

    /// Length of the header, in octets.
    pub fn header_len(&self) -> usize {
        (usize::from(self.hdr_ext_len()) + 1) * 8
    }

    /// Routing type.
    pub fn routing_type(&self) -> Ipv6RoutingType {
        Ipv6RoutingType(self.b()[route_at::ROUTING_TYPE])
    }

    /// Segments left: route segments still to visit.
    pub fn segments_left(&self) -> u8 {
        self.b()[route_at::SEGMENTS_LEFT]
    }

    /// The type-specific data (after Segments Left).
    pub fn data(&self) -> &[u8] {
        &self.b()[route_at::DATA..self.header_len()]
    }

    /// The header octets.
    pub fn header(&self) -> &[u8] {
        &self.b()[..self.header_len()]
    }

    /// The bytes after the header, to the end of the buffer.
    pub fn payload(&self) -> &[u8] {
        &self.b()[self.header_len()..]
    }
}

impl<'a> Ipv6Routing<&'a [u8]> {
    /// The payload, borrowed for the buffer's lifetime.
    pub fn into_payload(self) -> &'a [u8] {
        let start = self.header_len();
        &self.buf[start..]
    }
}

impl<'a> Ipv6Routing<&'a mut [u8]> {
    /// The payload, mutably borrowed for the buffer's lifetime.
    pub fn into_payload(self) -> &'a mut [u8] {
        let start = self.header_len();
        &mut self.buf[start..]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Ipv6Routing<B> {
    /// Sets the next header.
    pub fn set_next_header(&mut self, next_header: IpProtocol) {
        self.buf.as_mut()[NEXT_HEADER] = next_header.0;
    }

    /// Sets the routing type.
    pub fn set_routing_type(&mut self, routing_type: Ipv6RoutingType) {
        self.buf.as_mut()[route_at::ROUTING_TYPE] = routing_type.0;
    }

    /// Sets segments left.
    pub fn set_segments_left(&mut self, segments_left: u8) {
        self.buf.as_mut()[route_at::SEGMENTS_LEFT] = segments_left;
    }

    /// The type-specific data, writable.
    pub fn data_mut(&mut self) -> &mut [u8] {
        let end = self.header_len();
        &mut self.buf.as_mut()[route_at::DATA..end]
    }
}

// ---------------------------------------------------------------------------
// Authentication header
// ---------------------------------------------------------------------------

/// Byte offsets of the authentication header's fields.
mod auth_at {
    pub const SPI: usize = 4;
    pub const SEQ: usize = 8;
    pub const ICV: usize = 12;
}

/// A zero-copy view of an IP Authentication Header ([RFC 4302 section 2])
/// and what follows it. Its length octet counts 32-bit words minus 2, not
/// 8-octet units as the other extension headers do. A length that is not
/// a multiple of 8 octets (which RFC 4302 requires over IPv6, and not over
/// IPv4) is accepted.
///
/// ```
/// use wireview::ipv6_ext::Ipv6Auth;
///
/// // Payload Len 4: (4 + 2) * 4 = 24 octets, a 12-octet ICV.
/// let mut buf = [0u8; 24];
/// buf[..12].copy_from_slice(&[6, 4, 0, 0, 0, 0, 0x10, 0x01, 0, 0, 0, 9]);
/// let mut ah = Ipv6Auth::new(&mut buf[..])?;
/// assert_eq!((ah.header_len(), ah.spi(), ah.sequence_number()), (24, 0x1001, 9));
/// ah.set_sequence_number(10);
/// assert_eq!((ah.sequence_number(), ah.icv().len()), (10, 12));
/// # Ok::<(), wireview::Error>(())
/// ```
///
/// [RFC 4302 section 2]: https://www.rfc-editor.org/rfc/rfc4302#section-2
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6Auth<B> {
    buf: B,
}

/// A read-only authentication header view.
pub type Ipv6AuthRef<'a> = Ipv6Auth<&'a [u8]>;
/// A writable authentication header view.
pub type Ipv6AuthMut<'a> = Ipv6Auth<&'a mut [u8]>;

impl<B: AsRef<[u8]>> Ipv6Auth<B> {
    /// Checks that `buf` starts with a whole authentication header (as long
    /// as its Payload Len gives, and at least 12 octets).
    ///
    /// # Errors
    /// [`Error::Truncated`] when it is shorter, [`Error::BadHeaderLength`]
    /// when Payload Len gives fewer than 12 octets.
    pub fn new(buf: B) -> Result<Self, Error> {
        Ipv6ExtKind::Auth.header_len(buf.as_ref())?;
        Ok(Ipv6Auth { buf })
    }

    /// Wraps `buf` without any check. Accessors may panic on a buffer
    /// shorter than the header.
    pub const fn new_unchecked(buf: B) -> Self {
        Ipv6Auth { buf }
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> B {
        self.buf
    }

    /// The whole buffer the view was made from.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.as_ref()
    }

    #[inline]
    fn b(&self) -> &[u8] {
        self.buf.as_ref()
    }

    /// The header after this one.
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol(self.b()[NEXT_HEADER])
    }

    /// Payload Len: the header's length in 32-bit words, minus 2.
    pub fn payload_len(&self) -> u8 {
        self.b()[LEN_OCTET]
    }

    /// Length of the header, in octets.
    pub fn header_len(&self) -> usize {
        (usize::from(self.payload_len()) + 2) * 4
    }

    /// Security parameters index.
    pub fn spi(&self) -> u32 {
        field::u32_at(self.b(), auth_at::SPI)
    }

    /// Sequence number.
    pub fn sequence_number(&self) -> u32 {
        field::u32_at(self.b(), auth_at::SEQ)
    }

    /// The integrity check value (with any padding).
    pub fn icv(&self) -> &[u8] {
        &self.b()[auth_at::ICV..self.header_len()]
    }

    /// The header octets.
    pub fn header(&self) -> &[u8] {
        &self.b()[..self.header_len()]
    }

    /// The bytes after the header, to the end of the buffer.
    pub fn payload(&self) -> &[u8] {
        &self.b()[self.header_len()..]
    }
}

impl<'a> Ipv6Auth<&'a [u8]> {
    /// The payload, borrowed for the buffer's lifetime.
    pub fn into_payload(self) -> &'a [u8] {
        let start = self.header_len();
        &self.buf[start..]
    }
}

impl<'a> Ipv6Auth<&'a mut [u8]> {
    /// The payload, mutably borrowed for the buffer's lifetime.
    pub fn into_payload(self) -> &'a mut [u8] {
        let start = self.header_len();
        &mut self.buf[start..]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Ipv6Auth<B> {
    /// Sets the next header.
    pub fn set_next_header(&mut self, next_header: IpProtocol) {
        self.buf.as_mut()[NEXT_HEADER] = next_header.0;
    }

    /// Sets the security parameters index.
    pub fn set_spi(&mut self, spi: u32) {
        field::set_u32(self.buf.as_mut(), auth_at::SPI, spi);
    }

    /// Sets the sequence number.
    pub fn set_sequence_number(&mut self, seq: u32) {
        field::set_u32(self.buf.as_mut(), auth_at::SEQ, seq);
    }

    /// The integrity check value, writable.
    pub fn icv_mut(&mut self) -> &mut [u8] {
        let end = self.header_len();
        &mut self.buf.as_mut()[auth_at::ICV..end]
    }
}
