import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { expect } from 'vitest';
import type { TestServer } from '../../test/support/server.js';
import { versionBody } from '../../test/support/server.js';

/** Registers a model (if needed) and a version, optionally with an artifact and an Ed25519 signature. */
export async function seedVersion(
  server: TestServer,
  model: string,
  tier: number,
  version: string,
  options: {
    inputSchema?: unknown[];
    metrics?: Record<string, number>;
    artifact?: boolean;
    sign?: boolean;
  } = {},
): Promise<void> {
  if ((await server.api('GET', `/api/v1/models/${model}`)).status === 404) {
    const created = await server.api('POST', '/api/v1/models', {
      body: { name: model, owner: 'risk', riskTier: tier },
    });
    expect(created.status).toBe(201);
  }
  const extra: Record<string, unknown> = {};
  if (options.inputSchema) extra.inputSchema = options.inputSchema;
  if (options.metrics) extra.metrics = options.metrics;
  const res = await server.api('POST', `/api/v1/models/${model}/versions`, {
    body: versionBody(version, extra),
  });
  expect(res.status).toBe(201);
  if (options.artifact || options.sign) {
    const bytes = Buffer.from(`artifact of ${model} ${version}`);
    const put = await fetch(`${server.url}/api/v1/models/${model}/versions/${version}/artifact`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(put.status).toBe(201);
    if (options.sign) {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const keyName = `key-${model}-${version}`.replace(/\./g, '-');
      const key = await server.api('POST', '/api/v1/signing-keys', {
        body: { name: keyName, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      });
      expect(key.status).toBe(201);
      const digest = createHash('sha256').update(bytes).digest('hex');
      const signed = await server.api('POST', `/api/v1/models/${model}/versions/${version}/signatures`, {
        body: { keyName, signature: sign(null, Buffer.from(digest, 'ascii'), privateKey).toString('base64') },
      });
      expect(signed.status).toBe(201);
    }
  }
}

/** Makes `version` the model's production champion, as the lifecycle workflow would. */
export async function setChampion(server: TestServer, model: string, version: string): Promise<void> {
  const db = server.ctx.db;
  const m = await db.selectFrom('models').select('id').where('name', '=', model).executeTakeFirstOrThrow();
  const v = await db
    .selectFrom('model_versions')
    .select('id')
    .where('model_id', '=', m.id)
    .where('version', '=', version)
    .executeTakeFirstOrThrow();
  await db.updateTable('models').set({ champion_version_id: v.id }).where('id', '=', m.id).execute();
}

export interface CheckView {
  name: string;
  status: string;
  value: unknown;
  threshold: unknown;
  rule: string;
  detail?: string;
  items?: Array<Record<string, unknown>>;
}

export function checkNamed(run: { checks: CheckView[] }, name: string): CheckView {
  const found = run.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check ${name} in ${run.checks.map((c) => c.name).join(', ')}`);
  return found;
}
