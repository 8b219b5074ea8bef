import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';

/**
 * Values that must not be set together. A merge takes the user's value of one and the new class
 * default of the other (a class B PDB `minAvailable` the user tuned, next to the class C
 * `maxUnavailable`), and each is fine alone: only the combination breaks the chart. The rule
 * mirrors the `fail` in templates/chart/templates/pdb.yaml.hbs.
 */
const EXCLUSIVE: { when: string[]; keys: [string[], string[]]; why: string }[] = [
  {
    when: ['podDisruptionBudget', 'enabled'],
    keys: [
      ['podDisruptionBudget', 'minAvailable'],
      ['podDisruptionBudget', 'maxUnavailable'],
    ],
    why: 'a PodDisruptionBudget takes only one of them',
  },
];

type Tree = Record<string, unknown>;

export interface ValuesFile {
  path: string;
  /** The file after the merge. */
  merged: string;
  /** The file as the generator last wrote it (the base snapshot), if any. */
  base?: string;
  /** The file as the generator writes it now, if it does. */
  theirs?: string;
}

export interface Clash {
  /** The values file whose key the user set (where to resolve it). */
  path: string;
  message: string;
}

const parse = (text: string | undefined): Tree | undefined => {
  try {
    const data = parseYaml(text ?? '', { version: '1.1' }) as unknown;
    return data && typeof data === 'object' && !Array.isArray(data) ? (data as Tree) : undefined;
  } catch {
    return undefined;
  }
};

const get = (tree: Tree | undefined, path: string[]): unknown =>
  path.reduce<unknown>((node, key) => (node && typeof node === 'object' && Object.hasOwn(node, key) ? (node as Tree)[key] : undefined), tree);
const has = (tree: Tree | undefined, path: string[]) => {
  const parent = get(tree, path.slice(0, -1));
  return Boolean(parent && typeof parent === 'object' && Object.hasOwn(parent, path.at(-1) as string));
};

/**
 * Checks values.yaml alone and with each overlay (values-*.yaml, ci/*.yaml), as Helm merges them:
 * an overlay's key wins, and its null removes the key.
 */
export function findClashes(files: readonly ValuesFile[]): Clash[] {
  const main = files.find((file) => file.path === 'values.yaml');
  if (!main) return [];
  const clashes: Clash[] = [];
  const seen = new Set<string>();
  const sets = [[main], ...files.filter((file) => file !== main).map((overlay) => [main, overlay])];
  for (const set of sets) {
    for (const rule of EXCLUSIVE) {
      const value = (path: string[]) => {
        let found: { value: unknown; file: ValuesFile } | undefined;
        for (const file of set) if (has(parse(file.merged), path)) found = { value: get(parse(file.merged), path), file };
        return found;
      };
      const enabled = value(rule.when);
      const [first, second] = rule.keys.map(value);
      if (enabled?.value === false || !first || !second || first.value === null || second.value === null) continue;
      const describe = (path: string[], found: { value: unknown; file: ValuesFile }) => {
        const base = parse(found.file.base);
        const theirs = parse(found.file.theirs);
        const who = found.file.theirs !== undefined && isDeepStrictEqual(get(theirs, path), found.value) && !isDeepStrictEqual(get(base, path), found.value) ? 'new default' : isDeepStrictEqual(get(base, path), found.value) ? 'default' : 'yours';
        return `${path.join('.')}: ${JSON.stringify(found.value)} (${who}, ${found.file.path})`;
      };
      const yours = [first, second].find((found) => !isDeepStrictEqual(get(parse(found.file.base), rule.keys[[first, second].indexOf(found)] as string[]), found.value)) ?? first;
      const scope = set.length === 1 ? 'with values.yaml alone' : `with -f ${set[1]?.path}`;
      const switchedOn = enabled && enabled.value !== get(parse(enabled.file.base), rule.when) ? ` now that ${rule.when.join('.')} is ${JSON.stringify(enabled.value)} (new default)` : '';
      const message = `${describe(rule.keys[0], first)} and ${describe(rule.keys[1], second)} are both set ${scope}${switchedOn}; ${rule.why}: set the one you do not want to null`;
      const key = `${describe(rule.keys[0], first)} ${describe(rule.keys[1], second)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      clashes.push({ path: yours.file.path, message });
    }
  }
  return clashes;
}
