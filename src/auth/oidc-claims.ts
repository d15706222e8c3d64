import { WardenError } from '../core/errors.js';
import { isRole, type Role } from './roles.js';

/**
 * Names of callers authenticated by an identity-provider JWT start with this, so a JWT can never
 * act as a local token's principal (and local tokens may not be issued to such names).
 */
export const OIDC_PRINCIPAL_PREFIX = 'oidc:';

const MAX_PRINCIPAL_LENGTH = 200;
/**
 * Control characters, line and paragraph separators and bidirectional overrides: the name is
 * printed in audit entries, tables and logs, where these could forge lines or disguise a name.
 */
const UNPRINTABLE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** True when a bearer credential has the compact JWS shape (three base64url segments, the last may be empty). */
export function looksLikeJwt(credential: string): boolean {
  return JWT_SHAPE.test(credential);
}

/**
 * A claim by name; when no claim has that exact name and the name holds dots, it is read as a
 * path into nested objects (`realm_access.roles`). Exact names come first because namespaced
 * claims (`https://example.com/roles`) contain dots themselves.
 */
export function claimAt(payload: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(payload, name)) return payload[name];
  if (!name.includes('.')) return undefined;
  let at: unknown = payload;
  for (const key of name.split('.')) {
    if (typeof at !== 'object' || at === null || Array.isArray(at) || !Object.hasOwn(at, key))
      return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/**
 * The caller's Warden principal name, `oidc:<claim value>`. A claim that is missing, not a string,
 * blank, longer than 200 characters or holding control characters refuses the token.
 */
export function principalFromClaims(payload: Record<string, unknown>, claim: string): string {
  const value = claimAt(payload, claim);
  if (
    typeof value !== 'string' ||
    value.trim() === '' ||
    value.length > MAX_PRINCIPAL_LENGTH ||
    UNPRINTABLE.test(value)
  ) {
    throw new WardenError('unauthenticated', `token has no usable "${claim}" claim to name the caller`);
  }
  return OIDC_PRINCIPAL_PREFIX + value;
}

/**
 * Warden roles from the roles-or-groups claim (an array of strings or one space-separated string).
 * With a role map only the groups it lists count; without one, values that are Warden role names
 * count as they are. Everything else is ignored, so a token may end up with no role at all.
 */
export function rolesFromClaims(
  payload: Record<string, unknown>,
  claim: string,
  roleMap: Readonly<Record<string, readonly Role[]>> | undefined,
): Role[] {
  const value = claimAt(payload, claim);
  const names =
    typeof value === 'string'
      ? value.split(/\s+/).filter(Boolean)
      : Array.isArray(value)
        ? value.filter((v): v is string => typeof v === 'string')
        : [];
  const roles = new Set<Role>();
  for (const name of names) {
    if (roleMap) {
      if (Object.hasOwn(roleMap, name)) for (const role of roleMap[name]!) roles.add(role);
    } else if (isRole(name)) {
      roles.add(name);
    }
  }
  return [...roles];
}
