import type { Answers } from '../answers/fields.js';
import type { DependencyName } from '../answers/validate.js';

/**
 * The one place that knows which chart backs each dependency, at which exact version, and what
 * the app needs to connect to it. Versions are pinned exactly: ranges would make the same answers
 * produce different installs over time.
 */
export interface SubchartEntry {
  dependency: DependencyName;
  /** Chart name in the repository; also its values key and its `condition: <chart>.enabled`. */
  chart: string;
  version: string;
  repository: string;
  port: number;
  /** SPDX licence and upkeep, for the SOUP note written into values.yaml and README.md. */
  license: string;
  maintained: boolean;
  /** What the user must know, written above the subchart's values. */
  notice: string[];
}

export const SUBCHARTS: Record<DependencyName, SubchartEntry> = {
  postgresql: {
    dependency: 'postgresql',
    chart: 'postgresql',
    version: '16.7.27',
    repository: 'oci://registry-1.docker.io/bitnamicharts',
    port: 5432,
    license: 'Apache-2.0',
    maintained: false,
    notice: [
      'Bitnami PostgreSQL chart 16.7.27, the last release built from public source (2025-08-26).',
      'Bitnami froze its public catalogue on 2025-08-28: versioned images moved to docker.io/bitnamilegacy',
      'and receive no security updates. This is an unmaintained SOUP item; for IEC 62304 class B or C',
      'plan a migration (CloudNativePG or a managed service) and record the risk assessment.',
    ],
  },
  redis: {
    dependency: 'redis',
    chart: 'valkey',
    version: '0.9.4',
    repository: 'https://valkey.io/valkey-helm/',
    port: 6379,
    license: 'BSD-3-Clause',
    maintained: true,
    notice: [
      'Official Valkey chart 0.9.4 (Valkey is the Linux Foundation fork of Redis, wire-compatible).',
      'Pinned exactly; review the chart release notes before raising the version.',
    ],
  },
};

/** The pinned PostgreSQL image, shared by the subchart override and the backup CronJob. */
export const POSTGRES_IMAGE = { registry: 'docker.io', repository: 'bitnamilegacy/postgresql', tag: '17.6.0-debian-12-r4' };

/** Subcharts the answers call for, in catalogue order. */
export function chosenSubcharts(answers: Answers): SubchartEntry[] {
  return answers.dependencies
    .filter((name) => providerOf(answers, name) === 'in-cluster')
    .map((name) => SUBCHARTS[name]);
}

export function providerOf(answers: Answers, name: DependencyName) {
  return name === 'postgresql' ? answers.postgresqlProvider : answers.redisProvider;
}
