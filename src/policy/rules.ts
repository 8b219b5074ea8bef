// The policy rules, as data: what each rule is for, the hazard it controls, its severity per
// IEC 62304 class, its scope, and a short test written with the helpers in objects.ts,
// context.ts and secrets.ts. Security basics are errors at every class. The README table is
// generated from this list (`npm run docs`).
import type { SafetyClass } from '../answers/validate.js';
import type { Severity } from '../verify/findings.js';
import type { Manifest } from '../verify/manifests.js';
import { egressRuleAllowsAll, policyTypesOf, type PolicyContext } from './context.js';
import {
  ALL_CONTAINERS,
  LONG_RUNNING_KINDS,
  REPLICATED_KINDS,
  WORKLOAD_KINDS,
  asArray,
  asRecord,
  capabilities,
  effectiveSecurity,
  effectiveWindowsOption,
  namespaceOf,
  selectorIsEmpty,
  selectorMatches,
  serviceSelectorMatches,
  stringMap,
  type ContainerKind,
  type Json,
} from './objects.js';
import type { PolicyRule } from './scope.js';
import { secretIn, secretsInFile } from './secrets.js';

const every = (severity: Severity): Record<SafetyClass, Severity> => ({ A: severity, B: severity, C: severity });
const byClass = (A: Severity, B: Severity, C: Severity): Record<SafetyClass, Severity> => ({ A, B, C });

/** Containers that run a process with resources of their own (ephemeral ones may set neither resources, ports nor probes). */
const RUNNING_CONTAINERS: readonly ContainerKind[] = ['app', 'init', 'sidecar'];

/** Capabilities the Pod Security "baseline" profile lets a container add; anything else breaks isolation. */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

/** Sysctls the kubelet allows by default (namespaced and isolated per pod), as of Kubernetes 1.32. */
export const SAFE_SYSCTLS: ReadonlySet<string> = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ping_group_range',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.tcp_wmem',
]);

/** SELinux types Pod Security "baseline" allows; spc_t ("super privileged container") is the one to fear. */
const ALLOWED_SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

/** Default ClusterRoles that include pods/exec and pods/attach (cluster-admin has its own rule). */
const EXEC_GRANTING_CLUSTER_ROLES = new Set(['admin', 'edit']);

const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

const list = (items: string[]) => items.join(', ');

/** Pods a disruption budget guards: replicated workloads in its namespace that its selector selects. */
function podsGuardedBy(pdb: Manifest, context: PolicyContext) {
  const selector = asRecord(pdb.object.spec).selector;
  return context.pods.filter(
    (pod) => pod.replicas !== undefined && pod.namespace === namespaceOf(pdb) && selector !== undefined && selectorMatches(selector, pod.labels),
  );
}

/** Pods a PDB with this minAvailable must keep running, of `replicas` (percentages round up, as the disruption controller does). */
function requiredAvailable(minAvailable: unknown, replicas: number): number | undefined {
  if (typeof minAvailable === 'number') return minAvailable;
  const percent = /^(\d+)%$/.exec(String(minAvailable ?? ''));
  return percent ? Math.ceil((Number(percent[1]) * replicas) / 100) : undefined;
}

interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  nonResourceURLs: string[];
}
const rbacRules = (role: Manifest): RbacRule[] =>
  asArray<Json>(role.object.rules).map((rule) => ({
    apiGroups: asArray(rule.apiGroups).map(String),
    resources: asArray(rule.resources).map(String),
    verbs: asArray(rule.verbs).map(String),
    nonResourceURLs: asArray(rule.nonResourceURLs).map(String),
  }));

/** Whether a TLS host entry covers a rule host (a wildcard covers one label). */
const tlsCovers = (tlsHost: string, host: string) =>
  tlsHost === host || (tlsHost.startsWith('*.') && host.endsWith(tlsHost.slice(1)) && !host.slice(0, -tlsHost.length + 1).includes('.'));

export const POLICY_RULES: readonly PolicyRule[] = [
  // ---------------------------------------------------------------------------------------------
  // Security: the container's identity and privileges
  {
    id: 'run-as-non-root',
    category: 'security',
    rationale: 'A process running as root owns the container and is one kernel bug from the node.',
    fix: 'Set securityContext.runAsNonRoot: true and a non-zero runAsUser.',
    hazard: 'A compromised container gains root on the node.',
    severity: every('error'),
    scope: { kinds: WORKLOAD_KINDS, containers: ALL_CONTAINERS },
    container: (container, pod) => {
      const user = effectiveSecurity(pod, container, 'runAsUser');
      if (user === 0) return 'runs as UID 0 (root)';
      if (effectiveSecurity(pod, container, 'runAsNonRoot') !== true && typeof user !== 'number') return 'may run as root: set runAsNonRoot: true';
      return undefined;
    },
  },
  {
    id: 'no-privilege-escalation',
    category: 'security',
    rationale: 'setuid binaries can regain privileges unless escalation is blocked (it is allowed by default).',
    fix: 'Set securityContext.allowPrivilegeEscalation: false.',
    hazard: 'A process in the container raises its own privileges through a setuid binary.',
    severity: every('error'),
    scope: { kinds: WORKLOAD_KINDS, containers: ALL_CONTAINERS },
    container: (container) => (container.securityContext.allowPrivilegeEscalation !== false ? 'allowPrivilegeEscalation is not false' : undefined),
  },
  {
    id: 'no-privileged',
    category: 'security',
    rationale: 'A privileged container has every capability and the host devices.',
    fix: 'Remove securityContext.privileged or set it to false.',
    hazard: 'A compromised container takes over the node and every pod on it.',
    severity: every('error'),
    scope: { kinds: WORKLOAD_KINDS, containers: ALL_CONTAINERS },
    container: (container) => (container.securityContext.privileged === true ? 'runs privileged' : undefined),
  },
  {
    id: 'drop-all-capabilities',
    category: 'security',
    rationale: 'Default capabilities (e.g. NET_RAW) are rarely needed and widen the attack surface.',
    fix: 'Set securityContext.capabilities.drop: [ALL] and add back only what is needed.',
    hazard: 'A compromised container uses default capabilities to spoof traffic or tamper with files it does not own.',
    severity: byClass('warning', 'error', 'error'),
    scope: { kinds: WORKLOAD_KINDS, containers: ALL_CONTAINERS },
    container: (container) => (capabilities(container, 'drop').includes('ALL') ? undefined : 'does not drop ALL capabilities'),
  },
  {
    id: 'no-dangerous-capabilities',
    category: 'security',
    rationale: 'Capabilities outside the Pod Security baseline set (SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE, ALL, ...) undo container isolation, even after drop: [ALL].',
    fix: 'Remove them from securityContext.capabilities.add; run the privileged part outside the workload.',
    hazard: 'A compromised container escapes to the node, reads other processes or rewrites the network.',
    severity: every('error'),
    scope: { kinds: WORKLOAD_KINDS, containers: ALL_CONTAINERS },
    container: (container) => {
      const dangerous = capabilities(container, 'add').filter((name) => !BASELINE_CAPABILITIES.has(name));
      return dangerous.length ? `adds capabilities ${list(dangerous)}` : undefined;
    },
  },
  {
    id: 'no-added-capabilities',
    category: 'security',
    rationale: 'The Pod Security restricted profile allows adding back only NET_BIND_SERVICE; each other capability is privilege the app keeps.',
    fix: 'Remove the capability from securityContext.capabilities.add (listen on a port above 1024 instead of keeping privileges).',
    hazard: 'A compromised container uses a capability it was given back (e.g. CHOWN, SETUID) to widen its access.',
    severity: byClass('info', 'warning', 'error'),
    scope: { kinds: WORKLOAD_KINDS, containers: ALL_CONTAINERS },
    container: (container) => {
      const added = capabilities(container, 'add').filter((name) => BASELINE_CAPABILITIES.has(name) && name !== 'NET_BIND_SERVICE');
      return added.length ? `adds back capabilities ${list(added)}` : undefined;
    },
  },
  {
    id: 'seccomp-profile',
    category: 'security',
    rationale: 'Without a seccomp profile every system call is open to the container.',
    fix: 'Set securityContext.seccompProfile.type: RuntimeDefault on the pod or container.',
    hazard: 'A compromised container reaches kernel attack surface through system calls it never needs.',
    severity: byClass('warning', 'error', 'error'),
    scope: { kinds: WORKLOAD_KINDS, containers: ALL_CONTAINERS },
    container: (container, pod) => {
      const type = asRecord(effectiveSecurity(pod, container, 'seccompProfile')).type;
      return type === 'RuntimeDefault' || type === 'Localhost' ? undefined : 'has no RuntimeDefault or Localhost seccomp profile';
    },
  },
  {
    id: 'no-apparmor-unconfined',
    category: 'security',
    rationale: 'An Unconfined AppArmor profile switches off the mandatory access control the node applies to containers.',
    fix: 'Remove appArmorProfile.type: Unconfined (and the container.apparmor.security.beta.kubernetes.io annotation), or use RuntimeDefault.',
    hazard: 'A compromised container reads or writes host paths and kernel interfaces AppArmor would deny.',
    severity: every('error'),
    scope: { kinds: WORKLOAD_KINDS, containers: ALL_CONTAINERS },
    container: (container, pod) => {
      if (asRecord(effectiveSecurity(pod, container, 'appArmorProfile')).type === 'Unconfined') return 'runs with AppArmor profile Unconfined';
      if (pod.annotations[`${APPARMOR_ANNOTATION}${container.name}`] === 'unconfined') return `is annotated ${APPARMOR_ANNOTATION}${container.name}: unconfined`;
      return undefined;
    },
  },
  {
    id: 'no-privileged-selinux-type',
    category: 'security',
    rationale: 'SELinux type spc_t ("super privileged container") exempts the container from SELinux confinement; Pod Security allows only the container_* types.',
    fix: 'Remove seLinuxOptions.type or use container_t.',
    hazard: 'A compromised container acts on the host with SELinux no longer containing it.',
    severity: every('error'),
    scope: { kinds: WORKLOAD_KINDS, containers: ALL_CONTAINERS },
    container: (container, pod) => {
      const type = String(asRecord(effectiveSecurity(pod, container, 'seLinuxOptions')).type ?? '');
      if (ALLOWED_SELINUX_TYPES.has(type)) return undefined;
      return type === 'spc_t' ? 'runs with SELinux type spc_t (unconfined)' : `runs with SELinux type ${type}, outside the types Pod Security allows`;
    },
  },
  {
    id: 'no-unmasked-proc-mount',
    category: 'security',
    rationale: 'procMount: Unmasked exposes /proc paths the runtime normally masks (kernel memory, sysrq, timers).',
    fix: 'Remove securityContext.procMount or set it to Default.',
    hazard: 'A compromised container reads kernel information or triggers host actions through /proc.',
    severity: every('error'),
    scope: { kinds: WORKLOAD_KINDS, containers: ALL_CONTAINERS },
    container: (container) => (container.securityContext.procMount === 'Unmasked' ? 'sets procMount: Unmasked' : undefined),
  },
  {
    id: 'no-host-process',
    category: 'security',
    rationale: 'A Windows HostProcess container runs directly on the node as a host process, with no isolation.',
    fix: 'Remove windowsOptions.hostProcess (or set it to false) on the pod and its containers.',
    hazard: 'A compromised container is a process on the Windows node with its full rights.',
    severity: every('error'),
    scope: { kinds: WORKLOAD_KINDS, containers: ALL_CONTAINERS },
    container: (container, pod) => (effectiveWindowsOption(pod, container, 'hostProcess') === true ? 'is a Windows HostProcess container' : undefined),
  },
  {
    id: 'read-only-root-filesystem',
    category: 'security',
    rationale: 'A writable root filesystem lets an intruder change binaries and hide tools.',
    fix: 'Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the app writes.',
    hazard: 'An intruder replaces the application binaries or plants tools that survive inside the container.',
    severity: byClass('warning', 'error', 'error'),
    scope: { kinds: WORKLOAD_KINDS, containers: ALL_CONTAINERS },
    container: (container) => (container.securityContext.readOnlyRootFilesystem === true ? undefined : 'root filesystem is writable'),
  },
  // ---------------------------------------------------------------------------------------------
  // Security: what the pod shares with the node and its neighbours
  {
    id: 'no-host-namespaces',
    category: 'security',
    rationale: 'Sharing the host network, PID or IPC namespace breaks container isolation.',
    fix: 'Remove hostNetwork, hostPID and hostIPC from the pod spec.',
    hazard: 'A compromised pod sees and attacks the node\'s processes, memory or network traffic.',
    severity: every('error'),
    scope: { kinds: WORKLOAD_KINDS },
    pod: (pod) => ['hostNetwork', 'hostPID', 'hostIPC'].filter((field) => pod.spec[field] === true).map((field) => `pod uses ${field}`),
  },
  {
    id: 'no-share-process-namespace',
    category: 'security',
    rationale: 'With shareProcessNamespace every container sees, signals and reads the filesystem of the others\' processes.',
    fix: 'Remove shareProcessNamespace: true; let containers talk over localhost or a shared volume.',
    hazard: 'One compromised container reads another container\'s secrets from its process memory or filesystem.',
    severity: byClass('warning', 'error', 'error'),
    scope: { kinds: WORKLOAD_KINDS },
    pod: (pod) => (pod.spec.shareProcessNamespace === true ? ['pod sets shareProcessNamespace: true'] : []),
  },
  {
    id: 'no-host-path',
    category: 'security',
    rationale: 'hostPath volumes expose the node filesystem to the pod.',
    fix: 'Use a PersistentVolumeClaim, emptyDir, ConfigMap or Secret volume instead.',
    hazard: 'A compromised pod reads or changes files on the node (credentials, container runtime socket).',
    severity: byClass('warning', 'error', 'error'),
    scope: { kinds: WORKLOAD_KINDS },
    pod: (pod) => asArray<Json>(pod.spec.volumes).filter((volume) => volume.hostPath !== undefined).map((volume) => `volume ${String(volume.name)} mounts a hostPath`),
  },
  {
    id: 'no-host-port',
    category: 'security',
    rationale: 'A hostPort binds a port on the node itself, bypassing Services and NetworkPolicies, and limits scheduling to one pod per node.',
    fix: 'Remove ports[].hostPort; expose the pod through a Service.',
    hazard: 'The pod is reachable on the node\'s address, around the network controls meant to guard it.',
    severity: byClass('warning', 'error', 'error'),
    scope: { kinds: WORKLOAD_KINDS, containers: RUNNING_CONTAINERS },
    container: (container) => {
      const ports = asArray<Json>(container.spec.ports).filter((port) => Number(port.hostPort ?? 0) !== 0).map((port) => String(port.hostPort));
      return ports.length ? `binds host ports ${list(ports)}` : undefined;
    },
  },
  {
    id: 'no-unsafe-sysctls',
    category: 'security',
    rationale: 'Sysctls outside the Kubernetes safe set are not isolated per pod: they change the kernel for the whole node.',
    fix: 'Remove them from securityContext.sysctls, or tune the node instead.',
    hazard: 'A pod changes kernel settings for every pod on the node, or crashes the node.',
    severity: every('error'),
    scope: { kinds: WORKLOAD_KINDS },
    pod: (pod) => {
      const names = asArray<Json>(asRecord(pod.spec.securityContext).sysctls).map((sysctl) => String(sysctl.name ?? '').replace(/\//g, '.'));
      const unsafe = names.filter((name) => !SAFE_SYSCTLS.has(name));
      return unsafe.length ? [`pod sets unsafe sysctls ${list(unsafe)}`] : [];
    },
  },
  {
    id: 'no-ephemeral-containers',
    category: 'security',
    rationale: 'Ephemeral containers are for kubectl debug on a running pod; the API server rejects them in a pod spec on create, and a chart that carries one ships a debug shell.',
    fix: 'Remove spec.ephemeralContainers; debug with `kubectl debug` when needed.',
    hazard: 'A debug container with tooling and no resource limits is deployed with the release.',
    severity: every('error'),
    scope: { kinds: WORKLOAD_KINDS },
    pod: (pod) => {
      const names = pod.containers.filter((container) => container.kind === 'ephemeral').map((container) => container.name);
      return names.length ? [`pod spec has ephemeral containers ${list(names)}`] : [];
    },
  },
  {
    id: 'no-token-automount',
    category: 'security',
    rationale: 'A mounted service account token lets anyone in the pod call the Kubernetes API.',
    fix: 'Set automountServiceAccountToken: false on the pod or its ServiceAccount unless the app calls the API.',
    hazard: 'A compromised pod uses its API token to read or change cluster objects.',
    severity: byClass('warning', 'warning', 'error'),
    scope: { kinds: WORKLOAD_KINDS },
    pod: (pod, context) => {
      // The pod's own field wins; when unset, the ServiceAccount's applies (the kubelet's order).
      if (pod.spec.automountServiceAccountToken === false) return [];
      if (pod.spec.automountServiceAccountToken === true) return ['pod sets automountServiceAccountToken: true'];
      const account = context.serviceAccountOf(pod);
      if (!account.manifest) return [`pod mounts a service account token (ServiceAccount ${account.name} is not in the chart and the pod does not set automountServiceAccountToken: false)`];
      return account.manifest.object.automountServiceAccountToken === false
        ? []
        : [`pod mounts a service account token (neither the pod nor ServiceAccount ${account.name} sets automountServiceAccountToken: false)`];
    },
  },
  // ---------------------------------------------------------------------------------------------
  // Security: secrets, RBAC and network exposure
  {
    id: 'no-secret-in-env',
    category: 'security',
    rationale: 'A secret written into the pod spec is readable by everyone who can read the workload. Found by value (private keys, tokens, credentials in URLs, random strings) and by names that hold secrets; paths, flags and file references are not secrets.',
    fix: 'Move the value into a Secret and use valueFrom.secretKeyRef or envFrom.secretRef.',
    hazard: 'A credential leaks to everyone who can read the workload, its revisions or the chart.',
    severity: every('error'),
    scope: { kinds: WORKLOAD_KINDS, containers: ALL_CONTAINERS },
    container: (container) => {
      const leaked = asArray<Json>(container.spec.env).flatMap((variable) => {
        const name = String(variable.name ?? '');
        const reason = secretIn(name, variable.value);
        return reason ? [`${name} (${reason})`] : [];
      });
      return leaked.length ? `secret in plain env: ${list(leaked)}` : undefined;
    },
  },
  {
    id: 'no-secret-in-configmap',
    category: 'security',
    rationale: 'ConfigMaps are not access-controlled or encrypted like Secrets. Found by value and by names that hold secrets, also inside configuration files.',
    fix: 'Move the key into a Secret.',
    hazard: 'A credential leaks to everyone who can read ConfigMaps in the namespace.',
    severity: every('error'),
    scope: { kinds: ['ConfigMap'] },
    object: (manifest) => {
      const found = Object.entries(stringMap(manifest.object.data)).flatMap(([key, value]) => {
        if (!value.includes('\n')) {
          const reason = secretIn(key, value);
          return reason ? [`${key} (${reason})`] : [];
        }
        return secretsInFile(value).map((hit) => `${key}${hit.key ? ` at ${hit.key}` : ''} (${hit.reason})`);
      });
      return found.length ? [`secret in a ConfigMap: ${list(found)}`] : [];
    },
  },
  {
    id: 'no-pod-exec-attach',
    category: 'security',
    rationale: 'create or get on pods/exec or pods/attach runs commands inside any pod the role reaches, with that pod\'s secrets and identity.',
    fix: 'Remove pods/exec and pods/attach from the role, and bind view or a role of your own rather than edit or admin; debugging belongs to people, not to the release.',
    hazard: 'Whoever holds the role runs code in other pods and steals their credentials.',
    severity: every('error'),
    scope: { kinds: ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'] },
    object: (role) => {
      if (role.kind.endsWith('Binding')) {
        const ref = asRecord(role.object.roleRef);
        return ref.kind === 'ClusterRole' && EXEC_GRANTING_CLUSTER_ROLES.has(String(ref.name)) ? [`binds the built-in ClusterRole ${String(ref.name)}, which grants create on pods/exec and pods/attach`] : [];
      }
      return rbacRules(role).flatMap((rule) => {
        if (!rule.apiGroups.some((group) => group === '' || group === '*')) return [];
        const resources = rule.resources.filter((resource) => ['pods/exec', 'pods/attach', 'pods/*', '*'].includes(resource));
        const verbs = rule.verbs.filter((verb) => ['create', 'get', '*'].includes(verb));
        return resources.length && verbs.length ? [`grants ${list(verbs)} on ${list(resources)} (exec into or attach to pods)`] : [];
      });
    },
  },
  {
    id: 'no-cluster-admin-binding',
    category: 'security',
    rationale: 'cluster-admin is every permission on every object; no workload needs it.',
    fix: 'Bind a Role with the few verbs and resources the app uses.',
    hazard: 'A compromised pod (or anyone holding the bound identity) owns the whole cluster.',
    severity: every('error'),
    scope: { kinds: ['RoleBinding', 'ClusterRoleBinding'] },
    object: (binding) => {
      const role = asRecord(binding.object.roleRef);
      return role.kind === 'ClusterRole' && role.name === 'cluster-admin' ? ['binds the cluster-admin ClusterRole'] : [];
    },
  },
  {
    id: 'no-rbac-wildcards',
    category: 'security',
    rationale: 'A * in verbs, resources or apiGroups grants whatever exists now and whatever is added later.',
    fix: 'List the verbs, resources and API groups the app uses.',
    hazard: 'A compromised pod gains permissions nobody reviewed, including to resources added after release.',
    severity: byClass('warning', 'error', 'error'),
    scope: { kinds: ['Role', 'ClusterRole'] },
    object: (role) =>
      rbacRules(role).flatMap((rule, index) => {
        const fields = (['apiGroups', 'resources', 'verbs', 'nonResourceURLs'] as const).filter((field) => rule[field].some((item) => item === '*' || (field === 'nonResourceURLs' && item.endsWith('*'))));
        return fields.length ? [`rule ${index + 1} has a wildcard in ${list(fields)}`] : [];
      }),
  },
  {
    id: 'ingress-tls',
    category: 'security',
    rationale: 'Without TLS the Ingress serves plain HTTP: requests, tokens and data cross the network readable and changeable.',
    fix: 'Add spec.tls with a secretName (e.g. from cert-manager) covering every host in spec.rules.',
    hazard: 'Data and credentials in transit are read or altered between the client and the cluster.',
    severity: byClass('warning', 'error', 'error'),
    scope: { kinds: ['Ingress'] },
    object: (ingress) => {
      const spec = asRecord(ingress.object.spec);
      const tls = asArray<Json>(spec.tls);
      if (tls.length === 0) return ['has no TLS (spec.tls is empty)'];
      // A TLS entry without hosts applies to the controller's default host: it covers every rule.
      if (tls.some((entry) => asArray(entry.hosts).length === 0)) return [];
      const tlsHosts = tls.flatMap((entry) => asArray(entry.hosts).map(String));
      const uncovered = asArray<Json>(spec.rules)
        .map((rule) => String(rule.host ?? ''))
        .filter((host) => host !== '' && !tlsHosts.some((tlsHost) => tlsCovers(tlsHost, host)));
      return uncovered.length ? [`serves hosts without TLS: ${list([...new Set(uncovered)])}`] : [];
    },
  },
  {
    id: 'network-policy-present',
    category: 'security',
    rationale: 'Pods that no NetworkPolicy selects for ingress accept connections from every pod in the cluster.',
    fix: 'Add a NetworkPolicy with policyTypes [Ingress] selecting these pods and allowing only their clients.',
    hazard: 'A compromised pod anywhere in the cluster reaches the service and attacks it directly.',
    severity: byClass('info', 'warning', 'error'),
    scope: { kinds: LONG_RUNNING_KINDS },
    pod: (pod, context) => {
      const policies = context.networkPoliciesFor(pod);
      if (policies.length === 0) return ['no NetworkPolicy selects these pods'];
      return policies.some((policy) => policyTypesOf(policy).has('Ingress')) ? [] : ['no NetworkPolicy with policy type Ingress selects these pods: ingress is open'];
    },
  },
  {
    id: 'egress-restricted',
    category: 'security',
    rationale: 'Pods whose egress no NetworkPolicy restricts, or that a policy lets out everywhere, can reach any address: the internet, the cloud metadata service, every other service.',
    fix: 'Select the pods with a NetworkPolicy of policy type Egress that allows only DNS and the services they call.',
    hazard: 'A compromised pod sends data out or moves laterally to other services.',
    severity: byClass('info', 'warning', 'error'),
    scope: { kinds: WORKLOAD_KINDS, hooks: false },
    pod: (pod, context) => {
      const egress = context.networkPoliciesFor(pod).filter((policy) => policyTypesOf(policy).has('Egress'));
      if (egress.length === 0) return ['no NetworkPolicy of policy type Egress selects these pods: egress is open'];
      const open = egress.filter((policy) => asArray(asRecord(policy.object.spec).egress).some(egressRuleAllowsAll));
      return open.length ? [`NetworkPolicy ${list(open.map((policy) => policy.name))} allows all egress (a rule with no destination or 0.0.0.0/0, and no port)`] : [];
    },
  },
  // ---------------------------------------------------------------------------------------------
  // Reliability
  {
    id: 'liveness-probe',
    category: 'reliability',
    rationale: 'Without a liveness probe a hung process is never restarted.',
    fix: 'Add a livenessProbe on an endpoint that only fails when the process must be restarted.',
    hazard: 'A hung service stays in rotation and stops answering without anyone restarting it.',
    severity: byClass('warning', 'error', 'error'),
    // Init containers run to completion and may not have probes; sidecars may, but need not.
    scope: { kinds: LONG_RUNNING_KINDS, containers: ['app'] },
    container: (container) => (container.spec.livenessProbe ? undefined : 'has no livenessProbe'),
  },
  {
    id: 'readiness-probe',
    category: 'reliability',
    rationale: 'Without a readiness probe traffic reaches pods that cannot serve it yet.',
    fix: 'Add a readinessProbe on an endpoint that checks the app can serve.',
    hazard: 'Requests go to pods that are starting or overloaded and fail.',
    severity: byClass('warning', 'error', 'error'),
    scope: { kinds: LONG_RUNNING_KINDS, containers: ['app'] },
    container: (container) => (container.spec.readinessProbe ? undefined : 'has no readinessProbe'),
  },
  {
    id: 'image-tag-pinned',
    category: 'reliability',
    rationale: 'An untagged or latest image changes under you: the same chart installs different software.',
    fix: 'Pin the image to a version tag (and preferably a digest).',
    hazard: 'Unverified software is installed under the name of the verified release.',
    severity: every('error'),
    scope: { kinds: WORKLOAD_KINDS, containers: ALL_CONTAINERS },
    container: (container) => {
      const image = String(container.spec.image ?? '');
      if (image.includes('@sha256:')) return undefined;
      const tag = /:([^/:]+)$/.exec(image)?.[1];
      if (!tag) return `image ${image || '(none)'} has no tag`;
      return tag === 'latest' ? `image ${image} uses the latest tag` : undefined;
    },
  },
  {
    id: 'image-digest',
    category: 'reliability',
    rationale: 'Tags can be moved; only a digest names exactly the image that was verified.',
    fix: 'Reference the image by digest (repository:tag@sha256:...).',
    hazard: 'A moved tag installs an image other than the one that was verified.',
    severity: byClass('info', 'info', 'warning'),
    scope: { kinds: WORKLOAD_KINDS, containers: ALL_CONTAINERS },
    container: (container) => {
      const image = String(container.spec.image ?? '');
      return image.includes('@sha256:') ? undefined : `image ${image} is not pinned by digest`;
    },
  },
  {
    id: 'min-replicas',
    category: 'reliability',
    rationale: 'A single replica means downtime on every rollout, drain or crash.',
    fix: 'Run at least 2 replicas (3 for class C), or an HPA with minReplicas >= 2.',
    hazard: 'The service is unavailable during every rollout, node drain or crash.',
    severity: byClass('info', 'info', 'warning'),
    scope: { kinds: REPLICATED_KINDS },
    pod: (pod, context) => {
      const minimum = context.minReplicas(pod) ?? 1;
      return minimum < 2 ? [`runs ${minimum} replica(s)`] : [];
    },
  },
  {
    id: 'pdb-allows-disruption',
    category: 'reliability',
    rationale: 'A PodDisruptionBudget that can never be satisfied blocks node drains and cluster upgrades.',
    fix: 'Keep PDB minAvailable below the HPA minReplicas (or replicas) and below 100%, or use maxUnavailable: 1.',
    hazard: 'Nodes cannot be drained, so security patches and cluster upgrades stall.',
    severity: every('error'),
    scope: { kinds: ['PodDisruptionBudget'] },
    object: (pdb, context) => {
      const spec = asRecord(pdb.object.spec);
      if (spec.maxUnavailable === 0 || spec.maxUnavailable === '0%') return [`maxUnavailable is ${String(spec.maxUnavailable)}: no pod may ever be evicted`];
      if (spec.minAvailable === '100%') return ['minAvailable is 100%: no pod may ever be evicted'];
      if (spec.minAvailable === undefined) return [];
      return podsGuardedBy(pdb, context).flatMap((pod) => {
        const minimum = context.minReplicas(pod);
        if (minimum === undefined) return [];
        const required = requiredAvailable(spec.minAvailable, minimum);
        if (required === undefined || required < minimum) return [];
        const hpa = context.hpaFor(pod.manifest);
        const shown = typeof spec.minAvailable === 'number' ? String(spec.minAvailable) : `${String(spec.minAvailable)} (${required} pods)`;
        return [`minAvailable ${shown} >= ${hpa ? `HPA ${hpa.name} minReplicas` : `${pod.manifest.id} replicas`} ${minimum}: evictions are never allowed`];
      });
    },
  },
  {
    id: 'pdb-present',
    category: 'reliability',
    rationale: 'Without a PodDisruptionBudget a drain can take every replica down at once.',
    fix: 'Add a PodDisruptionBudget (maxUnavailable: 1) selecting the pods.',
    hazard: 'A node drain or cluster upgrade takes every replica down at once.',
    severity: byClass('info', 'warning', 'error'),
    scope: { kinds: REPLICATED_KINDS },
    pod: (pod, context) => {
      if ((context.minReplicas(pod) ?? 1) < 2) return [];
      const guarded = context.ofKind('PodDisruptionBudget').some((pdb) => podsGuardedBy(pdb, context).includes(pod));
      return guarded ? [] : ['no PodDisruptionBudget selects these pods'];
    },
  },
  {
    id: 'spread-across-nodes',
    category: 'reliability',
    rationale: 'Replicas on one node all fail with that node.',
    fix: 'Add topologySpreadConstraints on kubernetes.io/hostname (DoNotSchedule for class C) or pod anti-affinity.',
    hazard: 'One node failure takes every replica down.',
    severity: byClass('info', 'warning', 'error'),
    scope: { kinds: REPLICATED_KINDS },
    pod: (pod, context) =>
      (context.minReplicas(pod) ?? 1) >= 2 && asArray(pod.spec.topologySpreadConstraints).length === 0 && !asRecord(pod.spec.affinity).podAntiAffinity
        ? ['replicas are not spread across nodes']
        : [],
  },
  {
    id: 'hpa-can-scale',
    category: 'reliability',
    rationale: 'An HPA whose minReplicas equals maxReplicas never scales: it only hides a fixed replica count.',
    fix: 'Raise maxReplicas above minReplicas, or remove the HPA and set replicas.',
    hazard: 'Load beyond the fixed capacity is not absorbed and the service degrades.',
    severity: byClass('info', 'warning', 'warning'),
    scope: { kinds: ['HorizontalPodAutoscaler'] },
    object: (hpa) => {
      const spec = asRecord(hpa.object.spec);
      const min = Number(spec.minReplicas ?? 1);
      const max = Number(spec.maxReplicas);
      if (!Number.isFinite(max)) return [];
      if (min > max) return [`minReplicas ${min} is above maxReplicas ${max}`];
      return min === max ? [`minReplicas equals maxReplicas (${max}): the HPA never scales`] : [];
    },
  },
  // ---------------------------------------------------------------------------------------------
  // Efficiency
  {
    id: 'resource-requests',
    category: 'efficiency',
    rationale: 'Without requests the scheduler cannot place pods sensibly and they are evicted first.',
    fix: 'Set resources.requests.cpu and resources.requests.memory.',
    hazard: 'Pods land on overloaded nodes and are evicted first under memory pressure.',
    severity: byClass('warning', 'error', 'error'),
    scope: { kinds: WORKLOAD_KINDS, containers: RUNNING_CONTAINERS },
    container: (container) => {
      const requests = asRecord(asRecord(container.spec.resources).requests);
      const missing = ['cpu', 'memory'].filter((resource) => requests[resource] === undefined);
      return missing.length ? `no ${missing.join(' or ')} request` : undefined;
    },
  },
  {
    id: 'resource-limits',
    category: 'efficiency',
    rationale: 'Without a memory limit one leaking pod can starve the node.',
    fix: 'Set resources.limits.memory.',
    hazard: 'One leaking container exhausts the node\'s memory and other pods are killed.',
    severity: byClass('warning', 'error', 'error'),
    scope: { kinds: WORKLOAD_KINDS, containers: RUNNING_CONTAINERS },
    container: (container) => (asRecord(asRecord(container.spec.resources).limits).memory === undefined ? 'no memory limit' : undefined),
  },
  {
    id: 'cpu-limit',
    category: 'efficiency',
    rationale:
      'Without a CPU limit a busy container takes the node\'s spare CPU from its neighbours, and latency depends on what else runs there. Limits also throttle, so they are advice at class A and required at class C, where predictable timing outweighs burst capacity.',
    fix: 'Set resources.limits.cpu (for class C equal to the request, which gives the pod Guaranteed QoS).',
    hazard: 'A runaway container slows the pods beside it, or its own response times vary with the node\'s load.',
    severity: byClass('info', 'warning', 'error'),
    scope: { kinds: WORKLOAD_KINDS, containers: RUNNING_CONTAINERS },
    container: (container) => (asRecord(asRecord(container.spec.resources).limits).cpu === undefined ? 'no CPU limit' : undefined),
  },
  // ---------------------------------------------------------------------------------------------
  // Consistency
  {
    id: 'selector-matches-pod-labels',
    category: 'consistency',
    rationale: 'A workload whose selector does not match its pod labels is rejected or orphans its pods.',
    fix: 'Make spec.selector.matchLabels a subset of spec.template.metadata.labels.',
    hazard: 'The rollout is rejected, or the controller loses track of the pods it runs.',
    severity: every('error'),
    // A Job's selector is generated by the API server.
    scope: { kinds: LONG_RUNNING_KINDS },
    pod: (pod) => {
      if (pod.selector === undefined || selectorIsEmpty(pod.selector)) return ['spec.selector is missing or empty'];
      return selectorMatches(pod.selector, pod.labels) ? [] : ['spec.selector.matchLabels does not match the pod template labels'];
    },
  },
  {
    id: 'service-selects-pods',
    category: 'consistency',
    rationale: 'A Service that selects no pod sends its traffic nowhere.',
    fix: 'Make the Service selector match the labels of the pods it fronts.',
    hazard: 'Clients of the service get no answer.',
    severity: every('error'),
    scope: { kinds: ['Service'] },
    object: (service, context) => {
      const selector = stringMap(asRecord(service.object.spec).selector);
      if (Object.keys(selector).length === 0) return [];
      return context.pods.some((pod) => (LONG_RUNNING_KINDS as readonly string[]).includes(pod.kind) && pod.namespace === namespaceOf(service) && serviceSelectorMatches(selector, pod.labels))
        ? []
        : [`selector ${JSON.stringify(selector)} matches no pod of the release`];
    },
  },
  {
    id: 'network-policy-selects-pods',
    category: 'consistency',
    rationale: 'A NetworkPolicy that selects no pod protects nothing.',
    fix: 'Make spec.podSelector match the labels of the pods it should isolate.',
    hazard: 'The pods the policy was written for stay unprotected while the chart looks protected.',
    severity: every('warning'),
    scope: { kinds: ['NetworkPolicy'] },
    object: (policy, context) => {
      const selector = asRecord(policy.object.spec).podSelector;
      if (selectorIsEmpty(selector)) return [];
      return context.pods.some((pod) => pod.namespace === namespaceOf(policy) && selectorMatches(selector, pod.labels))
        ? []
        : [`podSelector ${JSON.stringify(asRecord(selector).matchLabels ?? asRecord(selector))} matches no pod of the release`];
    },
  },
  {
    id: 'standard-labels',
    category: 'consistency',
    rationale: 'app.kubernetes.io/name and /instance let tools and people find what belongs together.',
    fix: 'Add the app.kubernetes.io/name and app.kubernetes.io/instance labels.',
    hazard: 'Operators cannot tell which objects belong to the release during an incident.',
    severity: byClass('info', 'warning', 'warning'),
    scope: { kinds: ['*'] },
    object: (manifest) => {
      const labels = stringMap(asRecord(manifest.object.metadata).labels);
      const missing = ['app.kubernetes.io/name', 'app.kubernetes.io/instance'].filter((key) => !labels[key]);
      return missing.length ? [`missing labels: ${missing.join(', ')}`] : [];
    },
  },
];
