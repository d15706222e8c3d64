import { QuantileSketch, type QuantileSketchJSON } from '../stats/sketch/index.js';
import {
  addPair,
  attributionDistance,
  attributionSum,
  emptyCorrelationSums,
  featuresForShare,
  mergeCorrelationSums,
  type CorrelationSums,
} from './explanation.stats.js';

/** Per feature: records with a finite attribution, and the sums of |attribution| and attribution. */
export interface FeatureAttributionSums {
  n: number;
  abs: number;
  sum: number;
}

export interface AttributionProfileJSON {
  /** Records that carried attributions. */
  n: number;
  /** Attribution values sent but not finite (counted as missing). */
  missing: number;
  features: Record<string, FeatureAttributionSums>;
  /** Records per attribution method. */
  methods: Record<string, number>;
  /** |Σ attributions + base − score| of the records that carried a score and a base value. */
  additivity: { n: number; sumAbs: number; max: number; residuals: QuantileSketchJSON };
  /** Features needed for 80 % of |attribution|, summed over the records (mean = sum / n). */
  sparsity: { n: number; sum: number };
  /** Attribution distances of close pairs (probes and repeated inputs), summed. */
  stability: { n: number; sum: number };
  /** Running sums of (Δ Σ attributions, Δ score) over probe pairs, for their correlation. */
  fidelity: CorrelationSums;
}

/** One record's attributions as the profile takes them. */
export interface AttributedRecord {
  values: Readonly<Record<string, number>>;
  method?: string | undefined;
  baseValue?: number | undefined;
  missing?: readonly string[] | undefined;
  score?: number | undefined;
}

/** Residuals are sketched at 1 % relative accuracy, like the other window profiles. */
const SKETCH = { relativeAccuracy: 0.01, maxBins: 512 };
const MAX_METHODS = 20;

/**
 * Attributions of a window, mergeable like the rest of the window profile: per-feature sums for
 * global importance and drift, the additivity residuals, sparsity, and the pair statistics of
 * stability and fidelity. Pure; no I/O.
 */
export class AttributionProfile {
  n = 0;
  missing = 0;
  readonly features = new Map<string, FeatureAttributionSums>();
  readonly methods: Record<string, number> = {};
  additivity = { n: 0, sumAbs: 0, max: 0, residuals: new QuantileSketch(SKETCH) };
  readonly sparsity = { n: 0, sum: 0 };
  readonly stability = { n: 0, sum: 0 };
  readonly fidelity: CorrelationSums = emptyCorrelationSums();

  /** Adds one record's attributions. */
  add(record: AttributedRecord): void {
    this.n++;
    this.missing += record.missing?.length ?? 0;
    for (const [name, value] of Object.entries(record.values)) {
      let f = this.features.get(name);
      if (!f) this.features.set(name, (f = { n: 0, abs: 0, sum: 0 }));
      f.n++;
      f.abs += Math.abs(value);
      f.sum += value;
    }
    if (record.method !== undefined) this.countMethod(record.method, 1);
    if (record.score !== undefined && record.baseValue !== undefined) {
      const residual = Math.abs(attributionSum(record.values) + record.baseValue - record.score);
      this.additivity.n++;
      this.additivity.sumAbs += residual;
      this.additivity.max = Math.max(this.additivity.max, residual);
      this.additivity.residuals.add(residual);
    }
    const k = featuresForShare(Object.values(record.values));
    if (k !== null) {
      this.sparsity.n++;
      this.sparsity.sum += k;
    }
  }

  /**
   * Adds a close pair: a perturbation probe and the record it perturbs (with their scores, for
   * fidelity), or two records with the same input (stability only).
   */
  addPair(
    base: { values: Readonly<Record<string, number>>; score?: number | null | undefined },
    other: { values: Readonly<Record<string, number>>; score?: number | null | undefined },
    probe: boolean,
  ): void {
    this.stability.n++;
    this.stability.sum += attributionDistance(base.values, other.values);
    if (probe && typeof base.score === 'number' && typeof other.score === 'number')
      addPair(
        this.fidelity,
        attributionSum(other.values) - attributionSum(base.values),
        other.score - base.score,
      );
  }

  private countMethod(method: string, n: number): void {
    if (this.methods[method] !== undefined || Object.keys(this.methods).length < MAX_METHODS)
      this.methods[method] = (this.methods[method] ?? 0) + n;
    else this.methods['(other)'] = (this.methods['(other)'] ?? 0) + n;
  }

  merge(other: AttributionProfile): void {
    this.n += other.n;
    this.missing += other.missing;
    for (const [name, s] of other.features) {
      const f = this.features.get(name);
      if (f) {
        f.n += s.n;
        f.abs += s.abs;
        f.sum += s.sum;
      } else this.features.set(name, { ...s });
    }
    for (const [m, n] of Object.entries(other.methods)) this.countMethod(m, n);
    this.additivity.n += other.additivity.n;
    this.additivity.sumAbs += other.additivity.sumAbs;
    this.additivity.max = Math.max(this.additivity.max, other.additivity.max);
    this.additivity.residuals.merge(other.additivity.residuals);
    this.sparsity.n += other.sparsity.n;
    this.sparsity.sum += other.sparsity.sum;
    this.stability.n += other.stability.n;
    this.stability.sum += other.stability.sum;
    mergeCorrelationSums(this.fidelity, other.fidelity);
  }

  /** Whether anything was added (an empty profile is left out of the stored JSON). */
  get empty(): boolean {
    return this.n === 0 && this.stability.n === 0;
  }

  toJSON(): AttributionProfileJSON {
    const features: Record<string, FeatureAttributionSums> = {};
    for (const name of [...this.features.keys()].sort()) features[name] = { ...this.features.get(name)! };
    return {
      n: this.n,
      missing: this.missing,
      features,
      methods: { ...this.methods },
      additivity: {
        n: this.additivity.n,
        sumAbs: this.additivity.sumAbs,
        max: this.additivity.max,
        residuals: this.additivity.residuals.toJSON(),
      },
      sparsity: { ...this.sparsity },
      stability: { ...this.stability },
      fidelity: { ...this.fidelity },
    };
  }

  static fromJSON(json: AttributionProfileJSON): AttributionProfile {
    const p = new AttributionProfile();
    p.n = json.n;
    p.missing = json.missing;
    for (const [name, s] of Object.entries(json.features)) p.features.set(name, { ...s });
    Object.assign(p.methods, json.methods);
    p.additivity = {
      n: json.additivity.n,
      sumAbs: json.additivity.sumAbs,
      max: json.additivity.max,
      residuals: QuantileSketch.fromJSON(json.additivity.residuals),
    };
    Object.assign(p.sparsity, json.sparsity);
    Object.assign(p.stability, json.stability);
    Object.assign(p.fidelity, json.fidelity);
    return p;
  }
}
