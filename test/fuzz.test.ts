// Property tests: user text full of YAML/Go-template metacharacters, newlines and unicode either
// is refused (ValidationError / exit 2, nothing written) or comes back exactly from every file we
// write. Bounded runs; fast-check prints the seed and path of a failure (rerun with FC_SEED=<seed>).
// A fixed sample goes through real helm 4, the consumer that matters.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { PassThrough } from 'node:stream';
import { Ajv } from 'ajv';
import { execa } from 'execa';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import type { AnswerKey } from '../src/answers/fields.js';
import { readSavedAnswers } from '../src/records/index.js';
import { checkDescription, checkEmail, checkHost, checkMaintainerName, checkName } from '../src/answers/validate.js';
import { runNew } from '../src/commands/new.js';
import { ValidationError } from '../src/errors.js';
import { HumanReporter } from '../src/report/human.js';
import { runCli, stagingLeftovers, tempDir } from './support/cli.js';
import { helmBinaries, isolatedHelmEnv } from './support/tools.js';

const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() % 2 ** 31;
const RUNS = 40;
const params = (numRuns: number) => ({ seed: SEED, numRuns });


// Helm reads YAML 1.1 (see src/render/yaml.ts), so the files are read back the same way.
const readYaml = (text: string) => parseYaml(text, { version: '1.1', uniqueKeys: true, prettyErrors: false });

// ---------------------------------------------------------------------------------------------
// Arbitraries

const VALID_PIECES = [
  ': ', ':', '#', ' # ', '{{', '}}', '{{-', '-}}', '{{ .Values.x }}', '{{ .Release.Name | quote }}', '"', "'", "''", '|', '|-', '>',
  '&', '&anchor', '*', '*alias', '!', '!!str', '%', '%YAML 1.1', '@', '`', '\\', '\\n', '- ', '? ', '---', '...',
  '[', ']', '{', '}', ',', '$', '<<', '~', 'null', 'yes', 'no', 'on', 'off', 'y', '0x1F', '1e3', '1_000', '12:30', '0777',
  '2024-01-01', '.inf', ' ', '  ', 'a', 'word', '🚀', '🇩🇪', 'שלום', 'مرحبا', 'e\u0301', '\u0645\u0651', 'ß', '中文',
];
// Characters the rules must refuse (controls, line breaks, tabs, and what Helm drops or rewrites in
// Chart.yaml: special spaces and invisible format characters such as RTL marks, ZWSP, BOM and the
// ZWJ of emoji sequences); mixed in rarely so most cases get written and checked.
const INVALID_PIECES = [
  '\u0000', '\u0007', '\u001b[31m', '\r', '\r\n', '\n', '\t', '\u0085', '\u2028', '\ud800', '\udfff', '\u007f', '\u200f', '\u202e',
  '\u00a0', '\u200b', '\ufeff', '👩‍👩‍👧',
];


const text = (maxPieces: number) =>
  fc
    .oneof(
      { weight: 6, arbitrary: fc.array(fc.constantFrom(...VALID_PIECES), { minLength: 1, maxLength: maxPieces }).map((parts) => parts.join('')) },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
      {
        weight: 1,
        arbitrary: fc
          .array(fc.oneof(fc.constantFrom(...VALID_PIECES), fc.constantFrom(...INVALID_PIECES)), { minLength: 1, maxLength: 8 })
          .map((parts) => parts.join('')),
      },
    )


const NASTY_EMAILS = [
  '{{x}}@example.com', "o'brien@example.com", 'a|b@example.com', '#x@example.com', '*x@example.com', '&x@example.com',
  '!x@example.com', '%x@example.com', '-x@example.com', '?x@example.com', '`x`@example.com', '~@example.com', 'a{b}c@example.com',
  'x@example', 'x y@example.com', ' x@example.com ', 'x@example.com\n',
];
const email = fc.oneof(
  { weight: 3, arbitrary: fc.emailAddress() },
  { weight: 2, arbitrary: fc.constantFrom(...NASTY_EMAILS) },
  { weight: 1, arbitrary: text(4) },
);

const host = fc.oneof(
  { weight: 4, arbitrary: fc.domain() },
  { weight: 2, arbitrary: fc.domain().map((domain) => `*.${domain}`) },
  { weight: 1, arbitrary: fc.ipV4() },
  { weight: 1, arbitrary: fc.domain().map((domain) => domain.toUpperCase()) },
  { weight: 1, arbitrary: text(4) },
);

const name = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z][-a-z0-9]{0,55}$/) },
  // Valid names that YAML 1.1 or Go would read as booleans, nulls or numbers unless quoted.
  { weight: 1, arbitrary: fc.constantFrom('y', 'n', 'no', 'on', 'off', 'yes', 'null', 'true', 'nan', 'inf', 'e1', 'o0', 'x0') },
  { weight: 1, arbitrary: text(3) },
);

// ---------------------------------------------------------------------------------------------
// The pipeline and the checks

type Flags = Partial<Record<AnswerKey, unknown>>;
type Outcome = { written: true; dir: string } | { written: false; error: ValidationError };

/** Answers → plan → atomic write, in-process through the command itself (runNew with --yes). */
async function generate(root: string, flags: Flags): Promise<Outcome> {
  const dir = join(root, `case-${(await readdir(root)).length}`);
  const sink = new PassThrough();
  sink.resume();
  try {
    const code = await runNew(
      { directory: dir, flags, yes: true, dryRun: false, force: false, verify: false, plainHttp: false },
      { stdout: sink, reporter: new HumanReporter(sink as unknown as NodeJS.WriteStream), interactive: false },
    );
    expect(code).toBe(0);
    return { written: true, dir };
  } catch (error) {
    // Anything other than a rule violation (e.g. a YAML or template crash) fails the property.
    if (!(error instanceof ValidationError)) throw error;
    expect(existsSync(dir), 'a refused answer must write nothing').toBe(false);
    expect(await stagingLeftovers(root)).toEqual([]);
    return { written: false, error };
  }
}

async function dataFiles(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (current: string) => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      const path = relative(dir, full).split(sep).join('/');
      // templates/ holds Go templates, not YAML; .chartwright/ holds copies of generated files.
      if (entry.isDirectory()) {
        if (path !== 'templates' && path !== '.chartwright') await walk(full);
      } else if (/\.(ya?ml|json)$/.test(entry.name)) files.set(path, await readFile(full, 'utf8'));
    }
  };
  await walk(dir);
  return files;
}

interface Expected {
  name?: string;
  description?: string;
  maintainerName?: string;
  maintainerEmail?: string;
  ingressHost?: string;
}

/** Every data file parses, values.yaml meets its schema, and the user's text is unchanged. */
async function expectRoundTrip(dir: string, expected: Expected): Promise<void> {
  const files = await dataFiles(dir);
  expect([...files.keys()]).toEqual(
    expect.arrayContaining(['Chart.yaml', 'values.yaml', 'values-dev.yaml', 'values-prod.yaml', '.chartwright.yaml', 'values.schema.json']),
  );
  const parsed = new Map<string, any>();
  for (const [path, content] of files) {
    try {
      parsed.set(path, path.endsWith('.json') ? JSON.parse(content) : readYaml(content));
    } catch (error) {
      throw new Error(`${path} does not parse: ${(error as Error).message}\n${content.slice(0, 2000)}`);
    }
  }
  const chart = parsed.get('Chart.yaml');
  const saved = parsed.get('.chartwright.yaml').answers;
  const values = parsed.get('values.yaml');
  if (expected.name !== undefined) {
    expect(chart.name).toBe(expected.name);
    expect(saved.name).toBe(expected.name);
  }
  if (expected.description !== undefined) {
    expect(chart.description).toBe(expected.description);
    expect(saved.description).toBe(expected.description);
  }
  if (expected.maintainerName !== undefined) expect(chart.maintainers[0].name).toBe(expected.maintainerName);
  if (expected.maintainerEmail !== undefined) expect(chart.maintainers[0].email).toBe(expected.maintainerEmail);
  expect(saved.maintainerName).toBe(chart.maintainers[0].name);
  expect(saved.maintainerEmail).toBe(chart.maintainers[0].email);
  if (expected.ingressHost !== undefined) {
    expect(values.ingress.host).toBe(expected.ingressHost);
    expect(saved.ingressHost).toBe(expected.ingressHost);
  }

  const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(parsed.get('values.schema.json'));
  expect(validate(values), JSON.stringify(validate.errors)).toBe(true);

  // chartwright's own reader of .chartwright.yaml (used to regenerate) must get the same answers.
  const reread = await readSavedAnswers(dir);
  expect(reread.answers).toEqual(saved);
}

const BASE: Flags = { ingress: true, ingressControllerNamespace: 'ingress' };

/** Runs one field's property, and checks it did not pass by refusing everything. */
async function fieldProperty<T>(
  arbitrary: fc.Arbitrary<T>,
  toFlags: (value: T) => Flags,
  expectedOf: (value: T) => Expected,
  refusedBy: (value: T, error: ValidationError) => void,
): Promise<void> {
  const root = await tempDir('chartwright-fuzz-');
  let written = 0;
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      const outcome = await generate(root, { ...BASE, ...toFlags(value) });
      if (outcome.written) {
        written += 1;
        await expectRoundTrip(outcome.dir, expectedOf(value));
      } else {
        refusedBy(value, outcome.error);
      }
    }),
    params(RUNS),
  );
  // Most generated values are valid; a run that wrote (almost) nothing proved nothing.
  expect(written).toBeGreaterThanOrEqual(RUNS / 4);
}

function expectRefusal(error: ValidationError, field: string, rule: string | undefined) {
  expect(error.field).toBe(field);
  expect(rule, 'refused although the rule accepts it').toBeDefined();
  expect(error.rule).toBe(rule);
}

const ruleOf = (checked: { ok: true } | { ok: false; rule: string }) => (checked.ok ? undefined : checked.rule);

describe(`fuzzed answers, in-process (seed ${SEED})`, () => {
  it('descriptions', async () => {
    await fieldProperty(
      text(12),
      (description) => ({ description }),
      (description) => ({ description }),
      (description, error) => expectRefusal(error, '--description', ruleOf(checkDescription(description))),
    );
  });

  it('maintainer names and emails', async () => {
    await fieldProperty(
      fc.record({ maintainerName: text(6), maintainerEmail: email }),
      (flags) => flags,
      ({ maintainerName, maintainerEmail }) => ({ maintainerName, maintainerEmail: maintainerEmail.trim() }),
      ({ maintainerName, maintainerEmail }, error) => {
        const nameRule = ruleOf(checkMaintainerName(maintainerName));
        if (nameRule) expectRefusal(error, '--maintainer-name', nameRule);
        else expectRefusal(error, '--maintainer-email', ruleOf(checkEmail(maintainerEmail)));
      },
    );
  });

  it('ingress hosts', async () => {
    await fieldProperty(
      host,
      (ingressHost) => ({ ingressHost }),
      (ingressHost) => ({ ingressHost: ingressHost.trim() }),
      (ingressHost, error) => expectRefusal(error, '--ingress-host', ruleOf(checkHost(ingressHost))),
    );
  });

  it('chart names', async () => {
    await fieldProperty(
      name,
      (value) => ({ name: value }),
      (value) => ({ name: value }),
      (value, error) => expectRefusal(error, '--name', ruleOf(checkName(value))),
    );
  });
});

describe(`fuzzed answers through the CLI (seed ${SEED})`, () => {
  // argv cannot carry NUL, and lone surrogates would arrive as U+FFFD.
  const argvSafe = (value: string) => !/[\u0000\ud800-\udfff]/.test(value);

  it('either exit 2 with nothing written, or exit 0 with the text intact', async () => {
    const root = await tempDir('chartwright-fuzz-cli-');
    let index = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          description: text(8).filter(argvSafe),
          maintainerName: text(4).filter(argvSafe),
          maintainerEmail: email.filter(argvSafe),
          ingressHost: host.filter(argvSafe),
        }),
        async (answers) => {
          const cwd = join(root, `run-${index++}`);
          await mkdir(cwd);
          const { exitCode, stderr } = await runCli(
            [
              'new', '--yes', '--no-verify', 'svc', '--ingress', '--ingress-controller-namespace', 'ingress',
              '--description', answers.description,
              '--maintainer-name', answers.maintainerName,
              '--maintainer-email', answers.maintainerEmail,
              '--ingress-host', answers.ingressHost,
            ],
            { cwd },
          );
          const allValid = [
            checkDescription(answers.description),
            checkMaintainerName(answers.maintainerName),
            checkEmail(answers.maintainerEmail),
            checkHost(answers.ingressHost),
          ].every((checked) => checked.ok);
          if (!allValid) {
            expect(exitCode, stderr).toBe(2);
            expect(stderr).toMatch(/^chartwright: invalid --[a-z-]+ /m);
            expect(stderr).not.toMatch(/^\s{4}at /m);
            expect(await readdir(cwd)).toEqual([]);
            return;
          }
          expect(exitCode, stderr).toBe(0);
          await expectRoundTrip(join(cwd, 'svc'), {
            description: answers.description,
            maintainerName: answers.maintainerName,
            maintainerEmail: answers.maintainerEmail.trim(),
            ingressHost: answers.ingressHost.trim(),
          });
          expect(await stagingLeftovers(cwd)).toEqual([]);
        },
      ),
      params(10),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Real helm on a fixed sample

const helm4 = helmBinaries().find((helm) => helm.label === 'helm4')!;

async function helm(args: string[], home: string) {
  return execa(helm4.path, args, { env: isolatedHelmEnv(home), reject: false });
}

interface HelmCase {
  label: string;
  flags: Flags;
}

const FIXED: HelmCase[] = [
  { label: 'YAML and template syntax', flags: { description: `x: y # {{ .Values }} "quoted" 'single' and more` } },
  { label: 'template actions', flags: { description: '{{- fail "boom" -}} {{ .Release.Name }}', maintainerName: '{{ .Chart.Name }} {{- "x" }}' } },
  { label: 'YAML indicators first', flags: { description: '*alias &anchor !tag %directive @at `tick` | > ? -', maintainerName: '& * ! | > % @ `' } },
  { label: 'document markers and list syntax', flags: { description: '- item ? key : value --- ... # comment' } },
  {
    label: 'unicode: emoji, flags, RTL script, combining marks',
    flags: { description: 'emoji 🚀🇩🇪 RTL שלום עולם مرحبا combining e\u0301', maintainerName: 'Zoë Ørsted-Łukasz 中文' },
  },
  { label: 'leading and trailing spaces', flags: { description: '  leading spaces and trailing  ' } },
  {
    label: 'YAML 1.1 scalars that are not strings',
    flags: { description: 'yes', maintainerName: '~', maintainerEmail: "o'brien+{x}|y@example.com", ingressHost: '*.apps.example.com' },
  },
  { label: 'quotes and backslashes', flags: { description: `"double \\" backslash" 'it''s' \\n not a newline`, maintainerName: 'null' } },
];

// What Helm would rewrite when it loads Chart.yaml (spaces other than ' ', line breaks, tabs,
// invisible format characters) is refused up front, naming the rule, so the chart says what was typed.
const REWRITTEN_BY_HELM: HelmCase[] = [
  { label: 'two lines', flags: { description: 'first line\nsecond line' } },
  { label: 'a tab', flags: { description: 'tab\there' } },
  { label: 'a right-to-left mark', flags: { description: 'RTL \u200fשלום' } },
  { label: 'a no-break space', flags: { maintainerName: 'Zoë\u00a0Ørsted' } },
  { label: 'an emoji ZWJ sequence', flags: { description: 'family 👩‍👩‍👧' } },
  { label: 'a zero-width space', flags: { maintainerName: 'Zo\u200bë' } },
];

/** Writes the chart, then runs helm lint --strict, helm template and helm show chart on it. */
async function throughHelm(flags: Flags) {
  const root = await tempDir('chartwright-helm-fuzz-');
  const outcome = await generate(root, { ingress: true, ingressControllerNamespace: 'ingress', ...flags });
  if (!outcome.written) return { refused: outcome.error } as const;
  const home = join(root, 'helm-home');
  const lint = await helm(['lint', '--strict', outcome.dir], home);
  const template = await helm(['template', 'release', outcome.dir], home);
  const show = await helm(['show', 'chart', outcome.dir], home);
  return { dir: outcome.dir, lint, template, show } as const;
}

describe(`fixed nasty answers through ${helm4.label} ${helm4.version}`, () => {
  it.each(FIXED)('$label: lint --strict and template pass, helm reads the text back', async ({ flags }) => {
    const result = await throughHelm(flags);
    if ('refused' in result) throw new Error(`refused a valid answer: ${result.refused?.message}`);
    expect(result.lint.exitCode, result.lint.stdout + result.lint.stderr).toBe(0);
    expect(result.template.exitCode, result.template.stderr).toBe(0);
    expect(result.show.exitCode, result.show.stderr).toBe(0);
    const shown = readYaml(String(result.show.stdout));
    const chart = readYaml(await readFile(join(result.dir, 'Chart.yaml'), 'utf8'));
    // Chart.yaml itself holds the text literally ...
    expect(chart.description).toBe(flags.description ?? chart.description);
    if (flags.maintainerName !== undefined) expect(chart.maintainers[0].name).toBe(flags.maintainerName);
    // ... and helm shows exactly that: nothing it would rewrite got through.
    expect(shown.description).toBe(chart.description);
    expect(shown.maintainers).toEqual(chart.maintainers.map((m: { name: string; email: string }) => ({ name: m.name, email: m.email })));
    if (flags.maintainerEmail !== undefined) expect(shown.maintainers[0].email).toBe(flags.maintainerEmail);
    // The host reaches the rendered Ingress unchanged.
    const ingress = parseAllDocuments(String(result.template.stdout))
      .map((doc) => doc.toJS())
      .find((object) => object?.kind === 'Ingress');
    expect(ingress?.spec.rules[0].host).toBe(flags.ingressHost ?? `${chart.name}.example.com`);
    await expectRoundTrip(result.dir, {});
  });

  it.each(REWRITTEN_BY_HELM)('$label is refused with the rule, nothing written', async ({ flags }) => {
    const root = await tempDir('chartwright-helm-fuzz-');
    const outcome = await generate(root, { ingress: true, ingressControllerNamespace: 'ingress', ...flags });
    expect(outcome.written).toBe(false);
    if (outcome.written) return;
    const [flag] = Object.keys(flags);
    expect(outcome.error.field).toBe(flag === 'description' ? '--description' : '--maintainer-name');
    expect(outcome.error.rule).toMatch(/single line|tabs|visible characters/);
  });

  // Regressions found by this fuzzing: each answer is refused, or written so helm reads it back.
  const refusedOrHelmClean = async (flags: Flags) => {
    const result = await throughHelm(flags);
    if ('refused' in result) return;
    expect(result.lint.exitCode, String(result.lint.stdout)).toBe(0);
    expect(result.template.exitCode, String(result.template.stderr)).toBe(0);
    const shown = readYaml(String(result.show.stdout));
    if (typeof flags.description === 'string') expect(shown.description).toBe(flags.description);
    if (typeof flags.maintainerName === 'string') expect(shown.maintainers[0].name).toBe(flags.maintainerName);
  };

  it('a description "0o17" stays a string for helm', async () => {
    await refusedOrHelmClean({ description: '0o17' });
  });

  it('a maintainer name "-0o7" stays a string for helm', async () => {
    await refusedOrHelmClean({ maintainerName: '-0o7' });
  });

  it('an image tag "0o17" stays a string (appVersion and image.tag)', async () => {
    await refusedOrHelmClean({ image: 'registry.example.com/app:0o17' });
  });

  it('U+FFFE in a description is refused or loads in helm', async () => {
    await refusedOrHelmClean({ description: 'a\ufffeb' });
  });

  it('an email with a TLD ending in a digit is refused or passes helm lint', async () => {
    await refusedOrHelmClean({ maintainerEmail: 'team@example.c1' });
  });

  it('an email with an IP-address domain is refused or passes helm lint', async () => {
    await refusedOrHelmClean({ maintainerEmail: 'team@10.0.0.1' });
  });

  it('chartwright reads its own .chartwright.yaml description "0o17" back as written', async () => {
    const root = await tempDir();
    const outcome = await generate(root, { description: '0o17' });
    if (!outcome.written) return;
    expect((await readSavedAnswers(outcome.dir)).answers.description).toBe('0o17');
  });
});
