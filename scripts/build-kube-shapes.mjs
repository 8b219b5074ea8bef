#!/usr/bin/env node
// Builds dist/kube-shapes/<minor>.json from the kubernetes-models packages (installed under the
// aliases k8s-schema-<minor>). Their compiled validators check types, required fields and enums
// but accept unknown fields; the shapes list every known field of every object type, so
// chartwright can be strict about unknown fields (what `kubectl apply` with strict field
// validation rejects). Part of `npm run build`.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/** Kubernetes minor → npm alias of the kubernetes-models release generated from its OpenAPI. */
export const SCHEMA_PACKAGES = { '1.33': 'k8s-schema-1.33', '1.34': 'k8s-schema-1.34' };

async function dtsFiles(dir) {
  const files = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== '_schemas') files.push(...(await dtsFiles(full)));
    } else if (entry.name.endsWith('.d.ts')) files.push(full);
  }
  return files;
}

/** A TypeScript type expression as the walker needs it: a reference, a list, a map, or a leaf. */
function parseType(text) {
  const type = text.trim();
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { array: parseType(array[1]) };
  const map = /^\{ \[key: string\]: (.+) \}$/.exec(type);
  if (map) return { map: parseType(map[1]) };
  if (/^I?IoK8s\w+$/.test(type)) return { ref: type.replace(/^I(?=IoK8s)/, '') };
  return { leaf: true };
}

/** Reads one .d.ts of kubernetes-models: its interface's fields and the names it is exported as. */
function parseDeclaration(text) {
  // Drop doc comments and fold multi-line map types so each field sits on one line.
  const source = text.replace(/\/\*\*[\s\S]*?\*\//g, '').replace(/\{\s*\[key: string\]: ([^;{}]+);\s*\}/g, '{ [key: string]: $1 }');
  const body = /export interface (\w+)[^{]*\{([\s\S]*?)\n\}/.exec(source);
  const alias = /export (?:type )?\{ (\w+) as (I\w+)(?:, (\w+) as (\w+))? \}/.exec(source);
  if (!body || !alias || alias[1] !== body[1]) return undefined;
  const fields = {};
  for (const match of body[2].matchAll(/^\s{4}"([^"]+)"(\?)?: (.+)$/gm)) {
    // A field typed inline over several lines (e.g. Array<{...}>) is opaque: known, not walked.
    const type = match[3].endsWith(';') ? parseType(match[3].slice(0, -1)) : { leaf: true };
    fields[match[1]] = { ...type, ...(match[2] ? {} : { required: true }) };
  }
  const apiVersion = /^\s{4}"apiVersion": "([^"]+)";$/m.exec(body[2])?.[1];
  const kind = /^\s{4}"kind": "([^"]+)";$/m.exec(body[2])?.[1];
  return { name: alias[2].replace(/^I(?=IoK8s)/, ''), fields, apiVersion, kind };
}

/** Node's resolution of a package directory; these packages export no entry `require` can see. */
function findPackage(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`package ${name} not found from ${fromDir}; run npm install`);
  }
}

async function shapesOf(packageName) {
  const packageDir = findPackage(packageName, root);
  const apimachineryDir = findPackage('@kubernetes-models/apimachinery', packageDir);
  const types = {};
  const kinds = {};
  for (const dir of [packageDir, apimachineryDir]) {
    for (const file of (await dtsFiles(dir)).sort()) {
      const parsed = parseDeclaration(await readFile(file, 'utf8'));
      if (!parsed) continue;
      types[parsed.name] = parsed.fields;
      // List kinds are request/response envelopes, never manifests.
      if (parsed.apiVersion && parsed.kind && !parsed.kind.endsWith('List') && dir === packageDir) {
        kinds[`${parsed.apiVersion}/${parsed.kind}`] = parsed.name;
      }
    }
  }
  return { package: packageName, kinds: sortKeys(kinds), types: sortKeys(types) };
}

const sortKeys = (object) => Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : 1)));

async function main() {
  const outDir = join(root, 'dist', 'kube-shapes');
  await mkdir(outDir, { recursive: true });
  for (const [minor, packageName] of Object.entries(SCHEMA_PACKAGES)) {
    const shapes = await shapesOf(packageName);
    await writeFile(join(outDir, `${minor}.json`), JSON.stringify({ minor, ...shapes }));
    process.stderr.write(`kube shapes ${minor}: ${Object.keys(shapes.kinds).length} kinds, ${Object.keys(shapes.types).length} types\n`);
  }
}

await main();
