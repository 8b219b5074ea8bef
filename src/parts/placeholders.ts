import { nodesOf, type ValueNode } from '../chart/valueTree.js';

/**
 * Placeholders: values a generated chart cannot know (the app's image, its host name, a managed
 * database's address) get a stand-in that installs, marked `# PLACEHOLDER: <what to put>` in
 * values.yaml. Production must not ship them; `placeholderFindings` (src/stages/placeholders.ts)
 * says where they remain.
 */

/** Host names and addresses reserved for examples (RFC 2606, RFC 6761) and our own `example.internal`. */
const EXAMPLE_NAME = /(?:^|[^a-z0-9-])(?:[a-z0-9-]+\.)*(?:example\.(?:com|net|org|internal)|[a-z0-9-]+\.(?:example|invalid))(?![a-z0-9.-]*[a-z0-9])/i;

export function isExampleValue(text: string): boolean {
  return EXAMPLE_NAME.test(text);
}

export interface Placeholder {
  /** Where the placeholder is: a values key (dotted) or `Chart.yaml maintainers[0].email`. */
  key: string;
  file: 'values.yaml' | 'Chart.yaml';
  value: string;
  replaceWith: string;
}

/** The placeholders of a value tree, depth first, plus the maintainer email when it is an example. */
export function placeholdersOf(tree: ValueNode, maintainerEmail: string): Placeholder[] {
  const list: Placeholder[] = nodesOf(tree)
    .filter(({ node }) => node.placeholder !== undefined)
    .map(({ path, node }) => ({ key: path.join('.'), file: 'values.yaml', value: String(node.default), replaceWith: node.placeholder ?? '' }));
  if (isExampleValue(maintainerEmail)) {
    list.push({ key: 'maintainers[0].email', file: 'Chart.yaml', value: maintainerEmail, replaceWith: 'the address of the team that maintains the chart' });
  }
  return list;
}
