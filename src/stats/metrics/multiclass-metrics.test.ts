import { describe, expect, it } from 'vitest';
import { expectClose } from './close-to.test-helper.js';
import { evaluateMulticlass } from './index.js';

describe('evaluateMulticlass', () => {
  // true a a b b c, predicted a b b b a. Per class (precision, recall, F1, support):
  // a (1/2, 1/2, 1/2, 2), b (2/3, 1, 4/5, 2), c (0 with no predictions, 0, 0, 1).
  const m = evaluateMulticlass(['a', 'a', 'b', 'b', 'c'], ['a', 'b', 'b', 'b', 'a']);

  it('builds the confusion matrix in sorted label order, rows true and columns predicted', () => {
    expect(m.labels).toEqual(['a', 'b', 'c']);
    expect(m.confusion).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 0],
    ]);
    expectClose(m.accuracy, 3 / 5);
  });

  it('matches hand-computed per-class, macro and weighted values', () => {
    expect(m.perClass.map((c) => c.support)).toEqual([2, 2, 1]);
    expectClose(m.perClass[1]?.f1, 0.8);
    expectClose(m.perClass[2]?.precision, 0);
    expectClose(m.macro.precision, (1 / 2 + 2 / 3) / 3);
    expectClose(m.macro.recall, (1 / 2 + 1) / 3);
    expectClose(m.macro.f1, (1 / 2 + 4 / 5) / 3);
    expectClose(m.weighted.precision, (2 * (1 / 2) + 2 * (2 / 3)) / 5);
    expectClose(m.weighted.recall, 3 / 5);
    expectClose(m.weighted.f1, (2 * (1 / 2) + 2 * (4 / 5)) / 5);
  });

  it('honours an explicit label order and rejects labels outside it', () => {
    const r = evaluateMulticlass(['x', 'y'], ['y', 'y'], { labels: ['y', 'x', 'z'] });
    expect(r.confusion).toEqual([
      [1, 0, 0],
      [1, 0, 0],
      [0, 0, 0],
    ]);
    expect(() => evaluateMulticlass(['x'], ['q'], { labels: ['x'] })).toThrow(/predictions\[0\] is "q"/);
    expect(() => evaluateMulticlass(['x'], ['x'], { labels: ['x', 'x'] })).toThrow(/duplicates/);
  });

  it('rejects empty and mismatched input', () => {
    expect(() => evaluateMulticlass([], [])).toThrow(/empty input/);
    expect(() => evaluateMulticlass(['a'], [])).toThrow(/1 rows but predictions has 0/);
  });
});
