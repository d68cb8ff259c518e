import { type BlockKind, COLOR_RGB, SHAPE_GEOMETRY } from './blocks.js';
import type { WorldState } from './physics-world.js';
import { EFFECTOR_RADIUS, X_MAX, X_MIN, Y_MAX, Y_MIN } from './workspace.js';

export const TABLE_RGB: readonly [number, number, number] = [58, 54, 50];
export const EFFECTOR_RGB: readonly [number, number, number] = [245, 245, 245];

/**
 * Top-down RGB rasteriser into a Uint8Array (row-major H*W*3). The image spans the workspace:
 * rows follow x (x = 0.15 at the top, "up"), columns follow y (y = -0.3048 at the left).
 * Edges are anti-aliased by supersampling (3x3 below 128 px, 2x2 above): each shape is scan-
 * converted into a subsample mask (one span per convex piece per subsample row), and each pixel
 * blends its colour by the share of covered subsamples. Pure TypeScript: runs in Node and in a
 * browser page.
 */
export class Renderer {
  readonly width: number;
  readonly height: number;
  private readonly sub: number;
  private readonly rowsPerMetre: number;
  private readonly colsPerMetre: number;
  private readonly background: Uint8Array;
  private mask: Uint8Array = new Uint8Array(0);
  private readonly xs: number[] = [];

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.sub = Math.max(width, height) < 128 ? 3 : 2;
    this.rowsPerMetre = height / (X_MAX - X_MIN);
    this.colsPerMetre = width / (Y_MAX - Y_MIN);
    this.background = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.background.set(TABLE_RGB, i * 3);
  }

  /** Renders `state` into `out` (allocated when omitted) and returns it. */
  render(kinds: readonly BlockKind[], state: WorldState, out?: Uint8Array): Uint8Array {
    const buf = out ?? new Uint8Array(this.width * this.height * 3);
    buf.set(this.background);
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[i]!;
      const pose = state.blocks[i]!;
      const c = Math.cos(pose.angle);
      const s = Math.sin(pose.angle);
      // each piece in pixel space: column from y, row from x
      const pieces = SHAPE_GEOMETRY[kind.shape].pieces.map((piece) => {
        const pts = new Float64Array(piece.length * 2);
        piece.forEach(([lx, ly], k) => {
          pts[2 * k] = (pose.y + s * lx + c * ly - Y_MIN) * this.colsPerMetre;
          pts[2 * k + 1] = (pose.x + c * lx - s * ly - X_MIN) * this.rowsPerMetre;
        });
        return pts;
      });
      this.fill(
        buf,
        COLOR_RGB[kind.color],
        (y) => {
          let lo = Infinity;
          let hi = -Infinity;
          let any = false;
          for (const pts of pieces) {
            const span = convexSpan(pts, y, this.xs);
            if (span === undefined) continue;
            // pieces of one shape overlap or touch: merge spans into their hull per row
            if (!any || (span[0] <= hi && span[1] >= lo)) {
              lo = Math.min(lo, span[0]);
              hi = Math.max(hi, span[1]);
              any = true;
            } else {
              this.markSpan(span[0], span[1]);
            }
          }
          return any ? [lo, hi] : undefined;
        },
        pieces,
      );
    }
    const [ex, ey] = state.effector;
    const ec = (ey - Y_MIN) * this.colsPerMetre;
    const er = (ex - X_MIN) * this.rowsPerMetre;
    const rc = EFFECTOR_RADIUS * this.colsPerMetre;
    const rr = EFFECTOR_RADIUS * this.rowsPerMetre;
    this.fill(
      buf,
      EFFECTOR_RGB,
      (y) => {
        const t = (y - er) / rr;
        if (t <= -1 || t >= 1) return undefined;
        const h = rc * Math.sqrt(1 - t * t);
        return [ec - h, ec + h];
      },
      [Float64Array.of(ec - rc, er - rr, ec + rc, er + rr)],
    );
    return buf;
  }

  // state of the fill in progress, so extra spans of one row can be marked
  private g0c = 0;
  private gw = 0;
  private rowBase = 0;

  private markSpan(xl: number, xr: number): void {
    const sub = this.sub;
    const i0 = Math.max(0, Math.ceil((xl - this.g0c) * sub - 0.5));
    const i1 = Math.min(this.gw - 1, Math.floor((xr - this.g0c) * sub - 0.5));
    for (let i = i0; i <= i1; i++) this.mask[this.rowBase + i] = 1;
  }

  /** Scan-converts one shape (a span per subsample row) and blends it into `buf`. */
  private fill(
    buf: Uint8Array,
    rgb: readonly [number, number, number],
    spanAt: (y: number) => readonly [number, number] | undefined,
    extent: readonly Float64Array[],
  ): void {
    let minC = Infinity;
    let maxC = -Infinity;
    let minR = Infinity;
    let maxR = -Infinity;
    for (const pts of extent) {
      for (let k = 0; k < pts.length; k += 2) {
        minC = Math.min(minC, pts[k]!);
        maxC = Math.max(maxC, pts[k]!);
        minR = Math.min(minR, pts[k + 1]!);
        maxR = Math.max(maxR, pts[k + 1]!);
      }
    }
    const c0 = Math.max(0, Math.floor(minC));
    const c1 = Math.min(this.width - 1, Math.floor(maxC));
    const r0 = Math.max(0, Math.floor(minR));
    const r1 = Math.min(this.height - 1, Math.floor(maxR));
    if (c1 < c0 || r1 < r0) return;
    const sub = this.sub;
    const gw = (c1 - c0 + 1) * sub;
    const gh = (r1 - r0 + 1) * sub;
    if (this.mask.length < gw * gh) this.mask = new Uint8Array(gw * gh * 2);
    const mask = this.mask;
    mask.fill(0, 0, gw * gh);
    this.g0c = c0;
    this.gw = gw;
    for (let j = 0; j < gh; j++) {
      this.rowBase = j * gw;
      const span = spanAt(r0 + (j + 0.5) / sub);
      if (span !== undefined) this.markSpan(span[0], span[1]);
    }
    const n = sub * sub;
    for (let r = r0; r <= r1; r++) {
      for (let col = c0; col <= c1; col++) {
        let hits = 0;
        const base = (r - r0) * sub * gw + (col - c0) * sub;
        for (let sy = 0; sy < sub; sy++) for (let sx = 0; sx < sub; sx++) hits += mask[base + sy * gw + sx]!;
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

/** The x-interval where the horizontal line at `y` crosses a convex polygon (flat x, y pairs). */
function convexSpan(pts: Float64Array, y: number, xs: number[]): [number, number] | undefined {
  xs.length = 0;
  const n = pts.length / 2;
  for (let i = 0; i < n; i++) {
    const ax = pts[2 * i]!;
    const ay = pts[2 * i + 1]!;
    const j = (i + 1) % n;
    const bx = pts[2 * j]!;
    const by = pts[2 * j + 1]!;
    if ((ay <= y && by > y) || (by <= y && ay > y)) xs.push(ax + ((y - ay) * (bx - ax)) / (by - ay));
  }
  if (xs.length < 2) return undefined;
  let lo = xs[0]!;
  let hi = xs[0]!;
  for (const x of xs) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  return [lo, hi];
}
