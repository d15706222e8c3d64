import { describe, expect, it } from 'vitest';
import type { Stage } from '../registry/version.schema.js';
import { classifyEnvironment, deploymentRefusal } from './deployment.rules.js';

describe('deployment rules', () => {
  it.each([
    ['production', 'production'],
    ['prod', 'production'],
    ['production-eu', 'production'],
    ['prod-us-east-1', 'production'],
    ['prod_eu', 'production'],
    ['production.eu', 'production'],
    ['stage_2', 'staging'],
    ['staging.eu', 'staging'],
    ['Production', 'production'],
    ['staging', 'staging'],
    ['stage-2', 'staging'],
    ['shadow', 'other'],
    ['products', 'other'],
    ['preprod', 'other'],
    ['stagingarea', 'other'],
  ] as const)('classifies %s as %s', (env, kind) => {
    expect(classifyEnvironment(env)).toBe(kind);
  });

  // Every stage against every class: true means deployable.
  const table: Array<[Stage, boolean, boolean, boolean]> = [
    //  stage          production staging other
    ['development', false, false, true],
    ['staging', false, true, true],
    ['approved', true, true, true],
    ['production', true, true, true],
    ['deprecated', false, false, false],
    ['archived', false, false, false],
    ['rejected', false, false, false],
  ];
  it.each(table)('a version in %s: production %s, staging %s, shadow %s', (stage, prod, stg, other) => {
    expect(deploymentRefusal(stage, 'production') === null).toBe(prod);
    expect(deploymentRefusal(stage, 'staging') === null).toBe(stg);
    expect(deploymentRefusal(stage, 'shadow') === null).toBe(other);
  });

  it('names the stage, the environment and what it takes', () => {
    expect(deploymentRefusal('staging', 'prod-eu')).toBe(
      'a version in staging cannot be deployed to production environment "prod-eu"; it takes versions in approved, production',
    );
  });
});
