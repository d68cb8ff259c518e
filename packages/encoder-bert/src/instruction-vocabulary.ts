/**
 * The default vocabulary: every word of the Language-Table instruction grammar (verbs,
 * prepositions, colours, shapes, locations, relative words), punctuation, digits, and every
 * letter both word-initial and as a `##` continuation, so any lower-case ASCII word tokenises
 * without [UNK]. Special tokens first, [PAD] = 0 as in BERT.
 */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

export const INSTRUCTION_WORDS = [
  // verbs ("push the", "move the", "slide the", "put the")
  'push',
  'move',
  'slide',
  'put',
  'the',
  // prepositions ("to the", "towards the", "close to the", "next to the")
  'to',
  'towards',
  'close',
  'next',
  // colours and shapes
  'red',
  'blue',
  'green',
  'yellow',
  'moon',
  'cube',
  'star',
  'pentagon',
  'block',
  'blocks',
  // absolute locations
  'top',
  'bottom',
  'left',
  'right',
  'center',
  'centre',
  'middle',
  'corner',
  'side',
  'of',
  'edge',
  // relative words
  'above',
  'below',
  'separate',
  'apart',
  'away',
  'from',
  'pull',
  'and',
  'each',
  'other',
  'together',
  'near',
  'bit',
  'slightly',
  'far',
  'up',
  'down',
  'upper',
  'lower',
  'board',
  'table',
] as const;

const LETTERS = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
const PUNCTUATION = ['.', ',', '!', '?', "'", '-', ':', ';', '(', ')', '"', '/'];

/** The default vocabulary, in id order. */
export function instructionVocabulary(): string[] {
  const words = INSTRUCTION_WORDS.filter((w) => w.length > 1);
  return [...SPECIAL_TOKENS, ...words, ...PUNCTUATION, ...LETTERS, ...LETTERS.map((l) => `##${l}`)];
}
