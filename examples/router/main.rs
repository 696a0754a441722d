//! A userspace IPv4/IPv6 router between TAP devices (Linux), built on
//! wireview's views and its `icmp_error` and `fragment` modules.
//!
//! ```text
//! router --iface NAME,ADDR4/LEN[,ADDR6/LEN][,mtu=N] ...
//!        [--route PREFIX/LEN,GATEWAY ...] [--masquerade NAME]
//! ```
//!
//! Each `--iface` creates a TAP device (left down, for a script to move
//! into a host's network namespace and bring up there) with the router's
//! addresses on it and the MTU of its link (1500 unless given); the
//! prefixes are connected routes. `--route` adds a route through a
//! gateway on a connected network; routes are matched longest prefix
//! first. `--masquerade NAME` source-NATs IPv4 TCP, UDP and ICMP echo
//! leaving `NAME` to the router's address there, and translates back what
//! returns, ICMP errors included.
//!
//! The router answers ARP and neighbour solicitations for its addresses
//! and resolves next hops with them (a packet whose next hop is not yet
//! known is dropped while the request goes out), answers pings, decrements
//! TTL / hop limit (checked first: an expiring packet is quoted as it
//! came in a Time Exceeded), sends Fragmentation Needed / Packet Too Big
//! when a DF (or IPv6) packet does not fit the next link, fragments
//! DF-clear IPv4 packets that do not fit, and sends Destination
//! Unreachable when no route matches. Every ICMP error goes through
//! `may_send_icmpv4`/`may_send_icmpv6` and a token bucket (100 per
//! second, bursts of 100: the rate limiting RFC 1812 4.3.2.8 and RFC 4443
//! 2.4 (f) ask for).
//!
//! It prints `ready` once its devices exist, and its counters when its
//! standard input ends (close it, or type a line). The per-packet path
//! does not allocate: one frame buffer and one scratch buffer per
//! interface thread, fixed tables (`tests/live/router.sh` counts the heap
//! allocations with a preloaded malloc counter: the same ~60 of start-up
//! whether 10 or 35,000 packets were forwarded).

#[cfg(target_os = "linux")]
mod arp;
#[cfg(target_os = "linux")]
mod nat;
#[cfg(target_os = "linux")]
mod tap;

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("the router example needs Linux TAP devices");
}

#[cfg(target_os = "linux")]
fn main() {
    linux::main();
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io::BufRead;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    use wireview::fragment::Ipv4Fragments;
    use wireview::icmp_error::{
        icmpv4_error, icmpv6_error, may_send_icmpv4, may_send_icmpv6, Arrival, ErrorOptions,
        Icmpv4Error, Icmpv6Error,
    };
    use wireview::{
        Arp, ArpHeader, ArpOperation, EtherType, Ethernet, EthernetHeader, Icmpv4, Icmpv4Code,
        Icmpv4Mut, Icmpv4Type, Icmpv6, Icmpv6Code, Icmpv6Mut, Icmpv6Type, IpProtocol, Ipv4,
        Ipv4Mut, Ipv6, Ipv6Mut, MacAddr,
    };

    use super::arp::{self, Neighbours};
    use super::nat::{Inbound, Nat};
    use super::tap::Tap;

    /// Frames up to this long are read (a TAP device's MTU can be raised).
    const FRAME: usize = 65_550;
    const ETH: usize = 14;

    struct Iface {
        tap: Tap,
        mac: MacAddr,
        v4: Option<(Ipv4Addr, u8)>,
        v6: Option<(Ipv6Addr, u8)>,
        mtu: usize,
    }

    #[derive(Clone, Copy)]
    struct Route<A> {
        net: A,
        len: u8,
        gateway: Option<A>,
        iface: usize,
    }

    /// The counters printed on exit, by name.
    const COUNTERS: [&str; 24] = [
        "rx_frames",
        "tx_frames",
        "forwarded_v4",
        "forwarded_v6",
        "arp_replies",
        "arp_requests",
        "nd_advertisements",
        "nd_solicitations",
        "echo_replies",
        "time_exceeded",
        "frag_needed",
        "packet_too_big",
        "unreachable",
        "fragmented",
        "fragments_out",
        "nat_out",
        "nat_in",
        "nat_icmp_errors",
        "dropped_bad_header",
        "dropped_no_neighbour",
        "dropped_nat",
        "icmp_suppressed",
        "icmp_rate_limited",
        "dropped_other",
    ];

    #[derive(Clone, Copy)]
    enum C {
        Rx,
        Tx,
        Fwd4,
        Fwd6,
        ArpReply,
        ArpRequest,
        NdAdvert,
        NdSolicit,
        EchoReply,
        TimeExceeded,
        FragNeeded,
        TooBig,
        Unreachable,
        Fragmented,
        FragmentsOut,
        NatOut,
        NatIn,
        NatIcmpErr,
        BadHeader,
        NoNeighbour,
        DroppedNat,
        Suppressed,
        RateLimited,
        Other,
    }

    /// A token bucket for the ICMP errors the router originates.
    struct Bucket {
        tokens: f64,
        last: Instant,
    }

    const ICMP_RATE: f64 = 100.0;
    const ICMP_BURST: f64 = 100.0;

    struct Router {
        ifaces: Vec<Iface>,
        routes4: Vec<Route<Ipv4Addr>>,
        routes6: Vec<Route<Ipv6Addr>>,
        neighbours: Neighbours,
        nat: Option<Nat>,
        counters: [AtomicU64; COUNTERS.len()],
        bucket: Mutex<Bucket>,
    }

    fn prefix4(a: Ipv4Addr, len: u8) -> u32 {
        if len == 0 {
            0
        } else {
            a.to_bits() & (u32::MAX << (32 - u32::from(len)))
        }
    }

    fn prefix6(a: Ipv6Addr, len: u8) -> u128 {
        if len == 0 {
            0
        } else {
            a.to_bits() & (u128::MAX << (128 - u32::from(len)))
        }
    }

    impl Router {
        fn count(&self, c: C) {
            self.counters[c as usize].fetch_add(1, Ordering::Relaxed);
        }

        /// Longest-prefix match: (interface, next hop).
        fn route4(&self, dst: Ipv4Addr) -> Option<(usize, Ipv4Addr)> {
            self.routes4
                .iter()
                .filter(|r| prefix4(dst, r.len) == prefix4(r.net, r.len))
                .max_by_key(|r| r.len)
                .map(|r| (r.iface, r.gateway.unwrap_or(dst)))
        }

        fn route6(&self, dst: Ipv6Addr) -> Option<(usize, Ipv6Addr)> {
            self.routes6
                .iter()
                .filter(|r| prefix6(dst, r.len) == prefix6(r.net, r.len))
                .max_by_key(|r| r.len)
                .map(|r| (r.iface, r.gateway.unwrap_or(dst)))
        }

        fn is_ours4(&self, a: Ipv4Addr) -> bool {
            self.ifaces
                .iter()
                .any(|i| i.v4.is_some_and(|(x, _)| x == a))
        }

        fn is_ours6(&self, a: Ipv6Addr) -> bool {
            self.ifaces
                .iter()
                .any(|i| i.v6.is_some_and(|(x, _)| x == a))
        }

        /// Takes a token for an ICMP error, if there is one.
        fn may_originate(&self) -> bool {
            let mut b = self.bucket.lock().unwrap();
            let now = Instant::now();
            let elapsed = now.duration_since(b.last).as_secs_f64();
            b.last = now;
            b.tokens = (b.tokens + elapsed * ICMP_RATE).min(ICMP_BURST);
            if b.tokens >= 1.0 {
                b.tokens -= 1.0;
                true
            } else {
                self.count(C::RateLimited);
                false
            }
        }

        fn send(&self, iface: usize, frame: &[u8]) {
            if self.ifaces[iface].tap.send(frame).is_ok() {
                self.count(C::Tx);
            }
        }

        /// Sends the IP packet at `frame[ETH..ETH + len]` out of `iface`
        /// to `next_hop`, writing the Ethernet header in front of it; asks
        /// for the next hop's address (and drops the packet) when it is
        /// not known. `spare` holds the request.
        fn send_ip(
            &self,
            iface: usize,
            next_hop: IpAddr,
            frame: &mut [u8],
            len: usize,
            spare: &mut [u8],
        ) {
            let out = &self.ifaces[iface];
            let Some(mac) = self.neighbours.lookup(iface, next_hop) else {
                self.count(C::NoNeighbour);
                self.resolve(iface, next_hop, spare);
                return;
            };
            let ethertype = if next_hop.is_ipv4() {
                EtherType::IPV4
            } else {
                EtherType::IPV6
            };
            EthernetHeader {
                dst: mac,
                src: out.mac,
                ethertype,
            }
            .emit(frame)
            .expect("frame buffer");
            self.send(iface, &frame[..ETH + len]);
        }

        /// Sends an ARP request or a neighbour solicitation for `ip`.
        fn resolve(&self, iface: usize, ip: IpAddr, buf: &mut [u8]) {
            let i = &self.ifaces[iface];
            let n = match (ip, i.v4, i.v6) {
                (IpAddr::V4(t), Some((ours, _)), _) => {
                    self.count(C::ArpRequest);
                    arp::arp_request(buf, i.mac, ours, t)
                }
                (IpAddr::V6(t), _, Some((ours, _))) => {
                    self.count(C::NdSolicit);
                    arp::solicit(buf, i.mac, ours, t)
                }
                _ => return,
            };
            self.send(iface, &buf[..n]);
        }

        /// Handles one frame that arrived on `iface`.
        fn frame(&self, iface: usize, frame: &mut [u8], scratch: &mut [u8]) {
            self.count(C::Rx);
            let Ok(eth) = Ethernet::new(&frame[..]) else {
                self.count(C::BadHeader);
                return;
            };
            let dst = eth.dst();
            if dst != self.ifaces[iface].mac && !dst.is_multicast() {
                self.count(C::Other);
                return;
            }
            let arrival = Arrival::from_dst_mac(dst);
            let src_mac = eth.src();
            match eth.ethertype() {
                EtherType::ARP => self.arp(iface, frame, scratch),
                EtherType::IPV4 => self.ipv4(iface, frame, arrival, scratch),
                EtherType::IPV6 => self.ipv6(iface, src_mac, frame, arrival, scratch),
                _ => self.count(C::Other),
            }
        }

        fn arp(&self, iface: usize, frame: &[u8], scratch: &mut [u8]) {
            let Ok(arp) = Arp::new(&frame[ETH..]) else {
                self.count(C::BadHeader);
                return;
            };
            let (Some(smac), Some(sip), Some(tip)) =
                (arp.sender_mac(), arp.sender_ipv4(), arp.target_ipv4())
            else {
                return;
            };
            let Some((ours, _)) = self.ifaces[iface].v4 else {
                return;
            };
            if tip != ours {
                return;
            }
            // RFC 826: merge the sender, then answer a request.
            self.neighbours.learn(iface, IpAddr::V4(sip), smac);
            if arp.oper() == ArpOperation::REQUEST {
                let mac = self.ifaces[iface].mac;
                let n = arp::arp_frame(scratch, smac, mac, &ArpHeader::reply(mac, ours, smac, sip));
                self.count(C::ArpReply);
                self.send(iface, &scratch[..n]);
            }
        }

        fn ipv4(&self, iface: usize, frame: &mut [u8], arrival: Arrival, scratch: &mut [u8]) {
            let (len, src, dst, ttl, df) = match Ipv4::new(&frame[ETH..]) {
                Ok(ip) if ip.verify_checksum() => (
                    usize::from(ip.total_len()),
                    ip.src(),
                    ip.dst(),
                    ip.ttl(),
                    ip.dont_fragment(),
                ),
                _ => {
                    self.count(C::BadHeader);
                    return;
                }
            };
            let mut dst = dst;
            if let Some(nat) = &self.nat {
                if iface == nat.iface && dst == nat.addr {
                    match nat.inbound(&mut frame[ETH..ETH + len]) {
                        Inbound::Translated => self.count(C::NatIn),
                        Inbound::TranslatedError => self.count(C::NatIcmpErr),
                        Inbound::NotMapped => {}
                    }
                    dst = Ipv4::new(&frame[ETH..ETH + len]).expect("still IPv4").dst();
                }
            }
            if self.is_ours4(dst) {
                self.local4(iface, frame, len, scratch);
                return;
            }
            if dst.is_multicast() || dst.is_broadcast() {
                self.count(C::Other);
                return;
            }
            let Some((out, next_hop)) = self.route4(dst) else {
                self.error4(
                    iface,
                    &frame[ETH..ETH + len],
                    Icmpv4Error::DestinationUnreachable(Icmpv4Code::NET_UNREACHABLE),
                    arrival,
                    scratch,
                );
                return;
            };
            // Linux's order (ip_forward): TTL, then MTU, then decrement;
            // both errors quote the datagram as it came (RFC 1812 5.3.1:
            // check, then decrement).
            let mtu = self.ifaces[out].mtu;
            if len > mtu && df && ttl > 1 {
                let error = Icmpv4Error::FragmentationNeeded {
                    mtu: mtu.min(usize::from(u16::MAX)) as u16,
                };
                self.error4(iface, &frame[ETH..ETH + len], error, arrival, scratch);
                return;
            }
            let mut ip = Ipv4Mut::new(&mut frame[ETH..ETH + len]).expect("checked above");
            if ip.decrement_ttl().is_expired() {
                let error = Icmpv4Error::TimeExceeded(Icmpv4Code::TTL_EXCEEDED);
                self.error4(iface, &frame[ETH..ETH + len], error, arrival, scratch);
                return;
            }
            if let Some(nat) = &self.nat {
                if out == nat.iface && src != nat.addr {
                    if !nat.outbound(&mut frame[ETH..ETH + len]) {
                        self.count(C::DroppedNat);
                        return;
                    }
                    self.count(C::NatOut);
                }
            }
            self.count(C::Fwd4);
            let next_hop = IpAddr::V4(next_hop);
            if len <= mtu {
                self.send_ip(out, next_hop, frame, len, scratch);
                return;
            }
            // DF clear and too big: fragment into the scratch buffer.
            let Some(mac) = self.neighbours.lookup(out, next_hop) else {
                self.count(C::NoNeighbour);
                self.resolve(out, next_hop, scratch);
                return;
            };
            let Ok(mut fragments) = Ipv4Fragments::new(&frame[ETH..ETH + len], mtu) else {
                self.count(C::Other);
                return;
            };
            self.count(C::Fragmented);
            EthernetHeader {
                dst: mac,
                src: self.ifaces[out].mac,
                ethertype: EtherType::IPV4,
            }
            .emit(scratch)
            .expect("scratch buffer");
            while let Some(Ok(n)) = fragments.write_next(&mut scratch[ETH..]) {
                self.count(C::FragmentsOut);
                self.send(out, &scratch[..ETH + n]);
            }
        }

        /// A datagram for one of the router's addresses: answer pings,
        /// refuse UDP with port unreachable, drop the rest.
        fn local4(&self, iface: usize, frame: &mut [u8], len: usize, scratch: &mut [u8]) {
            let ip = Ipv4::new(&frame[ETH..ETH + len]).expect("checked");
            let (src, dst) = (ip.src(), ip.dst());
            match ip.protocol() {
                IpProtocol::ICMP if !ip.is_fragment() => {
                    let request = Icmpv4::new(ip.payload()).is_ok_and(|icmp| {
                        icmp.msg_type() == Icmpv4Type::ECHO_REQUEST && icmp.verify_checksum()
                    });
                    if !request {
                        return;
                    }
                    let mut ip = Ipv4Mut::new(&mut frame[ETH..ETH + len]).expect("checked");
                    let _ = ip.set_src(dst);
                    let _ = ip.set_dst(src);
                    ip.set_ttl(64);
                    let Ok(mut icmp) = Icmpv4Mut::new(ip.payload_mut()) else {
                        return;
                    };
                    icmp.set_msg_type(Icmpv4Type::ECHO_REPLY);
                    self.count(C::EchoReply);
                    if let Some((out, nh)) = self.route4(src) {
                        self.send_ip(out, IpAddr::V4(nh), frame, len, scratch);
                    }
                }
                IpProtocol::UDP => {
                    let error = Icmpv4Error::DestinationUnreachable(Icmpv4Code::PORT_UNREACHABLE);
                    self.error4(
                        iface,
                        &frame[ETH..ETH + len],
                        error,
                        Arrival::default(),
                        scratch,
                    );
                }
                _ => self.count(C::Other),
            }
        }

        /// Sends `error` about `offending` (as it arrived on `iface`) back
        /// to its source, if the rules and the rate limit allow.
        fn error4(
            &self,
            iface: usize,
            offending: &[u8],
            error: Icmpv4Error,
            arrival: Arrival,
            scratch: &mut [u8],
        ) {
            if may_send_icmpv4(offending, arrival).is_err() {
                self.count(C::Suppressed);
                return;
            }
            let Some((ours, _)) = self.ifaces[iface].v4 else {
                return;
            };
            let Ok(sender) = Ipv4::new(offending).map(|ip| ip.src()) else {
                return;
            };
            let Some((out, next_hop)) = self.route4(sender) else {
                return;
            };
            if !self.may_originate() {
                return;
            }
            let (frame, spare) = scratch.split_at_mut(FRAME);
            let Ok(n) = icmpv4_error(
                &mut frame[ETH..],
                ours,
                error,
                offending,
                &ErrorOptions::default(),
            ) else {
                return;
            };
            self.count(match error {
                Icmpv4Error::TimeExceeded(_) => C::TimeExceeded,
                Icmpv4Error::FragmentationNeeded { .. } => C::FragNeeded,
                _ => C::Unreachable,
            });
            self.send_ip(out, IpAddr::V4(next_hop), frame, n, spare);
        }

        fn ipv6(
            &self,
            iface: usize,
            src_mac: MacAddr,
            frame: &mut [u8],
            arrival: Arrival,
            scratch: &mut [u8],
        ) {
            let (len, dst, hop_limit, next) = match Ipv6::new(&frame[ETH..]) {
                Ok(ip) if !ip.is_jumbogram() => (
                    40 + usize::from(ip.payload_len()),
                    ip.dst(),
                    ip.hop_limit(),
                    ip.next_header(),
                ),
                _ => {
                    self.count(C::BadHeader);
                    return;
                }
            };
            if next == IpProtocol::ICMPV6 && (dst.is_multicast() || self.is_ours6(dst)) {
                let msg_type = frame.get(ETH + 40).copied().map(Icmpv6Type);
                if msg_type == Some(Icmpv6Type::NEIGHBOR_SOLICITATION)
                    || msg_type == Some(Icmpv6Type::NEIGHBOR_ADVERTISEMENT)
                {
                    self.neighbour(iface, src_mac, &frame[ETH..ETH + len], scratch);
                    return;
                }
            }
            if self.is_ours6(dst) {
                self.local6(iface, frame, len, scratch);
                return;
            }
            if dst.is_multicast() {
                self.count(C::Other);
                return;
            }
            let Some((out, next_hop)) = self.route6(dst) else {
                self.error6(
                    iface,
                    &frame[ETH..ETH + len],
                    Icmpv6Error::DestinationUnreachable(Icmpv6Code::NO_ROUTE),
                    arrival,
                    scratch,
                );
                return;
            };
            let mtu = self.ifaces[out].mtu;
            if len > mtu && hop_limit > 1 {
                let error = Icmpv6Error::PacketTooBig { mtu: mtu as u32 };
                self.error6(iface, &frame[ETH..ETH + len], error, arrival, scratch);
                return;
            }
            let mut ip = Ipv6Mut::new(&mut frame[ETH..ETH + len]).expect("checked above");
            if ip.decrement_hop_limit().is_expired() {
                let error = Icmpv6Error::TimeExceeded(Icmpv6Code::HOP_LIMIT_EXCEEDED);
                self.error6(iface, &frame[ETH..ETH + len], error, arrival, scratch);
                return;
            }
            self.count(C::Fwd6);
            self.send_ip(out, IpAddr::V6(next_hop), frame, len, scratch);
        }

        /// A neighbour solicitation or advertisement: learn the sender (or
        /// the target), answer a solicitation for one of our addresses.
        fn neighbour(&self, iface: usize, src_mac: MacAddr, packet: &[u8], scratch: &mut [u8]) {
            let Ok(ip) = Ipv6::new(packet) else {
                return;
            };
            // RFC 4861 7.1.1: a valid one has hop limit 255.
            if ip.hop_limit() != 255 {
                return;
            }
            let msg = ip.payload();
            if !Icmpv6::new(msg).is_ok_and(|icmp| icmp.verify_checksum(ip.src(), ip.dst())) {
                self.count(C::BadHeader);
                return;
            }
            let Some((target, lla)) = arp::parse_nd(msg) else {
                return;
            };
            let src = ip.src();
            if msg[0] == Icmpv6Type::NEIGHBOR_ADVERTISEMENT.0 {
                self.neighbours
                    .learn(iface, IpAddr::V6(target), lla.unwrap_or(src_mac));
                return;
            }
            let Some((ours, _)) = self.ifaces[iface].v6 else {
                return;
            };
            if target != ours {
                return;
            }
            if !src.is_unspecified() {
                self.neighbours
                    .learn(iface, IpAddr::V6(src), lla.unwrap_or(src_mac));
            }
            // To a DAD probe (from ::) the answer goes to all nodes.
            let (dst, dst_mac) = if src.is_unspecified() {
                let all = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
                (all, arp::multicast_mac(all))
            } else {
                (src, lla.unwrap_or(src_mac))
            };
            let mac = self.ifaces[iface].mac;
            let n = arp::advertise(scratch, mac, ours, dst, dst_mac);
            self.count(C::NdAdvert);
            self.send(iface, &scratch[..n]);
        }

        fn local6(&self, iface: usize, frame: &mut [u8], len: usize, scratch: &mut [u8]) {
            let ip = Ipv6::new(&frame[ETH..ETH + len]).expect("checked");
            let (src, dst) = (ip.src(), ip.dst());
            match ip.next_header() {
                IpProtocol::ICMPV6 => {
                    let request = Icmpv6::new(ip.payload()).is_ok_and(|icmp| {
                        icmp.msg_type() == Icmpv6Type::ECHO_REQUEST
                            && icmp.verify_checksum(src, dst)
                    });
                    if !request {
                        return;
                    }
                    let mut ip = Ipv6Mut::new(&mut frame[ETH..ETH + len]).expect("checked");
                    // Swapping the addresses leaves the pseudo-header sum as it was.
                    let _ = ip.set_src(dst);
                    let _ = ip.set_dst(src);
                    ip.set_hop_limit(64);
                    let Ok(mut icmp) = Icmpv6Mut::new(ip.payload_mut()) else {
                        return;
                    };
                    icmp.set_msg_type(Icmpv6Type::ECHO_REPLY);
                    self.count(C::EchoReply);
                    if let Some((out, nh)) = self.route6(src) {
                        self.send_ip(out, IpAddr::V6(nh), frame, len, scratch);
                    }
                }
                IpProtocol::UDP => {
                    let error = Icmpv6Error::DestinationUnreachable(Icmpv6Code::PORT_UNREACHABLE);
                    self.error6(
                        iface,
                        &frame[ETH..ETH + len],
                        error,
                        Arrival::default(),
                        scratch,
                    );
                }
                _ => self.count(C::Other),
            }
        }

        fn error6(
            &self,
            iface: usize,
            offending: &[u8],
            error: Icmpv6Error,
            arrival: Arrival,
            scratch: &mut [u8],
        ) {
            if may_send_icmpv6(offending, &error, arrival).is_err() {
                self.count(C::Suppressed);
                return;
            }
            let Some((ours, _)) = self.ifaces[iface].v6 else {
                return;
            };
            let Ok(sender) = Ipv6::new(offending).map(|ip| ip.src()) else {
                return;
            };
            let Some((out, next_hop)) = self.route6(sender) else {
                return;
            };
            if !self.may_originate() {
                return;
            }
            let (frame, spare) = scratch.split_at_mut(FRAME);
            let Ok(n) = icmpv6_error(
                &mut frame[ETH..],
                ours,
                error,
                offending,
                &ErrorOptions::default(),
            ) else {
                return;
            };
            self.count(match error {
                Icmpv6Error::TimeExceeded(_) => C::TimeExceeded,
                Icmpv6Error::PacketTooBig { .. } => C::TooBig,
                _ => C::Unreachable,
            });
            self.send_ip(out, IpAddr::V6(next_hop), frame, n, spare);
        }
    }

    fn usage(msg: &str) -> ! {
        eprintln!("router: {msg}");
        eprintln!(
            "usage: router --iface NAME,ADDR4/LEN[,ADDR6/LEN][,mtu=N] ... \
             [--route PREFIX/LEN,GATEWAY ...] [--masquerade NAME]"
        );
        std::process::exit(2);
    }

    fn parse_prefix(s: &str) -> (IpAddr, u8) {
        let (a, l) = s
            .split_once('/')
            .unwrap_or_else(|| usage(&format!("{s}: want ADDR/LEN")));
        let a: IpAddr = a
            .parse()
            .unwrap_or_else(|_| usage(&format!("{a}: not an address")));
        let max = if a.is_ipv4() { 32 } else { 128 };
        let l: u8 = l
            .parse()
            .ok()
            .filter(|&l| l <= max)
            .unwrap_or_else(|| usage(&format!("{l}: not a prefix length")));
        (a, l)
    }

    /// What the command line gives: the interfaces (their TAP devices
    /// made), the routes through gateways, the masqueraded interface.
    type Args = (Vec<Iface>, Vec<(IpAddr, u8, IpAddr)>, Option<String>);

    fn parse_args() -> Args {
        let mut ifaces: Vec<Iface> = Vec::new();
        let mut gateways: Vec<(IpAddr, u8, IpAddr)> = Vec::new();
        let mut masquerade = None;
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = || {
                args.next()
                    .unwrap_or_else(|| usage(&format!("{arg} wants a value")))
            };
            match arg.as_str() {
                "--iface" => {
                    let spec = value();
                    let mut parts = spec.split(',');
                    let name = parts.next().unwrap_or_default().to_owned();
                    let index = ifaces.len();
                    let tap = Tap::open(&name)
                        .unwrap_or_else(|e| usage(&format!("cannot create TAP {name}: {e}")));
                    let mut iface = Iface {
                        tap,
                        mac: MacAddr::new(0x02, 0x77, 0x69, 0x72, 0x65, index as u8 + 1),
                        v4: None,
                        v6: None,
                        mtu: 1500,
                    };
                    for part in parts {
                        if let Some(m) = part.strip_prefix("mtu=") {
                            iface.mtu =
                                m.parse().ok().filter(|&m| m >= 1280).unwrap_or_else(|| {
                                    usage(&format!("{m}: bad MTU (at least 1280)"))
                                });
                            continue;
                        }
                        match parse_prefix(part) {
                            (IpAddr::V4(a), l) => iface.v4 = Some((a, l)),
                            (IpAddr::V6(a), l) => iface.v6 = Some((a, l)),
                        }
                    }
                    ifaces.push(iface);
                }
                "--route" => {
                    let spec = value();
                    let (p, gw) = spec
                        .split_once(',')
                        .unwrap_or_else(|| usage(&format!("{spec}: want PREFIX/LEN,GATEWAY")));
                    let (net, len) = parse_prefix(p);
                    let gw: IpAddr = gw
                        .parse()
                        .unwrap_or_else(|_| usage(&format!("{gw}: not an address")));
                    if net.is_ipv4() != gw.is_ipv4() {
                        usage(&format!("{spec}: mixes IPv4 and IPv6"));
                    }
                    gateways.push((net, len, gw));
                }
                "--masquerade" => masquerade = Some(value()),
                "-h" | "--help" => usage("help"),
                _ => usage(&format!("unknown argument {arg}")),
            }
        }
        if ifaces.is_empty() {
            usage("no --iface");
        }
        (ifaces, gateways, masquerade)
    }

    /// The connected routes of the interfaces, and the routes through
    /// gateways (which resolve through the connected ones).
    #[allow(clippy::type_complexity)]
    fn routes(
        ifaces: &[Iface],
        gateways: Vec<(IpAddr, u8, IpAddr)>,
    ) -> (Vec<Route<Ipv4Addr>>, Vec<Route<Ipv6Addr>>) {
        let mut routes4 = Vec::new();
        let mut routes6 = Vec::new();
        for (i, iface) in ifaces.iter().enumerate() {
            if let Some((a, l)) = iface.v4 {
                routes4.push(Route {
                    net: a,
                    len: l,
                    gateway: None,
                    iface: i,
                });
            }
            if let Some((a, l)) = iface.v6 {
                routes6.push(Route {
                    net: a,
                    len: l,
                    gateway: None,
                    iface: i,
                });
            }
        }
        // Gateways resolve through the connected routes.
        for (net, len, gw) in gateways {
            match (net, gw) {
                (IpAddr::V4(net), IpAddr::V4(gw)) => {
                    let Some(r) = routes4
                        .iter()
                        .filter(|r| {
                            r.gateway.is_none() && prefix4(gw, r.len) == prefix4(r.net, r.len)
                        })
                        .max_by_key(|r| r.len)
                        .copied()
                    else {
                        usage(&format!("gateway {gw} is on no interface"));
                    };
                    routes4.push(Route {
                        net,
                        len,
                        gateway: Some(gw),
                        iface: r.iface,
                    });
                }
                (IpAddr::V6(net), IpAddr::V6(gw)) => {
                    let Some(r) = routes6
                        .iter()
                        .filter(|r| {
                            r.gateway.is_none() && prefix6(gw, r.len) == prefix6(r.net, r.len)
                        })
                        .max_by_key(|r| r.len)
                        .copied()
                    else {
                        usage(&format!("gateway {gw} is on no interface"));
                    };
                    routes6.push(Route {
                        net,
                        len,
                        gateway: Some(gw),
                        iface: r.iface,
                    });
                }
                _ => unreachable!("checked when parsed"),
            }
        }
        (routes4, routes6)
    }

    pub fn main() {
        let (ifaces, gateways, masquerade) = parse_args();
        let (routes4, routes6) = routes(&ifaces, gateways);
        let nat = masquerade.map(|name| {
            let (i, iface) = ifaces
                .iter()
                .enumerate()
                .find(|(_, f)| f.tap.name == name)
                .unwrap_or_else(|| usage(&format!("--masquerade {name}: no such --iface")));
            let (addr, _) = iface
                .v4
                .unwrap_or_else(|| usage(&format!("--masquerade {name}: it has no IPv4 address")));
            Nat::new(i, addr)
        });
        let router = Arc::new(Router {
            ifaces,
            routes4,
            routes6,
            neighbours: Neighbours::new(),
            nat,
            counters: std::array::from_fn(|_| AtomicU64::new(0)),
            bucket: Mutex::new(Bucket {
                tokens: ICMP_BURST,
                last: Instant::now(),
            }),
        });
        for i in 0..router.ifaces.len() {
            let router = Arc::clone(&router);
            std::thread::spawn(move || {
                // Allocated once per thread: the frame, and a scratch area
                // for a reply or error (first half) and an ARP request (second).
                let mut frame = vec![0u8; FRAME];
                let mut scratch = vec![0u8; 2 * FRAME];
                loop {
                    match router.ifaces[i].tap.recv(&mut frame) {
                        Ok(n) => router.frame(i, &mut frame[..n], &mut scratch),
                        Err(e) => {
                            eprintln!("router: {}: {e}", router.ifaces[i].tap.name);
                            return;
                        }
                    }
                }
            });
        }
        println!("ready");
        // Run until standard input ends (or a line is typed).
        let _ = std::io::stdin().lock().lines().next();
        for (name, c) in COUNTERS.iter().zip(&router.counters) {
            println!("{name} {}", c.load(Ordering::Relaxed));
        }
        std::process::exit(0);
    }
}
