//! Cross-checks of the tunnel views (VXLAN, GRE, MACsec) against
//! independent implementations.
//!
//! - MACsec: etherparse 0.21 has the SecTAG (`etherparse::MacsecHeader`),
//!   so generated SecTAGs are read by both and every getter is compared;
//!   after every setter etherparse re-parses and sees the new value; our
//!   builder's output parses in etherparse to the same fields.
//! - VXLAN and GRE: etherparse 0.21 has neither header (only the GRE IP
//!   protocol number). They are checked through what it does have: it
//!   builds and slices the outer Ethernet/IPv4/UDP or IPv4 layers, our view
//!   reads the payload it hands over, and after our VXLAN setters its UDP
//!   checksum computation agrees with the patched checksum. GRE checksums
//!   are checked against the `internet-checksum` crate, and both headers
//!   against hand-built known-answer vectors.

use etherparse::{
    EtherType, IpNumber, Ipv4Header, MacsecAn, MacsecHeader as EpMacsec, MacsecPType,
    MacsecShortLen, NetSlice, PacketBuilder, SlicedPacket, TransportSlice,
};
use proptest::prelude::*;
use wireview::macsec::{An, Tci};
use wireview::{
    Gre, GreHeader, GreMut, Macsec, MacsecHeader, MacsecMut, Sci, Vni, Vxlan, VxlanHeader, VxlanMut,
};

// ---------------------------------------------------------------- MACsec

/// An etherparse SecTAG and a whole frame (after 0x88E5) around it: the
/// SecTAG, Secure Data of `data_len` octets (starting with the EtherType
/// etherparse writes for unmodified data), a 16-octet ICV. The reserved
/// SL bits are set to `sl_reserved` in the frame (etherparse ignores them).
fn macsec_frame() -> impl Strategy<Value = (EpMacsec, Vec<u8>)> {
    (
        (0u8..4, any::<u16>(), any::<bool>(), any::<bool>(), 0u8..4),
        (any::<u32>(), any::<Option<u64>>(), 2usize..100, 0u8..4),
        any::<u8>(),
    )
        .prop_map(
            |((pt, et, es, scb, an), (pn, sci, data_len, sl_reserved), fill)| {
                let ptype = match pt {
                    0 => MacsecPType::Unmodified(EtherType(et)),
                    1 => MacsecPType::Modified,
                    2 => MacsecPType::Encrypted,
                    _ => MacsecPType::EncryptedUnmodified,
                };
                let sl = MacsecHeader::short_len_for(data_len);
                let hdr = EpMacsec {
                    ptype,
                    endstation_id: es,
                    scb,
                    an: MacsecAn::try_new(an).unwrap(),
                    short_len: MacsecShortLen::try_from_u8(sl).unwrap(),
                    packet_nr: pn,
                    sci,
                };
                let mut frame = hdr.to_bytes().to_vec();
                let sectag_len = 6 + if sci.is_some() { 8 } else { 0 };
                frame.resize(sectag_len + data_len + 16, fill);
                frame[1] |= sl_reserved << 6;
                (hdr, frame)
            },
        )
}

fn is_unmodified(h: &EpMacsec) -> bool {
    matches!(h.ptype, MacsecPType::Unmodified(_))
}

/// Every getter of ours equals etherparse's field.
fn assert_macsec_agrees(m: &Macsec<&[u8]>, ep: &EpMacsec) -> Result<(), TestCaseError> {
    prop_assert_eq!(m.an().value(), ep.an.value());
    prop_assert_eq!(m.end_station(), ep.endstation_id);
    prop_assert_eq!(m.single_copy_broadcast(), ep.scb);
    prop_assert_eq!(m.encryption(), ep.encrypted());
    prop_assert_eq!(m.changed_text(), ep.userdata_changed());
    prop_assert_eq!(m.short_len(), ep.short_len.value());
    prop_assert_eq!(m.pn(), ep.packet_nr);
    prop_assert_eq!(m.sci().map(u64::from), ep.sci);
    prop_assert_eq!(m.sci_present(), ep.sci.is_some());
    prop_assert_eq!(
        m.inner_ethertype().map(|e| e.0),
        ep.next_ether_type().map(|e| e.0)
    );
    // etherparse counts the inner EtherType into its header.
    let et_len = if is_unmodified(ep) { 2 } else { 0 };
    prop_assert_eq!(m.header_len() + et_len, ep.header_len());
    if let Some(n) = ep.expected_payload_len() {
        let data = m.inner_payload().unwrap_or_else(|| m.secure_data());
        prop_assert_eq!(data.len(), n);
    }
    Ok(())
}

#[test]
fn macsec_ieee_vectors_agree() {
    // 802.1AE test vectors 2.1.1 (SC, integrity only, SL 42) and 2.4.1
    // (ES, encrypted, SL 42), SecTAG to ICV; the data bytes do not matter
    // to either parser.
    let mut auth = vec![
        0x22, 0x2a, 0xb2, 0xc2, 0x84, 0x65, 0x12, 0x15, 0x35, 0x24, 0xc0, 0x89, 0x5e, 0x81, 0x08,
        0x00,
    ];
    auth.resize(14 + 42 + 16, 0x0f);
    let mut enc = vec![0x4c, 0x2a, 0x76, 0xd4, 0x57, 0xed];
    enc.resize(6 + 42 + 16, 0x13);
    for frame in [auth, enc] {
        let ep = EpMacsec::from_slice(&frame).unwrap();
        let m = Macsec::new(&frame[..]).unwrap();
        assert_macsec_agrees(&m, &ep).unwrap();
    }
}

proptest! {
    #[test]
    fn macsec_getters_equal_etherparse((ep, frame) in macsec_frame()) {
        prop_assert_eq!(EpMacsec::from_slice(&frame).unwrap(), ep.clone());
        let m = Macsec::new(&frame[..]).unwrap();
        assert_macsec_agrees(&m, &ep)?;
    }

    #[test]
    fn macsec_setters_are_seen_by_etherparse(
        (ep, mut frame) in macsec_frame(), an in 0u8..4, pn: u32, sci: u64, sl in 0u8..64,
    ) {
        let mut m = MacsecMut::new(&mut frame[..]).unwrap();
        m.set_an(An::new(an).unwrap());
        m.set_pn(pn);
        prop_assert_eq!(m.set_sci(Sci(sci)).is_ok(), ep.sci.is_some());
        let sl_ok = m.set_short_len(sl).is_ok();
        let new_sl = if sl_ok { sl } else { ep.short_len.value() };
        let again = EpMacsec::from_slice(&frame).unwrap();
        prop_assert_eq!(again.an.value(), an);
        prop_assert_eq!(again.packet_nr, pn);
        prop_assert_eq!(again.sci, ep.sci.map(|_| sci));
        prop_assert_eq!(again.short_len.value(), new_sl);
        prop_assert_eq!(again.ptype, ep.ptype);
        prop_assert_eq!((again.endstation_id, again.scb), (ep.endstation_id, ep.scb));
        let m = Macsec::new(&frame[..]).unwrap();
        assert_macsec_agrees(&m, &again)?;
    }

    #[test]
    fn macsec_emit_parses_in_etherparse(
        tci: u8, an in 0u8..4, pn: u32, sci: Option<u64>, data_len in 2usize..80, et: u16,
    ) {
        let hdr = MacsecHeader {
            tci: Tci::from_bits_retain(tci),
            an: An::new(an).unwrap(),
            short_len: MacsecHeader::short_len_for(data_len),
            pn,
            sci: sci.map(Sci),
        };
        let mut frame = vec![0u8; hdr.header_len() + data_len + 16];
        let n = hdr.emit(&mut frame).unwrap();
        frame[n..n + 2].copy_from_slice(&et.to_be_bytes());
        let ep = EpMacsec::from_slice(&frame).unwrap();
        prop_assert_eq!(ep.endstation_id, tci & 0x40 != 0);
        prop_assert_eq!(ep.scb, tci & 0x10 != 0);
        prop_assert_eq!(ep.encrypted(), tci & 0x08 != 0);
        prop_assert_eq!(ep.userdata_changed(), tci & 0x04 != 0);
        prop_assert_eq!((ep.an.value(), ep.packet_nr, ep.sci), (an, pn, sci));
        prop_assert_eq!(usize::from(ep.short_len.value()), if data_len < 48 { data_len } else { 0 });
        if tci & 0x0c == 0 {
            prop_assert_eq!(ep.next_ether_type(), Some(EtherType(et)));
        }
        assert_macsec_agrees(&Macsec::new(&frame[..]).unwrap(), &ep)?;
    }

    /// On arbitrary bytes: what we accept, etherparse accepts with the same
    /// fields; what etherparse rejects for its content (version bit, SL 1
    /// with unmodified data), we reject too.
    #[test]
    fn macsec_arbitrary_bytes(frame in proptest::collection::vec(any::<u8>(), 0..90)) {
        let ours = Macsec::new(&frame[..]);
        match EpMacsec::from_slice(&frame) {
            Ok(ep) => if let Ok(m) = ours { assert_macsec_agrees(&m, &ep)?; },
            // Content errors, and length errors: we need at least as much.
            Err(_) => prop_assert!(ours.is_err()),
        }
    }
}

// ----------------------------------------------------------------- VXLAN

/// Ethernet/IPv4/UDP to port 4789 built by etherparse, around our VXLAN
/// header and an inner frame.
fn vxlan_packet(vni: Vni, inner: &[u8]) -> Vec<u8> {
    let mut payload = vec![0u8; 8 + inner.len()];
    VxlanHeader { vni }.emit(&mut payload).unwrap();
    payload[8..].copy_from_slice(inner);
    let builder = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4([192, 0, 2, 1], [198, 51, 100, 1], 64)
        .udp(49152, wireview::vxlan::UDP_PORT);
    let mut out = Vec::with_capacity(builder.size(payload.len()));
    builder.write(&mut out, &payload).unwrap();
    out
}

/// The UDP checksum etherparse computes for the packet, and the stored one.
fn udp_checksums(packet: &[u8]) -> (u16, u16) {
    let sliced = SlicedPacket::from_ethernet(packet).unwrap();
    let Some(NetSlice::Ipv4(ip)) = &sliced.net else {
        panic!("not IPv4")
    };
    let Some(TransportSlice::Udp(udp)) = &sliced.transport else {
        panic!("not UDP")
    };
    let computed = udp
        .to_header()
        .calc_checksum_ipv4(&ip.header().to_header(), udp.payload())
        .unwrap();
    (computed, udp.checksum())
}

/// Offset of the UDP payload (the VXLAN header) in [`vxlan_packet`]s.
const VXLAN_AT: usize = 14 + 20 + 8;
const UDP_CSUM_AT: usize = 14 + 20 + 6;

#[test]
fn vxlan_known_answer_in_an_etherparse_packet() {
    // VNI 5000 (0x001388): 08 000000 001388 00.
    let p = vxlan_packet(Vni::new(5000).unwrap(), &[0xab; 14]);
    assert_eq!(
        p[VXLAN_AT..VXLAN_AT + 8],
        [0x08, 0, 0, 0, 0x00, 0x13, 0x88, 0]
    );
    let sliced = SlicedPacket::from_ethernet(&p).unwrap();
    let Some(TransportSlice::Udp(udp)) = &sliced.transport else {
        panic!("not UDP")
    };
    assert_eq!(udp.destination_port(), 4789);
    let vx = Vxlan::new(udp.payload()).unwrap();
    assert_eq!((vx.i_flag(), vx.vni().value()), (true, 5000));
    assert_eq!(vx.payload(), &[0xab; 14]);
    let (computed, stored) = udp_checksums(&p);
    assert_eq!(computed, stored);
}

proptest! {
    #[test]
    fn vxlan_setter_deltas_agree_with_etherparse_udp_checksum(
        vni in 0u32..=Vni::MAX, inner in proptest::collection::vec(any::<u8>(), 0..60),
        ops in proptest::collection::vec((0u8..5, any::<u32>()), 1..8),
    ) {
        let mut p = vxlan_packet(Vni::new(vni).unwrap(), &inner);
        for (which, v) in ops {
            let mut vx = VxlanMut::new(&mut p[VXLAN_AT..]).unwrap();
            let d = match which {
                0 => vx.set_vni(Vni::new(v & Vni::MAX).unwrap()),
                1 => vx.set_flags(v as u8),
                2 => vx.set_i_flag(v & 1 == 1),
                3 => vx.set_reserved1(v),
                _ => vx.set_reserved2(v as u8),
            };
            let old = u16::from_be_bytes([p[UDP_CSUM_AT], p[UDP_CSUM_AT + 1]]);
            p[UDP_CSUM_AT..UDP_CSUM_AT + 2].copy_from_slice(&d.apply_udp(old).to_be_bytes());
            let (computed, stored) = udp_checksums(&p);
            prop_assert_eq!(computed, stored);
            if which == 0 {
                prop_assert_eq!(Vxlan::new(&p[VXLAN_AT..]).unwrap().vni().value(), v & Vni::MAX);
            }
        }
    }
}

// ------------------------------------------------------------------- GRE

/// IPv4 (built by etherparse, protocol 47) around a GRE packet.
fn ipv4_gre(gre: &[u8]) -> Vec<u8> {
    let mut ip = Ipv4Header::new(
        gre.len() as u16,
        64,
        IpNumber::GRE,
        [192, 0, 2, 1],
        [198, 51, 100, 1],
    )
    .unwrap();
    ip.header_checksum = ip.calc_header_checksum();
    let mut out = ip.to_bytes().to_vec();
    out.extend_from_slice(gre);
    out
}

/// The GRE checksum of a packet is right by the `internet-checksum` crate.
fn independent_ok(gre: &[u8]) -> bool {
    internet_checksum::checksum(gre) == [0, 0]
}

#[test]
fn gre_known_answer_through_etherparse_and_internet_checksum() {
    // C K S, protocol IPv4, checksum 0x479a, key 100, sequence 1, then the
    // IPv4 header 45000030 44224000 8006442e 8c7c19ac ae241e2b.
    let gre: [u8; 36] = [
        0xb0, 0x00, 0x08, 0x00, 0x47, 0x9a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00,
        0x01, 0x45, 0x00, 0x00, 0x30, 0x44, 0x22, 0x40, 0x00, 0x80, 0x06, 0x44, 0x2e, 0x8c, 0x7c,
        0x19, 0xac, 0xae, 0x24, 0x1e, 0x2b,
    ];
    let mut zeroed = gre;
    zeroed[4..6].fill(0);
    assert_eq!(internet_checksum::checksum(&zeroed), [0x47, 0x9a]);
    let p = ipv4_gre(&gre);
    let sliced = SlicedPacket::from_ip(&p).unwrap();
    let payload = sliced.ip_payload().unwrap();
    assert_eq!(payload.ip_number, IpNumber::GRE);
    let g = Gre::new(payload.payload).unwrap();
    assert_eq!(g.protocol_type(), wireview::EtherType::IPV4);
    assert_eq!(
        (g.checksum(), g.key(), g.seq()),
        (Some(0x479a), Some(100), Some(1))
    );
    assert_eq!(g.verify_checksum(), Some(true));
    assert!(independent_ok(g.packet()));
}

#[derive(Debug, Clone)]
enum GreOp {
    Protocol(u16),
    Key(u32),
    Seq(u32),
    KeyPresent(bool),
    SeqPresent(bool),
    ChecksumPresent(bool),
}

fn gre_op() -> impl Strategy<Value = GreOp> {
    prop_oneof![
        any::<u16>().prop_map(GreOp::Protocol),
        any::<u32>().prop_map(GreOp::Key),
        any::<u32>().prop_map(GreOp::Seq),
        any::<bool>().prop_map(GreOp::KeyPresent),
        any::<bool>().prop_map(GreOp::SeqPresent),
        any::<bool>().prop_map(GreOp::ChecksumPresent),
    ]
}

proptest! {
    #[test]
    fn gre_checksum_agrees_with_internet_checksum_after_every_setter(
        proto: u16, c: bool, key: Option<u32>, seq: Option<u32>,
        payload in proptest::collection::vec(any::<u8>(), 0..80),
        ops in proptest::collection::vec(gre_op(), 1..12),
    ) {
        let hdr = GreHeader { protocol_type: wireview::EtherType(proto), checksum: c, key, seq };
        let len = hdr.header_len() + payload.len();
        let mut buf = vec![0u8; 16 + payload.len()];
        let n = hdr.emit(&mut buf).unwrap();
        buf[n..len].copy_from_slice(&payload);
        let mut g = GreMut::new_with_len(&mut buf[..], len).unwrap();
        g.fill_checksum();
        for op in ops {
            match op {
                GreOp::Protocol(v) => g.set_protocol_type(wireview::EtherType(v)),
                GreOp::Key(v) => { let _ = g.set_key(v); }
                GreOp::Seq(v) => { let _ = g.set_seq(v); }
                GreOp::KeyPresent(on) => { let _ = g.set_key_present(on); }
                GreOp::SeqPresent(on) => { let _ = g.set_seq_present(on); }
                GreOp::ChecksumPresent(on) => { let _ = g.set_checksum_present(on); }
            }
            prop_assert_eq!(g.payload(), &payload[..]);
            if g.checksum_present() {
                prop_assert!(independent_ok(g.packet()));
            }
            // Inside an etherparse-built IPv4 packet, the view reads back
            // what etherparse hands over as the GRE payload.
            let p = ipv4_gre(g.packet());
            let sliced = SlicedPacket::from_ip(&p).unwrap();
            let inner = Gre::new(sliced.ip_payload().unwrap().payload).unwrap();
            prop_assert_eq!((inner.key(), inner.seq(), inner.checksum()), (g.key(), g.seq(), g.checksum()));
            prop_assert_eq!(inner.protocol_type(), g.protocol_type());
        }
    }
}
