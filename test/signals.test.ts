// The signal guard with an EventEmitter standing in for `process` as the signal source, and
// recorded exit calls instead of process.exit; the real process path is test/interrupt.test.ts.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CleanupPhase, InterruptedError, SignalGuard } from '../src/process/signals.js';

function fixture() {
  const source = new EventEmitter();
  const exits: number[] = [];
  const printed: string[] = [];
  const guard = new SignalGuard({ source, exit: (code) => exits.push(code), print: (line) => printed.push(line) });
  const listeners = () => source.listenerCount('SIGINT') + source.listenerCount('SIGTERM');
  return { source, exits, printed, guard, listeners };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('the signal guard', () => {
  it('listens only while something is registered or critical', async () => {
    const { guard, listeners } = fixture();
    expect(listeners()).toBe(0);
    const unregister = guard.register('a', () => undefined);
    expect(listeners()).toBe(2);
    unregister();
    expect(listeners()).toBe(0);
    await guard.critical('b', async () => expect(listeners()).toBe(2));
    expect(listeners()).toBe(0);
  });

  it('runs cleanups by phase, newest first within a phase, prints what they return, then exits 130 for SIGINT', async () => {
    const { source, exits, printed, guard } = fixture();
    const order: string[] = [];
    guard.register('unlock', () => void order.push('unlock'), { phase: CleanupPhase.release });
    guard.register('older undo', () => void order.push('older undo'));
    guard.register('newer undo', () => void order.push('newer undo'));
    guard.register('stop', async () => {
      order.push('stop');
      return 'stopped cleanly';
    }, { phase: CleanupPhase.stopWork });
    source.emit('SIGINT', 'SIGINT');
    expect(guard.abortSignal.aborted).toBe(true);
    await tick();
    expect(order).toEqual(['stop', 'newer undo', 'older undo', 'unlock']);
    expect(printed).toContain('stopped cleanly');
    expect(exits).toEqual([130]);
  });

  it('exits 143 after SIGTERM', async () => {
    const { source, exits, guard } = fixture();
    guard.register('a', () => undefined);
    source.emit('SIGTERM', 'SIGTERM');
    await tick();
    expect(exits).toEqual([143]);
  });

  it('defers signals until a critical section ends, and refuses new ones after a signal', async () => {
    const { source, exits, guard } = fixture();
    const release = deferred();
    const events: string[] = [];
    guard.register('cleanup', () => void events.push('cleanup'));
    const section = guard.critical('moving', async () => {
      await release.promise;
      events.push('section done');
      return 42;
    });
    source.emit('SIGINT', 'SIGINT');
    source.emit('SIGINT', 'SIGINT');
    await tick();
    // Two signals and the section still runs; nothing exited.
    expect(events).toEqual([]);
    expect(exits).toEqual([]);
    release.resolve();
    expect(await section).toBe(42);
    await tick();
    expect(events).toEqual(['section done', 'cleanup']);
    expect(exits).toEqual([130]);
    await expect(guard.critical('late', async () => 1)).rejects.toThrow(InterruptedError);
  });

  it('says a second signal was heard and keeps cleaning up; a third exits at once, listing what is left', async () => {
    const { source, exits, printed, guard } = fixture();
    const slow = deferred();
    guard.register('remove the cluster', () => slow.promise, { leftovers: () => ['kind delete cluster --name x'] });
    source.emit('SIGINT', 'SIGINT');
    await tick();
    source.emit('SIGINT', 'SIGINT');
    await tick();
    expect(exits).toEqual([]);
    expect(printed.at(-1)).toMatch(/SIGINT again; still remove the cluster/);
    source.emit('SIGTERM', 'SIGTERM');
    // The code of the first signal.
    expect(exits).toEqual([130]);
    expect(printed.at(-2)).toMatch(/third time; exiting before cleanup finished/);
    expect(printed.at(-1)).toBe('  kind delete cluster --name x');
    slow.resolve();
    await tick();
    expect(exits).toEqual([130]);
  });

  it('a third signal leaves a critical section unfinished, printing its leftovers', async () => {
    const { source, exits, printed, guard } = fixture();
    const never = deferred();
    void guard.critical('moving files into chart', () => never.promise, { leftovers: () => ['chart may be partly written'] });
    for (let count = 0; count < 3; count++) source.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([130]);
    expect(printed).toContain('  chart may be partly written');
  });

  it('reports a failing cleanup and goes on with the next', async () => {
    const { source, exits, printed, guard } = fixture();
    const ran: string[] = [];
    guard.register('second', () => void ran.push('second'), { phase: CleanupPhase.release });
    guard.register('first', () => {
      throw new Error('disk gone');
    }, { leftovers: () => ['/tmp/x'] });
    source.emit('SIGINT', 'SIGINT');
    await tick();
    expect(printed).toContain('cleanup "first" failed: disk gone');
    expect(printed).toContain('  /tmp/x');
    expect(ran).toEqual(['second']);
    expect(exits).toEqual([130]);
  });

  it('whenSignalled resolves at the first signal even during a critical section', async () => {
    const { source, guard } = fixture();
    const release = deferred();
    const section = guard.critical('x', () => release.promise);
    const heard = guard.whenSignalled();
    source.emit('SIGTERM', 'SIGTERM');
    await expect(heard).resolves.toBe('SIGTERM');
    expect(guard.received).toBe('SIGTERM');
    release.resolve();
    await section;
  });
});
