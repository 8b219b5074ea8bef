import { describe, expect, it } from 'vitest';
import { collectAnswers } from '../src/answers/collect.js';
import { loadChartTemplates, renderedTemplates } from '../src/chart/plan.js';
import { CHART_TEMPLATES_DIR, GENERATOR_VERSION } from '../src/paths.js';
import { hasPrecompiled, renderCompiled, renderTemplate } from '../src/render/handlebars.js';

// The build precompiles the templates; the CLI renders from that form. It must give exactly what
// compiling the sources gives, for every template, with the contexts real plans render them with.
const ANSWER_SETS = [
  { dependencies: 'postgresql,redis,nats', postgresqlProvider: 'in-cluster', ingress: true, ingressControllerNamespace: 'ingress', persistence: true, serviceMonitor: true, backup: true },
  { safetyClass: 'B', dependencies: 'postgresql,redis,nats', postgresqlProvider: 'cloudnative-pg', redisProvider: 'external', natsProvider: 'external', backup: true },
  { safetyClass: 'C', dependencies: 'postgresql', postgresqlProvider: 'external', ingress: true, ingressControllerNamespace: 'traefik', ingressCertificate: 'cert-manager', certManagerIssuer: 'letsencrypt' },
  { safetyClass: 'A', dependencies: 'none' },
];

describe('precompiled templates', async () => {
  const templates = loadChartTemplates(CHART_TEMPLATES_DIR);
  const rendered = (
    await Promise.all(ANSWER_SETS.map(async (flags) => renderedTemplates(await collectAnswers({ flags, yes: true }), { generatorVersion: GENERATOR_VERSION, templates })))
  ).flat();
  const hbs = [...templates.keys()].filter((name) => name.endsWith('.hbs'));

  it('every Handlebars source is rendered by one of the answer sets', () => {
    expect(hbs.length).toBeGreaterThan(10);
    const seen = new Set(rendered.map((entry) => entry.source));
    expect(hbs.filter((name) => !seen.has(name))).toEqual([]);
  });

  it.each(hbs)('%s renders the same precompiled and compiled', (name) => {
    const source = templates.get(name) as string;
    expect(hasPrecompiled(name, source), 'run `npm run build` after changing templates').toBe(true);
    for (const { context } of rendered.filter((entry) => entry.source === name)) {
      expect(renderTemplate(source, context, name)).toBe(renderCompiled(source, context));
    }
  });

  it('compiles a template whose source changed since the build', () => {
    expect(hasPrecompiled('chart/templates/deployment.yaml.hbs', 'changed')).toBe(false);
    expect(renderTemplate('a {{x}}', { x: '<&>' }, 'chart/templates/deployment.yaml.hbs')).toBe('a <&>');
  });
});
