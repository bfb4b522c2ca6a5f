/* unrolled: SHA-256 with its 64 rounds and message schedule written out by macros, as
 * size-for-speed crypto code often is, two independent lanes per call so the compression
 * function is one very large function (over V8's optimisation limit for JavaScript functions
 * unless it is split). Hashes a 64 KiB xorshift buffer per pass, lane 2 over it backwards.
 * Work: n passes. */
#include "bench.h"

static const uint32_t K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define S0(x) (ROTR(x, 2) ^ ROTR(x, 13) ^ ROTR(x, 22))
#define S1(x) (ROTR(x, 6) ^ ROTR(x, 11) ^ ROTR(x, 25))
#define G0(x) (ROTR(x, 7) ^ ROTR(x, 18) ^ ((x) >> 3))
#define G1(x) (ROTR(x, 17) ^ ROTR(x, 19) ^ ((x) >> 10))
#define CH(x, y, z) (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))

/* One round on lane L; the eight working variables rotate by renaming. */
#define R(L, a, b, c, d, e, f, g, h, i)                                   \
  do {                                                                    \
    uint32_t t1 = h##L + S1(e##L) + CH(e##L, f##L, g##L) + K[i] + w##L[i]; \
    uint32_t t2 = S0(a##L) + MAJ(a##L, b##L, c##L);                       \
    d##L += t1;                                                           \
    h##L = t1 + t2;                                                       \
  } while (0)

#define EIGHT(L, i)                   \
  R(L, a, b, c, d, e, f, g, h, i);     \
  R(L, h, a, b, c, d, e, f, g, i + 1); \
  R(L, g, h, a, b, c, d, e, f, i + 2); \
  R(L, f, g, h, a, b, c, d, e, i + 3); \
  R(L, e, f, g, h, a, b, c, d, i + 4); \
  R(L, d, e, f, g, h, a, b, c, i + 5); \
  R(L, c, d, e, f, g, h, a, b, i + 6); \
  R(L, b, c, d, e, f, g, h, a, i + 7)

#define W(L, i) w##L[i] = G1(w##L[i - 2]) + w##L[i - 7] + G0(w##L[i - 15]) + w##L[i - 16]
#define W8(L, i) W(L, i); W(L, i + 1); W(L, i + 2); W(L, i + 3); W(L, i + 4); W(L, i + 5); W(L, i + 6); W(L, i + 7)

#define LOAD(L, st)                                                                     \
  uint32_t a##L = st[0], b##L = st[1], c##L = st[2], d##L = st[3], e##L = st[4], f##L = st[5], \
           g##L = st[6], h##L = st[7]

#define STORE(L, st) \
  st[0] += a##L; st[1] += b##L; st[2] += c##L; st[3] += d##L; st[4] += e##L; st[5] += f##L; st[6] += g##L; st[7] += h##L

/* Compresses one 64-byte block into each lane's state. */
__attribute__((noinline)) static void compress2(uint32_t *s1, const uint8_t *p1, uint32_t *s2, const uint8_t *p2) {
  uint32_t w1[64], w2[64];
  for (int i = 0; i < 16; i++) {
    w1[i] = (uint32_t)p1[4 * i] << 24 | (uint32_t)p1[4 * i + 1] << 16 | (uint32_t)p1[4 * i + 2] << 8 | p1[4 * i + 3];
    w2[i] = (uint32_t)p2[4 * i] << 24 | (uint32_t)p2[4 * i + 1] << 16 | (uint32_t)p2[4 * i + 2] << 8 | p2[4 * i + 3];
  }
  W8(1, 16); W8(1, 24); W8(1, 32); W8(1, 40); W8(1, 48); W8(1, 56);
  W8(2, 16); W8(2, 24); W8(2, 32); W8(2, 40); W8(2, 48); W8(2, 56);
  LOAD(1, s1);
  LOAD(2, s2);
  EIGHT(1, 0); EIGHT(1, 8); EIGHT(1, 16); EIGHT(1, 24); EIGHT(1, 32); EIGHT(1, 40); EIGHT(1, 48); EIGHT(1, 56);
  EIGHT(2, 0); EIGHT(2, 8); EIGHT(2, 16); EIGHT(2, 24); EIGHT(2, 32); EIGHT(2, 40); EIGHT(2, 48); EIGHT(2, 56);
  STORE(1, s1);
  STORE(2, s2);
}

#define SIZE (64u * 1024u)
static uint8_t data[SIZE];

uint32_t run(int n) {
  uint32_t sum = 0, s = seed32(11);
  for (uint32_t i = 0; i < SIZE; i++) data[i] = (uint8_t)xorshift32(&s);
  for (int pass = 0; pass < n; pass++) {
    uint32_t st1[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    uint32_t st2[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, (uint32_t)pass };
    for (uint32_t off = 0; off < SIZE; off += 64) compress2(st1, data + off, st2, data + (SIZE - 64 - off));
    for (int k = 0; k < 8; k++) sum = rotl32(sum, 5) ^ st1[k] ^ (st2[k] * 3u);
    data[pass & (SIZE - 1)] ^= (uint8_t)sum;
  }
  return sum;
}
