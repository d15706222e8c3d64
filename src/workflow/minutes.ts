import { tallyVotes, type ChangeRequestStatus, type RoleRequirement } from './approval-rules.js';
import type { Minutes, MinutesVote } from './change-request.schema.js';

/** What the minutes are drawn from: the stored request and its decisions, in the order cast. */
export interface MinutesInput {
  id: string;
  kind: string;
  model: string | null;
  version: string | null;
  from: string | null;
  to: string | null;
  status: ChangeRequestStatus;
  requestedBy: string;
  reason: string;
  policyVersion: number | null;
  createdAt: string;
  closedAt: string | null;
  required: readonly RoleRequirement[];
  decisions: ReadonlyArray<{
    principal: string;
    role: string;
    decision: 'approve' | 'reject';
    comment: string | null;
    at: string;
  }>;
}

/** The outcome the minutes record: `pending` while votes are still open. */
function outcomeOf(status: ChangeRequestStatus): Minutes['outcome'] {
  return status === 'requested' || status === 'in_review' ? 'pending' : status;
}

/**
 * The decision record of a change request (pure): who voted what, when and why, each role's
 * tally against its quorum, and the dissent — the votes against the outcome (rejections of a
 * request that passed or is still open, approvals of one that was rejected).
 */
export function buildMinutes(input: MinutesInput): Minutes {
  const outcome = outcomeOf(input.status);
  const votes: MinutesVote[] = input.decisions.map((d) => ({
    principal: d.principal,
    role: d.role,
    decision: d.decision,
    comment: d.comment,
    at: d.at,
  }));
  const against = outcome === 'rejected' ? 'approve' : 'reject';
  const dissent =
    outcome === 'withdrawn' || outcome === 'expired' ? [] : votes.filter((v) => v.decision === against);
  return {
    changeRequest: input.id,
    kind: input.kind,
    model: input.model,
    version: input.version,
    from: input.from,
    to: input.to,
    requestedBy: input.requestedBy,
    reason: input.reason,
    policyVersion: input.policyVersion,
    openedAt: input.createdAt,
    closedAt: input.closedAt,
    outcome,
    tally: tallyVotes(input.required, input.decisions).map((t) => ({
      role: t.role,
      count: t.count,
      of: t.of,
      veto: t.veto,
      approvals: t.approvals,
      rejections: t.rejections,
      result: t.result,
    })),
    votes,
    dissent,
  };
}

/** A table cell: pipes escaped, line breaks folded. */
function cell(text: string | null): string {
  return (text ?? '')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ');
}

/** The minutes as a Markdown document for the board's file. */
export function renderMinutesMarkdown(m: Minutes): string {
  const subject = m.model ? `${m.model}${m.version ? `@${m.version}` : ''}` : 'the governance policy';
  const move = m.from || m.to ? ` (${m.from ?? '—'} → ${m.to ?? '—'})` : '';
  const lines = [
    `# Minutes of change request ${m.changeRequest}`,
    '',
    `- Subject: ${m.kind} of ${subject}${move}`,
    `- Requested by: ${m.requestedBy} on ${m.openedAt}`,
    `- Reason: ${cell(m.reason)}`,
    `- Policy version in force: ${m.policyVersion ?? 'none recorded'}`,
    `- Outcome: **${m.outcome}**${m.closedAt ? ` on ${m.closedAt}` : ''}`,
    '',
    '## Tally',
    '',
    '| role | needed | of | veto | approve | reject | result |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...m.tally.map(
      (t) =>
        `| ${t.role} | ${t.count} | ${t.of} | ${t.veto ? 'yes' : 'no'} | ${t.approvals} | ${t.rejections} | ${t.result} |`,
    ),
    ...(m.tally.length === 0 ? ['| (no approval required) | | | | | | |'] : []),
    '',
    '## Voting record',
    '',
  ];
  if (m.votes.length === 0) lines.push('No votes were cast.');
  else {
    lines.push('| at | principal | role | vote | comment |', '| --- | --- | --- | --- | --- |');
    for (const v of m.votes)
      lines.push(`| ${v.at} | ${cell(v.principal)} | ${v.role} | ${v.decision} | ${cell(v.comment)} |`);
  }
  lines.push('', '## Dissenting opinions', '');
  if (m.dissent.length === 0) lines.push('None recorded.');
  else
    for (const d of m.dissent)
      lines.push(
        `- ${cell(d.principal)} (${d.role}) voted to ${d.decision} on ${d.at}: ${d.comment ? `“${cell(d.comment)}”` : 'no comment given'}`,
      );
  return `${lines.join('\n')}\n`;
}
