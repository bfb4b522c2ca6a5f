/* coremark_like: small-integer code of the kinds an embedded-CPU benchmark mixes (in the spirit
 * of CoreMark; our own code). Each iteration, from a seed that changes with the iteration:
 *  - linked lists: 192 nodes in a static pool, built in generated order; finds by key and by
 *    value (a found node moves to the front), an in-place reversal, a bottom-up merge sort by
 *    value and one back by key, and a walk that checks the order;
 *  - matrices: 24×24 i16 A and B, then A+c, C = A·B (i32), A·v, and C = A·B again with a bit
 *    field of each product summed;
 *  - a state machine: a text of comma-separated numbers (integers, signed, decimals, exponents,
 *    hex, and malformed ones) scanned by a `switch` over states and character classes; the text
 *    is scanned, some of its bytes are altered, and it is scanned again;
 *  - CRC-16 (CCITT polynomial, bit by bit) over every result, carried from one part to the next.
 * Work: n iterations. */
#include "bench.h"

/* ---- CRC-16/CCITT, bitwise ---- */
static uint16_t crc16_byte(uint16_t crc, uint8_t b) {
  crc ^= (uint16_t)b << 8;
  for (int i = 0; i < 8; i++) crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
  return crc;
}

static uint16_t crc16_u16(uint16_t crc, uint16_t v) {
  return crc16_byte(crc16_byte(crc, (uint8_t)v), (uint8_t)(v >> 8));
}

static uint16_t crc16_u32(uint16_t crc, uint32_t v) {
  return crc16_u16(crc16_u16(crc, (uint16_t)v), (uint16_t)(v >> 16));
}

/* ---- linked lists ---- */
#define NODES 192
typedef struct item {
  struct item *next;
  int16_t key;
  int16_t value;
} item_t;
static item_t items[NODES];

static item_t *list_build(uint32_t *rng) {
  item_t *head = 0;
  for (int i = 0; i < NODES; i++) {
    /* take pool slots in a scrambled order so the list is not in memory order */
    item_t *it = &items[(i * 67) % NODES];
    it->key = (int16_t)i;
    it->value = (int16_t)(xorshift32(rng) & 0x3fff);
    it->next = head;
    head = it;
  }
  return head;
}

/* Finds the first node with this key (by_key) or value; moves it to the front. Returns the
 * position found at, or -1. */
static int list_find(item_t **head, int16_t want, int by_key) {
  item_t *prev = 0, *cur = *head;
  int pos = 0;
  while (cur && (by_key ? cur->key : cur->value) != want) {
    prev = cur;
    cur = cur->next;
    pos++;
  }
  if (!cur) return -1;
  if (prev) {
    prev->next = cur->next;
    cur->next = *head;
    *head = cur;
  }
  return pos;
}

static item_t *list_reverse(item_t *head) {
  item_t *out = 0;
  while (head) {
    item_t *next = head->next;
    head->next = out;
    out = head;
    head = next;
  }
  return out;
}

static int before(const item_t *a, const item_t *b, int by_key) {
  return by_key ? a->key <= b->key : (a->value < b->value || (a->value == b->value && a->key <= b->key));
}

/* Bottom-up merge sort: merges runs of width 1, 2, 4… until one run is left. Stable. */
static item_t *list_sort(item_t *head, int by_key) {
  for (int width = 1;; width *= 2) {
    item_t *rest = head, *out = 0, **tail = &out;
    int merges = 0;
    while (rest) {
      merges++;
      item_t *a = rest, *b = rest;
      int na = 0;
      while (b && na < width) {
        b = b->next;
        na++;
      }
      int nb = width;
      while (na > 0 || (nb > 0 && b)) {
        item_t *take;
        if (na == 0) take = b, b = b->next, nb--;
        else if (nb == 0 || !b) take = a, a = a->next, na--;
        else if (before(a, b, by_key)) take = a, a = a->next, na--;
        else take = b, b = b->next, nb--;
        *tail = take;
        tail = &take->next;
      }
      rest = b;
    }
    *tail = 0;
    head = out;
    if (merges <= 1) return head;
  }
}

static uint16_t list_work(uint32_t *rng, uint16_t crc) {
  item_t *head = list_build(rng);
  int32_t found = 0, missed = 0;
  for (int i = 0; i < 24; i++) {
    int16_t v = (int16_t)(xorshift32(rng) & 0x3fff);
    int at = list_find(&head, (i & 1) ? (int16_t)(v % NODES) : v, i & 1);
    if (at < 0) missed++;
    else found += at;
  }
  head = list_reverse(head);
  head = list_sort(head, 0);
  int ordered = 1;
  for (item_t *p = head; p; p = p->next) {
    crc = crc16_u16(crc, (uint16_t)p->value);
    if (p->next && p->value > p->next->value) ordered = 0;
  }
  /* the second half of the values are scaled, then all sorted back by key */
  int k = 0;
  for (item_t *p = head; p; p = p->next, k++)
    if (k >= NODES / 2) p->value = (int16_t)(p->value * 3 - k);
  head = list_sort(head, 1);
  for (item_t *p = head; p; p = p->next) {
    crc = crc16_u16(crc, (uint16_t)(p->key ^ p->value));
    if (p->next && p->key > p->next->key) ordered = 0;
  }
  crc = crc16_u32(crc, (uint32_t)found);
  crc = crc16_u16(crc, (uint16_t)(missed * 2 + ordered));
  return crc;
}

/* ---- matrices ---- */
#define DIM 24
static int16_t ma[DIM][DIM], mb[DIM][DIM], vec[DIM];
static int32_t mc[DIM][DIM], vout[DIM];

static int32_t matrix_sum(int32_t clip) {
  /* a data-dependent reduction: counts passes over the clip and folds the total */
  int32_t total = 0, prev = 0, ret = 0;
  for (int i = 0; i < DIM; i++)
    for (int j = 0; j < DIM; j++) {
      total += mc[i][j];
      if (total > clip) {
        ret += 10;
        total = 0;
      } else {
        ret += total > prev ? 1 : -1;
      }
      prev = total;
    }
  return ret;
}

static uint16_t matrix_work(uint32_t *rng, uint16_t crc) {
  for (int i = 0; i < DIM; i++) {
    for (int j = 0; j < DIM; j++) {
      uint32_t r = xorshift32(rng);
      ma[i][j] = (int16_t)((r & 0xff) - 128);
      mb[i][j] = (int16_t)(((r >> 8) & 0x3ff) - 512);
    }
    vec[i] = (int16_t)((xorshift32(rng) & 0x7f) - 64);
  }
  int16_t c = (int16_t)(xorshift32(rng) & 0x1f);
  for (int i = 0; i < DIM; i++)
    for (int j = 0; j < DIM; j++) ma[i][j] = (int16_t)(ma[i][j] + c);

  for (int i = 0; i < DIM; i++)
    for (int j = 0; j < DIM; j++) {
      int32_t s = 0;
      for (int k = 0; k < DIM; k++) s += (int32_t)ma[i][k] * mb[k][j];
      mc[i][j] = s;
    }
  crc = crc16_u32(crc, (uint32_t)matrix_sum(400000));

  for (int i = 0; i < DIM; i++) {
    int32_t s = 0;
    for (int k = 0; k < DIM; k++) s += (int32_t)ma[i][k] * vec[k];
    vout[i] = s;
    crc = crc16_u32(crc, (uint32_t)s);
  }

  for (int i = 0; i < DIM; i++)
    for (int j = 0; j < DIM; j++) {
      int32_t s = 0;
      for (int k = 0; k < DIM; k++) {
        int32_t p = (int32_t)ma[i][k] * mb[k][j];
        s += (p >> 3) & 0x7f;
      }
      mc[i][j] = s * (vout[i] & 1 ? 1 : -1);
    }
  crc = crc16_u32(crc, (uint32_t)matrix_sum(3000));
  return crc;
}

/* ---- state machine over number text ---- */
enum { ST_START, ST_SIGN, ST_INT, ST_ZERO, ST_DOT, ST_FRAC, ST_E, ST_ESIGN, ST_EXP, ST_X, ST_HEX, ST_BAD, ST_COUNT };
#define TEXT 640
static uint8_t text[TEXT];
static const char *const shapes[10] = { "0", "17", "-4096", "+3.25", "1e9", "6.02e+23", "0x7Fa", "12.x", "--1", "9e" };

static uint32_t build_text(uint32_t *rng) {
  uint32_t len = 0;
  while (len + 24 < TEXT) {
    uint32_t r = xorshift32(rng);
    const char *s = shapes[r % 10];
    for (; *s; s++) {
      char ch = *s;
      /* vary the digits */
      if (ch >= '1' && ch <= '9') ch = (char)('1' + (r >> 8) % 9), r = r * 1103515245u + 12345u;
      text[len++] = (uint8_t)ch;
    }
    text[len++] = (r >> 28) == 0 ? ' ' : ',';
  }
  return len;
}

typedef struct {
  uint32_t finals[ST_COUNT];
  uint32_t transitions;
  int32_t value;
} scan_t;

static void finish(scan_t *s, int state, int32_t value) {
  s->finals[state]++;
  if (state == ST_INT || state == ST_HEX || state == ST_ZERO) s->value += value;
}

static void scan(const uint8_t *p, uint32_t len, scan_t *s) {
  int state = ST_START;
  int32_t value = 0, sign = 1;
  for (uint32_t i = 0; i < len; i++) {
    uint8_t ch = p[i];
    int digit = ch >= '0' && ch <= '9';
    int hexdigit = digit || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
    int next = state;
    if (ch == ',' || ch == ' ') {
      if (state != ST_START) finish(s, state, value * sign);
      state = ST_START;
      value = 0;
      sign = 1;
      continue;
    }
    switch (state) {
      case ST_START:
        if (ch == '0') next = ST_ZERO;
        else if (digit) next = ST_INT, value = ch - '0';
        else if (ch == '+' || ch == '-') next = ST_SIGN, sign = ch == '-' ? -1 : 1;
        else if (ch == '.') next = ST_DOT;
        else next = ST_BAD;
        break;
      case ST_SIGN:
        next = digit ? (value = ch - '0', ST_INT) : ch == '.' ? ST_DOT : ST_BAD;
        break;
      case ST_ZERO:
        if (ch == 'x' || ch == 'X') next = ST_X;
        else if (digit) next = ST_INT, value = ch - '0';
        else if (ch == '.') next = ST_DOT;
        else if (ch == 'e' || ch == 'E') next = ST_E;
        else next = ST_BAD;
        break;
      case ST_INT:
        if (digit) value = value * 10 + (ch - '0');
        else if (ch == '.') next = ST_DOT;
        else if (ch == 'e' || ch == 'E') next = ST_E;
        else next = ST_BAD;
        break;
      case ST_DOT:
      case ST_FRAC:
        if (digit) next = ST_FRAC;
        else if ((ch == 'e' || ch == 'E') && state == ST_FRAC) next = ST_E;
        else next = ST_BAD;
        break;
      case ST_E:
        next = digit ? ST_EXP : (ch == '+' || ch == '-') ? ST_ESIGN : ST_BAD;
        break;
      case ST_ESIGN:
      case ST_EXP:
        next = digit ? ST_EXP : ST_BAD;
        break;
      case ST_X:
      case ST_HEX:
        if (hexdigit) next = ST_HEX, value = value * 16 + (digit ? ch - '0' : (ch | 0x20) - 'a' + 10);
        else next = ST_BAD;
        break;
      default:
        break;
    }
    if (next != state) s->transitions++;
    state = next;
  }
  if (state != ST_START) finish(s, state, value * sign);
}

static uint16_t text_work(uint32_t *rng, uint16_t crc) {
  uint32_t len = build_text(rng);
  for (int pass = 0; pass < 2; pass++) {
    scan_t s;
    for (int i = 0; i < ST_COUNT; i++) s.finals[i] = 0;
    s.transitions = 0;
    s.value = 0;
    scan(text, len, &s);
    for (int i = 0; i < ST_COUNT; i++) crc = crc16_u16(crc, (uint16_t)s.finals[i]);
    crc = crc16_u32(crc, s.transitions);
    crc = crc16_u32(crc, (uint32_t)s.value);
    /* alter every 11th byte a little: digits become other characters now and then */
    for (uint32_t i = xorshift32(rng) % 11; i < len; i += 11) text[i] = (uint8_t)(text[i] ^ (1u << (i & 3)));
  }
  return crc;
}

uint32_t run(int n) {
  uint32_t sum = 0;
  uint16_t crc = 0xffff;
  for (int iter = 0; iter < n; iter++) {
    uint32_t rng = seed32((uint32_t)iter);
    crc = list_work(&rng, crc);
    crc = matrix_work(&rng, crc);
    crc = text_work(&rng, crc);
    sum = rotl32(sum, 3) + crc;
  }
  return sum ^ ((uint32_t)crc << 16);
}
