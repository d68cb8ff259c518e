import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperimentConfigFile, parseExperimentConfig } from './experiment-config.js';

const dir = mkdtempSync(join(tmpdir(), 'vlakit-config-'));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('experiment config', () => {
  it('reads YAML and JSON with defaults, keeping other sections for their owners', () => {
    const yaml = write(
      'a.yaml',
      `name: exp1\nplugins: [vlakit-encoder-x]\npipeline:\n  stages:\n    vision: { plugin: vit, options: { dim: 32 } }\ntraining: { steps: 5 }\n`,
    );
    const c = loadExperimentConfigFile(yaml);
    expect(c.name).toBe('exp1');
    expect(c.seed).toBe(0);
    expect(c.pipeline.stages['vision']).toMatchObject({
      plugin: 'vit',
      options: { dim: 32 },
      trainable: true,
      lrMultiplier: 1,
    });
    expect((c as Record<string, unknown>)['training']).toEqual({ steps: 5 });
    const json = write('a.json', JSON.stringify({ pipeline: { stages: { d: { plugin: 'gru' } } } }));
    expect(loadExperimentConfigFile(json).pipeline.stages['d']!.plugin).toBe('gru');
  });

  it('names the file, the field, the value and the rule', () => {
    const p = write(
      'bad.yaml',
      'seed: -1\npipeline:\n  stages:\n    vision: { plugin: vit, lrMultiplier: "fast" }\n',
    );
    expect(() => loadExperimentConfigFile(p)).toThrow(/bad\.yaml\.seed \(-1\): Too small/);
    expect(() => loadExperimentConfigFile(p)).toThrow(
      /pipeline\.stages\.vision\.lrMultiplier \("fast"\): Invalid input: expected number/,
    );
    expect(() => parseExperimentConfig({ pipeline: { stages: { v: { plugin: 'x', colour: 1 } } } })).toThrow(
      /Unrecognized key.*colour/,
    );
  });

  it('rejects unreadable, unparsable and wrongly named files', () => {
    expect(() => loadExperimentConfigFile(join(dir, 'missing.yaml'))).toThrow(/cannot read config file/);
    expect(() => loadExperimentConfigFile(write('x.yaml', 'a: [1, 2'))).toThrow(/is not valid YAML/);
    expect(() => loadExperimentConfigFile(write('x.json', '{"a": '))).toThrow(/is not valid JSON/);
    expect(() => loadExperimentConfigFile(write('x.toml', 'a = 1'))).toThrow(
      /must end in \.yaml, \.yml or \.json/,
    );
  });
});
