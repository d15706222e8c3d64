import { describe, expect, it } from 'vitest';
import {
  allApprovalsGiven,
  approvalProgress,
  refuseDecision,
  tallyVotes,
  voteOutcome,
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

describe('votes', () => {
  const BOARD = { role: 'review-board', count: 4, of: 5 } as const;
  const COMPLIANCE = { role: 'compliance', count: 1, veto: true } as const;
  const vote = (principal: string, role: string, decision: 'approve' | 'reject') => ({
    principal,
    role,
    decision,
  });
  const board = (approvals: number, rejections: number) => [
    ...Array.from({ length: approvals }, (_, i) => vote(`a${i}`, 'review-board', 'approve')),
    ...Array.from({ length: rejections }, (_, i) => vote(`r${i}`, 'review-board', 'reject')),
  ];

  // 4 of 5: the vote passes with four approvals and fails only once two rejections leave three
  // voters at most, fewer than four.
  it.each([
    [0, 0, 'pending'],
    [3, 0, 'pending'],
    [4, 0, 'passed'],
    [4, 1, 'passed'],
    [0, 1, 'pending'],
    [3, 1, 'pending'],
    [0, 2, 'failed'],
    [3, 2, 'failed'],
  ])('a 4-of-5 quorum with %i approvals and %i rejections is %s', (approvals, rejections, expected) => {
    expect(tallyVotes([BOARD], board(approvals, rejections))[0]!.result).toBe(expected);
    expect(voteOutcome([BOARD], board(approvals, rejections))).toBe(expected);
  });

  it('lets one veto close the request whatever the quorum', () => {
    const decisions = [...board(4, 0), vote('cora', 'compliance', 'reject')];
    expect(voteOutcome([BOARD, COMPLIANCE], decisions)).toBe('failed');
    expect(tallyVotes([BOARD, COMPLIANCE], decisions).map((t) => t.result)).toEqual(['passed', 'failed']);
    const vetoInQuorum = { role: 'review-board', count: 4, of: 5, veto: true } as const;
    expect(voteOutcome([vetoInQuorum], board(4, 1))).toBe('failed');
  });

  it('reads a rule without a body as every needed voter (stored requests before votes existed)', () => {
    expect(voteOutcome([{ role: 'review-board', count: 4 }], board(3, 1))).toBe('failed');
    expect(voteOutcome([{ role: 'data-scientist', count: 1 }], [vote('p', 'data-scientist', 'reject')])).toBe(
      'failed',
    );
    expect(voteOutcome([], [])).toBe('passed');
  });

  it('takes a fifth board vote after the quorum, and no sixth', () => {
    const attempt = {
      ...base,
      required: [BOARD, COMPLIANCE],
      principal: { name: 'z', roles: ['review-board'] },
    };
    expect(refuseDecision({ ...attempt, decisions: board(4, 0), decision: 'reject' })).toBeUndefined();
    const sixth = refuseDecision({ ...attempt, decisions: board(4, 1) });
    expect(sixth?.status).toBe(409);
    expect(sixth?.message).toMatch(/cast all 5 of its vote/);
  });

  it('keeps authors of the version and its evidence from approving, naming the rule', () => {
    const authors = new Map([['bob', 'created fraud@1.0.0']]);
    const refusal = refuseDecision({ ...base, authors });
    expect(refusal?.status).toBe(403);
    expect(refusal?.message).toMatch(/separation of duties \(authorship\): bob created fraud@1\.0\.0/);
    expect(refusal?.message).toMatch(/someone who did not create the version/);
    expect(refuseDecision({ ...base, authors: new Map([['carl', 'created fraud@1.0.0']]) })).toBeUndefined();
  });
});
