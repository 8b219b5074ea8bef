import type { Answers, Field } from '../answers/field.js';
import type { ValueNode } from '../chart/valueTree.js';
import type { DependencyName } from '../domain/dependencies.js';

/**
 * An optional part of a generated chart (a dependency such as PostgreSQL, or a feature such as
 * an Ingress). A part brings everything it needs in one module: its questions, its values and
 * schema, its chart files, the fragments it adds to shared files (environment variables,
 * NetworkPolicy rules, README sections), its SOUP entries and what the app and the cluster must
 * provide. The planner only iterates the part list (src/parts/index.ts).
 */
export interface Part {
  id: string;
  title: string;
  /** The dependency this part provides, for parts chosen with --dependencies. */
  dependency?: DependencyName;
  /** Questions, asked in this order after the earlier parts' questions. */
  fields: Field[];
  /** Whether the chart carries the part at all: its files, values, fragments and SOUP. */
  included(answers: Answers): boolean;
  /** Where the part's top-level values go in values.yaml (see VALUES_SECTIONS). */
  section: ValuesSection;
  /** Top-level value nodes (values.yaml, values.schema.json and the README table all come from them). */
  values?(answers: Answers): Record<string, ValueNode>;
  /** Keys added inside a core group, e.g. networkPolicy.ingressControllerNamespace. */
  groupValues?(answers: Answers): Partial<Record<CoreGroup, Record<string, ValueNode>>>;
  /** Overrides written to values-prod.yaml (class-driven sizes and availability). */
  prodValues?(answers: Answers): Record<string, unknown>;
  /** Every chart file the part may write (paths in the chart, sources below templates/chart/). */
  ownedFiles?: string[];
  /** The owned files these answers call for; all of them by default (when the part is included). */
  files?(answers: Answers): string[];
  /** Fragments for the slots of shared files (source paths below templates/parts/). */
  slots?: Partial<Record<Slot, string>>;
  /** Extra variables for the part's fragments and files. */
  context?(answers: Answers): Record<string, unknown>;
  /** Subcharts for Chart.yaml `dependencies`. */
  subcharts?(answers: Answers): Subchart[];
  /** Third-party software the part makes the chart run or need (IEC 62304 SOUP). */
  soup?(answers: Answers): SoupItem[];
  /** Environment variables the part gives the app container (the app contract in the README). */
  env?(answers: Answers): EnvVar[];
  /** What must exist in the cluster or outside it before installing. */
  prerequisites?(answers: Answers): string[];
  /** Said before writing and in the final hint, e.g. an unmaintained image chosen for class C. */
  warnings?(answers: Answers): string[];
}

/** Core value groups parts may add keys to. */
export type CoreGroup = 'networkPolicy';

/** Values sections in file order: exposure follows networkPolicy, the rest follow metrics. */
export const VALUES_SECTIONS = ['exposure', 'workload', 'dependency', 'operations'] as const;
export type ValuesSection = (typeof VALUES_SECTIONS)[number];

/** Places in shared chart files that parts add to; each fragment is indented for its place. */
export const SLOTS = [
  'deployment.env',
  'deployment.volumeMounts',
  'deployment.volumes',
  'networkpolicy.ingressFrom',
  'networkpolicy.egress',
  /** Whole NetworkPolicy documents, e.g. for the pods of an in-cluster dependency. */
  'networkpolicy.policies',
  'readme',
] as const;
export type Slot = (typeof SLOTS)[number];

export interface Subchart {
  /** Chart name in the repository; also its values key and its `condition: <chart>.enabled`. */
  chart: string;
  /** Pinned exactly: ranges would make the same answers produce different installs over time. */
  version: string;
  repository: string;
}

export interface EnvVar {
  name: string;
  meaning: string;
}

/** One item of SOUP (IEC 62304 3.29): third-party software the chart runs or needs. */
export interface SoupItem {
  kind: 'subchart' | 'image' | 'operator';
  /** Chart name, image repository (with registry) or operator name. */
  name: string;
  version: string;
  /** Chart repository, or where the operator comes from. */
  source: string;
  supplier: string;
  /** SPDX licence expression. */
  license: string;
  /** How the version is fixed, e.g. "exact chart version", "tag, not by digest". */
  pinned: string;
  maintained: boolean;
  /** Upkeep in a sentence: who releases it and how it is kept up to date, or why it is not. */
  maintenance: string;
  /** What brings it into the chart: the values key that enables it, or "prerequisite". */
  broughtBy: string;
}
