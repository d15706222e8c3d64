import type { CheckRequirement } from '../policy/index.js';
import { evaluateFairness, type FairnessReport } from '../stats/metrics/index.js';
import { missingInput, result, round, type CheckTable, type SuiteInput } from './check-context.js';
import type { CheckResult } from './validation.schema.js';

const reports = new WeakMap<SuiteInput, Array<{ attribute: string; report: FairnessReport }>>();

/** One fairness report per sensitive attribute, computed once per run. */
function fairnessByAttribute(input: SuiteInput): Array<{ attribute: string; report: FairnessReport }> {
  const cached = reports.get(input);
  if (cached) return cached;
  const d = input.data;
  const attributes = new Set<string>();
  for (const s of d.sensitive) for (const k of Object.keys(s)) attributes.add(k);
  const out = [...attributes].sort().map((attribute) => ({
    attribute,
    report: evaluateFairness(
      d.labels,
      d.predictions,
      d.sensitive.map((s) => s[attribute] ?? '(missing)'),
      d.scores ?? undefined,
    ),
  }));
  reports.set(input, out);
  return out;
}

type Metric = 'ratio' | 'eod' | 'dpd';

function fairnessCheck(metric: Metric) {
  return (req: CheckRequirement, input: SuiteInput): CheckResult => {
    const f = input.policy.fairness;
    const limit =
      metric === 'ratio'
        ? f.disparateImpactMin
        : metric === 'eod'
          ? f.equalOpportunityDiffMax
          : f.demographicParityDiffMax;
    const all = fairnessByAttribute(input);
    if (all.length === 0)
      return f.required
        ? missingInput(
            req,
            limit,
            'sensitive attributes',
            'the tier requires fairness testing: give each record its protected attributes ("sensitive" in the request, --sensitive COL)',
          )
        : result(req, 'skipped', null, limit, 'no sensitive attributes submitted');
    const items: Array<Record<string, unknown>> = [];
    const failures: string[] = [];
    let worst: number | null = null;
    for (const { attribute, report } of all) {
      const raw =
        metric === 'ratio'
          ? report.demographicParityRatio
          : metric === 'eod'
            ? report.equalOpportunityDifference
            : report.demographicParityDifference;
      const groups = Object.fromEntries(
        Object.entries(report.groups).map(([g, r]) => [
          g,
          { n: r.n, selectionRate: round(r.selectionRate), tpr: r.tpr === null ? null : round(r.tpr) },
        ]),
      );
      if (raw === null) {
        failures.push(
          `${attribute}: not computable (${metric === 'ratio' ? 'no group was selected' : 'no group has positive labels'})`,
        );
        items.push({ attribute, value: null, groups });
        continue;
      }
      const v = round(raw);
      const ok = metric === 'ratio' ? v >= limit : v < limit;
      if (!ok) failures.push(`${attribute}: ${v} ${metric === 'ratio' ? '<' : '>='} ${limit}`);
      worst = worst === null ? v : metric === 'ratio' ? Math.min(worst, v) : Math.max(worst, v);
      items.push({ attribute, value: v, groups });
    }
    return result(
      req,
      failures.length === 0 ? 'pass' : 'fail',
      worst,
      limit,
      failures.length === 0 ? `${all.map((a) => a.attribute).join(', ')} within limits` : failures.join('; '),
      items,
    );
  };
}

export const FAIRNESS_CHECKS: CheckTable = {
  'fairness.disparate-impact': fairnessCheck('ratio'),
  'fairness.equal-opportunity': fairnessCheck('eod'),
  'fairness.demographic-parity': fairnessCheck('dpd'),
};
