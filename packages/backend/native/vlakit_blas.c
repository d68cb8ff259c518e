// vlakit_blas: an N-API addon that runs OpenBLAS sgemm on float32 data living in an ArrayBuffer
// (the tfjs wasm heap), so matmuls use both cores and AVX-512 without copying operands.
// Built by native/build.mjs when the Node headers and libopenblas-dev are present. The fused
// kernels' loops (vlakit_fused.c, vlakit_attention.c, vlakit_dense.c, vlakit_gru.c) and broadcasting binary ops
// (vlakit_elementwise.c) are compiled into the same addon.
#include <cblas.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>

#include "vlakit_attention.h"
#include "vlakit_dense.h"
#include "vlakit_elementwise.h"
#include "vlakit_fused.h"
#include "vlakit_gru.h"

#define CHECK(call)                                                                                \
  if ((call) != napi_ok) {                                                                         \
    napi_throw_error(env, NULL, "vlakit_blas: N-API call failed: " #call);                         \
    return NULL;                                                                                   \
  }

// Products with fewer multiply-adds (batch*m*n*k) than this run on one thread: waking OpenBLAS's
// workers costs more than they save on small matrices, and far more on a busy machine.
static int64_t small_work = (int64_t)1 << 24;

static bool get_i64(napi_env env, napi_value v, int64_t* out) {
  return napi_get_value_int64(env, v, out) == napi_ok;
}

// One sgemm (row-major, C = op(A) op(B) + beta C) with the addon's threading policy: products below
// small_work multiply-adds run on one thread. Used by the fused kernels (vlakit_dense.c).
void vlakit_sgemm(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
                  float beta, float* c, int ldc) {
  const int threads = openblas_get_num_threads();
  const bool single = threads > 1 && (int64_t)m * n * k < small_work;
  if (single) openblas_set_num_threads(1);
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a,
              lda, b, ldb, beta, c, ldc);
  if (single) openblas_set_num_threads(threads);
}

// sgemmBatched(buffer, aByteOffset, bByteOffset, cByteOffset, batch, m, n, k, transA, transB,
//              strideA, strideB): C[i] = op(A[i]) x op(B[i]) for i < batch; A[i] starts at
//              a + i*strideA floats (0 broadcasts), C is dense (batch, m, n).
static napi_value sgemm_batched(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 12) {
    napi_throw_type_error(env, NULL, "sgemmBatched expects 12 arguments");
    return NULL;
  }
  void* data = NULL;
  size_t length = 0;
  CHECK(napi_get_arraybuffer_info(env, argv[0], &data, &length));
  int64_t v[11];
  for (int i = 0; i < 11; i++) {
    if (i == 7 || i == 8) continue;
    if (!get_i64(env, argv[i + 1], &v[i])) {
      napi_throw_type_error(env, NULL, "sgemmBatched: offsets and sizes must be numbers");
      return NULL;
    }
  }
  bool ta = false, tb = false;
  CHECK(napi_get_value_bool(env, argv[8], &ta));
  CHECK(napi_get_value_bool(env, argv[9], &tb));
  int64_t a_off = v[0], b_off = v[1], c_off = v[2], batch = v[3], m = v[4], n = v[5], k = v[6];
  int64_t sa = v[9], sb = v[10];
  if (batch <= 0 || m <= 0 || n <= 0 || k <= 0 || sa < 0 || sb < 0) {
    napi_throw_range_error(env, NULL, "sgemmBatched: sizes must be positive");
    return NULL;
  }
  int64_t a_end = a_off + 4 * ((batch - 1) * sa + m * k);
  int64_t b_end = b_off + 4 * ((batch - 1) * sb + k * n);
  int64_t c_end = c_off + 4 * batch * m * n;
  if (a_off < 0 || b_off < 0 || c_off < 0 || a_end > (int64_t)length || b_end > (int64_t)length ||
      c_end > (int64_t)length) {
    napi_throw_range_error(env, NULL, "sgemmBatched: operands lie outside the buffer");
    return NULL;
  }
  const float* a = (const float*)((uint8_t*)data + a_off);
  const float* b = (const float*)((uint8_t*)data + b_off);
  float* c = (float*)((uint8_t*)data + c_off);
  const int lda = ta ? (int)m : (int)k;
  const int ldb = tb ? (int)k : (int)n;
  const int threads = openblas_get_num_threads();
  const bool single = threads > 1 && batch * m * n * k < small_work;
  if (single) openblas_set_num_threads(1);
  for (int64_t i = 0; i < batch; i++) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)m,
                (int)n, (int)k, 1.0f, a + i * sa, lda, b + i * sb, ldb, 0.0f, c + i * m * n, (int)n);
  }
  if (single) openblas_set_num_threads(threads);
  return NULL;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t t = 0;
  CHECK(napi_get_value_int32(env, argv[0], &t));
  if (t > 0) openblas_set_num_threads(t);
  napi_value r;
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &r));
  return r;
}

// setSmallWork(n): products below n multiply-adds run single-threaded (n <= 0 keeps the value);
// returns the value in use.
static napi_value set_small_work(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t n = 0;
  CHECK(napi_get_value_int64(env, argv[0], &n));
  if (n > 0) small_work = n;
  napi_value r;
  CHECK(napi_create_int64(env, small_work, &r));
  return r;
}

static napi_value config(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  CHECK(napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &r));
  return r;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sgemmBatched", NULL, sgemm_batched, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"config", NULL, config, NULL, NULL, NULL, napi_default, NULL},
      {"setSmallWork", NULL, set_small_work, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 4, props);
  vlakit_fused_init(env, exports);
  vlakit_attention_init(env, exports);
  vlakit_elementwise_init(env, exports);
  vlakit_dense_init(env, exports);
  vlakit_gru_init(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
