import { describe, expect, it } from 'vitest';
import {
  allApprovalsGiven,
  approvalProgress,
  refuseDecision,
  type DecisionAttempt,
} from './approval-rules.js';

const TIER1 = [
  { role: 'review-board', count: 4 },
  { role: 'compliance', count: 1 },
  { role: 'legal', count: 1 },
  { role: 'business-owner', count: 1 },
] as const;

const base: DecisionAttempt = {
  status: 'in_review',
  requestedBy: 'dana',
  expiresAt: '2026-04-01T00:00:00.000Z',
  required: TIER1,
  decisions: [],
  principal: { name: 'bob', roles: ['review-board'] },
  decision: 'approve',
  role: 'review-board',
  now: '2026-03-01T00:00:00.000Z',
};

describe('refuseDecision', () => {
  const cases: Array<[string, Partial<DecisionAttempt>, string | undefined, number | undefined]> = [
    ['a board member approves', {}, undefined, undefined],
    ['a board member rejects', { decision: 'reject' }, undefined, undefined],
    ['the requester approves', { principal: { name: 'dana', roles: ['review-board'] } }, 'forbidden', 403],
    [
      'the requester rejects',
      { decision: 'reject', principal: { name: 'dana', roles: ['review-board'] } },
      'forbidden',
      403,
    ],
    ['a role the token does not hold', { role: 'compliance' }, 'forbidden', 403],
    [
      'admin standing in for compliance',
      { role: 'compliance', principal: { name: 'root', roles: ['admin'] } },
      'forbidden',
      403,
    ],
    [
      'a role the request does not ask for',
      { role: 'validator', principal: { name: 'v', roles: ['validator'] } },
      'invalid_input',
      400,
    ],
    [
      'approving twice',
      { decisions: [{ principal: 'bob', role: 'review-board', decision: 'approve' }] },
      'conflict',
      409,
    ],
    [
      'the same principal in a second role',
      {
        principal: { name: 'bob', roles: ['review-board', 'legal'] },
        role: 'legal',
        decisions: [{ principal: 'bob', role: 'review-board', decision: 'approve' }],
      },
      'conflict',
      409,
    ],
    [
      'a fifth board approval when four suffice',
      {
        decisions: ['a', 'b', 'c', 'd'].map((p) => ({
          principal: p,
          role: 'review-board',
          decision: 'approve' as const,
        })),
      },
      'conflict',
      409,
    ],
    ['an executed request', { status: 'executed' }, 'conflict', 409],
    ['a rejected request', { status: 'rejected' }, 'conflict', 409],
    ['a withdrawn request', { status: 'withdrawn' }, 'conflict', 409],
    ['an expired request', { now: '2026-04-01T00:00:00.000Z' }, 'conflict', 409],
  ];

  it.each(cases)('%s', (_title, change, code, status) => {
    const refusal = refuseDecision({ ...base, ...change });
    expect(refusal?.code).toBe(code);
    expect(refusal?.status).toBe(status);
  });

  it('names the problem', () => {
    expect(
      refuseDecision({ ...base, principal: { name: 'dana', roles: ['review-board'] } })?.message,
    ).toMatch(/opened this change request/);
    expect(
      refuseDecision({
        ...base,
        principal: { name: 'bob', roles: ['review-board', 'legal'] },
        role: 'legal',
        decisions: [{ principal: 'bob', role: 'review-board', decision: 'approve' }],
      })?.message,
    ).toMatch(/one principal fills one role/);
    expect(
      refuseDecision({ ...base, role: 'validator', principal: { name: 'v', roles: ['validator'] } })?.message,
    ).toMatch(/review-board ×4, compliance ×1, legal ×1, business-owner ×1/);
  });
});

describe('approvalProgress', () => {
  it('counts approvals per role and ignores rejections', () => {
    const decisions = [
      { principal: 'a', role: 'review-board', decision: 'approve' as const },
      { principal: 'b', role: 'review-board', decision: 'approve' as const },
      { principal: 'c', role: 'compliance', decision: 'reject' as const },
    ];
    const progress = approvalProgress(TIER1, decisions);
    expect(progress.map((p) => [p.role, p.approvals, p.satisfied])).toEqual([
      ['review-board', 2, false],
      ['compliance', 0, false],
      ['legal', 0, false],
      ['business-owner', 0, false],
    ]);
    expect(progress[0]!.approvedBy).toEqual(['a', 'b']);
  });

  it('is complete only when every role has its count; an empty requirement is complete', () => {
    const approvals = (role: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        principal: `${role}-${i}`,
        role,
        decision: 'approve' as const,
      }));
    const three = [
      ...approvals('review-board', 3),
      ...approvals('compliance', 1),
      ...approvals('legal', 1),
      ...approvals('business-owner', 1),
    ];
    expect(allApprovalsGiven(TIER1, three)).toBe(false);
    expect(allApprovalsGiven(TIER1, [...three, ...approvals('review-board', 4).slice(3)])).toBe(true);
    expect(allApprovalsGiven([], [])).toBe(true);
  });
});
