/**
 * The evidence record of `chartwright test --evidence DIR` (issue 11): evidence.json (schema:
 * docs/evidence.schema.json) and evidence.md, built from the run's report model and the template
 * stage's renders. Reproducible: the same chart, versions and options give the same bytes.
 *
 * - `EvidenceCollector`: handed to testCharts (onCharts, onRender) to keep what the report lacks.
 * - `checkEvidenceOptions`: --evidence and --date, checked before any stage runs.
 * - `recordEvidence(target, run)`: builds the Evidence model (chart digest, class, SOUP,
 *   verification record, exemptions, risk-control traceability) and writes both files.
 */
import { buildEvidence, type EvidenceRun, stableJson } from './build.js';
import { evidenceMarkdown } from './markdown.js';
import { type EvidenceTarget, writeEvidenceFiles } from './write.js';

export { buildEvidence, EvidenceCollector, GENERATOR_ANNOTATION, stableJson, type EvidenceRun } from './build.js';
export { evidenceMarkdown } from './markdown.js';
export type { Evidence } from './model.js';
export { checkEvidenceOptions, EVIDENCE_JSON, EVIDENCE_MARKDOWN, writeEvidenceFiles, type EvidenceTarget } from './write.js';

/** Builds the record of a finished run and writes both files; false (nothing written) when the run was interrupted meanwhile. */
export async function recordEvidence(target: EvidenceTarget, run: Omit<EvidenceRun, 'date'>): Promise<boolean> {
  const evidence = await buildEvidence({ ...run, ...(target.date ? { date: target.date } : {}) });
  if (run.signal.aborted) return false;
  await writeEvidenceFiles(target, { json: stableJson(evidence), markdown: evidenceMarkdown(evidence) });
  return true;
}
