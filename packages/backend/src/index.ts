/** @vlakit/backend: picks and prepares the tfjs backend (tensorflow, wasm with faster kernels, cpu). */
export {
  ADAMW_KERNEL,
  AdamW,
  type AdamWAttrs,
  type AdamWOptions,
  adamwUpdate,
  fusedAdamWStep,
  registerAdamWKernels,
} from './adamw.js';
export {
  attentionGradLoop,
  attentionKernels,
  attentionLoop,
  registerAttentionKernels,
  unregisterAttentionKernels,
} from './attention.js';
export { BACKEND_NAMES, type BackendName, parseBackendName } from './backend-name.js';
export {
  denseGradLoop,
  denseKernels,
  denseLoop,
  registerDenseKernels,
  unregisterDenseKernels,
} from './dense.js';
export { gelu, layerNorm, registerFusedKernels, unregisterFusedKernels } from './fused-ops.js';
export { type Gemm, jsGemm, makeGemm } from './gemm.js';
export {
  gruSequenceGradKernel,
  gruSequenceKernel,
  registerGruKernels,
  unregisterGruKernels,
} from './gru-sequence.js';
export { type BackendInfo, type InitBackendOptions, initBackend } from './init-backend.js';
export { type JsKernel, registerJsKernel } from './js-kernel.js';
export { type ImportModule, loadTensorflow, TENSORFLOW_PACKAGES } from './load-tensorflow.js';
export { loadNativeBlas, type NativeBlas, type NativeBlasStatus, nativeAddonPath } from './native-blas.js';
export { type NativeFused, nativeFused } from './native-fused.js';
export {
  type RegisteredKernels,
  registerWasmKernels,
  unregisterWasmKernels,
  type WasmKernelOptions,
} from './wasm-kernels/register-wasm-kernels.js';
