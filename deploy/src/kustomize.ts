import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { strategicMerge } from './strategic-merge.js';

/** A Kubernetes object as YAML gives it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [field: string]: unknown };
  [field: string]: unknown;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  resources?: string[];
  patches?: Array<{ path: string }>;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
}

/**
 * The fields of kustomization.yaml this renderer implements. `kubectl apply -k` knows many
 * more; one it would apply and this renderer would ignore would make the tests check
 * something else than what is deployed, so any other field is an error here.
 */
const SUPPORTED_FIELDS = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'patches',
  'images',
]);

/** Kinds without a namespace (the rest get the kustomization's `namespace`). */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);

export class KustomizeError extends Error {
  override readonly name = 'KustomizeError';
}

/**
 * Renders a kustomization directory the way `kubectl apply -k` does, for the subset our
 * manifests use: `resources` (files, multi-document YAML, and directories with their own
 * kustomization.yaml), `namespace`, `patches` (strategic merge, each patch file one object
 * naming its target) and `images`. Runs offline, so `pnpm test` checks the rendered objects
 * without a kustomize binary.
 */
export function renderKustomization(directory: string): KubeObject[] {
  const file = join(directory, 'kustomization.yaml');
  if (!existsSync(file)) throw new KustomizeError(`no kustomization.yaml in ${directory}`);
  const kustomization = readYamlDocuments(file)[0] as Kustomization;
  const unknown = Object.keys(kustomization).filter((field) => !SUPPORTED_FIELDS.has(field));
  if (unknown.length > 0)
    throw new KustomizeError(
      `${file}: ${unknown.join(', ')} not supported by this renderer (supported: ${[...SUPPORTED_FIELDS].join(', ')})`,
    );

  let objects: KubeObject[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = resolve(directory, resource);
    objects.push(
      ...(statSync(path).isDirectory()
        ? renderKustomization(path)
        : (readYamlDocuments(path) as KubeObject[])),
    );
  }
  for (const { path } of kustomization.patches ?? []) {
    const patchFile = resolve(directory, path);
    for (const patch of readYamlDocuments(patchFile) as KubeObject[]) {
      const index = objects.findIndex((object) => sameObject(object, patch));
      if (index < 0)
        throw new KustomizeError(
          `${patchFile}: no ${patch.kind} ${patch.metadata?.name} among the resources to patch`,
        );
      objects[index] = strategicMerge(objects[index], patch) as KubeObject;
    }
  }
  if (kustomization.namespace !== undefined) {
    const namespace = kustomization.namespace;
    objects = objects.map((object) =>
      CLUSTER_SCOPED.has(object.kind)
        ? object
        : { ...object, metadata: { ...object.metadata, namespace } },
    );
  }
  for (const image of kustomization.images ?? []) objects = objects.map((o) => setImage(o, image));
  assertUnique(objects, directory);
  return objects;
}

function readYamlDocuments(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((document) => {
    if (document.errors.length > 0)
      throw new KustomizeError(`${path}: ${document.errors.map((e) => e.message).join('; ')}`);
    return document.toJS();
  });
}

function sameObject(a: KubeObject, b: KubeObject): boolean {
  return a.kind === b.kind && a.apiVersion === b.apiVersion && a.metadata.name === b.metadata.name;
}

function assertUnique(objects: KubeObject[], directory: string): void {
  const seen = new Set<string>();
  for (const object of objects) {
    const id = `${object.apiVersion} ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    if (seen.has(id)) throw new KustomizeError(`${directory}: ${id} is defined twice`);
    seen.add(id);
  }
}

/** `images:` of a kustomization: containers whose image is `name` (any tag) get the new one. */
function setImage(
  object: KubeObject,
  image: { name: string; newName?: string; newTag?: string },
): KubeObject {
  const podSpec = (object.spec as { template?: { spec?: PodSpecImages } } | undefined)?.template
    ?.spec;
  if (!podSpec) return object;
  const retag = (container: { image?: string }) => {
    const current = container.image ?? '';
    const [name, tag] = splitImage(current);
    if (name !== image.name) return container;
    const newTag = image.newTag ?? tag;
    return { ...container, image: `${image.newName ?? name}${newTag ? `:${newTag}` : ''}` };
  };
  const spec = structuredClone(object) as KubeObject & {
    spec: { template: { spec: PodSpecImages } };
  };
  const pod = spec.spec.template.spec;
  pod.containers = pod.containers?.map(retag);
  if (pod.initContainers) pod.initContainers = pod.initContainers.map(retag);
  return spec;
}

interface PodSpecImages {
  containers?: Array<{ image?: string }>;
  initContainers?: Array<{ image?: string }>;
}

function splitImage(image: string): [string, string | undefined] {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined];
}

/** deploy/k8s: the base and the overlays. */
export const K8S_ROOT = fileURLToPath(new URL('../k8s', import.meta.url));
