/* sort: quicksort (median of three, insertion sort below 16 elements, recursion on the smaller
 * half) of 256 Ki signed i32 values from xorshift32, then a check that the result is sorted and
 * a position-weighted checksum. Work: n sorts. */
#include "bench.h"

#define N (1 << 18)
static int32_t a[N];

static void insertion_sort(int32_t *v, int lo, int hi) {
  for (int i = lo + 1; i <= hi; i++) {
    int32_t x = v[i];
    int j = i - 1;
    while (j >= lo && v[j] > x) {
      v[j + 1] = v[j];
      j--;
    }
    v[j + 1] = x;
  }
}

static inline void swap(int32_t *v, int i, int j) {
  int32_t t = v[i];
  v[i] = v[j];
  v[j] = t;
}

static void quicksort(int32_t *v, int lo, int hi) {
  while (hi - lo > 16) {
    int mid = lo + (hi - lo) / 2;
    if (v[mid] < v[lo]) swap(v, mid, lo);
    if (v[hi] < v[lo]) swap(v, hi, lo);
    if (v[hi] < v[mid]) swap(v, hi, mid);
    int32_t pivot = v[mid];
    int i = lo, j = hi;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) swap(v, i++, j--);
    }
    if (j - lo < hi - i) {
      quicksort(v, lo, j);
      lo = i;
    } else {
      quicksort(v, i, hi);
      hi = j;
    }
  }
  insertion_sort(v, lo, hi);
}

int32_t run(int n) {
  uint32_t sum = 0;
  for (int pass = 0; pass < n; pass++) {
    uint32_t s = seed32((uint32_t)pass);
    for (int i = 0; i < N; i++) a[i] = (int32_t)xorshift32(&s);
    quicksort(a, 0, N - 1);
    for (int i = 1; i < N; i++)
      if (a[i - 1] > a[i]) return -1;
    for (int i = 0; i < N; i++) sum = sum * 31u + ((uint32_t)a[i] ^ (uint32_t)i);
  }
  return (int32_t)sum;
}
