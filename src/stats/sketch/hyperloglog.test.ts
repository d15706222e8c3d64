import { describe, expect, it } from 'vitest';
import { seededRandom } from '../drift/test-helpers.js';
import { HyperLogLog } from './hyperloglog.js';

describe('HyperLogLog error bound', () => {
  it.each([10, 1_000, 20_000, 300_000])('estimates %i distinct strings within 3 standard errors', (n) => {
    const h = new HyperLogLog();
    for (let i = 0; i < n; i++) {
      h.addString(`user-${i}`);
      if (i % 3 === 0) h.addString(`user-${i}`);
    }
    expect(Math.abs(h.estimate() - n) / n).toBeLessThanOrEqual(3 * h.standardError);
  });

  it('estimates distinct numbers and treats -0 as 0', () => {
    const rand = seededRandom(5);
    const h = new HyperLogLog(14);
    const values = Float64Array.from({ length: 50_000 }, () => rand());
    for (const v of values) h.addNumber(v);
    h.addNumber(0);
    h.addNumber(-0);
    expect(Math.abs(h.estimate() - 50_001) / 50_001).toBeLessThanOrEqual(3 * h.standardError);
  });

  it('merges as a union and round-trips through JSON', () => {
    const a = new HyperLogLog();
    const b = new HyperLogLog();
    for (let i = 0; i < 30_000; i++) a.addString(`k${i}`);
    for (let i = 20_000; i < 50_000; i++) b.addString(`k${i}`);
    a.merge(b);
    expect(Math.abs(a.estimate() - 50_000) / 50_000).toBeLessThanOrEqual(3 * a.standardError);
    const back = HyperLogLog.fromJSON(
      JSON.parse(JSON.stringify(a.toJSON())) as ReturnType<HyperLogLog['toJSON']>,
    );
    expect(back.estimate()).toBe(a.estimate());
    expect(() => a.merge(new HyperLogLog(10))).toThrow();
  });

  it('has a fixed serialised size', () => {
    const h = new HyperLogLog();
    for (let i = 0; i < 10_000; i++) h.addString(String(i));
    const small = JSON.stringify(h.toJSON()).length;
    for (let i = 10_000; i < 1_000_000; i++) h.addString(String(i));
    expect(JSON.stringify(h.toJSON()).length).toBe(small);
  });
});
