export { writeFileAtomic } from './atomic-write.js';
export {
  type ExpectedCheckpointTensor,
  type TakeCheckpointOptions,
  type TakenCheckpoint,
  takeCheckpointTensors,
  transposeMatrix,
} from './checkpoint-mapping.js';
export { defaultWiring, type Wiring } from './default-wiring.js';
export { quote, VlakitError, type VlakitErrorKind, type VlakitErrorOptions } from './errors.js';
export {
  type ExperimentConfig,
  experimentConfigSchema,
  loadExperimentConfigFile,
  parseExperimentConfig,
  readConfigFile,
} from './experiment-config.js';
export { parseConfig } from './format-zod-error.js';
export {
  formatPortRef,
  type GraphSpec,
  type GraphSpecInput,
  graphSpecSchema,
  type PortRef,
  parsePortRef,
  type StageSpec,
  stageSpecSchema,
} from './graph-spec.js';
export { type Initializer, init, initialValues } from './initializers.js';
export {
  type Activation,
  type AttentionResult,
  type AttentionWeights,
  activate,
  type DenseWeights,
  dense,
  denseComposed,
  FUSED_KERNELS,
  geluErf,
  geluErfComposed,
  hasKernels,
  type LayerNormWeights,
  layerNorm,
  layerNormComposed,
  MASKED_LOGIT,
  multiHeadAttention,
  runKernel,
  type ScaledDotProductOptions,
  type ScaledDotProductResult,
  scaledDotProductAttention,
  scaledDotProductAttentionComposed,
} from './layers/index.js';
export { type Logger, memoryLogger, stderrLogger } from './logger.js';
export {
  Pipeline,
  type PipelineInput,
  type PipelineRunOptions,
  type PipelineRunResult,
  type StageTrace,
  type TensorSummary,
} from './pipeline.js';
export { type BuildPipelineOptions, buildPipeline, topologicalOrder } from './pipeline-builder.js';
export type { PluginManifest, StageCreateContext, StagePluginV1 } from './plugin.js';
export {
  createVlakitContainer,
  type DiscoveredPackage,
  discoverPluginPackages,
  type LoadedPluginPackage,
  loadPluginPackages,
  loadStageRegistry,
  PLUGIN_KEYWORD,
} from './plugin-loader.js';
export { type PortDType, type PortSpec, port } from './ports.js';
export {
  parseSafetensors,
  readSafetensorsFile,
  type SafetensorsDType,
  type SafetensorsFile,
  type SafetensorsTensor,
  serializeSafetensors,
  type TensorToWrite,
  toFloat32,
  writeSafetensorsFile,
} from './safetensors.js';
export { deriveSeed, SeededRandom } from './seeded-random.js';
export { BATCH, bindShape, type Dim, formatShape, type SymbolicShape, shapeMismatch } from './shapes.js';
export {
  type ActionDecoderV1,
  type ForwardOptions,
  type FusionV1,
  isLanguageEncoder,
  KIND_CONTRACTS,
  type LanguageEncoderV1,
  type PretrainedLoadReport,
  STAGE_KINDS,
  type StageKind,
  type StageSpecVersion,
  type StageV1,
  type StateEncoderV1,
  type TensorMap,
  type TextTokenizerV1,
  type VisionEncoderV1,
} from './stage.js';
export { StageRegistry } from './stage-registry.js';
export { TfStage, type TfStageInit, type VariableFactory } from './tf-stage.js';
export { CoreTokens, StageTokens } from './tokens.js';
export { type ShapeBindings, validatePortTensors } from './validate-tensors.js';
