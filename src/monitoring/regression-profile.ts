import { MAPE_EPS } from '../stats/metrics/index.js';

/**
 * Error statistics of a regression model over a set of labelled records, kept as sums so that
 * bucket profiles merge into windows. The metrics follow the statistics engine's
 * `evaluateRegression` (MAE, RMSE = √MSE, MAPE as a fraction, R² with scikit-learn's
 * `force_finite`), computed from these sums instead of the raw values.
 */
export interface RegressionSumsJSON {
  n: number;
  /** Σ|y − ŷ| and Σ(y − ŷ)². */
  absErr: number;
  sqErr: number;
  /** Σ|y − ŷ| / |y| over the labels that are not zero. */
  pctErr: number;
  /** Labels with |y| below float64 epsilon, where the percentage error is undefined. */
  zeroLabels: number;
  /** Mean and sum of squared deviations of the labels (merged with Chan's formula, no cancellation). */
  labelMean: number;
  labelM2: number;
}

/** Metrics of a window; null where undefined (MAPE with a zero label, R² below two labels). */
export interface WindowRegressionMetrics {
  n: number;
  mae: number | null;
  rmse: number | null;
  mape: number | null;
  r2: number | null;
}

export class RegressionSums {
  n = 0;
  absErr = 0;
  sqErr = 0;
  pctErr = 0;
  zeroLabels = 0;
  labelMean = 0;
  labelM2 = 0;

  /** Adds one labelled prediction; both must be finite (ingestion guarantees it for regression models). */
  add(label: number, prediction: number): void {
    if (!Number.isFinite(label) || !Number.isFinite(prediction)) return;
    const e = label - prediction;
    this.n++;
    this.absErr += Math.abs(e);
    this.sqErr += e * e;
    if (Math.abs(label) < MAPE_EPS) this.zeroLabels++;
    else this.pctErr += Math.abs(e) / Math.abs(label);
    const d = label - this.labelMean;
    this.labelMean += d / this.n;
    this.labelM2 += d * (label - this.labelMean);
  }

  merge(other: RegressionSums | RegressionSumsJSON): void {
    if (other.n === 0) return;
    if (this.n === 0) {
      Object.assign(this, other instanceof RegressionSums ? other.toJSON() : other);
      return;
    }
    const n = this.n + other.n;
    const delta = other.labelMean - this.labelMean;
    this.labelM2 += other.labelM2 + (delta * delta * this.n * other.n) / n;
    this.labelMean += (delta * other.n) / n;
    this.n = n;
    this.absErr += other.absErr;
    this.sqErr += other.sqErr;
    this.pctErr += other.pctErr;
    this.zeroLabels += other.zeroLabels;
  }

  /**
   * MAE, RMSE, MAPE and R². MAPE is null when any label is zero (its percentage error is
   * undefined there); R² is null below two labels, 1 for a constant target fitted exactly and 0
   * for a constant target otherwise, as `evaluateRegression`.
   */
  metrics(): WindowRegressionMetrics {
    const n = this.n;
    if (n === 0) return { n, mae: null, rmse: null, mape: null, r2: null };
    let r2: number | null = null;
    if (n >= 2) {
      if (this.labelM2 === 0) r2 = this.sqErr === 0 ? 1 : 0;
      else r2 = 1 - this.sqErr / this.labelM2;
    }
    return {
      n,
      mae: this.absErr / n,
      rmse: Math.sqrt(this.sqErr / n),
      mape: this.zeroLabels === 0 ? this.pctErr / n : null,
      r2,
    };
  }

  toJSON(): RegressionSumsJSON {
    return {
      n: this.n,
      absErr: this.absErr,
      sqErr: this.sqErr,
      pctErr: this.pctErr,
      zeroLabels: this.zeroLabels,
      labelMean: this.labelMean,
      labelM2: this.labelM2,
    };
  }

  static fromJSON(json: RegressionSumsJSON | undefined): RegressionSums {
    const s = new RegressionSums();
    if (json) Object.assign(s, json);
    return s;
  }
}
