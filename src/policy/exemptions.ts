// Exemptions are deviations an auditor reads: one object, one rule, a written reason. The reason
// must say something, and at class C (where a violation may contribute to serious injury) enough
// to review: at least five words. A short sentence (three words) suffices at classes A and B.
import type { SafetyClass } from '../answers/validate.js';
import type { Manifest } from '../verify/manifests.js';
import { annotationsOf, podTemplateOf, stringMap } from './objects.js';

/** Prefix of the annotation that exempts an object from a rule; its value is the justification. */
export const EXEMPTION_PREFIX = 'chartwright.io/exempt.';

/** One exemption used in a run, as the report and the evidence list it. */
export interface Exemption {
  rule: string;
  /** Kind/name of the exempted object. */
  object: string;
  /** Template the object was rendered from (charts/<sub>/... for a subchart). */
  file: string;
  justification: string;
}

/** What a justification needs per class: words (runs of non-space with a letter or digit) and characters. */
export const JUSTIFICATION_MINIMUM: Readonly<Record<SafetyClass, { words: number; characters: number }>> = {
  A: { words: 3, characters: 10 },
  B: { words: 3, characters: 10 },
  C: { words: 5, characters: 20 },
};

export const wordsOf = (text: string): number => text.trim().split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word)).length;

/** Why a justification is not enough at this class, or undefined when it is. */
export function justificationProblem(justification: string, safetyClass: SafetyClass): string | undefined {
  const minimum = JUSTIFICATION_MINIMUM[safetyClass];
  const text = justification.trim();
  if (wordsOf(text) >= minimum.words && text.length >= minimum.characters) return undefined;
  return `at class ${safetyClass} at least ${minimum.words} words and ${minimum.characters} characters`;
}

/** Exemption annotations of an object: its own metadata and its pod template's (the template's win). */
export function exemptionAnnotations(manifest: Manifest): Map<string, string> {
  const annotations = { ...annotationsOf(manifest) };
  const template = podTemplateOf(manifest);
  if (template && manifest.kind !== 'Pod') Object.assign(annotations, stringMap(template.metadata.annotations));
  const found = new Map<string, string>();
  for (const [key, value] of Object.entries(annotations)) {
    if (key.startsWith(EXEMPTION_PREFIX)) found.set(key.slice(EXEMPTION_PREFIX.length), value);
  }
  return found;
}
