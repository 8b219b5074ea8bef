import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { collectAnswers } from '../src/answers/collect.js';
import { loadChartTemplates } from '../src/chart/plan.js';
import { CHART_TEMPLATES_DIR } from '../src/paths.js';
import { hasPrecompiled, renderTemplate } from '../src/render/handlebars.js';

// The build precompiles the chart templates; the CLI renders from that form. It must give
// exactly what compiling the sources gives, for every template.
describe('precompiled chart templates', () => {
  const templates = [...loadChartTemplates(CHART_TEMPLATES_DIR)].filter(([name]) => name.endsWith('.hbs'));

  it.each(templates.map(([name]) => name))('%s renders the same precompiled and compiled', async (name) => {
    const source = templates.find(([candidate]) => candidate === name)?.[1] as string;
    expect(hasPrecompiled(name, source), 'run `npm run build` after changing templates').toBe(true);
    const answers = await collectAnswers({
      flags: { dependencies: 'postgresql,redis', ingress: true, persistence: true, serviceMonitor: true, backup: true },
      yes: true,
    });
    // The planner's context for a chart with every optional part.
    const context = {
      name: answers.name,
      description: answers.description,
      safetyClass: answers.safetyClass,
      classMeaning: 'x',
      generatorVersion: '0.0.0',
      postgresql: { enabled: true, inCluster: true, external: false },
      redis: { enabled: true, inCluster: true, external: false },
      hasDependencyEnv: true,
      backup: true,
      persistence: true,
      availability: [],
      subcharts: [],
      externalServices: [],
      valueRows: [],
      redisChart: 'valkey',
    };
    const compiled = Handlebars.compile(source, { noEscape: true, strict: true })(context);
    expect(renderTemplate(source, context, name)).toBe(compiled);
  });

  it('compiles a template whose source changed since the build', () => {
    expect(hasPrecompiled('templates/service.yaml.hbs', 'changed')).toBe(false);
    expect(renderTemplate('a {{x}}', { x: '<&>' }, 'templates/service.yaml.hbs')).toBe('a <&>');
  });
});
