import { checkbox, confirm, input, select } from '@inquirer/prompts';
import type { Asker } from './collect.js';
import type { Field } from './fields.js';

export interface PromptStreams {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

/** An Asker backed by inquirer; each prompt validates with the field's own check function. */
export function inquirerAsker(streams: PromptStreams = {}): Asker {
  // Prompts go to stderr by default: stdout is reserved for data (e.g. --dry-run listings).
  const context = { input: streams.input ?? process.stdin, output: streams.output ?? process.stderr };
  return async (field: Field, defaultValue: unknown) => {
    const validate = (value: unknown) => {
      const checked = field.check(value);
      return checked.ok ? true : checked.rule;
    };
    const shown = field.show ? (field.show as (value: unknown) => string)(defaultValue) : defaultValue;
    const spec = field.prompt;
    switch (spec.type) {
      case 'input':
        return input({ message: spec.message, default: String(shown), validate }, context);
      case 'confirm':
        return confirm({ message: spec.message, default: Boolean(defaultValue) }, context);
      case 'select':
        return select({ message: spec.message, choices: spec.choices, default: String(defaultValue) }, context);
      case 'checkbox': {
        const preselected = new Set(Array.isArray(defaultValue) ? defaultValue.map(String) : []);
        return checkbox(
          {
            message: spec.message,
            choices: spec.choices.map((choice) => ({ ...choice, checked: preselected.has(choice.value) })),
            validate: (items) => validate(items.map((item) => item.value)),
          },
          context,
        );
      }
    }
  };
}
