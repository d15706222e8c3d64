import { canonicalJson } from '../core/canonical-json.js';
import { monitoringPolicy, type PolicyDocument } from '../policy/index.js';
import {
  cadences,
  monitoringTask,
  resolveThresholds,
  ruleOptions,
  withDefaults,
  type MonitoringConfigInput,
} from './monitoring-config.js';
import type { RuleFamily } from './rules/evaluate.js';
import type { ThresholdName } from './rules/rule.types.js';

/** Thresholds that are floors (a value below them alerts): lowering them loosens. */
const FLOOR_THRESHOLDS: ReadonlySet<string> = new Set(['throughputPerMinute']);

/** How strict a threshold value is, as a number where larger is looser (null: no limit at all). */
function looseness(value: unknown, floor = false): number {
  if (value === null || value === undefined) return Number.POSITIVE_INFINITY;
  if (value === 'immediate') return 0;
  if (value === 'next-business-day') return 1;
  return floor ? -Number(value) : Number(value);
}

const FAMILIES: readonly RuleFamily[] = ['performance', 'dataDrift', 'conceptDrift', 'fairness'];

/** A version of the model, by its validated metrics (which decide its task when none is set). */
export interface MonitoredVersion {
  version: string;
  metrics: Record<string, number>;
}

/**
 * The versions whose monitoring task (classification or regression) differs between two
 * configurations: the task decides which performance monitors run, so switching it stops the
 * others (accuracy, precision, recall decay and fairness, or the regression error rules).
 */
function taskChanges(
  before: MonitoringConfigInput,
  after: MonitoringConfigInput,
  versions: MonitoredVersion[],
) {
  const a = withDefaults(before);
  const b = withDefaults(after);
  return versions
    .map((v) => ({
      version: v.version,
      was: monitoringTask(a, v.metrics),
      now: monitoringTask(b, v.metrics),
    }))
    .filter((t) => t.was !== t.now);
}

/** The effective governed values of a configuration for a model's tier. */
function effective(doc: PolicyDocument, tier: number, input: MonitoringConfigInput) {
  const config = withDefaults(input);
  return {
    thresholds: resolveThresholds(doc, tier, config.thresholds).values,
    cadences: cadences(doc, tier, config),
    alpha: ruleOptions(config, undefined, monitoringPolicy(doc, tier).alpha).alpha,
    minRecords: config.minRecords,
    minLabels: config.minLabels,
    warningFraction: config.warningFraction,
    sensitiveAttributes: config.sensitiveAttributes,
  };
}

/**
 * What a new monitoring configuration loosens against the current one, compared by the values in
 * force for the model's tier (pure): a raised threshold, a longer or disabled cadence, a lower
 * significance level, more records or labels before a monitor judges, a later warning, a sensitive
 * attribute no longer watched, a version of `versions` monitored under another task (so other
 * performance monitors run). Empty when the change only tightens or leaves controls alone.
 */
export function monitoringConfigLoosenings(
  doc: PolicyDocument,
  tier: number,
  before: MonitoringConfigInput,
  after: MonitoringConfigInput,
  versions: MonitoredVersion[] = [],
): string[] {
  const a = effective(doc, tier, before);
  const b = effective(doc, tier, after);
  const show = (v: string | number | null) => (v === null ? 'none' : String(v));
  const out: string[] = [];
  for (const name of Object.keys(a.thresholds) as ThresholdName[]) {
    const was = a.thresholds[name];
    const now = b.thresholds[name];
    const floor = FLOOR_THRESHOLDS.has(name);
    if (looseness(now, floor) > looseness(was, floor))
      out.push(
        floor && now !== null
          ? `threshold ${name} lowered from ${show(was)} to ${show(now)}`
          : `threshold ${name} raised from ${show(was)} to ${show(now)}`,
      );
  }
  for (const family of FAMILIES) {
    const was = a.cadences[family];
    const now = b.cadences[family];
    if (looseness(now) > looseness(was))
      out.push(
        now === null
          ? `${family} monitor disabled (was every ${show(was)} minutes)`
          : `${family} cadence lengthened from ${show(was)} to ${now} minutes`,
      );
  }
  if (b.alpha < a.alpha) out.push(`significance level lowered from ${a.alpha} to ${b.alpha}`);
  if (b.minRecords > a.minRecords) out.push(`minRecords raised from ${a.minRecords} to ${b.minRecords}`);
  if (b.minLabels > a.minLabels) out.push(`minLabels raised from ${a.minLabels} to ${b.minLabels}`);
  if (b.warningFraction > a.warningFraction)
    out.push(`warningFraction raised from ${a.warningFraction} to ${b.warningFraction}`);
  for (const attr of a.sensitiveAttributes)
    if (!b.sensitiveAttributes.includes(attr)) out.push(`sensitive attribute ${attr} no longer watched`);
  for (const t of taskChanges(before, after, versions))
    out.push(`version ${t.version} monitored as ${t.now} instead of ${t.was} (its ${t.was} monitors stop)`);
  return out;
}

/**
 * The configuration to apply while a loosening waits for approval (pure): `after`, with every
 * loosened control kept at its `before` value, so tightenings and descriptive settings take effect
 * at once and the stricter of the old and new values holds for each control.
 */
export function stricterMonitoringConfig(
  doc: PolicyDocument,
  tier: number,
  before: MonitoringConfigInput,
  after: MonitoringConfigInput,
  versions: MonitoredVersion[] = [],
): MonitoringConfigInput {
  const a = effective(doc, tier, before);
  const b = effective(doc, tier, after);
  const merged: MonitoringConfigInput = structuredClone(after);
  const thresholds: Record<string, unknown> = { ...(after.thresholds ?? {}) };
  for (const name of Object.keys(a.thresholds) as ThresholdName[]) {
    const floor = FLOOR_THRESHOLDS.has(name);
    if (looseness(b.thresholds[name], floor) <= looseness(a.thresholds[name], floor)) continue;
    if (before.thresholds?.[name] !== undefined) thresholds[name] = before.thresholds[name];
    else delete thresholds[name];
  }
  merged.thresholds = thresholds;
  if (Object.keys(thresholds).length === 0) delete merged.thresholds;
  const cadence: Record<string, number | null> = { ...(after.cadenceMinutes ?? {}) };
  for (const family of FAMILIES) {
    if (looseness(b.cadences[family]) <= looseness(a.cadences[family])) continue;
    const was = before.cadenceMinutes?.[family];
    if (was !== undefined) cadence[family] = was;
    else delete cadence[family];
  }
  merged.cadenceMinutes = cadence;
  if (Object.keys(cadence).length === 0) delete merged.cadenceMinutes;
  const keep = <K extends 'alpha' | 'minRecords' | 'minLabels' | 'warningFraction'>(
    key: K,
    looser: boolean,
  ) => {
    if (!looser) return;
    if (before[key] !== undefined) merged[key] = before[key];
    else delete merged[key];
  };
  keep('alpha', b.alpha < a.alpha);
  keep('minRecords', b.minRecords > a.minRecords);
  keep('minLabels', b.minLabels > a.minLabels);
  keep('warningFraction', b.warningFraction > a.warningFraction);
  if (taskChanges(before, after, versions).length > 0) {
    if (before.task !== undefined) merged.task = before.task;
    else delete merged.task;
  }
  const attrs = [...new Set([...b.sensitiveAttributes, ...a.sensitiveAttributes])];
  if (attrs.length > 0) merged.sensitiveAttributes = attrs;
  return merged;
}

/** True when two configurations store the same settings. */
export function sameMonitoringConfig(a: MonitoringConfigInput, b: MonitoringConfigInput): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
