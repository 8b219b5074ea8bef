import { emitKeypressEvents } from 'node:readline';
import { PassThrough } from 'node:stream';
import { checkbox, input, select } from '@inquirer/prompts';
import type { Asker } from './collect.js';
import { type Answers, type Field, promptOf } from './field.js';
import { checkYesNo } from './validate.js';

export interface PromptStreams {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

/** The prompts of one `chartwright new`: the questions, then the confirmation. */
export interface Interview {
  ask: Asker;
  /** A strict yes/no question: only y, yes, n, no or Enter (the default) end it. */
  confirm(message: string, defaultValue: boolean): Promise<boolean>;
  /** Gives the terminal back (raw mode off, input released). Safe to call twice. */
  close(): void;
}

type TtyInput = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/**
 * One reader of the terminal for the whole interview. Each inquirer prompt opens its own
 * readline on its input and closes it when answered; keys that arrive in the same chunk as the
 * Enter that ends a prompt (typed ahead, or pasted) would reach the closing prompt and be lost.
 * So the terminal is decoded into keys here, once, and each prompt gets a stream of its own that
 * is fed one key at a time, only while that prompt is still open; the rest wait for the next one.
 */
class Keyboard {
  private readonly queue: string[] = [];
  private current: { stream: PassThrough; open: boolean } | undefined;
  private feeding = false;
  private closed = false;
  private readonly onKey = (_text: string | undefined, key: { sequence?: string } | undefined) => {
    if (key?.sequence) this.queue.push(key.sequence);
    void this.feed();
  };

  constructor(private readonly input: TtyInput) {
    emitKeypressEvents(input);
    // Raw for the whole interview, so the terminal neither echoes nor line-buffers between prompts.
    if (input.isTTY) input.setRawMode?.(true);
    input.on('keypress', this.onKey);
    input.resume();
  }

  async run<T>(prompt: (input: NodeJS.ReadableStream) => Promise<T>): Promise<T> {
    const slot = { stream: new PassThrough(), open: true };
    this.current = slot;
    const answer = prompt(slot.stream);
    const settled = answer.then(
      () => undefined,
      () => undefined,
    );
    void settled.then(() => {
      slot.open = false;
      if (this.current === slot) this.current = undefined;
      slot.stream.end();
    });
    void this.feed();
    return answer;
  }

  private async feed(): Promise<void> {
    if (this.feeding) return;
    this.feeding = true;
    try {
      for (let slot = this.current; slot?.open && this.queue.length > 0; slot = this.current) {
        slot.stream.write(this.queue.shift());
        // Let the prompt act on the key (validation is asynchronous, and a prompt resolves on a
        // later tick) before deciding whether the next key is still its own.
        for (let tick = 0; tick < 3 && slot.open; tick++) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.feeding = false;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.input.off('keypress', this.onKey);
    if (this.input.isTTY) this.input.setRawMode?.(false);
    this.input.pause();
    // In raw mode Ctrl-C is a key, not a signal: one typed after the last prompt still interrupts.
    if (this.queue.includes('\u0003')) process.kill(process.pid, 'SIGINT');
  }
}

/** An interview backed by inquirer; each prompt validates with the field's own check function. */
export function startInterview(streams: PromptStreams = {}): Interview {
  // Prompts go to stderr by default: stdout is reserved for data (e.g. --dry-run listings).
  const output = streams.output ?? process.stderr;
  const keyboard = new Keyboard((streams.input ?? process.stdin) as TtyInput);
  const context = (input: NodeJS.ReadableStream) => ({ input, output });

  const yesNo = (message: string, defaultValue: boolean | undefined) =>
    keyboard
      .run((stream) =>
        input(
          {
            message: `${message} ${defaultValue === undefined ? '(y/n)' : defaultValue ? '(Y/n)' : '(y/N)'}`,
            validate: (value) => {
              if (value.trim() === '' && defaultValue !== undefined) return true;
              const checked = checkYesNo(value);
              return checked.ok ? true : checked.rule;
            },
            transformer: (value, { isFinal }) => {
              if (!isFinal) return value;
              const checked = checkYesNo(value);
              return (checked.ok ? checked.value : defaultValue) ? 'Yes' : 'No';
            },
          },
          context(stream),
        ),
      )
      .then((text) => {
        const checked = checkYesNo(text);
        return checked.ok ? checked.value : Boolean(defaultValue);
      });

  const ask: Asker = async (field: Field, defaultValue: unknown, sofar: Partial<Answers>) => {
    const validate = (value: unknown) => {
      const checked = field.check(value);
      return checked.ok ? true : checked.rule;
    };
    const shown = defaultValue === undefined ? undefined : field.show ? (field.show as (value: unknown) => string)(defaultValue) : String(defaultValue);
    const spec = promptOf(field, sofar);
    switch (spec.type) {
      case 'input':
        return keyboard.run((stream) =>
          input({ message: spec.message, ...(shown !== undefined && shown !== '' ? { default: shown } : {}), validate }, context(stream)),
        );
      case 'confirm':
        return yesNo(spec.message, defaultValue === undefined ? undefined : Boolean(defaultValue));
      case 'select':
        return keyboard.run((stream) =>
          select({ message: spec.message, choices: spec.choices, ...(defaultValue !== undefined ? { default: String(defaultValue) } : {}) }, context(stream)),
        );
      case 'checkbox': {
        const preselected = new Set(Array.isArray(defaultValue) ? defaultValue.map(String) : []);
        return keyboard.run((stream) =>
          checkbox(
            {
              message: spec.message,
              choices: spec.choices.map((choice) => ({ ...choice, checked: preselected.has(choice.value) })),
              validate: (items) => validate(items.map((item) => item.value)),
            },
            context(stream),
          ),
        );
      }
    }
  };

  return { ask, confirm: (message, defaultValue) => yesNo(message, defaultValue), close: () => keyboard.close() };
}
