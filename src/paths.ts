import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root: the same from src/ (tests) and dist/ (built CLI), both one level down. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url));

export const CHART_TEMPLATES_DIR = fileURLToPath(new URL('../templates/chart/', import.meta.url));

export const GENERATOR_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
