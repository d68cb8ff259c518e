// Flag parsing for the bench/*.mjs benchmarks: node:util parseArgs (unknown flags and missing
// values are errors) plus one check per value, so `pnpm bench X --steps abc` stops with a message
// that quotes the value and says what was expected instead of benchmarking NaN.
// (bench/run.mjs runs bench/*.mjs only, so this module in bench/lib is not taken for a benchmark.)
import { parseArgs } from 'node:util';

/**
 * Parses `argv` for benchmark `bench`. `spec` maps each flag name (without --) to one of
 *   { type: 'boolean' }
 *   { type: 'int', default, min = 1, max }        an integer in [min, max]
 *   { type: 'number', default, min, max }         a finite number in [min, max]
 *   { type: 'ints', default }                     comma-separated positive integers
 *   { type: 'choice', default, choices }          one of `choices`
 *   { type: 'string', default }                   any string (default may be undefined)
 * `--help` prints `usage` and exits 0; any error prints `bench <bench>: ...` and exits 2.
 * Returns the checked values keyed by flag name; booleans default to false.
 */
export function benchArgs(bench, spec, usage, argv = process.argv.slice(2)) {
  const fail = (message) => benchFail(bench, message);
  const options = { help: { type: 'boolean', default: false } };
  for (const [name, s] of Object.entries(spec))
    options[name] = s.type === 'boolean' ? { type: 'boolean', default: false } : { type: 'string' };
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (e) {
    fail(`${e.message}; expected ${usage}`);
  }
  if (values.help) {
    console.log(`usage: pnpm bench ${bench} ${usage}`);
    process.exit(0);
  }
  const out = {};
  for (const [name, s] of Object.entries(spec)) {
    const raw = values[name];
    if (s.type === 'boolean') {
      out[name] = raw;
      continue;
    }
    const given = raw ?? s.default;
    if (given === undefined) {
      out[name] = undefined;
      continue;
    }
    const text = String(given);
    switch (s.type) {
      case 'int': {
        const n = Number(text);
        const min = s.min ?? 1;
        if (!Number.isInteger(n) || n < min || (s.max !== undefined && n > s.max))
          fail(
            `--${name} (${text}) must be an integer from ${min}${s.max !== undefined ? ` to ${s.max}` : ' up'}`,
          );
        out[name] = n;
        break;
      }
      case 'number': {
        const n = Number(text);
        if (!Number.isFinite(n) || (s.min !== undefined && n < s.min) || (s.max !== undefined && n > s.max))
          fail(
            `--${name} (${text}) must be a number${s.min !== undefined ? ` from ${s.min}` : ''}${s.max !== undefined ? ` to ${s.max}` : ''}`,
          );
        out[name] = n;
        break;
      }
      case 'ints': {
        const ns = text.split(',').map((v) => Number(v.trim()));
        if (ns.length === 0 || ns.some((n) => !Number.isInteger(n) || n < 1))
          fail(`--${name} (${text}) must be comma-separated positive integers, e.g. 1,32`);
        out[name] = ns;
        break;
      }
      case 'choice':
        if (!s.choices.includes(text)) fail(`--${name} (${text}) must be one of ${s.choices.join(', ')}`);
        out[name] = text;
        break;
      default:
        out[name] = text;
    }
  }
  return out;
}

/** Stops benchmark `bench` with exit code 2 and `bench <bench>: message` on stderr. */
export function benchFail(bench, message) {
  console.error(`bench ${bench}: ${message}`);
  process.exit(2);
}
