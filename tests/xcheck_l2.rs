//! Cross-checks of the link-layer views against etherparse 0.21: for
//! generated Ethernet II frames with zero, one or two VLAN tags and for ARP
//! packets of any address lengths, every wireview getter equals
//! etherparse's field, and after every wireview setter (and after
//! `vlan::push_tag` / `vlan::pop_tag`) etherparse re-parses the bytes and
//! sees the new value.

use core::net::Ipv4Addr;

use etherparse as ep;
use proptest::prelude::*;
use wireview::{
    vlan, Arp, ArpHeader, ArpMut, ArpOperation, EtherType, Ethernet, EthernetMut, MacAddr, Pcp,
    Vid, VlanHeader, VlanTag, VlanTagMut,
};

fn eth_header() -> impl Strategy<Value = ep::Ethernet2Header> {
    (any::<[u8; 6]>(), any::<[u8; 6]>(), any::<u16>()).prop_map(|(source, destination, ty)| {
        ep::Ethernet2Header {
            source,
            destination,
            ether_type: ep::EtherType(ty),
        }
    })
}

fn vlan_header(ether_type: BoxedStrategy<u16>) -> impl Strategy<Value = ep::SingleVlanHeader> {
    (0u8..8, any::<bool>(), 0u16..4096, ether_type).prop_map(|(pcp, dei, vid, ty)| {
        ep::SingleVlanHeader {
            pcp: ep::VlanPcp::try_new(pcp).unwrap(),
            drop_eligible_indicator: dei,
            vlan_id: ep::VlanId::try_new(vid).unwrap(),
            ether_type: ep::EtherType(ty),
        }
    })
}

fn any_type() -> BoxedStrategy<u16> {
    any::<u16>().boxed()
}

/// EtherTypes etherparse's `SlicedPacket` does not descend into, so that a
/// whole-frame parse depends on the link layer alone.
fn opaque_type() -> BoxedStrategy<u16> {
    any::<u16>()
        .prop_filter("a type etherparse decodes", |&t| {
            !matches!(
                t,
                0x0800 | 0x0806 | 0x86DD | 0x8100 | 0x88A8 | 0x9100 | 0x88E5
            )
        })
        .boxed()
}

fn tpid() -> impl Strategy<Value = u16> {
    prop_oneof![Just(0x8100u16), Just(0x88A8), Just(0x9100)]
}

fn payload() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..40)
}

fn assert_tag_eq(tag: &VlanTag<&[u8]>, ep_tag: &ep::SingleVlanHeader) {
    assert_eq!(tag.pcp().value(), ep_tag.pcp.value());
    assert_eq!(tag.dei(), ep_tag.drop_eligible_indicator);
    assert_eq!(tag.vid().value(), ep_tag.vlan_id.value());
    assert_eq!(tag.ethertype().0, ep_tag.ether_type.0);
}

/// The VLAN tags etherparse finds in a whole frame, outermost first.
fn ep_tags(frame: &[u8]) -> Vec<ep::SingleVlanHeader> {
    let sliced = ep::SlicedPacket::from_ethernet(frame).unwrap();
    sliced
        .link_exts
        .iter()
        .map(|e| match e {
            ep::LinkExtSlice::Vlan(v) => v.to_header(),
            ep::LinkExtSlice::Macsec(_) => panic!("no MACsec here"),
        })
        .collect()
}

proptest! {
    #[test]
    fn ethernet_getters_and_setters(hdr in eth_header(), body in payload(),
                                    dst: [u8; 6], src: [u8; 6], ty: u16) {
        let mut frame = hdr.to_bytes().to_vec();
        frame.extend_from_slice(&body);
        let eth = Ethernet::new(&frame[..]).unwrap();
        prop_assert_eq!(eth.dst().0, hdr.destination);
        prop_assert_eq!(eth.src().0, hdr.source);
        prop_assert_eq!(eth.ethertype().0, hdr.ether_type.0);
        let (ep_hdr, ep_rest) = ep::Ethernet2Header::from_slice(&frame).unwrap();
        prop_assert_eq!(&ep_hdr, &hdr);
        prop_assert_eq!(eth.payload(), ep_rest);

        let mut eth = EthernetMut::new(&mut frame[..]).unwrap();
        eth.set_dst(MacAddr(dst));
        prop_assert_eq!(ep::Ethernet2Header::from_slice(&frame).unwrap().0.destination, dst);
        let mut eth = EthernetMut::new(&mut frame[..]).unwrap();
        eth.set_src(MacAddr(src));
        prop_assert_eq!(ep::Ethernet2Header::from_slice(&frame).unwrap().0.source, src);
        let mut eth = EthernetMut::new(&mut frame[..]).unwrap();
        eth.set_ethertype(EtherType(ty));
        let (ep_hdr, ep_rest) = ep::Ethernet2Header::from_slice(&frame).unwrap();
        prop_assert_eq!(ep_hdr, ep::Ethernet2Header {
            source: src, destination: dst, ether_type: ep::EtherType(ty)
        });
        prop_assert_eq!(ep_rest, &body[..]);
    }

    #[test]
    fn ethernet_header_emit_matches(hdr in eth_header()) {
        let mut buf = [0u8; 14];
        wireview::EthernetHeader {
            dst: MacAddr(hdr.destination),
            src: MacAddr(hdr.source),
            ethertype: EtherType(hdr.ether_type.0),
        }.emit(&mut buf).unwrap();
        prop_assert_eq!(buf, hdr.to_bytes());
    }

    #[test]
    fn single_vlan_getters(mut eth in eth_header(), tpid in tpid(),
                           tag in vlan_header(opaque_type()), body in payload()) {
        eth.ether_type = ep::EtherType(tpid);
        let mut frame = eth.to_bytes().to_vec();
        frame.extend_from_slice(&tag.to_bytes());
        frame.extend_from_slice(&body);

        let view = Ethernet::new(&frame[..]).unwrap();
        prop_assert!(view.ethertype().is_vlan_tpid());
        let vt = VlanTag::new(view.into_payload()).unwrap();
        assert_tag_eq(&vt, &tag);
        prop_assert_eq!(vt.payload(), &body[..]);
        prop_assert_eq!(vt.to_header().tci(), u16::from_be_bytes([tag.to_bytes()[0], tag.to_bytes()[1]]));
        // etherparse's slice of the whole frame agrees.
        let ep_found = ep_tags(&frame);
        prop_assert_eq!(ep_found, vec![tag.clone()]);
        let (ep_tag, ep_rest) = ep::SingleVlanHeader::from_slice(&frame[14..]).unwrap();
        prop_assert_eq!(ep_tag, tag);
        prop_assert_eq!(ep_rest, &body[..]);
    }

    #[test]
    fn single_vlan_setters(tag in vlan_header(any_type()), pcp in 0u8..8, dei: bool,
                           vid in 0u16..4096, ty: u16, tci: u16) {
        let mut bytes = tag.to_bytes().to_vec();
        bytes.extend_from_slice(&[0xAB, 0xCD]);
        let reparse = |b: &[u8]| ep::SingleVlanHeader::from_slice(b).unwrap().0;

        VlanTagMut::new(&mut bytes[..]).unwrap().set_pcp(Pcp::new(pcp).unwrap());
        let mut want = tag.clone();
        want.pcp = ep::VlanPcp::try_new(pcp).unwrap();
        prop_assert_eq!(&reparse(&bytes), &want);

        VlanTagMut::new(&mut bytes[..]).unwrap().set_dei(dei);
        want.drop_eligible_indicator = dei;
        prop_assert_eq!(&reparse(&bytes), &want);

        VlanTagMut::new(&mut bytes[..]).unwrap().set_vid(Vid::new(vid).unwrap());
        want.vlan_id = ep::VlanId::try_new(vid).unwrap();
        prop_assert_eq!(&reparse(&bytes), &want);

        VlanTagMut::new(&mut bytes[..]).unwrap().set_ethertype(EtherType(ty));
        want.ether_type = ep::EtherType(ty);
        prop_assert_eq!(&reparse(&bytes), &want);
        assert_tag_eq(&VlanTag::new(&bytes[..]).unwrap(), &want);

        VlanTagMut::new(&mut bytes[..]).unwrap().set_tci(tci);
        let got = reparse(&bytes);
        prop_assert_eq!(got.pcp.value(), (tci >> 13) as u8);
        prop_assert_eq!(got.drop_eligible_indicator, tci & 0x1000 != 0);
        prop_assert_eq!(got.vlan_id.value(), tci & 0x0FFF);
        prop_assert_eq!(got.ether_type.0, ty);
        prop_assert_eq!(&bytes[4..], &[0xAB, 0xCD]);
    }

    #[test]
    fn vlan_header_emit_matches(tag in vlan_header(any_type())) {
        let hdr = wireview::VlanHeader {
            pcp: Pcp::new(tag.pcp.value()).unwrap(),
            dei: tag.drop_eligible_indicator,
            vid: Vid::new(tag.vlan_id.value()).unwrap(),
            ethertype: EtherType(tag.ether_type.0),
        };
        let mut buf = [0u8; 4];
        hdr.emit(&mut buf).unwrap();
        prop_assert_eq!(buf, tag.to_bytes());
    }

    #[test]
    fn double_vlan_walk(mut eth in eth_header(), outer_tpid in prop_oneof![Just(0x88A8u16), Just(0x9100)],
                        mut outer in vlan_header(any_type()), inner in vlan_header(opaque_type()),
                        body in payload()) {
        eth.ether_type = ep::EtherType(outer_tpid);
        outer.ether_type = ep::EtherType::VLAN_TAGGED_FRAME;
        let mut frame = eth.to_bytes().to_vec();
        frame.extend_from_slice(&outer.to_bytes());
        frame.extend_from_slice(&inner.to_bytes());
        frame.extend_from_slice(&body);

        let view = Ethernet::new(&frame[..]).unwrap();
        prop_assert_eq!(view.ethertype().0, outer_tpid);
        let o = VlanTag::new(view.into_payload()).unwrap();
        assert_tag_eq(&o, &outer);
        prop_assert!(o.ethertype().is_vlan_tpid());
        let i = VlanTag::new(o.into_payload()).unwrap();
        assert_tag_eq(&i, &inner);
        prop_assert_eq!(i.payload(), &body[..]);

        let sliced = ep::SlicedPacket::from_ethernet(&frame).unwrap();
        let Some(ep::VlanSlice::DoubleVlan(double)) = sliced.vlan() else {
            panic!("etherparse sees no double VLAN");
        };
        prop_assert_eq!(double.to_header(), ep::DoubleVlanHeader { outer, inner });
    }

    #[test]
    fn push_tags_onto_an_untagged_frame(eth in eth_header(), body in payload(),
                                        c_tci: u16, s_tci: u16, headroom in 8usize..16) {
        let mut eth = eth;
        eth.ether_type = ep::EtherType(0x88B5); // local experimental: opaque to etherparse
        let mut buf = vec![0u8; headroom];
        buf.extend_from_slice(&eth.to_bytes());
        buf.extend_from_slice(&body);

        // One C-tag: etherparse sees a single VLAN.
        let start = vlan::push_tag(&mut buf, headroom, EtherType::VLAN, VlanHeader::from_tci(c_tci, EtherType(0x88B5))).unwrap();
        let frame = &buf[start..];
        let (ep_eth, _) = ep::Ethernet2Header::from_slice(frame).unwrap();
        prop_assert_eq!((ep_eth.source, ep_eth.destination), (eth.source, eth.destination));
        prop_assert_eq!(ep_eth.ether_type, ep::EtherType::VLAN_TAGGED_FRAME);
        let c_tag = ep::SingleVlanHeader::from_bytes({
            let t = c_tci.to_be_bytes();
            [t[0], t[1], 0x88, 0xB5]
        });
        prop_assert_eq!(ep_tags(frame), vec![c_tag.clone()]);

        // An S-tag on top: QinQ.
        let start = vlan::push_tag(&mut buf, start, EtherType::QINQ, VlanHeader::from_tci(s_tci, EtherType::VLAN)).unwrap();
        let frame = &buf[start..];
        prop_assert_eq!(ep::Ethernet2Header::from_slice(frame).unwrap().0.ether_type,
                        ep::EtherType::PROVIDER_BRIDGING);
        let s_tag = ep::SingleVlanHeader::from_bytes({
            let t = s_tci.to_be_bytes();
            [t[0], t[1], 0x81, 0x00]
        });
        prop_assert_eq!(ep_tags(frame), vec![s_tag.clone(), c_tag.clone()]);
        let ep_payload = ep::SlicedPacket::from_ethernet(frame).unwrap().ether_payload().unwrap().payload;
        prop_assert_eq!(ep_payload, &body[..]);

        // Pop both: the original frame again, with the tags etherparse saw.
        let (start, s) = vlan::pop_tag(&mut buf, start).unwrap();
        prop_assert_eq!((s.tci(), s.ethertype), (s_tci, EtherType::VLAN));
        prop_assert_eq!(ep_tags(&buf[start..]), vec![c_tag.clone()]);
        let (start, c) = vlan::pop_tag(&mut buf, start).unwrap();
        prop_assert_eq!((c.tci(), c.ethertype), (c_tci, EtherType(0x88B5)));
        prop_assert_eq!(start, headroom);
        prop_assert_eq!(ep::Ethernet2Header::from_slice(&buf[start..]).unwrap().0, eth);
        prop_assert!(ep_tags(&buf[start..]).is_empty());
    }
}

/// An ARP packet of any hardware/protocol type and address lengths, built
/// by etherparse, with 0..8 bytes of padding.
fn arp_packet() -> impl Strategy<Value = (ep::ArpPacket, Vec<u8>)> {
    (
        0usize..=16,
        0usize..=16,
        any::<u16>(),
        any::<u16>(),
        any::<u16>(),
        0usize..8,
    )
        .prop_flat_map(|(h, p, htype, ptype, oper, pad)| {
            (
                proptest::collection::vec(any::<u8>(), 2 * h + 2 * p + pad),
                Just((h, p, htype, ptype, oper)),
            )
        })
        .prop_map(|(bytes, (h, p, htype, ptype, oper))| {
            let pkt = ep::ArpPacket::new(
                ep::ArpHardwareId(htype),
                ep::EtherType(ptype),
                ep::ArpOperation(oper),
                &bytes[..h],
                &bytes[h..h + p],
                &bytes[h + p..2 * h + p],
                &bytes[2 * h + p..2 * h + 2 * p],
            )
            .unwrap();
            let mut wire = pkt.to_bytes().to_vec();
            wire.extend_from_slice(&bytes[2 * h + 2 * p..]);
            (pkt, wire)
        })
}

/// An Ethernet/IPv4 ARP packet built by etherparse.
fn arp_eth_ipv4() -> impl Strategy<Value = ep::ArpPacket> {
    (
        any::<u16>(),
        any::<[u8; 6]>(),
        any::<[u8; 4]>(),
        any::<[u8; 6]>(),
        any::<[u8; 4]>(),
    )
        .prop_map(|(oper, sm, si, tm, ti)| {
            ep::ArpPacket::new(
                ep::ArpHardwareId::ETHERNET,
                ep::EtherType::IPV4,
                ep::ArpOperation(oper),
                &sm,
                &si,
                &tm,
                &ti,
            )
            .unwrap()
        })
}

fn assert_arp_eq(arp: &Arp<&[u8]>, pkt: &ep::ArpPacket) {
    assert_eq!(arp.htype(), pkt.hw_addr_type.0);
    assert_eq!(arp.ptype().0, pkt.proto_addr_type.0);
    assert_eq!(arp.hlen(), pkt.hw_addr_size());
    assert_eq!(arp.plen(), pkt.protocol_addr_size());
    assert_eq!(arp.oper().0, pkt.operation.0);
    assert_eq!(arp.sha(), pkt.sender_hw_addr());
    assert_eq!(arp.spa(), pkt.sender_protocol_addr());
    assert_eq!(arp.tha(), pkt.target_hw_addr());
    assert_eq!(arp.tpa(), pkt.target_protocol_addr());
    assert_eq!(arp.header_len(), pkt.packet_len());
    if let Ok(e) = pkt.try_eth_ipv4() {
        assert!(arp.is_ethernet_ipv4());
        assert_eq!(arp.sender_mac(), Some(MacAddr(e.sender_mac)));
        assert_eq!(arp.sender_ipv4(), Some(Ipv4Addr::from(e.sender_ipv4)));
        assert_eq!(arp.target_mac(), Some(MacAddr(e.target_mac)));
        assert_eq!(arp.target_ipv4(), Some(Ipv4Addr::from(e.target_ipv4)));
    } else {
        assert!(!arp.is_ethernet_ipv4());
        assert_eq!(arp.sender_mac(), None);
        assert_eq!(arp.sender_ipv4(), None);
        assert_eq!(arp.target_mac(), None);
        assert_eq!(arp.target_ipv4(), None);
    }
}

fn ep_arp(wire: &[u8]) -> ep::ArpPacket {
    ep::ArpPacket::from_slice(wire).unwrap()
}

proptest! {
    #[test]
    fn arp_getters((pkt, wire) in arp_packet()) {
        let arp = Arp::new(&wire[..]).unwrap();
        assert_arp_eq(&arp, &pkt);
        prop_assert_eq!(&ep_arp(&wire), &pkt);
        // Both refuse the same truncated packets.
        for len in 0..pkt.packet_len() {
            prop_assert!(Arp::new(&wire[..len]).is_err());
            prop_assert!(ep::ArpPacketSlice::from_slice(&wire[..len]).is_err());
        }
    }

    #[test]
    fn arp_eth_ipv4_getters(pkt in arp_eth_ipv4()) {
        let wire = pkt.to_bytes();
        let arp = Arp::new(&wire[..]).unwrap();
        assert_arp_eq(&arp, &pkt);
        prop_assert!(arp.is_ethernet_ipv4());
    }

    #[test]
    fn arp_generic_setters((pkt, wire) in arp_packet(), oper: u16, htype: u16, ptype: u16, fill: u8) {
        let mut wire = wire;
        let (h, p) = (usize::from(pkt.hw_addr_size()), usize::from(pkt.protocol_addr_size()));
        let mut arp = ArpMut::new(&mut wire[..]).unwrap();
        arp.set_oper(ArpOperation(oper));
        arp.set_sha(&vec![fill; h]).unwrap();
        prop_assert!(arp.set_sha(&vec![fill; h + 1]).is_err());
        let mut want = pkt.clone();
        want.operation = ep::ArpOperation(oper);
        want.set_hw_addrs(&vec![fill; h], pkt.target_hw_addr()).unwrap();
        prop_assert_eq!(&ep_arp(&wire), &want);

        let mut arp = ArpMut::new(&mut wire[..]).unwrap();
        arp.set_spa(&vec![fill ^ 1; p]).unwrap();
        arp.set_tpa(&vec![fill ^ 2; p]).unwrap();
        prop_assert!(arp.set_tpa(&vec![0; p + 1]).is_err());
        want.set_protocol_addrs(&vec![fill ^ 1; p], &vec![fill ^ 2; p]).unwrap();
        prop_assert_eq!(&ep_arp(&wire), &want);

        let mut arp = ArpMut::new(&mut wire[..]).unwrap();
        arp.set_tha(&vec![fill ^ 3; h]).unwrap();
        arp.set_htype(htype);
        arp.set_ptype(EtherType(ptype));
        want.set_hw_addrs(&vec![fill; h], &vec![fill ^ 3; h]).unwrap();
        want.hw_addr_type = ep::ArpHardwareId(htype);
        want.proto_addr_type = ep::EtherType(ptype);
        prop_assert_eq!(&ep_arp(&wire), &want);
        assert_arp_eq(&Arp::new(&wire[..]).unwrap(), &want);
    }

    #[test]
    fn arp_typed_setters(pkt in arp_eth_ipv4(), sm: [u8; 6], si: [u8; 4], tm: [u8; 6], ti: [u8; 4]) {
        let mut wire = pkt.to_bytes().to_vec();
        let reparse = |w: &[u8]| ep_arp(w).try_eth_ipv4().unwrap();
        let mut want = pkt.try_eth_ipv4().unwrap();

        ArpMut::new(&mut wire[..]).unwrap().set_sender_mac(MacAddr(sm)).unwrap();
        want.sender_mac = sm;
        prop_assert_eq!(&reparse(&wire), &want);
        ArpMut::new(&mut wire[..]).unwrap().set_sender_ipv4(Ipv4Addr::from(si)).unwrap();
        want.sender_ipv4 = si;
        prop_assert_eq!(&reparse(&wire), &want);
        ArpMut::new(&mut wire[..]).unwrap().set_target_mac(MacAddr(tm)).unwrap();
        want.target_mac = tm;
        prop_assert_eq!(&reparse(&wire), &want);
        ArpMut::new(&mut wire[..]).unwrap().set_target_ipv4(Ipv4Addr::from(ti)).unwrap();
        want.target_ipv4 = ti;
        prop_assert_eq!(&reparse(&wire), &want);
    }

    #[test]
    fn arp_typed_setters_refuse_other_formats((pkt, wire) in arp_packet()) {
        prop_assume!(pkt.try_eth_ipv4().is_err());
        let mut wire = wire;
        let before = wire.clone();
        let mut arp = ArpMut::new(&mut wire[..]).unwrap();
        prop_assert!(arp.set_sender_mac(MacAddr::BROADCAST).is_err());
        prop_assert!(arp.set_sender_ipv4(Ipv4Addr::BROADCAST).is_err());
        prop_assert!(arp.set_target_mac(MacAddr::BROADCAST).is_err());
        prop_assert!(arp.set_target_ipv4(Ipv4Addr::BROADCAST).is_err());
        prop_assert_eq!(wire, before);
    }

    #[test]
    fn arp_builder_matches(pkt in arp_eth_ipv4()) {
        let e = pkt.try_eth_ipv4().unwrap();
        let hdr = ArpHeader {
            oper: ArpOperation(e.operation.0),
            sender_mac: MacAddr(e.sender_mac),
            sender_ipv4: Ipv4Addr::from(e.sender_ipv4),
            target_mac: MacAddr(e.target_mac),
            target_ipv4: Ipv4Addr::from(e.target_ipv4),
        };
        let mut buf = [0u8; 28];
        prop_assert_eq!(hdr.emit(&mut buf), Ok(28));
        prop_assert_eq!(&buf[..], &pkt.to_bytes()[..]);
    }
}

/// A frame etherparse builds (Ethernet, 802.1Q, ARP request) walks through
/// the wireview views to the same ARP fields.
#[test]
fn arp_in_a_tagged_frame() {
    let sender_mac = [0x02, 0, 0, 0, 0, 1];
    let req = ep::ArpPacket::new(
        ep::ArpHardwareId::ETHERNET,
        ep::EtherType::IPV4,
        ep::ArpOperation::REQUEST,
        &sender_mac,
        &[10, 0, 0, 1],
        &[0; 6],
        &[10, 0, 0, 2],
    )
    .unwrap();
    let mut frame = ep::Ethernet2Header {
        source: sender_mac,
        destination: [0xff; 6],
        ether_type: ep::EtherType::VLAN_TAGGED_FRAME,
    }
    .to_bytes()
    .to_vec();
    frame.extend_from_slice(
        &ep::SingleVlanHeader {
            pcp: ep::VlanPcp::try_new(6).unwrap(),
            drop_eligible_indicator: false,
            vlan_id: ep::VlanId::try_new(42).unwrap(),
            ether_type: ep::EtherType::ARP,
        }
        .to_bytes(),
    );
    frame.extend_from_slice(&req.to_bytes());
    let eth = Ethernet::new(&frame[..]).unwrap();
    assert!(eth.dst().is_broadcast());
    let tag = VlanTag::new(eth.into_payload()).unwrap();
    assert_eq!((tag.pcp().value(), tag.vid().value()), (6, 42));
    assert_eq!(tag.ethertype(), EtherType::ARP);
    let arp = Arp::new(tag.into_payload()).unwrap();
    assert_eq!(arp.oper(), ArpOperation::REQUEST);
    assert_eq!(arp.sender_mac(), Some(MacAddr(sender_mac)));
    assert_eq!(arp.target_ipv4(), Some(Ipv4Addr::new(10, 0, 0, 2)));
    let sliced = ep::SlicedPacket::from_ethernet(&frame).unwrap();
    let Some(ep::NetSlice::Arp(a)) = sliced.net else {
        panic!("etherparse sees no ARP");
    };
    assert_eq!(a.to_packet(), req);
}
