import type { z } from '@hono/zod-openapi';
import YAML from 'yaml';
import { canonicalJson } from '../core/canonical-json.js';
import { invalidInput } from '../core/errors.js';
import { policyDocumentSchema, type PolicyDocument } from './policy.schema.js';

/** Renders an issue path as `tiers.1.approvals.staging->production[0].count`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(document)' : out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  return issue.message;
}

/**
 * Parses and validates a policy document. A string is read as YAML (a superset of JSON) unless
 * `format` says JSON; an object is validated as is. Throws invalid_input naming the first bad path.
 */
export function parsePolicyDocument(input: unknown, format?: 'yaml' | 'json'): PolicyDocument {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = format === 'json' ? JSON.parse(input) : YAML.parse(input, { prettyErrors: true });
    } catch (error) {
      throw invalidInput(
        `policy is not valid ${format === 'json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
        'document',
      );
    }
  }
  const result = policyDocumentSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = formatIssuePath(issue.path);
    throw invalidInput(`${path}: ${describeIssue(issue)}`, path, {
      issues: result.error.issues.map((i) => ({ path: formatIssuePath(i.path), message: describeIssue(i) })),
    });
  }
  return result.data;
}

/** The document as canonical JSON (sorted keys): what is stored and compared. */
export function canonicalPolicyJson(document: PolicyDocument): string {
  return canonicalJson(document);
}

/** The document as YAML with keys sorted, so two versions diff line by line. */
export function canonicalPolicyYaml(document: PolicyDocument): string {
  return YAML.stringify(JSON.parse(canonicalJson(document)), { lineWidth: 0 });
}
