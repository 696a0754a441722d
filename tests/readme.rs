//! The README's Quick start is the body of a `fn main() -> Result<(),
//! wireview::Error>`, as the README says: this file pastes it into one and
//! runs it, and checks that the README still holds exactly this code. (The
//! crate docs include the README, so it is a doctest too.)

#[rustfmt::skip] // As the README has it.
fn quick_start() -> Result<(), wireview::Error> {
    // BEGIN QUICK START
    use core::net::Ipv4Addr;
    use wireview::{Ipv4, Ipv4Mut, Packet, Udp};
    use wireview::walk::{LayerKind, Which};

    // A 20-byte IPv4 header with a valid checksum.
    let mut hdr = [0x45, 0x00, 0x00, 0x14, 0x44, 0x22, 0x40, 0x00, 0x80, 0x06, 0x44, 0x4a,
                   0x8c, 0x7c, 0x19, 0xac, 0xae, 0x24, 0x1e, 0x2b];
    let mut ip = Ipv4Mut::new(&mut hdr[..])?;
    ip.set_ttl(64);                   // the header checksum follows, in O(1)
    assert!(ip.verify_checksum());

    // A whole frame: Ethernet / IPv4 / UDP, checksums valid.
    let mut frame = [
        0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
        0x45, 0, 0, 30, 0, 0, 0x40, 0, 64, 17, 0x26, 0xcd, 10, 0, 0, 1, 10, 0, 0, 2,
        0x30, 0x39, 0x00, 0x35, 0x00, 0x0a, 0x53, 0x00, b'h', b'i',
    ];
    let mut pkt = Packet::from_ethernet(&mut frame[..])?; // refuses malformed frames
    let i = pkt.layers().find(LayerKind::Ipv4, Which::Outermost).unwrap();
    pkt.set_ipv4_src(i, Ipv4Addr::new(192, 0, 2, 7))?; // NAT: IPv4 and UDP checksums both follow

    let ip = Ipv4::new(&frame[14..])?;
    let udp = Udp::new(ip.payload())?;
    assert!(ip.verify_checksum() && udp.verify_checksum_ipv4(ip.src(), ip.dst()));
    Ok::<(), wireview::Error>(())
    // END QUICK START
}

#[test]
fn quick_start_runs() {
    quick_start().unwrap();
}

#[test]
fn the_readme_holds_this_quick_start() {
    let readme = include_str!("../README.md");
    let at = readme
        .find("## Quick start")
        .expect("a Quick start section");
    let start = at + readme[at..].find("```rust\n").expect("a rust block") + "```rust\n".len();
    let end = start + readme[start..].find("```").expect("the block's end");
    let this = include_str!("readme.rs");
    let (b, e) = ("// BEGIN QUICK START\n", "    // END QUICK START");
    let from = this.find(b).unwrap() + b.len();
    let to = this.find(e).unwrap();
    let mut pasted = String::new();
    for line in this[from..to].lines() {
        pasted.push_str(line.strip_prefix("    ").unwrap_or(line));
        pasted.push('\n');
    }
    assert_eq!(readme[start..end], pasted);
}
