/**
 * Roles, from the RACI of the monitoring SOP and the governance seeds. A token carries one or
 * more; routes declare which may call them (see src/http/route.ts).
 */
export const ROLES = [
  'admin',
  'data-scientist',
  'ml-engineer',
  'mlops',
  'validator',
  'review-board',
  'compliance',
  'legal',
  'business-owner',
  'operations',
  'auditor',
  'viewer',
] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Roles that only read. Every write route must refuse a token that holds nothing else. */
export const READ_ONLY_ROLES: readonly Role[] = ['viewer', 'auditor'];

/** Everyone who may read the registry. */
export const ALL_ROLES: readonly Role[] = ROLES;

/** Roles that author models, versions and artifacts. */
export const AUTHOR_ROLES: readonly Role[] = ['admin', 'data-scientist', 'ml-engineer', 'mlops'];
