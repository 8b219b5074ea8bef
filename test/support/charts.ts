// Small charts written by the tests themselves (each reproduces one behaviour), and a way to see
// which helm processes are alive: a helm binary reached through a symlink of the test's own, so
// its path in the process table (argv[0]) belongs to that test alone.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface ChartSpec {
  name: string;
  version?: string;
  /** Extra Chart.yaml lines (YAML, at top level). */
  chartYaml?: string;
  /** chartwright.io/iec62304-class annotation; none when undefined. */
  safetyClass?: 'A' | 'B' | 'C';
  /** Path inside the chart -> content (values.yaml, templates/..., charts/...). */
  files: Record<string, string>;
}

/** Writes a chart to `dir`: Chart.yaml from the spec, then every file. */
export async function writeChart(dir: string, spec: ChartSpec): Promise<string> {
  const lines = ['apiVersion: v2', `name: ${spec.name}`, `version: ${spec.version ?? '1.0.0'}`];
  if (spec.safetyClass) lines.push('annotations:', `  chartwright.io/iec62304-class: ${spec.safetyClass}`);
  if (spec.chartYaml) lines.push(spec.chartYaml.trimEnd());
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'Chart.yaml'), `${lines.join('\n')}\n`);
  for (const [path, content] of Object.entries(spec.files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

/** A ConfigMap template; `extra` lines go at top level (e.g. an unknown field). */
export const configMap = (name: string, extra = '') =>
  ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', `  name: ${name}`, 'data:', '  greeting: hello', extra].filter(Boolean).join('\n') + '\n';

/** A symlink to the real helm binary at `dir/helm`, so the processes it starts can be told apart. */
export async function helmThroughLink(dir: string, realHelm: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const link = join(dir, 'helm');
  await symlink(realHelm, link);
  return link;
}

/** Live processes whose argv[0] is `binary` (read from /proc: Linux only). */
export function processesOf(binary: string): { pid: number; args: string }[] {
  const found: { pid: number; args: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const args = cmdline.split('\0').filter(Boolean);
    if (args[0] === binary) found.push({ pid: Number(entry), args: args.join(' ') });
  }
  return found;
}
