import type { Answers } from '../answers/field.js';
import { TEST_IMAGE } from '../chart/values.js';
import { includedParts } from './index.js';
import type { SoupItem } from './part.js';

/**
 * The SOUP inventory of a chart for these answers: every subchart, every container image the
 * chart can run (the helm test hook's included) and every operator it needs, from the part
 * modules' catalogue data. The app's own image is the software item itself, not SOUP. An item
 * two parts bring (the database image the backup job reuses) is listed once, with both keys.
 */
export function soupOf(answers: Answers): SoupItem[] {
  const items: SoupItem[] = [
    ...includedParts(answers).flatMap((part) => part.soup?.(answers) ?? []),
    {
      kind: 'image',
      name: TEST_IMAGE.repository,
      version: TEST_IMAGE.tag,
      source: 'https://hub.docker.com/_/busybox',
      supplier: 'Docker Official Images (BusyBox project)',
      license: 'GPL-2.0-only',
      pinned: 'tag, not by digest (set tests.image.digest to pin it)',
      maintained: true,
      maintenance: 'maintained: official image, rebuilt for BusyBox releases and security fixes',
      broughtBy: 'tests.image (helm test only)',
    },
  ];
  const merged: SoupItem[] = [];
  for (const item of items) {
    const same = merged.find((other) => other.kind === item.kind && other.name === item.name && other.version === item.version);
    if (same) same.broughtBy = `${same.broughtBy}, ${item.broughtBy}`;
    else merged.push({ ...item });
  }
  return merged;
}
