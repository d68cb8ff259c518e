import { type BlockKind, COLOR_RGB, SHAPE_GEOMETRY } from './blocks.js';
import type { WorldState } from './physics-world.js';
import { EFFECTOR_RADIUS, X_MAX, X_MIN, Y_MAX, Y_MIN } from './workspace.js';

export const TABLE_RGB: readonly [number, number, number] = [58, 54, 50];
export const EFFECTOR_RGB: readonly [number, number, number] = [245, 245, 245];

/**
 * Top-down RGB rasteriser into a Uint8Array (row-major H*W*3). The image spans the workspace:
 * rows follow x (x = 0.15 at the top, "up"), columns follow y (y = -0.3048 at the left).
 * Edges are anti-aliased by supersampling (3x3 below 128 px, 2x2 above), so the four shapes stay
 * apart at 64x64. Pure TypeScript: runs in Node and in a browser page.
 */
export class Renderer {
  readonly width: number;
  readonly height: number;
  private readonly sub: number;
  private readonly offsets: Float64Array;
  private readonly rowsPerMetre: number;
  private readonly colsPerMetre: number;
  private readonly background: Uint8Array;

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.sub = Math.max(width, height) < 128 ? 3 : 2;
    this.offsets = new Float64Array(this.sub);
    for (let i = 0; i < this.sub; i++) this.offsets[i] = (i + 0.5) / this.sub;
    this.rowsPerMetre = height / (X_MAX - X_MIN);
    this.colsPerMetre = width / (Y_MAX - Y_MIN);
    this.background = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.background.set(TABLE_RGB, i * 3);
  }

  /** Renders `state` into `out` (allocated when omitted) and returns it. */
  render(kinds: readonly BlockKind[], state: WorldState, out?: Uint8Array): Uint8Array {
    const { width, height } = this;
    const buf = out ?? new Uint8Array(width * height * 3);
    buf.set(this.background);
    kinds.forEach((kind, i) => {
      const pose = state.blocks[i]!;
      const c = Math.cos(pose.angle);
      const s = Math.sin(pose.angle);
      // each piece in pixel space: column from y, row from x
      const pieces = SHAPE_GEOMETRY[kind.shape].pieces.map((piece) =>
        toEdges(
          piece.map(([lx, ly]) => {
            const wx = pose.x + c * lx - s * ly;
            const wy = pose.y + s * lx + c * ly;
            return [(wy - Y_MIN) * this.colsPerMetre, (wx - X_MIN) * this.rowsPerMetre] as const;
          }),
        ),
      );
      const extent: [number, number][] = [];
      for (const p of pieces) extent.push([p.minX, p.minY], [p.maxX, p.maxY]);
      this.fill(
        buf,
        COLOR_RGB[kind.color],
        (px, py) => {
          for (const p of pieces) {
            if (px < p.minX || px > p.maxX || py < p.minY || py > p.maxY) continue;
            if (insideEdges(p, px, py)) return true;
          }
          return false;
        },
        extent,
      );
    });
    const [ex, ey] = state.effector;
    const ec = (ey - Y_MIN) * this.colsPerMetre;
    const er = (ex - X_MIN) * this.rowsPerMetre;
    const rc = EFFECTOR_RADIUS * this.colsPerMetre;
    const rr = EFFECTOR_RADIUS * this.rowsPerMetre;
    this.fill(buf, EFFECTOR_RGB, (px, py) => ((px - ec) / rc) ** 2 + ((py - er) / rr) ** 2 <= 1, [
      [ec - rc, er - rr],
      [ec + rc, er + rr],
    ]);
    return buf;
  }

  private fill(
    buf: Uint8Array,
    rgb: readonly [number, number, number],
    inside: (px: number, py: number) => boolean,
    extent: readonly (readonly [number, number])[],
  ): void {
    let minC = Infinity;
    let maxC = -Infinity;
    let minR = Infinity;
    let maxR = -Infinity;
    for (const [px, py] of extent) {
      minC = Math.min(minC, px);
      maxC = Math.max(maxC, px);
      minR = Math.min(minR, py);
      maxR = Math.max(maxR, py);
    }
    const c0 = Math.max(0, Math.floor(minC));
    const c1 = Math.min(this.width - 1, Math.floor(maxC));
    const r0 = Math.max(0, Math.floor(minR));
    const r1 = Math.min(this.height - 1, Math.floor(maxR));
    const n = this.sub * this.sub;
    for (let r = r0; r <= r1; r++) {
      for (let col = c0; col <= c1; col++) {
        let hits = 0;
        for (let sy = 0; sy < this.sub; sy++) {
          for (let sx = 0; sx < this.sub; sx++) {
            if (inside(col + this.offsets[sx]!, r + this.offsets[sy]!)) hits++;
          }
        }
        if (hits === 0) continue;
        const a = hits / n;
        const k = (r * this.width + col) * 3;
        buf[k] = Math.round(buf[k]! * (1 - a) + rgb[0] * a);
        buf[k + 1] = Math.round(buf[k + 1]! * (1 - a) + rgb[1] * a);
        buf[k + 2] = Math.round(buf[k + 2]! * (1 - a) + rgb[2] * a);
      }
    }
  }
}

interface Edges {
  /** Per edge: a, b, c of the line a*x + b*y + c, >= 0 inside (normalised to counter-clockwise). */
  readonly coef: Float64Array;
  readonly minX: number;
  readonly maxX: number;
  readonly minY: number;
  readonly maxY: number;
}

function toEdges(poly: readonly (readonly [number, number])[]): Edges {
  let area = 0;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i]!;
    const b = poly[(i + 1) % poly.length]!;
    area += a[0] * b[1] - b[0] * a[1];
  }
  const sign = area >= 0 ? 1 : -1;
  const coef = new Float64Array(poly.length * 3);
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i]!;
    const b = poly[(i + 1) % poly.length]!;
    // cross((b - a), (p - a)) = (b.x - a.x) (p.y - a.y) - (b.y - a.y) (p.x - a.x)
    coef[i * 3] = -sign * (b[1] - a[1]);
    coef[i * 3 + 1] = sign * (b[0] - a[0]);
    coef[i * 3 + 2] = sign * ((b[1] - a[1]) * a[0] - (b[0] - a[0]) * a[1]);
    minX = Math.min(minX, a[0]);
    maxX = Math.max(maxX, a[0]);
    minY = Math.min(minY, a[1]);
    maxY = Math.max(maxY, a[1]);
  }
  return { coef, minX, maxX, minY, maxY };
}

function insideEdges(e: Edges, px: number, py: number): boolean {
  const c = e.coef;
  for (let i = 0; i < c.length; i += 3) if (c[i]! * px + c[i + 1]! * py + c[i + 2]! < 0) return false;
  return true;
}
