#!/usr/bin/env bash
# Rebuilds the examples' .wasm files from their C sources (Debian's clang-19 and wasm-ld-19).
set -euo pipefail
cd "$(dirname "$0")"
CC=${CC:-clang-19}
LD=${LD:-/usr/bin/wasm-ld-19}
bare=(--target=wasm32 -nostdlib -O2 -fuse-ld="$LD" -Wl,--no-entry)
"$CC" "${bare[@]}" -Wl,--export=fib -o fib/fib.wasm fib/fib.c
