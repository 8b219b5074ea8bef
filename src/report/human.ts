import type { StageResult } from '../verify/findings.js';

/** Colour only on a terminal and never under NO_COLOR (https://no-color.org). */
export function useColour(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

function paint(enabled: boolean) {
  const wrap = (code: number) => (text: string) => (enabled ? `\u001b[${code}m${text}\u001b[0m` : text);
  return { red: wrap(31), green: wrap(32), yellow: wrap(33), dim: wrap(2), bold: wrap(1) };
}

export const valuesLabel = (files: string[]) => (files.length ? `values.yaml + ${files.join(' + ')}` : 'values.yaml');

/** Everything a person reads goes to stderr; stdout stays for data. */
export class HumanReporter {
  private readonly colours;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.colours = paint(useColour(stream));
  }

  line(text = ''): void {
    this.stream.write(`${text}\n`);
  }

  step(text: string): void {
    this.line(`${this.colours.bold('›')} ${text}`);
  }

  warn(text: string): void {
    this.line(`${this.colours.yellow('warning:')} ${text}`);
  }

  /** One line per finished stage, as it finishes. */
  stage(result: StageResult, chart?: string): void {
    const { red, green, yellow, dim } = this.colours;
    const status = result.status === 'passed' ? green('pass') : result.status === 'failed' ? red('FAIL') : yellow('skip');
    const scope = result.stage === 'dependencies' ? '' : `  ${valuesLabel(result.valuesFiles)}`;
    const kube = result.kubeVersion ? `  k8s ${result.kubeVersion}` : '';
    const why = result.reason ? dim(`  (${result.reason})`) : '';
    this.line(`  ${status}  ${chart ? `${chart}  ` : ''}${result.stage.padEnd(12)}${scope}${kube}  ${dim(`${result.durationMs} ms`)}${why}`);
  }

  findings(results: readonly StageResult[]): void {
    const { red, yellow, dim } = this.colours;
    for (const result of results) {
      const shown = result.findings.filter((finding) => finding.severity !== 'info');
      if (shown.length === 0) continue;
      const scope = result.stage === 'dependencies' ? '' : ` (${valuesLabel(result.valuesFiles)}${result.kubeVersion ? `, Kubernetes ${result.kubeVersion}` : ''})`;
      this.line(`${result.stage}${scope}:`);
      for (const finding of shown) {
        const file = finding.file ? `${finding.file}${finding.line ? `:${finding.line}` : ''}` : '';
        const place = [file, finding.object].filter(Boolean).join(' ');
        const where = `${place ? `${place}: ` : ''}${finding.rule ? `[${finding.rule}] ` : ''}`;
        const label = finding.severity === 'error' ? red('error') : yellow('warning');
        const [first, ...rest] = finding.message.split('\n');
        this.line(`  ${label} ${where}${first}`);
        for (const line of rest) this.line(dim(`      ${line}`));
      }
    }
  }

  summary(results: readonly StageResult[]): void {
    const count = (status: StageResult['status']) => results.filter((result) => result.status === status).length;
    const failed = count('failed');
    const text = `${count('passed')} stages passed, ${failed} failed, ${count('skipped')} skipped`;
    this.line(failed ? this.colours.red(text) : this.colours.green(text));
  }
}
