import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectWithTestStages } from '../test-project.js';
import { runCaptured } from '../test-run.js';

const run = runCaptured;

describe('vla train', () => {
  it('trains a config, writes runs/<name>/ and prints JSON as the last line', async () => {
    const root = projectWithTestStages();
    const r = await run(['train', '--config', 'tiny.yaml', '--backend', 'cpu', '--json'], root);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.lastLine);
    expect(out.steps).toBe(4);
    expect(out.backend).toBe('cpu');
    expect(out.run_dir).toBe(join(root, 'runs', 'tiny'));
    expect(existsSync(join(root, 'runs', 'tiny', 'checkpoints', 'step-4', 'model.safetensors'))).toBe(true);
    expect(
      readFileSync(join(root, 'runs', 'tiny', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(4);
    // again without --resume: refused; with --resume at the end: nothing left to do
    const again = await run(['train', '--config', 'tiny.yaml', '--backend', 'cpu'], root);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--resume');
    const resumed = await run(
      ['train', '--config', 'tiny.yaml', '--backend', 'cpu', '--resume', '--json'],
      root,
    );
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.lastLine).steps).toBe(4);
  });

  it('argument errors: missing --config, unknown backend, missing file, bad values', async () => {
    const root = projectWithTestStages();
    const none = await run(['train'], root);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("required option '--config <file>'");
    const badBackend = await run(['train', '--config', 'tiny.yaml', '--backend', 'gpu'], root);
    expect(badBackend.code).toBe(2);
    expect(badBackend.stderr).toContain('expected one of auto, tensorflow, wasm, cpu, got "gpu"');
    const missing = await run(['train', '--config', 'nope.yaml'], root);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.yaml');
    writeFileSync(
      join(root, 'bad.yaml'),
      'pipeline: { stages: { d: { plugin: test-decoder } } }\ntraining: { learningRate: 0 }\n',
    );
    const bad = await run(['train', '--config', 'bad.yaml', '--backend', 'cpu'], root);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('training.learningRate (0)');
  });
});
