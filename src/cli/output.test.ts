import { describe, expect, it } from 'vitest';
import { formatTable } from './output.js';

describe('formatTable', () => {
  it('keeps every column aligned under a header longer than its key (riskTier → RISK TIER)', () => {
    const text = formatTable(
      [
        { name: 'credit-default', riskTier: 3, championVersion: null, updatedAt: '2026-01-01' },
        { name: 'fraud', riskTier: 1, championVersion: '2.0.0', updatedAt: '2026-02-01' },
      ],
      ['name', 'riskTier', 'championVersion', 'updatedAt'],
    );
    expect(text).toBe(
      [
        'NAME            RISK TIER  CHAMPION VERSION  UPDATED AT',
        'credit-default  3          -                 2026-01-01',
        'fraud           1          2.0.0             2026-02-01',
        '',
      ].join('\n'),
    );
  });

  it('widens a column to its widest cell', () => {
    expect(formatTable([{ id: 'tok_1234' }], ['id'])).toBe('ID\ntok_1234\n');
  });
});
