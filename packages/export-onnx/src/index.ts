export { buildOnnxGraph, type ExportedGraph, type GraphIO, traceToOnnx } from './export-graph.js';
export {
  EXTERNAL_DATA_THRESHOLD,
  type ExportPipelineOptions,
  type ExportResult,
  exportPipeline,
  PRODUCER_VERSION,
} from './export-pipeline.js';
export { type ExportRunOptions, exportRun, pickCheckpoint } from './export-run.js';
export { gruDecoderMapping } from './gru-decoder-mapping.js';
export { type InputRole, inputRoles } from './input-roles.js';
export { KERNEL_MAPPERS, type KernelMapper, supportedKernels } from './kernel-mappers.js';
export {
  type ConstantValue,
  type KernelCall,
  type KernelTrace,
  type TraceableModel,
  type TracedTensor,
  traceKernels,
} from './kernel-trace.js';
export { type Dyn, type MapContext, normAxes } from './map-context.js';
export {
  IR_VERSION,
  type OnnxDType,
  OnnxGraphBuilder,
  OPSET,
  serializeModel,
  type TensorValue,
} from './onnx-builder.js';
export {
  isOnnxExportable,
  type OnnxExportableStage,
  registerBuiltinStageMapping,
  type StageMapping,
  type StageOnnxContext,
  stageMapping,
} from './onnx-exportable.js';
export { checkParity, loadOrt, type ParityResult } from './ort-parity.js';
export type { NormStats, PolicyNormalization, PolicySpecV1 } from './policy-spec.js';
export { makeSampleFeeds, SAMPLE_INSTRUCTIONS } from './sample-feeds.js';
