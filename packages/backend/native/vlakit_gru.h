// The GRU step loops of vlakit_gru.c, registered on the vlakit_blas addon's exports.
#ifndef VLAKIT_GRU_H
#define VLAKIT_GRU_H
#include <node_api.h>

void vlakit_gru_init(napi_env env, napi_value exports);

#endif
