//! Reading and rewriting capture files with the `pcap-file` crate: classic
//! pcap (microsecond and nanosecond magic, either byte order) and pcapng.
//!
//! The whole file is read into memory and parsed from the slice. Classic
//! pcap records are read raw, so a record whose lengths disagree with the
//! file's snap length (tcpdump's crafted captures have some) is still
//! dissected, and a rewritten file keeps every header field and timestamp
//! bit for bit.

use std::borrow::Cow;

use pcap_file::pcap::{PcapParser, PcapWriter, RawPcapPacket};
use pcap_file::pcapng::Block;
use pcap_file::pcapng::{PcapNgParser, PcapNgWriter};
use pcap_file::{DataLink, PcapError};

/// The link type of Ethernet frames (LINKTYPE_ETHERNET).
pub const LINKTYPE_ETHERNET: u32 = 1;

/// One packet of a capture.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// The link type of the interface the packet was captured on.
    pub linktype: u32,
    /// The captured bytes.
    pub data: &'a [u8],
}

/// Why a capture could not be read or written.
#[derive(Debug)]
pub struct CaptureError(String);

impl std::fmt::Display for CaptureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn describe(e: &PcapError) -> String {
    match e {
        PcapError::IncompleteBuffer => "the file ends in the middle of a record".to_owned(),
        other => other.to_string(),
    }
}

/// The link type of a classic pcap header's LinkType field: its low 16
/// bits. The upper bits carry other information (libpcap's `LT_LINKTYPE`;
/// tcpdump's `bootp_asan.pcap` has 0x04000001, "FCS length present, 0
/// bytes", on Ethernet).
fn link_type(field: DataLink) -> u32 {
    u32::from(field) & 0xFFFF
}

/// Which of the two formats a file is in, once its header parsed.
enum Parser {
    Pcap(PcapParser),
    PcapNg(PcapNgParser),
}

/// Parses the file header. Classic pcap is tried first, then pcapng.
fn open(bytes: &[u8]) -> Result<(&[u8], Parser), CaptureError> {
    match PcapParser::new(bytes) {
        Ok((rest, p)) => Ok((rest, Parser::Pcap(p))),
        Err(PcapError::IncompleteBuffer) if bytes.len() < 24 => Err(CaptureError(
            "not a pcap or pcapng file (too short for a file header)".to_owned(),
        )),
        Err(_) => match PcapNgParser::new(bytes) {
            Ok((rest, p)) => Ok((rest, Parser::PcapNg(p))),
            Err(_) => Err(CaptureError(
                "not a pcap or pcapng file (unknown magic number)".to_owned(),
            )),
        },
    }
}

/// The link type of the interface a pcapng packet names, if the section
/// described one.
fn interface_linktype(parser: &PcapNgParser, interface: usize) -> Option<u32> {
    parser
        .interfaces()
        .get(interface)
        .map(|i| u32::from(i.linktype))
}

/// Calls `f` on every packet of the capture in `bytes`, in file order.
/// Packets of a pcapng interface that was never described get link type
/// `u32::MAX`.
///
/// # Errors
/// When the file is neither pcap nor pcapng, or a record is malformed or
/// cut short (the packets before it have been passed to `f`).
pub fn for_each_packet(bytes: &[u8], mut f: impl FnMut(Record<'_>)) -> Result<(), CaptureError> {
    let (mut rest, parser) = open(bytes)?;
    match parser {
        Parser::Pcap(parser) => {
            let linktype = link_type(parser.header().datalink);
            while !rest.is_empty() {
                let (next, raw) = parser.next_raw_packet(rest).map_err(|e| record_error(&e))?;
                f(Record {
                    linktype,
                    data: &raw.data,
                });
                rest = next;
            }
        }
        Parser::PcapNg(mut parser) => {
            while !rest.is_empty() {
                let (next, block) = parser.next_block(rest).map_err(|e| record_error(&e))?;
                let packet = match &block {
                    Block::EnhancedPacket(b) => Some((b.interface_id as usize, &b.data)),
                    Block::SimplePacket(b) => Some((0, &b.data)),
                    Block::Packet(b) => Some((usize::from(b.interface_id), &b.data)),
                    _ => None,
                };
                if let Some((interface, data)) = packet {
                    let linktype = interface_linktype(&parser, interface).unwrap_or(u32::MAX);
                    f(Record { linktype, data });
                }
                rest = next;
            }
        }
    }
    Ok(())
}

fn record_error(e: &PcapError) -> CaptureError {
    CaptureError(format!("bad record: {}", describe(e)))
}

fn write_error(e: &PcapError) -> CaptureError {
    CaptureError(format!("cannot write: {}", describe(e)))
}

/// Copies the capture in `bytes` to a new file image in the same format
/// (same header, byte order, timestamp resolution, link types, timestamps
/// and lengths), letting `f` change each packet's bytes in place first.
///
/// # Errors
/// As [`for_each_packet`].
pub fn rewrite_packets(
    bytes: &[u8],
    mut f: impl FnMut(u32, &mut [u8]),
) -> Result<Vec<u8>, CaptureError> {
    let (mut rest, parser) = open(bytes)?;
    match parser {
        Parser::Pcap(parser) => {
            let header = parser.header();
            let linktype = link_type(header.datalink);
            let mut writer =
                PcapWriter::with_header(Vec::new(), header).map_err(|e| write_error(&e))?;
            while !rest.is_empty() {
                let (next, raw) = parser.next_raw_packet(rest).map_err(|e| record_error(&e))?;
                let mut data = raw.data.into_owned();
                f(linktype, &mut data);
                let out = RawPcapPacket {
                    data: Cow::Owned(data),
                    ..raw
                };
                writer.write_raw_packet(&out).map_err(|e| write_error(&e))?;
                rest = next;
            }
            Ok(writer.into_writer())
        }
        Parser::PcapNg(mut parser) => {
            let section = parser.section().clone();
            let mut writer = PcapNgWriter::with_section_header(Vec::new(), section)
                .map_err(|e| write_error(&e))?;
            while !rest.is_empty() {
                let (next, mut block) = parser.next_block(rest).map_err(|e| record_error(&e))?;
                let packet = match &mut block {
                    Block::EnhancedPacket(b) => Some((b.interface_id as usize, &mut b.data)),
                    Block::SimplePacket(b) => Some((0, &mut b.data)),
                    Block::Packet(b) => Some((usize::from(b.interface_id), &mut b.data)),
                    _ => None,
                };
                if let Some((interface, data)) = packet {
                    let linktype = interface_linktype(&parser, interface).unwrap_or(u32::MAX);
                    f(linktype, data.to_mut());
                }
                writer.write_block(&block).map_err(|e| write_error(&e))?;
                rest = next;
            }
            Ok(writer.into_inner())
        }
    }
}

/// A classic pcap file image (microsecond timestamps, little-endian, snap
/// length 65535) with link type `linktype`, holding `packets` as (seconds,
/// microseconds, captured bytes, length on the wire).
///
/// # Panics
/// When a packet is 4 GiB or more.
pub fn pcap_file(linktype: u32, packets: &[(u32, u32, &[u8], usize)]) -> Vec<u8> {
    let header = pcap_file::pcap::PcapHeader {
        datalink: DataLink::from(linktype),
        endianness: pcap_file::Endianness::Little,
        ..Default::default()
    };
    let mut writer =
        PcapWriter::with_header(Vec::new(), header).expect("writing to a Vec cannot fail");
    for &(ts_sec, ts_frac, data, wire) in packets {
        let incl_len = u32::try_from(data.len()).expect("packet below 4 GiB");
        let orig_len = u32::try_from(wire).expect("packet below 4 GiB");
        let raw = RawPcapPacket {
            ts_sec,
            ts_frac,
            incl_len,
            orig_len,
            data: Cow::Borrowed(data),
        };
        writer
            .write_raw_packet(&raw)
            .expect("writing to a Vec cannot fail");
    }
    writer.into_writer()
}
