import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from '../paths.js';
import type { Finding } from './findings.js';
import type { Manifest } from './manifests.js';

/**
 * Kubernetes minors whose OpenAPI schemas ship with chartwright, each from a kubernetes-models
 * release generated from that minor's OpenAPI (npm aliases k8s-schema-<minor>). A newer target
 * minor is validated against the newest of these, and the report says so.
 */
export const SCHEMA_MINORS = ['1.33', '1.34'] as const;

/**
 * Built-in API versions removed from Kubernetes, by the minor that removed them
 * (Kubernetes deprecated API migration guide).
 */
const REMOVED_APIS: { apiVersion: string; kinds?: string[]; removedIn: number; replacement: string }[] = [
  { apiVersion: 'extensions/v1beta1', removedIn: 22, replacement: 'apps/v1 or networking.k8s.io/v1' },
  { apiVersion: 'apps/v1beta1', removedIn: 16, replacement: 'apps/v1' },
  { apiVersion: 'apps/v1beta2', removedIn: 16, replacement: 'apps/v1' },
  { apiVersion: 'networking.k8s.io/v1beta1', removedIn: 22, replacement: 'networking.k8s.io/v1' },
  { apiVersion: 'rbac.authorization.k8s.io/v1beta1', removedIn: 22, replacement: 'rbac.authorization.k8s.io/v1' },
  { apiVersion: 'admissionregistration.k8s.io/v1beta1', removedIn: 22, replacement: 'admissionregistration.k8s.io/v1' },
  { apiVersion: 'apiextensions.k8s.io/v1beta1', removedIn: 22, replacement: 'apiextensions.k8s.io/v1' },
  { apiVersion: 'certificates.k8s.io/v1beta1', removedIn: 22, replacement: 'certificates.k8s.io/v1' },
  { apiVersion: 'coordination.k8s.io/v1beta1', removedIn: 22, replacement: 'coordination.k8s.io/v1' },
  { apiVersion: 'scheduling.k8s.io/v1beta1', removedIn: 22, replacement: 'scheduling.k8s.io/v1' },
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'], removedIn: 22, replacement: 'storage.k8s.io/v1' },
  { apiVersion: 'batch/v1beta1', removedIn: 25, replacement: 'batch/v1' },
  { apiVersion: 'policy/v1beta1', removedIn: 25, replacement: 'policy/v1 (PodSecurityPolicy has no replacement: use Pod Security Admission)' },
  { apiVersion: 'autoscaling/v2beta1', removedIn: 25, replacement: 'autoscaling/v2' },
  { apiVersion: 'discovery.k8s.io/v1beta1', removedIn: 25, replacement: 'discovery.k8s.io/v1' },
  { apiVersion: 'events.k8s.io/v1beta1', removedIn: 25, replacement: 'events.k8s.io/v1' },
  { apiVersion: 'node.k8s.io/v1beta1', removedIn: 25, replacement: 'node.k8s.io/v1' },
  { apiVersion: 'autoscaling/v2beta2', removedIn: 26, replacement: 'autoscaling/v2' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1', removedIn: 26, replacement: 'flowcontrol.apiserver.k8s.io/v1' },
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIStorageCapacity'], removedIn: 27, replacement: 'storage.k8s.io/v1' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', removedIn: 29, replacement: 'flowcontrol.apiserver.k8s.io/v1' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', removedIn: 32, replacement: 'flowcontrol.apiserver.k8s.io/v1' },
];

type FieldShape = { ref?: string; array?: FieldShape; map?: FieldShape; leaf?: true; required?: true };

interface Shapes {
  minor: string;
  package: string;
  kinds: Record<string, string>;
  types: Record<string, Record<string, FieldShape>>;
}

type CompiledValidator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
}

const shapesCache = new Map<string, Shapes>();
const validatorCache = new Map<string, Promise<CompiledValidator>>();

/** The bundled schema minor used for a target minor: the newest one not newer than it. */
export function schemaMinorFor(target: string): string {
  const minor = minorNumber(target);
  const candidates = SCHEMA_MINORS.filter((candidate) => minorNumber(candidate) <= minor);
  return candidates[candidates.length - 1] ?? SCHEMA_MINORS[0];
}

export function minorNumber(version: string): number {
  const match = /^v?1\.(\d+)/.exec(version);
  if (!match) throw new Error(`not a Kubernetes 1.x version: ${version}`);
  return Number(match[1]);
}

function loadShapes(minor: string): Shapes {
  let shapes = shapesCache.get(minor);
  if (!shapes) {
    const file = join(PACKAGE_ROOT, 'dist', 'kube-shapes', `${minor}.json`);
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\``);
    shapes = JSON.parse(readFileSync(file, 'utf8')) as Shapes;
    shapesCache.set(minor, shapes);
  }
  return shapes;
}

function packageDir(name: string): string {
  for (let dir = PACKAGE_ROOT; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`schema package ${name} is not installed`);
  }
}

function validatorFor(shapes: Shapes, typeName: string): Promise<CompiledValidator> {
  const key = `${shapes.package}:${typeName}`;
  let validator = validatorCache.get(key);
  if (!validator) {
    // By file URL: the packages' export maps differ between releases.
    const url = pathToFileURL(join(packageDir(shapes.package), '_schemas', `${typeName}.js`)).href;
    validator = import(url).then((module: { validate: CompiledValidator }) => module.validate);
    validatorCache.set(key, validator);
  }
  return validator;
}

const isBuiltInGroup = (apiVersion: string) => {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return group === '' || !group.includes('.') || group.endsWith('.k8s.io');
};

function describeError(error: AjvError): string {
  const where = error.instancePath ? error.instancePath.slice(1).replace(/\//g, '.') : '(object)';
  switch (error.keyword) {
    case 'required':
      return `${where === '(object)' ? '' : `${where}.`}${String(error.params.missingProperty)}: required field is missing`;
    case 'type':
      return `${where}: wrong type, must be ${String(error.params.type)}`;
    case 'enum':
      return `${where}: value not allowed, must be one of ${(error.params.allowedValues as unknown[]).map(String).join(', ')}`;
    default:
      return `${where}: ${error.keyword} ${JSON.stringify(error.params)}`;
  }
}

/** Fields the schema does not know, anywhere in the object (what strict field validation rejects). */
function unknownFields(shapes: Shapes, typeName: string, value: unknown, path: string, out: string[]): void {
  const fields = shapes.types[typeName];
  if (!fields || value === null || typeof value !== 'object' || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const shape = fields[key];
    const childPath = path ? `${path}.${key}` : key;
    if (!shape) {
      out.push(childPath);
      continue;
    }
    walkShape(shapes, shape, child, childPath, out);
  }
}

function walkShape(shapes: Shapes, shape: FieldShape, value: unknown, path: string, out: string[]): void {
  if (shape.ref) unknownFields(shapes, shape.ref, value, path, out);
  else if (shape.array && Array.isArray(value)) value.forEach((item, index) => walkShape(shapes, shape.array as FieldShape, item, `${path}[${index}]`, out));
  else if (shape.map && value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) walkShape(shapes, shape.map, item, `${path}.${key}`, out);
  }
}

export interface SchemaOutcome {
  findings: Finding[];
  /** Objects of kinds with no schema (custom resources): reported, never silently passed. */
  notValidated: string[];
  schemaMinor: string;
}

// Same objects, same schema and same removed APIs give the same outcome: target minors newer than
// the newest bundled schema share one validation.
const outcomes = new WeakMap<readonly Manifest[], Map<string, Promise<SchemaOutcome>>>();

/** Validates rendered objects against the schema of one target minor. */
export function validateManifests(manifests: readonly Manifest[], targetMinor: string): Promise<SchemaOutcome> {
  const removedKey = REMOVED_APIS.filter((api) => api.removedIn <= minorNumber(targetMinor)).length;
  const key = `${schemaMinorFor(targetMinor)}:${removedKey}`;
  let forManifests = outcomes.get(manifests);
  if (!forManifests) outcomes.set(manifests, (forManifests = new Map()));
  let outcome = forManifests.get(key);
  if (!outcome) forManifests.set(key, (outcome = validateUncached(manifests, targetMinor)));
  return outcome;
}

async function validateUncached(manifests: readonly Manifest[], targetMinor: string): Promise<SchemaOutcome> {
  const schemaMinor = schemaMinorFor(targetMinor);
  const shapes = loadShapes(schemaMinor);
  const target = minorNumber(targetMinor);
  const findings: Finding[] = [];
  const notValidated: string[] = [];
  for (const manifest of manifests) {
    const { apiVersion, kind } = manifest;
    const where = { file: manifest.source, object: manifest.id };
    const removed = REMOVED_APIS.find(
      (api) => api.apiVersion === apiVersion && (!api.kinds || api.kinds.includes(kind)) && api.removedIn <= target,
    );
    if (removed) {
      findings.push({ severity: 'error', rule: 'removed-api', ...where, message: `${apiVersion} ${kind} was removed in Kubernetes 1.${removed.removedIn}; use ${removed.replacement}` });
      continue;
    }
    const typeName = shapes.kinds[`${apiVersion}/${kind}`];
    if (!typeName) {
      if (isBuiltInGroup(apiVersion)) {
        findings.push({ severity: 'error', rule: 'unknown-api', ...where, message: `${apiVersion} ${kind} does not exist in Kubernetes ${schemaMinor}` });
      } else {
        notValidated.push(manifest.id);
        findings.push({ severity: 'info', rule: 'not-validated', ...where, message: `${apiVersion} ${kind} is a custom resource with no bundled schema: not validated` });
      }
      continue;
    }
    const validate = await validatorFor(shapes, typeName);
    if (!validate(manifest.object)) {
      for (const error of validate.errors ?? []) findings.push({ severity: 'error', rule: 'schema', ...where, message: describeError(error) });
    }
    const unknown: string[] = [];
    unknownFields(shapes, typeName, manifest.object, '', unknown);
    for (const path of unknown) {
      findings.push({ severity: 'error', rule: 'unknown-field', ...where, message: `${path}: unknown field (not in the ${kind} schema of Kubernetes ${schemaMinor})` });
    }
  }
  return { findings, notValidated, schemaMinor };
}
