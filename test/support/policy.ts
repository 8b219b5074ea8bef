// Manifests for the policy tests: YAML text as helm renders it (documents after `---`, each with its
// `# Source:` line) read as YAML 1.1, the way helm and Kubernetes read it. Objects are plain JSON
// copies, so YAML anchors in a fixture never make two containers share one security context.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { Manifest } from '../../src/verify/manifests.js';
import { repoRoot } from './tools.js';

type Json = Record<string, unknown>;

/** Parses rendered YAML into manifests; `source` is used for documents without a `# Source:` line. */
export function manifestsOf(text: string, source = 'templates/test.yaml'): Manifest[] {
  const manifests: Manifest[] = [];
  for (const chunk of text.split(/^---[ \t]*$/m)) {
    const file = /^# Source: [^/\s]+\/(\S+)/m.exec(chunk)?.[1] ?? source;
    const document = parseDocument(chunk, { version: '1.1', merge: true });
    if (document.errors.length) throw new Error(`fixture YAML does not parse: ${document.errors[0]?.message}`);
    const object = JSON.parse(JSON.stringify(document.toJS({ maxAliasCount: -1 }) ?? null)) as Json | null;
    if (!object) continue;
    const kind = String(object.kind);
    const name = String((object.metadata as Json | undefined)?.name ?? '');
    manifests.push({ source: file, apiVersion: String(object.apiVersion), kind, name, id: `${kind}/${name}`, object });
  }
  return manifests;
}

const HARDENED = readFileSync(join(repoRoot, 'test', 'fixtures', 'policy', 'hardened-release.yaml'), 'utf8');

/** A fresh copy of the hand-written release that passes every rule at class C, with helpers to change it. */
export class Release {
  manifests = manifestsOf(HARDENED);

  object(id: string): Json {
    const manifest = this.manifests.find((candidate) => candidate.id === id);
    if (!manifest) throw new Error(`test release has no ${id}`);
    return manifest.object;
  }

  /** The Deployment's pod spec. */
  pod(id = 'Deployment/app'): Json {
    return (((this.object(id).spec as Json).template as Json).spec as Json);
  }

  podMetadata(id = 'Deployment/app'): Json {
    return (((this.object(id).spec as Json).template as Json).metadata as Json);
  }

  /** A container of the Deployment: `app` (the app container) or `migrate` (the init container). */
  container(name = 'app'): Json {
    const pod = this.pod();
    const all = [...((pod.initContainers as Json[] | undefined) ?? []), ...((pod.containers as Json[] | undefined) ?? [])];
    const container = all.find((candidate) => candidate.name === name);
    if (!container) throw new Error(`test release has no container ${name}`);
    return container;
  }

  securityContext(name = 'app'): Json {
    return this.container(name).securityContext as Json;
  }

  /** Adds rendered YAML documents to the release. */
  add(yaml: string, source = 'templates/extra.yaml'): this {
    this.manifests.push(...manifestsOf(yaml, source));
    return this;
  }

  remove(id: string): this {
    const before = this.manifests.length;
    this.manifests = this.manifests.filter((manifest) => manifest.id !== id);
    if (this.manifests.length === before) throw new Error(`test release has no ${id}`);
    return this;
  }
}

/** A hardened container as a YAML list item whose dash sits at `indent` spaces, for objects a test adds. */
export function hardenedContainer(name: string, indent: number): string {
  const pad = ' '.repeat(indent + 2);
  return [
    `${' '.repeat(indent)}- name: ${name}`,
    `${pad}image: registry.example.com/app:1.0.0@sha256:0000000000000000000000000000000000000000000000000000000000000001`,
    `${pad}securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }`,
    `${pad}resources: { requests: { cpu: 10m, memory: 16Mi }, limits: { cpu: 10m, memory: 16Mi } }`,
  ].join('\n');
}
