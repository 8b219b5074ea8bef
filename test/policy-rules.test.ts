// Every policy rule on real manifests: a hand-written release that passes every rule at class C
// (test/fixtures/policy/hardened-release.yaml), then per rule the changes that make it fire (and
// nothing else, unless listed) and near misses that must not. The near misses include the false
// positives seen on real charts: probes on init containers, secrets "found" in paths and flags,
// token automount with the ServiceAccount's automount off.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SafetyClass } from '../src/answers/validate.js';
import { evaluatePolicy, POLICY_RULES } from '../src/policy/index.js';
import { hardenedContainer, Release } from './support/policy.js';

type Json = Record<string, unknown>;

interface Case {
  name: string;
  change: (release: Release) => void;
  /** Object the finding is on (default Deployment/app). */
  object?: string;
  /** Text the finding's message must contain. */
  message?: string;
  /** Other rules the change unavoidably fires too. */
  also?: string[];
}

interface RuleCases {
  rule: string;
  fires: Case[];
  passes: Case[];
}

// Secret-shaped values, built at run time so no scanner mistakes this file for a leak.
const PEM_PRIVATE_KEY = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PEM_EC_PRIVATE_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
const PEM_PUBLIC_KEY = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
const GITHUB_TOKEN = `ghp_${'a1B2c3D4e5F6'.repeat(3)}`;
const SLACK_TOKEN = ['xoxb', '1234567890', 'abcdefGHIJKL'].join('-');
const AWS_KEY = `AKIA${'ABCDEFGH12345678'}`;
const GITLAB_TOKEN = `glpat-${'x1Y2z3W4v5U6t7S8r9Q0'}`;
const JWT = [{ alg: 'HS256', typ: 'JWT' }, { sub: 'app', iat: 1700000000 }].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.') + '.c2lnbmF0dXJlLWJ5dGVz';
const RANDOM_KEY = 'Zq8Lr3VxT6mK1pWn9GdYb4HsJ2cFe7Ua';

const env = (release: Release, name: string, value: string) => {
  (release.container().env as Json[]).push({ name, value });
};
const configData = (release: Release) => release.object('ConfigMap/app').data as Json;
const policySpec = (release: Release) => release.object('NetworkPolicy/app').spec as Json;
const resources = (release: Release, name = 'app') => release.container(name).resources as { requests?: Json; limits: Json };

const HOOK_POD = `
apiVersion: v1
kind: Pod
metadata:
  name: app-test
  labels: { app.kubernetes.io/name: app-test, app.kubernetes.io/instance: rel }
  annotations: { helm.sh/hook: test }
spec:
  automountServiceAccountToken: false
  securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: RuntimeDefault } }
  restartPolicy: Never
  containers:
${hardenedContainer('check', 4)}
`;

const CASES: RuleCases[] = [
  {
    rule: 'run-as-non-root',
    fires: [
      { name: 'the pod runs as UID 0', change: (r) => ((r.pod().securityContext as Json).runAsUser = 0), message: 'container app: runs as UID 0 (root)' },
      {
        name: 'neither pod nor container says non-root',
        change: (r) => {
          delete (r.pod().securityContext as Json).runAsNonRoot;
          delete (r.pod().securityContext as Json).runAsUser;
        },
        message: 'init container migrate: may run as root',
      },
    ],
    passes: [{ name: 'a non-zero runAsUser without runAsNonRoot', change: (r) => delete (r.pod().securityContext as Json).runAsNonRoot }],
  },
  {
    rule: 'no-privilege-escalation',
    fires: [{ name: 'allowPrivilegeEscalation: true', change: (r) => (r.securityContext().allowPrivilegeEscalation = true), message: 'container app: allowPrivilegeEscalation is not false' }],
    passes: [
      {
        name: 'a hardened native sidecar (which needs no probes either)',
        change: (r) => (r.pod().initContainers as Json[]).push({ ...r.container('migrate'), name: 'proxy', restartPolicy: 'Always' }),
      },
    ],
  },
  {
    rule: 'no-privileged',
    fires: [{ name: 'privileged: true', change: (r) => (r.securityContext('migrate').privileged = true), message: 'init container migrate: runs privileged' }],
    passes: [{ name: 'privileged left unset', change: (r) => delete r.securityContext().privileged }],
  },
  {
    rule: 'drop-all-capabilities',
    fires: [{ name: 'drops only NET_RAW', change: (r) => ((r.securityContext().capabilities as Json).drop = ['NET_RAW']), message: 'does not drop ALL capabilities' }],
    passes: [{ name: 'drop written in lower case', change: (r) => ((r.securityContext().capabilities as Json).drop = ['all']) }],
  },
  {
    rule: 'no-dangerous-capabilities',
    fires: [
      { name: 'NET_ADMIN and SYS_ADMIN next to drop: [ALL]', change: (r) => ((r.securityContext().capabilities as Json).add = ['NET_ADMIN', 'SYS_ADMIN']), message: 'adds capabilities NET_ADMIN, SYS_ADMIN' },
      { name: 'CAP_SYS_PTRACE (with the prefix)', change: (r) => ((r.securityContext().capabilities as Json).add = ['CAP_SYS_PTRACE']), message: 'adds capabilities SYS_PTRACE' },
      { name: 'NET_RAW', change: (r) => ((r.securityContext('migrate').capabilities as Json).add = ['NET_RAW']), message: 'init container migrate: adds capabilities NET_RAW' },
      { name: 'ALL', change: (r) => ((r.securityContext().capabilities as Json).add = ['ALL']), message: 'adds capabilities ALL' },
    ],
    passes: [{ name: 'only NET_BIND_SERVICE added back', change: (r) => ((r.securityContext().capabilities as Json).add = ['NET_BIND_SERVICE']) }],
  },
  {
    rule: 'no-added-capabilities',
    fires: [{ name: 'CHOWN and SETUID added back', change: (r) => ((r.securityContext().capabilities as Json).add = ['CHOWN', 'SETUID']), message: 'adds back capabilities CHOWN, SETUID' }],
    passes: [{ name: 'no capabilities added', change: (r) => delete (r.securityContext().capabilities as Json).add }],
  },
  {
    rule: 'seccomp-profile',
    fires: [{ name: 'no profile on pod or container', change: (r) => delete (r.pod().securityContext as Json).seccompProfile, message: 'container app: has no RuntimeDefault or Localhost seccomp profile' }],
    passes: [
      {
        name: 'Localhost profiles on each container instead of the pod',
        change: (r) => {
          delete (r.pod().securityContext as Json).seccompProfile;
          for (const name of ['app', 'migrate']) r.securityContext(name).seccompProfile = { type: 'Localhost', localhostProfile: 'profiles/app.json' };
        },
      },
    ],
  },
  {
    rule: 'no-apparmor-unconfined',
    fires: [
      { name: 'appArmorProfile Unconfined on the pod', change: (r) => ((r.pod().securityContext as Json).appArmorProfile = { type: 'Unconfined' }), message: 'container app: runs with AppArmor profile Unconfined' },
      {
        name: 'the beta annotation set to unconfined',
        change: (r) => (r.podMetadata().annotations = { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' }),
        message: 'is annotated container.apparmor.security.beta.kubernetes.io/app: unconfined',
      },
    ],
    passes: [
      {
        name: 'RuntimeDefault by field and annotation',
        change: (r) => {
          r.securityContext().appArmorProfile = { type: 'RuntimeDefault' };
          r.podMetadata().annotations = { 'container.apparmor.security.beta.kubernetes.io/app': 'runtime/default' };
        },
      },
    ],
  },
  {
    rule: 'no-privileged-selinux-type',
    fires: [{ name: 'spc_t on the pod', change: (r) => ((r.pod().securityContext as Json).seLinuxOptions = { type: 'spc_t' }), message: 'runs with SELinux type spc_t (unconfined)' }],
    passes: [{ name: 'container_t and a level', change: (r) => ((r.pod().securityContext as Json).seLinuxOptions = { type: 'container_t', level: 's0:c123,c456' }) }],
  },
  {
    rule: 'no-unmasked-proc-mount',
    fires: [{ name: 'procMount: Unmasked', change: (r) => (r.securityContext().procMount = 'Unmasked'), message: 'container app: sets procMount: Unmasked' }],
    passes: [{ name: 'procMount: Default', change: (r) => (r.securityContext().procMount = 'Default') }],
  },
  {
    rule: 'no-host-process',
    fires: [
      { name: 'hostProcess on the pod', change: (r) => ((r.pod().securityContext as Json).windowsOptions = { hostProcess: true }), message: 'container app: is a Windows HostProcess container' },
      { name: 'hostProcess on one container', change: (r) => (r.securityContext('migrate').windowsOptions = { hostProcess: true }), message: 'init container migrate: is a Windows HostProcess container' },
    ],
    passes: [{ name: 'windowsOptions without hostProcess', change: (r) => ((r.pod().securityContext as Json).windowsOptions = { runAsUserName: 'ContainerUser' }) }],
  },
  {
    rule: 'read-only-root-filesystem',
    fires: [{ name: 'readOnlyRootFilesystem: false', change: (r) => (r.securityContext().readOnlyRootFilesystem = false), message: 'container app: root filesystem is writable' }],
    passes: [{ name: 'writable emptyDir beside a read-only root', change: (r) => (r.pod().volumes = [{ name: 'tmp', emptyDir: {} }]) }],
  },
  {
    rule: 'no-host-namespaces',
    fires: [{ name: 'hostPID', change: (r) => (r.pod().hostPID = true), message: 'pod uses hostPID' }],
    passes: [{ name: 'hostNetwork: false written out', change: (r) => (r.pod().hostNetwork = false) }],
  },
  {
    rule: 'no-share-process-namespace',
    fires: [{ name: 'shareProcessNamespace: true', change: (r) => (r.pod().shareProcessNamespace = true), message: 'pod sets shareProcessNamespace: true' }],
    passes: [{ name: 'shareProcessNamespace: false', change: (r) => (r.pod().shareProcessNamespace = false) }],
  },
  {
    rule: 'no-host-path',
    fires: [{ name: 'a hostPath volume', change: (r) => (r.pod().volumes = [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }]), message: 'volume docker mounts a hostPath' }],
    passes: [{ name: 'an emptyDir volume', change: (r) => (r.pod().volumes = [{ name: 'cache', emptyDir: { medium: 'Memory' } }]) }],
  },
  {
    rule: 'no-host-port',
    fires: [{ name: 'hostPort 8080', change: (r) => ((r.container().ports as Json[])[0] = { name: 'http', containerPort: 8080, hostPort: 8080 }), message: 'container app: binds host ports 8080' }],
    passes: [{ name: 'hostPort 0 (unset)', change: (r) => ((r.container().ports as Json[])[0] = { name: 'http', containerPort: 8080, hostPort: 0 }) }],
  },
  {
    rule: 'no-unsafe-sysctls',
    fires: [
      {
        name: 'net.core.somaxconn and kernel.msgmax',
        change: (r) => ((r.pod().securityContext as Json).sysctls = [{ name: 'net.core.somaxconn', value: '1024' }, { name: 'kernel.msgmax', value: '65536' }, { name: 'net.ipv4.tcp_syncookies', value: '1' }]),
        message: 'pod sets unsafe sysctls net.core.somaxconn, kernel.msgmax',
      },
    ],
    passes: [
      {
        name: 'safe sysctls, one written with slashes',
        change: (r) => ((r.pod().securityContext as Json).sysctls = [{ name: 'net/ipv4/tcp_keepalive_time', value: '300' }, { name: 'net.ipv4.ip_local_port_range', value: '1024 65000' }, { name: 'net.ipv4.tcp_rmem', value: '4096 87380 16777216' }]),
      },
    ],
  },
  {
    rule: 'no-ephemeral-containers',
    fires: [
      {
        name: 'an ephemeral debug container in the pod spec',
        change: (r) => (r.pod().ephemeralContainers = [{ name: 'debug', image: String(r.container().image), securityContext: r.securityContext() }]),
        message: 'pod spec has ephemeral containers debug',
      },
    ],
    passes: [{ name: 'an empty ephemeralContainers list', change: (r) => (r.pod().ephemeralContainers = []) }],
  },
  {
    rule: 'no-token-automount',
    fires: [
      { name: 'the pod opts in', change: (r) => (r.pod().automountServiceAccountToken = true), message: 'pod sets automountServiceAccountToken: true' },
      {
        name: 'neither pod nor ServiceAccount opts out',
        change: (r) => {
          delete r.pod().automountServiceAccountToken;
          delete r.object('ServiceAccount/app').automountServiceAccountToken;
        },
        message: 'neither the pod nor ServiceAccount app sets automountServiceAccountToken: false',
      },
      {
        name: 'the ServiceAccount is not in the chart',
        change: (r) => {
          delete r.pod().automountServiceAccountToken;
          r.pod().serviceAccountName = 'external';
        },
        message: 'ServiceAccount external is not in the chart',
      },
    ],
    passes: [
      { name: 'pod unset, its ServiceAccount (in the chart) opts out', change: (r) => delete r.pod().automountServiceAccountToken },
      { name: 'the deprecated serviceAccount field names the account', change: (r) => { delete r.pod().automountServiceAccountToken; delete r.pod().serviceAccountName; r.pod().serviceAccount = 'app'; } },
      { name: 'pod opts out although the ServiceAccount opts in', change: (r) => (r.object('ServiceAccount/app').automountServiceAccountToken = true) },
    ],
  },
  {
    rule: 'no-secret-in-env',
    fires: [
      { name: 'a password by name', change: (r) => env(r, 'ADMIN_PASSWORD', 'hunter2'), message: 'secret in plain env: ADMIN_PASSWORD (its name says it holds a secret)' },
      { name: 'a PGPASSWORD-style name', change: (r) => env(r, 'PGPASSWORD', 'correct horse battery staple'), message: 'PGPASSWORD (its name says it holds a secret)' },
      { name: 'a camel-case API key', change: (r) => env(r, 'stripeApiKey', 'abc123'), message: 'stripeApiKey (its name says it holds a secret)' },
      { name: 'a PEM private key under an innocent name', change: (r) => env(r, 'TLS_CONFIG', PEM_PRIVATE_KEY), message: 'TLS_CONFIG (a PEM private key)' },
      { name: 'a GitHub token', change: (r) => env(r, 'GIT_REMOTE_AUTH', GITHUB_TOKEN), message: 'GIT_REMOTE_AUTH (a GitHub token)' },
      { name: 'a Slack token', change: (r) => env(r, 'NOTIFY', SLACK_TOKEN), message: 'NOTIFY (a Slack token)' },
      { name: 'an AWS access key', change: (r) => env(r, 'AWS_ID', AWS_KEY), message: 'AWS_ID (an AWS access key)' },
      { name: 'a GitLab token', change: (r) => env(r, 'CI_AUTH', GITLAB_TOKEN), message: 'CI_AUTH (a GitLab token)' },
      { name: 'a JWT', change: (r) => env(r, 'SERVICE_IDENTITY', JWT), message: 'SERVICE_IDENTITY (a JSON Web Token)' },
      { name: 'a bearer token in a header value', change: (r) => env(r, 'UPSTREAM_HEADER', `Authorization: Bearer ${RANDOM_KEY}`), message: 'UPSTREAM_HEADER (a bearer token)' },
      { name: 'credentials inside a URL', change: (r) => env(r, 'DATABASE_URL', 'postgres://app:s3cr3t@db:5432/app'), message: 'DATABASE_URL (credentials inside a URL)' },
      { name: 'a random key under an innocent name', change: (r) => env(r, 'SESSION_SEED', RANDOM_KEY), message: 'SESSION_SEED (a high-entropy string' },
      { name: 'a base64-encoded private key', change: (r) => env(r, 'CERT_BUNDLE', Buffer.from(PEM_EC_PRIVATE_KEY).toString('base64')), message: 'CERT_BUNDLE (a PEM private key (base64-encoded))' },
      { name: 'in an init container', change: (r) => ((r.container('migrate').env = [{ name: 'ADMIN_TOKEN', value: 'letmein-please' }])), message: 'init container migrate: secret in plain env: ADMIN_TOKEN' },
    ],
    passes: [
      {
        name: 'paths, flags, file references, numbers and URLs without credentials',
        change: (r) => {
          for (const [name, value] of [
            ['REDIS_PASSWORD_FILE', '/run/secrets/redis-password'],
            ['ALLOW_EMPTY_PASSWORD', 'no'],
            ['POSTGRES_PASSWORD_PATH', './secrets/pg'],
            ['REQUIRE_TOKEN', 'true'],
            ['DISABLE_SECRET_ROTATION', 'yes'],
            ['TOKEN_TTL', '3600'],
            ['SESSION_TOKEN_TIMEOUT', '30m'],
            ['PASSWORD_MIN_LENGTH', '12'],
            ['OIDC_TOKEN_URL', 'https://id.example.com/oauth/token'],
            ['DATABASE_URL', 'postgres://app@db:5432/app?sslmode=require'],
            ['DB_PASSWORD_REF', '$(DB_PASSWORD_FROM_SECRET)'],
            ['SMTP_PASSWORD', '${SMTP_PASSWORD}'],
            ['SECRET_NAME', 'app-db-credentials'],
            ['EXISTING_SECRET', 'app-db-credentials'],
            ['IMAGE_PULL_SECRET', 'regcred'],
            ['TLS_SECRET', 'app-tls'],
            ['CONFIG_CHECKSUM', 'sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881'],
            ['INSTANCE_ID', 'a28b3bcf-2340-4d93-8294-cff1eca9d885'],
            ['SIDECAR_IMAGE', 'registry.example.com/medtech/dose-calculator:3.2.0'],
            ['MAIN_CLASS', 'com.example.medtech.DoseCalculatorService'],
            ['FEATURE_NAME', 'ThisIsAVeryLongCamelCaseFeatureName2'],
            ['CA_PUBLIC_KEY', PEM_PUBLIC_KEY],
            ['CA_PUBLIC_KEY_B64', Buffer.from(PEM_PUBLIC_KEY).toString('base64')],
            ['DB_PASSWORD_EMPTY', ''],
          ]) {
            env(r, name as string, value as string);
          }
        },
      },
    ],
  },
  {
    rule: 'no-secret-in-configmap',
    fires: [
      { name: 'a password key', change: (r) => (configData(r).DB_PASSWORD = 'hunter2'), object: 'ConfigMap/app', message: 'secret in a ConfigMap: DB_PASSWORD (its name says it holds a secret)' },
      { name: 'a PEM private key', change: (r) => (configData(r)['tls.key'] = PEM_EC_PRIVATE_KEY), object: 'ConfigMap/app', message: 'tls.key (a PEM private key)' },
      {
        name: 'a password inside a properties file',
        change: (r) => (configData(r)['application.properties'] = 'server.port=8080\nspring.datasource.password=hunter2\n'),
        object: 'ConfigMap/app',
        message: 'application.properties at spring.datasource.password (its name says it holds a secret)',
      },
      {
        name: 'a bearer token inside an nginx config',
        change: (r) => (configData(r)['nginx.conf'] = `server {\n  location / {\n    proxy_set_header Authorization "Bearer ${RANDOM_KEY}";\n  }\n}\n`),
        object: 'ConfigMap/app',
        message: 'nginx.conf (a bearer token)',
      },
      {
        name: 'a token in a nested YAML file',
        change: (r) => (configData(r)['config.yaml'] = 'upstream:\n  url: https://api.example.com\n  auth:\n    token: "s3cr3t-t0ken-value"\n'),
        object: 'ConfigMap/app',
        message: 'config.yaml at token (its name says it holds a secret)',
      },
    ],
    passes: [
      {
        name: 'file references, placeholders and public keys',
        change: (r) => {
          Object.assign(configData(r), {
            POSTGRES_PASSWORD_FILE: '/run/secrets/pg',
            'ca.pem': PEM_PUBLIC_KEY,
            'app.yaml': 'auth:\n  passwordFile: /run/secrets/pw\n  token: ${API_TOKEN}\n  tokenTtl: 3600\n  password: |\n',
            'settings.json': '{\n  "password": "",\n  "secret_name": "app-db",\n  "token_url": "https://id.example.com/token"\n}\n',
          });
        },
      },
    ],
  },
  {
    rule: 'no-pod-exec-attach',
    fires: [
      {
        name: 'create on pods/exec',
        change: (r) => (r.object('Role/app').rules as Json[]).push({ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }),
        object: 'Role/app',
        message: 'grants create on pods/exec',
      },
      {
        name: 'get on pods/attach in a ClusterRole',
        change: (r) =>
          r.add('apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: debugger\n  labels: { app.kubernetes.io/name: app, app.kubernetes.io/instance: rel }\nrules:\n  - apiGroups: [""]\n    resources: [pods, pods/attach]\n    verbs: [get]\n'),
        object: 'ClusterRole/debugger',
        message: 'grants get on pods/attach',
      },
      {
        name: 'a RoleBinding to the built-in edit ClusterRole',
        change: (r) => (r.object('RoleBinding/app').roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }),
        object: 'RoleBinding/app',
        message: 'binds the built-in ClusterRole edit',
      },
    ],
    passes: [
      { name: 'a RoleBinding to the built-in view ClusterRole', change: (r) => (r.object('RoleBinding/app').roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }) },
      { name: 'reading pods and their logs', change: (r) => (r.object('Role/app').rules as Json[]).push({ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] }) },
      { name: 'pods/exec in another API group', change: (r) => (r.object('Role/app').rules as Json[]).push({ apiGroups: ['metrics.k8s.io'], resources: ['pods/exec'], verbs: ['get'] }) },
    ],
  },
  {
    rule: 'no-cluster-admin-binding',
    fires: [
      {
        name: 'a ClusterRoleBinding to cluster-admin',
        change: (r) =>
          r.add(
            'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: app-admin\n  labels: { app.kubernetes.io/name: app, app.kubernetes.io/instance: rel }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }\nsubjects:\n  - { kind: ServiceAccount, name: app, namespace: default }\n',
          ),
        object: 'ClusterRoleBinding/app-admin',
        message: 'binds the cluster-admin ClusterRole',
      },
      {
        name: 'a RoleBinding to cluster-admin',
        change: (r) => (r.object('RoleBinding/app').roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }),
        object: 'RoleBinding/app',
        message: 'binds the cluster-admin ClusterRole',
      },
    ],
    passes: [{ name: 'a RoleBinding to the view ClusterRole', change: (r) => (r.object('RoleBinding/app').roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }) }],
  },
  {
    rule: 'no-rbac-wildcards',
    fires: [
      { name: 'verbs: ["*"]', change: (r) => (((r.object('Role/app').rules as Json[])[0] as Json).verbs = ['*']), object: 'Role/app', message: 'rule 1 has a wildcard in verbs' },
      {
        name: 'every resource of an API group',
        change: (r) => (r.object('Role/app').rules as Json[]).push({ apiGroups: ['apps'], resources: ['*'], verbs: ['get'] }),
        object: 'Role/app',
        message: 'rule 2 has a wildcard in resources',
      },
    ],
    passes: [{ name: 'named resources and verbs', change: (r) => (r.object('Role/app').rules as Json[]).push({ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] }) }],
  },
  {
    rule: 'ingress-tls',
    fires: [
      { name: 'no spec.tls', change: (r) => delete (r.object('Ingress/app').spec as Json).tls, object: 'Ingress/app', message: 'has no TLS' },
      {
        name: 'TLS for another host',
        change: (r) => ((r.object('Ingress/app').spec as Json).tls = [{ hosts: ['other.example.com'], secretName: 'x' }]),
        object: 'Ingress/app',
        message: 'serves hosts without TLS: app.example.com',
      },
      {
        name: 'a wildcard does not cover two labels',
        change: (r) => ((r.object('Ingress/app').spec as Json).tls = [{ hosts: ['*.com'], secretName: 'x' }]),
        object: 'Ingress/app',
        message: 'serves hosts without TLS: app.example.com',
      },
    ],
    passes: [{ name: 'a wildcard certificate', change: (r) => ((r.object('Ingress/app').spec as Json).tls = [{ hosts: ['*.example.com'], secretName: 'wildcard' }]) }],
  },
  {
    rule: 'network-policy-present',
    fires: [
      { name: 'no NetworkPolicy', change: (r) => r.remove('NetworkPolicy/app'), message: 'no NetworkPolicy selects these pods', also: ['egress-restricted'] },
      { name: 'only an Egress policy', change: (r) => (policySpec(r).policyTypes = ['Egress']), message: 'ingress is open' },
      {
        name: 'a policy in another namespace',
        change: (r) => ((r.object('NetworkPolicy/app').metadata as Json).namespace = 'elsewhere'),
        message: 'no NetworkPolicy selects these pods',
        also: ['egress-restricted', 'network-policy-selects-pods'],
      },
    ],
    passes: [
      { name: 'policyTypes left to the API server defaults (Ingress, and Egress from the egress rules)', change: (r) => delete policySpec(r).policyTypes },
      { name: 'a policy selecting by matchExpressions', change: (r) => (policySpec(r).podSelector = { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['app', 'web'] }] }) },
      { name: 'a helm test pod is not a workload the release serves from', change: (r) => r.add(HOOK_POD, 'templates/tests/test.yaml') },
    ],
  },
  {
    rule: 'egress-restricted',
    fires: [
      {
        name: 'no Egress policy type',
        change: (r) => {
          policySpec(r).policyTypes = ['Ingress'];
          delete policySpec(r).egress;
        },
        message: 'no NetworkPolicy of policy type Egress selects these pods',
      },
      { name: 'an allow-all egress rule', change: (r) => (policySpec(r).egress as Json[]).push({}), message: 'NetworkPolicy app allows all egress' },
      { name: 'egress to 0.0.0.0/0 on every port', change: (r) => (policySpec(r).egress as Json[]).push({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }), message: 'allows all egress' },
      {
        name: 'a second policy opening what the first restricts',
        change: (r) =>
          r.add(
            'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: open\n  labels: { app.kubernetes.io/name: app, app.kubernetes.io/instance: rel }\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - {}\n',
          ),
        message: 'NetworkPolicy open allows all egress',
      },
      {
        name: 'a CronJob with open egress',
        change: (r) =>
          r.add(
            `apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup
  labels: { app.kubernetes.io/name: app, app.kubernetes.io/instance: rel }
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          labels: { app.kubernetes.io/name: backup, app.kubernetes.io/instance: rel }
        spec:
          restartPolicy: Never
          automountServiceAccountToken: false
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: RuntimeDefault } }
          containers:
${hardenedContainer('dump', 12)}
`,
          ),
        object: 'CronJob/backup',
        message: 'no NetworkPolicy of policy type Egress selects these pods',
      },
    ],
    passes: [
      { name: 'egress to the internet on 443 only', change: (r) => (policySpec(r).egress as Json[]).push({ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }], ports: [{ port: 443 }] }) },
      { name: 'a helm test pod without a policy', change: (r) => r.add(HOOK_POD, 'templates/tests/test.yaml') },
    ],
  },
  {
    rule: 'liveness-probe',
    fires: [{ name: 'the app container has none', change: (r) => delete r.container().livenessProbe, message: 'container app: has no livenessProbe' }],
    passes: [
      { name: 'the init container has none (probes would make it invalid)', change: (r) => delete r.container('migrate').livenessProbe },
      { name: 'a Job has none', change: (r) => r.add(`apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  labels: { app.kubernetes.io/name: app, app.kubernetes.io/instance: rel }\n  annotations: { helm.sh/hook: pre-upgrade }\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      automountServiceAccountToken: false\n      securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: RuntimeDefault } }\n      containers:\n${hardenedContainer('migrate', 8)}\n`) },
    ],
  },
  {
    rule: 'readiness-probe',
    fires: [{ name: 'the app container has none', change: (r) => delete r.container().readinessProbe, message: 'container app: has no readinessProbe' }],
    passes: [{ name: 'a native sidecar has none', change: (r) => (r.pod().initContainers as Json[]).push({ ...r.container('migrate'), name: 'log-shipper', restartPolicy: 'Always' }) }],
  },
  {
    rule: 'image-tag-pinned',
    fires: [
      { name: 'busybox:latest', change: (r) => (r.container().image = 'busybox:latest'), message: 'image busybox:latest uses the latest tag', also: ['image-digest'] },
      { name: 'a registry port but no tag', change: (r) => (r.container('migrate').image = 'localhost:5000/app'), message: 'init container migrate: image localhost:5000/app has no tag', also: ['image-digest'] },
    ],
    passes: [{ name: 'a digest without a tag', change: (r) => (r.container().image = `registry.example.com/app@sha256:${'1'.repeat(64)}`) }],
  },
  {
    rule: 'image-digest',
    fires: [{ name: 'a tag without a digest', change: (r) => (r.container().image = 'registry.example.com/app:1.0.0'), message: 'image registry.example.com/app:1.0.0 is not pinned by digest' }],
    passes: [{ name: 'a registry with a port, a tag and a digest', change: (r) => (r.container().image = `localhost:5000/app:1.0.0@sha256:${'2'.repeat(64)}`) }],
  },
  {
    rule: 'min-replicas',
    fires: [
      {
        name: 'one replica and no HPA',
        change: (r) => {
          r.remove('HorizontalPodAutoscaler/app');
          (r.object('Deployment/app').spec as Json).replicas = 1;
        },
        message: 'runs 1 replica(s)',
      },
    ],
    passes: [{ name: 'one replica in the spec, HPA minimum 2', change: (r) => { (r.object('Deployment/app').spec as Json).replicas = 1; (r.object('HorizontalPodAutoscaler/app').spec as Json).minReplicas = 2; } }],
  },
  {
    rule: 'pdb-allows-disruption',
    fires: [
      {
        name: 'minAvailable equal to the HPA minimum',
        change: (r) => Object.assign(r.object('PodDisruptionBudget/app').spec as Json, { maxUnavailable: undefined, minAvailable: 3 }),
        object: 'PodDisruptionBudget/app',
        message: 'minAvailable 3 >= HPA app minReplicas 3',
      },
      {
        name: 'minAvailable 100%',
        change: (r) => Object.assign(r.object('PodDisruptionBudget/app').spec as Json, { maxUnavailable: undefined, minAvailable: '100%' }),
        object: 'PodDisruptionBudget/app',
        message: 'minAvailable is 100%',
      },
      {
        name: 'a percentage that rounds up to every replica (67% of 3)',
        change: (r) => Object.assign(r.object('PodDisruptionBudget/app').spec as Json, { maxUnavailable: undefined, minAvailable: '67%' }),
        object: 'PodDisruptionBudget/app',
        message: 'minAvailable 67% (3 pods) >= HPA app minReplicas 3',
      },
      {
        name: 'maxUnavailable 0%',
        change: (r) => Object.assign(r.object('PodDisruptionBudget/app').spec as Json, { maxUnavailable: '0%' }),
        object: 'PodDisruptionBudget/app',
        message: 'maxUnavailable is 0%',
      },
    ],
    passes: [
      { name: 'minAvailable 66% of 3 (2 pods)', change: (r) => Object.assign(r.object('PodDisruptionBudget/app').spec as Json, { maxUnavailable: undefined, minAvailable: '66%' }) },
      { name: 'maxUnavailable 10% (rounds up to one pod)', change: (r) => Object.assign(r.object('PodDisruptionBudget/app').spec as Json, { maxUnavailable: '10%' }) },
    ],
  },
  {
    rule: 'pdb-present',
    fires: [{ name: 'no PDB for three replicas', change: (r) => r.remove('PodDisruptionBudget/app'), message: 'no PodDisruptionBudget selects these pods' }],
    passes: [{ name: 'a PDB selecting by matchExpressions', change: (r) => ((r.object('PodDisruptionBudget/app').spec as Json).selector = { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['app'] }] }) }],
  },
  {
    rule: 'spread-across-nodes',
    fires: [{ name: 'no spread constraint', change: (r) => delete r.pod().topologySpreadConstraints, message: 'replicas are not spread across nodes' }],
    passes: [
      {
        name: 'pod anti-affinity instead',
        change: (r) => {
          delete r.pod().topologySpreadConstraints;
          r.pod().affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'app' } } }] } };
        },
      },
    ],
  },
  {
    rule: 'hpa-can-scale',
    fires: [{ name: 'minReplicas = maxReplicas', change: (r) => ((r.object('HorizontalPodAutoscaler/app').spec as Json).maxReplicas = 3), object: 'HorizontalPodAutoscaler/app', message: 'minReplicas equals maxReplicas (3)' }],
    passes: [{ name: 'room to scale by one', change: (r) => ((r.object('HorizontalPodAutoscaler/app').spec as Json).maxReplicas = 4) }],
  },
  {
    rule: 'resource-requests',
    fires: [{ name: 'the init container has none', change: (r) => delete resources(r, 'migrate').requests, message: 'init container migrate: no cpu or memory request' }],
    passes: [{ name: 'requests below the limits', change: (r) => (resources(r).requests = { cpu: '50m', memory: '64Mi' }) }],
  },
  {
    rule: 'resource-limits',
    fires: [{ name: 'no memory limit', change: (r) => delete resources(r).limits.memory, message: 'container app: no memory limit' }],
    passes: [{ name: 'memory limit only with an ephemeral-storage limit', change: (r) => (resources(r).limits = { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '1Gi' }) }],
  },
  {
    rule: 'cpu-limit',
    fires: [{ name: 'no CPU limit', change: (r) => delete resources(r).limits.cpu, message: 'container app: no CPU limit' }],
    passes: [{ name: 'a CPU limit above the request', change: (r) => (resources(r).limits.cpu = '500m') }],
  },
  {
    rule: 'selector-matches-pod-labels',
    fires: [
      { name: 'matchLabels the pods do not carry', change: (r) => ((r.object('Deployment/app').spec as Json).selector = { matchLabels: { 'app.kubernetes.io/name': 'other' } }), message: 'does not match the pod template labels' },
      { name: 'matchExpressions excluding the pods', change: (r) => ((r.object('Deployment/app').spec as Json).selector = { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['app'] }] }), message: 'does not match the pod template labels' },
    ],
    passes: [{ name: 'matchExpressions that select the pods', change: (r) => ((r.object('Deployment/app').spec as Json).selector = { matchExpressions: [{ key: 'app.kubernetes.io/instance', operator: 'Exists' }] }) }],
  },
  {
    rule: 'service-selects-pods',
    fires: [{ name: 'a selector matching no pod', change: (r) => ((r.object('Service/app').spec as Json).selector = { 'app.kubernetes.io/name': 'no-such-app' }), object: 'Service/app', message: 'no-such-app' }],
    passes: [{ name: 'a Service without selector (manual endpoints)', change: (r) => delete (r.object('Service/app').spec as Json).selector }],
  },
  {
    rule: 'network-policy-selects-pods',
    fires: [
      {
        name: 'a policy for pods the release does not have',
        change: (r) =>
          r.add('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: stale\n  labels: { app.kubernetes.io/name: app, app.kubernetes.io/instance: rel }\nspec:\n  podSelector: { matchLabels: { app.kubernetes.io/name: gone } }\n  policyTypes: [Ingress]\n'),
        object: 'NetworkPolicy/stale',
        message: 'matches no pod of the release',
      },
    ],
    passes: [
      {
        name: 'a namespace-wide default-deny policy (empty podSelector)',
        change: (r) => r.add('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n  labels: { app.kubernetes.io/name: app, app.kubernetes.io/instance: rel }\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n'),
      },
    ],
  },
  {
    rule: 'standard-labels',
    fires: [{ name: 'a ConfigMap without labels', change: (r) => delete (r.object('ConfigMap/app').metadata as Json).labels, object: 'ConfigMap/app', message: 'missing labels: app.kubernetes.io/name, app.kubernetes.io/instance' }],
    passes: [{ name: 'extra labels beside the standard ones', change: (r) => Object.assign((r.object('ConfigMap/app').metadata as Json).labels as Json, { team: 'platform' }) }],
  },
];

const run = (change: (release: Release) => void, safetyClass: SafetyClass = 'C') => {
  const release = new Release();
  change(release);
  return evaluatePolicy(release.manifests, safetyClass).findings;
};
const story = (findings: { rule?: string; object?: string; message: string }[]) => findings.map((f) => `${f.rule} ${f.object}: ${f.message}`).join('\n');

describe('policy rules on real manifests', () => {
  it('the hand-written hardened release passes every rule at class C', () => {
    const findings = run(() => {});
    expect(findings, story(findings)).toEqual([]);
  });

  it('every rule has a case where it fires and one where it does not', () => {
    const covered = new Map(CASES.map((cases) => [cases.rule, cases]));
    for (const rule of POLICY_RULES) {
      expect(covered.get(rule.id)?.fires.length ?? 0, rule.id).toBeGreaterThan(0);
      expect(covered.get(rule.id)?.passes.length ?? 0, rule.id).toBeGreaterThan(0);
    }
    expect([...covered.keys()].sort()).toEqual(POLICY_RULES.map((rule) => rule.id).sort());
  });

  describe.each(CASES)('$rule', ({ rule, fires, passes }) => {
    const declared = POLICY_RULES.find((candidate) => candidate.id === rule);

    it.each(fires)('fires: $name', ({ change, object = 'Deployment/app', message, also = [] }) => {
      const findings = run(change);
      const own = findings.filter((finding) => finding.rule === rule);
      expect(own.length, story(findings)).toBeGreaterThan(0);
      expect(own.every((finding) => finding.object === object), story(own)).toBe(true);
      if (message) expect(own.some((finding) => finding.message.includes(message)), story(own)).toBe(true);
      expect(own.every((finding) => finding.severity === declared?.severity.C && finding.file?.startsWith('templates/'))).toBe(true);
      expect(new Set(findings.map((finding) => finding.rule)), story(findings)).toEqual(new Set([rule, ...also]));
    });

    it.each(passes)('passes: $name', ({ change }) => {
      const findings = run(change);
      expect(findings, story(findings)).toEqual([]);
    });
  });
});

describe('severity follows the class', () => {
  const noCpuLimit = (r: Release) => delete resources(r).limits.cpu;
  it.each([
    ['A', 'info'],
    ['B', 'warning'],
    ['C', 'error'],
  ] as const)('a missing CPU limit at class %s is %s', (safetyClass, severity) => {
    expect(run(noCpuLimit, safetyClass).map((finding) => finding.severity)).toEqual([severity]);
  });

  it.each(['A', 'B', 'C'] as const)('security basics are errors at class %s', (safetyClass) => {
    const findings = run((r) => {
      r.securityContext().privileged = true;
      r.securityContext().procMount = 'Unmasked';
      (r.securityContext().capabilities as Json).add = ['SYS_ADMIN'];
      (r.pod().securityContext as Json).runAsUser = 0;
      env(r, 'API_TOKEN', 'plain-text-token');
    }, safetyClass);
    expect(findings.map((finding) => [finding.rule, finding.severity])).toEqual(
      expect.arrayContaining([
        ['run-as-non-root', 'error'],
        ['no-privileged', 'error'],
        ['no-dangerous-capabilities', 'error'],
        ['no-unmasked-proc-mount', 'error'],
        ['no-secret-in-env', 'error'],
      ]),
    );
  });

  it('egress and network isolation tighten from advice at A to errors at C', () => {
    const severities = (['A', 'B', 'C'] as const).map((safetyClass) => run((r) => r.remove('NetworkPolicy/app'), safetyClass).map((f) => `${f.rule}:${f.severity}`).sort());
    expect(severities).toEqual([
      ['egress-restricted:info', 'network-policy-present:info'],
      ['egress-restricted:warning', 'network-policy-present:warning'],
      ['egress-restricted:error', 'network-policy-present:error'],
    ]);
  });

  it('never repeats a secret value in a finding', () => {
    const findings = run((r) => {
      env(r, 'ADMIN_PASSWORD', 'hunter2-unique-marker');
      env(r, 'GIT_AUTH', GITHUB_TOKEN);
      configData(r)['tls.key'] = PEM_PRIVATE_KEY;
    });
    expect(findings.length).toBe(2);
    for (const finding of findings) {
      expect(finding.message).not.toContain('hunter2-unique-marker');
      expect(finding.message).not.toContain(GITHUB_TOKEN);
      expect(finding.message).not.toContain(PEM_PRIVATE_KEY.split('\n')[1]);
    }
  });
});
