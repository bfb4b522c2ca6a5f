/* Shared by the freestanding benchmark programs (no libc, no headers beyond clang's own
 * stdint.h/stddef.h). Each program exports `run(n)`, does work proportional to n and returns
 * a checksum of everything it computed, so that engines can be compared on the result. */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

/* clang may turn loops and struct copies into calls to these; mini.c defines them. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

/* Marsaglia's xorshift32: a tiny, full-period (for a nonzero seed) generator. */
static inline uint32_t xorshift32(uint32_t *state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *state = x;
}

/* A nonzero seed from any integer. */
static inline uint32_t seed32(uint32_t k) {
  uint32_t s = (k + 1u) * 2654435761u;
  return s ? s : 1u;
}

static inline uint32_t rotl32(uint32_t x, unsigned r) {
  return (x << (r & 31)) | (x >> ((32 - r) & 31));
}

static inline uint64_t rotl64(uint64_t x, unsigned r) {
  return (x << (r & 63)) | (x >> ((64 - r) & 63));
}

/* The bits of a double, for checksums of floating-point results (i64.reinterpret_f64). */
static inline uint64_t f64_bits(double d) {
  union { double d; uint64_t u; } v = { d };
  return v.u;
}

#endif
