import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluateBundle } from './evaluate-bundle.js';
import { loadPolicy, readPolicySpec } from './load-policy.js';
import { charTokenizer } from './policy-tokenizer.js';
import { parseSessionOptions } from './session-options.js';

// A bundle exported by @vlakit/export-onnx from core's test stages (image, tokens, state);
// regenerate with `VLAKIT_WRITE_FIXTURE=1 vitest run packages/export-onnx/src/runtime-roundtrip.test.ts`.
const fixture = fileURLToPath(new URL('../test/fixtures/test-policy', import.meta.url));

function observation(seed: number) {
  const image = new Uint8Array(8 * 8 * 3);
  for (let i = 0; i < image.length; i++) image[i] = (i * 31 + seed * 17) % 256;
  return {
    image,
    width: 8,
    height: 8,
    instruction: ['push the red moon left', 'move the blue cube up', 'slide the star'][seed % 3]!,
    state: [0.05 * seed, -0.1],
  };
}

const created: string[] = [];
process.on('exit', () => {
  for (const d of created) rmSync(d, { recursive: true, force: true });
});

function copyFixture(edit?: (policy: Record<string, any>) => void): string {
  const root = mkdtempSync(join(tmpdir(), 'vlakit-rt-'));
  created.push(root);
  const dir = join(root, 'policy');
  cpSync(fixture, dir, { recursive: true });
  if (edit) {
    const p = JSON.parse(readFileSync(join(dir, 'policy.json'), 'utf8'));
    edit(p);
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(p));
  }
  return dir;
}

describe('loadPolicy', () => {
  it('reproduces the actions and done probabilities recorded at export', async () => {
    const expected = JSON.parse(readFileSync(join(fixture, 'expected.json'), 'utf8'));
    const policy = await loadPolicy(fixture, { threads: 1, optimization: 'basic' });
    const got = await policy.actBatch(expected.seeds.map(observation));
    got.forEach((r, i) => {
      expect(r.done).toBeCloseTo(expected.results[i].done, 5);
      r.actions.flat().forEach((v, k) => expect(v).toBeCloseTo(expected.results[i].actions.flat()[k], 5));
    });
    expect(policy.chunkLength).toBe(3);
    expect(policy.actionDim).toBe(2);
    await policy.close();
  });

  it('says where the bundle is missing', async () => {
    await expect(loadPolicy('/nonexistent/bundle')).rejects.toThrow(
      /no policy bundle at .*policy.json does not exist/,
    );
  });

  it('rejects a policy.json field of the wrong type, naming the field', async () => {
    const dir = copyFixture((p) => {
      p['chunk_length'] = 'three';
    });
    await expect(readPolicySpec(dir)).rejects.toThrow(/field chunk_length/);
    writeFileSync(join(dir, 'policy.json'), '{not json');
    await expect(readPolicySpec(dir)).rejects.toThrow(/is not valid JSON/);
  });

  it('names a missing model file', async () => {
    const dir = copyFixture();
    rmSync(join(dir, 'model.onnx'));
    await expect(loadPolicy(dir)).rejects.toThrow(/names model.onnx but .* does not exist/);
  });

  it('refuses a tokenizer that disagrees with the training tokenizer', async () => {
    const dir = copyFixture((p) => {
      p['tokenizer'].samples[0].ids[0] += 1;
    });
    await expect(loadPolicy(dir)).rejects.toThrow(
      /runtime tokenizer disagrees with the training tokenizer on "/,
    );
  });

  it('needs a tokenize function for a custom tokenizer, and uses the one given', async () => {
    const dir = copyFixture((p) => {
      p['tokenizer'].kind = 'custom';
    });
    await expect(loadPolicy(dir)).rejects.toThrow(/custom kind .* pass loadPolicy\(dir, \{ tokenize \}\)/);
    const p = await loadPolicy(dir, { tokenize: charTokenizer(40, 12) });
    expect((await p.act(observation(0))).actions.length).toBe(3);
    await p.close();
  });

  it('without CPU fallback, a provider that cannot start is an error naming it', async () => {
    const p = loadPolicy(fixture, { executionProviders: ['tensorrt'], fallbackToCpu: false });
    await expect(p).rejects.toThrow(/could not create a session on tensorrt/);
  });
});

describe('session options', () => {
  it('have defaults and quote bad values', () => {
    expect(parseSessionOptions({})).toEqual({
      threads: 0,
      optimization: 'all',
      executionProviders: ['cpu'],
      fallbackToCpu: true,
    });
    expect(() => parseSessionOptions({ threads: -1 })).toThrow(/session option threads \(-1\)/);
    expect(() => parseSessionOptions({ optimization: 'max' })).toThrow(
      /session option optimization \("max"\)/,
    );
  });
});

describe('runtime-onnx never imports tfjs', () => {
  it('has no @tensorflow import in its sources or dependencies', () => {
    const dir = fileURLToPath(new URL('.', import.meta.url));
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts')))
      expect(readFileSync(join(dir, f), 'utf8'), f).not.toMatch(/@tensorflow/);
    const pkg = JSON.parse(readFileSync(join(dir, '..', 'package.json'), 'utf8'));
    expect(JSON.stringify({ ...pkg.dependencies, ...pkg.peerDependencies })).not.toMatch(/@tensorflow/);
  });
});

describe('evaluateBundle', () => {
  it('hands the bundle policy and its image size to the evaluator, then closes it', async () => {
    let seen: Record<string, unknown> = {};
    const report = await evaluateBundle(
      fixture,
      async (policy, options) => {
        seen = options;
        const chunks = await policy([observation(0), observation(1)]);
        return { chunks: chunks.length, width: chunks[0]!.length };
      },
      { episodesPerFamily: 3 },
    );
    expect(report).toEqual({ chunks: 2, width: 6 });
    expect(seen).toMatchObject({ imageWidth: 8, imageHeight: 8, episodesPerFamily: 3 });
  });
});
