export { describeStageConformance, type StageConformanceOptions } from './stage-conformance.js';
export {
  CharTokenizer,
  randomFeeds,
  TestDecoder,
  TestDecoderPlugin,
  TestFusion,
  TestFusionPlugin,
  TestLanguageEncoder,
  TestLanguagePlugin,
  TestStateEncoder,
  TestStatePlugin,
  TestVisionEncoder,
  TestVisionPlugin,
  testStagesModule,
} from './test-stages.js';
