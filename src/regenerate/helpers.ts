/**
 * The generator's named templates (`{{ define "<chart>.fullname" }}` in templates/_helpers.tpl)
 * are named after the chart, so `--set name=` renames them. The user's own templates that call
 * them (`include "<old>.fullname"`, `template "<old>.labels"`) would then call helpers that no
 * longer exist; this carries the rename into those calls, and names the calls it cannot carry
 * (a helper the generator no longer defines under any name).
 */

const DEFINE = /\{\{-?\s*define\s+"([^"\n]+)"/g;
const CALL = /\b(include|template)(\s+|\s*\(\s*)"([^"\n]+)"/g;

/** Names of the templates `define`d in a text. */
export function definedTemplates(text: string): Set<string> {
  return new Set([...text.matchAll(DEFINE)].map((match) => match[1] as string));
}

export interface HelperRenames {
  /** Old helper name → new one, for helpers the generator defines under both names. */
  renames: Map<string, string>;
  /** Old helper names the generator no longer defines at all. */
  gone: Set<string>;
}

/**
 * From the generator's last and current output (every templates/ file): for each helper it
 * defined under the old chart name, the same helper under the new name, if it still defines one.
 */
export function helperRenames(oldName: string, newName: string, base: Iterable<string>, theirs: Iterable<string>): HelperRenames {
  const before = new Set<string>();
  for (const text of base) for (const name of definedTemplates(text)) before.add(name);
  const now = new Set<string>();
  for (const text of theirs) for (const name of definedTemplates(text)) now.add(name);
  const renames = new Map<string, string>();
  const gone = new Set<string>();
  for (const name of before) {
    if (now.has(name)) continue;
    const renamed = oldName !== newName && name.startsWith(`${oldName}.`) ? `${newName}.${name.slice(oldName.length + 1)}` : undefined;
    if (renamed && now.has(renamed)) renames.set(name, renamed);
    else gone.add(name);
  }
  return { renames, gone };
}

export interface RenamedCalls {
  content: string;
  /** Calls rewritten. */
  renamed: number;
  /** Helpers still called that the generator no longer defines (and the user does not either). */
  missing: string[];
}

/** Rewrites calls of renamed helpers in one template; `ownDefines` are helpers the user's chart defines itself. */
export function renameCalls(text: string, helpers: HelperRenames, ownDefines: ReadonlySet<string>): RenamedCalls {
  let renamed = 0;
  const missing = new Set<string>();
  const content = text.replace(CALL, (whole, verb: string, gap: string, name: string) => {
    if (ownDefines.has(name)) return whole;
    const to = helpers.renames.get(name);
    if (to) {
      renamed += 1;
      return `${verb}${gap}"${to}"`;
    }
    if (helpers.gone.has(name)) missing.add(name);
    return whole;
  });
  return { content, renamed, missing: [...missing].sort() };
}
