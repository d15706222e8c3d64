import { enc } from '../api';
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

/** One model: facts, versions as a timeline, lineage, champion, consumers, deployments. */
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
    </>
  );
}
