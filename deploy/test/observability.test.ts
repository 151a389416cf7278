import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConsumerMetrics } from '../../packages/stream-client/src/consumer/consumer-metrics.js';
import { ConsumerServiceMetrics } from '../../services/consumer/src/consumer-service-metrics.js';
import { ProducerMetrics } from '../../services/producer/src/producer-metrics.js';
import { K8S_ROOT, type KubeObject, renderKustomization } from '../src/kustomize.js';
import { exposedSeries, parsePromql } from '../src/promql-metrics.js';

const deployDir = fileURLToPath(new URL('..', import.meta.url));
const rulesFile = `${deployDir}prometheus/redstream-alerts.yaml`;
const rulesTestFile = `${deployDir}prometheus/redstream-alerts.test.yaml`;
const dashboardFile = `${deployDir}grafana/redstream-dashboard.json`;

/** Labels Prometheus adds when it scrapes (and `le` of histogram buckets), on every series. */
const SCRAPE_LABELS = ['instance', 'job', 'pod', 'namespace', 'le'];

/**
 * Every series the services export, with its label names: the registries the code builds
 * (the stream client's subscription metrics, the consumer service's lag gauges and handler
 * outcomes, the producer's), read back from prom-client rather than from a list kept here.
 */
function seriesInCode(): Map<string, Set<string>> {
  const consumer = new ConsumerServiceMetrics({ defaultMetrics: false });
  new ConsumerMetrics(consumer.registry, { topic: 't', group: 'g' });
  const registries: Registry[] = [
    consumer.registry,
    new ProducerMetrics({ defaultMetrics: false }).registry,
  ];
  const series = new Map<string, Set<string>>();
  for (const registry of registries) {
    for (const metric of registry.getMetricsAsArray()) {
      const labels = (metric as unknown as { labelNames: string[] }).labelNames;
      const type = (metric as unknown as { type: string }).type;
      for (const name of exposedSeries({ name: metric.name, type }))
        series.set(name, new Set([...labels, ...SCRAPE_LABELS]));
    }
  }
  return series;
}

const inCode = seriesInCode();

/** What is wrong with a query: parse errors, metrics the code does not export, labels they lack. */
function queryProblems(expression: string): string[] {
  const { selectors, errors } = parsePromql(expression);
  const problems = errors.map((error) => `does not parse at ${error}`);
  for (const { metric, labels } of selectors) {
    const known = inCode.get(metric);
    if (!known) {
      problems.push(`unknown metric ${metric}`);
      continue;
    }
    for (const label of labels)
      if (!known.has(label)) problems.push(`${metric} has no label ${label}`);
  }
  if (selectors.length === 0) problems.push('selects no metric');
  return problems;
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rules = (
  parse(readFileSync(rulesFile, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> }
).groups.flatMap((group) => group.rules);

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Array<{ refId: string; expr: string }>;
}

const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; definition?: string }> };
};

describe('metric names against the code', () => {
  it('finds what the services export', () => {
    expect(inCode.get('redstream_consumer_lag_seconds')).toContain('partition');
    expect(inCode.has('redstream_consumer_handler_duration_seconds_bucket')).toBe(true);
    expect(inCode.has('redstream_producer_requests_rejected_total')).toBe(true);
  });

  it('fails on an unknown metric, a label the metric lacks, and a query that does not parse', () => {
    expect(queryProblems('max by (partition) (redstream_consumer_lag_secs) > 60')).toEqual([
      'unknown metric redstream_consumer_lag_secs',
    ]);
    expect(queryProblems('redstream_consumer_lag_seconds{partiton="1"}')).toEqual([
      'redstream_consumer_lag_seconds has no label partiton',
    ]);
    expect(queryProblems('sum(rate(redstream_consumer_handled_total[5m])')[0]).toMatch(
      /^does not parse/,
    );
  });
});

describe('deploy/prometheus alert rules', () => {
  it.each(rules.map((rule) => [rule.alert, rule] as const))(
    '%s: a valid query over metrics the code exports',
    (_name, rule) => {
      expect(
        Object.keys(rule).filter(
          (key) => !['alert', 'expr', 'for', 'labels', 'annotations'].includes(key),
        ),
      ).toEqual([]);
      expect(queryProblems(rule.expr)).toEqual([]);
      expect(rule.for ?? '0m').toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary).toBeTruthy();
    },
  );

  it('covers lag in seconds for 5 minutes, dead letters, unowned partitions, rebalance storms and producer 503s', () => {
    const byName = new Map(rules.map((rule) => [rule.alert, rule]));
    expect(byName.get('RedstreamConsumerLagHigh')).toMatchObject({ for: '5m' });
    expect(byName.get('RedstreamConsumerLagHigh')?.expr).toContain(
      'redstream_consumer_lag_seconds',
    );
    expect(byName.get('RedstreamDeadLettersIncreasing')?.expr).toContain(
      'redstream_consumer_dead_lettered_total',
    );
    expect(byName.get('RedstreamPartitionWithoutOwner')?.expr).toContain(
      'redstream_consumer_owned_partitions',
    );
    expect(byName.get('RedstreamRebalanceStorm')?.expr).toContain(
      'redstream_consumer_rebalances_total',
    );
    expect(byName.get('RedstreamProducerRedisUnavailable')?.expr).toContain(
      'reason="redis-unavailable"',
    );
  });

  // promtool comes with Debian's prometheus package; CI installs it (.ci/run).
  const promtool = spawnSync('promtool', ['--version']).status === 0;
  it.runIf(promtool || process.env.CI)('pass promtool check rules and the alert unit tests', () => {
    expect(execFileSync('promtool', ['check', 'rules', rulesFile], { encoding: 'utf8' })).toContain(
      `SUCCESS: ${rules.length} rules found`,
    );
    expect(
      execFileSync('promtool', ['test', 'rules', rulesTestFile], { encoding: 'utf8' }),
    ).toContain('SUCCESS');
  });
});

describe('deploy/grafana dashboard', () => {
  const panels = dashboard.panels.filter((panel) => panel.type !== 'row');

  it('has a uid, unique panel ids and a grid position per panel', () => {
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
    }
  });

  it.each(panels.map((panel) => [panel.title, panel] as const))(
    '%s: valid queries over metrics the code exports',
    (_title, panel) => {
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(queryProblems(target.expr)).toEqual([]);
    },
  );

  it('shows throughput in and out, lag in entries and seconds, handler duration, dead letters by reason, rebalances and owned partitions', () => {
    const used = new Set(
      panels.flatMap((panel) => (panel.targets ?? []).flatMap((t) => parsePromql(t.expr).metrics)),
    );
    for (const metric of [
      'redstream_producer_events_accepted_total',
      'redstream_consumer_handled_total',
      'redstream_consumer_lag_entries',
      'redstream_consumer_lag_seconds',
      'redstream_consumer_handler_duration_seconds_bucket',
      'redstream_consumer_dead_lettered_total',
      'redstream_consumer_rebalances_total',
      'redstream_consumer_owned_partitions',
    ])
      expect(used, metric).toContain(metric);
  });

  it('fills its variables from metrics the code exports', () => {
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
      const [, query] = /^label_values\((.+), *\w+\)$/.exec(variable.definition ?? '') ?? [];
      expect(query, variable.name).toBeDefined();
      expect(queryProblems(query ?? '')).toEqual([]);
    }
  });
});

describe('the KEDA trigger query', () => {
  it('is a valid query over the lag gauge', () => {
    const objects = renderKustomization(`${K8S_ROOT}/base`);
    const scaled = objects.find((object) => object.kind === 'ScaledObject') as KubeObject & {
      spec: { triggers: Array<{ metadata: { query: string } }> };
    };
    const query = scaled.spec.triggers[0]?.metadata.query ?? '';
    expect(queryProblems(query)).toEqual([]);
    expect(parsePromql(query).metrics).toEqual(['redstream_consumer_lag_entries']);
  });
});
