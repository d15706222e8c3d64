import type { BackgroundTask } from '../core/background-task.js';
import type { AppContext } from '../http/context.js';

const lastSigned = new WeakMap<AppContext, number>();

/**
 * Signs (and witnesses) a new tree head when the log has grown and the last one is older than
 * WARDEN_AUDIT_TREE_HEAD_SECONDS, so a checkpoint covering recent entries always exists outside
 * the database soon after they are written.
 */
export const auditTreeHeadTask: BackgroundTask<AppContext> = {
  name: 'audit-tree-head',
  intervalMs: 5_000,
  async runOnce(ctx: AppContext): Promise<void> {
    const now = ctx.now().getTime();
    const last = lastSigned.get(ctx);
    if (last !== undefined && now - last < ctx.config.auditTreeHeadSeconds * 1000) return;
    lastSigned.set(ctx, now);
    await ctx.audit.treeHead();
  },
};
