export { type CliIo, printResult, processIo } from './cli-io.js';
export { commaList, nonNegativeInt, oneOf, positiveInt } from './option-parsers.js';
export {
  loadInstalledPlugins,
  type PluginCatalog,
  type PluginCatalogEntry,
  pluginSearchDirs,
} from './plugin-catalog.js';
export { createProgram, runCli } from './program.js';
