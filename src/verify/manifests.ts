// js-yaml here, not yaml: rendering output is parsed many times per run and it is several times faster.
import { loadAll, type YAMLException } from 'js-yaml';
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

/** Splits `helm template` output into objects; a document that does not parse is a finding. */
export function parseManifests(output: string): { manifests: Manifest[]; findings: Finding[] } {
  const cached = parsed.get(output);
  if (cached) return cached;
  const result = parseUncached(output);
  if (parsed.size >= PARSED_LIMIT) parsed.delete(parsed.keys().next().value as string);
  parsed.set(output, result);
  return result;
}

function parseUncached(output: string): { manifests: Manifest[]; findings: Finding[] } {
  const manifests: Manifest[] = [];
  const findings: Finding[] = [];
  // Helm starts every rendered document with "---" and a "# Source: <chart>/<path>" line.
  for (const chunk of output.split(/^---[ \t]*$/m)) {
    const source = /^# Source: [^/\s]+\/(\S+)/m.exec(chunk)?.[1] ?? 'templates/';
    let documents: unknown[];
    try {
      documents = loadAll(chunk);
    } catch (error) {
      const { reason, mark } = error as YAMLException;
      // Lines count from the document's own start, its "# Source:" line being line 1.
      const line = mark ? mark.line : undefined;
      findings.push({
        severity: 'error',
        file: source,
        message: `rendered YAML does not parse: ${reason ?? (error as Error).message}${line ? ` (line ${line} of the rendered document)` : ''}`,
      });
      continue;
    }
    for (const object of documents) {
      if (object === null || object === undefined) continue;
      if (typeof object !== 'object' || Array.isArray(object)) {
        findings.push({ severity: 'error', file: source, message: 'rendered document is not a Kubernetes object (a YAML mapping)' });
        continue;
      }
      const record = object as Record<string, unknown>;
      const metadata = (record.metadata ?? {}) as Record<string, unknown>;
      const kind = String(record.kind ?? '');
      const name = String(metadata.name ?? '');
      if (!record.apiVersion || !kind) {
        findings.push({ severity: 'error', file: source, message: 'rendered object has no apiVersion or kind' });
        continue;
      }
      manifests.push({ source, apiVersion: String(record.apiVersion), kind, name, id: `${kind}/${name}`, object: record });
    }
  }
  return { manifests, findings };
}
