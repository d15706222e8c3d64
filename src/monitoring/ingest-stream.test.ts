import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCommandsInProcess } from '../../test/support/cli.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { registerMonitoredModel } from './monitoring.test-helper.js';
import { registerMonitoringCommands } from './monitoring.command.js';

const warden = (args: string[], env: Record<string, string>) =>
  runCommandsInProcess(registerMonitoringCommands, args, env);

/** The rows of a CSV file as Python's csv module reads them (an independent reader). */
function pythonCsvRows(file: string): Record<string, string>[] {
  const script =
    'import csv, json, sys\n' +
    'with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:\n' +
    '    print(json.dumps(list(csv.DictReader(f))))\n';
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })) as Record<
    string,
    string
  >[];
}

describeEachBackend('warden ingest streams CSV and Parquet files', (backend) => {
  let server: TestServer;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    server = await startTestServer(backend);
    await registerMonitoredModel(server, 'fraud');
    env = { WARDEN_URL: server.url, WARDEN_TOKEN: await server.tokenFor('ingest-bot', ['mlops']) };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-ingest-stream-'));
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const storedRecords = async (prefix: string) => {
    const rows = await server.ctx.db
      .selectFrom('inference_records')
      .select(['record_id', 'features'])
      .where('record_id', 'like', `${prefix}%`)
      .orderBy('record_id')
      .execute();
    return rows.map((r) => ({
      id: r.record_id,
      features: (typeof r.features === 'string' ? JSON.parse(r.features) : r.features) as Record<
        string,
        unknown
      >,
    }));
  };
  const count = async () =>
    Number(
      (
        await server.ctx.db
          .selectFrom('inference_records')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('stores a CSV with a BOM, CRLF, quoted line breaks and "007" ids as Python’s csv module reads it', async () => {
    const file = path.join(dir, 'tricky.csv');
    const lines = ['id,amount,age,country,code,note,prediction'];
    const countries = ['de', 'fr', 'it'];
    for (let i = 0; i < 2500; i++) {
      const note =
        i % 9 === 0 ? `"first ${i}\r\nsecond, ""quoted"""` : i % 10 === 0 ? `"a\nb ${i}"` : `plain ${i}`;
      // All digits until row 2400, then text: the column is text throughout, "012" stays "012".
      const code = i < 2400 ? String(i % 100).padStart(3, '0') : `k${i}`;
      lines.push(
        `${String(i).padStart(4, '0')},${(i * 0.5).toFixed(1)},${i % 6 === 0 ? '' : 20 + (i % 40)},${countries[i % 3]},${code},${note},${i % 2}`,
      );
    }
    fs.writeFileSync(file, `\uFEFF${lines.join('\r\n')}\r\n`);
    const run = await warden(['ingest', 'fraud', '1.0.0', '--file', file, '--batch', '300', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ batches: 9, records: 2500, accepted: 2500 });
    const python = pythonCsvRows(file);
    expect(python).toHaveLength(2500);
    const expected = python.map((row) => ({
      id: row.id,
      features: {
        amount: Number(row.amount),
        age: row.age === '' ? null : Number(row.age),
        country: row.country,
        code: row.code,
        note: row.note,
      },
    }));
    expected.sort((a, b) => (a.id! < b.id! ? -1 : 1));
    const stored = await storedRecords('');
    expect(stored.filter((r) => /^\d{4}$/.test(r.id))).toEqual(expected);
    expect(expected[0]).toEqual({
      id: '0000',
      features: { amount: 0, age: null, country: 'de', code: '000', note: 'first 0\r\nsecond, "quoted"' },
    });
  });

  it('stops at a refused row in the middle of a big file, naming its file line and the batches stored', async () => {
    const before = await count();
    const file = path.join(dir, 'big.csv');
    const bad = 12_345;
    const lines = ['id,prediction,amount,age,country,note'];
    for (let i = 0; i < 20_000; i++)
      lines.push(
        `big-${i},1,${i === bad ? 'abc' : (i % 500) + 0.5},${20 + (i % 40)},de,${i % 100 === 0 ? '"two\nlines"' : 'x'}`,
      );
    const text = lines.join('\n') + '\n';
    fs.writeFileSync(file, text);
    const run = await warden(['ingest', 'fraud', '1.0.0', '--file', file, '--batch', '1000'], env);
    expect(run.code, run.stderr).toBe(2);
    // Counted by hand: the header line, then one line per row, plus one per quoted line break.
    const fileLine = text.slice(0, text.indexOf(`big-${bad},1,`)).split('\n').length;
    expect(fileLine).toBe(bad + 2 + Math.ceil(bad / 100));
    expect(run.stderr).toContain('batch 13 (records 12001–13000)');
    expect(run.stderr).toContain(`line ${bad - 12_000 + 1}: records[${bad - 12_000}].features.amount`);
    expect(run.stderr).toContain(`(file line ${fileLine})`);
    expect(run.stderr).toContain('batches 1–12 (records 1–12000) were acknowledged');
    expect(await count()).toBe(before + 12_000);
  });

  it('refuses a ragged row before sending anything, naming its line; a header-only file sends nothing', async () => {
    const before = await count();
    const file = path.join(dir, 'ragged.csv');
    const lines = ['id,amount,age,country,prediction'];
    for (let i = 0; i < 5000; i++) lines.push(i === 4321 ? `rag-${i},1,2,de,0,extra` : `rag-${i},1,30,de,0`);
    fs.writeFileSync(file, lines.join('\r\n'));
    const run = await warden(['ingest', 'fraud', '1.0.0', '--file', file, '--batch', '500'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ragged.csv: data row 4322 has 6 fields, the header has 5 (line 4323)');
    expect(run.stderr).toContain('no records were stored');
    expect(await count()).toBe(before);
    const header = path.join(dir, 'header-only.csv');
    fs.writeFileSync(header, '\uFEFFid,amount,age,country\r\n');
    const empty = await warden(['ingest', 'fraud', '1.0.0', '--file', header, '--json'], env);
    expect(empty.code, empty.stderr).toBe(0);
    expect(JSON.parse(empty.stdout)).toMatchObject({ batches: 0, records: 0 });
  });

  it('stores every row of a Parquet file of several row groups, ids as written', async () => {
    const file = path.join(dir, 'groups.parquet');
    const n = 4500;
    const ids = Array.from({ length: n }, (_, i) => `9${String(i).padStart(5, '0')}`);
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'id', data: ids, type: 'STRING' },
        { name: 'amount', data: Array.from({ length: n }, (_, i) => i / 8), type: 'DOUBLE' },
        {
          name: 'country',
          data: Array.from({ length: n }, (_, i) => ['de', 'fr', 'it'][i % 3]!),
          type: 'STRING',
        },
        { name: 'prediction', data: Array.from({ length: n }, (_, i) => i % 2), type: 'INT32' },
      ],
      rowGroupSize: 1000,
    });
    const run = await warden(['ingest', 'fraud', '1.0.0', '--file', file, '--batch', '600', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    // 5 row groups (1,000 × 4 + 500), each sent as 600 + 400 (the last as 500).
    expect(JSON.parse(run.stdout)).toMatchObject({ batches: 9, records: n, accepted: n });
    const stored = await storedRecords('9');
    expect(stored).toHaveLength(n);
    expect(stored.map((r) => r.id)).toEqual(ids);
    expect(stored[4499]).toEqual({ id: '904499', features: { amount: 4499 / 8, country: 'it' } });
    expect(stored.every((r, i) => r.features.amount === i / 8)).toBe(true);
  });
});
