import { result, round, type CheckTable } from './check-context.js';

const HOW_TO = {
  globalImportance:
    'send attributions with inference records and run monitoring, or PUT …/explanation-evidence/report',
  counterfactuals: 'PUT …/explanation-evidence/counterfactuals',
};

/**
 * `explainability.evidence`, for tiers whose policy requires explanations: the version has global
 * importance (from monitoring windows or an uploaded explanation report), its sparsity, stability
 * and fidelity are known and within the policy's thresholds (sparsity ≤ `sparsityMaxFeatures`,
 * stability ≥ `stabilityMin`, fidelity ≥ `fidelityMin`), and counterfactual examples are attached
 * (when `requireCounterfactuals`). A failure names every piece missing or out of bounds.
 */
export const EXPLAINABILITY_CHECKS: CheckTable = {
  'explainability.evidence': (req, input) => {
    const t = req.threshold as {
      required?: boolean;
      requireCounterfactuals?: boolean;
      sparsityMaxFeatures?: number;
      stabilityMin?: number;
      fidelityMin?: number;
    };
    const threshold = {
      sparsityMaxFeatures: t.sparsityMaxFeatures ?? null,
      stabilityMin: t.stabilityMin ?? null,
      fidelityMin: t.fidelityMin ?? null,
      requireCounterfactuals: t.requireCounterfactuals ?? false,
    };
    if (t.required !== true)
      return result(
        req,
        'skipped',
        null,
        threshold,
        `tier ${input.tier} does not require explanations (explainability.required is false)`,
      );
    const e = input.explainability ?? {
      globalImportance: null,
      quality: { sparsity: null, stability: null, fidelity: null },
      counterfactuals: null,
    };
    const missing: string[] = [];
    const outside: string[] = [];
    const items: Array<Record<string, unknown>> = [];
    if (!e.globalImportance) {
      missing.push('global importance');
      items.push({ evidence: 'globalImportance', status: 'missing', howTo: HOW_TO.globalImportance });
    } else
      items.push({
        evidence: 'globalImportance',
        status: 'present',
        source: e.globalImportance.source,
        at: e.globalImportance.at,
        topFeatures: e.globalImportance.features.slice(0, 10).map((f) => f.feature),
      });
    const bounds = [
      ['sparsity', threshold.sparsityMaxFeatures, 'max'],
      ['stability', threshold.stabilityMin, 'min'],
      ['fidelity', threshold.fidelityMin, 'min'],
    ] as const;
    for (const [name, limit, kind] of bounds) {
      const score = e.quality[name];
      if (!score) {
        missing.push(name);
        items.push({ evidence: name, status: 'missing', threshold: limit, howTo: HOW_TO.globalImportance });
        continue;
      }
      const ok = limit === null || (kind === 'max' ? score.value <= limit : score.value >= limit);
      if (!ok) outside.push(`${name} ${round(score.value, 4)} ${kind === 'max' ? '>' : '<'} ${limit}`);
      items.push({
        evidence: name,
        status: ok ? 'within' : 'outside',
        value: score.value,
        threshold: limit,
        source: score.source,
        at: score.at,
      });
    }
    if (threshold.requireCounterfactuals) {
      if (!e.counterfactuals) {
        missing.push('counterfactual examples');
        items.push({ evidence: 'counterfactuals', status: 'missing', howTo: HOW_TO.counterfactuals });
      } else
        items.push({
          evidence: 'counterfactuals',
          status: 'present',
          examples: e.counterfactuals.examples,
          sha256: e.counterfactuals.sha256,
        });
    }
    const value = {
      globalImportance: e.globalImportance?.source ?? null,
      topFeature: e.globalImportance?.features[0]?.feature ?? null,
      sparsity: e.quality.sparsity ? round(e.quality.sparsity.value) : null,
      stability: e.quality.stability ? round(e.quality.stability.value) : null,
      fidelity: e.quality.fidelity ? round(e.quality.fidelity.value) : null,
      counterfactualExamples: e.counterfactuals?.examples ?? 0,
    };
    if (missing.length === 0 && outside.length === 0)
      return result(
        req,
        'pass',
        value,
        threshold,
        `global importance from ${e.globalImportance!.source}, quality within the policy's thresholds${
          threshold.requireCounterfactuals ? `, ${e.counterfactuals!.examples} counterfactual examples` : ''
        }`,
        items,
      );
    const parts = [
      ...(missing.length ? [`missing: ${missing.join(', ')}`] : []),
      ...(outside.length ? [`outside the policy's thresholds: ${outside.join(', ')}`] : []),
    ];
    const how = [
      ...(missing.some((m) => m !== 'counterfactual examples') ? [HOW_TO.globalImportance] : []),
      ...(missing.includes('counterfactual examples') ? [HOW_TO.counterfactuals] : []),
    ];
    return {
      ...result(
        req,
        'fail',
        value,
        threshold,
        `${parts.join('; ')}${how.length ? ` (supply them: ${how.join('; ')})` : ''}`,
        items,
      ),
      ...(missing.length ? { missing: missing.join(', ') } : {}),
    };
  },
};
