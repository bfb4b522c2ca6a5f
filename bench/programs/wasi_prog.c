/* wasi_prog: word frequencies, with wasi-libc (malloc, string functions, qsort, printf).
 * Generates a text of N words (argv[1], default 100000) from xorshift32: words are made of
 * syllables, drawn with a skewed distribution so some are frequent, separated by spaces,
 * punctuation and mixed case. Then it tokenises the text, counts the words in a chained hash
 * table that doubles when full (malloc'd nodes and strings), sorts the distinct words by count
 * and prints the most frequent ones and a checksum. Work: proportional to N. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rng = 2463534242u;
static uint32_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static const char *const syllables[16] = { "ka", "lo", "mi", "nu", "pe", "ra", "si", "to",
                                           "ve", "za", "qua", "bri", "sto", "ny", "el", "or" };

typedef struct entry {
  struct entry *next;
  char *word;
  uint32_t hash;
  uint32_t count;
} entry_t;

typedef struct {
  entry_t **buckets;
  size_t size, used;
} table_t;

static uint32_t hash_word(const char *w, size_t len) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)w[i]) * 16777619u;
  return h;
}

static void table_grow(table_t *t) {
  size_t size = t->size ? t->size * 2 : 64;
  entry_t **buckets = calloc(size, sizeof *buckets);
  if (!buckets) abort();
  for (size_t i = 0; i < t->size; i++) {
    for (entry_t *e = t->buckets[i], *next; e; e = next) {
      next = e->next;
      e->next = buckets[e->hash & (size - 1)];
      buckets[e->hash & (size - 1)] = e;
    }
  }
  free(t->buckets);
  t->buckets = buckets;
  t->size = size;
}

static void table_add(table_t *t, const char *w, size_t len) {
  if (t->used >= t->size) table_grow(t);
  uint32_t h = hash_word(w, len);
  entry_t **slot = &t->buckets[h & (t->size - 1)];
  for (entry_t *e = *slot; e; e = e->next) {
    if (e->hash == h && strncmp(e->word, w, len) == 0 && e->word[len] == '\0') {
      e->count++;
      return;
    }
  }
  entry_t *e = malloc(sizeof *e);
  if (!e) abort();
  e->word = strndup(w, len);
  e->hash = h;
  e->count = 1;
  e->next = *slot;
  *slot = e;
  t->used++;
}

static int by_count(const void *a, const void *b) {
  const entry_t *x = *(const entry_t *const *)a, *y = *(const entry_t *const *)b;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  return strcmp(x->word, y->word);
}

int main(int argc, char **argv) {
  long words = argc > 1 ? atol(argv[1]) : 100000;
  if (words < 1) words = 1;

  /* generate: up to 4 syllables of 3 letters, a separator of at most 2 characters */
  char *text = malloc((size_t)words * 14 + 1);
  if (!text) return 1;
  size_t len = 0;
  for (long i = 0; i < words; i++) {
    uint32_t r = next();
    uint32_t id = (r & 0xffff) * ((r >> 16) & 0xffff) >> 20; /* skewed towards small ids */
    int n = 1 + (int)(id % 4);
    for (int k = 0; k < n; k++) {
      const char *s = syllables[(id >> (4 * k)) & 15];
      size_t sl = strlen(s);
      memcpy(text + len, s, sl);
      if (r & (1u << (k + 28))) text[len] = (char)toupper((unsigned char)text[len]);
      len += sl;
    }
    uint32_t p = next() & 31;
    text[len++] = p == 0 ? ',' : p == 1 ? '.' : p == 2 ? '\n' : ' ';
    if (p < 2) text[len++] = ' ';
  }
  text[len] = '\0';

  /* count */
  table_t table = { 0 };
  size_t total = 0, longest = 0;
  for (size_t i = 0; i < len;) {
    while (i < len && !isalpha((unsigned char)text[i])) i++;
    size_t start = i;
    while (i < len && isalpha((unsigned char)text[i])) {
      text[i] = (char)tolower((unsigned char)text[i]);
      i++;
    }
    if (i > start) {
      table_add(&table, text + start, i - start);
      total++;
      if (i - start > longest) longest = i - start;
    }
  }

  /* rank */
  entry_t **all = malloc(table.used * sizeof *all);
  if (!all) return 1;
  size_t k = 0;
  for (size_t i = 0; i < table.size; i++)
    for (entry_t *e = table.buckets[i]; e; e = e->next) all[k++] = e;
  qsort(all, k, sizeof *all, by_count);

  uint32_t check = 0;
  for (size_t i = 0; i < k; i++) check = (check * 31u) ^ (all[i]->hash + all[i]->count);
  printf("words %zu, distinct %zu, longest %zu, text bytes %zu\n", total, k, longest, len);
  for (size_t i = 0; i < k && i < 10; i++) printf("%2zu. %-12s %u\n", i + 1, all[i]->word, all[i]->count);
  printf("checksum %08x\n", check);

  for (size_t i = 0; i < k; i++) {
    free(all[i]->word);
    free(all[i]);
  }
  free(all);
  free(table.buckets);
  free(text);
  return 0;
}
