import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import semver from 'semver';
import { type Document, isMap, parseDocument, Scalar, stringify } from 'yaml';
import { checkDate, checkImage } from '../answers/validate.js';
import { UsageError, ValidationError } from '../errors.js';
import { ANSWERS_FILE, lastReleaseRecord, recordOf, type ReleaseRecord, RELEASE_RECORD, serialiseRecord, templateFiles } from '../records/index.js';
import type { FileToWrite } from '../write/atomic.js';
import { fsStep } from '../write/fsErrors.js';
import { compareRecords, type ShapeChange } from './compare.js';
import { SOUP_RECORD, soupOfBump } from './soup.js';

// As src/render/yaml.ts writes them: Helm reads YAML 1.1.
const OPTIONS = { version: '1.1', lineWidth: 0 } as const;

export const LEVELS = ['patch', 'minor', 'major'] as const;
export type Level = (typeof LEVELS)[number];

/** What the user asked for, unchecked: planBump checks each field and names it in errors. */
export interface BumpOptions {
  appVersion?: string;
  level?: string;
  /** Digest of the new image; required when values.yaml pins the old one by digest. */
  digest?: string;
  /** Date for the CHANGELOG heading (YYYY-MM-DD); none by default, so bumps are reproducible. */
  date?: string;
  /** A line for the changelog and the artifacthub.io/changes annotation. */
  message?: string;
}

/** An entry of the artifacthub.io/changes annotation (https://artifacthub.io/docs/topics/annotations/helm/). */
export interface ChangeEntry {
  kind: 'added' | 'changed' | 'removed';
  description: string;
}

export interface BumpPlan {
  from: string;
  to: string;
  level: Level;
  derived: { level: Level; reason: string };
  changes: ChangeEntry[];
  changelogEntry: string;
  writes: FileToWrite[];
  warnings: string[];
}

/** Everything bump would write, decided without writing. A file that cannot be read is a usage error naming it. */
export async function planBump(chartDir: string, options: BumpOptions): Promise<BumpPlan> {
  return fsStep('read', display(chartDir), () => plan(chartDir, options));
}

async function plan(chartDir: string, options: BumpOptions): Promise<BumpPlan> {
  const level = options.level === undefined ? undefined : checkLevel(options.level);
  const appVersion = options.appVersion === undefined ? undefined : checkAppVersion(options.appVersion);
  const date = options.date === undefined ? undefined : checkDate(options.date);
  const digest = options.digest === undefined ? undefined : checkDigest(options.digest);
  const message = options.message === undefined ? undefined : checkMessage(options.message);
  if (!existsSync(join(chartDir, 'Chart.yaml'))) throw new UsageError(`${display(chartDir)} is not a chart (no Chart.yaml)`);

  const chart = await readDocument(chartDir, 'Chart.yaml');
  const from = String(chart.get('version') ?? '');
  if (!semver.valid(from)) throw new UsageError(`Chart.yaml version ${JSON.stringify(from)} is not a semantic version (X.Y.Z); fix it first`);
  const oldAppVersion = chart.get('appVersion') === undefined ? undefined : String(chart.get('appVersion'));
  const warnings: string[] = [];

  const values = existsSync(join(chartDir, 'values.yaml')) ? await readDocument(chartDir, 'values.yaml') : undefined;
  const answers = existsSync(join(chartDir, ANSWERS_FILE)) ? await readDocument(chartDir, ANSWERS_FILE) : undefined;
  const appChanged = appVersion !== undefined && appVersion !== oldAppVersion;
  if (appChanged) {
    chart.set('appVersion', appVersion);
    const image = values?.get('image');
    if (values && isMap(image) && image.has('tag')) {
      const pinned = String(image.get('digest') ?? '');
      if (pinned && digest === undefined) {
        throw new UsageError(
          `values.yaml image.digest pins the image of ${oldAppVersion ?? 'the old version'}; pass --digest sha256:... for ${appVersion} (or --digest "" to pull by tag)`,
        );
      }
      values.setIn(['image', 'tag'], appVersion);
      if (digest !== undefined) values.setIn(['image', 'digest'], digest);
      const saved = answers?.getIn(['answers', 'image']);
      if (answers && isMap(saved)) {
        // So a later `regenerate` plans the same image (and refreshes README.md's values table).
        answers.setIn(['answers', 'image', 'tag'], appVersion);
        if (digest !== undefined) answers.setIn(['answers', 'image', 'digest'], digest);
      }
    } else {
      warnings.push('values.yaml has no image.tag; only Chart.yaml appVersion was set');
    }
  } else if (digest !== undefined) {
    throw new UsageError('--digest goes with --app-version (the digest of the new image)');
  }

  const valuesText = values ? values.toString(OPTIONS) : '';
  const templates = await templateFiles(chartDir);
  const previous = await lastReleaseRecord(chartDir);
  const changes: ShapeChange[] = previous ? compareRecords(previous, recordOf(from, valuesText, templates)) : [];
  const derived = deriveLevel(changes, previous, appChanged);
  if (!previous && !level) {
    throw new UsageError(`${display(chartDir)} has no ${RELEASE_RECORD} to compare against; pass --level patch|minor|major`);
  }
  const chosen = level ?? derived.level;
  if (level && LEVELS.indexOf(level) < LEVELS.indexOf(derived.level)) {
    warnings.push(`--level ${level} is lower than the changes suggest (${derived.level}: ${derived.reason})`);
  }
  const to = semver.inc(from, chosen) as string;
  chart.set('version', to);

  const soup = await soupOfBump(chartDir, chart.toJS() as { dependencies?: unknown });
  const entries = [...changeEntries(changes, appChanged ? { from: oldAppVersion, to: appVersion as string } : undefined, message), ...soup.changes];
  setChangesAnnotation(chart, entries);
  const why =
    chosen === derived.level ? derived.reason : previous ? `chosen with --level; the changes alone make it ${derived.level} (${derived.reason})` : `chosen with --level (${derived.reason})`;
  const changelogEntry = formatChangelogEntry(to, date, chosen, why, entries);
  const changelogPath = join(chartDir, 'CHANGELOG.md');
  const changelog = existsSync(changelogPath) ? await readFile(changelogPath, 'utf8') : undefined;

  const writes: FileToWrite[] = [
    { path: 'Chart.yaml', content: chart.toString(OPTIONS) },
    { path: 'CHANGELOG.md', content: withEntry(changelog, changelogEntry) },
    { path: RELEASE_RECORD, content: serialiseRecord(recordOf(to, valuesText, templates)) },
    { path: SOUP_RECORD, content: soup.record },
  ];
  const helmignore = existsSync(join(chartDir, '.helmignore')) ? await readFile(join(chartDir, '.helmignore'), 'utf8') : '';
  if (!/^\.chartwright\/?$/m.test(helmignore)) {
    // Charts chartwright did not make: the record must not be packaged with the chart.
    const separator = helmignore === '' || helmignore.endsWith('\n') ? '' : '\n';
    writes.push({ path: '.helmignore', content: `${helmignore}${separator}# chartwright's release record (chartwright bump).\n.chartwright/\n` });
  }
  if (values && appChanged) writes.push({ path: 'values.yaml', content: valuesText });
  if (answers && appChanged) writes.push({ path: ANSWERS_FILE, content: answers.toString(OPTIONS) });
  return { from, to, level: chosen, derived, changes: entries, changelogEntry, writes, warnings };
}

function checkLevel(raw: string): Level {
  if (!LEVELS.includes(raw as Level)) throw new ValidationError('--level', raw, `must be one of ${LEVELS.join(', ')}`);
  return raw as Level;
}

function checkAppVersion(raw: string): string {
  // semver.valid accepts a leading v and drops build metadata; the app version is written as given.
  if (semver.valid(raw) !== raw.replace(/\+.*$/, '')) throw new ValidationError('--app-version', raw, 'must be a semantic version X.Y.Z (e.g. 1.4.0, 2.0.0-rc.1), without a leading v');
  // It becomes the image tag too, and tags allow neither `+` nor more than 128 characters.
  const tag = checkImage(`registry.example.com/app:${raw}`);
  if (!tag.ok) throw new ValidationError('--app-version', raw, `must also be a valid image tag: ${tag.rule}`);
  return raw;
}

function checkDigest(raw: string): string {
  if (raw !== '' && !/^sha256:[a-f0-9]{64}$/.test(raw)) throw new ValidationError('--digest', raw, 'must be sha256: followed by 64 lowercase hex digits, or "" for none');
  return raw;
}

function checkMessage(raw: string): string {
  if (raw.trim() === '' || /[\r\n]/.test(raw)) throw new ValidationError('--message', raw, 'must be one non-empty line');
  return raw.trim();
}

async function readDocument(chartDir: string, path: string): Promise<Document> {
  const doc = parseDocument(await readFile(join(chartDir, path), 'utf8'), OPTIONS);
  if (doc.errors.length > 0 || !isMap(doc.contents)) {
    throw new UsageError(`${path} is not a YAML mapping: ${doc.errors[0]?.message.split('\n')[0] ?? 'wrong top-level type'}`);
  }
  return doc;
}

const KIND_LEVEL: Record<ShapeChange['kind'], Level> = {
  'removed-key': 'major',
  'retyped-key': 'major',
  'removed-template': 'major',
  'added-key': 'minor',
  'added-template': 'minor',
};

const DESCRIBE: Record<ShapeChange['kind'], (change: ShapeChange) => string> = {
  'removed-key': (change) => `values key ${change.what} removed`,
  'retyped-key': (change) => `values key ${change.what} changed type (${change.detail})`,
  'removed-template': (change) => `template ${change.what} removed`,
  'added-key': (change) => `values key ${change.what} added`,
  'added-template': (change) => `template ${change.what} added`,
};

/**
 * Breaking for the people who install the chart: a values key they may set is gone or takes
 * another type, or a resource is gone (major). New keys or templates add features (minor).
 * Anything else (changed defaults, template fixes, a new app version) is a patch.
 */
export function deriveLevel(changes: ShapeChange[], previous: ReleaseRecord | undefined, appChanged: boolean): { level: Level; reason: string } {
  if (!previous) return { level: 'patch', reason: 'no release record to compare against' };
  for (const level of ['major', 'minor'] as const) {
    const found = changes.filter((change) => KIND_LEVEL[change.kind] === level);
    if (found.length) {
      const shown = found.slice(0, 3).map((change) => DESCRIBE[change.kind](change));
      const more = found.length > 3 ? ` and ${found.length - 3} more` : '';
      return { level, reason: `${shown.join('; ')}${more} since ${previous.version}` };
    }
  }
  return {
    level: 'patch',
    reason: `no values keys or templates added, removed or retyped since ${previous.version}${appChanged ? '; new app version' : ''}`,
  };
}

function changeEntries(changes: ShapeChange[], app: { from: string | undefined; to: string } | undefined, message: string | undefined): ChangeEntry[] {
  const entries: ChangeEntry[] = [];
  if (message) entries.push({ kind: 'changed', description: message });
  if (app) entries.push({ kind: 'changed', description: `appVersion ${app.from ?? '(none)'} → ${app.to}, image tag ${app.to}` });
  for (const change of changes) {
    const kind = change.kind.startsWith('added') ? 'added' : change.kind.startsWith('removed') ? 'removed' : 'changed';
    const subject = change.kind.endsWith('template') ? `template ${change.what}` : `values key ${change.what}`;
    entries.push({ kind, description: change.kind === 'retyped-key' ? `${subject} takes another type (${change.detail})` : subject });
  }
  if (entries.length === 0) entries.push({ kind: 'changed', description: 'no values keys or templates added or removed' });
  return entries;
}

/** Artifact Hub reads the changes of the current version from this annotation, a YAML list in a string. */
function setChangesAnnotation(chart: Document, entries: ChangeEntry[]): void {
  const text = new Scalar(stringify(entries, OPTIONS));
  text.type = Scalar.BLOCK_LITERAL;
  const annotations = chart.get('annotations', true);
  if (isMap(annotations)) annotations.set('artifacthub.io/changes', text);
  else chart.set('annotations', chart.createNode({ 'artifacthub.io/changes': text }));
}

function formatChangelogEntry(version: string, date: string | undefined, level: Level, reason: string, entries: ChangeEntry[]): string {
  const title = `## ${version}${date ? ` (${date})` : ''}`;
  const label = { added: 'Added', changed: 'Changed', removed: 'Removed' } as const;
  const lines = entries.map((entry) => `- ${label[entry.kind]}: ${entry.description}`);
  return `${title}\n\n${level[0]?.toUpperCase()}${level.slice(1)} release: ${reason}.\n\n${lines.join('\n')}\n`;
}

/** The newest entry goes first, below the title. */
function withEntry(changelog: string | undefined, entry: string): string {
  if (changelog === undefined || changelog.trim() === '') return `# Changelog\n\n${entry}`;
  const title = /^# [^\n]*\n(\n)?/.exec(changelog);
  if (!title) return `${entry}\n${changelog}`;
  return `${title[0].trimEnd()}\n\n${entry}\n${changelog.slice(title[0].length)}`;
}

const display = (path: string) => relative(process.cwd(), resolve(path)) || '.';
