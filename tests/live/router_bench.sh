#!/usr/bin/env bash
# Forwarding rate of the userspace router (examples/router, release build)
# beside the Linux kernel's own forwarding between the same three network
# namespaces, as root. Not part of CI: numbers for BENCHMARKS.md.
#
#   h1 --(TAP | veth)-- router namespace --(TAP | veth)-- h2
#
# iperf3 sends UDP at full speed from h1 to h2 for SECONDS (default 5),
# 18-octet payloads (60-octet frames) and 1472-octet payloads (1514-octet
# frames); the rate is what h2 received, in packets per second.
# Environment: ROUTER (default target/release/examples/router), SECONDS.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROUTER=${ROUTER:-$ROOT/target/release/examples/router}
DURATION=${SECONDS_PER_RUN:-5}
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 2; }
command -v iperf3 >/dev/null || { echo "needs iperf3"; exit 2; }
[ -x "$ROUTER" ] || (cd "$ROOT" && timeout 900 cargo build -q --release --example router) || exit 2

P=wb$$
H1=${P}h1 H2=${P}h2 R=${P}r
TMP=$(mktemp -d)
RPID=
cleanup() {
    [ -n "$RPID" ] && { exec 3>&-; sleep 0.5; kill "$RPID" 2>/dev/null; wait "$RPID" 2>/dev/null; }
    for n in "$H1" "$H2" "$R"; do ip netns del "$n" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

hosts() {
    for n in "$H1" "$H2" "$R"; do ip netns del "$n" 2>/dev/null; ip netns add "$n"; ip -n "$n" link set lo up; done
}

address_hosts() { # address_hosts IF1 IF2
    ip -n "$H1" addr add 10.9.1.2/24 dev "$1"
    ip -n "$H1" link set "$1" up
    ip -n "$H1" route add default via 10.9.1.1
    ip -n "$H2" addr add 10.9.2.2/24 dev "$2"
    ip -n "$H2" link set "$2" up
    ip -n "$H2" route add default via 10.9.2.1
}

# rate LEN IF: packets per second that reached h2's interface IF (its
# receive counter), and what h1 sent and h2's iperf3 received.
rate() {
    ip netns exec "$H2" timeout 60 iperf3 -s -1 -B 10.9.2.2 >/dev/null 2>&1 &
    local spid=$!
    sleep 0.5
    ip netns exec "$H1" ping -c 1 -W 1 10.9.2.2 >/dev/null 2>&1
    local before after
    before=$(ip netns exec "$H2" cat "/sys/class/net/$2/statistics/rx_packets")
    ip netns exec "$H1" timeout 60 iperf3 -J -u -b 0 -l "$1" -t "$DURATION" -c 10.9.2.2 >"$TMP/j" 2>"$TMP/err"
    after=$(ip netns exec "$H2" cat "/sys/class/net/$2/statistics/rx_packets")
    wait $spid
    [ -s "$TMP/j" ] || { echo "iperf3 failed: $(cat "$TMP/err")"; return; }
    python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["end"]["sum"]
sent, lost, secs = s["packets"], s["lost_packets"], s["seconds"]
arrived = (int(sys.argv[3]) - int(sys.argv[2])) / secs
print(f"{arrived:>8.0f} pps forwarded to h2 ({sent / secs:.0f} sent by h1, {(sent - lost) / secs:.0f} received by iperf3)")' "$TMP/j" "$before" "$after"
}

echo "== userspace router ($ROUTER)"
hosts
mkfifo "$TMP/ctl"
ip netns exec "$R" timeout 600 "$ROUTER" --iface "${P}a,10.9.1.1/24" --iface "${P}b,10.9.2.1/24" \
    <"$TMP/ctl" >"$TMP/router.out" 2>&1 &
RPID=$!
exec 3>"$TMP/ctl"
for _ in $(seq 100); do grep -q ready "$TMP/router.out" && break; sleep 0.1; done
ip -n "$R" link set "${P}a" netns "$H1"
ip -n "$R" link set "${P}b" netns "$H2"
address_hosts "${P}a" "${P}b"
echo "  60-octet frames:   $(rate 18 "${P}b")"
echo "  1514-octet frames: $(rate 1472 "${P}b")"
exec 3>&-
sleep 0.5
kill "$RPID" 2>/dev/null
wait "$RPID" 2>/dev/null
RPID=

echo "== Linux kernel forwarding (veth)"
hosts
ip link add "${P}a" netns "$H1" type veth peer name ra netns "$R"
ip link add "${P}b" netns "$H2" type veth peer name rb netns "$R"
ip -n "$R" addr add 10.9.1.1/24 dev ra
ip -n "$R" addr add 10.9.2.1/24 dev rb
ip -n "$R" link set ra up
ip -n "$R" link set rb up
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
address_hosts "${P}a" "${P}b"
echo "  60-octet frames:   $(rate 18 "${P}b")"
echo "  1514-octet frames: $(rate 1472 "${P}b")"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
