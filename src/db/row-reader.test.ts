import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { openRowReader, type RowReader } from './row-reader.js';

describeEachBackend('openRowReader', (backend) => {
  let server: TestServer;
  let reader: RowReader;
  const count = async () => Number((await reader.queryArrays('select count(*) from audit_log', []))[0]![0]);

  beforeAll(async () => {
    server = await startTestServer(backend);
    const created = await server.api('POST', '/api/v1/models', {
      body: { name: 'reader-probe', owner: 'risk', riskTier: 3 },
    });
    expect(created.status).toBe(201);
    reader = await openRowReader({
      dataDir: server.store.dataDir,
      databaseUrl: server.store.databaseUrl,
    });
  });
  afterAll(async () => {
    await reader.close();
    await server.close();
  });

  it('reads the rows of a running store as arrays, with bound parameters', async () => {
    const rows = await reader.queryArrays('select action, subject from audit_log where action = ?', [
      'model.created',
    ]);
    expect(rows).toContainEqual(['model.created', 'model:reader-probe']);
  });

  it('refuses to change the store it reads', async () => {
    const before = await count();
    expect(before).toBeGreaterThan(0);
    // `returning` makes a write return rows, as a read would.
    await expect(reader.queryArrays('delete from audit_log returning seq', [])).rejects.toThrow(
      /read.?only/i,
    );
    await expect(
      reader.queryArrays('update audit_log set actor = ? returning seq', ['mallory']),
    ).rejects.toThrow(/read.?only/i);
    expect(await count()).toBe(before);
  });
});

it('openRowReader names a data folder without a store and creates nothing there', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-reader-'));
  try {
    await expect(openRowReader({ dataDir: dir })).rejects.toThrow(/no Warden store/);
    expect(fs.readdirSync(dir)).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
