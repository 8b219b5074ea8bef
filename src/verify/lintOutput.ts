import type { Finding, Severity } from './findings.js';

const FINDING = /^\[(UNKNOWN|INFO|WARNING|ERROR)\] (.*?): ([\s\S]*)$/;
const LOCATION = /(?:template: )?(?:[\w.-]+\/)?((?:templates|charts)\/[^:\s]+):(\d+)(?::(\d+))?/g;

const SEVERITY: Record<string, Severity> = { UNKNOWN: 'error', INFO: 'info', WARNING: 'warning', ERROR: 'error' };

/**
 * Parses `helm lint` stdout (same grammar in Helm 3.17 and 4.x) into findings. A finding's text
 * may continue over indented or unindented lines until the next finding or chart header.
 */
export function parseLintOutput(stdout: string): Finding[] {
  const findings: Finding[] = [];
  let current: Finding | undefined;
  const finish = () => {
    if (current) {
      current.message = current.message.replace(/\s+$/, '');
      findings.push(current);
    }
    current = undefined;
  };
  for (const line of stdout.split('\n')) {
    if (line.startsWith('==> Linting ') || /^\d+ chart\(s\) linted/.test(line)) {
      finish();
      continue;
    }
    const match = FINDING.exec(line);
    if (match) {
      finish();
      const [, severity = 'ERROR', path = '', text = ''] = match;
      current = { severity: SEVERITY[severity] ?? 'error', message: text, ...(path ? { file: path } : {}) };
      continue;
    }
    if (line.startsWith('Error ') && !current) {
      // The chart could not be loaded at all.
      current = { severity: 'error', message: line.slice('Error '.length) };
      continue;
    }
    if (current) current.message += `\n${line}`;
  }
  finish();
  for (const finding of findings) refineLocation(finding);
  return findings;
}

/**
 * Template errors name the real file and line inside the message; prefer those. With nested
 * includes helm names the outer template first: the last location is where the fault is.
 */
export function refineLocation(finding: Finding): Finding {
  const match = [...finding.message.matchAll(LOCATION)].at(-1);
  if (match && (finding.file === undefined || finding.file === 'templates/' || finding.file === '')) {
    finding.file = match[1];
    finding.line = Number(match[2]);
  }
  return finding;
}
