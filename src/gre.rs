//! GRE header ([RFC 2784 section 2.1] with the key and sequence number of
//! [RFC 2890 section 2]).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |C|R|K|S|    Reserved0    | Ver |         Protocol Type         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |      Checksum (if C)          |       Reserved1 (if C)        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                         Key (if K)                            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                 Sequence Number (if S)                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The optional fields come in this order, each present only when its bit
//! is set, so the header is 4, 8, 12 or 16 octets long.
//!
//! What is accepted:
//! - **Versions 0 and 1.** Version 1 is PPTP's enhanced GRE ([RFC 2637
//!   section 4.1]): the same C/K/S layout, where the key holds the payload
//!   length (upper 16 bits) and the call ID (lower 16 bits), followed by an
//!   acknowledgment number when the A bit (`0x0080`) is set ([`Gre::ack`]).
//!   Version 1 has no checksum: a version-1 header with C set is rejected
//!   with [`Error::BadValue`], and so is adding one. Other versions are
//!   rejected with [`Error::BadVersion`].
//! - **No routing.** The R bit of [RFC 1701] (source routing, never
//!   deployed) is rejected with [`Error::BadValue`]; RFC 2784 section 2.3
//!   lets a receiver discard such packets.
//! - The other bits of Reserved0 (RFC 1701's strict source route,
//!   recursion control and flags) are readable with
//!   [`Gre::reserved0`] and kept through every rewrite; RFC 2784 asks
//!   senders to zero them and receivers to ignore them.
//!
//! The checksum, when present, covers the GRE header and payload, so the
//! view's packet is the GRE header plus payload: the caller bounds the
//! buffer by the enclosing IP payload. Every setter keeps that checksum
//! right with an RFC 1624 update, and option bits can be set and cleared
//! in place when the buffer has spare room after the packet (see
//! [`Gre::new_with_len`]).
//!
//! [RFC 2784 section 2.1]: https://www.rfc-editor.org/rfc/rfc2784#section-2.1
//! [RFC 2890 section 2]: https://www.rfc-editor.org/rfc/rfc2890#section-2
//! [RFC 2637 section 4.1]: https://www.rfc-editor.org/rfc/rfc2637#section-4.1
//! [RFC 1701]: https://www.rfc-editor.org/rfc/rfc1701

use crate::checksum::{self, Delta, Rule};
use crate::error::{Error, Layer};
use crate::ethernet::EtherType;
use crate::field;

/// Byte offsets of the header's fields. The key and sequence number move
/// with the fields before them; [`Gre::key_at`] and [`Gre::seq_at`] say
/// where.
pub(crate) mod field_at {
    pub const FLAGS_VERSION: usize = 0;
    pub const PROTOCOL_TYPE: usize = 2;
    /// The checksum, when C is set; it covers the whole GRE packet.
    pub const CHECKSUM: usize = 4;
    /// Reserved1, when C is set.
    pub const RESERVED1: usize = 6;
    /// Where the optional fields start.
    pub const OPTIONS: usize = 4;
}
use field_at as f;

/// Length of a GRE header without optional fields, in octets.
pub const MIN_HEADER_LEN: usize = 4;
/// Length of a GRE header with checksum, key and sequence number, in octets.
pub const MAX_HEADER_LEN: usize = 16;

/// Length of each optional field (checksum + reserved1, key, sequence), in octets.
const OPTION_LEN: usize = 4;

const FLAG_C: u16 = 0x8000;
const FLAG_R: u16 = 0x4000;
const FLAG_K: u16 = 0x2000;
const FLAG_S: u16 = 0x1000;
const RESERVED0_MASK: u16 = 0x0FF8;
const VERSION_MASK: u16 = 0x0007;
/// The acknowledgment-present bit of version 1 (PPTP), a Reserved0 bit in version 0.
const FLAG_A: u16 = 0x0080;

/// Header length, in octets, that a flags-and-version word gives.
const fn header_len_for(flags: u16) -> usize {
    let mut n = MIN_HEADER_LEN;
    if flags & FLAG_C != 0 {
        n += OPTION_LEN;
    }
    if flags & FLAG_K != 0 {
        n += OPTION_LEN;
    }
    if flags & FLAG_S != 0 {
        n += OPTION_LEN;
    }
    if flags & VERSION_MASK == 1 && flags & FLAG_A != 0 {
        n += OPTION_LEN;
    }
    n
}

/// A zero-copy view of a GRE header and the payload after it.
///
/// Read-only over `&[u8]` ([`GreRef`]), writable over `&mut [u8]`
/// ([`GreMut`]). The packet is the GRE header plus payload: the whole
/// buffer for [`Gre::new`], its first `len` bytes for
/// [`Gre::new_with_len`] (the rest is room for option fields). After
/// either check no getter or setter can panic.
///
/// ```
/// use wireview::{Gre, GreMut};
///
/// // C and K set, protocol 0x0800 (IPv4), checksum 0x129b, key 0x64, then 4 payload bytes.
/// let mut buf = [0xa0, 0x00, 0x08, 0x00, 0x12, 0x9b, 0, 0, 0, 0, 0, 0x64, 0x45, 0, 0, 0];
/// let mut gre = GreMut::new(&mut buf[..])?;
/// assert_eq!(gre.verify_checksum(), Some(true));
/// gre.set_key(7)?;
/// assert_eq!(gre.verify_checksum(), Some(true));
/// let gre = Gre::new(&buf[..])?;
/// assert_eq!((gre.key(), gre.seq(), gre.header_len()), (Some(7), None, 12));
/// assert_eq!(gre.payload(), &[0x45, 0, 0, 0]);
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Gre<B> {
    buf: B,
    /// Length of the GRE packet (header and payload) at the buffer's start.
    len: usize,
}

/// A read-only GRE view.
pub type GreRef<'a> = Gre<&'a [u8]>;
/// A writable GRE view whose setters keep the GRE checksum valid.
pub type GreMut<'a> = Gre<&'a mut [u8]>;

impl<B: AsRef<[u8]>> Gre<B> {
    /// Checks that `buf` starts with a GRE header this crate accepts (see
    /// the [module docs](self)); the whole buffer is the GRE packet.
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer ends before the header (with
    /// its optional fields) does, [`Error::BadVersion`] when the version is
    /// above 1, [`Error::BadValue`] when the R bit is set (`"routing
    /// present"`) or a version-1 header has C set.
    pub fn new(buf: B) -> Result<Self, Error> {
        let len = buf.as_ref().len();
        Self::new_with_len(buf, len)
    }

    /// Like [`new`](Self::new), but the GRE packet is the first `len`
    /// bytes of `buf`; the bytes after it are spare room that
    /// [`set_checksum_present`](Self::set_checksum_present),
    /// [`set_key_present`](Self::set_key_present) and
    /// [`set_seq_present`](Self::set_seq_present) grow the packet into.
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// As [`new`](Self::new), checked within the first `len` bytes, and
    /// [`Error::BadLength`] when `len` is beyond the buffer.
    pub fn new_with_len(buf: B, len: usize) -> Result<Self, Error> {
        let all = buf.as_ref();
        if len > all.len() {
            return Err(Error::BadLength {
                layer: Layer::Gre,
                found: len,
                min: MIN_HEADER_LEN,
                max: all.len(),
            });
        }
        let b = &all[..len];
        field::need(Layer::Gre, b, MIN_HEADER_LEN)?;
        let flags = field::u16_at(b, f::FLAGS_VERSION);
        let version = (flags & VERSION_MASK) as u8;
        if version > 1 {
            return Err(Error::BadVersion {
                layer: Layer::Gre,
                found: version,
            });
        }
        if version == 1 && flags & FLAG_C != 0 {
            return Err(Error::BadValue {
                layer: Layer::Gre,
                field: "checksum present (version 1)",
            });
        }
        if flags & FLAG_R != 0 {
            return Err(Error::BadValue {
                layer: Layer::Gre,
                field: "routing present",
            });
        }
        field::need(Layer::Gre, b, header_len_for(flags))?;
        Ok(Gre { buf, len })
    }

    /// Wraps `buf` without any check, the whole buffer being the packet, to
    /// write a fresh header into it (see [`GreHeader::emit`] for the usual
    /// way). Getters and setters may panic on a buffer shorter than the
    /// header its flags give.
    pub fn new_unchecked(buf: B) -> Self {
        let len = buf.as_ref().len();
        Gre { buf, len }
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> B {
        self.buf
    }

    /// The whole buffer the view was made from, spare room included.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.as_ref()
    }

    #[inline]
    fn b(&self) -> &[u8] {
        self.buf.as_ref()
    }

    /// The GRE packet: header and payload, without the spare room.
    pub fn packet(&self) -> &[u8] {
        &self.b()[..self.len]
    }

    /// Length of the GRE packet (header and payload), in octets.
    pub fn packet_len(&self) -> usize {
        self.len
    }

    /// The first 16 bits: flags, Reserved0 and version.
    pub fn flags_version(&self) -> u16 {
        field::u16_at(self.b(), f::FLAGS_VERSION)
    }

    /// C: the checksum and Reserved1 fields are present.
    pub fn checksum_present(&self) -> bool {
        self.flags_version() & FLAG_C != 0
    }

    /// K: the key field is present ([RFC 2890]).
    ///
    /// [RFC 2890]: https://www.rfc-editor.org/rfc/rfc2890
    pub fn key_present(&self) -> bool {
        self.flags_version() & FLAG_K != 0
    }

    /// S: the sequence number field is present ([RFC 2890]).
    ///
    /// [RFC 2890]: https://www.rfc-editor.org/rfc/rfc2890
    pub fn seq_present(&self) -> bool {
        self.flags_version() & FLAG_S != 0
    }

    /// The nine Reserved0 bits after C, R, K and S (bits 4 to 12, as a
    /// number `0..=0x1FF`), which RFC 2784 senders zero.
    pub fn reserved0(&self) -> u16 {
        (self.flags_version() & RESERVED0_MASK) >> 3
    }

    /// Version, 0 for every checked view.
    pub fn version(&self) -> u8 {
        (self.flags_version() & VERSION_MASK) as u8
    }

    /// Protocol type of the payload, an EtherType (0x0800 IPv4, 0x86DD
    /// IPv6, 0x6558 transparent Ethernet bridging, ...).
    pub fn protocol_type(&self) -> EtherType {
        EtherType(field::u16_at(self.b(), f::PROTOCOL_TYPE))
    }

    /// Header length with the optional fields, in octets (4, 8, 12 or 16).
    pub fn header_len(&self) -> usize {
        header_len_for(self.flags_version())
    }

    /// Offset of the key field (meaningful when K is set).
    pub(crate) fn key_at(&self) -> usize {
        f::OPTIONS
            + if self.checksum_present() {
                OPTION_LEN
            } else {
                0
            }
    }

    /// Offset of the sequence number field (meaningful when S is set).
    pub(crate) fn seq_at(&self) -> usize {
        self.key_at() + if self.key_present() { OPTION_LEN } else { 0 }
    }

    /// The stored checksum, when C is set.
    pub fn checksum(&self) -> Option<u16> {
        self.checksum_present()
            .then(|| field::u16_at(self.b(), f::CHECKSUM))
    }

    /// Reserved1, when C is set (RFC 2784 senders zero it; the checksum
    /// covers it).
    pub fn reserved1(&self) -> Option<u16> {
        self.checksum_present()
            .then(|| field::u16_at(self.b(), f::RESERVED1))
    }

    /// The key, when K is set.
    pub fn key(&self) -> Option<u32> {
        self.key_present()
            .then(|| field::u32_at(self.b(), self.key_at()))
    }

    /// The sequence number, when S is set.
    pub fn seq(&self) -> Option<u32> {
        self.seq_present()
            .then(|| field::u32_at(self.b(), self.seq_at()))
    }

    /// The acknowledgment number of a version-1 (PPTP) header whose A bit
    /// is set; `None` otherwise.
    pub fn ack(&self) -> Option<u32> {
        let flags = self.flags_version();
        let present = flags & VERSION_MASK == 1 && flags & FLAG_A != 0;
        let at = self.seq_at() + if self.seq_present() { OPTION_LEN } else { 0 };
        present.then(|| field::u32_at(self.b(), at))
    }

    /// The header bytes, optional fields included.
    pub fn header(&self) -> &[u8] {
        &self.b()[..self.header_len()]
    }

    /// The payload: the bytes after the header up to the packet's end.
    pub fn payload(&self) -> &[u8] {
        &self.b()[self.header_len()..self.len]
    }

    /// Whether the stored checksum is right over the whole packet, or
    /// `None` when C is clear.
    pub fn verify_checksum(&self) -> Option<bool> {
        self.checksum_present()
            .then(|| checksum::internet_checksum(self.packet()) == 0)
    }
}

impl<'a> Gre<&'a [u8]> {
    /// The payload, borrowed for the buffer's lifetime rather than the view's.
    pub fn into_payload(self) -> &'a [u8] {
        let start = self.header_len();
        &self.buf[start..self.len]
    }
}

impl<'a> Gre<&'a mut [u8]> {
    /// The payload, mutably borrowed for the buffer's lifetime. The
    /// checksum does not follow changes made through it; see
    /// [`apply_delta`](Gre::apply_delta) and
    /// [`fill_checksum`](Gre::fill_checksum).
    pub fn into_payload(self) -> &'a mut [u8] {
        let start = self.header_len();
        &mut self.buf[start..self.len]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Gre<B> {
    /// Writes `new` at `at`, patching the checksum when there is one; every
    /// checksum-keeping setter goes through here.
    #[inline]
    fn patch(&mut self, at: usize, new: &[u8]) {
        // With the GRE checksum present the delta counts that field's change
        // too and sums to zero. Without it, the change is seen by no
        // checksum this crate keeps: GRE runs over IP, whose header does not
        // cover it (GRE-in-UDP, RFC 8086, would need it for the outer UDP
        // checksum; these setters do not return it).
        if self.checksum_present() {
            let _ =
                checksum::write_patched(self.buf.as_mut(), 0, at, new, f::CHECKSUM, Rule::Plain);
        } else {
            let _ = checksum::replace(self.buf.as_mut(), 0, at, new);
        }
    }

    /// Sets the protocol type; the checksum, if any, follows.
    pub fn set_protocol_type(&mut self, protocol_type: EtherType) {
        self.patch(f::PROTOCOL_TYPE, &protocol_type.0.to_be_bytes());
    }

    /// Sets the key; the checksum, if any, follows.
    ///
    /// # Errors
    /// [`Error::BadValue`] (`"key"`) when K is clear: the field is not
    /// there (add it with [`set_key_present`](Self::set_key_present)).
    pub fn set_key(&mut self, key: u32) -> Result<(), Error> {
        if !self.key_present() {
            return Err(Error::BadValue {
                layer: Layer::Gre,
                field: "key",
            });
        }
        self.patch(self.key_at(), &key.to_be_bytes());
        Ok(())
    }

    /// Sets the sequence number; the checksum, if any, follows.
    ///
    /// # Errors
    /// [`Error::BadValue`] (`"sequence number"`) when S is clear (add the
    /// field with [`set_seq_present`](Self::set_seq_present)).
    pub fn set_seq(&mut self, seq: u32) -> Result<(), Error> {
        if !self.seq_present() {
            return Err(Error::BadValue {
                layer: Layer::Gre,
                field: "sequence number",
            });
        }
        self.patch(self.seq_at(), &seq.to_be_bytes());
        Ok(())
    }

    /// Stores `checksum` as is (to build or corrupt a packet on purpose).
    ///
    /// # Errors
    /// [`Error::BadValue`] (`"checksum"`) when C is clear.
    pub fn set_checksum(&mut self, checksum: u16) -> Result<(), Error> {
        if !self.checksum_present() {
            return Err(Error::BadValue {
                layer: Layer::Gre,
                field: "checksum",
            });
        }
        field::set_u16(self.buf.as_mut(), f::CHECKSUM, checksum);
        Ok(())
    }

    /// Computes the checksum over the whole packet from scratch and stores
    /// it, for a freshly written header (see [`GreHeader::emit`]) or after
    /// changes made through [`payload_mut`](Self::payload_mut). Does
    /// nothing when C is clear.
    pub fn fill_checksum(&mut self) {
        if self.checksum_present() {
            field::set_u16(self.buf.as_mut(), f::CHECKSUM, 0);
            let c = checksum::internet_checksum(self.packet());
            field::set_u16(self.buf.as_mut(), f::CHECKSUM, c);
        }
    }

    /// Applies a change made to the payload elsewhere (an inner header's
    /// setter, a NAT rewrite, ...) to the GRE checksum; does nothing when C
    /// is clear. `delta` is the change as seen from the start of the GRE
    /// payload, or of the GRE header: the header length is a multiple of 4,
    /// so the two agree.
    pub fn apply_delta(&mut self, delta: Delta) {
        if let Some(old) = self.checksum() {
            let new = Rule::Plain.apply(delta, old);
            field::set_u16(self.buf.as_mut(), f::CHECKSUM, new);
        }
    }

    /// The payload, writable. The checksum does not follow changes made
    /// through it; call [`apply_delta`](Self::apply_delta) or
    /// [`fill_checksum`](Self::fill_checksum) afterwards.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let (start, end) = (self.header_len(), self.len);
        &mut self.buf.as_mut()[start..end]
    }

    /// Opens a zeroed 4-byte field at `at`, moving the rest of the packet
    /// 4 bytes on into the spare room. Shifting by an even amount keeps
    /// the packet's sum, so a stored checksum stays right.
    fn open_field(&mut self, at: usize) -> Result<(), Error> {
        let new_len = self.len + OPTION_LEN;
        let b = self.buf.as_mut();
        if new_len > b.len() {
            return Err(Error::NoRoom {
                layer: Layer::Gre,
                needed: new_len,
                available: b.len(),
            });
        }
        b.copy_within(at..self.len, at + OPTION_LEN);
        b[at..at + OPTION_LEN].fill(0);
        self.len = new_len;
        Ok(())
    }

    /// Removes the 4-byte field at `at`, which must be zero for a stored
    /// checksum to stay right, moving the rest of the packet back; the
    /// freed bytes at the end are zeroed.
    fn close_field(&mut self, at: usize) {
        let b = self.buf.as_mut();
        b.copy_within(at + OPTION_LEN..self.len, at);
        let new_len = self.len - OPTION_LEN;
        b[new_len..self.len].fill(0);
        self.len = new_len;
    }

    /// Sets or clears a flag bit; the checksum, if any, follows.
    fn set_flag(&mut self, flag: u16, on: bool) {
        let v = self.flags_version() & !flag;
        self.patch(
            f::FLAGS_VERSION,
            &(if on { v | flag } else { v }).to_be_bytes(),
        );
    }

    /// Adds or removes an optional 4-byte field at `at` for `flag`, keeping
    /// a stored checksum right.
    fn set_option_present(&mut self, flag: u16, at: usize, on: bool) -> Result<usize, Error> {
        let present = self.flags_version() & flag != 0;
        if present == on {
            return Ok(self.len);
        }
        if on {
            self.open_field(at)?;
            self.set_flag(flag, true);
        } else {
            // Zero the field through the checksum first, then drop it.
            self.patch(at, &[0; OPTION_LEN]);
            self.close_field(at);
            self.set_flag(flag, false);
        }
        Ok(self.len)
    }

    /// Adds (with key 0, to be set with [`set_key`](Self::set_key)) or
    /// removes the key field, moving the payload within the buffer, and
    /// returns the new packet length. The checksum, if any, stays right.
    /// Nothing changes when the field already is as asked.
    ///
    /// Adding needs 4 spare bytes after the packet: make the view with
    /// [`new_with_len`](Self::new_with_len) over a buffer that has them.
    /// The caller updates the enclosing length fields (IPv4 total length,
    /// IPv6 payload length) to the new packet length.
    ///
    /// ```
    /// use wireview::GreMut;
    ///
    /// let mut buf = [0u8; 32];
    /// buf[..10].copy_from_slice(&[0x80, 0x00, 0x86, 0xdd, 0x99, 0x21, 0, 0, 0x60, 0]);
    /// let mut gre = GreMut::new_with_len(&mut buf[..], 10)?;
    /// assert_eq!(gre.verify_checksum(), Some(true));
    /// assert_eq!(gre.set_key_present(true)?, 14);
    /// gre.set_key(0xdead_beef)?;
    /// assert_eq!((gre.key(), gre.payload()), (Some(0xdead_beef), &[0x60, 0][..]));
    /// assert_eq!(gre.verify_checksum(), Some(true));
    /// # Ok::<(), wireview::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NoRoom`] when adding and the buffer has fewer than 4 spare
    /// bytes after the packet.
    pub fn set_key_present(&mut self, on: bool) -> Result<usize, Error> {
        let at = self.key_at();
        self.set_option_present(FLAG_K, at, on)
    }

    /// Adds (with sequence number 0) or removes the sequence number field,
    /// as [`set_key_present`](Self::set_key_present) does for the key.
    ///
    /// # Errors
    /// [`Error::NoRoom`] when adding and the buffer has fewer than 4 spare
    /// bytes after the packet.
    pub fn set_seq_present(&mut self, on: bool) -> Result<usize, Error> {
        let at = self.seq_at();
        self.set_option_present(FLAG_S, at, on)
    }

    /// Adds or removes the checksum and Reserved1 fields, moving the
    /// payload within the buffer, and returns the new packet length. Adding
    /// computes the checksum over the whole packet (with Reserved1 zero);
    /// removing drops it and Reserved1. Nothing changes when the fields
    /// already are as asked.
    ///
    /// # Errors
    /// [`Error::NoRoom`] when adding and the buffer has fewer than 4 spare
    /// bytes after the packet.
    pub fn set_checksum_present(&mut self, on: bool) -> Result<usize, Error> {
        if self.checksum_present() == on {
            return Ok(self.len);
        }
        let flags = self.flags_version();
        if on && flags & VERSION_MASK == 1 {
            return Err(Error::BadValue {
                layer: Layer::Gre,
                field: "checksum present (version 1)",
            });
        }
        if on {
            self.open_field(f::CHECKSUM)?;
            field::set_u16(self.buf.as_mut(), f::FLAGS_VERSION, flags | FLAG_C);
            self.fill_checksum();
        } else {
            self.close_field(f::CHECKSUM);
            field::set_u16(self.buf.as_mut(), f::FLAGS_VERSION, flags & !FLAG_C);
        }
        Ok(self.len)
    }
}

/// The field values of a GRE header, to write a fresh one with
/// [`emit`](Self::emit). Version 0, Reserved0 and Reserved1 zero.
///
/// The checksum covers the payload, which `emit` does not see: it writes
/// the checksum as 0. Write the payload after the header, then make a view
/// over the whole packet and call [`Gre::fill_checksum`]:
///
/// ```
/// use wireview::{GreHeader, GreMut};
///
/// let hdr = GreHeader { protocol_type: wireview::EtherType::IPV4, checksum: true, key: Some(1), seq: Some(2) };
/// let mut buf = [0u8; 16 + 20];
/// let n = hdr.emit(&mut buf)?;
/// buf[n] = 0x45; // ... the payload
/// let mut gre = GreMut::new(&mut buf[..])?;
/// gre.fill_checksum();
/// assert_eq!((n, gre.verify_checksum()), (16, Some(true)));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GreHeader {
    /// Protocol type of the payload (an EtherType).
    pub protocol_type: EtherType,
    /// Whether the checksum and Reserved1 fields are present.
    pub checksum: bool,
    /// The key, if present.
    pub key: Option<u32>,
    /// The sequence number, if present.
    pub seq: Option<u32>,
}

impl GreHeader {
    /// Length of the header these values give, in octets.
    pub fn header_len(&self) -> usize {
        header_len_for(self.flags())
    }

    fn flags(&self) -> u16 {
        let mut flags = 0;
        if self.checksum {
            flags |= FLAG_C;
        }
        if self.key.is_some() {
            flags |= FLAG_K;
        }
        if self.seq.is_some() {
            flags |= FLAG_S;
        }
        flags
    }

    /// Writes the header (with a zero checksum, if present) at the start of
    /// `buf` and returns its length.
    ///
    /// # Errors
    /// [`Error::NoRoom`] when `buf` is shorter than the header.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let len = self.header_len();
        if buf.len() < len {
            return Err(Error::NoRoom {
                layer: Layer::Gre,
                needed: len,
                available: buf.len(),
            });
        }
        let b = &mut buf[..len];
        field::set_u16(b, f::FLAGS_VERSION, self.flags());
        field::set_u16(b, f::PROTOCOL_TYPE, self.protocol_type.0);
        let mut at = f::OPTIONS;
        if self.checksum {
            field::set_u32(b, at, 0);
            at += OPTION_LEN;
        }
        if let Some(key) = self.key {
            field::set_u32(b, at, key);
            at += OPTION_LEN;
        }
        if let Some(seq) = self.seq {
            field::set_u32(b, at, seq);
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    /// A hand-built GRE packet with every optional field, around the IPv4
    /// header of STYLE.md (`45000030 44224000 8006442e 8c7c19ac ae241e2b`,
    /// whose words sum to 0xFFFF because its own checksum is right). The
    /// GRE words are b000 0800 0000 0000 0000 0064 0000 0001, summing to
    /// 0xb865; with the IPv4 words the end-around sum stays 0xb865, so the
    /// checksum is !0xb865 = 0x479a.
    const CKS_PACKET: [u8; 36] = [
        0xb0, 0x00, 0x08, 0x00, // C K S, version 0, protocol IPv4
        0x47, 0x9a, 0x00, 0x00, // checksum 0x479a, reserved1 0
        0x00, 0x00, 0x00, 0x64, // key 100
        0x00, 0x00, 0x00, 0x01, // sequence number 1
        0x45, 0x00, 0x00, 0x30, 0x44, 0x22, 0x40, 0x00, // inner IPv4 header
        0x80, 0x06, 0x44, 0x2e, 0x8c, 0x7c, 0x19, 0xac, //
        0xae, 0x24, 0x1e, 0x2b, //
    ];

    /// A plain RFC 2784 header: no options, protocol 0x6558 (transparent
    /// Ethernet bridging), as Linux `gretap` sends.
    const PLAIN: [u8; 6] = [0x00, 0x00, 0x65, 0x58, 0xaa, 0xbb];

    #[test]
    fn known_packet_fields() {
        let gre = Gre::new(&CKS_PACKET[..]).unwrap();
        assert!(gre.checksum_present() && gre.key_present() && gre.seq_present());
        assert_eq!((gre.version(), gre.reserved0()), (0, 0));
        assert_eq!(gre.protocol_type(), EtherType::IPV4);
        assert_eq!(gre.checksum(), Some(0x479a));
        assert_eq!(gre.reserved1(), Some(0));
        assert_eq!(gre.key(), Some(100));
        assert_eq!(gre.seq(), Some(1));
        assert_eq!(gre.header_len(), 16);
        assert_eq!(gre.verify_checksum(), Some(true));
        assert_eq!(gre.payload(), &CKS_PACKET[16..]);
        assert_eq!(gre.packet_len(), 36);
        // The checksum is the one a from-scratch computation gives.
        let mut zeroed = CKS_PACKET;
        zeroed[4..6].fill(0);
        assert_eq!(checksum::internet_checksum(&zeroed), 0x479a);
    }

    #[test]
    fn plain_header_fields() {
        let gre = Gre::new(&PLAIN[..]).unwrap();
        assert_eq!(gre.header_len(), 4);
        assert_eq!(gre.protocol_type(), EtherType::TEB);
        assert_eq!(
            (gre.checksum(), gre.reserved1(), gre.key(), gre.seq()),
            (None, None, None, None)
        );
        assert_eq!(gre.verify_checksum(), None);
        assert_eq!(gre.into_payload(), &[0xaa, 0xbb]);
    }

    #[test]
    fn option_offsets_for_every_flag_combination() {
        for flags in 0u8..8 {
            let (c, k, s) = (flags & 4 != 0, flags & 2 != 0, flags & 1 != 0);
            let mut p = [0u8; 16];
            p[0] = (u8::from(c) << 7) | (u8::from(k) << 5) | (u8::from(s) << 4);
            let mut at = 4;
            if c {
                p[4..8].copy_from_slice(&[0xcc, 0xcc, 0xee, 0xee]);
                at += 4;
            }
            if k {
                p[at..at + 4].copy_from_slice(&[0x11, 0x11, 0x11, 0x11]);
                at += 4;
            }
            if s {
                p[at..at + 4].copy_from_slice(&[0x22, 0x22, 0x22, 0x22]);
                at += 4;
            }
            let gre = Gre::new(&p[..at]).unwrap();
            assert_eq!(gre.header_len(), at);
            assert_eq!(gre.checksum(), c.then_some(0xcccc));
            assert_eq!(gre.reserved1(), c.then_some(0xeeee));
            assert_eq!(gre.key(), k.then_some(0x1111_1111));
            assert_eq!(gre.seq(), s.then_some(0x2222_2222));
        }
    }

    #[test]
    fn every_truncated_length_is_reported_exactly() {
        for len in 0..4 {
            let e = Err(Error::Truncated {
                layer: Layer::Gre,
                needed: 4,
                available: len,
            });
            assert_eq!(Gre::new(&CKS_PACKET[..len]), e);
            assert_eq!(Gre::new_with_len(&CKS_PACKET[..], len), e);
        }
        for len in 4..16 {
            let e = Err(Error::Truncated {
                layer: Layer::Gre,
                needed: 16,
                available: len,
            });
            assert_eq!(Gre::new(&CKS_PACKET[..len]), e);
            assert_eq!(Gre::new_with_len(&CKS_PACKET[..], len), e);
        }
        assert!(Gre::new(&CKS_PACKET[..16]).unwrap().payload().is_empty());
        assert_eq!(
            Gre::new_with_len(&CKS_PACKET[..], 37),
            Err(Error::BadLength {
                layer: Layer::Gre,
                found: 37,
                min: 4,
                max: 36
            })
        );
    }

    #[test]
    fn pptp_version_1() {
        // PPTP enhanced GRE (RFC 2637 4.1): K and S set, A (0x80), version 1,
        // protocol PPP (0x880b); key = payload length 0x0010, call ID 1;
        // sequence 1; acknowledgment 0; then 16 bytes of PPP.
        let mut pptp = [0u8; 16 + 16];
        pptp[..16].copy_from_slice(&[
            0x30, 0x81, 0x88, 0x0b, 0x00, 0x10, 0x00, 0x01, 0, 0, 0, 1, 0, 0, 0, 0,
        ]);
        let gre = Gre::new(&pptp[..]).unwrap();
        assert_eq!(gre.version(), 1);
        assert_eq!(gre.protocol_type(), EtherType(0x880b));
        assert_eq!(
            (gre.key(), gre.seq(), gre.ack()),
            (Some(0x0010_0001), Some(1), Some(0))
        );
        assert_eq!((gre.header_len(), gre.payload().len()), (16, 16));
        // Without A: no acknowledgment, a 12-byte header.
        pptp[1] = 0x01;
        let gre = Gre::new(&pptp[..]).unwrap();
        assert_eq!((gre.ack(), gre.header_len()), (None, 12));
        // Every truncated length of the 16-byte header is reported.
        pptp[1] = 0x81;
        for len in 4..16 {
            assert_eq!(
                Gre::new(&pptp[..len]),
                Err(Error::Truncated {
                    layer: Layer::Gre,
                    needed: 16,
                    available: len
                })
            );
        }
        // Version 1 has no checksum.
        let mut with_c = pptp;
        with_c[0] |= 0x80;
        assert_eq!(
            Gre::new(&with_c[..]),
            Err(Error::BadValue {
                layer: Layer::Gre,
                field: "checksum present (version 1)"
            })
        );
        let mut room = [0u8; 36];
        room[..32].copy_from_slice(&pptp);
        let mut gre = GreMut::new_with_len(&mut room[..], 32).unwrap();
        assert_eq!(
            gre.set_checksum_present(true),
            Err(Error::BadValue {
                layer: Layer::Gre,
                field: "checksum present (version 1)"
            })
        );
        // A is a reserved bit in version 0: it adds no field there.
        let v0 = [0x00, 0x80, 0x08, 0x00];
        assert_eq!(
            Gre::new(&v0[..]).map(|g| (g.ack(), g.header_len())),
            Ok((None, 4))
        );
    }

    #[test]
    fn version_and_routing_are_rejected() {
        for v in 2..8 {
            let p = [0x00, v, 0x08, 0x00];
            assert_eq!(
                Gre::new(&p[..]),
                Err(Error::BadVersion {
                    layer: Layer::Gre,
                    found: v
                })
            );
        }
        let routed = [0x40, 0x00, 0x08, 0x00, 0, 0, 0, 0];
        assert_eq!(
            Gre::new(&routed[..]),
            Err(Error::BadValue {
                layer: Layer::Gre,
                field: "routing present"
            })
        );
        // Other Reserved0 bits (strict source route, recursion) are kept.
        let odd = [0x0f, 0xf8, 0x08, 0x00];
        let gre = Gre::new(&odd[..]).unwrap();
        assert_eq!((gre.reserved0(), gre.header_len()), (0x1ff, 4));
    }

    #[test]
    fn setters_on_absent_fields_fail() {
        let mut p = PLAIN;
        let mut gre = GreMut::new(&mut p[..]).unwrap();
        let e = |field| {
            Err(Error::BadValue {
                layer: Layer::Gre,
                field,
            })
        };
        assert_eq!(gre.set_key(1), e("key"));
        assert_eq!(gre.set_seq(1), e("sequence number"));
        assert_eq!(gre.set_checksum(1), e("checksum"));
        gre.fill_checksum();
        gre.apply_delta(Delta::replace_u16(0, 1));
        gre.set_protocol_type(EtherType::IPV6);
        assert_eq!(p, [0x00, 0x00, 0x86, 0xdd, 0xaa, 0xbb]);
    }

    #[test]
    fn adding_options_needs_room() {
        let mut buf = CKS_PACKET;
        let mut gre = GreMut::new(&mut buf[..]).unwrap();
        // Already present: nothing to do, no room needed.
        assert_eq!(gre.set_key_present(true), Ok(36));
        // Removing frees 4 bytes at the end, which adding again uses.
        assert_eq!(gre.set_seq_present(false), Ok(32));
        assert_eq!((gre.seq(), gre.header_len()), (None, 12));
        assert_eq!(gre.as_bytes()[32..], [0, 0, 0, 0]);
        assert_eq!(gre.set_seq_present(true), Ok(36));
        assert_eq!(gre.seq(), Some(0));
        assert_eq!(gre.verify_checksum(), Some(true));
        assert_eq!(gre.payload(), &CKS_PACKET[16..]);
        let mut p = PLAIN;
        let mut gre = GreMut::new(&mut p[..]).unwrap();
        assert_eq!(
            gre.set_key_present(true),
            Err(Error::NoRoom {
                layer: Layer::Gre,
                needed: 10,
                available: 6
            })
        );
        assert_eq!(
            gre.set_checksum_present(true).unwrap_err().layer(),
            Layer::Gre
        );
        assert_eq!(p, PLAIN);
    }

    #[test]
    fn apply_delta_follows_a_payload_change() {
        let mut buf = CKS_PACKET;
        let mut gre = GreMut::new(&mut buf[..]).unwrap();
        // TTL 0x80 -> 0x7f at payload offset 8, and the inner checksum
        // 0x442e -> 0x452e at 10: together the payload sum is unchanged.
        let d = Delta::replace_bytes(8, &[0x80], &[0x7f]);
        gre.payload_mut()[8] = 0x7f;
        gre.apply_delta(d);
        assert_eq!(gre.verify_checksum(), Some(true));
        assert_ne!(gre.checksum(), Some(0x479a));
        let d = Delta::replace_u16(0x442e, 0x452e);
        gre.payload_mut()[10] = 0x45;
        gre.apply_delta(d);
        assert_eq!(gre.checksum(), Some(0x479a));
    }

    /// A valid GRE packet: random flags among C, K, S, random option and
    /// payload bytes (made non-zero at the front), checksum filled in; and
    /// 0..=12 spare bytes after it.
    fn packet() -> impl Strategy<Value = (Vec<u8>, usize)> {
        (
            any::<(bool, bool, bool)>(),
            any::<u16>(),
            0u16..0x200,
            any::<[u8; 12]>(),
            proptest::collection::vec(any::<u8>(), 0..80),
            0usize..=12,
        )
            .prop_map(|((c, k, s), proto, reserved0, opts, payload, spare)| {
                let flags = (if c { FLAG_C } else { 0 })
                    | (if k { FLAG_K } else { 0 })
                    | (if s { FLAG_S } else { 0 })
                    | (reserved0 << 3);
                let hl = header_len_for(flags);
                let mut p = Vec::new();
                p.extend_from_slice(&flags.to_be_bytes());
                p.extend_from_slice(&proto.to_be_bytes());
                p.extend_from_slice(&opts[..hl - 4]);
                p.extend_from_slice(&payload);
                let len = p.len();
                let mut gre = GreMut::new(&mut p[..]).unwrap();
                gre.fill_checksum();
                p.resize(len + spare, 0xee);
                (p, len)
            })
    }

    #[derive(Debug, Clone)]
    enum Op {
        Protocol(u16),
        Key(u32),
        Seq(u32),
        KeyPresent(bool),
        SeqPresent(bool),
        ChecksumPresent(bool),
        Payload(usize, u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            any::<u16>().prop_map(Op::Protocol),
            any::<u32>().prop_map(Op::Key),
            any::<u32>().prop_map(Op::Seq),
            any::<bool>().prop_map(Op::KeyPresent),
            any::<bool>().prop_map(Op::SeqPresent),
            any::<bool>().prop_map(Op::ChecksumPresent),
            (any::<usize>(), any::<u8>()).prop_map(|(i, v)| Op::Payload(i, v)),
        ]
    }

    proptest! {
        #[test]
        fn every_setter_keeps_the_checksum((mut p, len) in packet(), ops in proptest::collection::vec(op(), 1..20)) {
            let mut gre = GreMut::new_with_len(&mut p[..], len).unwrap();
            for op in ops {
                let before_key = gre.key();
                let before_seq = gre.seq();
                let before_payload = gre.payload().to_vec();
                let before_len = gre.packet_len();
                let before_hl = gre.header_len();
                match op {
                    Op::Protocol(v) => gre.set_protocol_type(EtherType(v)),
                    Op::Key(v) => { let r = gre.set_key(v); prop_assert_eq!(r.is_ok(), before_key.is_some()); }
                    Op::Seq(v) => { let r = gre.set_seq(v); prop_assert_eq!(r.is_ok(), before_seq.is_some()); }
                    Op::KeyPresent(on) => {
                        if let Ok(n) = gre.set_key_present(on) {
                            prop_assert_eq!(gre.key_present(), on);
                            prop_assert_eq!(gre.seq(), before_seq);
                            prop_assert_eq!(n, gre.packet_len());
                        }
                    }
                    Op::SeqPresent(on) => {
                        if let Ok(n) = gre.set_seq_present(on) {
                            prop_assert_eq!(gre.seq_present(), on);
                            prop_assert_eq!(gre.key(), before_key);
                            prop_assert_eq!(n, gre.packet_len());
                        }
                    }
                    Op::ChecksumPresent(on) => {
                        if gre.set_checksum_present(on).is_ok() {
                            prop_assert_eq!(gre.checksum_present(), on);
                            prop_assert_eq!((gre.key(), gre.seq()), (before_key, before_seq));
                        }
                    }
                    Op::Payload(i, v) => {
                        let pl = gre.payload().len();
                        if pl > 0 {
                            let at = i % pl;
                            let old = gre.payload()[at];
                            gre.payload_mut()[at] = v;
                            gre.apply_delta(Delta::replace_bytes(at, &[old], &[v]));
                        }
                    }
                }
                if !matches!(op, Op::Payload(..)) {
                    prop_assert_eq!(gre.payload(), &before_payload[..]);
                }
                // Options move the payload, never resize it.
                prop_assert_eq!(gre.packet_len() + before_hl, before_len + gre.header_len());
                prop_assert_eq!(gre.payload().len(), before_payload.len());
                // The packet still parses, and the stored checksum is bit
                // for bit what a recompute gives.
                let len = gre.packet_len();
                let again = Gre::new(&gre.as_bytes()[..len]).unwrap();
                prop_assert_eq!(again.header_len(), gre.header_len());
                if let Some(stored) = gre.checksum() {
                    let mut copy = gre.packet().to_vec();
                    copy[4..6].fill(0);
                    prop_assert_eq!(stored, checksum::internet_checksum(&copy));
                }
            }
        }

        #[test]
        fn emit_then_parse_round_trips(proto: u16, c: bool, key: Option<u32>, seq: Option<u32>, payload in proptest::collection::vec(any::<u8>(), 0..40)) {
            let hdr = GreHeader { protocol_type: EtherType(proto), checksum: c, key, seq };
            let mut buf = std::vec![0xffu8; 16 + payload.len()];
            let n = hdr.emit(&mut buf).unwrap();
            prop_assert_eq!(n, hdr.header_len());
            buf.truncate(n + payload.len());
            buf[n..].copy_from_slice(&payload);
            let mut gre = GreMut::new(&mut buf[..]).unwrap();
            prop_assert_eq!(gre.checksum(), c.then_some(0));
            gre.fill_checksum();
            prop_assert_eq!(gre.verify_checksum(), c.then_some(true));
            prop_assert_eq!((gre.protocol_type(), gre.key(), gre.seq()), (EtherType(proto), key, seq));
            prop_assert_eq!((gre.version(), gre.reserved0(), gre.reserved1()), (0, 0, c.then_some(0)));
            prop_assert_eq!(gre.payload(), &payload[..]);
        }
    }
}
