//! IEEE 802.1Q VLAN tags (C-tags) and IEEE 802.1ad service tags (S-tags,
//! "QinQ") ([IEEE 802.1Q clause 9]).
//!
//! A tag is four bytes inserted after the source MAC address: a TPID
//! ([`EtherType::VLAN`] 0x8100 for a C-tag, [`EtherType::QINQ`] 0x88A8 for
//! an S-tag, [`EtherType::VLAN_DOUBLE`] 0x9100 on older switches) in the
//! place of the EtherType, then the tag control information (TCI). The
//! frame's real EtherType follows the TCI. [`VlanTag`] is a view over the
//! TCI and that EtherType, the four bytes after the TPID, as etherparse's
//! `SingleVlanHeader` is:
//!
//! ```text
//! | dst MAC (6) | src MAC (6) | TPID (2) | TCI (2) | EtherType (2) | payload ...
//!                                        |<----- VlanTag ------->|
//!
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | PCP |D|          VID          |           EtherType           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!  PCP: priority code point, D: drop eligible indicator (DEI),
//!  VID: VLAN identifier
//! ```
//!
//! Stacked tags walk naturally: when a tag's [`ethertype`](VlanTag::ethertype)
//! is itself a TPID ([`EtherType::is_vlan_tpid`]), its payload starts with
//! the next tag. A QinQ frame reads `... 88a8 <S-TCI> 8100 <C-TCI> <type>`:
//! the outer (S-)tag's view holds the S-TCI and the C-tag's TPID, the inner
//! (C-)tag's view the C-TCI and the frame's real EtherType. See the example
//! on [`VlanTag`].
//!
//! [`push_tag`] and [`pop_tag`] insert or remove the outermost tag of a
//! frame in place, moving only the 12 MAC address bytes into headroom
//! before the frame, as Linux's `skb_vlan_push` and an XDP program with
//! `bpf_xdp_adjust_head` do.
//!
//! [IEEE 802.1Q clause 9]: https://standards.ieee.org/ieee/802.1Q/10323/

use core::fmt;

use crate::error::{Error, Layer};
use crate::ethernet::{self, EtherType};
use crate::field;

/// Byte offsets of the tag's fields, from the byte after the TPID.
pub(crate) mod field_at {
    pub const TCI: usize = 0;
    pub const ETHERTYPE: usize = 2;
}
use field_at as f;

/// Length of the part of a tag a [`VlanTag`] views (TCI and EtherType), in
/// octets; also the number of octets a tag adds to a frame.
pub const HEADER_LEN: usize = 4;

const PCP_SHIFT: u16 = 13;
const DEI_BIT: u16 = 0x1000;
const VID_MASK: u16 = 0x0FFF;

/// Offset of the TPID (the EtherType field) in an Ethernet frame.
const TPID_AT: usize = 12;
/// Bytes a frame needs for [`pop_tag`]: the MAC addresses, TPID, TCI and
/// inner EtherType.
const TAGGED_LEN: usize = ethernet::HEADER_LEN + HEADER_LEN;

/// A priority code point ([IEEE 802.1Q clause 6.9.3]): the 3-bit priority
/// of a tagged frame, `0..=7` (0 is best effort, 1 background, 7 the highest).
///
/// ```
/// use wireview::Pcp;
/// assert_eq!(Pcp::new(7).map(Pcp::value), Some(7));
/// assert_eq!(Pcp::new(8), None);
/// ```
///
/// [IEEE 802.1Q clause 6.9.3]: https://standards.ieee.org/ieee/802.1Q/10323/
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pcp(u8);

impl Pcp {
    /// The largest priority, 7.
    pub const MAX: u8 = 7;

    /// The priority `value`, or `None` when it does not fit in three bits.
    pub const fn new(value: u8) -> Option<Pcp> {
        if value <= Self::MAX {
            Some(Pcp(value))
        } else {
            None
        }
    }

    /// The priority of a TCI (its upper three bits).
    pub const fn from_tci(tci: u16) -> Pcp {
        Pcp((tci >> PCP_SHIFT) as u8)
    }

    /// The priority, `0..=7`.
    pub const fn value(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Pcp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A VLAN identifier ([IEEE 802.1Q clause 9.6]): 12 bits, `0..=4095`.
/// VID 0 ([`Vid::NULL`]) marks a priority-tagged frame that belongs to no
/// VLAN; 4095 is reserved.
///
/// ```
/// use wireview::Vid;
/// assert_eq!(Vid::new(100).map(Vid::value), Some(100));
/// assert_eq!(Vid::new(4096), None);
/// ```
///
/// [IEEE 802.1Q clause 9.6]: https://standards.ieee.org/ieee/802.1Q/10323/
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Vid(u16);

impl Vid {
    /// The largest identifier, 4095 (reserved by IEEE 802.1Q).
    pub const MAX: u16 = 4095;
    /// The null VID, 0: the tag carries only a priority.
    pub const NULL: Vid = Vid(0);

    /// The identifier `value`, or `None` when it does not fit in 12 bits.
    pub const fn new(value: u16) -> Option<Vid> {
        if value <= Self::MAX {
            Some(Vid(value))
        } else {
            None
        }
    }

    /// The identifier of a TCI (its low 12 bits).
    pub const fn from_tci(tci: u16) -> Vid {
        Vid(tci & VID_MASK)
    }

    /// The identifier, `0..=4095`.
    pub const fn value(self) -> u16 {
        self.0
    }
}

impl fmt::Display for Vid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The tag control information made of its three fields, as
/// [`VlanTag::set_tci`] takes it (and [`VlanHeader::tci`] gives it).
///
/// ```
/// use wireview::{vlan, Pcp, Vid};
/// let tci = vlan::tci(Pcp::new(7).unwrap(), false, Vid::new(11).unwrap());
/// assert_eq!(tci, 0xe00b);
/// ```
pub const fn tci(pcp: Pcp, dei: bool, vid: Vid) -> u16 {
    ((pcp.0 as u16) << PCP_SHIFT) | if dei { DEI_BIT } else { 0 } | vid.0
}

/// A zero-copy view of a VLAN tag's TCI and the EtherType after it (the
/// four bytes after a TPID), and the payload that follows.
///
/// Read-only over `&[u8]` ([`VlanTagRef`]), writable over `&mut [u8]`
/// ([`VlanTagMut`]) or any `AsRef<[u8]> + AsMut<[u8]>` buffer.
/// [`VlanTag::new`] checks that the four bytes are present; after it no
/// getter or setter can panic. Tags have no checksum.
///
/// Walking a QinQ frame (the first frame of tcpdump's
/// `802.1ad_QinQ.pcap`, an ARP request in S-VLAN 200, C-VLAN 2001):
///
/// ```
/// use wireview::{EtherType, Ethernet, VlanTag, VlanTagMut, Vid};
///
/// let mut frame = [
///     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f, // dst, src
///     0x88, 0xa8, 0x00, 0xc8, // S-tag: TPID 0x88a8, VID 200
///     0x81, 0x00, 0x07, 0xd1, // C-tag: TPID 0x8100, VID 2001
///     0x08, 0x06, // EtherType ARP
///     0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, // ARP request ...
/// ];
/// let eth = Ethernet::new(&frame[..])?;
/// assert_eq!(eth.ethertype(), EtherType::QINQ);
/// let outer = VlanTag::new(eth.into_payload())?;
/// assert_eq!((outer.vid().value(), outer.ethertype()), (200, EtherType::VLAN));
/// let inner = VlanTag::new(outer.into_payload())?;
/// assert_eq!((inner.vid().value(), inner.ethertype()), (2001, EtherType::ARP));
/// assert_eq!(inner.payload().len(), 8);
///
/// // Move the frame to C-VLAN 42.
/// let mut inner = VlanTagMut::new(&mut frame[18..])?;
/// inner.set_vid(Vid::new(42).unwrap());
/// assert_eq!(frame[18..20], [0x00, 0x2a]);
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VlanTag<B> {
    buf: B,
}

/// A read-only VLAN tag view.
pub type VlanTagRef<'a> = VlanTag<&'a [u8]>;
/// A writable VLAN tag view.
pub type VlanTagMut<'a> = VlanTag<&'a mut [u8]>;

impl<B: AsRef<[u8]>> VlanTag<B> {
    /// Checks that `buf` starts with a tag's TCI and EtherType (`buf` starts
    /// right after the TPID). Everything after them is the payload.
    ///
    /// `buf`'s [`AsRef`] (and [`AsMut`]) must keep returning the slice
    /// checked here, changed only through the view, or a getter may panic:
    /// see [the buffer contract](crate#buffers).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than 4 bytes.
    pub fn new(buf: B) -> Result<Self, Error> {
        field::need(Layer::Vlan, buf.as_ref(), HEADER_LEN)?;
        Ok(VlanTag { buf })
    }

    /// Wraps `buf` without any check, to write a fresh tag into it (see
    /// [`VlanHeader::emit`] for the usual way). Getters and setters panic
    /// on a buffer shorter than 4 bytes.
    pub const fn new_unchecked(buf: B) -> Self {
        VlanTag { buf }
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

    /// Length of the viewed part of the tag, always 4 octets.
    pub fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// The whole tag control information: PCP, DEI and VID.
    pub fn tci(&self) -> u16 {
        field::u16_at(self.b(), f::TCI)
    }

    /// Priority code point.
    pub fn pcp(&self) -> Pcp {
        Pcp::from_tci(self.tci())
    }

    /// Drop eligible indicator (the former CFI bit).
    pub fn dei(&self) -> bool {
        self.tci() & DEI_BIT != 0
    }

    /// VLAN identifier.
    pub fn vid(&self) -> Vid {
        Vid::from_tci(self.tci())
    }

    /// EtherType of the payload, or the TPID of the next tag when tags are
    /// stacked (see [`EtherType::is_vlan_tpid`]).
    pub fn ethertype(&self) -> EtherType {
        EtherType(field::u16_at(self.b(), f::ETHERTYPE))
    }

    /// The field values, as a builder that [`emit`](VlanHeader::emit)s
    /// the same four bytes.
    pub fn to_header(&self) -> VlanHeader {
        VlanHeader::from_tci(self.tci(), self.ethertype())
    }

    /// The 4 viewed bytes.
    pub fn header(&self) -> &[u8] {
        &self.b()[..HEADER_LEN]
    }

    /// The payload: everything after the EtherType up to the end of the buffer.
    pub fn payload(&self) -> &[u8] {
        &self.b()[HEADER_LEN..]
    }
}

impl<'a> VlanTag<&'a [u8]> {
    /// The payload, borrowed for the buffer's lifetime rather than the view's.
    pub fn into_payload(self) -> &'a [u8] {
        &self.buf[HEADER_LEN..]
    }
}

impl<'a> VlanTag<&'a mut [u8]> {
    /// The payload, mutably borrowed for the buffer's lifetime.
    pub fn into_payload(self) -> &'a mut [u8] {
        &mut self.buf[HEADER_LEN..]
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> VlanTag<B> {
    /// Sets the whole tag control information (build one with [`tci`]).
    pub fn set_tci(&mut self, tci: u16) {
        field::set_u16(self.buf.as_mut(), f::TCI, tci);
    }

    /// Sets the priority code point, keeping DEI and VID.
    pub fn set_pcp(&mut self, pcp: Pcp) {
        self.set_tci(tci(pcp, self.dei(), self.vid()));
    }

    /// Sets or clears the drop eligible indicator, keeping PCP and VID.
    pub fn set_dei(&mut self, dei: bool) {
        self.set_tci(tci(self.pcp(), dei, self.vid()));
    }

    /// Sets the VLAN identifier, keeping PCP and DEI.
    pub fn set_vid(&mut self, vid: Vid) {
        self.set_tci(tci(self.pcp(), self.dei(), vid));
    }

    /// Sets the EtherType after the TCI.
    pub fn set_ethertype(&mut self, ethertype: EtherType) {
        field::set_u16(self.buf.as_mut(), f::ETHERTYPE, ethertype.0);
    }

    /// The payload, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buf.as_mut()[HEADER_LEN..]
    }
}

/// The field values of a VLAN tag's TCI and the EtherType after it, to
/// write a fresh one with [`emit`](Self::emit) (the TPID before it is the
/// EtherType of the header in front: [`EthernetHeader`](crate::EthernetHeader)
/// or an outer tag). [`pop_tag`] returns the tag it removes as one, and
/// [`push_tag`] takes one.
///
/// ```
/// use wireview::{EtherType, Pcp, Vid, VlanHeader, VlanTag};
///
/// let hdr = VlanHeader {
///     pcp: Pcp::new(5).unwrap(),
///     dei: false,
///     vid: Vid::new(100).unwrap(),
///     ethertype: EtherType::IPV4,
/// };
/// let mut buf = [0u8; 4];
/// assert_eq!(hdr.emit(&mut buf)?, 4);
/// assert_eq!(buf, [0xa0, 0x64, 0x08, 0x00]);
/// assert_eq!(VlanTag::new(&buf[..])?.to_header(), hdr);
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VlanHeader {
    /// Priority code point.
    pub pcp: Pcp,
    /// Drop eligible indicator.
    pub dei: bool,
    /// VLAN identifier.
    pub vid: Vid,
    /// EtherType of the payload (or the TPID of an inner tag).
    pub ethertype: EtherType,
}

impl VlanHeader {
    /// The fields of a TCI, with the EtherType that follows it.
    pub const fn from_tci(tci: u16, ethertype: EtherType) -> VlanHeader {
        VlanHeader {
            pcp: Pcp::from_tci(tci),
            dei: tci & DEI_BIT != 0,
            vid: Vid::from_tci(tci),
            ethertype,
        }
    }

    /// The tag control information these fields make.
    pub const fn tci(&self) -> u16 {
        tci(self.pcp, self.dei, self.vid)
    }

    /// Writes the 4 bytes (TCI, EtherType) at the start of `buf` and
    /// returns their length.
    ///
    /// # Errors
    /// [`Error::NoRoom`] when `buf` is shorter than 4 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        if buf.len() < HEADER_LEN {
            return Err(Error::NoRoom {
                layer: Layer::Vlan,
                needed: HEADER_LEN,
                available: buf.len(),
            });
        }
        field::set_u16(buf, f::TCI, self.tci());
        field::set_u16(buf, f::ETHERTYPE, self.ethertype.0);
        Ok(HEADER_LEN)
    }
}

/// Bytes of the frame that starts at `start`: 0 when `start` is past the end.
fn frame_len(buf: &[u8], start: usize) -> usize {
    buf.len().saturating_sub(start)
}

/// Inserts a tag (`tpid`, then `tag`'s PCP, DEI and VID) after the MAC
/// addresses of the Ethernet frame `buf[start..]`, which becomes the new
/// outermost tag, and returns the frame's new start, `start - 4`. The
/// inverse of [`pop_tag`]: pushing back the tag it returned, with its TPID,
/// restores the frame.
///
/// The frame runs from `start` to the end of `buf`; the caller provides at
/// least 4 bytes of headroom before it (`start >= 4`), whose old contents
/// are overwritten. Only the 12 MAC address bytes move, 4 bytes towards the
/// front; the frame's EtherType stays where it is and becomes the new tag's
/// inner EtherType, and the payload is not touched. Nothing is allocated.
/// `tag.ethertype` must be that EtherType (as in the tag [`pop_tag`]
/// returns, or [`VlanHeader::from_tci`] with
/// [`Ethernet::ethertype`](crate::Ethernet::ethertype)), so that the new
/// tag reads back as `tag`. Any `tpid` is written as given:
/// [`EtherType::VLAN`] for a C-tag, [`EtherType::QINQ`] for an S-tag over
/// an existing C-tag.
///
/// # Errors
/// [`Error::Truncated`] (layer Ethernet) when the frame is shorter than 14
/// bytes; [`Error::BadValue`] (layer Vlan, field `"EtherType (not the
/// frame's)"`) when `tag.ethertype` is not the frame's EtherType;
/// [`Error::NoRoom`] (layer Vlan) when `start < 4`. `buf` is left
/// unchanged on error.
///
/// ```
/// use wireview::{vlan, EtherType, Ethernet, Pcp, Vid, VlanHeader, VlanTag};
///
/// let mut buf = [0u8; 4 + 14 + 2];
/// buf[4..].copy_from_slice(&[1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 0x08, 0x00, 0x45, 0x00]);
/// let tag = VlanHeader {
///     pcp: Pcp::new(3).unwrap(),
///     dei: false,
///     vid: Vid::new(10).unwrap(),
///     ethertype: Ethernet::new(&buf[4..])?.ethertype(), // IPv4, kept
/// };
/// let start = vlan::push_tag(&mut buf, 4, EtherType::VLAN, tag)?;
/// assert_eq!(start, 0);
/// let eth = Ethernet::new(&buf[start..])?;
/// assert_eq!(eth.ethertype(), EtherType::VLAN);
/// assert_eq!(VlanTag::new(eth.into_payload())?.to_header(), tag);
///
/// let (start, removed) = vlan::pop_tag(&mut buf, start)?;
/// assert_eq!((start, removed), (4, tag));
/// assert_eq!(buf[4..], [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 0x08, 0x00, 0x45, 0x00]);
/// # Ok::<(), wireview::Error>(())
/// ```
pub fn push_tag(
    buf: &mut [u8],
    start: usize,
    tpid: EtherType,
    tag: VlanHeader,
) -> Result<usize, Error> {
    let len = frame_len(buf, start);
    if len < ethernet::HEADER_LEN {
        return Err(Error::truncated(Layer::Ethernet, ethernet::HEADER_LEN, len));
    }
    if field::u16_at(buf, start + TPID_AT) != tag.ethertype.0 {
        return Err(Error::BadValue {
            layer: Layer::Vlan,
            field: "EtherType (not the frame's)",
        });
    }
    if start < HEADER_LEN {
        return Err(Error::NoRoom {
            layer: Layer::Vlan,
            needed: HEADER_LEN,
            available: start,
        });
    }
    let new_start = start - HEADER_LEN;
    buf.copy_within(start..start + TPID_AT, new_start);
    field::set_u16(buf, new_start + TPID_AT, tpid.0);
    field::set_u16(buf, new_start + TPID_AT + 2, tag.tci());
    Ok(new_start)
}

/// Removes the outermost tag of the Ethernet frame `buf[start..]` and
/// returns the frame's new start, `start + 4`, with the tag removed (its
/// TCI, and the EtherType that followed it and is now the frame's): what
/// [`push_tag`] takes to put it back.
///
/// The frame runs from `start` to the end of `buf`. Only the 12 MAC
/// address bytes move, 4 bytes towards the end, over the TPID and TCI; the
/// 4 bytes at `start..start + 4` become headroom and keep stale contents.
/// Nothing is allocated. The frame's EtherType must be a VLAN TPID
/// ([`EtherType::is_vlan_tpid`]); read it before the call to know which
/// kind of tag was removed.
///
/// # Errors
/// [`Error::Truncated`] (layer Ethernet) when the frame is shorter than 14
/// bytes; [`Error::BadValue`] (layer Vlan, field `"TPID"`) when its
/// EtherType is not a VLAN TPID; [`Error::Truncated`] (layer Vlan) when the
/// 4 bytes after the TPID are missing. `buf` is left unchanged on error.
pub fn pop_tag(buf: &mut [u8], start: usize) -> Result<(usize, VlanHeader), Error> {
    let len = frame_len(buf, start);
    if len < ethernet::HEADER_LEN {
        return Err(Error::truncated(Layer::Ethernet, ethernet::HEADER_LEN, len));
    }
    if !EtherType(field::u16_at(buf, start + TPID_AT)).is_vlan_tpid() {
        return Err(Error::BadValue {
            layer: Layer::Vlan,
            field: "TPID",
        });
    }
    if len < TAGGED_LEN {
        return Err(Error::truncated(
            Layer::Vlan,
            HEADER_LEN,
            len - ethernet::HEADER_LEN,
        ));
    }
    let tag = VlanTag::new_unchecked(&buf[start + ethernet::HEADER_LEN..]).to_header();
    let new_start = start + HEADER_LEN;
    buf.copy_within(start..start + TPID_AT, new_start);
    Ok((new_start, tag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arp::Arp;
    use crate::ethernet::Ethernet;
    use core::net::Ipv4Addr;
    use proptest::prelude::*;
    use std::vec::Vec;

    /// The first frame of tcpdump's `802.1ad_QinQ.pcap` (64 bytes): an ARP
    /// request in S-VLAN 200 / C-VLAN 2001, who has 172.21.79.100, tell
    /// 172.21.79.97.
    const QINQ_FRAME: [u8; 64] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // dst: broadcast
        0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f, // src: 00:20:d2:5a:fb:3f
        0x88, 0xa8, 0x00, 0xc8, // S-tag: TPID 0x88a8, PCP 0, DEI 0, VID 200
        0x81, 0x00, 0x07, 0xd1, // C-tag: TPID 0x8100, PCP 0, DEI 0, VID 2001
        0x08, 0x06, // EtherType ARP
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, // Ethernet/IPv4, request
        0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f, 0xac, 0x15, 0x4f, 0x61, // sha, spa 172.21.79.97
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xac, 0x15, 0x4f, 0x64, // tha, tpa 172.21.79.100
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // padding
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
    ];

    /// The start of tcpdump's `bfd_source_port_49152.pcap`: one C-tag with
    /// PCP 7 and VID 11 in front of an IPv4 header.
    const BFD_FRAME: [u8; 24] = [
        0xe4, 0x6d, 0x7f, 0x54, 0xb9, 0x08, // dst
        0x94, 0x43, 0x4d, 0xc0, 0x17, 0x85, // src
        0x81, 0x00, // TPID 802.1Q
        0xe0, 0x0b, // PCP 7, DEI 0, VID 11
        0x08, 0x00, // EtherType IPv4
        0x45, 0xe0, 0x00, 0x34, 0x9d, 0x41, // IPv4 ...
    ];

    #[test]
    fn qinq_frame_walks_both_tags() {
        let eth = Ethernet::new(&QINQ_FRAME[..]).unwrap();
        assert_eq!(eth.ethertype(), EtherType::QINQ);
        let outer = VlanTag::new(eth.into_payload()).unwrap();
        assert_eq!(outer.tci(), 0x00c8);
        assert_eq!(
            (outer.pcp(), outer.dei(), outer.vid()),
            (Pcp(0), false, Vid(200))
        );
        assert_eq!(outer.ethertype(), EtherType::VLAN);
        assert_eq!(outer.header(), &QINQ_FRAME[14..18]);
        let inner = VlanTag::new(outer.into_payload()).unwrap();
        assert_eq!(inner.tci(), 0x07d1);
        assert_eq!(inner.vid(), Vid(2001));
        assert_eq!(inner.ethertype(), EtherType::ARP);
        assert_eq!(inner.header_len(), 4);
        let arp = Arp::new(inner.into_payload()).unwrap();
        assert_eq!(arp.sender_ipv4(), Some(Ipv4Addr::new(172, 21, 79, 97)));
        assert_eq!(arp.target_ipv4(), Some(Ipv4Addr::new(172, 21, 79, 100)));
    }

    #[test]
    fn single_tag_with_priority() {
        let tag = VlanTag::new(&BFD_FRAME[14..]).unwrap();
        assert_eq!(tag.pcp(), Pcp::new(7).unwrap());
        assert!(!tag.dei());
        assert_eq!(tag.vid(), Vid::new(11).unwrap());
        assert_eq!(tag.ethertype(), EtherType::IPV4);
        assert_eq!(tag.payload(), &BFD_FRAME[18..]);
        assert_eq!(
            tag.to_header(),
            VlanHeader {
                pcp: Pcp(7),
                dei: false,
                vid: Vid(11),
                ethertype: EtherType::IPV4
            }
        );
        assert_eq!(tci(Pcp(7), false, Vid(11)), 0xe00b);
        assert_eq!(tci(Pcp(0), true, Vid(0)), 0x1000);
    }

    #[test]
    fn every_truncated_length_is_reported_exactly() {
        for len in 0..HEADER_LEN {
            assert_eq!(
                VlanTag::new(&BFD_FRAME[14..14 + len]),
                Err(Error::Truncated {
                    layer: Layer::Vlan,
                    needed: 4,
                    available: len
                })
            );
            let mut buf = [0u8; 4];
            assert_eq!(
                VlanHeader::default().emit(&mut buf[..len]),
                Err(Error::NoRoom {
                    layer: Layer::Vlan,
                    needed: 4,
                    available: len
                })
            );
        }
        assert!(VlanTag::new(&BFD_FRAME[14..18])
            .unwrap()
            .payload()
            .is_empty());
    }

    #[test]
    fn setters_keep_the_other_fields() {
        let mut frame = BFD_FRAME;
        let mut tag = VlanTagMut::new(&mut frame[14..]).unwrap();
        tag.set_dei(true);
        assert_eq!(tag.tci(), 0xf00b);
        tag.set_vid(Vid::new(4095).unwrap());
        assert_eq!(tag.tci(), 0xffff);
        tag.set_pcp(Pcp::new(1).unwrap());
        assert_eq!(tag.tci(), 0x3fff);
        tag.set_dei(false);
        assert_eq!(tag.tci(), 0x2fff);
        tag.set_ethertype(EtherType::IPV6);
        tag.payload_mut()[0] = 0x60;
        tag.set_tci(0x1234);
        assert_eq!(frame[14..19], [0x12, 0x34, 0x86, 0xdd, 0x60]);
        assert_eq!(frame[19..], BFD_FRAME[19..]);
        assert_eq!(frame[..14], BFD_FRAME[..14]);
        let payload = VlanTagMut::new(&mut frame[14..]).unwrap().into_payload();
        assert_eq!(payload.len(), 6);
    }

    #[test]
    fn bounded_newtypes() {
        assert_eq!(Pcp::new(8), None);
        assert_eq!(Vid::new(4096), None);
        assert_eq!(Vid::new(0), Some(Vid::NULL));
        assert_eq!(Pcp::from_tci(0xffff).value(), 7);
        assert_eq!(Vid::from_tci(0xffff).value(), 4095);
        assert_eq!(std::format!("{} {}", Pcp(5), Vid(100)), "5 100");
    }

    #[test]
    fn pop_twice_then_push_twice_gives_the_qinq_frame_back() {
        let mut buf = [0u8; 8 + 64];
        buf[8..].copy_from_slice(&QINQ_FRAME);
        let (start, s_tag) = pop_tag(&mut buf, 8).unwrap();
        assert_eq!(start, 12);
        assert_eq!(s_tag.vid, Vid(200));
        assert_eq!(s_tag.ethertype, EtherType::VLAN);
        let (start, c_tag) = pop_tag(&mut buf, start).unwrap();
        assert_eq!(start, 16);
        assert_eq!(c_tag.vid, Vid(2001));
        assert_eq!(c_tag.ethertype, EtherType::ARP);
        // Untagged now: MACs, then ARP.
        assert_eq!(buf[16..28], QINQ_FRAME[..12]);
        assert_eq!(buf[28..], QINQ_FRAME[20..]);
        assert_eq!(
            pop_tag(&mut buf, start),
            Err(Error::BadValue {
                layer: Layer::Vlan,
                field: "TPID"
            })
        );
        // Push the C-tag, then the S-tag on the outside: QinQ.
        let start = push_tag(&mut buf, start, EtherType::VLAN, c_tag).unwrap();
        let start = push_tag(&mut buf, start, EtherType::QINQ, s_tag).unwrap();
        assert_eq!(start, 8);
        assert_eq!(buf[8..], QINQ_FRAME);
    }

    #[test]
    fn push_and_pop_errors() {
        let mut buf = [0u8; 4 + 18];
        buf[4..].copy_from_slice(&BFD_FRAME[..18]);
        let before = buf;
        // A tag to push onto BFD_FRAME, whose EtherType is a C-tag's TPID.
        let tag = VlanHeader::from_tci(0, EtherType::VLAN);
        // Frames shorter than an Ethernet header, including a start past the end.
        for end in 4..18 {
            let err = Error::Truncated {
                layer: Layer::Ethernet,
                needed: 14,
                available: end - 4,
            };
            assert_eq!(push_tag(&mut buf[..end], 4, EtherType::VLAN, tag), Err(err));
            assert_eq!(pop_tag(&mut buf[..end], 4), Err(err));
        }
        let past_end = Error::Truncated {
            layer: Layer::Ethernet,
            needed: 14,
            available: 0,
        };
        assert_eq!(pop_tag(&mut buf, 40), Err(past_end));
        assert_eq!(push_tag(&mut buf, 40, EtherType::VLAN, tag), Err(past_end));
        // A tagged frame cut inside the tag.
        for end in 18..22 {
            assert_eq!(
                pop_tag(&mut buf[..end], 4),
                Err(Error::Truncated {
                    layer: Layer::Vlan,
                    needed: 4,
                    available: end - 18
                })
            );
        }
        // No headroom.
        for start in 0..4 {
            let mut frame = [0u8; 4 + 18];
            frame[start..start + 18].copy_from_slice(&BFD_FRAME[..18]);
            assert_eq!(
                push_tag(&mut frame, start, EtherType::VLAN, tag),
                Err(Error::NoRoom {
                    layer: Layer::Vlan,
                    needed: 4,
                    available: start
                })
            );
        }
        // A tag whose EtherType is not the frame's would not read back.
        assert_eq!(
            push_tag(
                &mut buf,
                4,
                EtherType::VLAN,
                VlanHeader::from_tci(0, EtherType::IPV4)
            ),
            Err(Error::BadValue {
                layer: Layer::Vlan,
                field: "EtherType (not the frame's)"
            })
        );
        assert_eq!(buf, before);
        // The legacy 0x9100 TPID pops too.
        buf[16..18].copy_from_slice(&[0x91, 0x00]);
        assert_eq!(pop_tag(&mut buf, 4).unwrap().0, 8);
    }

    fn frame() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>(), 14..80)
    }

    proptest! {
        #[test]
        fn push_then_pop_round_trips(frame in frame(), headroom in 4usize..12, tpid in prop_oneof![
                Just(EtherType::VLAN), Just(EtherType::QINQ), Just(EtherType::VLAN_DOUBLE)],
                tci_value: u16) {
            let mut buf = std::vec![0xEEu8; headroom];
            buf.extend_from_slice(&frame);
            let inner = EtherType(u16::from_be_bytes([frame[12], frame[13]]));
            let pushed = VlanHeader::from_tci(tci_value, inner);
            let start = push_tag(&mut buf, headroom, tpid, pushed).unwrap();
            prop_assert_eq!(start, headroom - 4);
            // The tagged frame: MACs, TPID, TCI, then the old EtherType and payload.
            prop_assert_eq!(&buf[start..start + 12], &frame[..12]);
            let eth = Ethernet::new(&buf[start..]).unwrap();
            prop_assert_eq!(eth.ethertype(), tpid);
            let tag = VlanTag::new(eth.into_payload()).unwrap();
            prop_assert_eq!(tag.tci(), tci_value);
            prop_assert_eq!(&tag.header()[2..], &frame[12..14]);
            prop_assert_eq!(tag.payload(), &frame[14..]);
            let (back, removed) = pop_tag(&mut buf, start).unwrap();
            prop_assert_eq!(back, headroom);
            prop_assert_eq!(removed, pushed);
            prop_assert_eq!(&buf[back..], &frame[..]);
        }

        #[test]
        fn emit_then_parse_round_trips(pcp in 0u8..8, dei: bool, vid in 0u16..4096, ty: u16) {
            let hdr = VlanHeader { pcp: Pcp::new(pcp).unwrap(), dei, vid: Vid::new(vid).unwrap(), ethertype: EtherType(ty) };
            let mut buf = [0u8; 6];
            prop_assert_eq!(hdr.emit(&mut buf), Ok(4));
            let tag = VlanTag::new(&buf[..]).unwrap();
            prop_assert_eq!((tag.pcp().value(), tag.dei(), tag.vid().value(), tag.ethertype().0), (pcp, dei, vid, ty));
            prop_assert_eq!(tag.to_header(), hdr);
            prop_assert_eq!(VlanHeader::from_tci(hdr.tci(), hdr.ethertype), hdr);
        }

        #[test]
        fn setters_then_getters(bytes in proptest::collection::vec(any::<u8>(), 4..12),
                                pcp in 0u8..8, dei: bool, vid in 0u16..4096, ty: u16) {
            let mut bytes = bytes;
            let before = bytes.clone();
            let mut tag = VlanTagMut::new(&mut bytes[..]).unwrap();
            let (old_dei, old_vid) = (tag.dei(), tag.vid());
            tag.set_pcp(Pcp::new(pcp).unwrap());
            prop_assert_eq!((tag.pcp().value(), tag.dei(), tag.vid()), (pcp, old_dei, old_vid));
            tag.set_dei(dei);
            prop_assert_eq!((tag.pcp().value(), tag.dei(), tag.vid()), (pcp, dei, old_vid));
            tag.set_vid(Vid::new(vid).unwrap());
            prop_assert_eq!((tag.pcp().value(), tag.dei(), tag.vid().value()), (pcp, dei, vid));
            tag.set_ethertype(EtherType(ty));
            prop_assert_eq!(tag.ethertype().0, ty);
            prop_assert_eq!(tag.tci(), tci(Pcp(pcp), dei, Vid(vid)));
            prop_assert_eq!(&bytes[4..], &before[4..]);
        }

        #[test]
        fn pop_refuses_every_other_ethertype(frame in frame(), ty: u16) {
            prop_assume!(!EtherType(ty).is_vlan_tpid());
            let mut buf = frame.clone();
            buf[12..14].copy_from_slice(&ty.to_be_bytes());
            let before = buf.clone();
            prop_assert_eq!(pop_tag(&mut buf, 0), Err(Error::BadValue { layer: Layer::Vlan, field: "TPID" }));
            prop_assert_eq!(buf, before);
        }
    }
}
