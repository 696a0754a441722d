//! Codes and small fields shared by IPv4 and IPv6: the protocol / next-header
//! number ([`IpProtocol`]), and the two parts of the ToS / traffic-class byte,
//! [`Dscp`] ([RFC 2474]) and [`Ecn`] ([RFC 3168]).
//!
//! ```text
//!   0   1   2   3   4   5   6   7
//! +---+---+---+---+---+---+---+---+
//! |         DSCP          |  ECN  |   IPv4 ToS / IPv6 traffic class
//! +---+---+---+---+---+---+---+---+
//! ```
//!
//! It also holds [`Hop`], what a router's TTL / hop-limit check decided.
//!
//! [RFC 2474]: https://www.rfc-editor.org/rfc/rfc2474
//! [RFC 3168]: https://www.rfc-editor.org/rfc/rfc3168

use core::fmt;

/// An IP protocol number (IPv4 protocol, IPv6 next header), as assigned by
/// IANA. Open: any `u8` round-trips, the constants name the ones this crate
/// knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct IpProtocol(pub u8);

impl IpProtocol {
    /// IPv6 hop-by-hop options ([RFC 8200]).
    ///
    /// [RFC 8200]: https://www.rfc-editor.org/rfc/rfc8200
    pub const HOP_BY_HOP: IpProtocol = IpProtocol(0);
    /// ICMP for IPv4 ([RFC 792](https://www.rfc-editor.org/rfc/rfc792)).
    pub const ICMP: IpProtocol = IpProtocol(1);
    /// IGMP.
    pub const IGMP: IpProtocol = IpProtocol(2);
    /// IPv4 encapsulated in IP: IPIP ([RFC 2003](https://www.rfc-editor.org/rfc/rfc2003)), or IPv4-in-IPv6.
    pub const IPV4: IpProtocol = IpProtocol(4);
    /// TCP ([RFC 9293](https://www.rfc-editor.org/rfc/rfc9293)).
    pub const TCP: IpProtocol = IpProtocol(6);
    /// UDP ([RFC 768](https://www.rfc-editor.org/rfc/rfc768)).
    pub const UDP: IpProtocol = IpProtocol(17);
    /// IPv6 encapsulated in IP: SIT / 6in4 over IPv4 ([RFC 4213](https://www.rfc-editor.org/rfc/rfc4213)), or IPv6-in-IPv6 ([RFC 2473](https://www.rfc-editor.org/rfc/rfc2473)).
    pub const IPV6: IpProtocol = IpProtocol(41);
    /// IPv6 routing header.
    pub const IPV6_ROUTE: IpProtocol = IpProtocol(43);
    /// IPv6 fragment header.
    pub const IPV6_FRAG: IpProtocol = IpProtocol(44);
    /// GRE ([RFC 2784](https://www.rfc-editor.org/rfc/rfc2784)).
    pub const GRE: IpProtocol = IpProtocol(47);
    /// IPsec Encapsulating Security Payload.
    pub const ESP: IpProtocol = IpProtocol(50);
    /// IPsec Authentication Header ([RFC 4302](https://www.rfc-editor.org/rfc/rfc4302)).
    pub const AH: IpProtocol = IpProtocol(51);
    /// ICMP for IPv6 ([RFC 4443](https://www.rfc-editor.org/rfc/rfc4443)).
    pub const ICMPV6: IpProtocol = IpProtocol(58);
    /// IPv6 "no next header".
    pub const IPV6_NO_NEXT: IpProtocol = IpProtocol(59);
    /// IPv6 destination options.
    pub const IPV6_OPTS: IpProtocol = IpProtocol(60);
    /// SCTP.
    pub const SCTP: IpProtocol = IpProtocol(132);
    /// MPLS in IP ([RFC 4023](https://www.rfc-editor.org/rfc/rfc4023)): an
    /// MPLS label stack follows the IP header.
    pub const MPLS_IN_IP: IpProtocol = IpProtocol(137);
}

impl fmt::Display for IpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u8> for IpProtocol {
    fn from(v: u8) -> Self {
        IpProtocol(v)
    }
}

impl From<IpProtocol> for u8 {
    fn from(v: IpProtocol) -> Self {
        v.0
    }
}

/// A Differentiated Services Code Point ([RFC 2474]): the upper six bits of
/// the IPv4 ToS / IPv6 traffic-class byte, `0..=63`.
///
/// ```
/// use wireview::Dscp;
/// assert_eq!(Dscp::new(46), Some(Dscp::EF));
/// assert_eq!(Dscp::new(64), None);
/// ```
///
/// [RFC 2474]: https://www.rfc-editor.org/rfc/rfc2474
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Dscp(u8);

impl Dscp {
    /// The largest code point, 63.
    pub const MAX: u8 = 63;
    /// Class selector 0, default forwarding.
    pub const CS0: Dscp = Dscp(0);
    /// Class selector 1 (lower effort, [RFC 8622](https://www.rfc-editor.org/rfc/rfc8622) uses LE = 1).
    pub const CS1: Dscp = Dscp(8);
    /// Assured forwarding class 1, low drop ([RFC 2597](https://www.rfc-editor.org/rfc/rfc2597)).
    pub const AF11: Dscp = Dscp(10);
    /// Assured forwarding class 4, low drop.
    pub const AF41: Dscp = Dscp(34);
    /// Class selector 6 (network control).
    pub const CS6: Dscp = Dscp(48);
    /// Expedited forwarding ([RFC 3246](https://www.rfc-editor.org/rfc/rfc3246)).
    pub const EF: Dscp = Dscp(46);

    /// The code point `value`, or `None` when it does not fit in six bits.
    pub const fn new(value: u8) -> Option<Dscp> {
        if value <= Self::MAX {
            Some(Dscp(value))
        } else {
            None
        }
    }

    /// The code point of a ToS / traffic-class byte (its upper six bits).
    pub const fn from_tos(tos: u8) -> Dscp {
        Dscp(tos >> 2)
    }

    /// The code point, `0..=63`.
    pub const fn value(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Dscp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Explicit Congestion Notification codepoint ([RFC 3168 section 5]): the
/// low two bits of the ToS / traffic-class byte.
///
/// [RFC 3168 section 5]: https://www.rfc-editor.org/rfc/rfc3168#section-5
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(u8)]
pub enum Ecn {
    /// `00`: not ECN-capable transport.
    #[default]
    NotEct = 0,
    /// `01`: ECN-capable transport, ECT(1).
    Ect1 = 1,
    /// `10`: ECN-capable transport, ECT(0).
    Ect0 = 2,
    /// `11`: congestion experienced.
    Ce = 3,
}

impl Ecn {
    /// The codepoint in the low two bits of `bits` (higher bits ignored).
    pub const fn from_bits(bits: u8) -> Ecn {
        match bits & 3 {
            0 => Ecn::NotEct,
            1 => Ecn::Ect1,
            2 => Ecn::Ect0,
            _ => Ecn::Ce,
        }
    }

    /// The codepoint `value`, or `None` when it is above 3.
    pub const fn new(value: u8) -> Option<Ecn> {
        if value <= 3 {
            Some(Ecn::from_bits(value))
        } else {
            None
        }
    }

    /// The two-bit value.
    pub const fn value(self) -> u8 {
        self as u8
    }
}

/// What a router's TTL / hop-limit check decided:
/// [`Ipv4Mut::decrement_ttl`](crate::Ipv4Mut::decrement_ttl) and
/// [`Ipv6Mut::decrement_hop_limit`](crate::Ipv6Mut::decrement_hop_limit)
/// check, then decrement, as [RFC 1812 section 5.3.1] routers do.
///
/// A packet whose TTL / hop limit is 0 or 1 would expire here: it is left
/// exactly as received ([`Hop::Expired`]), so it can be dropped and quoted
/// unchanged in an ICMP Time Exceeded message ([RFC 792], [RFC 4443 section
/// 3.3]). Any other is decremented and may be forwarded ([`Hop::Forward`]).
///
/// ```
/// use wireview::{Hop, Ipv4Mut};
///
/// let mut buf = [0x45, 0, 0, 20, 0, 0, 0, 0, 2, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
/// let mut ip = Ipv4Mut::new(&mut buf[..])?;
/// ip.fill_checksum();
/// assert_eq!(ip.decrement_ttl(), Hop::Forward(1));
/// assert_eq!(ip.decrement_ttl(), Hop::Expired);
/// assert_eq!(ip.ttl(), 1, "an expiring packet is left as received");
/// assert!(ip.verify_checksum());
/// # Ok::<(), wireview::Error>(())
/// ```
///
/// [RFC 1812 section 5.3.1]: https://www.rfc-editor.org/rfc/rfc1812#section-5.3.1
/// [RFC 792]: https://www.rfc-editor.org/rfc/rfc792
/// [RFC 4443 section 3.3]: https://www.rfc-editor.org/rfc/rfc4443#section-3.3
#[must_use = "an expired packet must be dropped (and a Time Exceeded message sent), not forwarded"]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hop {
    /// The TTL / hop limit was 2 or more and now holds this value, at
    /// least 1: the packet may be forwarded.
    Forward(u8),
    /// The TTL / hop limit was 0 or 1: the packet was left unchanged and
    /// must not be forwarded.
    Expired,
}

impl Hop {
    /// Whether the packet expired (and was left unchanged).
    pub const fn is_expired(self) -> bool {
        matches!(self, Hop::Expired)
    }

    /// The check and decrement of one TTL / hop-limit value: the new value,
    /// or `Expired` for 0 and 1.
    pub(crate) const fn of(ttl: u8) -> Hop {
        if ttl <= 1 {
            Hop::Expired
        } else {
            Hop::Forward(ttl - 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dscp_bounds_and_tos_split() {
        assert_eq!(Dscp::new(63).map(Dscp::value), Some(63));
        assert_eq!(Dscp::new(64), None);
        // ToS 0xB8 = EF (46) with Not-ECT.
        assert_eq!(Dscp::from_tos(0xB8), Dscp::EF);
        assert_eq!(Ecn::from_bits(0xB8), Ecn::NotEct);
        assert_eq!(Ecn::from_bits(0x03), Ecn::Ce);
        assert_eq!(Ecn::new(4), None);
        for v in 0..4 {
            assert_eq!(Ecn::from_bits(v).value(), v);
        }
    }

    #[test]
    fn hop_expires_at_0_and_1() {
        assert_eq!(Hop::of(0), Hop::Expired);
        assert_eq!(Hop::of(1), Hop::Expired);
        assert_eq!(Hop::of(2), Hop::Forward(1));
        assert_eq!(Hop::of(255), Hop::Forward(254));
        assert!(Hop::of(1).is_expired() && !Hop::of(64).is_expired());
    }
}
