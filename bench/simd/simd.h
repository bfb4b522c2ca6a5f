/* Shared by the SIMD benchmark kernels (the .c files here). Each kernel is written once and built
 * three ways by build.sh: scalar (-mno-simd128, clang's vectorisers off), autovectorised
 * (-msimd128) and, for the kernels clang does not vectorise well, with wasm_simd128.h
 * intrinsics (-msimd128 -DINTRINSICS). All builds compute the same thing in the same order
 * (floating-point sums are split into the same lanes in every build), so `run(n)` returns the
 * same checksum from each; see README.md. */
#ifndef SIMD_H
#define SIMD_H

#include "../programs/bench.h"

#if defined(INTRINSICS)
#if !defined(__wasm_simd128__)
#error "INTRINSICS needs -msimd128"
#endif
#include <wasm_simd128.h>
#endif

static inline uint32_t f32_bits(float f) {
  union { float f; uint32_t u; } v = { f };
  return v.u;
}

/* [-1, 1) from xorshift32, a multiple of 2^-24 (exact in a float). */
static inline float unit_f32(uint32_t *s) {
  return (float)((int32_t)xorshift32(s) >> 7) * (1.0f / 16777216.0f);
}

#endif
