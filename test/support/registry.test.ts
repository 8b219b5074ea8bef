// Exercises the test support itself with real binaries: the fixture charts
// must lint on both helm majors, and the local registry must serve them to
// both, since chart tests depend on that.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { fixtureChartsDir, pushFixtureCharts, registryAvailable, startRegistry, type Registry } from './registry.js';
import { helmBinaries, isolatedHelmEnv } from './tools.js';

const helms = helmBinaries();
const helm4 = helms.find((h) => h.label === 'helm4')!;
const FIXTURES = ['postgresql', 'valkey'];

describe('fixture dependency charts', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'chartwright-lint-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  for (const helm of helms) {
    for (const chart of FIXTURES) {
      it(`${chart} passes helm lint --strict with ${helm.label} (${helm.version})`, async () => {
        const res = await execa(helm.path, ['lint', '--strict', join(fixtureChartsDir, chart)], {
          env: isolatedHelmEnv(join(work, helm.label)),
          reject: false,
          stdin: 'ignore',
        });
        expect(res.exitCode, `${res.stdout}\n${res.stderr}`).toBe(0);
      });
    }
  }
});

const availability = registryAvailable();
if (!availability.ok) console.warn(`skipping local OCI registry tests: ${availability.reason}`);

describe.skipIf(!availability.ok)('local OCI registry', () => {
  let registry: Registry | undefined;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'chartwright-registry-test-'));
    registry = await startRegistry();
    await pushFixtureCharts(helm4.path, registry.url, isolatedHelmEnv(join(work, 'push')));
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  });

  for (const helm of helms) {
    it(`${helm.label} (${helm.version}) pulls postgresql 16.7.27 pushed by helm 4`, async () => {
      const dest = join(work, `pull-${helm.label}`);
      await mkdir(dest); // helm pull -d does not create the directory (both majors)
      const res = await execa(
        helm.path,
        ['pull', `${registry!.url}/postgresql`, '--version', '16.7.27', '--plain-http', '-d', dest],
        { env: isolatedHelmEnv(join(work, helm.label)), reject: false, stdin: 'ignore' },
      );
      expect(res.exitCode, `${res.stdout}\n${res.stderr}`).toBe(0);
      const tgz = join(dest, 'postgresql-16.7.27.tgz');
      expect(existsSync(tgz)).toBe(true);

      const shown = await execa(helm.path, ['show', 'chart', tgz], {
        env: isolatedHelmEnv(join(work, helm.label)),
        stdin: 'ignore',
      });
      expect(shown.stdout).toMatch(/^version: 16\.7\.27$/m);
      expect(shown.stdout).toMatch(/^appVersion: 17\.6\.0$/m);
    });
  }

  it(`helm 4 pulls valkey 0.9.4`, async () => {
    const dest = join(work, 'pull-valkey');
    await mkdir(dest);
    const res = await execa(
      helm4.path,
      ['pull', `${registry!.url}/valkey`, '--version', '0.9.4', '--plain-http', '-d', dest],
      { env: isolatedHelmEnv(join(work, 'helm4')), reject: false, stdin: 'ignore' },
    );
    expect(res.exitCode, `${res.stdout}\n${res.stderr}`).toBe(0);
    expect(existsSync(join(dest, 'valkey-0.9.4.tgz'))).toBe(true);
  });

  // Declared last: tests in a file run in order, so this runs after the pulls.
  it('stop() shuts the registry down and frees its port', async () => {
    const { host } = registry!;
    const before = await fetch(`http://${host}/v2/`);
    expect(before.status).toBe(200);

    await registry!.stop();
    await expect(fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  });
});
