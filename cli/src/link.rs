//! The capture link types the tools read, and where the walk of a packet of
//! each starts.
//!
//! | link type | header | the walk |
//! | --- | --- | --- |
//! | 1 Ethernet | - | the frame |
//! | 113 Linux cooked v1 | [`Sll`], 16 bytes | by its protocol (EtherType) |
//! | 276 Linux cooked v2 | [`Sll2`], 20 bytes | by its protocol (EtherType) |
//! | 0 BSD loopback | [`Loopback`], 4 bytes | IPv4 or IPv6 by the family |
//! | 101 raw IP | - | IPv4 or IPv6 by the first nibble |
//! | 228 / 229 raw IPv4 / IPv6 | - | IPv4 / IPv6 |
//!
//! The walk by EtherType goes through `wireview::walk` as an Ethernet frame
//! whose header is not shown: for SLL v1 the header's last 14 bytes end in
//! the protocol as an Ethernet header ends in its EtherType, so the packet is
//! walked in place; for SLL2 (whose protocol comes first) IPv4 and IPv6 are
//! walked in place as IP packets and other protocols in a copy behind a
//! 14-byte pseudo header.

use wireview::sll::{Loopback, Sll, Sll2, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_NULL};
use wireview::{Error, EtherType};

use crate::capture::{LINKTYPE_ETHERNET, LINKTYPE_UNKNOWN};

/// LINKTYPE_RAW: raw IPv4 or IPv6, by the first nibble.
pub const LINKTYPE_RAW: u32 = 101;
/// LINKTYPE_IPV4: raw IPv4.
pub const LINKTYPE_IPV4: u32 = 228;
/// LINKTYPE_IPV6: raw IPv6.
pub const LINKTYPE_IPV6: u32 = 229;

/// The capture link-layer header of a packet, for `dissect` to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkHeader {
    /// Linux cooked capture v1 or v2.
    Sll {
        /// 1 or 2.
        version: u8,
        /// The packet type.
        packet_type: u16,
        /// The ARPHRD_ type.
        hatype: u16,
        /// The link-layer address bytes (the first `addr_len`).
        addr: [u8; 8],
        /// How many bytes of `addr` are the address (at most 8).
        addr_len: usize,
        /// The protocol type.
        protocol: u16,
    },
    /// BSD loopback.
    Loopback {
        /// The address family, in the byte order that gives a known one.
        family: u32,
    },
}

/// Where the walk of a packet starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// An Ethernet frame at `at`. When `hidden`, its 14-byte header is a
    /// pseudo header made of the link header's last bytes: the walk's first
    /// layer is not shown.
    Ethernet {
        /// Offset of the frame in the packet.
        at: usize,
        /// Whether the first layer is a pseudo header.
        hidden: bool,
    },
    /// A bare IPv4 or IPv6 packet at `at`.
    Ip {
        /// Offset of the IP header in the packet.
        at: usize,
    },
    /// The packet from `at` on, of EtherType `protocol`, to be walked
    /// behind a pseudo Ethernet header in a copy.
    EtherType {
        /// The EtherType.
        protocol: u16,
        /// Offset of the protocol's header in the packet.
        at: usize,
    },
    /// The packet cannot be walked: a message and the layer at fault.
    Fail {
        /// What is wrong.
        message: String,
        /// The layer name (`link`, `sll`, `loopback`, `ipv4`, `ipv6`).
        layer: &'static str,
    },
}

/// A packet's link header and where its walk starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framing {
    /// The capture link-layer header, when the link type has one.
    pub header: Option<LinkHeader>,
    /// Where the walk starts.
    pub start: Start,
}

fn fail(e: Error) -> Start {
    Start::Fail {
        message: e.to_string(),
        layer: e.layer().name(),
    }
}

fn sll_header(
    version: u8,
    packet_type: u16,
    hatype: u16,
    addr: &[u8],
    protocol: u16,
) -> LinkHeader {
    let mut a = [0u8; 8];
    a[..addr.len()].copy_from_slice(addr);
    LinkHeader::Sll {
        version,
        packet_type,
        hatype,
        addr: a,
        addr_len: addr.len(),
        protocol,
    }
}

/// Raw IP of link type `linktype` at `at`: the version must be the one the
/// link type names (any for 101, which the walk reads from the nibble).
fn raw_ip(linktype: u32, data: &[u8], at: usize) -> Start {
    let nibble = data.get(at).map(|b| b >> 4);
    let (want, layer) = match linktype {
        LINKTYPE_IPV4 => (4, "ipv4"),
        LINKTYPE_IPV6 => (6, "ipv6"),
        _ => return Start::Ip { at },
    };
    match nibble {
        Some(v) if v != want => Start::Fail {
            message: format!("{layer}: bad version {v}"),
            layer,
        },
        _ => Start::Ip { at },
    }
}

/// How to walk a packet of link type `linktype`.
pub fn framing(linktype: u32, data: &[u8]) -> Framing {
    let (header, start) = match linktype {
        LINKTYPE_ETHERNET => (
            None,
            Start::Ethernet {
                at: 0,
                hidden: false,
            },
        ),
        LINKTYPE_LINUX_SLL => match Sll::new(data) {
            Ok(s) => (
                Some(sll_header(
                    1,
                    s.packet_type().0,
                    s.hatype().0,
                    s.addr(),
                    s.protocol().0,
                )),
                // Bytes 2..16 end in the protocol: a pseudo Ethernet header.
                Start::Ethernet {
                    at: 2,
                    hidden: true,
                },
            ),
            Err(e) => (None, fail(e)),
        },
        LINKTYPE_LINUX_SLL2 => match Sll2::new(data) {
            Ok(s) => {
                let protocol = s.protocol();
                let start = if protocol == EtherType::IPV4 || protocol == EtherType::IPV6 {
                    Start::Ip { at: s.header_len() }
                } else {
                    Start::EtherType {
                        protocol: protocol.0,
                        at: s.header_len(),
                    }
                };
                let header = sll_header(2, s.packet_type().0, s.hatype().0, s.addr(), protocol.0);
                (Some(header), start)
            }
            Err(e) => (None, fail(e)),
        },
        LINKTYPE_NULL => match Loopback::new(data) {
            Ok(lo) => {
                let header = Some(LinkHeader::Loopback {
                    family: lo.family(),
                });
                let start = match lo.ip_version() {
                    Some(4) => raw_ip(LINKTYPE_IPV4, data, 4),
                    Some(_) => raw_ip(LINKTYPE_IPV6, data, 4),
                    None => Start::Fail {
                        message: format!(
                            "loopback: address family {} is neither IPv4 nor IPv6",
                            lo.family()
                        ),
                        layer: "loopback",
                    },
                };
                (header, start)
            }
            Err(e) => (None, fail(e)),
        },
        LINKTYPE_RAW | LINKTYPE_IPV4 | LINKTYPE_IPV6 => (None, raw_ip(linktype, data, 0)),
        LINKTYPE_UNKNOWN => (
            None,
            Start::Fail {
                message: "packet of an undescribed pcapng interface".to_owned(),
                layer: "link",
            },
        ),
        other => (
            None,
            Start::Fail {
                message: format!("link type {other} is not one the tool reads"),
                layer: "link",
            },
        ),
    };
    Framing { header, start }
}

/// Fills `scratch` with a pseudo Ethernet header of EtherType `protocol`
/// (zero addresses) followed by `payload`.
pub fn pseudo_frame(scratch: &mut Vec<u8>, protocol: u16, payload: &[u8]) {
    scratch.clear();
    scratch.extend_from_slice(&[0; 12]);
    scratch.extend_from_slice(&protocol.to_be_bytes());
    scratch.extend_from_slice(payload);
}
