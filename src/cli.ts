import { Command, CommanderError, Option } from 'commander';
import { type AnswerKey, FIELDS } from './answers/fields.js';
import { DEPENDENCY_NAMES } from './domain/dependencies.js';
import { INSTALL_FLAGS } from './install/options.js';
import { DEFAULT_KUBE_VERSIONS } from './verify/kubeVersions.js';
import { ExitCode, ToolError, UsageError } from './errors.js';
import { InterruptedError } from './process/signals.js';
import { GENERATOR_VERSION, PACKAGE_ROOT } from './paths.js';
import { HumanReporter, useColour } from './report/human.js';
import { processSignalGuard } from './process/signals.js';

// Commands are imported when they run: `new` should not pay for loading the tester, and back.
const commands = {
  new: () => import('./commands/new.js'),
  test: () => import('./commands/test.js'),
  regenerate: () => import('./commands/regenerate.js'),
  bump: () => import('./commands/bump.js'),
};

/** The flags `new` takes for answers, derived from the field list so they cannot drift. */
const ANSWER_FLAGS = FIELDS.map((field) => ({
  key: field.key,
  flag: field.flag,
  argName: field.argName,
  help: field.help,
  boolean: field.argName === undefined,
}));

const EXIT_CODES_HELP = `
Exit codes:
  0  success (all checks passed)
  1  checks ran and found errors
  2  bad usage or input, or the file system refused a write (nothing was written)
  3  a required tool (helm) is missing or unusable
  70  internal error (a bug in chartwright; please report it)
  130  interrupted (SIGINT)
  143  terminated (SIGTERM)`;

/** Collects a repeatable flag's values in order. */
const repeat = (value: string, previous: string[] = []) => [...previous, value];

function buildProgram(): Command {
  const program = new Command('chartwright')
    .description('Scaffold and test Helm charts for regulated (IEC 62304) services')
    .version(GENERATOR_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  const create = program
    .command('new')
    .description('create a Helm chart from prompts, flags or an answers file')
    .argument('[directory]', 'where to write the chart (default: ./<name>)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();
  for (const flag of ANSWER_FLAGS) {
    if (flag.boolean) {
      // One help line per answer: --[no-]x reads better than two lines.
      create.addOption(new Option(`--${flag.flag}`, `${flag.help} (--no-${flag.flag} to decline)`));
      create.addOption(new Option(`--no-${flag.flag}`).hideHelp());
    } else {
      create.addOption(new Option(`--${flag.flag} <${flag.argName}>`, flag.help));
    }
  }
  create
    .option('-y, --yes', 'accept the default for every question not answered otherwise')
    .option('--answers <file>', 'YAML file of answers (flags win over it)')
    .option('--dry-run', 'print the files that would be written, write nothing')
    .option('--force', 'write into a non-empty directory (replaces generated files, keeps others)')
    .option('--no-verify', 'skip helm lint and helm template after writing')
    .option('--helm <path>', 'helm binary (default: $HELM_BIN, then helm on PATH)')
    .option('--mirror <oci-url>', 'fetch dependencies from this OCI registry (default: $CHARTWRIGHT_MIRROR)')
    .option('--plain-http', 'use plain HTTP for the mirror (automatic for loopback)')
    .action(async (directory: string | undefined, options: Record<string, unknown>) => {
      const flags: Partial<Record<AnswerKey, unknown>> = {};
      for (const flag of ANSWER_FLAGS) {
        const value = options[camel(flag.flag)];
        if (value !== undefined) flags[flag.key] = value;
      }
      process.exitCode = await (await commands.new()).runNew(
        {
          ...(directory !== undefined ? { directory } : {}),
          flags,
          ...(typeof options.answers === 'string' ? { answersFile: options.answers } : {}),
          yes: options.yes === true,
          dryRun: options.dryRun === true,
          force: options.force === true,
          verify: options.verify !== false,
          ...(typeof options.helm === 'string' ? { helm: options.helm } : {}),
          ...(typeof options.mirror === 'string' ? { mirror: options.mirror } : {}),
          plainHttp: options.plainHttp === true,
        },
        {
          stdout: process.stdout,
          reporter: new HumanReporter(process.stderr),
          // Prompts need a terminal to read from; CI and pipes get the missing-flags error instead.
          interactive: Boolean(process.stdin.isTTY),
        },
      );
    });
  // One value per use (repeatable, commas allowed): a variadic list would swallow the chart directory.
  const list = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((item) => item.trim()).filter(Boolean)];
  const test = program
    .command('test')
    .description('lint, render, schema- and policy-check charts (also charts chartwright did not generate); with --install, install them on a cluster')
    .argument('[charts...]', 'chart directories (default: the current directory)')
    .option('--all', 'test every chart below the given directories')
    // Split per chart (src/stages/chart.ts): a value naming an existing file is taken whole, commas and all.
    .option('--values <file>', 'only this values file (relative to each chart; values.yaml for the defaults alone); repeatable, or comma-separated', repeat)
    .option('--kube-version <minor>', `Kubernetes minor to render and validate for; repeatable, or comma-separated (default: ${DEFAULT_KUBE_VERSIONS.join(',')})`, list)
    .option('--class <A|B|C>', "IEC 62304 class to judge by (default: the chart's chartwright.io/iec62304-class annotation; unclassified charts are judged as C)")
    .addOption(new Option('--format <format>', 'report on stdout').choices(['text', 'json', 'sarif', 'junit']).default('text'))
    .option('--output <format=file>', 'also write a report to a file, e.g. sarif=results.sarif or junit=report.xml; repeatable', repeat)
    .option('--junit <file>', 'same as --output junit=FILE')
    .option('-q, --quiet', 'text report: errors and the summary only')
    .option('-v, --verbose', 'text report: also infos, and every check with its status and time')
    .option('--include-subcharts', 'text report: show findings on files of subcharts too (counted apart otherwise)')
    .option('--helm <path>', 'helm binary (default: $HELM_BIN, then helm on PATH)')
    .option('--helm-timeout <duration>', 'time limit of each helm lint, template, pull and dependency build; the process group is stopped after it (default: 2m)')
    .option('--mirror <oci-url>', 'fetch missing dependencies from this OCI registry (default: $CHARTWRIGHT_MIRROR)')
    .option('--plain-http', 'use plain HTTP for the mirror (automatic for loopback)')
    .option('--since <ref>', 'also fail charts whose templates or values changed since this git ref without a chart version bump')
    .option('--install', 'also run the install stage on a cluster (see --cluster)')
    .option('--evidence <dir>', 'also write evidence.json and evidence.md (chart digest, class, SOUP, checks, exemptions, risk controls) to this directory')
    .option('--date <YYYY-MM-DD>', 'date of the evidence record (default: none, so the same run gives the same bytes)');
  for (const flag of INSTALL_FLAGS) {
    const option = new Option(`${flag.name}${flag.argument ? ` ${flag.argument}` : ''}`, flag.description);
    if (flag.choices) option.choices([...flag.choices]);
    if (flag.repeatable) option.argParser(repeat);
    // Shown, not applied: the install module fills defaults, so `--kubeconfig` given or not stays visible.
    const shown = Array.isArray(flag.default) || flag.default === false || flag.default === undefined ? undefined : String(flag.default);
    if (shown !== undefined) option.defaultValueDescription = shown.startsWith(PACKAGE_ROOT) ? shown.slice(PACKAGE_ROOT.length) : shown;
    test.addOption(option);
  }
  test
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .action(async (charts: string[], options: Record<string, unknown>) => {
      if (options.quiet === true && options.verbose === true) throw new UsageError('--quiet and --verbose cannot be used together');
      const outputs = [...((options.output as string[] | undefined) ?? []), ...(typeof options.junit === 'string' ? [`junit=${options.junit}`] : [])];
      const guard = processSignalGuard();
      process.exitCode = await (await commands.test()).runTest(
        {
          charts,
          all: options.all === true,
          ...(options.values ? { values: options.values as string[] } : {}),
          ...(options.kubeVersion ? { kubeVersions: options.kubeVersion as string[] } : {}),
          ...(typeof options.class === 'string' ? { safetyClass: options.class } : {}),
          format: String(options.format),
          outputs,
          ...(typeof options.helm === 'string' ? { helm: options.helm } : {}),
          ...(typeof options.helmTimeout === 'string' ? { helmTimeout: options.helmTimeout } : {}),
          ...(typeof options.mirror === 'string' ? { mirror: options.mirror } : {}),
          plainHttp: options.plainHttp === true,
          ...(typeof options.since === 'string' ? { since: options.since } : {}),
          verbosity: options.quiet === true ? 'quiet' : options.verbose === true ? 'verbose' : 'normal',
          includeSubcharts: options.includeSubcharts === true,
          install: options.install === true,
          // Only what was given: defaults are applied (and documented) by the install module.
          installOptions: Object.fromEntries(INSTALL_FLAGS.filter((flag) => options[flag.key] !== undefined).map((flag) => [flag.key, options[flag.key]])),
          ...(typeof options.evidence === 'string' ? { evidence: options.evidence } : {}),
          ...(typeof options.date === 'string' ? { date: options.date } : {}),
        },
        { stdout: process.stdout, stderr: process.stderr, guard, colour: useColour(process.stdout) },
      );
    });
  program
    .command('regenerate')
    .description("re-render a chart from its saved answers with this chartwright and merge the result into the chart's files")
    .argument('[chart-dir]', 'chart made by chartwright new (default: the current directory)')
    .option('--set <key=value>', 'change an answer (key: answer or flag name, e.g. class=C); repeatable', repeat)
    .option('--add-dependency <name>', `add a dependency: ${DEPENDENCY_NAMES.join(', ')}; repeatable`, repeat)
    .option('--answers <file>', 'YAML file of answers to change (--set wins over it)')
    .option('--dry-run', 'print each file\'s outcome and a unified diff, write nothing')
    .option('--no-verify', 'skip the checks of the regenerated chart (lint, template, schema, policy)')
    .option('--helm <path>', 'helm binary (default: $HELM_BIN, then helm on PATH)')
    .addHelpText('after', EXIT_CODES_HELP.replace('checks ran and found errors', 'conflicts (listed; text ones marked <<<<<<< ours / >>>>>>> theirs), or the result fails the checks'))
    .exitOverride()
    .action(async (chart: string | undefined, options: Record<string, unknown>) => {
      process.exitCode = await (await commands.regenerate()).runRegenerate(
        {
          ...(chart !== undefined ? { chart } : {}),
          set: (options.set as string[] | undefined) ?? [],
          addDependencies: (options.addDependency as string[] | undefined) ?? [],
          ...(typeof options.answers === 'string' ? { answersFile: options.answers } : {}),
          dryRun: options.dryRun === true,
          verify: options.verify !== false,
          ...(typeof options.helm === 'string' ? { helm: options.helm } : {}),
        },
        { stdout: process.stdout, reporter: new HumanReporter(process.stderr) },
      );
    });
  program
    .command('bump')
    .description('bump the chart version (and app version), recorded in CHANGELOG.md and the artifacthub.io/changes annotation')
    .argument('[chart-dir]', 'chart directory (default: the current directory)')
    .option('--app-version <version>', 'new appVersion (X.Y.Z), also the image tag in values.yaml')
    .option('--level <patch|minor|major>', 'semver level (default: derived from values and template changes since the last bump)')
    .option('--digest <sha256:...>', 'digest of the new image, when values.yaml pins the image by digest ("" to drop it)')
    .option('--message <text>', 'a line describing the change, for the changelog and the annotation')
    .option('--date <YYYY-MM-DD>', 'date for the changelog heading (default: none, so bumps are reproducible)')
    .option('--dry-run', 'print the new version and changelog entry, write nothing')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .action(async (chart: string | undefined, options: Record<string, unknown>) => {
      process.exitCode = await (await commands.bump()).runBump(
        {
          ...(chart !== undefined ? { chart } : {}),
          ...(typeof options.appVersion === 'string' ? { appVersion: options.appVersion } : {}),
          ...(typeof options.level === 'string' ? { level: options.level } : {}),
          ...(typeof options.digest === 'string' ? { digest: options.digest } : {}),
          ...(typeof options.message === 'string' ? { message: options.message } : {}),
          ...(typeof options.date === 'string' ? { date: options.date } : {}),
          dryRun: options.dryRun === true,
        },
        { stdout: process.stdout, reporter: new HumanReporter(process.stderr) },
      );
    });
  return program;
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** Runs the CLI and maps every outcome to a documented exit code. */
export async function main(argv: string[]): Promise<number> {
  // `chartwright test | head`: the reader left; the rest of the report has nowhere to go, which is no error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.stdout.write = (() => true) as typeof process.stdout.write;
  });
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version are not errors; commander already printed its message.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      return ExitCode.ok;
    }
    return ExitCode.usage;
  }
  // The signal guard has printed how the interrupted work left things, and exits with this code.
  if (error instanceof InterruptedError) return error.exitCode;
  if (error instanceof UsageError || error instanceof ToolError) {
    process.stderr.write(`chartwright: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof Error && error.name === 'ExitPromptError') {
    process.stderr.write('chartwright: cancelled; nothing was written\n');
    return ExitCode.interrupted;
  }
  process.stderr.write(`chartwright: internal error, please report it:\n${(error as Error)?.stack ?? String(error)}\n`);
  return ExitCode.internal;
}
