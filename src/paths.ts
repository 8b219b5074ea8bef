import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root: the same from src/ (tests) and dist/ (built CLI), both one level down. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Generator templates: chart/ holds the chart's files, parts/ the fragments parts add to shared files. */
export const CHART_TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url));

export const GENERATOR_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
