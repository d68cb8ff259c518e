/** Block colours, shapes and the BLOCK_4 / BLOCK_8 sets (language_table/environments/blocks.py). */
export const COLORS = ['red', 'blue', 'green', 'yellow'] as const;
export const SHAPES = ['moon', 'cube', 'star', 'pentagon'] as const;
export type BlockColor = (typeof COLORS)[number];
export type BlockShape = (typeof SHAPES)[number];

export interface BlockKind {
  readonly color: BlockColor;
  readonly shape: BlockShape;
}

/** The original four blocks. */
export const BLOCK_4: readonly BlockKind[] = [
  { color: 'red', shape: 'moon' },
  { color: 'blue', shape: 'cube' },
  { color: 'green', shape: 'star' },
  { color: 'yellow', shape: 'pentagon' },
];

/** Eight blocks: two of each colour and two of each shape. */
export const BLOCK_8: readonly BlockKind[] = [
  { color: 'red', shape: 'moon' },
  { color: 'red', shape: 'pentagon' },
  { color: 'blue', shape: 'moon' },
  { color: 'blue', shape: 'cube' },
  { color: 'green', shape: 'cube' },
  { color: 'green', shape: 'star' },
  { color: 'yellow', shape: 'star' },
  { color: 'yellow', shape: 'pentagon' },
];

export type BlockSet = 4 | 8;

export function blockSet(blocks: BlockSet): readonly BlockKind[] {
  return blocks === 8 ? BLOCK_8 : BLOCK_4;
}

/** RGB colours used by the renderer, far apart in hue so they stay distinct at 64x64. */
export const COLOR_RGB: Readonly<Record<BlockColor, readonly [number, number, number]>> = {
  red: [222, 46, 46],
  blue: [44, 92, 230],
  green: [40, 176, 70],
  yellow: [240, 206, 30],
};

type Pt = readonly [number, number];

/** One convex piece of a block outline, counter-clockwise, in metres about the block centre. */
export type ConvexPiece = readonly Pt[];

export interface ShapeGeometry {
  /** Convex pieces whose union is the outline (physics fixtures and renderer share them). */
  readonly pieces: readonly ConvexPiece[];
  /** Distance from the centre to the farthest outline point. */
  readonly radius: number;
}

function regular(n: number, r: number, phase: number): Pt[] {
  const out: Pt[] = [];
  for (let i = 0; i < n; i++) {
    const a = phase + (2 * Math.PI * i) / n;
    out.push([r * Math.cos(a), r * Math.sin(a)]);
  }
  return out;
}

function star(outer: number, inner: number): ConvexPiece[] {
  const tips = regular(5, outer, Math.PI / 2);
  const valleys = regular(5, inner, Math.PI / 2 + Math.PI / 5);
  const pieces: ConvexPiece[] = [valleys];
  for (let i = 0; i < 5; i++) pieces.push([valleys[(i + 4) % 5]!, tips[i]!, valleys[i]!]);
  return pieces;
}

/** A crescent: a disc of radius r minus a disc of radius ri whose centre is shifted by c. */
function moon(r: number, ri: number, c: number, segments: number): ConvexPiece[] {
  const ix = (r * r - ri * ri + c * c) / (2 * c);
  const iy = Math.sqrt(r * r - ix * ix);
  const a0 = Math.atan2(iy, ix);
  const b0 = Math.atan2(iy, ix - c);
  const pieces: ConvexPiece[] = [];
  for (let k = 0; k < segments; k++) {
    const t0 = k / segments;
    const t1 = (k + 1) / segments;
    const oa0 = a0 + (2 * Math.PI - 2 * a0) * t0;
    const oa1 = a0 + (2 * Math.PI - 2 * a0) * t1;
    const ib0 = b0 + (2 * Math.PI - 2 * b0) * t0;
    const ib1 = b0 + (2 * Math.PI - 2 * b0) * t1;
    const pts: Pt[] = [
      [r * Math.cos(oa0), r * Math.sin(oa0)],
      [r * Math.cos(oa1), r * Math.sin(oa1)],
    ];
    if (k < segments - 1) pts.push([c + ri * Math.cos(ib1), ri * Math.sin(ib1)]);
    if (k > 0) pts.push([c + ri * Math.cos(ib0), ri * Math.sin(ib0)]);
    pieces.push(pts);
  }
  // centre the crescent's mass roughly on the origin
  const shift = -0.006;
  return pieces.map((p) => p.map(([x, y]) => [x + shift, y] as Pt));
}

function radiusOf(pieces: readonly ConvexPiece[]): number {
  let r = 0;
  for (const p of pieces) for (const [x, y] of p) r = Math.max(r, Math.hypot(x, y));
  return r;
}

function geometry(pieces: ConvexPiece[]): ShapeGeometry {
  return { pieces, radius: radiusOf(pieces) };
}

/** Outlines of the four shapes, each about 4 cm across like Language-Table's blocks. */
export const SHAPE_GEOMETRY: Readonly<Record<BlockShape, ShapeGeometry>> = {
  cube: geometry([
    [
      [-0.018, -0.018],
      [0.018, -0.018],
      [0.018, 0.018],
      [-0.018, 0.018],
    ],
  ]),
  pentagon: geometry([regular(5, 0.021, Math.PI / 2)]),
  star: geometry(star(0.024, 0.0115)),
  moon: geometry(moon(0.022, 0.024, 0.022, 6)),
};
