#!/usr/bin/env bash
# Splits pcap captures into one seed file per packet for the fuzz targets:
#   fuzz/corpus/checksum/  the whole frame (any bytes make a good checksum seed)
#   fuzz/corpus/ipv4/      IPv4 packets from their header on (after Ethernet and
#                          any 802.1Q/802.1ad tags), plus a trailing 0 byte: the
#                          ipv4 target's "script length", so the packet is intact.
#   fuzz/corpus/walk/      Ethernet frames, whole.
#   fuzz/corpus/etherparse/  Ethernet frames, whole.
#   fuzz/corpus/views/     Ethernet frames, whole, the IPv4/IPv6 packet after
#                          the Ethernet header and any tags, its UDP payload,
#                          and what follows an MPLS or PPPoE EtherType (the
#                          views read any bytes from their first one; these
#                          start them deeper).
#   fuzz/corpus/rewrite/   Ethernet frames plus a trailing 0 byte: the rewrite
#                          target's "script length", so the frame is intact.
#   fuzz/corpus/router/    IPv4/IPv6 packets after 3 octets: MTU 1280 (05 00)
#                          and a selector of 0 (whole error buffer, unicast).
# The corpus directories are gitignored: seeds made from third-party captures
# are not committed.
#
# Usage: fuzz/seeds.sh [capture.pcap ...]
#   (default: ../shared/corpus/tcpdump/*.pcap and the PPPoE captures of
#   ../shared/corpus/tcpdump-linktypes next to the crate, and the crate's
#   examples/data/sample.pcap)
# Classic pcap only (either byte order, µs or ns timestamps); pcapng files are skipped.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ "$#" -eq 0 ]; then
    set -- "$here"/../../shared/corpus/tcpdump/*.pcap \
        "$here"/../../shared/corpus/tcpdump-linktypes/pppoe*.pcap \
        "$here/../examples/data/sample.pcap"
fi
for t in checksum ipv4 views walk rewrite etherparse router; do
    mkdir -p "$here/corpus/$t"
done
python3 - "$here/corpus" "$@" <<'PY'
import hashlib, os, struct, sys

out, files = sys.argv[1], sys.argv[2:]
targets = ["checksum", "ipv4", "views", "walk", "rewrite", "etherparse", "router"]
counts = {t: 0 for t in targets}

def write(target, data):
    name = hashlib.sha1(data).hexdigest()
    path = os.path.join(out, target, name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        counts[target] += 1

for path in files:
    if not os.path.exists(path):
        print(f"skipping {path}: no such file", file=sys.stderr)
        continue
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 24:
        continue
    magic = blob[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        print(f"skipping {path}: not a classic pcap", file=sys.stderr)
        continue
    linktype = struct.unpack(end + "I", blob[20:24])[0]
    off = 24
    while off + 16 <= len(blob):
        incl = struct.unpack(end + "I", blob[off + 8:off + 12])[0]
        frame = blob[off + 16:off + 16 + incl]
        off += 16 + incl
        if not frame:
            continue
        write("checksum", frame)
        if linktype != 1:  # Ethernet
            continue
        write("walk", frame)
        write("etherparse", frame)
        write("views", frame)
        write("rewrite", frame + b"\x00")
        at, ethertype = 12, None
        while at + 2 <= len(frame):
            ethertype = struct.unpack(">H", frame[at:at + 2])[0]
            if ethertype in (0x8100, 0x88A8, 0x9100):
                at += 4
                continue
            break
        if ethertype in (0x0800, 0x86DD) and at + 2 < len(frame):
            write("views", frame[at + 2:])
            write("router", b"\x05\x00\x00" + frame[at + 2:])
            # The UDP payload too, so Geneve, GTP-U, MPLS-over-UDP and
            # VXLAN headers start a seed.
            ip = frame[at + 2:]
            l4 = None
            if ethertype == 0x0800 and len(ip) >= 20 and ip[9] == 17:
                l4 = (ip[0] & 0x0F) * 4
            elif ethertype == 0x86DD and len(ip) >= 40 and ip[6] == 17:
                l4 = 40
            if l4 is not None and len(ip) > l4 + 8:
                write("views", ip[l4 + 8:])
        if ethertype in (0x8847, 0x8848, 0x8863, 0x8864) and at + 2 < len(frame):
            # An MPLS label stack or a PPPoE header.
            write("views", frame[at + 2:])
        if ethertype == 0x0800 and at + 2 < len(frame):
            write("ipv4", frame[at + 2:] + b"\x00")

print("new seeds: " + ", ".join(f"{t} {counts[t]}" for t in targets))
PY
