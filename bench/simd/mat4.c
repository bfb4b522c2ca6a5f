/* mat4: 4096 4×4 float matrices (row-major) each multiplied by one 4×4 matrix, C[k] = A[k] × M,
 * n times; M changes slightly every pass. Every element is
 *   c[i][j] = ((a[i][0]·m[0][j] + a[i][1]·m[1][j]) + a[i][2]·m[2][j]) + a[i][3]·m[3][j]
 * in that order in every build (the SIMD form: row i of C = a[i][0]·M0 + … with splats).
 * Checksum: the bits of every pass's results, xor-folded per column. Work: n × 4096 × 64
 * multiplications. */
#include "simd.h"

#define COUNT 4096
static float A[COUNT * 16], C[COUNT * 16];
static float M[16];

static uint32_t multiply(void) {
#if defined(INTRINSICS)
  const v128_t m0 = wasm_v128_load(M), m1 = wasm_v128_load(M + 4), m2 = wasm_v128_load(M + 8), m3 = wasm_v128_load(M + 12);
  v128_t x = wasm_i32x4_splat(0);
  for (int k = 0; k < COUNT * 16; k += 16) {
    const float *a = A + k;
    for (int i = 0; i < 4; i++) {
      v128_t row = wasm_f32x4_mul(wasm_f32x4_splat(a[i * 4]), m0);
      row = wasm_f32x4_add(row, wasm_f32x4_mul(wasm_f32x4_splat(a[i * 4 + 1]), m1));
      row = wasm_f32x4_add(row, wasm_f32x4_mul(wasm_f32x4_splat(a[i * 4 + 2]), m2));
      row = wasm_f32x4_add(row, wasm_f32x4_mul(wasm_f32x4_splat(a[i * 4 + 3]), m3));
      wasm_v128_store(C + k + i * 4, row);
      x = wasm_v128_xor(x, row);
    }
  }
  return wasm_i32x4_extract_lane(x, 0) ^ rotl32(wasm_i32x4_extract_lane(x, 1), 8) ^
         rotl32(wasm_i32x4_extract_lane(x, 2), 16) ^ rotl32(wasm_i32x4_extract_lane(x, 3), 24);
#else
  uint32_t x[4] = { 0 };
  for (int k = 0; k < COUNT * 16; k += 16) {
    const float *a = A + k;
    float *c = C + k;
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        c[i * 4 + j] = ((a[i * 4] * M[j] + a[i * 4 + 1] * M[4 + j]) + a[i * 4 + 2] * M[8 + j]) + a[i * 4 + 3] * M[12 + j];
        x[j] ^= f32_bits(c[i * 4 + j]);
      }
    }
  }
  return x[0] ^ rotl32(x[1], 8) ^ rotl32(x[2], 16) ^ rotl32(x[3], 24);
#endif
}

uint32_t run(int n) {
  uint32_t s = seed32(15);
  for (int i = 0; i < COUNT * 16; i++) A[i] = unit_f32(&s);
  for (int i = 0; i < 16; i++) M[i] = unit_f32(&s);
  uint32_t h = 0;
  for (int pass = 0; pass < n; pass++) {
    M[pass & 15] = (float)((pass * 37) & 255) * (1.0f / 128.0f) - 1.0f;
    h = rotl32(h, 5) ^ multiply();
  }
  return h;
}
