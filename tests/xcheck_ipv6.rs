//! Cross-checks of the IPv6 view and the extension-header walk against
//! etherparse 0.21: headers and chains are generated and written by
//! etherparse, read by both, and every field must agree; after every
//! wireview setter etherparse re-parses the bytes and sees the new value.

use core::net::Ipv6Addr;

use etherparse::{
    IpAuthHeader, IpAuthHeaderSlice, IpFragOffset, IpNumber, Ipv6ExtensionSlice, Ipv6Extensions,
    Ipv6ExtensionsSlice, Ipv6FlowLabel, Ipv6FragmentHeader as EpFragment, Ipv6FragmentHeaderSlice,
    Ipv6Header as EpIpv6, Ipv6HeaderSlice, Ipv6RawExtHeader, Ipv6RawExtHeaderSlice,
    Ipv6RoutingExtensions, UdpHeader,
};
use proptest::prelude::*;
use wireview::ipv6_ext::{ExtHeaders, Ipv6Auth, Ipv6ExtKind, Ipv6Fragment, Ipv6Routing};
use wireview::{Dscp, Ecn, IpProtocol, Ipv6, Ipv6Mut};

fn ep_header() -> impl Strategy<Value = EpIpv6> {
    (
        any::<u8>(),
        0u32..=0xF_FFFF,
        any::<u16>(),
        any::<u8>(),
        any::<u8>(),
        any::<[u8; 16]>(),
        any::<[u8; 16]>(),
    )
        .prop_map(|(tc, flow, len, next, hop, src, dst)| EpIpv6 {
            traffic_class: tc,
            flow_label: Ipv6FlowLabel::try_new(flow).unwrap(),
            payload_length: len,
            next_header: IpNumber(next),
            hop_limit: hop,
            source: src,
            destination: dst,
        })
}

fn assert_same_header(ip: &Ipv6<&[u8]>, ep: &Ipv6HeaderSlice<'_>) {
    assert_eq!(ip.version(), ep.version());
    assert_eq!(ip.traffic_class(), ep.traffic_class());
    assert_eq!(ip.dscp().value(), ep.dscp().value());
    assert_eq!(ip.ecn().value(), ep.ecn().value());
    assert_eq!(ip.flow_label(), ep.flow_label().value());
    assert_eq!(ip.payload_len(), ep.payload_length());
    assert_eq!(ip.next_header().0, ep.next_header().0);
    assert_eq!(ip.hop_limit(), ep.hop_limit());
    assert_eq!(ip.src(), ep.source_addr());
    assert_eq!(ip.dst(), ep.destination_addr());
}

/// One extension header to generate: kind, next-header-independent content.
#[derive(Debug, Clone)]
enum Ext {
    /// Hop-by-hop, destination options or routing: the payload after the
    /// first two octets (6 + 8n octets).
    Raw(Ipv6ExtKind, Vec<u8>),
    Fragment {
        offset: u16,
        more: bool,
        id: u32,
    },
    /// AH: ICV of 4n octets.
    Auth {
        spi: u32,
        seq: u32,
        icv: Vec<u8>,
    },
}

fn raw_payload() -> impl Strategy<Value = Vec<u8>> {
    (0usize..4).prop_flat_map(|n| proptest::collection::vec(any::<u8>(), 6 + 8 * n))
}

fn ext_after_first() -> impl Strategy<Value = Ext> {
    prop_oneof![
        raw_payload().prop_map(|p| Ext::Raw(Ipv6ExtKind::Destination, p)),
        raw_payload().prop_map(|p| Ext::Raw(Ipv6ExtKind::Routing, p)),
        (0u16..0x2000, any::<bool>(), any::<u32>()).prop_map(|(offset, more, id)| Ext::Fragment {
            offset,
            more,
            id
        }),
        (
            any::<u32>(),
            any::<u32>(),
            (0usize..6).prop_flat_map(|n| proptest::collection::vec(any::<u8>(), 4 * n))
        )
            .prop_map(|(spi, seq, icv)| Ext::Auth { spi, seq, icv }),
    ]
}

/// A chain in any order (hop-by-hop only first, as RFC 8200 wants), 0 to 8
/// headers, and the upper-layer protocol (never an extension header).
fn chain() -> impl Strategy<Value = (Vec<Ext>, u8)> {
    (
        proptest::option::of(raw_payload()),
        proptest::collection::vec(ext_after_first(), 0..8),
        any::<u8>().prop_filter("upper layer", |p| {
            Ipv6ExtKind::from_protocol(IpProtocol(*p)).is_none()
        }),
    )
        .prop_map(|(hbh, rest, upper)| {
            let mut exts: Vec<Ext> = hbh
                .map(|p| Ext::Raw(Ipv6ExtKind::HopByHop, p))
                .into_iter()
                .collect();
            exts.extend(rest);
            (exts, upper)
        })
}

fn kind_of(e: &Ext) -> Ipv6ExtKind {
    match e {
        Ext::Raw(kind, _) => *kind,
        Ext::Fragment { .. } => Ipv6ExtKind::Fragment,
        Ext::Auth { .. } => Ipv6ExtKind::Auth,
    }
}

/// Writes the chain with etherparse's header types; returns the bytes and
/// the first next header.
fn write_chain(exts: &[Ext], upper: u8) -> (Vec<u8>, IpProtocol) {
    let mut bytes = Vec::new();
    for (i, e) in exts.iter().enumerate() {
        let next = IpNumber(exts.get(i + 1).map_or(upper, |n| kind_of(n).protocol().0));
        match e {
            Ext::Raw(_, payload) => {
                let h = Ipv6RawExtHeader::new_raw(next, payload).unwrap();
                bytes.extend_from_slice(&h.to_bytes());
            }
            Ext::Fragment { offset, more, id } => {
                let h = EpFragment::new(next, IpFragOffset::try_new(*offset).unwrap(), *more, *id);
                bytes.extend_from_slice(&h.to_bytes());
            }
            Ext::Auth { spi, seq, icv } => {
                let h = IpAuthHeader::new(next, *spi, *seq, icv).unwrap();
                bytes.extend_from_slice(&h.to_bytes());
            }
        }
    }
    let first = exts
        .first()
        .map_or(IpProtocol(upper), |e| kind_of(e).protocol());
    (bytes, first)
}

/// wireview's walk over `bytes` equals etherparse's: same kinds, lengths,
/// next headers and typed fields, same upper layer and offset.
fn assert_same_chain(first: IpProtocol, bytes: &[u8]) -> Result<(), TestCaseError> {
    let (ep, ep_upper, ep_rest) = Ipv6ExtensionsSlice::from_slice(IpNumber(first.0), bytes)
        .map_err(|e| TestCaseError::fail(format!("etherparse: {e:?}")))?;
    let mut ours = ExtHeaders::new(first, bytes);
    for theirs in ep {
        if ours.is_later_fragment() {
            // A known difference: after a fragment header whose offset is
            // not 0 wireview reads no more headers (the rest is the middle
            // of a datagram, RFC 8200 section 4.5); etherparse reads on.
            return Ok(());
        }
        let e = ours
            .next()
            .expect("wireview ended early")
            .expect("wireview error");
        match theirs {
            Ipv6ExtensionSlice::HopByHop(s) => {
                prop_assert_eq!(e.kind, Ipv6ExtKind::HopByHop);
                prop_assert_eq!(e.data, s.slice());
                prop_assert_eq!(e.next_header.0, s.next_header().0);
            }
            Ipv6ExtensionSlice::DestinationOptions(s) => {
                prop_assert_eq!(e.kind, Ipv6ExtKind::Destination);
                prop_assert_eq!(e.data, s.slice());
                prop_assert_eq!(e.next_header.0, s.next_header().0);
            }
            Ipv6ExtensionSlice::Routing(s) => {
                prop_assert_eq!(e.kind, Ipv6ExtKind::Routing);
                prop_assert_eq!(e.data, s.slice());
                let rt = Ipv6Routing::new(e.data).unwrap();
                prop_assert_eq!(rt.next_header().0, s.next_header().0);
                prop_assert_eq!(rt.routing_type().0, s.payload()[0]);
                prop_assert_eq!(rt.segments_left(), s.payload()[1]);
                prop_assert_eq!(rt.data(), &s.payload()[2..]);
            }
            Ipv6ExtensionSlice::Fragment(s) => {
                prop_assert_eq!(e.kind, Ipv6ExtKind::Fragment);
                prop_assert_eq!(e.data, s.slice());
                let f = Ipv6Fragment::new(e.data).unwrap();
                prop_assert_eq!(f.next_header().0, s.next_header().0);
                prop_assert_eq!(f.fragment_offset(), s.fragment_offset().value());
                prop_assert_eq!(f.more_fragments(), s.more_fragments());
                prop_assert_eq!(f.identification(), s.identification());
                prop_assert_eq!(f.is_fragment(), s.is_fragmenting_payload());
            }
            Ipv6ExtensionSlice::Authentication(s) => {
                prop_assert_eq!(e.kind, Ipv6ExtKind::Auth);
                prop_assert_eq!(e.data, s.slice());
                let ah = Ipv6Auth::new(e.data).unwrap();
                prop_assert_eq!(ah.next_header().0, s.next_header().0);
                prop_assert_eq!(ah.spi(), s.spi());
                prop_assert_eq!(ah.sequence_number(), s.sequence_number());
                prop_assert_eq!(ah.icv(), s.raw_icv());
            }
        }
    }
    prop_assert!(ours.next().is_none());
    prop_assert_eq!(
        ours.upper_layer(),
        (IpProtocol(ep_upper.0), bytes.len() - ep_rest.len())
    );
    Ok(())
}

proptest! {
    #[test]
    fn header_getters_equal_etherparse(hdr in ep_header(), extra in 0usize..8) {
        let mut p = hdr.to_bytes().to_vec();
        p.resize(40 + usize::from(hdr.payload_length) + extra, 0x5A);
        let ip = Ipv6::new(&p[..]).unwrap();
        let ep = Ipv6HeaderSlice::from_slice(&p).unwrap();
        assert_same_header(&ip, &ep);
        if !ip.is_jumbogram() {
            prop_assert_eq!(ip.payload().len(), usize::from(hdr.payload_length));
        }
        // And wireview's builder writes what etherparse wrote.
        let ours = wireview::Ipv6Header {
            dscp: ip.dscp(), ecn: ip.ecn(), flow_label: ip.flow_label(),
            payload_len: ip.payload_len(), next_header: ip.next_header(),
            hop_limit: ip.hop_limit(), src: ip.src(), dst: ip.dst(),
        };
        let mut out = [0u8; 40];
        prop_assert_eq!(ours.emit(&mut out), Ok(40));
        prop_assert_eq!(&out[..], &p[..40]);
    }

    #[test]
    fn setters_are_seen_by_etherparse(
        hdr in ep_header(), tc: u8, dscp in 0u8..64, ecn in 0u8..4, flow in 0u32..=0xF_FFFF,
        len in 0u16..64, next: u8, hop: u8, src: [u8; 16], dst: [u8; 16],
    ) {
        let hdr = EpIpv6 { payload_length: 0, ..hdr };
        let mut p = hdr.to_bytes().to_vec();
        p.resize(40 + 64, 0);
        let reparse = |p: &[u8]| Ipv6HeaderSlice::from_slice(p).unwrap().to_header();

        let mut ip = Ipv6Mut::new(&mut p[..]).unwrap();
        ip.set_traffic_class(tc);
        prop_assert_eq!(reparse(&p).traffic_class, tc);
        let mut ip = Ipv6Mut::new(&mut p[..]).unwrap();
        ip.set_dscp(Dscp::new(dscp).unwrap());
        prop_assert_eq!(reparse(&p).dscp().value(), dscp);
        let mut ip = Ipv6Mut::new(&mut p[..]).unwrap();
        ip.set_ecn(Ecn::new(ecn).unwrap());
        prop_assert_eq!((reparse(&p).ecn().value(), reparse(&p).dscp().value()), (ecn, dscp));
        let mut ip = Ipv6Mut::new(&mut p[..]).unwrap();
        ip.set_flow_label(flow).unwrap();
        prop_assert_eq!(reparse(&p).flow_label.value(), flow);
        let mut ip = Ipv6Mut::new(&mut p[..]).unwrap();
        ip.set_payload_len(len).unwrap();
        prop_assert_eq!(reparse(&p).payload_length, len);
        let mut ip = Ipv6Mut::new(&mut p[..]).unwrap();
        ip.set_next_header(IpProtocol(next));
        prop_assert_eq!(reparse(&p).next_header.0, next);
        let mut ip = Ipv6Mut::new(&mut p[..]).unwrap();
        ip.set_hop_limit(hop);
        prop_assert_eq!(reparse(&p).hop_limit, hop);
        let mut ip = Ipv6Mut::new(&mut p[..]).unwrap();
        let expired = ip.decrement_hop_limit().is_expired();
        prop_assert_eq!(expired, hop <= 1);
        // Checked, then decremented: an expiring packet keeps its hop limit.
        prop_assert_eq!(reparse(&p).hop_limit, if hop <= 1 { hop } else { hop - 1 });
        let mut ip = Ipv6Mut::new(&mut p[..]).unwrap();
        // Only the field is compared here; the delta is tested below.
        let _ = ip.set_src(Ipv6Addr::from(src));
        prop_assert_eq!(reparse(&p).source, src);
        let mut ip = Ipv6Mut::new(&mut p[..]).unwrap();
        let _ = ip.set_dst(Ipv6Addr::from(dst));
        prop_assert_eq!(reparse(&p).destination, dst);
        prop_assert_eq!(reparse(&p).flow_label.value(), flow);
        prop_assert_eq!(reparse(&p).traffic_class, (dscp << 2) | ecn);
    }

    /// The Delta that set_src / set_dst return keeps a UDP checksum over
    /// IPv6 equal to what etherparse computes from scratch.
    #[test]
    fn address_deltas_keep_the_udp_checksum(
        hdr in ep_header(), payload in proptest::collection::vec(any::<u8>(), 0..40),
        sport: u16, dport: u16, src: [u8; 16], dst: [u8; 16], dst_first: bool,
    ) {
        let mut hdr = EpIpv6 { next_header: IpNumber::UDP, ..hdr };
        hdr.payload_length = (8 + payload.len()) as u16;
        let udp = UdpHeader::with_ipv6_checksum(sport, dport, &hdr, &payload).unwrap();
        let mut p = hdr.to_bytes().to_vec();
        p.extend_from_slice(&udp.to_bytes());
        p.extend_from_slice(&payload);

        let mut ip = Ipv6Mut::new(&mut p[..]).unwrap();
        let delta = if dst_first {
            ip.set_dst(dst.into()) + ip.set_src(src.into())
        } else {
            ip.set_src(src.into()) + ip.set_dst(dst.into())
        };
        let stored = u16::from_be_bytes([p[46], p[47]]);
        p[46..48].copy_from_slice(&delta.apply_udp(stored).to_be_bytes());

        let hdr = Ipv6HeaderSlice::from_slice(&p).unwrap().to_header();
        prop_assert_eq!((hdr.source, hdr.destination), (src, dst));
        let udp = UdpHeader::from_slice(&p[40..]).unwrap().0;
        prop_assert_eq!(udp.checksum, udp.calc_checksum_ipv6(&hdr, &payload).unwrap());
    }

    /// Chains in any order, written with etherparse's header types.
    #[test]
    fn chains_equal_etherparse((exts, upper) in chain(), tail in proptest::collection::vec(any::<u8>(), 0..16)) {
        let (mut bytes, first) = write_chain(&exts, upper);
        let chain_len = bytes.len();
        bytes.extend_from_slice(&tail);
        assert_same_chain(first, &bytes)?;
        let mut walk = ExtHeaders::new(first, &bytes);
        // The walk ends after a later fragment's header.
        let later = exts
            .iter()
            .position(|e| matches!(e, Ext::Fragment { offset, .. } if *offset != 0));
        let count = walk.by_ref().count();
        if let Some(at) = later {
            prop_assert_eq!(count, at + 1);
            prop_assert!(walk.is_later_fragment());
            return Ok(());
        }
        prop_assert_eq!(count, exts.len());
        prop_assert_eq!(walk.upper_layer(), (IpProtocol(upper), chain_len));
        // Every cut inside the chain fails in both.
        for cut in 0..chain_len {
            let ep_failed = Ipv6ExtensionsSlice::from_slice(IpNumber(first.0), &bytes[..cut]).is_err();
            let ours_failed = ExtHeaders::new(first, &bytes[..cut]).any(|r| r.is_err());
            prop_assert!(ep_failed && ours_failed, "cut at {}", cut);
        }
    }

    /// Chains in RFC 8200's order, built as an etherparse `Ipv6Extensions`
    /// behind an etherparse `Ipv6Header`, read through `Ipv6::ext_headers`.
    #[test]
    fn ipv6_extensions_equal_etherparse(
        hdr in ep_header(),
        hbh in proptest::option::of(raw_payload()),
        dest in proptest::option::of(raw_payload()),
        routing in proptest::option::of((raw_payload(), proptest::option::of(raw_payload()))),
        frag in proptest::option::of((0u16..0x2000, any::<bool>(), any::<u32>())),
        auth in proptest::option::of((any::<u32>(), any::<u32>(), 0usize..4)),
        upper in prop_oneof![Just(6u8), Just(17), Just(58), Just(59), Just(50)],
        payload in proptest::collection::vec(any::<u8>(), 0..24),
    ) {
        let raw = |p: &Vec<u8>| Ipv6RawExtHeader::new_raw(IpNumber(0), p).unwrap();
        let icv = [0xA5u8; 12];
        let mut exts = Ipv6Extensions {
            hop_by_hop_options: hbh.as_ref().map(raw),
            destination_options: dest.as_ref().map(raw),
            routing: routing.as_ref().map(|(r, fin)| Ipv6RoutingExtensions {
                routing: raw(r),
                final_destination_options: fin.as_ref().map(raw),
            }),
            fragment: frag.map(|(o, m, id)| EpFragment::new(IpNumber(0), IpFragOffset::try_new(o).unwrap(), m, id)),
            auth: auth.map(|(spi, seq, n)| IpAuthHeader::new(IpNumber(0), spi, seq, &icv[..4 * n]).unwrap()),
        };
        let first = exts.set_next_headers(IpNumber(upper));
        let mut chain = Vec::new();
        exts.write(&mut chain, first).unwrap();
        prop_assert_eq!(chain.len(), exts.header_len());
        let hdr = EpIpv6 {
            next_header: first,
            payload_length: (chain.len() + payload.len()) as u16,
            ..hdr
        };
        let mut p = hdr.to_bytes().to_vec();
        p.extend_from_slice(&chain);
        p.extend_from_slice(&payload);

        let ip = Ipv6::new(&p[..]).unwrap();
        assert_same_chain(ip.next_header(), ip.payload())?;
        let mut walk = ip.ext_headers();
        let kinds: Vec<_> = walk.by_ref().map(|e| e.unwrap().kind).collect();
        let mut want = Vec::new();
        if hbh.is_some() { want.push(Ipv6ExtKind::HopByHop); }
        if dest.is_some() { want.push(Ipv6ExtKind::Destination); }
        if let Some((_, fin)) = &routing { want.push(Ipv6ExtKind::Routing); if fin.is_some() { want.push(Ipv6ExtKind::Destination); } }
        if frag.is_some() { want.push(Ipv6ExtKind::Fragment); }
        if auth.is_some() { want.push(Ipv6ExtKind::Auth); }
        // etherparse writes the final destination options last.
        if let Some((_, Some(_))) = &routing {
            let at = want.iter().rposition(|k| *k == Ipv6ExtKind::Destination).unwrap();
            let d = want.remove(at);
            want.push(d);
        }
        // After a later fragment's header, the walk reads no more headers.
        if frag.is_some_and(|(offset, _, _)| offset != 0) {
            let at = want.iter().position(|k| *k == Ipv6ExtKind::Fragment).unwrap();
            want.truncate(at + 1);
            prop_assert_eq!(kinds, want);
            prop_assert!(walk.is_later_fragment());
            return Ok(());
        }
        prop_assert_eq!(kinds, want);
        prop_assert_eq!(walk.upper_layer(), (IpProtocol(upper), chain.len()));
        let (back, back_upper, _) = Ipv6Extensions::from_slice(first, ip.payload()).unwrap();
        prop_assert_eq!(back_upper.0, upper);
        prop_assert_eq!(back, exts);
    }

    #[test]
    fn extension_setters_are_seen_by_etherparse(
        next: u8, offset in 0u16..0x2000, more: bool, id: u32,
        spi: u32, seq: u32, segments_left: u8, routing_type: u8,
        raw in raw_payload(),
    ) {
        let mut f = EpFragment::new(IpNumber(0), IpFragOffset::ZERO, false, 0).to_bytes();
        let mut view = Ipv6Fragment::new(&mut f[..]).unwrap();
        view.set_next_header(IpProtocol(next));
        view.set_fragment_offset(offset).unwrap();
        view.set_more_fragments(more);
        view.set_identification(id);
        let s = Ipv6FragmentHeaderSlice::from_slice(&f).unwrap();
        prop_assert_eq!((s.next_header().0, s.fragment_offset().value(), s.more_fragments(), s.identification()),
                        (next, offset, more, id));

        let mut a = IpAuthHeader::new(IpNumber(0), 0, 0, &[1, 2, 3, 4]).unwrap().to_bytes();
        let mut view = Ipv6Auth::new(&mut a[..]).unwrap();
        view.set_next_header(IpProtocol(next));
        view.set_spi(spi);
        view.set_sequence_number(seq);
        let s = IpAuthHeaderSlice::from_slice(&a).unwrap();
        prop_assert_eq!((s.next_header().0, s.spi(), s.sequence_number(), s.raw_icv()),
                        (next, spi, seq, &[1u8, 2, 3, 4][..]));

        let mut r = Ipv6RawExtHeader::new_raw(IpNumber(0), &raw).unwrap().to_bytes();
        let mut view = Ipv6Routing::new(&mut r[..]).unwrap();
        view.set_next_header(IpProtocol(next));
        view.set_segments_left(segments_left);
        view.set_routing_type(wireview::Ipv6RoutingType(routing_type));
        let s = Ipv6RawExtHeaderSlice::from_slice(&r).unwrap();
        prop_assert_eq!(s.next_header().0, next);
        prop_assert_eq!((s.payload()[0], s.payload()[1]), (routing_type, segments_left));
        prop_assert_eq!(&s.payload()[2..], &raw[2..]);
    }
}
