import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTables } from '../io/index.js';
import { buildSketchDriftReport } from './drift-sketch.report.js';
import { buildDriftReport } from './drift.report.js';
import type { DriftMethod } from '../stats/types.js';
import { seededRandom } from './offline-cli.test-helper.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-drift-sketch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeFile(path: string, seed: number, shift: number): void {
  const rng = seededRandom(seed);
  const lines = ['offset,wide,segment,level'];
  for (let i = 0; i < 20_000; i++) {
    lines.push(
      [
        (150 + shift + rng.normal()).toFixed(5),
        i % 50 === 0 ? '' : (rng.normal() * 1000).toFixed(2),
        ['a', 'b', 'c'][Math.floor(rng.uniform() * (shift > 0 ? 2.2 : 3))]!,
        String(Math.floor(rng.uniform() * 4)),
      ].join(','),
    );
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

describe('warden drift --sketch', () => {
  it('stays within its printed error bound of the exact statistic, and is exact on counted columns', async () => {
    const ref = join(dir, 'ref.csv');
    const cur = join(dir, 'cur.csv');
    writeFile(ref, 1, 0);
    writeFile(cur, 2, 0.3);
    const [er, ec] = await readTables([{ path: ref }, { path: cur }]);
    const settings = { relativeAccuracy: 0.005, categoryCap: 10_000 };
    const [sr, sc] = await readTables([
      { path: ref, options: { sketch: settings } },
      { path: cur, options: { sketch: settings } },
    ]);
    const choices: Record<string, DriftMethod>[] = [{}, { offset: 'ks', wide: 'ks' }];
    for (const methods of choices) {
      const exact = buildDriftReport(er!, ec!, { methods, thresholds: {} }).report;
      const sketch = buildSketchDriftReport(sr!, sc!, { methods, thresholds: {} }, settings);
      expect(sketch.columns.map((c) => c.method)).toEqual(exact.columns.map((c) => c.method));
      for (const [i, column] of sketch.columns.entries()) {
        const truth = exact.columns[i]!;
        expect(column.missing).toEqual(truth.missing);
        expect(column.drifted).toBe(truth.drifted);
        if (column.sketch.exact) {
          expect(column.statistic).toBe(truth.statistic);
        } else {
          const bound = column.sketch.errorBound!;
          // A bound that says something: well under the default thresholds.
          expect(bound).toBeLessThan(0.05);
          expect(Math.abs(column.statistic! - truth.statistic!)).toBeLessThanOrEqual(bound);
        }
      }
      // The categorical and low-cardinality numeric columns are counted exactly.
      expect(sketch.columns.filter((c) => c.sketch.exact).map((c) => c.name)).toEqual(['segment', 'level']);
    }
  }, 60_000);
});
