import type { AppContext } from '../http/context.js';
import { documentationPolicy, getActivePolicy } from '../policy/index.js';
import { enqueueEvent } from '../webhooks/index.js';
import { cardReview } from './model-card.build.js';
import { loadModelCardFacts } from './model-card.facts.js';

/** Stages whose cards must be kept current. */
const LIVE_STAGES = ['approved', 'production'];

/**
 * Raises a reminder for each live version whose card is older than its tier's review period: an
 * audit entry and a `model_card.review_due` webhook, once per version and due date (the reminder
 * row's key makes a second server's attempt a no-op). Returns how many were raised.
 */
export async function raiseCardReminders(ctx: AppContext): Promise<number> {
  const now = ctx.now();
  const policy = (await getActivePolicy(ctx.db)).document;
  const live = await ctx.db
    .selectFrom('model_versions')
    .innerJoin('models', 'models.id', 'model_versions.model_id')
    .select([
      'models.name as model',
      'models.risk_tier as tier',
      'model_versions.version',
      'model_versions.id as versionId',
    ])
    .where('model_versions.stage', 'in', LIVE_STAGES)
    .orderBy('model_versions.id')
    .execute();
  let raised = 0;
  for (const v of live) {
    const reviewDays = documentationPolicy(policy, Number(v.tier)).modelCard.reviewDays;
    if (reviewDays === null) continue;
    const review = cardReview(await loadModelCardFacts(ctx.db, v.model, v.version), reviewDays, now);
    if (!review.overdue || review.dueAt === null) continue;
    const dueAt = review.dueAt;
    raised += await ctx.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('model_card_reminders')
        .values({
          version_id: v.versionId,
          due_at: dueAt,
          model_name: v.model,
          version: v.version,
          raised_at: now.toISOString(),
        })
        .onConflict((oc) => oc.columns(['version_id', 'due_at']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return 0;
      const payload = {
        model: v.model,
        version: v.version,
        lastUpdatedAt: review.lastUpdatedAt,
        dueAt,
        reviewDays,
      };
      await ctx.audit.append(trx, {
        actor: 'warden',
        action: 'model_card.review_due',
        subject: `model:${v.model}@${v.version}`,
        change: payload,
      });
      await enqueueEvent(trx, ctx, {
        type: 'model_card.review_due',
        subject: `model:${v.model}@${v.version}`,
        payload,
      });
      return 1;
    });
  }
  return raised;
}

export const modelCardReminderTask = {
  name: 'model-card-reminders',
  intervalMs: 3_600_000,
  runOnce: async (ctx: AppContext) => {
    await raiseCardReminders(ctx);
  },
};
