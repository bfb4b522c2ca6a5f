/* dot_i16: dot product of two 8192-element int16 vectors into an int32 (wrapping), n times;
 * before each pass one element of A changes. Integer sums do not depend on the order, so
 * clang's autovectoriser is free to use i32x4.dot_i16x8_s or extending multiplies.
 * Checksum: every pass's result. Work: n × 8192 multiply-adds. */
#include "simd.h"

#define N 8192
static int16_t A[N], B[N];

static int32_t dot(const int16_t *a, const int16_t *b) {
#if defined(INTRINSICS)
  v128_t x = wasm_i32x4_splat(0), y = wasm_i32x4_splat(0);
  for (int i = 0; i < N; i += 16) {
    x = wasm_i32x4_add(x, wasm_i32x4_dot_i16x8(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    y = wasm_i32x4_add(y, wasm_i32x4_dot_i16x8(wasm_v128_load(a + i + 8), wasm_v128_load(b + i + 8)));
  }
  v128_t l = wasm_i32x4_add(x, y);
  return wasm_i32x4_extract_lane(l, 0) + wasm_i32x4_extract_lane(l, 1) + wasm_i32x4_extract_lane(l, 2) + wasm_i32x4_extract_lane(l, 3);
#else
  uint32_t sum = 0;
  for (int i = 0; i < N; i++) sum += (uint32_t)((int32_t)a[i] * (int32_t)b[i]);
  return (int32_t)sum;
#endif
}

uint32_t run(int n) {
  uint32_t s = seed32(12);
  for (int i = 0; i < N; i++) {
    A[i] = (int16_t)xorshift32(&s);
    B[i] = (int16_t)xorshift32(&s);
  }
  uint32_t h = 0;
  for (int pass = 0; pass < n; pass++) {
    A[(pass * 97) & (N - 1)] = (int16_t)(pass * 2654435761u >> 16);
    h = rotl32(h, 5) ^ (uint32_t)dot(A, B);
  }
  return h;
}
