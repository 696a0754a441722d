//! ICMP error messages built from the offending packet ([RFC 792], [RFC
//! 1191], [RFC 1812 section 4.3], [RFC 4443]), and the rules that say when
//! a router must not send one.
//!
//! A router that drops a datagram answers with one whole IP datagram: an
//! IP header from the router to the offending datagram's source, the
//! 8-octet ICMP header, and as much of the offending datagram as fits:
//!
//! ```text
//! +-------------------------------+  IPv4: 20 octets, protocol 1, ToS 0xC0
//! | IP header (router -> source)  |  IPv6: 40 octets, next header 58
//! +-------------------------------+
//! | Type | Code |    Checksum     |  ICMP header; the rest of header
//! |  unused / MTU / pointer       |  holds the MTU or the pointer
//! +-------------------------------+
//! | the offending datagram, from  |  IPv4: up to 576 octets in all
//! | its IP header on, unchanged,  |        (RFC 1812 section 4.3.2.3)
//! | cut where the message must end|  IPv6: up to 1280 octets in all
//! +-------------------------------+        (RFC 4443 section 2.4 (c))
//! ```
//!
//! [`icmpv4_error`] and [`icmpv6_error`] write that datagram into a
//! caller's buffer, every length and checksum right (the ICMPv6 checksum
//! with its pseudo-header), and return its length. [`may_send_icmpv4`] and
//! [`may_send_icmpv6`] are the checks a router makes first ([RFC 1812
//! section 4.3.2.7], [RFC 4443 section 2.4 (e)]) and say why not as a
//! [`Suppressed`].
//!
//! **Rate limiting is the caller's.** RFC 1812 section 4.3.2.8 and RFC
//! 4443 section 2.4 (f) require a router to limit the rate at which it
//! originates ICMP errors (Linux: one per second and destination by default
//! for these types, `net.ipv4.icmp_ratelimit`, `net.ipv6.icmp.ratelimit`);
//! this module keeps no state and sends nothing, so a token bucket in front
//! of it is the caller's to keep.
//!
//! [RFC 792]: https://www.rfc-editor.org/rfc/rfc792
//! [RFC 1191]: https://www.rfc-editor.org/rfc/rfc1191
//! [RFC 1812 section 4.3]: https://www.rfc-editor.org/rfc/rfc1812#section-4.3
//! [RFC 1812 section 4.3.2.7]: https://www.rfc-editor.org/rfc/rfc1812#section-4.3.2.7
//! [RFC 4443]: https://www.rfc-editor.org/rfc/rfc4443
//! [RFC 4443 section 2.4 (e)]: https://www.rfc-editor.org/rfc/rfc4443#section-2.4

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

use crate::error::{Error, Layer};
use crate::ethernet::MacAddr;
use crate::icmpv4::{self, Icmpv4Code, Icmpv4Header, Icmpv4Mut, Icmpv4Type};
use crate::icmpv6::{self, Icmpv6Code, Icmpv6Header, Icmpv6Mut, Icmpv6Type};
use crate::ip::{Dscp, Ecn, IpProtocol};
use crate::ipv4::{self, Ipv4, Ipv4Header};
use crate::ipv6::{self, Ipv6, Ipv6Header};
use crate::ipv6_ext::Ipv6ExtKind;

/// The longest ICMPv4 error message, IP header included, in octets: "as
/// much of the original datagram as possible without the length of the
/// ICMP datagram exceeding 576 bytes" ([RFC 1812 section 4.3.2.3]).
///
/// [RFC 1812 section 4.3.2.3]: https://www.rfc-editor.org/rfc/rfc1812#section-4.3.2.3
pub const IPV4_MAX_LEN: usize = 576;

/// The longest ICMPv6 error message, IPv6 header included, in octets: "as
/// much of invoking packet as possible without the ICMPv6 packet exceeding
/// the minimum IPv6 MTU" ([RFC 4443 section 2.4 (c)]).
///
/// [RFC 4443 section 2.4 (c)]: https://www.rfc-editor.org/rfc/rfc4443#section-2.4
pub const IPV6_MAX_LEN: usize = 1280;

/// An ICMPv4 error to send, with what its type carries. Codes are the
/// [RFC 792] / [RFC 1812 section 5.2.7.1] numbers.
///
/// [RFC 792]: https://www.rfc-editor.org/rfc/rfc792
/// [RFC 1812 section 5.2.7.1]: https://www.rfc-editor.org/rfc/rfc1812#section-5.2.7.1
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Icmpv4Error {
    /// Destination unreachable (type 3) with this code
    /// ([`Icmpv4Code::NET_UNREACHABLE`], [`HOST_UNREACHABLE`](Icmpv4Code::HOST_UNREACHABLE),
    /// [`PORT_UNREACHABLE`](Icmpv4Code::PORT_UNREACHABLE),
    /// [`ADMIN_PROHIBITED`](Icmpv4Code::ADMIN_PROHIBITED), ...). Code 4
    /// written this way carries a next-hop MTU of 0, as routers before
    /// RFC 1191 sent it; use [`FragmentationNeeded`](Self::FragmentationNeeded) instead.
    DestinationUnreachable(Icmpv4Code),
    /// Destination unreachable, code 4 ([`Icmpv4Code::FRAG_NEEDED`]):
    /// the datagram needs fragmenting but has DF set. Carries the MTU of
    /// the next-hop link ([RFC 1191 section 4]).
    ///
    /// [RFC 1191 section 4]: https://www.rfc-editor.org/rfc/rfc1191#section-4
    FragmentationNeeded {
        /// The MTU of the link the datagram did not fit (the next-hop
        /// MTU), in octets.
        mtu: u16,
    },
    /// Time exceeded (type 11): [`Icmpv4Code::TTL_EXCEEDED`] in transit,
    /// or [`Icmpv4Code::REASSEMBLY_TIME_EXCEEDED`].
    TimeExceeded(Icmpv4Code),
    /// Parameter problem (type 12): [`Icmpv4Code::POINTER_INDICATES_ERROR`]
    /// with a pointer to the octet of the offending datagram (from its IP
    /// header) where the problem is, [`Icmpv4Code::MISSING_OPTION`],
    /// [`Icmpv4Code::BAD_LENGTH`].
    ParameterProblem {
        /// The code.
        code: Icmpv4Code,
        /// Offset of the offending octet in the quoted datagram.
        pointer: u8,
    },
}

impl Icmpv4Error {
    /// The message type.
    pub const fn msg_type(&self) -> Icmpv4Type {
        match self {
            Self::DestinationUnreachable(_) | Self::FragmentationNeeded { .. } => {
                Icmpv4Type::DEST_UNREACHABLE
            }
            Self::TimeExceeded(_) => Icmpv4Type::TIME_EXCEEDED,
            Self::ParameterProblem { .. } => Icmpv4Type::PARAMETER_PROBLEM,
        }
    }

    /// The code.
    pub const fn code(&self) -> Icmpv4Code {
        match *self {
            Self::DestinationUnreachable(code)
            | Self::TimeExceeded(code)
            | Self::ParameterProblem { code, .. } => code,
            Self::FragmentationNeeded { .. } => Icmpv4Code::FRAG_NEEDED,
        }
    }

    /// The four octets after the checksum: the next-hop MTU in the low 16
    /// bits, the pointer in the high 8, else 0.
    pub const fn rest_of_header(&self) -> u32 {
        match *self {
            Self::FragmentationNeeded { mtu } => mtu as u32,
            Self::ParameterProblem { pointer, .. } => (pointer as u32) << 24,
            _ => 0,
        }
    }

    /// The ICMP header of the message.
    pub const fn header(&self) -> Icmpv4Header {
        Icmpv4Header {
            msg_type: self.msg_type(),
            code: self.code(),
            rest_of_header: self.rest_of_header(),
        }
    }
}

/// An ICMPv6 error to send, with what its type carries ([RFC 4443
/// section 3]).
///
/// [RFC 4443 section 3]: https://www.rfc-editor.org/rfc/rfc4443#section-3
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Icmpv6Error {
    /// Destination unreachable (type 1) with this code
    /// ([`Icmpv6Code::NO_ROUTE`], [`ADDRESS_UNREACHABLE`](Icmpv6Code::ADDRESS_UNREACHABLE),
    /// [`PORT_UNREACHABLE`](Icmpv6Code::PORT_UNREACHABLE), ...).
    DestinationUnreachable(Icmpv6Code),
    /// Packet too big (type 2, code 0), with the MTU of the next-hop link.
    PacketTooBig {
        /// The MTU of the link the packet did not fit, in octets.
        mtu: u32,
    },
    /// Time exceeded (type 3): [`Icmpv6Code::HOP_LIMIT_EXCEEDED`] in
    /// transit, or [`Icmpv6Code::REASSEMBLY_TIME_EXCEEDED`].
    TimeExceeded(Icmpv6Code),
    /// Parameter problem (type 4): [`Icmpv6Code::ERRONEOUS_HEADER_FIELD`],
    /// [`UNRECOGNIZED_NEXT_HEADER`](Icmpv6Code::UNRECOGNIZED_NEXT_HEADER),
    /// [`UNRECOGNIZED_OPTION`](Icmpv6Code::UNRECOGNIZED_OPTION), ..., with a
    /// pointer to the offending octet of the quoted packet.
    ParameterProblem {
        /// The code.
        code: Icmpv6Code,
        /// Offset of the offending octet in the quoted packet, from its
        /// IPv6 header.
        pointer: u32,
    },
}

impl Icmpv6Error {
    /// The message type.
    pub const fn msg_type(&self) -> Icmpv6Type {
        match self {
            Self::DestinationUnreachable(_) => Icmpv6Type::DEST_UNREACHABLE,
            Self::PacketTooBig { .. } => Icmpv6Type::PACKET_TOO_BIG,
            Self::TimeExceeded(_) => Icmpv6Type::TIME_EXCEEDED,
            Self::ParameterProblem { .. } => Icmpv6Type::PARAMETER_PROBLEM,
        }
    }

    /// The code.
    pub const fn code(&self) -> Icmpv6Code {
        match *self {
            Self::DestinationUnreachable(code)
            | Self::TimeExceeded(code)
            | Self::ParameterProblem { code, .. } => code,
            Self::PacketTooBig { .. } => Icmpv6Code(0),
        }
    }

    /// The four octets after the checksum: the MTU, the pointer, else 0.
    pub const fn rest_of_header(&self) -> u32 {
        match *self {
            Self::PacketTooBig { mtu } => mtu,
            Self::ParameterProblem { pointer, .. } => pointer,
            _ => 0,
        }
    }

    /// The ICMPv6 header of the message.
    pub const fn header(&self) -> Icmpv6Header {
        Icmpv6Header {
            msg_type: self.msg_type(),
            code: self.code(),
            rest_of_header: self.rest_of_header(),
        }
    }
}

/// How the error message's IP header is filled in, besides its addresses.
///
/// The [`Default`] is what Linux sends (checked against its own Time
/// Exceeded, Fragmentation Needed and Packet Too Big messages, see the
/// tests): TTL / hop limit 64 (`net.ipv4.ip_default_ttl`), IPv4 ToS 0xC0
/// (precedence "internetwork control", DSCP CS6, [RFC 1812 section
/// 4.3.2.5]) and IPv6 traffic class 0, identification and flow label 0
/// (Linux fills both from per-destination counters and hashes; set them
/// if you keep such state). The IPv4 header has DF clear and no options.
///
/// [RFC 1812 section 4.3.2.5]: https://www.rfc-editor.org/rfc/rfc1812#section-4.3.2.5
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorOptions {
    /// IPv4 time to live or IPv6 hop limit of the message.
    pub hop_limit: u8,
    /// IPv4 type of service octet (DSCP and ECN) of an ICMPv4 message.
    pub tos: u8,
    /// IPv6 traffic class (DSCP and ECN) of an ICMPv6 message.
    pub traffic_class: u8,
    /// IPv4 identification of an ICMPv4 message.
    pub identification: u16,
    /// IPv6 flow label (20 bits) of an ICMPv6 message.
    pub flow_label: u32,
}

impl Default for ErrorOptions {
    /// Hop limit 64, ToS 0xC0, traffic class 0, identification and flow
    /// label 0.
    fn default() -> Self {
        ErrorOptions {
            hop_limit: 64,
            tos: 0xC0,
            traffic_class: 0,
            identification: 0,
            flow_label: 0,
        }
    }
}

/// How much of a datagram of `datagram_len` octets to quote in a message of
/// at most `max_len` octets with `overhead` octets of headers before the
/// quote, in a buffer of `available` octets; at least `min_quote`.
fn quote_len(
    layer: Layer,
    datagram_len: usize,
    min_quote: usize,
    overhead: usize,
    max_len: usize,
    available: usize,
) -> Result<usize, Error> {
    let room = available.min(max_len).saturating_sub(overhead);
    let quote = datagram_len.min(room);
    if quote < min_quote {
        return Err(Error::NoRoom {
            layer,
            needed: overhead + min_quote,
            available,
        });
    }
    Ok(quote)
}

/// Writes an ICMPv4 error message about `offending` into `buf`, as a whole
/// IPv4 datagram from `src` to the offending datagram's source, and
/// returns its length.
///
/// `offending` starts at the offending datagram's IPv4 header, as it was
/// received (TTL not yet decremented: quote what the source sent); bytes
/// beyond its total length (link-layer padding) are not quoted, and a
/// datagram cut short is quoted as far as it goes. The message quotes as
/// much of it as fits in [`IPV4_MAX_LEN`] octets and in `buf`: with a
/// smaller buffer it quotes less, but at least the offending IP header and
/// 8 octets of its payload (RFC 792; or the whole datagram when it is
/// shorter). The quote is copied unchanged.
///
/// This does not check whether the message may be sent: call
/// [`may_send_icmpv4`] first.
///
/// # Errors
/// What [`Ipv4::new_truncated`] reports about `offending`;
/// [`Error::NoRoom`] (at [`Layer::Icmpv4`]) when `buf` cannot hold the
/// headers, the offending IP header and 8 octets after it.
///
/// ```
/// use core::net::Ipv4Addr;
/// use wireview::icmp_error::{icmpv4_error, ErrorOptions, Icmpv4Error};
/// use wireview::{Icmpv4, Icmpv4Code, Icmpv4Type, IpProtocol, Ipv4, Ipv4Header};
///
/// // A UDP datagram whose TTL ran out at this router.
/// let mut offending = [0u8; 48];
/// Ipv4Header {
///     ttl: 1,
///     protocol: IpProtocol::UDP,
///     src: Ipv4Addr::new(192, 0, 2, 7),
///     dst: Ipv4Addr::new(198, 51, 100, 1),
///     payload_len: 28,
///     ..Ipv4Header::default()
/// }
/// .emit(&mut offending)?;
///
/// let mut buf = [0u8; 576];
/// let router = Ipv4Addr::new(192, 0, 2, 1);
/// let n = icmpv4_error(&mut buf, router, Icmpv4Error::TimeExceeded(Icmpv4Code::TTL_EXCEEDED), &offending, &ErrorOptions::default())?;
/// let ip = Ipv4::new(&buf[..n])?;
/// assert_eq!((ip.src(), ip.dst(), ip.tos(), ip.ttl()), (router, Ipv4Addr::new(192, 0, 2, 7), 0xC0, 64));
/// assert!(ip.verify_checksum());
/// let icmp = Icmpv4::new(ip.payload())?;
/// assert_eq!((icmp.msg_type(), icmp.code()), (Icmpv4Type::TIME_EXCEEDED, Icmpv4Code::TTL_EXCEEDED));
/// assert!(icmp.verify_checksum());
/// assert_eq!(icmp.quoted(), &offending[..]);
/// # Ok::<(), wireview::Error>(())
/// ```
pub fn icmpv4_error(
    buf: &mut [u8],
    src: Ipv4Addr,
    error: Icmpv4Error,
    offending: &[u8],
    options: &ErrorOptions,
) -> Result<usize, Error> {
    let ip = Ipv4::new_truncated(offending)?;
    let datagram_len = match usize::from(ip.total_len()) {
        0 => offending.len(),
        total => total.min(offending.len()),
    };
    let min_quote = (ip.header_len() + 8).min(datagram_len);
    let overhead = ipv4::HEADER_LEN + icmpv4::HEADER_LEN;
    let quote = quote_len(
        Layer::Icmpv4,
        datagram_len,
        min_quote,
        overhead,
        IPV4_MAX_LEN,
        buf.len(),
    )?;
    let total = overhead + quote;
    Ipv4Header {
        dscp: Dscp::from_tos(options.tos),
        ecn: Ecn::from_bits(options.tos),
        identification: options.identification,
        dont_fragment: false,
        more_fragments: false,
        fragment_offset: 0,
        ttl: options.hop_limit,
        protocol: IpProtocol::ICMP,
        src,
        dst: ip.src(),
        // At most 576 - 20: fits.
        payload_len: (icmpv4::HEADER_LEN + quote) as u16,
    }
    .emit(buf)?;
    let msg = &mut buf[ipv4::HEADER_LEN..total];
    error.header().emit(msg)?;
    msg[icmpv4::HEADER_LEN..].copy_from_slice(&offending[..quote]);
    Icmpv4Mut::new(msg)?.fill_checksum();
    Ok(total)
}

/// Writes an ICMPv6 error message about `offending` into `buf`, as a whole
/// IPv6 packet from `src` to the offending packet's source, and returns
/// its length.
///
/// `offending` starts at the offending packet's IPv6 header, as it was
/// received; bytes beyond its payload length are not quoted (a jumbogram is
/// the whole buffer), and a packet cut short is quoted as far as it goes.
/// The message quotes as much of it as fits in [`IPV6_MAX_LEN`] octets and
/// in `buf`: with a smaller buffer it quotes less, but at least the 40-octet
/// IPv6 header and 8 octets after it (or the whole packet when it is
/// shorter). The checksum covers the pseudo-header ([RFC 4443 section
/// 2.3]).
///
/// This does not check whether the message may be sent: call
/// [`may_send_icmpv6`] first.
///
/// # Errors
/// What [`Ipv6::new_truncated`] reports about `offending`;
/// [`Error::NoRoom`] (at [`Layer::Icmpv6`]) when `buf` cannot hold the
/// headers and 48 octets of quote; [`Error::BadValue`] when the options'
/// flow label does not fit in 20 bits.
///
/// [RFC 4443 section 2.3]: https://www.rfc-editor.org/rfc/rfc4443#section-2.3
///
/// ```
/// use core::net::Ipv6Addr;
/// use wireview::icmp_error::{icmpv6_error, ErrorOptions, Icmpv6Error};
/// use wireview::{Icmpv6, Icmpv6Type, IpProtocol, Ipv6, Ipv6Header};
///
/// // A 1,500-octet packet that does not fit a 1,280-octet link.
/// let mut offending = [0u8; 1500];
/// let sender: Ipv6Addr = "2001:db8:1::7".parse().unwrap();
/// Ipv6Header {
///     next_header: IpProtocol::UDP,
///     src: sender,
///     dst: "2001:db8:2::1".parse().unwrap(),
///     payload_len: 1460,
///     ..Ipv6Header::default()
/// }
/// .emit(&mut offending)?;
///
/// let mut buf = [0u8; 1280];
/// let router: Ipv6Addr = "2001:db8:1::1".parse().unwrap();
/// let error = Icmpv6Error::PacketTooBig { mtu: 1280 };
/// let n = icmpv6_error(&mut buf, router, error, &offending, &ErrorOptions::default())?;
/// assert_eq!(n, 1280);
/// let ip = Ipv6::new(&buf[..n])?;
/// assert_eq!((ip.dst(), ip.hop_limit()), (sender, 64));
/// let icmp = Icmpv6::new(ip.payload())?;
/// assert_eq!((icmp.msg_type(), icmp.mtu()), (Icmpv6Type::PACKET_TOO_BIG, 1280));
/// assert!(icmp.verify_checksum(router, sender));
/// assert_eq!(icmp.quoted(), &offending[..1232]);
/// # Ok::<(), wireview::Error>(())
/// ```
pub fn icmpv6_error(
    buf: &mut [u8],
    src: Ipv6Addr,
    error: Icmpv6Error,
    offending: &[u8],
    options: &ErrorOptions,
) -> Result<usize, Error> {
    let ip = Ipv6::new_truncated(offending)?;
    let datagram_len = if ip.is_jumbogram() {
        offending.len()
    } else {
        (ipv6::HEADER_LEN + usize::from(ip.payload_len())).min(offending.len())
    };
    let min_quote = (ipv6::HEADER_LEN + 8).min(datagram_len);
    let overhead = ipv6::HEADER_LEN + icmpv6::HEADER_LEN;
    let quote = quote_len(
        Layer::Icmpv6,
        datagram_len,
        min_quote,
        overhead,
        IPV6_MAX_LEN,
        buf.len(),
    )?;
    let total = overhead + quote;
    let dst = ip.src();
    Ipv6Header {
        dscp: Dscp::from_tos(options.traffic_class),
        ecn: Ecn::from_bits(options.traffic_class),
        flow_label: options.flow_label,
        // At most 1280 - 40: fits.
        payload_len: (icmpv6::HEADER_LEN + quote) as u16,
        next_header: IpProtocol::ICMPV6,
        hop_limit: options.hop_limit,
        src,
        dst,
    }
    .emit(buf)?;
    let msg = &mut buf[ipv6::HEADER_LEN..total];
    error.header().emit(msg)?;
    msg[icmpv6::HEADER_LEN..].copy_from_slice(&offending[..quote]);
    Icmpv6Mut::new(msg)?.fill_checksum(src, dst);
    Ok(total)
}

/// How the offending datagram arrived, as far as only the caller knows it.
///
/// The [`Default`] is a datagram received as link-layer unicast and not
/// addressed to a directed broadcast address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Arrival {
    /// The frame was sent to a link-layer broadcast or multicast address
    /// (for Ethernet: its destination MAC has the group bit set, see
    /// [`Arrival::from_dst_mac`]).
    pub link_multicast: bool,
    /// The IP destination is a broadcast address of a network the router
    /// is attached to (a directed broadcast, [RFC 1812 section 5.3.5]).
    /// Limited broadcast and multicast destinations are recognised without
    /// this flag.
    ///
    /// [RFC 1812 section 5.3.5]: https://www.rfc-editor.org/rfc/rfc1812#section-5.3.5
    pub ip_broadcast: bool,
}

impl Arrival {
    /// The arrival of a frame sent to the Ethernet address `dst`: link
    /// multicast when the group bit is set (broadcast included).
    pub const fn from_dst_mac(dst: MacAddr) -> Arrival {
        Arrival {
            link_multicast: dst.is_multicast(),
            ip_broadcast: false,
        }
    }
}

/// Why an ICMP error message must not be sent, by the rule of [RFC 1812
/// section 4.3.2.7] or [RFC 4443 section 2.4 (e)] that forbids it.
///
/// [RFC 1812 section 4.3.2.7]: https://www.rfc-editor.org/rfc/rfc1812#section-4.3.2.7
/// [RFC 4443 section 2.4 (e)]: https://www.rfc-editor.org/rfc/rfc4443#section-2.4
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Suppressed {
    /// The datagram fails IP header validation (version, header length,
    /// total or payload length beyond what arrived, IPv4 header
    /// checksum): a router discards it silently.
    Invalid,
    /// The datagram is itself an ICMP error message (ICMPv4 types 3, 4, 5,
    /// 11, 12; ICMPv6 types below 128), an ICMPv6 Redirect, or an ICMP
    /// message too short to tell.
    AboutIcmpError,
    /// The datagram was sent to an IP broadcast or multicast address.
    IpMulticast,
    /// The datagram was sent as a link-layer broadcast or multicast.
    LinkMulticast,
    /// The datagram's source does not identify a single host (unspecified,
    /// "this network", loopback, multicast, broadcast, class E).
    SourceNotUnicast,
    /// The datagram is a fragment other than the first (fragment offset
    /// not 0).
    LaterFragment,
}

impl fmt::Display for Suppressed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Suppressed::Invalid => "the datagram fails IP header validation",
            Suppressed::AboutIcmpError => "the datagram is an ICMP error message",
            Suppressed::IpMulticast => {
                "the datagram was sent to an IP broadcast or multicast address"
            }
            Suppressed::LinkMulticast => {
                "the datagram was sent as a link-layer broadcast or multicast"
            }
            Suppressed::SourceNotUnicast => "the datagram's source is not a unicast host address",
            Suppressed::LaterFragment => "the datagram is a fragment other than the first",
        })
    }
}

/// Whether `addr` may be the source of a datagram an ICMPv4 error answers:
/// not 0/8 ("this network", RFC 1812 section 5.3.7: "network prefix of
/// zero"), not loopback 127/8, not multicast 224/4, not class E 240/4
/// (which holds the limited broadcast address), as RFC 1122 section 3.2.2
/// lists.
const fn is_ipv4_host(addr: Ipv4Addr) -> bool {
    !matches!(addr.octets()[0], 0 | 127 | 224..=255)
}

/// Checks whether a router may send an ICMPv4 error message about
/// `offending` (its IPv4 header onwards, as received), by the rules of
/// [RFC 1812 section 4.3.2.7] and [RFC 1122 section 3.2.2]. Call it before
/// [`icmpv4_error`]; the rules are the same for every error type.
///
/// An ICMPv4 error is one of types 3, 4, 5, 11 and 12
/// ([`Icmpv4Type::is_error`]); an ICMP message with no type octet counts
/// as one, as Linux counts it (Linux also counts every type above 18,
/// which this does not). Rate limiting is the caller's (see the [module
/// documentation](self)), as are the addresses only the router knows: a
/// directed broadcast destination ([`Arrival::ip_broadcast`]) and a link-
/// layer broadcast ([`Arrival::link_multicast`]).
///
/// # Errors
/// The first rule that forbids the message, in RFC 1812's order:
/// [`Suppressed::Invalid`], [`AboutIcmpError`](Suppressed::AboutIcmpError),
/// [`IpMulticast`](Suppressed::IpMulticast),
/// [`LinkMulticast`](Suppressed::LinkMulticast),
/// [`SourceNotUnicast`](Suppressed::SourceNotUnicast),
/// [`LaterFragment`](Suppressed::LaterFragment).
///
/// [RFC 1812 section 4.3.2.7]: https://www.rfc-editor.org/rfc/rfc1812#section-4.3.2.7
/// [RFC 1122 section 3.2.2]: https://www.rfc-editor.org/rfc/rfc1122#section-3.2.2
///
/// ```
/// use core::net::Ipv4Addr;
/// use wireview::icmp_error::{may_send_icmpv4, Arrival, Suppressed};
/// use wireview::{IpProtocol, Ipv4Header, MacAddr};
///
/// let mut datagram = [0u8; 28];
/// let mut hdr = Ipv4Header {
///     protocol: IpProtocol::UDP,
///     src: Ipv4Addr::new(192, 0, 2, 7),
///     dst: Ipv4Addr::new(198, 51, 100, 1),
///     payload_len: 8,
///     ..Ipv4Header::default()
/// };
/// hdr.emit(&mut datagram)?;
/// assert_eq!(may_send_icmpv4(&datagram, Arrival::default()), Ok(()));
/// let broadcast = Arrival::from_dst_mac(MacAddr::BROADCAST);
/// assert_eq!(may_send_icmpv4(&datagram, broadcast), Err(Suppressed::LinkMulticast));
/// hdr.dst = Ipv4Addr::new(224, 0, 0, 251);
/// hdr.emit(&mut datagram)?;
/// assert_eq!(may_send_icmpv4(&datagram, Arrival::default()), Err(Suppressed::IpMulticast));
/// # Ok::<(), wireview::Error>(())
/// ```
pub fn may_send_icmpv4(offending: &[u8], arrival: Arrival) -> Result<(), Suppressed> {
    let ip = Ipv4::new(offending).map_err(|_| Suppressed::Invalid)?;
    if !ip.verify_checksum() {
        return Err(Suppressed::Invalid);
    }
    let first = ip.fragment_offset() == 0;
    if first && ip.protocol() == IpProtocol::ICMP {
        match ip.payload().first() {
            Some(&t) if !Icmpv4Type(t).is_error() => {}
            _ => return Err(Suppressed::AboutIcmpError),
        }
    }
    let dst = ip.dst();
    if arrival.ip_broadcast || dst.is_multicast() || dst.is_broadcast() {
        return Err(Suppressed::IpMulticast);
    }
    if arrival.link_multicast {
        return Err(Suppressed::LinkMulticast);
    }
    if !is_ipv4_host(ip.src()) {
        return Err(Suppressed::SourceNotUnicast);
    }
    if !first {
        return Err(Suppressed::LaterFragment);
    }
    Ok(())
}

/// The upper layer of an IPv6 packet, as far as an ICMP error cares.
#[derive(Clone, Copy)]
enum Upper {
    /// Not ICMPv6, or not reached (a chain that cannot be read).
    Other,
    /// ICMPv6, with this type.
    Icmpv6(u8),
    /// ICMPv6, but the type octet is missing.
    Icmpv6Cut,
}

/// What the extension-header chain of an IPv6 packet tells about it.
struct Ipv6Scan {
    /// The upper layer.
    icmp_type: Upper,
    /// A fragment header with a non-zero offset was found.
    later_fragment: bool,
}

fn scan_ipv6(ip: &Ipv6<&[u8]>) -> Ipv6Scan {
    let payload = ip.payload();
    let mut exts = ip.ext_headers();
    let mut scan = Ipv6Scan {
        icmp_type: Upper::Other,
        later_fragment: false,
    };
    loop {
        match exts.next() {
            Some(Ok(ext)) => {
                // A fragment header is 8 octets: the offset is in octets 2..4.
                if ext.kind == Ipv6ExtKind::Fragment
                    && u16::from_be_bytes([ext.data[2], ext.data[3]]) >> 3 != 0
                {
                    scan.later_fragment = true;
                    return scan;
                }
            }
            // A chain that cannot be read may be what a Parameter Problem
            // is about: the upper layer stays unknown.
            Some(Err(_)) => return scan,
            None => break,
        }
    }
    let (upper, at) = exts.upper_layer();
    if upper == IpProtocol::ICMPV6 {
        scan.icmp_type = match payload.get(at) {
            Some(&t) => Upper::Icmpv6(t),
            None => Upper::Icmpv6Cut,
        };
    }
    scan
}

/// Whether `addr` may be the source of a packet an ICMPv6 error answers:
/// not the unspecified address, not multicast, not loopback (which RFC 4291
/// section 2.5.3 forbids outside a node).
fn is_ipv6_host(addr: Ipv6Addr) -> bool {
    !(addr.is_unspecified() || addr.is_multicast() || addr.is_loopback())
}

/// Checks whether a router may send the ICMPv6 error `error` about
/// `offending` (its IPv6 header onwards, as received), by the rules of
/// [RFC 4443 section 2.4 (e)]. Call it before [`icmpv6_error`].
///
/// The multicast rules have two exceptions, which need `error`: a Packet
/// Too Big, and a Parameter Problem code 2 whose pointer points at an
/// option type octet with its highest-order two bits `10`, may be sent for
/// a packet sent to a multicast address, link-layer or IPv6.
///
/// A later fragment (a fragment header with a non-zero offset) gets no
/// Destination Unreachable or Time Exceeded, as in IPv4 (its upper layer is
/// unknown, so it might be an ICMPv6 error); RFC 4443 does not forbid
/// errors about it, and RFC 8200 section 4.5 asks for Parameter Problems
/// about fragments, so Packet Too Big and Parameter Problem are allowed.
/// An address "known by the ICMP message originator to be an IPv6 anycast
/// address" (e.6) is the caller's to know; rate limiting too (see the
/// [module documentation](self)).
///
/// # Errors
/// The first rule that forbids the message, in RFC 4443's order:
/// [`Suppressed::Invalid`], [`AboutIcmpError`](Suppressed::AboutIcmpError)
/// (e.1, e.2), [`IpMulticast`](Suppressed::IpMulticast) (e.3),
/// [`LinkMulticast`](Suppressed::LinkMulticast) (e.4, e.5),
/// [`SourceNotUnicast`](Suppressed::SourceNotUnicast) (e.6),
/// [`LaterFragment`](Suppressed::LaterFragment).
///
/// [RFC 4443 section 2.4 (e)]: https://www.rfc-editor.org/rfc/rfc4443#section-2.4
///
/// ```
/// use wireview::icmp_error::{may_send_icmpv6, Arrival, Icmpv6Error, Suppressed};
/// use wireview::{Icmpv6Code, IpProtocol, Ipv6Header};
///
/// let mut packet = [0u8; 48];
/// Ipv6Header {
///     next_header: IpProtocol::UDP,
///     src: "2001:db8::7".parse().unwrap(),
///     dst: "ff0e::114".parse().unwrap(),
///     payload_len: 8,
///     ..Ipv6Header::default()
/// }
/// .emit(&mut packet)?;
/// let unreachable = Icmpv6Error::DestinationUnreachable(Icmpv6Code::PORT_UNREACHABLE);
/// assert_eq!(may_send_icmpv6(&packet, &unreachable, Arrival::default()), Err(Suppressed::IpMulticast));
/// // Path MTU discovery works for multicast too.
/// let too_big = Icmpv6Error::PacketTooBig { mtu: 1280 };
/// assert_eq!(may_send_icmpv6(&packet, &too_big, Arrival::default()), Ok(()));
/// # Ok::<(), wireview::Error>(())
/// ```
pub fn may_send_icmpv6(
    offending: &[u8],
    error: &Icmpv6Error,
    arrival: Arrival,
) -> Result<(), Suppressed> {
    let ip = Ipv6::new(offending).map_err(|_| Suppressed::Invalid)?;
    let scan = scan_ipv6(&ip);
    match scan.icmp_type {
        Upper::Icmpv6(t) if Icmpv6Type(t).is_error() || Icmpv6Type(t) == Icmpv6Type::REDIRECT => {
            return Err(Suppressed::AboutIcmpError);
        }
        Upper::Icmpv6Cut => return Err(Suppressed::AboutIcmpError),
        _ => {}
    }
    let multicast_exception = match *error {
        Icmpv6Error::PacketTooBig { .. } => true,
        Icmpv6Error::ParameterProblem { code, pointer }
            if code == Icmpv6Code::UNRECOGNIZED_OPTION =>
        {
            usize::try_from(pointer)
                .ok()
                .and_then(|p| offending.get(p))
                .is_some_and(|&option_type| option_type >> 6 == 0b10)
        }
        _ => false,
    };
    if ip.dst().is_multicast() && !multicast_exception {
        return Err(Suppressed::IpMulticast);
    }
    if arrival.link_multicast && !multicast_exception {
        return Err(Suppressed::LinkMulticast);
    }
    if !is_ipv6_host(ip.src()) {
        return Err(Suppressed::SourceNotUnicast);
    }
    let about_fragment_allowed = matches!(
        error,
        Icmpv6Error::PacketTooBig { .. } | Icmpv6Error::ParameterProblem { .. }
    );
    if scan.later_fragment && !about_fragment_allowed {
        return Err(Suppressed::LaterFragment);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum;
    use crate::icmpv4::Icmpv4;
    use crate::icmpv6::Icmpv6;
    use proptest::prelude::*;
    use std::string::ToString;
    use std::vec::Vec;

    // Known answers: Linux 6.x forwarding between network namespaces
    // (veth, MTU 1280 on the far link), captured with tcpdump on the
    // sender's link: 10.9.1.2 / fd09:1::2 sends through the router
    // 10.9.1.1 / fd09:1::1 to 10.9.2.2 / fd09:2::2 (UDP port 40009 ->
    // 33434/33435, payload octets 0, 1, 2, ...).

    /// The offending datagram: UDP with TTL 1.
    const V4_TTL1: [u8; 60] = [
        0x45, 0x00, 0x00, 0x3c, 0x37, 0x71, 0x40, 0x00, // total length 60, id 0x3771, DF
        0x01, 0x11, 0x2b, 0x2b, 0x0a, 0x09, 0x01, 0x02, // TTL 1, UDP, 10.9.1.2
        0x0a, 0x09, 0x02, 0x02, // 10.9.2.2
        0x9c, 0x49, 0x82, 0x9a, 0x00, 0x28, 0x17, 0x4f, // UDP 40009 -> 33434, length 40
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
        0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
        0x1e, 0x1f,
    ];

    /// Linux's Time Exceeded about it: the headers, then all of `V4_TTL1`.
    const V4_TIME_EXCEEDED_HEAD: [u8; 28] = [
        0x45, 0xc0, 0x00, 0x58, 0xe5, 0x2c, 0x00,
        0x00, // ToS 0xc0, length 88, id 0xe52c, DF clear
        0x40, 0x01, 0x7e, 0xa4, 0x0a, 0x09, 0x01, 0x01, // TTL 64, ICMP, 10.9.1.1
        0x0a, 0x09, 0x01, 0x02, // 10.9.1.2
        0x0b, 0x00, 0xcd, 0xa3, 0x00, 0x00, 0x00, 0x00, // time exceeded, code 0
    ];

    /// The offending datagram's headers: 1428 octets of UDP with DF set.
    const V4_BIG_HEAD: [u8; 28] = [
        0x45, 0x00, 0x05, 0x94, 0x00, 0x00, 0x40, 0x00, // total length 1428, id 0, DF
        0x40, 0x11, 0x1e, 0x44, 0x0a, 0x09, 0x01, 0x02, // TTL 64, UDP, 10.9.1.2
        0x0a, 0x09, 0x02, 0x02, // 10.9.2.2
        0x9c, 0x49, 0x82, 0x9b, 0x05, 0x80, 0x1c, 0xa7, // UDP 40009 -> 33435, length 1408
    ];

    /// Linux's Fragmentation Needed about it: the headers, then the first
    /// 548 octets of the datagram (576 in all).
    const V4_FRAG_NEEDED_HEAD: [u8; 28] = [
        0x45, 0xc0, 0x02, 0x40, 0xe5, 0xe8, 0x00, 0x00, // ToS 0xc0, length 576, id 0xe5e8
        0x40, 0x01, 0x7c, 0x00, 0x0a, 0x09, 0x01, 0x01, // TTL 64, ICMP, 10.9.1.1
        0x0a, 0x09, 0x01, 0x02, // 10.9.1.2
        0x03, 0x04, 0x2a, 0x60, 0x00, 0x00, 0x05, 0x00, // unreachable, frag needed, MTU 1280
    ];

    const V6_SENDER: [u8; 16] = [0xfd, 0x09, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
    const V6_ROUTER: [u8; 16] = [0xfd, 0x09, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const V6_FAR: [u8; 16] = [0xfd, 0x09, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

    /// An IPv6 header from its first 8 octets and two addresses.
    fn v6_header(first: [u8; 8], src: [u8; 16], dst: [u8; 16]) -> Vec<u8> {
        let mut h = first.to_vec();
        h.extend_from_slice(&src);
        h.extend_from_slice(&dst);
        h
    }

    /// The payload octets the sender's UDP datagrams carry.
    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| i as u8).collect()
    }

    /// The offending IPv6 packet: UDP with hop limit 1 (the UDP checksum
    /// is as the sender's offload left it, 0xfa53; Linux quotes it so).
    fn v6_hop1() -> Vec<u8> {
        // flow label 0x978cb, payload length 40, UDP, hop limit 1
        let mut p = v6_header(
            [0x60, 0x09, 0x78, 0xcb, 0x00, 0x28, 0x11, 0x01],
            V6_SENDER,
            V6_FAR,
        );
        p.extend_from_slice(&[0x9c, 0x49, 0x82, 0x9a, 0x00, 0x28, 0xfa, 0x53]);
        p.extend_from_slice(&pattern(32));
        p
    }

    /// The offending 1448-octet IPv6 packet for the 1280 link.
    fn v6_big() -> Vec<u8> {
        // flow label 0x8a1ce, payload length 1408, UDP, hop limit 64
        let mut p = v6_header(
            [0x60, 0x08, 0xa1, 0xce, 0x05, 0x80, 0x11, 0x40],
            V6_SENDER,
            V6_FAR,
        );
        p.extend_from_slice(&[0x9c, 0x49, 0x82, 0x9b, 0x05, 0x80, 0xff, 0xab]);
        p.extend_from_slice(&pattern(1400));
        p
    }

    #[test]
    fn time_exceeded_matches_linux() {
        let mut expected = V4_TIME_EXCEEDED_HEAD.to_vec();
        expected.extend_from_slice(&V4_TTL1);
        let opts = ErrorOptions {
            identification: 0xe52c,
            ..ErrorOptions::default()
        };
        let mut buf = [0u8; 600];
        let n = icmpv4_error(
            &mut buf,
            Ipv4Addr::new(10, 9, 1, 1),
            Icmpv4Error::TimeExceeded(Icmpv4Code::TTL_EXCEEDED),
            &V4_TTL1,
            &opts,
        )
        .unwrap();
        assert_eq!(&buf[..n], &expected[..]);
        assert_eq!(may_send_icmpv4(&V4_TTL1, Arrival::default()), Ok(()));
    }

    #[test]
    fn fragmentation_needed_matches_linux() {
        let mut offending = V4_BIG_HEAD.to_vec();
        offending.extend_from_slice(&pattern(1400));
        let mut expected = V4_FRAG_NEEDED_HEAD.to_vec();
        expected.extend_from_slice(&offending[..548]);
        let opts = ErrorOptions {
            identification: 0xe5e8,
            ..ErrorOptions::default()
        };
        let mut buf = [0u8; 1500];
        let error = Icmpv4Error::FragmentationNeeded { mtu: 1280 };
        let n = icmpv4_error(
            &mut buf,
            Ipv4Addr::new(10, 9, 1, 1),
            error,
            &offending,
            &opts,
        )
        .unwrap();
        assert_eq!(n, 576);
        assert_eq!(&buf[..n], &expected[..]);
        let icmp = Icmpv4::new(&buf[20..n]).unwrap();
        assert_eq!(icmp.mtu(), 1280);
    }

    #[test]
    fn ipv6_time_exceeded_matches_linux() {
        let offending = v6_hop1();
        // flow label 0x9eef4, payload length 88, ICMPv6, hop limit 64
        let mut expected = v6_header(
            [0x60, 0x09, 0xee, 0xf4, 0x00, 0x58, 0x3a, 0x40],
            V6_ROUTER,
            V6_SENDER,
        );
        expected.extend_from_slice(&[0x03, 0x00, 0x13, 0xdb, 0, 0, 0, 0]); // time exceeded
        expected.extend_from_slice(&offending);
        let opts = ErrorOptions {
            flow_label: 0x9eef4,
            ..ErrorOptions::default()
        };
        let mut buf = [0u8; 1280];
        let n = icmpv6_error(
            &mut buf,
            Ipv6Addr::from(V6_ROUTER),
            Icmpv6Error::TimeExceeded(Icmpv6Code::HOP_LIMIT_EXCEEDED),
            &offending,
            &opts,
        )
        .unwrap();
        assert_eq!(&buf[..n], &expected[..]);
        let error = Icmpv6Error::TimeExceeded(Icmpv6Code::HOP_LIMIT_EXCEEDED);
        assert_eq!(
            may_send_icmpv6(&offending, &error, Arrival::default()),
            Ok(())
        );
    }

    #[test]
    fn packet_too_big_matches_linux() {
        let offending = v6_big();
        // flow label 0x65dcb, payload length 1240, ICMPv6, hop limit 64
        let mut expected = v6_header(
            [0x60, 0x06, 0x5d, 0xcb, 0x04, 0xd8, 0x3a, 0x40],
            V6_ROUTER,
            V6_SENDER,
        );
        expected.extend_from_slice(&[0x02, 0x00, 0xf8, 0xf9, 0x00, 0x00, 0x05, 0x00]); // MTU 1280
        expected.extend_from_slice(&offending[..1232]);
        let opts = ErrorOptions {
            flow_label: 0x65dcb,
            ..ErrorOptions::default()
        };
        let mut buf = [0u8; 2000];
        let error = Icmpv6Error::PacketTooBig { mtu: 1280 };
        let n = icmpv6_error(
            &mut buf,
            Ipv6Addr::from(V6_ROUTER),
            error,
            &offending,
            &opts,
        )
        .unwrap();
        assert_eq!(n, 1280);
        assert_eq!(&buf[..n], &expected[..]);
    }

    #[test]
    fn every_kind_has_its_type_code_and_rest() {
        let v4 = [
            (Icmpv4Error::DestinationUnreachable(Icmpv4Code(3)), 3, 3, 0),
            (
                Icmpv4Error::DestinationUnreachable(Icmpv4Code(13)),
                3,
                13,
                0,
            ),
            (Icmpv4Error::FragmentationNeeded { mtu: 1492 }, 3, 4, 1492),
            (Icmpv4Error::TimeExceeded(Icmpv4Code(1)), 11, 1, 0),
            (
                Icmpv4Error::ParameterProblem {
                    code: Icmpv4Code(0),
                    pointer: 9,
                },
                12,
                0,
                0x0900_0000,
            ),
        ];
        for (e, t, c, rest) in v4 {
            assert_eq!(
                (e.msg_type().0, e.code().0, e.rest_of_header()),
                (t, c, rest)
            );
            let mut b = [0u8; 8];
            e.header().emit(&mut b).unwrap();
            let icmp = Icmpv4::new(&b[..]).unwrap();
            assert_eq!((icmp.msg_type().0, icmp.code().0), (t, c));
            if c == 4 {
                assert_eq!(icmp.mtu(), 1492);
            }
            if t == 12 {
                assert_eq!(icmp.pointer(), 9);
            }
        }
        let v6 = [
            (Icmpv6Error::DestinationUnreachable(Icmpv6Code(4)), 1, 4, 0),
            (Icmpv6Error::PacketTooBig { mtu: 1280 }, 2, 0, 1280),
            (Icmpv6Error::TimeExceeded(Icmpv6Code(1)), 3, 1, 0),
            (
                Icmpv6Error::ParameterProblem {
                    code: Icmpv6Code(1),
                    pointer: 40,
                },
                4,
                1,
                40,
            ),
        ];
        for (e, t, c, rest) in v6 {
            assert_eq!(
                (e.msg_type().0, e.code().0, e.rest_of_header()),
                (t, c, rest)
            );
        }
    }

    #[test]
    fn a_small_buffer_quotes_less_but_never_less_than_header_plus_8() {
        let mut offending = V4_BIG_HEAD.to_vec();
        offending.extend_from_slice(&pattern(1400));
        let src = Ipv4Addr::new(10, 9, 1, 1);
        let e = Icmpv4Error::TimeExceeded(Icmpv4Code::TTL_EXCEEDED);
        let opts = ErrorOptions::default();
        let mut buf = [0u8; 100];
        // 100 octets: 28 of headers, 72 of quote.
        assert_eq!(icmpv4_error(&mut buf, src, e, &offending, &opts), Ok(100));
        assert_eq!(&buf[28..100], &offending[..72]);
        // 56 = 28 + 20 + 8 is the least.
        assert_eq!(
            icmpv4_error(&mut buf[..56], src, e, &offending, &opts),
            Ok(56)
        );
        assert_eq!(
            icmpv4_error(&mut buf[..55], src, e, &offending, &opts),
            Err(Error::NoRoom {
                layer: Layer::Icmpv4,
                needed: 56,
                available: 55
            })
        );
        // A datagram shorter than header + 8 is quoted whole.
        let short = &V4_TTL1[..24];
        let mut tiny = V4_TTL1[..24].to_vec();
        tiny[3] = 24;
        assert_eq!(icmpv4_error(&mut buf[..52], src, e, &tiny, &opts), Ok(52));
        assert_eq!(&buf[28..52], &tiny[..]);
        // Not IPv4.
        assert_eq!(
            icmpv4_error(&mut buf, src, e, &short[1..], &opts),
            Err(Error::BadVersion {
                layer: Layer::Ipv4,
                found: 0
            })
        );

        let offending = v6_big();
        let src6 = Ipv6Addr::from(V6_ROUTER);
        let e6 = Icmpv6Error::TimeExceeded(Icmpv6Code::HOP_LIMIT_EXCEEDED);
        let mut buf = [0u8; 200];
        assert_eq!(icmpv6_error(&mut buf, src6, e6, &offending, &opts), Ok(200));
        assert_eq!(&buf[48..200], &offending[..152]);
        assert_eq!(
            icmpv6_error(&mut buf[..96], src6, e6, &offending, &opts),
            Ok(96)
        );
        assert_eq!(
            icmpv6_error(&mut buf[..95], src6, e6, &offending, &opts),
            Err(Error::NoRoom {
                layer: Layer::Icmpv6,
                needed: 96,
                available: 95
            })
        );
        let bad_label = ErrorOptions {
            flow_label: 0x10_0000,
            ..opts
        };
        assert_eq!(
            icmpv6_error(&mut buf, src6, e6, &offending, &bad_label),
            Err(Error::BadValue {
                layer: Layer::Ipv6,
                field: "flow label"
            })
        );
    }

    #[test]
    fn padding_is_not_quoted() {
        // The TTL-1 datagram followed by Ethernet-style padding.
        let mut padded = V4_TTL1.to_vec();
        padded.extend_from_slice(&[0xEE; 10]);
        let mut buf = [0u8; 576];
        let n = icmpv4_error(
            &mut buf,
            Ipv4Addr::new(10, 9, 1, 1),
            Icmpv4Error::TimeExceeded(Icmpv4Code::TTL_EXCEEDED),
            &padded,
            &ErrorOptions::default(),
        )
        .unwrap();
        assert_eq!(n, 28 + 60);
        let mut padded6 = v6_hop1();
        padded6.extend_from_slice(&[0xEE; 10]);
        let n = icmpv6_error(
            &mut buf,
            Ipv6Addr::from(V6_ROUTER),
            Icmpv6Error::TimeExceeded(Icmpv6Code::HOP_LIMIT_EXCEEDED),
            &padded6,
            &ErrorOptions::default(),
        )
        .unwrap();
        assert_eq!(n, 48 + 80);
    }

    // ---- When not to send: the rules, each next to its rows ----

    fn v4(src: [u8; 4], dst: [u8; 4], protocol: u8, frag: u16, payload: &[u8]) -> Vec<u8> {
        let mut p = std::vec![0u8; 20 + payload.len()];
        Ipv4Header {
            protocol: IpProtocol(protocol),
            src: Ipv4Addr::from(src),
            dst: Ipv4Addr::from(dst),
            fragment_offset: frag,
            dont_fragment: frag == 0,
            payload_len: payload.len() as u16,
            ..Ipv4Header::default()
        }
        .emit(&mut p)
        .unwrap();
        p[20..].copy_from_slice(payload);
        p
    }

    const HOST: [u8; 4] = [192, 0, 2, 7];
    const FAR: [u8; 4] = [198, 51, 100, 1];
    const UDP8: [u8; 8] = [0x9c, 0x49, 0x82, 0x9a, 0, 8, 0, 0];
    const UNICAST: Arrival = Arrival {
        link_multicast: false,
        ip_broadcast: false,
    };

    #[test]
    #[rustfmt::skip] // one row per line, under the RFC sentence it tests
    #[allow(clippy::type_complexity, clippy::too_many_lines)]
    fn rfc1812_when_not_to_send() {
        use Suppressed::*;
        let icmp = |t: u8| [t, 0, 0, 0, 0, 0, 0, 0];
        let rows: &[(&str, Vec<u8>, Arrival, Result<(), Suppressed>)] = &[
            ("a plain unicast datagram", v4(HOST, FAR, 17, 0, &UDP8), UNICAST, Ok(())),
            // "An ICMP error message MUST NOT be sent as the result of receiving:
            //  o An ICMP error message, or"
            ("dest unreachable", v4(HOST, FAR, 1, 0, &icmp(3)), UNICAST, Err(AboutIcmpError)),
            ("source quench", v4(HOST, FAR, 1, 0, &icmp(4)), UNICAST, Err(AboutIcmpError)),
            ("redirect", v4(HOST, FAR, 1, 0, &icmp(5)), UNICAST, Err(AboutIcmpError)),
            ("time exceeded", v4(HOST, FAR, 1, 0, &icmp(11)), UNICAST, Err(AboutIcmpError)),
            ("parameter problem", v4(HOST, FAR, 1, 0, &icmp(12)), UNICAST, Err(AboutIcmpError)),
            ("ICMP, no type octet", v4(HOST, FAR, 1, 0, &[]), UNICAST, Err(AboutIcmpError)),
            // (informational messages are not errors)
            ("echo request", v4(HOST, FAR, 1, 0, &icmp(8)), UNICAST, Ok(())),
            ("echo reply", v4(HOST, FAR, 1, 0, &icmp(0)), UNICAST, Ok(())),
            ("timestamp", v4(HOST, FAR, 1, 0, &icmp(13)), UNICAST, Ok(())),
            //  o A packet which fails the IP header validation tests described in
            //    Section [5.2.2] ...
            ("not IPv4", v4(HOST, FAR, 17, 0, &UDP8)[1..].to_vec(), UNICAST, Err(Invalid)),
            ("bad checksum", flip(v4(HOST, FAR, 17, 0, &UDP8), 10), UNICAST, Err(Invalid)),
            ("total length beyond the frame", v4(HOST, FAR, 17, 0, &UDP8)[..27].to_vec(), UNICAST, Err(Invalid)),
            //  o A packet destined to an IP broadcast or IP multicast address, or
            ("to multicast", v4(HOST, [224, 0, 0, 251], 17, 0, &UDP8), UNICAST, Err(IpMulticast)),
            ("to 239/8", v4(HOST, [239, 1, 2, 3], 17, 0, &UDP8), UNICAST, Err(IpMulticast)),
            ("to limited broadcast", v4(HOST, [255; 4], 17, 0, &UDP8), UNICAST, Err(IpMulticast)),
            ("to a directed broadcast", v4(HOST, [198, 51, 100, 255], 17, 0, &UDP8), Arrival { ip_broadcast: true, ..UNICAST }, Err(IpMulticast)),
            //  o A packet sent as a Link Layer broadcast or multicast, or
            ("link broadcast", v4(HOST, FAR, 17, 0, &UDP8), Arrival::from_dst_mac(MacAddr::BROADCAST), Err(LinkMulticast)),
            ("link multicast", v4(HOST, FAR, 17, 0, &UDP8), Arrival::from_dst_mac(MacAddr::new(0x01, 0, 0x5e, 0, 0, 0xfb)), Err(LinkMulticast)),
            ("link unicast", v4(HOST, FAR, 17, 0, &UDP8), Arrival::from_dst_mac(MacAddr::new(0x02, 0, 0, 0, 0, 1)), Ok(())),
            //  o A packet whose source address has a network prefix of zero or is an
            //    invalid source address (as defined in Section [5.3.7]), or
            // (RFC 1122 3.2.2: "a zero address, a loopback address, a broadcast
            //  address, a multicast address, or a Class E address")
            ("from 0.0.0.0", v4([0; 4], FAR, 17, 0, &UDP8), UNICAST, Err(SourceNotUnicast)),
            ("from 0.1.2.3", v4([0, 1, 2, 3], FAR, 17, 0, &UDP8), UNICAST, Err(SourceNotUnicast)),
            ("from loopback", v4([127, 0, 0, 1], FAR, 17, 0, &UDP8), UNICAST, Err(SourceNotUnicast)),
            ("from multicast", v4([224, 0, 0, 1], FAR, 17, 0, &UDP8), UNICAST, Err(SourceNotUnicast)),
            ("from class E", v4([240, 0, 0, 1], FAR, 17, 0, &UDP8), UNICAST, Err(SourceNotUnicast)),
            ("from broadcast", v4([255; 4], FAR, 17, 0, &UDP8), UNICAST, Err(SourceNotUnicast)),
            ("from 1.0.0.1", v4([1, 0, 0, 1], FAR, 17, 0, &UDP8), UNICAST, Ok(())),
            ("from 223.255.255.254", v4([223, 255, 255, 254], FAR, 17, 0, &UDP8), UNICAST, Ok(())),
            //  o Any fragment of a datagram other then the first fragment (i.e., a
            //    packet for which the fragment offset in the IP header is nonzero).
            ("later fragment", v4(HOST, FAR, 17, 185, &UDP8), UNICAST, Err(LaterFragment)),
            // (a later fragment of ICMP carries no type: it is the fragment rule)
            ("later fragment of ICMP", v4(HOST, FAR, 1, 1, &icmp(3)), UNICAST, Err(LaterFragment)),
            ("first fragment (MF, offset 0)", first_fragment(v4(HOST, FAR, 17, 0, &UDP8)), UNICAST, Ok(())),
        ];
        for (what, datagram, arrival, expected) in rows {
            assert_eq!(may_send_icmpv4(datagram, *arrival), *expected, "{what}");
        }
    }

    /// `datagram` with octet `at` flipped (a bad checksum).
    fn flip(mut datagram: Vec<u8>, at: usize) -> Vec<u8> {
        datagram[at] ^= 1;
        datagram
    }

    /// `datagram` with MF set and DF clear, its checksum refilled.
    fn first_fragment(mut datagram: Vec<u8>) -> Vec<u8> {
        datagram[6] = 0x20;
        crate::ipv4::Ipv4Mut::new(&mut datagram[..])
            .unwrap()
            .fill_checksum();
        datagram
    }

    fn v6(src: &str, dst: &str, next: u8, payload: &[u8]) -> Vec<u8> {
        let mut p = std::vec![0u8; 40 + payload.len()];
        Ipv6Header {
            next_header: IpProtocol(next),
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            payload_len: payload.len() as u16,
            ..Ipv6Header::default()
        }
        .emit(&mut p)
        .unwrap();
        p[40..].copy_from_slice(payload);
        p
    }

    /// A destination options header (next header UDP) holding one option of
    /// type `option`, then 8 octets of UDP; the option type is at offset 42.
    fn with_option(dst: &str, option: u8) -> Vec<u8> {
        let mut payload = std::vec![17, 0, option, 4, 0, 0, 0, 0];
        payload.extend_from_slice(&UDP8);
        v6("2001:db8::7", dst, 60, &payload)
    }

    #[test]
    #[rustfmt::skip] // one row per line, under the RFC sentence it tests
    #[allow(clippy::type_complexity, clippy::too_many_lines)]
    fn rfc4443_when_not_to_send() {
        use Suppressed::*;
        const H: &str = "2001:db8::7";
        const D: &str = "2001:db8:2::1";
        const M: &str = "ff02::1";
        let unreach = Icmpv6Error::DestinationUnreachable(Icmpv6Code::PORT_UNREACHABLE);
        let exceeded = Icmpv6Error::TimeExceeded(Icmpv6Code::HOP_LIMIT_EXCEEDED);
        let too_big = Icmpv6Error::PacketTooBig { mtu: 1280 };
        let pp2 = |pointer| Icmpv6Error::ParameterProblem { code: Icmpv6Code::UNRECOGNIZED_OPTION, pointer };
        let pp0 = Icmpv6Error::ParameterProblem { code: Icmpv6Code::ERRONEOUS_HEADER_FIELD, pointer: 42 };
        let icmp = |t: u8| [t, 0, 0, 0, 0, 0, 0, 0];
        let link_mc = Arrival { link_multicast: true, ..UNICAST };
        // A fragment header (M set) with this offset and next header, then 8 octets.
        let frag = |offset: u16, next: u8| {
            let o = (offset << 3).to_be_bytes();
            let mut p = std::vec![next, 0, o[0], o[1] | 1, 0, 0, 0, 7];
            p.extend_from_slice(&icmp(1));
            p
        };
        let rows: &[(&str, Vec<u8>, Icmpv6Error, Arrival, Result<(), Suppressed>)] = &[
            ("plain unicast", v6(H, D, 17, &UDP8), unreach, UNICAST, Ok(())),
            // "(e) An ICMPv6 error message MUST NOT be originated as a result of receiving
            //  the following:
            //  (e.1) An ICMPv6 error message."
            ("unreachable", v6(H, D, 58, &icmp(1)), exceeded, UNICAST, Err(AboutIcmpError)),
            ("too big", v6(H, D, 58, &icmp(2)), exceeded, UNICAST, Err(AboutIcmpError)),
            ("type 127", v6(H, D, 58, &icmp(127)), too_big, UNICAST, Err(AboutIcmpError)),
            ("no type octet", v6(H, D, 58, &[]), exceeded, UNICAST, Err(AboutIcmpError)),
            ("behind a fragment header", v6(H, D, 44, &frag(0, 58)), exceeded, UNICAST, Err(AboutIcmpError)),
            ("echo request", v6(H, D, 58, &icmp(128)), exceeded, UNICAST, Ok(())),
            ("neighbor solicitation", v6(H, D, 58, &icmp(135)), exceeded, UNICAST, Ok(())),
            //  "(e.2) An ICMPv6 redirect message [IPv6-DISC]."
            ("redirect", v6(H, D, 58, &icmp(137)), exceeded, UNICAST, Err(AboutIcmpError)),
            // (a packet that is not IPv6 is dropped without a word)
            ("not IPv6", v6(H, D, 17, &UDP8)[1..].to_vec(), unreach, UNICAST, Err(Invalid)),
            ("payload beyond the frame", v6(H, D, 17, &UDP8)[..47].to_vec(), unreach, UNICAST, Err(Invalid)),
            //  "(e.3) A packet destined to an IPv6 multicast address. (There are two
            //   exceptions to this rule: (1) the Packet Too Big Message (Section 3.2) to
            //   allow Path MTU discovery to work for IPv6 multicast, and (2) the
            //   Parameter Problem Message, Code 2 (Section 3.4) reporting an
            //   unrecognized IPv6 option (see Section 4.2 of [IPv6]) that has the
            //   Option Type highest-order two bits set to 10)."
            ("to multicast", v6(H, M, 17, &UDP8), unreach, UNICAST, Err(IpMulticast)),
            ("to multicast, time exceeded", v6(H, "ff0e::1", 17, &UDP8), exceeded, UNICAST, Err(IpMulticast)),
            ("to multicast, too big", v6(H, M, 17, &UDP8), too_big, UNICAST, Ok(())),
            ("to multicast, option 10xxxxxx", with_option(M, 0x80), pp2(42), UNICAST, Ok(())),
            ("to multicast, option 10011110", with_option(M, 0x9e), pp2(42), UNICAST, Ok(())),
            ("to multicast, option 11xxxxxx", with_option(M, 0xc0), pp2(42), UNICAST, Err(IpMulticast)),
            ("to multicast, option 01xxxxxx", with_option(M, 0x40), pp2(42), UNICAST, Err(IpMulticast)),
            ("to multicast, code 0", with_option(M, 0x80), pp0, UNICAST, Err(IpMulticast)),
            ("to multicast, pointer off the end", with_option(M, 0x80), pp2(9999), UNICAST, Err(IpMulticast)),
            ("to unicast, option 11xxxxxx", with_option(D, 0xc0), pp2(42), UNICAST, Ok(())),
            //  "(e.4) A packet sent as a link-layer multicast (the exceptions from e.3
            //   apply to this case, too).
            //   (e.5) A packet sent as a link-layer broadcast (the exceptions from e.3
            //   apply to this case, too)."
            ("link multicast", v6(H, D, 17, &UDP8), unreach, link_mc, Err(LinkMulticast)),
            ("link broadcast", v6(H, D, 17, &UDP8), exceeded, Arrival::from_dst_mac(MacAddr::BROADCAST), Err(LinkMulticast)),
            ("link multicast, too big", v6(H, D, 17, &UDP8), too_big, link_mc, Ok(())),
            ("link multicast, option 10xxxxxx", with_option(D, 0x80), pp2(42), link_mc, Ok(())),
            ("link multicast, option 00xxxxxx", with_option(D, 0x00), pp2(42), link_mc, Err(LinkMulticast)),
            //  "(e.6) A packet whose source address does not uniquely identify a single
            //   node -- e.g., the IPv6 Unspecified Address, an IPv6 multicast address,
            //   or an address known by the ICMP message originator to be an IPv6
            //   anycast address."
            ("from ::", v6("::", D, 17, &UDP8), unreach, UNICAST, Err(SourceNotUnicast)),
            ("from multicast", v6("ff02::1", D, 17, &UDP8), unreach, UNICAST, Err(SourceNotUnicast)),
            ("from multicast, too big", v6("ff05::2", D, 17, &UDP8), too_big, UNICAST, Err(SourceNotUnicast)),
            // (RFC 4291 2.5.3: the loopback address "must never be sent outside of a
            //  single node")
            ("from ::1", v6("::1", D, 17, &UDP8), unreach, UNICAST, Err(SourceNotUnicast)),
            ("from link-local", v6("fe80::1", D, 17, &UDP8), unreach, UNICAST, Ok(())),
            // Later fragments: as RFC 1812 for IPv4, no unreachable or time
            // exceeded (the upper layer is unknown); RFC 8200 4.5 asks for
            // Parameter Problems about fragments, and PMTUD needs Too Big.
            ("later fragment", v6(H, D, 44, &frag(1, 58)), unreach, UNICAST, Err(LaterFragment)),
            ("later fragment, time exceeded", v6(H, D, 44, &frag(185, 17)), exceeded, UNICAST, Err(LaterFragment)),
            ("later fragment, too big", v6(H, D, 44, &frag(185, 17)), too_big, UNICAST, Ok(())),
            ("later fragment, param problem", v6(H, D, 44, &frag(185, 17)), pp0, UNICAST, Ok(())),
            ("first fragment of UDP", v6(H, D, 44, &frag(0, 17)), unreach, UNICAST, Ok(())),
            // A chain that cannot be read is what Parameter Problem reports.
            ("bad extension header", v6(H, D, 60, &[17, 9, 0, 0]), pp0, UNICAST, Ok(())),
        ];
        for (what, packet, error, arrival, expected) in rows {
            assert_eq!(may_send_icmpv6(packet, error, *arrival), *expected, "{what}");
        }
    }

    #[test]
    fn suppressed_displays_as_a_sentence() {
        assert_eq!(
            Suppressed::LaterFragment.to_string(),
            "the datagram is a fragment other than the first"
        );
    }

    // ---- Properties ----

    /// A random IPv4 datagram: header with `opt_words` words of options
    /// (NOPs), `payload` after it, maybe followed by padding.
    fn any_v4() -> impl Strategy<Value = (Vec<u8>, usize)> {
        (
            0usize..=10,
            proptest::collection::vec(any::<u8>(), 0..1600),
            any::<[u8; 4]>(),
            any::<u8>(),
            0usize..20,
        )
            .prop_map(|(words, payload, src, ttl, pad)| {
                let opts = std::vec![1u8; words * 4];
                let mut p = std::vec![0u8; 20 + opts.len() + payload.len()];
                let n = Ipv4Header {
                    ttl,
                    protocol: IpProtocol::UDP,
                    src: Ipv4Addr::from(src),
                    dst: Ipv4Addr::new(198, 51, 100, 1),
                    payload_len: payload.len() as u16,
                    ..Ipv4Header::default()
                }
                .emit_with_options(&mut p, &opts)
                .unwrap();
                p[n..].copy_from_slice(&payload);
                let len = p.len();
                p.extend(std::iter::repeat_n(0xEE, pad));
                (p, len)
            })
    }

    proptest! {
        #[test]
        fn every_icmpv4_error_verifies_and_quotes_a_prefix(
            (offending, len) in any_v4(),
            buf_len in 0usize..700,
            kind in 0u8..4,
            code in any::<u8>(),
            mtu in any::<u16>(),
            opts in (any::<u8>(), any::<u8>(), any::<u16>()),
        ) {
            let error = match kind {
                0 => Icmpv4Error::DestinationUnreachable(Icmpv4Code(code)),
                1 => Icmpv4Error::FragmentationNeeded { mtu },
                2 => Icmpv4Error::TimeExceeded(Icmpv4Code(code & 1)),
                _ => Icmpv4Error::ParameterProblem { code: Icmpv4Code::POINTER_INDICATES_ERROR, pointer: code },
            };
            let options = ErrorOptions { hop_limit: opts.0, tos: opts.1, identification: opts.2, ..ErrorOptions::default() };
            let src = Ipv4Addr::new(192, 0, 2, 1);
            let mut buf = std::vec![0u8; buf_len];
            let header_len = usize::from(offending[0] & 0x0f) * 4;
            let least = 28 + (header_len + 8).min(len);
            match icmpv4_error(&mut buf, src, error, &offending, &options) {
                Ok(n) => {
                    prop_assert!(n <= IPV4_MAX_LEN && n <= buf_len && n >= least);
                    // As much as fits.
                    prop_assert_eq!(n, 28 + len.min(buf_len.min(576) - 28));
                    let ip = Ipv4::new(&buf[..n]).unwrap();
                    prop_assert!(ip.verify_checksum());
                    prop_assert_eq!(usize::from(ip.total_len()), n);
                    prop_assert_eq!((ip.src(), ip.dst()), (src, Ipv4Addr::new(offending[12], offending[13], offending[14], offending[15])));
                    prop_assert_eq!((ip.ttl(), ip.tos(), ip.identification()), opts);
                    prop_assert!(!ip.dont_fragment());
                    let icmp = Icmpv4::new(ip.payload()).unwrap();
                    prop_assert!(icmp.verify_checksum());
                    prop_assert_eq!(checksum::internet_checksum(ip.payload()), 0);
                    prop_assert_eq!(icmp.header(), &{ let mut h = [0u8; 8]; error.header().emit(&mut h).unwrap(); h[2..4].copy_from_slice(&icmp.header()[2..4]); h }[..]);
                    prop_assert_eq!(icmp.quoted(), &offending[..n - 28]);
                }
                Err(e) => {
                    prop_assert!(buf_len < least);
                    prop_assert_eq!(e, Error::NoRoom { layer: Layer::Icmpv4, needed: least, available: buf_len });
                }
            }
        }

        #[test]
        fn every_icmpv6_error_verifies_and_quotes_a_prefix(
            payload in proptest::collection::vec(any::<u8>(), 0..3000),
            pad in 0usize..20,
            buf_len in 0usize..1400,
            kind in 0u8..4,
            value in any::<u32>(),
            opts in (any::<u8>(), any::<u8>(), 0u32..0x10_0000),
        ) {
            let sender: Ipv6Addr = "2001:db8:1::7".parse().unwrap();
            let mut offending = std::vec![0u8; 40 + payload.len()];
            Ipv6Header {
                next_header: IpProtocol::TCP,
                src: sender,
                dst: "2001:db8:2::1".parse().unwrap(),
                payload_len: payload.len() as u16,
                ..Ipv6Header::default()
            }
            .emit(&mut offending)
            .unwrap();
            offending[40..].copy_from_slice(&payload);
            let len = offending.len();
            offending.extend(std::iter::repeat_n(0xEE, pad));
            let error = match kind {
                0 => Icmpv6Error::DestinationUnreachable(Icmpv6Code(value as u8)),
                1 => Icmpv6Error::PacketTooBig { mtu: value },
                2 => Icmpv6Error::TimeExceeded(Icmpv6Code(value as u8 & 1)),
                _ => Icmpv6Error::ParameterProblem { code: Icmpv6Code(value as u8 % 3), pointer: value },
            };
            let options = ErrorOptions { hop_limit: opts.0, traffic_class: opts.1, flow_label: opts.2, ..ErrorOptions::default() };
            let router: Ipv6Addr = "2001:db8:1::1".parse().unwrap();
            let mut buf = std::vec![0u8; buf_len];
            let least = 48 + 48.min(len);
            match icmpv6_error(&mut buf, router, error, &offending, &options) {
                Ok(n) => {
                    prop_assert!(n <= IPV6_MAX_LEN && n <= buf_len && n >= least);
                    prop_assert_eq!(n, 48 + len.min(buf_len.min(1280) - 48));
                    let ip = Ipv6::new(&buf[..n]).unwrap();
                    prop_assert_eq!(usize::from(ip.payload_len()) + 40, n);
                    prop_assert_eq!((ip.src(), ip.dst(), ip.next_header()), (router, sender, IpProtocol::ICMPV6));
                    prop_assert_eq!((ip.hop_limit(), ip.traffic_class(), ip.flow_label()), opts);
                    let icmp = Icmpv6::new(ip.payload()).unwrap();
                    prop_assert!(icmp.verify_checksum(router, sender));
                    prop_assert_eq!((icmp.msg_type(), icmp.code(), icmp.rest_of_header()), (error.msg_type(), error.code(), error.rest_of_header()));
                    prop_assert_eq!(icmp.quoted(), &offending[..n - 48]);
                }
                Err(e) => {
                    prop_assert!(buf_len < least);
                    prop_assert_eq!(e, Error::NoRoom { layer: Layer::Icmpv6, needed: least, available: buf_len });
                }
            }
        }

        #[test]
        fn may_send_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..120), pointer in any::<u32>()) {
            let _ = may_send_icmpv4(&bytes, Arrival::default());
            let e = Icmpv6Error::ParameterProblem { code: Icmpv6Code::UNRECOGNIZED_OPTION, pointer };
            let _ = may_send_icmpv6(&bytes, &e, Arrival::default());
            let mut v6 = bytes.clone();
            if v6.len() >= 40 {
                v6[0] = 0x60;
                let pl = (v6.len() - 40) as u16;
                v6[4..6].copy_from_slice(&pl.to_be_bytes());
                let _ = may_send_icmpv6(&v6, &e, Arrival::default());
            }
        }
    }
}
