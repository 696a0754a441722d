//! Reading and rewriting capture files, packet by packet: classic pcap
//! (microsecond and nanosecond magic, either byte order) and pcapng, parsed
//! by the `pcap-parser` crate from a bounded buffer, so memory stays the same
//! whatever the file's size.
//!
//! A [`Reader`] hands out every record (pcap) or block (pcapng) as its raw
//! bytes, with the range of the packet data inside it when it holds a packet.
//! A rewrite changes packet bytes in place in that copy and writes the record
//! or block out as it is: same format, byte order, header, link types,
//! timestamps (with their resolution), lengths, options and comments, bit for
//! bit; only the packet bytes the edit changed differ. pcapng stays pcapng.
//!
//! What it reads as tshark does, where `pcap-file` did not: a pcapng Simple
//! Packet Block's captured length is the original length, bounded by the
//! interface's snap length and the block, never its padding; an option of any
//! length (a 1-byte interface option included) is skipped by its length; a
//! comment need not be UTF-8 (options are not decoded at all). Classic pcap
//! records are read by their own lengths, so a record whose length exceeds the
//! file's snap length (tcpdump's crafted captures have some) is still read.

use std::io::{Read, Write};
use std::ops::Range;

use pcap_parser::pcapng::Block as NgBlock;
use pcap_parser::traits::{PcapNGPacketBlock, PcapReaderIterator};
use pcap_parser::{PcapBlockOwned, PcapError};

/// The link type of Ethernet frames (LINKTYPE_ETHERNET).
pub const LINKTYPE_ETHERNET: u32 = 1;

/// The link type given to packets of a pcapng interface that was never
/// described.
pub const LINKTYPE_UNKNOWN: u32 = u32::MAX;

/// The read buffer's size. It grows (up to [`MAX_BLOCK`]) for a bigger
/// record or block.
const BUFFER: usize = 256 * 1024;

/// The largest record or block read, in bytes; a bigger one is an error.
pub const MAX_BLOCK: usize = 64 * 1024 * 1024;

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

impl std::error::Error for CaptureError {}

/// The container format of a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Classic libpcap.
    Pcap,
    /// pcapng.
    PcapNg,
}

/// A `Read` whose every `read` fills the buffer unless the input ends:
/// `pcap-parser` reads the file header with one `read` call.
struct Filling<R>(R);

impl<R: Read> Read for Filling<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            match self.0.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if n == 0 => return Err(e),
                Err(_) => break,
            }
        }
        Ok(n)
    }
}

/// A pcapng interface, as far as the tools need it.
#[derive(Debug, Clone, Copy)]
struct Interface {
    linktype: u32,
    snaplen: u32,
}

/// The link type of a classic pcap header's LinkType field: its low 16
/// bits. The upper bits carry other information (libpcap's `LT_LINKTYPE`;
/// tcpdump's `bootp_asan.pcap` has 0x04000001, "FCS length present, 0
/// bytes", on Ethernet).
fn legacy_link_type(field: i32) -> u32 {
    u32::from_ne_bytes(field.to_ne_bytes()) & 0xFFFF
}

/// One record (pcap) or block (pcapng), as raw bytes.
#[derive(Debug)]
pub struct Block<'r> {
    raw: &'r mut [u8],
    packet: Option<(u32, Range<usize>)>,
}

impl Block<'_> {
    /// The record or block, byte for byte as in the file (with any change
    /// made through [`packet_mut`](Self::packet_mut)).
    pub fn raw(&self) -> &[u8] {
        self.raw
    }

    /// The packet it holds, if it is a packet record or block.
    pub fn packet(&self) -> Option<Record<'_>> {
        self.packet.as_ref().map(|(linktype, range)| Record {
            linktype: *linktype,
            data: &self.raw[range.clone()],
        })
    }

    /// The packet's link type and captured bytes, writable in place.
    pub fn packet_mut(&mut self) -> Option<(u32, &mut [u8])> {
        match &self.packet {
            Some((linktype, range)) => Some((*linktype, &mut self.raw[range.clone()])),
            None => None,
        }
    }
}

/// A capture read record by record (pcap) or block by block (pcapng).
pub struct Reader<'i> {
    inner: Box<dyn PcapReaderIterator + Send + 'i>,
    format: Format,
    /// The link type of a classic pcap file.
    linktype: u32,
    /// The interfaces of the current pcapng section.
    interfaces: Vec<Interface>,
    /// The current block's bytes.
    block: Vec<u8>,
    /// Bytes of the file read so far.
    consumed: u64,
    /// The read buffer's size.
    capacity: usize,
}

impl std::fmt::Debug for Reader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("format", &self.format)
            .field("consumed", &self.consumed)
            .finish_non_exhaustive()
    }
}

fn describe<I>(e: &PcapError<I>) -> String {
    match e {
        PcapError::UnexpectedEof | PcapError::Incomplete(_) => {
            "the file ends in the middle of a record".to_owned()
        }
        PcapError::ReadError => "read error".to_owned(),
        PcapError::BufferTooSmall => format!("a record or block is larger than {MAX_BLOCK} bytes"),
        PcapError::NomError(_, kind) | PcapError::OwnedNomError(_, kind) => {
            format!("malformed ({kind:?})")
        }
        PcapError::HeaderNotRecognized => "unknown block".to_owned(),
        PcapError::Eof => "end of file".to_owned(),
    }
}

impl<'i> Reader<'i> {
    /// Reads the file header from `input` (pcap or pcapng, by its magic).
    ///
    /// # Errors
    /// When `input` cannot be read or is neither pcap nor pcapng.
    pub fn new(input: impl Read + Send + 'i) -> Result<Self, CaptureError> {
        let inner = match pcap_parser::create_reader(BUFFER, Filling(input)) {
            Ok(r) => r,
            Err(PcapError::Eof | PcapError::Incomplete(_)) => {
                return Err(CaptureError(
                    "not a pcap or pcapng file (too short for a file header)".to_owned(),
                ))
            }
            Err(PcapError::ReadError) => return Err(CaptureError("read error".to_owned())),
            Err(_) => {
                return Err(CaptureError(
                    "not a pcap or pcapng file (unknown magic number)".to_owned(),
                ))
            }
        };
        let mut reader = Reader {
            inner,
            format: Format::PcapNg,
            linktype: LINKTYPE_UNKNOWN,
            interfaces: Vec::new(),
            block: Vec::new(),
            consumed: 0,
            capacity: BUFFER,
        };
        // A classic file's header comes first as a block of its own.
        if let Ok((_, PcapBlockOwned::LegacyHeader(_))) = reader.inner.next() {
            reader.format = Format::Pcap;
        }
        Ok(reader)
    }

    /// The file's format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Bytes of the file read so far.
    pub fn position(&self) -> u64 {
        self.consumed
    }

    /// The next record or block (the file header first), or `None` at the
    /// end of the file.
    ///
    /// # Errors
    /// When a record or block is malformed or cut short, or the input
    /// cannot be read.
    pub fn next_block(&mut self) -> Result<Option<Block<'_>>, CaptureError> {
        loop {
            let (len, packet) = match self.inner.next() {
                Ok((len, block)) => {
                    let packet = match block {
                        PcapBlockOwned::LegacyHeader(h) => {
                            self.linktype = legacy_link_type(h.network.0);
                            None
                        }
                        PcapBlockOwned::Legacy(b) => {
                            // The record header is 16 bytes (24 in the
                            // "modified" format), then the data.
                            let start = len - b.data.len();
                            Some((self.linktype, start..len))
                        }
                        PcapBlockOwned::NG(b) => ng_packet(&mut self.interfaces, &b),
                    };
                    (len, packet)
                }
                Err(PcapError::Eof) => return Ok(None),
                Err(PcapError::Incomplete(_)) => {
                    self.refill()?;
                    continue;
                }
                Err(PcapError::BufferTooSmall) => {
                    let size = self.capacity * 2;
                    if size > MAX_BLOCK || !self.inner.grow(size) {
                        return Err(CaptureError(format!(
                            "bad record: {}",
                            describe(&PcapError::<&[u8]>::BufferTooSmall)
                        )));
                    }
                    self.capacity = size;
                    self.refill()?;
                    continue;
                }
                Err(e) => return Err(CaptureError(format!("bad record: {}", describe(&e)))),
            };
            self.block.clear();
            self.block.extend_from_slice(&self.inner.data()[..len]);
            self.inner.consume(len);
            self.consumed += len as u64;
            return Ok(Some(Block {
                raw: &mut self.block,
                packet,
            }));
        }
    }

    fn refill(&mut self) -> Result<(), CaptureError> {
        self.inner
            .refill()
            .map_err(|e| CaptureError(format!("bad record: {}", describe(&e))))
    }
}

/// Notes what a pcapng block says about interfaces, and returns the link
/// type and data range of the packet it holds, if any.
fn ng_packet(interfaces: &mut Vec<Interface>, block: &NgBlock<'_>) -> Option<(u32, Range<usize>)> {
    match block {
        NgBlock::SectionHeader(_) => {
            interfaces.clear();
            None
        }
        NgBlock::InterfaceDescription(idb) => {
            interfaces.push(Interface {
                linktype: legacy_link_type(idb.linktype.0),
                snaplen: idb.snaplen,
            });
            None
        }
        NgBlock::EnhancedPacket(epb) => {
            // Block type, length, interface, timestamp (2), captured and
            // original lengths: the data starts at 28.
            let linktype = interfaces
                .get(epb.if_id as usize)
                .map_or(LINKTYPE_UNKNOWN, |i| i.linktype);
            Some((linktype, 28..28 + epb.packet_data().len()))
        }
        NgBlock::SimplePacket(spb) => {
            // Block type, length, original length: the data starts at 12.
            // Its captured length is the original length bounded by the
            // snap length of interface 0 and the block; the rest of the
            // block is padding.
            let interface = interfaces.first();
            let snaplen = interface.map_or(0, |i| i.snaplen) as usize;
            let mut caplen = (spb.origlen as usize).min(spb.data.len());
            if snaplen != 0 {
                caplen = caplen.min(snaplen);
            }
            let linktype = interface.map_or(LINKTYPE_UNKNOWN, |i| i.linktype);
            Some((linktype, 12..12 + caplen))
        }
        _ => None,
    }
}

/// Calls `f` on every packet of the capture read from `input`, in file
/// order. Packets of a pcapng interface that was never described get link
/// type [`LINKTYPE_UNKNOWN`].
///
/// # Errors
/// When the input is neither pcap nor pcapng, or a record is malformed or
/// cut short (the packets before it have been passed to `f`).
pub fn for_each_packet(
    input: impl Read + Send,
    mut f: impl FnMut(Record<'_>),
) -> Result<(), CaptureError> {
    let mut reader = Reader::new(input)?;
    while let Some(block) = reader.next_block()? {
        if let Some(rec) = block.packet() {
            f(rec);
        }
    }
    Ok(())
}

/// Copies the capture read from `input` to `output` in the same format
/// (every byte of every header, record and block the same), letting `f`
/// change each packet's bytes in place first.
///
/// # Errors
/// As [`for_each_packet`], and when `output` cannot be written.
pub fn rewrite_packets(
    input: impl Read + Send,
    output: &mut impl Write,
    f: impl FnMut(u32, &mut [u8]),
) -> Result<(), CaptureError> {
    rewrite_with(Reader::new(input)?, output, f)
}

/// As [`rewrite_packets`], from a reader already opened.
///
/// # Errors
/// As [`rewrite_packets`].
pub fn rewrite_with(
    mut reader: Reader<'_>,
    output: &mut impl Write,
    mut f: impl FnMut(u32, &mut [u8]),
) -> Result<(), CaptureError> {
    while let Some(mut block) = reader.next_block()? {
        if let Some((linktype, data)) = block.packet_mut() {
            f(linktype, data);
        }
        output
            .write_all(block.raw())
            .map_err(|e| CaptureError(format!("cannot write: {e}")))?;
    }
    Ok(())
}

/// A classic pcap file image (microsecond timestamps, little-endian, snap
/// length 65535) with link type `linktype`, holding `packets` as (seconds,
/// microseconds, captured bytes, length on the wire).
///
/// # Panics
/// When a packet is 4 GiB or more.
pub fn pcap_file(linktype: u32, packets: &[(u32, u32, &[u8], usize)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4_u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // thiszone
    out.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&linktype.to_le_bytes());
    for &(ts_sec, ts_frac, data, wire) in packets {
        let incl_len = u32::try_from(data.len()).expect("packet below 4 GiB");
        let orig_len = u32::try_from(wire).expect("packet below 4 GiB");
        for v in [ts_sec, ts_frac, incl_len, orig_len] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(data);
    }
    out
}
