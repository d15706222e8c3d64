import { describe, expect, it } from 'vitest';
import { normalSample, seededRandom } from '../drift/test-helpers.js';
import { ColumnProfile, type ColumnProfileJSON } from './column-profile.js';

describe('ColumnProfile', () => {
  it('keeps exact counts, extremes and moments of a numeric column', () => {
    const values = Float64Array.from([1, 2, Number.NaN, 4, Number.POSITIVE_INFINITY, -3, Number.NaN]);
    const p = new ColumnProfile('x', 'numeric');
    p.addAll(values);
    expect(p.count).toBe(5);
    expect(p.missing).toBe(2);
    expect(p.rows).toBe(7);
    expect(p.min).toBe(-3);
    expect(p.max).toBe(Number.POSITIVE_INFINITY);
    expect(p.sum).toBe(4);
    expect(p.sumSq).toBe(30);
    expect(p.mean).toBe(1);
    expect(p.std).toBeCloseTo(Math.sqrt(30 / 4 - 1), 12);
    expect(p.positiveInfinity).toBe(1);
    expect(p.distinct.estimate()).toBeCloseTo(5, 0);
  });

  it('profiles categorical columns with frequent items and distinct count', () => {
    const p = new ColumnProfile('c', 'categorical');
    p.addAll(['a', 'b', null, 'a', 'c']);
    expect(p.count).toBe(4);
    expect(p.missing).toBe(1);
    expect(p.frequentItems!.items()[0]).toEqual(['a', 2]);
    expect(Math.round(p.distinct.estimate())).toBe(3);
    expect(() => p.add(3)).toThrow();
  });

  it('merging profiles of parts equals the profile of the whole', () => {
    const values = normalSample(seededRandom(4), 40_000, 10, 3);
    const whole = new ColumnProfile('x', 'numeric');
    whole.addAll(values);
    const a = new ColumnProfile('x', 'numeric');
    const b = new ColumnProfile('x', 'numeric');
    a.addAll(values.subarray(0, 15_000));
    b.addAll(values.subarray(15_000));
    a.merge(b);
    const wj = whole.toJSON();
    const aj = a.toJSON();
    expect(aj.quantiles).toEqual(wj.quantiles);
    expect(aj.distinct).toEqual(wj.distinct);
    expect(aj.count).toBe(wj.count);
    expect(aj.min).toBe(wj.min);
    expect(aj.max).toBe(wj.max);
    expect(aj.sum).toBeCloseTo(wj.sum, 6);
    expect(aj.sumSq).toBeCloseTo(wj.sumSq, 3);
  });

  it('round-trips through JSON and its size does not grow with rows', () => {
    const rand = seededRandom(8);
    const p = new ColumnProfile('x', 'numeric');
    for (let i = 0; i < 10_000; i++) p.add(rand() * 100);
    const small = JSON.stringify(p.toJSON()).length;
    for (let i = 10_000; i < 1_000_000; i++) p.add(rand() * 100);
    const json = JSON.stringify(p.toJSON());
    expect(json.length).toBeLessThan(small * 1.5);
    const back = ColumnProfile.fromJSON(JSON.parse(json) as ColumnProfileJSON);
    expect(back.toJSON()).toEqual(p.toJSON());

    const c = new ColumnProfile('c', 'categorical', { frequentItems: 16 });
    for (let i = 0; i < 10_000; i++) c.add(`v${Math.floor(rand() * 1e6)}`);
    const cSmall = JSON.stringify(c.toJSON()).length;
    for (let i = 10_000; i < 1_000_000; i++) c.add(`v${Math.floor(rand() * 1e6)}`);
    expect(JSON.stringify(c.toJSON()).length).toBeLessThan(cSmall * 1.5);
  });

  it('reports null extremes when empty', () => {
    const p = new ColumnProfile('x', 'numeric');
    p.add(Number.NaN);
    const j = p.toJSON();
    expect(j.min).toBeNull();
    expect(j.max).toBeNull();
    expect(Number.isNaN(p.mean)).toBe(true);
    expect(ColumnProfile.fromJSON(j).missing).toBe(1);
  });
});
