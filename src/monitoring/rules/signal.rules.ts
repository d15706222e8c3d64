import type { RuleCheck, RuleInput } from './rule.types.js';
import { judge, round } from './status.js';

/**
 * Safety signals: for each signal name seen in the window, the share of records where it
 * fired (records that did not carry it count as not fired). Rule name `safety_signal:<name>`.
 */
export function safetySignalRule(input: RuleInput): RuleCheck[] {
  const { thresholds, options, current } = input;
  const threshold = thresholds.values.safetySignalRatePct;
  const n = current.records;
  const sufficient = n >= options.minRecords;
  return Object.keys(current.signals)
    .sort()
    .map((name): RuleCheck => {
      const events = current.signals[name]!.events;
      const pct = n > 0 ? (events / n) * 100 : null;
      return {
        rule: `safety_signal:${name}`,
        value: sufficient && pct !== null ? round(pct) : null,
        threshold,
        status: judge(pct, threshold, { sufficient, warningFraction: options.warningFraction }),
        policyRule: thresholds.sources.safetySignalRatePct,
        n,
        count: events,
      };
    });
}

/** Negative feedback: share of feedback that is a thumbs-down, in percent. */
export function negativeFeedbackRule(input: RuleInput): RuleCheck[] {
  const { thresholds, options, current } = input;
  const threshold = thresholds.values.negativeFeedbackRatePct;
  const n = current.feedback.up + current.feedback.down;
  if (n === 0) return [];
  const sufficient = n >= options.minRecords;
  const pct = (current.feedback.down / n) * 100;
  return [
    {
      rule: 'negative_feedback_rate',
      value: sufficient ? round(pct) : null,
      threshold,
      status: judge(pct, threshold, { sufficient, warningFraction: options.warningFraction }),
      policyRule: thresholds.sources.negativeFeedbackRatePct,
      n,
      count: current.feedback.down,
    },
  ];
}

/**
 * Rules whose checks are event rates judged against their own trailing baseline (safety signals,
 * negative feedback): incidents test them for spikes; alerts leave them to incidents.
 */
export function isRateRule(rule: string): boolean {
  return rule.startsWith('safety_signal:') || rule === 'negative_feedback_rate';
}
