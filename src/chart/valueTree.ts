/**
 * A documented tree of chart values. The same tree yields values.yaml (defaults with `# --`
 * comments), values.schema.json and the README's values table, so they cannot disagree.
 */
export type JsonSchema = Record<string, unknown>;

export interface ValueNode {
  description: string;
  /** Schema of a leaf or free-form value (the description is added from the node). */
  schema?: JsonSchema;
  default?: unknown;
  /** Ordered children of a known object. Known objects reject unknown keys. */
  children?: Record<string, ValueNode>;
  /** An object that also takes keys we do not know (a subchart's own values). */
  open?: boolean;
  /** In the schema, but not written to values.yaml (e.g. `global`, which Helm adds itself). */
  schemaOnly?: boolean;
  /** Comment lines written above the key in values.yaml, before the `# --` description. */
  notice?: string[];
  /**
   * The default is a stand-in to replace before production (an example host, a placeholder
   * image); says what to put instead. Marked in values.yaml, listed in the README and by `new`,
   * and warned about by the placeholder check while production values still hold it.
   */
  placeholder?: string;
}

/** The comment that marks a placeholder in values files; the placeholder check looks for it. */
export const PLACEHOLDER_MARK = 'PLACEHOLDER:';

export const str = (description: string, value: string, extra: JsonSchema = {}): ValueNode => ({
  description,
  default: value,
  schema: { type: 'string', ...extra },
});
export const int = (description: string, value: number, extra: JsonSchema = {}): ValueNode => ({
  description,
  default: value,
  schema: { type: 'integer', ...extra },
});
export const bool = (description: string, value: boolean): ValueNode => ({
  description,
  default: value,
  schema: { type: 'boolean' },
});
export const oneOf = (description: string, value: string, choices: readonly string[]): ValueNode => ({
  description,
  default: value,
  schema: { type: 'string', enum: [...choices] },
});
export const custom = (description: string, value: unknown, schema: JsonSchema): ValueNode => ({
  description,
  default: value,
  schema,
});
export const stringMap = (description: string, value: Record<string, string> = {}): ValueNode => ({
  description,
  default: value,
  schema: { type: 'object', additionalProperties: { type: 'string' } },
});
export const group = (description: string, children: Record<string, ValueNode>, extra: Partial<ValueNode> = {}): ValueNode => ({
  description,
  children,
  ...extra,
});

/** Marks a leaf's default as a placeholder (see ValueNode.placeholder). */
export const placeholder = (node: ValueNode, replaceWith: string): ValueNode => ({ ...node, placeholder: replaceWith });

export const QUANTITY: JsonSchema = {
  type: ['string', 'number'],
  pattern: '^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$',
};
export const DIGEST: JsonSchema = { pattern: '^(sha256:[a-f0-9]{64})?$' };
export const IMAGE_TAG: JsonSchema = { minLength: 1, pattern: '^[\\w][\\w.-]{0,127}$', not: { const: 'latest' } };
export const K8S_NAME: JsonSchema = { pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$', maxLength: 253 };
export const PORT: JsonSchema = { minimum: 1, maximum: 65535 };

export function resources(description: string, requests: Record<string, string>, limits: Record<string, string>): ValueNode {
  const amounts = (what: string, value: Record<string, string>) =>
    group(`${what} for this container`, {
      cpu: custom(`CPU ${what.toLowerCase()}`, value.cpu, QUANTITY),
      memory: custom(`Memory ${what.toLowerCase()}`, value.memory, QUANTITY),
      'ephemeral-storage': custom(`Ephemeral storage ${what.toLowerCase()}`, value['ephemeral-storage'], QUANTITY),
    });
  return group(description, { requests: amounts('Requests', requests), limits: amounts('Limits', limits) });
}

export function image(description: string, repository: string, tag: string, digest: string, pullPolicy = true): ValueNode {
  return group(description, {
    repository: str('Image repository', repository, { minLength: 1 }),
    tag: str('Image tag; pinned, never latest', tag, IMAGE_TAG),
    digest: str('Image digest (sha256:...); when set, the image is pulled by digest', digest, DIGEST),
    ...(pullPolicy ? { pullPolicy: oneOf('Image pull policy', 'IfNotPresent', ['Always', 'IfNotPresent', 'Never']) } : {}),
  });
}

/** Every node of the tree with its dotted path, depth first. */
export function nodesOf(node: ValueNode, prefix: string[] = []): { path: string[]; node: ValueNode }[] {
  return Object.entries(node.children ?? {}).flatMap(([key, child]) => [{ path: [...prefix, key], node: child }, ...nodesOf(child, [...prefix, key])]);
}

export function defaultsOf(node: ValueNode): unknown {
  if (!node.children) return structuredClone(node.default);
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(node.children)) {
    if (!child.schemaOnly) result[key] = defaultsOf(child);
  }
  return result;
}

/** Inside an open object (a subchart's values) every level is open: the subchart's own defaults merge in. */
export function schemaOf(node: ValueNode, insideOpen = false): JsonSchema {
  if (!node.children) return { description: node.description, ...node.schema };
  const open = insideOpen || node.open === true;
  const properties: Record<string, JsonSchema> = {};
  for (const [key, child] of Object.entries(node.children)) properties[key] = schemaOf(child, open);
  return { description: node.description, type: 'object', properties, additionalProperties: open };
}

export function nodeAt(root: ValueNode, path: readonly string[]): ValueNode | undefined {
  let node: ValueNode | undefined = root;
  for (const key of path) node = node?.children?.[key];
  return node;
}

export interface ValueRow {
  key: string;
  type: string;
  default: string;
  description: string;
}

/** One row per leaf (and per open object), depth first, for the README table. */
export function rowsOf(node: ValueNode, prefix = ''): ValueRow[] {
  const rows: ValueRow[] = [];
  for (const [key, child] of Object.entries(node.children ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (child.children && !child.open) {
      rows.push(...rowsOf(child, path));
      continue;
    }
    if (child.children && child.open) {
      rows.push({ key: path, type: 'object', default: '(subchart values)', description: child.description });
      rows.push(...rowsOf(child, path));
      continue;
    }
    const schemaType = child.schema?.type;
    rows.push({
      key: path,
      type: Array.isArray(schemaType) ? schemaType.join(' or ') : String(schemaType ?? (child.schema && 'const' in child.schema ? typeof child.schema.const : 'any')),
      default: child.schemaOnly ? '(set by Helm)' : JSON.stringify(child.default),
      description: child.description,
    });
  }
  return rows;
}
