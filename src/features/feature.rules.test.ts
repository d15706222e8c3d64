import { describe, expect, it } from 'vitest';
import { applyFeatureChange, type FeatureChange, type FeatureState } from './feature.rules.js';

const NOW = '2026-03-01T12:00:00.000Z';
const active: FeatureState = { type: 'numeric', version: '1.2.0', status: 'active', deprecatedAt: null };
const deprecated: FeatureState = {
  type: 'numeric',
  version: '1.2.0',
  status: 'deprecated',
  deprecatedAt: '2026-01-10T00:00:00.000Z',
};

describe('applyFeatureChange', () => {
  it.each<[string, FeatureState, FeatureChange, Partial<FeatureState>]>([
    ['no change', active, {}, active],
    ['same version is a no-op', active, { version: '1.2.0' }, { version: '1.2.0' }],
    ['patch bump', active, { version: '1.2.1' }, { version: '1.2.1' }],
    ['minor bump', active, { version: '1.10.0' }, { version: '1.10.0' }],
    [
      'type change with a major bump',
      active,
      { type: 'categorical', version: '2.0.0' },
      { type: 'categorical' },
    ],
    ['deprecate now', active, { status: 'deprecated' }, { status: 'deprecated', deprecatedAt: NOW }],
    [
      'deprecate from a given date',
      active,
      { status: 'deprecated', deprecatedAt: '2026-04-01T00:00:00+02:00' },
      { deprecatedAt: '2026-03-31T22:00:00.000Z' },
    ],
    [
      'stay deprecated keeps the date',
      deprecated,
      { version: '1.3.0' },
      { deprecatedAt: '2026-01-10T00:00:00.000Z' },
    ],
    [
      'reactivate clears the date',
      deprecated,
      { status: 'active' },
      { status: 'active', deprecatedAt: null },
    ],
  ])('%s', (_name, current, change, expected) => {
    const result = applyFeatureChange(current, change, NOW);
    expect('next' in result && result.next).toMatchObject(expected);
  });

  it.each<[string, FeatureState, FeatureChange, string]>([
    ['lower version', active, { version: '1.1.9' }, 'version'],
    ['lower major', active, { version: '0.9.0' }, 'version'],
    ['prerelease of the same version is lower', active, { version: '1.2.0-rc.1' }, 'version'],
    ['type change without a major bump', active, { type: 'text', version: '1.3.0' }, 'type'],
    ['type change with no bump', active, { type: 'text' }, 'type'],
    ['a date on an active feature', active, { deprecatedAt: '2026-04-01T00:00:00Z' }, 'deprecatedAt'],
    ['a date while reactivating', deprecated, { status: 'active', deprecatedAt: NOW }, 'deprecatedAt'],
  ])('refuses %s', (_name, current, change, field) => {
    const result = applyFeatureChange(current, change, NOW);
    expect('violation' in result && result.violation.field).toBe(field);
  });
});
