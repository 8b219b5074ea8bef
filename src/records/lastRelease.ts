import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { UsageError } from '../errors.js';
import { readBaseSnapshot } from './baseSnapshot.js';
import { parseRecord, recordOf, type ReleaseRecord, RELEASE_RECORD } from './releaseRecord.js';

/**
 * The chart's shape at its last release: the release record, or for charts without one the
 * generated state in the base snapshot; undefined when there is neither.
 */
export async function lastReleaseRecord(chartDir: string): Promise<ReleaseRecord | undefined> {
  const path = join(chartDir, RELEASE_RECORD);
  if (existsSync(path)) {
    const record = parseRecord(await readFile(path, 'utf8'));
    if (!record) throw new UsageError(`${RELEASE_RECORD} is damaged; restore it from version control, or pass --level`);
    return record;
  }
  const base = await readBaseSnapshot(chartDir);
  const chart = base?.get('Chart.yaml');
  const values = base?.get('values.yaml');
  if (!base || !chart || !values) return undefined;
  return recordOf(String(parseDocument(chart, { version: '1.1' }).get('version') ?? ''), values, [...base.keys()]);
}
