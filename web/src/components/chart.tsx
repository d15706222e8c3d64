import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Line colours (light, dark) of a chart with several lines, distinct for colour-blind readers. */
const PALETTE: [string, string][] = [
  ['#0b57d0', '#8ab4f8'],
  ['#b35c00', '#ffb86b'],
  ['#1e7b34', '#8fdca6'],
  ['#8e24aa', '#e1a6ef'],
  ['#00796b', '#7fd8cb'],
  ['#5f6368', '#c8ccd2'],
];

/**
 * A time-series line chart (uPlot) over a fixed time range, with the threshold drawn as a dashed
 * line across the whole range (it shows even for a single point) and kept inside the y range.
 * `lines` draws several named lines over the same times instead of the one `values`.
 */
export function LineChart({
  title,
  times,
  values,
  lines,
  threshold,
  range,
  onPick,
}: {
  title: string;
  times: number[];
  values?: (number | null)[];
  lines?: { label: string; values: (number | null)[] }[];
  threshold?: number | null;
  /** The time range shown, in seconds since the epoch (default: the points' own). */
  range?: [number, number];
  /** Called with the index of the point under the cursor when the chart is clicked. */
  onPick?: ((index: number) => void) | undefined;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const pick = useRef(onPick);
  pick.current = onPick;
  const drawn = lines ?? [{ label: 'value', values: values ?? [] }];
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
    const axis = { stroke: dark ? '#c8ccd2' : '#40454d', grid: { stroke: dark ? '#30343a' : '#e3e6ea' } };
    const limit = threshold ?? null;
    const thresholdColor = dark ? '#ffaaa8' : '#a1161a';
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 220,
        scales: {
          x: { time: true, ...(range ? { range: () => range } : {}) },
          y: {
            range: (_u, min, max) => {
              const lo = Math.min(0, min ?? 0, limit ?? 0);
              const hi = Math.max(max ?? 0, limit ?? 0);
              return [lo, hi === lo ? lo + 1 : hi * 1.1];
            },
          },
        },
        series: [
          {},
          ...drawn.map((line, i) => ({
            label: line.label,
            stroke: PALETTE[i % PALETTE.length]![dark ? 1 : 0],
            width: 2,
            points: { show: times.length < 60 },
          })),
        ],
        axes: [axis, axis],
        legend: { show: true },
        hooks: {
          draw: [
            (u) => {
              if (limit === null) return;
              const y = u.valToPos(limit, 'y', true);
              const ctx = u.ctx;
              ctx.save();
              ctx.strokeStyle = thresholdColor;
              ctx.lineWidth = 1.5 * devicePixelRatio;
              ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
              ctx.beginPath();
              ctx.moveTo(u.bbox.left, y);
              ctx.lineTo(u.bbox.left + u.bbox.width, y);
              ctx.stroke();
              ctx.restore();
            },
          ],
        },
      },
      [times, ...drawn.map((line) => line.values)],
      el,
    );
    const click = () => {
      const i = plot.cursor.idx;
      if (i !== null && i !== undefined && pick.current) pick.current(i);
    };
    plot.over.addEventListener('click', click);
    const resize = () => plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.over.removeEventListener('click', click);
      plot.destroy();
    };
  }, [times, values, lines, threshold, range?.[0], range?.[1]]);
  return (
    <figure class="chart-figure">
      <figcaption>
        {title}
        {threshold !== null && threshold !== undefined ? (
          <span class="muted small"> · threshold {Number(threshold.toPrecision(4))} (dashed)</span>
        ) : null}
      </figcaption>
      <div
        ref={ref}
        class={onPick ? 'chart pickable' : 'chart'}
        role="img"
        aria-label={`${title}: ${times.length} points over time${lines ? ` for ${lines.map((l) => l.label).join(', ')}` : ''}`}
      />
    </figure>
  );
}
