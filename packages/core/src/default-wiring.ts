import { VlakitError } from './errors.js';
import type { PortRef } from './graph-spec.js';
import type { StageKind } from './stage.js';

export interface Wiring {
  readonly inputs: ReadonlyArray<{ name: string; to: PortRef }>;
  readonly edges: ReadonlyArray<{ from: PortRef; to: PortRef }>;
  readonly outputs: ReadonlyArray<{ name: string; from: PortRef }>;
}

/**
 * Wiring by kind, for a pipeline that lists only its stages:
 *   image -> vision.image; tokenIds, mask -> language; state -> state encoder;
 *   vision.tokens -> fusion.vision; language.tokens/mask -> fusion.language/languageMask;
 *   stateEncoder.tokens -> fusion.state; fusion.fused -> decoder.fused;
 *   outputs actions, done <- decoder.
 * Needs at most one encoder of each kind and exactly one fusion and one decoder.
 */
export function defaultWiring(kinds: ReadonlyMap<string, StageKind>): Wiring {
  const byKind = new Map<StageKind, string[]>();
  for (const [node, kind] of kinds) byKind.set(kind, [...(byKind.get(kind) ?? []), node]);
  const one = (kind: StageKind, required: boolean): string | undefined => {
    const nodes = byKind.get(kind) ?? [];
    if (nodes.length > 1 || (required && nodes.length === 0)) {
      throw new VlakitError(
        'graph',
        `wiring by kind needs ${required ? 'exactly' : 'at most'} one ${kind} stage, found ${nodes.length}${nodes.length ? ` (${nodes.join(', ')})` : ''}; write the graph's inputs, edges and outputs explicitly`,
      );
    }
    return nodes[0];
  };
  const vision = one('VisionEncoder', false);
  const language = one('LanguageEncoder', false);
  const state = one('StateEncoder', false);
  const fusion = one('Fusion', true)!;
  const decoder = one('ActionDecoder', true)!;
  const inputs: Array<{ name: string; to: PortRef }> = [];
  const edges: Array<{ from: PortRef; to: PortRef }> = [];
  if (vision) {
    inputs.push({ name: 'image', to: { node: vision, port: 'image' } });
    edges.push({ from: { node: vision, port: 'tokens' }, to: { node: fusion, port: 'vision' } });
  }
  if (language) {
    inputs.push({ name: 'tokenIds', to: { node: language, port: 'tokenIds' } });
    inputs.push({ name: 'mask', to: { node: language, port: 'mask' } });
    edges.push({ from: { node: language, port: 'tokens' }, to: { node: fusion, port: 'language' } });
    edges.push({ from: { node: language, port: 'mask' }, to: { node: fusion, port: 'languageMask' } });
  }
  if (state) {
    inputs.push({ name: 'state', to: { node: state, port: 'state' } });
    edges.push({ from: { node: state, port: 'tokens' }, to: { node: fusion, port: 'state' } });
  }
  edges.push({ from: { node: fusion, port: 'fused' }, to: { node: decoder, port: 'fused' } });
  const outputs = [
    { name: 'actions', from: { node: decoder, port: 'actions' } },
    { name: 'done', from: { node: decoder, port: 'done' } },
  ];
  return { inputs, edges, outputs };
}
