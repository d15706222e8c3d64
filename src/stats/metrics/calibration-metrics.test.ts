import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectClose } from './close-to.test-helper.js';
import { LOG_LOSS_EPS, brierScore, calibrationBins, expectedCalibrationError, logLoss } from './index.js';

const labels = Uint8Array.from([1, 0, 1, 1]);
const scores = Float64Array.from([0.05, 0.15, 0.95, 0.85]);

describe('expectedCalibrationError', () => {
  it('matches a hand computation with 10 bins', () => {
    // Each score is alone in its bin: (|0.05−1| + |0.15−0| + |0.95−1| + |0.85−1|) / 4.
    expectClose(expectedCalibrationError(labels, scores), 1.3 / 4);
  });

  it('matches a hand computation with 2 bins', () => {
    // [0, 0.5): mean score 0.1, positive rate 0.5; [0.5, 1]: mean 0.9, rate 1; each holds 2 of 4.
    expectClose(expectedCalibrationError(labels, scores, 2), (2 * 0.4 + 2 * 0.1) / 4);
  });

  it('puts a score of exactly 1 in the last bin and reports empty bins as null', () => {
    const bins = calibrationBins(Uint8Array.from([1, 0]), Float64Array.from([1, 0]), 4);
    expect(bins.map((b) => b.count)).toEqual([1, 0, 0, 1]);
    expect(bins[1]?.meanScore).toBeNull();
    expect(bins[3]).toEqual({ lower: 0.75, upper: 1, count: 1, meanScore: 1, positiveRate: 1 });
  });

  it('lies in [0, 1] (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.double({ min: 0, max: 1, noNaN: true })), {
          minLength: 1,
          maxLength: 50,
        }),
        fc.integer({ min: 1, max: 20 }),
        (r, bins) => {
          const ece = expectedCalibrationError(
            Uint8Array.from(r.map(([y]) => y)),
            Float64Array.from(r.map(([, s]) => s)),
            bins,
          );
          expect(ece).toBeGreaterThanOrEqual(0);
          expect(ece).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe('logLoss and brierScore', () => {
  it('clips certain wrong predictions at float64 epsilon', () => {
    expectClose(logLoss(Uint8Array.from([1]), Float64Array.from([0])), -Math.log(LOG_LOSS_EPS));
    expectClose(logLoss(Uint8Array.from([1]), Float64Array.from([0]), 1e-15), -Math.log(1e-15));
  });

  it('matches hand values', () => {
    expectClose(
      logLoss(Uint8Array.from([1, 0]), Float64Array.from([0.8, 0.4])),
      -(Math.log(0.8) + Math.log(0.6)) / 2,
    );
    expectClose(brierScore(Uint8Array.from([1, 0]), Float64Array.from([0.8, 0.4])), (0.04 + 0.16) / 2);
  });
});
