/** 2-D vector helpers for the experts' geometry (plain tuples, metres). */
export type V = [number, number];

export const sub = (a: V, b: V): V => [a[0] - b[0], a[1] - b[1]];
export const add = (a: V, b: V): V => [a[0] + b[0], a[1] + b[1]];
export const mul = (a: V, k: number): V => [a[0] * k, a[1] * k];
export const dot = (a: V, b: V) => a[0] * b[0] + a[1] * b[1];
export const norm = (a: V) => Math.hypot(a[0], a[1]);
export const unit = (a: V): V => {
  const n = norm(a);
  return n < 1e-9 ? [1, 0] : [a[0] / n, a[1] / n];
};

/** Closest point to `p` on segment a-b. */
export function closestOnSegment(a: V, b: V, p: V): V {
  const ab = sub(b, a);
  const l2 = dot(ab, ab);
  const t = l2 < 1e-12 ? 0 : Math.max(0, Math.min(1, dot(sub(p, a), ab) / l2));
  return add(a, mul(ab, t));
}
