// A throwaway OCI registry (the CNCF distribution server, built into .tools by
// `npm run provision`; Debian's docker-registry package as a fallback) on
// loopback, so tests can exercise `oci://` dependencies without reaching any
// public registry.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { repoRoot, toolchainManifest } from './tools.js';

export const fixtureChartsDir = join(repoRoot, 'test', 'fixtures', 'dependency-charts');

const FALLBACK_BINARY = '/usr/bin/docker-registry';
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

export interface Registry {
  /** "127.0.0.1:PORT" */
  host: string;
  /** "oci://127.0.0.1:PORT/charts" */
  url: string;
  /** Kills the registry and deletes its storage; safe to call more than once. */
  stop(): Promise<void>;
}

export type RegistryAvailability = { ok: true } | { ok: false; reason: string };

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function provisionedRegistry(): string | undefined {
  const tool = toolchainManifest()?.tools.find((candidate) => candidate.role === 'registry');
  return tool && isExecutable(join(repoRoot, tool.path)) ? join(repoRoot, tool.path) : undefined;
}

function findRegistryBinary(): string | undefined {
  const provisioned = provisionedRegistry();
  if (provisioned) return provisioned;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, 'docker-registry'))) return join(dir, 'docker-registry');
  }
  // /usr/bin may be missing from a minimal PATH in some CI environments.
  return isExecutable(FALLBACK_BINARY) ? FALLBACK_BINARY : undefined;
}

export function registryAvailable(): RegistryAvailability {
  return findRegistryBinary()
    ? { ok: true }
    : {
        ok: false,
        reason:
          'no OCI registry: `npm run provision` builds the distribution registry into .tools (it needs Go), ' +
          "or install Debian's docker-registry (apt-get install docker-registry)",
      };
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error('no port assigned'))));
    });
  });
}

// Process groups and storage dirs still alive, cleaned up synchronously if
// this process calls exit() without stop() having run.
const liveGroups = new Set<number>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const group of liveGroups) killGroup(group, 'SIGKILL');
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  });
}

// 'exit' hooks do not run when this process dies by a signal, and vitest's
// forks pool ends its workers with SIGTERM. So the registry runs under a tiny
// sh watchdog that holds our stdin pipe: when this process goes away in any
// way the pipe hits EOF, and the watchdog kills the registry and deletes its
// directory. fd 3 is needed because a background job's stdin is /dev/null.
const WATCHDOG = [
  'exec 3<&0',
  '"$1" serve "$2/config.yml" </dev/null &',
  'reg=$!',
  '{',
  '  read -r line <&3',
  '  kill "$reg" 2>/dev/null',
  '  while kill -0 "$reg" 2>/dev/null; do sleep 0.1; done',
  '  rm -rf "$2"',
  '} &',
  'wait "$reg"',
].join('\n');

interface Running {
  child: ChildProcess;
  dir: string;
  output: () => string;
  exited: Promise<number | null>;
  hasExited: () => boolean;
}

function launch(binary: string, dir: string): Running {
  // detached: own process group, so a wedged watchdog and the registry can be
  // killed together.
  const child = spawn('sh', ['-c', WATCHDOG, 'sh', binary, dir], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) liveGroups.add(child.pid);
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-16_384);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let done = false;
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code) => {
      done = true;
      resolveExit(code);
    });
    child.once('error', (err) => {
      done = true;
      keep(Buffer.from(`${err.message}\n`));
      resolveExit(null);
    });
  });
  return { child, dir, output: () => log, exited, hasExited: () => done };
}

async function waitUntilReady(host: string, running: Running): Promise<'ready' | 'exited'> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (running.hasExited()) return 'exited';
    try {
      const res = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 200) return 'ready';
    } catch {
      // Not listening yet.
    }
    await delay(100);
  }
  throw new Error(
    `the registry on ${host} did not answer GET /v2/ with 200 within ${READY_TIMEOUT_MS / 1000}s. Output:\n${running.output()}`,
  );
}

async function terminate(running: Running): Promise<void> {
  const pid = running.child.pid;
  running.child.stdin?.end(); // the watchdog's cue to kill the registry
  if (!running.hasExited()) await Promise.race([running.exited, delay(STOP_TIMEOUT_MS)]);
  if (pid !== undefined) {
    if (!running.hasExited()) killGroup(pid, 'SIGKILL');
    liveGroups.delete(pid);
  }
  await running.exited;
  await rm(running.dir, { recursive: true, force: true });
  liveDirs.delete(running.dir);
}

async function writeConfig(dir: string, host: string): Promise<void> {
  await writeFile(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'storage:',
      `  filesystem: {rootdirectory: ${JSON.stringify(join(dir, 'storage'))}}`,
      '  delete: {enabled: true}',
      `http: {addr: "${host}"}`,
      'log: {level: error}',
      '',
    ].join('\n'),
  );
}

export async function startRegistry(): Promise<Registry> {
  const binary = findRegistryBinary();
  if (!binary) throw new Error((registryAvailable() as { reason: string }).reason);
  installExitHook();

  // The free port is only reserved until close(), so another process can grab
  // it before the registry binds; retry with a fresh port in that case.
  for (let tries = 1; ; tries++) {
    const host = `127.0.0.1:${await freeLoopbackPort()}`;
    const dir = await mkdtemp(join(tmpdir(), 'chartwright-registry-'));
    liveDirs.add(dir);
    await writeConfig(dir, host);

    const running = launch(binary, dir);
    let state: 'ready' | 'exited';
    try {
      state = await waitUntilReady(host, running);
    } catch (err) {
      await terminate(running);
      throw err;
    }
    if (state === 'exited') {
      const output = running.output();
      await terminate(running);
      if (tries < 3 && /address already in use/i.test(output)) continue;
      throw new Error(`the registry exited before becoming ready. Output:\n${output}`);
    }

    let stopping: Promise<void> | undefined;
    return {
      host,
      url: `oci://${host}/charts`,
      stop: () => (stopping ??= terminate(running)),
    };
  }
}

/**
 * `helm package`s every chart directory under test/fixtures/dependency-charts
 * and `helm push`es it to `registryUrl` (e.g. oci://127.0.0.1:PORT/charts).
 */
export async function pushFixtureCharts(
  helmPath: string,
  registryUrl: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const out = await mkdtemp(join(tmpdir(), 'chartwright-packages-'));
  const run = (args: string[]) => execa(helmPath, args, { env, stdin: 'ignore' });
  try {
    const entries = await readdir(fixtureChartsDir, { withFileTypes: true });
    const charts = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
    if (charts.length === 0) throw new Error(`no fixture charts under ${fixtureChartsDir}`);
    for (const chart of charts) {
      await run(['package', join(fixtureChartsDir, chart), '--destination', out]);
    }
    const packages = (await readdir(out)).filter((f) => f.endsWith('.tgz')).sort();
    for (const pkg of packages) {
      // The test registry speaks plain HTTP; helm 4 refuses it without this flag.
      await run(['push', join(out, pkg), registryUrl, '--plain-http']);
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
