import type { InputField } from '../monitoring.types.js';
import type { FieldProfile } from '../window-profile.js';
import { profileKs, profilePsi, profilePsiBins } from '../../stats/sketch/index.js';
import { kstwoSf } from '../../stats/distributions/index.js';
import { categoricalDrift, itemCounts } from './distribution.js';
import { judgePsiAgainstNoise } from './noise-verdict.js';
import type { RuleCheck, RuleInput } from './rule.types.js';
import { judge, round } from './status.js';

export { psiNoiseFloor } from './noise-verdict.js';

const NO_REFERENCE = 'no reference baseline uploaded for this version';

function sortedNames(...sources: Iterable<string>[]): string[] {
  const names = new Set<string>();
  for (const s of sources) for (const n of s) names.add(n);
  return [...names].sort();
}

/**
 * PSI of one field against its reference (the statistics engine's profile PSI: numeric values
 * on the reference's quantile bins, categories on categories), with the default test beside
 * it: the profile KS statistic (with its bounds) for numbers, Pearson's homogeneity test for
 * categories (whose p-value then judges significance).
 */
function columnPsi(
  reference: FieldProfile,
  current: FieldProfile,
  bins: number,
): { psi: number | null; method: string; pValue: number | null; bins: number } {
  if (reference.dominantType() === 'number') {
    if (
      !reference.numeric ||
      !current.numeric ||
      reference.numeric.count === 0 ||
      current.numeric.count === 0
    )
      return { psi: null, method: 'psi', pValue: null, bins };
    const ks = profileKs(reference.numeric, current.numeric);
    const psi = profilePsiBins(reference.numeric, current.numeric, { bins });
    const ksP = ksAsymptoticPValue(ks, reference.numeric.count, current.numeric.count);
    return {
      psi: psi.psi,
      method:
        `psi over ${bins} reference-quantile bins; KS D ≈ ${round(ks.statistic)} (between ${round(ks.lower)} and ${round(ks.upper)}), ` +
        `KS p-value ≈ ${round(ksP.estimate)} (between ${round(ksP.lower)} and ${round(ksP.upper)})`,
      pValue: null,
      bins: psi.bins,
    };
  }
  if (!reference.categories || !current.categories) return { psi: null, method: 'psi', pValue: null, bins };
  const drift = categoricalDrift(itemCounts(reference.items), itemCounts(current.items));
  return {
    psi: profilePsi(reference.categories, current.categories),
    method: 'psi over categories; chi-square homogeneity test',
    pValue: drift.pValue,
    bins: drift.categories,
  };
}

/**
 * Asymptotic two-sample KS p-value of a profile statistic, as scipy's `ks_2samp(method='asymp')`:
 * P(D > d) under the Kolmogorov two-sided distribution with n·m/(n+m) rounded to an integer. The
 * statistic's bounds give the p-value's bounds (a larger D, a smaller p-value). Shown beside the
 * PSI verdict, which it does not decide.
 */
function ksAsymptoticPValue(
  ks: { statistic: number; lower: number; upper: number },
  n: number,
  m: number,
): { estimate: number; lower: number; upper: number } {
  const en = Math.round((n * m) / (n + m));
  const p = (d: number) => Math.min(1, Math.max(0, kstwoSf(d, en)));
  return { estimate: p(ks.statistic), lower: p(ks.upper), upper: p(ks.lower) };
}

/**
 * Status of a PSI by the three-way rule of {@link judgePsiAgainstNoise}: `alert` past the
 * threshold and significant against sampling noise, `ok` (or `warning`) below it with the
 * threshold detectable, `insufficient_data` in between. The note states the case and its numbers.
 */
function judgePsi(
  psi: number | null,
  threshold: number,
  sample: { bins: number; n: number; m: number; pValue?: number | null },
  options: RuleInput['options'],
): { status: RuleCheck['status']; note: string } {
  if (psi === null || !Number.isFinite(psi)) return { status: 'insufficient_data', note: '' };
  const verdict = judgePsiAgainstNoise({
    psi,
    threshold,
    ...sample,
    alpha: options.alpha,
    warningFraction: options.warningFraction,
  });
  return { status: verdict.status, note: `. ${verdict.status}: ${verdict.detail}` };
}

/** Data drift: PSI of each feature against the reference (categorical features also get a chi-square p-value). */
export function dataDriftRule(input: RuleInput): RuleCheck[] {
  const { current, reference, thresholds, options } = input;
  const threshold = thresholds.values.dataDriftPsi;
  const policyRule = thresholds.sources.dataDriftPsi;
  const names = sortedNames(current.features.keys(), reference?.features.keys() ?? []);
  return names.flatMap((feature): RuleCheck[] => {
    const cur = current.features.get(feature);
    const ref = reference?.features.get(feature);
    if (!reference) {
      return [
        {
          rule: 'data_drift',
          feature,
          value: null,
          threshold,
          status: 'insufficient_data',
          policyRule,
          detail: NO_REFERENCE,
        },
      ];
    }
    if (!ref) return []; // a field the reference never had is a schema change, reported there
    const sufficient = ref.present >= options.minRecords && (cur?.present ?? 0) >= options.minRecords;
    if (!cur || !sufficient) {
      return [
        {
          rule: 'data_drift',
          feature,
          value: null,
          threshold,
          status: 'insufficient_data',
          policyRule,
          n: cur?.present ?? 0,
          detail: `needs at least ${options.minRecords} values in the window and the reference`,
        },
      ];
    }
    const { psi, method, pValue, bins } = columnPsi(ref, cur, options.psiBins);
    const { status, note } = judgePsi(
      psi,
      threshold,
      { bins, n: cur.present, m: ref.present, pValue },
      options,
    );
    return [
      {
        rule: 'data_drift',
        feature,
        value: psi === null ? null : round(psi),
        threshold,
        status,
        policyRule,
        n: cur.present,
        detail: (pValue === null ? method : `${method}; p-value ${round(pValue)}`) + note,
      },
    ];
  });
}

/**
 * Prediction (concept) drift: PSI of scores, or of predictions when there are no scores. A
 * regression model's predictions are numbers: always the prediction column, on the reference's
 * quantile bins.
 */
export function predictionDriftRule(input: RuleInput): RuleCheck[] {
  const { current, reference, thresholds, options } = input;
  const threshold = thresholds.values.conceptDriftPsi;
  const policyRule = thresholds.sources.conceptDriftPsi;
  if (!reference) {
    return [
      {
        rule: 'prediction_drift',
        value: null,
        threshold,
        status: 'insufficient_data',
        policyRule,
        detail: NO_REFERENCE,
      },
    ];
  }
  const useScores =
    options.task !== 'regression' &&
    reference.score.present >= options.minRecords &&
    current.score.present > 0;
  const ref = useScores ? reference.score : reference.prediction;
  const cur = useScores ? current.score : current.prediction;
  const sufficient = ref.present >= options.minRecords && cur.present >= options.minRecords;
  if (!sufficient) {
    return [
      {
        rule: 'prediction_drift',
        value: null,
        threshold,
        status: 'insufficient_data',
        policyRule,
        n: cur.present,
        detail: `needs at least ${options.minRecords} predictions in the window and the reference`,
      },
    ];
  }
  const { psi, method, pValue, bins } = columnPsi(ref, cur, options.psiBins);
  const { status, note } = judgePsi(
    psi,
    threshold,
    { bins, n: cur.present, m: ref.present, pValue },
    options,
  );
  return [
    {
      rule: 'prediction_drift',
      value: psi === null ? null : round(psi),
      threshold,
      status,
      policyRule,
      n: cur.present,
      detail: `${useScores ? 'scores' : 'predictions'}: ${method}${note}`,
    },
  ];
}

function total(counts: Record<string, number>): number {
  let n = 0;
  for (const v of Object.values(counts)) n += v;
  return n;
}

/** The label-drift result when the window or the reference holds too few labels to compare. */
function labelsTooFew(input: RuleInput, n: number, what: string): RuleCheck[] {
  const { reference, thresholds, options } = input;
  return [
    {
      rule: 'label_drift',
      value: null,
      threshold: thresholds.values.conceptDriftPsi,
      status: 'insufficient_data',
      policyRule: thresholds.sources.conceptDriftPsi,
      n,
      detail: reference
        ? `needs at least ${options.minLabels} ${what} in the window and the reference`
        : NO_REFERENCE,
    },
  ];
}

/**
 * Label drift of a regression model: PSI of the joined numeric labels on the reference labels'
 * quantile bins, with the profile KS statistic beside it.
 */
function numericLabelDrift(input: RuleInput): RuleCheck[] {
  const { current, reference, thresholds, options } = input;
  const threshold = thresholds.values.conceptDriftPsi;
  const policyRule = thresholds.sources.conceptDriftPsi;
  const curN = current.labelValues.present;
  const refN = reference?.labelValues.present ?? 0;
  if (!reference || refN < options.minLabels || curN < options.minLabels)
    return labelsTooFew(input, curN, 'numeric labels');
  const { psi, method, bins } = columnPsi(reference.labelValues, current.labelValues, options.psiBins);
  const { status, note } = judgePsi(psi, threshold, { bins, n: curN, m: refN }, options);
  return [
    {
      rule: 'label_drift',
      value: psi === null ? null : round(psi),
      threshold,
      status,
      policyRule,
      n: curN,
      detail: `labels: ${method}${note}`,
    },
  ];
}

/**
 * Label drift: PSI of the joined labels' class distribution against the reference labels (for
 * a regression model, of the numeric labels' distribution).
 */
export function labelDriftRule(input: RuleInput): RuleCheck[] {
  if (input.options.task === 'regression') return numericLabelDrift(input);
  const { current, reference, thresholds, options } = input;
  const threshold = thresholds.values.conceptDriftPsi;
  const policyRule = thresholds.sources.conceptDriftPsi;
  const curN = total(current.labels);
  const refN = reference ? total(reference.labels) : 0;
  if (!reference || refN < options.minLabels || curN < options.minLabels)
    return labelsTooFew(input, curN, 'labels');
  const { psi, pValue, categories } = categoricalDrift(reference.labels, current.labels);
  const { status, note } = judgePsi(psi, threshold, { bins: categories, n: curN, m: refN, pValue }, options);
  return [
    {
      rule: 'label_drift',
      value: round(psi),
      threshold,
      status,
      policyRule,
      n: curN,
      detail: `psi over label classes${pValue === null ? '' : `; chi-square p-value ${round(pValue)}`}${note}`,
    },
  ];
}

/** Missing-value increase: each feature's missing rate minus the reference's, in percentage points. */
export function missingIncreaseRule(input: RuleInput): RuleCheck[] {
  const { current, reference, thresholds, options, inputSchema } = input;
  const threshold = thresholds.values.missingIncreasePts;
  const policyRule = thresholds.sources.missingIncreasePts;
  const names = sortedNames(
    current.features.keys(),
    reference?.features.keys() ?? [],
    inputSchema.map((f) => f.name),
  );
  return names.map((feature): RuleCheck => {
    const curPresent = current.features.get(feature)?.present ?? 0;
    const sufficient =
      reference !== null && reference.records >= options.minRecords && current.records >= options.minRecords;
    if (!sufficient) {
      return {
        rule: 'missing_increase',
        feature,
        value: null,
        threshold,
        status: 'insufficient_data',
        policyRule,
        n: current.records,
        detail: reference
          ? `needs at least ${options.minRecords} records in the window and the reference`
          : NO_REFERENCE,
      };
    }
    const curRate = (current.records - curPresent) / current.records;
    const refRate = (reference.records - (reference.features.get(feature)?.present ?? 0)) / reference.records;
    const points = (curRate - refRate) * 100;
    return {
      rule: 'missing_increase',
      feature,
      value: round(points),
      threshold,
      status: judge(points, threshold, { sufficient: true, warningFraction: options.warningFraction }),
      policyRule,
      n: current.records,
      count: current.records - curPresent,
      detail: `missing ${round(curRate * 100)} % in the window, ${round(refRate * 100)} % in the reference`,
    };
  });
}

/** New categories: share of a categorical feature's values outside the reference's (and the schema's) categories. */
export function newCategoriesRule(input: RuleInput): RuleCheck[] {
  const { current, reference, thresholds, options, inputSchema } = input;
  const threshold = thresholds.values.newCategoryPct;
  const policyRule = thresholds.sources.newCategoryPct;
  const schema = new Map(inputSchema.map((f) => [f.name, f]));
  const checks: RuleCheck[] = [];
  for (const feature of [...current.features.keys()].sort()) {
    const cur = current.features.get(feature)!;
    const items = cur.items;
    if (!items) continue;
    const ref = reference?.features.get(feature);
    const declared = schema.get(feature)?.categories;
    if (!ref?.items && !declared) continue;
    const known = new Set<string>([...(declared ?? []), ...Object.keys(itemCounts(ref?.items))]);
    let unseen = 0;
    const names: string[] = [];
    for (const [category, n] of items.items()) {
      if (known.has(category)) continue;
      unseen += n;
      if (names.length < 10) names.push(category);
    }
    const categorical = items.total;
    const pct = categorical > 0 ? (unseen / categorical) * 100 : 0;
    const sufficient = categorical >= options.minRecords;
    checks.push({
      rule: 'new_categories',
      feature,
      value: sufficient ? round(pct) : null,
      threshold,
      status: judge(pct, threshold, { sufficient, warningFraction: options.warningFraction }),
      policyRule,
      n: categorical,
      count: unseen,
      ...(names.length > 0 ? { detail: `new: ${names.map((n) => JSON.stringify(n)).join(', ')}` } : {}),
    });
  }
  return checks;
}

type FieldType = 'number' | 'string' | 'boolean';

function declaredType(field: InputField): FieldType {
  if (field.type === 'number' || field.type === 'integer') return 'number';
  if (field.type === 'boolean') return 'boolean';
  return 'string';
}

/**
 * Schema change: fields in the window that neither the input schema nor the reference has
 * (new), expected fields never sent in the window (missing), and fields whose values now have
 * another type (retyped). Value = number of changed fields; any change is past the threshold.
 */
export function schemaChangeRule(input: RuleInput): RuleCheck[] {
  const { current, reference, thresholds, inputSchema } = input;
  const policyRule = thresholds.sources.schemaChange;
  const expected = new Map<string, FieldType | undefined>();
  for (const [name, column] of reference?.features ?? []) expected.set(name, column.dominantType());
  for (const field of inputSchema) expected.set(field.name, declaredType(field));
  if (expected.size === 0 || current.records === 0) {
    return [
      {
        rule: 'schema_change',
        value: null,
        threshold: 0,
        status: 'insufficient_data',
        policyRule,
        detail:
          expected.size === 0 ? 'no input schema or reference to compare with' : 'no records in the window',
      },
    ];
  }
  const added: string[] = [];
  const missing: string[] = [];
  const retyped: string[] = [];
  for (const [name, column] of current.features) {
    if (!expected.has(name)) added.push(name);
    else {
      const want = expected.get(name);
      const got = column.dominantType();
      if (want !== undefined && got !== undefined && want !== got) retyped.push(`${name} (${want} → ${got})`);
    }
  }
  for (const name of expected.keys()) if (!current.features.has(name)) missing.push(name);
  const changed = added.length + missing.length + retyped.length;
  const parts = [
    added.length > 0 ? `new: ${added.sort().join(', ')}` : '',
    missing.length > 0 ? `missing: ${missing.sort().join(', ')}` : '',
    retyped.length > 0 ? `retyped: ${retyped.sort().join(', ')}` : '',
  ].filter(Boolean);
  const severity = thresholds.values.schemaChange === 'immediate' ? 'alert' : 'warning';
  return [
    {
      rule: 'schema_change',
      value: changed,
      threshold: 0,
      status: changed > 0 ? severity : 'ok',
      policyRule,
      n: current.records,
      count: changed,
      ...(parts.length > 0 ? { detail: parts.join('; ') } : {}),
    },
  ];
}
