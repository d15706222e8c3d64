import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { loadConfig } from '../config/config.js';
import { openSqliteStore } from '../db/database.js';
import { sweepStaleUploads } from '../registry/artifact-sweep.task.js';

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('data at rest on the embedded store', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('keeps the data folder to its owner (0700) and the database, its log and the keys at 0600', async () => {
    server = await startTestServer('sqlite');
    const dir = server.store.dataDir;
    const hook = await server.api('POST', '/api/v1/webhooks', {
      body: { url: 'https://hooks.example.test/h', events: ['*'], secret: 'a-secret-of-sixteen+' },
    });
    expect(hook.status).toBe(201);
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(dir, 'warden.db'))).toBe(0o600);
    expect(mode(path.join(dir, 'warden.db-wal'))).toBe(0o600);
    expect(mode(path.join(dir, 'keys', 'audit-signing-key.pem'))).toBe(0o600);
    expect(mode(path.join(dir, 'keys', 'secrets.key'))).toBe(0o600);
  });

  it('tightens a data folder and database created readable by others', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-perm-'));
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, 'warden.db'), '');
    fs.chmodSync(path.join(dir, 'warden.db'), 0o644);
    const store = openSqliteStore(dir);
    try {
      expect(mode(dir)).toBe(0o700);
      expect(mode(path.join(dir, 'warden.db'))).toBe(0o600);
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('syncs every commit by default (synchronous=FULL) and NORMAL only when configured', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-sync-'));
    try {
      expect(loadConfig({ dataDir: dir }, {}).sqliteSynchronous).toBe('full');
      expect(loadConfig({ dataDir: dir }, { WARDEN_SQLITE_SYNCHRONOUS: 'NORMAL' }).sqliteSynchronous).toBe(
        'normal',
      );
      expect(() => loadConfig({ dataDir: dir }, { WARDEN_SQLITE_SYNCHRONOUS: 'off' })).toThrow(
        /sqliteSynchronous/,
      );
      for (const [setting, expected] of [
        [undefined, 2],
        ['normal', 1],
      ] as const) {
        const store = openSqliteStore(dir, 'warden.db', setting ? { synchronous: setting } : {});
        const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db);
        expect(rows[0]!.synchronous).toBe(expected);
        await store.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sweeps temporary files of uploads interrupted more than an hour ago, and keeps newer ones', async () => {
    const now = new Date('2026-05-01T12:00:00Z');
    server = await startTestServer('sqlite', { now: () => now });
    const tmp = path.join(server.store.dataDir, 'artifacts', 'tmp');
    fs.mkdirSync(tmp, { recursive: true });
    const stale = path.join(tmp, 'stale-upload');
    const live = path.join(tmp, 'live-upload');
    fs.writeFileSync(stale, 'half an artifact');
    fs.writeFileSync(live, 'an upload in progress');
    fs.utimesSync(stale, new Date(now.getTime() - 61 * 60_000), new Date(now.getTime() - 61 * 60_000));
    fs.utimesSync(live, new Date(now.getTime() - 59 * 60_000), new Date(now.getTime() - 59 * 60_000));
    expect(await sweepStaleUploads(server.ctx)).toBe(1);
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
  });
});
