/* vm: a bytecode interpreter, the shape of Lua's or QuickJS's main loop: one function, a loop
 * around a `switch` of 136 opcodes (clang compiles it to one br_table), 16 registers and a small
 * data memory. Opcodes: 17 ALU operations in register, immediate and memory-operand forms, and
 * each again writing to memory; loads and stores of 8, 16 and 32 bits; a data stack; hash steps
 * (CRC-32, murmur, FNV) over memory; compare-and-branch; call and return. A program of random
 * straight-line blocks joined by counted loops is generated from a seed (the same for every
 * engine), then run. Work: the outer loop runs n times. */
#include "bench.h"

#define MEM_WORDS 1024
#define STACK 256

enum { ADD, SUB, MUL, XOR, AND, OR, SHL, SHR, SAR, ROTL, ROTR, MIN, MAX, DIV, REM, EQ, LTU, ALU_OPS };

/* Opcode layout: ALU op k in form f is f * ALU_OPS + k; then the others. */
enum { FORM_RR, FORM_RI, FORM_RM, FORM_MR, FORM_MI, FORM_RRI, FORM_RMI, FORM_MRI, FORMS };
enum {
  OP_LD8 = FORMS * ALU_OPS, OP_LD16, OP_LD32, OP_ST8, OP_ST16, OP_ST32, OP_MOV, OP_MOVI,
  OP_PUSH, OP_POP, OP_DUP, OP_SWAPR, OP_CRC, OP_MURMUR, OP_FNV, OP_POPCNT, OP_CLZ, OP_BSWAP,
  OP_SELECT, OP_NEG, OP_NOT, OP_INC, OP_DEC, OP_LOOP, OP_CALL, OP_RET, OP_HALT, OP_COUNT
};

typedef struct { uint8_t op, a, b, c; uint32_t imm; } insn_t;

#define CODE_MAX 4096
static insn_t code[CODE_MAX];
static uint32_t mem[MEM_WORDS];
static uint32_t crc_table[256];

static inline uint32_t alu(unsigned k, uint32_t x, uint32_t y) {
  switch (k) {
    case ADD: return x + y;
    case SUB: return x - y;
    case MUL: return x * y;
    case XOR: return x ^ y;
    case AND: return x & y;
    case OR: return x | y;
    case SHL: return x << (y & 31);
    case SHR: return x >> (y & 31);
    case SAR: return (uint32_t)((int32_t)x >> (y & 31));
    case ROTL: return rotl32(x, y & 31);
    case ROTR: return (x >> (y & 31)) | (x << ((32 - (y & 31)) & 31));
    case MIN: return x < y ? x : y;
    case MAX: return x > y ? x : y;
    case DIV: return y ? x / y : x;
    case REM: return y ? x % y : x;
    case EQ: return x == y;
    default: return x < y;
  }
}

/* One case per (form, ALU op): the switch below is written out by these macros, as a C
 * interpreter's would be, so that each case inlines its operation. */
#define M(i) mem[(i) & (MEM_WORDS - 1)]
#define ALU_CASES(k) \
  case FORM_RR * ALU_OPS + k: r[in.a] = alu(k, r[in.b], r[in.c]); break; \
  case FORM_RI * ALU_OPS + k: r[in.a] = alu(k, r[in.b], in.imm); break; \
  case FORM_RM * ALU_OPS + k: r[in.a] = alu(k, r[in.b], M(r[in.c] + in.imm)); break; \
  case FORM_MR * ALU_OPS + k: M(r[in.a] + in.imm) = alu(k, r[in.b], r[in.c]); break; \
  case FORM_MI * ALU_OPS + k: M(r[in.a]) = alu(k, M(r[in.b] + in.c), in.imm); break; \
  case FORM_RRI * ALU_OPS + k: r[in.a] = alu(k, alu(k, r[in.b], r[in.c]), in.imm); break; \
  case FORM_RMI * ALU_OPS + k: r[in.a] = alu(k, M(r[in.b] + in.imm), r[in.c]) + in.imm; break; \
  case FORM_MRI * ALU_OPS + k: M(r[in.a] + in.c) = alu(k, M(r[in.b]) ^ r[in.c], in.imm); break;

static uint32_t execute(uint32_t *r, uint32_t outer) {
  uint32_t stack[STACK];
  uint32_t sp = 0, pc = 0, steps = 0;
  uint32_t calls[16];
  uint32_t depth = 0;
  for (;;) {
    insn_t in = code[pc++];
    steps++;
    switch (in.op) {
      ALU_CASES(ADD) ALU_CASES(SUB) ALU_CASES(MUL) ALU_CASES(XOR) ALU_CASES(AND) ALU_CASES(OR)
      ALU_CASES(SHL) ALU_CASES(SHR) ALU_CASES(SAR) ALU_CASES(ROTL) ALU_CASES(ROTR) ALU_CASES(MIN)
      ALU_CASES(MAX) ALU_CASES(DIV) ALU_CASES(REM) ALU_CASES(EQ) ALU_CASES(LTU)
      case OP_LD8: r[in.a] = ((const uint8_t *)mem)[(r[in.b] + in.imm) & (MEM_WORDS * 4 - 1)]; break;
      case OP_LD16: r[in.a] = ((const uint16_t *)mem)[(r[in.b] + in.imm) & (MEM_WORDS * 2 - 1)]; break;
      case OP_LD32: r[in.a] = M(r[in.b] + in.imm); break;
      case OP_ST8: ((uint8_t *)mem)[(r[in.b] + in.imm) & (MEM_WORDS * 4 - 1)] = (uint8_t)r[in.a]; break;
      case OP_ST16: ((uint16_t *)mem)[(r[in.b] + in.imm) & (MEM_WORDS * 2 - 1)] = (uint16_t)r[in.a]; break;
      case OP_ST32: M(r[in.b] + in.imm) = r[in.a]; break;
      case OP_MOV: r[in.a] = r[in.b]; break;
      case OP_MOVI: r[in.a] = in.imm; break;
      case OP_PUSH: stack[sp++ & (STACK - 1)] = r[in.a]; break;
      case OP_POP: r[in.a] = stack[--sp & (STACK - 1)]; break;
      case OP_DUP: stack[sp & (STACK - 1)] = stack[(sp - 1) & (STACK - 1)]; sp++; break;
      case OP_SWAPR: { uint32_t t = r[in.a]; r[in.a] = r[in.b]; r[in.b] = t; break; }
      case OP_CRC: {
        uint32_t c = ~r[in.a];
        for (uint32_t i = 0; i < (in.c & 15) + 1; i++) c = crc_table[(c ^ ((const uint8_t *)mem)[(r[in.b] + i) & (MEM_WORDS * 4 - 1)]) & 0xff] ^ (c >> 8);
        r[in.a] = ~c;
        break;
      }
      case OP_MURMUR: {
        uint32_t k = r[in.b] * 0xcc9e2d51u;
        k = rotl32(k, 15) * 0x1b873593u;
        uint32_t h = rotl32(r[in.a] ^ k, 13) * 5 + 0xe6546b64u;
        h ^= h >> 16; h *= 0x85ebca6bu; h ^= h >> 13;
        r[in.a] = h;
        break;
      }
      case OP_FNV: {
        uint32_t h = r[in.a] ^ 2166136261u;
        for (uint32_t i = 0; i < 4; i++) h = (h ^ ((r[in.b] >> (8 * i)) & 0xff)) * 16777619u;
        r[in.a] = h;
        break;
      }
      case OP_POPCNT: r[in.a] = (uint32_t)__builtin_popcount(r[in.b]); break;
      case OP_CLZ: r[in.a] = r[in.b] ? (uint32_t)__builtin_clz(r[in.b]) : 32; break;
      case OP_BSWAP: r[in.a] = __builtin_bswap32(r[in.b]); break;
      case OP_SELECT: r[in.a] = r[in.c] & 1 ? r[in.b] : r[in.a] + in.imm; break;
      case OP_NEG: r[in.a] = 0u - r[in.b]; break;
      case OP_NOT: r[in.a] = ~r[in.b]; break;
      case OP_INC: r[in.a] += 1; break;
      case OP_DEC: r[in.a] -= 1; break;
      /* counted loop: r[a] counts down; jump back to imm while it is nonzero */
      case OP_LOOP: if (--r[in.a] != 0) pc = in.imm; break;
      case OP_CALL: if (depth < 16) { calls[depth++] = pc; pc = in.imm; } break;
      case OP_RET: if (depth > 0) pc = calls[--depth]; break;
      case OP_HALT: return steps + outer;
      default: break;
    }
  }
}

/* A program: blocks of random straight-line instructions inside two nested counted loops (r14,
 * r15 count, never written by the random instructions), a subroutine, and a halt. */
static void generate(uint32_t seed) {
  uint32_t s = seed32(seed);
  uint32_t n = 0;
  code[n++] = (insn_t){OP_MOVI, 15, 0, 0, 6};
  uint32_t outer_top = n;
  code[n++] = (insn_t){OP_MOVI, 14, 0, 0, 5};
  uint32_t inner_top = n;
  for (uint32_t i = 0; i < 300; i++) {
    uint32_t x = xorshift32(&s);
    uint8_t a = (uint8_t)(x % 14), b = (uint8_t)((x >> 4) % 14), c = (uint8_t)((x >> 8) % 14);
    uint32_t imm = xorshift32(&s) & 0xffff;
    uint32_t kind = (x >> 12) % 100;
    uint8_t op;
    if (kind < 70) op = (uint8_t)((x >> 20) % (FORMS * ALU_OPS));
    else op = (uint8_t)(OP_LD8 + (x >> 20) % (OP_INC + 2 - OP_LD8)); /* up to OP_DEC */
    code[n++] = (insn_t){op, a, b, c, imm};
    if (i % 97 == 50) code[n++] = (insn_t){OP_CALL, 0, 0, 0, 0 /* patched below */};
  }
  code[n++] = (insn_t){OP_LOOP, 14, 0, 0, inner_top};
  code[n++] = (insn_t){OP_LOOP, 15, 0, 0, outer_top};
  code[n++] = (insn_t){OP_HALT, 0, 0, 0, 0};
  uint32_t sub = n;
  for (uint32_t i = 0; i < 24; i++) {
    uint32_t x = xorshift32(&s);
    code[n++] = (insn_t){(uint8_t)(x % (FORMS * ALU_OPS)), (uint8_t)(x % 14), (uint8_t)((x >> 5) % 14), (uint8_t)((x >> 9) % 14), x >> 16};
  }
  code[n++] = (insn_t){OP_RET, 0, 0, 0, 0};
  for (uint32_t i = 0; i < sub; i++) if (code[i].op == OP_CALL) code[i].imm = sub;
}

uint32_t run(uint32_t n) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
  generate(1);
  uint32_t s = seed32(7), sum = 0;
  for (uint32_t i = 0; i < MEM_WORDS; i++) mem[i] = xorshift32(&s);
  uint32_t r[16];
  for (uint32_t i = 0; i < 16; i++) r[i] = xorshift32(&s);
  for (uint32_t i = 0; i < n; i++) {
    sum += execute(r, i);
    for (uint32_t j = 0; j < 14; j++) sum = rotl32(sum, 5) ^ r[j];
  }
  for (uint32_t i = 0; i < MEM_WORDS; i += 37) sum ^= mem[i];
  return sum;
}
