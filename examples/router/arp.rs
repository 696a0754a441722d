//! Neighbours: the ARP cache for IPv4 ([RFC 826]) and the neighbour cache
//! for IPv6 ([RFC 4861]), and the frames that fill them: ARP requests and
//! replies, neighbour solicitations and advertisements.
//!
//! The cache is a fixed table (no allocation after start-up) that entries
//! are learned into from every ARP packet and every solicitation or
//! advertisement that carries a link-layer address. Entries do not expire
//! (an example's simplification): a host that changes its MAC address is
//! learned again from its next ARP or solicitation.
//!
//! [RFC 826]: https://www.rfc-editor.org/rfc/rfc826
//! [RFC 4861]: https://www.rfc-editor.org/rfc/rfc4861

use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;

use core::net::Ipv4Addr;
use wireview::icmpv6::Icmpv6Mut;
use wireview::{
    ArpHeader, EtherType, EthernetHeader, Icmpv6Code, Icmpv6Header, Icmpv6Type, IpProtocol,
    Ipv6Header, MacAddr,
};

/// How many neighbours the table holds; the oldest slot is reused when full.
const SLOTS: usize = 256;

#[derive(Clone, Copy)]
struct Entry {
    iface: usize,
    ip: IpAddr,
    mac: MacAddr,
}

/// The neighbour table of all interfaces.
pub struct Neighbours {
    table: Mutex<([Option<Entry>; SLOTS], usize)>,
}

impl Neighbours {
    pub fn new() -> Self {
        Neighbours {
            table: Mutex::new(([None; SLOTS], 0)),
        }
    }

    /// The MAC address of `ip` on interface `iface`, if known.
    pub fn lookup(&self, iface: usize, ip: IpAddr) -> Option<MacAddr> {
        let table = self.table.lock().unwrap();
        table
            .0
            .iter()
            .flatten()
            .find(|e| e.iface == iface && e.ip == ip)
            .map(|e| e.mac)
    }

    /// Records that `ip` is at `mac` on interface `iface`.
    pub fn learn(&self, iface: usize, ip: IpAddr, mac: MacAddr) {
        if mac.is_multicast() || ip.is_unspecified() {
            return;
        }
        let mut table = self.table.lock().unwrap();
        let (slots, next) = &mut *table;
        if let Some(e) = slots
            .iter_mut()
            .flatten()
            .find(|e| e.iface == iface && e.ip == ip)
        {
            e.mac = mac;
            return;
        }
        slots[*next] = Some(Entry { iface, ip, mac });
        *next = (*next + 1) % SLOTS;
    }
}

/// Writes an Ethernet + ARP frame into `buf` and returns its length.
pub fn arp_frame(buf: &mut [u8], eth_dst: MacAddr, eth_src: MacAddr, arp: &ArpHeader) -> usize {
    EthernetHeader {
        dst: eth_dst,
        src: eth_src,
        ethertype: EtherType::ARP,
    }
    .emit(buf)
    .expect("frame buffer");
    14 + arp.emit(&mut buf[14..]).expect("frame buffer")
}

/// An ARP request for `target`, broadcast.
pub fn arp_request(buf: &mut [u8], mac: MacAddr, ip: Ipv4Addr, target: Ipv4Addr) -> usize {
    arp_frame(
        buf,
        MacAddr::BROADCAST,
        mac,
        &ArpHeader::request(mac, ip, target),
    )
}

/// The solicited-node multicast address of `addr` ([RFC 4291 section 2.7.1]).
///
/// [RFC 4291 section 2.7.1]: https://www.rfc-editor.org/rfc/rfc4291#section-2.7.1
pub fn solicited_node(addr: Ipv6Addr) -> Ipv6Addr {
    let o = addr.octets();
    Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | u16::from(o[13]),
        u16::from_be_bytes([o[14], o[15]]),
    )
}

/// The Ethernet address an IPv6 multicast address maps to ([RFC 2464
/// section 7]): 33:33 and its last four octets.
///
/// [RFC 2464 section 7]: https://www.rfc-editor.org/rfc/rfc2464#section-7
pub fn multicast_mac(addr: Ipv6Addr) -> MacAddr {
    let o = addr.octets();
    MacAddr::new(0x33, 0x33, o[12], o[13], o[14], o[15])
}

/// NDP option types ([RFC 4861 section 4.6]).
const OPT_SOURCE_LLA: u8 = 1;
const OPT_TARGET_LLA: u8 = 2;
/// Length of a solicitation or advertisement with one link-layer address
/// option: 8 (header) + 16 (target) + 8 (option).
const ND_LEN: usize = 32;

/// Writes an Ethernet + IPv6 + neighbour solicitation or advertisement.
#[allow(clippy::too_many_arguments)]
fn nd_frame(
    buf: &mut [u8],
    eth_dst: MacAddr,
    mac: MacAddr,
    src: Ipv6Addr,
    dst: Ipv6Addr,
    msg_type: Icmpv6Type,
    flags: u32,
    target: Ipv6Addr,
    option: u8,
) -> usize {
    EthernetHeader {
        dst: eth_dst,
        src: mac,
        ethertype: EtherType::IPV6,
    }
    .emit(buf)
    .expect("frame buffer");
    Ipv6Header {
        payload_len: ND_LEN as u16,
        next_header: IpProtocol::ICMPV6,
        // RFC 4861: 255, so that receivers know it was not forwarded.
        hop_limit: 255,
        src,
        dst,
        ..Ipv6Header::default()
    }
    .emit(&mut buf[14..])
    .expect("frame buffer");
    let msg = &mut buf[54..54 + ND_LEN];
    Icmpv6Header {
        msg_type,
        code: Icmpv6Code(0),
        rest_of_header: flags,
    }
    .emit(msg)
    .expect("frame buffer");
    msg[8..24].copy_from_slice(&target.octets());
    msg[24] = option;
    msg[25] = 1; // in units of 8 octets
    msg[26..32].copy_from_slice(&mac.octets());
    Icmpv6Mut::new(msg)
        .expect("32 octets")
        .fill_checksum(src, dst);
    54 + ND_LEN
}

/// A neighbour solicitation for `target`, to its solicited-node address.
pub fn solicit(buf: &mut [u8], mac: MacAddr, src: Ipv6Addr, target: Ipv6Addr) -> usize {
    let dst = solicited_node(target);
    nd_frame(
        buf,
        multicast_mac(dst),
        mac,
        src,
        dst,
        Icmpv6Type::NEIGHBOR_SOLICITATION,
        0,
        target,
        OPT_SOURCE_LLA,
    )
}

/// A solicited neighbour advertisement for our address `target`, with the
/// router, solicited and override flags, to `dst` at `dst_mac`.
pub fn advertise(
    buf: &mut [u8],
    mac: MacAddr,
    target: Ipv6Addr,
    dst: Ipv6Addr,
    dst_mac: MacAddr,
) -> usize {
    nd_frame(
        buf,
        dst_mac,
        mac,
        target,
        dst,
        Icmpv6Type::NEIGHBOR_ADVERTISEMENT,
        0xE000_0000,
        target,
        OPT_TARGET_LLA,
    )
}

/// The target address and the link-layer address option of a solicitation
/// or advertisement (`msg` is the ICMPv6 message).
pub fn parse_nd(msg: &[u8]) -> Option<(Ipv6Addr, Option<MacAddr>)> {
    let target: [u8; 16] = msg.get(8..24)?.try_into().ok()?;
    let mut opts = &msg[24..];
    let mut lla = None;
    while opts.len() >= 8 {
        let len = usize::from(opts[1]) * 8;
        if len == 0 || len > opts.len() {
            break;
        }
        if matches!(opts[0], OPT_SOURCE_LLA | OPT_TARGET_LLA) && len == 8 {
            let m: [u8; 6] = opts[2..8].try_into().ok()?;
            lla = Some(MacAddr::from(m));
        }
        opts = &opts[len..];
    }
    Some((Ipv6Addr::from(target), lla))
}
