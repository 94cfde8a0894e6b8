import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { IContainer, IPodSpec } from 'kubernetes-models/v1';

import { readImagePlan } from '../scripts/image/dockerfile.ts';
import {
  DEPLOY_DIR,
  environmentOf,
  find,
  kubectlForSuite,
  podSpecOf,
  renderOverlay,
  validateAgainstSchema,
  type KubeObject,
} from './kustomize-fixture.ts';

const REPO_ROOT = path.dirname(DEPLOY_DIR);
const read = (file: string): string => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const image = readImagePlan(read('Dockerfile'));

/** Settings only `npm start`'s demo reads; production never sets them. */
const DEMO_ONLY = [
  'EMBEDDED_POSTGRES_PORT',
  'LEGACY_STAND_IN_PORT',
  'LEGACY_STAND_IN',
  'DEMO_PLANTED_DIFFERENCES',
  'DEMO_ISSUER_PORT',
];
const SECRETS = [
  'DATABASE_URL',
  'LEGACY_DATABASE_URL',
  'UNLEASH_API_TOKEN',
  'ADMIN_QA_TOKEN',
  'ADMIN_OPERATOR_TOKEN',
];
/** The graceful shutdown's settings, read where the shutdown is wired rather than in src/config. */
const SHUTDOWN_SETTINGS = ['SHUTDOWN_DELAY_MS', 'SHUTDOWN_TIMEOUT_MS'];

/** README.md's configuration table: each row's backticked names and its meaning. */
function readmeSettings(): Map<string, string> {
  const section = /## Configuration\n([\s\S]*?)\n## /.exec(read('README.md'))?.[1] ?? '';
  const settings = new Map<string, string>();
  for (const row of section.split('\n').filter((line) => line.startsWith('| `'))) {
    const [names = '', meaning = ''] = row.split('|').slice(1);
    for (const [, name] of names.matchAll(/`([A-Z0-9_]+)`/g)) settings.set(name ?? '', meaning.trim());
  }
  return settings;
}

/** Setting names the proxy's configuration reads (quoted in src/config.ts and src/config/). */
function namesReadByConfig(): string {
  const dir = path.join(REPO_ROOT, 'src', 'config');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  return [read('src/config.ts'), ...files.map((f) => readFileSync(path.join(dir, f), 'utf8'))].join('\n');
}

function containerOf(pod: IPodSpec, name: string): IContainer {
  const container = pod.containers.find((c) => c.name === name);
  if (container === undefined) throw new Error(`no container ${name}`);
  return container;
}

function expectLockedDown(pod: IPodSpec, container: IContainer): void {
  expect(pod.securityContext).toMatchObject({
    runAsNonRoot: true,
    runAsUser: image.uid,
    runAsGroup: image.gid,
    seccompProfile: { type: 'RuntimeDefault' },
  });
  expect(container.securityContext).toEqual({
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
  expect(pod.automountServiceAccountToken).toBe(false);
  expect(pod.enableServiceLinks).toBe(false);
  for (const kind of ['requests', 'limits'] as const) {
    expect(container.resources?.[kind]).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
  }
}

/** The emptyDir volumes mounted in the container, by mount path. */
function writableDirs(pod: IPodSpec, container: IContainer): string[] {
  const emptyDirs = new Set((pod.volumes ?? []).filter((v) => v.emptyDir !== undefined).map((v) => v.name));
  return (container.volumeMounts ?? []).filter((m) => emptyDirs.has(m.name)).map((m) => m.mountPath);
}

const isUnder = (dir: string) => (file: string) => file === dir || file.startsWith(`${dir}/`);

const runs = kubectlForSuite('deploy/ manifests');

describe.each(runs ? ['demo', 'production'] : [])('the %s overlay', (overlay) => {
  const objects: KubeObject[] = renderOverlay(overlay);
  const proxy = find(objects, 'Deployment', 'strangler');
  const proxyPod = podSpecOf(proxy);
  const proxyContainer = containerOf(proxyPod, 'strangler');
  const proxyEnv = environmentOf(proxyContainer, objects);
  const worker = find(objects, 'Deployment', 'strangler-sync-worker');
  const workerPod = podSpecOf(worker);
  const workerContainer = containerOf(workerPod, 'sync-worker');
  const workerEnv = environmentOf(workerContainer, objects);
  const proxyLabels = (proxy.spec as { template: { metadata: { labels: Record<string, string> } } }).template
    .metadata.labels;

  test('every object is valid against the Kubernetes schemas', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(
      expect.arrayContaining([
        'ConfigMap',
        'Deployment',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'Service',
      ]),
    );
    for (const object of objects) validateAgainstSchema(object);
  });

  test('the proxy is probed on the admin port: live, ready, and given time to migrate at startup', () => {
    const adminPort = proxyContainer.ports?.find((p) => p.name === 'admin');
    expect(adminPort?.containerPort).toBe(Number(proxyEnv.get('ADMIN_PORT')));
    expect(proxyContainer.ports?.find((p) => p.name === 'http')?.containerPort).toBe(
      Number(proxyEnv.get('PORT')),
    );
    expect(image.exposedPorts).toEqual(proxyContainer.ports?.map((p) => p.containerPort));
    expect(proxyContainer.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'admin' });
    expect(proxyContainer.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'admin' });
    expect(proxyContainer.startupProbe?.httpGet).toEqual({ path: '/health/live', port: 'admin' });
  });

  test('both Deployments run locked down, as the image user, with limits', () => {
    expectLockedDown(proxyPod, proxyContainer);
    expectLockedDown(workerPod, workerContainer);
  });

  test('everything the proxy writes is on an emptyDir, the root filesystem being read-only', () => {
    const writable = writableDirs(proxyPod, proxyContainer);
    expect(writable).toContain('/tmp');
    for (const name of ['DATA_DIR', 'FLAGS_BACKUP_DIR']) {
      expect({ name, writable: writable.some((dir) => isUnder(dir)(proxyEnv.get(name) ?? '')) }).toEqual({
        name,
        writable: true,
      });
    }
  });

  test('the grace period outlasts the preStop sleep, shutdown delay and timeout of both processes', () => {
    const stopMs = Number(proxyEnv.get('SHUTDOWN_DELAY_MS')) + Number(proxyEnv.get('SHUTDOWN_TIMEOUT_MS'));
    expect(stopMs).toBeGreaterThan(0);
    const preStopMs = (proxyContainer.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
    expect(preStopMs).toBeGreaterThanOrEqual(1000);
    expect((proxyPod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(preStopMs + stopMs);
    expect((workerPod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(stopMs);
  });

  test('the sync runs in the worker Deployment only, started from a file the image holds', () => {
    expect(proxyEnv.get('SYNC_IN_PROCESS')).toBe('false');
    expect(workerContainer.command).toEqual(['node', 'scripts/sync-worker.ts']);
    expect(image.copies.flatMap((c) => c.sources)).toContain(workerContainer.command?.[1]);
    expect(workerEnv.get('SYNC_OWNERSHIP')).toBe(proxyEnv.get('SYNC_OWNERSHIP'));
  });

  test('the HorizontalPodAutoscaler scales the proxy, which leaves its replica count to it', () => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'strangler').spec as {
      scaleTargetRef: unknown;
      minReplicas: number;
      maxReplicas: number;
    };
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'strangler' });
    expect(hpa.minReplicas).toBeGreaterThanOrEqual(1);
    expect(hpa.maxReplicas).toBeGreaterThanOrEqual(hpa.minReplicas);
    expect(proxy.spec).not.toHaveProperty('replicas');
  });

  test('the PodDisruptionBudget and the Services select the proxy pods', () => {
    const pdb = find(objects, 'PodDisruptionBudget', 'strangler').spec as {
      selector: { matchLabels: object };
    };
    expect(proxyLabels).toMatchObject(pdb.selector.matchLabels);
    for (const [name, port] of [
      ['strangler', 'http'],
      ['strangler-admin', 'admin'],
    ] as const) {
      const service = find(objects, 'Service', name).spec as {
        selector: object;
        ports: { targetPort: string }[];
      };
      expect(proxyLabels).toMatchObject(service.selector);
      expect(service.ports.map((p) => p.targetPort)).toEqual([port]);
    }
  });

  test("every setting of the README's configuration table is given to the proxy, secrets from the Secret", () => {
    const readme = readmeSettings();
    const missing = [...readme.keys()].filter((name) => !DEMO_ONLY.includes(name) && !proxyEnv.has(name));
    expect(missing).toEqual([]);
    for (const name of DEMO_ONLY)
      expect({ name, demo: /\bdemo\b/.test(readme.get(name) ?? '') }).toEqual({ name, demo: true });
    expect(DEMO_ONLY.filter((name) => proxyEnv.has(name))).toEqual([]);
    for (const name of SECRETS) expect(proxyEnv.get(name)).toBe(`secret:strangler-secrets/${name}`);
  });

  test('every variable the containers get is one their process reads', () => {
    const config = namesReadByConfig();
    const unread = [...proxyEnv.keys()].filter(
      (name) =>
        !config.includes(`'${name}'`) && !name.startsWith('OTEL_') && !SHUTDOWN_SETTINGS.includes(name),
    );
    expect(unread).toEqual([]);
    const worker = read('scripts/sync-worker.ts');
    expect(
      [...workerEnv.keys()].filter((name) => !worker.includes(name) && !name.startsWith('OTEL_')),
    ).toEqual([]);
  });
});

describe.each(runs ? ['production'] : [])('the %s overlay', (overlay) => {
  test('pins a released image and keeps two proxies through a disruption', () => {
    const objects = renderOverlay(overlay);
    const images = ['strangler', 'strangler-sync-worker'].map(
      (name) => podSpecOf(find(objects, 'Deployment', name)).containers[0]?.image,
    );
    expect(images[0]).toMatch(/^[^:]+\/strangler:\d+\.\d+\.\d+$/);
    expect(images[1]).toBe(images[0]);
    expect(find(objects, 'PodDisruptionBudget', 'strangler').spec).toMatchObject({ minAvailable: 2 });
    expect(find(objects, 'HorizontalPodAutoscaler', 'strangler').spec).toMatchObject({ minReplicas: 3 });
  });
});
