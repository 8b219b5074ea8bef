/**
 * IEC 62304 software safety classes: what each means and what it turns on in a generated chart
 * and in `chartwright test`. Prompts, the chart README and the docs all read this one table.
 */
export const SAFETY_CLASSES = ['A', 'B', 'C'] as const;
export type SafetyClass = (typeof SAFETY_CLASSES)[number];

/** Availability defaults per class and environment; values files may override them. */
export interface Availability {
  replicas: number;
  autoscaling: { enabled: boolean; minReplicas: number; maxReplicas: number };
  podDisruptionBudget: { enabled: boolean; minAvailable: number | null; maxUnavailable: number | null };
  topologySpread: { enabled: boolean; whenUnsatisfiable: 'ScheduleAnyway' | 'DoNotSchedule' };
}

export interface ClassProfile {
  dev: Availability;
  prod: Availability;
  /** Class C adds an explicit deny-all NetworkPolicy next to the allow rules. */
  networkPolicyDefaultDeny: boolean;
  /** Memory limit equal to the request in prod (Guaranteed memory, no OOM surprises). */
  prodMemoryLimitEqualsRequest: boolean;
  /** Instances of an operator-managed database or clustered broker in prod (1 means no replica). */
  prodDataReplicas: number;
  /** Synchronous replication for the operator-managed database: no committed write lost on failover. */
  synchronousReplication: boolean;
}

const noHpa = { enabled: false, minReplicas: 1, maxReplicas: 3 };
const noSpread = { enabled: false, whenUnsatisfiable: 'ScheduleAnyway' } as const;
// maxUnavailable 1 never blocks a node drain, even with a single replica in dev.
const pdbMaxUnavailableOne = { enabled: true, minAvailable: null, maxUnavailable: 1 };

export const CLASS_PROFILES: Record<SafetyClass, ClassProfile> = {
  A: {
    dev: { replicas: 1, autoscaling: noHpa, podDisruptionBudget: { enabled: false, minAvailable: null, maxUnavailable: 1 }, topologySpread: noSpread },
    prod: {
      replicas: 2,
      autoscaling: { enabled: false, minReplicas: 2, maxReplicas: 4 },
      podDisruptionBudget: { enabled: true, minAvailable: 1, maxUnavailable: null },
      topologySpread: { enabled: true, whenUnsatisfiable: 'ScheduleAnyway' },
    },
    networkPolicyDefaultDeny: false,
    prodMemoryLimitEqualsRequest: false,
    prodDataReplicas: 2,
    synchronousReplication: false,
  },
  B: {
    dev: { replicas: 1, autoscaling: noHpa, podDisruptionBudget: pdbMaxUnavailableOne, topologySpread: noSpread },
    prod: {
      replicas: 2,
      autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 5 },
      podDisruptionBudget: { enabled: true, minAvailable: 1, maxUnavailable: null },
      topologySpread: { enabled: true, whenUnsatisfiable: 'ScheduleAnyway' },
    },
    networkPolicyDefaultDeny: false,
    prodMemoryLimitEqualsRequest: true,
    prodDataReplicas: 3,
    synchronousReplication: false,
  },
  C: {
    dev: { replicas: 1, autoscaling: noHpa, podDisruptionBudget: pdbMaxUnavailableOne, topologySpread: noSpread },
    prod: {
      replicas: 3,
      autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 6 },
      podDisruptionBudget: pdbMaxUnavailableOne,
      topologySpread: { enabled: true, whenUnsatisfiable: 'DoNotSchedule' },
    },
    networkPolicyDefaultDeny: true,
    prodMemoryLimitEqualsRequest: true,
    prodDataReplicas: 3,
    synchronousReplication: true,
  },
};

export interface ClassInfo {
  /** What a failure of software of this class can lead to (IEC 62304 4.3). */
  meaning: string;
  /** How `chartwright test` judges a chart of this class; kept in line with src/verify/policy.ts by a test. */
  checks: string;
  /** The same in a few words, for one-line summaries. */
  strictness: string;
}

export const CLASS_INFO: Record<SafetyClass, ClassInfo> = {
  A: {
    meaning: 'no injury or damage to health is possible',
    checks: 'security basics (non-root, no privilege escalation, pinned tags, no secrets in env) are errors; hardening gaps are warnings; availability gaps are notes',
    strictness: 'lenient availability checks',
  },
  B: {
    meaning: 'non-serious injury is possible',
    checks: 'security and hardening gaps are errors; a missing PodDisruptionBudget or node spreading is a warning',
    strictness: 'strict checks',
  },
  C: {
    meaning: 'death or serious injury is possible',
    checks: 'security, hardening and availability gaps (PodDisruptionBudget, node spreading, service account token) are errors; fewer than 2 replicas and images without digests are warnings',
    strictness: 'strictest checks',
  },
};

const hpaText = (hpa: Availability['autoscaling']) => (hpa.enabled ? `on, ${hpa.minReplicas}-${hpa.maxReplicas}` : 'off');
const pdbText = (pdb: Availability['podDisruptionBudget']) =>
  !pdb.enabled ? 'off' : pdb.minAvailable !== null ? `minAvailable ${pdb.minAvailable}` : `maxUnavailable ${pdb.maxUnavailable}`;
const spreadText = (spread: Availability['topologySpread']) =>
  !spread.enabled ? 'off' : spread.whenUnsatisfiable === 'DoNotSchedule' ? 'required' : 'preferred';

/** The availability settings a class chooses, as rows of (setting, dev, prod) for tables. */
export function availabilityRows(safetyClass: SafetyClass): { what: string; dev: string; prod: string }[] {
  const profile = CLASS_PROFILES[safetyClass];
  const deny = profile.networkPolicyDefaultDeny ? 'on' : 'off';
  return [
    { what: 'Replicas', dev: String(profile.dev.replicas), prod: String(profile.prod.replicas) },
    { what: 'HorizontalPodAutoscaler', dev: hpaText(profile.dev.autoscaling), prod: hpaText(profile.prod.autoscaling) },
    { what: 'PodDisruptionBudget', dev: pdbText(profile.dev.podDisruptionBudget), prod: pdbText(profile.prod.podDisruptionBudget) },
    { what: 'Spreading across nodes', dev: spreadText(profile.dev.topologySpread), prod: spreadText(profile.prod.topologySpread) },
    { what: 'Deny-all NetworkPolicy', dev: deny, prod: deny },
  ];
}

/** One line of what choosing the class turns on, for the class prompt and the summary. */
export function classTurnsOn(safetyClass: SafetyClass): string {
  const profile = CLASS_PROFILES[safetyClass];
  const prod = profile.prod;
  const parts = [
    `prod ${prod.replicas} replicas`,
    prod.autoscaling.enabled ? `HPA ${prod.autoscaling.minReplicas}-${prod.autoscaling.maxReplicas}` : 'no HPA',
    `PDB ${pdbText(prod.podDisruptionBudget)}`,
    `${spreadText(prod.topologySpread)} node spreading`,
  ];
  if (profile.networkPolicyDefaultDeny) parts.push('deny-all NetworkPolicy');
  if (profile.synchronousReplication) parts.push('synchronous database replication');
  return `${parts.join(', ')}; ${CLASS_INFO[safetyClass].strictness}`;
}
