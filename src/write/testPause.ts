import type { SignalGuard } from '../process/signals.js';

/**
 * Test seam, tiny on purpose: with CHARTWRIGHT_TEST_PAUSE_AT=<step> the writer stops at that
 * step, prints `chartwright-test: paused at <step>` to stderr and waits for a signal (at most
 * 60 s, then goes on), so a test can interrupt a real run at an exact point of the write.
 * Steps, in order: locked, staging (half the files staged), staged, committed (journal written),
 * set-aside:N and placed:N (after the Nth file moved; into an existing directory only), moved.
 */
export async function pauseAt(step: string, guard: SignalGuard): Promise<void> {
  if (process.env.CHARTWRIGHT_TEST_PAUSE_AT !== step) return;
  process.stderr.write(`chartwright-test: paused at ${step}\n`);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([guard.whenSignalled(), new Promise((resolve) => (timer = setTimeout(resolve, 60_000)))]);
  clearTimeout(timer);
}
