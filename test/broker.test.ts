// The message broker part (NATS) end to end with real helm: the subchart comes from the loopback
// OCI registry (a stand-in fixture chart with the real chart's name, version, values keys and
// Service), then the rendered chart must wire the app to it and let nothing else through: the
// NATS_URL points at the subchart's Service, the NetworkPolicy opens exactly its client port on
// its pods, the class drives the cluster size, and the hardening reaches the broker's pods.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { collectAnswers } from '../src/answers/collect.js';
import { loadChartTemplates, planChart } from '../src/chart/plan.js';
import { NATS_CHART } from '../src/parts/nats.js';
import { soupOf } from '../src/parts/soup.js';
import { CHART_TEMPLATES_DIR, GENERATOR_VERSION } from '../src/paths.js';
import { verifyChart } from '../src/stages/verify.js';
import { detectHelm, HelmRunner } from '../src/tools/helm.js';
import { writeChartAtomically } from '../src/write/atomic.js';
import { pushFixtureCharts, registryAvailable, startRegistry, type Registry } from './support/registry.js';
import { helmBinaries, isolatedHelmEnv } from './support/tools.js';

type Json = Record<string, any>;

const availability = registryAvailable();
if (!availability.ok) console.warn(`skipping the message broker tests: ${availability.reason}`);

describe.skipIf(!availability.ok)('NATS broker part with its subchart from the loopback registry', () => {
  const helm4 = helmBinaries().find((helm) => helm.label === 'helm4')!;
  let registry: Registry | undefined;
  let work = '';
  let chartDir = '';
  const render = async (values: string[]) => {
    const result = await execa(helm4.path, ['template', 'rel', chartDir, ...values.flatMap((file) => ['-f', join(chartDir, file)])], {
      env: isolatedHelmEnv(join(work, 'home')),
      stdin: 'ignore',
    });
    return parseAllDocuments(result.stdout).map((doc) => doc.toJS() as Json).filter(Boolean);
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'chartwright-broker-'));
    registry = await startRegistry();
    await pushFixtureCharts(helm4.path, registry.url, isolatedHelmEnv(join(work, 'push-home')));
    const answers = await collectAnswers({ flags: { name: 'alarms', safetyClass: 'C', dependencies: 'nats' }, yes: true });
    chartDir = join(work, 'alarms');
    await writeChartAtomically(chartDir, planChart(answers, { generatorVersion: GENERATOR_VERSION, templates: loadChartTemplates(CHART_TEMPLATES_DIR) }), { force: false });
    const runner = new HelmRunner(await detectHelm(helm4.path));
    try {
      // The static stages of `chartwright test` over every values set (values.yaml, dev, prod).
      const report = await verifyChart({ helm: runner, chartDir, mirror: { url: registry.url, plainHttp: true } });
      // Policy errors on the stand-in subchart's objects (no NetworkPolicies) are counted apart;
      // everything of the chart's own must pass.
      const failed = report.charts[0]!.stages.filter(
        (result) => result.status !== 'passed' && !(result.stage === 'policy' && result.findings.every((f) => f.severity !== 'error' || f.file?.startsWith('charts/'))),
      );
      if (failed.length) throw new Error(failed.map((result) => `${result.stage}: ${result.findings.map((f) => f.message).join(' | ')}`).join('\n'));
    } finally {
      await runner.dispose();
    }
  });
  afterAll(async () => {
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('declares the official chart, pinned exactly, and lists it and its images as SOUP', async () => {
    const chart = parseYaml(await readFile(join(chartDir, 'Chart.yaml'), 'utf8')) as Json;
    expect(chart.dependencies).toEqual([{ name: 'nats', version: NATS_CHART.version, repository: NATS_CHART.repository, condition: 'nats.enabled' }]);
    const answers = await collectAnswers({ flags: { name: 'alarms', safetyClass: 'C', dependencies: 'nats' }, yes: true });
    expect(soupOf(answers).map((item) => `${item.kind} ${item.name}`)).toEqual([
      'subchart nats',
      'image docker.io/library/nats',
      'image docker.io/library/busybox',
    ]);
  });

  it('points NATS_URL at the subchart Service and opens only its client port on its pods', async () => {
    const objects = await render([]);
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'rel-alarms')!;
    const env = deployment.spec.template.spec.containers[0].env as { name: string; value?: string }[];
    expect(env.find((variable) => variable.name === 'NATS_URL')?.value).toBe('nats://rel-nats:4222');
    const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'rel-nats')!;
    expect(service.spec.ports.map((port: Json) => port.port)).toEqual([4222]);
    const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'rel-alarms')!;
    const natsRule = (policy.spec.egress as Json[]).find((rule) => rule.to?.[0]?.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'nats')!;
    expect(natsRule.ports).toEqual([{ port: 4222, protocol: 'TCP' }]);
    // The rule selects exactly the pods the Service routes to.
    const selector = natsRule.to[0].podSelector.matchLabels as Record<string, string>;
    const natsPods = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'rel-nats')!.spec.template.metadata.labels;
    for (const [key, value] of Object.entries(selector)) expect(natsPods[key], key).toBe(value);
  });

  it('runs one server in dev and a cluster of three in class C prod, without the nats-box toolbox', async () => {
    const replicas = async (values: string[]) =>
      (await render(values)).find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'rel-nats')!.spec.replicas;
    expect(await replicas([])).toBe(1);
    expect(await replicas(['values-dev.yaml'])).toBe(1);
    expect(await replicas(['values-prod.yaml'])).toBe(3);
    const objects = await render(['values-prod.yaml']);
    expect(objects.some((o) => o.metadata?.name === 'rel-nats-box')).toBe(false);
    const statefulSet = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'rel-nats')!;
    expect(statefulSet.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    // Class C: the servers must land on different nodes.
    expect(statefulSet.spec.template.spec.topologySpreadConstraints).toEqual([
      expect.objectContaining({ topologyKey: 'kubernetes.io/hostname', maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule' }),
    ]);
  });

  it('hardens the broker pods through the chart merge hooks, with the pinned server image and no probe-less sidecar', async () => {
    const template = (await render(['values-prod.yaml'])).find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'rel-nats')!.spec.template;
    const pod = template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    // The reloader sidecar is off; a config change rolls the pods instead.
    expect(pod.containers.map((container: Json) => container.image)).toEqual(['nats:2.14.2-alpine']);
    expect(template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    for (const container of pod.containers as Json[]) {
      expect(container.securityContext, container.name).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(container.resources.limits, container.name).toBeDefined();
    }
  });
});
