import type { BackgroundTask } from '../core/background-task.js';
import type { AppContext } from '../http/context.js';
import { checkFeatureFreshness } from './feature-freshness.service.js';

/** Checks the catalog's freshness SLAs against the refresh heartbeats every minute. */
export const featureFreshnessTask: BackgroundTask<AppContext> = {
  name: 'features.freshness',
  intervalMs: 60_000,
  async runOnce(ctx) {
    await checkFeatureFreshness(ctx, ctx.now());
  },
};
