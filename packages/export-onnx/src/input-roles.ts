import type { Pipeline } from '@vlakit/core';

/** What a pipeline input carries, so a runtime can build it from an observation. */
export type InputRole = 'image' | 'token_ids' | 'token_mask' | 'state' | 'other';

/** The role of each pipeline input, from the kind and port of the stage it feeds. */
export function inputRoles(pipeline: Pipeline): Record<string, InputRole> {
  const roles: Record<string, InputRole> = {};
  for (const input of pipeline.inputs) {
    let role: InputRole = 'other';
    for (const to of input.feeds) {
      const kind = pipeline.stage(to.node).kind;
      if (kind === 'VisionEncoder' && to.port === 'image') role = 'image';
      else if (kind === 'LanguageEncoder' && to.port === 'tokenIds') role = 'token_ids';
      else if (kind === 'LanguageEncoder' && to.port === 'mask') role = 'token_mask';
      else if (kind === 'StateEncoder' && to.port === 'state') role = 'state';
    }
    roles[input.name] = role;
  }
  return roles;
}
