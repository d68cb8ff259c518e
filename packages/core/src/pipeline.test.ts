import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { defaultStages, feedsFor, testRegistry } from '../test/helpers.js';
import { buildPipeline, VlakitError } from './index.js';

const registry = testRegistry();

function expectError(fn: () => unknown, kind: string, ...fragments: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(VlakitError.isInstance(caught), `expected a VlakitError, got ${String(caught)}`).toBe(true);
  expect((caught as VlakitError).kind).toBe(kind);
  for (const f of fragments) expect((caught as Error).message).toContain(f);
}

describe('pipeline wired by kind', () => {
  it('runs vision + language -> fusion -> decoder with outputs of the declared shapes', () => {
    const p = buildPipeline({ stages: defaultStages }, registry);
    expect(p.order).toEqual(['vision', 'language', 'fusion', 'decoder']);
    expect(p.inputs.map((i) => i.name)).toEqual(['image', 'tokenIds', 'mask']);
    const feeds = feedsFor(3);
    const out = p.forward(feeds);
    expect(out['actions']!.shape).toEqual([3, 2, 2]);
    expect(out['done']!.shape).toEqual([3, 1]);
    tf.dispose([out, feeds]);
    p.dispose();
  });

  it('derives stage widths from upstream ports (fusion sees the encoders widths)', () => {
    const p = buildPipeline(
      { stages: { ...defaultStages, vision: { plugin: 'test-vision', options: { dim: 12 } } } },
      registry,
    );
    expect(p.stage('fusion').inputs.find((x) => x.name === 'vision')!.shape).toEqual(['B', 'N', 12]);
    p.dispose();
  });

  it('creates no tensor when validation fails', () => {
    const before = tf.memory().numTensors;
    expect(() =>
      buildPipeline(
        { stages: { ...defaultStages, fusion: { plugin: 'test-fusion', options: { visionDim: 5 } } } },
        registry,
      ),
    ).toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('freezes stages and variables named in the spec', () => {
    const p = buildPipeline(
      {
        stages: {
          ...defaultStages,
          vision: { plugin: 'test-vision', trainable: false },
          decoder: { plugin: 'test-decoder', freeze: ['done/bias'] },
        },
      },
      registry,
    );
    const trainable = [...p.trainableVariables().keys()];
    expect(trainable.some((n) => n.startsWith('vision/'))).toBe(false);
    expect(trainable).not.toContain('decoder/done/bias');
    expect(trainable).toContain('decoder/done/kernel');
    p.dispose();
  });

  it('gives the same initial weights for the same seed and different ones for another seed', () => {
    const a = buildPipeline({ stages: defaultStages }, registry, { seed: 4 });
    const b = buildPipeline({ stages: defaultStages }, registry, { seed: 4 });
    const c = buildPipeline({ stages: defaultStages }, registry, { seed: 5 });
    const w = (p: typeof a) => Array.from(p.variables().get('fusion/vision/kernel')!.dataSync());
    expect(w(b)).toEqual(w(a));
    expect(w(c)).not.toEqual(w(a));
    [a, b, c].forEach((p) => p.dispose());
  });
});

describe('explicit graphs', () => {
  it('runs a diamond, and both topological orders of its branches give identical results', () => {
    const p = buildPipeline(
      {
        stages: {
          vision: { plugin: 'test-vision' },
          language: { plugin: 'test-language' },
          left: { plugin: 'test-fusion' },
          right: { plugin: 'test-fusion', options: { dim: 8 } },
          decoder: { plugin: 'test-decoder', options: { secondInput: true } },
        },
        inputs: { image: 'vision.image', tokenIds: 'language.tokenIds', mask: 'language.mask' },
        edges: [
          'vision.tokens -> left.vision',
          'vision.tokens -> right.vision',
          'language.tokens -> left.language',
          'language.mask -> left.languageMask',
          'left.fused -> decoder.fused',
          'right.fused -> decoder.fused2',
        ],
        outputs: { actions: 'decoder.actions', done: 'decoder.done' },
      },
      registry,
      { seed: 1 },
    );
    const feeds = feedsFor(2);
    const a = p.forward(feeds, { order: ['vision', 'language', 'left', 'right', 'decoder'] });
    const b = p.forward(feeds, { order: ['vision', 'right', 'language', 'left', 'decoder'] });
    expect(Array.from(b['actions']!.dataSync())).toEqual(Array.from(a['actions']!.dataSync()));
    expect(Array.from(b['done']!.dataSync())).toEqual(Array.from(a['done']!.dataSync()));
    expect(() => p.forward(feeds, { order: ['left', 'vision', 'language', 'right', 'decoder'] })).toThrow(
      /runs 'left' before 'vision'/,
    );
    tf.dispose([a, b, feeds]);
    p.dispose();
  });

  it('runs a two-camera graph with a state encoder', () => {
    const p = buildPipeline(
      {
        stages: {
          front: { plugin: 'test-vision' },
          wrist: { plugin: 'test-vision', options: { imageSize: 12, patchSize: 4 } },
          proprio: { plugin: 'test-state', options: { stateDim: 3 } },
          fusion: { plugin: 'test-fusion' },
          decoder: { plugin: 'test-decoder', options: { chunk: 4, actionDim: 3 } },
        },
        inputs: { front: 'front.image', wrist: 'wrist.image', state: 'proprio.state' },
        edges: [
          'front.tokens -> fusion.vision',
          'wrist.tokens -> fusion.vision2',
          'proprio.tokens -> fusion.state',
          'fusion.fused -> decoder.fused',
        ],
        outputs: { actions: 'decoder.actions', done: 'decoder.done' },
      },
      registry,
    );
    const feeds = {
      front: tf.ones([2, 8, 8, 3]),
      wrist: tf.ones([2, 12, 12, 3]),
      state: tf.ones([2, 3]),
    };
    const out = p.forward(feeds);
    expect(out['actions']!.shape).toEqual([2, 4, 3]);
    expect(p.variables().has('fusion/vision2/kernel')).toBe(true);
    tf.dispose([out, feeds]);
    p.dispose();
  });
});

describe('validation errors', () => {
  const explicit = (over: Record<string, unknown>) => ({
    stages: defaultStages,
    inputs: { image: 'vision.image', tokenIds: 'language.tokenIds', mask: 'language.mask' },
    edges: [
      'vision.tokens -> fusion.vision',
      'language.tokens -> fusion.language',
      'language.mask -> fusion.languageMask',
      'fusion.fused -> decoder.fused',
    ],
    outputs: { actions: 'decoder.actions', done: 'decoder.done' },
    ...over,
  });

  it('an unknown plugin lists the installed ones', () => {
    expectError(
      () => buildPipeline({ stages: { ...defaultStages, vision: { plugin: 'vitt' } } }, registry),
      'plugin',
      "stage 'vision'",
      '"vitt"',
      'installed: test-decoder, test-fusion, test-language, test-state, test-vision',
    );
  });

  it('a missing input names the port and its shape', () => {
    expectError(
      () =>
        buildPipeline(
          explicit({
            edges: [
              'vision.tokens -> fusion.vision',
              'fusion.fused -> decoder.fused',
              'language.tokens -> fusion.language',
            ],
          }),
          registry,
        ),
      'graph',
      "input 'languageMask'",
      "stage 'fusion'",
      'not fed',
    );
  });

  it('a doubly fed port names both sources', () => {
    expectError(
      () =>
        buildPipeline(
          explicit({
            edges: [
              'vision.tokens -> fusion.vision',
              'language.tokens -> fusion.vision',
              'language.tokens -> fusion.language',
              'language.mask -> fusion.languageMask',
              'fusion.fused -> decoder.fused',
            ],
          }),
          registry,
        ),
      'graph',
      'fusion.vision is fed twice',
      'vision.tokens',
      'language.tokens',
    );
  });

  it('a dangling edge to a missing port lists the ports that exist', () => {
    expectError(
      () =>
        buildPipeline(
          explicit({
            edges: [
              'vision.tokens -> fusion.vision',
              'language.tokens -> fusion.language',
              'language.mask -> fusion.languageMask',
              'fusion.fused -> decoder.fused',
              'vision.pooled -> decoder.extra',
            ],
          }),
          registry,
        ),
      'graph',
      "stage 'decoder' (test-decoder) has no input 'extra'",
      'its inputs: fused',
    );
  });

  it('an edge to a stage that does not exist', () => {
    expectError(
      () =>
        buildPipeline(explicit({ outputs: { actions: 'decodr.actions', done: 'decoder.done' } }), registry),
      'graph',
      "stage 'decodr', which does not exist",
    );
  });

  it('a stage that reaches no output is dangling', () => {
    expectError(
      () =>
        buildPipeline(
          explicit({
            stages: { ...defaultStages, extra: { plugin: 'test-vision' } },
            inputs: {
              image: ['vision.image', 'extra.image'],
              tokenIds: 'language.tokenIds',
              mask: 'language.mask',
            },
          }),
          registry,
        ),
      'graph',
      "dangling stage 'extra'",
    );
  });

  it('a cycle is named', () => {
    expectError(
      () =>
        buildPipeline(
          {
            stages: {
              vision: { plugin: 'test-vision' },
              a: { plugin: 'test-fusion' },
              b: { plugin: 'test-decoder', options: { secondInput: true } },
              c: { plugin: 'test-fusion' },
            },
            inputs: { image: 'vision.image' },
            edges: [
              'vision.tokens -> a.vision',
              'a.fused -> b.fused',
              'c.fused -> b.fused2',
              'b.actions -> c.vision',
            ],
            outputs: { actions: 'b.actions' },
          },
          registry,
        ),
      'graph',
      'cycle: b -> c -> b',
    );
  });

  it('a width mismatch names both stages, both ports and both shapes', () => {
    expectError(
      () =>
        buildPipeline(
          { stages: { ...defaultStages, fusion: { plugin: 'test-fusion', options: { visionDim: 5 } } } },
          registry,
        ),
      'shape',
      "stage 'vision' output 'tokens' is (B, 4, 8)",
      "stage 'fusion' input 'vision' expects (B, N, 5)",
      'dimension 2 is 8 vs 5',
    );
  });

  it('a rank mismatch between connected ports', () => {
    expectError(
      () =>
        buildPipeline(
          explicit({
            edges: [
              'vision.pooled -> fusion.vision',
              'language.tokens -> fusion.language',
              'language.mask -> fusion.languageMask',
              'fusion.fused -> decoder.fused',
            ],
          }),
          registry,
        ),
      'shape',
      'vision.pooled -> fusion.vision',
      'rank 2 vs 3',
    );
  });

  it('a malformed graph spec quotes the value', () => {
    expectError(
      () => buildPipeline({ stages: { vision: { plugin: 3 } } }, registry),
      'config',
      'pipeline.stages.vision.plugin (3)',
    );
    expectError(
      () => buildPipeline(explicit({ edges: ['vision.tokens => fusion.vision'] }), registry),
      'config',
      '"from.port -> to.port"',
    );
    expectError(
      () => buildPipeline({ stages: defaultStages, edges: [] }, registry),
      'config',
      'all of inputs, edges and outputs',
    );
    expectError(() => buildPipeline({ stages: {} }, registry), 'config', 'at least one stage');
  });

  it('wiring by kind refuses two vision encoders', () => {
    expectError(
      () => buildPipeline({ stages: { ...defaultStages, wrist: { plugin: 'test-vision' } } }, registry),
      'graph',
      'at most one VisionEncoder',
      'vision, wrist',
    );
  });

  it('bad options of a stage quote the value', () => {
    expectError(
      () =>
        buildPipeline(
          { stages: { ...defaultStages, decoder: { plugin: 'test-decoder', options: { chunk: -2 } } } },
          registry,
        ),
      'config',
      "stage 'decoder' (test-decoder) options.chunk (-2)",
    );
  });
});

describe('running', () => {
  it('rejects bad feeds with the input name, expected and actual shapes', () => {
    const p = buildPipeline({ stages: defaultStages }, registry);
    const feeds = feedsFor(2);
    expectError(
      () => p.forward({ ...feeds, image: tf.zeros([2, 9, 8, 3]) }),
      'shape',
      "input 'image' of the pipeline",
      'dimension 1 must be 8',
    );
    expectError(
      () => p.forward({ ...feeds, tokenIds: tf.zeros([2, 6]) }),
      'shape',
      "'tokenIds'",
      'expected dtype int32, got float32',
    );
    expectError(
      () => p.forward({ ...feeds, mask: tf.zeros([3, 6]) }),
      'shape',
      'dimension B is 3',
      'set B = 2',
    );
    expectError(
      () => p.forward({ image: feeds.image, tokenIds: feeds.tokenIds }),
      'input',
      "input 'mask' of the pipeline is missing",
    );
    expectError(() => p.forward({ ...feeds, extra: tf.zeros([1]) }), 'input', 'unknown input "extra"');
    tf.dispose(feeds);
    p.dispose();
  });

  it('keeps only the outputs alive (no leaked intermediates)', () => {
    const p = buildPipeline({ stages: defaultStages }, registry);
    const feeds = feedsFor(2);
    tf.dispose(p.forward(feeds));
    const before = tf.memory().numTensors;
    const out = p.forward(feeds);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([out, feeds]);
    p.dispose();
  });

  it('trace records every stage: outputs, milliseconds and tensor count', () => {
    const p = buildPipeline({ stages: defaultStages }, registry);
    const feeds = feedsFor(2);
    const { outputs, trace, inspections } = p.run(feeds, { trace: true, inspect: true });
    expect(trace!.map((t) => t.stage)).toEqual(['vision', 'language', 'fusion', 'decoder']);
    const vision = trace![0]!;
    expect(vision.plugin).toBe('test-vision');
    expect(vision.outputs['tokens']!.shape).toEqual([2, 4, 8]);
    expect(vision.outputs['tokens']!.max).toBeLessThanOrEqual(1); // tanh
    expect(vision.ms).toBeGreaterThanOrEqual(0);
    expect(vision.tensors).toBe(2); // tokens + pooled survive the stage's tidy
    expect(trace![2]!.outputs['languageWeights']).toBeDefined();
    const weights = inspections!['fusion']!['languageWeights']!;
    expect(weights.shape).toEqual([2, 6]);
    const rowSums = weights.sum(1).dataSync();
    expect(rowSums[0]).toBeCloseTo(1, 4);
    tf.dispose([outputs, feeds, weights]);
    p.dispose();
  });

  it('trains: gradients flow from the pipeline outputs to every stage', () => {
    const p = buildPipeline({ stages: defaultStages }, registry);
    const feeds = feedsFor(2);
    const vars = [...p.trainableVariables().values()];
    const { grads, value } = tf.variableGrads(() => {
      const out = p.forward(feeds, { training: true });
      return out['actions']!.square().mean().add(out['done']!.mean()) as tf.Scalar;
    }, vars);
    expect(Object.keys(grads).length).toBe(vars.length);
    tf.dispose([grads, value, feeds]);
    p.dispose();
  });
});
