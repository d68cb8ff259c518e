// vlakit_dense: the fused dense layer (core's FUSED_KERNELS.dense and its gradient) in C, part of
// the vlakit_blas addon: y = x W + b over rows of x, and dx = dy W^T, dW = x^T dy, db = column sums
// of dy, on OpenBLAS sgemm. src/dense.ts holds the contract, the JavaScript reference and the tfjs
// registration.
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "vlakit_args.h"
#include "vlakit_dense.h"
#include "vlakit_math.h"

VECTOR_CLONES static void fill_rows(float* restrict y, const float* restrict b, size_t rows, size_t out) {
  for (size_t r = 0; r < rows; r++) memcpy(y + r * out, b, out * sizeof(float));
}

VECTOR_CLONES static void column_sums(const float* restrict dy, float* restrict db, size_t rows, size_t out) {
  memset(db, 0, out * sizeof(float));
  for (size_t r = 0; r < rows; r++)
    for (size_t j = 0; j < out; j++) db[j] += dy[r * out + j];
}

// dense(x, kernel, bias | null, y, out): x (rows, in), kernel (in, out), bias (out), y (rows, out).
static napi_value dense(napi_env env, napi_callback_info info) {
  static const char* fn = "dense";
  napi_value argv[5];
  if (!get_args(env, info, 5, argv, fn)) return NULL;
  float *x, *w, *b, *y;
  size_t nx, nw, nb, ny, out;
  if (!f32_arg(env, argv[0], fn, "x", &x, &nx) || !f32_arg(env, argv[1], fn, "kernel", &w, &nw) ||
      !optional_f32_arg(env, argv[2], fn, "bias", &b, &nb) || !f32_arg(env, argv[3], fn, "y", &y, &ny) ||
      !size_arg(env, argv[4], fn, "out", &out))
    return NULL;
  if (nw % out != 0) return length_error(env, fn, "kernel (not in * out)", nw, out), NULL;
  const size_t in = nw / out;
  if (in == 0 || nx % in != 0) return length_error(env, fn, "x (not rows * in)", nx, in), NULL;
  const size_t rows = nx / in;
  if (b != NULL && nb != out) return length_error(env, fn, "bias", nb, out), NULL;
  if (ny != rows * out) return length_error(env, fn, "y", ny, rows * out), NULL;
  if (b != NULL) fill_rows(y, b, rows, out);
  vlakit_sgemm(false, false, (int)rows, (int)out, (int)in, x, (int)in, w, (int)out, b != NULL ? 1.0f : 0.0f, y,
               (int)out);  // [b +] x W
  return NULL;
}

// denseGrad(dy, x, kernel, dx, dkernel, dbias): dy (rows, out), x (rows, in), kernel (in, out).
static napi_value dense_grad(napi_env env, napi_callback_info info) {
  static const char* fn = "denseGrad";
  napi_value argv[6];
  if (!get_args(env, info, 6, argv, fn)) return NULL;
  float *dy, *x, *w, *dx, *dw, *db;
  size_t ndy, nx, nw, ndx, ndw, ndb;
  if (!f32_arg(env, argv[0], fn, "dy", &dy, &ndy) || !f32_arg(env, argv[1], fn, "x", &x, &nx) ||
      !f32_arg(env, argv[2], fn, "kernel", &w, &nw) || !f32_arg(env, argv[3], fn, "dx", &dx, &ndx) ||
      !f32_arg(env, argv[4], fn, "dkernel", &dw, &ndw) || !f32_arg(env, argv[5], fn, "dbias", &db, &ndb))
    return NULL;
  const size_t out = ndb;
  if (out == 0 || nw % out != 0) return length_error(env, fn, "kernel (not in * out)", nw, out), NULL;
  const size_t in = nw / out;
  if (nx % in != 0) return length_error(env, fn, "x (not rows * in)", nx, in), NULL;
  const size_t rows = nx / in;
  if (ndy != rows * out) return length_error(env, fn, "dy", ndy, rows * out), NULL;
  if (ndx != nx) return length_error(env, fn, "dx", ndx, nx), NULL;
  if (ndw != nw) return length_error(env, fn, "dkernel", ndw, nw), NULL;
  vlakit_sgemm(false, true, (int)rows, (int)in, (int)out, dy, (int)out, w, (int)out, 0.0f, dx, (int)in);  // dy W^T
  vlakit_sgemm(true, false, (int)in, (int)out, (int)rows, x, (int)in, dy, (int)out, 0.0f, dw, (int)out);  // x^T dy
  column_sums(dy, db, rows, out);
  return NULL;
}

void vlakit_dense_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"dense", NULL, dense, NULL, NULL, NULL, napi_default, NULL},
      {"denseGrad", NULL, dense_grad, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
