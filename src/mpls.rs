//! MPLS label stack entries ([RFC 3032 section 2.1]).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                Label                  | TC  |S|       TTL     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!  Label: 20 bits, TC: traffic class (RFC 5462, formerly "EXP"),
//!  S: bottom of stack, TTL: time to live
//! ```
//!
//! An MPLS packet is a stack of such 4-octet entries, the last one with
//! the S bit set, then the payload (IPv4 or IPv6, told apart by the first
//! nibble, or anything the label means). It follows an Ethernet header
//! ([`EtherType::MPLS`] 0x8847, [`EtherType::MPLS_MULTICAST`] 0x8848), an
//! IP header (protocol [`IpProtocol::MPLS_IN_IP`], 137, [RFC 4023]), a GRE
//! header (protocol type 0x8847) or a UDP header (destination port
//! [`UDP_PORT`], 6635, [RFC 7510]).
//!
//! [`Mpls`] views one entry, [`MplsStack`] the stack as a whole. MPLS has
//! no checksum of its own, but over UDP or GRE the outer checksum covers
//! it: every setter returns the [`Delta`] of its change, as the VXLAN
//! setters do. Entries are 4 octets long and the stack starts at an even
//! offset of the UDP or GRE payload, so the delta applies as is.
//!
//! The data-plane operations work in the caller's buffer, as
//! [`vlan::push_tag`](crate::vlan::push_tag) does: [`push`] writes an entry
//! into the headroom in front of a packet, [`pop`] steps over the top
//! entry, [`swap`] changes the top label in place, and
//! [`Mpls::decrement_ttl`] checks, then decrements, the TTL. The link-layer
//! header in front (its EtherType) is the caller's.
//!
//! [RFC 3032 section 2.1]: https://www.rfc-editor.org/rfc/rfc3032#section-2.1
//! [RFC 4023]: https://www.rfc-editor.org/rfc/rfc4023
//! [RFC 7510]: https://www.rfc-editor.org/rfc/rfc7510
//! [`EtherType::MPLS`]: crate::ethernet::EtherType::MPLS
//! [`EtherType::MPLS_MULTICAST`]: crate::ethernet::EtherType::MPLS_MULTICAST
//! [`IpProtocol::MPLS_IN_IP`]: crate::ip::IpProtocol::MPLS_IN_IP

use core::fmt;
use core::iter::FusedIterator;

use crate::checksum::{self, Delta};
use crate::error::{Error, Layer};
use crate::field;
use crate::ip::Hop;

/// Length of one label stack entry, in octets.
pub const HEADER_LEN: usize = 4;

/// The IANA-assigned UDP destination port of MPLS over UDP ([RFC 7510]).
///
/// [RFC 7510]: https://www.rfc-editor.org/rfc/rfc7510
pub const UDP_PORT: u16 = 6635;

const LABEL_SHIFT: u32 = 12;
const TC_SHIFT: u32 = 9;
const S_BIT: u32 = 0x100;
/// Byte offset of the TTL in an entry.
const TTL_AT: usize = 3;

/// An MPLS label: 20 bits, `0..=1_048_575`. Labels 0 to 15 are reserved
/// ([IANA Special-Purpose MPLS Label Values]).
///
/// ```
/// use wireview::mpls::Label;
/// assert_eq!(Label::new(1_048_575).map(Label::value), Some(1_048_575));
/// assert_eq!(Label::new(1 << 20), None);
/// assert!(Label::IMPLICIT_NULL.is_reserved());
/// ```
///
/// [IANA Special-Purpose MPLS Label Values]: https://www.iana.org/assignments/mpls-label-values/
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Label(u32);

impl Label {
    /// The largest label, 2^20 - 1.
    pub const MAX: u32 = 0xF_FFFF;
    /// IPv4 explicit null (RFC 3032): pop, the payload is IPv4.
    pub const IPV4_EXPLICIT_NULL: Label = Label(0);
    /// Router alert (RFC 3032): deliver to the local software.
    pub const ROUTER_ALERT: Label = Label(1);
    /// IPv6 explicit null (RFC 3032): pop, the payload is IPv6.
    pub const IPV6_EXPLICIT_NULL: Label = Label(2);
    /// Implicit null (RFC 3032): signalled, never sent.
    pub const IMPLICIT_NULL: Label = Label(3);
    /// Entropy label indicator ([RFC 6790]): the next entry is an entropy
    /// label.
    ///
    /// [RFC 6790]: https://www.rfc-editor.org/rfc/rfc6790
    pub const ENTROPY_LABEL_INDICATOR: Label = Label(7);
    /// Generic associated channel label, GAL ([RFC 5586]).
    ///
    /// [RFC 5586]: https://www.rfc-editor.org/rfc/rfc5586
    pub const GAL: Label = Label(13);
    /// OAM alert ([RFC 3429]).
    ///
    /// [RFC 3429]: https://www.rfc-editor.org/rfc/rfc3429
    pub const OAM_ALERT: Label = Label(14);
    /// Extension label ([RFC 7274]): the next entry holds an extended
    /// special-purpose label.
    ///
    /// [RFC 7274]: https://www.rfc-editor.org/rfc/rfc7274
    pub const EXTENSION: Label = Label(15);

    /// The label `value`, or `None` when it does not fit in 20 bits.
    pub const fn new(value: u32) -> Option<Label> {
        if value <= Self::MAX {
            Some(Label(value))
        } else {
            None
        }
    }

    /// The label of a whole 32-bit entry (its upper 20 bits).
    pub const fn from_entry(entry: u32) -> Label {
        Label(entry >> LABEL_SHIFT)
    }

    /// The label, `0..=0xF_FFFF`.
    pub const fn value(self) -> u32 {
        self.0
    }

    /// Whether this is one of the 16 reserved (special-purpose) labels.
    pub const fn is_reserved(self) -> bool {
        self.0 < 16
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The traffic class of an entry ([RFC 5462]): 3 bits, `0..=7`.
///
/// ```
/// use wireview::mpls::TrafficClass;
/// assert_eq!(TrafficClass::new(5).map(TrafficClass::value), Some(5));
/// assert_eq!(TrafficClass::new(8), None);
/// ```
///
/// [RFC 5462]: https://www.rfc-editor.org/rfc/rfc5462
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TrafficClass(u8);

impl TrafficClass {
    /// The largest class, 7.
    pub const MAX: u8 = 7;

    /// The class `value`, or `None` when it does not fit in 3 bits.
    pub const fn new(value: u8) -> Option<TrafficClass> {
        if value <= Self::MAX {
            Some(TrafficClass(value))
        } else {
            None
        }
    }

    /// The class, `0..=7`.
    pub const fn value(self) -> u8 {
        self.0
    }
}

impl fmt::Display for TrafficClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A zero-copy view of one MPLS label stack entry and what follows it.
///
/// Read-only over `&[u8]` ([`MplsRef`]), writable over `&mut [u8]`
/// ([`MplsMut`]). [`Mpls::new`] checks that the 4 bytes are there; after
/// it no getter or setter can panic. [`payload`](Self::payload) is what
/// follows the entry: the next entry, or the packet after the stack when
/// [`bottom_of_stack`](Self::bottom_of_stack) is set.
///
/// ```
/// use wireview::mpls::{Label, Mpls, MplsMut};
///
/// // Label 16006, TC 0, bottom of stack, TTL 255, then an IPv4 header.
/// let mut buf = [0x03, 0xe8, 0x61, 0xff, 0x45, 0x00];
/// let mut m = MplsMut::new(&mut buf[..])?;
/// assert_eq!((m.label().value(), m.bottom_of_stack(), m.ttl()), (16006, true, 255));
/// let _delta = m.set_label(Label::new(17).unwrap());
/// assert_eq!(m.decrement_ttl().0, wireview::ip::Hop::Forward(254));
/// let m = Mpls::new(&buf[..])?;
/// assert_eq!((m.label().value(), m.ttl(), m.payload()), (17, 254, &[0x45, 0][..]));
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mpls<B> {
    buf: B,
}

/// A read-only MPLS entry view.
pub type MplsRef<'a> = Mpls<&'a [u8]>;
/// A writable MPLS entry view.
pub type MplsMut<'a> = Mpls<&'a mut [u8]>;

impl<B: AsRef<[u8]>> Mpls<B> {
    /// Checks that `buf` holds a whole label stack entry.
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than 4 bytes.
    pub fn new(buf: B) -> Result<Self, Error> {
        field::need(Layer::Mpls, buf.as_ref(), HEADER_LEN)?;
        Ok(Mpls { buf })
    }

    /// Wraps `buf` without any check, to write a fresh entry into it (see
    /// [`MplsHeader::emit`] for the usual way). Getters and setters may
    /// panic on a buffer shorter than 4 bytes.
    pub const fn new_unchecked(buf: B) -> Self {
        Mpls { buf }
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

    /// Header length, always 4 octets.
    pub fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// The whole entry as a 32-bit word.
    pub fn entry(&self) -> u32 {
        field::u32_at(self.b(), 0)
    }

    /// The label.
    pub fn label(&self) -> Label {
        Label::from_entry(self.entry())
    }

    /// The traffic class.
    pub fn traffic_class(&self) -> TrafficClass {
        TrafficClass(((self.entry() >> TC_SHIFT) & 7) as u8)
    }

    /// The S bit: this is the last entry of the stack.
    pub fn bottom_of_stack(&self) -> bool {
        self.entry() & S_BIT != 0
    }

    /// The time to live.
    pub fn ttl(&self) -> u8 {
        self.b()[TTL_AT]
    }

    /// The entry's fields as a builder value.
    pub fn to_header(&self) -> MplsHeader {
        MplsHeader::from_entry(self.entry())
    }

    /// The 4 entry bytes.
    pub fn header(&self) -> &[u8] {
        &self.b()[..HEADER_LEN]
    }

    /// What follows the entry, up to the end of the buffer.
    pub fn payload(&self) -> &[u8] {
        &self.b()[HEADER_LEN..]
    }
}

impl<'a> Mpls<&'a [u8]> {
    /// What follows the entry, borrowed for the buffer's lifetime rather
    /// than the view's.
    pub fn into_payload(self) -> &'a [u8] {
        &self.buf[HEADER_LEN..]
    }
}

impl<'a> Mpls<&'a mut [u8]> {
    /// What follows the entry, mutably borrowed for the buffer's lifetime.
    pub fn into_payload(self) -> &'a mut [u8] {
        &mut self.buf[HEADER_LEN..]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Mpls<B> {
    /// Writes the whole entry and returns the change, as seen from the
    /// entry's start, for an outer UDP or GRE checksum.
    #[must_use = "apply the returned Delta to the outer UDP or GRE checksum that covers the label stack (if there is one), or it is left wrong"]
    pub fn set_entry(&mut self, entry: u32) -> Delta {
        checksum::replace(self.buf.as_mut(), 0, 0, &entry.to_be_bytes())
    }

    /// Sets the label. Returns the change for an outer checksum.
    #[must_use = "apply the returned Delta to the outer UDP or GRE checksum that covers the label stack (if there is one), or it is left wrong"]
    pub fn set_label(&mut self, label: Label) -> Delta {
        let e = self.entry() & ((1 << LABEL_SHIFT) - 1);
        self.set_entry(e | (label.0 << LABEL_SHIFT))
    }

    /// Sets the traffic class. Returns the change for an outer checksum.
    #[must_use = "apply the returned Delta to the outer UDP or GRE checksum that covers the label stack (if there is one), or it is left wrong"]
    pub fn set_traffic_class(&mut self, tc: TrafficClass) -> Delta {
        let e = self.entry() & !(7 << TC_SHIFT);
        self.set_entry(e | (u32::from(tc.0) << TC_SHIFT))
    }

    /// Sets or clears the S (bottom of stack) bit. Returns the change for
    /// an outer checksum.
    #[must_use = "apply the returned Delta to the outer UDP or GRE checksum that covers the label stack (if there is one), or it is left wrong"]
    pub fn set_bottom_of_stack(&mut self, s: bool) -> Delta {
        let e = self.entry() & !S_BIT;
        self.set_entry(if s { e | S_BIT } else { e })
    }

    /// Sets the time to live. Returns the change for an outer checksum.
    #[must_use = "apply the returned Delta to the outer UDP or GRE checksum that covers the label stack (if there is one), or it is left wrong"]
    pub fn set_ttl(&mut self, ttl: u8) -> Delta {
        checksum::replace(self.buf.as_mut(), 0, TTL_AT, &[ttl])
    }

    /// Decrements the TTL as a label switching router does before
    /// forwarding, checking first, as
    /// [`Ipv4::decrement_ttl`](crate::ipv4::Ipv4::decrement_ttl) does: an
    /// entry whose TTL is 0 or 1 has expired, is left unchanged and gives
    /// [`Hop::Expired`] with [`Delta::NONE`] (the packet must be dropped,
    /// or answered with an ICMP time exceeded as RFC 3032 section 2.3.2
    /// describes). Otherwise the TTL goes down by one: [`Hop::Forward`]
    /// with the new TTL, and the change for an outer checksum.
    ///
    /// ```
    /// use wireview::ip::Hop;
    /// use wireview::mpls::MplsMut;
    ///
    /// let mut buf = [0x00, 0x06, 0x41, 0x02]; // label 100, S, TTL 2
    /// let mut m = MplsMut::new(&mut buf[..])?;
    /// assert_eq!(m.decrement_ttl().0, Hop::Forward(1));
    /// assert_eq!(m.decrement_ttl().0, Hop::Expired);
    /// assert_eq!(m.ttl(), 1);
    /// # Ok::<(), wireview::Error>(())
    /// ```
    #[must_use = "an expired packet must be dropped, and the Delta applied to an outer checksum that covers the stack"]
    pub fn decrement_ttl(&mut self) -> (Hop, Delta) {
        let hop = Hop::of(self.ttl());
        match hop {
            Hop::Forward(ttl) => (hop, self.set_ttl(ttl)),
            Hop::Expired => (hop, Delta::NONE),
        }
    }

    /// What follows the entry, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buf.as_mut()[HEADER_LEN..]
    }
}

/// A zero-copy view of a whole MPLS label stack, from its top entry to the
/// entry with the S bit, and the payload after it.
///
/// [`MplsStack::new`] walks the entries once, never past the buffer, and
/// remembers how many there are; after it no getter can panic.
///
/// ```
/// use wireview::mpls::MplsStack;
///
/// // Label 100 (TTL 64), then label 200 with the S bit (TTL 64), then IPv6.
/// let buf = [0x00, 0x06, 0x40, 0x40, 0x00, 0x0c, 0x81, 0x40, 0x60, 0x00];
/// let stack = MplsStack::new(&buf[..])?;
/// assert_eq!(stack.depth(), 2);
/// let labels: Vec<u32> = stack.entries().map(|e| e.label().value()).collect();
/// assert_eq!(labels, [100, 200]);
/// assert_eq!(stack.payload(), &[0x60, 0x00]);
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MplsStack<B> {
    buf: B,
    depth: usize,
}

/// A read-only MPLS stack view.
pub type MplsStackRef<'a> = MplsStack<&'a [u8]>;
/// A writable MPLS stack view.
pub type MplsStackMut<'a> = MplsStack<&'a mut [u8]>;

/// The number of entries of the stack at the start of `buf`, up to and
/// including the first with the S bit.
fn stack_depth(buf: &[u8]) -> Result<usize, Error> {
    for (i, entry) in buf.chunks_exact(HEADER_LEN).enumerate() {
        if entry[2] & 0x01 != 0 {
            return Ok(i + 1);
        }
    }
    // No bottom entry: one more entry was needed after the whole ones.
    let whole = buf.len() / HEADER_LEN * HEADER_LEN;
    Err(Error::truncated(Layer::Mpls, whole + HEADER_LEN, buf.len()))
}

impl<B: AsRef<[u8]>> MplsStack<B> {
    /// Walks the stack at the start of `buf` to its bottom entry.
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// [`Error::Truncated`] (layer Mpls) when the buffer ends before an
    /// entry with the S bit: `needed` is the length up to the end of the
    /// entry that was cut off or missing.
    pub fn new(buf: B) -> Result<Self, Error> {
        let depth = stack_depth(buf.as_ref())?;
        Ok(MplsStack { buf, depth })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> B {
        self.buf
    }

    /// The whole buffer the view was made from.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.as_ref()
    }

    /// The number of entries, at least 1.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Length of the stack, in octets: `4 * depth()`.
    pub fn header_len(&self) -> usize {
        self.depth * HEADER_LEN
    }

    /// The stack's bytes.
    pub fn header(&self) -> &[u8] {
        &self.buf.as_ref()[..self.header_len()]
    }

    /// The entry at `index` (0 is the top), or `None` past the bottom.
    pub fn entry(&self, index: usize) -> Option<MplsRef<'_>> {
        (index < self.depth).then(|| Mpls::new_unchecked(&self.buf.as_ref()[index * HEADER_LEN..]))
    }

    /// The top entry, the one a label switching router acts on.
    pub fn top(&self) -> MplsRef<'_> {
        Mpls::new_unchecked(self.buf.as_ref())
    }

    /// The bottom entry, the one with the S bit.
    pub fn bottom(&self) -> MplsRef<'_> {
        Mpls::new_unchecked(&self.buf.as_ref()[self.header_len() - HEADER_LEN..])
    }

    /// The entries from top to bottom.
    pub fn entries(&self) -> MplsEntries<'_> {
        MplsEntries {
            rest: self.buf.as_ref(),
            left: self.depth,
        }
    }

    /// The payload after the bottom entry, up to the end of the buffer.
    pub fn payload(&self) -> &[u8] {
        &self.buf.as_ref()[self.header_len()..]
    }
}

impl<'a> MplsStack<&'a [u8]> {
    /// The payload after the stack, borrowed for the buffer's lifetime
    /// rather than the view's.
    pub fn into_payload(self) -> &'a [u8] {
        &self.buf[self.depth * HEADER_LEN..]
    }
}

impl<'a> MplsStack<&'a mut [u8]> {
    /// The payload after the stack, mutably borrowed for the buffer's
    /// lifetime.
    pub fn into_payload(self) -> &'a mut [u8] {
        &mut self.buf[self.depth * HEADER_LEN..]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> MplsStack<B> {
    /// The entry at `index`, writable (0 is the top), or `None` past the
    /// bottom. Its setters' deltas are seen from that entry's start, 4
    /// octets per entry below the top: an even offset, so they apply to
    /// an outer checksum as they are. (Changing an S bit through it
    /// changes where the stack ends; this view keeps the depth it found,
    /// and a new one finds the new depth.)
    pub fn entry_mut(&mut self, index: usize) -> Option<MplsMut<'_>> {
        (index < self.depth)
            .then(|| Mpls::new_unchecked(&mut self.buf.as_mut()[index * HEADER_LEN..]))
    }

    /// The payload after the stack, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let at = self.header_len();
        &mut self.buf.as_mut()[at..]
    }
}

/// Iterator over the entries of an [`MplsStack`], top first. Each entry's
/// view runs to the end of the buffer, as [`MplsStack::entry`]'s does.
#[derive(Debug, Clone)]
pub struct MplsEntries<'a> {
    rest: &'a [u8],
    left: usize,
}

impl<'a> Iterator for MplsEntries<'a> {
    type Item = MplsRef<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 || self.rest.len() < HEADER_LEN {
            return None;
        }
        let entry = Mpls::new_unchecked(self.rest);
        self.rest = &self.rest[HEADER_LEN..];
        self.left -= 1;
        Some(entry)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for MplsEntries<'_> {}
impl FusedIterator for MplsEntries<'_> {}

/// The field values of a label stack entry, to write a fresh one with
/// [`emit`](Self::emit) or [`push`].
///
/// ```
/// use wireview::mpls::{Label, Mpls, MplsHeader, TrafficClass};
///
/// let h = MplsHeader {
///     label: Label::new(16006).unwrap(),
///     traffic_class: TrafficClass::new(5).unwrap(),
///     bottom_of_stack: true,
///     ttl: 255,
/// };
/// let mut buf = [0u8; 4];
/// assert_eq!(h.emit(&mut buf)?, 4);
/// assert_eq!(buf, [0x03, 0xe8, 0x6b, 0xff]);
/// assert_eq!(Mpls::new(&buf[..])?.to_header(), h);
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MplsHeader {
    /// The label.
    pub label: Label,
    /// The traffic class.
    pub traffic_class: TrafficClass,
    /// The S bit: the last entry of the stack.
    pub bottom_of_stack: bool,
    /// The time to live.
    pub ttl: u8,
}

impl MplsHeader {
    /// The fields of a whole 32-bit entry.
    pub const fn from_entry(entry: u32) -> MplsHeader {
        MplsHeader {
            label: Label::from_entry(entry),
            traffic_class: TrafficClass(((entry >> TC_SHIFT) & 7) as u8),
            bottom_of_stack: entry & S_BIT != 0,
            ttl: entry as u8,
        }
    }

    /// The entry as a 32-bit word.
    pub const fn entry(&self) -> u32 {
        (self.label.0 << LABEL_SHIFT)
            | ((self.traffic_class.0 as u32) << TC_SHIFT)
            | if self.bottom_of_stack { S_BIT } else { 0 }
            | self.ttl as u32
    }

    /// Writes the 4-byte entry at the start of `buf` and returns its
    /// length.
    ///
    /// # Errors
    /// [`Error::NoRoom`] when `buf` is shorter than 4 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        if buf.len() < HEADER_LEN {
            return Err(Error::NoRoom {
                layer: Layer::Mpls,
                needed: HEADER_LEN,
                available: buf.len(),
            });
        }
        field::set_u32(buf, 0, self.entry());
        Ok(HEADER_LEN)
    }
}

/// Writes the label stack `entries` (top first) at the start of `buf` and
/// returns its length, `4 * entries.len()`. The S bit is set on the last
/// entry and cleared on the others, whatever their `bottom_of_stack`
/// says.
///
/// ```
/// use wireview::mpls::{self, Label, MplsHeader, MplsStack};
///
/// let top = MplsHeader { label: Label::new(100).unwrap(), ttl: 64, ..MplsHeader::default() };
/// let bottom = MplsHeader { label: Label::new(200).unwrap(), ..top };
/// let mut buf = [0u8; 8];
/// assert_eq!(mpls::emit_stack(&[top, bottom], &mut buf)?, 8);
/// assert_eq!(buf, [0x00, 0x06, 0x40, 0x40, 0x00, 0x0c, 0x81, 0x40]);
/// assert_eq!(MplsStack::new(&buf[..])?.depth(), 2);
/// # Ok::<(), wireview::Error>(())
/// ```
///
/// # Errors
/// [`Error::BadValue`] (field `"label stack"`) when `entries` is empty;
/// [`Error::NoRoom`] when `buf` is shorter than the stack. `buf` is left
/// unchanged on error.
pub fn emit_stack(entries: &[MplsHeader], buf: &mut [u8]) -> Result<usize, Error> {
    if entries.is_empty() {
        return Err(Error::BadValue {
            layer: Layer::Mpls,
            field: "label stack",
        });
    }
    let len = entries.len().saturating_mul(HEADER_LEN);
    if buf.len() < len {
        return Err(Error::NoRoom {
            layer: Layer::Mpls,
            needed: len,
            available: buf.len(),
        });
    }
    for (i, (e, out)) in entries
        .iter()
        .zip(buf.chunks_exact_mut(HEADER_LEN))
        .enumerate()
    {
        let h = MplsHeader {
            bottom_of_stack: i + 1 == entries.len(),
            ..*e
        };
        h.emit(out)?;
    }
    Ok(len)
}

/// Pushes the entry `entry` in front of the packet at `buf[start..]` (an
/// MPLS stack or, with `entry.bottom_of_stack` set, the payload of a new
/// stack), writing it into the 4 bytes of headroom before `start`, and
/// returns the packet's new start, `start - 4`. Nothing else moves.
///
/// ```
/// use wireview::mpls::{self, Label, MplsHeader, MplsStack};
///
/// let mut buf = [0u8; 8 + 2];
/// buf[8..].copy_from_slice(&[0x45, 0x00]); // an IPv4 packet at 8
/// let bottom = MplsHeader { label: Label::new(200).unwrap(), bottom_of_stack: true, ttl: 64, ..MplsHeader::default() };
/// let start = mpls::push(&mut buf, 8, bottom)?;
/// let top = MplsHeader { label: Label::new(100).unwrap(), bottom_of_stack: false, ..bottom };
/// let start = mpls::push(&mut buf, start, top)?;
/// assert_eq!(start, 0);
/// let stack = MplsStack::new(&buf[start..])?;
/// assert_eq!((stack.depth(), stack.top().label().value()), (2, 100));
///
/// let (start, popped) = mpls::pop(&buf, start)?;
/// assert_eq!((start, popped.label.value()), (4, 100));
/// # Ok::<(), wireview::Error>(())
/// ```
///
/// # Errors
/// [`Error::NoRoom`] when `start < 4`; [`Error::OutOfRange`] when `start`
/// is past the end of `buf`. `buf` is left unchanged on error.
pub fn push(buf: &mut [u8], start: usize, entry: MplsHeader) -> Result<usize, Error> {
    if start > buf.len() {
        return Err(Error::OutOfRange {
            start,
            end: start,
            len: buf.len(),
        });
    }
    let new_start = start.checked_sub(HEADER_LEN).ok_or(Error::NoRoom {
        layer: Layer::Mpls,
        needed: HEADER_LEN,
        available: start,
    })?;
    entry.emit(&mut buf[new_start..start])?;
    Ok(new_start)
}

/// Pops the top entry of the stack at `buf[start..]`: returns the new
/// start, `start + 4`, and the entry that was removed (its S bit says
/// whether the stack is now empty and the payload begins). Nothing moves;
/// the 4 bytes before the new start become headroom.
///
/// # Errors
/// [`Error::Truncated`] when fewer than 4 bytes follow `start`.
pub fn pop(buf: &[u8], start: usize) -> Result<(usize, MplsHeader), Error> {
    let rest = buf.get(start..).unwrap_or_default();
    let top = Mpls::new(rest)?;
    Ok((start + HEADER_LEN, top.to_header()))
}

/// Swaps the label of the top entry of the stack at `buf[start..]` for
/// `label`, in place, keeping its TC, S and TTL. Returns the old label and
/// the change for an outer checksum.
///
/// ```
/// use wireview::mpls::{self, Label};
///
/// let mut buf = [0x00, 0x06, 0x41, 0x40];
/// let (old, _delta) = mpls::swap(&mut buf, 0, Label::new(300).unwrap())?;
/// assert_eq!(old.value(), 100);
/// assert_eq!(buf, [0x00, 0x12, 0xc1, 0x40]);
/// # Ok::<(), wireview::Error>(())
/// ```
///
/// # Errors
/// [`Error::Truncated`] when fewer than 4 bytes follow `start`.
#[must_use = "apply the returned Delta to the outer UDP or GRE checksum that covers the label stack (if there is one), or it is left wrong"]
pub fn swap(buf: &mut [u8], start: usize, label: Label) -> Result<(Label, Delta), Error> {
    let available = buf.len().saturating_sub(start);
    if available < HEADER_LEN {
        return Err(Error::truncated(Layer::Mpls, HEADER_LEN, available));
    }
    let mut top = Mpls::new_unchecked(&mut buf[start..]);
    let old = top.label();
    Ok((old, top.set_label(label)))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::string::ToString;
    use std::vec::Vec;

    /// The start of the frame of tcpdump's `tok2str-oobr-2.pcap` (130
    /// bytes; the rest is an LDP message that crashed an old tcpdump):
    /// Ethernet with EtherType 0x8847, one entry, then IPv4.
    const ETH_MPLS: [u8; 22] = [
        0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, // MACs
        0x88, 0x47, // EtherType MPLS unicast
        0x03, 0xe8, 0x61, 0xff, // label 16006, TC 0, S, TTL 255
        0x46, 0x00, 0x00, 0x70, // IPv4, IHL 6 (one option word), total length 112
    ];

    /// tcpdump's `mpls-over-udp.pcap`, first frame (130 bytes): MPLS over
    /// UDP (RFC 7510) from 10.100.12.170 to 10.100.13.157, one entry, then
    /// an ICMP echo request from 10.3.0.10 to 10.1.0.10.
    pub(crate) const MPLS_UDP_FRAME: [u8; 130] = [
        0x52, 0x9a, 0x00, 0xc8, 0x4f, 0x88, 0x52, 0x9a, 0x00, 0x82, 0x5c, 0x62, // MACs
        0x08, 0x00, // IPv4
        0x45, 0x00, 0x00, 0x74, 0x67, 0x6f, 0x00, 0x00, 0x40, 0x11, 0xe3, 0xfb, // IPv4, UDP
        0x0a, 0x64, 0x0c, 0xaa, 0x0a, 0x64, 0x0d, 0x9d, // 10.100.12.170 -> 10.100.13.157
        0xe5, 0x4b, 0x19, 0xeb, 0x00, 0x60, 0x00, 0x00, // UDP 58699 -> 6635, len 96, csum 0
        0x00, 0x01, 0x51, 0x3f, // label 21, TC 0, S, TTL 63
        0x45, 0x00, 0x00, 0x54, 0x67, 0x6f, 0x40, 0x00, 0x3f, 0x01, 0xc0, 0x22, // IPv4, ICMP
        0x0a, 0x03, 0x00, 0x0a, 0x0a, 0x01, 0x00, 0x0a, // 10.3.0.10 -> 10.1.0.10
        0x08, 0x00, 0x76, 0x43, 0xa6, 0xeb, 0x00, 0x10, // echo request
        0x94, 0x07, 0x3f, 0x5e, 0x00, 0x00, 0x00, 0x00, 0x45, 0x88, 0x03, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
        0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c,
        0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
    ];
    const MPLS_UDP_AT: usize = 42;

    /// tcpdump's `mpls-label-heapoverflow.pcap` (22 bytes, crafted): an
    /// MPLS multicast frame with a two-entry stack and nothing after it.
    const TWO_ENTRIES: [u8; 22] = [
        0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, // MACs
        0x88, 0x48, // EtherType MPLS multicast
        0x30, 0x30, 0x30, 0x30, // label 0x30303, TC 0, not bottom, TTL 48
        0x30, 0x30, 0xbb, 0x30, // label 0x3030b, TC 5, bottom, TTL 48
    ];

    #[test]
    fn ethernet_capture_fields() {
        let m = Mpls::new(&ETH_MPLS[14..]).unwrap();
        assert_eq!(m.entry(), 0x03e8_61ff);
        assert_eq!(m.label(), Label::new(16006).unwrap());
        assert_eq!(m.traffic_class().value(), 0);
        assert!(m.bottom_of_stack());
        assert_eq!(m.ttl(), 255);
        assert_eq!(m.header(), &ETH_MPLS[14..18]);
        let stack = MplsStack::new(&ETH_MPLS[14..]).unwrap();
        assert_eq!((stack.depth(), stack.header_len()), (1, 4));
        assert_eq!(stack.top(), stack.bottom());
        assert_eq!(stack.into_payload()[0] >> 4, 4);
        // etherparse reads the Ethernet header and stops at 0x8847.
        let e = etherparse::SlicedPacket::from_ethernet(&ETH_MPLS).unwrap();
        let Some(etherparse::LinkSlice::Ethernet2(eth)) = e.link else {
            panic!("not Ethernet")
        };
        assert_eq!(eth.ether_type(), etherparse::EtherType(0x8847));
        assert_eq!(eth.payload_slice(), &ETH_MPLS[14..]);
    }

    #[test]
    fn mpls_over_udp_capture() {
        let udp = crate::udp::Udp::new(&MPLS_UDP_FRAME[34..]).unwrap();
        assert_eq!(udp.dst_port(), UDP_PORT);
        let stack = MplsStack::new(udp.payload()).unwrap();
        assert_eq!(stack.depth(), 1);
        let e = stack.top();
        assert_eq!(
            e.to_header(),
            MplsHeader {
                label: Label::new(21).unwrap(),
                traffic_class: TrafficClass::new(0).unwrap(),
                bottom_of_stack: true,
                ttl: 63
            }
        );
        // The payload is an IPv4 packet etherparse reads as ICMP.
        let ip = etherparse::SlicedPacket::from_ip(stack.payload()).unwrap();
        let Some(etherparse::NetSlice::Ipv4(v4)) = ip.net else {
            panic!("not IPv4")
        };
        assert_eq!(v4.header().source(), [10, 3, 0, 10]);
        assert_eq!(v4.header().ttl(), 63);
        assert!(matches!(
            ip.transport,
            Some(etherparse::TransportSlice::Icmpv4(_))
        ));
        assert_eq!(stack.payload().len(), 84);
        assert_eq!(
            &MPLS_UDP_FRAME[MPLS_UDP_AT..MPLS_UDP_AT + 4],
            stack.header()
        );
    }

    #[test]
    fn two_entry_stack() {
        let stack = MplsStack::new(&TWO_ENTRIES[14..]).unwrap();
        assert_eq!(stack.depth(), 2);
        let hs: Vec<_> = stack.entries().map(|e| e.to_header()).collect();
        assert_eq!(
            hs,
            [
                MplsHeader {
                    label: Label::new(0x30303).unwrap(),
                    traffic_class: TrafficClass(0),
                    bottom_of_stack: false,
                    ttl: 0x30
                },
                MplsHeader {
                    label: Label::new(0x3030b).unwrap(),
                    traffic_class: TrafficClass(5),
                    bottom_of_stack: true,
                    ttl: 0x30
                }
            ]
        );
        assert_eq!(stack.entry(1), Some(stack.bottom()));
        assert_eq!(stack.entries().nth(1), stack.entry(1));
        assert_eq!(stack.entries().next(), Some(stack.top()));
        assert_eq!(stack.entry(2), None);
        assert!(stack.payload().is_empty());
        assert_eq!(stack.entries().len(), 2);
    }

    #[test]
    fn every_truncated_length_is_reported_exactly() {
        let s = &TWO_ENTRIES[14..];
        for len in 0..8 {
            let needed = if len < 4 { 4 } else { 8 };
            assert_eq!(
                MplsStack::new(&s[..len]),
                Err(Error::Truncated {
                    layer: Layer::Mpls,
                    needed,
                    available: len
                })
            );
        }
        for len in 0..4 {
            assert_eq!(
                Mpls::new(&s[..len]),
                Err(Error::truncated(Layer::Mpls, 4, len))
            );
        }
        assert!(MplsStack::new(&s[..8]).is_ok());
    }

    #[test]
    fn stacks_without_a_bottom_entry() {
        // Entries without the S bit up to the buffer's end, for every
        // length up to 64 entries and a few odd tails: the walk stops at
        // the end of the buffer with the exact length it needed.
        for len in 0..260 {
            let buf = std::vec![0u8; len];
            assert_eq!(
                MplsStack::new(&buf[..]),
                Err(Error::truncated(Layer::Mpls, len / 4 * 4 + 4, len))
            );
        }
        // An S bit in the cut-off tail does not count.
        let buf = [0, 0, 0, 0, 0, 0, 1];
        assert_eq!(
            MplsStack::new(&buf[..]),
            Err(Error::truncated(Layer::Mpls, 8, 7))
        );
    }

    #[test]
    fn data_plane_operations() {
        // PHP-style: swap at the ingress, then pop at the penultimate hop.
        let mut buf = [0u8; 8 + 20];
        buf[8] = 0x45;
        let inner = MplsHeader {
            label: Label::new(16).unwrap(),
            bottom_of_stack: true,
            ttl: 2,
            ..MplsHeader::default()
        };
        let start = push(&mut buf, 8, inner).unwrap();
        let outer = MplsHeader {
            label: Label::new(1000).unwrap(),
            bottom_of_stack: false,
            ttl: 64,
            ..MplsHeader::default()
        };
        let start = push(&mut buf, start, outer).unwrap();
        assert_eq!(start, 0);
        assert_eq!(buf[..8], [0x00, 0x3e, 0x80, 0x40, 0x00, 0x01, 0x01, 0x02]);
        assert_eq!(
            push(&mut buf, 3, outer),
            Err(Error::NoRoom {
                layer: Layer::Mpls,
                needed: 4,
                available: 3
            })
        );
        assert_eq!(
            push(&mut buf, 29, outer),
            Err(Error::OutOfRange {
                start: 29,
                end: 29,
                len: 28
            })
        );
        let (old, _) = swap(&mut buf, 0, Label::new(2000).unwrap()).unwrap();
        assert_eq!(old.value(), 1000);
        assert_eq!(buf[..4], [0x00, 0x7d, 0x00, 0x40]);
        let (start, popped) = pop(&buf, 0).unwrap();
        assert_eq!((start, popped.label.value(), popped.ttl), (4, 2000, 64));
        let mut stack = MplsStack::new(&mut buf[start..]).unwrap();
        assert_eq!(stack.depth(), 1);
        let mut e = stack.entry_mut(0).unwrap();
        let (hop, delta) = e.decrement_ttl();
        assert_eq!(hop, Hop::Forward(1));
        assert_eq!(delta, Delta::replace_bytes(3, &[2], &[1]));
        assert_eq!(e.ttl(), 1);
        // Expired: left unchanged, reported as such, no change to carry.
        assert_eq!(e.decrement_ttl(), (Hop::Expired, Delta::NONE));
        assert_eq!(e.ttl(), 1);
        let _ = e.set_ttl(0);
        assert_eq!(e.decrement_ttl(), (Hop::Expired, Delta::NONE));
        assert_eq!(e.ttl(), 0);
        assert!(stack.entry_mut(1).is_none());
        stack.payload_mut()[0] = 0x46;
        assert_eq!(buf[8], 0x46);
        // pop and swap past the end.
        assert_eq!(pop(&buf, 26), Err(Error::truncated(Layer::Mpls, 4, 2)));
        assert_eq!(pop(&buf, 99), Err(Error::truncated(Layer::Mpls, 4, 0)));
        assert_eq!(
            swap(&mut buf, 25, Label::default()),
            Err(Error::truncated(Layer::Mpls, 4, 3))
        );
        assert_eq!(
            swap(&mut buf, 99, Label::default()),
            Err(Error::truncated(Layer::Mpls, 4, 0))
        );
        assert_eq!(
            emit_stack(&[], &mut buf),
            Err(Error::BadValue {
                layer: Layer::Mpls,
                field: "label stack"
            })
        );
        assert!(matches!(
            emit_stack(&[outer, outer], &mut buf[..7]),
            Err(Error::NoRoom { needed: 8, .. })
        ));
    }

    #[test]
    fn constants_agree_with_etherparse() {
        assert_eq!(
            crate::ip::IpProtocol::MPLS_IN_IP.0,
            etherparse::IpNumber::MPLS_IN_IP.0
        );
    }

    #[test]
    fn reserved_labels() {
        assert_eq!(Label::IPV4_EXPLICIT_NULL.value(), 0);
        assert_eq!(Label::ROUTER_ALERT.value(), 1);
        assert_eq!(Label::IPV6_EXPLICIT_NULL.value(), 2);
        assert_eq!(Label::IMPLICIT_NULL.value(), 3);
        assert_eq!(Label::ENTROPY_LABEL_INDICATOR.value(), 7);
        assert_eq!(Label::EXTENSION.value(), 15);
        assert!(Label::EXTENSION.is_reserved());
        assert!(!Label::new(16).unwrap().is_reserved());
        assert_eq!(Label::new(16006).unwrap().to_string(), "16006");
    }

    fn arb_header() -> impl Strategy<Value = MplsHeader> {
        (0u32..=Label::MAX, 0u8..=7, any::<bool>(), any::<u8>()).prop_map(|(l, tc, s, ttl)| {
            MplsHeader {
                label: Label(l),
                traffic_class: TrafficClass(tc),
                bottom_of_stack: s,
                ttl,
            }
        })
    }

    proptest! {
        #[test]
        fn emit_then_parse_round_trips(h in arb_header(), rest: [u8; 4]) {
            let mut buf = [0u8; 8];
            buf[4..].copy_from_slice(&rest);
            prop_assert_eq!(h.emit(&mut buf), Ok(4));
            let m = Mpls::new(&buf[..]).unwrap();
            prop_assert_eq!(m.to_header(), h);
            prop_assert_eq!(MplsHeader::from_entry(h.entry()), h);
            prop_assert_eq!(m.payload(), &rest[..]);
        }

        #[test]
        fn stacks_round_trip(hs in proptest::collection::vec(arb_header(), 1..12), tail: [u8; 3]) {
            let mut buf = std::vec![0u8; hs.len() * 4 + 3];
            prop_assert_eq!(emit_stack(&hs, &mut buf), Ok(hs.len() * 4));
            let n = buf.len();
            buf[n - 3..].copy_from_slice(&tail);
            let stack = MplsStack::new(&buf[..]).unwrap();
            prop_assert_eq!(stack.depth(), hs.len());
            for (e, h) in stack.entries().zip(&hs) {
                prop_assert_eq!((e.label(), e.traffic_class(), e.ttl()), (h.label, h.traffic_class, h.ttl));
            }
            prop_assert!(stack.bottom().bottom_of_stack());
            prop_assert_eq!(stack.payload(), &tail[..]);
        }

        #[test]
        fn any_bytes_never_panic(p in proptest::collection::vec(any::<u8>(), 0..64)) {
            match MplsStack::new(&p[..]) {
                Ok(s) => {
                    prop_assert!(s.header_len() <= p.len());
                    prop_assert_eq!(s.entries().filter(Mpls::bottom_of_stack).count(), 1);
                    prop_assert!(s.bottom().bottom_of_stack());
                }
                Err(Error::Truncated { needed, available, .. }) => {
                    prop_assert!(needed > available);
                    prop_assert_eq!(available, p.len());
                }
                Err(e) => prop_assert!(false, "unexpected {e:?}"),
            }
        }

        /// The returned deltas keep an outer UDP checksum right.
        #[test]
        fn deltas_keep_the_outer_udp_checksum(
            p: [u8; 12], ops in proptest::collection::vec((0u8..6, any::<u32>(), 0usize..3), 1..10),
        ) {
            let mut dgram = [0u8; 20];
            dgram[..2].copy_from_slice(&[0x30, 0x39]);
            dgram[2..4].copy_from_slice(&UDP_PORT.to_be_bytes());
            dgram[4..6].copy_from_slice(&20u16.to_be_bytes());
            dgram[8..].copy_from_slice(&p);
            dgram[18] |= 1; // a bottom entry by the third at the latest
            let c = checksum::internet_checksum(&dgram);
            dgram[6..8].copy_from_slice(&c.to_be_bytes());
            for (which, v, i) in ops {
                let mut stack = MplsStack::new(&mut dgram[8..]).unwrap();
                let Some(mut e) = stack.entry_mut(i) else { continue };
                let d = match which {
                    0 => e.set_label(Label(v & Label::MAX)),
                    1 => e.set_traffic_class(TrafficClass(v as u8 & 7)),
                    2 => e.set_ttl(v as u8),
                    3 => e.decrement_ttl().1,
                    4 => e.set_entry(v | S_BIT),
                    _ => e.set_bottom_of_stack(true),
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
