// Exemptions on real manifests: where the annotation may sit, how long the justification must be
// per class, the record the evidence lists, typos, and objects rendered from subcharts.
import { describe, expect, it } from 'vitest';
import type { SafetyClass } from '../src/answers/validate.js';
import { evaluatePolicy, EXEMPTION_PREFIX, JUSTIFICATION_MINIMUM, subchartOf } from '../src/policy/index.js';
import { hardenedContainer, Release } from './support/policy.js';

type Json = Record<string, unknown>;

/** The hardened release without the app's liveness probe, exempted with `justification` on the pod template. */
function withoutLivenessProbe(justification?: string, where: 'template' | 'object' = 'template'): Release {
  const release = new Release();
  delete release.container().livenessProbe;
  if (justification !== undefined) {
    const metadata = where === 'template' ? release.podMetadata() : (release.object('Deployment/app').metadata as Json);
    metadata.annotations = { [`${EXEMPTION_PREFIX}liveness-probe`]: justification };
  }
  return release;
}

const FIVE_WORDS = 'liveness is served by the mesh sidecar, see RISK-12';

describe('exemptions', () => {
  it.each(['template', 'object'] as const)('with a sufficient justification on the %s metadata, lists the exemption with its file and reports nothing', (where) => {
    const { findings, exemptions } = evaluatePolicy(withoutLivenessProbe(FIVE_WORDS, where).manifests, 'C');
    expect(findings).toEqual([]);
    expect(exemptions).toEqual([{ rule: 'liveness-probe', object: 'Deployment/app', file: 'templates/deployment.yaml', justification: FIVE_WORDS }]);
  });

  it.each([
    ['C', 'probe served by sidecar here', true],
    ['C', 'probe served by sidecar', false],
    ['B', 'probe served by sidecar', true],
    ['B', 'sidecar serves', false],
    ['A', 'sidecar serves it', true],
    ['A', 'a b c', false],
    ['A', '', false],
    ['C', '- - - - - -', false],
  ] as [SafetyClass, string, boolean][])('at class %s, %j is %s enough', (safetyClass, justification, accepted) => {
    const { findings, exemptions } = evaluatePolicy(withoutLivenessProbe(justification).manifests, safetyClass);
    if (accepted) {
      expect(exemptions.map((exemption) => exemption.justification)).toEqual([justification]);
      expect(findings).toEqual([]);
      return;
    }
    expect(exemptions).toEqual([]);
    const minimum = JUSTIFICATION_MINIMUM[safetyClass];
    expect(findings.map((finding) => [finding.rule, finding.severity])).toEqual([
      ['liveness-probe', 'error'],
      ['liveness-probe', safetyClass === 'A' ? 'warning' : 'error'],
    ]);
    expect(findings[0]?.message).toBe(
      `exemption from liveness-probe needs a written justification (at class ${safetyClass} at least ${minimum.words} words and ${minimum.characters} characters) in chartwright.io/exempt.liveness-probe`,
    );
    expect(findings[1]?.message).toContain('container app: has no livenessProbe');
  });

  it('reads the annotation from a CronJob\'s job template', () => {
    const release = new Release().add(`apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup
  labels: { app.kubernetes.io/name: app, app.kubernetes.io/instance: rel }
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          labels: { app.kubernetes.io/name: app, app.kubernetes.io/instance: rel }
          annotations:
            chartwright.io/exempt.cpu-limit: "pg_dump is throttled by the database, not by this pod"
        spec:
          restartPolicy: Never
          automountServiceAccountToken: false
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: RuntimeDefault } }
          containers:
${hardenedContainer('dump', 12)}
`, 'templates/backup.yaml');
    delete ((((release.object('CronJob/backup').spec as Json).jobTemplate as Json).spec as Json).template as { spec: { containers: { resources: { limits: Json } }[] } }).spec.containers[0]!.resources.limits.cpu;
    const { findings, exemptions } = evaluatePolicy(release.manifests, 'C');
    expect(findings).toEqual([]);
    expect(exemptions).toEqual([{ rule: 'cpu-limit', object: 'CronJob/backup', file: 'templates/backup.yaml', justification: 'pg_dump is throttled by the database, not by this pod' }]);
  });

  it('warns about an annotation that names no rule, and the rule it meant still applies', () => {
    const release = withoutLivenessProbe();
    release.podMetadata().annotations = { 'chartwright.io/exempt.liveness-probes': FIVE_WORDS };
    const { findings, exemptions } = evaluatePolicy(release.manifests, 'C');
    expect(exemptions).toEqual([]);
    expect(findings.map((finding) => [finding.rule, finding.severity])).toEqual([
      ['liveness-probe', 'error'],
      ['unknown-exemption', 'warning'],
    ]);
    expect(findings[1]?.message).toContain('chartwright.io/exempt.liveness-probes names no policy rule');
  });

  it('an exemption for one rule leaves the others in force', () => {
    const release = withoutLivenessProbe(FIVE_WORDS);
    delete release.container().readinessProbe;
    const { findings, exemptions } = evaluatePolicy(release.manifests, 'C');
    expect(exemptions.map((exemption) => exemption.rule)).toEqual(['liveness-probe']);
    expect(findings.map((finding) => finding.rule)).toEqual(['readiness-probe']);
  });
});

describe('subcharts', () => {
  it('keeps the subchart path as the file of findings and exemptions', () => {
    const release = new Release();
    // The same Deployment as if a dependency rendered it, one exempted, one not.
    const sub = JSON.parse(JSON.stringify(release.manifests.find((manifest) => manifest.id === 'Deployment/app')));
    sub.source = 'charts/cache/templates/deployment.yaml';
    sub.name = 'cache';
    sub.id = 'Deployment/cache';
    sub.object.metadata.name = 'cache';
    delete sub.object.spec.template.spec.containers[0].readinessProbe;
    delete sub.object.spec.template.spec.containers[0].livenessProbe;
    sub.object.spec.template.metadata.annotations = { [`${EXEMPTION_PREFIX}liveness-probe`]: 'the upstream chart probes through its own sidecar' };
    release.manifests.push(sub);
    const { findings, exemptions } = evaluatePolicy(release.manifests, 'C');
    expect(findings.map((finding) => [finding.rule, finding.file, subchartOf(finding.file)])).toEqual([['readiness-probe', 'charts/cache/templates/deployment.yaml', 'cache']]);
    expect(exemptions).toEqual([{ rule: 'liveness-probe', object: 'Deployment/cache', file: 'charts/cache/templates/deployment.yaml', justification: 'the upstream chart probes through its own sidecar' }]);
  });
});
