//! Every view's checked constructor over arbitrary bytes, and every getter
//! of every view it accepts.
//!
//! The promise under test is the crate's: once `new` (or `new_truncated`,
//! `new_with_icv_len`) accepted a buffer, no getter can panic, and the
//! slices they return fit together (header + payload inside the buffer,
//! the lengths the length fields give). Option and extension-header
//! iterators are run to their end and must end.
//!
//! The checksum getters (`verify_checksum*`, `checksum_sum`) are called
//! with addresses taken from the input, so both outcomes are reached.
#![no_main]

use std::hint::black_box;
use std::net::{Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use wireview::checksum::{internet_checksum, Sum};
use wireview::ipv6_ext::{Ipv6ExtKind, Ipv6Options};
use wireview::{
    Arp, Error, Ethernet, ExtHeaders, Geneve, Gre, Gtpu, Icmpv4, Icmpv6, IpProtocol, Ipv4, Ipv6,
    Ipv6Auth, Ipv6Fragment, Ipv6Routing, Macsec, Mpls, MplsStack, Pppoe, PppoeDiscovery, Tcp,
    TcpOption, Udp, VlanTag, Vxlan,
};

/// A constructor's error must render (every variant has a `Display`).
fn seen(e: Error) {
    black_box(e.to_string());
}

/// `header` then `payload` lie in `all`, in that order, from its start.
fn layout(all: &[u8], header: &[u8], payload: &[u8]) {
    assert_eq!(header.as_ptr(), all.as_ptr());
    assert!(header.len() + payload.len() <= all.len());
    if !payload.is_empty() {
        assert_eq!(payload.as_ptr(), all[header.len()..].as_ptr());
    }
}

fn ethernet(b: &[u8]) {
    let Ok(v) = Ethernet::new(b).map_err(seen) else {
        return;
    };
    black_box((v.dst(), v.src(), v.ethertype()));
    layout(b, v.header(), v.payload());
    assert_eq!(v.header_len() + v.payload().len(), b.len());
    assert_eq!(v.as_bytes().len(), b.len());
    black_box((v.dst().to_string(), v.ethertype().to_string()));
    assert_eq!(v.into_payload().len(), b.len() - 14);
}

fn vlan(b: &[u8]) {
    let Ok(v) = VlanTag::new(b).map_err(seen) else {
        return;
    };
    let tci = v.tci();
    assert_eq!(
        (v.pcp().value(), v.dei(), v.vid().value()),
        ((tci >> 13) as u8, tci & 0x1000 != 0, tci & 0xFFF)
    );
    let h = v.to_header();
    assert_eq!((h.tci(), h.ethertype), (tci, v.ethertype()));
    layout(b, v.header(), v.payload());
    assert_eq!(v.header_len() + v.into_payload().len(), b.len());
}

fn arp(b: &[u8]) {
    let Ok(v) = Arp::new(b).map_err(seen) else {
        return;
    };
    black_box((v.htype(), v.ptype(), v.oper(), v.oper().to_string()));
    let (h, p) = (usize::from(v.hlen()), usize::from(v.plen()));
    assert_eq!((v.sha().len(), v.spa().len()), (h, p));
    assert_eq!((v.tha().len(), v.tpa().len()), (h, p));
    assert_eq!(v.header().len(), v.header_len());
    assert_eq!(v.header_len(), 8 + 2 * h + 2 * p);
    let typed = v.is_ethernet_ipv4();
    assert_eq!(v.sender_mac().is_some(), typed);
    assert_eq!(v.sender_ipv4().is_some(), typed);
    assert_eq!(v.target_mac().is_some(), typed);
    assert_eq!(v.target_ipv4().is_some(), typed);
}

fn ipv4(b: &[u8]) {
    let checked = Ipv4::new(b).map_err(seen).is_ok();
    let Ok(v) = Ipv4::new_truncated(b).map_err(seen) else {
        assert!(!checked);
        return;
    };
    assert!(!checked || !v.is_truncated());
    black_box((v.version(), v.tos(), v.tos_flags(), v.dscp(), v.ecn()));
    black_box((v.identification(), v.reserved_flag(), v.dont_fragment()));
    black_box((
        v.more_fragments(),
        v.fragment_offset_bytes(),
        v.is_fragment(),
    ));
    black_box((v.ttl(), v.protocol(), v.checksum(), v.src(), v.dst()));
    assert_eq!(v.header_len(), usize::from(v.ihl()) * 4);
    assert_eq!(v.options().len(), v.header_len() - 20);
    layout(b, v.header(), v.payload());
    if v.total_len() != 0 {
        assert!(v.header_len() + v.payload().len() <= usize::from(v.total_len()));
    }
    assert_eq!(v.verify_checksum(), internet_checksum(v.header()) == 0);
    black_box(v.pseudo_header_sum(v.total_len()));
    let mut n = 0;
    for opt in v.options_iter() {
        n += 1;
        assert!(n <= 40);
        let _ = opt.map_err(seen);
    }
    v.into_payload();
}

fn ipv6(b: &[u8]) {
    let checked = Ipv6::new(b).map_err(seen).is_ok();
    let Ok(v) = Ipv6::new_truncated(b).map_err(seen) else {
        assert!(!checked);
        return;
    };
    assert_eq!(checked, !v.is_truncated());
    black_box((v.version(), v.traffic_class(), v.dscp(), v.ecn()));
    black_box((
        v.flow_label(),
        v.next_header(),
        v.hop_limit(),
        v.src(),
        v.dst(),
    ));
    black_box(v.pseudo_header_sum(v.next_header(), u32::from(v.payload_len())));
    layout(b, v.header(), v.payload());
    assert_eq!(v.header_len(), 40);
    if !v.is_jumbogram() {
        assert!(v.payload().len() <= usize::from(v.payload_len()));
    }
    ext_headers(v.next_header(), v.payload());
    v.ext_headers().for_each(drop);
    v.into_payload();
}

/// An extension-header chain to its end, each header through its own view.
fn ext_headers(first: IpProtocol, b: &[u8]) {
    let mut exts = ExtHeaders::new(first, b);
    let mut offset = 0;
    let mut n = 0;
    while let Some(ext) = exts.next() {
        n += 1;
        assert!(n <= 17);
        let Ok(ext) = ext.map_err(seen) else {
            break;
        };
        assert_eq!(ext.data.as_ptr(), b[offset..].as_ptr());
        assert_eq!(ext.next_header.0, ext.data[0]);
        offset += ext.len();
        assert_eq!(exts.upper_layer(), (ext.next_header, offset));
        match ext.kind {
            Ipv6ExtKind::HopByHop | Ipv6ExtKind::Destination => {
                ipv6_options(ext.options().expect("an options header"));
            }
            Ipv6ExtKind::Routing => {
                assert!(ext.options().is_none());
                let r = Ipv6Routing::new(ext.data).expect("the chain read it");
                assert_eq!(r.header_len(), ext.len());
            }
            Ipv6ExtKind::Fragment => {
                let f = Ipv6Fragment::new(ext.data).expect("the chain read it");
                assert_eq!(f.header_len(), ext.len());
            }
            Ipv6ExtKind::Auth => {
                let a = Ipv6Auth::new(ext.data).expect("the chain read it");
                assert_eq!(a.header_len(), ext.len());
            }
        }
    }
    assert!(exts.next().is_none(), "fused");
    let (_, at) = exts.upper_layer();
    assert!(at <= b.len());
}

fn ipv6_options(opts: Ipv6Options<'_>) {
    for opt in opts {
        if let Ok(o) = opt.map_err(seen) {
            black_box((o.action(), o.may_change(), o.is_padding(), o.data));
        }
    }
}

fn ipv6_fragment(b: &[u8]) {
    let Ok(v) = Ipv6Fragment::new(b).map_err(seen) else {
        return;
    };
    black_box((v.next_header(), v.more_fragments(), v.identification()));
    assert_eq!(
        v.is_fragment(),
        v.more_fragments() || v.fragment_offset() != 0
    );
    assert_eq!(
        v.fragment_offset_bytes(),
        usize::from(v.fragment_offset()) * 8
    );
    layout(b, v.header(), v.payload());
    assert_eq!(v.header_len() + v.into_payload().len(), b.len());
}

fn ipv6_routing(b: &[u8]) {
    let Ok(v) = Ipv6Routing::new(b).map_err(seen) else {
        return;
    };
    black_box((v.next_header(), v.routing_type(), v.segments_left()));
    black_box(v.routing_type().to_string());
    assert_eq!(v.header_len(), (usize::from(v.hdr_ext_len()) + 1) * 8);
    assert_eq!(v.data().len(), v.header_len() - 4);
    layout(b, v.header(), v.payload());
    assert_eq!(v.header_len() + v.into_payload().len(), b.len());
}

fn ipv6_auth(b: &[u8]) {
    let Ok(v) = Ipv6Auth::new(b).map_err(seen) else {
        return;
    };
    black_box((v.next_header(), v.spi(), v.sequence_number()));
    assert_eq!(v.header_len(), (usize::from(v.payload_len()) + 2) * 4);
    assert_eq!(v.icv().len(), v.header_len() - 12);
    layout(b, v.header(), v.payload());
    assert_eq!(v.header_len() + v.into_payload().len(), b.len());
}

fn udp(b: &[u8], a4: (Ipv4Addr, Ipv4Addr), a6: (Ipv6Addr, Ipv6Addr)) {
    let checked = Udp::new(b).map_err(seen).is_ok();
    let Ok(v) = Udp::new_truncated(b).map_err(seen) else {
        assert!(!checked);
        return;
    };
    assert!(!checked || !v.is_truncated());
    black_box((v.src_port(), v.dst_port(), v.checksum()));
    layout(b, v.header(), v.payload());
    if v.length() != 0 {
        assert!(v.header_len() + v.payload().len() <= usize::from(v.length()));
    }
    black_box(v.checksum_sum(Sum::of(&[])));
    black_box(v.verify_checksum_ipv4(a4.0, a4.1));
    black_box(v.verify_checksum_ipv6(a6.0, a6.1));
    v.into_payload();
}

fn tcp(b: &[u8], a4: (Ipv4Addr, Ipv4Addr), a6: (Ipv6Addr, Ipv6Addr)) {
    let Ok(v) = Tcp::new(b).map_err(seen) else {
        return;
    };
    black_box((v.src_port(), v.dst_port(), v.seq_number(), v.ack_number()));
    black_box((v.flags(), v.window(), v.checksum(), v.urgent_pointer()));
    assert_eq!(v.header_len(), usize::from(v.data_offset()) * 4);
    assert_eq!(v.options().len(), v.header_len() - 20);
    layout(b, v.header(), v.payload());
    assert_eq!(v.header_len() + v.payload().len(), b.len());
    black_box(v.checksum_sum(Sum::of(&[])));
    black_box(v.verify_checksum_ipv4(a4.0, a4.1));
    black_box(v.verify_checksum_ipv6(a6.0, a6.1));
    let mut n = 0;
    for opt in v.options_iter() {
        n += 1;
        assert!(n <= 40);
        match opt {
            Ok(TcpOption::Sack(blocks)) => {
                assert_eq!(blocks.iter().count(), blocks.len());
                assert!(!blocks.is_empty());
                assert_eq!(blocks.as_bytes().len(), 8 * blocks.len());
            }
            Ok(o) => {
                black_box(o);
            }
            Err(e) => seen(e),
        }
    }
    v.into_payload();
}

fn icmpv4(b: &[u8]) {
    let Ok(v) = Icmpv4::new(b).map_err(seen) else {
        return;
    };
    black_box((
        v.msg_type(),
        v.msg_type().to_string(),
        v.code(),
        v.code().to_string(),
        v.checksum(),
    ));
    black_box((v.rest_of_header(), v.identifier(), v.sequence()));
    black_box((v.mtu(), v.pointer(), v.gateway(), v.is_echo()));
    layout(b, v.header(), v.payload());
    assert_eq!(v.header_len() + v.payload().len(), b.len());
    let quoted = v.quoted();
    assert!(quoted.is_empty() || (v.is_error() && quoted == v.payload()));
    assert_eq!(v.verify_checksum(), internet_checksum(b) == 0);
    v.into_payload();
}

fn icmpv6(b: &[u8], a6: (Ipv6Addr, Ipv6Addr)) {
    let Ok(v) = Icmpv6::new(b).map_err(seen) else {
        return;
    };
    black_box((
        v.msg_type(),
        v.msg_type().to_string(),
        v.code(),
        v.code().to_string(),
        v.checksum(),
    ));
    black_box((v.rest_of_header(), v.identifier(), v.sequence()));
    black_box((v.mtu(), v.pointer(), v.is_echo()));
    layout(b, v.header(), v.payload());
    assert_eq!(v.header_len() + v.payload().len(), b.len());
    let quoted = v.quoted();
    assert!(quoted.is_empty() || (v.is_error() && quoted == v.payload()));
    black_box(v.checksum_sum(Sum::of(&[])));
    black_box(v.verify_checksum(a6.0, a6.1));
    v.into_payload();
}

fn vxlan(b: &[u8]) {
    let Ok(v) = Vxlan::new(b).map_err(seen) else {
        return;
    };
    black_box((v.flags(), v.i_flag(), v.reserved1(), v.reserved2()));
    assert!(v.vni().value() < 1 << 24);
    black_box(v.vni().to_string());
    layout(b, v.header(), v.payload());
    assert_eq!(v.header_len() + v.into_payload().len(), b.len());
}

fn geneve(b: &[u8]) {
    let Ok(v) = Geneve::new(b).map_err(seen) else {
        return;
    };
    assert_eq!(v.version(), 0);
    black_box((
        v.flags(),
        v.oam(),
        v.critical(),
        v.protocol_type(),
        v.reserved(),
    ));
    assert!(v.vni().value() < 1 << 24);
    assert!(v.opt_len() <= 252 && v.opt_len() % 4 == 0);
    assert_eq!(v.header_len(), 8 + v.opt_len());
    assert_eq!(v.options_bytes().len(), v.opt_len());
    layout(b, v.header(), v.payload());
    let mut seen_len = 0;
    for o in v.options() {
        match o {
            Ok(o) => {
                black_box((o.class, o.option_type, o.is_critical()));
                assert_eq!(o.data.len() % 4, 0);
                seen_len += o.len();
            }
            Err(e) => seen(e),
        }
    }
    assert!(seen_len <= v.opt_len());
    assert_eq!(v.header_len() + v.into_payload().len(), b.len());
}

fn mpls(b: &[u8]) {
    if let Ok(v) = Mpls::new(b).map_err(seen) {
        let h = v.to_header();
        assert_eq!(h.entry(), v.entry());
        assert_eq!(
            (h.label, h.traffic_class, h.bottom_of_stack, h.ttl),
            (v.label(), v.traffic_class(), v.bottom_of_stack(), v.ttl())
        );
        assert!(v.label().value() < 1 << 20 && v.traffic_class().value() < 8);
        layout(b, v.header(), v.payload());
        assert_eq!(v.header_len() + v.into_payload().len(), b.len());
    }
    let Ok(s) = MplsStack::new(b).map_err(seen) else {
        return;
    };
    assert!(s.depth() >= 1);
    assert_eq!(s.header_len(), 4 * s.depth());
    assert_eq!(s.entries().len(), s.depth());
    for (i, e) in s.entries().enumerate() {
        assert_eq!(e.bottom_of_stack(), i + 1 == s.depth());
        assert_eq!(s.entry(i), Some(e));
    }
    assert!(s.entry(s.depth()).is_none());
    black_box((s.top().label(), s.bottom().ttl()));
    layout(b, s.header(), s.payload());
    assert_eq!(s.header_len() + s.into_payload().len(), b.len());
}

fn gtpu(b: &[u8]) {
    if let Ok(v) = Gtpu::new_truncated(b).map_err(seen) {
        assert!(v.header_len() <= b.len());
        assert_eq!(
            v.header_len() + v.payload().len(),
            v.packet_len().min(b.len())
        );
        assert!(v.extensions().all(|e| e.is_ok()));
        assert_eq!(Gtpu::new(b).is_ok(), !v.is_truncated());
        black_box((v.teid(), v.sequence_number(), v.pdu_session()));
    }
    let Ok(v) = Gtpu::new(b).map_err(seen) else {
        return;
    };
    assert_eq!(v.version(), 1);
    black_box((v.flags(), v.pt(), v.message_type(), v.teid()));
    assert_eq!(v.sequence_number().is_some(), v.s_flag());
    assert_eq!(v.n_pdu_number().is_some(), v.pn_flag());
    assert_eq!(v.next_extension_type().is_some(), v.e_flag());
    assert_eq!(
        v.has_optional_fields(),
        v.e_flag() || v.s_flag() || v.pn_flag()
    );
    assert_eq!(v.packet_len(), 8 + usize::from(v.length()));
    assert!(v.header_len() <= v.packet_len() && v.packet_len() <= b.len());
    let mut ext_len = 0;
    for e in v.extensions() {
        let e = e.expect("new checked the extension chain");
        black_box((e.ext_type, e.next_type, e.comprehension(), e.pdu_session()));
        ext_len += e.len();
    }
    let fixed = if v.has_optional_fields() { 12 } else { 8 };
    assert_eq!(v.header_len(), fixed + ext_len);
    if let Some(p) = v.pdu_session() {
        assert!(p.qfi <= 63 && p.pdu_type <= 15);
    }
    layout(b, v.header(), v.payload());
    assert_eq!(
        v.header_len() + v.into_payload().len(),
        8 + usize::from(v.length())
    );
}

fn pppoe(b: &[u8]) {
    if let Ok(v) = Pppoe::new_truncated(b).map_err(seen) {
        assert_eq!(
            v.header_len() + v.payload().len(),
            v.packet_len().min(b.len())
        );
        assert_eq!(Pppoe::new(b).is_ok(), !v.is_truncated());
        black_box((v.session_id(), v.ppp_protocol()));
    }
    if let Ok(v) = Pppoe::new(b).map_err(seen) {
        assert_eq!((v.version(), v.pppoe_type(), v.code().0), (1, 1, 0));
        black_box((
            v.session_id(),
            v.ppp_protocol(),
            v.ppp_protocol().to_string(),
        ));
        assert_eq!(v.packet_len(), 6 + usize::from(v.length()));
        assert!(v.length() >= 2 && v.packet_len() <= b.len());
        layout(b, v.header(), v.payload());
        assert_eq!(
            v.header_len() + v.into_payload().len(),
            6 + usize::from(v.length())
        );
    }
    let Ok(d) = PppoeDiscovery::new(b).map_err(seen) else {
        return;
    };
    assert_eq!((d.version(), d.pppoe_type()), (1, 1));
    black_box((d.code(), d.code().to_string(), d.session_id()));
    assert_eq!(d.payload().len(), usize::from(d.length()));
    layout(b, d.header(), d.payload());
    let mut n = 0;
    for t in d.tags() {
        n += 1;
        match t {
            Ok(t) => black_box((t.tag_type, t.value)),
            Err(e) => return seen(e),
        };
    }
    assert!(n <= d.payload().len() / 4 + 1);
}

fn gre(b: &[u8]) {
    let Ok(v) = Gre::new(b).map_err(seen) else {
        return;
    };
    black_box((v.flags_version(), v.reserved0(), v.protocol_type()));
    assert!(v.version() <= 1);
    assert_eq!(v.checksum().is_some(), v.checksum_present());
    assert_eq!(v.reserved1().is_some(), v.checksum_present());
    assert_eq!(v.key().is_some(), v.key_present());
    assert_eq!(v.seq().is_some(), v.seq_present());
    black_box(v.ack());
    assert!([4, 8, 12, 16].contains(&v.header_len()));
    assert_eq!((v.packet(), v.packet_len()), (b, b.len()));
    layout(b, v.header(), v.payload());
    assert_eq!(v.header_len() + v.payload().len(), b.len());
    assert_eq!(
        v.verify_checksum(),
        v.checksum_present().then(|| internet_checksum(b) == 0)
    );
    v.into_payload();
}

fn macsec(b: &[u8], icv_len: usize) {
    let Ok(v) = Macsec::new_with_icv_len(b, icv_len).map_err(seen) else {
        return;
    };
    black_box((
        v.tci_an(),
        v.tci(),
        v.end_station(),
        v.single_copy_broadcast(),
    ));
    black_box((
        v.encryption(),
        v.changed_text(),
        v.an().value(),
        v.sl_reserved(),
    ));
    black_box(v.pn());
    assert_eq!(v.version(), 0);
    assert_eq!(v.sci().is_some(), v.sci_present());
    if let Some(sci) = v.sci() {
        black_box((sci.system_identifier(), sci.port(), sci.to_bytes()));
    }
    assert_eq!(v.icv_len(), icv_len);
    assert_eq!(v.header().len(), v.header_len());
    let (data, icv, pad) = (v.secure_data(), v.icv(), v.padding());
    assert_eq!(icv.len(), icv_len);
    assert_eq!(v.header_len() + data.len() + icv.len() + pad.len(), b.len());
    if v.short_len() != 0 {
        assert_eq!(data.len(), usize::from(v.short_len()));
    } else {
        assert!(pad.is_empty());
    }
    assert_eq!(v.inner_ethertype().is_some(), v.inner_payload().is_some());
    if let Some(inner) = v.inner_payload() {
        assert_eq!(inner.len() + 2, data.len());
    }
    assert_eq!(v.into_secure_data(), data);
}

fuzz_target!(|data: &[u8]| {
    // Addresses for the checksum getters, from the input's last bytes.
    let mut tail = [0u8; 32];
    let n = data.len().min(32);
    tail[..n].copy_from_slice(&data[data.len() - n..]);
    let a4 = (
        Ipv4Addr::from(<[u8; 4]>::try_from(&tail[..4]).unwrap()),
        Ipv4Addr::from(<[u8; 4]>::try_from(&tail[4..8]).unwrap()),
    );
    let a6 = (
        Ipv6Addr::from(<[u8; 16]>::try_from(&tail[..16]).unwrap()),
        Ipv6Addr::from(<[u8; 16]>::try_from(&tail[16..]).unwrap()),
    );

    ethernet(data);
    vlan(data);
    arp(data);
    ipv4(data);
    ipv6(data);
    for first in [0, 43, 44, 60, 51, data.first().copied().unwrap_or(0)] {
        ext_headers(IpProtocol(first), data);
    }
    ipv6_options(Ipv6Options::new(data));
    ipv6_fragment(data);
    ipv6_routing(data);
    ipv6_auth(data);
    udp(data, a4, a6);
    tcp(data, a4, a6);
    icmpv4(data);
    icmpv6(data, a6);
    vxlan(data);
    geneve(data);
    mpls(data);
    gtpu(data);
    pppoe(data);
    gre(data);
    macsec(data, 16);
    macsec(data, usize::from(data.last().copied().unwrap_or(0) % 33));
    if let Ok(m) = Macsec::new(data) {
        let _ = m.into_payload();
    }
});
