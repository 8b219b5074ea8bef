import { parseAllDocuments } from 'yaml';
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

const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

/** Splits `helm template` output into objects; a document that does not parse is a finding. */
export function parseManifests(output: string): { manifests: Manifest[]; findings: Finding[] } {
  const manifests: Manifest[] = [];
  const findings: Finding[] = [];
  for (const document of parseAllDocuments(output)) {
    // Every document starts "# Source: <chart>/templates/<file>" in Helm 3 and 4.
    // The comment may attach to the document or to its top-level mapping.
    const comments = `${document.commentBefore ?? ''}\n${(document.contents as { commentBefore?: string } | null)?.commentBefore ?? ''}`;
    const source = /Source: [^/\s]+\/(\S+)/.exec(comments)?.[1] ?? 'templates/';
    if (document.errors.length > 0) {
      // The parser counts lines over the whole output; count from the document's own start instead.
      const firstLine = lineAt(output, document.range[0]);
      for (const error of document.errors) {
        const line = error.linePos ? error.linePos[0].line - firstLine + 1 : undefined;
        const reason = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.message;
        findings.push({
          severity: 'error',
          file: source,
          message: `rendered YAML does not parse: ${reason}${line ? ` (line ${line} of the rendered document)` : ''}`,
        });
      }
      continue;
    }
    const object = document.toJS() as unknown;
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
  return { manifests, findings };
}
