// Renders the kustomizations under deploy/ with the real `kubectl kustomize`
// and validates each object against the Kubernetes OpenAPI schemas offline
// (kubernetes-models). Shared by the manifest tests.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Namespace, ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { PodMonitor, PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

/** A rendered Kubernetes object, as plain data. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** The kinds we deploy; anything else in a render is a mistake to look at. */
const models: Record<string, { new (data: never): { validate(): void } }> = {};
for (const model of [Namespace, ConfigMap, Secret, Service, ServiceAccount, NetworkPolicy, Deployment, StatefulSet, Job, PodDisruptionBudget, HorizontalPodAutoscaler, Role, RoleBinding, PodMonitor, PrometheusRule]) {
  models[`${model.apiVersion}/${model.kind}`] = model;
}

export const repoRoot = join(import.meta.dirname, '..', '..');
export const deployDir = join(repoRoot, 'deploy');

/** Fails with a clear message when kubectl is absent, instead of skipping. */
export function requireKubectl(): string {
  try {
    return execFileSync('kubectl', ['version', '--client', '--output=json'], { encoding: 'utf8' });
  } catch (err) {
    throw new Error(
      'kubectl is required by the manifest tests (they render with `kubectl kustomize`) but could not be run; ' +
        `install kubectl >= 1.27 and put it on PATH. Cause: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Every directory under deploy/ holding a kustomization.yaml, relative to the repo root. */
export function kustomizationDirs(dir = deployDir): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === 'kustomization.yaml') found.push(relative(repoRoot, dir));
    else if (statSync(path).isDirectory() && entry !== 'test' && entry !== 'node_modules') found.push(...kustomizationDirs(path));
  }
  return found.sort();
}

/** `kubectl kustomize <dir>` parsed into objects. */
export function render(dir: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', join(repoRoot, dir)], { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  return parseAllDocuments(out)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${dir}: unparsable YAML from kustomize: ${doc.errors[0]?.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((obj): obj is K8sObject => obj !== null);
}

/** Throws with the object's identity when it does not match its API schema. */
export function validateObject(obj: K8sObject): void {
  const model = models[`${obj.apiVersion}/${obj.kind}`];
  if (model === undefined) throw new Error(`${obj.kind} ${obj.metadata.name}: no schema registered for ${obj.apiVersion}/${obj.kind}`);
  try {
    new model(obj as never).validate();
  } catch (err) {
    throw new Error(`${obj.kind} ${obj.metadata.name} is not a valid ${obj.apiVersion} object: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** `kind/name` for messages and lookups. */
export const idOf = (obj: K8sObject): string => `${obj.kind}/${obj.metadata.name}`;
