//! Geneve header ([RFC 8926 section 3]).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |        Virtual Network Identifier (VNI)       |    Reserved   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                                                               |
//! ~                    Variable-Length Options                    ~
//! |                                                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!
//! Each option (RFC 8926 section 3.5):
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          Option Class         |      Type     |R|R|R| Length  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ~                  Variable-Length Option Data                  ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! A Geneve header follows a UDP header (destination port [`UDP_PORT`],
//! 6081). Opt Len counts the options in 4-octet units (up to 252 octets),
//! and each option's Length its data in 4-octet units; the high bit of an
//! option's Type is its critical bit. The protocol type is an EtherType:
//! [`EtherType::TEB`] (0x6558) for an Ethernet frame, IPv4 or IPv6 for an
//! IP packet.
//!
//! Geneve has no checksum of its own: the outer UDP checksum covers it.
//! As with [`Vxlan`](crate::vxlan::Vxlan), every setter returns the
//! [`Delta`] of its change, to be applied to that UDP checksum (the UDP
//! view's `apply_delta`); the Geneve header starts at an even offset of
//! the UDP datagram, so the delta applies as is.
//!
//! [RFC 8926 section 3]: https://www.rfc-editor.org/rfc/rfc8926#section-3

use core::iter::FusedIterator;

use crate::checksum::{self, Delta};
use crate::error::{Error, Layer};
use crate::ethernet::EtherType;
use crate::field::{self, Field};
use crate::vxlan::Vni;

/// Byte offsets of the header's fields.
pub(crate) mod field_at {
    use super::Field;
    /// Version (2 bits) and Opt Len (6 bits).
    pub const VER_OPT_LEN: usize = 0;
    /// O, C and 6 reserved bits.
    pub const FLAGS: usize = 1;
    pub const PROTOCOL_TYPE: usize = 2;
    pub const VNI: Field = 4..7;
    pub const RESERVED: usize = 7;
    pub const OPTIONS: usize = 8;
}
use field_at as f;

/// Length of the fixed Geneve header, before the options, in octets.
pub const HEADER_LEN: usize = 8;

/// The largest options length, 63 4-octet units, in octets.
pub const MAX_OPTIONS_LEN: usize = 252;

/// The IANA-assigned UDP destination port of Geneve.
pub const UDP_PORT: u16 = 6081;

/// The one version RFC 8926 defines. A receiver drops packets of any other
/// version (RFC 8926 section 3.4).
pub const VERSION: u8 = 0;

/// The O bit: an OAM (control) packet.
const FLAG_O: u8 = 0x80;
/// The C bit: critical options are present.
const FLAG_C: u8 = 0x40;

/// A zero-copy view of a Geneve header, its options and the payload after
/// them.
///
/// Read-only over `&[u8]` ([`GeneveRef`]), writable over `&mut [u8]`
/// ([`GeneveMut`]). The buffer starts at the Geneve header (the UDP
/// payload) and ends where the UDP datagram does. [`Geneve::new`] checks
/// the version and that the header and its options are there; after it no
/// getter or setter can panic.
///
/// ```
/// use wireview::{EtherType, Geneve, GeneveMut, Vni};
///
/// // Version 0, 4 octets of options, C bit, protocol TEB, VNI 10, then one
/// // critical option (class 0, type 0x80, no data) and the inner frame.
/// let mut buf = [0x01, 0x40, 0x65, 0x58, 0, 0, 0x0a, 0, 0, 0, 0x80, 0, 0xde, 0xad];
/// let mut g = GeneveMut::new(&mut buf[..])?;
/// assert_eq!((g.vni().value(), g.opt_len(), g.critical()), (10, 4, true));
/// let _delta = g.set_vni(Vni::new(42).unwrap());
/// let g = Geneve::new(&buf[..])?;
/// assert_eq!(g.protocol_type(), EtherType::TEB);
/// let opt = g.options().next().unwrap()?;
/// assert!(opt.is_critical());
/// assert_eq!((g.vni().value(), g.payload()), (42, &[0xde, 0xad][..]));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Geneve<B> {
    buf: B,
}

/// A read-only Geneve view.
pub type GeneveRef<'a> = Geneve<&'a [u8]>;
/// A writable Geneve view.
pub type GeneveMut<'a> = Geneve<&'a mut [u8]>;

impl<B: AsRef<[u8]>> Geneve<B> {
    /// Checks that `buf` holds a version 0 Geneve header and all the
    /// options its Opt Len gives. The options themselves are not checked:
    /// [`options`](Self::options) reports a bad option length when it
    /// reaches it.
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than 8 bytes or than
    /// the header with its options; [`Error::BadVersion`] when the version
    /// is not 0 (RFC 8926 receivers drop such packets).
    pub fn new(buf: B) -> Result<Self, Error> {
        let b = buf.as_ref();
        field::need(Layer::Geneve, b, HEADER_LEN)?;
        let version = b[f::VER_OPT_LEN] >> 6;
        if version != VERSION {
            return Err(Error::BadVersion {
                layer: Layer::Geneve,
                found: version,
            });
        }
        field::need(
            Layer::Geneve,
            b,
            HEADER_LEN + usize::from(b[f::VER_OPT_LEN] & 0x3F) * 4,
        )?;
        Ok(Geneve { buf })
    }

    /// Wraps `buf` without any check, to write a fresh header into it (see
    /// [`GeneveHeader::emit`] for the usual way). Getters and setters may
    /// panic on a buffer shorter than the header and its options.
    pub const fn new_unchecked(buf: B) -> Self {
        Geneve { buf }
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

    /// The version, 0 for a checked view.
    pub fn version(&self) -> u8 {
        self.b()[f::VER_OPT_LEN] >> 6
    }

    /// The length of the options, in octets (the Opt Len field times 4,
    /// `0..=252`).
    pub fn opt_len(&self) -> usize {
        usize::from(self.b()[f::VER_OPT_LEN] & 0x3F) * 4
    }

    /// Header length with the options, in octets: `8 + opt_len()`.
    pub fn header_len(&self) -> usize {
        HEADER_LEN + self.opt_len()
    }

    /// The octet holding the O and C bits and the 6 reserved bits.
    pub fn flags(&self) -> u8 {
        self.b()[f::FLAGS]
    }

    /// The O bit: this is an OAM (control) packet, not a data packet.
    pub fn oam(&self) -> bool {
        self.flags() & FLAG_O != 0
    }

    /// The C bit: critical options are present, and a receiver that does
    /// not understand one of them must drop the packet.
    pub fn critical(&self) -> bool {
        self.flags() & FLAG_C != 0
    }

    /// The protocol type of the payload, an EtherType ([`EtherType::TEB`]
    /// for an Ethernet frame).
    pub fn protocol_type(&self) -> EtherType {
        EtherType(field::u16_at(self.b(), f::PROTOCOL_TYPE))
    }

    /// The virtual network identifier.
    pub fn vni(&self) -> Vni {
        let v = &self.b()[f::VNI];
        Vni::new(u32::from_be_bytes([0, v[0], v[1], v[2]])).unwrap_or_default()
    }

    /// The reserved octet after the VNI.
    pub fn reserved(&self) -> u8 {
        self.b()[f::RESERVED]
    }

    /// The header bytes, options included.
    pub fn header(&self) -> &[u8] {
        &self.b()[..self.header_len()]
    }

    /// The options' bytes.
    pub fn options_bytes(&self) -> &[u8] {
        &self.b()[f::OPTIONS..self.header_len()]
    }

    /// The option TLVs, in order. See [`GeneveOptions`].
    pub fn options(&self) -> GeneveOptions<'_> {
        GeneveOptions::new(self.options_bytes())
    }

    /// The payload after the options, up to the end of the buffer.
    pub fn payload(&self) -> &[u8] {
        &self.b()[self.header_len()..]
    }
}

impl<'a> Geneve<&'a [u8]> {
    /// The payload, borrowed for the buffer's lifetime rather than the
    /// view's.
    pub fn into_payload(self) -> &'a [u8] {
        let at = self.header_len();
        &self.buf[at..]
    }
}

impl<'a> Geneve<&'a mut [u8]> {
    /// The payload, mutably borrowed for the buffer's lifetime.
    pub fn into_payload(self) -> &'a mut [u8] {
        let at = self.header_len();
        &mut self.buf[at..]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Geneve<B> {
    /// Writes `new` at `at` and returns the change, as seen from the
    /// header's start, for the outer UDP checksum.
    #[inline]
    fn write(&mut self, at: usize, new: &[u8]) -> Delta {
        checksum::replace(self.buf.as_mut(), 0, at, new)
    }

    /// Sets the virtual network identifier. Returns the change for the
    /// outer UDP checksum.
    #[must_use = "apply the returned Delta to the outer UDP checksum (`UdpMut::apply_delta`), which covers the Geneve header, or it is left wrong"]
    pub fn set_vni(&mut self, vni: Vni) -> Delta {
        let v = vni.value().to_be_bytes();
        self.write(f::VNI.start, &v[1..])
    }

    /// Sets the protocol type of the payload. Returns the change for the
    /// outer UDP checksum.
    #[must_use = "apply the returned Delta to the outer UDP checksum (`UdpMut::apply_delta`), which covers the Geneve header, or it is left wrong"]
    pub fn set_protocol_type(&mut self, protocol_type: EtherType) -> Delta {
        self.write(f::PROTOCOL_TYPE, &protocol_type.0.to_be_bytes())
    }

    /// Sets the whole octet of the O and C bits and the reserved bits.
    /// Returns the change for the outer UDP checksum.
    #[must_use = "apply the returned Delta to the outer UDP checksum (`UdpMut::apply_delta`), which covers the Geneve header, or it is left wrong"]
    pub fn set_flags(&mut self, flags: u8) -> Delta {
        self.write(f::FLAGS, &[flags])
    }

    /// Sets or clears the O (OAM) bit, keeping the other bits. Returns the
    /// change for the outer UDP checksum.
    #[must_use = "apply the returned Delta to the outer UDP checksum (`UdpMut::apply_delta`), which covers the Geneve header, or it is left wrong"]
    pub fn set_oam(&mut self, oam: bool) -> Delta {
        let v = self.flags() & !FLAG_O;
        self.set_flags(if oam { v | FLAG_O } else { v })
    }

    /// Sets or clears the C (critical options present) bit, keeping the
    /// other bits. Returns the change for the outer UDP checksum.
    #[must_use = "apply the returned Delta to the outer UDP checksum (`UdpMut::apply_delta`), which covers the Geneve header, or it is left wrong"]
    pub fn set_critical(&mut self, critical: bool) -> Delta {
        let v = self.flags() & !FLAG_C;
        self.set_flags(if critical { v | FLAG_C } else { v })
    }

    /// Sets the reserved octet after the VNI. Returns the change for the
    /// outer UDP checksum.
    #[must_use = "apply the returned Delta to the outer UDP checksum (`UdpMut::apply_delta`), which covers the Geneve header, or it is left wrong"]
    pub fn set_reserved(&mut self, value: u8) -> Delta {
        self.write(f::RESERVED, &[value])
    }

    /// The options' bytes, writable (to change option data in place; the
    /// caller then owes the outer UDP checksum the change, e.g. with
    /// [`Delta::replace_bytes`] at offset `8 + ` the option's offset).
    pub fn options_bytes_mut(&mut self) -> &mut [u8] {
        let end = self.header_len();
        &mut self.buf.as_mut()[f::OPTIONS..end]
    }

    /// The payload after the options, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let at = self.header_len();
        &mut self.buf.as_mut()[at..]
    }
}

/// One Geneve option TLV ([RFC 8926 section 3.5]), as
/// [`GeneveOptions`] reads it and [`GeneveOption::emit`] writes it.
///
/// [RFC 8926 section 3.5]: https://www.rfc-editor.org/rfc/rfc8926#section-3.5
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GeneveOption<'a> {
    /// The option class (namespace of the type, assigned by IANA).
    pub class: u16,
    /// The type octet, critical bit (0x80) included.
    pub option_type: u8,
    /// The option data, a multiple of 4 octets long (at most 124).
    pub data: &'a [u8],
}

impl GeneveOption<'_> {
    /// The critical bit of the type octet.
    pub const CRITICAL: u8 = 0x80;
    /// The largest option data, 31 4-octet units, in octets.
    pub const MAX_DATA_LEN: usize = 124;

    /// Whether the critical bit of the type is set: a receiver that does
    /// not understand the option must drop the packet.
    pub const fn is_critical(&self) -> bool {
        self.option_type & Self::CRITICAL != 0
    }

    /// The option's length on the wire, 4-octet header included, in octets.
    pub const fn len(&self) -> usize {
        4 + self.data.len()
    }

    /// Always false: an option has at least its 4-octet header.
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// Writes the option (header and data) at the start of `buf` and
    /// returns its length. The three reserved bits are written as 0.
    ///
    /// ```
    /// use wireview::geneve::GeneveOption;
    ///
    /// let mut buf = [0u8; 8];
    /// let opt = GeneveOption { class: 0x0132, option_type: 1, data: &[0x80, 0, 0, 0xd1] };
    /// assert_eq!(opt.emit(&mut buf)?, 8);
    /// assert_eq!(buf, [0x01, 0x32, 0x01, 0x01, 0x80, 0, 0, 0xd1]);
    /// # Ok::<(), wireview::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::BadValue`] (field `"option length"`) when the data is not a
    /// multiple of 4 octets or longer than 124; [`Error::NoRoom`] when
    /// `buf` is shorter than the option.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        if self.data.len() % 4 != 0 || self.data.len() > Self::MAX_DATA_LEN {
            return Err(Error::BadValue {
                layer: Layer::Geneve,
                field: "option length",
            });
        }
        let len = self.len();
        if buf.len() < len {
            return Err(Error::NoRoom {
                layer: Layer::Geneve,
                needed: len,
                available: buf.len(),
            });
        }
        field::set_u16(buf, 0, self.class);
        buf[2] = self.option_type;
        buf[3] = (self.data.len() / 4) as u8;
        buf[4..len].copy_from_slice(self.data);
        Ok(len)
    }
}

/// Iterator over the option TLVs of a Geneve header (see
/// [`Geneve::options`]). An option whose header or data runs past the end
/// of the options yields one [`Error::BadValue`] (field `"option length"`)
/// and ends the iteration. It never panics.
///
/// ```
/// use wireview::geneve::{GeneveOption, GeneveOptions};
///
/// // Class 0x0132 type 3 with 4 octets of data, then a cut-off option.
/// let opts: Vec<_> = GeneveOptions::new(&[0x01, 0x32, 0x03, 0x01, 0, 0, 0x12, 0x34, 0, 0, 0x80]).collect();
/// assert_eq!(opts[0], Ok(GeneveOption { class: 0x0132, option_type: 3, data: &[0, 0, 0x12, 0x34] }));
/// assert!(opts[1].is_err());
/// assert_eq!(opts.len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct GeneveOptions<'a> {
    rest: &'a [u8],
}

impl<'a> GeneveOptions<'a> {
    /// The options in `bytes`: a Geneve header's options, without the
    /// fixed 8 octets.
    pub const fn new(bytes: &'a [u8]) -> Self {
        GeneveOptions { rest: bytes }
    }
}

impl<'a> Iterator for GeneveOptions<'a> {
    type Item = Result<GeneveOption<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let rest = core::mem::take(&mut self.rest);
        if rest.len() < 4 {
            return Some(Err(bad_option_length()));
        }
        let data_len = usize::from(rest[3] & 0x1F) * 4;
        let (head, after) = rest.split_at(4);
        if after.len() < data_len {
            return Some(Err(bad_option_length()));
        }
        let (data, next) = after.split_at(data_len);
        self.rest = next;
        Some(Ok(GeneveOption {
            class: field::u16_at(head, 0),
            option_type: head[2],
            data,
        }))
    }
}

impl FusedIterator for GeneveOptions<'_> {}

const fn bad_option_length() -> Error {
    Error::BadValue {
        layer: Layer::Geneve,
        field: "option length",
    }
}

/// The field values of a Geneve header, to write a fresh one with
/// [`emit`](Self::emit): version 0, reserved bits zero, then `options`
/// (already encoded TLVs, see [`GeneveOption::emit`]).
///
/// ```
/// use wireview::{EtherType, Geneve, GeneveHeader, Vni};
///
/// let mut buf = [0xFFu8; 12];
/// let h = GeneveHeader {
///     protocol_type: EtherType::IPV4,
///     vni: Vni::new(0x12_3456).unwrap(),
///     options: &[0x01, 0x32, 0x80, 0x00], // one critical option, no data
///     critical: true,
///     ..GeneveHeader::default()
/// };
/// assert_eq!(h.emit(&mut buf)?, 12);
/// assert_eq!(buf, [0x01, 0x40, 0x08, 0x00, 0x12, 0x34, 0x56, 0, 0x01, 0x32, 0x80, 0]);
/// let g = Geneve::new(&buf[..])?;
/// assert_eq!((g.opt_len(), g.options().count()), (4, 1));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GeneveHeader<'a> {
    /// The O bit: an OAM packet.
    pub oam: bool,
    /// The C bit: critical options are present (RFC 8926 asks senders to
    /// set it when any option has its critical bit set).
    pub critical: bool,
    /// The protocol type of the payload.
    pub protocol_type: EtherType,
    /// The virtual network identifier.
    pub vni: Vni,
    /// The options, encoded: a multiple of 4 octets, at most 252.
    pub options: &'a [u8],
}

impl GeneveHeader<'_> {
    /// Header length with the options, in octets.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN + self.options.len()
    }

    /// Writes the header and its options at the start of `buf` and returns
    /// their length.
    ///
    /// # Errors
    /// [`Error::BadHeaderLength`] when the options are not a multiple of 4
    /// octets or longer than 252; [`Error::NoRoom`] when `buf` is shorter
    /// than the header with its options.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let len = self.header_len();
        if self.options.len() % 4 != 0 || self.options.len() > MAX_OPTIONS_LEN {
            return Err(Error::BadHeaderLength {
                layer: Layer::Geneve,
                found: len,
            });
        }
        if buf.len() < len {
            return Err(Error::NoRoom {
                layer: Layer::Geneve,
                needed: len,
                available: buf.len(),
            });
        }
        let flags = if self.oam { FLAG_O } else { 0 } | if self.critical { FLAG_C } else { 0 };
        let p = self.protocol_type.0.to_be_bytes();
        let v = self.vni.value().to_be_bytes();
        buf[..HEADER_LEN].copy_from_slice(&[
            (self.options.len() / 4) as u8,
            flags,
            p[0],
            p[1],
            v[1],
            v[2],
            v[3],
            0,
        ]);
        buf[HEADER_LEN..len].copy_from_slice(self.options);
        Ok(len)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    /// The first frame of tcpdump's `geneve.pcap` (156 bytes): an ICMP echo
    /// request from 30.0.0.1 to 30.0.0.2 in an Ethernet frame in Geneve
    /// VNI 10, with one critical option, between 20.0.0.1 and 20.0.0.2.
    pub(crate) const GENEVE_FRAME: [u8; 156] = [
        0x00, 0x1b, 0x21, 0x3c, 0xac, 0x30, 0x00, 0x1b, 0x21, 0x3c, 0xab, 0x64, // MACs
        0x08, 0x00, // EtherType IPv4
        0x45, 0x00, 0x00, 0x8e, 0xdf, 0xad, 0x40, 0x00, 0x40, 0x11, 0x32, 0xaf, // IPv4, UDP
        0x14, 0x00, 0x00, 0x01, 0x14, 0x00, 0x00, 0x02, // 20.0.0.1 -> 20.0.0.2
        0x31, 0x4a, 0x17, 0xc1, 0x00, 0x7a, 0x00, 0x00, // UDP 12618 -> 6081, len 122, csum 0
        0x02, 0x40, 0x65, 0x58, // Geneve: ver 0, opt len 2 (8 octets), C bit, TEB
        0x00, 0x00, 0x0a, 0x00, // VNI 10, reserved
        0x00, 0x00, 0x80, 0x01, // option class 0, type 0x80 (critical), length 1 (4 octets)
        0x00, 0x00, 0x00, 0x0c, // option data
        0xfe, 0x71, 0xd8, 0x83, 0x72, 0x4f, 0xb6, 0x9e, 0xd2, 0x49, 0x51, 0x48, // inner MACs
        0x08, 0x00, // inner EtherType IPv4
        0x45, 0x00, 0x00, 0x54, 0xbd, 0xa2, 0x40, 0x00, 0x40, 0x01, 0x41,
        0x04, // inner IPv4, ICMP
        0x1e, 0x00, 0x00, 0x01, 0x1e, 0x00, 0x00, 0x02, // 30.0.0.1 -> 30.0.0.2
        0x08, 0x00, 0x2c, 0x54, 0x29, 0x52, 0x00, 0x17, // echo request
        0xf1, 0xa2, 0xce, 0x54, 0x00, 0x00, 0x00, 0x00, 0x17, 0x78, 0x0c, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
        0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c,
        0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
    ];
    /// Where the Geneve header starts in [`GENEVE_FRAME`].
    const GENEVE_AT: usize = 42;

    /// tcpdump's `geneve-gcp.pcap` from the UDP payload on: Google Cloud's
    /// Geneve with 40 octets of options of class 0x0132 and an IPv4 packet
    /// (a TCP segment from 192.168.100.2 to 192.168.100.1) inside.
    const GCP_GENEVE: [u8; 88] = [
        0x0a, 0x00, 0x08, 0x00, // ver 0, opt len 10 (40 octets), no flags, IPv4
        0x00, 0x00, 0x00, 0x00, // VNI 0, reserved
        0x01, 0x32, 0x01, 0x01, 0x80, 0x00, 0x00, 0xd1, // class 0x0132 type 1, 4 octets
        0x01, 0x32, 0x02, 0x04, // class 0x0132 type 2, 16 octets:
        0x08, 0x00, 0x00, 0x0d, 0xc0, 0xa8, 0x64, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, //
        0x01, 0x32, 0x03, 0x02, // class 0x0132 type 3, 8 octets:
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34, //
        0x45, 0x00, 0x00, 0x28, 0xd9, 0x44, 0x00, 0x00, 0x40, 0x06, 0x58, 0x37, // inner IPv4
        0xc0, 0xa8, 0x64, 0x02, 0xc0, 0xa8, 0x64, 0x01, // 192.168.100.2 -> .1
        0x0b, 0x59, 0x1f, 0x90, 0x2d, 0x5a, 0xde, 0x40, 0x78, 0xe9, 0xbf, 0xda, 0x50, 0x00, 0x02,
        0x00, 0xf5, 0x47, 0x00, 0x00, // TCP 2905 -> 8080
    ];

    #[test]
    fn geneve_pcap_fields() {
        let g = Geneve::new(&GENEVE_FRAME[GENEVE_AT..]).unwrap();
        assert_eq!((g.version(), g.opt_len(), g.header_len()), (0, 8, 16));
        assert_eq!((g.oam(), g.critical(), g.flags()), (false, true, 0x40));
        assert_eq!(g.protocol_type(), EtherType::TEB);
        assert_eq!((g.vni().value(), g.reserved()), (10, 0));
        let opts: Vec<_> = g.options().collect();
        assert_eq!(
            opts,
            [Ok(GeneveOption {
                class: 0,
                option_type: 0x80,
                data: &[0, 0, 0, 0x0c]
            })]
        );
        assert!(opts[0].unwrap().is_critical());
        assert_eq!(g.header(), &GENEVE_FRAME[GENEVE_AT..GENEVE_AT + 16]);
        // The payload is the inner Ethernet frame; etherparse reads it too.
        let inner = g.into_payload();
        assert_eq!(inner.len(), 98);
        let e = etherparse::SlicedPacket::from_ethernet(inner).unwrap();
        let Some(etherparse::NetSlice::Ipv4(ip)) = e.net else {
            panic!("inner is not IPv4")
        };
        assert_eq!(ip.header().source(), [30, 0, 0, 1]);
        assert_eq!(ip.header().destination(), [30, 0, 0, 2]);
        // And etherparse agrees on the outer UDP: Geneve is its payload.
        let outer = etherparse::SlicedPacket::from_ethernet(&GENEVE_FRAME).unwrap();
        let Some(etherparse::TransportSlice::Udp(udp)) = outer.transport else {
            panic!("outer is not UDP")
        };
        assert_eq!(udp.destination_port(), UDP_PORT);
        assert_eq!(udp.payload(), &GENEVE_FRAME[GENEVE_AT..]);
    }

    #[test]
    fn gcp_options() {
        let g = Geneve::new(&GCP_GENEVE[..]).unwrap();
        assert_eq!((g.opt_len(), g.critical(), g.oam()), (40, false, false));
        assert_eq!((g.protocol_type(), g.vni().value()), (EtherType::IPV4, 0));
        let opts: Vec<_> = g.options().map(Result::unwrap).collect();
        let summary: Vec<_> = opts
            .iter()
            .map(|o| (o.class, o.option_type, o.data.len(), o.is_critical()))
            .collect();
        assert_eq!(
            summary,
            [
                (0x0132, 1, 4, false),
                (0x0132, 2, 16, false),
                (0x0132, 3, 8, false)
            ]
        );
        assert_eq!(opts[2].data, [0, 0, 0, 0, 0, 0, 0x12, 0x34]);
        assert_eq!(opts.iter().map(GeneveOption::len).sum::<usize>(), 40);
        assert_eq!(g.payload()[..4], [0x45, 0x00, 0x00, 0x28]);
        assert_eq!(g.payload().len(), 40);
        // Re-encoding the options gives the captured bytes back.
        let mut buf = [0u8; 40];
        let mut at = 0;
        for o in &opts {
            at += o.emit(&mut buf[at..]).unwrap();
        }
        assert_eq!(buf, GCP_GENEVE[8..48]);
        let h = GeneveHeader {
            protocol_type: EtherType::IPV4,
            options: &buf,
            ..GeneveHeader::default()
        };
        let mut out = [0u8; 48];
        assert_eq!(h.emit(&mut out), Ok(48));
        assert_eq!(out, GCP_GENEVE[..48]);
    }

    #[test]
    fn every_truncated_length_is_reported_exactly() {
        let p = &GENEVE_FRAME[GENEVE_AT..];
        for len in 0..16 {
            let needed = if len < 8 { 8 } else { 16 };
            assert_eq!(
                Geneve::new(&p[..len]),
                Err(Error::Truncated {
                    layer: Layer::Geneve,
                    needed,
                    available: len
                })
            );
        }
        let g = Geneve::new(&p[..16]).unwrap();
        assert!(g.payload().is_empty());
        for len in 0..48 {
            let needed = if len < 8 { 8 } else { 48 };
            assert_eq!(
                Geneve::new(&GCP_GENEVE[..len]),
                Err(Error::truncated(Layer::Geneve, needed, len))
            );
        }
    }

    #[test]
    fn options_length_beyond_the_packet() {
        // Opt Len 63 (252 octets) in a 20-byte packet.
        let mut p = [0u8; 20];
        p[0] = 0x3F;
        assert_eq!(
            Geneve::new(&p[..]),
            Err(Error::truncated(Layer::Geneve, 260, 20))
        );
    }

    #[test]
    fn unknown_versions_are_refused() {
        for v in 1..4u8 {
            let mut p = GCP_GENEVE;
            p[0] |= v << 6;
            assert_eq!(
                Geneve::new(&p[..]),
                Err(Error::BadVersion {
                    layer: Layer::Geneve,
                    found: v
                })
            );
        }
    }

    #[test]
    fn bad_option_lengths_end_the_iteration() {
        // The second option's length (31 units) runs past the options.
        let mut p = GCP_GENEVE;
        p[19] = 0x1F;
        let g = Geneve::new(&p[..]).unwrap();
        let opts: Vec<_> = g.options().collect();
        assert_eq!(opts.len(), 2);
        assert!(opts[0].is_ok());
        assert_eq!(opts[1], Err(bad_option_length()));
        // An option header cut short: 1 to 3 octets left.
        for n in 1..4 {
            let opts: Vec<_> = GeneveOptions::new(&[0u8; 3][..n]).collect();
            assert_eq!(opts, [Err(bad_option_length())]);
        }
        // The reserved bits of the length octet are not part of the length.
        let opts: Vec<_> = GeneveOptions::new(&[0, 1, 2, 0xE1, 9, 9, 9, 9]).collect();
        assert_eq!(
            opts,
            [Ok(GeneveOption {
                class: 1,
                option_type: 2,
                data: &[9; 4]
            })]
        );
    }

    #[test]
    fn setters_and_builder_errors() {
        let mut p = GCP_GENEVE;
        let mut g = GeneveMut::new(&mut p[..]).unwrap();
        let _ = g.set_vni(Vni::new(0xAB_CDEF).unwrap());
        let _ = g.set_protocol_type(EtherType::IPV6);
        let _ = g.set_oam(true);
        let _ = g.set_critical(true);
        let _ = g.set_reserved(7);
        assert_eq!(p[..8], [0x0a, 0xC0, 0x86, 0xDD, 0xAB, 0xCD, 0xEF, 7]);
        assert_eq!(p[8..], GCP_GENEVE[8..]);
        let mut g = GeneveMut::new(&mut p[..]).unwrap();
        let _ = g.set_oam(false);
        assert_eq!((g.oam(), g.critical()), (false, true));
        g.options_bytes_mut()[0] = 0xEE;
        g.payload_mut()[0] = 0x46;
        assert_eq!((p[8], p[48]), (0xEE, 0x46));

        let mut buf = [0u8; 32];
        let h = GeneveHeader {
            options: &[0; 3],
            ..GeneveHeader::default()
        };
        assert_eq!(
            h.emit(&mut buf),
            Err(Error::BadHeaderLength {
                layer: Layer::Geneve,
                found: 11
            })
        );
        let big = [0u8; 256];
        let h = GeneveHeader {
            options: &big,
            ..GeneveHeader::default()
        };
        assert!(matches!(
            h.emit(&mut buf),
            Err(Error::BadHeaderLength { .. })
        ));
        let h = GeneveHeader {
            options: &[0; 12],
            ..GeneveHeader::default()
        };
        assert_eq!(
            h.emit(&mut buf[..19]),
            Err(Error::NoRoom {
                layer: Layer::Geneve,
                needed: 20,
                available: 19
            })
        );
        let o = GeneveOption {
            class: 0,
            option_type: 0,
            data: &[1, 2],
        };
        assert_eq!(o.emit(&mut buf), Err(bad_option_length()));
        let o = GeneveOption {
            class: 0,
            option_type: 0,
            data: &[1, 2, 3, 4],
        };
        assert!(matches!(o.emit(&mut buf[..7]), Err(Error::NoRoom { .. })));
    }

    fn arb_options() -> impl Strategy<Value = Vec<(u16, u8, Vec<u8>)>> {
        proptest::collection::vec(
            (
                any::<u16>(),
                any::<u8>(),
                (0usize..8).prop_flat_map(|w| proptest::collection::vec(any::<u8>(), w * 4)),
            ),
            0..6,
        )
    }

    proptest! {
        #[test]
        fn emit_then_parse_round_trips(
            oam: bool, critical: bool, proto: u16, vni in 0u32..=Vni::MAX,
            opts in arb_options(), payload in proptest::collection::vec(any::<u8>(), 0..16),
        ) {
            let mut enc = [0u8; MAX_OPTIONS_LEN];
            let mut n = 0;
            for (class, option_type, data) in &opts {
                let o = GeneveOption { class: *class, option_type: *option_type, data };
                if n + o.len() > MAX_OPTIONS_LEN { break; }
                n += o.emit(&mut enc[n..]).unwrap();
            }
            let h = GeneveHeader {
                oam, critical, protocol_type: EtherType(proto),
                vni: Vni::new(vni).unwrap(), options: &enc[..n],
            };
            let mut buf = std::vec![0xAAu8; 8 + n + payload.len()];
            prop_assert_eq!(h.emit(&mut buf), Ok(8 + n));
            buf[8 + n..].copy_from_slice(&payload);
            let g = Geneve::new(&buf[..]).unwrap();
            prop_assert_eq!((g.version(), g.opt_len(), g.oam(), g.critical()), (0, n, oam, critical));
            prop_assert_eq!((g.protocol_type().0, g.vni().value(), g.reserved()), (proto, vni, 0));
            prop_assert_eq!(g.flags() & 0x3F, 0);
            prop_assert_eq!(g.payload(), &payload[..]);
            let read: Vec<_> = g.options().map(Result::unwrap).collect();
            prop_assert_eq!(read.len(), opts.iter().scan(0, |at, (_, _, d)| {
                *at += 4 + d.len();
                (*at <= MAX_OPTIONS_LEN).then_some(())
            }).count());
            for (r, (class, option_type, data)) in read.iter().zip(&opts) {
                prop_assert_eq!((r.class, r.option_type, r.data), (*class, *option_type, &data[..]));
            }
        }

        /// Any bytes: `new` either refuses them or every getter works and
        /// the options iterator ends within the options.
        #[test]
        fn any_bytes_never_panic(p in proptest::collection::vec(any::<u8>(), 0..80)) {
            if let Ok(g) = Geneve::new(&p[..]) {
                prop_assert!(g.header_len() <= p.len());
                let mut total = 0;
                let mut count = 0;
                for o in g.options() {
                    count += 1;
                    match o {
                        Ok(o) => total += o.len(),
                        Err(e) => prop_assert_eq!(e, bad_option_length()),
                    }
                }
                prop_assert!(total <= g.opt_len());
                prop_assert!(count <= g.opt_len() / 4);
            }
        }

        /// The returned deltas keep an outer UDP checksum right.
        #[test]
        fn deltas_keep_the_outer_udp_checksum(
            p: [u8; 16], ops in proptest::collection::vec((0u8..6, any::<u32>()), 1..10),
        ) {
            let mut dgram = [0u8; 24];
            dgram[..2].copy_from_slice(&[0x30, 0x39]);
            dgram[2..4].copy_from_slice(&UDP_PORT.to_be_bytes());
            dgram[4..6].copy_from_slice(&24u16.to_be_bytes());
            dgram[8..].copy_from_slice(&p);
            dgram[8] = 0x02; // version 0, 8 octets of options
            let c = checksum::internet_checksum(&dgram);
            dgram[6..8].copy_from_slice(&c.to_be_bytes());
            for (which, v) in ops {
                let mut g = GeneveMut::new(&mut dgram[8..]).unwrap();
                let d = match which {
                    0 => g.set_vni(Vni::new(v & Vni::MAX).unwrap()),
                    1 => g.set_flags(v as u8),
                    2 => g.set_oam(v & 1 == 1),
                    3 => g.set_critical(v & 1 == 1),
                    4 => g.set_protocol_type(EtherType(v as u16)),
                    _ => g.set_reserved(v as u8),
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
