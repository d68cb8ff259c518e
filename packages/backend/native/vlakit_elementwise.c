// vlakit_elementwise: float32 binary ops where one operand broadcasts over the other's leading
// axes (a bias (D) against (R, D), a per-channel (3) against an image, a scalar), part of the
// vlakit_blas addon. tfjs-wasm's own broadcasting path walks indices per element (about 10 ns
// per element here); these loops are plain rows. src/wasm-kernels/binary.ts routes to them.
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>

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

void vlakit_elementwise_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"broadcastBinary", NULL, broadcast_binary, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
