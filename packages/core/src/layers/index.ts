/** Small, model-agnostic tensor helpers shared by stage plugins (no variables of their own). */
export { type DenseWeights, dense, denseComposed } from './dense.js';
export { FUSED_KERNELS, hasKernels, runKernel } from './fused-kernels.js';
export { type Activation, activate, geluErf, geluErfComposed } from './gelu.js';
export { type LayerNormWeights, layerNorm, layerNormComposed } from './layer-norm.js';
export { type AttentionResult, type AttentionWeights, multiHeadAttention } from './multi-head-attention.js';
export {
  MASKED_LOGIT,
  type ScaledDotProductOptions,
  type ScaledDotProductResult,
  scaledDotProductAttention,
  scaledDotProductAttentionComposed,
} from './scaled-dot-product-attention.js';
