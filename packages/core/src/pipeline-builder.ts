import { defaultWiring, type Wiring } from './default-wiring.js';
import { quote, VlakitError } from './errors.js';
import { parseConfig } from './format-zod-error.js';
import { formatPortRef, type GraphSpec, graphSpecSchema, type PortRef, parsePortRef } from './graph-spec.js';
import { Pipeline, type PipelineInput } from './pipeline.js';
import type { PortSpec } from './ports.js';
import { deriveSeed } from './seeded-random.js';
import { formatShape, shapeMismatch } from './shapes.js';
import { KIND_CONTRACTS, type StageKind, type StageV1 } from './stage.js';
import type { StageRegistry } from './stage-registry.js';

export interface BuildPipelineOptions {
  /** Experiment seed; each stage's initial weights use a seed derived from it and the stage name. */
  readonly seed?: number;
  /** Allocate variables (default true). false: validate and create stages only. */
  readonly build?: boolean;
}

/**
 * Validates a pipeline graph and creates its stages. Every check runs before any variable
 * exists: unknown plugins, unknown or doubly fed ports, unfed inputs, cycles, dead stages and
 * shape or dtype mismatches between connected ports.
 */
export function buildPipeline(
  rawSpec: unknown,
  registry: StageRegistry,
  options: BuildPipelineOptions = {},
): Pipeline {
  const spec: GraphSpec = parseConfig(graphSpecSchema, rawSpec, 'pipeline');
  const seed = options.seed ?? 0;
  const nodes = Object.keys(spec.stages);
  const plugins = new Map(
    nodes.map((node) => {
      const id = spec.stages[node]!.plugin;
      try {
        return [node, registry.get(id)] as const;
      } catch (error) {
        if (error instanceof VlakitError) {
          throw new VlakitError(error.kind, `stage '${node}': ${error.message}`, { details: error.details });
        }
        throw error;
      }
    }),
  );
  const wiring = resolveWiring(spec, new Map(nodes.map((n) => [n, plugins.get(n)!.manifest.kind])));
  checkNodesExist(wiring, nodes);
  checkSingleFeed(wiring);
  const order = topologicalOrder(nodes, wiring.edges);

  const stages = new Map<string, StageV1>();
  try {
    for (const node of order) {
      const plugin = plugins.get(node)!;
      const upstream: Record<string, PortSpec> = {};
      for (const e of wiring.edges) {
        if (e.to.node === node) upstream[e.to.port] = findPort(stages.get(e.from.node)!, e.from, 'output');
      }
      const stage = plugin.create(spec.stages[node]!.options, {
        name: node,
        seed: deriveSeed(seed, node),
        upstream,
      });
      checkStage(stage, node, plugin.manifest.kind, plugin.manifest.id);
      stages.set(node, stage);
      for (const e of wiring.edges) {
        if (e.to.node !== node) continue;
        const from = findPort(stages.get(e.from.node)!, e.from, 'output');
        const to = findPort(stage, e.to, 'input');
        checkConnection(e.from, from, e.to, to);
      }
      for (const p of stage.inputs) {
        const fed =
          wiring.edges.some((e) => e.to.node === node && e.to.port === p.name) ||
          wiring.inputs.some((i) => i.to.node === node && i.to.port === p.name);
        if (!fed && !p.optional) {
          throw new VlakitError(
            'graph',
            `input '${p.name}' ${formatShape(p.shape)} of stage '${node}' is not fed; connect an edge or a pipeline input to ${node}.${p.name}`,
          );
        }
      }
    }
    const inputs = resolveInputs(wiring, stages);
    for (const o of wiring.outputs) findPort(stages.get(o.from.node)!, o.from, 'output');
    checkNoDeadStages(nodes, wiring);

    const pipeline = new Pipeline({
      stages,
      order,
      edges: wiring.edges,
      inputs,
      outputs: wiring.outputs,
      spec,
      seed,
    });
    if (options.build ?? true) pipeline.build();
    return pipeline;
  } catch (error) {
    for (const s of stages.values()) s.dispose();
    throw error;
  }
}

function resolveWiring(spec: GraphSpec, kinds: ReadonlyMap<string, StageKind>): Wiring {
  if (spec.edges === undefined) return defaultWiring(kinds);
  const inputs = Object.entries(spec.inputs ?? {}).flatMap(([name, refs]) =>
    (Array.isArray(refs) ? refs : [refs]).map((r) => ({ name, to: parsePortRef(r) })),
  );
  const edges = spec.edges.map((text) => {
    const [from, to] = text.split('->').map((s) => s.trim()) as [string, string];
    for (const end of [from, to]) {
      if (!/^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*$/.test(end)) {
        throw new VlakitError('config', `pipeline.edges: ${quote(text)}: ${quote(end)} is not "stage.port"`);
      }
    }
    return { from: parsePortRef(from), to: parsePortRef(to) };
  });
  const outputs = Object.entries(spec.outputs ?? {}).map(([name, ref]) => ({
    name,
    from: parsePortRef(ref),
  }));
  return { inputs, edges, outputs };
}

function checkNodesExist(wiring: Wiring, nodes: readonly string[]): void {
  const known = new Set(nodes);
  const check = (ref: PortRef, where: string) => {
    if (!known.has(ref.node)) {
      throw new VlakitError(
        'graph',
        `${where} names stage '${ref.node}', which does not exist; stages: ${nodes.join(', ')}`,
      );
    }
  };
  for (const i of wiring.inputs) check(i.to, `pipeline input '${i.name}' -> ${formatPortRef(i.to)}`);
  for (const e of wiring.edges) {
    const where = `edge ${formatPortRef(e.from)} -> ${formatPortRef(e.to)}`;
    check(e.from, where);
    check(e.to, where);
  }
  for (const o of wiring.outputs) check(o.from, `pipeline output '${o.name}' <- ${formatPortRef(o.from)}`);
  if (wiring.outputs.length === 0) throw new VlakitError('graph', 'the pipeline has no outputs');
}

function checkSingleFeed(wiring: Wiring): void {
  const feeders = new Map<string, string>();
  const add = (to: PortRef, source: string) => {
    const key = formatPortRef(to);
    const prev = feeders.get(key);
    if (prev !== undefined) {
      throw new VlakitError(
        'graph',
        `input ${key} is fed twice: by ${prev} and by ${source}; a port takes one source`,
      );
    }
    feeders.set(key, source);
  };
  for (const i of wiring.inputs) add(i.to, `pipeline input '${i.name}'`);
  for (const e of wiring.edges) add(e.to, formatPortRef(e.from));
}

/** Kahn's algorithm, ties broken by declaration order; names the cycle when there is one. */
export function topologicalOrder(
  nodes: readonly string[],
  edges: ReadonlyArray<{ from: PortRef; to: PortRef }>,
): string[] {
  const indegree = new Map(nodes.map((n) => [n, 0]));
  const next = new Map<string, Set<string>>(nodes.map((n) => [n, new Set()]));
  for (const e of edges) {
    if (e.from.node === e.to.node) {
      throw new VlakitError(
        'graph',
        `cycle: stage '${e.from.node}' feeds itself (${formatPortRef(e.from)} -> ${formatPortRef(e.to)})`,
      );
    }
    if (!next.get(e.from.node)!.has(e.to.node)) {
      next.get(e.from.node)!.add(e.to.node);
      indegree.set(e.to.node, indegree.get(e.to.node)! + 1);
    }
  }
  const order: string[] = [];
  const ready = nodes.filter((n) => indegree.get(n) === 0);
  while (ready.length > 0) {
    const n = ready.shift()!;
    order.push(n);
    for (const m of next.get(n)!) {
      indegree.set(m, indegree.get(m)! - 1);
      if (indegree.get(m) === 0) ready.push(m);
    }
    ready.sort((a, b) => nodes.indexOf(a) - nodes.indexOf(b));
  }
  if (order.length < nodes.length) {
    throw new VlakitError(
      'graph',
      `cycle: ${findCycle(
        nodes.filter((n) => !order.includes(n)),
        next,
      ).join(' -> ')}`,
    );
  }
  return order;
}

function findCycle(candidates: readonly string[], next: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const inCycleSet = new Set(candidates);
  const path: string[] = [];
  let cur = candidates[0]!;
  while (!path.includes(cur)) {
    path.push(cur);
    cur = [...next.get(cur)!].find((m) => inCycleSet.has(m))!;
  }
  return [...path.slice(path.indexOf(cur)), cur];
}

function findPort(stage: StageV1, ref: PortRef, side: 'input' | 'output'): PortSpec {
  const ports = side === 'input' ? stage.inputs : stage.outputs;
  const p = ports.find((x) => x.name === ref.port);
  if (p === undefined) {
    throw new VlakitError(
      'graph',
      `stage '${ref.node}' (${stage.pluginId}) has no ${side} '${ref.port}'; its ${side}s: ${ports.map((x) => x.name).join(', ')}`,
    );
  }
  return p;
}

function checkConnection(fromRef: PortRef, from: PortSpec, toRef: PortRef, to: PortSpec): void {
  const reason =
    from.dtype !== to.dtype ? `dtype ${from.dtype} vs ${to.dtype}` : shapeMismatch(from.shape, to.shape);
  if (reason !== undefined) {
    throw new VlakitError(
      'shape',
      `shape mismatch on edge ${formatPortRef(fromRef)} -> ${formatPortRef(toRef)}: stage '${fromRef.node}' output '${fromRef.port}' is ${formatShape(from.shape)} ${from.dtype}, stage '${toRef.node}' input '${toRef.port}' expects ${formatShape(to.shape)} ${to.dtype} (${reason})`,
      {
        details: {
          from: formatPortRef(fromRef),
          to: formatPortRef(toRef),
          fromShape: from.shape,
          toShape: to.shape,
        },
      },
    );
  }
}

function checkStage(stage: StageV1, node: string, kind: StageKind, pluginId: string): void {
  if (stage.specificationVersion !== 'v1') {
    throw new VlakitError(
      'plugin',
      `plugin '${pluginId}' made a stage of spec ${quote(stage.specificationVersion)}; this core supports v1`,
    );
  }
  if (stage.kind !== kind) {
    throw new VlakitError(
      'plugin',
      `plugin '${pluginId}' declares kind ${kind} but made a ${stage.kind} stage for '${node}'`,
    );
  }
  const contract = KIND_CONTRACTS[kind];
  for (const name of contract.inputs) {
    if (!stage.inputs.some((p) => p.name === name)) {
      throw new VlakitError(
        'plugin',
        `${kind} stage '${node}' (${pluginId}) lacks the required input port '${name}'`,
      );
    }
  }
  for (const name of contract.outputs) {
    if (!stage.outputs.some((p) => p.name === name)) {
      throw new VlakitError(
        'plugin',
        `${kind} stage '${node}' (${pluginId}) lacks the required output port '${name}'`,
      );
    }
  }
}

function resolveInputs(wiring: Wiring, stages: ReadonlyMap<string, StageV1>): PipelineInput[] {
  const byName = new Map<string, PipelineInput>();
  for (const i of wiring.inputs) {
    const p = findPort(stages.get(i.to.node)!, i.to, 'input');
    const prev = byName.get(i.name);
    if (prev === undefined) {
      byName.set(i.name, { name: i.name, shape: p.shape, dtype: p.dtype, feeds: [i.to] });
      continue;
    }
    const reason =
      prev.dtype !== p.dtype ? `dtype ${prev.dtype} vs ${p.dtype}` : shapeMismatch(prev.shape, p.shape);
    if (reason !== undefined) {
      throw new VlakitError(
        'shape',
        `pipeline input '${i.name}' feeds ${formatPortRef(prev.feeds[0]!)} ${formatShape(prev.shape)} and ${formatPortRef(i.to)} ${formatShape(p.shape)}, which disagree (${reason})`,
      );
    }
    byName.set(i.name, { ...prev, feeds: [...prev.feeds, i.to] });
  }
  return [...byName.values()];
}

function checkNoDeadStages(nodes: readonly string[], wiring: Wiring): void {
  const live = new Set(wiring.outputs.map((o) => o.from.node));
  let changed = true;
  while (changed) {
    changed = false;
    for (const e of wiring.edges) {
      if (live.has(e.to.node) && !live.has(e.from.node)) {
        live.add(e.from.node);
        changed = true;
      }
    }
  }
  const dead = nodes.filter((n) => !live.has(n));
  if (dead.length > 0) {
    throw new VlakitError(
      'graph',
      `dangling stage${dead.length > 1 ? 's' : ''} ${dead.map((d) => `'${d}'`).join(', ')}: ${dead.length > 1 ? 'they reach' : 'it reaches'} no pipeline output`,
    );
  }
}
