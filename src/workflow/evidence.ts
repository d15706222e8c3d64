import { invalidInput } from '../core/errors.js';
import type { Executor } from '../db/database.js';
import type { ValidationLevel } from '../policy/index.js';
import { effectiveValidationStatus, findValidationRun } from '../validation/index.js';
import type { MissingEvidence } from './change-request.schema.js';

const LEVEL_RANK: Record<string, number> = { smoke: 1, regression: 2, full: 3 };

/** True when a run of level `offered` is at least as thorough as `required`. */
export function levelCovers(offered: string, required: string): boolean {
  return (LEVEL_RANK[offered] ?? 0) >= (LEVEL_RANK[required] ?? Number.POSITIVE_INFINITY);
}

/** Refuses evidence that does not exist or belongs to another version (nothing is stored then). */
export async function checkEvidenceBelongs(
  db: Executor,
  runIds: readonly string[],
  versionId: string,
  label: string,
  fieldOf: (index: number) => string = (i) => `evidence.${i}`,
) {
  for (const [i, id] of runIds.entries()) {
    const run = await findValidationRun(db, id);
    if (!run) throw invalidInput(`evidence ${id}: no such validation run`, fieldOf(i));
    if (run.versionId !== versionId)
      throw invalidInput(
        `evidence ${id} validated ${run.modelName}@${run.version}, not ${label}; offer a run of this version`,
        fieldOf(i),
      );
  }
}

/**
 * What evidence is still missing: none when no level is required or when one offered run of at
 * least the required level passes with waivers applied (so a waived check counts as passed).
 * Re-evaluated at execution time, since a waiver may have lapsed or been approved in between.
 */
export async function missingEvidence(
  db: Executor,
  required: ValidationLevel | null,
  runIds: readonly string[],
  now: Date,
): Promise<MissingEvidence[]> {
  if (required === null) return [];
  const offered: MissingEvidence['offered'] = [];
  for (const id of runIds) {
    const run = await findValidationRun(db, id);
    if (!run) continue;
    const status = await effectiveValidationStatus(db, id, now);
    if (status.passed && levelCovers(run.level, required)) return [];
    offered.push({
      id,
      level: run.level,
      passed: status.passed,
      failedChecks: status.checks.filter((c) => c.status === 'fail').map((c) => c.name),
    });
  }
  const reasons = offered.map((o) =>
    !o.passed
      ? `${o.id} failed (${o.failedChecks.join(', ') || 'checks failed'})`
      : `${o.id} is only ${o.level}`,
  );
  return [
    {
      kind: 'validation',
      level: required,
      message: `a passing ${required} validation run of this version is required${
        reasons.length > 0 ? `; offered: ${reasons.join('; ')}` : '; none offered'
      }`,
      offered,
    },
  ];
}

/**
 * Who authored what a request on a version relies on, for separation of duties: the principal
 * who created the version, each who uploaded its artifact (the audit trail records the upload),
 * and each who filed one of the validation runs offered as evidence. Principal → what they did.
 */
export async function findVersionAuthors(
  db: Executor,
  versionId: string,
  evidence: readonly string[],
): Promise<Map<string, string>> {
  const authors = new Map<string, string>();
  const version = await db
    .selectFrom('model_versions')
    .innerJoin('models', 'models.id', 'model_versions.model_id')
    .select(['model_versions.created_by', 'model_versions.version', 'models.name'])
    .where('model_versions.id', '=', versionId)
    .executeTakeFirst();
  if (!version) return authors;
  const label = `${version.name}@${version.version}`;
  authors.set(version.created_by, `created ${label}`);
  const uploads = await db
    .selectFrom('audit_log')
    .select('actor')
    .where('action', '=', 'artifact.uploaded')
    .where('subject', '=', `model:${label}`)
    .execute();
  for (const u of uploads)
    if (!authors.has(u.actor)) authors.set(u.actor, `uploaded the artifact of ${label}`);
  for (const id of evidence) {
    const run = await findValidationRun(db, id);
    if (run && !authors.has(run.createdBy))
      authors.set(run.createdBy, `filed validation run ${id}, evidence this request relies on for ${label}`);
  }
  return authors;
}
