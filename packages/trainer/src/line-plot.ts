/**
 * A small line plotter into an RGB buffer: axes, light grid, one polyline per series (log-scale y
 * optional). Enough for loss curves in a run's report without a charting dependency.
 */
export interface PlotSeries {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** RGB 0..255. */
  readonly color: readonly [number, number, number];
}

export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** H*W*3 bytes. */
  readonly data: Uint8Array;
}

export function plotLines(
  series: readonly PlotSeries[],
  options: { width?: number; height?: number; logY?: boolean } = {},
): RgbImage {
  const width = options.width ?? 480;
  const height = options.height ?? 300;
  const data = new Uint8Array(width * height * 3).fill(255);
  const margin = 24;
  const set = (x: number, y: number, c: readonly number[]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (Math.round(y) * width + Math.round(x)) * 3;
    data[i] = c[0]!;
    data[i + 1] = c[1]!;
    data[i + 2] = c[2]!;
  };
  const line = (x0: number, y0: number, x1: number, y1: number, c: readonly number[]) => {
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let i = 0; i <= n; i++) set(x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * i) / n, c);
  };
  const ty = (v: number) => (options.logY ? Math.log10(Math.max(v, 1e-12)) : v);
  const pts = series.flatMap((s) => s.points.filter(([, y]) => Number.isFinite(y)));
  const xs = pts.map(([x]) => x);
  const ys = pts.map(([, y]) => ty(y));
  const [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (y1 - y0 < 1e-9) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const px = (x: number) => margin + ((x - x0) / Math.max(x1 - x0, 1e-9)) * (width - 2 * margin);
  const py = (y: number) => height - margin - ((ty(y) - y0) / (y1 - y0)) * (height - 2 * margin);
  for (let g = 0; g <= 4; g++) {
    const y = margin + (g * (height - 2 * margin)) / 4;
    line(margin, y, width - margin, y, [225, 225, 225]);
  }
  line(margin, height - margin, width - margin, height - margin, [0, 0, 0]);
  line(margin, margin, margin, height - margin, [0, 0, 0]);
  for (const s of series) {
    const p = s.points.filter(([, y]) => Number.isFinite(y));
    if (p.length === 1) set(px(p[0]![0]), py(p[0]![1]), s.color);
    for (let i = 1; i < p.length; i++)
      line(px(p[i - 1]![0]), py(p[i - 1]![1]), px(p[i]![0]), py(p[i]![1]), s.color);
  }
  return { width, height, data };
}
