import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRegression } from '../stats/metrics/index.js';
import { RegressionSums } from './regression-profile.js';
import { WindowProfile } from './window-profile.js';

function close(actual: number | null, expected: number | null, rel = 1e-9): void {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));
}

describe('RegressionSums', () => {
  it('matches hand values', () => {
    // y = 1, 2, 3; ŷ = 0, 4, 3 → errors 1, −2, 0; mean y 2, SS_tot 2, SS_res 5.
    const s = new RegressionSums();
    s.add(1, 0);
    s.add(2, 4);
    s.add(3, 3);
    const m = s.metrics();
    close(m.mae, 1);
    close(m.rmse, Math.sqrt(5 / 3));
    close(m.mape, (1 / 1 + 2 / 2 + 0 / 3) / 3);
    close(m.r2, 1 - 5 / 2);
  });

  it('leaves MAPE undefined when a label is zero, R² undefined below two labels', () => {
    const s = new RegressionSums();
    s.add(0, 1);
    expect(s.metrics()).toEqual({ n: 1, mae: 1, rmse: 1, mape: null, r2: null });
    const t = new RegressionSums();
    t.add(4, 4);
    t.add(4, 4);
    expect(t.metrics().r2).toBe(1); // constant target fitted exactly (force_finite)
    t.add(4, 5);
    expect(t.metrics().r2).toBe(0);
  });

  it('agrees with the statistics engine however the records are split into merged buckets (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            // Labels on a 1/8 grid: SS_tot is 0 or at least 1/128, so R² is well conditioned.
            fc
              .integer({ min: -80_000, max: 80_000 })
              .filter((k) => k !== 0)
              .map((k) => k / 8),
            fc.double({ min: -1e4, max: 1e4, noNaN: true }),
            fc.integer({ min: 0, max: 3 }),
          ),
          { minLength: 2, maxLength: 60 },
        ),
        (rows) => {
          const buckets = [0, 1, 2, 3].map(() => new WindowProfile());
          for (const [y, yhat, b] of rows)
            buckets[b]!.addLabel({ prediction: yhat, score: null, label: y }, '1');
          const window = new WindowProfile();
          // Through JSON, as stored bucket profiles are rolled up.
          for (const b of buckets) window.merge(WindowProfile.fromJSON(b.toJSON()));
          const ours = window.regression.metrics();
          const engine = evaluateRegression(
            Float64Array.from(rows, (r) => r[0]),
            Float64Array.from(rows, (r) => r[1]),
          );
          expect(ours.n).toBe(rows.length);
          close(ours.mae, engine.mae);
          close(ours.rmse, engine.rmse);
          close(ours.mape, engine.mape);
          close(ours.r2, engine.r2, 1e-7);
        },
      ),
    );
  });

  it('keeps classification profiles without numeric labels unchanged in JSON', () => {
    const p = new WindowProfile();
    p.addLabel({ prediction: 'cat', score: 0.4, label: 'dog' }, 'cat');
    const json = p.toJSON();
    expect(json.regression).toBeUndefined();
    expect(json.labelValues).toBeUndefined();
  });
});
