//! Fragmentation: an IPv4 datagram split to fit an MTU as a router does it
//! ([RFC 791 section 3.2], [RFC 1812 section 5.2.6]), and an IPv6 packet
//! split by its source with a fragment header ([RFC 8200 section 4.5]).
//!
//! ```text
//! IPv4: one header per fragment, the payload cut at multiples of 8 octets
//! +--------+------------------+   +--------+------------------+   +--------+-----+
//! | header | payload 0..n     |   | header'| payload n..2n'   |   | header'| ... |
//! | all    | MF=1 offset=0    |   | copied | MF=1 offset=n/8  |   | copied | MF=0|
//! | options|                  |   | options|                  |   | options|     |
//! +--------+------------------+   +--------+------------------+   +--------+-----+
//!
//! IPv6: the unfragmentable part is repeated, a fragment header inserted
//! +---------------+-----------------+----------------------------+
//! | IPv6 header + | Fragment header | fragmentable part, k-th    |
//! | hop-by-hop, ..| next header,    | piece (a multiple of 8     |
//! | routing       | offset, M, id   | octets but the last)       |
//! +---------------+-----------------+----------------------------+
//! ```
//!
//! Both are iterators of a kind that allocates nothing:
//! [`Ipv4Fragments::new`] / [`Ipv6Fragments::new`] check the datagram and
//! the MTU once and work out how many fragments there are
//! ([`count`](Ipv4Fragments::count)); [`write`](Ipv4Fragments::write)
//! writes fragment `k` into a buffer the caller gives and returns its
//! length, and [`write_next`](Ipv4Fragments::write_next) does the same in
//! order. A datagram that already fits the MTU is one "fragment": itself,
//! unchanged.
//!
//! In later IPv4 fragments only the options whose copied flag is set stay
//! (RFC 791: "the copied flag ... indicates that this option is copied into
//! all fragments"); the others are removed and the options padded with
//! End of Option List to a multiple of 4 octets, so the header length
//! changes (Linux keeps the length and writes No Operation over them
//! instead; both are allowed, and reassembly keeps the first fragment's
//! header).
//!
//! [RFC 791 section 3.2]: https://www.rfc-editor.org/rfc/rfc791#section-3.2
//! [RFC 1812 section 5.2.6]: https://www.rfc-editor.org/rfc/rfc1812#section-5.2.6
//! [RFC 8200 section 4.5]: https://www.rfc-editor.org/rfc/rfc8200#section-4.5

use crate::error::{Error, Layer};
use crate::field;
use crate::ip::IpProtocol;
use crate::ipv4::{self, Ipv4, Ipv4Mut};
use crate::ipv6::{self, Ipv6};
use crate::ipv6_ext::{self, Ipv6ExtKind, Ipv6FragmentHeader};

/// The smallest IPv4 MTU: "Every internet module must be able to forward a
/// datagram of 68 octets without further fragmentation" ([RFC 791]), a
/// 60-octet header and 8 octets of data.
///
/// [RFC 791]: https://www.rfc-editor.org/rfc/rfc791#section-3.2
pub const IPV4_MIN_MTU: usize = 68;

/// The smallest IPv6 MTU ([RFC 8200 section 5]).
///
/// [RFC 8200 section 5]: https://www.rfc-editor.org/rfc/rfc8200#section-5
pub const IPV6_MIN_MTU: usize = 1280;

/// The copied flag of an IPv4 option type octet.
const COPIED: u8 = 0x80;
/// Flags and fragment offset word: reserved bit, DF, MF, offset mask.
const FLAG_RESERVED: u16 = 0x8000;
const FLAG_DF: u16 = 0x4000;
const FLAG_MF: u16 = 0x2000;
const OFFSET_MASK: u16 = 0x1FFF;
/// Byte offsets in the IPv4 header.
const V4_VER_IHL: usize = 0;
const V4_LENGTH: usize = 2;
const V4_FLAGS_FRAG: usize = 6;
/// Byte offsets in the IPv6 header.
const V6_PAYLOAD_LEN: usize = 4;
const V6_NEXT_HEADER: usize = 6;

fn no_room(layer: Layer, needed: usize, available: usize) -> Error {
    Error::NoRoom {
        layer,
        needed,
        available,
    }
}

/// The fragments of one IPv4 datagram for one MTU, written on demand into
/// the caller's buffers.
///
/// A datagram that is itself a fragment is fragmented again correctly:
/// the pieces' offsets count from its own offset, and the last piece keeps
/// its MF flag.
///
/// ```
/// use core::net::Ipv4Addr;
/// use wireview::fragment::Ipv4Fragments;
/// use wireview::{IpProtocol, Ipv4, Ipv4Header};
///
/// // 1,500 octets with DF clear, for a 576-octet link.
/// let mut datagram = [0u8; 1500];
/// Ipv4Header {
///     dont_fragment: false,
///     identification: 0x1234,
///     protocol: IpProtocol::UDP,
///     src: Ipv4Addr::new(192, 0, 2, 7),
///     dst: Ipv4Addr::new(198, 51, 100, 1),
///     payload_len: 1480,
///     ..Ipv4Header::default()
/// }
/// .emit(&mut datagram)?;
///
/// let mut fragments = Ipv4Fragments::new(&datagram, 576)?;
/// assert_eq!(fragments.count(), 3);
/// let mut buf = [0u8; 576];
/// let mut offsets = [0; 3];
/// let mut k = 0;
/// while let Some(len) = fragments.write_next(&mut buf) {
///     let frag = Ipv4::new(&buf[..len?])?;
///     assert!(frag.verify_checksum() && usize::from(frag.total_len()) <= 576);
///     assert_eq!(frag.more_fragments(), k < 2);
///     offsets[k] = frag.fragment_offset_bytes();
///     k += 1;
/// }
/// assert_eq!(offsets, [0, 552, 1104]);
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Ipv4Fragments<'a> {
    /// The datagram, bounded by its total length.
    datagram: &'a [u8],
    header_len: usize,
    /// The options of later fragments, padded, in `later_options[..later_len - 20]`.
    later_options: [u8; 40],
    later_len: usize,
    /// Payload octets in the first fragment, and in each later one.
    first_room: usize,
    later_room: usize,
    count: usize,
    next: usize,
}

impl<'a> Ipv4Fragments<'a> {
    /// Checks `datagram` (an IPv4 datagram, as [`Ipv4::new`] accepts it;
    /// bytes beyond its total length are ignored) and `mtu`, and works out
    /// the fragments.
    ///
    /// # Errors
    /// What [`Ipv4::new`] reports; [`Error::BadValue`] at [`Layer::Ipv4`]
    /// for `"mtu"` below [`IPV4_MIN_MTU`], for `"don't fragment"` when the
    /// datagram does not fit and has DF set (send Fragmentation Needed
    /// instead), for `"option length"` when options that must be sorted
    /// cannot be read, and for `"fragment offset"` when a piece's offset
    /// would not fit in 13 bits.
    pub fn new(datagram: &'a [u8], mtu: usize) -> Result<Self, Error> {
        let ip = Ipv4::new(datagram)?;
        if mtu < IPV4_MIN_MTU {
            return Err(Error::BadValue {
                layer: Layer::Ipv4,
                field: "mtu",
            });
        }
        let total = usize::from(ip.total_len());
        let header_len = ip.header_len();
        let mut frags = Ipv4Fragments {
            datagram: &datagram[..total],
            header_len,
            later_options: [0; 40],
            later_len: header_len,
            first_room: total - header_len,
            later_room: 0,
            count: 1,
            next: 0,
        };
        if total <= mtu {
            return Ok(frags);
        }
        if ip.dont_fragment() {
            return Err(Error::BadValue {
                layer: Layer::Ipv4,
                field: "don't fragment",
            });
        }
        // Later fragments keep the options with the copied flag.
        let mut n = 0;
        for option in ip.options_iter() {
            let option = option?;
            if option.kind & COPIED != 0 {
                let len = option.data.len() + 2;
                frags.later_options[n] = option.kind;
                frags.later_options[n + 1] = len as u8;
                frags.later_options[n + 2..n + len].copy_from_slice(option.data);
                n += len;
            }
        }
        // Padded with End of Option List (already 0) to whole words.
        frags.later_len = ipv4::HEADER_LEN + n.div_ceil(4) * 4;
        // mtu >= 68 and header_len <= 60: at least 8 octets each.
        frags.first_room = (mtu - header_len) / 8 * 8;
        frags.later_room = (mtu - frags.later_len) / 8 * 8;
        let payload = total - header_len;
        frags.count = 1 + (payload - frags.first_room).div_ceil(frags.later_room);
        let (last_start, _) = frags.piece(frags.count - 1);
        if (ip.fragment_offset_bytes() + last_start) / 8 > usize::from(OFFSET_MASK) {
            return Err(Error::BadValue {
                layer: Layer::Ipv4,
                field: "fragment offset",
            });
        }
        Ok(frags)
    }

    /// How many fragments there are (1 when the datagram fits the MTU).
    pub const fn count(&self) -> usize {
        self.count
    }

    /// Where fragment `k`'s piece of the payload starts, and its length.
    fn piece(&self, k: usize) -> (usize, usize) {
        let payload = self.datagram.len() - self.header_len;
        let (start, room) = if k == 0 {
            (0, self.first_room)
        } else {
            (self.first_room + (k - 1) * self.later_room, self.later_room)
        };
        (start, room.min(payload - start))
    }

    /// The length of fragment `k`, in octets, or `None` when there is no
    /// fragment `k`.
    pub fn fragment_len(&self, k: usize) -> Option<usize> {
        if k >= self.count {
            return None;
        }
        if self.count == 1 {
            return Some(self.datagram.len());
        }
        let header = if k == 0 {
            self.header_len
        } else {
            self.later_len
        };
        Some(header + self.piece(k).1)
    }

    /// Writes fragment `k` (from 0) at the start of `buf` and returns its
    /// length: a whole IPv4 datagram with its own header length, total
    /// length, MF flag, fragment offset and header checksum.
    ///
    /// # Errors
    /// [`Error::NoRoom`] when `buf` is shorter than the fragment;
    /// [`Error::BadValue`] for `"fragment index"` when `k` is not below
    /// [`count`](Self::count).
    pub fn write(&self, k: usize, buf: &mut [u8]) -> Result<usize, Error> {
        let Some(len) = self.fragment_len(k) else {
            return Err(Error::BadValue {
                layer: Layer::Ipv4,
                field: "fragment index",
            });
        };
        if buf.len() < len {
            return Err(no_room(Layer::Ipv4, len, buf.len()));
        }
        let out = &mut buf[..len];
        if self.count == 1 {
            out.copy_from_slice(self.datagram);
            return Ok(len);
        }
        let header = if k == 0 {
            out[..self.header_len].copy_from_slice(&self.datagram[..self.header_len]);
            self.header_len
        } else {
            out[..ipv4::HEADER_LEN].copy_from_slice(&self.datagram[..ipv4::HEADER_LEN]);
            out[ipv4::HEADER_LEN..self.later_len]
                .copy_from_slice(&self.later_options[..self.later_len - ipv4::HEADER_LEN]);
            self.later_len
        };
        let (start, piece) = self.piece(k);
        let from = self.header_len + start;
        out[header..].copy_from_slice(&self.datagram[from..from + piece]);
        out[V4_VER_IHL] = 0x40 | (header / 4) as u8;
        // The datagram had a total length in 16 bits: so has each piece.
        field::set_u16(out, V4_LENGTH, len as u16);
        let old = field::u16_at(self.datagram, V4_FLAGS_FRAG);
        let last = k + 1 == self.count;
        let mf = if last { old & FLAG_MF } else { FLAG_MF };
        // Checked in `new` to fit in 13 bits.
        let offset = (old & OFFSET_MASK) + (start / 8) as u16;
        field::set_u16(
            out,
            V4_FLAGS_FRAG,
            (old & (FLAG_RESERVED | FLAG_DF)) | mf | offset,
        );
        Ipv4Mut::new_unchecked(out).fill_checksum();
        Ok(len)
    }

    /// Writes the next fragment at the start of `buf` and returns its
    /// length, or `None` once every fragment was written. On an error the
    /// same fragment is tried again on the next call.
    ///
    /// # Errors
    /// As [`write`](Self::write).
    pub fn write_next(&mut self, buf: &mut [u8]) -> Option<Result<usize, Error>> {
        if self.next >= self.count {
            return None;
        }
        let result = self.write(self.next, buf);
        if result.is_ok() {
            self.next += 1;
        }
        Some(result)
    }
}

/// The fragments of one IPv6 packet for one path MTU, as its source makes
/// them ([RFC 8200 section 4.5]), written on demand into the caller's
/// buffers.
///
/// The unfragmentable part is the IPv6 header and the extension headers
/// up to and including the routing header if there is one, else the
/// hop-by-hop header if there is one ("all headers up to and including the
/// Routing header if present, else the Hop-by-Hop Options header if
/// present, else no extension headers"). Each fragment repeats it with its
/// last next-header field set to 44 and its payload length fixed, then a
/// fragment header carrying the original next header, the offset, M and
/// the caller's identification, then its piece of the fragmentable part:
/// a multiple of 8 octets, except the last.
///
/// [RFC 8200 section 4.5]: https://www.rfc-editor.org/rfc/rfc8200#section-4.5
///
/// ```
/// use wireview::fragment::Ipv6Fragments;
/// use wireview::{IpProtocol, Ipv6, Ipv6Header, Ipv6Fragment};
///
/// let mut packet = [0u8; 3048];
/// Ipv6Header {
///     next_header: IpProtocol::UDP,
///     src: "2001:db8:1::7".parse().unwrap(),
///     dst: "2001:db8:2::1".parse().unwrap(),
///     payload_len: 3008,
///     ..Ipv6Header::default()
/// }
/// .emit(&mut packet)?;
///
/// let fragments = Ipv6Fragments::new(&packet, 1280, 0x8fd9_52bb)?;
/// assert_eq!(fragments.count(), 3);
/// let mut buf = [0u8; 1280];
/// let len = fragments.write(1, &mut buf)?;
/// let ip = Ipv6::new(&buf[..len])?;
/// assert_eq!((len, ip.next_header()), (1280, IpProtocol::IPV6_FRAG));
/// let frag = Ipv6Fragment::new(ip.payload())?;
/// assert_eq!((frag.next_header(), frag.fragment_offset_bytes()), (IpProtocol::UDP, 1232));
/// assert!(frag.more_fragments());
/// # Ok::<(), wireview::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Ipv6Fragments<'a> {
    /// The packet, bounded by its payload length.
    packet: &'a [u8],
    /// Length of the unfragmentable part.
    unfragmentable: usize,
    /// Offset of the next-header field that announces the fragmentable part.
    next_header_at: usize,
    identification: u32,
    /// Fragmentable octets per fragment.
    room: usize,
    count: usize,
    next: usize,
}

impl<'a> Ipv6Fragments<'a> {
    /// Checks `packet` (an IPv6 packet, as [`Ipv6::new`] accepts it; bytes
    /// beyond its payload length are ignored) and `mtu`, and works out the
    /// fragments, which will carry `identification`.
    ///
    /// # Errors
    /// What [`Ipv6::new`] reports, and what reading its extension headers
    /// reports; [`Error::BadValue`] for `"mtu"` (at [`Layer::Ipv6`]) below
    /// [`IPV6_MIN_MTU`] or too small for the unfragmentable part, a
    /// fragment header and 8 octets; for `"payload length"` when the packet
    /// does not fit and is a jumbogram ([RFC 2675] forbids fragmenting
    /// one); for `"fragment header"` (at [`Layer::Ipv6Ext`]) when it does
    /// not fit and already has one.
    ///
    /// [RFC 2675]: https://www.rfc-editor.org/rfc/rfc2675
    pub fn new(packet: &'a [u8], mtu: usize, identification: u32) -> Result<Self, Error> {
        let ip = Ipv6::new(packet)?;
        if mtu < IPV6_MIN_MTU {
            return Err(Error::BadValue {
                layer: Layer::Ipv6,
                field: "mtu",
            });
        }
        let total = ipv6::HEADER_LEN + ip.payload().len();
        let mut frags = Ipv6Fragments {
            packet: &packet[..total],
            unfragmentable: total,
            next_header_at: V6_NEXT_HEADER,
            identification,
            room: 0,
            count: 1,
            next: 0,
        };
        if total <= mtu {
            return Ok(frags);
        }
        if ip.is_jumbogram() {
            return Err(Error::BadValue {
                layer: Layer::Ipv6,
                field: "payload length",
            });
        }
        let mut unfragmentable = ipv6::HEADER_LEN;
        let mut at = ipv6::HEADER_LEN;
        for ext in ip.ext_headers() {
            let ext = ext?;
            match ext.kind {
                Ipv6ExtKind::HopByHop | Ipv6ExtKind::Routing => {
                    frags.next_header_at = at;
                    unfragmentable = at + ext.len();
                }
                Ipv6ExtKind::Fragment => {
                    return Err(Error::BadValue {
                        layer: Layer::Ipv6Ext,
                        field: "fragment header",
                    });
                }
                Ipv6ExtKind::Destination | Ipv6ExtKind::Auth => {}
            }
            at += ext.len();
        }
        let overhead = unfragmentable + ipv6_ext::FRAGMENT_LEN;
        if mtu < overhead + 8 {
            return Err(Error::BadValue {
                layer: Layer::Ipv6,
                field: "mtu",
            });
        }
        frags.unfragmentable = unfragmentable;
        frags.room = (mtu - overhead) / 8 * 8;
        frags.count = (total - unfragmentable).div_ceil(frags.room);
        Ok(frags)
    }

    /// How many fragments there are (1 when the packet fits the MTU).
    pub const fn count(&self) -> usize {
        self.count
    }

    /// The length of fragment `k`, in octets, or `None` when there is no
    /// fragment `k`.
    pub fn fragment_len(&self, k: usize) -> Option<usize> {
        if k >= self.count {
            return None;
        }
        if self.count == 1 {
            return Some(self.packet.len());
        }
        let fragmentable = self.packet.len() - self.unfragmentable;
        let piece = self.room.min(fragmentable - k * self.room);
        Some(self.unfragmentable + ipv6_ext::FRAGMENT_LEN + piece)
    }

    /// Writes fragment `k` (from 0) at the start of `buf` and returns its
    /// length.
    ///
    /// # Errors
    /// [`Error::NoRoom`] when `buf` is shorter than the fragment;
    /// [`Error::BadValue`] for `"fragment index"` when `k` is not below
    /// [`count`](Self::count).
    pub fn write(&self, k: usize, buf: &mut [u8]) -> Result<usize, Error> {
        let Some(len) = self.fragment_len(k) else {
            return Err(Error::BadValue {
                layer: Layer::Ipv6,
                field: "fragment index",
            });
        };
        if buf.len() < len {
            return Err(no_room(Layer::Ipv6, len, buf.len()));
        }
        let out = &mut buf[..len];
        if self.count == 1 {
            out.copy_from_slice(self.packet);
            return Ok(len);
        }
        let u = self.unfragmentable;
        out[..u].copy_from_slice(&self.packet[..u]);
        out[self.next_header_at] = IpProtocol::IPV6_FRAG.0;
        // Below the MTU's 16 bits: the packet's payload length was.
        field::set_u16(out, V6_PAYLOAD_LEN, (len - ipv6::HEADER_LEN) as u16);
        let start = k * self.room;
        Ipv6FragmentHeader {
            next_header: IpProtocol(self.packet[self.next_header_at]),
            // start < 65536: fits in 13 bits once divided by 8.
            fragment_offset: (start / 8) as u16,
            more_fragments: k + 1 < self.count,
            identification: self.identification,
        }
        .emit(&mut out[u..])?;
        let from = u + start;
        let data = u + ipv6_ext::FRAGMENT_LEN;
        out[data..].copy_from_slice(&self.packet[from..from + (len - data)]);
        Ok(len)
    }

    /// Writes the next fragment at the start of `buf` and returns its
    /// length, or `None` once every fragment was written. On an error the
    /// same fragment is tried again on the next call.
    ///
    /// # Errors
    /// As [`write`](Self::write).
    pub fn write_next(&mut self, buf: &mut [u8]) -> Option<Result<usize, Error>> {
        if self.next >= self.count {
            return None;
        }
        let result = self.write(self.next, buf);
        if result.is_ok() {
            self.next += 1;
        }
        Some(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipv4::Ipv4Header;
    use crate::ipv6::Ipv6Header;
    use crate::ipv6_ext::{Ipv6Ext, Ipv6Fragment};
    use core::net::{Ipv4Addr, Ipv6Addr};
    use proptest::prelude::*;
    use std::vec::Vec;

    // Known answers: Linux 6.x between network namespaces. 10.9.1.2 sent
    // a 3000-octet UDP payload (octets 0, 1, 2, ...) with DF clear over a
    // 1500 link, so its own stack fragmented it at 1480 and 2960; the
    // router forwarded the fragments onto a 1280 link and fragmented each
    // again. Captured on the far host.

    /// The UDP datagram: header (40009 -> 33436, length 3008, checksum
    /// 0x9a84), then 3000 octets.
    fn udp4() -> Vec<u8> {
        let mut u = std::vec![0x9c, 0x49, 0x82, 0x9c, 0x0b, 0xc0, 0x9a, 0x84];
        u.extend((0..3000u32).map(|i| i as u8));
        u
    }

    /// An IPv4 header of the capture: 10.9.1.2 -> 10.9.2.2, id 0x78eb, TTL
    /// 63 (after the router's decrement), UDP; length and flags as given.
    fn hdr4(total: u16, flags: u16) -> Vec<u8> {
        let mut h = std::vec![
            0x45, 0x00, 0, 0, 0x78, 0xeb, 0, 0, 0x3f, 0x11, 0, 0, 10, 9, 1, 2, 10, 9, 2, 2
        ];
        h[2..4].copy_from_slice(&total.to_be_bytes());
        h[6..8].copy_from_slice(&flags.to_be_bytes());
        Ipv4Mut::new_unchecked(&mut h[..]).fill_checksum();
        h
    }

    fn cat(a: &[u8], b: &[u8]) -> Vec<u8> {
        let mut v = a.to_vec();
        v.extend_from_slice(b);
        v
    }

    #[test]
    fn refragmenting_fragments_matches_linux() {
        let u = udp4();
        // The sender's fragments as the router received them.
        let sent = [
            cat(&hdr4(1500, 0x2000), &u[..1480]),     // MF, offset 0
            cat(&hdr4(1500, 0x20b9), &u[1480..2960]), // MF, offset 185 (1480)
            cat(&hdr4(68, 0x0172), &u[2960..]),       // offset 370 (2960)
        ];
        // What the router sent on: each header as captured.
        let forwarded: [(&[u8], &[u8]); 5] = [
            (
                &[
                    0x45, 0x00, 0x04, 0xfc, 0x78, 0xeb, 0x20, 0x00, 0x3f, 0x11, 0xc6, 0xf0,
                ],
                &u[..1256],
            ),
            (
                &[
                    0x45, 0x00, 0x00, 0xf4, 0x78, 0xeb, 0x20, 0x9d, 0x3f, 0x11, 0xca, 0x5b,
                ],
                &u[1256..1480],
            ),
            (
                &[
                    0x45, 0x00, 0x04, 0xfc, 0x78, 0xeb, 0x20, 0xb9, 0x3f, 0x11, 0xc6, 0x37,
                ],
                &u[1480..2736],
            ),
            (
                &[
                    0x45, 0x00, 0x00, 0xf4, 0x78, 0xeb, 0x21, 0x56, 0x3f, 0x11, 0xc9, 0xa2,
                ],
                &u[2736..2960],
            ),
            (
                &[
                    0x45, 0x00, 0x00, 0x44, 0x78, 0xeb, 0x01, 0x72, 0x3f, 0x11, 0xea, 0x36,
                ],
                &u[2960..],
            ),
        ];
        let mut out = Vec::new();
        let mut buf = [0u8; 1280];
        for datagram in &sent {
            let mut frags = Ipv4Fragments::new(datagram, 1280).unwrap();
            while let Some(len) = frags.write_next(&mut buf) {
                out.push(buf[..len.unwrap()].to_vec());
            }
        }
        assert_eq!(out.len(), 5);
        for (got, (head, data)) in out.iter().zip(forwarded) {
            let mut want = head.to_vec();
            want.extend_from_slice(&[10, 9, 1, 2, 10, 9, 2, 2]);
            want.extend_from_slice(data);
            assert_eq!(got, &want);
        }
    }

    #[test]
    fn source_fragmentation_matches_linux() {
        // fd09:1::2 sent the same 3000 octets of UDP (checksum 0xb77f) over a
        // 1280 link; its stack fragmented them with identification
        // 0x8fd952bb (flow label 0x2172f, hop limit 64).
        let src = [0xfd, 0x09, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
        let dst = [0xfd, 0x09, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
        let header = |payload_len: u16, next: u8| {
            let mut h = std::vec![0x60, 0x02, 0x17, 0x2f, 0, 0, next, 0x40];
            h[4..6].copy_from_slice(&payload_len.to_be_bytes());
            h.extend_from_slice(&src);
            h.extend_from_slice(&dst);
            h
        };
        let mut u = std::vec![0x9c, 0x49, 0x82, 0x9c, 0x0b, 0xc0, 0xb7, 0x7f];
        u.extend((0..3000u32).map(|i| i as u8));
        let packet = cat(&header(3008, 17), &u);
        let want = [
            // payload length 1240, fragment header: UDP, offset 0, M
            cat(
                &cat(
                    &header(1240, 44),
                    &[0x11, 0, 0x00, 0x01, 0x8f, 0xd9, 0x52, 0xbb],
                ),
                &u[..1232],
            ),
            // offset 1232 (154), M
            cat(
                &cat(
                    &header(1240, 44),
                    &[0x11, 0, 0x04, 0xd1, 0x8f, 0xd9, 0x52, 0xbb],
                ),
                &u[1232..2464],
            ),
            // offset 2464 (308), last
            cat(
                &cat(
                    &header(552, 44),
                    &[0x11, 0, 0x09, 0xa0, 0x8f, 0xd9, 0x52, 0xbb],
                ),
                &u[2464..],
            ),
        ];
        let mut frags = Ipv6Fragments::new(&packet, 1280, 0x8fd9_52bb).unwrap();
        assert_eq!(frags.count(), 3);
        let mut buf = [0u8; 1280];
        for w in &want {
            let len = frags.write_next(&mut buf).unwrap().unwrap();
            assert_eq!(&buf[..len], &w[..]);
        }
        assert!(frags.write_next(&mut buf).is_none());
    }

    fn datagram4(options: &[u8], payload: usize, flags: u16) -> Vec<u8> {
        let mut d = std::vec![0u8; 20 + options.len() + payload];
        let n = Ipv4Header {
            dont_fragment: flags & FLAG_DF != 0,
            more_fragments: flags & FLAG_MF != 0,
            fragment_offset: flags & OFFSET_MASK,
            identification: 0xbeef,
            protocol: IpProtocol::UDP,
            src: Ipv4Addr::new(192, 0, 2, 7),
            dst: Ipv4Addr::new(198, 51, 100, 1),
            payload_len: payload as u16,
            ..Ipv4Header::default()
        }
        .emit_with_options(&mut d, options)
        .unwrap();
        for (i, b) in d[n..].iter_mut().enumerate() {
            *b = (i * 7) as u8;
        }
        d
    }

    #[test]
    #[allow(clippy::too_many_lines)]
    fn refusals() {
        let big = datagram4(&[], 1000, FLAG_DF);
        assert_eq!(
            Ipv4Fragments::new(&big, 576).unwrap_err(),
            Error::BadValue {
                layer: Layer::Ipv4,
                field: "don't fragment"
            }
        );
        // DF set but it fits: one fragment, itself.
        let f = Ipv4Fragments::new(&big, 1020).unwrap();
        let mut buf = [0u8; 1100];
        assert_eq!((f.count(), f.write(0, &mut buf)), (1, Ok(1020)));
        assert_eq!(&buf[..1020], &big[..]);
        let ok = datagram4(&[], 1000, 0);
        assert_eq!(
            Ipv4Fragments::new(&ok, 67).unwrap_err(),
            Error::BadValue {
                layer: Layer::Ipv4,
                field: "mtu"
            }
        );
        // 68 with a 60-octet header: 8 octets per fragment.
        let opts = [0x94, 4, 0, 0].repeat(10); // router alert (copied) x 10
        let fat = datagram4(&opts, 100, 0);
        let f = Ipv4Fragments::new(&fat, 68).unwrap();
        assert_eq!(
            (f.count(), f.fragment_len(0), f.fragment_len(12)),
            (13, Some(68), Some(64))
        );
        assert_eq!(f.fragment_len(13), None);
        assert_eq!(
            f.write(13, &mut buf),
            Err(Error::BadValue {
                layer: Layer::Ipv4,
                field: "fragment index"
            })
        );
        assert_eq!(
            f.write(0, &mut buf[..67]),
            Err(Error::NoRoom {
                layer: Layer::Ipv4,
                needed: 68,
                available: 67
            })
        );
        // Offsets beyond 13 bits.
        let late = datagram4(&[], 1000, 0x1FF0);
        assert_eq!(
            Ipv4Fragments::new(&late, 576).unwrap_err(),
            Error::BadValue {
                layer: Layer::Ipv4,
                field: "fragment offset"
            }
        );
        // Options that cannot be read.
        let bad = datagram4(&[0x83, 9, 0, 0], 1000, 0);
        assert_eq!(
            Ipv4Fragments::new(&bad, 576).unwrap_err(),
            Error::BadValue {
                layer: Layer::Ipv4,
                field: "option length"
            }
        );
        assert!(Ipv4Fragments::new(&ok[..500], 576).is_err());

        let mut p6 = std::vec![0u8; 3048];
        Ipv6Header {
            next_header: IpProtocol::UDP,
            payload_len: 3008,
            ..Ipv6Header::default()
        }
        .emit(&mut p6)
        .unwrap();
        assert_eq!(
            Ipv6Fragments::new(&p6, 1279, 1).unwrap_err(),
            Error::BadValue {
                layer: Layer::Ipv6,
                field: "mtu"
            }
        );
        // Already a fragment.
        p6[6] = 44;
        p6[40] = 17;
        assert_eq!(
            Ipv6Fragments::new(&p6, 1280, 1).unwrap_err(),
            Error::BadValue {
                layer: Layer::Ipv6Ext,
                field: "fragment header"
            }
        );
        // A hop-by-hop header too long for the MTU (2048 octets).
        p6[6] = 0;
        p6[40] = 17;
        p6[41] = 255;
        assert_eq!(
            Ipv6Fragments::new(&p6, 1280, 1).unwrap_err(),
            Error::BadValue {
                layer: Layer::Ipv6,
                field: "mtu"
            }
        );
        // A jumbogram.
        let mut jumbo = std::vec![0u8; 70000];
        jumbo[..8].copy_from_slice(&[0x60, 0, 0, 0, 0, 0, 0, 64]);
        assert_eq!(
            Ipv6Fragments::new(&jumbo, 1500, 1).unwrap_err(),
            Error::BadValue {
                layer: Layer::Ipv6,
                field: "payload length"
            }
        );
    }

    #[test]
    fn later_fragments_keep_only_copied_options() {
        // Record route (7, not copied, 11 octets), NOP, loose source route
        // (131, copied, 7 octets), router alert (148, copied, 4), EOL: 24.
        let options = [
            7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, // record route
            1, // NOP
            131, 7, 4, 192, 0, 2, 9, // LSRR
            148, 4, 0, 0, // router alert
            0, // EOL
        ];
        let d = datagram4(&options, 600, 0);
        let f = Ipv4Fragments::new(&d, 300).unwrap();
        let mut buf = [0u8; 300];
        let n = f.write(0, &mut buf).unwrap();
        let first = Ipv4::new(&buf[..n]).unwrap();
        assert_eq!(first.options(), &options[..]);
        let n = f.write(1, &mut buf).unwrap();
        let later = Ipv4::new(&buf[..n]).unwrap();
        // LSRR and router alert (11 octets), padded with EOL to 12.
        assert_eq!(
            later.options(),
            &[131, 7, 4, 192, 0, 2, 9, 148, 4, 0, 0, 0][..]
        );
        assert_eq!(later.header_len(), 32);
        assert!(later.verify_checksum());
    }

    /// Reassembles IPv4 fragments (any order) as a receiver does: the first
    /// fragment's header, offsets from each, the last one's MF.
    fn reassemble4(frags: &[Vec<u8>]) -> Vec<u8> {
        let first = frags
            .iter()
            .map(|f| Ipv4::new(&f[..]).unwrap())
            .min_by_key(Ipv4::fragment_offset)
            .unwrap();
        let base = first.fragment_offset_bytes();
        // The last piece (the greatest offset) tells whether more follow.
        let mf = frags
            .iter()
            .map(|f| Ipv4::new(&f[..]).unwrap())
            .max_by_key(Ipv4::fragment_offset)
            .unwrap()
            .more_fragments();
        let mut payload = Vec::new();
        for f in frags {
            let ip = Ipv4::new(&f[..]).unwrap();
            let at = ip.fragment_offset_bytes() - base;
            let end = at + ip.payload().len();
            if payload.len() < end {
                payload.resize(end, 0);
            }
            payload[at..end].copy_from_slice(ip.payload());
        }
        let mut out = first.header().to_vec();
        out.extend_from_slice(&payload);
        let total = out.len() as u16;
        out[2..4].copy_from_slice(&total.to_be_bytes());
        let word = (field::u16_at(&out, 6) & !FLAG_MF) | if mf { FLAG_MF } else { 0 };
        out[6..8].copy_from_slice(&word.to_be_bytes());
        Ipv4Mut::new_unchecked(&mut out[..]).fill_checksum();
        out
    }

    /// IPv4 options: a random mix of copied and not copied ones, NOPs.
    fn any_options() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec((any::<bool>(), 0u8..32, 0usize..7, any::<bool>()), 0..5)
            .prop_map(|opts| {
                let mut out = Vec::new();
                for (copied, number, len, nop) in opts {
                    if nop {
                        out.push(1);
                        continue;
                    }
                    let kind = (u8::from(copied) << 7) | 0x40 | number.max(2);
                    out.push(kind);
                    out.push(len as u8 + 2);
                    out.extend(std::iter::repeat_n(0xAB, len));
                }
                out.truncate(40);
                // Cut options stay readable: drop a partial last one.
                let mut ok = 0;
                let mut i = 0;
                while i < out.len() {
                    let step = if out[i] == 1 {
                        1
                    } else {
                        usize::from(*out.get(i + 1).unwrap_or(&0))
                    };
                    if step == 0 || i + step > out.len() {
                        break;
                    }
                    i += step;
                    ok = i;
                }
                out.truncate(ok);
                out.resize(out.len().div_ceil(4) * 4, 0);
                out
            })
    }

    proptest! {
        #[test]
        fn no_input_panics(
            mut bytes in proptest::collection::vec(any::<u8>(), 0..3000),
            mtu in 0usize..3000,
            v6 in any::<bool>(),
        ) {
            // Mostly well-formed fixed headers, so the walk goes deep.
            if v6 && bytes.len() >= 40 {
                bytes[0] = 0x60;
                let pl = (bytes.len() - 40) as u16;
                bytes[4..6].copy_from_slice(&pl.to_be_bytes());
            } else if bytes.len() >= 20 {
                bytes[0] = 0x40 | (bytes[0] & 0x0f).max(5);
                let total = bytes.len().min(65535) as u16;
                bytes[2..4].copy_from_slice(&total.to_be_bytes());
            }
            let mut buf = [0u8; 3100];
            if let Ok(mut f) = Ipv4Fragments::new(&bytes, mtu) {
                let mut n = 0;
                while let Some(r) = f.write_next(&mut buf) {
                    let len = r.unwrap();
                    prop_assert!(len <= mtu.max(bytes.len()));
                    // A datagram that fits is copied as it is, checksum and all.
                    let ip = Ipv4::new(&buf[..len]).unwrap();
                    prop_assert!(f.count() == 1 || ip.verify_checksum());
                    n += 1;
                }
                prop_assert_eq!(n, f.count());
            }
            if let Ok(mut f) = Ipv6Fragments::new(&bytes, mtu, 7) {
                while let Some(r) = f.write_next(&mut buf) {
                    let len = r.unwrap();
                    prop_assert!(Ipv6::new(&buf[..len]).is_ok());
                }
            }
        }

        #[test]
        fn ipv4_fragments_reassemble_to_the_original(
            options in any_options(),
            payload in 0usize..4000,
            base in 0u16..400,
            mf in any::<bool>(),
            mtu in 68usize..1600,
        ) {
            let flags = base | if mf { FLAG_MF } else { 0 };
            let d = datagram4(&options, payload, flags);
            let f = Ipv4Fragments::new(&d, mtu).unwrap();
            let mut frags = Vec::new();
            let mut buf = [0u8; 1600];
            for k in 0..f.count() {
                let n = f.write(k, &mut buf).unwrap();
                prop_assert_eq!(Some(n), f.fragment_len(k));
                frags.push(buf[..n].to_vec());
            }
            let copied: Vec<u8> = {
                let ip = Ipv4::new(&d[..]).unwrap();
                let mut c = Vec::new();
                for o in ip.options_iter() {
                    let o = o.unwrap();
                    if o.kind & 0x80 != 0 {
                        c.push(o.kind);
                        c.push(o.data.len() as u8 + 2);
                        c.extend_from_slice(o.data);
                    }
                }
                c
            };
            let mut expect_at = usize::from(base) * 8;
            for (k, frag) in frags.iter().enumerate() {
                let ip = Ipv4::new(&frag[..]).unwrap();
                prop_assert!(ip.verify_checksum());
                prop_assert!(frag.len() <= mtu || f.count() == 1);
                prop_assert_eq!(ip.fragment_offset_bytes(), expect_at);
                expect_at += ip.payload().len();
                let last = k + 1 == frags.len();
                prop_assert_eq!(ip.more_fragments(), !last || mf);
                prop_assert!(last || ip.payload().len() % 8 == 0);
                prop_assert_eq!(ip.identification(), 0xbeef);
                if k == 0 {
                    prop_assert_eq!(ip.options(), &options[..]);
                } else {
                    let o = ip.options();
                    prop_assert_eq!(&o[..copied.len()], &copied[..]);
                    prop_assert!(o[copied.len()..].iter().all(|&b| b == 0) && o.len() - copied.len() < 4);
                }
            }
            prop_assert_eq!(reassemble4(&frags), d.clone());
            // In any order.
            frags.reverse();
            prop_assert_eq!(reassemble4(&frags), d);
        }

        #[test]
        fn ipv6_fragments_reassemble_to_the_original(
            hop_by_hop in proptest::option::of(0u8..4),
            dest_before in proptest::option::of(0u8..3),
            routing in proptest::option::of(0u8..3),
            dest_after in proptest::option::of(0u8..3),
            payload in 0usize..5000,
            mtu in 1280usize..2000,
            ident in any::<u32>(),
        ) {
            // Build the chain: [hop-by-hop] [dest] [routing] [dest] UDP.
            let mut chain: Vec<(u8, u8)> = Vec::new(); // (kind, hdr ext len)
            if let Some(l) = hop_by_hop { chain.push((0, l)); }
            if let Some(l) = dest_before { chain.push((60, l)); }
            if let Some(l) = routing { chain.push((43, l)); }
            if let Some(l) = dest_after { chain.push((60, l)); }
            let mut body = Vec::new();
            for (i, &(_, l)) in chain.iter().enumerate() {
                let next = chain.get(i + 1).map_or(17, |c| c.0);
                let mut h = std::vec![0x33u8; (usize::from(l) + 1) * 8];
                h[0] = next;
                h[1] = l;
                if chain[i].0 != 43 {
                    // PadN over the option area, so options parse.
                    h[2] = 1;
                    h[3] = (h.len() - 4) as u8;
                }
                body.extend_from_slice(&h);
            }
            let unfrag_len = 40 + chain.iter().take(
                chain.iter().rposition(|c| c.0 == 43).map_or(
                    usize::from(hop_by_hop.is_some()), |p| p + 1)
            ).map(|c| (usize::from(c.1) + 1) * 8).sum::<usize>();
            body.extend((0..payload).map(|i| (i * 13) as u8));
            let src: Ipv6Addr = "2001:db8::7".parse().unwrap();
            let mut p = std::vec![0u8; 40];
            Ipv6Header {
                next_header: IpProtocol(chain.first().map_or(17, |c| c.0)),
                src,
                dst: "2001:db8::1".parse().unwrap(),
                payload_len: body.len() as u16,
                ..Ipv6Header::default()
            }.emit(&mut p).unwrap();
            p.extend_from_slice(&body);

            let f = Ipv6Fragments::new(&p, mtu, ident).unwrap();
            let mut buf = [0u8; 2000];
            if p.len() <= mtu {
                prop_assert_eq!(f.count(), 1);
                let n = f.write(0, &mut buf).unwrap();
                prop_assert_eq!(&buf[..n], &p[..]);
                return Ok(());
            }
            // Reassemble: unfragmentable part of the first, its next-header
            // field restored from the fragment header, the pieces by offset.
            let mut unfrag = Vec::new();
            let mut data = Vec::new();
            for k in 0..f.count() {
                let n = f.write(k, &mut buf).unwrap();
                prop_assert!(n <= mtu);
                let frag = &buf[..n];
                let ip = Ipv6::new(frag).unwrap();
                prop_assert_eq!(usize::from(ip.payload_len()) + 40, n);
                // The fragment header follows the unfragmentable part.
                // Up to the fragment header (what follows it in a later
                // fragment is data).
                let mut exts = Vec::new();
                for e in ip.ext_headers() {
                    let e = e.unwrap();
                    exts.push(e);
                    if e.kind == Ipv6ExtKind::Fragment {
                        break;
                    }
                }
                let fh = exts.len() - 1;
                prop_assert_eq!(exts[fh].kind, Ipv6ExtKind::Fragment);
                let at = 40 + exts[..fh].iter().map(Ipv6Ext::len).sum::<usize>();
                prop_assert_eq!(at, unfrag_len);
                let fv = Ipv6Fragment::new(&frag[at..]).unwrap();
                prop_assert_eq!(fv.identification(), ident);
                prop_assert_eq!(fv.more_fragments(), k + 1 < f.count());
                prop_assert_eq!(fv.fragment_offset_bytes(), data.len());
                let piece = &frag[at + 8..];
                prop_assert!(k + 1 == f.count() || piece.len() % 8 == 0);
                data.extend_from_slice(piece);
                if k == 0 {
                    unfrag = frag[..at].to_vec();
                    let nh_at = if fh == 0 { 6 } else { 40 + exts[..fh - 1].iter().map(Ipv6Ext::len).sum::<usize>() };
                    prop_assert_eq!(unfrag[nh_at], 44);
                    unfrag[nh_at] = fv.next_header().0;
                }
            }
            let mut whole = unfrag;
            whole.extend_from_slice(&data);
            let pl = (whole.len() - 40) as u16;
            whole[4..6].copy_from_slice(&pl.to_be_bytes());
            prop_assert_eq!(whole, p);
        }
    }
}
