import type { ReleaseRecord, Shape } from '../records/releaseRecord.js';

export type ChangeKind = 'removed-key' | 'retyped-key' | 'added-key' | 'removed-template' | 'added-template';

export interface ShapeChange {
  kind: ChangeKind;
  /** Dotted values key or template path. */
  what: string;
  detail?: string;
}

/** What changed between two release shapes, in a fixed order (by kind, then name). */
export function compareRecords(previous: ReleaseRecord, current: ReleaseRecord): ShapeChange[] {
  const changes: ShapeChange[] = [];
  compareShapes(previous.values, current.values, [], changes);
  for (const path of previous.templates) if (!current.templates.includes(path)) changes.push({ kind: 'removed-template', what: path });
  for (const path of current.templates) if (!previous.templates.includes(path)) changes.push({ kind: 'added-template', what: path });
  const order: ChangeKind[] = ['removed-key', 'retyped-key', 'removed-template', 'added-key', 'added-template'];
  return changes.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || (a.what < b.what ? -1 : a.what > b.what ? 1 : 0));
}

function compareShapes(before: Shape, after: Shape, path: string[], changes: ShapeChange[]): void {
  const name = path.join('.');
  if (typeof before === 'string' || typeof after === 'string') {
    if (typeof before === 'string' && typeof after === 'string') {
      // null is how an unset optional value is written (e.g. PDB minAvailable): no type to break.
      if (before !== after && before !== 'null' && after !== 'null') changes.push({ kind: 'retyped-key', what: name, detail: `${before} → ${after}` });
      return;
    }
    // An empty map gaining keys (or losing all of them) changes keys, not the type.
    if (before === 'object' && typeof after !== 'string') return compareShapes({}, after, path, changes);
    if (after === 'object' && typeof before !== 'string') return compareShapes(before, {}, path, changes);
    if (before === 'null' || after === 'null') return;
    const describe = (shape: Shape) => (typeof shape === 'string' ? shape : 'object');
    changes.push({ kind: 'retyped-key', what: name, detail: `${describe(before)} → ${describe(after)}` });
    return;
  }
  for (const key of Object.keys(before)) {
    if (!(key in after)) changes.push({ kind: 'removed-key', what: [...path, key].join('.') });
  }
  for (const [key, child] of Object.entries(after)) {
    const old = before[key];
    if (old === undefined) changes.push({ kind: 'added-key', what: [...path, key].join('.') });
    else compareShapes(old, child, [...path, key], changes);
  }
}
