/* dot_f32: dot product of two 4096-float vectors, n times; before each pass one element of A
 * changes, so no pass repeats the last. Eight partial sums (lanes 0-3 of two f32x4
 * accumulators), combined as (l0 + l1) + (l2 + l3) with lane k = acc[k] + acc[k + 4]: the
 * scalar and SIMD builds add in exactly the same order. clang does not autovectorise a float
 * reduction without -ffast-math (even split like this), hence the intrinsics build.
 * Checksum: the bits of every pass's result. Work: n × 4096 multiply-adds. */
#include "simd.h"

#define N 4096
static float A[N], B[N];

static float dot(const float *a, const float *b) {
#if defined(INTRINSICS)
  v128_t x = wasm_f32x4_splat(0.0f), y = wasm_f32x4_splat(0.0f);
  for (int i = 0; i < N; i += 8) {
    x = wasm_f32x4_add(x, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    y = wasm_f32x4_add(y, wasm_f32x4_mul(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4)));
  }
  v128_t l = wasm_f32x4_add(x, y);
  return (wasm_f32x4_extract_lane(l, 0) + wasm_f32x4_extract_lane(l, 1)) +
         (wasm_f32x4_extract_lane(l, 2) + wasm_f32x4_extract_lane(l, 3));
#else
  float acc[8] = { 0 };
  for (int i = 0; i < N; i += 8)
    for (int k = 0; k < 8; k++) acc[k] += a[i + k] * b[i + k];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
#endif
}

uint32_t run(int n) {
  uint32_t s = seed32(11);
  for (int i = 0; i < N; i++) {
    A[i] = unit_f32(&s);
    B[i] = unit_f32(&s);
  }
  uint32_t h = 0;
  for (int pass = 0; pass < n; pass++) {
    A[(pass * 97) & (N - 1)] = (float)(pass & 255) * (1.0f / 256.0f);
    h = rotl32(h, 5) ^ f32_bits(dot(A, B));
  }
  return h;
}
