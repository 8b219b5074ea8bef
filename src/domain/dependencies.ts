/**
 * The backing services a chart can depend on, by the names flags, answers files and prompts use.
 * Each has a part module under src/parts/ that says how the chart provides or reaches it.
 */
export const DEPENDENCIES = [
  { name: 'postgresql', title: 'PostgreSQL', summary: 'relational database' },
  { name: 'redis', title: 'Redis', summary: 'in-memory cache (Valkey, Redis-compatible, when in-cluster)' },
  { name: 'nats', title: 'NATS', summary: 'message broker (publish/subscribe and JetStream streams)' },
] as const;

export type DependencyName = (typeof DEPENDENCIES)[number]['name'];

export const DEPENDENCY_NAMES: readonly DependencyName[] = DEPENDENCIES.map((dependency) => dependency.name);
