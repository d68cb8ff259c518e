import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { quote, VlakitError } from './errors.js';
import { parseConfig } from './format-zod-error.js';
import { graphSpecSchema } from './graph-spec.js';

/**
 * An experiment: which plugin packages to load, the pipeline graph, the seed. Other sections
 * (`data`, `training`, `eval`, ...) belong to the packages that use them and are validated there.
 */
export const experimentConfigSchema = z.looseObject({
  /** Run name; also the default run folder name. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only')
    .default('experiment'),
  /** Seed for weight initialisation, data order and augmentation. */
  seed: z.number().int().nonnegative().default(0),
  /** Plugin packages to load by name (on top of the built-in ones the CLI loads). */
  plugins: z.array(z.string().min(1)).default([]),
  pipeline: graphSpecSchema,
});

export type ExperimentConfig = z.output<typeof experimentConfigSchema>;

/** Validates an experiment config object. */
export function parseExperimentConfig(raw: unknown, where = 'config'): ExperimentConfig {
  return parseConfig(experimentConfigSchema, raw, where);
}

/** Reads an experiment config from a .yaml, .yml or .json file. */
export function loadExperimentConfigFile(path: string): ExperimentConfig {
  return parseExperimentConfig(readConfigFile(path), path);
}

/** Parses a YAML or JSON file into a plain value, with errors that name the file. */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new VlakitError('io', `cannot read config file ${quote(path)}: ${(cause as Error).message}`, {
      cause,
    });
  }
  const ext = extname(path).toLowerCase();
  if (!['.json', '.yaml', '.yml'].includes(ext)) {
    throw new VlakitError('config', `config file ${quote(path)} must end in .yaml, .yml or .json`);
  }
  try {
    return ext === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (cause) {
    throw new VlakitError(
      'config',
      `config file ${quote(path)} is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}
