import type { CheckResult } from './validation.schema.js';
import type { CheckTable, SuiteInput } from './check-context.js';
import { DATA_QUALITY_CHECKS } from './data-quality.checks.js';
import { DOCUMENTATION_CHECKS } from './documentation.checks.js';
import { EXPLAINABILITY_CHECKS } from './explainability.checks.js';
import { FAIRNESS_CHECKS } from './fairness.checks.js';
import { OPERATIONAL_CHECKS } from './operational.checks.js';
import { PERFORMANCE_CHECKS } from './performance.checks.js';

const CHECKS: CheckTable = {
  ...PERFORMANCE_CHECKS,
  ...DATA_QUALITY_CHECKS,
  ...OPERATIONAL_CHECKS,
  ...FAIRNESS_CHECKS,
  ...DOCUMENTATION_CHECKS,
  ...EXPLAINABILITY_CHECKS,
};

/**
 * Runs the checks the policy lists for the level, in the policy's order. Pure: everything it
 * reads is in `input`. A run passes when no check fails. A required check whose input was not
 * supplied fails and names it (`missing`); a check that does not apply (no champion yet, a
 * requirement the tier does not set) is skipped and says why.
 */
export function runValidationSuite(input: SuiteInput): { passed: boolean; checks: CheckResult[] } {
  const checks = input.requirements.map((req) => {
    const fn = CHECKS[req.name];
    if (!fn) throw new Error(`no implementation for check ${req.name}`);
    return fn(req, input);
  });
  return { passed: checks.every((c) => c.status !== 'fail'), checks };
}
