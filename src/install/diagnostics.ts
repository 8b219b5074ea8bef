import type { ClusterCommands } from './commands.js';
import { listedObjects, unreadyPods } from './objects.js';
import type { ClusterProvider } from './providers/provider.js';

const QUICK_MS = 60_000;
const MAX_SECTION = 12_000;
/** The end of a long output, where the cause usually is. */
export const tail = (text: string) => (text.length > MAX_SECTION ? `[... ${text.length - MAX_SECTION} characters cut]\n${text.slice(-MAX_SECTION)}` : text);

/**
 * What explains a failed step, as chart-testing collects it and more: the namespace's events,
 * `describe` of unready pods with their current and previous logs, the claims (and `describe` of
 * pending ones), and the nodes' conditions. Read-only and uninterruptible: it runs after a failure.
 */
export async function collectDiagnostics(commands: ClusterCommands, namespace: string, provider: ClusterProvider): Promise<string> {
  const sections: string[] = [];
  const section = async (title: string, args: string[]) => {
    const result = await commands.kubectl(args, QUICK_MS, { uninterruptible: true });
    const body = `${result.stdout}${result.stderr ? `\n${result.stderr}` : ''}`.trim();
    sections.push(`--- ${title} ---\n${tail(body || '(no output)')}`);
    return result;
  };
  await section(`events in ${namespace}`, ['get', 'events', '--namespace', namespace, '--sort-by=.lastTimestamp']);
  const pods = await commands.kubectl(['get', 'pods', '--namespace', namespace, '--output', 'json'], QUICK_MS, { uninterruptible: true });
  let problems: ReturnType<typeof unreadyPods> = [];
  try {
    problems = pods.exitCode === 0 ? unreadyPods(pods.stdout) : [];
  } catch {
    sections.push(`--- pods in ${namespace} ---\n(unreadable: ${pods.stdout.slice(0, 200)})`);
  }
  // A handful of pods tells the story; a crash-looping ReplicaSet should not flood the report.
  for (const pod of problems.slice(0, 5)) {
    await section(`kubectl describe pod ${pod.name}`, ['describe', 'pod', pod.name, '--namespace', namespace]);
    if (!provider.hasLogs) continue;
    for (const container of pod.containers) {
      if (container.started) await section(`logs of ${pod.name}/${container.name}`, ['logs', pod.name, '--container', container.name, '--namespace', namespace, '--tail=200']);
      if (container.restarted) await section(`previous logs of ${pod.name}/${container.name}`, ['logs', pod.name, '--container', container.name, '--namespace', namespace, '--previous', '--tail=200']);
    }
  }
  const claims = await section(`persistent volume claims in ${namespace}`, ['get', 'persistentvolumeclaims', '--namespace', namespace, '--output', 'wide']);
  if (claims.exitCode === 0) {
    const listed = await commands.kubectl(['get', 'persistentvolumeclaims', '--namespace', namespace, '--output', 'json'], QUICK_MS, { uninterruptible: true });
    const pending = listedObjects(listed.exitCode === 0 ? listed.stdout : '').filter((claim) => (claim.status as { phase?: string } | undefined)?.phase === 'Pending');
    for (const claim of pending.slice(0, 3)) await section(`kubectl describe pvc ${claim.metadata?.name}`, ['describe', 'persistentvolumeclaim', claim.metadata?.name ?? '', '--namespace', namespace]);
  }
  await section('nodes and their conditions', [
    'get',
    'nodes',
    '--output',
    'custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status,MEMORY:.status.conditions[?(@.type=="MemoryPressure")].status,DISK:.status.conditions[?(@.type=="DiskPressure")].status,PID:.status.conditions[?(@.type=="PIDPressure")].status,TAINTS:.spec.taints[*].key',
  ]);
  return sections.join('\n\n');
}
