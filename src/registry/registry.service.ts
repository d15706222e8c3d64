import { canonicalJson } from '../core/canonical-json.js';
import { conflict, invalidInput, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { isUniqueViolation } from '../db/db-errors.js';
import type { Executor } from '../db/database.js';
import type { AppContext, Principal } from '../http/context.js';
import { scanFields, type PiiFinding } from '../pii/index.js';
import { getActivePolicy } from '../policy/index.js';
import { findModelByName, insertModel, replaceTags, toModel, updateModel } from './model.repository.js';
import type { CreateModelInput, Model, PatchModelInput } from './model.schema.js';
import {
  findModelVersionStrings,
  findVersion,
  insertVersion,
  toModelVersion,
  updateVersion,
} from './version.repository.js';
import {
  declaredBump,
  previousVersion,
  requiredBump,
  type BumpLevel,
  type BumpSubject,
  type RequiredBump,
} from './version-bump.js';
import type { CreateVersionInput, ModelVersion } from './version.schema.js';
import { requireOutboundUrl } from '../core/outbound-url.js';

type ModelText = Pick<
  PatchModelInput,
  'displayName' | 'description' | 'useCase' | 'intendedUse' | 'consumers'
>;

/** Personal-data findings in a model's free text, with each finding naming its field. */
function scanModelText(model: ModelText): PiiFinding[] {
  return scanFields({
    displayName: model.displayName,
    description: model.description,
    useCase: model.useCase,
    intendedUse: model.intendedUse,
    ...Object.fromEntries((model.consumers ?? []).map((c, i) => [`consumers.${i}.contact`, c.contact])),
  });
}

/** Who is acting, for the audit entry. */
export interface Actor {
  principal: Principal;
  requestId: string;
}

/**
 * Findings are stored on the object; when the active policy's `piiMode` (or the server's
 * WARDEN_PII_MODE) is `reject`, they refuse the write instead. Inside a transaction, pass it as
 * `executor` (the embedded store has one connection).
 */
export async function checkPii(
  ctx: AppContext,
  findings: PiiFinding[],
  executor: Executor = ctx.db,
): Promise<PiiFinding[]> {
  if (findings.length === 0) return findings;
  const reject =
    ctx.config.piiMode === 'reject' || (await getActivePolicy(executor)).document.piiMode === 'reject';
  if (reject) {
    const first = findings[0]!;
    throw invalidInput(
      `personal data (${first.kind}) found in ${first.field}; remove it or ask an admin to relax the PII policy`,
      first.field,
      { findings },
    );
  }
  return findings;
}

export async function requireModel(db: Executor, name: string): Promise<Model> {
  const model = await findModelByName(db, name);
  if (!model) throw notFound(`model "${name}" does not exist`);
  return model;
}

export async function requireVersion(
  db: Executor,
  modelName: string,
  version: string,
): Promise<ModelVersion> {
  const found = await findVersion(db, modelName, version);
  if (!found) {
    await requireModel(db, modelName);
    throw notFound(`model "${modelName}" has no version "${version}"`);
  }
  return found;
}

/** Refuses consumer notice URLs the outbound rules forbid (internal addresses, other schemes). */
function requireConsumerUrls(ctx: AppContext, consumers: CreateModelInput['consumers']): void {
  (consumers ?? []).forEach((c, i) => {
    if (c.webhookUrl) requireOutboundUrl(c.webhookUrl, ctx.config.webhookAllow, `consumers.${i}.webhookUrl`);
  });
}

export async function createModel(ctx: AppContext, actor: Actor, input: CreateModelInput): Promise<Model> {
  requireConsumerUrls(ctx, input.consumers);
  const findings = await checkPii(ctx, scanModelText(input));
  try {
    return await ctx.db.transaction().execute((trx) => insertNewModel(trx, ctx, actor, input, findings));
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`model "${input.name}" already exists`, 'name');
    throw error;
  }
}

/**
 * Registers a checked model inside the caller's transaction, with its audit entry; refuses a
 * name already taken (409).
 */
export async function insertNewModel(
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  input: CreateModelInput,
  findings: PiiFinding[],
): Promise<Model> {
  const now = ctx.now().toISOString();
  const id = newId('mdl');
  if (await findModelByName(trx, input.name)) throw conflict(`model "${input.name}" already exists`, 'name');
  const row = {
    id,
    name: input.name,
    display_name: input.displayName ?? null,
    description: input.description ?? null,
    owner: input.owner,
    team: input.team ?? null,
    risk_tier: input.riskTier,
    use_case: input.useCase ?? null,
    intended_use: input.intendedUse ?? null,
    consumers: JSON.stringify(input.consumers ?? []),
    pii_findings: JSON.stringify(findings),
    champion_version_id: null,
    previous_champion_version_id: null,
    legal_hold_reason: null,
    legal_hold_at: null,
    legal_hold_by: null,
    created_at: now,
    created_by: actor.principal.name,
    updated_at: now,
  };
  await insertModel(trx, row, input.tags ?? {});
  // The audit entry comes last: appending locks the chain's head until commit, so the less work
  // after it, the sooner other writers proceed.
  await ctx.audit.append(trx, {
    actor: actor.principal.name,
    action: 'model.created',
    subject: `model:${input.name}`,
    requestId: actor.requestId,
    change: { ...input, piiFindings: findings },
  });
  return toModel({
    ...row,
    champion_version: null,
    previous_champion_version: null,
    tag_rows: Object.entries(input.tags ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => ({ key, value })),
  });
}

/** Checks a model patch before anything is stored (consumer URLs, personal data); returns the findings. */
export async function checkModelPatch(ctx: AppContext, input: PatchModelInput): Promise<PiiFinding[]> {
  requireConsumerUrls(ctx, input.consumers);
  return checkPii(ctx, scanModelText(input));
}

/**
 * Applies a checked patch to a model inside the caller's transaction, with its audit entry
 * (`changeRequestId` when a governed change carries it out).
 */
export async function applyModelPatch(
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  name: string,
  input: PatchModelInput,
  findings: PiiFinding[],
  changeRequestId?: string,
): Promise<Model> {
  const before = await requireModel(trx, name);
  const changes: Parameters<typeof updateModel>[2] = { updated_at: ctx.now().toISOString() };
  if (input.displayName !== undefined) changes.display_name = input.displayName;
  if (input.description !== undefined) changes.description = input.description;
  if (input.owner !== undefined) changes.owner = input.owner;
  if (input.team !== undefined) changes.team = input.team;
  if (input.riskTier !== undefined) changes.risk_tier = input.riskTier;
  if (input.useCase !== undefined) changes.use_case = input.useCase;
  if (input.intendedUse !== undefined) changes.intended_use = input.intendedUse;
  if (input.consumers !== undefined) changes.consumers = JSON.stringify(input.consumers);
  // Findings describe the free text as it now stands: rescan the merged object.
  const merged = { ...before, ...input };
  const allFindings = scanModelText(merged);
  changes.pii_findings = JSON.stringify(allFindings);
  await updateModel(trx, before.id, changes);
  if (input.tags !== undefined) await replaceTags(trx, before.id, input.tags);
  const after = (await findModelByName(trx, name))!;
  await ctx.audit.append(trx, {
    actor: actor.principal.name,
    action: 'model.updated',
    subject: `model:${name}`,
    requestId: actor.requestId,
    change: {
      patch: input,
      piiFindings: findings,
      ...(changeRequestId ? { changeRequestId } : {}),
    },
  });
  return after;
}

export async function createVersion(
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  input: CreateVersionInput,
): Promise<ModelVersion> {
  const findings = await checkPii(ctx, scanFields({ description: input.description }));
  try {
    return await ctx.db
      .transaction()
      .execute((trx) => insertNewVersion(trx, ctx, actor, modelName, input, findings));
  } catch (error) {
    if (isUniqueViolation(error))
      throw conflict(`model "${modelName}" already has version ${input.version}`, 'version');
    throw error;
  }
}

/**
 * Registers a checked version (stage development) inside the caller's transaction, with its bump
 * over the previous version and its audit entry; refuses a version already taken (409).
 */
export async function insertNewVersion(
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  input: CreateVersionInput,
  findings: PiiFinding[],
): Promise<ModelVersion> {
  const now = ctx.now().toISOString();
  const id = newId('ver');
  const model = await findModelVersionStrings(trx, modelName);
  if (!model) throw notFound(`model "${modelName}" does not exist`);
  const bump = await bumpOverPrevious(trx, model.versions, modelName, input);
  const row = {
    id,
    model_id: model.modelId,
    version: input.version,
    framework: input.framework ?? null,
    description: input.description ?? null,
    lineage: canonicalJson(input.lineage),
    metrics: canonicalJson(input.metrics ?? {}),
    segment_metrics: canonicalJson(input.segmentMetrics ?? {}),
    input_schema: JSON.stringify(input.inputSchema ?? []),
    output_schema: input.outputSchema ? JSON.stringify(input.outputSchema) : null,
    tags: canonicalJson(input.tags ?? {}),
    stage: 'development',
    artifact_sha256: null,
    artifact_size: null,
    pii_findings: JSON.stringify(findings),
    bump_base: bump?.previous ?? null,
    declared_bump: bump?.declared ?? null,
    required_bump: bump?.required.level ?? null,
    bump_reasons: JSON.stringify(bump?.required.reasons ?? []),
    integrity_checked_at: null,
    integrity_failed_at: null,
    created_at: now,
    created_by: actor.principal.name,
    updated_at: now,
  };
  await insertVersion(trx, { ...row, sbom: null, model_card: null });
  const featureNames = [...new Set(input.features ?? [])];
  if (featureNames.length > 0) {
    const known = await trx
      .selectFrom('features')
      .select(['id', 'name'])
      .where('name', 'in', featureNames)
      .execute();
    const missing = featureNames.filter((n) => !known.some((k) => k.name === n));
    if (missing.length > 0) {
      throw invalidInput(`unknown feature(s) in the catalog: ${missing.join(', ')}`, 'features');
    }
    await trx
      .insertInto('version_features')
      .values(known.map((k) => ({ version_id: id, feature_id: k.id })))
      .execute();
  }
  for (const reaction of ctx.versionReactions)
    await reaction.onCreated(trx, ctx, {
      id,
      modelId: model.modelId,
      modelName,
      version: input.version,
      description: input.description ?? null,
      trainingRunId: input.lineage.trainingRunId ?? null,
      createdAt: now,
      actor: actor.principal.name,
      requestId: actor.requestId,
    });
  // The audit entry comes last: appending locks the chain's head until commit.
  await ctx.audit.append(trx, {
    actor: actor.principal.name,
    action: 'version.created',
    subject: `model:${modelName}@${input.version}`,
    requestId: actor.requestId,
    change: {
      ...input,
      stage: 'development',
      piiFindings: findings,
      previousVersion: bump?.previous ?? null,
      declaredBump: bump?.declared ?? null,
      requiredBump: bump?.required.level ?? null,
      bumpReasons: bump?.required.reasons ?? [],
    },
  });
  // The view of what was just written, without reading it back.
  return toModelVersion({
    ...row,
    model_name: modelName,
    has_sbom: false,
    has_model_card: false,
    feature_names: [...featureNames].sort().map((name) => ({ name })),
    signature_rows: [],
  });
}

/**
 * The bump a new version declares (its version string) and the one its changes require, both
 * over the model's previous version (the highest one below it); undefined for a first version.
 * Refuses a version the model already has (409).
 */
async function bumpOverPrevious(
  trx: Executor,
  existing: string[],
  modelName: string,
  input: CreateVersionInput,
): Promise<{ previous: string; declared: BumpLevel; required: RequiredBump } | undefined> {
  if (existing.includes(input.version))
    throw conflict(`model "${modelName}" already has version ${input.version}`, 'version');
  const previous = previousVersion(existing, input.version);
  if (previous === null) return undefined;
  const before = (await findVersion(trx, modelName, previous))!;
  const next: BumpSubject = {
    version: input.version,
    framework: input.framework ?? null,
    inputSchema: input.inputSchema ?? [],
    outputSchema: input.outputSchema ?? null,
    features: [...new Set(input.features ?? [])],
    lineage: input.lineage,
  };
  return {
    previous,
    declared: declaredBump(previous, input.version),
    required: requiredBump(before, next),
  };
}

/** Tags are the one part of a version a caller may change directly; everything else is immutable. */
export async function setVersionTags(
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  version: string,
  tags: Record<string, string>,
): Promise<ModelVersion> {
  return ctx.db.transaction().execute(async (trx) => {
    const before = await requireVersion(trx, modelName, version);
    await updateVersion(trx, before.id, { tags: canonicalJson(tags), updated_at: ctx.now().toISOString() });
    const after = (await findVersion(trx, modelName, version))!;
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'version.tags_set',
      subject: `model:${modelName}@${version}`,
      requestId: actor.requestId,
      change: { before: before.tags, after: tags },
    });
    return after;
  });
}
