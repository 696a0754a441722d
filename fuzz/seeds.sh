#!/usr/bin/env bash
# Splits pcap captures into one seed file per packet for the fuzz targets:
#   fuzz/corpus/checksum/  the whole frame (any bytes make a good checksum seed)
#   fuzz/corpus/ipv4/      IPv4 packets from their header on (after Ethernet and
#                          any 802.1Q/802.1ad tags), plus a trailing 0 byte: the
#                          ipv4 target's "script length", so the packet is intact.
# The corpus directories are gitignored: seeds made from third-party captures
# are not committed.
#
# Usage: fuzz/seeds.sh [capture.pcap ...]   (default: /work/shared/corpus/tcpdump/*.pcap)
# Classic pcap only (either byte order, µs or ns timestamps); pcapng files are skipped.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ "$#" -eq 0 ]; then
    set -- /work/shared/corpus/tcpdump/*.pcap
fi
mkdir -p "$here/corpus/checksum" "$here/corpus/ipv4"
python3 - "$here/corpus" "$@" <<'PY'
import hashlib, os, struct, sys

out, files = sys.argv[1], sys.argv[2:]
counts = {"checksum": 0, "ipv4": 0}

def write(target, data):
    name = hashlib.sha1(data).hexdigest()
    path = os.path.join(out, target, name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        counts[target] += 1

for path in files:
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
        at, ethertype = 12, None
        while at + 2 <= len(frame):
            ethertype = struct.unpack(">H", frame[at:at + 2])[0]
            if ethertype in (0x8100, 0x88A8, 0x9100):
                at += 4
                continue
            break
        if ethertype == 0x0800 and at + 2 < len(frame):
            write("ipv4", frame[at + 2:] + b"\x00")

print(f"new seeds: checksum {counts['checksum']}, ipv4 {counts['ipv4']}")
PY
