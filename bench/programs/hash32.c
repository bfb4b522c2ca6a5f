/* hash32: i32 hashing over a 4 MiB buffer. Each pass refills the buffer from xorshift32 (seeded
 * by the pass number), hashes it word by word with a murmur3-style mix, and byte by byte with
 * FNV-1a over its first quarter. Work: n passes. */
#include "bench.h"

#define WORDS (1u << 20) /* 4 MiB */
static uint32_t buf[WORDS];

static void fill(uint32_t seed) {
  uint32_t s = seed32(seed);
  for (uint32_t i = 0; i < WORDS; i++) buf[i] = xorshift32(&s);
}

static uint32_t murmur_words(const uint32_t *p, uint32_t count, uint32_t h) {
  for (uint32_t i = 0; i < count; i++) {
    uint32_t k = p[i] * 0xcc9e2d51u;
    k = rotl32(k, 15) * 0x1b873593u;
    h = rotl32(h ^ k, 13) * 5u + 0xe6546b64u;
  }
  h ^= count * 4u;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

static uint32_t fnv1a_bytes(const uint8_t *p, uint32_t count) {
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < count; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

uint32_t run(int n) {
  uint32_t sum = 0;
  for (int pass = 0; pass < n; pass++) {
    fill((uint32_t)pass);
    sum = rotl32(sum, 5) ^ murmur_words(buf, WORDS, (uint32_t)pass);
    sum += fnv1a_bytes((const uint8_t *)buf, WORDS);
  }
  return sum;
}
