// `chartwright bump` keeps the SOUP history an auditor asks for: each bump records the SOUP
// inventory (.chartwright/soup.yaml) and the next one lists in its CHANGELOG entry and its
// artifacthub.io/changes annotation the items added, removed and upgraded since. Real CLI runs on
// copies of the example charts.
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCli, tempDir } from './support/cli.js';
import { repoRoot } from './support/tools.js';

async function copyExample(name: string): Promise<string> {
  const dir = join(await tempDir('chartwright-evidence-bump-'), name);
  await cp(join(repoRoot, 'charts', name), dir, { recursive: true });
  return dir;
}

const read = (dir: string, path: string) => readFile(join(dir, path), 'utf8');
const newestEntry = (changelog: string) => changelog.split(/^## /m)[1] ?? '';

describe('bump and the SOUP inventory', () => {
  it('the first bump starts the record without SOUP lines; the next lists upgraded and added subcharts', async () => {
    const dir = await copyExample('patient-records');
    const first = await runCli(['bump', dir, '--app-version', '2.0.2']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(newestEntry(await read(dir, 'CHANGELOG.md'))).not.toContain('SOUP');
    const recorded = parseYaml(await read(dir, '.chartwright/soup.yaml')) as { items: { kind: string; name: string; version: string }[] };
    expect(recorded.items.map((item) => `${item.kind} ${item.name} ${item.version}`)).toEqual([
      'image docker.io/bitnamilegacy/postgresql 17.6.0-debian-12-r4',
      'image docker.io/library/busybox 1.37.0',
      'subchart postgresql 16.7.27',
    ]);
    expect(await read(dir, '.helmignore')).toMatch(/^\.chartwright\/?$/m);

    const chartYaml = await read(dir, 'Chart.yaml');
    await writeFile(
      join(dir, 'Chart.yaml'),
      `${chartYaml.replace('version: "16.7.27"', 'version: "16.8.0"')}  - name: valkey\n    version: "0.9.4"\n    repository: https://valkey.io/valkey-helm/\n`,
    );
    const second = await runCli(['bump', dir, '--date', '2025-08-01']);
    expect(second.exitCode, second.stderr).toBe(0);
    const entry = newestEntry(await read(dir, 'CHANGELOG.md'));
    expect(entry).toContain('- Changed: SOUP subchart postgresql upgraded 16.7.27 → 16.8.0\n');
    expect(entry).toContain('- Added: SOUP subchart valkey 0.9.4 (https://valkey.io/valkey-helm/)\n');
    const changes = parseYaml((parseYaml(await read(dir, 'Chart.yaml')) as { annotations: Record<string, string> }).annotations['artifacthub.io/changes'] as string);
    expect(changes).toEqual(
      expect.arrayContaining([
        { kind: 'changed', description: 'SOUP subchart postgresql upgraded 16.7.27 → 16.8.0' },
        { kind: 'added', description: 'SOUP subchart valkey 0.9.4 (https://valkey.io/valkey-helm/)' },
      ]),
    );

    // Nothing changed since: no SOUP lines.
    const third = await runCli(['bump', dir]);
    expect(third.exitCode, third.stderr).toBe(0);
    expect(newestEntry(await read(dir, 'CHANGELOG.md'))).not.toContain('SOUP');
  });

  it('an answer changed with regenerate removes a subchart and its image: the bump lists both as removed', async () => {
    const dir = await copyExample('dose-calculator');
    expect((await runCli(['bump', dir, '--level', 'patch'])).exitCode).toBe(0);
    const regenerated = await runCli(['regenerate', dir, '--set', 'redis-provider=external', '--no-verify']);
    expect(regenerated.exitCode, regenerated.stderr).toBe(0);
    const bumped = await runCli(['bump', dir, '--level', 'minor']);
    expect(bumped.exitCode, bumped.stderr).toBe(0);
    const entry = newestEntry(await read(dir, 'CHANGELOG.md'));
    expect(entry).toContain('- Removed: SOUP subchart valkey 0.9.4 (https://valkey.io/valkey-helm/)\n');
    expect(entry).toContain('- Removed: SOUP image docker.io/valkey/valkey the default of chart 0.9.4 (https://hub.docker.com/r/valkey/valkey)\n');
    expect(entry).not.toContain('postgresql');
  });
});
