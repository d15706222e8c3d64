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
    fs.writeFileSync(file, JSON.stringify({ thresholds: { errorRatePct: 2 } }));
    const set = await warden(['monitoring', 'config', 'fraud', '--set', file], env);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ effective: { thresholds: { errorRatePct: 2 } } });
    const bad = await warden(['monitoring', 'run', 'fraud', '--rules', 'nope'], env);
    expect(bad.code).toBe(2);
  });

  it('refuses a bad --kind before sending anything', async () => {
    const run = await warden(['ingest', 'fraud', '1.0.0', '--file', 'x.csv', '--kind', 'nope'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--kind');
  });
});
