//! The crate's one error type.
//!
//! Every fallible operation returns [`Error`]: a small `Copy` value that names
//! the [`Layer`] at fault and what was wrong with it, with the numbers needed
//! to act on it (how many bytes were needed and how many there were, which
//! version was found, ...).

use core::fmt;

/// The protocol layer an [`Error`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Layer {
    /// Ethernet II header.
    Ethernet,
    /// IEEE 802.1Q / 802.1ad VLAN tag.
    Vlan,
    /// ARP packet.
    Arp,
    /// IPv4 header.
    Ipv4,
    /// IPv6 fixed header.
    Ipv6,
    /// An IPv6 extension header (hop-by-hop, routing, fragment, destination options, AH).
    Ipv6Ext,
    /// UDP header.
    Udp,
    /// TCP header.
    Tcp,
    /// ICMPv4 message.
    Icmpv4,
    /// ICMPv6 message.
    Icmpv6,
    /// VXLAN header.
    Vxlan,
    /// GRE header.
    Gre,
    /// MACsec SecTAG.
    Macsec,
    /// Geneve header (RFC 8926).
    Geneve,
    /// An MPLS label stack entry (RFC 3032).
    Mpls,
    /// GTP-U header (3GPP TS 29.281).
    Gtpu,
    /// PPPoE header (RFC 2516).
    Pppoe,
    /// Linux cooked capture header (LINKTYPE_LINUX_SLL / LINUX_SLL2).
    Sll,
    /// BSD loopback capture header (LINKTYPE_NULL).
    Loopback,
    /// The packet as a whole, not one of its headers: a layer index or a
    /// byte range given to [`Packet`](crate::packet::Packet),
    /// [`Layers`](crate::walk::Layers) or a [`tunnel`](crate::tunnel)
    /// function.
    Packet,
}

impl Layer {
    /// The layer's name in lower case, as used in messages (`"ipv4"`, `"ipv6_ext"`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Layer::Ethernet => "ethernet",
            Layer::Vlan => "vlan",
            Layer::Arp => "arp",
            Layer::Ipv4 => "ipv4",
            Layer::Ipv6 => "ipv6",
            Layer::Ipv6Ext => "ipv6_ext",
            Layer::Udp => "udp",
            Layer::Tcp => "tcp",
            Layer::Icmpv4 => "icmpv4",
            Layer::Icmpv6 => "icmpv6",
            Layer::Vxlan => "vxlan",
            Layer::Gre => "gre",
            Layer::Macsec => "macsec",
            Layer::Geneve => "geneve",
            Layer::Mpls => "mpls",
            Layer::Gtpu => "gtpu",
            Layer::Pppoe => "pppoe",
            Layer::Sll => "sll",
            Layer::Loopback => "loopback",
            Layer::Packet => "packet",
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What went wrong while checking or changing a header.
///
/// ```
/// use wireview::{Error, Ipv4, Layer};
///
/// let err = Ipv4::new(&[0x45, 0, 0, 20][..]).unwrap_err();
/// assert_eq!(err, Error::Truncated { layer: Layer::Ipv4, needed: 20, available: 4 });
/// assert_eq!(err.to_string(), "ipv4: truncated: needed 20 bytes, got 4");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The buffer ends before the header (or the part a field points to) does.
    Truncated {
        /// The layer being read.
        layer: Layer,
        /// Bytes the layer needs from its start.
        needed: usize,
        /// Bytes there were from its start.
        available: usize,
    },
    /// The version field holds a value this layer cannot have.
    BadVersion {
        /// The layer being read.
        layer: Layer,
        /// The version found.
        found: u8,
    },
    /// A header-length field (IPv4 IHL, TCP data offset, an extension header's
    /// length, ...) is smaller than the fixed part of the header or otherwise
    /// impossible. `found` is always in bytes, whatever unit the field
    /// counts in (IHL 4 is `found: 16`); the message says both.
    BadHeaderLength {
        /// The layer being read.
        layer: Layer,
        /// The header length the field gives, in bytes.
        found: usize,
    },
    /// A length field that covers header and payload (IPv4 total length, UDP
    /// length, ...) is shorter than the header or longer than the buffer.
    BadLength {
        /// The layer being read.
        layer: Layer,
        /// The length the field gives, in bytes.
        found: usize,
        /// The smallest value it may have here.
        min: usize,
        /// The largest value it may have here.
        max: usize,
    },
    /// A field holds a value this crate cannot accept here (a setter argument
    /// out of range, a reserved bit combination, ...).
    BadValue {
        /// The layer being read or written.
        layer: Layer,
        /// The field, by its RFC name.
        field: &'static str,
    },
    /// The buffer has no room for the bytes an operation must write (pushing
    /// a tag, encapsulating, setting a GRE option bit, ...).
    NoRoom {
        /// The layer being written.
        layer: Layer,
        /// Bytes the operation needs.
        needed: usize,
        /// Bytes the buffer offers.
        available: usize,
    },
    /// A chain went deeper than this crate follows, which only crafted
    /// input does: more than [`walk::MAX_LAYERS`](crate::walk::MAX_LAYERS)
    /// layers in a walk, or more than
    /// [`ipv6_ext::MAX_EXT_HEADERS`](crate::ipv6_ext::MAX_EXT_HEADERS)
    /// IPv6 extension headers.
    TooDeep {
        /// The layer that would have been one too many.
        layer: Layer,
    },
    /// A layer index names no layer of the walk, or a layer of another kind
    /// than the operation needs (reported at [`Layer::Packet`]).
    NoSuchLayer {
        /// The index given.
        index: usize,
        /// What the operation needs there, e.g. `"an IPv4 header"`.
        expected: &'static str,
        /// The kind of the layer at `index`, by name (`"udp"`, `"payload"`),
        /// or `None` when the walk found fewer layers.
        found: Option<&'static str>,
    },
    /// A byte range given to an operation lies outside the buffer, or ends
    /// before it starts (reported at [`Layer::Packet`]).
    OutOfRange {
        /// First byte of the range.
        start: usize,
        /// One past its last byte.
        end: usize,
        /// The buffer's length.
        len: usize,
    },
}

impl Error {
    /// The layer this error is about.
    pub const fn layer(&self) -> Layer {
        match *self {
            Error::Truncated { layer, .. }
            | Error::BadVersion { layer, .. }
            | Error::BadHeaderLength { layer, .. }
            | Error::BadLength { layer, .. }
            | Error::BadValue { layer, .. }
            | Error::NoRoom { layer, .. }
            | Error::TooDeep { layer } => layer,
            Error::NoSuchLayer { .. } | Error::OutOfRange { .. } => Layer::Packet,
        }
    }

    /// Shorthand for [`Error::Truncated`].
    pub(crate) const fn truncated(layer: Layer, needed: usize, available: usize) -> Self {
        Error::Truncated {
            layer,
            needed,
            available,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Truncated {
                layer,
                needed,
                available,
            } => {
                write!(
                    f,
                    "{layer}: truncated: needed {needed} bytes, got {available}"
                )
            }
            Error::BadVersion { layer, found } => write!(f, "{layer}: bad version {found}"),
            Error::BadHeaderLength { layer, found } => {
                write!(f, "{layer}: bad header length {found} bytes")?;
                // The field behind it counts 32-bit words: name it too.
                match layer {
                    Layer::Ipv4 if found % 4 == 0 && found <= 60 => {
                        write!(f, " (IHL {})", found / 4)
                    }
                    Layer::Tcp if found % 4 == 0 && found <= 60 => {
                        write!(f, " (data offset {})", found / 4)
                    }
                    _ => Ok(()),
                }
            }
            Error::BadLength {
                layer,
                found,
                min,
                max,
            } => {
                write!(f, "{layer}: bad length {found} (must be {min}..={max})")
            }
            Error::BadValue { layer, field } => write!(f, "{layer}: bad value for {field}"),
            Error::NoRoom {
                layer,
                needed,
                available,
            } => {
                write!(
                    f,
                    "{layer}: no room: needed {needed} bytes, got {available}"
                )
            }
            Error::TooDeep { layer } => write!(f, "{layer}: too many nested layers"),
            Error::NoSuchLayer {
                index,
                expected,
                found: Some(found),
            } => write!(f, "packet: layer {index} is {found}, not {expected}"),
            Error::NoSuchLayer {
                index,
                expected,
                found: None,
            } => write!(f, "packet: no layer {index} (wanted {expected})"),
            Error::OutOfRange { start, end, len } => write!(
                f,
                "packet: bytes {start}..{end} lie outside the {len}-byte buffer"
            ),
        }
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn header_lengths_are_told_in_bytes_and_in_the_fields_unit() {
        let bad = |layer, found| Error::BadHeaderLength { layer, found }.to_string();
        assert_eq!(
            bad(Layer::Ipv4, 16),
            "ipv4: bad header length 16 bytes (IHL 4)"
        );
        assert_eq!(
            bad(Layer::Ipv4, 0),
            "ipv4: bad header length 0 bytes (IHL 0)"
        );
        assert_eq!(
            bad(Layer::Tcp, 12),
            "tcp: bad header length 12 bytes (data offset 3)"
        );
        // Lengths no 4-bit field gives (a builder's options) and other
        // layers' fields are told in bytes only.
        assert_eq!(bad(Layer::Ipv4, 23), "ipv4: bad header length 23 bytes");
        assert_eq!(bad(Layer::Tcp, 64), "tcp: bad header length 64 bytes");
        assert_eq!(
            bad(Layer::Ipv6Ext, 8),
            "ipv6_ext: bad header length 8 bytes"
        );
    }
}
