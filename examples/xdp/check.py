#!/usr/bin/env python3
"""Sends IPv4 frames through the XDP program and checks what arrives.

Run by check.sh inside a private network namespace, with the program
attached to the receiving end of a veth pair: frames written to SEND with an
AF_PACKET socket arrive at RECV, where XDP runs before anything else sees
them, and are read there with another AF_PACKET socket. Each frame carries a
unique marker in its payload. A frame with a valid header checksum must
arrive with its TTL one lower, a valid checksum, and every other byte as
sent; one with a bad checksum must not arrive (XDP_DROP); a non-IPv4 frame
must arrive unchanged. Exits 1 on any difference.
"""
import socket
import struct
import sys
import time

SEND, RECV = sys.argv[1], sys.argv[2]
ETH_P_ALL = 0x0003


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(payload: bytes, ttl=64, options=b"", bad_checksum=False) -> bytes:
    ihl = 5 + len(options) // 4
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + 8 + len(payload),
                      0x1234, 0x4000, ttl, 17, 0,
                      bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + options
    c = csum(hdr)
    if bad_checksum:
        c ^= 0x0101
    hdr = hdr[:10] + struct.pack("!H", c) + hdr[12:]
    udp = struct.pack("!HHHH", 4242, 9, 8 + len(payload), 0) + payload
    return hdr + udp


def eth(ethertype: int, body: bytes, tags=()) -> bytes:
    frame = bytes.fromhex("020000000002" "020000000001")
    for tpid, vid in tags:
        frame += struct.pack("!HH", tpid, vid)
    return frame + struct.pack("!H", ethertype) + body


# name, frame, expected: "ttl-1" (arrives, TTL decremented), "drop", "same"
CASES = []


def case(name, build, expect):
    marker = f"wireview-xdp-{len(CASES):02d}".encode()
    CASES.append((name, marker, build(marker), expect))


# Options: NOPs, then End of Option List, padded to whole 32-bit words.
def opts(n):
    return b"\x01" * (n - 1) + b"\x00"


case("plain", lambda m: eth(0x0800, ipv4(m + b"." * 40)), "ttl-1")
case("802.1Q", lambda m: eth(0x0800, ipv4(m + b"." * 40), [(0x8100, 7)]), "ttl-1")
case("802.1ad + 802.1Q", lambda m: eth(0x0800, ipv4(m + b"." * 40), [(0x88A8, 100), (0x8100, 7)]), "ttl-1")
case("IHL 15, 40 bytes of options", lambda m: eth(0x0800, ipv4(m + b"." * 40, options=opts(40))), "ttl-1")
case("IHL 6 in a short frame", lambda m: eth(0x0800, ipv4(m, options=opts(4))), "ttl-1")
case("IHL 15 in a short frame", lambda m: eth(0x0800, ipv4(m, options=opts(40)), [(0x8100, 7)]), "ttl-1")
# TTL 1 expires here: check, then decrement (RFC 1812 5.3.1) leaves it as
# received, for the stack's Time Exceeded to quote.
case("TTL 1", lambda m: eth(0x0800, ipv4(m + b"." * 40, ttl=1)), "same")
case("bad checksum", lambda m: eth(0x0800, ipv4(m + b"." * 40, bad_checksum=True)), "drop")
case("bad checksum, IHL 7, 802.1Q", lambda m: eth(0x0800, ipv4(m, options=opts(8), bad_checksum=True), [(0x8100, 7)]), "drop")
case("not IPv4 (IPv6 ethertype)", lambda m: eth(0x86DD, bytes([0x60, 0, 0, 0, 0, 8, 17, 64]) + bytes(32) + m), "same")

SOL_PACKET, PACKET_AUXDATA = 263, 8
TP_STATUS_VLAN_VALID, TP_STATUS_VLAN_TPID_VALID = 0x10, 0x40


def with_stripped_tag(data: bytes, anc) -> bytes:
    """The frame as it was on the wire: the kernel takes the outer VLAN
    tag off into metadata (struct tpacket_auxdata) before AF_PACKET sees
    the frame; put it back."""
    for level, kind, aux in anc:
        if level == SOL_PACKET and kind == PACKET_AUXDATA:
            status, _, _, _, _, tci, tpid = struct.unpack("=IIIHHHH", aux[:20])
            if status & TP_STATUS_VLAN_VALID:
                if not status & TP_STATUS_VLAN_TPID_VALID:
                    tpid = 0x8100
                return data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
    return data


rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
rx.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
rx.bind((RECV, 0))
rx.settimeout(0.2)
tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
tx.bind((SEND, 0))
for _, _, frame, _ in CASES:
    tx.send(frame)

got = {}
deadline = time.monotonic() + 3
while time.monotonic() < deadline and len(got) < len(CASES):
    try:
        data, anc, _, _ = rx.recvmsg(65535, socket.CMSG_SPACE(20))
    except socket.timeout:
        continue
    data = with_stripped_tag(data, anc)
    for _, marker, _, _ in CASES:
        if marker in data:
            got[marker] = data

failures = 0
for name, marker, sent, expect in CASES:
    recv = got.get(marker)
    problem = None
    if expect == "drop":
        if recv is not None:
            problem = "arrived, expected XDP_DROP"
    elif recv is None:
        problem = "did not arrive"
    elif expect == "same":
        if recv != sent:
            problem = "changed"
    else:
        l3 = 14
        while sent[l3 - 2:l3] in (b"\x81\x00", b"\x88\xa8"):
            l3 += 4
        hl = (sent[l3] & 0x0F) * 4
        want_ttl = max(sent[l3 + 8] - 1, 0)
        if len(recv) != len(sent):
            problem = f"length {len(recv)}, sent {len(sent)}"
        elif recv[l3 + 8] != want_ttl:
            problem = f"TTL {recv[l3 + 8]}, expected {want_ttl}"
        elif csum(recv[l3:l3 + hl]) != 0:
            problem = f"header checksum invalid: {recv[l3 + 10:l3 + 12].hex()}"
        elif recv[:l3 + 8] + recv[l3 + 9:l3 + 10] + recv[l3 + 12:] != \
                sent[:l3 + 8] + sent[l3 + 9:l3 + 10] + sent[l3 + 12:]:
            problem = "bytes other than TTL and checksum changed"
    print(f"{'FAIL' if problem else 'ok  '} {name}: {problem or expect}")
    failures += problem is not None
sys.exit(1 if failures else 0)
