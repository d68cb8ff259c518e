import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadExperimentConfigFile, parseConfig } from '@vlakit/core';
import { describe, expect, it } from 'vitest';
import { bertEncoderSchema } from './bert-encoder-config.js';
import { BertEncoderPlugin } from './bert-encoder-plugin.js';

const dir = fileURLToPath(new URL('../examples/', import.meta.url));
const plugin = new BertEncoderPlugin({ info: () => {}, warn: () => {} } as never);

describe('example configs', () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')))(
    '%s is a valid experiment with valid bert options',
    (file) => {
      const config = loadExperimentConfigFile(`${dir}${file}`);
      const bert = Object.entries(config.pipeline.stages).filter(([, s]) => s.plugin === 'bert');
      expect(bert.length).toBeGreaterThan(0);
      for (const [name, s] of bert) {
        parseConfig(bertEncoderSchema, s.options, name);
        if (s.options['hfCheckpoint'] === undefined) {
          const stage = plugin.create(s.options, { name, seed: 0, upstream: {} });
          expect(stage.outputs[0]!.shape[2]).toBe(stage.config.dim);
        }
      }
    },
  );
});
