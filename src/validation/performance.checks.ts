import type { CheckRequirement } from '../policy/index.js';
import { delongTest, mcnemarFromPredictions } from '../stats/compare/index.js';
import {
  metricsOn,
  missingInput,
  pick,
  result,
  round,
  type CheckTable,
  type SuiteInput,
} from './check-context.js';
import type { CheckResult } from './validation.schema.js';

const CHAMPION_HOW_TO =
  'submit the champion’s scores or predictions on the same rows ("champion" in the request, --champion-score / --champion-prediction)';

/** Segments smaller than this are listed but not judged: a handful of rows says little. */
export const MIN_SEGMENT_ROWS = 30;

function candidateMetrics(input: SuiteInput): Record<string, number | null> {
  const d = input.data;
  return metricsOn(d.labels, d.predictions, d.scores, d.threshold);
}

function championSampleMetrics(input: SuiteInput): Record<string, number | null> | null {
  const d = input.data;
  if (!d.championPredictions) return null;
  return metricsOn(d.labels, d.championPredictions, d.championScores, d.threshold);
}

/** Drop of each regression metric in percentage points (champion − candidate) × 100. */
function drops(
  metrics: string[],
  candidate: Record<string, number | null>,
  champion: Record<string, number | null | undefined>,
  maxDropPct: number,
): Array<{ metric: string; candidate: number; champion: number; dropPct: number; regressed: boolean }> {
  const out = [];
  for (const metric of metrics) {
    const a = candidate[metric];
    const b = champion[metric];
    if (a === null || a === undefined || b === null || b === undefined) continue;
    const dropPct = round((b - a) * 100);
    out.push({ metric, candidate: round(a), champion: round(b), dropPct, regressed: dropPct > maxDropPct });
  }
  return out;
}

function thresholds(req: CheckRequirement, input: SuiteInput): CheckResult {
  const mins = input.policy.minMetrics;
  const names = Object.keys(mins);
  const minRecords = input.policy.minRecords;
  // Metrics on a handful of rows prove nothing: too small a sample fails the check outright.
  if (minRecords !== undefined && input.data.n < minRecords) {
    return result(
      req,
      'fail',
      { records: input.data.n },
      { minRecords },
      `only ${input.data.n} records; the policy needs at least ${minRecords} to judge metric thresholds`,
    );
  }
  if (names.length === 0) return result(req, 'skipped', null, null, 'the tier sets no metric minimums');
  const metrics = candidateMetrics(input);
  const value: Record<string, number | null> = {};
  const failures: string[] = [];
  for (const name of names) {
    const v = metrics[name];
    value[name] = v === undefined || v === null ? null : round(v);
    if (v === undefined || v === null) failures.push(`${name} could not be computed from the data submitted`);
    else if (v < mins[name]!) failures.push(`${name} ${round(v, 4)} < ${mins[name]}`);
  }
  return result(
    req,
    failures.length === 0 ? 'pass' : 'fail',
    value,
    { ...mins },
    failures.length === 0 ? `${input.data.n} records` : failures.join('; '),
  );
}

function noRegression(req: CheckRequirement, input: SuiteInput): CheckResult {
  const max = input.policy.noRegressionPct;
  if (!input.champion) return result(req, 'skipped', null, max, 'no production champion to compare with');
  const sample = championSampleMetrics(input);
  const source = sample
    ? `champion ${input.champion.version} predictions submitted on the same rows`
    : `champion ${input.champion.version} recorded metrics`;
  const compared = drops(
    input.policy.regressionMetrics,
    candidateMetrics(input),
    sample ?? input.champion.metrics,
    max,
  );
  if (compared.length === 0)
    return missingInput(
      req,
      max,
      'champion metrics',
      `${CHAMPION_HOW_TO}, or record ${input.policy.regressionMetrics.join('/')} on ${input.champion.version}`,
    );
  const worst = Math.max(...compared.map((c) => c.dropPct));
  const regressed = compared.filter((c) => c.regressed);
  return result(
    req,
    regressed.length === 0 ? 'pass' : 'fail',
    worst,
    max,
    `${source}; ${
      regressed.length === 0
        ? `largest drop ${worst} points`
        : regressed.map((c) => `${c.metric} dropped ${c.dropPct} points`).join(', ')
    }`,
    compared,
  );
}

function significance(req: CheckRequirement, input: SuiteInput): CheckResult {
  const alpha = input.policy.significanceAlpha;
  const d = input.data;
  if (!input.champion) return result(req, 'skipped', null, alpha, 'no production champion to compare with');
  if (!d.championPredictions)
    return missingInput(
      req,
      alpha,
      'champion predictions',
      `a significance test against champion ${input.champion.version} needs paired rows: ${CHAMPION_HOW_TO}`,
    );
  const mcnemar = mcnemarFromPredictions(d.labels, d.predictions, d.championPredictions);
  const items: Array<Record<string, unknown>> = [
    {
      test: 'mcnemar',
      method: mcnemar.method,
      candidateOnlyCorrect: mcnemar.table.onlyFirstCorrect,
      championOnlyCorrect: mcnemar.table.onlySecondCorrect,
      statistic: mcnemar.statistic,
      pValue: mcnemar.pValue,
    },
  ];
  let test = 'McNemar';
  let pValue = mcnemar.pValue;
  let better = mcnemar.table.onlyFirstCorrect > mcnemar.table.onlySecondCorrect;
  let positives = 0;
  for (const y of d.labels) positives += y;
  if (d.scores && d.championScores && positives >= 2 && d.n - positives >= 2) {
    const delong = delongTest(d.labels, d.scores, d.championScores);
    items.push({
      test: 'delong',
      candidateAuc: delong.auc1,
      championAuc: delong.auc2,
      z: delong.z,
      pValue: delong.pValue,
    });
    test = 'DeLong';
    pValue = delong.pValue;
    better = delong.difference > 0;
  }
  const p = round(pValue, 8);
  if (better && pValue < alpha)
    return result(req, 'pass', p, alpha, `${test}: improvement over the champion is significant`, items);
  return result(
    req,
    'fail',
    p,
    alpha,
    better
      ? `${test}: the improvement over the champion is not significant (p = ${p} >= ${alpha})`
      : `${test}: the candidate does not improve on the champion`,
    items,
  );
}

function segments(req: CheckRequirement, input: SuiteInput): CheckResult {
  const max = input.policy.segmentRegressionPct;
  const d = input.data;
  if (!input.champion) return result(req, 'skipped', null, max, 'no production champion to compare with');
  const groups = new Map<string, number[]>();
  d.segments.forEach((seg, i) => {
    for (const [key, value] of Object.entries(seg)) {
      const id = `${key}=${value}`;
      let rows = groups.get(id);
      if (!rows) groups.set(id, (rows = []));
      rows.push(i);
    }
  });
  if (groups.size === 0)
    return missingInput(
      req,
      max,
      'segment attributes',
      'give each record its segments ("segment" in the request, --segment COL) to compare with the champion per segment',
    );
  const items: Array<Record<string, unknown>> = [];
  let worst = -Infinity;
  const regressed: string[] = [];
  for (const [id, rows] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (rows.length < MIN_SEGMENT_ROWS) {
      items.push({ segment: id, rows: rows.length, judged: false });
      continue;
    }
    const labels = pick(d.labels, rows);
    const candidate = metricsOn(
      labels,
      pick(d.predictions, rows),
      d.scores ? pick(d.scores, rows) : null,
      d.threshold,
    );
    let champion: Record<string, number | null | undefined> | undefined;
    let source: string;
    if (d.championPredictions) {
      champion = metricsOn(
        labels,
        pick(d.championPredictions, rows),
        d.championScores ? pick(d.championScores, rows) : null,
        d.threshold,
      );
      source = 'submitted';
    } else {
      const value = id.slice(id.indexOf('=') + 1);
      champion = input.champion.segmentMetrics[id] ?? input.champion.segmentMetrics[value];
      source = 'recorded';
    }
    if (!champion) {
      items.push({
        segment: id,
        rows: rows.length,
        judged: false,
        reason: 'no champion metrics for this segment',
      });
      continue;
    }
    const compared = drops(input.policy.regressionMetrics, candidate, champion, max);
    for (const c of compared) {
      worst = Math.max(worst, c.dropPct);
      if (c.regressed) regressed.push(`${id}: ${c.metric} dropped ${c.dropPct} points`);
    }
    items.push({
      segment: id,
      rows: rows.length,
      judged: compared.length > 0,
      champion: source,
      metrics: compared,
    });
  }
  if (worst === -Infinity)
    return missingInput(
      req,
      max,
      'segment comparison',
      `no segment has ${MIN_SEGMENT_ROWS}+ rows and champion metrics to compare with; submit more rows per segment and ${CHAMPION_HOW_TO}, or record segmentMetrics on ${input.champion.version}`,
      items,
    );
  return result(
    req,
    regressed.length === 0 ? 'pass' : 'fail',
    worst,
    max,
    regressed.length === 0 ? `largest segment drop ${worst} points` : regressed.join('; '),
    items,
  );
}

export const PERFORMANCE_CHECKS: CheckTable = {
  'performance.thresholds': thresholds,
  'performance.no-regression': noRegression,
  'performance.significance': significance,
  'performance.segments': segments,
};
