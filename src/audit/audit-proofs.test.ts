import { spawn } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { hashLeaf, rootFromInclusionProof, verifyConsistency } from './audit-merkle.js';
import { BLOCK } from './audit-tree.js';

/**
 * Roots and proofs for the stored entries, from the independent Python implementation. Run
 * without blocking: the server under test shares this process, and a blocked event loop longer
 * than its keep-alive timeout makes it close the client's pooled connection as it is reused.
 */
async function python(request: {
  entries: unknown[];
  roots: number[];
  inclusion: number[][];
  consistency: number[][];
}) {
  const child = spawn('python3', [path.resolve('test/fixtures/rfc6962-merkle.py')]);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
    child.stdin.end(JSON.stringify(request));
  });
  if (status !== 0) throw new Error(Buffer.concat(err).toString('utf8'));
  return JSON.parse(Buffer.concat(out).toString('utf8')) as {
    roots: Record<string, string>;
    inclusion: string[][];
    consistency: string[][];
  };
}

describeEachBackend('audit Merkle tree over the stored log', (backend) => {
  let server: TestServer;
  const N = 2 * BLOCK + 77;
  beforeAll(async () => {
    server = await startTestServer(backend);
    const ctx = server.ctx;
    // Entries with varied text (quotes, non-ASCII) so canonical bytes are exercised.
    for (let i = 0; i < N - 1; i += 50) {
      await ctx.db.transaction().execute(async (trx) => {
        for (let j = i; j < Math.min(i + 50, N - 1); j++)
          await ctx.audit.append(trx, {
            actor: j % 3 === 0 ? 'zoë' : 'priya',
            action: 'test.entry',
            subject: `model:m"${j}`,
            change: { n: j, note: 'größe ✓', nested: { b: [1, 2.5, null], a: true } },
          });
      });
    }
  }, 120_000);
  afterAll(() => server.close());

  async function entriesAsJson() {
    const rows = await server.ctx.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
    return rows.map((r) => ({
      action: r.action,
      actor: r.actor,
      at: r.at,
      change: JSON.parse(r.change) as unknown,
      hash: r.hash,
      prevHash: r.prev_hash,
      requestId: r.request_id,
      seq: Number(r.seq),
      subject: r.subject,
    }));
  }

  it('signs a C2SP checkpoint whose root matches an independent RFC 6962 implementation', async () => {
    const res = await server.api('GET', '/api/v1/audit/checkpoint');
    expect(res.status).toBe(200);
    expect(res.body.treeSize).toBe(N);
    const entries = await entriesAsJson();
    expect(entries).toHaveLength(N);
    const want = await python({ entries, roots: [N], inclusion: [], consistency: [] });
    expect(res.body.rootHash).toBe(want.roots[N]);
    // The note: origin, size, base64 root, blank line, "— origin base64(keyid ‖ sig)".
    const lines = (res.body.note as string).split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'warden/audit',
      String(N),
      Buffer.from(want.roots[N]!, 'hex').toString('base64'),
      '',
    ]);
    const m = /^\u2014 warden\/audit (\S+)$/.exec(lines[4]!);
    expect(m).not.toBeNull();
    const blob = Buffer.from(m![1]!, 'base64');
    const pem = await fetch(`${server.url}/api/v1/audit/public-key`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    }).then((r) => r.text());
    expect(pem).toContain('BEGIN PUBLIC KEY');
    const raw = createPublicKey(pem).export({ format: 'der', type: 'spki' }).subarray(12);
    // Key id per c2sp signed-note: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4], computed here by hand.
    const { createHash } = await import('node:crypto');
    const keyId = createHash('sha256')
      .update(Buffer.concat([Buffer.from('warden/audit\n'), Buffer.from([1]), raw]))
      .digest();
    expect(blob.subarray(0, 4).equals(keyId.subarray(0, 4))).toBe(true);
    const body = lines.slice(0, 3).join('\n') + '\n';
    expect(verify(null, Buffer.from(body), createPublicKey(pem), blob.subarray(4))).toBe(true);
    const text = await fetch(`${server.url}/api/v1/audit/checkpoint`, {
      headers: { authorization: `Bearer ${server.adminToken}`, accept: 'text/plain' },
    }).then((r) => r.text());
    expect(text).toBe(res.body.note);
    // Asked again with no new entry: the same checkpoint, not a new one.
    expect((await server.api('GET', '/api/v1/audit/checkpoint')).body.note).toBe(res.body.note);
    // Nodes for the two complete 256-leaf blocks and their parent are stored.
    const nodes = await server.ctx.db.selectFrom('audit_merkle_nodes').select(['level', 'idx']).execute();
    expect(nodes.map((n) => `${n.level}:${Number(n.idx)}`).sort()).toEqual(['8:0', '8:1', '9:0']);
  });

  it('answers inclusion and consistency proofs equal to the independent implementation', async () => {
    const entries = await entriesAsJson();
    const cases = [
      [1, N],
      [BLOCK, N],
      [BLOCK + 1, N],
      [N, N],
      [300, 517],
      [7, 9],
    ] as const;
    const cons = [
      [1, N],
      [BLOCK, N],
      [100, N],
      [2 * BLOCK, N],
      [517, N],
      [3, 517],
    ] as const;
    const want = await python({
      entries,
      roots: [N, 517, 9, 3, 100, BLOCK, 2 * BLOCK, 1],
      inclusion: cases.map(([seq, size]) => [seq - 1, size]),
      consistency: cons.map(([m, n]) => [m, n]),
    });
    for (const [i, [seq, size]] of cases.entries()) {
      const res = await server.api('GET', `/api/v1/audit/entries/${seq}/proof?treeSize=${size}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        treeSize: size,
        leafIndex: seq - 1,
        leafHash: hashLeaf(canonical(entries[seq - 1]!)).toString('hex'),
        hashes: want.inclusion[i],
      });
      const root = rootFromInclusionProof(
        seq - 1,
        size,
        Buffer.from(res.body.leafHash, 'hex'),
        res.body.hashes.map((h: string) => Buffer.from(h, 'hex')),
      );
      expect(root?.toString('hex')).toBe(want.roots[size]);
    }
    for (const [i, [m, n]] of cons.entries()) {
      const res = await server.api('GET', `/api/v1/audit/consistency?from=${m}&to=${n}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ from: m, to: n, hashes: want.consistency[i] });
      const ok = verifyConsistency(
        m,
        n,
        Buffer.from(want.roots[m]!, 'hex'),
        Buffer.from(want.roots[n]!, 'hex'),
        res.body.hashes.map((h: string) => Buffer.from(h, 'hex')),
      );
      expect(ok).toBe(true);
    }
  });

  it('refuses sizes beyond the log, naming the field', async () => {
    const big = await server.api('GET', `/api/v1/audit/entries/1/proof?treeSize=${N + 5}`);
    expect(big.status).toBe(400);
    expect(big.body.error.field).toBe('treeSize');
    const outside = await server.api('GET', `/api/v1/audit/entries/20/proof?treeSize=10`);
    expect(outside.status).toBe(400);
    const backwards = await server.api('GET', '/api/v1/audit/consistency?from=20&to=10');
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.field).toBe('from');
    const viewer = await server.tokenFor('vic', ['viewer']);
    expect((await server.api('GET', '/api/v1/audit/consistency?from=1&to=2', { token: viewer })).status).toBe(
      403,
    );
  });
});

/** Canonical JSON as Python's json.dumps(sort_keys=True, separators=(',', ':'), ensure_ascii=False) writes it. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
}
