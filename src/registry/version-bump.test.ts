import { describe, expect, it } from 'vitest';
import {
  declaredBump,
  gateBump,
  parseFramework,
  previousVersion,
  requiredBump,
  type BumpSubject,
} from './version-bump.js';

const base: BumpSubject = {
  version: '1.0.0',
  framework: 'xgboost 1.7.6',
  inputSchema: [
    { name: 'amount', type: 'number' },
    { name: 'channel', type: 'category' },
  ],
  outputSchema: [{ name: 'score', type: 'number' }],
  features: ['txn_amount_7d'],
  lineage: {
    datasets: [{ name: 'train', sha256: 'a'.repeat(64) }],
    featureSetVersion: '3.1.0',
    hyperparameters: { depth: 6, eta: 0.1 },
  },
};
const next = (patch: Partial<BumpSubject>): BumpSubject => ({ ...base, version: '1.0.1', ...patch });

describe('requiredBump', () => {
  it.each<[string, Partial<BumpSubject>, 'MAJOR' | 'MINOR' | 'PATCH', string[]]>([
    ['nothing changed', {}, 'PATCH', []],
    [
      'an input feature removed',
      { inputSchema: [{ name: 'amount', type: 'number' }] },
      'MAJOR',
      ['input feature "channel" removed'],
    ],
    [
      'an input feature changed type',
      {
        inputSchema: [
          { name: 'amount', type: 'string' },
          { name: 'channel', type: 'category' },
        ],
      },
      'MAJOR',
      ['input feature "amount" changed type from number to string'],
    ],
    [
      'the output changed',
      { outputSchema: [{ name: 'label', type: 'category' }] },
      'MAJOR',
      ['output schema changed'],
    ],
    [
      'the framework changed',
      { framework: 'lightgbm 4.1.0' },
      'MAJOR',
      ['framework changed from xgboost 1.7.6 to lightgbm 4.1.0'],
    ],
    [
      'the framework major version changed',
      { framework: 'xgboost 2.0.3' },
      'MAJOR',
      ['framework major version changed from xgboost 1.7.6 to xgboost 2.0.3'],
    ],
    ['the framework minor version changed', { framework: 'XGBoost==1.8.0' }, 'PATCH', []],
    [
      'a catalog feature dropped',
      { features: [] },
      'MAJOR',
      ['catalog feature "txn_amount_7d" no longer consumed'],
    ],
    [
      'an input feature added',
      { inputSchema: [...base.inputSchema, { name: 'hour', type: 'integer' }] },
      'MINOR',
      ['input feature "hour" added'],
    ],
    [
      'the training data changed',
      { lineage: { ...base.lineage, datasets: [{ name: 'train', sha256: 'b'.repeat(64) }] } },
      'MINOR',
      ['training data changed (datasets)'],
    ],
    [
      'the hyperparameters changed',
      { lineage: { ...base.lineage, hyperparameters: { depth: 8, eta: 0.1 } } },
      'MINOR',
      ['hyperparameters changed'],
    ],
    [
      'the same hyperparameters in another key order',
      { lineage: { ...base.lineage, hyperparameters: { eta: 0.1, depth: 6 } } },
      'PATCH',
      [],
    ],
  ])('%s', (_label, patch, level, reasons) => {
    expect(requiredBump(base, next(patch))).toEqual({ level, reasons });
  });

  it('names every change, the breaking ones first', () => {
    const r = requiredBump(
      base,
      next({
        framework: 'lightgbm 4.1.0',
        inputSchema: [
          { name: 'amount', type: 'number' },
          { name: 'hour', type: 'integer' },
        ],
      }),
    );
    expect(r).toEqual({
      level: 'MAJOR',
      reasons: [
        'input feature "channel" removed',
        'framework changed from xgboost 1.7.6 to lightgbm 4.1.0',
        'input feature "hour" added',
      ],
    });
  });
});

describe('declaredBump and the gate', () => {
  it.each([
    ['1.0.0', '1.0.1', 'PATCH'],
    ['1.0.0', '1.1.0', 'MINOR'],
    ['1.4.2', '2.0.0', 'MAJOR'],
    ['1.4.2', '1.4.2', 'MAJOR'],
    ['2.0.0', '1.9.0', 'MAJOR'],
  ])('%s → %s declares %s', (a, b, level) => {
    expect(declaredBump(a, b)).toBe(level);
  });

  it('applies the stricter of declared and required', () => {
    // Filed as a patch, but it drops a feature and switches framework: the gate judges a major.
    const candidate = next({
      framework: 'lightgbm 4.1.0',
      inputSchema: [{ name: 'amount', type: 'number' }],
    });
    expect(gateBump(base, candidate)).toMatchObject({ bump: 'major', declared: 'PATCH', required: 'MAJOR' });
    // Declared as a major with no change: the declaration stands.
    expect(gateBump(base, { ...base, version: '2.0.0' })).toMatchObject({
      bump: 'major',
      declared: 'MAJOR',
      required: 'PATCH',
    });
    expect(gateBump(null, candidate).bump).toBe('initial');
  });

  it('finds the previous version by semantic order, not by creation order', () => {
    expect(previousVersion(['1.0.0', '2.0.0', '1.1.0'], '1.2.0')).toBe('1.1.0');
    expect(previousVersion(['1.0.0', '1.10.0', '1.9.0'], '1.11.0')).toBe('1.10.0');
    expect(previousVersion(['2.0.0'], '1.0.0')).toBeNull();
  });

  it('reads framework labels', () => {
    expect(parseFramework('scikit-learn==1.3.2')).toEqual({ name: 'scikit-learn', major: 1 });
    expect(parseFramework('PyTorch v2.1')).toEqual({ name: 'pytorch', major: 2 });
    expect(parseFramework('sklearn')).toEqual({ name: 'sklearn', major: null });
  });
});
