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
pub mod vxlan;

pub use vxlan::{Vni, Vxlan, VxlanHeader, VxlanMut, VxlanRef};
pub mod gre;

pub use gre::{Gre, GreHeader, GreMut, GreRef};
pub mod macsec;

pub use macsec::{Macsec, MacsecHeader, MacsecMut, MacsecRef, Sci};
