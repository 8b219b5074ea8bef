/** Colour only on a terminal and never under NO_COLOR (https://no-color.org). */
export function useColour(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

function paint(enabled: boolean) {
  const wrap = (code: number) => (text: string) => (enabled ? `\u001b[${code}m${text}\u001b[0m` : text);
  return { yellow: wrap(33), bold: wrap(1) };
}

/** Everything a person reads goes to stderr; stdout stays for data. */
export class HumanReporter {
  private readonly colours;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.colours = paint(useColour(stream));
  }

  line(text = ''): void {
    this.stream.write(`${text}\n`);
  }

  step(text: string): void {
    this.line(`${this.colours.bold('›')} ${text}`);
  }

  warn(text: string): void {
    this.line(`${this.colours.yellow('warning:')} ${text}`);
  }
}
