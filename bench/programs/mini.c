/* The three memory routines clang may call in freestanding code (it turns some loops and
 * struct copies into calls to them). Plain byte loops: the programs do not depend on their
 * speed, except bulk.c, which is built with -mbulk-memory and gets memory.copy/fill inline.
 * Built with -fno-builtin so the loops below are not themselves turned into calls. */
#include "bench.h"

void *memcpy(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    while (n--) d[n] = s[n];
  }
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}
