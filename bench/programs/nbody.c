/* nbody: 40 bodies under softened gravity, pairwise forces, semi-implicit Euler steps. Start
 * positions, velocities and masses come from xorshift32. Returns the bits of the total energy
 * after n steps (IEEE arithmetic and sqrt are exact, so every engine must agree bit for bit).
 * Work: n steps. */
#include "bench.h"

#define NB 40
static double px[NB], py[NB], pz[NB], vx[NB], vy[NB], vz[NB], mass[NB];

static double unit(uint32_t *s) { return (double)xorshift32(s) * (1.0 / 4294967296.0); }

static void init(void) {
  uint32_t s = seed32(7);
  for (int i = 0; i < NB; i++) {
    px[i] = 2.0 * unit(&s) - 1.0;
    py[i] = 2.0 * unit(&s) - 1.0;
    pz[i] = 0.2 * unit(&s) - 0.1;
    vx[i] = -py[i] * 0.3;
    vy[i] = px[i] * 0.3;
    vz[i] = 0.0;
    mass[i] = 0.5 + unit(&s);
  }
}

#define SOFT 0.01

static void step(double dt) {
  for (int i = 0; i < NB; i++) {
    double ax = 0.0, ay = 0.0, az = 0.0;
    for (int j = 0; j < NB; j++) {
      if (j == i) continue;
      double dx = px[j] - px[i], dy = py[j] - py[i], dz = pz[j] - pz[i];
      double d2 = dx * dx + dy * dy + dz * dz + SOFT;
      double inv = mass[j] / (d2 * __builtin_sqrt(d2));
      ax += dx * inv;
      ay += dy * inv;
      az += dz * inv;
    }
    vx[i] += ax * dt;
    vy[i] += ay * dt;
    vz[i] += az * dt;
  }
  for (int i = 0; i < NB; i++) {
    px[i] += vx[i] * dt;
    py[i] += vy[i] * dt;
    pz[i] += vz[i] * dt;
  }
}

static double energy(void) {
  double e = 0.0;
  for (int i = 0; i < NB; i++) {
    e += 0.5 * mass[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
    for (int j = i + 1; j < NB; j++) {
      double dx = px[j] - px[i], dy = py[j] - py[i], dz = pz[j] - pz[i];
      e -= mass[i] * mass[j] / __builtin_sqrt(dx * dx + dy * dy + dz * dz + SOFT);
    }
  }
  return e;
}

uint64_t run(int n) {
  init();
  for (int s = 0; s < n; s++) step(0.0005);
  return f64_bits(energy());
}
