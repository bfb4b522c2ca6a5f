/* embedded: a mixed workload in the style of firmware, all i32, no allocation. Each tick:
 *  - an event queue: a doubly linked list of nodes in a static pool with a free list; events
 *    are inserted in deadline order and the earliest ones are removed and dispatched;
 *  - a protocol parser: a state machine (a `switch`, compiled to br_table) fed bytes from
 *    xorshift32, recognising numbers, identifiers, quoted strings with escapes, operators and
 *    comments;
 *  - fixed-point (Q8) geometry: a chain of 4×4 transforms and a 3×3 determinant;
 *  - CRC-32 (table-driven, table built at start) over a 2 KiB frame.
 * Work: n ticks. */
#include "bench.h"

/* ---- event queue in a static pool ---- */
#define POOL 128
#define NIL 0xffffu
typedef struct {
  uint16_t prev, next;
  uint32_t deadline;
  uint32_t payload;
} node_t;
static node_t pool[POOL];
static uint16_t free_head, queue_head, queue_len;

static void queue_reset(void) {
  for (int i = 0; i < POOL; i++) pool[i].next = (uint16_t)(i + 1 < POOL ? i + 1 : NIL);
  free_head = 0;
  queue_head = NIL;
  queue_len = 0;
}

static int queue_insert(uint32_t deadline, uint32_t payload) {
  if (free_head == NIL) return 0;
  uint16_t k = free_head;
  free_head = pool[k].next;
  pool[k].deadline = deadline;
  pool[k].payload = payload;
  uint16_t prev = NIL, cur = queue_head;
  while (cur != NIL && pool[cur].deadline <= deadline) {
    prev = cur;
    cur = pool[cur].next;
  }
  pool[k].prev = prev;
  pool[k].next = cur;
  if (cur != NIL) pool[cur].prev = k;
  if (prev != NIL) pool[prev].next = k;
  else queue_head = k;
  queue_len++;
  return 1;
}

static void queue_remove(uint16_t k) {
  uint16_t p = pool[k].prev, q = pool[k].next;
  if (p != NIL) pool[p].next = q;
  else queue_head = q;
  if (q != NIL) pool[q].prev = p;
  pool[k].next = free_head;
  free_head = k;
  queue_len--;
}

/* ---- protocol parser ---- */
enum { S_IDLE, S_NUMBER, S_IDENT, S_STRING, S_ESCAPE, S_SLASH, S_COMMENT, S_OPERATOR, S_HEX_PREFIX, S_HEX, S_ERROR };
typedef struct {
  int state;
  uint32_t value, tokens, numbers, idents, strings, comments, ops, errors, hash;
} parser_t;
static parser_t parser;

static const char alphabet[32] = "0123456789abcxyz_\"\\/* \n+-=<>x;#";

static void token_end(parser_t *p, uint32_t kind) {
  p->tokens++;
  p->hash = (p->hash ^ kind ^ p->value) * 16777619u;
  p->value = 0;
}

static void parse_byte(parser_t *p, char c) {
  int digit = c >= '0' && c <= '9';
  int alpha = (c >= 'a' && c <= 'z') || c == '_';
  switch (p->state) {
  case S_IDLE:
  idle:
    if (c == '0') p->state = S_HEX_PREFIX;
    else if (digit) { p->state = S_NUMBER; p->value = (uint32_t)(c - '0'); }
    else if (alpha) { p->state = S_IDENT; p->value = (uint32_t)c; }
    else if (c == '"') p->state = S_STRING;
    else if (c == '/') p->state = S_SLASH;
    else if (c == '+' || c == '-' || c == '=' || c == '<' || c == '>' || c == '*' || c == ';') { p->state = S_OPERATOR; p->value = (uint32_t)c; }
    else if (c == '#' || c == '\\') { p->errors++; p->state = S_ERROR; }
    break;
  case S_NUMBER:
    if (digit) p->value = p->value * 10u + (uint32_t)(c - '0');
    else { p->numbers++; token_end(p, 1); p->state = S_IDLE; goto idle; }
    break;
  case S_HEX_PREFIX:
    if (c == 'x') { p->state = S_HEX; p->value = 0; }
    else if (digit) { p->state = S_NUMBER; p->value = (uint32_t)(c - '0'); }
    else { p->numbers++; token_end(p, 1); p->state = S_IDLE; goto idle; }
    break;
  case S_HEX:
    if (digit) p->value = (p->value << 4) | (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'c') p->value = (p->value << 4) | (uint32_t)(c - 'a' + 10);
    else { p->numbers++; token_end(p, 2); p->state = S_IDLE; goto idle; }
    break;
  case S_IDENT:
    if (alpha || digit) p->value = rotl32(p->value, 5) ^ (uint32_t)c;
    else { p->idents++; token_end(p, 3); p->state = S_IDLE; goto idle; }
    break;
  case S_STRING:
    if (c == '\\') p->state = S_ESCAPE;
    else if (c == '"') { p->strings++; token_end(p, 4); p->state = S_IDLE; }
    else if (c == '\n') { p->errors++; p->state = S_IDLE; }
    else p->value = p->value * 31u + (uint32_t)c;
    break;
  case S_ESCAPE:
    p->value = p->value * 31u + (uint32_t)(c == 'n' ? '\n' : c);
    p->state = S_STRING;
    break;
  case S_SLASH:
    if (c == '/') p->state = S_COMMENT;
    else { p->ops++; p->value = '/'; token_end(p, 5); p->state = S_IDLE; goto idle; }
    break;
  case S_COMMENT:
    if (c == '\n') { p->comments++; p->state = S_IDLE; }
    break;
  case S_OPERATOR:
    if (c == '=' && p->value != '=') { p->value = p->value * 256u + '='; }
    p->ops++;
    token_end(p, 6);
    p->state = S_IDLE;
    if (c != '=') goto idle;
    break;
  case S_ERROR:
    if (c == '\n' || c == ';') p->state = S_IDLE;
    break;
  }
}

/* ---- fixed-point Q8 geometry ---- */
typedef int32_t mat4[16];
typedef int32_t mat3[9];
#define Q 8
#define ONE (1 << Q)

static void mat4_mul(int32_t *out, const int32_t *x, const int32_t *y) {
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 4; c++) {
      int32_t acc = 0;
      for (int k = 0; k < 4; k++) acc += x[r * 4 + k] * y[k * 4 + c];
      out[r * 4 + c] = acc >> Q;
    }
}

static int32_t mat3_det(const int32_t *m) {
  int32_t a = (m[4] * m[8] - m[5] * m[7]) >> Q;
  int32_t b = (m[3] * m[8] - m[5] * m[6]) >> Q;
  int32_t c = (m[3] * m[7] - m[4] * m[6]) >> Q;
  return (m[0] * a - m[1] * b + m[2] * c) >> Q;
}

/* A small rotation-ish transform with entries in [-1, 1] Q8, plus a translation. */
static void make_transform(int32_t *m, uint32_t r) {
  int32_t c = (int32_t)(r & 0xff) - 128, s = (int32_t)((r >> 8) & 0xff) - 128;
  int32_t t[16] = { c * 2, -s * 2, 0, (int32_t)((r >> 16) & 0x3f),
                    s * 2, c * 2, 0, (int32_t)((r >> 22) & 0x3f),
                    0, 0, ONE, 0,
                    0, 0, 0, ONE };
  for (int i = 0; i < 16; i++) m[i] = t[i];
}

/* ---- CRC-32 ---- */
static uint32_t crc_table[256];
static uint8_t frame[2048];

static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1u ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}

static uint32_t crc32(const uint8_t *p, uint32_t len) {
  uint32_t c = 0xffffffffu;
  for (uint32_t i = 0; i < len; i++) c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return ~c;
}

uint32_t run(int n) {
  uint32_t s = seed32(11), sum = 0, now = 0;
  queue_reset();
  parser = (parser_t){ 0 };
  crc_init();
  memset(frame, 0, sizeof frame);
  int32_t acc4[16], t4[16], tmp4[16];
  make_transform(acc4, 0x80ff80u);
  for (int tick = 0; tick < n; tick++) {
    /* events: schedule a few, dispatch the due ones */
    for (int k = 0; k < 6; k++) {
      uint32_t r = xorshift32(&s);
      if (!queue_insert(now + (r & 1023u), r)) break;
    }
    while (queue_head != NIL && pool[queue_head].deadline <= now) {
      sum = rotl32(sum, 3) ^ pool[queue_head].payload;
      queue_remove(queue_head);
    }
    now += 64;

    /* parser: 256 bytes of input */
    for (int k = 0; k < 64; k++) {
      uint32_t r = xorshift32(&s);
      parse_byte(&parser, alphabet[r & 31]);
      parse_byte(&parser, alphabet[(r >> 5) & 31]);
      parse_byte(&parser, alphabet[(r >> 10) & 31]);
      parse_byte(&parser, alphabet[(r >> 15) & 31]);
    }

    /* geometry: 8 transforms chained, renormalised, a determinant */
    for (int k = 0; k < 8; k++) {
      make_transform(t4, xorshift32(&s));
      mat4_mul(tmp4, acc4, t4);
      for (int i = 0; i < 16; i++) acc4[i] = tmp4[i] % (64 * ONE);
    }
    int32_t m3[9];  /* the upper-left 3×3, scaled down by 8 so the determinant cannot overflow */
    for (int i = 0; i < 9; i++) m3[i] = acc4[(i / 3) * 4 + i % 3] / 8;
    sum += (uint32_t)mat3_det(m3);

    /* CRC over a frame with a few changed bytes */
    for (int k = 0; k < 16; k++) {
      uint32_t r = xorshift32(&s);
      frame[r & 2047u] = (uint8_t)(r >> 24);
    }
    sum ^= crc32(frame, sizeof frame);
  }
  return sum ^ parser.hash ^ parser.tokens * 3u ^ parser.errors * 5u ^ parser.comments * 7u ^ queue_len;
}
