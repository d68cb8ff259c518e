// vlakit_gru: the elementwise part of one step of the fused GRU sequence (core's
// FUSED_KERNELS.gruSequence, Keras reset_after gates z, r, h) forward and backward, part of the
// vlakit_blas addon. The recurrent products stay in src/gru-sequence.ts (sgemm through the addon);
// src/gru-steps.ts holds the JavaScript reference of these loops. Views are one step's rows.
//   z = sigmoid(x_z + G_z + b_z)   r = sigmoid(x_r + G_r + b_r)   hh = G_h + b_h
//   n = tanh(x_h + r hh)           h = z h_prev + (1 - z) n
// Backward, dh = dy + dh_next:
//   a_z = dh (h_prev - n) z (1 - z)   a_n = dh (1 - z) (1 - n^2)   a_r = a_n hh r (1 - r)
//   A = [a_z | a_r | a_n r]   dx_z += a_z   dx_r += a_r   dx_h += a_n   dhz = dh z
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>

#include "vlakit_args.h"
#include "vlakit_gru.h"
#include "vlakit_math.h"

// sigmoid and tanh from e^-|v| (no overflow, vectorisable)
static inline __attribute__((always_inline)) float sigmoid_f(float v) {
  const float e = exp_neg(v < 0.0f ? -v : v);
  const float s = 1.0f / (1.0f + e);
  return v >= 0.0f ? s : e * s;
}
static inline __attribute__((always_inline)) float tanh_f(float v) {
  const float a = v < 0.0f ? -v : v;
  const float e = exp_neg(2.0f * a);
  const float t = (1.0f - e) / (1.0f + e);
  return v < 0.0f ? -t : t;
}

VECTOR_CLONES static void forward_rows(const float* restrict xz, const float* restrict xr,
                                       const float* restrict xh, const float* restrict g,
                                       const float* restrict bz, const float* restrict br,
                                       const float* restrict bh, const float* restrict h_prev,
                                       float* restrict cache, float* restrict h_out, size_t b, size_t u,
                                       bool x_shared) {
  const size_t bu = b * u;
  for (size_t i = 0; i < b; i++) {
    const size_t xo = x_shared ? 0 : i * u;
    const float* gr = g + i * 3 * u;
    for (size_t j = 0; j < u; j++) {
      const size_t k = i * u + j;
      const float z = sigmoid_f(xz[xo + j] + gr[j] + bz[j]);
      const float r = sigmoid_f(xr[xo + j] + gr[u + j] + br[j]);
      const float hh = gr[2 * u + j] + bh[j];
      const float n = tanh_f(xh[xo + j] + r * hh);
      cache[k] = z;
      cache[bu + k] = r;
      cache[2 * bu + k] = n;
      cache[3 * bu + k] = hh;
      h_out[k] = z * h_prev[k] + (1.0f - z) * n;
    }
  }
}

VECTOR_CLONES static void backward_rows(const float* restrict dy, const float* restrict dh_next,
                                        const float* restrict cache, const float* restrict h_prev,
                                        float* restrict a, float* restrict dxz, float* restrict dxr,
                                        float* restrict dxh, float* restrict dhz, size_t b, size_t u,
                                        bool x_shared) {
  const size_t bu = b * u;
  for (size_t i = 0; i < b; i++) {
    const size_t xo = x_shared ? 0 : i * u;
    float* ar = a + i * 3 * u;
    for (size_t j = 0; j < u; j++) {
      const size_t k = i * u + j;
      const float dh = dy[k] + dh_next[k];
      const float z = cache[k], r = cache[bu + k], n = cache[2 * bu + k], hh = cache[3 * bu + k];
      const float az = dh * (h_prev[k] - n) * z * (1.0f - z);
      const float an = dh * (1.0f - z) * (1.0f - n * n);
      const float a_r = an * hh * r * (1.0f - r);
      ar[j] = az;
      ar[u + j] = a_r;
      ar[2 * u + j] = an * r;
      dxz[xo + j] += az;
      dxr[xo + j] += a_r;
      dxh[xo + j] += an;
      dhz[k] = dh * z;
    }
  }
}

// Checks that `len` is want, else throws naming the array.
#define EXPECT_LEN(name, len, want) \
  if ((len) != (want)) return length_error(env, fn, name, len, want), NULL

// gruForwardStep(xz, xr, xh, g, bz, br, bh, hPrev, cache, h, batch, units, xShared)
static napi_value gru_forward_step(napi_env env, napi_callback_info info) {
  static const char* fn = "gruForwardStep";
  napi_value argv[13];
  if (!get_args(env, info, 13, argv, fn)) return NULL;
  static const char* names[10] = {"xz", "xr", "xh", "g", "bz", "br", "bh", "hPrev", "cache", "h"};
  float* p[10];
  size_t len[10], b, u;
  bool shared;
  for (int i = 0; i < 10; i++)
    if (!f32_arg(env, argv[i], fn, names[i], &p[i], &len[i])) return NULL;
  if (!size_arg(env, argv[10], fn, "batch", &b) || !size_arg(env, argv[11], fn, "units", &u) ||
      !bool_arg(env, argv[12], fn, "xShared", &shared))
    return NULL;
  const size_t xn = shared ? u : b * u;
  EXPECT_LEN("xz", len[0], xn);
  EXPECT_LEN("xr", len[1], xn);
  EXPECT_LEN("xh", len[2], xn);
  EXPECT_LEN("g", len[3], 3 * b * u);
  for (int i = 4; i < 7; i++) EXPECT_LEN(names[i], len[i], u);
  EXPECT_LEN("hPrev", len[7], b * u);
  EXPECT_LEN("cache", len[8], 4 * b * u);
  EXPECT_LEN("h", len[9], b * u);
  forward_rows(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], b, u, shared);
  return NULL;
}

// gruBackwardStep(dy, dhNext, cache, hPrev, a, dxz, dxr, dxh, dhz, batch, units, xShared)
static napi_value gru_backward_step(napi_env env, napi_callback_info info) {
  static const char* fn = "gruBackwardStep";
  napi_value argv[12];
  if (!get_args(env, info, 12, argv, fn)) return NULL;
  static const char* names[9] = {"dy", "dhNext", "cache", "hPrev", "a", "dxz", "dxr", "dxh", "dhz"};
  float* p[9];
  size_t len[9], b, u;
  bool shared;
  for (int i = 0; i < 9; i++)
    if (!f32_arg(env, argv[i], fn, names[i], &p[i], &len[i])) return NULL;
  if (!size_arg(env, argv[9], fn, "batch", &b) || !size_arg(env, argv[10], fn, "units", &u) ||
      !bool_arg(env, argv[11], fn, "xShared", &shared))
    return NULL;
  const size_t xn = shared ? u : b * u;
  EXPECT_LEN("dy", len[0], b * u);
  EXPECT_LEN("dhNext", len[1], b * u);
  EXPECT_LEN("cache", len[2], 4 * b * u);
  EXPECT_LEN("hPrev", len[3], b * u);
  EXPECT_LEN("a", len[4], 3 * b * u);
  for (int i = 5; i < 8; i++) EXPECT_LEN(names[i], len[i], xn);
  EXPECT_LEN("dhz", len[8], b * u);
  backward_rows(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], b, u, shared);
  return NULL;
}

void vlakit_gru_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gruForwardStep", NULL, gru_forward_step, NULL, NULL, NULL, napi_default, NULL},
      {"gruBackwardStep", NULL, gru_backward_step, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
