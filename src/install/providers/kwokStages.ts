import { stringify } from 'yaml';

/**
 * The kwok Stages of chartwright's KWOK clusters: what the simulated kubelet does with nodes and
 * pods. kwokctl drops all of its default stages as soon as a config holds one, so the whole set
 * is here: a node becomes Ready; a pod becomes Running and Ready; a pod of a Job, and a helm test
 * hook pod, then completes successfully; a deleted pod goes. Written for chartwright (the status
 * templates use kwok's template functions Now, Quote, NodeConditions, NodeIP, NodeName, NodePort,
 * NodeIPsWith, PodIPsWith and Version).
 */

type Expression = { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] };

const stage = (name: string, kind: 'Node' | 'Pod', matchExpressions: Expression[], next: Record<string, unknown>, delay?: { durationMilliseconds: number; jitterDurationMilliseconds: number }) => ({
  apiVersion: 'kwok.x-k8s.io/v1alpha1',
  kind: 'Stage',
  metadata: { name },
  spec: { resourceRef: { apiGroup: 'v1', kind }, selector: { matchExpressions }, ...(delay ? { delay } : {}), next },
});

const notDeleted: Expression = { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' };
const readyIs = (operator: 'In' | 'NotIn'): Expression => ({ key: '.status.conditions.[] | select( .type == "Ready" ) | .status', operator, values: ['True'] });

// Generous room: the scheduler must never be the reason a chart does not install here.
const NODE_RESOURCES = '{cpu: "64", memory: 512Gi, pods: "250", ephemeral-storage: 2Ti}';

const nodeStatus = `{{ $now := Now }}
conditions:
{{ range NodeConditions }}
- lastHeartbeatTime: {{ $now | Quote }}
  lastTransitionTime: {{ $now | Quote }}
  message: {{ .message | Quote }}
  reason: {{ .reason | Quote }}
  status: {{ .status | Quote }}
  type: {{ .type | Quote }}
{{ end }}
addresses:
{{ with NodeIP }}
- {address: {{ . | Quote }}, type: InternalIP}
{{ end }}
{{ with NodeName }}
- {address: {{ . | Quote }}, type: Hostname}
{{ end }}
{{ with NodePort }}
daemonEndpoints: {kubeletEndpoint: {Port: {{ . }}}}
{{ end }}
allocatable: ${NODE_RESOURCES}
capacity: ${NODE_RESOURCES}
nodeInfo:
  architecture: amd64
  operatingSystem: linux
  kubeletVersion: {{ printf "kwok-%s" Version | Quote }}
  kubeProxyVersion: {{ printf "kwok-%s" Version | Quote }}
  containerRuntimeVersion: {{ printf "kwok-%s" Version | Quote }}
  kernelVersion: ""
  osImage: ""
  bootID: ""
  machineID: ""
  systemUUID: ""
phase: Running
`;

const podRunning = `{{ $now := Now }}
conditions:
- {type: PodScheduled, status: "True", lastTransitionTime: {{ $now | Quote }}}
- {type: Initialized, status: "True", lastTransitionTime: {{ $now | Quote }}}
- {type: ContainersReady, status: "True", lastTransitionTime: {{ $now | Quote }}}
- {type: Ready, status: "True", lastTransitionTime: {{ $now | Quote }}}
{{ range .spec.readinessGates }}
- {type: {{ .conditionType | Quote }}, status: "True", lastTransitionTime: {{ $now | Quote }}}
{{ end }}
containerStatuses:
{{ range .spec.containers }}
- {name: {{ .name | Quote }}, image: {{ .image | Quote }}, ready: true, started: true, restartCount: 0, state: {running: {startedAt: {{ $now | Quote }}}}}
{{ end }}
initContainerStatuses:
{{ range .spec.initContainers }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  ready: true
  restartCount: 0
  {{ if eq .restartPolicy "Always" }}
  started: true
  state: {running: {startedAt: {{ $now | Quote }}}}
  {{ else }}
  state: {terminated: {exitCode: 0, reason: Completed, startedAt: {{ $now | Quote }}, finishedAt: {{ $now | Quote }}}}
  {{ end }}
{{ end }}
{{ with NodeIPsWith .spec.nodeName }}
hostIP: {{ index . 0 | Quote }}
hostIPs:
{{ range . }}
- ip: {{ . | Quote }}
{{ end }}
{{ end }}
{{ with PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
podIP: {{ index . 0 | Quote }}
podIPs:
{{ range . }}
- ip: {{ . | Quote }}
{{ end }}
{{ end }}
phase: Running
startTime: {{ $now | Quote }}
`;

const podSucceeded = `{{ $now := Now }}
conditions:
- {type: PodScheduled, status: "True", lastTransitionTime: {{ $now | Quote }}}
- {type: Initialized, status: "True", lastTransitionTime: {{ $now | Quote }}}
- {type: ContainersReady, status: "False", reason: PodCompleted, lastTransitionTime: {{ $now | Quote }}}
- {type: Ready, status: "False", reason: PodCompleted, lastTransitionTime: {{ $now | Quote }}}
containerStatuses:
{{ range .spec.containers }}
- {name: {{ .name | Quote }}, image: {{ .image | Quote }}, ready: false, started: false, restartCount: 0, state: {terminated: {exitCode: 0, reason: Completed, startedAt: {{ $now | Quote }}, finishedAt: {{ $now | Quote }}}}}
{{ end }}
phase: Succeeded
`;

const running: Expression = { key: '.status.phase', operator: 'In', values: ['Running'] };

/**
 * kwokctl's --config for chartwright's clusters: every component listens on loopback only (kwok's
 * default is 0.0.0.0), then the Stage documents.
 */
export function kwokConfigYaml(): string {
  const configuration = { apiVersion: 'config.kwok.x-k8s.io/v1alpha1', kind: 'KwokctlConfiguration', options: { bindAddress: '127.0.0.1' } };
  const stages = [
    stage('chartwright-node-ready', 'Node', [readyIs('NotIn')], { statusTemplate: nodeStatus }),
    // Conditions refreshed now and then; kwok renews the node lease itself.
    stage('chartwright-node-heartbeat', 'Node', [{ key: '.status.phase', operator: 'In', values: ['Running'] }, readyIs('In')], { statusTemplate: nodeStatus }, { durationMilliseconds: 300_000, jitterDurationMilliseconds: 330_000 }),
    stage('chartwright-pod-running', 'Pod', [notDeleted, { key: '.status.phase', operator: 'In', values: ['Pending'] }, readyIs('NotIn')], { statusTemplate: podRunning }),
    stage('chartwright-job-pod-complete', 'Pod', [notDeleted, running, { key: '.metadata.ownerReferences.[].kind', operator: 'In', values: ['Job'] }], { statusTemplate: podSucceeded }),
    // helm test runs a bare pod annotated as a test hook and waits for it to succeed.
    stage('chartwright-helm-test-complete', 'Pod', [notDeleted, running, { key: '.metadata.annotations["helm.sh/hook"]', operator: 'In', values: ['test', 'test-success'] }], { statusTemplate: podSucceeded }),
    stage('chartwright-pod-delete', 'Pod', [{ key: '.metadata.deletionTimestamp', operator: 'Exists' }], { delete: true }),
  ];
  return [configuration, ...stages].map((document) => stringify(document, { lineWidth: 0 })).join('---\n');
}
