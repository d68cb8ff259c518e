// vlakit_elementwise: float32 binary ops where one operand broadcasts over the other's leading
// axes (a bias (D) against (R, D), a per-channel (3) against an image, a scalar), and transposes,
// part of the vlakit_blas addon. tfjs-wasm's own paths walk indices per element (about 10 ns per
// element here); these loops are plain rows and contiguous runs. src/wasm-kernels/binary.ts and
// transpose.ts route to them.
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vlakit_args.h"
#include "vlakit_elementwise.h"
#include "vlakit_math.h"

enum { OP_ADD = 0, OP_SUB = 1, OP_MUL = 2, OP_DIV = 3 };

// out[r, j] = a[r, j] op b[j] (or b[j] op a[r, j] when b_first), rows of width m.
#define ROWS_LOOP(EXPR)                                                                            \
  if (m == 1) {                                                                                    \
    const float y = b[0];                                                                          \
    for (size_t i = 0; i < n; i++) {                                                               \
      const float x = a[i];                                                                        \
      out[i] = EXPR;                                                                               \
    }                                                                                              \
  } else {                                                                                         \
    for (size_t r = 0; r < n; r += m)                                                              \
      for (size_t j = 0; j < m; j++) {                                                             \
        const float x = a[r + j], y = b[j];                                                        \
        out[r + j] = EXPR;                                                                         \
      }                                                                                            \
  }

VECTOR_CLONES static void broadcast_loop(int op, bool b_first, const float* restrict a,
                                         const float* restrict b, float* restrict out, size_t n,
                                         size_t m) {
  switch (op * 2 + (b_first ? 1 : 0)) {
    case OP_ADD * 2:
    case OP_ADD * 2 + 1:
      ROWS_LOOP(x + y);
      break;
    case OP_SUB * 2:
      ROWS_LOOP(x - y);
      break;
    case OP_SUB * 2 + 1:
      ROWS_LOOP(y - x);
      break;
    case OP_MUL * 2:
    case OP_MUL * 2 + 1:
      ROWS_LOOP(x * y);
      break;
    case OP_DIV * 2:
      ROWS_LOOP(x / y);
      break;
    case OP_DIV * 2 + 1:
      ROWS_LOOP(y / x);
      break;
  }
}

// broadcastBinary(op, bFirst, a, b, out): op 0 add, 1 sub, 2 mul, 3 div; a and out have n
// elements, b has m dividing n and repeats along a's rows; bFirst: out = b op a.
static napi_value broadcast_binary(napi_env env, napi_callback_info info) {
  static const char* fn = "broadcastBinary";
  napi_value argv[5];
  if (!get_args(env, info, 5, argv, fn)) return NULL;
  int32_t op = -1;
  bool b_first = false;
  if (napi_get_value_int32(env, argv[0], &op) != napi_ok || op < OP_ADD || op > OP_DIV)
    return throw_type(env, fn, "op must be 0 (add), 1 (sub), 2 (mul) or 3 (div)"), NULL;
  if (!bool_arg(env, argv[1], fn, "bFirst", &b_first)) return NULL;
  float *a, *b, *out;
  size_t n, m, no;
  if (!f32_arg(env, argv[2], fn, "a", &a, &n) || !f32_arg(env, argv[3], fn, "b", &b, &m) ||
      !f32_arg(env, argv[4], fn, "out", &out, &no))
    return NULL;
  if (m == 0 || n % m != 0) return length_error(env, fn, "a (not a multiple of b's length)", n, m), NULL;
  if (no != n) return length_error(env, fn, "out", no, n), NULL;
  broadcast_loop(op, b_first, a, b, out, n, m);
  return NULL;
}

// ---------------------------------------------------------------------------------------------
// transpose: y = x permuted (any rank up to 8); trailing axes that keep their place are copied as
// contiguous runs (the ViT's patchify, (B, g, p, g, p, 3) -> (B, g, g, p, p, 3), moves runs of p*3)

#define MAX_RANK 8

static void transpose_loop(const float* restrict x, float* restrict y, const int32_t* shape,
                           const int32_t* perm, size_t rank) {
  size_t in_strides[MAX_RANK];
  size_t s = 1;
  for (size_t i = rank; i-- > 0;) {
    in_strides[i] = s;
    s *= (size_t)shape[i];
  }
  // trailing axes in place form one contiguous run
  size_t keep = rank;
  size_t run = 1;
  while (keep > 0 && (size_t)perm[keep - 1] == keep - 1) {
    run *= (size_t)shape[keep - 1];
    keep--;
  }
  if (keep == 0) {
    memcpy(y, x, run * sizeof(float));
    return;
  }
  // walk the output's leading `keep` axes in order; step[i] = input stride of output axis i
  size_t dims[MAX_RANK], step[MAX_RANK], idx[MAX_RANK] = {0};
  for (size_t i = 0; i < keep; i++) {
    dims[i] = (size_t)shape[perm[i]];
    step[i] = in_strides[perm[i]];
  }
  size_t total = 1;
  for (size_t i = 0; i < keep; i++) total *= dims[i];
  size_t src = 0;
  for (size_t o = 0; o < total; o++) {
    if (run == 1) y[o] = x[src];
    else memcpy(y + o * run, x + src, run * sizeof(float));
    for (size_t i = keep; i-- > 0;) {  // odometer increment of the output index
      src += step[i];
      if (++idx[i] < dims[i]) break;
      src -= step[i] * dims[i];
      idx[i] = 0;
    }
  }
}

// transpose(x, y, shape, perm): shape and perm Int32Arrays of the same length (x's shape and the
// permutation, y's shape is shape[perm[i]]).
static napi_value transpose(napi_env env, napi_callback_info info) {
  static const char* fn = "transpose";
  napi_value argv[4];
  if (!get_args(env, info, 4, argv, fn)) return NULL;
  float *x, *y;
  int32_t *shape, *perm;
  size_t nx, ny, rank, nperm;
  if (!f32_arg(env, argv[0], fn, "x", &x, &nx) || !f32_arg(env, argv[1], fn, "y", &y, &ny) ||
      !i32_arg(env, argv[2], fn, "shape", &shape, &rank) || !i32_arg(env, argv[3], fn, "perm", &perm, &nperm))
    return NULL;
  if (rank == 0 || rank > MAX_RANK || nperm != rank)
    return throw_type(env, fn, "shape and perm must have the same length, 1 to 8"), NULL;
  size_t size = 1;
  bool seen[MAX_RANK] = {false};
  for (size_t i = 0; i < rank; i++) {
    if (shape[i] < 0 || perm[i] < 0 || (size_t)perm[i] >= rank || seen[perm[i]])
      return throw_type(env, fn, "perm must be a permutation of the axes and shape non-negative"), NULL;
    seen[perm[i]] = true;
    size *= (size_t)shape[i];
  }
  if (nx != size) return length_error(env, fn, "x", nx, size), NULL;
  if (ny != size) return length_error(env, fn, "y", ny, size), NULL;
  if (size > 0) transpose_loop(x, y, shape, perm, rank);
  return NULL;
}

void vlakit_elementwise_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"broadcastBinary", NULL, broadcast_binary, NULL, NULL, NULL, napi_default, NULL},
      {"transpose", NULL, transpose, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
