//! PPPoE headers ([RFC 2516 section 4]), session and discovery stages.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  VER  | TYPE  |      CODE     |          SESSION_ID           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |            LENGTH             |           payload             ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!  VER and TYPE: 1, LENGTH: octets of payload (not of this header)
//!
//! Session stage (EtherType 0x8864, CODE 0): the payload is a PPP frame,
//! a 2-octet PPP protocol field and its information:
//! |  VER  | TYPE  |     0x00      |          SESSION_ID           |
//! |            LENGTH             |         PPP protocol          |
//! ~                  PPP information (an IP packet, ...)          ~
//!
//! Discovery stage (EtherType 0x8863, CODE PADI/PADO/PADR/PADS/PADT):
//! the payload is a list of tags:
//! |          TAG_TYPE             |        TAG_LENGTH             |
//! ~                          TAG_VALUE ...                        ~
//! ```
//!
//! [`Pppoe`] views a session-stage header with the PPP protocol after it,
//! the framing of a DSL or fibre subscriber's IP packets through a BNG;
//! [`PppoeDiscovery`] reads the discovery stage. PPPoE has no checksum, so
//! the setters just write (the Ethernet FCS is not part of a view).
//!
//! [RFC 2516 section 4]: https://www.rfc-editor.org/rfc/rfc2516#section-4

use core::fmt;
use core::iter::FusedIterator;

use crate::error::{Error, Layer};
use crate::field;

/// Byte offsets of the header's fields.
pub(crate) mod field_at {
    pub const VER_TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const SESSION_ID: usize = 2;
    pub const LENGTH: usize = 4;
    pub const PPP_PROTOCOL: usize = 6;
}
use field_at as f;

/// Length of the PPPoE header, in octets.
pub const HEADER_LEN: usize = 6;

/// Length of a session-stage header with the PPP protocol field after it,
/// in octets: what a [`Pppoe`] view's header is.
pub const SESSION_HEADER_LEN: usize = 8;

/// Length of the PPP protocol field, in octets.
pub const PPP_PROTOCOL_LEN: usize = 2;

/// The VER and TYPE octet RFC 2516 requires: both 1.
const VER_TYPE: u8 = 0x11;

/// A PPPoE code (RFC 2516 section 5): an open newtype, so unknown values
/// round-trip.
///
/// ```
/// use wireview::pppoe::PppoeCode;
/// assert_eq!(PppoeCode::PADI.0, 0x09);
/// assert_eq!(PppoeCode(0), PppoeCode::SESSION);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PppoeCode(pub u8);

impl PppoeCode {
    /// Session data (0x00), the code of every session-stage packet.
    pub const SESSION: PppoeCode = PppoeCode(0x00);
    /// PPPoE Active Discovery Offer (0x07).
    pub const PADO: PppoeCode = PppoeCode(0x07);
    /// PPPoE Active Discovery Initiation (0x09).
    pub const PADI: PppoeCode = PppoeCode(0x09);
    /// PPPoE Active Discovery Request (0x19).
    pub const PADR: PppoeCode = PppoeCode(0x19);
    /// PPPoE Active Discovery Session-confirmation (0x65).
    pub const PADS: PppoeCode = PppoeCode(0x65);
    /// PPPoE Active Discovery Terminate (0xA7).
    pub const PADT: PppoeCode = PppoeCode(0xA7);
}

impl fmt::Display for PppoeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#04x}", self.0)
    }
}

/// A PPP protocol number ([IANA PPP DLL protocol numbers]): an open
/// newtype, so unknown values round-trip.
///
/// ```
/// use wireview::pppoe::PppProtocol;
/// assert_eq!(PppProtocol::IPV4.to_string(), "0x0021");
/// ```
///
/// [IANA PPP DLL protocol numbers]: https://www.iana.org/assignments/ppp-numbers/
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PppProtocol(pub u16);

impl PppProtocol {
    /// IPv4 (0x0021).
    pub const IPV4: PppProtocol = PppProtocol(0x0021);
    /// IPv6 (0x0057).
    pub const IPV6: PppProtocol = PppProtocol(0x0057);
    /// MPLS unicast (0x0281).
    pub const MPLS_UNICAST: PppProtocol = PppProtocol(0x0281);
    /// IP Control Protocol, IPCP (0x8021).
    pub const IPCP: PppProtocol = PppProtocol(0x8021);
    /// IPv6 Control Protocol, IPV6CP (0x8057).
    pub const IPV6CP: PppProtocol = PppProtocol(0x8057);
    /// Link Control Protocol, LCP (0xC021).
    pub const LCP: PppProtocol = PppProtocol(0xC021);
    /// Password Authentication Protocol, PAP (0xC023).
    pub const PAP: PppProtocol = PppProtocol(0xC023);
    /// Challenge Handshake Authentication Protocol, CHAP (0xC223).
    pub const CHAP: PppProtocol = PppProtocol(0xC223);
}

impl fmt::Display for PppProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#06x}", self.0)
    }
}

/// Checks VER and TYPE of the 6-octet header at the start of `b`.
fn check_header(b: &[u8]) -> Result<(), Error> {
    field::need(Layer::Pppoe, b, HEADER_LEN)?;
    let ver_type = b[f::VER_TYPE];
    if ver_type >> 4 != 1 {
        return Err(Error::BadVersion {
            layer: Layer::Pppoe,
            found: ver_type >> 4,
        });
    }
    if ver_type & 0x0F != 1 {
        return Err(Error::BadValue {
            layer: Layer::Pppoe,
            field: "type",
        });
    }
    Ok(())
}

/// Checks that LENGTH of the checked header at the start of `b` is at
/// least `min` and fits the buffer.
fn check_length(b: &[u8], min: usize) -> Result<(), Error> {
    let length = usize::from(field::u16_at(b, f::LENGTH));
    let max = b.len() - HEADER_LEN;
    if length < min || length > max {
        return Err(Error::BadLength {
            layer: Layer::Pppoe,
            found: length,
            min,
            max,
        });
    }
    Ok(())
}

/// A zero-copy view of a PPPoE session-stage header, the PPP protocol
/// field after it, and the PPP information (an IP packet, a control
/// protocol message, ...).
///
/// Read-only over `&[u8]` ([`PppoeRef`]), writable over `&mut [u8]`
/// ([`PppoeMut`]). The buffer starts at the PPPoE header (after the
/// Ethernet header with EtherType 0x8864) and may run on past the packet
/// (Ethernet padding): the packet ends where LENGTH says. [`Pppoe::new`]
/// checks VER, TYPE, CODE 0 and that LENGTH covers the PPP protocol and
/// fits the buffer; after it no getter or setter can panic.
///
/// ```
/// use wireview::pppoe::{Pppoe, PppoeMut, PppProtocol};
///
/// // Session 0x0017, LENGTH 6: PPP protocol IPv4, then 4 bytes.
/// let mut buf = [0x11, 0x00, 0x00, 0x17, 0x00, 0x06, 0x00, 0x21, 0x45, 0x00, 0x00, 0x14];
/// let mut p = PppoeMut::new(&mut buf[..])?;
/// assert_eq!((p.session_id(), p.ppp_protocol()), (0x17, PppProtocol::IPV4));
/// p.set_session_id(0x1234);
/// let p = Pppoe::new(&buf[..])?;
/// assert_eq!((p.session_id(), p.payload()), (0x1234, &[0x45, 0, 0, 0x14][..]));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pppoe<B> {
    buf: B,
}

/// A read-only PPPoE session view.
pub type PppoeRef<'a> = Pppoe<&'a [u8]>;
/// A writable PPPoE session view.
pub type PppoeMut<'a> = Pppoe<&'a mut [u8]>;

impl<B: AsRef<[u8]>> Pppoe<B> {
    /// Checks that `buf` holds a session-stage PPPoE header: VER 1, TYPE
    /// 1, CODE 0, and a LENGTH of at least 2 (the PPP protocol) that fits
    /// the buffer.
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than 6 bytes;
    /// [`Error::BadVersion`] when VER is not 1; [`Error::BadValue`] (field
    /// `"type"`) when TYPE is not 1, (field `"code"`) when CODE is not 0
    /// (a discovery packet: see [`PppoeDiscovery`]); [`Error::BadLength`]
    /// when LENGTH is below 2 or past the end of the buffer.
    pub fn new(buf: B) -> Result<Self, Error> {
        let b = buf.as_ref();
        check_header(b)?;
        if b[f::CODE] != PppoeCode::SESSION.0 {
            return Err(Error::BadValue {
                layer: Layer::Pppoe,
                field: "code",
            });
        }
        check_length(b, PPP_PROTOCOL_LEN)?;
        Ok(Pppoe { buf })
    }

    /// Like [`new`](Self::new), but accepts a packet cut short by the
    /// capture (LENGTH past the end of the buffer), for reading captures.
    /// The 8-octet header with the PPP protocol must be complete;
    /// [`payload`](Self::payload) then ends at the end of the buffer and
    /// [`is_truncated`](Self::is_truncated) tells.
    ///
    /// # Errors
    /// As [`new`](Self::new), except that a LENGTH past the end of the
    /// buffer is not one; [`Error::Truncated`] when the buffer is shorter
    /// than 8 bytes.
    pub fn new_truncated(buf: B) -> Result<Self, Error> {
        let b = buf.as_ref();
        check_header(b)?;
        if b[f::CODE] != PppoeCode::SESSION.0 {
            return Err(Error::BadValue {
                layer: Layer::Pppoe,
                field: "code",
            });
        }
        field::need(Layer::Pppoe, b, SESSION_HEADER_LEN)?;
        let length = usize::from(field::u16_at(b, f::LENGTH));
        if length < PPP_PROTOCOL_LEN {
            return Err(Error::BadLength {
                layer: Layer::Pppoe,
                found: length,
                min: PPP_PROTOCOL_LEN,
                max: usize::from(u16::MAX),
            });
        }
        Ok(Pppoe { buf })
    }

    /// Wraps `buf` without any check, to write a fresh header into it (see
    /// [`PppoeHeader::emit`] for the usual way). Getters and setters may
    /// panic on a buffer shorter than 8 bytes or than LENGTH says.
    pub const fn new_unchecked(buf: B) -> Self {
        Pppoe { buf }
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

    /// VER, 1 for a checked view.
    pub fn version(&self) -> u8 {
        self.b()[f::VER_TYPE] >> 4
    }

    /// TYPE, 1 for a checked view.
    pub fn pppoe_type(&self) -> u8 {
        self.b()[f::VER_TYPE] & 0x0F
    }

    /// CODE, [`PppoeCode::SESSION`] for a checked view.
    pub fn code(&self) -> PppoeCode {
        PppoeCode(self.b()[f::CODE])
    }

    /// The session identifier.
    pub fn session_id(&self) -> u16 {
        field::u16_at(self.b(), f::SESSION_ID)
    }

    /// LENGTH: octets of the PPP frame (protocol field included) after
    /// the 6-octet header.
    pub fn length(&self) -> u16 {
        field::u16_at(self.b(), f::LENGTH)
    }

    /// The PPP protocol of the payload.
    pub fn ppp_protocol(&self) -> PppProtocol {
        PppProtocol(field::u16_at(self.b(), f::PPP_PROTOCOL))
    }

    /// Header length with the PPP protocol field, always 8 octets.
    pub fn header_len(&self) -> usize {
        SESSION_HEADER_LEN
    }

    /// Octets of the whole packet, `6 + length()`.
    pub fn packet_len(&self) -> usize {
        HEADER_LEN + usize::from(self.length())
    }

    /// Whether the buffer ends before the packet does (only possible for
    /// views made with [`new_truncated`](Self::new_truncated)).
    pub fn is_truncated(&self) -> bool {
        self.packet_len() > self.b().len()
    }

    /// End of the packet in the buffer: where LENGTH says, or the buffer's
    /// end when the capture was cut short.
    fn end(&self) -> usize {
        self.packet_len().min(self.b().len())
    }

    /// The 8 header bytes, PPP protocol included.
    pub fn header(&self) -> &[u8] {
        &self.b()[..SESSION_HEADER_LEN]
    }

    /// The PPP information after the protocol field, up to the end LENGTH
    /// gives (or the end of a truncated view's buffer).
    pub fn payload(&self) -> &[u8] {
        &self.b()[SESSION_HEADER_LEN..self.end()]
    }
}

impl<'a> Pppoe<&'a [u8]> {
    /// The PPP information, borrowed for the buffer's lifetime rather than
    /// the view's.
    pub fn into_payload(self) -> &'a [u8] {
        let end = self.end();
        &self.buf[SESSION_HEADER_LEN..end]
    }
}

impl<'a> Pppoe<&'a mut [u8]> {
    /// The PPP information, mutably borrowed for the buffer's lifetime.
    pub fn into_payload(self) -> &'a mut [u8] {
        let end = self.end();
        &mut self.buf[SESSION_HEADER_LEN..end]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Pppoe<B> {
    /// Sets the session identifier.
    pub fn set_session_id(&mut self, session_id: u16) {
        field::set_u16(self.buf.as_mut(), f::SESSION_ID, session_id);
    }

    /// Sets the PPP protocol.
    pub fn set_ppp_protocol(&mut self, protocol: PppProtocol) {
        field::set_u16(self.buf.as_mut(), f::PPP_PROTOCOL, protocol.0);
    }

    /// Sets LENGTH for a PPP information of `payload_len` octets after the
    /// protocol field, as after the IP packet inside changed size.
    ///
    /// # Errors
    /// [`Error::BadLength`] when the packet would not fit the buffer or
    /// the 16-bit field; nothing is written then.
    pub fn fix_length(&mut self, payload_len: usize) -> Result<(), Error> {
        let len = payload_len.saturating_add(PPP_PROTOCOL_LEN);
        let max = (self.b().len() - HEADER_LEN).min(usize::from(u16::MAX));
        if len > max {
            return Err(Error::BadLength {
                layer: Layer::Pppoe,
                found: len,
                min: PPP_PROTOCOL_LEN,
                max,
            });
        }
        field::set_u16(self.buf.as_mut(), f::LENGTH, len as u16);
        Ok(())
    }

    /// The PPP information, writable, up to the end LENGTH gives.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = self.end();
        &mut self.buf.as_mut()[SESSION_HEADER_LEN..end]
    }
}

/// The field values of a PPPoE session-stage header and PPP protocol, to
/// write a fresh one with [`emit`](Self::emit).
///
/// ```
/// use wireview::pppoe::{Pppoe, PppoeHeader, PppProtocol};
///
/// let h = PppoeHeader { session_id: 0x17, ppp_protocol: PppProtocol::IPV6, payload_len: 40 };
/// let mut buf = [0u8; 8 + 40];
/// assert_eq!(h.emit(&mut buf)?, 8);
/// assert_eq!(buf[..8], [0x11, 0x00, 0x00, 0x17, 0x00, 0x2a, 0x00, 0x57]);
/// assert_eq!(Pppoe::new(&buf[..])?.payload().len(), 40);
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PppoeHeader {
    /// The session identifier.
    pub session_id: u16,
    /// The PPP protocol of the payload.
    pub ppp_protocol: PppProtocol,
    /// Octets of PPP information after the protocol field, for LENGTH.
    pub payload_len: usize,
}

impl PppoeHeader {
    /// Writes the 8-byte header (PPPoE and PPP protocol) at the start of
    /// `buf` and returns its length.
    ///
    /// # Errors
    /// [`Error::BadLength`] when LENGTH would pass 65535;
    /// [`Error::NoRoom`] when `buf` is shorter than 8 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let len = self.payload_len.saturating_add(PPP_PROTOCOL_LEN);
        let len = u16::try_from(len).map_err(|_| Error::BadLength {
            layer: Layer::Pppoe,
            found: len,
            min: PPP_PROTOCOL_LEN,
            max: usize::from(u16::MAX),
        })?;
        if buf.len() < SESSION_HEADER_LEN {
            return Err(Error::NoRoom {
                layer: Layer::Pppoe,
                needed: SESSION_HEADER_LEN,
                available: buf.len(),
            });
        }
        buf[f::VER_TYPE] = VER_TYPE;
        buf[f::CODE] = PppoeCode::SESSION.0;
        field::set_u16(buf, f::SESSION_ID, self.session_id);
        field::set_u16(buf, f::LENGTH, len);
        field::set_u16(buf, f::PPP_PROTOCOL, self.ppp_protocol.0);
        Ok(SESSION_HEADER_LEN)
    }
}

/// A zero-copy, read-only view of a PPPoE discovery-stage packet (PADI,
/// PADO, PADR, PADS, PADT) and its tags.
///
/// [`PppoeDiscovery::new`] checks VER, TYPE and that LENGTH fits the
/// buffer; the tags are checked as [`tags`](Self::tags) reads them.
///
/// ```
/// use wireview::pppoe::{PppoeCode, PppoeDiscovery, PppoeTag};
///
/// // A PADI with an empty Service-Name tag.
/// let buf = [0x11, 0x09, 0x00, 0x00, 0x00, 0x04, 0x01, 0x01, 0x00, 0x00];
/// let d = PppoeDiscovery::new(&buf[..])?;
/// assert_eq!(d.code(), PppoeCode::PADI);
/// let tag = d.tags().next().unwrap()?;
/// assert_eq!((tag.tag_type, tag.value), (PppoeTag::SERVICE_NAME, &[][..]));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PppoeDiscovery<B> {
    buf: B,
}

/// A read-only PPPoE discovery view.
pub type PppoeDiscoveryRef<'a> = PppoeDiscovery<&'a [u8]>;

impl<B: AsRef<[u8]>> PppoeDiscovery<B> {
    /// Checks that `buf` holds a PPPoE header with VER 1 and TYPE 1 whose
    /// LENGTH fits the buffer. The code is not checked (a session-stage
    /// code 0 reads too).
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than 6 bytes;
    /// [`Error::BadVersion`] when VER is not 1; [`Error::BadValue`] (field
    /// `"type"`) when TYPE is not 1; [`Error::BadLength`] when LENGTH is
    /// past the end of the buffer.
    pub fn new(buf: B) -> Result<Self, Error> {
        check_header(buf.as_ref())?;
        check_length(buf.as_ref(), 0)?;
        Ok(PppoeDiscovery { buf })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> B {
        self.buf
    }

    #[inline]
    fn b(&self) -> &[u8] {
        self.buf.as_ref()
    }

    /// VER, 1 for a checked view.
    pub fn version(&self) -> u8 {
        self.b()[f::VER_TYPE] >> 4
    }

    /// TYPE, 1 for a checked view.
    pub fn pppoe_type(&self) -> u8 {
        self.b()[f::VER_TYPE] & 0x0F
    }

    /// CODE: which discovery packet this is.
    pub fn code(&self) -> PppoeCode {
        PppoeCode(self.b()[f::CODE])
    }

    /// The session identifier (0 until the PADS assigns one).
    pub fn session_id(&self) -> u16 {
        field::u16_at(self.b(), f::SESSION_ID)
    }

    /// LENGTH: octets of tags after the 6-octet header.
    pub fn length(&self) -> u16 {
        field::u16_at(self.b(), f::LENGTH)
    }

    /// Header length, always 6 octets.
    pub fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// The 6 header bytes.
    pub fn header(&self) -> &[u8] {
        &self.b()[..HEADER_LEN]
    }

    /// The tags' bytes, up to the end LENGTH gives.
    pub fn payload(&self) -> &[u8] {
        &self.b()[HEADER_LEN..HEADER_LEN + usize::from(self.length())]
    }

    /// The tags, in order. See [`PppoeTags`].
    pub fn tags(&self) -> PppoeTags<'_> {
        PppoeTags::new(self.payload())
    }
}

/// One tag of a PPPoE discovery packet (RFC 2516 appendix A).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PppoeTag<'a> {
    /// TAG_TYPE.
    pub tag_type: u16,
    /// TAG_VALUE, TAG_LENGTH octets.
    pub value: &'a [u8],
}

impl PppoeTag<'_> {
    /// End-Of-List (0x0000): no further tags.
    pub const END_OF_LIST: u16 = 0x0000;
    /// Service-Name (0x0101).
    pub const SERVICE_NAME: u16 = 0x0101;
    /// AC-Name (0x0102).
    pub const AC_NAME: u16 = 0x0102;
    /// Host-Uniq (0x0103).
    pub const HOST_UNIQ: u16 = 0x0103;
    /// AC-Cookie (0x0104).
    pub const AC_COOKIE: u16 = 0x0104;
    /// Vendor-Specific (0x0105).
    pub const VENDOR_SPECIFIC: u16 = 0x0105;
    /// Relay-Session-Id (0x0110).
    pub const RELAY_SESSION_ID: u16 = 0x0110;
    /// PPP-Max-Payload (0x0120, [RFC 4638](https://www.rfc-editor.org/rfc/rfc4638)).
    pub const PPP_MAX_PAYLOAD: u16 = 0x0120;
    /// Service-Name-Error (0x0201).
    pub const SERVICE_NAME_ERROR: u16 = 0x0201;
    /// AC-System-Error (0x0202).
    pub const AC_SYSTEM_ERROR: u16 = 0x0202;
    /// Generic-Error (0x0203).
    pub const GENERIC_ERROR: u16 = 0x0203;
}

/// Iterator over the tags of a PPPoE discovery packet (see
/// [`PppoeDiscovery::tags`]). An End-Of-List tag is yielded and ends the
/// iteration; a tag whose header or value runs past the end yields one
/// [`Error::BadValue`] (field `"tag length"`) and ends it. It never panics.
#[derive(Debug, Clone)]
pub struct PppoeTags<'a> {
    rest: &'a [u8],
}

impl<'a> PppoeTags<'a> {
    /// The tags in `bytes`, a discovery packet's payload.
    pub const fn new(bytes: &'a [u8]) -> Self {
        PppoeTags { rest: bytes }
    }
}

impl<'a> Iterator for PppoeTags<'a> {
    type Item = Result<PppoeTag<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let rest = core::mem::take(&mut self.rest);
        let bad = Error::BadValue {
            layer: Layer::Pppoe,
            field: "tag length",
        };
        if rest.len() < 4 {
            return Some(Err(bad));
        }
        let tag_type = field::u16_at(rest, 0);
        let len = usize::from(field::u16_at(rest, 2));
        let Some(value) = rest.get(4..4 + len) else {
            return Some(Err(bad));
        };
        if tag_type != PppoeTag::END_OF_LIST {
            self.rest = &rest[4 + len..];
        }
        Some(Ok(PppoeTag { tag_type, value }))
    }
}

impl FusedIterator for PppoeTags<'_> {}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::string::ToString;
    use std::vec::Vec;

    /// The first frame of tcpdump's `pppoes.pcap` (34 bytes): an LCP
    /// echo request in PPPoE session 0x0017.
    pub(crate) const SESSION_FRAME: [u8; 34] = [
        0x00, 0x02, 0x18, 0x03, 0x00, 0x07, 0x00, 0x04, 0x23, 0xa9, 0x5d, 0x8e, // MACs
        0x88, 0x64, // EtherType PPPoE session
        0x11, 0x00, // VER 1, TYPE 1, CODE 0
        0x00, 0x17, // SESSION_ID 0x0017
        0x00, 0x0e, // LENGTH 14
        0xc0, 0x21, // PPP protocol LCP
        0x09, 0x6a, 0x00, 0x0c, // LCP echo request, id 0x6a, length 12
        0xa4, 0xcb, 0xea, 0x34, 0x0e, 0xe2, 0xf6, 0x09, // magic number, data
    ];

    /// tcpdump's `pppoe.pcap` (38 bytes): a PADI with Service-Name (empty),
    /// PPP-Max-Payload 1500 and Host-Uniq tags.
    const PADI_FRAME: [u8; 38] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x0c, 0x29, 0x90, 0x3a, 0x8b, // MACs
        0x88, 0x63, // EtherType PPPoE discovery
        0x11, 0x09, // VER 1, TYPE 1, CODE PADI
        0x00, 0x00, // SESSION_ID 0
        0x00, 0x12, // LENGTH 18
        0x01, 0x01, 0x00, 0x00, // Service-Name, length 0
        0x01, 0x20, 0x00, 0x02, 0x05, 0xdc, // PPP-Max-Payload, length 2: 1500
        0x01, 0x03, 0x00, 0x04, 0x16, 0x37, 0x2c, 0x16, // Host-Uniq, length 4
    ];

    #[test]
    fn session_capture_fields() {
        let p = Pppoe::new(&SESSION_FRAME[14..]).unwrap();
        assert_eq!(
            (p.version(), p.pppoe_type(), p.code()),
            (1, 1, PppoeCode::SESSION)
        );
        assert_eq!((p.session_id(), p.length()), (0x17, 14));
        assert_eq!(p.ppp_protocol(), PppProtocol::LCP);
        assert_eq!((p.header_len(), p.packet_len()), (8, 20));
        assert_eq!(p.header(), &SESSION_FRAME[14..22]);
        assert_eq!(p.payload()[..4], [0x09, 0x6a, 0x00, 0x0c]);
        assert_eq!(p.into_payload().len(), 12);
        // etherparse reads the Ethernet header and stops at 0x8864.
        let e = etherparse::SlicedPacket::from_ethernet(&SESSION_FRAME).unwrap();
        let Some(etherparse::LinkSlice::Ethernet2(eth)) = e.link else {
            panic!("not Ethernet")
        };
        assert_eq!(eth.ether_type(), etherparse::EtherType(0x8864));
        // The discovery view reads the same header without the PPP field.
        let d = PppoeDiscovery::new(&SESSION_FRAME[14..]).unwrap();
        assert_eq!(
            (d.code(), d.session_id(), d.payload().len()),
            (PppoeCode::SESSION, 0x17, 14)
        );
    }

    #[test]
    fn padi_capture_tags() {
        assert_eq!(
            Pppoe::new(&PADI_FRAME[14..]),
            Err(Error::BadValue {
                layer: Layer::Pppoe,
                field: "code"
            })
        );
        let d = PppoeDiscovery::new(&PADI_FRAME[14..]).unwrap();
        assert_eq!((d.version(), d.pppoe_type()), (1, 1));
        assert_eq!(
            (d.code(), d.session_id(), d.length()),
            (PppoeCode::PADI, 0, 18)
        );
        assert_eq!((d.header_len(), d.header()), (6, &PADI_FRAME[14..20]));
        let tags: Vec<_> = d.tags().map(Result::unwrap).collect();
        assert_eq!(
            tags,
            [
                PppoeTag {
                    tag_type: PppoeTag::SERVICE_NAME,
                    value: &[]
                },
                PppoeTag {
                    tag_type: PppoeTag::PPP_MAX_PAYLOAD,
                    value: &[0x05, 0xdc]
                },
                PppoeTag {
                    tag_type: PppoeTag::HOST_UNIQ,
                    value: &[0x16, 0x37, 0x2c, 0x16]
                },
            ]
        );
        assert_eq!(PppoeCode::PADI.to_string(), "0x09");
    }

    #[test]
    fn every_truncated_length_is_reported_exactly() {
        let s = &SESSION_FRAME[14..];
        for len in 0..20 {
            let want = if len < 6 {
                Error::truncated(Layer::Pppoe, 6, len)
            } else {
                Error::BadLength {
                    layer: Layer::Pppoe,
                    found: 14,
                    min: 2,
                    max: len - 6,
                }
            };
            assert_eq!(Pppoe::new(&s[..len]), Err(want), "cut at {len}");
        }
        for len in 6..24 {
            assert_eq!(
                PppoeDiscovery::new(&PADI_FRAME[14..14 + len]),
                Err(Error::BadLength {
                    layer: Layer::Pppoe,
                    found: 18,
                    min: 0,
                    max: len - 6
                })
            );
        }
    }

    #[test]
    fn captures_cut_short() {
        let s = &SESSION_FRAME[14..];
        for len in 8..20 {
            let p = Pppoe::new_truncated(&s[..len]).unwrap();
            assert!(p.is_truncated());
            assert_eq!((p.session_id(), p.packet_len()), (0x17, 20));
            assert_eq!(p.payload(), &s[8..len]);
        }
        assert!(!Pppoe::new_truncated(s).unwrap().is_truncated());
        for len in 0..8 {
            let needed = if len < 6 { 6 } else { 8 };
            assert_eq!(
                Pppoe::new_truncated(&s[..len]),
                Err(Error::truncated(Layer::Pppoe, needed, len))
            );
        }
        assert_eq!(
            Pppoe::new_truncated(&PADI_FRAME[14..]),
            Err(Error::BadValue {
                layer: Layer::Pppoe,
                field: "code"
            })
        );
    }

    #[test]
    fn bad_headers_and_tags() {
        let mut p = [0x11, 0, 0, 1, 0, 1, 0x00, 0x21];
        assert_eq!(
            Pppoe::new(&p[..]),
            Err(Error::BadLength {
                layer: Layer::Pppoe,
                found: 1,
                min: 2,
                max: 2
            })
        );
        p[0] = 0x21;
        assert_eq!(
            Pppoe::new(&p[..]),
            Err(Error::BadVersion {
                layer: Layer::Pppoe,
                found: 2
            })
        );
        p[0] = 0x12;
        assert_eq!(
            PppoeDiscovery::new(&p[..]),
            Err(Error::BadValue {
                layer: Layer::Pppoe,
                field: "type"
            })
        );
        let bad = Err(Error::BadValue {
            layer: Layer::Pppoe,
            field: "tag length",
        });
        // A tag value running past the end, and a cut tag header.
        let tags: Vec<_> =
            PppoeTags::new(&[0x01, 0x01, 0x00, 0x00, 0x01, 0x02, 0x00, 0x09, 0x41]).collect();
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[1], bad);
        let tags: Vec<_> = PppoeTags::new(&[0x01, 0x01, 0x00]).collect();
        assert_eq!(tags, [bad]);
        // End-Of-List ends the list.
        let tags: Vec<_> = PppoeTags::new(&[0, 0, 0, 0, 0x01, 0x01, 0, 0]).collect();
        assert_eq!(
            tags,
            [Ok(PppoeTag {
                tag_type: 0,
                value: &[]
            })]
        );
    }

    #[test]
    fn setters_and_builder() {
        let mut f = SESSION_FRAME;
        let mut p = PppoeMut::new(&mut f[14..]).unwrap();
        p.set_session_id(0xBEEF);
        p.set_ppp_protocol(PppProtocol::IPV6);
        p.fix_length(4).unwrap();
        assert_eq!(p.payload().len(), 4);
        assert!(matches!(
            p.fix_length(13),
            Err(Error::BadLength {
                found: 15,
                max: 14,
                ..
            })
        ));
        p.fix_length(12).unwrap();
        p.payload_mut()[0] = 0x60;
        assert_eq!(
            f[14..24],
            [0x11, 0, 0xBE, 0xEF, 0, 14, 0x00, 0x57, 0x60, 0x6a]
        );
        assert_eq!(
            PppoeHeader {
                payload_len: 65534,
                ..PppoeHeader::default()
            }
            .emit(&mut [0u8; 8]),
            Err(Error::BadLength {
                layer: Layer::Pppoe,
                found: 65536,
                min: 2,
                max: 65535
            })
        );
        assert_eq!(
            PppoeHeader::default().emit(&mut [0u8; 7]),
            Err(Error::NoRoom {
                layer: Layer::Pppoe,
                needed: 8,
                available: 7
            })
        );
        let h = PppoeHeader {
            session_id: 0x17,
            ppp_protocol: PppProtocol::LCP,
            payload_len: 12,
        };
        let mut buf = [0u8; 8];
        assert_eq!(h.emit(&mut buf), Ok(8));
        assert_eq!(buf, SESSION_FRAME[14..22]);
    }

    proptest! {
        #[test]
        fn emit_then_parse_round_trips(
            session_id: u16, proto: u16, payload in proptest::collection::vec(any::<u8>(), 0..32),
            padding in 0usize..8,
        ) {
            let h = PppoeHeader { session_id, ppp_protocol: PppProtocol(proto), payload_len: payload.len() };
            let mut buf = std::vec![0u8; 8 + payload.len() + padding];
            prop_assert_eq!(h.emit(&mut buf), Ok(8));
            buf[8..8 + payload.len()].copy_from_slice(&payload);
            let p = Pppoe::new(&buf[..]).unwrap();
            prop_assert_eq!((p.session_id(), p.ppp_protocol().0), (session_id, proto));
            prop_assert_eq!(p.payload(), &payload[..]);
            prop_assert_eq!(p.packet_len(), 8 + payload.len());
        }

        #[test]
        fn any_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..48)) {
            if let Ok(p) = Pppoe::new_truncated(&b[..]) {
                prop_assert_eq!(p.header_len() + p.payload().len(), p.packet_len().min(b.len()));
                prop_assert_eq!(Pppoe::new(&b[..]).is_ok(), !p.is_truncated());
            }
            if let Ok(p) = Pppoe::new(&b[..]) {
                prop_assert!(p.packet_len() <= b.len());
                prop_assert_eq!(p.header_len() + p.payload().len(), p.packet_len());
            }
            if let Ok(d) = PppoeDiscovery::new(&b[..]) {
                let mut n = 0;
                for t in d.tags() {
                    n += 1;
                    if let Ok(t) = t {
                        prop_assert!(t.value.len() <= d.payload().len());
                    }
                }
                prop_assert!(n <= d.payload().len() / 4 + 1);
            }
        }
    }
}
