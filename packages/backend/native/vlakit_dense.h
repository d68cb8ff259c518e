// The fused dense layer of vlakit_dense.c, registered on the vlakit_blas addon's exports, and the
// addon's shared sgemm (vlakit_blas.c) it runs on.
#ifndef VLAKIT_DENSE_H
#define VLAKIT_DENSE_H
#include <node_api.h>
#include <stdbool.h>

void vlakit_dense_init(napi_env env, napi_value exports);
void vlakit_sgemm(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
                  float beta, float* c, int ldc);

#endif
