// vlakit_fused: the elementwise and per-row loops of the fused kernels (core's FUSED_KERNELS) in C,
// part of the vlakit_blas addon. Every function takes Float32Arrays (wasm heap views or plain
// arrays) and writes its outputs in place; the JavaScript loops in src/fused-ops.ts are the
// reference and the fallback. Loops are written so GCC vectorises them (-O3, OpenMP simd
// reductions, an AVX2/FMA clone chosen at load time); erf and exp are polynomials, no libm calls.
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <string.h>

#include "vlakit_args.h"
#include "vlakit_math.h"
#include "vlakit_fused.h"

// ---------------------------------------------------------------------------------------------
// GELU

VECTOR_CLONES static void gelu_loop(const float* restrict x, float* restrict y, float* restrict cdf,
                                    size_t n) {
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    const float c = 0.5f + 0.5f * erf_poly(v * 0.70710678118654752f);
    cdf[i] = c;
    y[i] = v * c;
  }
}

VECTOR_CLONES static void gelu_grad_loop(const float* restrict dy, const float* restrict x,
                                         const float* restrict cdf, float* restrict dx, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    dx[i] = dy[i] * (cdf[i] + v * exp_neg(0.5f * v * v) * 0.39894228040143268f);
  }
}

// gelu(x, y, cdf)
static napi_value gelu(napi_env env, napi_callback_info info) {
  static const char* fn = "gelu";
  napi_value argv[3];
  if (!get_args(env, info, 3, argv, fn)) return NULL;
  float *x, *y, *cdf;
  size_t n, ny, nc;
  if (!f32_arg(env, argv[0], fn, "x", &x, &n) || !f32_arg(env, argv[1], fn, "y", &y, &ny) ||
      !f32_arg(env, argv[2], fn, "cdf", &cdf, &nc))
    return NULL;
  if (ny != n) return length_error(env, fn, "y", ny, n), NULL;
  if (nc != n) return length_error(env, fn, "cdf", nc, n), NULL;
  gelu_loop(x, y, cdf, n);
  return NULL;
}

// geluGrad(dy, x, cdf, dx)
static napi_value gelu_grad(napi_env env, napi_callback_info info) {
  static const char* fn = "geluGrad";
  napi_value argv[4];
  if (!get_args(env, info, 4, argv, fn)) return NULL;
  float *dy, *x, *cdf, *dx;
  size_t n, ndy, nc, ndx;
  if (!f32_arg(env, argv[0], fn, "dy", &dy, &ndy) || !f32_arg(env, argv[1], fn, "x", &x, &n) ||
      !f32_arg(env, argv[2], fn, "cdf", &cdf, &nc) || !f32_arg(env, argv[3], fn, "dx", &dx, &ndx))
    return NULL;
  if (ndy != n) return length_error(env, fn, "dy", ndy, n), NULL;
  if (nc != n) return length_error(env, fn, "cdf", nc, n), NULL;
  if (ndx != n) return length_error(env, fn, "dx", ndx, n), NULL;
  gelu_grad_loop(dy, x, cdf, dx, n);
  return NULL;
}

// ---------------------------------------------------------------------------------------------
// LayerNorm over the last axis (d = gamma's length)

VECTOR_CLONES static void layer_norm_loop(const float* restrict x, const float* restrict g,
                                          const float* restrict b, float* restrict y,
                                          float* restrict mean, float* restrict rstd, size_t rows,
                                          size_t d, float eps) {
  for (size_t r = 0; r < rows; r++) {
    const float* xr = x + r * d;
    float* yr = y + r * d;
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (size_t i = 0; i < d; i++) s += xr[i];
    const float mu = s / (float)d;
    float q = 0.0f;
#pragma omp simd reduction(+ : q)
    for (size_t i = 0; i < d; i++) {
      const float c = xr[i] - mu;
      q += c * c;
    }
    const float rs = 1.0f / __builtin_sqrtf(q / (float)d + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (size_t i = 0; i < d; i++) yr[i] = (xr[i] - mu) * rs * g[i] + b[i];
  }
}

VECTOR_CLONES static void layer_norm_grad_loop(const float* restrict dy, const float* restrict x,
                                               const float* restrict g, const float* restrict mean,
                                               const float* restrict rstd, float* restrict dx,
                                               float* restrict dg, float* restrict db, size_t rows,
                                               size_t d) {
  memset(dg, 0, d * sizeof(float));
  memset(db, 0, d * sizeof(float));
  for (size_t r = 0; r < rows; r++) {
    const float* xr = x + r * d;
    const float* dyr = dy + r * d;
    float* dxr = dx + r * d;
    const float mu = mean[r], rs = rstd[r];
    float sum1 = 0.0f, sum2 = 0.0f;  // sums of dy*g and dy*g*xhat
#pragma omp simd reduction(+ : sum1, sum2)
    for (size_t i = 0; i < d; i++) {
      const float xh = (xr[i] - mu) * rs;
      const float dxh = dyr[i] * g[i];
      sum1 += dxh;
      sum2 += dxh * xh;
    }
    for (size_t i = 0; i < d; i++) {
      const float xh = (xr[i] - mu) * rs;
      dg[i] += dyr[i] * xh;
      db[i] += dyr[i];
    }
    const float m1 = sum1 / (float)d, m2 = sum2 / (float)d;
    for (size_t i = 0; i < d; i++) {
      const float xh = (xr[i] - mu) * rs;
      dxr[i] = rs * (dyr[i] * g[i] - m1 - xh * m2);
    }
  }
}

// layerNorm(x, gamma, beta, y, mean, rstd, epsilon)
static napi_value layer_norm(napi_env env, napi_callback_info info) {
  static const char* fn = "layerNorm";
  napi_value argv[7];
  if (!get_args(env, info, 7, argv, fn)) return NULL;
  float *x, *g, *b, *y, *mean, *rstd;
  size_t n, d, nb, ny, nm, nr;
  if (!f32_arg(env, argv[0], fn, "x", &x, &n) || !f32_arg(env, argv[1], fn, "gamma", &g, &d) ||
      !f32_arg(env, argv[2], fn, "beta", &b, &nb) || !f32_arg(env, argv[3], fn, "y", &y, &ny) ||
      !f32_arg(env, argv[4], fn, "mean", &mean, &nm) || !f32_arg(env, argv[5], fn, "rstd", &rstd, &nr))
    return NULL;
  double eps = 0;
  if (napi_get_value_double(env, argv[6], &eps) != napi_ok)
    return throw_type(env, fn, "epsilon must be a number"), NULL;
  if (d == 0 || n % d != 0) return length_error(env, fn, "x (not a multiple of gamma's length)", n, d), NULL;
  const size_t rows = n / d;
  if (nb != d) return length_error(env, fn, "beta", nb, d), NULL;
  if (ny != n) return length_error(env, fn, "y", ny, n), NULL;
  if (nm != rows) return length_error(env, fn, "mean", nm, rows), NULL;
  if (nr != rows) return length_error(env, fn, "rstd", nr, rows), NULL;
  layer_norm_loop(x, g, b, y, mean, rstd, rows, d, (float)eps);
  return NULL;
}

// layerNormGrad(dy, x, gamma, mean, rstd, dx, dgamma, dbeta)
static napi_value layer_norm_grad(napi_env env, napi_callback_info info) {
  static const char* fn = "layerNormGrad";
  napi_value argv[8];
  if (!get_args(env, info, 8, argv, fn)) return NULL;
  float *dy, *x, *g, *mean, *rstd, *dx, *dg, *db;
  size_t ndy, n, d, nm, nr, ndx, ndg, ndb;
  if (!f32_arg(env, argv[0], fn, "dy", &dy, &ndy) || !f32_arg(env, argv[1], fn, "x", &x, &n) ||
      !f32_arg(env, argv[2], fn, "gamma", &g, &d) || !f32_arg(env, argv[3], fn, "mean", &mean, &nm) ||
      !f32_arg(env, argv[4], fn, "rstd", &rstd, &nr) || !f32_arg(env, argv[5], fn, "dx", &dx, &ndx) ||
      !f32_arg(env, argv[6], fn, "dgamma", &dg, &ndg) || !f32_arg(env, argv[7], fn, "dbeta", &db, &ndb))
    return NULL;
  if (d == 0 || n % d != 0) return length_error(env, fn, "x (not a multiple of gamma's length)", n, d), NULL;
  const size_t rows = n / d;
  if (ndy != n) return length_error(env, fn, "dy", ndy, n), NULL;
  if (nm != rows) return length_error(env, fn, "mean", nm, rows), NULL;
  if (nr != rows) return length_error(env, fn, "rstd", nr, rows), NULL;
  if (ndx != n) return length_error(env, fn, "dx", ndx, n), NULL;
  if (ndg != d) return length_error(env, fn, "dgamma", ndg, d), NULL;
  if (ndb != d) return length_error(env, fn, "dbeta", ndb, d), NULL;
  layer_norm_grad_loop(dy, x, g, mean, rstd, dx, dg, db, rows, d);
  return NULL;
}

// ---------------------------------------------------------------------------------------------
// AdamW (torch.optim.AdamW: decoupled decay first), one parameter

VECTOR_CLONES static void adamw_loop(const float* restrict p, const float* restrict g,
                                     const float* restrict m, const float* restrict v,
                                     float* restrict p_out, float* restrict m_out, float* restrict v_out,
                                     size_t n, float lr, float b1, float one_minus_b1, float b2,
                                     float one_minus_b2, float eps, float decay, float c1, float c2) {
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = b1 * m[i] + one_minus_b1 * gi;
    const float vi = b2 * v[i] + one_minus_b2 * gi * gi;
    m_out[i] = mi;
    v_out[i] = vi;
    p_out[i] = p[i] * decay - lr * (mi * c1) / (__builtin_sqrtf(vi * c2) + eps);
  }
}

// adamw(param, grad, m, v, paramOut, mOut, vOut, lr, beta1, beta2, epsilon, weightDecay, step)
static napi_value adamw(napi_env env, napi_callback_info info) {
  static const char* fn = "adamw";
  napi_value argv[13];
  if (!get_args(env, info, 13, argv, fn)) return NULL;
  static const char* names[7] = {"param", "grad", "m", "v", "paramOut", "mOut", "vOut"};
  float* a[7];
  size_t len[7];
  for (int i = 0; i < 7; i++) {
    if (!f32_arg(env, argv[i], fn, names[i], &a[i], &len[i])) return NULL;
    if (len[i] != len[0]) return length_error(env, fn, names[i], len[i], len[0]), NULL;
  }
  static const char* scalars[6] = {"lr", "beta1", "beta2", "epsilon", "weightDecay", "step"};
  double s[6];
  for (int i = 0; i < 6; i++) {
    if (napi_get_value_double(env, argv[7 + i], &s[i]) != napi_ok) {
      char what[64];
      snprintf(what, sizeof what, "%s must be a number", scalars[i]);
      return throw_type(env, fn, what), NULL;
    }
  }
  const double lr = s[0], b1 = s[1], b2 = s[2], eps = s[3], wd = s[4], step = s[5];
  const double c1 = 1.0 / (1.0 - pow(b1, step)), c2 = 1.0 / (1.0 - pow(b2, step));
  // 1 - beta in double: 1 - (float)0.999 would be off by 5e-5 relative
  adamw_loop(a[0], a[1], a[2], a[3], a[4], a[5], a[6], len[0], (float)lr, (float)b1, (float)(1.0 - b1),
             (float)b2, (float)(1.0 - b2), (float)eps, (float)(1.0 - lr * wd), (float)c1, (float)c2);
  return NULL;
}

void vlakit_fused_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gelu", NULL, gelu, NULL, NULL, NULL, napi_default, NULL},
      {"geluGrad", NULL, gelu_grad, NULL, NULL, NULL, napi_default, NULL},
      {"layerNorm", NULL, layer_norm, NULL, NULL, NULL, napi_default, NULL},
      {"layerNormGrad", NULL, layer_norm_grad, NULL, NULL, NULL, napi_default, NULL},
      {"adamw", NULL, adamw, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
