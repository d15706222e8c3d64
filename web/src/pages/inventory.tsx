import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { query } from '../api';
import { Badge, ErrorBox, Loading, TableWrap, time } from '../components/ui';
import { useApi, useTitle } from '../hooks';

interface InventoryRow {
  name: string;
  displayName: string | null;
  owner: string;
  team: string | null;
  riskTier: number;
  championVersion: string | null;
  latestVersion: string | null;
  latestStage: string | null;
  health: string;
  openAlerts: number;
  openChangeRequests: number;
  updatedAt: string;
}
interface InventoryPage {
  items: InventoryRow[];
  total: number;
  offset: number;
  limit: number;
}

const PAGE_SIZE = 50;
const TIERS: Record<number, string> = { 1: '1 critical', 2: '2 high', 3: '3 standard', 4: '4 experimental' };
const STAGES = ['development', 'staging', 'approved', 'production', 'deprecated', 'archived', 'rejected'];
const HEALTH = ['critical', 'high', 'medium', 'low', 'ok'];
const COLUMNS: [string, string, string | null][] = [
  ['Model', 'name', 'name'],
  ['Tier', 'tier', 'tier'],
  ['Owner', 'owner', 'owner'],
  ['Team', 'team', null],
  ['Champion', 'champion', null],
  ['Latest version', 'latest', null],
  ['Health', 'health', 'health'],
  ['Open change requests', 'requests', null],
  ['Updated', 'updated', 'updated'],
];

/** Every model, filtered, sorted and paged by the server; the filters live in the URL. */
export function InventoryPage() {
  useTitle('Inventory');
  const location = useLocation();
  const params = location.query;
  const [text, setText] = useState(params.q ?? '');
  useEffect(() => setText(params.q ?? ''), [params.q]);
  const offset = Number(params.offset ?? 0) || 0;
  const sort = params.sort ?? 'name';
  const path = `/inventory${query({
    q: params.q,
    tier: params.tier,
    stage: params.stage,
    owner: params.owner,
    health: params.health,
    sort,
    limit: PAGE_SIZE,
    offset,
  })}`;
  const { data, error, loading } = useApi<InventoryPage>(path);

  const go = (changes: Record<string, string | number | undefined>) => {
    const next = { ...params, offset: undefined, ...changes } as Record<string, string | number | undefined>;
    location.route(`/${query(next)}`);
  };
  const sortBy = (key: string) => go({ sort: sort === key ? `-${key}` : key });
  const ariaSort = (key: string | null) =>
    key === null ? undefined : sort === key ? 'ascending' : sort === `-${key}` ? 'descending' : 'none';

  return (
    <>
      <h1>Inventory</h1>
      <form
        class="filters"
        role="search"
        aria-label="Filter models"
        onSubmit={(e) => {
          e.preventDefault();
          go({ q: text || undefined });
        }}
      >
        <div class="field">
          <label for="q">Search</label>
          <input id="q" type="search" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="tier">Tier</label>
          <select
            id="tier"
            value={params.tier ?? ''}
            onChange={(e) => go({ tier: e.currentTarget.value || undefined })}
          >
            <option value="">Any</option>
            {Object.entries(TIERS).map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="stage">Stage</label>
          <select
            id="stage"
            value={params.stage ?? ''}
            onChange={(e) => go({ stage: e.currentTarget.value || undefined })}
          >
            <option value="">Any</option>
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="health">Health</label>
          <select
            id="health"
            value={params.health ?? ''}
            onChange={(e) => go({ health: e.currentTarget.value || undefined })}
          >
            <option value="">Any</option>
            {HEALTH.map((s) => (
              <option key={s} value={s}>
                {s === 'ok' ? 'no open alert' : `worst alert ${s}`}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="owner">Owner</label>
          <input
            id="owner"
            value={params.owner ?? ''}
            onChange={(e) => go({ owner: e.currentTarget.value || undefined })}
          />
        </div>
        <button type="submit">Search</button>
      </form>
      {error ? <ErrorBox error={error} /> : null}
      {!data && loading ? <Loading what="models" /> : null}
      {data ? (
        <>
          <p class="muted" role="status">
            {data.total === 0
              ? 'No model matches.'
              : `Models ${data.offset + 1}–${data.offset + data.items.length} of ${data.total}`}
          </p>
          <TableWrap label="Models">
            <table class="data">
              <thead>
                <tr>
                  {COLUMNS.map(([label, key, sortKey]) => (
                    <th key={key} scope="col" aria-sort={ariaSort(sortKey)}>
                      {sortKey ? (
                        <button type="button" class="sort" onClick={() => sortBy(sortKey)}>
                          {label}
                          <span aria-hidden="true">
                            {sort === sortKey ? ' ▲' : sort === `-${sortKey}` ? ' ▼' : ''}
                          </span>
                        </button>
                      ) : (
                        label
                      )}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.items.map((m) => (
                  <tr key={m.name}>
                    <th scope="row">
                      <a href={`/models/${encodeURIComponent(m.name)}`}>{m.name}</a>
                      {m.displayName ? <div class="muted small">{m.displayName}</div> : null}
                    </th>
                    <td>{TIERS[m.riskTier] ?? m.riskTier}</td>
                    <td>{m.owner}</td>
                    <td>{m.team ?? '—'}</td>
                    <td>{m.championVersion ?? '—'}</td>
                    <td>
                      {m.latestVersion ? (
                        <>
                          {m.latestVersion} {m.latestStage ? <Badge value={m.latestStage} /> : null}
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>
                      <Badge
                        value={m.health}
                        label={m.health === 'ok' ? 'ok' : `${m.health} (${m.openAlerts})`}
                      />
                    </td>
                    <td>{m.openChangeRequests}</td>
                    <td>{time(m.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <nav class="pager" aria-label="Pages">
            <button
              type="button"
              disabled={offset === 0}
              onClick={() => go({ offset: Math.max(0, offset - PAGE_SIZE) || undefined })}
            >
              Previous page
            </button>
            <span>
              Page {Math.floor(offset / PAGE_SIZE) + 1} of {Math.max(1, Math.ceil(data.total / PAGE_SIZE))}
            </span>
            <button
              type="button"
              disabled={offset + PAGE_SIZE >= data.total}
              onClick={() => go({ offset: offset + PAGE_SIZE })}
            >
              Next page
            </button>
          </nav>
        </>
      ) : null}
    </>
  );
}
