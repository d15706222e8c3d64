import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWitness, readWitnessDir } from './audit-witness.js';

/** A checkpoint-shaped note of tree size 3 (the witness stores notes; it does not check signatures). */
const note = (fill: number) =>
  `warden/audit\n3\n${Buffer.alloc(32, fill).toString('base64')}\n\n\u2014 warden/audit c2lnbmF0dXJl\n`;
const NOTE_3 = note(1);
const NOTE_3_OTHER = note(2);

describe('audit witnesses: a folder and a webhook', () => {
  let server: http.Server;
  let url: string;
  let status = 200;
  const received: Array<{ method: string; type: string | undefined; body: string }> = [];
  let dir: string;
  beforeEach(async () => {
    received.length = 0;
    status = 200;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-witness-unit-'));
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          method: req.method ?? '',
          type: req.headers['content-type'],
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/witness`;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('posts each checkpoint to the webhook as text and keeps it in the folder, once per size', async () => {
    const logged: string[] = [];
    const witness = createWitness({ dir, url, log: (m) => logged.push(m) });
    await witness.publish(NOTE_3, 3);
    expect(received).toEqual([{ method: 'POST', type: 'text/plain; charset=utf-8', body: NOTE_3 }]);
    expect(readWitnessDir(dir).map((c) => [c.size, c.text])).toEqual([[3, NOTE_3]]);
    expect(logged).toEqual([]);

    // The same size with another root (a rewritten log) is refused by the folder and reported.
    await witness.publish(NOTE_3_OTHER, 3);
    expect(readWitnessDir(dir).map((c) => c.text)).toEqual([NOTE_3]);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('already holds a different checkpoint for tree size 3');
  });

  it('reports a webhook that refuses or cannot be reached, without throwing', async () => {
    const logged: string[] = [];
    status = 503;
    await createWitness({ url, log: (m) => logged.push(m) }).publish(NOTE_3, 3);
    expect(logged).toEqual([`audit witness ${url} answered 503`]);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await createWitness({ url, log: (m) => logged.push(m) }).publish(NOTE_3, 3);
    expect(logged).toHaveLength(2);
    expect(logged[1]).toContain(`audit witness ${url}:`);
    server = http.createServer(); // closed again by afterEach
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
});
