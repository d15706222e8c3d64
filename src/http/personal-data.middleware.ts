import type { MiddlewareHandler } from 'hono';
import { invalidInput } from '../core/errors.js';
import type { Db } from '../db/database.js';
import { scanText, type PiiFinding } from '../pii/index.js';
import { getActivePolicy } from '../policy/index.js';

/**
 * Names of the free-text fields people type into anywhere in the API: owners, tags, descriptions,
 * comments, reasons, notes and the like. Identifiers, URLs, hashes and measured data are not here.
 */
export const FREE_TEXT_FIELDS: ReadonlySet<string> = new Set([
  'owner',
  'team',
  'tags',
  'displayName',
  'description',
  'useCase',
  'intendedUse',
  'contact',
  'comment',
  'reason',
  'note',
  'notes',
  'message',
  'summary',
  'title',
  'justification',
  'rationale',
]);

/**
 * Paths whose bodies are measured records (features, labels, feedback) or attached documents (SBOM,
 * model card), each scanned under its own rules with its own field names.
 */
const RECORD_PATHS =
  /\/(inferences|labels|feedback|signals|reference|sbom)$|\/model-card(\/.*)?$|^\/api\/2\.0\/mlflow-artifacts\//;

/** Personal-data findings in the free-text fields of a JSON value, each naming its path. */
export function scanFreeText(value: unknown, path = '', inFreeText = false): PiiFinding[] {
  if (typeof value === 'string') return inFreeText ? scanText(path || 'body', value) : [];
  if (Array.isArray(value))
    return value.flatMap((v, i) => scanFreeText(v, path ? `${path}.${i}` : String(i), inFreeText));
  if (value !== null && typeof value === 'object')
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      scanFreeText(v, path ? `${path}.${k}` : k, inFreeText || FREE_TEXT_FIELDS.has(k)),
    );
  return [];
}

/**
 * Under `WARDEN_PII_MODE=reject` (or a policy with `piiMode: reject`), refuses with 400 naming the
 * field a write whose free-text fields (body or query) hold personal data, before anything is
 * stored. In report mode it lets the request through: the domains record their findings.
 */
export function refusePersonalData(deps: { db: Db; piiMode: 'report' | 'reject' }): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || RECORD_PATHS.test(c.req.path)) return next();
    const url = new URL(c.req.url);
    const findings = [...url.searchParams]
      .filter(([k]) => FREE_TEXT_FIELDS.has(k))
      .flatMap(([k, v]) => scanText(k, v));
    if ((c.req.header('content-type') ?? '').startsWith('application/json')) {
      try {
        findings.push(...scanFreeText(JSON.parse(await c.req.text())));
      } catch {
        // Not JSON: the route's validation answers that.
      }
    }
    if (findings.length === 0) return next();
    const reject =
      deps.piiMode === 'reject' || (await getActivePolicy(deps.db)).document.piiMode === 'reject';
    if (!reject) return next();
    const first = findings[0]!;
    throw invalidInput(
      `personal data (${first.kind}) found in ${first.field}; remove it or ask an admin to relax the PII policy`,
      first.field,
      { findings },
    );
  };
}
