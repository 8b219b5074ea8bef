// Rendered manifests are read as helm and kubectl read them (sigs.k8s.io/yaml on go-yaml v2, YAML
// 1.1 scalars). kubectl is the oracle: `kubectl annotate --local -f FILE -o json` converts the file
// with sigs.k8s.io/yaml and prints it as unstructured JSON, with no cluster; a kind of a made-up
// group keeps kubectl from decoding it into a typed object.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goFloatKey, loadKubernetesYaml, resolvePlainScalar } from '../src/kube/yaml11.js';
import { parseManifests } from '../src/verify/manifests.js';
import { tempDir } from './support/cli.js';
import { repoRoot } from './support/tools.js';

const KUBECTL = join(repoRoot, '.tools', 'kubectl', 'kubectl');
const hasKubectl = existsSync(KUBECTL);
if (!hasKubectl) console.log(`kube-yaml: ${KUBECTL} is missing (npm run provision): the kubectl oracle tests are skipped`);

// Scalars whose YAML 1.1 (go-yaml v2) reading differs from YAML 1.2, or that are easy to get wrong.
const TRICKY_VALUES = [
  'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF', 'y', 'Y', 'n', 'N',
  'true', 'True', 'TRUE', 'false', 'False', 'yEs', 'oN', 'tRUE',
  '0755', '0o17', '0x1F', '0X1f', '-0x1A', '0b101', '-0b11', '08', '09.5', '1_000', '1__0', '0x_1F', '_1', '+12', '-7', '0',
  '1e3', '1E-2', '1.', '.5', '-.5', '+.5e3', '0.1', '1234567.0', '6.02e23', '1e400', '1_000.5', '.5_0', '.5__0', '._5', '.5e1_0',
  '~', 'null', 'Null', 'NULL', 'nULL', "''", '""', '"yes"', "'0755'",
  '2024-01-02', '2024-01-02T10:00:00Z', '12:30:00', '1:20', '190:20:30',
  '9223372036854775807', '-9223372036854775808', '18446744073709551615', '18446744073709551616',
  '.nan.', '.Inf.', '0x', '0b', '0o', '+', '-x', '.', '1.2.3', '1e', 'e3', '0755x',
  '!!str 123', '!!int "0755"', '!!float 1', '!!bool yes', '!!binary aGVsbG8=', '!custom value',
];

const TRICKY_KEYS = ['yes', 'no', 'on', 'Off', 'y', '0755', '1_000', '0x1F', '1e6', '0.1', '3.14159265358979', '1234567.0', '0.00001', '-0.0', '2024-01-02', '.5'];

function oracleDocument(): string {
  const values = TRICKY_VALUES.map((value, index) => `    v${index}: ${value}`).join('\n');
  const keys = TRICKY_KEYS.map((key, index) => `    ${key}: k${index}`).join('\n');
  return [
    'apiVersion: oracle.chartwright.test/v1',
    'kind: Oracle',
    'metadata:',
    '  name: tricky',
    'data:',
    '  values:',
    values,
    '  keys:',
    keys,
    '  sequence: [yes, 0755, ~, "no", 1_0, .5]',
    '  flow: {a: on, b: 0x10, c: null}',
    '  duplicate: first',
    '  duplicate: second',
    '  base: &base {a: 1, b: 2}',
    '  other: &other {b: 3, c: 4}',
    '  merged:',
    '    b: written-before',
    '    <<: [*base, *other]',
    '    c: written-after',
    '  block: |',
    '    yes',
    '    0755',
    '',
  ].join('\n');
}

function kubectlJson(file: string): { ok: true; json: Record<string, unknown> } | { ok: false; stderr: string } {
  const result = spawnSync(KUBECTL, ['annotate', '--local', '-f', file, 'chartwright.test/oracle=1', '-o', 'json'], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: '/dev/null' } });
  if (result.status !== 0) return { ok: false, stderr: result.stderr };
  return { ok: true, json: JSON.parse(result.stdout) as Record<string, unknown> };
}

describe.skipIf(!hasKubectl)('manifests read exactly as kubectl reads them', () => {
  it('gives the JSON kubectl gives for YAML 1.1 scalars, keys, merges and duplicates', async () => {
    const dir = await tempDir();
    const file = join(dir, 'oracle.yaml');
    writeFileSync(file, oracleDocument());
    const expected = kubectlJson(file);
    if (!expected.ok) throw new Error(`kubectl refused the oracle document: ${expected.stderr}`);
    const { documents, duplicateKey } = loadKubernetesYaml(oracleDocument());
    const [document] = documents;
    expect(document?.problems).toEqual([]);
    // Read as kubectl reads it (the last value), and still reported: the first repeated key is
    // `on`, which is the boolean key true again after `yes`.
    expect(duplicateKey).toEqual({ line: oracleDocument().split('\n').indexOf('    on: k2') + 1 });
    const ours = (document?.value as Record<string, unknown>).data;
    expect(ours).toEqual(expected.json.data);
    // The cases the issue names, spelled out.
    const values = (ours as { values: Record<string, unknown> }).values;
    const at = (text: string) => values[`v${TRICKY_VALUES.indexOf(text)}`];
    expect([at('yes'), at('no'), at('on'), at('off'), at('y'), at('N')]).toEqual([true, false, true, false, true, false]);
    expect([at('0755'), at('1_000'), at('yEs')]).toEqual([493, 1000, 'yEs']);
  });

  it.each([
    ['.inf', 'a value of .inf'],
    ['.nan', 'a value of .nan'],
    ['-.Inf', 'a value of -.Inf'],
  ])('refuses %s as kubectl does (%s is not JSON)', async (value) => {
    const dir = await tempDir();
    const file = join(dir, 'refused.yaml');
    const text = `apiVersion: oracle.chartwright.test/v1\nkind: Oracle\nmetadata:\n  name: refused\ndata:\n  value: ${value}\n`;
    writeFileSync(file, text);
    const expected = kubectlJson(file);
    expect(expected.ok).toBe(false);
    const [document] = loadKubernetesYaml(text).documents;
    expect(document?.problems).toEqual([{ path: 'data.value', message: expect.stringContaining('is not a JSON number') }]);
  });

  it('refuses a null map key as kubectl does', async () => {
    const dir = await tempDir();
    const file = join(dir, 'null-key.yaml');
    const text = 'apiVersion: oracle.chartwright.test/v1\nkind: Oracle\nmetadata:\n  name: refused\ndata:\n  ~: value\n';
    writeFileSync(file, text);
    expect(kubectlJson(file).ok).toBe(false);
    expect(loadKubernetesYaml(text).documents[0]?.problems).toEqual([{ path: 'data', message: expect.stringContaining('null') }]);
  });
});

describe('YAML 1.1 scalar resolution (go-yaml v2 resolve.go)', () => {
  it('reads booleans, octal, underscores and special floats as go-yaml v2 does', () => {
    expect(resolvePlainScalar('yes')).toEqual({ tag: 'bool', value: true });
    expect(resolvePlainScalar('Off')).toEqual({ tag: 'bool', value: false });
    expect(resolvePlainScalar('0755')).toEqual({ tag: 'int', value: 493 });
    expect(resolvePlainScalar('1_000')).toEqual({ tag: 'int', value: 1000 });
    expect(Number(resolvePlainScalar('.inf')?.value)).toBe(Number.POSITIVE_INFINITY);
    // Not YAML 1.1 booleans for go-yaml, not numbers: strings.
    for (const text of ['yEs', '190:20:30', '2024-01-02', '1e400', '0x', '12:30']) expect(resolvePlainScalar(text)).toBeUndefined();
  });

  it('names float keys as Go formats a float32 (strconv.FormatFloat g, -1, 32)', () => {
    expect([1e6, 0.1, 3.14159265358979, 1234567, 0.00001, 123456, 100, -2.5, 1e21].map(goFloatKey)).toEqual([
      '1e+06', '0.1', '3.1415927', '1.234567e+06', '1e-05', '123456', '100', '-2.5', '1e+21',
    ]);
  });

  it('keeps kubectl-readable output of helm intact: a real chart render parses with sources and ids', () => {
    const rendered = execFileSync(join(repoRoot, '.tools', 'helm-v4', 'helm'), ['template', 'release-name', join(repoRoot, 'charts', 'telemetry-viewer')], { encoding: 'utf8' });
    const { manifests, findings } = parseManifests(rendered);
    expect(findings).toEqual([]);
    expect(manifests.map((manifest) => manifest.id)).toContain('Deployment/release-name-telemetry-viewer');
    expect(manifests.find((manifest) => manifest.kind === 'Deployment')?.source).toBe('templates/deployment.yaml');
  });

  it('reads a document two renders share once, and gives each render its own findings in order', () => {
    const shared = '---\n# Source: c/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata: {name: svc}\n';
    const broken = '---\n# Source: c/templates/bad.yaml\nkind: [\n';
    const dev = parseManifests(`${shared}---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: dev}\n${broken}`);
    const prod = parseManifests(`${broken}${shared}`);
    expect(dev.manifests.map((manifest) => manifest.id)).toEqual(['Service/svc', 'ConfigMap/dev']);
    expect(prod.manifests.map((manifest) => manifest.id)).toEqual(['Service/svc']);
    expect(prod.manifests[0], 'one object for the shared document').toBe(dev.manifests[0]);
    for (const { findings } of [dev, prod]) expect(findings.map((finding) => finding.file)).toEqual(['templates/bad.yaml']);
  });

  it('gives the items of a v1 List as objects of their own, as helm creates them', () => {
    const { manifests, findings } = parseManifests(
      '---\n# Source: c/templates/list.yaml\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: one}\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: two}\n',
    );
    expect(findings).toEqual([]);
    expect(manifests.map((manifest) => [manifest.id, manifest.source])).toEqual([
      ['ConfigMap/one', 'templates/list.yaml'],
      ['Secret/two', 'templates/list.yaml'],
    ]);
  });
});
