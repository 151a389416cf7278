import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  unit: string;
  color: string;
  /** Which y axis: entries on the left, seconds on the right. */
  scale: 'left' | 'right';
}

/**
 * A time series chart (uPlot: 50 KB, canvas, draws thousands of points in a millisecond).
 * `data[0]` are times in seconds, then one array per series. Sized to its container.
 */
export function TimeChart({
  series,
  data,
  height = 220,
  label,
  sparkline = false,
}: {
  series: ChartSeries[];
  data: number[][];
  height?: number;
  label: string;
  sparkline?: boolean;
}) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const key = series.map((s) => s.label).join('|');

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const scales = new Set(series.map((s) => s.scale));
    const axes: uPlot.Axis[] = sparkline
      ? [{ show: false }, { show: false }]
      : [
          { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' } },
          ...[...scales].map(
            (scale): uPlot.Axis => ({
              scale,
              side: scale === 'left' ? 3 : 1,
              stroke: 'currentColor',
              grid: { show: scale === 'left', stroke: 'rgba(128,128,128,0.2)' },
              label: series
                .filter((s) => s.scale === scale)
                .map((s) => s.unit)
                .join(', '),
              size: 60,
            }),
          ),
        ];
    const options: uPlot.Options = {
      width: element.clientWidth || 300,
      height,
      legend: { show: !sparkline },
      cursor: { show: !sparkline },
      scales: { x: { time: true } },
      axes,
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          scale: s.scale,
          // A sparkline is a line only: point markers at its bottom edge would be cut in half.
          points: { show: !sparkline },
          value: (_u: uPlot, v: number | null) =>
            v === null ? '–' : `${v.toFixed(s.unit === 's' ? 1 : 0)} ${s.unit}`,
        })),
      ],
    };
    const plot = new uPlot(options, data as uPlot.AlignedData, element);
    chart.current = plot;
    const resize = new ResizeObserver(() => plot.setSize({ width: element.clientWidth, height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
      chart.current = null;
    };
    // Rebuilt only when the series change; new data goes through setData below.
  }, [key, height, sparkline]);

  useEffect(() => {
    chart.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  return (
    <div class={sparkline ? 'sparkline' : 'chart'} ref={container} role="img" aria-label={label} />
  );
}
