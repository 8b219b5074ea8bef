/**
 * Bounds how much work runs at once: helm processes on the CPUs, releases on a cluster. One
 * implementation for every bound in chartwright.
 */
export class Limiter {
  private running = 0;
  /** Work marked `first`, then the rest, each in the order asked. */
  private readonly waiting: { first: (() => void)[]; rest: (() => void)[] } = { first: [], rest: [] };
  private drainScheduled = false;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number of at least 1, not ${limit}`);
  }

  /**
   * Runs `work` when a slot is free. `first` work goes ahead of the rest (work whose result more
   * work waits on) and takes a free slot at once; other work gets one after the current turn of
   * the event loop, so `first` work asked for in the same turn still goes ahead of it.
   * `work` may free its slot before it settles (a process that exited while its output is read).
   */
  async run<T>(work: (release: () => void) => Promise<T>, options: { first?: boolean } = {}): Promise<T> {
    if (options.first && this.running < this.limit && this.waiting.first.length === 0) this.running++;
    else
      await new Promise<void>((resolve) => {
        (options.first ? this.waiting.first : this.waiting.rest).push(resolve);
        this.scheduleDrain();
      });
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.running--;
      this.drain();
    };
    try {
      return await work(release);
    } finally {
      release();
    }
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.running < this.limit) {
      const next = this.waiting.first.shift() ?? this.waiting.rest.shift();
      if (!next) return;
      this.running++;
      next();
    }
  }
}
