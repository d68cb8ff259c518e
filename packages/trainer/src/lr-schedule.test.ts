import { describe, expect, it } from 'vitest';
import { learningRateAt } from './lr-schedule.js';

const sched = (type: 'constant' | 'cosine' | 'warmup-cosine', warmupSteps = 0, minLrFraction = 0.1) => ({
  type,
  warmupSteps,
  minLrFraction,
});

describe('learningRateAt', () => {
  it('constant stays at the base rate', () => {
    expect([0, 5, 99].map((s) => learningRateAt(s, 100, 0.01, sched('constant')))).toEqual([
      0.01, 0.01, 0.01,
    ]);
  });

  it('cosine goes from base to base*minLrFraction, halfway at the middle', () => {
    expect(learningRateAt(0, 101, 1, sched('cosine'))).toBeCloseTo(1, 12);
    expect(learningRateAt(50, 101, 1, sched('cosine'))).toBeCloseTo(0.55, 12);
    expect(learningRateAt(100, 101, 1, sched('cosine'))).toBeCloseTo(0.1, 12);
  });

  it('warmup-cosine rises linearly, peaks at the base rate, then anneals', () => {
    const s = sched('warmup-cosine', 10, 0);
    expect(learningRateAt(0, 111, 2, s)).toBeCloseTo(0.2, 12);
    expect(learningRateAt(4, 111, 2, s)).toBeCloseTo(1, 12);
    expect(learningRateAt(9, 111, 2, s)).toBeCloseTo(2, 12);
    expect(learningRateAt(10, 111, 2, s)).toBeCloseTo(2, 12);
    expect(learningRateAt(60, 111, 2, s)).toBeCloseTo(1, 12);
    expect(learningRateAt(110, 111, 2, s)).toBeCloseTo(0, 12);
  });
});
