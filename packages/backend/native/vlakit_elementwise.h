// The broadcasting binary ops of vlakit_elementwise.c, registered on the vlakit_blas addon's exports.
#ifndef VLAKIT_ELEMENTWISE_H
#define VLAKIT_ELEMENTWISE_H
#include <node_api.h>

void vlakit_elementwise_init(napi_env env, napi_value exports);

#endif
