import type { SafetyClass } from '../answers/validate.js';

/** Availability defaults per IEC 62304 class and environment; values files may override them. */
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
  },
};
