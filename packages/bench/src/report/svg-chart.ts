/**
 * A tiny self-contained SVG chart writer for the bench's plots: one value axis, categories
 * along x (partition counts, replica counts, payload sizes), one line or one group of bars per
 * series. No scripts, no external fonts or styles, so the files render as images in Markdown.
 */

export interface ChartSeries {
  name: string;
  /** One value per category; null where the series was not measured. */
  values: ReadonlyArray<number | null>;
}

export interface ChartSpec {
  title: string;
  /** What the categories are (`partitions`, `payload`). */
  xLabel: string;
  /** What the values are, with the unit (`us of CPU per event`). */
  yLabel: string;
  categories: readonly string[];
  series: readonly ChartSeries[];
}

const WIDTH = 640;
const HEIGHT = 360;
const MARGIN = { top: 40, right: 170, bottom: 50, left: 70 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

/** A line per series over the categories (points joined where both are measured). */
export function lineChart(spec: ChartSpec): string {
  return chart(spec, (plot) => {
    const parts: string[] = [];
    spec.series.forEach((series, s) => {
      const color = COLORS[s % COLORS.length]!;
      const points = series.values.map((value, c) =>
        value === null || !Number.isFinite(value) ? null : ([plot.x(c), plot.y(value)] as const),
      );
      let path = '';
      points.forEach((point, c) => {
        if (!point) return;
        path += `${path && points[c - 1] ? 'L' : 'M'}${fmt(point[0])},${fmt(point[1])}`;
      });
      if (path) parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
      for (const point of points) {
        if (point)
          parts.push(
            `<circle cx="${fmt(point[0])}" cy="${fmt(point[1])}" r="3.5" fill="${color}"/>`,
          );
      }
    });
    return parts.join('\n');
  });
}

/** A group of bars per category, one bar per series. */
export function barChart(spec: ChartSpec): string {
  return chart(spec, (plot) => {
    const parts: string[] = [];
    const groupWidth = plot.step * 0.7;
    const barWidth = groupWidth / Math.max(1, spec.series.length);
    spec.series.forEach((series, s) => {
      const color = COLORS[s % COLORS.length]!;
      series.values.forEach((value, c) => {
        if (value === null || !Number.isFinite(value)) return;
        const x = plot.x(c) - groupWidth / 2 + s * barWidth;
        const y = plot.y(value);
        parts.push(
          `<rect class="bar" x="${fmt(x)}" y="${fmt(y)}" width="${fmt(barWidth - 1)}" height="${fmt(plot.y(0) - y)}" fill="${color}"/>`,
        );
      });
    });
    return parts.join('\n');
  });
}

interface Plot {
  /** Centre of category `c`. */
  x(c: number): number;
  y(value: number): number;
  /** Distance between category centres. */
  step: number;
}

function chart(spec: ChartSpec, marks: (plot: Plot) => string): string {
  const values = spec.series.flatMap((series) =>
    series.values.filter((v): v is number => v !== null && Number.isFinite(v)),
  );
  const ticks = niceTicks(0, Math.max(0, ...values));
  const top = ticks[ticks.length - 1]!;
  const innerWidth = WIDTH - MARGIN.left - MARGIN.right;
  const innerHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const step = innerWidth / Math.max(1, spec.categories.length);
  const plot: Plot = {
    x: (c) => MARGIN.left + step * (c + 0.5),
    y: (value) => MARGIN.top + innerHeight - (top === 0 ? 0 : (value / top) * innerHeight),
    step,
  };
  const bottom = MARGIN.top + innerHeight;
  const right = MARGIN.left + innerWidth;
  const grid = ticks
    .map((tick) => {
      const y = fmt(plot.y(tick));
      return `<line x1="${MARGIN.left}" y1="${y}" x2="${right}" y2="${y}" stroke="#ddd"/><text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatTick(tick))}</text>`;
    })
    .join('\n');
  const categories = spec.categories
    .map(
      (name, c) =>
        `<text x="${fmt(plot.x(c))}" y="${bottom + 18}" text-anchor="middle">${escapeXml(name)}</text>`,
    )
    .join('\n');
  const legend = spec.series
    .map((series, s) => {
      const y = MARGIN.top + 8 + s * 20;
      return `<rect x="${right + 15}" y="${y - 6}" width="12" height="12" fill="${COLORS[s % COLORS.length]}"/><text x="${right + 32}" y="${y}" dominant-baseline="middle">${escapeXml(series.name)}</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12" role="img">
<title>${escapeXml(spec.title)}</title>
<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>
<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>
${grid}
<line x1="${MARGIN.left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>
<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}" stroke="#333"/>
${categories}
<text x="${(MARGIN.left + right) / 2}" y="${HEIGHT - 10}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>
<text transform="translate(16 ${(MARGIN.top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>
${marks(plot)}
${legend}
</svg>
`;
}

/** Round tick values from `min` to at least `max`: 1, 2 or 5 times a power of ten apart. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min, min + 1];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let tick = Math.floor(min / step) * step; tick < max + step; tick += step) {
    ticks.push(Number(tick.toPrecision(12)));
    if (tick >= max) break;
  }
  return ticks;
}

function formatTick(value: number): string {
  if (Math.abs(value) >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (Math.abs(value) >= 1e3) return `${Number((value / 1e3).toPrecision(3))}k`;
  return String(Number(value.toPrecision(3)));
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(value: number): string {
  return String(Math.round(value * 10) / 10);
}
