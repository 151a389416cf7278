import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { K8S_ROOT, KustomizeError, renderKustomization } from '../src/kustomize.js';
import { strategicMerge } from '../src/strategic-merge.js';
import { find, type Workload } from './helpers/workloads.js';

const dir = mkdtempSync(join(tmpdir(), 'kustomize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, text: string): void {
  writeFileSync(join(dir, path), text);
}

describe('strategic merge', () => {
  it('merges maps, named lists item by item, replaces other lists, deletes on null', () => {
    const target = {
      spec: {
        replicas: 1,
        args: ['a'],
        containers: [{ name: 'app', image: 'x', env: [{ name: 'A', value: '1' }] }],
      },
    };
    const patch = {
      spec: {
        replicas: null,
        args: ['b'],
        containers: [{ name: 'app', env: [{ name: 'B', value: '2' }] }, { name: 'sidecar' }],
      },
    };
    expect(strategicMerge(target, patch)).toEqual({
      spec: {
        args: ['b'],
        containers: [
          {
            name: 'app',
            image: 'x',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
          },
          { name: 'sidecar' },
        ],
      },
    });
  });
});

describe('renderKustomization', () => {
  it('sets the namespace on namespaced objects, patches, and retags images', () => {
    const objects = renderKustomization(`${K8S_ROOT}/overlays/single-redis`);
    const namespace = objects.find((object) => object.kind === 'Namespace');
    expect(namespace?.metadata.namespace).toBeUndefined();
    expect(
      objects.filter((object) => object.kind !== 'Namespace').map((o) => o.metadata.namespace),
    ).toEqual(objects.filter((object) => object.kind !== 'Namespace').map(() => 'redstream'));
    const consumer = find<Workload>(objects, 'StatefulSet', 'consumer');
    const container = consumer.spec.template.spec.containers[0]!;
    expect(container.image).toBe('ghcr.io/example/redstream-consumer:0.1.0');
    expect(container.env?.map((entry) => entry.name)).toEqual(['CONSUMER_NAME', 'REDIS_URL']);
  });

  it('refuses fields it does not implement, a patch without a target, and duplicates', () => {
    write('object.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n');
    write('kustomization.yaml', 'resources: [object.yaml]\ncommonLabels: {a: b}\n');
    expect(() => renderKustomization(dir)).toThrow(/commonLabels not supported by this renderer/);
    write('patch.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n');
    write('kustomization.yaml', 'resources: [object.yaml]\npatches: [{path: patch.yaml}]\n');
    expect(() => renderKustomization(dir)).toThrow(/no ConfigMap b among the resources/);
    write('kustomization.yaml', 'resources: [object.yaml, object.yaml]\n');
    expect(() => renderKustomization(dir)).toThrow(KustomizeError);
  });
});
