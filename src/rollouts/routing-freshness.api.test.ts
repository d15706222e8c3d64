import { createHash } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { ROUTING_TABLE_MS } from './rollout-routing.service.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describeEachBackend('routing answers from memory, within their freshness bound', (backend) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(backend);
    const created = await server.api('POST', '/api/v1/models', {
      body: { name: 'fraud', owner: 'risk', riskTier: 3 },
    });
    expect(created.status).toBe(201);
  });
  afterEach(async () => {
    await server.close();
  });

  const route = async (key: string) =>
    (await server.api('GET', `/api/v1/models/fraud/route?key=${encodeURIComponent(key)}`)).body;

  it('an opt-out recorded through this server shows in the very next decision', async () => {
    expect(await route('customer-1')).toEqual({ version: null, variant: 'champion' });
    const opt = await server.api('POST', '/api/v1/opt-outs', {
      body: { subjectKey: 'customer-1', model: 'fraud' },
    });
    expect(opt.status).toBe(201);
    expect(await route('customer-1')).toEqual({ version: null, variant: 'human-review' });
    expect(await route('customer-2')).toEqual({ version: null, variant: 'champion' });
  });

  it('an opt-out written by another server shows within ROUTING_TABLE_MS', async () => {
    expect(await route('customer-7')).toEqual({ version: null, variant: 'champion' });
    // Another server sharing the store records opt-outs: for this model, and for every model.
    await server.ctx.db
      .insertInto('decision_opt_outs')
      .values([
        {
          id: 'opt_a',
          subject_sha256: sha256('customer-7'),
          model_name: 'fraud',
          created_at: '2026-01-01T00:00:00Z',
          created_by: 'b',
        },
        {
          id: 'opt_b',
          subject_sha256: sha256('customer-8'),
          model_name: '',
          created_at: '2026-01-01T00:00:00Z',
          created_by: 'b',
        },
        {
          id: 'opt_c',
          subject_sha256: sha256('customer-9'),
          model_name: 'other',
          created_at: '2026-01-01T00:00:00Z',
          created_by: 'b',
        },
      ])
      .execute();
    await new Promise((r) => setTimeout(r, ROUTING_TABLE_MS + 50));
    expect(await route('customer-7')).toEqual({ version: null, variant: 'human-review' });
    expect(await route('customer-8')).toEqual({ version: null, variant: 'human-review' });
    // An opt-out from another model's decisions only does not touch this one.
    expect(await route('customer-9')).toEqual({ version: null, variant: 'champion' });
  });
});
