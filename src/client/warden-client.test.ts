import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, startFaultProxy } from '../../test/support/fault-proxy.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { registerMonitoredModel } from '../monitoring/monitoring.test-helper.js';
import { backoffDelayMs, retryAfterMs, WardenClient, type RefusedRecord } from './warden-client.js';

describe('retry timing', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
    // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480000 ms after the epoch.
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', 1445412450000)).toBe(30_000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', 1445412490000)).toBe(0);
  });

  it('backs off exponentially with full jitter, capped', () => {
    // base 200 ms: ceilings 200, 400, 800, 1600 … up to the cap.
    expect(backoffDelayMs(0, 200, 30_000, () => 1)).toBe(200);
    expect(backoffDelayMs(3, 200, 30_000, () => 1)).toBe(1600);
    expect(backoffDelayMs(3, 200, 30_000, () => 0.5)).toBe(800);
    expect(backoffDelayMs(20, 200, 30_000, () => 1)).toBe(30_000);
    expect(backoffDelayMs(4, 200, 30_000, () => 0)).toBe(0);
  });
});

describeEachBackend('WardenClient against a real server', (backend) => {
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
    (await server.ctx.db.selectFrom('inference_records').select('record_id').execute()).map(
      (r) => r.record_id,
    );

  const record = (i: number) => ({
    id: `c${i}`,
    features: { amount: 10 + (i % 7), age: 30, country: 'de' },
    prediction: i % 2,
    score: 0.4,
  });
  const client = (extra: Partial<ConstructorParameters<typeof WardenClient>[0]> = {}) =>
    new WardenClient({ url: server.url, token, model: 'fraud', version: '1.0.0', ...extra });

  it('buffers, sends in batches in the background and flushes on close', async () => {
    const c = client({ batchSize: 500, flushIntervalMs: 60_000 });
    for (let i = 0; i < 1200; i++) c.log(record(i));
    await c.close();
    expect((await storedIds()).length).toBe(1200);
    expect(c.stats()).toEqual({
      sent: 1200,
      accepted: 1200,
      duplicates: 0,
      refused: 0,
      dropped: 0,
      buffered: 0,
      retries: 0,
    });
    expect(() => c.log(record(1))).toThrow(/closed/);
  });

  it('sends on its interval without an explicit flush', async () => {
    const c = client({ flushIntervalMs: 50 });
    c.log(record(1));
    for (let i = 0; i < 100 && (await storedIds()).length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(await storedIds()).toEqual(['c1']);
    await c.close();
  });

  it('stores the good records of a batch and reports the refused ones with field and reason', async () => {
    const refused: RefusedRecord[] = [];
    const c = client({ onRefused: (r) => refused.push(...r) });
    c.logInferences([
      record(1),
      { ...record(2), features: { amount: -3, age: 30, country: 'de' } },
      // NaN features are missing values; a NaN score is left out rather than refused.
      { ...record(3), features: { amount: 5, age: Number.NaN, country: 'fr' }, score: Number.NaN },
      { ...record(4), prediction: { odd: true } as unknown as number },
    ]);
    await c.close();
    expect(refused.map(({ kind, id, field, reason }) => ({ kind, id, field, reason }))).toEqual([
      { kind: 'inferences', id: 'c2', field: 'features.amount', reason: '-3 is below the minimum 0' },
      {
        kind: 'inferences',
        id: 'c4',
        field: 'prediction',
        reason: 'expected a finite number, string or boolean, got an object',
      },
    ]);
    expect(refused[0]!.record).toMatchObject({ id: 'c2' });
    expect((await storedIds()).sort()).toEqual(['c1', 'c3']);
    const c3 = await server.ctx.db
      .selectFrom('inference_records')
      .select(['features', 'score'])
      .where('record_id', '=', 'c3')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(c3.features!)).toEqual({ amount: 5, age: null, country: 'fr' });
    expect(c3.score).toBeNull();
    expect(c.stats()).toMatchObject({ sent: 4, accepted: 2, refused: 2, dropped: 0 });
  });

  it('logs labels, feedback and signals, joined to their records by id', async () => {
    const refused: RefusedRecord[] = [];
    const c = client({ onRefused: (r) => refused.push(...r) });
    c.logInferences([record(0), record(1)]);
    await c.flush();
    c.logLabels([
      { id: 'c0', label: 0 },
      { id: 'c1', label: 0 },
    ]);
    c.logFeedback({ id: 'c1', rating: 'down', report: 'wrong' });
    c.logFeedback({ id: 'c0', rating: 'sideways' as 'up' });
    c.logSignals({ id: 'c0', signals: { jailbreak_attempt: true } });
    await c.close();
    expect(refused.map((r) => [r.kind, r.id, r.field])).toEqual([['feedback', 'c0', 'rating']]);
    const rows = await server.ctx.db
      .selectFrom('inference_records')
      .select(['record_id', 'label', 'feedback', 'signals'])
      .orderBy('record_id')
      .execute();
    expect(rows.map((r) => [r.record_id, r.label, r.feedback && JSON.parse(r.feedback), r.signals])).toEqual([
      ['c0', '0', null, '{"jailbreak_attempt":true}'],
      ['c1', '0', { rating: 'down', report: 'wrong' }, null],
    ]);
    // record(i) predicts i % 2: c0 predicted 0 (label 0), c1 predicted 1 (label 0).
    const window = await server.ctx.db
      .selectFrom('monitoring_windows')
      .select('profile')
      .where('segment', '=', '')
      .executeTakeFirstOrThrow();
    const profile = JSON.parse(window.profile);
    expect(profile.performance).toMatchObject({ labelled: 2, correct: 1 });
    expect(profile.feedback).toEqual({ up: 0, down: 1 });
    expect(profile.signals.jailbreak_attempt).toMatchObject({ n: 1, events: 1 });
  });

  it('retries 429 and 503 honouring Retry-After, without double counting', async () => {
    const proxy = await startFaultProxy(server.url, (n) =>
      n === 1
        ? { status: 429, headers: { 'retry-after': '1' } }
        : n === 2
          ? { status: 503, headers: { 'retry-after': '1' } }
          : 'forward',
    );
    try {
      const c = client({ url: proxy.url, batchSize: 100, retryDelayMs: 5, maxRetryDelayMs: 20 });
      for (let i = 0; i < 100; i++) c.log(record(i));
      await c.close();
      const hits = proxy.hits();
      expect(hits.map((h) => h.answered)).toEqual([429, 503, 'forward']);
      // The client's own backoff is at most 20 ms here: gaps of a second are the server's Retry-After.
      expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(950);
      expect(hits[2]!.at - hits[1]!.at).toBeGreaterThanOrEqual(950);
      expect((await storedIds()).length).toBe(100);
      expect(c.stats()).toMatchObject({ accepted: 100, retries: 2 });
    } finally {
      await proxy.close();
    }
  });

  it('times out a request that gets no answer and tries again', async () => {
    const proxy = await startFaultProxy(server.url, (n) => (n === 1 ? 'hang' : 'forward'));
    try {
      const c = client({ url: proxy.url, timeoutMs: 300, retryDelayMs: 1 });
      const logged = Date.now();
      c.log(record(1));
      await c.close();
      const hits = proxy.hits();
      expect(hits.map((h) => h.answered)).toEqual(['hang', 'forward']);
      // The 300 ms start when the first request leaves the client, which the proxy may see later
      // on a busy machine: the retry arrives at least 300 ms after the record was logged.
      expect(proxy.startedAt + hits[1]!.at - logged).toBeGreaterThanOrEqual(299);
      expect(await storedIds()).toEqual(['c1']);
    } finally {
      await proxy.close();
    }
  });

  it('keeps its buffer up to its bound while the server is down, counts the dropped, and sends the rest when it is back', async () => {
    const port = await freePort();
    const errors: { message: string; records: number; dropped: boolean }[] = [];
    const c = client({
      url: `http://127.0.0.1:${port}`,
      batchSize: 100,
      maxBuffered: 1000,
      maxAttempts: 1,
      flushIntervalMs: 60_000,
      onError: (e, ctx) => errors.push({ message: e.message, ...ctx }),
    });
    for (let i = 0; i < 2500; i++) c.log(record(i));
    await c.flush();
    expect(c.stats()).toMatchObject({ sent: 0, dropped: 1500, buffered: 1000 });
    expect(errors.some((e) => e.dropped && e.message.startsWith('buffer full'))).toBe(true);
    expect(errors.some((e) => !e.dropped)).toBe(true); // the unreachable server, records kept
    const proxy = await startFaultProxy(server.url, () => 'forward', port);
    try {
      await c.close();
      expect(c.stats()).toMatchObject({ sent: 1000, accepted: 1000, dropped: 1500, buffered: 0 });
      const ids = await storedIds();
      expect(ids).toHaveLength(1000);
      // The oldest waiting records were dropped: c2499, logged last, is kept.
      expect(ids).toContain('c2499');
      expect(ids.filter((id) => Number(id.slice(1)) < 1500).length).toBeLessThanOrEqual(100);
    } finally {
      await proxy.close();
    }
  });

  it('drops a batch refused whole (unknown version) and reports it; counts what close could not send', async () => {
    const errors: { message: string; records: number; dropped: boolean }[] = [];
    const c = client({ version: '9.9.9', onError: (e, ctx) => errors.push({ message: e.message, ...ctx }) });
    c.log(record(1));
    c.log(record(2));
    await c.close();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ records: 2, dropped: true });
    expect(errors[0]!.message).toContain('404');
    expect(c.stats()).toMatchObject({ dropped: 2, sent: 0 });

    const down = client({ url: `http://127.0.0.1:${await freePort()}`, maxAttempts: 1 });
    down.log(record(3));
    await down.close();
    expect(down.stats()).toMatchObject({ dropped: 1, buffered: 0 });
    expect(await storedIds()).toEqual([]);
  });
});
