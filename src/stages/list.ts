import type { StageName } from '../verify/findings.js';
import { placeholderFindings } from './placeholders.js';
import { pendingWrite } from '../write/atomic.js';
import type { evaluatePolicy, Exemption } from '../verify/policy.js';
import type { Finding } from '../verify/findings.js';
import type { Manifest } from '../verify/manifests.js';
import { dependencyStage, lintStage, type Render, templateStage } from './helmStages.js';
import type { RunContext, StageDef, StageOutcome, Unit } from './model.js';

/** Checks of the chart's files that run before anything reads them (symlinks out of the chart). */
export interface FilesService {
  problems(chartDir: string): Finding[];
}

/** The install stage's cluster session (src/install). */
export interface InstallService {
  run(unit: Unit, manifests: readonly Manifest[], signal: AbortSignal): Promise<StageOutcome>;
}

/** --since REF: chart-testing's version check, prepared (and its usage errors raised) before any stage. */
export interface VersionBumpService {
  check(chartDir: string): Promise<StageOutcome>;
}

/** Where policy exemptions are collected for the report. */
export interface PolicyService {
  exempted(chartDir: string, exemptions: readonly Exemption[]): void;
}

const service = <T>(context: RunContext, stage: StageName) => context.services[stage] as T | undefined;

// A render shared by every minor is one array of manifests: judge it once per class.
const policyOutcomes = new WeakMap<readonly Manifest[], Map<string, ReturnType<typeof evaluatePolicy>>>();
async function policyOf(manifests: readonly Manifest[], safetyClass: Parameters<typeof evaluatePolicy>[1]): Promise<ReturnType<typeof evaluatePolicy>> {
  let byClass = policyOutcomes.get(manifests);
  if (!byClass) policyOutcomes.set(manifests, (byClass = new Map()));
  let outcome = byClass.get(safetyClass);
  if (!outcome) {
    const { evaluatePolicy } = await import('../verify/policy.js');
    // Checked again: another unit may have judged the same render while the module loaded.
    outcome = byClass.get(safetyClass) ?? evaluatePolicy(manifests, safetyClass);
    byClass.set(safetyClass, outcome);
  }
  return outcome;
}

// The checks' modules load when a render is there to check, while helm still runs, not before
// the first helm call.
const kubeSchema = () => import('../verify/kubeSchema.js');
const crds = () => import('../kube/crds.js');

const manifestsOf = (unitInputs: Parameters<StageDef['run']>[1]) => (unitInputs.result('template')?.output as Render | undefined)?.manifests ?? [];

/**
 * Every stage of `chartwright test`, in report order; `chartwright new` runs the same list (the
 * install stage is off there). Each stage says what it needs: a need that did not pass skips it
 * with the reason. The install stage runs only when asked (--install or --cluster).
 */
export const STAGES: readonly StageDef[] = [
  {
    name: 'files',
    scope: 'chart',
    summary: 'no symlink leads out of the chart (nothing outside it is ever read)',
    needs: [],
    run: async (unit, _inputs, context) => {
      const findings = [...(service<FilesService>(context, 'files')?.problems(unit.chart.dir) ?? [])];
      // A write chartwright was interrupted in: the files on disk may be half old, half new.
      const pending = await pendingWrite(unit.chart.dir);
      if (pending) findings.push({ severity: 'error', rule: 'unfinished-write', message: `${pending.replace(/; run the command again.*$/, '')}; run \`chartwright regenerate\` (or the \`new --force\` that was interrupted) to finish or undo it before testing` });
      return { findings };
    },
  },
  {
    name: 'dependencies',
    scope: 'chart',
    summary: 'every dependency present in charts/ at the version Chart.yaml asks for, or fetched (--mirror)',
    needs: ['files'],
    run: (unit, _inputs, context) => dependencyStage(unit, context),
  },
  {
    name: 'version-bump',
    scope: 'chart',
    summary: 'with --since REF: templates or values changed since REF only with a higher chart version',
    needs: ['files'],
    off: (context) => (service<VersionBumpService>(context, 'version-bump') ? undefined : 'runs with --since REF'),
    run: async (unit, _inputs, context) => (service<VersionBumpService>(context, 'version-bump') as VersionBumpService).check(unit.chart.dir),
  },
  {
    name: 'lint',
    scope: 'values',
    summary: 'helm lint --strict (Chart.yaml, values against values.schema.json); warnings fail',
    // After the dependencies, but not needing them: helm's own Chart.yaml findings must show even when a fetch fails.
    needs: ['files'],
    after: ['dependencies'],
    run: (unit, _inputs, context) => lintStage(unit, context),
  },
  {
    name: 'template',
    scope: 'minor',
    summary: 'helm template for each target Kubernetes minor; every document must parse into an object',
    needs: ['files', 'dependencies'],
    run: (unit, _inputs, context) => templateStage(unit, context),
  },
  {
    name: 'schema',
    scope: 'minor',
    summary: 'every rendered object against the Kubernetes OpenAPI schema of the target minor',
    needs: ['template'],
    run: async (unit, inputs) => {
      // Custom resources are validated against the CRDs the chart ships (crds/, subcharts included).
      const [{ chartCrds }, { validateManifests }] = await Promise.all([crds(), kubeSchema()]);
      const shipped = chartCrds(unit.chart.dir);
      const outcome = validateManifests(manifestsOf(inputs), unit.kubeVersion as string, { crds: shipped.crds });
      const note = outcome.schemaMinor === unit.kubeVersion ? undefined : `validated against the Kubernetes ${outcome.schemaMinor} schema (the nearest bundled)`;
      return { findings: [...shipped.findings, ...outcome.findings], ...(note ? { note } : {}) };
    },
  },
  {
    name: 'policy',
    scope: 'minor',
    summary: "security and availability rules, with a severity set by the chart's IEC 62304 class",
    needs: ['template'],
    run: async (unit, inputs, context) => {
      const outcome = await policyOf(manifestsOf(inputs), unit.chart.safetyClass);
      service<PolicyService>(context, 'policy')?.exempted(unit.chart.dir, outcome.exemptions);
      return { findings: outcome.findings };
    },
  },
  {
    name: 'placeholders',
    scope: 'chart',
    summary: 'production values hold no placeholder left from the generator (example hosts, registries, addresses)',
    needs: ['files'],
    // Reading values files is work for this process's own CPU: done while helm runs, not before it starts.
    after: ['template'],
    run: async (unit) => ({ findings: await placeholderFindings(unit.chart.dir) }),
  },
  {
    name: 'install',
    scope: 'values',
    summary: 'install, helm test, upgrade, rollback and uninstall on a real cluster (with --install or --cluster)',
    needs: ['template', 'dependencies'],
    off: (context) => (service<InstallService>(context, 'install') ? undefined : 'runs with --install or --cluster'),
    run: (unit, inputs, context) => (service<InstallService>(context, 'install') as InstallService).run(unit, manifestsOf(inputs), context.signal),
  },
];

/**
 * The stages `new` and `regenerate` check the chart they wrote with: all but the install stage,
 * the version check, and the placeholder check (a fresh chart holds its placeholders by design;
 * the end of `new` lists them).
 */
export const STATIC_STAGES: readonly StageDef[] = STAGES.filter((stage) => !['install', 'version-bump', 'placeholders'].includes(stage.name));

/** Whether a stage runs once per chart (no values set or minor to name in a report). */
export const isChartWide = (stage: StageName): boolean => STAGES.find((candidate) => candidate.name === stage)?.scope === 'chart';
