import { invalidInput, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Executor } from '../db/database.js';
import type { AuditLog } from '../audit/audit.service.js';
import { OIDC_PRINCIPAL_PREFIX } from './oidc-claims.js';
import { isRole, type Role } from './roles.js';
import { generateTokenSecret, hashTokenSecret } from './token.js';
import { findTokenById, insertToken, revokeToken, type ApiToken } from './token.repository.js';

export interface IssueTokenInput {
  principal: string;
  roles: string[];
  expiresAt?: string | undefined;
}

/**
 * Issues a token inside the caller's transaction and audits it. The secret is returned once and
 * only its SHA-256 is stored.
 */
export async function issueToken(
  trx: Executor,
  audit: AuditLog,
  input: IssueTokenInput,
  by: { actor: string; requestId: string | null; now: Date },
): Promise<ApiToken & { token: string }> {
  const unknown = input.roles.filter((r) => !isRole(r));
  if (unknown.length > 0) throw invalidInput(`unknown role(s): ${unknown.join(', ')}`, 'roles');
  if (input.roles.length === 0) throw invalidInput('a token needs at least one role', 'roles');
  if (input.principal.startsWith(OIDC_PRINCIPAL_PREFIX)) {
    throw invalidInput(
      `principal names starting with "${OIDC_PRINCIPAL_PREFIX}" belong to identity-provider users`,
      'principal',
    );
  }
  if (input.expiresAt !== undefined && Date.parse(input.expiresAt) <= by.now.getTime()) {
    throw invalidInput('expiresAt must be in the future', 'expiresAt');
  }
  const secret = generateTokenSecret();
  const token: ApiToken = {
    id: newId('tok'),
    principal: input.principal,
    roles: [...new Set(input.roles)] as Role[],
    createdAt: by.now.toISOString(),
    createdBy: by.actor,
    expiresAt: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
    revokedAt: null,
  };
  await insertToken(trx, token, hashTokenSecret(secret));
  await audit.append(trx, {
    actor: by.actor,
    action: 'token.created',
    subject: `token:${token.id}`,
    requestId: by.requestId,
    change: { principal: token.principal, roles: token.roles, expiresAt: token.expiresAt },
  });
  return { ...token, token: secret };
}

export async function revokeTokenById(
  trx: Executor,
  audit: AuditLog,
  id: string,
  by: { actor: string; requestId: string | null; now: Date },
): Promise<ApiToken> {
  const token = await findTokenById(trx, id);
  if (!token) throw notFound(`token ${id} does not exist`);
  await revokeToken(trx, id, by.now.toISOString());
  await audit.append(trx, {
    actor: by.actor,
    action: 'token.revoked',
    subject: `token:${id}`,
    requestId: by.requestId,
    change: { principal: token.principal },
  });
  return (await findTokenById(trx, id))!;
}
