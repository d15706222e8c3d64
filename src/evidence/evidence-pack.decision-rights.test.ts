import { strFromU8, unzipSync } from 'fflate';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { loadAuditSigner } from '../audit/audit-signer.js';
import { post, registerMonitoredModel } from '../monitoring/monitoring.test-helper.js';
import { readTrustedKey, verifyPack } from './pack-verify.js';
import type { PackManifest } from './pack-manifest.js';

const V = '/api/v1/models/credit/versions/1.0.0';

describeEachBackend('evidence packs: decision rights', (backend) => {
  let server: TestServer;
  let now: Date;
  beforeEach(async () => {
    now = new Date('2026-03-01T00:00:00.000Z');
    server = await startTestServer(backend, { now: () => now });
    await registerMonitoredModel(server, 'credit');
  });
  afterEach(async () => {
    await server.close();
  });

  const at = (iso: string) => {
    now = new Date(iso);
  };

  it('counts disputes opened, closed and open, the median days to close and opt-outs, and still verifies offline', async () => {
    await post(
      server,
      `${V}/inferences`,
      ['r1', 'r2', 'r3'].map((id) => ({
        id,
        timestamp: '2026-03-01T00:00:00Z',
        features: { amount: 100, age: 40, country: 'de' },
        prediction: 'deny',
        score: 0.8,
      })),
    );
    const open = async (record: string, iso: string) => {
      at(iso);
      const res = await server.api('POST', `/api/v1/predictions/${record}/disputes`, {
        body: { statement: 'The amount on file is wrong' },
      });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const close = async (id: string, iso: string, status: 'resolved' | 'rejected') => {
      at(iso);
      const res = await server.api('PATCH', `/api/v1/disputes/${id}`, {
        body: { status, resolution: 'Checked the file' },
      });
      expect(res.status).toBe(200);
    };
    // Closed after 2 days and after 5 days (median 3.5); the third stays open.
    const d1 = await open('r1', '2026-03-02T00:00:00.000Z');
    const d2 = await open('r2', '2026-03-03T00:00:00.000Z');
    await open('r3', '2026-03-04T00:00:00.000Z');
    await close(d1, '2026-03-04T00:00:00.000Z', 'resolved');
    await close(d2, '2026-03-08T00:00:00.000Z', 'rejected');
    // Two opt-outs of this model, one of every model, one of another model (not counted).
    for (const body of [
      { subjectKey: 'customer-1', model: 'credit' },
      { subjectKey: 'customer-2', model: 'credit' },
      { subjectKey: 'customer-3' },
      { subjectKey: 'customer-4', model: 'fraud' },
    ])
      expect((await server.api('POST', '/api/v1/opt-outs', { body })).status).toBe(201);

    at('2026-03-10T00:00:00.000Z');
    const res = await fetch(`${server.url}/api/v1/evidence-packs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'credit', framework: 'eu-ai-act' }),
    });
    expect(res.status).toBe(200);
    const pack = new Uint8Array(await res.arrayBuffer());
    const files = unzipSync(pack);
    const rights = JSON.parse(strFromU8(files['records/decision-rights.json']!)) as Record<string, unknown>;
    expect(rights).toEqual({
      model: 'credit',
      period: { from: '2026-03-01T00:00:00.000Z', to: '2026-03-10T00:00:00.000Z' },
      disputesOpened: 3,
      disputesClosed: 2,
      disputesOpen: 1,
      medianDaysToClose: 3.5,
      optOuts: 3,
    });
    const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as PackManifest;
    expect(manifest.files.map((f) => f.path)).toContain('records/decision-rights.json');
    const key = readTrustedKey(
      loadAuditSigner(server.ctx.config.dataDir, server.ctx.config.auditSigningKey).publicKeyPem,
    );
    expect(verifyPack(pack, key)).toMatchObject({ ok: true });
  });
});
