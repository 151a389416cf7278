import { DEFAULT_SHUTDOWN_GRACE_MS } from '@redstream/service-kit';
import { TELEMETRY_ENV } from '@redstream/service-kit/telemetry';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp as createConsumerApp } from '../../services/consumer/src/app.js';
import { loadConsumerConfig } from '../../services/consumer/src/config.js';
import { ConsumerServiceMetrics } from '../../services/consumer/src/consumer-service-metrics.js';
import { createApp as createProducerApp } from '../../services/producer/src/app.js';
import { loadProducerConfig } from '../../services/producer/src/config.js';
import { ProducerMetrics } from '../../services/producer/src/producer-metrics.js';
import { K8S_ROOT, type KubeObject, renderKustomization } from '../src/kustomize.js';

import {
  type Container,
  containerEnv,
  envNames,
  find,
  variablesRead,
  type Workload,
} from './helpers/workloads.js';

const overlays = ['single-redis', 'redis-cluster'] as const;
const logger = pino({ level: 'silent' });
const redis = { ping: async () => 'PONG', status: 'ready' };

/** Each service: its workload, how it reads env, and its HTTP app for the probe paths. */
const services = {
  producer: {
    kind: 'Deployment',
    load: loadProducerConfig,
    shutdownGraceMs: () => DEFAULT_SHUTDOWN_GRACE_MS,
    app: (env: NodeJS.ProcessEnv) =>
      createProducerApp(loadProducerConfig(env), {
        // The probes never reach Redis: the limiter is made, never asked.
        client: { redis, producer: () => ({}), rateLimiter: () => ({}) } as never,
        metrics: new ProducerMetrics({ defaultMetrics: false }),
        logger,
      }),
  },
  consumer: {
    kind: 'StatefulSet',
    load: loadConsumerConfig,
    shutdownGraceMs: (env: NodeJS.ProcessEnv) => loadConsumerConfig(env).shutdownGraceMs,
    app: (env: NodeJS.ProcessEnv) =>
      createConsumerApp(loadConsumerConfig(env), {
        client: { redis } as never,
        metrics: new ConsumerServiceMetrics({ defaultMetrics: false }),
        logger,
        subscription: () => ({ ownedPartitions: [0], inFlight: 0 }) as never,
        shuttingDown: () => false,
      }),
  },
} as const;

/** Variables the container's environment sets that neither the config nor OpenTelemetry reads. */
function unreadVariables(
  objects: KubeObject[],
  container: Container,
  load: (env: NodeJS.ProcessEnv) => unknown,
): string[] {
  const read = new Set<string>([...variablesRead(load), ...TELEMETRY_ENV]);
  return envNames(objects, container).filter((variable) => !read.has(variable));
}

describe.each(overlays)('overlay %s agrees with the services', (overlay) => {
  const objects = renderKustomization(`${K8S_ROOT}/overlays/${overlay}`);

  describe.each(Object.entries(services))('%s', (name, service) => {
    const workload = find<Workload>(objects, service.kind, name);
    const pod = workload.spec.template.spec;
    const container = pod.containers.find((c) => c.name === name) as Container;
    const env = containerEnv(objects, container);

    it('sets only variables the service reads, and values its config accepts', () => {
      expect(unreadVariables(objects, container, service.load)).toEqual([]);
      expect(() => service.load(env)).not.toThrow();
      // The check can fail: a misspelt variable in the ConfigMap is found.
      const misspelt = structuredClone(objects);
      const configMap = misspelt.find(
        (object) => object.kind === 'ConfigMap' && object.metadata.name === `${name}-config`,
      ) as KubeObject & { data: Record<string, string> };
      configMap.data.LOG_LEVL = 'debug';
      expect(unreadVariables(misspelt, container, service.load)).toEqual(['LOG_LEVL']);
    });

    it('takes Redis credentials from a Secret, never from a ConfigMap', () => {
      for (const entry of container.env ?? []) {
        if (/^REDIS_(URL|USERNAME|PASSWORD)$/.test(entry.name))
          expect(entry.valueFrom?.secretKeyRef, entry.name).toBeDefined();
      }
      const fromConfigMaps = (container.envFrom ?? []).flatMap((source) =>
        source.configMapRef
          ? Object.keys(
              find<KubeObject & { data: Record<string, string> }>(
                objects,
                'ConfigMap',
                source.configMapRef.name,
              ).data,
            )
          : [],
      );
      expect(fromConfigMaps.filter((key) => /URL|USERNAME|PASSWORD|KEY/.test(key))).toEqual([]);
      const redisTarget = overlay === 'single-redis' ? 'REDIS_URL' : 'REDIS_CLUSTER_NODES';
      expect(Object.keys(env)).toContain(redisTarget);
    });

    it('probes /readyz and /healthz on the port the service listens on, and both answer', async () => {
      const port = container.ports?.find((p) => p.name === 'http');
      expect(port?.containerPort).toBe(service.load(env).port);
      expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      const app = service.app(env);
      for (const probe of [container.readinessProbe, container.livenessProbe]) {
        const reply = await app.inject({ url: probe?.httpGet?.path });
        expect(reply.statusCode, probe?.httpGet?.path).toBe(200);
      }
      await app.close();
    });

    it('gives the pod longer to stop than the service takes to shut down', () => {
      const graceSeconds = pod.terminationGracePeriodSeconds ?? 30;
      // A few seconds of slack: SIGKILL must never cut a drain that is still within its grace.
      expect(graceSeconds * 1000).toBeGreaterThanOrEqual(service.shutdownGraceMs(env) + 5000);
    });

    it('runs as non-root on a read-only root filesystem, with resources and a PDB', () => {
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(container.resources?.requests).toMatchObject({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
      expect(container.resources?.limits?.memory).toBeDefined();
      const pdb = find<KubeObject & { spec: { selector: { matchLabels: object } } }>(
        objects,
        'PodDisruptionBudget',
        name,
      );
      expect(workload.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
      const serviceObject = find<KubeObject & { spec: { selector: object } }>(
        objects,
        'Service',
        name,
      );
      expect(workload.spec.template.metadata.labels).toMatchObject(serviceObject.spec.selector);
    });
  });

  it('names each consumer replica after its pod, so a restart keeps its partitions', () => {
    const consumer = find<Workload & { spec: { serviceName: string } }>(
      objects,
      'StatefulSet',
      'consumer',
    );
    const container = consumer.spec.template.spec.containers[0] as Container;
    expect(container.env?.find((entry) => entry.name === 'CONSUMER_NAME')?.valueFrom).toEqual({
      fieldRef: { fieldPath: 'metadata.name' },
    });
    expect(find(objects, 'Service', consumer.spec.serviceName)).toBeDefined();
  });

  it('scales the consumer on its group lag, never past the partition count', () => {
    const scaled = find<
      KubeObject & {
        spec: {
          scaleTargetRef: { apiVersion: string; kind: string; name: string };
          minReplicaCount: number;
          maxReplicaCount: number;
          triggers: Array<{ type: string; metadata: Record<string, string> }>;
        };
      }
    >(objects, 'ScaledObject', 'consumer');
    const consumer = find<Workload>(objects, 'StatefulSet', 'consumer');
    const producer = find<Workload>(objects, 'Deployment', 'producer');
    const consumerConfig = loadConsumerConfig(
      containerEnv(objects, consumer.spec.template.spec.containers[0] as Container),
    );
    const producerConfig = loadProducerConfig(
      containerEnv(objects, producer.spec.template.spec.containers[0] as Container),
    );
    expect(scaled.spec.scaleTargetRef).toEqual({
      apiVersion: consumer.apiVersion,
      kind: consumer.kind,
      name: consumer.metadata.name,
    });
    expect(consumerConfig.partitions).toBe(producerConfig.partitions);
    expect(consumerConfig.topic).toBe(producerConfig.topic);
    expect(scaled.spec.maxReplicaCount).toBeLessThanOrEqual(producerConfig.partitions);
    // The lag series come from the replicas: at zero replicas there would be none to scale on.
    expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    const [trigger] = scaled.spec.triggers;
    expect(trigger?.type).toBe('prometheus');
    expect(trigger?.metadata.query).toContain(`topic="${consumerConfig.topic}"`);
    expect(trigger?.metadata.query).toContain(`group="${consumerConfig.group}"`);
  });
});
