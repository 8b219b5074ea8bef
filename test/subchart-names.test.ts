// The app finds its in-cluster dependencies by the names their charts give their Services, which
// depend on the release name: a release called "postgresql-app" gets a Service "postgresql-app",
// not "postgresql-app-postgresql". Rendered with real helm and the stand-in subcharts, whose
// naming rule is the real charts' fullname rule.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli, tempDir } from './support/cli.js';
import { fixtureChartsDir } from './support/registry.js';
import { helmBinaries, isolatedHelmEnv } from './support/tools.js';

const helm = helmBinaries().find((binary) => binary.label === 'helm4')!;

interface Rendered {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { template?: { spec?: { containers?: { name: string; env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string } } }[] }[] } } };
}

async function render(release: string, flags: string[], subcharts: string[]): Promise<Rendered[]> {
  const dir = await tempDir();
  const chart = join(dir, 'svc');
  const created = await runCli(['new', '--yes', '--no-verify', chart, '--name', 'svc', '--class', 'A', ...flags]);
  expect(created.exitCode, created.stderr).toBe(0);
  await mkdir(join(chart, 'charts'), { recursive: true });
  const env = isolatedHelmEnv(join(dir, 'helm'));
  for (const subchart of subcharts) await execa(helm.path, ['package', join(fixtureChartsDir, subchart), '--destination', join(chart, 'charts')], { env });
  const { stdout } = await execa(helm.path, ['template', release, chart], { env });
  return parseAllDocuments(stdout).map((document) => document.toJS() as Rendered).filter(Boolean);
}

const envOf = (objects: Rendered[]) => objects.find((object) => object.kind === 'Deployment' && object.metadata.name.includes('svc'))!.spec!.template!.spec!.containers![0]!.env!;
const serviceOf = (objects: Rendered[], chart: string) => objects.find((object) => object.kind === 'Service' && object.metadata.labels?.['app.kubernetes.io/name'] === chart)!.metadata.name;

describe('the app reaches its in-cluster dependencies by their real Service names', () => {
  it.each([
    ['postgresql-app', 'postgresql', 'DATABASE_HOST', ['--dependencies', 'postgresql', '--postgresql-provider', 'in-cluster']],
    ['records', 'postgresql', 'DATABASE_HOST', ['--dependencies', 'postgresql', '--postgresql-provider', 'in-cluster']],
    ['valkey-cache', 'valkey', 'REDIS_HOST', ['--dependencies', 'redis', '--redis-provider', 'in-cluster']],
    ['events', 'valkey', 'REDIS_HOST', ['--dependencies', 'redis', '--redis-provider', 'in-cluster']],
  ])('release %s: %s Service and %s agree', async (release, chart, variable, flags) => {
    const objects = await render(release, flags, [chart]);
    const host = envOf(objects).find((entry) => entry.name === variable)?.value;
    expect(host).toBe(serviceOf(objects, chart));
  });

  it('release nats-bus: NATS_URL names the NATS Service', async () => {
    const objects = await render('nats-bus', ['--dependencies', 'nats', '--nats-provider', 'in-cluster'], ['nats']);
    expect(envOf(objects).find((entry) => entry.name === 'NATS_URL')?.value).toBe(`nats://${serviceOf(objects, 'nats')}:4222`);
    expect(serviceOf(objects, 'nats')).toBe('nats-bus');
  });
});
