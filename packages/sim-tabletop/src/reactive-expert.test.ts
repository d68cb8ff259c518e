import { describe, expect, it } from 'vitest';
import { episodeSeed } from './episodes.js';
import { ReactiveExpert } from './reactive-expert.js';
import { ScriptedExpert } from './scripted-expert.js';
import { TabletopEnv } from './tabletop-env.js';
import { FAMILIES, isSolved, sampleReset } from './tasks.js';

function solves(reset: ReturnType<typeof sampleReset>): boolean {
  const env = new TabletopEnv(reset, { imageWidth: 8, imageHeight: 8 });
  const expert = new ReactiveExpert(reset);
  while (env.steps < 200) if (env.step(expert.act(env.state()))) return true;
  return false;
}

describe('reactive expert', () => {
  it('solves at least 22 of 24 sampled resets in every family', () => {
    for (const family of FAMILIES) {
      let solved = 0;
      for (let i = 0; i < 24; i++)
        if (solves(sampleReset(family, 4, episodeSeed(3, 'generate', family, i)))) solved++;
      expect(solved, family).toBeGreaterThanOrEqual(22);
    }
  });

  it('is memoryless: its action depends on the state only, unlike the scripted expert', () => {
    // run the scripted expert a few steps, then ask a fresh and a used reactive expert the same state
    for (const family of FAMILIES) {
      const reset = sampleReset(family, 4, episodeSeed(5, 'generate', family, 0));
      const env = new TabletopEnv(reset, { imageWidth: 8, imageHeight: 8 });
      const used = new ReactiveExpert(reset);
      const driver = new ScriptedExpert(reset);
      for (let t = 0; t < 12 && !isSolved(reset.task, env.state()); t++) {
        const s = env.state();
        expect(used.act(s), `${family} step ${t}`).toEqual(new ReactiveExpert(reset).act(s));
        env.step(driver.act(s));
      }
    }
  });

  it('returns zero once the task is solved', () => {
    const reset = sampleReset('block2block', 4, episodeSeed(3, 'generate', 'block2block', 0));
    const env = new TabletopEnv(reset, { imageWidth: 8, imageHeight: 8 });
    const expert = new ReactiveExpert(reset);
    while (!env.step(expert.act(env.state())) && env.steps < 200);
    expect(isSolved(reset.task, env.state())).toBe(true);
    expect(expert.act(env.state())).toEqual([0, 0]);
  });
});
