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
