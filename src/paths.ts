import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root: the nearest directory above this module holding chartwright's package.json.
 * Searched for, because the module may sit in src/ (tests) or dist/ (built and bundled).
 */
function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'chartwright') return `${dir}/`;
    if (dirname(dir) === dir) throw new Error(`chartwright's package.json not found above ${fileURLToPath(import.meta.url)}`);
  }
}

export const PACKAGE_ROOT = packageRoot();

/** Generator templates: chart/ holds the chart's files, parts/ the fragments parts add to shared files. */
export const CHART_TEMPLATES_DIR = join(PACKAGE_ROOT, 'templates/');

export const GENERATOR_VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
