import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ClassificationMetricsJson,
  EvaluationReport,
  RegressionMetricsJson,
} from './evaluation.report.js';
import {
  ensureBuilt,
  python,
  pythonHas,
  runWarden,
  runWardenJson,
  seededRandom,
  writeCsv,
  repoRoot,
} from './offline-cli.test-helper.js';

/** The first test file to run may have to build the project (`npm run build`) first. */
const BUILD_TIMEOUT_MS = 300_000;

const dir = mkdtempSync(join(tmpdir(), 'warden-evaluate-'));
const path = (name: string) => join(dir, name);
const hasSklearn = pythonHas('sklearn', 'numpy');

const HEADER = ['label', 'score', 'predicted', 'region', 'gender', 'target', 'estimate', 'animal', 'guess'];
type Row = [number, number | null, number, string, string, number, number, string, string];

/** 900 rows: a scored binary classifier, a regression and a multiclass guess; every 60th score is missing. */
function generate(): Row[] {
  const rng = seededRandom(7);
  const animals = ['bird', 'cat', 'dog'];
  return Array.from({ length: 900 }, (_, i) => {
    const gender = rng.uniform() < 0.45 ? 'f' : 'm';
    const label = rng.uniform() < (gender === 'f' ? 0.35 : 0.25) ? 1 : 0;
    const score = Math.min(1, Math.max(0, (label ? 0.62 : 0.38) + 0.2 * rng.normal()));
    const target = Math.round((50 + 10 * rng.normal()) * 100) / 100;
    const animal = animals[Math.floor(rng.uniform() * 3)]!;
    return [
      label,
      i % 60 === 0 ? null : Math.round(score * 10000) / 10000,
      score >= 0.5 ? 1 : 0,
      rng.uniform() < 0.5 ? 'north' : 'south',
      gender,
      target,
      Math.round((target + 3 * rng.normal()) * 100) / 100,
      animal,
      rng.uniform() < 0.7 ? animal : animals[Math.floor(rng.uniform() * 3)]!,
    ];
  });
}

const rows = generate();
const scored = rows.filter((r) => r[1] !== null);

beforeAll(() => {
  ensureBuilt();
  writeCsv(path('eval.csv'), HEADER, rows);
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'label', data: rows.map((r) => r[0]), type: 'INT32' },
      { name: 'score', data: rows.map((r) => r[1]), type: 'DOUBLE' },
      { name: 'region', data: rows.map((r) => r[3]), type: 'STRING' },
      { name: 'gender', data: rows.map((r) => r[4]), type: 'STRING' },
    ],
  });
  writeFileSync(path('eval.parquet'), Buffer.from(buffer));
  writeCsv(
    path('bad-score.csv'),
    ['label', 'score'],
    [
      [1, 0.9],
      [0, 0.1],
      [1, 'high'],
      [0, 0.3],
    ],
  );
  writeCsv(
    path('bad-label.csv'),
    ['label', 'score'],
    [
      [1, 0.9],
      [0, 0.1],
      [0, 0.2],
      [2, 0.3],
    ],
  );
  writeCsv(
    path('bad-range.csv'),
    ['label', 'score'],
    [
      [1, 0.9],
      [0, 1.7],
    ],
  );
  writeCsv(
    path('bad-target.csv'),
    ['y', 'yhat'],
    [
      [1.5, 1.4],
      ['n/a?', 2],
    ],
  );
  writeFileSync(path('empty.csv'), '');
  writeFileSync(path('header-only.csv'), 'label,score\n');
}, BUILD_TIMEOUT_MS);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const classification = (report: EvaluationReport) => report.metrics as ClassificationMetricsJson;

describe('warden evaluate (built CLI)', () => {
  it('evaluates scores with the stable JSON shape, leaving out rows without a score', () => {
    const report = runWardenJson<EvaluationReport>([
      'evaluate',
      '--data',
      path('eval.csv'),
      '--label',
      'label',
      '--score',
      'score',
    ]);
    expect(report).toMatchObject({
      task: 'classification',
      kind: 'binary',
      n: scored.length,
      excluded: 15,
      threshold: 0.5,
    });
    expect(Object.keys(report.metrics)).toEqual([
      'accuracy',
      'precision',
      'recall',
      'f1',
      'rocAuc',
      'prAuc',
      'logLoss',
      'brier',
      'ece',
    ]);
    const correct = scored.filter((r) => (r[1]! >= 0.5 ? 1 : 0) === r[0]).length;
    expect(classification(report).accuracy).toBeCloseTo(correct / scored.length, 12);
    const brier = scored.reduce((sum, r) => sum + (r[1]! - r[0]) ** 2, 0) / scored.length;
    expect(classification(report).brier).toBeCloseTo(brier, 12);
  });

  it.skipIf(!hasSklearn)('agrees with scikit-learn', () => {
    const report = runWardenJson<EvaluationReport>([
      'evaluate',
      '--data',
      path('eval.csv'),
      '--label',
      'label',
      '--score',
      'score',
      '--threshold',
      '0.4',
    ]);
    const expected = python<Record<string, number>>(
      `
import numpy as np
from sklearn import metrics as m
y = np.array([r[0] for r in data]); s = np.array([r[1] for r in data]); p = (s >= 0.4).astype(int)
print(json.dumps({'accuracy': m.accuracy_score(y, p), 'precision': m.precision_score(y, p), 'recall': m.recall_score(y, p),
  'f1': m.f1_score(y, p), 'rocAuc': m.roc_auc_score(y, s), 'prAuc': m.average_precision_score(y, s),
  'logLoss': m.log_loss(y, s), 'brier': m.brier_score_loss(y, s)}))
`,
      scored,
    );
    for (const [key, value] of Object.entries(expected)) {
      expect(classification(report)[key as keyof ClassificationMetricsJson], key).toBeCloseTo(value, 10);
    }
  });

  it('reports segments and fairness: differences are max minus min over groups', () => {
    const report = runWardenJson<EvaluationReport>([
      'evaluate',
      '--data',
      path('eval.csv'),
      '--label',
      'label',
      '--score',
      'score',
      '--segment',
      'region',
      '--sensitive',
      'gender',
    ]);
    expect(Object.keys(report.segments!)).toEqual(['north', 'south']);
    const north = scored.filter((r) => r[3] === 'north');
    expect(report.segments!.north!.n).toBe(north.length);
    const northCorrect = north.filter((r) => (r[1]! >= 0.5 ? 1 : 0) === r[0]).length;
    expect((report.segments!.north!.metrics as ClassificationMetricsJson).accuracy).toBeCloseTo(
      northCorrect / north.length,
      12,
    );

    const fairness = report.fairness!;
    const rates = (['f', 'm'] as const).map((g) => {
      const group = scored.filter((r) => r[4] === g);
      const positives = group.filter((r) => r[0] === 1);
      return {
        n: group.length,
        selectionRate: group.filter((r) => r[1]! >= 0.5).length / group.length,
        tpr: positives.filter((r) => r[1]! >= 0.5).length / positives.length,
      };
    });
    expect(Object.keys(fairness.groups)).toEqual(['f', 'm']);
    expect(fairness.groups.f!.n).toBe(rates[0]!.n);
    expect(fairness.groups.f!.selectionRate).toBeCloseTo(rates[0]!.selectionRate, 12);
    expect(Object.keys(fairness.groups.f!)).toEqual(
      expect.arrayContaining(['n', 'selectionRate', 'tpr', 'fpr', 'brier']),
    );
    const [a, b] = rates;
    expect(fairness.demographicParityDifference).toBeCloseTo(
      Math.abs(a!.selectionRate - b!.selectionRate),
      12,
    );
    expect(fairness.demographicParityRatio!).toBeCloseTo(
      Math.min(a!.selectionRate, b!.selectionRate) / Math.max(a!.selectionRate, b!.selectionRate),
      12,
    );
    expect(fairness.equalOpportunityDifference!).toBeCloseTo(Math.abs(a!.tpr - b!.tpr), 12);
    expect(fairness.equalizedOddsDifference!).toBeGreaterThanOrEqual(fairness.equalOpportunityDifference!);
  });

  it('reads the documented sample files (test/fixtures/offline-scores.*), Parquet like CSV', () => {
    const fixture = (name: string) => join(repoRoot, 'test/fixtures', name);
    const args = ['--label', 'label', '--score', 'score', '--segment', 'region', '--sensitive', 'gender'];
    const csv = runWardenJson<EvaluationReport>([
      'evaluate',
      '--data',
      fixture('offline-scores.csv'),
      ...args,
    ]);
    expect(
      runWardenJson<EvaluationReport>(['evaluate', '--data', fixture('offline-scores.parquet'), ...args]),
    ).toEqual(csv);
    expect(csv).toMatchObject({ n: 500, positives: 131, confusion: { tp: 99, fp: 79, tn: 290, fn: 32 } });
    expect(Object.keys(csv.segments!)).toEqual(['east', 'north', 'south']);
    expect(Object.keys(csv.fairness!.groups)).toEqual(['female', 'male']);
  });

  it('reads Parquet like CSV', () => {
    const args = ['--label', 'label', '--score', 'score', '--sensitive', 'gender'];
    const csv = runWardenJson<EvaluationReport>(['evaluate', '--data', path('eval.csv'), ...args]);
    const parquet = runWardenJson<EvaluationReport>(['evaluate', '--data', path('eval.parquet'), ...args]);
    expect(parquet).toEqual(csv);
  });

  it('evaluates hard predictions, multiclass predictions and regressions', () => {
    const hard = runWardenJson<EvaluationReport>([
      'evaluate',
      '--data',
      path('eval.csv'),
      '--label',
      'label',
      '--prediction',
      'predicted',
    ]);
    expect(hard.kind).toBe('binary');
    expect(hard.n).toBe(900);
    expect(classification(hard).rocAuc).toBeNull();
    expect(classification(hard).logLoss).toBeNull();

    const multi = runWardenJson<EvaluationReport>([
      'evaluate',
      '--data',
      path('eval.csv'),
      '--label',
      'animal',
      '--prediction',
      'guess',
    ]);
    expect(multi.kind).toBe('multiclass');
    expect(multi.classes).toEqual(['bird', 'cat', 'dog']);
    const classes = ['bird', 'cat', 'dog'];
    const counted = classes.map((actual) =>
      classes.map((predicted) => rows.filter((r) => r[7] === actual && r[8] === predicted).length),
    );
    expect(multi.confusionMatrix).toEqual(counted);
    // Support-weighted averages, from the definition (scikit-learn's average='weighted').
    const perClass = classes.map((_, c) => {
      const tp = counted[c]![c]!;
      const support = counted[c]!.reduce((a, b) => a + b, 0);
      const predictedCount = counted.reduce((a, row) => a + row[c]!, 0);
      const precision = predictedCount === 0 ? 0 : tp / predictedCount;
      const recall = support === 0 ? 0 : tp / support;
      const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
      return { support, precision, recall, f1 };
    });
    const weightedBy = (key: 'precision' | 'recall' | 'f1') =>
      perClass.reduce((a, c) => a + c[key] * c.support, 0) / rows.length;
    expect(multi.weighted!.precision).toBeCloseTo(weightedBy('precision'), 12);
    expect(multi.weighted!.recall).toBeCloseTo(weightedBy('recall'), 12);
    expect(multi.weighted!.f1).toBeCloseTo(weightedBy('f1'), 12);
    expect(hard.confusionMatrix).toBeUndefined();
    const multiText = runWarden([
      'evaluate',
      '--data',
      path('eval.csv'),
      '--label',
      'animal',
      '--prediction',
      'guess',
    ]);
    expect(multiText.stdout).toContain('Confusion matrix (rows: actual, columns: predicted)');
    expect(multiText.stdout).toMatch(new RegExp(`^bird\\s+${counted[0]!.join('\\s+')}$`, 'm'));
    expect(classification(multi).accuracy).toBeCloseTo(
      rows.filter((r) => r[7] === r[8]).length / rows.length,
      12,
    );

    const regression = runWardenJson<EvaluationReport>([
      'evaluate',
      '--data',
      path('eval.csv'),
      '--label',
      'target',
      '--prediction',
      'estimate',
      '--task',
      'regression',
      '--segment',
      'region',
    ]);
    expect(regression).toMatchObject({ task: 'regression', kind: 'regression', n: 900 });
    expect(Object.keys(regression.metrics)).toEqual(['mae', 'rmse', 'mape', 'r2']);
    const errors = rows.map((r) => r[5] - r[6]);
    const metrics = regression.metrics as RegressionMetricsJson;
    expect(metrics.mae).toBeCloseTo(errors.reduce((s, e) => s + Math.abs(e), 0) / errors.length, 10);
    expect(metrics.rmse).toBeCloseTo(Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length), 10);
    expect(Object.keys(regression.segments!)).toEqual(['north', 'south']);
  });

  it('prints a readable table by default and writes an HTML report with a ROC curve and a calibration plot', () => {
    const run = runWarden([
      'evaluate',
      '--data',
      path('eval.csv'),
      '--label',
      'label',
      '--score',
      'score',
      '--segment',
      'region',
      '--sensitive',
      'gender',
      '--html',
      path('eval.html'),
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toContain('(15 left out: missing label or score)');
    expect(run.stdout).toMatch(/^metric\s+value$/m);
    expect(run.stdout).toMatch(/^ROC AUC\s+0\.\d+$/m);
    expect(run.stdout).toContain("Fairness by 'gender'");
    const html = readFileSync(path('eval.html'), 'utf8');
    expect(html).toContain('data-chart="roc"');
    expect(html).toContain('data-chart="calibration"');
    expect(html).not.toContain('<script');
  });

  it.each([
    [
      ['--data', 'bad-score.csv', '--label', 'label', '--score', 'score'],
      "warden: bad-score.csv: column 'score' must be numeric, but data row 3 has 'high' (field: score)",
    ],
    [
      ['--data', 'bad-label.csv', '--label', 'label', '--score', 'score'],
      "warden: bad-label.csv: column 'label' must be binary (0/1 or true/false) for a binary task, but data row 4 has '2' (field: label)",
    ],
    [
      ['--data', 'bad-range.csv', '--label', 'label', '--score', 'score'],
      "warden: bad-range.csv: column 'score' must hold probabilities in [0, 1], but data row 2 has 1.7 (field: score)",
    ],
    [
      ['--data', 'bad-target.csv', '--label', 'y', '--prediction', 'yhat', '--task', 'regression'],
      "warden: bad-target.csv: column 'y' must be numeric, but data row 2 has 'n/a?' (field: y)",
    ],
    [
      ['--data', 'eval.csv', '--label', 'label', '--score', 'probability'],
      "warden: eval.csv: no column 'probability' (columns: label, score, predicted",
    ],
    [['--data', 'empty.csv', '--label', 'label', '--score', 'score'], 'warden: empty.csv: the file is empty'],
    [
      ['--data', 'header-only.csv', '--label', 'label', '--score', 'score'],
      'warden: header-only.csv: the file has no data rows',
    ],
    [
      ['--data', 'eval.csv', '--label', 'label'],
      'warden: give exactly one of --score COL or --prediction COL',
    ],
    [
      ['--data', 'eval.csv', '--label', 'label', '--score', 'score', '--threshold', 'half'],
      "warden: --threshold must be a number, got 'half'",
    ],
    [
      ['--data', 'eval.csv', '--label', 'label', '--score', 'score', '--threshold', '1.5'],
      'warden: --threshold must be a probability in [0, 1], got 1.5 (field: --threshold)',
    ],
  ])('rejects bad input with one line and exit code 2: %j', (args, message) => {
    const run = runWarden(['evaluate', ...args.map((arg) => (arg.endsWith('.csv') ? path(arg) : arg))]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
  });
});
