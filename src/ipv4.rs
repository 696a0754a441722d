//! IPv4 header ([RFC 791 section 3.1]).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version|  IHL  |    DSCP   |ECN|          Total Length         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Identification        |R|D|M|      Fragment Offset    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Time to Live |    Protocol   |         Header Checksum       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                       Source Address                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Destination Address                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Options (IHL > 5)                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The ToS byte is split into DSCP ([RFC 2474]) and ECN ([RFC 3168]); its
//! older [RFC 1349] reading is available as [`TosFlags`].
//!
//! Every setter of a field the header checksum covers patches the checksum
//! in place with the RFC 1624 update, so a view whose checksum was valid
//! stays valid after any sequence of setter calls.
//!
//! [RFC 791 section 3.1]: https://www.rfc-editor.org/rfc/rfc791#section-3.1
//! [RFC 2474]: https://www.rfc-editor.org/rfc/rfc2474
//! [RFC 3168]: https://www.rfc-editor.org/rfc/rfc3168
//! [RFC 1349]: https://www.rfc-editor.org/rfc/rfc1349

use core::net::Ipv4Addr;

use bitflags::bitflags;

use crate::checksum::{self, Delta, Rule};
use crate::error::{Error, Layer};
use crate::field::{self, Field};
use crate::ip::{Dscp, Ecn, Hop, IpProtocol};

/// Byte offsets of the fixed header's fields.
pub(crate) mod field_at {
    use super::Field;
    pub const VER_IHL: usize = 0;
    pub const TOS: usize = 1;
    pub const LENGTH: usize = 2;
    pub const IDENT: usize = 4;
    pub const FLAGS_FRAG: usize = 6;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: usize = 10;
    pub const SRC: Field = 12..16;
    pub const DST: Field = 16..20;
}
use field_at as f;

/// Length of an IPv4 header without options, in octets.
pub const HEADER_LEN: usize = 20;
/// Length of an IPv4 header with the most options (IHL = 15), in octets.
pub const MAX_HEADER_LEN: usize = 60;

const FLAG_RESERVED: u16 = 0x8000;
const FLAG_DF: u16 = 0x4000;
const FLAG_MF: u16 = 0x2000;
const FRAG_OFFSET_MASK: u16 = 0x1FFF;

bitflags! {
    /// The ToS byte read as [RFC 1349] defined it, before DSCP and ECN
    /// replaced that reading. The precedence (top three bits) and the
    /// low bit are kept as unnamed bits, so every byte round-trips.
    ///
    /// [RFC 1349]: https://www.rfc-editor.org/rfc/rfc1349
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct TosFlags: u8 {
        /// Minimize delay (`D`).
        const LOW_DELAY = 0x10;
        /// Maximize throughput (`T`).
        const HIGH_THROUGHPUT = 0x08;
        /// Maximize reliability (`R`).
        const HIGH_RELIABILITY = 0x04;
        /// Minimize monetary cost (`C`, RFC 1349).
        const LOW_COST = 0x02;
        // Precedence and the must-be-zero bit survive from_bits_retain.
        const _ = !0;
    }
}

/// A zero-copy view of an IPv4 header and the datagram it starts.
///
/// Read-only over `&[u8]` ([`Ipv4Ref`]), writable over `&mut [u8]`
/// ([`Ipv4Mut`]) or any `AsRef<[u8]> + AsMut<[u8]>` buffer.
/// [`Ipv4::new`] checks the version, the header length and the total length
/// once; after it no getter or setter can panic.
///
/// ```
/// use wireview::{Ipv4, Ipv4Mut};
///
/// let mut buf = [0x45, 0x00, 0x00, 0x14, 0x44, 0x22, 0x40, 0x00, 0x80, 0x06, 0x44, 0x4a,
///                0x8c, 0x7c, 0x19, 0xac, 0xae, 0x24, 0x1e, 0x2b];
/// let mut ip = Ipv4Mut::new(&mut buf[..])?;
/// ip.set_ttl(64);
/// assert!(ip.verify_checksum());
/// let ip = Ipv4::new(&buf[..])?;
/// assert_eq!((ip.ttl(), ip.dont_fragment()), (64, true));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4<B> {
    buf: B,
}

/// A read-only IPv4 view.
pub type Ipv4Ref<'a> = Ipv4<&'a [u8]>;
/// A writable IPv4 view whose setters keep the header checksum valid.
pub type Ipv4Mut<'a> = Ipv4<&'a mut [u8]>;

/// Checks what both constructors need, the version and a whole header of
/// at least 20 bytes, and returns the header length in bytes.
fn check_header(b: &[u8]) -> Result<usize, Error> {
    field::need(Layer::Ipv4, b, HEADER_LEN)?;
    let version = b[f::VER_IHL] >> 4;
    if version != 4 {
        return Err(Error::BadVersion {
            layer: Layer::Ipv4,
            found: version,
        });
    }
    let header_len = usize::from(b[f::VER_IHL] & 0x0F) * 4;
    if header_len < HEADER_LEN {
        return Err(Error::BadHeaderLength {
            layer: Layer::Ipv4,
            found: header_len,
        });
    }
    field::need(Layer::Ipv4, b, header_len)?;
    Ok(header_len)
}

impl<B: AsRef<[u8]>> Ipv4<B> {
    /// Checks that `buf` starts with an IPv4 header and holds the whole
    /// datagram its total length gives (bytes beyond it, such as Ethernet
    /// padding, are allowed and ignored by [`payload`](Self::payload)).
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than the header,
    /// [`Error::BadVersion`] when the version is not 4,
    /// [`Error::BadHeaderLength`] when IHL < 5, [`Error::BadLength`] when the
    /// total length is below the header length or beyond the buffer.
    #[inline]
    pub fn new(buf: B) -> Result<Self, Error> {
        // The common case, a whole datagram with a 20-byte header, in one
        // test: version 4 and IHL 5, and a total length that covers the
        // header and fits the buffer (which so holds the header).
        if let [0x45, _, hi, lo, ..] = *buf.as_ref() {
            let total = usize::from(u16::from_be_bytes([hi, lo]));
            if total >= HEADER_LEN && total <= buf.as_ref().len() {
                return Ok(Ipv4 { buf });
            }
        }
        let header_len = check_header(buf.as_ref())?;
        let b = buf.as_ref();
        let total = usize::from(field::u16_at(b, f::LENGTH));
        // One pair of bounds whatever is wrong: 0, below the header or
        // beyond the buffer (which a total length of 16 bits may also be).
        let max = b.len().min(usize::from(u16::MAX));
        if total < header_len || total > max {
            return Err(Error::BadLength {
                layer: Layer::Ipv4,
                found: total,
                min: header_len,
                max,
            });
        }
        Ok(Ipv4 { buf })
    }

    /// Like [`new`](Self::new), but accepts a datagram cut short by the
    /// capture (total length beyond the buffer), as packet captures with a
    /// small snap length hold. The header itself must be complete;
    /// [`payload`](Self::payload) then ends at the end of the buffer and
    /// [`is_truncated`](Self::is_truncated) tells.
    ///
    /// A total length of 0, which captures of segmentation-offloaded
    /// datagrams hold (TSO, Linux BIG TCP beyond 64 KiB), is accepted here
    /// as "the datagram is the whole buffer", as tcpdump and Wireshark read
    /// it; [`new`](Self::new) refuses it.
    pub fn new_truncated(buf: B) -> Result<Self, Error> {
        let header_len = check_header(buf.as_ref())?;
        let b = buf.as_ref();
        let total = usize::from(field::u16_at(b, f::LENGTH));
        // 0 is what segmentation offload (TSO, Linux BIG TCP) leaves in
        // captures of datagrams beyond 64 KiB: the datagram is the buffer.
        if total < header_len && total != 0 {
            return Err(Error::BadLength {
                layer: Layer::Ipv4,
                found: total,
                min: header_len,
                max: usize::from(u16::MAX),
            });
        }
        Ok(Ipv4 { buf })
    }

    /// Wraps `buf` without any check, to write a fresh header into it (see
    /// [`Ipv4Header::emit`] for the usual way). Getters and setters may
    /// panic on a buffer shorter than the header or its IHL and total
    /// length; call [`new`](Self::new) once it is filled in.
    pub const fn new_unchecked(buf: B) -> Self {
        Ipv4 { buf }
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

    /// Version, 4 for every checked view.
    pub fn version(&self) -> u8 {
        self.b()[f::VER_IHL] >> 4
    }

    /// Internet header length, in 32-bit words (5..=15).
    pub fn ihl(&self) -> u8 {
        self.b()[f::VER_IHL] & 0x0F
    }

    /// Header length with options, in octets (20..=60).
    pub fn header_len(&self) -> usize {
        usize::from(self.ihl()) * 4
    }

    /// The whole ToS byte (DSCP and ECN together).
    pub fn tos(&self) -> u8 {
        self.b()[f::TOS]
    }

    /// The ToS byte in its RFC 1349 reading.
    pub fn tos_flags(&self) -> TosFlags {
        TosFlags::from_bits_retain(self.tos())
    }

    /// Differentiated services code point.
    pub fn dscp(&self) -> Dscp {
        Dscp::from_tos(self.tos())
    }

    /// Explicit congestion notification codepoint.
    pub fn ecn(&self) -> Ecn {
        Ecn::from_bits(self.tos())
    }

    /// Total length of the datagram (header and payload), in octets.
    pub fn total_len(&self) -> u16 {
        field::u16_at(self.b(), f::LENGTH)
    }

    /// Identification, used to reassemble fragments.
    pub fn identification(&self) -> u16 {
        field::u16_at(self.b(), f::IDENT)
    }

    fn flags_frag(&self) -> u16 {
        field::u16_at(self.b(), f::FLAGS_FRAG)
    }

    /// The reserved flag bit (must be zero, [RFC 3514] notwithstanding).
    ///
    /// [RFC 3514]: https://www.rfc-editor.org/rfc/rfc3514
    pub fn reserved_flag(&self) -> bool {
        self.flags_frag() & FLAG_RESERVED != 0
    }

    /// Don't fragment (DF).
    pub fn dont_fragment(&self) -> bool {
        self.flags_frag() & FLAG_DF != 0
    }

    /// More fragments (MF).
    pub fn more_fragments(&self) -> bool {
        self.flags_frag() & FLAG_MF != 0
    }

    /// Fragment offset, in 8-octet units.
    pub fn fragment_offset(&self) -> u16 {
        self.flags_frag() & FRAG_OFFSET_MASK
    }

    /// Fragment offset, in octets.
    pub fn fragment_offset_bytes(&self) -> usize {
        usize::from(self.fragment_offset()) * 8
    }

    /// Whether this datagram is a fragment (MF set or a non-zero offset).
    pub fn is_fragment(&self) -> bool {
        self.more_fragments() || self.fragment_offset() != 0
    }

    /// Time to live.
    pub fn ttl(&self) -> u8 {
        self.b()[f::TTL]
    }

    /// Protocol of the payload.
    pub fn protocol(&self) -> IpProtocol {
        IpProtocol(self.b()[f::PROTOCOL])
    }

    /// The stored header checksum.
    pub fn checksum(&self) -> u16 {
        field::u16_at(self.b(), f::CHECKSUM)
    }

    /// Source address.
    pub fn src(&self) -> Ipv4Addr {
        Ipv4Addr::from(field::array4(self.b(), f::SRC.start))
    }

    /// Destination address.
    pub fn dst(&self) -> Ipv4Addr {
        Ipv4Addr::from(field::array4(self.b(), f::DST.start))
    }

    /// The header bytes, options included.
    pub fn header(&self) -> &[u8] {
        &self.b()[..self.header_len()]
    }

    /// The option bytes (empty when IHL = 5).
    pub fn options(&self) -> &[u8] {
        &self.b()[HEADER_LEN..self.header_len()]
    }

    /// The options as type-length-value items.
    pub fn options_iter(&self) -> Ipv4Options<'_> {
        Ipv4Options {
            rest: self.options(),
        }
    }

    /// Whether the buffer ends before the total length does (only possible
    /// for views made with [`new_truncated`](Self::new_truncated)).
    pub fn is_truncated(&self) -> bool {
        usize::from(self.total_len()) > self.b().len()
    }

    /// End of the datagram in the buffer: the total length, or the buffer's
    /// end when the capture was cut short.
    fn end(&self) -> usize {
        match self.total_len() {
            0 => self.b().len(),
            total => usize::from(total).min(self.b().len()),
        }
    }

    /// The payload: the bytes after the header up to the total length (not
    /// the buffer's end, which may hold link-layer padding).
    pub fn payload(&self) -> &[u8] {
        &self.b()[self.header_len()..self.end()]
    }

    /// Whether the stored header checksum is right.
    pub fn verify_checksum(&self) -> bool {
        checksum::internet_checksum(self.header()) == 0
    }

    /// The pseudo-header sum that UDP and TCP checksums over this datagram
    /// include, for an upper-layer length of `length` octets.
    pub fn pseudo_header_sum(&self, length: u16) -> checksum::Sum {
        checksum::Sum::ipv4_pseudo_header(self.src(), self.dst(), self.protocol().0, length)
    }
}

impl<'a> Ipv4<&'a [u8]> {
    /// The payload, borrowed for the buffer's lifetime rather than the view's.
    pub fn into_payload(self) -> &'a [u8] {
        let (start, end) = (self.header_len(), self.end());
        &self.buf[start..end]
    }
}

impl<'a> Ipv4<&'a mut [u8]> {
    /// The payload, mutably borrowed for the buffer's lifetime.
    pub fn into_payload(self) -> &'a mut [u8] {
        let (start, end) = (self.header_len(), self.end());
        &mut self.buf[start..end]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Ipv4<B> {
    /// Writes `new` at `at` and patches the header checksum; every
    /// checksum-keeping setter goes through here.
    // eBPF: inlined into each setter, so that the run's length is a constant
    // there (no `memcpy` call, no bounds check left).
    #[cfg_attr(not(target_arch = "bpf"), inline)]
    #[cfg_attr(target_arch = "bpf", inline(always))]
    fn patch(&mut self, at: usize, new: &[u8]) {
        // The delta counts the checksum field's own change too, so it
        // sums to zero: no checksum enclosing this header needs it.
        let _ = checksum::write_patched(self.buf.as_mut(), 0, at, new, f::CHECKSUM, Rule::Plain);
    }

    /// Sets the time to live; the checksum follows.
    #[inline]
    pub fn set_ttl(&mut self, ttl: u8) {
        self.patch(f::TTL, &[ttl]);
    }

    /// Checks, then decrements, the time to live as a router does before
    /// forwarding ([RFC 1812 section 5.3.1]); the checksum follows.
    ///
    /// A TTL of 0 or 1 would expire here: the datagram is then left exactly
    /// as received and [`Hop::Expired`] returned, so it can be dropped and
    /// quoted unchanged in a Time Exceeded message. Otherwise the TTL is
    /// decremented and [`Hop::Forward`] carries the new value.
    ///
    /// ```
    /// # use wireview::{Hop, Ipv4Mut};
    /// let mut buf = [0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
    /// let mut ip = Ipv4Mut::new(&mut buf[..])?;
    /// ip.fill_checksum();
    /// assert_eq!(ip.decrement_ttl(), Hop::Forward(63));
    /// assert!(ip.verify_checksum());
    /// ip.set_ttl(1);
    /// assert_eq!(ip.decrement_ttl(), Hop::Expired);
    /// assert_eq!(ip.ttl(), 1);
    /// # Ok::<(), wireview::Error>(())
    /// ```
    ///
    /// [RFC 1812 section 5.3.1]: https://www.rfc-editor.org/rfc/rfc1812#section-5.3.1
    pub fn decrement_ttl(&mut self) -> Hop {
        let hop = Hop::of(self.ttl());
        if let Hop::Forward(ttl) = hop {
            self.set_ttl(ttl);
        }
        hop
    }

    /// Sets the whole ToS byte; the checksum follows.
    pub fn set_tos(&mut self, tos: u8) {
        self.patch(f::TOS, &[tos]);
    }

    /// Sets the DSCP, keeping the ECN bits; the checksum follows.
    pub fn set_dscp(&mut self, dscp: Dscp) {
        self.set_tos((dscp.value() << 2) | (self.tos() & 0x03));
    }

    /// Sets the ECN codepoint (e.g. [`Ecn::Ce`] to mark congestion), keeping
    /// the DSCP; the checksum follows.
    pub fn set_ecn(&mut self, ecn: Ecn) {
        self.set_tos((self.tos() & 0xFC) | ecn.value());
    }

    /// Sets the identification; the checksum follows.
    pub fn set_identification(&mut self, ident: u16) {
        self.patch(f::IDENT, &ident.to_be_bytes());
    }

    fn set_flags_frag(&mut self, value: u16) {
        self.patch(f::FLAGS_FRAG, &value.to_be_bytes());
    }

    /// Sets or clears don't-fragment; the checksum follows.
    pub fn set_dont_fragment(&mut self, df: bool) {
        let v = self.flags_frag() & !FLAG_DF;
        self.set_flags_frag(if df { v | FLAG_DF } else { v });
    }

    /// Sets or clears more-fragments; the checksum follows.
    pub fn set_more_fragments(&mut self, mf: bool) {
        let v = self.flags_frag() & !FLAG_MF;
        self.set_flags_frag(if mf { v | FLAG_MF } else { v });
    }

    /// Sets the fragment offset, in 8-octet units; the checksum follows.
    ///
    /// # Errors
    /// [`Error::BadValue`] when `offset` does not fit in 13 bits.
    pub fn set_fragment_offset(&mut self, offset: u16) -> Result<(), Error> {
        if offset > FRAG_OFFSET_MASK {
            return Err(Error::BadValue {
                layer: Layer::Ipv4,
                field: "fragment offset",
            });
        }
        let v = (self.flags_frag() & !FRAG_OFFSET_MASK) | offset;
        self.set_flags_frag(v);
        Ok(())
    }

    /// Sets the protocol; the checksum follows. (A TCP/UDP checksum covers
    /// the protocol through its pseudo-header; changing it is a change of
    /// the payload's meaning, which no checksum fix can follow.)
    pub fn set_protocol(&mut self, protocol: IpProtocol) {
        self.patch(f::PROTOCOL, &[protocol.0]);
    }

    /// Sets the source address; the header checksum follows.
    ///
    /// Returns the change in this datagram's pseudo-header sum: apply it to
    /// the TCP or UDP checksum (e.g. with
    /// [`Delta::apply`]/[`Delta::apply_udp`]) to keep that valid too, as
    /// Linux's `inet_proto_csum_replace4` does. [`crate::packet`] does this
    /// for a whole packet in one call.
    #[must_use = "apply the returned Delta to the TCP or UDP checksum (`apply_delta`), whose pseudo-header holds this address, or it is left wrong"]
    pub fn set_src(&mut self, addr: Ipv4Addr) -> Delta {
        self.set_addr(f::SRC.start, addr)
    }

    /// Sets the destination address; the header checksum follows. Returns the
    /// change in the pseudo-header sum, as [`set_src`](Self::set_src) does.
    #[must_use = "apply the returned Delta to the TCP or UDP checksum (`apply_delta`), whose pseudo-header holds this address, or it is left wrong"]
    pub fn set_dst(&mut self, addr: Ipv4Addr) -> Delta {
        self.set_addr(f::DST.start, addr)
    }

    fn set_addr(&mut self, at: usize, addr: Ipv4Addr) -> Delta {
        let old = field::array4(self.b(), at);
        self.patch(at, &addr.octets());
        Delta::replace_bytes(0, &old, &addr.octets())
    }

    /// Sets the total length; the checksum follows.
    ///
    /// # Errors
    /// [`Error::BadLength`] when `len` is below the header length or beyond
    /// the buffer (the view's invariant would break).
    pub fn set_total_len(&mut self, len: u16) -> Result<(), Error> {
        let max = self.b().len().min(usize::from(u16::MAX));
        if usize::from(len) < self.header_len() || usize::from(len) > max {
            return Err(Error::BadLength {
                layer: Layer::Ipv4,
                found: len.into(),
                min: self.header_len(),
                max,
            });
        }
        self.patch(f::LENGTH, &len.to_be_bytes());
        Ok(())
    }

    /// Stores `checksum` as is (to build or corrupt a header on purpose).
    pub fn set_checksum(&mut self, checksum: u16) {
        field::set_u16(self.buf.as_mut(), f::CHECKSUM, checksum);
    }

    /// Computes the header checksum from scratch and stores it, for a freshly
    /// written header.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let c = checksum::internet_checksum(self.header());
        self.set_checksum(c);
    }

    /// The option bytes, writable. The header checksum does not follow
    /// changes made through this slice; call
    /// [`fill_checksum`](Self::fill_checksum) afterwards.
    pub fn options_mut(&mut self) -> &mut [u8] {
        let end = self.header_len();
        &mut self.buf.as_mut()[HEADER_LEN..end]
    }

    /// The payload, writable (bounded by the total length).
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let (start, end) = (self.header_len(), self.end());
        &mut self.buf.as_mut()[start..end]
    }
}

/// One IPv4 option ([RFC 791 section 3.1], IANA "IP Option Numbers").
///
/// [RFC 791 section 3.1]: https://www.rfc-editor.org/rfc/rfc791#section-3.1
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Option<'a> {
    /// The option type octet (copied flag, class and number).
    pub kind: u8,
    /// The option data after the type and length octets (empty for NOP).
    pub data: &'a [u8],
}

impl Ipv4Option<'_> {
    /// No operation, a one-byte option.
    pub const NOP: u8 = 1;
    /// End of option list.
    pub const END: u8 = 0;
    /// Record route.
    pub const RECORD_ROUTE: u8 = 7;
    /// Timestamp.
    pub const TIMESTAMP: u8 = 68;
    /// Loose source and record route.
    pub const LSRR: u8 = 131;
    /// Strict source and record route.
    pub const SSRR: u8 = 137;
    /// Router alert ([RFC 2113](https://www.rfc-editor.org/rfc/rfc2113)).
    pub const ROUTER_ALERT: u8 = 148;
}

/// Iterator over IPv4 options. Stops at End of Option List or the end of
/// the options; a length octet that is below 2 or runs past the options
/// yields one [`Error::BadValue`] and ends the iteration. It never panics.
#[derive(Debug, Clone)]
pub struct Ipv4Options<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Ipv4Options<'a> {
    type Item = Result<Ipv4Option<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let (&kind, after) = self.rest.split_first()?;
        match kind {
            Ipv4Option::END => {
                self.rest = &[];
                None
            }
            Ipv4Option::NOP => {
                self.rest = after;
                Some(Ok(Ipv4Option { kind, data: &[] }))
            }
            _ => {
                let len = after.first().map(|&l| usize::from(l));
                match len {
                    Some(len) if len >= 2 && len <= self.rest.len() => {
                        let data = &self.rest[2..len];
                        self.rest = &self.rest[len..];
                        Some(Ok(Ipv4Option { kind, data }))
                    }
                    _ => {
                        self.rest = &[];
                        Some(Err(Error::BadValue {
                            layer: Layer::Ipv4,
                            field: "option length",
                        }))
                    }
                }
            }
        }
    }
}

/// The field values of an IPv4 header, to write a fresh one with
/// [`emit`](Self::emit). Version, IHL and checksum are derived.
///
/// ```
/// use core::net::Ipv4Addr;
/// use wireview::{IpProtocol, Ipv4, Ipv4Header};
///
/// let hdr = Ipv4Header {
///     ttl: 64,
///     protocol: IpProtocol::UDP,
///     src: Ipv4Addr::new(192, 0, 2, 1),
///     dst: Ipv4Addr::new(198, 51, 100, 7),
///     payload_len: 8,
///     ..Ipv4Header::default()
/// };
/// let mut buf = [0u8; 28];
/// let n = hdr.emit(&mut buf)?;
/// let ip = Ipv4::new(&buf[..])?;
/// assert_eq!((n, ip.total_len(), ip.verify_checksum()), (20, 28, true));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Header {
    /// Differentiated services code point.
    pub dscp: Dscp,
    /// ECN codepoint.
    pub ecn: Ecn,
    /// Identification.
    pub identification: u16,
    /// Don't fragment.
    pub dont_fragment: bool,
    /// More fragments.
    pub more_fragments: bool,
    /// Fragment offset in 8-octet units (only the low 13 bits are used).
    pub fragment_offset: u16,
    /// Time to live.
    pub ttl: u8,
    /// Protocol of the payload.
    pub protocol: IpProtocol,
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Length of the payload that follows the header, in octets.
    pub payload_len: u16,
}

impl Default for Ipv4Header {
    /// DF set, TTL 64, everything else zero.
    fn default() -> Self {
        Ipv4Header {
            dscp: Dscp::CS0,
            ecn: Ecn::NotEct,
            identification: 0,
            dont_fragment: true,
            more_fragments: false,
            fragment_offset: 0,
            ttl: 64,
            protocol: IpProtocol(0),
            src: Ipv4Addr::UNSPECIFIED,
            dst: Ipv4Addr::UNSPECIFIED,
            payload_len: 0,
        }
    }
}

impl Ipv4Header {
    /// Writes the 20-byte header with a valid checksum at the start of `buf`
    /// and returns its length.
    ///
    /// # Errors
    /// [`Error::NoRoom`] when `buf` is shorter than 20 bytes,
    /// [`Error::BadLength`] when the total length does not fit in 16 bits.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        self.emit_with_options(buf, &[])
    }

    /// Writes the header followed by `options` (a multiple of 4 octets, at
    /// most 40) with a valid checksum, and returns the header length.
    ///
    /// # Errors
    /// As [`emit`](Self::emit), and [`Error::BadHeaderLength`] for options
    /// of a bad length.
    pub fn emit_with_options(&self, buf: &mut [u8], options: &[u8]) -> Result<usize, Error> {
        let header_len = field::header_with_options(Layer::Ipv4, buf, HEADER_LEN, options)?;
        let total = header_len + usize::from(self.payload_len);
        let Ok(total) = u16::try_from(total) else {
            return Err(Error::BadLength {
                layer: Layer::Ipv4,
                found: total,
                min: header_len,
                max: usize::from(u16::MAX),
            });
        };
        let b = &mut buf[..header_len];
        b[f::VER_IHL] = 0x40 | (header_len / 4) as u8;
        b[f::TOS] = (self.dscp.value() << 2) | self.ecn.value();
        field::set_u16(b, f::LENGTH, total);
        field::set_u16(b, f::IDENT, self.identification);
        let mut flags = self.fragment_offset & FRAG_OFFSET_MASK;
        if self.dont_fragment {
            flags |= FLAG_DF;
        }
        if self.more_fragments {
            flags |= FLAG_MF;
        }
        field::set_u16(b, f::FLAGS_FRAG, flags);
        b[f::TTL] = self.ttl;
        b[f::PROTOCOL] = self.protocol.0;
        field::set_u16(b, f::CHECKSUM, 0);
        b[f::SRC].copy_from_slice(&self.src.octets());
        b[f::DST].copy_from_slice(&self.dst.octets());
        b[HEADER_LEN..].copy_from_slice(options);
        let c = checksum::internet_checksum(b);
        field::set_u16(b, f::CHECKSUM, c);
        Ok(header_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::string::ToString;
    use std::vec::Vec;

    /// STYLE.md's header: 45000030 44224000 8006442e 8c7c19ac ae241e2b, a TCP
    /// SYN from 140.124.25.172 to 174.36.30.43, total length 48.
    const STYLE_HDR: [u8; 20] = [
        0x45, 0x00, 0x00, 0x30, // version 4, IHL 5, ToS 0, total length 48
        0x44, 0x22, 0x40, 0x00, // identification 0x4422, DF, offset 0
        0x80, 0x06, 0x44, 0x2e, // TTL 128, TCP, checksum 0x442e
        0x8c, 0x7c, 0x19, 0xac, // 140.124.25.172
        0xae, 0x24, 0x1e, 0x2b, // 174.36.30.43
    ];

    fn style_packet() -> [u8; 48] {
        let mut p = [0u8; 48];
        p[..20].copy_from_slice(&STYLE_HDR);
        p
    }

    #[test]
    fn style_header_fields() {
        let p = style_packet();
        let ip = Ipv4::new(&p[..]).unwrap();
        assert_eq!(ip.version(), 4);
        assert_eq!(ip.ihl(), 5);
        assert_eq!(ip.total_len(), 48);
        assert_eq!(ip.identification(), 0x4422);
        assert!(ip.dont_fragment());
        assert!(!ip.more_fragments());
        assert_eq!(ip.fragment_offset(), 0);
        assert_eq!(ip.ttl(), 128);
        assert_eq!(ip.protocol(), IpProtocol::TCP);
        assert_eq!(ip.checksum(), 0x442e);
        assert_eq!(ip.src(), Ipv4Addr::new(140, 124, 25, 172));
        assert_eq!(ip.dst(), Ipv4Addr::new(174, 36, 30, 43));
        assert!(ip.verify_checksum());
        assert_eq!(ip.payload().len(), 28);
    }

    #[test]
    fn decrement_ttl_checks_then_decrements() {
        // TTL 128 -> 127 with STYLE.md's known checksum 0x452E.
        let mut p = style_packet();
        let mut ip = Ipv4Mut::new(&mut p[..]).unwrap();
        assert_eq!(ip.decrement_ttl(), Hop::Forward(0x7F));
        assert_eq!(ip.checksum(), 0x452E);
        // TTL 2 forwards with 1; TTL 1 and 0 expire and leave every byte
        // as received (RFC 1812 section 5.3.1: check, then decrement).
        for (ttl, hop) in [(2, Hop::Forward(1)), (1, Hop::Expired), (0, Hop::Expired)] {
            let mut p = style_packet();
            let mut ip = Ipv4Mut::new(&mut p[..]).unwrap();
            ip.set_ttl(ttl);
            let before = p;
            let mut ip = Ipv4Mut::new(&mut p[..]).unwrap();
            assert_eq!(ip.decrement_ttl(), hop, "ttl {ttl}");
            assert!(ip.verify_checksum());
            if hop == Hop::Expired {
                assert_eq!(
                    p, before,
                    "ttl {ttl}: an expiring datagram is left unchanged"
                );
            }
        }
    }

    #[test]
    fn style_set_ttl_known_answer() {
        let mut p = style_packet();
        let mut ip = Ipv4Mut::new(&mut p[..]).unwrap();
        ip.set_ttl(0x7F);
        assert_eq!(ip.checksum(), 0x452E);
        assert!(ip.verify_checksum());
    }

    #[test]
    fn every_truncated_length_is_reported_exactly() {
        let p = style_packet();
        for len in 0..20 {
            assert_eq!(
                Ipv4::new(&p[..len]),
                Err(Error::Truncated {
                    layer: Layer::Ipv4,
                    needed: 20,
                    available: len
                })
            );
        }
        for len in 20..48 {
            assert_eq!(
                Ipv4::new(&p[..len]),
                Err(Error::BadLength {
                    layer: Layer::Ipv4,
                    found: 48,
                    min: 20,
                    max: len
                })
            );
            let ip = Ipv4::new_truncated(&p[..len]).unwrap();
            assert!(ip.is_truncated());
            assert_eq!(ip.payload().len(), len - 20);
        }
        // With options, the header itself must be whole.
        let mut q = [0u8; 24];
        q[0] = 0x46;
        q[3] = 24;
        for len in 20..24 {
            assert_eq!(
                Ipv4::new(&q[..len]),
                Err(Error::Truncated {
                    layer: Layer::Ipv4,
                    needed: 24,
                    available: len
                })
            );
        }
        assert!(Ipv4::new(&q[..]).is_ok());
    }

    #[test]
    fn bad_version_ihl_and_total_len() {
        let mut p = style_packet();
        p[0] = 0x65;
        assert_eq!(
            Ipv4::new(&p[..]),
            Err(Error::BadVersion {
                layer: Layer::Ipv4,
                found: 6
            })
        );
        p[0] = 0x44;
        assert_eq!(
            Ipv4::new(&p[..]),
            Err(Error::BadHeaderLength {
                layer: Layer::Ipv4,
                found: 16
            })
        );
        p[0] = 0x45;
        p[3] = 19;
        assert_eq!(
            Ipv4::new(&p[..]),
            Err(Error::BadLength {
                layer: Layer::Ipv4,
                found: 19,
                min: 20,
                max: 48
            })
        );
    }

    #[test]
    fn bad_total_lengths_give_this_buffers_bounds() {
        // A 63-byte buffer: `new` allows a total length of 20..=63, and says
        // so whether the length is too small, 0 or too large.
        let mut p = [0u8; 63];
        p[..20].copy_from_slice(&STYLE_HDR);
        for total in [10, 19, 0, 64, 200] {
            p[2..4].copy_from_slice(&u16::to_be_bytes(total));
            let err = Ipv4::new(&p[..]).map(|_| ()).unwrap_err();
            assert_eq!(
                err,
                Error::BadLength {
                    layer: Layer::Ipv4,
                    found: total.into(),
                    min: 20,
                    max: 63
                },
                "total length {total}"
            );
            assert_eq!(
                err.to_string(),
                std::format!("ipv4: bad length {total} (must be 20..=63)")
            );
        }
        // `new_truncated` allows any length from the header's to 65535 (or
        // 0): its bounds do not depend on the buffer.
        p[2..4].copy_from_slice(&10u16.to_be_bytes());
        assert_eq!(
            Ipv4::new_truncated(&p[..]).map(|_| ()),
            Err(Error::BadLength {
                layer: Layer::Ipv4,
                found: 10,
                min: 20,
                max: 65535
            })
        );
        // IHL 4 is 16 bytes: the message says which unit it counts in.
        p[0] = 0x44;
        assert_eq!(
            Ipv4::new(&p[..]).map(|_| ()).unwrap_err().to_string(),
            "ipv4: bad header length 16 bytes (IHL 4)"
        );
    }

    #[test]
    fn total_length_zero_is_the_whole_buffer_when_truncated_reading() {
        // A BIG TCP / TSO capture: total length 0, 1000 bytes of TCP after it.
        let mut p = std::vec![0u8; 1020];
        p[..20].copy_from_slice(&STYLE_HDR);
        p[2..4].fill(0);
        assert_eq!(
            Ipv4::new(&p[..]),
            Err(Error::BadLength {
                layer: Layer::Ipv4,
                found: 0,
                min: 20,
                max: 1020
            })
        );
        let ip = Ipv4::new_truncated(&p[..]).unwrap();
        assert_eq!((ip.payload().len(), ip.is_truncated()), (1000, false));
    }

    #[test]
    fn padding_is_not_payload() {
        let mut frame = [0u8; 46];
        frame[..20].copy_from_slice(&STYLE_HDR);
        frame[3] = 28;
        let ip = Ipv4::new(&frame[..]).unwrap();
        assert_eq!(ip.payload().len(), 8);
        assert_eq!(Ipv4::new(&frame[..]).unwrap().into_payload().len(), 8);
    }

    #[test]
    fn options_iterator() {
        // Router alert (148, len 4, value 0), NOP, EOL.
        let mut p = [0u8; 28];
        p[0] = 0x47;
        p[3] = 28;
        p[20..28].copy_from_slice(&[148, 4, 0, 0, 1, 0, 0, 0]);
        let ip = Ipv4::new(&p[..]).unwrap();
        let opts: Vec<_> = ip.options_iter().collect();
        assert_eq!(
            opts,
            [
                Ok(Ipv4Option {
                    kind: 148,
                    data: &[0, 0]
                }),
                Ok(Ipv4Option { kind: 1, data: &[] })
            ]
        );
        // Bad lengths: 0, 1, past the end.
        for bad in [[7u8, 0, 0, 0], [7, 1, 0, 0], [7, 9, 0, 0]] {
            let mut q = [0u8; 24];
            q[0] = 0x46;
            q[3] = 24;
            q[20..].copy_from_slice(&bad);
            let ip = Ipv4::new(&q[..]).unwrap();
            let items: Vec<_> = ip.options_iter().collect();
            assert_eq!(
                items,
                [Err(Error::BadValue {
                    layer: Layer::Ipv4,
                    field: "option length"
                })]
            );
        }
    }

    #[test]
    fn decrement_ttl_and_flags() {
        let mut p = style_packet();
        let mut ip = Ipv4Mut::new(&mut p[..]).unwrap();
        ip.set_ttl(2);
        assert_eq!(ip.decrement_ttl(), Hop::Forward(1));
        assert_eq!(ip.decrement_ttl(), Hop::Expired);
        assert_eq!(ip.ttl(), 1);
        ip.set_dont_fragment(false);
        ip.set_more_fragments(true);
        ip.set_fragment_offset(0x1FFF).unwrap();
        assert_eq!(
            ip.set_fragment_offset(0x2000),
            Err(Error::BadValue {
                layer: Layer::Ipv4,
                field: "fragment offset"
            })
        );
        assert_eq!(
            (
                ip.dont_fragment(),
                ip.more_fragments(),
                ip.fragment_offset()
            ),
            (false, true, 0x1FFF)
        );
        assert_eq!(ip.fragment_offset_bytes(), 0x1FFF * 8);
        ip.set_dscp(Dscp::EF);
        ip.set_ecn(Ecn::Ce);
        assert_eq!(ip.tos(), 0xBB);
        assert!(ip.verify_checksum());
        assert_eq!(
            ip.set_total_len(49).unwrap_err(),
            Error::BadLength {
                layer: Layer::Ipv4,
                found: 49,
                min: 20,
                max: 48
            }
        );
        ip.set_total_len(40).unwrap();
        assert_eq!(ip.payload().len(), 20);
        assert!(ip.verify_checksum());
    }

    #[test]
    fn address_delta_fixes_a_udp_checksum() {
        // 10.0.0.1 -> 10.0.0.2 UDP 1234 -> 53, payload "hi".
        let mut p = [0u8; 30];
        let hdr = Ipv4Header {
            protocol: IpProtocol::UDP,
            src: Ipv4Addr::new(10, 0, 0, 1),
            dst: Ipv4Addr::new(10, 0, 0, 2),
            payload_len: 10,
            ..Ipv4Header::default()
        };
        hdr.emit(&mut p).unwrap();
        p[20..30].copy_from_slice(&[0x04, 0xd2, 0x00, 0x35, 0x00, 0x0a, 0, 0, b'h', b'i']);
        let udp_sum = |p: &[u8]| {
            let ip = Ipv4::new(p).unwrap();
            ip.pseudo_header_sum(10).add_bytes(ip.payload())
        };
        let c = udp_sum(&p).checksum();
        p[26..28].copy_from_slice(&c.to_be_bytes());
        let mut ip = Ipv4Mut::new(&mut p[..]).unwrap();
        let d = ip.set_src(Ipv4Addr::new(192, 168, 1, 1));
        let old = u16::from_be_bytes([p[26], p[27]]);
        p[26..28].copy_from_slice(&d.apply_udp(old).to_be_bytes());
        assert_eq!(udp_sum(&p).value(), 0xFFFF);
        assert!(Ipv4::new(&p[..]).unwrap().verify_checksum());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Ttl(u8),
        DecTtl,
        Tos(u8),
        Dscp(u8),
        Ecn(u8),
        Ident(u16),
        Df(bool),
        Mf(bool),
        FragOffset(u16),
        Protocol(u8),
        Src(u32),
        Dst(u32),
        TotalLen(u16),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            any::<u8>().prop_map(Op::Ttl),
            Just(Op::DecTtl),
            any::<u8>().prop_map(Op::Tos),
            (0u8..64).prop_map(Op::Dscp),
            (0u8..4).prop_map(Op::Ecn),
            any::<u16>().prop_map(Op::Ident),
            any::<bool>().prop_map(Op::Df),
            any::<bool>().prop_map(Op::Mf),
            any::<u16>().prop_map(Op::FragOffset),
            any::<u8>().prop_map(Op::Protocol),
            any::<u32>().prop_map(Op::Src),
            any::<u32>().prop_map(Op::Dst),
            any::<u16>().prop_map(Op::TotalLen),
        ]
    }

    /// A valid header with random fields and 0..=10 words of options, and a
    /// payload of 0..64 bytes.
    fn packet() -> impl Strategy<Value = Vec<u8>> {
        (
            any::<[u8; 20]>(),
            0usize..=10,
            proptest::collection::vec(any::<u8>(), 0..104),
        )
            .prop_map(|(fields, opt_words, rest)| {
                let header_len = 20 + opt_words * 4;
                let mut p = fields.to_vec();
                p.extend_from_slice(&rest);
                p.resize(p.len().max(header_len), 0);
                p[0] = 0x40 | (header_len / 4) as u8;
                let total = p.len() as u16;
                p[2..4].copy_from_slice(&total.to_be_bytes());
                p[10..12].fill(0);
                let c = checksum::internet_checksum(&p[..header_len]);
                p[10..12].copy_from_slice(&c.to_be_bytes());
                p
            })
    }

    proptest! {
        #[test]
        fn every_setter_keeps_the_checksum(mut p in packet(), ops in proptest::collection::vec(op(), 1..20)) {
            let mut ip = Ipv4Mut::new(&mut p[..]).unwrap();
            for op in ops {
                match op {
                    Op::Ttl(v) => ip.set_ttl(v),
                    Op::DecTtl => { let _ = ip.decrement_ttl(); } // either way the checksum holds
                    Op::Tos(v) => ip.set_tos(v),
                    Op::Dscp(v) => ip.set_dscp(Dscp::new(v).unwrap()),
                    Op::Ecn(v) => ip.set_ecn(Ecn::from_bits(v)),
                    Op::Ident(v) => ip.set_identification(v),
                    Op::Df(v) => ip.set_dont_fragment(v),
                    Op::Mf(v) => ip.set_more_fragments(v),
                    Op::FragOffset(v) => { let _ = ip.set_fragment_offset(v); }
                    Op::Protocol(v) => ip.set_protocol(IpProtocol(v)),
                    // Only the header checksum is checked here.
                    Op::Src(v) => { let _ = ip.set_src(Ipv4Addr::from(v)); }
                    Op::Dst(v) => { let _ = ip.set_dst(Ipv4Addr::from(v)); }
                    Op::TotalLen(v) => { let _ = ip.set_total_len(v); }
                }
                // Bit for bit what a recompute gives.
                let stored = ip.checksum();
                let mut copy = ip.header().to_vec();
                copy[10..12].fill(0);
                prop_assert_eq!(stored, checksum::internet_checksum(&copy));
            }
        }

        #[test]
        fn emit_then_parse_round_trips(
            dscp in 0u8..64, ecn in 0u8..4, ident: u16, df: bool, mf: bool, off in 0u16..0x2000,
            ttl: u8, proto: u8, src: u32, dst: u32, payload_len in 0u16..100, opt_words in 0usize..=10,
        ) {
            let hdr = Ipv4Header {
                dscp: Dscp::new(dscp).unwrap(), ecn: Ecn::from_bits(ecn), identification: ident,
                dont_fragment: df, more_fragments: mf, fragment_offset: off, ttl,
                protocol: IpProtocol(proto), src: src.into(), dst: dst.into(), payload_len,
            };
            let opts = std::vec![1u8; opt_words * 4];
            let mut buf = std::vec![0u8; 60 + 100];
            let n = hdr.emit_with_options(&mut buf, &opts).unwrap();
            prop_assert_eq!(n, 20 + opts.len());
            let ip = Ipv4::new(&buf[..]).unwrap();
            prop_assert!(ip.verify_checksum());
            prop_assert_eq!((ip.dscp().value(), ip.ecn().value(), ip.identification()), (dscp, ecn, ident));
            prop_assert_eq!((ip.dont_fragment(), ip.more_fragments(), ip.fragment_offset()), (df, mf, off));
            prop_assert_eq!((ip.ttl(), ip.protocol().0, ip.src(), ip.dst()), (ttl, proto, Ipv4Addr::from(src), Ipv4Addr::from(dst)));
            prop_assert_eq!(usize::from(ip.total_len()), n + usize::from(payload_len));
            prop_assert_eq!(ip.options(), &opts[..]);
        }
    }
}
