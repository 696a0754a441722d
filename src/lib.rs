#![doc = include_str!("../README.md")]
#![no_std]

#[cfg(test)]
#[macro_use]
extern crate std;

pub mod checksum;
pub mod error;
mod field;

pub mod arp;
pub mod ethernet;
pub mod sll;
pub mod vlan;

pub mod ip;
pub mod ipv4;
pub mod ipv6;
pub mod ipv6_ext;

pub mod icmpv4;
pub mod icmpv6;
pub mod tcp;
pub mod udp;

pub mod fragment;
pub mod icmp_error;

pub mod geneve;
pub mod gre;
pub mod gtpu;
pub mod macsec;
pub mod mpls;
pub mod pppoe;
pub mod vxlan;

pub mod flow;
pub mod packet;
pub mod tunnel;
pub mod walk;

pub use error::{Error, Layer};

pub use arp::{Arp, ArpHeader, ArpMut, ArpOperation, ArpRef};
pub use ethernet::{
    EtherType, Ethernet, EthernetHeader, EthernetMut, EthernetRef, MacAddr, ParseMacAddrError,
};
pub use vlan::{Pcp, Vid, VlanHeader, VlanTag, VlanTagMut, VlanTagRef};

pub use ip::{Dscp, Ecn, Hop, IpProtocol};
pub use ipv4::{Ipv4, Ipv4Header, Ipv4Mut, Ipv4Ref};
pub use ipv6::{Ipv6, Ipv6Header, Ipv6Mut, Ipv6Ref};
pub use ipv6_ext::{
    ExtHeaders, Ipv6Auth, Ipv6AuthMut, Ipv6AuthRef, Ipv6Ext, Ipv6ExtKind, Ipv6Fragment,
    Ipv6FragmentHeader, Ipv6FragmentMut, Ipv6FragmentRef, Ipv6Option, Ipv6Options, Ipv6Routing,
    Ipv6RoutingMut, Ipv6RoutingRef, Ipv6RoutingType,
};

pub use icmpv4::{Icmpv4, Icmpv4Code, Icmpv4Header, Icmpv4Mut, Icmpv4Ref, Icmpv4Type};
pub use icmpv6::{Icmpv6, Icmpv6Code, Icmpv6Header, Icmpv6Mut, Icmpv6Ref, Icmpv6Type};
pub use tcp::{Tcp, TcpFlags, TcpHeader, TcpMut, TcpOption, TcpOptions, TcpRef};
pub use udp::{Udp, UdpHeader, UdpMut, UdpRef};

pub use geneve::{Geneve, GeneveHeader, GeneveMut, GeneveOption, GeneveOptions, GeneveRef};
pub use gre::{Gre, GreHeader, GreMut, GreRef};
pub use gtpu::{Gtpu, GtpuHeader, GtpuMessageType, GtpuMut, GtpuRef, PduSession};
pub use macsec::{Macsec, MacsecHeader, MacsecMut, MacsecRef, Sci};
pub use mpls::{Label, Mpls, MplsHeader, MplsMut, MplsRef, MplsStack, MplsStackMut, MplsStackRef};
pub use pppoe::{PppProtocol, Pppoe, PppoeCode, PppoeDiscovery, PppoeHeader, PppoeMut, PppoeRef};
pub use vxlan::{Vni, Vxlan, VxlanHeader, VxlanMut, VxlanRef};

pub use flow::FlowKey;
pub use packet::Packet;
pub use walk::{LayerKind, Layers, Walker};
