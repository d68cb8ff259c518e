import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { loadOrt } from './load-ort.js';
import { OnnxPolicy } from './onnx-policy.js';
import { type PolicySpec, policySpecSchema } from './policy-schema.js';
import { loadPolicyTokenizer, type TokenizeFn } from './policy-tokenizer.js';
import { PolicyError } from './runtime-error.js';
import { parseSessionOptions, type SessionOptionsInput } from './session-options.js';

export interface LoadPolicyOptions extends SessionOptionsInput {
  /** A tokenizer for bundles whose tokenizer is of a custom kind. */
  readonly tokenize?: TokenizeFn;
  /** Where provider fallback notices go (default: stderr). */
  readonly onWarning?: (message: string) => void;
}

/** Reads and validates `<dir>/policy.json`. */
export async function readPolicySpec(dir: string): Promise<PolicySpec> {
  const path = join(dir, 'policy.json');
  if (!existsSync(path))
    throw new PolicyError(
      'io',
      `no policy bundle at ${dir}: ${path} does not exist (export one with \`vla export\`)`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new PolicyError('io', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  const r = policySpecSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new PolicyError('config', `${path}: field ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}

/**
 * Loads a policy bundle written by @vlakit/export-onnx: `policy.json` + `model.onnx` (+ its
 * tokenizer files). Creates the onnxruntime session on the requested execution providers; when
 * one cannot start and `fallbackToCpu` is on (default), says so and uses the CPU.
 */
export async function loadPolicy(dir: string, options: LoadPolicyOptions = {}): Promise<OnnxPolicy> {
  const bundle = resolve(dir);
  const { tokenize, onWarning, ...sessionInput } = options;
  const session = parseSessionOptions(sessionInput);
  const spec = await readPolicySpec(bundle);
  const modelPath = join(bundle, spec.model);
  if (!existsSync(modelPath))
    throw new PolicyError('io', `the bundle names ${spec.model} but ${modelPath} does not exist`);
  if (spec.external_data && !existsSync(join(bundle, spec.external_data)))
    throw new PolicyError('io', `the model's external data ${spec.external_data} is missing from ${bundle}`);
  const needsTokens = spec.inputs.some((i) => i.role === 'token_ids');
  if (needsTokens && spec.tokenizer === null)
    throw new PolicyError('config', 'the policy reads tokens but the bundle has no tokenizer');
  if (spec.inputs.some((i) => i.role === 'image') && spec.image === null)
    throw new PolicyError('config', 'the policy reads an image but policy.json has no image preprocessing');
  const tokenizer = needsTokens ? await loadPolicyTokenizer(bundle, spec.tokenizer!, tokenize) : undefined;

  const ort = await loadOrt();
  const base: InferenceSession.SessionOptions = {
    graphOptimizationLevel: session.optimization,
    ...(session.threads > 0 ? { intraOpNumThreads: session.threads } : {}),
  };
  const providers = session.executionProviders;
  let created: InferenceSession;
  let provider = providers[0]!;
  try {
    created = await ort.InferenceSession.create(modelPath, {
      ...base,
      executionProviders: providers as InferenceSession.ExecutionProviderConfig[],
    });
  } catch (error) {
    const why = (error as Error).message.split('\n')[0];
    const cpuOnly = providers.every((p) => p === 'cpu');
    if (cpuOnly || !session.fallbackToCpu) {
      throw new PolicyError(
        'runtime',
        `onnxruntime could not create a session on ${providers.join(', ')} for ${modelPath}: ${why}${cpuOnly ? '' : ' (set fallbackToCpu to use the CPU instead)'}`,
      );
    }
    (onWarning ?? ((m: string) => process.stderr.write(`${m}\n`)))(
      `execution provider ${providers.filter((p) => p !== 'cpu').join(', ')} is unavailable (${why}); falling back to CPU`,
    );
    created = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: ['cpu'] });
    provider = 'cpu';
  }
  return new OnnxPolicy(spec, bundle, ort, created, tokenizer, provider);
}
