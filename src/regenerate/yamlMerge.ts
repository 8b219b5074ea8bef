import { isDeepStrictEqual } from 'node:util';
import { type Document, isMap, isNode, isPair, isScalar, type Pair, parseAllDocuments, parseDocument, visit, type YAMLMap } from 'yaml';

// As src/render/yaml.ts writes them: Helm reads YAML 1.1.
const OPTIONS = { version: '1.1', lineWidth: 0 } as const;

/** A key (or list item) that is absent on one side. */
const ABSENT = Symbol('absent');

type Plain = Record<string, unknown>;

const isPlainMap = (value: unknown): value is Plain =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
const same = (a: unknown, b: unknown) => (a === ABSENT || b === ABSENT ? a === b : isDeepStrictEqual(a, b));

export interface StructuredMerge {
  /** The merged file, when there was no conflict. */
  content?: string;
  /** Dotted key paths both sides changed differently. */
  conflicts: string[];
}

/**
 * Three-way merge of YAML mapping documents key by key: a key changed on one side takes that
 * change, keys added on either side survive wherever the other side moved things, and a key both
 * sides changed differently is a conflict. The result is written by editing the file on disk as
 * a YAML document, so the user's comments and layout stay, and keys new from the generator arrive
 * with the generator's `# --` documentation. Undefined when a side is not a single YAML mapping.
 */
export function mergeYaml(ours: string, base: string | undefined, theirs: string): StructuredMerge | undefined {
  const oursDoc = parseMapping(ours);
  const theirsDoc = parseMapping(theirs);
  const baseDoc = base === undefined ? undefined : parseMapping(base);
  if (!oursDoc || !theirsDoc || (base !== undefined && !baseDoc)) return undefined;
  const conflicts: string[] = [];
  const merged = merge3(baseDoc ? baseDoc.toJS() : {}, oursDoc.toJS(), theirsDoc.toJS(), [], conflicts);
  if (conflicts.length > 0) return { conflicts };
  if (!isPlainMap(merged)) return undefined;
  applyMap(oursDoc, oursDoc.contents as YAMLMap, merged, theirsDoc.contents as YAMLMap, baseDoc?.contents as YAMLMap | undefined);
  if (baseDoc && oursDoc.commentBefore === baseDoc.commentBefore) oursDoc.commentBefore = theirsDoc.commentBefore;
  return { content: keepLeadingLayout(oursDoc.toString(OPTIONS), [ours, theirs]), conflicts };
}

/** Whether two YAML texts hold the same data (false when either does not parse). */
export function sameYamlData(a: string, b: string): boolean {
  const left = parseMapping(a);
  const right = parseMapping(b);
  return Boolean(left && right && isDeepStrictEqual(left.toJS(), right.toJS()));
}

/** Whether a text is one YAML mapping document. */
export function isYamlMapping(text: string): boolean {
  return parseMapping(text) !== undefined;
}

function parseMapping(text: string): Document | undefined {
  if (parseAllDocuments(text, OPTIONS).length > 1) return undefined;
  const doc = parseDocument(text, OPTIONS);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return undefined;
  // Anchors, aliases and `<<` merge keys would be expanded by a key-wise edit: leave such files to the text merge.
  let shared = false;
  visit(doc, {
    Alias: () => {
      shared = true;
      return visit.BREAK;
    },
    Pair: (_, pair) => {
      if (isScalar(pair.key) && pair.key.value === '<<') {
        shared = true;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return shared ? undefined : doc;
}

function merge3(base: unknown, ours: unknown, theirs: unknown, path: string[], conflicts: string[]): unknown {
  if (same(ours, theirs)) return ours;
  if (same(base, ours)) return theirs;
  if (same(base, theirs)) return ours;
  if (isPlainMap(ours) && isPlainMap(theirs)) return mergeMaps(isPlainMap(base) ? base : {}, ours, theirs, path, conflicts);
  if (Array.isArray(ours) && Array.isArray(theirs)) {
    const merged = mergeLists(Array.isArray(base) ? base : [], ours, theirs, path, conflicts);
    if (merged !== undefined) return merged;
  }
  conflicts.push(path.length ? path.join('.') : '(whole document)');
  return ours;
}

const entry = (map: Plain, key: string) => (Object.hasOwn(map, key) ? map[key] : ABSENT);

function mergeMaps(base: Plain, ours: Plain, theirs: Plain, path: string[], conflicts: string[]): Plain {
  const result: [string, unknown][] = [];
  for (const key of orderKeys(Object.keys(ours), Object.keys(theirs))) {
    const value = merge3(entry(base, key), entry(ours, key), entry(theirs, key), [...path, key], conflicts);
    if (value !== ABSENT) result.push([key, value]);
  }
  return Object.fromEntries(result);
}

/** The user's order, with keys only the generator has placed after their neighbour there. */
function orderKeys(ours: string[], theirs: string[]): string[] {
  const order = [...ours];
  theirs.forEach((key, index) => {
    if (order.includes(key)) return;
    const before = theirs.slice(0, index).reverse().find((candidate) => order.includes(candidate));
    order.splice(before === undefined ? 0 : order.indexOf(before) + 1, 0, key);
  });
  return order;
}

/** Scalars are their own identity; mappings are identified by `name` (env vars, dependencies). */
function identity(item: unknown): string | undefined {
  if (item === null || ['string', 'number', 'boolean'].includes(typeof item)) return `=${JSON.stringify(item)}`;
  if (isPlainMap(item) && typeof item.name === 'string') return `name:${item.name}`;
  return undefined;
}

function keyed(list: unknown[]): Map<string, unknown> | undefined {
  const map = new Map<string, unknown>();
  for (const item of list) {
    const id = identity(item);
    if (id === undefined || map.has(id)) return undefined;
    map.set(id, item);
  }
  return map;
}

/**
 * Lists whose items have an identity merge item by item (an env var added on each side gives
 * both); other lists are one value, and changes on both sides to them conflict.
 */
function mergeLists(base: unknown[], ours: unknown[], theirs: unknown[], path: string[], conflicts: string[]): unknown[] | undefined {
  const [b, o, t] = [keyed(base), keyed(ours), keyed(theirs)];
  if (!b || !o || !t) return undefined;
  const result: unknown[] = [];
  for (const id of orderKeys([...o.keys()], [...t.keys()])) {
    const get = (map: Map<string, unknown>) => (map.has(id) ? map.get(id) : ABSENT);
    const value = merge3(get(b), get(o), get(t), [...path, `[${id.replace(/^name:|^=/, '')}]`], conflicts);
    if (value !== ABSENT) result.push(value);
  }
  return result;
}

const keyOf = (pair: Pair) => String(isScalar(pair.key) ? pair.key.value : pair.key);
const valueOf = (node: unknown) => (isNode(node) ? node.toJSON() : node);

function pairIn(map: YAMLMap | undefined, key: string): Pair | undefined {
  return map?.items.find((pair) => isPair(pair) && keyOf(pair) === key);
}

/** Edits the user's document in place until it holds `merged`, touching only what differs. */
function applyMap(doc: Document, node: YAMLMap, merged: Plain, theirs: YAMLMap | undefined, base: YAMLMap | undefined): void {
  node.items = node.items.filter((pair) => Object.hasOwn(merged, keyOf(pair)));
  let previous = -1;
  for (const [key, value] of Object.entries(merged)) {
    const theirsPair = pairIn(theirs, key);
    const basePair = pairIn(base, key);
    const index = node.items.findIndex((pair) => keyOf(pair) === key);
    if (index === -1) {
      // New to the user's file: the generator's pair brings its documentation comment along.
      const pair = theirsPair && same(valueOf(theirsPair.value), value) ? theirsPair.clone() : doc.createPair(key, value);
      node.items.splice(previous + 1, 0, pair);
      previous += 1;
      continue;
    }
    previous = index;
    const pair = node.items[index] as Pair;
    // A documentation comment the user left alone follows the generator's wording.
    if (isScalar(pair.key) && theirsPair && isScalar(theirsPair.key) && basePair && isScalar(basePair.key) && pair.key.commentBefore === basePair.key.commentBefore) {
      pair.key.commentBefore = theirsPair.key.commentBefore;
    }
    if (isMap(pair.value) && isPlainMap(value) && Object.keys(value).length > 0) {
      applyMap(doc, pair.value, value, isMap(theirsPair?.value) ? theirsPair.value : undefined, isMap(basePair?.value) ? basePair.value : undefined);
    } else if (!same(valueOf(pair.value), value)) {
      const replacement = theirsPair && same(valueOf(theirsPair.value), value) && isNode(theirsPair.value) ? theirsPair.value.clone() : doc.createNode(value);
      if (isScalar(pair.value) && isScalar(replacement) && pair.value.comment) replacement.comment = pair.value.comment;
      pair.value = replacement;
    }
  }
}

const isLayout = (line: string) => line.trim() === '' || line.trimStart().startsWith('#');

/**
 * The serialiser collapses runs of blank lines in the leading comment block; where that block
 * says the same as in one of the inputs, keep that input's exact lines.
 */
function keepLeadingLayout(result: string, inputs: string[]): string {
  const split = (text: string) => {
    const lines = text.split('\n');
    const end = lines.findIndex((line) => !isLayout(line));
    return { head: end === -1 ? lines : lines.slice(0, end), rest: end === -1 ? [] : lines.slice(end) };
  };
  const words = (lines: string[]) => lines.filter((line) => line.trim() !== '').join('\n');
  const mine = split(result);
  for (const input of inputs) {
    const theirs = split(input);
    if (words(theirs.head) === words(mine.head)) return [...theirs.head, ...mine.rest].join('\n');
  }
  return result;
}
