import type { Column, ColumnDriftResult } from '../stats/types.js';
import { categoryShares, histogramShares } from './chart.data.js';
import type { ComparedColumns, DriftReport } from './drift.report.js';
import { escapeHtml, renderHtmlPage, renderHtmlTable, type HtmlCell } from './html-page.render.js';
import { renderCategoryChart, renderHistogramChart } from './svg-chart.render.js';
import { formatTextTable } from './text-table.format.js';
import { formatCount, formatPercent, formatStatistic } from './value.format.js';

const HEADERS = [
  'column',
  'type',
  'method',
  'statistic',
  'p-value',
  'threshold',
  'drifted',
  'missing (ref / cur)',
];

function verdict(column: ColumnDriftResult): string {
  if (column.status !== 'ok') return 'n/a';
  return column.drifted ? 'DRIFTED' : 'no';
}

function statisticText(column: ColumnDriftResult): string {
  const statistic = formatStatistic(column.statistic);
  return column.distance !== undefined ? `${statistic} (raw ${formatStatistic(column.distance)})` : statistic;
}

function summaryLine(report: DriftReport): string {
  const tested = report.columns.filter((c) => c.status === 'ok').length;
  const drifted = report.columns.filter((c) => c.drifted).length;
  return `Dataset drift: ${report.datasetDrift ? 'YES' : 'no'} (${drifted} of ${tested} tested columns drifted, ${formatPercent(report.driftedShare)}; the dataset drifts at ${formatPercent(report.driftShareThreshold)})`;
}

function notes(report: DriftReport): string[] {
  const lines: string[] = [];
  for (const column of report.columns) {
    if (column.status !== 'ok') lines.push(`${column.name}: not tested: ${column.reason ?? column.status}`);
    if (column.infinite) {
      lines.push(
        `${column.name}: ±Infinity values excluded: ${formatCount(column.infinite.reference)} in reference, ${formatCount(column.infinite.current)} in current`,
      );
    }
    if (column.newCategories && column.newCategories.length > 0) {
      const shown = column.newCategories.slice(0, 10).join(', ');
      lines.push(
        `${column.name}: new categories in current: ${shown}${column.newCategories.length > 10 ? ', …' : ''}`,
      );
    }
  }
  const { onlyInReference, onlyInCurrent, typeChanged } = report.schema;
  if (onlyInReference.length > 0)
    lines.push(`only in reference (not compared): ${onlyInReference.join(', ')}`);
  if (onlyInCurrent.length > 0) lines.push(`only in current (not compared): ${onlyInCurrent.join(', ')}`);
  if (typeChanged.length > 0)
    lines.push(
      `text in the reference, numbers in the current file (compared as categorical): ${typeChanged.join(', ')}`,
    );
  return lines;
}

/** The human-readable output of `warden drift`. */
export function renderDriftText(report: DriftReport, referenceName: string, currentName: string): string {
  const rows = report.columns.map((column) => [
    column.name,
    column.type,
    column.method,
    statisticText(column),
    formatStatistic(column.pValue),
    formatStatistic(column.threshold),
    verdict(column),
    `${formatCount(column.missing.reference)} / ${formatCount(column.missing.current)}`,
  ]);
  const lines = [
    `Drift of ${currentName} (${formatCount(report.rows.current)} rows) against ${referenceName} (${formatCount(report.rows.reference)} rows)`,
    '',
    formatTextTable(HEADERS, rows, ['left', 'left', 'left', 'right', 'right', 'right', 'left', 'right']),
    '',
    summaryLine(report),
    ...notes(report),
  ];
  return lines.join('\n') + '\n';
}

/** The chart of one compared column, and a sentence for its caption when the chart needs one. */
export interface ColumnChart {
  readonly svg: string;
  readonly note: string;
}

/** The charts of compared columns, in report order. */
export function columnCharts(compared: ComparedColumns): ColumnChart[] {
  return compared.reference.map((ref, index) => columnChart(ref, compared.current[index]!));
}

/** The chart of one column (reference and current side), and its caption note. */
export function columnChart(ref: Column, cur: Column): ColumnChart {
  if (ref.kind === 'numeric' && cur.kind === 'numeric') {
    const data = histogramShares(ref, cur);
    const { below, above } = data.folded;
    const tails = [
      below !== null ? `values below ${formatStatistic(below)} are counted in the first bar` : '',
      above !== null ? `values above ${formatStatistic(above)} in the last` : '',
    ].filter(Boolean);
    return {
      svg: renderHistogramChart(
        `${ref.name}: reference vs current distribution`,
        data.edges,
        data,
        data.folded,
      ),
      note: tails.length > 0 ? ` Long tails: ${tails.join(', ')} (the outer 1 % of both files).` : '',
    };
  }
  if (ref.kind === 'categorical' && cur.kind === 'categorical') {
    const data = categoryShares(ref, cur);
    return {
      svg: renderCategoryChart(`${ref.name}: reference vs current categories`, data.categories, data),
      note: '',
    };
  }
  return { svg: '', note: '' };
}

/** The self-contained HTML report of `warden drift --html`: summary, results table, one chart per column. */
export function renderDriftHtml(
  report: DriftReport,
  charts: readonly ColumnChart[],
  referenceName: string,
  currentName: string,
): string {
  const drifted = report.columns.filter((c) => c.drifted).length;
  const parts: string[] = [
    '<h1>Data drift report</h1>',
    `<p class="meta">${escapeHtml(currentName)} (current) against ${escapeHtml(referenceName)} (reference)</p>`,
    `<div class="summary">
<div><b class="dataset-verdict ${report.datasetDrift ? 'drifted' : 'stable'}">${report.datasetDrift ? 'Dataset drift detected' : 'No dataset drift'}</b><span>drifts when ≥ ${escapeHtml(formatPercent(report.driftShareThreshold))} of columns drift</span></div>
<div><b>${drifted} of ${report.columns.length}</b><span>columns drifted (${escapeHtml(formatPercent(report.driftedShare))} of tested)</span></div>
<div><b>${escapeHtml(formatCount(report.rows.reference))}</b><span>reference rows</span></div>
<div><b>${escapeHtml(formatCount(report.rows.current))}</b><span>current rows</span></div>
</div>`,
    '<h2>Results</h2>',
    renderHtmlTable(
      HEADERS,
      report.columns.map((column) => {
        const flag: HtmlCell = { text: verdict(column), className: column.drifted ? 'flag-drifted' : 'flag' };
        return {
          cells: [
            column.name,
            column.type,
            column.method,
            { text: statisticText(column), className: 'num' },
            { text: formatStatistic(column.pValue), className: 'num' },
            { text: formatStatistic(column.threshold), className: 'num' },
            flag,
            {
              text: `${formatCount(column.missing.reference)} / ${formatCount(column.missing.current)}`,
              className: 'num',
            },
          ],
          className: column.drifted ? 'drifted' : '',
          attributes: { 'data-column': column.name },
        };
      }),
    ),
  ];
  const extra = notes(report);
  if (extra.length > 0)
    parts.push(`<ul class="notes">${extra.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`);
  parts.push('<h2>Distributions</h2>', '<div class="charts">');
  report.columns.forEach((column, index) => {
    const badge =
      column.status !== 'ok'
        ? '<span class="badge">not tested</span>'
        : column.drifted
          ? '<span class="badge drifted">drifted</span>'
          : '<span class="badge stable">no drift</span>';
    const chart = charts[index] ?? { svg: '', note: '' };
    parts.push(
      `<figure class="chart" data-column="${escapeHtml(column.name)}"><h3>${escapeHtml(column.name)} ${badge}</h3>${chart.svg}<figcaption>${escapeHtml(`${column.method}: statistic ${statisticText(column)}${column.pValue !== null ? `, p-value ${formatStatistic(column.pValue)}` : ''}; ${column.convention}.${chart.note}`)}</figcaption></figure>`,
    );
  });
  parts.push('</div>');
  return renderHtmlPage(`Warden drift: ${currentName} vs ${referenceName}`, parts.join('\n'));
}
