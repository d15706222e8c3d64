import {
  ColumnProfile,
  type ColumnProfileJSON,
  type ColumnProfileOptions,
  type FrequentItems,
  type QuantileSketch,
} from '../stats/sketch/index.js';
import {
  AttributionProfile,
  type AttributedRecord,
  type AttributionProfileJSON,
} from '../explanations/attribution-profile.js';
import type { FeatureValue } from './record.validate.js';
import { RegressionSums, type RegressionSumsJSON } from './regression-profile.js';

/**
 * Window profiles: everything the monitors need about a set of records, in bounded memory and
 * mergeable, so an hour bucket, a day rolled up from 24 of them and a reference baseline all
 * have the same shape. Numeric values go into relative-error quantile sketches, categories into
 * frequent-items sketches (both from the statistics engine); counts are exact.
 */

/**
 * Sketch settings of every field profile: 1 % relative accuracy for quantiles, 256 frequent
 * items, and a 1,024-register distinct count (about 3 % standard error) to keep profiles small.
 */
const PROFILE_OPTIONS: ColumnProfileOptions = {
  relativeAccuracy: 0.01,
  frequentItems: 256,
  distinctPrecision: 10,
};
/** Distinct label classes and signal values counted exactly; further ones are pooled as `(other)`. */
const MAX_CLASSES = 100;
const OTHER_CLASS = '(other)';

type ValueType = 'number' | 'string' | 'boolean';

/** Serialised field profile. */
export interface FieldProfileJSON {
  present: number;
  types: Partial<Record<ValueType, number>>;
  numeric?: ColumnProfileJSON;
  categories?: ColumnProfileJSON;
}

/**
 * One field: how often it was present, as which types, and its distribution as the
 * statistics engine's column profiles (numbers in a numeric one; strings and booleans in a
 * categorical one), since a field without a declared type may carry either.
 */
export class FieldProfile {
  present = 0;
  readonly types: Partial<Record<ValueType, number>> = {};
  numeric: ColumnProfile | undefined;
  categories: ColumnProfile | undefined;

  add(value: FeatureValue | undefined): void {
    if (value === null || value === undefined) return;
    this.present++;
    if (typeof value === 'number') {
      this.types.number = (this.types.number ?? 0) + 1;
      (this.numeric ??= new ColumnProfile('', 'numeric', PROFILE_OPTIONS)).add(value);
    } else {
      const type: ValueType = typeof value === 'boolean' ? 'boolean' : 'string';
      this.types[type] = (this.types[type] ?? 0) + 1;
      (this.categories ??= new ColumnProfile('', 'categorical', PROFILE_OPTIONS)).add(String(value));
    }
  }

  /** The quantile sketch of the numeric values. */
  get quantiles(): QuantileSketch | undefined {
    return this.numeric?.quantiles ?? undefined;
  }

  /** The frequent-items sketch of the categorical values. */
  get items(): FrequentItems | undefined {
    return this.categories?.frequentItems ?? undefined;
  }

  /** The type most values had, or undefined when the field was never present. */
  dominantType(): ValueType | undefined {
    let best: ValueType | undefined;
    for (const [type, n] of Object.entries(this.types) as [ValueType, number][]) {
      if (best === undefined || n > this.types[best]!) best = type;
    }
    return best;
  }

  merge(other: FieldProfile): void {
    this.present += other.present;
    for (const [type, n] of Object.entries(other.types) as [ValueType, number][]) {
      this.types[type] = (this.types[type] ?? 0) + n;
    }
    if (other.numeric) {
      if (this.numeric) this.numeric.merge(other.numeric);
      else this.numeric = ColumnProfile.fromJSON(other.numeric.toJSON());
    }
    if (other.categories) {
      if (this.categories) this.categories.merge(other.categories);
      else this.categories = ColumnProfile.fromJSON(other.categories.toJSON());
    }
  }

  toJSON(): FieldProfileJSON {
    return {
      present: this.present,
      types: { ...this.types },
      ...(this.numeric ? { numeric: this.numeric.toJSON() } : {}),
      ...(this.categories ? { categories: this.categories.toJSON() } : {}),
    };
  }

  static fromJSON(json: FieldProfileJSON): FieldProfile {
    const p = new FieldProfile();
    p.present = json.present;
    Object.assign(p.types, json.types);
    if (json.numeric) p.numeric = ColumnProfile.fromJSON(json.numeric);
    if (json.categories) p.categories = ColumnProfile.fromJSON(json.categories);
    return p;
  }
}

/** Outcome counts once labels have joined: accuracy over every class, confusion for the positive class. */
export interface PerformanceCounts {
  labelled: number;
  correct: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** Sum of (score − y)² over labelled records with a score in [0, 1]. */
  brierSum: number;
  brierN: number;
  /** Sum of (score − y)⁴, the squares of the Brier terms, over the `brierSqN` records that kept them. */
  brierSqSum: number;
  brierSqN: number;
}

export interface SignalCounts {
  /** Records that carried the signal at all. */
  n: number;
  /** Records where it fired (true, or a string other than "", "none", "false"). */
  events: number;
  values: Record<string, number>;
}

/** What the records of a window cost: sums over the records that reported `cost` or tokens. */
export interface UsageSums {
  /** Records that carried `cost`. */
  costRecords: number;
  /** Sum of their `cost`. */
  cost: number;
  /** Records that carried `tokensIn` or `tokensOut`. */
  tokenRecords: number;
  tokensIn: number;
  tokensOut: number;
}

function emptyUsage(): UsageSums {
  return { costRecords: 0, cost: 0, tokenRecords: 0, tokensIn: 0, tokensOut: 0 };
}

export interface WindowProfileJSON {
  v: 1;
  records: number;
  features: Record<string, FieldProfileJSON>;
  prediction: FieldProfileJSON;
  score: FieldProfileJSON;
  labels: Record<string, number>;
  /** Numeric labels as a distribution (label drift of regression models); absent when none. */
  labelValues?: FieldProfileJSON;
  performance: PerformanceCounts;
  /** Error sums of numeric predictions against numeric labels; absent when none. */
  regression?: RegressionSumsJSON;
  latency: FieldProfileJSON;
  errors: number;
  signals: Record<string, SignalCounts>;
  feedback: { up: number; down: number };
  /** Cost and token sums; absent in profiles stored before they were kept, and when no record reported any. */
  usage?: UsageSums;
  /** Earliest and latest record time (ms since the epoch); absent before they were kept. */
  span?: { first: number; last: number };
  /** Attribution sums for global importance, drift and explanation quality; absent when none. */
  attributions?: AttributionProfileJSON;
}

/** Label and prediction values compared as class keys: booleans and "true"/"false" become "1"/"0". */
function classKey(value: number | string | boolean): string {
  if (value === true || value === 'true') return '1';
  if (value === false || value === 'false') return '0';
  return String(value);
}

function emptyPerformance(): PerformanceCounts {
  return {
    labelled: 0,
    correct: 0,
    tp: 0,
    fp: 0,
    tn: 0,
    fn: 0,
    brierSum: 0,
    brierN: 0,
    brierSqSum: 0,
    brierSqN: 0,
  };
}

function addCapped(counts: Record<string, number>, key: string, weight: number): void {
  if (counts[key] !== undefined || Object.keys(counts).length < MAX_CLASSES)
    counts[key] = (counts[key] ?? 0) + weight;
  else counts[OTHER_CLASS] = (counts[OTHER_CLASS] ?? 0) + weight;
}

/** Whether a signal value counts as the signal firing. */
export function signalFired(value: boolean | string): boolean {
  if (typeof value === 'boolean') return value;
  const v = value.trim().toLowerCase();
  return v !== '' && v !== 'none' && v !== 'false' && v !== '0';
}

/** What a label contributes to the performance counts of the window its record belongs to. */
export interface LabelJoin {
  prediction: number | string | boolean | null;
  score: number | null;
  label: number | string | boolean;
}

/** What a profile takes of one inference record (or reference row). */
export interface ProfiledRecord {
  features: Record<string, FeatureValue>;
  prediction?: number | string | boolean | undefined;
  score?: number | undefined;
  latencyMs?: number | undefined;
  error?: boolean | undefined;
  signals?: Record<string, boolean | string> | undefined;
  timestamp?: number | undefined;
  cost?: number | undefined;
  tokensIn?: number | undefined;
  tokensOut?: number | undefined;
  attributions?: Omit<AttributedRecord, 'score'> | undefined;
}

export class WindowProfile {
  records = 0;
  readonly features = new Map<string, FieldProfile>();
  prediction = new FieldProfile();
  score = new FieldProfile();
  readonly labels: Record<string, number> = {};
  labelValues = new FieldProfile();
  readonly performance: PerformanceCounts = emptyPerformance();
  regression = new RegressionSums();
  latency = new FieldProfile();
  errors = 0;
  readonly signals: Record<string, SignalCounts> = {};
  readonly feedback = { up: 0, down: 0 };
  readonly usage: UsageSums = emptyUsage();
  attributions = new AttributionProfile();
  /** Earliest and latest record time in ms; null until a timed record arrives. */
  firstAt: number | null = null;
  lastAt: number | null = null;

  private feature(name: string): FieldProfile {
    let p = this.features.get(name);
    if (!p) {
      p = new FieldProfile();
      this.features.set(name, p);
    }
    return p;
  }

  /** Adds one inference record (or one reference row: no latency, errors or signals). */
  addRecord(record: ProfiledRecord): void {
    WindowProfile.addRecordToEach([this], record);
  }

  /**
   * Adds one record to several profiles (its window's whole population and each of its
   * segments), as `addRecord` on each would, sketching each value once for all of them.
   */
  static addRecordToEach(profiles: readonly WindowProfile[], record: ProfiledRecord): void {
    for (const p of profiles) {
      p.records++;
      if (record.attributions) p.attributions.add({ ...record.attributions, score: record.score });
      if (record.timestamp !== undefined) p.widenSpan(record.timestamp, record.timestamp);
      if (record.cost !== undefined) {
        p.usage.costRecords++;
        p.usage.cost += record.cost;
      }
      if (record.tokensIn !== undefined || record.tokensOut !== undefined) {
        p.usage.tokenRecords++;
        p.usage.tokensIn += record.tokensIn ?? 0;
        p.usage.tokensOut += record.tokensOut ?? 0;
      }
      if (record.error) p.errors++;
      if (record.signals) p.addSignals(record.signals);
    }
    // Value by value across the profiles, so each value is sketched (binned, hashed) once.
    for (const name in record.features) {
      // Declared-but-null fields still create the column, so "present in 0 %" is distinguishable from "never sent".
      const value = record.features[name];
      for (let i = 0; i < profiles.length; i++) profiles[i]!.feature(name).add(value);
    }
    const { prediction, score, latencyMs } = record;
    if (prediction !== undefined) for (const p of profiles) p.prediction.add(prediction);
    if (score !== undefined) for (const p of profiles) p.score.add(score);
    if (latencyMs !== undefined) for (const p of profiles) p.latency.add(latencyMs);
  }

  /** Adds the safety signals of one record (inline, or sent later and joined by its id). */
  addSignals(signals: Record<string, boolean | string>): void {
    for (const [name, value] of Object.entries(signals)) {
      const s = (this.signals[name] ??= { n: 0, events: 0, values: {} });
      s.n++;
      if (signalFired(value)) s.events++;
      if (typeof value === 'string') addCapped(s.values, value, 1);
    }
  }

  /**
   * Adds a label to the label distribution and, with a prediction, to the performance counts.
   * A numeric label also enters the numeric label distribution and, with a numeric prediction,
   * the regression error sums (whatever the model's task, so a task set later finds them).
   */
  addLabel(join: LabelJoin, positiveClass: string): void {
    const y = classKey(join.label);
    addCapped(this.labels, y, 1);
    if (typeof join.label === 'number') {
      this.labelValues.add(join.label);
      if (typeof join.prediction === 'number') this.regression.add(join.label, join.prediction);
    }
    if (join.prediction === null) return;
    const p = this.performance;
    const yhat = classKey(join.prediction);
    p.labelled++;
    if (y === yhat) p.correct++;
    const actual = y === positiveClass;
    const predicted = yhat === positiveClass;
    if (actual && predicted) p.tp++;
    else if (!actual && predicted) p.fp++;
    else if (!actual && !predicted) p.tn++;
    else p.fn++;
    if (join.score !== null && join.score >= 0 && join.score <= 1) {
      const d = join.score - (actual ? 1 : 0);
      p.brierSum += d * d;
      p.brierN++;
      p.brierSqSum += d * d * d * d;
      p.brierSqN++;
    }
  }

  private widenSpan(first: number, last: number): void {
    this.firstAt = this.firstAt === null ? first : Math.min(this.firstAt, first);
    this.lastAt = this.lastAt === null ? last : Math.max(this.lastAt, last);
  }

  addFeedback(rating: 'up' | 'down'): void {
    this.feedback[rating]++;
  }

  merge(other: WindowProfile): void {
    this.records += other.records;
    for (const [name, column] of other.features) this.feature(name).merge(column);
    this.prediction.merge(other.prediction);
    this.score.merge(other.score);
    for (const [k, n] of Object.entries(other.labels)) addCapped(this.labels, k, n);
    this.labelValues.merge(other.labelValues);
    this.regression.merge(other.regression);
    const p = this.performance;
    const q = other.performance;
    p.labelled += q.labelled;
    p.correct += q.correct;
    p.tp += q.tp;
    p.fp += q.fp;
    p.tn += q.tn;
    p.fn += q.fn;
    p.brierSum += q.brierSum;
    p.brierN += q.brierN;
    p.brierSqSum += q.brierSqSum;
    p.brierSqN += q.brierSqN;
    this.latency.merge(other.latency);
    this.errors += other.errors;
    for (const [name, s] of Object.entries(other.signals)) {
      const mine = (this.signals[name] ??= { n: 0, events: 0, values: {} });
      mine.n += s.n;
      mine.events += s.events;
      for (const [k, n] of Object.entries(s.values)) addCapped(mine.values, k, n);
    }
    this.feedback.up += other.feedback.up;
    this.feedback.down += other.feedback.down;
    this.usage.costRecords += other.usage.costRecords;
    this.usage.cost += other.usage.cost;
    this.usage.tokenRecords += other.usage.tokenRecords;
    this.usage.tokensIn += other.usage.tokensIn;
    this.usage.tokensOut += other.usage.tokensOut;
    if (other.firstAt !== null && other.lastAt !== null) this.widenSpan(other.firstAt, other.lastAt);
    this.attributions.merge(other.attributions);
  }

  toJSON(): WindowProfileJSON {
    const features: Record<string, FieldProfileJSON> = {};
    for (const [name, column] of [...this.features].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      features[name] = column.toJSON();
    return {
      v: 1,
      records: this.records,
      features,
      prediction: this.prediction.toJSON(),
      score: this.score.toJSON(),
      labels: { ...this.labels },
      ...(this.labelValues.present > 0 ? { labelValues: this.labelValues.toJSON() } : {}),
      performance: { ...this.performance },
      ...(this.regression.n > 0 ? { regression: this.regression.toJSON() } : {}),
      latency: this.latency.toJSON(),
      errors: this.errors,
      signals: structuredClone(this.signals),
      feedback: { ...this.feedback },
      ...(this.usage.costRecords > 0 || this.usage.tokenRecords > 0 ? { usage: { ...this.usage } } : {}),
      ...(this.firstAt !== null && this.lastAt !== null
        ? { span: { first: this.firstAt, last: this.lastAt } }
        : {}),
      ...(this.attributions.empty ? {} : { attributions: this.attributions.toJSON() }),
    };
  }

  static fromJSON(json: WindowProfileJSON): WindowProfile {
    const p = new WindowProfile();
    p.records = json.records;
    for (const [name, column] of Object.entries(json.features))
      p.features.set(name, FieldProfile.fromJSON(column));
    p.prediction = FieldProfile.fromJSON(json.prediction);
    p.score = FieldProfile.fromJSON(json.score);
    Object.assign(p.labels, json.labels);
    if (json.labelValues) p.labelValues = FieldProfile.fromJSON(json.labelValues);
    Object.assign(p.performance, json.performance);
    if (json.regression) p.regression = RegressionSums.fromJSON(json.regression);
    p.latency = FieldProfile.fromJSON(json.latency);
    p.errors = json.errors;
    Object.assign(p.signals, json.signals);
    p.feedback.up = json.feedback.up;
    p.feedback.down = json.feedback.down;
    if (json.usage) Object.assign(p.usage, json.usage);
    if (json.span) {
      p.firstAt = json.span.first;
      p.lastAt = json.span.last;
    }
    if (json.attributions) p.attributions = AttributionProfile.fromJSON(json.attributions);
    return p;
  }

  static parse(text: string): WindowProfile {
    return WindowProfile.fromJSON(JSON.parse(text) as WindowProfileJSON);
  }
}
