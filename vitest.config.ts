import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from './vitest.shared.js';

export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
      reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    },
  }),
);
