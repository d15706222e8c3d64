import type { ExplainabilityPolicy } from '../policy/policy.rules.js';
import type { AttributionProfile } from './attribution-profile.js';
import { correlationOf, spearman } from './explanation.stats.js';

/** One feature of global importance: mean |attribution| and its share of the total. */
export interface FeatureImportance {
  feature: string;
  meanAbs: number;
  /** Mean signed attribution: which way the feature pushes on average. */
  mean: number;
  share: number;
}

/** What a window's explanations look like, as monitoring reports them under `explanations`. */
export interface ExplanationSummary {
  /** Records that carried attributions, and the window's records. */
  records: number;
  coverage: number | null;
  methods: Record<string, number>;
  globalImportance: FeatureImportance[];
  drift: {
    rankCorrelation: number | null;
    /** Feature → share now − share in the reference, largest |change| first (top features). */
    shareChanges: { feature: string; change: number }[];
    referenceRecords: number;
  } | null;
  additivity: {
    records: number;
    meanAbsResidual: number | null;
    maxAbsResidual: number | null;
    violationRate: number | null;
    tolerance: number;
  };
  quality: {
    /** Mean number of features needed for 80 % of |attribution|. */
    sparsity: number | null;
    /** 1 − mean attribution distance of close pairs. */
    stability: number | null;
    stabilityPairs: number;
    /** Correlation of Δ Σ attributions with Δ score across probe pairs. */
    fidelity: number | null;
    fidelityPairs: number;
  };
}

/** A check in the shape monitoring stores (a rule, its value against a threshold). */
export interface ExplanationCheck {
  rule: string;
  feature?: string;
  value: number | null;
  threshold: number | null;
  status: 'ok' | 'warning' | 'alert' | 'insufficient_data';
  policyRule: string;
  n?: number;
  detail?: string;
  explanations?: ExplanationSummary;
}

/** Mean |attribution| per feature (over the records carrying one), each with its share; largest first. */
export function globalImportance(profile: AttributionProfile): FeatureImportance[] {
  const rows = [...profile.features].map(([feature, s]) => ({
    feature,
    meanAbs: s.n > 0 ? s.abs / s.n : 0,
    mean: s.n > 0 ? s.sum / s.n : 0,
  }));
  const total = rows.reduce((t, r) => t + r.meanAbs, 0);
  return rows
    .map((r) => ({ ...r, share: total > 0 ? r.meanAbs / total : 0 }))
    .sort((a, b) => b.meanAbs - a.meanAbs || (a.feature < b.feature ? -1 : 1));
}

/**
 * Attribution drift: Spearman correlation of the features' mean |attribution| now and in the
 * reference (over the union of their features, a feature absent on one side counting 0), and each
 * feature's change of share.
 */
export function attributionDrift(
  current: AttributionProfile,
  reference: AttributionProfile,
): { rankCorrelation: number | null; shareChanges: { feature: string; change: number }[] } {
  const now = new Map(globalImportance(current).map((f) => [f.feature, f]));
  const before = new Map(globalImportance(reference).map((f) => [f.feature, f]));
  const features = [...new Set([...now.keys(), ...before.keys()])].sort();
  const rankCorrelation = spearman(
    features.map((f) => now.get(f)?.meanAbs ?? 0),
    features.map((f) => before.get(f)?.meanAbs ?? 0),
  );
  const shareChanges = features
    .map((feature) => ({
      feature,
      change: (now.get(feature)?.share ?? 0) - (before.get(feature)?.share ?? 0),
    }))
    .sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || (a.feature < b.feature ? -1 : 1));
  return { rankCorrelation, shareChanges };
}

/** Share of records whose additivity residual lies beyond `tolerance` (bins wholly above it). */
export function additivityViolationRate(profile: AttributionProfile, tolerance: number): number | null {
  const n = profile.additivity.n;
  if (n === 0) return null;
  let over = 0;
  for (const bin of profile.additivity.residuals.bins()) if (bin.lo > tolerance) over += bin.count;
  return over / n;
}

/** The window's explanation summary. */
export function summariseExplanations(
  current: AttributionProfile,
  windowRecords: number,
  reference: AttributionProfile | null,
  policy: ExplainabilityPolicy,
): ExplanationSummary {
  const drift = reference !== null && reference.n > 0 ? attributionDrift(current, reference) : null;
  const a = current.additivity;
  return {
    records: current.n,
    coverage: windowRecords > 0 ? current.n / windowRecords : null,
    methods: { ...current.methods },
    globalImportance: globalImportance(current).slice(0, policy.topFeatures),
    drift: drift
      ? {
          rankCorrelation: drift.rankCorrelation,
          shareChanges: drift.shareChanges.slice(0, policy.topFeatures),
          referenceRecords: reference!.n,
        }
      : null,
    additivity: {
      records: a.n,
      meanAbsResidual: a.n > 0 ? a.sumAbs / a.n : null,
      maxAbsResidual: a.n > 0 ? a.max : null,
      violationRate: additivityViolationRate(current, policy.additivityTolerance),
      tolerance: policy.additivityTolerance,
    },
    quality: {
      sparsity: current.sparsity.n > 0 ? current.sparsity.sum / current.sparsity.n : null,
      stability: current.stability.n > 0 ? 1 - current.stability.sum / current.stability.n : null,
      stabilityPairs: current.stability.n,
      fidelity: correlationOf(current.fidelity),
      fidelityPairs: current.fidelity.n,
    },
  };
}

type Direction = 'max' | 'min';

function judge(
  rule: string,
  value: number | null,
  threshold: number,
  direction: Direction,
  n: number,
  minRecords: number,
  policyRule: string,
  extra: Partial<ExplanationCheck> = {},
): ExplanationCheck {
  const enough = n >= minRecords && value !== null;
  const bad = enough && (direction === 'max' ? value > threshold : value < threshold);
  return {
    rule,
    value,
    threshold,
    status: !enough ? 'insufficient_data' : bad ? 'alert' : 'ok',
    policyRule: `explainability.${policyRule}`,
    n,
    ...extra,
  };
}

/**
 * The explanation monitors of a window: the `explanations` summary check (its value the rank
 * correlation against the reference), the largest share change, additivity, sparsity,
 * stability and fidelity. Nothing when neither the window nor the policy involves attributions.
 */
export function explanationChecks(
  current: AttributionProfile,
  windowRecords: number,
  reference: AttributionProfile | null,
  policy: ExplainabilityPolicy,
): ExplanationCheck[] {
  if (current.empty && !policy.required) return [];
  const summary = summariseExplanations(current, windowRecords, reference, policy);
  const min = policy.minRecords;
  const refN = reference?.n ?? 0;
  const checks: ExplanationCheck[] = [
    judge(
      'explanations',
      summary.drift?.rankCorrelation ?? null,
      policy.driftMinRankCorrelation,
      'min',
      Math.min(current.n, refN),
      min,
      'driftMinRankCorrelation',
      {
        explanations: summary,
        ...(summary.drift === null ? { detail: 'no reference attributions to compare with' } : {}),
      },
    ),
  ];
  const top = summary.drift?.shareChanges[0];
  checks.push(
    judge(
      'attribution_share_change',
      top ? Math.abs(top.change) : null,
      policy.driftMaxShareChange,
      'max',
      Math.min(current.n, refN),
      min,
      'driftMaxShareChange',
      top ? { feature: top.feature } : {},
    ),
  );
  checks.push(
    judge(
      'attribution_additivity',
      summary.additivity.violationRate,
      policy.additivityMaxViolationRate,
      'max',
      summary.additivity.records,
      min,
      'additivityMaxViolationRate',
    ),
  );
  if (policy.required && windowRecords > 0)
    checks.push(
      judge('attribution_coverage', summary.coverage, 1, 'min', windowRecords, min, 'required', {
        detail: `${windowRecords - current.n} of ${windowRecords} records carried no attributions`,
      }),
    );
  checks.push(
    judge(
      'explanation_sparsity',
      summary.quality.sparsity,
      policy.sparsityMaxFeatures,
      'max',
      current.sparsity.n,
      min,
      'sparsityMaxFeatures',
    ),
    judge(
      'explanation_stability',
      summary.quality.stability,
      policy.stabilityMin,
      'min',
      summary.quality.stabilityPairs,
      min,
      'stabilityMin',
    ),
    judge(
      'explanation_fidelity',
      summary.quality.fidelity,
      policy.fidelityMin,
      'min',
      summary.quality.fidelityPairs,
      min,
      'fidelityMin',
    ),
  );
  return checks;
}
