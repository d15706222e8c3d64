import { getRequestListener } from '@hono/node-server';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/config.js';
import { createApp } from '../http/app.js';
import type { AppContext } from '../http/context.js';
import { withFastReads } from '../http/fast-reads.js';
import { sweepStaleUploads } from '../registry/artifact-sweep.task.js';
import { startBackgroundTasks } from './background.js';
import { createServices } from './services.js';

/** How long requests in flight may take to finish when the server stops. */
const SHUTDOWN_GRACE_MS = 5_000;

export interface RunningServer {
  url: string;
  ctx: AppContext;
  close(): Promise<void>;
}

/**
 * Starts the API (and everything the app mounts) on the configured host and port (port 0 picks a free one)
 * and the background tasks, unless `background: false` (tests drive those by hand).
 */
export async function startServer(
  config: Config,
  options: { now?: () => Date; background?: boolean } = {},
): Promise<RunningServer> {
  const ctx = await createServices(config, options.now);
  const { app, routes, fastReads } = createApp(ctx);
  const listener = withFastReads(
    { routes, db: ctx.db, now: ctx.now },
    fastReads,
    getRequestListener(app.fetch, { hostname: config.host }),
  );
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const background = options.background === false ? undefined : startBackgroundTasks(ctx);
  if (background)
    sweepStaleUploads(ctx).catch((error: unknown) =>
      console.error('sweeping interrupted uploads failed:', error),
    );
  ctx.denials.start();
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    ctx,
    async close() {
      await background?.stop();
      // Stop accepting, drop idle keep-alive connections at once, and give requests in flight a
      // grace period before the remaining connections (a polling browser's, say) are cut.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(grace);
      await ctx.denials.close();
      await ctx.store.close();
    },
  };
}
