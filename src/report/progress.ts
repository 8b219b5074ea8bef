import type { StageResult } from '../verify/findings.js';
import { valuesLabel } from './model.js';
import { isChartWide } from '../stages/list.js';

/** Live progress of a run: one line on a terminal, nothing at all otherwise (logs stay clean). */
export interface Progress {
  /** How many checks the run will make, once known. */
  total(count: number): void;
  done(chart: string, result: StageResult): void;
  /** A one-off line (e.g. "creating a kwok cluster"); on a terminal it does not disturb the live line. */
  note(text: string): void;
  stop(): void;
}

/** No live line; notes (e.g. the commands that delete a kept cluster) still reach the stream. */
export const quietProgress = (stream: NodeJS.WritableStream): Progress => ({
  total: () => {},
  done: () => {},
  note: (text) => void stream.write(`${text}\n`),
  stop: () => {},
});

/**
 * A spinner line on stderr (yocto-spinner, a maintained, dependency-light spinner) for terminals;
 * `quietProgress` elsewhere: only errors and notes reach a non-terminal stderr.
 */
export async function terminalProgress(stream: NodeJS.WriteStream, label: string): Promise<Progress> {
  if (!stream.isTTY || process.env.TERM === 'dumb') return quietProgress(stream);
  const { default: yoctoSpinner } = await import('yocto-spinner');
  const spinner = yoctoSpinner({ text: label, stream }).start();
  let total = 0;
  let finished = 0;
  return {
    total: (count) => {
      total = count;
    },
    done: (chart, result) => {
      finished++;
      const scope = isChartWide(result.stage) ? '' : ` ${valuesLabel(result.valuesFiles)}`;
      spinner.text = `${label}: ${finished}${total ? `/${total}` : ''} checks (${chart} ${result.stage}${scope}${result.kubeVersion ? ` ${result.kubeVersion}` : ''})`;
    },
    note: (text) => {
      spinner.clear();
      stream.write(`${text}\n`);
      spinner.start();
    },
    stop: () => {
      spinner.stop();
    },
  };
}
