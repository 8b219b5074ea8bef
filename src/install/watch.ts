import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterCommands } from './commands.js';
import { listedObjects } from './objects.js';
import type { ClusterProvider } from './providers/provider.js';

/** Why a helm wait can never succeed, found while it runs. */
export interface FastFailure {
  message: string;
  object?: string;
  hint?: string;
}

const POLL_MS = 2_000;
/** A claim waiting this long for a first consumer that does not exist will wait for ever. */
const UNBOUND_GRACE_MS = 15_000;
const PULL_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

const IMAGE_HINT =
  "pass --image-override REPOSITORY:TAG to install with a stand-in for the chart's own image (e.g. one your CI built and pushed), " +
  'or --load-image IMAGE to load a local image into a kind or k3s cluster';

interface Pod {
  metadata?: { name?: string };
  spec?: { volumes?: { persistentVolumeClaim?: { claimName?: string } }[] };
  status?: { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
}
interface ContainerStatus {
  name?: string;
  image?: string;
  state?: { waiting?: { reason?: string; message?: string } };
}
interface Event {
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string };
}

/** What in the namespace makes the running helm wait hopeless, if anything. */
export function findFastFailure(listed: string, pendingSince: Map<string, number>, now: number): FastFailure | undefined {
  const objects = listedObjects(listed) as (Record<string, unknown> & { kind?: string })[];
  const pods = objects.filter((object) => object.kind === 'Pod') as Pod[];
  const events = objects.filter((object) => object.kind === 'Event') as Event[];
  for (const pod of pods) {
    for (const container of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const waiting = container.state?.waiting;
      if (waiting?.reason && PULL_FAILURES.has(waiting.reason)) {
        return {
          message: `image ${container.image ?? '?'} of pod ${pod.metadata?.name ?? '?'} (container ${container.name ?? '?'}) cannot be pulled: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`,
          object: `Pod/${pod.metadata?.name ?? '?'}`,
          hint: IMAGE_HINT,
        };
      }
    }
  }
  // The API server refuses pods that break the namespace's Pod Security level: the controller says so in an event.
  for (const event of events) {
    if (event.reason === 'FailedCreate' && /violates PodSecurity/.test(event.message ?? '')) {
      return {
        message: `the API server refused to create pods for ${event.involvedObject?.kind ?? '?'}/${event.involvedObject?.name ?? '?'}: ${event.message}`,
        object: `${event.involvedObject?.kind ?? '?'}/${event.involvedObject?.name ?? '?'}`,
        hint: 'the namespace enforces the Pod Security Standard "restricted" (classes B and C); fix the securityContext the message names',
      };
    }
  }
  const consumed = new Set(pods.flatMap((pod) => (pod.spec?.volumes ?? []).map((volume) => volume.persistentVolumeClaim?.claimName).filter((name): name is string => Boolean(name))));
  const waitingForConsumer = new Set(
    events.filter((event) => event.involvedObject?.kind === 'PersistentVolumeClaim' && event.reason === 'WaitForFirstConsumer').map((event) => event.involvedObject?.name ?? ''),
  );
  for (const claim of objects.filter((object) => object.kind === 'PersistentVolumeClaim') as { metadata?: { name?: string }; status?: { phase?: string } }[]) {
    const name = claim.metadata?.name ?? '';
    if (claim.status?.phase !== 'Pending' || consumed.has(name) || !waitingForConsumer.has(name)) {
      pendingSince.delete(name);
      continue;
    }
    const since = pendingSince.get(name) ?? now;
    pendingSince.set(name, since);
    if (now - since >= UNBOUND_GRACE_MS) {
      return {
        message: `PersistentVolumeClaim ${name} stays Pending: its StorageClass binds a claim only when a pod uses it (WaitForFirstConsumer), and no pod uses it; helm --wait waits for every claim to be Bound, so it would wait the whole timeout`,
        object: `PersistentVolumeClaim/${name}`,
        hint: 'mount the claim in a long-running pod, create it only when it is used (a volumeClaimTemplate or an ephemeral volume), or give it a StorageClass with volumeBindingMode: Immediate',
      };
    }
  }
  return undefined;
}

/**
 * Polls the namespace while helm waits, and stops helm (`onFound`) as soon as the wait is
 * hopeless: an image that cannot be pulled, pods the API server refuses, a claim that can never
 * bind. Without it each of those costs the whole --timeout.
 */
export function watchForFastFailures(commands: ClusterCommands, namespace: string, provider: ClusterProvider, onFound: () => void): { finish: () => Promise<FastFailure | undefined> } {
  const abort = new AbortController();
  let found: FastFailure | undefined;
  const pendingSince = new Map<string, number>();
  const kinds = provider.pullsImages ? 'pods,persistentvolumeclaims,events' : 'persistentvolumeclaims,events';
  const loop = (async () => {
    while (!abort.signal.aborted) {
      // Removes its abort listener when it fires: one listener per poll would pile up.
      await sleep(POLL_MS, undefined, { signal: abort.signal }).catch(() => {});
      if (abort.signal.aborted) break;
      const listed = await commands.kubectl(['get', kinds, '--namespace', namespace, '--output', 'json'], 30_000, { signal: abort.signal });
      if (listed.exitCode !== 0) continue;
      found = findFastFailure(listed.stdout, pendingSince, Date.now());
      if (found) {
        onFound();
        break;
      }
    }
  })();
  return {
    finish: async () => {
      abort.abort();
      await loop;
      return found;
    },
  };
}
