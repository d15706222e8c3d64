import type { AuditLog } from '../audit/audit.service.js';
import { conflict, notFound } from '../core/errors.js';
import { isUniqueViolation } from '../db/db-errors.js';
import type { Executor } from '../db/database.js';
import { DEFAULT_POLICY } from './default-policy.js';
import { canonicalPolicyJson, parsePolicyDocument } from './policy.parse.js';
import {
  findLatestPolicyRow,
  findPolicyRow,
  findPolicyRows,
  insertPolicyRow,
  type PolicyVersionRow,
} from './policy.repository.js';
import type { PolicyDocument } from './policy.schema.js';

/** A stored version of the policy. Version 0 is the built-in default, in force until one is saved. */
export interface PolicyVersion {
  version: number;
  document: PolicyDocument;
  createdAt: string;
  createdBy: string;
}

/** A history entry, without the document body. */
export interface PolicyVersionSummary {
  version: number;
  reason: string;
  format: string;
  createdAt: string;
  createdBy: string;
}

const DEFAULT_VERSION: PolicyVersion = {
  version: 0,
  document: DEFAULT_POLICY,
  createdAt: '1970-01-01T00:00:00.000Z',
  createdBy: 'warden (built-in default)',
};

function toPolicyVersion(row: PolicyVersionRow): PolicyVersion {
  return {
    version: Number(row.version),
    // Stored documents were validated when saved; parsing again applies defaults of later schema versions.
    document: parsePolicyDocument(JSON.parse(row.document) as unknown),
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

/** The policy in force: the newest saved version, or version 0 (the default) when none is stored. */
export async function getActivePolicy(db: Executor): Promise<PolicyVersion> {
  const row = await findLatestPolicyRow(db);
  return row ? toPolicyVersion(row) : DEFAULT_VERSION;
}

/** One version; 0 is the built-in default. */
export async function getPolicyVersion(db: Executor, version: number): Promise<PolicyVersion> {
  if (version === 0) return DEFAULT_VERSION;
  const row = await findPolicyRow(db, version);
  if (!row) throw notFound(`policy version ${version} does not exist`);
  return toPolicyVersion(row);
}

/** The history, newest first, ending with the built-in default (version 0). */
export async function listPolicyVersions(
  db: Executor,
  options: { beforeVersion?: number | undefined; limit?: number } = {},
): Promise<PolicyVersionSummary[]> {
  const limit = options.limit ?? 1000;
  const rows = await findPolicyRows(db, { beforeVersion: options.beforeVersion, limit });
  const out: PolicyVersionSummary[] = rows.map((row) => ({
    version: Number(row.version),
    reason: row.reason,
    format: row.format,
    createdAt: row.created_at,
    createdBy: row.created_by,
  }));
  if (out.length < limit && (options.beforeVersion === undefined || options.beforeVersion > 0))
    out.push({
      version: 0,
      reason: 'built-in default',
      format: 'json',
      createdAt: DEFAULT_VERSION.createdAt,
      createdBy: DEFAULT_VERSION.createdBy,
    });
  return out;
}

/**
 * Stores a new policy version (the next number) and its audit entry. Call it inside the
 * transaction that approves the policy change, so the new policy and the approval commit together.
 */
export async function savePolicyVersion(
  trx: Executor,
  audit: AuditLog,
  document: PolicyDocument,
  meta: {
    actor: string;
    requestId: string | null;
    reason: string;
    now: Date;
    source?: string;
    format?: 'yaml' | 'json';
  },
): Promise<{ version: number }> {
  const validated = parsePolicyDocument(document);
  const latest = await findLatestPolicyRow(trx);
  const version = (latest ? Number(latest.version) : 0) + 1;
  const json = canonicalPolicyJson(validated);
  try {
    await insertPolicyRow(trx, {
      version,
      document: json,
      format: meta.format ?? 'json',
      source: meta.source ?? json,
      reason: meta.reason,
      created_at: meta.now.toISOString(),
      created_by: meta.actor,
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('another policy version was saved at the same time; retry');
    throw error;
  }
  await audit.append(trx, {
    actor: meta.actor,
    action: 'policy.version_saved',
    subject: `policy:${version}`,
    requestId: meta.requestId,
    change: { version, reason: meta.reason, document: validated },
  });
  return { version };
}
