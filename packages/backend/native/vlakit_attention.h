// The fused attention kernel of vlakit_attention.c, registered on the vlakit_blas addon's exports.
#ifndef VLAKIT_ATTENTION_H
#define VLAKIT_ATTENTION_H
#include <node_api.h>

void vlakit_attention_init(napi_env env, napi_value exports);

#endif
