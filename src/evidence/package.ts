import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chartArchiveEntries } from '../chart/archive.js';
import { helmCause } from '../stages/helmStages.js';
import type { HelmRunner } from '../tools/helm.js';
import type { PackageEvidence } from './model.js';

/**
 * Why the digest is not the .tgz's own sha256: `helm package` is not byte-for-byte repeatable.
 * Helm 3 stamps every tar entry with the time of packaging, and Helm 4 with the modification time
 * of Chart.yaml, which a fresh checkout sets anew (test/evidence.test.ts shows both). The files in
 * the archive are what helm ships, so the digest is over them: the sorted `sha256sum` listing of
 * the extracted archive, which anyone can recompute from the published chart.
 */
export const PACKAGE_DIGEST_METHOD =
  'sha256 of the sorted sha256sum listing of the files in the archive that helm package made of the chart ' +
  '(helm package itself stamps times into the .tgz, so its own sha256 changes from run to run). ' +
  'Recompute from a chart archive: mkdir x && tar -xzf CHART.tgz -C x && cd x && find . -type f | sed "s|^\\./||" | LC_ALL=C sort | xargs -d "\\n" sha256sum | sha256sum';

/** A line of `sha256sum` output, escaped as GNU coreutils escapes a name with a backslash or line break. */
function sha256sumLine(sha256: string, path: string): string {
  if (!/[\\\n\r]/.test(path)) return `${sha256}  ${path}\n`;
  return `\\${sha256}  ${path.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}\n`;
}

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** The digest and file list of a chart archive's contents (see PACKAGE_DIGEST_METHOD). */
export function archiveContentDigest(archive: Buffer): Pick<PackageEvidence, 'digest' | 'files'> {
  const files = chartArchiveEntries(archive)
    .map((entry) => ({ path: entry.name, sha256: createHash('sha256').update(entry.data).digest('hex'), size: entry.data.length }))
    .sort((a, b) => byBytes(a.path, b.path));
  const listing = files.map((file) => sha256sumLine(file.sha256, file.path)).join('');
  return { digest: `sha256:${createHash('sha256').update(listing).digest('hex')}`, files };
}

/** Packages the chart with the run's helm into a temporary directory and digests what it holds. */
export async function packageEvidence(chartDir: string, helm: HelmRunner, options: { timeoutMs: number; signal: AbortSignal }): Promise<PackageEvidence> {
  const destination = mkdtempSync(join(tmpdir(), 'chartwright-evidence-'));
  try {
    const result = await helm.run(['package', chartDir, '--destination', destination], { timeoutMs: options.timeoutMs, signal: options.signal });
    const archive = readdirSync(destination).find((name) => name.endsWith('.tgz'));
    if (result.exitCode !== 0 || !archive) {
      const output = (result.stderr || result.stdout).split(destination).join('<temporary directory>');
      const cause = result.timedOut ? 'helm package did not finish in time' : helmCause(output, [helm.homeDir]);
      return { method: PACKAGE_DIGEST_METHOD, files: [], error: `helm package failed: ${cause}` };
    }
    return { method: PACKAGE_DIGEST_METHOD, ...archiveContentDigest(readFileSync(join(destination, archive))) };
  } finally {
    rmSync(destination, { recursive: true, force: true });
  }
}
