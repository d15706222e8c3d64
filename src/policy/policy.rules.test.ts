import { describe, expect, it } from 'vitest';
import { WardenError } from '../core/errors.js';
import { DEFAULT_POLICY } from './default-policy.js';
import { canonicalPolicyYaml, parsePolicyDocument } from './policy.parse.js';
import { approvalRequirements, tierPolicy, versionBump } from './policy.rules.js';

describe('versionBump', () => {
  it.each([
    [null, '1.0.0', 'initial'],
    ['1.2.3', '2.0.0', 'major'],
    ['1.2.3', '1.3.0', 'minor'],
    ['1.2.3', '1.2.4', 'patch'],
    ['1.2.3', '1.2.3', 'major'],
    ['1.2.3', '1.1.9', 'major'],
  ] as const)('%s → %s is %s', (from, to, expected) => {
    expect(versionBump(from, to)).toBe(expected);
  });
});

describe('parsePolicyDocument', () => {
  /** A copy of the default with the value at `path` replaced (or removed when `value` is undefined). */
  function mutated(path: string[], value: unknown): unknown {
    const doc = structuredClone(DEFAULT_POLICY) as unknown as Record<string, unknown>;
    let node = doc;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
    const last = path[path.length - 1]!;
    if (value === undefined) delete node[last];
    else node[last] = value;
    return doc;
  }

  it('round-trips the canonical YAML', () => {
    expect(parsePolicyDocument(canonicalPolicyYaml(DEFAULT_POLICY), 'yaml')).toEqual(
      parsePolicyDocument(DEFAULT_POLICY),
    );
  });

  it('parses JSON text', () => {
    expect(parsePolicyDocument(JSON.stringify(DEFAULT_POLICY), 'json').tiers['1'].label).toBe('critical');
  });

  it.each([
    [
      ['tiers', '1', 'approvals', 'staging->production'],
      [{ role: 'legal', count: 0 }],
      'tiers.1.approvals.staging->production[0].count: must be >= 1',
    ],
    [
      ['tiers', '2', 'approvals', 'staging->approved'],
      [{ role: 'wizard', count: 1 }],
      'tiers.2.approvals.staging->approved[0].role',
    ],
    [['tiers', '3', 'approvals', 'staging->nowhere'], [], 'tiers.3.approvals.staging->nowhere'],
    [
      ['tiers', '1', 'validation', 'fairness', 'disparateImpactMin'],
      1.5,
      'tiers.1.validation.fairness.disparateImpactMin: must be <= 1',
    ],
    [['tiers', '4'], undefined, 'tiers.4: is required'],
    [['tiers', '1', 'surprise'], true, 'tiers.1: unknown field(s) surprise'],
    [
      ['tiers', '1', 'rollout', 'canaryStepsPct'],
      [10, 5, 100],
      'tiers.1.rollout.canaryStepsPct: steps must increase',
    ],
    [['tiers', '1', 'approvals', 'production->deprecated'], [], 'tiers.1.retirement.needsApproval'],
    [['piiMode'], 'shout', 'piiMode'],
    [
      ['tiers', '2', 'approvals', 'staging->approved'],
      [{ role: 'viewer', count: 1 }],
      'tiers.2.approvals.staging->approved[0].role: a read-only role (viewer, auditor) cannot approve or roll back',
    ],
    [
      ['tiers', '4', 'rollback', 'roles'],
      ['mlops', 'auditor'],
      'tiers.4.rollback.roles[1]: a read-only role (viewer, auditor) cannot approve or roll back',
    ],
  ])('refuses %j = %j naming the path', (path, value, message) => {
    let caught: unknown;
    try {
      parsePolicyDocument(mutated(path, value));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WardenError);
    expect((caught as WardenError).code).toBe('invalid_input');
    expect((caught as WardenError).message).toContain(message);
  });

  it('refuses text that is not YAML', () => {
    expect(() => parsePolicyDocument('tiers: [unclosed', 'yaml')).toThrow(/not valid YAML/);
  });
});

describe('approvalRequirements', () => {
  it('answers nothing for a transition the policy does not list', () => {
    expect(approvalRequirements(DEFAULT_POLICY, 3, 'development', 'rejected')).toEqual([]);
  });

  it('refuses an unknown tier', () => {
    expect(() => tierPolicy(DEFAULT_POLICY, 5)).toThrow(/risk tier/);
  });
});
