import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommandsInProcess } from '../../test/support/cli.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { rowToRecord } from './ingest.command.js';
import { registerMonitoringCommands } from './monitoring.command.js';
import { registerMonitoredModel } from './monitoring.test-helper.js';

const warden = (args: string[], env: Record<string, string>) =>
  runCommandsInProcess(registerMonitoringCommands, args, env);

describe('rowToRecord', () => {
  it('maps record fields, segment.* and signal.* columns, and treats the rest as features', () => {
    const columns = [
      { kind: 'numeric' as const, name: 'id', values: Float64Array.from([7]) },
      { kind: 'numeric' as const, name: 'amount', values: Float64Array.from([12.5]) },
      { kind: 'numeric' as const, name: 'age', values: Float64Array.from([Number.NaN]) },
      { kind: 'categorical' as const, name: 'segment.region', values: ['eu'] },
      { kind: 'categorical' as const, name: 'signal.refusal', values: ['true'] },
      { kind: 'numeric' as const, name: 'prediction', values: Float64Array.from([1]) },
      { kind: 'categorical' as const, name: 'error', values: ['false'] },
    ];
    expect(rowToRecord('inferences', columns, 0)).toEqual({
      id: '7',
      features: { amount: 12.5, age: null },
      segment: { region: 'eu' },
      signals: { refusal: true },
      prediction: 1,
      error: false,
    });
    expect(
      rowToRecord(
        'labels',
        [columns[0]!, { kind: 'numeric', name: 'label', values: Float64Array.from([0]) }],
        0,
      ),
    ).toEqual({
      id: '7',
      label: 0,
    });
  });
});

describe('warden ingest', () => {
  let server: TestServer;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    await registerMonitoredModel(server, 'fraud');
    env = { WARDEN_URL: server.url, WARDEN_TOKEN: await server.tokenFor('ingest-bot', ['mlops']) };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-ingest-'));
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const stored = async () =>
    Number(
      (
        await server.ctx.db
          .selectFrom('inference_records')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('sends a CSV file in batches and is idempotent when run again', async () => {
    const file = path.join(dir, 'inferences.csv');
    const lines = ['id,amount,age,country,prediction,score,segment.region'];
    for (let i = 0; i < 25; i++) lines.push(`c${i},${10 + i},${30 + (i % 5)},de,${i % 2},0.${i % 10},eu`);
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const run = await warden(['ingest', 'fraud', '1.0.0', '--file', file, '--batch', '10', '--json'], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ batches: 3, records: 25, accepted: 25, duplicates: 0 });
    expect(await stored()).toBe(25);
    const again = await warden(['ingest', 'fraud', '1.0.0', '--file', file, '--json'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ batches: 1, accepted: 0, duplicates: 25 });
    expect(await stored()).toBe(25);
  });

  it('shows the total, rate and time left as plain lines when stderr is not a terminal, then a summary', async () => {
    const file = path.join(dir, 'progress.ndjson');
    const lines: string[] = [];
    // Records of uneven length, so the total is an estimate until the last batch.
    for (let i = 0; i < 2000; i++)
      lines.push(
        JSON.stringify({
          id: `progress-${i}`,
          features: { amount: (i * 37) % 1000, age: 20 + (i % 40), country: i % 3 === 0 ? 'de' : 'france' },
          prediction: i % 2,
        }),
      );
    const text = `${lines.join('\n')}\n`;
    fs.writeFileSync(file, text);
    const before = await stored();
    const run = await warden(['ingest', 'fraud', '1.0.0', '--file', file, '--batch', '100'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(await stored()).toBe(before + 2000);
    const progress = run.stderr
      .split('\n')
      .map((line) =>
        /^ingest: ([\d,]+) of ~([\d,]+) \((\d+) %\) records, ([\d,]+) records\/s, ETA (\d+ s|\d+ min \d\d s)$/.exec(
          line,
        ),
      )
      .filter((m) => m !== null);
    // A line at each further tenth of the file: 10 of them (the clock adds one only after 10 s).
    expect(progress.length).toBeGreaterThanOrEqual(10);
    const num = (t: string) => Number(t.replace(/,/g, ''));
    let previous = 0;
    for (const m of progress) {
      const sent = num(m[1]!);
      expect(sent).toBeGreaterThan(previous);
      previous = sent;
      // The share is of the bytes of the file's first `sent` lines, each with its newline.
      const bytes = Buffer.byteLength(lines.slice(0, sent).join('\n')) + 1;
      const share = bytes / Buffer.byteLength(text);
      expect(num(m[3]!)).toBe(Math.floor(share * 100));
      expect(num(m[2]!)).toBe(Math.round(sent / share));
      expect(num(m[4]!)).toBeGreaterThan(0);
    }
    const last = progress.at(-1)!;
    expect([num(last[1]!), num(last[2]!), last[3], last[5]]).toEqual([2000, 2000, '100', '0 s']);
    expect(run.stderr).toMatch(/^ingest: sent 2,000 records in \d+\.\d s \([\d,]+ records\/s\)$/m);
    expect(run.stdout).toMatch(/records\s+2000/);
    // --quiet and --json print no progress.
    const quiet = await warden(
      ['ingest', 'fraud', '1.0.0', '--file', file, '--batch', '500', '--quiet'],
      env,
    );
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toContain('ingest:');
    const json = await warden(['ingest', 'fraud', '1.0.0', '--file', file, '--batch', '500', '--json'], env);
    expect(json.stderr).not.toContain('ingest:');
    expect(JSON.parse(json.stdout)).toMatchObject({ records: 2000, duplicates: 2000 });
  });

  it('counts a CSV file’s rows exactly in its progress lines', async () => {
    const file = path.join(dir, 'progress.csv');
    const lines = ['id,amount,age,country,prediction'];
    for (let i = 0; i < 300; i++) lines.push(`q${i},${i},${20 + (i % 40)},de,${i % 2}`);
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const run = await warden(['ingest', 'fraud', '1.0.0', '--file', file, '--batch', '100'], env);
    expect(run.code, run.stderr).toBe(0);
    const shown = run.stderr.split('\n').filter((l) => l.startsWith('ingest: ') && l.includes(' of '));
    expect(shown.map((l) => /^ingest: ([\d,]+) of ([\d,]+) \((\d+) %\)/.exec(l)!.slice(1))).toEqual([
      ['100', '300', '33'],
      ['200', '300', '66'],
      ['300', '300', '100'],
    ]);
  });

  it('sends labels from NDJSON and references from Parquet', async () => {
    const labels = path.join(dir, 'labels.ndjson');
    fs.writeFileSync(labels, '{"id":"c0","label":0}\n\n{"id":"c1","label":1}\n');
    const run = await warden(
      ['ingest', 'fraud', '1.0.0', '--file', labels, '--kind', 'labels', '--json'],
      env,
    );
    expect(JSON.parse(run.stdout)).toMatchObject({ records: 2, joined: 2 });
    const parquet = path.join(dir, 'reference.parquet');
    parquetWriteFile({
      filename: parquet,
      columnData: [
        { name: 'amount', data: [1.5, 2.5, 3.5], type: 'DOUBLE' },
        { name: 'country', data: ['de', 'fr', 'it'], type: 'STRING' },
        { name: 'label', data: [0, 1, 0], type: 'DOUBLE' },
      ],
    });
    const ref = await warden(
      ['ingest', 'fraud', '1.0.0', '--file', parquet, '--kind', 'reference', '--json'],
      env,
    );
    expect(ref.code).toBe(0);
    const summary = await server.api('GET', '/api/v1/models/fraud/versions/1.0.0/reference');
    expect(summary.body).toMatchObject({ records: 3, labels: { '0': 2, '1': 1 } });
  });

  it('leaves a reference file’s --id-column and --timestamp-column out of the features, and warns of another id-like column', async () => {
    const file = path.join(dir, 'reference-ids.csv');
    const lines = ['txn,ts,customer_id,amount,country,label'];
    for (let i = 0; i < 30; i++)
      lines.push(
        `${1000 + i},2025-12-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z,C${i},${((i * 7) % 13) + 0.5},de,${i % 2}`,
      );
    fs.writeFileSync(file, lines.join('\n') + '\n');
    await server.api('DELETE', '/api/v1/models/fraud/versions/1.0.0/reference');
    const run = await warden(
      [
        'ingest',
        'fraud',
        '1.0.0',
        '--file',
        file,
        '--kind',
        'reference',
        '--id-column',
        'txn',
        '--timestamp-column',
        'ts',
        '--json',
      ],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ records: 30, accepted: 30, excluded: ['txn', 'ts'] });
    expect(out.warnings).toEqual([
      { field: 'features.customer_id', message: expect.stringContaining('--id-column customer_id') },
    ]);
    const summary = await server.api('GET', '/api/v1/models/fraud/versions/1.0.0/reference');
    expect(summary.body.features.map((f: { name: string }) => f.name)).toEqual([
      'amount',
      'country',
      'customer_id',
    ]);
    // Without --json the warning goes to stderr.
    await server.api('DELETE', '/api/v1/models/fraud/versions/1.0.0/reference');
    const plain = await warden(
      ['ingest', 'fraud', '1.0.0', '--file', file, '--kind', 'reference', '--id-column', 'txn'],
      env,
    );
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toContain('warning: "customer_id" looks like a row id');
    expect(plain.stderr).not.toContain('"txn"');
  });

  it('maps --id-column and --timestamp-column to the record id and time of inferences, keeping "007"', async () => {
    const file = path.join(dir, 'named-columns.csv');
    fs.writeFileSync(
      file,
      [
        'ref,at,amount,country,prediction',
        '007,2026-01-05T10:00:00Z,3,010,0',
        '008,2026-01-05T11:00:00Z,4,011,1',
      ].join('\n') + '\n',
    );
    const run = await warden(
      [
        'ingest',
        'fraud',
        '1.0.0',
        '--file',
        file,
        '--id-column',
        'ref',
        '--timestamp-column',
        'at',
        '--json',
      ],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    const rows = await server.ctx.db
      .selectFrom('inference_records')
      .select(['record_id', 'ts', 'features'])
      .where('record_id', 'in', ['007', '008'])
      .orderBy('record_id')
      .execute();
    expect(rows.map((r) => [r.record_id, r.ts])).toEqual([
      ['007', '2026-01-05T10:00:00.000Z'],
      ['008', '2026-01-05T11:00:00.000Z'],
    ]);
    // `country` is a category in the schema: its all-digit values stay text, leading zero kept.
    expect(JSON.parse(rows[0]!.features!)).toEqual({ amount: 3, country: '010' });
  });

  it('stops at a refused batch, naming the batch and the server’s line and field', async () => {
    const file = path.join(dir, 'bad.ndjson');
    fs.writeFileSync(
      file,
      [
        '{"id":"b1","features":{"amount":1},"prediction":0}',
        '{"id":"b2","features":{"amount":"x"},"prediction":0}',
      ].join('\n'),
    );
    const run = await warden(['ingest', 'fraud', '1.0.0', '--file', file], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('batch 1 (records 1–2)');
    expect(run.stderr).toContain('records[1].features.amount');
  });

  it('in a CSV whose numeric column holds one bad cell, names that cell, not the column’s first row', async () => {
    const before = await stored();
    const file = path.join(dir, 'bad-cell.csv');
    fs.writeFileSync(file, 'id,amount,age,country,prediction\nd1,5,30,de,0\nd2,abc,31,fr,1\nd3,7,32,it,0\n');
    const run = await warden(['ingest', 'fraud', '1.0.0', '--file', file], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('line 2: records[1].features.amount');
    expect(run.stderr).toContain('"abc"');
    expect(await stored()).toBe(before);
  });

  it('with --partial stores the good records and lists the refused ones by their place in the file', async () => {
    const before = await stored();
    const file = path.join(dir, 'partial.ndjson');
    fs.writeFileSync(
      file,
      [
        '{"id":"p1","features":{"amount":1,"age":30,"country":"de"},"prediction":0}',
        '{"id":"p2","features":{"amount":"x","age":30,"country":"de"},"prediction":0}',
        '{"id":"p3","features":{"amount":3,"age":30,"country":"de"},"prediction":1}',
        '{"id":"p4","features":{"amount":4,"age":30,"country":"de"},"prediction":0}',
        '{"id":"p5","features":{"amount":-5,"age":30,"country":"de"},"prediction":0}',
      ].join('\n'),
    );
    const run = await warden(
      ['ingest', 'fraud', '1.0.0', '--file', file, '--batch', '2', '--partial', '--json'],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    const answer = JSON.parse(run.stdout) as {
      batches: number;
      accepted: number;
      refused: number;
      refusedRecords: Array<{ record: number; id: string; field: string; reason: string }>;
    };
    expect(answer).toMatchObject({ batches: 3, records: 5, accepted: 3, refused: 2 });
    // Records 2 (a text amount) and 5 (a negative one: the schema's minimum is 0), in the file's numbering.
    expect(answer.refusedRecords.map((r) => [r.record, r.id, r.field])).toEqual([
      [2, 'p2', 'features.amount'],
      [5, 'p5', 'features.amount'],
    ]);
    expect(await stored()).toBe(before + 3);
    const ids = await server.ctx.db
      .selectFrom('inference_records')
      .select('record_id')
      .where('record_id', 'in', ['p1', 'p2', 'p3', 'p4', 'p5'])
      .orderBy('record_id')
      .execute();
    expect(ids.map((r) => r.record_id)).toEqual(['p1', 'p3', 'p4']);

    const text = await warden(['ingest', 'fraud', '1.0.0', '--file', file, '--partial'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/refused record 2 \(id p2\): features\.amount: /);
    expect(text.stdout).toMatch(/refused record 5 \(id p5\): features\.amount: /);
    const reference = await warden(
      ['ingest', 'fraud', '1.0.0', '--file', file, '--kind', 'reference', '--partial'],
      env,
    );
    expect(reference.code).toBe(2);
    expect(reference.stderr).toContain('--partial');
  });

  it('warden monitoring run, results and config', async () => {
    const run = await warden(['monitoring', 'run', 'fraud', '--rules', 'error_rate,schema_change'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/RULE\s+FEATURE\s+SEGMENT\s+STATUS/);
    expect(run.stdout).toContain('error_rate');
    expect(run.stdout).toMatch(/\d+ checks, \d+ at alert/);
    const json = await warden(['monitoring', 'run', 'fraud', '--rules', 'error_rate', '--json'], env);
    const checks = (JSON.parse(json.stdout) as { checks: { rule: string; segment?: string }[] }).checks;
    expect(checks.map((c) => c.rule)).toContain('error_rate');
    const results = await warden(
      ['monitoring', 'results', 'fraud', '--rule', 'error_rate', '--segment', '', '--json'],
      env,
    );
    const page = JSON.parse(results.stdout) as { items: { rule: string; segment?: string }[] };
    expect(page.items.length).toBe(2);
    expect(page.items.every((i) => i.rule === 'error_rate' && i.segment === undefined)).toBe(true);
    const file = path.join(dir, 'config.json');
    // A tighter error-rate limit applies at once (a looser one would open a governance change).
    fs.writeFileSync(file, JSON.stringify({ thresholds: { errorRatePct: 0.05 } }));
    const set = await warden(['monitoring', 'config', 'fraud', '--set', file], env);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ effective: { thresholds: { errorRatePct: 0.05 } } });
    const bad = await warden(['monitoring', 'run', 'fraud', '--rules', 'nope'], env);
    expect(bad.code).toBe(2);
  });

  it('refuses a bad --kind before sending anything', async () => {
    const run = await warden(['ingest', 'fraud', '1.0.0', '--file', 'x.csv', '--kind', 'nope'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--kind');
  });
});
