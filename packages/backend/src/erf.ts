// erf as a rational function of x on [-4, 4] (odd degree-13 numerator over even degree-8
// denominator, the float approximation of Eigen/XLA; |error| < 2e-7 against the exact erf, like
// the Abramowitz & Stegun 7.1.26 formula tfjs's cpu Erf uses) and +-1 beyond. No Math.exp: about
// 3x faster than A&S in V8, which is what lets the fused GELU kernel beat tfjs-wasm's own Erf.
const A1 = -1.60960333262415e-2;
const A3 = -2.95459980854025e-3;
const A5 = -7.34990630326855e-4;
const A7 = -5.69250639462346e-5;
const A9 = -2.10102402082508e-6;
const A11 = 2.77068142495902e-8;
const A13 = -2.72614225801306e-10;
const B0 = -1.42647390514189e-2;
const B2 = -7.37332916720468e-3;
const B4 = -1.68282697438203e-3;
const B6 = -2.13374055278905e-4;
const B8 = -1.45660718464996e-5;

export function erf(x: number): number {
  const c = Math.max(-4, Math.min(x, 4));
  const x2 = c * c;
  const p = (((((A13 * x2 + A11) * x2 + A9) * x2 + A7) * x2 + A5) * x2 + A3) * x2 + A1;
  const q = (((B8 * x2 + B6) * x2 + B4) * x2 + B2) * x2 + B0;
  return (c * p) / q;
}
