import type { WindowProfile } from '../window-profile.js';
import { judgeChangeAgainstNoise, pooledDifferenceStandardError } from './noise-verdict.js';
import type { ResolvedThresholds, RuleCheck, RuleOptions } from './rule.types.js';
import { round } from './status.js';

/**
 * Fairness by sensitive group: for each sensitive attribute, the equal-opportunity difference
 * (largest minus smallest true-positive rate among its groups, from the groups' segment
 * profiles). Groups with fewer than `minLabels` labelled records or no positive labels are
 * left out; fewer than two groups left is `insufficient_data`. The detail also gives each
 * group's selection rate and the disparate-impact ratio (smallest over largest selection rate).
 *
 * The difference is judged by the three-way rule against sampling noise: the standard error is
 * that of the difference between the two extreme groups' true-positive rates under "equal
 * rates" (pooled over their actual positives), and α is divided by the number of group pairs
 * (Bonferroni), since the largest of several differences is the one compared.
 */
export function fairnessRule(
  segments: ReadonlyMap<string, WindowProfile>,
  attributes: readonly string[],
  thresholds: ResolvedThresholds,
  options: RuleOptions,
): RuleCheck[] {
  const threshold = thresholds.values.equalOpportunityDiff;
  const policyRule = thresholds.sources.equalOpportunityDiff;
  return attributes.map((attribute): RuleCheck => {
    const groups: {
      name: string;
      tpr: number;
      selection: number;
      n: number;
      tp: number;
      positives: number;
    }[] = [];
    for (const [key, profile] of segments) {
      if (!key.startsWith(`${attribute}=`)) continue;
      const p = profile.performance;
      if (p.labelled < options.minLabels || p.tp + p.fn === 0) continue;
      groups.push({
        name: key.slice(attribute.length + 1),
        tpr: p.tp / (p.tp + p.fn),
        selection: (p.tp + p.fp) / p.labelled,
        n: p.labelled,
        tp: p.tp,
        positives: p.tp + p.fn,
      });
    }
    if (groups.length < 2) {
      return {
        rule: 'fairness',
        feature: attribute,
        value: null,
        threshold,
        status: 'insufficient_data',
        policyRule,
        detail: `needs two or more groups of "${attribute}" with at least ${options.minLabels} labelled records and a positive label`,
      };
    }
    groups.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let high = groups[0]!;
    let low = groups[0]!;
    for (const g of groups) {
      if (g.tpr > high.tpr) high = g;
      if (g.tpr < low.tpr) low = g;
    }
    const diff = high.tpr - low.tpr;
    const pairs = (groups.length * (groups.length - 1)) / 2;
    const verdict = judgeChangeAgainstNoise({
      change: diff,
      threshold,
      standardError: pooledDifferenceStandardError(high.tp, high.positives, low.tp, low.positives),
      alpha: options.alpha / pairs,
      warningFraction: options.warningFraction,
      name: `equal-opportunity difference (${high.name} − ${low.name})`,
    });
    const selections = groups.map((g) => g.selection);
    const maxSel = Math.max(...selections);
    const ratio = maxSel > 0 ? Math.min(...selections) / maxSel : null;
    return {
      rule: 'fairness',
      feature: attribute,
      value: round(diff),
      threshold,
      status: verdict.status,
      policyRule,
      n: groups.reduce((s, g) => s + g.n, 0),
      detail:
        `equal-opportunity difference over ${groups.map((g) => `${g.name} (TPR ${round(g.tpr)} of ${g.positives} positives, selection ${round(g.selection)})`).join(', ')}` +
        (ratio === null ? '' : `; disparate-impact ratio ${round(ratio)}`) +
        `. ${verdict.status}: ${verdict.detail}` +
        (pairs > 1 ? ` (α ${options.alpha} over ${pairs} group pairs)` : ''),
    };
  });
}

/** New-data volume: records received since the version was created (or last retrained). */
export function newDataVolumeRule(
  records: number,
  since: string,
  thresholds: ResolvedThresholds,
  options: RuleOptions,
): RuleCheck {
  const threshold = thresholds.values.newDataVolume;
  // The trigger fires once the volume is reached, so judge against threshold − 1.
  const status =
    records >= threshold ? 'alert' : records > threshold * options.warningFraction ? 'warning' : 'ok';
  return {
    rule: 'new_data_volume',
    value: records,
    threshold,
    status,
    policyRule: thresholds.sources.newDataVolume,
    n: records,
    detail: `records since ${since}`,
  };
}
