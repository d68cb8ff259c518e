import type { InputRole } from './input-roles.js';
import type { OnnxDim } from './onnx-builder.js';

/** Mean and standard deviation per dimension. */
export interface NormStats {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** Statistics applied in training: actions are predicted normalised, states are fed normalised. */
export interface PolicyNormalization {
  readonly action: NormStats;
  readonly state?: NormStats;
}

/**
 * `policy.json`, version 1: everything a runtime needs besides `model.onnx`. runtime-onnx
 * reads it (and validates it with its own schema).
 */
export interface PolicySpecV1 {
  readonly format: 'vlakit-policy';
  readonly version: 1;
  readonly model: string;
  /** External initializer data beside the model (models over 2 GB), or null. */
  readonly external_data: string | null;
  readonly opset: number;
  readonly ir_version: number;
  readonly inputs: ReadonlyArray<{ name: string; role: InputRole; dtype: string; shape: readonly OnnxDim[] }>;
  readonly outputs: {
    readonly actions: { name: string; shape: readonly OnnxDim[]; units: 'normalised' };
    readonly done: { name: string; shape: readonly OnnxDim[]; kind: 'logit' };
  };
  /** How an RGB uint8 image (H, W, 3) becomes the image input: x * scale + offset, NHWC. */
  readonly image: {
    height: number;
    width: number;
    /** 3 (RGB), or 6: the current frame's RGB, then the episode's first frame's, per pixel. */
    channels: number;
    layout: 'NHWC';
    dtype: 'float32';
    scale: number;
    offset: number;
  } | null;
  readonly tokenizer: {
    /** 'char' (tokenizer.json {type: 'char'}), 'huggingface' (a tokenizers.json), or 'custom'. */
    kind: 'char' | 'huggingface' | 'custom';
    max_length: number;
    vocab_size: number;
    /** Paths relative to the bundle. */
    files: readonly string[];
    /** Instructions and the ids the training tokenizer gave them: a runtime checks itself on load. */
    samples: ReadonlyArray<{ text: string; ids: number[] }>;
  } | null;
  readonly normalization: PolicyNormalization;
  readonly action: { dim: number; chunk_length: number; units: string };
  readonly chunk_length: number;
  readonly source: {
    run: string | null;
    step: number | null;
    pipeline: unknown;
    exported_at: string;
    producer: string;
  };
  readonly parity: {
    max_abs_diff: number;
    tolerance: number;
    batches: readonly number[];
    per_output: Record<string, number>;
  };
}
