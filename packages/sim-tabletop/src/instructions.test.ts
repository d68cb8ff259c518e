import { describe, expect, it } from 'vitest';
import { BLOCK_4, BLOCK_8 } from './blocks.js';
import { blockSynonyms, instructionVocabulary, instructionWords } from './instructions.js';
import { FAMILIES, sampleReset } from './tasks.js';

describe('block naming rule', () => {
  it('unique colour -> "red block", unique shape -> "star", always "red star"', () => {
    // BLOCK_4: every colour and shape is unique
    expect(blockSynonyms(2, BLOCK_4)).toEqual(['green block', 'star', 'green star']);
    // BLOCK_8: two of each colour and shape, so only the full name remains
    expect(blockSynonyms(0, BLOCK_8)).toEqual(['red moon']);
    const mixed = [
      { color: 'red', shape: 'star' },
      { color: 'red', shape: 'cube' },
      { color: 'blue', shape: 'cube' },
    ] as const;
    expect(blockSynonyms(0, mixed)).toEqual(['star', 'red star']);
    expect(blockSynonyms(2, mixed)).toEqual(['blue block', 'blue cube']);
  });
});

describe('instructions', () => {
  const samples = FAMILIES.flatMap((f) =>
    [4, 8].flatMap((b) => Array.from({ length: 40 }, (_, s) => sampleReset(f, b as 4 | 8, s))),
  );

  it('use Language-Table templates per family', () => {
    const by = (f: string) => samples.filter((r) => r.family === f).map((r) => r.instruction);
    for (const i of by('block2block')) {
      expect(i).toMatch(/^(push|move|slide|put) the .+ (to|towards|close to|next to) the .+$/);
    }
    for (const i of by('block2absolutelocation'))
      expect(i).toMatch(/^(push|move|slide|put) the .+ to the .+$/);
    for (const i of by('separate_blocks')) {
      expect(i).toMatch(
        /^(pull the .+ apart from the|move the .+ away from the|separate the .+ from the) .+$/,
      );
    }
    for (const i of by('block2block_relative_location')) {
      expect(i).toMatch(
        / the .+ (above|below|just left|just right|left of|right of|to the (top|bottom|left|right)|diagonally) .*the /,
      );
    }
    expect(by('block2relativelocation').some((i) => /slightly|a bit|a little|somewhat/.test(i))).toBe(true);
    // BLOCK_8 names every block by colour and shape
    for (const r of samples.filter((s) => s.blocks === 8 && s.family === 'block2block')) {
      expect(r.instruction).not.toMatch(/ block( |$)/);
    }
  });

  it('vocabulary lists every word the grammar produces', () => {
    const vocab = new Set(instructionVocabulary());
    for (const r of samples)
      for (const w of instructionWords(r.instruction)) expect(vocab.has(w), w).toBe(true);
    expect(vocab.has('pentagon')).toBe(true);
    expect(vocab.has(',')).toBe(true);
    expect(instructionVocabulary()).toEqual([...vocab].sort());
  });
});
