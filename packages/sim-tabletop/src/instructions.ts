/**
 * Language-Table's instruction grammar, verbatim (language_table/environments/rewards/*.py):
 * verbs, prepositions, location and direction synonyms, and the block naming rule.
 */
import type { BlockKind } from './blocks.js';
import { COLORS, SHAPES } from './blocks.js';
import type { SeededRng } from './seeded-rng.js';

export const PUSH_VERBS = ['push the', 'move the', 'slide the', 'put the'] as const;
export const PREPOSITIONS = ['to the', 'towards the', 'close to the', 'next to the'] as const;

export const ABSOLUTE_LOCATION_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  top: ['top side', 'top', 'towards your base'],
  top_left: ['top left of the board', 'top left', 'upper left corner', 'top left corner'],
  top_right: ['top right of the board', 'top right', 'upper right corner', 'top right corner'],
  center: ['middle of the board', 'center of the board', 'center', 'middle'],
  center_left: ['left side of the board', 'center left', 'left side'],
  center_right: ['right side of the board', 'center right', 'right side'],
  bottom: ['bottom side', 'bottom'],
  bottom_left: ['bottom left of the board', 'bottom left', 'lower left corner', 'bottom left corner'],
  bottom_right: ['bottom right of the board', 'bottom right', 'lower right corner', 'bottom right corner'],
};

export const RELATIVE_VERBS = ['move the', 'push the', 'slide the'] as const;
export const SLIGHTLY_SYNONYMS = ['slightly', 'a bit', 'a little', 'a little bit', 'somewhat'] as const;
export const DIRECTION_SYNONYMS: Readonly<Record<'up' | 'down' | 'left' | 'right', readonly string[]>> = {
  up: ['up', 'upwards'],
  down: ['down', 'downwards'],
  left: ['to the left', 'left'],
  right: ['to the right', 'right'],
};
export const DIAGONAL_PREPOSITIONS = [
  '%s and %s',
  '%s and then %s',
  'diagonally %s and %s',
  '%s and %s diagonally',
];

export const BLOCK_RELATIVE_DIRECTION_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  up: ['above the', 'to the top side of the', 'to the top of the'],
  down: ['below the', 'to the bottom side of the', 'to the bottom of the'],
  left: ['just left of the', 'to the left of the', 'left of the', 'to the left side of the'],
  right: ['just right of the', 'to the right of the', 'right of the', 'to the right side of the'],
  diagonal_up_left: [
    'to the top left side of the',
    'to the top left of the',
    'diagonally up and to the left of the',
  ],
  diagonal_up_right: [
    'to the top right side of the',
    'to the top right of the',
    'diagonally up and to the right of the',
  ],
  diagonal_down_left: [
    'to the bottom left side of the',
    'to the bottom left of the',
    'diagonally down and to the left of the',
  ],
  diagonal_down_right: [
    'to the bottom right side of the',
    'to the bottom right of the',
    'diagonally down and to the right of the',
  ],
};

export const SEPARATE_TEMPLATES = [
  'pull the %s apart from the %s',
  'move the %s away from the %s',
  'separate the %s from the %s',
];
export const GROUP_SYNONYMS = ['group', 'clump', 'group of blocks'];
export const REST = 'rest of the blocks';

/**
 * The names a block may go by on this table: "red block" when its colour is unique, "star"
 * when its shape is unique, and always "red star".
 */
export function blockSynonyms(index: number, table: readonly BlockKind[]): string[] {
  const kind = table[index]!;
  const sameColor = table.filter((k) => k.color === kind.color).length;
  const sameShape = table.filter((k) => k.shape === kind.shape).length;
  const out: string[] = [];
  if (sameColor === 1) out.push(`${kind.color} block`);
  if (sameShape === 1) out.push(kind.shape);
  out.push(`${kind.color} ${kind.shape}`);
  return out;
}

function fmt(template: string, ...args: string[]): string {
  let i = 0;
  return template.replace(/%s/g, () => args[i++]!);
}

export function block2blockInstruction(
  rng: SeededRng,
  block: number,
  target: number,
  table: readonly BlockKind[],
) {
  const verb = rng.choice(PUSH_VERBS);
  const start = rng.choice(blockSynonyms(block, table));
  const goal = rng.choice(blockSynonyms(target, table));
  const prep = rng.choice(PREPOSITIONS);
  return `${verb} ${start} ${prep} ${goal}`;
}

export function absoluteLocationInstruction(
  rng: SeededRng,
  block: number,
  location: string,
  table: readonly BlockKind[],
) {
  const verb = rng.choice(PUSH_VERBS);
  const text = rng.choice(blockSynonyms(block, table));
  const loc = rng.choice(ABSOLUTE_LOCATION_SYNONYMS[location]!);
  return `${verb} ${text} to the ${loc}`;
}

export function relativeLocationInstruction(
  rng: SeededRng,
  block: number,
  mode: 'near' | 'far',
  direction: string,
  table: readonly BlockKind[],
) {
  const verb = rng.choice(RELATIVE_VERBS);
  const text = rng.choice(blockSynonyms(block, table));
  let dir: string;
  if (direction.startsWith('diagonal')) {
    const [, first, second] = direction.split('_') as [
      string,
      keyof typeof DIRECTION_SYNONYMS,
      keyof typeof DIRECTION_SYNONYMS,
    ];
    const a = rng.choice(DIRECTION_SYNONYMS[first]);
    const b = rng.choice(DIRECTION_SYNONYMS[second]);
    dir = fmt(rng.choice(DIAGONAL_PREPOSITIONS), a, b);
  } else {
    dir = rng.choice(DIRECTION_SYNONYMS[direction as keyof typeof DIRECTION_SYNONYMS]);
  }
  if (mode === 'far') return `${verb} ${text} ${dir}`;
  const style = rng.choice(['slightly_first', 'prefix', 'suffix'] as const);
  if (style === 'slightly_first') return `slightly ${verb} ${text} ${dir}`;
  const slightly = rng.choice(SLIGHTLY_SYNONYMS);
  return style === 'prefix' ? `${verb} ${text} ${slightly} ${dir}` : `${verb} ${text} ${dir} ${slightly}`;
}

export function blockRelativeInstruction(
  rng: SeededRng,
  block: number,
  target: number,
  direction: string,
  table: readonly BlockKind[],
) {
  const verb = rng.choice(PUSH_VERBS);
  const a = rng.choice(blockSynonyms(block, table));
  const b = rng.choice(blockSynonyms(target, table));
  const dir = rng.choice(BLOCK_RELATIVE_DIRECTION_SYNONYMS[direction]!);
  return `${verb} ${a} ${dir} ${b}`;
}

export function separateInstruction(
  rng: SeededRng,
  block: number,
  avoid: readonly number[],
  table: readonly BlockKind[],
) {
  const text = rng.choice(blockSynonyms(block, table));
  const avoidSyns = avoid.map((i) => rng.choice(blockSynonyms(i, table)));
  const group = rng.choice(GROUP_SYNONYMS);
  let avoidStr = '';
  if (avoidSyns.length === table.length - 1) avoidStr = REST;
  if (avoidSyns.length === 1) avoidStr = avoidSyns[0]!;
  if (avoidSyns.length === 2) avoidStr = `${avoidSyns[0]} and ${avoidSyns[1]}`;
  if (avoidSyns.length === 3)
    avoidStr = rng.choice([`${avoidSyns[0]}, ${avoidSyns[1]}, and ${avoidSyns[2]}`, group]);
  if (avoidSyns.length >= 4) avoidStr = group;
  return fmt(rng.choice(SEPARATE_TEMPLATES), text, avoidStr);
}

/** Splits an instruction into the words the vocabulary lists (commas are words of their own). */
export function instructionWords(instruction: string): string[] {
  return instruction.replace(/,/g, ' , ').split(/\s+/).filter(Boolean);
}

/** Every word the grammar can produce, sorted: colours, shapes, and every template's words. */
export function instructionVocabulary(): string[] {
  const phrases: string[] = [
    ...COLORS,
    ...SHAPES,
    'block',
    ...PUSH_VERBS,
    ...PREPOSITIONS,
    ...Object.values(ABSOLUTE_LOCATION_SYNONYMS).flat(),
    ...RELATIVE_VERBS,
    ...SLIGHTLY_SYNONYMS,
    ...Object.values(DIRECTION_SYNONYMS).flat(),
    ...DIAGONAL_PREPOSITIONS.map((t) => t.replace(/%s/g, '')),
    ...Object.values(BLOCK_RELATIVE_DIRECTION_SYNONYMS).flat(),
    ...SEPARATE_TEMPLATES.map((t) => t.replace(/%s/g, '')),
    ...GROUP_SYNONYMS,
    REST,
    ', and',
  ];
  return [...new Set(phrases.flatMap(instructionWords))].sort();
}
