#!/bin/sh
# Builds the benchmark programs with Debian's clang-19 and wasm-ld-19. The built .wasm files are
# committed beside the sources so the benchmark and its test need no toolchain; rerun this after
# editing a source.
#
# Compiling (-c, with -O2) and linking (without -O) are separate steps on purpose: when clang
# links with an -O option it runs binaryen's wasm-opt if one is on PATH, which would make the
# output depend on whether binaryen is installed (see test/fixtures/memory/build.sh).
set -eu
cd "$(dirname "$0")"

CC=${CC:-clang-19}
LD=${LD:-/usr/bin/wasm-ld-19}
SYSROOT=${SYSROOT:-/usr}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Freestanding: no libc, no entry point; mini.c supplies memcpy/memmove/memset.
CFLAGS="--target=wasm32 -nostdlib -O2 -Wall -Wextra"
LINK="--target=wasm32 -nostdlib -fuse-ld=$LD -Wl,--no-entry -Wl,--export=run"

# bare <name> [extra compile flags...]
bare() {
  name=$1; shift
  echo "$CC $name.c -> $name.wasm"
  $CC $CFLAGS "$@" -c -o "$TMP/$name.o" "$name.c"
  $CC $CFLAGS "$@" -fno-builtin -c -o "$TMP/mini-$name.o" mini.c
  $CC $LINK -o "$name.wasm" "$TMP/$name.o" "$TMP/mini-$name.o"
}

bare hash32
bare sort
bare matmul
bare nbody
bare i64mix
bare calls
bare bulk -mbulk-memory
bare embedded
bare unrolled
bare vm
bare hashtable
bare compress
bare coremark_like

# WASI: wasi-libc from Debian. --strip-debug drops the DWARF sections of Debian's wasi-libc but
# keeps the name section.
WASI="--target=wasm32-wasi --sysroot=$SYSROOT"
echo "$CC wasi_prog.c -> wasi_prog.wasm"
$CC $WASI -O2 -Wall -Wextra -c -o "$TMP/wasi_prog.o" wasi_prog.c
$CC $WASI -fuse-ld="$LD" -Wl,--strip-debug -o wasi_prog.wasm "$TMP/wasi_prog.o"
