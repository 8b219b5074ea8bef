/**
 * Text into Markdown that every common renderer (CommonMark with GFM tables: GitHub, marked,
 * remark, markdown-it) reads back as the same text. Hand-written because no maintained library
 * escapes for output; the rules are CommonMark's backslash escapes (any ASCII punctuation may
 * be escaped), applied to the characters that could start markup.
 */

// Inline markup, HTML, entities, table cell breaks and autolinks.
const INLINE = /[\\`*_[\]<>|~&]/g;

/** Plain text inside a line, e.g. a table cell: nothing in it becomes markup, and it stays on one line. */
export function markdownInline(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(INLINE, (character) => `\\${character}`);
}

/** Plain text that may start a line, e.g. a paragraph of its own. */
export function markdownText(text: string): string {
  return (
    markdownInline(text)
      // At a line start these open headings, quotes, lists or setext underlines.
      .replace(/^([#>+=-])/, '\\$1')
      .replace(/^(\d+)([.)])/, '$1\\$2')
  );
}

/**
 * Inline code. A code span shows its content literally, so it cannot carry a backtick run of its
 * own length or, in a table, a `|` (GFM splits cells before it sees code spans, and renderers
 * disagree on `\|` inside code); such text is written as escaped plain text instead.
 */
export function markdownCode(text: string): string {
  const oneLine = text.replace(/\s*\n\s*/g, ' ');
  if (oneLine === '' || /[`|]/.test(oneLine) || oneLine !== oneLine.trim()) return markdownInline(oneLine) || '(empty)';
  return `\`${oneLine}\``;
}

/** A GFM table: a header row, the delimiter row and one row per entry, every cell already Markdown. */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
