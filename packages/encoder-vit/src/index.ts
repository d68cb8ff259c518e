/** @vlakit/encoder-vit: the `vit` VisionEncoder stage plugin. */
export {
  type HfVitConfig,
  hfVitArchitecture,
  loadHfVitCheckpoint,
  readHfVitConfig,
} from './hf-vit-checkpoint.js';
export {
  type KeypointReadout,
  keypointReadout,
  pixelCentres,
  spatialSoftArgmax,
} from './keypoint-readout.js';
export { convWeightToPatchKernel, patchify } from './patch-embedding.js';
export { interpolatePositionGrid } from './position-interpolation.js';
export { VitEncoder } from './vit-encoder.js';
export {
  gridSide,
  resolveVitConfig,
  VIT_SIZES,
  type VitArchitecture,
  type VitEncoderConfig,
  type VitEncoderOptions,
  vitEncoderSchema,
} from './vit-encoder-config.js';
export { containerModule } from './vit-encoder-module.js';
export {
  VIT_PACKAGE_VERSION,
  VIT_PLUGIN_ID,
  VitEncoderPlugin,
  vitManifest,
  vitManifest as manifest,
} from './vit-encoder-plugin.js';
