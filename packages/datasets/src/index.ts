/** @vlakit/datasets: its issue has not landed yet; this is its public API placeholder. */
export const packageName = '@vlakit/datasets';
export * from './lerobot-writer.js';
