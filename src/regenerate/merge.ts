import { inStyle, lineStyleOf, normalised } from './lineEndings.js';
import { mergeText, wholeFileConflict } from './textMerge.js';
import { isYamlMapping, mergeYaml, sameYamlData } from './yamlMerge.js';

export type Outcome =
  /** Nothing to do: identical on both sides, or only the user changed it (their edits stay). */
  | 'unchanged'
  /** Only the generator changed it: the new generation replaces it. */
  | 'updated'
  /** Both changed it in different places: both sets of changes are in the file. */
  | 'merged'
  /** Both changed the same lines or keys: written with conflict markers. */
  | 'conflict'
  /** New from the generator. */
  | 'added'
  /** The generator no longer makes it and the user had not edited it: deleted. */
  | 'removed'
  /** A file of the user's (not generated) whose calls of renamed generator helpers were carried over. */
  | 'renamed';

export interface FileMerge {
  path: string;
  outcome: Outcome;
  /** The file on disk before (undefined: absent). */
  before: string | undefined;
  /** The file after regenerating (undefined: absent). */
  after: string | undefined;
  /** Why, for outcomes a person should look at. */
  note?: string;
}

export interface MergeInputs {
  /** What the generator produced last time, by path in the chart. */
  base: ReadonlyMap<string, string>;
  /** The files on disk at the paths of base and theirs. */
  ours: ReadonlyMap<string, string>;
  /** What the generator produces now. */
  theirs: ReadonlyMap<string, string>;
  /** Why files stop being generated (e.g. `persistence true → false`), for the conflict note. */
  whyDropped?: string;
}

/** values.yaml, values-*.yaml, ci/*-values.yaml and Chart.yaml are data: merged key by key. */
export function isStructured(path: string): boolean {
  return /^(Chart\.yaml|values[^/]*\.ya?ml|ci\/[^/]+\.ya?ml)$/.test(path);
}

/** Decides every generated file's fate; pure, so the dry run and the real run cannot differ. */
export function mergeChart(inputs: MergeInputs): FileMerge[] {
  const paths = [...new Set([...inputs.base.keys(), ...inputs.theirs.keys()])].sort();
  return paths.map((path) => {
    const ours = inputs.ours.get(path);
    const base = inputs.base.get(path);
    // Merged as LF (what the generator writes), written back in the file's own line endings.
    const style = lineStyleOf(ours ?? '');
    const decided = mergePath(path, base === undefined ? undefined : normalised(base), ours === undefined ? undefined : normalised(ours), inputs.theirs.get(path), inputs.whyDropped);
    const after = decided.outcome === 'unchanged' ? ours : decided.after === undefined ? undefined : inStyle(decided.after, style);
    return { ...decided, before: ours, after };
  });
}

function mergePath(path: string, base: string | undefined, ours: string | undefined, theirs: string | undefined, whyDropped: string | undefined): FileMerge {
  const result = (outcome: Outcome, after: string | undefined, note?: string): FileMerge => ({
    path,
    outcome,
    before: ours,
    after,
    ...(note ? { note } : {}),
  });
  if (ours === theirs) return result('unchanged', ours);
  if (ours === undefined) {
    if (base === undefined) return result('added', theirs);
    if (theirs === undefined || theirs === base) return result('unchanged', undefined, 'deleted by you; stays deleted');
    // A deletion is an edit too: the user decides whether the generator's new version comes back.
    return result('conflict', wholeFileConflict('', theirs), 'deleted by you, changed by the generator');
  }
  if (theirs === undefined) {
    if (ours === base) return result('removed', undefined);
    // Kept silently, it would read values that are gone: the user decides, as for any conflict.
    return result(
      'conflict',
      wholeFileConflict(ours, ''),
      `no longer generated${whyDropped ? ` (${whyDropped})` : ''}, but edited by you; the values it reads are gone: delete the file, or keep your lines and remove the markers`,
    );
  }
  if (ours === base) return result('updated', theirs);
  if (theirs === base) return result('unchanged', ours, 'your edits kept');
  const merged = mergeFile(path, ours, base, theirs);
  if (merged.conflicts.length > 0) return result('conflict', merged.content, merged.conflicts.join(', '));
  return result('merged', merged.content);
}

interface Merged {
  content: string;
  /** What conflicts, for the report (empty: none). */
  conflicts: string[];
}

/**
 * Text merge first, as it keeps every byte of the user's layout. For data files the key-wise
 * merge decides: a clean text merge stands when it holds the same data, or when the key-wise
 * merge conflicts only for want of seeing a rename (the lines merged cleanly and still parse);
 * where the text merge conflicts or produced other data, the key-wise result is written.
 */
export function mergeFile(path: string, ours: string, base: string | undefined, theirs: string): Merged {
  const text = base === undefined ? undefined : mergeText(ours, base, theirs);
  const cleanText = text && text.conflicts === 0 ? text.content : undefined;
  if (isStructured(path)) {
    const structured = mergeYaml(ours, base, theirs);
    const textParses = cleanText !== undefined && isYamlMapping(cleanText);
    if (structured?.content !== undefined) {
      if (textParses && sameYamlData(cleanText, structured.content)) return { content: cleanText, conflicts: [] };
      return { content: structured.content, conflicts: [] };
    }
    if (structured) {
      if (textParses) return { content: cleanText, conflicts: [] };
      const keys = `both changed ${structured.conflicts.join(', ')}`;
      return { content: text && text.conflicts > 0 ? text.content : wholeFileConflict(ours, theirs), conflicts: [keys] };
    }
  }
  if (!text) return { content: wholeFileConflict(ours, theirs), conflicts: ['created by you and by the generator'] };
  if (text.conflicts > 0) return { content: text.content, conflicts: [`${text.conflicts} conflicting block(s)`] };
  return { content: text.content, conflicts: [] };
}
