import { enc } from '../api';
import { DecisionLookup } from '../components/decision-lookup';
import { LineageGraph } from '../components/lineage-graph';
import { Badge, ErrorBox, Facts, Loading, Section, TableWrap, time } from '../components/ui';
import { useApi, useTitle } from '../hooks';

interface Model {
  name: string;
  displayName: string | null;
  description: string | null;
  owner: string;
  team: string | null;
  riskTier: number;
  useCase: string | null;
  intendedUse: string | null;
  tags: Record<string, string>;
  consumers: { name: string; contact?: string }[];
  championVersion: string | null;
  previousChampionVersion: string | null;
}
interface Version {
  version: string;
  stage: string;
  framework: string | null;
  createdAt: string;
  createdBy: string;
  lineage: { datasets: { name: string; uri: string; sha256: string }[]; featureSetVersion?: string };
  features: string[];
}
interface Deployment {
  id: string;
  version: string;
  environment: string;
  target: string;
  status: string;
  trafficPercent: number;
}
interface Page<T> {
  items: T[];
}
interface ApprovalRule {
  role: string;
  count: number;
  of?: number;
  label?: string;
}
interface TierPolicy {
  label: string;
  approvals: Record<string, ApprovalRule[]>;
  validation: { levelFor: Record<string, string> };
  retention: { auditYears: number; rawRecordDays: number };
  retirement: { graceDays: number; needsApproval: boolean; artifact: 'keep' | 'mark' };
}
interface Policy {
  version: number;
  document: { tiers: Record<string, TierPolicy> };
}

/** "2 of 5 review-board (ML Review Board quorum)", "1 validator". */
function approvalText(r: ApprovalRule): string {
  return `${r.of ? `${r.count} of ${r.of}` : r.count} ${r.role}${r.label ? ` (${r.label})` : ''}`;
}

/** What the policy in force asks of a model of this tier: approvals, validation, retention, retirement. */
function TierPolicySection({ tier }: { tier: number }) {
  const policy = useApi<Policy>('/policy');
  const title = `Tier ${tier} policy`;
  if (policy.error)
    return (
      <Section title={title}>
        <ErrorBox error={policy.error} />
      </Section>
    );
  if (!policy.data)
    return (
      <Section title={title}>
        <Loading what="policy" />
      </Section>
    );
  const t = policy.data.document.tiers[String(tier)];
  if (!t)
    return (
      <Section title={title}>
        <p class="muted">The policy in force names no tier {tier}.</p>
      </Section>
    );
  return (
    <Section title={title}>
      <p class="muted small">
        {t.label}: what <a href="/policy">policy version {policy.data.version}</a> requires of this model.
      </p>
      <TableWrap label="Approvals per transition">
        <table class="data">
          <thead>
            <tr>
              <th scope="col">Transition</th>
              <th scope="col">Approvals</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(t.approvals).map(([transition, rules]) => (
              <tr key={transition}>
                <th scope="row">{transition.replace('->', ' → ')}</th>
                <td class="wrap">{rules.length ? rules.map(approvalText).join(', ') : 'none'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <Facts
        items={[
          [
            'Validation per bump',
            Object.entries(t.validation.levelFor)
              .map(([bump, level]) => `${bump}: ${level}`)
              .join(' · '),
          ],
          [
            'Retention',
            `audit trail ${t.retention.auditYears} years; raw records ${t.retention.rawRecordDays} days`,
          ],
          [
            'Retirement',
            `${t.retirement.graceDays} days' notice to consumers; ${
              t.retirement.needsApproval ? 'needs approval' : 'no approval needed'
            }; artifact ${t.retirement.artifact === 'keep' ? 'kept' : 'marked retired'}`,
          ],
        ]}
      />
    </Section>
  );
}

/** One model: facts, versions as a timeline, lineage, champion, its tier's policy, consumers, deployments. */
export function ModelPage({ name }: { name: string }) {
  useTitle(name);
  const model = useApi<Model>(`/models/${enc(name)}`);
  const versions = useApi<Page<Version>>(`/models/${enc(name)}/versions?limit=200`);
  const deployments = useApi<Page<Deployment>>(`/models/${enc(name)}/deployments?limit=100`);
  if (model.error) return <ErrorBox error={model.error} />;
  if (!model.data) return <Loading what="model" />;
  const m = model.data;
  const list = versions.data?.items ?? [];
  const active = (deployments.data?.items ?? []).filter((d) => d.status !== 'ended');
  return (
    <>
      <p class="muted small">
        <a href="/">Inventory</a> / {m.name}
      </p>
      <h1>{m.displayName ? `${m.displayName} (${m.name})` : m.name}</h1>
      {m.description ? <p>{m.description}</p> : null}
      <Section title="Facts">
        <Facts
          items={[
            ['Risk tier', m.riskTier],
            ['Owner', m.owner],
            ['Team', m.team],
            ['Champion', m.championVersion ?? 'none in production'],
            ['Previous champion', m.previousChampionVersion],
            ['Use case', m.useCase],
            ['Intended use', m.intendedUse],
            [
              'Tags',
              Object.entries(m.tags)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ') || '—',
            ],
          ]}
        />
        <p class="actions">
          <a href={`/monitoring?model=${enc(m.name)}`}>Monitoring</a>
          <a href={`/alerts?model=${enc(m.name)}`}>Alerts</a>
          <a href={`/audit?subject=${enc(`model:${m.name}`)}`}>Audit trail</a>
        </p>
      </Section>
      <div class="grid">
        <Section title="Versions">
          {versions.error ? <ErrorBox error={versions.error} /> : null}
          {list.length === 0 ? <p class="muted">No version registered.</p> : null}
          <ol class="timeline" aria-label="Versions, newest first">
            {[...list].reverse().map((v) => (
              <li key={v.version}>
                <a href={`/models/${enc(m.name)}/versions/${enc(v.version)}`}>{v.version}</a>{' '}
                <Badge value={v.stage} />
                {v.version === m.championVersion ? <Badge value="production" label="champion" /> : null}
                <div class="muted small">
                  {time(v.createdAt)} by {v.createdBy}
                  {v.framework ? ` · ${v.framework}` : ''}
                </div>
              </li>
            ))}
          </ol>
        </Section>
      </div>
      <Section title="Lineage">
        {list.length > 0 ? (
          <>
            <p class="muted small">
              {list.length > 8 ? `The 8 newest of ${list.length} versions` : 'Every version'}; select a
              version to open it.
            </p>
            <LineageGraph model={m.name} versions={list.slice(-8)} deployments={active} />
          </>
        ) : (
          <p class="muted">No version yet.</p>
        )}
      </Section>
      <TierPolicySection tier={m.riskTier} />
      <div class="grid">
        <Section title="Consumers">
          {m.consumers.length === 0 ? (
            <p class="muted">No downstream consumer recorded.</p>
          ) : (
            <ul>
              {m.consumers.map((c) => (
                <li key={c.name}>
                  {c.name}
                  {c.contact ? <span class="muted"> · {c.contact}</span> : null}
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Deployments">
          {active.length === 0 ? (
            <p class="muted">Not deployed anywhere.</p>
          ) : (
            <TableWrap label="Deployments">
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">Environment</th>
                    <th scope="col">Target</th>
                    <th scope="col">Version</th>
                    <th scope="col">Traffic</th>
                  </tr>
                </thead>
                <tbody>
                  {active.map((d) => (
                    <tr key={d.id}>
                      <td>{d.environment}</td>
                      <td>{d.target}</td>
                      <td>{d.version}</td>
                      <td>{d.trafficPercent}%</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </Section>
      </div>
      <section class="card">
        <DecisionLookup model={m.name} id="model-lookup" />
      </section>
    </>
  );
}
