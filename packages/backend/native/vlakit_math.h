// Vectorisable float helpers shared by the addon's loops: erf and e^-t as polynomials (no libm
// calls, so GCC vectorises the loops that use them), and VECTOR_CLONES, which adds an AVX2/FMA
// clone of a function chosen at load time. The helpers are always_inline: GCC does not inline a
// plain inline function into a target clone, and the call would stop vectorisation.
#ifndef VLAKIT_MATH_H
#define VLAKIT_MATH_H
#include <stdint.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VECTOR_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define VECTOR_CLONES
#endif


static inline __attribute__((always_inline)) float erf_poly(float x) {
  const float c = x > 4.0f ? 4.0f : (x < -4.0f ? -4.0f : x);
  const float x2 = c * c;
  float p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 + -2.10102402082508e-06f;
  p = p * x2 + -5.69250639462346e-05f;
  p = p * x2 + -7.34990630326855e-04f;
  p = p * x2 + -2.95459980854025e-03f;
  p = p * x2 + -1.60960333262415e-02f;
  float q = -1.45660718464996e-05f;
  q = q * x2 + -2.13374055278905e-04f;
  q = q * x2 + -1.68282697438203e-03f;
  q = q * x2 + -7.37332916720468e-03f;
  q = q * x2 + -1.42647390514189e-02f;
  return c * p / q;
}

// e^-t for t >= 0: t = k ln2 - r, |r| <= ln2/2, e^r by a degree-7 polynomial, 2^-k from the
// exponent bits; t is clamped at 87 (e^-87 is below float32's smallest normal, returned as ~0).
static inline __attribute__((always_inline)) float exp_neg(float t) {
  const float c = t < 87.0f ? t : 87.0f;
  const int k = (int)(c * 1.44269504088896341f + 0.5f);
  const float kf = (float)k;
  const float r = kf * 0.693145751953125f + kf * 1.428606765330187e-06f - c;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  union {
    int32_t i;
    float f;
  } scale;
  scale.i = (127 - k) << 23;
  return p * scale.f;
}

#endif
