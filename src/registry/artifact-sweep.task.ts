import type { BackgroundTask } from '../core/background-task.js';
import type { AppContext } from '../http/context.js';
import { UPLOAD_SWEEP_AGE_MS } from './artifact-store.js';

/** Removes temporary files of uploads that stopped more than an hour ago; also run at start. */
export async function sweepStaleUploads(ctx: AppContext): Promise<number> {
  return ctx.artifacts.sweepUploads(new Date(ctx.now().getTime() - UPLOAD_SWEEP_AGE_MS));
}

/** Hourly sweep of interrupted uploads (each server sweeps its own artifact folder). */
export const artifactUploadSweepTask: BackgroundTask<AppContext> = {
  name: 'artifact-upload-sweep',
  intervalMs: UPLOAD_SWEEP_AGE_MS,
  async runOnce(ctx) {
    await sweepStaleUploads(ctx);
  },
};
