import { collectAnswers } from '../answers/collect.js';
import type { AnswerKey } from '../answers/fields.js';
import type { SoupItem } from '../parts/part.js';
import { soupOf } from '../parts/soup.js';
import type { CatalogueEntry } from './model.js';

// Answers that together include every part with each of its providers: the union of their SOUP
// lists is chartwright's whole catalogue, read from the parts rather than copied here.
const CATALOGUE_ANSWERS: Partial<Record<AnswerKey, unknown>>[] = [
  { dependencies: 'postgresql,redis,nats', postgresqlProvider: 'in-cluster', redisProvider: 'in-cluster', natsProvider: 'in-cluster', backup: true },
  { dependencies: 'postgresql', postgresqlProvider: 'cloudnative-pg' },
];

let catalogue: Promise<SoupItem[]> | undefined;

/** Every SOUP item chartwright's parts know, once. */
export function soupCatalogue(): Promise<SoupItem[]> {
  catalogue ??= (async () => {
    const items: SoupItem[] = [];
    for (const flags of CATALOGUE_ANSWERS) {
      for (const item of soupOf(await collectAnswers({ flags, yes: true }))) {
        if (!items.some((known) => known.kind === item.kind && known.name === item.name)) items.push(item);
      }
    }
    return items;
  })();
  return catalogue;
}

/**
 * A registry and path with Docker's defaults spelt out, so `busybox`, `library/busybox` and
 * `docker.io/library/busybox` are one repository.
 */
export function normaliseRepository(repository: string): string {
  const parts = repository.split('/');
  const first = parts[0] ?? '';
  const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : 'docker.io';
  const path = hasRegistry ? parts.slice(1) : parts;
  const normalisedRegistry = registry === 'index.docker.io' || registry === 'registry-1.docker.io' ? 'docker.io' : registry;
  if (normalisedRegistry === 'docker.io' && path.length === 1) path.unshift('library');
  return `${normalisedRegistry}/${path.join('/')}`;
}

export function catalogueEntry(item: SoupItem, version: string): CatalogueEntry {
  return {
    supplier: item.supplier,
    license: item.license,
    source: item.source,
    maintained: item.maintained,
    maintenance: item.maintenance,
    catalogueVersion: item.version,
    sameVersion: item.version === version,
  };
}

/** The catalogue's entry for an image repository, whatever its tag. */
export async function imageInCatalogue(repository: string): Promise<SoupItem | undefined> {
  return (await soupCatalogue()).find((item) => item.kind === 'image' && normaliseRepository(item.name) === repository);
}

/** The catalogue's entry for a subchart: same chart name from the same repository. */
export async function subchartInCatalogue(name: string, repository: string | undefined): Promise<SoupItem | undefined> {
  const bare = (url: string) => url.replace(/\/+$/, '');
  return (await soupCatalogue()).find((item) => item.kind === 'subchart' && item.name === name && repository !== undefined && bare(item.source) === bare(repository));
}
