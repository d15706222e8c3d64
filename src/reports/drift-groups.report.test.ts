import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpilledColumn, readTable, readTables } from '../io/index.js';
import { buildDriftReportInGroups } from './drift-groups.report.js';
import { buildDriftReport } from './drift.report.js';
import { ensureBuilt, repoRoot, seededRandom } from './offline-cli.test-helper.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-drift-groups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** More rows than one spilled chunk (65,536), so columns span several chunks. */
const ROWS = 150_000;

/**
 * Columns chosen to exercise every conversion: plain numbers; numbers written in a
 * non-shortest form ("1.50", "007"); missing cells in pandas' spellings; ±inf; a column that is
 * numeric for two chunks and turns to text in the third (its earlier cells must keep their text);
 * categories; and a column text in the reference but numeric in the current file.
 */
function writeFile(path: string, seed: number, current: boolean): void {
  const rng = seededRandom(seed);
  const lines = ['plain,padded,gappy,infinite,late_text,segment,code'];
  for (let i = 0; i < ROWS; i++) {
    const shift = current ? 0.3 : 0;
    const plain = (shift + rng.normal()).toFixed(4);
    const padded = i % 3 === 0 ? `00${Math.floor(rng.uniform() * 50)}` : (rng.normal() * 2).toFixed(2);
    const gappy = i % 17 === 0 ? ['', 'NA', '#N/A', '<NA>'][i % 4]! : String(Math.round(rng.normal() * 100));
    const infinite = i % 1000 === 0 ? (i % 2000 === 0 ? 'inf' : '-inf') : rng.normal().toFixed(3);
    const late = i === 140_000 && !current ? 'n/a-text' : i % 5 === 0 ? '1.50' : String(i % 7);
    const segment = ['a', 'b', 'c', current && i % 9 === 0 ? 'd' : 'a'][Math.floor(rng.uniform() * 4)]!;
    const code = !current && i % 11 === 0 ? 'X1' : String(i % 4);
    lines.push([plain, padded, gappy, infinite, late, segment, code].join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

describe('drift over spilled columns, a group at a time', () => {
  const ref = join(dir, 'ref.csv');
  const cur = join(dir, 'cur.csv');
  writeFile(ref, 7, false);
  writeFile(cur, 8, true);

  it('loads every spilled column exactly as the in-memory reader reads it', async () => {
    const spillDir = join(dir, 'spill-load');
    mkdirSync(spillDir);
    const spilled = await readTable(ref, { spillTo: spillDir });
    const whole = await readTable(ref);
    expect(spilled.columns).toEqual([]);
    expect(spilled.rows).toBe(ROWS);
    expect(spilled.spilled!.map((c) => [c.name, c.kind])).toEqual(whole.columns.map((c) => [c.name, c.kind]));
    // late_text turned categorical in its third chunk; its first cells keep their text ("1.50").
    expect(spilled.spilled!.find((c) => c.name === 'late_text')!.kind).toBe('categorical');
    for (const [i, column] of spilled.spilled!.entries()) {
      expect(loadSpilledColumn(column)).toEqual(whole.columns[i]);
    }
    const late = loadSpilledColumn(spilled.spilled!.find((c) => c.name === 'late_text')!);
    expect(late.values[0]).toBe('1.50');
    expect(late.values[1]).toBe('1');
    expect(late.values[140_000]).toBe('n/a-text');
  });

  it('gives the in-memory report byte for byte with one column per group', async () => {
    const [wholeRef, wholeCur] = await readTables([{ path: ref }, { path: cur }]);
    const expected = buildDriftReport(wholeRef!, wholeCur!, { methods: {}, thresholds: {} }).report;
    const spillDir = join(dir, 'spill-report');
    mkdirSync(join(spillDir, 'r'), { recursive: true });
    mkdirSync(join(spillDir, 'c'));
    const [spilledRef, spilledCur] = await readTables([
      { path: ref, options: { spillTo: join(spillDir, 'r') } },
      { path: cur, options: { spillTo: join(spillDir, 'c') } },
    ]);
    const { report, groups } = buildDriftReportInGroups(
      spilledRef!,
      spilledCur!,
      { methods: { plain: 'ks', padded: 'psi' }, thresholds: { gappy: 0.2 } },
      { budget: 1, charts: false },
    );
    const expectedWithOptions = buildDriftReport(wholeRef!, wholeCur!, {
      methods: { plain: 'ks', padded: 'psi' },
      thresholds: { gappy: 0.2 },
    }).report;
    expect(groups).toBe(7);
    expect(JSON.stringify(report)).toBe(JSON.stringify(expectedWithOptions));
    // The comparison is not vacuous: columns drift, two changed type, infinities were counted.
    expect(expected.schema.typeChanged).toEqual(['late_text', 'code']);
    expect(report.schema.typeChanged).toEqual(['late_text', 'code']);
    expect(report.columns.find((c) => c.name === 'plain')!.drifted).toBe(true);
    expect(report.columns.find((c) => c.name === 'infinite')!.infinite).toEqual({
      reference: 150,
      current: 150,
    });

    const twoGroups = buildDriftReportInGroups(
      spilledRef!,
      spilledCur!,
      { methods: {}, thresholds: {} },
      { budget: 4 * 2 * ROWS * 32, charts: false },
    );
    expect(twoGroups.groups).toBe(2);
    expect(JSON.stringify(twoGroups.report)).toBe(JSON.stringify(expected));
    rmSync(spillDir, { recursive: true });
  });

  it('names the row of a current cell that is not a number, as the in-memory path does', async () => {
    const badCur = join(dir, 'bad.csv');
    writeFileSync(
      badCur,
      'plain\n' + Array.from({ length: 70_000 }, (_, i) => (i === 69_999 ? 'oops' : '1')).join('\n'),
    );
    const goodRef = join(dir, 'good.csv');
    writeFileSync(goodRef, 'plain\n' + Array.from({ length: 100 }, (_, i) => String(i)).join('\n'));
    const [wr, wc] = await readTables([{ path: goodRef }, { path: badCur }]);
    const message = (() => {
      try {
        buildDriftReport(wr!, wc!, { methods: {}, thresholds: {} });
      } catch (error) {
        return (error as Error).message;
      }
      return 'no error';
    })();
    expect(message).toContain("data row 70000 has 'oops'");
    const spillDir = join(dir, 'spill-bad');
    mkdirSync(join(spillDir, 'r'), { recursive: true });
    mkdirSync(join(spillDir, 'c'));
    const [sr, sc] = await readTables([
      { path: goodRef, options: { spillTo: join(spillDir, 'r') } },
      { path: badCur, options: { spillTo: join(spillDir, 'c') } },
    ]);
    expect(() =>
      buildDriftReportInGroups(sr!, sc!, { methods: {}, thresholds: {} }, { budget: 1, charts: false }),
    ).toThrow(message);
    expect(readdirSync(join(spillDir, 'c'))).toEqual(['column-0.bin']);
  });
});

describe('warden drift --memory-limit (built CLI)', () => {
  beforeAll(() => ensureBuilt(), 300_000);
  const run = (args: string[], tmp: string) =>
    spawnSync(process.execPath, [join(repoRoot, 'dist/cli/main.js'), 'drift', ...args], {
      encoding: 'utf8',
      env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' },
    });

  it('prints the same report with a tiny limit (a column at a time) and leaves no temporary file', () => {
    const ref = join(dir, 'cli-ref.csv');
    const cur = join(dir, 'cli-cur.csv');
    writeFile(ref, 3, false);
    writeFile(cur, 4, true);
    const tmp = join(dir, 'tmp-cli');
    mkdirSync(tmp);
    const whole = run(['--reference', ref, '--current', cur, '--json', '--memory-limit', '8GiB'], tmp);
    const bounded = run(['--reference', ref, '--current', cur, '--json', '--memory-limit', '1KiB'], tmp);
    expect(whole.status).toBe(0);
    expect(bounded.status).toBe(0);
    expect(bounded.stdout).toBe(whole.stdout);
    expect(readdirSync(tmp)).toEqual([]);

    const bad = join(dir, 'cli-bad.csv');
    writeFileSync(bad, 'plain\n1\nnot-a-number\n');
    const failed = run(
      ['--reference', ref, '--current', bad, '--columns', 'plain', '--memory-limit', '1KiB'],
      tmp,
    );
    expect(failed.status).toBe(2);
    expect(failed.stderr).toContain("data row 2 has 'not-a-number'");
    expect(readdirSync(tmp)).toEqual([]);

    const wrong = run(['--reference', ref, '--current', cur, '--memory-limit', 'lots'], tmp);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('--memory-limit must be a size');
  }, 120_000);
});
