export { type EvaluateFn, evaluateBundle } from './evaluate-bundle.js';
export { loadOrt, type Ort } from './load-ort.js';
export { type LoadPolicyOptions, loadPolicy, readPolicySpec } from './load-policy.js';
export { OnnxPolicy, type PolicyAction, type PolicyObservation } from './onnx-policy.js';
export { type PolicySpec, policySpecSchema } from './policy-schema.js';
export {
  charTokenizer,
  huggingFaceTokenizer,
  loadPolicyTokenizer,
  type TokenBatch,
  type TokenizeFn,
  truncateKeepingSpecials,
} from './policy-tokenizer.js';
export { PolicyError } from './runtime-error.js';
export {
  parseSessionOptions,
  type SessionOptions,
  type SessionOptionsInput,
  sessionOptionsSchema,
} from './session-options.js';
