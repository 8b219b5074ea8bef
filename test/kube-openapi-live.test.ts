// The bundled 1.35 schema against what a real kube-apiserver 1.35.4 serves at /openapi/v3: the
// same compaction (src/kube/openapi.ts) of both must agree on every kind and every field the
// server serves. The bundled data comes from the release's checked-in spec, generated with every
// API and feature gate on, so it may hold more (alpha versions and gated fields); never less, and
// never different.
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactOpenApiV3, type SchemaNode } from '../src/kube/openapi.js';
import { bundledSchemas } from '../src/kube/schema.js';
import { repoRoot } from './support/tools.js';

const APISERVER = join(repoRoot, '.tools', 'kubernetes-1.35.4', 'kube-apiserver');
const ETCD = join(repoRoot, '.tools', 'etcd-3.6.16', 'etcd');
const available = existsSync(APISERVER) && existsSync(ETCD);
if (!available) console.log(`kube-openapi-live: ${APISERVER} or ${ETCD} is missing: the comparison with a real API server is skipped`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

// A static token for a user in system:masters: the server on loopback lives only for this test.
const TOKEN = 'chartwright-openapi-test';

function get(port: number, path: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca, headers: { authorization: `Bearer ${TOKEN}` }, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Where the served node differs from the bundled one; bundled may have extra properties. */
function differences(served: SchemaNode, bundled: SchemaNode | undefined, path: string, out: string[]): void {
  if (!bundled) {
    out.push(`${path}: not in the bundled schema`);
    return;
  }
  const { properties: servedProperties, ...servedRest } = served;
  const { properties: bundledProperties, ...bundledRest } = bundled;
  if (JSON.stringify(servedRest) !== JSON.stringify(bundledRest)) out.push(`${path}: served ${JSON.stringify(servedRest)}, bundled ${JSON.stringify(bundledRest)}`);
  for (const [name, property] of Object.entries(servedProperties ?? {})) differences(property, bundledProperties?.[name], `${path}.${name}`, out);
}

describe.skipIf(!available)('bundled 1.35 schema = a real kube-apiserver 1.35.4 /openapi/v3', () => {
  const processes: ChildProcess[] = [];
  let dir = '';
  let port = 0;
  let ca: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chartwright-apiserver-'));
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    port = apiPort;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'tokens.csv'), `${TOKEN},test,test,system:masters\n`);
    const log = (name: string, child: ChildProcess) => {
      let output = '';
      child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
      processes.push(child);
      return () => `${name}: ${output}`;
    };
    const etcdLog = log(
      'etcd',
      spawn(ETCD, ['--data-dir', join(dir, 'etcd'), '--listen-client-urls', `http://127.0.0.1:${etcdClient}`, '--advertise-client-urls', `http://127.0.0.1:${etcdClient}`, '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`, '--initial-cluster', `default=http://127.0.0.1:${etcdPeer}`], { stdio: ['ignore', 'ignore', 'pipe'] }),
    );
    const apiLog = log(
      'kube-apiserver',
      spawn(
        APISERVER,
        [
          `--etcd-servers=http://127.0.0.1:${etcdClient}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${apiPort}`,
          `--cert-dir=${join(dir, 'certs')}`,
          '--authorization-mode=AlwaysAllow',
          `--token-auth-file=${join(dir, 'tokens.csv')}`,
          // A loopback address is not a valid endpoint of the kubernetes service; nothing here needs it.
          '--endpoint-reconciler-type=none',
          '--service-cluster-ip-range=10.96.0.0/24',
          '--service-account-issuer=https://kubernetes.default.svc',
          `--service-account-key-file=${join(dir, 'sa.pub')}`,
          `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      ),
    );
    const certFile = join(dir, 'certs', 'apiserver.crt');
    for (let attempt = 0; ; attempt++) {
      if (processes.some((child) => child.exitCode !== null)) throw new Error(`a server stopped:\n${etcdLog()}\n${apiLog()}`);
      if (existsSync(certFile)) {
        ca = readFileSync(certFile);
        const ready = await get(port, '/readyz', ca).catch(() => undefined);
        if (ready?.status === 200) break;
      }
      if (attempt > 180) throw new Error(`kube-apiserver did not become ready:\n${apiLog()}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }, 180_000);

  afterAll(async () => {
    for (const child of processes) child.kill('SIGTERM');
    await Promise.all(processes.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined)));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves no kind, type or field the bundled schema lacks or describes differently', async () => {
    const discovery = JSON.parse((await get(port, '/openapi/v3', ca)).body) as { paths: Record<string, { serverRelativeURL: string }> };
    const documents: unknown[] = [];
    for (const [path, { serverRelativeURL }] of Object.entries(discovery.paths).sort()) {
      const response = await get(port, serverRelativeURL, ca);
      expect(response.status, path).toBe(200);
      documents.push(JSON.parse(response.body));
    }
    const served = compactOpenApiV3(documents);
    const bundled = bundledSchemas('1.35');
    expect(Object.keys(served.kinds).length).toBeGreaterThan(50);
    expect(Object.keys(served.types).length).toBeGreaterThan(500);
    for (const [kind, type] of Object.entries(served.kinds)) expect(bundled.kinds[kind], kind).toBe(type);
    const found: string[] = [];
    for (const [name, node] of Object.entries(served.types)) differences(node, bundled.types[name], name, found);
    expect(found).toEqual([]);
    // The enums the API server serves are there (the checked-in spec leaves them out).
    expect(served.types['io.k8s.api.core.v1.ServicePort']?.properties?.protocol?.enum).toEqual(['SCTP', 'TCP', 'UDP']);
  });
});
