import type { ScheduleConfig } from './training-config.js';

/**
 * The learning rate at optimiser step `step` (0-based) of `totalSteps`:
 * constant; cosine annealing from base to base*minLrFraction; or linear warmup over
 * `warmupSteps` (from base/warmupSteps up to base) followed by cosine annealing.
 */
export function learningRateAt(
  step: number,
  totalSteps: number,
  base: number,
  schedule: ScheduleConfig,
): number {
  const min = base * schedule.minLrFraction;
  const cosine = (t: number, span: number) => {
    const p = span <= 1 ? 1 : Math.min(1, Math.max(0, t / (span - 1)));
    return min + 0.5 * (base - min) * (1 + Math.cos(Math.PI * p));
  };
  switch (schedule.type) {
    case 'constant':
      return base;
    case 'cosine':
      return cosine(step, totalSteps);
    case 'warmup-cosine': {
      const w = Math.min(schedule.warmupSteps, Math.max(0, totalSteps - 1));
      if (step < w) return (base * (step + 1)) / w;
      return cosine(step - w, totalSteps - w);
    }
  }
}
