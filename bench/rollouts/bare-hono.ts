/**
 * The bare-Hono anchor of the routing benchmark, run as its own process like `warden serve`: it
 * answers the route path with a decision-shaped JSON body, with no authentication, validation or store.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const port = Number(process.argv[2]);
const app = new Hono();
app.get('/healthz', (c) => c.json({ ok: true }));
app.get('/api/v1/models/:name/route', (c) =>
  c.json({ version: '1.0.0', variant: 'champion', rolloutId: 'rol_bench', key: c.req.query('key') }),
);
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
process.once('SIGTERM', () => process.exit(0));
