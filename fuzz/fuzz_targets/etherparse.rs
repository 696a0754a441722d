//! wireview against etherparse 0.21 over arbitrary Ethernet frames.
//!
//! Two oracles, each used where both parsers accept a header at the same
//! offset:
//!
//! 1. Layer by layer: at every layer wireview's walk found, etherparse's
//!    own header parser (`*HeaderSlice::from_slice`, `*Slice::from_slice`)
//!    over the same bytes. For the headers whose validity both define the
//!    same way (Ethernet, VLAN, IPv4, IPv6 and its extension headers, UDP,
//!    TCP, ICMPv4, ICMPv6) etherparse must accept what the walk accepted;
//!    every shared field must agree, and so must the payload where both
//!    bound it by the same length field.
//! 2. Whole packet: when etherparse's strict `SlicedPacket::from_ethernet`
//!    accepts the frame, every header it found is one the walk found too,
//!    same kind, same offset, same fields, same payload (IPv6 extension
//!    headers read with the strict per-header `from_slice` inside the
//!    extensions slice: etherparse 0.21's lax extension iterator reads out
//!    of bounds with `get_unchecked` after some lax parses).
//!
//! Known, justified differences are excluded explicitly where they arise
//! (search for "Known difference"): wireview reading an IPv4 total length
//! of 0 and a UDP length of 0 as "up to the end of the buffer" in
//! `new_truncated`; GRE (version 0, and the PPTP version 1 that wireview
//! reads) and VXLAN, which etherparse 0.21 does not parse at all; MACsec,
//! whose ICV etherparse does not know; IPv4 authentication headers, which
//! etherparse skips and wireview leaves as payload; an IPv6 payload length
//! of 0 without a jumbo payload option.
#![no_main]

use libfuzzer_sys::fuzz_target;

use etherparse::{
    Ethernet2HeaderSlice, Icmpv4Slice, Icmpv6Slice, IpAuthHeaderSlice, Ipv4HeaderSlice, Ipv4Slice,
    Ipv6FragmentHeaderSlice, Ipv6HeaderSlice, Ipv6RawExtHeaderSlice, LinkExtSlice, LinkSlice,
    MacsecHeaderSlice, NetSlice, SingleVlanHeaderSlice, SlicedPacket, TcpHeaderSlice,
    TcpOptionElement, TcpOptionsIterator, TransportSlice, UdpHeaderSlice, UdpSlice,
};
use wireview::walk::{Layer, LayerKind, Layers};
use wireview::{
    Arp, Ethernet, ExtHeaders, Icmpv4, Icmpv6, IpProtocol, Ipv4, Ipv6, Ipv6Auth, Ipv6ExtKind,
    Ipv6Fragment, Ipv6Routing, Macsec, Tcp, TcpFlags, TcpOption, Udp, VlanTag,
};

// ------------------------------------------------------------ field by field

fn eq_ethernet(w: &Ethernet<&[u8]>, e: &etherparse::Ethernet2Header) {
    assert_eq!(w.dst().0, e.destination);
    assert_eq!(w.src().0, e.source);
    assert_eq!(w.ethertype().0, e.ether_type.0);
}

fn eq_vlan(w: &VlanTag<&[u8]>, e: &etherparse::SingleVlanHeader) {
    assert_eq!(w.pcp().value(), e.pcp.value());
    assert_eq!(w.dei(), e.drop_eligible_indicator);
    assert_eq!(w.vid().value(), e.vlan_id.value());
    assert_eq!(w.ethertype().0, e.ether_type.0);
}

fn eq_ipv4(w: &Ipv4<&[u8]>, e: &Ipv4HeaderSlice<'_>) {
    assert_eq!((w.version(), w.ihl()), (e.version(), e.ihl()));
    assert_eq!(w.header(), e.slice());
    let h = e.to_header();
    assert_eq!(
        (w.dscp().value(), w.ecn().value()),
        (h.dscp.value(), h.ecn.value())
    );
    assert_eq!(w.total_len(), h.total_len);
    assert_eq!(w.identification(), h.identification);
    assert_eq!(w.dont_fragment(), h.dont_fragment);
    assert_eq!(w.more_fragments(), h.more_fragments);
    assert_eq!(w.fragment_offset(), h.fragment_offset.value());
    assert_eq!(w.is_fragment(), e.is_fragmenting_payload());
    assert_eq!((w.ttl(), w.protocol().0), (h.time_to_live, h.protocol.0));
    assert_eq!(w.checksum(), h.header_checksum);
    assert_eq!(
        (w.src().octets(), w.dst().octets()),
        (h.source, h.destination)
    );
    assert_eq!(w.options(), h.options.as_slice());
}

fn eq_ipv6(w: &Ipv6<&[u8]>, e: &Ipv6HeaderSlice<'_>) {
    assert_eq!(w.version(), e.version());
    assert_eq!(w.header(), e.slice());
    let h = e.to_header();
    assert_eq!(w.traffic_class(), h.traffic_class);
    assert_eq!(
        (w.dscp().value(), w.ecn().value()),
        (e.dscp().value(), e.ecn().value())
    );
    assert_eq!(w.flow_label(), h.flow_label.value());
    assert_eq!(w.payload_len(), h.payload_length);
    assert_eq!(w.next_header().0, h.next_header.0);
    assert_eq!(w.hop_limit(), h.hop_limit);
    assert_eq!(
        (w.src().octets(), w.dst().octets()),
        (h.source, h.destination)
    );
}

fn eq_udp(w: &Udp<&[u8]>, e: &etherparse::UdpHeader) {
    assert_eq!(
        (w.src_port(), w.dst_port()),
        (e.source_port, e.destination_port)
    );
    assert_eq!((w.length(), w.checksum()), (e.length, e.checksum));
}

fn eq_tcp(w: &Tcp<&[u8]>, e: &etherparse::TcpHeader, header: &[u8]) {
    assert_eq!(w.header(), header);
    assert_eq!(
        (w.src_port(), w.dst_port()),
        (e.source_port, e.destination_port)
    );
    assert_eq!(w.seq_number(), e.sequence_number);
    assert_eq!(w.ack_number(), e.acknowledgment_number);
    assert_eq!(usize::from(w.data_offset()), header.len() / 4);
    let f = w.flags();
    let ours = [
        TcpFlags::AE,
        TcpFlags::CWR,
        TcpFlags::ECE,
        TcpFlags::URG,
        TcpFlags::ACK,
        TcpFlags::PSH,
        TcpFlags::RST,
        TcpFlags::SYN,
        TcpFlags::FIN,
    ]
    .map(|flag| f.contains(flag));
    let theirs = [e.ns, e.cwr, e.ece, e.urg, e.ack, e.psh, e.rst, e.syn, e.fin];
    assert_eq!(ours, theirs);
    assert_eq!(w.window(), e.window_size);
    assert_eq!(w.checksum(), e.checksum);
    assert_eq!(w.urgent_pointer(), e.urgent_pointer);
    assert_eq!(w.options(), e.options.as_slice());
    // The parsed options, up to the first either side cannot read or does
    // not know (etherparse refuses unknown kinds and SACK beyond 4 blocks,
    // and stops silently at End).
    for (ours, theirs) in w
        .options_iter()
        .zip(TcpOptionsIterator::from_slice(w.options()))
    {
        let (Ok(ours), Ok(theirs)) = (ours, theirs) else {
            break;
        };
        match (ours, theirs) {
            (TcpOption::Nop, TcpOptionElement::Noop)
            | (TcpOption::SackPermitted, TcpOptionElement::SelectiveAcknowledgementPermitted) => {}
            (TcpOption::Mss(a), TcpOptionElement::MaximumSegmentSize(b)) => assert_eq!(a, b),
            (TcpOption::WindowScale(a), TcpOptionElement::WindowScale(b)) => assert_eq!(a, b),
            (TcpOption::Sack(blocks), TcpOptionElement::SelectiveAcknowledgement(first, rest)) => {
                let mut theirs = vec![first];
                theirs.extend(rest.iter().flatten());
                assert!(blocks.iter().eq(theirs));
            }
            (TcpOption::Timestamps { val, ecr }, TcpOptionElement::Timestamp(a, b)) => {
                assert_eq!((val, ecr), (a, b));
            }
            (ours, theirs) => panic!("TCP option {ours:?} read by etherparse as {theirs:?}"),
        }
    }
}

/// ICMPv4 and ICMPv6 share the layout etherparse exposes.
/// `extent`: whether both read the message over the same bytes, so that
/// the payloads must agree too.
fn eq_icmp(ours: (u8, u8, u16, u32, &[u8]), e: (u8, u8, u16, [u8; 4], &[u8], usize), extent: bool) {
    let (ty, code, sum, rest, payload) = ours;
    assert_eq!((ty, code, sum), (e.0, e.1, e.2));
    assert_eq!(rest.to_be_bytes(), e.3);
    // etherparse gives the ICMPv4 timestamp messages a 20-octet header;
    // for wireview every ICMP header is 8 octets, the rest payload.
    if extent && e.5 == 8 {
        assert_eq!(payload, e.4);
    }
}

fn eq_icmpv4(w: &Icmpv4<&[u8]>, e: &Icmpv4Slice<'_>, extent: bool) {
    eq_icmp(
        (
            w.msg_type().0,
            w.code().0,
            w.checksum(),
            w.rest_of_header(),
            w.payload(),
        ),
        (
            e.type_u8(),
            e.code_u8(),
            e.checksum(),
            e.bytes5to8(),
            e.payload(),
            e.header_len(),
        ),
        extent,
    );
}

fn eq_icmpv6(w: &Icmpv6<&[u8]>, e: &Icmpv6Slice<'_>, extent: bool) {
    eq_icmp(
        (
            w.msg_type().0,
            w.code().0,
            w.checksum(),
            w.rest_of_header(),
            w.payload(),
        ),
        (
            e.type_u8(),
            e.code_u8(),
            e.checksum(),
            e.bytes5to8(),
            e.payload(),
            e.header_len(),
        ),
        extent,
    );
}

/// The SecTAG fields. Known difference: wireview's MACsec view requires
/// the ICV (16 octets by default) after the Secure Data and reads SL as
/// the Secure Data length before it; etherparse 0.21 knows no ICV and
/// reads on to the end of the frame. So whether each accepts a SecTAG,
/// and where the data behind it ends, differ by design; only the fields
/// of a SecTAG both accept are compared.
fn eq_macsec(w: &Macsec<&[u8]>, e: &MacsecHeaderSlice<'_>) {
    assert_eq!(w.tci_an(), e.tci_an_raw());
    assert_eq!(w.end_station(), e.endstation_id());
    assert_eq!(w.single_copy_broadcast(), e.tci_scb());
    assert_eq!(w.encryption(), e.encrypted());
    assert_eq!(w.changed_text(), e.userdata_changed());
    assert_eq!(w.an().value(), e.an().value());
    assert_eq!(w.short_len(), e.short_len().value());
    assert_eq!(w.pn(), e.packet_nr());
    assert_eq!(w.sci().map(|s| s.0), e.sci());
    assert_eq!(
        w.inner_ethertype().map(|t| t.0),
        e.next_ether_type().map(|t| t.0)
    );
    // etherparse counts the inner EtherType into its header.
    let inner = if w.inner_ethertype().is_some() { 2 } else { 0 };
    assert_eq!(w.header_len() + inner, e.header_len());
}

// ------------------------------------------- 1. etherparse at the walk's layers

fn layer_by_layer(frame: &[u8], l: &Layer) {
    let at = &frame[l.start..];
    let region = &frame[l.range()];
    let refused = |what: &str| -> ! {
        panic!(
            "etherparse refuses the {what} wireview's walk read at {}: {l:?}",
            l.start
        )
    };
    match l.kind {
        LayerKind::Ethernet => {
            let w = Ethernet::new(region).unwrap();
            let e = Ethernet2HeaderSlice::from_slice(at).unwrap_or_else(|_| refused("Ethernet"));
            eq_ethernet(&w, &e.to_header());
        }
        LayerKind::Vlan => {
            let w = VlanTag::new(region).unwrap();
            let e = SingleVlanHeaderSlice::from_slice(at).unwrap_or_else(|_| refused("VLAN tag"));
            eq_vlan(&w, &e.to_header());
        }
        LayerKind::Arp => {
            // etherparse's ARP slice also checks the address lengths against
            // the types; compared when it accepts.
            let w = Arp::new(region).unwrap();
            if let Ok(e) = etherparse::ArpPacketSlice::from_slice(region) {
                assert_eq!(
                    (w.htype(), w.ptype().0),
                    (e.hw_addr_type().0, e.proto_addr_type().0)
                );
                assert_eq!(
                    (w.hlen(), w.plen()),
                    (e.hw_addr_size(), e.proto_addr_size())
                );
                assert_eq!(w.oper().0, e.operation().0);
                assert_eq!(
                    (w.sha(), w.spa()),
                    (e.sender_hw_addr(), e.sender_protocol_addr())
                );
                assert_eq!(
                    (w.tha(), w.tpa()),
                    (e.target_hw_addr(), e.target_protocol_addr())
                );
            }
        }
        LayerKind::Ipv4 => {
            let w = Ipv4::new_truncated(region).unwrap();
            let e = Ipv4HeaderSlice::from_slice(region).unwrap_or_else(|_| refused("IPv4 header"));
            eq_ipv4(&w, &e);
            let whole = Ipv4Slice::from_slice(region);
            if w.total_len() == 0 {
                // Known difference: a total length of 0 is what captures of
                // segmentation-offloaded datagrams (TSO, BIG TCP) hold;
                // wireview's `new_truncated` (which the walk uses) reads it
                // as "the datagram is the whole buffer", etherparse's
                // strict parse refuses it.
                assert!(whole.is_err());
            } else if l.truncated {
                assert!(whole.is_err(), "etherparse reads a cut datagram whole");
            } else if w.protocol() == IpProtocol::AH {
                // Known difference: etherparse reads an authentication
                // header after IPv4 (refusing the datagram when it is
                // malformed) and strips it from the payload; for wireview
                // it is IPv4 payload like any other protocol's.
            } else {
                let e = whole.unwrap_or_else(|_| refused("IPv4 datagram"));
                assert_eq!(w.payload(), e.payload().payload);
            }
        }
        LayerKind::Ipv6 => {
            let w = Ipv6::new_truncated(region).unwrap();
            let e = Ipv6HeaderSlice::from_slice(region).unwrap_or_else(|_| refused("IPv6 header"));
            eq_ipv6(&w, &e);
        }
        LayerKind::Ipv6Ext(kind) => ipv6_ext(kind, region),
        LayerKind::Udp => {
            let w = Udp::new_truncated(region).unwrap();
            let e = UdpHeaderSlice::from_slice(region).unwrap_or_else(|_| refused("UDP header"));
            eq_udp(&w, &e.to_header());
            let whole = UdpSlice::from_slice(region);
            if usize::from(w.length()) > region.len() {
                // Cut short by the capture, or the first fragment of a
                // datagram: etherparse's strict slice refuses it.
                assert!(whole.is_err());
            } else {
                // A UDP length of 0 (jumbograms, GSO captures) is "to the
                // end" for both, here: etherparse's strict `UdpSlice` falls
                // back to the slice as wireview's `new_truncated` does.
                let e = whole.unwrap_or_else(|_| refused("UDP datagram"));
                assert_eq!(w.payload(), e.payload());
            }
        }
        LayerKind::Tcp => {
            let w = Tcp::new(region).unwrap();
            let e = TcpHeaderSlice::from_slice(region).unwrap_or_else(|_| refused("TCP header"));
            eq_tcp(&w, &e.to_header(), e.slice());
        }
        LayerKind::Icmpv4 => {
            let w = Icmpv4::new(region).unwrap();
            match Icmpv4Slice::from_slice(region) {
                Ok(e) => eq_icmpv4(&w, &e, true),
                // Known difference: etherparse holds a timestamp request or
                // reply (types 13 and 14, code 0) to its RFC 792 length of
                // exactly 20 octets; wireview reads the 8-octet header of
                // any ICMPv4 message and leaves the rest as payload.
                Err(_) if matches!(w.msg_type().0, 13 | 14) && w.code().0 == 0 => {
                    assert_ne!(region.len(), 20);
                }
                Err(_) => refused("ICMPv4 message"),
            }
        }
        LayerKind::Icmpv6 => {
            let w = Icmpv6::new(region).unwrap();
            let e = Icmpv6Slice::from_slice(region).unwrap_or_else(|_| refused("ICMPv6 message"));
            eq_icmpv6(&w, &e, true);
        }
        LayerKind::Macsec => {
            let w = Macsec::new(region).unwrap();
            if let Ok(e) = MacsecHeaderSlice::from_slice(region) {
                eq_macsec(&w, &e);
            }
        }
        // Known difference: etherparse 0.21 has no GRE (neither version 0
        // nor the PPTP version 1 wireview reads) and no VXLAN; the headers
        // inside such tunnels are still compared here, layer by layer.
        _ => {}
    }
}

fn ipv6_ext(kind: Ipv6ExtKind, region: &[u8]) {
    let ext = ExtHeaders::new(kind.protocol(), region)
        .next()
        .unwrap()
        .unwrap();
    let refused = || -> ! { panic!("etherparse refuses the {kind:?} header wireview read") };
    match kind {
        Ipv6ExtKind::HopByHop | Ipv6ExtKind::Routing | Ipv6ExtKind::Destination => {
            let e = Ipv6RawExtHeaderSlice::from_slice(region).unwrap_or_else(|_| refused());
            assert_eq!(ext.next_header.0, e.next_header().0);
            assert_eq!(ext.data, e.slice());
            if kind == Ipv6ExtKind::Routing {
                let w = Ipv6Routing::new(region).unwrap();
                assert_eq!(
                    (w.routing_type().0, w.segments_left()),
                    (e.payload()[0], e.payload()[1])
                );
            }
        }
        Ipv6ExtKind::Fragment => {
            let w = Ipv6Fragment::new(region).unwrap();
            let e = Ipv6FragmentHeaderSlice::from_slice(region).unwrap_or_else(|_| refused());
            assert_eq!(w.header(), e.slice());
            assert_eq!(w.next_header().0, e.next_header().0);
            assert_eq!(w.fragment_offset(), e.fragment_offset().value());
            assert_eq!(w.more_fragments(), e.more_fragments());
            assert_eq!(w.identification(), e.identification());
            assert_eq!(w.is_fragment(), e.is_fragmenting_payload());
        }
        Ipv6ExtKind::Auth => {
            let w = Ipv6Auth::new(region).unwrap();
            let e = IpAuthHeaderSlice::from_slice(region).unwrap_or_else(|_| refused());
            assert_eq!(w.header(), e.slice());
            assert_eq!(w.next_header().0, e.next_header().0);
            assert_eq!(
                (w.spi(), w.sequence_number()),
                (e.spi(), e.sequence_number())
            );
            assert_eq!(w.icv(), e.raw_icv());
        }
    }
}

// ------------------------------------------------ 2. SlicedPacket::from_ethernet

/// Where a subslice of `frame` starts.
fn offset(frame: &[u8], s: &[u8]) -> usize {
    s.as_ptr() as usize - frame.as_ptr() as usize
}

/// The walk's layer of `kind` at `at`.
fn walked(layers: &Layers, kind: LayerKind, at: usize) -> Option<Layer> {
    layers.iter().find(|l| l.kind == kind && l.start == at)
}

fn whole_packet(frame: &[u8], layers: &Layers, p: &SlicedPacket<'_>) {
    // Every header etherparse found must be one the walk found, unless the
    // walk stopped before it for a known reason: `excused` says which.
    let mut excused: Option<&str> = None;
    // Whether etherparse reads each header over the bytes the walk does
    // (not behind a MACsec SecTAG, whose ICV etherparse reads as data).
    let mut extent = true;
    let expect = |kind: LayerKind, at: usize, excused: Option<&str>| -> Option<Layer> {
        let l = walked(layers, kind, at);
        if l.is_none() && excused.is_none() {
            panic!(
                "etherparse found {kind:?} at {at}; the walk: {:?}, error {:?}",
                layers.iter().collect::<Vec<_>>(),
                layers.error()
            );
        }
        l
    };

    if let Some(LinkSlice::Ethernet2(e)) = &p.link {
        if expect(LayerKind::Ethernet, 0, None).is_some() {
            eq_ethernet(&layers.view(frame, 0).unwrap(), &e.to_header());
        }
    }
    for ext in &p.link_exts {
        match ext {
            LinkExtSlice::Vlan(v) => {
                let at = offset(frame, v.slice());
                if let Some(l) = expect(LayerKind::Vlan, at, excused) {
                    let w = VlanTag::new(&frame[l.range()]).unwrap();
                    eq_vlan(&w, &v.to_header());
                }
            }
            LinkExtSlice::Macsec(m) => {
                let at = offset(frame, m.header.slice());
                // Known difference (see `eq_macsec`): the walk may refuse a
                // SecTAG etherparse accepts (no room for the ICV), and
                // behind one etherparse's data runs over the ICV.
                if let Some(l) = walked(layers, LayerKind::Macsec, at) {
                    eq_macsec(&Macsec::new(&frame[l.range()]).unwrap(), &m.header);
                }
                excused = Some("MACsec: etherparse knows no ICV");
                extent = false;
            }
        }
    }
    let mut transport_excused = excused;
    match &p.net {
        Some(NetSlice::Ipv4(ip)) => {
            let h = ip.header();
            let at = offset(frame, h.slice());
            if let Some(l) = expect(LayerKind::Ipv4, at, excused) {
                let w = Ipv4::new_truncated(&frame[l.range()]).unwrap();
                eq_ipv4(&w, &h);
                if extent && ip.extensions().auth.is_none() {
                    assert_eq!(w.payload(), ip.payload().payload);
                }
            }
            if ip.extensions().auth.is_some() {
                // Known difference: etherparse reads an authentication
                // header after IPv4 and the transport header after it;
                // for wireview that is the IPv4 payload.
                transport_excused = Some("IPv4 AH");
            }
        }
        Some(NetSlice::Ipv6(ip)) => {
            let h = ip.header();
            let at = offset(frame, h.slice());
            if let Some(l) = expect(LayerKind::Ipv6, at, excused) {
                eq_ipv6(&Ipv6::new_truncated(&frame[l.range()]).unwrap(), &h);
            }
            if h.payload_length() == 0
                && h.next_header() != etherparse::IpNumber::IPV6_HEADER_HOP_BY_HOP
            {
                // Known difference: a payload length of 0 without a
                // hop-by-hop header (so no jumbo payload option) is an empty
                // payload for wireview; etherparse takes the rest of the
                // frame.
                excused = excused.or(Some("IPv6 payload length 0, not a jumbogram"));
            }
            // The extension headers, each with the strict per-header parser
            // inside the strictly parsed extensions slice.
            let exts = ip.extensions();
            let mut rest = exts.slice();
            let mut next = exts.first_header();
            while let Some(n) = next {
                let at = offset(frame, rest);
                let (kind, len, following) = match Ipv6ExtKind::from_protocol(IpProtocol(n.0)) {
                    Some(k @ Ipv6ExtKind::Fragment) => {
                        let s = Ipv6FragmentHeaderSlice::from_slice(rest).unwrap();
                        if s.fragment_offset().value() != 0 {
                            // Known difference: after a later fragment's
                            // header wireview reads no more headers (the
                            // rest is the middle of a datagram); etherparse
                            // reads on.
                            expect(LayerKind::Ipv6Ext(k), at, excused);
                            excused = Some("later IPv6 fragment");
                            break;
                        }
                        (k, s.slice().len(), s.next_header())
                    }
                    Some(k @ Ipv6ExtKind::Auth) => {
                        let s = IpAuthHeaderSlice::from_slice(rest).unwrap();
                        (k, s.slice().len(), s.next_header())
                    }
                    Some(k) => {
                        let s = Ipv6RawExtHeaderSlice::from_slice(rest).unwrap();
                        (k, s.slice().len(), s.next_header())
                    }
                    None => break,
                };
                if layers.len() < wireview::walk::MAX_LAYERS
                    && !matches!(layers.error(), Some(wireview::Error::TooDeep { .. }))
                {
                    expect(LayerKind::Ipv6Ext(kind), at, excused);
                } else {
                    // Known difference: wireview reads at most 16 extension
                    // headers and 32 layers (crafted chains end with
                    // `TooDeep`); etherparse has no limit.
                    excused = Some("too deep");
                }
                rest = &rest[len..];
                next = Some(following);
            }
            transport_excused = excused;
        }
        Some(NetSlice::Arp(a)) => {
            expect(LayerKind::Arp, offset(frame, a.slice()), excused);
        }
        None => {}
    }
    if matches!(layers.error(), Some(wireview::Error::TooDeep { .. })) {
        transport_excused = Some("too deep");
    }
    if matches!(
        layers.error(),
        Some(wireview::Error::BadLength {
            layer: wireview::Layer::Udp,
            ..
        })
    ) {
        // Known difference: a UDP length of 0 outside a jumbogram or an
        // offload capture, or one past the IP payload, is malformed for
        // wireview (the tools' contract); etherparse reads on.
        transport_excused = Some("UDP length 0 or past the IP payload");
    }
    let excused = transport_excused;
    match &p.transport {
        Some(TransportSlice::Udp(u)) => {
            if let Some(l) = expect(LayerKind::Udp, offset(frame, u.slice()), excused) {
                let w = Udp::new_truncated(&frame[l.range()]).unwrap();
                eq_udp(&w, &u.to_header());
                if extent {
                    assert_eq!(w.payload(), u.payload());
                }
            }
        }
        Some(TransportSlice::Tcp(t)) => {
            if let Some(l) = expect(LayerKind::Tcp, offset(frame, t.slice()), excused) {
                let w = Tcp::new(&frame[l.range()]).unwrap();
                eq_tcp(&w, &t.to_header(), t.header_slice());
                if extent {
                    assert_eq!(w.payload(), t.payload());
                }
            }
        }
        Some(TransportSlice::Icmpv4(i)) => {
            if let Some(l) = expect(LayerKind::Icmpv4, offset(frame, i.slice()), excused) {
                eq_icmpv4(&Icmpv4::new(&frame[l.range()]).unwrap(), i, extent);
            }
        }
        Some(TransportSlice::Icmpv6(i)) => {
            if let Some(l) = expect(LayerKind::Icmpv6, offset(frame, i.slice()), excused) {
                eq_icmpv6(&Icmpv6::new(&frame[l.range()]).unwrap(), i, extent);
            }
        }
        // IGMP is no layer of its own for wireview: IP payload.
        Some(TransportSlice::Igmp(i)) => {
            expect(LayerKind::Payload, offset(frame, i.slice()), excused);
        }
        None => {}
    }
}

fuzz_target!(|frame: &[u8]| {
    // The capture walk: like etherparse, it reads a datagram cut short.
    let layers = Layers::from_ethernet_capture(frame);
    for (i, l) in layers.iter().enumerate() {
        // A datagram quoted in an ICMP error is read laxly (cut short by
        // design); etherparse's header slices are compared outside quotes.
        if !layers.is_quoted(i) {
            layer_by_layer(frame, &l);
        }
    }
    if let Ok(p) = SlicedPacket::from_ethernet(frame) {
        whole_packet(frame, &layers, &p);
    }
});
