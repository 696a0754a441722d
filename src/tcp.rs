//! TCP header ([RFC 9293 section 3.1]).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          Source Port          |       Destination Port        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                        Sequence Number                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Acknowledgment Number                      |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Data |     |A|C|E|U|A|P|R|S|F|                               |
//! | Offset| Rsv |E|W|C|R|C|S|S|Y|I|            Window             |
//! |       |     | |R|E|G|K|H|T|N|N|                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |           Checksum            |         Urgent Pointer        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Options                    |    Padding    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The checksum covers a pseudo-header taken from the IP header (addresses,
//! protocol 6 and the TCP length; [RFC 9293 section 3.1] for IPv4,
//! [RFC 8200 section 8.1] for IPv6), the TCP header and the data. TCP has
//! no length field of its own: the TCP length is the length of the buffer
//! given to the view, so **pass the segment bounded by the IP payload**
//! (e.g. [`Ipv4::payload`](crate::Ipv4::payload)), not a buffer that goes
//! on to link-layer padding.
//!
//! Every setter keeps the checksum valid with the RFC 1624 update;
//! [`Tcp::apply_delta`] does the same for a change outside the header (a
//! pseudo-header address, data bytes).
//!
//! [RFC 9293 section 3.1]: https://www.rfc-editor.org/rfc/rfc9293#section-3.1
//! [RFC 8200 section 8.1]: https://www.rfc-editor.org/rfc/rfc8200#section-8.1

use core::net::{Ipv4Addr, Ipv6Addr};

use bitflags::bitflags;

use crate::checksum::{self, Delta, Rule, Sum};
use crate::error::{Error, Layer};
use crate::field;
use crate::ip::IpProtocol;

/// Byte offsets of the fixed header's fields.
pub(crate) mod field_at {
    pub const SRC_PORT: usize = 0;
    pub const DST_PORT: usize = 2;
    pub const SEQ: usize = 4;
    pub const ACK: usize = 8;
    /// Data offset (4 bits), reserved (3 bits) and the 9 flag bits.
    pub const OFFSET_FLAGS: usize = 12;
    pub const WINDOW: usize = 14;
    pub const CHECKSUM: usize = 16;
    pub const URGENT: usize = 18;
}
use field_at as f;

/// Length of a TCP header without options, in octets.
pub const HEADER_LEN: usize = 20;
/// Length of a TCP header with the most options (data offset 15), in octets.
pub const MAX_HEADER_LEN: usize = 60;

const FLAGS_MASK: u16 = 0x0FFF;

bitflags! {
    /// The 12 bits after the data offset: the control bits of [RFC 9293],
    /// ECE and CWR ([RFC 3168]), AE (the former NS bit of RFC 3540, now
    /// used by Accurate ECN), and three reserved bits, which are kept as
    /// unnamed bits so that every header round-trips.
    ///
    /// [RFC 9293]: https://www.rfc-editor.org/rfc/rfc9293#section-3.1
    /// [RFC 3168]: https://www.rfc-editor.org/rfc/rfc3168
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct TcpFlags: u16 {
        /// No more data from sender.
        const FIN = 0x001;
        /// Synchronize sequence numbers.
        const SYN = 0x002;
        /// Reset the connection.
        const RST = 0x004;
        /// Push function.
        const PSH = 0x008;
        /// Acknowledgment field is significant.
        const ACK = 0x010;
        /// Urgent pointer field is significant.
        const URG = 0x020;
        /// ECN-Echo ([RFC 3168]).
        const ECE = 0x040;
        /// Congestion window reduced ([RFC 3168]).
        const CWR = 0x080;
        /// Accurate ECN ("AE"), formerly the ECN-nonce sum bit "NS".
        const AE = 0x100;
        // The three reserved bits survive from_bits_retain.
        const _ = 0xE00;
    }
}

/// A zero-copy view of a TCP segment.
///
/// Read-only over `&[u8]` ([`TcpRef`]), writable over `&mut [u8]`
/// ([`TcpMut`]). [`Tcp::new`] checks the data offset once; after it no
/// getter or setter can panic. The buffer is the whole segment (see the
/// [module docs](self) on the TCP length).
///
/// ```
/// use core::net::Ipv4Addr;
/// use wireview::{Tcp, TcpFlags, TcpHeader, TcpMut};
///
/// let (src, dst) = (Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 80));
/// let mut buf = [0u8; 24];
/// let hdr = TcpHeader { src_port: 40000, dst_port: 80, seq_number: 1, flags: TcpFlags::SYN,
///                       window: 64240, ..TcpHeader::default() };
/// hdr.emit_with_options(&mut buf, &[2, 4, 0x05, 0xb4])?; // MSS 1460
/// let mut tcp = TcpMut::new(&mut buf[..])?;
/// tcp.fill_checksum_ipv4(src, dst);
/// tcp.set_window(1024);
/// assert!(tcp.verify_checksum_ipv4(src, dst));
/// let tcp = Tcp::new(&buf[..])?;
/// assert_eq!((tcp.header_len(), tcp.flags(), tcp.window()), (24, TcpFlags::SYN, 1024));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tcp<B> {
    buf: B,
}

/// A read-only TCP view.
pub type TcpRef<'a> = Tcp<&'a [u8]>;
/// A writable TCP view whose setters keep the checksum valid.
pub type TcpMut<'a> = Tcp<&'a mut [u8]>;

impl<B: AsRef<[u8]>> Tcp<B> {
    /// Checks that `buf` starts with a TCP header whose data offset is at
    /// least 5 and whose options fit in the buffer.
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than 20 bytes or
    /// than the header the data offset gives, [`Error::BadHeaderLength`]
    /// when the data offset is below 5.
    pub fn new(buf: B) -> Result<Self, Error> {
        let b = buf.as_ref();
        field::need(Layer::Tcp, b, HEADER_LEN)?;
        let header_len = usize::from(b[f::OFFSET_FLAGS] >> 4) * 4;
        if header_len < HEADER_LEN {
            return Err(Error::BadHeaderLength {
                layer: Layer::Tcp,
                found: header_len,
            });
        }
        field::need(Layer::Tcp, b, header_len)?;
        Ok(Tcp { buf })
    }

    /// Wraps `buf` without any check, to write a fresh header into it (see
    /// [`TcpHeader::emit`] for the usual way). Getters and setters may panic
    /// on a buffer shorter than the header; call [`new`](Self::new) once it
    /// is filled in.
    pub const fn new_unchecked(buf: B) -> Self {
        Tcp { buf }
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

    /// Source port.
    pub fn src_port(&self) -> u16 {
        field::u16_at(self.b(), f::SRC_PORT)
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        field::u16_at(self.b(), f::DST_PORT)
    }

    /// Sequence number.
    pub fn seq_number(&self) -> u32 {
        field::u32_at(self.b(), f::SEQ)
    }

    /// Acknowledgment number (meaningful when [`TcpFlags::ACK`] is set).
    pub fn ack_number(&self) -> u32 {
        field::u32_at(self.b(), f::ACK)
    }

    /// Data offset: the header length in 32-bit words (5..=15).
    pub fn data_offset(&self) -> u8 {
        self.b()[f::OFFSET_FLAGS] >> 4
    }

    /// Header length with options, in octets (20..=60).
    pub fn header_len(&self) -> usize {
        usize::from(self.data_offset()) * 4
    }

    fn offset_flags(&self) -> u16 {
        field::u16_at(self.b(), f::OFFSET_FLAGS)
    }

    /// The flags, reserved bits included.
    pub fn flags(&self) -> TcpFlags {
        TcpFlags::from_bits_retain(self.offset_flags() & FLAGS_MASK)
    }

    /// Window, in octets (before any window scaling).
    pub fn window(&self) -> u16 {
        field::u16_at(self.b(), f::WINDOW)
    }

    /// The stored checksum.
    pub fn checksum(&self) -> u16 {
        field::u16_at(self.b(), f::CHECKSUM)
    }

    /// Urgent pointer: offset from the sequence number of the octet after
    /// the urgent data (meaningful when [`TcpFlags::URG`] is set).
    pub fn urgent_pointer(&self) -> u16 {
        field::u16_at(self.b(), f::URGENT)
    }

    /// The header bytes, options included.
    pub fn header(&self) -> &[u8] {
        &self.b()[..self.header_len()]
    }

    /// The option bytes (empty when the data offset is 5).
    pub fn options(&self) -> &[u8] {
        &self.b()[HEADER_LEN..self.header_len()]
    }

    /// The options, parsed one by one.
    pub fn options_iter(&self) -> TcpOptions<'_> {
        TcpOptions::new(self.options())
    }

    /// The data after the header, to the end of the buffer.
    pub fn payload(&self) -> &[u8] {
        &self.b()[self.header_len()..]
    }

    /// The one's-complement sum of `pseudo` (a pseudo-header sum) and the
    /// whole segment as stored, checksum field included. The checksum is
    /// valid when this is 0xFFFF.
    pub fn checksum_sum(&self, pseudo: Sum) -> Sum {
        pseudo.add_bytes(self.b())
    }

    /// The IPv4 pseudo-header sum for this segment, `None` when the buffer
    /// is longer than the 16-bit TCP length of IPv4 allows.
    fn pseudo_ipv4(&self, src: Ipv4Addr, dst: Ipv4Addr) -> Option<Sum> {
        let len = u16::try_from(self.b().len()).ok()?;
        Some(Sum::ipv4_pseudo_header(src, dst, IpProtocol::TCP.0, len))
    }

    /// The IPv6 pseudo-header sum for this segment, `None` when the buffer
    /// is longer than 32 bits can say.
    fn pseudo_ipv6(&self, src: Ipv6Addr, dst: Ipv6Addr) -> Option<Sum> {
        let len = u32::try_from(self.b().len()).ok()?;
        Some(Sum::ipv6_pseudo_header(src, dst, IpProtocol::TCP.0, len))
    }

    /// Whether the checksum is right for a segment carried over IPv4 from
    /// `src` to `dst` (`false` for a buffer over 65535 octets).
    pub fn verify_checksum_ipv4(&self, src: Ipv4Addr, dst: Ipv4Addr) -> bool {
        self.pseudo_ipv4(src, dst)
            .is_some_and(|p| self.checksum_sum(p).value() == 0xFFFF)
    }

    /// Whether the checksum is right for a segment carried over IPv6 from
    /// `src` to `dst`.
    pub fn verify_checksum_ipv6(&self, src: Ipv6Addr, dst: Ipv6Addr) -> bool {
        self.pseudo_ipv6(src, dst)
            .is_some_and(|p| self.checksum_sum(p).value() == 0xFFFF)
    }
}

impl<'a> Tcp<&'a [u8]> {
    /// The payload, borrowed for the buffer's lifetime rather than the view's.
    pub fn into_payload(self) -> &'a [u8] {
        let start = self.header_len();
        &self.buf[start..]
    }
}

impl<'a> Tcp<&'a mut [u8]> {
    /// The payload, mutably borrowed for the buffer's lifetime. The checksum
    /// does not follow changes made through it.
    pub fn into_payload(self) -> &'a mut [u8] {
        let start = self.header_len();
        &mut self.buf[start..]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Tcp<B> {
    /// Writes `new` at `at` and patches the checksum; every
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

    /// Sets the source port; the checksum follows.
    pub fn set_src_port(&mut self, port: u16) {
        self.patch(f::SRC_PORT, &port.to_be_bytes());
    }

    /// Sets the destination port; the checksum follows.
    pub fn set_dst_port(&mut self, port: u16) {
        self.patch(f::DST_PORT, &port.to_be_bytes());
    }

    /// Sets the sequence number; the checksum follows.
    pub fn set_seq_number(&mut self, seq: u32) {
        self.patch(f::SEQ, &seq.to_be_bytes());
    }

    /// Sets the acknowledgment number; the checksum follows.
    pub fn set_ack_number(&mut self, ack: u32) {
        self.patch(f::ACK, &ack.to_be_bytes());
    }

    /// Sets all 12 flag bits to `flags`, reserved bits included (a value
    /// read with [`flags`](Self::flags) and changed keeps them); the data
    /// offset stays, and the checksum follows.
    ///
    /// ```
    /// # use wireview::{TcpFlags, TcpMut};
    /// let mut seg = [0u8; 20];
    /// seg[12] = 0x5e; // data offset 5, reserved bits 0b111
    /// seg[13] = 0x02; // SYN
    /// let mut tcp = TcpMut::new(&mut seg[..])?;
    /// tcp.set_flags(tcp.flags() | TcpFlags::ACK);
    /// assert_eq!(tcp.flags().bits(), 0xe12);
    /// # Ok::<(), wireview::Error>(())
    /// ```
    pub fn set_flags(&mut self, flags: TcpFlags) {
        let v = (self.offset_flags() & !FLAGS_MASK) | (flags.bits() & FLAGS_MASK);
        self.patch(f::OFFSET_FLAGS, &v.to_be_bytes());
    }

    /// Sets the window; the checksum follows.
    pub fn set_window(&mut self, window: u16) {
        self.patch(f::WINDOW, &window.to_be_bytes());
    }

    /// Sets the urgent pointer; the checksum follows.
    pub fn set_urgent_pointer(&mut self, urgent: u16) {
        self.patch(f::URGENT, &urgent.to_be_bytes());
    }

    /// Stores `checksum` as is (to build or corrupt a segment on purpose).
    pub fn set_checksum(&mut self, checksum: u16) {
        field::set_u16(self.buf.as_mut(), f::CHECKSUM, checksum);
    }

    /// Applies a change made outside the fixed header (an address of the
    /// pseudo-header as returned by [`Ipv4::set_src`](crate::Ipv4::set_src),
    /// option or data bytes written through
    /// [`options_mut`](Self::options_mut)/[`payload_mut`](Self::payload_mut),
    /// seen from the start of the TCP header) to the stored checksum.
    pub fn apply_delta(&mut self, delta: Delta) {
        // The checksum's change undoes `delta`, which the caller holds: an
        // enclosing checksum sees no net change from the two together.
        let _ = checksum::apply_at(self.buf.as_mut(), 0, f::CHECKSUM, delta, Rule::Plain);
    }

    /// Computes the checksum over `pseudo` and the whole segment from
    /// scratch and stores it.
    pub fn fill_checksum_with(&mut self, pseudo: Sum) {
        self.set_checksum(0);
        let c = self.checksum_sum(pseudo).checksum();
        self.set_checksum(c);
    }

    /// Computes and stores the checksum for a segment carried over IPv4
    /// from `src` to `dst`. A buffer over 65535 octets cannot be carried
    /// over IPv4; its checksum is left as it is.
    pub fn fill_checksum_ipv4(&mut self, src: Ipv4Addr, dst: Ipv4Addr) {
        if let Some(pseudo) = self.pseudo_ipv4(src, dst) {
            self.fill_checksum_with(pseudo);
        }
    }

    /// Computes and stores the checksum for a segment carried over IPv6
    /// from `src` to `dst`.
    pub fn fill_checksum_ipv6(&mut self, src: Ipv6Addr, dst: Ipv6Addr) {
        if let Some(pseudo) = self.pseudo_ipv6(src, dst) {
            self.fill_checksum_with(pseudo);
        }
    }

    /// The option bytes, writable. The checksum does not follow changes
    /// made through this slice (see [`apply_delta`](Self::apply_delta)).
    pub fn options_mut(&mut self) -> &mut [u8] {
        let end = self.header_len();
        &mut self.buf.as_mut()[HEADER_LEN..end]
    }

    /// The data, writable. The checksum does not follow changes made
    /// through this slice (see [`apply_delta`](Self::apply_delta)).
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_len();
        &mut self.buf.as_mut()[start..]
    }
}

/// One TCP option ([RFC 9293 section 3.2], IANA "TCP Option Kind Numbers").
///
/// [RFC 9293 section 3.2]: https://www.rfc-editor.org/rfc/rfc9293#section-3.2
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TcpOption<'a> {
    /// End of option list (kind 0); what follows is padding.
    End,
    /// No operation (kind 1), used for alignment.
    Nop,
    /// Maximum segment size, in octets (kind 2).
    Mss(u16),
    /// Window scale shift count (kind 3, [RFC 7323]).
    ///
    /// [RFC 7323]: https://www.rfc-editor.org/rfc/rfc7323
    WindowScale(u8),
    /// Selective acknowledgment permitted (kind 4, [RFC 2018]).
    ///
    /// [RFC 2018]: https://www.rfc-editor.org/rfc/rfc2018
    SackPermitted,
    /// Selective acknowledgment blocks (kind 5, [RFC 2018]).
    ///
    /// [RFC 2018]: https://www.rfc-editor.org/rfc/rfc2018
    Sack(SackBlocks<'a>),
    /// Timestamps (kind 8, [RFC 7323]).
    ///
    /// [RFC 7323]: https://www.rfc-editor.org/rfc/rfc7323
    Timestamps {
        /// TSval: the sender's timestamp clock.
        val: u32,
        /// TSecr: the timestamp echoed back.
        ecr: u32,
    },
    /// Any other option, with the bytes after its kind and length octets.
    Unknown {
        /// The option kind.
        kind: u8,
        /// The option data.
        data: &'a [u8],
    },
}

impl TcpOption<'_> {
    /// Kind of End of Option List.
    pub const KIND_END: u8 = 0;
    /// Kind of No-Operation.
    pub const KIND_NOP: u8 = 1;
    /// Kind of Maximum Segment Size.
    pub const KIND_MSS: u8 = 2;
    /// Kind of Window Scale.
    pub const KIND_WINDOW_SCALE: u8 = 3;
    /// Kind of SACK Permitted.
    pub const KIND_SACK_PERMITTED: u8 = 4;
    /// Kind of SACK.
    pub const KIND_SACK: u8 = 5;
    /// Kind of Timestamps.
    pub const KIND_TIMESTAMPS: u8 = 8;
}

/// The blocks of a SACK option, read lazily as `(left edge, right edge)`
/// sequence numbers with [`iter`](Self::iter) or a `for` loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SackBlocks<'a> {
    bytes: &'a [u8],
}

impl<'a> SackBlocks<'a> {
    /// The number of blocks (1 to 4 in a valid option).
    pub const fn len(&self) -> usize {
        self.bytes.len() / 8
    }

    /// Whether there are no blocks (never, for an option the parser accepts).
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The raw bytes of the blocks (8 octets each).
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// An iterator over the blocks.
    pub const fn iter(&self) -> SackIter<'a> {
        SackIter { rest: self.bytes }
    }
}

impl<'a> IntoIterator for SackBlocks<'a> {
    type Item = (u32, u32);
    type IntoIter = SackIter<'a>;

    fn into_iter(self) -> SackIter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &SackBlocks<'a> {
    type Item = (u32, u32);
    type IntoIter = SackIter<'a>;

    fn into_iter(self) -> SackIter<'a> {
        self.iter()
    }
}

/// Iterator over the `(left edge, right edge)` blocks of a SACK option.
#[derive(Debug, Clone)]
pub struct SackIter<'a> {
    rest: &'a [u8],
}

impl Iterator for SackIter<'_> {
    type Item = (u32, u32);

    fn next(&mut self) -> Option<(u32, u32)> {
        if self.rest.len() < 8 {
            return None;
        }
        let block = (field::u32_at(self.rest, 0), field::u32_at(self.rest, 4));
        self.rest = &self.rest[8..];
        Some(block)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.rest.len() / 8;
        (n, Some(n))
    }
}

impl ExactSizeIterator for SackIter<'_> {}

/// Iterator over TCP options. Yields [`TcpOption::End`] once and stops at
/// End of Option List; a length octet that is missing, below 2, runs past
/// the options, or is wrong for a known kind yields one
/// [`Error::BadValue`] and ends the iteration. It never panics.
#[derive(Debug, Clone)]
pub struct TcpOptions<'a> {
    rest: &'a [u8],
}

impl<'a> TcpOptions<'a> {
    /// An iterator over the option bytes `options` (those after the fixed
    /// 20-byte header).
    pub const fn new(options: &'a [u8]) -> Self {
        TcpOptions { rest: options }
    }

    fn bad(&mut self) -> Result<TcpOption<'a>, Error> {
        self.rest = &[];
        Err(Error::BadValue {
            layer: Layer::Tcp,
            field: "option length",
        })
    }
}

impl<'a> Iterator for TcpOptions<'a> {
    type Item = Result<TcpOption<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let (&kind, after) = self.rest.split_first()?;
        match kind {
            TcpOption::KIND_END => {
                self.rest = &[];
                return Some(Ok(TcpOption::End));
            }
            TcpOption::KIND_NOP => {
                self.rest = after;
                return Some(Ok(TcpOption::Nop));
            }
            _ => {}
        }
        let Some(&len) = after.first() else {
            return Some(self.bad());
        };
        let len = usize::from(len);
        if len < 2 || len > self.rest.len() {
            return Some(self.bad());
        }
        let data = &self.rest[2..len];
        let option = match (kind, len) {
            (TcpOption::KIND_MSS, 4) => TcpOption::Mss(field::u16_at(data, 0)),
            (TcpOption::KIND_WINDOW_SCALE, 3) => TcpOption::WindowScale(data[0]),
            (TcpOption::KIND_SACK_PERMITTED, 2) => TcpOption::SackPermitted,
            (TcpOption::KIND_SACK, _) if len >= 10 && (len - 2) % 8 == 0 => {
                TcpOption::Sack(SackBlocks { bytes: data })
            }
            (TcpOption::KIND_TIMESTAMPS, 10) => TcpOption::Timestamps {
                val: field::u32_at(data, 0),
                ecr: field::u32_at(data, 4),
            },
            (
                TcpOption::KIND_MSS
                | TcpOption::KIND_WINDOW_SCALE
                | TcpOption::KIND_SACK_PERMITTED
                | TcpOption::KIND_SACK
                | TcpOption::KIND_TIMESTAMPS,
                _,
            ) => return Some(self.bad()),
            _ => TcpOption::Unknown { kind, data },
        };
        self.rest = &self.rest[len..];
        Some(Ok(option))
    }
}

/// The field values of a TCP header, to write a fresh one with
/// [`emit`](Self::emit) or [`emit_with_options`](Self::emit_with_options).
/// The data offset is derived; the checksum is written as 0, to be filled
/// once the data is in place (see [`Tcp::fill_checksum_ipv4`]).
///
/// ```
/// use wireview::{Tcp, TcpFlags, TcpHeader};
///
/// let hdr = TcpHeader { src_port: 443, dst_port: 50000, seq_number: 7, ack_number: 9,
///                       flags: TcpFlags::ACK | TcpFlags::PSH, window: 512, ..TcpHeader::default() };
/// let mut buf = [0u8; 20];
/// assert_eq!(hdr.emit(&mut buf)?, 20);
/// let tcp = Tcp::new(&buf[..])?;
/// assert_eq!((tcp.ack_number(), tcp.flags()), (9, TcpFlags::ACK | TcpFlags::PSH));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TcpHeader {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq_number: u32,
    /// Acknowledgment number.
    pub ack_number: u32,
    /// Flags (12 bits, reserved bits included).
    pub flags: TcpFlags,
    /// Window.
    pub window: u16,
    /// Urgent pointer.
    pub urgent_pointer: u16,
}

impl Default for TcpHeader {
    /// Everything zero, no flags.
    fn default() -> Self {
        TcpHeader {
            src_port: 0,
            dst_port: 0,
            seq_number: 0,
            ack_number: 0,
            flags: TcpFlags::empty(),
            window: 0,
            urgent_pointer: 0,
        }
    }
}

impl TcpHeader {
    /// Writes the 20-byte header (checksum 0) at the start of `buf` and
    /// returns its length.
    ///
    /// # Errors
    /// [`Error::NoRoom`] when `buf` is shorter than 20 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        self.emit_with_options(buf, &[])
    }

    /// Writes the header followed by `options` (encoded options, padded to
    /// a multiple of 4 octets, at most 40) and returns the header length.
    ///
    /// # Errors
    /// As [`emit`](Self::emit), and [`Error::BadHeaderLength`] for options
    /// of a bad length.
    pub fn emit_with_options(&self, buf: &mut [u8], options: &[u8]) -> Result<usize, Error> {
        let header_len = field::header_with_options(Layer::Tcp, buf, HEADER_LEN, options)?;
        let b = &mut buf[..header_len];
        field::set_u16(b, f::SRC_PORT, self.src_port);
        field::set_u16(b, f::DST_PORT, self.dst_port);
        field::set_u32(b, f::SEQ, self.seq_number);
        field::set_u32(b, f::ACK, self.ack_number);
        let offset = (header_len / 4) as u16;
        field::set_u16(
            b,
            f::OFFSET_FLAGS,
            (offset << 12) | (self.flags.bits() & FLAGS_MASK),
        );
        field::set_u16(b, f::WINDOW, self.window);
        field::set_u16(b, f::CHECKSUM, 0);
        field::set_u16(b, f::URGENT, self.urgent_pointer);
        b[HEADER_LEN..].copy_from_slice(options);
        Ok(header_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipv4::{Ipv4, Ipv4Header, Ipv4Mut};
    use proptest::prelude::*;
    use std::vec::Vec;

    /// A real SYN: tcpdump's `tests/bgp-4byte-asn.pcap`, frame 3, a BGP
    /// connection attempt from 1.0.2.2:42741 to 1.0.2.1:179 (IPv4 header
    /// then TCP header with a Linux option set).
    const SYN: [u8; 60] = [
        0x45, 0xc0, 0x00, 0x3c, 0x1c, 0xe8, 0x40, 0x00, // IPv4, total length 60, DF
        0x01, 0x06, 0x56, 0x12, 0x01, 0x00, 0x02, 0x02, // TTL 1, TCP, 1.0.2.2
        0x01, 0x00, 0x02, 0x01, // 1.0.2.1
        0xa6, 0xf5, 0x00, 0xb3, // source port 42741, destination port 179
        0x8a, 0xfa, 0x6c, 0x32, // sequence number 2331667506
        0x00, 0x00, 0x00, 0x00, // acknowledgment number 0
        0xa0, 0x02, 0x72, 0x10, // data offset 10 (40 octets), SYN, window 29200
        0x98, 0x71, 0x00, 0x00, // checksum 0x9871, urgent pointer 0
        0x02, 0x04, 0x05, 0xb4, // MSS 1460
        0x04, 0x02, // SACK permitted
        0x08, 0x0a, 0x27, 0xca, 0x70, 0xda, 0x00, 0x00, 0x00, 0x00, // TS val 667578586, ecr 0
        0x01, // NOP
        0x03, 0x03, 0x09, // window scale 9
    ];

    fn syn_addrs() -> (Ipv4Addr, Ipv4Addr) {
        (Ipv4Addr::new(1, 0, 2, 2), Ipv4Addr::new(1, 0, 2, 1))
    }

    #[test]
    fn real_syn_fields_options_and_checksum() {
        let ip = Ipv4::new(&SYN[..]).unwrap();
        let tcp = Tcp::new(ip.payload()).unwrap();
        assert_eq!((tcp.src_port(), tcp.dst_port()), (42741, 179));
        assert_eq!((tcp.seq_number(), tcp.ack_number()), (0x8afa_6c32, 0));
        assert_eq!((tcp.data_offset(), tcp.header_len()), (10, 40));
        assert_eq!(tcp.flags(), TcpFlags::SYN);
        assert_eq!(
            (tcp.window(), tcp.checksum(), tcp.urgent_pointer()),
            (29200, 0x9871, 0)
        );
        assert!(tcp.payload().is_empty());
        let opts: Vec<_> = tcp.options_iter().collect();
        assert_eq!(
            opts,
            [
                Ok(TcpOption::Mss(1460)),
                Ok(TcpOption::SackPermitted),
                Ok(TcpOption::Timestamps {
                    val: 667_578_586,
                    ecr: 0
                }),
                Ok(TcpOption::Nop),
                Ok(TcpOption::WindowScale(9)),
            ]
        );
        let (src, dst) = syn_addrs();
        assert!(tcp.verify_checksum_ipv4(src, dst));
        assert!(!tcp.verify_checksum_ipv4(dst, dst));
        let mut seg = SYN[20..].to_vec();
        let mut m = TcpMut::new(&mut seg[..]).unwrap();
        m.fill_checksum_ipv4(src, dst);
        assert_eq!(m.checksum(), 0x9871);
        // The pseudo-header the IPv4 view computes is the same.
        assert_eq!(tcp.checksum_sum(ip.pseudo_header_sum(40)).value(), 0xFFFF);
    }

    #[test]
    fn every_truncated_length_is_reported_exactly() {
        let seg = &SYN[20..];
        for len in 0..20 {
            assert_eq!(
                Tcp::new(&seg[..len]),
                Err(Error::Truncated {
                    layer: Layer::Tcp,
                    needed: 20,
                    available: len
                })
            );
        }
        for len in 20..40 {
            assert_eq!(
                Tcp::new(&seg[..len]),
                Err(Error::Truncated {
                    layer: Layer::Tcp,
                    needed: 40,
                    available: len
                })
            );
        }
        assert!(Tcp::new(seg).is_ok());
        for offset in 0..5u8 {
            let mut s = [0u8; 20];
            s[12] = offset << 4;
            assert_eq!(
                Tcp::new(&s[..]),
                Err(Error::BadHeaderLength {
                    layer: Layer::Tcp,
                    found: usize::from(offset) * 4
                })
            );
        }
    }

    fn parse(opts: &[u8]) -> Vec<Result<TcpOption<'_>, Error>> {
        TcpOptions::new(opts).collect()
    }

    const BAD: Result<TcpOption<'static>, Error> = Err(Error::BadValue {
        layer: Layer::Tcp,
        field: "option length",
    });

    #[test]
    fn options_bad_lengths_yield_one_error() {
        // Length 0, 1, past the end, missing; for an unknown and a known kind.
        for kind in [2u8, 3, 4, 5, 8, 30] {
            for bad in [
                &[kind, 0, 0, 0][..],
                &[kind, 1, 0, 0],
                &[kind, 9, 0, 0],
                &[kind],
            ] {
                let mut v = std::vec![1u8];
                v.extend_from_slice(bad);
                assert_eq!(parse(&v), [Ok(TcpOption::Nop), BAD], "{v:?}");
                // A length of 0 or 1 with a valid option after it: still
                // one error, and nothing after it is read.
                if bad.len() > 1 && bad[1] < 2 {
                    v.extend_from_slice(&[2, 4, 5, 0xb4]);
                    assert_eq!(parse(&v), [Ok(TcpOption::Nop), BAD], "{v:?}");
                }
            }
        }
        // Wrong length for a known kind.
        assert_eq!(parse(&[2, 3, 5]), [BAD]);
        assert_eq!(parse(&[3, 4, 5, 6]), [BAD]);
        assert_eq!(parse(&[4, 3, 0]), [BAD]);
        assert_eq!(parse(&[8, 9, 0, 0, 0, 0, 0, 0, 0]), [BAD]);
        assert_eq!(parse(&[5, 2]), [BAD]);
        assert_eq!(parse(&[5, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0]), [BAD]);
    }

    #[test]
    fn options_end_sack_and_unknown() {
        let opts = [
            1, 1, 5, 18, // NOP NOP SACK, two blocks
            0, 0, 0, 1, 0, 0, 0, 2, // 1..2
            0xff, 0xff, 0xff, 0xff, 0, 0, 0, 9, // 0xffffffff..9
            30, 4, 0xab, 0xcd, // unknown kind 30 (MPTCP), data abcd
            0, 7, 7, 7, // End, then padding that is not read
        ];
        let items = parse(&opts);
        assert_eq!(items.len(), 5);
        let Ok(TcpOption::Sack(blocks)) = items[2] else {
            panic!("{:?}", items[2]);
        };
        assert_eq!(blocks.len(), 2);
        assert_eq!(
            blocks.iter().collect::<Vec<_>>(),
            [(1, 2), (0xffff_ffff, 9)]
        );
        assert_eq!(blocks.iter().len(), 2);
        assert_eq!(
            items[3],
            Ok(TcpOption::Unknown {
                kind: 30,
                data: &[0xab, 0xcd]
            })
        );
        assert_eq!(items[4], Ok(TcpOption::End));
        assert_eq!(parse(&[]), []);
    }

    #[test]
    fn flags_keep_reserved_bits() {
        let mut seg = SYN[20..].to_vec();
        seg[12] |= 0x0e; // reserved bits
        let (src, dst) = syn_addrs();
        let mut tcp = TcpMut::new(&mut seg[..]).unwrap();
        tcp.fill_checksum_ipv4(src, dst);
        assert_eq!(tcp.flags().bits(), 0xe02);
        tcp.set_flags(tcp.flags() | TcpFlags::ACK | TcpFlags::AE);
        assert_eq!(tcp.flags().bits(), 0xf12);
        assert_eq!(tcp.data_offset(), 10);
        assert!(tcp.verify_checksum_ipv4(src, dst));
        tcp.set_flags(TcpFlags::RST);
        assert_eq!(tcp.as_bytes()[12..14], [0xa0, 0x04]);
        assert!(tcp.verify_checksum_ipv4(src, dst));
    }

    #[test]
    fn emit_errors() {
        let h = TcpHeader::default();
        assert_eq!(
            h.emit(&mut [0u8; 19]),
            Err(Error::NoRoom {
                layer: Layer::Tcp,
                needed: 20,
                available: 19
            })
        );
        for bad in [3usize, 44] {
            assert_eq!(
                h.emit_with_options(&mut [0u8; 80], &std::vec![1; bad]),
                Err(Error::BadHeaderLength {
                    layer: Layer::Tcp,
                    found: 20 + bad
                })
            );
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Src(u16),
        Dst(u16),
        Seq(u32),
        Ack(u32),
        Flags(u16),
        Window(u16),
        Urgent(u16),
        Payload(usize, u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            any::<u16>().prop_map(Op::Src),
            any::<u16>().prop_map(Op::Dst),
            any::<u32>().prop_map(Op::Seq),
            any::<u32>().prop_map(Op::Ack),
            any::<u16>().prop_map(Op::Flags),
            any::<u16>().prop_map(Op::Window),
            any::<u16>().prop_map(Op::Urgent),
            (any::<usize>(), any::<u8>()).prop_map(|(i, v)| Op::Payload(i, v)),
        ]
    }

    fn recompute(seg: &[u8], pseudo: Sum) -> u16 {
        let mut copy = seg.to_vec();
        copy[16..18].fill(0);
        pseudo.add_bytes(&copy).checksum()
    }

    proptest! {
        #[test]
        fn every_setter_keeps_the_checksum(
            fields in any::<[u8; 20]>(), opt_words in 0usize..=10,
            data in proptest::collection::vec(any::<u8>(), 0..64),
            src: u128, dst: u128, v6: bool,
            ops in proptest::collection::vec(op(), 1..20),
        ) {
            let header_len = 20 + 4 * opt_words;
            let mut seg = fields.to_vec();
            seg.resize(header_len, 1);
            seg.extend_from_slice(&data);
            seg[12] = (seg[12] & 0x0f) | ((header_len / 4) as u8) << 4;
            let len = seg.len();
            let pseudo = if v6 {
                Sum::ipv6_pseudo_header(src.into(), dst.into(), 6, len as u32)
            } else {
                Sum::ipv4_pseudo_header((src as u32).into(), (dst as u32).into(), 6, len as u16)
            };
            let mut tcp = TcpMut::new(&mut seg[..]).unwrap();
            tcp.fill_checksum_with(pseudo);
            for op in ops {
                match op {
                    Op::Src(v) => tcp.set_src_port(v),
                    Op::Dst(v) => tcp.set_dst_port(v),
                    Op::Seq(v) => tcp.set_seq_number(v),
                    Op::Ack(v) => tcp.set_ack_number(v),
                    Op::Flags(v) => tcp.set_flags(TcpFlags::from_bits_retain(v)),
                    Op::Window(v) => tcp.set_window(v),
                    Op::Urgent(v) => tcp.set_urgent_pointer(v),
                    Op::Payload(i, v) => {
                        let at = header_len + i % (len - header_len + 1);
                        if at < len {
                            let old = tcp.as_bytes()[at];
                            tcp.payload_mut()[at - header_len] = v;
                            tcp.apply_delta(Delta::replace_bytes(at, &[old], &[v]));
                        }
                    }
                }
                prop_assert_eq!(tcp.header_len(), header_len);
                prop_assert_eq!(tcp.checksum(), recompute(tcp.as_bytes(), pseudo));
            }
        }

        #[test]
        fn ipv4_address_change_plus_apply_delta_equals_recompute(
            src: u32, dst: u32, new_src: u32, new_dst: u32,
            data in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            let n = 20 + data.len();
            let mut p = std::vec![0u8; 20 + n];
            Ipv4Header { protocol: IpProtocol::TCP, src: src.into(), dst: dst.into(), payload_len: n as u16, ..Ipv4Header::default() }
                .emit(&mut p).unwrap();
            TcpHeader { src_port: 1, dst_port: 2, flags: TcpFlags::ACK, ..TcpHeader::default() }.emit(&mut p[20..]).unwrap();
            p[40..].copy_from_slice(&data);
            TcpMut::new(&mut p[20..]).unwrap().fill_checksum_ipv4(src.into(), dst.into());
            let mut ip = Ipv4Mut::new(&mut p[..]).unwrap();
            let delta = ip.set_src(new_src.into()) + ip.set_dst(new_dst.into());
            TcpMut::new(ip.into_payload()).unwrap().apply_delta(delta);
            let ip = Ipv4::new(&p[..]).unwrap();
            let tcp = Tcp::new(ip.payload()).unwrap();
            prop_assert_eq!(
                tcp.checksum(),
                recompute(ip.payload(), Sum::ipv4_pseudo_header(new_src.into(), new_dst.into(), 6, n as u16))
            );
        }
    }
}
