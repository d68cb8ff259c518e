import * as tf from '@tensorflow/tfjs';
import { ContainerModule, inject, injectable } from 'inversify';
import { z } from 'zod';
import { parseConfig } from '../format-zod-error.js';
import { init } from '../initializers.js';
import type { Logger } from '../logger.js';
import type { PluginManifest, StageCreateContext, StagePluginV1 } from '../plugin.js';
import { port } from '../ports.js';
import type { ForwardOptions, StageKind, TensorMap, TextTokenizerV1 } from '../stage.js';
import { TfStage, type VariableFactory } from '../tf-stage.js';
import { CoreTokens, StageTokens } from '../tokens.js';

/*
 * Tiny stages for tests of the pipeline machinery (and of packages that need a cheap
 * pipeline, such as the trainer's). Each is a real tfjs stage with trainable variables.
 */

const widthFrom = (ctx: StageCreateContext, portName: string, fallback: number): number => {
  const p = ctx.upstream[portName];
  const last = p?.shape[p.shape.length - 1];
  return typeof last === 'number' ? last : fallback;
};

const manifest = (id: string, kind: StageKind, configSchema: z.ZodType): PluginManifest => ({
  id,
  kind,
  packageName: '@vlakit/core/testing',
  version: '0.0.0',
  description: `test stage ${id}`,
  configSchema,
  specificationVersion: 'v1',
});

// ---- vision: patches (reshape + matmul) -> tokens (B, N, D) ----
const visionSchema = z.object({
  imageSize: z.number().int().positive().default(8),
  patchSize: z.number().int().positive().default(4),
  dim: z.number().int().positive().default(8),
  /** Channels per pixel: 3 (RGB) or 6 (two frames stacked). */
  channels: z.union([z.literal(3), z.literal(6)]).default(3),
});
type VisionConfig = z.output<typeof visionSchema>;

export class TestVisionEncoder extends TfStage<VisionConfig> {
  readonly kind = 'VisionEncoder' as const;
  protected createVariables(f: VariableFactory): void {
    const { patchSize: p, dim, channels: c } = this.config;
    f.add('patch/kernel', [p * p * c, dim], init.glorot);
    f.add('patch/bias', [dim], init.normal(0.02));
  }
  protected compute(inputs: Readonly<TensorMap>): TensorMap {
    const { imageSize: s, patchSize: p, dim, channels: c } = this.config;
    const n = s / p;
    const image = inputs['image']!; // (B, H, W, C)
    const b = image.shape[0]!;
    const patches = image
      .reshape([b, n, p, n, p, c])
      .transpose([0, 1, 3, 2, 4, 5])
      .reshape([b, n * n, p * p * c]); // (B, N, P*P*C)
    const tokens = tf
      .matMul(patches.reshape([b * n * n, p * p * c]), this.v('patch/kernel'))
      .add(this.v('patch/bias'))
      .reshape([b, n * n, dim])
      .tanh(); // (B, N, D)
    return { tokens, pooled: tokens.mean(1) }; // (B, N, D), (B, D)
  }
}

@injectable()
export class TestVisionPlugin implements StagePluginV1 {
  readonly manifest = manifest('test-vision', 'VisionEncoder', visionSchema);
  constructor(@inject(CoreTokens.Logger) readonly logger: Logger) {}
  create(options: unknown, ctx: StageCreateContext): TestVisionEncoder {
    const c = parseConfig(visionSchema, options, `stage '${ctx.name}' (test-vision) options`);
    if (c.imageSize % c.patchSize !== 0) {
      throw new Error(`patchSize (${c.patchSize}) must divide imageSize (${c.imageSize})`);
    }
    const n = (c.imageSize / c.patchSize) ** 2;
    return new TestVisionEncoder({
      pluginId: 'test-vision',
      name: ctx.name,
      config: c,
      seed: ctx.seed,
      inputs: [port('image', ['B', c.imageSize, c.imageSize, c.channels])],
      outputs: [port('tokens', ['B', n, c.dim]), port('pooled', ['B', c.dim])],
    });
  }
}

// ---- language: character tokenizer + embedding -> tokens (B, L, D) ----
const languageSchema = z.object({
  vocabSize: z.number().int().min(4).default(32),
  maxLength: z.number().int().positive().default(6),
  dim: z.number().int().positive().default(8),
});
type LanguageConfig = z.output<typeof languageSchema>;

export class CharTokenizer implements TextTokenizerV1 {
  constructor(
    readonly vocabSize: number,
    readonly maxLength: number,
  ) {}
  encode(texts: readonly string[]) {
    const ids = new Int32Array(texts.length * this.maxLength);
    const mask = new Float32Array(texts.length * this.maxLength);
    texts.forEach((text, b) => {
      for (let i = 0; i < Math.min(text.length, this.maxLength); i++) {
        ids[b * this.maxLength + i] = 1 + (text.charCodeAt(i) % (this.vocabSize - 1));
        mask[b * this.maxLength + i] = 1;
      }
    });
    return { ids, mask, batch: texts.length, length: this.maxLength };
  }
  files(): Record<string, string> {
    return {
      'tokenizer.json': JSON.stringify({
        type: 'char',
        vocabSize: this.vocabSize,
        maxLength: this.maxLength,
      }),
    };
  }
}

export class TestLanguageEncoder extends TfStage<LanguageConfig> {
  readonly kind = 'LanguageEncoder' as const;
  readonly tokenizer: CharTokenizer;
  constructor(args: ConstructorParameters<typeof TfStage<LanguageConfig>>[0]) {
    super(args);
    this.tokenizer = new CharTokenizer(this.config.vocabSize, this.config.maxLength);
  }
  protected createVariables(f: VariableFactory): void {
    f.add('embedding', [this.config.vocabSize, this.config.dim], init.normal(0.5));
    f.add('position', [this.config.maxLength, this.config.dim], init.normal(0.1));
  }
  protected compute(inputs: Readonly<TensorMap>): TensorMap {
    const ids = inputs['tokenIds']!; // (B, L)
    const mask = inputs['mask']!; // (B, L)
    const tokens = tf.add(tf.gather(this.v('embedding'), ids), this.v('position')); // (B, L, D)
    return { tokens: tf.mul(tokens, mask.expandDims(2)), mask: tf.clone(mask) }; // (B, L, D), (B, L)
  }
}

@injectable()
export class TestLanguagePlugin implements StagePluginV1 {
  readonly manifest = manifest('test-language', 'LanguageEncoder', languageSchema);
  constructor(@inject(CoreTokens.Logger) readonly logger: Logger) {}
  create(options: unknown, ctx: StageCreateContext): TestLanguageEncoder {
    const c = parseConfig(languageSchema, options, `stage '${ctx.name}' (test-language) options`);
    return new TestLanguageEncoder({
      pluginId: 'test-language',
      name: ctx.name,
      config: c,
      seed: ctx.seed,
      inputs: [port('tokenIds', ['B', c.maxLength], 'int32'), port('mask', ['B', c.maxLength])],
      outputs: [port('tokens', ['B', c.maxLength, c.dim]), port('mask', ['B', c.maxLength])],
    });
  }
}

// ---- state: dense -> tokens (B, 1, D) ----
const stateSchema = z.object({
  stateDim: z.number().int().positive().default(2),
  dim: z.number().int().positive().default(8),
});
type StateConfig = z.output<typeof stateSchema>;

export class TestStateEncoder extends TfStage<StateConfig> {
  readonly kind = 'StateEncoder' as const;
  protected createVariables(f: VariableFactory): void {
    f.add('kernel', [this.config.stateDim, this.config.dim], init.glorot);
  }
  protected compute(inputs: Readonly<TensorMap>): TensorMap {
    return { tokens: tf.matMul(inputs['state']!, this.v('kernel')).expandDims(1) }; // (B, 1, D)
  }
}

@injectable()
export class TestStatePlugin implements StagePluginV1 {
  readonly manifest = manifest('test-state', 'StateEncoder', stateSchema);
  constructor(@inject(CoreTokens.Logger) readonly logger: Logger) {}
  create(options: unknown, ctx: StageCreateContext): TestStateEncoder {
    const c = parseConfig(stateSchema, options, `stage '${ctx.name}' (test-state) options`);
    return new TestStateEncoder({
      pluginId: 'test-state',
      name: ctx.name,
      config: c,
      seed: ctx.seed,
      inputs: [port('state', ['B', c.stateDim])],
      outputs: [port('tokens', ['B', 1, c.dim])],
    });
  }
}

// ---- fusion: mean-pooled vision (+ second camera) (+ masked-mean language) (+ state) -> dense ----
const fusionSchema = z.object({
  visionDim: z.number().int().positive().optional(),
  languageDim: z.number().int().positive().optional(),
  stateDim: z.number().int().positive().optional(),
  dim: z.number().int().positive().default(8),
});
type FusionConfig = z.output<typeof fusionSchema> & { visionDim: number };

export class TestFusion extends TfStage<FusionConfig> {
  readonly kind = 'Fusion' as const;
  protected createVariables(f: VariableFactory): void {
    const { visionDim, languageDim, stateDim, dim } = this.config;
    f.add('vision/kernel', [visionDim, dim], init.glorot);
    if (this.inputs.some((p) => p.name === 'vision2')) f.add('vision2/kernel', [visionDim, dim], init.glorot);
    if (languageDim) f.add('language/kernel', [languageDim, dim], init.glorot);
    if (stateDim) f.add('state/kernel', [stateDim, dim], init.glorot);
    f.add('bias', [dim], init.zeros);
  }
  protected compute(inputs: Readonly<TensorMap>, _options: ForwardOptions): TensorMap {
    let fused = tf.matMul(inputs['vision']!.mean(1), this.v('vision/kernel')); // (B, D)
    if (inputs['vision2']) fused = fused.add(tf.matMul(inputs['vision2'].mean(1), this.v('vision2/kernel')));
    let weights: tf.Tensor | undefined;
    if (inputs['language']) {
      const mask = inputs['languageMask']!; // (B, L)
      weights = mask.div(mask.sum(1, true).add(1e-6)); // (B, L)
      const pooled = tf.sum(inputs['language'].mul(weights.expandDims(2)), 1); // (B, Dl)
      fused = fused.add(tf.matMul(pooled, this.v('language/kernel')));
    }
    if (inputs['state']) fused = fused.add(tf.matMul(inputs['state'].squeeze([1]), this.v('state/kernel')));
    const out: TensorMap = { fused: tf.tanh(fused.add(this.v('bias'))) }; // (B, D)
    if (weights) out['languageWeights'] = weights; // (B, L)
    return out;
  }
}

@injectable()
export class TestFusionPlugin implements StagePluginV1 {
  readonly manifest = manifest('test-fusion', 'Fusion', fusionSchema);
  constructor(@inject(CoreTokens.Logger) readonly logger: Logger) {}
  create(options: unknown, ctx: StageCreateContext): TestFusion {
    const c = parseConfig(fusionSchema, options, `stage '${ctx.name}' (test-fusion) options`);
    const visionDim = c.visionDim ?? widthFrom(ctx, 'vision', 8);
    const languageDim =
      c.languageDim ?? (ctx.upstream['language'] ? widthFrom(ctx, 'language', 8) : undefined);
    const stateDim = c.stateDim ?? (ctx.upstream['state'] ? widthFrom(ctx, 'state', 8) : undefined);
    const inputs = [port('vision', ['B', 'N', visionDim])];
    if (ctx.upstream['vision2']) inputs.push(port('vision2', ['B', 'N2', visionDim]));
    const outputs = [port('fused', ['B', c.dim])];
    if (languageDim) {
      inputs.push(port('language', ['B', 'L', languageDim]), port('languageMask', ['B', 'L']));
      outputs.push(port('languageWeights', ['B', 'L'], 'float32', { inspection: true }));
    }
    if (stateDim) inputs.push(port('state', ['B', 1, stateDim]));
    return new TestFusion({
      pluginId: 'test-fusion',
      name: ctx.name,
      config: { ...c, visionDim, ...(languageDim ? { languageDim } : {}), ...(stateDim ? { stateDim } : {}) },
      seed: ctx.seed,
      inputs,
      outputs,
    });
  }
}

// ---- decoder: dense -> actions (B, T, A) + done logit (B, 1); optional second input ----
const decoderSchema = z.object({
  fusedDim: z.number().int().positive().optional(),
  chunk: z.number().int().positive().default(2),
  actionDim: z.number().int().positive().default(2),
  secondInput: z.boolean().default(false),
});
type DecoderConfig = z.output<typeof decoderSchema> & { fusedDim: number };

export class TestDecoder extends TfStage<DecoderConfig> {
  readonly kind = 'ActionDecoder' as const;
  protected createVariables(f: VariableFactory): void {
    const { fusedDim, chunk, actionDim } = this.config;
    f.add('actions/kernel', [fusedDim, chunk * actionDim], init.glorot);
    f.add('actions/bias', [chunk * actionDim], init.zeros);
    f.add('done/kernel', [fusedDim, 1], init.glorot);
    f.add('done/bias', [1], init.zeros);
  }
  protected compute(inputs: Readonly<TensorMap>): TensorMap {
    const { chunk, actionDim } = this.config;
    let h = inputs['fused']!; // (B, D)
    if (inputs['fused2']) h = h.add(inputs['fused2']);
    const actions = tf.matMul(h, this.v('actions/kernel')).add(this.v('actions/bias')); // (B, T*A)
    return {
      actions: actions.reshape([-1, chunk, actionDim]), // (B, T, A)
      done: tf.matMul(h, this.v('done/kernel')).add(this.v('done/bias')), // (B, 1)
    };
  }
}

@injectable()
export class TestDecoderPlugin implements StagePluginV1 {
  readonly manifest = manifest('test-decoder', 'ActionDecoder', decoderSchema);
  constructor(@inject(CoreTokens.Logger) readonly logger: Logger) {}
  create(options: unknown, ctx: StageCreateContext): TestDecoder {
    const c = parseConfig(decoderSchema, options, `stage '${ctx.name}' (test-decoder) options`);
    const fusedDim = c.fusedDim ?? widthFrom(ctx, 'fused', 8);
    const inputs = [port('fused', ['B', fusedDim])];
    if (c.secondInput) inputs.push(port('fused2', ['B', fusedDim]));
    return new TestDecoder({
      pluginId: 'test-decoder',
      name: ctx.name,
      config: { ...c, fusedDim },
      seed: ctx.seed,
      inputs,
      outputs: [port('actions', ['B', c.chunk, c.actionDim]), port('done', ['B', 1])],
    });
  }
}

/** Binds every test stage plugin, as a plugin package's `containerModule` would. */
export const testStagesModule = new ContainerModule(({ bind }) => {
  bind(StageTokens.VisionEncoder).to(TestVisionPlugin).inSingletonScope();
  bind(StageTokens.LanguageEncoder).to(TestLanguagePlugin).inSingletonScope();
  bind(StageTokens.StateEncoder).to(TestStatePlugin).inSingletonScope();
  bind(StageTokens.Fusion).to(TestFusionPlugin).inSingletonScope();
  bind(StageTokens.ActionDecoder).to(TestDecoderPlugin).inSingletonScope();
});

/** Deterministic pseudo-random feed tensors for a set of ports at a batch size. */
export function randomFeeds(
  ports: ReadonlyArray<{ name: string; shape: readonly (number | string)[]; dtype: string }>,
  batch: number,
  seed = 1,
  symbols: Record<string, number> = {},
): TensorMap {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const out: TensorMap = {};
  for (const p of ports) {
    const shape = p.shape.map((d, i) => (i === 0 ? batch : typeof d === 'number' ? d : (symbols[d] ?? 3)));
    const size = shape.reduce((a, b) => a * b, 1);
    if (p.dtype === 'int32')
      out[p.name] = tf.tensor(
        Int32Array.from({ length: size }, () => 1 + Math.floor(next() * 3)),
        shape,
        'int32',
      );
    else if (p.name.toLowerCase().includes('mask')) {
      const m = new Float32Array(size).fill(1);
      const len = shape[shape.length - 1]!;
      for (let i = 0; i < size; i++) if (i % len === len - 1 && len > 1) m[i] = 0;
      out[p.name] = tf.tensor(m, shape, 'float32');
    } else
      out[p.name] = tf.tensor(
        Float32Array.from({ length: size }, () => next()),
        shape,
        'float32',
      );
  }
  return out;
}
