#!/usr/bin/env bash
# Live test of the userspace router (examples/router) against the Linux
# kernel, as root (CI runs it so; a user runs `sudo tests/live/router.sh`).
#
# Three network namespaces, made here and removed on any exit: the router
# runs in one and creates two TAP devices, which move into the two host
# namespaces:
#
#   h1 (inside)  10.9.1.2/24 fd09:1::2/64 --TAP-- router --TAP-- h2 (far)
#                10.9.1.1    fd09:1::1            10.9.2.1    10.9.2.2/24
#                                                 fd09:2::1   fd09:2::2/64
#
# The router's far link has MTU 1280 (the router's side: h2's device keeps
# 1500, so h2 advertises a 1460 MSS and h1's kernel must learn the path MTU
# from the router). The kernels' own tools check it: ping, TCP transfers
# with the payload verified, Time Exceeded seen by ping -t 1 / tracepath,
# the path MTU learned (`ip route get`), fragments reassembled by h2, then
# with --masquerade the far host seeing the router's address and an ICMP
# port unreachable reaching the inside socket as ECONNREFUSED, and no
# checksum or header errors in /proc/net/snmp{,6} of any namespace. With a
# C compiler at hand it also counts the router's heap allocations (a malloc
# counter preloaded): forwarding and NAT must not allocate per packet.
#
# Prints one line per check and `N passed, M failed` last; exits non-zero
# on any failure (2 when it cannot run at all). Every wait is bounded.
# Environment: ROUTER (the router binary; built with cargo if unset).
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" != 0 ]; then
    echo "tests/live/router.sh: needs root (network namespaces, TAP devices)"
    echo "0 passed, 1 failed"
    exit 2
fi
# ping and tracepath come from Debian's iputils-ping / iputils-tracepath;
# under CI (CI=true) they are installed when missing.
if ! command -v ping >/dev/null && [ "${CI:-}" = true ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq iputils-ping iputils-tracepath) >/dev/null 2>&1
fi
for tool in ip ping python3 timeout; do
    if ! command -v "$tool" >/dev/null; then
        echo "tests/live/router.sh: $tool is missing (ping: apt-get install iputils-ping)"
        echo "0 passed, 1 failed"
        exit 2
    fi
done
if [ -z "${ROUTER:-}" ]; then
    (cd "$ROOT" && timeout 900 cargo build -q --example router) || {
        echo "tests/live/router.sh: cannot build the router"
        echo "0 passed, 1 failed"
        exit 2
    }
    ROUTER=$ROOT/target/debug/examples/router
fi

P=wv$$
H1=${P}h1 H2=${P}h2 R=${P}r
IN=${P}in OUT=${P}out
TMP=$(mktemp -d)
PASS=0 FAIL=0
RPID=
FORWARDED=0
ALLOCATIONS=

# With a C compiler, the router runs with a malloc counter preloaded, to
# show that forwarding does not allocate (the count at exit stays at what
# start-up took, whatever the traffic).
PRELOAD=
if command -v cc >/dev/null; then
    cat >"$TMP/count.c" <<'C'
#include <stdio.h>
#include <stddef.h>
#include <stdatomic.h>
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
static atomic_long n;
void *malloc(size_t s) { atomic_fetch_add(&n, 1); return __libc_malloc(s); }
void *calloc(size_t a, size_t b) { atomic_fetch_add(&n, 1); return __libc_calloc(a, b); }
void *realloc(void *p, size_t s) { atomic_fetch_add(&n, 1); return __libc_realloc(p, s); }
void *memalign(size_t a, size_t s) { atomic_fetch_add(&n, 1); return __libc_memalign(a, s); }
void *aligned_alloc(size_t a, size_t s) { atomic_fetch_add(&n, 1); return __libc_memalign(a, s); }
int posix_memalign(void **p, size_t a, size_t s) {
    atomic_fetch_add(&n, 1);
    *p = __libc_memalign(a, s);
    return *p ? 0 : 12;
}
__attribute__((destructor)) static void report(void) {
    fprintf(stderr, "allocations %ld\n", atomic_load(&n));
}
C
    cc -shared -fPIC -O2 -o "$TMP/count.so" "$TMP/count.c" 2>/dev/null && PRELOAD=$TMP/count.so
fi

pass() { PASS=$((PASS + 1)); echo "ok   $*"; }
fail() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds (its
# output goes to the log, shown for failures).
check() {
    local what=$1
    shift
    if "$@" >"$TMP/out" 2>&1; then
        pass "$what"
    else
        fail "$what"
        sed 's/^/     | /' "$TMP/out" | tail -n 15
    fi
}

stop_router() {
    if [ -n "$RPID" ]; then
        exec 3>&- # end of standard input: the router prints its counters
        for _ in $(seq 50); do
            kill -0 "$RPID" 2>/dev/null || break
            sleep 0.1
        done
        kill "$RPID" 2>/dev/null
        wait "$RPID" 2>/dev/null
        RPID=
        echo "     router counters: $(grep -v '^ready' "$TMP/router.out" | grep -v ' 0$' | tr '\n' ' ')"
        FORWARDED=$(awk '/^forwarded_v[46] / { n += $2 } END { print n + 0 }' "$TMP/router.out")
        ALLOCATIONS=$(awk '/^allocations / { print $2 }' "$TMP/router.err")
    fi
}

cleanup() {
    stop_router
    for n in "$H1" "$H2" "$R"; do ip netns del "$n" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for n in "$H1" "$H2" "$R"; do
    ip netns add "$n" && ip -n "$n" link set lo up || exit 2
done

# start_router ARGS...: starts the router in $R with two TAP devices and
# moves and configures them in the hosts.
start_router() {
    rm -f "$TMP/ctl" "$TMP/router.out"
    mkfifo "$TMP/ctl"
    ip netns exec "$R" timeout 900 env ${PRELOAD:+LD_PRELOAD="$PRELOAD"} "$ROUTER" \
        --iface "$IN,10.9.1.1/24,fd09:1::1/64" \
        --iface "$OUT,10.9.2.1/24,fd09:2::1/64,mtu=1280" \
        "$@" <"$TMP/ctl" >"$TMP/router.out" 2>"$TMP/router.err" &
    RPID=$!
    exec 3>"$TMP/ctl"
    for _ in $(seq 100); do
        grep -q ready "$TMP/router.out" 2>/dev/null && break
        sleep 0.1
    done
    if ! grep -q ready "$TMP/router.out"; then
        cat "$TMP/router.err"
        return 1
    fi
    ip -n "$R" link set "$IN" netns "$H1" &&
        ip -n "$R" link set "$OUT" netns "$H2" &&
        ip -n "$H1" addr add 10.9.1.2/24 dev "$IN" &&
        ip -n "$H1" addr add fd09:1::2/64 dev "$IN" nodad &&
        ip -n "$H1" link set "$IN" up &&
        ip -n "$H1" route add default via 10.9.1.1 &&
        ip -n "$H1" -6 route add default via fd09:1::1 &&
        ip -n "$H2" addr add 10.9.2.2/24 dev "$OUT" &&
        ip -n "$H2" addr add fd09:2::2/64 dev "$OUT" nodad &&
        ip -n "$H2" link set "$OUT" up &&
        ip -n "$H2" route add default via 10.9.2.1 &&
        ip -n "$H2" -6 route add default via fd09:2::1
}

cat >"$TMP/tool.py" <<'PY'
import hashlib, random, socket, struct, sys, time

def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET

cmd, addr = sys.argv[1], sys.argv[2]
if cmd == "serve":  # serve ADDR PORT: accept one connection, report it
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(sys.argv[3])))
    s.listen(1)
    s.settimeout(60)
    c, peer = s.accept()
    c.settimeout(60)
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        h.update(b)
        n += len(b)
    print(peer[0], n, h.hexdigest())
elif cmd == "send":  # send ADDR PORT BYTES: send pseudo-random bytes
    data = random.Random(9).randbytes(int(sys.argv[4]))
    for _ in range(50):
        try:
            s = socket.create_connection((addr, int(sys.argv[3])), timeout=60)
            break
        except OSError:
            time.sleep(0.1)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    print(hashlib.sha256(data).hexdigest())
elif cmd == "refused":  # refused ADDR PORT: expect ECONNREFUSED on a UDP socket
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.connect((addr, int(sys.argv[3])))
    s.settimeout(2)
    for _ in range(3):
        s.send(b"anyone there?")
        try:
            s.recv(100)
        except ConnectionRefusedError:
            print("ECONNREFUSED")
            sys.exit(0)
        except socket.timeout:
            pass
    print("no error reached the socket")
    sys.exit(1)
PY

snmp_clean() {
    # snmp_clean NS: no header or checksum errors in the namespace's kernel.
    ip netns exec "$1" python3 - <<'PY'
import sys
bad = []
# /proc/net/netstat holds IpExt InCsumErrors (IPv4 header checksums).
for path in ("/proc/net/snmp", "/proc/net/netstat"):
    rows = open(path).read().split("\n")
    for names, values in zip(rows[0::2], rows[1::2]):
        if not names:
            continue
        proto = names.split(":")[0]
        for k, v in zip(names.split()[1:], values.split()[1:]):
            if k in ("InHdrErrors", "InCsumErrors") and int(v) != 0:
                bad.append(f"{proto} {k} {v}")
for line in open("/proc/net/snmp6"):
    k, v = line.split()
    if ("InHdrErrors" in k or "InCsumErrors" in k) and int(v) != 0:
        bad.append(f"{k} {v}")
print(" ".join(bad) or "clean")
sys.exit(1 if bad else 0)
PY
}

reasm_oks() {
    ip netns exec "$1" awk '/^Ip:/ { if (!n++) { for (i = 2; i <= NF; i++) if ($i == "ReasmOKs") f = i } else print $f }' /proc/net/snmp
}

in_h1() { ip netns exec "$H1" timeout 60 "$@"; }
in_h2() { ip netns exec "$H2" timeout 60 "$@"; }

# transfer FAMILY_ADDR PORT EXPECTED_PEER: 4 MB from h1 to h2, payload checked.
transfer() {
    local addr=$1 port=$2 peer=$3
    in_h2 python3 "$TMP/tool.py" serve "$addr" "$port" >"$TMP/serve" 2>&1 &
    local spid=$!
    local sent
    sent=$(in_h1 python3 "$TMP/tool.py" send "$addr" "$port" 4000000) || { kill $spid 2>/dev/null; return 1; }
    wait $spid
    read -r got_peer got_n got_sum <"$TMP/serve"
    echo "sent $sent; received $got_n bytes from $got_peer: $got_sum"
    [ "$got_n" = 4000000 ] && [ "$got_sum" = "$sent" ] && [ "$got_peer" = "$peer" ]
}

echo "== plain forwarding"
if start_router; then
    pass "router starts, TAP devices moved into the hosts"
else
    fail "router starts, TAP devices moved into the hosts"
    echo "$PASS passed, $FAIL failed"
    exit 1
fi
# Warm the neighbour caches (the router drops while it asks).
in_h1 ping -c 1 -W 1 10.9.2.2 >/dev/null 2>&1
in_h1 ping -6 -c 1 -W 1 fd09:2::2 >/dev/null 2>&1

check "ping the router (IPv4)" in_h1 ping -c 2 -W 2 10.9.1.1
check "ping the router (IPv6)" in_h1 ping -6 -c 2 -W 2 fd09:1::1
check "ping across the router (IPv4)" in_h1 ping -c 3 -W 2 10.9.2.2
check "ping across the router (IPv6)" in_h1 ping -6 -c 3 -W 2 fd09:2::2

reasm_before=$(reasm_oks "$H2")
check "DF-clear 1428-octet ping is fragmented for the 1280 link" in_h1 ping -c 2 -W 2 -M dont -s 1400 10.9.2.2
reasm_after=$(reasm_oks "$H2")
check "the far host reassembled the router's fragments (ReasmOKs $reasm_before -> $reasm_after)" \
    test "$reasm_after" -gt "$reasm_before"

check "ping -t 1 sees the router's Time Exceeded (IPv4)" \
    sh -c "ip netns exec $H1 timeout 10 ping -c 1 -W 2 -t 1 10.9.2.2 | tee /dev/stderr | grep -q 'From 10.9.1.1.*Time to live exceeded'"
check "ping -t 1 sees the router's Time Exceeded (IPv6)" \
    sh -c "ip netns exec $H1 timeout 10 ping -6 -c 1 -W 2 -t 1 fd09:2::2 | tee /dev/stderr | grep -q 'From fd09:1::1.*Time exceeded'"
if command -v tracepath >/dev/null; then
    check "tracepath lists the router as hop 1" \
        sh -c "ip netns exec $H1 timeout 30 tracepath -n -m 3 10.9.2.2 | tee /dev/stderr | grep -Eq '^ 1: +10\.9\.1\.1'"
fi

check "TCP transfer across the router, 4 MB verified (IPv4)" transfer 10.9.2.2 5001 10.9.1.2
check "h1's kernel learned path MTU 1280 from the router (IPv4)" \
    sh -c "ip netns exec $H1 ip route get 10.9.2.2 | tee /dev/stderr | grep -q 'mtu 1280'"
check "TCP transfer across the router, 4 MB verified (IPv6)" transfer fd09:2::2 5002 fd09:1::2
check "h1's kernel learned path MTU 1280 from the router (IPv6)" \
    sh -c "ip netns exec $H1 ip -6 route get fd09:2::2 | tee /dev/stderr | grep -q 'mtu 1280'"
check "DF ping too big for the far link gets Frag Needed (IPv4)" \
    sh -c "ip netns exec $H1 timeout 10 ping -c 1 -W 2 -M do -s 1400 10.9.2.2 2>&1 | tee /dev/stderr | grep -Eq 'mtu = 1280|message too long|Frag needed'"
check "UDP to a closed far port: ECONNREFUSED (IPv4)" in_h1 python3 "$TMP/tool.py" refused 10.9.2.2 5999
check "UDP to a closed far port: ECONNREFUSED (IPv6)" in_h1 python3 "$TMP/tool.py" refused fd09:2::2 5999
stop_router
if [ -n "$PRELOAD" ]; then
    check "forwarding does not allocate: ${ALLOCATIONS:-?} allocations in all (start-up included) for $FORWARDED forwarded packets" \
        test "${ALLOCATIONS:-99999}" -lt 1000 -a "$FORWARDED" -gt 5000
fi

echo "== --masquerade $OUT"
if start_router --masquerade "$OUT"; then
    in_h1 ping -c 1 -W 1 10.9.2.2 >/dev/null 2>&1
    pass "router restarts with --masquerade"
    check "ping through the NAT" in_h1 ping -c 3 -W 2 10.9.2.2
    check "TCP through the NAT: the far host sees 10.9.2.1, 4 MB verified" transfer 10.9.2.2 5003 10.9.2.1
    check "ICMP port unreachable through the NAT reaches the inside socket as ECONNREFUSED" \
        in_h1 python3 "$TMP/tool.py" refused 10.9.2.2 5998
    check "ping -t 1 through the NAT still sees the Time Exceeded" \
        sh -c "ip netns exec $H1 timeout 10 ping -c 1 -W 2 -t 1 10.9.2.2 | grep -q 'Time to live exceeded'"
    check "IPv6 is routed, not translated" in_h1 ping -6 -c 2 -W 2 fd09:2::2
    stop_router
    if [ -n "$PRELOAD" ]; then
        check "NAT does not allocate per packet: ${ALLOCATIONS:-?} allocations in all for $FORWARDED forwarded packets" \
            test "${ALLOCATIONS:-99999}" -lt 1000 -a "$FORWARDED" -gt 2000
    fi
else
    fail "router restarts with --masquerade"
fi

for n in "$H1" "$H2" "$R"; do
    check "no InHdrErrors/InCsumErrors in /proc/net/{snmp,snmp6,netstat} of ${n#"$P"}" snmp_clean "$n"
done

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
