import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** A time-series line chart (uPlot) with an optional dashed threshold line. */
export function LineChart({
  title,
  times,
  values,
  threshold,
}: {
  title: string;
  times: number[];
  values: (number | null)[];
  threshold?: number | null;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
    const axis = { stroke: dark ? '#c8ccd2' : '#40454d', grid: { stroke: dark ? '#30343a' : '#e3e6ea' } };
    const data: uPlot.AlignedData = [times, values, times.map(() => threshold ?? null)];
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 220,
        series: [
          {},
          {
            label: 'value',
            stroke: dark ? '#8ab4f8' : '#0b57d0',
            width: 2,
            points: { show: times.length < 60 },
          },
          {
            label: 'threshold',
            stroke: dark ? '#ffaaa8' : '#a1161a',
            dash: [6, 4],
            width: 1.5,
            points: { show: false },
          },
        ],
        axes: [axis, axis],
        legend: { show: true },
      },
      data,
      el,
    );
    const resize = () => plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [times, values, threshold]);
  return (
    <figure class="chart-figure">
      <figcaption>{title}</figcaption>
      <div ref={ref} class="chart" role="img" aria-label={`${title}: ${values.length} points over time`} />
    </figure>
  );
}
