/** @vlakit/fusion-concat: its issue has not landed yet; this is its public API placeholder. */
export const packageName = '@vlakit/fusion-concat';
