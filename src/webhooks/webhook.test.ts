import { createHmac } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../server/server.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { deliverDueWebhooks, webhookDeliveryTask } from './webhook.delivery.js';
import { enqueueEvent } from './webhook.service.js';
import { retryDelayMs, verifyWebhookSignature } from './webhook-signature.js';
import { startReceiver } from './webhook-receiver.test-helper.js';
import { postOutbound } from './outbound-request.js';
import { parseOutboundAllowList } from '../core/outbound-url.js';

const SECRET = 'correct-horse-battery-staple';

describe('retry schedule', () => {
  it.each([
    [1, 30_000],
    [2, 60_000],
    [3, 120_000],
    [7, 1_920_000],
  ])('after attempt %i waits %i ms', (attempt, ms) => {
    expect(retryDelayMs(attempt)).toBe(ms);
  });
});

describeEachBackend('webhooks', (backend) => {
  let server: TestServer | undefined;
  const closers: Array<() => Promise<void>> = [];
  let clock = new Date('2026-03-01T10:00:00.000Z');
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await server?.close();
    server = undefined;
  });

  async function start(webhookAllow?: string[]) {
    clock = new Date('2026-03-01T10:00:00.000Z');
    server = await startTestServer(backend, {
      now: () => clock,
      ...(webhookAllow ? { config: { webhookAllow } } : {}),
    });
    return server;
  }

  async function receiver(statuses?: number[]) {
    const r = await startReceiver(statuses);
    closers.push(() => r.close());
    return r;
  }

  async function announce(s: TestServer, type: string, subject = 'model:m') {
    await s.ctx.db
      .transaction()
      .execute((trx) => enqueueEvent(trx, s.ctx, { type, subject, payload: { x: 1 } }));
  }

  it('creates, lists and deletes subscriptions and never returns the secret', async () => {
    const s = await start();
    const created = await s.api('POST', '/api/v1/webhooks', {
      body: { url: 'https://example.test/hook', events: ['model.promoted'], secret: SECRET },
    });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain(SECRET);
    const list = await s.api('GET', '/api/v1/webhooks');
    expect(list.body.items.map((w: { id: string }) => w.id)).toEqual([created.body.id]);
    expect(JSON.stringify(list.body)).not.toContain(SECRET);
    expect((await s.api('DELETE', `/api/v1/webhooks/${created.body.id}`)).status).toBe(200);
    expect((await s.api('GET', `/api/v1/webhooks/${created.body.id}`)).status).toBe(404);
  });

  it('refuses bad input and roles that may not manage webhooks', async () => {
    const s = await start();
    const ftp = await s.api('POST', '/api/v1/webhooks', {
      body: { url: 'ftp://example.test/x', events: ['*'], secret: SECRET },
    });
    expect(ftp.status).toBe(400);
    const unknownEvent = await s.api('POST', '/api/v1/webhooks', {
      body: { url: 'https://example.test/x', events: ['model.exploded'], secret: SECRET },
    });
    expect(unknownEvent.status).toBe(400);
    expect(unknownEvent.body.error.field).toBe('events.0');
    const shortSecret = await s.api('POST', '/api/v1/webhooks', {
      body: { url: 'https://example.test/x', events: ['*'], secret: 'short' },
    });
    expect(shortSecret.status).toBe(400);
    const viewer = await s.tokenFor('vera', ['viewer', 'data-scientist']);
    const refused = await s.api('POST', '/api/v1/webhooks', {
      token: viewer,
      body: { url: 'https://example.test/x', events: ['*'], secret: SECRET },
    });
    expect(refused.status).toBe(403);
  });

  it('delivers a signed event only to subscriptions that asked for it', async () => {
    const s = await start();
    const r1 = await receiver();
    const r2 = await receiver();
    const sub = await s.api('POST', '/api/v1/webhooks', {
      body: { url: r1.url, events: ['model.promoted'], secret: SECRET },
    });
    await s.api('POST', '/api/v1/webhooks', {
      body: { url: r2.url, events: ['model.rolled_back'], secret: 'another-secret-of-16' },
    });
    await announce(s, 'model.promoted', 'model:credit@1.0.0');
    expect(await deliverDueWebhooks(s.ctx)).toBe(1);
    expect(r2.received).toHaveLength(0);
    expect(r1.received).toHaveLength(1);
    const got = r1.received[0]!;
    expect(got.headers['x-warden-event']).toBe('model.promoted');
    // Standard Webhooks: checked by the scheme's reference library and by hand.
    const id = got.headers['webhook-id'] as string;
    const timestamp = got.headers['webhook-timestamp'] as string;
    const signature = got.headers['webhook-signature'] as string;
    expect(timestamp).toBe(String(clock.getTime() / 1000));
    const byHand = createHmac('sha256', SECRET).update(`${id}.${timestamp}.${got.body}`).digest('base64');
    expect(signature).toBe(`v1,${byHand}`);
    const reference = new StandardWebhook(`whsec_${Buffer.from(SECRET).toString('base64')}`);
    const realNow = Date.now;
    Date.now = () => clock.getTime(); // the library checks the timestamp against its own clock
    try {
      expect(
        reference.verify(got.body, {
          'webhook-id': id,
          'webhook-timestamp': timestamp,
          'webhook-signature': signature,
        }),
      ).toMatchObject({ type: 'model.promoted' });
    } finally {
      Date.now = realNow;
    }
    const nowSeconds = clock.getTime() / 1000;
    expect(verifyWebhookSignature(SECRET, got.body, { id, timestamp, signature }, nowSeconds)).toBe(true);
    expect(
      verifyWebhookSignature('wrong-secret-wrong', got.body, { id, timestamp, signature }, nowSeconds),
    ).toBe(false);
    // A replay ten minutes later is refused, and so is a body changed under the same headers.
    expect(verifyWebhookSignature(SECRET, got.body, { id, timestamp, signature }, nowSeconds + 600)).toBe(
      false,
    );
    expect(
      verifyWebhookSignature(
        SECRET,
        got.body.replace('credit', 'credjt'),
        { id, timestamp, signature },
        nowSeconds,
      ),
    ).toBe(false);
    const body = JSON.parse(got.body);
    expect(body).toMatchObject({ type: 'model.promoted', subject: 'model:credit@1.0.0', data: { x: 1 } });
    const log = await s.api('GET', `/api/v1/webhooks/${sub.body.id}/deliveries`);
    expect(log.body.items).toHaveLength(1);
    expect(log.body.items[0]).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200 });
    expect(got.headers['x-warden-delivery']).toBe(log.body.items[0].id);
    expect(id).toBe(log.body.items[0].id);
    // Delivered rows are not sent again.
    expect(await deliverDueWebhooks(s.ctx)).toBe(0);
  });

  it('retries a receiver that answered 500 after the backoff, then records the success', async () => {
    const s = await start();
    const r = await receiver([500, 200]);
    const sub = await s.api('POST', '/api/v1/webhooks', {
      body: { url: r.url, events: ['*'], secret: SECRET },
    });
    await announce(s, 'alert.opened');
    await deliverDueWebhooks(s.ctx);
    expect(r.received).toHaveLength(1);
    let log = await s.api('GET', `/api/v1/webhooks/${sub.body.id}/deliveries`);
    expect(log.body.items[0]).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500 });
    expect(log.body.items[0].nextAttemptAt).toBe('2026-03-01T10:00:30.000Z');
    // Not yet due: 29 s later nothing is sent.
    clock = new Date('2026-03-01T10:00:29.000Z');
    expect(await deliverDueWebhooks(s.ctx)).toBe(0);
    clock = new Date('2026-03-01T10:00:31.000Z');
    expect(await deliverDueWebhooks(s.ctx)).toBe(1);
    expect(r.received).toHaveLength(2);
    expect(r.received[1]!.body).toBe(r.received[0]!.body);
    expect(r.received[1]!.headers['x-warden-delivery']).toBe(r.received[0]!.headers['x-warden-delivery']);
    log = await s.api('GET', `/api/v1/webhooks/${sub.body.id}/deliveries`);
    expect(log.body.items[0]).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200 });
    expect(log.body.items[0].log.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 200]);
  });

  it('gives up after 8 attempts against a receiver that is down', async () => {
    const s = await start();
    const r = await receiver([503]);
    const sub = await s.api('POST', '/api/v1/webhooks', {
      body: { url: r.url, events: ['*'], secret: SECRET },
    });
    await announce(s, 'alert.opened');
    for (let i = 0; i < 12; i++) {
      await deliverDueWebhooks(s.ctx);
      clock = new Date(clock.getTime() + 3 * 60 * 60 * 1000);
    }
    expect(r.received).toHaveLength(8);
    const log = await s.api('GET', `/api/v1/webhooks/${sub.body.id}/deliveries?status=dead`);
    expect(log.body.items[0]).toMatchObject({ status: 'dead', attempts: 8 });
  });

  it('loses nothing when the server stops between commit and delivery', async () => {
    const s = await start();
    const r = await receiver();
    await s.api('POST', '/api/v1/webhooks', { body: { url: r.url, events: ['*'], secret: SECRET } });
    await announce(s, 'retraining.requested');
    // A new server over the same store, the first one never having delivered.
    const second = await startServer(s.store.config, { background: false, now: () => clock });
    closers.push(() => second.close());
    expect(await deliverDueWebhooks(second.ctx)).toBe(1);
    expect(r.received).toHaveLength(1);
    expect(JSON.parse(r.received[0]!.body).type).toBe('retraining.requested');
  });

  it('delivers each event once when two servers drain the same outbox at the same time', async () => {
    const s = await start();
    const r = await receiver();
    await s.api('POST', '/api/v1/webhooks', { body: { url: r.url, events: ['*'], secret: SECRET } });
    for (let i = 0; i < 30; i++) await announce(s, 'alert.opened', `model:m${i}`);
    const second = await startServer(s.store.config, { background: false, now: () => clock });
    closers.push(() => second.close());
    // Each server takes at most 20 rows a round; two rounds each are enough for 30 rows.
    const tried = await Promise.all([
      deliverDueWebhooks(s.ctx),
      deliverDueWebhooks(second.ctx),
      deliverDueWebhooks(s.ctx),
      deliverDueWebhooks(second.ctx),
    ]);
    expect(tried.reduce((a, b) => a + b, 0)).toBe(30);
    expect(r.received).toHaveLength(30);
    const subjects = r.received.map((x) => (JSON.parse(x.body) as { subject: string }).subject);
    expect(new Set(subjects).size).toBe(30);
  });

  it('drains a backlog larger than one batch in one background round', async () => {
    const s = await start();
    const r = await receiver();
    await s.api('POST', '/api/v1/webhooks', { body: { url: r.url, events: ['*'], secret: SECRET } });
    for (let i = 0; i < 45; i++) await announce(s, 'alert.opened', `model:m${i}`);
    await webhookDeliveryTask.runOnce(s.ctx);
    expect(r.received).toHaveLength(45);
  });

  it('sends to a direct target without signing it and without involving subscribers', async () => {
    const s = await start();
    const sub = await receiver();
    const direct = await receiver();
    await s.api('POST', '/api/v1/webhooks', { body: { url: sub.url, events: ['*'], secret: SECRET } });
    await s.ctx.db.transaction().execute((trx) =>
      enqueueEvent(trx, s.ctx, {
        type: 'retirement.announced',
        subject: 'model:m',
        payload: {},
        url: direct.url,
      }),
    );
    await deliverDueWebhooks(s.ctx);
    expect(direct.received).toHaveLength(1);
    expect(direct.received[0]!.headers['webhook-signature']).toBeUndefined();
    expect(sub.received).toHaveLength(0);
  });

  it('stores secrets encrypted with a key outside the database, and seals ones stored as plain text', async () => {
    const s = await start();
    const r = await receiver();
    const created = await s.api('POST', '/api/v1/webhooks', {
      body: { url: r.url, events: ['*'], secret: SECRET },
    });
    const stored = async () =>
      (
        await s.ctx.db
          .selectFrom('webhook_subscriptions')
          .select('secret')
          .where('id', '=', created.body.id)
          .executeTakeFirstOrThrow()
      ).secret;
    const sealedSecret = await stored();
    expect(sealedSecret.startsWith('enc:v1:')).toBe(true);
    expect(sealedSecret).not.toContain(SECRET);
    expect(sealedSecret).not.toContain(Buffer.from(SECRET).toString('base64'));
    // A row from before encryption is sealed by the delivery task and still signs with its secret.
    await s.ctx.db
      .updateTable('webhook_subscriptions')
      .set({ secret: SECRET })
      .where('id', '=', created.body.id)
      .execute();
    await announce(s, 'alert.opened');
    await webhookDeliveryTask.runOnce(s.ctx);
    expect((await stored()).startsWith('enc:v1:')).toBe(true);
    const got = r.received[0]!;
    const expected = createHmac('sha256', SECRET)
      .update(
        `${got.headers['webhook-id'] as string}.${got.headers['webhook-timestamp'] as string}.${got.body}`,
      )
      .digest('base64');
    expect(got.headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  it('says why when a server holds another secrets key than the one that sealed the secret', async () => {
    const s = await start();
    const r = await receiver();
    await s.api('POST', '/api/v1/webhooks', { body: { url: r.url, events: ['*'], secret: SECRET } });
    await announce(s, 'alert.opened');
    const other = {
      ...s.ctx,
      config: { ...s.ctx.config, secretsKey: Buffer.alloc(32, 7).toString('base64') },
    };
    await deliverDueWebhooks(other);
    expect(r.received).toHaveLength(0);
    const row = await s.ctx.db
      .selectFrom('webhook_deliveries')
      .select('last_error')
      .executeTakeFirstOrThrow();
    expect(row.last_error).toMatch(/another secrets key.*WARDEN_SECRETS_KEY/);
  });

  it('drops the outbox rows when the enqueuing transaction rolls back', async () => {
    const s = await start();
    const r = await receiver();
    await s.api('POST', '/api/v1/webhooks', { body: { url: r.url, events: ['*'], secret: SECRET } });
    await expect(
      s.ctx.db.transaction().execute(async (trx) => {
        await enqueueEvent(trx, s.ctx, { type: 'alert.opened', subject: 'model:m', payload: {} });
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    expect(await deliverDueWebhooks(s.ctx)).toBe(0);
  });
});

describeEachBackend('outbound URL rules', (backend) => {
  let server: TestServer | undefined;
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await server?.close();
    server = undefined;
  });

  async function start(webhookAllow: string[]) {
    server = await startTestServer(backend, { config: { webhookAllow } });
    return server;
  }

  it('refuses internal addresses and other schemes wherever a URL is stored, naming the field', async () => {
    const s = await start([]);
    const hooks = [
      'http://127.0.0.1:9/hook',
      'http://localhost:9/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:9/',
      'http://[::ffff:127.0.0.1]:9/',
      'http://10.1.2.3/hook',
      'http://192.168.0.10/hook',
      'http://0.0.0.0:9/',
      'gopher://127.0.0.1:9/',
      'file:///etc/passwd',
    ];
    for (const url of hooks) {
      const res = await s.api('POST', '/api/v1/webhooks', { body: { url, events: ['*'], secret: SECRET } });
      expect(res.status, url).toBe(400);
      expect(res.body.error.field, url).toBe('url');
    }
    const consumer = await s.api('POST', '/api/v1/models', {
      body: {
        name: 'm',
        owner: 'alice',
        riskTier: 3,
        consumers: [
          { name: 'ok', webhookUrl: 'https://hooks.example.test/a' },
          { name: 'bad', webhookUrl: 'http://169.254.169.254/' },
        ],
      },
    });
    expect(consumer.status).toBe(400);
    expect(consumer.body.error.field).toBe('consumers.1.webhookUrl');
    expect(
      (await s.api('POST', '/api/v1/models', { body: { name: 'm', owner: 'alice', riskTier: 3 } })).status,
    ).toBe(201);
    for (const url of [
      'file:///tmp/x',
      'gopher://127.0.0.1:70/',
      'ftp://127.0.0.1/',
      'http://127.0.0.1:9/pipeline',
    ]) {
      const res = await s.api('PUT', '/api/v1/models/m/monitoring/config', {
        body: { pipelineWebhookUrl: url },
      });
      expect(res.status, url).toBe(400);
      expect(res.body.error.field, url).toBe('pipelineWebhookUrl');
    }
    const webhooks = await s.api('GET', '/api/v1/webhooks');
    expect(webhooks.body.items).toHaveLength(0);
  });

  it('allows an internal receiver the allow-list names (address, range or host name)', async () => {
    const s = await start(['10.0.0.0/8', 'hooks.internal', '::1']);
    for (const url of ['http://10.9.8.7/h', 'http://hooks.internal:8080/h', 'http://[::1]:9/h']) {
      const res = await s.api('POST', '/api/v1/webhooks', { body: { url, events: ['*'], secret: SECRET } });
      expect(res.status, url).toBe(201);
    }
    const still = await s.api('POST', '/api/v1/webhooks', {
      body: { url: 'http://127.0.0.1:9/h', events: ['*'], secret: SECRET },
    });
    expect(still.status).toBe(400);
  });

  it('checks the resolved address at connect time, so a name that resolves inside is refused (DNS rebinding)', async () => {
    const s = await start([]);
    const r = await startReceiver();
    closers.push(() => r.close());
    const port = new URL(r.url).port;
    const created = await s.api('POST', '/api/v1/webhooks', {
      body: { url: `http://hooks.example.test:${port}/hook`, events: ['*'], secret: SECRET },
    });
    expect(created.status).toBe(201);
    await s.ctx.db
      .transaction()
      .execute((trx) => enqueueEvent(trx, s.ctx, { type: 'alert.opened', subject: 'model:m', payload: {} }));
    // The name now resolves to the loopback interface, where the receiver listens.
    const rebound = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    expect(await deliverDueWebhooks(s.ctx, { resolve: rebound })).toBe(1);
    expect(r.received).toHaveLength(0);
    const log = await s.api('GET', `/api/v1/webhooks/${created.body.id}/deliveries`);
    expect(log.body.items[0].lastError).toMatch(/127\.0\.0\.1 is an internal address/);
  });

  it('connects to the resolved address when the allow-list names the host', async () => {
    const s = await start(['hooks.example.test']);
    const r = await startReceiver();
    closers.push(() => r.close());
    const port = new URL(r.url).port;
    await s.api('POST', '/api/v1/webhooks', {
      body: { url: `http://hooks.example.test:${port}/hook`, events: ['*'], secret: SECRET },
    });
    await s.ctx.db
      .transaction()
      .execute((trx) => enqueueEvent(trx, s.ctx, { type: 'alert.opened', subject: 'model:m', payload: {} }));
    await deliverDueWebhooks(s.ctx, {
      resolve: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
    });
    expect(r.received).toHaveLength(1);
    expect(r.received[0]!.headers.host).toBe(`hooks.example.test:${port}`);
  });

  it('refuses, at delivery, an internal URL stored before the rules applied', async () => {
    const r = await startReceiver();
    closers.push(() => r.close());
    await expect(
      postOutbound(r.url, {}, '{}', { timeoutMs: 2000, allow: parseOutboundAllowList([]) }),
    ).rejects.toThrow(/internal address/);
    expect(r.received).toHaveLength(0);
    expect(
      await postOutbound(r.url, {}, '{}', { timeoutMs: 2000, allow: parseOutboundAllowList(['127.0.0.1']) }),
    ).toBe(200);
  });
});
