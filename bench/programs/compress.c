/* compress: an LZ77 compressor with an adaptive binary range coder, and its decompressor, the
 * shape of zlib/LZMA-style codecs. Each block is 128 KiB of generated text-like input (words from
 * a skewed vocabulary, punctuation, numbers, now and then a run of random bytes or of one byte).
 * Match finding: hash chains over 3-byte prefixes in a 32 KiB window (at most 32 links, stop at
 * 96 bytes), with one step of lazy matching. Encoding: an is-match bit (context: was the last
 * token a match), literals as an 8-bit tree under the previous byte's top 3 bits, lengths 3..258
 * in three bit-tree ranges, distances as a 4-bit slot (the bit length of distance - 1) then the
 * bits below the top one: the highest ones at a fixed probability, the lowest 4 adaptive. The
 * decoder rebuilds the block and it is compared with the input; the checksum takes the
 * compressed size, a hash of the compressed bytes and the number of mismatched bytes, which
 * `errors()` also returns (summed over the last run). Work: n blocks. */
#include "bench.h"

#define BLOCK (1u << 17)
#define WINDOW (1u << 15)
#define HASH_BITS 14
#define MIN_MATCH 3
#define MAX_MATCH 258
#define MAX_CHAIN 32
#define NICE 96

static uint8_t input[BLOCK];
static uint8_t packed[BLOCK + BLOCK / 4];
static uint8_t output[BLOCK];
static int32_t head[1u << HASH_BITS];
static int32_t chain[BLOCK];
static uint32_t error_count;

/* ---- input ---- */
#define WORDS 512
static uint8_t vocab[WORDS][12];
static uint8_t vocab_len[WORDS];

static uint32_t make_input(uint32_t seed) {
  uint32_t s = seed32(seed);
  for (uint32_t w = 0; w < WORDS; w++) {
    uint32_t len = 2 + xorshift32(&s) % 10;
    vocab_len[w] = (uint8_t)len;
    for (uint32_t i = 0; i < len; i++) vocab[w][i] = (uint8_t)('a' + xorshift32(&s) % 26);
  }
  uint32_t pos = 0;
  while (pos < BLOCK) {
    uint32_t r = xorshift32(&s);
    uint32_t kind = r & 63;
    if (kind == 0) { /* incompressible bytes */
      uint32_t len = 8 + (r >> 8) % 40;
      for (uint32_t i = 0; i < len && pos < BLOCK; i++) input[pos++] = (uint8_t)xorshift32(&s);
    } else if (kind == 1) { /* a run */
      uint32_t len = 4 + (r >> 8) % 60;
      for (uint32_t i = 0; i < len && pos < BLOCK; i++) input[pos++] = (uint8_t)(r >> 24);
    } else if (kind < 5) { /* a number */
      uint32_t v = r >> 12;
      do {
        if (pos < BLOCK) input[pos++] = (uint8_t)('0' + v % 10);
        v /= 10;
      } while (v);
    } else { /* a word: small indices much more often */
      uint32_t w = ((r >> 8) & (WORDS - 1)) & ((r >> 17) & (WORDS - 1)) & ((r >> 20) | 0x3f);
      for (uint32_t i = 0; i < vocab_len[w] && pos < BLOCK; i++) input[pos++] = vocab[w][i];
      uint32_t p = (r >> 29) & 7;
      if (pos < BLOCK) input[pos++] = (uint8_t)(p == 0 ? ',' : p == 1 ? '\n' : p == 2 ? '.' : ' ');
    }
  }
  return s;
}

/* ---- range coder (11-bit probabilities, shift-5 adaptation) ---- */
#define PROB_BITS 11
#define PROB_ONE (1u << PROB_BITS)
#define ADAPT 5
#define TOP (1u << 24)

typedef struct {
  uint64_t low;
  uint32_t range;
  uint8_t cache;
  uint32_t pending; /* bytes waiting on a carry: cache, then pending-1 times 0xff */
  uint8_t *out;
  uint32_t size;
} encoder_t;

typedef struct {
  uint32_t code, range;
  const uint8_t *in;
  uint32_t pos, size;
} decoder_t;

static void enc_shift(encoder_t *e) {
  if ((uint32_t)e->low < 0xff000000u || (e->low >> 32) != 0) {
    uint8_t carry = (uint8_t)(e->low >> 32);
    uint8_t byte = e->cache;
    do {
      e->out[e->size++] = (uint8_t)(byte + carry);
      byte = 0xff;
    } while (--e->pending != 0);
    e->cache = (uint8_t)(e->low >> 24);
  }
  e->pending++;
  e->low = (e->low & 0x00ffffffu) << 8;
}

static void enc_bit(encoder_t *e, uint16_t *p, uint32_t bit) {
  uint32_t bound = (e->range >> PROB_BITS) * *p;
  if (!bit) {
    e->range = bound;
    *p += (uint16_t)((PROB_ONE - *p) >> ADAPT);
  } else {
    e->low += bound;
    e->range -= bound;
    *p -= (uint16_t)(*p >> ADAPT);
  }
  while (e->range < TOP) {
    e->range <<= 8;
    enc_shift(e);
  }
}

/* A bit at probability 1/2, no model. */
static void enc_direct(encoder_t *e, uint32_t bit) {
  e->range >>= 1;
  if (bit) e->low += e->range;
  while (e->range < TOP) {
    e->range <<= 8;
    enc_shift(e);
  }
}

static void enc_tree(encoder_t *e, uint16_t *probs, uint32_t bits, uint32_t value) {
  uint32_t node = 1;
  for (uint32_t i = bits; i-- > 0;) {
    uint32_t b = (value >> i) & 1;
    enc_bit(e, &probs[node], b);
    node = node * 2 + b;
  }
}

static uint8_t dec_byte(decoder_t *d) {
  return d->pos < d->size ? d->in[d->pos++] : 0;
}

static void dec_normalize(decoder_t *d) {
  while (d->range < TOP) {
    d->range <<= 8;
    d->code = (d->code << 8) | dec_byte(d);
  }
}

static uint32_t dec_bit(decoder_t *d, uint16_t *p) {
  uint32_t bound = (d->range >> PROB_BITS) * *p, bit;
  if (d->code < bound) {
    d->range = bound;
    *p += (uint16_t)((PROB_ONE - *p) >> ADAPT);
    bit = 0;
  } else {
    d->code -= bound;
    d->range -= bound;
    *p -= (uint16_t)(*p >> ADAPT);
    bit = 1;
  }
  dec_normalize(d);
  return bit;
}

static uint32_t dec_direct(decoder_t *d) {
  d->range >>= 1;
  uint32_t bit = d->code >= d->range;
  if (bit) d->code -= d->range;
  dec_normalize(d);
  return bit;
}

static uint32_t dec_tree(decoder_t *d, uint16_t *probs, uint32_t bits) {
  uint32_t node = 1;
  for (uint32_t i = 0; i < bits; i++) node = node * 2 + dec_bit(d, &probs[node]);
  return node - (1u << bits);
}

/* ---- the model, shared by both sides ---- */
typedef struct {
  uint16_t is_match[2];
  uint16_t literal[8][256];
  uint16_t len_choice[2];
  uint16_t len_low[8], len_mid[16], len_high[256];
  uint16_t dist_slot[16];
  uint16_t dist_low[16][16];
} model_t;

static model_t enc_model, dec_model;

static void model_init(model_t *m) {
  uint16_t *p = (uint16_t *)m;
  for (uint32_t i = 0; i < sizeof *m / sizeof *p; i++) p[i] = PROB_ONE / 2;
}

static uint32_t slot_of(uint32_t d) { /* bit length of d (0 for 0) */
  return d ? 32 - (uint32_t)__builtin_clz(d) : 0;
}

static void put_literal(encoder_t *e, model_t *m, uint32_t *last_match, uint8_t prev, uint8_t c) {
  enc_bit(e, &m->is_match[*last_match], 0);
  enc_tree(e, m->literal[prev >> 5], 8, c);
  *last_match = 0;
}

static void put_match(encoder_t *e, model_t *m, uint32_t *last_match, uint32_t len, uint32_t dist) {
  enc_bit(e, &m->is_match[*last_match], 1);
  uint32_t l = len - MIN_MATCH;
  if (l < 8) {
    enc_bit(e, &m->len_choice[0], 0);
    enc_tree(e, m->len_low, 3, l);
  } else if (l < 24) {
    enc_bit(e, &m->len_choice[0], 1);
    enc_bit(e, &m->len_choice[1], 0);
    enc_tree(e, m->len_mid, 4, l - 8);
  } else {
    enc_bit(e, &m->len_choice[0], 1);
    enc_bit(e, &m->len_choice[1], 1);
    enc_tree(e, m->len_high, 8, l - 24);
  }
  uint32_t d = dist - 1, slot = slot_of(d);
  enc_tree(e, m->dist_slot, 4, slot);
  if (slot >= 2) {
    uint32_t extra = slot - 1, low = extra < 4 ? extra : 4;
    for (uint32_t i = extra; i-- > low;) enc_direct(e, (d >> i) & 1);
    enc_tree(e, m->dist_low[slot], low, d & ((1u << low) - 1));
  }
  *last_match = 1;
}

/* ---- compressor ---- */
static inline uint32_t hash3(const uint8_t *p) {
  return ((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]) * 2654435761u >> (32 - HASH_BITS);
}

static void insert_pos(uint32_t pos) {
  if (pos + MIN_MATCH > BLOCK) return;
  uint32_t h = hash3(input + pos);
  chain[pos] = head[h];
  head[h] = (int32_t)pos;
}

/* The longest match for pos among the chain's earlier positions; its distance in *dist. */
static uint32_t longest_match(uint32_t pos, uint32_t *dist) {
  uint32_t best = 0, limit = BLOCK - pos < MAX_MATCH ? BLOCK - pos : MAX_MATCH;
  if (limit < MIN_MATCH) return 0;
  int32_t cand = head[hash3(input + pos)];
  for (uint32_t links = 0; cand >= 0 && pos - (uint32_t)cand <= WINDOW && links < MAX_CHAIN; links++) {
    const uint8_t *a = input + cand, *b = input + pos;
    if (a[best] == b[best]) {
      uint32_t len = 0;
      while (len < limit && a[len] == b[len]) len++;
      if (len > best) {
        best = len;
        *dist = pos - (uint32_t)cand;
        if (len >= NICE || len == limit) break;
      }
    }
    cand = chain[cand];
  }
  return best >= MIN_MATCH ? best : 0;
}

static uint32_t compress(uint32_t *matches) {
  for (uint32_t i = 0; i < (1u << HASH_BITS); i++) head[i] = -1;
  model_init(&enc_model);
  encoder_t e = { 0, 0xffffffffu, 0, 1, packed, 0 };
  uint32_t last_match = 0, pos = 0;
  while (pos < BLOCK) {
    uint32_t dist = 0, len = longest_match(pos, &dist);
    if (len && len < NICE && pos + 1 < BLOCK) {
      /* lazy: if the next position has a longer match, emit a literal first */
      insert_pos(pos);
      uint32_t dist2 = 0, len2 = longest_match(pos + 1, &dist2);
      if (len2 > len) {
        put_literal(&e, &enc_model, &last_match, pos ? input[pos - 1] : 0, input[pos]);
        pos++;
        len = len2;
        dist = dist2;
      } else {
        put_match(&e, &enc_model, &last_match, len, dist);
        (*matches)++;
        for (uint32_t i = 1; i < len; i++) insert_pos(pos + i);
        pos += len;
        continue;
      }
    }
    if (len) {
      put_match(&e, &enc_model, &last_match, len, dist);
      (*matches)++;
      for (uint32_t i = 0; i < len; i++) insert_pos(pos + i);
      pos += len;
    } else {
      put_literal(&e, &enc_model, &last_match, pos ? input[pos - 1] : 0, input[pos]);
      insert_pos(pos);
      pos++;
    }
  }
  for (int i = 0; i < 5; i++) enc_shift(&e);
  return e.size;
}

/* ---- decompressor: the block's length is known ---- */
static uint32_t decompress(uint32_t size) {
  model_init(&dec_model);
  model_t *m = &dec_model;
  decoder_t d = { 0, 0xffffffffu, packed, 0, size };
  for (int i = 0; i < 5; i++) d.code = (d.code << 8) | dec_byte(&d);
  uint32_t last_match = 0, pos = 0, bad = 0;
  while (pos < BLOCK) {
    if (!dec_bit(&d, &m->is_match[last_match])) {
      output[pos] = (uint8_t)dec_tree(&d, m->literal[(pos ? output[pos - 1] : 0) >> 5], 8);
      pos++;
      last_match = 0;
      continue;
    }
    uint32_t l;
    if (!dec_bit(&d, &m->len_choice[0])) l = dec_tree(&d, m->len_low, 3);
    else if (!dec_bit(&d, &m->len_choice[1])) l = 8 + dec_tree(&d, m->len_mid, 4);
    else l = 24 + dec_tree(&d, m->len_high, 8);
    uint32_t slot = dec_tree(&d, m->dist_slot, 4), dist = slot;
    if (slot >= 2) {
      uint32_t extra = slot - 1, low = extra < 4 ? extra : 4;
      dist = 1;
      for (uint32_t i = extra; i-- > low;) dist = dist * 2 + dec_direct(&d);
      dist = (dist << low) | dec_tree(&d, m->dist_low[slot], low);
    }
    dist++;
    uint32_t len = l + MIN_MATCH;
    if (dist > pos || len > BLOCK - pos) { /* corrupt stream: count the rest as wrong */
      bad += BLOCK - pos;
      break;
    }
    for (uint32_t i = 0; i < len; i++, pos++) output[pos] = output[pos - dist];
    last_match = 1;
  }
  for (uint32_t i = 0; i < pos; i++) bad += output[i] != input[i];
  return bad;
}

__attribute__((export_name("errors"))) uint32_t errors(void) { return error_count; }

uint32_t run(int n) {
  uint32_t sum = 0;
  error_count = 0;
  for (int block = 0; block < n; block++) {
    make_input((uint32_t)block);
    uint32_t matches = 0;
    uint32_t size = compress(&matches);
    uint32_t bad = decompress(size);
    error_count += bad;
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < size; i++) h = (h ^ packed[i]) * 16777619u;
    sum = rotl32(sum, 9) ^ size;
    sum = sum * 0x85ebca6bu + (h ^ matches);
    sum += bad * 0x9e3779b9u + (bad ? 0x40000000u : 0);
  }
  return sum;
}
