// `chartwright new` on a real pseudo-terminal (node-pty): stdin is a TTY, so the CLI prompts, puts
// the terminal in raw mode and reads keys itself. The whole interview is typed at once, before the
// first prompt has appeared, as a fast typist or a paste does: every answer must land where it
// was meant to, and the final hint must be a command a shell runs as printed.
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { tempDir } from './support/cli.js';
import { repoRoot } from './support/tools.js';

type Pty = { onData(listener: (data: string) => void): void; onExit(listener: (event: { exitCode: number }) => void): void; write(data: string): void; kill(): void };
type PtyModule = { spawn(file: string, args: string[], options: { cwd: string; env: Record<string, string>; cols: number; rows: number }): Pty };

let pty: PtyModule | undefined;
let why = '';
try {
  pty = createRequire(import.meta.url)('node-pty') as PtyModule;
} catch (error) {
  why = `node-pty cannot be loaded here (${(error as Error).message.split('\n')[0]})`;
  console.warn(`skipping the pseudo-terminal test: ${why}`);
}

const ENTER = '\r';

describe.skipIf(!pty)('new on a real terminal', () => {
  it('keeps a whole interview typed ahead, confirms, writes, and prints a quoted hint', async () => {
    const cwd = await tempDir();
    const terminal = pty!.spawn(process.execPath, [join(repoRoot, 'bin', 'chartwright.js'), 'new', 'My Service', '--no-verify'], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', CHARTWRIGHT_MIRROR: '', TERM: 'xterm' } as Record<string, string>,
      cols: 120,
      rows: 40,
    });
    let screen = '';
    terminal.onData((data) => {
      screen += data;
    });
    const exited = new Promise<number>((resolve) => terminal.onExit(({ exitCode }) => resolve(exitCode)));
    // A hang guard with the screen in the message, not a timing assertion.
    const guard = setTimeout(() => terminal.kill(), 60_000);
    terminal.write(
      [
        `svc-one${ENTER}`, // name
        `Telemetry relay${ENTER}`, // description
        ENTER, // class: C
        `registry.internal/team/svc-one:1.2.3${ENTER}`,
        ENTER, // port 8080
        ` ${ENTER}`, // dependencies: PostgreSQL
        ENTER, // provider: external (the class C default)
        `n${ENTER}`, // ingress
        `n${ENTER}`, // ServiceMonitor
        `n${ENTER}`, // persistence
        `Team One${ENTER}`,
        `one@example.org${ENTER}`,
        `y${ENTER}`, // write
      ].join(''),
    );
    const code = await exited;
    clearTimeout(guard);
    const text = stripVTControlCharacters(screen);
    expect(code, text).toBe(0);
    const saved = parseYaml(await readFile(join(cwd, 'My Service', '.chartwright.yaml'), 'utf8'), { version: '1.1' }).answers;
    expect(saved).toMatchObject({
      name: 'svc-one',
      description: 'Telemetry relay',
      safetyClass: 'C',
      image: { repository: 'registry.internal/team/svc-one', tag: '1.2.3' },
      dependencies: ['postgresql'],
      postgresqlProvider: 'external',
      ingress: false,
      maintainerName: 'Team One',
      maintainerEmail: 'one@example.org',
    });
    expect(text).toContain("cd 'My Service' && helm install svc-one . --namespace svc-one --create-namespace -f values-dev.yaml");
  });
});
