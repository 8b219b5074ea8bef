import { type CrdIndex, indexCrds } from '../kube/crds.js';
import type { SchemaNode } from '../kube/openapi.js';
import { bundledSchemas, OBJECT_META_TYPE, schemaIndex, type SchemaProblem, validateValue, type WalkContext } from '../kube/schema.js';
import type { Finding } from './findings.js';
import type { Manifest } from './manifests.js';

/**
 * Kubernetes minors whose schemas ship with chartwright (schemas/index.json), oldest first: every
 * minor from 1.20, each generated from that release's own API definitions.
 */
export const SCHEMA_MINORS: readonly string[] = Object.keys(schemaIndex().minors).sort((a, b) => minorNumber(a) - minorNumber(b));

export function minorNumber(version: string): number {
  const match = /^v?1\.(\d+)/.exec(version);
  if (!match) throw new Error(`not a Kubernetes 1.x version: ${version}`);
  return Number(match[1]);
}

/**
 * The bundled schema used for a target minor: its own; for a minor newer than the newest bundled
 * one, the newest (the stage says so); for one older than the oldest, the oldest.
 */
export function schemaMinorFor(target: string): string {
  const minor = minorNumber(target);
  const own = SCHEMA_MINORS.find((candidate) => minorNumber(candidate) === minor);
  if (own) return own;
  return minor > minorNumber(SCHEMA_MINORS.at(-1) as string) ? (SCHEMA_MINORS.at(-1) as string) : (SCHEMA_MINORS[0] as string);
}

export interface SchemaOutcome {
  findings: Finding[];
  /** Objects no schema covers (custom resources without a CRD in the chart): reported, never silently passed. */
  notValidated: string[];
  /** The bundled minor the objects were validated against. */
  schemaMinor: string;
}

export interface SchemaOptions {
  /** CustomResourceDefinitions the chart ships in crds/ (see chartCrds); rendered ones are found in the manifests. */
  crds?: readonly { file: string; object: Record<string, unknown> }[];
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

const newestRequiredCache = new Map<string, readonly string[] | undefined>();
function newestRequired(typeName: string): readonly string[] | undefined {
  if (!newestRequiredCache.has(typeName)) {
    const newest = bundledSchemas(SCHEMA_MINORS.at(-1) as string).types[typeName];
    newestRequiredCache.set(typeName, newest ? (newest.required ?? []) : undefined);
  }
  return newestRequiredCache.get(typeName);
}

// The same objects, minor and CRDs give the same outcome: renders for several minors are often
// the same text, parsed once (parseManifests), so they share one validation per minor.
const outcomes = new WeakMap<readonly Manifest[], Map<string, SchemaOutcome>>();

const crdSetIds = new WeakMap<object, number>();
let crdSetCount = 0;

/** Validates rendered objects for one target minor: schema, removed and unknown APIs, custom resources. */
export function validateManifests(manifests: readonly Manifest[], targetMinor: string, options: SchemaOptions = {}): SchemaOutcome {
  let crdSet = 0;
  if (options.crds) {
    crdSet = crdSetIds.get(options.crds) ?? 0;
    if (!crdSet) crdSetIds.set(options.crds, (crdSet = ++crdSetCount));
  }
  const key = `${minorNumber(targetMinor)}:${crdSet}`;
  let forManifests = outcomes.get(manifests);
  if (!forManifests) outcomes.set(manifests, (forManifests = new Map()));
  let outcome = forManifests.get(key);
  if (!outcome) forManifests.set(key, (outcome = validateUncached(manifests, targetMinor, options)));
  return outcome;
}

function validateUncached(manifests: readonly Manifest[], targetMinor: string, options: SchemaOptions): SchemaOutcome {
  const schemaMinor = schemaMinorFor(targetMinor);
  const schemas = bundledSchemas(schemaMinor);
  const target = minorNumber(targetMinor);
  const { removedApis, builtInGroups } = schemaIndex();
  const builtIn = new Set(builtInGroups);
  const rendered = manifests
    .filter((manifest) => manifest.kind === 'CustomResourceDefinition' && groupOf(manifest.apiVersion) === 'apiextensions.k8s.io')
    .map((manifest) => ({ file: manifest.source, object: manifest.object }));
  const crds = indexCrds([...(options.crds ?? []), ...rendered]);
  const findings: Finding[] = [];
  const notValidated: string[] = [];
  const since = schemaMinor === targetMinor ? '' : ` (the ${schemaMinor} schema)`;

  for (const manifest of manifests) {
    const { apiVersion, kind } = manifest;
    const where = { file: manifest.source, object: manifest.id };
    const report = (problems: SchemaProblem[], against: string) => {
      for (const problem of problems) {
        findings.push({ severity: 'error', rule: problem.rule, ...where, message: `${problem.path}: ${problem.message}${problem.rule === 'unknown-field' ? ` (not in the ${kind} schema of ${against})` : ''}` });
      }
    };
    const removed = removedApis.find((api) => api.apiVersion === apiVersion && api.kind === kind && minorNumber(api.removedIn) <= target);
    const typeName = schemas.kinds[`${apiVersion}/${kind}`];
    if (removed && !typeName) {
      findings.push({ severity: 'error', rule: 'removed-api', ...where, message: `${apiVersion} ${kind} was removed in Kubernetes ${removed.removedIn}; use ${removed.replacement}` });
      continue;
    }
    if (typeName) {
      report(builtInProblems(manifest.object, typeName, schemaMinor, schemas.types), `Kubernetes ${schemaMinor}`);
      continue;
    }
    const group = groupOf(apiVersion);
    if (builtIn.has(group)) {
      findings.push({ severity: 'error', rule: 'unknown-api', ...where, message: `${apiVersion} ${kind} does not exist in Kubernetes ${targetMinor}${since}` });
      continue;
    }
    validateCustomResource(manifest, crds, schemas.types, findings, notValidated, report);
  }
  return { findings, notValidated, schemaMinor };
}

// A document the renders of several values sets share is one object (parseManifests): its
// problems against a built-in type's schema are found once per schema minor.
const builtInOutcomes = new WeakMap<object, Map<string, SchemaProblem[]>>();

function builtInProblems(object: Record<string, unknown>, typeName: string, schemaMinor: string, types: WalkContext['types']): SchemaProblem[] {
  let byMinor = builtInOutcomes.get(object);
  if (!byMinor) builtInOutcomes.set(object, (byMinor = new Map()));
  let problems = byMinor.get(schemaMinor);
  if (!problems) {
    const context: WalkContext = { types, newestRequired, builtIn: true, problems: [] };
    validateValue({ $ref: typeName }, object, '', context);
    byMinor.set(schemaMinor, (problems = context.problems));
  }
  return problems;
}

function validateCustomResource(
  manifest: Manifest,
  crds: CrdIndex,
  types: Record<string, SchemaNode>,
  findings: Finding[],
  notValidated: string[],
  report: (problems: SchemaProblem[], against: string) => void,
): void {
  const { apiVersion, kind } = manifest;
  const where = { file: manifest.source, object: manifest.id };
  const version = apiVersion.slice(apiVersion.indexOf('/') + 1);
  const versions = crds.get(`${groupOf(apiVersion)}/${kind}`);
  if (!versions) {
    notValidated.push(manifest.id);
    findings.push({ severity: 'info', rule: 'not-validated', ...where, message: `${apiVersion} ${kind} is a custom resource whose CRD the chart does not ship: not validated` });
    return;
  }
  const served = versions.get(version);
  if (!served?.served) {
    const known = [...versions].filter(([, entry]) => entry.served).map(([name]) => name);
    const crd = [...versions.values()][0]?.crd ?? kind;
    findings.push({ severity: 'error', rule: 'unknown-api', ...where, message: `${apiVersion} ${kind}: the chart's CRD ${crd} does not serve version ${version}${known.length ? ` (it serves ${known.join(', ')})` : ''}` });
    return;
  }
  if (!served.schema) {
    notValidated.push(manifest.id);
    findings.push({ severity: 'info', rule: 'not-validated', ...where, message: `${apiVersion} ${kind}: the CRD ${served.crd} gives no schema for ${version}: not validated` });
    return;
  }
  // apiVersion, kind and metadata belong to every object: metadata is checked as the API server
  // does, against ObjectMeta, whatever the CRD's schema says of it.
  const { apiVersion: _apiVersion, kind: _kind, metadata, ...rest } = manifest.object;
  const body: SchemaNode = { ...served.schema, properties: { ...served.schema.properties } };
  for (const implicit of ['apiVersion', 'kind', 'metadata']) delete body.properties?.[implicit];
  if (body.required) body.required = body.required.filter((field) => !['apiVersion', 'kind', 'metadata'].includes(field));
  const context: WalkContext = { types: {}, builtIn: false, problems: [] };
  validateValue(body, rest, '', context);
  const metaContext: WalkContext = { types, builtIn: true, problems: [] };
  validateValue({ $ref: OBJECT_META_TYPE }, metadata, 'metadata', metaContext);
  report([...metaContext.problems, ...context.problems], `the CRD ${served.crd} (${served.file})`);
}
