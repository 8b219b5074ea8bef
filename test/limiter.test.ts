// The one bound on concurrent work (src/process/limiter.ts): never more than its limit at once,
// work asked for together starts `first` work first, and a freed slot goes to the next waiter.
import { describe, expect, it } from 'vitest';
import { Limiter } from '../src/process/limiter.js';

/** Work that finishes when told to, and records when it started. */
function gatedWork(started: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const work = async () => {
    started.push(name);
    await done;
    return name;
  };
  return { work, finish: () => finish() };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('Limiter', () => {
  it('runs at most its limit at once, and starts the next when one ends', async () => {
    const limiter = new Limiter(2);
    const started: string[] = [];
    const jobs = ['a', 'b', 'c', 'd'].map((name) => gatedWork(started, name));
    const results = jobs.map((job) => limiter.run(job.work));
    await turn();
    expect(started).toEqual(['a', 'b']);
    jobs[1]?.finish();
    await turn();
    expect(started).toEqual(['a', 'b', 'c']);
    for (const job of jobs) job.finish();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('starts work marked first ahead of work asked for in the same turn, each in the order asked', async () => {
    const limiter = new Limiter(1);
    const started: string[] = [];
    const jobs = { lint1: gatedWork(started, 'lint1'), lint2: gatedWork(started, 'lint2'), template1: gatedWork(started, 'template1'), template2: gatedWork(started, 'template2') };
    const results = [
      limiter.run(jobs.lint1.work),
      limiter.run(jobs.template1.work, { first: true }),
      limiter.run(jobs.lint2.work),
      limiter.run(jobs.template2.work, { first: true }),
    ];
    for (const name of ['template1', 'template2', 'lint1', 'lint2'] as const) {
      await turn();
      expect(started.at(-1)).toBe(name);
      jobs[name].finish();
    }
    await Promise.all(results);
    expect(started).toEqual(['template1', 'template2', 'lint1', 'lint2']);
  });

  it('lets work free its slot before it settles (a process that exited, its output still being read)', async () => {
    const limiter = new Limiter(1);
    const started: string[] = [];
    const reading = gatedWork(started, 'reading');
    const first = limiter.run((release) => {
      release();
      release(); // twice frees one slot, not two
      return reading.work();
    });
    const next = gatedWork(started, 'next');
    const third = gatedWork(started, 'third');
    const results = [limiter.run(next.work), limiter.run(third.work)];
    await turn();
    expect(started).toEqual(['reading', 'next']);
    next.finish();
    await turn();
    expect(started).toEqual(['reading', 'next', 'third']);
    reading.finish();
    third.finish();
    await Promise.all([first, ...results]);
  });

  it('frees the slot of work that fails', async () => {
    const limiter = new Limiter(1);
    const failing = async () => {
      throw new Error('boom');
    };
    await expect(limiter.run(failing)).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'next')).toBe('next');
  });

  it('refuses a limit that is not a whole number of at least 1', () => {
    expect(() => new Limiter(0)).toThrow(RangeError);
    expect(() => new Limiter(1.5)).toThrow(RangeError);
  });
});
