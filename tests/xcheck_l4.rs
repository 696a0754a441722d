//! Cross-checks of the transport views against etherparse 0.21: packets
//! built with `etherparse::PacketBuilder` (UDP, TCP with options, ICMPv4
//! and ICMPv6 echo over IPv4 and IPv6) read the same through wireview's
//! getters, verify with wireview, and after every wireview setter
//! etherparse re-parses the new value and computes the stored checksum.

use core::net::{Ipv4Addr, Ipv6Addr};

use etherparse::{
    icmpv4, IcmpEchoHeader, Icmpv4Header as EpIcmpv4, Icmpv4Type as EpIcmpv4Type,
    Icmpv6Header as EpIcmpv6, Icmpv6Type as EpIcmpv6Type, Ipv4Header as EpIpv4,
    Ipv6Header as EpIpv6, PacketBuilder, TcpHeader as EpTcp, TcpOptionElement, UdpHeader as EpUdp,
};
use proptest::prelude::*;
use wireview::{
    Icmpv4, Icmpv4Mut, Icmpv4Type, Icmpv6, Icmpv6Mut, Icmpv6Type, Tcp, TcpFlags, TcpMut, TcpOption,
    Udp, UdpMut,
};

/// The network layer a packet is built on.
#[derive(Debug, Clone, Copy)]
enum Net {
    V4([u8; 4], [u8; 4]),
    V6([u8; 16], [u8; 16]),
}

impl Net {
    fn builder(self) -> etherparse::PacketBuilderStep<etherparse::IpHeaders> {
        match self {
            Net::V4(s, d) => PacketBuilder::ipv4(s, d, 64),
            Net::V6(s, d) => PacketBuilder::ipv6(s, d, 64),
        }
    }

    fn ip_len(self) -> usize {
        match self {
            Net::V4(..) => 20,
            Net::V6(..) => 40,
        }
    }
}

fn net() -> impl Strategy<Value = Net> {
    prop_oneof![
        any::<([u8; 4], [u8; 4])>().prop_map(|(s, d)| Net::V4(s, d)),
        any::<([u8; 16], [u8; 16])>().prop_map(|(s, d)| Net::V6(s, d)),
    ]
}

fn payload() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..64)
}

/// etherparse's checksum of the UDP datagram at the end of `pkt`.
fn ep_udp_checksum(net: Net, pkt: &[u8]) -> (EpUdp, u16) {
    let seg = &pkt[net.ip_len()..];
    let (h, rest) = EpUdp::from_slice(seg).unwrap();
    let data = &rest[..usize::from(h.length) - 8];
    let c = match net {
        Net::V4(..) => h.calc_checksum_ipv4(&EpIpv4::from_slice(pkt).unwrap().0, data),
        Net::V6(..) => h.calc_checksum_ipv6(&EpIpv6::from_slice(pkt).unwrap().0, data),
    };
    (h, c.unwrap())
}

fn udp_verifies(net: Net, udp: &Udp<&[u8]>) -> bool {
    match net {
        Net::V4(s, d) => udp.verify_checksum_ipv4(s.into(), d.into()),
        Net::V6(s, d) => udp.verify_checksum_ipv6(s.into(), d.into()),
    }
}

fn ep_tcp_checksum(net: Net, pkt: &[u8]) -> (EpTcp, u16) {
    let (h, data) = EpTcp::from_slice(&pkt[net.ip_len()..]).unwrap();
    let c = match net {
        Net::V4(..) => h.calc_checksum_ipv4(&EpIpv4::from_slice(pkt).unwrap().0, data),
        Net::V6(..) => h.calc_checksum_ipv6(&EpIpv6::from_slice(pkt).unwrap().0, data),
    };
    (h, c.unwrap())
}

fn tcp_verifies(net: Net, tcp: &Tcp<&[u8]>) -> bool {
    match net {
        Net::V4(s, d) => tcp.verify_checksum_ipv4(s.into(), d.into()),
        Net::V6(s, d) => tcp.verify_checksum_ipv6(s.into(), d.into()),
    }
}

/// The flags as etherparse's booleans see them.
fn ep_flags(h: &EpTcp) -> TcpFlags {
    let mut f = TcpFlags::empty();
    for (on, flag) in [
        (h.fin, TcpFlags::FIN),
        (h.syn, TcpFlags::SYN),
        (h.rst, TcpFlags::RST),
        (h.psh, TcpFlags::PSH),
        (h.ack, TcpFlags::ACK),
        (h.urg, TcpFlags::URG),
        (h.ece, TcpFlags::ECE),
        (h.cwr, TcpFlags::CWR),
        (h.ns, TcpFlags::AE),
    ] {
        f.set(flag, on);
    }
    f
}

fn tcp_option() -> impl Strategy<Value = TcpOptionElement> {
    use TcpOptionElement::*;
    prop_oneof![
        Just(Noop),
        any::<u16>().prop_map(MaximumSegmentSize),
        any::<u8>().prop_map(WindowScale),
        Just(SelectiveAcknowledgementPermitted),
        (
            any::<(u32, u32)>(),
            proptest::collection::vec(any::<(u32, u32)>(), 0..=2)
        )
            .prop_map(|(first, more)| {
                let mut rest = [None; 3];
                for (slot, b) in rest.iter_mut().zip(more) {
                    *slot = Some(b);
                }
                SelectiveAcknowledgement(first, rest)
            }),
        any::<(u32, u32)>().prop_map(|(a, b)| Timestamp(a, b)),
    ]
}

/// wireview's reading of an option, in etherparse's terms (`None` for End).
fn as_ep(o: TcpOption<'_>) -> Option<TcpOptionElement> {
    use TcpOptionElement::*;
    Some(match o {
        TcpOption::End => return None,
        TcpOption::Nop => Noop,
        TcpOption::Mss(v) => MaximumSegmentSize(v),
        TcpOption::WindowScale(v) => WindowScale(v),
        TcpOption::SackPermitted => SelectiveAcknowledgementPermitted,
        TcpOption::Sack(blocks) => {
            let mut it = blocks.iter();
            let first = it.next().unwrap();
            let mut rest = [None; 3];
            for (slot, b) in rest.iter_mut().zip(it) {
                *slot = Some(b);
            }
            SelectiveAcknowledgement(first, rest)
        }
        TcpOption::Timestamps { val, ecr } => Timestamp(val, ecr),
        TcpOption::Unknown { kind, .. } => panic!("unknown option {kind}"),
    })
}

#[derive(Debug, Clone)]
enum TcpOp {
    Src(u16),
    Dst(u16),
    Seq(u32),
    Ack(u32),
    Flags(u16),
    Window(u16),
    Urgent(u16),
}

fn tcp_op() -> impl Strategy<Value = TcpOp> {
    prop_oneof![
        any::<u16>().prop_map(TcpOp::Src),
        any::<u16>().prop_map(TcpOp::Dst),
        any::<u32>().prop_map(TcpOp::Seq),
        any::<u32>().prop_map(TcpOp::Ack),
        (0u16..0x200).prop_map(TcpOp::Flags),
        any::<u16>().prop_map(TcpOp::Window),
        any::<u16>().prop_map(TcpOp::Urgent),
    ]
}

proptest! {
    #[test]
    fn udp_matches_etherparse(
        net in net(), sp: u16, dp: u16, data in payload(),
        ops in proptest::collection::vec((0u8..3, any::<u16>()), 1..12),
    ) {
        let mut pkt = Vec::new();
        net.builder().udp(sp, dp).write(&mut pkt, &data).unwrap();
        let ip_len = net.ip_len();
        let (ep, ep_c) = ep_udp_checksum(net, &pkt);
        let udp = Udp::new(&pkt[ip_len..]).unwrap();
        prop_assert_eq!((udp.src_port(), udp.dst_port()), (ep.source_port, ep.destination_port));
        prop_assert_eq!((udp.length(), udp.checksum()), (ep.length, ep.checksum));
        prop_assert_eq!(udp.payload(), &data[..]);
        prop_assert_eq!(udp.checksum(), ep_c);
        prop_assert!(udp_verifies(net, &udp));

        for (which, v) in ops {
            let mut udp = UdpMut::new(&mut pkt[ip_len..]).unwrap();
            match which {
                0 => udp.set_src_port(v),
                1 => udp.set_dst_port(v),
                _ => {
                    // Shrink the datagram (and the IP length with it, by hand).
                    let len = 8 + v % (udp.length() - 7);
                    udp.set_length(len).unwrap();
                    let cut = ip_len + usize::from(len);
                    pkt.truncate(cut);
                    match net {
                        Net::V4(..) => {
                            let mut ip = wireview::Ipv4Mut::new_truncated(&mut pkt[..]).unwrap();
                            ip.set_total_len(cut as u16).unwrap();
                        }
                        Net::V6(..) => pkt[4..6].copy_from_slice(&(len).to_be_bytes()),
                    }
                }
            }
            let (ep, ep_c) = ep_udp_checksum(net, &pkt);
            let udp = Udp::new(&pkt[ip_len..]).unwrap();
            match which {
                0 => prop_assert_eq!(ep.source_port, v),
                1 => prop_assert_eq!(ep.destination_port, v),
                _ => prop_assert_eq!(ep.length, udp.length()),
            }
            prop_assert_eq!(udp.checksum(), ep.checksum);
            prop_assert_eq!(ep.checksum, ep_c);
            prop_assert!(udp_verifies(net, &udp));
        }
    }

    #[test]
    fn tcp_matches_etherparse(
        net in net(), sp: u16, dp: u16, seq: u32, ack: u32, window: u16, urgent: u16,
        flags in 0u16..0x200,
        options in proptest::collection::vec(tcp_option(), 0..5),
        data in payload(),
        ops in proptest::collection::vec(tcp_op(), 1..12),
    ) {
        let mut h = EpTcp::new(sp, dp, seq, window);
        prop_assume!(h.set_options(&options).is_ok());
        h.acknowledgment_number = ack;
        h.urgent_pointer = urgent;
        let f = TcpFlags::from_bits_retain(flags);
        h.fin = f.contains(TcpFlags::FIN);
        h.syn = f.contains(TcpFlags::SYN);
        h.rst = f.contains(TcpFlags::RST);
        h.psh = f.contains(TcpFlags::PSH);
        h.ack = f.contains(TcpFlags::ACK);
        h.urg = f.contains(TcpFlags::URG);
        h.ece = f.contains(TcpFlags::ECE);
        h.cwr = f.contains(TcpFlags::CWR);
        h.ns = f.contains(TcpFlags::AE);
        let mut pkt = Vec::new();
        net.builder().tcp_header(h).write(&mut pkt, &data).unwrap();
        let ip_len = net.ip_len();

        let (ep, ep_c) = ep_tcp_checksum(net, &pkt);
        let tcp = Tcp::new(&pkt[ip_len..]).unwrap();
        prop_assert_eq!((tcp.src_port(), tcp.dst_port()), (ep.source_port, ep.destination_port));
        prop_assert_eq!((tcp.seq_number(), tcp.ack_number()), (ep.sequence_number, ep.acknowledgment_number));
        prop_assert_eq!((tcp.data_offset(), tcp.header_len()), (ep.data_offset(), ep.header_len()));
        prop_assert_eq!(tcp.flags(), ep_flags(&ep));
        prop_assert_eq!(tcp.flags(), f);
        prop_assert_eq!((tcp.window(), tcp.checksum(), tcp.urgent_pointer()), (ep.window_size, ep.checksum, ep.urgent_pointer));
        prop_assert_eq!(tcp.options(), ep.options.as_slice());
        let ours: Vec<_> = tcp.options_iter().map(|o| as_ep(o.unwrap())).collect();
        let theirs: Vec<_> = ep.options_iterator().map(|o| Some(o.unwrap())).collect();
        // etherparse stops silently at End; wireview yields it once.
        let ours_until_end: Vec<_> = ours.iter().cloned().take_while(Option::is_some).collect();
        prop_assert_eq!(ours_until_end, theirs);
        prop_assert_eq!(&ours.iter().flatten().cloned().collect::<Vec<_>>(), &options);
        prop_assert_eq!(tcp.payload(), &data[..]);
        prop_assert_eq!(tcp.checksum(), ep_c);
        prop_assert!(tcp_verifies(net, &tcp));

        for op in ops {
            let mut tcp = TcpMut::new(&mut pkt[ip_len..]).unwrap();
            match &op {
                TcpOp::Src(v) => tcp.set_src_port(*v),
                TcpOp::Dst(v) => tcp.set_dst_port(*v),
                TcpOp::Seq(v) => tcp.set_seq_number(*v),
                TcpOp::Ack(v) => tcp.set_ack_number(*v),
                TcpOp::Flags(v) => tcp.set_flags(TcpFlags::from_bits_retain(*v)),
                TcpOp::Window(v) => tcp.set_window(*v),
                TcpOp::Urgent(v) => tcp.set_urgent_pointer(*v),
            }
            let (ep, ep_c) = ep_tcp_checksum(net, &pkt);
            match op {
                TcpOp::Src(v) => prop_assert_eq!(ep.source_port, v),
                TcpOp::Dst(v) => prop_assert_eq!(ep.destination_port, v),
                TcpOp::Seq(v) => prop_assert_eq!(ep.sequence_number, v),
                TcpOp::Ack(v) => prop_assert_eq!(ep.acknowledgment_number, v),
                TcpOp::Flags(v) => prop_assert_eq!(ep_flags(&ep), TcpFlags::from_bits_retain(v)),
                TcpOp::Window(v) => prop_assert_eq!(ep.window_size, v),
                TcpOp::Urgent(v) => prop_assert_eq!(ep.urgent_pointer, v),
            }
            prop_assert_eq!(ep.options.as_slice(), &pkt[ip_len + 20..ip_len + ep.header_len()]);
            let tcp = Tcp::new(&pkt[ip_len..]).unwrap();
            prop_assert_eq!(tcp.checksum(), ep.checksum);
            prop_assert_eq!(ep.checksum, ep_c);
            prop_assert!(tcp_verifies(net, &tcp));
        }
    }

    #[test]
    fn icmpv4_matches_etherparse(
        src: [u8; 4], dst: [u8; 4], id: u16, seq: u16, reply: bool, data in payload(),
        new_id: u16, new_seq: u16, mtu: u16,
    ) {
        let b = PacketBuilder::ipv4(src, dst, 64);
        let b = if reply { b.icmpv4_echo_reply(id, seq) } else { b.icmpv4_echo_request(id, seq) };
        let mut pkt = Vec::new();
        b.write(&mut pkt, &data).unwrap();
        let parse = |pkt: &[u8]| {
            let (h, rest) = EpIcmpv4::from_slice(&pkt[20..]).unwrap();
            let c = h.icmp_type.calc_checksum(rest);
            (h, c)
        };
        let (ep, ep_c) = parse(&pkt);
        let icmp = Icmpv4::new(&pkt[20..]).unwrap();
        let echo = EpIcmpv4Type::EchoRequest(IcmpEchoHeader { id, seq });
        let expected_type = if reply { EpIcmpv4Type::EchoReply(IcmpEchoHeader { id, seq }) } else { echo };
        prop_assert_eq!(&ep.icmp_type, &expected_type);
        prop_assert_eq!(icmp.msg_type(), if reply { Icmpv4Type::ECHO_REPLY } else { Icmpv4Type::ECHO_REQUEST });
        prop_assert_eq!((icmp.code().0, icmp.identifier(), icmp.sequence()), (0, id, seq));
        prop_assert_eq!(icmp.checksum(), ep.checksum);
        prop_assert_eq!(ep.checksum, ep_c);
        prop_assert!(icmp.verify_checksum());
        prop_assert_eq!(icmp.payload(), &data[..]);

        let mut icmp = Icmpv4Mut::new(&mut pkt[20..]).unwrap();
        icmp.set_msg_type(if reply { Icmpv4Type::ECHO_REQUEST } else { Icmpv4Type::ECHO_REPLY });
        icmp.set_identifier(new_id);
        icmp.set_sequence(new_seq);
        let (ep, ep_c) = parse(&pkt);
        let echo = IcmpEchoHeader { id: new_id, seq: new_seq };
        let expected_type = if reply { EpIcmpv4Type::EchoRequest(echo) } else { EpIcmpv4Type::EchoReply(echo) };
        prop_assert_eq!(ep.icmp_type, expected_type);
        prop_assert_eq!(ep.checksum, ep_c);
        prop_assert!(Icmpv4::new(&pkt[20..]).unwrap().verify_checksum());

        // Turn it into a fragmentation-needed with a next-hop MTU.
        let mut icmp = Icmpv4Mut::new(&mut pkt[20..]).unwrap();
        icmp.set_msg_type(Icmpv4Type::DEST_UNREACHABLE);
        icmp.set_code(wireview::Icmpv4Code::FRAG_NEEDED);
        icmp.set_rest_of_header(0);
        icmp.set_mtu(mtu);
        let (ep, ep_c) = parse(&pkt);
        prop_assert_eq!(
            ep.icmp_type,
            EpIcmpv4Type::DestinationUnreachable(icmpv4::DestUnreachableHeader::FragmentationNeeded { next_hop_mtu: mtu })
        );
        prop_assert_eq!(ep.checksum, ep_c);
        prop_assert_eq!(Icmpv4::new(&pkt[20..]).unwrap().checksum(), ep_c);
    }

    #[test]
    fn icmpv6_matches_etherparse(
        src: [u8; 16], dst: [u8; 16], id: u16, seq: u16, reply: bool, data in payload(),
        new_id: u16, new_seq: u16, mtu: u32,
    ) {
        let b = PacketBuilder::ipv6(src, dst, 64);
        let b = if reply { b.icmpv6_echo_reply(id, seq) } else { b.icmpv6_echo_request(id, seq) };
        let mut pkt = Vec::new();
        b.write(&mut pkt, &data).unwrap();
        let parse = |pkt: &[u8]| {
            let (h, rest) = EpIcmpv6::from_slice(&pkt[40..]).unwrap();
            let c = h.icmp_type.calc_checksum(src, dst, rest).unwrap();
            (h, c)
        };
        let (s, d) = (Ipv6Addr::from(src), Ipv6Addr::from(dst));
        let (ep, ep_c) = parse(&pkt);
        let icmp = Icmpv6::new(&pkt[40..]).unwrap();
        let echo = IcmpEchoHeader { id, seq };
        prop_assert_eq!(&ep.icmp_type, &if reply { EpIcmpv6Type::EchoReply(echo) } else { EpIcmpv6Type::EchoRequest(echo) });
        prop_assert_eq!(icmp.msg_type(), if reply { Icmpv6Type::ECHO_REPLY } else { Icmpv6Type::ECHO_REQUEST });
        prop_assert_eq!((icmp.code().0, icmp.identifier(), icmp.sequence()), (0, id, seq));
        prop_assert_eq!(icmp.checksum(), ep.checksum);
        prop_assert_eq!(ep.checksum, ep_c);
        prop_assert!(icmp.verify_checksum(s, d));
        prop_assert_eq!(icmp.payload(), &data[..]);

        let mut icmp = Icmpv6Mut::new(&mut pkt[40..]).unwrap();
        icmp.set_msg_type(if reply { Icmpv6Type::ECHO_REQUEST } else { Icmpv6Type::ECHO_REPLY });
        icmp.set_identifier(new_id);
        icmp.set_sequence(new_seq);
        let (ep, ep_c) = parse(&pkt);
        let echo = IcmpEchoHeader { id: new_id, seq: new_seq };
        prop_assert_eq!(ep.icmp_type, if reply { EpIcmpv6Type::EchoRequest(echo) } else { EpIcmpv6Type::EchoReply(echo) });
        prop_assert_eq!(ep.checksum, ep_c);
        prop_assert!(Icmpv6::new(&pkt[40..]).unwrap().verify_checksum(s, d));

        let mut icmp = Icmpv6Mut::new(&mut pkt[40..]).unwrap();
        icmp.set_msg_type(Icmpv6Type::PACKET_TOO_BIG);
        icmp.set_code(wireview::Icmpv6Code(0));
        icmp.set_mtu(mtu);
        let (ep, ep_c) = parse(&pkt);
        prop_assert_eq!(ep.icmp_type, EpIcmpv6Type::PacketTooBig { mtu });
        prop_assert_eq!(ep.checksum, ep_c);
        prop_assert!(Icmpv6::new(&pkt[40..]).unwrap().verify_checksum(s, d));
    }

    #[test]
    fn udp_nat_over_ipv4_matches_etherparse(
        src: [u8; 4], dst: [u8; 4], new_src: [u8; 4], sp: u16, dp: u16, data in payload(),
    ) {
        let mut pkt = Vec::new();
        PacketBuilder::ipv4(src, dst, 64).udp(sp, dp).write(&mut pkt, &data).unwrap();
        let mut ip = wireview::Ipv4Mut::new(&mut pkt[..]).unwrap();
        let delta = ip.set_src(Ipv4Addr::from(new_src));
        UdpMut::new(ip.into_payload()).unwrap().apply_delta(delta);
        let (ep, ep_c) = ep_udp_checksum(Net::V4(new_src, dst), &pkt);
        prop_assert_eq!(ep.checksum, ep_c);
    }
}
