/**
 * The manifests of deploy/ as a cluster would receive them: an overlay rendered by `kubectl kustomize`,
 * parsed, and each object checked against the Kubernetes schemas (kubernetes-models).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ConfigMap, Service } from 'kubernetes-models/v1';
import type { IContainer, IPodSpec } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { parseAllDocuments } from 'yaml';

export const DEPLOY_DIR = path.dirname(fileURLToPath(import.meta.url));

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  readonly spec?: unknown;
  readonly data?: Record<string, string>;
}

/** Whether kubectl (with its built-in kustomize) is here; without it the suite skips, but not under CI. */
export function kubectlForSuite(suite: string): boolean {
  let available = true;
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  } catch {
    available = false;
  }
  if (!available && process.env.CI === 'true')
    throw new Error(`${suite}: CI=true but kubectl is not on PATH`);
  if (!available) console.log(`skipping ${suite}: kubectl is not on PATH`);
  return available;
}

export function renderOverlay(overlay: string): KubeObject[] {
  const yaml = execFileSync('kubectl', ['kustomize', path.join(DEPLOY_DIR, 'overlays', overlay)], {
    encoding: 'utf8',
  });
  return parseAllDocuments(yaml).map((document) => document.toJS() as KubeObject);
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/** Throws with the object's kind and name when it breaks its schema or has no schema here. */
export function validateAgainstSchema(object: KubeObject): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (Model === undefined) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  try {
    new Model(object as never).validate();
  } catch (error: unknown) {
    throw new Error(`${object.kind} ${object.metadata.name}: ${String(error)}`, { cause: error });
  }
}

export function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found;
}

export function podSpecOf(deployment: KubeObject): IPodSpec {
  const spec = (deployment.spec as { template: { spec: IPodSpec } }).template.spec;
  return spec;
}

/** The container's environment: its `env` names and every key of the ConfigMaps it takes with envFrom. */
export function environmentOf(container: IContainer, objects: readonly KubeObject[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const name = from.configMapRef?.name;
    if (name === undefined) throw new Error(`${container.name}: envFrom other than a ConfigMap`);
    for (const [key, value] of Object.entries(find(objects, 'ConfigMap', name).data ?? {}))
      env.set(key, value);
  }
  for (const variable of container.env ?? []) {
    const secret = variable.valueFrom?.secretKeyRef;
    env.set(
      variable.name,
      secret === undefined ? (variable.value ?? '') : `secret:${secret.name}/${secret.key}`,
    );
  }
  return env;
}
