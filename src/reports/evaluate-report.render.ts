import { calibrationBins } from '../stats/metrics/index.js';
import { predictedVsActualPoints, rocCurvePoints } from './chart.data.js';
import type { EvaluatedData, EvaluationReport, FairnessJson, MetricsJson } from './evaluation.report.js';
import { escapeHtml, renderHtmlPage, renderHtmlTable } from './html-page.render.js';
import { renderDiagonalScatterChart, renderUnitLineChart } from './svg-chart.render.js';
import { formatTextTable } from './text-table.format.js';
import { formatCount, formatStatistic } from './value.format.js';

const METRIC_LABELS: Readonly<Record<string, string>> = {
  accuracy: 'accuracy',
  precision: 'precision',
  recall: 'recall',
  f1: 'F1',
  rocAuc: 'ROC AUC',
  prAuc: 'PR AUC (average precision)',
  logLoss: 'log loss',
  brier: 'Brier score',
  ece: 'expected calibration error',
  mae: 'MAE',
  rmse: 'RMSE',
  mape: 'MAPE (fraction)',
  r2: 'R²',
};

/** Short column titles for the wide per-segment tables. */
const SHORT_LABELS: Readonly<Record<string, string>> = {
  ...METRIC_LABELS,
  prAuc: 'PR AUC',
  logLoss: 'log loss',
  brier: 'Brier',
  ece: 'ECE',
};

function describe(report: EvaluationReport, source: string): string {
  const kind = report.kind === 'regression' ? 'regression' : `${report.kind} classification`;
  // Only a score-based evaluation has a threshold.
  const output = report.threshold !== undefined ? 'score' : 'prediction';
  const excluded =
    report.excluded > 0 ? ` (${formatCount(report.excluded)} left out: missing label or ${output})` : '';
  const threshold = report.threshold !== undefined ? `, threshold ${report.threshold}` : '';
  return `Evaluation of ${source}: ${kind}, ${formatCount(report.n)} rows${excluded}${threshold}`;
}

function metricEntries(metrics: MetricsJson): [string, number | null][] {
  return Object.entries(metrics) as [string, number | null][];
}

function fairnessSummary(fairness: FairnessJson): string[] {
  const passed =
    fairness.fourFifthsRulePassed === null ? 'n/a' : fairness.fourFifthsRulePassed ? 'passed' : 'FAILED';
  return [
    `demographic parity difference ${formatStatistic(fairness.demographicParityDifference)}, ratio ${formatStatistic(fairness.demographicParityRatio)} (four-fifths rule: ${passed})`,
    `equal opportunity difference ${formatStatistic(fairness.equalOpportunityDifference)}, equalized odds difference ${formatStatistic(fairness.equalizedOddsDifference)}`,
  ];
}

/** The human-readable output of `warden evaluate`. */
export function renderEvaluationText(report: EvaluationReport, source: string): string {
  const lines = [describe(report, source), ''];
  lines.push(
    formatTextTable(
      ['metric', 'value'],
      metricEntries(report.metrics).map(([key, value]) => [
        METRIC_LABELS[key] ?? key,
        formatStatistic(value),
      ]),
      ['left', 'right'],
    ),
  );
  if (report.confusion) {
    const { tp, fp, tn, fn } = report.confusion;
    lines.push(
      '',
      `confusion: tp ${formatCount(tp)}  fp ${formatCount(fp)}  tn ${formatCount(tn)}  fn ${formatCount(fn)}`,
    );
  }
  if (report.weighted) {
    const { precision, recall, f1 } = report.weighted;
    lines.push(
      '',
      `weighted by support: precision ${formatStatistic(precision)}  recall ${formatStatistic(recall)}  F1 ${formatStatistic(f1)}`,
    );
  }
  if (report.classes && report.confusionMatrix) {
    const classes = report.classes;
    lines.push('', 'Confusion matrix (rows: actual, columns: predicted)');
    lines.push(
      formatTextTable(
        ['actual', ...classes],
        report.confusionMatrix.map((row, i) => [classes[i]!, ...row.map(formatCount)]),
        ['left', ...classes.map(() => 'right' as const)],
      ),
    );
  }
  if (report.segments) {
    const keys = metricEntries(report.metrics).map(([key]) => key);
    lines.push('', `Segments by '${report.segmentColumn}'`);
    lines.push(
      formatTextTable(
        ['segment', 'n', ...keys.map((key) => SHORT_LABELS[key] ?? key)],
        Object.entries(report.segments).map(([name, segment]) => [
          name,
          formatCount(segment.n),
          ...keys.map((key) =>
            formatStatistic((segment.metrics as unknown as Record<string, number | null>)[key]),
          ),
        ]),
        ['left', 'right', ...keys.map(() => 'right' as const)],
      ),
    );
  }
  if (report.fairness) {
    const fairness = report.fairness;
    lines.push('', `Fairness by '${fairness.column}'`);
    lines.push(
      formatTextTable(
        ['group', 'n', 'selection rate', 'TPR', 'FPR', 'Brier'],
        Object.entries(fairness.groups).map(([name, g]) => [
          name,
          formatCount(g.n),
          formatStatistic(g.selectionRate),
          formatStatistic(g.tpr),
          formatStatistic(g.fpr),
          formatStatistic(g.brier),
        ]),
        ['left', 'right', 'right', 'right', 'right', 'right'],
      ),
      ...fairnessSummary(fairness),
    );
  }
  return lines.join('\n') + '\n';
}

/** The self-contained HTML report of `warden evaluate --html`. */
export function renderEvaluationHtml(report: EvaluationReport, data: EvaluatedData, source: string): string {
  const parts: string[] = [
    `<h1>Model evaluation</h1><p class="meta">${escapeHtml(describe(report, source))}</p>`,
  ];
  parts.push('<h2>Metrics</h2>');
  parts.push(
    renderHtmlTable(
      ['metric', 'value'],
      metricEntries(report.metrics).map(([key, value]) => ({
        cells: [METRIC_LABELS[key] ?? key, { text: formatStatistic(value), className: 'num' }],
        attributes: { 'data-metric': key },
      })),
      'results metrics',
    ),
  );
  if (report.confusion) {
    const { tp, fp, tn, fn } = report.confusion;
    parts.push(
      renderHtmlTable(
        ['', 'predicted positive', 'predicted negative'],
        [
          {
            cells: [
              'actual positive',
              { text: formatCount(tp), className: 'num' },
              { text: formatCount(fn), className: 'num' },
            ],
          },
          {
            cells: [
              'actual negative',
              { text: formatCount(fp), className: 'num' },
              { text: formatCount(tn), className: 'num' },
            ],
          },
        ],
        'results confusion',
      ),
    );
  }
  if (report.classes && report.confusionMatrix) {
    const classes = report.classes;
    parts.push(
      renderHtmlTable(
        ['actual \\ predicted', ...classes],
        report.confusionMatrix.map((row, i) => ({
          cells: [classes[i]!, ...row.map((count) => ({ text: formatCount(count), className: 'num' }))],
        })),
        'results confusion',
      ),
    );
  }
  if (data.labels && data.scores) {
    const roc = rocCurvePoints(data.labels, data.scores);
    const bins = calibrationBins(data.labels, data.scores)
      .filter((bin) => bin.meanScore !== null && bin.positiveRate !== null)
      .map((bin) => [bin.meanScore!, bin.positiveRate!] as [number, number]);
    const charts: string[] = [];
    if (roc.length > 0) {
      charts.push(
        `<figure class="chart" data-chart="roc">${renderUnitLineChart('ROC curve', [{ name: 'ROC curve', className: 'ref', points: roc }], 'false positive rate', 'true positive rate')}<figcaption>ROC AUC ${escapeHtml(formatStatistic((report.metrics as { rocAuc?: number | null }).rocAuc))}; dashed: chance.</figcaption></figure>`,
      );
    }
    charts.push(
      `<figure class="chart" data-chart="calibration">${renderUnitLineChart('Calibration', [{ name: 'observed positive rate', className: 'cur', points: bins, dots: true }], 'mean predicted probability (10 bins)', 'observed positive rate')}<figcaption>Expected calibration error ${escapeHtml(formatStatistic((report.metrics as { ece?: number | null }).ece))}; dashed: perfect calibration.</figcaption></figure>`,
    );
    parts.push('<h2>Curves</h2>', `<div class="charts">${charts.join('')}</div>`);
  }
  if (data.actual && data.predicted && data.actual.length > 0) {
    const plot = predictedVsActualPoints(data.actual, data.predicted);
    const sample =
      plot.points.length < plot.rows
        ? `${formatCount(plot.points.length)} of ${formatCount(plot.rows)} rows, evenly spaced in file order`
        : `all ${formatCount(plot.rows)} rows`;
    const chart = renderDiagonalScatterChart(
      'Predicted against actual',
      plot.points,
      plot,
      'actual value',
      'predicted value',
    );
    parts.push(
      '<h2>Predictions</h2>',
      `<div class="charts"><figure class="chart" data-chart="predicted-actual">${chart}<figcaption>Predicted against actual value: ${escapeHtml(sample)}; dashed: perfect prediction (above it the model predicts too high). RMSE ${escapeHtml(formatStatistic((report.metrics as { rmse?: number | null }).rmse))}.</figcaption></figure></div>`,
    );
  }
  if (report.segments) {
    const keys = metricEntries(report.metrics).map(([key]) => key);
    parts.push(`<h2>Segments by ${escapeHtml(report.segmentColumn ?? '')}</h2>`);
    parts.push(
      renderHtmlTable(
        ['segment', 'n', ...keys.map((key) => SHORT_LABELS[key] ?? key)],
        Object.entries(report.segments).map(([name, segment]) => ({
          cells: [
            name,
            { text: formatCount(segment.n), className: 'num' },
            ...keys.map((key) => ({
              text: formatStatistic((segment.metrics as unknown as Record<string, number | null>)[key]),
              className: 'num',
            })),
          ],
          attributes: { 'data-segment': name },
        })),
        'results segments',
      ),
    );
  }
  if (report.fairness) {
    const fairness = report.fairness;
    parts.push(`<h2>Fairness by ${escapeHtml(fairness.column)}</h2>`);
    parts.push(
      renderHtmlTable(
        ['group', 'n', 'selection rate', 'TPR', 'FPR', 'Brier'],
        Object.entries(fairness.groups).map(([name, g]) => ({
          cells: [
            name,
            { text: formatCount(g.n), className: 'num' },
            ...[g.selectionRate, g.tpr, g.fpr, g.brier].map((value) => ({
              text: formatStatistic(value),
              className: 'num',
            })),
          ],
          attributes: { 'data-group': name },
        })),
        'results fairness',
      ),
    );
    parts.push(`<p>${fairnessSummary(fairness).map(escapeHtml).join('<br>')}</p>`);
  }
  return renderHtmlPage(`Warden evaluation: ${source}`, parts.join('\n'));
}
