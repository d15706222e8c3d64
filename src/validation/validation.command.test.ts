import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { ensureBuilt, runWardenAsync as warden } from '../reports/offline-cli.test-helper.js';

describe('warden policy and warden validate', () => {
  let server: TestServer;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    ensureBuilt();
    server = await startTestServer('sqlite');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-validate-'));
    env = { WARDEN_URL: server.url, WARDEN_TOKEN: server.adminToken };
    await server.api('POST', '/api/v1/models', {
      body: { name: 'search', owner: 'eng', riskTier: 3, intendedUse: 'Ranks search results' },
    });
    await server.api('POST', '/api/v1/models/search/versions', {
      body: versionBody('1.0.0', { inputSchema: [{ name: 'amount', type: 'number', min: 0, max: 100 }] }),
    });
    const put = await fetch(`${server.url}/api/v1/models/search/versions/1.0.0/artifact`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/octet-stream' },
      body: Buffer.from('search model'),
    });
    expect(put.status).toBe(201);
    // 100 rows; the score is right on all but rows 0 and 1 (one false positive, one false negative).
    const lines = ['label,score,region,amount'];
    for (let i = 0; i < 100; i++) {
      const label = i % 2;
      const wrong = i < 2;
      const score = label === 1 ? (wrong ? 0.2 : 0.9) : wrong ? 0.8 : 0.1;
      lines.push(`${label},${score},${i < 50 ? 'north' : 'south'},${i}`);
    }
    fs.writeFileSync(path.join(dir, 'eval.csv'), lines.join('\n') + '\n');
    // The training sample the drift check compares with: the same amounts, so PSI is 0.
    const ref = ['amount', ...Array.from({ length: 100 }, (_, i) => String(99 - i))];
    fs.writeFileSync(path.join(dir, 'train.csv'), ref.join('\n') + '\n');
  }, 300_000);
  afterAll(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('policy show prints the active version; --yaml is the canonical document', async () => {
    const json = await warden(['policy', 'show', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).version).toBe(0);
    const table = await warden(['policy', 'show'], env);
    expect(table.stdout).toContain('review-board×4/5 + compliance×1 + legal×1 + business-owner×1');
    const yaml = await warden(['policy', 'show', '--yaml'], env);
    expect(
      (YAML.parse(yaml.stdout) as { tiers: Record<string, { retention: { auditYears: number } }> }).tiers[
        '1'
      ]!.retention.auditYears,
    ).toBe(7);
  });

  it('policy diff compares a version with a local file; validate names the bad path', async () => {
    const yaml = (await warden(['policy', 'show', '--yaml'], env)).stdout;
    const changed = yaml.replace('noRegressionPct: 2', 'noRegressionPct: 1.5');
    expect(changed).not.toBe(yaml);
    fs.writeFileSync(path.join(dir, 'proposed.yaml'), changed);
    const diff = await warden(['policy', 'diff', '0', path.join(dir, 'proposed.yaml')], env);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('-      noRegressionPct: 2\n');
    expect(diff.stdout).toContain('+      noRegressionPct: 1.5\n');
    const same = await warden(['policy', 'diff', '0', 'active'], env);
    expect(same.stdout).toBe('no differences\n');

    fs.writeFileSync(path.join(dir, 'bad.yaml'), yaml.replace('auditYears: 7', 'auditYears: 0'));
    const bad = await warden(['policy', 'validate', path.join(dir, 'bad.yaml')], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('tiers.1.retention.auditYears: must be >= 1');
    const good = await warden(['policy', 'validate', path.join(dir, 'proposed.yaml')], env);
    expect(good.code, good.stderr).toBe(0);
  });

  it('validate posts the file, prints the checks and exits 0 when the run passes', async () => {
    const run = await warden(
      [
        'validate',
        'search',
        '1.0.0',
        '--data',
        path.join(dir, 'eval.csv'),
        '--label',
        'label',
        '--score',
        'score',
        '--segment',
        'region',
        '--feature',
        'amount',
        '--reference',
        path.join(dir, 'train.csv'),
        '--latency-p95',
        '20',
        '--latency-p99',
        '40',
        '--peak-memory-mb',
        '1000',
      ],
      env,
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('PASSED');
    expect(run.stdout).toMatch(/performance\.thresholds\s+pass/);
    expect(run.stdout).toMatch(/data\.drift\s+pass/);
    expect(run.stdout).not.toContain('not run for lack of input');
    const stored = await server.api('GET', '/api/v1/models/search/versions/1.0.0/validations');
    const report = stored.body.items[0];
    expect(report.summary.records).toBe(100);
    expect(report.summary.metrics.accuracy).toBe(0.98);
  });

  it('validate exits 1 when the run fails, and 2 on a bad column', async () => {
    const run = await warden(
      [
        'validate',
        'search',
        '1.0.0',
        '--data',
        path.join(dir, 'eval.csv'),
        '--label',
        'label',
        '--score',
        'score',
        '--reference',
        path.join(dir, 'train.csv'),
        '--latency-p95',
        '80',
        '--latency-p99',
        '90',
        '--peak-memory-mb',
        '1000',
        '--json',
      ],
      env,
    );
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.passed).toBe(false);
    expect(report.checks.find((c: { name: string }) => c.name === 'infrastructure.latency').status).toBe(
      'fail',
    );
    const bad = await warden(
      [
        'validate',
        'search',
        '1.0.0',
        '--data',
        path.join(dir, 'eval.csv'),
        '--label',
        'nope',
        '--score',
        'score',
      ],
      env,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('column "nope"');

    // A waiver approved by compliance shows in `validations show`; the stored verdict stays.
    const runId = report.id as string;
    const engineer = { ...env, WARDEN_TOKEN: await server.tokenFor('eve', ['ml-engineer']) };
    const compliance = { ...env, WARDEN_TOKEN: await server.tokenFor('cora', ['compliance']) };
    const plain = await warden(['validations', 'show', runId], env);
    expect(plain.stdout).not.toContain('waived');
    const asked = await warden(
      [
        'validations',
        'waive',
        runId,
        '--check',
        'infrastructure.latency',
        '--reason',
        'old hardware',
        '--until',
        '2099-01-01',
        '--json',
      ],
      engineer,
    );
    expect(asked.code, asked.stderr).toBe(0);
    const waiverId = JSON.parse(asked.stdout).id as string;
    expect((await warden(['validations', 'approve-waiver', waiverId], compliance)).code).toBe(0);
    const shown = await warden(['validations', 'show', runId], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`validation ${runId}: search 1.0.0 level`);
    expect(shown.stdout).toMatch(/— FAILED\n/);
    expect(shown.stdout).toMatch(/infrastructure\.latency\s+waived/);
    expect(shown.stdout).toContain('as evidence now: PASSED');
    expect(shown.stdout).toContain(
      `waived: infrastructure.latency by cora until 2099-01-01T00:00:00.000Z — old hardware (${waiverId})`,
    );
  });

  it('validate without a training reference fails and says, in full, what to supply', async () => {
    const run = await warden(
      [
        'validate',
        'search',
        '1.0.0',
        '--data',
        path.join(dir, 'eval.csv'),
        '--label',
        'label',
        '--score',
        'score',
        '--feature',
        'amount',
        '--latency-p95',
        '20',
        '--latency-p99',
        '40',
        '--peak-memory-mb',
        '1000',
      ],
      env,
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/— FAILED\n/);
    expect(run.stdout).toMatch(/data\.drift\s+fail/);
    expect(run.stdout).toContain('not run for lack of input (each counts as failed):\n');
    expect(run.stdout).toContain(
      '  data.drift: not run: no training reference; submit a training sample ("reference" in the request, --reference FILE) or store one for the version (warden ingest MODEL VERSION --kind reference --file FILE)\n',
    );
    // Every other check ran and passed: the missing reference alone fails the run.
    const stored = (await server.api('GET', '/api/v1/models/search/versions/1.0.0/validations')).body
      .items[0] as { passed: boolean; checks: Array<{ name: string; status: string }>; summary: unknown };
    expect(stored.passed).toBe(false);
    expect(stored.checks.filter((c) => c.status === 'fail').map((c) => c.name)).toEqual(['data.drift']);
    expect(stored.summary).toMatchObject({
      missingInputs: [{ check: 'data.drift', input: 'training reference' }],
    });
  });
});
