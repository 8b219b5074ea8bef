// The environment HelmRunner gives static helm calls: Go's garbage collection set to run only near
// a memory limit (src/tools/helm.ts, staticCallGc), which real helm accepts, and a GOGC or
// GOMEMLIMIT of the user's own left alone.
import { describe, expect, it } from 'vitest';
import { type RunRequest, spawnRunner } from '../src/process/runner.js';
import { availableMemory, detectHelm, HelmRunner, staticCallGc } from '../src/tools/helm.js';
import { helmBinaries } from './support/tools.js';

describe('static helm calls', () => {
  it.each(helmBinaries())('collect garbage near a memory limit that $label ($version) accepts', async (binary) => {
    const seen: RunRequest[] = [];
    const concurrency = 3;
    const runner = new HelmRunner(await detectHelm(binary.path), (request) => (seen.push(request), spawnRunner(request)), concurrency);
    try {
      // An unreadable GOMEMLIMIT makes the Go runtime stop before helm runs.
      const result = await runner.run(['version', '--template', '{{.Version}}']);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toBe(binary.version);
    } finally {
      runner.dispose();
    }
    const env = seen[0]?.env ?? {};
    expect(env.GOGC).toBe('off');
    const limitMiB = Number(/^(\d+)MiB$/.exec(env.GOMEMLIMIT ?? '')?.[1]);
    expect(limitMiB).toBeGreaterThan(0);
    expect(limitMiB * concurrency * 2 ** 20, 'the processes at once stay within half the memory').toBeLessThanOrEqual(availableMemory() / 2);
  });

  it("keep the user's own GOGC or GOMEMLIMIT", () => {
    expect(staticCallGc(3, { GOGC: '100' })).toEqual({});
    expect(staticCallGc(3, { GOMEMLIMIT: '2GiB' })).toEqual({});
  });
});
