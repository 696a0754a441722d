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
    later_fragment: bool,
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
            later_fragment: false,
        }
    }

    /// Whether the walk ended at a fragment header whose offset is not 0:
    /// what [`upper_layer`](Self::upper_layer) points at is then the middle
    /// of a fragmented datagram, not a header.
    pub const fn is_later_fragment(&self) -> bool {
        self.later_fragment
    }

    /// The next header after the extension headers read so far and its
    /// offset in the bytes given to [`new`](Self::new). Once the iterator
    /// returned `None` this is the upper layer (or ESP, "no next header",
    /// ...) and where it starts; after an error, the header that could not
    /// be read and where it starts. After a fragment header whose offset is
    /// not 0 the walk stops ([`is_later_fragment`](Self::is_later_fragment)):
    /// this is then the fragment header's next header and where the
    /// fragment's data starts.
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
        // After a fragment header whose offset is not 0 comes the middle
        // of a datagram, not another header: the walk ends there, and
        // `upper_layer` gives the fragment header's next header.
        if kind == Ipv6ExtKind::Fragment
            && Ipv6Fragment::new(data).is_ok_and(|f| f.fragment_offset() != 0)
        {
            self.done = true;
            self.later_fragment = true;
        }
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
        self.done |= item.is_err();
        Some(item)
    }
}

impl FusedIterator for ExtHeaders<'_> {}

/// Where the address of a Home Address option lies in a destination
/// options header (`header`, its whole bytes), if it has one: the
/// pseudo-header source of the upper layer ([RFC 6275 section 6.3]).
///
/// [RFC 6275 section 6.3]: https://www.rfc-editor.org/rfc/rfc6275#section-6.3
pub(crate) fn home_address_range(header: &[u8]) -> Option<core::ops::Range<usize>> {
    let mut at = 2;
    while at < header.len() {
        let kind = header[at];
        if kind == Ipv6Option::PAD1 {
            at += 1;
            continue;
        }
        let len = usize::from(*header.get(at + 1)?);
        let data = at + 2..at + 2 + len;
        if data.end > header.len() {
            return None;
        }
        if kind == Ipv6Option::HOME_ADDRESS && len == 16 {
            return Some(data);
        }
        at = data.end;
    }
    None
}

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
    /// Home Address, in a destination options header ([RFC 6275 section
    /// 6.3](https://www.rfc-editor.org/rfc/rfc6275#section-6.3)): the
    /// mobile node's home address, which upper-layer checksums use in
    /// their pseudo-header instead of the IPv6 source address.
    pub const HOME_ADDRESS: u8 = 0xC9;

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
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
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
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
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

    /// Where in the header the packet's final destination lies, when
    /// segments are left and the routing type says where: the last address
    /// of a type 0 (source route) or type 2 (Mobile IPv6) header, Segment
    /// List\[0\] of a type 4 (segment routing, [RFC 8754]) header.
    ///
    /// [RFC 8754]: https://www.rfc-editor.org/rfc/rfc8754
    pub(crate) fn final_destination_range(&self) -> Option<core::ops::Range<usize>> {
        let len = self.header_len();
        if self.segments_left() == 0 || len < 24 {
            return None;
        }
        match self.routing_type() {
            Ipv6RoutingType::SOURCE_ROUTE | Ipv6RoutingType::MOBILE_IPV6 => Some(len - 16..len),
            Ipv6RoutingType::SEGMENT_ROUTING => Some(8..24),
            _ => None,
        }
    }

    /// The final destination of a packet whose routing header still has
    /// segments left, which is what upper-layer checksums put in their
    /// pseudo-header instead of the IPv6 destination ([RFC 8200 section
    /// 8.1]); `None` when no segments are left (the destination field is
    /// final) or the routing type does not say (see
    /// [`Ipv6Routing::routing_type`]).
    ///
    /// [RFC 8200 section 8.1]: https://www.rfc-editor.org/rfc/rfc8200#section-8.1
    pub fn final_destination(&self) -> Option<core::net::Ipv6Addr> {
        self.final_destination_range()
            .map(|r| core::net::Ipv6Addr::from(field::array16(self.b(), r.start)))
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
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::Sum;
    use crate::ipv6::Ipv6;
    use core::net::Ipv6Addr;
    use proptest::prelude::*;
    use std::vec::Vec;

    /// An ICMPv6 echo request through a type 0 routing header, from
    /// tcpdump's test capture `ipv6-routing-header.pcap` (packet 1),
    /// Ethernet header removed.
    const ECHO_VIA_RH0: [u8; 72] = [
        0x60, 0x00, 0x00, 0x00, // version 6, traffic class 0, flow label 0
        0x00, 0x20, 0x2b, 0x04, // payload length 32, next header 43 (routing), hop limit 4
        0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x44, // source 2200::244:
        0x02, 0x12, 0x3f, 0xff, 0xfe, 0xae, 0x22, 0xf7, //   212:3fff:feae:22f7
        0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x40, // destination (next hop) 2200::240:
        0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, //   2:0:0:4
        0x3a, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x00, // routing: next 58, 24 octets, type 0, 1 left
        0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x10, //   final destination 2200::210:
        0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, //   2:0:0:4
        0x80, 0x00, 0xd3, 0xab, 0x00, 0x00, 0x00,
        0x00, // ICMPv6 echo request, checksum 0xd3ab, id 0, seq 0
    ];

    #[test]
    fn final_destination_by_routing_type() {
        let a = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xa);
        let b = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xb);
        // Type 0 with two addresses, one segment left: the last address.
        let mut rh0 = std::vec![6, 4, 0, 1, 0, 0, 0, 0];
        rh0.extend_from_slice(&a.octets());
        rh0.extend_from_slice(&b.octets());
        assert_eq!(
            Ipv6Routing::new(&rh0[..]).unwrap().final_destination(),
            Some(b)
        );
        // No segment left: the destination field is final.
        rh0[3] = 0;
        assert_eq!(
            Ipv6Routing::new(&rh0[..]).unwrap().final_destination(),
            None
        );
        // Type 4 (SRH): Segment List[0], even with TLVs after the list.
        let mut srh = rh0.clone();
        srh[2] = 4;
        srh[3] = 1;
        srh[1] = 5;
        srh.extend_from_slice(&[1, 6, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            Ipv6Routing::new(&srh[..]).unwrap().final_destination(),
            Some(a)
        );
        // Type 2 (Mobile IPv6): the one home address.
        let mut rh2 = std::vec![6, 2, 2, 1, 0, 0, 0, 0];
        rh2.extend_from_slice(&b.octets());
        assert_eq!(
            Ipv6Routing::new(&rh2[..]).unwrap().final_destination(),
            Some(b)
        );
        // Type 3 (RPL, compressed addresses): not known here.
        rh0[2] = 3;
        rh0[3] = 1;
        assert_eq!(
            Ipv6Routing::new(&rh0[..]).unwrap().final_destination(),
            None
        );
    }

    #[test]
    fn echo_request_through_a_routing_header() {
        let ip = Ipv6::new(&ECHO_VIA_RH0[..]).unwrap();
        let mut exts = ip.ext_headers();
        let rt = exts.next().unwrap().unwrap();
        assert_eq!(
            (rt.kind, rt.next_header, rt.len()),
            (Ipv6ExtKind::Routing, IpProtocol::ICMPV6, 24)
        );
        assert!(rt.options().is_none());
        assert!(exts.next().is_none());
        assert!(exts.next().is_none());
        assert_eq!(exts.upper_layer(), (IpProtocol::ICMPV6, 24));

        let rt = Ipv6Routing::new(rt.data).unwrap();
        assert_eq!(rt.routing_type(), Ipv6RoutingType::SOURCE_ROUTE);
        assert_eq!((rt.hdr_ext_len(), rt.header_len()), (2, 24));
        assert_eq!(
            (rt.segments_left(), rt.next_header()),
            (1, IpProtocol::ICMPV6)
        );
        let final_dst = Ipv6Addr::from(field::array16(rt.data(), 4));
        assert_eq!(final_dst, "2200::210:2:0:0:4".parse::<Ipv6Addr>().unwrap());
        assert!(rt.payload().is_empty());

        // RFC 8200 section 8.1: the pseudo-header holds the final destination.
        let icmp = &ip.payload()[24..];
        let with_final = Sum::ipv6_pseudo_header(ip.src(), final_dst, 58, 8).add_bytes(icmp);
        assert_eq!(with_final.value(), 0xFFFF);
        let with_next_hop = ip.pseudo_header_sum(IpProtocol::ICMPV6, 8).add_bytes(icmp);
        assert_ne!(with_next_hop.value(), 0xFFFF);
    }

    #[test]
    fn routing_header_with_two_addresses() {
        // Packet 2 of the same capture: 40 octets, type 0, 2 segments left.
        let mut rt = [0u8; 40];
        rt[..4].copy_from_slice(&[0x3a, 0x04, 0x00, 0x02]);
        let mut view = Ipv6Routing::new(&mut rt[..]).unwrap();
        assert_eq!(
            (view.header_len(), view.segments_left(), view.data().len()),
            (40, 2, 36)
        );
        view.set_segments_left(1);
        view.set_next_header(IpProtocol::UDP);
        view.set_routing_type(Ipv6RoutingType::SEGMENT_ROUTING);
        view.data_mut()[0] = 0xEE;
        assert_eq!(&rt[..5], &[17, 4, 4, 1, 0xEE]);
        for len in 0..40 {
            let needed = if len < 2 { 8 } else { 40 };
            assert_eq!(
                Ipv6Routing::new(&rt[..len]),
                Err(Error::Truncated {
                    layer: Layer::Ipv6Ext,
                    needed,
                    available: len
                })
            );
        }
        assert_eq!(Ipv6Routing::new(&rt[..]).unwrap().into_payload().len(), 0);
    }

    /// tcpdump's crafted capture `ip6_frag_asan.pcap`: a payload length of
    /// 0x6a00 with only 6 octets of a fragment header captured.
    #[test]
    fn crafted_truncated_fragment() {
        let p: [u8; 46] = [
            0x65, 0x1b, 0x21, 0x00, 0x6a, 0x00, 0x2c,
            0x10, // payload length 27136, next header 44
            0x04, 0x52, 0x00, 0x22, 0x00, 0x19, 0x00, 0x00, // source
            0x04, 0x1a, 0xe4, 0xff, 0x10, 0xff, 0x48, 0x4d, //
            0x22, 0x43, 0x00, 0x80, 0x14, 0x00, 0x01, 0x00, // destination
            0x00, 0x19, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfb, //
            0x0b, 0xff, 0x00, 0x00, 0x01, 0x00, // 6 of the fragment header's 8 octets
        ];
        assert_eq!(
            Ipv6::new(&p[..]),
            Err(Error::BadLength {
                layer: Layer::Ipv6,
                found: 0x6a00,
                min: 0,
                max: 6
            })
        );
        let ip = Ipv6::new_truncated(&p[..]).unwrap();
        assert!(ip.is_truncated());
        let mut exts = ip.ext_headers();
        assert_eq!(
            exts.next(),
            Some(Err(Error::Truncated {
                layer: Layer::Ipv6Ext,
                needed: 8,
                available: 6
            }))
        );
        assert_eq!(exts.next(), None);
        assert_eq!(exts.upper_layer(), (IpProtocol::IPV6_FRAG, 0));
    }

    /// A hand-built first fragment (not from a capture): 2001:db8::1 ->
    /// 2001:db8::2, fragment header (next UDP, offset 0, M, id 0x8a5ee1a0),
    /// then the first 8 octets of a UDP datagram.
    const FIRST_FRAGMENT: [u8; 56] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x2c,
        0x40, // payload 16, next header 44, hop limit 64
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, // source 2001:db8::1
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, //
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, // destination 2001:db8::2
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, //
        0x11, 0x00, 0x00, 0x01, 0x8a, 0x5e, 0xe1, 0xa0, // fragment: next 17, offset 0, M, id
        0x30, 0x39, 0x00, 0x35, 0x05, 0xdc, 0x12, 0x34, // UDP 12345 -> 53, length 1500
    ];

    #[test]
    fn first_fragment() {
        let ip = Ipv6::new(&FIRST_FRAGMENT[..]).unwrap();
        let mut exts = ip.ext_headers();
        let ext = exts.next().unwrap().unwrap();
        assert_eq!(
            (ext.kind, ext.next_header, ext.len()),
            (Ipv6ExtKind::Fragment, IpProtocol::UDP, 8)
        );
        assert!(exts.next().is_none());
        assert_eq!(exts.upper_layer(), (IpProtocol::UDP, 8));
        let frag = Ipv6Fragment::new(ip.into_payload()).unwrap();
        assert_eq!(frag.next_header(), IpProtocol::UDP);
        assert_eq!((frag.fragment_offset(), frag.more_fragments()), (0, true));
        assert!(frag.is_fragment());
        assert_eq!(frag.identification(), 0x8a5e_e1a0);
        assert_eq!(frag.header(), &FIRST_FRAGMENT[40..48]);
        assert_eq!(frag.into_payload(), &FIRST_FRAGMENT[48..]);

        // The second fragment: offset 1448 octets (181 units), last.
        let mut p = FIRST_FRAGMENT;
        let mut frag = Ipv6Fragment::new(&mut p[40..]).unwrap();
        frag.set_fragment_offset(181).unwrap();
        frag.set_more_fragments(false);
        assert_eq!(
            frag.set_fragment_offset(0x2000),
            Err(Error::BadValue {
                layer: Layer::Ipv6Ext,
                field: "fragment offset"
            })
        );
        assert_eq!(
            (frag.fragment_offset_bytes(), frag.more_fragments()),
            (1448, false)
        );
        assert_eq!(&p[42..44], &[0x05, 0xa8]);
        for len in 0..8 {
            assert_eq!(
                Ipv6Fragment::new(&FIRST_FRAGMENT[40..40 + len]),
                Err(Error::Truncated {
                    layer: Layer::Ipv6Ext,
                    needed: 8,
                    available: len
                })
            );
        }
    }

    /// Builds an extension header of `len` octets: next header, the
    /// kind's length octet, then `fill`.
    fn ext(kind: Ipv6ExtKind, next: IpProtocol, len: usize, fill: u8) -> Vec<u8> {
        let mut h = std::vec![fill; len];
        h[0] = next.0;
        h[1] = match kind {
            Ipv6ExtKind::Fragment => 0,
            Ipv6ExtKind::Auth => (len / 4 - 2) as u8,
            _ => (len / 8 - 1) as u8,
        };
        h
    }

    /// hop-by-hop 16, destination 8, routing 24, fragment 8, AH 24,
    /// destination 8, then TCP.
    fn every_kind() -> (Vec<u8>, Vec<(Ipv6ExtKind, usize, usize)>) {
        use Ipv6ExtKind::*;
        let plan = [
            (HopByHop, 16),
            (Destination, 8),
            (Routing, 24),
            (Fragment, 8),
            (Auth, 24),
            (Destination, 8),
        ];
        let mut bytes = Vec::new();
        let mut at = Vec::new();
        for (i, &(kind, len)) in plan.iter().enumerate() {
            let next = plan.get(i + 1).map_or(IpProtocol::TCP, |p| p.0.protocol());
            at.push((kind, bytes.len(), len));
            // Options headers hold PadN over their whole option area.
            let mut h = ext(kind, next, len, 0);
            if matches!(kind, HopByHop | Destination) {
                h[2] = Ipv6Option::PADN;
                h[3] = (len - 4) as u8;
            }
            bytes.extend_from_slice(&h);
        }
        bytes.extend_from_slice(&[0x30, 0x39, 0x00, 0x50]);
        (bytes, at)
    }

    #[test]
    fn every_kind_in_one_chain() {
        let (bytes, at) = every_kind();
        let mut exts = ExtHeaders::new(IpProtocol::HOP_BY_HOP, &bytes);
        for &(kind, start, len) in &at {
            let e = exts.next().unwrap().unwrap();
            assert_eq!((e.kind, e.len()), (kind, len));
            assert_eq!(e.data, &bytes[start..start + len]);
            if let Some(opts) = e.options() {
                let opts: Vec<_> = opts.collect();
                assert_eq!(
                    opts,
                    [Ok(Ipv6Option {
                        kind: 1,
                        data: &bytes[start + 4..start + len]
                    })]
                );
            }
        }
        assert_eq!(exts.next(), None);
        assert_eq!(exts.upper_layer(), (IpProtocol::TCP, 88));

        let ah = Ipv6Auth::new(&bytes[56..]).unwrap();
        assert_eq!(
            (ah.payload_len(), ah.header_len(), ah.icv().len()),
            (4, 24, 12)
        );
        assert_eq!(ah.next_header(), IpProtocol::IPV6_OPTS);
        assert_eq!(ah.payload().len(), bytes.len() - 80);
    }

    #[test]
    fn every_truncated_chain_is_reported_exactly() {
        let (bytes, at) = every_kind();
        for len in 0..88 {
            let (i, &(kind, start, hlen)) = at
                .iter()
                .enumerate()
                .find(|(_, &(_, s, l))| len < s + l)
                .unwrap();
            let available = len - start;
            let needed = if available < 2 { kind.min_len() } else { hlen };
            let mut exts = ExtHeaders::new(IpProtocol::HOP_BY_HOP, &bytes[..len]);
            for _ in 0..i {
                assert!(exts.next().unwrap().is_ok());
            }
            assert_eq!(
                exts.next(),
                Some(Err(Error::Truncated {
                    layer: Layer::Ipv6Ext,
                    needed,
                    available
                })),
                "cut at {len}"
            );
            assert_eq!(exts.next(), None);
            assert_eq!(exts.upper_layer(), (kind.protocol(), start));
        }
    }

    #[test]
    fn auth_length_is_in_32_bit_words() {
        // Payload Len 4 means (4 + 2) * 4 = 24 octets; read as 8-octet units
        // it would be 40 and the UDP header would be skipped.
        let mut bytes = ext(Ipv6ExtKind::Auth, IpProtocol::UDP, 24, 0xA5);
        assert_eq!(bytes[1], 4);
        bytes.extend_from_slice(&[0u8; 16]);
        let mut exts = ExtHeaders::new(IpProtocol::AH, &bytes);
        assert_eq!(exts.next().unwrap().unwrap().len(), 24);
        assert_eq!(exts.next(), None);
        assert_eq!(exts.upper_layer(), (IpProtocol::UDP, 24));
        // The shortest AH: Payload Len 1, 12 octets, no ICV.
        let short = ext(Ipv6ExtKind::Auth, IpProtocol::UDP, 12, 0);
        assert_eq!(short[1], 1);
        assert_eq!(Ipv6Auth::new(&short[..]).unwrap().icv(), &[] as &[u8]);
    }

    #[test]
    fn crafted_chains() {
        // A zero-length AH (Payload Len 0 = 8 octets, below the fixed 12).
        let zero_ah = [17u8, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1];
        let mut exts = ExtHeaders::new(IpProtocol::AH, &zero_ah);
        assert_eq!(
            exts.next(),
            Some(Err(Error::BadHeaderLength {
                layer: Layer::Ipv6Ext,
                found: 8
            }))
        );
        assert_eq!(exts.next(), None);
        assert_eq!(
            Ipv6Auth::new(&zero_ah[..]),
            Err(Error::BadHeaderLength {
                layer: Layer::Ipv6Ext,
                found: 8
            })
        );

        // A destination options header whose length runs past the end,
        // after a good one.
        let mut past = ext(Ipv6ExtKind::Destination, IpProtocol::IPV6_OPTS, 8, 0);
        past.extend_from_slice(&ext(Ipv6ExtKind::Destination, IpProtocol::UDP, 32, 0)[..16]);
        let mut exts = ExtHeaders::new(IpProtocol::IPV6_OPTS, &past);
        assert!(exts.next().unwrap().is_ok());
        assert_eq!(
            exts.next(),
            Some(Err(Error::Truncated {
                layer: Layer::Ipv6Ext,
                needed: 32,
                available: 16
            }))
        );
        assert_eq!(exts.upper_layer(), (IpProtocol::IPV6_OPTS, 8));

        // 100 nested destination options headers: 16 are read, then TooDeep.
        let nested: Vec<u8> = (0..100)
            .flat_map(|_| ext(Ipv6ExtKind::Destination, IpProtocol::IPV6_OPTS, 8, 0))
            .collect();
        let mut exts = ExtHeaders::new(IpProtocol::IPV6_OPTS, &nested);
        for _ in 0..MAX_EXT_HEADERS {
            assert!(exts.next().unwrap().is_ok());
        }
        assert_eq!(
            exts.next(),
            Some(Err(Error::TooDeep {
                layer: Layer::Ipv6Ext
            }))
        );
        assert_eq!(exts.next(), None);
        assert_eq!(
            exts.upper_layer(),
            (IpProtocol::IPV6_OPTS, 8 * MAX_EXT_HEADERS)
        );

        // Hop-by-hop anywhere but first.
        let mut late = ext(Ipv6ExtKind::Destination, IpProtocol::HOP_BY_HOP, 8, 0);
        late.extend_from_slice(&ext(Ipv6ExtKind::HopByHop, IpProtocol::UDP, 8, 0));
        let mut exts = ExtHeaders::new(IpProtocol::IPV6_OPTS, &late);
        assert!(exts.next().unwrap().is_ok());
        assert_eq!(
            exts.next(),
            Some(Err(Error::BadValue {
                layer: Layer::Ipv6Ext,
                field: "next header"
            }))
        );
        assert_eq!(exts.upper_layer(), (IpProtocol::HOP_BY_HOP, 8));

        // Not an extension header at all: ESP, no next header, an empty buffer.
        for p in [IpProtocol::ESP, IpProtocol::IPV6_NO_NEXT, IpProtocol::TCP] {
            let mut exts = ExtHeaders::new(p, &[]);
            assert_eq!(exts.next(), None);
            assert_eq!(exts.upper_layer(), (p, 0));
        }
    }

    #[test]
    fn options_iterator() {
        // The router alert of an MLD report (tcpdump `icmpv6.pcap`, packet 2).
        let hbh = [0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00];
        let e = ExtHeaders::new(IpProtocol::HOP_BY_HOP, &hbh)
            .next()
            .unwrap()
            .unwrap();
        let opts: Vec<_> = e.options().unwrap().collect();
        assert_eq!(
            opts,
            [
                Ok(Ipv6Option {
                    kind: Ipv6Option::ROUTER_ALERT,
                    data: &[0, 0]
                }),
                Ok(Ipv6Option {
                    kind: Ipv6Option::PADN,
                    data: &[]
                }),
            ]
        );
        assert!(opts[1].unwrap().is_padding() && !opts[0].unwrap().is_padding());
        // Pad1 is one octet; an unknown option's type bits.
        let opts: Vec<_> = Ipv6Options::new(&[0, 0, 0xEE, 1, 7, 0]).collect();
        assert_eq!(
            opts,
            [
                Ok(Ipv6Option { kind: 0, data: &[] }),
                Ok(Ipv6Option { kind: 0, data: &[] }),
                Ok(Ipv6Option {
                    kind: 0xEE,
                    data: &[7]
                }),
                Ok(Ipv6Option { kind: 0, data: &[] }),
            ]
        );
        let o = opts[2].unwrap();
        assert_eq!((o.action(), o.may_change()), (3, true));
        // A missing length octet, and a length past the end.
        let bad = Err(Error::BadValue {
            layer: Layer::Ipv6Ext,
            field: "option length",
        });
        for bytes in [&[5u8][..], &[5, 3, 0, 0][..], &[1, 0, 5][..]] {
            let items: Vec<_> = Ipv6Options::new(bytes).filter(Result::is_err).collect();
            assert_eq!(items, [bad]);
        }
    }

    #[test]
    fn kinds() {
        let mut known = 0;
        for v in 0..=255u8 {
            if let Some(kind) = Ipv6ExtKind::from_protocol(IpProtocol(v)) {
                assert_eq!(kind.protocol(), IpProtocol(v));
                known += 1;
            }
        }
        assert_eq!(known, 5);
        let names: Vec<_> = [
            Ipv6ExtKind::HopByHop,
            Ipv6ExtKind::Routing,
            Ipv6ExtKind::Fragment,
            Ipv6ExtKind::Destination,
            Ipv6ExtKind::Auth,
        ]
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
        assert_eq!(
            names,
            ["hop_by_hop", "routing", "fragment", "destination", "auth"]
        );
    }

    #[test]
    fn auth_setters() {
        let mut ah = ext(Ipv6ExtKind::Auth, IpProtocol::TCP, 16, 0);
        let mut view = Ipv6Auth::new(&mut ah[..]).unwrap();
        view.set_spi(0x0102_0304);
        view.set_sequence_number(0x0506_0708);
        view.set_next_header(IpProtocol::UDP);
        view.icv_mut().copy_from_slice(&[9, 10, 11, 12]);
        assert_eq!(view.into_payload().len(), 0);
        assert_eq!(ah, [17, 2, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        for len in 0..16 {
            let needed = if len < 2 { 12 } else { 16 };
            assert_eq!(
                Ipv6Auth::new(&ah[..len]),
                Err(Error::Truncated {
                    layer: Layer::Ipv6Ext,
                    needed,
                    available: len
                })
            );
        }
    }

    proptest! {
        /// Any bytes and first protocol: no panic, at most MAX_EXT_HEADERS
        /// headers, headers tile the bytes up to the upper-layer offset.
        #[test]
        fn walking_any_bytes_is_total(first: u8, bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut exts = ExtHeaders::new(IpProtocol(first), &bytes);
            let mut offset = 0;
            let mut count = 0;
            let mut failed = false;
            for item in &mut exts {
                match item {
                    Ok(e) => {
                        prop_assert_eq!(e.data, &bytes[offset..offset + e.len()]);
                        prop_assert!(e.len() >= 8);
                        offset += e.len();
                        count += 1;
                        if let Some(opts) = e.options() { for _ in opts {} }
                    }
                    Err(_) => failed = true,
                }
            }
            prop_assert!(count <= MAX_EXT_HEADERS);
            let (next, at) = exts.upper_layer();
            prop_assert_eq!(at, offset);
            // The chain ends at a header that is not an extension header,
            // at an error, or after a later fragment's header (whose data
            // is not a header, whatever its next header says).
            if !exts.is_later_fragment() {
                prop_assert_eq!(Ipv6ExtKind::from_protocol(next).is_some(), failed);
            }
        }

        #[test]
        fn fragment_builder_and_setters(
            next: u8, offset in 0u16..0x2000, more: bool, ident: u32,
            new_offset: u16, new_more: bool, new_ident: u32, new_next: u8, reserved: u8,
        ) {
            let hdr = Ipv6FragmentHeader {
                next_header: IpProtocol(next), fragment_offset: offset, more_fragments: more, identification: ident,
            };
            let mut buf = [0xFFu8; 12];
            prop_assert_eq!(hdr.emit(&mut buf), Ok(8));
            prop_assert_eq!(buf[1], 0);
            prop_assert_eq!(&buf[8..], &[0xFF; 4]);
            let f = Ipv6Fragment::new(&buf[..]).unwrap();
            prop_assert_eq!((f.next_header().0, f.fragment_offset(), f.more_fragments(), f.identification()),
                            (next, offset, more, ident));
            // Reserved bits (octet 1, the two bits before M) survive every setter.
            buf[1] = reserved;
            buf[3] |= 0x06;
            let mut f = Ipv6Fragment::new(&mut buf[..]).unwrap();
            prop_assert_eq!(f.set_fragment_offset(new_offset).is_ok(), new_offset < 0x2000);
            f.set_more_fragments(new_more);
            f.set_identification(new_ident);
            f.set_next_header(IpProtocol(new_next));
            let want_offset = if new_offset < 0x2000 { new_offset } else { offset };
            prop_assert_eq!((f.next_header().0, f.fragment_offset(), f.more_fragments(), f.identification()),
                            (new_next, want_offset, new_more, new_ident));
            prop_assert_eq!((buf[1], buf[3] & 0x06), (reserved, 0x06));
        }
    }

    #[test]
    fn fragment_builder_errors() {
        let hdr = Ipv6FragmentHeader {
            fragment_offset: 0x2000,
            ..Ipv6FragmentHeader::default()
        };
        assert_eq!(
            hdr.emit(&mut [0u8; 8]),
            Err(Error::BadValue {
                layer: Layer::Ipv6Ext,
                field: "fragment offset"
            })
        );
        assert_eq!(
            Ipv6FragmentHeader::default().emit(&mut [0u8; 7]),
            Err(Error::NoRoom {
                layer: Layer::Ipv6Ext,
                needed: 8,
                available: 7
            })
        );
    }
}
