/* blend: alpha blending of a 256×256 RGBA image (8 bits a channel) onto another, n times, the
 * result becoming the next pass's destination. Every channel, alpha included:
 *   out = div255(src × a + dst × (255 − a)), a = the source pixel's alpha,
 *   div255(x) = (x + 128 + ((x + 128) >> 8)) >> 8   (x / 255 rounded, exact for x ≤ 255²).
 * All of it fits in 16 bits. The alpha of each pixel has to reach its four channels: clang's
 * autovectoriser does that with stride-4 loads; the intrinsics build broadcasts it with one
 * i8x16.shuffle and works on 8 channels in each i16x8.
 * Checksum: the destination after every pass, folded. Work: n × 256 Ki channels. */
#include "simd.h"

#define PIXELS (256 * 256)
static uint8_t SRC[PIXELS * 4], DST[PIXELS * 4];

static void blend(void) {
#if defined(INTRINSICS)
  const v128_t round = wasm_i16x8_splat(128);
  for (int i = 0; i < PIXELS * 4; i += 16) {
    v128_t s = wasm_v128_load(SRC + i), d = wasm_v128_load(DST + i);
    v128_t a = wasm_i8x16_shuffle(s, s, 3, 3, 3, 3, 7, 7, 7, 7, 11, 11, 11, 11, 15, 15, 15, 15);
    v128_t ia = wasm_v128_not(a);
    v128_t lo = wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(s), wasm_u16x8_extend_low_u8x16(a)),
                               wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(d), wasm_u16x8_extend_low_u8x16(ia)));
    v128_t hi = wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(s), wasm_u16x8_extend_high_u8x16(a)),
                               wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(d), wasm_u16x8_extend_high_u8x16(ia)));
    lo = wasm_i16x8_add(lo, round);
    hi = wasm_i16x8_add(hi, round);
    lo = wasm_u16x8_shr(wasm_i16x8_add(lo, wasm_u16x8_shr(lo, 8)), 8);
    hi = wasm_u16x8_shr(wasm_i16x8_add(hi, wasm_u16x8_shr(hi, 8)), 8);
    wasm_v128_store(DST + i, wasm_u8x16_narrow_i16x8(lo, hi));
  }
#else
  for (int p = 0; p < PIXELS * 4; p += 4) {
    uint16_t a = SRC[p + 3], ia = (uint16_t)(255 - a);
    for (int c = 0; c < 4; c++) {
      uint16_t x = (uint16_t)(SRC[p + c] * a + DST[p + c] * ia + 128);
      DST[p + c] = (uint8_t)((x + (x >> 8)) >> 8);
    }
  }
#endif
}

uint32_t run(int n) {
  uint32_t s = seed32(14);
  for (int i = 0; i < PIXELS * 4; i++) {
    SRC[i] = (uint8_t)(xorshift32(&s) >> 24);
    DST[i] = (uint8_t)(xorshift32(&s) >> 24);
  }
  uint32_t h = 0;
  for (int pass = 0; pass < n; pass++) {
    /* a different source alpha each pass, so no two passes are alike */
    SRC[((pass * 4099) & (PIXELS - 1)) * 4 + 3] = (uint8_t)pass;
    blend();
    uint32_t x = 0;
    const uint32_t *w = (const uint32_t *)DST;
    for (int i = 0; i < PIXELS; i++) x ^= w[i] * (uint32_t)(2 * i + 1);
    h = rotl32(h, 7) ^ x;
  }
  return h;
}
