import { describe, expect, it } from 'vitest';
import { diffLines, formatDiff } from './policy-diff.js';

describe('diffLines', () => {
  it.each([
    ['a\nb\nc\n', 'a\nb\nc\n', [' a', ' b', ' c']],
    ['a\nb\nc\n', 'a\nx\nc\n', [' a', '-b', '+x', ' c']],
    ['a\nb\n', 'a\nb\nc\n', [' a', ' b', '+c']],
    ['a\nb\nc\n', 'b\nc\n', ['-a', ' b', ' c']],
    ['', 'a\n', ['+a']],
  ])('%j → %j', (before, after, expected) => {
    expect(diffLines(before, after).map((l) => `${l.op}${l.text}`)).toEqual(expected);
  });
});

describe('formatDiff', () => {
  it('is empty for equal documents', () => {
    expect(formatDiff(diffLines('a\nb\n', 'a\nb\n'))).toBe('');
  });

  it('keeps context around changes and marks gaps', () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
    const after = before.replace('l2\n', 'L2\n').replace('l17\n', 'L17\n');
    expect(formatDiff(diffLines(before, after), 1)).toBe(
      [' l1', '-l2', '+L2', ' l3', '@@', ' l16', '-l17', '+L17', ' l18'].join('\n') + '\n',
    );
  });
});

describe('hunk headers', () => {
  const before = [
    'tiers:',
    '  "3":',
    '    approvals:',
    '      development->staging:',
    '        - count: 1',
    '          role: data-scientist',
    '      production->deprecated: []',
    '    label: standard',
    '    retirement:',
    '      artifact: mark',
    '      graceDays: 30',
    '      needsApproval: false',
    '  "4":',
    '    retirement:',
    '      graceDays: 7',
  ].join('\n');

  it('names the YAML keys around each hunk', () => {
    const after = before
      .replace(
        '          role: data-scientist',
        '          role: data-scientist\n        - count: 1\n          role: ml-engineer',
      )
      .replace('graceDays: 30', 'graceDays: 0')
      .replace('graceDays: 7', 'graceDays: 3');
    const text = formatDiff(diffLines(before, after), 0);
    expect(text).toBe(
      [
        '@@ tiers.3.approvals.development->staging @@',
        '+        - count: 1',
        '+          role: ml-engineer',
        '@@ tiers.3.retirement @@',
        '-      graceDays: 30',
        '+      graceDays: 0',
        '@@ tiers.4.retirement @@',
        '-      graceDays: 7',
        '+      graceDays: 3',
      ].join('\n') + '\n',
    );
  });

  it('names the parent of a removed key', () => {
    const after = before.replace('      needsApproval: false\n', '');
    expect(formatDiff(diffLines(before, after), 0)).toBe(
      ['@@ tiers.3.retirement @@', '-      needsApproval: false'].join('\n') + '\n',
    );
  });
});
