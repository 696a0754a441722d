//! An XDP program built on wireview's views: it walks to the IPv4 header
//! behind Ethernet and up to two VLAN tags (802.1Q or 802.1ad), drops a
//! datagram whose header checksum is wrong, and decrements the TTL of the
//! others with [`Ipv4Mut::decrement_ttl`] (the checksum follows, RFC 1624),
//! as a router's fast path does; a datagram that would expire (TTL 0 or 1)
//! passes as received, for the stack to answer (check, then decrement:
//! RFC 1812 section 5.3.1). Everything else passes untouched.
//!
//! The only `unsafe` is the program's contact with the kernel: reading the
//! packet bounds from `xdp_md` and making a slice of the packet. The
//! verifier accepts a packet read only at an offset it can prove is below
//! a bound the program compared with `data_end`, so the program compares
//! the pointers itself before it hands the crate a slice of exactly that
//! length, and the crate's code indexes within it.
#![no_std]

use core::panic::PanicInfo;

use core::net::{Ipv4Addr, Ipv6Addr};

use wireview::{Dscp, Ecn, IpProtocol, Ipv4Mut, Ipv4Ref, Ipv6Mut, TcpFlags, TcpMut, UdpMut};

/// `struct xdp_md` from `linux/bpf.h`: the packet bounds as 32-bit values
/// the kernel rewrites into pointers.
#[repr(C)]
pub struct XdpMd {
    data: u32,
    data_end: u32,
    data_meta: u32,
    ingress_ifindex: u32,
    rx_queue_index: u32,
    egress_ifindex: u32,
}

const XDP_DROP: u32 = 1;
const XDP_PASS: u32 = 2;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88A8;

/// The largest IPv4 header: IHL 15.
const MAX_IPV4_HEADER: usize = 60;

// Pointer arithmetic below is spelled `wrapping_add`: the values are 32-bit
// offsets that cannot overflow, but with overflow checks on (a debug build)
// a plain `+` keeps a panic call that the BPF backend does not fold away,
// and libbpf refuses an object with panic functions in it.

/// The entry point: the section name tells libbpf it is an XDP program.
#[no_mangle]
#[link_section = "xdp"]
pub extern "C" fn wireview_xdp(ctx: *const XdpMd) -> u32 {
    // SAFETY: the kernel passes a valid `xdp_md`.
    let (data, end) = unsafe { ((*ctx).data as usize, (*ctx).data_end as usize) };
    match route(data, end) {
        Verdict::Drop => XDP_DROP,
        Verdict::Pass => XDP_PASS,
    }
}

enum Verdict {
    Pass,
    Drop,
}

/// The packet from `data` on, `len` bytes, once the caller has compared
/// `data + len` with `data_end`.
///
/// # Safety
/// `data + len <= data_end` must hold (which the verifier checks too).
#[inline(always)]
unsafe fn packet<'a>(data: usize, len: usize) -> &'a mut [u8] {
    core::slice::from_raw_parts_mut(data as *mut u8, len)
}

#[inline(always)]
fn route(data: usize, end: usize) -> Verdict {
    // Ethernet and up to two VLAN tags: 14 + 2 * 4 bytes.
    if data.wrapping_add(14) > end {
        return Verdict::Pass;
    }
    // SAFETY: checked just above.
    let eth = unsafe { packet(data, 14) };
    let mut ethertype = u16::from_be_bytes([eth[12], eth[13]]);
    let mut l3 = 14;
    if ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ {
        if data.wrapping_add(18) > end {
            return Verdict::Pass;
        }
        // SAFETY: checked just above.
        let tag = unsafe { packet(data.wrapping_add(14), 4) };
        ethertype = u16::from_be_bytes([tag[2], tag[3]]);
        l3 = 18;
        if ethertype == ETHERTYPE_VLAN {
            if data.wrapping_add(22) > end {
                return Verdict::Pass;
            }
            // SAFETY: checked just above.
            let tag = unsafe { packet(data.wrapping_add(18), 4) };
            ethertype = u16::from_be_bytes([tag[2], tag[3]]);
            l3 = 22;
        }
    }
    if ethertype != ETHERTYPE_IPV4 {
        return Verdict::Pass;
    }
    ipv4(data.wrapping_add(l3), end)
}

/// The IPv4 header at `ip`.
///
/// The verifier accepts a packet read only below a bound that the program
/// compared with `end` on the same path, and the header's length (20 to 60
/// bytes) is only known at run time: the verifier cannot follow a read at
/// an offset below that length back to a comparison with `end` (LLVM is
/// free to drop a comparison it can prove redundant, or to recompute the
/// length in another register). So the header is copied first, byte by
/// byte with a comparison each, into a zeroed 60-byte buffer on the stack,
/// and the crate reads it there: every read of the crate's code is then
/// below 60, which the verifier sees as a constant. The rewrite goes to the
/// packet itself, where the TTL and checksum lie in the first 20 bytes.
///
/// Each crate function is called once, so that it is inlined and each
/// path's bounds reach its code.
#[inline(always)]
fn ipv4(ip: usize, end: usize) -> Verdict {
    let mut copy = [0u8; MAX_IPV4_HEADER];
    let mut n = 0;
    while n < MAX_IPV4_HEADER {
        if ip.wrapping_add(n).wrapping_add(1) > end {
            break;
        }
        // SAFETY: `ip + n + 1 <= end` compared just above.
        copy[n] = unsafe { packet(ip.wrapping_add(n), 1) }[0];
        n = n.wrapping_add(1);
    }
    let header = &copy[..n];
    // `new_truncated`: the window may end before the datagram does. An
    // error (not version 4, an IHL below 5, a header longer than the
    // packet) leaves the packet to the stack.
    let Ok(view) = Ipv4Ref::new_truncated(header) else {
        return Verdict::Pass;
    };
    if !view.verify_checksum() {
        return Verdict::Drop;
    }
    // TTL and checksum lie in the first 20 bytes, which `new_truncated`
    // found in the packet.
    if ip.wrapping_add(20) > end {
        return Verdict::Pass;
    }
    // SAFETY: compared just above.
    // Check, then decrement (RFC 1812 section 5.3.1): a datagram that
    // expires here is passed on as received, for the stack to answer with
    // a Time Exceeded that quotes it unchanged.
    let _hop = Ipv4Mut::new_unchecked(unsafe { packet(ip, 20) }).decrement_ttl();
    Verdict::Pass
}

/// A second program, loaded by `check.sh` only so that the verifier checks
/// it (it is never attached): the rest of the API an XDP data plane uses
/// on IPv4, IPv6, UDP and TCP, on windows of constant length. Each setter
/// keeps the checksums right with RFC 1624 updates, the L4 one through the
/// delta an address change returns.
#[no_mangle]
#[link_section = "xdp"]
pub extern "C" fn wireview_xdp_api(ctx: *const XdpMd) -> u32 {
    // SAFETY: the kernel passes a valid `xdp_md`.
    let (data, end) = unsafe { ((*ctx).data as usize, (*ctx).data_end as usize) };
    if data.wrapping_add(14 + 60) > end {
        return XDP_PASS;
    }
    // SAFETY: compared just above.
    let frame = unsafe { packet(data, 14 + 60) };
    let (eth, l3) = frame.split_at_mut(14);
    match u16::from_be_bytes([eth[12], eth[13]]) {
        ETHERTYPE_IPV4 => ipv4_api(l3),
        0x86DD => ipv6_api(l3),
        _ => {}
    }
    XDP_PASS
}

/// NAT-like rewrites of an IPv4 header of 20 bytes and the UDP or TCP
/// header behind it.
#[inline(always)]
fn ipv4_api(l3: &mut [u8]) {
    let (ip, l4) = l3.split_at_mut(20);
    let Ok(mut ip) = Ipv4Mut::new_truncated(ip) else {
        return;
    };
    if ip.header_len() != 20 || ip.is_fragment() || !ip.verify_checksum() {
        return;
    }
    let protocol = ip.protocol();
    ip.set_dscp(Dscp::EF);
    ip.set_ecn(Ecn::Ce);
    ip.set_identification(ip.identification().wrapping_add(1));
    ip.set_dont_fragment(true);
    let _hop = ip.decrement_ttl();
    let delta =
        ip.set_src(Ipv4Addr::new(192, 0, 2, 1)) + ip.set_dst(Ipv4Addr::new(198, 51, 100, 7));
    if protocol == IpProtocol::UDP {
        if let Ok(mut udp) = UdpMut::new_truncated(&mut l4[..8]) {
            udp.apply_delta(delta);
            udp.set_src_port(udp.src_port() ^ 1);
            udp.set_dst_port(4789);
        }
    } else if protocol == IpProtocol::TCP {
        if let Ok(mut tcp) = TcpMut::new(&mut l4[..20]) {
            tcp.apply_delta(delta);
            tcp.set_src_port(tcp.dst_port());
            tcp.set_seq_number(tcp.seq_number().wrapping_add(1000));
            tcp.set_ack_number(tcp.ack_number().wrapping_add(1));
            tcp.set_flags(tcp.flags() | TcpFlags::ACK);
            tcp.set_window(tcp.window() / 2);
        }
    }
}

/// The same on IPv6 (40 bytes) and the first 20 bytes behind it.
#[inline(always)]
fn ipv6_api(l3: &mut [u8]) {
    let (ip, l4) = l3.split_at_mut(40);
    let Ok(mut ip) = Ipv6Mut::new_truncated(ip) else {
        return;
    };
    let next = ip.next_header();
    ip.set_dscp(Dscp::AF11);
    ip.set_ecn(Ecn::Ect0);
    let _ = ip.set_flow_label(ip.flow_label() ^ 0x1);
    let _hop = ip.decrement_hop_limit();
    let mut addr = ip.src().octets();
    addr[15] ^= 1;
    let delta = ip.set_src(Ipv6Addr::from(addr)) + ip.set_dst(Ipv6Addr::LOCALHOST);
    if next == IpProtocol::UDP {
        if let Ok(mut udp) = UdpMut::new_truncated(&mut l4[..8]) {
            udp.apply_delta(delta);
            udp.set_dst_port(udp.dst_port().wrapping_add(1));
        }
    } else if next == IpProtocol::TCP {
        if let Ok(mut tcp) = TcpMut::new(&mut l4[..20]) {
            tcp.apply_delta(delta);
            tcp.set_dst_port(443);
            tcp.set_urgent_pointer(0);
        }
    }
}

#[panic_handler]
fn panic(_info: &PanicInfo) -> ! {
    loop {}
}

/// The kernel wants a license for some helpers; the program uses none, but
/// bpftool loads GPL-compatible programs without complaint.
#[no_mangle]
#[link_section = "license"]
pub static LICENSE: [u8; 4] = *b"GPL\0";
