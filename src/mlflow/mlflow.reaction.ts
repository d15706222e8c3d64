import type { AppContext } from '../http/context.js';
import { getActivePolicy, protectedAliases } from '../policy/index.js';
import type { ChangeRequestReaction } from '../workflow/index.js';

/**
 * Moves MLflow aliases when a change request executes: an alias waiting for the request moves to
 * its version, and every other protected alias of the model follows a promotion to production
 * (protected aliases name the production version). Runs in the executing transaction.
 */
export const mlflowAliasReaction: ChangeRequestReaction<AppContext> = {
  name: 'mlflow-aliases',
  async onExecuted(trx, ctx, request) {
    const now = ctx.now().toISOString();
    const waiting = await trx
      .selectFrom('mlflow_aliases')
      .selectAll()
      .where('change_request_id', '=', request.id)
      .execute();
    const moves = waiting
      .filter((a) => a.pending_version_id !== null)
      .map((a) => ({ modelId: a.model_id, alias: a.alias, to: a.pending_version_id!, from: a.version_id }));
    if (
      request.kind === 'transition' &&
      request.to === 'production' &&
      request.versionId &&
      request.modelId
    ) {
      const governed = protectedAliases((await getActivePolicy(trx)).document).map((a) => a.toLowerCase());
      const others = await trx
        .selectFrom('mlflow_aliases')
        .selectAll()
        .where('model_id', '=', request.modelId)
        .where('pending_version_id', 'is', null)
        .execute();
      for (const a of others)
        if (governed.includes(a.alias.toLowerCase()) && a.version_id !== request.versionId)
          moves.push({ modelId: a.model_id, alias: a.alias, to: request.versionId, from: a.version_id });
    }
    for (const move of moves) {
      await trx
        .updateTable('mlflow_aliases')
        .set({ version_id: move.to, pending_version_id: null, updated_at: now })
        .where('model_id', '=', move.modelId)
        .where('alias', '=', move.alias)
        .execute();
      await ctx.audit.append(trx, {
        actor: request.actor,
        action: 'mlflow.alias_set',
        subject: `model:${request.modelName ?? move.modelId}`,
        requestId: request.requestId,
        change: {
          alias: move.alias,
          fromVersionId: move.from,
          toVersionId: move.to,
          changeRequestId: request.id,
        },
      });
    }
  },
};
