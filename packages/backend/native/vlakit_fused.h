// The fused-kernel loops of vlakit_fused.c, registered on the vlakit_blas addon's exports.
#ifndef VLAKIT_FUSED_H
#define VLAKIT_FUSED_H
#include <node_api.h>

void vlakit_fused_init(napi_env env, napi_value exports);

#endif
