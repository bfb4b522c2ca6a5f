/* bulk: memset/memcpy/memmove over an 8 MiB buffer, built with -mbulk-memory so each becomes one
 * memory.fill or memory.copy instruction. Each pass: one 8 MiB fill, a 4 MiB copy, 512 moves
 * and fills of random lengths (16 B .. 64 KiB) at random places, 20,000 small moves (1..64 B),
 * and a sampled checksum. Work: n passes. */
#include "bench.h"

#define SIZE (8u << 20)
static uint8_t mem[SIZE];

static inline uint32_t load32(uint32_t at) {
  uint32_t v;
  __builtin_memcpy(&v, &mem[at], 4);
  return v;
}

uint32_t run(int n) {
  uint32_t s = seed32(3), sum = 0;
  for (int pass = 0; pass < n; pass++) {
    __builtin_memset(mem, pass & 0xff, SIZE);
    for (uint32_t i = 0; i < SIZE; i += 4096) mem[i] = (uint8_t)xorshift32(&s);
    __builtin_memcpy(mem + SIZE / 2, mem, SIZE / 2);
    for (int k = 0; k < 512; k++) {
      uint32_t len = 16u << (xorshift32(&s) % 13u);
      uint32_t from = xorshift32(&s) % (SIZE - len), to = xorshift32(&s) % (SIZE - len);
      __builtin_memmove(mem + to, mem + from, len);
      __builtin_memset(mem + xorshift32(&s) % (SIZE - len), (int)(k & 0xff), len / 2);
    }
    for (int k = 0; k < 20000; k++) {
      uint32_t r = xorshift32(&s);
      uint32_t len = 1u + (r & 63u);
      __builtin_memmove(mem + (r >> 10), mem + ((r >> 10) ^ 0x5555u), len); /* both below 4 MiB + 64 KiB */
    }
    for (uint32_t i = 0; i < SIZE; i += 64) sum = sum * 31u + load32(i);
  }
  return sum;
}
