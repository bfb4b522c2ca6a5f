/* matmul: C = A × B for 200×200 f64 matrices (i-k-j order), A and B refilled each pass with
 * values in [-1, 1) from xorshift32. The checksum folds the bits of each pass's sum of C.
 * Work: n multiplications. */
#include "bench.h"

#define D 200
static double A[D * D], B[D * D], C[D * D];

static void fill(double *m, uint32_t seed) {
  uint32_t s = seed32(seed);
  for (int i = 0; i < D * D; i++) m[i] = (double)(int32_t)xorshift32(&s) * (1.0 / 2147483648.0);
}

static void multiply(void) {
  for (int i = 0; i < D; i++) {
    double *c = &C[i * D];
    for (int j = 0; j < D; j++) c[j] = 0.0;
    for (int k = 0; k < D; k++) {
      double aik = A[i * D + k];
      const double *b = &B[k * D];
      for (int j = 0; j < D; j++) c[j] += aik * b[j];
    }
  }
}

uint64_t run(int n) {
  uint64_t h = 0;
  for (int pass = 0; pass < n; pass++) {
    fill(A, 2u * (uint32_t)pass);
    fill(B, 2u * (uint32_t)pass + 1u);
    multiply();
    double sum = 0.0;
    for (int i = 0; i < D * D; i++) sum += C[i] * (double)(i % 7 - 3);
    h = rotl64(h, 7) ^ f64_bits(sum);
  }
  return h;
}
