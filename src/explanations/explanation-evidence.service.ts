import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import { invalidInput } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { lockVersionRow, scanJsonStrings } from '../registry/attachment.service.js';
import { checkPii, requireVersion, type Actor } from '../registry/registry.service.js';
import type { ExplanationSummary } from './explanation.rules.js';
import type { CounterfactualsBody, EvidenceKind, ExplanationReportBody } from './explanation.schema.js';

type Source = 'monitoring' | 'report';

/** One quality score the gate reads, with where it came from. */
export interface QualityScore {
  value: number;
  source: Source;
  at: string;
}

/**
 * What the validation gate's `explainability.evidence` check reads about a version: global
 * importance and the quality scores measured by monitoring (the newest window that has them),
 * else those of the newest uploaded explanation report; and the newest counterfactual examples.
 */
export interface ExplainabilityEvidence {
  globalImportance: {
    source: Source;
    at: string;
    features: { feature: string; meanAbs: number; share: number }[];
  } | null;
  quality: { sparsity: QualityScore | null; stability: QualityScore | null; fidelity: QualityScore | null };
  counterfactuals: { examples: number; sha256: string; at: string; by: string } | null;
}

export interface EvidenceUpload {
  id: string;
  kind: EvidenceKind;
  revision: number;
  sha256: string;
  createdAt: string;
  createdBy: string;
  document: Record<string, unknown>;
}

const QUALITY_RULES = {
  sparsity: 'explanation_sparsity',
  stability: 'explanation_stability',
  fidelity: 'explanation_fidelity',
} as const;

async function newestUpload(db: Executor, versionId: string, kind: EvidenceKind) {
  return db
    .selectFrom('explanation_evidence')
    .selectAll()
    .where('version_id', '=', versionId)
    .where('kind', '=', kind)
    .orderBy('revision', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The explanation evidence of a version, as the validation gate judges it. */
export async function loadExplainabilityEvidence(
  db: Executor,
  versionId: string,
): Promise<ExplainabilityEvidence> {
  const report = await newestUpload(db, versionId, 'report');
  const reportDoc = report ? (JSON.parse(report.document) as ExplanationReportBody) : null;

  let globalImportance: ExplainabilityEvidence['globalImportance'] = null;
  // The newest windows first; a window whose records carried no attributions lists no features.
  const windows = await db
    .selectFrom('monitoring_results')
    .select(['window_to', 'detail'])
    .where('version_id', '=', versionId)
    .where('rule', '=', 'explanations')
    .orderBy('evaluated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(20)
    .execute();
  for (const w of windows) {
    const summary = (JSON.parse(w.detail) as { explanations?: ExplanationSummary }).explanations;
    if (summary && summary.globalImportance.length > 0) {
      globalImportance = {
        source: 'monitoring',
        at: w.window_to,
        features: summary.globalImportance.map((f) => ({
          feature: f.feature,
          meanAbs: f.meanAbs,
          share: f.share,
        })),
      };
      break;
    }
  }
  if (!globalImportance && report && reportDoc) {
    const entries = Object.entries(reportDoc.globalImportance);
    const total = entries.reduce((t, [, v]) => t + v, 0);
    globalImportance = {
      source: 'report',
      at: report.created_at,
      features: entries
        .map(([feature, meanAbs]) => ({ feature, meanAbs, share: total > 0 ? meanAbs / total : 0 }))
        .sort((a, b) => b.meanAbs - a.meanAbs || (a.feature < b.feature ? -1 : 1)),
    };
  }

  const quality: ExplainabilityEvidence['quality'] = { sparsity: null, stability: null, fidelity: null };
  for (const [key, rule] of Object.entries(QUALITY_RULES) as [keyof typeof QUALITY_RULES, string][]) {
    // A score from fewer records or pairs than the policy's minimum is not a measurement.
    const row = await db
      .selectFrom('monitoring_results')
      .select(['value', 'window_to'])
      .where('version_id', '=', versionId)
      .where('rule', '=', rule)
      .where('status', '!=', 'insufficient_data')
      .where('value', 'is not', null)
      .orderBy('evaluated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row && row.value !== null)
      quality[key] = { value: Number(row.value), source: 'monitoring', at: row.window_to };
    else if (report && reportDoc?.quality[key] !== undefined)
      quality[key] = { value: reportDoc.quality[key], source: 'report', at: report.created_at };
  }

  const cf = await newestUpload(db, versionId, 'counterfactuals');
  const counterfactuals = cf
    ? {
        examples: (JSON.parse(cf.document) as CounterfactualsBody).examples.length,
        sha256: cf.sha256,
        at: cf.created_at,
        by: cf.created_by,
      }
    : null;
  return { globalImportance, quality, counterfactuals };
}

/** Refuses a feature the version's input schema lacks, naming the field. */
function checkFeatures(declared: Set<string>, names: string[], field: (name: string) => string): void {
  if (declared.size === 0) return;
  for (const name of names)
    if (!declared.has(name))
      throw invalidInput(`feature "${name}" is not in the version's input schema`, field(name));
}

/**
 * Stores an explanation report or counterfactual examples for a version (each upload kept, the
 * newest in force), audited. A feature the version's input schema lacks is refused by name;
 * personal data in the examples follows the PII mode.
 */
export async function uploadExplanationEvidence(
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  versionName: string,
  kind: EvidenceKind,
  body: ExplanationReportBody | CounterfactualsBody,
): Promise<EvidenceUpload> {
  const version = await requireVersion(ctx.db, modelName, versionName);
  const declared = new Set(version.inputSchema.map((f) => f.name));
  let summary: Record<string, unknown>;
  if (kind === 'report') {
    const report = body as ExplanationReportBody;
    checkFeatures(declared, Object.keys(report.globalImportance), (n) => `globalImportance.${n}`);
    summary = { features: Object.keys(report.globalImportance).length, quality: report.quality };
  } else {
    const cf = body as CounterfactualsBody;
    cf.examples.forEach((e, i) => {
      checkFeatures(declared, Object.keys(e.original), (n) => `examples[${i}].original.${n}`);
      checkFeatures(declared, Object.keys(e.counterfactual), (n) => `examples[${i}].counterfactual.${n}`);
    });
    await checkPii(ctx, scanJsonStrings('examples', cf.examples));
    summary = { examples: cf.examples.length };
  }
  const text = canonicalJson(body);
  const upload: EvidenceUpload = {
    id: newId('xev', ctx.now().getTime()),
    kind,
    revision: 0,
    sha256: createHash('sha256').update(text, 'utf8').digest('hex'),
    createdAt: ctx.now().toISOString(),
    createdBy: actor.principal.name,
    document: body,
  };
  await ctx.db.transaction().execute(async (trx) => {
    // Two uploads at once number their revisions one after the other.
    await lockVersionRow(ctx, trx, version.id);
    const last = await trx
      .selectFrom('explanation_evidence')
      .select((eb) => eb.fn.max('revision').as('max'))
      .where('version_id', '=', version.id)
      .where('kind', '=', kind)
      .executeTakeFirst();
    upload.revision = Number(last?.max ?? 0) + 1;
    await trx
      .insertInto('explanation_evidence')
      .values({
        id: upload.id,
        version_id: version.id,
        kind,
        revision: upload.revision,
        document: text,
        sha256: upload.sha256,
        created_at: upload.createdAt,
        created_by: upload.createdBy,
      })
      .execute();
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'explanations.evidence_uploaded',
      subject: `model:${modelName}@${versionName}`,
      requestId: actor.requestId,
      change: { id: upload.id, kind, revision: upload.revision, sha256: upload.sha256, ...summary },
    });
  });
  return upload;
}

/** A version's explanation evidence as the gate reads it, with its uploads (newest first, at most 50). */
export async function explanationEvidenceView(
  db: Executor,
  modelName: string,
  versionName: string,
): Promise<ExplainabilityEvidence & { uploads: EvidenceUpload[] }> {
  const version = await requireVersion(db, modelName, versionName);
  const rows = await db
    .selectFrom('explanation_evidence')
    .selectAll()
    .where('version_id', '=', version.id)
    .orderBy('created_at', 'desc')
    .orderBy('revision', 'desc')
    .limit(50)
    .execute();
  return {
    ...(await loadExplainabilityEvidence(db, version.id)),
    uploads: rows.map((r) => ({
      id: r.id,
      kind: r.kind as EvidenceKind,
      revision: Number(r.revision),
      sha256: r.sha256,
      createdAt: r.created_at,
      createdBy: r.created_by,
      document: JSON.parse(r.document) as Record<string, unknown>,
    })),
  };
}
