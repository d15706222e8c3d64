import { enc } from '../api';
import { Badge, ErrorBox, Facts, Loading, Section, TableWrap, num, time } from '../components/ui';
import { useApi, useTitle } from '../hooks';

interface Version {
  version: string;
  stage: string;
  framework: string | null;
  metrics: Record<string, number>;
  segmentMetrics: Record<string, Record<string, number>>;
  artifact: { sha256: string; size: number } | null;
  signatures: { id: string; keyName: string; verified: boolean; keyRevoked: boolean; createdAt: string }[];
  verified: boolean;
  hasSbom: boolean;
  hasModelCard: boolean;
  declaredBump?: string | null;
  requiredBump?: string | null;
  bumpReasons?: string[];
  createdAt: string;
  createdBy: string;
}
interface Check {
  name: string;
  status: string;
  value: unknown;
  threshold: unknown;
  detail?: string;
}
interface Validation {
  id: string;
  passed: boolean;
  level: string;
  checks: Check[];
  createdAt: string;
  createdBy: string;
}
interface ChangeRequest {
  id: string;
  version: string | null;
  from: string | null;
  to: string | null;
  status: string;
  requestedBy: string;
  createdAt: string;
}
interface Page<T> {
  items: T[];
}

const show = (v: unknown) =>
  typeof v === 'number'
    ? num(v)
    : v === null || v === undefined
      ? '—'
      : typeof v === 'string'
        ? v
        : JSON.stringify(v);

/** One version: metrics, validation reports, signatures and integrity, bump, change requests. */
export function VersionPage({ name, version }: { name: string; version: string }) {
  useTitle(`${name} ${version}`);
  const base = `/models/${enc(name)}/versions/${enc(version)}`;
  const v = useApi<Version>(base);
  const validations = useApi<Page<Validation>>(`${base}/validations?limit=20`);
  const requests = useApi<Page<ChangeRequest>>(`/change-requests?model=${enc(name)}&limit=200`);
  if (v.error) return <ErrorBox error={v.error} />;
  if (!v.data) return <Loading what="version" />;
  const d = v.data;
  const mine = (requests.data?.items ?? []).filter((r) => r.version === version);
  return (
    <>
      <p class="muted small">
        <a href="/">Inventory</a> / <a href={`/models/${enc(name)}`}>{name}</a> / {version}
      </p>
      <h1>
        {name} {version} <Badge value={d.stage} />
      </h1>
      <Section title="Facts">
        <Facts
          items={[
            ['Framework', d.framework],
            ['Registered', `${time(d.createdAt)} by ${d.createdBy}`],
            ['Bump declared', d.declaredBump ?? '—'],
            ['Bump required', d.requiredBump ?? '—'],
            ['Why', (d.bumpReasons ?? []).join('; ') || '—'],
            [
              'SBOM',
              d.hasSbom ? (
                <a href={`/api/v1${base}/sbom`} target="_blank" rel="noopener">
                  attached (JSON)
                </a>
              ) : (
                'none'
              ),
            ],
            [
              'Model card',
              <>
                <a href={`/api/v1${base}/model-card?format=html`} target="_blank" rel="noopener">
                  generated card (HTML)
                </a>{' '}
                ·{' '}
                <a href={`/api/v1${base}/model-card?format=md`} download>
                  Markdown
                </a>
                {d.hasModelCard ? ' · uploaded card attached' : ''}
              </>,
            ],
          ]}
        />
      </Section>
      <div class="grid">
        <Section title="Metrics">
          {Object.keys(d.metrics).length === 0 ? (
            <p class="muted">No metric recorded.</p>
          ) : (
            <TableWrap label="Metrics">
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">Metric</th>
                    <th scope="col">Overall</th>
                    {Object.keys(d.segmentMetrics).map((s) => (
                      <th scope="col" key={s}>
                        {s}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(d.metrics).map(([k, value]) => (
                    <tr key={k}>
                      <th scope="row">{k}</th>
                      <td>{num(value)}</td>
                      {Object.values(d.segmentMetrics).map((seg, i) => (
                        <td key={i}>{num(seg[k])}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </Section>
        <Section title="Integrity and signatures">
          <Facts
            items={[
              [
                'Artifact',
                d.artifact
                  ? `sha256 ${d.artifact.sha256.slice(0, 16)}… (${d.artifact.size} bytes)`
                  : 'none uploaded',
              ],
              ['Verified', d.verified ? 'yes: signed by a registered, unrevoked key' : 'no'],
            ]}
          />
          <ul>
            {d.signatures.map((s) => (
              <li key={s.id}>
                {s.keyName}: {s.verified ? 'valid' : 'INVALID'}
                {s.keyRevoked ? ' (key revoked)' : ''} · {time(s.createdAt)}
              </li>
            ))}
          </ul>
        </Section>
      </div>
      <Section title="Validation reports">
        {validations.error ? <ErrorBox error={validations.error} /> : null}
        {(validations.data?.items ?? []).length === 0 ? <p class="muted">No validation run yet.</p> : null}
        {(validations.data?.items ?? []).map((run) => (
          <details key={run.id}>
            <summary>
              {run.id} · level {run.level} · <Badge value={run.passed ? 'passed' : 'failed'} /> ·{' '}
              {time(run.createdAt)}
            </summary>
            <TableWrap label={`Checks of ${run.id}`}>
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">Check</th>
                    <th scope="col">Status</th>
                    <th scope="col">Value</th>
                    <th scope="col">Threshold</th>
                    <th scope="col">Detail</th>
                  </tr>
                </thead>
                <tbody>
                  {run.checks.map((c) => (
                    <tr key={c.name}>
                      <th scope="row">{c.name}</th>
                      <td>
                        <Badge value={c.status} />
                      </td>
                      <td>{show(c.value)}</td>
                      <td>{show(c.threshold)}</td>
                      <td class="wrap">{c.detail ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          </details>
        ))}
      </Section>
      <Section title="Change requests">
        {mine.length === 0 ? <p class="muted">None.</p> : null}
        <ul>
          {mine.map((r) => (
            <li key={r.id}>
              <a href={`/change-requests/${enc(r.id)}`}>{r.id}</a> {r.from} → {r.to}{' '}
              <Badge value={r.status} /> by {r.requestedBy}
            </li>
          ))}
        </ul>
      </Section>
    </>
  );
}
