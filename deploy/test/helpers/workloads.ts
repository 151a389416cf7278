import type { KubeObject } from '../../src/kustomize.js';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}

export interface Probe {
  httpGet?: { path: string; port: string | number };
}

export interface Container {
  name: string;
  image: string;
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    runAsNonRoot?: boolean;
    capabilities?: { drop?: string[] };
  };
}

export interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}

export interface Workload extends KubeObject {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

export function find<T extends KubeObject = KubeObject>(
  objects: KubeObject[],
  kind: string,
  name: string,
): T {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found as T;
}

/** Stand-ins for what a Secret or the downward API gives a container at run time. */
const RUNTIME_VALUES: Record<string, string> = {
  url: 'redis://app:secret@redis:6379',
  username: 'app',
  password: 'secret',
  'metadata.name': 'consumer-0',
  'api-keys': `ingest:${'0'.repeat(64)}:orders`,
};

/**
 * The environment a container starts with: its ConfigMaps' data (`envFrom`), then its own
 * `env` entries, with Secret and downward-API values replaced by stand-ins.
 */
export function containerEnv(objects: KubeObject[], container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.secretRef) throw new Error('envFrom a Secret: its keys cannot be checked here');
    if (!source.configMapRef) continue;
    const map = find<KubeObject & { data: Record<string, string> }>(
      objects,
      'ConfigMap',
      source.configMapRef.name,
    );
    Object.assign(env, map.data);
  }
  for (const entry of container.env ?? []) {
    const from = entry.valueFrom;
    const key = from?.secretKeyRef?.key ?? from?.fieldRef?.fieldPath;
    env[entry.name] = entry.value ?? RUNTIME_VALUES[key ?? ''] ?? 'x';
  }
  return env;
}

/** The variables a container's environment sets (envFrom keys and env names). */
export function envNames(objects: KubeObject[], container: Container): string[] {
  return Object.keys(containerEnv(objects, container)).sort();
}

/**
 * The env variable names `load` reads: it runs against an environment that records every
 * name asked for (service-kit's EnvReader reads `env[name]`), so nothing is parsed by hand.
 */
export function variablesRead(load: (env: NodeJS.ProcessEnv) => unknown): Set<string> {
  const read = new Set<string>();
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get(_target, name) {
      if (typeof name === 'string') read.add(name);
      return undefined;
    },
  });
  try {
    load(env);
  } catch {
    // An empty environment is not a valid configuration (the producer wants API keys); every
    // name was asked for before the loader reported its problems.
  }
  return read;
}
