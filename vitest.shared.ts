import { defineConfig } from 'vitest/config';

/**
 * The one vitest configuration every package shares. Workspace packages resolve to their
 * `src/` through the `source` export condition, so tests never need a build first.
 */
export const sharedConfig = defineConfig({
  resolve: { conditions: ['source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'import', 'default'] } },
  test: {
    environment: 'node',
    pool: 'forks',
    setupFiles: [new URL('./vitest.setup.ts', import.meta.url).pathname],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
