import { api, enc } from '../api';
import { useCheckedWrite } from '../checked-write';
import { Badge, ErrorBox, Facts, Loading, Section, TableWrap, time } from '../components/ui';
import { WriteOutcomeNote } from '../components/write-outcome';
import { useDraft } from '../drafts';
import { useApi, useTitle } from '../hooks';
import { holdsAny, useSession } from '../session';
import type { RequiredRole } from './approvals';

interface ChangeRequest {
  id: string;
  kind: string;
  model: string | null;
  version: string | null;
  from: string | null;
  to: string | null;
  status: string;
  requestedBy: string;
  reason: string;
  evidence: string[];
  requiredValidationLevel: string | null;
  required: RequiredRole[];
  missingEvidence: { message: string }[];
  decisions: {
    principal: string;
    role: string;
    decision: string;
    comment: string | null;
    createdAt: string;
  }[];
  createdAt: string;
  expiresAt: string;
  executedAt: string | null;
}
interface Preview {
  allowed: boolean;
  blockers: string[];
  champion: string | null;
  bump: string | null;
}

const OPEN = ['requested', 'in_review'];

/** A change request: required roles, votes, evidence; approve or reject as a role the principal holds. */
export function ChangeRequestPage({ id }: { id: string }) {
  useTitle(`Change request ${id}`);
  const session = useSession();
  const cr = useApi<ChangeRequest>(`/change-requests/${enc(id)}`);
  const d = cr.data;
  const preview = useApi<Preview>(
    d && d.model && d.version && d.to && OPEN.includes(d.status)
      ? `/models/${enc(d.model)}/versions/${enc(d.version)}/transitions/preview?to=${enc(d.to)}`
      : null,
  );
  const [comment, setComment, clearComment] = useDraft(`${session.principal}/change-request/${id}`);
  const { outcome, run } = useCheckedWrite();
  const busy = outcome.state === 'sending' || outcome.state === 'unknown';
  if (cr.error) return <ErrorBox error={cr.error} />;
  if (!d) return <Loading what="change request" />;

  const roles = d.required.filter((q) => !q.satisfied && holdsAny(session, [q.role])).map((q) => q.role);
  const canDecide = OPEN.includes(d.status) && roles.length > 0;
  const mine = d.decisions.filter((x) => x.principal === session.principal);
  const decide = async (decision: 'approve' | 'reject', asRole: string) => {
    const path = `/change-requests/${enc(d.id)}`;
    const verb = decision === 'approve' ? 'Approved' : 'Rejected';
    const result = await run({
      send: () =>
        api.post(`${path}/decisions`, {
          decision,
          role: asRole,
          ...(comment.trim() ? { comment: comment.trim() } : {}),
        }),
      applied: async () =>
        (await api.get<ChangeRequest>(path)).decisions.some(
          (x) => x.principal === session.principal && x.role === asRole && x.decision === decision,
        ),
      done: `${verb} as ${asRole}.`,
      notApplied: `Your ${decision === 'approve' ? 'approval' : 'rejection'} as ${asRole} was not recorded.`,
    });
    if (result.state === 'applied') clearComment();
    // The server answered: show the request as it now stands.
    if (result.state === 'applied' || (result.state === 'failed' && result.action !== 'Not known'))
      cr.reload();
  };
  return (
    <>
      <p class="muted small">
        <a href="/approvals">Approvals</a> / {d.id}
      </p>
      <h1>
        Change request {d.id} <Badge value={d.status} />
      </h1>
      <Section title="What is asked">
        <Facts
          items={[
            [
              'Model',
              d.model ? (
                <a
                  href={
                    d.version
                      ? `/models/${enc(d.model)}/versions/${enc(d.version)}`
                      : `/models/${enc(d.model)}`
                  }
                >
                  {d.model} {d.version ?? ''}
                </a>
              ) : (
                '—'
              ),
            ],
            ['Move', d.from && d.to ? `${d.from} → ${d.to}` : d.kind],
            ['Requested', `${time(d.createdAt)} by ${d.requestedBy}`],
            ['Reason', d.reason],
            ['Expires', time(d.expiresAt)],
            ['Executed', time(d.executedAt)],
          ]}
        />
      </Section>
      <div class="grid">
        <Section title="Required approvals">
          <TableWrap label="Required approvals">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Role</th>
                  <th scope="col">Approvals</th>
                  <th scope="col">By</th>
                </tr>
              </thead>
              <tbody>
                {d.required.map((q) => (
                  <tr key={q.role}>
                    <th scope="row">{q.role}</th>
                    <td>
                      {q.approvals}/{q.count}{' '}
                      <Badge
                        value={q.satisfied ? 'passed' : 'requested'}
                        label={q.satisfied ? 'met' : 'needed'}
                      />
                    </td>
                    <td>{q.approvedBy.join(', ') || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </Section>
        <Section title="Evidence">
          <p>
            Required validation level: <strong>{d.requiredValidationLevel ?? 'none'}</strong>
          </p>
          <ul>
            {d.evidence.map((e) => (
              <li key={e}>validation run {e}</li>
            ))}
          </ul>
          {d.missingEvidence.length > 0 ? (
            <div class="notice">
              <strong>Missing evidence:</strong>
              <ul>
                {d.missingEvidence.map((m, i) => (
                  <li key={i}>{m.message}</li>
                ))}
              </ul>
            </div>
          ) : (
            <p class="muted">No evidence missing.</p>
          )}
          {preview.data ? (
            <p>
              Executing would move {d.model} {d.version} to {d.to}
              {preview.data.champion ? `, replacing champion ${preview.data.champion}` : ''}.
              {preview.data.blockers.length > 0 ? ` Blockers: ${preview.data.blockers.join('; ')}` : ''}
            </p>
          ) : null}
        </Section>
      </div>
      <Section title="Votes">
        {d.decisions.length === 0 ? <p class="muted">No vote yet.</p> : null}
        <ul>
          {d.decisions.map((x, i) => (
            <li key={i}>
              <Badge value={x.decision === 'approve' ? 'approved' : 'rejected'} label={x.decision} />{' '}
              {x.principal} as {x.role} · {time(x.createdAt)}
              {x.comment ? <div class="muted">“{x.comment}”</div> : null}
            </li>
          ))}
        </ul>
      </Section>
      {canDecide ? (
        <Section title="Your decision">
          <label for="comment">Comment</label>
          <textarea id="comment" value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
          <div class="actions">
            {roles.map((r) => (
              <span key={r} class="actions">
                <button type="button" disabled={busy} onClick={() => void decide('approve', r)}>
                  Approve as {r}
                </button>
                <button type="button" class="danger" disabled={busy} onClick={() => void decide('reject', r)}>
                  Reject as {r}
                </button>
              </span>
            ))}
          </div>
          <p class="muted small">
            Signed in as {session.principal}; a button is shown for each needed role you hold.
          </p>
        </Section>
      ) : OPEN.includes(d.status) && mine.length > 0 ? (
        <p class="muted">
          You voted: {mine.map((x) => `${x.decision} as ${x.role}`).join(', ')}. The request waits for the
          other roles.
        </p>
      ) : OPEN.includes(d.status) ? (
        <p class="muted">You hold none of the roles this request still needs ({session.roles.join(', ')}).</p>
      ) : null}
      <WriteOutcomeNote outcome={outcome} />
    </>
  );
}
