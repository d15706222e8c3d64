import type { Role } from '../../src/auth/roles.js';
import { newId } from '../../src/core/ids.js';
import { insertRun } from '../../src/validation/validation.repository.js';
import type { TestServer } from './server.js';

/**
 * Approves a change request with as many distinct principals per required role as it asks for
 * (named `<prefix>-<role>-<n>`), and returns the request as the last approval left it.
 */
export async function approveAll(
  server: TestServer,
  request: { id: string; required: Array<{ role: string; count: number }> },
  prefix = 'approver',
): Promise<{ status: number; body: Record<string, unknown> }> {
  let last: { status: number; body: Record<string, unknown> } = { status: 0, body: {} };
  for (const r of request.required)
    for (let i = 1; i <= r.count; i++) {
      const token = await server.tokenFor(`${prefix}-${r.role}-${i}`, [r.role as Role]);
      last = await server.api('POST', `/api/v1/change-requests/${request.id}/decisions`, {
        token,
        body: { decision: 'approve', role: r.role },
      });
      if (last.status !== 200) throw new Error(`approval refused: ${JSON.stringify(last.body)}`);
    }
  return last;
}

/**
 * Puts a version into production through the real workflow: a staging request and a production
 * request (with a passed full validation run stored as the suite stores one), each approved by
 * {@link approveAll}. Only a model without a champion executes at once; returns the production request.
 */
export async function promoteToProduction(
  server: TestServer,
  model: string,
  version: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const path = `/api/v1/models/${model}/versions/${version}/transitions`;
  const staged = await server.api('POST', path, { body: { to: 'staging', reason: 'review' } });
  if (staged.status !== 201) throw new Error(`staging refused: ${JSON.stringify(staged.body)}`);
  if (staged.body.status !== 'executed') await approveAll(server, staged.body, 'stager');
  const v = await server.ctx.db
    .selectFrom('model_versions')
    .innerJoin('models', 'models.id', 'model_versions.model_id')
    .select(['model_versions.id as vid', 'models.id as mid'])
    .where('models.name', '=', model)
    .where('model_versions.version', '=', version)
    .executeTakeFirstOrThrow();
  const run = newId('val');
  await insertRun(server.ctx.db, {
    id: run,
    model_id: v.mid,
    model_name: model,
    version_id: v.vid,
    version,
    passed: 1,
    level: 'full',
    policy_version: 0,
    checks: JSON.stringify([{ name: 'performance.thresholds', status: 'pass', value: 0.93, threshold: 0.9 }]),
    summary: JSON.stringify({ rows: 1000 }),
    created_at: server.ctx.now().toISOString(),
    created_by: 'valerie',
  });
  const cr = await server.api('POST', path, {
    body: { to: 'production', reason: 'release', evidence: [run] },
  });
  if (cr.status !== 201) throw new Error(`production refused: ${JSON.stringify(cr.body)}`);
  return cr.body.status === 'executed' ? cr : approveAll(server, cr.body, 'promoter');
}

/** A catalog feature that {@link completeModelCard} links, so the card's features section has content. */
export const CARD_FEATURE = 'card_feature_amount';

/** Registers {@link CARD_FEATURE} in the catalog (once per store). */
export async function registerCardFeature(server: TestServer): Promise<void> {
  const res = await server.api('POST', '/api/v1/features', {
    body: { name: CARD_FEATURE, owner: 'feature-team', type: 'numeric', version: '1.0.0' },
  });
  if (res.status !== 201 && res.status !== 409)
    throw new Error(`feature refused: ${JSON.stringify(res.body)}`);
}

/**
 * Writes the human sections of a version's model card (intended use, limitations, ethical
 * considerations), so that with lineage, metrics and a linked catalog feature (create the version
 * with `features: [CARD_FEATURE]`) the card the default policy's `model-card.complete` gate judges
 * has every required section.
 */
export async function writeCardSections(server: TestServer, model: string, version: string): Promise<void> {
  for (const section of ['intendedUse', 'limitations', 'ethicalConsiderations']) {
    const res = await server.api(
      'PUT',
      `/api/v1/models/${model}/versions/${version}/model-card/sections/${section}`,
      { body: { text: `${section} of ${model} ${version}, written by its owner.` } },
    );
    if (res.status !== 200) throw new Error(`card section refused: ${JSON.stringify(res.body)}`);
  }
}
