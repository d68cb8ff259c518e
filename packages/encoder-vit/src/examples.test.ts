import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadExperimentConfigFile, parseConfig } from '@vlakit/core';
import { describe, expect, it } from 'vitest';
import { vitEncoderSchema } from './vit-encoder-config.js';
import { VitEncoderPlugin } from './vit-encoder-plugin.js';

const dir = fileURLToPath(new URL('../examples/', import.meta.url));
const plugin = new VitEncoderPlugin({ info: () => {}, warn: () => {} } as never);

describe('example configs', () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')))(
    '%s is a valid experiment with valid vit options',
    (file) => {
      const config = loadExperimentConfigFile(`${dir}${file}`);
      const vit = Object.entries(config.pipeline.stages).filter(([, s]) => s.plugin === 'vit');
      expect(vit.length).toBeGreaterThan(0);
      for (const [name, s] of vit) {
        parseConfig(vitEncoderSchema, s.options, name);
        if (s.options['hfCheckpoint'] === undefined) {
          const stage = plugin.create(s.options, { name, seed: 0, upstream: {} });
          expect(stage.outputs[0]!.shape[2]).toBe(stage.config.dim);
        }
      }
    },
  );
});
