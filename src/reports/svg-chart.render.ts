import { escapeHtml } from './html-page.render.js';
import { formatStatistic } from './value.format.js';

const WIDTH = 520;
const HEIGHT = 250;
const MARGIN = { top: 26, right: 14, bottom: 50, left: 50 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

/** Two distributions to compare, as shares of each side's non-missing values. */
export interface ComparedShares {
  readonly reference: readonly number[];
  readonly current: readonly number[];
}

const round = (value: number) => Math.round(value * 10) / 10;

function svgOpen(label: string): string {
  return `<svg class="chart-svg" role="img" aria-label="${escapeHtml(label)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(label)}</title>`;
}

function legend(entries: readonly { name: string; className: string }[]): string {
  return entries
    .map(
      (entry, i) =>
        `<rect class="${entry.className}" x="${MARGIN.left + i * 110}" y="6" width="12" height="12" fill-opacity="0.75"/><text x="${MARGIN.left + i * 110 + 17}" y="16">${escapeHtml(entry.name)}</text>`,
    )
    .join('');
}

/** Horizontal grid lines and labels of a y axis from 0 to `max`. */
function yAxis(max: number, format: (value: number) => string): string {
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const value = (max * i) / 4;
    const y = round(MARGIN.top + PLOT_H - (PLOT_H * i) / 4);
    parts.push(`<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${y}" y2="${y}"/>`);
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end">${escapeHtml(format(value))}</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_H}"/>`,
  );
  parts.push(
    `<line class="axis" x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${MARGIN.top + PLOT_H}" y2="${MARGIN.top + PLOT_H}"/>`,
  );
  return parts.join('');
}

/** The smallest "nice" axis top (4 steps of 1, 2, 2.5 or 5 × 10^k) at or above the largest share. */
function shareMax(shares: ComparedShares): number {
  const max = Math.max(0, ...shares.reference, ...shares.current);
  if (max === 0) return 1;
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw * (1 - 1e-12))!;
  return Math.min(1, step * 4);
}

const percentTick = (value: number) => `${Number((value * 100).toFixed(1))}%`;

/**
 * Reference and current histograms on shared bins (`edges` has one more entry than each
 * share array), drawn as overlaid translucent bars.
 */
export function renderHistogramChart(
  label: string,
  edges: readonly number[],
  shares: ComparedShares,
  folded: { below: number | null; above: number | null } = { below: null, above: null },
): string {
  const bins = shares.reference.length;
  const max = shareMax(shares);
  // The outer bins also hold the folded tails, so their range is open on that side.
  const binText = (i: number) =>
    i === 0 && folded.below !== null
      ? `below ${formatStatistic(edges[1])}`
      : i === bins - 1 && folded.above !== null
        ? `${formatStatistic(edges[i])} and above`
        : `${formatStatistic(edges[i])} – ${formatStatistic(edges[i + 1])}`;
  const barWidth = PLOT_W / Math.max(1, bins);
  const bars = (values: readonly number[], className: string) =>
    values
      .map((value, i) => {
        const h = round((value / max) * PLOT_H);
        return `<rect class="${className}" fill-opacity="0.5" stroke-width="0.6" x="${round(MARGIN.left + i * barWidth + 0.5)}" y="${round(MARGIN.top + PLOT_H - h)}" width="${round(Math.max(0.5, barWidth - 1))}" height="${h}"><title>${escapeHtml(`${binText(i)}: ${percentTick(value)}`)}</title></rect>`;
      })
      .join('');
  const tickEvery = Math.max(1, Math.ceil(bins / 5));
  const ticks: string[] = [];
  for (let i = 0; i <= bins; i += tickEvery) {
    const x = round(MARGIN.left + i * barWidth);
    ticks.push(
      `<line class="axis" x1="${x}" x2="${x}" y1="${MARGIN.top + PLOT_H}" y2="${MARGIN.top + PLOT_H + 4}"/>`,
    );
    const anchor = i === 0 ? 'start' : i + tickEvery > bins ? 'end' : 'middle';
    ticks.push(
      `<text x="${x}" y="${MARGIN.top + PLOT_H + 17}" text-anchor="${anchor}">${escapeHtml(formatStatistic(edges[i]))}</text>`,
    );
  }
  return [
    svgOpen(label),
    legend([
      { name: 'reference', className: 'ref' },
      { name: 'current', className: 'cur' },
    ]),
    yAxis(max, percentTick),
    bars(shares.reference, 'ref'),
    bars(shares.current, 'cur'),
    ticks.join(''),
    '</svg>',
  ].join('');
}

/** Reference and current shares per category, as side-by-side bars. */
export function renderCategoryChart(
  label: string,
  categories: readonly string[],
  shares: ComparedShares,
): string {
  const max = shareMax(shares);
  const groupWidth = PLOT_W / Math.max(1, categories.length);
  const barWidth = Math.max(1, Math.min(28, (groupWidth - 4) / 2));
  const rotate = categories.length > 6;
  const parts: string[] = [];
  categories.forEach((category, i) => {
    const center = MARGIN.left + (i + 0.5) * groupWidth;
    const pair: [string, number][] = [
      ['ref', shares.reference[i] ?? 0],
      ['cur', shares.current[i] ?? 0],
    ];
    pair.forEach(([className, value], j) => {
      const h = round((value / max) * PLOT_H);
      const x = round(center - barWidth + j * barWidth);
      parts.push(
        `<rect class="${className}" fill-opacity="0.8" x="${x}" y="${round(MARGIN.top + PLOT_H - h)}" width="${round(barWidth - 1)}" height="${h}"><title>${escapeHtml(`${category} (${className === 'ref' ? 'reference' : 'current'}): ${percentTick(value)}`)}</title></rect>`,
      );
    });
    const shown = category.length > 14 ? `${category.slice(0, 13)}…` : category;
    const y = MARGIN.top + PLOT_H + 14;
    parts.push(
      rotate
        ? `<text x="${round(center)}" y="${y}" text-anchor="end" transform="rotate(-35 ${round(center)} ${y})">${escapeHtml(shown)}</text>`
        : `<text x="${round(center)}" y="${y}" text-anchor="middle">${escapeHtml(shown)}</text>`,
    );
  });
  return [
    svgOpen(label),
    legend([
      { name: 'reference', className: 'ref' },
      { name: 'current', className: 'cur' },
    ]),
    yAxis(max, percentTick),
    parts.join(''),
    '</svg>',
  ].join('');
}

/** A line on the unit square, e.g. a ROC curve or a reliability diagram. */
export interface UnitLine {
  readonly name: string;
  readonly className: 'ref' | 'cur';
  readonly points: readonly (readonly [number, number])[];
  /** Draw a dot at each point (for few, binned points). */
  readonly dots?: boolean;
}

/** Lines on [0, 1] × [0, 1] with the dashed diagonal, axis titles and a legend. */
export function renderUnitLineChart(
  label: string,
  lines: readonly UnitLine[],
  xTitle: string,
  yTitle: string,
): string {
  const x = (value: number) => round(MARGIN.left + value * PLOT_W);
  const y = (value: number) => round(MARGIN.top + PLOT_H - value * PLOT_H);
  const parts: string[] = [svgOpen(label), legend(lines), yAxis(1, (value) => value.toFixed(2))];
  for (let i = 0; i <= 4; i++) {
    parts.push(
      `<text x="${x(i / 4)}" y="${MARGIN.top + PLOT_H + 16}" text-anchor="middle">${(i / 4).toFixed(2)}</text>`,
    );
  }
  parts.push(
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#9aa5b1" stroke-dasharray="4 4"/>`,
  );
  for (const line of lines) {
    const path = line.points.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${x(px)},${y(py)}`).join('');
    parts.push(`<path class="${line.className} line" d="${path}" stroke-width="2"/>`);
    if (line.dots) {
      for (const [px, py] of line.points)
        parts.push(`<circle class="${line.className}" cx="${x(px)}" cy="${y(py)}" r="3"/>`);
    }
  }
  parts.push(
    `<text x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 8}" text-anchor="middle">${escapeHtml(xTitle)}</text>`,
  );
  parts.push(
    `<text x="14" y="${MARGIN.top + PLOT_H / 2}" text-anchor="middle" transform="rotate(-90 14 ${MARGIN.top + PLOT_H / 2})">${escapeHtml(yTitle)}</text>`,
  );
  parts.push('</svg>');
  return parts.join('');
}

/** Up to 5 evenly spaced "nice" ticks (1, 2, 2.5 or 5 × 10^k apart) covering [min, max]. */
function niceTicks(min: number, max: number): number[] {
  if (!(max > min)) return [min - 1, min, min + 1];
  const raw = (max - min) / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw * (1 - 1e-12))!;
  const first = Math.floor(min / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let value = first; value < max + step * (1 - 1e-9); value += step) ticks.push(value);
  if (ticks.length < 2) ticks.push(first + step);
  return ticks;
}

/**
 * A scatter plot of (x, y) points on one shared range for both axes, with the dashed
 * diagonal y = x (for predicted against actual values: the line of perfect prediction).
 */
export function renderDiagonalScatterChart(
  label: string,
  points: readonly (readonly [number, number])[],
  range: { readonly min: number; readonly max: number },
  xTitle: string,
  yTitle: string,
): string {
  const ticks = niceTicks(range.min, range.max);
  const low = ticks[0]!;
  const high = ticks[ticks.length - 1]!;
  const x = (value: number) => round(MARGIN.left + ((value - low) / (high - low)) * PLOT_W);
  const y = (value: number) => round(MARGIN.top + PLOT_H - ((value - low) / (high - low)) * PLOT_H);
  const parts: string[] = [svgOpen(label), legend([{ name: 'row (actual, predicted)', className: 'cur' }])];
  for (const tick of ticks) {
    const text = escapeHtml(formatStatistic(Number(tick.toPrecision(12))));
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${y(tick)}" y2="${y(tick)}"/>`,
      `<text x="${MARGIN.left - 6}" y="${y(tick) + 4}" text-anchor="end">${text}</text>`,
      `<text x="${x(tick)}" y="${MARGIN.top + PLOT_H + 16}" text-anchor="middle">${text}</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_H}"/>`,
    `<line class="axis" x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${MARGIN.top + PLOT_H}" y2="${MARGIN.top + PLOT_H}"/>`,
    `<line class="diagonal" x1="${x(low)}" y1="${y(low)}" x2="${x(high)}" y2="${y(high)}" stroke="#9aa5b1" stroke-dasharray="4 4"/>`,
  );
  for (const [px, py] of points)
    parts.push(`<circle class="cur" fill-opacity="0.55" cx="${x(px)}" cy="${y(py)}" r="2.5"/>`);
  parts.push(
    `<text x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 8}" text-anchor="middle">${escapeHtml(xTitle)}</text>`,
    `<text x="14" y="${MARGIN.top + PLOT_H / 2}" text-anchor="middle" transform="rotate(-90 14 ${MARGIN.top + PLOT_H / 2})">${escapeHtml(yTitle)}</text>`,
    '</svg>',
  );
  return parts.join('');
}
