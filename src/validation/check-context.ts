import type { ExplainabilityEvidence } from '../explanations/explanation-evidence.service.js';
import type { CheckName, CheckRequirement, TierPolicy, ValidationLevel } from '../policy/index.js';
import type { ModelVersion } from '../registry/version.schema.js';
import { evaluateBinary, evaluateBinaryPredictions } from '../stats/metrics/index.js';
import type { FeatureValue, PreparedData } from './validation-input.js';
import type { CheckResult, CheckStatus, Measure } from './validation.schema.js';

/** The production champion the candidate is compared with, when the model has one. */
export interface ChampionInfo {
  version: string;
  metrics: Record<string, number>;
  segmentMetrics: Record<string, Record<string, number>>;
}

/** What the artifact check found when the stored blob was rehashed. */
export type ArtifactDigest =
  | { status: 'absent' }
  | { status: 'missing'; expected: string }
  | { status: 'match'; sha256: string }
  | { status: 'mismatch'; expected: string; actual: string };

/** Everything the pure suite needs; the service loads it, the checks only read it. */
export interface SuiteInput {
  tier: number;
  level: ValidationLevel;
  requirements: CheckRequirement[];
  policy: TierPolicy['validation'];
  data: PreparedData;
  champion: ChampionInfo | null;
  version: Pick<ModelVersion, 'version' | 'inputSchema' | 'verified' | 'signatures' | 'piiFindings'>;
  artifact: ArtifactDigest;
  reference: { rows: Array<Record<string, FeatureValue>>; source: string } | null;
  evidence: { latencyP95Ms?: number; latencyP99Ms?: number; peakMemoryMb?: number; memoryLimitMb?: number };
  /** Required model-card sections the gate judges that have no content (loaded when the level runs `model-card.complete`). */
  modelCardGaps?: string[] | undefined;
  /** The version's explanation evidence (loaded when the level runs `explainability.evidence`). */
  explainability?: ExplainabilityEvidence | undefined;
}

/** Builds one check result; `rule` and `name` come from the requirement the check answers. */
export function result(
  req: CheckRequirement,
  status: CheckStatus,
  value: Measure,
  threshold: Measure,
  detail?: string,
  items?: Array<Record<string, unknown>>,
): CheckResult {
  return {
    name: req.name,
    status,
    value,
    threshold,
    rule: req.rule,
    ...(detail !== undefined ? { detail } : {}),
    ...(items !== undefined && items.length > 0 ? { items } : {}),
  };
}

/**
 * A check the level requires that could not run because an input is absent. It fails, so a run
 * cannot pass on evidence it never saw; a waiver can still cover it. `missing` names the input,
 * `howTo` says how to supply it.
 */
export function missingInput(
  req: CheckRequirement,
  threshold: Measure,
  missing: string,
  howTo: string,
  items?: Array<Record<string, unknown>>,
): CheckResult {
  return {
    ...result(req, 'fail', null, threshold, `not run: no ${missing}; ${howTo}`, items),
    missing,
  };
}

export type CheckFn = (req: CheckRequirement, input: SuiteInput) => CheckResult;
export type CheckTable = Partial<Record<CheckName, CheckFn>>;

/** Metrics of one model on some rows: hard metrics from predictions, ranking and calibration from scores. */
export function metricsOn(
  labels: Uint8Array,
  predictions: Uint8Array,
  scores: Float64Array | null,
  threshold: number,
): Record<string, number | null> {
  const hard = evaluateBinaryPredictions(labels, predictions);
  const out: Record<string, number | null> = {
    accuracy: hard.accuracy,
    precision: hard.precision,
    recall: hard.recall,
    f1: hard.f1,
  };
  if (scores) {
    const soft = evaluateBinary(labels, scores, { threshold });
    out.rocAuc = soft.rocAuc;
    out.prAuc = soft.prAuc;
    out.brier = soft.brier;
    out.logLoss = soft.logLoss;
  }
  return out;
}

/** The rows at `indices` of a typed array. */
export function pick<T extends Uint8Array | Float64Array>(values: T, indices: number[]): T {
  const out = new (values.constructor as new (n: number) => T)(indices.length);
  indices.forEach((idx, k) => {
    out[k] = values[idx]!;
  });
  return out;
}

export const round = (v: number, digits = 6): number => Number(v.toFixed(digits));
