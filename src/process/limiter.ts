/**
 * Bounds how much work runs at once: helm processes on the CPUs, releases on a cluster. One
 * implementation for every bound in chartwright.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number of at least 1, not ${limit}`);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      // The slot passes straight to the next waiter, so `running` never dips below the limit.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
