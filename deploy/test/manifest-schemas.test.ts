import { describe, expect, it } from 'vitest';
import { K8S_ROOT, type KubeObject, renderKustomization } from '../src/kustomize.js';
import { schemaProblems } from '../src/manifest-schemas.js';

const rendered = {
  base: renderKustomization(`${K8S_ROOT}/base`),
  'single-redis': renderKustomization(`${K8S_ROOT}/overlays/single-redis`),
  'redis-cluster': renderKustomization(`${K8S_ROOT}/overlays/redis-cluster`),
};

// biome-ignore lint/suspicious/noExplicitAny: the tests break manifests at arbitrary paths
type AnyManifest = any;

function mutated(objects: KubeObject[], kind: string, change: (object: AnyManifest) => void) {
  const copy = structuredClone(objects);
  const target = copy.find((object) => object.kind === kind);
  if (!target) throw new Error(`no ${kind}`);
  change(target);
  return copy;
}

describe('the manifests against the Kubernetes and KEDA schemas', () => {
  it.each(Object.entries(rendered))('%s: every object is valid', (_name, objects) => {
    expect(objects.map((object) => object.kind).sort()).toEqual(
      expect.arrayContaining([
        'ConfigMap',
        'Deployment',
        'PodDisruptionBudget',
        'ScaledObject',
        'Service',
        'StatefulSet',
      ]),
    );
    expect(schemaProblems(objects)).toEqual([]);
  });

  const objects = rendered['single-redis'];

  it('refuses an unknown field, wherever it is (a typo like selectr)', () => {
    const problems = schemaProblems(
      mutated(objects, 'StatefulSet', (set) => {
        set.spec.selectr = set.spec.selector;
        set.spec.template.spec.containers[0].readinesProbe = {};
      }),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^StatefulSet redstream\/consumer at spec\.selectr: unknown field "selectr"/,
    );
    expect(problems[1]).toMatch(
      /at spec\.template\.spec\.containers\.readinesProbe: unknown field "readinesProbe"/,
    );
    const keda = schemaProblems(
      mutated(objects, 'ScaledObject', (scaled) => {
        scaled.spec.maxReplicas = 8;
        scaled.spec.triggers[0].metadata.serverAdress = 'http://prometheus:9090';
      }),
    );
    expect(keda).toEqual([
      expect.stringMatching(/^ScaledObject redstream\/consumer at spec\.maxReplicas: /),
      'ScaledObject redstream/consumer at spec.triggers.0.metadata: unknown prometheus trigger field "serverAdress"',
    ]);
  });

  it('refuses wrong types, missing required fields and kinds without a schema', () => {
    const wrongType = schemaProblems(
      mutated(objects, 'Deployment', (deployment) => {
        deployment.spec.replicas = 'two';
      }),
    );
    expect(wrongType.some((problem) => problem.startsWith('Deployment redstream/producer'))).toBe(
      true,
    );
    const missing = schemaProblems(
      mutated(objects, 'ScaledObject', (scaled) => {
        delete scaled.spec.scaleTargetRef;
      }),
    );
    expect(missing.join('\n')).toMatch(/scaleTargetRef/);
    expect(
      schemaProblems([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]),
    ).toEqual(['Widget w: no schema for example.com/v1 Widget']);
  });
});
