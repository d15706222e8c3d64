import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTable } from '../io/index.js';
import { buildDriftReport, type DriftReport } from './drift.report.js';
import {
  ensureBuilt,
  python,
  pythonHas,
  runWarden,
  runWardenJson,
  seededRandom,
  writeCsv,
  writeNdjson,
  repoRoot,
} from './offline-cli.test-helper.js';

/** The first test file to run may have to build the project (`npm run build`) first. */
const BUILD_TIMEOUT_MS = 300_000;

const dir = mkdtempSync(join(tmpdir(), 'warden-drift-'));
const path = (name: string) => join(dir, name);
const hasScipy = pythonHas('scipy', 'numpy');

const HEADER = ['age', 'income', 'segment', 'active'];
type Row = [number, number | null, string, boolean];

/** 1,500 reference and 1,200 current rows: age shifts by half a standard deviation, a category appears. */
function generate(): { reference: Row[]; current: Row[] } {
  const rng = seededRandom(42);
  const row = (shift: number, categories: string[], i: number): Row => [
    Math.round((40 + shift + 10 * rng.normal()) * 100) / 100,
    i % 40 === 0 ? null : Math.round(Math.exp(10 + 0.4 * rng.normal())),
    categories[Math.floor(rng.uniform() * categories.length)]!,
    rng.uniform() < 0.5,
  ];
  return {
    reference: Array.from({ length: 1500 }, (_, i) => row(0, ['a', 'b', 'c'], i)),
    current: Array.from({ length: 1200 }, (_, i) => row(5, ['a', 'b', 'c', 'd'], i)),
  };
}

const data = generate();

beforeAll(() => {
  ensureBuilt();
  writeCsv(path('ref.csv'), HEADER, data.reference);
  writeCsv(path('cur.csv'), HEADER, data.current);
  writeNdjson(path('ref.ndjson'), HEADER, data.reference);
  writeNdjson(path('cur.jsonl'), HEADER, data.current);
  for (const [name, rows] of [
    ['ref.parquet', data.reference],
    ['cur.parquet', data.current],
  ] as const) {
    const buffer = parquetWriteBuffer({
      rowGroupSize: 500,
      columnData: [
        { name: 'age', data: Float64Array.from(rows, (r) => r[0]), type: 'DOUBLE', nullable: false },
        { name: 'income', data: rows.map((r) => r[1]), type: 'DOUBLE' },
        { name: 'segment', data: rows.map((r) => r[2]), type: 'STRING' },
        { name: 'active', data: rows.map((r) => r[3]), type: 'BOOLEAN' },
      ],
    });
    writeFileSync(path(name), Buffer.from(buffer));
  }
  writeCsv(path('tiny-ref.csv'), ['x'], [[1], [2], [3], [4], [5]]);
  writeCsv(path('tiny-cur.csv'), ['x'], [[3], [4], [5], [6], [7], [8]]);
  writeFileSync(path('empty.csv'), '');
}, BUILD_TIMEOUT_MS);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The two-sample KS statistic, straight from the definition: sup |F_ref − F_cur| over all values. */
function ksStatistic(a: number[], b: number[]): number {
  const ecdf = (sample: number[], x: number) => sample.filter((v) => v <= x).length / sample.length;
  return Math.max(...[...a, ...b].map((x) => Math.abs(ecdf(a, x) - ecdf(b, x))));
}

describe('warden drift (built CLI)', () => {
  it('reports the exact JSON shape, with default methods chosen per column', () => {
    const report = runWardenJson<DriftReport>([
      'drift',
      '--reference',
      path('ref.csv'),
      '--current',
      path('cur.csv'),
    ]);
    expect(report.rows).toEqual({ reference: 1500, current: 1200 });
    expect(report.columns.map((c) => [c.name, c.type, c.method])).toEqual([
      ['age', 'numeric', 'wasserstein'],
      ['income', 'numeric', 'wasserstein'],
      ['segment', 'categorical', 'jensenshannon'],
      ['active', 'categorical', 'jensenshannon'],
    ]);
    for (const column of report.columns) {
      expect(Object.keys(column)).toEqual(
        expect.arrayContaining([
          'name',
          'type',
          'method',
          'statistic',
          'pValue',
          'threshold',
          'drifted',
          'missing',
        ]),
      );
      expect(typeof column.missing.reference).toBe('number');
      expect(typeof column.missing.current).toBe('number');
    }
    const byName = Object.fromEntries(report.columns.map((c) => [c.name, c]));
    expect(byName.age!.drifted).toBe(true);
    expect(byName.age!.distance).toBeGreaterThan(0);
    expect(byName.income!.missing).toMatchObject({ reference: 38, current: 30 });
    expect(byName.segment!.newCategories).toEqual(['d']);
    expect(byName.segment!.drifted).toBe(true);
    expect(byName.active!.drifted).toBe(false);
    expect(report.driftedShare).toBe(0.5);
    expect(report.datasetDrift).toBe(true);
  });

  it('reads the documented sample files (test/fixtures/offline-*), CSV against NDJSON', () => {
    const fixture = (name: string) => join(repoRoot, 'test/fixtures', name);
    const report = runWardenJson<DriftReport>([
      'drift',
      '--reference',
      fixture('offline-reference.csv'),
      '--current',
      fixture('offline-current.ndjson'),
    ]);
    expect(report.rows).toEqual({ reference: 400, current: 300 });
    expect(report.columns.map((c) => [c.name, c.method, c.drifted])).toEqual([
      ['age', 'ks', true],
      ['income', 'ks', false],
      ['plan', 'chisquare', true],
      ['churned', 'z', false],
    ]);
    expect(report.columns[1]!.missing).toMatchObject({ reference: 8, current: 12 });
    expect(report.columns[2]!.newCategories).toEqual(['enterprise']);
    // Options repeat: each --threshold or --column-method takes one or more column=value pairs.
    const tuned = runWardenJson<DriftReport>([
      'drift',
      '--reference',
      fixture('offline-reference.csv'),
      '--current',
      fixture('offline-current.csv'),
      '--threshold',
      'age=0.001',
      '--threshold',
      'income=0.5',
      '--column-method',
      'plan=psi',
      'churned=chisquare',
    ]);
    expect(tuned.columns.map((c) => [c.name, c.method, c.threshold, c.drifted])).toEqual([
      ['age', 'ks', 0.001, false],
      ['income', 'ks', 0.5, false],
      ['plan', 'psi', 0.1, true],
      ['churned', 'chisquare', 0.05, false],
    ]);
  });

  it('computes the KS statistic of two tiny columns as the definition gives it', () => {
    const report = runWardenJson<DriftReport>([
      'drift',
      '--reference',
      path('tiny-ref.csv'),
      '--current',
      path('tiny-cur.csv'),
      '--column-method',
      'x=ks',
      '--threshold',
      'x=0.01',
    ]);
    const [x] = report.columns;
    expect(x).toMatchObject({ name: 'x', method: 'ks', threshold: 0.01, drifted: false });
    expect(x!.statistic).toBeCloseTo(ksStatistic([1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 8]), 12);
    expect(x!.statistic).toBe(0.5);
    expect(x!.pValue).toBeGreaterThan(0.01);
  });

  it.skipIf(!hasScipy)('agrees with scipy on KS, Wasserstein, chi-square and Jensen–Shannon', () => {
    const report = runWardenJson<DriftReport>([
      'drift',
      '--reference',
      path('ref.csv'),
      '--current',
      path('cur.csv'),
      '--column-method',
      'age=ks',
      'segment=chisquare',
    ]);
    const byName = Object.fromEntries(report.columns.map((c) => [c.name, c]));
    const expected = python<{
      ks: [number, number];
      w: number;
      wn: number;
      chi: [number, number];
      js: number;
    }>(
      `
import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon
ref, cur = data['reference'], data['current']
age_r = np.array([r[0] for r in ref]); age_c = np.array([r[0] for r in cur])
inc_r = np.array([r[1] for r in ref if r[1] is not None], dtype=float); inc_c = np.array([r[1] for r in cur if r[1] is not None], dtype=float)
ks = stats.ks_2samp(age_r, age_c)
w = stats.wasserstein_distance(inc_r, inc_c)
cats = sorted(set(r[2] for r in ref) | set(r[2] for r in cur))
table = np.array([[sum(1 for r in ref if r[2] == c) for c in cats], [sum(1 for r in cur if r[2] == c) for c in cats]])
chi = stats.chi2_contingency(table, correction=False)
flags = ['false', 'true']
p = np.array([sum(1 for r in ref if str(r[3]).lower() == f) for f in flags], dtype=float)
q = np.array([sum(1 for r in cur if str(r[3]).lower() == f) for f in flags], dtype=float)
print(json.dumps({'ks': [ks.statistic, ks.pvalue], 'w': w, 'wn': w / np.std(inc_r), 'chi': [chi[0], chi[1]], 'js': float(jensenshannon(p / p.sum(), q / q.sum(), base=2))}))
`,
      data,
    );
    expect(byName.age!.statistic).toBeCloseTo(expected.ks[0], 10);
    expect(byName.age!.pValue!).toBeCloseTo(expected.ks[1], 10);
    expect(byName.income!.distance!).toBeCloseTo(expected.w, 6);
    expect(byName.income!.statistic!).toBeCloseTo(expected.wn, 9);
    expect(byName.segment!.statistic!).toBeCloseTo(expected.chi[0], 8);
    expect(byName.segment!.pValue!).toBeCloseTo(expected.chi[1], 10);
    expect(byName.active!.statistic!).toBeCloseTo(expected.js, 10);
  });

  it('gives the same result for CSV, NDJSON and Parquet inputs', () => {
    const strip = (report: DriftReport) =>
      JSON.stringify(report.columns.map(({ convention: _c, ...rest }) => rest));
    const csv = runWardenJson<DriftReport>([
      'drift',
      '--reference',
      path('ref.csv'),
      '--current',
      path('cur.csv'),
    ]);
    const ndjson = runWardenJson<DriftReport>([
      'drift',
      '--reference',
      path('ref.ndjson'),
      '--current',
      path('cur.jsonl'),
    ]);
    const parquet = runWardenJson<DriftReport>([
      'drift',
      '--reference',
      path('ref.parquet'),
      '--current',
      path('cur.parquet'),
    ]);
    expect(strip(ndjson)).toBe(strip(csv));
    expect(strip(parquet)).toBe(strip(csv));
    const mixed = runWardenJson<DriftReport>([
      'drift',
      '--reference',
      path('ref.parquet'),
      '--current',
      path('cur.csv'),
      '--columns',
      'age,segment',
    ]);
    expect(mixed.columns.map((c) => c.name)).toEqual(['age', 'segment']);
  });

  it('prints a readable table by default and writes a self-contained HTML report', () => {
    const run = runWarden([
      'drift',
      '--reference',
      path('ref.csv'),
      '--current',
      path('cur.csv'),
      '--html',
      path('drift.html'),
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^column\s+type\s+method\s+statistic\s+p-value\s+threshold\s+drifted/m);
    expect(run.stdout).toMatch(/^age\s+numeric\s+wasserstein\s+.*DRIFTED/m);
    expect(run.stdout).toContain('Dataset drift: YES (2 of 4 tested columns drifted, 50.0%');
    expect(run.stdout).toContain('segment: new categories in current: d');
    const html = readFileSync(path('drift.html'), 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('reads large inputs in worker threads with the same result as in-process', async () => {
    // Over 4 MiB in total: the built CLI reads the two files at once in two worker threads;
    // here, from the sources, they are read in-process.
    const rng = seededRandom(11);
    const wide = (shift: number) =>
      Array.from({ length: 45_000 }, (_, i) => [
        (shift + rng.normal()).toFixed(6),
        (100 * rng.uniform()).toFixed(4),
        i % 97 === 0 ? null : Math.round(50 + 20 * rng.normal()),
        ['red', 'green', 'blue'][Math.floor(rng.uniform() * 3)]!,
        rng.uniform() < 0.3,
      ]);
    const header = ['a', 'b', 'c', 'colour', 'flag'];
    writeCsv(path('big-ref.csv'), header, wide(0));
    writeCsv(path('big-cur.csv'), header, wide(0.1));
    const cli = runWardenJson<DriftReport>([
      'drift',
      '--reference',
      path('big-ref.csv'),
      '--current',
      path('big-cur.csv'),
    ]);
    const reference = await readTable(path('big-ref.csv'));
    const current = await readTable(path('big-cur.csv'));
    const { report: inProcess } = buildDriftReport(reference, current, { methods: {}, thresholds: {} });
    expect(cli).toEqual(JSON.parse(JSON.stringify(inProcess)));
    expect(cli.rows).toEqual({ reference: 45_000, current: 45_000 });
    const run = runWarden([
      'drift',
      '--reference',
      path('big-ref.csv'),
      '--current',
      path('big-cur.csv'),
      '--columns',
      'a,zz',
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      "warden: big-ref.csv: no column 'zz' (columns: a, b, c, colour, flag) (field: zz)\n",
    );
  });

  it('stops on a text value in a column that is numeric in the reference, naming the column and data row', () => {
    // A spreadsheet export: byte-order mark, CRLF, quoted fields holding commas, quotes and a line break.
    const bom = '\uFEFF';
    const reference = `${bom}amount,city\r\n12.5,"Paris, FR"\r\n7,Berlin\r\n3.25,"say ""hi"""\r\n,Rome\r\n9,Oslo\r\n`;
    const current = `${bom}amount,city\r\n11,"New York,\r\nNY"\r\n8,Berlin\r\n,Rome\r\nn/a,Oslo\r\ntwelve,Paris\r\n4,Oslo\r\n`;
    writeFileSync(path('stray-ref.csv'), reference);
    writeFileSync(path('stray-cur.csv'), current);
    const run = runWarden([
      'drift',
      '--reference',
      path('stray-ref.csv'),
      '--current',
      path('stray-cur.csv'),
    ]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    // Data row 5, not line 6: the quoted line break does not start a row, and 'n/a' is missing.
    expect(run.stderr).toBe(
      "warden: stray-cur.csv: column 'amount' must be numeric, as in stray-ref.csv, but data row 5 has 'twelve' (field: amount)\n",
    );
  });

  it('compares a column of text in the reference and numbers in the current file as categorical', () => {
    writeCsv(path('codes-ref.csv'), ['code'], [['A1'], ['B2'], ['A1'], ['7']]);
    writeCsv(path('codes-cur.csv'), ['code'], [[7], [7], [8]]);
    const report = runWardenJson<DriftReport>([
      'drift',
      '--reference',
      path('codes-ref.csv'),
      '--current',
      path('codes-cur.csv'),
    ]);
    expect(report.schema.typeChanged).toEqual(['code']);
    expect(report.columns[0]).toMatchObject({ name: 'code', type: 'categorical', newCategories: ['8'] });
  });

  it.each([
    [['--reference', 'empty.csv', '--current', 'cur.csv'], 'warden: empty.csv: the file is empty'],
    [
      ['--reference', 'ref.csv', '--current', 'cur.csv', '--columns', 'age,height'],
      "warden: ref.csv: no column 'height' (columns: age, income, segment, active) (field: height)",
    ],
    [
      ['--reference', 'ref.csv', '--current', 'cur.csv', '--column-method', 'age=magic'],
      "warden: --column-method: unknown method 'magic'",
    ],
    [
      ['--reference', 'ref.csv', '--current', 'cur.csv', '--column-method', 'segment=ks'],
      'warden: method "ks" does not apply to categorical column "segment"',
    ],
    [
      ['--reference', 'ref.csv', '--current', 'cur.csv', '--threshold', 'age=high'],
      "warden: --threshold must be a number, got 'high'",
    ],
    [['--reference', 'ref.csv', '--current', 'missing.csv'], 'missing.csv: no such file'],
    [['--reference', 'ref.xlsx', '--current', 'cur.csv'], 'unknown file type'],
  ])('rejects bad input with one line and exit code 2: %j', (args, message) => {
    const run = runWarden(['drift', ...args.map((arg) => (/\.(csv|xlsx)$/.test(arg) ? path(arg) : arg))]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
  });
});
