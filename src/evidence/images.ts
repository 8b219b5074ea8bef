import { schemaIndex } from '../kube/schema.js';
import { annotationsOf, containerLabel, podOf } from '../policy/objects.js';
import { compareMinors } from '../report/model.js';
import type { Manifest } from '../verify/manifests.js';
import { catalogueEntry, imageInCatalogue, normaliseRepository } from './catalogue.js';
import type { ImageEvidence, ImageUse } from './model.js';

/** One render of the template stage: a values set at a Kubernetes minor. */
export interface RenderOf {
  valuesFiles: string[];
  kubeVersion: string;
  manifests: readonly Manifest[];
}

/** `registry/path:tag@sha256:...` into its parts; the tag is after the last colon of the last path segment. */
export function parseImageReference(reference: string): { repository: string; tag?: string; digest?: string } {
  const at = reference.indexOf('@');
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const name = at >= 0 ? reference.slice(0, at) : reference;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const hasTag = colon > slash;
  const repository = hasTag ? name.slice(0, colon) : name;
  const tag = hasTag ? name.slice(colon + 1) : undefined;
  return { repository: normaliseRepository(repository), ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

// Custom resources name the images their operator runs in fields like these (CloudNativePG's
// Cluster spec.imageName); pods are read through their containers instead.
const IMAGE_FIELD = /^(image|imageName)$/;

function customResourceImages(value: unknown, path: string, out: { field: string; image: string }[]): void {
  if (Array.isArray(value)) value.forEach((item, index) => customResourceImages(item, `${path}[${index}]`, out));
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (IMAGE_FIELD.test(key) && typeof child === 'string' && child.trim()) out.push({ field: at, image: child.trim() });
      else customResourceImages(child, at, out);
    }
  }
}

/** Each image a rendered object runs, with the container (or custom resource field) naming it. */
function imagesOf(manifest: Manifest): { image: string; container: string }[] {
  const pod = podOf(manifest);
  if (pod) return pod.containers.filter((container) => typeof container.spec.image === 'string' && container.spec.image).map((container) => ({ image: String(container.spec.image), container: containerLabel(container) }));
  // Only custom resources: a built-in object that is not a pod runs no image (a ConfigMap key named image is data).
  const group = manifest.apiVersion.includes('/') ? manifest.apiVersion.slice(0, manifest.apiVersion.indexOf('/')) : '';
  if (schemaIndex().builtInGroups.includes(group)) return [];
  const found: { field: string; image: string }[] = [];
  customResourceImages(manifest.object.spec, 'spec', found);
  return found.map(({ field, image }) => ({ image, container: field }));
}

const setKey = (files: readonly string[]) => files.join('\0');

function sortSets(sets: Map<string, string[]>): string[][] {
  return [...sets.values()].sort((a, b) => (setKey(a) < setKey(b) ? -1 : setKey(a) > setKey(b) ? 1 : 0));
}

/**
 * Every container image the chart can run, from the renders of every values set and minor: the
 * values sets that bring it, the objects and containers that use it (helm test hooks included),
 * and chartwright's catalogue note for it. `ownImage` is the generated chart's app image.
 */
export async function imageInventory(renders: readonly RenderOf[], kubeVersions: readonly string[], ownImage?: string): Promise<ImageEvidence[]> {
  const byReference = new Map<string, { sets: Map<string, string[]>; uses: Map<string, { use: Omit<ImageUse, 'valuesSets' | 'kubeVersions'>; sets: Map<string, string[]>; minors: Set<string> }> }>();
  for (const render of renders) {
    for (const manifest of render.manifests) {
      const hook = annotationsOf(manifest)['helm.sh/hook'];
      for (const { image, container } of imagesOf(manifest)) {
        let entry = byReference.get(image);
        if (!entry) byReference.set(image, (entry = { sets: new Map(), uses: new Map() }));
        entry.sets.set(setKey(render.valuesFiles), render.valuesFiles);
        const useKey = JSON.stringify([manifest.id, container, manifest.source]);
        let use = entry.uses.get(useKey);
        if (!use) {
          use = { use: { object: manifest.id, container, file: manifest.source, ...(hook ? { hook } : {}) }, sets: new Map(), minors: new Set() };
          entry.uses.set(useKey, use);
        }
        use.sets.set(setKey(render.valuesFiles), render.valuesFiles);
        use.minors.add(render.kubeVersion);
      }
    }
  }
  const images: ImageEvidence[] = [];
  for (const [reference, entry] of byReference) {
    const parsed = parseImageReference(reference);
    const known = await imageInCatalogue(parsed.repository);
    const usedBy = [...entry.uses.values()]
      .map(({ use, sets, minors }) => ({
        ...use,
        valuesSets: sortSets(sets),
        ...(minors.size < kubeVersions.length ? { kubeVersions: [...minors].sort(compareMinors) } : {}),
      }))
      .sort((a, b) => (a.file + a.object + a.container < b.file + b.object + b.container ? -1 : 1));
    images.push({
      reference,
      ...parsed,
      role: ownImage !== undefined && reference === ownImage ? 'software-item' : 'soup',
      valuesSets: sortSets(entry.sets),
      usedBy,
      ...(known ? { catalogue: catalogueEntry(known, parsed.tag ?? '') } : {}),
    });
  }
  const order = (image: ImageEvidence) => `${image.repository}\0${image.reference}`;
  return images.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}
