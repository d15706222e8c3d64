import { newId } from '../core/ids.js';
import type { Executor } from '../db/database.js';
import type { AppContext, Principal } from '../http/context.js';
import { documentationPolicy, getActivePolicy } from '../policy/index.js';
import { checkPii, requireVersion } from '../registry/registry.service.js';
import { scanText } from '../pii/index.js';
import { buildModelCard, type ModelCard } from './model-card.build.js';
import { loadModelCardFacts } from './model-card.facts.js';
import {
  insertSectionRevision,
  sectionHistory,
  type HumanSection,
  type SectionRevision,
} from './model-card.repository.js';

/** Generates a version's model card from what Warden recorded, under the tier's template in force. */
export async function generateModelCard(
  db: Executor,
  modelName: string,
  version: string,
  now: Date,
): Promise<ModelCard> {
  const facts = await loadModelCardFacts(db, modelName, version);
  const policy = await getActivePolicy(db);
  return buildModelCard(facts, documentationPolicy(policy.document, facts.model.riskTier), now);
}

/**
 * Records a new revision of a human-written section (intended use, limitations, ethical
 * considerations), scanned for personal data first, with its audit entry in the same transaction.
 */
export async function writeCardSection(
  ctx: AppContext,
  actor: { principal: Principal; requestId: string },
  modelName: string,
  version: string,
  section: HumanSection,
  text: string,
): Promise<SectionRevision> {
  await checkPii(ctx, scanText(`modelCard.${section}`, text));
  return ctx.db.transaction().execute(async (trx) => {
    const v = await requireVersion(trx, modelName, version);
    const model = await trx
      .selectFrom('models')
      .select('id')
      .where('name', '=', modelName)
      .executeTakeFirstOrThrow();
    if (ctx.store.capabilities.rowLocks)
      await trx.selectFrom('model_versions').select('id').where('id', '=', v.id).forUpdate().execute();
    const previous = (await sectionHistory(trx, v.id)).filter((r) => r.section === section);
    const revision: SectionRevision = {
      section,
      revision: (previous.at(-1)?.revision ?? 0) + 1,
      text,
      writtenBy: actor.principal.name,
      writtenAt: ctx.now().toISOString(),
    };
    await insertSectionRevision(trx, { id: newId('mcs'), modelId: model.id, versionId: v.id, ...revision });
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'model_card.section_written',
      subject: `model:${modelName}@${version}`,
      requestId: actor.requestId,
      change: { section, revision: revision.revision, chars: text.length },
    });
    return revision;
  });
}

/** Every revision of the version's human-written sections, oldest first. */
export async function cardSectionHistory(
  db: Executor,
  modelName: string,
  version: string,
): Promise<SectionRevision[]> {
  const v = await requireVersion(db, modelName, version);
  return sectionHistory(db, v.id);
}
