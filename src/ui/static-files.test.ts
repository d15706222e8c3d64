import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { ensureDashboardBuilt } from '../../test/support/dashboard-browser.js';
import { createFileCache, dashboardDir } from './static-files.js';

describe('static files', () => {
  it('keeps a gzip copy of text files above 1 KiB only, and refuses paths leaving the folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-static-'));
    const big = 'console.log("warden");\n'.repeat(200);
    writeFileSync(join(dir, 'app.js'), big);
    writeFileSync(join(dir, 'tiny.css'), 'a{color:red}');
    writeFileSync(join(dir, 'logo.png'), Buffer.alloc(4096, 7));
    const files = createFileCache(dir);
    const js = files('app.js')!;
    expect(js.type).toBe('text/javascript; charset=utf-8');
    expect(gunzipSync(js.gzip!).toString('utf8')).toBe(big);
    expect(js.gzip!.length).toBeLessThan(big.length / 10);
    expect(files('tiny.css')!.gzip).toBeUndefined();
    expect(files('logo.png')!.gzip).toBeUndefined();
    expect(files('../etc/passwd')).toBeUndefined();
  });
});

describe('the dashboard’s scripts over HTTP', () => {
  let server: TestServer;
  let script: string;
  beforeAll(async () => {
    ensureDashboardBuilt();
    server = await startTestServer('sqlite');
    const index = await (await fetch(server.url + '/')).text();
    script = /src="(\/assets\/[^"]+\.js)"/.exec(index)![1]!;
  });
  afterAll(() => server.close());

  it('sends them gzipped to a browser that accepts gzip, and as they are otherwise', async () => {
    const onDisk = readFileSync(join(dashboardDir()!, script));
    const zipped = await fetch(server.url + script, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.headers.get('vary')).toBe('Accept-Encoding');
    // fetch decodes the body; what it read from the wire is the Content-Length.
    expect(Buffer.from(await zipped.arrayBuffer()).equals(onDisk)).toBe(true);
    expect(Number(zipped.headers.get('content-length'))).toBeLessThan(onDisk.length / 2);

    const plain = await fetch(server.url + script, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(Buffer.from(await plain.arrayBuffer()).equals(onDisk)).toBe(true);
  });
});
