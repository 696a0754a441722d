//! GTP-U header ([3GPP TS 29.281 section 5]), the user plane of 4G and 5G
//! cores.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Ver=1|P|*|E|S|N| Message Type  |            Length             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                 Tunnel Endpoint Identifier                    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |        Sequence Number        | N-PDU Number  | Next Ext Type |  if E, S or N
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!  P: protocol type (1: GTP), *: spare, E: extension header flag,
//!  S: sequence number flag, N: N-PDU number flag (PN)
//!
//! Each extension header (section 5.2.1), while Next Ext Type is not 0:
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |    Length     |         Contents ...                          |
//! ~                               ...             | Next Ext Type |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!  Length: in 4-octet units, the length and next-type octets included
//! ```
//!
//! A GTP-U message follows a UDP header (destination port [`UDP_PORT`],
//! 2152). The Length field counts the octets after the mandatory 8-octet
//! header: the optional fields, the extension headers and the payload (a
//! T-PDU, an IPv4 or IPv6 packet, in a [`GtpuMessageType::G_PDU`]). When
//! any of E, S or PN is set, all three optional fields are present; a
//! field whose flag is clear is to be ignored. 5G cores carry the QoS flow
//! of a packet in a PDU Session Container extension header (type 0x85,
//! [3GPP TS 38.415]), read by [`Gtpu::pdu_session`].
//!
//! GTP-U has no checksum of its own: the outer UDP checksum covers it.
//! As with [`Vxlan`](crate::vxlan::Vxlan), every setter returns the
//! [`Delta`] of its change, to be applied to that UDP checksum; the header
//! starts at an even offset of the UDP datagram, so the delta applies as
//! is.
//!
//! [3GPP TS 29.281 section 5]: https://www.3gpp.org/DynaReport/29281.htm
//! [3GPP TS 38.415]: https://www.3gpp.org/DynaReport/38415.htm

use core::fmt;
use core::iter::FusedIterator;

use crate::checksum::{self, Delta};
use crate::error::{Error, Layer};
use crate::field;

/// Byte offsets of the header's fields.
pub(crate) mod field_at {
    pub const FLAGS: usize = 0;
    pub const MESSAGE_TYPE: usize = 1;
    pub const LENGTH: usize = 2;
    pub const TEID: usize = 4;
    pub const SEQUENCE_NUMBER: usize = 8;
    pub const N_PDU_NUMBER: usize = 10;
    pub const NEXT_EXT_TYPE: usize = 11;
}
use field_at as f;

/// Length of the mandatory GTP-U header, in octets.
pub const HEADER_LEN: usize = 8;

/// Length of the optional fields (sequence number, N-PDU number, next
/// extension header type), in octets.
pub const OPTIONAL_LEN: usize = 4;

/// The IANA-assigned UDP port of GTP-U.
pub const UDP_PORT: u16 = 2152;

/// The one GTP-U version, 1 ("GTP release 99").
pub const VERSION: u8 = 1;

const FLAG_PT: u8 = 0x10;
const FLAG_E: u8 = 0x04;
const FLAG_S: u8 = 0x02;
const FLAG_PN: u8 = 0x01;

/// A GTP-U message type (3GPP TS 29.281 section 6.1): an open newtype,
/// so unknown values round-trip.
///
/// ```
/// use wireview::gtpu::GtpuMessageType;
/// assert_eq!(GtpuMessageType::G_PDU.0, 255);
/// assert_eq!(GtpuMessageType(26), GtpuMessageType::ERROR_INDICATION);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct GtpuMessageType(pub u8);

impl GtpuMessageType {
    /// Echo request (1).
    pub const ECHO_REQUEST: GtpuMessageType = GtpuMessageType(1);
    /// Echo response (2).
    pub const ECHO_RESPONSE: GtpuMessageType = GtpuMessageType(2);
    /// Error indication (26).
    pub const ERROR_INDICATION: GtpuMessageType = GtpuMessageType(26);
    /// Supported extension headers notification (31).
    pub const SUPPORTED_EXTENSION_HEADERS_NOTIFICATION: GtpuMessageType = GtpuMessageType(31);
    /// End marker (254).
    pub const END_MARKER: GtpuMessageType = GtpuMessageType(254);
    /// G-PDU (255): a user packet, the T-PDU, follows the header.
    pub const G_PDU: GtpuMessageType = GtpuMessageType(255);
}

impl fmt::Display for GtpuMessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A zero-copy view of a GTP-U message: the header, its optional fields,
/// its extension header chain and the payload.
///
/// Read-only over `&[u8]` ([`GtpuRef`]), writable over `&mut [u8]`
/// ([`GtpuMut`]). The buffer starts at the GTP-U header (the UDP
/// payload). [`Gtpu::new`] checks the version, the Length field against
/// the buffer and the whole extension header chain; after it no getter or
/// setter can panic. The message ends where its Length field says
/// ([`packet_len`](Self::packet_len)); bytes after it are not part of it.
///
/// ```
/// use wireview::gtpu::{Gtpu, GtpuMessageType, GtpuMut};
///
/// // A G-PDU to TEID 0x1234abcd with a PDU Session Container (UL, QFI 9),
/// // then the first bytes of an IPv4 packet.
/// let mut buf = [0x34, 0xff, 0x00, 0x0c, 0x12, 0x34, 0xab, 0xcd,
///                0x00, 0x00, 0x00, 0x85, 0x01, 0x10, 0x09, 0x00,
///                0x45, 0x00, 0x00, 0x14];
/// let mut g = GtpuMut::new(&mut buf[..])?;
/// assert_eq!((g.message_type(), g.teid(), g.header_len()), (GtpuMessageType::G_PDU, 0x1234_abcd, 16));
/// assert_eq!(g.pdu_session().map(|p| (p.pdu_type, p.qfi)), Some((1, 9)));
/// let _delta = g.set_teid(7);
/// let g = Gtpu::new(&buf[..])?;
/// assert_eq!((g.teid(), g.payload()), (7, &[0x45, 0, 0, 0x14][..]));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Gtpu<B> {
    buf: B,
    /// Octets up to the first payload octet, checked by `new`.
    header_len: usize,
}

/// A read-only GTP-U view.
pub type GtpuRef<'a> = Gtpu<&'a [u8]>;
/// A writable GTP-U view.
pub type GtpuMut<'a> = Gtpu<&'a mut [u8]>;

/// Checks the message at the start of `b` and returns its header length.
/// With `capture`, a Length past the end of `b` is accepted (the header
/// itself must be there).
fn check(b: &[u8], capture: bool) -> Result<usize, Error> {
    field::need(Layer::Gtpu, b, HEADER_LEN)?;
    let version = b[f::FLAGS] >> 5;
    if version != VERSION {
        return Err(Error::BadVersion {
            layer: Layer::Gtpu,
            found: version,
        });
    }
    let flags = b[f::FLAGS];
    let length = usize::from(field::u16_at(b, f::LENGTH));
    let optional = flags & (FLAG_E | FLAG_S | FLAG_PN) != 0;
    let min = if optional { OPTIONAL_LEN } else { 0 };
    let max = if capture {
        usize::from(u16::MAX)
    } else {
        b.len() - HEADER_LEN
    };
    if length < min || length > max {
        return Err(Error::BadLength {
            layer: Layer::Gtpu,
            found: length,
            min,
            max,
        });
    }
    if !optional {
        return Ok(HEADER_LEN);
    }
    let base = HEADER_LEN + OPTIONAL_LEN;
    field::need(Layer::Gtpu, b, base)?;
    let end = (HEADER_LEN + length).min(b.len());
    let mut at = base;
    if flags & FLAG_E != 0 {
        for ext in GtpuExtensions::new(b[f::NEXT_EXT_TYPE], &b[base..end]) {
            at += ext.map_err(|e| shifted(e, base))?.len();
        }
    }
    Ok(at)
}

/// An extension chain error seen from `at`, re-based on the message start.
fn shifted(e: Error, at: usize) -> Error {
    match e {
        Error::Truncated {
            layer,
            needed,
            available,
        } => Error::truncated(layer, at + needed, at + available),
        e => e,
    }
}

impl<B: AsRef<[u8]>> Gtpu<B> {
    /// Checks that `buf` holds a GTP-U version 1 message: the 8-octet
    /// header, a Length that fits the buffer (and covers the 4 optional
    /// octets when E, S or PN is set), and, when E is set, an extension
    /// header chain that ends inside the message.
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than 8 bytes or an
    /// extension header runs past the end of the message (`needed` and
    /// `available` count from the GTP-U header's start);
    /// [`Error::BadVersion`] when the version is not 1;
    /// [`Error::BadLength`] when the Length field is longer than the
    /// buffer or shorter than the optional fields;
    /// [`Error::BadHeaderLength`] (found 0) for an extension header of
    /// length 0.
    pub fn new(buf: B) -> Result<Self, Error> {
        let header_len = check(buf.as_ref(), false)?;
        Ok(Gtpu { buf, header_len })
    }

    /// Like [`new`](Self::new), but accepts a message cut short by the
    /// capture (a Length past the end of the buffer), for reading captures.
    /// The header, its optional fields and its extension headers must be
    /// complete; [`payload`](Self::payload) then ends at the end of the
    /// buffer and [`is_truncated`](Self::is_truncated) tells.
    ///
    /// # Errors
    /// As [`new`](Self::new), except that a Length past the end of the
    /// buffer is not one ([`Error::BadLength`] then only for a Length
    /// shorter than the optional fields).
    pub fn new_truncated(buf: B) -> Result<Self, Error> {
        let header_len = check(buf.as_ref(), true)?;
        Ok(Gtpu { buf, header_len })
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

    /// The flags octet: version, PT, spare bit, E, S and PN.
    pub fn flags(&self) -> u8 {
        self.b()[f::FLAGS]
    }

    /// The version, 1 for a checked view.
    pub fn version(&self) -> u8 {
        self.flags() >> 5
    }

    /// The PT bit: 1 for GTP (0 would be GTP', which this view does not
    /// otherwise tell apart).
    pub fn pt(&self) -> bool {
        self.flags() & FLAG_PT != 0
    }

    /// The E flag: an extension header chain follows the optional fields.
    pub fn e_flag(&self) -> bool {
        self.flags() & FLAG_E != 0
    }

    /// The S flag: the sequence number is meaningful.
    pub fn s_flag(&self) -> bool {
        self.flags() & FLAG_S != 0
    }

    /// The PN flag: the N-PDU number is meaningful.
    pub fn pn_flag(&self) -> bool {
        self.flags() & FLAG_PN != 0
    }

    /// Whether the 4 optional octets are present (any of E, S, PN set).
    pub fn has_optional_fields(&self) -> bool {
        self.flags() & (FLAG_E | FLAG_S | FLAG_PN) != 0
    }

    /// The message type.
    pub fn message_type(&self) -> GtpuMessageType {
        GtpuMessageType(self.b()[f::MESSAGE_TYPE])
    }

    /// The Length field: octets after the mandatory 8-octet header.
    pub fn length(&self) -> u16 {
        field::u16_at(self.b(), f::LENGTH)
    }

    /// The tunnel endpoint identifier.
    pub fn teid(&self) -> u32 {
        field::u32_at(self.b(), f::TEID)
    }

    /// The sequence number, when the S flag is set.
    pub fn sequence_number(&self) -> Option<u16> {
        self.s_flag()
            .then(|| field::u16_at(self.b(), f::SEQUENCE_NUMBER))
    }

    /// The N-PDU number, when the PN flag is set.
    pub fn n_pdu_number(&self) -> Option<u8> {
        self.pn_flag().then(|| self.b()[f::N_PDU_NUMBER])
    }

    /// The type of the first extension header, when the E flag is set
    /// (0: none).
    pub fn next_extension_type(&self) -> Option<u8> {
        self.e_flag().then(|| self.b()[f::NEXT_EXT_TYPE])
    }

    /// The extension headers, in order (none when the E flag is clear).
    /// Checked by [`new`](Self::new), so every item is `Ok`.
    pub fn extensions(&self) -> GtpuExtensions<'_> {
        match self.next_extension_type() {
            Some(first) => {
                GtpuExtensions::new(first, &self.b()[HEADER_LEN + OPTIONAL_LEN..self.header_len])
            }
            None => GtpuExtensions::new(0, &[]),
        }
    }

    /// The fields of the first PDU Session Container extension header, if
    /// there is one.
    pub fn pdu_session(&self) -> Option<PduSession> {
        self.extensions()
            .filter_map(Result::ok)
            .find_map(|e| e.pdu_session())
    }

    /// Octets from the header's start to the first payload octet: 8, 12
    /// with the optional fields, more with extension headers.
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// Octets of the whole message, `8 + length()`.
    pub fn packet_len(&self) -> usize {
        HEADER_LEN + usize::from(self.length())
    }

    /// Whether the buffer ends before the message does (only possible for
    /// views made with [`new_truncated`](Self::new_truncated)).
    pub fn is_truncated(&self) -> bool {
        self.packet_len() > self.b().len()
    }

    /// End of the message in the buffer: where Length says, or the
    /// buffer's end when the capture was cut short.
    fn end(&self) -> usize {
        self.packet_len().min(self.b().len())
    }

    /// The header bytes, extension headers included.
    pub fn header(&self) -> &[u8] {
        &self.b()[..self.header_len]
    }

    /// The payload (for a G-PDU, the T-PDU), up to the end the Length
    /// field gives (or the end of a truncated view's buffer).
    pub fn payload(&self) -> &[u8] {
        &self.b()[self.header_len..self.end()]
    }
}

impl<'a> Gtpu<&'a [u8]> {
    /// The payload, borrowed for the buffer's lifetime rather than the
    /// view's.
    pub fn into_payload(self) -> &'a [u8] {
        let end = self.end();
        &self.buf[self.header_len..end]
    }
}

impl<'a> Gtpu<&'a mut [u8]> {
    /// The payload, mutably borrowed for the buffer's lifetime.
    pub fn into_payload(self) -> &'a mut [u8] {
        let end = self.end();
        &mut self.buf[self.header_len..end]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Gtpu<B> {
    /// Writes `new` at `at` and returns the change, as seen from the
    /// header's start, for the outer UDP checksum.
    #[inline]
    fn write(&mut self, at: usize, new: &[u8]) -> Delta {
        checksum::replace(self.buf.as_mut(), 0, at, new)
    }

    /// Sets the tunnel endpoint identifier. Returns the change for the
    /// outer UDP checksum.
    #[must_use = "apply the returned Delta to the outer UDP checksum (`UdpMut::apply_delta`), which covers the GTP-U header, or it is left wrong"]
    pub fn set_teid(&mut self, teid: u32) -> Delta {
        self.write(f::TEID, &teid.to_be_bytes())
    }

    /// Sets the message type. Returns the change for the outer UDP
    /// checksum.
    #[must_use = "apply the returned Delta to the outer UDP checksum (`UdpMut::apply_delta`), which covers the GTP-U header, or it is left wrong"]
    pub fn set_message_type(&mut self, message_type: GtpuMessageType) -> Delta {
        self.write(f::MESSAGE_TYPE, &[message_type.0])
    }

    /// Sets the Length field. Returns the change for the outer UDP
    /// checksum (whose own length and pseudo-header are the caller's).
    ///
    /// # Errors
    /// [`Error::BadLength`] when `length` would end the message inside its
    /// header or past the end of the buffer; nothing is written then.
    pub fn set_length(&mut self, length: u16) -> Result<Delta, Error> {
        let min = self.header_len - HEADER_LEN;
        let max = self.b().len() - HEADER_LEN;
        let len = usize::from(length);
        if len < min || len > max {
            return Err(Error::BadLength {
                layer: Layer::Gtpu,
                found: len,
                min,
                max,
            });
        }
        Ok(self.write(f::LENGTH, &length.to_be_bytes()))
    }

    /// Sets the Length field for a payload of `payload_len` octets after
    /// the header and its extension headers, as after the T-PDU changed
    /// size. Returns the change for the outer UDP checksum.
    ///
    /// # Errors
    /// [`Error::BadLength`] when the message would not fit the buffer or
    /// the 16-bit field; nothing is written then.
    pub fn fix_length(&mut self, payload_len: usize) -> Result<Delta, Error> {
        let len = (self.header_len - HEADER_LEN).saturating_add(payload_len);
        let max = (self.b().len() - HEADER_LEN).min(usize::from(u16::MAX));
        if len > max {
            return Err(Error::BadLength {
                layer: Layer::Gtpu,
                found: len,
                min: self.header_len - HEADER_LEN,
                max,
            });
        }
        self.set_length(len as u16)
    }

    /// Sets the sequence number. Returns the change for the outer UDP
    /// checksum.
    ///
    /// # Errors
    /// [`Error::BadValue`] (field `"S flag"`) when the S flag is clear:
    /// the field would be ignored (or is not there at all).
    pub fn set_sequence_number(&mut self, seq: u16) -> Result<Delta, Error> {
        if !self.s_flag() {
            return Err(Error::BadValue {
                layer: Layer::Gtpu,
                field: "S flag",
            });
        }
        Ok(self.write(f::SEQUENCE_NUMBER, &seq.to_be_bytes()))
    }

    /// Sets the N-PDU number. Returns the change for the outer UDP
    /// checksum.
    ///
    /// # Errors
    /// [`Error::BadValue`] (field `"PN flag"`) when the PN flag is clear.
    pub fn set_n_pdu_number(&mut self, n: u8) -> Result<Delta, Error> {
        if !self.pn_flag() {
            return Err(Error::BadValue {
                layer: Layer::Gtpu,
                field: "PN flag",
            });
        }
        Ok(self.write(f::N_PDU_NUMBER, &[n]))
    }

    /// Sets the QFI of the first PDU Session Container, keeping its other
    /// bits. Returns the change for the outer UDP checksum.
    ///
    /// # Errors
    /// [`Error::BadValue`] (field `"QFI"`) when `qfi` does not fit in 6
    /// bits or there is no PDU Session Container with its QFI octet.
    pub fn set_qfi(&mut self, qfi: u8) -> Result<Delta, Error> {
        let bad = Error::BadValue {
            layer: Layer::Gtpu,
            field: "QFI",
        };
        if qfi > PduSession::MAX_QFI {
            return Err(bad);
        }
        // The offset of the QFI octet: the second content octet.
        let mut at = HEADER_LEN + OPTIONAL_LEN;
        let mut found = None;
        for ext in self.extensions() {
            let Ok(ext) = ext else { break };
            if ext.ext_type == GtpuExtension::PDU_SESSION_CONTAINER && ext.content.len() >= 2 {
                found = Some(at + 2);
                break;
            }
            at += ext.len();
        }
        let at = found.ok_or(bad)?;
        let old = self.b()[at];
        Ok(self.write(at, &[(old & 0xC0) | qfi]))
    }

    /// The extension headers' bytes, writable (to change their contents
    /// in place; the caller then owes the outer UDP checksum the change).
    pub fn extensions_bytes_mut(&mut self) -> &mut [u8] {
        let (start, end) = if self.e_flag() {
            (HEADER_LEN + OPTIONAL_LEN, self.header_len)
        } else {
            (self.header_len, self.header_len)
        };
        &mut self.buf.as_mut()[start..end]
    }

    /// The payload, writable, up to the end the Length field gives.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = self.end();
        let start = self.header_len;
        &mut self.buf.as_mut()[start..end]
    }
}

/// One GTP-U extension header (3GPP TS 29.281 section 5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GtpuExtension<'a> {
    /// Its type, as the previous header's next extension header type
    /// gave it.
    pub ext_type: u8,
    /// The contents between the length octet and the next-type octet
    /// (`4 * length - 2` octets).
    pub content: &'a [u8],
    /// The type of the next extension header, 0 for none.
    pub next_type: u8,
}

impl GtpuExtension<'_> {
    /// No more extension headers (0x00).
    pub const NO_MORE: u8 = 0x00;
    /// UDP port (0x40), in error indications.
    pub const UDP_PORT: u8 = 0x40;
    /// RAN container (0x81).
    pub const RAN_CONTAINER: u8 = 0x81;
    /// Long PDCP PDU number (0x82).
    pub const LONG_PDCP_PDU_NUMBER: u8 = 0x82;
    /// NR RAN container (0x84).
    pub const NR_RAN_CONTAINER: u8 = 0x84;
    /// PDU Session Container (0x85), 5G QoS flow information.
    pub const PDU_SESSION_CONTAINER: u8 = 0x85;
    /// PDCP PDU number (0xC0).
    pub const PDCP_PDU_NUMBER: u8 = 0xC0;

    /// Its length on the wire, in octets: `content.len() + 2`.
    pub const fn len(&self) -> usize {
        self.content.len() + 2
    }

    /// Always false: an extension header has at least 4 octets.
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// The two high bits of the type, which say whether a receiver that
    /// does not know the extension header may skip it (3GPP TS 29.281
    /// section 5.2.1: 0 and 1 it may, 2 and 3 it must comprehend it).
    pub const fn comprehension(&self) -> u8 {
        self.ext_type >> 6
    }

    /// The fields of a PDU Session Container (type 0x85 with at least its
    /// two first octets), else `None`.
    pub fn pdu_session(&self) -> Option<PduSession> {
        if self.ext_type != Self::PDU_SESSION_CONTAINER || self.content.len() < 2 {
            return None;
        }
        let pdu_type = self.content[0] >> 4;
        let b = self.content[1];
        Some(PduSession {
            pdu_type,
            qfi: b & 0x3F,
            rqi: pdu_type == PduSession::DL && b & 0x40 != 0,
        })
    }
}

/// Iterator over a GTP-U extension header chain (see [`Gtpu::extensions`]).
/// An extension header of length 0 yields one [`Error::BadHeaderLength`]
/// and one running past the end yields one [`Error::Truncated`] (counted
/// from the first extension header), and the iteration ends. It never
/// panics: each item consumes at least 4 octets.
///
/// ```
/// use wireview::gtpu::{GtpuExtension, GtpuExtensions};
///
/// // A PDU Session Container (DL, QFI 5, RQI), then none.
/// let exts: Vec<_> = GtpuExtensions::new(0x85, &[0x01, 0x00, 0x45, 0x00]).collect();
/// assert_eq!(exts, [Ok(GtpuExtension { ext_type: 0x85, content: &[0x00, 0x45], next_type: 0 })]);
/// let pdu = exts[0].unwrap().pdu_session().unwrap();
/// assert_eq!((pdu.pdu_type, pdu.qfi, pdu.rqi), (0, 5, true));
/// ```
#[derive(Debug, Clone)]
pub struct GtpuExtensions<'a> {
    next_type: u8,
    rest: &'a [u8],
    at: usize,
}

impl<'a> GtpuExtensions<'a> {
    /// The chain in `bytes` (the octets after the optional fields, up to
    /// the end of the message), whose first header has type `first`.
    pub const fn new(first: u8, bytes: &'a [u8]) -> Self {
        GtpuExtensions {
            next_type: first,
            rest: bytes,
            at: 0,
        }
    }
}

impl<'a> Iterator for GtpuExtensions<'a> {
    type Item = Result<GtpuExtension<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next_type == GtpuExtension::NO_MORE {
            return None;
        }
        let ext_type = core::mem::replace(&mut self.next_type, GtpuExtension::NO_MORE);
        let rest = core::mem::take(&mut self.rest);
        let Some(&units) = rest.first() else {
            return Some(Err(Error::truncated(Layer::Gtpu, self.at + 1, self.at)));
        };
        let len = usize::from(units) * 4;
        if len == 0 {
            return Some(Err(Error::BadHeaderLength {
                layer: Layer::Gtpu,
                found: 0,
            }));
        }
        if rest.len() < len {
            return Some(Err(Error::truncated(
                Layer::Gtpu,
                self.at + len,
                self.at + rest.len(),
            )));
        }
        let (this, after) = rest.split_at(len);
        self.rest = after;
        self.at += len;
        self.next_type = this[len - 1];
        Some(Ok(GtpuExtension {
            ext_type,
            content: &this[1..len - 1],
            next_type: this[len - 1],
        }))
    }
}

impl FusedIterator for GtpuExtensions<'_> {}

/// The fields of a PDU Session Container ([3GPP TS 38.415 section 5.5.2])
/// that a user plane function acts on.
///
/// [3GPP TS 38.415 section 5.5.2]: https://www.3gpp.org/DynaReport/38415.htm
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PduSession {
    /// The PDU type: [`PduSession::DL`] (0) or [`PduSession::UL`] (1).
    pub pdu_type: u8,
    /// The QoS flow identifier, `0..=63`.
    pub qfi: u8,
    /// The reflective QoS indicator (downlink only; `false` in uplink).
    pub rqi: bool,
}

impl PduSession {
    /// PDU type 0: DL PDU session information (core to RAN).
    pub const DL: u8 = 0;
    /// PDU type 1: UL PDU session information (RAN to core).
    pub const UL: u8 = 1;
    /// The largest QFI, 63.
    pub const MAX_QFI: u8 = 63;

    /// The 4-octet extension header (length 1, two content octets, next
    /// type 0), or `None` when a field is out of range (PDU type above 15,
    /// QFI above 63, RQI in uplink).
    pub const fn to_bytes(&self) -> Option<[u8; 4]> {
        if self.pdu_type > 15 || self.qfi > Self::MAX_QFI || (self.rqi && self.pdu_type != Self::DL)
        {
            return None;
        }
        let rqi = if self.rqi { 0x40 } else { 0 };
        Some([1, self.pdu_type << 4, rqi | self.qfi, 0])
    }
}

/// The field values of a GTP-U header, to write a fresh one with
/// [`emit`](Self::emit): version 1, PT 1, then the optional fields when a
/// sequence number or a PDU Session Container is given, then that
/// container.
///
/// ```
/// use wireview::gtpu::{Gtpu, GtpuHeader, PduSession};
///
/// let h = GtpuHeader {
///     teid: 0x1234_abcd,
///     pdu_session: Some(PduSession { pdu_type: PduSession::UL, qfi: 9, rqi: false }),
///     payload_len: 32,
///     ..GtpuHeader::default()
/// };
/// let mut buf = [0u8; 16 + 32];
/// assert_eq!(h.emit(&mut buf)?, 16);
/// assert_eq!(buf[..16], [0x34, 0xff, 0x00, 0x28, 0x12, 0x34, 0xab, 0xcd,
///                        0x00, 0x00, 0x00, 0x85, 0x01, 0x10, 0x09, 0x00]);
/// let g = Gtpu::new(&buf[..])?;
/// assert_eq!((g.payload().len(), g.pdu_session().unwrap().qfi), (32, 9));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GtpuHeader {
    /// The message type, normally [`GtpuMessageType::G_PDU`].
    pub message_type: GtpuMessageType,
    /// The tunnel endpoint identifier.
    pub teid: u32,
    /// A sequence number (sets the S flag).
    pub sequence_number: Option<u16>,
    /// A PDU Session Container extension header (sets the E flag).
    pub pdu_session: Option<PduSession>,
    /// Octets of payload after the header, for the Length field.
    pub payload_len: usize,
}

impl Default for GtpuHeader {
    /// A G-PDU to TEID 0 without optional fields.
    fn default() -> Self {
        GtpuHeader {
            message_type: GtpuMessageType::G_PDU,
            teid: 0,
            sequence_number: None,
            pdu_session: None,
            payload_len: 0,
        }
    }
}

impl GtpuHeader {
    /// The header's length, in octets: 8, 12 with the optional fields, 16
    /// with a PDU Session Container.
    pub const fn header_len(&self) -> usize {
        if self.pdu_session.is_some() {
            HEADER_LEN + OPTIONAL_LEN + 4
        } else if self.sequence_number.is_some() {
            HEADER_LEN + OPTIONAL_LEN
        } else {
            HEADER_LEN
        }
    }

    /// Writes the header at the start of `buf` and returns its length.
    ///
    /// # Errors
    /// [`Error::BadValue`] (field `"PDU session container"`) when a
    /// container field is out of range; [`Error::BadLength`] when the
    /// Length field would pass 65535; [`Error::NoRoom`] when `buf` is
    /// shorter than the header.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let header_len = self.header_len();
        let container = match self.pdu_session {
            Some(p) => Some(p.to_bytes().ok_or(Error::BadValue {
                layer: Layer::Gtpu,
                field: "PDU session container",
            })?),
            None => None,
        };
        let length = (header_len - HEADER_LEN).saturating_add(self.payload_len);
        let length = u16::try_from(length).map_err(|_| Error::BadLength {
            layer: Layer::Gtpu,
            found: length,
            min: 0,
            max: usize::from(u16::MAX),
        })?;
        if buf.len() < header_len {
            return Err(Error::NoRoom {
                layer: Layer::Gtpu,
                needed: header_len,
                available: buf.len(),
            });
        }
        let mut flags = 0x20 | FLAG_PT;
        if container.is_some() {
            flags |= FLAG_E;
        }
        if self.sequence_number.is_some() {
            flags |= FLAG_S;
        }
        buf[f::FLAGS] = flags;
        buf[f::MESSAGE_TYPE] = self.message_type.0;
        field::set_u16(buf, f::LENGTH, length);
        field::set_u32(buf, f::TEID, self.teid);
        if header_len > HEADER_LEN {
            field::set_u16(buf, f::SEQUENCE_NUMBER, self.sequence_number.unwrap_or(0));
            buf[f::N_PDU_NUMBER] = 0;
            buf[f::NEXT_EXT_TYPE] = if container.is_some() {
                GtpuExtension::PDU_SESSION_CONTAINER
            } else {
                GtpuExtension::NO_MORE
            };
        }
        if let Some(c) = container {
            buf[HEADER_LEN + OPTIONAL_LEN..header_len].copy_from_slice(&c);
        }
        Ok(header_len)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    /// An uplink G-PDU as a gNB sends it on N3 (3GPP TS 29.281 section 5
    /// and TS 38.415 section 5.5.2.2; encoded the same by Scapy's
    /// independent `GTP_U_Header / GTPPDUSessionContainer`): TEID
    /// 0x1234abcd, a PDU Session Container with QFI 9, then an ICMP echo
    /// request from the UE 10.45.0.2 to 8.8.8.8 with data "ping".
    pub(crate) const UL_GPDU: [u8; 48] = [
        0x34, // version 1, PT 1, E
        0xff, // G-PDU
        0x00, 0x28, // length 40: 4 optional + 4 extension + 32 T-PDU
        0x12, 0x34, 0xab, 0xcd, // TEID
        0x00, 0x00, // sequence number (S clear: ignored)
        0x00, // N-PDU number (PN clear: ignored)
        0x85, // next extension header: PDU Session Container
        0x01, // its length: 1 unit of 4 octets
        0x10, // PDU type 1 (UL), no QMP/delay/SNP bits
        0x09, // QFI 9
        0x00, // next extension header: none
        0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0x60, 0x9e, // IPv4, ICMP
        0x0a, 0x2d, 0x00, 0x02, 0x08, 0x08, 0x08, 0x08, // 10.45.0.2 -> 8.8.8.8
        0x08, 0x00, 0x19, 0x2d, 0x00, 0x01, 0x00, 0x01, // echo request id 1 seq 1
        0x70, 0x69, 0x6e, 0x67, // "ping"
    ];

    /// A downlink G-PDU with a sequence number (S) and a PDU Session
    /// Container with RQI and QFI 5, the same T-PDU.
    const DL_GPDU_HEADER: [u8; 16] = [
        0x36, 0xff, 0x00, 0x28, 0x00, 0x00, 0x00, 0x01, // version 1, PT, E, S; TEID 1
        0x01, 0x02, 0x00, 0x85, // sequence number 0x0102, N-PDU 0, next 0x85
        0x01, 0x00, 0x45, 0x00, // length 1, DL, RQI + QFI 5, next none
    ];

    /// An echo request (S flag, sequence number 7), as Scapy writes it.
    const ECHO_REQUEST: [u8; 12] = [
        0x32, 0x01, 0x00, 0x04, 0, 0, 0, 0, // version 1, PT, S; type 1; length 4; TEID 0
        0x00, 0x07, 0x00, 0x00, // sequence number 7
    ];

    #[test]
    fn uplink_gpdu_fields() {
        let g = Gtpu::new(&UL_GPDU[..]).unwrap();
        assert_eq!((g.version(), g.pt(), g.flags()), (1, true, 0x34));
        assert_eq!((g.e_flag(), g.s_flag(), g.pn_flag()), (true, false, false));
        assert_eq!(g.message_type(), GtpuMessageType::G_PDU);
        assert_eq!((g.length(), g.packet_len(), g.header_len()), (40, 48, 16));
        assert_eq!(g.teid(), 0x1234_abcd);
        assert_eq!(
            (
                g.sequence_number(),
                g.n_pdu_number(),
                g.next_extension_type()
            ),
            (None, None, Some(0x85))
        );
        let exts: Vec<_> = g.extensions().collect();
        assert_eq!(
            exts,
            [Ok(GtpuExtension {
                ext_type: 0x85,
                content: &[0x10, 0x09],
                next_type: 0
            })]
        );
        assert_eq!(exts[0].unwrap().comprehension(), 2);
        assert_eq!(
            g.pdu_session(),
            Some(PduSession {
                pdu_type: PduSession::UL,
                qfi: 9,
                rqi: false
            })
        );
        // etherparse reads the T-PDU: an ICMP echo request to 8.8.8.8.
        let inner = etherparse::SlicedPacket::from_ip(g.payload()).unwrap();
        let Some(etherparse::NetSlice::Ipv4(ip)) = inner.net else {
            panic!("not IPv4")
        };
        assert_eq!(ip.header().destination(), [8, 8, 8, 8]);
        assert_eq!(ip.header().total_len(), 32);
        assert!(matches!(
            inner.transport,
            Some(etherparse::TransportSlice::Icmpv4(_))
        ));
        assert_eq!(g.into_payload().len(), 32);
    }

    #[test]
    fn downlink_and_echo() {
        let mut p = [0u8; 48];
        p[..16].copy_from_slice(&DL_GPDU_HEADER);
        p[16..].copy_from_slice(&UL_GPDU[16..]);
        let g = Gtpu::new(&p[..]).unwrap();
        assert_eq!((g.teid(), g.sequence_number()), (1, Some(0x0102)));
        assert_eq!(
            g.pdu_session(),
            Some(PduSession {
                pdu_type: PduSession::DL,
                qfi: 5,
                rqi: true
            })
        );
        let e = Gtpu::new(&ECHO_REQUEST[..]).unwrap();
        assert_eq!(e.message_type(), GtpuMessageType::ECHO_REQUEST);
        assert_eq!((e.sequence_number(), e.header_len()), (Some(7), 12));
        assert_eq!(e.extensions().count(), 0);
        assert!(e.payload().is_empty());
        // Trailing bytes after the Length field's end are not the message's.
        let mut longer = [0xEEu8; 20];
        longer[..12].copy_from_slice(&ECHO_REQUEST);
        let e = Gtpu::new(&longer[..]).unwrap();
        assert_eq!((e.packet_len(), e.payload().len()), (12, 0));
    }

    #[test]
    fn builder_matches_the_vectors() {
        let mut buf = [0u8; 16];
        let h = GtpuHeader {
            teid: 0x1234_abcd,
            pdu_session: Some(PduSession {
                pdu_type: PduSession::UL,
                qfi: 9,
                rqi: false,
            }),
            payload_len: 32,
            ..GtpuHeader::default()
        };
        assert_eq!(h.emit(&mut buf), Ok(16));
        assert_eq!(buf, UL_GPDU[..16]);
        let h = GtpuHeader {
            teid: 1,
            sequence_number: Some(0x0102),
            pdu_session: Some(PduSession {
                pdu_type: PduSession::DL,
                qfi: 5,
                rqi: true,
            }),
            payload_len: 32,
            ..GtpuHeader::default()
        };
        assert_eq!(h.emit(&mut buf), Ok(16));
        assert_eq!(buf, DL_GPDU_HEADER);
        let h = GtpuHeader {
            message_type: GtpuMessageType::ECHO_REQUEST,
            sequence_number: Some(7),
            ..GtpuHeader::default()
        };
        assert_eq!(h.emit(&mut buf), Ok(12));
        assert_eq!(buf[..12], ECHO_REQUEST);
        let h = GtpuHeader {
            teid: 5,
            payload_len: 3,
            ..GtpuHeader::default()
        };
        assert_eq!(h.emit(&mut buf), Ok(8));
        assert_eq!(buf[..8], [0x30, 0xff, 0, 3, 0, 0, 0, 5]);
        // Errors.
        assert_eq!(
            h.emit(&mut buf[..7]),
            Err(Error::NoRoom {
                layer: Layer::Gtpu,
                needed: 8,
                available: 7
            })
        );
        let big = GtpuHeader {
            payload_len: 65532,
            sequence_number: Some(0),
            ..h
        };
        assert!(matches!(
            big.emit(&mut buf),
            Err(Error::BadLength { found: 65536, .. })
        ));
        for bad in [
            PduSession {
                pdu_type: 0,
                qfi: 64,
                rqi: false,
            },
            PduSession {
                pdu_type: 16,
                qfi: 0,
                rqi: false,
            },
            PduSession {
                pdu_type: 1,
                qfi: 0,
                rqi: true,
            },
        ] {
            let h = GtpuHeader {
                pdu_session: Some(bad),
                ..h
            };
            assert_eq!(
                h.emit(&mut buf),
                Err(Error::BadValue {
                    layer: Layer::Gtpu,
                    field: "PDU session container"
                })
            );
        }
    }

    #[test]
    fn every_truncated_length_is_reported_exactly() {
        // Cut anywhere, the Length field (40) runs past the buffer.
        for len in 0..48 {
            let want = if len < 8 {
                Error::truncated(Layer::Gtpu, 8, len)
            } else {
                Error::BadLength {
                    layer: Layer::Gtpu,
                    found: 40,
                    min: 4,
                    max: len - 8,
                }
            };
            assert_eq!(Gtpu::new(&UL_GPDU[..len]), Err(want), "cut at {len}");
        }
        // With the Length field following the cut, the extension header
        // is what runs short.
        for len in 12..16 {
            let mut p = UL_GPDU;
            p[3] = (len - 8) as u8;
            let want = if len == 12 {
                Error::truncated(Layer::Gtpu, 13, 12)
            } else {
                Error::truncated(Layer::Gtpu, 16, len)
            };
            assert_eq!(Gtpu::new(&p[..len]), Err(want), "cut at {len}");
        }
        // Length shorter than the optional fields.
        let mut p = UL_GPDU;
        p[3] = 3;
        assert_eq!(
            Gtpu::new(&p[..]),
            Err(Error::BadLength {
                layer: Layer::Gtpu,
                found: 3,
                min: 4,
                max: 40
            })
        );
    }

    #[test]
    fn captures_cut_short() {
        // new refuses a message cut by the snap length; new_truncated reads
        // it as far as it goes, for every cut after the extension header.
        for len in 16..48 {
            let g = Gtpu::new_truncated(&UL_GPDU[..len]).unwrap();
            assert!(g.is_truncated());
            assert_eq!(
                (g.teid(), g.header_len(), g.packet_len()),
                (0x1234_abcd, 16, 48)
            );
            assert_eq!(g.payload(), &UL_GPDU[16..len]);
            assert_eq!(g.pdu_session().map(|p| p.qfi), Some(9));
        }
        let g = Gtpu::new_truncated(&UL_GPDU[..]).unwrap();
        assert!(!g.is_truncated());
        // The header itself must be there.
        for len in 8..16 {
            // The optional fields, the extension header's length octet, the
            // whole extension header.
            let needed = match len {
                ..12 => 12,
                12 => 13,
                _ => 16,
            };
            let want = Error::truncated(Layer::Gtpu, needed, len);
            assert_eq!(
                Gtpu::new_truncated(&UL_GPDU[..len]),
                Err(want),
                "cut at {len}"
            );
        }
        let mut p = UL_GPDU;
        p[3] = 3;
        assert_eq!(
            Gtpu::new_truncated(&p[..]),
            Err(Error::BadLength {
                layer: Layer::Gtpu,
                found: 3,
                min: 4,
                max: 65535
            })
        );
    }

    #[test]
    fn bad_versions_and_extension_lengths() {
        for v in [0u8, 2, 7] {
            let mut p = UL_GPDU;
            p[0] = (p[0] & 0x1F) | (v << 5);
            assert_eq!(
                Gtpu::new(&p[..]),
                Err(Error::BadVersion {
                    layer: Layer::Gtpu,
                    found: v
                })
            );
        }
        // An extension header of length 0.
        let mut p = UL_GPDU;
        p[12] = 0;
        assert_eq!(
            Gtpu::new(&p[..]),
            Err(Error::BadHeaderLength {
                layer: Layer::Gtpu,
                found: 0
            })
        );
        // Of length 255 units (1020 octets), far past the message.
        p[12] = 0xFF;
        assert_eq!(
            Gtpu::new(&p[..]),
            Err(Error::truncated(Layer::Gtpu, 12 + 1020, 48))
        );
        // A chain that goes on: the container says another header (0x85)
        // follows, and the T-PDU's first octet 0x45 is read as its length:
        // 276 octets, past the end.
        let mut p = UL_GPDU;
        p[15] = 0x85;
        assert_eq!(
            Gtpu::new(&p[..]),
            Err(Error::truncated(Layer::Gtpu, 16 + 0x45 * 4, 48))
        );
        // The iterator on its own: a chain of 0-length headers ends at once.
        let exts: Vec<_> = GtpuExtensions::new(0x85, &[0; 8]).collect();
        assert_eq!(exts.len(), 1);
        let exts: Vec<_> = GtpuExtensions::new(0x85, &[]).collect();
        assert_eq!(exts, [Err(Error::truncated(Layer::Gtpu, 1, 0))]);
    }

    #[test]
    fn setters() {
        let mut p = UL_GPDU;
        let mut g = GtpuMut::new(&mut p[..]).unwrap();
        let _ = g.set_teid(0xdead_beef);
        let _ = g.set_message_type(GtpuMessageType::END_MARKER);
        assert_eq!(
            g.set_sequence_number(1),
            Err(Error::BadValue {
                layer: Layer::Gtpu,
                field: "S flag"
            })
        );
        assert!(g.set_n_pdu_number(1).is_err());
        assert!(g.set_qfi(63).is_ok());
        assert!(g.set_qfi(64).is_err());
        assert_eq!(g.pdu_session().map(|s| s.qfi), Some(63));
        assert_eq!(g.extensions_bytes_mut(), [0x01, 0x10, 0x3f, 0x00]);
        g.payload_mut()[0] = 0x46;
        assert_eq!(
            p[..16],
            [0x34, 0xfe, 0, 0x28, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0x85, 1, 0x10, 0x3f, 0]
        );
        assert_eq!(p[16], 0x46);
        // The payload shrinks by 4: the Length follows.
        let mut g = GtpuMut::new(&mut p[..]).unwrap();
        assert!(g.fix_length(28).is_ok());
        assert_eq!(g.length(), 36);
        assert_eq!(g.payload().len(), 28);
        assert!(matches!(
            g.fix_length(33),
            Err(Error::BadLength { found: 41, .. })
        ));
        assert!(matches!(
            g.set_length(7),
            Err(Error::BadLength { min: 8, .. })
        ));
        let mut e = ECHO_REQUEST;
        let mut g = GtpuMut::new(&mut e[..]).unwrap();
        assert!(g.set_sequence_number(0x0808).is_ok());
        assert_eq!(
            g.set_qfi(1),
            Err(Error::BadValue {
                layer: Layer::Gtpu,
                field: "QFI"
            })
        );
        assert!(g.extensions_bytes_mut().is_empty());
        assert_eq!(e[8..10], [0x08, 0x08]);
    }

    proptest! {
        #[test]
        fn emit_then_parse_round_trips(
            ty: u8, teid: u32, seq: Option<u16>,
            pdu in proptest::option::of((0u8..=1, 0u8..=63, any::<bool>())),
            payload in proptest::collection::vec(any::<u8>(), 0..24),
        ) {
            let pdu_session = pdu.map(|(t, qfi, rqi)| PduSession { pdu_type: t, qfi, rqi: rqi && t == 0 });
            let h = GtpuHeader {
                message_type: GtpuMessageType(ty), teid, sequence_number: seq, pdu_session,
                payload_len: payload.len(),
            };
            let mut buf = std::vec![0xA5u8; h.header_len() + payload.len()];
            let n = h.emit(&mut buf).unwrap();
            buf[n..].copy_from_slice(&payload);
            let g = Gtpu::new(&buf[..]).unwrap();
            prop_assert_eq!((g.version(), g.pt()), (1, true));
            prop_assert_eq!((g.message_type().0, g.teid(), g.sequence_number()), (ty, teid, seq));
            prop_assert_eq!(g.pdu_session(), pdu_session);
            prop_assert_eq!(g.header_len(), n);
            prop_assert_eq!(g.payload(), &payload[..]);
            prop_assert_eq!(g.n_pdu_number(), None);
        }

        #[test]
        fn any_bytes_never_panic(p in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(g) = Gtpu::new_truncated(&p[..]) {
                prop_assert!(g.header_len() <= p.len());
                prop_assert_eq!(g.header_len() + g.payload().len(), g.packet_len().min(p.len()));
                prop_assert!(g.extensions().all(|e| e.is_ok()));
                prop_assert_eq!(Gtpu::new(&p[..]).is_ok(), !g.is_truncated());
            }
            if let Ok(g) = Gtpu::new(&p[..]) {
                prop_assert!(g.header_len() <= g.packet_len());
                prop_assert!(g.packet_len() <= p.len());
                prop_assert!(g.extensions().all(|e| e.is_ok()));
                let ext_len: usize = g.extensions().map(|e| e.unwrap().len()).sum();
                let fixed = if g.has_optional_fields() { 12 } else { 8 };
                prop_assert_eq!(g.header_len(), fixed + ext_len);
            }
        }

        /// The returned deltas keep an outer UDP checksum right.
        #[test]
        fn deltas_keep_the_outer_udp_checksum(
            ops in proptest::collection::vec((0u8..6, any::<u32>()), 1..10),
        ) {
            let mut dgram = [0u8; 8 + 48];
            dgram[..2].copy_from_slice(&[0x30, 0x39]);
            dgram[2..4].copy_from_slice(&UDP_PORT.to_be_bytes());
            dgram[4..6].copy_from_slice(&56u16.to_be_bytes());
            dgram[8..].copy_from_slice(&UL_GPDU);
            dgram[8] |= FLAG_S | FLAG_PN;
            let c = checksum::internet_checksum(&dgram);
            dgram[6..8].copy_from_slice(&c.to_be_bytes());
            for (which, v) in ops {
                let mut g = GtpuMut::new(&mut dgram[8..]).unwrap();
                let d = match which {
                    0 => g.set_teid(v),
                    1 => g.set_message_type(GtpuMessageType(v as u8)),
                    2 => g.set_sequence_number(v as u16).unwrap(),
                    3 => g.set_n_pdu_number(v as u8).unwrap(),
                    4 => g.set_qfi(v as u8 & 63).unwrap(),
                    _ => g.fix_length(v as usize % 33).unwrap(),
                };
                let old = u16::from_be_bytes([dgram[6], dgram[7]]);
                dgram[6..8].copy_from_slice(&d.apply(old).to_be_bytes());
                let mut copy = dgram;
                copy[6..8].fill(0);
                prop_assert_eq!(u16::from_be_bytes([dgram[6], dgram[7]]), checksum::internet_checksum(&copy));
            }
        }
    }
}
