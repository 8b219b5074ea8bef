// Drives the real inquirer prompts of `chartwright new` in-process. As @inquirer/testing does, the
// prompts get an in-memory input stream; readline (terminal: true) decodes the raw bytes written
// to it — "\r", arrows, backspace, Ctrl-C — into keypresses, so no pseudo-terminal is needed.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type NewOptions, runNew } from '../src/commands/new.js';
import { HumanReporter } from '../src/report/human.js';
import { stagingLeftovers, tempDir } from './support/cli.js';

const KEY = { enter: '\r', up: '\u001b[A', down: '\u001b[B', space: ' ', backspace: '\u007f', ctrlC: '\u0003' };

/** Collects everything written; inquirer ends its output after each prompt, so end() is ignored. */
class Screen extends Writable {
  text = '';
  /** Called on every write, so a waiting driver re-checks at once. */
  readonly waiters: Array<() => void> = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += stripVTControlCharacters(chunk.toString());
    for (const wake of this.waiters.splice(0)) wake();
    callback();
  }

  // Every prompt pipes into this stream and ends it when done; the next prompt must still write.
  override end(): this {
    return this;
  }
}

/** Answers prompts one at a time: waits for a prompt's text, then types. */
class Terminal {
  readonly input = new PassThrough();
  readonly screen = new Screen();
  private seen = 0;

  /** Resolves once `text` appears after everything already consumed; returns what appeared. */
  async waitFor(text: string): Promise<string> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const at = this.screen.text.indexOf(text, this.seen);
      if (at >= 0) {
        const shown = this.screen.text.slice(this.seen, at + text.length);
        this.seen = at + text.length;
        return shown;
      }
      // A hang guard with the screen in the message, not a timing assertion.
      if (Date.now() > deadline) throw new Error(`prompt ${JSON.stringify(text)} never appeared; screen:\n${this.screen.text}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.screen.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  type(keys: string): void {
    this.input.write(keys);
  }

  async answer(prompt: string, keys: string): Promise<void> {
    await this.waitFor(prompt);
    this.type(keys);
  }
}

/** What the reporter printed (stderr in the CLI), for the summary and the final hint. */
class Log extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

function startNew(directory: string, terminal: Terminal, overrides: Partial<NewOptions> = {}, log = new Log()) {
  const sink = new PassThrough();
  sink.resume();
  return runNew(
    { directory, flags: {}, yes: false, dryRun: false, force: false, verify: false, plainHttp: false, ...overrides },
    {
      stdout: sink,
      reporter: new HumanReporter(log as unknown as NodeJS.WriteStream),
      interactive: true,
      prompts: { input: terminal.input, output: terminal.screen },
    },
  );
}

describe('interactive new', () => {
  it('asks every question in order, re-asks a privileged port with the rule, and writes the answers', async () => {
    const parent = await tempDir();
    const target = join(parent, 'chart-dir');
    const terminal = new Terminal();
    const log = new Log();
    const run = startNew(target, terminal, {}, log);

    // The directory name is offered as the default; typing replaces it.
    expect(await terminal.waitFor('App name')).toBeDefined();
    await terminal.waitFor('chart-dir');
    terminal.type(`payments${KEY.enter}`);
    await terminal.answer('Description', `Payments API: refunds {{ .Values }} # "fast" 'safe' 💳${KEY.enter}`);
    // Default is C; one up selects B. Each choice says what it turns on.
    const classPrompt = await terminal.waitFor('IEC 62304 software safety class');
    expect(classPrompt).toBeDefined();
    await terminal.waitFor('turns on: prod 3 replicas');
    terminal.type(`${KEY.up}${KEY.enter}`);
    await terminal.answer('Container image', `registry.example.com/team/payments:1.4.2${KEY.enter}`);

    await terminal.answer('Container port', `80${KEY.enter}`);
    const rejection = await terminal.waitFor('need root');
    expect(rejection).toContain('must be between 1024 and 65535 (ports below 1024 need root');
    // The prompt keeps the bad text ("keep" mode): erase it before typing the good port.
    terminal.type(`${KEY.backspace}${KEY.backspace}8443${KEY.enter}`);

    // PostgreSQL is the first choice: toggle it, then submit.
    await terminal.answer('Dependencies', `${KEY.space}${KEY.enter}`);
    // Class B defaults to a managed database; the frozen Bitnami subchart is the first choice.
    await terminal.answer('PostgreSQL provider', `${KEY.up}${KEY.up}${KEY.enter}`);
    await terminal.answer('Expose through an Ingress?', `y${KEY.enter}`);
    await terminal.answer('Ingress host', `payments.example.org${KEY.enter}`);
    await terminal.answer('IngressClass', KEY.enter);
    // No default: an empty answer is refused with the rule, then answered.
    await terminal.answer('Namespace of the ingress controller', KEY.enter);
    expect(await terminal.waitFor('must not be empty')).toBeDefined();
    terminal.type(`traefik${KEY.enter}`);
    await terminal.answer('Terminate TLS at the Ingress?', KEY.enter);
    await terminal.answer('TLS certificate from', `${KEY.down}${KEY.enter}`);
    await terminal.answer('cert-manager ClusterIssuer', `letsencrypt${KEY.enter}`);
    await terminal.answer('Add a Prometheus ServiceMonitor?', `y${KEY.enter}`);
    await terminal.answer('Mount a persistent volume?', `n${KEY.enter}`);
    await terminal.answer('Add a database backup CronJob?', `y${KEY.enter}`);
    await terminal.answer('Maintainer name', `Zoë O'Brien${KEY.enter}`);
    await terminal.answer('Maintainer email', `zoe@example.com${KEY.enter}`);
    // The summary names the answers and the files, and warns about the frozen image, before asking.
    await terminal.waitFor('Write the chart to');
    expect(log.text).toContain('Summary:');
    expect(log.text).toMatch(/IEC 62304 class +B \(non-serious injury is possible\)\n +turns on: prod 2 replicas/);
    expect(log.text).toMatch(/PostgreSQL provider +in-cluster/);
    expect(log.text).toMatch(/cert-manager ClusterIssuer +letsencrypt/);
    expect(log.text).not.toMatch(/NATS provider/);
    expect(log.text).toMatch(/Files in .*chart-dir \(\d+, plus chartwright's records in \.chartwright\/\):\n.*Chart\.yaml/);
    expect(log.text).toContain('templates/backup-cronjob.yaml');
    expect(log.text).toContain('warning: PostgreSQL in-cluster runs the frozen Bitnami legacy image');
    expect(existsSync(target), 'nothing is written before the confirmation').toBe(false);
    terminal.type(KEY.enter);

    expect(await run).toBe(0);
    // Redis was not chosen, so its provider was never asked.
    expect(terminal.screen.text).not.toContain('Redis provider');

    const chart = parseYaml(await readFile(join(target, 'Chart.yaml'), 'utf8'), { version: '1.1' });
    expect(chart).toMatchObject({
      name: 'payments',
      description: `Payments API: refunds {{ .Values }} # "fast" 'safe' 💳`,
      appVersion: '1.4.2',
      maintainers: [{ name: "Zoë O'Brien", email: 'zoe@example.com' }],
      annotations: { 'chartwright.io/iec62304-class': 'B' },
    });
    const values = parseYaml(await readFile(join(target, 'values.yaml'), 'utf8'), { version: '1.1' });
    expect(values.containerPort).toBe(8443);
    expect(values.ingress).toMatchObject({ enabled: true, host: 'payments.example.org', className: '', annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' } });
    expect(values.networkPolicy.ingressControllerNamespace).toBe('traefik');
    const saved = parseYaml(await readFile(join(target, '.chartwright.yaml'), 'utf8'), { version: '1.1' }).answers;
    expect(saved).toMatchObject({
      port: 8443,
      safetyClass: 'B',
      dependencies: ['postgresql'],
      postgresqlProvider: 'in-cluster',
      ingressTls: true,
      ingressCertificate: 'cert-manager',
      certManagerIssuer: 'letsencrypt',
      persistence: false,
      serviceMonitor: true,
      backup: true,
    });
    expect(existsSync(join(target, 'templates', 'backup-cronjob.yaml'))).toBe(true);
    expect(existsSync(join(target, 'templates', 'pvc.yaml'))).toBe(false);
    expect(await stagingLeftovers(parent)).toEqual([]);
  });

  it('asks only what flags left open', async () => {
    const parent = await tempDir();
    const target = join(parent, 'svc');
    const terminal = new Terminal();
    const run = startNew(target, terminal, {
      flags: { name: 'svc', description: 'd', safetyClass: 'a', image: 'app:1.0', port: '9000', dependencies: 'none', ingress: false },
    });
    await terminal.answer('Add a Prometheus ServiceMonitor?', KEY.enter);
    await terminal.answer('Mount a persistent volume?', KEY.enter);
    await terminal.answer('Maintainer name', KEY.enter);
    await terminal.answer('Maintainer email', KEY.enter);
    await terminal.answer('Write the chart to', KEY.enter);
    expect(await run).toBe(0);
    expect(terminal.screen.text).not.toMatch(/App name|Container port|Ingress host|backup/);
    const chart = parseYaml(await readFile(join(target, 'Chart.yaml'), 'utf8'), { version: '1.1' });
    // Enter on an empty input takes the shown default.
    expect(chart.maintainers).toEqual([{ name: 'Platform Team', email: 'platform@example.com' }]);
  });

  it('Ctrl-C at the last prompt rejects with ExitPromptError and writes nothing', async () => {
    const parent = await tempDir();
    const target = join(parent, 'svc');
    const terminal = new Terminal();
    const run = startNew(target, terminal, {
      flags: { name: 'svc', description: 'd', safetyClass: 'c', image: 'app:1.0', port: '9000', dependencies: 'none' },
      yes: false,
    });
    // Answer everything up to the last question, so only the interrupt stands between us and a write.
    await terminal.answer('Expose through an Ingress?', KEY.enter);
    await terminal.answer('Add a Prometheus ServiceMonitor?', KEY.enter);
    await terminal.answer('Mount a persistent volume?', KEY.enter);
    await terminal.answer('Maintainer name', KEY.enter);
    await terminal.answer('Maintainer email', 'half-typed@exa');
    terminal.type(KEY.ctrlC);
    const error = await run.then(
      () => new Error('runNew resolved after Ctrl-C'),
      (reason: unknown) => reason,
    );
    expect((error as Error).name).toBe('ExitPromptError');
    expect(await readdir(parent)).toEqual([]);
  });
});

describe('interactive new: confirmation, strict yes/no, type-ahead, hint', () => {
  const flags = { name: 'svc', description: 'd', safetyClass: 'a', image: 'app:1.0', port: '9000', dependencies: 'none' };

  it('asks again after an answer that is not yes or no, instead of taking it as No', async () => {
    const parent = await tempDir();
    const target = join(parent, 'svc');
    const terminal = new Terminal();
    const run = startNew(target, terminal, { flags });
    await terminal.answer('Expose through an Ingress?', `maybe${KEY.enter}`);
    expect(await terminal.waitFor('answer y (yes) or n (no)')).toBeDefined();
    // The prompt keeps the bad text: erase it, then answer.
    terminal.type(`${KEY.backspace.repeat(5)}yes${KEY.enter}`);
    await terminal.answer('Ingress host', KEY.enter);
    await terminal.answer('IngressClass', KEY.enter);
    await terminal.answer('Namespace of the ingress controller', `kube-system${KEY.enter}`);
    await terminal.answer('Terminate TLS at the Ingress?', `n${KEY.enter}`);
    await terminal.answer('Add a Prometheus ServiceMonitor?', `NO${KEY.enter}`);
    await terminal.answer('Mount a persistent volume?', KEY.enter);
    await terminal.answer('Maintainer name', KEY.enter);
    await terminal.answer('Maintainer email', KEY.enter);
    await terminal.answer('Write the chart to', `y${KEY.enter}`);
    expect(await run).toBe(0);
    const saved = parseYaml(await readFile(join(target, '.chartwright.yaml'), 'utf8'), { version: '1.1' }).answers;
    expect(saved).toMatchObject({ ingress: true, ingressControllerNamespace: 'kube-system', ingressTls: false, serviceMonitor: false });
  });

  it('writes nothing when the confirmation is declined', async () => {
    const parent = await tempDir();
    const target = join(parent, 'svc');
    const terminal = new Terminal();
    const log = new Log();
    const run = startNew(target, terminal, { flags: { ...flags, ingress: false, serviceMonitor: false, persistence: false, maintainerName: 'M', maintainerEmail: 'm@example.org' } }, log);
    await terminal.answer('Write the chart to', `n${KEY.enter}`);
    expect(await run).toBe(0);
    expect(log.text).toContain('nothing written');
    expect(await readdir(parent)).toEqual([]);
  });

  it('keeps keys typed ahead: a whole interview typed at once, before the first prompt shows', async () => {
    const parent = await tempDir();
    const target = join(parent, 'svc');
    const terminal = new Terminal();
    // Every answer in one chunk, as a fast typist or a paste delivers it: each Enter ends one
    // prompt, and the keys after it must reach the next prompt, not the one that is closing.
    terminal.type(
      [
        `y${KEY.enter}`, // Ingress
        `api.example.org${KEY.enter}`, // host (replaces the default)
        `nginx${KEY.enter}`, // IngressClass
        `ingress-nginx${KEY.enter}`, // controller namespace
        `n${KEY.enter}`, // TLS
        `y${KEY.enter}`, // ServiceMonitor
        `n${KEY.enter}`, // persistence
        `Ada Lovelace${KEY.enter}`,
        `ada@example.org${KEY.enter}`,
        `y${KEY.enter}`, // write
      ].join(''),
    );
    const run = startNew(target, terminal, { flags });
    expect(await run).toBe(0);
    const saved = parseYaml(await readFile(join(target, '.chartwright.yaml'), 'utf8'), { version: '1.1' }).answers;
    expect(saved).toMatchObject({
      ingress: true,
      ingressHost: 'api.example.org',
      ingressClass: 'nginx',
      ingressControllerNamespace: 'ingress-nginx',
      ingressTls: false,
      serviceMonitor: true,
      persistence: false,
      maintainerName: 'Ada Lovelace',
      maintainerEmail: 'ada@example.org',
    });
  });

  it('with --yes asks no confirmation, and ends with a runnable, quoted hint that names the placeholder image', async () => {
    const parent = await tempDir();
    const target = join(parent, 'My Service');
    const terminal = new Terminal();
    const log = new Log();
    const run = startNew(target, terminal, { flags: { dependencies: 'nats' }, yes: true }, log);
    expect(await run).toBe(0);
    expect(terminal.screen.text).not.toContain('Write the chart to');
    expect(log.text).toContain('Summary:');
    const shown = relative(process.cwd(), target);
    expect(log.text).toContain(`cd '${shown}' && helm dependency build && helm install my-service . --namespace my-service --create-namespace -f values-dev.yaml`);
    expect(log.text).toContain('registry.example.com/my-service:0.1.0 is a placeholder');
    expect(log.text).toMatch(/Placeholders to replace before production.*\n {2}values\.yaml image\.repository: registry\.example\.com\/my-service/);
  });
});
