import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isPair, isScalar, parse as parseYaml, parseDocument, type YAMLMap } from 'yaml';
import { PLACEHOLDER_MARK } from '../chart/valueTree.js';
import { loadKubernetesYaml } from '../kube/yaml11.js';
import { isExampleValue } from '../parts/placeholders.js';
import type { Finding } from '../verify/findings.js';

// The placeholder stage of `chartwright test`: apart from src/parts/placeholders.ts, which the
// scaffolder loads at start-up, so that only `test` pays for the Kubernetes YAML reader.

type Values = Record<string, unknown>;
const isObject = (value: unknown): value is Values => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Helm's coalescing of a values file over the defaults: maps merge, other values replace, null deletes. */
function coalesce(base: Values, override: Values): Values {
  const result: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete result[key];
    else if (isObject(value) && isObject(result[key])) result[key] = coalesce(result[key] as Values, value);
    else result[key] = value;
  }
  return result;
}

const valueAt = (values: unknown, path: string[]): unknown => path.reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), values);

/** Inside a part switched off (`enabled: false` on the way down), a placeholder ships nothing. */
const switchedOff = (values: unknown, path: string[]) =>
  path.some((_, depth) => {
    const group = valueAt(values, path.slice(0, depth));
    return isObject(group) && group.enabled === false;
  });

/** Keys of values.yaml marked `# PLACEHOLDER: ...`, with what to put instead. */
function markedKeys(document: ReturnType<typeof parseDocument>): { path: string[]; replaceWith: string }[] {
  const found: { path: string[]; replaceWith: string }[] = [];
  const walk = (map: YAMLMap, path: string[]) => {
    map.items.forEach((pair, index) => {
      if (!isPair(pair) || !isScalar(pair.key)) return;
      const keyPath = [...path, String(pair.key.value)];
      // The parser hangs the comment above a map's first key on the map itself.
      const comment = `${index === 0 ? (map.commentBefore ?? '') : ''}\n${pair.key.commentBefore ?? ''}`;
      const line = comment.split('\n').find((text) => text.trim().startsWith(PLACEHOLDER_MARK));
      if (line) found.push({ path: keyPath, replaceWith: line.trim().slice(PLACEHOLDER_MARK.length).trim() });
      if (isMap(pair.value)) walk(pair.value, keyPath);
    });
  };
  if (isMap(document.contents)) walk(document.contents, []);
  return found;
}

/** Production values files: values-prod*.yaml and values-production*.yaml, and ci/ copies that differ from them. */
async function productionValuesFiles(chartDir: string): Promise<string[]> {
  const isProd = (name: string) => /^values-prod(uction)?([-.][^/]*)?\.ya?ml$/.test(name);
  const root = (await readdir(chartDir)).filter(isProd).sort();
  const ciDir = join(chartDir, 'ci');
  const rootTexts = new Set(await Promise.all(root.map((name) => readFile(join(chartDir, name), 'utf8'))));
  const ci: string[] = [];
  if (existsSync(ciDir)) {
    for (const name of (await readdir(ciDir)).filter((file) => /prod/.test(file) && /-values\.ya?ml$/.test(file)).sort()) {
      if (!rootTexts.has(await readFile(join(ciDir, name), 'utf8'))) ci.push(`ci/${name}`);
    }
  }
  return [...root, ...ci];
}

function stringsOf(values: unknown, path: string[] = []): { path: string[]; value: string }[] {
  if (typeof values === 'string') return [{ path, value: values }];
  if (Array.isArray(values)) return values.flatMap((item, index) => stringsOf(item, [...path, String(index)]));
  if (isObject(values)) return Object.entries(values).flatMap(([key, item]) => stringsOf(item, [...path, key]));
  return [];
}

/**
 * Warnings for placeholders production would ship: keys marked `PLACEHOLDER:` in values.yaml
 * that a production values file leaves at their default, any example host name or address in the
 * production values (for charts chartwright did not generate too), and an example maintainer
 * email in Chart.yaml. A chart without a production values file is judged by Chart.yaml alone.
 */
export async function placeholderFindings(chartDir: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  const chartPath = join(chartDir, 'Chart.yaml');
  if (existsSync(chartPath)) {
    const chart = parseYaml(await readFile(chartPath, 'utf8'), { version: '1.1' }) as { maintainers?: { email?: unknown }[] } | null;
    (chart?.maintainers ?? []).forEach((maintainer, index) => {
      if (typeof maintainer?.email === 'string' && isExampleValue(maintainer.email)) {
        findings.push({
          severity: 'warning',
          rule: 'placeholder-value',
          file: 'Chart.yaml',
          message: `maintainers[${index}].email is the placeholder ${JSON.stringify(maintainer.email)}; put the address of the team that maintains the chart`,
        });
      }
    });
  }
  const valuesPath = join(chartDir, 'values.yaml');
  if (!existsSync(valuesPath)) return findings;
  // One parse of values.yaml gives both its comments (the marks) and its data.
  const document = parseDocument(await readFile(valuesPath, 'utf8'), { version: '1.1' });
  const defaults = (document.toJS() ?? {}) as Values;
  const marked = markedKeys(document);
  for (const file of await productionValuesFiles(chartDir)) {
    // Read as helm reads values (go-yaml v2 rules), with the fast reader the manifests use.
    const override = (loadKubernetesYaml(await readFile(join(chartDir, file), 'utf8')).documents[0]?.value ?? {}) as Values;
    if (!isObject(override)) continue;
    const effective = coalesce(defaults, override);
    const reported = new Set<string>();
    for (const { path, replaceWith } of marked) {
      const value = valueAt(effective, path);
      if (value === undefined || switchedOff(effective, path) || JSON.stringify(value) !== JSON.stringify(valueAt(defaults, path))) continue;
      const key = path.join('.');
      reported.add(key);
      findings.push({
        severity: 'warning',
        rule: 'placeholder-value',
        file,
        message: `${key} is still the placeholder ${JSON.stringify(value)} from values.yaml; set ${replaceWith || 'the real value'} in ${file}`,
      });
    }
    for (const { path, value } of stringsOf(effective)) {
      const key = path.join('.');
      if (reported.has(key) || switchedOff(effective, path) || !isExampleValue(value)) continue;
      findings.push({
        severity: 'warning',
        rule: 'placeholder-value',
        file,
        message: `${key} is ${JSON.stringify(value)}, an example name (reserved for documentation); set the real value in ${file}`,
      });
    }
  }
  return findings;
}
