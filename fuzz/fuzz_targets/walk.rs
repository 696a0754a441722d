//! The walker over arbitrary bytes, read as an Ethernet frame and as a bare
//! IP packet.
//!
//! - at most `MAX_LAYERS` layers; every layer inside the buffer with
//!   `start <= start + header_len <= end`; each layer starts at or after
//!   the end of the previous one's header and ends no later than it (the
//!   layers are nested);
//! - a walk into a reused `Layers` (`Walker::ethernet_into`/`ip_into`)
//!   gives what a fresh walk gives;
//! - the typed view of every layer (`Layers::view`, `view_mut`) succeeds:
//!   the walk accepted that header, so its view must too; IPv6 extension
//!   layers are read again with their own views;
//! - `FlowKey`, `tunnel::decap` and the lookups (`find`, `enclosing_ip`)
//!   never panic, and a decapsulated inner range lies in the buffer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wireview::flow::FlowKey;
use wireview::ipv6_ext::Ipv6ExtKind;
use wireview::tunnel;
use wireview::walk::{LayerKind, Layers, Walker, Which, MAX_LAYERS};
use wireview::{
    Arp, ArpMut, Error, Ethernet, EthernetMut, ExtHeaders, Gre, GreMut, Icmpv4, Icmpv4Mut, Icmpv6,
    Icmpv6Mut, Ipv4, Ipv4Mut, Ipv6, Ipv6Auth, Ipv6Fragment, Ipv6Mut, Ipv6Routing, Macsec,
    MacsecMut, Tcp, TcpMut, Udp, UdpMut, VlanTag, VlanTagMut, Vxlan, VxlanMut,
};

fn check(buf: &[u8], layers: &Layers) {
    assert!(layers.len() <= MAX_LAYERS);
    assert_eq!(layers.iter().count(), layers.len());
    assert_eq!(layers.is_empty(), layers.iter().next().is_none());
    assert_eq!(layers.last(), layers.get(layers.len().wrapping_sub(1)));
    if let Some(e) = layers.error() {
        let _ = e.to_string();
    }
    let mut prev: Option<wireview::walk::Layer> = None;
    for (i, l) in layers.iter().enumerate() {
        assert_eq!(layers.get(i), Some(l));
        assert!(l.start <= l.start + l.header_len, "{l:?}");
        assert!(l.start + l.header_len <= l.end, "{l:?}");
        assert!(l.end <= buf.len(), "{l:?} in {} bytes", buf.len());
        if let Some(p) = prev {
            assert!(l.start >= p.start + p.header_len, "{l:?} after {p:?}");
            assert!(l.end <= p.end, "{l:?} inside {p:?}");
        }
        // Only the innermost layer can be the undissected rest.
        assert!(l.kind != LayerKind::Payload || i + 1 == layers.len());
        if let Some(ip) = layers.enclosing_ip(i) {
            assert!(ip < i && layers.get(ip).unwrap().kind.is_ip());
        }
        // A quoted datagram is read laxly (a quoted TCP header may be only
        // its first 8 bytes): its views may refuse it.
        if !layers.is_quoted(i) {
            view_layer(buf, layers, i, l.kind);
        }
        prev = Some(l);
    }
    for (i, l) in layers.iter().enumerate() {
        let (outer, inner) = if layers.is_quoted(i) {
            (
                layers.find_quoted(l.kind, Which::Outermost).unwrap(),
                layers.find_quoted(l.kind, Which::Innermost).unwrap(),
            )
        } else {
            (
                layers.find(l.kind, Which::Outermost).unwrap(),
                layers.find(l.kind, Which::Innermost).unwrap(),
            )
        };
        assert!(outer <= i && i <= inner);
        assert_eq!(layers.get(outer).unwrap().kind, l.kind);
        assert_eq!(layers.is_quoted(outer), layers.is_quoted(i));
    }
}

/// The view of layer `i` of the kind the walk found there must accept it,
/// read-only and mutable alike.
fn view_layer(buf: &[u8], layers: &Layers, i: usize, kind: LayerKind) {
    fn ok<T>(r: Result<T, Error>, kind: LayerKind, i: usize) {
        if let Err(e) = r {
            panic!("layer {i} ({kind:?}) walked but its view refuses it: {e}");
        }
    }
    let mut copy = buf.to_vec();
    let m = &mut copy[..];
    match kind {
        LayerKind::Ethernet => {
            ok(layers.view::<Ethernet<&[u8]>>(buf, i), kind, i);
            ok(layers.view_mut::<EthernetMut>(m, i), kind, i);
        }
        LayerKind::Vlan => {
            ok(layers.view::<VlanTag<&[u8]>>(buf, i), kind, i);
            ok(layers.view_mut::<VlanTagMut>(m, i), kind, i);
        }
        LayerKind::Arp => {
            ok(layers.view::<Arp<&[u8]>>(buf, i), kind, i);
            ok(layers.view_mut::<ArpMut>(m, i), kind, i);
        }
        LayerKind::Ipv4 => {
            ok(layers.view::<Ipv4<&[u8]>>(buf, i), kind, i);
            ok(layers.view_mut::<Ipv4Mut>(m, i), kind, i);
        }
        LayerKind::Ipv6 => {
            ok(layers.view::<Ipv6<&[u8]>>(buf, i), kind, i);
            ok(layers.view_mut::<Ipv6Mut>(m, i), kind, i);
        }
        LayerKind::Udp => {
            ok(layers.view::<Udp<&[u8]>>(buf, i), kind, i);
            ok(layers.view_mut::<UdpMut>(m, i), kind, i);
        }
        LayerKind::Tcp => {
            ok(layers.view::<Tcp<&[u8]>>(buf, i), kind, i);
            ok(layers.view_mut::<TcpMut>(m, i), kind, i);
        }
        LayerKind::Icmpv4 => {
            ok(layers.view::<Icmpv4<&[u8]>>(buf, i), kind, i);
            ok(layers.view_mut::<Icmpv4Mut>(m, i), kind, i);
        }
        LayerKind::Icmpv6 => {
            ok(layers.view::<Icmpv6<&[u8]>>(buf, i), kind, i);
            ok(layers.view_mut::<Icmpv6Mut>(m, i), kind, i);
        }
        LayerKind::Vxlan => {
            ok(layers.view::<Vxlan<&[u8]>>(buf, i), kind, i);
            ok(layers.view_mut::<VxlanMut>(m, i), kind, i);
        }
        LayerKind::Gre => {
            ok(layers.view::<Gre<&[u8]>>(buf, i), kind, i);
            ok(layers.view_mut::<GreMut>(m, i), kind, i);
        }
        LayerKind::Macsec => {
            ok(layers.view::<Macsec<&[u8]>>(buf, i), kind, i);
            ok(layers.view_mut::<MacsecMut>(m, i), kind, i);
        }
        LayerKind::Ipv6Ext(ext) => {
            // No `LayerView` for these: the header bytes through the
            // chain reader and the kind's own view.
            let l = layers.get(i).unwrap();
            let h = &buf[l.header_range()];
            let read = ExtHeaders::new(ext.protocol(), h).next();
            match read {
                Some(Ok(e)) => assert_eq!((e.kind, e.len()), (ext, h.len())),
                other => panic!("layer {i} ({kind:?}) walked but reads as {other:?}"),
            }
            match ext {
                Ipv6ExtKind::Routing => ok(Ipv6Routing::new(h), kind, i),
                Ipv6ExtKind::Fragment => ok(Ipv6Fragment::new(h), kind, i),
                Ipv6ExtKind::Auth => ok(Ipv6Auth::new(h), kind, i),
                Ipv6ExtKind::HopByHop | Ipv6ExtKind::Destination => {}
            }
        }
        // Undissected bytes have no view; any other view refuses them.
        LayerKind::Payload => {
            assert!(layers.view::<Udp<&[u8]>>(buf, i).is_err());
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let eth = Layers::from_ethernet(data);
    check(data, &eth);
    let ip = Layers::from_ip(data);
    check(data, &ip);

    // A reused `Layers` holds what a fresh walk gives, whatever it held.
    let walker = Walker::new();
    let mut reused = ip.clone();
    walker.ethernet_into(data, &mut reused);
    assert!(reused.iter().eq(eth.iter()) && reused.error() == eth.error());
    walker.ip_into(data, &mut reused);
    assert!(reused.iter().eq(ip.iter()) && reused.error() == ip.error());

    // Extra VXLAN ports: the first two bytes name one.
    if let [a, b, ..] = *data {
        let walker = Walker::new().with_vxlan_port(u16::from_be_bytes([a, b]));
        check(data, &walker.ethernet(data));
        check(data, &walker.ip(data));
    }

    if let Some(key) = FlowKey::from_ethernet(data) {
        assert_eq!(key.reversed().reversed(), key);
        assert_eq!(key.symmetric_hash(7), key.reversed().symmetric_hash(7));
        let _ = key.hash(0);
    }
    // Flow keys read with the capture walk.
    let capture = Layers::from_ethernet_capture(data);
    check(data, &capture);
    assert_eq!(
        FlowKey::from_layers(data, &capture),
        FlowKey::from_ethernet(data)
    );
    // The strict walk refuses whatever the capture walk calls malformed.
    if capture.error().is_some() && !capture.is_cut_short() {
        assert!(eth.error().is_some());
    }
    let _ = FlowKey::from_ip(data);
    match tunnel::decap(data) {
        Ok(d) => assert!(data.get(d.inner).is_some()),
        Err(e) => {
            let _ = e.to_string();
        }
    }
    // Decapsulate the outermost IP datagram of the frame too.
    if let Some(l) = eth.iter().find(|l| l.kind.is_ip()) {
        let packet = &data[l.start..];
        if let Ok(d) = tunnel::decap(packet) {
            assert!(packet.get(d.inner).is_some());
        }
    }
});
