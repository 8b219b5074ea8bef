import { YAMLException } from 'js-yaml';
import { loadKubernetesYaml } from '../kube/yaml11.js';
import type { Finding } from './findings.js';

/** One object rendered by `helm template`. */
export interface Manifest {
  /** Template it came from, relative to the chart (templates/deployment.yaml). */
  source: string;
  apiVersion: string;
  kind: string;
  name: string;
  /** Kind/name, how findings name the object. */
  id: string;
  object: Record<string, unknown>;
}

// Renders for different Kubernetes minors are usually byte-identical: parse each text once. The
// results are shared, so callers must not change them.
const parsed = new Map<string, { manifests: Manifest[]; findings: Finding[] }>();
const PARSED_LIMIT = 64;

/**
 * Splits `helm template` output into objects, read as helm and kubectl read them (YAML 1.1,
 * src/kube/yaml11.ts); a document that does not parse is a finding. A list (`v1 List`, or any
 * `<Kind>List` with items) gives its items, as helm creates them one by one.
 */
export function parseManifests(output: string): { manifests: Manifest[]; findings: Finding[] } {
  const cached = parsed.get(output);
  if (cached) return cached;
  const result = parseUncached(output);
  if (parsed.size >= PARSED_LIMIT) parsed.delete(parsed.keys().next().value as string);
  parsed.set(output, result);
  return result;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function parseUncached(output: string): { manifests: Manifest[]; findings: Finding[] } {
  const manifests: Manifest[] = [];
  const findings: Finding[] = [];
  // Helm starts every rendered document with "---" and a "# Source: <chart>/<path>" line.
  for (const chunk of output.split(/^---[ \t]*$/m)) {
    const one = parseChunk(chunk);
    manifests.push(...one.manifests);
    findings.push(...one.findings);
  }
  return { manifests, findings };
}

// The renders of a chart's values sets share most of their documents (a dev ConfigMap differs,
// the Service does not): each distinct document is parsed once, and its objects are shared.
const parsedChunks = new Map<string, { manifests: Manifest[]; findings: Finding[] }>();
const CHUNK_LIMIT = 4096;

function parseChunk(chunk: string): { manifests: Manifest[]; findings: Finding[] } {
  let result = parsedChunks.get(chunk);
  if (!result) {
    result = parseChunkUncached(chunk);
    if (parsedChunks.size >= CHUNK_LIMIT) parsedChunks.delete(parsedChunks.keys().next().value as string);
    parsedChunks.set(chunk, result);
  }
  return result;
}

/** One rendered document (helm's `# Source:` line and what follows it). */
function parseChunkUncached(chunk: string): { manifests: Manifest[]; findings: Finding[] } {
  const manifests: Manifest[] = [];
  const findings: Finding[] = [];
  const source = /^# Source: [^/\s]+\/(\S+)/m.exec(chunk)?.[1] ?? 'templates/';
  let loaded: ReturnType<typeof loadKubernetesYaml>;
  try {
    loaded = loadKubernetesYaml(chunk);
  } catch (error) {
    const { reason, mark } = error instanceof YAMLException ? error : ({} as Partial<YAMLException>);
    // Lines count from the document's own start, its "# Source:" line being line 1.
    const line = mark ? mark.line : undefined;
    findings.push({
      severity: 'error',
      file: source,
      message: `rendered YAML does not parse: ${reason ?? (error as Error).message}${line ? ` (line ${line} of the rendered document)` : ''}`,
    });
    return { manifests, findings };
  }
  if (loaded.duplicateKey) {
    findings.push({
      severity: 'error',
      file: source,
      message: `rendered YAML has a duplicated mapping key (line ${loaded.duplicateKey.line} of the rendered document): helm and Kubernetes keep only its last value`,
    });
  }
  for (const { value: object, problems } of loaded.documents) {
    if (object === null) continue;
    if (!isObject(object)) {
      findings.push({ severity: 'error', file: source, message: 'rendered document is not a Kubernetes object (a YAML mapping)' });
      continue;
    }
    const id = objectId(object);
    for (const problem of problems) {
      findings.push({ severity: 'error', file: source, ...(id ? { object: id } : {}), message: `rendered YAML cannot be sent to Kubernetes: ${problem.path}: ${problem.message}` });
    }
    if (problems.length) continue;
    const kind = typeof object.kind === 'string' ? object.kind : '';
    if (kind.endsWith('List') && Array.isArray(object.items)) {
      const itemKind = kind.slice(0, -'List'.length);
      object.items.forEach((item, index) => {
        if (!isObject(item)) {
          findings.push({ severity: 'error', file: source, message: `${kind} item ${index} is not a Kubernetes object (a mapping)` });
          return;
        }
        // As helm's client (unstructured lists): an item with neither apiVersion nor kind takes the list's.
        const complete = item.apiVersion === undefined && item.kind === undefined && itemKind ? { ...item, apiVersion: object.apiVersion, kind: itemKind } : item;
        addManifest(complete, source, manifests, findings);
      });
      continue;
    }
    addManifest(object, source, manifests, findings);
  }
  return { manifests, findings };
}

function objectId(object: Record<string, unknown>): string | undefined {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  return typeof object.kind === 'string' && object.kind ? `${object.kind}/${String(metadata.name ?? '')}` : undefined;
}

function addManifest(object: Record<string, unknown>, source: string, manifests: Manifest[], findings: Finding[]): void {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  const kind = typeof object.kind === 'string' ? object.kind : '';
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
  if (!apiVersion || !kind) {
    findings.push({ severity: 'error', file: source, message: 'rendered object has no apiVersion or kind (or they are not strings)' });
    return;
  }
  const name = String(metadata.name ?? '');
  manifests.push({ source, apiVersion, kind, name, id: `${kind}/${name}`, object });
}
