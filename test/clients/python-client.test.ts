import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerMonitoredModel } from '../../src/monitoring/monitoring.test-helper.js';
import { freePort, startFaultProxy } from '../support/fault-proxy.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { describeEachBackend } from '../support/stores.js';

/** Debian's interpreter, which has numpy and pandas (the client itself needs neither). */
const PYTHON = '/usr/bin/python3';
const CLIENT_DIR = path.resolve(import.meta.dirname, '../../clients/python');

interface PythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Each stdout line parsed as JSON. */
  lines: any[];
}

/**
 * Runs a Python script of the client with PYTHONPATH=clients/python, asynchronously (the Warden
 * server it talks to runs in this process). `onLine` sees each stdout line as it comes and may
 * answer on stdin.
 */
function runPython(
  args: string[],
  env: Record<string, string>,
  options: {
    onLine?: (line: any, stdin: NodeJS.WritableStream) => void | Promise<void>;
    timeoutMs?: number;
    cwd?: string;
  } = {},
): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, {
      cwd: options.cwd ?? CLIENT_DIR,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        PYTHONPATH: CLIENT_DIR,
        PYTHONDONTWRITEBYTECODE: '1',
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.trim() && options.onLine) void options.onLine(JSON.parse(line), child.stdin);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = stdout
        .split('\n')
        .filter((l) => l.trim().startsWith('{'))
        .map((l) => JSON.parse(l));
      resolve({ code, stdout, stderr, lines });
    });
  });
}

describe('Python client, pure parts and packaging', () => {
  it('passes its unit tests (value conversion, Retry-After, backoff, Python 3.9 grammar)', async () => {
    const run = await runPython(['-m', 'unittest', 'discover', '-s', 'tests', '-p', 'test_*.py'], {});
    expect(run.stderr).toMatch(/Ran \d+ tests/);
    expect(run.stderr).toMatch(/\nOK\n?$/);
    expect(run.code).toBe(0);
  });

  // mypy is not a dependency of the client; where Debian's mypy is installed, the types are checked.
  const mypy = spawnSync(PYTHON, ['-c', 'import mypy'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!mypy)(
    'type-checks with mypy --strict for Python 3.9 (the package and its example)',
    async () => {
      const run = await runPython(
        [
          '-m',
          'mypy',
          '--strict',
          '--python-version',
          '3.9',
          '--cache-dir',
          '/dev/null',
          'warden_client',
          'examples',
        ],
        {},
        { timeoutMs: 120_000 },
      );
      expect(run.stdout).toMatch(/^Success: no issues found/m);
      expect(run.code).toBe(0);
    },
  );

  it('installs with pip from its folder and imports from the installed copy', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-pip-'));
    try {
      // pip builds in the source folder: build a copy, and install with the interpreter's setuptools (no index).
      const source = path.join(tmp, 'src');
      fs.cpSync(CLIENT_DIR, source, { recursive: true, filter: (p) => !p.includes('__pycache__') });
      const target = path.join(tmp, 'site');
      const pip = await runPython(
        [
          '-m',
          'pip',
          'install',
          '--quiet',
          '--no-build-isolation',
          '--no-deps',
          '--no-index',
          '--target',
          target,
          source,
        ],
        { PYTHONPATH: '', HOME: tmp },
        { timeoutMs: 120_000 },
      );
      expect(pip.code, pip.stderr).toBe(0);
      expect(fs.existsSync(path.join(target, 'warden_client', 'py.typed'))).toBe(true);
      const check = await runPython(
        [
          '-c',
          'import json, warden_client; from warden_client import Warden; print(json.dumps({"file": warden_client.__file__, "version": warden_client.__version__}))',
        ],
        // Run from elsewhere, so that the source folder is not on the path.
        { PYTHONPATH: target },
        { cwd: tmp },
      );
      expect(check.code, check.stderr).toBe(0);
      expect(check.lines[0].file.startsWith(target)).toBe(true);
      expect(check.lines[0].version).toBe('0.1.0');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describeEachBackend('Python client against a real server', (backend) => {
  let server: TestServer;
  let token: string;
  beforeEach(async () => {
    server = await startTestServer(backend);
    await registerMonitoredModel(server, 'fraud');
    token = await server.tokenFor('model-server', ['mlops']);
  });
  afterEach(async () => {
    await server.close();
  });

  const storedIds = async () =>
    (await server.ctx.db.selectFrom('inference_records').select('record_id').execute())
      .map((r) => r.record_id)
      .sort();

  it('logs inferences, labels, feedback and signals: NaN and numpy/pandas values accepted, bad records reported, good ones stored', async () => {
    const run = await runPython(['tests/scenarios.py', 'logging'], {
      WARDEN_URL: server.url,
      WARDEN_TOKEN: token,
    });
    expect(run.code, run.stderr).toBe(0);
    const out = run.lines[0];
    expect(out.done).toBe(true);
    expect(out.refused).toEqual([
      { kind: 'inferences', id: 'e', field: 'features.blob', reason: 'cannot send a object as JSON' },
      {
        kind: 'labels',
        id: 'b',
        field: 'label',
        reason: 'expected a finite number, string or boolean, got an object',
      },
      { kind: 'feedback', id: 'd', field: 'rating', reason: 'expected "up" or "down", got "meh"' },
      { kind: 'signals', id: 'b', field: 'signals.x', reason: 'expected a boolean or a string, got 5' },
    ]);
    expect(out.stats).toMatchObject({ logged: 13, sent: 12, refused: 4, dropped: 0, buffered: 0 });

    expect(await storedIds()).toEqual(['a', 'b', 'c', 'd', 'g', 'h']);
    const rows = await server.ctx.db
      .selectFrom('inference_records')
      .select([
        'record_id',
        'features',
        'prediction',
        'score',
        'segment',
        'latency_ms',
        'ts',
        'label',
        'feedback',
        'signals',
      ])
      .orderBy('record_id')
      .execute();
    const byId = Object.fromEntries(rows.map((r) => [r.record_id, r]));
    // numpy scalars arrive as plain JSON numbers, strings and booleans.
    expect(JSON.parse(byId.a!.features!)).toEqual({ amount: 12.5, age: 31, country: 'de' });
    expect(JSON.parse(byId.a!.prediction!)).toBe(1);
    expect(byId.a!.score).toBe(0.75);
    expect(JSON.parse(byId.a!.segment!)).toEqual({ region: 'eu' });
    expect(JSON.parse(byId.a!.label!)).toBe(1);
    expect(JSON.parse(byId.a!.feedback!)).toMatchObject({ rating: 'up' });
    expect(JSON.parse(byId.a!.signals!)).toEqual({ refusal: false });
    // NaN age is a missing value; NaN score is left out.
    expect(JSON.parse(byId.b!.features!)).toEqual({ amount: 5, age: null, country: 'fr' });
    expect(byId.b!.score).toBeNull();
    expect(byId.b!.label).toBeNull();
    // inf became a missing amount: stored as null, counted toward the missing-value rate.
    expect(JSON.parse(byId.c!.features!)).toEqual({ amount: null, age: 40, country: 'fr' });
    // pandas Timestamp, Decimal, pd.NA and numpy bool; -inf latency is left out.
    expect(JSON.parse(byId.d!.features!)).toEqual({ amount: 3.5, age: null, country: 'it' });
    expect(new Date(byId.d!.ts).toISOString()).toBe('2026-03-02T09:20:00.000Z');
    expect(JSON.parse(byId.d!.prediction!)).toBe(true);
    expect(byId.d!.latency_ms).toBeNull();
    // A DataFrame is one record per row; its NaN score is left out.
    expect(byId.g!.score).toBe(0.25);
    expect(byId.h!.score).toBeNull();
    expect(JSON.parse(byId.h!.features!)).toEqual({ amount: 2, age: null, country: 'de' });
  });

  it('sends cost and token counts as the Node client does (numpy values too; a NaN cost left out, a negative one refused)', async () => {
    const run = await runPython(['tests/scenarios.py', 'usage'], {
      WARDEN_URL: server.url,
      WARDEN_TOKEN: token,
    });
    expect(run.code, run.stderr).toBe(0);
    const out = run.lines[0];
    expect(out.done).toBe(true);
    expect(out.refused).toEqual([{ kind: 'inferences', id: 'u4', field: 'cost', reason: 'must be >= 0' }]);
    expect(await storedIds()).toEqual(['u1', 'u2', 'u3']);
    const windows = await server.ctx.db
      .selectFrom('monitoring_windows')
      .select('profile')
      .where('segment', '=', '')
      .execute();
    const usage = windows
      .map((w) => (JSON.parse(w.profile) as { usage?: Record<string, number> }).usage)
      .filter((u) => u !== undefined);
    expect(usage).toHaveLength(1);
    // By hand: cost 0.002 + 0.003 over 2 records (u3's NaN is missing); tokens 120+80+10 in, 30+20 out over 3.
    expect(usage[0]!.costRecords).toBe(2);
    expect(usage[0]!.cost).toBeCloseTo(0.005, 12);
    expect(usage[0]).toMatchObject({ tokenRecords: 3, tokensIn: 210, tokensOut: 50 });
  });

  it('sends what is still buffered when the interpreter exits', async () => {
    const run = await runPython(['tests/scenarios.py', 'exit'], {
      WARDEN_URL: server.url,
      WARDEN_TOKEN: token,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines[0]).toEqual({ buffered: 42 });
    expect(await storedIds()).toHaveLength(42);
  });

  it('registers a model and version, streams an artifact up and down with its SHA-256 checked, and opens a transition', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-py-artifact-'));
    try {
      const artifact = path.join(tmp, 'model.bin');
      const bytes = randomBytes(3 * 1024 * 1024 + 17);
      fs.writeFileSync(artifact, bytes);
      const digest = createHash('sha256').update(bytes).digest('hex');
      const author = await server.tokenFor('pipeline', ['ml-engineer']);
      const run = await runPython(['tests/scenarios.py', 'registry', artifact, path.join(tmp, 'copy.bin')], {
        WARDEN_URL: server.url,
        WARDEN_TOKEN: author,
      });
      expect(run.code, run.stderr).toBe(0);
      const out = run.lines[0];
      expect(out.uploaded).toEqual({ sha256: digest, size: bytes.length });
      expect(out.downloaded).toEqual({ sha256: digest, size: bytes.length });
      expect(fs.readFileSync(path.join(tmp, 'copy.bin')).equals(bytes)).toBe(true);
      expect(out.duplicate).toEqual({ status: 409, code: 'conflict' });
      const version = await server.api('GET', '/api/v1/models/py-registry/versions/1.0.0');
      expect(version.body.artifact).toMatchObject({ sha256: digest, size: bytes.length });
      const cr = await server.api('GET', `/api/v1/change-requests/${out.changeRequest.id}`);
      expect(cr.status).toBe(200);
      expect(cr.body).toMatchObject({ model: 'py-registry', version: '1.0.0', to: 'staging' });
      expect(out.changeRequest.readStatus).toBe(cr.body.status);
      expect(out.listed).toEqual([out.changeRequest.id]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('refuses an upload whose stored digest differs from the bytes sent, and reports a batch refused whole', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-py-faults-'));
    // Every answer passes through, but a stored artifact's reported digest is replaced.
    const proxy = await startFaultProxy(server.url, () => ({
      transform: (body) =>
        Buffer.from(body.toString('utf8').replace(/"sha256":"[0-9a-f]{64}"/, `"sha256":"${'0'.repeat(64)}"`)),
    }));
    try {
      const artifact = path.join(tmp, 'model.bin');
      fs.writeFileSync(artifact, randomBytes(4096));
      const author = await server.tokenFor('pipeline', ['ml-engineer']);
      const run = await runPython(['tests/scenarios.py', 'faults', artifact], {
        WARDEN_URL: proxy.url,
        WARDEN_TOKEN: author,
      });
      expect(run.code, run.stderr).toBe(0);
      const out = run.lines[0];
      expect(out.upload).toEqual({
        code: 'integrity_failure',
        message: 'artifact integrity: sent 4096 bytes with',
      });
      // 404 for an unknown version cannot succeed by resending: dropped, counted and reported.
      expect(out.unknownVersion).toEqual({ errors: ['1:404'], dropped: 1 });
    } finally {
      await proxy.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('retries 429 and 503 honouring Retry-After, and stores every record once', async () => {
    const proxy = await startFaultProxy(server.url, (n) =>
      n === 1
        ? { status: 429, headers: { 'retry-after': '1' } }
        : n === 2
          ? { status: 503, headers: { 'retry-after': '1' } }
          : 'forward',
    );
    try {
      const run = await runPython(['tests/scenarios.py', 'retry'], {
        WARDEN_URL: proxy.url,
        WARDEN_TOKEN: token,
      });
      expect(run.code, run.stderr).toBe(0);
      const out = run.lines[0];
      expect(out.done).toBe(true);
      expect(out.stats).toMatchObject({ retries: 2, sent: 300, accepted: 300, dropped: 0 });
      const hits = proxy.hits();
      expect(hits.map((h) => h.answered)).toEqual([429, 503, 'forward', 'forward', 'forward']);
      // The client's own backoff here is at most 0.05 s: gaps of a second are the server's Retry-After.
      expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(950);
      expect(hits[2]!.at - hits[1]!.at).toBeGreaterThanOrEqual(950);
      expect((await storedIds()).length).toBe(300);
    } finally {
      await proxy.close();
    }
  });

  it('keeps its newest records up to its bound while the server is down, counts the dropped, and sends the rest when it is back', async () => {
    const port = await freePort();
    let proxy: Awaited<ReturnType<typeof startFaultProxy>> | undefined;
    try {
      const run = await runPython(
        ['tests/scenarios.py', 'down'],
        { WARDEN_URL: `http://127.0.0.1:${port}`, WARDEN_TOKEN: token },
        {
          onLine: async (line, stdin) => {
            if (line.phase !== 'down') return;
            proxy = await startFaultProxy(server.url, () => 'forward', port);
            stdin.write('up\n');
          },
        },
      );
      expect(run.code, run.stderr).toBe(0);
      const [down, up] = run.lines;
      // 2,500 logged against a bound of 1,000: 1,500 dropped, 1,000 kept.
      expect(down.stats).toMatchObject({ logged: 2500, dropped: 1500, buffered: 1000, sent: 0 });
      expect(down.bufferFull).toBeGreaterThan(0);
      expect(up.done).toBe(true);
      expect(up.stats).toMatchObject({ sent: 1000, accepted: 1000, dropped: 1500, buffered: 0 });
      const ids = await storedIds();
      expect(ids).toHaveLength(1000);
      // The oldest waiting records were dropped: all kept ones are among the newest 1,000 but for
      // at most one batch (100) that was being sent when the buffer overflowed.
      expect(ids).toContain('d2499');
      expect(ids.filter((id) => Number(id.slice(1)) < 1500).length).toBeLessThanOrEqual(100);
    } finally {
      await proxy?.close();
    }
  });
});

describeEachBackend('Python model server example', (backend) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(backend);
  });
  afterEach(async () => {
    await server.close();
  });

  it('logs 100,000 predictions with 1 % bad ones and loses none of the good', async () => {
    // mlops registers, ingests and reads /metrics (where the script counts what was stored).
    const token = await server.tokenFor('fraud-server', ['mlops']);
    // The ingestion counters belong to this process: one model name per backend.
    const model = `fraud-scorer-${backend}`;
    const run = await runPython(
      ['tests/model_server_load.py', '--records', '100000'],
      { WARDEN_URL: server.url, WARDEN_TOKEN: token, MODEL_NAME: model },
      { timeoutMs: 150_000 },
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const out = run.lines[0];
    expect(out).toMatchObject({ records: 100_000, good: 99_000, bad: 1000, stored: 99_000, refused: 1000 });
    expect(out.refusedFields).toEqual(['features.age', 'features.amount', 'features.country']);
    console.log(
      `[${backend}] 100,000 predictions through the example model server: ${out.seconds} s until the client closed (${out.servedSeconds} s serving)`,
    );
    // Independently of the script's checks: exactly the good ids are stored.
    const rows = await server.ctx.db.selectFrom('inference_records').select('record_id').execute();
    expect(rows).toHaveLength(99_000);
    const ids = new Set(rows.map((r) => r.record_id));
    for (let i = 0; i < 100_000; i++) expect(ids.has(`req-${i}`)).toBe(i % 100 !== 7);
  }, 180_000);
});
