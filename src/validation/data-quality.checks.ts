import type { CheckRequirement } from '../policy/index.js';
import type { ModelVersion } from '../registry/version.schema.js';
import { compareColumn } from '../stats/drift/index.js';
import type { Column } from '../stats/types.js';
import { missingInput, result, round, type CheckTable, type SuiteInput } from './check-context.js';
import type { FeatureValue } from './validation-input.js';
import type { CheckResult } from './validation.schema.js';

type Field = ModelVersion['inputSchema'][number];

/** At most this many violations are listed in a report; the count covers them all. */
const MAX_LISTED = 20;

const NO_SCHEMA_HOW_TO =
  'declare "inputSchema" (columns, types, nullability, min/max, categories) when registering the version, or have the failure waived';
const REFERENCE_HOW_TO =
  'submit a training sample ("reference" in the request, --reference FILE) or store one for the version (warden ingest MODEL VERSION --kind reference --file FILE)';

const isMissing = (v: FeatureValue | undefined): boolean => v === undefined || v === null;

function typeMatches(field: Field, v: FeatureValue): boolean {
  switch (field.type) {
    case 'number':
      return typeof v === 'number';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'category':
      return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  }
}

function columnsOf(input: SuiteInput): string[] {
  if (input.version.inputSchema.length > 0) return input.version.inputSchema.map((f) => f.name);
  const seen = new Set<string>();
  for (const row of input.data.features) for (const k of Object.keys(row)) seen.add(k);
  return [...seen].sort();
}

function schema(req: CheckRequirement, input: SuiteInput): CheckResult {
  const fields = input.version.inputSchema;
  if (fields.length === 0) return missingInput(req, 0, 'input schema', NO_SCHEMA_HOW_TO);
  const rows = input.data.features;
  const problems: Array<{ column: string; record?: number; problem: string }> = [];
  let count = 0;
  const note = (problem: { column: string; record?: number; problem: string }) => {
    count++;
    if (problems.length < MAX_LISTED) problems.push(problem);
  };
  for (const field of fields) {
    if (!rows.some((r) => Object.hasOwn(r, field.name))) {
      note({ column: field.name, problem: 'missing column' });
      continue;
    }
    rows.forEach((r, i) => {
      const v = r[field.name];
      if (isMissing(v)) {
        if (field.nullable === false)
          note({ column: field.name, record: i, problem: 'null in a non-nullable column' });
      } else if (!typeMatches(field, v!)) {
        note({
          column: field.name,
          record: i,
          problem: `expected ${field.type}, got ${typeof v} ${JSON.stringify(v)}`,
        });
      }
    });
  }
  return result(
    req,
    count === 0 ? 'pass' : 'fail',
    count,
    0,
    count === 0
      ? `${fields.length} columns match the input schema`
      : problems
          .slice(0, 3)
          .map((p) => `${p.column}${p.record !== undefined ? ` (record ${p.record})` : ''}: ${p.problem}`)
          .join('; ') + (count > 3 ? `; … ${count} violations in all` : ''),
    problems,
  );
}

function ranges(req: CheckRequirement, input: SuiteInput): CheckResult {
  const bounded = input.version.inputSchema.filter(
    (f) =>
      f.min !== undefined || f.max !== undefined || (f.categories !== undefined && f.categories.length > 0),
  );
  if (input.version.inputSchema.length === 0) return missingInput(req, 0, 'input schema', NO_SCHEMA_HOW_TO);
  // A schema of free text and flags has nothing to bound; numbers and categories without bounds do.
  const boundable = input.version.inputSchema.filter((f) => f.type !== 'string' && f.type !== 'boolean');
  if (bounded.length === 0 && boundable.length === 0)
    return result(req, 'skipped', null, 0, 'the input schema has only string and boolean columns');
  if (bounded.length === 0)
    return missingInput(
      req,
      0,
      'ranges in the input schema',
      `the schema sets no min/max or categories for ${boundable.map((f) => f.name).join(', ')}; declare them when registering the version, or have the failure waived`,
    );
  const problems: Array<Record<string, unknown>> = [];
  const perColumn: Record<string, number> = {};
  let count = 0;
  for (const field of bounded) {
    const allowed = field.categories && field.categories.length > 0 ? new Set(field.categories) : null;
    input.data.features.forEach((r, i) => {
      const v = r[field.name];
      if (isMissing(v)) return;
      let problem: string | null = null;
      if (typeof v === 'number') {
        if (field.min !== undefined && v < field.min) problem = `${v} < min ${field.min}`;
        else if (field.max !== undefined && v > field.max) problem = `${v} > max ${field.max}`;
      }
      if (problem === null && allowed && !allowed.has(String(v)))
        problem = `${JSON.stringify(v)} is not a known category`;
      if (problem !== null) {
        count++;
        perColumn[field.name] = (perColumn[field.name] ?? 0) + 1;
        if (problems.length < MAX_LISTED) problems.push({ column: field.name, record: i, problem });
      }
    });
  }
  return result(
    req,
    count === 0 ? 'pass' : 'fail',
    count,
    0,
    count === 0
      ? `${bounded.length} bounded columns within range`
      : Object.entries(perColumn)
          .map(([c, k]) => `${c}: ${k} out of range`)
          .join('; '),
    problems,
  );
}

function missingRate(req: CheckRequirement, input: SuiteInput): CheckResult {
  const max = input.policy.maxMissingRate;
  const columns = columnsOf(input);
  if (columns.length === 0)
    return missingInput(
      req,
      max,
      'features',
      'submit the feature values of each record ("features" in the request; in a file, every column other than label, score, prediction and champion is a feature)',
    );
  const n = input.data.n;
  let total = 0;
  const items = columns.map((column) => {
    let missing = 0;
    for (const row of input.data.features) if (isMissing(row[column])) missing++;
    total += missing;
    return { column, missing, rate: round(missing / n) };
  });
  const totalRate = round(total / (n * columns.length));
  const over = items.filter((c) => c.rate > max);
  const worst = Math.max(...items.map((c) => c.rate));
  const failed = over.length > 0 || totalRate > max;
  return result(
    req,
    failed ? 'fail' : 'pass',
    { worstColumn: worst, total: totalRate },
    max,
    failed
      ? [
          ...over.map((c) => `${c.column} missing ${round(c.rate * 100, 3)} %`),
          ...(totalRate > max ? [`total ${round(totalRate * 100, 3)} %`] : []),
        ].join('; ')
      : `worst column ${round(worst * 100, 3)} % missing, total ${round(totalRate * 100, 3)} %`,
    items,
  );
}

function toColumn(name: string, values: Array<FeatureValue | undefined>, numeric: boolean): Column {
  if (numeric)
    return {
      kind: 'numeric',
      name,
      values: Float64Array.from(values, (v) => (typeof v === 'number' ? v : Number.NaN)),
    };
  return { kind: 'categorical', name, values: values.map((v) => (isMissing(v) ? null : String(v))) };
}

function drift(req: CheckRequirement, input: SuiteInput): CheckResult {
  const max = input.policy.maxPsi;
  if (!input.reference) return missingInput(req, max, 'training reference', REFERENCE_HOW_TO);
  const refRows = input.reference.rows;
  const curRows = input.data.features;
  const refColumns = new Set<string>();
  for (const r of refRows) for (const k of Object.keys(r)) refColumns.add(k);
  const columns = columnsOf(input).filter((c) => refColumns.has(c));
  if (columns.length === 0)
    return missingInput(
      req,
      max,
      'training reference with the data’s columns',
      `the reference (${input.reference.source}) shares no column with the evaluation features; ${REFERENCE_HOW_TO}`,
    );
  const items: Array<Record<string, unknown>> = [];
  let worst = -Infinity;
  const drifted: string[] = [];
  for (const column of columns) {
    const ref = refRows.map((r) => r[column]);
    const cur = curRows.map((r) => r[column]);
    const numeric = [...ref, ...cur].every((v) => isMissing(v) || typeof v === 'number');
    const outcome = compareColumn(toColumn(column, ref, numeric), toColumn(column, cur, numeric), {
      method: 'psi',
      threshold: max,
    });
    if (outcome.status !== 'ok' || outcome.statistic === null) {
      items.push({ column, judged: false, reason: outcome.reason ?? 'not computed' });
      continue;
    }
    const psi = round(outcome.statistic);
    worst = Math.max(worst, psi);
    if (psi >= max) drifted.push(`${column} PSI ${psi}`);
    items.push({ column, psi, type: outcome.type });
  }
  if (worst === -Infinity)
    return missingInput(
      req,
      max,
      'data enough for PSI',
      'no shared column had enough non-missing values on both sides; submit more rows',
      items,
    );
  return result(
    req,
    drifted.length === 0 ? 'pass' : 'fail',
    worst,
    max,
    `${input.reference.source}; ${drifted.length === 0 ? `largest PSI ${worst}` : drifted.join('; ')}`,
    items,
  );
}

export const DATA_QUALITY_CHECKS: CheckTable = {
  'data.schema': schema,
  'data.ranges': ranges,
  'data.missing-rate': missingRate,
  'data.drift': drift,
};
