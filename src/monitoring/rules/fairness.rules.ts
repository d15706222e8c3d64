import type { WindowProfile } from '../window-profile.js';
import type { ResolvedThresholds, RuleCheck, RuleOptions } from './rule.types.js';
import { judge, round } from './status.js';

/**
 * Fairness by sensitive group: for each sensitive attribute, the equal-opportunity difference
 * (largest minus smallest true-positive rate among its groups, from the groups' segment
 * profiles). Groups with fewer than `minLabels` labelled records or no positive labels are
 * left out; fewer than two groups left is `insufficient_data`. The detail also gives each
 * group's selection rate and the disparate-impact ratio (smallest over largest selection rate).
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
    const groups: { name: string; tpr: number; selection: number; n: number }[] = [];
    for (const [key, profile] of segments) {
      if (!key.startsWith(`${attribute}=`)) continue;
      const p = profile.performance;
      if (p.labelled < options.minLabels || p.tp + p.fn === 0) continue;
      groups.push({
        name: key.slice(attribute.length + 1),
        tpr: p.tp / (p.tp + p.fn),
        selection: (p.tp + p.fp) / p.labelled,
        n: p.labelled,
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
    const tprs = groups.map((g) => g.tpr);
    const diff = Math.max(...tprs) - Math.min(...tprs);
    const selections = groups.map((g) => g.selection);
    const maxSel = Math.max(...selections);
    const ratio = maxSel > 0 ? Math.min(...selections) / maxSel : null;
    return {
      rule: 'fairness',
      feature: attribute,
      value: round(diff),
      threshold,
      status: judge(diff, threshold, { sufficient: true, warningFraction: options.warningFraction }),
      policyRule,
      n: groups.reduce((s, g) => s + g.n, 0),
      detail:
        `equal-opportunity difference over ${groups.map((g) => `${g.name} (TPR ${round(g.tpr)}, selection ${round(g.selection)})`).join(', ')}` +
        (ratio === null ? '' : `; disparate-impact ratio ${round(ratio)}`),
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
