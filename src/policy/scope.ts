// What a rule looks at, declared as data (kube-linter's `scope`): the object kinds, for container
// rules which containers, and whether helm hooks count. The walkers below are the only code that
// applies a scope, so a rule's test never sees an object outside it.
import type { SafetyClass } from '../answers/validate.js';
import type { Severity } from '../verify/findings.js';
import type { Manifest } from '../verify/manifests.js';
import type { PolicyContext } from './context.js';
import {
  ALL_CONTAINERS,
  LONG_RUNNING_KINDS,
  REPLICATED_KINDS,
  WORKLOAD_KINDS,
  containerLabel,
  type ContainerKind,
  type ContainerView,
  type PodView,
  type WorkloadKind,
} from './objects.js';

export type RuleCategory = 'security' | 'reliability' | 'efficiency' | 'consistency';

export interface PodScope {
  kinds: readonly WorkloadKind[];
  /** false: helm hooks (test pods, hook Jobs) are out of scope. */
  hooks?: boolean;
}

export interface ContainerScope extends PodScope {
  containers: readonly ContainerKind[];
}

export interface ObjectScope {
  /** Object kinds; ['*'] for every object. */
  kinds: readonly string[];
}

interface RuleBase {
  /** Stable ID; also the suffix of the exemption annotation. */
  id: string;
  category: RuleCategory;
  /** Why the rule exists, for the person reading the finding. */
  rationale: string;
  fix: string;
  /** The hazard the rule controls (risk-control traceability, IEC 62304 / ISO 14971). */
  hazard: string;
  /** What a violation is, per IEC 62304 class. */
  severity: Record<SafetyClass, Severity>;
}

/** Checks each container in scope; returns what is wrong with it. */
export interface ContainerRule extends RuleBase {
  scope: ContainerScope;
  container: (container: ContainerView, pod: PodView, context: PolicyContext) => string | undefined;
}

/** Checks each pod (template) in scope. */
export interface PodRule extends RuleBase {
  scope: PodScope;
  pod: (pod: PodView, context: PolicyContext) => string[];
}

/** Checks each object of the kinds in scope. */
export interface ObjectRule extends RuleBase {
  scope: ObjectScope;
  object: (manifest: Manifest, context: PolicyContext) => string[];
}

export type PolicyRule = ContainerRule | PodRule | ObjectRule;

export interface Violation {
  manifest: Manifest;
  message: string;
}

const inPodScope = (scope: PodScope, pod: PodView) => scope.kinds.includes(pod.kind) && (scope.hooks !== false || !pod.hook);

/** Runs a rule over exactly the objects, pods and containers its scope names. */
export function violationsOf(rule: PolicyRule, context: PolicyContext): Violation[] {
  if ('container' in rule) {
    return context.pods
      .filter((pod) => inPodScope(rule.scope, pod))
      .flatMap((pod) =>
        pod.containers
          .filter((container) => rule.scope.containers.includes(container.kind))
          .flatMap((container) => {
            const message = rule.container(container, pod, context);
            return message ? [{ manifest: pod.manifest, message: `${containerLabel(container)}: ${message}` }] : [];
          }),
      );
  }
  if ('pod' in rule) {
    return context.pods
      .filter((pod) => inPodScope(rule.scope, pod))
      .flatMap((pod) => rule.pod(pod, context).map((message) => ({ manifest: pod.manifest, message })));
  }
  const every = rule.scope.kinds.includes('*');
  return context.manifests
    .filter((manifest) => every || rule.scope.kinds.includes(manifest.kind))
    .flatMap((manifest) => rule.object(manifest, context).map((message) => ({ manifest, message })));
}

/** Named kind groups, so the docs say "long-running workloads" rather than a list of five kinds. */
export const KIND_GROUPS: readonly { name: string; kinds: readonly string[] }[] = [
  { name: 'workloads', kinds: WORKLOAD_KINDS },
  { name: 'long-running workloads', kinds: LONG_RUNNING_KINDS },
  { name: 'replicated workloads', kinds: REPLICATED_KINDS },
];

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((item) => b.includes(item));

/** The scope in words, for the generated rule table. */
export function describeScope(rule: PolicyRule): string {
  const kinds: readonly string[] = rule.scope.kinds;
  const group = KIND_GROUPS.find((candidate) => sameSet(candidate.kinds, kinds));
  const objects = kinds.includes('*') ? 'every object' : (group?.name ?? kinds.join(', '));
  const parts = [objects];
  if ('container' in rule) {
    const containers = rule.scope.containers;
    parts.push(sameSet(containers, ALL_CONTAINERS) ? 'all containers' : `${containers.join(', ')} containers`);
  }
  if ('hooks' in rule.scope && rule.scope.hooks === false) parts.push('not helm hooks');
  return parts.join('; ');
}
