import { setMaxListeners } from 'node:events';
/**
 * One signal guard per process, shared by everything that must not be cut short: the chart
 * writer (a sequence of renames) and the install session (clusters and namespaces to remove).
 *
 * - Work registers a named cleanup with a phase; the guard listens for SIGINT and SIGTERM only
 *   while something is registered, so elsewhere Node's default (end by the signal) applies.
 * - `critical(name, work)` defers signals until `work` settles: a rename sequence is never cut
 *   in half by the first or second signal.
 * - First signal: `abortSignal` aborts (work stops at its next checkpoint), running critical
 *   sections finish, then the cleanups run in phase order (lower first; within a phase, the
 *   newest registration first, like nested `finally` blocks), the lines they return are printed,
 *   and the process exits 130 after SIGINT, 143 after SIGTERM (128 + the signal number: what a
 *   shell reports for a process the signal ended, and what `timeout`, CI runners and Kubernetes
 *   expect from SIGTERM; issue 10's "exit 130" is the SIGINT case).
 * - Second signal: said to have been heard; cleanup goes on (never Node's default kill mid-move).
 * - Third signal: the way out. Exits at once with the same code, printing what each unfinished
 *   cleanup or critical section leaves behind (its `leftovers`). The chart writer's journal makes
 *   even this (or SIGKILL) recoverable: the next run on the directory finishes or undoes the write.
 */

/** Where SIGINT/SIGTERM come from: `process` by default, an EventEmitter in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export const GUARDED_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type GuardedSignal = (typeof GUARDED_SIGNALS)[number];

/** 128 + the signal number. */
export const SIGNAL_EXIT_CODES: Record<GuardedSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/** Cleanup phases: work is stopped (and reports how it ended) before things are undone, and locks go last. */
export const CleanupPhase = {
  /** Wait for work to reach a safe state, e.g. the writer rolling back its staging directory. */
  stopWork: 0,
  /** Remove what the run created: clusters, namespaces, temporary directories. */
  undo: 100,
  /** Release what other runs wait for: locks. */
  release: 200,
} as const;

/** Returns lines to print (without the `chartwright: ` prefix), or nothing. */
export type Cleanup = (signal: GuardedSignal) => Promise<string | string[] | void> | string | string[] | void;

export interface CleanupOptions {
  /** See CleanupPhase; default `undo`. */
  phase?: number;
  /** What stays behind if the process exits before this cleanup ran (third signal), as lines to print. */
  leftovers?: () => string[];
}

export interface SignalGuardOptions {
  /** Default: `process`. */
  source?: SignalSource;
  /** Ends the process; default `process.exit`. Called once. */
  exit?: (code: number) => void;
  /** One line of notice; default: stderr with a `chartwright: ` prefix. */
  print?: (line: string) => void;
}

interface Entry {
  name: string;
  cleanup: Cleanup;
  phase: number;
  order: number;
  leftovers?: () => string[];
}

interface Section {
  name: string;
  done: Promise<unknown>;
  leftovers?: () => string[];
}

export class SignalGuard {
  private readonly source: SignalSource;
  private readonly exit: (code: number) => void;
  private readonly print: (line: string) => void;
  private readonly controller = new AbortController();
  private readonly entries = new Set<Entry>();
  private readonly sections = new Set<Section>();
  private readonly firstSignal: Promise<GuardedSignal>;
  private resolveFirst!: (signal: GuardedSignal) => void;
  private listening = false;
  private count = 0;
  private signal: GuardedSignal | undefined;
  private shuttingDown = false;
  private exited = false;
  private running: Entry | undefined;
  private nextOrder = 0;

  constructor(options: SignalGuardOptions = {}) {
    this.source = options.source ?? process;
    this.exit = options.exit ?? ((code) => process.exit(code));
    this.print = options.print ?? ((line) => process.stderr.write(`chartwright: ${line}\n`));
    this.firstSignal = new Promise((resolve) => (this.resolveFirst = resolve));
    // Every child process of a run listens on this one signal: more than Node's default of 10 at
    // once is normal, not a leak.
    setMaxListeners(0, this.controller.signal);
  }

  /** Aborted at the first signal (reason: its name), so long work can stop at a checkpoint. */
  get abortSignal(): AbortSignal {
    return this.controller.signal;
  }

  /** The first signal received, if any. */
  get received(): GuardedSignal | undefined {
    return this.signal;
  }

  /** Resolves at the first signal, even one deferred by a critical section. */
  whenSignalled(): Promise<GuardedSignal> {
    return this.firstSignal;
  }

  /** Registers a cleanup to run after the first signal; returns its unregister function. */
  register(name: string, cleanup: Cleanup, options: CleanupOptions = {}): () => void {
    const entry: Entry = { name, cleanup, phase: options.phase ?? CleanupPhase.undo, order: this.nextOrder++, ...(options.leftovers ? { leftovers: options.leftovers } : {}) };
    this.entries.add(entry);
    this.listen();
    return () => {
      this.entries.delete(entry);
      this.stopListeningWhenIdle();
    };
  }

  /**
   * Runs `work` with signals deferred until it settles. Refused (InterruptedError) once a signal
   * has arrived: nothing new that cannot be cut short starts during shutdown.
   */
  async critical<T>(name: string, work: () => Promise<T>, options: { leftovers?: () => string[] } = {}): Promise<T> {
    if (this.signal) throw new InterruptedError(this.signal, `interrupted by ${this.signal} before ${name}`);
    const done = Promise.resolve().then(work);
    const section: Section = { name, done, ...(options.leftovers ? { leftovers: options.leftovers } : {}) };
    this.sections.add(section);
    this.listen();
    try {
      return await done;
    } finally {
      this.sections.delete(section);
      this.stopListeningWhenIdle();
    }
  }

  private readonly onSignal = (raw: NodeJS.Signals) => {
    const signal: GuardedSignal = raw === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
    this.count += 1;
    if (this.count === 1) {
      this.signal = signal;
      this.resolveFirst(signal);
      this.controller.abort(signal);
      const waiting = [...this.sections].map((section) => section.name);
      this.print(`${signal} received; ${waiting.length ? `finishing ${waiting.join(', ')} first, then ` : ''}cleaning up (two more signals exit at once)`);
      void this.shutdown();
    } else if (this.count === 2) {
      const doing = [...this.sections].map((section) => section.name)[0] ?? this.running?.name ?? 'cleaning up';
      this.print(`${signal} again; still ${doing} (one more signal exits at once, leaving it unfinished)`);
    } else {
      this.print(`${signal} a third time; exiting before cleanup finished`);
      for (const line of this.leftovers()) this.print(`  ${line}`);
      this.finish();
    }
  };

  private async shutdown(): Promise<void> {
    this.shuttingDown = true;
    // Sections may start others (never after the signal: critical() refuses), so wait until none.
    while (this.sections.size > 0) await Promise.allSettled([...this.sections].map((section) => section.done));
    for (let entry = this.ordered()[0]; entry && !this.exited; entry = this.ordered()[0]) {
      this.entries.delete(entry);
      this.running = entry;
      try {
        const lines = await entry.cleanup(this.signal as GuardedSignal);
        for (const line of typeof lines === 'string' ? [lines] : (lines ?? [])) if (!this.exited) this.print(line);
      } catch (error) {
        this.print(`cleanup "${entry.name}" failed: ${error instanceof Error ? error.message : String(error)}`);
        for (const line of entry.leftovers?.() ?? []) this.print(`  ${line}`);
      }
    }
    this.running = undefined;
    this.finish();
  }

  private finish(): void {
    if (this.exited) return;
    this.exited = true;
    this.exit(SIGNAL_EXIT_CODES[this.signal ?? 'SIGINT']);
  }

  private ordered(): Entry[] {
    return [...this.entries].sort((a, b) => a.phase - b.phase || b.order - a.order);
  }

  private leftovers(): string[] {
    const unfinished = [...this.sections, ...(this.running ? [this.running] : []), ...this.ordered()];
    return unfinished.flatMap((work) => work.leftovers?.() ?? []);
  }

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    for (const signal of GUARDED_SIGNALS) this.source.on(signal, this.onSignal);
  }

  private stopListeningWhenIdle(): void {
    // Once shutting down, every further signal must reach us, not Node's default.
    if (!this.listening || this.shuttingDown || this.entries.size > 0 || this.sections.size > 0) return;
    this.listening = false;
    for (const signal of GUARDED_SIGNALS) this.source.off(signal, this.onSignal);
  }
}

/** Thrown by work that stopped because of a signal; the guard prints the outcome and exits. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  readonly exitCode: number;
  constructor(
    readonly signal: GuardedSignal,
    message: string,
  ) {
    super(message);
    this.exitCode = SIGNAL_EXIT_CODES[signal];
  }
}

let shared: SignalGuard | undefined;

/** The process's guard, created on first use. */
export function processSignalGuard(): SignalGuard {
  shared ??= new SignalGuard();
  return shared;
}
