#!/usr/bin/env bash
# Loads the XDP program with bpftool (the kernel's verifier runs), attaches
# it to the receiving end of a veth pair and sends frames through it
# (check.py). Runs itself inside a private network and mount namespace, so
# the veth pair, the bpffs mount and the pinned program vanish when it
# exits, whatever the exit. Needs root. Usage: check.sh PROGRAM.o
set -euo pipefail
obj=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
if [ "${WIREVIEW_XDP_INSIDE:-}" != 1 ]; then
    exec env WIREVIEW_XDP_INSIDE=1 timeout 120 unshare --net --mount -- "$0" "$obj"
fi
mount -t bpf bpf /sys/fs/bpf
ip link set lo up
ip link add veth0 type veth peer name veth1
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link set veth0 up
ip link set veth1 up
# Both programs of the object through the verifier: wireview_xdp, which is
# attached and run, and wireview_xdp_api, which is only verified.
mkdir /sys/fs/bpf/wireview
bpftool prog loadall "$obj" /sys/fs/bpf/wireview
bpftool prog show pinned /sys/fs/bpf/wireview/wireview_xdp_api
bpftool net attach xdp pinned /sys/fs/bpf/wireview/wireview_xdp dev veth1
bpftool net show dev veth1
python3 "$here/check.py" veth0 veth1
