/* hashtable: an open-addressing hash table of string keys, the shape of a database index or an
 * interpreter's symbol table. Keys ("user_3kf9", "tmp.a0", "x71q", ...) are generated from
 * xorshift32 ids (distinct ids give distinct keys), copied into a key arena on insert and compared byte by byte on lookup. Slots
 * hold the key's full hash, its offset and length, and a value; linear probing; deletion leaves
 * a tombstone; the table doubles when live + dead slots pass 3/4, halves when live ones fall
 * below 1/8, and is rebuilt in place (same size) when tombstones crowd it. Each round starts
 * from an empty 16-slot table: inserts (some of them updates of a key already there), lookups
 * of present and absent keys, deletes of a third, a second lookup pass, re-inserts, then deletes
 * of nearly everything (so it shrinks). Work: n rounds. */
#include "bench.h"

#define IDS 24000           /* keys generated per round */
#define MAX_SLOTS (1u << 16) /* the table never needs more: ≤ IDS live keys at load ≤ 3/4 */
#define ARENA (1u << 20)     /* key bytes: IDS * 2 inserts of at most 12 bytes fit */
#define EMPTY 0xffffffffu
#define DEAD 0xfffffffeu

typedef struct {
  uint32_t hash;
  uint32_t key; /* offset in the arena, or EMPTY / DEAD */
  uint32_t len;
  uint32_t value;
} slot_t;

/* Two tables: a resize rehashes from one into the other. */
static slot_t tables[2][MAX_SLOTS];
static uint8_t arena[ARENA];
static uint32_t arena_top;
static uint32_t ids[IDS];

typedef struct {
  slot_t *slots;
  int which; /* index in tables */
  uint32_t cap, live, dead;
  uint32_t resizes, probes;
} table_t;

static const char *const prefixes[6] = { "user_", "tmp.", "x", "idx_", "fn$", "k" };
static const uint8_t prefix_len[6] = { 5, 4, 1, 4, 3, 1 };
static const char digits36[37] = "0123456789abcdefghijklmnopqrstuvwxyz";

/* The key of an id: a prefix, then id times an odd constant (a bijection) in base 36, at most 7
 * characters: 2 to 12 bytes in all. */
static uint32_t make_key(uint32_t id, uint8_t *out) {
  uint32_t p = id % 6, len = 0;
  for (uint32_t i = 0; i < prefix_len[p]; i++) out[len++] = (uint8_t)prefixes[p][i];
  uint32_t v = id * 2654435761u;
  do {
    out[len++] = (uint8_t)digits36[v % 36];
    v /= 36;
  } while (v);
  return len;
}

/* Bytewise multiply-xor hash with a final avalanche (a slot's state is in its key field, so
 * any hash value is allowed). */
static uint32_t hash_bytes(const uint8_t *s, uint32_t len) {
  uint32_t h = 0x9e3779b9u ^ len;
  for (uint32_t i = 0; i < len; i++) h = (h ^ s[i]) * 0x01000193u + (h >> 27);
  h ^= h >> 15;
  h *= 0x2c1b3c6du;
  h ^= h >> 12;
  return h;
}

static int same_key(const slot_t *s, uint32_t hash, const uint8_t *key, uint32_t len) {
  if (s->hash != hash || s->len != len) return 0;
  const uint8_t *k = arena + s->key;
  for (uint32_t i = 0; i < len; i++)
    if (k[i] != key[i]) return 0;
  return 1;
}

static void table_init(table_t *t, uint32_t cap, int which) {
  t->which = which;
  t->slots = tables[which];
  t->cap = cap;
  t->live = t->dead = 0;
  for (uint32_t i = 0; i < cap; i++) t->slots[i].key = EMPTY;
}

/* Moves every live slot into the other table, at capacity cap. */
static void rehash(table_t *t, uint32_t cap) {
  slot_t *old = t->slots;
  uint32_t old_cap = t->cap;
  table_init(t, cap, 1 - t->which);
  uint32_t mask = cap - 1;
  for (uint32_t i = 0; i < old_cap; i++) {
    if (old[i].key >= DEAD) continue;
    uint32_t j = old[i].hash & mask;
    while (t->slots[j].key != EMPTY) j = (j + 1) & mask;
    t->slots[j] = old[i];
    t->live++;
  }
  t->resizes++;
}

/* The slot holding key, or -1. */
static int32_t find(table_t *t, uint32_t hash, const uint8_t *key, uint32_t len) {
  uint32_t mask = t->cap - 1, j = hash & mask;
  for (;;) {
    slot_t *s = &t->slots[j];
    t->probes++;
    if (s->key == EMPTY) return -1;
    if (s->key != DEAD && same_key(s, hash, key, len)) return (int32_t)j;
    j = (j + 1) & mask;
  }
}

/* Inserts or updates; returns 1 for a new key, 0 for an update. */
static int insert(table_t *t, const uint8_t *key, uint32_t len, uint32_t value) {
  uint32_t hash = hash_bytes(key, len);
  int32_t at = find(t, hash, key, len);
  if (at >= 0) {
    t->slots[at].value = value;
    return 0;
  }
  if ((t->live + t->dead + 1) * 4 > t->cap * 3) rehash(t, t->live * 2 + 2 > t->cap ? t->cap * 2 : t->cap);
  uint32_t mask = t->cap - 1, j = hash & mask;
  while (t->slots[j].key < DEAD) j = (j + 1) & mask;
  slot_t *s = &t->slots[j];
  if (s->key == DEAD) t->dead--;
  for (uint32_t i = 0; i < len; i++) arena[arena_top + i] = key[i];
  s->hash = hash;
  s->key = arena_top;
  s->len = len;
  s->value = value;
  arena_top += len;
  t->live++;
  return 1;
}

/* Deletes key; returns its value + 1, or 0 if absent. */
static uint32_t delete(table_t *t, const uint8_t *key, uint32_t len) {
  int32_t at = find(t, hash_bytes(key, len), key, len);
  if (at < 0) return 0;
  uint32_t v = t->slots[at].value;
  t->slots[at].key = DEAD;
  t->live--;
  t->dead++;
  if (t->cap > 16 && t->live * 8 < t->cap) rehash(t, t->cap / 2);
  return v + 1;
}

static uint32_t lookup(table_t *t, const uint8_t *key, uint32_t len) {
  int32_t at = find(t, hash_bytes(key, len), key, len);
  return at < 0 ? 0 : t->slots[at].value + 1;
}

uint32_t run(int n) {
  uint32_t sum = 0;
  uint8_t key[16];
  table_t t;
  for (int round = 0; round < n; round++) {
    uint32_t rng = seed32((uint32_t)round);
    /* ids in a range 3× the count: some repeat, and misses are near the present keys */
    for (uint32_t i = 0; i < IDS; i++) ids[i] = xorshift32(&rng) % (IDS * 3);
    arena_top = 0;
    table_init(&t, 16, 0);
    t.resizes = t.probes = 0;
    uint32_t added = 0, found = 0, removed = 0;

    for (uint32_t i = 0; i < IDS; i++) added += insert(&t, key, make_key(ids[i], key), i);
    for (uint32_t i = 0; i < IDS * 2; i++) {
      uint32_t id = (i & 1) ? ids[xorshift32(&rng) % IDS] : xorshift32(&rng) % (IDS * 3);
      found += lookup(&t, key, make_key(id, key));
    }
    for (uint32_t i = 0; i < IDS; i += 3) removed += delete(&t, key, make_key(ids[i], key));
    for (uint32_t i = 0; i < IDS; i++) found = found * 31u + lookup(&t, key, make_key(ids[i], key));
    for (uint32_t i = 0; i < IDS; i += 3) added += insert(&t, key, make_key(ids[i] ^ 1u, key), i * 7u);
    for (uint32_t i = 0; i < IDS; i++) {
      if (i % 16 == 5) continue;
      removed += delete(&t, key, make_key(ids[i], key));
      removed += delete(&t, key, make_key(ids[i] ^ 1u, key));
    }

    /* what is left, in slot order */
    uint32_t left = 0;
    for (uint32_t i = 0; i < t.cap; i++)
      if (t.slots[i].key < DEAD) left = (left ^ t.slots[i].hash ^ t.slots[i].value) * 0x01000193u;
    sum = rotl32(sum, 7) ^ added;
    sum = sum * 0x9e3779b1u + found;
    sum ^= removed + (t.live << 8) + (t.cap << 20);
    sum += left ^ (t.resizes << 16) ^ t.probes ^ arena_top;
  }
  return sum;
}
