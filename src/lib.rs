#![doc = include_str!("../README.md")]
#![no_std]

#[cfg(test)]
#[macro_use]
extern crate std;

pub mod checksum;
pub mod error;
#[allow(dead_code)] // REMOVE once every helper is used by a view.
mod field;

pub use error::{Error, Layer};
pub mod ip;
pub mod ipv4;

pub use ip::{Dscp, Ecn, IpProtocol};
pub use ipv4::{Ipv4, Ipv4Header, Ipv4Mut, Ipv4Ref};
pub mod udp;

pub use udp::{Udp, UdpHeader, UdpMut, UdpRef};
pub mod tcp;

pub use tcp::{Tcp, TcpFlags, TcpHeader, TcpMut, TcpOption, TcpOptions, TcpRef};
pub mod icmpv4;
pub mod icmpv6;

pub use icmpv4::{Icmpv4, Icmpv4Header, Icmpv4Mut, Icmpv4Ref, Icmpv4Type};
pub use icmpv6::{Icmpv6, Icmpv6Header, Icmpv6Mut, Icmpv6Ref, Icmpv6Type};
