import type { Context } from 'hono';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { RouteTable } from '../http/route-table.js';
import type { WardenEnv } from '../http/context.js';
import { createFileCache, dashboardDir, swaggerUiDir, type StaticFile } from './static-files.js';

/**
 * The dashboard's deep links: each answers the single-page app, which routes in the browser.
 * Hono patterns; `*` covers every page below a prefix.
 */
export const DASHBOARD_PAGES = [
  '/',
  '/sign-in',
  '/models/*',
  '/approvals',
  '/change-requests/*',
  '/monitoring',
  '/alerts',
  '/alerts/*',
  '/incidents/*',
  '/predictions',
  '/predictions/*',
  '/rollouts',
  '/rollouts/*',
  '/audit',
  '/policy',
  '/reports',
] as const;

/** Nothing but this origin: no CDN, no other host, no framing. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const SWAGGER_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js'];

/** The API documentation page: swagger-ui-dist served from this server, reading /api/v1/openapi.json. */
const DOCS_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Warden API</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><main id="swagger-ui"></main><script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/docs-init.js"></script></body></html>`;

const DOCS_INIT = `window.ui = SwaggerUIBundle({
  url: '/api/v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout', tryItOutEnabled: false,
});`;

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Warden</title></head>
<body><main><h1>Warden</h1><p>The dashboard has not been built: run <code>npm run build</code>.
The API is at <a href="/docs">/docs</a>.</p></main></body></html>`;

function send(c: Context<WardenEnv>, file: StaticFile, cache: string): Response {
  c.header('Content-Type', file.type);
  c.header('Cache-Control', cache);
  c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  if (file.gzip) {
    c.header('Vary', 'Accept-Encoding');
    if (/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
      c.header('Content-Encoding', 'gzip');
      return c.body(file.gzip as Uint8Array<ArrayBuffer>, 200);
    }
  }
  return c.body(file.body as Uint8Array<ArrayBuffer>, 200);
}

/**
 * Serves the dashboard (built by Vite into dist/web) and the API documentation from the same origin
 * as the API. Every page is public: the data behind it comes from /api/v1, which checks access.
 */
export function registerUiRoutes(app: OpenAPIHono<WardenEnv>, routes: RouteTable): void {
  const dir = dashboardDir();
  const dashboard = dir ? createFileCache(dir) : undefined;
  const swagger = createFileCache(swaggerUiDir());
  const html = (body: string): StaticFile => ({ body: Buffer.from(body), type: 'text/html; charset=utf-8' });

  const index = (c: Context<WardenEnv>) => {
    const file = dashboard?.('index.html') ?? html(NOT_BUILT);
    return send(c, file, 'no-cache');
  };
  for (const page of DASHBOARD_PAGES) {
    app.get(page, index);
    routes.addPlain('GET', page, 'public');
  }
  app.get('/assets/*', (c) => {
    const file = dashboard?.(c.req.path.slice(1));
    if (!file) return c.notFound();
    // File names carry a content hash: a new build gets new names.
    return send(c, file, 'public, max-age=31536000, immutable');
  });
  routes.addPlain('GET', '/assets/*', 'public');

  app.get('/docs', (c) => send(c, html(DOCS_PAGE), 'no-cache'));
  routes.addPlain('GET', '/docs', 'public');
  app.get('/docs/:file', (c) => {
    const name = c.req.param('file');
    if (name === 'docs-init.js')
      return send(c, { body: Buffer.from(DOCS_INIT), type: 'text/javascript; charset=utf-8' }, 'no-cache');
    const file = SWAGGER_FILES.includes(name) ? swagger(name) : undefined;
    if (!file) return c.notFound();
    return send(c, file, 'public, max-age=3600');
  });
  routes.addPlain('GET', '/docs/:file', 'public');
}
