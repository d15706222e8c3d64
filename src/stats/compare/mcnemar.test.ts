import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose, expectPValueClose } from '../metrics/close-to.test-helper.js';
import { mcnemarFromPredictions, mcnemarFromTable, mcnemarTest } from './index.js';

interface McNemarVector {
  b: number;
  c: number;
  exactStatistic: number;
  exactPValue: number;
  chiSquareStatistic: number;
  chiSquarePValue: number;
}
const extra = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/metrics-extra.json', import.meta.url), 'utf8'),
) as { mcnemar: McNemarVector[] };

const table = (b: number, c: number) => ({
  bothCorrect: 10,
  onlyFirstCorrect: b,
  onlySecondCorrect: c,
  bothWrong: 3,
});

describe('McNemar test', () => {
  it.each(extra.mcnemar.map((v) => [`b=${v.b} c=${v.c}`, v] as const))(
    'matches SciPy-computed values: %s',
    (_, v) => {
      const exact = mcnemarFromTable(table(v.b, v.c), { exact: true });
      expect(exact.method).toBe('exact-binomial');
      expect(exact.statistic).toBe(v.exactStatistic);
      expectPValueClose(exact.pValue, v.exactPValue);
      const chi = mcnemarFromTable(table(v.b, v.c), { exact: false });
      expect(chi.method).toBe('chi-square-corrected');
      expectClose(chi.statistic, v.chiSquareStatistic);
      expectPValueClose(chi.pValue, v.chiSquarePValue);
    },
  );

  it("matches statsmodels' own test values for table [[101, 121], [59, 33]]", () => {
    // statsmodels test_mcnemar_chisquare: mcnemar(exact=False) -> (20.67222, 5.450095e-06), rtol 1e-6.
    const r = mcnemarFromTable(
      { bothCorrect: 101, onlyFirstCorrect: 121, onlySecondCorrect: 59, bothWrong: 33 },
      { exact: false },
    );
    expectClose(r.statistic, 20.67222, 1e-6);
    expectClose(r.pValue, 5.450095e-6, 1e-6);
  });

  it('uses the exact version below 25 discordant pairs and the corrected chi-square from 25', () => {
    expect(mcnemarFromTable(table(12, 12)).method).toBe('exact-binomial');
    expect(mcnemarFromTable(table(12, 13)).method).toBe('chi-square-corrected');
    expect(mcnemarFromTable(table(12, 13)).convention).toMatch(/b \+ c = 25 >= 25/);
  });

  it('gives p = 1 with no discordant pairs in either version', () => {
    expect(mcnemarFromTable(table(0, 0)).pValue).toBe(1);
    expect(mcnemarFromTable(table(0, 0), { exact: false })).toMatchObject({ statistic: 0, pValue: 1 });
  });

  it('builds the table from per-row correctness and from predictions', () => {
    const first = Uint8Array.from([1, 1, 1, 0, 0, 1, 0]);
    const second = Uint8Array.from([1, 0, 0, 1, 0, 0, 0]);
    const r = mcnemarTest(first, second);
    expect(r.table).toEqual({ bothCorrect: 1, onlyFirstCorrect: 3, onlySecondCorrect: 1, bothWrong: 2 });
    expect(r.discordant).toBe(4);
    // 2·P(X <= 1), X ~ Binomial(4, 1/2) = 2·5/16.
    expectPValueClose(r.pValue, 10 / 16);
    const labels = Uint8Array.from([1, 0, 1, 1]);
    const byPrediction = mcnemarFromPredictions(
      labels,
      Uint8Array.from([1, 0, 0, 1]),
      Uint8Array.from([0, 0, 1, 1]),
    );
    expect(byPrediction.table).toEqual({
      bothCorrect: 2,
      onlyFirstCorrect: 1,
      onlySecondCorrect: 1,
      bothWrong: 0,
    });
  });

  it('rejects bad input', () => {
    expect(() => mcnemarTest(Uint8Array.from([1]), Uint8Array.from([1, 0]))).toThrow(
      /1 rows but secondCorrect has 2/,
    );
    expect(() => mcnemarTest(Uint8Array.from([2]), Uint8Array.from([1]))).toThrow(/firstCorrect\[0\] is 2/);
    expect(() => mcnemarFromTable(table(-1, 2))).toThrow(/onlyFirstCorrect/);
  });
});
