import { parser } from '@prometheus-io/lezer-promql';

export interface ParsedQuery {
  /** Metric names the query selects (`rate(x_total[5m])` -> `x_total`). */
  metrics: string[];
  /** Each selector's metric and the label names its matchers use (`x{topic="a"}` -> topic). */
  selectors: Array<{ metric: string; labels: string[] }>;
  /** Where the parser could not go on, as `offset: text`; empty for a valid query. */
  errors: string[];
}

/**
 * Parses a PromQL expression with the Prometheus UI's own parser (lezer-promql) and lists the
 * metric names it selects. Grafana's variables are replaced first by values of the right
 * kind (`$__rate_interval` by a duration, `$topic` inside a matcher stays a string).
 */
export function parsePromql(expression: string): ParsedQuery {
  const query = expression
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$__interval', '1m')
    .replaceAll('$__range', '1h');
  const selectors: ParsedQuery['selectors'] = [];
  const errors: string[] = [];
  parser.parse(query).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`${node.from}: ${query.slice(node.from, node.from + 20)}`);
      if (node.name !== 'VectorSelector') return;
      const identifier = node.node.getChild('Identifier');
      if (!identifier) return;
      const labels: string[] = [];
      const matchers = node.node.getChild('LabelMatchers');
      matchers?.cursor().iterate((inner) => {
        if (inner.name === 'LabelName') labels.push(query.slice(inner.from, inner.to));
      });
      selectors.push({ metric: query.slice(identifier.from, identifier.to), labels });
    },
  });
  const metrics = [...new Set(selectors.map((selector) => selector.metric))];
  return { metrics, selectors, errors };
}

/** The series names a prom-client metric exposes: a histogram's `_bucket`, `_sum`, `_count`. */
export function exposedSeries(metric: { name: string; type: string }): string[] {
  if (metric.type === 'histogram')
    return ['_bucket', '_sum', '_count'].map((suffix) => `${metric.name}${suffix}`);
  if (metric.type === 'summary') return [metric.name, `${metric.name}_sum`, `${metric.name}_count`];
  return [metric.name];
}
