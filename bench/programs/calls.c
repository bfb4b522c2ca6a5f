/* calls: direct recursion (fib, tak) and calls through function pointers (call_indirect): an
 * array of small i32 operations picked by the running value, as an interpreter's dispatch
 * would. Work: n rounds of fib(15..18), one tak and 2,000 indirect calls. */
#include "bench.h"

__attribute__((noinline)) static uint32_t fib(uint32_t k) { return k < 2 ? k : fib(k - 1) + fib(k - 2); }

__attribute__((noinline)) static int tak(int x, int y, int z) {
  return y < x ? tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y)) : z;
}

typedef uint32_t (*op_fn)(uint32_t, uint32_t);

/* Each operation is a bijection in `a` for a fixed `b`, so the running value never collapses
 * and the checksum depends on every call. */
static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
static uint32_t op_sub(uint32_t a, uint32_t b) { return a - b * 3u; }
static uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ (b * 0x9e3779b9u); }
static uint32_t op_mul(uint32_t a, uint32_t b) { return a * (2u * b + 1u); }
static uint32_t op_rot(uint32_t a, uint32_t b) { return rotl32(a, b); }
static uint32_t op_not(uint32_t a, uint32_t b) { return ~a + b; }
static uint32_t op_shr(uint32_t a, uint32_t b) { return (a ^ (a >> 7)) ^ b; }
static uint32_t op_shl(uint32_t a, uint32_t b) { return (a ^ (a << 9)) + b; }

static op_fn ops[8] = { op_add, op_sub, op_xor, op_mul, op_rot, op_not, op_shr, op_shl };

uint32_t run(int n) {
  uint32_t acc = 1;
  for (int i = 0; i < n; i++) {
    acc += fib(15u + ((uint32_t)i & 3u));
    acc ^= (uint32_t)tak(12, 6 + (i & 1), 0);
    for (uint32_t j = 0; j < 2000; j++) acc = ops[(acc ^ (acc >> 11)) & 7u](acc, j);
  }
  return acc;
}
