#!/bin/sh
# Builds the SIMD benchmark kernels with Debian's clang-19 and wasm-ld-19, each C file three
# ways (two for dot_i16, which clang vectorises well by itself):
#   <name>.scalar.wasm  -mno-simd128 -fno-vectorize -fno-slp-vectorize: no v128 at all
#   <name>.simd.wasm    -msimd128: clang's loop and SLP vectorisers
#   <name>.intrin.wasm  -msimd128 -DINTRINSICS: the wasm_simd128.h code path of the source
# The built .wasm files are committed beside the sources so the benchmark and its test need no
# toolchain; rerun this after editing a source. It then checks with wasm-objdump that every
# SIMD build has v128 instructions and no scalar build has any (test/bench/simd-kernels.test.ts
# checks the same on the committed files, without wabt).
#
# Compiling (-c, with -O2) and linking (without -O) are separate steps on purpose: when clang
# links with an -O option it runs binaryen's wasm-opt if one is on PATH (see
# ../programs/build.sh).
set -eu
cd "$(dirname "$0")"

CC=${CC:-clang-19}
LD=${LD:-/usr/bin/wasm-ld-19}
OBJDUMP=${OBJDUMP:-wasm-objdump}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Freestanding: no libc, no entry point; ../programs/mini.c supplies memcpy/memmove/memset.
CFLAGS="--target=wasm32 -nostdlib -O2 -Wall -Wextra"
LINK="--target=wasm32 -nostdlib -fuse-ld=$LD -Wl,--no-entry -Wl,--export=run"
SCALAR="-mno-simd128 -fno-vectorize -fno-slp-vectorize"
SIMD="-msimd128"

# wasm-objdump -d output -> "instructions/v128" of each innermost loop, in order (the hot loops
# are the large ones; the first of each kernel fills its input with xorshift32)
LOOPS='
{
  i = index($0, "| "); if (i == 0) next
  ins = substr($0, i + 2); sub(/^ +/, "", ins); if (ins == "") next
  split(ins, w, " "); op = w[1]
  if (op == "block" || op == "loop" || op == "if") {
    if (op == "loop") for (k = sp; k > 0; k--) if (kind[k] == "loop") { inner[k] = 1; break }
    sp++; kind[sp] = op; n[sp] = 0; v[sp] = 0; inner[sp] = 0; next
  }
  if (op == "end") {
    if (sp == 0) next
    if (kind[sp] == "loop" && !inner[sp]) out = out " " n[sp] "/" v[sp]
    c = n[sp]; d = v[sp]; sp--
    if (sp > 0) { n[sp] += c; v[sp] += d }
    next
  }
  if (sp > 0) { n[sp]++; if (op ~ /^(v128|[if](8x16|16x8|32x4|64x2))\./) v[sp]++ }
}
END { print "  innermost loops (instructions/v128):" out }
'

# one <name> <variant> [compile flags...]
one() {
  name=$1; variant=$2; shift 2
  out=$name.$variant.wasm
  echo "$CC $name.c -> $out"
  $CC $CFLAGS "$@" -c -o "$TMP/$name.$variant.o" "$name.c"
  $CC $CFLAGS "$@" -fno-builtin -c -o "$TMP/mini.$name.$variant.o" ../programs/mini.c
  $CC $LINK -o "$out" "$TMP/$name.$variant.o" "$TMP/mini.$name.$variant.o"
  # v128 instructions are the ones wasm-objdump prints with a vector shape or v128 in the name
  n=$($OBJDUMP -d "$out" | grep -cE ' (v128|[if](8x16|16x8|32x4|64x2))\.' || true)
  case $variant in
    scalar) [ "$n" -eq 0 ] || { echo "$out: $n v128 instructions in a scalar build" >&2; exit 1; } ;;
    *) [ "$n" -gt 0 ] || { echo "$out: no v128 instructions" >&2; exit 1; }; echo "  $n v128 instructions" ;;
  esac
  $OBJDUMP -d "$out" | awk "$LOOPS"
}

for k in dot_f32 dot_i16 histogram blend mat4; do
  one $k scalar $SCALAR
  one $k simd $SIMD
done
for k in dot_f32 histogram blend mat4; do
  one $k intrin $SIMD -DINTRINSICS
done
