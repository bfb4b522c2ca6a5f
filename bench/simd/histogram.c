/* histogram: counts of each byte value in a 64 KiB buffer (skewed: a mix of uniform bytes and
 * small ones), n times; before each pass 16 bytes change. Four sub-histograms, byte i counted in
 * histogram i % 4, so that consecutive equal bytes do not wait on each other; summed at the end.
 * A scatter does not autovectorise; the intrinsics build loads 16 bytes at a time and takes
 * them out lane by lane (i8x16.extract_lane_u), the usual way to feed a scalar scatter.
 * Checksum: every pass's 256 counts, folded. Work: n × 64 Ki bytes counted. */
#include "simd.h"

#define N 65536
static uint8_t BUF[N];
static uint32_t SUB[4][256];
static uint32_t HIST[256];

static void count(void) {
  for (int b = 0; b < 256; b++) SUB[0][b] = SUB[1][b] = SUB[2][b] = SUB[3][b] = 0;
#if defined(INTRINSICS)
  for (int i = 0; i < N; i += 16) {
    v128_t v = wasm_v128_load(BUF + i);
#define LANE(k) SUB[(k) & 3][wasm_u8x16_extract_lane(v, k)]++;
    LANE(0) LANE(1) LANE(2) LANE(3) LANE(4) LANE(5) LANE(6) LANE(7)
    LANE(8) LANE(9) LANE(10) LANE(11) LANE(12) LANE(13) LANE(14) LANE(15)
#undef LANE
  }
#else
  for (int i = 0; i < N; i += 4) {
    SUB[0][BUF[i]]++;
    SUB[1][BUF[i + 1]]++;
    SUB[2][BUF[i + 2]]++;
    SUB[3][BUF[i + 3]]++;
  }
#endif
  for (int b = 0; b < 256; b++) HIST[b] = SUB[0][b] + SUB[1][b] + SUB[2][b] + SUB[3][b];
}

uint32_t run(int n) {
  uint32_t s = seed32(13);
  for (int i = 0; i < N; i++) {
    uint32_t r = xorshift32(&s);
    BUF[i] = (uint8_t)(r & 0x100 ? r >> 24 : (r >> 24) & 15);
  }
  uint32_t h = 0;
  for (int pass = 0; pass < n; pass++) {
    for (int k = 0; k < 16; k++) BUF[(pass * 4099 + k * 17) & (N - 1)] = (uint8_t)(pass + k);
    count();
    for (int b = 0; b < 256; b++) h = rotl32(h, 3) ^ (HIST[b] * (uint32_t)(b + 1));
  }
  return h;
}
