/**
 * Compaction of Kubernetes OpenAPI documents into the small schema data chartwright validates
 * with. The same function reads the documents in a kubernetes release (`api/openapi-spec/v3/*.json`,
 * by scripts/generate-kube-schemas.mjs) and a live API server's `/openapi/v3/...` answers, so the
 * bundled data can be compared with a real server.
 *
 * A compact schema node keeps only what a validator needs, in JSON Schema's own words: `type`
 * (one type or a list), `$ref` (a type name, not a JSON pointer), `properties`, `required`,
 * `items`, `additionalProperties`, `enum`, `format` (only the formats the validator checks),
 * `nullable` and the `x-kubernetes-int-or-string`, `x-kubernetes-preserve-unknown-fields` and
 * `x-kubernetes-embedded-resource` extensions. Descriptions, defaults, examples and patch and list
 * metadata are dropped.
 */

export interface SchemaNode {
  type?: string | string[];
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  enum?: unknown[];
  format?: string;
  nullable?: true;
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-embedded-resource'?: true;
}

export interface CompactSchemas {
  /** `apiVersion/kind` (`v1/ConfigMap`, `apps/v1/Deployment`) → type name. */
  kinds: Record<string, string>;
  /** Type name (`io.k8s.api.apps.v1.Deployment`) → its schema. */
  types: Record<string, SchemaNode>;
}

/** Formats whose values the API server's decoder checks, so the validator checks them too. */
const CHECKED_FORMATS = new Set(['int32', 'int64', 'byte']);

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `#/components/schemas/X` (v3) or `#/definitions/X` (v2) → X. */
const refName = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1);

function compactNode(schema: Json): SchemaNode {
  const node: SchemaNode = {};
  // v3 wraps a reference in allOf so that it can carry a description and a default.
  const allOf = Array.isArray(schema.allOf) ? (schema.allOf as unknown[]) : [];
  const ref = typeof schema.$ref === 'string' ? schema.$ref : allOf.length === 1 && isObject(allOf[0]) && typeof allOf[0].$ref === 'string' ? allOf[0].$ref : undefined;
  if (ref) node.$ref = refName(ref);
  const oneOfTypes = Array.isArray(schema.oneOf)
    ? (schema.oneOf as unknown[]).map((option) => (isObject(option) && typeof option.type === 'string' ? option.type : undefined))
    : [];
  if (schema.format === 'int-or-string' || schema['x-kubernetes-int-or-string'] === true) {
    // IntOrString: `oneOf: [integer, string]` in v3, `type: string, format: int-or-string` in v2.
    node['x-kubernetes-int-or-string'] = true;
  } else if (oneOfTypes.length > 0 && oneOfTypes.every((type) => type !== undefined)) {
    node.type = [...new Set(oneOfTypes as string[])].sort();
  } else if (typeof schema.type === 'string') {
    node.type = schema.type;
  }
  if (typeof schema.format === 'string' && CHECKED_FORMATS.has(schema.format)) node.format = schema.format;
  if (isObject(schema.properties)) {
    node.properties = {};
    for (const name of Object.keys(schema.properties).sort()) {
      const property = schema.properties[name];
      if (isObject(property)) node.properties[name] = compactNode(property);
    }
  }
  if (Array.isArray(schema.required) && schema.required.length > 0) node.required = [...(schema.required as string[])].sort();
  if (isObject(schema.items)) node.items = compactNode(schema.items);
  if (isObject(schema.additionalProperties)) node.additionalProperties = compactNode(schema.additionalProperties);
  else if (typeof schema.additionalProperties === 'boolean') node.additionalProperties = schema.additionalProperties;
  if (Array.isArray(schema.enum)) node.enum = [...schema.enum].sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
  if (schema.nullable === true) node.nullable = true;
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) node['x-kubernetes-preserve-unknown-fields'] = true;
  if (schema['x-kubernetes-embedded-resource'] === true) node['x-kubernetes-embedded-resource'] = true;
  return node;
}

/** Sorted keys at every level: the same documents give byte-identical data. */
function sortedRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function gvkKey(gvk: unknown): string | undefined {
  if (!isObject(gvk) || typeof gvk.kind !== 'string' || typeof gvk.version !== 'string') return undefined;
  const group = typeof gvk.group === 'string' ? gvk.group : '';
  return `${group ? `${group}/` : ''}${gvk.version}/${gvk.kind}`;
}

function addDefinitions(definitions: Json, out: CompactSchemas): void {
  for (const [name, schema] of Object.entries(definitions)) {
    if (!isObject(schema)) continue;
    out.types[name] = compactNode(schema);
    const gvks = schema['x-kubernetes-group-version-kind'];
    for (const gvk of Array.isArray(gvks) ? gvks : []) {
      const key = gvkKey(gvk);
      // A type can carry several GVKs (meta types such as DeleteOptions carry one per group);
      // a kind served by two types would be ambiguous, and the first (sorted) wins.
      if (key && !(key in out.kinds)) out.kinds[key] = name;
    }
  }
}

/**
 * Compacts OpenAPI v3 documents (one per group version, as `/openapi/v3/<path>` serves them or as
 * `api/openapi-spec/v3/*.json` stores them) into one type map. A type defined in several documents
 * is the same Go type; the documents agree on it.
 */
export function compactOpenApiV3(documents: readonly unknown[]): CompactSchemas {
  const out: CompactSchemas = { kinds: {}, types: {} };
  const ordered = [...documents].filter(isObject);
  for (const document of ordered) {
    const schemas = isObject(document.components) ? document.components.schemas : undefined;
    if (isObject(schemas)) addDefinitions(schemas, out);
  }
  return { kinds: sortedRecord(out.kinds), types: sortedRecord(out.types) };
}

/** The same for a Swagger 2.0 document (`api/openapi-spec/swagger.json` of releases before v3). */
export function compactSwaggerV2(document: unknown): CompactSchemas {
  const out: CompactSchemas = { kinds: {}, types: {} };
  if (isObject(document) && isObject(document.definitions)) addDefinitions(document.definitions, out);
  return { kinds: sortedRecord(out.kinds), types: sortedRecord(out.types) };
}
