import semver from 'semver';
import type { Role } from '../auth/roles.js';
import { invalidInput } from '../core/errors.js';
import type { Stage } from '../registry/version.schema.js';
import {
  DEFAULT_DOCUMENTATION,
  DEFAULT_FEATURE_GRACE_DAYS,
  DEFAULT_GOVERNANCE_CHANGES,
  DEFAULT_REGRESSION_TRIGGERS,
  DEFAULT_SLA,
  DEFAULT_VETO_ROLES,
} from './default-policy.js';
import type {
  ApprovalRule,
  CheckName,
  PolicyDocument,
  TierPolicy,
  ValidationLevel,
  VersionBump,
} from './policy.schema.js';

/** The tier's section of the policy; tiers outside 1–4 are refused. */
export function tierPolicy(doc: PolicyDocument, tier: number): TierPolicy {
  const key = String(tier);
  if (key !== '1' && key !== '2' && key !== '3' && key !== '4')
    throw invalidInput(`risk tier must be 1, 2, 3 or 4 (got ${tier})`, 'tier');
  return doc.tiers[key];
}

/**
 * A vote one role holds on a request: `count` approvals of a body of `of` voters (`of` = `count`
 * when the rule names no quorum, so every needed voter must approve). With `veto`, one rejection
 * by the role closes the request whatever the count.
 */
export interface VoteRule {
  role: Role;
  count: number;
  of: number;
  veto: boolean;
}

/** Rules merged per role (the larger count and body win), in first-seen order. */
function mergeVotes(rules: ApprovalRule[], veto: readonly Role[]): VoteRule[] {
  const out: VoteRule[] = [];
  for (const rule of rules) {
    const of = Math.max(rule.of ?? rule.count, rule.count);
    const existing = out.find((r) => r.role === rule.role);
    if (existing) {
      existing.count = Math.max(existing.count, rule.count);
      existing.of = Math.max(existing.of, of);
    } else out.push({ role: rule.role, count: rule.count, of, veto: veto.includes(rule.role) });
  }
  return out;
}

/** `{role, count}` pairs merged per role, in first-seen order. */
function mergeRules(rules: ApprovalRule[]): Array<{ role: Role; count: number }> {
  return mergeVotes(rules, []).map(({ role, count }) => ({ role, count }));
}

/** Roles whose single rejection closes a request of this tier (Warden's defaults when the document is silent). */
export function vetoRoles(doc: PolicyDocument, tier: number): Role[] {
  return [...(tierPolicy(doc, tier).vetoRoles ?? DEFAULT_VETO_ROLES[tier as 1 | 2 | 3 | 4])];
}

function transitionRules(doc: PolicyDocument, tier: number, from: Stage, to: Stage): ApprovalRule[] {
  const approvals = tierPolicy(doc, tier).approvals;
  const direct = approvals[`${from}->${to}`];
  if (direct !== undefined) return direct;
  if (from === 'staging' && to === 'production')
    return [...(approvals['staging->approved'] ?? []), ...(approvals['approved->production'] ?? [])];
  return [];
}

/** The votes a transition needs for a tier: {@link approvalRequirements} with each rule's body and veto. */
export function approvalVotes(doc: PolicyDocument, tier: number, from: Stage, to: Stage): VoteRule[] {
  return mergeVotes(transitionRules(doc, tier, from, to), vetoRoles(doc, tier));
}

/**
 * The votes a loosening of a governance fact needs: by default the promotion approvals of the
 * stricter of the two tiers involved (the model's tier when it does not change) plus compliance.
 * Vetoes are the stricter tier's.
 */
export function governanceChangeVotes(doc: PolicyDocument, stricterTier: number): VoteRule[] {
  const g = doc.governanceChanges ?? DEFAULT_GOVERNANCE_CHANGES;
  const promotion = g.promotionApprovals ? transitionRules(doc, stricterTier, 'staging', 'production') : [];
  return mergeVotes([...promotion, ...g.plus], vetoRoles(doc, stricterTier));
}

/**
 * Approvals a transition needs for a tier. The promotion matrix lives on `staging->approved`:
 * approvals are collected while the change request moves a version to `approved`, and
 * `approved->production` is the execution. Asking for `staging->production` therefore answers
 * both legs together. A transition the policy does not list needs no approval.
 */
export function approvalRequirements(
  doc: PolicyDocument,
  tier: number,
  from: Stage,
  to: Stage,
): Array<{ role: Role; count: number }> {
  return mergeRules(transitionRules(doc, tier, from, to));
}

/** The approvals a change of the policy itself needs. */
export function policyChangeApprovals(doc: PolicyDocument): Array<{ role: Role; count: number }> {
  return mergeRules(doc.policyChange);
}

/**
 * MAJOR, MINOR or PATCH bump of `to` over the production champion `from`; `initial` when there is
 * no champion. A version that is not above the champion (a re-release or downgrade) counts as major:
 * nothing about it can be assumed.
 */
export function versionBump(from: string | null, to: string): VersionBump {
  if (from === null) return 'initial';
  const a = semver.parse(from);
  const b = semver.parse(to);
  if (!a || !b) throw invalidInput(`not semantic versions: ${from}, ${to}`, 'version');
  if (semver.lte(b, a)) return 'major';
  if (b.major !== a.major) return 'major';
  if (b.minor !== a.minor) return 'minor';
  return 'patch';
}

/** The validation level a bump requires (`null` when the tier asks for none). */
export function requiredValidationLevel(
  doc: PolicyDocument,
  tier: number,
  bump: VersionBump,
): ValidationLevel | null {
  return tierPolicy(doc, tier).validation.levelFor[bump] ?? null;
}

/** One check a validation level runs, with the thresholds it is held to and where they come from. */
export interface CheckRequirement {
  name: CheckName;
  /** Policy path of the rule, e.g. `tiers.1.validation.noRegressionPct`. */
  rule: string;
  threshold: Record<string, number | boolean | string[] | Record<string, number>>;
}

/** The checks of a level for a tier, with their thresholds. */
export function validationChecksFor(
  doc: PolicyDocument,
  tier: number,
  level: ValidationLevel,
): CheckRequirement[] {
  const v = tierPolicy(doc, tier).validation;
  const base = `tiers.${tier}.validation`;
  const spec = (name: CheckName): Omit<CheckRequirement, 'name'> => {
    switch (name) {
      case 'performance.thresholds':
        return { rule: `${base}.minMetrics`, threshold: { minMetrics: v.minMetrics } };
      case 'performance.no-regression':
        return {
          rule: `${base}.noRegressionPct`,
          threshold: { maxDropPct: v.noRegressionPct, metrics: v.regressionMetrics },
        };
      case 'performance.significance':
        return { rule: `${base}.significanceAlpha`, threshold: { alpha: v.significanceAlpha } };
      case 'performance.segments':
        return {
          rule: `${base}.segmentRegressionPct`,
          threshold: { maxDropPct: v.segmentRegressionPct, metrics: v.regressionMetrics },
        };
      case 'data.schema':
        return { rule: `${base}.checks.${level}`, threshold: {} };
      case 'data.ranges':
        return { rule: `${base}.checks.${level}`, threshold: {} };
      case 'data.missing-rate':
        return { rule: `${base}.maxMissingRate`, threshold: { maxMissingRate: v.maxMissingRate } };
      case 'data.drift':
        return { rule: `${base}.maxPsi`, threshold: { maxPsi: v.maxPsi } };
      case 'infrastructure.latency':
        return {
          rule: `${base}.latencyP95Ms`,
          threshold: { latencyP95Ms: v.latencyP95Ms, latencyP99Ms: v.latencyP99Ms },
        };
      case 'infrastructure.memory':
        return {
          rule: `${base}.memoryMaxPct`,
          threshold: { memoryMaxPct: v.memoryMaxPct, memoryLimitMb: v.memoryLimitMb },
        };
      case 'security.artifact':
        return { rule: `${base}.checks.${level}`, threshold: {} };
      case 'security.signature':
        return { rule: `${base}.requireSignature`, threshold: { required: v.requireSignature } };
      case 'security.pii':
        return { rule: `${base}.checks.${level}`, threshold: { maxFindings: 0 } };
      case 'fairness.disparate-impact':
        return {
          rule: `${base}.fairness.disparateImpactMin`,
          threshold: { min: v.fairness.disparateImpactMin, required: v.fairness.required },
        };
      case 'fairness.equal-opportunity':
        return {
          rule: `${base}.fairness.equalOpportunityDiffMax`,
          threshold: { max: v.fairness.equalOpportunityDiffMax, required: v.fairness.required },
        };
      case 'fairness.demographic-parity':
        return {
          rule: `${base}.fairness.demographicParityDiffMax`,
          threshold: { max: v.fairness.demographicParityDiffMax, required: v.fairness.required },
        };
      case 'model-card.complete':
        return {
          rule: `tiers.${tier}.documentation.modelCard.requiredSections`,
          threshold: { requiredSections: documentationPolicy(doc, tier).modelCard.requiredSections },
        };
      case 'explainability.evidence': {
        const e = explainabilityPolicy(doc, tier);
        return {
          rule: `tiers.${tier}.explainability`,
          threshold: {
            required: e.required,
            requireCounterfactuals: e.requireCounterfactuals,
            sparsityMaxFeatures: e.sparsityMaxFeatures,
            stabilityMin: e.stabilityMin,
            fidelityMin: e.fidelityMin,
          },
        };
      }
    }
  };
  return v.checks[level].map((name) => ({ name, ...spec(name) }));
}

/** What monitoring evaluates for a tier: cadences (minutes; `null` = not scheduled), triggers, alerting. */
export interface MonitoringPolicy {
  tier: number;
  cadenceMinutes: {
    performance: number | null;
    dataDrift: number | null;
    conceptDrift: number | null;
    fairness: number | null;
  };
  triggers: TierPolicy['monitoring']['triggers'];
  /** Degradation triggers of regression models (Warden's defaults when the document has none). */
  regressionTriggers: NonNullable<TierPolicy['monitoring']['regressionTriggers']>;
  /** `policy` when the document sets `regressionTriggers`, `warden-default` when it predates them. */
  regressionTriggersSource: 'policy' | 'warden-default';
  /** Operational SLAs (Warden's defaults for the tier when the document has none). */
  sla: NonNullable<TierPolicy['monitoring']['sla']>;
  /** `policy` when the document sets `sla`, `warden-default` when it predates it. */
  slaSource: 'policy' | 'warden-default';
  /** Significance level of the monitors' verdicts; undefined when the document sets none (Warden's default applies). */
  alpha?: number;
  alerting: {
    ackWithinMinutes: number;
    escalationChain: string[];
    escalateEveryMinutes: number;
    autoResolveAfterCleanWindows: number;
  };
}

export function monitoringPolicy(doc: PolicyDocument, tier: number): MonitoringPolicy {
  const m = tierPolicy(doc, tier).monitoring;
  return {
    tier,
    cadenceMinutes: { ...m.cadenceMinutes },
    triggers: { ...m.triggers },
    regressionTriggers: { ...(m.regressionTriggers ?? DEFAULT_REGRESSION_TRIGGERS[tier as 1 | 2 | 3 | 4]) },
    regressionTriggersSource: m.regressionTriggers ? 'policy' : 'warden-default',
    sla: { ...(m.sla ?? DEFAULT_SLA[tier as 1 | 2 | 3 | 4]) },
    slaSource: m.sla ? 'policy' : 'warden-default',
    ...(m.alpha !== undefined ? { alpha: m.alpha } : {}),
    alerting: { ...m.alerting, escalationChain: [...m.alerting.escalationChain] },
  };
}

export type RetentionPolicy = TierPolicy['retention'];
export function retentionPolicy(doc: PolicyDocument, tier: number): RetentionPolicy {
  return { ...tierPolicy(doc, tier).retention };
}

export function rollbackPolicy(
  doc: PolicyDocument,
  tier: number,
): { roles: Role[]; approvalAfterTheFact: boolean } {
  const r = tierPolicy(doc, tier).rollback;
  return { roles: [...r.roles], approvalAfterTheFact: r.approvalAfterTheFact };
}

export function retirementPolicy(
  doc: PolicyDocument,
  tier: number,
): { graceDays: number; needsApproval: boolean; artifact: 'keep' | 'mark' } {
  return { ...tierPolicy(doc, tier).retirement };
}

export type RolloutPolicy = TierPolicy['rollout'];
export function rolloutPolicy(doc: PolicyDocument, tier: number): RolloutPolicy {
  const r = tierPolicy(doc, tier).rollout;
  return {
    ...r,
    canaryStepsPct: [...r.canaryStepsPct],
    ...(r.analysis ? { analysis: structuredClone(r.analysis) } : {}),
  };
}

export type DocumentationPolicy = NonNullable<TierPolicy['documentation']> & {
  /** `policy` when the document sets `documentation`, `warden-default` when it predates it. */
  source: 'policy' | 'warden-default';
};

/** Which model-card sections a tier requires, how often cards are reviewed and reports generated. */
export function documentationPolicy(doc: PolicyDocument, tier: number): DocumentationPolicy {
  const d = tierPolicy(doc, tier).documentation;
  const chosen = d ?? DEFAULT_DOCUMENTATION[tier as 1 | 2 | 3 | 4];
  return {
    modelCard: { ...chosen.modelCard, requiredSections: [...chosen.modelCard.requiredSections] },
    periodicReportDays: chosen.periodicReportDays,
    postImplementationReviewDays: chosen.postImplementationReviewDays,
    source: d ? 'policy' : 'warden-default',
  };
}

/** MLflow aliases that name the production version, when the policy does not list its own. */
export const DEFAULT_PROTECTED_ALIASES: readonly string[] = ['champion', 'production'];

/** The MLflow aliases whose move is a promotion to production (compared without case). */
export function protectedAliases(doc: PolicyDocument): readonly string[] {
  return doc.protectedAliases ?? DEFAULT_PROTECTED_ALIASES;
}

/** Days a deprecated feature stays before it may be removed (policy `features`, default 30). */
export function featureDeprecationGraceDays(doc: PolicyDocument): number {
  return doc.features?.deprecationGraceDays ?? DEFAULT_FEATURE_GRACE_DAYS;
}

/** Explainability rules of a tier with Warden's defaults filled in. */
export interface ExplainabilityPolicy {
  required: boolean;
  topFeatures: number;
  driftMinRankCorrelation: number;
  driftMaxShareChange: number;
  additivityTolerance: number;
  additivityMaxViolationRate: number;
  sparsityMaxFeatures: number;
  stabilityMin: number;
  fidelityMin: number;
  minRecords: number;
  disputeDays: number;
  requireCounterfactuals: boolean;
  /** `policy` when the tier declares an explainability section, else `warden-default`. */
  source: 'policy' | 'warden-default';
}

export function explainabilityPolicy(doc: PolicyDocument, tier: number): ExplainabilityPolicy {
  const e = tierPolicy(doc, tier).explainability;
  const required = e?.required ?? tier === 1;
  return {
    required,
    topFeatures: e?.topFeatures ?? 10,
    driftMinRankCorrelation: e?.driftMinRankCorrelation ?? 0.8,
    driftMaxShareChange: e?.driftMaxShareChange ?? 0.1,
    additivityTolerance: e?.additivityTolerance ?? 0.01,
    additivityMaxViolationRate: e?.additivityMaxViolationRate ?? 0.05,
    sparsityMaxFeatures: e?.sparsityMaxFeatures ?? 10,
    stabilityMin: e?.stabilityMin ?? 0.8,
    fidelityMin: e?.fidelityMin ?? 0.7,
    minRecords: e?.minRecords ?? 30,
    disputeDays: e?.disputeDays ?? 30,
    requireCounterfactuals: e?.requireCounterfactuals ?? required,
    source: e ? 'policy' : 'warden-default',
  };
}
