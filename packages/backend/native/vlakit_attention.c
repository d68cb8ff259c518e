// vlakit_attention: the fused multi-head attention kernel (core's FUSED_KERNELS.attention and its
// gradient) in C, part of the vlakit_blas addon. Heads are read and written in place with
// strided sgemm calls (lda = D), so q, k, v and the context stay (B, L, D): no transposes.
// src/attention.ts holds the contract, the JavaScript reference and the tfjs registration.
//
// Per batch b and head h, with Q, K, V the (L, dh) column blocks h*dh.. of q[b], k[b], v[b]:
//   P = softmax(Q K^T / sqrt(dh) + (mask - 1) 1e9) [* mask when zeroMasked]     (Lq, Lk)
//   context block = P V                                                         (Lq, dh)
// Backward, dY the context block's gradient:
//   dP = dY V^T + dprobs      dV = P^T dY
//   dS = P (dP - rowsum(dP P)) / sqrt(dh)      dQ = dS K      dK = dS^T Q
// (with zeroMasked, P is the masked output; it equals the softmax wherever the gradient is not 0)
#include <cblas.h>
#include <math.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vlakit_args.h"
#include "vlakit_attention.h"
#include "vlakit_math.h"

// Scaled, masked logits of one (Lq, Lk) block -> probabilities, row by row, in place.
VECTOR_CLONES static void softmax_rows(float* restrict p, const float* restrict mask, size_t lq,
                                       size_t lk, bool zero_masked) {
  for (size_t i = 0; i < lq; i++) {
    float* row = p + i * lk;
    if (mask != NULL)
      for (size_t j = 0; j < lk; j++) row[j] += (mask[j] - 1.0f) * 1e9f;
    float mx = row[0];
#pragma omp simd reduction(max : mx)
    for (size_t j = 0; j < lk; j++) mx = row[j] > mx ? row[j] : mx;
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (size_t j = 0; j < lk; j++) {
      const float e = exp_neg(mx - row[j]);
      row[j] = e;
      sum += e;
    }
    const float inv = 1.0f / sum;
    if (mask != NULL && zero_masked)
      for (size_t j = 0; j < lk; j++) row[j] *= inv * mask[j];
    else
      for (size_t j = 0; j < lk; j++) row[j] *= inv;
  }
}

// dS = P (dP - rowsum(dP P)) * scale, in place over dP.
VECTOR_CLONES static void softmax_grad_rows(float* restrict dp, const float* restrict p, size_t lq,
                                            size_t lk, float scale) {
  for (size_t i = 0; i < lq; i++) {
    float* d = dp + i * lk;
    const float* pr = p + i * lk;
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (size_t j = 0; j < lk; j++) s += d[j] * pr[j];
    for (size_t j = 0; j < lk; j++) d[j] = pr[j] * (d[j] - s) * scale;
  }
}

// Runs `body` with OpenBLAS on one thread (the per-head products are far too small to share).
static int single_thread_begin(void) {
  const int threads = openblas_get_num_threads();
  if (threads > 1) openblas_set_num_threads(1);
  return threads;
}
static void single_thread_end(int threads) {
  if (threads > 1) openblas_set_num_threads(threads);
}

static void attention_forward(const float* q, const float* k, const float* v, const float* mask,
                              float* context, float* probs, size_t batch, size_t lq, size_t lk,
                              size_t heads, size_t d, bool zero_masked) {
  const size_t dh = d / heads;
  const float scale = 1.0f / sqrtf((float)dh);
  const int threads = single_thread_begin();
  for (size_t b = 0; b < batch; b++) {
    for (size_t h = 0; h < heads; h++) {
      const float* qb = q + b * lq * d + h * dh;
      const float* kb = k + b * lk * d + h * dh;
      const float* vb = v + b * lk * d + h * dh;
      float* p = probs + (b * heads + h) * lq * lk;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)lq, (int)lk, (int)dh, scale, qb, (int)d,
                  kb, (int)d, 0.0f, p, (int)lk);  // Q K^T / sqrt(dh)   (Lq, Lk)
      softmax_rows(p, mask == NULL ? NULL : mask + b * lk, lq, lk, zero_masked);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)lq, (int)dh, (int)lk, 1.0f, p, (int)lk,
                  vb, (int)d, 0.0f, context + b * lq * d + h * dh, (int)d);  // P V   (Lq, dh)
    }
  }
  single_thread_end(threads);
}

static bool attention_backward(const float* dy, const float* dprobs, const float* q, const float* k,
                               const float* v, const float* probs, float* dq, float* dk, float* dv,
                               size_t batch, size_t lq, size_t lk, size_t heads, size_t d) {
  const size_t dh = d / heads;
  const float scale = 1.0f / sqrtf((float)dh);
  float* ws = malloc(lq * lk * sizeof(float));
  if (ws == NULL) return false;
  const int threads = single_thread_begin();
  for (size_t b = 0; b < batch; b++) {
    for (size_t h = 0; h < heads; h++) {
      const size_t qo = b * lq * d + h * dh, ko = b * lk * d + h * dh;
      const float* p = probs + (b * heads + h) * lq * lk;
      memcpy(ws, dprobs + (b * heads + h) * lq * lk, lq * lk * sizeof(float));
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)lq, (int)lk, (int)dh, 1.0f, dy + qo, (int)d,
                  v + ko, (int)d, 1.0f, ws, (int)lk);  // dP = dY V^T + dprobs   (Lq, Lk)
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)lk, (int)dh, (int)lq, 1.0f, p, (int)lk,
                  dy + qo, (int)d, 0.0f, dv + ko, (int)d);  // dV = P^T dY   (Lk, dh)
      softmax_grad_rows(ws, p, lq, lk, scale);  // dS   (Lq, Lk)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)lq, (int)dh, (int)lk, 1.0f, ws, (int)lk,
                  k + ko, (int)d, 0.0f, dq + qo, (int)d);  // dQ = dS K   (Lq, dh)
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)lk, (int)dh, (int)lq, 1.0f, ws, (int)lk,
                  q + qo, (int)d, 0.0f, dk + ko, (int)d);  // dK = dS^T Q   (Lk, dh)
    }
  }
  single_thread_end(threads);
  free(ws);
  return true;
}

// Checks the sizes shared by both functions; sets *d (the model width).
static bool check_dims(napi_env env, const char* fn, size_t nq, size_t nk, size_t nv, size_t batch,
                       size_t lq, size_t lk, size_t heads, size_t* d) {
  if (nq % (batch * lq) != 0 || nq == 0) return length_error(env, fn, "q (not batch * lq * D)", nq, batch * lq);
  *d = nq / (batch * lq);
  if (*d % heads != 0) {
    char msg[160];
    snprintf(msg, sizeof msg, "vlakit %s: heads (%zu) must divide the width D (%zu)", fn, heads, *d);
    napi_throw_range_error(env, NULL, msg);
    return false;
  }
  if (nk != batch * lk * *d) return length_error(env, fn, "k", nk, batch * lk * *d);
  if (nv != batch * lk * *d) return length_error(env, fn, "v", nv, batch * lk * *d);
  return true;
}

// attention(q, k, v, mask | null, context, probs, batch, lq, lk, heads, zeroMasked)
static napi_value attention(napi_env env, napi_callback_info info) {
  static const char* fn = "attention";
  napi_value argv[11];
  if (!get_args(env, info, 11, argv, fn)) return NULL;
  float *q, *k, *v, *mask, *context, *probs;
  size_t nq = 0, nk = 0, nv = 0, nm = 0, nc = 0, np = 0, batch = 0, lq = 0, lk = 0, heads = 0, d = 0;
  bool zero_masked = false;
  if (!f32_arg(env, argv[0], fn, "q", &q, &nq) || !f32_arg(env, argv[1], fn, "k", &k, &nk) ||
      !f32_arg(env, argv[2], fn, "v", &v, &nv) || !optional_f32_arg(env, argv[3], fn, "mask", &mask, &nm) ||
      !f32_arg(env, argv[4], fn, "context", &context, &nc) || !f32_arg(env, argv[5], fn, "probs", &probs, &np) ||
      !size_arg(env, argv[6], fn, "batch", &batch) || !size_arg(env, argv[7], fn, "lq", &lq) ||
      !size_arg(env, argv[8], fn, "lk", &lk) || !size_arg(env, argv[9], fn, "heads", &heads) ||
      !bool_arg(env, argv[10], fn, "zeroMasked", &zero_masked))
    return NULL;
  if (!check_dims(env, fn, nq, nk, nv, batch, lq, lk, heads, &d)) return NULL;
  if (mask != NULL && nm != batch * lk) return length_error(env, fn, "mask", nm, batch * lk), NULL;
  if (nc != nq) return length_error(env, fn, "context", nc, nq), NULL;
  if (np != batch * heads * lq * lk) return length_error(env, fn, "probs", np, batch * heads * lq * lk), NULL;
  attention_forward(q, k, v, mask, context, probs, batch, lq, lk, heads, d, zero_masked);
  return NULL;
}

// attentionGrad(dy, dprobs, q, k, v, probs, dq, dk, dv, batch, lq, lk, heads)
static napi_value attention_grad(napi_env env, napi_callback_info info) {
  static const char* fn = "attentionGrad";
  napi_value argv[13];
  if (!get_args(env, info, 13, argv, fn)) return NULL;
  float *dy, *dprobs, *q, *k, *v, *probs, *dq, *dk, *dv;
  size_t ndy, ndp, nq, nk, nv, np, ndq, ndk, ndv, batch, lq, lk, heads, d;
  if (!f32_arg(env, argv[0], fn, "dy", &dy, &ndy) || !f32_arg(env, argv[1], fn, "dprobs", &dprobs, &ndp) ||
      !f32_arg(env, argv[2], fn, "q", &q, &nq) || !f32_arg(env, argv[3], fn, "k", &k, &nk) ||
      !f32_arg(env, argv[4], fn, "v", &v, &nv) || !f32_arg(env, argv[5], fn, "probs", &probs, &np) ||
      !f32_arg(env, argv[6], fn, "dq", &dq, &ndq) || !f32_arg(env, argv[7], fn, "dk", &dk, &ndk) ||
      !f32_arg(env, argv[8], fn, "dv", &dv, &ndv) || !size_arg(env, argv[9], fn, "batch", &batch) ||
      !size_arg(env, argv[10], fn, "lq", &lq) || !size_arg(env, argv[11], fn, "lk", &lk) ||
      !size_arg(env, argv[12], fn, "heads", &heads))
    return NULL;
  if (!check_dims(env, fn, nq, nk, nv, batch, lq, lk, heads, &d)) return NULL;
  const size_t npr = batch * heads * lq * lk;
  if (ndy != nq) return length_error(env, fn, "dy", ndy, nq), NULL;
  if (ndp != npr) return length_error(env, fn, "dprobs", ndp, npr), NULL;
  if (np != npr) return length_error(env, fn, "probs", np, npr), NULL;
  if (ndq != nq) return length_error(env, fn, "dq", ndq, nq), NULL;
  if (ndk != nk) return length_error(env, fn, "dk", ndk, nk), NULL;
  if (ndv != nv) return length_error(env, fn, "dv", ndv, nv), NULL;
  if (!attention_backward(dy, dprobs, q, k, v, probs, dq, dk, dv, batch, lq, lk, heads, d)) {
    napi_throw_error(env, NULL, "vlakit attentionGrad: out of memory for the (lq, lk) workspace");
    return NULL;
  }
  return NULL;
}

void vlakit_attention_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"attention", NULL, attention, NULL, NULL, NULL, napi_default, NULL},
      {"attentionGrad", NULL, attention_grad, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
