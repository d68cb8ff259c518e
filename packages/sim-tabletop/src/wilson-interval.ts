/**
 * Wilson score interval for a binomial proportion: `successes` out of `trials`, as fractions in
 * [0, 1]. z = 1.96 gives the 95 % interval. Well behaved at 0 and `trials` successes, unlike the
 * normal approximation, which is why evaluation reports it.
 */
export function wilsonInterval(successes: number, trials: number, z = 1.96): [number, number] {
  if (trials <= 0) return [0, 1];
  const p = successes / trials;
  const z2 = z * z;
  const denom = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
