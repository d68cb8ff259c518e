import type { StageV1 } from '@vlakit/core';
import type { OnnxDType, OnnxGraphBuilder } from './onnx-builder.js';

/** What a stage's own mapping gets: the builder and its inputs as ONNX values. */
export interface StageOnnxContext {
  readonly builder: OnnxGraphBuilder;
  /** ONNX value name of each input port that was fed. */
  readonly inputs: Readonly<Record<string, string>>;
  /** Shapes and dtypes of the inputs as traced (batch included). */
  readonly inputShapes: Readonly<Record<string, readonly number[]>>;
  /** ONNX initializer name of each of the stage's variables (created on first use). */
  variable(localName: string): string;
  /** Value names for the stage's outputs must be taken from here. */
  outputName(port: string): string;
  readonly dtypes: Readonly<Record<string, OnnxDType>>;
}

/**
 * A stage that writes its own ONNX (for example the ONNX GRU op instead of an unrolled loop).
 * The exporter calls `exportOnnx` instead of tracing the stage's kernels; it returns the ONNX
 * value name of every output port its forward pass produces.
 */
export interface OnnxExportableStage extends StageV1 {
  exportOnnx(ctx: StageOnnxContext): Record<string, string>;
}

export function isOnnxExportable(stage: StageV1): stage is OnnxExportableStage {
  return typeof (stage as Partial<OnnxExportableStage>).exportOnnx === 'function';
}

/** Writes a stage's ONNX nodes; returns the value name of each output port. */
export type StageMapping = (ctx: StageOnnxContext) => Record<string, string>;

const builtins: Array<(stage: StageV1) => StageMapping | undefined> = [];

/** Registers an exporter-side mapping for stages that expose what it needs (e.g. gruOnnxWeights). */
export function registerBuiltinStageMapping(find: (stage: StageV1) => StageMapping | undefined): void {
  builtins.push(find);
}

/** The stage's own mapping (`exportOnnx`), else a built-in one for it, else undefined (traced). */
export function stageMapping(stage: StageV1): StageMapping | undefined {
  if (isOnnxExportable(stage)) return (ctx) => stage.exportOnnx(ctx);
  for (const find of builtins) {
    const m = find(stage);
    if (m) return m;
  }
  return undefined;
}
