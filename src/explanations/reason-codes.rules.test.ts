import { describe, expect, it } from 'vitest';
import {
  describeReasonCodeDiff,
  diffReasonCodes,
  isEmptyReasonCodeDiff,
  type ReasonCodeDiff,
  type ReasonCodeTable,
} from './reason-codes.rules.js';

interface Case {
  name: string;
  before: ReasonCodeTable;
  after: ReasonCodeTable;
  diff: ReasonCodeDiff;
  lines: string[];
}

describe('reason-code diff', () => {
  it.each<Case>([
    {
      name: 'identical tables',
      before: { amount: 'Amount too high' },
      after: { amount: 'Amount too high' },
      diff: { added: {}, changed: {}, removed: {} },
      lines: [],
    },
    {
      name: 'from nothing',
      before: {},
      after: { age: 'Age', amount: 'Amount' },
      diff: { added: { age: 'Age', amount: 'Amount' }, changed: {}, removed: {} },
      lines: ['age added', 'amount added'],
    },
    {
      name: 'one added, one changed, one removed, one kept',
      before: { amount: 'Amount too high', country: 'Country', age: 'Age' },
      after: { amount: 'Amount too high for income', age: 'Age', income: 'Income too low' },
      diff: {
        added: { income: 'Income too low' },
        changed: { amount: { from: 'Amount too high', to: 'Amount too high for income' } },
        removed: { country: 'Country' },
      },
      lines: ['income added', 'amount changed', 'country removed'],
    },
    {
      name: 'everything removed',
      before: { amount: 'A' },
      after: {},
      diff: { added: {}, changed: {}, removed: { amount: 'A' } },
      lines: ['amount removed'],
    },
  ])('$name', ({ before, after, diff, lines }) => {
    const got = diffReasonCodes(before, after);
    expect(got).toEqual(diff);
    expect(describeReasonCodeDiff(got)).toEqual(lines);
    expect(isEmptyReasonCodeDiff(got)).toBe(lines.length === 0);
  });

  it('treats inherited object keys as absent features', () => {
    const got = diffReasonCodes({}, { constructor: 'Constructor feature' });
    expect(got.added).toEqual({ constructor: 'Constructor feature' });
    expect(diffReasonCodes({ toString: 'x' }, {}).removed).toEqual({ toString: 'x' });
  });
});
