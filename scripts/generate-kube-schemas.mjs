#!/usr/bin/env node
// Regenerates schemas/ (committed; run by hand after `npm run build`, which compiles the
// compaction code this script shares with the validator):
//
//   node scripts/generate-kube-schemas.mjs
//
// For every Kubernetes minor from 1.15 to the newest it fetches the k8s.io/kubernetes Go module of
// the pinned release with `go mod download -json` (checksums verified by the Go toolchain against
// the checksum database) and reads the release's own API definitions:
// - api/openapi-spec/v3/*.json (1.24 and later) or api/openapi-spec/swagger.json (older);
// - pkg/generated/openapi/zz_generated.openapi.go for enums: the checked-in spec is generated with
//   OpenAPIEnums=false (hack/update-openapi-spec.sh), while a real API server serves the enums of
//   these same Go definitions (OpenAPIEnums is beta and on since 1.24), so they are put back.
// It writes, for every bundled minor, schemas/kubernetes-<minor>.json.gz (compactOpenApiV3 or
// compactSwaggerV2 of src/kube/openapi.ts) and schemas/index.json: the bundled minors and the
// removed-API table, derived from the specs (an apiVersion/kind present in minor N-1 and absent in
// minor N was removed in N), and the API groups Kubernetes itself serves.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('../', import.meta.url));
const { compactOpenApiV3, compactSwaggerV2 } = await import(new URL('../dist/kube/openapi.js', import.meta.url).href).catch(() => {
  process.stderr.write('dist/kube/openapi.js is missing: run `npm run build` first\n');
  process.exit(2);
});

/** The release read for each minor: the default target minors are pinned, the others are each minor's last patch. */
const RELEASES = {
  '1.15': 'v1.15.12',
  '1.16': 'v1.16.15',
  '1.17': 'v1.17.17',
  '1.18': 'v1.18.20',
  '1.19': 'v1.19.16',
  '1.20': 'v1.20.15',
  '1.21': 'v1.21.14',
  '1.22': 'v1.22.17',
  '1.23': 'v1.23.17',
  '1.24': 'v1.24.17',
  '1.25': 'v1.25.16',
  '1.26': 'v1.26.15',
  '1.27': 'v1.27.16',
  '1.28': 'v1.28.15',
  '1.29': 'v1.29.15',
  '1.30': 'v1.30.14',
  '1.31': 'v1.31.14',
  '1.32': 'v1.32.13',
  '1.33': 'v1.33.13',
  '1.34': 'v1.34.7',
  '1.35': 'v1.35.4',
  '1.36': 'v1.36.3',
  '1.37': 'v1.37.2',
};

/** Minors whose schemas ship (`--kube-version` accepts 1.20 and later). */
const BUNDLED_FROM = 20;

/** Kinds with no successor API, and what the migration guide points to instead. */
const NO_SUCCESSOR = {
  PodSecurityPolicy: 'Pod Security Admission (no replacement API)',
};

const sorted = (record) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * The specs are generated with every API enabled (--runtime-config=api/all=true), so they still
 * list the versions that Kubernetes 1.16 stopped serving by default, until their code went in
 * 1.18. For these the table takes the minor of the deprecated API migration guide.
 */
const STOPPED_SERVING = [
  { removedIn: '1.16', apiVersion: 'extensions/v1beta1', kinds: ['DaemonSet', 'Deployment', 'NetworkPolicy', 'PodSecurityPolicy', 'ReplicaSet'] },
  { removedIn: '1.16', apiVersion: 'apps/v1beta1' },
  { removedIn: '1.16', apiVersion: 'apps/v1beta2' },
];

const minorOf = (minor) => Number(minor.split('.')[1]);

function download(version) {
  const env = { ...process.env, GOWORK: 'off', GOFLAGS: [process.env.GOFLAGS, '-modcacherw'].filter(Boolean).join(' ') };
  // Outside any Go module or workspace, so nothing local changes what is fetched.
  const cwd = mkdtempSync(join(tmpdir(), 'chartwright-gomod-'));
  try {
    const go = process.env.GO ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go');
    const output = execFileSync(go, ['mod', 'download', '-json', `k8s.io/kubernetes@${version}`], { cwd, env, encoding: 'utf8', maxBuffer: 1 << 24 });
    const info = JSON.parse(output);
    if (info.Error) throw new Error(`go mod download k8s.io/kubernetes@${version}: ${info.Error}`);
    return info;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/**
 * Enums of the generated Go definitions: `{ definition, path, values }`, path being the steps
 * (`properties`, name, `items`, `additionalProperties`) from the definition to the enum's node.
 * The file is gofmt-formatted generated code, so nesting follows its `{`/`}` line ends.
 */
function generatedEnums(source) {
  const imports = new Map();
  for (const match of source.matchAll(/^\s+(\w+)\s+"([^"]+)"$/gm)) imports.set(match[1], match[2]);
  // Function → Go type path, from the definitions map (quoted paths, or Type{}.OpenAPIModelName()).
  const functionType = new Map();
  for (const match of source.matchAll(/^\s+"([^"]+)":\s+(schema_\w+)\(ref\),$/gm)) functionType.set(match[2], match[1]);
  for (const match of source.matchAll(/^\s+(\w+)\.(\w+)\{\}\.OpenAPIModelName\(\):\s+(schema_\w+)\(ref\),$/gm)) {
    const pkg = imports.get(match[1]);
    if (pkg) functionType.set(match[3], `${pkg}.${match[2]}`);
  }
  const enums = [];
  let current;
  let stack = [];
  for (const line of source.split('\n')) {
    const start = /^func (schema_\w+)\(ref common\.ReferenceCallback\) common\.OpenAPIDefinition \{$/.exec(line);
    if (start) {
      current = functionType.get(start[1]);
      stack = [];
      continue;
    }
    if (!current) continue;
    const text = line.trim();
    if (text.startsWith('Enum:')) {
      const values = /^Enum:\s+\[\]interface\{\}\{(.*?)\}\}*,$/.exec(text);
      if (!values) throw new Error(`cannot read enum line in ${current}: ${text}`);
      const path = [];
      stack.forEach((label, index) => {
        const property = /^"([^"]+)":$/.exec(label);
        if (property && stack[index - 1]?.startsWith('Properties:')) path.push('properties', property[1]);
        else if (label.startsWith('Items:')) path.push('items');
        else if (label.startsWith('AdditionalProperties:')) path.push('additionalProperties');
      });
      enums.push({ definition: openApiName(current), path, values: JSON.parse(`[${values[1]}]`) });
    }
    // Braces outside string literals give the nesting; a line that ends in one opens a labelled level.
    const code = text.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    const depth = (code.match(/\{/g)?.length ?? 0) - (code.match(/\}/g)?.length ?? 0);
    if (depth > 0 && code.endsWith('{')) {
      for (let extra = 1; extra < depth; extra++) stack.push('');
      stack.push(text.slice(0, -1).trim());
    } else if (depth > 0) for (let level = 0; level < depth; level++) stack.push('');
    else for (let level = 0; level < -depth; level++) stack.pop();
    if (stack.length === 0 && text === '}') current = undefined;
  }
  return enums;
}

/** Go type path → OpenAPI definition name: k8s.io/api/core/v1.Pod → io.k8s.api.core.v1.Pod. */
function openApiName(goPath) {
  const [domain, ...rest] = goPath.split('/');
  return [...domain.split('.').reverse(), ...rest].join('.').replace(/\/+/g, '.');
}

/** Puts the served enums back into the spec documents' schemas, as an API server does. */
function addEnums(schemasByName, enums) {
  let added = 0;
  const missing = [];
  for (const { definition, path, values } of enums) {
    let node = schemasByName(definition);
    for (const step of path) node = node?.[step] && typeof node[step] === 'object' ? node[step] : undefined;
    if (!node) {
      missing.push(`${definition}.${path.join('.')}`);
      continue;
    }
    node.enum = values;
    added++;
  }
  return { added, missing };
}

function readSpec(dir, version) {
  const v3 = join(dir, 'api', 'openapi-spec', 'v3');
  const generated = join(dir, 'pkg', 'generated', 'openapi', 'zz_generated.openapi.go');
  const enums = existsSync(generated) ? generatedEnums(readFileSync(generated, 'utf8')) : [];
  if (existsSync(v3)) {
    const documents = readdirSync(v3)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => JSON.parse(readFileSync(join(v3, name), 'utf8')));
    const lookup = (name) => documents.map((document) => document.components?.schemas?.[name]).filter(Boolean);
    // A type is repeated in every document that uses it: each copy gets the enums.
    const result = { added: 0, missing: [] };
    for (const enumeration of enums) {
      const copies = lookup(enumeration.definition);
      if (copies.length === 0) result.missing.push(enumeration.definition);
      for (const copy of copies) {
        const { added, missing } = addEnums(() => copy, [enumeration]);
        result.added += added;
        result.missing.push(...missing);
      }
    }
    if (result.missing.length) process.stderr.write(`${version}: ${result.missing.length} enums of Go types the spec does not serve (skipped)\n`);
    // The v3 documents of 1.23-1.26 lack the aggregator's group (apiregistration.k8s.io): what
    // only swagger.json defines is taken from there.
    const compact = compactOpenApiV3(documents);
    const swagger = compactSwaggerV2(JSON.parse(readFileSync(join(dir, 'api', 'openapi-spec', 'swagger.json'), 'utf8')));
    const fromV2 = Object.keys(swagger.types).filter((name) => !(name in compact.types));
    for (const name of fromV2) compact.types[name] = swagger.types[name];
    for (const [key, name] of Object.entries(swagger.kinds)) if (!(key in compact.kinds)) compact.kinds[key] = name;
    return { format: fromV2.length ? 'openapi-v3+swagger-v2' : 'openapi-v3', enums: enums.length, compact: { kinds: sorted(compact.kinds), types: sorted(compact.types) } };
  }
  const swagger = JSON.parse(readFileSync(join(dir, 'api', 'openapi-spec', 'swagger.json'), 'utf8'));
  const { missing } = addEnums((name) => swagger.definitions?.[name], enums);
  if (missing.length) process.stderr.write(`${version}: ${missing.length} enums not placed\n`);
  return { format: 'swagger-v2', enums: enums.length, compact: compactSwaggerV2(swagger) };
}

/** Kinds one applies as manifests: not meta types (DeleteOptions, WatchEvent, ...) and not lists. */
function manifestKinds(compact) {
  return Object.entries(compact.kinds)
    .filter(([key, type]) => !type.startsWith('io.k8s.apimachinery.') && !key.endsWith('List'))
    .map(([key]) => key);
}

const splitKey = (key) => {
  const slash = key.lastIndexOf('/');
  return { apiVersion: key.slice(0, slash), kind: key.slice(slash + 1) };
};
const groupOf = (apiVersion) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

/** Kubernetes version order: v1 > v1beta2 > v1beta1 > v1alpha1. */
function versionRank(apiVersion) {
  const version = apiVersion.slice(apiVersion.indexOf('/') + 1);
  const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
  if (!match) return 0;
  const stability = match[2] === 'alpha' ? 0 : match[2] === 'beta' ? 1 : 2;
  return stability * 1e6 + Number(match[1]) * 1e3 + Number(match[3] ?? 0);
}

/** The API that serves the same kind in minor N: its own group first, then another group. */
function successor(removed, kindsInMinor) {
  const { apiVersion, kind } = splitKey(removed);
  const candidates = kindsInMinor.map(splitKey).filter((candidate) => candidate.kind === kind && candidate.apiVersion !== apiVersion);
  const rank = (candidate) => (groupOf(candidate.apiVersion) === groupOf(apiVersion) ? 1e8 : 0) + versionRank(candidate.apiVersion);
  const best = candidates.sort((a, b) => rank(b) - rank(a))[0];
  return best ? `${best.apiVersion} ${kind}` : (NO_SUCCESSOR[kind] ?? 'no replacement');
}

function main() {
  const started = performance.now();
  const outDir = join(root, 'schemas');
  mkdirSync(outDir, { recursive: true });
  const index = { generatedBy: 'scripts/generate-kube-schemas.mjs', minors: {}, builtInGroups: [], removedApis: [] };
  const groups = new Set();
  let previous;
  for (const [minor, version] of Object.entries(RELEASES)) {
    const info = download(version);
    const spec = readSpec(info.Dir, version);
    const kinds = manifestKinds(spec.compact);
    if (previous) {
      const present = new Set(kinds);
      for (const key of previous.kinds.filter((kind) => !present.has(kind))) {
        const { apiVersion, kind } = splitKey(key);
        const guide = STOPPED_SERVING.find((entry) => entry.apiVersion === apiVersion && (!entry.kinds || entry.kinds.includes(kind)));
        const row = { apiVersion, kind, removedIn: minor, source: 'spec', replacement: successor(key, kinds) };
        if (guide) Object.assign(row, { removedIn: guide.removedIn, source: `migration guide (in the spec until ${previous.minor})` });
        index.removedApis.push(row);
      }
    }
    for (const key of Object.keys(spec.compact.kinds)) groups.add(groupOf(splitKey(key).apiVersion));
    previous = { minor, kinds };
    if (minorOf(minor) >= BUNDLED_FROM) {
      const file = `kubernetes-${minor}.json.gz`;
      const data = gzipSync(JSON.stringify({ kubernetes: version, source: spec.format, ...spec.compact }), { level: 9 });
      writeFileSync(join(outDir, file), data);
      index.minors[minor] = { kubernetes: version, moduleSum: info.Sum, source: spec.format, file, bytes: data.length };
    }
    process.stderr.write(
      `${minor} (${version}, ${spec.format}): ${Object.keys(spec.compact.types).length} types, ${kinds.length} kinds, ${spec.enums} enums${index.minors[minor] ? `, ${index.minors[minor].bytes} bytes` : ''}\n`,
    );
  }
  // Every group some minor serves: an apiVersion of another group is a custom resource's.
  index.builtInGroups = [...groups].sort();
  index.removedApis.sort((a, b) => minorOf(a.removedIn) - minorOf(b.removedIn) || (a.apiVersion < b.apiVersion ? -1 : a.apiVersion > b.apiVersion ? 1 : a.kind < b.kind ? -1 : 1));
  writeFileSync(join(outDir, 'index.json'), `${JSON.stringify(index, null, 1)}\n`);
  const total = Object.values(index.minors).reduce((sum, entry) => sum + entry.bytes, 0);
  process.stderr.write(`wrote schemas/: ${Object.keys(index.minors).length} minors, ${total} bytes, ${index.removedApis.length} removed APIs, in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

main();
