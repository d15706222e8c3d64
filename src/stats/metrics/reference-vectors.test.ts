import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from './close-to.test-helper.js';
import { evaluateBinary, evaluateMulticlass, evaluateRegression } from './index.js';

interface ClassificationVector {
  label: number[];
  score: number[];
  threshold: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number;
  logLoss: number;
  brier: number;
}
interface RegressionVector {
  target: number[];
  prediction: number[];
  mae: number;
  rmse: number;
  r2: number;
  mape: number;
}
interface ExtraBinary extends Omit<ClassificationVector, 'rocAuc'> {
  name: string;
  rocAuc: number | null;
  averagePrecision: number | null;
  ece: number;
  confusion: { tp: number; fp: number; tn: number; fn: number };
}
interface ExtraMulticlass {
  name: string;
  label: string[];
  prediction: string[];
  labels: string[];
  accuracy: number;
  macro: { precision: number; recall: number; f1: number };
  weighted: { precision: number; recall: number; f1: number };
  perClass: Array<{ label: string; precision: number; recall: number; f1: number; support: number }>;
  confusion: number[][];
}

const fixtures = new URL('../../../test/fixtures/', import.meta.url);
const vectors = JSON.parse(readFileSync(new URL('stats-vectors.json', fixtures), 'utf8')) as {
  classification: ClassificationVector[];
  regression: RegressionVector[];
};
const extra = JSON.parse(readFileSync(new URL('metrics-extra.json', fixtures), 'utf8')) as {
  binary: ExtraBinary[];
  multiclass: ExtraMulticlass[];
  regression: Array<RegressionVector & { name: string }>;
};

describe('scikit-learn reference vectors (stats-vectors.json)', () => {
  it.each(vectors.classification.map((v, i) => [`classification #${i} (n=${v.label.length})`, v] as const))(
    '%s',
    (_, v) => {
      const m = evaluateBinary(Uint8Array.from(v.label), Float64Array.from(v.score), {
        threshold: v.threshold,
      });
      expectClose(m.accuracy, v.accuracy);
      expectClose(m.precision, v.precision);
      expectClose(m.recall, v.recall);
      expectClose(m.f1, v.f1);
      expectClose(m.rocAuc, v.rocAuc);
      expectClose(m.logLoss, v.logLoss);
      expectClose(m.brier, v.brier);
    },
  );

  it.each(vectors.regression.map((v, i) => [`regression #${i} (n=${v.target.length})`, v] as const))(
    '%s',
    (_, v) => {
      const m = evaluateRegression(Float64Array.from(v.target), Float64Array.from(v.prediction));
      expectClose(m.mae, v.mae);
      expectClose(m.rmse, v.rmse);
      expectClose(m.r2, v.r2);
      expectClose(m.mape, v.mape);
    },
  );
});

describe('scikit-learn extra vectors (metrics-extra.json)', () => {
  it.each(extra.binary.map((v) => [v.name, v] as const))('binary: %s', (_, v) => {
    const m = evaluateBinary(Uint8Array.from(v.label), Float64Array.from(v.score), {
      threshold: v.threshold,
    });
    expect(m.confusion).toEqual(v.confusion);
    expectClose(m.accuracy, v.accuracy);
    expectClose(m.precision, v.precision);
    expectClose(m.recall, v.recall);
    expectClose(m.f1, v.f1);
    expectClose(m.rocAuc, v.rocAuc);
    expectClose(m.prAuc, v.averagePrecision);
    expectClose(m.logLoss, v.logLoss);
    expectClose(m.brier, v.brier);
    expectClose(m.ece, v.ece);
  });

  it.each(extra.multiclass.map((v) => [v.name, v] as const))('multiclass: %s', (_, v) => {
    const m = evaluateMulticlass(v.label, v.prediction);
    expect(m.labels).toEqual(v.labels);
    expect(m.confusion).toEqual(v.confusion);
    expectClose(m.accuracy, v.accuracy);
    for (const avg of ['macro', 'weighted'] as const) {
      expectClose(m[avg].precision, v[avg].precision);
      expectClose(m[avg].recall, v[avg].recall);
      expectClose(m[avg].f1, v[avg].f1);
    }
    v.perClass.forEach((expected, i) => {
      const got = m.perClass[i];
      expect(got?.label).toBe(expected.label);
      expect(got?.support).toBe(expected.support);
      expectClose(got?.precision, expected.precision);
      expectClose(got?.recall, expected.recall);
      expectClose(got?.f1, expected.f1);
    });
  });

  it.each(extra.regression.map((v) => [v.name, v] as const))('regression: %s', (_, v) => {
    const m = evaluateRegression(Float64Array.from(v.target), Float64Array.from(v.prediction));
    expectClose(m.mae, v.mae);
    expectClose(m.rmse, v.rmse);
    expectClose(m.mape, v.mape);
    expectClose(m.r2, v.r2);
  });
});
