// N-API argument helpers shared by the addon's C files: every failure throws a JavaScript error
// that names the function and the argument, and returns false.
#ifndef VLAKIT_ARGS_H
#define VLAKIT_ARGS_H
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

static inline bool throw_type(napi_env env, const char* fn, const char* what) {
  char msg[160];
  snprintf(msg, sizeof msg, "vlakit %s: %s", fn, what);
  napi_throw_type_error(env, NULL, msg);
  return false;
}

// A Float32Array argument: its data pointer and length.
static inline bool f32_arg(napi_env env, napi_value v, const char* fn, const char* name, float** data,
                    size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) {
    char what[96];
    snprintf(what, sizeof what, "%s must be a Float32Array", name);
    return throw_type(env, fn, what);
  }
  napi_typedarray_type type;
  void* p = NULL;
  if (napi_get_typedarray_info(env, v, &type, length, &p, NULL, NULL) != napi_ok ||
      type != napi_float32_array) {
    char what[96];
    snprintf(what, sizeof what, "%s must be a Float32Array", name);
    return throw_type(env, fn, what);
  }
  *data = (float*)p;
  return true;
}

static inline bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value* argv,
                     const char* fn) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != want) {
    char what[64];
    snprintf(what, sizeof what, "expects %zu arguments", want);
    return throw_type(env, fn, what);
  }
  return true;
}

static inline bool length_error(napi_env env, const char* fn, const char* name, size_t got, size_t want) {
  char msg[192];
  snprintf(msg, sizeof msg, "vlakit %s: %s has %zu elements, expected %zu", fn, name, got, want);
  napi_throw_range_error(env, NULL, msg);
  return false;
}

// A Float32Array argument that may be null or undefined (then *data is NULL and *length 0).
static inline bool optional_f32_arg(napi_env env, napi_value v, const char* fn, const char* name,
                                    float** data, size_t* length) {
  napi_valuetype type;
  if (napi_typeof(env, v, &type) != napi_ok) return throw_type(env, fn, "bad argument");
  if (type == napi_null || type == napi_undefined) {
    *data = NULL;
    *length = 0;
    return true;
  }
  return f32_arg(env, v, fn, name, data, length);
}

// An Int32Array argument: its data pointer and length.
static inline bool i32_arg(napi_env env, napi_value v, const char* fn, const char* name, int32_t** data,
                           size_t* length) {
  bool is = false;
  napi_typedarray_type type;
  void* p = NULL;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, v, &type, length, &p, NULL, NULL) != napi_ok || type != napi_int32_array) {
    char what[96];
    snprintf(what, sizeof what, "%s must be an Int32Array", name);
    return throw_type(env, fn, what);
  }
  *data = (int32_t*)p;
  return true;
}

// A positive integer argument (a size).
static inline bool size_arg(napi_env env, napi_value v, const char* fn, const char* name, size_t* out) {
  int64_t n = 0;
  if (napi_get_value_int64(env, v, &n) != napi_ok || n <= 0) {
    char what[96];
    snprintf(what, sizeof what, "%s must be a positive integer", name);
    return throw_type(env, fn, what);
  }
  *out = (size_t)n;
  return true;
}

static inline bool bool_arg(napi_env env, napi_value v, const char* fn, const char* name, bool* out) {
  if (napi_get_value_bool(env, v, out) != napi_ok) {
    char what[96];
    snprintf(what, sizeof what, "%s must be a boolean", name);
    return throw_type(env, fn, what);
  }
  return true;
}

#endif
