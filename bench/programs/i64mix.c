/* i64mix: 64-bit integer work: splitmix64 and xorshift64 generators (multiplies, shifts), rotates
 * by variable amounts, unsigned and signed division and remainder by data-dependent nonzero
 * divisors, 64-bit comparisons. Work: n iterations. */
#include "bench.h"

static inline uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline uint64_t xorshift64(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}

uint64_t run(int n) {
  uint64_t sm = 0x0123456789abcdefull, xs = 88172645463325252ull, acc = 0;
  for (int i = 0; i < n; i++) {
    uint64_t a = splitmix64(&sm);
    uint64_t b = xorshift64(&xs);
    uint64_t d = (b >> (40 + (i & 15))) | 1u;       /* nonzero, up to 24 bits */
    uint64_t q = a / d, r = a % d;
    acc += q ^ rotl64(r, (unsigned)(a >> 58));
    /* signed: |sa| < 2^63 (no INT64_MIN / -1 overflow); sd odd, so nonzero, and often negative */
    int64_t sa = (int64_t)((a ^ acc) >> 1) - (int64_t)(b >> 1), sd = ((int64_t)b >> 50) | 1;
    acc ^= (uint64_t)(sa / sd) + (uint64_t)(sa % sd);
    acc = (acc > b ? rotl64(acc, 23) : acc ^ b) * 0x2545f4914f6cdd1dull;
  }
  return acc;
}
