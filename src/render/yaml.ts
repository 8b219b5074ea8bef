import { Document, isMap, isPair, isScalar, Scalar, visit, type YAMLMap } from 'yaml';
import { nodeAt, PLACEHOLDER_MARK, type ValueNode } from '../chart/valueTree.js';

// Helm parses YAML 1.1, where `yes`, `on` or `0777` are not strings: emit 1.1 so the
// serialiser quotes them.
const OPTIONS = { version: '1.1', lineWidth: 0 } as const;

// Strings a YAML parser anywhere might read as something else: numbers in any notation (Go's
// parser takes 0o17 as octal, for one), booleans and nulls of YAML 1.1 and 1.2. Quoting them
// always costs nothing and settles it.
const AMBIGUOUS = /^([-+]?(\.?\d|0[box]|\.inf|\.nan)|\.inf|\.nan|~|null|true|false|yes|no|y|n|on|off)$|^[-+]?\.?\d/i;

function quoteAmbiguous(document: Document): Document {
  visit(document, {
    Scalar(key, node) {
      // Map keys are our own names; only values can carry user text.
      if (key !== 'key' && typeof node.value === 'string' && AMBIGUOUS.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return document;
}

/** Serialises a plain object as YAML that Helm reads back identically. */
export function toYaml(data: unknown): string {
  return quoteAmbiguous(new Document(data, OPTIONS)).toString(OPTIONS);
}

/**
 * Serialises values with a helm-docs style `# --` comment above every documented key, plus
 * any notice lines (e.g. the Bitnami catalogue warning) above that.
 */
export function toDocumentedYaml(data: unknown, tree: ValueNode, header: string[] = []): string {
  const document = quoteAmbiguous(new Document(data, OPTIONS));
  if (header.length) document.commentBefore = header.map((line) => ` ${line}`).join('\n');
  if (isMap(document.contents)) annotate(document.contents, tree, [], true);
  // The header comment already ends with a blank line; a second one before the first key is noise.
  const first = isMap(document.contents) ? document.contents.items[0] : undefined;
  if (isPair(first) && isScalar(first.key)) first.key.spaceBefore = false;
  return document.toString(OPTIONS);
}

function annotate(map: YAMLMap, tree: ValueNode, path: string[], topLevel: boolean): void {
  for (const pair of map.items) {
    if (!isPair(pair) || !isScalar(pair.key)) continue;
    const keyPath = [...path, String(pair.key.value)];
    const node = nodeAt(tree, keyPath);
    if (!node) continue;
    const mark = node.placeholder !== undefined ? [`${PLACEHOLDER_MARK} ${node.placeholder}`] : [];
    const lines = [...(node.notice ?? []), ...mark, `-- ${node.description}`];
    pair.key.commentBefore = lines.map((line) => ` ${line}`).join('\n');
    // A blank line between top-level sections keeps long values files readable.
    if (topLevel) pair.key.spaceBefore = true;
    if (isMap(pair.value) && node.children) annotate(pair.value, tree, keyPath, false);
  }
}
