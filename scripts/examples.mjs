#!/usr/bin/env node
// Regenerates the example charts under charts/ from their answers, using the built generator
// (run `npm run build` first; `npm run examples` does). test/examples.test.ts fails when the
// committed examples and the templates drift apart.
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { collectAnswers } from '../dist/answers/collect.js';
import { loadChartTemplates, planChart } from '../dist/chart/plan.js';
import { CHART_TEMPLATES_DIR, GENERATOR_VERSION } from '../dist/paths.js';
import { writeChartAtomically } from '../dist/write/atomic.js';

const maintainer = { maintainerName: 'Example Medical Devices Platform Team', maintainerEmail: 'platform@example.com' };

/** Raw answers, as flags would give them: one example per kind of chart users start from. */
export const EXAMPLES = [
  {
    name: 'telemetry-viewer',
    description: 'Read-only dashboard for anonymised device telemetry',
    class: 'A',
    image: 'registry.example.com/medtech/telemetry-viewer:1.4.2',
    ...maintainer,
  },
  {
    name: 'patient-records',
    description: 'Patient record service backed by PostgreSQL',
    class: 'B',
    image: 'registry.example.com/medtech/patient-records:2.0.1',
    port: '8443',
    dependencies: 'postgresql',
    postgresqlProvider: 'in-cluster',
    ...maintainer,
  },
  {
    name: 'dose-calculator',
    description: 'Infusion dose calculation service (IEC 62304 class C)',
    class: 'C',
    image: 'registry.example.com/medtech/dose-calculator:3.2.0',
    dependencies: 'postgresql,redis',
    postgresqlProvider: 'in-cluster',
    redisProvider: 'in-cluster',
    ingress: 'true',
    ingressHost: 'dose.example.com',
    ingressClass: 'nginx',
    ingressControllerNamespace: 'ingress-nginx',
    ingressTls: 'true',
    serviceMonitor: 'true',
    backup: 'true',
    ...maintainer,
  },
  {
    // The message broker and the highly available database: NATS with JetStream (a cluster of 3
    // in prod), PostgreSQL run by the CloudNativePG operator, TLS from cert-manager.
    name: 'infusion-events',
    description: 'Streams infusion pump events to clinical systems through NATS, with a highly available PostgreSQL',
    class: 'C',
    image: 'registry.example.com/medtech/infusion-events:1.1.0',
    dependencies: 'postgresql,nats',
    postgresqlProvider: 'cloudnative-pg',
    natsProvider: 'in-cluster',
    ingress: 'true',
    ingressHost: 'events.example.com',
    ingressClass: 'traefik',
    ingressControllerNamespace: 'traefik',
    ingressTls: 'true',
    ingressCertificate: 'cert-manager',
    certManagerIssuer: 'letsencrypt-prod',
    backup: 'true',
    ...maintainer,
  },
  {
    name: 'alarm-gateway',
    description: 'Forwards device alarms to clinical systems; uses managed PostgreSQL and Redis',
    class: 'C',
    image: 'registry.example.com/medtech/alarm-gateway:1.0.0',
    dependencies: 'postgresql,redis',
    postgresqlProvider: 'external',
    redisProvider: 'external',
    persistence: 'true',
    ...maintainer,
  },
];

export const CHARTS_DIR = fileURLToPath(new URL('../charts/', import.meta.url));

async function main() {
  const templates = loadChartTemplates(CHART_TEMPLATES_DIR);
  for (const raw of EXAMPLES) {
    const { class: safetyClass, ...rest } = raw;
    const answers = await collectAnswers({ flags: { ...rest, safetyClass }, yes: true });
    const files = planChart(answers, { generatorVersion: GENERATOR_VERSION, templates });
    const target = `${CHARTS_DIR}${answers.name}`;
    await rm(target, { recursive: true, force: true });
    await writeChartAtomically(target, files, { force: false });
    process.stderr.write(`regenerated charts/${answers.name} (${files.length} files)\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
