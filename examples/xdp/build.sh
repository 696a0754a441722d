#!/usr/bin/env bash
# Builds the XDP program into an eBPF object the kernel loads, with Debian's
# Rust (rustc-web, cargo-web and libstd-rust-web-dev-bpf for the bpfel core)
# and LLVM's llc, since bpf-linker is not packaged:
#   1. the crate as a static library with fat LTO, emitted as LLVM IR;
#   2. that IR compiled by llc for bpfel (BPF ISA v3) into an ELF object.
# Prints the object's path. CARGO_TARGET_DIR may point elsewhere.
set -euo pipefail
cd "$(dirname "$0")"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
llc="${LLC:-$(ls -d /usr/lib/llvm-*/bin/llc | sort -V | tail -n 1)}"
rm -f "$target_dir"/bpfel-unknown-none/release/deps/wireview_xdp-*.ll
env RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$target_dir" \
    /usr/bin/cargo rustc --release --target bpfel-unknown-none -q -- --emit=llvm-ir >&2
ir=$(ls "$target_dir"/bpfel-unknown-none/release/deps/wireview_xdp-*.ll)
obj="$target_dir/wireview_xdp.o"
"$llc" -march=bpfel -mcpu=v3 -O2 -filetype=obj "$ir" -o "$obj"
echo "$obj"
