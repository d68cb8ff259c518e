import { testRegistry } from '../test/helpers.js';
import { describeStageConformance } from './testing/index.js';

const registry = testRegistry();
const upstream = {};

describeStageConformance('test-vision', {
  create: (seed) => registry.get('test-vision').create({}, { name: 'vision', seed, upstream }),
});
describeStageConformance('test-language', {
  create: (seed) => registry.get('test-language').create({}, { name: 'language', seed, upstream }),
  gradientExemptions: ['embedding'],
});
describeStageConformance('test-state', {
  create: (seed) => registry.get('test-state').create({}, { name: 'state', seed, upstream }),
});
describeStageConformance('test-fusion', {
  create: (seed) =>
    registry.get('test-fusion').create({ languageDim: 8 }, { name: 'fusion', seed, upstream }),
  symbols: { N: 4, L: 5 },
});
describeStageConformance('test-decoder', {
  create: (seed) => registry.get('test-decoder').create({ fusedDim: 8 }, { name: 'decoder', seed, upstream }),
});
