import type { Stage } from '../registry/version.schema.js';

/** How strictly an environment is guarded, read from its name. */
export type EnvironmentClass = 'production' | 'staging' | 'other';

/**
 * `production`, `prod` and names that start with either followed by a separator (`-`, `_` or `.`:
 * `production-eu`, `prod_eu`, `production.eu`) are production environments; `staging`, `stage`
 * and the same forms of them are staging ones; every other name (`shadow`, `dev`, `test`,
 * `preprod`, …) is neither. A canary is a production deployment with a
 * trafficPercent below 100, not an environment of its own.
 */
export function classifyEnvironment(environment: string): EnvironmentClass {
  const name = environment.toLowerCase();
  if (/^(production|prod)([-_.]|$)/.test(name)) return 'production';
  if (/^(staging|stage)([-_.]|$)/.test(name)) return 'staging';
  return 'other';
}

/**
 * The lifecycle stages a version may be in to be deployed anew to an environment of each class:
 * production takes only what the approval gate let through (approved, production); staging also
 * takes staging; other environments (shadow, test) also take development. A version that was
 * rejected, is being retired (deprecated) or is archived is never deployed anew.
 */
export const DEPLOYABLE_STAGES: Readonly<Record<EnvironmentClass, readonly Stage[]>> = {
  production: ['approved', 'production'],
  staging: ['staging', 'approved', 'production'],
  other: ['development', 'staging', 'approved', 'production'],
};

/** Null when a version in `stage` may be deployed to `environment`, else the reason it may not. */
export function deploymentRefusal(stage: Stage, environment: string): string | null {
  const kind = classifyEnvironment(environment);
  const allowed = DEPLOYABLE_STAGES[kind];
  if (allowed.includes(stage)) return null;
  const where = kind === 'other' ? `environment "${environment}"` : `${kind} environment "${environment}"`;
  return `a version in ${stage} cannot be deployed to ${where}; it takes versions in ${allowed.join(', ')}`;
}
