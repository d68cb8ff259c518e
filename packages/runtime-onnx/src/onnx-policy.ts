import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { Ort } from './load-ort.js';
import type { PolicySpec } from './policy-schema.js';
import type { TokenizeFn } from './policy-tokenizer.js';
import { PolicyError } from './runtime-error.js';

/** One observation: an RGB image, an instruction and (if the policy uses it) the robot state. */
export interface PolicyObservation {
  /** (H, W, 3) RGB row-major: uint8 in [0, 255], or float32 already in [0, 1]. */
  readonly image: Uint8Array | Uint8ClampedArray | Float32Array;
  /** Image size; default the policy's. */
  readonly width?: number;
  readonly height?: number;
  readonly instruction: string;
  /** Robot state in real units (e.g. effector x, y in metres). */
  readonly state?: ArrayLike<number>;
  /**
   * The episode's first frame, like `image`; needed by policies whose image has 6 channels
   * (policy.json image.channels: trained with data.startFrame).
   */
  readonly startImage?: Uint8Array | Uint8ClampedArray | Float32Array;
}

export interface PolicyAction {
  /** (T, A) action chunk in real units (normalisation undone). */
  readonly actions: number[][];
  /** The same, flat row-major (T * A). */
  readonly flat: Float32Array;
  /** Task-completion probability (sigmoid of the done logit). */
  readonly done: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** A loaded policy bundle: runs observations through onnxruntime; no tfjs involved. */
export class OnnxPolicy {
  constructor(
    readonly spec: PolicySpec,
    readonly dir: string,
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    private readonly tokenize: TokenizeFn | undefined,
    /** The execution provider the session runs on. */
    readonly executionProvider: string,
  ) {}

  get chunkLength(): number {
    return this.spec.chunk_length;
  }

  get actionDim(): number {
    return this.spec.action.dim;
  }

  /** Acts on one observation. */
  async act(observation: PolicyObservation): Promise<PolicyAction> {
    return (await this.actBatch([observation]))[0]!;
  }

  /** Acts on a batch of observations in one onnxruntime call. */
  async actBatch(observations: readonly PolicyObservation[]): Promise<PolicyAction[]> {
    if (!Array.isArray(observations) || observations.length === 0)
      throw new PolicyError(
        'input',
        `actBatch needs a non-empty array of observations, got ${describe(observations)}`,
      );
    const out = await this.session.run(this.feeds(observations));
    const actions = out[this.spec.outputs.actions.name]!.data as Float32Array; // (B, T, A) normalised
    const done = out[this.spec.outputs.done.name]!.data as Float32Array; // (B, 1) logits
    const t = this.spec.chunk_length;
    const a = this.spec.action.dim;
    const { mean, std } = this.spec.normalization.action;
    return observations.map((_, b) => {
      const flat = new Float32Array(t * a); // (T, A) real units
      const rows: number[][] = [];
      for (let i = 0; i < t; i++) {
        const row: number[] = [];
        for (let j = 0; j < a; j++) {
          const v = actions[(b * t + i) * a + j]! * std[j]! + mean[j]!;
          flat[i * a + j] = v;
          row.push(v);
        }
        rows.push(row);
      }
      return { actions: rows, flat, done: sigmoid(done[b]!) };
    });
  }

  /** A BatchPolicy for @vlakit/sim-tabletop's evaluatePolicy: one flat (T, A) chunk per observation. */
  asBatchPolicy(): (obs: readonly PolicyObservation[]) => Promise<Float32Array[]> {
    return async (obs) => (await this.actBatch(obs)).map((r) => r.flat);
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  private feeds(observations: readonly PolicyObservation[]): Record<string, Tensor> {
    const n = observations.length;
    observations.forEach((o, b) => {
      if (o === null || typeof o !== 'object')
        throw new PolicyError('input', `observation ${b} must be an object, got ${describe(o)}`);
    });
    const feeds: Record<string, Tensor> = {};
    let tokens: ReturnType<TokenizeFn> | undefined;
    for (const input of this.spec.inputs) {
      const shape = input.shape.map((d, k) => (k === 0 ? n : (d as number)));
      switch (input.role) {
        case 'image':
          feeds[input.name] = new this.ort.Tensor('float32', this.images(observations), shape); // (B, H, W, C)
          break;
        case 'token_ids':
        case 'token_mask': {
          tokens ??= this.tokens(observations);
          feeds[input.name] =
            input.role === 'token_ids'
              ? new this.ort.Tensor('int32', tokens.ids, [n, tokens.length]) // (B, L)
              : new this.ort.Tensor('float32', tokens.mask, [n, tokens.length]); // (B, L)
          break;
        }
        case 'state':
          feeds[input.name] = new this.ort.Tensor(
            'float32',
            this.states(observations, shape[1] as number),
            shape,
          ); // (B, S)
          break;
        default:
          throw new PolicyError(
            'config',
            `the policy input '${input.name}' has no role a runtime can fill (role 'other')`,
          );
      }
    }
    return feeds;
  }

  /** (B, H, W, C) float images: each observation's image, then (C = 6) its episode's first frame, per pixel. */
  private images(observations: readonly PolicyObservation[]): Float32Array {
    const spec = this.spec.image!;
    const { height: h, width: w, channels: c } = spec;
    const size = h * w * 3;
    const out = new Float32Array(observations.length * h * w * c);
    observations.forEach((o, b) => {
      const frames = c === 3 ? (['image'] as const) : (['image', 'startImage'] as const);
      frames.forEach((key, f) => {
        const img = o[key];
        const isU8 = img instanceof Uint8Array || img instanceof Uint8ClampedArray;
        if (!isU8 && !(img instanceof Float32Array))
          throw new PolicyError(
            'input',
            `observation ${b}: ${key} must be a Uint8Array (RGB, ${h}x${w}x3, values 0-255) or a Float32Array in [0, 1], got ${describe(img)}${key === 'startImage' ? " (this policy reads the episode's first frame too: policy.json image.channels 6)" : ''}`,
          );
        if (
          (o.width !== undefined && o.width !== w) ||
          (o.height !== undefined && o.height !== h) ||
          img.length !== size
        )
          throw new PolicyError(
            'input',
            `observation ${b}: ${key} is ${o.width ?? '?'}x${o.height ?? '?'} with ${img.length} values; the policy expects ${w}x${h}x3 = ${size} values (resize it first)`,
          );
        const off = b * h * w * c + 3 * f;
        for (let p = 0; p < h * w; p++) {
          for (let k = 0; k < 3; k++) {
            const v = img[p * 3 + k]!;
            out[off + p * c + k] = isU8 ? v * spec.scale + spec.offset : v;
          }
        }
      });
    });
    return out;
  }

  private tokens(observations: readonly PolicyObservation[]) {
    const texts = observations.map((o, b) => {
      if (typeof o.instruction !== 'string' || o.instruction.trim().length === 0)
        throw new PolicyError(
          'input',
          `observation ${b}: instruction must be a non-empty string, got ${describe(o.instruction)}`,
        );
      return o.instruction;
    });
    return this.tokenize!(texts);
  }

  private states(observations: readonly PolicyObservation[], dim: number): Float32Array {
    const out = new Float32Array(observations.length * dim);
    const stats = this.spec.normalization.state;
    observations.forEach((o, b) => {
      const s = o.state;
      if (s === undefined || s === null || typeof s.length !== 'number')
        throw new PolicyError(
          'input',
          `observation ${b}: this policy needs state (${dim} numbers), got ${describe(s)}`,
        );
      if (s.length !== dim)
        throw new PolicyError(
          'input',
          `observation ${b}: state has ${s.length} values; the policy expects ${dim}`,
        );
      for (let i = 0; i < dim; i++) {
        const v = Number(s[i]);
        if (!Number.isFinite(v))
          throw new PolicyError('input', `observation ${b}: state[${i}] (${s[i]}) is not a finite number`);
        out[b * dim + i] = stats ? (v - stats.mean[i]!) / stats.std[i]! : v;
      }
    });
    return out;
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<unknown>).length})`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return JSON.stringify(v);
  return typeof v;
}
