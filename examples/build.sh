#!/usr/bin/env bash
# Rebuilds the examples' .wasm files from their C sources (Debian's clang-19, wasm-ld-19 and
# wasi-libc). Compile and link are separate steps so clang never runs wasm-opt (which would
# strip the name section that stack traces use).
set -euo pipefail
cd "$(dirname "$0")"
CC=${CC:-clang-19}
LD=${LD:-/usr/bin/wasm-ld-19}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

bare() { # bare <name> <exports...>: freestanding, trimmed to __heap_base
  local name=$1; shift
  "$CC" --target=wasm32 -nostdlib -O2 -c -o "$TMP/$name.o" "$name/$name.c"
  local exports=()
  for e in "$@"; do exports+=("-Wl,--export=$e"); done
  "$CC" --target=wasm32 -nostdlib -fuse-ld="$LD" -Wl,--no-entry -Wl,--allow-undefined \
    -Wl,--stack-first -z stack-size=1024 -Wl,--export=__heap_base "${exports[@]}" -o "$name/$name.wasm" "$TMP/$name.o"
}

bare fib fib
bare add add add64
bare memory run
bare callback square run

"$CC" --target=wasm32-wasi --sysroot=/usr -O2 -c -o "$TMP/hello.o" hello/hello.c
"$CC" --target=wasm32-wasi --sysroot=/usr -fuse-ld="$LD" -Wl,--strip-debug -o hello/hello.wasm "$TMP/hello.o"
