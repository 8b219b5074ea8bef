import { Document, isMap, isPair, isScalar, type YAMLMap } from 'yaml';
import { type ValueNode, nodeAt } from '../chart/valueTree.js';

// Helm parses YAML 1.1, where `yes`, `on` or `0777` are not strings: emit 1.1 so the
// serialiser quotes them.
const OPTIONS = { version: '1.1', lineWidth: 0 } as const;

/** Serialises a plain object as YAML that Helm reads back identically. */
export function toYaml(data: unknown): string {
  return new Document(data, OPTIONS).toString(OPTIONS);
}

/**
 * Serialises values with a helm-docs style `# --` comment above every documented key, plus
 * any notice lines (e.g. the Bitnami catalogue warning) above that.
 */
export function toDocumentedYaml(data: unknown, tree: ValueNode, header: string[] = []): string {
  const document = new Document(data, OPTIONS);
  if (header.length) document.commentBefore = header.map((line) => ` ${line}`).join('\n');
  if (isMap(document.contents)) annotate(document.contents, tree, [], true);
  return document.toString(OPTIONS);
}

function annotate(map: YAMLMap, tree: ValueNode, path: string[], topLevel: boolean): void {
  for (const pair of map.items) {
    if (!isPair(pair) || !isScalar(pair.key)) continue;
    const keyPath = [...path, String(pair.key.value)];
    const node = nodeAt(tree, keyPath);
    if (!node) continue;
    const lines = [...(node.notice ?? []), `-- ${node.description}`];
    pair.key.commentBefore = lines.map((line) => ` ${line}`).join('\n');
    // A blank line between top-level sections keeps long values files readable.
    if (topLevel) pair.key.spaceBefore = true;
    if (isMap(pair.value) && node.children) annotate(pair.value, tree, keyPath, false);
  }
}
