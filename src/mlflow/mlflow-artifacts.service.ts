import type { Readable } from 'node:stream';
import type { Executor } from '../db/database.js';
import { WardenError } from '../core/errors.js';
import type { AppContext } from '../http/context.js';
import type { Actor } from '../registry/registry.service.js';
import { alreadyExists, doesNotExist, invalidParameter } from './mlflow.errors.js';

/** Where MLflow clients send `mlflow-artifacts:` reads and writes. */
export const ARTIFACTS_PREFIX = '/api/2.0/mlflow-artifacts/artifacts';

/** True for paths of the artifact proxy (their bodies are files, not JSON). */
export function isMlflowArtifactPath(path: string): boolean {
  return path === ARTIFACTS_PREFIX || path.startsWith(`${ARTIFACTS_PREFIX}/`);
}

/**
 * An artifact path as stored: segments joined by `/`, none empty, `.` or `..`, no backslash or
 * control character, at most 1024 characters. The path only names a row; the bytes live under
 * their SHA-256, so no request text ever reaches the file system.
 */
export function normaliseArtifactPath(raw: string, allowEmpty = false): string {
  let path = raw;
  for (let round = 0; round < 5; round++) {
    let next: string;
    try {
      next = decodeURIComponent(path);
    } catch {
      break;
    }
    if (next === path) break;
    path = next;
  }
  path = path.replace(/^\/+|\/+$/g, '');
  if (path === '' && allowEmpty) return '';
  if (path === '' || path.length > 1024) throw invalidParameter(`Invalid artifact path "${raw}"`);
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\\\u0000-\u001f\u007f]/.test(path))
    throw invalidParameter(`Invalid artifact path "${raw}": backslashes and control characters are refused`);
  if (path.split('/').some((s) => s === '' || s === '.' || s === '..'))
    throw invalidParameter(`Invalid artifact path "${raw}": empty, "." and ".." segments are refused`);
  return path;
}

async function findArtifact(db: Executor, path: string) {
  return db.selectFrom('mlflow_artifacts').selectAll().where('path', '=', path).executeTakeFirst();
}

/**
 * Stores an uploaded file in the content-addressed store and maps its path to the digest. A path
 * keeps its bytes: writing it again with the same bytes is accepted (a retried upload), with
 * other bytes refused, so a registered `mlflow-artifacts:` source cannot change under a version.
 */
export async function uploadMlflowArtifact(
  ctx: AppContext,
  actor: Actor,
  rawPath: string,
  body: Readable,
  declaredLength: number | undefined,
): Promise<void> {
  const path = normaliseArtifactPath(rawPath);
  const max = ctx.config.maxUploadBytes;
  if (declaredLength !== undefined && declaredLength > max)
    throw new WardenError('payload_too_large', `upload exceeds the limit of ${max} bytes`);
  const stored = await ctx.artifacts.put(body, max);
  await ctx.db.transaction().execute(async (trx) => {
    const existing = await findArtifact(trx, path);
    if (existing) {
      if (existing.sha256 === stored.sha256) return;
      throw alreadyExists(
        `Artifact ${path} already exists with other content (sha256 ${existing.sha256}); artifacts are never overwritten`,
      );
    }
    await trx
      .insertInto('mlflow_artifacts')
      .values({
        path,
        sha256: stored.sha256,
        size: stored.size,
        created_at: ctx.now().toISOString(),
        created_by: actor.principal.name,
      })
      .execute();
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'mlflow.artifact_uploaded',
      subject: `mlflow-artifact:${path}`,
      requestId: actor.requestId,
      change: { path, sha256: stored.sha256, size: stored.size },
    });
  });
}

/** Opens a stored file after re-hashing it, so altered bytes are refused before any is sent. */
export async function openMlflowArtifact(
  ctx: AppContext,
  rawPath: string,
): Promise<{ stream: Readable; size: number; sha256: string }> {
  const path = normaliseArtifactPath(rawPath);
  const row = await findArtifact(ctx.db, path);
  if (!row) throw doesNotExist(`Artifact ${path} does not exist`);
  const actual = await ctx.artifacts.digest(row.sha256);
  if (!actual || actual.sha256 !== row.sha256 || actual.size !== Number(row.size))
    throw new WardenError('integrity_failure', `the stored bytes of ${path} no longer match ${row.sha256}`);
  return { stream: ctx.artifacts.get(row.sha256), size: Number(row.size), sha256: row.sha256 };
}

/** The entries directly under a folder, as MLflow's ListArtifacts answers: base names, folders first-class. */
export async function listMlflowArtifacts(
  db: Executor,
  rawPath: string | undefined,
): Promise<Array<{ path: string; is_dir: boolean; file_size?: number }>> {
  const dir = normaliseArtifactPath(rawPath ?? '', true);
  const prefix = dir === '' ? '' : `${dir}/`;
  // `%` and `_` in the prefix only widen the LIKE (SQLite's also ignores case); the exact prefix
  // is checked below. Paths hold no backslash, PostgreSQL's LIKE escape.
  const rows = await db
    .selectFrom('mlflow_artifacts')
    .select(['path', 'size'])
    .where('path', 'like', `${prefix}%`)
    .orderBy('path')
    .execute();
  const entries = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
  for (const row of rows) {
    if (!row.path.startsWith(prefix)) continue;
    const rest = row.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    if (slash < 0) entries.set(name, { path: name, is_dir: false, file_size: Number(row.size) });
    else if (!entries.has(name)) entries.set(name, { path: name, is_dir: true });
  }
  return [...entries.values()];
}
