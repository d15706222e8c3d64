import semver from 'semver';
import type { FeatureStatus, FeatureType } from './feature.schema.js';

/** The parts of a feature the lifecycle rules look at. */
export interface FeatureState {
  type: FeatureType;
  version: string;
  status: FeatureStatus;
  deprecatedAt: string | null;
}

/** A requested change to those parts; absent fields stay as they are. */
export interface FeatureChange {
  type?: FeatureType | undefined;
  version?: string | undefined;
  status?: FeatureStatus | undefined;
  deprecatedAt?: string | undefined;
}

/** A refusal naming the request field it concerns. */
export interface RuleViolation {
  field: string;
  message: string;
}

/**
 * Applies a change to a feature's version and status. Pure: `now` is passed in.
 * - A new version must be a semantic version greater than the current one (the same one is a no-op).
 * - A change of value type breaks consumers, so it needs a new MAJOR version.
 * - Deprecating records a date (the given one, or now); reactivating clears it; a date without
 *   the deprecated status is refused.
 */
export function applyFeatureChange(
  current: FeatureState,
  change: FeatureChange,
  now: string,
): { next: FeatureState } | { violation: RuleViolation } {
  const version = change.version ?? current.version;
  if (version !== current.version && !semver.gt(version, current.version)) {
    return {
      violation: {
        field: 'version',
        message: `version ${version} is not greater than the current ${current.version}`,
      },
    };
  }
  const type = change.type ?? current.type;
  if (type !== current.type && semver.major(version) <= semver.major(current.version)) {
    return {
      violation: {
        field: 'type',
        message: `changing the type from ${current.type} to ${type} needs a new major version (above ${semver.major(current.version)}.x.x)`,
      },
    };
  }
  const status = change.status ?? current.status;
  if (change.deprecatedAt !== undefined && status !== 'deprecated') {
    return { violation: { field: 'deprecatedAt', message: 'deprecatedAt goes with status "deprecated"' } };
  }
  let deprecatedAt: string | null;
  if (status === 'active') deprecatedAt = null;
  else if (change.deprecatedAt !== undefined) deprecatedAt = new Date(change.deprecatedAt).toISOString();
  else deprecatedAt = current.status === 'deprecated' ? current.deprecatedAt : now;
  return { next: { type, version, status, deprecatedAt } };
}
