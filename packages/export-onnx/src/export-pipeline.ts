import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type Pipeline, type TensorMap, VlakitError } from '@vlakit/core';
import { buildOnnxGraph } from './export-graph.js';
import { inputRoles } from './input-roles.js';
import { traceKernels } from './kernel-trace.js';
import { IR_VERSION, OPSET, serializeModel } from './onnx-builder.js';
import { checkParity, type ParityResult } from './ort-parity.js';
import type { PolicyNormalization, PolicySpecV1 } from './policy-spec.js';
import { makeSampleFeeds, SAMPLE_INSTRUCTIONS } from './sample-feeds.js';

export const PRODUCER_VERSION = '0.1.0';
/** Above this many bytes of weights, initializers go to `model.onnx.data` (protobuf's 2 GB limit). */
export const EXTERNAL_DATA_THRESHOLD = 1.8e9;

export interface ExportPipelineOptions {
  /** The bundle folder (replaced as a whole when the export succeeds). */
  readonly outDir: string;
  /** Action (and state) statistics used in training; actions leave the policy in real units. */
  readonly normalization: PolicyNormalization;
  /** Where the weights came from. */
  readonly meta?: { readonly run?: string; readonly step?: number; readonly pipeline?: unknown };
  /** Inputs for a batch size (default: deterministic images, sample instructions, states). */
  readonly sampleFeeds?: (batch: number) => TensorMap;
  /** Parity tolerance on the max abs difference (default 1e-4). */
  readonly tolerance?: number;
  /** Batch sizes of the parity check (default [1, 4]). */
  readonly parityBatches?: readonly number[];
  /** Initializers in an external data file: 'auto' (default) when the weights pass 1.8 GB. */
  readonly externalData?: boolean | 'auto';
  /** Trace every stage kernel by kernel, ignoring stage mappings (default false). */
  readonly traceAll?: boolean;
  /** Called with each step's name. */
  readonly onProgress?: (step: string, done: number, total: number) => void;
}

export interface ExportResult {
  readonly bundleDir: string;
  readonly modelPath: string;
  readonly policy: PolicySpecV1;
  readonly parityMaxAbsDiff: number;
  readonly parity: readonly ParityResult[];
  readonly nodeCount: number;
  readonly initializerCount: number;
  readonly modelBytes: number;
  readonly kernelCounts: Readonly<Record<string, Record<string, number>>>;
}

const TRACE_BATCHES = [2, 3] as const;

function checkStats(
  name: string,
  stats: { mean: readonly number[]; std: readonly number[] } | undefined,
  dim: number,
): void {
  if (stats === undefined) return;
  if (stats.mean.length !== dim || stats.std.length !== dim)
    throw new VlakitError(
      'export',
      `normalization.${name} has ${stats.mean.length} means and ${stats.std.length} stds; the policy's ${name} has ${dim} dimensions`,
    );
  const bad = stats.std.findIndex((s) => !(s > 0) || !Number.isFinite(s));
  if (bad >= 0)
    throw new VlakitError(
      'export',
      `normalization.${name}.std[${bad}] (${stats.std[bad]}) must be a positive number`,
    );
}

function tokenizerKind(files: Record<string, string>): 'char' | 'huggingface' | 'custom' {
  const json = files['tokenizer.json'];
  if (json === undefined) return 'custom';
  try {
    const parsed = JSON.parse(json) as Record<string, unknown>;
    if (parsed['type'] === 'char') return 'char';
    if (typeof parsed['model'] === 'object') return 'huggingface';
  } catch {
    return 'custom';
  }
  return 'custom';
}

/**
 * Exports a built pipeline as a policy bundle: traces its forward pass at two batch sizes,
 * maps every tfjs kernel to ONNX (opset 17, dynamic batch), writes `model.onnx` +
 * `policy.json` (+ tokenizer files), and checks onnxruntime against tfjs on sample inputs.
 * Fails, leaving no bundle, when the max abs difference passes the tolerance.
 */
export async function exportPipeline(
  pipeline: Pipeline,
  options: ExportPipelineOptions,
): Promise<ExportResult> {
  const tolerance = options.tolerance ?? 1e-4;
  const parityBatches = options.parityBatches ?? [1, 4];
  const feedsFor = options.sampleFeeds ?? ((b: number) => makeSampleFeeds(pipeline, b));
  const total = 3 + parityBatches.length;
  let step = 0;
  const progress = (name: string) => options.onProgress?.(name, step++, total);
  if (pipeline.variables().size === 0) pipeline.build();

  progress('trace');
  const traces = TRACE_BATCHES.map((b) => {
    const feeds = feedsFor(b);
    try {
      return traceKernels(pipeline, feeds, { traceAll: options.traceAll ?? false });
    } finally {
      tf.dispose(Object.values(feeds));
    }
  });
  progress('map');
  const graph = buildOnnxGraph(pipeline, traces[0]!, traces[1]!);

  const actions = traces[0]!.outputs.get('actions');
  if (actions === undefined || actions.shape.length !== 3)
    throw new VlakitError(
      'export',
      `a policy needs an 'actions' output (B, T, A); the pipeline outputs ${[...traces[0]!.outputs.keys()].join(', ')}`,
    );
  if (!traces[0]!.outputs.has('done'))
    throw new VlakitError('export', `a policy needs a 'done' output (B, 1)`);
  const [, chunk, actionDim] = actions.shape as [number, number, number];
  const roles = inputRoles(pipeline);
  const stateInput = pipeline.inputs.find((i) => roles[i.name] === 'state');
  checkStats('action', options.normalization.action, actionDim);
  if (stateInput) {
    const s = stateInput.shape[1];
    if (typeof s === 'number') checkStats('state', options.normalization.state, s);
  }

  const weightBytes = [...graph.builder.initializers.values()].reduce((n, t) => n + t.data.byteLength, 0);
  const external =
    options.externalData === 'auto' || options.externalData === undefined
      ? weightBytes > EXTERNAL_DATA_THRESHOLD
      : options.externalData;
  const { model, externalBytes } = graph.builder.build({
    graphName: 'vlakit_policy',
    producerVersion: PRODUCER_VERSION,
    docString: `vlakit policy: ${pipeline.order.map((n) => `${n}=${pipeline.stage(n).pluginId}`).join(', ')}`,
    metadata: { source_run: options.meta?.run ?? '', source_step: String(options.meta?.step ?? '') },
    ...(external ? { externalData: { location: 'model.onnx.data' } } : {}),
  });
  const bytes = serializeModel(model);

  // ---- write into a temporary folder, check, then move into place ----
  const outDir = resolve(options.outDir);
  await mkdir(dirname(outDir), { recursive: true });
  const tmpDir = join(dirname(outDir), `.${basename(outDir)}.${randomBytes(4).toString('hex')}.tmp`);
  await mkdir(tmpDir, { recursive: true });
  try {
    await writeFile(join(tmpDir, 'model.onnx'), bytes);
    if (externalBytes) await writeFile(join(tmpDir, 'model.onnx.data'), externalBytes);

    const tokenizer = pipeline.tokenizer();
    let tokenizerSpec: PolicySpecV1['tokenizer'] = null;
    if (tokenizer) {
      const files = tokenizer.files();
      await mkdir(join(tmpDir, 'tokenizer'), { recursive: true });
      for (const [name, text] of Object.entries(files)) {
        if (name.includes('/') || name.includes('\\') || name.startsWith('.'))
          throw new VlakitError('export', `tokenizer file name '${name}' must be a plain file name`);
        await writeFile(join(tmpDir, 'tokenizer', name), text);
      }
      const enc = tokenizer.encode(SAMPLE_INSTRUCTIONS);
      tokenizerSpec = {
        kind: tokenizerKind(files),
        max_length: tokenizer.maxLength,
        vocab_size: tokenizer.vocabSize,
        files: Object.keys(files).map((n) => `tokenizer/${n}`),
        samples: SAMPLE_INSTRUCTIONS.map((text, i) => ({
          text,
          ids: Array.from(enc.ids.subarray(i * enc.length, (i + 1) * enc.length)),
        })),
      };
    }

    const parity: ParityResult[] = [];
    for (const b of parityBatches) {
      progress(`parity batch ${b}`);
      const feeds = feedsFor(b);
      try {
        parity.push(await checkParity(join(tmpDir, 'model.onnx'), pipeline, feeds));
      } finally {
        tf.dispose(Object.values(feeds));
      }
    }
    const maxAbsDiff = Math.max(...parity.map((p) => p.maxAbsDiff));
    const perOutput: Record<string, number> = {};
    for (const p of parity)
      for (const [k, v] of Object.entries(p.outputs)) perOutput[k] = Math.max(perOutput[k] ?? 0, v);
    if (!(maxAbsDiff <= tolerance)) {
      throw new VlakitError(
        'export',
        `ONNX parity check failed: max abs diff ${maxAbsDiff.toExponential(3)} exceeds ${tolerance} (${Object.entries(
          perOutput,
        )
          .map(([k, v]) => `${k} ${v.toExponential(2)}`)
          .join(', ')})`,
        { details: { parity } },
      );
    }

    const imageInput = pipeline.inputs.find((i) => roles[i.name] === 'image');
    const imageShape = imageInput ? graph.inputs.find((g) => g.name === imageInput.name)!.shape : undefined;
    const policy: PolicySpecV1 = {
      format: 'vlakit-policy',
      version: 1,
      model: 'model.onnx',
      external_data: externalBytes ? 'model.onnx.data' : null,
      opset: OPSET,
      ir_version: IR_VERSION,
      inputs: graph.inputs.map((i) => ({
        name: i.name,
        role: roles[i.name] ?? 'other',
        dtype: i.dtype,
        shape: i.shape,
      })),
      outputs: {
        actions: {
          name: 'actions',
          shape: graph.outputs.find((o) => o.name === 'actions')!.shape,
          units: 'normalised',
        },
        done: { name: 'done', shape: graph.outputs.find((o) => o.name === 'done')!.shape, kind: 'logit' },
      },
      image: imageShape
        ? {
            height: imageShape[1] as number,
            width: imageShape[2] as number,
            channels: imageShape[3] as number,
            layout: 'NHWC',
            dtype: 'float32',
            scale: 1 / 255,
            offset: 0,
          }
        : null,
      tokenizer: tokenizerSpec,
      normalization: options.normalization,
      action: { dim: actionDim, chunk_length: chunk, units: 'metres' },
      chunk_length: chunk,
      source: {
        run: options.meta?.run ?? null,
        step: options.meta?.step ?? null,
        pipeline: options.meta?.pipeline ?? pipeline.spec,
        exported_at: new Date().toISOString(),
        producer: `@vlakit/export-onnx ${PRODUCER_VERSION}`,
      },
      parity: { max_abs_diff: maxAbsDiff, tolerance, batches: [...parityBatches], per_output: perOutput },
    };
    await writeFile(join(tmpDir, 'policy.json'), `${JSON.stringify(policy, null, 2)}\n`);
    progress('write');
    await rm(outDir, { recursive: true, force: true });
    await rename(tmpDir, outDir);
    return {
      bundleDir: outDir,
      modelPath: join(outDir, 'model.onnx'),
      policy,
      parityMaxAbsDiff: maxAbsDiff,
      parity,
      nodeCount: model.graph!.node.length,
      initializerCount: model.graph!.initializer.length,
      modelBytes: bytes.length,
      kernelCounts: graph.kernelCounts,
    };
  } catch (error) {
    await rm(tmpDir, { recursive: true, force: true });
    throw error;
  }
}
