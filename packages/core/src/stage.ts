import type * as tf from '@tensorflow/tfjs';
import type { PortSpec } from './ports.js';

/** Stage interface spec version. A breaking change to the contract adds 'v2' beside it. */
export type StageSpecVersion = 'v1';

export const STAGE_KINDS = [
  'VisionEncoder',
  'LanguageEncoder',
  'StateEncoder',
  'Fusion',
  'ActionDecoder',
] as const;
export type StageKind = (typeof STAGE_KINDS)[number];

export interface ForwardOptions {
  /** Training mode: dropout and other train-only behaviour on. Default false. */
  readonly training?: boolean;
  /** Also produce inspection outputs (attention maps, ...). Default false. */
  readonly inspect?: boolean;
}

export type TensorMap = Record<string, tf.Tensor>;

/**
 * A pipeline stage, spec v1. The forward pass is written once in tfjs ops; training,
 * evaluation and ONNX export all run it.
 */
export interface StageV1 {
  readonly specificationVersion: StageSpecVersion;
  readonly kind: StageKind;
  /** The plugin id that made it (e.g. 'vit'). */
  readonly pluginId: string;
  /** Its node name in the pipeline (e.g. 'vision'). */
  readonly name: string;
  /** The resolved options it was created with. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly inputs: readonly PortSpec[];
  readonly outputs: readonly PortSpec[];
  readonly built: boolean;
  /** Allocates the variables. Called by the pipeline after the graph validated; idempotent. */
  build(): void;
  /** Named variables (local names, e.g. 'block0/attn/q/kernel'). Empty before build. */
  variables(): ReadonlyMap<string, tf.Variable>;
  /** Freezes (false) or unfreezes variables; all of them when `names` is omitted. */
  setTrainable(trainable: boolean, names?: readonly string[]): void;
  /** Runs the stage. Rejects inputs whose rank, dtype or shape break the declared ports. */
  forward(inputs: Readonly<TensorMap>, options?: ForwardOptions): TensorMap;
  /** Loads pretrained weights from a folder (e.g. a Hugging Face checkpoint). */
  loadPretrained?(dir: string): Promise<PretrainedLoadReport>;
  dispose(): void;
}

export interface PretrainedLoadReport {
  readonly loaded: readonly string[];
  readonly notes: readonly string[];
}

/** Turns text into token ids; owned by a language encoder. */
export interface TextTokenizerV1 {
  readonly maxLength: number;
  readonly vocabSize: number;
  /** Token ids (B, L) int32 and mask (B, L) float32 (1 = real token), row-major. */
  encode(texts: readonly string[]): { ids: Int32Array; mask: Float32Array; batch: number; length: number };
  /** Files a deployment needs to rebuild the tokenizer (name -> contents). */
  files(): Record<string, string>;
}

export interface VisionEncoderV1 extends StageV1 {
  readonly kind: 'VisionEncoder';
}
export interface LanguageEncoderV1 extends StageV1 {
  readonly kind: 'LanguageEncoder';
  readonly tokenizer: TextTokenizerV1;
}
export interface StateEncoderV1 extends StageV1 {
  readonly kind: 'StateEncoder';
}
export interface FusionV1 extends StageV1 {
  readonly kind: 'Fusion';
}
export interface ActionDecoderV1 extends StageV1 {
  readonly kind: 'ActionDecoder';
}

/** The ports every stage of a kind must have (more are allowed). */
export const KIND_CONTRACTS: Record<StageKind, { inputs: readonly string[]; outputs: readonly string[] }> = {
  // image (B, H, W, 3) float32 in [0, 1] -> tokens (B, N, D)
  VisionEncoder: { inputs: ['image'], outputs: ['tokens'] },
  // tokenIds (B, L) int32, mask (B, L) -> tokens (B, L, D), mask (B, L)
  LanguageEncoder: { inputs: ['tokenIds', 'mask'], outputs: ['tokens', 'mask'] },
  // state (B, S) -> tokens (B, 1, D)
  StateEncoder: { inputs: ['state'], outputs: ['tokens'] },
  // vision tokens (+ language tokens, mask, state) -> fused (B, D)
  Fusion: { inputs: ['vision'], outputs: ['fused'] },
  // fused (B, D) -> actions (B, T, A), done logit (B, 1)
  ActionDecoder: { inputs: ['fused'], outputs: ['actions', 'done'] },
};

export function isLanguageEncoder(stage: StageV1): stage is LanguageEncoderV1 {
  return stage.kind === 'LanguageEncoder' && typeof (stage as LanguageEncoderV1).tokenizer === 'object';
}
