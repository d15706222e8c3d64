/**
 * The bare-Hono anchor of the registry benchmark, run as its own process like `warden serve`: it
 * answers every GET version path with the same JSON body (read from the file named by argv[3]),
 * with no authentication, validation or store.
 */
import fs from 'node:fs';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const port = Number(process.argv[2]);
const body = fs.readFileSync(process.argv[3]!, 'utf8');
const app = new Hono();
app.get('/healthz', (c) => c.json({ ok: true }));
app.get('/api/v1/models/:name/versions/:version', (c) => {
  c.header('content-type', 'application/json');
  return c.body(body);
});
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
process.once('SIGTERM', () => process.exit(0));
