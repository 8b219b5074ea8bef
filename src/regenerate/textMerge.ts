import { diff3Merge } from 'node-diff3';

export const OURS_MARKER = '<<<<<<< ours';
export const SEPARATOR = '=======';
export const THEIRS_MARKER = '>>>>>>> theirs';

export interface TextMerge {
  content: string;
  /** Number of conflict blocks written with markers. */
  conflicts: number;
}

/**
 * Line-wise three-way merge (diff3). Changes on one side apply; the same change on both sides is
 * taken once; different changes to the same lines become a conflict block between the standard
 * markers, ours (the file on disk) first, theirs (the new generation) second.
 */
export function mergeText(ours: string, base: string, theirs: string): TextMerge {
  const regions = diff3Merge(ours.split('\n'), base.split('\n'), theirs.split('\n'), { excludeFalseConflicts: true });
  const lines: string[] = [];
  let conflicts = 0;
  for (const region of regions) {
    if (region.ok) lines.push(...region.ok);
    else if (region.conflict) {
      conflicts += 1;
      lines.push(OURS_MARKER, ...region.conflict.a, SEPARATOR, ...region.conflict.b, THEIRS_MARKER);
    }
  }
  return { content: lines.join('\n'), conflicts };
}

/** A whole file as one conflict: for when no finer merge is possible (e.g. both sides created it). */
export function wholeFileConflict(ours: string, theirs: string): string {
  const block = (text: string) => (text === '' || text.endsWith('\n') ? text : `${text}\n`);
  return `${OURS_MARKER}\n${block(ours)}${SEPARATOR}\n${block(theirs)}${THEIRS_MARKER}\n`;
}

/** Whether a file still carries conflict markers from an earlier regenerate. */
export function hasConflictMarkers(text: string): boolean {
  return /^<<<<<<< ours$/m.test(text) && /^>>>>>>> theirs$/m.test(text);
}
